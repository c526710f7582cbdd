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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import choice
from .._core.data import require_columns
from .._core.results import table_to_text
from ..exceptions import DataValidationError, ModelError
from . import _process_core as core, bootstrap as bs
from ._ols_batch import solve_batch
from ._process_input import CI_NAMES, MIN_ROWS
from ._types import BoolArray, FloatArray, as_float
from .mediation import MediationResult, _spec
from .sem.sampledata import pattern_table
from .sem.saturated import PatternData, em_saturated, vech_index

__all__ = ["FIMLMediationResult", "mediate_fiml", "path_model_syntax"]

#: EM convergence of a bootstrap resample: largest change of a standardized moment
_EM_TOL = 1e-9
_EM_MAX_ITER = 5000


@dataclass(frozen=True, eq=False)
class FIMLMediationResult(MediationResult):
    """Result of :func:`~learning_direction.mediate` with ``missing="fiml"``.

    Everything of :class:`~learning_direction.models.mediation.MediationResult`, plus

    Attributes
    ----------
    missing : str
        ``"fiml"``.
    n_patterns : int
        Number of missing-data patterns among the rows used.
    patterns : DataFrame
        One row per pattern, most frequent first: ``pattern, n, n_observed`` and one 0/1 column
        per variable (1 = observed), as ``lavInspect(fit, "patterns")`` with its frequencies.
    """

    missing: str = "fiml"
    n_patterns: int = 0
    patterns: pd.DataFrame | None = None

    _title: ClassVar[str] = "Mediation analysis (FIML)"

    def _model_meta(self) -> dict[str, Any]:
        return {"missing": "FIML", "n_patterns": self.n_patterns}

    def summary(self, digits: int = 4) -> str:
        """PROCESS-style text, then the table of missing-data patterns."""
        text = super().summary(digits)
        if self.patterns is None:  # pragma: no cover - always set by mediate_fiml
            return text
        return (
            f"{text}\n\nMissing-data patterns (1 = observed):\n"
            f"{table_to_text(self.patterns, digits)}"
        )


