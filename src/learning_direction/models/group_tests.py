"""Comparisons of group means that match R: Welch's t test, Welch's ANOVA and Games–Howell.

* :func:`ttest` -- two groups: Welch's (default) or Student's t test with the mean difference,
  its CI and Hedges' g with its CI (R ``t.test``, ``effectsize::hedges_g``);
* :func:`welch_anova` -- two or more groups: Welch's heteroscedastic one-way ANOVA with eta^2 and
  omega^2 and their CIs (R ``oneway.test(var.equal = FALSE)``, ``effectsize``);
* :func:`games_howell` -- all pairs: Games–Howell differences, studentized-range p-values and
  simultaneous CIs (R ``rstatix::games_howell_test``; pingouin ``pairwise_gameshowell``).

Each takes ``cluster=`` for nested data (mentees within mentors): the group differences are then
tested from an OLS fit with cell-mean indicators and CR2 cluster-robust SEs with
Bell–McCaffrey/Satterthwaite degrees of freedom, and the omnibus test is the HTZ Wald test
(R ``clubSandwich``), so that mentees of one mentor are not treated as independent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .._core.checks import check_level
from .._core.data import complete_cases, require_columns
from .._core.format import fmt_num, fmt_p
from .._core.results import ResultMixin, table_to_text
from .._core.warn import warn_user
from ..exceptions import DataQualityWarning, DataValidationError, ModelError
from ._studentized_range import ptukey, qtukey

__all__ = [
    "GamesHowellResult",
    "TTestResult",
    "WelchAnovaResult",
    "games_howell",
    "ttest",
    "welch_anova",
]

#: fewer clusters than this are refused with cluster=
MIN_CLUSTERS = 5


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _GroupResult(ResultMixin):
    """Fields shared by the group-comparison results."""

    table: pd.DataFrame
    groups: pd.DataFrame
    dv: str
    between: str
    n: int
    n_dropped: int
    ci_level: float
    method: str
    cluster: str | None = None
    n_clusters: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def _meta(self) -> dict[str, Any]:
        meta = super()._meta()
        if self.cluster:
            meta["cluster"] = f"{self.cluster} ({self.n_clusters} clusters)"
        return meta

    def summary(self, digits: int = 4) -> str:
        """Title, metadata, the test table, the group descriptives and the notes."""
        text = super().summary(digits)
        head, sep, tail = text.partition("\n\nNote: ")
        block = f"{head}\n\nGroups:\n{table_to_text(self.groups, digits)}"
        return block + (sep + tail if sep else "")


@dataclass(frozen=True, eq=False)
class TTestResult(_GroupResult):
    """Result of :func:`ttest`.

    Attributes
    ----------
    table : DataFrame
        One row: ``contrast`` (``"<group1> - <group2>"``), ``estimate`` (mean difference),
        ``se``, ``t``, ``df``, ``p_value``, ``ci_low``, ``ci_high``, ``hedges_g``,
        ``g_ci_low``, ``g_ci_high``.
    groups : DataFrame
        ``group, n, mean, sd``.
    """

    welch: bool = True
    _title: ClassVar[str] = "Two-group comparison (t test)"

    @property
    def statistic(self) -> float:
        """The t statistic."""
        return float(self.table["t"].iloc[0])

    @property
    def p_value(self) -> float:
        """The two-sided p-value."""
        return float(self.table["p_value"].iloc[0])

    def text(self) -> str:
        """APA-style sentence: ``t(55.31) = 1.92, p = .061, g = 0.49, 95% CI [-0.02, 0.99]``."""
        r = self.table.iloc[0]
        lvl = round(self.ci_level * 100)
        return (
            f"t({fmt_num(r['df'])}) = {fmt_num(r['t'])}, {fmt_p(r['p_value'])}, "
            f"g = {fmt_num(r['hedges_g'])}, {lvl}% CI [{fmt_num(r['g_ci_low'])}, "
            f"{fmt_num(r['g_ci_high'])}]"
        )


@dataclass(frozen=True, eq=False)
class WelchAnovaResult(_GroupResult):
    """Result of :func:`welch_anova`.

    Attributes
    ----------
    table : DataFrame
        One row: ``test`` (``"Welch"`` or ``"CR2 HTZ"``), ``f``, ``df1``, ``df2``, ``p_value``,
        ``eta2``, ``eta2_ci_low``, ``eta2_ci_high``, ``omega2``, ``omega2_ci_low``,
        ``omega2_ci_high``.
    groups : DataFrame
        ``group, n, mean, sd``.
    """

    _title: ClassVar[str] = "Welch's one-way ANOVA"

    @property
    def statistic(self) -> float:
        """The F statistic."""
        return float(self.table["f"].iloc[0])

    @property
    def p_value(self) -> float:
        """The p-value of the F test."""
        return float(self.table["p_value"].iloc[0])

    def text(self) -> str:
        """APA-style sentence: ``F(2, 17.13) = 5.18, p = .017, eta2 = .38, 95% CI [.01, .62]``."""
        r = self.table.iloc[0]
        lvl = round(self.ci_level * 100)
        return (
            f"F({fmt_num(r['df1'], 0)}, {fmt_num(r['df2'])}) = {fmt_num(r['f'])}, "
            f"{fmt_p(r['p_value'])}, eta2 = {fmt_num(r['eta2'], bounded=True)}, {lvl}% CI "
            f"[{fmt_num(r['eta2_ci_low'], bounded=True)}, "
            f"{fmt_num(r['eta2_ci_high'], bounded=True)}]"
        )


@dataclass(frozen=True, eq=False)
class GamesHowellResult(_GroupResult):
    """Result of :func:`games_howell`.

    Attributes
    ----------
    table : DataFrame
        One row per pair: ``group1, group2, mean1, mean2, estimate`` (``mean1 - mean2``),
        ``se, t, df, p_value, ci_low, ci_high, hedges_g``. p-values and CIs are adjusted
        for the number of pairs (studentized range; Bonferroni with ``cluster``).
    groups : DataFrame
        ``group, n, mean, sd``.
    """

    _title: ClassVar[str] = "Games-Howell pairwise comparisons"


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Groups:
    """Complete rows split into groups (levels in R's factor order)."""

    y: np.ndarray
    codes: np.ndarray
    levels: tuple[str, ...]
    n_dropped: int
    notes: tuple[str, ...]
    cluster_codes: np.ndarray | None
    n_clusters: int | None

    @property
    def k(self) -> int:
        return len(self.levels)

    def describe(self) -> pd.DataFrame:
        """``group, n, mean, sd`` of every group."""
        rows = []
        for i, lv in enumerate(self.levels):
            v = self.y[self.codes == i]
            rows.append((lv, int(v.size), float(v.mean()), float(v.std(ddof=1))))
        return pd.DataFrame(rows, columns=["group", "n", "mean", "sd"])

    def moments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per group: n, mean, variance (divisor n - 1)."""
        n = np.bincount(self.codes, minlength=self.k).astype(float)
        mean = np.bincount(self.codes, weights=self.y, minlength=self.k) / n
        ss = np.bincount(self.codes, weights=(self.y - mean[self.codes]) ** 2, minlength=self.k)
        return n, mean, ss / (n - 1)


def _level_order(values: pd.Series) -> list[Any]:
    """Levels as R's ``factor()`` orders them: category order, else sorted values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.unique())
        return [c for c in values.cat.categories if c in present]
    uniq = list(pd.unique(values))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


def _prepare(df: pd.DataFrame, dv: str, between: str, cluster: str | None, what: str) -> _Groups:
    """Check the columns, drop incomplete rows with a record, code the groups, refuse bad data."""
    for name, value in (("dv", dv), ("between", between)):
        if not isinstance(value, str):
            raise DataValidationError(f"{what}: {name} must be one column name, got {value!r}")
    if dv == between:
        raise DataValidationError(f"{what}: dv and between are both '{dv}'; name two columns")
    require_columns(df, [dv, between] + ([cluster] if cluster else []), what)
    if cluster is not None and df[cluster].isna().any():
        bad = df.index[df[cluster].isna()][:5].tolist()
        raise DataValidationError(
            f"{what}: cluster column '{cluster}' has {int(df[cluster].isna().sum())} missing "
            f"value(s) (rows {bad}); give every row its cluster id (e.g. the mentor's id) or "
            "drop those rows"
        )
    sub, report = complete_cases(df, [dv, between] + ([cluster] if cluster else []), what)
    notes = []
    if report.n_dropped:
        notes.append(report.reason)
        warn_user(f"{what}: {report.reason}", DataQualityWarning)
    yv = sub[dv]
    if pd.api.types.is_bool_dtype(yv) or not pd.api.types.is_numeric_dtype(yv):
        raise DataValidationError(
            f"{what}: dv '{dv}' must be numeric, got {yv.dtype}; score the scale first "
            "(ld.score) or recode the column to numbers"
        )
    levels = _level_order(sub[between])
    lookup = {lv: i for i, lv in enumerate(levels)}
    codes = sub[between].map(lookup).to_numpy(dtype=np.int64)
    groups = _Groups(
        y=yv.to_numpy(dtype=float),
        codes=codes,
        levels=tuple(str(lv) for lv in levels),
        n_dropped=report.n_dropped,
        notes=tuple(notes),
        cluster_codes=None,
        n_clusters=None,
    )
    _refuse_bad_groups(groups, dv, between, what)
    if cluster is None:
        return groups
    ccodes = np.unique(sub[cluster].astype(str).to_numpy(), return_inverse=True)[1]
    n_cl = int(ccodes.max()) + 1
    if n_cl < MIN_CLUSTERS:
        raise ModelError(
            f"{what}: cluster '{cluster}' has only {n_cl} clusters; a cluster-robust test needs "
            f"at least {MIN_CLUSTERS} (and is trustworthy with 20+). Use cluster=None if the "
            "rows are independent, or a multilevel model (ld.mixed)"
        )
    return _Groups(
        groups.y, groups.codes, groups.levels, groups.n_dropped, groups.notes, ccodes, n_cl
    )


def _refuse_bad_groups(g: _Groups, dv: str, between: str, what: str) -> None:
    """Fewer than 2 groups, a group with fewer than 2 rows, a constant dv: clear errors."""
    if g.k < 2:
        only = f" (only '{g.levels[0]}')" if g.k else ""
        raise DataValidationError(
            f"{what}: '{between}' has {g.k} group(s) in the complete rows{only}; comparing "
            "groups needs at least 2. Check the column and its missing values"
        )
    counts = np.bincount(g.codes, minlength=g.k)
    small = [f"'{lv}' ({c} row)" for lv, c in zip(g.levels, counts) if c < 2]
    if small:
        raise DataValidationError(
            f"{what}: every group needs at least 2 rows with a value of '{dv}'; "
            f"{', '.join(small)} of '{between}' has fewer. Merge or drop that group"
        )
    if np.ptp(g.y) == 0:
        raise DataValidationError(
            f"{what}: '{dv}' is constant ({g.y[0]:g}) in all {g.y.size} rows; there is no "
            "difference to test"
        )


def _refuse_constant_groups(g: _Groups, dv: str, what: str) -> None:
    """Welch-type tests weight each group by n / s^2: a group without variation breaks them."""
    _, _, var = g.moments()
    flat = [lv for lv, v in zip(g.levels, var) if v <= 0]
    if flat:
        raise DataValidationError(
            f"{what}: '{dv}' does not vary within group(s) {', '.join(repr(x) for x in flat)}; "
            "Welch-type tests weight each group by n / variance and need variation in every "
            "group (check the data; a rating scale with a ceiling may need another analysis)"
        )


# ---------------------------------------------------------------------------------------------
# effect sizes
# ---------------------------------------------------------------------------------------------
def _hedges_j(df: float) -> float:
    """Exact small-sample correction J(df) = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    return float(
        np.exp(special.gammaln(df / 2) - 0.5 * np.log(df / 2) - special.gammaln((df - 1) / 2))
    )


def _nct_cdf(t: float, df: float, ncp: float) -> float:
    """P(T <= t) of the noncentral t; for t < 0 through the mirror ``sf(-t; -ncp)``, which
    stays finite far in the tail where scipy's ``cdf`` returns NaN."""
    v = float(stats.nct.sf(-t, df, -ncp)) if t < 0 else float(stats.nct.cdf(t, df, ncp))
    if np.isnan(v):
        return 0.0 if ncp > t else 1.0
    return v


def _ncp_t_bounds(t: float, df: float, level: float) -> tuple[float, float]:
    """Noncentrality parameters whose t distributions put ``t`` at the upper/lower tail."""
    alpha = (1 - level) / 2

    def solve(prob: float) -> float:
        def f(ncp: float) -> float:
            return _nct_cdf(t, df, ncp) - prob

        lo, hi, step = t - 1.0, t + 1.0, 1.0
        while f(lo) < 0:
            lo, step = lo - step, step * 1.5
        step = 1.0
        while f(hi) > 0:
            hi, step = hi + step, step * 1.5
        return float(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=1e-13))

    return solve(1 - alpha), solve(alpha)


