"""Authentic advocacy: the advocacy × authenticity typology across a mentoring program.

After Ibarra: a relationship is classified by how much the mentor *advocates* for the mentee
(speaks up for them, puts their name forward) and how *authentic* the relationship is (both can
be themselves, honest, genuine interest). Low/low is *instruction*, high advocacy with low
authenticity *sponsorship*, low advocacy with high authenticity *support*, and high/high
*authentic advocacy*. Psychological safety and empathic support are expected to build
authenticity, and authentic advocacy to go with the best mentee outcomes.

The pipeline (``ld.run_study("advocacy")``):

1. scores the six mentee-rated scales and reports their reliability and "Table 1";
2. classifies every relationship into the four quadrants (midpoint split by default) and counts
   them, overall and by mentee gender when the column is present;
3. regresses authenticity on psychological safety and empathic support (mentor-clustered SEs);
4. relates the quadrants to the mentee's career progress: OLS with quadrant dummies against
   instruction (mentor-clustered SEs), a Welch ANOVA with Games–Howell comparisons, and, since
   splitting continuous scores loses information, the continuous advocacy × authenticity model;
5. draws the quadrant scatter (split lines and counts) and the coefficient plots, and writes the
   APA-style sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._core.format import fmt_num, fmt_p, fmt_r
from . import _pipeline
from ._base import StudyResult
from ._common import (
    StudyBuilder,
    apa_predictor_phrase,
    apa_reliability_sentence,
    collect_warnings,
    table1,
)
from ._pipeline import DataSpec, Prepared

if TYPE_CHECKING:
    from ..models.regression import RegressionResult
    from ..reporting.tables import CorrelationTable
    from ..scales.profiles import AdvocacyQuadrantResult

__all__ = [
    "SCALES",
    "AdvocacyResults",
    "GenderSplit",
    "analyse",
    "games_howell",
    "prepare",
    "render",
    "run",
]

SCALES = (
    "advocacy",
    "authenticity",
    "psychological_safety",
    "empathic_support",
    "mentoring_functions",
    "career_progress",
)
QUADRANT_LABELS = {
    "instruction": "Instruction",
    "sponsorship": "Sponsorship",
    "support": "Support",
    "authentic_advocacy": "Authentic advocacy",
}
LABELS = {
    "advocacy": "Advocacy",
    "authenticity": "Authenticity",
    "psychological_safety": "Psychological safety",
    "empathic_support": "Empathic support",
    "career_support": "Career support",
    "psychosocial_support": "Psychosocial support",
    "role_modeling": "Role modelling",
    "career_progress": "Career progress",
}
QUADRANT_VS = {q: f"{lab} vs instruction" for q, lab in QUADRANT_LABELS.items()}


def games_howell(data: pd.DataFrame, dv: str, between: str, ci_level: float = 0.95) -> pd.DataFrame:
    """Games–Howell pairwise comparisons (pingouin) with simultaneous confidence intervals.

    Parameters
    ----------
    data : DataFrame
        Complete rows (no missing ``dv`` or ``between``).
    dv, between : str
        Outcome and group columns.
    ci_level : float
        Level of the simultaneous intervals.

    Returns
    -------
    DataFrame
        ``group_a, group_b, mean_a, mean_b, estimate (mean_a - mean_b), se, t, df, ci_low,
        ci_high, p_value, hedges_g``.

    Notes
    -----
    With Welch's SE :math:`s = \\sqrt{v_a/n_a + v_b/n_b}` and Welch–Satterthwaite df :math:`\\nu`,
    :math:`t = d / s` and :math:`p = P(q_{k,\\nu} > \\sqrt{2}|t|)` (studentized range, *k*
    groups); the interval is :math:`d \\pm q_{1-\\alpha; k,\\nu} s / \\sqrt{2}`, as
    ``rstatix::games_howell_test`` and ``PMCMRplus::gamesHowellTest`` in R.

    References
    ----------
    Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with unequal
    n's and/or variances: A Monte Carlo study. *Journal of Educational Statistics, 1*, 113–125.
    """
    import pingouin as pg

    gh = pg.pairwise_gameshowell(data=data, dv=dv, between=between)
    k = data[between].nunique()
    crit = stats.studentized_range.ppf(ci_level, k, gh["df"].to_numpy(float)) / np.sqrt(2)
    out = pd.DataFrame(
        {
            "group_a": gh["A"].astype(str),
            "group_b": gh["B"].astype(str),
            "mean_a": gh["mean_A" if "mean_A" in gh else "mean(A)"].astype(float),
            "mean_b": gh["mean_B" if "mean_B" in gh else "mean(B)"].astype(float),
            "estimate": gh["diff"].astype(float),
            "se": gh["se"].astype(float),
            "t": gh["T"].astype(float),
            "df": gh["df"].astype(float),
        }
    )
    out["ci_low"] = out["estimate"] - crit * out["se"]
    out["ci_high"] = out["estimate"] + crit * out["se"]
    out["p_value"] = gh["pval"].astype(float).to_numpy()
    out["hedges_g"] = gh["hedges"].astype(float).to_numpy()
    return out


def _welch_anova(data: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    import pingouin as pg

    w = pg.welch_anova(data=data, dv=dv, between=between)
    return pd.DataFrame(
        {
            "term": [between],
            "df1": [float(w["ddof1"].iloc[0])],
            "df2": [float(w["ddof2"].iloc[0])],
            "f": [float(w["F"].iloc[0])],
            "p_value": [float(w["p_unc"].iloc[0] if "p_unc" in w else w["p-unc"].iloc[0])],
            "eta_sq": [float(w["np2"].iloc[0])],
        }
    )


def _sig(row: Any) -> str:
    """'positive', 'negative' or 'not significant' for a coefficient row (alpha = .05)."""
    if not float(row["p_value"]) < 0.05:
        return "not significant"
    return "positive" if float(row["estimate"]) > 0 else "negative"


def _more_less(row: Any) -> str:
    """'more' / 'less' (significant at .05) or 'no significantly different' for a contrast."""
    if not float(row["p_value"]) < 0.05:
        return "no significantly different"
    return "more" if float(row["estimate"]) > 0 else "less"


def _relabel_ticks(ax: Any, labels: dict[str, str]) -> None:
    """Replace the term names on a coefficient plot's y axis by readable labels."""
    ticks = ax.get_yticks()
    ax.set_yticks(ticks, [labels.get(t.get_text(), t.get_text()) for t in ax.get_yticklabels()])


