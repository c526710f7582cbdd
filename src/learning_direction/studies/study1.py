"""Study 1: does a downward learning direction go with more mentor engagement?

Replicates the analysis of Study 1 of Zhang, Wang & Galinsky (2023) on the bundled simulated
survey of mentors (or a user's data with the same columns): score the learning-direction and
engagement scales, check their reliability and the three-factor structure of learning
direction (CFA fit, HTMT), build Table 1, and test with a hierarchical regression whether the
three learning directions predict engagement over and above the controls (ΔR², F change),
with HC3 standard errors and standardized betas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._core.format import fmt_num, fmt_p, fmt_r
from ..exceptions import ModelError
from . import _pipeline
from ._base import StudyResult
from ._common import (
    RELIABILITY_CAPTION,
    TABLE1_CAPTION,
    StudyBuilder,
    add_indicator,
    apa_cfa_sentence,
    apa_delta_r2_sentence,
    apa_predictor_phrase,
    apa_reliability_sentence,
    collect_warnings,
    contrast_table,
    label_terms,
    table1,
)
from ._pipeline import DataSpec, Prepared
from ._registry import study_title

if TYPE_CHECKING:
    from ..models.regression import ModelComparisonResult, RegressionResult
    from ..reporting.tables import CorrelationTable
    from ..scales.cfa import CFAResult
    from ..scales.profiles import LearningDirectionProfile

__all__ = [
    "CONTROLS",
    "DIRECTIONS",
    "OUTCOME",
    "SCALES",
    "Study1Results",
    "analyse",
    "key_numbers",
    "prepare",
    "render",
    "run",
]

SCALES = ("learning_direction", "mentor_engagement")
CONTROLS = ("age", "tenure", "gender", "past_mentees")
NUMERIC_CONTROLS = ("age", "tenure", "past_mentees")
DIRECTIONS = ("upward", "lateral", "downward")
OUTCOME = "mentor_engagement"
ID_COLUMN = "mentor_id"

LABELS = {
    "age": "Age",
    "tenure": "Tenure",
    "gender": "Gender",
    "past_mentees": "Past mentees",
    "upward": "Upward learning direction",
    "lateral": "Lateral learning direction",
    "downward": "Downward learning direction",
    "mentor_engagement": "Mentor engagement",
}
SHORT = {"upward": "upward", "lateral": "lateral", "downward": "downward"}
SPEC = DataSpec(
    dataset="study1",
    scales=SCALES,
    columns=CONTROLS,
    numeric=NUMERIC_CONTROLS,
    categorical=("gender",),
    id_column=ID_COLUMN,
)
CONTRASTS = {
    "downward - upward": {"downward": 1.0, "upward": -1.0},
    "downward - lateral": {"downward": 1.0, "lateral": -1.0},
}

QUESTION = (
    "Do mentors who believe that valuable knowledge also sits below them in the hierarchy "
    "(a downward learning direction) engage more in mentoring, over and above their beliefs about "
    "learning from above (upward) and from peers (lateral) and the usual controls?"
)

STEP_FORMULAS = (
    f"{OUTCOME} ~ age + tenure + C(gender) + past_mentees",
    f"{OUTCOME} ~ age + tenure + C(gender) + past_mentees + upward + lateral + downward",
)

REG_COLUMNS = ["term", "label", "estimate", "se", "t", "ci_low", "ci_high", "p_value", "beta"]
CFA_FIT_COLUMNS = [
    "n",
    "chi2",
    "df",
    "p_value",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_low",
    "rmsea_ci_high",
    "srmr",
]
DISCRIMINANT_COLUMNS = [
    "factor_1",
    "factor_2",
    "correlation",
    "htmt",
    "htmt_below_85",
    "fornell_larcker",
]


def _design_text(n: int, bundled: bool) -> str:
    source = (
        "the bundled simulated survey (ld.load_dataset('study1'); effect sizes are stated "
        "assumptions of ld.simulate.Study1Params)"
        if bundled
        else "the data supplied (data=)"
    )
    return (
        f"Cross-sectional survey of {n} mentors from {source}. Measures: learning direction "
        "(12 items on 1-7, four each for upward, lateral and downward; one reverse-keyed item per "
        "subscale) and mentor engagement (6 items on 1-7, one reverse-keyed); controls: age, "
        "organisational tenure, gender and number of past mentees."
    )


def _direction_sentence(reg: pd.DataFrame) -> str:
    """Key finding: downward's coefficient, then how upward and lateral compare."""
    rows = reg.set_index("term")
    down = rows.loc["downward"]

    def verb(r: pd.Series) -> str:
        if r["p_value"] < 0.05:
            return (
                "predicted higher engagement" if r["estimate"] > 0 else "predicted lower engagement"
            )
        return "did not significantly predict engagement"

    text = (
        f"In the final model, downward learning direction {verb(down)}, "
        f"{apa_predictor_phrase(down)}"
    )
    others = [d for d in ("upward", "lateral") if d in rows.index]
    verbs = [verb(rows.loc[d]) for d in others]
    if len(others) == 2 and verbs[0] == verbs[1]:
        text += (
            f"; upward ({apa_predictor_phrase(rows.loc['upward'])}) and lateral learning "
            f"direction ({apa_predictor_phrase(rows.loc['lateral'])}) also {verbs[0]}"
        ).replace("also did not", "did not")
    else:
        parts = [
            f"{d} learning direction {v} ({apa_predictor_phrase(rows.loc[d])})"
            for d, v in zip(others, verbs, strict=True)
        ]
        if parts:
            text += "; " + ", whereas ".join(parts)
    return text + "."


