"""Minimising the profiled deviance over theta: L-BFGS with the analytic gradient, a check of
the curvature, then Newton steps with the analytic Hessian.

**No bounds.** lme4 constrains the diagonal of each relative factor Λ to be >= 0, but changing
the sign of a whole column of Λ leaves ΛΛ' (and the deviance) unchanged, so every point with a
negative diagonal is equivalent to one inside lme4's region. Optimising without bounds and
changing the signs of such columns at the end gives lme4's parameters while avoiding two traps
of the bounds for a gradient method: a diagonal at 0 with a positive gradient is no minimum
when the rest of its column is nonzero (the same point with that part's sign changed has a
negative gradient), and a diagonal at 0 with a zero column is a stationary point even when the
deviance falls moving away from it (the deviance is even in that column). The second kind of
point is also a stationary point without bounds; after the quasi-Newton run the Hessian's
smallest eigenvalue is checked, and a negative one (a saddle) restarts the search along its
eigenvector.

**To the optimum.** lme4 stops BOBYQA when the deviance changes by less than 1e-8
(``ftol_abs``), which leaves theta a few 1e-5 (relative) from the optimum on some data; the
Newton steps here bring the gradient to ~1e-9, so the estimates are those of a tightly
converged lme4 fit (``tests/reference/make_lmm_reference.R`` records both). A column of Λ that
ends within 1e-6 of 0 is set to 0 when that does not raise the deviance (lme4 reports such
boundary fits with theta exactly 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.optimize

from ..._core.warn import warn_user
from ...exceptions import ModelError, ModelWarning
from ._data import LMMData
from ._hessian import varpar_derivatives
from ._profile import Factor, factorize, profiled_gradient
from ._small import FloatArray

__all__ = ["OptimResult", "minimise_deviance"]

GRADIENT_TOL = 1e-7  # sup-norm of the gradient of the deviance at convergence (times max(1, |d|))
BOUNDARY_SNAP = 1e-6  # a diagonal theta this close to 0 is tried at 0


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
        self.scale = 1.0

    def factor(self, theta: FloatArray) -> Factor:
        self.n_evals += 1
        fac = factorize(self.data, np.asarray(theta, dtype=np.float64), self.reml)
        if fac is None:
            raise ModelError(
                "the deviance cannot be evaluated at theta = "
                f"{np.array2string(np.asarray(theta), precision=4)}: the fixed effects fit y "
                "exactly or X'V^-1 X is singular; check y for constant values and X for "
                "collinear columns"
            )
        return fac

    def __call__(self, theta: FloatArray) -> tuple[float, FloatArray]:
        fac = self.factor(theta)
        return fac.deviance, profiled_gradient(self.data, fac, self.reml)

    def gradient(self, fac: Factor) -> FloatArray:
        return profiled_gradient(self.data, fac, self.reml)

    def hessian(self, fac: Factor) -> FloatArray:
        """Hessian of the profiled deviance: the (θ, σ) Hessian with σ profiled out (Schur)."""
        data = self.data
        nu = data.n - data.p if self.reml else data.n
        sigma = float(np.sqrt(fac.r2 / nu))
        H = varpar_derivatives(data, fac, sigma, self.reml).hessian
        k = data.n_theta
        return np.asarray(H[:k, :k] - np.outer(H[:k, k], H[k, :k]) / H[k, k], dtype=np.float64)

    def tolerance(self, fac: Factor) -> float:
        return GRADIENT_TOL * max(1.0, abs(fac.deviance) / 1e2)


def _column_index(data: LMMData) -> list[tuple[int, list[int]]]:
    """Per column of each relative factor: theta index of the diagonal and of those below it."""
    out = []
    for t in data.terms:
        for c in range(t.q):
            col = [(r, t.theta_offset + k) for k, (r, cc) in enumerate(t.positions) if cc == c]
            diag = [k for r, k in col if r == c]
            out.append((diag[0], [k for r, k in col if r > c]))
    return out


def _canonical(data: LMMData, theta: FloatArray) -> FloatArray:
    """The equivalent theta with every diagonal >= 0 (columns of Λ with a negative diagonal
    change sign)."""
    out = np.array(theta, dtype=np.float64)
    for diag, below in _column_index(data):
        if out[diag] < 0:
            out[diag] = -out[diag]
            out[below] = -out[below]
    return out


def _escape_saddle(obj: _Objective, fac: Factor) -> FloatArray | None:
    """A lower point along the direction of negative curvature, if the Hessian has one."""
    H = obj.hessian(fac)
    vals, vecs = np.linalg.eigh(H)
    if vals[0] >= -1e-8 * max(1.0, float(np.abs(vals).max())):
        return None
    best, best_dev = None, fac.deviance
    for sign in (1.0, -1.0):
        for step in (0.01, 0.03, 0.1, 0.3, 1.0):
            trial = obj.factor(fac.theta + sign * step * vecs[:, 0])
            if trial.deviance < best_dev - 1e-12 * max(1.0, abs(best_dev)):
                best, best_dev = trial.theta, trial.deviance
    return best


def _newton(obj: _Objective, fac: Factor, max_steps: int) -> tuple[Factor, int]:
    """Newton steps with backtracking, while the Hessian is positive definite."""
    steps = 0
    for _ in range(max(0, max_steps)):
        grad = obj.gradient(fac)
        if np.max(np.abs(grad)) < obj.tolerance(fac):
            break
        H = obj.hessian(fac)
        try:
            np.linalg.cholesky(H)
        except np.linalg.LinAlgError:
            break  # not locally convex: keep the quasi-Newton point
        step = -np.linalg.solve(H, grad)
        t = 1.0
        for _ in range(30):
            trial = obj.factor(fac.theta + t * step)
            if trial.deviance <= fac.deviance + 1e-13 * abs(fac.deviance):
                break
            t /= 2.0
        else:
            break
        fac = trial
        steps += 1
    return fac, steps


def _snap_to_boundary(obj: _Objective, fac: Factor) -> Factor:
    """Set a column of Λ whose entries are all within BOUNDARY_SNAP of 0 to 0 exactly (the
    deviance is even in such a column, so 0 is where its minimum is)."""
    theta = fac.theta.copy()
    for diag, below in _column_index(obj.data):
        col = [diag, *below]
        if np.all(np.abs(theta[col]) < BOUNDARY_SNAP):
            theta[col] = 0.0
    if np.array_equal(theta, fac.theta):
        return fac
    trial = obj.factor(theta)
    return trial if trial.deviance <= fac.deviance + 1e-12 * abs(fac.deviance) else fac


def _lbfgs(obj: _Objective, start: FloatArray, max_iter: int) -> Any:
    return scipy.optimize.minimize(
        obj,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max(1, max_iter), "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
    )


def minimise_deviance(data: LMMData, reml: bool, start: FloatArray, max_iter: int) -> OptimResult:
    """Minimise the profiled (RE)ML deviance over theta (see the module docstring)."""
    obj = _Objective(data, reml)
    res = _lbfgs(obj, start, max_iter)
    nit = int(res.nit)
    for _ in range(5):
        better = _escape_saddle(obj, obj.factor(res.x))
        if better is None or nit >= max_iter:
            break
        res = _lbfgs(obj, better, max_iter - nit)
        nit += int(res.nit)
    fac, steps = _newton(obj, obj.factor(res.x), min(25, max_iter - nit))
    fac = _snap_to_boundary(obj, obj.factor(_canonical(data, fac.theta)))
    n_iter = nit + steps
    gnorm = float(np.max(np.abs(obj.gradient(fac)))) if data.n_theta else 0.0
    converged = gnorm < obj.tolerance(fac)
    if not converged:
        reason = (
            f"stopped after max_iter={max_iter} iterations"
            if n_iter >= max_iter
            else f"stopped with a gradient of {gnorm:.2g} ({res.message})"
        )
        warn_user(
            f"the mixed-model optimiser {reason}; the estimates may not be at the optimum. "
            "Increase max_iter, rescale predictors, or simplify the random effects "
            "(a variance near zero or a correlation near +-1)",
            ModelWarning,
        )
    message = "converged" if converged else str(res.message)
    return OptimResult(fac.theta, fac, converged, n_iter, obj.n_evals, message)
