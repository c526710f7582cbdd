"""Study 3: do the mentees of mentors with a downward learning direction end up more hireable?

Replicates the field study (Study 3) of Zhang, Wang & Galinsky (2023) on the bundled simulated
training program (or a user's data with the same columns): mentors answered the learning-
direction scale before the program and the engagement scale mid-program; external raters judged
each mentee's hireability (3 items) and the program recorded whether the mentee was hired within
6 months. Mentees are nested in mentors, so the pipeline

1. separates the two levels: mentor-level scales are scored and their reliability computed on
   one row per mentor (a mentor with six mentees is counted once, not six times), hireability
   on the mentees;
2. reports Table 1 at the mentor level (with the mentees' mean outcomes per mentor);
3. estimates how much of the variance in mentee outcomes lies between mentors (ICC(1), ICC(2)
   from null multilevel models);
4. fits a multilevel model of hireability (random intercept per mentor; mentor-level predictors
   grand-mean centered at the mentor level) and a logistic model of being hired with
   cluster-robust SEs by mentor (odds ratios);
5. tests the mediation downward learning (mentor) → engagement (mentor) → hireability
   (mentee), a 2-2-1 design (levels of X, M and Y; Krull & MacKinnon 2001), with
   :func:`~learning_direction.multilevel_mediation`: a two-level SEM with a latent mentor mean
   of hireability and a Monte Carlo CI of the (between-mentor) indirect effect. A cluster
   bootstrap of mentors with a random-intercept outcome equation, and with OLS + cluster-robust
   SEs, are the sensitivity checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._core.checks import choice
from .._core.format import fmt_ci, fmt_num, fmt_p, fmt_r
from ..exceptions import DataValidationError, ModelError
from ..reporting.apa import apa_coefficient
from . import _pipeline
from ._base import StudyResult
from ._common import (
    ReliabilitySet,
    StudyBuilder,
    add_indicator,
    collect_warnings,
    combine_reliability,
    label_terms,
    reliability_set,
    scale_item_ids,
    table1,
)
from ._mediation_common import (
    CI_NAMES,
    apa_path_phrase,
    equations_table,
    mediation_table,
    relabel_bootstrap,
    rho_strength,
    row,
    sensitivity_row,
)
from ._pipeline import DataSpec, Prepared
from ._registry import study_title
from ._study3_follow_up import FollowUpResults, analyse_follow_up, follow_up_text

if TYPE_CHECKING:
    from ..models.mediation import MediationResult
    from ..models.multilevel_mediation import MultilevelMediationResult
    from ..models.multilevel_sensitivity import MultilevelSensitivityResult
    from ..models.regression import LogitResult, MixedResult
    from ..reporting.tables import CorrelationTable
    from ..scales.reliability import ReliabilityResult
    from ..scales.scoring import ScoreResult

__all__ = [
    "GROUP",
    "HIRED",
    "MENTEE_SCALES",
    "MENTOR_SCALES",
    "OUTCOME",
    "PREDICTORS",
    "Study3Data",
    "Study3Results",
    "analyse",
    "key_numbers",
    "mentor_level",
    "prepare",
    "render",
    "run",
    "simulated_power",
]

MENTOR_SCALES = ("learning_direction", "mentor_engagement")
MENTEE_SCALES = ("hireability",)
CONTROLS = ("age", "tenure", "gender", "past_mentees")
NUMERIC_CONTROLS = ("age", "tenure", "past_mentees")
GROUP = "mentor_id"
OUTCOME = "hireability"
HIRED = "hired_6m"
PREDICTORS = ("mentor_engagement", "downward", "upward", "lateral")

LABELS = {
    "age": "Age",
    "tenure": "Tenure",
    "past_mentees": "Past mentees",
    "upward": "Upward learning direction",
    "lateral": "Lateral learning direction",
    "downward": "Downward learning direction",
    "mentor_engagement": "Mentor engagement",
    "n_mentees": "Number of mentees",
    "mean_hireability": "Mentees' mean hireability",
    "share_hired": "Share of mentees hired (6 months)",
}
TERM_LABELS = {
    "Intercept": "Intercept",
    "mentor_engagement": "Mentor engagement (centered)",
    "downward": "Downward learning direction (centered)",
    "upward": "Upward learning direction (centered)",
    "lateral": "Lateral learning direction (centered)",
}
BOX_NAMES = {
    "downward": "Downward learning\ndirection (mentor)",
    "mentor_engagement": "Mentor\nengagement",
    "hireability": "Mentee\nhireability",
}
SHORT = {
    "upward": "upward",
    "lateral": "lateral",
    "downward": "downward",
    "mentor_engagement": "mentor engagement",
    "hireability": "hireability",
}
OUTCOME_MODELS = ("random_intercept", "cluster_robust")
SPEC = DataSpec(
    dataset="study3",
    scales=(*MENTOR_SCALES, *MENTEE_SCALES),
    columns=(GROUP, HIRED, *CONTROLS),
    numeric=(*NUMERIC_CONTROLS, HIRED),
    categorical=("gender",),
)

QUESTION = (
    "In a real training program, are the mentees of mentors with a downward learning direction "
    "more hireable, because these mentors engage more in mentoring (downward learning direction "
    "→ mentor engagement → mentee hireability, with mentees nested in mentors)?"
)

ICC_COLUMNS = [
    "outcome",
    "n",
    "n_left_out",
    "n_groups",
    "mean_group_size",
    "tau2",
    "sigma2",
    "icc1",
    "icc2",
]
ML_COLUMNS = ["term", "label", "estimate", "se", "df", "t", "ci_low", "ci_high", "p_value"]
LOGIT_COLUMNS = [
    "term",
    "label",
    "estimate",
    "se",
    "z",
    "ci_low",
    "ci_high",
    "p_value",
    "odds_ratio",
    "or_ci_low",
    "or_ci_high",
]


# ------------------------------------------------------------------------------ data


def _mentor_columns(df: pd.DataFrame) -> list[str]:
    return [GROUP, *CONTROLS, *scale_item_ids(MENTOR_SCALES)]


def mentor_level(data: pd.DataFrame, *, study: str = "study3") -> pd.DataFrame:
    """One row per mentor from mentee-level data (mentor columns must be constant per mentor).

    Parameters
    ----------
    data : DataFrame
        Mentee rows joined with their mentor's answers (``ld.load_dataset("study3")``).
    study : str
        Name used in messages.

    Returns
    -------
    DataFrame
        ``mentor_id``, the controls and the mentor items, one row per mentor (first-appearance
        order), with ``n_mentees``.

    Raises
    ------
    DataValidationError
        A mentor's answers differ between the rows of their mentees (the mentor id and the
        columns are named): the join of mentees to mentors is wrong.
    """
    cols = _mentor_columns(data)
    sub = data[cols]
    # a mentor's answers must be the same on every one of their mentees' rows
    nun = sub.groupby(GROUP, sort=False, observed=True).nunique(dropna=False)
    bad = nun[(nun > 1).any(axis=1)]
    if len(bad):
        who = list(bad.index[:5])
        which = sorted({c for c in bad.columns if (bad[c] > 1).any()})[:8]
        raise DataValidationError(
            f"{study}: mentor-level columns differ between the mentee rows of the same mentor "
            f"(mentor_id {', '.join(repr(str(w)) for w in who)}"
            f"{' and more' if len(bad) > 5 else ''}; columns {', '.join(which)}). Each mentor's "
            "answers must be repeated unchanged on every one of their mentees' rows: check the "
            "join of the mentee file to the mentor file on mentor_id"
        )
    out = sub.drop_duplicates(GROUP).reset_index(drop=True)
    counts = data.groupby(GROUP, sort=False, observed=True).size()
    out["n_mentees"] = out[GROUP].map(counts).astype(int)
    return out


def _check_ids(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Every mentee names a mentor; ``hired_6m`` is 0/1 (checked data, after the column check)."""
    miss = df[GROUP].isna()
    if miss.any():
        rows = list(df.index[miss.to_numpy()][:5])
        raise DataValidationError(
            f"{name}: column '{GROUP}' is missing in {int(miss.sum())} row(s) (rows "
            f"{', '.join(map(str, rows))}); every mentee must name their mentor. Fill in the "
            "mentor ids or remove these rows"
        )
    hired = pd.to_numeric(df[HIRED], errors="coerce")
    bad = hired.notna() & ~hired.isin([0, 1])
    if bad.any():
        vals = sorted({str(v) for v in df.loc[bad, HIRED]})[:5]
        rows = list(df.index[bad.to_numpy()][:5])
        raise DataValidationError(
            f"{name}: column '{HIRED}' must be 0 (not hired) or 1 (hired within 6 months), got "
            f"{', '.join(vals)} (rows {', '.join(map(str, rows))}); recode it to 0/1"
        )
    df[HIRED] = hired
    df[GROUP] = df[GROUP].astype(str)
    return df


