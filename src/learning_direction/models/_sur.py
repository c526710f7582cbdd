"""Maximum-likelihood fit of a two-equation seemingly-unrelated-regressions (SUR) model.

This is the numerical engine behind :func:`learning_direction.models.dyadic.apim` with
``method="gls"``. It works on weighted cross-product matrices, so a single fit and a batch of
bootstrap resamples (weights = resampling counts) run through the same vectorised code.

Model, for dyad ``i`` (``j = 1, 2`` the two roles)::

    y_ij = w_ij' beta_j + e_ij,    (e_i1, e_i2)' ~ N(0, Sigma),  Sigma unstructured 2 x 2

with linear equality constraints ``beta = C theta`` (``beta`` stacks ``beta_1`` and ``beta_2``).
Stacked in long format (two rows per dyad, role-specific intercepts and slopes, residuals
correlated within dyad) this is the "two-intercept" multilevel formulation of the APIM.

The ML solution is found by iterated feasible GLS (Oberhofer & Kmenta, 1974): given ``Sigma``,
``theta`` is the GLS estimate; given ``theta``, ``Sigma`` is the ML residual cross-product
``E'E / N``; iterate until the log-likelihood stops changing. Without constraints and with
the same regressors in both equations the first step (OLS) is already the ML solution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._types import BoolArray, FloatArray

__all__ = ["SURFit", "cross_products", "fit_sur"]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class SURFit:
    """Batch of ML fits (leading dimension = batch)."""

    theta: np.ndarray  # (B, q)
    cov_theta: np.ndarray  # (B, q, q) inverse information, ML Sigma
    sigma: np.ndarray  # (B, 2, 2) ML residual covariance (divisor N)
    loglik: np.ndarray  # (B,) log-likelihood of y given the regressors
    n: np.ndarray  # (B,) number of dyads (sum of weights)
    n_iter: int
    converged: np.ndarray  # (B,) bool
    ok: np.ndarray  # (B,) bool: False when the information matrix was singular


def cross_products(
    g: np.ndarray, weights: np.ndarray | None = None, chunk: int = 500
) -> np.ndarray:
    """Weighted cross-products ``G' diag(w_b) G`` for each row ``w_b`` of ``weights``.

    ``g`` is ``(N, K)``; ``weights`` is ``(B, N)`` (``None`` means one batch of unit weights).
    Returns ``(B, K, K)``.
    """
    if weights is None:
        one: FloatArray = (g.T @ g)[None, :, :]
        return one
    weights = np.asarray(weights, dtype=float)
    out = np.empty((weights.shape[0], g.shape[1], g.shape[1]))
    for start in range(0, weights.shape[0], chunk):
        w = weights[start : start + chunk]
        out[start : start + chunk] = np.einsum("bn,ni,nj->bij", w, g, g, optimize=True)
    return out


def _solve_batch(a: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve ``a x = rhs`` and invert ``a`` per batch; singular members get NaN."""
    b = a.shape[0]
    ok = np.ones(b, dtype=bool)
    try:
        inv = np.linalg.inv(a)
    except np.linalg.LinAlgError:
        inv = np.full_like(a, np.nan)
        for i in range(b):
            try:
                inv[i] = np.linalg.inv(a[i])
            except np.linalg.LinAlgError:
                ok[i] = False
    # guard against numerically singular matrices that inv() did not flag
    # (condition number of the correlation-scaled matrix, so that units do not matter)
    d = np.sqrt(np.abs(np.einsum("bii->bi", a)))
    d[d == 0] = 1.0
    cond = np.linalg.cond(a / d[:, :, None] / d[:, None, :])
    bad = ~np.isfinite(cond) | (cond > 1e13)
    ok &= ~bad
    inv[~ok] = np.nan
    x = np.einsum("bij,bj->bi", inv, rhs)
    return x, inv, ok


