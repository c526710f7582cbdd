"""Confirmatory factor analysis of a scale: its subscales as correlated factors.

:func:`cfa` fits the measurement model implied by a scale definition with semopy (maximum
likelihood, listwise deletion) and reports lavaan's fit statistics — chi-square as ``N * F_ML``,
CFI, TLI, RMSEA with its 90% interval, Bentler's SRMR — together with standardized loadings,
factor correlations and convergent/discriminant validity (AVE, composite reliability,
Fornell–Larcker, HTMT).
"""

from __future__ import annotations

import html
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_level, choice
from .._core.data import MissingReport, complete_cases
from .._core.format import fmt_num, format_number
from .._core.plotting import figure
from .._core.results import ResultMixin, table_to_html, table_to_text
from ..exceptions import ModelError, ModelWarning
from ._fit_indices import FIT_COLUMNS, MAX_BRACKET_DOUBLINGS, fit_indices
from ._validity import convergent_validity, discriminant_validity
from .codebook import Scale, load_scale
from .reliability import item_matrix

__all__ = ["CFAResult", "cfa", "fit_indices"]

#: iteration limit of the optimiser (SLSQP) that fits the model
MAX_ITERATIONS = 5000
#: smallest eigenvalue of the items' correlation matrix below which items count as collinear
_SINGULAR = 1e-10


@dataclass(frozen=True)
class CFAResult(ResultMixin):
    """Result of :func:`cfa`.

    Attributes
    ----------
    table : DataFrame
        Loadings: ``factor, item, estimate, se, z, p_value, ci_low, ci_high, std_estimate,
        reversed, column`` (the first item of each factor is the marker, fixed to 1, with NaN
        ``se``). Also available as :attr:`loadings`.
    fit : DataFrame
        One row: ``n, chi2, df, p_value, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high,
        rmsea_p_close, srmr, baseline_chi2, baseline_df, loglik, aic, bic, n_parameters``.
    factor_correlations : DataFrame
        ``factor_1, factor_2, estimate`` (correlation), ``covariance, covariance_se, p_value``.
    validity : DataFrame
        Per factor: ``factor, n_items, ave, sqrt_ave, composite_reliability, max_abs_r,
        ave_ok`` (AVE ≥ .50), ``cr_ok`` (CR ≥ .70), ``fornell_larcker`` (sqrt(AVE) > every
        |r| with another factor).
    discriminant : DataFrame
        Per pair of factors: ``factor_1, factor_2, correlation, htmt, htmt_below_85,
        htmt_below_90, fornell_larcker``.
    parameters : DataFrame
        Every free and fixed parameter: ``lhs, op, rhs, estimate, se, z, p_value,
        std_estimate`` in lavaan's notation (``=~`` loadings, ``~~`` (co)variances).
    """

    table: pd.DataFrame
    fit: pd.DataFrame
    factor_correlations: pd.DataFrame
    validity: pd.DataFrame
    discriminant: pd.DataFrame
    parameters: pd.DataFrame
    instrument: str
    n: int
    n_dropped: int
    estimator: str = "ML"
    method: str = "ML CFA (semopy), lavaan fit statistics"
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Confirmatory factor analysis"

    @property
    def loadings(self) -> pd.DataFrame:
        """Alias of :attr:`table`."""
        return self.table

    def _fit_value(self, key: str) -> float:
        return float(self.fit[key].iloc[0])

    @property
    def chi2(self) -> float:
        return self._fit_value("chi2")

    @property
    def df(self) -> int:
        return int(self.fit["df"].iloc[0])

    @property
    def cfi(self) -> float:
        return self._fit_value("cfi")

    @property
    def tli(self) -> float:
        return self._fit_value("tli")

    @property
    def rmsea(self) -> float:
        return self._fit_value("rmsea")

    @property
    def srmr(self) -> float:
        return self._fit_value("srmr")

    def summary(self, digits: int = 3) -> str:
        """Text summary: fit statistics, loadings, factor correlations and validity."""
        f = self.fit.iloc[0]
        title = f"CFA of '{self.instrument}'"
        lines = [title, "=" * len(title)]
        for key, value in self._meta().items():
            lines.append(f"{key}: {format_number(value, digits)}")
        lines.append(
            f"chi2({int(f['df'])}) = {fmt_num(f['chi2'], 3)}, "
            f"p = {format_number(f['p_value'], digits)}; CFI = {fmt_num(f['cfi'], 3)}; "
            f"TLI = {fmt_num(f['tli'], 3)}; RMSEA = {fmt_num(f['rmsea'], 3)} "
            f"[{fmt_num(f['rmsea_ci_low'], 3)}, {fmt_num(f['rmsea_ci_high'], 3)}]; "
            f"SRMR = {fmt_num(f['srmr'], 3)}"
        )
        lines += ["", "Loadings"]
        cols = ["factor", "item", "estimate", "se", "p_value", "std_estimate"]
        lines.append(table_to_text(self.table[cols], digits))
        if len(self.factor_correlations):
            lines += ["", "Factor correlations"]
            lines.append(table_to_text(self.factor_correlations, digits))
        lines += ["", "Convergent validity"]
        lines.append(table_to_text(self.validity, digits))
        if len(self.discriminant):
            lines += ["", "Discriminant validity"]
            lines.append(table_to_text(self.discriminant, digits))
        for note in self._notes():
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        base = super()._repr_html_()
        extra = "".join(
            f"<p><b>{html.escape(name)}</b></p>{table_to_html(t)}"
            for name, t in (
                ("Fit", self.fit),
                ("Factor correlations", self.factor_correlations),
                ("Convergent validity", self.validity),
                ("Discriminant validity", self.discriminant),
            )
            if len(t)
        )
        return base.replace("</div>", extra + "</div>") if base.endswith("</div>") else base + extra

    def plot(self, ax: Any = None) -> Any:
        """Standardized loadings by factor.

        See :func:`learning_direction.figures.measurement.plot_loadings`.
        """
        plot_loadings = figure("measurement.plot_loadings")

        return plot_loadings(self, ax=ax)


