"""Turn raw survey columns into a validated numeric item matrix (shared by scoring and quality).

Text answers ("Strongly agree", " strongly agree ", "7") are mapped through the scale's response
labels (case- and whitespace-insensitive) or converted as numbers; blank strings are missing.
Values that are neither, or that fall outside the response range, are *invalid*: by default
they raise :class:`DataValidationError`; with ``invalid="missing"`` they become NaN, are listed
in a tidy table and a :class:`DataQualityWarning` is issued.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .._core.cells import clip, describe_text
from .._core.checks import choice
from .._core.data import closest_columns, missing_hint
from .._core.warn import warn_user
from ..exceptions import DataQualityWarning, DataValidationError
from .codebook import Scale

__all__ = [
    "ItemColumns",
    "ItemMatrix",
    "build_item_matrix",
    "convert_answers",
    "label_lookup",
    "refuse_shared_columns",
    "resolve_columns",
    "row_label",
]

INVALID_COLUMNS = ["column", "item", "row", "value", "reason"]


@dataclass(frozen=True)
class ItemMatrix:
    """Numeric answers of every item of some scales, in codebook order (raw, not reversed)."""

    values: np.ndarray  # (n_rows, n_items) float, NaN = missing
    item_ids: list[str]
    columns: list[str]  # data column of each item
    invalid: pd.DataFrame  # values set to missing (invalid="missing"), INVALID_COLUMNS
    n_text_converted: int  # answers given as text labels or numeric strings


def row_label(index: pd.Index, pos: int, ids: pd.Series | None = None) -> str:
    """How a row is named in messages: its index label, plus the respondent id when known."""
    value = index[pos]
    label = repr(value.item() if isinstance(value, np.generic) else value)  # 7, not np.int64(7)
    if ids is not None:
        label += f" (id {ids.iloc[pos]!r})"
    return label


def resolve_columns(
    df: pd.DataFrame,
    scales: Sequence[Scale],
    columns: Mapping[str, str] | None,
    what: str = "score()",
) -> dict[str, str]:
    """Map every item id of ``scales`` to its data column, checking that all columns exist.

    Raises :class:`DataValidationError` listing EVERY missing item (with the closest existing
    column names), a ``columns`` key that is not an item of the scales, or a data column that
    occurs twice.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"{what} needs a pandas DataFrame, got {type(df).__name__}; "
            "read your file with ld.read_survey(path) or pandas.read_csv(path)"
        )
    columns = dict(columns or {})
    if not all(isinstance(k, str) for k in columns):
        raise DataValidationError(
            "columns must map item ids (str) to data column names, e.g. {'ld_up_1': 'Q1_1'}"
        )
    ids = [i for s in scales for i in s.item_ids]
    unknown = [k for k in columns if k not in ids]
    if unknown:
        raise DataValidationError(
            f"columns names item(s) that are not in the scale(s) "
            f"{', '.join(s.name for s in scales)}: {missing_hint(unknown, ids)}. "
            "Keys of `columns` are item ids from the codebook; values are your data's column names"
        )
    mapping = {i: columns.get(i, i) for i in ids}
    missing = [(i, c) for i, c in mapping.items() if c not in df.columns]
    if missing:
        hints = []
        for i, c in missing:
            close = closest_columns(c, df.columns)
            name = f"'{i}'" if c == i else f"'{i}' (column '{c}')"
            hints.append(name + (f" -> closest: {', '.join(map(repr, close))}" if close else ""))
        raise DataValidationError(
            f"{what}: {len(missing)} item column(s) not in the data: {'; '.join(hints)}. "
            "Rename the columns or pass columns={item_id: column_name}; "
            f"the data has {len(df.columns)} columns"
        )
    dup_cols = sorted({str(c) for c in df.columns[df.columns.duplicated()]} & set(mapping.values()))
    if dup_cols:
        raise DataValidationError(
            f"{what}: column(s) {dup_cols} occur more than once in the data; "
            "rename or drop the duplicates"
        )
    refuse_shared_columns(mapping, what)
    return mapping


