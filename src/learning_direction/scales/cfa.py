"""Confirmatory factor analysis of a scale: its subscales as correlated factors.

:func:`cfa` fits the measurement model implied by a scale definition with semopy (maximum
likelihood, listwise deletion) and reports lavaan's fit statistics — chi-square as ``N * F_ML``,
CFI, TLI, RMSEA with its 90% interval, Bentler's SRMR — together with standardized loadings,
factor correlations and convergent/discriminant validity (AVE, composite reliability,
Fornell–Larcker, HTMT).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._core.checks import check_level
from .._core.data import complete_cases
from .._core.plotting import figure
from .._core.results import ResultMixin, format_number, table_to_text
from ..exceptions import ModelError, ModelWarning
from .codebook import Scale, load_scale
from .reliability import item_matrix

__all__ = ["CFAResult", "cfa", "fit_indices"]

FIT_COLUMNS = [
    "n",
    "chi2",
    "df",
    "p_value",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_low",
    "rmsea_ci_high",
    "rmsea_p_close",
    "srmr",
    "baseline_chi2",
    "baseline_df",
    "loglik",
    "aic",
    "bic",
    "n_parameters",
]


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
            f"chi2({int(f['df'])}) = {f['chi2']:.3f}, p = {format_number(f['p_value'], digits)}; "
            f"CFI = {f['cfi']:.3f}; TLI = {f['tli']:.3f}; RMSEA = {f['rmsea']:.3f} "
            f"[{f['rmsea_ci_low']:.3f}, {f['rmsea_ci_high']:.3f}]; SRMR = {f['srmr']:.3f}"
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
        import html

        from .._core.results import table_to_html

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

    def plot(self, ax=None):
        """Standardized loadings by factor.

        See :func:`learning_direction.figures.measurement.plot_loadings`.
        """
        plot_loadings = figure("measurement.plot_loadings")

        return plot_loadings(self, ax=ax)


# ------------------------------------------------------------------ fit statistics


def _rmsea_ci(chi2: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA interval from the noncentral chi-square (lavaan's ``rmsea.ci.lower/upper``)."""
    if df <= 0:
        return float("nan"), float("nan")
    upper_tail = (1.0 + level) / 2.0  # 0.95
    lower_tail = (1.0 - level) / 2.0  # 0.05

    def solve(target: float) -> float:
        def f(lam: float) -> float:
            return (
                stats.ncx2.cdf(chi2, df, lam) - target
                if lam > 0
                else stats.chi2.cdf(chi2, df) - target
            )

        if f(0.0) < 0:  # even the central distribution puts X2 below the quantile
            return 0.0
        hi = max(chi2, 1.0)
        while f(hi) > 0:
            hi *= 2.0
        return optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-14)

    lam_low = solve(upper_tail)
    lam_high = solve(lower_tail)
    return float(np.sqrt(lam_low / (n * df))), float(np.sqrt(lam_high / (n * df)))


