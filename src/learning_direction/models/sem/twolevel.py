"""The two-level normal likelihood for unbalanced clusters, its gradient, and the saturated model.

Let cluster ``j`` have ``n_j`` members with level-1 vectors ``y_ij`` (variables measured at level
1) and a vector ``z_j`` of between-only variables. With
``y_ij = mu_W + v_j + w_ij`` (``w_ij ~ N(0, Sigma_W)``, ``v_j ~ N(mu_B, Sigma_B)`` jointly with
``z_j``), the cluster mean ``ybar_j`` and ``z_j`` are independent of the within-cluster
deviations, and

.. math::

    -2 \\log L = (N - J) [\\log|\\Sigma_W| + tr(\\Sigma_W^{-1} S_{PW})]
      + \\sum_j [\\log|V_j| + (d_j - \\mu_d)^\\top V_j^{-1} (d_j - \\mu_d)]
      + \\sum_j p_y \\log n_j + (N p_y + J p_z) \\log 2\\pi

with ``d_j = (z_j, ybar_j)``, ``mu_d = (mu_z, mu_W + mu_B)`` and
``V_j = [[Sigma_zz, Sigma_zy], [Sigma_yz, Sigma_B,yy + Sigma_W / n_j]]``. This is the exact
likelihood of the raw data (Muthén 1994; McDonald & Goldstein 1989), equal to lavaan's
``lav_mvnorm_cluster_loglik_samplestats_2l``. Clusters of one size share ``V_j``, so the sum
runs over the distinct sizes with the mean and covariance of ``d_j`` within each size.

Level-1 variables that are absent from level 2 (within-only) have no between part; level-2
variables absent from level 1 are the between-only ``z``.

The saturated (H1) model, unrestricted ``Sigma_W``, ``Sigma_B`` and means, is fitted by the EM
algorithm that treats the between parts ``v_j`` as missing data (Raudenbush 1995), with the
starting values and stopping rule lavaan uses (identity matrices, zero means, ``z`` moments at
their sample values; stop when the log-likelihood rises by less than 1e-4), so that the
moments of exogenous covariates fixed at their H1 values (``fixed.x``) are lavaan's.

References
----------
McDonald, R. P., & Goldstein, H. (1989). Balanced versus unbalanced designs for linear structural
relations in two-level data. *British Journal of Mathematical and Statistical Psychology*, 42,
215-232.
Muthén, B. O. (1994). Multilevel covariance structure analysis. *Sociological Methods &
Research*, 22, 376-398.
Raudenbush, S. W. (1995). Maximum likelihood estimation for unbalanced multilevel covariance
structure models via the EM algorithm. *British Journal of Mathematical and Statistical
Psychology*, 48, 359-370.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .moments import TwoLevelData

__all__ = [
    "H1TwoLevel",
    "Layout",
    "TwoLevelStack",
    "TwoLevelValue",
    "fit_saturated",
    "minus2_loglik",
    "minus2_loglik_many",
]

Array = NDArray[np.float64]
LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class Layout:
    """Where the level-2 block's variables sit in ``d = (z, y)``.

    ``d_index[k]`` is the position in ``d`` of the k-th observed variable of the level-2 block.
    """

    py: int
    pz: int
    d_index: NDArray[np.intp]

    @classmethod
    def build(cls, ov1: Sequence[str], ov2: Sequence[str]) -> Layout:
        z = [v for v in ov2 if v not in ov1]
        pos = {v: k for k, v in enumerate(z)}
        pos.update({v: len(z) + k for k, v in enumerate(ov1)})
        return cls(len(ov1), len(z), np.asarray([pos[v] for v in ov2], dtype=np.intp))

    @property
    def pd(self) -> int:
        return self.py + self.pz

    @functools.cached_property
    def d_cells(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Row and column indices (broadcasting) of the level-2 block's cells in ``d`` order."""
        return self.d_index[:, None], self.d_index[None, :]