def refuse_shared_columns(mapping: Mapping[str, str], what: str) -> None:
    """Refuse a mapping in which one data column feeds two items (naming the items)."""
    items_of: dict[str, list[str]] = {}
    for item, col in mapping.items():
        items_of.setdefault(str(col), []).append(item)
    twice = {c: its for c, its in items_of.items() if len(its) > 1}
    if twice:
        shown = "; ".join(f"'{c}' -> items {', '.join(map(repr, its))}" for c, its in twice.items())
        raise DataValidationError(
            f"{what}: column(s) {sorted(twice)} are mapped to more than one item ({shown}); "
            "each column holds the answers to one item: check `columns`"
        )


def label_lookup(scale: Scale) -> dict[str, float]:
    out: dict[str, float] = {}
    for value, label in scale.labels.items():
        out[" ".join(str(label).split()).casefold()] = float(value)
    return out


def convert_answers(col: pd.Series, lookup: dict[str, float]) -> tuple[np.ndarray, np.ndarray, int]:
    """Numeric values, a mask of unconvertible entries, and how many text answers converted."""
    if pd.api.types.is_bool_dtype(col.dtype):
        bad = col.notna().to_numpy()
        return np.full(len(col), np.nan), bad, 0
    if pd.api.types.is_numeric_dtype(col.dtype):
        vals = col.to_numpy(dtype=float, na_value=np.nan, copy=True)
        return vals, np.zeros(len(col), dtype=bool), 0
    # text / object / categorical: labels first, then numbers
    obj = col.astype(object)
    present = obj.notna().to_numpy()
    text = obj.where(present, None).map(
        lambda v: None if v is None else " ".join(str(v).split()).casefold()
    )
    blank = (text == "").to_numpy()
    via_label = text.map(lookup).to_numpy(dtype=float, na_value=np.nan)
    as_number = np.array(
        pd.to_numeric(text.where(~blank, None), errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        ),
        dtype=float,
    )
    # bool objects would convert to 0/1; treat them as invalid
    is_bool = obj.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    as_number[is_bool] = np.nan
    values = np.where(np.isnan(via_label), as_number, via_label)
    bad = present & ~blank & np.isnan(values)
    is_str = obj.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    n_text = int(np.sum(is_str & ~blank & ~np.isnan(values)))
    return values, bad, n_text


