"""Intervals of the indirect effects: Monte Carlo (Preacher & Selig 2012) or a cluster bootstrap.

Private. Monte Carlo draws the paths from the asymptotic normal distribution of their estimates
(MSEM: all free parameters jointly, through :func:`~learning_direction.models.sem.monte_carlo_ci`;
UMM: each equation's coefficients, the two equations independent) and takes percentiles (R's
type 7, as ``semTools::monteCarloCI``) of the products. The cluster bootstrap resamples whole
clusters with all their rows on the shared engine (:func:`~learning_direction.models.bootstrap.
run_bootstrap`), refits the model on every resample (a cluster drawn twice counts as two
clusters) and takes percentile intervals.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..._core.threads import single_blas_thread
from ...exceptions import ModelError
from .._types import FloatArray
from ..bootstrap import BootDraws, boot_pvalue, fresh_seed, monte_carlo_draws, run_bootstrap
from ..sem import monte_carlo_ci
from . import _msem, _umm
from ._data import MLData

__all__ = ["Intervals", "cluster_bootstrap", "monte_carlo"]

#: the paths whose product is each indirect effect
PRODUCTS = {
    "indirect_within": ("a_within", "b_within"),
    "indirect_between": ("a_between", "b_between"),
}


@dataclass(frozen=True)
class Intervals:
    """Interval, p value and SD of the draws of each indirect effect, and the draws."""

    rows: dict[str, dict[str, float]]  # term -> ci_low, ci_high, p_value, draw_sd
    draws: pd.DataFrame
    seed: int
    n_failed: int = 0


def _summaries(draws: pd.DataFrame, level: float) -> dict[str, dict[str, float]]:
    alpha = (1 - level) / 2
    out = {}
    for term in draws.columns:
        d = draws[term].to_numpy(float)
        d = d[np.isfinite(d)]
        low, high = np.quantile(d, [alpha, 1 - alpha])
        out[term] = {
            "ci_low": float(low),
            "ci_high": float(high),
            "p_value": float(boot_pvalue(d[:, None])[0]),
            "draw_sd": float(np.std(d, ddof=1)),
        }
    return out


def monte_carlo(
    d: MLData, fitted: _msem.MSEMFit | _umm.UMMFit, n_draws: int, seed: int | None, level: float
) -> Intervals:
    """Monte Carlo intervals of the indirect effects of the design."""
    terms = [t for t in d.terms() if t in PRODUCTS]
    used = fresh_seed(seed)
    if isinstance(fitted, _msem.MSEMFit):
        mc = monte_carlo_ci(fitted.sem, terms, n_draws=n_draws, seed=used, ci_level=level)
        draws = mc.draws[terms]
    else:
        labels = [p for t in terms for p in PRODUCTS[t]]
        mean, cov = _umm_moments(fitted, labels)
        sample, used = monte_carlo_draws(mean, cov, n_draws, used)
        cols = {lab: sample[:, k] for k, lab in enumerate(labels)}
        draws = pd.DataFrame({t: cols[PRODUCTS[t][0]] * cols[PRODUCTS[t][1]] for t in terms})
    return Intervals(_summaries(draws, level), draws.reset_index(drop=True), used)


def _umm_moments(fitted: _umm.UMMFit, labels: list[str]) -> tuple[FloatArray, FloatArray]:
    """Mean and covariance of the paths in ``labels`` (equations independent)."""
    k = len(labels)
    mean, cov = np.zeros(k), np.zeros((k, k))
    for i, li in enumerate(labels):
        eq_i, name_i = fitted.paths[li]
        e = fitted.equation(eq_i)
        mean[i] = e.coef(name_i)
        for j, lj in enumerate(labels):
            eq_j, name_j = fitted.paths[lj]
            if eq_j == eq_i:
                cov[i, j] = e.vcov[e.names.index(name_i), e.names.index(name_j)]
    return mean, cov


def _resample(d: MLData, rows_of: list[np.ndarray], counts: FloatArray) -> MLData:
    """The data of one cluster-bootstrap resample (each copy of a cluster is a new cluster)."""
    picks = np.repeat(np.arange(len(rows_of)), counts.astype(int))
    idx = np.concatenate([rows_of[j] for j in picks])
    codes = np.repeat(np.arange(len(picks)), [len(rows_of[j]) for j in picks])
    frame = d.frame.iloc[idx].reset_index(drop=True)
    return dataclasses.replace(d, frame=frame, codes=codes, cluster_labels=codes)


def _point(
    method: str, level: float, full: _msem.MSEMFit | _umm.UMMFit | None = None
) -> Callable[[MLData], dict[str, float]]:
    near = full if isinstance(full, _umm.UMMFit) else None

    def msem(db: MLData) -> dict[str, float]:
        rows = _msem.fit(db, level, se=False).rows
        return {t: r["estimate"] for t, r in rows.items()}

    def umm(db: MLData) -> dict[str, float]:
        f = _umm.fit(db, level, tests=False, near=near)
        est = {t: f.equation(eq).coef(name) for t, (eq, name) in f.paths.items()}
        for t, (a, b) in PRODUCTS.items():
            if a in est:
                est[t] = est[a] * est[b]
        return est

    return msem if method == "msem" else umm


def cluster_bootstrap(
    d: MLData,
    fitted: _msem.MSEMFit | _umm.UMMFit,
    n_boot: int,
    seed: int | None,
    level: float,
    progress: bool | None,
) -> Intervals:
    """Percentile intervals from ``n_boot`` resamples of whole clusters, every term refitted
    (the variance search of a UMM resample starts at the full-sample estimates)."""
    terms = list(d.terms())
    rows_of = [np.flatnonzero(d.codes == j) for j in range(d.n_clusters)]
    method = "msem" if isinstance(fitted, _msem.MSEMFit) else "umm"
    point = _point(method, level, fitted)

    def statistic(W: FloatArray) -> FloatArray:
        out = np.full((W.shape[0], len(terms)), np.nan)
        with single_blas_thread(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for b, counts in enumerate(W):
                try:
                    est = point(_resample(d, rows_of, counts))
                except (ModelError, np.linalg.LinAlgError, ValueError):
                    continue
                out[b] = [est[t] for t in terms]
        return out

    boot: BootDraws = run_bootstrap(
        statistic, d.n_clusters, n_boot=n_boot, seed=seed, labels=terms, unit="cluster",
        progress=progress, warn=False, n_jobs=1,
    )  # fmt: skip
    draws = pd.DataFrame(boot.draws, columns=terms)
    return Intervals(_summaries(draws, level), draws, boot.seed, boot.n_singular)
