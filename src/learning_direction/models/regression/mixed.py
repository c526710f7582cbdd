"""Linear mixed models with lme4's conventions: random intercepts and slopes per group.

:func:`mixed` fits by REML (or ML) with statsmodels' ``MixedLM``, retrying other optimisers,
and reports lme4's fixed-effect SEs, Satterthwaite (lmerTest) or Wald tests, lme4-style
variance components and ICC(1)/ICC(2) from the null model on the same rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from ..._core.checks import choice
from ..._core.data import MissingReport, complete_cases, require_columns
from ..._core.results import ResultMixin, table_to_html
from ...exceptions import DataValidationError, ModelError, ModelWarning
from .._design import Design, build_design, check_design, check_formula_columns, formula_variables
from .._types import FloatArray
from ._summary import CoefficientPlot, check_ci_level, notes_from_report, summary_text

__all__ = ["MixedResult", "mixed"]


@dataclass(frozen=True, eq=False)
class MixedResult(CoefficientPlot, ResultMixin):
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


def _fit_mixedlm(model: Any, reml: bool) -> tuple[Any, list[str]]:
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


def _lme4_vcov(fit: Any) -> FloatArray:
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
            Intercept     3.525 0.273
    mentor_engagement     0.259 0.054
    >>> round(res.icc, 3), res.n, res.n_dropped
    (0.162, 634, 1)

    A random slope, as ``lme4::lmer(y ~ x + (x | g))``, is ``re_formula="~x"``.
    """
    import statsmodels.formula.api as smf

    level = check_ci_level(ci_level)
    ddf_key = choice(ddf, "ddf", ["satterthwaite", "wald"])
    data, report = _mixed_data(df, formula, groups, re_formula)
    n_groups = _check_groups(data, groups)
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
    notes = notes_from_report(report)
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
    names = list(design.X.columns)
    table, test_note = _fixed_effects(fit, names, V, level, ddf_key, bool(reml), notes)
    icc1, icc2, k = _icc(design, data, groups, n_groups)
    notes.append(
        f"fixed-effect SEs = sqrt(diag((X'V^-1X)^-1)) at the variance estimates (lme4); {test_note}"
    )
    return MixedResult(
        table=table,
        variance_components=_variance_components(fit, groups),
        formula=formula,
        groups=groups,
        re_formula=re_formula,
        reml=bool(reml),
        icc=icc1,
        icc2=icc2,
        reml_loglik=float(fit.llf) if reml else float("nan"),
        loglik=float(fit.llf),
        n=len(data),
        n_groups=n_groups,
        n_dropped=int(report.n_dropped),
        mean_group_size=k,
        ci_level=level,
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=fit,
        notes=tuple(notes),
        ddf=ddf_key,
    )


def _mixed_data(
    df: pd.DataFrame, formula: str, groups: object, re_formula: str | None
) -> tuple[pd.DataFrame, MissingReport]:
    """The complete rows of the formula's, the random part's and the groups' columns."""
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
    return complete_cases(df, [*lhs, *rhs, *re_vars, groups], "mixed")


def _check_groups(data: pd.DataFrame, groups: str) -> int:
    """Number of groups; several groups, and fewer groups than rows (as lme4 demands)."""
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
    return n_groups


def _fixed_effects(
    fit: Any,
    names: list[str],
    V: FloatArray,
    level: float,
    ddf: str,
    reml: bool,
    notes: list[str],
) -> tuple[pd.DataFrame, str]:
    """The fixed-effects table (Wald z, or t with Satterthwaite df) and what the tests are.

    A coefficient whose Satterthwaite df cannot be computed gets a z test, with a note added
    to ``notes``.
    """
    est = np.asarray(fit.fe_params)
    se_v = np.sqrt(np.diag(V))
    stat = est / se_v
    if ddf == "wald":
        crit = stats.norm.ppf(0.5 + level / 2)
        cols = {"z": stat}
        p_value = 2 * stats.norm.sf(np.abs(stat))
        test_note = "Wald z tests"
    else:
        from .._satterthwaite import satterthwaite_df

        dfs = satterthwaite_df(fit, reml)
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
        cols = {"df": dfs, "t": stat}
        p_value = 2 * stats.t.sf(np.abs(stat), dfs)
    table = pd.DataFrame(
        {
            "term": names,
            "estimate": est,
            "se": se_v,
            **cols,
            "ci_low": est - crit * se_v,
            "ci_high": est + crit * se_v,
            "p_value": p_value,
        }
    )
    return table, test_note


def _variance_components(fit: Any, groups: str) -> pd.DataFrame:
    """lme4's ``as.data.frame(VarCorr(fit))``: variances, covariances, then the residual."""
    cov_re = np.asarray(fit.cov_re)
    re_names = ["Intercept" if nm == groups or nm == "Group" else nm for nm in fit.cov_re.index]
    rows: list[tuple[str, str | None, str | None, float, float]] = []
    for i, a in enumerate(re_names):
        rows.append((groups, a, None, cov_re[i, i], np.sqrt(cov_re[i, i])))
    for i in range(len(re_names)):
        for j in range(i + 1, len(re_names)):
            denom = np.sqrt(cov_re[i, i] * cov_re[j, j])
            corr = cov_re[i, j] / denom if denom > 0 else np.nan
            rows.append((groups, re_names[i], re_names[j], cov_re[i, j], corr))
    rows.append(("Residual", None, None, float(fit.scale), np.sqrt(float(fit.scale))))
    cols = list(zip(*rows, strict=True))
    return pd.DataFrame(
        {
            "group": pd.Series(cols[0], dtype=object),
            "var1": pd.Series(cols[1], dtype=object),  # None where lme4 shows NA
            "var2": pd.Series(cols[2], dtype=object),
            "vcov": np.asarray(cols[3], dtype=float),
            "sdcor": np.asarray(cols[4], dtype=float),
        }
    )


def _icc(
    design: Design, data: pd.DataFrame, groups: str, n_groups: int
) -> tuple[float, float, float]:
    """ICC(1), ICC(2) and the mean group size, from the REML null model on the same rows."""
    import statsmodels.api as sm

    null = sm.MixedLM(design.y.to_numpy(), np.ones((len(data), 1)), groups=data[groups].to_numpy())
    nfit, _ = _fit_mixedlm(null, True)
    tau2 = float(np.asarray(nfit.cov_re)[0, 0])
    icc1 = tau2 / (tau2 + float(nfit.scale))
    k = len(data) / n_groups
    icc2 = k * icc1 / (1 + (k - 1) * icc1)
    return float(icc1), float(icc2), float(k)
