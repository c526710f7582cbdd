"""Mentor motives → mentoring behaviours → outcomes (after Liu et al., 2021).

Why people mentor shapes how they mentor: self-focused motives (self-enhancement, personal
gain) go with self-focused behaviour (selective, reward-sensitive), other-focused motives
(benefiting others, intrinsic satisfaction) with other-focused behaviour (inclusive, adapted to
the mentee), and the behaviours carry the motives to outcomes at three levels: individual (the
mentee's career progress), relational (relationship quality from the mentoring functions) and
organisational (the mentor's and the mentee's intention to continue).

The pipeline (``ld.run_study("motives")``):

1. scores the motive, behaviour and outcome scales; reliability; "Table 1";
2. fits the path model: for each motive composite and each outcome, a parallel mediation
   (PROCESS model 4) with both behaviours as mediators and the other motive as a covariate;
   motives and behaviours are mentor-level and outcomes pair-level, so the bootstrap resamples
   mentors (2-2-1 design, mentor-level a paths, CR1 cluster-robust SEs for the b paths);
3. summarises indirect effects and their contrast across the outcomes in one table;
4. builds a screening summary for programs that assess motivation before recruitment: each
   mentor's motive profile (four subscales, two composites, dominant orientation) with
   DESCRIPTIVE flags, and the program's distribution. None of it is a hiring rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._core.format import fmt_num, fmt_p, fmt_r
from ..exceptions import DataValidationError
from . import _pipeline
from ._base import StudyResult
from ._common import (
    ReliabilitySet,
    StudyBuilder,
    apa_reliability_sentence,
    collect_warnings,
    reliability_set,
    table1,
)
from ._mediation_common import (
    EVALUE_METHOD,
    ROBUSTNESS_COLUMNS,
    SENSITIVITY_METHOD,
    Robustness,
    acme_curve_table,
    apa_robustness_sentence,
    display_copy,
    indirect_robustness,
)
from ._pipeline import DataSpec, Prepared
from ._registry import study_title

if TYPE_CHECKING:
    from ..models.mediation import MediationResult
    from ..reporting.tables import CorrelationTable

__all__ = [
    "BEHAVIORS",
    "MOTIVES",
    "MOTIVE_SUBSCALES",
    "OUTCOMES",
    "SCALES",
    "MotivesData",
    "MotivesResults",
    "analyse",
    "key_numbers",
    "motive_screening",
    "prepare",
    "render",
    "run",
]

SCALES = (
    "mentor_motives",
    "mentoring_behaviors",
    "mentoring_functions",
    "career_progress",
    "retention_intention_mentor",
    "retention_intention_mentee",
)
MOTIVE_SUBSCALES = ("self_enhancement", "personal_gain", "benefit_others", "intrinsic_satisfaction")
MOTIVES = ("self_focused", "other_focused")
BEHAVIORS = ("self_focused_behavior", "other_focused_behavior")
OUTCOMES = {
    "career_progress": "individual",
    "relationship_quality": "relational",
    "retention_intention_mentor": "organisational",
    "retention_intention_mentee": "organisational",
}
MENTOR = "mentor_id"
#: who rated each outcome (motives and behaviours are the mentor's self-reports)
SOURCE = {
    "career_progress": "mentee",
    "relationship_quality": "mentee",
    "retention_intention_mentor": "mentor",
    "retention_intention_mentee": "mentee",
}
#: the behaviour through which each motive is hypothesised to act
HYPOTHESISED = {"self_focused": "self_focused_behavior", "other_focused": "other_focused_behavior"}
#: the model drawn in the path and sensitivity figures
FOCAL = ("other_focused", "relationship_quality")
SAME_SOURCE = "same source (mentor)"
CROSS_SOURCE = "mentor → mentee"

LABELS = {
    "self_enhancement": "Self-enhancement",
    "personal_gain": "Personal gain",
    "benefit_others": "Benefit others",
    "intrinsic_satisfaction": "Intrinsic satisfaction",
    "self_focused": "Self-focused motives",
    "other_focused": "Other-focused motives",
    "self_focused_behavior": "Self-focused behaviour",
    "other_focused_behavior": "Other-focused behaviour",
    "career_progress": "Mentee career progress",
    "relationship_quality": "Relationship quality",
    "retention_intention_mentor": "Mentor retention intention",
    "retention_intention_mentee": "Mentee retention intention",
    "career_support": "Career support",
    "psychosocial_support": "Psychosocial support",
    "role_modeling": "Role modelling",
}
SHORT = {
    "self_focused": "self-focused motives",
    "other_focused": "other-focused motives",
    "self_focused_behavior": "self-focused behaviour",
    "other_focused_behavior": "other-focused behaviour",
    "career_progress": "mentee career progress",
    "relationship_quality": "relationship quality",
    "retention_intention_mentor": "mentor retention intention",
    "retention_intention_mentee": "mentee retention intention",
    "self_enhancement": "self-enhancement",
    "personal_gain": "personal gain",
    "benefit_others": "benefit others",
    "intrinsic_satisfaction": "intrinsic satisfaction",
    "career_support": "career support",
    "psychosocial_support": "psychosocial support",
    "role_modeling": "role modelling",
    "mentoring_behaviors": "mentoring behaviours",
}

NOT_A_RULE = (
    "The screening flags are descriptive: they summarise what a mentor said about their motives "
    "so a program can start a conversation or plan support. They are not a hiring or selection "
    "rule, have no validated cut-off, and must not be used to exclude anyone."
)

QUESTION = (
    "Do mentors' self- and other-focused motives shape their self- and other-focused mentoring "
    "behaviours, and do these behaviours carry the motives to the mentee's career progress, the "
    "quality of the relationship and both partners' intention to continue?"
)


# ------------------------------------------------------------------------------ screening


def motive_screening(
    mentors: pd.DataFrame,
    *,
    id_column: str = MENTOR,
    margin: float = 0.5,
    low_cut: float = 4.0,
) -> pd.DataFrame:
    """Each mentor's motive profile, dominant orientation and descriptive flags.

    Parameters
    ----------
    mentors : DataFrame
        One row per mentor with the four motive subscale scores and the two composites
        (``self_focused``, ``other_focused``), e.g. from ``ld.score(df, "mentor_motives")``.
    id_column : str
        Mentor id column (kept as the first column when present).
    margin : float
        Scale points by which one composite must exceed the other for a dominant orientation
        (default 0.5); otherwise ``balanced``.
    low_cut : float
        Other-focused motives below this value are flagged as low (default 4, the scale's
        neutral midpoint: on average the mentor did not agree with the other-focused items).

    Returns
    -------
    DataFrame
        ``mentor_id``, the four subscales, ``self_focused, other_focused, difference``
        (other − self), ``orientation`` (other-focused / balanced / self-focused / NA),
        ``other_percentile`` (share of the program's mentors at or below this mentor's
        other-focused score), ``flag_self_above_other`` (self-focused higher by more than
        ``margin``, i.e. orientation self-focused), ``flag_low_other``, ``flags`` (text).

    Notes
    -----
    The flags are descriptive summaries of self-reports, not a hiring rule: self-reported
    motives are open to socially desirable answering, and no cut-off has been validated
    against later mentoring behaviour.

    Examples
    --------
    The 150 mentors of the bundled ``motives`` data (one row per mentor):

    >>> import learning_direction as ld
    >>> from learning_direction.studies.motives import motive_screening
    >>> pairs = ld.load_dataset("motives")
    >>> mentors = pairs.drop_duplicates("mentor_id")
    >>> scores = mentors[["mentor_id"]].join(ld.score(mentors, "mentor_motives").scores)
    >>> screen = motive_screening(scores)
    >>> screen["orientation"].value_counts().to_dict()
    {'balanced': 67, 'self-focused': 54, 'other-focused': 29}
    >>> # R has no package function; dplyr::case_when() on other_focused - self_focused with
    >>> # the same margin gives the same orientations
    """
    cols = [*MOTIVE_SUBSCALES, *MOTIVES]
    out = mentors[[id_column, *cols]].copy() if id_column in mentors else mentors[cols].copy()
    out = out.reset_index(drop=True)
    diff = out["other_focused"] - out["self_focused"]
    out["difference"] = diff
    orient = np.where(
        diff > margin, "other-focused", np.where(diff < -margin, "self-focused", "balanced")
    )
    out["orientation"] = pd.Series(orient, dtype=object).where(diff.notna().to_numpy(), None)
    other = out["other_focused"]
    valid = other.dropna().to_numpy()
    out["other_percentile"] = other.map(
        lambda v: float((valid <= v).mean()) if v == v and len(valid) else np.nan
    )
    out["flag_self_above_other"] = (diff < -margin).where(diff.notna())
    out["flag_low_other"] = (other < low_cut).where(other.notna())
    texts = []
    for r in out.itertuples():
        f = []
        if r.flag_self_above_other is True:
            f.append(f"self-focused motives above other-focused (by > {margin:g})")
        if r.flag_low_other is True:
            f.append(f"low other-focused motives (< {low_cut:g})")
        if r.self_focused != r.self_focused or r.other_focused != r.other_focused:
            f.append("incomplete motive answers")
        texts.append("; ".join(f))
    out["flags"] = texts
    return out


# ------------------------------------------------------------------------------ pipeline


def _indirect_rows(res: MediationResult, motive: str, outcome: str) -> list[dict[str, Any]]:
    rows = []
    for r in res.table.itertuples():
        if r.term.startswith("indirect:"):
            kind, med = "indirect", r.term.split(":", 1)[1]
        elif r.term == "indirect_total":
            kind, med = "total", "both"
        elif r.term.startswith("contrast:"):
            kind, med = "contrast", "self - other behaviour"
        else:
            continue
        rows.append(
            {
                "motive": motive,
                "outcome": outcome,
                "level": OUTCOMES[outcome],
                "effect": kind,
                "mediator": med,
                "term": r.term,
                "estimate": r.estimate,
                "se": r.se,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "p_value": r.p_value,
            }
        )
    return rows


DISPLAY = {
    "self_focused": "Self-focused\nmotives",
    "other_focused": "Other-focused\nmotives",
    "self_focused_behavior": "Self-focused\nbehaviour",
    "other_focused_behavior": "Other-focused\nbehaviour",
    "relationship_quality": "Relationship\nquality",
}


def _ind_phrase(r: Any) -> str:
    return f"{fmt_num(r['estimate'])}, 95% CI [{fmt_num(r['ci_low'])}, {fmt_num(r['ci_high'])}]"


def _excl(r: Any) -> bool:
    return bool(r["ci_low"] > 0 or r["ci_high"] < 0)


# ------------------------------------------------------------------------------ stages

MENTOR_SCALES = ("mentor_motives", "mentoring_behaviors")
PAIR_SCALES = (
    "mentoring_functions",
    "career_progress",
    "retention_intention_mentor",
    "retention_intention_mentee",
)
SPEC = DataSpec(dataset="motives", scales=SCALES, columns=(MENTOR,), reset_index=True)
Models = dict[tuple[str, str], "MediationResult"]


@dataclass(frozen=True)
class MotivesData:
    """The prepared motives data, at both levels.

    Attributes
    ----------
    pairs : Prepared
        One row per mentor–mentee pair, every scale scored; the careless screen ran on one
        row per mentor (motive and behaviour items).
    mentor_rows : DataFrame
        One row per mentor (the first of their pairs).
    reliability_mentors, reliability_pairs : ReliabilitySet
        Motives and behaviours on one row per mentor; the pair-level scales on the pairs.
    notes : tuple of str
        Package warnings raised while preparing.
    """

    pairs: Prepared
    mentor_rows: pd.DataFrame
    reliability_mentors: ReliabilitySet
    reliability_pairs: ReliabilitySet
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MotivesResults:
    """The statistics of the motives study (:func:`analyse`): result objects and tidy tables.

    Attributes
    ----------
    table1 : CorrelationTable
    models : dict
        :class:`~learning_direction.MediationResult` by ``(motive, outcome)``.
    a_paths, b_paths, indirect : DataFrame
        Motives → behaviours; behaviours → outcomes; indirect effects, totals, contrasts.
    screening : DataFrame
        Each mentor's profile and flags (:func:`motive_screening`).
    screening_summary, distribution : DataFrame
        Orientation and flag counts; the program's distribution of motive scores.
    varying : Series
        Mentors whose motive scores differ between their rows.
    n_screened : int
        Mentors with both motive composites.
    margin, low_cut : float
        Screening settings.
    n_boot : int
        Bootstrap resamples per model.
    mentors : DataFrame
        One row per mentor: motives, behaviours and the mean of each pair-level outcome over
        the mentor's mentees (Table 1 and the sensitivity models use it).
    robustness : DataFrame
        Sensitivity and E-value of each hypothesised indirect effect (mentor-level
        single-mediator models; columns of ``ROBUSTNESS_COLUMNS`` plus ``motive, outcome``).
    focal : Robustness
        The full sensitivity result of the focal model (for the ACME(ρ) table and figure).
    notes : tuple of str
        Package warnings raised while analysing.
    """

    table1: CorrelationTable
    models: Models
    a_paths: pd.DataFrame
    b_paths: pd.DataFrame
    indirect: pd.DataFrame
    screening: pd.DataFrame
    screening_summary: pd.DataFrame
    distribution: pd.DataFrame
    varying: pd.Series
    n_screened: int
    margin: float
    low_cut: float
    n_boot: int
    mentors: pd.DataFrame
    robustness: pd.DataFrame
    focal: Robustness
    notes: tuple[str, ...] = ()

    @property
    def first(self) -> MediationResult:
        """The first model (its mentor count and seed hold for all)."""
        return self.models[(MOTIVES[0], next(iter(OUTCOMES)))]


def _check_mentor_ids(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if df[MENTOR].isna().any():
        rows = list(df.index[df[MENTOR].isna()][:5])
        raise DataValidationError(
            f"{name}: column '{MENTOR}' is empty in rows {rows}; every pair needs its mentor's id"
        )
    return df


def prepare(data: pd.DataFrame | None = None, *, name: str = "motives") -> MotivesData:
    """Check (or load) the pairs; screen the mentors; score; reliability at each level."""
    loaded = _pipeline.load(data, SPEC, study=name, check=lambda df: _check_mentor_ids(df, name))
    df = loaded.frame
    mentor_rows = df.drop_duplicates(MENTOR).reset_index(drop=True)
    pairs = _pipeline.prepare_rows(
        df,
        SCALES,
        study=name,
        id_column=MENTOR,
        careless_rows=mentor_rows,
        careless_scales=MENTOR_SCALES,
        reliability=False,
        bundled=loaded.bundled,
    )
    notes: list[str] = []
    with collect_warnings(notes):
        rel = reliability_set(mentor_rows, MENTOR_SCALES)
        rel_pair = reliability_set(df, PAIR_SCALES)
    return MotivesData(
        pairs=pairs,
        mentor_rows=mentor_rows,
        reliability_mentors=rel,
        reliability_pairs=rel_pair,
        notes=(*pairs.notes, *notes),
    )


def analyse(
    prepared: MotivesData,
    *,
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    margin: float = 0.5,
    low_cut: float = 4.0,
) -> MotivesResults:
    """Table 1, the eight parallel mediation models and the screening summary."""
    from ..models.mediation import mediate

    d = prepared.pairs.data
    alphas = {**prepared.reliability_mentors.alphas, **prepared.reliability_pairs.alphas}
    notes: list[str] = []
    models: Models = {}
    with collect_warnings(notes):
        mentors = _mentor_level(d)
        t1 = table1(mentors, [*MOTIVES, *BEHAVIORS, *OUTCOMES], labels=LABELS, alphas=alphas)
        for motive in MOTIVES:
            other = [m for m in MOTIVES if m != motive]
            for outcome in OUTCOMES:
                models[(motive, outcome)] = mediate(
                    d, x=motive, m=list(BEHAVIORS), y=outcome, covariates=other,
                    cluster=MENTOR, n_boot=n_boot, seed=seed, progress=progress,
                )  # fmt: skip
        mentor_scores = d.groupby(MENTOR, sort=False)[[*MOTIVE_SUBSCALES, *MOTIVES]].mean()
        varying = d.groupby(MENTOR, sort=False)[list(MOTIVES)].nunique().max(axis=1) > 1
        screen = motive_screening(
            mentor_scores.reset_index(), id_column=MENTOR, margin=margin, low_cut=low_cut
        )
        robust, focal = _robustness(mentors, n_boot=n_boot, seed=seed)
    ind_rows = []
    for (motive, outcome), res in models.items():
        ind_rows += _indirect_rows(res, motive, outcome)
    n_valid = min(r.n_boot - r.n_singular for r in models.values())
    return MotivesResults(
        table1=t1,
        models=models,
        a_paths=_a_paths(models),
        b_paths=_b_paths(models),
        indirect=_holm(pd.DataFrame(ind_rows), n_valid),
        screening=screen,
        screening_summary=_screening_summary(screen, margin, low_cut),
        distribution=_distribution(screen),
        varying=varying,
        n_screened=int(screen["orientation"].notna().sum()),
        margin=margin,
        low_cut=low_cut,
        n_boot=n_boot,
        mentors=mentors,
        robustness=robust,
        focal=focal,
        notes=tuple(notes),
    )


def _mentor_level(d: pd.DataFrame) -> pd.DataFrame:
    """One row per mentor: the mentor-level scores and each outcome's mean over their pairs."""
    cols = [*MOTIVE_SUBSCALES, *MOTIVES, *BEHAVIORS, *OUTCOMES]
    return d.groupby(MENTOR, sort=False)[cols].mean().reset_index()


