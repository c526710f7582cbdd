"""Confirmatory factor analysis of a scale: its subscales as correlated factors.

:func:`cfa` fits the measurement model implied by a scale definition (or written in lavaan
syntax) on the toolkit's SEM engine (:func:`learning_direction.sem`: ML or MLR, listwise or
FIML, one group or several) and reports lavaan's fit statistics — chi-square as ``N * F_ML``,
CFI, TLI, RMSEA with its 90% interval, Bentler's SRMR, and the scaled and robust indices with
MLR or FIML — together with standardized loadings, factor correlations and
convergent/discriminant validity (AVE, composite reliability, Fornell–Larcker, HTMT).
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._core.checks import check_level
from .._core.format import fmt_num, format_number
from .._core.plotting import figure
from .._core.results import ResultMixin, table_to_html, table_to_text
from .._core.warn import warn_user
from ..exceptions import ModelError, ModelWarning
from ..models.sem import SEMResult, sem
from ._cfa_tables import cfa_fit, factor_correlations, loadings, parameters, validity_tables
from ._fit_indices import fit_indices
from ._measurement import Measurement, measurement_model
from .codebook import Scale

__all__ = ["CFAResult", "cfa", "fit_indices"]

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
        rmsea_p_close, srmr, baseline_chi2, baseline_df, loglik, aic, bic, n_parameters``;
        with FIML also ``n_patterns``; with MLR the Yuan-Bentler scaled test
        (``chi2_scaled, p_value_scaled, scaling_factor, baseline_chi2_scaled,
        baseline_scaling_factor``) and the scaled indices (``cfi_scaled, tli_scaled,
        rmsea_scaled`` and its interval); with MLR or FIML the robust indices (``cfi_robust,
        tli_robust, rmsea_robust`` and its interval), as lavaan's ``fitMeasures()``.
    factor_correlations : DataFrame
        ``factor_1, factor_2, estimate`` (correlation), ``covariance, covariance_se, p_value``.
        With groups every table starts with a ``group`` column.
    validity : DataFrame
        Per factor: ``factor, n_items, ave, sqrt_ave, composite_reliability, max_abs_r,
        ave_ok`` (AVE ≥ .50), ``cr_ok`` (CR ≥ .70), ``fornell_larcker`` (sqrt(AVE) > the
        absolute r with every other factor).
    discriminant : DataFrame
        Per pair of factors: ``factor_1, factor_2, correlation, htmt, htmt_below_85,
        htmt_below_90, fornell_larcker``.
    parameters : DataFrame
        Every free and fixed parameter: ``lhs, op, rhs, estimate, se, z, p_value,
        std_estimate`` in lavaan's notation and order (``=~`` loadings, ``~~`` (co)variances,
        ``~1`` intercepts with FIML or groups); fixed parameters have NaN ``se``.
    sem : SEMResult
        The engine's full result (``.table``, ``.fit``, ``.vcov``, ``.h1``, ``.patterns``).
    item_correlations : DataFrame or None
        The items' correlations in the saturated model (the sample correlations of the rows
        used; their EM estimates with FIML), in display names; None with groups. HTMT uses them.
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
    method: str = "ML CFA (SEM engine), lavaan fit statistics"
    notes: tuple[str, ...] = field(default_factory=tuple)
    missing: str = "listwise"
    group: str | None = None
    sem: SEMResult | None = field(default=None, repr=False, compare=False)
    item_correlations: pd.DataFrame | None = field(default=None, repr=False, compare=False)

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
        if "chi2_scaled" in f:
            lines.append(
                f"Scaled (Yuan-Bentler, Mplus variant): chi2 = {fmt_num(f['chi2_scaled'], 3)}, "
                f"scaling factor = {fmt_num(f['scaling_factor'], 3)}, "
                f"p = {format_number(f['p_value_scaled'], digits)}"
            )
        if "cfi_robust" in f:
            lines.append(
                f"Robust{' (FIML-corrected)' if self.missing == 'fiml' else ''}: "
                f"CFI = {fmt_num(f['cfi_robust'], 3)}; TLI = {fmt_num(f['tli_robust'], 3)}; "
                f"RMSEA = {fmt_num(f['rmsea_robust'], 3)} "
                f"[{fmt_num(f['rmsea_ci_low_robust'], 3)}, "
                f"{fmt_num(f['rmsea_ci_high_robust'], 3)}]"
            )
        lines += ["", "Loadings"]
        cols = ["factor", "item", "estimate", "se", "p_value", "std_estimate"]
        cols = (["group"] if "group" in self.table else []) + cols
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

    def plot(self, ax: Any = None, group: object = None) -> Any:
        """Standardized loadings by factor (of one group: ``group``, default the first).

        See :func:`learning_direction.figures.measurement.plot_loadings`.
        """
        plot_loadings = figure("measurement.plot_loadings")
        shown = self
        if "group" in self.table:
            labels = list(dict.fromkeys(self.table["group"]))
            chosen = labels[0] if group is None else group
            if chosen not in labels:
                raise ModelError(f"group {chosen!r} is not one of the groups {labels}")
            shown = dataclasses.replace(self, table=self.table[self.table["group"] == chosen])
        return plot_loadings(shown, ax=ax)


def cfa(
    df: pd.DataFrame,
    scale: str | Path | Mapping[str, Any] | Scale | Sequence[Any],
    *,
    columns: Mapping[str, str] | None = None,
    missing: str = "listwise",
    estimator: str = "ML",
    group: str | None = None,
    ci_level: float = 0.95,
) -> CFAResult:
    """Confirmatory factor analysis: the scale's subscales as correlated factors.

    Each subscale becomes a factor measured by its items (reverse-keyed items reversed first);
    factors are free to correlate; the first item of each factor is the marker (loading fixed
    to 1), as ``lavaan::cfa`` does by default. The model is fitted by the toolkit's SEM engine
    (:func:`learning_direction.sem`), whose estimates, standard errors and fit measures match
    lavaan's.

    Parameters
    ----------
    df : DataFrame
        One row per respondent, one column per item; answers as numbers. Numbers stored as
        text (``read_csv(dtype=str)``) and the scale's response labels (``"Agree"``) are
        converted as :func:`score` does, and the notes say so.
    scale : str, path, dict, Scale, or lavaan syntax
        A bundled scale name, a YAML file, a dict definition or a :class:`Scale` (a
        one-dimensional scale gives a one-factor model); a list of these (one model with the
        factors of every scale, all correlated: a full measurement model); or a CFA written in
        lavaan syntax (any string with ``=~``), whose variables are columns of ``df``.
    columns : mapping, optional
        ``{item_id: column}`` for items whose column in ``df`` has another name.
    missing : {"listwise", "fiml"}
        Rows with a missing item are left out (``"listwise"``, reported in ``n_dropped``), or
        every row with at least one answer is used by full-information ML (``"fiml"``,
        lavaan's ``missing = "ml"``).
    estimator : {"ML", "MLR"}
        Maximum likelihood, or ML with Huber-White standard errors and the Yuan-Bentler scaled
        test (lavaan's MLR; for Likert-type items that are not normal).
    group : str, optional
        Column of group labels: the same CFA in every group (configural), each table with a
        ``group`` column. For invariance tests use :func:`learning_direction.invariance`.
    ci_level : float
        Level of the Wald intervals of the loadings (the RMSEA interval is 90%, as lavaan's).

    Returns
    -------
    CFAResult
        ``.table``/``.loadings``, ``.fit``, ``.factor_correlations``, ``.validity``,
        ``.discriminant``, ``.parameters``, ``.sem``.

    Raises
    ------
    DataValidationError
        Missing, non-numeric or out-of-range item columns.
    ModelError
        A factor with fewer than two items, an unidentified model (negative degrees of freedom),
        too few rows, a constant item, perfectly collinear items (a singular sample covariance
        matrix: the message names them), an unknown estimator, or an estimation that does not
        converge.

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
    for complete data; the observed information with FIML or MLR); ``z = estimate / se``,
    two-sided normal p-values. With FIML the likelihood is casewise and the saturated model
    is estimated by EM (see :func:`learning_direction.sem`).

    Perfectly collinear items (one an exact linear function of others, e.g. the same column
    twice) make ``S`` singular, so ``log|S|`` and ``F_ML`` are undefined; like lavaan, which
    stops with "sample covariance matrix is not positive-definite", the function refuses them
    with a :class:`ModelError` naming the items, before any fitting.

    ``std_estimate`` is lavaan's ``std.all``: ``λ_ij sqrt(φ_jj) / sqrt(σ_ii)``. Validity uses
    the standardized loadings: AVE ``= mean(λ*²)``; composite reliability
    ``= (Σλ*)² / ((Σλ*)² + Σ(1 - λ*²))``; Fornell–Larcker holds when ``sqrt(AVE)`` of both
    factors exceeds their absolute correlation; HTMT is the mean absolute correlation between
    the two factors' items divided by the geometric mean of the average within-factor absolute
    correlations
    (Henseler et al., 2015; ``semTools::htmt`` with ``absolute = TRUE``), judged against
    .85 (strict) and .90 (lenient); the item correlations are those of the rows used (their
    EM estimates with FIML).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research, 18*, 39–50.
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. *Journal of the
    Academy of Marketing Science, 43*, 115–135.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software*, 48(2).

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
    54.585  51 0.996 0.994  0.021  0.04
    >>> res.n, res.n_dropped
    (162, 138)

    Every mentor who answered at least one item, by FIML with robust (MLR) statistics
    (``lavaan::cfa(model, data = d, missing = "ml", estimator = "MLR")``):

    >>> res = ld.cfa(ld.load_dataset("study1"), "learning_direction", missing="fiml",
    ...              estimator="MLR")
    >>> res.n, res.n_dropped
    (300, 0)
    """
    ci_level = check_level(ci_level)
    notes: list[str] = []
    extra = [group] if group is not None else []
    m = measurement_model(df, scale, columns=columns, extra=extra, notes=notes)
    fiml = isinstance(missing, str) and missing.lower() in ("fiml", "ml")
    _check_model_data(m, fiml)
    res = sem(
        m.data,
        m.syntax,
        missing=missing,
        estimator=estimator,
        group=group,
        ci_level=ci_level,
    )
    return _result(m, res, notes)


def _result(m: Measurement, res: SEMResult, notes: list[str]) -> CFAResult:
    load = loadings(m, res)
    pars = parameters(m, res)
    corr, fac_corr = factor_correlations(m, res)
    notes = list(notes) + [_engine_note(m, n) for n in res.notes]
    notes.append("chi2 = N * F_ML as lavaan; marker-variable identification (first loading = 1)")
    _warn_improper(pars, corr, m.item_ids, notes)
    validity, discriminant = validity_tables(m, res, load, corr)
    return CFAResult(
        table=load,
        fit=cfa_fit(res),
        factor_correlations=fac_corr,
        validity=validity,
        discriminant=discriminant,
        parameters=pars,
        instrument=m.instrument,
        n=res.n,
        n_dropped=res.n_dropped,
        estimator=res.estimator,
        method=f"{res.method} CFA (SEM engine), lavaan fit statistics",
        notes=tuple(dict.fromkeys(notes)),
        missing=res.missing,
        group=res.group,
        sem=res,
        item_correlations=None if res.group is not None else _item_correlations(m, res),
    )


def _item_correlations(m: Measurement, res: SEMResult) -> pd.DataFrame:
    """The saturated model's item correlations, in display names and model order."""
    engine = {shown: name for name, shown in m.alias.items()}
    names = [engine.get(i, i) for i in m.item_ids]
    s = res.h1["all"]["cov"].loc[names, names].to_numpy(dtype=float)
    sd = np.sqrt(np.diag(s))
    return pd.DataFrame(s / np.outer(sd, sd), index=m.item_ids, columns=m.item_ids)


def _engine_note(m: Measurement, note: str) -> str:
    """A note of the engine in display names (item aliases replaced)."""
    for engine, shown in sorted(m.alias.items(), key=lambda kv: -len(kv[0])):
        note = note.replace(f"'{engine}'", f"'{shown}'")
    return note


def _check_model_data(m: Measurement, fiml: bool) -> None:
    """Checks before fitting: identification, enough rows, constant and collinear items.

    Raises :class:`ModelError` naming the problem (the rows and items concerned).
    """
    engine_names = [_engine(m, i) for i in m.item_ids]
    present = [c for c in engine_names if c in m.data.columns]
    if len(present) < len(engine_names):
        return  # the engine names the missing column
    items = m.data.loc[:, present].apply(pd.to_numeric, errors="coerce")
    p, k = len(present), len(m.factors)
    n_params = (p - k) + k * (k + 1) // 2 + p
    dof = p * (p + 1) // 2 - n_params
    what = f"the CFA of {'scale ' + repr(m.instrument) if m.instrument != 'model' else 'the model'}"
    if dof < 0:
        raise ModelError(
            f"{what} is not identified: {n_params} free parameters but only "
            f"{p * (p + 1) // 2} variances and covariances (df = {dof}); a one-factor model "
            "needs at least 3 items"
        )
    complete = items.dropna()
    n = len(items.dropna(how="all")) if fiml else len(complete)
    if n <= p:
        rows = "rows with an answer" if fiml else "complete rows"
        raise ModelError(
            f"only {n} {rows} for {p} items; a CFA needs more {rows} than items"
            + ("" if fiml else " (or use missing='fiml' to use every answered item)")
        )
    sds = items.std(ddof=1)
    constant = [m.name(c) for c in present if not sds[c] > 0]
    if constant:
        raise ModelError(
            f"item(s) {constant} have zero variance in the {n} rows used; a constant item "
            "carries no information: drop it from the scale definition"
        )
    if len(complete) > p:
        shown = complete.rename(columns=m.alias)
        _refuse_collinear(shown.astype(float), m.instrument)


def _engine(m: Measurement, item: str) -> str:
    for engine, shown in m.alias.items():
        if shown == item:
            return engine
    return item


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


def _warn_improper(
    pars: pd.DataFrame, corr: Mapping[object, np.ndarray], items: list[str], notes: list[str]
) -> None:
    """Warn about a Heywood case or a factor correlation beyond ±1 (an improper solution)."""
    variances = pars[(pars["op"] == "~~") & (pars["lhs"] == pars["rhs"]) & pars["lhs"].isin(items)]
    heywood = list(dict.fromkeys(variances.loc[variances["estimate"] < 0, "lhs"]))
    if heywood:
        warn_user(
            f"negative residual variance for item(s) {heywood} (Heywood case); the solution is "
            "improper: check those items' wording and keying, or the number of factors",
            ModelWarning,
        )
        notes.append(f"Heywood case: negative residual variance for {heywood}")
    if any(np.any(np.abs(c[np.triu_indices(len(c), 1)]) > 1) for c in corr.values()):
        warn_user(
            "a factor correlation exceeds 1 in absolute value; the solution is improper and the "
            "factors are not distinguishable",
            ModelWarning,
        )
        notes.append("a factor correlation exceeds 1 in absolute value")
