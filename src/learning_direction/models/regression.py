"""Regression models that match R: OLS (``lm``), logistic (``glm``) and linear mixed (``lme4``).

* :func:`regress` -- OLS with classical, HC0-HC4 or cluster-robust SEs and standardized betas;
* :func:`regress_steps` / :func:`compare_models` -- hierarchical regression (Delta R^2, F change);
* :func:`logit` -- logistic regression with odds ratios and pseudo-R^2;
* :func:`mixed` -- linear mixed model (random intercepts and slopes) with lme4's fixed-effect SEs,
  lme4-style variance components and ICC(1)/ICC(2).

Every function checks the formula's columns first (naming a missing one with close matches),
drops incomplete rows listwise and reports how many and why (``n``, ``n_dropped``, ``notes``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_level
from .._core.data import MissingReport, complete_cases, require_columns
from .._core.plotting import figure
from .._core.results import ResultMixin, format_number, table_to_text
from ..exceptions import DataValidationError, ModelError, ModelWarning
from ._design import (
    Design,
    build_design,
    check_cluster_column,
    check_cluster_count,
    check_design,
    check_formula_columns,
    check_se_type,
    formula_variables,
    sandwich_vcov,
)

__all__ = [
    "LogitResult",
    "MixedResult",
    "ModelComparisonResult",
    "RegressionResult",
    "compare_models",
    "logit",
    "mixed",
    "regress",
    "regress_steps",
]


def _check_ci_level(ci_level: float) -> float:
    return check_level(ci_level, error=DataValidationError)


def _notes_from_report(report: MissingReport) -> list[str]:
    return [report.reason] if report.n_dropped else []


def _summary_text(result: ResultMixin, digits: int, blocks: list[tuple[str, pd.DataFrame]]) -> str:
    """Title, metadata (strings as they are), each ``(heading, table)`` block, then the notes."""
    lines = [result._title, "=" * len(result._title)]
    for key, value in result._meta().items():
        lines.append(
            f"{key}: {format_number(value, digits) if not isinstance(value, str) else value}"
        )
    for heading, table in blocks:
        lines += [""] + ([heading] if heading else []) + [table_to_text(table, digits)]
    notes = result._notes()
    if notes:
        lines += [""] + [f"Note: {n}" for n in notes]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# OLS
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RegressionResult(ResultMixin):
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
            f"{format_number(self.df_resid)} df, p = {format_number(self.f_p_value, 4)}",
        }

    def summary(self, digits: int = 4) -> str:
        """Readable text: model line, fit statistics, the coefficient table and notes."""
        return _summary_text(self, digits, [("", self.table)])

    def plot(self, ax=None, **kwargs):
        """Coefficient forest plot (see :func:`learning_direction.figures.coefficients.plot_coefficients`)."""
        plot_coefficients = figure("coefficients.plot_coefficients")

        return plot_coefficients(self, ax=ax, **kwargs)


def _ols_from_design(
    design: Design,
    *,
    se: str,
    cluster: str | None,
    cluster_values: np.ndarray | None,
    standardize: bool,
    ci_level: float,
    notes: Sequence[str] = (),
    what: str = "regress",
) -> RegressionResult:
    import statsmodels.api as sm

    X, y = design.X, design.y
    check_design(X, what)
    n, p = X.shape
    # QR (as R's lm) rather than statsmodels' default pinv: the SVD cut-off of pinv silently
    # zeroes the coefficient of a full-rank but badly scaled predictor (x in 1e9 next to 1e-6)
    if se == "cluster":
        check_cluster_count(cluster_values, cluster, what)
        fit = sm.OLS(y, X).fit(
            method="qr",
            cov_type="cluster",
            cov_kwds={"groups": pd.factorize(cluster_values)[0]},
        )
    elif se in ("HC0", "HC1", "HC2", "HC3"):
        fit = sm.OLS(y, X).fit(method="qr", cov_type=se)
    else:
        fit = sm.OLS(y, X).fit(method="qr")
    Xa = X.to_numpy()
    bread = np.linalg.inv(Xa.T @ Xa)
    resid = np.asarray(fit.resid)
    df_resid = float(n - p)
    if se == "classical":
        V = bread * (resid @ resid / df_resid)
    else:
        hat = np.einsum("ij,jk,ik->i", Xa, bread, Xa)
        V = sandwich_vcov(Xa, resid, bread, se, hat=hat, groups=cluster_values)
    est = np.asarray(fit.params)
    se_v = np.sqrt(np.diag(V))
    tval = est / se_v
    tcrit = stats.t.ppf(0.5 + ci_level / 2, df_resid)
    pval = 2 * stats.t.sf(np.abs(tval), df_resid)
    table = pd.DataFrame(
        {
            "term": list(X.columns),
            "estimate": est,
            "se": se_v,
            "t": tval,
            "ci_low": est - tcrit * se_v,
            "ci_high": est + tcrit * se_v,
            "p_value": pval,
        }
    )
    if standardize:
        sd_y = float(np.std(y, ddof=1))
        sd_x = Xa.std(axis=0, ddof=1)
        beta = est * sd_x / sd_y if sd_y > 0 else np.full(p, np.nan)
        beta[sd_x == 0] = np.nan  # the intercept (a constant column) has no standardized beta
        table["beta"] = beta
    n_clusters = None
    all_notes = list(notes)
    if se == "cluster":
        n_clusters = int(pd.Series(cluster_values).nunique())
        all_notes.append(
            f"cluster-robust SEs (CR1 = sandwich::vcovCL(type = 'HC1')) over {n_clusters} clusters of "
            f"'{cluster}'; t tests with the residual df ({int(df_resid)}), as lmtest::coeftest does"
        )
        if n_clusters < 30:
            all_notes.append(
                f"only {n_clusters} clusters: cluster-robust SEs are unreliable with fewer than "
                "about 30-50 clusters; consider ld.mixed()"
            )
    elif se != "classical":
        all_notes.append(f"{se} heteroskedasticity-consistent SEs; t tests with {int(df_resid)} df")
    names = list(X.columns)
    return RegressionResult(
        table=table,
        formula=design.formula,
        response=design.response,
        r2=float(fit.rsquared),
        adj_r2=float(fit.rsquared_adj),
        f=float(fit.fvalue) if se == "classical" else float(_classical_f(fit)),
        f_p_value=float(fit.f_pvalue) if se == "classical" else float(_classical_f(fit, p=True)),
        df_model=float(fit.df_model),
        df_resid=df_resid,
        n=int(n),
        n_dropped=int(design.report.n_dropped),
        se_type=se,
        cluster=cluster,
        n_clusters=n_clusters,
        ci_level=ci_level,
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=fit,
        design=design,
        notes=tuple(all_notes),
    )


def _classical_f(fit, p: bool = False) -> float:
    """Overall F from R^2 (R's summary.lm), independent of the covariance type of ``fit``."""
    r2, k, dfr = fit.rsquared, fit.df_model, fit.df_resid
    if k == 0:
        return float("nan")
    f = (r2 / k) / ((1 - r2) / dfr)
    return float(stats.f.sf(f, k, dfr)) if p else float(f)


def regress(
    df: pd.DataFrame,
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
    df : DataFrame
        The data; rows missing any variable of the formula are left out (listwise) and counted
        in ``n_dropped`` with the reason in ``notes``.
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
    *Journal of Statistical Software, 11*(10).

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
    Intercept     2.420 0.423    0.000
     downward     0.324 0.052    0.000
       upward     0.111 0.059    0.060
      lateral     0.110 0.061    0.071
    >>> res.n, res.n_dropped, round(res.r2, 3)
    (300, 0, 0.176)
    """
    level = _check_ci_level(ci_level)
    se = check_se_type(se, cluster)
    extra: list[str] = []
    if se == "cluster":
        check_cluster_column(df, cluster, "regress")
        extra = [cluster]
    design = build_design(df, formula, extra_columns=extra, what="regress")
    cl = design.data[cluster].to_numpy() if se == "cluster" else None
    return _ols_from_design(
        design,
        se=se,
        cluster=cluster,
        cluster_values=cl,
        standardize=standardize,
        ci_level=level,
        notes=_notes_from_report(design.report),
    )


# --------------------------------------------------------------------------------------------
# hierarchical regression
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ModelComparisonResult(ResultMixin):
    """Hierarchical (nested) OLS comparison: Delta R^2 and F change per step.

    Attributes
    ----------
    table : DataFrame
        ``step, formula, r2, adj_r2, delta_r2, f_change, df1, df2, p_value``.
    steps : tuple of RegressionResult
    n, n_dropped : int
    notes : tuple of str
    """

    table: pd.DataFrame
    steps: tuple[RegressionResult, ...]
    n: int
    n_dropped: int
    notes: tuple[str, ...] = ()
    method: str = "hierarchical OLS (F change)"

    _title: ClassVar[str] = "Hierarchical regression"

    def plot(self, ax=None, **kwargs):
        """Coefficients of every step side by side (forest plot)."""
        plot_coefficients = figure("coefficients.plot_coefficients")

        labels = kwargs.pop("labels", [f"Step {i + 1}" for i in range(len(self.steps))])
        return plot_coefficients(list(self.steps), ax=ax, labels=labels, **kwargs)


def compare_models(*results: RegressionResult) -> ModelComparisonResult:
    """Compare nested OLS models fitted on the same rows: Delta R^2 and F change.

    Parameters
    ----------
    *results : RegressionResult
        Two or more results of :func:`regress`, from the smallest to the largest model; each
        model's predictors must include the previous model's, and all must use the same rows
        (see :func:`regress_steps`, which guarantees it).

    Returns
    -------
    ModelComparisonResult
        ``.table`` with one row per step.

    Raises
    ------
    ModelError
        A result is not OLS, the models were fitted on different rows, or are not nested.

    Notes
    -----
    :math:`F_{change} = \\frac{\\Delta R^2 / df_1}{(1 - R^2_{k}) / df_2}` with :math:`df_1` the
    number of added parameters and :math:`df_2 = n - p_k` of the larger model -- R's
    ``anova(m1, m2)`` and SPSS's "R square change". The first step is tested against the
    intercept-only model (its overall F). The F change is classical even if the models were fitted
    with robust SEs.

    References
    ----------
    Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). *Applied multiple
    regression/correlation analysis for the behavioral sciences* (3rd ed.). Erlbaum.

    Examples
    --------
    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study1")
    >>> d = raw.join(ld.score(raw, ["learning_direction", "mentor_engagement"]).scores)
    >>> step1 = ld.regress(d, "mentor_engagement ~ age + tenure")
    >>> step2 = ld.regress(d, "mentor_engagement ~ age + tenure + downward + upward + lateral")
    >>> comp = ld.compare_models(step1, step2)  # R: anova(lm(f1, d), lm(f2, d))
    >>> print(comp.table[["step", "delta_r2", "f_change", "df1", "df2"]].round(3).to_string(index=False))
     step  delta_r2  f_change  df1  df2
        1     0.010     1.535    2  297
        2     0.188    22.927    3  294
    """
    if len(results) == 1 and isinstance(results[0], list | tuple):
        results = tuple(results[0])
    if len(results) < 2:
        raise ModelError("compare_models needs at least two fitted models (smallest first)")
    for i, r in enumerate(results):
        if not isinstance(r, RegressionResult):
            raise ModelError(
                f"compare_models: model {i + 1} is a {type(r).__name__}, not an OLS result of ld.regress()"
            )
    base = results[0]
    for i, r in enumerate(results[1:], start=2):
        if r.n != base.n or not r.rows.equals(base.rows):
            raise ModelError(
                f"compare_models: model {i} ('{r.formula}', n = {r.n}) was fitted on different rows "
                f"than model 1 ('{base.formula}', n = {base.n}), so R^2 values are not comparable. "
                "Fit every step on the complete cases of the largest model, e.g. "
                "ld.regress_steps(df, [formula1, formula2])"
            )
        prev = results[i - 2]
        missing = [c for c in prev.design.X.columns if c not in r.design.X.columns]
        if missing or r.design.response != base.design.response:
            raise ModelError(
                f"compare_models: model {i} ('{r.formula}') does not contain model {i - 1} "
                f"('{prev.formula}')"
                + (f": missing {missing}" if missing else ": different outcome")
                + "; hierarchical steps must add predictors to the same outcome"
            )
    rows = []
    for i, r in enumerate(results):
        if i == 0:
            d_r2, df1 = r.r2, r.df_model
        else:
            prev = results[i - 1]
            d_r2 = r.r2 - prev.r2
            df1 = prev.df_resid - r.df_resid
        df2 = r.df_resid
        if df1 > 0:
            f = (d_r2 / df1) / ((1 - r.r2) / df2)
            p = float(stats.f.sf(f, df1, df2))
        else:
            f, p = float("nan"), float("nan")
        rows.append(
            {
                "step": i + 1,
                "formula": r.formula,
                "r2": r.r2,
                "adj_r2": r.adj_r2,
                "delta_r2": d_r2,
                "f_change": f,
                "df1": int(df1),
                "df2": int(df2),
                "p_value": p,
            }
        )
    return ModelComparisonResult(
        table=pd.DataFrame(rows),
        steps=tuple(results),
        n=base.n,
        n_dropped=base.n_dropped,
        notes=tuple(base.notes[:1]) if base.n_dropped else (),
    )


def regress_steps(
    df: pd.DataFrame,
    formulas: Sequence[str],
    *,
    se: str = "classical",
    cluster: str | None = None,
    standardize: bool = True,
    ci_level: float = 0.95,
) -> ModelComparisonResult:
    """Hierarchical regression: fit each step on the complete cases of ALL steps, then compare.

    Parameters
    ----------
    df : DataFrame
    formulas : sequence of str
        Nested formulas, smallest first (e.g. controls, then controls + the three directions).
    se, cluster, standardize, ci_level
        As in :func:`regress` (the F change itself is classical).

    Returns
    -------
    ModelComparisonResult
        ``.table`` (``step, formula, r2, adj_r2, delta_r2, f_change, df1, df2, p_value``) and
        ``.steps`` (one :class:`RegressionResult` per step).

    Notes
    -----
    Rows missing any variable of any step are left out of every step, so the R^2 values are
    comparable (SPSS's hierarchical regression does the same). See :func:`compare_models`.

    References
    ----------
    Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). *Applied multiple
    regression/correlation analysis for the behavioral sciences* (3rd ed.). Erlbaum.

    Examples
    --------
    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study1")
    >>> d = raw.join(ld.score(raw, ["learning_direction", "mentor_engagement"]).scores)
    >>> res = ld.regress_steps(d, ["mentor_engagement ~ age + tenure",
    ...                            "mentor_engagement ~ age + tenure + downward + upward + lateral"])
    >>> # R: d0 <- na.omit(d[, vars]); anova(lm(f1, d0), lm(f2, d0))
    >>> print(res.table[["step", "r2", "delta_r2", "f_change", "p_value"]].round(3).to_string(index=False))
     step    r2  delta_r2  f_change  p_value
        1 0.010     0.010     1.535    0.217
        2 0.198     0.188    22.927    0.000
    """
    if isinstance(formulas, str) or len(formulas) < 2:
        raise DataValidationError(
            "regress_steps needs a list of at least two formulas, smallest model first"
        )
    level = _check_ci_level(ci_level)
    se = check_se_type(se, cluster)
    cols: list[str] = []
    for f in formulas:
        lhs, rhs = check_formula_columns(df, f, "regress_steps")
        cols += lhs + rhs
    if se == "cluster":
        check_cluster_column(df, cluster, "regress_steps")
        cols.append(cluster)
    data, report = complete_cases(df, cols, "regress_steps")
    notes = _notes_from_report(report)
    steps = []
    for f in formulas:
        design = build_design(df, f, what="regress_steps", data=data, report=report)
        steps.append(
            _ols_from_design(
                design,
                se=se,
                cluster=cluster,
                cluster_values=data[cluster].to_numpy() if se == "cluster" else None,
                standardize=standardize,
                ci_level=level,
                notes=notes,
            )
        )
    return compare_models(*steps)


# --------------------------------------------------------------------------------------------
# logistic regression
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LogitResult(ResultMixin):
    """Result of :func:`logit` (binary logistic regression).

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, se, z, ci_low, ci_high, p_value, odds_ratio, or_ci_low, or_ci_high``.
    loglik, loglik_null, aic, bic : float
    mcfadden_r2, nagelkerke_r2, cox_snell_r2 : float
    lr_chi2, lr_df, lr_p_value : float
        Likelihood-ratio test against the intercept-only model.
    n, n_dropped : int
    se_type : str
    outcome_coding : str
        Which value of the outcome was coded 1.
    vcov : DataFrame
    model : statsmodels BinaryResults
    notes : tuple of str
    """

    table: pd.DataFrame
    formula: str
    response: str
    loglik: float
    loglik_null: float
    aic: float
    bic: float
    mcfadden_r2: float
    nagelkerke_r2: float
    cox_snell_r2: float
    lr_chi2: float
    lr_df: float
    lr_p_value: float
    n: int
    n_dropped: int
    se_type: str
    cluster: str | None
    ci_level: float
    outcome_coding: str
    vcov: pd.DataFrame = field(repr=False)
    model: Any = field(repr=False)
    design: Design = field(repr=False)
    notes: tuple[str, ...] = ()
    method: str = "logistic regression (ML)"

    _title: ClassVar[str] = "Logistic regression"

    def _meta(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "outcome": self.outcome_coding,
            "se": self.se_type + (f" (clusters: {self.cluster})" if self.cluster else ""),
            "n": self.n,
            "n_dropped": self.n_dropped,
            "log-likelihood": self.loglik,
            "AIC": self.aic,
            "LR chi2": f"{format_number(self.lr_chi2, 3)} on {format_number(self.lr_df)} df, "
            f"p = {format_number(self.lr_p_value)}",
            "McFadden R2": self.mcfadden_r2,
            "Nagelkerke R2": self.nagelkerke_r2,
        }

    def summary(self, digits: int = 4) -> str:
        """Readable text: model line, fit statistics, the coefficient table and notes."""
        return _summary_text(self, digits, [("", self.table)])

    def plot(self, ax=None, **kwargs):
        """Forest plot of the coefficients (log-odds; ``odds_ratio=True`` for ORs on a log axis)."""
        plot_coefficients = figure("coefficients.plot_coefficients")

        return plot_coefficients(self, ax=ax, **kwargs)


def _binary_outcome(
    df: pd.DataFrame, formula: str, lhs: list[str]
) -> tuple[pd.DataFrame, str, str]:
    """Recode a two-valued outcome column to 0/1; returns (data, formula, coding note)."""
    lhs_expr = formula.split("~", 1)[0].strip()
    if len(lhs) != 1 or lhs_expr not in (lhs[0], f'Q("{lhs[0]}")', f"Q('{lhs[0]}')"):
        return df, formula, f"{lhs_expr} (as computed by the formula)"
    col = lhs[0]
    values = [  # plain Python values, so the coding note reads True, not np.True_
        v.item() if isinstance(v, np.generic) else v for v in pd.unique(df[col].dropna())
    ]
    if len(values) != 2:
        shown = ", ".join(map(repr, sorted(values, key=str)[:10]))
        raise DataValidationError(
            f"logit: the outcome '{col}' must have exactly two values (0/1, True/False or two "
            f"labels); it has {len(values)}: {shown}{' ...' if len(values) > 10 else ''}. "
            "Recode it, e.g. df['y'] = (df['score'] >= cutoff).astype(int)"
        )
    try:
        ordered = sorted(values)
    except TypeError:
        ordered = sorted(values, key=str)
    plain_numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(
        df[col]
    )
    if plain_numeric and _all_numeric(ordered) and {float(v) for v in ordered} == {0.0, 1.0}:
        return df, formula, f"{col} = 1"
    # two labels, or bool / nullable boolean (False < True, so True is coded 1)
    out = df.copy()
    coded = (df[col] == ordered[1]).to_numpy(dtype=float, na_value=np.nan)
    out[col] = pd.Series(coded, index=df.index).where(df[col].notna().to_numpy())
    return out, formula, f"{col} = {ordered[1]!r} coded 1 (vs {ordered[0]!r})"


def _all_numeric(values) -> bool:
    try:
        [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    return True


def _separating_terms(X: pd.DataFrame, y: np.ndarray, params: np.ndarray) -> list[str]:
    """Predictors that (quasi-)separate the outcome on their own, else the exploding ones."""
    names = []
    for j, c in enumerate(X.columns):
        x = X.iloc[:, j].to_numpy()
        if np.ptp(x) == 0:
            continue
        x0, x1 = x[y == 0], x[y == 1]
        if x0.max() <= x1.min() or x1.max() <= x0.min():
            names.append(c)
    if not names:
        sd = X.std(ddof=1).to_numpy()
        scaled = np.abs(params * sd)
        names = [c for c, s, v in zip(X.columns, scaled, sd, strict=True) if v > 0 and s > 10]
    return names


def logit(
    df: pd.DataFrame,
    formula: str,
    *,
    se: str = "classical",
    cluster: str | None = None,
    ci_level: float = 0.95,
) -> LogitResult:
    """Binary logistic regression from a formula (R's ``glm(family = binomial)``).

    Parameters
    ----------
    df : DataFrame
    formula : str
        ``"outcome ~ predictors"``. The outcome must have exactly two values: 0/1 is used as is,
        a bool (or nullable ``boolean``) outcome is coded True = 1; any other pair is recoded
        with the larger (sorted) value as 1. The coding is reported in ``outcome_coding``. An
        expression such as ``I(gender == 2)`` also works.
    se : {"classical", "HC0", "HC1", "HC2", "HC3", "HC4", "cluster"}
        Model-based SEs (default) or sandwich SEs as ``sandwich::vcovHC``/``vcovCL(type="HC1")``
        for a ``glm``.
    cluster : str, optional
        Cluster column for ``se="cluster"``.
    ci_level : float

    Returns
    -------
    LogitResult
        ``.table`` (``term, estimate, se, z, ci_low, ci_high, p_value, odds_ratio, or_ci_low,
        or_ci_high``), ``.loglik``, ``.aic``, ``.mcfadden_r2``, ``.nagelkerke_r2``, ``.n``.

    Raises
    ------
    DataValidationError
        Unknown column; an outcome without exactly two values; missing cluster ids.
    ModelError
        Perfect or quasi-perfect separation (names the predictors); collinear predictors; fewer
        rows than parameters.

    Notes
    -----
    Wald tests :math:`z = b/SE` and Wald CIs :math:`b \\pm z_{1-\\alpha/2} SE` (R's
    ``confint.default``; R's ``confint(glm)`` profiles the likelihood instead). Odds ratios
    :math:`e^{b}` with CI :math:`e^{ci}`. McFadden :math:`R^2 = 1 - \\ell/\\ell_0`; Cox-Snell
    :math:`1 - e^{2(\\ell_0 - \\ell)/n}`; Nagelkerke = Cox-Snell / :math:`(1 - e^{2\\ell_0/n})`.
    Robust SEs use the score residuals :math:`y - \\hat p` and the weighted hat values, as
    ``sandwich`` does for a ``glm``.

    References
    ----------
    Nagelkerke, N. J. D. (1991). A note on a general definition of the coefficient of
    determination. *Biometrika, 78*, 691-692.

    Examples
    --------
    Study 3 on the bundled data: is a mentee hired within six months, given the raters'
    hireability score?

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study3")
    >>> d = raw.join(ld.score(raw, "hireability").scores)
    >>> res = ld.logit(d, "hired_6m ~ hireability")  # R: glm(hired_6m ~ hireability, binomial, d)
    >>> print(res.table[["term", "estimate", "se", "odds_ratio"]].round(3).to_string(index=False))
           term  estimate    se  odds_ratio
      Intercept    -3.368 0.385       0.034
    hireability     0.675 0.077       1.965
    >>> res.n, res.n_dropped
    (634, 1)
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    level = _check_ci_level(ci_level)
    se = check_se_type(se, cluster)
    lhs, _ = check_formula_columns(df, formula, "logit")
    extra: list[str] = []
    if se == "cluster":
        check_cluster_column(df, cluster, "logit")
        extra = [cluster]
    data_in, formula, coding = _binary_outcome(df, formula, lhs)
    design = build_design(data_in, formula, extra_columns=extra, what="logit")
    if se == "cluster":
        check_cluster_count(design.data[cluster].to_numpy(), cluster, "logit")
    X, y = design.X, design.y.to_numpy()
    uniq = np.unique(y)
    if not set(uniq) <= {0.0, 1.0} or len(uniq) != 2:
        raise DataValidationError(
            f"logit: the outcome '{design.response}' must take two values coded 0/1 in the rows "
            f"used; found {list(uniq[:10])}. Recode it to 0/1"
        )
    check_design(X, "logit")
    n, p = X.shape
    sep_warn = False
    other: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Newton's absolute tolerance and ridge are not scale-invariant: solve on the
            # column-scaled design first, then polish on the user's scale from that solution
            scale = np.abs(X).max().to_numpy()
            start = sm.Logit(y, X / scale).fit(disp=0, method="newton", maxiter=100).params
            fit = sm.Logit(y, X).fit(
                disp=0, method="newton", maxiter=100, start_params=start.to_numpy() / scale
            )
        except (PerfectSeparationError, np.linalg.LinAlgError):
            fit = None
            sep_warn = True
    for w in caught:
        if issubclass(w.category, PerfectSeparationWarning):
            sep_warn = True
        elif issubclass(w.category, ConvergenceWarning | HessianInversionWarning | RuntimeWarning):
            other.append(str(w.message))
    params = np.asarray(fit.params) if fit is not None else np.zeros(p)
    eta = X.to_numpy() @ params
    converged = fit is not None and bool(fit.mle_retvals.get("converged", True))
    if sep_warn or not converged or np.max(np.abs(eta)) > 30:
        bad = _separating_terms(X, y, params)
        if bad or sep_warn:
            raise ModelError(
                "logit: perfect or quasi-perfect separation - the outcome is (almost) perfectly "
                f"predicted by {', '.join(map(repr, bad)) if bad else 'a combination of predictors'}, "
                "so the maximum-likelihood estimates go to infinity. Drop or merge that predictor "
                "(e.g. collapse sparse categories), or use a penalised (Firth) logistic regression"
            )
        warnings.warn(
            "logit: the fit did not converge; "
            + ("; ".join(other) if other else "check the predictors' scales")
            + ". Rescale predictors or simplify the model",
            ModelWarning,
            stacklevel=2,
        )
    Xa = X.to_numpy()
    phat = np.asarray(fit.predict())
    w = phat * (1 - phat)
    bread = np.linalg.inv(Xa.T @ (Xa * w[:, None]))
    if se == "classical":
        V = bread
    else:
        hat = w * np.einsum("ij,jk,ik->i", Xa, bread, Xa)
        V = sandwich_vcov(
            Xa, y - phat, bread, se, hat=hat,
            groups=design.data[cluster].to_numpy() if se == "cluster" else None,
        )  # fmt: skip
    se_v = np.sqrt(np.diag(V))
    z = params / se_v
    zcrit = stats.norm.ppf(0.5 + level / 2)
    lo, hi = params - zcrit * se_v, params + zcrit * se_v
    table = pd.DataFrame(
        {
            "term": list(X.columns),
            "estimate": params,
            "se": se_v,
            "z": z,
            "ci_low": lo,
            "ci_high": hi,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "odds_ratio": np.exp(params),
            "or_ci_low": np.exp(lo),
            "or_ci_high": np.exp(hi),
        }
    )
    ll, ll0 = float(fit.llf), float(fit.llnull)
    cox = 1 - np.exp(2 * (ll0 - ll) / n)
    nagel = cox / (1 - np.exp(2 * ll0 / n))
    lr = 2 * (ll - ll0)
    lr_df = float(fit.df_model)
    notes = _notes_from_report(design.report)
    if se != "classical":
        notes.append(
            f"{se} sandwich SEs (sandwich::vcov{'CL' if se == 'cluster' else 'HC'} for a glm)"
        )
    notes.append("Wald z tests and Wald confidence intervals (R: confint.default)")
    names = list(X.columns)
    return LogitResult(
        table=table,
        formula=design.formula,
        response=design.response,
        loglik=ll,
        loglik_null=ll0,
        aic=float(-2 * ll + 2 * p),
        bic=float(-2 * ll + np.log(n) * p),
        mcfadden_r2=float(1 - ll / ll0),
        nagelkerke_r2=float(nagel),
        cox_snell_r2=float(cox),
        lr_chi2=float(lr),
        lr_df=lr_df,
        lr_p_value=float(stats.chi2.sf(lr, lr_df)) if lr_df > 0 else float("nan"),
        n=int(n),
        n_dropped=int(design.report.n_dropped),
        se_type=se,
        cluster=cluster,
        ci_level=level,
        outcome_coding=coding,
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=fit,
        design=design,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# linear mixed models
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MixedResult(ResultMixin):
    """Result of :func:`mixed` (linear mixed model, lme4 conventions).

    Attributes
    ----------
    table : DataFrame
        Fixed effects: ``term, estimate, se, df, t, ci_low, ci_high, p_value`` (Satterthwaite
        df, the default) or ``term, estimate, se, z, ci_low, ci_high, p_value`` (``ddf="wald"``).
    variance_components : DataFrame
        ``group, var1, var2, vcov, sdcor`` like lme4's ``as.data.frame(VarCorr(fit))``: variances
        (``var2`` missing), covariances (``sdcor`` = correlation), then the residual.
    icc, icc2 : float
        ICC(1) and ICC(2) from the intercept-only (null) model on the same rows and groups.
    reml_loglik : float
        REML log-likelihood (NaN for an ML fit); ``loglik`` is the criterion actually maximised.
    n, n_groups, n_dropped : int
    groups, re_formula, formula : str
    reml : bool
    vcov : DataFrame
        :math:`(X'V^{-1}X)^{-1}` of the fixed effects.
    model : statsmodels MixedLMResults
    notes : tuple of str
    ddf : str
        ``"satterthwaite"`` (t tests) or ``"wald"`` (z tests).
    """

    table: pd.DataFrame
    variance_components: pd.DataFrame
    formula: str
    groups: str
    re_formula: str | None
    reml: bool
    icc: float
    icc2: float
    reml_loglik: float
    loglik: float
    n: int
    n_groups: int
    n_dropped: int
    mean_group_size: float
    ci_level: float
    vcov: pd.DataFrame = field(repr=False)
    model: Any = field(repr=False)
    notes: tuple[str, ...] = ()
    method: str = "linear mixed model"
    ddf: str = "satterthwaite"

    _title: ClassVar[str] = "Linear mixed model"

    def _meta(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "random effects": f"{self.re_formula or '~1'} | {self.groups}",
            "method": "REML" if self.reml else "ML",
            "tests": "t, Satterthwaite df" if self.ddf == "satterthwaite" else "Wald z",
            "n": self.n,
            "n_groups": self.n_groups,
            "n_dropped": self.n_dropped,
            "log-likelihood": self.loglik,
            "ICC(1)": self.icc,
            "ICC(2)": self.icc2,
        }

    def summary(self, digits: int = 4) -> str:
        """Readable text: fixed effects, variance components, ICCs and notes."""
        return _summary_text(
            self,
            digits,
            [("Fixed effects:", self.table), ("Random effects:", self.variance_components)],
        )

    def _repr_html_(self) -> str:
        from .._core.results import table_to_html

        base = super()._repr_html_()
        return base.replace(
            "</div>",
            "<p>Random effects:</p>" + table_to_html(self.variance_components) + "</div>",
        )

    def plot(self, ax=None, **kwargs):
        """Forest plot of the fixed effects."""
        plot_coefficients = figure("coefficients.plot_coefficients")

        return plot_coefficients(self, ax=ax, **kwargs)


def _fit_mixedlm(model, reml: bool):
    """Fit a statsmodels MixedLM, retrying other optimisers; returns (fit, warning messages)."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    best, best_msgs = None, None
    for method in (None, ["lbfgs"], ["bfgs"], ["nm", "bfgs"]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = model.fit(reml=reml, method=method) if method else model.fit(reml=reml)
            except (np.linalg.LinAlgError, ValueError) as exc:
                caught.append(warnings.WarningMessage(str(exc), ConvergenceWarning, "", 0))
                fit = None
        msgs = [
            str(w.message)
            for w in caught
            if issubclass(w.category, ConvergenceWarning | RuntimeWarning | UserWarning)
        ]
        if fit is not None and not np.isfinite(fit.llf):  # singular fit (e.g. llf = +inf)
            fit = None
        if fit is not None and (best is None or fit.llf > best.llf + 1e-8):
            best, best_msgs = fit, msgs
        if fit is not None and fit.converged and not msgs:
            return fit, []
    if best is None:
        raise ModelError(
            "mixed: the model could not be estimated; simplify the random effects (e.g. drop the "
            "random slope), rescale predictors, or check that groups have several observations"
        )
    return best, best_msgs or (
        ["the optimiser did not report convergence"] if not best.converged else []
    )


def _lme4_vcov(fit) -> np.ndarray:
    """(sum_i X_i' V_i^{-1} X_i)^{-1} with V_i = Z_i G Z_i' + sigma^2 I at the estimates."""
    model = fit.model
    G = np.asarray(fit.cov_re)
    s2 = float(fit.scale)
    p = model.exog.shape[1]
    A = np.zeros((p, p))
    for Xi, Zi in zip(model.exog_li, model.exog_re_li, strict=True):
        Vi = Zi @ G @ Zi.T + s2 * np.eye(Xi.shape[0])
        A += Xi.T @ np.linalg.solve(Vi, Xi)
    return np.linalg.inv(A)


def mixed(
    df: pd.DataFrame,
    formula: str,
    *,
    groups: str,
    re_formula: str | None = None,
    reml: bool = True,
    ci_level: float = 0.95,
    ddf: str = "satterthwaite",
) -> MixedResult:
    """Linear mixed model with random intercepts (and slopes) per group, lme4 conventions.

    Parameters
    ----------
    df : DataFrame
    formula : str
        Fixed part, e.g. ``"hireability ~ downward + mentee_gpa"``.
    groups : str
        Grouping column (e.g. ``"mentor_id"``): R's ``(1 | mentor_id)``.
    re_formula : str, optional
        Random part, e.g. ``"~Days"`` for ``(Days | Subject)`` (correlated intercept and slope).
        Default: random intercept only.
    reml : bool
        REML (default, as ``lmer``) or ML (for likelihood-ratio tests of fixed effects).
    ci_level : float
    ddf : {"satterthwaite", "wald"}
        Tests of the fixed effects: t tests with Satterthwaite degrees of freedom (default, as
        ``lmerTest``), or Wald z tests (``"wald"``, as ``lme4``'s t values read against the
        normal distribution).

    Returns
    -------
    MixedResult
        ``.table`` (fixed effects: ``term, estimate, se, df, t, ci_low, ci_high, p_value``;
        with ``ddf="wald"`` a ``z`` column instead of ``df`` and ``t``), ``.variance_components``,
        ``.icc``, ``.icc2``,
        ``.reml_loglik``, ``.n``, ``.n_groups``, ``.n_dropped``.

    Raises
    ------
    DataValidationError
        Unknown column (formula, ``re_formula`` or ``groups``).
    ModelError
        The model cannot be estimated; fewer than two groups; as lme4: one row per group (as
        many groups as rows), or with ``re_formula`` no more rows than random effects.

    Warns
    -----
    ModelWarning
        The optimiser did not converge or the fit is on the boundary (a variance of zero, lme4's
        "singular fit").

    Notes
    -----
    Estimation by statsmodels' ``MixedLM``. Fixed-effect SEs follow lme4 (and SAS/SPSS MIXED):
    :math:`\\sqrt{\\mathrm{diag}((X'V^{-1}X)^{-1})}` with
    :math:`V = \\mathrm{blockdiag}(Z_j G Z_j' + \\sigma^2 I)` at the (RE)ML variance estimates,
    computed here; statsmodels' ``bse_fe`` equals it on balanced data but differs (third or fourth significant digit)
    on unbalanced groups.

    Tests and CIs use t distributions with Satterthwaite degrees of freedom, as ``lmerTest``
    (Kuznetsova et al., 2017): for coefficient j,
    :math:`\\nu_j = 2 C_{jj}^2 / (g_j' A g_j)` with :math:`C = (X'V^{-1}X)^{-1}`,
    :math:`g_j = \\partial C_{jj} / \\partial\\theta` and :math:`A = 2 H^{-1}` the asymptotic
    covariance of the variance parameters :math:`\\theta` (H: Hessian of the deviance), both by
    numerical differentiation. On sleepstudy they reproduce lmerTest (22.81 and 161.0 for the
    random-intercept model, 17.0 for both effects with a random slope). With few groups they
    keep the Type I error near its nominal level where Wald z tests do not (Luke, 2017).

    ICC(1) :math:`= \\tau^2_{00} / (\\tau^2_{00} + \\sigma^2)` from the REML null model
    ``y ~ 1 + (1 | groups)`` on the same rows. ICC(2) :math:`= k\\,ICC(1) / (1 + (k-1) ICC(1))`
    (Bliese, 2000), the reliability of group means, with :math:`k` the mean group size.

    References
    ----------
    Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software, 67*(1).
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In Klein &
    Kozlowski (Eds.), *Multilevel theory, research, and methods in organizations* (pp. 349-381).
    Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: Tests in
    linear mixed effects models. *Journal of Statistical Software, 82*(13).
    Luke, S. G. (2017). Evaluating significance in linear mixed-effects models in R. *Behavior
    Research Methods, 49*, 1494-1502.

    Examples
    --------
    Study 3 on the bundled data: mentees nested in mentors, mentor engagement predicting the
    mentee's hireability with a random intercept per mentor.

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study3")
    >>> d = raw.join(ld.score(raw, ["mentor_engagement", "hireability"]).scores)
    >>> res = ld.mixed(d, "hireability ~ mentor_engagement", groups="mentor_id")
    >>> # R: lme4::lmer(hireability ~ mentor_engagement + (1 | mentor_id), d, REML = TRUE)
    >>> print(res.table[["term", "estimate", "se"]].round(3).to_string(index=False))
                 term  estimate    se
            Intercept     3.651 0.276
    mentor_engagement     0.232 0.055
    >>> round(res.icc, 3), res.n, res.n_dropped
    (0.153, 634, 1)

    A random slope, as ``lme4::lmer(y ~ x + (x | g))``, is ``re_formula="~x"``.
    """
    import statsmodels.formula.api as smf

    level = _check_ci_level(ci_level)
    ddf_key = str(ddf).lower()
    if ddf_key not in ("satterthwaite", "wald"):
        raise ModelError(f"ddf must be 'satterthwaite' (lmerTest) or 'wald' (z tests); got {ddf!r}")
    if not isinstance(groups, str):
        raise DataValidationError(
            f"groups must be a column name such as 'mentor_id', got {groups!r}"
        )
    lhs, rhs = check_formula_columns(df, formula, "mixed")
    require_columns(df, [groups], "mixed (groups)")
    re_vars: list[str] = []
    if re_formula is not None:
        ref = re_formula.strip()
        if not ref.startswith("~"):
            raise DataValidationError(
                f"re_formula must start with '~', e.g. '~Days'; got {re_formula!r}"
            )
        _, re_vars = formula_variables("_y_ " + ref)
        require_columns(df, re_vars, "mixed (re_formula)")
    data, report = complete_cases(df, [*lhs, *rhs, *re_vars, groups], "mixed")
    n_groups = int(data[groups].nunique())
    if n_groups < 2:
        raise ModelError(
            f"mixed: the groups column '{groups}' has {n_groups} group(s) in the complete rows; a "
            "mixed model needs several groups"
        )
    if n_groups >= len(data):  # lme4's check.nobs.vs.nlev
        raise ModelError(
            f"mixed: the groups column '{groups}' has {n_groups} groups for {len(data)} complete "
            "rows, so every group has a single row and the group variance cannot be told apart "
            "from the residual variance (lme4: the number of levels of each grouping factor must "
            "be < the number of observations). Check that the groups column is right (not a row "
            "id); with one row per group use ld.regress()"
        )
    design = build_design(data, formula, what="mixed", data=data, report=report)
    check_design(design.X, "mixed")
    model = smf.mixedlm(formula, data, groups=data[groups], re_formula=re_formula)
    n_re = n_groups * int(model.k_re)
    if re_formula is not None and len(data) <= n_re:  # lme4's check.nobs.vs.nRE
        raise ModelError(
            f"mixed: {len(data)} complete rows but {n_re} random effects ({model.k_re} per group "
            f"of '{groups}' for '{re_formula}'); the random effects and the residual variance "
            "cannot be told apart (lme4 refuses this too). Drop the random slope "
            "(re_formula=None) or use groups with more rows"
        )
    fit, msgs = _fit_mixedlm(model, reml)
    notes = _notes_from_report(report)
    if msgs:
        warnings.warn(
            "mixed: " + "; ".join(dict.fromkeys(msgs)) + ". The estimates may be unreliable: "
            "rescale predictors, simplify the random effects (drop a random slope or its "
            "correlation), or check groups with very few observations",
            ModelWarning,
            stacklevel=2,
        )
        notes.append("estimation warnings: " + "; ".join(dict.fromkeys(msgs)))
    V = _lme4_vcov(fit)
    names = [n for n in design.X.columns]
    est = np.asarray(fit.fe_params)
    se_v = np.sqrt(np.diag(V))
    stat = est / se_v
    if ddf_key == "wald":
        crit = stats.norm.ppf(0.5 + level / 2)
        table = pd.DataFrame(
            {
                "term": names,
                "estimate": est,
                "se": se_v,
                "z": stat,
                "ci_low": est - crit * se_v,
                "ci_high": est + crit * se_v,
                "p_value": 2 * stats.norm.sf(np.abs(stat)),
            }
        )
        test_note = "Wald z tests"
    else:
        from ._satterthwaite import satterthwaite_df

        dfs = satterthwaite_df(fit, bool(reml))
        test_note = "t tests with Satterthwaite df (lmerTest)"
        if not np.all(np.isfinite(dfs)):
            bad = [nm for nm, d in zip(names, dfs, strict=True) if not np.isfinite(d)]
            notes.append(
                "Satterthwaite df could not be computed for "
                + ", ".join(bad)
                + " (the deviance is not curved at the estimates); Wald z tests used for them"
            )
            dfs = np.where(np.isfinite(dfs), dfs, np.inf)
        crit = stats.t.ppf(0.5 + level / 2, dfs)
        table = pd.DataFrame(
            {
                "term": names,
                "estimate": est,
                "se": se_v,
                "df": dfs,
                "t": stat,
                "ci_low": est - crit * se_v,
                "ci_high": est + crit * se_v,
                "p_value": 2 * stats.t.sf(np.abs(stat), dfs),
            }
        )
    # variance components, lme4 order: variances, covariances, residual
    cov_re = np.asarray(fit.cov_re)
    re_names = ["Intercept" if nm == groups or nm == "Group" else nm for nm in fit.cov_re.index]
    rows = []
    for i, a in enumerate(re_names):
        rows.append((groups, a, None, cov_re[i, i], np.sqrt(cov_re[i, i])))
    for i in range(len(re_names)):
        for j in range(i + 1, len(re_names)):
            denom = np.sqrt(cov_re[i, i] * cov_re[j, j])
            rows.append(
                (
                    groups,
                    re_names[i],
                    re_names[j],
                    cov_re[i, j],
                    cov_re[i, j] / denom if denom > 0 else np.nan,
                )
            )
    rows.append(("Residual", None, None, float(fit.scale), np.sqrt(float(fit.scale))))
    cols = list(zip(*rows, strict=True))
    vc = pd.DataFrame(
        {
            "group": pd.Series(cols[0], dtype=object),
            "var1": pd.Series(cols[1], dtype=object),  # None where lme4 shows NA
            "var2": pd.Series(cols[2], dtype=object),
            "vcov": np.asarray(cols[3], dtype=float),
            "sdcor": np.asarray(cols[4], dtype=float),
        }
    )
    # ICC from the null model on the same rows
    import statsmodels.api as sm

    null = sm.MixedLM(design.y.to_numpy(), np.ones((len(data), 1)), groups=data[groups].to_numpy())
    nfit, _ = _fit_mixedlm(null, True)
    tau2 = float(np.asarray(nfit.cov_re)[0, 0])
    icc1 = tau2 / (tau2 + float(nfit.scale))
    k = len(data) / n_groups
    icc2 = k * icc1 / (1 + (k - 1) * icc1)
    notes.append(
        f"fixed-effect SEs = sqrt(diag((X'V^-1X)^-1)) at the variance estimates (lme4); {test_note}"
    )
    return MixedResult(
        table=table,
        variance_components=vc,
        formula=formula,
        groups=groups,
        re_formula=re_formula,
        reml=bool(reml),
        icc=float(icc1),
        icc2=float(icc2),
        reml_loglik=float(fit.llf) if reml else float("nan"),
        loglik=float(fit.llf),
        n=len(data),
        n_groups=n_groups,
        n_dropped=int(report.n_dropped),
        mean_group_size=float(k),
        ci_level=level,
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=fit,
        notes=tuple(notes),
        ddf=ddf_key,
    )
