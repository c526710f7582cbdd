"""Study 4: does reflecting on a downward learning experience raise mentor engagement, and
through it the mentee's experience?

Replicates the analysis of Study 4 of Zhang, Wang & Galinsky (2023) on the bundled simulated
experiment (or a user's data with the same columns): mentors were randomly assigned to reflect
on a downward learning experience, an upward one, or a neutral control. The pipeline

1. scores the manipulation check, mentor engagement and mentee experience, and reports their
   reliability and "Table 1";
2. checks the manipulation: Welch's one-way ANOVA (pingouin ``welch_anova``) with η² and ω²,
   and Games–Howell pairwise comparisons with Hedges' g (pingouin ``pairwise_gameshowell``);
3. describes engagement and mentee experience by condition (means with 95% CIs, Welch tests);
4. tests the mechanism with a multicategorical X: indicator coding with control as reference,
   condition → engagement → mentee experience (PROCESS model 4), relative indirect effects of
   each condition vs control with percentile-bootstrap CIs, and omnibus tests of the relative
   direct and total effects;
5. draws the condition means over the raw data, the relative indirect effects, the path diagram
   and the bootstrap distribution, and writes the APA-style sentences.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._core.format import fmt_num, fmt_p, fmt_r
from ..exceptions import DataValidationError
from ..reporting.apa import apa_coefficient
from . import _pipeline
from ._base import StudyResult
from ._common import (
    RELIABILITY_CAPTION,
    ReliabilitySet,
    StudyBuilder,
    apa_reliability_sentence,
    careless_screen,
    collect_warnings,
    reliability_set,
    scale_item_ids,
    table1,
)
from ._mediation_common import (
    EVALUE_METHOD,
    SENSITIVITY_METHOD,
    Robustness,
    acme_curve_table,
    apa_robustness_sentence,
    indirect_robustness,
)
from ._pipeline import DataSpec, Prepared
from ._registry import study_title

if TYPE_CHECKING:
    from ..models.mediation import MediationResult
    from ..reporting.tables import CorrelationTable
    from ..scales.quality import CarelessResult

__all__ = [
    "CONDITION",
    "MANIPULATION_CHECK",
    "MEDIATOR",
    "OUTCOME",
    "SCALES",
    "Study4Prepared",
    "Study4Results",
    "analyse",
    "games_howell_table",
    "key_numbers",
    "prepare",
    "render",
    "run",
    "welch_table",
]

SCALES = ("manipulation_check", "mentor_engagement", "mentee_experience")
CONDITION = "condition"
MANIPULATION_CHECK = "manipulation_check"
MEDIATOR = "mentor_engagement"
OUTCOME = "mentee_experience"
ID_COLUMN = "mentor_id"
DEFAULT_ORDER = ("downward", "upward", "control")
SPEC = DataSpec(
    dataset="study4", scales=SCALES, columns=(CONDITION,), id_column=ID_COLUMN, reset_index=True
)

LABELS = {
    "manipulation_check": "Manipulation check (downward learning)",
    "mentor_engagement": "Mentor engagement",
    "mentee_experience": "Mentee experience",
}
SHORT = {
    "manipulation_check": "manipulation check",
    "mentor_engagement": "mentor engagement",
    "mentee_experience": "mentee experience",
}
CONDITION_LABELS = {"downward": "Downward", "upward": "Upward", "control": "Control"}

QUESTION = (
    "Does reflecting on a downward learning experience (learning from someone lower in the "
    "hierarchy) make mentors more engaged, and does the mentee then experience the mentoring "
    "as better, compared with reflecting on an upward learning experience or a neutral control?"
)

MEDIATION_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "p_value", "boot_se"]
WELCH_COLUMNS = [
    "outcome",
    "f",
    "df1",
    "df2",
    "p_value",
    "eta2",
    "eta2_ci_low",
    "eta2_ci_high",
    "omega2",
    "omega2_ci_low",
    "omega2_ci_high",
]
#: who answered which scale: each respondent is screened for careless responding on their own
RESPONDENTS = {
    "mentor": ("manipulation_check", "mentor_engagement"),
    "mentee": ("mentee_experience",),
}


# ------------------------------------------------------------------------------ statistics


def welch_table(data: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """Welch's one-way ANOVA of ``dv`` across ``between`` with η², ω² and their CIs (one row).

    :func:`learning_direction.welch_anova` (R ``oneway.test(var.equal = FALSE)``; η² and ω²
    from Welch's F with noncentral-F CIs, as ``effectsize``) with an ``outcome`` column.

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.studies.study4 import welch_table
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, "manipulation_check").scores).dropna(
    ...     subset=["manipulation_check"])
    >>> w = welch_table(d, "manipulation_check", "condition")  # R: oneway.test(mc ~ condition)
    >>> print(w[["outcome", "f", "df2", "eta2", "omega2"]].round(3).to_string(index=False))
               outcome      f     df2  eta2  omega2
    manipulation_check 12.096 195.736  0.11     0.1
    """
    from ..models.group_tests import welch_anova

    tab = welch_anova(data, dv, between).table.drop(columns="test")
    tab.insert(0, "outcome", dv)
    return tab[WELCH_COLUMNS]


def games_howell_table(
    data: pd.DataFrame, dv: str, between: str, order: Sequence[str]
) -> pd.DataFrame:
    """Games–Howell comparisons of every pair, oriented as ``order``, with Hedges' g and its CI.

    :func:`learning_direction.games_howell` (studentized-range p-values and simultaneous 95%
    CIs, R ``rstatix::games_howell_test``), each pair flipped so that ``group_a`` comes before
    ``group_b`` in ``order`` (``estimate = mean_a - mean_b``); ``g_ci_low, g_ci_high`` is the
    noncentral-t CI of the pair's Hedges' g from :func:`learning_direction.ttest` on the two
    groups (R ``effectsize::hedges_g``; not adjusted for the number of pairs).

    Returns
    -------
    DataFrame
        ``outcome, group_a, group_b, mean_a, mean_b, estimate, se, t, df, ci_low, ci_high,
        p_value, hedges_g, g_ci_low, g_ci_high``.
    """
    from ..models.group_tests import games_howell, ttest

    pos = {c: i for i, c in enumerate(order)}
    rows = []
    for r in games_howell(data, dv, between).table.to_dict("records"):
        pair = data[data[between].isin([r["group1"], r["group2"]])]
        g = ttest(pair, dv, between).table.iloc[0]  # same orientation: group1 - group2
        s = -1.0 if pos.get(r["group1"], 0) > pos.get(r["group2"], 0) else 1.0
        a, b = (r["group1"], r["group2"]) if s > 0 else (r["group2"], r["group1"])
        lo, hi = sorted((s * r["ci_low"], s * r["ci_high"]))
        glo, ghi = sorted((s * g["g_ci_low"], s * g["g_ci_high"]))
        rows.append(
            {
                "outcome": dv, "group_a": a, "group_b": b,
                "mean_a": r["mean1"] if s > 0 else r["mean2"],
                "mean_b": r["mean2"] if s > 0 else r["mean1"],
                "estimate": s * r["estimate"], "se": r["se"], "t": s * r["t"], "df": r["df"],
                "ci_low": lo, "ci_high": hi, "p_value": r["p_value"],
                "hedges_g": s * r["hedges_g"], "g_ci_low": glo, "g_ci_high": ghi,
            }
        )  # fmt: skip
    out = pd.DataFrame(rows)
    key = out["group_a"].map(pos) * len(pos) + out["group_b"].map(pos)
    return out.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


# ------------------------------------------------------------------------------ helpers


def _condition_order(cond: pd.Series, reference: str, study: str) -> list[str]:
    levels = sorted(str(v) for v in cond.dropna().unique())
    if reference not in levels:
        raise DataValidationError(
            f"{study}: the reference condition '{reference}' is not a value of column "
            f"'{CONDITION}' (values: {', '.join(repr(v) for v in levels)}); pass "
            "reference=<one of these> or recode your control condition"
        )
    if len(levels) < 2:
        raise DataValidationError(
            f"{study}: column '{CONDITION}' has a single condition ({levels[0]!r}); an experiment "
            "needs at least two conditions"
        )
    counts = cond.dropna().astype(str).value_counts()
    small = [lv for lv in levels if counts.get(lv, 0) < 3]
    if small:
        raise DataValidationError(
            f"{study}: condition(s) {', '.join(repr(v) for v in small)} of column '{CONDITION}' "
            "have fewer than 3 participants; merge or drop them before the analysis"
        )
    known = [c for c in DEFAULT_ORDER if c in levels and c != reference]
    others = [c for c in levels if c not in known and c != reference]
    return [*known, *others, reference]


def _clabel(c: str) -> str:
    return CONDITION_LABELS.get(c, c)


def _pair_phrase(r: Any) -> str:
    a, b = _clabel(r["group_a"]).lower(), _clabel(r["group_b"]).lower()
    if r["p_value"] < 0.05:
        rel = "higher than" if r["estimate"] > 0 else "lower than"
    else:
        rel = "not significantly different from"
    return (
        f"{a} {rel} {b} (M = {fmt_num(r['mean_a'])} vs {fmt_num(r['mean_b'])}, difference = "
        f"{fmt_num(r['estimate'])}, 95% CI [{fmt_num(r['ci_low'])}, {fmt_num(r['ci_high'])}], "
        f"{fmt_p(r['p_value'])}, g = {fmt_num(r['hedges_g'])}, 95% CI "
        f"[{fmt_num(r['g_ci_low'])}, {fmt_num(r['g_ci_high'])}])"
    )


def _welch_phrase(w: Any) -> str:
    return (
        f"Welch's F({fmt_num(w['df1'], 0)}, {fmt_num(w['df2'])}) = {fmt_num(w['f'])}, "
        f"{fmt_p(w['p_value'])}, η² = {fmt_r(w['eta2'])}, 95% CI "
        f"[{fmt_r(w['eta2_ci_low'])}, {fmt_r(w['eta2_ci_high'])}], ω² = {fmt_r(w['omega2'])}, "
        f"95% CI [{fmt_r(w['omega2_ci_low'])}, {fmt_r(w['omega2_ci_high'])}]"
    )


def _ci_phrase(r: Any) -> str:
    return f"{fmt_num(r['estimate'])}, 95% CI [{fmt_num(r['ci_low'])}, {fmt_num(r['ci_high'])}]"


def _coef(r: Any, symbol: str) -> str:
    return apa_coefficient(
        r["estimate"], r["se"], r["ci_low"], r["ci_high"], r["p_value"], symbol=symbol
    )


def _excludes_zero(r: Any) -> bool:
    return bool(r["ci_low"] > 0 or r["ci_high"] < 0)


# ------------------------------------------------------------------------------ pipeline


# ------------------------------------------------------------------------------ stages


@dataclass(frozen=True)
class Study4Results:
    """The statistics of Study 4 (:func:`analyse`): result objects only.

    Attributes
    ----------
    order : list of str
        The conditions in display order, the reference last.
    reference : str
        The condition the others are compared with in the mediation model.
    table1 : CorrelationTable
        Means, SDs and correlations across conditions.
    condition_means, welch_anova, games_howell : DataFrame
        Per measure: means with 95% CIs by condition, Welch's ANOVA with η² and ω² and their
        CIs, Games–Howell comparisons with Hedges' g and its CI.
    used : dict[str, int]
        Rows with a condition and a score, per measure.
    n_missing_condition : int
        Rows without a condition.
    mediation : MediationResult
        Condition → engagement → mentee experience (indicator coding).
    robustness : Robustness
        Sensitivity of the relative indirect effects to engagement–experience confounding
        (ACME(ρ)) and their E-values.
    notes : tuple of str
        Package warnings raised while analysing.
    """

    order: list[str]
    reference: str
    table1: CorrelationTable
    condition_means: pd.DataFrame
    welch_anova: pd.DataFrame
    games_howell: pd.DataFrame
    used: dict[str, int]
    n_missing_condition: int
    mediation: MediationResult
    robustness: Robustness
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Study4Prepared(Prepared):
    """:class:`~learning_direction.studies._pipeline.Prepared` with one careless screen per
    respondent: ``careless`` screens the mentor's items (manipulation check, engagement),
    ``careless_mentee`` the mentee's (experience); ``excluded`` counts the respondents whose
    answers were left out (``exclude_careless=True``)."""

    careless_mentee: CarelessResult | None = None
    excluded: tuple[tuple[str, int], ...] = ()


def _check_conditions(df: pd.DataFrame, reference: str, name: str) -> pd.DataFrame:
    """Check the conditions (see :func:`_condition_order`) and store them as text."""
    _condition_order(df[CONDITION], reference, name)
    df[CONDITION] = df[CONDITION].astype("string").astype(object).where(df[CONDITION].notna())
    return df


_WHO = {
    "mentor": "Mentors (manipulation-check and engagement items)",
    "mentee": "Mentees (experience items; rows named by their mentor's id)",
}


def _screen_note(who: str, note: str, k: int, exclude: bool) -> str:
    """The screen's note for one respondent, saying whether the flagged answers were kept."""
    text = f"{_WHO[who]}: {note}"
    if k and exclude:
        text = text.replace(
            "The flag is descriptive: they were kept in every analysis.",
            "Their answers to these items were left out of every analysis "
            "(exclude_careless=True); their partner's answers were kept.",
        )
    return text