def _design_text(n_mentees: int, n_mentors: int, sizes: pd.Series, bundled: bool) -> str:
    source = (
        "the bundled simulated field study (ld.load_dataset('study3') = study3_mentees joined "
        "with study3_mentors; effect sizes are stated assumptions of ld.simulate.Study3Params)"
        if bundled
        else "the data supplied (data=)"
    )
    return (
        f"Field study at a training program: {n_mentees} mentees nested in {n_mentors} mentors "
        f"({int(sizes.min())}-{int(sizes.max())} mentees per mentor, mean "
        f"{sizes.mean():.1f}), from {source}. Mentors answered the learning-direction scale (12 "
        "items on 1-7) before the program and the engagement scale (6 items on 1-7) mid-program; "
        "external raters judged each mentee's hireability (3 items on 1-7), and the program "
        "recorded whether the mentee was hired within 6 months (0/1)."
    )


# ------------------------------------------------------------------------------ pipeline


# ------------------------------------------------------------------------------ stages


@dataclass(frozen=True)
class Study3Data:
    """The prepared data of Study 3, at both levels.

    Attributes
    ----------
    mentors : Prepared
        One row per mentor: careless screen and mentor-level scores (``.data``).
    mentees : DataFrame
        Mentee rows with hireability and their mentor's scores.
    mentee_scores : ScoreResult
        Hireability scored on the mentee rows.
    reliability_mentors, reliability_mentees : ReliabilitySet
        Mentor scales on one row per mentor; hireability on the mentee rows.
    reliability : ReliabilityResult
        Both in one result.
    rows : DataFrame
        The checked mentee rows as given.
    bundled : bool
        True when the data are the bundled dataset.
    notes : tuple of str
        Package warnings raised while preparing.
    """

    mentors: Prepared
    mentees: pd.DataFrame
    mentee_scores: ScoreResult
    reliability_mentors: ReliabilitySet
    reliability_mentees: ReliabilitySet
    reliability: ReliabilityResult
    rows: pd.DataFrame
    bundled: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Study3Results:
    """The statistics of Study 3 (:func:`analyse`): result objects only.

    Attributes
    ----------
    table1 : CorrelationTable
        Mentor level, with the mentees' mean outcomes per mentor.
    icc_hireability, icc_hired : dict
        REML null models (:func:`~learning_direction.studies._multilevel.one_way_reml`).
    centers : Series
        Means over mentors of the mentor-level predictors (grand-mean centring).
    multilevel : MixedResult
        Hireability with a random intercept per mentor.
    logistic : LogitResult
        Being hired, with cluster-robust SEs by mentor.
    multilevel_mediation : MultilevelMediationResult
        The main mediation: two-level SEM of the 2-2-1 design, Monte Carlo CI.
    mediation, mediation_robustness : MediationResult
        Sensitivity checks: the 2-2-1 mediation with a cluster bootstrap of mentors, with the
        chosen and with the other outcome model.
    confounding : MultilevelSensitivityResult
        :func:`~learning_direction.mediation_sensitivity` of the main model: the between-mentor
        indirect effect against the correlation of the between-level errors of engagement and
        hireability (the only rho of a 2-2-1 design).
    intercepts : DataFrame
        Mentor random intercepts of hireability (empirical Bayes).
    outcome_model, ci : str
    notes : tuple of str
        Package warnings raised while analysing.
    follow_up : FollowUpResults or None
        The 6-month follow-up of ``hired_6m``: mentees lost, retained vs lost on the baseline
        variables, and the logistic model after multiple imputation of the lost outcomes.
    """

    table1: CorrelationTable
    icc_hireability: dict[str, float]
    icc_hired: dict[str, float]
    centers: pd.Series
    multilevel: MixedResult
    logistic: LogitResult
    multilevel_mediation: MultilevelMediationResult
    mediation: MediationResult
    mediation_robustness: MediationResult
    confounding: MultilevelSensitivityResult
    intercepts: pd.DataFrame
    outcome_model: str
    ci: str
    notes: tuple[str, ...] = ()
    follow_up: FollowUpResults | None = None

    @property
    def secondary(self) -> str:
        """The outcome model of the robustness check."""
        return next(m for m in OUTCOME_MODELS if m != self.outcome_model)


def prepare(data: pd.DataFrame | None = None, *, name: str = "study3") -> Study3Data:
    """Check (or load) the data; screen, score and check reliability at each level."""
    from ..scales.scoring import score

    loaded = _pipeline.load(data, SPEC, study=name, check=lambda df: _check_ids(df, name))
    df = loaded.frame
    mentors = mentor_level(df, study=name)
    if len(mentors) < 10:
        raise ModelError(
            f"{name}: the data have {len(mentors)} mentors; multilevel models and a cluster "
            "bootstrap need many more (at least 10, preferably 50 or more)"
        )
    # mentor scales on mentors (a mentor is counted once, not once per mentee)
    prep = _pipeline.prepare_rows(
        mentors, MENTOR_SCALES, study=name, id_column=GROUP, reliability=False
    )
    notes: list[str] = []
    with collect_warnings(notes):
        hire = score(df, list(MENTEE_SCALES))
        mentee = df[[c for c in df.columns if c not in (*PREDICTORS, OUTCOME)]].join(hire.scores)
        mentee = mentee.merge(
            prep.data[[GROUP, *PREDICTORS]], on=GROUP, how="left", validate="many_to_one"
        )
        mentee.index = df.index
        rel_m = reliability_set(mentors, MENTOR_SCALES)
        rel_e = reliability_set(df, MENTEE_SCALES)
        combined = combine_reliability(
            [rel_m.combined, rel_e.combined], "mentor scales (one row per mentor) + hireability"
        )
    return Study3Data(
        mentors=prep,
        mentees=mentee,
        mentee_scores=hire,
        reliability_mentors=rel_m,
        reliability_mentees=rel_e,
        reliability=combined,
        rows=df,
        bundled=loaded.bundled,
        notes=(*prep.notes, *notes),
    )


