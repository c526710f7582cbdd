"""Internal-consistency reliability of a scale: alpha, G6, omega total and item statistics.

:func:`reliability` reproduces ``psych::alpha`` (pairwise covariances, reverse-keyed items
reversed first), ``psych::alpha.ci`` (Feldt confidence interval on the listwise sample size)
and omega total from a one-factor ``psych::fa(fm = "ml")`` solution, for each subscale of a
scale. Everything is computed with a few numpy matrix products: the item-deleted statistics are
read off the one covariance matrix, never refitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_level, choice
from .._core.data import require_columns
from .._core.format import fmt_num, format_number
from .._core.plotting import figure
from .._core.results import ResultMixin, table_to_text
from .._core.threads import single_blas_thread
from .._core.warn import warn_user
from ..exceptions import DataValidationError, ReliabilityWarning
from ._factor import ml_factor, smc
from ._item_moments import ItemMoments, accumulate
from ._items import convert_answers, label_lookup, refuse_shared_columns, row_label
from .codebook import Scale, Subscale, load_scale

__all__ = ["ReliabilityResult", "reliability"]

TABLE_COLUMNS = [
    "scale",
    "n_items",
    "n",
    "alpha",
    "std_alpha",
    "average_r",
    "alpha_ci_low",
    "alpha_ci_high",
    "g6",
    "omega_total",
    "n_complete",
    "instrument",
]
ITEM_COLUMNS = [
    "scale",
    "item",
    "r_drop",
    "raw_r",
    "alpha_if_deleted",
    "mean",
    "sd",
    "n",
    "reversed",
    "column",
    "std_r",
    "loading",
]


@dataclass(frozen=True)
class ReliabilityResult(ResultMixin):
    """Reliability of each subscale of a scale (see :func:`reliability`).

    Attributes
    ----------
    table : DataFrame
        One row per subscale: ``scale, n_items, n, alpha, std_alpha, average_r, alpha_ci_low,
        alpha_ci_high, g6, omega_total, n_complete, instrument``.
    items : DataFrame
        One row per item: ``scale, item, r_drop, raw_r, alpha_if_deleted, mean, sd, n,
        reversed, column, std_r, loading`` (statistics of reverse-keyed items after reversal).
    instrument : str
        Name of the scale definition.
    n : int
        Rows with at least one answered item of the scale.
    n_dropped : int
        Rows with no answered item of the scale (they carry no information).
    ci_level : float
        Level of the Feldt interval.
    method : str
    notes : tuple of str
    """

    table: pd.DataFrame
    items: pd.DataFrame
    instrument: str
    n: int
    n_dropped: int
    ci_level: float = 0.95
    method: str = (
        "psych::alpha (pairwise covariances); Feldt CI (listwise n); omega total (1-factor ML, "
        "model-implied total variance)"
    )
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Reliability"

    def summary(self, digits: int = 3) -> str:
        """Text summary: one line per subscale, then the item statistics."""
        lines = [f"Reliability of '{self.instrument}'", "=" * (17 + len(self.instrument))]
        for key, value in self._meta().items():
            lines.append(f"{key}: {format_number(value, digits)}")
        lines.append("")
        lines.append(table_to_text(self.table.drop(columns=["instrument"]), digits))
        lines.append("")
        lines.append("Items (reverse-keyed items after reversal)")
        cols = ["scale", "item", "r_drop", "raw_r", "alpha_if_deleted", "mean", "sd", "n"]
        lines.append(table_to_text(self.items[cols], digits))
        for note in self._notes():
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Corrected item-total correlations and alpha-if-deleted per item, by subscale.

        See :func:`learning_direction.figures.reliability.plot_item_reliability`.
        """
        plot_item_reliability = figure("reliability.plot_item_reliability")

        return plot_item_reliability(self, ax=ax)


# ------------------------------------------------------------------ numerics (numpy only)