def _coef_table(res: Any, labels: dict[str, str]) -> pd.DataFrame:
    tab = res.table[["term", "estimate", "se", "ci_low", "ci_high", "p_value", "beta"]].copy()
    tab.insert(0, "outcome", res.response)
    tab["term"] = [labels.get(t, t) for t in tab["term"]]
    return tab


# ------------------------------------------------------------------------------ stages

TITLE = "Authentic advocacy: advocacy × authenticity in a mentoring program"
QUESTION = (
    "How are the program's relationships spread over Ibarra's advocacy × authenticity "
    "quadrants, do psychological safety and empathic support go with more authentic "
    "relationships, and do mentees in authentic-advocacy relationships progress more?"
)
SPEC = DataSpec(dataset="advocacy", scales=SCALES, columns=("mentor_id",), reset_index=True)
CONTINUOUS_LABELS = {
    "advocacy_c": "Advocacy (centred)",
    "authenticity_c": "Authenticity (centred)",
    "advocacy_c:authenticity_c": "Advocacy × authenticity",
}


@dataclass(frozen=True)
class GenderSplit:
    """Quadrants by mentee gender (when the data have ``mentee_gender``).

    Attributes
    ----------
    table : DataFrame
        ``mentee_gender, quadrant, n, share`` (share within gender).
    chi2 : scipy Chi2ContingencyResult or None
        Test of independence (None with a single gender).
    high_advocacy : Series or None
        Share of each gender's mentees in a high-advocacy quadrant.
    n : int
        Relationships with a quadrant and a gender.
    """

    table: pd.DataFrame
    chi2: Any
    high_advocacy: pd.Series | None
    n: int