def _ncp_f_bounds(f: float, df1: float, df2: float, level: float) -> tuple[float, float]:
    """Noncentrality bounds of an F statistic (0 where the central F is already extreme)."""
    alpha = (1 - level) / 2

    def solve(prob: float) -> float:
        if stats.f.cdf(f, df1, df2) <= prob:
            return 0.0

        def g(ncp: float) -> float:
            return float(stats.ncf.cdf(f, df1, df2, ncp)) - prob

        hi = max(10.0, 2 * f * df1)
        while g(hi) > 0:
            hi *= 2
        return float(optimize.brentq(g, 0.0, hi, xtol=1e-12, rtol=1e-13))

    return solve(1 - alpha), solve(alpha)


def _hedges_g(
    n: np.ndarray, mean: np.ndarray, var: np.ndarray, i: int, j: int, level: float | None
) -> tuple[float, float, float]:
    """Hedges' g of group i minus group j (pooled SD) with its noncentral-t CI (``level``
    None: no CI, NaN limits)."""
    df = n[i] + n[j] - 2
    sp = np.sqrt(((n[i] - 1) * var[i] + (n[j] - 1) * var[j]) / df)
    d = (mean[i] - mean[j]) / sp
    hn = 1 / n[i] + 1 / n[j]
    jf = _hedges_j(df)
    if level is None:
        return float(d * jf), float("nan"), float("nan")
    lo, hi = _ncp_t_bounds(d / np.sqrt(hn), df, level)
    return float(d * jf), float(lo * np.sqrt(hn) * jf), float(hi * np.sqrt(hn) * jf)


