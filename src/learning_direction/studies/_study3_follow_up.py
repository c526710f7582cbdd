"""Study 3's 6-month follow-up: who was lost, how they differ, and a multiple-imputation check.

``hired_6m`` is recorded 6 months after the program; mentees the follow-up could not reach
have it missing. Everything measured at baseline (hireability, the mentor's scales) is
complete for them, so the main mediation of hireability is unaffected; the analyses of
``hired_6m`` are not:

* :func:`follow_up_table`: mentees and mentors followed up and lost;
* :func:`retained_vs_lost`: retained vs lost mentees on the baseline variables
  (:func:`~learning_direction.models.group_tests.ttest` with CR2 cluster-robust SEs by
  mentor, since mentees of one mentor are not independent);
* :func:`mi_logistic`: the logistic model of ``hired_6m`` after multiple imputation
  (:func:`~learning_direction.impute`, pooled by Rubin's rules in
  :func:`~learning_direction.logit`), next to the complete-case fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._core.format import fmt_num, fmt_p

__all__ = [
    "BASELINE",
    "FollowUpResults",
    "analyse_follow_up",
    "follow_up_table",
    "mi_logistic",
    "retained_vs_lost",
]

#: baseline variables compared between retained and lost mentees
BASELINE = ("hireability", "mentee_age", "mentor_engagement", "downward")
RETAINED, LOST = "retained", "lost"


@dataclass(frozen=True)
class FollowUpResults:
    """The follow-up of ``hired_6m``: counts, retained vs lost, and the MI sensitivity check.

    Attributes
    ----------
    table : DataFrame
        ``quantity, n, of, share`` (:func:`follow_up_table`).
    comparison : DataFrame
        Retained vs lost on the baseline variables (:func:`retained_vs_lost`).
    imputed : LogitResult or None
        The logistic model pooled over ``m`` imputations (None when nobody was lost).
    sensitivity : DataFrame or None
        Complete-case vs multiple-imputation coefficients, one row per term.
    n_lost, n_mentees, m, seed : int
    n_excluded : int
        Mentees left out of both fits for a missing mentor-level predictor.
    """

    table: pd.DataFrame
    comparison: pd.DataFrame
    imputed: Any
    sensitivity: pd.DataFrame | None
    n_lost: int
    n_mentees: int
    n_excluded: int
    m: int
    seed: int | None


def follow_up_table(mentees: pd.DataFrame, outcome: str, group: str) -> pd.DataFrame:
    """Mentees (and mentors) with ``outcome`` recorded and lost to follow-up."""
    lost = mentees[outcome].isna()
    by_mentor = lost.groupby(mentees[group], observed=True)
    n, k, j = len(mentees), int(lost.sum()), int(by_mentor.size().shape[0])
    rows = [
        ("mentees", n, n),
        ("followed up (hired_6m recorded)", n - k, n),
        ("lost to follow-up (hired_6m missing)", k, n),
        ("mentors with at least one mentee lost", int(by_mentor.any().sum()), j),
        ("mentors with every mentee lost", int(by_mentor.all().sum()), j),
    ]
    out = pd.DataFrame(rows, columns=["quantity", "n", "of"])
    out["share"] = out["n"] / out["of"]
    return out


def retained_vs_lost(mentees: pd.DataFrame, outcome: str, group: str) -> pd.DataFrame:
    """Welch-type comparison of retained and lost mentees on each baseline variable.

    ``ld.ttest(d, var, "follow_up", cluster=group)``: difference retained − lost with CR2
    cluster-robust SEs and Satterthwaite df (R: ``clubSandwich::coef_test``); Hedges' g is
    descriptive (its CI assumes independent rows). Rows missing a variable are left out of
    that comparison and counted in ``n_missing``.
    """
    from ..models.group_tests import ttest

    d = mentees.assign(
        follow_up=pd.Categorical(
            np.where(mentees[outcome].isna(), LOST, RETAINED), categories=[RETAINED, LOST]
        )
    )
    counts = d["follow_up"].value_counts()
    if min(int(counts[RETAINED]), int(counts[LOST])) < 2:
        return pd.DataFrame()
    rows = []
    for var in [v for v in BASELINE if v in d.columns]:
        res = ttest(d, var, "follow_up", cluster=group)
        t, g = res.table.iloc[0], res.groups.set_index("group")
        rows.append(
            {"variable": var, "mean_retained": g.at[RETAINED, "mean"],
             "mean_lost": g.at[LOST, "mean"], "estimate": t["estimate"], "se": t["se"],
             "ci_low": t["ci_low"], "ci_high": t["ci_high"], "t": t["t"], "df": t["df"],
             "p_value": t["p_value"], "hedges_g": t["hedges_g"],
             "n_retained": int(g.at[RETAINED, "n"]), "n_lost": int(g.at[LOST, "n"]),
             "n_missing": int(res.n_dropped)}
        )  # fmt: skip
    return pd.DataFrame(rows)


def mi_logistic(
    centered: pd.DataFrame,
    formula: str,
    predictors: tuple[str, ...],
    outcome: str,
    group: str,
    *,
    m: int,
    seed: int | None,
) -> Any:
    """The logistic model of ``outcome`` pooled over ``m`` imputations of the lost outcomes.

    ``centered`` holds the mentee rows with complete mentor-level ``predictors``. The
    imputation model (predictive mean matching, so imputed values are 0 or 1) uses the
    predictors, the mentee's hireability and age, and the mentor's mean hireability (a
    cluster mean, so that the single-level imputation keeps part of the between-mentor
    variation); the analysis model is ``ld.logit(imputed, formula, se="cluster",
    cluster=group)``, pooled by Rubin's rules (R: ``mice::pool(with(imp, glm(...,
    binomial)))`` with cluster-robust variances).
    """
    from ..models.regression import logit
    from ..scales.imputation import impute

    keep = [group, outcome, *predictors, "hireability", "mentee_age"]
    d = centered[[c for c in keep if c in centered.columns]].copy()
    if "hireability" in d.columns:
        d["hireability_mentor_mean"] = d.groupby(group, observed=True)["hireability"].transform(
            "mean"
        )
    imp = impute(d.reset_index(drop=True), m=m, seed=seed, exclude=[group])
    return logit(imp, formula, se="cluster", cluster=group)


def _compare(cc: pd.DataFrame, mi: pd.DataFrame) -> pd.DataFrame:
    """Complete-case vs MI coefficients; ``same_conclusion``: significance and sign agree."""
    a, b = cc.set_index("term"), mi.set_index("term")
    out = pd.DataFrame(
        {
            "term": a.index,
            "cc_estimate": a["estimate"].to_numpy(),
            "cc_odds_ratio": a["odds_ratio"].to_numpy(),
            "cc_p_value": a["p_value"].to_numpy(),
            "mi_estimate": b.loc[a.index, "estimate"].to_numpy(),
            "mi_se": b.loc[a.index, "se"].to_numpy(),
            "mi_odds_ratio": b.loc[a.index, "odds_ratio"].to_numpy(),
            "mi_or_ci_low": b.loc[a.index, "or_ci_low"].to_numpy(),
            "mi_or_ci_high": b.loc[a.index, "or_ci_high"].to_numpy(),
            "mi_p_value": b.loc[a.index, "p_value"].to_numpy(),
            "fmi": b.loc[a.index, "fmi"].to_numpy(),
        }
    )
    sig_a, sig_b = out["cc_p_value"] < 0.05, out["mi_p_value"] < 0.05
    same_sign = np.sign(out["cc_estimate"]) == np.sign(out["mi_estimate"])
    out["same_conclusion"] = (sig_a == sig_b) & (~sig_a | same_sign)
    return out


def analyse_follow_up(
    mentees: pd.DataFrame,
    centered: pd.DataFrame,
    complete_case: Any,
    formula: str,
    predictors: tuple[str, ...],
    outcome: str,
    group: str,
    *,
    m: int,
    seed: int | None,
) -> FollowUpResults:
    """Counts, retained vs lost, and (when anyone was lost) the MI sensitivity analysis."""
    table = follow_up_table(mentees, outcome, group)
    comparison = retained_vs_lost(mentees, outcome, group)
    n_lost = int(mentees[outcome].isna().sum())
    complete_pred = centered[list(predictors)].notna().all(axis=1)
    imputed = sens = None
    if n_lost:
        imputed = mi_logistic(centered.loc[complete_pred], formula, predictors, outcome, group,
                              m=m, seed=seed)  # fmt: skip
        sens = _compare(complete_case.table, imputed.table)
    return FollowUpResults(table, comparison, imputed, sens, n_lost, len(mentees),
                           int((~complete_pred).sum()), m, seed)  # fmt: skip


# --------------------------------------------------------------------------- sentences


def follow_up_text(fu: FollowUpResults, term: str, label: str) -> str:
    """How many were lost, how they differed, and whether the MI fit agrees (by the numbers)."""
    if not fu.n_lost:
        return (
            f"Every one of the {fu.n_mentees} mentees was followed up at 6 months; no outcome "
            "is missing."
        )
    text = (
        f"{fu.n_lost} of {fu.n_mentees} mentees ({fmt_num(100 * fu.n_lost / fu.n_mentees, 1)}%) "
        "were lost to the 6-month follow-up, so their hiring outcome is missing; the "
        "mediation of hireability (rated at baseline) does not depend on the follow-up."
    )
    c = fu.comparison
    if len(c):
        sig = c[c["p_value"] < 0.05]
        if len(sig):
            text += (
                " Lost mentees differed from retained ones in "
                + "; ".join(
                    f"{r.variable} ({fmt_num(r.mean_lost)} vs {fmt_num(r.mean_retained)}, "
                    f"{fmt_p(r.p_value)})"
                    for r in sig.itertuples()
                )
                + ", so the loss was related to baseline variables (not missing completely at "
                "random)."
            )
        else:
            text += (
                f" Lost and retained mentees did not differ significantly on the {len(c)} "
                "baseline variables compared (cluster-robust t tests)."
            )
    if fu.sensitivity is not None:
        r = fu.sensitivity.set_index("term").loc[term]
        same = bool(r["same_conclusion"])
        text += (
            f" After imputing the missing outcomes ({fu.m} imputations, pooled by Rubin's rules), "
            f"the odds ratio of {label} was {fmt_num(r['mi_odds_ratio'])} (95% CI "
            f"[{fmt_num(r['mi_or_ci_low'])}, {fmt_num(r['mi_or_ci_high'])}], "
            f"{fmt_p(r['mi_p_value'])}) against {fmt_num(r['cc_odds_ratio'])} in the complete "
            "cases: "
            + (
                "the conclusion is the same under missing at random."
                if same
                else "the conclusion differs, so it depends on who was lost to follow-up."
            )
        )
    return text