@dataclass(frozen=True)
class AdvocacyResults:
    """The statistics of the advocacy study (:func:`analyse`): result objects only.

    Attributes
    ----------
    data : DataFrame
        Scores with the quadrant and its 0/1 indicators.
    table1 : CorrelationTable
    quadrant : AdvocacyQuadrantResult
        The advocacy × authenticity classification.
    gender : GenderSplit or None
    authenticity, outcomes, continuous : RegressionResult
        Authenticity on safety and support; career progress on the quadrants; career
        progress on the centred scores and their product (all with mentor-clustered SEs).
    career_means, welch_anova, games_howell : DataFrame
        Career progress by quadrant, Welch's ANOVA, Games–Howell comparisons.
    n_compared : int
        Relationships with a quadrant and a career-progress score.
    early_notes, notes : tuple of str
        Package warnings raised while classifying, and while analysing (all).
    """

    data: pd.DataFrame
    table1: CorrelationTable
    quadrant: AdvocacyQuadrantResult
    gender: GenderSplit | None
    authenticity: RegressionResult
    outcomes: RegressionResult
    continuous: RegressionResult
    career_means: pd.DataFrame
    welch_anova: pd.DataFrame
    games_howell: pd.DataFrame
    n_compared: int
    early_notes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def prepare(data: pd.DataFrame | None = None, *, name: str = "advocacy") -> Prepared:
    """Check (or load) the data, score the six scales, reliability (no careless screen)."""
    return _pipeline.prepare(data, SPEC, study=name, careless=False)


def analyse(prepared: Prepared, *, split: str = "midpoint") -> AdvocacyResults:
    """Table 1, the quadrants, the authenticity model and the quadrant comparisons."""
    from ..models.regression import regress
    from ..scales.profiles import advocacy_quadrant

    notes: list[str] = []
    d = prepared.data
    with collect_warnings(notes):
        scores = [s for s in prepared.scored.score_names if s in LABELS]
        t1 = table1(d, scores, labels=LABELS, alphas=prepared.rel.alphas)
        quad = advocacy_quadrant(d[["advocacy", "authenticity"]], split=split)
    early = tuple(notes)
    d = d.assign(quadrant=quad.table["quadrant"])
    gender = _gender_split(d)
    with collect_warnings(notes):
        auth = regress(
            d,
            "authenticity ~ psychological_safety + empathic_support",
            se="cluster",
            cluster="mentor_id",
        )
    for q in ("sponsorship", "support", "authentic_advocacy"):
        d[q] = (d["quadrant"].astype(object) == q).astype(float).where(d["quadrant"].notna())
    with collect_warnings(notes):
        out = regress(
            d,
            "career_progress ~ sponsorship + support + authentic_advocacy",
            se="cluster",
            cluster="mentor_id",
        )
        centred = d.assign(
            advocacy_c=d["advocacy"] - d["advocacy"].mean(),
            authenticity_c=d["authenticity"] - d["authenticity"].mean(),
        )
        cont = regress(
            centred,
            "career_progress ~ advocacy_c * authenticity_c",
            se="cluster",
            cluster="mentor_id",
        )
    cc = d[["career_progress", "quadrant"]].dropna()
    cc = cc.assign(quadrant=cc["quadrant"].astype(str))
    means = cc.groupby("quadrant")["career_progress"].agg(["count", "mean", "std"])
    means = means.reindex(list(QUADRANT_LABELS)).reset_index()
    means.columns = ["quadrant", "n", "mean", "sd"]
    return AdvocacyResults(
        data=d,
        table1=t1,
        quadrant=quad,
        gender=gender,
        authenticity=auth,
        outcomes=out,
        continuous=cont,
        career_means=means,
        welch_anova=_welch_anova(cc, "career_progress", "quadrant"),
        games_howell=games_howell(cc, "career_progress", "quadrant"),
        n_compared=len(cc),
        early_notes=early,
        notes=tuple(notes),
    )


