"""Simulation core of the mediation power analysis (private).

A :class:`Population` is a recursive linear model: normal exogenous variables (X, covariates,
W), optionally the product X*W, then the mediators and Y, each a linear function of earlier
variables plus a normal residual. :func:`power_at_n` simulates ``n_reps`` data sets of one
sample size *as one batch* (arrays of shape (reps, n, variables)), fits every equation of every
replication from batched normal equations (one ``matmul`` gives all cross-product matrices) and
tests the indirect effects of all replications at once:

* ``monte_carlo``: draws of the path coefficients from their asymptotic normal distribution
  (Preacher & Selig, 2012) for every replication, drawn as one (reps, draws, k) array;
* ``percentile``: a percentile bootstrap per replication on the engine of
  :mod:`learning_direction.models.bootstrap` (frequency weights times cross-products);
* ``joint``: every path of the effect significant by its t-test (joint significance).

Everything here is numpy; the population is built by
:class:`~learning_direction.models.power.scenario.Scenario`, the public API and the result class
live in :mod:`learning_direction.models.power`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import stats

from ...exceptions import ModelError
from .._ols_batch import solve_batch, sym_from_triu, triu_products
from .._types import BoolArray, FloatArray
from ..bootstrap import MomentStatistic, run_bootstrap

__all__ = [
    "METHODS",
    "ClusterSizes",
    "Effects",
    "Equation",
    "Population",
    "RunCounts",
    "approx_path_power",
    "implied_cov",
    "power_at_n",
]

#: effect label -> terms (weight, path labels) of a sum of products of path coefficients
Effects: TypeAlias = dict[str, tuple[tuple[float, tuple[str, ...]], ...]]

METHODS = ("monte_carlo", "percentile", "joint")

#: floats per chunk of a (reps, draws) or (reps, rows) working array (about 8 MB)
_CHUNK_FLOATS = 2**20


@dataclass(frozen=True)
class Equation:
    """One endogenous variable: ``outcome = sum(coef * predictor) + residual``."""

    outcome: str
    predictors: tuple[str, ...]
    coefs: tuple[float, ...]


@dataclass(frozen=True)
class ClusterSizes:
    """Mentees per mentor: all equal, drawn from given sizes, or gamma with a CV.

    ``values`` (two or more) are drawn with replacement for every cluster of every replication
    (an empirical distribution, e.g. the sizes of a pilot study); with ``cv`` the sizes are
    ``max(1, round(G))`` with ``G`` gamma-distributed with mean ``mean`` and coefficient of
    variation ``cv`` (shape ``1 / cv^2``; Candel & Van Breukelen 2010 use the same family).
    """

    mean: float
    values: tuple[int, ...] | None = None
    cv: float | None = None

    @property
    def equal(self) -> bool:
        return self.values is None and not self.cv

    def draw(self, rng: np.random.Generator, shape: tuple[int, int]) -> FloatArray:
        """Sizes of ``shape`` = (replications, clusters), as floats."""
        if self.values is not None:
            return np.asarray(rng.choice(np.asarray(self.values, float), size=shape), float)
        if self.cv:
            k = 1.0 / self.cv**2
            g = rng.gamma(k, self.mean / k, size=shape)
            return np.maximum(1.0, np.round(g))
        return np.full(shape, float(self.mean))

    def describe(self) -> str:
        if self.values is not None:
            return (
                f"sizes drawn from {len(self.values)} given values (mean {self.mean:.2f}, "
                f"range {min(self.values)}-{max(self.values)})"
            )
        if self.cv:
            return f"gamma-distributed sizes, mean {self.mean:g}, CV {self.cv:g} (rounded, >= 1)"
        return f"{self.mean:g} per cluster"


@dataclass(frozen=True)
class Population:
    """The data-generating model and what to test in it.

    Attributes
    ----------
    exog : names of the standard-normal exogenous variables (X first).
    exog_corr : their correlation matrix.
    product : ``(name, left, right)`` of a product term (X*W) or None.
    equations : endogenous equations in causal order, Y last.
    resid_var : residual variance of each equation.
    mediator_resid_corr : correlation matrix of the mediators' residuals (or None).
    icc : clustered designs: residual ICC of Y (None: single level).
    sizes : clustered designs: mentees per mentor (:class:`ClusterSizes`).
    icc_m, b_within : 2-1-1 design: residual ICC of M, and the within-cluster slope of Y on M
        (the level-1 part of M; the between slope ``b`` is on M's cluster mean).
    params : path label -> (equation index, predictor name).
    effects : effect label -> tuple of (weight, path labels) terms (sum of products).
    primary : the effect whose power is the headline.
    """

    exog: tuple[str, ...]
    exog_corr: FloatArray
    product: tuple[str, str, str] | None
    equations: tuple[Equation, ...]
    resid_var: tuple[float, ...]
    mediator_resid_corr: FloatArray | None
    params: dict[str, tuple[int, str]]
    effects: Effects
    primary: str
    icc: float | None = None
    sizes: ClusterSizes | None = None
    icc_m: float | None = None
    b_within: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def cluster_size(self) -> float | None:
        """Mean mentees per mentor (None: single level)."""
        return None if self.sizes is None else self.sizes.mean

    @property
    def within_path(self) -> str | None:
        """2-1-1 design: label of the within-cluster b path (tested on the mentee rows)."""
        return f"b_within:{self.equations[0].outcome}" if self.icc_m is not None else None

    @property
    def variables(self) -> list[str]:
        out = list(self.exog)
        if self.product is not None:
            out.append(self.product[0])
        out.extend(eq.outcome for eq in self.equations)
        return out

    @property
    def max_predictors(self) -> int:
        return max(len(eq.predictors) for eq in self.equations)

    def min_units(self) -> int:
        """Smallest sample size (rows, or clusters) with at least 2 residual df everywhere."""
        return self.max_predictors + 3


def implied_cov(
    exog_corr: FloatArray,
    product: tuple[str, str, str] | None,
    exog: tuple[str, ...],
    equations: tuple[Equation, ...],
    resid_var: Sequence[float] | None,
    mediator_resid_corr: FloatArray | None = None,
) -> tuple[FloatArray, list[str], list[float]]:
    """Covariance matrix of all variables implied by the model.

    With ``resid_var=None`` the residual variances are chosen so that every endogenous variable
    has unit variance (standardized paths); a ModelError names a variable whose paths explain
    all (or more than all) of its variance.

    Returns (cov, variable names, residual variances).
    """
    names = list(exog)
    k = len(exog)
    cov = np.array(exog_corr, dtype=float)
    if product is not None:
        pname, left, right = product
        r = cov[exog.index(left), exog.index(right)]
        # X, W jointly normal with zero means: XW is uncorrelated with every normal variable
        cov = np.pad(cov, ((0, 1), (0, 1)))
        cov[k, k] = 1.0 + r**2
        names.append(pname)
    rv_out: list[float] = []
    n_med = len(equations) - 1
    for j, eq in enumerate(equations):
        idx = [names.index(p) for p in eq.predictors]
        beta = np.asarray(eq.coefs, dtype=float)
        sub = cov[np.ix_(idx, idx)]
        explained = float(beta @ sub @ beta)
        cross = cov[:, idx] @ beta
        if resid_var is None:
            rv = 1.0 - explained
            if rv <= 1e-8:
                raise ModelError(
                    f"the standardized paths into '{eq.outcome}' explain {explained:.3f} of its "
                    "variance (must be below 1); use smaller path values (standardized "
                    "coefficients of a variable with unit variance)"
                )
        else:
            rv = float(resid_var[j])
        rv_out.append(rv)
        new = np.zeros((len(names) + 1, len(names) + 1))
        new[:-1, :-1] = cov
        new[-1, :-1] = cross
        new[:-1, -1] = cross
        new[-1, -1] = explained + rv
        # correlated residuals among parallel mediators
        if mediator_resid_corr is not None and 0 < j < n_med:
            for i in range(j):
                oi = names.index(equations[i].outcome)
                extra = mediator_resid_corr[i, j] * np.sqrt(rv_out[i] * rv)
                new[-1, oi] += extra
                new[oi, -1] += extra
        cov = new
        names.append(eq.outcome)
    return cov, names, rv_out


# --------------------------------------------------------------------------- simulation
@dataclass
class _Sample:
    """One chunk of simulated replications: the unit-level data (rows, or mentor means
    weighted for GLS; 2-1-1: one weighting per equation) and, for the 2-1-1 design, the
    within-cluster slope with its SE and df."""

    V: FloatArray  # (reps, units, 1 + variables)
    by_equation: tuple[FloatArray, ...] | None = None  # 2-1-1: (reps, units, q) per equation
    within: tuple[FloatArray, FloatArray, FloatArray] | None = None  # est, se, df (reps,)

    def designs(self) -> list[FloatArray]:
        """The data of every equation (one design), or of each equation in turn (2-1-1)."""
        return list(self.by_equation) if self.by_equation else [self.V]


def _exogenous_draws(
    pop: Population, n: int, reps: int, rng: np.random.Generator
) -> dict[str, FloatArray]:
    cols: dict[str, FloatArray] = {}
    L = np.linalg.cholesky(pop.exog_corr)
    E = rng.standard_normal((reps, n, len(pop.exog))) @ L.T
    for i, name in enumerate(pop.exog):
        cols[name] = E[..., i]
    if pop.product is not None:
        pname, left, right = pop.product
        cols[pname] = cols[left] * cols[right]
    return cols


def _linear(eq: Equation, cols: dict[str, FloatArray], start: FloatArray) -> FloatArray:
    """``start + sum(coef * predictor)``, added in the predictors' order."""
    val = start
    for p, c in zip(eq.predictors, eq.coefs):
        if c:
            val = val + c * cols[p]
    return val


def _simulate(pop: Population, n: int, reps: int, rng: np.random.Generator) -> _Sample:
    """Simulated replications: (reps, n_units, 1 + variables), intercept then centred variables.

    Clustered designs have mentors as units: X, covariates and (2-2-1) the mediators are
    mentor-level values and Y (2-1-1: M too) is the mean of the mentor's simulated mentees.
    """
    if pop.icc_m is not None:
        return _simulate_211(pop, n, reps, rng)
    cols = _exogenous_draws(pop, n, reps, rng)
    meds = pop.equations[:-1]
    if meds:
        Z = rng.standard_normal((reps, n, len(meds)))
        if pop.mediator_resid_corr is not None:
            Z = Z @ np.linalg.cholesky(pop.mediator_resid_corr).T
    for j, eq in enumerate(meds):
        cols[eq.outcome] = _linear(eq, cols, np.sqrt(pop.resid_var[j]) * Z[..., j])
    eq = pop.equations[-1]
    mean = _linear(eq, cols, np.zeros((reps, n)))
    rv = pop.resid_var[-1]
    weights = None
    if pop.icc is None or pop.sizes is None:
        y = mean + np.sqrt(rv) * rng.standard_normal((reps, n))
    elif pop.sizes.equal:
        m = int(pop.sizes.mean)
        u = np.sqrt(pop.icc * rv) * rng.standard_normal((reps, n))
        e = np.sqrt((1.0 - pop.icc) * rv) * rng.standard_normal((reps, n, m)).mean(axis=2)
        y = mean + u + e  # cluster means of the mentees' Y
    else:  # unequal sizes: the mean of n_j mentees, GLS weights 1 / Var(mean)
        sizes = pop.sizes.draw(rng, (reps, n))
        u = np.sqrt(pop.icc * rv) * rng.standard_normal((reps, n))
        e = np.sqrt((1.0 - pop.icc) * rv / sizes) * rng.standard_normal((reps, n))
        y = mean + u + e
        weights = 1.0 / (pop.icc * rv + (1.0 - pop.icc) * rv / sizes)
    cols[eq.outcome] = y
    return _Sample(_design_matrix(pop, cols, reps, n, weights))


def _design_matrix(
    pop: Population,
    cols: dict[str, FloatArray],
    reps: int,
    n: int,
    weights: FloatArray | None,
) -> FloatArray:
    """Intercept and centred variables; GLS weights (scaled to mean 1, so the intercept's sum
    of squares still counts the units) multiply each row by their square root."""
    names = pop.variables
    V = np.empty((reps, n, 1 + len(names)))
    V[..., 0] = 1.0
    for i, name in enumerate(names):
        v = cols[name]
        V[..., i + 1] = v - v.mean(axis=1, keepdims=True)
    if weights is not None:
        V *= np.sqrt(weights / weights.mean(axis=1, keepdims=True))[..., None]
    return V


def _simulate_211(pop: Population, n: int, reps: int, rng: np.random.Generator) -> _Sample:
    """2-1-1: mentor-level X (and covariates), M and Y on the mentees.

    ``M_ij = a X_j + C g + u_j + e_ij`` and ``Y_ij = c' X_j + b mu_j + b_w (M_ij - mu_j) + C h
    + v_j + f_ij`` with ``mu_j = a X_j + C g + u_j`` M's cluster mean. The analysis is the
    unconflated multilevel model (:func:`~learning_direction.multilevel_mediation`,
    ``method="umm"``): the between paths from GLS on the observed mentor means (weights
    ``1 / (tau^2 + sigma^2 / n_j)``), the within slope from the pooled within-mentor
    regression, whose sufficient statistics are drawn directly (chi-square and normal).
    """
    if pop.sizes is None or pop.icc is None or pop.icc_m is None:  # pragma: no cover
        raise ModelError("the 2-1-1 design needs cluster sizes and ICCs")
    cols = _exogenous_draws(pop, n, reps, rng)
    eq_m, eq_y = pop.equations
    sizes = pop.sizes.draw(rng, (reps, n))
    psi_m, psi_y = pop.resid_var
    tau_m, sig_m = pop.icc_m * psi_m, (1.0 - pop.icc_m) * psi_m
    tau_y, sig_y = pop.icc * psi_y, (1.0 - pop.icc) * psi_y
    mu = _linear(eq_m, cols, np.sqrt(tau_m) * rng.standard_normal((reps, n)))
    e_m = np.sqrt(sig_m / sizes) * rng.standard_normal((reps, n))
    cols[eq_m.outcome] = mu
    y_mu = _linear(eq_y, cols, np.sqrt(tau_y) * rng.standard_normal((reps, n)))
    f = np.sqrt(sig_y / sizes) * rng.standard_normal((reps, n))
    cols[eq_m.outcome] = mu + e_m
    cols[eq_y.outcome] = y_mu + pop.b_within * e_m + f
    V_m = _design_matrix(pop, cols, reps, n, 1.0 / (tau_m + sig_m / sizes))
    V_y = _design_matrix(pop, cols, reps, n, 1.0 / (tau_y + sig_y / sizes))
    # pooled within-mentor regression of Y on M: S_MM ~ sig_m chi2(N - J), the slope's error
    # N(0, sig_y / S_MM), the residual sum of squares sig_y chi2(N - J - 1)
    df_w = np.maximum(sizes.sum(axis=1) - n - 1.0, 1.0)
    s_mm = sig_m * rng.chisquare(df_w + 1.0)
    est = pop.b_within + np.sqrt(sig_y / s_mm) * rng.standard_normal(reps)
    se = np.sqrt(sig_y * rng.chisquare(df_w) / df_w / s_mm)
    return _Sample(V_y, (V_m, V_y), (est, se, df_w))


# --------------------------------------------------------------------------- estimation
@dataclass
class _Fits:
    coef: list[FloatArray]  # per equation (B, p) incl. intercept
    sigma2: list[FloatArray]  # (B,)
    xtx: list[FloatArray]  # (B, p, p)
    df: list[FloatArray]  # (B,)
    singular: BoolArray  # (B,)


def _fit(S: FloatArray | Sequence[FloatArray], pop: Population) -> _Fits:
    """OLS of every equation for a batch of cross-product matrices ``S`` (B, q, q), or one
    batch per equation (the 2-1-1 design weights its two equations differently).

    Column 0 of the data is the intercept, so ``S[:, 0, 0]`` is the number of units (or the sum
    of the bootstrap frequency weights; GLS weights are scaled to mean 1).
    """
    per_eq = list(S) if not isinstance(S, np.ndarray) else [S] * len(pop.equations)
    col = {name: i + 1 for i, name in enumerate(pop.variables)}
    out = _Fits([], [], [], [], np.zeros(per_eq[0].shape[0], dtype=bool))
    for eq, Se in zip(pop.equations, per_eq, strict=True):
        P = [0, *(col[p] for p in eq.predictors)]
        o = col[eq.outcome]
        A = Se[:, P][:, :, P]
        b = Se[:, P, o]
        coef, sing = solve_batch(A, b)
        rss = Se[:, o, o] - np.einsum("bp,bp->b", np.nan_to_num(coef), b)
        df = Se[:, 0, 0] - len(P)
        out.coef.append(coef)
        out.sigma2.append(rss / df)
        out.xtx.append(A)
        out.df.append(df)
        out.singular |= sing
    return out


def _path_index(pop: Population) -> dict[str, tuple[int, int]]:
    """path label -> (equation index, coefficient position incl. intercept)."""
    return {
        label: (e, 1 + pop.equations[e].predictors.index(pred))
        for label, (e, pred) in pop.params.items()
    }


def _effect_values(pop: Population, values: dict[str, FloatArray]) -> list[FloatArray]:
    out = []
    for terms in pop.effects.values():
        total: FloatArray | float = 0.0
        for w, names in terms:
            prod: FloatArray | float = w
            for nm in names:
                prod = prod * values[nm]
            total = total + prod
        out.append(np.asarray(total, dtype=float))
    return out


def _reject_from_draws(draws: FloatArray, k: int) -> BoolArray:
    """The percentile interval (order statistics k and D+1-k) excludes 0, along the last axis."""
    le = (draws <= 0).sum(axis=-1)
    ge = (draws >= 0).sum(axis=-1)
    out: BoolArray = (le < k) | (ge < k)
    return out


def order_k(n_draws: int, alpha: float) -> int:
    """Rank of the lower interval endpoint among ``n_draws`` sorted draws."""
    k = int(np.floor((n_draws + 1) * alpha / 2))
    if k < 1:
        raise ModelError(
            f"n_boot = {n_draws} draws are too few for a {100 * (1 - alpha):g}% interval; "
            f"use at least {int(np.ceil(2 / alpha))} (5000 recommended)"
        )
    return k


@dataclass(frozen=True)
class RunCounts:
    """Rejection counts at one sample size.

    ``effects`` and ``paths`` count the replications whose test of that effect / path was
    significant; ``joint_defined`` says whether joint significance is defined for an effect
    (not for sums of indirect effects); ``n_valid`` replications were fitted, ``n_failed``
    were singular and left out of the denominator.
    """

    n: int
    effects: dict[str, int]
    paths: dict[str, int]
    joint_defined: dict[str, bool]
    n_valid: int
    n_failed: int


@dataclass
class _Chunk:
    """The fits of one chunk of replications and their path t-tests."""

    sample: _Sample  # simulated data
    fits: _Fits
    inv: list[npt.NDArray[np.floating[Any]]]  # per equation (R, p, p) inverse cross-products
    est: dict[str, FloatArray]  # path label -> (R,) estimates
    sig: BoolArray  # (R, paths) t-test significant (2-1-1: the within path last)

    @property
    def ok(self) -> BoolArray:
        return ~self.fits.singular


def _fit_chunk(pop: Population, sample: _Sample, alpha: float) -> _Chunk:
    """Fit every equation of every replication and t-test every path."""
    S = [np.matmul(np.swapaxes(V, 1, 2), V) for V in sample.designs()]
    fits = _fit(S[0] if len(S) == 1 else S, pop)
    inv = []
    for e in range(len(pop.equations)):
        A = fits.xtx[e].copy()
        A[fits.singular] = np.eye(A.shape[1])
        inv.append(np.linalg.inv(A))
    pidx = _path_index(pop)
    est: dict[str, FloatArray] = {}
    n_paths = len(pop.params) + (sample.within is not None)
    sig = np.zeros((sample.V.shape[0], n_paths), dtype=bool)
    for j, lab in enumerate(pop.params):
        e, pos = pidx[lab]
        est[lab] = fits.coef[e][:, pos]
        se = np.sqrt(np.maximum(fits.sigma2[e] * inv[e][:, pos, pos], 0.0))
        crit = stats.t.ppf(1 - alpha / 2, fits.df[e])
        with np.errstate(invalid="ignore", divide="ignore"):
            sig[:, j] = np.abs(est[lab] / se) > crit
    if sample.within is not None and pop.within_path is not None:
        w_est, w_se, w_df = sample.within
        est[pop.within_path] = w_est
        sig[:, -1] = np.abs(w_est / w_se) > stats.t.ppf(1 - alpha / 2, w_df)
    return _Chunk(sample, fits, inv, est, sig)


def _reject_joint(pop: Population, chunk: _Chunk) -> BoolArray:
    """Joint significance: every path of a (single) indirect effect significant."""
    labels = list(pop.params)
    rej = np.zeros((chunk.sig.shape[0], len(pop.effects)), dtype=bool)
    for i, terms in enumerate(pop.effects.values()):
        if len(terms) == 1:
            cols = [labels.index(nm) for nm in terms[0][1]]
            rej[:, i] = chunk.sig[:, cols].all(axis=1)
    return rej


def _reject_monte_carlo(
    pop: Population, chunk: _Chunk, n_draws: int, k: int, rng: np.random.Generator
) -> BoolArray:
    """Monte Carlo CI: draws of each equation's paths from N(estimates, their covariance)."""
    pidx = _path_index(pop)
    fits = chunk.fits
    R = chunk.sig.shape[0]
    draws: dict[str, FloatArray] = {}
    for e in range(len(pop.equations)):
        mine = [lab for lab in pop.params if pidx[lab][0] == e]
        if not mine:
            continue
        pos = [pidx[lab][1] for lab in mine]
        cov = fits.sigma2[e][:, None, None] * chunk.inv[e][:, pos][:, :, pos]
        cov[~chunk.ok] = np.eye(len(pos))
        Lc = np.linalg.cholesky(cov)
        Z = rng.standard_normal((R, n_draws, len(pos)))
        D = fits.coef[e][:, None, pos] + Z @ np.swapaxes(Lc, 1, 2)
        for j, lab in enumerate(mine):
            draws[lab] = D[..., j]
    effs = _effect_values(pop, draws)
    return np.stack([_reject_from_draws(d, k) for d in effs], axis=1)


def _reject_percentile(
    pop: Population, chunk: _Chunk, n_boot: int, alpha: float, rng: np.random.Generator
) -> BoolArray:
    """Percentile bootstrap of each replication on the shared engine (one at a time).

    A replication whose bootstrap fails, or leaves fewer than half the resamples, is marked
    not ok (``chunk.fits.singular``) and left out.
    """
    pidx = _path_index(pop)
    labels = list(pop.params)
    designs = chunk.sample.designs()
    R, n, q = designs[0].shape
    rej = np.zeros((R, len(pop.effects)), dtype=bool)
    for r in range(R):
        boot_seed = int(rng.integers(2**63))
        if chunk.fits.singular[r]:
            continue
        parts = [triu_products(V[r]) for V in designs]
        prods = np.hstack([pr for pr, _ in parts])
        iu, width = parts[0][1], parts[0][0].shape[1]

        def fn(
            Ssum: FloatArray, iu: tuple[FloatArray, FloatArray] = iu, q: int = q, w: int = width
        ) -> FloatArray:
            per_eq = [
                sym_from_triu(Ssum[:, i * w : (i + 1) * w], q, iu) for i in range(len(designs))
            ]
            f = _fit(per_eq[0] if len(per_eq) == 1 else per_eq, pop)
            vals = {lab: f.coef[pidx[lab][0]][:, pidx[lab][1]] for lab in labels}
            return np.column_stack(_effect_values(pop, vals))

        stat = MomentStatistic(prods, fn, list(pop.effects))
        try:
            bd = run_bootstrap(
                stat, n, n_boot=n_boot, seed=boot_seed, progress=False, warn=False, n_jobs=1
            )
        except ModelError:
            chunk.fits.singular[r] = True
            continue
        d = bd.valid
        if d.shape[0] < n_boot // 2:
            chunk.fits.singular[r] = True
            continue
        rej[r] = _reject_from_draws(d.T, order_k(d.shape[0], alpha))
    return rej


def _chunk_size(pop: Population, n: int, n_reps: int, method: str, n_boot: int) -> int:
    """Replications per chunk, so that a chunk's working arrays stay about 8 MB."""
    m_rows = int(np.ceil(pop.cluster_size or 1))
    if method == "monte_carlo":
        chunk = max(1, _CHUNK_FLOATS // (2 * max(n_boot, n * m_rows)))
    else:
        chunk = max(1, _CHUNK_FLOATS // (n * m_rows * 4))
    return min(chunk, n_reps)


def power_at_n(
    pop: Population,
    n: int,
    *,
    n_reps: int,
    method: str,
    n_boot: int,
    alpha: float,
    seed: int,
) -> RunCounts:
    """Rejection counts of every effect and path over ``n_reps`` replications at sample size n.

    The random stream is ``SeedSequence(seed, spawn_key=(n,))`` -- the n-th child of
    ``SeedSequence(seed).spawn`` -- so the replications at a given n are the same whatever the
    grid, the order of evaluation or the parallel backend.
    """
    ss = np.random.SeedSequence(seed, spawn_key=(int(n),))
    rng = np.random.Generator(np.random.PCG64(ss))
    k = order_k(n_boot, alpha) if method in ("monte_carlo", "percentile") else 0
    chunk = _chunk_size(pop, n, n_reps, method, n_boot)
    path_labels = [*pop.params, *([pop.within_path] if pop.within_path else [])]
    rej_eff = np.zeros(len(pop.effects), dtype=np.int64)
    rej_path = np.zeros(len(path_labels), dtype=np.int64)
    n_valid = n_failed = 0
    for start in range(0, n_reps, chunk):
        fitted = _fit_chunk(pop, _simulate(pop, n, min(chunk, n_reps - start), rng), alpha)
        if method == "joint":
            rej = _reject_joint(pop, fitted)
        elif method == "monte_carlo":
            rej = _reject_monte_carlo(pop, fitted, n_boot, k, rng)
        else:
            rej = _reject_percentile(pop, fitted, n_boot, alpha, rng)
        ok = fitted.ok
        rej_eff += rej[ok].sum(axis=0)
        rej_path += fitted.sig[ok].sum(axis=0)
        n_valid += int(ok.sum())
        n_failed += int((~ok).sum())
    return RunCounts(
        n=int(n),
        effects=dict(zip(pop.effects, rej_eff.tolist())),
        paths=dict(zip(path_labels, rej_path.tolist())),
        joint_defined={label: len(t) == 1 for label, t in pop.effects.items()},
        n_valid=n_valid,
        n_failed=n_failed,
    )


# --------------------------------------------------------------------------- analytic guide
def approx_path_power(pop: Population, n: int, alpha: float) -> dict[str, float]:
    """Large-sample power of each path's t-test (normal approximation), for search brackets.

    ``ncp = beta * sqrt(n * Var(predictor | other predictors)) / sigma_resid``; for the
    clustered designs the residual variance of an equation on cluster means is
    ``tau^2 + sigma^2 / m`` (m the mean cluster size).
    """
    cov, names, rv = implied_cov(
        pop.exog_corr,
        pop.product,
        pop.exog,
        pop.equations,
        pop.resid_var,
        pop.mediator_resid_corr,
    )
    z = stats.norm.ppf(1 - alpha / 2)
    out: dict[str, float] = {}
    for lab, (e, pred) in pop.params.items():
        eq = pop.equations[e]
        idx = [names.index(p) for p in eq.predictors]
        prec = np.linalg.inv(cov[np.ix_(idx, idx)])
        cond_var = 1.0 / prec[eq.predictors.index(pred), eq.predictors.index(pred)]
        resid = rv[e]
        m = float(pop.cluster_size or 1)
        if pop.icc is not None and e == len(pop.equations) - 1:
            resid = pop.icc * resid + (1 - pop.icc) * resid / m
        elif pop.icc_m is not None:
            resid = pop.icc_m * resid + (1 - pop.icc_m) * resid / m
        coef = eq.coefs[eq.predictors.index(pred)]
        ncp = abs(coef) * np.sqrt(n * cond_var / resid)
        out[lab] = float(stats.norm.sf(z - ncp) + stats.norm.cdf(-z - ncp))
    return out