def _holm(ind: pd.DataFrame, n_valid: int) -> pd.DataFrame:
    """Mark the eight hypothesised indirect effects and Holm-adjust their bootstrap p-values.

    The family: each motive through its matching behaviour, on each of the four outcomes.
    A bootstrap p of 0 (no resample beyond zero) enters as its bound 2/B, so ``p_holm`` is
    then an upper bound.
    """
    from ..models.multiplicity import adjust_p

    hyp = (ind["effect"] == "indirect") & (ind["mediator"] == ind["motive"].map(HYPOTHESISED))
    ind = ind.assign(hypothesised=hyp, p_holm=np.nan)
    p = ind.loc[hyp, "p_value"].clip(lower=2.0 / n_valid)
    ind.loc[hyp, "p_holm"] = np.asarray(adjust_p(p.to_numpy(), "holm"), dtype=float)
    ind["source"] = [
        SAME_SOURCE if SOURCE[o] == "mentor" else f"a: {SAME_SOURCE}; b: {CROSS_SOURCE}"
        for o in ind["outcome"]
    ]
    ind.attrs["n_boot"] = n_valid
    return ind


def _robustness(
    mentors: pd.DataFrame, *, n_boot: int, seed: int | None
) -> tuple[pd.DataFrame, Robustness]:
    """Sensitivity and E-values of the hypothesised indirect effects at the mentor level.

    For each motive and outcome a single-mediator model on one row per mentor: the motive,
    its matching behaviour, the mentor's mean of the outcome, the other motive as covariate
    (in a 2-1-1 design the indirect effect lives between mentors, so the mentor-level model
    estimates it; the other behaviour is left out, as the method allows one mediator).
    """
    from ..models.mediation import mediate

    parts, focal = [], None
    for motive, beh in HYPOTHESISED.items():
        other = [m for m in MOTIVES if m != motive]
        for outcome in OUTCOMES:
            med = mediate(
                mentors, x=motive, m=beh, y=outcome, covariates=other, n_boot=n_boot,
                seed=seed,
            )  # fmt: skip
            label = f"{SHORT[motive]} → {SHORT[beh]} → {SHORT[outcome]}"
            rb = indirect_robustness(med, labels={f"indirect:{beh}": label})
            parts.append(rb.table.assign(motive=motive, outcome=outcome))
            if (motive, outcome) == FOCAL:
                focal = rb
    if focal is None:  # pragma: no cover - FOCAL is one of the models above
        raise RuntimeError("the focal model was not fitted")
    table = pd.concat(parts, ignore_index=True)
    return table[["motive", "outcome", *ROBUSTNESS_COLUMNS]], focal