def _gender_split(d: pd.DataFrame) -> GenderSplit | None:
    """Quadrant counts by mentee gender and their chi-square test (None without genders)."""
    if "mentee_gender" not in d.columns or not d["mentee_gender"].notna().any():
        return None
    ok = d["quadrant"].notna() & d["mentee_gender"].notna()
    ct = pd.crosstab(d.loc[ok, "mentee_gender"].astype(str), d.loc[ok, "quadrant"])
    ct = ct.reindex(columns=list(QUADRANT_LABELS), fill_value=0)
    long = ct.stack().rename("n").reset_index()
    long.columns = ["mentee_gender", "quadrant", "n"]
    long["share"] = long["n"] / long.groupby("mentee_gender")["n"].transform("sum")
    chi = stats.chi2_contingency(ct.to_numpy()) if ct.shape[0] > 1 else None
    high_adv = None
    if chi is not None:
        high_adv = (
            d.loc[ok]
            .groupby("mentee_gender", observed=True)["quadrant"]
            .apply(lambda q: float(q.isin(["sponsorship", "authentic_advocacy"]).mean()))
        )
    return GenderSplit(table=long, chi2=chi, high_advocacy=high_adv, n=int(ok.sum()))


def render(prepared: Prepared, results: AdvocacyResults, *, name: str = "advocacy") -> StudyResult:
    """Tables, figures, APA sentences and notes of the advocacy study."""
    df = prepared.rows
    design = (
        f"{len(df)} mentee-rated mentoring relationships ({df['mentor_id'].nunique()} "
        "mentors); advocacy, authenticity, psychological safety, empathic support, mentoring "
        "functions and career progress rated by the mentee. Standard errors are clustered "
        "by mentor."
    )
    b = StudyBuilder(name, TITLE, question=QUESTION, design=design)
    for n_ in [*prepared.scored.notes, *results.quadrant.notes]:
        b.note(n_)
    for n_ in (*prepared.notes, *results.early_notes):
        b.note(n_)
    b.results.update(
        {
            "reliability": prepared.rel,
            "table1": results.table1,
            "quadrant": results.quadrant,
            "scores": prepared.scored,
        }
    )
    if results.gender is not None and results.gender.chi2 is not None:
        b.results["gender_chi2"] = results.gender.chi2
    b.results.update(
        {
            "authenticity": results.authenticity,
            "outcomes": results.outcomes,
            "continuous": results.continuous,
            "welch_anova": results.welch_anova,
            "games_howell": results.games_howell,
        }
    )
    counts = _add_tables(b, prepared, results)
    _add_figures(b, results)
    _add_text(b, prepared, results, counts)
    for n_ in (*prepared.notes, *results.notes):
        b.note(n_)
    for r in (results.outcomes, results.continuous):
        for n_ in r.notes:
            b.note(f"{r.response} model: {n_}")
    return b.build(n=len(results.data), seed=None)


def _add_tables(b: StudyBuilder, prepared: Prepared, results: AdvocacyResults) -> pd.DataFrame:
    """Add the tables (and the notes written between them); returns the quadrant counts."""
    quad, auth = results.quadrant, results.authenticity
    b.table(
        "reliability", prepared.rel.table, "Reliability of the scales (psych::alpha conventions)"
    )
    b.table("table1", results.table1.table, "Means, SDs and correlations (alphas on the diagonal)")
    counts = quad.counts.copy()
    counts.insert(1, "label", [QUADRANT_LABELS[q] for q in counts["quadrant"]])
    b.table(
        "quadrants",
        counts,
        f"Relationships per quadrant ({quad.split} split: advocacy > {fmt_num(quad.cut_advocacy)}, "
        f"authenticity > {fmt_num(quad.cut_authenticity)})",
    )
    if results.gender is not None:
        b.table(
            "quadrants_by_gender",
            results.gender.table,
            "Quadrants by mentee gender (share within gender)",
        )
    b.table(
        "authenticity",
        _coef_table(auth, LABELS),
        f"Psychological safety and empathic support predicting authenticity (OLS, "
        f"mentor-clustered SEs; R² = {fmt_r(auth.r2)})",
    )
    for n_ in auth.notes:
        b.note(f"authenticity model: {n_}")
    b.table(
        "outcomes",
        _coef_table(results.outcomes, QUADRANT_VS),
        "Career progress by quadrant: OLS with instruction as the reference (mentor-clustered SEs)",
    )
    n_all = len(results.data)
    if results.n_compared < n_all:
        b.note(
            f"{n_all - results.n_compared} of {n_all} relationships have no quadrant or no "
            "career-progress score and are left out of the quadrant comparisons"
        )
    b.table(
        "career_progress_means",
        results.career_means,
        "Career progress by quadrant (mentee-rated, 1–7)",
    )
    b.table(
        "welch_anova", results.welch_anova, "Welch's ANOVA of career progress across the quadrants"
    )
    b.table(
        "games_howell",
        results.games_howell,
        "Games–Howell pairwise comparisons (simultaneous 95% CIs)",
    )
    b.table(
        "continuous",
        _coef_table(results.continuous, CONTINUOUS_LABELS),
        "Continuous scores: career progress on advocacy, authenticity and their product "
        "(mentor-clustered SEs)",
    )
    return counts


