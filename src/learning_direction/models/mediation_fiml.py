"""Mediation by full-information maximum likelihood (FIML): ``ld.mediate(..., missing="fiml")``.

PROCESS model 4 (simple or parallel mediators) and model 6 (serial mediators) with covariates
are *just-identified* path models once every variable is modelled (lavaan's ``fixed.x =
FALSE``): they have as many free parameters as the unrestricted (saturated) normal model of
``(X, covariates, mediators, Y)`` has means, variances and covariances. The FIML path
coefficients are therefore the regressions implied by the FIML means ``mu`` and covariance
matrix ``Sigma`` of the saturated model: for the equation of ``o`` on the predictors ``P``,
``beta = Sigma_PP^-1 Sigma_Po`` and intercept ``mu_o - beta' mu_P``; the total-effect equation
(``Y`` on ``X`` and the covariates) is the same regression with the mediators left out, so
``c = c' + sum of the indirect effects`` holds exactly. The saturated moments come from the
pattern-wise EM of the SEM engine (:mod:`~learning_direction.models.sem.saturated`), polished
by Newton steps; standard errors are the delta method on the inverse observed information of
the moments (lavaan's default with ``missing = "ml"``), which equals the observed-information
SEs of the path model (a one-to-one reparametrisation at the optimum).

The bootstrap resamples rows; a resample only needs the EM of the saturated model. Every row
contributes, for its own missing-data pattern, a count, the sums of its observed values and
their cross-products; a chunk of resamples turns its frequency weights into each pattern's
weighted sufficient statistics with one matrix product per pattern, and the EM then runs for
all resamples of the chunk at once (batched over resamples, started from the full-sample
moments).

Examples
--------
Study 2A with learning-opportunity scores missing at random (more often for mentors high in
downward learning direction) and some engagement scores missing (1,000 resamples to keep the
example fast):

>>> import numpy as np
>>> import learning_direction as ld
>>> raw = ld.load_dataset("study2a")
>>> d = raw.join(ld.score(raw, ["learning_direction", "learning_opportunity",
...                             "mentor_engagement"]).scores)
>>> rng = np.random.default_rng(7)
>>> high = d["downward"] > d["downward"].median()
>>> d.loc[rng.random(len(d)) < np.where(high, 0.35, 0.10), "learning_opportunity"] = np.nan
>>> d.loc[rng.random(len(d)) < 0.10, "mentor_engagement"] = np.nan
>>> res = ld.mediate(d, x="downward", m="learning_opportunity", y="mentor_engagement",
...                  covariates=["upward", "lateral"], n_boot=1000, seed=1, missing="fiml")
>>> res.n, res.n_dropped, res.n_patterns
(400, 0, 4)
>>> res.patterns[["pattern", "n", "learning_opportunity", "mentor_engagement"]]
   pattern    n  learning_opportunity  mentor_engagement
0        1  286                     1                  1
1        2   77                     0                  1
2        3   30                     1                  0
3        4    7                     0                  0
>>> tab = res.table.set_index("term")
>>> print(tab.loc[["a:learning_opportunity", "b:learning_opportunity",
...                "indirect:learning_opportunity"], ["estimate", "sobel_se", "ci_low",
...                                                    "ci_high"]].round(3))
                               estimate  sobel_se  ci_low  ci_high
term
a:learning_opportunity            0.309       NaN   0.208    0.410
b:learning_opportunity            0.324       NaN   0.214    0.433
indirect:learning_opportunity     0.100     0.024   0.058    0.149

The same model in lavaan (estimates and SEs agree; listwise deletion would keep 286 rows)::

    fit <- lavaan::sem("learning_opportunity ~ a*downward + upward + lateral
                        mentor_engagement ~ b*learning_opportunity + downward + upward + lateral
                        downward ~~ upward + lateral
                        upward ~~ lateral
                        ind := a*b", data = d, missing = "ml", fixed.x = FALSE,
                       se = "bootstrap", bootstrap = 1000)
    parameterEstimates(fit, boot.ci.type = "perc")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import choice
from .._core.data import require_columns
from ..exceptions import DataValidationError, ModelError
from . import _process_core as core, bootstrap as bs
from ._fiml_batch import (
    PatternSums,
    jacobian,
    moment_vcov,
    pack_moments,
    regression,
    unpack_moments,
)
from ._process_input import CI_NAMES, MIN_ROWS
from ._types import BoolArray, FloatArray, as_float
from .sem.sampledata import pattern_table
from .sem.saturated import PatternData, em_saturated

__all__ = ["FIMLMediationFit", "mediate_fiml", "path_model_syntax"]


@dataclass(frozen=True)
class FIMLMediationFit:
    """What :func:`mediate_fiml` hands to ``ld.mediate`` for its ``MediationResult``.

    ``patterns``: one row per missing-data pattern, most frequent first (``pattern, n,
    n_observed`` and one 0/1 column per variable, 1 = observed), as
    ``lavInspect(fit, "patterns")`` with its frequencies.
    """

    table: pd.DataFrame
    boot_draws: pd.DataFrame
    equations: dict[str, pd.DataFrame]
    n: int
    n_dropped: int
    n_singular: int
    seed: int
    method: str
    notes: tuple[str, ...]
    n_patterns: int
    patterns: pd.DataFrame


# ---------------------------------------------------------------------------------------------
def path_model_syntax(
    x: str, mediators: list[str], y: str, covariates: list[str], serial: bool
) -> str:
    """The lavaan syntax of the path model (labels ``a_<i>``, ``d_<j><i>``, ``b_<i>``, ``cp``).

    Exogenous covariances (and the residual covariances of parallel mediators) are written
    out, so that with ``fixed.x = FALSE`` the model is the saturated one in lavaan and in
    :func:`~learning_direction.sem` alike.

    Examples
    --------
    >>> from learning_direction.models.mediation_fiml import path_model_syntax
    >>> print(path_model_syntax("x", ["m1", "m2"], "y", ["c"], serial=True))
    m1 ~ a_1*x + c
    m2 ~ a_2*x + d_12*m1 + c
    y ~ cp*x + b_1*m1 + b_2*m2 + c
    x ~~ c
    """
    lines = []
    for i, m in enumerate(mediators, start=1):
        rhs = [f"a_{i}*{x}"]
        if serial:
            rhs += [f"d_{j}{i}*{mediators[j - 1]}" for j in range(1, i)]
        lines.append(f"{m} ~ {' + '.join(rhs + covariates)}")
    rhs = [f"cp*{x}"] + [f"b_{i}*{m}" for i, m in enumerate(mediators, start=1)] + covariates
    lines.append(f"{y} ~ {' + '.join(rhs)}")
    exo = [x, *covariates]
    lines += [f"{u} ~~ {v}" for i, u in enumerate(exo) for v in exo[i + 1 :]]
    if not serial:  # parallel mediators: correlated residuals, as separate OLS equations imply
        lines += [f"{u} ~~ {v}" for i, u in enumerate(mediators) for v in mediators[i + 1 :]]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _FIMLData:
    """The rows used, standardized (available-case means and SDs), grouped by pattern."""

    names: tuple[str, ...]
    patterns: PatternData
    center: FloatArray
    scale: FloatArray
    n_total: int
    n_empty: int


def _check_inputs(
    df: pd.DataFrame, x: str, ms: list[str], y: str, covs: list[str], outcome: str, x_ref: object
) -> None:
    """Numeric columns only, a continuous Y; a clear way out otherwise."""
    require_columns(df, [x, *ms, *covs, y], "mediate(missing='fiml')")
    if x_ref is not None or not _numeric(df[x]):
        raise ModelError(
            f"missing='fiml' takes a numeric x; '{x}' is categorical (or x_reference= was "
            "given). Use missing='listwise' for a categorical X, or code its levels as 0/1 "
            "columns and pass one as x and the others as covariates"
        )
    for c in [*ms, *covs, y]:
        if not _numeric(df[c]):
            raise DataValidationError(
                f"missing='fiml' needs numeric columns; '{c}' is {df[c].dtype}. Code a "
                "categorical covariate as 0/1 columns, or use missing='listwise' (which "
                "dummy-codes text covariates)"
            )
    for c in [x, *ms, *covs, y]:
        v = pd.to_numeric(df[c]).to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(v).any():
            rows = list(df.index[np.isinf(v)][:3])
            raise DataValidationError(
                f"column '{c}' has infinite values (rows {rows}); replace them by NaN (missing)"
            )
    yv = pd.to_numeric(df[y]).dropna()
    binary = len(yv) > 0 and set(np.unique(yv.to_numpy(dtype=float))) <= {0.0, 1.0}
    if outcome == "logistic" or (outcome == "auto" and binary):
        raise ModelError(
            f"missing='fiml' fits linear equations; '{y}' is a 0/1 outcome, which "
            "ld.mediate models by logistic regression. Use missing='listwise' for the logistic "
            "model, or outcome='linear' to fit a linear probability model by FIML"
        )


def _numeric(col: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col))


def _fiml_data(df: pd.DataFrame, names: list[str]) -> _FIMLData:
    """Rows with at least one analysed variable, standardized and grouped by pattern."""
    values = np.column_stack(
        [pd.to_numeric(df[c]).to_numpy(dtype=float, na_value=np.nan) for c in names]
    )
    empty = np.isnan(values).all(axis=1)
    used = values[~empty]
    if len(used) < MIN_ROWS:
        raise ModelError(
            f"only {len(used)} rows have any of the variables; a bootstrap mediation model "
            f"needs at least {MIN_ROWS}"
        )
    observed = ~np.isnan(used)
    for j, c in enumerate(names):
        col = used[observed[:, j], j]
        if len(col) < 2 or float(np.var(col)) <= 0:
            raise ModelError(
                f"column '{c}' is constant (or has fewer than 2 values) in the {len(used)} "
                "rows used; it cannot be used in the model"
            )
    cover = observed.T.astype(float) @ observed.astype(float)
    lo, hi = (int(k) for k in np.unravel_index(np.argmin(cover), cover.shape))
    if cover[lo, hi] < 3:
        raise ModelError(
            f"'{names[lo]}' and '{names[hi]}' are observed together in {int(cover[lo, hi])} rows; "
            "FIML cannot estimate their covariance. Use other variables, or more complete data"
        )
    center = np.nanmean(used, axis=0)
    scale = np.nanstd(used, axis=0)
    patterns = PatternData.build(tuple(names), (used - center) / scale)
    return _FIMLData(
        tuple(names),
        patterns,
        center,
        scale,
        len(df),
        int(empty.sum()),
    )


# ---------------------------------------------------------------------------------------------
class _Effects:
    """Every reported term (and every equation's coefficients) from saturated moments."""

    def __init__(self, spec: core.ModelSpec, names: tuple[str, ...], fd: _FIMLData) -> None:
        self.spec = spec
        self.col = {v: i for i, v in enumerate(names)}
        self.center, self.scale = fd.center, fd.scale
        self.n = fd.patterns.n

    def _original(self, mu: FloatArray, sigma: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Moments of the standardized data back on the variables' own scales."""
        s = self.scale
        return mu * s + self.center, sigma * s[:, None] * s[None, :]

    def coefficients(
        self, mu_s: FloatArray, sigma_s: FloatArray
    ) -> tuple[dict[tuple[str, str], FloatArray], BoolArray]:
        """``{(equation, predictor or "constant"): (B,)}`` for B moment sets; singular flags."""
        mu, sigma = self._original(mu_s, sigma_s)
        out: dict[tuple[str, str], FloatArray] = {}
        bad = np.zeros(mu.shape[0], dtype=bool)
        for eq in self.spec.equations:
            pr = [self.col[v] for v in eq.predictors]
            beta, const, sing = regression(mu, sigma, self.col[eq.outcome], pr)
            bad |= sing
            for i, v in enumerate(eq.predictors):
                out[(eq.name, v)] = beta[:, i]
            out[(eq.name, "constant")] = const
        return out, bad

    def terms(self, mu_s: FloatArray, sigma_s: FloatArray) -> FloatArray:
        """(B, n_terms): the reported terms; NaN rows where a regression is singular."""
        coefs, bad = self.coefficients(mu_s, sigma_s)
        sd = np.sqrt(np.einsum("bii->bi", sigma_s) * self.n / (self.n - 1)) * self.scale
        cols = []
        for t in self.spec.terms:
            val = core.eval_poly(t.poly, coefs)
            num, den = t.scale
            if num is not None:
                val = val * sd[:, self.col[num]]
            if den is not None:
                val = val / sd[:, self.col[den]]
            cols.append(val)
        res = np.column_stack(cols)
        res[bad] = np.nan
        return as_float(res)


# ---------------------------------------------------------------------------------------------
class _FIMLStatistic:
    """The bootstrap statistic: weights -> pattern sums (block-wise) -> batched EM -> terms."""

    def __init__(self, sums: PatternSums, effects: _Effects, labels: list[str]) -> None:
        self.ps = sums
        self.effects = effects
        self.labels = tuple(labels)

    def sums(self, W: FloatArray) -> FloatArray:
        return self.ps.sums(W)

    def finish(self, S: FloatArray) -> FloatArray:
        mu, sigma, bad = self.ps.em(S)
        out = self.effects.terms(mu, sigma)
        out[bad] = np.nan
        return out

    def __call__(self, W: FloatArray) -> FloatArray:
        return self.finish(self.sums(W))

    def jackknife(self) -> FloatArray:
        rows = self.ps.per_row()
        return self.finish(rows.sum(axis=0, keepdims=True) - rows)


class _FIMLModel:
    """What :func:`._process_core.resample` asks of a model, for the FIML fit."""

    cluster_codes = None

    def __init__(
        self, fd: _FIMLData, effects: _Effects, labels: list[str], mu: FloatArray, sigma: FloatArray
    ) -> None:
        self.fd, self.eff, self.labels = fd, effects, labels
        self.mu, self.sigma = mu, sigma
        self.n_units = fd.patterns.n
        self.vcov = moment_vcov(fd.patterns, mu, sigma)

    def full_estimates(self) -> FloatArray:
        return as_float(self.eff.terms(self.mu[None], self.sigma[None])[0])

    def statistic(self) -> _FIMLStatistic:
        return _FIMLStatistic(
            PatternSums(self.fd.patterns, self.mu, self.sigma), self.eff, self.labels
        )

    def monte_carlo(self, n_draws: int, seed: int | None) -> tuple[FloatArray, int]:
        """Terms at normal draws of the saturated moments (their FIML sampling covariance)."""
        draws, seed_used = bs.monte_carlo_draws(
            pack_moments(self.mu, self.sigma), self.vcov, n_draws, seed
        )
        mu, sigma = unpack_moments(draws, len(self.mu))
        out = self.eff.terms(mu, sigma)
        pd_ok = np.linalg.eigvalsh(sigma)[:, 0] > 0
        out[~pd_ok] = np.nan
        return out, seed_used


# ---------------------------------------------------------------------------------------------
def _coef_table(
    model: _FIMLModel, spec: core.ModelSpec, ci_level: float
) -> tuple[dict[tuple[str, str], tuple[float, float]], dict[str, pd.DataFrame]]:
    """Every coefficient with its delta-method SE, and PROCESS-like equation tables."""
    p = len(model.mu)
    keys = [(eq.name, v) for eq in spec.equations for v in ["constant", *eq.predictors]]

    def coefs(theta: FloatArray) -> FloatArray:
        mu, sigma = unpack_moments(theta, p)
        c, _ = model.eff.coefficients(mu, sigma)
        return np.column_stack([c[k] for k in keys])

    theta = pack_moments(model.mu, model.sigma)
    est = coefs(theta[None])[0]
    J = jacobian(coefs, theta)
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", J, model.vcov, J), 0))
    by_key = {k: (float(e), float(s)) for k, e, s in zip(keys, est, se)}
    crit = stats.norm.ppf((1 + ci_level) / 2)
    _, sig_o = model.eff._original(model.mu[None], model.sigma[None])
    col = model.eff.col
    tables = {}
    for eq in spec.equations:
        rows = [(v, *by_key[(eq.name, v)]) for v in ["constant", *eq.predictors]]
        t = pd.DataFrame(rows, columns=["term", "estimate", "se"])
        t["statistic"] = t["estimate"] / t["se"]
        t["p_value"] = 2 * stats.norm.sf(np.abs(t["statistic"]))
        t["ci_low"] = t["estimate"] - crit * t["se"]
        t["ci_high"] = t["estimate"] + crit * t["se"]
        o = col[eq.outcome]
        pr = [col[v] for v in eq.predictors]
        b = t["estimate"].to_numpy()[1:]
        resid = float(sig_o[0, o, o] - b @ sig_o[0][np.ix_(pr, pr)] @ b)
        t.attrs.update(
            outcome=eq.outcome,
            r2=1 - resid / float(sig_o[0, o, o]),
            mse=resid,
            df_resid=np.nan,
            family="gaussian",
            level="row",
            statistic="z",
        )
        tables[eq.name] = t
    return by_key, tables


def _delta_se(model: _FIMLModel, spec: core.ModelSpec) -> FloatArray:
    """Delta-method SEs of the effect terms (NaN for paths and standardized terms)."""
    p = len(model.mu)

    def terms(theta: FloatArray) -> FloatArray:
        mu, sigma = unpack_moments(theta, p)
        return model.eff.terms(mu, sigma)

    J = jacobian(terms, pack_moments(model.mu, model.sigma))
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", J, model.vcov, J), 0))
    mask = np.array([t.kind == "path" or t.scale != (None, None) for t in spec.terms])
    se[mask] = np.nan
    return as_float(se)


def _table(
    model: _FIMLModel,
    spec: core.ModelSpec,
    rs: core.Resampled,
    by_key: dict[tuple[str, str], tuple[float, float]],
    ci_level: float,
) -> pd.DataFrame:
    crit = stats.norm.ppf((1 + ci_level) / 2)

    def path_row(t: Any) -> tuple[float, float, float, float, float]:
        ((_, keys),) = t.poly
        est, se = by_key[keys[0]]
        return est, se, est - crit * se, est + crit * se, 2 * stats.norm.sf(abs(est / se))

    return core.effect_table(spec.terms, rs, _delta_se(model, spec), path_row)


def _notes(fd: _FIMLData, n_patterns: int, names: list[str]) -> list[str]:
    n = fd.patterns.n
    note = (
        f"FIML: all {n} rows used; {n_patterns} missing-data pattern"
        f"{'s' if n_patterns != 1 else ''} (table in .patterns)"
    )
    if fd.n_empty:
        note = (
            f"FIML: {n} of {fd.n_total} rows used; {n_patterns} missing-data pattern"
            f"{'s' if n_patterns != 1 else ''} (table in .patterns); {fd.n_empty} rows missing "
            f"every analysed variable ({', '.join(names)}) left out, as lavaan does"
        )
    return [
        note,
        "FIML with every variable modelled (lavaan's missing = 'ml', fixed.x = FALSE): rows "
        "with a missing X or covariate are kept; path SEs from the observed information, "
        "z-tests",
        "the bootstrap refits the saturated model by EM in every resample",
    ]


def mediate_fiml(
    df: pd.DataFrame,
    spec: core.ModelSpec,
    x: str,
    ms: list[str],
    y: str,
    covs: list[str],
    *,
    serial: bool,
    n_boot: int,
    ci: str,
    ci_level: float,
    seed: int | None,
    progress: bool | None,
    standardize: bool,
    x_reference: object | None,
    outcome: str,
    cluster: str | None,
    bca_influence: str,
) -> FIMLMediationFit:
    """``ld.mediate`` with ``missing="fiml"``: the FIML fit of ``spec`` (the equations and terms
    ``ld.mediate`` reports) and its bootstrap; options already checked by ``mediate``.

    See the module docstring for the method; :func:`~learning_direction.mediate` documents
    the options and gives an example.
    """
    if cluster is not None:
        raise ModelError(
            "missing='fiml' is single-level; with cluster= use ld.multilevel_mediation "
            "(or ld.sem with level: blocks), or missing='listwise'"
        )
    outcome = choice(outcome, "outcome", ["auto", "linear", "logistic"])
    _check_inputs(df, x, ms, y, covs, outcome, x_reference)
    fd = _fiml_data(df, spec.variables)
    sat = em_saturated(fd.patterns, tol=1e-10)
    labels = [t.name for t in spec.terms]
    effects = _Effects(spec, fd.names, fd)
    model = _FIMLModel(fd, effects, labels, sat.mu, sat.sigma)
    rs = core.resample(
        cast(Any, model),
        n_boot=n_boot,
        ci=ci,
        ci_level=ci_level,
        seed=seed,
        progress=progress,
        bca_influence=bca_influence,
    )
    by_key, equations = _coef_table(model, spec, ci_level)
    patterns = pattern_table((fd.patterns,), (None,))
    n_pat = len(fd.patterns.patterns)
    notes = [*_notes(fd, n_pat, spec.variables), *rs.notes]
    if standardize:
        notes.append(
            "indirect_partial_std = effect / SD(Y); indirect_std = effect * SD(X) / SD(Y), with "
            "SDs from the FIML covariance matrix (divisor n - 1), recomputed in every resample"
        )
    notes.append("bootstrap p-value = 2 * min(share of draws <= 0, share >= 0)")
    model_no = 6 if serial else 4
    kind = "serial" if serial else ("parallel" if len(ms) > 1 else "simple")
    method = f"PROCESS model {model_no} ({kind} mediation) by FIML, {CI_NAMES[ci]}"
    if ci != "monte_carlo":
        method += " (row resampling)"
    return FIMLMediationFit(
        table=_table(model, spec, rs, by_key, ci_level),
        boot_draws=pd.DataFrame(rs.all_draws, columns=labels),
        equations=equations,
        n=fd.patterns.n,
        n_dropped=fd.n_empty,
        n_singular=int(rs.singular.sum()),
        seed=rs.seed,
        method=method,
        notes=tuple(notes),
        n_patterns=n_pat,
        patterns=patterns,
    )