def analyse(
    prepared: Study3Data,
    *,
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    ci: str = "percentile",
    outcome_model: str = "random_intercept",
    n_draws: int = 20000,
    m: int = 20,
) -> Study3Results:
    """Table 1, the ICCs, the multilevel and logistic models and the 2-2-1 mediation (two-level
    SEM with a Monte Carlo CI; cluster bootstraps of mentors as sensitivity checks), and the
    follow-up of ``hired_6m`` (``m`` imputations of the outcomes lost to follow-up)."""
    from ..models.mediation import mediate
    from ..models.multilevel_mediation import multilevel_mediation
    from ..models.regression import logit, mixed
    from ..models.sensitivity import mediation_sensitivity
    from ._multilevel import group_intercepts, one_way_reml

    mentors_s, mentee = prepared.mentors.data, prepared.mentees
    secondary = next(m for m in OUTCOME_MODELS if m != outcome_model)
    notes: list[str] = []
    with collect_warnings(notes):
        t1 = _mentor_table1(prepared)
        # ICC of the mentee outcomes: REML null models y ~ 1 + (1 | mentor_id)
        icc_h = one_way_reml(mentee, OUTCOME, GROUP)
        icc_b = one_way_reml(mentee, HIRED, GROUP)
        # mentor-level predictors grand-mean centered over mentors
        centers = mentors_s[list(PREDICTORS)].dropna().mean()
        centered = mentee.copy()
        for p in PREDICTORS:
            centered[p] = mentee[p] - centers[p]
        rhs = " + ".join(PREDICTORS)
        ml = mixed(centered, f"{OUTCOME} ~ {rhs}", groups=GROUP)
        lg = logit(centered, f"{HIRED} ~ {rhs}", se="cluster", cluster=GROUP)
        follow_up = analyse_follow_up(
            mentee, centered, lg, f"{HIRED} ~ {rhs}", PREDICTORS, HIRED, GROUP, m=m, seed=seed
        )
        # 2-2-1 mediation: two-level SEM (latent mentor mean of hireability), Monte Carlo CI
        mlm = multilevel_mediation(
            mentee, x="downward", m="mentor_engagement", y=OUTCOME, cluster=GROUP,
            covariates=["upward", "lateral"], method="msem", n_draws=n_draws, seed=seed,
        )  # fmt: skip
        # unobserved mentor-level confounding of engagement and hireability (between-level rho)
        confounding = mediation_sensitivity(mlm)
        # sensitivity: the same design with a cluster bootstrap of mentors
        meds = {}
        for om in (outcome_model, secondary):
            meds[om] = mediate(
                mentee, x="downward", m="mentor_engagement", y=OUTCOME,
                covariates=["upward", "lateral"], cluster=GROUP, design="2-2-1",
                outcome_model=om, n_boot=n_boot, ci=ci, seed=seed, progress=progress,
            )  # fmt: skip
    intercepts = group_intercepts(
        mentee, OUTCOME, GROUP, mu=icc_h["mu"], tau2=icc_h["tau2"], sigma2=icc_h["sigma2"]
    )
    return Study3Results(
        table1=t1,
        icc_hireability=icc_h,
        icc_hired=icc_b,
        centers=centers,
        multilevel=ml,
        logistic=lg,
        multilevel_mediation=mlm,
        mediation=meds[outcome_model],
        mediation_robustness=meds[secondary],
        confounding=confounding,
        intercepts=intercepts,
        outcome_model=outcome_model,
        ci=ci,
        notes=tuple(notes),
        follow_up=follow_up,
    )


def _mentor_table1(prepared: Study3Data) -> CorrelationTable:
    """Table 1 at the mentor level, with the mentees' mean outcomes per mentor."""
    agg = prepared.mentees.groupby(GROUP, sort=False, observed=True).agg(
        mean_hireability=(OUTCOME, "mean"), share_hired=(HIRED, "mean")
    )
    mentors_t = prepared.mentors.data.join(agg, on=GROUP)
    labels = dict(LABELS)
    t1_cols = ["age", "tenure"]
    mentors_t = add_indicator(mentors_t, "gender", "Gender", t1_cols, labels)
    t1_cols += [
        "past_mentees",
        "upward",
        "lateral",
        "downward",
        "mentor_engagement",
        "n_mentees",
        "mean_hireability",
        "share_hired",
    ]
    return table1(mentors_t, t1_cols, labels=labels, alphas=prepared.reliability_mentors.alphas)


@dataclass(frozen=True)
class _Tables:
    """The display tables that the figures and sentences read from."""

    reliability: pd.DataFrame
    icc: pd.DataFrame
    multilevel: pd.DataFrame
    logistic: pd.DataFrame
    multilevel_mediation: pd.DataFrame
    mediation: pd.DataFrame
    robustness: pd.DataFrame


OM_TEXT = {
    "random_intercept": "random intercept per mentor (GLS at the REML variance components)",
    "cluster_robust": "OLS with CR1 cluster-robust SEs",
}
X_LABEL, M_LABEL, Y_LABEL = (
    "downward learning direction",
    "mentor engagement",
    "mentee hireability",
)
MLM_LABELS = {
    "a_between": f"a: {X_LABEL} → {M_LABEL} (mentors)",
    "b_between": f"b: {M_LABEL} → {Y_LABEL} (latent mentor mean), controlling for {X_LABEL}",
    "indirect_between": f"ab: indirect effect of {X_LABEL} on {Y_LABEL} through {M_LABEL}",
    "c_prime_between": f"c′: direct effect of {X_LABEL} on {Y_LABEL} (latent mentor mean)",
}
MLM_COLUMNS = ["term", "label", "estimate", "se", "ci_low", "ci_high", "p_value", "inference"]
MAIN_MODEL = "main: two-level SEM (latent mentor mean of hireability), Monte Carlo CI"


def _display_tables(prepared: Study3Data, results: Study3Results) -> _Tables:
    rel_table = pd.concat(
        [
            prepared.reliability_mentors.table.assign(level="mentor"),
            prepared.reliability_mentees.table.assign(level="mentee"),
        ],
        ignore_index=True,
    )
    rel_table.insert(1, "level", rel_table.pop("level"))
    icc_tab = pd.DataFrame(
        [
            {"outcome": OUTCOME, **results.icc_hireability},
            {"outcome": HIRED, **results.icc_hired},
        ]
    ).rename(columns={"n_dropped": "n_left_out"})[ICC_COLUMNS]
    mlt = results.multilevel.table.copy()
    mlt.insert(1, "label", label_terms(mlt["term"].tolist(), TERM_LABELS))
    lgt = results.logistic.table.copy()
    lgt.insert(1, "label", label_terms(lgt["term"].tolist(), TERM_LABELS))
    mt = mediation_table(results.mediation, x=X_LABEL, m=M_LABEL, y=Y_LABEL, unit="mentors")
    meds = {
        results.outcome_model: results.mediation,
        results.secondary: results.mediation_robustness,
    }
    rob = pd.DataFrame(
        [_main_row(results.multilevel_mediation)]
        + [
            sensitivity_row(
                meds[om],
                model=f"sensitivity: cluster bootstrap of mentors, {OM_TEXT[om]}",
                covariates=["upward", "lateral"],
                m_term="mentor_engagement",
            )
            for om in (results.outcome_model, results.secondary)
        ]
    )
    return _Tables(rel_table, icc_tab, mlt, lgt, _mlm_table(results.multilevel_mediation), mt, rob)


def _mlm_table(res: MultilevelMediationResult) -> pd.DataFrame:
    """The two-level SEM's paths and indirect effect with labels and the kind of inference."""
    tab = res.table.copy()
    tab["label"] = tab["term"].map(MLM_LABELS)
    tab["inference"] = [
        f"Monte Carlo CI ({res.n_draws:,} draws), delta-method SE"
        if t.startswith("indirect")
        else "Wald z (two-level ML, observed information)"
        for t in tab["term"]
    ]
    return tab[MLM_COLUMNS]


def _main_row(res: MultilevelMediationResult) -> dict[str, Any]:
    """The main model's row of the sensitivity table (the columns of ``sensitivity_row``)."""
    ind, cp = res.row("indirect_between"), res.row("c_prime_between")
    return {
        "model": MAIN_MODEL,
        "covariates": ", ".join(res.covariates),
        "n": int(res.n),
        "estimate": float(ind["estimate"]),
        "se": float(ind["se"]),
        "ci_low": float(ind["ci_low"]),
        "ci_high": float(ind["ci_high"]),
        "c_prime": float(cp["estimate"]),
        "c_prime_p_value": float(cp["p_value"]),
    }