def cfa(
    df: pd.DataFrame,
    scale: str | Path | Mapping[str, Any] | Scale,
    *,
    columns: Mapping[str, str] | None = None,
    estimator: str = "ML",
    ci_level: float = 0.95,
) -> CFAResult:
    """Confirmatory factor analysis: the scale's subscales as correlated factors.

    Each subscale becomes a factor measured by its items (reverse-keyed items reversed first);
    factors are free to correlate; the first item of each factor is the marker (loading fixed
    to 1), as ``lavaan::cfa`` does by default. Rows with any missing item are left out
    (listwise deletion, reported in ``n_dropped`` and the notes).

    Parameters
    ----------
    df : DataFrame
        One row per respondent, one column per item; answers as numbers. Numbers stored as
        text (``read_csv(dtype=str)``) and the scale's response labels (``"Agree"``) are
        converted as :func:`score` does, and the notes say so.
    scale : str, path, dict or Scale
        A bundled scale name, a YAML file, a dict definition or a :class:`Scale`. A
        one-dimensional scale gives a one-factor model.
    columns : mapping, optional
        ``{item_id: column}`` for items whose column in ``df`` has another name.
    estimator : {"ML"}
        Maximum likelihood (the only estimator offered so far).
    ci_level : float
        Level of the Wald intervals of the loadings (the RMSEA interval is 90%, as lavaan's).

    Returns
    -------
    CFAResult
        ``.table``/``.loadings``, ``.fit``, ``.factor_correlations``, ``.validity``,
        ``.discriminant``, ``.parameters``.

    Raises
    ------
    DataValidationError
        Missing, non-numeric or out-of-range item columns.
    ModelError
        A factor with fewer than two items, an unidentified model (negative degrees of freedom),
        too few complete rows, a constant item, perfectly collinear items (a singular sample
        covariance matrix: the message names them), an unknown estimator, or an estimation that
        does not converge within its iteration limit.

    Warns
    -----
    ModelWarning
        A negative residual variance or a factor correlation beyond ±1 (Heywood case).

    Notes
    -----
    The model is ``Σ = Λ Φ Λ' + Θ``. Estimates minimise ``F_ML = log|Σ| + tr(S Σ^-1) - log|S|
    - p`` with ``S`` the listwise sample covariance matrix with divisor ``N`` (so unstandardized
    estimates equal lavaan's); the model chi-square is ``N · F_ML`` as in lavaan (not
    ``(N - 1) F_ML``). Standard errors come from the expected information (lavaan's default
    for complete data); ``z = estimate / se``, two-sided normal p-values. The fit statistics are
    computed here from ``S`` and ``Σ`` (see :func:`fit_indices`): semopy's own RMSEA uses
    ``N - 1`` and it has no SRMR.

    Perfectly collinear items (one an exact linear function of others, e.g. the same column
    twice) make ``S`` singular, so ``log|S|`` and ``F_ML`` are undefined; like lavaan, which
    stops with "sample covariance matrix is not positive-definite", the function refuses them
    with a :class:`ModelError` naming the items, before any fitting. The optimiser is limited to
    5,000 iterations and the RMSEA interval search to a fixed number of steps; an interval bound
    that cannot be found is NaN with a note.

    ``std_estimate`` is lavaan's ``std.all``: ``λ_ij sqrt(φ_jj) / sqrt(σ_ii)``. Validity uses
    the standardized loadings: AVE ``= mean(λ*²)``; composite reliability
    ``= (Σλ*)² / ((Σλ*)² + Σ(1 - λ*²))``; Fornell–Larcker holds when ``sqrt(AVE)`` of both
    factors exceeds their |correlation|; HTMT is the mean |correlation| between the two
    factors' items divided by the geometric mean of the average within-factor |correlations|
    (Henseler et al., 2015; ``semTools::htmt`` with ``absolute = TRUE``), judged against
    .85 (strict) and .90 (lenient).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research, 18*, 39–50.
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. *Journal of the
    Academy of Marketing Science, 43*, 115–135.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software, 48*(2).

    Examples
    --------
    The three-factor model of learning direction in the bundled Study 1 data (complete cases):

    >>> import learning_direction as ld
    >>> res = ld.cfa(ld.load_dataset("study1"), "learning_direction")
    >>> # R: fit <- lavaan::cfa('upward =~ ld_up_1 + ld_up_2 + ld_up_3 + ld_up_4
    >>> #                        lateral =~ ...; downward =~ ...', data = d)
    >>> #    fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr")); semTools::htmt
    >>> print(res.fit[["chi2", "df", "cfi", "tli", "rmsea", "srmr"]].round(3).to_string(index=False))
      chi2  df   cfi   tli  rmsea  srmr
    87.145  51 0.967 0.958  0.057 0.048
    >>> res.n, res.n_dropped
    (218, 82)
    """
    sc = load_scale(scale)
    choice(estimator, "estimator", ["ML"], error=ModelError)
    ci_level = check_level(ci_level)
    small = [s.name for s in sc.subscales if len(s.items) < 2]
    if small:
        raise ModelError(
            f"factor(s) {small} of scale '{sc.name}' have fewer than 2 items; a factor needs at "
            "least 2 indicators (3 for a one-factor model): merge or drop those subscales"
        )
    notes: list[str] = []
    data, mapping = item_matrix(df, sc, columns, f"CFA of scale '{sc.name}'", notes)
    used, report, n_params = _model_data(data, sc)
    s_biased = np.cov(used.to_numpy(dtype=float).T, bias=True)  # rows/cols in item order
    sigma, params = _fit(sc, used, s_biased)
    fit = fit_indices(s_biased, sigma, len(used), n_params)
    if not np.isfinite(fit["chi2"]):
        raise ModelError(f"the CFA of scale '{sc.name}' produced a non-finite chi-square")
    pars, phi, theta = _parameters(params, sc, sigma)
    load = _loadings(pars, sc, mapping, ci_level)
    if report.n_dropped:
        notes.append(report.reason + " (listwise deletion)")
    notes.append("chi2 = N * F_ML as lavaan; marker-variable identification (first loading = 1)")
    if np.isfinite(fit["rmsea"]) and not np.isfinite(fit["rmsea_ci_high"]):
        notes.append(
            "the 90% RMSEA interval could not be computed (its search for the noncentrality "
            f"stopped after {MAX_BRACKET_DOUBLINGS} steps without a solution); it is NaN"
        )
    corr, factor_correlations = _factor_correlations(pars, phi, sc.subscale_names)
    _warn_improper(theta, corr, notes)
    validity = convergent_validity(load, corr, sc.subscale_names)
    ids = sc.item_ids
    discriminant = discriminant_validity(
        np.corrcoef(used.to_numpy(dtype=float).T),
        [[ids.index(i) for i in s.item_ids] for s in sc.subscales],
        corr,
        sc.subscale_names,
        dict(zip(validity["factor"], validity["sqrt_ave"], strict=True)),
    )
    return CFAResult(
        table=load,
        fit=pd.DataFrame([fit], columns=FIT_COLUMNS),
        factor_correlations=factor_correlations,
        validity=validity,
        discriminant=discriminant,
        parameters=pars,
        instrument=sc.name,
        n=len(used),
        n_dropped=report.n_dropped,
        estimator="ML",
        notes=tuple(notes),
    )


