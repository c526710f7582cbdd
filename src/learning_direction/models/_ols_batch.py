"""Small least-squares and logistic pieces used by the bootstrap engine and the mediation models.

Private module. Everything here is plain numpy so that a whole chunk of bootstrap resamples can be
solved at once:

* :func:`triu_products` turns a data matrix ``V`` (n, q) into per-row cross-product contributions
  (n, q(q+1)/2); a matrix of frequency weights ``W`` (B, n) times these contributions gives the
  upper triangles of the B weighted cross-product matrices ``V' diag(w_b) V`` in ONE product.
* :func:`sym_from_triu` rebuilds the (B, q, q) symmetric matrices from those triangles.
* :func:`solve_batch` solves the B normal equations with an explicit singularity check.
* :func:`ols_fit` / :func:`logit_fit` are the exact full-sample fits (QR / Newton) used for the
  point estimates and their standard errors (classical, as R's ``lm``/``glm`` and PROCESS report).
* :func:`logit_batch` is a batched Newton-Raphson (IRLS) for a logistic outcome equation across
  resamples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "OLSFit",
    "logit_batch",
    "logit_fit",
    "ols_fit",
    "solve_batch",
    "sym_from_triu",
    "triu_products",
]

#: reciprocal condition number (of the unit-diagonal scaled matrix) below which a resample's
#: normal equations count as singular
RCOND_TOL = 1e-10


def triu_products(V: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Per-row products ``V[:, i] * V[:, j]`` for ``i <= j`` and the index pair used."""
    q = V.shape[1]
    iu = np.triu_indices(q)
    return V[:, iu[0]] * V[:, iu[1]], iu