def render(prepared: Study3Data, results: Study3Results, *, name: str = "study3") -> StudyResult:
    """Tables, figures, APA sentences and notes of Study 3, as a :class:`StudyResult`."""
    mentors = prepared.mentors.rows
    b = StudyBuilder(
        name,
        study_title(name, "study3"),
        QUESTION,
        _design_text(len(prepared.rows), len(mentors), mentors["n_mentees"], prepared.bundled),
    )
    b.results.update(
        {
            "careless": prepared.mentors.careless,
            "mentor_scores": prepared.mentors.scored.result,
            "mentee_scores": prepared.mentee_scores,
            "reliability": prepared.reliability,
            "table1": results.table1,
            "multilevel": results.multilevel,
            "logistic": results.logistic,
            "multilevel_mediation": results.multilevel_mediation,
            "mediation": results.mediation,
            "mediation_robustness": results.mediation_robustness,
            "confounding": results.confounding,
        }
    )
    tabs = _display_tables(prepared, results)
    _add_tables(b, prepared, results, tabs)
    _add_figures(b, results)
    _add_model_figures(b, results, tabs)
    _add_text(b, prepared, results, tabs)
    _add_notes(b, prepared, results)
    return b.build(n=len(prepared.rows), seed=results.multilevel_mediation.seed)


def _add_tables(
    b: StudyBuilder, prepared: Study3Data, results: Study3Results, tabs: _Tables
) -> None:
    ml, lg, med = results.multilevel, results.logistic, results.mediation
    mlm = results.multilevel_mediation
    b.table(
        "table1",
        results.table1.table,
        f"Table 1. Mentor level (N = {len(prepared.mentors.rows)} mentors): means, standard "
        "deviations and correlations, with the mentees' mean outcomes per mentor (Cronbach's "
        "alpha on the diagonal; * p < .05, ** p < .01, *** p < .001; pairwise-complete data)",
    )
    b.table(
        "reliability",
        tabs.reliability,
        "Reliability: mentor scales on one row per mentor, hireability on the mentees "
        "(Cronbach's alpha with 95% Feldt CI, standardized alpha, average r, lambda 6, omega)",
    )
    b.table(
        "icc",
        tabs.icc,
        "Nesting of mentees in mentors: variance between (tau2) and within (sigma2) mentors, "
        "ICC(1) and ICC(2) from REML null models (hired_6m: linear model, observed scale; "
        "n_left_out: mentees without the outcome, for hired_6m those lost to follow-up)",
    )
    b.table(
        "multilevel",
        tabs.multilevel[ML_COLUMNS],
        f"Multilevel model of mentee hireability (random intercept per mentor, REML; lme4 SEs, "
        f"t tests with Satterthwaite df as lmerTest; N = {ml.n} mentees, {ml.n_groups} mentors). "
        "Mentor-level predictors grand-mean centered over mentors",
    )
    b.table(
        "logistic",
        tabs.logistic[LOGIT_COLUMNS],
        f"Logistic regression of being hired within 6 months (log-odds and odds ratios; CR1 "
        f"cluster-robust SEs by mentor; N = {lg.n} mentees). Predictors grand-mean centered "
        "over mentors",
    )
    _add_follow_up_tables(b, results)
    b.table(
        "multilevel_mediation",
        tabs.multilevel_mediation,
        f"Main mediation model: 2-2-1 design (mentor-level X and M, mentee-level Y), two-level "
        f"SEM with a latent mentor mean of hireability (ML, as lavaan::sem(..., cluster = "
        f"'mentor_id'); N = {mlm.n} mentees, {mlm.n_clusters} mentors; covariates upward and "
        f"lateral); indirect effect with a Monte Carlo CI ({mlm.n_draws:,} draws, seed "
        f"{mlm.seed})",
    )
    b.table(
        "mediation",
        tabs.mediation,
        f"Sensitivity check: the 2-2-1 mediation with a cluster bootstrap (N = {med.n} mentees, "
        f"{med.n_clusters} mentors): a path on one row per mentor; b, c′, c with a "
        f"{OM_TEXT[results.outcome_model]}; indirect effects with {CI_NAMES[results.ci]} CIs "
        f"from {med.n_boot:,} resamples of mentors (seed {med.seed})",
    )
    b.table(
        "equations",
        equations_table(med),
        "The three equations of the cluster-bootstrap model (mediator: mentor level; outcome: "
        "mentee level)",
    )
    b.table(
        "mediation_robustness",
        tabs.robustness,
        "The indirect effect in the main model and in the cluster-bootstrap checks with both "
        "outcome models (same resamples of mentors: same seed)",
    )
    sens = results.confounding
    b.table(
        "confounding",
        sens.table,
        "Sensitivity of the between-mentor indirect effect to unobserved mentor-level "
        "confounding of engagement and hireability: the indirect effect if the between-level "
        "errors of the two equations correlated at rho (Imai, Keele & Yamamoto's closed form on "
        f"the two-level SEM's between-level moments), with normal-theory "
        f"{round(100 * sens.ci_level)}% CIs",
    )
    b.table(
        "mentor_intercepts",
        results.intercepts,
        "Mentor random intercepts of hireability (empirical Bayes, null model) with 95% "
        "conditional intervals (lme4: ranef(fit, condVar = TRUE))",
    )


def _add_follow_up_tables(b: StudyBuilder, results: Study3Results) -> None:
    """The follow-up counts, retained vs lost, and the complete-case vs MI logistic model."""
    fu = results.follow_up
    if fu is None:
        return
    b.results["follow_up"] = fu
    b.table("follow_up", fu.table,
            "The 6-month follow-up of hired_6m: mentees (and mentors) followed up and lost")  # fmt: skip
    if len(fu.comparison):
        b.table("follow_up_comparison", fu.comparison,
                "Retained vs lost mentees on baseline variables (difference retained − lost; "
                "t tests with CR2 cluster-robust SEs by mentor and Satterthwaite df; Hedges' g "
                "descriptive)")  # fmt: skip
    if fu.sensitivity is not None and fu.imputed is not None:
        b.results["logistic_imputed"] = fu.imputed
        b.table("hired_sensitivity", fu.sensitivity,
                f"Logistic model of hired_6m: complete cases (cc_, N = "
                f"{results.logistic.n}) vs {fu.m} multiple imputations of the outcomes lost to "
                f"follow-up (mi_, N = {fu.imputed.n}; predictive mean matching on the "
                "predictors, hireability, age and the mentor's mean hireability; Rubin's rules "
                "with CR1 cluster-robust SEs)")  # fmt: skip


def _add_figures(b: StudyBuilder, results: Study3Results) -> None:
    """The two-level path diagram and the cluster-bootstrap distribution of the indirect effect."""
    med, mlm = results.mediation, results.multilevel_mediation
    ax = mlm.plot(
        names={k: v.replace("\n", " ") for k, v in BOX_NAMES.items()},
        title="Study 3: 2-2-1 mediation, mentor (level 2) → mentee (level 1), two-level SEM",
    )
    b.figure(
        "path",
        ax,
        "Two-level diagram of the 2-2-1 mediation model (two-level SEM) with unstandardized "
        "coefficients (* p < .05, ** p < .01, *** p < .001): downward learning direction and "
        "engagement are mentor-level, so every path runs between mentors (upper panel), into the "
        "latent mentor mean of hireability; within mentors (lower panel) only hireability "
        "varies. Covariates: upward and lateral learning direction.",
    )
    ax = med.plot(kind="bootstrap", term="indirect:mentor_engagement")
    relabel_bootstrap(
        ax,
        xlabel="Indirect effect of downward learning direction on hireability (a × b)",
        title=f"{med.n_boot - med.n_singular:,} cluster-bootstrap resamples of mentors "
        f"({CI_NAMES[results.ci]})",
    )
    b.figure(
        "bootstrap",
        ax,
        f"Sensitivity check: cluster-bootstrap distribution of the indirect effect (mentors "
        f"resampled with all their mentees), with its estimate and {100 * med.ci_level:g}% CI "
        "(shaded); dashed line: zero.",
    )
    sens = results.confounding
    fig = sens.plot()
    fig.axes[0].set_xlabel("ρ between (correlation of the mentor-level errors of M and Y)")
    b.figure(
        "confounding_curve",
        fig,
        f"Sensitivity of the between-mentor indirect effect to unobserved mentor-level "
        f"confounding of engagement and hireability: the indirect effect (line) and its "
        f"{round(100 * sens.ci_level)}% CI (band) against rho; the dashed line marks the rho at "
        f"which it would be zero (ρ̃ = {fmt_r(sens.rho_at_zero['between'])}).",
    )


