"""A damped Newton minimiser and finite-difference derivatives of analytic gradients.

SEM likelihoods are smooth but defined only where the implied covariance matrices are positive
definite. The minimiser takes Newton steps with a positive-definite model of the Hessian (the
expected information while far from the optimum, the finite-difference Hessian of the analytic
gradient near it), with eigenvalues reflected and floored (so a saddle or a flat direction never
sends it uphill), limits each step to a trust radius (Euclidean length at most
``max(1, ||z|| / 10)``: from lavaan's small start values of latent variances a full
Fisher-scoring step can flip the signs of a factor's loadings and lead into an improper basin,
with the variance drifting to zero and the loadings to infinity), and backtracks until the
objective decreases (an undefined objective counts as an increase). Convergence is declared on
the largest absolute gradient entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["OptimResult", "fd_jacobian", "fd_jacobian_many", "newton_minimize"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class OptimResult:
    """Where the minimiser stopped and why."""

    z: Array
    value: float
    gradient: Array
    iterations: int
    converged: bool
    message: str


def fd_jacobian(
    func: Callable[[Array], Array], z: Array, h: float = 1e-4, points: int = 5
) -> Array:
    """Jacobian of ``func`` at ``z`` by central differences.

    ``points=5`` is the five-point stencil (error O(h^4), four evaluations per column),
    ``points=3`` the plain central difference (O(h^2), two evaluations). Column ``k`` is
    ``d func / d z[k]``. If a probe leaves the domain (NaN), the step is shrunk tenfold, up to
    three times.
    """
    n = len(z)
    cols = []
    for k in range(n):
        step = h * max(1.0, abs(float(z[k])))
        for _ in range(4):
            e = np.zeros(n)
            e[k] = step
            if points == 3:
                col = (func(z + e) - func(z - e)) / (2 * step)
            else:
                probes = [func(z + 2 * e), func(z + e), func(z - e), func(z - 2 * e)]
                col = (-probes[0] + 8 * probes[1] - 8 * probes[2] + probes[3]) / (12 * step)
            if np.all(np.isfinite(col)):
                break
            step /= 10
        cols.append(np.asarray(col, dtype=float))
    return np.column_stack(cols) if cols else np.zeros((0, 0))


def fd_jacobian_many(
    func_many: Callable[[Array], Array], z: Array, h: float = 1e-4, points: int = 5
) -> Array:
    """:func:`fd_jacobian` with every probe evaluated in one call of ``func_many``.

    ``func_many`` maps a stack of points (B, n) to the stack of values (B, k). The stencils and
    steps are :func:`fd_jacobian`'s; a column whose probes leave the domain is redone by
    :func:`fd_jacobian`'s rule (step shrunk tenfold, up to three times).
    """
    n = len(z)
    if n == 0:
        return np.zeros((0, 0))
    steps = h * np.maximum(1.0, np.abs(np.asarray(z, dtype=float)))
    e = np.diag(steps)
    shifts = (1.0, -1.0) if points == 3 else (2.0, 1.0, -1.0, -2.0)
    probes = func_many(np.concatenate([z + c * e for c in shifts]))
    parts = probes.reshape(len(shifts), n, -1)
    if points == 3:
        cols = (parts[0] - parts[1]) / (2 * steps)[:, None]
    else:
        cols = (-parts[0] + 8 * parts[1] - 8 * parts[2] + parts[3]) / (12 * steps)[:, None]
    for k in np.flatnonzero(~np.all(np.isfinite(cols), axis=1)):
        step = steps[k]
        for _ in range(3):
            step /= 10
            ek = np.zeros(n)
            ek[k] = step
            pk = func_many(np.stack([z + c * ek for c in shifts]))
            if points == 3:
                col = (pk[0] - pk[1]) / (2 * step)
            else:
                col = (-pk[0] + 8 * pk[1] - 8 * pk[2] + pk[3]) / (12 * step)
            cols[k] = col
            if np.all(np.isfinite(col)):
                break
    return np.asarray(cols.T)


def _positive_model(hess: Array) -> Array | None:
    """The Hessian with eigenvalues reflected and floored (positive definite), or ``None``."""
    h = (hess + hess.T) / 2
    if not np.all(np.isfinite(h)):
        return None
    w, v = np.linalg.eigh(h)
    top = float(np.max(np.abs(w))) if len(w) else 1.0
    w = np.maximum(np.abs(w), max(top * 1e-10, 1e-14))
    return np.asarray((v * w) @ v.T)


def _line_search(
    fun: Callable[[Array], float], z: Array, f: float, step: Array, slope: float
) -> tuple[Array, float, float] | None:
    """Backtrack from the full step until the Armijo condition holds (``None`` if never)."""
    t = 1.0
    while t > 1e-12:
        zn = z + t * step
        fn = fun(zn)
        tiny = abs(slope) * t < 1e-13 * (1 + abs(f))
        if math.isfinite(fn) and (
            fn <= f + 1e-4 * t * slope or (tiny and fn <= f + 1e-12 * (1 + abs(f)))
        ):
            return zn, fn, t
        t /= 2
    return None


def _trust_radius(z: Array) -> float:
    """Longest step allowed from ``z``: ``max(1, ||z|| / 10)`` (Euclidean)."""
    return max(1.0, float(np.linalg.norm(z)) / 10)


def _bfgs_update(h: Array, s: Array, y: Array) -> Array:
    """BFGS update of a Hessian model (kept when the curvature condition fails)."""
    sy = float(s @ y)
    hs = h @ s
    shs = float(s @ hs)
    if sy <= 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(y)) or shs <= 0:
        return h
    return np.asarray(h + np.outer(y, y) / sy - np.outer(hs, hs) / shs)


def newton_minimize(
    fun: Callable[[Array], float],
    grad: Callable[[Array], Array],
    hess_far: Callable[[Array], Array],
    z0: Array,
    *,
    hess_near: Callable[[Array], Array] | None = None,
    switch: float = 1e-4,
    gtol: float = 1e-9,
    max_iter: int = 500,
    quasi: bool = False,
) -> OptimResult:
    """Minimise ``fun`` from ``z0`` with damped Newton steps.

    Parameters
    ----------
    fun, grad : callable
        Objective (``inf`` outside its domain) and its gradient.
    hess_far, hess_near : callable
        Hessian models: ``hess_far`` while the largest gradient entry exceeds ``switch``,
        ``hess_near`` (when given) below it.
    gtol : float
        Converged when the largest absolute gradient entry is below ``gtol``.
    max_iter : int
        Most Newton iterations.
    quasi : bool
        For expensive Hessians: evaluate one at the start, after a step the line search had to
        shorten, and when the gradient first falls below ``switch``; update it by BFGS otherwise.
    """
    z = np.asarray(z0, dtype=float).copy()
    f = fun(z)
    if not math.isfinite(f):
        return OptimResult(z, f, np.full(len(z), np.nan), 0, False, "undefined at the start")
    g = grad(z)
    hess: Array | None = None
    refresh, was_near = True, False
    for it in range(1, max_iter + 1):
        gmax = float(np.max(np.abs(g), initial=0.0))
        if gmax < gtol:
            return OptimResult(z, f, g, it - 1, True, "gradient below tolerance")
        near = hess_near is not None and gmax < switch
        if hess is None or not quasi or refresh or (near and not was_near) or it % 10 == 0:
            hess = _positive_model(hess_near(z) if near and hess_near is not None else hess_far(z))
        was_near = near
        step = -g if hess is None else np.asarray(-np.linalg.solve(hess, g))
        slope = float(g @ step)
        if slope >= 0:
            step, slope = -g, -float(g @ g)
        length, radius = float(np.linalg.norm(step)), _trust_radius(z)
        if length > radius:
            step, slope = step * (radius / length), slope * (radius / length)
        found = _line_search(fun, z, f, step, slope)
        if found is None:
            done = gmax < max(gtol * 1e3, 1e-7)
            why = "no further decrease (numerical optimum)" if done else "line search failed"
            return OptimResult(z, f, g, it, done, why)
        zn, f, t = found
        gn = grad(zn)
        if quasi and hess is not None:
            hess = _bfgs_update(hess, zn - z, gn - g)
            refresh = t < 1
        z, g = zn, gn
    gmax = float(np.max(np.abs(g), initial=0.0))
    return OptimResult(z, f, g, max_iter, gmax < gtol, "iteration limit reached")
