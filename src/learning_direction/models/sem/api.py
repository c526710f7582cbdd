"""``fit_sem``: fit a model written in lavaan syntax by maximum likelihood, in one or two levels."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from ..._core.checks import check_level, choice
from ..._core.data import MissingReport, closest_columns, complete_cases, require_columns
from ...exceptions import DataValidationError, ModelError, ModelWarning
from . import engine
from .objective import SingleLevelObjective
from .partable import ParTable, build_partable, n_moments
from .result import SEMResult, SEMState
from .standardize import std_all
from .syntax import ParsedModel, parse_model
from .tables import (
    FitInputs,
    fit_table,
    parameter_names,
    parameter_table,
    srmr_single,
    srmr_two_level,
)

__all__ = ["fit_sem"]


@contextlib.contextmanager
def _single_thread_blas() -> Iterator[None]:
    """Small matrices: one BLAS thread is faster than several fighting over a busy machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def fit_sem(
    df: pd.DataFrame,
    model: str,
    *,
    cluster: str | None = None,
    se: str = "standard",
    information: str | None = None,
    ci_level: float = 0.95,
    fixed_x: bool = True,
    meanstructure: bool | None = None,
    estimator: str = "ML",
    missing: str = "listwise",
    group: str | None = None,
    max_iter: int = 500,
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax, by maximum likelihood.

    Parameters
    ----------
    df : DataFrame
        One row per observation (per level-1 unit in a two-level model).
    model : str
        lavaan model syntax: ``=~``, ``~``, ``~~``, ``~ 1``, ``:=``, ``==``, modifiers
        (``a*x``, ``0.5*x``, ``NA*x``, ``start(0.5)*x``), comments and ``level: 1`` /
        ``level: 2`` blocks (see :mod:`~learning_direction.models.sem.syntax`).
    cluster : str, optional
        Column of cluster ids; required for (and only for) a model with ``level:`` blocks.
    se : {"standard", "none"}
        Standard errors from the information matrix, or none.
    information : {"expected", "observed"}, optional
        Information matrix for the standard errors. Default as lavaan: ``"expected"`` for a
        single-level model, ``"observed"`` for a two-level model (the expected information is
        available for single-level models only).
    ci_level : float
        Level of the Wald confidence intervals.
    fixed_x : bool
        Treat exogenous observed covariates as fixed (lavaan's ``fixed.x = TRUE``): their
        moments are set to the sample values and not counted as parameters.
    meanstructure : bool, optional
        Model the means; default as lavaan (on when the syntax has an intercept or the model
        has two levels).
    estimator : {"ML"}
        Maximum likelihood (MLR is planned).
    missing : {"listwise"}
        Rows with a missing value in a model variable (or the cluster) are left out and
        counted in ``n_dropped`` (FIML is planned).
    group : None
        Multigroup models are planned; must be ``None``.
    max_iter : int
        Most Newton iterations of the optimiser.

    Returns
    -------
    SEMResult
        ``.table`` (estimates), ``.fit`` (fit measures), ``.vcov``, ``.summary()``.

    Raises
    ------
    ModelError
        Syntax errors (with the line), unsupported options, non-convergence.
    DataValidationError
        Variables missing from the data (with close matches), text columns, a level-2
        variable that changes within clusters or a level-1 variable that does not.

    Notes
    -----
    Single level, the estimates minimise the normal-theory discrepancy
    ``F = log|Sigma| + tr(S Sigma^-1) - log|S| - p + (m - mu)' Sigma^-1 (m - mu)`` with ``S``
    the covariance matrix with divisor ``N`` (Bollen 1989); the test statistic is ``N F``.
    Two levels, they maximise the exact likelihood of unbalanced clustered data in terms of
    the level-1 (within) and level-2 (between) implied moments (Muthén 1994; the likelihood
    lavaan uses, Rosseel 2021): variables at level 1 get a latent between part (latent cluster
    means, Lüdtke et al. 2008; Preacher, Zyphur & Zhang 2010), variables used only at level 2
    are between-only, variables used only at level 1 within-only. The saturated model is
    fitted by EM as lavaan does, and its moments are the fixed values of exogenous covariates.
    Standard errors invert ``N/2`` times the expected (or observed) Hessian of ``F``; the
    observed one is the five-point finite difference of the analytic gradient. Equality
    constraints (shared labels, linear ``==``) are imposed by reparameterisation.

    References
    ----------
    Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley.
    Lüdtke, O., et al. (2008). The multilevel latent covariate model. *Psychological Methods*,
    13, 203-229.
    Muthén, B. O. (1994). Multilevel covariance structure analysis. *Sociological Methods &
    Research*, 22, 376-398.
    Preacher, K. J., Zyphur, M. J., & Zhang, Z. (2010). A general multilevel SEM framework for
    assessing multilevel mediation. *Psychological Methods*, 15, 209-233.
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
    Statistical Software*, 48(2), 1-36.
    Rosseel, Y. (2021). Evaluating the observed log-likelihood function in two-level
    structural equation modeling with missing data. *Psychometrika*, 86, 1-24.

    Examples
    --------
    Downward learning direction -> learning opportunity -> engagement (Study 2A), with latent
    variables, as ``lavaan::sem(model, data = study2a)``:

    >>> import learning_direction as ld
    >>> from learning_direction.models.sem import fit_sem
    >>> model = '''
    ...     down =~ ld_down_1 + ld_down_2 + ld_down_3
    ...     opp  =~ lo_1 + lo_2 + lo_3 + lo_4
    ...     eng  =~ eng_1 + eng_2 + eng_3 + eng_4 + eng_5
    ...     opp ~ a*down
    ...     eng ~ b*opp + down
    ...     indirect := a*b
    ... '''
    >>> res = fit_sem(ld.load_dataset("study2a"), model)
    >>> res.table.loc[res.table.op == ":=", ["lhs", "estimate", "se"]].round(3)
             lhs  estimate     se
    30  indirect     0.142  0.042
    >>> res.fit[["chisq", "df", "cfi", "rmsea", "srmr"]].round(3)
        chisq  df  cfi  rmsea   srmr
    0  49.157  51  1.0    0.0  0.033
    >>> res.n, res.n_dropped
    (279, 121)

    A 2-2-1 design with latent cluster means (Study 3: mentor-level learning direction and
    engagement, mentee-level hireability), as
    ``lavaan::sem(model, data = study3, cluster = "mentor_id")``:

    >>> d = ld.load_dataset("study3")
    >>> d["down"] = d[["ld_down_1", "ld_down_2", "ld_down_3"]].mean(axis=1)
    >>> d["eng"] = d[["eng_1", "eng_2", "eng_3", "eng_4", "eng_5"]].mean(axis=1)
    >>> d["hire"] = d[["hire_1", "hire_2", "hire_3"]].mean(axis=1)
    >>> model = '''
    ... level: 1
    ...     hire ~~ hire
    ... level: 2
    ...     eng ~ a*down
    ...     hire ~ b*eng + down
    ...     indirect := a*b
    ... '''
    >>> res = fit_sem(d, model, cluster="mentor_id")
    >>> res.table[["lhs", "op", "rhs", "level", "estimate", "se"]].tail(3).round(3)
             lhs  op  rhs  level  estimate     se
    9       hire  ~1            2     3.533  0.298
    10      down  ~1            2     4.728  0.000
    11  indirect  :=  a*b      0     0.085  0.027
    """
    options = _check_options(se, information, ci_level, estimator, missing, group, cluster)
    parsed = parse_model(model)
    _check_levels(parsed, cluster)
    table = build_partable(parsed, fixed_x=fixed_x, meanstructure=meanstructure)
    data, report = _complete_rows(df, table, cluster)
    with _single_thread_blas(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _fit(table, data, report, cluster, options, max_iter, model)


def _check_options(
    se: object,
    information: object,
    ci_level: object,
    estimator: object,
    missing: object,
    group: object,
    cluster: str | None,
) -> dict[str, Any]:
    choice(estimator, "estimator", ["ML"])
    if isinstance(missing, str) and missing.lower() in ("fiml", "ml", "direct"):
        raise ModelError(
            f"missing='{missing}' (full-information ML) is not available yet; use "
            "missing='listwise' (rows with missing values are left out and counted)"
        )
    choice(missing, "missing", ["listwise"])
    if group is not None:
        raise ModelError("multigroup models (group=...) are not available yet; use group=None")
    se_kind = choice(se, "se", ["standard", "none"])
    default = "expected" if cluster is None else "observed"
    info = (
        default
        if information is None
        else choice(information, "information", ["expected", "observed"])
    )
    if cluster is not None and info == "expected":
        raise ModelError(
            "information='expected' is not available for two-level models; use the default "
            "'observed' (lavaan's default for two-level models)"
        )
    return {"se": se_kind, "information": info, "ci_level": check_level(ci_level)}


def _check_levels(parsed: ParsedModel, cluster: str | None) -> None:
    if parsed.levels and cluster is None:
        raise ModelError(
            "the model has 'level:' blocks: pass the column of cluster ids, e.g. "
            "fit_sem(df, model, cluster='mentor_id')"
        )
    if cluster is not None and not parsed.levels:
        raise ModelError(
            f"cluster='{cluster}' needs a two-level model: write the level-1 part under "
            "'level: 1' and the level-2 part under 'level: 2'"
        )
    if parsed.groups:
        raise ModelError("'group:' blocks need multigroup estimation, which is not available yet")


def _complete_rows(
    df: pd.DataFrame, table: ParTable, cluster: str | None
) -> tuple[pd.DataFrame, MissingReport]:
    require_columns(df, [cluster] if cluster else [], "fit_sem")
    observed = table.observed()
    lines = {r.lhs: r.line for r in table.rows if r.line} | {
        r.rhs: r.line for r in table.rows if r.line
    }
    absent = [v for v in observed if v not in df.columns]
    if absent:
        v = absent[0]
        close = closest_columns(v, df.columns)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise DataValidationError(
            f"model syntax line {lines.get(v, '?')}: '{v}' is not a column of the data{hint}. "
            "Observed variables must be columns; a latent variable must be defined with '=~'"
            + (f"; other missing: {', '.join(absent[1:])}" if len(absent) > 1 else "")
        )
    latent = [v for b in table.blocks for v in b.lv if v in df.columns]
    if latent:
        raise ModelError(
            f"'{latent[0]}' is defined as a latent variable ('=~') but is also a column of the "
            "data; rename the latent variable"
        )
    if cluster in observed:
        raise ModelError(f"the cluster column '{cluster}' cannot also be a model variable")
    for v in observed:
        if not (pd.api.types.is_numeric_dtype(df[v]) or pd.api.types.is_bool_dtype(df[v])):
            raise DataValidationError(
                f"column '{v}' is not numeric (dtype {df[v].dtype}); convert it, e.g. "
                f"pd.to_numeric(df['{v}'], errors='coerce')"
            )
    data, report = complete_cases(df, [*observed, *([cluster] if cluster else [])], "fit_sem")
    data = data.astype({v: float for v in observed})
    _check_variances(data, observed, table)
    return data, report


def _check_variances(data: pd.DataFrame, observed: tuple[str, ...], table: ParTable) -> None:
    if len(data) < 2:
        raise DataValidationError(f"fit_sem needs at least 2 complete rows, got {len(data)}")
    for v in observed:
        if float(data[v].var()) <= 0:
            raise DataValidationError(
                f"column '{v}' is constant in the {len(data)} complete rows; a constant cannot "
                "be modelled, remove it from the model"
            )
    if table.n_levels == 1:
        x = data.loc[:, list(observed)].to_numpy()
        if np.linalg.matrix_rank(np.cov(x, rowvar=False)) < len(observed):
            raise ModelError(
                "the sample covariance matrix of the model variables is singular (a variable is "
                "a linear combination of others, or there are fewer rows than variables); "
                "remove the redundant variable"
            )


def _fit(
    table: ParTable,
    data: pd.DataFrame,
    report: MissingReport,
    cluster: str | None,
    options: dict[str, Any],
    max_iter: int,
    model: str,
) -> SEMResult:
    prep = engine.prepare(table, data, cluster)
    fitted = engine.estimate(prep, max_iter=max_iter)
    notes = list(table.notes)
    if report.n_dropped:
        notes.append(report.reason)
    vcov_z = None
    if options["se"] == "standard":
        vcov_z = _vcov_z(fitted, options["information"], notes)
    param = prep.param
    vcov_theta = None if vcov_z is None else param.k @ vcov_z @ param.k.T
    blocks = list(prep.objective.blocks)
    std = std_all(table, blocks, fitted.values)
    est_table = parameter_table(
        param, fitted.values, vcov_theta, std, options["ci_level"], cluster is not None
    )
    fit = fit_table(_fit_inputs(fitted, cluster, notes))
    if any(b.ov_x for b in table.blocks):
        source = "their saturated two-level (EM) estimates" if cluster else "the sample values"
        notes.append(f"exogenous covariates: moments fixed at {source} (fixed.x), as lavaan does")
    return SEMResult(
        table=est_table,
        fit=fit,
        vcov=_vcov_frame(param, vcov_theta),
        partable=_partable_frame(table, fitted.values, est_table),
        implied=_implied(prep, fitted),
        n=len(data),
        n_dropped=report.n_dropped,
        model=model,
        n_clusters=int(data[cluster].nunique()) if cluster else None,
        se=options["se"],
        information=options["information"],
        ci_level=options["ci_level"],
        converged=fitted.optim.converged,
        iterations=fitted.optim.iterations,
        notes=tuple(notes),
        state=SEMState(param=param, z=fitted.z, vcov_z=vcov_z),
    )


def _vcov_z(fitted: engine.Fitted, kind: str, notes: list[str]) -> np.ndarray | None:
    info = engine.information(fitted, kind)
    w = np.linalg.eigvalsh(info) if info.size else np.ones(1)
    if not np.all(np.isfinite(w)) or w.min() <= 1e-10 * max(w.max(), 1.0):
        msg = (
            "the information matrix is singular: standard errors could not be computed (the "
            "model may not be identified)"
        )
        warnings.warn(msg, ModelWarning, stacklevel=4)
        notes.append(msg)
        return None
    return np.asarray(np.linalg.inv(info))


def _fit_inputs(fitted: engine.Fitted, cluster: str | None, notes: list[str]) -> FitInputs:
    prep = fitted.prepared
    obj = prep.objective
    loglik = obj.loglik(fitted.values) - prep.h1.loglik_x
    loglik_h1 = prep.h1.loglik - prep.h1.loglik_x
    try:
        base = engine.fit_baseline(prep)
        base_ll = base.prepared.objective.loglik(base.values) - prep.h1.loglik_x
        base_chisq = max(2 * (loglik_h1 - base_ll), 0.0)
        base_df = n_moments(prep.table) - base.prepared.param.nz
    except ModelError:
        notes.append("the baseline (independence) model did not converge: CFI and TLI are NA")
        base_chisq, base_df = math.nan, 0
    implied = obj.implied(fitted.values)
    if isinstance(obj, SingleLevelObjective):
        m = obj.moments
        srmr = srmr_single(
            [x.cov for x in m],
            [x.mean for x in m],
            [i.sigma for i in implied],
            [i.mu for i in implied],
            [x.n for x in m],
            prep.table.meanstructure,
        )
        within = between = math.nan
    else:
        within, between = srmr_two_level(
            [b.cov for b in prep.h1.blocks], [i.sigma for i in implied]
        )
        srmr = within + between
    return FitInputs(
        loglik=loglik,
        loglik_h1=loglik_h1,
        npar=prep.param.nz,
        n_moments=n_moments(prep.table),
        n=obj.n,
        groups=prep.table.n_groups,
        baseline_chisq=base_chisq,
        baseline_df=base_df,
        srmr=srmr,
        srmr_within=within,
        srmr_between=between,
        n_clusters=None if cluster is None else int(obj.data.n_clusters),  # type: ignore[union-attr]
    )


def _vcov_frame(param: Any, vcov_theta: np.ndarray | None) -> pd.DataFrame:
    names = parameter_names(param.table, param.free_rows)
    keep = [k for k, n in enumerate(names) if n not in names[:k]]
    labels = [names[k] for k in keep]
    if vcov_theta is None:
        return pd.DataFrame(np.nan, index=labels, columns=labels)
    return pd.DataFrame(vcov_theta[np.ix_(keep, keep)], index=labels, columns=labels)


def _partable_frame(table: ParTable, values: np.ndarray, est_table: pd.DataFrame) -> pd.DataFrame:
    frame = table.to_frame()
    frame["est"] = est_table["estimate"].to_numpy()
    frame["se"] = est_table["se"].to_numpy()
    return frame


def _implied(prep: engine.Prepared, fitted: engine.Fitted) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for block, imp in zip(
        prep.objective.blocks, prep.objective.implied(fitted.values), strict=True
    ):
        names = list(block.info.ov)
        key = "all" if prep.table.n_levels == 1 else f"level{block.info.level}"
        out[key] = {
            "cov": pd.DataFrame(imp.sigma, index=names, columns=names),
            "mean": pd.Series(imp.mu, index=names),
        }
    return out