def _add_figures(b: StudyBuilder, results: AdvocacyResults) -> None:
    from ..figures.coefficients import plot_coefficients

    ax = results.quadrant.plot(title="Advocacy × authenticity across the program")
    b.figure(
        "quadrant",
        ax,
        "Each relationship by advocacy and authenticity (mentee ratings); dashed lines are the "
        "splits, labels give the count per quadrant",
    )
    ax = plot_coefficients(results.authenticity)
    _relabel_ticks(ax, LABELS)
    ax.set_title("Predictors of authenticity")
    b.figure(
        "authenticity_coefficients",
        ax,
        "Unstandardized coefficients with 95% CIs (clustered by mentor)",
    )
    ax = plot_coefficients(results.outcomes)
    _relabel_ticks(ax, QUADRANT_VS)
    ax.set_title("Career progress vs instruction")
    b.figure(
        "outcome_coefficients",
        ax,
        "Difference in career progress from instruction relationships, with 95% CIs",
    )


def _gender_text(gender: GenderSplit | None) -> str:
    if gender is None or gender.chi2 is None or gender.high_advocacy is None:
        return ""
    chi = gender.chi2
    parts = ", ".join(
        f"{fmt_num(100 * v, 0)}% of {g} mentees" for g, v in gender.high_advocacy.items()
    )
    return (
        f"High advocacy was reported by {parts}; the quadrant distribution "
        f"{'differed' if chi.pvalue < 0.05 else 'did not differ significantly'} by "
        f"mentee gender, χ²({chi.dof}, N = {gender.n}) = {fmt_num(chi.statistic)}, "
        f"{fmt_p(chi.pvalue)}."
    )


def _add_text(
    b: StudyBuilder, prepared: Prepared, results: AdvocacyResults, counts: pd.DataFrame
) -> None:
    quad, auth = results.quadrant, results.authenticity
    tq = auth.table.set_index("term")
    cnt = counts.set_index("quadrant")
    b.text["reliability"] = apa_reliability_sentence(prepared.rel.table, LABELS)
    parts = [
        f"{int(cnt.at[q, 'n'])} ({fmt_num(100 * cnt.at[q, 'share'], 1)}%) "
        f"{QUADRANT_LABELS[q].lower()}"
        for q in QUADRANT_LABELS
    ]
    b.text["typology"] = (
        f"Of {quad.n_classified} classified relationships ({quad.split} split), "
        f"{', '.join(parts[:-1])} and {parts[-1]}."
    )
    gender_text = _gender_text(results.gender)
    if gender_text:
        b.text["gender"] = gender_text
    b.text["authenticity"] = (
        f"Psychological safety ({apa_predictor_phrase(tq.loc['psychological_safety'])}) and "
        f"empathic support ({apa_predictor_phrase(tq.loc['empathic_support'])}) each predicted "
        f"authenticity, R² = {fmt_r(auth.r2)}, N = {auth.n}."
    )
    b.text["main"] = _main_text(results)
    b.text["continuous"] = _continuous_text(results)


def _main_text(results: AdvocacyResults) -> str:
    to = results.outcomes.table.set_index("term")
    w = results.welch_anova.iloc[0]

    def phrase(q: str) -> str:
        return apa_predictor_phrase(to.loc[q], with_beta=False)

    return (
        f"Career progress differed across the quadrants, Welch's F({fmt_num(w['df1'], 0)}, "
        f"{fmt_num(w['df2'])}) = {fmt_num(w['f'])}, {fmt_p(w['p_value'])}, η² = "
        f"{fmt_r(w['eta_sq'])}. Compared with instruction, mentees in authentic-advocacy "
        f"relationships reported {_more_less(to.loc['authentic_advocacy'])} career progress "
        f"({phrase('authentic_advocacy')}); mentees in "
        f"sponsorship relationships reported {_more_less(to.loc['sponsorship'])} "
        f"({phrase('sponsorship')}) and those in support "
        f"relationships {_more_less(to.loc['support'])} "
        f"({phrase('support')})."
    )


