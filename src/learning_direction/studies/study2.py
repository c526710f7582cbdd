"""Studies 2A and 2B: is a mentoring relationship a learning opportunity for the mentor?

Replicates the mediation analysis of Studies 2A and 2B of Zhang, Wang & Galinsky (2023) on the
bundled simulated surveys (or a user's data with the same columns): score learning direction,
learning opportunity and mentor engagement, report reliability and Table 1, and estimate the
simple mediation model (PROCESS model 4)

    downward learning direction → learning opportunity → mentor engagement,

with upward and lateral learning direction as covariates in every equation and a percentile
bootstrap CI for the indirect effect. One module serves both studies: ``study2a`` (400 mentors,
industry mix weighted to technology and finance) and ``study2b`` (250 mentors, weighted to
healthcare, education and the public sector) run the same model; only the sample differs.

Industry is not in the primary model (the model of the paper has the other two learning
directions as its only covariates); because the two samples differ precisely in their industry
mix, a sensitivity analysis re-estimates the indirect effect with industry indicators, and
then also with the demographic controls, as covariates. :func:`compare_samples` contrasts the
indirect effects of two runs (2A vs 2B) with the difference of their independent bootstraps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._core.checks import choice
from .._core.format import fmt_ci, fmt_num, fmt_r
from .._core.warn import warn_user
from ..exceptions import DataValidationError, ModelWarning
from . import _pipeline
from ._base import StudyResult
from ._common import (
    RELIABILITY_CAPTION,
    TABLE1_CAPTION,
    StudyBuilder,
    add_indicator,
    apa_reliability_sentence,
    collect_warnings,
    table1,
)
from ._invariance import InvarianceCheck, add_invariance, check_invariance
from ._mediation_common import (
    CI_NAMES,
    EVALUE_METHOD,
    SENSITIVITY_METHOD,
    Robustness,
    acme_curve_table,
    apa_indirect_sentence,
    apa_paths_sentence,
    apa_robustness_sentence,
    equations_table,
    indirect_robustness,
    mediation_table,
    path_figure,
    relabel_bootstrap,
    row,
    sensitivity_row,
)
from ._pipeline import DataSpec, Prepared
from ._registry import study_title

if TYPE_CHECKING:
    from ..models.mediation import MediationResult
    from ..reporting.tables import CorrelationTable

__all__ = [
    "CONTROLS",
    "COVARIATES",
    "MEDIATOR",
    "OUTCOME",
    "PREDICTOR",
    "SCALES",
    "Study2Results",
    "analyse",
    "compare_samples",
    "key_numbers",
    "prepare",
    "render",
    "run",
]

SCALES = ("learning_direction", "learning_opportunity", "mentor_engagement")
CONTROLS = ("age", "tenure", "gender", "past_mentees")
NUMERIC_CONTROLS = ("age", "tenure", "past_mentees")
PREDICTOR = "downward"
MEDIATOR = "learning_opportunity"
OUTCOME = "mentor_engagement"
COVARIATES = ("upward", "lateral")
INDUSTRY = "industry"
ID_COLUMN = "mentor_id"
SPEC = DataSpec(
    dataset="study2a",
    scales=SCALES,
    columns=(INDUSTRY, *CONTROLS),
    numeric=NUMERIC_CONTROLS,
    categorical=("gender", INDUSTRY),
    id_column=ID_COLUMN,
)

LABELS = {
    "age": "Age",
    "tenure": "Tenure",
    "past_mentees": "Past mentees",
    "upward": "Upward learning direction",
    "lateral": "Lateral learning direction",
    "downward": "Downward learning direction",
    "learning_opportunity": "Learning opportunity",
    "mentor_engagement": "Mentor engagement",
}
BOX_NAMES = {
    "downward": "Downward\nlearning direction",
    "learning_opportunity": "Learning\nopportunity",
    "mentor_engagement": "Mentor\nengagement",
}
SHORT = {
    "upward": "upward",
    "lateral": "lateral",
    "downward": "downward",
    "learning_opportunity": "learning opportunity",
    "mentor_engagement": "mentor engagement",
}

QUESTION = (
    "Why do mentors with a downward learning direction engage more in mentoring? Do they see "
    "mentoring as an opportunity for their own learning, so that downward learning direction is "
    "indirectly related to engagement through perceived learning opportunity, over and above "
    "upward and lateral learning direction?"
)

ROBUST_LABEL = "downward learning direction → learning opportunity → mentor engagement"

SAMPLE = {
    "study2a": "an industry mix weighted to technology and finance",
    "study2b": "an industry mix weighted to healthcare, education and the public sector",
}


def _design_text(name: str, n: int, bundled: bool, industries: pd.Series) -> str:
    if bundled:
        params = "ld.simulate.STUDY2B" if name == "study2b" else "ld.simulate.Study2Params()"
        source = (
            f"the bundled simulated survey (ld.load_dataset('{name}'), {SAMPLE.get(name, '')}; "
            f"effect sizes are stated assumptions of {params})"
        )
    else:
        source = "the data supplied (data=)"
    counts = industries.value_counts()
    mix = ", ".join(f"{k} {v}" for k, v in counts.items())
    return (
        f"Cross-sectional survey of {n} mentors from {source}. Industries: {mix}. Measures: "
        "learning direction (12 items on 1-7, four each for upward, lateral and downward), "
        "learning opportunity (4 items on 1-7: mentoring as a chance to learn oneself) and mentor "
        "engagement (6 items on 1-7); each scale has one reverse-keyed item. Demographics: age, "
        "tenure, gender, number of past mentees."
    )


def _industry_dummies(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str], str | None]:
    """0/1 indicators of every industry but the most frequent one (the reference)."""
    ind = df[INDUSTRY].astype("string")
    counts = ind.value_counts()
    if len(counts) < 2:
        return pd.DataFrame(index=df.index), [], None
    # most frequent level as reference (ties: alphabetical), for the most stable contrasts
    ref = sorted(counts.index, key=lambda v: (-counts[v], str(v)))[0]
    cols: dict[str, pd.Series] = {}
    for level in sorted(counts.index, key=str):
        if level == ref:
            continue
        name = f"industry_{level}"
        s = (ind == level).astype(float)
        s[ind.isna()] = np.nan
        cols[name] = s
    return pd.DataFrame(cols, index=df.index), list(cols), str(ref)


# ------------------------------------------------------------------------------ stages


@dataclass(frozen=True)
class Study2Results:
    """The statistics of Study 2A/2B (:func:`analyse`): result objects only.

    Attributes
    ----------
    table1 : CorrelationTable
        Means, SDs and correlations of the demographics and the scores.
    mediation : MediationResult
        The primary model (PROCESS model 4; covariates upward and lateral).
    sensitivity : DataFrame or None
        The indirect effect under each covariate set (None without ``sensitivity``).
    sensitivity_industry, sensitivity_controls : MediationResult or None
        The model with industry indicators, and with industry and demographics.
    ci : str
        Bootstrap CI of the indirect effects.
    invariance : InvarianceCheck or None
        Measurement invariance of the three scales across Studies 2A and 2B (bundled data
        only: the other sample is the other bundled dataset).
    robustness : Robustness
        Sensitivity of the indirect effect to mediator-outcome confounding (ACME(rho)) and its
        E-value.
    notes : tuple of str
        Package warnings raised while analysing.
    """

    table1: CorrelationTable
    mediation: MediationResult
    sensitivity: pd.DataFrame | None
    sensitivity_industry: MediationResult | None
    sensitivity_controls: MediationResult | None
    ci: str
    robustness: Robustness
    invariance: InvarianceCheck | None = None
    notes: tuple[str, ...] = ()


def _check_name(name: str, data: pd.DataFrame | None) -> None:
    if name not in ("study2a", "study2b") and data is None:
        raise DataValidationError(
            f"study2: unknown study name '{name}'; use 'study2a' or 'study2b', or pass data="
        )


def prepare(
    data: pd.DataFrame | None = None, *, name: str = "study2a", exclude_careless: bool = False
) -> Prepared:
    """Check (or load) the data, screen for careless responding, score, reliability."""
    _check_name(name, data)
    dataset = name if name in ("study2a", "study2b") else "study2a"
    return _pipeline.prepare(
        data, SPEC, study=name, dataset=dataset, exclude_careless=exclude_careless
    )


def analyse(
    prepared: Prepared,
    *,
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    ci: str = "percentile",
    sensitivity: bool = True,
    name: str | None = None,
) -> Study2Results:
    """Table 1, the mediation model, (with ``sensitivity``) its covariate variants and, on the
    bundled data of ``name``, measurement invariance across Studies 2A and 2B."""
    notes: list[str] = []
    boot = _Bootstrap(n_boot=n_boot, ci=ci, seed=seed, progress=progress)
    with collect_warnings(notes):
        labels = dict(LABELS)
        t1_cols = ["age", "tenure"]
        data_s = add_indicator(prepared.data, "gender", "Gender", t1_cols, labels)
        t1_cols += ["past_mentees", *COVARIATES, PREDICTOR, MEDIATOR, OUTCOME]
        t1 = table1(data_s, t1_cols, labels=labels, alphas=prepared.rel.alphas)
        med = _mediate(data_s, list(COVARIATES), boot)
        robust = indirect_robustness(med, labels={f"indirect:{MEDIATOR}": ROBUST_LABEL})
        variants = _sensitivity_models(data_s, med, boot) if sensitivity else None
        inv = _sample_invariance(prepared, name)
    return Study2Results(
        table1=t1,
        mediation=med,
        sensitivity=None if variants is None else variants[0],
        sensitivity_industry=None if variants is None else variants[1],
        sensitivity_controls=None if variants is None else variants[2],
        ci=ci,
        robustness=robust,
        invariance=inv,
        notes=tuple(notes),
    )


_SAMPLE = {"study2a": "2A", "study2b": "2B"}


def _sample_invariance(prepared: Prepared, name: str | None) -> InvarianceCheck | None:
    """Invariance of the scales across the two bundled samples (2A and 2B), before the two
    studies' results are set side by side; None for a user's data (one sample)."""
    from ..datasets import load_dataset

    if not prepared.bundled or name not in ("study2a", "study2b"):
        return None
    other = "study2b" if name == "study2a" else "study2a"
    both = pd.concat(
        [
            prepared.rows.assign(sample=_SAMPLE[name]),
            load_dataset(other).assign(sample=_SAMPLE[other]),
        ],
        ignore_index=True,
    )
    return check_invariance(both, SCALES, "sample", groups="Studies 2A and 2B")


@dataclass(frozen=True)
class _Bootstrap:
    """Bootstrap settings shared by the primary model and its variants."""

    n_boot: int
    ci: str
    seed: int | None
    progress: bool


def _mediate(data: pd.DataFrame, covariates: list[str], boot: _Bootstrap) -> MediationResult:
    """downward → learning opportunity → engagement with the given covariates."""
    from ..models.mediation import mediate

    return mediate(
        data, x=PREDICTOR, m=MEDIATOR, y=OUTCOME, covariates=covariates, n_boot=boot.n_boot,
        ci=boot.ci, seed=boot.seed, progress=boot.progress,
    )  # fmt: skip


def _sensitivity_models(
    data_s: pd.DataFrame, med: MediationResult, boot: _Bootstrap
) -> tuple[pd.DataFrame, MediationResult | None, MediationResult]:
    """The model with industry indicators, then also demographics: their indirect effects."""
    covs = list(COVARIATES)
    dums, dum_cols, ref = _industry_dummies(data_s)
    data_d = data_s.join(dums)
    primary = "primary: upward and lateral"
    rows = [sensitivity_row(med, model=primary, covariates=covs, m_term=MEDIATOR)]
    med_i = None
    if dum_cols:
        med_i = _mediate(data_d, [*covs, *dum_cols], boot)
        rows.append(
            sensitivity_row(
                med_i,
                model=f"+ industry ({len(dum_cols)} indicators, reference: {ref})",
                covariates=[*covs, *dum_cols],
                m_term=MEDIATOR,
            )
        )
    demo = ["age", "tenure", "past_mentees"]
    if "gender_indicator" in data_d.columns:
        demo.insert(2, "gender_indicator")
    med_c = _mediate(data_d, [*covs, *dum_cols, *demo], boot)
    rows.append(
        sensitivity_row(
            med_c,
            model="+ industry + demographics",
            covariates=[*covs, *dum_cols, *demo],
            m_term=MEDIATOR,
        )
    )
    return pd.DataFrame(rows), med_i, med_c


def render(prepared: Prepared, results: Study2Results, *, name: str = "study2a") -> StudyResult:
    """Tables, figures, APA sentences and notes of Study 2A/2B, as a :class:`StudyResult`."""
    title = study_title(name, "study2a")
    design = _design_text(name, len(prepared.rows), prepared.bundled, prepared.rows[INDUSTRY])
    b = StudyBuilder(name, title, QUESTION, design)
    b.results.update(
        {
            "careless": prepared.careless,
            "scores": prepared.scored.result,
            "reliability": prepared.rel.combined,
            "table1": results.table1,
            "mediation": results.mediation,
        }
    )
    if results.sensitivity_industry is not None:
        b.results["sensitivity_industry"] = results.sensitivity_industry
    if results.sensitivity_controls is not None:
        b.results["sensitivity_controls"] = results.sensitivity_controls
    mt = mediation_table(
        results.mediation,
        x="downward learning direction",
        m="learning opportunity",
        y="mentor engagement",
        unit="mentors",
    )
    _add_tables(b, prepared, results, mt)
    _add_figures(b, prepared, results, title)
    _add_text(b, prepared, results, mt)
    _add_notes(b, prepared, results)
    return b.build(n=results.mediation.n, seed=results.mediation.seed)


def _add_tables(
    b: StudyBuilder, prepared: Prepared, results: Study2Results, mt: pd.DataFrame
) -> None:
    med, ci_name = results.mediation, CI_NAMES[results.ci]
    b.table("table1", results.table1.table, TABLE1_CAPTION)
    b.table("reliability", prepared.rel.table, RELIABILITY_CAPTION)
    add_invariance(b, results.invariance, "Measurement invariance across Studies 2A and 2B")
    b.table(
        "mediation",
        mt,
        f"Mediation (PROCESS model 4; covariates: upward and lateral learning direction; "
        f"N = {med.n}): paths a, b, c′, c with t tests; indirect effects with {ci_name} CIs "
        f"({med.n_boot:,} resamples, seed {med.seed})",
    )
    b.table(
        "equations",
        equations_table(med),
        "The three regression equations of the mediation model (OLS; t tests; R²)",
    )
    if results.sensitivity is not None:
        b.table(
            "sensitivity",
            results.sensitivity,
            "Sensitivity of the indirect effect to the covariates: estimate with bootstrap SE and "
            f"{ci_name} CI, and the direct effect c′ (same seed and number of resamples)",
        )
    rb = results.robustness
    b.table(
        "confounding",
        rb.table,
        "Robustness of the indirect effect to unmeasured confounding: the error correlation ρ "
        "of the mediator and outcome equations at which it vanishes (with the R²* and R̃² "
        "products), the ρ from which its 95% CI includes zero (NA: already at ρ = 0; Imai, "
        "Keele & Yamamoto, 2010), and its E-value with the "
        f"{rb.smd_kind} as a standardized mean difference d (RR ≈ exp(0.91 d); VanderWeele & "
        "Ding, 2017)",
    )
    b.table(
        "confounding_curve",
        acme_curve_table(rb),
        "Indirect effect (ACME) if the errors of the learning-opportunity and engagement "
        "equations correlated at ρ, with normal-theory 95% CIs (mediation::medsens, lm/lm)",
    )


def _add_figures(b: StudyBuilder, prepared: Prepared, results: Study2Results, title: str) -> None:
    med, ci_name = results.mediation, CI_NAMES[results.ci]
    ax = path_figure(
        med,
        BOX_NAMES,
        title=f"{title.split(':')[0]}: downward learning → learning opportunity → engagement",
        footnote="Covariates: upward and lateral learning direction. Unstandardized coefficients.",
    )
    b.figure(
        "path",
        ax,
        "Statistical diagram of the mediation model with unstandardized coefficients "
        "(* p < .05, ** p < .01, *** p < .001); c′ is the direct effect, c the total effect.",
    )
    ax = med.plot(kind="bootstrap", term=f"indirect:{MEDIATOR}")
    relabel_bootstrap(
        ax,
        xlabel="Indirect effect of downward learning direction (a × b)",
        title=f"{med.n_boot - med.n_singular:,} bootstrap resamples of mentors ({ci_name})",
    )
    b.figure(
        "bootstrap",
        ax,
        f"Bootstrap distribution of the indirect effect, with its point estimate and "
        f"{100 * med.ci_level:g}% {ci_name} CI (shaded); the dashed line marks zero.",
    )
    rb = results.robustness
    ax = rb.sensitivity.plot()
    ax.set_title("Sensitivity of the indirect effect to M–Y confounding", fontsize=10)
    ax.set_ylabel("Indirect effect (ACME) via learning opportunity")
    b.figure(
        "confounding_plot",
        ax,
        "Indirect effect of downward learning direction through learning opportunity if the "
        "errors of the learning-opportunity and engagement equations correlated at ρ (an "
        f"unobserved confounder), with its 95% CI band; it is zero at ρ = "
        f"{fmt_r(rb.sensitivity.rho_at_zero)}.",
    )
    ax = results.table1.plot(title="Correlations (pairwise-complete)")
    b.figure(
        "correlations",
        ax,
        "Pearson correlations of the Table 1 variables (* p < .05, ** p < .01, *** p < .001).",
    )
    ax = prepared.rel.combined.plot()
    ax.set_title("Item reliability: learning direction, learning opportunity, engagement")
    b.figure(
        "item_reliability",
        ax,
        "Corrected item-total correlations (bars) and alpha if the item were deleted (diamonds); "
        "dashed lines mark each subscale's alpha; (R) = reverse-keyed.",
    )


def _add_text(
    b: StudyBuilder, prepared: Prepared, results: Study2Results, mt: pd.DataFrame
) -> None:
    med = results.mediation
    b.text["reliability"] = apa_reliability_sentence(prepared.rel.table, SHORT)
    labels_txt = {
        "x_label": "downward learning direction",
        "m_label": "learning opportunity",
        "y_label": "mentor engagement",
    }
    b.text["model"] = (
        f"A simple mediation model (PROCESS model 4; N = {med.n} mentors) regressed learning "
        "opportunity on downward learning direction, and mentor engagement on both, with upward "
        "and lateral learning direction as covariates in every equation. "
        + apa_paths_sentence(mt, m_term=MEDIATOR, **labels_txt)
    )
    b.text["main"] = apa_indirect_sentence(
        mt, m_term=MEDIATOR, ci=results.ci, n_boot=med.n_boot, ci_level=med.ci_level,
        **labels_txt,
    )  # fmt: skip
    if results.sensitivity is not None and len(results.sensitivity) > 1:
        b.text["sensitivity"] = _sensitivity_sentence(results.sensitivity)
    b.text["confounding"] = (
        "The indirect effect rests on the assumption that no unmeasured variable affects both "
        "learning opportunity and engagement (the survey is cross-sectional and nothing was "
        "randomised). "
        + apa_robustness_sentence(
            results.robustness.table.iloc[0],
            m_label="learning opportunity",
            y_label="mentor engagement",
            x_label="downward learning direction",
            smd_label="completely standardized indirect effect, per SD of downward learning "
            "direction,",
        )
    )


def _add_notes(b: StudyBuilder, prepared: Prepared, results: Study2Results) -> None:
    med, ci_name = results.mediation, CI_NAMES[results.ci]
    b.note(prepared.careless_note)
    if med.n_dropped:
        b.note(
            f"Mediation: {med.n_dropped} of {med.n + med.n_dropped} mentors were left out for a "
            "missing score (fewer than half of a subscale's items answered); see the warning."
        )
    else:
        b.note(f"Mediation: all {med.n} mentors had every score; none was left out.")
    for n_ in prepared.scored.notes:
        b.note(f"Scoring: {n_}")
    b.note(
        f"Bootstrap: {med.n_boot:,} resamples of mentors, seed {med.seed}, {ci_name} intervals"
        + (f"; {med.n_singular} singular resamples left out" if med.n_singular else "")
        + ". The a, b, c′ and c paths are tested with ordinary t tests; only the indirect effects "
        "use the bootstrap."
    )
    b.note(SENSITIVITY_METHOD)
    b.note(EVALUE_METHOD)
    if results.sensitivity is not None:
        b.note(
            "Industry is not a covariate of the primary model (the model of the paper adjusts for "
            "the other two learning directions only); the sensitivity table adds industry "
            "indicators (2A and 2B differ in industry mix) and then the demographic controls."
        )
    for n_ in (*prepared.notes, *results.notes):
        b.note(n_)


# ------------------------------------------------------------------------------ pipeline


def run(
    name: str = "study2a",
    data: pd.DataFrame | None = None,
    *,
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    ci: str = "percentile",
    sensitivity: bool = True,
    exclude_careless: bool = False,
) -> StudyResult:
    """Run Study 2A or 2B: downward learning → learning opportunity → engagement (mediation).

    Parameters
    ----------
    name : {"study2a", "study2b"}
        Which study; selects the bundled dataset (when ``data`` is None) and the title.
    data : DataFrame, optional
        One row per mentor with the columns of the bundled dataset: ``industry, age, tenure,
        gender, past_mentees``, the 12 learning-direction items (``ld_up_1`` ... ``ld_down_4``),
        the 4 learning-opportunity items (``lo_1`` ... ``lo_4``) and the 6 engagement items
        (``eng_1`` ... ``eng_6``); ``mentor_id`` is optional (names flagged respondents).
        Default: ``ld.load_dataset(name)``.
    seed : int or None
        Seed of the bootstrap (same seed → identical tables, text and figures).
    n_boot : int
        Bootstrap resamples (default 5,000, the current standard).
    progress : bool
        Show a progress bar during the bootstrap.
    ci : {"percentile", "bca"}
        Bootstrap CI of the indirect effect (percentile by default, as PROCESS 4.x; BCa is
        slightly anticonservative for indirect effects, Fritz, Taylor & MacKinnon, 2012).
    sensitivity : bool
        Also estimate the model with industry indicators, and then with the demographic
        controls, as covariates (table ``sensitivity``).
    exclude_careless : bool
        Leave out respondents flagged by :func:`learning_direction.careless_responding`
        (default False: they are flagged in the notes only).

    Returns
    -------
    StudyResult
        Tables ``table1``, ``reliability``, ``invariance`` (bundled data: across 2A and 2B),
        ``mediation``, ``equations``, (with
        ``sensitivity``) ``sensitivity``, ``confounding`` (the ρ at which the indirect effect
        vanishes and its E-value) and ``confounding_curve`` (ACME by ρ); figures ``path``,
        ``bootstrap``, ``confounding_plot``, ``correlations``, ``item_reliability``; text
        ``reliability``, ``model``, ``main``, (``sensitivity``) and ``confounding``;
        results ``scores``, ``reliability``, ``table1``, ``mediation``, ``careless`` (and
        ``sensitivity_industry``, ``sensitivity_controls``).

    Raises
    ------
    DataValidationError
        ``data`` lacks a required column (all are named), a control is not numeric, an item
        answer is invalid.
    ModelError
        The model cannot be estimated (too few complete rows, constant predictor).

    Notes
    -----
    PROCESS model 4 with covariates :math:`C` = (upward, lateral) in every equation:

    * :math:`LO = i_M + a\\,\\text{downward} + C g + e_M`
    * :math:`ENG = i_Y + c'\\,\\text{downward} + b\\,LO + C h + e_Y`
    * total effect: :math:`ENG = i + c\\,\\text{downward} + C g' + e`

    The indirect effect is :math:`ab` (= :math:`c - c'`), with a percentile bootstrap CI from
    ``n_boot`` resamples of mentors; Sobel's normal-theory test is not used because the
    sampling distribution of :math:`ab` is skewed (Preacher & Hayes, 2008; Hayes, 2022). The
    completely standardized indirect effect is :math:`ab \\cdot SD(X) / SD(Y)`, recomputed in
    every resample. The paths a, b, c', c are tested with ordinary t tests.

    The indirect effect is a causal quantity only if nothing unmeasured confounds X–M, X–Y and
    M–Y; the survey is cross-sectional, so the pipeline reports how strong M–Y confounding
    would have to be: the error correlation ρ of the two equations at which the ACME is zero
    (Imai, Keele & Yamamoto, 2010; :func:`learning_direction.mediation_sensitivity`), and the
    E-value of the completely standardized indirect effect read as a standardized mean
    difference per SD of X (RR ≈ exp(0.91 d); VanderWeele & Ding, 2017;
    :func:`learning_direction.evalue`).

    References
    ----------
    Zhang, Wang & Galinsky (2023), *Academy of Management Journal* (Studies 2A and 2B).
    Hayes, A. F. (2022). *Introduction to mediation, moderation, and conditional process
    analysis* (3rd ed.). Guilford.
    Preacher, K. J., & Hayes, A. F. (2008). Asymptotic and resampling strategies for assessing
    and comparing indirect effects in multiple mediator models. *Behavior Research Methods,
    40*, 879–891.

    Examples
    --------
    R (PROCESS for R): ``process(data = d, y = "mentor_engagement", x = "downward",
    m = "learning_opportunity", cov = c("upward", "lateral"), model = 4, boot = 5000,
    seed = 20261122)``; or lavaan ``sem("learning_opportunity ~ a*downward + upward + lateral;
    mentor_engagement ~ b*learning_opportunity + cp*downward + upward + lateral; ind := a*b",
    se = "bootstrap", bootstrap = 5000)``.

    >>> import learning_direction as ld
    >>> res = ld.run_study("study2a")                      # doctest: +SKIP
    >>> res.tables["mediation"]                            # doctest: +SKIP
    >>> print(res.text["main"])                            # doctest: +SKIP
    """
    _check_name(name, data)
    ci = choice(ci, f"{name}: ci", ("percentile", "bca"))
    prepared = prepare(data, name=name, exclude_careless=exclude_careless)
    results = analyse(
        prepared,
        seed=seed,
        n_boot=n_boot,
        progress=progress,
        ci=ci,
        sensitivity=sensitivity,
        name=name,
    )
    return render(prepared, results, name=name)


def _sensitivity_sentence(sens: pd.DataFrame) -> str:
    parts = []
    for r in sens.iloc[1:].itertuples():
        excl = r.ci_low > 0 or r.ci_high < 0
        what = (
            "adding industry indicators"
            if "+ industry (" in r.model
            else "adding also age, tenure, gender and past mentees"
        )
        parts.append(
            f"{what}, indirect effect = {fmt_num(r.estimate)}, {fmt_ci(r.ci_low, r.ci_high)}"
            + ("" if excl else " (the interval included zero)")
        )
    base = sens.iloc[0]
    status = [bool(r.ci_low > 0 or r.ci_high < 0) for r in sens.itertuples()]
    verdict = (
        "did not depend on the covariates"
        if len(set(status)) == 1
        else "depended on the covariates"
    )
    return (
        f"The conclusion about the indirect effect {verdict}: with upward and lateral learning "
        f"direction only, indirect effect = {fmt_num(base['estimate'])}, "
        f"{fmt_ci(base['ci_low'], base['ci_high'])}; " + "; ".join(parts) + "."
    )


def key_numbers(result: StudyResult) -> dict[str, Any]:
    """The key numbers of a Study 2A/2B result (for tests and notebooks)."""
    tab = result.tables["mediation"]
    ind = row(tab, f"indirect:{MEDIATOR}")
    std = row(tab, f"indirect_std:{MEDIATOR}")
    return {
        "a": float(row(tab, f"a:{MEDIATOR}")["estimate"]),
        "b": float(row(tab, f"b:{MEDIATOR}")["estimate"]),
        "c_prime": float(row(tab, "c_prime")["estimate"]),
        "c": float(row(tab, "c")["estimate"]),
        "indirect": float(ind["estimate"]),
        "indirect_ci_low": float(ind["ci_low"]),
        "indirect_ci_high": float(ind["ci_high"]),
        "indirect_std": float(std["estimate"]),
        "n": int(result.n),
    }


def compare_samples(
    first: StudyResult,
    second: StudyResult,
    *,
    term: str = f"indirect:{MEDIATOR}",
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Compare an effect between two independent samples (e.g. Study 2A vs 2B).

    Parameters
    ----------
    first, second : StudyResult
        Results of :func:`run` (``ld.run_study("study2a")``, ``ld.run_study("study2b")``).
    term : str
        A term of both mediation tables (default: the indirect effect).
    ci_level : float

    Returns
    -------
    DataFrame
        ``sample, n, estimate, se, ci_low, ci_high``: one row per sample and a last row
        ``difference`` (first − second) with its bootstrap SE and percentile CI.

    Notes
    -----
    The samples are independent, so resample :math:`r` of the difference is
    :math:`\\hat\\theta^{*}_{1r} - \\hat\\theta^{*}_{2r}` from the two bootstraps (the first
    :math:`\\min(B_1, B_2)` valid resamples of each). The two runs must use different seeds:
    with the same seed the two resampling streams are not independent, and a
    :class:`ModelWarning` says so.

    Examples
    --------
    >>> a = ld.run_study("study2a", seed=1); b = ld.run_study("study2b", seed=2)  # doctest: +SKIP
    >>> compare_samples(a, b)                                                     # doctest: +SKIP
    """
    rows: list[dict[str, Any]] = []
    draws = []
    for res in (first, second):
        med = res.results.get("mediation") if isinstance(res, StudyResult) else None
        if med is None:
            raise DataValidationError(
                "compare_samples needs two results of ld.run_study('study2a'/'study2b'); got "
                f"{type(res).__name__} without a 'mediation' result"
            )
        if term not in med.boot_draws.columns:
            raise DataValidationError(
                f"compare_samples: term '{term}' is not in {res.name}'s mediation table; choose "
                f"one of {list(med.boot_draws.columns)}"
            )
        r = row(med.table, term)
        rows.append(
            {
                "sample": res.name,
                "n": int(med.n),
                "estimate": float(r["estimate"]),
                "se": float(r["se"]),
                "ci_low": float(r["ci_low"]),
                "ci_high": float(r["ci_high"]),
            }
        )
        draws.append(med.boot_draws[term].dropna().to_numpy())
    if first.results["mediation"].seed == second.results["mediation"].seed:
        warn_user(
            "compare_samples: both studies were bootstrapped with the same seed "
            f"({first.results['mediation'].seed}), so their resamples are not independent; "
            "run them with different seeds (e.g. ld.run_study('study2b', seed=...))",
            ModelWarning,
        )
    k = min(len(d) for d in draws)
    diff = draws[0][:k] - draws[1][:k]
    alpha = 1 - ci_level
    lo, hi = np.quantile(diff, [alpha / 2, 1 - alpha / 2])
    rows.append(
        {
            "sample": "difference",
            "n": rows[0]["n"] + rows[1]["n"],
            "estimate": rows[0]["estimate"] - rows[1]["estimate"],
            "se": float(np.std(diff, ddof=1)),
            "ci_low": float(lo),
            "ci_high": float(hi),
        }
    )
    return pd.DataFrame(rows)