# ------------------------------------------------------------------ the steps


def _model_data(data: pd.DataFrame, sc: Scale) -> tuple[pd.DataFrame, MissingReport, int]:
    """Complete rows of the items, checked for what a CFA needs; and the free parameters.

    Raises :class:`ModelError` for an unidentified model, too few complete rows, a constant
    item and perfectly collinear items.
    """
    what = f"CFA of scale '{sc.name}'"
    ids = sc.item_ids
    used, report = complete_cases(data, ids, what)
    n, p = len(used), len(ids)
    n_factors = len(sc.subscales)
    n_params = (p - n_factors) + n_factors * (n_factors + 1) // 2 + p
    dof = p * (p + 1) // 2 - n_params
    if dof < 0:
        raise ModelError(
            f"the CFA of scale '{sc.name}' is not identified: {n_params} free parameters but "
            f"only {p * (p + 1) // 2} variances and covariances (df = {dof}); a one-factor "
            "model needs at least 3 items"
        )
    if n <= p:
        raise ModelError(
            f"only {n} complete rows for {p} items; a CFA needs more complete rows than items "
            f"({report.reason or 'no rows have missing items'})"
        )
    sds = used.std(ddof=1)
    constant = [i for i in ids if not sds[i] > 0]
    if constant:
        raise ModelError(
            f"item(s) {constant} have zero variance in the {n} complete rows; a constant item "
            "carries no information: drop it from the scale definition"
        )
    _refuse_collinear(used.astype(float), sc.name)
    return used, report, n_params


