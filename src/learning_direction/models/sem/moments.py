"""Sample statistics the likelihoods need: moments (one level) and cluster summaries (two levels).

Single level: the covariance matrix with divisor ``N`` and the mean vector (lavaan's
``likelihood = "normal"``). Two levels: the pooled within-cluster covariance matrix (divisor
``N - J``), and the cluster means of the level-1 variables together with the values of the
between-only variables, summarised per distinct cluster size (mean vector and covariance
matrix with divisor ``n_s``, the number of clusters of that size), as the unbalanced-cluster
likelihood of Muthén (1994) and lavaan's ``lav_mvnorm_cluster_*`` functions use them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ...exceptions import DataValidationError

__all__ = ["SampleMoments", "TwoLevelData", "single_level_moments", "two_level_data"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class SampleMoments:
    """Mean vector and covariance matrix (divisor ``n``) of ``names``."""

    names: tuple[str, ...]
    n: int
    cov: Array
    mean: Array


def single_level_moments(df: pd.DataFrame, names: Sequence[str]) -> SampleMoments:
    """Moments of the complete rows ``df[names]`` (ML divisor ``n``)."""
    x = df.loc[:, list(names)].to_numpy(dtype=float)
    n = x.shape[0]
    mean = x.mean(axis=0)
    centred = x - mean
    cov = centred.T @ centred / n
    return SampleMoments(names=tuple(names), n=n, cov=(cov + cov.T) / 2, mean=mean)


@dataclass(frozen=True)
class TwoLevelData:
    """Cluster summaries for the two-level likelihood.

    Attributes
    ----------
    y_names : tuple of str
        Variables measured at level 1 (they vary within clusters), in level-1 block order.
    z_names : tuple of str
        Between-only variables (constant within clusters), in level-2 block order.
    n, n_clusters : int
        Rows and clusters.
    s_pw : ndarray
        Pooled within-cluster covariance matrix of ``y`` (divisor ``n - n_clusters``).
    sizes, counts : ndarray
        Distinct cluster sizes and how many clusters have each.
    dbar, dcov : ndarray
        Per size: mean (``(K, pz + py)``) and covariance (divisor = count) of
        ``d_j = (z_j, ybar_j)``.
    cluster_size, ybar, z : ndarray
        Per cluster: size, means of ``y``, values of ``z`` (for the EM algorithm).
    y1y1 : ndarray
        Raw cross-products ``sum_i y_i y_i'`` over all rows.
    """

    y_names: tuple[str, ...]
    z_names: tuple[str, ...]
    n: int
    n_clusters: int
    s_pw: Array
    sizes: NDArray[np.int64]
    counts: NDArray[np.int64]
    dbar: Array
    dcov: Array
    cluster_size: NDArray[np.int64]
    ybar: Array
    z: Array
    y1y1: Array

    @property
    def py(self) -> int:
        return len(self.y_names)

    @functools.cached_property
    def sizes_f(self) -> Array:
        """``sizes`` as floats."""
        return self.sizes.astype(float)

    @functools.cached_property
    def counts_f(self) -> Array:
        """``counts`` as floats."""
        return self.counts.astype(float)

    @functools.cached_property
    def sum_log_size(self) -> float:
        """``sum_j log n_j`` over the clusters."""
        return float(np.sum(np.log(self.cluster_size)))

    @property
    def pz(self) -> int:
        return len(self.z_names)


def two_level_data(
    df: pd.DataFrame, cluster: str, y_names: Sequence[str], z_names: Sequence[str]
) -> TwoLevelData:
    """Summaries of the complete rows ``df`` for a two-level model clustered by ``cluster``.

    Raises
    ------
    DataValidationError
        A between-only variable changes within a cluster, or a level-1 variable does not vary
        within any cluster.
    """
    codes, _ = pd.factorize(df[cluster], sort=False)
    n_clusters = int(codes.max()) + 1
    y = _columns(df, y_names)
    zfull = _columns(df, z_names)
    size = np.bincount(codes, minlength=n_clusters).astype(np.int64)
    ybar = _cluster_means(y, codes, size)
    z = _cluster_means(zfull, codes, size)
    _check_between(zfull, z, codes, z_names, df[cluster].to_numpy(), cluster)
    dev = y - ybar[codes]
    n = y.shape[0]
    s_pw = dev.T @ dev / max(n - n_clusters, 1)
    _check_within(s_pw, y, y_names, cluster)
    d = np.hstack([z, ybar])
    sizes, counts = np.unique(size, return_counts=True)
    pd_ = d.shape[1]
    dbar = np.zeros((len(sizes), pd_))
    dcov = np.zeros((len(sizes), pd_, pd_))
    for k, s in enumerate(sizes):
        dk = d[size == s]
        dbar[k] = dk.mean(axis=0)
        c = dk - dbar[k]
        dcov[k] = c.T @ c / len(dk)
    return TwoLevelData(
        y_names=tuple(y_names),
        z_names=tuple(z_names),
        n=n,
        n_clusters=n_clusters,
        s_pw=(s_pw + s_pw.T) / 2,
        sizes=sizes.astype(np.int64),
        counts=counts.astype(np.int64),
        dbar=dbar,
        dcov=dcov,
        cluster_size=size,
        ybar=ybar,
        z=z,
        y1y1=y.T @ y,
    )


def _columns(df: pd.DataFrame, names: Sequence[str]) -> Array:
    """``df[names]`` as a float matrix, column by column (``df.loc[:, names]`` builds a frame
    first, about 1 ms, which a bootstrap pays on every refit)."""
    if not len(names):
        return np.zeros((len(df), 0))
    return np.vstack([df[v].to_numpy(dtype=float) for v in names]).T  # column-major, as .loc


def _cluster_means(x: Array, codes: NDArray[np.intp], size: NDArray[np.int64]) -> Array:
    out = np.zeros((len(size), x.shape[1]))
    np.add.at(out, codes, x)
    return out / size[:, None]


def _check_between(
    zfull: Array,
    z: Array,
    codes: NDArray[np.intp],
    names: Sequence[str],
    ids: NDArray[np.generic],
    cluster: str,
) -> None:
    if not len(names):
        return
    gap = np.abs(zfull - z[codes])
    scale = 1e-8 * (1.0 + np.abs(z[codes]))
    for k, name in enumerate(names):
        bad = np.flatnonzero(gap[:, k] > scale[:, k])
        if len(bad):
            first = ids[bad[0]]
            first = first.item() if isinstance(first, np.generic) else first
            more = len(np.unique(codes[bad])) - 1
            raise DataValidationError(
                f"'{name}' appears only at level 2 of the model but changes within cluster "
                f"{first!r} of '{cluster}'"
                + (f" and {more} more clusters" if more else "")
                + ". A level-2 variable must be constant within every cluster: use its "
                "cluster means (df.groupby(cluster)[col].transform('mean')) or put it at level 1 "
                "as well"
            )


def _check_within(s_pw: Array, y: Array, names: Sequence[str], cluster: str) -> None:
    total = y.var(axis=0) if len(y) else np.zeros(len(names))
    for k, name in enumerate(names):
        if s_pw[k, k] <= 1e-12 * max(float(total[k]), 1.0):
            raise DataValidationError(
                f"'{name}' is used at level 1 but does not vary within any cluster of "
                f"'{cluster}': it is a level-2 variable. Use it in the 'level: 2' block only "
                "(e.g. X in a 2-1-1 or 2-2-1 design)"
            )