def _add_model_figures(b: StudyBuilder, results: Study3Results, tabs: _Tables) -> None:
    """The caterpillar plot and the coefficients of the multilevel and logistic models."""
    from ..figures.coefficients import plot_coefficients
    from ._multilevel import plot_caterpillar

    icc_h, intercepts = results.icc_hireability, results.intercepts
    ax = plot_caterpillar(
        intercepts,
        ylabel="Mentor intercept of hireability\n(deviation from the grand mean)",
        xlabel=f"Mentors, ranked (N = {len(intercepts)})",
        title=f"Hireability varies between mentors: ICC(1) = {fmt_r(icc_h['icc1'])}, "
        f"ICC(2) = {fmt_r(icc_h['icc2'])}",
    )
    b.figure(
        "caterpillar",
        ax,
        "Each mentor's random intercept of mentee hireability (empirical Bayes estimate from "
        "the null model) with its 95% conditional interval, ranked.",
    )
    terms = [t for t in tabs.multilevel["term"] if t != "Intercept"]
    ax = plot_coefficients(results.multilevel, terms=terms)
    ax.set_yticks(ax.get_yticks(), label_terms(terms, TERM_LABELS))
    ax.set_xlabel("b with 95% CI (hireability, 1-7)")
    ax.set_title("Multilevel model of mentee hireability")
    b.figure(
        "fixed_effects",
        ax,
        "Fixed effects of the multilevel model of hireability with 95% CIs (t, Satterthwaite df; "
        "random intercept per mentor; mentor-level predictors grand-mean centered).",
    )
    lgt = tabs.logistic
    ax = plot_coefficients(results.logistic, terms=terms, odds_ratio=True)
    ax.set_yticks(ax.get_yticks(), label_terms(terms, TERM_LABELS))
    _plain_log_ticks(ax, lgt.loc[lgt["term"].isin(terms), ["or_ci_low", "or_ci_high"]])
    ax.set_xlabel("Odds ratio with 95% CI (log scale)")
    ax.set_title("Hired within 6 months (logistic)")
    b.figure(
        "odds_ratios",
        ax,
        "Odds ratios of being hired within 6 months per scale point of each mentor-level "
        "predictor, with 95% CIs from CR1 cluster-robust SEs by mentor.",
    )


def _add_text(b: StudyBuilder, prepared: Study3Data, results: Study3Results, tabs: _Tables) -> None:
    b.text["reliability"] = _reliability_sentence(
        tabs.reliability, len(prepared.mentors.rows), prepared.reliability_mentees.table
    )
    b.text["icc"] = _icc_sentence(tabs.icc)
    b.text["multilevel"] = _multilevel_sentence(tabs.multilevel, results.multilevel)
    b.text["logistic"] = _logistic_sentence(tabs.logistic, results.logistic)
    if results.follow_up is not None:
        b.text["follow_up"] = follow_up_text(
            results.follow_up, "mentor_engagement", "mentor engagement"
        )
    b.text["model"] = _model_sentence(tabs.multilevel_mediation, results.multilevel_mediation)
    b.text["main"] = _main_sentence(tabs.multilevel_mediation, results.multilevel_mediation)
    b.text["robustness"] = _robustness_sentence(tabs.robustness)
    b.text["confounding"] = _confounding_sentence(results.confounding)


def _associated(r: Any, what: str) -> str:
    """``was associated with higher <what>`` / ``lower`` / ``was not significantly associated``."""
    if r["p_value"] >= 0.05:
        return f"was not significantly associated with {what}"
    return f"was associated with {'higher' if r['estimate'] > 0 else 'lower'} {what}"


def _model_sentence(tab: pd.DataFrame, res: Any) -> str:
    """The design, the estimator and the a, b and c′ paths of the main model."""
    a, b, cp = row(tab, "a_between"), row(tab, "b_between"), row(tab, "c_prime_between")
    direct = (
        "and remained significant"
        if cp["p_value"] < 0.05
        else "and was not significantly different from zero"
    )
    return (
        f"Downward learning direction and engagement are mentor-level and hireability "
        f"mentee-level, a 2-2-1 design; we fitted it as a two-level structural equation model in "
        f"which the between-mentor part of hireability is a latent mentor mean (N = {res.n} "
        f"mentees of {res.n_clusters} mentors; upward and lateral learning direction as "
        f"covariates). Between mentors, {X_LABEL} {_associated(a, M_LABEL)}, "
        f"{apa_path_phrase(a, 'a')}, and {M_LABEL} {_associated(b, Y_LABEL)} over and above "
        f"{X_LABEL}, {apa_path_phrase(b, 'b')}; the direct effect was {apa_path_phrase(cp, 'c′')} "
        f"{direct}."
    )


def _main_sentence(tab: pd.DataFrame, res: Any) -> str:
    """The indirect effect with its Monte Carlo CI, worded by what the interval shows."""
    ind = row(tab, "indirect_between")
    numbers = (
        f"between-mentor indirect effect = {fmt_num(ind['estimate'])}, SE = {fmt_num(ind['se'])}, "
        f"{fmt_ci(ind['ci_low'], ind['ci_high'], level=res.ci_level)} (Monte Carlo, "
        f"{res.n_draws:,} draws)"
    )
    if ind["ci_low"] > 0 or ind["ci_high"] < 0:
        direction = "higher" if ind["estimate"] > 0 else "lower"
        return (
            f"Through {M_LABEL}, {X_LABEL} was indirectly associated with {direction} "
            f"{Y_LABEL}: {numbers}."
        )
    return (
        f"The indirect association of {X_LABEL} with {Y_LABEL} through {M_LABEL} was not "
        f"significant: {numbers}; the interval includes zero."
    )


def _robustness_sentence(rob: pd.DataFrame) -> str:
    """The cluster-bootstrap checks against the main model."""

    def excludes(r: Any) -> bool:
        return bool(r["ci_low"] > 0 or r["ci_high"] < 0)

    main, checks = rob.iloc[0], [r for _, r in rob.iloc[1:].iterrows()]
    parts = [
        f"{fmt_num(r['estimate'])}, {fmt_ci(r['ci_low'], r['ci_high'])} "
        f"({r['model'].split(', ', 1)[1]})"
        for r in checks
    ]
    same = all(excludes(r) == excludes(main) for r in checks)
    return (
        "With a cluster bootstrap of mentors instead of the two-level SEM, the indirect effect "
        f"was {' and '.join(parts)}"
        + (
            "; the conclusion is the same as in the main model."
            if same
            else "; the conclusion differs from the main model's, so it depends on the method."
        )
    )


def _confounding_sentence(sens: Any) -> str:
    """How strong mentor-level confounding would have to be to explain the indirect effect away
    (numbers and wording from the sensitivity result)."""
    rho = float(sens.rho_at_zero["between"])
    cz = sens.ci_zero.set_index("level").loc["between"]
    lo, hi = float(cz["rho_from"]), float(cz["rho_to"])
    sign = (
        "acting on both in the same direction"
        if rho > 0
        else "acting on them in opposite directions"
    )
    text = (
        f"The between-mentor indirect effect would be zero if an unobserved mentor-level "
        f"confounder of {M_LABEL} and {Y_LABEL} ({sign}) made the between-level errors of their "
        f"equations correlate at ρ = {fmt_r(rho)}, {rho_strength(rho)} correlation (it would "
        f"explain R²*_M × R²*_Y = {fmt_r(sens.r2_star_at_zero['between'], 3)} of their "
        "between-mentor residual variances)"
    )
    lvl = f"{round(100 * sens.ci_level)}%"
    if (np.isnan(lo) or lo <= 0) and (np.isnan(hi) or hi >= 0):
        return text + f"; its {lvl} CI already included zero at ρ = 0."
    near = lo if rho > 0 else hi
    return text + (
        f"; its {lvl} CI would include zero from ρ = {fmt_r(near)}, {rho_strength(near)} "
        "correlation."
    )