def _continuous_text(results: AdvocacyResults) -> str:
    tc = results.continuous.table.set_index("term")

    def phrase(term: str) -> str:
        return apa_predictor_phrase(tc.loc[term], with_beta=False)

    return (
        "With the continuous (mean-centred) scores, the association of career progress with "
        f"advocacy was {_sig(tc.loc['advocacy_c'])} "
        f"({phrase('advocacy_c')}), with authenticity "
        f"{_sig(tc.loc['authenticity_c'])} "
        f"({phrase('authenticity_c')}), and the "
        f"advocacy × authenticity interaction was {_sig(tc.loc['advocacy_c:authenticity_c'])} "
        f"({phrase('advocacy_c:authenticity_c')})."
    )


# ------------------------------------------------------------------------------ pipeline


def run(
    name: str = "advocacy",
    data: pd.DataFrame | None = None,
    *,
    seed: int = 20261122,
    n_boot: int = 5000,
    progress: bool = False,
    split: str = "midpoint",
) -> StudyResult:
    """Run the authentic-advocacy pipeline on the bundled data (or ``data``).

    Parameters
    ----------
    name : str
        Study name (``"advocacy"``).
    data : DataFrame, optional
        One row per mentee-rated relationship with ``mentor_id`` and the items of
        :data:`SCALES` (optional ``mentee_gender``); default ``ld.load_dataset("advocacy")``.
    seed, n_boot, progress
        Accepted for a uniform pipeline signature; nothing in this pipeline is random.
    split : {"midpoint", "median"}
        How advocacy and authenticity are split into low and high (see
        :func:`learning_direction.advocacy_quadrant`).

    Returns
    -------
    StudyResult
        Tables ``reliability, table1, quadrants, quadrants_by_gender (when mentee_gender is
        present), authenticity, outcomes, welch_anova, games_howell, continuous``; figures
        ``quadrant, authenticity, outcomes``; APA text.

    Raises
    ------
    DataValidationError
        ``data`` lacks ``mentor_id`` or an item of :data:`SCALES` (named in the message).

    Notes
    -----
    Authenticity model: :math:`A = b_0 + b_1 S + b_2 E + e` (S psychological safety, E empathic
    support). Quadrant model: :math:`P = b_0 + b_1 D_{spons} + b_2 D_{supp} + b_3 D_{auth.adv}
    + e` with instruction as reference. Continuous model: :math:`P = b_0 + b_1 V_c + b_2 A_c +
    b_3 V_c A_c + e` with mean-centred scores. Standard errors are clustered by mentor (CR1),
    because mentees of one mentor are not independent.

    References
    ----------
    Ibarra, H. (2019). A lack of sponsorship is keeping women from advancing into leadership.
    *Harvard Business Review*. Edmondson, A. (1999). Psychological safety and learning behavior
    in work teams. *Administrative Science Quarterly, 44*(2), 350–383.

    Examples
    --------
    >>> import learning_direction as ld
    >>> res = ld.run_study("advocacy", n_boot=1000)
    >>> print(res.tables["quadrants"][["quadrant", "n", "share"]].round(3).to_string(index=False))
              quadrant   n  share
           instruction  39  0.151
           sponsorship  30  0.116
               support  82  0.317
    authentic_advocacy 108  0.417
    >>> print(res.tables["welch_anova"][["df1", "df2", "f", "eta_sq"]].round(3).to_string(index=False))
     df1    df2      f  eta_sq
     3.0 89.589 13.697   0.138

    In R: ``lm(authenticity ~ psychological_safety + empathic_support)`` with
    ``sandwich::vcovCL(fit, cluster = ~mentor_id)``; ``oneway.test(career_progress ~ quadrant)``
    and ``rstatix::games_howell_test``.
    """
    del seed, n_boot, progress  # nothing in this pipeline is random
    prepared = prepare(data, name=name)
    return render(prepared, analyse(prepared, split=split), name=name)