def _contrast_sentence(contrasts: pd.DataFrame) -> str:
    phrases = []
    for r in contrasts.itertuples():
        other = r.term.split(" - ", 1)[1]
        if r.p_value < 0.05:
            rel = "larger than" if r.estimate > 0 else "smaller than"
        else:
            rel = "not significantly different from"
        phrases.append(
            f"{rel} the {other} coefficient (difference = {fmt_num(r.estimate)}, "
            f"SE = {fmt_num(r.se)}, 95% CI [{fmt_num(r.ci_low)}, {fmt_num(r.ci_high)}], "
            f"{fmt_p(r.p_value)})"
        )
    return (
        "Tested against each other with the same HC3 covariance matrix, the downward coefficient "
        "was " + " and ".join(phrases) + "."
    )


# ------------------------------------------------------------------------------ stages


@dataclass(frozen=True)
class Study1Results:
    """The statistics of Study 1 (:func:`analyse`): result objects only, no text or figures.

    Attributes
    ----------
    table1 : CorrelationTable
        Means, SDs and correlations of the controls, learning directions and engagement.
    steps : ModelComparisonResult
        The hierarchical regression (controls, then the three learning directions added).
    contrasts : DataFrame
        Wald t tests of downward − upward and downward − lateral (same covariance matrix).
    cfa : CFAResult or None
        Three-factor CFA of learning direction (None when it could not be estimated).
    profile : LearningDirectionProfile
        Mean upward, lateral and downward learning direction.
    se : str
        Standard errors of the coefficients.
    notes : tuple of str
        Package warnings raised while analysing, and a CFA that failed.
    """

    table1: CorrelationTable
    steps: ModelComparisonResult
    contrasts: pd.DataFrame
    cfa: CFAResult | None
    profile: LearningDirectionProfile
    se: str
    notes: tuple[str, ...] = ()

    @property
    def final(self) -> RegressionResult:
        """The final model (step 2)."""
        return self.steps.steps[-1]


def prepare(
    data: pd.DataFrame | None = None, *, name: str = "study1", exclude_careless: bool = False
) -> Prepared:
    """Check (or load) the data, screen for careless responding, score, reliability."""
    return _pipeline.prepare(data, SPEC, study=name, exclude_careless=exclude_careless)


def analyse(prepared: Prepared, *, name: str = "study1", se: str = "HC3") -> Study1Results:
    """Table 1, the hierarchical regression, the contrasts, the CFA and the profile."""
    from ..models.regression import regress_steps
    from ..scales.cfa import cfa
    from ..scales.profiles import learning_direction_profile

    df = prepared.rows
    notes: list[str] = []
    with collect_warnings(notes):
        # Table 1: controls (gender as a 0/1 indicator), directions, outcome
        t1_cols = ["age", "tenure"]
        labels = dict(LABELS)
        data_s = add_indicator(prepared.data, "gender", "Gender", t1_cols, labels)
        t1_cols += ["past_mentees", *DIRECTIONS, OUTCOME]
        t1 = table1(data_s, t1_cols, labels=labels, alphas=prepared.rel.alphas)

        if df["gender"].dropna().nunique() < 2:
            raise ModelError(
                f"{name}: column 'gender' has a single value ({df['gender'].dropna().unique()!r}); "
                "a control that does not vary cannot be estimated: use data with both genders"
            )
        steps = regress_steps(data_s, list(STEP_FORMULAS), se=se)

        # CFA of the three learning-direction subscales
        cfa_res: CFAResult | None
        try:
            cfa_res = cfa(df, "learning_direction")
        except ModelError as err:
            cfa_res = None
            notes.append(f"Warning: the CFA of learning direction could not be estimated: {err}")

        profile = learning_direction_profile(data_s[list(DIRECTIONS)])
    contrasts = contrast_table(steps.steps[-1], CONTRASTS)
    return Study1Results(
        table1=t1,
        steps=steps,
        contrasts=contrasts,
        cfa=cfa_res,
        profile=profile,
        se=se,
        notes=tuple(notes),
    )


