"""Moderation analysis (Hayes PROCESS model 1): simple slopes, Johnson-Neyman, Delta R^2.

:func:`moderate` fits ``y ~ x + w + x:w (+ covariates)`` by OLS (re-using
:func:`learning_direction.models.regression.regress`'s machinery, so the same SE types are
available), probes the conditional effect of ``x`` at chosen values of ``w``, finds the
Johnson-Neyman boundaries of significance and tests the interaction's increment in R^2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import choice
from .._core.data import MissingReport, complete_cases, require_columns
from .._core.format import format_number
from .._core.plotting import figure
from .._core.results import ResultMixin, table_to_text
from ..exceptions import DataValidationError
from ._design import build_design, check_cluster_column, check_se_type, quote
from ._probe import check_probe, check_probe_values
from ._types import FloatArray
from .regression._summary import check_ci_level
from .regression.ols import RegressionResult, ols_from_design

__all__ = ["ModerationResult", "moderate"]

_PCT_LABELS = ("16th percentile", "50th percentile", "84th percentile")


@dataclass(frozen=True, eq=False)
class ModerationResult(ResultMixin):
    """Result of :func:`moderate` (PROCESS model 1).

    Attributes
    ----------
    table : DataFrame
        Coefficients of ``y ~ x + w + x:w + covariates``: ``term, estimate, se, t, ci_low,
        ci_high, p_value`` (terms named with the real columns, e.g. ``SATV:education``).
    probes : DataFrame
        Conditional effect of ``x`` at each probe value: ``w, effect, se, t, ci_low, ci_high,
        p_value`` plus ``label`` (e.g. ``16th percentile``).
    jn : list of float
        Johnson-Neyman boundaries (all real roots, sorted; empty if none).
    jn_table : DataFrame
        ``boundary, within_range, pct_below, pct_above`` (percent of the sample with ``w`` below
        / above the boundary, as PROCESS prints).
    delta_r2 : float
        R^2 increase due to the interaction.
    interaction_test : DataFrame
        ``delta_r2, f, df1, df2, p_value`` for the interaction.
    slopes : DataFrame
        Simple-slopes data: ``w, label, x, predicted, se, ci_low, ci_high`` on a grid of ``x``
        at each probe value (covariates at their means).
    regression : RegressionResult
        The full OLS fit.
    x, w, y : str
    covariates : tuple of str
    n, n_dropped : int
    probe : str
    center : bool
    se_type : str
    ci_level : float
    w_range : tuple of float
        Observed minimum and maximum of ``w`` (centred if ``center``).
    notes : tuple of str
    """

    table: pd.DataFrame
    probes: pd.DataFrame
    jn: list[float]
    jn_table: pd.DataFrame
    delta_r2: float
    interaction_test: pd.DataFrame
    slopes: pd.DataFrame
    regression: RegressionResult = field(repr=False)
    x: str = ""
    w: str = ""
    y: str = ""
    covariates: tuple[str, ...] = ()
    n: int = 0
    n_dropped: int = 0
    probe: str = "percentile"
    center: bool = False
    se_type: str = "classical"
    ci_level: float = 0.95
    w_range: tuple[float, float] = (np.nan, np.nan)
    w_values: FloatArray | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()
    method: str = "PROCESS model 1 (OLS)"

    _title: ClassVar[str] = "Moderation (PROCESS model 1)"

    @property
    def interaction_term(self) -> str:
        """Name of the product term, ``"x:w"``."""
        return f"{self.x}:{self.w}"

    def conditional_effect(self, w_values: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Conditional effect of ``x`` at arbitrary values of ``w``.

        Returns a DataFrame ``w, effect, se, t, ci_low, ci_high, p_value`` with
        :math:`\\theta(w) = b_x + b_{xw} w` and
        :math:`SE = \\sqrt{V_{xx} + 2 w V_{x,xw} + w^2 V_{xw,xw}}`, t tests with the residual df.
        """
        return _conditional(self.regression, self.x, self.interaction_term, w_values)

    def _meta(self) -> dict[str, Any]:
        r = self.regression
        return {
            "model": f"{self.y} ~ {self.x} * {self.w}"
            + (" + " + " + ".join(self.covariates) if self.covariates else ""),
            "method": self.method,
            "se": self.se_type,
            "n": self.n,
            "n_dropped": self.n_dropped,
            "R2": r.r2,
            "centered": "x and w mean-centered" if self.center else "no",
        }

    def summary(self, digits: int = 4) -> str:
        """PROCESS-like text: model, coefficients, interaction test, probes and JN."""
        r = self.regression
        lines = [self._title, "=" * len(self._title)]
        lines += [f"Y = {self.y}   X = {self.x}   W = {self.w}"]
        if self.covariates:
            lines.append("Covariates: " + ", ".join(self.covariates))
        lines.append(
            f"n = {self.n} (dropped {self.n_dropped});  R2 = {format_number(r.r2, digits)}, "
            f"F({format_number(r.df_model)}, {format_number(r.df_resid)}) = "
            f"{format_number(r.f, digits)}, p = {format_number(r.f_p_value, digits)};  SE: {self.se_type}"
        )
        lines += ["", "Model:", table_to_text(self.table, digits)]
        lines += [
            "",
            "Test of the interaction (R2 change):",
            table_to_text(self.interaction_test, digits),
        ]
        lines += ["", f"Conditional effects of {self.x} at values of {self.w}:"]
        lines.append(table_to_text(self.probes, digits))
        lines += ["", "Johnson-Neyman boundaries of significance:"]
        lines.append(table_to_text(self.jn_table, digits) if len(self.jn_table) else "(none)")
        if self._notes():
            lines += [""] + [f"Note: {n}" for n in self._notes()]
        return "\n".join(lines)

    def _extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("Test of the interaction (R² change)", self.interaction_test),
            (f"Conditional effects of {self.x} at values of {self.w}", self.probes),
            ("Johnson–Neyman boundaries of significance", self.jn_table),
        ]

    def plot(self, kind: str = "jn", ax: Any = None, **kwargs: Any) -> Any:
        """``kind="jn"``: conditional effect with its CI band and JN boundaries;
        ``kind="slopes"``: simple slopes at the probe values."""
        kind = choice(kind, "kind", ["jn", "slopes"], error=DataValidationError)
        if kind == "jn":
            return figure("moderation.plot_johnson_neyman")(self, ax=ax, **kwargs)
        return figure("moderation.plot_simple_slopes")(self, ax=ax, **kwargs)


