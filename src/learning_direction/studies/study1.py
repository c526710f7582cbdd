"""Study 1: does a downward learning direction go with more mentor engagement?

Replicates the analysis of Study 1 of Zhang, Wang & Galinsky (2023) on the bundled simulated
survey of mentors (or a user's data with the same columns): score the learning-direction and
engagement scales, check their reliability and the three-factor structure of learning
direction (CFA by FIML on every mentor, HTMT), fit the full measurement model (the three
directions, learning goal orientation and engagement: AVE, composite reliability, HTMT,
Fornell–Larcker) with common-method checks, build Table 1, and test with hierarchical
regressions whether the three learning directions predict engagement over and above the
controls, and over and above learning goal orientation (ΔR², F change), with HC3 standard
errors and standardized betas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
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
    from ..scales.common_method import CommonMethodResult
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

SCALES = ("learning_direction", "learning_goal_orientation", "mentor_engagement")
#: every construct of the full measurement model (LGO is the control construct)
MEASUREMENT_SCALES = SCALES
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
    "learning_goal_orientation": "Learning goal orientation",
    "mentor_engagement": "Mentor engagement",
}
SHORT = {
    "upward": "upward",
    "lateral": "lateral",
    "downward": "downward",
    "learning_goal_orientation": "learning goal orientation",
}
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
#: incremental validity over learning goal orientation (the reviewer's control construct)
INCREMENTAL_FORMULAS = (
    f"{OUTCOME} ~ age + tenure + C(gender) + past_mentees + learning_goal_orientation",
    f"{OUTCOME} ~ age + tenure + C(gender) + past_mentees + learning_goal_orientation"
    " + upward + lateral + downward",
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
        "subscale), learning goal orientation (5 items on 1-7, the control construct) and mentor "
        "engagement (6 items on 1-7, one reverse-keyed); controls: age, organisational tenure, "
        "gender and number of past mentees."
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
        Three-factor CFA of learning direction by FIML (every mentor with an answer; None
        when it could not be estimated).
    incremental : ModelComparisonResult
        Controls + learning goal orientation, then the three learning directions added.
    measurement : CFAResult or None
        The full measurement model (five correlated factors, FIML); None when it was not
        asked for (``full_measurement=False``) or could not be estimated.
    validity : dict
        For the full model: ``"htmt"``, ``"htmt2"`` and ``"fornell_larcker"`` (factor ×
        factor DataFrames); empty without it.
    common_method : CommonMethodResult or None
        Harman's single factor, the unmeasured method factor and (with ``marker``) the
        Lindell–Whitney correction, on the full model's items.
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
    incremental: ModelComparisonResult | None = None
    measurement: CFAResult | None = None
    validity: dict[str, pd.DataFrame] = field(default_factory=dict)
    common_method: CommonMethodResult | None = None
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


def analyse(
    prepared: Prepared,
    *,
    name: str = "study1",
    se: str = "HC3",
    full_measurement: bool = True,
    marker: str | None = None,
) -> Study1Results:
    """Table 1, the hierarchical regressions, the contrasts, the CFAs and the profile."""
    from ..models.regression import regress_steps
    from ..scales.profiles import learning_direction_profile

    df = prepared.rows
    notes: list[str] = []
    with collect_warnings(notes):
        # Table 1: controls (gender as a 0/1 indicator), directions, LGO, outcome
        t1_cols = ["age", "tenure"]
        labels = dict(LABELS)
        data_s = add_indicator(prepared.data, "gender", "Gender", t1_cols, labels)
        t1_cols += ["past_mentees", *DIRECTIONS, "learning_goal_orientation", OUTCOME]
        t1 = table1(data_s, t1_cols, labels=labels, alphas=prepared.rel.alphas)

        if df["gender"].dropna().nunique() < 2:
            raise ModelError(
                f"{name}: column 'gender' has a single value ({df['gender'].dropna().unique()!r}); "
                "a control that does not vary cannot be estimated: use data with both genders"
            )
        steps = regress_steps(data_s, list(STEP_FORMULAS), se=se)
        incremental = regress_steps(data_s, list(INCREMENTAL_FORMULAS), se=se)
        cfa_res = _try_cfa(df, "learning_direction", "learning direction", notes)
        measurement: CFAResult | None = None
        validity: dict[str, pd.DataFrame] = {}
        method: CommonMethodResult | None = None
        if full_measurement:
            measurement, validity, method = _measurement_model(df, marker, notes)
        profile = learning_direction_profile(data_s[list(DIRECTIONS)])
    contrasts = contrast_table(steps.steps[-1], CONTRASTS)
    return Study1Results(
        table1=t1,
        steps=steps,
        contrasts=contrasts,
        cfa=cfa_res,
        profile=profile,
        se=se,
        incremental=incremental,
        measurement=measurement,
        validity=validity,
        common_method=method,
        notes=tuple(notes),
    )


def _try_cfa(df: pd.DataFrame, scales: Any, what: str, notes: list[str]) -> CFAResult | None:
    """A CFA by FIML (every mentor with an answer), or None with a note when it fails."""
    from ..scales.cfa import cfa

    try:
        return cfa(df, scales, missing="fiml")
    except ModelError as err:
        notes.append(f"Warning: the CFA of {what} could not be estimated: {err}")
        return None


def _measurement_model(
    df: pd.DataFrame, marker: str | None, notes: list[str]
) -> tuple[CFAResult | None, dict[str, pd.DataFrame], CommonMethodResult | None]:
    """The full measurement model, its validity tables and the common-method checks."""
    from ..scales.common_method import common_method
    from ..scales.validity import fornell_larcker, htmt

    full = _try_cfa(df, list(MEASUREMENT_SCALES), "the full measurement model", notes)
    if full is None:
        return None, {}, None
    validity = {
        "htmt": htmt(full),
        "htmt2": htmt(full, htmt2=True),
        "fornell_larcker": fornell_larcker(full),
    }
    try:
        method = common_method(df, list(MEASUREMENT_SCALES), missing="fiml", marker=marker)
    except ModelError as err:
        method = None
        notes.append(f"Warning: the common-method checks could not be estimated: {err}")
    return full, validity, method


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
            "incremental": results.incremental,
            "measurement": results.measurement,
            "common_method": results.common_method,
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
            "Measurement model: fit of the three-factor CFA of learning direction (full-"
            f"information ML, every mentor with an answer, N = {cfa_res.n}; RMSEA with 90% CI)",
        )
        b.table(
            "cfa_discriminant",
            cfa_res.discriminant[DISCRIMINANT_COLUMNS],
            "Discriminant validity: latent correlations and heterotrait-monotrait ratios (HTMT; "
            "below .85 supports discriminant validity)",
        )
    _add_incremental_table(b, results)
    _add_measurement_tables(b, results)


def _add_incremental_table(b: StudyBuilder, results: Study1Results) -> None:
    inc = results.incremental
    if inc is None:
        return
    st = inc.table.copy()
    st.insert(1, "block", ["Controls + learning goal orientation", "+ upward, lateral, downward"])
    b.table(
        "incremental_validity",
        st,
        "Incremental validity over learning goal orientation: hierarchical regression of mentor "
        f"engagement, R², ΔR² and F change per step (N = {inc.n})",
    )


def missing_patterns(cfa_res: CFAResult, top: int = 6) -> pd.DataFrame:
    """The most frequent missing-data patterns of a FIML CFA: ``pattern, n, share,
    n_answered, items_missing`` (the rest summed in a last row)."""
    pat = cfa_res.sem.patterns if cfa_res.sem is not None else None
    if pat is None or not len(pat):
        return pd.DataFrame(columns=["pattern", "n", "share", "n_answered", "items_missing"])
    items = [c for c in pat.columns if c not in ("pattern", "n", "n_observed")]
    listed = list(cfa_res.table["item"])
    shown_items = {i: i if i in listed else listed[k] for k, i in enumerate(items)}
    total = int(pat["n"].sum())
    rows = []
    for r in pat.sort_values("n", ascending=False, kind="stable").head(top).itertuples():
        missing = [shown_items[i] for i in items if getattr(r, i, 1) == 0]
        rows.append(
            {
                "pattern": str(r.pattern),
                "n": int(r.n),
                "share": r.n / total,
                "n_answered": int(r.n_observed),
                "items_missing": _item_list(missing),
            }
        )
    rest = pat.sort_values("n", ascending=False, kind="stable").iloc[top:]
    if len(rest):
        rows.append(
            {
                "pattern": f"{len(rest)} other patterns",
                "n": int(rest["n"].sum()),
                "share": rest["n"].sum() / total,
                "n_answered": int(rest["n_observed"].min()),
                "items_missing": "various (n_answered: the fewest)",
            }
        )
    return pd.DataFrame(rows)


def _item_list(missing: list[str]) -> str:
    if not missing:
        return "none (every item answered)"
    prefixes = {m.split("_")[0] for m in missing}
    if len(missing) > 6:
        return f"{len(missing)} items ({', '.join(sorted(prefixes))}_*)"
    return ", ".join(missing)


def _add_measurement_tables(b: StudyBuilder, results: Study1Results) -> None:
    full, method = results.measurement, results.common_method
    if full is None:
        return
    b.table(
        "missing_patterns",
        missing_patterns(full),
        f"Missing-data patterns of the {len(full.table)} items of the full measurement model "
        f"({int(full.fit['n_patterns'].iloc[0])} patterns among {full.n} mentors; FIML uses "
        "every answered item)",
    )
    fit = full.fit[CFA_FIT_COLUMNS].copy()
    fit.insert(0, "model", f"{len(full.validity)} correlated factors")
    b.table(
        "measurement_fit",
        fit,
        "Full measurement model: the three learning directions, learning goal orientation and "
        "mentor engagement as correlated factors (FIML; RMSEA with 90% CI)",
    )
    b.table(
        "measurement_validity",
        full.validity,
        "Convergent validity: average variance extracted (AVE ≥ .50), composite reliability "
        "(CR ≥ .70) and the Fornell–Larcker criterion (√AVE above every |r| with another "
        "factor), from the standardized loadings",
    )
    h2 = results.validity["htmt2"]
    disc = full.discriminant[DISCRIMINANT_COLUMNS].copy()
    disc.insert(
        disc.columns.get_loc("htmt") + 1,
        "htmt2",
        [float(h2.loc[a, c]) for a, c in zip(disc["factor_1"], disc["factor_2"], strict=True)],
    )
    b.table(
        "measurement_htmt",
        disc,
        "Discriminant validity of the full model: latent correlations, HTMT and HTMT2 "
        "(geometric means; semTools' default) against .85, and Fornell–Larcker per pair",
    )
    fl = results.validity["fornell_larcker"].copy()
    fl.insert(0, "factor", fl.index)
    b.table(
        "fornell_larcker",
        fl,
        "Fornell–Larcker table: √AVE on the diagonal, latent correlations below it",
    )
    if method is not None:
        b.table(
            "common_method",
            method.table,
            "Common-method checks: the trait model, Harman's single factor and the trait model "
            "with an unmeasured latent method factor (equal loadings, orthogonal to the traits); "
            "Δχ² of the more against the less restricted model, ΔCFI against the trait model",
        )
        if method.marker is not None:
            b.table(
                "marker_correlations",
                method.marker,
                "Marker-variable correction (Lindell & Whitney, 2001): correlations among the "
                "scale scores before and after removing the marker's correlation",
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
            "A three-factor CFA of the learning-direction items (upward, lateral, downward; "
            "full-information ML, so every mentor with an answer counts)",
        )
    if results.measurement is not None:
        b.text["measurement"] = _measurement_text(results)
    if results.common_method is not None:
        b.text["common_method"] = _common_method_text(results.common_method)
    if results.incremental is not None:
        b.text["incremental"] = _incremental_text(results.incremental)
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


def _cfa_missing_note(cfa_res: CFAResult) -> str:
    """How many mentors the FIML CFA used, with which missing-data patterns."""
    pat = cfa_res.sem.patterns if cfa_res.sem is not None else None
    n_items = len(cfa_res.table)
    complete = 0
    if pat is not None and len(pat):
        complete = int(pat.loc[pat["n_observed"] == n_items, "n"].sum())
    n_pat = len(pat) if pat is not None else 0
    dropped = (
        f"; {cfa_res.n_dropped} with no answer at all were left out"
        if cfa_res.n_dropped
        else "; nobody was left out"
    )
    return (
        f"CFA: full-information ML (lavaan's missing = 'ml') used all {cfa_res.n} mentors with "
        f"at least one of the {n_items} learning-direction items answered{dropped}. "
        f"{complete} answered every item; the others fall into {max(n_pat - 1, 0)} further "
        f"missing-data patterns (listwise deletion would have kept only the {complete})."
    )


_SPOKEN = {"learning_goal_orientation": "learning goal orientation", OUTCOME: "engagement"}


def _measurement_text(results: Study1Results) -> str:
    full = results.measurement
    if full is None:
        return ""
    what = (
        f"A {len(full.validity)}-factor CFA of all {len(full.table)} items (the three learning "
        "directions, learning goal orientation and mentor engagement)"
    )
    shown = full.discriminant.replace({"factor_1": _SPOKEN, "factor_2": _SPOKEN})
    text = apa_cfa_sentence(full.fit.iloc[0], shown, what)
    v = full.validity.replace({"factor": _SPOKEN})
    lo, hi = v.loc[v["ave"].idxmin()], v.loc[v["ave"].idxmax()]
    n_low_ave = int((~v["ave_ok"]).sum())
    n_low_cr = int((~v["cr_ok"]).sum())
    ave_part = (
        "every factor reached .50"
        if n_low_ave == 0
        else f"{n_low_ave} of {len(v)} factors fell below .50"
    )
    cr_part = (
        "every composite reliability reached .70"
        if n_low_cr == 0
        else f"{n_low_cr} composite reliabilities fell below .70"
    )
    disc = full.discriminant
    n_fl = int(disc["fornell_larcker"].sum())
    fl_part = (
        f"the Fornell–Larcker criterion held for all {len(disc)} pairs of factors"
        if n_fl == len(disc)
        else f"the Fornell–Larcker criterion held for {n_fl} of {len(disc)} pairs of factors"
    )
    h2 = results.validity["htmt2"].to_numpy()
    max_h2 = float(h2[np.triu_indices(len(h2), 1)].max())
    return (
        f"{text} Average variance extracted ranged from {fmt_r(lo['ave'])} ({lo['factor']}) "
        f"to {fmt_r(hi['ave'])} ({hi['factor']}): {ave_part}, and {cr_part} (range "
        f"{fmt_r(v['composite_reliability'].min())} to {fmt_r(v['composite_reliability'].max())}); "
        f"{fl_part}, and the largest HTMT2 was {fmt_r(max_h2)}."
    )


def _common_method_text(cm: CommonMethodResult) -> str:
    t = cm.table.set_index("model")
    one, meth = t.loc["one factor (Harman)"], t.loc["traits + method factor"]
    share = cm.harman_share
    harman = (
        f"In Harman's single-factor test the first unrotated component accounted for "
        f"{100 * share:.1f}% of the item variance ("
        + ("a majority, which points to a general factor" if share > 0.5 else "less than half")
        + "), and a one-factor model fit "
        + ("much worse" if one["delta_cfi"] < -0.1 else "worse")
        + f" than the trait model, Δχ²({int(one['delta_df'])}) = {fmt_num(one['delta_chisq'])}, "
        f"{fmt_p(one['p_delta'])}, ΔCFI = {fmt_r(one['delta_cfi'], 3)}."
    )
    improved = meth["p_delta"] < 0.05
    test = (
        f"Δχ²({int(meth['delta_df'])}) = {fmt_num(meth['delta_chisq'])}, "
        f"{fmt_p(meth['p_delta'])}, ΔCFI = {fmt_r(meth['delta_cfi'], 3)}"
    )
    if not cm.method_variance > 0:
        ulmc = (
            " Adding an unmeasured latent method factor that loads equally on every item gave "
            f"an improper solution: its variance was estimated below zero "
            f"({fmt_num(cm.method_variance)}; {test}), so the items share no variance beyond "
            "their traits that a method factor could take up."
        )
    else:
        share = 100 * cm.method_share
        ulmc = (
            " Adding an unmeasured latent method factor that loads equally on every item "
            + ("improved the fit" if improved else "did not significantly improve the fit")
            + f", {test}; the method factor accounted for {share:.1f}% of the item variance "
            "on average ("
            + (
                "below the 25% median of self-report studies, Williams et al., 1989"
                if cm.method_share < 0.25
                else "at or above the 25% median of self-report studies, Williams et al., 1989"
            )
            + ")."
        )
    if cm.marker is None:
        marker = (
            " No marker variable was configured (run(..., marker='column')), so the "
            "Lindell–Whitney correction was not applied."
        )
    else:
        mk = cm.marker
        n_sig = int((mk["p_value"] < 0.05).sum())
        marker = (
            f" Corrected for the marker's correlation (r_M = {fmt_r(mk['r_marker'].iloc[0])}), "
            f"{n_sig} of {len(mk)} correlations among the scale scores remained significant."
        )
    return harman + ulmc + marker


def _incremental_text(inc: ModelComparisonResult) -> str:
    s1 = inc.table.iloc[0]
    lgo = inc.steps[0].table.set_index("term").loc["learning_goal_orientation"]
    rel = (
        (
            "was positively associated with"
            if lgo["estimate"] > 0
            else "was negatively associated with"
        )
        if lgo["p_value"] < 0.05
        else "was not significantly associated with"
    )
    first = (
        f"With learning goal orientation as a control construct, the controls and learning goal "
        f"orientation explained R² = {fmt_r(s1['r2'])} of the variance in mentor engagement "
        f"(N = {inc.n}); learning goal orientation {rel} engagement "
        f"({apa_predictor_phrase(lgo)})."
    )
    second = apa_delta_r2_sentence(
        inc.table.iloc[-1],
        added="the three learning directions",
        outcome="mentor engagement",
        over="the controls and learning goal orientation",
    )
    down = inc.steps[-1].table.set_index("term").loc["downward"]
    verdict = (
        "so the learning directions show incremental validity over learning goal orientation"
        if inc.table.iloc[-1]["p_value"] < 0.05
        else "so the data do not show incremental validity over learning goal orientation"
    )
    return (
        f"{first} {second[:-1]}, {verdict}; downward learning direction's coefficient in this "
        f"model was {apa_predictor_phrase(down)}."
    )


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
    if cfa_res is not None:
        b.note(_cfa_missing_note(cfa_res))
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
    full_measurement: bool = True,
    marker: str | None = None,
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
    full_measurement : bool
        Fit the full measurement model (five factors, FIML) with AVE, composite reliability,
        HTMT/HTMT2, the Fornell–Larcker table and the common-method checks (default True;
        False skips these slower fits).
    marker : str, optional
        A marker-variable column (measured like the scales, theoretically unrelated to them):
        adds Lindell & Whitney's correction of the scale-score correlations.

    Returns
    -------
    StudyResult
        Tables ``table1``, ``reliability``, ``regression_steps``, ``regression``,
        ``contrasts``, ``cfa_fit``, ``cfa_discriminant``, ``incremental_validity`` and, with
        the full measurement model, ``missing_patterns``, ``measurement_fit``,
        ``measurement_validity``, ``measurement_htmt``, ``fornell_larcker``,
        ``common_method`` (and ``marker_correlations`` with a marker); figures ``profile``,
        ``coefficients``, ``correlations``, ``item_reliability``; text ``reliability``,
        ``cfa``, ``measurement``, ``common_method``, ``incremental``, ``model``, ``main``,
        ``contrasts``; results (the underlying result objects) ``scores``, ``reliability``,
        ``cfa``, ``table1``, ``steps``, ``regression``, ``profile``, ``careless``,
        ``incremental``, ``measurement``, ``common_method``.

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
    The CFAs are full-information ML (lavaan's ``missing = "ml"``): every mentor with an
    answer counts. Incremental validity over learning goal orientation: a second hierarchical
    regression with LGO in step 1 (``update(m1, . ~ . + lgo)`` and then the three directions).

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
        1 0.016     0.016     1.143    4  278
        2 0.259     0.243    30.065    3  275
    >>> reg = res.tables["regression"].set_index("term")
    >>> print(reg.loc[["upward", "lateral", "downward"],  # doctest: +NORMALIZE_WHITESPACE
    ...               ["estimate", "se", "p_value", "beta"]].round(3))
              estimate     se  p_value   beta
    term
    upward       0.168  0.060    0.005  0.158
    lateral      0.166  0.059    0.006  0.159
    downward     0.381  0.048    0.000  0.387
    >>> print(res.text["main"].split(". ")[0])  # APA-style sentence, ready for the paper
    Over and above the controls, the three learning directions explained an additional 24.3%
    of the variance in mentor engagement, ΔR² = .24, F(3, 275) = 30.06, p < .001
    """
    del seed, n_boot, progress  # no random step in Study 1
    prepared = prepare(data, name=name, exclude_careless=exclude_careless)
    results = analyse(prepared, name=name, se=se, full_measurement=full_measurement, marker=marker)
    return render(prepared, results, name=name)


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