def _pairwise_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete covariance and correlation matrices and pair counts of ``x``
    (rows x items, NaN = missing).

    ``cov`` is R's ``cov(x, use = "pairwise")`` and ``cor`` R's ``cor(x, use = "pairwise")``
    (each pair uses only the rows where both items are answered, with that pair's own means and
    standard deviations; the two differ from ``cov2cor(cov)`` when data are missing).
    """
    x = np.asarray(x, dtype=float)
    finite = x[np.isfinite(x)]
    centre = float(finite.min() + finite.max()) / 2.0 if finite.size else 0.0
    cols = [np.ascontiguousarray(x[:, j]) for j in range(x.shape[1])]
    (mom,), _ = accumulate(cols, [range(x.shape[1])], np.ones(x.shape[1]), centre)
    return mom.pairwise()


def _alpha_raw(c: np.ndarray) -> float:
    k = c.shape[0]
    return float((1.0 - np.trace(c) / c.sum()) * k / (k - 1))


def _alpha_std(r: np.ndarray) -> float:
    k = r.shape[0]
    return float((1.0 - k / r.sum()) * k / (k - 1))


def _feldt_ci(alpha: float, n: int, k: int, level: float) -> tuple[float, float]:
    """Feldt (1965) interval as ``psych::alpha.ci``."""
    if n < 2 or k < 2 or not np.isfinite(alpha):
        return float("nan"), float("nan")
    tail = (1.0 - level) / 2.0
    d1, d2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - tail, d1, d2)
    high = 1.0 - (1.0 - alpha) * stats.f.ppf(tail, d1, d2)
    return float(low), float(high)


def _guttman_g6(r: np.ndarray) -> tuple[float, str | None]:
    """Guttman's lambda 6 of a correlation matrix, or NaN and why it is undefined.

    G6 needs each item's squared multiple correlation (SMC) with the other items. When the
    matrix is singular (an item is a perfect linear function of others, e.g. two items with
    r = 1 or -1) the SMCs are undefined, and when it is not positive definite (pairwise
    correlations with missing answers) they can leave [0, 1]; either way G6 would be a number
    that no data can produce, so it is NaN and the reason is returned.
    """
    k = r.shape[0]
    eig = np.linalg.eigvalsh(r)
    if not np.all(np.isfinite(eig)):
        return float("nan"), "the correlation matrix has undefined entries"
    if eig.min() <= 1e-10 * max(1.0, eig.max()):
        if eig.min() < -1e-10 * max(1.0, eig.max()):
            return float("nan"), (
                "the pairwise correlation matrix is not positive definite (the missing answers "
                "differ too much between item pairs), so the squared multiple correlations are "
                "not defined"
            )
        return float("nan"), (
            "some items are perfectly correlated (r = 1 or -1, or one item is a linear "
            "combination of others): the correlation matrix is singular, so the squared "
            "multiple correlations it needs are not defined"
        )
    s = smc(r)
    if np.any(s < -1e-9) or np.any(s > 1 + 1e-9):
        return float("nan"), "the squared multiple correlations fall outside [0, 1]"
    return float(1.0 - (k - np.clip(s, 0.0, 1.0).sum()) / r.sum()), None


def _omega_total(lam: np.ndarray, cor: np.ndarray, omega: str) -> float:
    """Omega total of a one-factor solution: model-implied (``"model"``) or psych's total.

    ``"model"``: ``(sum λ)^2 / ((sum λ)^2 + sum(1 - λ^2))``, the share of the model-implied
    variance of the sum score that the factor explains (McDonald 1999). ``"psych"``:
    ``(V_t - sum(1 - λ^2)) / V_t`` with ``V_t`` the sum of the observed correlation matrix
    (items whose loading is negative flipped first), as ``psych::omega()``'s ``omega.tot``.
    The two agree when the one-factor model reproduces the correlations exactly.
    """
    uniq = 1.0 - lam**2
    if omega == "psych":
        key = np.where(lam < 0, -1.0, 1.0)
        vt = float(key @ cor @ key)
        return float((vt - uniq.sum()) / vt)
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + uniq.sum()))


def _subscale_stats(
    mom: ItemMoments, level: float, omega: str = "model"
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """All statistics of one subscale from the sums of its (reversed) answers."""
    k = mom.n.shape[0]
    cov, cor, _ = mom.pairwise()
    sd_pair = np.sqrt(np.diag(cov))
    r_cov = cov / np.outer(sd_pair, sd_pair)  # psych::alpha: R <- cov2cor(C)
    n_complete = mom.n_complete
    alpha = _alpha_raw(cov)
    sum_r = r_cov.sum()
    g6, g6_problem = _guttman_g6(r_cov)
    ci_low, ci_high = _feldt_ci(alpha, n_complete, k, level)

    total_c = cov.sum()
    col_c = cov.sum(axis=0)
    diag_c = np.diag(cov)
    # item-deleted sums of the covariance matrix: sum(C) - 2*colsum + c_ii
    rest_sum = total_c - 2.0 * col_c + diag_c
    r_drop = (col_c - diag_c) / np.sqrt(diag_c * rest_sum)
    if k > 2:
        rest_trace = np.trace(cov) - diag_c
        alpha_del = (1.0 - rest_trace / rest_sum) * (k - 1) / (k - 2)
    else:  # psych: with two items the "alpha" of the remaining item is its variance share
        alpha_del = np.full(k, np.nan)
    std_r = r_cov.sum(axis=0) / np.sqrt(sum_r)

    if k >= 3:
        sol = ml_factor(cor, 1)
        lam = sol.loadings[:, 0]
        omega_t = _omega_total(lam, cor, omega)
        heywood, converged = sol.heywood, sol.converged
    else:  # a one-factor model of two items is not identified
        lam = np.full(k, np.nan)
        omega_t, heywood, converged = float("nan"), False, True

    row = {
        "alpha": alpha,
        "std_alpha": _alpha_std(r_cov),
        "average_r": float((sum_r - k) / (k * (k - 1))),
        "alpha_ci_low": ci_low,
        "alpha_ci_high": ci_high,
        "g6": g6,
        "omega_total": omega_t,
        "n_complete": n_complete,
        "heywood": heywood,
        "converged": converged,
        "g6_problem": g6_problem,
    }
    items = {
        "r_drop": r_drop,
        "raw_r": mom.raw_r(),
        "alpha_if_deleted": alpha_del,
        "std_r": std_r,
        "loading": lam,
    }
    return row, items


# ------------------------------------------------------------------ input handling


def _resolve_columns(scale: Scale, columns: Mapping[str, str] | None) -> dict[str, str]:
    mapping = {i: i for i in scale.item_ids}
    if columns is None:
        return mapping
    if not isinstance(columns, Mapping):
        raise DataValidationError(
            f"columns must map item ids to data columns, e.g. {{'{scale.item_ids[0]}': 'Q1'}}; "
            f"got {type(columns).__name__}"
        )
    unknown = [k for k in columns if k not in mapping]
    if unknown:
        raise DataValidationError(
            f"columns maps item id(s) {unknown} that scale '{scale.name}' does not have; "
            f"its items are {scale.item_ids}"
        )
    mapping.update({str(k): str(v) for k, v in columns.items()})
    refuse_shared_columns(mapping, f"reliability of scale '{scale.name}'")
    return mapping


def item_matrix(
    df: pd.DataFrame,
    scale: Scale,
    columns: Mapping[str, str] | None,
    what: str,
    notes: list[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric item data of ``scale`` with reverse-keyed items reversed (``min + max - x``).

    Columns are renamed to item ids. Text columns whose answers are all numbers (``"1"``,
    ``" 2 "``, e.g. a CSV read with ``dtype=str``) or the scale's response labels
    (``"Agree"``) are converted as :func:`score` does (blank text is missing) and the conversion is appended to ``notes`` when given. Raises
    :class:`DataValidationError` for missing columns, for text that is not a number and for
    values outside the response range (reverse keying would be wrong for them).
    """
    mapping = _resolve_columns(scale, columns)
    require_columns(df, list(mapping.values()), what)
    values = _raw_columns(df, scale, mapping, notes)
    # one (rows x items) block, column-major: each item is written and checked contiguously,
    # and the frame below is a single block (no per-column Series and consolidation)
    out = np.empty((len(df), len(mapping)), dtype=float, order="F")
    for k, v in enumerate(values):
        out[:, k] = v
    _check_range(out, scale, mapping, df.index)
    total = scale.response_min + scale.response_max
    for k, item_id in enumerate(mapping):
        if scale.item(item_id).reverse:  # min + max - x, in place (as Scale.reverse)
            np.subtract(total, out[:, k], out=out[:, k])
    return pd.DataFrame(out, index=df.index, columns=list(mapping), copy=False), mapping