# ---------------------------------------------------------------------------------------------
# cluster-robust (CR2) machinery
# ---------------------------------------------------------------------------------------------
def _inv_sqrt_psd(a: np.ndarray) -> np.ndarray:
    """Symmetric (pseudo-)inverse square root of a positive semi-definite matrix."""
    vals, vecs = np.linalg.eigh(a)
    tol = max(vals.max(), 0.0) * a.shape[0] * np.finfo(float).eps * 10
    inv = np.where(vals > tol, 1 / np.sqrt(np.where(vals > tol, vals, 1.0)), 0.0)
    out: np.ndarray = (vecs * inv) @ vecs.T
    return out


@dataclass(frozen=True)
class _CR2:
    """OLS with CR2 cluster-robust covariance (working model: independent, equal variances)."""

    beta: np.ndarray
    vcov: np.ndarray
    bread: np.ndarray  # (X'X)^-1
    xg: tuple[np.ndarray, ...]  # per cluster: X_j' A_j, p x n_j
    xj: tuple[np.ndarray, ...]  # per cluster: X_j

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, clusters: np.ndarray) -> _CR2:
        bread = np.linalg.inv(x.T @ x)
        beta = bread @ x.T @ y
        e = y - x @ beta
        meat = np.zeros_like(bread)
        xg, xj = [], []
        for j in range(int(clusters.max()) + 1):
            idx = np.flatnonzero(clusters == j)
            xc = x[idx]
            a = _inv_sqrt_psd(np.eye(idx.size) - xc @ bread @ xc.T)
            u = xc.T @ a
            s = u @ e[idx]
            meat += np.outer(s, s)
            xg.append(u)
            xj.append(xc)
        return cls(beta, bread @ meat @ bread, bread, tuple(xg), tuple(xj))

    def p_array(self, c: np.ndarray) -> np.ndarray:
        """``P[s, t]`` (J x J) = covariances of the cluster contributions of contrasts s, t."""
        w = [c @ self.bread @ u for u in self.xg]  # q x n_j: contrast weights of the residuals
        hm = np.stack([xc.T @ wj.T for xc, wj in zip(self.xj, w)], axis=-1)  # p x q x J
        diag = np.stack([wj @ wj.T for wj in w], axis=-1)  # q x q x J
        p: np.ndarray = -np.einsum("aqk,ab,brl->qrkl", hm, self.bread, hm)
        jj = np.arange(len(w))
        p[:, :, jj, jj] += diag
        return p

    def satterthwaite(self, c: np.ndarray) -> tuple[float, float, float]:
        """Estimate, CR2 SE and Bell–McCaffrey (Satterthwaite) df of contrast ``c``."""
        p = self.p_array(c[None, :])[0, 0]
        df = float(np.trace(p) ** 2 / np.sum(p * p))
        return float(c @ self.beta), float(np.sqrt(c @ self.vcov @ c)), df

    def htz(self, c: np.ndarray) -> tuple[float, float, float, float]:
        """HTZ Wald test of ``c beta = 0`` (Tipton & Pustejovsky 2015): F, df1, df2, p."""
        q = c.shape[0]
        p = self.p_array(c)
        omega = np.einsum("qrkk->qr", p)
        on = _inv_sqrt_psd(omega)
        b = np.einsum("sa,abkl,bt->stkl", on, p, on)
        var = np.einsum("stkl,tskl->st", b, b) + np.einsum("sskl,ttkl->st", b, b)
        nu = q * (q + 1) / float(var.sum())
        cb = c @ self.beta
        qstat = float(cb @ np.linalg.solve(c @ self.vcov @ c.T, cb))
        df2 = nu - q + 1
        fstat = max((nu - q + 1) / nu, 0.0) * qstat / q
        pval = float(stats.f.sf(fstat, q, df2)) if df2 > 0 else float("nan")
        return fstat, float(q), df2, pval


