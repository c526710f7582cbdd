"""Linear mixed models with lme4's conventions: random intercepts and slopes per group.

:func:`mixed` builds the fixed and random designs from formulas (patsy, as :func:`regress`),
fits them by REML or ML on the toolkit's engine (:mod:`learning_direction.models.lmm`: one
grouping factor or two nested ones) and reports lme4's estimates and SEs with lmerTest's
Satterthwaite or Kenward-Roger t tests, lme4-style variance components and ICC(1)/ICC(2) from
the null model on the same rows. Crossed factors and deeper nesting go to statsmodels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
from patsy import INTERCEPT, ModelDesc, NAAction, PatsyError, dmatrix

from ..._core.checks import choice
from ..._core.data import MissingReport, complete_cases
from ..._core.results import ResultMixin, table_to_html
from ..._core.warn import warn_user
from ...exceptions import DataValidationError, ModelError
from .._design import build_design, check_design, check_formula_columns, clean_term
from ..imputation import ImputedData, is_multiply_imputed, pool_fits, pool_mixed
from ._mixed_engine import FitOutput, engine_covers, fit_engine
from ._mixed_fallback import fit_statsmodels
from ._mixed_spec import (
    GroupSpec,
    RandomPart,
    check_center,
    cluster_codes,
    level1_predictors,
    parse_groups,
    random_parts,
    refuse_level2_center,
    split_within_between,
)
from ._summary import CoefficientPlot, check_ci_level, notes_from_report, summary_text

__all__ = ["MixedResult", "mixed"]

DF_METHODS = ["satterthwaite", "kenward-roger", "wald"]
_DF_ALIASES = {
    "kenward_roger": "kenward-roger",
    "kr": "kenward-roger",
    "kenwardroger": "kenward-roger",
    "z": "wald",
    "lme4": "wald",
    "lmertest": "satterthwaite",
}
_TESTS = {
    "satterthwaite": "t, Satterthwaite df (lmerTest)",
    "kenward-roger": "t, Kenward-Roger df and SEs (pbkrtest)",
    "wald": "Wald z (lme4's t value against the normal, df = inf)",
}
ENGINES = {"learning_direction": "learning_direction (models.lmm)", "statsmodels": "statsmodels"}


@dataclass(frozen=True, eq=False)
class MixedResult(CoefficientPlot, ResultMixin):
    """Result of :func:`mixed` (linear mixed model, lme4 conventions).

    Attributes
    ----------
    table : DataFrame
        Fixed effects: ``term, estimate, se, df, t, p_value, ci_low, ci_high`` for every
        ``df_method`` (Wald: ``df`` is ``inf`` and ``t`` is read against the normal).
    variance_components : DataFrame
        ``group, var1, var2, vcov, sdcor`` like lme4's ``as.data.frame(VarCorr(fit))``: per
        grouping factor (innermost first) its variances (``var2`` missing), covariances
        (``sdcor`` = correlation), then the residual.
    icc, icc2 : float
        ICC(1) (the lme4 variance ratio :math:`\\tau^2 / (\\tau^2 + \\sigma^2)`) and ICC(2)
        (:math:`k\\,ICC(1) / (1 + (k-1)\\,ICC(1))`, k = n / n_groups) from the REML null model
        on the same rows and groups (nested factors: :math:`\\tau^2` sums both levels).
    reml_loglik : float
        REML log-likelihood (NaN for an ML fit); ``loglik`` is the criterion actually maximised.
    n, n_groups, n_dropped : int
        Rows used, groups of the innermost factor, rows left out for missing values.
    n_groups_by_factor : dict
        Groups per factor, in lme4's names (``{"mentor:program": 258, "program": 40}``).
    groups : str
        The grouping as written in lme4 (``mentor_id``, ``program/mentor``, ``a + b``).
    random_effects : str
        The random part in lme4's notation, e.g. ``(1 + Days | Subject)``.
    formula, re_formula, reml
        As given. ``formula_fitted`` is the formula after ``center="cluster"``.
    centered : tuple of str
        Predictors split into ``<x>_within`` and ``<x>_between``.
    vcov : DataFrame
        Covariance of the fixed effects behind the table's SEs: lme4's ``vcov(m)``,
        :math:`\\sigma^2 (X'V^{-1}X)^{-1}`, or pbkrtest's ``vcovAdj(m)`` for Kenward-Roger.
    df_method : str
        ``"satterthwaite"``, ``"kenward-roger"`` or ``"wald"`` (``ddf`` is its old name).
    engine : str
        ``"learning_direction"`` (the toolkit's engine) or ``"statsmodels"`` (MixedLM).
    model : LMMFit or statsmodels MixedLMResults
        The engine's fit.
    notes : tuple of str
    """

    table: pd.DataFrame
    variance_components: pd.DataFrame
    formula: str
    groups: str
    re_formula: str | Mapping[str, str] | None
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
    df_method: str = "satterthwaite"
    engine: str = "learning_direction"
    random_effects: str = ""
    formula_fitted: str = ""
    centered: tuple[str, ...] = ()
    n_groups_by_factor: dict[str, int] = field(default_factory=dict)

    _title: ClassVar[str] = "Linear mixed model"

    @property
    def ddf(self) -> str:
        """Deprecated name of :attr:`df_method`."""
        return self.df_method

    def ranef(self) -> dict[str, pd.DataFrame]:
        """Conditional modes (BLUPs) of the random effects, lme4's ``ranef(m)``.

        ``{factor: DataFrame}`` in lme4's names (innermost first), a row per group (nested
        groups named ``inner:outer``), a column per random effect. Models fitted by the
        toolkit's engine only (statsmodels fits: ``.model.random_effects``).
        """
        if self.engine != "learning_direction":
            raise ModelError(
                "ranef() is available for models fitted by the toolkit's engine; this one was "
                "fitted by statsmodels - use .model.random_effects"
            )
        return dict(zip(self.n_groups_by_factor, self.model.ranef(), strict=True))

    def _meta(self) -> dict[str, Any]:
        fitted = self.formula_fitted
        return {
            "formula": self.formula,
            **({"fitted formula": fitted} if fitted and fitted != self.formula else {}),
            "random effects": self.random_effects,
            "method": "REML" if self.reml else "ML",
            "tests": _TESTS[self.df_method],
            "engine": ENGINES.get(self.engine, self.engine),
            "n": self.n,
            "n_groups": self.n_groups,
            "n_dropped": self.n_dropped,
            "log-likelihood": self.loglik,
            "ICC(1)": self.icc,
            "ICC(2)": self.icc2,
        }

    def summary(self, digits: int = 4) -> str:
        """Readable text: fixed effects, variance components, ICCs, engine and notes."""
        return summary_text(
            self,
            digits,
            [("Fixed effects:", self.table), ("Random effects:", self.variance_components)],
        )

    def _repr_html_(self) -> str:
        base = super()._repr_html_()
        return base.replace(
            "</div>",
            "<p>Random effects:</p>" + table_to_html(self.variance_components) + "</div>",
        )


def mixed(
    df: pd.DataFrame | ImputedData | Sequence[pd.DataFrame],
    formula: str,
    *,
    groups: str | Sequence[str],
    re_formula: str | Mapping[str, str] | None = None,
    re_covariance: str | Mapping[str, str] = "unstructured",
    reml: bool = True,
    df_method: str = "satterthwaite",
    ci_level: float = 0.95,
    center: str | Sequence[str] = "none",
    ddf: str | None = None,
) -> MixedResult:
    """Linear mixed model with random intercepts (and slopes) per group, lme4 conventions.

    Parameters
    ----------
    df : DataFrame, ImputedData or list of DataFrame
        Multiply imputed data (:func:`~learning_direction.impute`, or a list of completed
        DataFrames) are fitted in every imputation; the fixed effects are pooled by Rubin's
        rules with Barnard-Rubin df from lme4's ``df.residual`` (as ``mice::pool`` of
        ``lmer`` fits), the table gains ``riv``, ``lambda``, ``fmi``.
    formula : str
        Fixed part (patsy, as :func:`regress`: categorical terms, interactions and transforms),
        e.g. ``"hireability ~ mentor_engagement + mentee_age"``.
    groups : str or list of str
        The grouping: a column (``"mentor_id"``, R's ``(1 | mentor_id)``); two nested factors
        from the outer to the inner one, ``"program/mentor"`` or ``["program", "mentor"]``
        (mentees in mentors in programs, R's ``(1 | program/mentor)``; mentor labels count
        within their program, so "M1" of two programs is two mentors); crossed factors,
        ``"mentor + rater"`` (R's ``(1 | mentor) + (1 | rater)``).
    re_formula : str or dict, optional
        Random effects of the innermost factor, e.g. ``"~ Days"`` for ``(1 + Days | Subject)``
        (``"~ 0 + Days"`` drops the random intercept). Outer factors get a random intercept;
        a dict ``{"mentor": "~ x", "program": "~ x"}`` gives each factor its own. Default: a
        random intercept per group of every factor.
    re_covariance : {"unstructured", "diagonal"} or dict
        Correlated random effects (lme4's ``|``, default) or independent ones (lme4's ``||``:
        ``(1 + Days || Subject)`` is ``re_formula="~ Days", re_covariance="diagonal"``).
        One value for all factors, or a dict per factor.
    reml : bool
        REML (default, as ``lmer``) or ML (for likelihood-ratio tests of fixed effects).
    df_method : {"satterthwaite", "kenward-roger", "wald"}
        Tests of the fixed effects: t tests with Satterthwaite df (default; lmerTest's
        ``summary(m)``), Kenward-Roger df and adjusted SEs (``summary(m, ddf =
        "Kenward-Roger")``, REML only), or Wald tests (lme4's ``t value`` read against the
        normal; ``df`` is ``inf``). ``"kr"`` and ``"z"`` are accepted too.
    ci_level : float
        Level of the confidence intervals (t with the method's df; normal for Wald).
    center : {"none", "cluster"} or list of str
        ``"none"`` (default): predictors enter as given; a note names every level-1
        predictor (one that varies within the innermost groups and whose group means differ)
        because its coefficient then blends the within- and between-group relations.
        ``"cluster"``: each such predictor ``x`` is replaced by ``x_within`` (``x`` minus its
        group mean) and ``x_between`` (the group mean) is added, in the fixed and the random
        part alike; a list splits only the columns named.
    ddf : str, optional
        Deprecated alias of ``df_method`` (a ``FutureWarning``; same values, same results).

    Returns
    -------
    MixedResult
        ``.table`` (``term, estimate, se, df, t, p_value, ci_low, ci_high``),
        ``.variance_components``, ``.icc``, ``.icc2``, ``.n``, ``.n_groups``, ``.n_dropped``,
        ``.engine``, ``.notes``; ``summary()``, ``plot()``.

    Raises
    ------
    DataValidationError
        Unknown column (formula, ``re_formula`` or ``groups``); a malformed ``re_formula``.
    ModelError
        Fewer than two groups; as lme4: one row per group (as many groups as rows), or with
        random slopes no more rows than random effects; Kenward-Roger with ``reml=False``;
        random slopes with crossed factors or three nesting levels.

    Warns
    -----
    ModelWarning
        The optimiser did not converge; the fit is on the boundary (a variance of zero or a
        correlation of +-1, lme4's "singular fit"); df asked for a model fitted by statsmodels.
    FutureWarning
        ``ddf=`` is used.

    Notes
    -----
    **Model and engine.** :math:`y = X\\beta + Zb + \\varepsilon`, :math:`b \\sim N(0, G)`,
    :math:`\\varepsilon \\sim N(0, \\sigma^2 I)`, :math:`V = ZGZ' + \\sigma^2 I`. X comes from
    ``formula`` and Z from ``re_formula`` through patsy on the complete rows (rows missing any
    variable of either, or a group, are left out and reported). One grouping factor or two
    nested ones are fitted by the toolkit's engine (:mod:`learning_direction.models.lmm`):
    lme4's profiled (RE)ML deviance minimised to the optimum (``engine ==
    "learning_direction"``). Crossed factors and three or more nesting levels, with random
    intercepts only, are fitted by statsmodels ``MixedLM`` (``engine == "statsmodels"``;
    Wald tests only).

    **Standard errors** are lme4's ``vcov(m)``, :math:`\\Phi = (X'V^{-1}X)^{-1}` at the
    variance estimates (as SAS/SPSS MIXED); statsmodels' ``bse_fe`` differs on unbalanced
    groups. With Kenward-Roger they are pbkrtest's adjusted :math:`\\Phi_A` (``vcovAdj(m)``),
    as lmerTest's Kenward-Roger table reports.

    **Tests**, for coefficient j with :math:`t = \\hat\\beta_j / SE_j`,
    :math:`p = 2 P(T_\\nu > |t|)` and :math:`CI = \\hat\\beta_j \\pm t_{\\nu, 1-\\alpha/2} SE_j`:

    * ``"satterthwaite"`` (lmerTest ``summary(m)`` / ``contest1D(m, L, ddf =
      "Satterthwaite")``): :math:`\\nu_j = 2 \\Phi_{jj}^2 / (g_j' A g_j)`,
      :math:`g_j = \\partial \\Phi_{jj} / \\partial\\varphi`, :math:`A = 2 H^{-1}`, with H the
      Hessian of the deviance in the variance parameters :math:`\\varphi` (analytic here,
      numerical in lmerTest). With few groups it keeps the Type I error near its nominal level
      where Wald tests do not (Luke 2017).
    * ``"kenward-roger"`` (lmerTest ``summary(m, ddf = "Kenward-Roger")``, i.e. pbkrtest
      ``vcovAdj`` and ``Lb_ddf``): SEs from :math:`\\Phi_A` and Kenward & Roger's (1997) df.
    * ``"wald"``: :math:`\\nu = \\infty` (normal reference). lme4's ``summary(m)`` prints the
      same ``t value`` without df or p; p and CI here are those of ``confint(m, method =
      "Wald")``. The statistic column is still named ``t``, as lme4 names it.

    **ICC.** ``icc`` :math:`= \\tau^2 / (\\tau^2 + \\sigma^2)` from the REML null model
    ``y ~ 1 + (1 | groups)`` on the same rows (nested factors: :math:`\\tau^2` is the sum of
    both intercept variances, the correlation of two members of one inner group);
    ``icc2`` :math:`= k\\,ICC(1) / (1 + (k-1)\\,ICC(1))` with :math:`k = n / J` (the
    Spearman-Brown reliability of a group mean). These are the lme4 variance ratio; Bliese's
    (2000) ANOVA estimators (``multilevel::ICC1``/``ICC2``) are :func:`learning_direction.icc`
    with ``method="anova"``.

    **Centring.** A level-1 predictor x entered raw estimates one slope for two relations,
    within groups and between group means (Raudenbush & Bryk 2002; Enders & Tofighi 2007).
    ``center="cluster"`` fits :math:`y = \\beta_W (x - \\bar x_j) + \\beta_B \\bar x_j + ...`
    (the within-between model, Bell & Jones 2015), with :math:`\\bar x_j` the mean over the
    rows used; R: ``x_between <- ave(x, g); x_within <- x - x_between`` on the complete rows.
    It is an option of :func:`mixed` rather than a separate helper because the group means must
    be those of the rows the model uses (after listwise deletion), and the rewritten formula
    (``fitted formula`` in the summary) carries the split into interactions and random slopes.

    References
    ----------
    Bates, D., Maechler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects models
    using lme4. *Journal of Statistical Software, 67*(1).
    Bell, A., & Jones, K. (2015). Explaining fixed effects: Random effects modeling of
    time-series cross-sectional and panel data. *Political Science Research and Methods, 3*(1),
    133-153.
    Enders, C. K., & Tofighi, D. (2007). Centering predictor variables in cross-sectional
    multilevel models. *Psychological Methods, 12*(2), 121-138.
    Kenward, M. G., & Roger, J. H. (1997). Small sample inference for fixed effects from
    restricted maximum likelihood. *Biometrics, 53*(3), 983-997.
    Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: Tests in
    linear mixed effects models. *Journal of Statistical Software, 82*(13).
    Luke, S. G. (2017). Evaluating significance in linear mixed-effects models in R. *Behavior
    Research Methods, 49*, 1494-1502.
    Raudenbush, S. W., & Bryk, A. S. (2002). *Hierarchical linear models* (2nd ed.). Sage.

    Examples
    --------
    Study 3 on the bundled data: mentees nested in mentors, mentor engagement predicting the
    mentee's hireability with a random intercept per mentor.

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study3")
    >>> d = raw.join(ld.score(raw, ["mentor_engagement", "hireability"]).scores)
    >>> res = ld.mixed(d, "hireability ~ mentor_engagement", groups="mentor_id")
    >>> # R: summary(lmerTest::lmer(hireability ~ mentor_engagement + (1 | mentor_id), d))
    >>> print(res.table[["term", "estimate", "se", "df", "p_value"]].round(4).to_string(index=False))
                 term  estimate     se       df  p_value
            Intercept    3.5250 0.2728 109.6391      0.0
    mentor_engagement    0.2591 0.0544 113.1161      0.0
    >>> round(res.icc, 4), res.n, res.n_dropped, res.engine
    (0.1621, 634, 1, 'learning_direction')

    Kenward-Roger (R: ``summary(m, ddf = "Kenward-Roger")``): adjusted SEs and their df.

    >>> kr = ld.mixed(d, "hireability ~ mentor_engagement", groups="mentor_id",
    ...               df_method="kenward-roger")
    >>> print(kr.table[["term", "se", "df"]].round(4).to_string(index=False))
                 term     se       df
            Intercept 0.2729 110.7731
    mentor_engagement 0.0545 114.2782

    Mentee age varies within mentors: split it into its within- and between-mentor parts
    (R, on the complete rows: ``d$mentee_age_between <- ave(d$mentee_age, d$mentor_id)``,
    ``d$mentee_age_within <- d$mentee_age - d$mentee_age_between``, then ``lmer(hireability ~
    mentor_engagement + mentee_age_within + mentee_age_between + (1 | mentor_id), d)``).

    >>> wb = ld.mixed(d, "hireability ~ mentor_engagement + mentee_age", groups="mentor_id",
    ...               center="cluster")
    >>> print(wb.table[["term", "estimate", "se", "df"]].round(4).to_string(index=False))
                  term  estimate     se       df
             Intercept    2.3185 1.1428 124.6423
     mentor_engagement    0.2568 0.0545 112.8702
     mentee_age_within   -0.0280 0.0171 516.2545
    mentee_age_between    0.0509 0.0468 124.3985

    A random slope, as ``lmer(y ~ x + (x | g))``, is ``re_formula="~ x"``; independent
    intercept and slope, ``(x || g)``, add ``re_covariance="diagonal"``; mentees in mentors
    in programs, ``(1 | program/mentor)``, are ``groups="program/mentor"``.
    """
    if is_multiply_imputed(df):  # fit in every imputation, pool by Rubin's rules
        return pool_fits(
            lambda d: mixed(
                d,
                formula,
                groups=groups,
                re_formula=re_formula,
                re_covariance=re_covariance,
                reml=reml,
                df_method=df_method,
                ci_level=ci_level,
                center=center,
                ddf=ddf,
            ),
            df,
            pool_mixed,
            what="mixed()",
            ci_level=check_ci_level(ci_level),
        )
    df = cast(pd.DataFrame, df)
    level = check_ci_level(ci_level)
    method = _df_method(df_method, ddf, reml)
    spec = parse_groups(groups, df)
    parts = random_parts(re_formula, re_covariance, spec)
    centering = check_center(center)
    data, report, rhs = _mixed_data(df, formula, spec, parts)
    n_groups = _check_groups(data, spec)
    data, fitted_formula, parts, centered, notes = _center(
        data, formula, parts, spec, centering, rhs
    )
    design = build_design(data, fitted_formula, what="mixed", data=data, report=report)
    check_design(design.X, "mixed")
    Z = {p.factor: _random_design(data, p) for p in parts}
    _check_random_effects(spec, parts, Z, n_groups, len(data))
    if engine_covers(spec):
        out = fit_engine(design, Z, data, spec, parts, reml=bool(reml), method=method, level=level)
    else:
        out = fit_statsmodels(
            design, data, spec, parts, reml=bool(reml), method=method, level=level
        )
    names = list(design.X.columns)
    return MixedResult(
        table=out.table,
        variance_components=out.variance_components,
        formula=formula,
        groups=spec.label,
        re_formula=re_formula,
        reml=bool(reml),
        icc=out.icc,
        icc2=out.icc2,
        reml_loglik=out.loglik if reml else float("nan"),
        loglik=out.loglik,
        n=len(data),
        n_groups=n_groups[spec.inner],
        n_dropped=int(report.n_dropped),
        mean_group_size=len(data) / n_groups[spec.inner],
        ci_level=level,
        vcov=pd.DataFrame(out.vcov, index=names, columns=names),
        model=out.model,
        notes=tuple([*notes_from_report(report), *notes, *out.notes, _tests_note(out)]),
        df_method=out.df_method,
        engine=out.engine,
        random_effects=_lme4_random(spec, parts),
        formula_fitted=fitted_formula,
        centered=centered,
        n_groups_by_factor=out.n_groups,
    )


def _df_method(df_method: object, ddf: object, reml: object) -> str:
    """``df_method`` (or its deprecated alias ``ddf``), checked against ``reml``."""
    method = choice(df_method, "df_method", DF_METHODS, aliases=_DF_ALIASES)
    if ddf is not None:
        old = choice(ddf, "ddf", DF_METHODS, aliases=_DF_ALIASES)
        warn_user(
            "mixed: ddf= is deprecated and will be removed; use df_method= (same values: "
            "'satterthwaite', 'kenward-roger', 'wald')",
            FutureWarning,
        )
        if method not in ("satterthwaite", old):
            raise ModelError(
                f"mixed: ddf={ddf!r} and df_method={df_method!r} disagree; give df_method= only "
                "(ddf= is its deprecated alias)"
            )
        method = old
    if method == "kenward-roger" and not reml:
        raise ModelError(
            "mixed: Kenward-Roger df need a REML fit (lmerTest and pbkrtest refuse ML fits "
            "too); use reml=True, or df_method='satterthwaite' with reml=False"
        )
    return method


def _mixed_data(
    df: pd.DataFrame, formula: str, spec: GroupSpec, parts: tuple[RandomPart, ...]
) -> tuple[pd.DataFrame, MissingReport, list[str]]:
    """The complete rows of the formula's, the random parts' and the groups' columns."""
    lhs, rhs = check_formula_columns(df, formula, "mixed")
    re_vars = [v for p in parts for v in p.variables]
    missing = [v for v in re_vars if v not in df.columns]
    if missing:
        check_formula_columns(df, "_y_ ~ " + " + ".join(missing), "mixed (re_formula)")
    data, report = complete_cases(df, [*lhs, *rhs, *re_vars, *spec.factors], "mixed")
    return data, report, [c for c in rhs if c not in spec.factors]


def _check_groups(data: pd.DataFrame, spec: GroupSpec) -> dict[str, int]:
    """Groups per factor; several groups, and fewer groups than rows (as lme4 demands)."""
    out = {}
    for i, f in enumerate(spec.factors):
        cols = list(spec.factors[: i + 1]) if spec.kind == "nested" else [f]
        k = int(data.groupby(cols, sort=False, observed=True).ngroups)
        if k < 2:
            raise ModelError(
                f"mixed: the groups column '{f}' has {k} group(s) in the complete rows; a "
                "mixed model needs several groups"
            )
        if k >= len(data):  # lme4's check.nobs.vs.nlev
            raise ModelError(
                f"mixed: the groups column '{f}' has {k} groups for {len(data)} complete "
                "rows, so every group has a single row and the group variance cannot be told "
                "apart from the residual variance (lme4: the number of levels of each grouping "
                "factor must be < the number of observations). Check that the groups column "
                "is right (not a row id); with one row per group use ld.regress()"
            )
        out[f] = k
    return out


def _center(
    data: pd.DataFrame,
    formula: str,
    parts: tuple[RandomPart, ...],
    spec: GroupSpec,
    center: str | list[str],
    rhs: list[str],
) -> tuple[pd.DataFrame, str, tuple[RandomPart, ...], tuple[str, ...], list[str]]:
    """Split level-1 predictors into within and between parts, or note that they enter raw."""
    codes = cluster_codes(data, spec)
    level1, blended = level1_predictors(data, rhs, codes)
    cluster = spec.level_name(spec.inner)
    if center == "none":
        notes = []
        if blended:
            notes.append(
                f"level-1 predictor(s) {', '.join(blended)} vary within {cluster} and between "
                f"the {cluster} means, and enter raw: each coefficient blends the "
                f"within-{cluster} and between-{cluster} relations; center='cluster' "
                "estimates them separately (<x>_within, <x>_between)"
            )
        return data, formula, parts, (), notes
    if spec.kind == "crossed":
        raise ModelError(
            "mixed: center= needs one clustering (single or nested groups); with crossed "
            "factors compute the cluster means you want and add them to the formula yourself"
        )
    split = level1 if center == "cluster" else list(center)
    refuse_level2_center(split, level1, spec, rhs)
    if not split:
        return data, formula, parts, (), [f"center='cluster': no predictor varies within {cluster}"]
    data, formula, parts, between = split_within_between(data, formula, parts, split, codes)
    notes = [
        f"centred within {cluster}: {', '.join(split)} split into <x>_within (deviation from "
        f"the {cluster} mean) and <x>_between (the {cluster} mean over the rows used)"
    ]
    same = [c for c in split if f"{c}_between" not in between]
    if same:
        notes.append(
            f"no <x>_between term for {', '.join(same)}: every {cluster} has the same mean, so "
            "there is no between part to estimate"
        )
    return data, formula, parts, tuple(split), notes


def _random_design(data: pd.DataFrame, part: RandomPart) -> pd.DataFrame:
    """The random-effects design of one factor (patsy, columns named as in the table)."""
    try:
        Z = dmatrix(part.formula, data, return_type="dataframe", NA_action=NAAction(NA_types=[]))
    except PatsyError as exc:
        raise DataValidationError(
            f"mixed: cannot build the random effects '{part.formula}' of '{part.factor}': {exc}"
        ) from None
    Z = Z.rename(columns=clean_term).astype(float)
    if Z.shape[1] == 0:
        raise ModelError(
            f"mixed: re_formula '{part.formula}' of '{part.factor}' has no random effect; use "
            "'~ 1' for a random intercept"
        )
    if not np.all(np.isfinite(Z.to_numpy())):
        raise DataValidationError(
            f"mixed: re_formula '{part.formula}' gives NaN or infinite values; change the "
            "transform or set those rows to NaN"
        )
    return Z


def _check_random_effects(
    spec: GroupSpec,
    parts: tuple[RandomPart, ...],
    Z: dict[str, pd.DataFrame],
    n_groups: dict[str, int],
    n: int,
) -> None:
    """lme4's check.nobs.vs.nRE: more rows than random effects of each factor."""
    for part in parts:
        q = Z[part.factor].shape[1]
        n_re = n_groups[part.factor] * q
        if q > 1 and n <= n_re:
            raise ModelError(
                f"mixed: {n} complete rows but {n_re} random effects ({q} per group of "
                f"'{part.factor}' for '{part.formula}'); the random effects and the residual "
                "variance cannot be told apart (lme4 refuses this too). Drop the random slope "
                "(re_formula=None) or use groups with more rows"
            )


def _lme4_random(spec: GroupSpec, parts: tuple[RandomPart, ...]) -> str:
    """The random part in lme4's notation: ``(1 + x | mentor:program) + (1 | program)``."""
    out = []
    for part in reversed(parts):
        desc = ModelDesc.from_formula(part.formula)
        terms = [t.name() for t in desc.rhs_termlist if t != INTERCEPT]
        has_int = INTERCEPT in desc.rhs_termlist
        effects = " + ".join((["1"] if has_int else ["0"]) + terms)
        bar = "||" if part.covariance == "diagonal" and len(terms) + has_int > 1 else "|"
        out.append(f"({clean_term(effects)} {bar} {spec.level_name(part.factor)})")
    return " + ".join(out)


def _tests_note(out: FitOutput) -> str:
    if out.df_method == "kenward-roger":
        return (
            "SEs, df and tests by Kenward-Roger: pbkrtest's adjusted covariance vcovAdj(m) "
            "(lmerTest summary(m, ddf = 'Kenward-Roger'))"
        )
    se = "fixed-effect SEs = sqrt(diag(sigma^2 (X'V^-1X)^-1)) at the variance estimates (lme4)"
    if out.df_method == "wald":
        return f"{se}; Wald tests: t read against the normal, df = inf (confint(m, 'Wald'))"
    return f"{se}; t tests with Satterthwaite df (lmerTest summary(m))"