def render(prepared: Prepared, results: Study1Results, *, name: str = "study1") -> StudyResult:
    """Tables, figures, APA sentences and notes of Study 1, as a :class:`StudyResult`."""
    b = StudyBuilder(
        name,
        study_title(name, "study1"),
        QUESTION,
        _design_text(len(prepared.rows), prepared.bundled),
    )
    b.results.update(
        {
            "careless": prepared.careless,
            "scores": prepared.scored.result,
            "reliability": prepared.rel.combined,
            "table1": results.table1,
            "steps": results.steps,
            "regression": results.final,
            "cfa": results.cfa,
            "profile": results.profile,
        }
    )
    reg = _regression_table(results)
    _add_tables(b, prepared, results, reg)
    _add_figures(b, prepared, results, reg)
    _add_text(b, prepared, results, reg)
    _add_notes(b, prepared, results)
    return b.build(n=results.steps.n, seed=None)


def _se_name(se: str) -> str:
    return "HC3 robust" if se == "HC3" else se


def _regression_table(results: Study1Results) -> pd.DataFrame:
    """The final model's coefficients with display labels."""
    reg = results.final.table.copy()
    reg.insert(1, "label", label_terms(reg["term"].tolist(), LABELS))
    return reg[[c for c in REG_COLUMNS if c in reg.columns]]


def _add_tables(
    b: StudyBuilder, prepared: Prepared, results: Study1Results, reg: pd.DataFrame
) -> None:
    steps, final, se_name = results.steps, results.final, _se_name(results.se)
    b.table("table1", results.table1.table, TABLE1_CAPTION)
    b.table("reliability", prepared.rel.table, RELIABILITY_CAPTION)
    st = steps.table.copy()
    st.insert(1, "block", ["Controls", "+ upward, lateral, downward"][: len(st)])
    b.table(
        "regression_steps",
        st,
        f"Hierarchical regression of mentor engagement: R², ΔR² and F change per step "
        f"(N = {steps.n})",
    )
    b.table(
        "regression",
        reg,
        f"Final model (step 2): unstandardized coefficients b with {se_name} SEs, 95% CIs and "
        "standardized β (N = " + f"{final.n})",
    )
    b.table(
        "contrasts",
        results.contrasts,
        f"Is the downward coefficient larger? Differences of b with {se_name} SEs (Wald t tests)",
    )
    cfa_res = results.cfa
    if cfa_res is not None:
        fit = cfa_res.fit[CFA_FIT_COLUMNS].copy()
        fit.insert(0, "model", "three factors (upward, lateral, downward)")
        b.table(
            "cfa_fit",
            fit,
            "Measurement model: fit of the three-factor CFA of learning direction (ML, listwise; "
            "RMSEA with 90% CI)",
        )
        b.table(
            "cfa_discriminant",
            cfa_res.discriminant[DISCRIMINANT_COLUMNS],
            "Discriminant validity: latent correlations and heterotrait-monotrait ratios (HTMT; "
            "below .85 supports discriminant validity)",
        )


def _add_figures(
    b: StudyBuilder, prepared: Prepared, results: Study1Results, reg: pd.DataFrame
) -> None:
    from ..figures.coefficients import plot_coefficients

    se_name, profile = _se_name(results.se), results.profile
    ax = profile.plot(title="Learning-direction profile of the mentors")
    b.figure(
        "profile",
        ax,
        f"Mean upward, lateral and downward learning direction (1-7) with 95% CIs "
        f"(N = {profile.n_complete} mentors with all three scores).",
    )
    terms = [t for t in reg["term"] if t != "Intercept"]
    ax = plot_coefficients(results.final, terms=terms)
    ax.set_yticks(ax.get_yticks(), label_terms(terms, LABELS))
    ax.set_xlabel(f"b with 95% CI ({se_name} SEs)")
    ax.set_title("Predictors of mentor engagement (step 2)")
    b.figure(
        "coefficients",
        ax,
        f"Unstandardized coefficients of the final model with 95% CIs ({se_name} SEs); "
        "controls are in their own units (years, count), learning directions and engagement on 1-7.",
    )
    ax = results.table1.plot(title="Correlations (pairwise-complete)")
    b.figure(
        "correlations",
        ax,
        "Pearson correlations of the Table 1 variables (* p < .05, ** p < .01, *** p < .001).",
    )
    ax = prepared.rel.combined.plot()
    ax.set_title("Item reliability: learning direction and mentor engagement")
    b.figure(
        "item_reliability",
        ax,
        "Corrected item-total correlations (bars) and alpha if the item were deleted (diamonds); "
        "dashed lines mark each subscale's alpha; (R) = reverse-keyed.",
    )


