"""Minimising the profiled deviance over theta: L-BFGS-B with the analytic gradient, then a
projected Newton polish with the analytic Hessian.

lme4 stops BOBYQA when the deviance changes by less than 1e-8 (``ftol_abs``), which leaves
theta a few 1e-5 (relative) from the optimum on some data; the Newton steps here bring the
projected gradient to ~1e-9, so the estimates are those of a tightly converged lme4 fit
(``tests/reference/make_lmm_reference.R`` records both).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize

from ...exceptions import ModelError, ModelWarning
from ._data import LMMData
from ._hessian import varpar_derivatives
from ._profile import Factor, factorize, profiled_gradient
from ._small import FloatArray

__all__ = ["OptimResult", "minimise_deviance"]

GRADIENT_TOL = 1e-7  # sup-norm of the projected gradient of the deviance at convergence


@dataclass(frozen=True)
class OptimResult:
    theta: FloatArray
    factor: Factor
    converged: bool
    n_iter: int
    n_fun_evals: int
    message: str


class _Objective:
    """The profiled deviance and its gradient, counting evaluations."""

    def __init__(self, data: LMMData, reml: bool) -> None:
        self.data = data
        self.reml = reml
        self.n_evals = 0

    def factor(self, theta: FloatArray) -> Factor:
        self.n_evals += 1
        fac = factorize(self.data, theta, self.reml)
        if fac is None:
            raise ModelError(
                "the deviance cannot be evaluated at theta = "
                f"{np.array2string(theta, precision=4)}: the fixed effects fit y exactly or "
                "X'V^-1 X is singular; check y for constant values and X for collinear columns"
            )
        return fac

    def __call__(self, theta: FloatArray) -> tuple[float, FloatArray]:
        fac = self.factor(theta)
        return fac.deviance, profiled_gradient(self.data, fac, self.reml)


def _profiled_hessian(data: LMMData, fac: Factor, reml: bool) -> FloatArray:
    """Hessian of the profiled deviance: the (θ, σ) Hessian with σ profiled out (Schur)."""
    nu = data.n - data.p if reml else data.n
    sigma = float(np.sqrt(fac.r2 / nu))
    H = varpar_derivatives(data, fac, sigma, reml).hessian
    k = data.n_theta
    out = H[:k, :k] - np.outer(H[:k, k], H[k, :k]) / H[k, k]
    return np.asarray(out, dtype=np.float64)


def _free(theta: FloatArray, grad: FloatArray, lower: FloatArray) -> FloatArray:
    """Coordinates not held at their bound (at the bound with the gradient pushing outwards)."""
    at_bound = (theta <= lower + 1e-12) & (grad > 0)
    return np.asarray(~at_bound)


def _projected_norm(theta: FloatArray, grad: FloatArray, lower: FloatArray) -> float:
    g = np.where(_free(theta, grad, lower), grad, 0.0)
    return float(np.max(np.abs(g))) if g.size else 0.0


def _newton_polish(
    obj: _Objective, fac: Factor, lower: FloatArray, max_steps: int = 25
) -> tuple[Factor, int]:
    """Projected Newton steps on the free coordinates, with backtracking; stops at the tolerance."""
    data, reml = obj.data, obj.reml
    steps = 0
    for _ in range(max_steps):
        theta = fac.theta
        grad = profiled_gradient(data, fac, reml)
        free = _free(theta, grad, lower)
        if _projected_norm(theta, grad, lower) < GRADIENT_TOL or not free.any():
            break
        H = _profiled_hessian(data, fac, reml)[np.ix_(free, free)]
        try:
            np.linalg.cholesky(H)
        except np.linalg.LinAlgError:
            break  # not locally convex: keep the quasi-Newton point
        step = np.zeros_like(theta)
        step[free] = -np.linalg.solve(H, grad[free])
        t = 1.0
        for _ in range(30):
            trial = obj.factor(np.maximum(theta + t * step, lower))
            if trial.deviance <= fac.deviance + 1e-12 * abs(fac.deviance):
                break
            t /= 2.0
        else:
            break
        fac = trial
        steps += 1
    return fac, steps


def _escape_boundary(obj: _Objective, fac: Factor, lower: FloatArray) -> FloatArray | None:
    """A better point when the optimiser stopped on the boundary at a point that is no minimum.

    A diagonal theta at 0 is a stationary point of the deviance whenever the rest of its
    column is 0 (the deviance is even in that column), so a gradient method that steps onto
    the bound stops there even when the deviance falls moving inwards. The curvature tells:
    along each such coordinate, and along the eigenvector of the smallest eigenvalue of the
    Hessian (turned to point inwards), a few steps are tried and the best lower deviance kept.
    """
    theta = fac.theta
    grad = profiled_gradient(obj.data, fac, obj.reml)
    scale = max(1.0, abs(fac.deviance))
    at = np.isfinite(lower) & (theta <= lower + 1e-10) & (np.abs(grad) <= 1e-6 * scale)
    if not at.any():
        return None
    H = _profiled_hessian(obj.data, fac, obj.reml)
    directions = [np.eye(len(theta))[i] for i in np.flatnonzero(at) if H[i, i] < 0]
    vals, vecs = np.linalg.eigh(H)
    if vals[0] < 0:
        v = vecs[:, 0] * (1.0 if vecs[at, 0].sum() >= 0 else -1.0)
        directions.append(np.where(at & (v < 0), 0.0, v))
    best, best_dev = None, fac.deviance
    for d in directions:
        for step in (0.01, 0.03, 0.1, 0.3, 1.0):
            trial = obj.factor(np.maximum(theta + step * d / np.max(np.abs(d)), lower))
            if trial.deviance < best_dev - 1e-10 * scale:
                best, best_dev = trial.theta, trial.deviance
    return best


def _lbfgsb(obj: _Objective, start: FloatArray, lower: FloatArray, max_iter: int) -> Any:
    bounds = [(lo if np.isfinite(lo) else None, None) for lo in lower]
    return scipy.optimize.minimize(
        obj,
        np.maximum(start, lower),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
    )


def minimise_deviance(data: LMMData, reml: bool, start: FloatArray, max_iter: int) -> OptimResult:
    """Minimise the profiled (RE)ML deviance over theta within lme4's bounds."""
    lower = data.theta_lower()
    obj = _Objective(data, reml)
    res = _lbfgsb(obj, start, lower, max_iter)
    nit = int(res.nit)
    for _ in range(3):
        better = _escape_boundary(obj, obj.factor(np.maximum(res.x, lower)), lower)
        if better is None:
            break
        res = _lbfgsb(obj, better, lower, max(1, max_iter - nit))
        nit += int(res.nit)
    theta = np.maximum(np.asarray(res.x, dtype=np.float64), lower)
    fac, steps = _newton_polish(obj, obj.factor(theta), lower, max_steps=min(25, max_iter - nit))
    grad = profiled_gradient(data, fac, reml)
    gnorm = _projected_norm(fac.theta, grad, lower)
    scale = max(1.0, abs(fac.deviance))
    converged = gnorm < max(GRADIENT_TOL, 1e-9 * scale)
    n_iter = nit + steps
    if not converged:
        hit = n_iter >= max_iter
        reason = (
            f"stopped after max_iter={max_iter} iterations"
            if hit
            else f"stopped with a gradient of {gnorm:.2g} ({res.message})"
        )
        warnings.warn(
            f"the mixed-model optimiser {reason}; the estimates may not be at the optimum. "
            "Increase max_iter, rescale predictors, or simplify the random effects "
            "(a variance near zero or a correlation near +-1)",
            ModelWarning,
            stacklevel=3,
        )
    message = "converged" if converged else str(res.message)
    return OptimResult(fac.theta, fac, converged, n_iter, obj.n_evals, message)