def _raw_columns(
    df: pd.DataFrame, scale: Scale, mapping: Mapping[str, str], notes: list[str] | None
) -> list[np.ndarray]:
    """Each item's answers as a float array, not reversed (a view of a float column, no copy).

    Text columns of numbers or response labels are converted (the conversion is appended to
    ``notes`` when given); other text raises :class:`DataValidationError`.
    """
    values: list[np.ndarray] = []
    converted: list[str] = []
    for item_id, col in mapping.items():
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) or s.isna().all():
            v = s.to_numpy(dtype=float, na_value=np.nan)
        else:
            # numeric strings and the scale's response labels convert, as in score()
            v, bad, n_text = convert_answers(s, label_lookup(scale))
            if bad.any():
                pos = np.flatnonzero(bad)
                labels = (
                    f" or the scale's response labels ({', '.join(map(repr, list(scale.labels.values())[:3]))}, ...)"
                    if scale.labels
                    else ""
                )
                raise DataValidationError(
                    f"item '{item_id}' (column '{col}') has {len(pos)} non-numeric value(s) "
                    f"such as {s.iloc[pos[0]]!r} in row {row_label(s.index, pos[0])}; recode answers "
                    f"to numbers {scale.response_min:g}–{scale.response_max:g}{labels} (missing "
                    "answers as empty/NaN)"
                )
            if n_text:
                converted.append(f"'{col}'")
        values.append(np.asarray(v, dtype=float))
    if converted and notes is not None:
        more = f" and {len(converted) - 5} more" if len(converted) > 5 else ""
        notes.append(
            f"{len(converted)} item column(s) ({', '.join(converted[:5])}{more}) held answers "
            "stored as text (numbers or response labels); they were converted to numbers "
            "(blank text counted as missing)"
        )
    return values


