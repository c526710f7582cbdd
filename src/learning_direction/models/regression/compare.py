"""Hierarchical (nested) OLS regression: Delta R^2 and the F change of each step.

:func:`regress_steps` fits every step on the complete cases of all steps; :func:`compare_models`
compares OLS results already fitted on the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from scipy import stats

from ..._core.data import complete_cases
from ..._core.plotting import figure
from ..._core.results import ResultMixin
from ...exceptions import DataValidationError, ModelError
from .._design import build_design, check_cluster_column, check_formula_columns, check_se_type
from ._summary import check_ci_level, notes_from_report
from .ols import RegressionResult, ols_from_design

__all__ = ["ModelComparisonResult", "compare_models", "regress_steps"]


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

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
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
    >>> d = d.dropna(subset=["upward", "lateral", "downward", "mentor_engagement"])  # same rows
    >>> step1 = ld.regress(d, "mentor_engagement ~ age + tenure")
    >>> step2 = ld.regress(d, "mentor_engagement ~ age + tenure + downward + upward + lateral")
    >>> comp = ld.compare_models(step1, step2)  # R: anova(lm(f1, d), lm(f2, d))
    >>> print(comp.table[["step", "delta_r2", "f_change", "df1", "df2"]].round(3).to_string(index=False))
     step  delta_r2  f_change  df1  df2
        1     0.010     1.424    2  280
        2     0.247    30.651    3  277
    """
    if len(results) == 1 and isinstance(results[0], list | tuple):
        results = tuple(results[0])
    _check_nested(results)
    base = results[0]
    return ModelComparisonResult(
        table=pd.DataFrame([_step_row(results, i) for i in range(len(results))]),
        steps=tuple(results),
        n=base.n,
        n_dropped=base.n_dropped,
        notes=tuple(base.notes[:1]) if base.n_dropped else (),
    )


def _check_nested(results: Sequence[object]) -> None:
    """Two or more OLS results on the same rows, each containing the previous one."""
    if len(results) < 2:
        raise ModelError("compare_models needs at least two fitted models (smallest first)")
    for i, r in enumerate(results):
        if not isinstance(r, RegressionResult):
            raise ModelError(
                f"compare_models: model {i + 1} is a {type(r).__name__}, not an OLS result of ld.regress()"
            )
    fits = [r for r in results if isinstance(r, RegressionResult)]
    base = fits[0]
    for i, r in enumerate(fits[1:], start=2):
        if r.n != base.n or not r.rows.equals(base.rows):
            raise ModelError(
                f"compare_models: model {i} ('{r.formula}', n = {r.n}) was fitted on different rows "
                f"than model 1 ('{base.formula}', n = {base.n}), so R^2 values are not comparable. "
                "Fit every step on the complete cases of the largest model, e.g. "
                "ld.regress_steps(df, [formula1, formula2])"
            )
        prev = fits[i - 2]
        missing = [c for c in prev.design.X.columns if c not in r.design.X.columns]
        if missing or r.design.response != base.design.response:
            raise ModelError(
                f"compare_models: model {i} ('{r.formula}') does not contain model {i - 1} "
                f"('{prev.formula}')"
                + (f": missing {missing}" if missing else ": different outcome")
                + "; hierarchical steps must add predictors to the same outcome"
            )


def _step_row(results: Sequence[RegressionResult], i: int) -> dict[str, Any]:
    """Delta R^2 and F change of step ``i`` against step ``i - 1`` (step 0: the null model)."""
    r = results[i]
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
    return {
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
        1 0.010     0.010     1.424    0.242
        2 0.257     0.247    30.651    0.000
    """
    if isinstance(formulas, str) or len(formulas) < 2:
        raise DataValidationError(
            "regress_steps needs a list of at least two formulas, smallest model first"
        )
    level = check_ci_level(ci_level)
    se = check_se_type(se, cluster)
    cols: list[str] = []
    for f in formulas:
        lhs, rhs = check_formula_columns(df, f, "regress_steps")
        cols += lhs + rhs
    clustered = cluster is not None and se == "cluster"
    if clustered:
        check_cluster_column(df, str(cluster), "regress_steps")
        cols.append(str(cluster))
    data, report = complete_cases(df, cols, "regress_steps")
    notes = notes_from_report(report)
    steps = []
    for f in formulas:
        design = build_design(df, f, what="regress_steps", data=data, report=report)
        steps.append(
            ols_from_design(
                design,
                se=se,
                cluster=cluster,
                cluster_values=data[cluster].to_numpy() if clustered else None,
                standardize=standardize,
                ci_level=level,
                notes=notes,
            )
        )
    return compare_models(*steps)