def _refuse_collinear(used: pd.DataFrame, scale_name: str) -> None:
    """A singular covariance matrix (perfectly collinear items) is an error naming the items."""
    r = np.corrcoef(used.to_numpy(dtype=float).T)
    eigenvalues, vectors = np.linalg.eigh(r)
    if eigenvalues[0] > _SINGULAR:
        return
    ids = list(used.columns)
    k = len(ids)
    pairs = [
        (ids[i], ids[j], r[i, j])
        for i in range(k)
        for j in range(i + 1, k)
        if abs(r[i, j]) > 1.0 - _SINGULAR
    ]
    if pairs:
        involved = list(dict.fromkeys(i for a, b, _ in pairs for i in (a, b)))
        shown = "; ".join(f"'{a}' and '{b}' (r = {fmt_num(rij, 3)})" for a, b, rij in pairs[:5])
        detail = shown + (f"; and {len(pairs) - 5} more pairs" if len(pairs) > 5 else "")
    else:  # a linear combination of three or more items: the null space names them
        null = vectors[:, eigenvalues <= _SINGULAR]
        weight = np.abs(null).max(axis=1)
        involved = [ids[i] for i in np.flatnonzero(weight > 1e-6 * weight.max())]
        detail = "one of them is an exact linear combination of the others"
    raise ModelError(
        f"the CFA of scale '{scale_name}' cannot be estimated: item(s) "
        f"{', '.join(repr(i) for i in involved)} are perfectly collinear in the "
        f"{len(used)} complete rows ({detail}), so the sample covariance matrix is singular and "
        "maximum likelihood is undefined. Keep one item of each collinear set (drop the others "
        "from the scale definition) and check the data for a duplicated or computed column"
    )


