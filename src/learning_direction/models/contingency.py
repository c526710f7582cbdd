"""Chi-square tests of independence for clustered rows: the Rao–Scott corrections.

Pearson's X^2 treats every row as an independent draw. When rows are nested in clusters (mentees
within mentors) and answers within a cluster resemble each other, X^2 is too large and its
p-value too small. Rao & Scott (1981, 1984) divide X^2 by the design effects of the cell
proportions, estimated with the clusters as the sampling units (a one-stage cluster sample with
equal weights): the first-order correction by their mean, the second-order one (an F test, the
default of R's ``survey::svychisq``) also by their spread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.data import complete_cases, require_columns
from .._core.format import fmt_num, fmt_p
from .._core.results import ResultMixin
from ..exceptions import DataValidationError, ModelError

__all__ = ["RaoScottResult", "rao_scott_chisq"]

#: fewer clusters than this are refused
MIN_CLUSTERS = 5


@dataclass(frozen=True, eq=False)
class RaoScottResult(ResultMixin):
    """Result of :func:`rao_scott_chisq`.

    Attributes
    ----------
    table : DataFrame
        One row per test: ``test`` (``pearson``: rows independent; ``rao_scott_1``: first-order
        correction; ``rao_scott_f``: second-order F), ``statistic``, ``df1``, ``df2`` (NaN for
        chi-square tests), ``p_value``.
    counts : DataFrame
        The contingency table (rows by columns).
    design_effects : ndarray
        Eigenvalues of the design-effect matrix Delta (generalized design effects).
    mean_deff : float
        Their mean, delta-bar: the first-order correction divides X^2 by it.
    n, n_clusters, n_dropped : int
    """

    table: pd.DataFrame
    counts: pd.DataFrame
    design_effects: np.ndarray
    mean_deff: float
    row: str
    col: str
    cluster: str
    n: int
    n_clusters: int
    n_dropped: int
    method: str = "Pearson's X^2 with the Rao-Scott corrections (clusters as sampling units)"
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Chi-square test of independence for clustered rows (Rao-Scott)"

    def _meta(self) -> dict[str, Any]:
        meta = super()._meta()
        meta["clusters"] = f"{self.cluster} ({self.n_clusters})"
        meta["mean design effect"] = self.mean_deff
        return meta

    def _row(self, test: str) -> pd.Series:
        return self.table.set_index("test").loc[test]

    @property
    def statistic(self) -> float:
        """The second-order Rao–Scott F."""
        return float(self._row("rao_scott_f")["statistic"])

    @property
    def p_value(self) -> float:
        """The p-value of the second-order Rao–Scott F test."""
        return float(self._row("rao_scott_f")["p_value"])

    def text(self) -> str:
        """``Rao-Scott F(2.77, 38.79) = 2.10, p = .120 (Pearson χ²(3, N = 183) = 6.16)``."""
        f, pe = self._row("rao_scott_f"), self._row("pearson")
        return (
            f"Rao–Scott F({fmt_num(f['df1'])}, {fmt_num(f['df2'])}) = {fmt_num(f['statistic'])}, "
            f"{fmt_p(f['p_value'])} (uncorrected χ²({int(pe['df1'])}, N = {self.n}) = "
            f"{fmt_num(pe['statistic'])}, {fmt_p(pe['p_value'])})"
        )


def _levels(values: pd.Series) -> list[Any]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.unique())
        return [c for c in values.cat.categories if c in present]
    uniq = list(pd.unique(values))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


def _interaction_contrasts(nr: int, nc: int) -> np.ndarray:
    """The interaction columns of ``~ rows * cols`` residualized on ``~ rows + cols``.

    Cells are ordered with the row level varying fastest, as R's ``expand.grid`` and
    ``interaction()``; the interaction columns as ``model.matrix(~ factor(rows) * factor(cols))``.
    """
    rows = np.tile(np.arange(nr), nc)
    cols = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(rows == i).astype(float) for i in range(1, nr)]
        + [(cols == j).astype(float) for j in range(1, nc)]
    )
    x12 = np.column_stack(
        [((rows == i) & (cols == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    coef, *_ = np.linalg.lstsq(x1, x12, rcond=None)
    out: np.ndarray = x12 - x1 @ coef
    return out


def rao_scott_chisq(df: pd.DataFrame, row: str, col: str, *, cluster: str) -> RaoScottResult:
    """Pearson's chi-square test of independence with the Rao–Scott corrections for clusters.

    Parameters
    ----------
    df : DataFrame
    row, col : str
        The two categorical columns of the contingency table.
    cluster : str
        Cluster id (e.g. ``mentor_id``): rows of one cluster are not independent.

    Returns
    -------
    RaoScottResult
        ``.table`` with the uncorrected Pearson test, the first-order Rao–Scott chi-square and
        the second-order Rao–Scott F test; ``.counts``; ``.mean_deff``; ``.text()``.

    Raises
    ------
    DataValidationError
        A missing column, fewer than two levels of ``row`` or ``col`` in the complete rows,
        missing cluster ids.
    ModelError
        Fewer than 5 clusters.

    Notes
    -----
    With ``K = r c`` cells (row level varying fastest), ``p`` the vector of cell proportions,
    and cluster totals ``z_j = sum_{i in j} (e_i - p) / n`` of the cell indicators ``e_i``, the
    design-based covariance of ``p`` is ``V = J / (J - 1) sum_j z_j z_j'`` (``J`` clusters; the
    linearization variance of ``svymean`` for a one-stage cluster sample). With ``C`` the
    interaction contrasts of the saturated model residualized on the main effects and
    ``D = diag(p)``, the design-effect matrix is
    ``Delta = (C' D^-1 C / n)^-1 C' D^-1 V D^-1 C``. First-order correction:
    ``X^2 / mean(eig(Delta))`` on ``(r - 1)(c - 1)`` df. Second-order (Rao & Scott 1984, F form):
    ``F = X^2 / tr(Delta)`` on ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 (J - 1)`` df. These
    are R ``survey::svychisq(~row + col, svydesign(ids = ~cluster, weights = 1), statistic =
    "Chisq")`` and ``statistic = "F"`` (the default) for equal weights.

    References
    ----------
    Rao, J. N. K., & Scott, A. J. (1981). The analysis of categorical data from complex sample
    surveys. *JASA*, 76, 221–230. Rao, J. N. K., & Scott, A. J. (1984). On chi-squared tests for
    multiway contingency tables with cell proportions estimated from survey data. *Annals of
    Statistics*, 12, 46–60. Lumley, T. (2010). *Complex surveys*. Wiley.

    Examples
    --------
    Mentee gender by advocacy quadrant, 259 mentees of 70 mentors (R: ``svychisq(~gender +
    quadrant, svydesign(ids = ~mentor_id, data = d, weights = rep(1, nrow(d))))``):

    >>> import learning_direction as ld
    >>> from learning_direction.models.contingency import rao_scott_chisq
    >>> raw = ld.load_dataset("advocacy")
    >>> d = raw.join(ld.score(raw, ["advocacy", "authenticity"]).scores)
    >>> d["quadrant"] = ld.advocacy_quadrant(d[["advocacy", "authenticity"]]).table["quadrant"]
    >>> res = rao_scott_chisq(d, "mentee_gender", "quadrant", cluster="mentor_id")
    >>> print(res.table[["test", "statistic", "df1", "p_value"]].round(3).to_string(index=False))
           test  statistic   df1  p_value
        pearson      8.142 3.000    0.043
    rao_scott_1      8.843 3.000    0.031
    rao_scott_f      2.948 2.856    0.036
    >>> round(res.mean_deff, 2)  # below 1: mentees of one mentor differ in gender more than by chance
    0.92
    """
    what = "rao_scott_chisq()"
    for name, value in (("row", row), ("col", col), ("cluster", cluster)):
        if not isinstance(value, str):
            raise DataValidationError(f"{what}: {name} must be one column name, got {value!r}")
    require_columns(df, [row, col, cluster], what)
    if df[cluster].isna().any():
        raise DataValidationError(
            f"{what}: cluster column '{cluster}' has {int(df[cluster].isna().sum())} missing "
            "value(s); give every row its cluster id or drop those rows"
        )
    sub, report = complete_cases(df, [row, col, cluster], what)
    rl, cl = _levels(sub[row]), _levels(sub[col])
    for name, lv in ((row, rl), (col, cl)):
        if len(lv) < 2:
            raise DataValidationError(
                f"{what}: '{name}' has {len(lv)} level(s) in the complete rows; a test of "
                "independence needs at least 2"
            )
    ids, codes = np.unique(sub[cluster].astype(str).to_numpy(), return_inverse=True)
    n_cl = len(ids)
    if n_cl < MIN_CLUSTERS:
        raise ModelError(
            f"{what}: '{cluster}' has only {n_cl} clusters; the design-based variance needs at "
            f"least {MIN_CLUSTERS} (and is trustworthy with 20+)"
        )
    nr, nc, n = len(rl), len(cl), len(sub)
    ri = sub[row].map({v: i for i, v in enumerate(rl)}).to_numpy(int)
    ci = sub[col].map({v: j for j, v in enumerate(cl)}).to_numpy(int)
    e = np.zeros((n, nr * nc))
    e[np.arange(n), ri + nr * ci] = 1.0
    p = e.mean(axis=0)
    z = np.zeros((n_cl, nr * nc))
    np.add.at(z, codes, (e - p) / n)
    z -= z.mean(axis=0)
    v = n_cl / (n_cl - 1) * z.T @ z
    cmat = _interaction_contrasts(nr, nc)
    dinv = np.diag(np.where(p > 0, 1 / np.where(p > 0, p, 1.0), 0.0))
    delta = np.linalg.solve(cmat.T @ (dinv / n) @ cmat, cmat.T @ dinv @ v @ dinv @ cmat)
    counts = pd.crosstab(sub[row], sub[col]).reindex(index=rl, columns=cl, fill_value=0)
    x2, pe_p, pe_df, _ = stats.chi2_contingency(counts.to_numpy(), correction=False)
    tr, tr2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    d0, k = tr**2 / tr2, (nr - 1) * (nc - 1)
    f = x2 / tr
    nan = float("nan")
    table = pd.DataFrame(
        [
            ("pearson", x2, float(pe_df), nan, float(pe_p)),
            ("rao_scott_1", x2 / (tr / k), float(k), nan, float(stats.chi2.sf(x2 / (tr / k), k))),
            ("rao_scott_f", f, d0, d0 * (n_cl - 1), float(stats.f.sf(f, d0, d0 * (n_cl - 1)))),
        ],
        columns=["test", "statistic", "df1", "df2", "p_value"],
    )
    notes = [report.reason] if report.n_dropped else []
    if (counts.to_numpy() == 0).any():
        notes.append("some cells are empty; the corrections (like X^2) are unreliable then")
    return RaoScottResult(
        table=table, counts=counts, design_effects=np.sort(np.linalg.eigvals(delta).real)[::-1],
        mean_deff=tr / k, row=row, col=col, cluster=cluster, n=n, n_clusters=n_cl,
        n_dropped=report.n_dropped, notes=tuple(notes),
    )  # fmt: skip
