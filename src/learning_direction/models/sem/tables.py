"""The tidy outputs of a fit: the parameter table (lavaan's ``parameterEstimates()`` order), the
covariance matrix of the estimates, and the one-row table of fit measures.

Standard errors of defined parameters use the delta method,
``se(g(theta)) = sqrt(J Cov(theta) J')`` with ``J`` the Jacobian of ``g`` (five-point central
differences); fixed parameters have ``se = 0`` and no test, as in lavaan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from .fitmeasures import cfi, rmsea, rmsea_ci, rmsea_pvalue, srmr_bentler, srmr_correlation, tli
from .optimize import fd_jacobian
from .parameters import Parameterization, label_environment
from .partable import ParTable

__all__ = [
    "FitInputs",
    "defined_values",
    "fit_table",
    "parameter_names",
    "parameter_table",
]

Array = NDArray[np.float64]


def parameter_names(table: ParTable, free_rows: Sequence[int]) -> list[str]:
    """lavaan's names of the free parameters: the label, else ``lhs op rhs`` (no spaces), with
    ``.l2`` for level 2 and ``.g2`` ... for later groups."""
    names = []
    for pos in free_rows:
        r = table.rows[pos]
        name = r.label or f"{r.lhs}{r.op}{r.rhs}"
        if not r.label:
            if r.level > 1:
                name += f".l{r.level}"
            if r.group > 1:
                name += f".g{r.group}"
        names.append(name)
    return names


def defined_values(param: Parameterization, theta: Array) -> Array:
    """Values of the defined parameters (``:=``) at ``theta``."""
    env = label_environment(param.table, param.values_from_theta(theta))
    return np.asarray([float(np.real(env[d.name])) for d in param.table.definitions], dtype=float)


def _defined_vcov(param: Parameterization, theta: Array, vcov_theta: Array) -> Array:
    if not param.table.definitions:
        return np.zeros((0, 0))
    jac = fd_jacobian(lambda t: defined_values(param, t), theta, h=1e-5)
    return np.asarray(jac @ vcov_theta @ jac.T)


def parameter_table(
    param: Parameterization,
    values: Array,
    vcov_theta: Array | None,
    std: tuple[Array, Array],
    ci_level: float,
    two_level: bool,
    groups: Sequence[object] | None = None,
) -> pd.DataFrame:
    """One row per parameter (and defined parameter), lavaan's ``parameterEstimates()`` order.

    With ``groups`` (the group labels of a multigroup model) a ``group`` column after ``rhs``
    gives each row's group (``None`` for defined parameters).
    """
    table = param.table
    theta = values[param.free_rows]
    se = np.zeros(len(table.rows))
    if vcov_theta is None:
        se[param.free_rows] = np.nan
    else:
        se[param.free_rows] = np.sqrt(np.clip(np.diag(vcov_theta), 0, None))
    free = np.zeros(len(table.rows), dtype=bool)
    free[param.free_rows] = True
    est_def = defined_values(param, theta)
    if vcov_theta is None:
        se_def = np.full(len(est_def), np.nan)
    else:
        se_def = np.sqrt(np.clip(np.diag(_defined_vcov(param, theta, vcov_theta)), 0, None))
    frame = pd.DataFrame(
        {
            "lhs": [r.lhs for r in table.rows] + [d.name for d in table.definitions],
            "op": [r.op for r in table.rows] + [":="] * len(table.definitions),
            "rhs": [r.rhs for r in table.rows] + [d.expression.text for d in table.definitions],
            "level": [r.level for r in table.rows] + [0] * len(table.definitions),
            "label": [r.label for r in table.rows] + [d.name for d in table.definitions],
            "estimate": np.concatenate([values, est_def]),
            "se": np.concatenate([se, se_def]),
        }
    )
    tested = np.concatenate([free, np.ones(len(est_def), dtype=bool)])
    q = float(stats.norm.ppf(0.5 + ci_level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(tested, frame["estimate"] / frame["se"], np.nan)
    frame["z"] = z
    frame["p_value"] = 2 * stats.norm.sf(np.abs(z))
    half = np.where(tested, q * frame["se"], 0.0)
    frame["ci_low"] = frame["estimate"] - half
    frame["ci_high"] = frame["estimate"] + half
    frame["std_all"] = np.concatenate(std)
    if not two_level:
        frame = frame.drop(columns="level")
    if groups is not None:
        labels = [groups[r.group - 1] for r in table.rows] + [None] * len(table.definitions)
        frame.insert(3, "group", pd.Series(labels, dtype=object))
    return frame


@dataclass(frozen=True)
class FitInputs:
    """What the fit measures are computed from."""

    loglik: float
    loglik_h1: float
    npar: int
    n_moments: int
    n: int
    groups: int
    baseline_chisq: float
    baseline_df: int
    srmr: float
    srmr_within: float = math.nan
    srmr_between: float = math.nan
    n_clusters: int | None = None
    extra: dict[str, float] = field(default_factory=dict)


def fit_table(f: FitInputs) -> pd.DataFrame:
    """lavaan's ``fitMeasures()`` in one row (standard ML test)."""
    chisq = max(2 * (f.loglik_h1 - f.loglik), 0.0)
    df = f.n_moments - f.npar
    p = float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan
    low, high = rmsea_ci(chisq, df, f.n, f.groups)
    row: dict[str, float | int] = {
        "chisq": chisq,
        "df": df,
        "p": p,
        "cfi": cfi(chisq, df, f.baseline_chisq, f.baseline_df),
        "tli": tli(chisq, df, f.baseline_chisq, f.baseline_df),
        "rmsea": rmsea(chisq, df, f.n, f.groups),
        "rmsea_ci_low": low,
        "rmsea_ci_high": high,
        "rmsea_p_close": rmsea_pvalue(chisq, df, f.n, f.groups),
        "srmr": f.srmr,
        "aic": -2 * f.loglik + 2 * f.npar,
        "bic": -2 * f.loglik + f.npar * math.log(f.n),
        "loglik": f.loglik,
        "n": f.n,
    }
    if f.n_clusters is not None:
        row.update(n_clusters=f.n_clusters, srmr_within=f.srmr_within, srmr_between=f.srmr_between)
    row.update(f.extra)
    row.update(
        npar=f.npar,
        baseline_chisq=f.baseline_chisq,
        baseline_df=f.baseline_df,
        loglik_h1=f.loglik_h1,
    )
    return pd.DataFrame([row])


def srmr_single(
    s: Sequence[Array],
    mean: Sequence[Array],
    sigma: Sequence[Array],
    mu: Sequence[Array],
    n: Sequence[int],
    meanstructure: bool,
) -> float:
    """Bentler's SRMR, weighted over groups by their size."""
    total = sum(n)
    return float(
        sum(
            n[g]
            / total
            * srmr_bentler(
                s[g], mean[g] if meanstructure else None, sigma[g], mu[g] if meanstructure else None
            )
            for g in range(len(s))
        )
    )


def srmr_two_level(h1: Sequence[Array], implied: Sequence[Array]) -> tuple[float, float]:
    """SRMR within and between (correlation residuals against the saturated model)."""
    return srmr_correlation(h1[0], implied[0]), srmr_correlation(h1[1], implied[1])