def _add_notes(b: StudyBuilder, prepared: Study3Data, results: Study3Results) -> None:
    mentors, centers = prepared.mentors.rows, results.centers
    b.note(
        f"Levels: {len(mentors)} mentors and {len(prepared.rows)} mentees. Mentor-level "
        "reliability, careless-responding screening and Table 1 use one row per mentor (a mentor "
        "is never counted once per mentee); hireability's reliability uses the mentee rows."
    )
    b.note(prepared.mentors.careless_note)
    b.note(
        "Centering: mentor engagement and the three learning directions are grand-mean centered "
        "at the mentor level (minus their mean over mentors: "
        + ", ".join(f"{p} {centers[p]:.2f}" for p in PREDICTORS)
        + ") in the multilevel and logistic models; the mediation uses the raw scores "
        "(slopes are unchanged by centering)."
    )
    fits = (
        ("Multilevel model", results.multilevel),
        ("Logistic model", results.logistic),
        ("Mediation", results.multilevel_mediation),
    )
    n_lost = results.follow_up.n_lost if results.follow_up is not None else 0
    for what, r in fits:
        lost = n_lost if what == "Logistic model" else 0
        if r.n_dropped:
            why = (
                f" ({lost} lost to the 6-month follow-up, {r.n_dropped - lost} for a missing "
                "predictor)"
                if lost
                else " for a missing value"
            )
            b.note(f"{what}: {r.n_dropped} of {r.n + r.n_dropped} mentees left out{why}.")
        else:
            b.note(f"{what}: all {r.n} mentees had every value; none was left out.")
    if n_lost:
        icc_b = results.icc_hired
        b.note(
            f"Follow-up: {n_lost} mentees were lost to the 6-month follow-up (hired_6m "
            f"missing). The ICC of hired_6m uses the {int(icc_b['n'])} mentees followed up "
            f"({int(icc_b['n_dropped'])} left out); Table 1's share hired per mentor is over "
            "each mentor's followed-up mentees. The multiple-imputation check assumes the "
            "outcomes are missing at random given the imputation model's variables; its "
            "single-level imputation model carries the mentor's mean hireability but no mentor "
            "random effect."
        )
    for n_ in prepared.mentors.scored.notes:
        b.note(f"Scoring (mentors): {n_}")
    for n_ in prepared.mentee_scores.notes:
        b.note(f"Scoring (mentees): {n_}")
    b.note(
        "Mediation: the design is 2-2-1 (mentor-level X and M, mentee-level Y; Krull & "
        "MacKinnon 2001), so the indirect effect is a between-mentor effect. The main model is "
        "a two-level SEM (ld.multilevel_mediation, method 'msem') with a latent mentor mean of "
        f"hireability (ICC(1) = {fmt_r(results.icc_hireability['icc1'])}) and a Monte Carlo CI; "
        "the sensitivity checks resample whole mentors (cluster bootstrap) with the outcome "
        f"equations fitted with a {OM_TEXT[results.outcome_model]} and with "
        f"{OM_TEXT[results.secondary]}."
    )
    b.note(
        "Confounding: rho is the correlation of the between-mentor errors of the engagement and "
        "hireability equations that an unobserved mentor-level confounder would induce (rho = 0 "
        "is the assumption behind the indirect effect); Imai, Keele & Yamamoto's (2010) "
        "closed form applied to the between level of the two-level SEM "
        "(ld.mediation_sensitivity). A 2-2-1 design has no within-mentor rho: engagement does "
        "not vary within mentors. R's mediation::medsens does not accept multilevel models."
    )
    for n_ in (*prepared.notes, *results.notes):
        b.note(n_)


# ------------------------------------------------------------------------------ pipeline