def _add_text(
    b: StudyBuilder, prepared: Prepared, results: Study1Results, reg: pd.DataFrame
) -> None:
    steps, cfa_res = results.steps, results.cfa
    short = {**SHORT, OUTCOME: "mentor engagement"}
    b.text["reliability"] = apa_reliability_sentence(prepared.rel.table, short)
    if cfa_res is not None:
        b.text["cfa"] = apa_cfa_sentence(
            cfa_res.fit.iloc[0],
            cfa_res.discriminant,
            "A three-factor CFA of the learning-direction items (upward, lateral, downward)",
        )
    s1 = steps.table.iloc[0]
    b.text["model"] = (
        "A hierarchical OLS regression tested whether the three learning directions predict "
        f"mentor engagement over and above the controls (N = {steps.n} mentors). The controls "
        f"(age, tenure, gender and number of past mentees) explained R² = {fmt_r(s1['r2'])} of "
        f"the variance, F({int(s1['df1'])}, {int(s1['df2'])}) = {fmt_num(s1['f_change'])}, "
        f"{fmt_p(s1['p_value'])}; coefficient tests use {_se_name(results.se)} standard errors."
    )
    b.text["main"] = (
        apa_delta_r2_sentence(
            steps.table.iloc[-1],
            added="the three learning directions",
            outcome="mentor engagement",
        )
        + " "
        + _direction_sentence(reg)
    )
    b.text["contrasts"] = _contrast_sentence(results.contrasts)


def _add_notes(b: StudyBuilder, prepared: Prepared, results: Study1Results) -> None:
    steps, cfa_res, se = results.steps, results.cfa, results.se
    b.note(prepared.careless_note)
    if steps.n_dropped:
        reason = steps.steps[0].design.report.reason
        b.note(
            f"Regression: {reason}. Scores are missing when fewer than half of a subscale's "
            "items were answered."
        )
    else:
        b.note(f"Regression: all {steps.n} mentors had every variable; none was left out.")
    for n_ in prepared.scored.notes:
        b.note(f"Scoring: {n_}")
    if cfa_res is not None and cfa_res.n_dropped:
        b.note(
            f"CFA: {cfa_res.n} mentors answered all 12 learning-direction items; "
            f"{cfa_res.n_dropped} with a missing answer were left out (listwise, lavaan's "
            "default; alpha uses pairwise-complete data)."
        )
    b.note(
        "Standard errors: coefficient SEs, CIs and p values are "
        + (
            "HC3 heteroskedasticity-consistent (sandwich::vcovHC(type = 'HC3'))"
            if se == "HC3"
            else f"{se}"
        )
        + "; ΔR² and F change are the classical tests (R's anova(m1, m2)), which robust SEs do "
        "not change."
    )
    for n_ in (*prepared.notes, *results.notes):
        b.note(n_)


# ------------------------------------------------------------------------------ pipeline