def _conditional(
    reg: RegressionResult, x: str, xw: str, w_values: Sequence[float] | FloatArray
) -> pd.DataFrame:
    w = np.asarray(w_values, dtype=float)
    b = reg.table.set_index("term")["estimate"]
    V = reg.vcov
    eff = b[x] + b[xw] * w
    se = np.sqrt(V.loc[x, x] + 2 * w * V.loc[x, xw] + w**2 * V.loc[xw, xw])
    t = eff / se
    crit = stats.t.ppf(0.5 + reg.ci_level / 2, reg.df_resid)
    return pd.DataFrame(
        {
            "w": w,
            "effect": eff,
            "se": se,
            "t": t,
            "ci_low": eff - crit * se,
            "ci_high": eff + crit * se,
            "p_value": 2 * stats.t.sf(np.abs(t), reg.df_resid),
        }
    )


def _jn_roots(reg: RegressionResult, x: str, xw: str) -> list[float]:
    b = reg.table.set_index("term")["estimate"]
    V = reg.vcov
    t2 = stats.t.ppf(0.5 + reg.ci_level / 2, reg.df_resid) ** 2
    a = b[xw] ** 2 - t2 * V.loc[xw, xw]
    bb = 2 * (b[x] * b[xw] - t2 * V.loc[x, xw])
    c = b[x] ** 2 - t2 * V.loc[x, x]
    scale = max(abs(a), abs(bb), abs(c), np.finfo(float).tiny)
    if abs(a) <= 1e-14 * scale:  # linear case
        return [float(-c / bb)] if bb != 0 else []
    disc = bb**2 - 4 * a * c
    if disc < 0:
        return []
    r = np.sqrt(disc)
    return sorted([float((-bb - r) / (2 * a)), float((-bb + r) / (2 * a))])


def _numeric(data: pd.DataFrame, col: str, role: str) -> None:
    if pd.api.types.is_bool_dtype(data[col]) or pd.api.types.is_numeric_dtype(data[col]):
        return
    raise DataValidationError(
        f"moderate: {role} '{col}' must be numeric, found {data[col].dtype} values such as "
        f"{list(pd.unique(data[col].dropna())[:3])}; recode it (e.g. a 0/1 dummy for two groups)"
    )