def prepare(
    data: pd.DataFrame | None = None,
    *,
    name: str = "study4",
    reference: str = "control",
    exclude_careless: bool = False,
) -> Study4Prepared:
    """Check (or load) the data and the conditions; screen the mentor's and the mentee's
    answers for careless responding apart; score; reliability.

    With ``exclude_careless`` a flagged mentor's scores (manipulation check, engagement) and a
    flagged mentee's score (experience) are set missing, and reliability is computed without
    their answers; the partner's answers on the same row are kept.
    """
    loaded = _pipeline.load(
        data, SPEC, study=name, check=lambda df: _check_conditions(df, reference, name)
    )
    rows = loaded.frame
    notes: list[str] = []
    with collect_warnings(notes):
        # each respondent answers a short block (9 and 5 items, each with a reverse-keyed
        # item): flag a straight line through the whole block, not half of it, which
        # consistent answerers of 5 items reach by chance
        screens = {
            who: careless_screen(
                rows, scales, id_column=ID_COLUMN, study=name,
                longstring_threshold=len(scale_item_ids(scales)),
            )
            for who, scales in RESPONDENTS.items()
        }  # fmt: skip
    base = _pipeline.prepare_rows(rows, SCALES, study=name, careless=False, bundled=loaded.bundled)
    flagged = {who: list(s[0].flagged) for who, s in screens.items()}
    data_s, rel = base.data, base.reliability
    if exclude_careless and any(flagged.values()):
        data_s, rel, more = _exclude_flagged(rows, base.data, flagged)
        notes += more
    return Study4Prepared(
        rows=rows, data=data_s, scored=base.scored, reliability=rel,
        careless=screens["mentor"][0],
        careless_note=" ".join(
            _screen_note(w, s[1], len(flagged[w]), exclude_careless) for w, s in screens.items()
        ),
        bundled=loaded.bundled, notes=(*notes, *base.notes),
        careless_mentee=screens["mentee"][0],
        excluded=tuple((w, len(f) if exclude_careless else 0) for w, f in flagged.items()),
    )  # fmt: skip