def _a_paths(models: Models) -> pd.DataFrame:
    """Motives → behaviours (the a paths are the same in every outcome's model)."""
    a_rows = []
    for motive in MOTIVES:
        res = models[(motive, next(iter(OUTCOMES)))]
        for r in res.table.itertuples():
            if r.term.startswith("a:"):
                a_rows.append(
                    {
                        "motive": motive,
                        "behavior": r.term[2:],
                        "estimate": r.estimate,
                        "se": r.se,
                        "ci_low": r.ci_low,
                        "ci_high": r.ci_high,
                        "p_value": r.p_value,
                        "source": SAME_SOURCE,
                    }
                )
    return pd.DataFrame(a_rows)


def _b_paths(models: Models) -> pd.DataFrame:
    """Behaviours → outcomes (controlling for both motives: the same in both motives' models)."""
    b_rows = []
    for outcome in OUTCOMES:
        res = models[(MOTIVES[0], outcome)]
        for r in res.table.itertuples():
            if r.term.startswith("b:"):
                b_rows.append(
                    {
                        "outcome": outcome,
                        "level": OUTCOMES[outcome],
                        "behavior": r.term[2:],
                        "estimate": r.estimate,
                        "se": r.se,
                        "ci_low": r.ci_low,
                        "ci_high": r.ci_high,
                        "p_value": r.p_value,
                        "source": SAME_SOURCE if SOURCE[outcome] == "mentor" else CROSS_SOURCE,
                    }
                )
    return pd.DataFrame(b_rows)