def moderate(
    df: pd.DataFrame,
    x: str,
    w: str,
    y: str,
    *,
    covariates: Sequence[str] | None = None,
    probe: str = "percentile",
    probe_values: Sequence[float] | None = None,
    center: bool = False,
    se: str = "classical",
    cluster: str | None = None,
    ci_level: float = 0.95,
) -> ModerationResult:
    """Simple moderation, Hayes' PROCESS model 1: does ``w`` change the effect of ``x`` on ``y``?

    Parameters
    ----------
    df : DataFrame
    x, w, y : str
        Focal predictor, moderator and outcome columns (numeric; a two-valued ``w`` is fine).
    covariates : sequence of str, optional
        Further predictors (categorical ones are dummy-coded by the formula machinery).
    probe : {"percentile", "meansd"}
        Values of ``w`` at which the effect of ``x`` is probed: the 16th, 50th and 84th
        percentiles (default, as PROCESS >= 3; ``"percentiles"`` is accepted as an alias, as in
        :func:`~learning_direction.moderated_mediation`) or the mean - 1 SD, mean and mean + 1
        SD. A moderator with exactly two values is probed at those two values.
    probe_values : float or sequence of float, optional
        Explicit probe values (override ``probe``), in the metric of ``w`` after centering:
        one number or a list of distinct finite numbers.
    center : bool
        Mean-center ``x`` and ``w`` before forming the product (PROCESS ``center = 1``).
    se : {"classical", "HC0", "HC1", "HC2", "HC3", "HC4", "cluster"}
        Standard errors, as in :func:`learning_direction.regress` (PROCESS ``hc = 0..4``).
    cluster : str, optional
        Cluster column for ``se="cluster"``.
    ci_level : float
        Confidence level of every interval and of the Johnson-Neyman boundaries.

    Returns
    -------
    ModerationResult
        ``.table``, ``.probes``, ``.jn``, ``.jn_table``, ``.delta_r2``, ``.interaction_test``,
        ``.slopes``, ``.regression``.

    Raises
    ------
    DataValidationError
        Unknown or non-numeric ``x``/``w``/``y``; a variable given twice; a bad ``probe``; a
        constant moderator.
    ModelError
        Collinear predictors or fewer rows than parameters.

    Notes
    -----
    Model :math:`\\hat y = b_0 + b_1 x + b_2 w + b_3 xw + \\sum c_k z_k`. Conditional effect
    :math:`\\theta(w) = b_1 + b_3 w` with :math:`SE^2 = V_{11} + 2wV_{13} + w^2 V_{33}` and t
    tests on :math:`n - p` df. Johnson-Neyman boundaries solve :math:`\\theta(w)^2 =
    t_{crit}^2 SE(w)^2`, i.e. :math:`(b_3^2 - t^2V_{33})w^2 + 2(b_1b_3 - t^2V_{13})w +
    (b_1^2 - t^2V_{11}) = 0`; all real roots are reported, with ``within_range`` saying whether
    each lies inside the observed range of ``w`` (PROCESS prints only those). Percentiles use
    R's ``quantile(type = 6)`` (SPSS's default definition); PROCESS's own percentile routine can
    differ on small or heavily tied samples. With ``probe="meansd"`` the SD is the sample SD.
    :math:`\\Delta R^2 = R^2 - R^2_{\\text{no interaction}}` on the same rows; its F test is
    :math:`F(1, n-p) = t_{b_3}^2` computed with the chosen SEs, which equals the classical
    R^2-change F when ``se="classical"`` (PROCESS does the same with ``hc``).

    With ``center=True`` the interaction coefficient, its SE and the R^2 are unchanged; the
    lower-order coefficients become effects at the mean of the other variable, and probe values
    and boundaries are reported in the centered metric.

    References
    ----------
    Hayes, A. F. (2022). *Introduction to mediation, moderation, and conditional process
    analysis* (3rd ed.). Guilford. Johnson, P. O., & Neyman, J. (1936). Tests of certain linear
    hypotheses and their application to some educational problems. *Statistical Research
    Memoirs, 1*, 57-93.

    Examples
    --------
    Authentic advocacy on the bundled data: does the pair's authenticity change how strongly
    the mentor's advocacy relates to the mentee's career progress?

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("advocacy")
    >>> d = raw.join(ld.score(raw, ["advocacy", "authenticity", "career_progress"]).scores)
    >>> res = ld.moderate(d, x="advocacy", w="authenticity", y="career_progress")
    >>> # PROCESS: process(data = d, y = "career_progress", x = "advocacy",
    >>> #                  w = "authenticity", model = 1, jn = 1)
    >>> # or lm(career_progress ~ advocacy * authenticity, d) + interactions::sim_slopes()
    >>> print(res.table[["term", "estimate", "se", "p_value"]].round(3).to_string(index=False))
                     term  estimate    se  p_value
                Intercept     4.180 0.884    0.000
                 advocacy    -0.029 0.211    0.889
             authenticity    -0.192 0.182    0.293
    advocacy:authenticity     0.081 0.043    0.058
    >>> print(res.probes[["w", "effect", "ci_low", "ci_high"]].round(3).to_string(index=False))
      w  effect  ci_low  ci_high
    3.5   0.255   0.104    0.405
    5.0   0.377   0.269    0.484
    6.0   0.458   0.310    0.606
    """
    level = check_ci_level(ci_level)
    se = check_se_type(se, cluster)
    covs = (
        []
        if covariates is None
        else ([covariates] if isinstance(covariates, str) else list(covariates))
    )
    for name, role in ((x, "x"), (w, "w"), (y, "y")):
        if not isinstance(name, str):
            raise DataValidationError(f"moderate: {role} must be a column name, got {name!r}")
    roles = [x, w, y, *covs]
    dup = sorted({c for c in roles if roles.count(c) > 1})
    if dup:
        raise DataValidationError(
            f"moderate: column(s) {dup} are used in more than one role (x = {x!r}, w = {w!r}, "
            f"y = {y!r}, covariates = {covs}); each variable may appear once"
        )
    probe = check_probe(probe, DataValidationError)
    data, report, notes = _moderation_data(df, x, w, y, roles, se, cluster, center)
    qx, qw = quote(x), quote(w)
    rhs_cov = "".join(f" + {quote(c)}" for c in covs)
    cl = data[cluster].to_numpy() if cluster is not None and se == "cluster" else None
    fits: list[RegressionResult] = []
    for formula in (
        f"{quote(y)} ~ {qx} + {qw} + {qx}:{qw}{rhs_cov}",
        f"{quote(y)} ~ {qx} + {qw}{rhs_cov}",  # without the interaction, for Delta R^2
    ):
        design = build_design(data, formula, what="moderate", data=data, report=report)
        fits.append(
            ols_from_design(
                design,
                se=se,
                cluster=cluster,
                cluster_values=cl,
                standardize=False,
                ci_level=level,
                notes=list(notes) if not fits else (),
                what="moderate",
            )
        )
    reg, red = fits
    xw = f"{x}:{w}"
    wv = data[w].to_numpy()
    pv, labels, probe_used = _probe_points(wv, x, w, probe, probe_values, notes)
    probes = _conditional(reg, x, xw, pv)
    probes.insert(1, "label", labels)
    jn, jn_table = _johnson_neyman(reg, x, w, wv, probes, notes)
    return ModerationResult(
        table=reg.table,
        probes=probes,
        jn=jn,
        jn_table=jn_table,
        delta_r2=float(reg.r2 - red.r2),
        interaction_test=_interaction_test(reg, red, xw),
        slopes=_simple_slopes(reg, data, x, w, pv, labels),
        regression=reg,
        x=x,
        w=w,
        y=y,
        covariates=tuple(covs),
        n=reg.n,
        n_dropped=reg.n_dropped,
        probe=probe_used,
        center=bool(center),
        se_type=se,
        ci_level=level,
        w_range=(float(wv.min()), float(wv.max())),
        w_values=wv,
        notes=tuple(dict.fromkeys([*reg.notes, *notes])),
    )


