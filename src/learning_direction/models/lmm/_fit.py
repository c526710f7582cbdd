"""``fit_lmm``: fit a linear mixed model by (RE)ML and return an :class:`LMMFit`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..._core.checks import choice
from ...exceptions import DataValidationError, ModelError
from ._data import LMMData, build_data
from ._optimize import OptimResult, minimise_deviance
from ._profile import Factor, factorize
from ._small import FloatArray, backward_solve

__all__ = ["LMMFit", "fit_lmm"]

SINGULAR_TOL = 1e-4  # lme4's isSingular(): a diagonal theta below this is on the boundary


@dataclass(frozen=True)
class LMMFit:
    """A fitted linear mixed model (the numbers of lme4's ``lmer``).

    Attributes
    ----------
    beta : ndarray (p,)
        Fixed effects β̂ (``fixef``).
    vcov_beta : ndarray (p, p)
        ``σ̂² (X'V⁻¹X)⁻¹`` at the estimates (lme4's ``vcov``); ``se`` is its root diagonal.
    theta : ndarray
        lme4's ``theta``: the relative Cholesky factors, column by column per term.
    theta_names : tuple of str
        lme4's names of ``theta`` (``group.column`` and ``group.row.column``).
    sigma : float
        Residual standard deviation (``sigma()``).
    covariances : tuple of ndarray
        One q x q covariance matrix of the random effects per term, ``σ² ΛΛ'`` (``VarCorr``).
    terms : tuple of (str, tuple of str)
        Each term's grouping factor name and random-effect names.
    reml : bool
        REML (True) or ML fit.
    criterion : float
        lme4's ``REMLcrit()`` for REML fits and ``deviance()`` for ML fits, i.e. ``-2 logLik``.
    loglik : float
        ``logLik()``: the REML log-likelihood of a REML fit, the log-likelihood of an ML fit.
    converged, n_iter, n_fun_evals, message
        Optimiser report (iterations of L-BFGS-B plus Newton polish steps).
    singular : bool
        A diagonal element of a relative covariance factor is below 1e-4 (lme4's
        ``isSingular``): a variance is estimated at (or next to) zero.
    n, n_groups : int, tuple of int
        Rows used and levels per grouping factor (inner first).
    fixed_names : tuple of str
        Names of the columns of X.
    data, factor, cache
        Engine state kept for the df computations: the sufficient statistics, the factorisation
        at the estimates, and the Hessian / Kenward-Roger terms once computed.

    Properties: ``se``, ``residual_variance``, ``correlations`` (per term), ``variance_components``
    (lme4's ``as.data.frame(VarCorr())``), ``npar``, ``aic``, ``bic``, ``random_effects``;
    ``ranef()`` gives the conditional modes (BLUPs) of every term.
    """

    beta: FloatArray
    vcov_beta: FloatArray
    theta: FloatArray
    theta_names: tuple[str, ...]
    sigma: float
    covariances: tuple[FloatArray, ...]
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    reml: bool
    criterion: float
    loglik: float
    converged: bool
    n_iter: int
    n_fun_evals: int
    message: str
    singular: bool
    n: int
    n_groups: tuple[int, ...]
    fixed_names: tuple[str, ...]
    data: LMMData = field(repr=False, compare=False)
    factor: Factor = field(repr=False, compare=False)
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def se(self) -> FloatArray:
        """Standard errors of the fixed effects, ``sqrt(diag(vcov_beta))``."""
        return np.asarray(np.sqrt(np.diag(self.vcov_beta)), dtype=np.float64)

    @property
    def residual_variance(self) -> float:
        return self.sigma**2

    @property
    def correlations(self) -> tuple[FloatArray, ...]:
        """Correlation matrix of each term's random effects (NaN where a variance is 0)."""
        out = []
        for cov in self.covariances:
            sd = np.sqrt(np.diag(cov))
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append(np.asarray(cov / np.outer(sd, sd), dtype=np.float64))
        return tuple(out)

    def ranef(self) -> tuple[pd.DataFrame, ...]:
        """Conditional modes of the random effects (BLUPs), lme4's ``ranef(m)``.

        One DataFrame per term (inner first): a row per group (nested inner groups are named
        ``inner:outer``, as lme4 does), a column per random effect. They solve the penalised
        least-squares system of the fit, ``(Λ'Z'ZΛ + I) u = Λ'Z'(y - Xβ̂)``, ``b = Λu``.
        """
        data, fac = self.data, self.factor
        w = np.append(-fac.beta, 1.0)
        c1 = fac.H1 @ w[:, None]  # (J1, q1, 1)
        if data.outer is None:
            modes = [backward_solve(fac.L1, c1)]
        else:
            if (
                fac.L2 is None or fac.H2 is None or fac.F is None
            ):  # internal invariant, not user input
                raise RuntimeError("internal error: factor blocks missing; please report it")
            u2 = backward_solve(fac.L2, fac.H2 @ w[:, None])
            u1 = backward_solve(fac.L1, c1 - fac.F @ u2[data.outer.outer_of])
            modes = [u1, u2]
        labels = (data.labels, data.outer_labels)
        return tuple(
            pd.DataFrame((u[:, :, 0] @ lam.T), index=pd.Index(list(lab)), columns=list(t.columns))
            for u, lam, lab, t in zip(modes, fac.lams, labels, data.terms, strict=False)
        )

    @property
    def random_effects(self) -> dict[object, pd.Series]:
        """The inner term's conditional modes as ``{group: Series}`` (statsmodels' layout)."""
        table = self.ranef()[0]
        return {label: row for label, row in table.iterrows()}

    @property
    def npar(self) -> int:
        """Number of parameters counted by lme4's ``logLik`` (fixed effects, theta, sigma)."""
        return len(self.beta) + len(self.theta) + 1

    @property
    def aic(self) -> float:
        return -2.0 * self.loglik + 2.0 * self.npar

    @property
    def bic(self) -> float:
        return float(-2.0 * self.loglik + np.log(self.n) * self.npar)

    @property
    def variance_components(self) -> pd.DataFrame:
        """lme4's ``as.data.frame(VarCorr(m))``: ``group, var1, var2, vcov, sdcor``.

        One row per variance (``var2`` empty, ``sdcor`` the SD) and per covariance (``sdcor``
        the correlation), then the residual.
        """
        rows: list[tuple[object, ...]] = []
        for term, cov, cor in zip(
            self.data.terms, self.covariances, self.correlations, strict=True
        ):
            cols = term.columns
            rows += [
                (term.group, c, None, cov[i, i], np.sqrt(cov[i, i])) for i, c in enumerate(cols)
            ]
            if not term.diagonal:
                rows += [
                    (term.group, cols[i], cols[j], cov[i, j], cor[i, j])
                    for i in range(len(cols))
                    for j in range(i + 1, len(cols))
                ]
        rows.append(("Residual", None, None, self.residual_variance, self.sigma))
        return pd.DataFrame(
            rows, columns=["group", "var1", "var2", "vcov", "sdcor"], dtype=object
        ).astype({"vcov": float, "sdcor": float})


def _start(start: object, data: LMMData) -> FloatArray:
    """lme4's default start (1 on the diagonals, 0 below) or the user's theta."""
    if start is None:
        return np.array([1.0 if r == c else 0.0 for t in data.terms for r, c in t.positions])
    arr = np.asarray(start, dtype=np.float64).ravel()
    if arr.shape != (data.n_theta,) or not np.all(np.isfinite(arr)):
        raise DataValidationError(
            f"start must hold {data.n_theta} finite theta values ({', '.join(data.theta_names())}),"
            f" got {np.asarray(start).ravel().tolist()}"
        )
    return arr


def fit_lmm(
    y: object,
    X: object,
    Z: object,
    groups: object,
    *,
    reml: bool = True,
    covariance: str = "unstructured",
    nested_in: object = None,
    Z_outer: object = None,
    outer_covariance: str = "unstructured",
    start: object = None,
    fixed_names: Sequence[str] | None = None,
    random_names: Sequence[str] | None = None,
    outer_random_names: Sequence[str] | None = None,
    group_name: str = "group",
    outer_name: str = "outer",
    max_iter: int = 1000,
    optimize: bool = True,
) -> LMMFit:
    """Fit ``y = Xβ + Zb + ε`` by REML or ML, as lme4's ``lmer``.

    Parameters
    ----------
    y : array-like (n,)
        Response. No missing values: drop incomplete rows first (and report them).
    X : array-like (n, p)
        Fixed-effects design, full column rank (include the intercept column yourself).
    Z : array-like (n, q)
        Random-effects design of the grouping factor ``groups``: a column of ones for a random
        intercept, plus the predictors with random slopes.
    groups : array-like (n,)
        Group label of each row (e.g. the mentor).
    reml : bool, default True
        REML (lme4's default) or maximum likelihood.
    covariance : {"unstructured", "diagonal"}
        Covariance of the q random effects of a group: all correlated (lme4's
        ``(1 + x | g)``) or independent (``(1 + x || g)``).
    nested_in : array-like (n,), optional
        Labels of an outer grouping factor in which ``groups`` is nested (e.g. the program
        of each mentor). The model then has random effects at both levels, as lme4's
        ``(Z | outer:group) + (Z_outer | outer)``; ``(1 | outer/group)`` is the default
        ``Z_outer``. Inner labels count within their outer group (as lme4's ``outer/group``):
        mentor "M1" of two programs is two mentors.
    Z_outer : array-like (n, q2), optional
        Random-effects design of the outer factor (default: a random intercept).
    outer_covariance : {"unstructured", "diagonal"}
        Covariance of the outer factor's random effects.
    start : array-like, optional
        Starting theta (default lme4's: 1 on the diagonals, 0 elsewhere).
    fixed_names, random_names, outer_random_names : sequence of str, optional
        Column names of X, Z and Z_outer (default: ``(Intercept)`` for a column of ones,
        else ``x0, x1, ...``, ``z0, ...``, ``w0, ...``).
    group_name, outer_name : str
        Names of the grouping factors in ``theta_names`` and ``variance_components``.
    max_iter : int, default 1000
        Iteration limit of the optimiser; reaching it issues a ``ModelWarning`` and sets
        ``converged=False``.
    optimize : bool, default True
        False evaluates the model at ``start`` without optimising (lme4's
        ``lmerControl(optimizer = NULL)``): estimates, SEs and df at a given theta, e.g. lme4's.

    Returns
    -------
    LMMFit

    Notes
    -----
    The profiled deviance of Bates, Mächler, Bolker & Walker (2015) is minimised over theta
    (see :mod:`learning_direction.models.lmm._profile`), with β and σ profiled out, from
    per-group sufficient statistics and batched q x q Cholesky factors. lme4's bounds apply
    (diagonal elements of each relative factor ≥ 0). The gradient is analytic; L-BFGS-B is
    followed by projected Newton steps with the analytic Hessian, so the optimum is that of
    a tightly converged lme4 fit.

    References
    ----------
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects
    models using lme4. *Journal of Statistical Software*, 67(1), 1-48.

    Examples
    --------
    Hireability of mentees (mean of three ratings) with a random intercept per mentor; R:
    ``lmer(hire ~ mentee_age + (1 | mentor_id), d)`` on the same complete rows.

    >>> import numpy as np
    >>> import learning_direction as ld
    >>> from learning_direction.models.lmm import fit_lmm, fixed_effect_tests
    >>> d = ld.load_dataset("study3").dropna(subset=["hire_1", "hire_2", "hire_3"])
    >>> hire = d[["hire_1", "hire_2", "hire_3"]].mean(axis=1)
    >>> X = np.column_stack([np.ones(len(d)), d["mentee_age"]])
    >>> fit = fit_lmm(hire, X, np.ones(len(d)), d["mentor_id"], group_name="mentor_id",
    ...               fixed_names=["(Intercept)", "mentee_age"])
    >>> fit.n, fit.n_groups, fit.converged, round(fit.criterion, 4)  # REMLcrit(m)
    (585, (120,), True, 1927.1022)
    >>> fit.variance_components.round(4)  # as.data.frame(VarCorr(m))
           group         var1  var2    vcov   sdcor
    0  mentor_id  (Intercept)  None  0.2695  0.5192
    1   Residual         None  None  1.3594  1.1659
    >>> fixed_effect_tests(fit)[["term", "estimate", "se", "df"]].round(4)  # lmerTest summary(m)
              term  estimate      se        df
    0  (Intercept)    5.0084  0.4174  562.5252
    1   mentee_age   -0.0090  0.0172  549.9024
    """
    covariance = choice(covariance, "covariance", ["unstructured", "diagonal"])
    outer_covariance = choice(outer_covariance, "outer_covariance", ["unstructured", "diagonal"])
    data = build_data(
        y, X, Z, groups,
        covariance=covariance, nested_in=nested_in, Z_outer=Z_outer,
        outer_covariance=outer_covariance, fixed_names=fixed_names,
        random_names=random_names, outer_random_names=outer_random_names,
        group_name=group_name, outer_name=outer_name,
    )  # fmt: skip
    theta0 = _start(start, data)
    if optimize:
        opt = minimise_deviance(data, bool(reml), theta0, int(max_iter))
    else:
        opt = _evaluate(data, bool(reml), start, theta0)
    return _assemble(data, opt.factor, bool(reml), opt)


def _evaluate(data: LMMData, reml: bool, start: object, theta: FloatArray) -> OptimResult:
    """The model at a given theta (``optimize=False``)."""
    if start is None:
        raise DataValidationError("optimize=False evaluates the model at start: give start=theta")
    if np.any(theta < data.theta_lower()):
        raise DataValidationError(
            "start has a negative diagonal element of a relative covariance factor "
            f"({', '.join(data.theta_names())} = {theta.tolist()}); those must be >= 0"
        )
    fac = factorize(data, theta, reml)
    if fac is None:
        raise ModelError(f"the deviance cannot be evaluated at theta = {theta.tolist()}")
    return OptimResult(theta, fac, False, 0, 1, "evaluated at start (optimize=False)")


def _assemble(data: LMMData, fac: Factor, reml: bool, opt: OptimResult) -> LMMFit:
    nu = data.n - data.p if reml else data.n
    sigma = float(np.sqrt(fac.r2 / nu))
    covs = tuple(np.asarray(sigma**2 * lam @ lam.T, dtype=np.float64) for lam in fac.lams)
    diag = np.array([r == c for t in data.terms for r, c in t.positions])
    return LMMFit(
        beta=np.asarray(fac.beta + data.y_shift, dtype=np.float64),
        vcov_beta=np.asarray(sigma**2 * np.linalg.inv(fac.xtvx), dtype=np.float64),
        theta=fac.theta,
        theta_names=tuple(data.theta_names()),
        sigma=sigma,
        covariances=covs,
        terms=tuple((t.group, t.columns) for t in data.terms),
        reml=reml,
        criterion=fac.deviance,
        loglik=-fac.deviance / 2.0,
        converged=opt.converged,
        n_iter=opt.n_iter,
        n_fun_evals=opt.n_fun_evals,
        message=opt.message,
        singular=bool(np.any(fac.theta[diag] < SINGULAR_TOL)),
        n=data.n,
        n_groups=tuple(t.n_levels for t in data.terms),
        fixed_names=data.fixed_names,
        data=data,
        factor=fac,
    )
