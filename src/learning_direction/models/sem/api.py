"""``sem``: fit a model written in lavaan syntax by maximum likelihood.

One level or two, one group or several, complete rows (listwise) or every row (FIML), ML or
robust ML (MLR). The options are checked in :mod:`.options`, the rows chosen in
:mod:`.sampledata`, the model fitted in :mod:`.fitting`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from ..._core.threads import single_blas_thread
from ...exceptions import ModelError
from .fitting import run
from .groupequal import apply_group_equal
from .options import FitOptions, check_options
from .partable import ParTable, build_partable
from .result import SEMResult
from .sampledata import group_labels, model_data
from .syntax import ParsedModel, parse_model

__all__ = ["fit_sem", "sem"]


def sem(
    df: pd.DataFrame,
    model: str,
    *,
    missing: str = "listwise",
    group: str | None = None,
    cluster: str | None = None,
    estimator: str = "ML",
    group_equal: Sequence[str] | str | None = None,
    group_partial: Sequence[str] | str | None = None,
    se: str | None = None,
    information: str | None = None,
    ci_level: float = 0.95,
    bootstrap: int | None = None,
    seed: int | None = None,
    fixed_x: bool = True,
    meanstructure: bool | None = None,
    max_iter: int = 500,
    baseline: bool = True,
) -> SEMResult:
    """Fit a structural equation model written in lavaan syntax, by maximum likelihood.

    The equivalent of ``lavaan::sem()`` (``cfa()`` for a measurement model) with lavaan's
    defaults, so that the estimates, standard errors and fit measures are lavaan's.

    Parameters
    ----------
    df : DataFrame
        One row per observation (per level-1 unit in a two-level model).
    model : str
        lavaan model syntax: ``=~``, ``~``, ``~~``, ``~ 1``, ``:=``, ``==``, modifiers
        (``a*x``, ``0.5*x``, ``NA*x``, ``start(0.5)*x``, one per group ``c(a1, a2)*x``),
        comments and ``level: 1`` / ``level: 2`` blocks (see
        :mod:`~learning_direction.models.sem.syntax`).
    missing : {"listwise", "fiml"}
        ``"listwise"``: rows with a missing model variable are left out (and counted).
        ``"fiml"`` (lavaan's ``missing = "ml"``): full-information ML on every row with at
        least one model variable; rows missing every variable, and (with ``fixed_x``) rows
        missing an exogenous covariate, are left out and counted, as lavaan does.
    group : str, optional
        Column of group labels: one model per group (lavaan's ``group =``), groups in order of
        first appearance; a label shared across groups (``a*x`` or ``c(a, a)*x``) makes the
        parameters equal.
    cluster : str, optional
        Column of cluster ids; required for (and only for) a model with ``level:`` blocks.
    estimator : {"ML", "MLR"}
        ``"MLR"``: ML estimates with Huber-White standard errors and the Yuan-Bentler scaled
        test (Mplus variant), with scaled and robust fit indices (lavaan's MLR).
    group_equal : str or list of str, optional
        Kinds of parameters equal across groups: ``"loadings"``, ``"intercepts"``,
        ``"means"``, ``"residuals"``, ``"residual.covariances"``, ``"lv.variances"``,
        ``"lv.covariances"``, ``"regressions"`` (lavaan's ``group.equal``).
    group_partial : str or list of str, optional
        Parameters exempt from ``group_equal``, written ``"x3 ~ 1"``, ``"visual =~ x2"``.
    se : {"standard", "robust", "none"}, optional
        Standard errors from the information matrix, Huber-White (the default with MLR), or
        none.
    information : {"expected", "observed"}, optional
        Information matrix for the standard errors. Default as lavaan: ``"expected"`` for
        complete-data ML in one level, ``"observed"`` (the Hessian) with FIML, MLR or two
        levels (the expected information is available for single-level models only).
    ci_level : float
        Level of the Wald confidence intervals.
    bootstrap : int, optional
        Number of nonparametric bootstrap resamples (rows) for percentile intervals of the
        defined parameters (``:=``), drawn through the toolkit's resampling engine with
        ``seed`` (single-group, single-level models).
    seed : int, optional
        Seed of the bootstrap (the same seed gives the same intervals).
    fixed_x : bool
        Treat exogenous observed covariates as fixed (lavaan's ``fixed.x = TRUE``): their
        moments are set to the sample values and not counted as parameters, and with FIML a
        row missing a covariate is left out (and counted). ``False`` (lavaan's
        ``fixed.x = FALSE``) estimates their variances, covariances and means, so with FIML
        such rows stay in; the baseline model keeps their covariances free, as lavaan's does.
    meanstructure : bool, optional
        Model the means; default as lavaan (on with FIML, with groups, when the syntax has an
        intercept, or in two levels).
    max_iter : int
        Most Newton iterations of the optimiser.
    baseline : bool
        Fit the baseline (independence) model that CFI and TLI compare against (lavaan's
        ``baseline = TRUE``). ``False`` skips it, as lavaan's ``baseline = FALSE`` does: CFI
        and TLI are then NaN and everything else is unchanged; it saves a second model fit
        per call where only the estimates are wanted (a resampling loop). Not with
        ``estimator="MLR"`` or ``missing="fiml"``, whose scaled and corrected statistics are
        computed with the baseline model.

    Returns
    -------
    SEMResult
        ``.table`` (estimates), ``.fit`` (fit measures), ``.vcov``, ``.summary()``.

    Raises
    ------
    ModelError
        Syntax errors (with the line), unsupported options or combinations (FIML, MLR or
        groups with two levels; ``group:`` blocks), non-convergence.
    DataValidationError
        Variables missing from the data (with close matches), text columns, infinite values,
        a group column with one group, a level-2 variable that changes within clusters or a
        level-1 variable that does not.

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
    constraints (shared labels, linear ``==``, ``group_equal``) are imposed by
    reparameterisation. Several groups add their likelihoods (``F = sum_g (n_g / N) F_g``).

    With FIML the likelihood is casewise, summed over missing-data patterns (Arbuckle 1996),
    the saturated model is fitted by EM, the standard errors use the observed information
    (lavaan's default with ``missing = "ml"``), and the robust CFI/RMSEA are the
    FIML-corrected ones of Zhang & Savalei (2023), as lavaan 0.6-14 reports them. MLR: see
    :mod:`~learning_direction.models.sem.robust`.

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
    Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data. In
    G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced Structural Equation Modeling*
    (pp. 243-277). Erlbaum.
    Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and
    covariance structure analysis with nonnormal missing data. *Sociological Methodology*,
    30, 165-200.
    Zhang, X., & Savalei, V. (2023). New computations for RMSEA and CFI following FIML and TS
    estimation with missing data. *Psychological Methods*, 28, 263-283.
    Rosseel, Y. (2021). Evaluating the observed log-likelihood function in two-level
    structural equation modeling with missing data. *Psychometrika*, 86, 1-24.

    Examples
    --------
    Downward learning direction -> learning opportunity -> engagement (Study 2A), with latent
    variables, as ``lavaan::sem(model, data = study2a)``:

    >>> import learning_direction as ld
    >>> model = '''
    ...     down =~ ld_down_1 + ld_down_2 + ld_down_3
    ...     opp  =~ lo_1 + lo_2 + lo_3 + lo_4
    ...     eng  =~ eng_1 + eng_2 + eng_3 + eng_4 + eng_5
    ...     opp ~ a*down
    ...     eng ~ b*opp + down
    ...     indirect := a*b
    ... '''
    >>> d = ld.load_dataset("study2a")
    >>> res = ld.sem(d, model)
    >>> res.table.loc[res.table.op == ":=", ["lhs", "estimate", "se"]].round(3)
             lhs  estimate     se
    30  indirect     0.142  0.042
    >>> res.fit[["chisq", "df", "cfi", "rmsea", "srmr"]].round(3)
        chisq  df  cfi  rmsea   srmr
    0  49.157  51  1.0    0.0  0.033
    >>> res.n, res.n_dropped
    (279, 121)

    Every mentor, by FIML, with robust statistics (``sem(model, data = study2a,
    missing = "ml", estimator = "MLR")``):

    >>> res = ld.sem(d, model, missing="fiml", estimator="MLR")
    >>> res.table.loc[res.table.op == ":=", ["lhs", "estimate", "se"]].round(3)
             lhs  estimate     se
    45  indirect     0.191  0.037
    >>> res.fit[["chisq_scaled", "df", "cfi_robust", "rmsea_robust", "n", "n_patterns"]].round(3)
       chisq_scaled  df  cfi_robust  rmsea_robust    n  n_patterns
    0        53.537  51       0.999          0.01  400          36

    The same paths in men and women, with equal loadings and regressions (``group =
    "gender", group.equal = c("loadings", "regressions")``):

    >>> res = ld.sem(d, model, group="gender", group_equal=["loadings", "regressions"])
    >>> res.table.loc[res.table.op == "~", ["lhs", "rhs", "group", "label", "estimate"]].round(3)
        lhs   rhs   group  label  estimate
    12  opp  down    male      a     0.425
    13  eng   opp    male      b     0.344
    14  eng  down    male  .p15.     0.175
    57  opp  down  female      a     0.425
    58  eng   opp  female      b     0.344
    59  eng  down  female  .p15.     0.175

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
    >>> res = ld.sem(d, model, cluster="mentor_id")
    >>> res.table[["lhs", "op", "rhs", "level", "estimate", "se"]].tail(3).round(3)
             lhs  op  rhs  level  estimate     se
    9       hire  ~1            2     3.533  0.298
    10      down  ~1            2     4.728  0.000
    11  indirect  :=  a*b      0     0.085  0.027
    """
    options = check_options(
        estimator=estimator,
        missing=missing,
        se=se,
        information=information,
        ci_level=ci_level,
        cluster=cluster,
        group=group,
        group_equal=group_equal,
        group_partial=group_partial,
        bootstrap=bootstrap,
        seed=seed,
        max_iter=max_iter,
        baseline=baseline,
    )
    parsed = parse_model(model)
    _check_levels(parsed, cluster)
    labels = group_labels(df, group) if group is not None else (None,)
    table = _table(parsed, options, len(labels), fixed_x, meanstructure)
    data = model_data(df, table, cluster=cluster, group=group, labels=labels, fiml=options.fiml)
    with single_blas_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = run(table, data, options, model)
        if options.bootstrap is not None:
            from .resample import bootstrap_defined

            result = bootstrap_defined(result, table, data, options)
    return result


fit_sem = sem


def _table(
    parsed: ParsedModel,
    options: FitOptions,
    n_groups: int,
    fixed_x: bool,
    meanstructure: bool | None,
) -> ParTable:
    """lavaan's parameter table: a mean structure with FIML or groups, then group.equal."""
    if meanstructure is None and (options.fiml or n_groups > 1):
        meanstructure = True
    if meanstructure is False and (options.fiml or n_groups > 1):
        raise ModelError(
            "meanstructure=False is not possible with missing='fiml' or with groups: the "
            "means are part of those models (leave meanstructure=None)"
        )
    table = build_partable(parsed, n_groups=n_groups, fixed_x=fixed_x, meanstructure=meanstructure)
    return apply_group_equal(table, options.group_equal, options.group_partial)


def _check_levels(parsed: ParsedModel, cluster: str | None) -> None:
    if parsed.levels and cluster is None:
        raise ModelError(
            "the model has 'level:' blocks: pass the column of cluster ids, e.g. "
            "sem(df, model, cluster='mentor_id')"
        )
    if cluster is not None and not parsed.levels:
        raise ModelError(
            f"cluster='{cluster}' needs a two-level model: write the level-1 part under "
            "'level: 1' and the level-2 part under 'level: 2'"
        )
    if parsed.groups:
        raise ModelError(
            "'group:' blocks in the syntax are not built yet; write one model for all groups "
            "and use group='column', with labels (c(a1, a2)*x) or group_equal= for constraints"
        )