@dataclass(frozen=True)
class TwoLevelValue:
    """``-2 log L`` and its gradients with respect to the level-1 and level-2 moments."""

    value: float
    g_sigma_w: Array
    g_mu_w: Array
    g_sigma_b: Array
    g_mu_b: Array


def _constant(data: TwoLevelData, layout: Layout) -> float:
    """The terms of ``-2 log L`` that do not depend on the parameters."""
    py, pz = layout.py, layout.pz
    return py * data.sum_log_size + (data.n * py + data.n_clusters * pz) * LOG_2PI


@dataclass(frozen=True)
class TwoLevelStack:
    """:class:`TwoLevelValue` of a stack of moment sets (leading axis B), with the members whose
    covariance matrices are not positive definite flagged in ``bad``."""

    value: Array
    g_sigma_w: Array
    g_mu_w: Array
    g_sigma_b: Array
    g_mu_b: Array
    bad: NDArray[np.bool_]


def _value(
    data: TwoLevelData, layout: Layout, sigma_w: Array, v: Array, mu_d: Array
) -> tuple[float, Array, Array, Array, Array] | None:
    """``-2 log L`` from ``Sigma_W``, the ``V_j`` of each size and ``mu_d``, with the inverses,
    deviations and cross-products its gradient needs (``None`` if not positive definite)."""
    sw_sign, sw_logdet = np.linalg.slogdet(sigma_w)
    if sw_sign <= 0:
        return None
    sign, logdet = np.linalg.slogdet(v)
    if np.any(sign <= 0):
        return None
    sw_inv = np.asarray(np.linalg.inv(sigma_w), dtype=float)
    v_inv = np.asarray(np.linalg.inv(v), dtype=float)
    dev = data.dbar - mu_d
    t = data.dcov + dev[:, :, None] * dev[:, None, :]
    quad = np.einsum("kij,kji->k", v_inv, t)
    value = (data.n - data.n_clusters) * (sw_logdet + float(np.sum(sw_inv * data.s_pw)))
    value += float(np.sum(data.counts_f * (logdet + quad)))
    value += _constant(data, layout)
    return value, sw_inv, v_inv, dev, t


def minus2_loglik(
    data: TwoLevelData,
    layout: Layout,
    sigma_w: Array,
    mu_w: Array,
    sigma_b: Array,
    mu_b: Array,
    gradient: bool = True,
) -> TwoLevelValue | None:
    """``-2 log L`` of the two-level model (with all constants), and its gradients.

    Parameters
    ----------
    data : TwoLevelData
    layout : Layout
    sigma_w, mu_w : ndarray
        Level-1 implied covariance matrix and means (level-1 block order).
    sigma_b, mu_b : ndarray
        Level-2 implied covariance matrix and means (level-2 block order).
    gradient : bool
        Also return the gradients (else they are empty arrays).

    Returns
    -------
    TwoLevelValue or None
        ``None`` when a covariance matrix is not positive definite.
    """
    pz, nb = layout.pz, data.n - data.n_clusters
    sizes = data.sizes_f[:, None, None]
    ii, jj = layout.d_cells
    v = np.zeros((len(sizes), layout.pd, layout.pd))
    v[:, ii, jj] = sigma_b
    mu_d = np.zeros(layout.pd)
    mu_d[layout.d_index] = mu_b
    mu_d[pz:] += mu_w
    v[:, pz:, pz:] += sigma_w[None] / sizes
    core = _value(data, layout, sigma_w, v, mu_d)
    if core is None:
        return None
    value, sw_inv, v_inv, dev, t = core
    counts = data.counts_f
    if not gradient:
        empty = np.zeros(0)
        return TwoLevelValue(value, empty, empty, empty, empty)
    g_v = counts[:, None, None] * (v_inv - v_inv @ t @ v_inv)
    g_mu_d = -2.0 * np.einsum("k,kij,kj->i", counts, v_inv, dev)
    g_w = nb * (sw_inv - sw_inv @ data.s_pw @ sw_inv)
    g_w += np.sum(g_v[:, pz:, pz:] / sizes, axis=0)
    g_b = np.sum(g_v, axis=0)[ii, jj]
    return TwoLevelValue(
        value=value,
        g_sigma_w=(g_w + g_w.T) / 2,
        g_mu_w=g_mu_d[pz:],
        g_sigma_b=(g_b + g_b.T) / 2,
        g_mu_b=g_mu_d[layout.d_index],
    )


