"""Shared machinery of the PROCESS-style models (mediation and moderated mediation).

Private module. A model is a list of linear (or, for a binary Y, logistic) equations on a set of
variables; the reported effects are *polynomials* in the equations' coefficients (``a * b``,
``a * d * b``, ``(a1 + a3 w) * b``, differences of those, ...). This module

* prepares the variable matrix and the per-unit cross-product contributions for the engine,
* solves every equation for a chunk of resamples from one matrix product,
* evaluates the effect polynomials on full-sample, bootstrap or Monte Carlo coefficients,
* gives delta-method (first-order Sobel) standard errors of the polynomials,
* summarises everything into the tidy table.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._core.checks import choice
from .._core.warn import warn_user
from ..exceptions import ModelError, ModelWarning
from . import bootstrap as bs
from ._ols_batch import (
    OLSFit,
    logit_batch,
    logit_fit,
    ols_fit,
    solve_batch,
    sym_from_triu,
    triu_products,
)
from ._types import BoolArray, FloatArray, IntArray, as_float

# A polynomial is a list of (weight, tuple of coefficient keys); a coefficient key is
# (equation name, predictor name). The value is sum(weight * prod(coef[key])).
Poly = list[tuple[float, tuple[tuple[str, str], ...]]]


@dataclass
class Equation:
    """One outcome equation: ``outcome ~ 1 + predictors``, at row or cluster level."""

    name: str
    outcome: str
    predictors: list[str]
    level: str = "row"  # "row", "cluster" (2-2-1: mediator equations on cluster means) or "ri"
    family: str = "gaussian"


@dataclass
class Term:
    """A reported effect: a polynomial in coefficients, optionally scaled by an SD ratio."""

    name: str
    poly: Poly
    kind: str  # "path", "indirect", "total", "contrast", "index", "conditional", "std"
    scale: tuple[str | None, str | None] = (None, None)  # (numerator sd var, denominator sd var)


@dataclass
class ModelSpec:
    equations: list[Equation]
    terms: list[Term]
    variables: list[str]  # data columns in V (without the constant)
    notes: list[str] = field(default_factory=list)


def product(*keys: tuple[str, str], weight: float = 1.0) -> Poly:
    return [(weight, tuple(keys))]


def poly_add(*polys: Poly, weights: Sequence[float] | None = None) -> Poly:
    out: Poly = []
    for i, p in enumerate(polys):
        w = 1.0 if weights is None else weights[i]
        out.extend((w * c, keys) for c, keys in p)
    return out


def eval_poly(poly: Poly, coefs: dict[tuple[str, str], FloatArray]) -> FloatArray:
    total: FloatArray | None = None
    for w, keys in poly:
        val = np.full_like(next(iter(coefs.values())), w, dtype=float)
        for k in keys:
            val = val * coefs[k]
        total = val if total is None else total + val
    if total is None:  # pragma: no cover - every reported effect has a term
        raise ValueError("an effect polynomial without terms")
    return total


def poly_gradient(
    poly: Poly, coefs: dict[tuple[str, str], float], keys: list[tuple[str, str]]
) -> FloatArray:
    g = np.zeros(len(keys))
    pos = {k: i for i, k in enumerate(keys)}
    for w, ks in poly:
        for j, k in enumerate(ks):
            rest = w
            for jj, kk in enumerate(ks):
                if jj != j:
                    rest *= coefs[kk]
            g[pos[k]] += rest
    return g


class ProcessModel:
    """Data, equations and effects of one PROCESS-style model, ready for the engine."""

    def __init__(
        self,
        data: pd.DataFrame,
        spec: ModelSpec,
        *,
        cluster_codes: IntArray | None,
        n_clusters: int,
        robust_cluster: bool,
    ) -> None:
        self.spec = spec
        self.data = data
        self.vars = spec.variables
        self.cluster_codes = cluster_codes
        self.n_clusters = n_clusters
        self.robust_cluster = robust_cluster
        V = data[self.vars].to_numpy(dtype=float)
        self.means = V.mean(axis=0)
        Vc = V - self.means
        self.V_row = np.column_stack([np.ones(len(V)), Vc])
        self.col = {"1": 0, **{v: i + 1 for i, v in enumerate(self.vars)}}
        self.q = self.V_row.shape[1]
        self.iu = np.triu_indices(self.q)
        self.logistic = [e for e in spec.equations if e.family == "binomial"]
        n = len(V)
        # moment blocks: "row" (all rows), "cluster" (one row of cluster means per cluster) and,
        # for random-intercept equations, "ri:<equation>" (rows quasi-demeaned by cluster)
        blocks: dict[str, tuple[FloatArray, str]] = {"row": (self.V_row, "row")}
        self.ri: dict[str, tuple[float, float, FloatArray]] = {}
        if any(e.level == "cluster" for e in spec.equations):
            counts = np.bincount(self.codes, minlength=n_clusters).astype(float)
            cm = np.zeros((n_clusters, V.shape[1]))
            np.add.at(cm, self.codes, Vc)
            cm /= counts[:, None]
            blocks["cluster"] = (np.column_stack([np.ones(n_clusters), cm]), "cluster")
        for eq in spec.equations:
            if eq.level == "ri":
                theta, tau2, sigma2 = self._random_intercept(eq)
                self.ri[eq.name] = (tau2, sigma2, theta)
        self.blocks = blocks
        parts, self.slices, start = [], {}, 0
        for name, (Vb, level) in blocks.items():
            prod, _ = triu_products(Vb)
            if cluster_codes is not None and level == "row":
                agg = np.zeros((n_clusters, prod.shape[1]))
                np.add.at(agg, cluster_codes, prod)
                prod = agg
            parts.append(prod)
            self.slices[name] = (start, start + prod.shape[1])
            start += prod.shape[1]
        # random-intercept equations are re-estimated by REML in every resample: a resample's
        # GLS moments at variance ratio lam = tau^2 / sigma^2 are
        #   sum_j w_j [C_j - lam / (1 + n_j lam) s_j s_j']
        # (C_j: the cluster's cross-products, the "row" block; s_j: its column sums), so with
        # the s_j s_j' summed per cluster size ("size:k" blocks) and the number of resampled
        # clusters of each size, any lam costs a few array operations for all resamples at once
        self.ri_sizes = np.zeros(0)
        if self.ri:
            counts = np.bincount(self.codes, minlength=n_clusters)
            self.ri_sizes = np.unique(counts).astype(float)
            sums = np.zeros((n_clusters, self.q))
            np.add.at(sums, self.codes, self.V_row)
            outer, _ = triu_products(sums)
            member = (counts[:, None] == self.ri_sizes[None, :]).astype(float)
            for k in range(len(self.ri_sizes)):
                parts.append(outer * member[:, k : k + 1])
                self.slices[f"size:{k}"] = (start, start + outer.shape[1])
                start += outer.shape[1]
            parts.append(member)
            self.size_counts = (start, start + member.shape[1])
            start += member.shape[1]
        self.contrib = parts[0] if len(parts) == 1 else np.hstack(parts)
        self.r = self.slices["row"][1]
        self.n_units = n_clusters if cluster_codes is not None else n
        self.fits = self._exact_fits()
        self.keys = self._coef_keys()
        self.coef_full = {k: np.array([self._fit_coef(k)]) for k in self.keys}

    @property
    def codes(self) -> IntArray:
        """Cluster codes (asked for only by cluster-level and random-intercept equations)."""
        if self.cluster_codes is None:
            raise ModelError("this model needs cluster= (the column identifying the clusters)")
        return self.cluster_codes

    # ----- random-intercept equations (GLS with REML variance components) -----------------
    def _quasi_demean(self, Vm: FloatArray, theta: FloatArray) -> FloatArray:
        codes = self.codes
        sums = np.zeros((self.n_clusters, Vm.shape[1]))
        np.add.at(sums, codes, Vm)
        counts = np.bincount(codes, minlength=self.n_clusters).astype(float)
        return as_float(Vm - theta[codes, None] * (sums / counts[:, None])[codes])

    def _random_intercept(self, eq: Equation) -> tuple[FloatArray, float, float]:
        from statsmodels.regression.mixed_linear_model import MixedLM

        idx = [0] + [self.col[p] for p in eq.predictors]
        X = self.V_row[:, idx].copy()
        X[:, 1:] += self.means[[self.col[p] - 1 for p in eq.predictors]]
        y = self.V_row[:, self.col[eq.outcome]] + self.means[self.col[eq.outcome] - 1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = MixedLM(y, X, groups=self.codes).fit(reml=True)
        tau2 = float(np.asarray(fit.cov_re)[0, 0])
        sigma2 = float(fit.scale)
        counts = np.bincount(self.codes, minlength=self.n_clusters).astype(float)
        theta = 1.0 - np.sqrt(sigma2 / (sigma2 + counts * max(tau2, 0.0)))
        return theta, tau2, sigma2

    def _gls_moments(self, base: FloatArray, outer: FloatArray, lam: FloatArray) -> FloatArray:
        """sum_j w_j [C_j - lam / (1 + n_j lam) s_j s_j'] for B resamples at once.

        ``base`` (B, r, r): the weighted C_j; ``outer`` (K, B, r, r): the weighted s_j s_j' of
        the clusters of each size; ``lam`` (B,).
        """
        gam = lam[:, None] / (1.0 + lam[:, None] * self.ri_sizes[None, :])  # (B, K)
        return as_float(base - np.einsum("bk,kbij->bij", gam, outer))

    def _ri_deviance(
        self, base: FloatArray, outer: FloatArray, m: FloatArray, lam: FloatArray, n_coef: int
    ) -> FloatArray:
        """Profiled REML deviance at variance ratios ``lam`` (B,), up to a constant:
        (N - p) log(rss) + sum_j log(1 + n_j lam) + log|X'H^-1 X| with H_j = I + lam 11'
        (sigma^2 profiled out). The last row/column of ``base``/``outer`` is the outcome."""
        M = self._gls_moments(base, outer, lam)
        A, c = M[:, :n_coef, :n_coef], M[:, :n_coef, n_coef]
        with np.errstate(all="ignore"):
            sign, logdet = np.linalg.slogdet(A)
            beta = np.linalg.solve(A, c[..., None])[..., 0]
            rss = M[:, n_coef, n_coef] - np.einsum("bi,bi->b", c, beta)
            dev = (
                (m @ self.ri_sizes - n_coef) * np.log(rss)
                + (m * np.log1p(lam[:, None] * self.ri_sizes[None, :])).sum(axis=1)
                + logdet
            )
        return as_float(np.where((sign > 0) & (rss > 0), dev, np.inf))

    def reml_moments(
        self, eq: Equation, Ms: dict[str, FloatArray], m: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """REML variance ratio ``lam = tau^2 / sigma^2`` of the random-intercept equation ``eq``
        in each resample, and the GLS moments at it.

        A vectorised one-dimensional search over the ICC ``rho = lam / (1 + lam)``: a grid
        brackets the minimum of the profiled REML deviance, golden-section search narrows the
        bracket to about 1e-9, and the boundary ``rho = 0`` is kept when it is at least as good.
        Returns (moments (B, q, q) with all variables, lam (B,)).
        """
        B = m.shape[0]
        idx = np.array([0] + [self.col[p] for p in eq.predictors] + [self.col[eq.outcome]])
        sub = np.ix_(idx, idx)
        base = Ms["row"][:, sub[0], sub[1]]
        outer = np.stack([Ms[f"size:{k}"][:, sub[0], sub[1]] for k in range(len(self.ri_sizes))])
        n_coef = len(idx) - 1

        def dev(rho: FloatArray) -> FloatArray:
            return self._ri_deviance(base, outer, m, rho / (1 - rho), n_coef)

        grid = np.concatenate([[0.0], np.linspace(0.005, 0.995, 34) ** 1.5])
        devs = np.stack([dev(np.full(B, r)) for r in grid], axis=1)
        i = np.argmin(devs, axis=1)
        lo = grid[np.maximum(i - 1, 0)]
        hi = grid[np.minimum(i + 1, len(grid) - 1)]
        g = (np.sqrt(5.0) - 1) / 2
        x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
        f1, f2 = dev(x1), dev(x2)
        for _ in range(40):
            left = f1 <= f2  # the minimum is in [lo, x2]
            hi = np.where(left, x2, hi)
            lo = np.where(left, lo, x1)
            x1n = np.where(left, hi - g * (hi - lo), x2)
            x2n = np.where(left, x1, lo + g * (hi - lo))
            fn = dev(np.where(left, x1n, x2n))
            f1, f2 = np.where(left, fn, f2), np.where(left, f1, fn)
            x1, x2 = x1n, x2n
        rho = (lo + hi) / 2
        rho = np.where(devs[:, 0] <= dev(rho), 0.0, rho)
        lam = rho / (1 - rho)
        full_outer = np.stack([Ms[f"size:{k}"] for k in range(len(self.ri_sizes))])
        return self._gls_moments(Ms["row"], full_outer, lam), lam

    # ----- exact full-sample fits ---------------------------------------------------------
    def _design(self, eq: Equation) -> tuple[FloatArray, FloatArray]:
        Vm = self.blocks["cluster"][0] if eq.level == "cluster" else self.V_row
        idx = [0] + [self.col[p] for p in eq.predictors]
        X = Vm[:, idx].copy()
        y = Vm[:, self.col[eq.outcome]].copy()
        # undo centering so the intercept is the usual one
        X[:, 1:] += self.means[[self.col[p] - 1 for p in eq.predictors]]
        y += self.means[self.col[eq.outcome] - 1]
        if eq.level == "ri":
            theta = self.ri[eq.name][2]
            X = self._quasi_demean(X, theta)
            y = self._quasi_demean(y[:, None], theta)[:, 0]
        return X, y

    def _exact_fits(self) -> dict[str, OLSFit]:
        fits = {}
        for eq in self.spec.equations:
            X, y = self._design(eq)
            names = ("constant", *eq.predictors)
            if X.shape[0] <= X.shape[1]:
                raise ModelError(
                    f"the equation for '{eq.outcome}' has {X.shape[1]} coefficients but only "
                    f"{X.shape[0]} {'clusters' if eq.level == 'cluster' else 'rows'}; use more data or fewer covariates"
                )
            if np.linalg.matrix_rank(X) < X.shape[1]:
                raise ModelError(
                    f"the predictors of '{eq.outcome}' ({', '.join(eq.predictors)}) are perfectly "
                    "collinear; drop or combine the redundant column(s)"
                )
            groups = self.cluster_codes if (self.robust_cluster and eq.level == "row") else None
            if eq.family == "binomial":
                try:
                    fits[eq.name] = logit_fit(X, y, names, groups=groups)
                except (FloatingPointError, np.linalg.LinAlgError) as err:
                    raise ModelError(
                        f"the logistic equation for '{eq.outcome}' cannot be estimated ({err}); "
                        "check for predictors that perfectly separate 0 and 1"
                    ) from None
            elif eq.level == "ri":
                f = ols_fit(X, y, names)
                _, sigma2, _ = self.ri[eq.name]
                vcov = f.vcov / f.sigma2 * sigma2  # sigma2 (X*'X*)^-1 = (X' V^-1 X)^-1 at REML
                fits[eq.name] = OLSFit(f.coef, vcov, f.df_resid, f.names, sigma2, f.r2)
            else:
                fits[eq.name] = ols_fit(X, y, names, groups=groups)
        return fits

    def _coef_keys(self) -> list[tuple[str, str]]:
        keys: list[tuple[str, str]] = []
        for t in self.spec.terms:
            for _, ks in t.poly:
                for k in ks:
                    if k not in keys:
                        keys.append(k)
        return keys

    def _fit_coef(self, key: tuple[str, str]) -> float:
        fit = self.fits[key[0]]
        return float(fit.coef[fit.names.index(key[1])])

    def joint_vcov(self) -> FloatArray:
        """Covariance of the coefficients in ``self.keys`` (0 across equations)."""
        p = len(self.keys)
        C = np.zeros((p, p))
        for i, ki in enumerate(self.keys):
            for j, kj in enumerate(self.keys):
                if ki[0] == kj[0]:
                    f = self.fits[ki[0]]
                    C[i, j] = f.vcov[f.names.index(ki[1]), f.names.index(kj[1])]
        return C

    # ----- SDs (for standardized effects) ------------------------------------------------
    def sds_from_moments(self, M: FloatArray) -> dict[str, FloatArray]:
        w = M[:, 0, 0]
        out = {}
        for v in self.vars:
            j = self.col[v]
            var = (M[:, j, j] - M[:, 0, j] ** 2 / w) / (w - 1)
            out[v] = np.sqrt(np.maximum(var, 0))
        return out

    # ----- effects ---------------------------------------------------------------------------
    def effects(
        self, coefs: dict[tuple[str, str], FloatArray], sds: dict[str, FloatArray] | None
    ) -> FloatArray:
        cols = []
        for t in self.spec.terms:
            val = eval_poly(t.poly, coefs)
            num, den = t.scale
            if num is not None or den is not None:
                if sds is None:
                    val = val * np.nan
                else:
                    if num is not None:
                        val = val * sds[num]
                    if den is not None:
                        val = val / sds[den]
            cols.append(val)
        return np.column_stack(cols)

    def full_estimates(self) -> FloatArray:
        Mrow = (self.V_row.T @ self.V_row)[None]
        sds = self.sds_from_moments(Mrow)
        return as_float(self.effects(self.coef_full, sds)[0])

    # ----- the statistic for the engine -------------------------------------------------------
    def _solve_equations(
        self, Ms: dict[str, FloatArray], W: FloatArray | None
    ) -> tuple[dict[tuple[str, str], FloatArray], BoolArray]:
        B = Ms["row"].shape[0]
        coefs: dict[tuple[str, str], FloatArray] = {}
        bad = np.zeros(B, dtype=bool)
        for eq in self.spec.equations:
            P = np.array([0] + [self.col[p] for p in eq.predictors])
            o = self.col[eq.outcome]
            if eq.family == "binomial":
                if W is None:  # pragma: no cover - the logistic statistic passes the weights
                    raise ValueError("a logistic equation is refitted from the weights")
                Wrows = W if self.cluster_codes is None else W[:, self.cluster_codes]
                X, y = self._design(eq)
                beta0 = self.fits[eq.name].coef
                beta, fail = logit_batch(X, y, Wrows, beta0)
                bad |= fail
                for i, p in enumerate(eq.predictors):
                    coefs[(eq.name, p)] = beta[:, i + 1]
                continue
            M = (
                Ms["cluster"]
                if eq.level == "cluster"
                else Ms[f"ri:{eq.name}"]
                if eq.level == "ri"
                else Ms["row"]
            )
            A = M[:, P[:, None], P[None, :]]
            c = M[:, P, o]
            beta, sing = solve_batch(A, c)
            bad |= sing
            for i, p in enumerate(eq.predictors):
                coefs[(eq.name, p)] = beta[:, i + 1]
        return coefs, bad

    def _from_sums(self, S: FloatArray, W: FloatArray | None = None) -> FloatArray:
        Ms = {
            name: sym_from_triu(S[:, a:b], self.q, self.iu) for name, (a, b) in self.slices.items()
        }
        for eq in self.spec.equations:
            if eq.level == "ri":
                a, b = self.size_counts
                Ms[f"ri:{eq.name}"] = self.reml_moments(eq, Ms, S[:, a:b])[0]
        coefs, bad = self._solve_equations(Ms, W)
        eff = self.effects(coefs, self.sds_from_moments(Ms["row"]))
        eff[bad] = np.nan
        return eff

    def statistic(self) -> bs.MomentStatistic | _WeightStatistic:
        """The statistic for the engine: block-wise sums, unless a logistic equation needs
        every resample's weights to refit."""
        labels = [t.name for t in self.spec.terms]
        if not self.logistic:
            return bs.MomentStatistic(self.contrib, self._from_sums, labels)
        return _WeightStatistic(self, labels)

    def monte_carlo(self, n_draws: int, seed: int | None) -> tuple[FloatArray, int]:
        mean = np.array([self.coef_full[k][0] for k in self.keys])
        draws, seed_used = bs.monte_carlo_draws(mean, self.joint_vcov(), n_draws, seed)
        coefs = {k: draws[:, i] for i, k in enumerate(self.keys)}
        Mrow = (self.V_row.T @ self.V_row)[None]
        sds = {k: np.repeat(v, n_draws) for k, v in self.sds_from_moments(Mrow).items()}
        return self.effects(coefs, sds), seed_used

    def delta_se(self) -> FloatArray:
        C = self.joint_vcov()
        cf = {k: float(v[0]) for k, v in self.coef_full.items()}
        out = []
        for t in self.spec.terms:
            if t.kind == "path" or t.scale != (None, None):
                out.append(np.nan)
                continue
            g = poly_gradient(t.poly, cf, self.keys)
            out.append(float(np.sqrt(g @ C @ g)))
        return np.array(out)


class _WeightStatistic:
    """A model's effects evaluated from the full (B, n_units) weight matrix of a chunk."""

    def __init__(self, model: ProcessModel, labels: list[str]) -> None:
        self.model = model
        self.labels = tuple(labels)

    def __call__(self, W: FloatArray) -> FloatArray:
        return self.model._from_sums(as_float(W @ self.model.contrib), W)


@dataclass
class Resampled:
    estimates: FloatArray
    draws: FloatArray  # valid draws only
    all_draws: FloatArray
    singular: BoolArray
    seed: int
    lo: FloatArray
    hi: FloatArray
    boot_se: FloatArray
    p_boot: FloatArray
    notes: list[str]


def resample(
    model: ProcessModel,
    *,
    n_boot: int,
    ci: str,
    ci_level: float,
    seed: int | None,
    progress: bool | None,
    bca_influence: str = "jackknife",
) -> Resampled:
    """Run the bootstrap (or Monte Carlo) for a model and summarise every term."""
    bca_influence = choice(bca_influence, "bca_influence", ["jackknife", "regression"])
    keep = ci == "bca" and bca_influence == "regression"
    est = model.full_estimates()
    notes: list[str] = []
    unit = "cluster" if model.cluster_codes is not None else "row"
    if ci == "monte_carlo":
        draws, seed_used = model.monte_carlo(n_boot, seed)
        singular = np.zeros(n_boot, dtype=bool)
        valid = draws
        notes.append(
            "Monte Carlo CI: path coefficients drawn from their joint normal distribution "
            "(Preacher & Selig, 2012); standardized effects use the sample SDs"
        )
    else:
        stat = model.statistic()
        res = bs.run_bootstrap(
            stat,
            model.n_units,
            n_boot=n_boot,
            seed=seed,
            unit=unit,
            progress=progress,
            keep_weights=keep,
        )
        draws, singular, seed_used, valid = res.draws, res.singular, res.seed, res.valid
        if res.n_singular:
            notes.append(
                f"{res.n_singular} of {n_boot} resamples were singular and are left out of the CIs"
            )
    jack = acc = None
    if ci == "bca" and keep:
        L = bs.regression_influence(valid, res.extra["weights"][~singular])
        acc = bs.acceleration_from_influence(L)
        notes.append(
            "BCa acceleration from regression estimates of the influence values (as boot::boot.ci)"
        )
    elif ci == "bca":
        jack = bs.jackknife(model.statistic(), model.n_units)
        notes.append(f"BCa acceleration from the leave-one-{unit}-out jackknife")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ModelWarning)
        lo, hi = bs.confidence_interval(
            valid, est, method=ci, level=ci_level, jack=jack, acceleration=acc
        )
    for w in caught:  # keep the warning in the result's notes, and pass it on
        if issubclass(w.category, ModelWarning):
            notes.append(str(w.message))
        warn_user(w.message, w.category)
    boot_se = np.nanstd(valid, axis=0, ddof=1)
    p = bs.boot_pvalue(valid)
    return Resampled(est, valid, draws, singular, seed_used, lo, hi, boot_se, p, notes)


