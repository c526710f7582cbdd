"""Batched full-information ML for many weighted copies of one dataset (private).

The bootstrap of a FIML model resamples rows; each resample is a vector of frequency weights.
Rows are grouped by missing-data pattern; every row contributes, for its own pattern, a count,
its observed values and their cross-products, so one matrix product per pattern turns a block
of weights into every resample's weighted sufficient statistics (:class:`PatternSums`). The EM
algorithm of the saturated normal model (the engine's
:func:`~learning_direction.models.sem.saturated.em_saturated`) then runs for all resamples at
once, with the batch as the last axis of every array so that the small-matrix algebra is
elementwise over contiguous memory. Used by :mod:`.mediation_fiml` and :mod:`.dyadic_fiml`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..exceptions import ModelError
from ._ols_batch import solve_batch
from ._types import BoolArray, FloatArray, as_float
from .sem.saturated import PatternData, vech_index

__all__ = [
    "PatternSums",
    "jacobian",
    "moment_vcov",
    "pack_moments",
    "regression",
    "unpack_moments",
]

#: EM convergence of a resample: largest change of a standardized moment
EM_TOL = 1e-9
EM_MAX_ITER = 5000


def unpack_moments(theta: FloatArray, p: int) -> tuple[FloatArray, FloatArray]:
    """(B, p + p(p+1)/2) moment vectors (lavaan's order) -> mu (B, p), Sigma (B, p, p)."""
    r, c = vech_index(p)
    sigma = np.zeros((theta.shape[0], p, p))
    sigma[:, r, c] = theta[:, p:]
    sigma[:, c, r] = theta[:, p:]
    return theta[:, :p], sigma


def pack_moments(mu: FloatArray, sigma: FloatArray) -> FloatArray:
    r, c = vech_index(len(mu))
    return as_float(np.concatenate([mu, sigma[r, c]]))


class PatternSums:
    """Per-pattern weighted sufficient statistics of a batch of resamples, and the batched EM.

    Pattern ``k`` (rows ``R_k``, observed variables ``o_k``) contributes the columns
    ``[sum w, sum w y_o, triu(sum w y_o y_o')]`` to the sums of a resample with weights ``w``.
    """

    def __init__(self, data: PatternData, mu0: FloatArray, sigma0: FloatArray) -> None:
        self.p = data.p
        self.mu0, self.sigma0 = mu0, sigma0
        self.pats = data.patterns
        self.order = np.concatenate([pat.rows for pat in self.pats])
        self.blocks: list[FloatArray] = []
        self.bounds: list[tuple[int, int]] = []  # rows of each pattern in the sorted order
        self.cols: list[int] = []  # first column of each pattern in the sums
        start_row, start_col = 0, 0
        for pat in self.pats:
            yo = data.y[np.ix_(pat.rows, pat.observed)]
            iu = np.triu_indices(yo.shape[1])
            block = np.column_stack([np.ones(len(yo)), yo, yo[:, iu[0]] * yo[:, iu[1]]])
            self.blocks.append(np.ascontiguousarray(block))
            self.bounds.append((start_row, start_row + len(yo)))
            self.cols.append(start_col)
            start_row += len(yo)
            start_col += block.shape[1]
        self.width = start_col

    def sums(self, W: FloatArray) -> FloatArray:
        """(B, width) weighted sums of a (B, n) frequency-weight block."""
        Ws = W[:, self.order]
        return as_float(
            np.hstack([Ws[:, a:b] @ blk for (a, b), blk in zip(self.bounds, self.blocks)])
        )

    def per_row(self) -> FloatArray:
        """(n, width): every row's own contribution (for the jackknife)."""
        out = np.zeros((len(self.order), self.width))
        for (a, b), blk, c0 in zip(self.bounds, self.blocks, self.cols):
            out[self.order[a:b], c0 : c0 + blk.shape[1]] = blk
        return out

    def _moments(self, S: FloatArray) -> tuple[list[FloatArray], FloatArray]:
        """Each incomplete pattern's moment matrix ``[[N, s1'], [s1, s2]]`` (1+q, 1+q, B), and
        the sum of every pattern's, padded to (1+p, 1+p, B). The batch is the last axis."""
        St = np.ascontiguousarray(S.T)
        B, p = S.shape[0], self.p
        incomplete = []
        observed = np.zeros((p + 1, p + 1, B))
        for pat, c0 in zip(self.pats, self.cols):
            q = len(pat.observed)
            iu = np.triu_indices(q + 1)
            mk = np.zeros((q + 1, q + 1, B))
            mk[iu[0], iu[1]] = St[c0 : c0 + len(iu[0])]
            mk[iu[1], iu[0]] = mk[iu[0], iu[1]]
            if len(pat.missing):
                incomplete.append(mk)
            idx = np.concatenate([[0], 1 + pat.observed])
            observed[idx[:, None], idx[None, :]] += mk
        return incomplete, observed

    def em(self, S: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
        """The ML means (B, p) and covariance matrices (B, p, p) of B resamples at once, and
        the resamples that failed.

        EM (accelerated by SQUAREM) from the full-sample moments until no standardized moment
        changes by more than ``EM_TOL`` in a cycle; resamples leave the batch as they
        converge. A resample in which two
        variables are observed together in fewer than 3 rows fails (NaN). Internally the
        batch is the last axis, so that every operation on the small matrices is elementwise
        over contiguous memory."""
        B, p = S.shape[0], self.p
        cover = np.zeros((B, p, p))
        for pat, c0 in zip(self.pats, self.cols):
            cover[:, pat.oo[0], pat.oo[1]] += S[:, c0, None, None]
        bad = cover.min(axis=(1, 2)) < 3
        mu = np.repeat(self.mu0[:, None], B, axis=1)
        sigma = np.repeat(self.sigma0[:, :, None], B, axis=2)
        idx = np.flatnonzero(~bad)
        incomplete, observed = self._moments(S[idx])
        m_a, s_a = mu[:, idx], sigma[:, :, idx]
        for _ in range(EM_MAX_ITER // 3):
            if not len(idx):
                break
            with np.errstate(all="ignore"):
                m_n, s_n = self._squarem_cycle(incomplete, observed, m_a, s_a)
            change = np.maximum(np.abs(m_n - m_a).max(axis=0), np.abs(s_n - s_a).max(axis=(0, 1)))
            m_a, s_a = m_n, s_n
            failed = ~np.isfinite(change)
            bad[idx[failed]] = True
            keep = (change > EM_TOL) & ~failed
            if not keep.all():
                done = ~keep
                mu[:, idx[done]], sigma[:, :, idx[done]] = m_a[:, done], s_a[:, :, done]
                idx, m_a, s_a = idx[keep], m_a[:, keep], s_a[:, :, keep]
                observed = observed[:, :, keep]
                incomplete = [mk[:, :, keep] for mk in incomplete]
        bad[idx] = True  # not converged
        return as_float(mu.T), as_float(sigma.transpose(2, 0, 1)), bad

    def _squarem_cycle(
        self, incomplete: list[FloatArray], observed: FloatArray, mu: FloatArray, sigma: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """One SQUAREM cycle (Varadhan & Roland 2008, scheme S3): two EM steps, a squared
        extrapolation along them, and an EM step from the extrapolated point (which falls back
        to the second EM step where it is not a covariance matrix). Converges to the EM fixed
        point, in far fewer steps when much information is missing."""
        m1, s1 = self._em_step(incomplete, observed, mu, sigma)
        m2, s2 = self._em_step(incomplete, observed, m1, s1)
        rm, rs = m1 - mu, s1 - sigma
        vm, vs = m2 - 2 * m1 + mu, s2 - 2 * s1 + sigma
        r2 = (rm**2).sum(axis=0) + (rs**2).sum(axis=(0, 1))
        v2 = (vm**2).sum(axis=0) + (vs**2).sum(axis=(0, 1))
        alpha = np.minimum(-np.sqrt(r2 / np.where(v2 > 0, v2, np.inf)), -1.0)
        m_x = mu - 2 * alpha * rm + alpha**2 * vm
        s_x = sigma - 2 * alpha * rs + alpha**2 * vs
        ok = _positive_definite(s_x) & np.isfinite(m_x).all(axis=0)
        m_x = np.where(ok, m_x, m2)
        s_x = np.where(ok, s_x, s2)
        return self._em_step(incomplete, observed, m_x, s_x)

    def _em_step(
        self, incomplete: list[FloatArray], observed: FloatArray, mu: FloatArray, sigma: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """One EM step for a batch (the engine's ``_em_step``, batched; batch last).

        With ``K = Sigma^-1``, the regression of a pattern's missing variables ``m`` on its
        observed ones ``o`` is ``b = -K_mm^-1 K_mo`` with residual covariance ``K_mm^-1``;
        with ``C = [a, b]``, ``a = mu_m - b mu_o``, and ``M`` the pattern's moments of
        ``(1, y_o)``, the expected cross-products of its rows add ``C M`` to the block of
        ``y_m`` by ``(1, y_o)`` and ``C M C' + N K_mm^-1`` to the block of ``y_m``; the
        observed blocks (``observed``: every pattern's ``M``, padded) do not change.
        """
        K = _sym_inv(sigma)
        t = observed.copy()
        pats = [pat for pat in self.pats if len(pat.missing)]
        for pat, mk in zip(pats, incomplete):
            o, m = pat.observed, pat.missing
            oi = np.concatenate([[0], 1 + o])
            kmm_inv = _small_inv(K[m[:, None], m[None, :]])
            b = -_mm(kmm_inv, K[m[:, None], o[None, :]])
            a = mu[m] - (b * mu[o][None]).sum(axis=1)
            c = np.concatenate([a[:, None], b], axis=1)  # (1, y_o) -> E[y_m | y_o]
            g = _mm(c, mk)
            t[1 + m[:, None], oi[None, :]] += g
            t[oi[:, None], 1 + m[None, :]] += g.transpose(1, 0, 2)
            t[1 + m[:, None], 1 + m[None, :]] += (
                _mm(g, c.transpose(1, 0, 2)) + mk[0, 0][None, None] * kmm_inv
            )
        total = t[0, 0]
        mu_n = t[0, 1:] / total
        sigma_n = t[1:, 1:] / total - mu_n[:, None] * mu_n[None, :]
        return mu_n, (sigma_n + sigma_n.transpose(1, 0, 2)) / 2


def _mm(a: FloatArray, b: FloatArray) -> FloatArray:
    """Products of small matrices with the batch as the last axis: (i, l, B) x (l, j, B)."""
    return as_float((a[:, :, None, :] * b[None, :, :, :]).sum(axis=1))


def _positive_definite(a: FloatArray) -> BoolArray:
    """Which symmetric matrices (p, p, B), batch last, are positive definite: every pivot of
    Gaussian elimination without pivoting is positive (and finite)."""
    m = a.copy()
    ok = np.ones(a.shape[2], dtype=bool)
    for k in range(a.shape[0]):
        piv = m[k, k].copy()
        ok &= piv > 0
        piv = np.where(piv > 0, piv, 1.0)
        m -= m[:, k, None, :] * (m[k] / piv)[None]
    return ok & np.isfinite(a).all(axis=(0, 1))


def _sym_inv(a: FloatArray) -> FloatArray:
    """Inverses of symmetric positive definite matrices (p, p, B), batch last, by
    Gauss-Jordan elimination (no pivoting needed): much faster than ``np.linalg.inv`` on many
    tiny matrices."""
    p = a.shape[0]
    m = a.copy()
    inv = np.zeros_like(m)
    inv[np.arange(p), np.arange(p)] = 1.0
    for k in range(p):
        piv = m[k, k].copy()
        m[k] /= piv
        inv[k] /= piv
        f = m[:, k].copy()
        f[k] = 0.0
        m -= f[:, None, :] * m[k][None]
        inv -= f[:, None, :] * inv[k][None]
    return as_float(inv)


def _small_inv(a: FloatArray) -> FloatArray:
    """Inverses of small symmetric matrices (q, q, B), closed form up to 2 x 2."""
    if a.shape[0] == 1:
        return as_float(1.0 / a)
    if a.shape[0] == 2:
        det = a[0, 0] * a[1, 1] - a[0, 1] ** 2
        out = np.empty_like(a)
        out[0, 0] = a[1, 1] / det
        out[1, 1] = a[0, 0] / det
        out[0, 1] = out[1, 0] = -a[0, 1] / det
        return as_float(out)
    return _sym_inv(a)


def moment_vcov(data: PatternData, mu: FloatArray, sigma: FloatArray) -> FloatArray:
    """Inverse observed information of the saturated moments (lavaan's order)."""
    info = data.information(sigma, mu, observed=True)
    try:
        return as_float(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        raise ModelError(
            "the FIML information matrix of the variables is singular (a variable is a linear "
            "combination of others); remove the redundant variable"
        ) from None


def jacobian(fn: Any, theta: FloatArray, step: float = 1e-6) -> FloatArray:
    """Central-difference Jacobian of ``fn`` ((B, k) moment vectors -> (B, m)) at ``theta``."""
    k = len(theta)
    pts = np.concatenate([theta + step * np.eye(k), theta - step * np.eye(k)])
    vals = fn(pts)
    return as_float((vals[:k] - vals[k:]).T / (2 * step))


def regression(
    mu: FloatArray, sigma: FloatArray, outcome: int, predictors: list[int]
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Slopes (B, k) and intercepts (B,) of ``outcome`` on ``predictors`` implied by B sets of
    means (B, p) and covariance matrices (B, p, p): ``Sigma_PP^-1 Sigma_Po`` and
    ``mu_o - beta' mu_P``; and which are singular."""
    pr = np.asarray(predictors)
    beta, sing = solve_batch(sigma[:, pr[:, None], pr[None, :]], sigma[:, pr, outcome])
    return beta, mu[:, outcome] - np.einsum("bi,bi->b", beta, mu[:, pr]), sing