def _check_range(
    out: np.ndarray, scale: Scale, mapping: Mapping[str, str], index: pd.Index
) -> None:
    """Refuse answers outside the response range (reverse keying would be wrong for them).

    The whole (rows x items) block is checked at once by its NaN-ignoring column minima and
    maxima; only a column that fails is searched for the rows to name.
    """
    lo, hi = scale.response_min, scale.response_max
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(
            (np.fmin.reduce(out, axis=0) < lo) | (np.fmax.reduce(out, axis=0) > hi)
        )
    if len(bad):
        _range_error(out[:, int(bad[0])], int(bad[0]), scale, mapping, index)


def _range_error(
    values: np.ndarray, k: int, scale: Scale, mapping: Mapping[str, str], index: pd.Index
) -> NoReturn:
    """Raise for the answers of item ``k`` (``values``) outside the response range."""
    lo, hi = scale.response_min, scale.response_max
    item_id, col = list(mapping.items())[k]
    outside = np.flatnonzero((values < lo) | (values > hi))
    raise DataValidationError(
        f"item '{item_id}' (column '{col}') has {len(outside)} value(s) outside the "
        f"response range {lo:g}–{hi:g} of scale '{scale.name}', e.g. {values[outside[0]]:g} in "
        f"row {row_label(index, outside[0])}; recode them (or set them to NaN) or fix the "
        "scale's response range"
    )


