"""Fit indices from the likelihood-ratio statistics, as lavaan's ``fitMeasures()`` computes them.

* ``CFI = 1 - max(X2 - df, 0) / max(X2 - df, X2_b - df_b, 0)`` (1 when both are 0);
* ``TLI = 1 - ((X2 - df) df_b) / ((X2_b - df_b) df)`` (1 when ``df = 0``);
* ``RMSEA = sqrt(G) sqrt(max(X2 / (N df) - 1 / N, 0))`` with ``N`` the number of
  (level-1) rows and ``G`` groups; its 90% interval from the noncentrality parameters that put
  ``X2`` at the 95th and 5th percentiles of the noncentral chi-square (Browne & Cudeck 1993),
  and the test of close fit ``P(chi2_df(ncp = N df 0.05^2 / G) > X2)``;
* SRMR (single level, Bentler's): residual covariances and mean residuals standardised by the
  sample standard deviations, root mean square over the ``p(p+1)/2`` (+ ``p``) moments;
  two levels: correlation residuals per level against the saturated model, summed
  (``srmr = srmr_within + srmr_between``);
* ``AIC = -2 logL + 2 q``, ``BIC = -2 logL + q log N`` (``q`` estimated parameters).

lavaan finds the RMSEA interval with ``uniroot``'s default tolerance (about 1e-4 in the
noncentrality parameter); the roots here are solved to 1e-10, so the bounds agree with
lavaan's to about 1e-6 relative.

References
----------
Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A. Bollen &
J. S. Long (Eds.), *Testing Structural Equation Models* (pp. 136-162). Sage.
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
analysis. *Structural Equation Modeling*, 6, 1-55.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

__all__ = [
    "cfi",
    "rmsea",
    "rmsea_ci",
    "rmsea_pvalue",
    "robust_measures",
    "scaled_measures",
    "srmr_bentler",
    "srmr_correlation",
    "tli",
]

Array = NDArray[np.float64]


def cfi(x2: float, df: float, x2_b: float, df_b: float, c: float = 1.0, c_b: float = 1.0) -> float:
    """Comparative fit index; with scaling factors ``c`` (model) and ``c_b`` (baseline) the
    robust CFI of Brosseau-Liard & Savalei (2014): ``df`` replaced by ``c df``."""
    if any(math.isnan(v) for v in (x2, df, x2_b, df_b, c, c_b)):
        return math.nan
    if not (df > 0 and c != 1 and c_b != 1):
        c = c_b = 1.0
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2_b - c_b * df_b, 0.0)
    if math.isclose(t1, 0.0, abs_tol=1.5e-8) and math.isclose(t2, 0.0, abs_tol=1.5e-8):
        return 1.0
    return 1.0 - t1 / t2


def tli(x2: float, df: float, x2_b: float, df_b: float, c: float = 1.0, c_b: float = 1.0) -> float:
    """Tucker-Lewis index (non-normed fit index); robust with scaling factors as :func:`cfi`."""
    if any(math.isnan(v) for v in (x2, df, x2_b, df_b, c, c_b)):
        return math.nan
    if not (df > 0 and c != 1 and c_b != 1):
        c = c_b = 1.0
    t1 = (x2 - c * df) * df_b
    t2 = (x2_b - c_b * df_b) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0


def rmsea(x2: float, df: float, n: int, groups: int = 1, c: float = 1.0) -> float:
    """Root mean square error of approximation (0 when ``df = 0``); robust with a scaling
    factor ``c`` (Brosseau-Liard, Savalei & Li 2012): ``sqrt(max(X2 / (N df) - c / N, 0))``."""
    if math.isnan(x2) or math.isnan(df) or math.isnan(c):
        return math.nan
    if df <= 0:
        return 0.0
    return math.sqrt(max(x2 / n / df - c / n, 0.0)) * math.sqrt(groups)


def _ncx2_cdf(x: float, df: float, ncp: float) -> float:
    if ncp <= 0:
        return float(stats.chi2.cdf(x, df))
    return float(stats.ncx2.cdf(x, df, ncp))


def _root(func: Callable[[float], float], upper: float) -> float:
    """Brent's root of ``func`` on ``[0, upper]``, at most 500 iterations; NaN when the
    noncentral chi-square cannot be evaluated there (NaN values) or the search does not end."""
    try:
        return float(optimize.brentq(func, 0.0, upper, xtol=1e-12, rtol=1e-12, maxiter=500))
    except (ValueError, RuntimeError):
        return math.nan


def rmsea_ci(
    x2: float, df: float, n: int, groups: int = 1, level: float = 0.90, c: float = 1.0
) -> tuple[float, float]:
    """Confidence interval of the RMSEA (lavaan's rules for the bounds that are 0).

    With a scaling factor ``c`` (the robust RMSEA) ``x2`` is the scaled statistic and the
    bounds are ``sqrt(c lambda / (N df))``. A bound that cannot be found (a non-finite or
    astronomically large ``x2``) is NaN: every search is bounded, and never ends in a made-up 0.
    """
    if math.isnan(x2) or math.isnan(df) or math.isnan(c) or not math.isfinite(x2):
        return math.nan, math.nan
    if df < 1:
        return 0.0, 0.0
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2

    def lo(lam: float) -> float:
        return _ncx2_cdf(x2, df, lam) - upper_p

    def hi(lam: float) -> float:
        return _ncx2_cdf(x2, df, lam) - lower_p

    low = 0.0
    if lo(0.0) >= 0:
        low = math.sqrt(c * _root(lo, x2) / (n * df)) * math.sqrt(groups)
    n_rmsea = max(n, x2 * 4)
    high = 0.0
    if not (hi(n_rmsea) > 0 or hi(0.0) < 0):
        high = math.sqrt(c * _root(hi, n_rmsea) / (n * df)) * math.sqrt(groups)
    return low, high


def rmsea_pvalue(
    x2: float, df: float, n: int, groups: int = 1, close: float = 0.05, c: float = 1.0
) -> float:
    """p-value of the test of close fit (H0: RMSEA <= ``close``); NaN when ``df = 0``.

    Robust (scaled ``x2``, scaling factor ``c``): noncentrality ``N df close^2 / (c G)``.
    """
    if df <= 0 or math.isnan(x2) or math.isnan(c):
        return math.nan
    return 1.0 - _ncx2_cdf(x2, df, n * df * close**2 / groups / c)


def srmr_bentler(s: Array, mean: Array | None, sigma: Array, mu: Array | None) -> float:
    """Bentler's SRMR of one group, with the mean residuals when ``mean`` is given."""
    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    idx = np.tril_indices(len(sd))
    squares = float(np.sum(resid[idx] ** 2))
    count = len(idx[0])
    if mean is not None and mu is not None:
        squares += float(np.sum(((mean - mu) / sd) ** 2))
        count += len(sd)
    return math.sqrt(squares / count)


def _cor(m: Array) -> Array:
    d = np.sqrt(np.diag(m))
    return np.asarray(m / np.outer(d, d))


def srmr_correlation(s: Array, sigma: Array) -> float:
    """SRMR of one level of a two-level model: correlation residuals, no means."""
    if np.any(np.diag(sigma) <= 0):
        return math.nan
    resid = _cor(s) - _cor(sigma)
    idx = np.tril_indices(s.shape[0])
    return math.sqrt(float(np.sum(resid[idx] ** 2)) / len(idx[0]))


def scaled_measures(
    x2: float,
    df: float,
    x2_b: float,
    df_b: float,
    n: int,
    groups: int,
    c: float,
    c_b: float,
) -> dict[str, float]:
    """lavaan's ``*.scaled`` measures of a Yuan-Bentler (Mplus) scaled test.

    ``chisq_scaled = X2 / c``; CFI and TLI from the scaled model and baseline statistics;
    ``rmsea_scaled`` from ``X2`` on ``c df`` degrees of freedom (lavaan's ``df2 =
    trace(U Gamma)``), with its interval and test of close fit on the same.
    """
    x2s, x2s_b = x2 / c, x2_b / c_b
    trace = c * df
    low, high = rmsea_ci(x2, trace, n, groups)
    return {
        "chisq_scaled": x2s,
        "p_scaled": float(stats.chi2.sf(x2s, df)) if df > 0 else math.nan,
        "scaling_factor": c,
        "baseline_chisq_scaled": x2s_b,
        "baseline_scaling_factor": c_b,
        "cfi_scaled": cfi(x2s, df, x2s_b, df_b),
        "tli_scaled": tli(x2s, df, x2s_b, df_b),
        "rmsea_scaled": rmsea(x2, trace, n, groups),
        "rmsea_ci_low_scaled": low,
        "rmsea_ci_high_scaled": high,
        "rmsea_p_close_scaled": rmsea_pvalue(x2, trace, n, groups),
    }


def robust_measures(
    x3: float,
    df: float,
    x3_null: float,
    df_null: float,
    n: int,
    groups: int,
    c3: float,
    c3_null: float,
) -> dict[str, float]:
    """lavaan's ``*.robust`` measures (Brosseau-Liard & Savalei; FIML-corrected with missing data).

    ``x3`` is the model statistic the correction applies to (``chisq`` with complete data, the
    complete-data statistic at the EM moments with FIML) and ``c3`` its scaling factor. A
    saturated model (``df = 0``) has no scaling factor; its robust CFI and TLI are 1 and its
    RMSEA 0, as lavaan reports.
    """
    if df == 0 and not math.isnan(x3):
        c3 = 1.0
    x3s = x3 / c3
    low, high = rmsea_ci(x3s, df, n, groups, c=c3)
    return {
        "cfi_robust": cfi(x3, df, x3_null, df_null, c3, c3_null),
        "tli_robust": tli(x3, df, x3_null, df_null, c3, c3_null),
        "rmsea_robust": rmsea(x3, df, n, groups, c=c3),
        "rmsea_ci_low_robust": low,
        "rmsea_ci_high_robust": high,
        "rmsea_p_close_robust": rmsea_pvalue(x3s, df, n, groups, c=c3),
    }