def _moderation_data(
    df: pd.DataFrame,
    x: str,
    w: str,
    y: str,
    roles: list[str],
    se: str,
    cluster: str | None,
    center: bool,
) -> tuple[pd.DataFrame, MissingReport, list[str]]:
    """Complete rows with numeric x, w (not constant) and y, mean-centred on request."""
    require_columns(df, roles, "moderate")
    extra = []
    if cluster is not None and se == "cluster":
        check_cluster_column(df, cluster, "moderate")
        extra = [cluster]
    data, report = complete_cases(df, [*roles, *extra], "moderate")
    for col, role in ((x, "x"), (w, "w"), (y, "y")):
        _numeric(data, col, role)
    data = data.copy()
    for col in (x, w, y):
        data[col] = data[col].astype(float)
    if len(data) and data[w].nunique() < 2:
        raise DataValidationError(
            f"moderate: the moderator '{w}' is constant in the rows used; nothing can be moderated"
        )
    notes = [report.reason] if report.n_dropped else []
    if center:
        means = {x: float(data[x].mean()), w: float(data[w].mean())}
        data[x] = data[x] - means[x]
        data[w] = data[w] - means[w]
        notes.append(
            f"{x} and {w} mean-centered (means {means[x]:.4g} and {means[w]:.4g}); probe values "
            "and JN boundaries are in the centered metric"
        )
    return data, report, notes