def _cr2_fit(g: _Groups) -> _CR2:
    """OLS of the dv on an intercept and the indicators of groups 2..k, CR2 by cluster."""
    x = np.zeros((g.y.size, g.k))
    x[:, 0] = 1.0
    for i in range(1, g.k):
        x[:, i] = g.codes == i
    if g.cluster_codes is None:  # pragma: no cover - callers pass clustered groups only
        raise ModelError("internal error: a cluster-robust fit needs cluster codes")
    return _CR2.fit(x, g.y, g.cluster_codes)


def _pair_contrast(k: int, i: int, j: int) -> np.ndarray:
    """Coefficient contrast for mean(group i) - mean(group j) in the indicator coding."""
    c = np.zeros(k)
    if i:
        c[i] += 1.0
    if j:
        c[j] -= 1.0
    return c


_CR2_NOTE = (
    "cluster-robust test: OLS with group indicators, CR2 sandwich SEs (Bell & McCaffrey 2002) "
    "and Satterthwaite degrees of freedom, as R clubSandwich::vcovCR(type = 'CR2') with "
    "coef_test/Wald_test (HTZ)"
)


# ---------------------------------------------------------------------------------------------
# t test
# ---------------------------------------------------------------------------------------------
def ttest(
    df: pd.DataFrame,
    dv: str,
    between: str,
    *,
    welch: bool = True,
    ci_level: float = 0.95,
    cluster: str | None = None,
) -> TTestResult:
    """Welch's (or Student's) two-sample t test with the mean difference and Hedges' g.

    Parameters
    ----------
    df : DataFrame
    dv : str
        Numeric outcome column.
    between : str
        Column with exactly two groups. The difference is first group minus second, in R's
        factor order (category order of a categorical column, else sorted values).
    welch : bool
        Welch's test with Welch–Satterthwaite df (default, R ``t.test(var.equal = FALSE)``);
        ``False`` gives Student's pooled-variance test (``var.equal = TRUE``).
    ci_level : float
        Level of the CIs of the difference and of g.
    cluster : str, optional
        Cluster id (e.g. ``mentor_id``) for nested rows: the difference is tested with CR2
        cluster-robust SEs and Satterthwaite df (``welch`` is then not used).

    Returns
    -------
    TTestResult
        ``.table`` (``contrast, estimate, se, t, df, p_value, ci_low, ci_high, hedges_g,
        g_ci_low, g_ci_high``), ``.groups`` (``group, n, mean, sd``), ``n``, ``n_dropped``.

    Raises
    ------
    DataValidationError
        A missing or non-numeric column; not exactly two groups; a group with fewer than 2
        rows; a constant dv; a group without variation (Welch); missing cluster ids.
    ModelError
        Fewer than 5 clusters.

    Notes
    -----
    Welch: ``se = sqrt(s1^2/n1 + s2^2/n2)``, ``df = se^4 / ((s1^2/n1)^2/(n1-1) +
    (s2^2/n2)^2/(n2-1))``. Student: ``s_p^2 = ((n1-1)s1^2 + (n2-1)s2^2)/(n1+n2-2)``,
    ``se = s_p sqrt(1/n1 + 1/n2)``, ``df = n1 + n2 - 2``. ``t = (m1 - m2)/se``; CI
    ``m1 - m2 +/- t_{df, 1-alpha/2} se``.

    Hedges' g uses the pooled SD in both cases (the default of R ``effectsize::hedges_g``):
    ``d = (m1 - m2)/s_p``, ``g = J d`` with the exact correction ``J = Gamma(nu/2) /
    (sqrt(nu/2) Gamma((nu-1)/2))``, ``nu = n1 + n2 - 2``. Its CI inverts the noncentral t
    distribution (Steiger & Fouladi 1997): the noncentrality parameters ``lambda`` with
    ``P(T_nu(lambda) <= t_d) = 1 - alpha/2`` and ``alpha/2`` at ``t_d = d / sqrt(1/n1 + 1/n2)``
    give ``[J lambda_L sqrt(1/n1 + 1/n2), J lambda_U sqrt(1/n1 + 1/n2)]``. effectsize finds
    the same bounds with ``optim``; here they are solved to 1e-12, so the two agree to ~1e-7.

    With ``cluster``: OLS of the dv on an intercept and the indicator of the second group;
    the difference is minus the indicator's coefficient, its SE the CR2 sandwich SE and its df
    the Bell–McCaffrey/Satterthwaite df under a working model of independent rows (R
    ``clubSandwich::coef_test(lm, vcovCR(type = "CR2"), test = "Satterthwaite")``). g is
    then descriptive (its noncentral-t CI assumes independent rows and is left out).

    References
    ----------
    Welch, B. L. (1947). *Biometrika*, 34, 28–35. Hedges, L. V. (1981). *Journal of Educational
    Statistics*, 6, 107–128. Steiger, J. H., & Fouladi, R. T. (1997). Noncentrality interval
    estimation. In *What if there were no significance tests?* (pp. 221–257). Erlbaum.
    Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust variance
    estimation. *Journal of Business & Economic Statistics*, 36, 672–683.

    Examples
    --------
    Study 4: mentor engagement after the downward vs the upward reflection task
    (R: ``t.test(mentor_engagement ~ condition, data = d)`` and ``effectsize::hedges_g``):

    >>> import learning_direction as ld
    >>> from learning_direction.models.group_tests import ttest
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, ["mentor_engagement"]).scores)
    >>> two = d[d["condition"].isin(["downward", "upward"])]
    >>> res = ttest(two, "mentor_engagement", "condition")
    >>> res.table[["contrast", "estimate", "t", "df", "p_value"]].round(3)
                contrast  estimate      t      df  p_value
    0  downward - upward     0.391  2.451  192.73    0.015
    >>> res.text()
    't(192.73) = 2.45, p = .015, g = 0.35, 95% CI [0.07, 0.62]'
    >>> res.n, res.n_dropped
    (200, 0)
    """
    level = check_level(ci_level, error=DataValidationError)
    what = "ttest()"
    g = _prepare(df, dv, between, cluster, what)
    if g.k != 2:
        raise DataValidationError(
            f"{what}: '{between}' has {g.k} groups ({', '.join(g.levels)}); a t test compares "
            "two. Use welch_anova() for all groups and games_howell() for every pair, or keep "
            "two groups (df[df['" + between + "'].isin([...])])"
        )
    n, mean, var = g.moments()
    if cluster is None and welch:
        _refuse_constant_groups(g, dv, what)
    notes = list(g.notes)
    if cluster is not None:
        est, se, dfree = _cr2_fit(g).satterthwaite(_pair_contrast(2, 0, 1))
        method = "t test with CR2 cluster-robust SE (Satterthwaite df)"
        notes.append(_CR2_NOTE)
    elif welch:
        v = var / n
        se = float(np.sqrt(v.sum()))
        dfree = float(v.sum() ** 2 / np.sum(v**2 / (n - 1)))
        est, method = float(mean[0] - mean[1]), "Welch two-sample t test"
    else:
        dfree = float(n.sum() - 2)
        sp2 = float(((n - 1) * var).sum() / dfree)
        se = float(np.sqrt(sp2 * (1 / n).sum()))
        est, method = float(mean[0] - mean[1]), "Student two-sample t test (equal variances)"
    t = est / se
    crit = float(stats.t.ppf(0.5 + level / 2, dfree))
    gval, glo, ghi = _hedges_g(n, mean, var, 0, 1, level)
    if cluster is not None:
        glo = ghi = float("nan")
        notes.append(
            "Hedges' g is descriptive with cluster= (its CI would assume independent rows)"
        )
    notes.append("Hedges' g: pooled SD, exact J correction, CI by noncentral-t inversion")
    table = pd.DataFrame(
        [[f"{g.levels[0]} - {g.levels[1]}", est, se, t, dfree,
          float(2 * stats.t.sf(abs(t), dfree)), est - crit * se, est + crit * se, gval, glo, ghi]],
        columns=["contrast", "estimate", "se", "t", "df", "p_value", "ci_low", "ci_high",
                 "hedges_g", "g_ci_low", "g_ci_high"],
    )  # fmt: skip
    return TTestResult(
        table=table, groups=g.describe(), dv=dv, between=between, n=int(g.y.size),
        n_dropped=g.n_dropped, ci_level=level, method=method, cluster=cluster,
        n_clusters=g.n_clusters, notes=tuple(notes), welch=welch and cluster is None,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Welch ANOVA
# ---------------------------------------------------------------------------------------------
def _welch_f(n: np.ndarray, mean: np.ndarray, var: np.ndarray) -> tuple[float, float, float]:
    """Welch's F, df1, df2 (R ``oneway.test(var.equal = FALSE)``)."""
    k = n.size
    w = n / var
    sw = w.sum()
    mw = float((w * mean).sum() / sw)
    tmp = float(((1 - w / sw) ** 2 / (n - 1)).sum() / (k**2 - 1))
    f = float((w * (mean - mw) ** 2).sum() / ((k - 1) * (1 + 2 * (k - 2) * tmp)))
    return f, float(k - 1), 1 / (3 * tmp)


def _pve_from_f(f: float, df1: float, df2: float, level: float) -> list[float]:
    """eta^2 and omega^2 from F with their CIs, as R effectsize's F_to_eta2 / F_to_omega2."""
    eta2 = f * df1 / (f * df1 + df2)
    omega2 = max(0.0, (f - 1) * df1 / (f * df1 + df2 + 1))
    lo, hi = _ncp_f_bounds(f, df1, df2, level)
    f_w = (omega2 / df1) / ((1 - omega2) / df2)
    wlo, whi = _ncp_f_bounds(f_w, df1, df2, level)
    return [eta2, lo / (lo + df2), hi / (hi + df2), omega2, wlo / (wlo + df2), whi / (whi + df2)]


def welch_anova(
    df: pd.DataFrame,
    dv: str,
    between: str,
    *,
    ci_level: float = 0.95,
    cluster: str | None = None,
) -> WelchAnovaResult:
    """Welch's heteroscedastic one-way ANOVA with eta^2, omega^2 and their CIs.

    Parameters
    ----------
    df : DataFrame
    dv : str
        Numeric outcome column.
    between : str
        Group column (two or more groups).
    ci_level : float
        Level of the (two-sided) CIs of eta^2 and omega^2.
    cluster : str, optional
        Cluster id for nested rows: the group differences are tested jointly by the HTZ Wald
        test on CR2 cluster-robust SEs instead.

    Returns
    -------
    WelchAnovaResult
        ``.table`` (``test, f, df1, df2, p_value, eta2, eta2_ci_low, eta2_ci_high, omega2,
        omega2_ci_low, omega2_ci_high``) and ``.groups`` (``group, n, mean, sd``).

    Raises
    ------
    DataValidationError
        A missing or non-numeric column; fewer than 2 groups; a group with fewer than 2 rows;
        a constant dv or a group without variation; missing cluster ids.
    ModelError
        Fewer than 5 clusters.

    Notes
    -----
    With group sizes ``n_i``, means ``m_i``, variances ``s_i^2`` and ``k`` groups:
    ``w_i = n_i / s_i^2``, ``m_w = sum w_i m_i / sum w_i``,
    ``A = sum (1 - w_i / sum w)^2 / (n_i - 1) / (k^2 - 1)``,
    ``F = sum w_i (m_i - m_w)^2 / ((k - 1)(1 + 2 (k - 2) A))``, ``df1 = k - 1``,
    ``df2 = 1 / (3 A)`` (R ``oneway.test(var.equal = FALSE)``).

    Effect sizes from F, as R ``effectsize(oneway.test(...), type = "eta" / "omega")`` (an
    approximation under unequal variances): ``eta^2 = F df1 / (F df1 + df2)``,
    ``omega^2 = max(0, (F - 1) df1 / (F df1 + df2 + 1))``. CIs by inverting the noncentral F
    distribution: the noncentrality ``lambda`` with ``P(F_{df1,df2}(lambda) <= F) = 1 - alpha/2``
    and ``alpha/2`` (0 where the central F already exceeds that probability), mapped to
    ``lambda / (lambda + df2)``. For omega^2, effectsize inverts the F implied by omega^2
    itself, ``F_w = (omega^2/df1) / ((1 - omega^2)/df2)``; so does this function. The CIs are
    two-sided (effectsize's default is one-sided, ``alternative = "greater"``).

    With ``cluster``: OLS of the dv on an intercept and the indicators of groups 2..k with CR2
    cluster-robust covariance; the null of equal means is tested by the HTZ Wald test
    (Hotelling's T^2 approximation of Tipton & Pustejovsky 2015; R ``clubSandwich::Wald_test(
    test = "HTZ")``). eta^2 and omega^2 are then the descriptive sums-of-squares values
    ``SS_between / SS_total`` and ``(SS_between - (k - 1) MS_within) / (SS_total +
    MS_within)`` without CIs.

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values: An alternative approach.
    *Biometrika*, 38, 330–336. Steiger, J. H. (2004). Beyond the F test: Effect size confidence
    intervals and tests of close fit in the analysis of variance and contrast analysis.
    *Psychological Methods*, 9, 164–182. Tipton, E., & Pustejovsky, J. E. (2015). Small-sample
    adjustments for tests of moderators and model fit using robust variance estimation in
    meta-regression. *Journal of Educational and Behavioral Statistics*, 40, 604–634.

    Examples
    --------
    Study 4: mentor engagement across the three reflection conditions (R:
    ``oneway.test(mentor_engagement ~ condition, data = d)``):

    >>> import learning_direction as ld
    >>> from learning_direction.models.group_tests import welch_anova
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, ["mentor_engagement"]).scores)
    >>> res = welch_anova(d, "mentor_engagement", "condition")
    >>> res.table[["f", "df1", "df2", "p_value", "eta2", "omega2"]].round(3)
           f  df1      df2  p_value   eta2  omega2
    0  4.315  2.0  196.708    0.015  0.042   0.032
    >>> res.groups.round(2)
          group    n  mean    sd
    0   control  100  4.89  1.21
    1  downward  100  5.28  1.03
    2    upward  100  4.89  1.22
    >>> res.text()
    'F(2, 196.71) = 4.32, p = .015, eta2 = .04, 95% CI [.00, .10]'
    """
    level = check_level(ci_level, error=DataValidationError)
    what = "welch_anova()"
    g = _prepare(df, dv, between, cluster, what)
    n, mean, var = g.moments()
    notes = list(g.notes)
    if cluster is None:
        _refuse_constant_groups(g, dv, what)
        f, df1, df2 = _welch_f(n, mean, var)
        p = float(stats.f.sf(f, df1, df2))
        effects = _pve_from_f(f, df1, df2, level)
        test, method = "Welch", "Welch's one-way ANOVA (unequal variances)"
        notes.append(
            "eta2 and omega2 from Welch's F (effectsize's approximation); CIs by noncentral-F "
            "inversion, two-sided"
        )
    else:
        c = np.eye(g.k)[1:]
        f, df1, df2, p = _cr2_fit(g).htz(c)
        ss_b = float((n * (mean - g.y.mean()) ** 2).sum())
        ss_t = float(((g.y - g.y.mean()) ** 2).sum())
        ms_w = (ss_t - ss_b) / (g.y.size - g.k)
        nan = float("nan")
        effects = [ss_b / ss_t, nan, nan, (ss_b - (g.k - 1) * ms_w) / (ss_t + ms_w), nan, nan]
        test, method = "CR2 HTZ", "one-way comparison with CR2 cluster-robust HTZ Wald test"
        notes += [_CR2_NOTE, "eta2 and omega2 are descriptive (sums of squares) with cluster="]
    table = pd.DataFrame(
        [[test, f, df1, df2, p, *effects]],
        columns=["test", "f", "df1", "df2", "p_value", "eta2", "eta2_ci_low", "eta2_ci_high",
                 "omega2", "omega2_ci_low", "omega2_ci_high"],
    )  # fmt: skip
    return WelchAnovaResult(
        table=table, groups=g.describe(), dv=dv, between=between, n=int(g.y.size),
        n_dropped=g.n_dropped, ci_level=level, method=method, cluster=cluster,
        n_clusters=g.n_clusters, notes=tuple(notes),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Games-Howell
# ---------------------------------------------------------------------------------------------
def _gh_rows(g: _Groups, level: float) -> list[list[Any]]:
    """Games–Howell rows for every pair i < j (one vectorised ptukey/qtukey call for all)."""
    n, mean, var = g.moments()
    i, j = np.triu_indices(g.k, 1)
    vn = var / n
    v = vn[i] + vn[j]
    se = np.sqrt(v)
    dfree = v**2 / (vn[i] ** 2 / (n[i] - 1) + vn[j] ** 2 / (n[j] - 1))
    est = mean[i] - mean[j]
    t = est / se
    p = np.minimum(ptukey(np.abs(t) * np.sqrt(2), g.k, dfree, lower_tail=False), 1.0)
    half = qtukey(level, g.k, dfree) / np.sqrt(2) * se
    rows = []
    for r, (a, b) in enumerate(zip(i, j)):
        gval = _hedges_g(n, mean, var, int(a), int(b), None)[0]
        rows.append([g.levels[a], g.levels[b], float(mean[a]), float(mean[b]), float(est[r]),
                     float(se[r]), float(t[r]), float(dfree[r]), float(p[r]),
                     float(est[r] - half[r]), float(est[r] + half[r]), gval])  # fmt: skip
    return rows


def _gh_cluster_rows(g: _Groups, level: float) -> list[list[Any]]:
    """Pairwise CR2 contrasts with Satterthwaite df, Bonferroni-adjusted p-values and CIs."""
    n, mean, var = g.moments()
    fit = _cr2_fit(g)
    m = g.k * (g.k - 1) // 2
    rows = []
    for i in range(g.k):
        for j in range(i + 1, g.k):
            est, se, dfree = fit.satterthwaite(_pair_contrast(g.k, i, j))
            t = est / se
            p = min(1.0, m * float(2 * stats.t.sf(abs(t), dfree)))
            half = float(stats.t.ppf(1 - (1 - level) / (2 * m), dfree)) * se
            gval = _hedges_g(n, mean, var, i, j, None)[0]
            rows.append([g.levels[i], g.levels[j], float(mean[i]), float(mean[j]), est, se, t,
                         dfree, p, est - half, est + half, gval])  # fmt: skip
    return rows


def games_howell(
    df: pd.DataFrame,
    dv: str,
    between: str,
    ci_level: float = 0.95,
    *,
    cluster: str | None = None,
) -> GamesHowellResult:
    """Games–Howell comparisons of every pair of groups (unequal variances and sizes).

    Parameters
    ----------
    df : DataFrame
    dv : str
        Numeric outcome column.
    between : str
        Group column (two or more groups; pairs in R's factor order).
    ci_level : float
        Simultaneous confidence level of the pairwise CIs.
    cluster : str, optional
        Cluster id for nested rows: each pair is then a CR2 cluster-robust contrast with
        Satterthwaite df, with Bonferroni-adjusted p-values and CIs.

    Returns
    -------
    GamesHowellResult
        ``.table`` with one row per pair (``group1, group2, mean1, mean2, estimate, se, t, df,
        p_value, ci_low, ci_high, hedges_g``) and ``.groups``.

    Raises
    ------
    DataValidationError
        A missing or non-numeric column; fewer than 2 groups; a group with fewer than 2 rows;
        a constant dv or a group without variation; missing cluster ids.
    ModelError
        Fewer than 5 clusters.

    Notes
    -----
    For groups i and j (means ``m``, variances ``s^2``, sizes ``n``) among ``k`` groups:
    ``estimate = m_i - m_j``, ``se = sqrt(s_i^2/n_i + s_j^2/n_j)``, ``t = estimate / se``,
    ``df = se^4 / ((s_i^2/n_i)^2/(n_i - 1) + (s_j^2/n_j)^2/(n_j - 1))`` (Welch–Satterthwaite),
    ``p = P(Q_{k,df} >= sqrt(2) |t|)`` with ``Q`` the studentized range
    (Copenhaver–Holland quadrature as R's ``ptukey``, vectorised over the pairs and accurate to
    about 1e-11; R's own is off by up to 1e-8, and by 1e-3 for df near 2), and the simultaneous CI
    ``estimate +/- q_{k,df}(level) / sqrt(2) * se``. Hedges' g per pair uses the two groups'
    pooled SD and the exact J correction (see :func:`ttest`).

    R's ``rstatix::games_howell_test`` reports ``estimate = mean(group2) - mean(group1)``;
    here (as in pingouin's ``pairwise_gameshowell`` and R's ``t.test``) it is group1 minus
    group2, so the signs of ``estimate``, ``t`` and the CI limits are flipped.

    References
    ----------
    Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with unequal
    n's and/or variances: A Monte Carlo study. *Journal of Educational Statistics*, 1, 113–125.

    Examples
    --------
    Study 4: every pair of reflection conditions (R:
    ``rstatix::games_howell_test(d, mentor_engagement ~ condition)``):

    >>> import learning_direction as ld
    >>> from learning_direction.models.group_tests import games_howell
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, ["mentor_engagement"]).scores)
    >>> res = games_howell(d, "mentor_engagement", "condition")
    >>> res.table[["group1", "group2", "estimate", "p_value", "ci_low", "ci_high"]].round(3)
         group1    group2  estimate  p_value  ci_low  ci_high
    0   control  downward    -0.398    0.035  -0.773   -0.023
    1   control    upward    -0.007    0.999  -0.412    0.398
    2  downward    upward     0.391    0.040   0.014    0.767
    """
    level = check_level(ci_level, error=DataValidationError)
    what = "games_howell()"
    g = _prepare(df, dv, between, cluster, what)
    notes = list(g.notes)
    if cluster is None:
        _refuse_constant_groups(g, dv, what)
        rows = _gh_rows(g, level)
        method = "Games-Howell (Welch t, studentized-range p-values and simultaneous CIs)"
    else:
        rows = _gh_cluster_rows(g, level)
        method = "pairwise CR2 cluster-robust contrasts (Satterthwaite df), Bonferroni-adjusted"
        notes += [_CR2_NOTE, "p-values and CIs Bonferroni-adjusted for the number of pairs"]
    notes.append("estimate = mean(group1) - mean(group2); hedges_g uses the pair's pooled SD")
    table = pd.DataFrame(
        rows,
        columns=["group1", "group2", "mean1", "mean2", "estimate", "se", "t", "df", "p_value",
                 "ci_low", "ci_high", "hedges_g"],
    )  # fmt: skip
    return GamesHowellResult(
        table=table, groups=g.describe(), dv=dv, between=between, n=int(g.y.size),
        n_dropped=g.n_dropped, ci_level=level, method=method, cluster=cluster,
        n_clusters=g.n_clusters, notes=tuple(notes),
    )  # fmt: skip