def _screening_summary(screen: pd.DataFrame, margin: float, low_cut: float) -> pd.DataFrame:
    """Counts of each orientation and of each flag, with their share of screened mentors."""
    summ = (
        screen["orientation"]
        .value_counts()
        .reindex(["other-focused", "balanced", "self-focused"], fill_value=0)
        .rename_axis("category")
        .reset_index(name="n")
    )
    summ.insert(0, "kind", "orientation")
    flag_rows = pd.DataFrame(
        {
            "kind": ["flag", "flag"],
            "category": [
                f"self-focused motives above other-focused (by > {margin:g})",
                f"low other-focused motives (< {low_cut:g})",
            ],
            "n": [
                int(screen["flag_self_above_other"].eq(True).sum()),
                int(screen["flag_low_other"].eq(True).sum()),
            ],
        }
    )
    summ = pd.concat([summ, flag_rows], ignore_index=True)
    n_scored = int(screen["orientation"].notna().sum())
    summ["share"] = summ["n"] / max(n_scored, 1)
    return summ


def _distribution(screen: pd.DataFrame) -> pd.DataFrame:
    """The program's distribution of motive scores (one row per score)."""
    dist = screen[[*MOTIVE_SUBSCALES, *MOTIVES]].describe(percentiles=[0.16, 0.5, 0.84]).T
    dist = dist.reset_index().rename(
        columns={"index": "score", "count": "n", "16%": "p16", "50%": "median", "84%": "p84"}
    )
    return dist[["score", "n", "mean", "std", "min", "p16", "median", "p84", "max"]].rename(
        columns={"std": "sd"}
    )