#: columns of a PROCESS-style effects table
EFFECT_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "p_value", "boot_se", "sobel_se"]


def effect_table(
    terms: Sequence[Any],
    rs: Resampled,
    delta_se: FloatArray,
    path_row: Callable[[Any], tuple[float, float, float, float, float]],
) -> pd.DataFrame:
    """The effects table: a path gets ``path_row(term) = (estimate, se, ci_low, ci_high, p)``
    from its equation's fit; every other term its bootstrap estimate, SE, interval and p with
    the delta-method (Sobel) SE."""
    rows = []
    for i, t in enumerate(terms):
        if t.kind == "path":
            rows.append((t.name, *path_row(t), rs.boot_se[i], np.nan))
        else:
            rows.append(
                (
                    t.name,
                    rs.estimates[i],
                    rs.boot_se[i],
                    rs.lo[i],
                    rs.hi[i],
                    rs.p_boot[i],
                    rs.boot_se[i],
                    delta_se[i],
                )
            )
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def build_table(model: ProcessModel, rs: Resampled, ci_level: float) -> pd.DataFrame:
    from scipy import special

    def path_row(t: Any) -> tuple[float, float, float, float, float]:
        ((_, keys),) = t.poly
        eqn, pred = keys[0]
        fit = model.fits[eqn]
        j = fit.names.index(pred)
        est, se = float(fit.coef[j]), float(np.sqrt(fit.vcov[j, j]))
        if fit.family == "binomial":
            crit = special.ndtri((1 + ci_level) / 2)
            p = 2 * special.ndtr(-abs(est / se))
        else:
            crit = special.stdtrit(fit.df_resid, (1 + ci_level) / 2)
            p = 2 * special.stdtr(fit.df_resid, -abs(est / se))
        return est, se, est - crit * se, est + crit * se, p

    return effect_table(model.spec.terms, rs, model.delta_se(), path_row)