def _exclude_flagged(
    rows: pd.DataFrame, scored: pd.DataFrame, flagged: dict[str, list[Any]]
) -> tuple[pd.DataFrame, ReliabilitySet, list[str]]:
    """Scores and reliability without the flagged respondents' answers."""
    items = rows.copy()
    data_s = scored.copy()
    for who, idx in flagged.items():
        scales = RESPONDENTS[who]
        items.loc[idx, scale_item_ids(scales)] = np.nan
        data_s.loc[idx, list(scales)] = np.nan
    notes: list[str] = []
    with collect_warnings(notes):
        rel = reliability_set(items, SCALES)
    return data_s, rel, notes


def analyse(
    prepared: Prepared,
    *,
    name: str = "study4",
    reference: str = "control",
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
) -> Study4Results:
    """Table 1, the comparisons of the conditions, the multicategorical mediation and its
    sensitivity to confounding."""
    from ..models.mediation import mediate

    d = prepared.data
    order = _condition_order(prepared.rows[CONDITION], reference, name)
    notes: list[str] = []
    with collect_warnings(notes):
        t1 = table1(d, list(SCALES), labels=LABELS, alphas=prepared.rel.alphas)
        means, welch, gh, used = _comparisons(d, order)
        med = mediate(
            d, x=CONDITION, m=MEDIATOR, y=OUTCOME, x_reference=reference, n_boot=n_boot,
            seed=seed, progress=progress,
        )  # fmt: skip
        labels = {f"indirect:{MEDIATOR}[{c}]": f"{_clabel(c)} vs {reference}" for c in order[:-1]}
        robust = indirect_robustness(med, labels=labels)
    return Study4Results(
        order=order, reference=reference, table1=t1, condition_means=means,
        welch_anova=welch, games_howell=gh, used=used,
        n_missing_condition=int(prepared.rows[CONDITION].isna().sum()), mediation=med,
        robustness=robust, notes=tuple(notes),
    )  # fmt: skip