def render(prepared: MotivesData, results: MotivesResults, *, name: str = "motives") -> StudyResult:
    """Tables, figures, APA sentences and notes of the motives study."""
    pairs = prepared.pairs
    df = pairs.rows
    b = StudyBuilder(
        name,
        study_title(name, "motives"),
        QUESTION,
        f"{len(df)} mentor–mentee pairs ({int(df[MENTOR].nunique())} mentors) from "
        + (
            "the bundled simulated program (ld.load_dataset('motives'); effect sizes are stated "
            "assumptions of ld.simulate.MotivesParams)"
            if pairs.bundled
            else "the data supplied (data=)"
        )
        + ". Mentor-rated: motives (16 items, four subscales, composites self- and "
        "other-focused) and mentoring behaviours (8 items); mentor-rated intention to continue "
        "with this mentee (3 items); mentee-rated: mentoring functions (11 items; their mean is "
        "relationship quality), career progress (4 items) and intention to continue (3 items). "
        "All on 1-7 except the mentoring functions (1-5).",
    )
    b.results.update(
        {
            "scores": pairs.scored.result,
            "reliability": prepared.reliability_mentors,
            "reliability_pairs": prepared.reliability_pairs,
            "table1": results.table1,
            "models": results.models,
            "careless": pairs.careless,
            "screening": results.screening,
        }
    )
    _add_tables(b, prepared, results)
    _add_figures(b, results)
    _add_text(b, prepared, results)
    _add_notes(b, prepared, results)
    return b.build(n=len(df), seed=results.first.seed)


def _reliability_table(prepared: MotivesData) -> pd.DataFrame:
    return pd.concat(
        [prepared.reliability_mentors.table, prepared.reliability_pairs.table], ignore_index=True
    )


def _add_tables(b: StudyBuilder, prepared: MotivesData, results: MotivesResults) -> None:
    b.table(
        "reliability",
        _reliability_table(prepared),
        "Reliability: motives and behaviours on one row per mentor; outcomes on one row per pair "
        "(psych::alpha conventions)",
    )
    n_m = len(results.mentors)
    b.table(
        "table1",
        results.table1.table,
        f"Table 1. Means, SDs and correlations at the mentor level (N = {n_m} mentors; the "
        "pair-level outcomes averaged over each mentor's mentees; alphas on the diagonal; "
        "* p < .05, ** p < .01, *** p < .001 with the mentor-level N)",
    )
    b.table(
        "a_paths",
        results.a_paths,
        f"Motives → behaviours (a paths; one row per mentor, N = {results.first.n_clusters} "
        "mentors; the other motive held constant). Both are the mentor's self-reports (same "
        "source)",
    )
    b.table(
        "b_paths",
        results.b_paths,
        "Behaviours → outcomes (b paths, controlling for both motives; CR1 SEs clustered by "
        "mentor); source: same source when the outcome is mentor-rated",
    )
    b.table(
        "indirect_effects",
        results.indirect,
        f"Indirect effects of each motive through self- and other-focused behaviour, their total "
        f"and contrast (self − other behaviour), per outcome (percentile bootstrap, "
        f"{results.n_boot:,} resamples of mentors). p_holm: Holm-adjusted across the eight "
        "hypothesised indirect effects (each motive through its matching behaviour; an upper "
        "bound where no resample crossed zero)",
    )
    _add_confounding_tables(b, results)
    _add_screening_tables(b, results)


def _add_confounding_tables(b: StudyBuilder, results: MotivesResults) -> None:
    n_m = len(results.mentors)
    rb = results.robustness
    b.table(
        "confounding",
        rb,
        "Robustness of each hypothesised indirect effect to unmeasured confounding of behaviour "
        f"and outcome (mentor-level single-mediator models, N = {n_m} mentors): the error "
        "correlation ρ at which it vanishes (R²*, R̃² products), the ρ from which its 95% CI "
        "includes zero (NA: already at ρ = 0), and its E-value with the completely "
        "standardized indirect effect as a standardized mean difference d (RR ≈ exp(0.91 d))",
    )
    b.table(
        "confounding_curve",
        acme_curve_table(results.focal),
        "Indirect effect of other-focused motives through other-focused behaviour on "
        "relationship quality (mentor level) if the errors of the behaviour and outcome "
        "equations correlated at ρ, with normal-theory 95% CIs (mediation::medsens)",
    )


def _add_screening_tables(b: StudyBuilder, results: MotivesResults) -> None:
    margin = results.margin
    b.table(
        "screening_summary",
        results.screening_summary,
        f"Screening summary of {results.n_screened} mentors: dominant orientation (a composite "
        f"higher by more than {margin:g} points) and descriptive flags. Not a hiring rule.",
    )
    b.table(
        "motive_distribution",
        results.distribution,
        "The program's distribution of motive scores (one row per mentor)",
    )
    b.table(
        "screening",
        results.screening,
        "Each mentor's motive profile, orientation and descriptive flags (sorted as in the data). "
        "The flags are descriptive, not a hiring rule.",
    )