def minus2_loglik_many(
    data: TwoLevelData,
    layout: Layout,
    sigma_w: Array,
    mu_w: Array,
    sigma_b: Array,
    mu_b: Array,
) -> TwoLevelStack:
    """:func:`minus2_loglik` (with gradients) at a stack of B moment sets, on stacked arrays.

    Every moment argument has a leading axis of length B. Member ``b`` of the result equals
    ``minus2_loglik`` of member ``b``'s moments up to rounding; members whose covariance
    matrices are not positive definite are flagged in ``bad`` and their entries are NaN.
    """
    py, pz, nb = layout.py, layout.pz, data.n - data.n_clusters
    n_b, pd_, sizes = sigma_w.shape[0], layout.pd, data.sizes_f
    sw_sign, sw_logdet = np.linalg.slogdet(sigma_w)
    sb_d = np.zeros((n_b, pd_, pd_))
    ii, jj = layout.d_cells
    sb_d[:, ii, jj] = sigma_b
    mu_d = np.zeros((n_b, pd_))
    mu_d[:, layout.d_index] = mu_b
    mu_d[:, pz:] += mu_w
    v = np.repeat(sb_d[:, None], len(sizes), axis=1)
    v[:, :, pz:, pz:] += sigma_w[:, None] / sizes[None, :, None, None]
    sign, logdet = np.linalg.slogdet(v)
    bad = (sw_sign <= 0) | np.any(sign <= 0, axis=1)
    if np.any(bad):  # keep inv away from singular members; their results are NaN below
        sigma_w = np.where(bad[:, None, None], np.eye(py), sigma_w)
        v = np.where(bad[:, None, None, None], np.eye(pd_), v)
    sw_inv = np.linalg.inv(sigma_w)
    v_inv = np.linalg.inv(v)
    dev = data.dbar[None] - mu_d[:, None, :]
    t = data.dcov[None] + dev[..., :, None] * dev[..., None, :]
    counts = data.counts_f
    quad = np.einsum("bkij,bkji->bk", v_inv, t)
    value = nb * (sw_logdet + np.sum(sw_inv * data.s_pw, axis=(1, 2)))
    value = value + np.sum(counts * (logdet + quad), axis=1)
    value += _constant(data, layout)
    g_v = counts[None, :, None, None] * (v_inv - v_inv @ t @ v_inv)
    g_mu_d = -2.0 * np.einsum("k,bkij,bkj->bi", counts, v_inv, dev)
    g_w = nb * (sw_inv - sw_inv @ data.s_pw @ sw_inv)
    g_w += np.sum(g_v[:, :, pz:, pz:] / sizes[None, :, None, None], axis=1)
    idx = layout.d_index
    g_b = np.sum(g_v, axis=1)[:, idx[:, None], idx[None, :]]
    out = TwoLevelStack(
        value=value,
        g_sigma_w=(g_w + np.swapaxes(g_w, 1, 2)) / 2,
        g_mu_w=g_mu_d[:, pz:],
        g_sigma_b=(g_b + np.swapaxes(g_b, 1, 2)) / 2,
        g_mu_b=g_mu_d[:, idx],
        bad=bad,
    )
    if np.any(bad):
        for arr in (out.value, out.g_sigma_w, out.g_mu_w, out.g_sigma_b, out.g_mu_b):
            arr[bad] = np.nan
    return out


@dataclass(frozen=True)
class H1TwoLevel:
    """The saturated two-level model: implied moments per level and its log-likelihood."""

    sigma_w: Array
    mu_w: Array
    sigma_b: Array
    mu_b: Array
    loglik: float
    iterations: int