# ---------------------------------------------------------------------------------------------
def path_model_syntax(
    x: str, mediators: list[str], y: str, covariates: list[str], serial: bool
) -> str:
    """The lavaan syntax of the path model (labels ``a_<i>``, ``d_<j><i>``, ``b_<i>``, ``cp``).

    Exogenous covariances are written out, so that with ``fixed.x = FALSE`` the model is the
    saturated one in lavaan and in :func:`~learning_direction.sem` alike.

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
    index: pd.Index


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
    i, j = np.unravel_index(np.argmin(cover), cover.shape)
    if cover[i, j] < 3:
        raise ModelError(
            f"'{names[i]}' and '{names[j]}' are observed together in {int(cover[i, j])} rows; "
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
        df.index[~empty],
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
            p = np.array([self.col[v] for v in eq.predictors])
            o = self.col[eq.outcome]
            beta, sing = solve_batch(sigma[:, p[:, None], p[None, :]], sigma[:, p, o])
            bad |= sing
            for i, v in enumerate(eq.predictors):
                out[(eq.name, v)] = beta[:, i]
            out[(eq.name, "constant")] = mu[:, o] - np.einsum("bi,bi->b", beta, mu[:, p])
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


def _unpack(theta: FloatArray, p: int) -> tuple[FloatArray, FloatArray]:
    """(B, p + p(p+1)/2) moment vectors (lavaan's order) -> mu (B, p), Sigma (B, p, p)."""
    r, c = vech_index(p)
    sigma = np.zeros((theta.shape[0], p, p))
    sigma[:, r, c] = theta[:, p:]
    sigma[:, c, r] = theta[:, p:]
    return theta[:, :p], sigma


def _pack(mu: FloatArray, sigma: FloatArray) -> FloatArray:
    r, c = vech_index(len(mu))
    return as_float(np.concatenate([mu, sigma[r, c]]))


# ---------------------------------------------------------------------------------------------
class _PatternSums:
    """Per-pattern weighted sufficient statistics of a batch of resamples, and the batched EM.

    Pattern ``k`` (rows ``R_k``, observed variables ``o_k``) contributes the columns
    ``[sum w, sum w y_o, triu(sum w y_o y_o')]`` to the sums of a resample with weights ``w``.
    """

    def __init__(self, data: PatternData, mu0: FloatArray, sigma0: FloatArray) -> None:
        self.p = data.p
        self.mu0, self.sigma0 = mu0, sigma0
        self.pats = data.patterns
        self.order = np.concatenate([pat.rows for pat in self.pats])
        self.blocks: list[FloatArray] = []
        self.bounds: list[tuple[int, int]] = []  # rows of each pattern in the sorted order
        self.cols: list[int] = []  # first column of each pattern in the sums
        start_row, start_col = 0, 0
        for pat in self.pats:
            yo = data.y[np.ix_(pat.rows, pat.observed)]
            iu = np.triu_indices(yo.shape[1])
            block = np.column_stack([np.ones(len(yo)), yo, yo[:, iu[0]] * yo[:, iu[1]]])
            self.blocks.append(np.ascontiguousarray(block))
            self.bounds.append((start_row, start_row + len(yo)))
            self.cols.append(start_col)
            start_row += len(yo)
            start_col += block.shape[1]
        self.width = start_col

    def sums(self, W: FloatArray) -> FloatArray:
        """(B, width) weighted sums of a (B, n) frequency-weight block."""
        Ws = W[:, self.order]
        return as_float(
            np.hstack([Ws[:, a:b] @ blk for (a, b), blk in zip(self.bounds, self.blocks)])
        )

    def per_row(self) -> FloatArray:
        """(n, width): every row's own contribution (for the jackknife)."""
        out = np.zeros((len(self.order), self.width))
        for (a, b), blk, c0 in zip(self.bounds, self.blocks, self.cols):
            out[self.order[a:b], c0 : c0 + blk.shape[1]] = blk
        return out

    def _moments(self, S: FloatArray) -> tuple[list[FloatArray], FloatArray]:
        """Each incomplete pattern's moment matrix ``[[N, s1'], [s1, s2]]`` (1+q, 1+q, B), and
        the sum of every pattern's, padded to (1+p, 1+p, B). The batch is the last axis."""
        St = np.ascontiguousarray(S.T)
        B, p = S.shape[0], self.p
        incomplete = []
        observed = np.zeros((p + 1, p + 1, B))
        for pat, c0 in zip(self.pats, self.cols):
            q = len(pat.observed)
            iu = np.triu_indices(q + 1)
            mk = np.zeros((q + 1, q + 1, B))
            mk[iu[0], iu[1]] = St[c0 : c0 + len(iu[0])]
            mk[iu[1], iu[0]] = mk[iu[0], iu[1]]
            if len(pat.missing):
                incomplete.append(mk)
            idx = np.concatenate([[0], 1 + pat.observed])
            observed[idx[:, None], idx[None, :]] += mk
        return incomplete, observed

    def em(self, S: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
        """The ML means (B, p) and covariance matrices (B, p, p) of B resamples at once, and
        the resamples that failed.

        EM from the full-sample moments until no standardized moment changes by more than
        ``_EM_TOL``; resamples leave the batch as they converge. A resample in which two
        variables are observed together in fewer than 3 rows fails (NaN). Internally the
        batch is the last axis, so that every operation on the small matrices is elementwise
        over contiguous memory."""
        B, p = S.shape[0], self.p
        cover = np.zeros((B, p, p))
        for pat, c0 in zip(self.pats, self.cols):
            cover[:, pat.oo[0], pat.oo[1]] += S[:, c0, None, None]
        bad = cover.min(axis=(1, 2)) < 3
        mu = np.repeat(self.mu0[:, None], B, axis=1)
        sigma = np.repeat(self.sigma0[:, :, None], B, axis=2)
        idx = np.flatnonzero(~bad)
        incomplete, observed = self._moments(S[idx])
        m_a, s_a = mu[:, idx], sigma[:, :, idx]
        for _ in range(_EM_MAX_ITER):
            if not len(idx):
                break
            with np.errstate(all="ignore"):
                m_n, s_n = self._em_step(incomplete, observed, m_a, s_a)
            change = np.maximum(np.abs(m_n - m_a).max(axis=0), np.abs(s_n - s_a).max(axis=(0, 1)))
            m_a, s_a = m_n, s_n
            failed = ~np.isfinite(change)
            bad[idx[failed]] = True
            keep = (change > _EM_TOL) & ~failed
            if not keep.all():
                done = ~keep
                mu[:, idx[done]], sigma[:, :, idx[done]] = m_a[:, done], s_a[:, :, done]
                idx, m_a, s_a = idx[keep], m_a[:, keep], s_a[:, :, keep]
                observed = observed[:, :, keep]
                incomplete = [mk[:, :, keep] for mk in incomplete]
        bad[idx] = True  # not converged
        return as_float(mu.T), as_float(sigma.transpose(2, 0, 1)), bad

    def _em_step(
        self, incomplete: list[FloatArray], observed: FloatArray, mu: FloatArray, sigma: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """One EM step for a batch (the engine's ``_em_step``, batched; batch last).

        With ``K = Sigma^-1``, the regression of a pattern's missing variables ``m`` on its
        observed ones ``o`` is ``b = -K_mm^-1 K_mo`` with residual covariance ``K_mm^-1``;
        with ``C = [a, b]``, ``a = mu_m - b mu_o``, and ``M`` the pattern's moments of
        ``(1, y_o)``, the expected cross-products of its rows add ``C M`` to the block of
        ``y_m`` by ``(1, y_o)`` and ``C M C' + N K_mm^-1`` to the block of ``y_m``; the
        observed blocks (``observed``: every pattern's ``M``, padded) do not change.
        """
        K = _sym_inv(sigma)
        t = observed.copy()
        pats = [pat for pat in self.pats if len(pat.missing)]
        for pat, mk in zip(pats, incomplete):
            o, m = pat.observed, pat.missing
            oi = np.concatenate([[0], 1 + o])
            kmm_inv = _small_inv(K[m[:, None], m[None, :]])
            b = -_mm(kmm_inv, K[m[:, None], o[None, :]])
            a = mu[m] - (b * mu[o][None]).sum(axis=1)
            c = np.concatenate([a[:, None], b], axis=1)  # (1, y_o) -> E[y_m | y_o]
            g = _mm(c, mk)
            t[1 + m[:, None], oi[None, :]] += g
            t[oi[:, None], 1 + m[None, :]] += g.transpose(1, 0, 2)
            t[1 + m[:, None], 1 + m[None, :]] += (
                _mm(g, c.transpose(1, 0, 2)) + mk[0, 0][None, None] * kmm_inv
            )
        total = t[0, 0]
        mu_n = t[0, 1:] / total
        sigma_n = t[1:, 1:] / total - mu_n[:, None] * mu_n[None, :]
        return mu_n, (sigma_n + sigma_n.transpose(1, 0, 2)) / 2


def _mm(a: FloatArray, b: FloatArray) -> FloatArray:
    """Products of small matrices with the batch as the last axis: (i, l, B) x (l, j, B)."""
    return as_float((a[:, :, None, :] * b[None, :, :, :]).sum(axis=1))


def _sym_inv(a: FloatArray) -> FloatArray:
    """Inverses of symmetric positive definite matrices (p, p, B), batch last, by
    Gauss-Jordan elimination (no pivoting needed): much faster than ``np.linalg.inv`` on many
    tiny matrices."""
    p = a.shape[0]
    m = a.copy()
    inv = np.zeros_like(m)
    inv[np.arange(p), np.arange(p)] = 1.0
    for k in range(p):
        piv = m[k, k].copy()
        m[k] /= piv
        inv[k] /= piv
        f = m[:, k].copy()
        f[k] = 0.0
        m -= f[:, None, :] * m[k][None]
        inv -= f[:, None, :] * inv[k][None]
    return as_float(inv)


def _small_inv(a: FloatArray) -> FloatArray:
    """Inverses of small symmetric matrices (q, q, B), closed form up to 2 x 2."""
    if a.shape[0] == 1:
        return as_float(1.0 / a)
    if a.shape[0] == 2:
        det = a[0, 0] * a[1, 1] - a[0, 1] ** 2
        out = np.empty_like(a)
        out[0, 0] = a[1, 1] / det
        out[1, 1] = a[0, 0] / det
        out[0, 1] = out[1, 0] = -a[0, 1] / det
        return as_float(out)
    return _sym_inv(a)


class _FIMLStatistic:
    """The bootstrap statistic: weights -> pattern sums (block-wise) -> batched EM -> terms."""

    def __init__(self, sums: _PatternSums, effects: _Effects, labels: list[str]) -> None:
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
        self.vcov = _moment_vcov(fd.patterns, mu, sigma)

    def full_estimates(self) -> FloatArray:
        return as_float(self.eff.terms(self.mu[None], self.sigma[None])[0])

    def statistic(self) -> _FIMLStatistic:
        return _FIMLStatistic(
            _PatternSums(self.fd.patterns, self.mu, self.sigma), self.eff, self.labels
        )

    def monte_carlo(self, n_draws: int, seed: int | None) -> tuple[FloatArray, int]:
        """Terms at normal draws of the saturated moments (their FIML sampling covariance)."""
        draws, seed_used = bs.monte_carlo_draws(
            _pack(self.mu, self.sigma), self.vcov, n_draws, seed
        )
        mu, sigma = _unpack(draws, len(self.mu))
        out = self.eff.terms(mu, sigma)
        pd_ok = np.linalg.eigvalsh(sigma)[:, 0] > 0
        out[~pd_ok] = np.nan
        return out, seed_used


def _moment_vcov(data: PatternData, mu: FloatArray, sigma: FloatArray) -> FloatArray:
    """Inverse observed information of the saturated moments (lavaan's order)."""
    info = data.information(sigma, mu, observed=True)
    try:
        return as_float(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        raise ModelError(
            "the FIML information matrix of the variables is singular (a variable is a linear "
            "combination of others); remove the redundant variable"
        ) from None


def _jacobian(fn: Any, theta: FloatArray, step: float = 1e-6) -> FloatArray:
    """Central-difference Jacobian of ``fn`` ((B, k) moment vectors -> (B, m)) at ``theta``."""
    k = len(theta)
    pts = np.concatenate([theta + step * np.eye(k), theta - step * np.eye(k)])
    vals = fn(pts)
    return as_float((vals[:k] - vals[k:]).T / (2 * step))


# ---------------------------------------------------------------------------------------------
def _coef_table(
    model: _FIMLModel, spec: core.ModelSpec, ci_level: float
) -> tuple[dict[tuple[str, str], tuple[float, float]], dict[str, pd.DataFrame]]:
    """Every coefficient with its delta-method SE, and PROCESS-like equation tables."""
    p = len(model.mu)
    keys = [(eq.name, v) for eq in spec.equations for v in ["constant", *eq.predictors]]

    def coefs(theta: FloatArray) -> FloatArray:
        mu, sigma = _unpack(theta, p)
        c, _ = model.eff.coefficients(mu, sigma)
        return np.column_stack([c[k] for k in keys])

    theta = _pack(model.mu, model.sigma)
    est = coefs(theta[None])[0]
    J = _jacobian(coefs, theta)
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
        )
        tables[eq.name] = t
    return by_key, tables


def _delta_se(model: _FIMLModel, spec: core.ModelSpec) -> FloatArray:
    """Delta-method SEs of the effect terms (NaN for paths and standardized terms)."""
    p = len(model.mu)

    def terms(theta: FloatArray) -> FloatArray:
        mu, sigma = _unpack(theta, p)
        return model.eff.terms(mu, sigma)

    J = _jacobian(terms, _pack(model.mu, model.sigma))
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
    sobel = _delta_se(model, spec)
    rows = []
    for i, t in enumerate(spec.terms):
        if t.kind == "path":
            ((_, keys),) = t.poly
            est, se = by_key[keys[0]]
            p = 2 * stats.norm.sf(abs(est / se))
            rows.append(
                (t.name, est, se, est - crit * se, est + crit * se, p, rs.boot_se[i], np.nan)
            )
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
                    sobel[i],
                )
            )
    return pd.DataFrame(
        rows,
        columns=["term", "estimate", "se", "ci_low", "ci_high", "p_value", "boot_se", "sobel_se"],
    )


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
) -> FIMLMediationResult:
    """``ld.mediate`` with ``missing="fiml"`` (options already checked by ``mediate``).

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
    spec = _spec([x], [None], ms, covs, y, serial, False, standardize, "row", True)
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
    return FIMLMediationResult(
        table=_table(model, spec, rs, by_key, ci_level),
        boot_draws=pd.DataFrame(rs.all_draws, columns=labels),
        equations=equations,
        x=x,
        mediators=tuple(ms),
        y=y,
        covariates=tuple(covs),
        model=model_no,
        n=fd.patterns.n,
        n_dropped=fd.n_empty,
        n_boot=n_boot,
        n_singular=int(rs.singular.sum()),
        seed=rs.seed,
        ci=ci,
        ci_level=ci_level,
        method=method,
        notes=tuple(notes),
        missing="fiml",
        n_patterns=n_pat,
        patterns=patterns,
    )