def run(
    name: str = "study3",
    data: pd.DataFrame | None = None,
    *,
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    ci: str = "percentile",
    outcome_model: str = "random_intercept",
    n_draws: int = 20000,
    m: int = 20,
) -> StudyResult:
    """Run Study 3: the field study of mentors and their mentees (multilevel, 2-2-1 mediation).

    Parameters
    ----------
    name : str
        Study name shown in the result (``"study3"``).
    data : DataFrame, optional
        One row per mentee with the mentor's answers repeated on each of their mentees' rows
        (the layout of ``ld.load_dataset("study3")``): ``mentor_id``, ``hired_6m`` (0/1), the
        hireability items ``hire_1`` ... ``hire_3``, and the mentor's ``age, tenure, gender,
        past_mentees``, learning-direction items and engagement items. Default: the bundled
        data.
    seed : int or None
        Seed of the Monte Carlo draws and of the cluster bootstrap (same seed → identical
        tables, text and figures).
    n_boot : int
        Bootstrap resamples of mentors of the sensitivity checks (default 5,000).
    progress : bool
        Show a progress bar during the bootstrap.
    ci : {"percentile", "bca"}
        Bootstrap CI of the indirect effect in the sensitivity checks.
    outcome_model : {"random_intercept", "cluster_robust"}
        Outcome (hireability) equations of the first cluster-bootstrap check (table
        ``mediation``); the other one is the second check (table ``mediation_robustness``).
    n_draws : int
        Monte Carlo draws of the main model's indirect effect (default 20,000).
    m : int
        Imputations of the ``hired_6m`` outcomes lost to follow-up (default 20; seeded by
        ``seed``).

    Returns
    -------
    StudyResult
        Tables ``table1``, ``reliability``, ``icc``, ``multilevel``, ``logistic``,
        ``multilevel_mediation`` (the main mediation model), ``mediation``, ``equations``,
        ``mediation_robustness``, ``confounding``, ``mentor_intercepts``, and when outcomes were
        lost to follow-up ``follow_up``, ``follow_up_comparison`` and ``hired_sensitivity``
        (complete cases vs multiple imputation); figures ``path``
        (two-level diagram of the main model), ``bootstrap``, ``confounding_curve``, ``caterpillar``,
        ``fixed_effects``, ``odds_ratios``; text ``reliability``, ``icc``, ``multilevel``,
        ``logistic``, ``follow_up``, ``model``, ``main``, ``robustness``, ``confounding``; results
        ``mentor_scores``, ``mentee_scores``, ``reliability``, ``table1``, ``multilevel``,
        ``logistic``, ``multilevel_mediation``, ``mediation``, ``mediation_robustness``,
        ``confounding`` (the between-level sensitivity analysis), ``careless``.

    Raises
    ------
    DataValidationError
        A required column is missing (all are named); ``mentor_id`` is missing in some rows;
        ``hired_6m`` is not 0/1; a mentor's answers differ between their mentees' rows; an
        item answer is invalid.
    ModelError
        A model cannot be estimated (e.g. too few mentors); unknown ``outcome_model`` or ``ci``.

    Notes
    -----
    *Levels.* Mentor-level reliability (alpha, omega) and Table 1 use one row per mentor; the
    reliability of hireability uses the mentee rows (items rated per mentee).

    *ICC.* From the REML null model :math:`y_{ij} = \\gamma_{00} + u_{0j} + e_{ij}`:
    fitted by REML (lme4's ``lmer(y ~ 1 + (1 | mentor_id))``; one-dimensional profile
    likelihood, equal to ``ld.mixed(df, "y ~ 1", groups="mentor_id")``):
    ICC(1) :math:`= \\tau^2/(\\tau^2 + \\sigma^2)`, ICC(2) :math:`= k\\,ICC(1)/(1 + (k-1)ICC(1))`
    with :math:`k` the mean number of mentees per mentor (Bliese, 2000). For the 0/1 outcome
    the null model is linear, so its ICC is on the observed (probability) scale.

    *Multilevel model.* :math:`\\text{hireability}_{ij} = \\gamma_{00} + \\gamma_{01}
    \\text{ENG}_j + \\gamma_{02}\\text{DOWN}_j + \\gamma_{03}\\text{UP}_j + \\gamma_{04}
    \\text{LAT}_j + u_{0j} + e_{ij}` (REML, lme4 SEs, t tests with Satterthwaite df). The mentor-level
    predictors are grand-mean centered at the mentor level (each minus its mean over mentors),
    so :math:`\\gamma_{00}` is the expected hireability of a mentee whose mentor is average on
    every predictor (Enders & Tofighi, 2007); centering does not change the slopes.

    *Logistic model.* :math:`\\text{logit}\\,P(\\text{hired}_{ij}) = \\beta_0 + \\beta_1
    \\text{ENG}_j + ...` with CR1 cluster-robust SEs by mentor (``sandwich::vcovCL``); odds
    ratios :math:`e^{\\beta}` with Wald CIs. Mentees lost to the 6-month follow-up
    (``hired_6m`` missing) are left out of it and counted; retained and lost mentees are
    compared on the baseline variables (``ld.ttest(..., cluster="mentor_id")``), and the model
    is refitted on ``m`` imputations of the lost outcomes (``ld.impute``, predictive mean
    matching; ``ld.logit`` pools by Rubin's rules; R: ``mice::pool(with(imp, glm(...))))``) as
    a missing-at-random sensitivity analysis.

    *2-2-1 mediation.* Downward learning direction (X) and engagement (M) are mentor-level and
    hireability (Y) mentee-level: a 2-2-1 design, whose indirect effect is between mentors
    (Krull & MacKinnon 2001). Main model (:func:`~learning_direction.multilevel_mediation`,
    MSEM): ``ENG_j = a DOWN_j + ...`` and ``HIRE_B,j = b ENG_j + c′ DOWN_j + ...`` with
    ``HIRE_B`` the latent mentor mean of hireability (two-level ML, as ``lavaan::sem(model,
    data, cluster = "mentor_id")``); the indirect effect :math:`ab` gets a Monte Carlo CI
    (Preacher & Selig 2012). Sensitivity checks: a on one row per mentor, b, c′ on the mentee
    rows with a random intercept per mentor (GLS at the REML variance components) or OLS with
    cluster-robust SEs, and a percentile CI from a cluster bootstrap that resamples whole
    mentors with all their mentees.

    References
    ----------
    Zhang, Wang & Galinsky (2023), *Academy of Management Journal* (Study 3).
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In Klein &
    Kozlowski (Eds.), *Multilevel theory, research, and methods in organizations*.
    Enders, C. K., & Tofighi, D. (2007). Centering predictor variables in cross-sectional
    multilevel models. *Psychological Methods, 12*, 121–138.
    Krull, J. L., & MacKinnon, D. P. (2001). Multilevel modeling of individual and group level
    mediated effects. *Multivariate Behavioral Research, 36*, 249–277.
    Preacher, K. J., Zyphur, M. J., & Zhang, Z. (2010). A general multilevel SEM framework for
    assessing multilevel mediation. *Psychological Methods, 15*, 209–233.
    Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
    inference with clustered errors. *Review of Economics and Statistics, 90*, 414–427.

    Examples
    --------
    R: ``lme4::lmer(hireability ~ 1 + (1 | mentor_id))`` (ICC, ``performance::icc``);
    ``lmer(hireability ~ eng_c + down_c + up_c + lat_c + (1 | mentor_id))``;
    ``glm(hired_6m ~ eng_c + down_c + up_c + lat_c, binomial)`` with
    ``lmtest::coeftest(fit, sandwich::vcovCL(fit, cluster = ~mentor_id))``; the main mediation
    as ``lavaan::sem(res.results["multilevel_mediation"].syntax, data, cluster = "mentor_id")``
    with ``semTools::monteCarloCI``; the checks with a cluster bootstrap over mentors, e.g.
    ``boot::boot`` on mentor ids.

    >>> import learning_direction as ld
    >>> res = ld.run_study("study3")                       # doctest: +SKIP
    >>> res.tables["icc"]                                  # doctest: +SKIP
    >>> print(res.text["main"])                            # doctest: +SKIP
    """
    outcome_model = choice(outcome_model, f"{name}: outcome_model", OUTCOME_MODELS)
    ci = choice(ci, f"{name}: ci", ("percentile", "bca"))
    prepared = prepare(data, name=name)
    results = analyse(
        prepared, seed=seed, n_boot=n_boot, progress=progress, ci=ci,
        outcome_model=outcome_model, n_draws=n_draws, m=m,
    )  # fmt: skip
    return render(prepared, results, name=name)


def _plain_log_ticks(ax: Any, bounds: pd.DataFrame) -> None:
    """Readable ticks (0.8, 1, 1.25 ...) on the log-scaled odds-ratio axis."""
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    lo, hi = float(bounds.min().min()), float(bounds.max().max())
    cands = [
        0.1,
        0.2,
        0.25,
        0.33,
        0.5,
        0.67,
        0.75,
        0.8,
        0.9,
        1.0,
        1.1,
        1.25,
        1.5,
        2.0,
        3.0,
        4.0,
        5.0,
        10.0,
    ]
    ticks = [t for t in cands if lo * 0.95 <= t <= hi * 1.05] or [1.0]
    if 1.0 not in ticks:
        ticks = sorted([*ticks, 1.0])
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))


# ------------------------------------------------------------------------------ text


def _reliability_sentence(table: pd.DataFrame, n_mentors: int, mentee_table: pd.DataFrame) -> str:
    ment = table[table["level"] == "mentor"]
    parts = [f"{fmt_r(r.alpha)} ({SHORT.get(r.scale, r.scale)})" for r in ment.itertuples()]
    h = mentee_table.iloc[0]
    return (
        f"Computed on one row per mentor (N = {n_mentors}), Cronbach's alphas were "
        + ", ".join(parts[:-1])
        + f" and {parts[-1]}; for the external raters' hireability ratings of the mentees "
        f"(N = {int(h['n'])}), alpha = {fmt_r(h['alpha'])} and omega total = "
        f"{fmt_r(h['omega_total'])}."
    )


def _icc_sentence(icc: pd.DataFrame) -> str:
    h = icc.set_index("outcome").loc[OUTCOME]
    d = icc.set_index("outcome").loc[HIRED]
    if h["icc1"] >= 0.05:
        lead = "Mentees of the same mentor were more alike than mentees of different mentors"
    elif h["icc1"] > 0:
        lead = "Mentees of the same mentor were only slightly more alike than other mentees"
    else:
        lead = "Mentees of the same mentor were no more alike than mentees of different mentors"
    return (
        f"{lead}: {100 * h['icc1']:.1f}% of the variance in hireability lay between mentors, "
        f"ICC(1) = {fmt_r(h['icc1'])}, ICC(2) = {fmt_r(h['icc2'])} (mean "
        f"{h['mean_group_size']:.1f} mentees per mentor); for being hired within 6 months"
        + (
            f" (the {int(d['n'])} mentees followed up; {int(d['n_left_out'])} lost)"
            if d["n_left_out"]
            else ""
        )
        + f", ICC(1) = {fmt_r(d['icc1'])}, ICC(2) = {fmt_r(d['icc2'])}. The models account for the "
        "nesting of mentees in mentors, as the design requires."
    )


def _multilevel_sentence(tab: pd.DataFrame, ml: Any) -> str:
    eng = row(tab, "mentor_engagement")
    down = row(tab, "downward")
    eng_sig, down_sig = eng["p_value"] < 0.05, down["p_value"] < 0.05
    verb = (
        f"was associated with {'higher' if eng['estimate'] > 0 else 'lower'} mentee hireability"
        if eng_sig
        else "was not significantly associated with mentee hireability"
    )
    if down_sig:
        down_txt = (
            f"downward learning direction was associated with {'higher' if down['estimate'] > 0 else 'lower'} "
            f"hireability beyond engagement ({_t_phrase(down)})"
        )
    else:
        down_txt = f"downward learning direction was not ({_t_phrase(down)})"
    if eng_sig and not down_sig:
        tail = (
            ", the pattern expected if its relation to hireability runs through engagement (the "
            "mediation model tests this)"
        )
    elif eng_sig:
        tail = ", so its relation to hireability does not run through engagement alone"
    else:
        tail = ""
    return (
        f"In a multilevel model with a random intercept per mentor (N = {ml.n} mentees, "
        f"{ml.n_groups} mentors; mentor-level predictors grand-mean centered), mentor engagement "
        f"{verb}, {_t_phrase(eng)}, holding the three learning directions constant; "
        f"{down_txt}{tail}."
    )