def fit_sur(
    m: np.ndarray,
    p: int,
    c: np.ndarray,
    *,
    tol: float = 1e-12,
    max_iter: int = 1000,
) -> SURFit:
    """ML fit of the constrained two-equation SUR model from cross-products.

    Parameters
    ----------
    m : ndarray, shape (B, 2p + 2, 2p + 2)
        Cross-products of ``[W_1, W_2, y_1, y_2]`` (``W_j`` the ``N x p`` regressors of
        equation ``j``), one matrix per batch member; ``m[:, -2, -2]`` etc. hold ``y'y``.
        The number of dyads is read from the intercept column (``W_j[:, 0]`` must be 1).
    p : int
        Regressors per equation.
    c : ndarray, shape (2p, q)
        Constraint matrix, ``beta = c @ theta``.
    tol : float
        Convergence tolerance on the change in the log-likelihood per dyad and in ``Sigma``.
    max_iter : int
        Maximum number of GLS iterations.
    """
    m = np.asarray(m, dtype=float)
    c = np.asarray(c, dtype=float)
    eqs = _Moments(m, p, c)
    b = m.shape[0]
    sig_inv = np.broadcast_to(np.eye(2), (b, 2, 2)).copy()
    old_ll = np.full(b, -np.inf)
    converged = np.zeros(b, dtype=bool)
    ok = np.ones(b, dtype=bool)
    sigma = ll = np.full(b, np.nan)
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        theta, inv, ok = eqs.gls(sig_inv)
        sigma = eqs.residual_cov(theta)
        det = sigma[:, 0, 0] * sigma[:, 1, 1] - sigma[:, 0, 1] ** 2
        ok = ok & (det > 0) & np.isfinite(det)
        with np.errstate(invalid="ignore", divide="ignore"):
            ll = -0.5 * eqs.n * (2 * _LOG_2PI + np.log(det) + 2.0)
            new_inv = (
                np.stack(
                    [
                        np.stack([sigma[:, 1, 1], -sigma[:, 0, 1]], -1),
                        np.stack([-sigma[:, 0, 1], sigma[:, 0, 0]], -1),
                    ],
                    -2,
                )
                / det[:, None, None]
            )
        change = np.abs(ll - old_ll) / np.maximum(eqs.n, 1.0)
        sig_change = np.max(np.abs(new_inv - sig_inv), axis=(1, 2))
        converged = (change < tol) & (sig_change < np.sqrt(tol))
        converged |= ~ok
        old_ll = ll
        sig_inv = np.where(ok[:, None, None], new_inv, sig_inv)
        if n_iter > 1 and converged.all():
            break
    # final information at the converged Sigma
    theta_f, inv, ok_f = eqs.gls(sig_inv)
    ok = ok & ok_f
    return SURFit(
        theta=np.where(ok[:, None], theta_f, np.nan),
        cov_theta=inv,
        sigma=sigma,
        loglik=ll,
        n=eqs.n,
        n_iter=n_iter,
        converged=converged & ok,
        ok=ok,
    )


class _Moments:
    """The parts of the GLS normal equations that do not depend on Sigma, and the residual
    cross-products at given coefficients, for a batch of cross-product matrices."""

    def __init__(self, m: FloatArray, p: int, c: FloatArray) -> None:
        s1, s2 = slice(0, p), slice(p, 2 * p)
        y1, y2 = 2 * p, 2 * p + 1
        self.m, self.y1, self.y2 = m, y1, y2
        self.c1, self.c2 = c[:p], c[p:]
        self.m11, self.m12, self.m22 = m[:, s1, s1], m[:, s1, s2], m[:, s2, s2]
        self.w1y1, self.w1y2 = m[:, s1, y1], m[:, s1, y2]
        self.w2y1, self.w2y2 = m[:, s2, y1], m[:, s2, y2]
        self.n = m[:, 0, 0]
        c1, c2 = self.c1, self.c2
        self.k11 = np.einsum("iq,bij,jr->bqr", c1, self.m11, c1)
        k12 = np.einsum("iq,bij,jr->bqr", c1, self.m12, c2)
        self.k12 = k12 + np.transpose(k12, (0, 2, 1))
        self.k22 = np.einsum("iq,bij,jr->bqr", c2, self.m22, c2)
        self.r11, self.r12 = self.w1y1 @ c1, self.w1y2 @ c1  # (B, q)
        self.r21, self.r22 = self.w2y1 @ c2, self.w2y2 @ c2

    def gls(self, sig_inv: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
        """GLS estimates of theta at the inverse residual covariances ``sig_inv``."""
        ai, bi, ci = sig_inv[:, 0, 0], sig_inv[:, 0, 1], sig_inv[:, 1, 1]
        a = (
            ai[:, None, None] * self.k11
            + bi[:, None, None] * self.k12
            + ci[:, None, None] * self.k22
        )
        rhs = ai[:, None] * self.r11 + bi[:, None] * (self.r12 + self.r21) + ci[:, None] * self.r22
        return _solve_batch(a, rhs)

    def residual_cov(self, theta: FloatArray) -> FloatArray:
        """ML residual covariance ``E'E / N`` (B, 2, 2) at the coefficients ``theta``."""
        m, y1, y2 = self.m, self.y1, self.y2
        beta1 = theta @ self.c1.T
        beta2 = theta @ self.c2.T
        e11 = (
            m[:, y1, y1]
            - 2 * np.einsum("bi,bi->b", beta1, self.w1y1)
            + np.einsum("bi,bij,bj->b", beta1, self.m11, beta1)
        )
        e22 = (
            m[:, y2, y2]
            - 2 * np.einsum("bi,bi->b", beta2, self.w2y2)
            + np.einsum("bi,bij,bj->b", beta2, self.m22, beta2)
        )
        e12 = (
            m[:, y1, y2]
            - np.einsum("bi,bi->b", beta1, self.w1y2)
            - np.einsum("bi,bi->b", beta2, self.w2y1)
            + np.einsum("bi,bij,bj->b", beta1, self.m12, beta2)
        )
        cov: FloatArray = np.stack([np.stack([e11, e12], -1), np.stack([e12, e22], -1)], -2)
        return cov / self.n[:, None, None]