def _add_figures(b: StudyBuilder, results: MotivesResults) -> None:
    from ..figures.motives import plot_indirect_grid, plot_motive_profiles, plot_motive_screening

    ind = results.indirect
    fig = plot_indirect_grid(
        ind[ind["effect"] == "indirect"],
        motive_labels={m: LABELS[m] for m in MOTIVES},
        outcome_labels={o: LABELS[o] for o in OUTCOMES},
        mediator_labels={m: LABELS[m] for m in BEHAVIORS},
        suptitle="Indirect effects of mentor motives through mentoring behaviours",
    )
    b.figure(
        "indirect_plot",
        fig,
        "Indirect effect of each motive through self-focused (orange) and other-focused (green) "
        "behaviour on each outcome, with percentile-bootstrap 95% CIs (mentors resampled).",
    )
    path_model = results.models[("other_focused", "relationship_quality")]
    ax = display_copy(path_model, DISPLAY).plot("path")
    ax.set_title(
        "Other-focused motives → behaviours → relationship quality\n(self-focused motives as covariate)",
        fontsize=10,
    )
    b.figure(
        "path",
        ax,
        "Path diagram of one of the eight models (other-focused motives → relationship quality): "
        "a paths (mentor level), b paths and the direct effect c' (total effect c in "
        "parentheses); * p < .05, ** p < .01, *** p < .001.",
    )
    ax = results.focal.sensitivity.plot()
    ax.set_ylabel("Indirect effect via other-focused behaviour")
    ax.set_title("Sensitivity: other-focused motives → relationship quality", fontsize=10)
    b.figure(
        "confounding_plot",
        ax,
        "Indirect effect of other-focused motives on relationship quality through other-focused "
        "behaviour (mentor level) if the errors of the behaviour and relationship-quality "
        "equations correlated at ρ (an unobserved confounder), with its 95% CI band.",
    )
    ax = plot_motive_screening(results.screening, low_cut=results.low_cut)
    b.figure(
        "screening_plot",
        ax,
        "Each mentor's self- vs other-focused motives; dashed: equal motives; dotted: the "
        "low other-focused cut-off. Descriptive only, not a selection rule.",
    )
    ax = plot_motive_profiles(results.screening, labels={s: LABELS[s] for s in MOTIVE_SUBSCALES})
    b.figure(
        "profiles",
        ax,
        "Distribution of the four motive subscales over the program's mentors (box: quartiles; "
        "dots: mentors; self-focused subscales in orange, other-focused in green).",
    )


def _add_text(b: StudyBuilder, prepared: MotivesData, results: MotivesResults) -> None:
    b.text["reliability"] = apa_reliability_sentence(_reliability_table(prepared), SHORT)
    b.text["behaviours"] = _behaviours_text(results)
    b.text["main"] = _indirect_text(results, len(prepared.pairs.rows))
    b.text["multiplicity"] = _holm_text(results)
    b.text["sources"] = _sources_text(results)
    b.text["confounding"] = _confounding_text(results)
    bp = results.b_paths.set_index(["outcome", "behavior"])
    outs = []
    for outcome in OUTCOMES:
        r = bp.loc[(outcome, "other_focused_behavior")]
        q = bp.loc[(outcome, "self_focused_behavior")]
        outs.append(
            f"{SHORT[outcome]} ({OUTCOMES[outcome]}: other-focused b = {fmt_num(r['estimate'])}, "
            f"{fmt_p(r['p_value'])}; self-focused b = {fmt_num(q['estimate'])}, "
            f"{fmt_p(q['p_value'])})"
        )
    b.text["outcomes"] = (
        "Controlling for both motives, the behaviours predicted " + "; ".join(outs) + "."
    )
    cnt = results.screening_summary.set_index("category")["n"]
    b.text["screening"] = (
        f"Of {results.n_screened} mentors with both motive composites, {cnt['other-focused']} "
        f"were mainly other-focused, {cnt['balanced']} balanced and {cnt['self-focused']} mainly "
        f"self-focused (a composite higher by more than {results.margin:g} points); "
        f"{cnt.iloc[4]} reported low other-focused motives "
        f"(< {results.low_cut:g}). " + NOT_A_RULE
    )


def _behaviours_text(results: MotivesResults) -> str:
    ap = results.a_paths.set_index(["motive", "behavior"])

    def a_phrase(mot: str, beh: str) -> str:
        r = ap.loc[(mot, beh)]
        return (
            f"a = {fmt_num(r['estimate'])}, 95% CI [{fmt_num(r['ci_low'])}, "
            f"{fmt_num(r['ci_high'])}], {fmt_p(r['p_value'])}"
        )

    def verb(mot: str, beh: str) -> str:
        r = ap.loc[(mot, beh)]
        if r["p_value"] >= 0.05:
            return "did not significantly predict"
        return "predicted more" if r["estimate"] > 0 else "predicted less"

    return (
        f"Holding the other motive constant (N = {results.first.n_clusters} mentors), "
        f"self-focused motives {verb('self_focused', 'self_focused_behavior')} self-focused "
        f"behaviour ({a_phrase('self_focused', 'self_focused_behavior')}) and other-focused "
        f"motives {verb('other_focused', 'other_focused_behavior')} other-focused behaviour "
        f"({a_phrase('other_focused', 'other_focused_behavior')}), while self-focused "
        f"motives {verb('self_focused', 'other_focused_behavior')} other-focused "
        f"behaviour ({a_phrase('self_focused', 'other_focused_behavior')})."
    )


