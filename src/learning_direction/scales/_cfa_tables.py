"""The tables of a CFA from the SEM engine's fit: loadings, parameters, factor correlations,
fit measures (in :class:`~learning_direction.scales.cfa.CFAResult`'s names) and validity.

Numerics only (no plotting, no I/O); used by :func:`learning_direction.cfa`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..models.sem import SEMResult
from ._fit_indices import FIT_COLUMNS
from ._measurement import Measurement
from ._validity import convergent_validity, discriminant_validity

__all__ = [
    "LOADING_COLUMNS",
    "cfa_fit",
    "factor_correlations",
    "loadings",
    "parameters",
    "validity_tables",
]

LOADING_COLUMNS = [
    "factor",
    "item",
    "estimate",
    "se",
    "z",
    "p_value",
    "ci_low",
    "ci_high",
    "std_estimate",
    "reversed",
    "column",
]
# CFAResult.fit name -> SEMResult.fit name
_FIT_NAMES = {
    "chi2": "chisq",
    "p_value": "p",
    "baseline_chi2": "baseline_chisq",
    "n_parameters": "npar",
}
_EXTRA = [
    "n_patterns",
    "chisq_scaled",
    "p_scaled",
    "scaling_factor",
    "baseline_chisq_scaled",
    "baseline_scaling_factor",
    "cfi_scaled",
    "tli_scaled",
    "rmsea_scaled",
    "rmsea_ci_low_scaled",
    "rmsea_ci_high_scaled",
    "cfi_robust",
    "tli_robust",
    "rmsea_robust",
    "rmsea_ci_low_robust",
    "rmsea_ci_high_robust",
]


def _display(m: Measurement, frame: pd.DataFrame) -> pd.DataFrame:
    """Engine names -> display names; fixed parameters get NaN standard errors and no test."""
    out = frame.copy()
    out["lhs"] = [m.name(v) for v in out["lhs"]]
    out["rhs"] = [m.name(v) for v in out["rhs"]]
    fixed = out["se"] == 0
    out.loc[fixed, ["se", "z", "p_value", "ci_low", "ci_high"]] = np.nan
    return out


def parameters(m: Measurement, res: SEMResult) -> pd.DataFrame:
    """Every parameter in lavaan's order: ``lhs, op, rhs, [group,] estimate, se, z, p_value,
    std_estimate``."""
    t = _display(m, res.table[res.table["op"] != ":="])
    t = t.rename(columns={"std_all": "std_estimate"})
    cols = ["lhs", "op", "rhs", *(["group"] if "group" in t else [])]
    cols += ["estimate", "se", "z", "p_value", "std_estimate"]
    return t.loc[:, cols].reset_index(drop=True)


def loadings(m: Measurement, res: SEMResult) -> pd.DataFrame:
    """The loadings of the factors on their items (``LOADING_COLUMNS``, ``group`` first with
    groups)."""
    t = _display(m, res.table[res.table["op"] == "=~"])
    t = t.rename(columns={"lhs": "factor", "rhs": "item", "std_all": "std_estimate"})
    t["reversed"] = [m.reversed.get(i, False) for i in t["item"]]
    t["column"] = [m.column_of.get(i, i) for i in t["item"]]
    cols = (["group"] if "group" in t else []) + LOADING_COLUMNS
    return t.loc[:, cols].reset_index(drop=True)


def factor_correlations(
    m: Measurement, res: SEMResult
) -> tuple[dict[object, np.ndarray], pd.DataFrame]:
    """Per group, the factor correlation matrix; and one row per pair of factors:
    ``[group,] factor_1, factor_2, estimate`` (correlation), ``covariance, covariance_se,
    p_value``."""
    t = _display(m, res.table)
    groups: list[object] = list(res.group_labels) or [None]
    k = len(m.factors)
    where = {f: i for i, f in enumerate(m.factors)}
    mats: dict[object, np.ndarray] = {}
    rows = []
    for g in groups:
        part = t if g is None else t[t["group"] == g]
        cov = part[(part["op"] == "~~") & part["lhs"].isin(where) & part["rhs"].isin(where)]
        corr = np.eye(k)
        for _, r in cov.iterrows():
            a, b = where[r["lhs"]], where[r["rhs"]]
            if a != b:
                corr[a, b] = corr[b, a] = r["std_all"]
        mats[g] = corr
        for _, r in cov[cov["lhs"] != cov["rhs"]].iterrows():
            a, b = sorted((r["lhs"], r["rhs"]), key=where.__getitem__)
            row = {"factor_1": a, "factor_2": b, "estimate": r["std_all"]}
            row.update(covariance=r["estimate"], covariance_se=r["se"], p_value=r["p_value"])
            rows.append(({"group": g} if g is not None else {}) | row)
    columns = ["factor_1", "factor_2", "estimate", "covariance", "covariance_se", "p_value"]
    columns = (["group"] if groups != [None] else []) + columns
    return mats, pd.DataFrame(rows, columns=columns)


def validity_tables(
    m: Measurement, res: SEMResult, load: pd.DataFrame, corr: dict[object, np.ndarray]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Convergent validity (AVE, CR, Fornell-Larcker) and discriminant validity (HTMT) per
    group; HTMT from the item correlations of the saturated (H1) moments (the sample
    correlations of the rows used; their EM estimates with FIML)."""
    conv, disc = [], []
    for g, mat in corr.items():
        part = load if g is None else load[load["group"] == g]
        c = convergent_validity(part, mat, m.factors)
        h1 = res.h1["all" if g is None else str(g)]["cov"]
        engine_items = [_engine_name(m, i) for i in m.item_ids]
        s = h1.loc[engine_items, engine_items].to_numpy(dtype=float)
        sd = np.sqrt(np.diag(s))
        r = s / np.outer(sd, sd)
        ids = m.item_ids
        d = discriminant_validity(
            r,
            [[ids.index(i) for i in m.items[f]] for f in m.factors],
            mat,
            m.factors,
            dict(zip(c["factor"], c["sqrt_ave"], strict=True)),
        )
        if g is not None:
            c.insert(0, "group", g)
            d.insert(0, "group", g)
        conv.append(c)
        disc.append(d)
    return pd.concat(conv, ignore_index=True), pd.concat(disc, ignore_index=True)


def _engine_name(m: Measurement, item: str) -> str:
    for engine, shown in m.alias.items():
        if shown == item:
            return engine
    return item


def cfa_fit(res: SEMResult) -> pd.DataFrame:
    """``CFAResult.fit``: ``FIT_COLUMNS``, then (FIML, MLR) the patterns and the scaled and
    robust measures (``chisq`` spelled ``chi2`` as in the other columns)."""
    f = res.fit.iloc[0]
    row: dict[str, float] = {}
    for col in FIT_COLUMNS:
        row[col] = float(f[_FIT_NAMES.get(col, col)])
    for col in _EXTRA:
        if col in f.index and (col != "n_patterns" or res.missing == "fiml"):
            row[col.replace("chisq", "chi2").replace("p_scaled", "p_value_scaled")] = float(f[col])
    out = pd.DataFrame([row])
    for col in ("n", "df", "baseline_df", "n_parameters", "n_patterns"):
        if col in out:
            out[col] = out[col].astype(int)
    if out["df"].iloc[0] == 0:
        for col in ("p_value", "rmsea_p_close"):
            out[col] = math.nan
    return out