def equation_tables(model: ProcessModel, ci_level: float) -> dict[str, pd.DataFrame]:
    """Full coefficient tables of every equation (PROCESS 'Model' blocks)."""
    from scipy import special

    out = {}
    for eq in model.spec.equations:
        fit = model.fits[eq.name]
        se = fit.se
        stat = fit.coef / se
        if fit.family == "binomial":
            p = 2 * special.ndtr(-np.abs(stat))
            crit = special.ndtri((1 + ci_level) / 2)
        else:
            p = 2 * special.stdtr(fit.df_resid, -np.abs(stat))
            crit = special.stdtrit(fit.df_resid, (1 + ci_level) / 2)
        df = pd.DataFrame(
            {
                "term": list(fit.names),
                "estimate": fit.coef,
                "se": se,
                "statistic": stat,
                "p_value": p,
                "ci_low": fit.coef - crit * se,
                "ci_high": fit.coef + crit * se,
            }
        )
        if eq.name in model.ri:
            df.attrs.update(tau2=model.ri[eq.name][0], sigma2=model.ri[eq.name][1])
        df.attrs.update(
            outcome=eq.outcome,
            r2=fit.r2,
            mse=fit.sigma2,
            df_resid=fit.df_resid,
            family=fit.family,
            level=eq.level,
        )
        out[eq.name] = df
    return out
