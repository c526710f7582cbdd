"""Ordinary least squares as R's ``lm``, with classical, HC0-HC4 or cluster-robust SEs.

:func:`regress` fits a formula; :func:`ols_from_design` fits an already-built design (the
moderation and hierarchical-regression models reuse it, so every OLS in the package reports the
same table, SEs and notes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ..._core.format import fmt_p, format_number
from ..._core.results import ResultMixin
from .._design import (
    Design,
    build_design,
    check_cluster_column,
    check_cluster_count,
    check_design,
    check_se_type,
    sandwich_vcov,
)
from .._types import FloatArray
from ..imputation import ImputedData, is_multiply_imputed, pool_fits, pool_regression
from ._summary import CoefficientPlot, check_ci_level, notes_from_report, summary_text

__all__ = ["RegressionResult", "ols_from_design", "regress"]


@dataclass(frozen=True, eq=False)
class RegressionResult(CoefficientPlot, ResultMixin):
    """Result of :func:`regress` (OLS).

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, se, t, ci_low, ci_high, p_value, beta``.
    formula, response : str
    r2, adj_r2 : float
    f, f_p_value : float
        Overall F test (classical, as R's ``summary(lm)``), with ``df_model`` and ``df_resid``.
    df_model, df_resid : float
    n, n_dropped : int
    se_type : str
        ``classical``, ``HC0``-``HC4`` or ``cluster``.
    cluster : str or None
    n_clusters : int or None
    ci_level : float
    vcov : DataFrame
        Covariance matrix of the estimates used for ``se`` (classical or robust).
    model : statsmodels RegressionResults
        The underlying statsmodels fit (robust covariance set where statsmodels supports it).
    design : Design
        Response, design matrix and the rows used.
    notes : tuple of str
    """

    table: pd.DataFrame
    formula: str
    response: str
    r2: float
    adj_r2: float
    f: float
    f_p_value: float
    df_model: float
    df_resid: float
    n: int
    n_dropped: int
    se_type: str
    cluster: str | None
    n_clusters: int | None
    ci_level: float
    vcov: pd.DataFrame = field(repr=False)
    model: Any = field(repr=False)
    design: Design = field(repr=False)
    notes: tuple[str, ...] = ()
    method: str = "OLS"

    _title: ClassVar[str] = "Linear regression (OLS)"

    @property
    def rows(self) -> pd.Index:
        """Index of the input rows used in the fit."""
        return self.design.X.index

    def _meta(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "method": self.method,
            "se": self.se_type
            + (f" (clusters: {self.cluster}, G = {self.n_clusters})" if self.cluster else ""),
            "n": self.n,
            "n_dropped": self.n_dropped,
            "R2": self.r2,
            "adj_R2": self.adj_r2,
            "F": f"{format_number(self.f, 3)} on {format_number(self.df_model)} and "
            f"{format_number(self.df_resid)} df, {fmt_p(self.f_p_value)}",
        }

    def summary(self, digits: int = 4) -> str:
        """Readable text: model line, fit statistics, the coefficient table and notes."""
        return summary_text(self, digits, [("", self.table)])


def _fit(design: Design, se: str, cluster_values: npt.NDArray[Any] | None) -> Any:
    """The statsmodels fit (robust covariance set where statsmodels has it)."""
    # the model's own module, not statsmodels.api (which imports all of statsmodels: 0.31 s
    # against 0.09 s in a fresh process)
    from statsmodels.regression.linear_model import OLS

    model = OLS(design.y, design.X)
    # QR (as R's lm) rather than statsmodels' default pinv: the SVD cut-off of pinv silently
    # zeroes the coefficient of a full-rank but badly scaled predictor (x in 1e9 next to 1e-6)
    if se == "cluster":
        groups = pd.factorize(cluster_values)[0]
        return model.fit(method="qr", cov_type="cluster", cov_kwds={"groups": groups})
    if se in ("HC0", "HC1", "HC2", "HC3"):
        return model.fit(method="qr", cov_type=se)
    return model.fit(method="qr")


def _vcov(
    Xa: FloatArray, resid: FloatArray, se: str, cluster_values: npt.NDArray[Any] | None
) -> FloatArray:
    """Classical ``s^2 (X'X)^-1`` or the sandwich of :func:`sandwich_vcov`."""
    bread = np.linalg.inv(Xa.T @ Xa)
    if se == "classical":
        df_resid = Xa.shape[0] - Xa.shape[1]
        out: FloatArray = bread * (resid @ resid / df_resid)
        return out
    hat = np.einsum("ij,jk,ik->i", Xa, bread, Xa)
    return sandwich_vcov(Xa, resid, bread, se, hat=hat, groups=cluster_values)


def _coef_table(
    design: Design, est: FloatArray, V: FloatArray, ci_level: float, standardize: bool
) -> pd.DataFrame:
    """``term, estimate, se, t, ci_low, ci_high, p_value`` (and ``beta``), t on n - p df."""
    X = design.X
    n, p = X.shape
    df_resid = n - p
    se_v = np.sqrt(np.diag(V))
    tval = est / se_v
    tcrit = stats.t.ppf(0.5 + ci_level / 2, df_resid)
    table = pd.DataFrame(
        {
            "term": list(X.columns),
            "estimate": est,
            "se": se_v,
            "t": tval,
            "ci_low": est - tcrit * se_v,
            "ci_high": est + tcrit * se_v,
            "p_value": 2 * stats.t.sf(np.abs(tval), df_resid),
        }
    )
    if standardize:
        sd_y = float(np.std(design.y, ddof=1))
        sd_x = X.to_numpy().std(axis=0, ddof=1)
        beta = est * sd_x / sd_y if sd_y > 0 else np.full(p, np.nan)
        beta[sd_x == 0] = np.nan  # the intercept (a constant column) has no standardized beta
        table["beta"] = beta
    return table


def _se_notes(se: str, cluster: str | None, n_clusters: int | None, df_resid: int) -> list[str]:
    """What the SEs and tests are, for the result's notes."""
    if se == "cluster":
        notes = [
            f"cluster-robust SEs (CR1 = sandwich::vcovCL(type = 'HC1')) over {n_clusters} clusters of "
            f"'{cluster}'; t tests with the residual df ({df_resid}), as lmtest::coeftest does"
        ]
        if n_clusters is not None and n_clusters < 30:
            notes.append(
                f"only {n_clusters} clusters: cluster-robust SEs are unreliable with fewer than "
                "about 30-50 clusters; consider ld.mixed()"
            )
        return notes
    if se != "classical":
        return [f"{se} heteroskedasticity-consistent SEs; t tests with {df_resid} df"]
    return []


def ols_from_design(
    design: Design,
    *,
    se: str,
    cluster: str | None,
    cluster_values: npt.NDArray[Any] | None,
    standardize: bool,
    ci_level: float,
    notes: Sequence[str] = (),
    what: str = "regress",
) -> RegressionResult:
    """OLS of an already-built design (``se`` checked by :func:`check_se_type`).

    ``cluster_values`` are the cluster ids of the design's rows (``se="cluster"`` only);
    ``notes`` come first in the result's notes, before those describing the SEs.
    """
    X = design.X
    check_design(X, what)
    if se == "cluster":
        if cluster_values is None:
            raise ValueError("ols_from_design: se='cluster' needs the cluster_values")
        check_cluster_count(cluster_values, str(cluster), what)
    fit = _fit(design, se, cluster_values)
    n, p = X.shape
    V = _vcov(X.to_numpy(), np.asarray(fit.resid), se, cluster_values)
    est = np.asarray(fit.params)
    n_clusters = int(pd.Series(cluster_values).nunique()) if se == "cluster" else None
    names = list(X.columns)
    return RegressionResult(
        table=_coef_table(design, est, V, ci_level, standardize),
        formula=design.formula,
        response=design.response,
        r2=float(fit.rsquared),
        adj_r2=float(fit.rsquared_adj),
        f=float(fit.fvalue) if se == "classical" else _classical_f(fit),
        f_p_value=float(fit.f_pvalue) if se == "classical" else _classical_f(fit, p=True),
        df_model=float(fit.df_model),
        df_resid=float(n - p),
        n=int(n),
        n_dropped=int(design.report.n_dropped),
        se_type=se,
        cluster=cluster,
        n_clusters=n_clusters,
        ci_level=ci_level,
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=fit,
        design=design,
        notes=(*notes, *_se_notes(se, cluster, n_clusters, n - p)),
    )


def _classical_f(fit: Any, p: bool = False) -> float:
    """Overall F from R^2 (R's summary.lm), independent of the covariance type of ``fit``."""
    r2, k, dfr = fit.rsquared, fit.df_model, fit.df_resid
    if k == 0:
        return float("nan")
    f = (r2 / k) / ((1 - r2) / dfr)
    return float(stats.f.sf(f, k, dfr)) if p else float(f)


def regress(
    df: pd.DataFrame | ImputedData | Sequence[pd.DataFrame],
    formula: str,
    *,
    se: str = "classical",
    cluster: str | None = None,
    standardize: bool = True,
    ci_level: float = 0.95,
) -> RegressionResult:
    """Ordinary least squares regression from a formula, with classical or robust SEs.

    Parameters
    ----------
    df : DataFrame, ImputedData or list of DataFrame
        The data; rows missing any variable of the formula are left out (listwise) and counted
        in ``n_dropped`` with the reason in ``notes``. Multiply imputed data
        (:func:`~learning_direction.impute`, or a list of completed DataFrames) are fitted in
        every imputation and pooled by Rubin's rules (``mice::pool``): the table gains ``df``
        (Barnard-Rubin), ``riv``, ``lambda`` and ``fmi``; see
        :func:`~learning_direction.models.imputation.pool.pool_regression`.
    formula : str
        Patsy formula as in R, e.g. ``"engagement ~ downward + upward + lateral + C(gender)"``.
        ``x*w`` expands to ``x + w + x:w``; wrap names with spaces as ``Q("my var")``.
    se : {"classical", "HC0", "HC1", "HC2", "HC3", "HC4", "cluster"}
        Standard errors. HC0-HC3 as ``sandwich::vcovHC(type = ...)``; HC4 is Cribari-Neto's (2004)
        estimator (computed here; statsmodels has none); ``"cluster"`` is the CR1 estimator of
        ``sandwich::vcovCL(type = "HC1")`` (statsmodels' default small-sample correction).
    cluster : str, optional
        Cluster column for ``se="cluster"`` (giving ``cluster`` alone implies it). The column
        must have no missing values.
    standardize : bool
        Add the standardized coefficient ``beta`` (default True).
    ci_level : float
        Confidence level of ``ci_low``/``ci_high`` (default 0.95).

    Returns
    -------
    RegressionResult
        ``.table`` with ``term, estimate, se, t, ci_low, ci_high, p_value, beta``; ``.r2``,
        ``.adj_r2``, ``.f``, ``.f_p_value``, ``.df_model``, ``.df_resid``, ``.n``, ``.n_dropped``,
        ``.se_type``, ``.vcov``, ``.model`` (statsmodels results).

    Raises
    ------
    DataValidationError
        A formula variable is not a column (or its name occurs twice); the cluster column has
        missing values; a transform in the formula gives infinite or NaN values
        (``np.log(0)``).
    ModelError
        Fewer rows than parameters; no parameters at all (``y ~ 0``); perfectly collinear
        predictors (the aliased terms are named; columns are compared on a common scale, so a
        badly scaled predictor is not mistaken for a collinear one); a single cluster.

    Notes
    -----
    :math:`\\hat\\beta = (X'X)^{-1}X'y`; classical :math:`V = \\hat\\sigma^2 (X'X)^{-1}`; robust
    :math:`V = (X'X)^{-1} X' \\Omega X (X'X)^{-1}` with :math:`\\Omega` as in
    :func:`learning_direction.models._design.sandwich_vcov` (HC4:
    :math:`\\omega_i = e_i^2/(1-h_i)^{\\min(4, n h_i/p)}`). Tests and CIs use the t distribution
    with :math:`n - p` df for every SE type (for cluster SEs this is ``lmtest::coeftest``'s
    default; Stata uses :math:`G - 1`). The overall F is always the classical one
    (R's ``summary(lm)``), also when robust SEs are requested.

    ``beta`` = :math:`b_j \\cdot s_{x_j} / s_y` with :math:`s_{x_j}` the SD of the design-matrix
    column, as ``lm.beta::lm.beta``: a dummy of a categorical term is standardized by the SD of
    its 0/1 column and an interaction by the SD of the product column. ``beta`` is NaN for the
    intercept.

    References
    ----------
    Cribari-Neto, F. (2004). Asymptotic inference under heteroskedasticity of unknown form.
    *Computational Statistics & Data Analysis, 45*, 215-233.
    Zeileis, A. (2004). Econometric computing with HC and HAC covariance matrix estimators.
    *Journal of Statistical Software*, 11(10).

    Examples
    --------
    Study 1 on the bundled data: engagement regressed on the three learning directions with HC3
    SEs.

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study1")
    >>> d = raw.join(ld.score(raw, ["learning_direction", "mentor_engagement"]).scores)
    >>> res = ld.regress(d, "mentor_engagement ~ downward + upward + lateral", se="HC3")
    >>> # R: lmtest::coeftest(fit <- lm(mentor_engagement ~ downward + upward + lateral, d),
    >>> #                     vcov = sandwich::vcovHC(fit, type = "HC3"))
    >>> print(res.table[["term", "estimate", "se", "p_value"]].round(3).to_string(index=False))
         term  estimate    se  p_value
    Intercept     1.298 0.344    0.000
     downward     0.377 0.047    0.000
       upward     0.171 0.059    0.004
      lateral     0.169 0.058    0.004
    >>> res.n, res.n_dropped, round(res.r2, 3)
    (283, 17, 0.249)
    """
    if is_multiply_imputed(df):  # fit in every imputation, pool by Rubin's rules
        return pool_fits(
            lambda d: regress(
                d, formula, se=se, cluster=cluster, standardize=standardize, ci_level=ci_level
            ),
            df,
            pool_regression,
            what="regress()",
            ci_level=check_ci_level(ci_level),
        )
    df = cast(pd.DataFrame, df)
    level = check_ci_level(ci_level)
    se = check_se_type(se, cluster)
    extra: list[str] = []
    if cluster is not None and se == "cluster":
        check_cluster_column(df, cluster, "regress")
        extra = [cluster]
    design = build_design(df, formula, extra_columns=extra, what="regress")
    cl = design.data[cluster].to_numpy() if cluster is not None and se == "cluster" else None
    return ols_from_design(
        design,
        se=se,
        cluster=cluster,
        cluster_values=cl,
        standardize=standardize,
        ci_level=level,
        notes=notes_from_report(design.report),
    )