def _fit(sc: Scale, used: pd.DataFrame, s_biased: np.ndarray) -> tuple[np.ndarray, pd.DataFrame]:
    """Fit the model with semopy: the implied covariance matrix (item order) and the parameters.

    semopy sees safe names (``x0, x1, ...`` for items, ``f0, f1, ...`` for factors); the
    parameter table is translated back by :func:`_parameters`.
    """
    var_of = {item: f"x{k}" for k, item in enumerate(sc.item_ids)}
    fac_of = {s.name: f"f{k}" for k, s in enumerate(sc.subscales)}
    desc = "\n".join(
        f"{fac_of[s.name]} =~ " + " + ".join(var_of[i] for i in s.item_ids) for s in sc.subscales
    )
    x = used.rename(columns=var_of).astype(float)
    model, res, params = _fit_semopy(desc, x, s_biased)
    if not getattr(res, "success", False):
        raise ModelError(
            f"the CFA of scale '{sc.name}' did not converge within {MAX_ITERATIONS} iterations "
            f"({getattr(res, 'message', '')}); check for items with very little variance, "
            "nearly perfectly correlated items, or too few rows"
        )
    obs = list(model.vars["observed"])
    order = [obs.index(var_of[i]) for i in sc.item_ids]
    sigma_full, _ = model.calc_sigma()
    return np.asarray(sigma_full)[np.ix_(order, order)], params