def reliability(
    df: pd.DataFrame,
    scale: str | Path | Mapping[str, Any] | Scale,
    *,
    columns: Mapping[str, str] | None = None,
    ci_level: float = 0.95,
    omega: str = "model",
) -> ReliabilityResult:
    """Cronbach's alpha, standardized alpha, Guttman's lambda 6, omega total and item statistics.

    One row per subscale (a one-dimensional scale gives one row named after the scale).
    Reverse-keyed items are reversed first (``min + max - x`` with the scale's response range).

    Parameters
    ----------
    df : DataFrame
        One row per respondent, one column per item; answers as numbers. Numbers stored as
        text (``read_csv(dtype=str)``) and the scale's response labels (``"Agree"``) are
        converted as :func:`score` does, and the notes say so.
    scale : str, path, dict or Scale
        A bundled scale name, a YAML file, a dict definition or a :class:`Scale`
        (see :func:`learning_direction.load_scale`).
    columns : mapping, optional
        ``{item_id: column}`` for items whose column in ``df`` has another name.
    ci_level : float
        Level of the Feldt confidence interval of alpha (default 0.95).
    omega : {"model", "psych"}
        Denominator of omega total (both from the same one-factor ML loadings). ``"model"``
        (default): the model-implied variance of the sum score, ``(sum λ)^2 + sum(1 - λ^2)``
        (McDonald 1999; lavaan/semTools ``compRelSEM``). ``"psych"``: the observed variance,
        the sum of the item correlation matrix, as ``psych::omega(x, nfactors = 1, fm = "ml")``
        reports ``omega.tot``. See Notes.

    Returns
    -------
    ReliabilityResult
        ``.table`` (one row per subscale) and ``.items`` (one row per item).

    Raises
    ------
    DataValidationError
        An item column is missing (every missing id is named, with close matches), holds
        non-numeric values or values outside the response range, or has no answers at all.

    Warns
    -----
    ReliabilityWarning
        A subscale has fewer than two items (its statistics are NaN), an item has zero variance
        (it is left out of its subscale's statistics), an item correlates negatively with the
        rest of its subscale (it may need reverse keying), or the one-factor ML solution for
        omega is a Heywood case or did not converge.

    Notes
    -----
    With ``C`` the pairwise-complete covariance matrix of the ``k`` items (each pair uses the
    rows where both are answered) and ``R = cov2cor(C)``, as ``psych::alpha(use = "pairwise")``:

    * alpha = ``k/(k-1) * (1 - tr(C)/sum(C))``; std_alpha = ``k/(k-1) * (1 - k/sum(R))``;
      average_r = ``(sum(R) - k) / (k(k-1))``;
    * g6 = ``1 - (k - sum(smc(R))) / sum(R)`` with ``smc(R) = 1 - 1/diag(R^-1)``;
    * r_drop (corrected item-total r) = ``(colsum_i(C) - c_ii) / sqrt(c_ii * sum(C[-i,-i]))``;
      alpha_if_deleted is alpha of ``C[-i,-i]``; std_r = ``colsum_i(R) / sqrt(sum(R))``;
    * raw_r is the pairwise correlation of the item with the mean of each row's answered items;
    * the Feldt interval (``psych::alpha.ci``) uses the listwise ``n_complete``:
      ``1 - (1 - alpha) F_{1-a/2}(n-1, (n-1)(k-1))`` to ``1 - (1 - alpha) F_{a/2}(...)``;
    * omega_total = ``(sum λ)^2 / ((sum λ)^2 + sum(1 - λ^2))`` from the one-factor ML solution
      (loadings λ) of the pairwise Pearson correlation matrix, as ``psych::fa(x, 1, fm =
      "ml")`` (``omega="model"``); with ``omega="psych"``, ``(V_t - sum(1 - λ^2)) / V_t`` with
      ``V_t = sum(R)`` the observed variance of the standardized sum score (items with a
      negative loading flipped), which is ``omega.tot`` of ``psych::omega(x, nfactors = 1,
      fm = "ml")``. The two share the numerator's loadings and differ only in the
      denominator: model-implied vs observed total variance. They agree when the one-factor
      model reproduces the correlations exactly and drift apart as it misfits: .865 both ways
      on the downward subscale of the bundled Study 1 data, but .815 (model) vs .818 (psych)
      on the neuroticism items of psychTools ``bfi`` (tests/reference/omega_reference.json).
      Report which one you use: R users who call ``psych::omega()`` get the ``"psych"``
      number (``psych::omega()`` switches ``fm = "mle"`` to minres below six items; ``fm =
      "ml"`` is kept).

    ``n`` counts rows with at least one answered item of the subscale (alpha, G6 and the item
    statistics use pairwise-complete data); ``n_complete`` counts rows answering every item
    (the Feldt interval). The item ``n`` is the number of answers to the item. psych reverses
    items with the observed minimum and maximum; this function uses the declared response
    range, which is the same whenever both ends of the scale were used.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika, 16*, 297–334.
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder–Richardson reliability
    coefficient twenty. *Psychometrika, 30*, 357–370.
    Guttman, L. (1945). A basis for analyzing test-retest reliability. *Psychometrika, 10*, 255–282.
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
    Revelle, W. psych: Procedures for Psychological, Psychometric, and Personality Research (R package).

    Examples
    --------
    The three learning-direction subscales in the bundled Study 1 data:

    >>> import learning_direction as ld
    >>> res = ld.reliability(ld.load_dataset("study1"), "learning_direction")
    >>> # R, per subscale: psych::alpha(d[, items], keys = reversed_items), psych::alpha.ci,
    >>> # and omega total from psych::fa(d[, items], nfactors = 1, fm = "ml")
    >>> print(res.table[["scale", "n_items", "n", "alpha", "omega_total"]].round(3).to_string(index=False))
       scale  n_items   n  alpha  omega_total
      upward        4 300  0.822        0.822
     lateral        4 300  0.821        0.822
    downward        4 300  0.871        0.870
    >>> print(res.items[["item", "r_drop", "alpha_if_deleted"]].head(2).round(3).to_string(index=False))
       item  r_drop  alpha_if_deleted
    ld_up_1   0.653             0.772
    ld_up_2   0.677             0.761
    >>> ax = res.plot()  # item-total correlations per subscale
    """
    sc = load_scale(scale)
    ci_level = check_level(ci_level, error=DataValidationError)
    omega = choice(omega, "omega", ["model", "psych"], error=DataValidationError)
    notes: list[str] = []
    mapping = _resolve_columns(sc, columns)
    require_columns(df, list(mapping.values()), f"reliability of scale '{sc.name}'")
    values = _raw_columns(df, sc, mapping, notes)
    pos = {item_id: k for k, item_id in enumerate(mapping)}
    groups = [[pos[i] for i in sub.item_ids] for sub in sc.subscales]
    signs = np.array([-1.0 if sc.item(i).reverse else 1.0 for i in mapping])
    # the midpoint of the response range: reversal (min + max - x) is then a sign flip of the
    # centred answers
    centre = (sc.response_min + sc.response_max) / 2.0
    rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    # skinny (rows x items) products and the small ML fits: BLAS threads only synchronise
    with single_blas_thread():
        moments, n_total = accumulate(values, groups, signs, centre)
        _check_ranges(values, moments, groups, sc, mapping, df.index)
        _check_answered(moments, groups, sc, mapping, n_total, len(df), notes)
        notes.append(
            "alpha, G6 and item statistics use pairwise-complete covariances (psych::alpha); "
            "the Feldt CI uses the listwise n_complete; omega uses the pairwise correlation "
            "matrix"
        )
        for sub, group, mom in zip(sc.subscales, groups, moments, strict=True):
            kept = _Kept(values, group, signs, centre)
            row, sub_items = _subscale(mom, kept, sub, sc, mapping, ci_level, notes, omega)
            rows.append(row)
            item_rows.extend(sub_items)
    table = pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS)
    for c in ("n_items", "n", "n_complete"):
        table[c] = table[c].astype(int)
    items = pd.DataFrame(item_rows).reindex(columns=ITEM_COLUMNS)
    for c in _ITEM_STATS:
        items[c] = items[c].astype(float)
    return ReliabilityResult(
        table=table,
        items=items,
        instrument=sc.name,
        n=n_total,
        n_dropped=len(df) - n_total,
        ci_level=ci_level,
        method=_METHOD[omega],
        notes=tuple(notes),
    )