def _indirect_text(results: MotivesResults, n_pairs: int) -> str:
    ind = results.indirect
    si = ind[ind["effect"] == "indirect"].set_index(["motive", "mediator", "outcome"])
    parts_o, parts_s = [], []
    for outcome in OUTCOMES:
        ro = si.loc[("other_focused", "other_focused_behavior", outcome)]
        rs = si.loc[("self_focused", "self_focused_behavior", outcome)]
        parts_o.append(f"{SHORT[outcome]} {_ind_phrase(ro)}")
        parts_s.append(f"{SHORT[outcome]} {_ind_phrase(rs)}")
    n_o = sum(_excl(si.loc[("other_focused", "other_focused_behavior", o)]) for o in OUTCOMES)
    n_s = sum(_excl(si.loc[("self_focused", "self_focused_behavior", o)]) for o in OUTCOMES)
    return (
        f"Parallel mediation models (PROCESS model 4, {results.n_boot:,} bootstrap resamples of "
        f"{results.first.n_clusters} mentors, {n_pairs} pairs) tested each motive's indirect "
        "effects through the two behaviours. Through other-focused behaviour, other-focused "
        "motives had indirect effects on " + "; ".join(parts_o) + f" (the CI excluded zero for "
        f"{n_o} of {len(OUTCOMES)} outcomes). Through self-focused behaviour, self-focused motives "
        "had indirect effects on " + "; ".join(parts_s) + f" (the CI excluded zero for {n_s} of "
        f"{len(OUTCOMES)} outcomes)."
    )


def _holm_text(results: MotivesResults) -> str:
    """How many hypothesised indirect effects stay significant after Holm's adjustment."""
    ind = results.indirect[results.indirect["hypothesised"]]
    sig = ind[ind["p_holm"] < 0.05]
    lost = ind[(ind["p_holm"] >= 0.05) & ((ind["ci_low"] > 0) | (ind["ci_high"] < 0))]
    text = (
        f"Adjusted for the {len(ind)} hypothesised indirect effects (each motive through its "
        f"matching behaviour on each outcome; Holm's method, which keeps the familywise error "
        f"rate at .05), {len(sig)} of {len(ind)} remained significant (adjusted p < .05)"
    )
    if len(lost):
        names = "; ".join(
            f"{SHORT[r.motive]} on {SHORT[r.outcome]} (adjusted p = {fmt_r(r.p_holm, 3)})"
            for r in lost.itertuples()
        )
        text += f"; the CI excluded zero but the adjusted p did not stay below .05 for {names}"
    return text + "."


def _sources_text(results: MotivesResults) -> str:
    """Which paths link two reports of the same person (common-method variance)."""
    bp = results.b_paths
    same = bp[bp["source"] == SAME_SOURCE]["outcome"].unique()
    cross = [o for o in OUTCOMES if o not in set(same)]
    return (
        "Every a path links two of the mentor's own reports (motives and behaviours), as do the "
        f"b paths to {' and '.join(SHORT[o] for o in same)}: shared method variance (one "
        "person's response style, mood or wish to appear consistent) can inflate these "
        "associations. The b "
        f"paths to {', '.join(SHORT[o] for o in cross[:-1])} and {SHORT[cross[-1]]} cross "
        "sources (mentor-rated behaviour, mentee-rated outcome), so this bias does not apply "
        "to them."
        if len(same) and len(cross) > 1
        else "Every a path links two of the mentor's own reports (motives and behaviours); "
        "shared method variance can inflate these associations."
    )


def _confounding_text(results: MotivesResults) -> str:
    rb = results.robustness
    r = rb[(rb["motive"] == FOCAL[0]) & (rb["outcome"] == FOCAL[1])].iloc[0]
    lo, hi = rb["rho_at_zero"].min(), rb["rho_at_zero"].max()
    return (
        "The indirect effects assume that nothing unmeasured affects both the behaviours and the "
        "outcomes (the mentor's own reports share one such influence, their response style). "
        "For other-focused motives on relationship quality through other-focused behaviour "
        f"(mentor level, N = {len(results.mentors)}), t"
        + apa_robustness_sentence(
            r,
            m_label="other-focused behaviour",
            y_label="relationship quality",
            x_label="other-focused motives",
            smd_label="completely standardized indirect effect, per SD of other-focused motives,",
        )[1:]
        + f" Across the {len(rb)} hypothesised indirect effects, the error correlation at which "
        f"the effect would vanish ranged from ρ = {fmt_r(lo)} to {fmt_r(hi)}."
    )


def _add_notes(b: StudyBuilder, prepared: MotivesData, results: MotivesResults) -> None:
    varying = results.varying
    b.note(NOT_A_RULE)
    b.note(
        f"Table 1 is computed on one row per mentor (N = {len(results.mentors)}): motives and "
        "behaviours are mentor-level, so correlations over the pairs would count a mentor with "
        "three mentees three times and overstate the N of their tests; pair-level outcomes enter "
        "as the mean over the mentor's mentees."
    )
    b.note(
        "Multiplicity: the eight hypothesised indirect effects (two motives × four outcomes, "
        "each through the matching behaviour) form the confirmatory family and are "
        "Holm-adjusted (familywise error rate; valid under any dependence, and the eight share "
        "their a paths); the cross-over indirect effects, totals and contrasts are descriptive "
        "and not adjusted. One SEM of all eight would model their dependence but not adjust "
        "their tests; the false discovery rate (Benjamini-Hochberg) suits exploratory screening "
        "rather than confirmatory claims."
    )
    b.note(
        SENSITIVITY_METHOD + " The method takes one mediator and one row per unit, so each "
        "hypothesised indirect effect is re-estimated at the mentor level with its matching "
        "behaviour only (the other motive as covariate, the outcome averaged over the mentor's "
        "mentees); in a 2-1-1 design the indirect effect is a between-mentor effect, which this "
        "model estimates."
    )
    b.note(EVALUE_METHOD)
    b.note(prepared.pairs.careless_note.replace("respondents", "mentors", 1))
    if varying.any():
        b.note(
            f"{int(varying.sum())} mentor(s) have different motive scores on different rows; "
            "their profile is the mean over their rows (check the data: motives are a mentor-"
            "level measure)."
        )
    for (motive, outcome), res in results.models.items():
        if res.n_dropped:
            b.note(
                f"Model {motive} → {outcome}: {res.n_dropped} of {res.n + res.n_dropped} pairs "
                "left out for a missing score."
            )
        if res.design != "2-2-1":
            b.note(
                f"Model {motive} → {outcome}: motives or behaviours vary within a mentor, so the "
                "model was fitted on pairs (1-1-1 design with a cluster bootstrap)."
            )
    b.note(
        "Each model holds the other motive constant (covariate); 2-2-1 design: behaviour "
        "equations on one row per mentor, outcome equations on all pairs with CR1 "
        "cluster-robust SEs; whole mentors are resampled."
    )
    for n_ in prepared.pairs.scored.notes:
        b.note(f"Scoring: {n_}")
    for n_ in (*prepared.notes, *results.notes):
        b.note(n_)