@dataclass
class ItemColumns:
    """The item columns of some scales, converted and range-checked one at a time.

    Iterate to get ``(scale, item_id, column, values)`` per item, in codebook order
    (``values``: float, NaN = missing, raw not reversed); then :meth:`finish` raises the
    collected invalid answers (``invalid="raise"``) or returns their table and warns
    (``invalid="missing"``). Only one column is converted at a time, so scoring a large file
    never holds a second copy of all its items.
    """

    df: pd.DataFrame
    scales: Sequence[Scale]
    mapping: Mapping[str, str]
    invalid: str = "raise"
    ids: pd.Series | None = None
    what: str = "score()"
    n_text: int = 0
    problems: list[str] = field(default_factory=list)
    records: list[pd.DataFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.invalid = choice(self.invalid, "invalid", ("raise", "missing"),
                              error=DataValidationError)  # fmt: skip

    def __iter__(self) -> Iterator[tuple[Scale, str, str, np.ndarray]]:
        for s in self.scales:
            lookup = label_lookup(s)
            for item_id in s.item_ids:
                colname = self.mapping[item_id]
                yield s, item_id, colname, self._convert(s, lookup, item_id, colname)

    def _convert(
        self, s: Scale, lookup: dict[str, float], item_id: str, colname: str
    ) -> np.ndarray:
        raw = self.df[colname]
        lo, hi = s.response_min, s.response_max
        vals, nonnum, n_conv = convert_answers(raw, lookup)
        self.n_text += n_conv
        with np.errstate(invalid="ignore"):
            out_of_range = ~np.isnan(vals) & ((vals < lo) | (vals > hi))
        bad = nonnum | out_of_range
        if not bad.any():
            return vals
        pos = np.flatnonzero(bad)
        where = f"column '{colname}' (item '{item_id}', allowed {lo:g}–{hi:g}"
        if self.invalid == "raise":
            self.problems.append(_invalid_message(raw, pos, where, self.df.index, self.ids))
            return vals
        reason = np.where(nonnum[pos], _not_a_number(raw.iloc[pos]), "")
        reason = np.where(out_of_range[pos], f"outside the response range {lo:g}–{hi:g}", reason)
        rows = self.df.index[pos] if self.ids is None else self.ids.iloc[pos].to_numpy()
        self.records.append(
            pd.DataFrame(
                {
                    "column": colname,
                    "item": item_id,
                    "row": list(rows),
                    "value": raw.iloc[pos].astype(object).tolist(),
                    "reason": reason,
                }
            )
        )
        vals = vals.copy()
        vals[bad] = np.nan
        return vals

    def finish(self, stacklevel: int = 4) -> pd.DataFrame:
        """Raise the invalid answers found (``invalid="raise"``), else return their table.

        The warning about answers set to missing points ``stacklevel`` frames up.
        """
        if self.problems:
            raise DataValidationError(
                f"{self.what}: invalid answers found. "
                + " | ".join(self.problems)
                + ". Fix the data, or pass invalid='missing' to set these values to missing "
                "(they are then listed in result.invalid)"
            )
        return _invalid_table(self.records, self.what, stacklevel + 1)


def build_item_matrix(
    df: pd.DataFrame,
    scales: Sequence[Scale],
    mapping: Mapping[str, str],
    invalid: str = "raise",
    ids: pd.Series | None = None,
    what: str = "score()",
    order: Literal["C", "F"] = "C",
) -> ItemMatrix:
    """Convert and range-check every item column (one pass per column, vectorised over rows)."""
    cols = ItemColumns(df, scales, mapping, invalid=invalid, ids=ids, what=what)
    item_ids = [i for s in scales for i in s.item_ids]
    values = np.empty((len(df), len(item_ids)), dtype=float, order=order)
    for k, (_, _, _, vals) in enumerate(cols):
        values[:, k] = vals
    table = cols.finish(stacklevel=5)
    return ItemMatrix(
        values=values,
        item_ids=item_ids,
        columns=[mapping[i] for i in item_ids],
        invalid=table,
        n_text_converted=cols.n_text,
    )


def _not_a_number(values: pd.Series) -> str:
    """Why text is not an answer (full-width digits are named: they look like numbers)."""
    kind = describe_text(v for v in values if isinstance(v, str))
    return "not a number or response label" + ("" if kind == "text" else f": {kind}")


def _invalid_message(
    raw: pd.Series, pos: np.ndarray, where: str, index: pd.Index, ids: pd.Series | None
) -> str:
    """One column's invalid answers: up to 8 values and 5 rows."""
    shown_vals = list(dict.fromkeys(raw.iloc[pos].tolist()))
    more_vals = "" if len(shown_vals) <= 8 else f" and {len(shown_vals) - 8} more"
    rows = ", ".join(row_label(index, p, ids) for p in pos[:5])
    more_rows = "" if len(pos) <= 5 else f" and {len(pos) - 5} more"
    kind = describe_text(v for v in shown_vals if isinstance(v, str))
    hint = "" if kind == "text" else f" ({kind})"
    return (
        f"{where} or a response label) has {len(pos)} invalid value(s) "
        f"{clip(shown_vals[:8], 200)}{more_vals} in row(s) {rows}{more_rows}{hint}"
    )


def _invalid_table(records: list[pd.DataFrame], what: str, stacklevel: int = 5) -> pd.DataFrame:
    """The answers set to missing (``invalid="missing"``), with a warning when there are any."""
    table = (
        pd.concat(records, ignore_index=True)
        if records
        else pd.DataFrame({c: pd.Series(dtype=object) for c in INVALID_COLUMNS})
    )
    if len(table):
        by_col = table.groupby("column", sort=False).size()
        warn_user(
            f"{what}: {len(table)} invalid answer(s) set to missing (invalid='missing'): "
            + ", ".join(f"{c} ({k})" for c, k in by_col.items())
            + "; see result.invalid for the rows and values",
            DataQualityWarning,
        )
    return table