_METHOD = {
    "model": (
        "psych::alpha (pairwise covariances); Feldt CI (listwise n); omega total (1-factor ML, "
        "model-implied total variance)"
    ),
    "psych": (
        "psych::alpha (pairwise covariances); Feldt CI (listwise n); omega total (1-factor ML, "
        "observed total variance as psych::omega)"
    ),
}

#: item statistics computed from a subscale's covariance matrix (NaN when it has none)
_ITEM_STATS = ("r_drop", "raw_r", "alpha_if_deleted", "std_r", "loading")


def _check_ranges(
    values: list[np.ndarray],
    moments: list[ItemMoments],
    groups: list[list[int]],
    sc: Scale,
    mapping: Mapping[str, str],
    index: pd.Index,
) -> None:
    """Refuse answers outside the response range: the first such item in the scale's order is
    named, with a row (reverse keying would be wrong for them)."""
    lo = np.empty(len(values))
    hi = np.empty(len(values))
    for group, mom in zip(groups, moments, strict=True):
        lo[group], hi[group] = mom.lo, mom.hi
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero((lo < sc.response_min) | (hi > sc.response_max))
    if len(bad):
        _range_error(values[int(bad[0])], int(bad[0]), sc, mapping, index)


def _check_answered(
    moments: list[ItemMoments],
    groups: list[list[int]],
    sc: Scale,
    mapping: Mapping[str, str],
    n_total: int,
    n_rows: int,
    notes: list[str],
) -> None:
    """Errors for items without answers and for fewer than 3 rows answering any item; a note
    for the rows answering none (they carry no information and are left out)."""
    count = np.zeros(len(mapping), dtype=np.int64)
    for group, mom in zip(groups, moments, strict=True):
        count[group] = mom.count
    empty = [i for i, c in zip(mapping, count, strict=True) if c == 0]
    if empty:
        raise DataValidationError(
            f"item(s) {', '.join(repr(i) for i in empty)} of scale '{sc.name}' have no answers "
            f"at all (column(s) {', '.join(repr(mapping[i]) for i in empty)} are all missing); "
            "check the column mapping or leave the item out of the scale definition"
        )
    if n_total < 3:
        raise DataValidationError(
            f"reliability of scale '{sc.name}' needs answers from at least 3 respondents; "
            f"{n_total} of {n_rows} rows answered any of its items (alpha and the item "
            "statistics are variances and correlations across respondents)"
        )
    if n_total < n_rows:
        notes.append(
            f"{n_rows - n_total} of {n_rows} rows answered no item of '{sc.name}' and were left out"
        )


