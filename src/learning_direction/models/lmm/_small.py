"""Batched linear algebra on many small matrices at once (one per group).

A mixed model with one q x q random-effects block per group needs thousands of tiny Cholesky
factorisations and triangular solves per deviance evaluation. Calling LAPACK once per matrix
(``np.linalg.cholesky`` on a stack) costs about a microsecond of overhead each; here the loops
run over the q rows and columns instead (q is 1-4 in practice) and every step is one vector
operation over all groups.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["FloatArray", "backward_solve", "batched_cholesky", "forward_solve", "log_diag_sum"]


def batched_cholesky(a: FloatArray) -> FloatArray:
    """Lower Cholesky factors of a stack of symmetric positive definite matrices.

    Parameters
    ----------
    a : ndarray, shape (g, q, q)
        Symmetric positive definite matrices (only the lower triangle is read).

    Returns
    -------
    ndarray, shape (g, q, q)
        ``L`` with ``L @ L.T == a`` for every matrix. A non-positive pivot (which cannot happen
        for the ``I + ...`` matrices of the deviance, except through rounding) gives ``nan``.
    """
    q = a.shape[-1]
    if q == 1:
        with np.errstate(invalid="ignore"):
            return np.sqrt(a)
    low = np.zeros_like(a)
    for j in range(q):
        d = a[:, j, j] - (low[:, j, :j] ** 2).sum(axis=1)
        with np.errstate(invalid="ignore"):
            piv = np.sqrt(d)
        low[:, j, j] = piv
        for i in range(j + 1, q):
            col = a[:, i, j] - (low[:, i, :j] * low[:, j, :j]).sum(axis=1)
            low[:, i, j] = col / piv
    return low


def forward_solve(low: FloatArray, b: FloatArray) -> FloatArray:
    """Solve ``L x = b`` for a stack of lower-triangular ``L`` (forward substitution).

    Parameters
    ----------
    low : ndarray, shape (g, q, q)
        Lower-triangular factors from :func:`batched_cholesky`.
    b : ndarray, shape (g, q, m)
        Right-hand sides.

    Returns
    -------
    ndarray, shape (g, q, m)
    """
    q = low.shape[-1]
    if q == 1:
        return b / low
    x = np.empty_like(b)
    for i in range(q):
        acc = b[:, i, :].copy()
        for k in range(i):
            acc -= low[:, i, k, None] * x[:, k, :]
        x[:, i, :] = acc / low[:, i, i, None]
    return x


def backward_solve(low: FloatArray, b: FloatArray) -> FloatArray:
    """Solve ``L' x = b`` for a stack of lower-triangular ``L`` (back substitution).

    Shapes as :func:`forward_solve`.
    """
    q = low.shape[-1]
    if q == 1:
        return b / low
    x = np.empty_like(b)
    for i in range(q - 1, -1, -1):
        acc = b[:, i, :].copy()
        for k in range(i + 1, q):
            acc -= low[:, k, i, None] * x[:, k, :]
        x[:, i, :] = acc / low[:, i, i, None]
    return x


def log_diag_sum(low: FloatArray) -> float:
    """Sum of the logs of the diagonals of a stack of triangular factors."""
    return float(np.log(np.diagonal(low, axis1=-2, axis2=-1)).sum())