@dataclass
class _EMState:
    sigma_w: Array
    sigma_b: Array
    mu_w: Array
    mu_b: Array
    sigma_yz: Array


def fit_saturated(
    data: TwoLevelData,
    layout: Layout,
    both: NDArray[np.bool_],
    *,
    tol: float = 1e-4,
    max_iter: int = 5000,
    min_variance: float = 1e-5,
) -> H1TwoLevel:
    """Fit the unrestricted two-level model by EM (lavaan's H1 settings).

    Parameters
    ----------
    data, layout
        As for :func:`minus2_loglik`.
    both : ndarray of bool
        For each level-1 variable, whether it also has a between part (appears at level 2).
    tol, max_iter, min_variance
        Stop when the log-likelihood rises by less than ``tol``; within variances below
        ``min_variance`` are held at it (lavaan: 1e-4, 5000, 1e-5).
    """
    py, pz = layout.py, layout.pz
    z_mean = data.z.mean(axis=0) if pz else np.zeros(0)
    zc = data.z - z_mean
    sigma_zz = zc.T @ zc / data.n_clusters if pz else np.zeros((0, 0))
    start = _EMState(
        sigma_w=np.eye(py),
        sigma_b=np.diag(both.astype(float)),
        mu_w=np.zeros(py),
        mu_b=np.zeros(py),
        sigma_yz=np.zeros((py, pz)),
    )
    em = _EMData.build(data)
    fx_old = _em_loglik(data, layout, start, np.eye(pz), np.zeros(pz), both)
    state = start
    iterations = 0
    fx = fx_old
    # The log-likelihood of a state and the next E step invert the same V_j (omega): once.
    omega_inv = np.asarray(np.linalg.inv(_omega(data, state, sigma_zz)), dtype=float)
    for iterations in range(1, max_iter + 1):  # noqa: B007 - the count is returned
        state = _em_step(data, state, sigma_zz, z_mean, em, omega_inv)
        _floor_within(state, min_variance)
        fx, inv_next = _em_loglik_omega(data, layout, state, sigma_zz, z_mean)
        if fx - fx_old < tol or inv_next is None:
            break
        fx_old, omega_inv = fx, inv_next
    sigma_b, mu_b = _level2(layout, state, sigma_zz, z_mean, both)
    return H1TwoLevel(
        sigma_w=state.sigma_w,
        mu_w=state.mu_w,
        sigma_b=sigma_b,
        mu_b=mu_b,
        loglik=fx,
        iterations=iterations,
    )


def _level2(
    layout: Layout, state: _EMState, sigma_zz: Array, z_mean: Array, both: NDArray[np.bool_]
) -> tuple[Array, Array]:
    """Level-2 block moments (block order) from the EM parameters."""
    pz = layout.pz
    pd = layout.pd
    s = np.zeros((pd, pd))
    s[:pz, :pz] = sigma_zz
    s[pz:, :pz] = state.sigma_yz
    s[:pz, pz:] = state.sigma_yz.T
    s[pz:, pz:] = state.sigma_b
    mu = np.concatenate([z_mean, np.where(both, state.mu_b, 0.0)])
    idx = layout.d_index
    return s[np.ix_(idx, idx)], mu[idx]


def _em_loglik(
    data: TwoLevelData,
    layout: Layout,
    state: _EMState,
    sigma_zz: Array,
    z_mean: Array,
    both: NDArray[np.bool_],
) -> float:
    sigma_b, mu_b = _level2(layout, state, sigma_zz, z_mean, both)
    out = minus2_loglik(data, layout, state.sigma_w, state.mu_w, sigma_b, mu_b, gradient=False)
    return -math.inf if out is None else -out.value / 2


