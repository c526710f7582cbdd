"""Maximum-likelihood factor extraction (Jöreskog 1967), as ``factanal`` and ``psych::fa(fm="ml")``.

Private numerics used by :mod:`learning_direction.scales.reliability` (omega total from a
one-factor ML solution) and available to other scale modules. No plotting, no I/O.

The ML discrepancy between a correlation (or covariance) matrix ``S`` and the factor model
``Σ = ΛΛ' + Ψ`` is concentrated over the loadings: for fixed uniquenesses ``Ψ`` the best
loadings come from the ``q`` largest eigenvalues ``e_1 ≥ … ≥ e_q`` (eigenvectors ``v``) of
``Ψ^{-1/2} S Ψ^{-1/2}``,

    Λ = Ψ^{1/2} V diag(sqrt(max(e - 1, 0))),

and the remaining discrepancy is ``F(Ψ) = -Σ_{j>q} (log e_j - e_j) - q + p``. ``F`` is minimised
over ``Ψ`` in ``[lower, 1]`` with L-BFGS-B and its analytic gradient ``diag(ΛΛ' + Ψ - S) / Ψ²``,
the same objective and bounds as R's ``factanal`` and ``psych::fa(fm = "ml")``. The minimiser
is unique (up to the sign of each factor), so a tighter optimiser only adds digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["MLFactorSolution", "ml_factor", "smc"]


@dataclass(frozen=True)
class MLFactorSolution:
    """Unrotated ML factor solution.

    Attributes
    ----------
    loadings : ndarray, shape (p, q)
        Unrotated loadings, each column sign-normalised so that its sum is positive.
    uniquenesses : ndarray, shape (p,)
        ``Ψ``; on a correlation matrix ``1 - communality``.
    objective : float
        The ML discrepancy ``F`` at the solution (multiply by ``n - 1 - (2p + 5)/6 - 2q/3`` for
        factanal's Bartlett-corrected chi-square).
    converged : bool
        Whether L-BFGS-B reported convergence.
    heywood : bool
        Whether some uniqueness sits at the lower bound (a Heywood case).
    """

    loadings: np.ndarray
    uniquenesses: np.ndarray
    objective: float
    converged: bool
    heywood: bool


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations ``1 - 1 / diag(R^{-1})`` (``psych::smc``).

    Falls back to the pseudo-inverse when ``R`` is singular.
    """
    r = np.asarray(r, dtype=float)
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    return 1.0 - 1.0 / np.diag(inv)


def _loadings(psi: np.ndarray, s: np.ndarray, q: int) -> tuple[np.ndarray, np.ndarray]:
    sc = 1.0 / np.sqrt(psi)
    sstar = s * np.outer(sc, sc)
    e, v = np.linalg.eigh(sstar)
    e, v = e[::-1], v[:, ::-1]
    load = v[:, :q] * np.sqrt(np.maximum(e[:q] - 1.0, 0.0))
    return np.sqrt(psi)[:, None] * load, e


def _objective(psi: np.ndarray, s: np.ndarray, q: int) -> float:
    sc = 1.0 / np.sqrt(psi)
    e = np.linalg.eigvalsh(s * np.outer(sc, sc))[::-1][q:]
    if np.any(e <= 0):  # S not positive definite (e.g. pairwise correlations): penalise
        return 1e10
    return float(-(np.sum(np.log(e) - e) - q + s.shape[0]))


def _gradient(psi: np.ndarray, s: np.ndarray, q: int) -> np.ndarray:
    lam, _ = _loadings(psi, s, q)
    g = lam @ lam.T + np.diag(psi) - s
    grad: np.ndarray = np.diag(g) / psi**2
    return grad


def ml_factor(s: np.ndarray, n_factors: int = 1, lower: float = 0.005) -> MLFactorSolution:
    """Unrotated maximum-likelihood factor solution of a correlation or covariance matrix.

    Parameters
    ----------
    s : ndarray, shape (p, p)
        Correlation matrix (as ``psych::fa`` uses) or covariance matrix.
    n_factors : int
        Number of factors ``q``; ``q < p``.
    lower : float
        Lower bound of the uniquenesses (``psych::fa`` and ``factanal`` use 0.005).

    Returns
    -------
    MLFactorSolution

    Notes
    -----
    Start values are psych's ``(1 - 0.5 q / p) / diag(S^{-1})``. On a covariance matrix the
    uniquenesses are on the variance metric and the upper bound is the item variance.

    References
    ----------
    Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor analysis.
    *Psychometrika, 32*, 443–482.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([[1, .5, .4], [.5, 1, .3], [.4, .3, 1.]])
    >>> sol = ml_factor(r, 1)          # psych::fa(r, nfactors = 1, fm = "ml")
    >>> np.round(sol.loadings.ravel(), 3)
    array([0.816, 0.612, 0.49 ])

    Three indicators identify one factor exactly: :math:`\\lambda_1^2 = r_{12} r_{13} / r_{23}
    = .5 \\times .4 / .3`, so :math:`\\lambda_1 = .816`, :math:`\\lambda_2 = .5 / .816 = .612`
    and :math:`\\lambda_3 = .4 / .816 = .490`.
    """
    s = np.asarray(s, dtype=float)
    p = s.shape[0]
    q = int(n_factors)
    if not 1 <= q < p:
        raise ValueError(f"n_factors must be between 1 and {p - 1} for {p} variables, got {q}")
    diag = np.diag(s).copy()
    try:
        start = (1.0 - 0.5 * q / p) / np.diag(np.linalg.inv(s))
    except np.linalg.LinAlgError:
        start = (1.0 - 0.5 * q / p) * diag
    upper = diag
    lo = lower * diag
    start = np.clip(start, lo, upper)
    res = optimize.minimize(
        _objective,
        start,
        args=(s, q),
        jac=_gradient,
        method="L-BFGS-B",
        bounds=list(zip(lo, upper)),
        options={"ftol": 1e-14, "gtol": 1e-10, "maxiter": 2000},
    )
    psi = res.x
    lam, _ = _loadings(psi, s, q)
    signs = np.where(lam.sum(axis=0) < 0, -1.0, 1.0)
    lam = lam * signs
    # L-BFGS-B can stop with a line-search "failure" at the optimum when the objective is flat
    # (e.g. 3 items, 1 factor: the model is just identified and fits exactly, F = 0). A
    # vanishing projected gradient is convergence whatever the optimiser's status says.
    grad = _gradient(psi, s, q)
    free = (psi > lo * (1 + 1e-6)) & (psi < upper * (1 - 1e-6))
    small_gradient = bool(np.all(np.abs(grad[free] * psi[free] ** 2) < 1e-6))
    return MLFactorSolution(
        loadings=lam,
        uniquenesses=psi,
        objective=float(res.fun),
        converged=bool(res.success) or small_gradient,
        heywood=bool(np.any(psi <= lo * (1 + 1e-6))),
    )