def fit_indices(s: np.ndarray, sigma: np.ndarray, n: int, n_parameters: int) -> dict[str, float]:
    """lavaan's ML fit statistics from the sample (``1/N``) and model-implied covariance matrices.

    Parameters
    ----------
    s : ndarray
        Sample covariance matrix with divisor ``N`` (lavaan's default).
    sigma : ndarray
        Model-implied covariance matrix at the ML estimates.
    n : int
        Number of observations ``N``.
    n_parameters : int
        Number of free parameters of the covariance structure.

    Returns
    -------
    dict
        The keys of :attr:`CFAResult.fit`.

    Notes
    -----
    ``F_ML = log|Σ| + tr(S Σ^-1) - log|S| - p``; ``chi2 = N F_ML`` (lavaan's default, not
    ``N - 1``); baseline chi2 ``= N (Σ log s_ii - log|S|)`` on ``p(p-1)/2`` df;
    CFI ``= 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b, 0)``;
    TLI ``= (chi2_b/df_b - chi2/df) / (chi2_b/df_b - 1)``;
    RMSEA ``= sqrt(max(chi2 - df, 0) / (N df))`` with the 90% interval from the noncentral
    chi-square and ``rmsea_p_close = P(chi2 ≥ X2 | λ = N df 0.05²)``;
    SRMR (Bentler; lavaan's ``srmr``) ``= sqrt(mean over i ≤ j of ((s_ij - σ_ij) /
    sqrt(s_ii s_jj))²)``; loglik ``= -N/2 (p log 2π + log|Σ| + tr(S Σ^-1))``.

    References
    ----------
    Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological
    Bulletin, 107*, 238–246.
    Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure
    analysis: Conventional criteria versus new alternatives. *Structural Equation Modeling, 6*,
    1–55.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software, 48*(2).
    Tucker, L. R., & Lewis, C. (1973). A reliability coefficient for maximum likelihood factor
    analysis. *Psychometrika, 38*, 1–10.
    """
    p = s.shape[0]
    inv = np.linalg.inv(sigma)
    logdet_sigma = np.linalg.slogdet(sigma)[1]
    logdet_s = np.linalg.slogdet(s)[1]
    trace = float(np.trace(s @ inv))
    f_ml = logdet_sigma + trace - logdet_s - p
    chi2 = max(float(n * f_ml), 0.0)
    df = p * (p + 1) // 2 - n_parameters
    chi2_b = float(n * (np.log(np.diag(s)).sum() - logdet_s))
    df_b = p * (p - 1) // 2
    t1 = max(chi2 - df, 0.0)
    t2 = max(chi2 - df, chi2_b - df_b, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1.0 - t1 / t2
    if df > 0 and df_b > 0:
        tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1.0)
        rmsea = float(np.sqrt(max(chi2 - df, 0.0) / (n * df)))
        p_value = float(stats.chi2.sf(chi2, df))
        ci_low, ci_high = _rmsea_ci(chi2, df, n)
        p_close = float(stats.ncx2.sf(chi2, df, n * df * 0.05**2))
    else:
        tli = rmsea = p_value = ci_low = ci_high = p_close = float("nan")
        if df == 0:
            tli, rmsea = 1.0, 0.0
    d = 1.0 / np.sqrt(np.diag(s))
    resid = (s - sigma) * np.outer(d, d)
    lower = resid[np.tril_indices(p)]
    srmr = float(np.sqrt(np.mean(lower**2)))
    loglik = float(-n / 2.0 * (p * np.log(2.0 * np.pi) + logdet_sigma + trace))
    return {
        "n": n,
        "chi2": chi2,
        "df": df,
        "p_value": p_value,
        "cfi": float(cfi),
        "tli": float(tli),
        "rmsea": rmsea,
        "rmsea_ci_low": ci_low,
        "rmsea_ci_high": ci_high,
        "rmsea_p_close": p_close,
        "srmr": srmr,
        "baseline_chi2": chi2_b,
        "baseline_df": df_b,
        "loglik": loglik,
        "aic": -2.0 * loglik + 2.0 * n_parameters,
        "bic": -2.0 * loglik + np.log(n) * n_parameters,
        "n_parameters": n_parameters,
    }


def _htmt(r: np.ndarray, groups: list[list[int]], i: int, j: int) -> float:
    """Heterotrait–monotrait ratio of factors ``i`` and ``j`` from the item correlation matrix."""
    a, b = groups[i], groups[j]
    hetero = np.abs(r[np.ix_(a, b)]).mean()

    def mono(g: list[int]) -> float:
        block = np.abs(r[np.ix_(g, g)])
        return float(block[np.triu_indices(len(g), 1)].mean())

    return float(hetero / np.sqrt(mono(a) * mono(b)))


# ------------------------------------------------------------------ the analysis


