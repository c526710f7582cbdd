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
    StudyBuilder,
    apa_reliability_sentence,
    collect_warnings,
    table1,
)
from ._pipeline import DataSpec, Prepared
from ._registry import study_title

if TYPE_CHECKING:
    from ..models.mediation import MediationResult
    from ..reporting.tables import CorrelationTable

__all__ = [
    "CONDITION",
    "MANIPULATION_CHECK",
    "MEDIATOR",
    "OUTCOME",
    "SCALES",
    "Study4Results",
    "analyse",
    "games_howell_table",
    "key_numbers",
    "prepare",
    "render",
    "run",
    "welch_anova_table",
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
WELCH_COLUMNS = ["outcome", "df1", "df2", "f", "p_value", "eta_sq", "omega_sq"]


# ------------------------------------------------------------------------------ statistics


def welch_anova_table(data: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """Welch's one-way ANOVA with η² and ω² (one row).

    Parameters
    ----------
    data : DataFrame
        Complete rows of ``dv`` and ``between``.
    dv, between : str
        Outcome and group columns.

    Returns
    -------
    DataFrame
        ``outcome, df1, df2, f, p_value, eta_sq, omega_sq``.

    Notes
    -----
    Welch's F with weights :math:`w_j = n_j / s_j^2`, weighted grand mean
    :math:`\\tilde y = \\sum w_j \\bar y_j / \\sum w_j`,
    :math:`F = \\frac{\\sum w_j(\\bar y_j - \\tilde y)^2/(k-1)}{1 + \\frac{2(k-2)}{k^2-1}\\Lambda}`,
    :math:`\\Lambda = \\sum (1 - w_j/\\sum w)^2/(n_j - 1)`, df :math:`(k-1, (k^2-1)/(3\\Lambda))`
    (Welch, 1951; R ``oneway.test(y ~ g)``), computed by pingouin ``welch_anova``. The effect
    sizes come from the classical one-way decomposition: :math:`\\eta^2 = SS_b / SS_t` and
    :math:`\\omega^2 = (SS_b - (k-1) MS_w) / (SS_t + MS_w)` (Hays), as
    ``effectsize::eta_squared`` / ``effectsize::omega_squared`` of ``aov(y ~ g)`` in R; ω² is
    reported as computed, so it is slightly negative when the classical F is below 1.

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values: An alternative approach.
    *Biometrika, 38*, 330–336.

    Examples
    --------
    R: ``oneway.test(weight ~ group, PlantGrowth)`` gives F = 5.181, df = (2, 17.128),
    p = .01739; this function returns the same. On the bundled Study 4 data:

    >>> import learning_direction as ld
    >>> from learning_direction.studies.study4 import welch_anova_table
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, "mentor_engagement").scores)
    >>> tab = welch_anova_table(d, "mentor_engagement", "condition")
    >>> # R: oneway.test(mentor_engagement ~ condition, d)
    >>> print(tab[["df1", "df2", "f", "p_value", "eta_sq"]].round(3).to_string(index=False))
     df1     df2     f  p_value  eta_sq
     2.0 195.836 6.923    0.001   0.041
    """
    import pingouin as pg

    w = pg.welch_anova(data=data, dv=dv, between=between)
    y = data[dv].to_numpy(float)
    g = data[between].astype(str).to_numpy()
    levels = np.unique(g)
    k, n = len(levels), len(y)
    grand = y.mean()
    ss_b = float(sum((g == lv).sum() * (y[g == lv].mean() - grand) ** 2 for lv in levels))
    ss_t = float(((y - grand) ** 2).sum())
    ms_w = (ss_t - ss_b) / (n - k)
    pcol = "p_unc" if "p_unc" in w.columns else "p-unc"
    return pd.DataFrame(
        {
            "outcome": [dv],
            "df1": [float(w["ddof1"].iloc[0])],
            "df2": [float(w["ddof2"].iloc[0])],
            "f": [float(w["F"].iloc[0])],
            "p_value": [float(w[pcol].iloc[0])],
            "eta_sq": [ss_b / ss_t],
            "omega_sq": [(ss_b - (k - 1) * ms_w) / (ss_t + ms_w)],
        }
    )


def games_howell_table(
    data: pd.DataFrame, dv: str, between: str, order: Sequence[str], ci_level: float = 0.95
) -> pd.DataFrame:
    """Games–Howell comparisons of every pair, oriented as ``order`` (first minus later).

    Wraps :func:`learning_direction.studies.advocacy.games_howell` (pingouin
    ``pairwise_gameshowell`` with simultaneous studentized-range CIs, as
    ``rstatix::games_howell_test``) and flips each pair so that ``group_a`` comes before
    ``group_b`` in ``order``; ``estimate = mean_a - mean_b`` and ``hedges_g`` have that sign.

    Parameters
    ----------
    data : DataFrame
        Complete rows of ``dv`` and ``between``.
    dv, between : str
        Outcome and group columns.
    order : sequence of str
        The groups in the order the differences are oriented (e.g. ``["downward", "upward",
        "control"]``).
    ci_level : float
        Level of the simultaneous intervals (default 0.95).

    Returns
    -------
    DataFrame
        ``outcome, group_a, group_b, mean_a, mean_b, estimate, se, t, df, ci_low, ci_high,
        p_value, hedges_g``.

    Notes
    -----
    See :func:`learning_direction.studies.advocacy.games_howell` for the formulas.

    References
    ----------
    Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with unequal
    n's and/or variances: A Monte Carlo study. *Journal of Educational Statistics, 1*, 113–125.

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.studies.study4 import games_howell_table
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, "mentor_engagement").scores)
    >>> d = d.dropna(subset=["mentor_engagement"])
    >>> tab = games_howell_table(d, "mentor_engagement", "condition",
    ...                          order=["downward", "upward", "control"])
    >>> # R: rstatix::games_howell_test(d, mentor_engagement ~ condition)
    >>> print(tab[["group_a", "group_b", "estimate", "ci_low", "ci_high", "p_value"]]
    ...       .round(3).to_string(index=False))
     group_a group_b  estimate  ci_low  ci_high  p_value
    downward  upward     0.548   0.165    0.931    0.003
    downward control     0.419   0.065    0.772    0.015
      upward control    -0.129  -0.532    0.273    0.729
    """
    from .advocacy import games_howell

    gh = games_howell(data, dv, between, ci_level=ci_level)
    pos = {c: i for i, c in enumerate(order)}
    rows = []
    for r in gh.to_dict("records"):
        if pos.get(r["group_a"], 0) > pos.get(r["group_b"], 0):
            r = {
                **r,
                "group_a": r["group_b"],
                "group_b": r["group_a"],
                "mean_a": r["mean_b"],
                "mean_b": r["mean_a"],
                "estimate": -r["estimate"],
                "t": -r["t"],
                "ci_low": -r["ci_high"],
                "ci_high": -r["ci_low"],
                "hedges_g": -r["hedges_g"],
            }
        rows.append(r)
    out = pd.DataFrame(rows)
    out = out.assign(_a=out["group_a"].map(pos), _b=out["group_b"].map(pos))
    out = out.sort_values(["_a", "_b"]).drop(columns=["_a", "_b"]).reset_index(drop=True)
    out.insert(0, "outcome", dv)
    return out


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
        f"{fmt_p(r['p_value'])}, g = {fmt_num(r['hedges_g'])})"
    )


def _welch_phrase(w: Any) -> str:
    return (
        f"Welch's F({fmt_num(w['df1'], 0)}, {fmt_num(w['df2'])}) = {fmt_num(w['f'])}, "
        f"{fmt_p(w['p_value'])}, ω² = {fmt_r(w['omega_sq'])}, η² = {fmt_r(w['eta_sq'])}"
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
        Per measure: means with 95% CIs by condition, Welch's ANOVA, Games–Howell comparisons.
    used : dict[str, int]
        Rows with a condition and a score, per measure.
    n_missing_condition : int
        Rows without a condition.
    mediation : MediationResult
        Condition → engagement → mentee experience (indicator coding).
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
    notes: tuple[str, ...] = ()


def _check_conditions(df: pd.DataFrame, reference: str, name: str) -> pd.DataFrame:
    """Check the conditions (see :func:`_condition_order`) and store them as text."""
    _condition_order(df[CONDITION], reference, name)
    df[CONDITION] = df[CONDITION].astype("string").astype(object).where(df[CONDITION].notna())
    return df


def prepare(
    data: pd.DataFrame | None = None, *, name: str = "study4", reference: str = "control"
) -> Prepared:
    """Check (or load) the data and the conditions, screen, score, reliability."""
    return _pipeline.prepare(
        data, SPEC, study=name, check=lambda df: _check_conditions(df, reference, name)
    )


def analyse(
    prepared: Prepared,
    *,
    name: str = "study4",
    reference: str = "control",
    seed: int | None = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
) -> Study4Results:
    """Table 1, the comparisons of the conditions and the multicategorical mediation."""
    from ..figures.experiment import condition_means
    from ..models.mediation import mediate

    d = prepared.data
    order = _condition_order(prepared.rows[CONDITION], reference, name)
    notes: list[str] = []
    with collect_warnings(notes):
        t1 = table1(d, list(SCALES), labels=LABELS, alphas=prepared.rel.alphas)
        # condition means, Welch ANOVAs and Games-Howell comparisons
        means, welch, gh = [], [], []
        used: dict[str, int] = {}
        for dv in SCALES:
            cc = d[[CONDITION, dv]].dropna()
            used[dv] = len(cc)
            m = condition_means(cc, dv, CONDITION, order)
            m.insert(0, "outcome", dv)
            means.append(m)
            welch.append(welch_anova_table(cc, dv, CONDITION))
            gh.append(games_howell_table(cc, dv, CONDITION, order))
        med = mediate(
            d, x=CONDITION, m=MEDIATOR, y=OUTCOME, x_reference=reference, n_boot=n_boot,
            seed=seed, progress=progress,
        )  # fmt: skip
    return Study4Results(
        order=order,
        reference=reference,
        table1=t1,
        condition_means=pd.concat(means, ignore_index=True),
        welch_anova=pd.concat(welch, ignore_index=True)[WELCH_COLUMNS],
        games_howell=pd.concat(gh, ignore_index=True),
        used=used,
        n_missing_condition=int(prepared.rows[CONDITION].isna().sum()),
        mediation=med,
        notes=tuple(notes),
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
        "downward learning), mentor engagement (6 items on 1-7, one reverse-keyed) and the "
        "mentee's experience of the mentoring (5 items on 1-7, one reverse-keyed)."
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
            "scores": prepared.scored.result,
            "reliability": prepared.rel.combined,
            "table1": results.table1,
            "mediation": results.mediation,
        }
    )
    ind = _relative_indirect(results)
    _add_tables(b, prepared, results, ind)
    _add_figures(b, prepared, results, ind)
    b.text["reliability"] = apa_reliability_sentence(prepared.rel.table, SHORT)
    b.text["manipulation"] = _manipulation_text(results)
    b.text["outcomes"] = _outcomes_text(results)
    b.text["main"] = _mediation_text(results)
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
        "ω² from the classical decomposition",
    )
    b.table(
        "games_howell",
        results.games_howell,
        "Games–Howell pairwise comparisons (estimate = mean_a - mean_b, simultaneous 95% CIs, "
        "Hedges' g)",
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
    return text


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

    Returns
    -------
    StudyResult
        Tables ``reliability``, ``table1``, ``condition_means``, ``welch_anova``,
        ``games_howell``, ``mediation``, ``relative_indirect``, ``omnibus``; figures
        ``means_plot``, ``indirect_plot``, ``path``, ``bootstrap``; text
        ``reliability``, ``manipulation``, ``outcomes``, ``main``; results ``scores``,
        ``reliability``, ``table1``, ``mediation``, ``careless``.

    Raises
    ------
    DataValidationError
        ``data`` lacks a required column (all are named), an item answer is invalid, the
        reference condition is missing, there is a single condition, or a condition has fewer
        than 3 participants.

    Notes
    -----
    Manipulation check: Welch's one-way ANOVA (unequal variances; see
    :func:`welch_anova_table`) and Games–Howell pairwise comparisons, which keep the family-wise
    error rate with unequal variances and group sizes (see :func:`games_howell_table`), with
    Hedges' g per pair.

    Mediation with a multicategorical X (Hayes & Preacher, 2014): with indicators
    :math:`D_j` for each condition other than the reference,
    :math:`M = i_M + \\sum_j a_j D_j + e_M`, :math:`Y = i_Y + \\sum_j c'_j D_j + b M + e_Y`.
    The relative indirect effect of condition *j* vs the reference is :math:`a_j b`, with a
    percentile-bootstrap CI; :math:`c'_j` are the relative direct effects and
    :math:`c_j = c'_j + a_j b` the relative total effects, each tested jointly by an omnibus F
    test (:func:`learning_direction.mediate`).

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
    manipulation_check  2.0 196.566 12.481    0.000
     mentor_engagement  2.0 195.836  6.923    0.001
     mentee_experience  2.0 197.856  0.491    0.612
    >>> ind = res.tables["relative_indirect"]
    >>> print(ind[["contrast", "estimate", "ci_low", "ci_high"]].round(3).to_string(index=False))
               contrast  estimate  ci_low  ci_high
    Downward vs control     0.156   0.039    0.278
      Upward vs control    -0.048  -0.180    0.074
    """
    prepared = prepare(data, name=name, reference=reference)
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
        "mc_omega_sq": float(w["omega_sq"]),
    }
    if ("downward", "control") in mc.index:
        out["mc_down_vs_control"] = float(mc.loc[("downward", "control"), "estimate"])
        out["mc_down_vs_control_p"] = float(mc.loc[("downward", "control"), "p_value"])
    for c in ind.index:
        out[f"indirect_{c}"] = float(ind.loc[c, "estimate"])
        out[f"indirect_{c}_ci"] = (float(ind.loc[c, "ci_low"]), float(ind.loc[c, "ci_high"]))
    return out