def _t_phrase(r: Any) -> str:
    """``b = 0.23, SE = 0.05, t(108.0) = 4.21, 95% CI [0.13, 0.34], p < .001`` (Satterthwaite
    df; without a df column, as with ``ddf="wald"``, the plain coefficient phrase)."""
    if "df" not in r or "t" not in r:
        return apa_path_phrase(r, "b")
    return (
        f"b = {fmt_num(r['estimate'])}, SE = {fmt_num(r['se'])}, "
        f"t({fmt_num(r['df'], 1)}) = {fmt_num(r['t'])}, {fmt_ci(r['ci_low'], r['ci_high'])}, "
        f"{fmt_p(r['p_value'])}"
    )


def _logistic_sentence(tab: pd.DataFrame, lg: Any) -> str:
    eng = row(tab, "mentor_engagement")
    odds = float(eng["odds_ratio"])
    change = f"{100 * abs(odds - 1):.0f}% {'higher' if odds > 1 else 'lower'} odds"
    if eng["p_value"] < 0.05:
        lead = (
            f"Mentees of more engaged mentors were {'more' if odds > 1 else 'less'} likely to be "
            "hired within 6 months"
        )
        per_point = (
            f"each scale point of mentor engagement was associated with {change} of being hired"
        )
    else:
        lead = "Mentor engagement was not significantly associated with being hired within 6 months"
        per_point = (
            f"the estimate, {change} per scale point of engagement, is compatible with no "
            "association"
        )
    return (
        f"{lead}, OR = {fmt_num(odds)}, {fmt_ci(eng['or_ci_low'], eng['or_ci_high'])}, "
        f"{fmt_p(eng['p_value'])} (logistic regression with cluster-robust SEs by mentor, "
        f"N = {lg.n} mentees; log-odds "
        + apa_coefficient(eng["estimate"], eng["se"], eng["ci_low"], eng["ci_high"], eng["p_value"])
        + f"): {per_point}."
    )


def key_numbers(result: StudyResult) -> dict[str, Any]:
    """The key numbers of a Study 3 result (for tests and notebooks)."""
    icc = result.tables["icc"].set_index("outcome")
    ml = row(result.tables["multilevel"], "mentor_engagement")
    lg = row(result.tables["logistic"], "mentor_engagement")
    mlm = result.tables["multilevel_mediation"]
    ind = row(mlm, "indirect_between")
    boot = row(result.tables["mediation"], "indirect:mentor_engagement")
    return {
        "icc1_hireability": float(icc.loc[OUTCOME, "icc1"]),
        "icc2_hireability": float(icc.loc[OUTCOME, "icc2"]),
        "icc1_hired": float(icc.loc[HIRED, "icc1"]),
        "b_engagement": float(ml["estimate"]),
        "p_engagement": float(ml["p_value"]),
        "or_engagement": float(lg["odds_ratio"]),
        "indirect": float(ind["estimate"]),
        "indirect_ci_low": float(ind["ci_low"]),
        "indirect_ci_high": float(ind["ci_high"]),
        "a": float(row(mlm, "a_between")["estimate"]),
        "p_a": float(row(mlm, "a_between")["p_value"]),
        "b": float(row(mlm, "b_between")["estimate"]),
        "p_b": float(row(mlm, "b_between")["p_value"]),
        "rho_at_zero_between": float(result.results["confounding"].rho_at_zero["between"]),
        "indirect_boot": float(boot["estimate"]),
        "indirect_boot_ci_low": float(boot["ci_low"]),
        "indirect_boot_ci_high": float(boot["ci_high"]),
        "n_mentees": int(result.n),
    }


# ------------------------------------------------------------------------------ power


def _power_replication(
    params: Any, seed: int, n_draws: int, alpha: float
) -> dict[str, bool] | None:
    """One simulated Study 3 analysed as the pipeline does: are a, b and ab significant?
    (None when the model cannot be fitted.)"""
    import warnings

    from ..models.multilevel_mediation import multilevel_mediation
    from ..scales.scoring import score
    from ..simulate.studies import simulate_study3

    mentors, mentees = simulate_study3(params, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ms = mentors[[GROUP]].join(score(mentors, list(MENTOR_SCALES)).scores)
        d = mentees.join(score(mentees, list(MENTEE_SCALES)).scores).merge(ms, on=GROUP)
        try:
            res = multilevel_mediation(
                d, x="downward", m="mentor_engagement", y=OUTCOME, cluster=GROUP,
                covariates=["upward", "lateral"], n_draws=n_draws, seed=seed,
                ci_level=1 - alpha,
            )  # fmt: skip
        except ModelError:
            return None
    t = res.table.set_index("term")
    ind = t.loc["indirect_between"]
    return {
        "a_between": bool(t.loc["a_between", "p_value"] < alpha),
        "b_between": bool(t.loc["b_between", "p_value"] < alpha),
        "indirect_between": bool(ind["ci_low"] > 0 or ind["ci_high"] < 0),
    }


def simulated_power(
    params: Any = None,
    *,
    n_reps: int = 500,
    seed: int = 20261122,
    n_draws: int = 5000,
    alpha: float = 0.05,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Power of Study 3's headline effects at the bundled design, by brute-force simulation.

    Each replication draws a new data set from :func:`~learning_direction.simulate.studies.
    simulate_study3` (the bundled design: mentors, mentees per mentor, items with measurement
    error, missing answers and careless responders), scores it and fits the main mediation
    model of :func:`analyse` (two-level SEM, Monte Carlo CI). Power is the share of
    replications in which the a path and the b path are significant (Wald z, ``alpha``) and the
    interval of the indirect effect excludes zero.

    Parameters
    ----------
    params : Study3Params, optional
        The data-generating assumptions (default: those of the bundled data).
    n_reps : int
        Replications (500 give a power CI of about ±.02 near .95).
    seed : int
        Replication ``i`` uses ``numpy.random.SeedSequence(seed).spawn(n_reps)[i]``.
    n_draws : int
        Monte Carlo draws per replication.
    alpha : float
    n_jobs : int, optional
        Replications in parallel (joblib).

    Returns
    -------
    DataFrame
        ``effect, power, power_ci_low, power_ci_high, n_reps, n_failed`` (Clopper-Pearson 95%
        CI over the ``n_reps - n_failed`` replications that could be fitted), one row each for
        ``a_between``, ``b_between`` and ``indirect_between``.

    Examples
    --------
    >>> from learning_direction.studies.study3 import simulated_power
    >>> simulated_power(n_reps=200, n_jobs=2)  # doctest: +SKIP
    """
    from joblib import Parallel, delayed

    from ..models.power.result import clopper_pearson

    if isinstance(n_reps, bool) or not isinstance(n_reps, int) or n_reps < 1:
        raise ModelError(f"n_reps must be a whole number >= 1, got {n_reps!r}")
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(n_reps)]
    runs = Parallel(n_jobs=n_jobs)(
        delayed(_power_replication)(params, s, n_draws, alpha) for s in seeds
    )
    effects = ["a_between", "b_between", "indirect_between"]
    ok = [r for r in runs if r is not None]
    k = np.array([sum(r[e] for r in ok) for e in effects], dtype=float)
    lo, hi = clopper_pearson(k, np.full(len(k), float(len(ok))), 0.95)
    return pd.DataFrame(
        {"effect": effects, "power": k / max(len(ok), 1), "power_ci_low": lo,
         "power_ci_high": hi, "n_reps": len(ok), "n_failed": n_reps - len(ok)}
    )  # fmt: skip
