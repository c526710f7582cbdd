"""Score survey scales: reverse keying, missing items, text answers, subscales and composites.

:func:`score` turns item answers into one score per subscale and composite, keeping every input
row and the input index. It is vectorised over the whole item matrix (no per-row Python loop).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._core.data import require_columns
from .._core.plotting import figure
from .._core.results import ResultMixin
from .._core.warn import warn_user
from ..exceptions import DataQualityWarning, DataValidationError
from ._items import ItemColumns, resolve_columns, row_label
from .codebook import Scale, resolve_scales

__all__ = ["ScoreResult", "score"]

TABLE_COLUMNS = ["score", "scale", "n_items", "n", "n_missing", "mean", "sd", "min", "max"]


@dataclass(frozen=True, eq=False)
class ScoreResult(ResultMixin):
    """Scale scores of every respondent, with a record of missing and invalid answers.

    Attributes
    ----------
    scores : DataFrame
        The input index, one column per subscale then per composite (all scales in order).
        NaN where too few items were answered.
    n_answered : DataFrame
        The input index, one column per subscale: how many of its items the row answered.
    table : DataFrame
        One row per score: ``score, scale, n_items, n, n_missing, mean, sd, min, max``
        (``sd`` with denominator n - 1, as R's ``sd``).
    invalid : DataFrame
        Answers set to missing with ``invalid="missing"``: ``column, item, row, value, reason``
        (``row`` is the index label, or the respondent id when ``id_column`` was given).
    scales : tuple of Scale
        The scale definitions used.
    n : int
        Rows in the input (= rows in ``scores``).
    n_scored : int
        Rows with every score present.
    min_answered : float or None
        The ``min_answered`` override, or None when each scale's own value was used.
    notes : tuple of str
        Why scores are missing, which answers were recoded, which items were empty.
    """

    scores: pd.DataFrame
    n_answered: pd.DataFrame
    table: pd.DataFrame
    invalid: pd.DataFrame
    scales: tuple[Scale, ...]
    n: int
    n_scored: int
    min_answered: float | None = None
    method: str = "mean of answered items"
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Scale scores"

    def _meta(self) -> dict[str, Any]:
        return {"method": self.method, "n": self.n, "n_scored": self.n_scored}

    @property
    def score_names(self) -> list[str]:
        """Names of the score columns."""
        return list(self.scores.columns)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Distribution of every score (box plot with the mean marked); returns the Axes.

        See :func:`learning_direction.figures.profiles.plot_score_distributions`.
        """
        plot_score_distributions = figure("profiles.plot_score_distributions")

        return plot_score_distributions(self.scores, ax=ax, **kwargs)


def _check_ids(df: pd.DataFrame, id_column: str) -> pd.Series:
    require_columns(df, [id_column], "score() id_column")
    ids = df[id_column]
    if isinstance(ids, pd.DataFrame):
        raise DataValidationError(
            f"id column '{id_column}' occurs more than once in the data; rename the duplicates"
        )
    dup = _duplicated(ids)
    if dup.any():
        pos = np.flatnonzero(dup)
        groups: dict[Any, list[str]] = {}
        for p in pos:
            groups.setdefault(ids.iloc[p], []).append(row_label(df.index, int(p)))
        shown = "; ".join(f"{k!r} in rows {', '.join(v[:5])}" for k, v in list(groups.items())[:10])
        more = "" if len(groups) <= 10 else f" and {len(groups) - 10} more ids"
        raise DataValidationError(
            f"id column '{id_column}' has {len(groups)} duplicated respondent id(s): {shown}{more}. "
            "Each respondent must appear once: remove repeated submissions or fix the ids"
        )
    return ids


def _duplicated(ids: pd.Series) -> np.ndarray:
    """Present ids that occur more than once.

    Exact. Many text ids are first screened by sorting their 64-bit hashes, which needs a
    fraction of the memory of a hash table of millions of strings; equal hashes are then
    compared as text, so a collision is never taken for a duplicate.
    """
    present = ids.notna().to_numpy()
    if len(ids) > 100_000 and pd.api.types.infer_dtype(ids, skipna=True) == "string":
        values = ids.to_numpy(dtype=object)
        hashed = np.fromiter((hash(v) for v in values), dtype=np.int64, count=len(values))
        order = np.argsort(hashed, kind="stable")
        hashed = hashed[order]
        same = hashed[1:] == hashed[:-1]
        del hashed
        maybe = np.zeros(len(ids), dtype=bool)
        maybe[order[1:][same]] = True
        maybe[order[:-1][same]] = True
        maybe &= present
        out = np.zeros(len(ids), dtype=bool)
        if maybe.any():
            pos = np.flatnonzero(maybe)
            out[pos] = ids.iloc[pos].duplicated(keep=False).to_numpy()
        return out
    return (ids.duplicated(keep=False) & ids.notna()).to_numpy()


def _min_answered(value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise DataValidationError(
            f"min_answered must be a share in (0, 1] (e.g. 0.5 = half the items), got {value!r}; "
            "use a small value such as 0.01 to score any row with at least one answer"
        )
    return float(value)


def _needed(share: float, k: int) -> int:
    """Items a row must answer: ceil(share * k), at least one (tolerant to float error)."""
    return max(1, math.ceil(share * k - 1e-9))


def score(
    df: pd.DataFrame,
    scale_or_scales: Any,
    *,
    columns: Mapping[str, str] | None = None,
    id_column: str | None = None,
    invalid: str = "raise",
    min_answered: float | None = None,
) -> ScoreResult:
    """Score one or more scales: one column per subscale and composite, every row kept.

    Parameters
    ----------
    df : DataFrame
        One row per respondent; item answers as numbers, numeric strings or response labels
        ("Strongly agree", matched case- and whitespace-insensitively). Blank strings and NaN are
        missing answers.
    scale_or_scales : str, path, dict, Scale or list of these
        Bundled scale name(s) (see ``ld.list_scales()``), YAML path(s) or definitions. Score
        names must be unique across the scales given.
    columns : dict, optional
        ``{item_id: column_name}`` for data whose columns are not named after the item ids
        (e.g. a Qualtrics export with ``Q3_1``...). Unlisted items use their id as column name.
    id_column : str, optional
        Respondent id column. Duplicated ids raise an error; the ids label rows in messages and
        in ``.invalid``. It is not copied into ``.scores`` (join on the index instead).
    invalid : {"raise", "missing"}
        What to do with answers that are not numbers/labels or lie outside the response range:
        raise :class:`DataValidationError` (default) naming the column, the values and up to 5
        rows, or set them to missing, list them in ``.invalid`` and warn
        (:class:`DataQualityWarning`).
    min_answered : float in (0, 1], optional
        Share of a subscale's items a row must answer to get a score; overrides every scale's
        own ``min_answered``. Use a small value (e.g. 0.01) to score any row with at least one
        answer, as ``psych::scoreItems(impute = "none")`` does.

    Returns
    -------
    ScoreResult
        ``.scores`` (input index kept), ``.n_answered``, ``.table`` (descriptives per score),
        ``.invalid``, ``.n``, ``.n_scored``, ``.notes``; ``.plot()`` draws the distributions.

    Raises
    ------
    DataValidationError
        Missing item columns (every one is listed with the closest existing names), invalid
        answers (with ``invalid="raise"``), duplicated respondent ids, a bad ``min_answered``.
    ScaleDefinitionError
        Unknown scale, invalid definition, or score names colliding across scales.

    Warns
    -----
    DataQualityWarning
        Invalid answers set to missing (``invalid="missing"``); an item answered by nobody (the
        subscale is then scored from its other items; the item still counts in the
        ``min_answered`` denominator, so such a subscale may score fewer rows).

    Notes
    -----
    Reverse-keyed items are recoded as ``min + max - x`` (the scale's response range). For a
    subscale with ``k`` items, a row that answered ``a`` of them gets

    .. math:: \\text{score} = \\frac{1}{a} \\sum_{j \\text{ answered}} x_j
              \\quad \\text{if } a \\ge \\max(1, \\lceil \\text{min\\_answered} \\cdot k \\rceil),

    else NaN. With ``scoring: sum`` the score is the prorated sum ``k * mean`` (equal to the
    plain sum when every item is answered, and comparable across rows with missing answers).
    A composite is the mean of its subscale scores, NaN when any of them is missing.
    Non-integer answers inside the response range are accepted as given.

    References
    ----------
    Revelle, W. psych: Procedures for Psychological, Psychometric, and Personality Research
    (``scoreItems``). Newman, D. A. (2014). Missing data: Five practical guidelines.
    Organizational Research Methods, 17(4), 372-411.

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.simulate import simulate_items, simulate_latent
    >>> latent = simulate_latent(200, ["upward", "lateral", "downward"], seed=1)
    >>> df = simulate_items("learning_direction", latent, seed=1)
    >>> res = ld.score(df, "learning_direction")
    >>> res.scores.columns.tolist()
    ['upward', 'lateral', 'downward']
    >>> len(res.scores) == len(df)
    True

    The R equivalent (mean of answered items after reversal) is
    ``psych::scoreItems(keys, df, impute = "none", min = 1, max = 7)``.
    """
    scales = resolve_scales(scale_or_scales)
    share_override = _min_answered(min_answered)
    ids = _check_ids(df, id_column) if id_column is not None else None
    mapping = resolve_columns(df, scales, columns, "score()")
    items = ItemColumns(df, scales, mapping, invalid=invalid, ids=ids, what="score()")
    n = len(df)
    notes: list[str] = []
    sums = _SubscaleSums(n)
    for s, item_id, colname, vals in items:
        if s.item(item_id).reverse:
            vals = np.subtract(s.response_min + s.response_max, vals, out=vals)
        sums.add(s, item_id, colname, vals)
    invalid_table = items.finish()
    if n > 0:
        _warn_empty_items(sums.empty_columns, notes)
    score_cols, n_ans_cols = _score_columns(sums, scales, share_override, notes)
    scores = pd.DataFrame(score_cols, index=df.index, copy=False)
    n_answered = pd.DataFrame(n_ans_cols, index=df.index, copy=False)
    n_scored = int(scores.notna().all(axis=1).sum()) if scores.shape[1] else n
    notes.extend(_input_notes(items.n_text, len(invalid_table), ids, id_column, df.index))
    method = (
        "mean of answered items"
        if all(s.scoring == "mean" for s in scales)
        else "mean of answered items (prorated sum for scales with scoring: sum)"
    )
    return ScoreResult(
        scores=scores,
        n_answered=n_answered,
        table=_descriptives(scales, score_cols, n),
        invalid=invalid_table,
        scales=tuple(scales),
        n=n,
        n_scored=n_scored,
        min_answered=share_override,
        method=method,
        notes=tuple(notes),
    )


class _SubscaleSums:
    """Per subscale, the running sum of the answered items and how many each row answered.

    Items arrive one column at a time (reverse keyed), so scoring never holds a copy of the
    whole item matrix: memory is the scores plus one column.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.total: dict[str, np.ndarray] = {}
        self.answered: dict[str, np.ndarray] = {}
        self.empty_columns: list[str] = []

    def add(self, s: Scale, item_id: str, column: str, vals: np.ndarray) -> None:
        sub = next(x.name for x in s.subscales if item_id in x.item_ids)
        if sub not in self.total:
            self.total[sub] = np.zeros(self.n)
            self.answered[sub] = np.zeros(self.n, dtype=np.int64)
        seen = ~np.isnan(vals)
        vals[~seen] = 0.0  # ours to change: a fresh array for each column
        self.total[sub] += vals
        self.answered[sub] += seen
        if not seen.any():
            self.empty_columns.append(column)


def _warn_empty_items(empty: list[str], notes: list[str]) -> None:
    """Warn about item columns nobody answered (their subscales use the other items)."""
    if empty:
        msg = (
            f"item column(s) {empty} have no answers at all; the subscale(s) are scored from "
            "their other items (check the export or the `columns` mapping)"
        )
        warn_user(f"score(): {msg}", DataQualityWarning)
        notes.append(msg)


def _score_columns(
    sums: _SubscaleSums,
    scales: list[Scale],
    share_override: float | None,
    notes: list[str],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every subscale and composite score, and the number of items each row answered."""
    n = sums.n
    score_cols: dict[str, np.ndarray] = {}
    n_ans_cols: dict[str, np.ndarray] = {}
    for s in scales:
        share = share_override if share_override is not None else s.min_answered
        for sub in s.subscales:
            k = len(sub.item_ids)
            a, total = sums.answered.pop(sub.name), sums.total.pop(sub.name)
            need = _needed(share, k)
            with np.errstate(invalid="ignore", divide="ignore"):
                sc = np.divide(total, a, out=total)  # the mean, in place
            sc[a < need] = np.nan
            if s.scoring == "sum":
                sc *= k
            score_cols[sub.name] = sc
            n_ans_cols[sub.name] = a
            n_short = int(np.sum(a < need))
            if n_short:
                notes.append(
                    f"{sub.name}: {n_short} of {n} rows have no score (fewer than {need} of "
                    f"{k} items answered; min_answered = {share:g})"
                )
        for cname, members in s.composites.items():
            score_cols[cname] = np.mean(np.column_stack([score_cols[m] for m in members]), axis=1)
            n_miss = int(np.isnan(score_cols[cname]).sum())
            if n_miss:
                notes.append(
                    f"{cname}: {n_miss} of {n} rows have no score (a component subscale is missing)"
                )
    return score_cols, n_ans_cols


def _descriptives(
    scales: list[Scale], score_cols: Mapping[str, np.ndarray], n: int
) -> pd.DataFrame:
    """One row per score: ``score, scale, n_items, n, n_missing, mean, sd, min, max``."""
    rows: list[dict[str, Any]] = []
    for s in scales:
        for name in s.score_names:
            v = score_cols[name]
            ok = v[~np.isnan(v)]
            n_items = (
                len(s.subscale(name).items)
                if name in s.subscale_names
                else sum(len(s.subscale(m).items) for m in s.composites[name])
            )
            rows.append(
                {
                    "score": name,
                    "scale": s.name,
                    "n_items": n_items,
                    "n": int(ok.size),
                    "n_missing": int(n - ok.size),
                    "mean": float(ok.mean()) if ok.size else np.nan,
                    "sd": float(ok.std(ddof=1)) if ok.size > 1 else np.nan,
                    "min": float(ok.min()) if ok.size else np.nan,
                    "max": float(ok.max()) if ok.size else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def _input_notes(
    n_text: int, n_invalid: int, ids: pd.Series | None, id_column: str | None, index: pd.Index
) -> list[str]:
    """Notes on answers converted from text, answers set to missing and rows without an id."""
    notes = []
    if n_text:
        notes.append(
            f"{n_text} answer(s) given as text (response labels or numeric strings) "
            "were converted to numbers"
        )
    if n_invalid:
        notes.append(
            f"{n_invalid} invalid answer(s) set to missing (invalid='missing'); see result.invalid"
        )
    if ids is not None and ids.isna().any():
        miss = np.flatnonzero(ids.isna().to_numpy())
        notes.append(
            f"{miss.size} row(s) have no respondent id in '{id_column}' (rows "
            + ", ".join(row_label(index, p) for p in miss[:5])
            + ("..." if miss.size > 5 else "")
            + "); they are scored like every other row"
        )
    return notes