def _omega(data: TwoLevelData, state: _EMState, sigma_zz: Array) -> Array:
    """``V_j`` of each cluster size (``d = (z, y)`` order) at an EM state."""
    py, pz = state.sigma_w.shape[0], sigma_zz.shape[0]
    sizes = data.sizes_f
    omega = np.zeros((len(sizes), pz + py, pz + py))
    omega[:, :pz, :pz] = sigma_zz
    omega[:, pz:, :pz] = state.sigma_yz
    omega[:, :pz, pz:] = state.sigma_yz.T
    omega[:, pz:, pz:] = state.sigma_b + state.sigma_w / sizes[:, None, None]
    return omega


def _em_loglik_omega(
    data: TwoLevelData, layout: Layout, state: _EMState, sigma_zz: Array, z_mean: Array
) -> tuple[float, Array | None]:
    """:func:`_em_loglik` from ``V_j`` built in ``d`` order (the between parts of within-only
    variables stay exactly zero in the EM), and the inverse of ``V_j`` for the next E step
    (``None`` when not positive definite)."""
    omega = _omega(data, state, sigma_zz)
    mu_d = np.concatenate([z_mean, state.mu_b + state.mu_w])
    core = _value(data, layout, state.sigma_w, omega, mu_d)
    if core is None:
        return -math.inf, None
    return -core[0] / 2, core[2]


@dataclass(frozen=True)
class _EMData:
    """What every EM step reuses: per-cluster arrays that do not change between steps."""

    which: NDArray[np.intp]
    b: Array
    n_j: Array
    n_ybar: Array

    @classmethod
    def build(cls, data: TwoLevelData) -> _EMData:
        n_j = data.cluster_size.astype(float)
        return cls(
            which=np.searchsorted(data.sizes, data.cluster_size),
            b=np.hstack([data.z, data.ybar]),
            n_j=n_j,
            n_ybar=n_j[:, None] * data.ybar,
        )


def _em_step(
    data: TwoLevelData,
    state: _EMState,
    sigma_zz: Array,
    z_mean: Array,
    em: _EMData,
    omega_inv: Array,
) -> _EMState:
    """One E and M step: posterior moments of the cluster effects, then the moment updates.

    ``omega_inv`` is the inverse of :func:`_omega` at ``state``.
    """
    pz = sigma_zz.shape[0]
    sizes = data.sizes_f
    s1 = np.hstack([state.sigma_yz, state.sigma_b])
    weights = s1[None] @ omega_inv
    mu = np.concatenate([z_mean, state.mu_w + state.mu_b])
    ev = state.mu_b + np.einsum("jyd,jd->jy", weights[em.which], em.b - mu)
    post = state.sigma_b[None] - weights @ s1.T[None]
    post = (post + np.transpose(post, (0, 2, 1))) / 2
    counts = data.counts_f
    n_j = em.n_j
    cov_sum = np.einsum("k,kij->ij", counts, post)
    evv = cov_sum + ev.T @ ev
    n, n_clusters = float(data.n), float(data.n_clusters)
    mu_w = (n_j[:, None] * (data.ybar - ev)).sum(axis=0) / n
    mu_b = ev.mean(axis=0)
    weighted = np.einsum("k,k,kij->ij", counts, sizes, post) + (n_j[:, None] * ev).T @ ev
    cross = em.n_ybar.T @ ev
    sigma_w = (data.y1y1 + weighted - cross - cross.T) / n - np.outer(mu_w, mu_w)
    sigma_b = evv / n_clusters - np.outer(mu_b, mu_b)
    sigma_yz = (ev.T @ data.z / n_clusters - np.outer(mu_b, z_mean)) if pz else state.sigma_yz
    return _EMState(sigma_w, sigma_b, mu_w, mu_b, sigma_yz)


def _floor_within(state: _EMState, min_variance: float) -> None:
    low = np.flatnonzero(np.diag(state.sigma_w) < min_variance)
    if len(low):
        state.sigma_w[low, :] = 0.0
        state.sigma_w[:, low] = 0.0
        state.sigma_w[low, low] = min_variance
