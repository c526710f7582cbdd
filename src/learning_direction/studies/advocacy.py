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
from scipy.special import gammaln

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


def _cluster_effect_sizes(
    cc: pd.DataFrame, dv: str, between: str, cluster: str, *, n_boot: int, seed: int | None
) -> pd.DataFrame:
    """η², ω² and every pair's Hedges' g with cluster-bootstrap percentile CIs.

    The estimates are the descriptive sums-of-squares values (η² = SS_b / SS_t, ω² = (SS_b −
    (k − 1) MS_w) / (SS_t + MS_w), g = J (m_a − m_b) / s_pooled of the pair); the CIs resample
    whole clusters (mentors), so they respect the nesting that a noncentral-F or -t interval
    would ignore. Returns ``effect, estimate, ci_low, ci_high`` (effects ``eta2``,
    ``omega2``, ``g:<a>-<b>``).
    """
    from ..models.bootstrap import confidence_interval, run_bootstrap

    col = cc[between]
    levels = (
        [str(c) for c in col.cat.categories if (col == c).any()]
        if isinstance(col.dtype, pd.CategoricalDtype)
        else sorted(col.astype(str).unique())
    )
    y = cc[dv].to_numpy(float)
    g = (cc[between].astype(str).to_numpy()[:, None] == np.array(levels)[None, :]).astype(float)
    codes = np.unique(cc[cluster].astype(str).to_numpy(), return_inverse=True)[1]
    pairs = [(i, j) for i in range(len(levels)) for j in range(i + 1, len(levels))]
    labels = ["eta2", "omega2", *[f"g:{levels[i]}-{levels[j]}" for i, j in pairs]]

    def stat(w: np.ndarray) -> np.ndarray:
        rw = w[:, codes]  # row weights of each resample
        n_g, s1, s2 = rw @ g, rw @ (g * y[:, None]), rw @ (g * (y**2)[:, None])
        n, m = n_g.sum(1), s1.sum(1) / n_g.sum(1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mg = s1 / n_g
            ssw_g = s2 - n_g * mg**2
            ss_b = (n_g * (mg - m[:, None]) ** 2).sum(1)
            ss_t = (rw * y**2).sum(1) - n * m**2
            ms_w = (ss_t - ss_b) / (n - len(levels))
            out = [ss_b / ss_t, (ss_b - (len(levels) - 1) * ms_w) / (ss_t + ms_w)]
            for i, j in pairs:
                df = n_g[:, i] + n_g[:, j] - 2
                sp = np.sqrt((ssw_g[:, i] + ssw_g[:, j]) / df)
                corr = np.exp(gammaln(df / 2) - 0.5 * np.log(df / 2) - gammaln((df - 1) / 2))
                out.append(corr * (mg[:, i] - mg[:, j]) / sp)
        return np.column_stack(out)

    n_cl = int(codes.max()) + 1
    est = stat(np.ones((1, n_cl)))[0]
    bd = run_bootstrap(stat, n_cl, n_boot=n_boot, seed=seed, labels=labels, unit="cluster")
    lo, hi = confidence_interval(bd.valid, est, method="percentile", level=0.95)
    return pd.DataFrame({"effect": labels, "estimate": est, "ci_low": lo, "ci_high": hi})


def _welch_table(cc: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """Career progress across the quadrants: CR2 HTZ test, η² and ω² with cluster-bootstrap CIs."""
    from ..models.group_tests import welch_anova

    res = welch_anova(cc, "career_progress", "quadrant", cluster="mentor_id")
    tab = res.table
    tab.attrs["n_clusters"] = res.n_clusters
    e = effects.set_index("effect")
    for k in ("eta2", "omega2"):
        tab[k] = float(e.at[k, "estimate"])
        tab[f"{k}_ci_low"], tab[f"{k}_ci_high"] = e.at[k, "ci_low"], e.at[k, "ci_high"]
    return tab


def _games_howell_table(cc: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """Every pair of quadrants: CR2 contrasts (Bonferroni), Hedges' g with cluster-bootstrap CIs."""
    from ..models.group_tests import games_howell

    tab = games_howell(cc, "career_progress", "quadrant", cluster="mentor_id").table
    e = effects.set_index("effect")
    keys = [f"g:{a}-{b}" for a, b in zip(tab["group1"], tab["group2"], strict=True)]
    tab["hedges_g"] = [float(e.at[k, "estimate"]) for k in keys]
    tab["g_ci_low"] = [float(e.at[k, "ci_low"]) for k in keys]
    tab["g_ci_high"] = [float(e.at[k, "ci_high"]) for k in keys]
    return tab


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
NESTING_NOTE = (
    "Nesting: the 0/1 quadrant contrasts and the regressions use CR1 mentor-clustered SEs; the "
    "comparison of the quadrants uses CR2 cluster-robust SEs with Satterthwaite df and the HTZ "
    "Wald test (Welch's ANOVA and Games–Howell would treat mentees of one mentor as "
    "independent); η², ω² and Hedges' g are the descriptive sums-of-squares values with "
    "percentile CIs from {n_boot:,} bootstrap resamples of whole mentors (seed {seed})."
)
GENDER_NOTE = (
    "Gender × quadrant: mentee gender varies within mentors, so a mentor-level analysis would "
    "discard the within-mentor part of the association; the Rao–Scott correction keeps the "
    "mentee-level question and divides Pearson's χ² by the design effects of the cell "
    "proportions estimated with mentors as the sampling units (a mean design effect above 1 "
    "means mentees of one mentor resemble each other, below 1 that they differ more than "
    "chance would have them)."
)
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
    chi2 : RaoScottResult or None
        Test of independence with the Rao–Scott correction for mentees nested in mentors
        (:func:`learning_direction.models.contingency.rao_scott_chisq`; None with a single
        gender).
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
        Career progress by quadrant; the CR2 cluster-robust HTZ test across the quadrants with
        η² and ω²; the pairwise CR2 contrasts (Bonferroni) with Hedges' g; the effect sizes
        with cluster-bootstrap CIs.
    n_compared : int
        Relationships with a quadrant and a career-progress score.
    n_boot, seed :
        Resamples of mentors and seed of the effect-size CIs.
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
    n_boot: int = 5000
    seed: int | None = None
    early_notes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def prepare(data: pd.DataFrame | None = None, *, name: str = "advocacy") -> Prepared:
    """Check (or load) the data, score the six scales, reliability (no careless screen)."""
    return _pipeline.prepare(data, SPEC, study=name, careless=False)


def analyse(
    prepared: Prepared,
    *,
    split: str = "midpoint",
    seed: int | None = 20261122,
    n_boot: int = 5000,
) -> AdvocacyResults:
    """Table 1, the quadrants, the authenticity model and the quadrant comparisons.

    Mentees are nested in mentors throughout: the regressions use CR1 mentor-clustered SEs,
    the quadrant comparisons CR2 cluster-robust tests, the effect sizes cluster-bootstrap CIs
    (``n_boot`` resamples of mentors, ``seed``) and the gender test the Rao–Scott correction.
    """
    from ..scales.profiles import advocacy_quadrant

    notes: list[str] = []
    d = prepared.data
    with collect_warnings(notes):
        scores = [s for s in prepared.scored.score_names if s in LABELS]
        t1 = table1(d, scores, labels=LABELS, alphas=prepared.rel.alphas)
        quad = advocacy_quadrant(d[["advocacy", "authenticity"]], split=split)
    early = tuple(notes)
    d = d.assign(quadrant=quad.table["quadrant"])
    for q in ("sponsorship", "support", "authentic_advocacy"):
        d[q] = (d["quadrant"].astype(object) == q).astype(float).where(d["quadrant"].notna())
    with collect_warnings(notes):
        gender = _gender_split(d)
        auth, out, cont = _regressions(d)
        cc = d[["career_progress", "quadrant", "mentor_id"]].dropna()
        present = [q for q in QUADRANT_LABELS if (cc["quadrant"].astype(str) == q).any()]
        cc = cc.assign(quadrant=pd.Categorical(cc["quadrant"].astype(str), categories=present))
        effects = _cluster_effect_sizes(
            cc, "career_progress", "quadrant", "mentor_id", n_boot=n_boot, seed=seed
        )
        welch, gh = _welch_table(cc, effects), _games_howell_table(cc, effects)
    means = cc.groupby("quadrant", observed=True)["career_progress"].agg(["count", "mean", "std"])
    means = means.reindex(list(QUADRANT_LABELS)).reset_index()
    means.columns = ["quadrant", "n", "mean", "sd"]
    return AdvocacyResults(
        data=d, table1=t1, quadrant=quad, gender=gender, authenticity=auth, outcomes=out,
        continuous=cont, career_means=means, welch_anova=welch, games_howell=gh,
        n_compared=len(cc), n_boot=n_boot, seed=seed, early_notes=early, notes=tuple(notes),
    )  # fmt: skip


def _regressions(d: pd.DataFrame) -> tuple[Any, Any, Any]:
    """Authenticity on safety and support; career progress on the quadrants and on the centred
    scores and their product (all with mentor-clustered CR1 SEs)."""
    from ..models.regression import regress

    def fit(data: pd.DataFrame, formula: str) -> Any:
        return regress(data, formula, se="cluster", cluster="mentor_id")

    centred = d.assign(
        advocacy_c=d["advocacy"] - d["advocacy"].mean(),
        authenticity_c=d["authenticity"] - d["authenticity"].mean(),
    )
    return (
        fit(d, "authenticity ~ psychological_safety + empathic_support"),
        fit(d, "career_progress ~ sponsorship + support + authentic_advocacy"),
        fit(centred, "career_progress ~ advocacy_c * authenticity_c"),
    )


def _gender_split(d: pd.DataFrame) -> GenderSplit | None:
    """Quadrant counts by mentee gender and their Rao–Scott test (None without genders)."""
    from ..models.contingency import rao_scott_chisq

    if "mentee_gender" not in d.columns or not d["mentee_gender"].notna().any():
        return None
    ok = d["quadrant"].notna() & d["mentee_gender"].notna()
    ct = pd.crosstab(d.loc[ok, "mentee_gender"].astype(str), d.loc[ok, "quadrant"])
    ct = ct.reindex(columns=list(QUADRANT_LABELS), fill_value=0)
    long = ct.stack().rename("n").reset_index()
    long.columns = ["mentee_gender", "quadrant", "n"]
    long["share"] = long["n"] / long.groupby("mentee_gender")["n"].transform("sum")
    if ct.shape[0] < 2:
        return GenderSplit(table=long, chi2=None, high_advocacy=None, n=int(ok.sum()))
    sub = d.loc[ok].assign(
        mentee_gender=d.loc[ok, "mentee_gender"].astype(str),
        quadrant=d.loc[ok, "quadrant"].astype(str),
    )
    test = rao_scott_chisq(sub, "mentee_gender", "quadrant", cluster="mentor_id")
    high_adv = sub.groupby("mentee_gender")["quadrant"].apply(
        lambda q: float(q.isin(["sponsorship", "authentic_advocacy"]).mean())
    )
    return GenderSplit(table=long, chi2=test, high_advocacy=high_adv, n=int(ok.sum()))


def render(prepared: Prepared, results: AdvocacyResults, *, name: str = "advocacy") -> StudyResult:
    """Tables, figures, APA sentences and notes of the advocacy study."""
    df = prepared.rows
    design = (
        f"{len(df)} mentee-rated mentoring relationships ({df['mentor_id'].nunique()} "
        "mentors); advocacy, authenticity, psychological safety, empathic support, mentoring "
        "functions and career progress rated by the mentee. Mentees are nested in mentors: "
        "every test and interval accounts for the clustering by mentor."
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
    b.note(NESTING_NOTE.format(n_boot=results.n_boot, seed=results.seed))
    if results.gender is not None and results.gender.chi2 is not None:
        b.note(GENDER_NOTE)
    return b.build(n=len(results.data), seed=results.seed)


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
        if results.gender.chi2 is not None:
            b.table(
                "gender_test",
                results.gender.chi2.table,
                "Mentee gender × quadrant: Pearson's χ² (rows treated as independent) and its "
                "Rao–Scott first-order and second-order (F) corrections for mentees nested in "
                "mentors (survey::svychisq)",
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
    _add_comparison_tables(b, results)
    return counts


def _add_comparison_tables(b: StudyBuilder, results: AdvocacyResults) -> None:
    """Career progress by quadrant: means, the cluster-robust tests, the continuous model."""
    b.table(
        "career_progress_means",
        results.career_means,
        "Career progress by quadrant (mentee-rated, 1–7)",
    )
    b.table(
        "welch_anova",
        results.welch_anova,
        "Career progress across the quadrants: CR2 cluster-robust HTZ Wald test (mentees "
        "nested in mentors; clubSandwich::Wald_test), η² and ω² with cluster-bootstrap 95% CIs",
    )
    b.table(
        "games_howell",
        results.games_howell,
        "Pairwise comparisons of the quadrants: CR2 cluster-robust contrasts with "
        "Satterthwaite df, Bonferroni-adjusted p and 95% CIs; Hedges' g with cluster-bootstrap "
        "95% CIs (estimate = mean1 - mean2)",
    )
    b.table(
        "continuous",
        _coef_table(results.continuous, CONTINUOUS_LABELS),
        "Continuous scores: career progress on advocacy, authenticity and their product "
        "(mentor-clustered SEs)",
    )


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
    test = gender.chi2
    parts = ", ".join(
        f"{fmt_num(100 * v, 0)}% of {g} mentees" for g, v in gender.high_advocacy.items()
    )
    verb = "differed" if test.p_value < 0.05 else "did not differ significantly"
    return (
        f"High advocacy was reported by {parts}. With mentees nested in "
        f"{test.n_clusters} mentors (Rao–Scott correction; mean design effect "
        f"{fmt_num(test.mean_deff)}), the quadrant distribution {verb} by mentee gender, "
        f"{test.text()}."
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
    gh = results.games_howell.set_index(["group1", "group2"])

    def phrase(q: str) -> str:
        return apa_predictor_phrase(to.loc[q], with_beta=False)

    verb = "differed" if w["p_value"] < 0.05 else "did not differ significantly"
    text = (
        f"Career progress {verb} across the quadrants (CR2 cluster-robust test, mentees nested "
        f"in {results.welch_anova.attrs.get('n_clusters', 'their')} mentors), "
        f"F({fmt_num(w['df1'], 0)}, {fmt_num(w['df2'])}) = {fmt_num(w['f'])}, "
        f"{fmt_p(w['p_value'])}, η² = {fmt_r(w['eta2'])}, 95% CI [{fmt_r(w['eta2_ci_low'])}, "
        f"{fmt_r(w['eta2_ci_high'])}], ω² = {fmt_r(w['omega2'])}, 95% CI "
        f"[{fmt_r(w['omega2_ci_low'])}, {fmt_r(w['omega2_ci_high'])}] (cluster bootstrap). "
        f"Compared with instruction, mentees in authentic-advocacy "
        f"relationships reported {_more_less(to.loc['authentic_advocacy'])} career progress "
        f"({phrase('authentic_advocacy')}); mentees in "
        f"sponsorship relationships reported {_more_less(to.loc['sponsorship'])} career "
        f"progress ({phrase('sponsorship')}) and those in support "
        f"relationships {_more_less(to.loc['support'])} "
        f"({phrase('support')})."
    )
    if ("instruction", "authentic_advocacy") in gh.index:
        r = gh.loc[("instruction", "authentic_advocacy")]
        text += (
            " In the pairwise comparison, authentic advocacy minus instruction = "
            f"{fmt_num(-r['estimate'])}, Bonferroni-adjusted {fmt_p(r['p_value'])}, g = "
            f"{fmt_num(-r['hedges_g'])}, 95% CI [{fmt_num(-r['g_ci_high'])}, "
            f"{fmt_num(-r['g_ci_low'])}]."
        )
    return text


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
    seed : int or None
        Seed of the cluster bootstrap of the effect sizes (same seed -> identical numbers).
    n_boot : int
        Resamples of mentors for the CIs of η², ω² and Hedges' g (default 5,000).
    progress : bool
        Accepted for a uniform pipeline signature (the bootstrap is quick).
    split : {"midpoint", "median"}
        How advocacy and authenticity are split into low and high (see
        :func:`learning_direction.advocacy_quadrant`).

    Returns
    -------
    StudyResult
        Tables ``reliability, table1, quadrants, quadrants_by_gender`` and ``gender_test``
        (when mentee_gender is present), ``authenticity, outcomes, career_progress_means,
        welch_anova`` (the CR2 HTZ test across the quadrants, η² and ω² with CIs),
        ``games_howell`` (pairwise CR2 contrasts, Hedges' g with CIs), ``continuous``;
        figures ``quadrant, authenticity_coefficients, outcome_coefficients``; APA text.

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

    The quadrants are compared with the cluster-robust versions of Welch's ANOVA and
    Games–Howell (:func:`learning_direction.welch_anova` and
    :func:`learning_direction.games_howell` with ``cluster="mentor_id"``: OLS on the quadrant
    indicators with CR2 SEs, Satterthwaite df and the HTZ Wald test; pairwise contrasts
    Bonferroni-adjusted); their effect sizes get cluster-bootstrap CIs. Mentee gender by
    quadrant is tested with the Rao–Scott second-order F (mentors as sampling units;
    :func:`learning_direction.models.contingency.rao_scott_chisq`), not with Pearson's χ²,
    which would treat mentees of one mentor as independent.

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
    >>> print(res.tables["welch_anova"][["test", "df1", "df2", "f", "eta2"]].round(3).to_string(index=False))
       test  df1    df2      f  eta2
    CR2 HTZ  3.0 44.524 13.253 0.138

    In R: ``lm(authenticity ~ psychological_safety + empathic_support)`` with
    ``sandwich::vcovCL(fit, cluster = ~mentor_id)``; ``clubSandwich::Wald_test(lm(career_progress
    ~ quadrant), constraints = constrain_zero(2:4), vcov = "CR2", cluster = mentor_id)``;
    ``survey::svychisq(~mentee_gender + quadrant, svydesign(ids = ~mentor_id, data = d))``.
    """
    del progress  # the cluster bootstrap of the effect sizes takes a fraction of a second
    prepared = prepare(data, name=name)
    return render(prepared, analyse(prepared, split=split, seed=seed, n_boot=n_boot), name=name)
