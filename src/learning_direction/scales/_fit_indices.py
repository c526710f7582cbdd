"""Fit statistics of a covariance structure model, computed as lavaan does.

:func:`fit_indices` takes the sample and the model-implied covariance matrices and returns
lavaan's ML fit measures (chi-square ``N * F_ML``, CFI, TLI, RMSEA with its 90% interval, SRMR,
log-likelihood, AIC, BIC). Numerics only: no plotting, no I/O.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

__all__ = ["FIT_COLUMNS", "MAX_BRACKET_DOUBLINGS", "fit_indices", "rmsea_ci"]

FIT_COLUMNS = [
    "n",
    "chi2",
    "df",
    "p_value",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_low",
    "rmsea_ci_high",
    "rmsea_p_close",
    "srmr",
    "baseline_chi2",
    "baseline_df",
    "loglik",
    "aic",
    "bic",
    "n_parameters",
]

#: the RMSEA interval brackets each root by doubling an upper bound at most this many times
#: (2**200 times the chi-square: far beyond any finite noncentrality); beyond it the bound is NaN
MAX_BRACKET_DOUBLINGS = 200


def rmsea_ci(chi2: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA interval from the noncentral chi-square (lavaan's ``rmsea.ci.lower/upper``).

    Each bound solves ``P(X2 <= chi2 | df, lambda) = (1 -/+ level) / 2`` for the noncentrality
    ``lambda`` (Brent's method, at most 100 iterations) and is ``sqrt(lambda / (n df))``. A
    bound that cannot be found (a non-finite chi-square, no bracket within
    :data:`MAX_BRACKET_DOUBLINGS` doublings, or no convergence) is NaN, never an endless search.
    """
    if df <= 0 or not np.isfinite(chi2):
        return float("nan"), float("nan")
    lam_low = _noncentrality(chi2, df, (1.0 + level) / 2.0)  # 0.95
    lam_high = _noncentrality(chi2, df, (1.0 - level) / 2.0)  # 0.05
    return float(np.sqrt(lam_low / (n * df))), float(np.sqrt(lam_high / (n * df)))


def _noncentrality(chi2: float, df: int, target: float) -> float:
    """The noncentrality at which ``chi2`` is the ``target`` quantile (NaN when not found)."""

    def f(lam: float) -> float:
        cdf = stats.ncx2.cdf(chi2, df, lam) if lam > 0 else stats.chi2.cdf(chi2, df)
        return float(cdf - target)

    if f(0.0) < 0:  # even the central distribution puts X2 below the quantile
        return 0.0
    hi = max(chi2, 1.0)
    for _ in range(MAX_BRACKET_DOUBLINGS):
        if not f(hi) > 0:
            break
        hi *= 2.0
    else:
        return float("nan")
    try:
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-14))
    except (ValueError, RuntimeError):  # no sign change (NaN values) or no convergence
        return float("nan")


def fit_indices(s: np.ndarray, sigma: np.ndarray, n: int, n_parameters: int) -> dict[str, float]:
    """lavaan's ML fit statistics from the sample (``1/N``) and model-implied covariance matrices.

    Parameters
    ----------
    s : ndarray
        Sample covariance matrix with divisor ``N`` (lavaan's default).
    sigma : ndarray
        Model-implied covariance matrix at the ML estimates.
    n : int
        Number of observations ``N``.
    n_parameters : int
        Number of free parameters of the covariance structure.

    Returns
    -------
    dict
        The keys of :attr:`CFAResult.fit`.

    Notes
    -----
    ``F_ML = log|Σ| + tr(S Σ^-1) - log|S| - p``; ``chi2 = N F_ML`` (lavaan's default, not
    ``N - 1``); baseline chi2 ``= N (Σ log s_ii - log|S|)`` on ``p(p-1)/2`` df;
    CFI ``= 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b, 0)``;
    TLI ``= (chi2_b/df_b - chi2/df) / (chi2_b/df_b - 1)``;
    RMSEA ``= sqrt(max(chi2 - df, 0) / (N df))`` with the 90% interval from the noncentral
    chi-square and ``rmsea_p_close = P(chi2 ≥ X2 | λ = N df 0.05²)``;
    SRMR (Bentler; lavaan's ``srmr``) ``= sqrt(mean over i ≤ j of ((s_ij - σ_ij) /
    sqrt(s_ii s_jj))²)``; loglik ``= -N/2 (p log 2π + log|Σ| + tr(S Σ^-1))``.

    References
    ----------
    Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological
    Bulletin, 107*, 238–246.
    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
    analysis: Conventional criteria versus new alternatives. *Structural Equation Modeling, 6*,
    1–55.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software, 48*(2).
    Tucker, L. R., & Lewis, C. (1973). A reliability coefficient for maximum likelihood factor
    analysis. *Psychometrika, 38*, 1–10.
    """
    p = s.shape[0]
    inv = np.linalg.inv(sigma)
    logdet_sigma = np.linalg.slogdet(sigma)[1]
    logdet_s = np.linalg.slogdet(s)[1]
    trace = float(np.trace(s @ inv))
    f_ml = logdet_sigma + trace - logdet_s - p
    chi2 = max(float(n * f_ml), 0.0)
    df = p * (p + 1) // 2 - n_parameters
    chi2_b = float(n * (np.log(np.diag(s)).sum() - logdet_s))
    df_b = p * (p - 1) // 2
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_b - df_b, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1.0 - t1 / t2
    if df > 0 and df_b > 0:
        tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1.0)
        rmsea = float(np.sqrt(max(chi2 - df, 0.0) / (n * df)))
        p_value = float(stats.chi2.sf(chi2, df))
        ci_low, ci_high = rmsea_ci(chi2, df, n)
        p_close = float(stats.ncx2.sf(chi2, df, n * df * 0.05**2))
    else:
        tli = rmsea = p_value = ci_low = ci_high = p_close = float("nan")
        if df == 0:
            tli, rmsea = 1.0, 0.0
    d = 1.0 / np.sqrt(np.diag(s))
    resid = (s - sigma) * np.outer(d, d)
    lower = resid[np.tril_indices(p)]
    srmr = float(np.sqrt(np.mean(lower**2)))
    loglik = float(-n / 2.0 * (p * np.log(2.0 * np.pi) + logdet_sigma + trace))
    return {
        "n": n,
        "chi2": chi2,
        "df": df,
        "p_value": p_value,
        "cfi": float(cfi),
        "tli": float(tli),
        "rmsea": rmsea,
        "rmsea_ci_low": ci_low,
        "rmsea_ci_high": ci_high,
        "rmsea_p_close": p_close,
        "srmr": srmr,
        "baseline_chi2": chi2_b,
        "baseline_df": df_b,
        "loglik": loglik,
        "aic": -2.0 * loglik + 2.0 * n_parameters,
        "bic": -2.0 * loglik + np.log(n) * n_parameters,
        "n_parameters": n_parameters,
    }
