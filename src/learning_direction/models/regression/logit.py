"""Binary logistic regression as R's ``glm(family = binomial)``, with sandwich SEs on request.

:func:`logit` recodes a two-valued outcome to 0/1 (saying which value is 1), fits by
Newton-Raphson, names the predictors behind a (quasi-)separation, and reports Wald tests, odds
ratios and pseudo-R^2 values.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
from scipy import stats

from ..._core.format import fmt_p, format_number
from ..._core.results import ResultMixin
from ..._core.warn import warn_user
from ...exceptions import DataValidationError, ModelError, ModelWarning
from .._design import (
    Design,
    build_design,
    check_cluster_column,
    check_cluster_count,
    check_design,
    check_formula_columns,
    check_se_type,
    sandwich_vcov,
)
from .._types import FloatArray
from ..imputation import ImputedData, is_multiply_imputed, pool_fits, pool_logit
from ._summary import CoefficientPlot, check_ci_level, notes_from_report, summary_text

__all__ = ["LogitResult", "logit"]


@dataclass(frozen=True, eq=False)
class LogitResult(CoefficientPlot, ResultMixin):
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
            f"{fmt_p(self.lr_p_value)}",
            "McFadden R2": self.mcfadden_r2,
            "Nagelkerke R2": self.nagelkerke_r2,
        }

    def summary(self, digits: int = 4) -> str:
        """Readable text: model line, fit statistics, the coefficient table and notes."""
        return summary_text(self, digits, [("", self.table)])


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


def _all_numeric(values: Iterable[object]) -> bool:
    try:
        [float(v) for v in values]  # type: ignore[arg-type]  # any value may fail
    except (TypeError, ValueError):
        return False
    return True


def _separating_terms(X: pd.DataFrame, y: FloatArray, params: FloatArray) -> list[str]:
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


def _logit_design(
    df: pd.DataFrame, formula: str, se: str, cluster: str | None
) -> tuple[Design, str]:
    """The design of a 0/1 outcome (recoded from two values) and the note saying which is 1."""
    lhs, _ = check_formula_columns(df, formula, "logit")
    extra: list[str] = []
    if cluster is not None and se == "cluster":
        check_cluster_column(df, cluster, "logit")
        extra = [cluster]
    data_in, formula, coding = _binary_outcome(df, formula, lhs)
    design = build_design(data_in, formula, extra_columns=extra, what="logit")
    if cluster is not None and se == "cluster":
        check_cluster_count(design.data[cluster].to_numpy(), cluster, "logit")
    uniq = np.unique(design.y.to_numpy())
    if not set(uniq) <= {0.0, 1.0} or len(uniq) != 2:
        raise DataValidationError(
            f"logit: the outcome '{design.response}' must take two values coded 0/1 in the rows "
            f"used; found {list(uniq[:10])}. Recode it to 0/1"
        )
    check_design(design.X, "logit")
    return design, coding


def _fit_logit(X: pd.DataFrame, y: FloatArray) -> Any:
    """statsmodels' Newton fit; a :class:`ModelError` naming the predictors on separation.

    A fit that does not converge for another reason gives a :class:`ModelWarning` (attributed
    to the caller of :func:`logit`) and is returned.
    """
    # the model's own module, not statsmodels.api (0.10 s against 0.31 s in a fresh process)
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    fit: Any = None
    sep_warn = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Newton's absolute tolerance and ridge are not scale-invariant: solve on the
            # column-scaled design first, then polish on the user's scale from that solution
            scale = np.abs(X).max().to_numpy()
            start = Logit(y, X / scale).fit(disp=0, method="newton", maxiter=100).params
            fit = Logit(y, X).fit(
                disp=0, method="newton", maxiter=100, start_params=start.to_numpy() / scale
            )
        except (PerfectSeparationError, np.linalg.LinAlgError):
            sep_warn = True
    other: list[str] = []
    for w in caught:
        if issubclass(w.category, PerfectSeparationWarning):
            sep_warn = True
        elif issubclass(w.category, ConvergenceWarning | HessianInversionWarning | RuntimeWarning):
            other.append(str(w.message))
    params = np.asarray(fit.params) if fit is not None else np.zeros(X.shape[1])
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
        warn_user(
            "logit: the fit did not converge; "
            + ("; ".join(other) if other else "check the predictors' scales")
            + ". Rescale predictors or simplify the model",
            ModelWarning,
        )
    return fit


def _logit_table(names: list[str], params: FloatArray, V: FloatArray, level: float) -> pd.DataFrame:
    """Wald z tests and CIs, with odds ratios and their CIs."""
    se_v = np.sqrt(np.diag(V))
    z = params / se_v
    zcrit = stats.norm.ppf(0.5 + level / 2)
    lo, hi = params - zcrit * se_v, params + zcrit * se_v
    return pd.DataFrame(
        {
            "term": names,
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


def logit(
    df: pd.DataFrame | ImputedData | Sequence[pd.DataFrame],
    formula: str,
    *,
    se: str = "classical",
    cluster: str | None = None,
    ci_level: float = 0.95,
) -> LogitResult:
    """Binary logistic regression from a formula (R's ``glm(family = binomial)``).

    Parameters
    ----------
    df : DataFrame, ImputedData or list of DataFrame
        Multiply imputed data (:func:`~learning_direction.impute`, or a list of completed
        DataFrames) are fitted in every imputation and pooled by Rubin's rules as
        ``mice::pool`` pools ``glm`` fits (Wald statistics on the Barnard-Rubin df; the table
        gains ``df``, ``riv``, ``lambda``, ``fmi``).
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
      Intercept    -3.319 0.425       0.036
    hireability     0.663 0.084       1.941
    >>> res.n, res.n_dropped  # the 78 mentees lost to the 6-month follow-up
    (557, 78)
    """
    if is_multiply_imputed(df):  # fit in every imputation, pool by Rubin's rules
        return pool_fits(
            lambda d: logit(d, formula, se=se, cluster=cluster, ci_level=ci_level),
            df,
            pool_logit,
            what="logit()",
            ci_level=check_ci_level(ci_level),
        )
    df = cast(pd.DataFrame, df)
    level = check_ci_level(ci_level)
    se = check_se_type(se, cluster)
    design, coding = _logit_design(df, formula, se, cluster)
    X, y = design.X, design.y.to_numpy()
    fit = _fit_logit(X, y)
    n, p = X.shape
    Xa = X.to_numpy()
    phat = np.asarray(fit.predict())
    w = phat * (1 - phat)
    bread = np.linalg.inv(Xa.T @ (Xa * w[:, None]))
    if se == "classical":
        V = bread
    else:
        hat = w * np.einsum("ij,jk,ik->i", Xa, bread, Xa)
        groups = design.data[cluster].to_numpy() if se == "cluster" else None
        V = sandwich_vcov(Xa, y - phat, bread, se, hat=hat, groups=groups)
    ll, ll0 = float(fit.llf), float(fit.llnull)
    cox = 1 - np.exp(2 * (ll0 - ll) / n)
    lr = 2 * (ll - ll0)
    lr_df = float(fit.df_model)
    notes = notes_from_report(design.report)
    if se != "classical":
        notes.append(
            f"{se} sandwich SEs (sandwich::vcov{'CL' if se == 'cluster' else 'HC'} for a glm)"
        )
    notes.append("Wald z tests and Wald confidence intervals (R: confint.default)")
    names = list(X.columns)
    return LogitResult(
        table=_logit_table(names, np.asarray(fit.params), V, level),
        formula=design.formula,
        response=design.response,
        loglik=ll,
        loglik_null=ll0,
        aic=float(-2 * ll + 2 * p),
        bic=float(-2 * ll + np.log(n) * p),
        mcfadden_r2=float(1 - ll / ll0),
        nagelkerke_r2=float(cox / (1 - np.exp(2 * ll0 / n))),
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
