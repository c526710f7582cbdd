"""Participation, attrition and a missing-at-random sensitivity analysis of the network study.

* :func:`participation_flow`: invited → answered wave 1 → answered wave 2, with counts.
* :func:`attrition_analysis`: wave-1 respondents who answered again (stayers) vs those who did
  not (drop-outs) on the wave-1 variables: Welch *t* tests with Hedges' *g*
  (:func:`~learning_direction.models.group_tests.ttest`) and a logistic regression of dropping
  out (:func:`~learning_direction.logit`).
* :func:`mi_change`: the wave-to-wave changes re-estimated after multiple imputation of the
  drop-outs' wave-2 metrics from their wave-1 metrics and the attrition predictors
  (:func:`~learning_direction.impute`, pooled by Rubin's rules through
  :func:`~learning_direction.regress`), next to the complete-case paired *t* tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._core.format import fmt_num, fmt_p
from ..models.multiplicity import adjust_p

__all__ = [
    "ATTRITION_PREDICTORS",
    "ATTRITION_VARIABLES",
    "AttritionResults",
    "attrition_analysis",
    "mi_change",
    "participation_flow",
]

#: wave-1 variables compared between stayers and drop-outs (t tests)
ATTRITION_VARIABLES = ("tenure", "downward", "size", "blau_range", "strength", "share_down")
#: predictors of the logistic regression of dropping out (and of the imputation model)
ATTRITION_PREDICTORS = ("tenure", "size", "strength", "share_down")
STAYED, DROPPED = "stayed", "dropped out"


@dataclass(frozen=True)
class AttritionResults:
    """Participation flow, attrition analysis and the MAR sensitivity of the change tests.

    Attributes
    ----------
    flow : DataFrame
        ``stage, n, of, share, left_out, reason`` (see :func:`participation_flow`).
    comparison : DataFrame
        Stayers vs drop-outs per wave-1 variable (:func:`attrition_analysis`).
    logistic : LogitResult or None
        Logistic regression of dropping out (None with fewer than 5 drop-outs or stayers).
    sensitivity : DataFrame or None
        Complete-case vs multiple-imputation change per metric (:func:`mi_change`).
    m, seed : int or None
        Imputations and their seed.
    """

    flow: pd.DataFrame
    comparison: pd.DataFrame
    logistic: Any
    sensitivity: pd.DataFrame | None
    m: int
    seed: int | None


def participation_flow(record: pd.DataFrame, w1: Any, w2: Any) -> pd.DataFrame:
    """Counts of the panel: invited, answered at ``w1``, answered at both waves.

    Returns ``stage, n, of, share, left_out, reason``: ``n`` egos at each stage, ``of`` the
    count of the stage before, ``share = n / of``, ``left_out = of − n``. A row for egos who
    answered at ``w2`` only is added when there are any (they are not reassessed either).
    """
    wide = record.pivot(index="ego_id", columns="wave", values="responded")
    a = wide[w1].fillna(False).astype(bool) if w1 in wide else pd.Series(False, wide.index)
    b = wide[w2].fillna(False).astype(bool) if w2 in wide else pd.Series(False, wide.index)
    n_inv, n1, n12 = len(wide), int(a.sum()), int((a & b).sum())
    rows = [
        ("invited", n_inv, n_inv, "roster"),
        (f"answered wave {w1}", n1, n_inv, f"did not answer at wave {w1} (unit non-response)"),
        (f"answered waves {w1} and {w2}", n12, n1, f"answered wave {w1}, not wave {w2} (drop-out)"),
    ]
    late = int((~a & b).sum())
    if late:
        rows.append((f"answered wave {w2} only", late, n_inv - n1, "not answered at wave 1"))
    out = pd.DataFrame(rows, columns=["stage", "n", "of", "reason"])
    out["share"] = out["n"] / out["of"].where(out["of"] > 0)
    out["left_out"] = out["of"] - out["n"]
    out.loc[0, ["left_out", "reason"]] = [0, ""]
    return out[["stage", "n", "of", "share", "left_out", "reason"]]


def _wave1_frame(metrics: pd.DataFrame, survey: pd.DataFrame | None, w1: Any, w2: Any,
                 tenure: pd.Series | None) -> pd.DataFrame:  # fmt: skip
    """Wave-1 respondents: ``ego_id``, ``dropped_out`` (0/1), ``status``, wave-1 variables."""
    m1 = metrics[(metrics["wave"] == w1) & metrics["responded"]].set_index("ego_id")
    m2 = metrics[metrics["wave"] == w2].set_index("ego_id")
    again = m2["responded"].reindex(m1.index).fillna(False).astype(bool)
    out = pd.DataFrame(index=m1.index)
    out["dropped_out"] = (~again).astype(int)
    out["status"] = pd.Categorical(np.where(again, STAYED, DROPPED), categories=[STAYED, DROPPED])
    if tenure is not None:
        out["tenure"] = pd.to_numeric(tenure.reindex(out.index), errors="coerce")
    if survey is not None and "downward" in survey:
        out["downward"] = survey["downward"].reindex(out.index)
    for c in ("size", "blau_range", "strength", "share_down"):
        out[c] = m1[c].astype(float)
    return out.reset_index()


def attrition_analysis(frame: pd.DataFrame) -> tuple[pd.DataFrame, Any]:
    """Stayers vs drop-outs on each wave-1 variable, and a logistic regression of dropping out.

    ``frame`` has one row per wave-1 respondent with ``status`` (stayed / dropped out),
    ``dropped_out`` (0/1) and the wave-1 variables. Each comparison is
    ``ld.ttest(frame, variable, "status")`` (Welch, difference stayers − drop-outs, Hedges' g
    with its noncentral-t CI); the logit is ``ld.logit(frame, "dropped_out ~ <predictors>")``
    (odds ratios per unit). Rows missing a variable are left out of that test and counted.
    """
    from ..models.group_tests import ttest
    from ..models.regression import logit

    rows = []
    counts = frame["status"].value_counts()
    enough = min(int(counts.get(STAYED, 0)), int(counts.get(DROPPED, 0))) >= 2
    for var in [v for v in ATTRITION_VARIABLES if v in frame.columns]:
        if not enough or frame[var].notna().sum() < 4:
            continue
        res = ttest(frame, var, "status")
        t, g = res.table.iloc[0], res.groups.set_index("group")
        rows.append(
            {"variable": var, "mean_stayed": g.at[STAYED, "mean"],
             "mean_dropped": g.at[DROPPED, "mean"], "estimate": t["estimate"],
             "ci_low": t["ci_low"], "ci_high": t["ci_high"], "t": t["t"], "df": t["df"],
             "p_value": t["p_value"], "hedges_g": t["hedges_g"], "g_ci_low": t["g_ci_low"],
             "g_ci_high": t["g_ci_high"], "n_stayed": int(g.at[STAYED, "n"]),
             "n_dropped": int(g.at[DROPPED, "n"]), "n_missing": int(res.n_dropped)}
        )  # fmt: skip
    comparison = pd.DataFrame(rows)
    predictors = [p for p in ATTRITION_PREDICTORS if p in frame.columns]
    lg = None
    if min(int(counts.get(STAYED, 0)), int(counts.get(DROPPED, 0))) >= 5 and predictors:
        lg = logit(frame, "dropped_out ~ " + " + ".join(predictors))
    return comparison, lg


def mi_change(
    frame: pd.DataFrame,
    metrics: pd.DataFrame,
    complete_case: pd.DataFrame,
    w1: Any,
    w2: Any,
    *,
    change_metrics: tuple[str, ...],
    m: int,
    seed: int | None,
) -> pd.DataFrame:
    """The mean change of each metric, complete cases vs multiple imputation (MAR).

    Among the wave-1 respondents, each drop-out's wave-2 metrics are imputed (predictive mean
    matching, ``ld.impute(m=m, seed=seed)``) from all wave-1 metrics, the other wave-2
    metrics and the attrition predictors (tenure, and the survey's downward score when
    given); in every completed dataset the change is ``wave-2 − wave-1`` and the mean change
    is the intercept of ``ld.regress(completed, "<metric>_change ~ 1")``, pooled by Rubin's
    rules (Barnard–Rubin df). Holm's adjustment runs across the metrics, as for the complete
    cases; ``same_conclusion`` says whether the two agree on significance (Holm-adjusted
    p < .05) and, when significant, on the sign.
    """
    from ..models.regression import regress
    from ..scales.imputation import impute

    m2 = metrics[metrics["wave"] == w2].set_index("ego_id")
    wide = frame.set_index("ego_id")
    cols = [c for c in ("tenure", "downward") if c in wide.columns]
    data = wide[cols].copy()
    for c in change_metrics:
        if c in wide.columns:
            data[f"{c}_1"] = wide[c]
        else:
            data[f"{c}_1"] = (
                metrics[metrics["wave"] == w1]
                .set_index("ego_id")[c]
                .astype(float)
                .reindex(data.index)
            )
        data[f"{c}_2"] = m2[c].astype(float).reindex(data.index)
    imp = impute(data.reset_index(), m=m, seed=seed, exclude=["ego_id"])
    cc = complete_case.set_index("metric")
    rows = []
    for c in change_metrics:
        done = [d.assign(**{f"{c}_change": d[f"{c}_2"] - d[f"{c}_1"]}) for d in imp]
        r = regress(done, f"{c}_change ~ 1").table.iloc[0]
        rows.append(
            {"metric": c, "cc_estimate": cc.at[c, "estimate"], "cc_ci_low": cc.at[c, "ci_low"],
             "cc_ci_high": cc.at[c, "ci_high"], "cc_p_value": cc.at[c, "p_value"],
             "cc_n": int(cc.at[c, "n"]), "mi_estimate": r["estimate"], "mi_se": r["se"],
             "mi_ci_low": r["ci_low"], "mi_ci_high": r["ci_high"], "mi_df": r["df"],
             "mi_p_value": r["p_value"], "fmi": r["fmi"], "mi_n": len(data)}
        )  # fmt: skip
    out = pd.DataFrame(rows)
    out["cc_p_holm"] = adjust_p(out["cc_p_value"].to_numpy(), "holm")
    out["mi_p_holm"] = adjust_p(out["mi_p_value"].to_numpy(), "holm")
    sig_cc, sig_mi = out["cc_p_holm"] < 0.05, out["mi_p_holm"] < 0.05
    same_sign = np.sign(out["cc_estimate"]) == np.sign(out["mi_estimate"])
    out["same_conclusion"] = (sig_cc == sig_mi) & (~sig_cc | same_sign)
    return out


def analyse_attrition(
    metrics: pd.DataFrame,
    record: pd.DataFrame,
    survey: pd.DataFrame | None,
    tenure: pd.Series | None,
    complete_case: pd.DataFrame,
    w1: Any,
    w2: Any,
    *,
    change_metrics: tuple[str, ...],
    m: int,
    seed: int | None,
) -> AttritionResults:
    """Flow, attrition analysis and (with drop-outs to impute) the MI sensitivity analysis."""
    flow = participation_flow(record, w1, w2)
    frame = _wave1_frame(metrics, survey, w1, w2, tenure)
    comparison, lg = attrition_analysis(frame)
    sens = None
    n_drop = int(frame["dropped_out"].sum())
    if n_drop and len(frame) - n_drop >= 5 and len(complete_case):
        usable = tuple(c for c in change_metrics if c in set(complete_case["metric"]))
        sens = mi_change(frame, metrics, complete_case, w1, w2,
                         change_metrics=usable, m=m, seed=seed)  # fmt: skip
    return AttritionResults(flow, comparison, lg, sens, m, seed)


# --------------------------------------------------------------------------- sentences


def flow_text(flow: pd.DataFrame) -> str:
    """The participation flow in one sentence (counts from the table)."""
    inv, w1, both = flow.iloc[0], flow.iloc[1], flow.iloc[2]
    text = (
        f"Of {int(inv['n'])} invited egos, {int(w1['n'])} "
        f"({fmt_num(100 * w1['share'], 1)}%) answered at the first wave and {int(both['n'])} of "
        f"them ({fmt_num(100 * both['share'], 1)}%) answered again at the second; "
        f"{int(w1['left_out'])} never answered and {int(both['left_out'])} dropped out. "
        f"Network change is therefore estimated on the {int(both['n'])} egos observed at both "
        "waves; an ego who did not answer a wave has missing metrics for it, not an empty "
        "network."
    )
    if len(flow) > 3:
        text += f" {int(flow.iloc[3]['n'])} egos answered at the second wave only."
    return text


def attrition_text(comparison: pd.DataFrame, lg: Any) -> str:
    """Which wave-1 variables differed between stayers and drop-outs (by the numbers)."""
    if not len(comparison):
        return "Too few drop-outs or stayers to compare them."
    sig = comparison[comparison["p_value"] < 0.05]
    parts = [
        f"{r.variable} (stayers {fmt_num(r.mean_stayed)}, drop-outs {fmt_num(r.mean_dropped)}; "
        f"g = {fmt_num(r.hedges_g)}, 95% CI [{fmt_num(r.g_ci_low)}, {fmt_num(r.g_ci_high)}], "
        f"{fmt_p(r.p_value)})"
        for r in sig.itertuples()
    ]
    if parts:
        text = (
            "Egos who dropped out differed from those who stayed at wave 1 in "
            + "; ".join(parts)
            + f", and did not differ significantly in the other {len(comparison) - len(sig)} "
            "variables compared, so drop-out was related to what was observed at wave 1 (not "
            "missing completely at random)."
        )
    else:
        text = (
            f"Egos who dropped out did not differ significantly from those who stayed on any of "
            f"the {len(comparison)} wave-1 variables compared (Welch t tests, all p ≥ .05), "
            "which is consistent with, but does not establish, data missing at random."
        )
    if lg is not None:
        tab = lg.table[lg.table["term"] != "Intercept"]
        s = tab[tab["p_value"] < 0.05]
        if len(s):
            text += (
                " In the logistic regression of dropping out, "
                + "; ".join(
                    f"{r.term} had an odds ratio of {fmt_num(r.odds_ratio)} (95% CI "
                    f"[{fmt_num(r.or_ci_low)}, {fmt_num(r.or_ci_high)}], {fmt_p(r.p_value)})"
                    for r in s.itertuples()
                )
                + f" (n = {lg.n})."
            )
        else:
            text += (
                " No predictor reached significance in the logistic regression of dropping "
                f"out (n = {lg.n})."
            )
    return text


def sensitivity_text(sens: pd.DataFrame | None, m: int) -> str:
    """Whether the conclusions about change hold when the drop-outs' wave 2 is imputed."""
    if sens is None or not len(sens):
        return "No ego dropped out between the waves, so no sensitivity analysis was needed."
    differ = sens[~sens["same_conclusion"].astype(bool)]
    sd = sens.set_index("metric")
    share = (
        f" The mean change in the share of developers below the ego was "
        f"{fmt_num(sd.at['share_down', 'cc_estimate'], 3)} in the complete cases and "
        f"{fmt_num(sd.at['share_down', 'mi_estimate'], 3)} after imputation (95% CI "
        f"[{fmt_num(sd.at['share_down', 'mi_ci_low'], 3)}, "
        f"{fmt_num(sd.at['share_down', 'mi_ci_high'], 3)}])."
        if "share_down" in sd.index
        else ""
    )
    lead = (
        f"Under missing at random given the wave-1 metrics, tenure and the downward score "
        f"({m} imputations of the "
        "drop-outs' wave-2 networks, pooled by Rubin's rules), "
    )
    if len(differ):
        return (
            lead
            + f"the conclusion changed for {len(differ)} of {len(sens)} metrics ("
            + ", ".join(differ["metric"])
            + "): the complete-case result for "
            + ("it" if len(differ) == 1 else "them")
            + " depends on who dropped out."
            + share
        )
    return lead + f"the conclusion about each of the {len(sens)} metrics stayed the same." + share