def _fit_semopy(
    desc: str, data: pd.DataFrame, s_biased: np.ndarray
) -> tuple[Any, Any, pd.DataFrame]:
    import semopy

    model = semopy.Model(desc)
    cov = pd.DataFrame(s_biased, index=data.columns, columns=data.columns)
    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.ERROR)  # semopy logs warnings through the root logger
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = model.fit(
                data,
                cov=cov,
                obj="MLW",
                solver="SLSQP",
                options={"ftol": 1e-13, "maxiter": MAX_ITERATIONS},
            )
            params = model.inspect(std_est=False)
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
        raise ModelError(
            f"the CFA could not be estimated ({type(exc).__name__}: {exc}); check for items "
            "that are (nearly) constant or perfectly correlated, and that there are more "
            "complete rows than items"
        ) from None
    finally:
        root.setLevel(level)
    return model, res, params


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _parameters(
    params: pd.DataFrame, sc: Scale, sigma: np.ndarray
) -> tuple[pd.DataFrame, dict[tuple[str, str], float], dict[str, float]]:
    """semopy's parameters in lavaan notation and order, with ``z``, ``p_value``, ``std.all``.

    Also returns the factor (co)variances ``phi`` and the residual variances ``theta``.
    """
    item_of = {f"x{k}": item for k, item in enumerate(sc.item_ids)}
    factor_of = {f"f{k}": s.name for k, s in enumerate(sc.subscales)}
    phi: dict[tuple[str, str], float] = {}
    theta: dict[str, float] = {}
    rows = []
    for rec in params.itertuples(index=False):
        lval, op, rval = rec[0], rec[1], rec[2]
        est, se = _num(rec[3]), _num(rec[4])
        if op == "~" and lval in item_of and rval in factor_of:
            lhs, op_l, rhs = factor_of[rval], "=~", item_of[lval]
        elif op == "~~" and lval in factor_of and rval in factor_of:
            lhs, rhs = sorted((factor_of[lval], factor_of[rval]), key=sc.subscale_names.index)
            op_l = "~~"
            phi[(lhs, rhs)] = phi[(rhs, lhs)] = est
        elif op == "~~" and lval in item_of and rval in item_of:
            lhs, op_l, rhs = item_of[lval], "~~", item_of[rval]
            if lhs == rhs:
                theta[lhs] = est
        else:  # pragma: no cover - nothing else is in a CFA
            continue
        rows.append({"lhs": lhs, "op": op_l, "rhs": rhs, "estimate": est, "se": se})
    pars = pd.DataFrame(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        pars["z"] = pars["estimate"] / pars["se"]
    pars["p_value"] = 2.0 * stats.norm.sf(np.abs(pars["z"]))
    implied_sd = dict(zip(sc.item_ids, np.sqrt(np.diag(sigma)), strict=True))
    fac_sd = {f: float(np.sqrt(phi[(f, f)])) for f in sc.subscale_names}

    def std_of(r: pd.Series) -> float:
        if r["op"] == "=~":
            return float(r["estimate"] * fac_sd[r["lhs"]] / implied_sd[r["rhs"]])
        if r["lhs"] in fac_sd:
            return float(r["estimate"] / (fac_sd[r["lhs"]] * fac_sd[r["rhs"]]))
        return float(r["estimate"] / (implied_sd[r["lhs"]] * implied_sd[r["rhs"]]))

    pars["std_estimate"] = pars.apply(std_of, axis=1)
    return _lavaan_order(pars, sc, fac_sd), phi, theta


def _lavaan_order(pars: pd.DataFrame, sc: Scale, fac_sd: Mapping[str, float]) -> pd.DataFrame:
    """lavaan's order: loadings (scale order), factor (co)variances, residual variances."""
    op_rank = pars.apply(
        lambda r: 0 if r["op"] == "=~" else (1 if r["lhs"] in fac_sd else 2), axis=1
    )
    item_rank = {i: k for k, i in enumerate(sc.item_ids)}
    fac_rank = {f: k for k, f in enumerate(sc.subscale_names)}
    key2 = pars.apply(
        lambda r: (
            item_rank.get(r["rhs"], 0)
            if r["op"] == "=~" or r["lhs"] in item_rank
            else fac_rank[r["lhs"]] * 100 + fac_rank[r["rhs"]]
        ),
        axis=1,
    )
    pars = pars.assign(_a=op_rank, _b=key2).sort_values(["_a", "_b"]).drop(columns=["_a", "_b"])
    return pars.reset_index(drop=True)[
        ["lhs", "op", "rhs", "estimate", "se", "z", "p_value", "std_estimate"]
    ]


_LOADING_COLUMNS = [
    "factor",
    "item",
    "estimate",
    "se",
    "z",
    "p_value",
    "ci_low",
    "ci_high",
    "std_estimate",
    "reversed",
    "column",
]


def _loadings(
    pars: pd.DataFrame, sc: Scale, mapping: Mapping[str, str], ci_level: float
) -> pd.DataFrame:
    """The loadings table: Wald intervals, keying and the data column of each item."""
    zcrit = stats.norm.ppf(0.5 + ci_level / 2.0)
    load = pars[pars["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item"}).copy()
    load["ci_low"] = load["estimate"] - zcrit * load["se"]
    load["ci_high"] = load["estimate"] + zcrit * load["se"]
    load["reversed"] = [sc.item(i).reverse for i in load["item"]]
    load["column"] = [mapping[i] for i in load["item"]]
    return load[_LOADING_COLUMNS].reset_index(drop=True)


def _factor_correlations(
    pars: pd.DataFrame, phi: Mapping[tuple[str, str], float], factors: list[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """The factor correlation matrix and one row per pair: correlation, covariance, its SE."""
    n_factors = len(factors)
    fac_sd = {f: np.sqrt(phi[(f, f)]) for f in factors}
    corr = np.eye(n_factors)
    rows = []
    cov_rows = pars[(pars["op"] == "~~") & pars["lhs"].isin(factors) & (pars["lhs"] != pars["rhs"])]
    for a in range(n_factors):
        for b in range(a + 1, n_factors):
            fa, fb = factors[a], factors[b]
            r = phi[(fa, fb)] / (fac_sd[fa] * fac_sd[fb])
            corr[a, b] = corr[b, a] = r
            row = cov_rows[
                ((cov_rows["lhs"] == fa) & (cov_rows["rhs"] == fb))
                | ((cov_rows["lhs"] == fb) & (cov_rows["rhs"] == fa))
            ]
            rows.append(
                {
                    "factor_1": fa,
                    "factor_2": fb,
                    "estimate": r,
                    "covariance": phi[(fa, fb)],
                    "covariance_se": float(row["se"].iloc[0]) if len(row) else float("nan"),
                    "p_value": float(row["p_value"].iloc[0]) if len(row) else float("nan"),
                }
            )
    columns = ["factor_1", "factor_2", "estimate", "covariance", "covariance_se", "p_value"]
    return corr, pd.DataFrame(rows, columns=columns)


def _warn_improper(theta: Mapping[str, float], corr: np.ndarray, notes: list[str]) -> None:
    """Warn about a Heywood case or a factor correlation beyond ±1 (an improper solution)."""
    heywood = [i for i, v in theta.items() if v < 0]
    if heywood:
        warnings.warn(
            f"negative residual variance for item(s) {heywood} (Heywood case); the solution is "
            "improper: check those items' wording and keying, or the number of factors",
            ModelWarning,
            stacklevel=3,
        )
        notes.append(f"Heywood case: negative residual variance for {heywood}")
    if np.any(np.abs(corr[np.triu_indices(len(corr), 1)]) > 1):
        warnings.warn(
            "a factor correlation exceeds 1 in absolute value; the solution is improper and the "
            "factors are not distinguishable",
            ModelWarning,
            stacklevel=3,
        )
        notes.append("a factor correlation exceeds 1 in absolute value")