def sym_from_triu(tri: np.ndarray, q: int, iu: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """(B, r) upper-triangle vectors -> (B, q, q) symmetric matrices."""
    out = np.empty((tri.shape[0], q, q))
    out[:, iu[0], iu[1]] = tri
    out[:, iu[1], iu[0]] = tri
    return out


def solve_batch(
    A: np.ndarray, b: np.ndarray, tol: float = RCOND_TOL
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``A[k] x[k] = b[k]`` for a batch of symmetric positive semi-definite systems.

    Parameters
    ----------
    A : ndarray, shape (B, p, p)
    b : ndarray, shape (B, p)
    tol : float
        Systems whose unit-diagonal scaled matrix has reciprocal condition number below ``tol``
        (or a zero / non-finite diagonal) are flagged singular; their solution is NaN.

    Returns
    -------
    (x, singular) : ndarray (B, p), bool ndarray (B,)
    """
    d = np.sqrt(np.einsum("bii->bi", A))
    bad = ~np.isfinite(d).all(axis=1) | (d <= 0).any(axis=1)
    d = np.where(d > 0, d, 1.0)
    S = A / (d[:, :, None] * d[:, None, :])
    S[bad] = np.eye(A.shape[1])
    ev = np.linalg.eigvalsh(S)
    with np.errstate(divide="ignore", invalid="ignore"):
        rcond = ev[:, 0] / ev[:, -1]
    singular = bad | ~np.isfinite(rcond) | (rcond < tol)
    S[singular] = np.eye(A.shape[1])
    z = np.linalg.solve(S, (b / d)[..., None])[..., 0]
    x = z / d
    x[singular] = np.nan
    return x, singular


@dataclass(frozen=True)
class OLSFit:
    """Full-sample least-squares (or logistic) fit of one equation."""

    coef: np.ndarray
    vcov: np.ndarray
    df_resid: int
    names: tuple[str, ...]
    sigma2: float
    r2: float
    family: str = "gaussian"

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    def get(self, name: str) -> tuple[float, float]:
        i = self.names.index(name)
        return float(self.coef[i]), float(self.se[i])


def ols_fit(
    X: np.ndarray, y: np.ndarray, names: tuple[str, ...], groups: np.ndarray | None = None
) -> OLSFit:
    """OLS by QR with classical (``lm``) or, with ``groups``, CR1 cluster-robust covariance.

    The cluster-robust covariance is ``sandwich::vcovCL(type = "HC1")``:
    ``G/(G-1) * (n-1)/(n-p) * (X'X)^-1 (sum_g X_g' e_g e_g' X_g) (X'X)^-1``.
    """
    n, p = X.shape
    Q, R = np.linalg.qr(X)
    coef = np.linalg.solve(R, Q.T @ y)
    resid = y - X @ coef
    df = n - p
    sigma2 = float(resid @ resid / df) if df > 0 else np.nan
    Rinv = np.linalg.solve(R, np.eye(p))
    XtX_inv = Rinv @ Rinv.T
    if groups is None:
        vcov = sigma2 * XtX_inv
    else:
        codes, _ = _codes(groups)
        G = int(codes.max()) + 1
        S = np.zeros((G, p))
        np.add.at(S, codes, X * resid[:, None])
        meat = S.T @ S
        adj = G / (G - 1) * (n - 1) / (n - p)
        vcov = adj * XtX_inv @ meat @ XtX_inv
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / tss if tss > 0 else np.nan
    return OLSFit(coef, vcov, df, tuple(names), sigma2, r2)


def _codes(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes ``0..G-1`` of the group ids and the ids, in sorted order.

    Ids of one type are numbered in sorted order (``np.unique``), so cluster bootstrap draws do
    not depend on the row order. Ids that cannot be compared with each other (an object column
    mixing e.g. ints and strings) are grouped by equality and ordered by their text, then type
    name; ``1`` and ``"1"`` stay two groups.
    """
    arr = np.asarray(groups)
    try:
        uniq, codes = np.unique(arr, return_inverse=True)
        return codes.ravel(), uniq
    except TypeError:  # unorderable mix of types (numpy raises a TypeError subclass)
        pass
    first, found = pd.factorize(pd.Series(arr.ravel(), dtype=object), use_na_sentinel=False)
    order = sorted(range(len(found)), key=lambda i: (str(found[i]), type(found[i]).__name__))
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    uniq = np.empty(len(order), dtype=object)
    uniq[:] = [found[i] for i in order]
    return rank[first], uniq


def logit_fit(
    X: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
    max_iter: int = 50,
    groups: np.ndarray | None = None,
) -> OLSFit:
    """Logistic regression by Newton-Raphson (as R's ``glm(family = binomial)``).

    With ``groups`` the covariance is CR1 cluster-robust, ``sandwich::vcovCL(fit, cluster,
    type = "HC1")``: ``G/(G-1) * (n-1)/(n-p) * I^-1 (sum_g s_g s_g') I^-1`` with ``I`` the
    information matrix and ``s_g`` the cluster's summed scores ``X_i (y_i - mu_i)``.

    Raises ``FloatingPointError`` when the fit does not converge or the information matrix is
    singular (e.g. complete separation); callers turn this into a :class:`ModelError`.
    """
    n, p = X.shape
    beta = np.zeros(p)
    for _ in range(max_iter):
        eta = X @ beta
        mu = 1.0 / (1.0 + np.exp(-eta))
        w = mu * (1.0 - mu)
        info = X.T @ (X * w[:, None])
        step = np.linalg.solve(info, X.T @ (y - mu))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10 * (1 + np.max(np.abs(beta))):
            break
    else:
        raise FloatingPointError("logistic fit did not converge (separation?)")
    eta = X @ beta
    mu = 1.0 / (1.0 + np.exp(-eta))
    if np.any(np.abs(eta) > 30):
        raise FloatingPointError("fitted probabilities of 0 or 1 (complete separation)")
    info = X.T @ (X * (mu * (1 - mu))[:, None])
    vcov = np.linalg.inv(info)
    if groups is not None:
        codes, _ = _codes(groups)
        G = int(codes.max()) + 1
        S = np.zeros((G, p))
        np.add.at(S, codes, X * (y - mu)[:, None])
        vcov = G / (G - 1) * (n - 1) / (n - p) * vcov @ (S.T @ S) @ vcov
    return OLSFit(beta, vcov, n - p, tuple(names), 1.0, np.nan, family="binomial")


def logit_batch(
    X: np.ndarray, y: np.ndarray, W: np.ndarray, beta0: np.ndarray, max_iter: int = 25
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regressions for a batch of frequency-weight vectors.

    Newton-Raphson from the full-sample estimate ``beta0``: in each iteration the B information
    matrices ``X' diag(w_b mu_b (1 - mu_b)) X`` come from one matrix product and are solved with
    :func:`solve_batch`. Resamples that are singular, diverge (|eta| > 30: separation) or do not
    converge are flagged and returned as NaN.

    Returns
    -------
    (beta, failed) : ndarray (B, p), bool ndarray (B,)
    """
    B = W.shape[0]
    p = X.shape[1]
    prods, iu = triu_products(X)
    beta = np.tile(beta0, (B, 1))
    failed = np.zeros(B, dtype=bool)
    converged = np.zeros(B, dtype=bool)
    for _ in range(max_iter):
        eta = beta @ X.T
        with np.errstate(over="ignore"):
            mu = 1.0 / (1.0 + np.exp(-eta))
        Wmu = W * (mu * (1.0 - mu))
        info = sym_from_triu(Wmu @ prods, p, iu)
        score = (W * (y[None, :] - mu)) @ X
        step, sing = solve_batch(info, score)
        failed |= sing
        step[failed] = 0.0
        beta = beta + step
        converged = np.max(np.abs(step), axis=1) < 1e-9 * (1 + np.max(np.abs(beta), axis=1))
        if converged.all():
            break
    eta = beta @ X.T
    sep = (np.abs(eta) * (W > 0)).max(axis=1) > 30
    failed |= sep | ~converged
    beta[failed] = np.nan
    return beta, failed