def _probe_points(
    wv: FloatArray,
    x: str,
    w: str,
    probe: str,
    probe_values: float | Sequence[float] | None,
    notes: list[str],
) -> tuple[FloatArray, list[str], str]:
    """The probe values of w, their labels and how they were chosen (notes added)."""
    uniq = np.unique(wv)
    if probe_values is not None:
        pv = check_probe_values(probe_values, "probe_values", DataValidationError)
        return pv, ["user value"] * len(pv), "values"
    if len(uniq) == 2:
        notes.append(f"'{w}' has two values, so the effect of {x} is probed at each of them")
        return uniq.astype(float), [f"{w} = {u:g}" for u in uniq], "dichotomous"
    if probe == "percentile":
        pv = np.percentile(wv, [16, 50, 84], method="weibull")  # R quantile(type = 6)
        return pv, list(_PCT_LABELS), "percentile"
    m, s = float(wv.mean()), float(wv.std(ddof=1))
    pv = np.array([m - s, m, m + s])
    labels = ["mean - 1 SD", "mean", "mean + 1 SD"]
    outside = [lab for v, lab in zip(pv, labels, strict=True) if v < wv.min() or v > wv.max()]
    if outside:
        notes.append(
            f"{', '.join(outside)} of '{w}' lies outside its observed range; consider "
            "probe='percentile'"
        )
    return pv, labels, "meansd"


def _johnson_neyman(
    reg: RegressionResult, x: str, w: str, wv: FloatArray, probes: pd.DataFrame, notes: list[str]
) -> tuple[list[float], pd.DataFrame]:
    """Johnson-Neyman boundaries with where they lie in the sample (notes when none is inside)."""
    jn = _jn_roots(reg, x, f"{x}:{w}")
    wmin, wmax = float(wv.min()), float(wv.max())
    jn_table = pd.DataFrame(
        {
            "boundary": jn,
            "within_range": [wmin <= b <= wmax for b in jn],
            "pct_below": [100.0 * float(np.mean(wv < b)) for b in jn],
            "pct_above": [100.0 * float(np.mean(wv > b)) for b in jn],
        }
    )
    if not jn:
        notes.append(
            "Johnson-Neyman: no real boundary - the conditional effect is "
            + ("significant" if probes["p_value"].iloc[0] < 1 - reg.ci_level else "not significant")
            + f" at every value of {w}"
        )
    elif not jn_table["within_range"].any():
        notes.append(
            f"Johnson-Neyman: no boundary lies within the observed range of {w} "
            f"[{wmin:.4g}, {wmax:.4g}]"
        )
    return jn, jn_table


def _interaction_test(reg: RegressionResult, red: RegressionResult, xw: str) -> pd.DataFrame:
    """Delta R^2 of the interaction and its F test, F(1, n - p) = t^2 with the chosen SEs."""
    t_int = float(reg.table.set_index("term").loc[xw, "t"])
    f_int = t_int**2
    return pd.DataFrame(
        {
            "delta_r2": [reg.r2 - red.r2],
            "f": [f_int],
            "df1": [1],
            "df2": [int(reg.df_resid)],
            "p_value": [float(stats.f.sf(f_int, 1, reg.df_resid))],
        }
    )


def _simple_slopes(
    reg: RegressionResult,
    data: pd.DataFrame,
    x: str,
    w: str,
    pv: FloatArray,
    labels: list[str],
) -> pd.DataFrame:
    """Predicted y on a grid of x at each probe value of w, covariates at their means."""
    X = reg.design.X
    cols = list(X.columns)
    xgrid = np.linspace(float(data[x].min()), float(data[x].max()), 50)
    b = reg.table["estimate"].to_numpy()
    V = reg.vcov.to_numpy()
    base = X.mean(axis=0).to_numpy()
    crit = stats.t.ppf(0.5 + reg.ci_level / 2, reg.df_resid)
    frames = []
    for val, lab in zip(pv, labels, strict=True):
        rows = np.tile(base, (len(xgrid), 1))
        rows[:, cols.index(x)] = xgrid
        rows[:, cols.index(w)] = val
        rows[:, cols.index(f"{x}:{w}")] = xgrid * val
        pred = rows @ b
        sep = np.sqrt(np.einsum("ij,jk,ik->i", rows, V, rows))
        frames.append(
            pd.DataFrame(
                {
                    "w": val,
                    "label": lab,
                    "x": xgrid,
                    "predicted": pred,
                    "se": sep,
                    "ci_low": pred - crit * sep,
                    "ci_high": pred + crit * sep,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