# ------------------------------------------------------------------------------ pipeline


def run(
    name: str = "motives",
    data: pd.DataFrame | None = None,
    *,
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    margin: float = 0.5,
    low_cut: float = 4.0,
) -> StudyResult:
    """Run the mentor-motives pipeline on the bundled data (or ``data``).

    Parameters
    ----------
    name : str
        Study name (``"motives"``).
    data : DataFrame, optional
        One row per mentor–mentee pair with ``mentor_id`` and the items of :data:`SCALES`
        (the mentor's motive and behaviour items repeated on each of their rows). Default:
        ``ld.load_dataset("motives")``.
    seed : int or None
        Seed of every bootstrap (same seed -> identical numbers).
    n_boot : int
        Bootstrap resamples (of mentors) per model (default 5,000).
    progress : bool
        Progress bars.
    margin, low_cut : float
        Screening settings (see :func:`motive_screening`).

    Returns
    -------
    StudyResult
        Tables ``reliability, table1`` (mentor level), ``a_paths, b_paths, indirect_effects``
        (with ``source``, ``hypothesised`` and ``p_holm``), ``confounding``,
        ``confounding_curve``, ``screening_summary, motive_distribution, screening``; figures
        ``indirect_plot, path, confounding_plot, screening_plot, profiles``; text
        ``reliability, behaviours, main, multiplicity, sources, confounding, outcomes,
        screening``; results ``models`` (dict of
        :class:`~learning_direction.MediationResult` by ``(motive, outcome)``), ``scores``,
        ``reliability``, ``table1``, ``screening``.

    Raises
    ------
    DataValidationError
        ``data`` lacks ``mentor_id`` or an item (all named), or an item answer is invalid.

    Notes
    -----
    For motive :math:`X` (the other motive :math:`Z` as covariate), behaviours
    :math:`B_s, B_o` and outcome :math:`Y`: :math:`B_k = i_k + a_k X + g_k Z + e_k` (one row
    per mentor), :math:`Y = i_Y + c' X + b_s B_s + b_o B_o + h Z + e_Y` (one row per pair).
    Indirect effects :math:`a_s b_s` and :math:`a_o b_o`, their sum and their difference, with
    percentile-bootstrap CIs from resampling mentors (PROCESS model 4 with a cluster bootstrap;
    :func:`learning_direction.mediate` with ``cluster="mentor_id"``). Reporting one model per
    motive × outcome keeps each indirect effect interpretable; the eight hypothesised indirect
    effects (each motive through its matching behaviour) are Holm-adjusted as one family
    (``p_holm``; :func:`learning_direction.adjust_p`), the others are descriptive.

    Table 1 is computed on one row per mentor (the pair-level outcomes averaged), so its
    correlations are tested with the mentor-level N. Paths between two of the mentor's own
    reports are flagged as same-source (``source``). The sensitivity of each hypothesised
    indirect effect to behaviour–outcome confounding (:func:`learning_direction.mediation_sensitivity`)
    and its E-value are computed from a mentor-level single-mediator model.

    References
    ----------
    Liu et al. (2021), *Human Resource Development International* (self- vs other-focused
    motives and behaviours). Allen, T. D. (2003). Mentoring others: A dispositional and
    motivational approach. *Journal of Vocational Behavior, 62*, 134–154. Hayes, A. F. (2022).
    *Introduction to mediation, moderation, and conditional process analysis* (3rd ed.).

    Examples
    --------
    R: ``lavaan::sem('sb ~ a1*self + other; ob ~ a2*self + other; y ~ b1*sb + b2*ob + self +
    other; ind_s := a1*b1; ind_o := a2*b2', data = d, cluster = "mentor_id")``, or PROCESS
    model 4 with ``m = c("sb", "ob")`` and a cluster bootstrap.

    >>> import learning_direction as ld
    >>> res = ld.run_study("motives", n_boot=1000)
    >>> ind = res.tables["indirect_effects"]
    >>> other = ind[(ind.motive == "other_focused") & (ind.mediator == "other_focused_behavior")]
    >>> print(other[["outcome", "estimate", "ci_low", "ci_high"]].round(3).to_string(index=False))
                       outcome  estimate  ci_low  ci_high
               career_progress     0.111   0.040    0.197
          relationship_quality     0.068   0.031    0.110
    retention_intention_mentor     0.139   0.072    0.223
    retention_intention_mentee     0.099   0.036    0.179
    >>> print(res.tables["screening_summary"][["category", "n"]].to_string(index=False))
                                               category  n
                                          other-focused 29
                                               balanced 67
                                           self-focused 54
    self-focused motives above other-focused (by > 0.5) 54
                        low other-focused motives (< 4) 41
    """
    prepared = prepare(data, name=name)
    results = analyse(
        prepared, seed=seed, n_boot=n_boot, progress=progress, margin=margin, low_cut=low_cut
    )
    return render(prepared, results, name=name)


def key_numbers(result: StudyResult) -> dict[str, float]:
    """Indirect effects by ``motive|mediator|outcome`` (for tests and notebooks)."""
    ind = result.tables["indirect_effects"]
    ind = ind[ind["effect"] == "indirect"]
    return {f"{r.motive}|{r.mediator}|{r.outcome}": float(r.estimate) for r in ind.itertuples()}