@dataclass(frozen=True)
class _Kept:
    """What a subscale's sums are recomputed from when constant items are left out."""

    values: list[np.ndarray]
    group: list[int]
    signs: np.ndarray
    centre: float

    def moments(self, keep: list[int]) -> ItemMoments:
        """The sums of the items at positions ``keep`` of the subscale (row means, complete
        rows and item-total correlations change with the items, so a new pass)."""
        (mom,), _ = accumulate(
            self.values, [[self.group[j] for j in keep]], self.signs, self.centre
        )
        return mom


def _subscale(
    mom: ItemMoments,
    kept: _Kept,
    sub: Subscale,
    sc: Scale,
    mapping: Mapping[str, str],
    ci_level: float,
    notes: list[str],
    omega: str = "model",
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The table row and the item rows of one subscale (``mom``: the sums of its reversed
    answers)."""
    ids = sub.item_ids
    sds = mom.sd
    described = (mom.mean, sds, mom.count)
    constant = [i for i, s in zip(ids, sds, strict=True) if not s > 0]
    for i in constant:
        warn_user(
            f"item '{i}' of '{sub.name}' has zero variance (every answer is the same); "
            "correlations with it are undefined, so it is left out of the subscale's "
            "statistics",
            ReliabilityWarning,
        )
        notes.append(f"constant item '{i}' left out of '{sub.name}'")
    keep = [j for j, i in enumerate(ids) if i not in constant]
    base = {
        "scale": sub.name,
        "n_items": len(ids),
        "n": mom.n_any,
        "instrument": sc.name,
    }
    if len(keep) < 2:
        why = "has fewer than 2 items" if len(ids) < 2 else "has fewer than 2 non-constant items"
        warn_user(
            f"subscale '{sub.name}' {why}; internal consistency is undefined and its row is NaN",
            ReliabilityWarning,
        )
        notes.append(f"'{sub.name}' {why}: statistics are NaN")
        return {**base, "n_complete": mom.n_complete}, _item_rows(
            described, sub, sc, mapping, keep, {}
        )
    if len(keep) < len(ids):
        mom = kept.moments(keep)
    row, stats_items = _subscale_stats(mom, ci_level, omega)
    _impossible_values(row, stats_items, sub, [ids[j] for j in keep], notes)
    heywood, converged = row.pop("heywood"), row.pop("converged")
    if heywood or not converged:
        msg = "is a Heywood case" if heywood else "did not converge"
        warn_user(
            f"the one-factor ML solution of '{sub.name}' {msg}; omega_total may be unreliable",
            ReliabilityWarning,
        )
        notes.append(f"one-factor ML solution of '{sub.name}' {msg}")
    if len(keep) == 2:
        notes.append(
            f"'{sub.name}' has 2 items: omega_total and alpha_if_deleted are NaN (a "
            "one-factor model of two items is not identified)"
        )
    items = _item_rows(described, sub, sc, mapping, keep, stats_items)
    _warn_negative_items(stats_items["r_drop"], sub, sc, keep, notes)
    return {**base, **row}, items


#: statistics of a subscale that no data can push above 1
_AT_MOST_ONE = ("alpha", "std_alpha", "average_r", "g6", "omega_total")
#: item statistics that are correlations
_CORRELATIONS = ("r_drop", "raw_r", "std_r")


def _impossible_values(
    row: dict[str, Any],
    items: dict[str, np.ndarray],
    sub: Subscale,
    ids: list[str],
    notes: list[str],
) -> None:
    """Replace values that no data can produce by NaN, with a warning that says why.

    Rounding error (up to 1e-9 beyond a bound) is clipped to the bound; anything further is a
    numerical failure (a singular or indefinite correlation matrix), never a result.
    """
    problems: list[str] = []
    g6_problem = row.pop("g6_problem", None)
    if g6_problem is not None:
        problems.append(f"G6 is undefined: {g6_problem}")
    for key in _AT_MOST_ONE:
        v = row.get(key)
        if isinstance(v, float) and np.isfinite(v) and v > 1.0:
            if v <= 1.0 + 1e-9:
                row[key] = 1.0
            else:
                problems.append(f"{key} came out as {v:.6g}, above its maximum of 1")
                row[key] = float("nan")
    for key in _CORRELATIONS:
        v = np.asarray(items[key], dtype=float).copy()
        over = np.isfinite(v) & (np.abs(v) > 1.0)
        near = over & (np.abs(v) <= 1.0 + 1e-9)
        v[near] = np.sign(v[near])
        bad = over & ~near
        if bad.any():
            which = ", ".join(repr(ids[j]) for j in np.flatnonzero(bad))
            problems.append(f"{key} of item(s) {which} fell outside [-1, 1]")
            v[bad] = np.nan
        items[key] = v
    for problem in problems:
        warn_user(
            f"'{sub.name}': {problem}; the value is reported as NaN (not computable from these "
            "answers)",
            ReliabilityWarning,
        )
        notes.append(f"'{sub.name}': {problem}; reported as NaN")


def _item_rows(
    described: tuple[np.ndarray, np.ndarray, np.ndarray],
    sub: Subscale,
    sc: Scale,
    mapping: Mapping[str, str],
    keep: list[int],
    stats_items: Mapping[str, np.ndarray],
) -> list[dict[str, Any]]:
    """One row per item of ``sub``: descriptives (means, SDs, answer counts), and the
    statistics of the kept items."""
    means, sds, n_items = described
    out = []
    for j, i in enumerate(sub.item_ids):
        entry: dict[str, Any] = {
            "scale": sub.name,
            "item": i,
            "mean": means[j],
            "sd": sds[j],
            "n": int(n_items[j]),
            "reversed": sc.item(i).reverse,
            "column": mapping[i],
            **dict.fromkeys(_ITEM_STATS),
        }
        if stats_items and j in keep:
            pos = keep.index(j)
            entry.update({k: float(v[pos]) for k, v in stats_items.items()})
        out.append(entry)
    return out


def _warn_negative_items(
    r_drop: np.ndarray, sub: Subscale, sc: Scale, keep: list[int], notes: list[str]
) -> None:
    """Warn about items correlating negatively with the rest (reverse keying?)."""
    ids = sub.item_ids
    for pos, j in enumerate(keep):
        if r_drop[pos] < 0:
            rev = " (it is marked reversed: check the keying)" if sc.item(ids[j]).reverse else ""
            warn_user(
                f"item '{ids[j]}' correlates negatively with the rest of '{sub.name}' "
                f"(r_drop = {fmt_num(r_drop[pos], 3)}); it may need reverse keying{rev}",
                ReliabilityWarning,
            )
            notes.append(f"item '{ids[j]}' has a negative corrected item-total r")
