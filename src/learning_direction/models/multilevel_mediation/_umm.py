"""The unconflated multilevel model (Zhang, Zyphur & Preacher 2009), through ``fit_lmm``.

Private. Every level-1 predictor enters as two columns: its deviation from the cluster mean
(the within part) and the cluster mean (the between part). A level-1 outcome gets a linear mixed
model with a random intercept per cluster (REML, lme4's estimates and SEs, Satterthwaite t
tests as lmerTest); a level-2 mediator (2-2-1) is regressed on one row per cluster by OLS, as
``lm`` on the cluster-level data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ...exceptions import ModelError
from .._types import FloatArray
from ..lmm import fit_lmm, fixed_effect_tests
from ._data import MLData, cluster_means

__all__ = ["UMMEquation", "UMMFit", "fit", "predictor_name"]

INTERCEPT = "(Intercept)"


def predictor_name(var: str, part: str | None) -> str:
    """Column name of a predictor: ``x (within)``, ``x (between)``, or ``x`` (level 2)."""
    return var if part is None else f"{var} ({part})"


@dataclass(frozen=True)
class UMMEquation:
    """One fitted equation: estimates, their covariance, the t tests and the variance parts."""

    outcome: str
    names: tuple[str, ...]
    beta: FloatArray
    vcov: FloatArray
    tests: pd.DataFrame  # term, estimate, se, df, t, p_value, ci_low, ci_high
    sigma2: float  # residual variance (within clusters for a mixed model)
    tau2: float | None  # random-intercept variance (None for the cluster-level OLS)
    level: str  # "within and between (random intercept)" or "between (one row per cluster)"
    theta: FloatArray | None = None  # lme4's relative SD of the random intercept

    def coef(self, name: str) -> float:
        return float(self.beta[self.names.index(name)])


@dataclass(frozen=True)
class UMMFit:
    """Both equations, the reported paths and the within/between moments of the data."""

    m_eq: UMMEquation
    y_eq: UMMEquation
    paths: dict[str, tuple[str, str]]  # term -> (equation "m"/"y", predictor name)
    moments: dict[str, dict[str, object]]

    def equation(self, which: str) -> UMMEquation:
        return self.m_eq if which == "m" else self.y_eq


def _parts(d: MLData, var: str) -> list[tuple[str, FloatArray]]:
    v = d.frame[var].to_numpy(float)
    if d.levels[var] == 2:
        return [(predictor_name(var, None), v)]
    mean = cluster_means(v, d.codes)
    return [(predictor_name(var, "within"), v - mean), (predictor_name(var, "between"), mean)]


def _columns(d: MLData, variables: list[str]) -> tuple[list[str], FloatArray]:
    names, cols = [INTERCEPT], [np.ones(d.n)]
    for var in variables:
        for name, col in _parts(d, var):
            names.append(name)
            cols.append(col)
    return names, np.column_stack(cols)


def _mixed(
    d: MLData,
    outcome: str,
    predictors: list[str],
    ci_level: float,
    tests: bool,
    start: FloatArray | None = None,
) -> UMMEquation:
    names, X = _columns(d, predictors)
    fit = fit_lmm(
        d.frame[outcome].to_numpy(float), X, np.ones(d.n), d.codes,
        fixed_names=names, group_name=d.cluster, start=start,
    )  # fmt: skip
    if not fit.converged:
        raise ModelError(f"the mixed model of '{outcome}' did not converge ({fit.message})")
    table = (
        fixed_effect_tests(fit, "satterthwaite", ci_level)
        if tests
        else pd.DataFrame({"term": names, "estimate": fit.beta})
    )
    return UMMEquation(
        outcome, tuple(names), fit.beta, fit.vcov_beta, table, fit.sigma**2,
        float(fit.covariances[0][0, 0]), "within and between (random intercept)", fit.theta,
    )  # fmt: skip


def _cluster_ols(d: MLData, outcome: str, predictors: list[str], ci_level: float) -> UMMEquation:
    """OLS on one row per cluster (level-1 covariates as their cluster means), as ``lm``."""
    first = np.unique(d.codes, return_index=True)[1]
    names, X = _columns(d, predictors)
    keep = [k for k, n in enumerate(names) if not n.endswith("(within)")]
    names = [names[k].replace(" (between)", " (cluster mean)") for k in keep]
    X = X[first][:, keep]
    yv = d.frame[outcome].to_numpy(float)[first]
    beta, *_ = np.linalg.lstsq(X, yv, rcond=None)
    df_res = len(yv) - X.shape[1]
    if df_res < 1:
        raise ModelError(f"the cluster-level equation of '{outcome}' has no residual df")
    s2 = float(np.sum((yv - X @ beta) ** 2) / df_res)
    vcov = np.asarray(s2 * np.linalg.inv(X.T @ X), dtype=np.float64)
    se = np.sqrt(np.diag(vcov))
    t = beta / se
    crit = stats.t.ppf((1 + ci_level) / 2, df_res)
    table = pd.DataFrame(
        {
            "term": names, "estimate": beta, "se": se, "df": float(df_res), "t": t,
            "p_value": 2 * stats.t.sf(np.abs(t), df_res),
            "ci_low": beta - crit * se, "ci_high": beta + crit * se,
        }
    )  # fmt: skip
    return UMMEquation(
        outcome, tuple(names), beta, vcov, table, s2, None, "between (one row per cluster)"
    )


def _moments(d: MLData) -> dict[str, dict[str, object]]:
    """Pooled within-cluster and between-cluster (cluster means) covariances of the variables."""
    cols = [d.x, *d.covariates, d.m, d.y]
    v = d.frame[cols].to_numpy(float)
    means = cluster_means(v, d.codes)
    first = np.unique(d.codes, return_index=True)[1]
    n_w = d.n - d.n_clusters
    within = (v - means).T @ (v - means) / max(n_w, 1)
    between = np.cov(means[first], rowvar=False)
    return {
        "within": {"cov": pd.DataFrame(within, index=cols, columns=cols), "n": n_w},
        "between": {"cov": pd.DataFrame(between, index=cols, columns=cols), "n": d.n_clusters},
    }


def fit(d: MLData, ci_level: float, *, tests: bool = True, near: UMMFit | None = None) -> UMMFit:
    """Fit both equations; ``tests=False`` skips the t tests and ``near`` starts the variance
    search at another fit's estimates (resamples)."""
    covs = list(d.covariates)
    if d.levels[d.m] == 2:
        m_eq = _cluster_ols(d, d.m, [d.x, *covs], ci_level)
    else:
        start = None if near is None else near.m_eq.theta
        m_eq = _mixed(d, d.m, [d.x, *covs], ci_level, tests, start)
    start = None if near is None else near.y_eq.theta
    y_eq = _mixed(d, d.y, [d.m, d.x, *covs], ci_level, tests, start)
    x_b = predictor_name(d.x, "between" if d.levels[d.x] == 1 else None)
    m_b = predictor_name(d.m, "between" if d.levels[d.m] == 1 else None)
    paths = {
        "a_within": ("m", predictor_name(d.x, "within")),
        "b_within": ("y", predictor_name(d.m, "within")),
        "a_between": ("m", x_b),
        "b_between": ("y", m_b),
        "c_prime_within": ("y", predictor_name(d.x, "within")),
        "c_prime_between": ("y", x_b),
    }
    terms = set(d.terms())
    return UMMFit(
        m_eq, y_eq, {k: v for k, v in paths.items() if k in terms}, _moments(d) if tests else {}
    )