def _fit_semopy(desc: str, data: pd.DataFrame, s_biased: np.ndarray):
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
                data, cov=cov, obj="MLW", solver="SLSQP", options={"ftol": 1e-13, "maxiter": 5000}
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
        too few complete rows, a constant item, an unknown estimator, or an estimation that does
        not converge.

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
    if str(estimator).upper() != "ML":
        raise ModelError(f"estimator must be 'ML' (maximum likelihood), got {estimator!r}")
    ci_level = check_level(ci_level)
    small = [s.name for s in sc.subscales if len(s.items) < 2]
    if small:
        raise ModelError(
            f"factor(s) {small} of scale '{sc.name}' have fewer than 2 items; a factor needs at "
            "least 2 indicators (3 for a one-factor model): merge or drop those subscales"
        )
    what = f"CFA of scale '{sc.name}'"
    input_notes: list[str] = []
    data, mapping = item_matrix(df, sc, columns, what, input_notes)
    ids = sc.item_ids
    used, report = complete_cases(data, ids, what)
    n = len(used)
    p = len(ids)
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

    # safe internal names for semopy
    var_of = {item: f"x{k}" for k, item in enumerate(ids)}
    fac_of = {s.name: f"f{k}" for k, s in enumerate(sc.subscales)}
    item_of = {v: k for k, v in var_of.items()}
    factor_of = {v: k for k, v in fac_of.items()}
    desc = "\n".join(
        f"{fac_of[s.name]} =~ " + " + ".join(var_of[i] for i in s.item_ids) for s in sc.subscales
    )
    x = used.rename(columns=var_of).astype(float)
    s_biased = np.cov(x.to_numpy().T, bias=True)
    model, res, params = _fit_semopy(desc, x, s_biased)
    if not getattr(res, "success", False):
        raise ModelError(
            f"the CFA of scale '{sc.name}' did not converge ({getattr(res, 'message', '')}); "
            "check for items with very little variance, nearly perfectly correlated items, or "
            "too few rows"
        )
    obs = list(model.vars["observed"])
    order = [obs.index(var_of[i]) for i in ids]
    sigma_full, _ = model.calc_sigma()
    sigma = sigma_full[np.ix_(order, order)]
    s_mat = s_biased  # rows/cols in item order (x columns follow ids)
    fit = fit_indices(s_mat, sigma, n, n_params)
    if not np.isfinite(fit["chi2"]):
        raise ModelError(f"the CFA of scale '{sc.name}' produced a non-finite chi-square")

    # ---- parameters in lavaan notation
    def num(v: Any) -> float:
        try:
            return float(v)
        except (TypeError, ValueError):
            return float("nan")

    lam: dict[tuple[str, str], float] = {}
    phi: dict[tuple[str, str], float] = {}
    theta: dict[str, float] = {}
    rows = []
    for rec in params.itertuples(index=False):
        lval, op, rval = rec[0], rec[1], rec[2]
        est, se = num(rec[3]), num(rec[4])
        if op == "~" and lval in item_of and rval in factor_of:
            lhs, op_l, rhs = factor_of[rval], "=~", item_of[lval]
            lam[(lhs, rhs)] = est
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
    implied_sd = dict(zip(ids, np.sqrt(np.diag(sigma))))
    fac_sd = {f: np.sqrt(phi[(f, f)]) for f in sc.subscale_names}

    def std_of(r: pd.Series) -> float:
        if r["op"] == "=~":
            return r["estimate"] * fac_sd[r["lhs"]] / implied_sd[r["rhs"]]
        if r["lhs"] in fac_sd:
            return r["estimate"] / (fac_sd[r["lhs"]] * fac_sd[r["rhs"]])
        return r["estimate"] / (implied_sd[r["lhs"]] * implied_sd[r["rhs"]])

    pars["std_estimate"] = pars.apply(std_of, axis=1)
    # lavaan's order: loadings (scale order), factor (co)variances, residual variances
    op_rank = pars.apply(
        lambda r: 0 if r["op"] == "=~" else (1 if r["lhs"] in fac_sd else 2), axis=1
    )
    item_rank = {i: k for k, i in enumerate(ids)}
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
    pars = pars.reset_index(drop=True)[
        ["lhs", "op", "rhs", "estimate", "se", "z", "p_value", "std_estimate"]
    ]

    zcrit = stats.norm.ppf(0.5 + ci_level / 2.0)
    load = pars[pars["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item"}).copy()
    load["ci_low"] = load["estimate"] - zcrit * load["se"]
    load["ci_high"] = load["estimate"] + zcrit * load["se"]
    load["reversed"] = [sc.item(i).reverse for i in load["item"]]
    load["column"] = [mapping[i] for i in load["item"]]
    load = load[
        [
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
    ].reset_index(drop=True)

    notes: list[str] = list(input_notes)
    if report.n_dropped:
        notes.append(report.reason + " (listwise deletion)")
    notes.append("chi2 = N * F_ML as lavaan; marker-variable identification (first loading = 1)")
    heywood = [i for i, v in theta.items() if v < 0]
    factors = sc.subscale_names
    corr = np.eye(n_factors)
    fc_rows = []
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
            fc_rows.append(
                {
                    "factor_1": fa,
                    "factor_2": fb,
                    "estimate": r,
                    "covariance": phi[(fa, fb)],
                    "covariance_se": float(row["se"].iloc[0]) if len(row) else float("nan"),
                    "p_value": float(row["p_value"].iloc[0]) if len(row) else float("nan"),
                }
            )
    if heywood:
        warnings.warn(
            f"negative residual variance for item(s) {heywood} (Heywood case); the solution is "
            "improper: check those items' wording and keying, or the number of factors",
            ModelWarning,
            stacklevel=2,
        )
        notes.append(f"Heywood case: negative residual variance for {heywood}")
    if np.any(np.abs(corr[np.triu_indices(n_factors, 1)]) > 1):
        warnings.warn(
            "a factor correlation exceeds 1 in absolute value; the solution is improper and the "
            "factors are not distinguishable",
            ModelWarning,
            stacklevel=2,
        )
        notes.append("a factor correlation exceeds 1 in absolute value")
    factor_correlations = pd.DataFrame(
        fc_rows,
        columns=["factor_1", "factor_2", "estimate", "covariance", "covariance_se", "p_value"],
    )

    validity_rows = []
    for k, f in enumerate(factors):
        ls = load.loc[load["factor"] == f, "std_estimate"].to_numpy(dtype=float)
        ave = float(np.mean(ls**2))
        cr = float(ls.sum() ** 2 / (ls.sum() ** 2 + np.sum(1.0 - ls**2)))
        others = np.delete(np.abs(corr[k]), k)
        max_r = float(others.max()) if len(others) else float("nan")
        validity_rows.append(
            {
                "factor": f,
                "n_items": len(ls),
                "ave": ave,
                "sqrt_ave": float(np.sqrt(ave)),
                "composite_reliability": cr,
                "max_abs_r": max_r,
                "ave_ok": ave >= 0.5,
                "cr_ok": cr >= 0.7,
                "fornell_larcker": bool(np.sqrt(ave) > max_r) if len(others) else True,
            }
        )
    validity = pd.DataFrame(validity_rows)

    r_items = np.corrcoef(used.to_numpy(dtype=float).T)
    groups = [[ids.index(i) for i in s.item_ids] for s in sc.subscales]
    sqrt_ave = dict(zip(validity["factor"], validity["sqrt_ave"]))
    disc_rows = []
    for a in range(n_factors):
        for b in range(a + 1, n_factors):
            h = _htmt(r_items, groups, a, b)
            r = corr[a, b]
            disc_rows.append(
                {
                    "factor_1": factors[a],
                    "factor_2": factors[b],
                    "correlation": r,
                    "htmt": h,
                    "htmt_below_85": h < 0.85,
                    "htmt_below_90": h < 0.90,
                    "fornell_larcker": bool(
                        min(sqrt_ave[factors[a]], sqrt_ave[factors[b]]) > abs(r)
                    ),
                }
            )
    discriminant = pd.DataFrame(
        disc_rows,
        columns=[
            "factor_1",
            "factor_2",
            "correlation",
            "htmt",
            "htmt_below_85",
            "htmt_below_90",
            "fornell_larcker",
        ],
    )
    fit_df = pd.DataFrame([fit], columns=FIT_COLUMNS)
    return CFAResult(
        table=load,
        fit=fit_df,
        factor_correlations=factor_correlations,
        validity=validity,
        discriminant=discriminant,
        parameters=pars,
        instrument=sc.name,
        n=n,
        n_dropped=report.n_dropped,
        estimator="ML",
        notes=tuple(notes),
    )