def _comparisons(
    d: pd.DataFrame, order: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Per measure: condition means, Welch's ANOVA, Games–Howell; rows used."""
    from ..figures.experiment import condition_means

    means, welch, gh = [], [], []
    used: dict[str, int] = {}
    for dv in SCALES:
        cc = d[[CONDITION, dv]].dropna()
        used[dv] = len(cc)
        m = condition_means(cc, dv, CONDITION, order)
        m.insert(0, "outcome", dv)
        means.append(m)
        welch.append(welch_table(cc, dv, CONDITION))
        gh.append(games_howell_table(cc, dv, CONDITION, order))
    return (
        pd.concat(means, ignore_index=True),
        pd.concat(welch, ignore_index=True),
        pd.concat(gh, ignore_index=True),
        used,
    )


def _design_text(prepared: Prepared, order: Sequence[str]) -> str:
    df = prepared.rows
    counts = df[CONDITION].value_counts()
    return (
        f"Experiment with {len(df)} mentors from "
        + (
            "the bundled simulated data (ld.load_dataset('study4'); effect sizes are stated "
            "assumptions of ld.simulate.Study4Params)"
            if prepared.bundled
            else "the data supplied (data=)"
        )
        + ", randomly assigned to "
        + ", ".join(f"{_clabel(c).lower()} (n = {int(counts.get(c, 0))})" for c in order)
        + " reflection conditions. Measures: manipulation check (3 items on 1-7, momentary "
        "downward learning) and mentor engagement (6 items on 1-7, one reverse-keyed), rated by "
        "the mentor, and the mentee's experience of the mentoring (5 items on 1-7, one "
        "reverse-keyed), rated by the mentee; the two respondents of a row are screened for "
        "careless responding apart."
    )


def _relative_indirect(results: Study4Results) -> pd.DataFrame:
    """The relative indirect effect of each condition vs the reference, with a contrast label."""
    med = results.mediation
    ind = med.table[med.table["term"].str.startswith(f"indirect:{MEDIATOR}[")].copy()
    ind.insert(0, "condition", ind["term"].str.extract(r"\[(.*)\]$")[0])
    ind.insert(
        1,
        "contrast",
        [f"{_clabel(c)} vs {_clabel(results.reference).lower()}" for c in ind["condition"]],
    )
    return ind[["condition", "contrast", "term", "estimate", "se", "ci_low", "ci_high", "p_value"]]


def render(prepared: Prepared, results: Study4Results, *, name: str = "study4") -> StudyResult:
    """Tables, figures, APA sentences and notes of Study 4, as a :class:`StudyResult`."""
    b = StudyBuilder(
        name, study_title(name, "study4"), QUESTION, _design_text(prepared, results.order)
    )
    b.results.update(
        {
            "careless": prepared.careless,
            "careless_mentee": getattr(prepared, "careless_mentee", None),
            "scores": prepared.scored.result,
            "reliability": prepared.rel.combined,
            "table1": results.table1,
            "mediation": results.mediation,
            "sensitivity": results.robustness.sensitivity,
            "evalues": results.robustness.evalues,
        }
    )
    ind = _relative_indirect(results)
    _add_tables(b, prepared, results, ind)
    _add_figures(b, prepared, results, ind)
    b.text["reliability"] = apa_reliability_sentence(prepared.rel.table, SHORT)
    b.text["manipulation"] = _manipulation_text(results)
    b.text["outcomes"] = _outcomes_text(results)
    b.text["main"] = _mediation_text(results)
    b.text["confounding"] = _confounding_text(results)
    _add_notes(b, prepared, results)
    return b.build(n=results.mediation.n, seed=results.mediation.seed)


def _add_tables(
    b: StudyBuilder, prepared: Prepared, results: Study4Results, ind: pd.DataFrame
) -> None:
    med, reference = results.mediation, results.reference
    b.table("reliability", prepared.rel.table, RELIABILITY_CAPTION)
    b.table(
        "table1",
        results.table1.table,
        "Table 1. Means, standard deviations and correlations across conditions (Cronbach's "
        "alpha on the diagonal; * p < .05, ** p < .01, *** p < .001; pairwise-complete data)",
    )
    b.table(
        "condition_means",
        results.condition_means,
        "Means by condition with 95% CIs (t-based, each condition's own SD)",
    )
    b.table(
        "welch_anova",
        results.welch_anova,
        "Welch's one-way ANOVA of each measure across the conditions (oneway.test), with η² and "
        "ω² from Welch's F and their 95% CIs (noncentral F, as effectsize)",
    )
    b.table(
        "games_howell",
        results.games_howell,
        "Games–Howell pairwise comparisons (estimate = mean_a - mean_b, simultaneous 95% CIs, "
        "studentized-range p), with Hedges' g and its 95% CI (noncentral t, per pair)",
    )
    b.table(
        "mediation",
        med.table[MEDIATION_COLUMNS],
        f"Condition → {SHORT[MEDIATOR]} → {SHORT[OUTCOME]} (PROCESS model 4, indicator coding "
        f"with {reference} as reference; paths with OLS SEs, effects with {med.n_boot:,} "
        "percentile-bootstrap resamples; N = " + f"{med.n})",
    )
    b.table(
        "relative_indirect",
        ind,
        f"Relative indirect effects through {SHORT[MEDIATOR]} (each condition vs {reference}; "
        "bootstrap SE, percentile 95% CI, bootstrap p)",
    )
    if med.omnibus is not None:
        b.table(
            "omnibus",
            med.omnibus,
            "Omnibus tests of the relative direct and relative total effects (F tests of all "
            "condition indicators)",
        )
    _add_confounding_tables(b, results)


def _add_confounding_tables(b: StudyBuilder, results: Study4Results) -> None:
    rb = results.robustness
    b.table(
        "confounding",
        rb.table,
        "Robustness of each relative indirect effect to unmeasured confounding of engagement and "
        "mentee experience (the condition was randomised, engagement was not): the error "
        "correlation ρ at which it vanishes, with the R²* and R̃² products, the ρ from which its "
        "95% CI includes zero (NA: already at ρ = 0; Imai, Keele & Yamamoto, 2010), and its "
        f"E-value with the {rb.smd_kind} as a standardized mean difference d (RR ≈ exp(0.91 d); "
        "VanderWeele & Ding, 2017)",
    )
    b.table(
        "confounding_curve",
        acme_curve_table(rb),
        "Relative indirect effects (ACME) if the errors of the engagement and mentee-experience "
        "equations correlated at ρ, with normal-theory 95% CIs (mediation::medsens, lm/lm)",
    )


def _add_figures(
    b: StudyBuilder, prepared: Prepared, results: Study4Results, ind: pd.DataFrame
) -> None:
    from ..figures.experiment import plot_condition_panels, plot_relative_effects

    med, order, reference = results.mediation, results.order, results.reference
    fig = plot_condition_panels(
        prepared.data,
        list(SCALES),
        CONDITION,
        order=order,
        labels={c: _clabel(c) for c in order},
        dv_labels={
            "manipulation_check": "Manipulation check",
            "mentor_engagement": "Mentor engagement",
            "mentee_experience": "Mentee experience",
        },
        ylim=(0.8, 7.2),
        seed=0,
        suptitle="Scores by condition (1–7)",
    )
    b.figure(
        "means_plot",
        fig,
        "Raw scores (jittered dots) with each condition's mean and 95% CI (black), for the "
        "manipulation check, mentor engagement and mentee experience.",
    )
    ax = plot_relative_effects(
        ind,
        label="contrast",
        xlabel=f"relative indirect effect on {SHORT[OUTCOME]} (95% percentile-bootstrap CI)",
        title=f"Relative indirect effects through {SHORT[MEDIATOR]}",
    )
    b.figure(
        "indirect_plot",
        ax,
        f"Relative indirect effect of each condition vs {reference} through mentor engagement "
        "(a_j × b) with its percentile-bootstrap 95% CI; green: the CI excludes zero.",
    )
    ax = med.plot("path")
    b.figure(
        "path",
        ax,
        "Path diagram: a paths for each condition indicator (vs control), b path, relative "
        "direct effects c' (relative total effects c in parentheses); * p < .05, ** p < .01, "
        "*** p < .001.",
    )
    first = order[0]
    _confounding_figure(b, results, first)
    ax = med.plot("bootstrap", term=f"indirect:{MEDIATOR}[{first}]")
    ax.set_xlabel(f"relative indirect effect, {_clabel(first).lower()} vs {reference}")
    b.figure(
        "bootstrap",
        ax,
        f"Bootstrap distribution of the relative indirect effect of the {first} condition vs "
        f"{reference}, with its estimate and percentile 95% CI.",
    )


def _manipulation_text(results: Study4Results) -> str:
    welch_t, gh_t = results.welch_anova, results.games_howell
    first, reference = results.order[0], results.reference
    wmc = welch_t.set_index("outcome").loc[MANIPULATION_CHECK]
    ghmc = gh_t[gh_t["outcome"] == MANIPULATION_CHECK]
    focal = ghmc[(ghmc["group_a"] == first) & (ghmc["group_b"] == reference)]
    worked = (
        wmc["p_value"] < 0.05
        and len(focal) == 1
        and focal.iloc[0]["p_value"] < 0.05
        and focal.iloc[0]["estimate"] > 0
    )
    pairs = [_pair_phrase(r) for r in ghmc.to_dict("records")]
    text = (
        ("The manipulation worked: " if worked else "The manipulation did not clearly work: ")
        + f"momentary downward learning differed across the conditions, {_welch_phrase(wmc)}"
        if wmc["p_value"] < 0.05
        else "The manipulation did not work: momentary downward learning did not differ "
        f"significantly across the conditions, {_welch_phrase(wmc)}"
    )
    return text + ". Games–Howell comparisons (manipulation check): " + "; ".join(pairs) + "."


def _outcomes_text(results: Study4Results) -> str:
    welch_t, means_t = results.welch_anova, results.condition_means
    outs = []
    for dv in (MEDIATOR, OUTCOME):
        w = welch_t.set_index("outcome").loc[dv]
        verb = "differed" if w["p_value"] < 0.05 else "did not differ significantly"
        ms = means_t[means_t["outcome"] == dv]
        mtxt = ", ".join(
            f"{_clabel(r.condition).lower()} M = {fmt_num(r.mean)}" for r in ms.itertuples()
        )
        outs.append(
            f"{SHORT[dv].capitalize()} {verb} across the conditions ({mtxt}), {_welch_phrase(w)}."
        )
    return " ".join(outs)


def _mediation_text(results: Study4Results) -> str:
    med, reference = results.mediation, results.reference
    tm = med.table.set_index("term")
    a_parts, ind_parts = [], []
    for c in results.order[:-1]:
        a = tm.loc[f"a:{MEDIATOR}[{c}]"]
        a_parts.append(
            f"the {c} reflection "
            + (
                ("raised" if a["estimate"] > 0 else "lowered")
                if a["p_value"] < 0.05
                else "did not significantly change"
            )
            + f" engagement ({_coef(a, 'a')})"
        )
        r = tm.loc[f"indirect:{MEDIATOR}[{c}]"]
        ind_parts.append(
            f"of the {c} reflection was {_ci_phrase(r)}, which "
            + ("excludes" if _excludes_zero(r) else "includes")
            + " zero"
        )
    bb = tm.loc[f"b:{MEDIATOR}"]
    text = (
        f"A mediation model with indicator-coded condition ({reference} as reference; PROCESS "
        f"model 4, {med.n_boot:,} percentile-bootstrap resamples, N = {med.n}) tested condition → "
        f"{SHORT[MEDIATOR]} → {SHORT[OUTCOME]}. Compared with {reference}, "
        + " and ".join(a_parts)
        + f"; engagement predicted mentee experience, {_coef(bb, 'b')}"
        + ". The relative indirect effect "
        + "; that ".join(ind_parts)
        + "."
    )
    if med.omnibus is not None:
        om = med.omnibus.set_index("effect").loc["relative direct effects"]
        text += (
            " The relative direct effects were "
            + ("jointly significant" if om["p_value"] < 0.05 else "not significant")
            + f", F({int(om['df1'])}, {int(om['df2'])}) = {fmt_num(om['statistic'])}, "
            f"{fmt_p(om['p_value'])}."
        )
    return text + " " + _total_effect_text(results)


def _total_effect_text(results: Study4Results) -> str:
    """The relative total effect of the focal condition on the mentee (null or not)."""
    med, reference, first = results.mediation, results.reference, results.order[0]
    tm = med.table.set_index("term")
    c, ind = tm.loc[f"c[{first}]"], tm.loc[f"indirect:{MEDIATOR}[{first}]"]
    verb = (
        f"experienced the mentoring as {'better' if c['estimate'] > 0 else 'worse'}"
        if c["p_value"] < 0.05
        else "did not experience the mentoring as significantly better or worse"
    )
    text = (
        f"Overall, mentees of mentors in the {first} condition {verb} than those in the "
        f"{reference} condition: relative total effect {_coef(c, 'c')}"
    )
    if med.omnibus is not None:
        om = med.omnibus.set_index("effect").loc["relative total effects"]
        text += (
            f"; across all conditions, F({int(om['df1'])}, {int(om['df2'])}) = "
            f"{fmt_num(om['statistic'])}, {fmt_p(om['p_value'])}"
        )
    if c["p_value"] >= 0.05 and _excludes_zero(ind):
        text += (
            ". The indirect effect through engagement was detected although the total effect "
            "was not: the total effect carries the variation of everything else that shapes "
            "the mentee's experience, so a small effect transmitted through engagement can "
            "pass unnoticed in it (Rucker, Preacher, Tormala & Petty, 2011)"
        )
    return text + "."


def _confounding_text(results: Study4Results) -> str:
    """What confounding of engagement and mentee experience would explain the focal relative
    indirect effect away."""
    first, reference = results.order[0], results.reference
    tab = results.robustness.table.set_index("term")
    r = tab.loc[f"indirect:{MEDIATOR}[{first}]"]
    return (
        "The condition was randomised, so it is unconfounded; engagement was not, so the "
        "indirect effect assumes that no unmeasured variable affects both engagement and the "
        f"mentee's experience. For the {first} vs {reference} contrast, t"
        + apa_robustness_sentence(
            r,
            m_label="mentor engagement",
            y_label="mentee experience",
            x_label="mentor engagement",
            smd_label=f"partially standardized relative indirect effect, {first} vs "
            f"{reference} in SD units of mentee experience,",
            covariates=False,
        )[1:]
    )


def _confounding_figure(b: StudyBuilder, results: Study4Results, first: str) -> None:
    rb = results.robustness
    term = f"indirect:{MEDIATOR}[{first}]"
    ax = rb.sensitivity.plot(term=term)
    ax.set_ylabel(f"Relative indirect effect, {first} vs {results.reference}")
    ax.set_title("Sensitivity to engagement–experience confounding", fontsize=10)
    legend = ax.get_legend()
    if legend is not None:
        legend.get_texts()[0].set_text(f"{first} vs {results.reference} (95% CI)")
    b.figure(
        "confounding_plot",
        ax,
        f"Relative indirect effect of the {first} reflection (vs {results.reference}) through "
        "mentor engagement if the errors of the engagement and mentee-experience equations "
        "correlated at ρ (an unobserved confounder), with its 95% CI band; it is zero at ρ = "
        f"{fmt_r(rb.sensitivity.rho_at_zero)}.",
    )


def _add_notes(b: StudyBuilder, prepared: Prepared, results: Study4Results) -> None:
    med, n_missing_cond, n_rows = results.mediation, results.n_missing_condition, len(prepared.rows)
    b.note(prepared.careless_note)
    if n_missing_cond:
        b.note(
            f"{n_missing_cond} of {n_rows} rows have no condition and are left out of every "
            "comparison and of the mediation model."
        )
    for dv, k in results.used.items():
        if k < n_rows - n_missing_cond:
            b.note(
                f"{SHORT[dv].capitalize()}: {n_rows - n_missing_cond - k} mentor(s) without a "
                f"score (fewer than half of the items answered) are left out of its comparisons; "
                f"{k} remain."
            )
    if med.n_dropped:
        b.note(
            f"Mediation: {med.n_dropped} of {med.n + med.n_dropped} rows left out for a missing "
            "condition, engagement or mentee-experience score."
        )
    else:
        b.note(f"Mediation: all {med.n} mentors had every variable; none was left out.")
    b.note(
        "No omnibus test of the relative indirect effects is computed (ld.mediate gives omnibus "
        "F tests of the relative direct and total effects only); each relative indirect effect "
        "is judged by its percentile-bootstrap CI."
    )
    b.note(SENSITIVITY_METHOD)
    b.note(
        EVALUE_METHOD + " Here the indirect effect is the relative indirect effect of a condition "
        "in SD units of the mentee's experience (ab / SD(Y)); because the condition was "
        "randomised, the E-value speaks to confounding of engagement and the mentee's experience."
    )
    for n_ in prepared.scored.notes:
        b.note(f"Scoring: {n_}")
    for n_ in med.notes:
        b.note(f"Mediation: {n_}")
    for n_ in (*prepared.notes, *results.notes):
        b.note(n_)


# ------------------------------------------------------------------------------ pipeline


def run(
    name: str = "study4",
    data: pd.DataFrame | None = None,
    *,
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    reference: str = "control",
    exclude_careless: bool = False,
) -> StudyResult:
    """Run Study 4: the downward-learning reflection experiment.

    Parameters
    ----------
    name : str
        Study name shown in the result (``"study4"``).
    data : DataFrame, optional
        One row per mentor with ``condition`` and the items of the manipulation check
        (``mc_down_1``–``mc_down_3``), mentor engagement (``eng_1``–``eng_6``) and mentee
        experience (``mx_1``–``mx_5``); ``mentor_id`` is optional (names flagged respondents).
        Default: ``ld.load_dataset("study4")``.
    seed : int or None
        Seed of the mediation bootstrap (same seed -> identical numbers).
    n_boot : int
        Bootstrap resamples of the mediation model (default 5,000).
    progress : bool
        Show a progress bar for the bootstrap.
    reference : str
        The condition every other condition is compared with in the mediation model
        (default ``"control"``).
    exclude_careless : bool
        Leave out the answers of respondents flagged as possible careless responders. Each row
        holds two respondents, screened apart: the mentor (manipulation check and engagement
        items) and the mentee (experience items). A flagged mentor's scores and a flagged
        mentee's score are set missing, so each analysis drops only the answers it would use
        from that person (default False: flagged respondents are named in the notes only).

    Returns
    -------
    StudyResult
        Tables ``reliability``, ``table1``, ``condition_means``, ``welch_anova`` (with η², ω²
        and their CIs), ``games_howell`` (with Hedges' g and its CI), ``mediation``,
        ``relative_indirect``, ``omnibus``, ``confounding`` (the ρ at which each relative
        indirect effect vanishes, and its E-value) and ``confounding_curve``; figures
        ``means_plot``, ``indirect_plot``, ``path``, ``confounding_plot``, ``bootstrap``; text
        ``reliability``, ``manipulation``, ``outcomes``, ``main`` (the indirect and the
        relative total effect on the mentee), ``confounding``; results ``scores``,
        ``reliability``, ``table1``, ``mediation``, ``sensitivity``, ``evalues``,
        ``careless`` (mentor screen), ``careless_mentee``.

    Raises
    ------
    DataValidationError
        ``data`` lacks a required column (all are named), an item answer is invalid, the
        reference condition is missing, there is a single condition, or a condition has fewer
        than 3 participants.

    Notes
    -----
    Manipulation check and outcomes: Welch's one-way ANOVA (unequal variances;
    :func:`learning_direction.welch_anova`, η² and ω² with noncentral-F CIs) and Games–Howell
    pairwise comparisons, which keep the family-wise error rate with unequal variances and
    group sizes (:func:`learning_direction.games_howell`), with Hedges' g and its
    noncentral-t CI per pair (:func:`learning_direction.ttest`).

    Mediation with a multicategorical X (Hayes & Preacher, 2014): with indicators
    :math:`D_j` for each condition other than the reference,
    :math:`M = i_M + \\sum_j a_j D_j + e_M`, :math:`Y = i_Y + \\sum_j c'_j D_j + b M + e_Y`.
    The relative indirect effect of condition *j* vs the reference is :math:`a_j b`, with a
    percentile-bootstrap CI; :math:`c'_j` are the relative direct effects and
    :math:`c_j = c'_j + a_j b` the relative total effects, each tested jointly by an omnibus F
    test (:func:`learning_direction.mediate`). The text reports the relative total effect on
    the mentee next to the indirect effect, also when it is not significant.

    The condition is randomised but engagement is not, so the indirect effect assumes no
    unmeasured confounding of engagement and the mentee's experience. The pipeline reports the
    error correlation ρ at which each relative indirect effect would vanish (Imai, Keele &
    Yamamoto, 2010; :func:`learning_direction.mediation_sensitivity`) and the E-value of the
    partially standardized relative indirect effect ``a_j b / SD(Y)`` read as a standardized
    mean difference (RR ≈ exp(0.91 d); :func:`learning_direction.evalue`).

    References
    ----------
    Zhang, Wang & Galinsky (2023), *Academy of Management Journal* (Study 4).
    Hayes, A. F., & Preacher, K. J. (2014). Statistical mediation analysis with a
    multicategorical independent variable. *BJMSP, 67*, 451–470.
    Welch, B. L. (1951). On the comparison of several mean values: an alternative approach.
    *Biometrika, 38*, 330–336.
    Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with unequal
    n's and/or variances. *Journal of Educational Statistics, 1*, 113–125.

    Examples
    --------
    R: ``oneway.test(mc ~ condition, d)``; ``rstatix::games_howell_test(d, mc ~ condition)``;
    PROCESS ``process(d, y = "mx", x = "condition", m = "eng", mcx = 1, model = 4,
    boot = 5000)`` with control coded first.

    >>> import learning_direction as ld
    >>> res = ld.run_study("study4", n_boot=1000)
    >>> welch = res.tables["welch_anova"]
    >>> print(welch[["outcome", "df1", "df2", "f", "p_value"]].round(3).to_string(index=False))
               outcome  df1     df2      f  p_value
    manipulation_check  2.0 195.736 12.096    0.000
     mentor_engagement  2.0 196.708  4.315    0.015
     mentee_experience  2.0 197.356  0.653    0.522
    >>> ind = res.tables["relative_indirect"]
    >>> print(ind[["contrast", "estimate", "ci_low", "ci_high"]].round(3).to_string(index=False))
               contrast  estimate  ci_low  ci_high
    Downward vs control     0.136   0.028    0.265
      Upward vs control     0.002  -0.109    0.116
    """
    prepared = prepare(data, name=name, reference=reference, exclude_careless=exclude_careless)
    results = analyse(
        prepared, name=name, reference=reference, seed=seed, n_boot=n_boot, progress=progress
    )
    return render(prepared, results, name=name)


def key_numbers(result: StudyResult) -> dict[str, Any]:
    """The key numbers of a Study 4 result (for tests and notebooks)."""
    w = result.tables["welch_anova"].set_index("outcome").loc[MANIPULATION_CHECK]
    ind = result.tables["relative_indirect"].set_index("condition")
    gh = result.tables["games_howell"]
    mc = gh[gh["outcome"] == MANIPULATION_CHECK].set_index(["group_a", "group_b"])
    out: dict[str, Any] = {
        "mc_f": float(w["f"]),
        "mc_df2": float(w["df2"]),
        "mc_p": float(w["p_value"]),
        "mc_omega_sq": float(w["omega2"]),
    }
    if ("downward", "control") in mc.index:
        out["mc_down_vs_control"] = float(mc.loc[("downward", "control"), "estimate"])
        out["mc_down_vs_control_p"] = float(mc.loc[("downward", "control"), "p_value"])
    for c in ind.index:
        out[f"indirect_{c}"] = float(ind.loc[c, "estimate"])
        out[f"indirect_{c}_ci"] = (float(ind.loc[c, "ci_low"]), float(ind.loc[c, "ci_high"]))
    return out