def run(
    name: str = "study1",
    data: pd.DataFrame | None = None,
    *,
    seed: int | None = None,
    n_boot: int = 5000,
    progress: bool = False,
    se: str = "HC3",
    exclude_careless: bool = False,
) -> StudyResult:
    """Run Study 1: learning direction and mentor engagement (hierarchical regression).

    Parameters
    ----------
    name : str
        Study name shown in the result (``"study1"``).
    data : DataFrame, optional
        One row per mentor with the columns of the bundled dataset: ``age, tenure, gender,
        past_mentees``, the 12 learning-direction items (``ld_up_1`` ... ``ld_down_4``) and the
        6 engagement items (``eng_1`` ... ``eng_6``); ``mentor_id`` is optional (used to name
        flagged respondents). Default: ``ld.load_dataset("study1")``.
    seed, n_boot, progress
        Accepted for a uniform interface with the other studies; Study 1 has no random step
        (no bootstrap), so they do not change any number.
    se : {"HC3", "classical", "HC0", "HC1", "HC2", "HC4"}
        Standard errors of the regression coefficients (default HC3; ΔR² and F change are
        always the classical tests).
    exclude_careless : bool
        Leave out respondents flagged by :func:`learning_direction.careless_responding`
        before every analysis (default False: they are flagged in the notes only).

    Returns
    -------
    StudyResult
        Tables ``table1``, ``reliability``, ``regression_steps``, ``regression``,
        ``contrasts``, ``cfa_fit``, ``cfa_discriminant``; figures ``profile``,
        ``coefficients``, ``correlations``, ``item_reliability``; text ``reliability``,
        ``cfa``, ``model``, ``main``, ``contrasts``; results (the underlying result objects)
        ``scores``, ``reliability``, ``cfa``, ``table1``, ``steps``, ``regression``,
        ``profile``, ``careless``.

    Raises
    ------
    DataValidationError
        ``data`` lacks a required column (all are named), a control is not numeric, an item
        answer is invalid.
    ModelError
        The regression cannot be estimated (e.g. too few complete rows, a constant control).

    Notes
    -----
    Hierarchical OLS regression on the rows complete for every variable of both steps:

    * step 1: :math:`\\text{engagement} = b_0 + b_1\\,\\text{age} + b_2\\,\\text{tenure} +
      b_3\\,\\text{gender} + b_4\\,\\text{past mentees} + e`;
    * step 2 adds upward, lateral and downward learning direction.

    :math:`\\Delta R^2 = R^2_2 - R^2_1` with :math:`F = (\\Delta R^2/3) / ((1 - R^2_2)/(n - p_2))`
    (R's ``anova(m1, m2)``). Coefficient SEs are HC3, :math:`(X'X)^{-1}X'\\,
    \\mathrm{diag}(e_i^2/(1-h_i)^2)\\,X(X'X)^{-1}` (``sandwich::vcovHC(type = "HC3")``), the
    heteroskedasticity-consistent estimator recommended for samples of this size (Long &
    Ervin, 2000); β = b·s_x/s_y (``lm.beta``). The downward coefficient is also compared with
    the upward and lateral ones (Wald t tests of the differences with the same covariance).
    The CFA is ML on the listwise-complete learning-direction items (lavaan's default).

    References
    ----------
    Zhang, Wang & Galinsky (2023), *Academy of Management Journal* (Study 1).
    Long, J. S., & Ervin, L. H. (2000). Using heteroscedasticity consistent standard errors in
    the linear regression model. *The American Statistician, 54*, 217–224.
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based SEM. *JAMS, 43*, 115–135.

    Examples
    --------
    R: ``m1 <- lm(eng ~ age + tenure + gender + past_mentees, d); m2 <- update(m1, . ~ . +
    upward + lateral + downward); anova(m1, m2); lmtest::coeftest(m2, vcov =
    sandwich::vcovHC(m2, "HC3"))``.

    >>> import learning_direction as ld
    >>> res = ld.run_study("study1")
    >>> steps = res.tables["regression_steps"]
    >>> cols = ["step", "r2", "delta_r2", "f_change", "df1", "df2"]
    >>> print(steps[cols].round(3).to_string(index=False))
     step    r2  delta_r2  f_change  df1  df2
        1 0.030     0.030     2.297    4  295
        2 0.219     0.189    23.576    3  292
    >>> reg = res.tables["regression"].set_index("term")
    >>> print(reg.loc[["upward", "lateral", "downward"],
    ...               ["estimate", "se", "p_value", "beta"]].round(3))
              estimate     se  p_value   beta
    term
    upward       0.128  0.059    0.031  0.128
    lateral      0.123  0.060    0.041  0.121
    downward     0.329  0.052    0.000  0.351
    >>> print(res.text["main"].split(". ")[0])  # APA-style sentence, ready for the paper
    Over and above the controls, the three learning directions explained an additional 18.9%
    of the variance in mentor engagement, ΔR² = .19, F(3, 292) = 23.58, p < .001
    """
    del seed, n_boot, progress  # no random step in Study 1
    prepared = prepare(data, name=name, exclude_careless=exclude_careless)
    return render(prepared, analyse(prepared, name=name, se=se), name=name)


def key_numbers(result: StudyResult) -> dict[str, Any]:
    """The key numbers of a Study 1 result (for tests and notebooks)."""
    reg = result.tables["regression"].set_index("term")
    last = result.tables["regression_steps"].iloc[-1]
    return {
        "delta_r2": float(last["delta_r2"]),
        "f_change": float(last["f_change"]),
        "p_change": float(last["p_value"]),
        "b_downward": float(reg.loc["downward", "estimate"]),
        "p_downward": float(reg.loc["downward", "p_value"]),
        "beta_downward": float(reg.loc["downward", "beta"]),
    }
