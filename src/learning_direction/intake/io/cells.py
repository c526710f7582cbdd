"""Cells and columns of a survey file: blank cells, missing-value tokens, numbers, column types.

A file's cells arrive as text (CSV/TSV) or as Python objects (Excel). :func:`convert_column`
infers a column's type once the header rows are gone: numeric (``int64`` when whole and
complete, else ``float64``), boolean, datetime (Excel) or text, never losing a cell.

What becomes missing, and how it is reported:

* a **blank** cell (empty, or only spaces) is missing: there is nothing in it to lose;
* a **missing-value token** (``NA``, ``N/A``, ``NaN``, ``NULL``, ``#N/A`` ...: :data:`NA_TOKENS`)
  becomes missing only in a column whose every other answer is a number, i.e. where it can
  only mean "no value"; every such conversion is logged as a recoding (column, token, count).
  In a text column it is text: ``NA`` may be North America, ``None`` an answer;
* anything else becomes missing only when the caller names it as a missing code
  (``missing_codes``), again logged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..._core.cells import describe_text
from .report import ReadLog, Recoding

__all__ = [
    "DECIMAL_COMMA",
    "NA_TOKENS",
    "TOKEN_REASON",
    "blank_mask",
    "convert_column",
    "describe_text",
    "finish_numeric",
    "is_blank",
    "is_missing",
    "is_number",
    "note_text_in_numbers",
    "numeric_share",
    "tidy",
]

#: text that means "no value" in a column of numbers (R, SPSS, Excel and database exports)
NA_TOKENS = frozenset({"NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "#N/A"})
TOKEN_REASON = "missing-value token in a numeric column"
_TRUE_FALSE = {"true": True, "false": False}
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_DECIMAL_COMMA_SUB = r"^([+-]?\d*),(\d+)$"


def is_number(value: Any, decimal: str = ".") -> bool:
    """Whether a cell holds a finite number (``3,5`` too when ``decimal`` is a comma).

    Only ASCII digits count: full-width digits (``５``) are text (see :func:`describe_text`).
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | np.number):
        return bool(np.isfinite(value))
    s = str(value).strip()
    if not s.isascii():
        return False
    if decimal == "," and DECIMAL_COMMA.match(s):
        return True
    try:
        f = float(s)
    except ValueError:
        return False
    return bool(np.isfinite(f))


def is_blank(value: Any) -> bool:
    """Whether a cell is empty: None, NaN, NaT, NA, or text of nothing but spaces."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip() == ""


def is_missing(value: Any) -> bool:
    """Blank, or a missing-value token: for telling header rows and data apart (heuristics)."""
    return is_blank(value) or (isinstance(value, str) and value.strip() in NA_TOKENS)


def _all_strings(s: pd.Series) -> bool:
    return pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")


def blank_mask(s: pd.Series) -> pd.Series:
    """Vectorised :func:`is_blank` for a column."""
    if _all_strings(s):
        return (s.isna() | s.astype(object).str.strip().eq("")).astype(bool)
    return s.map(is_blank).astype(bool)


def finish_numeric(nums: pd.Series, missing: pd.Series, name: Any) -> pd.Series:
    """A numeric column as ``int64`` when it is complete and whole, else ``float64``."""
    res = nums.astype("float64").where(~missing, np.nan).rename(name)
    values = res.to_numpy()
    if (
        not missing.any()
        and np.all(np.isfinite(values))
        and np.all(values == np.round(values))
        and np.all(np.abs(values) < 2**53)
    ):
        return res.astype("int64")
    return res


def _log_tokens(tokens: pd.Series, name: Any, log: ReadLog | None) -> None:
    """Log each missing-value token turned into NaN, with its count."""
    if log is None or len(tokens) == 0:
        return
    for token, count in tokens.value_counts(sort=False).sort_index().items():
        log.recodings.append(Recoding(str(name), token, np.nan, int(count), TOKEN_REASON))


def _convert_text_column(s: pd.Series, decimal: str, log: ReadLog | None) -> pd.Series:
    """Fast path of :func:`convert_column` for a column of strings (text files)."""
    stripped = s.astype(object).str.strip()
    blank = (s.isna() | stripped.eq("")).astype(bool)
    any_blank = bool(blank.any())
    present = stripped[~blank] if any_blank else stripped
    if len(present) == 0:
        return pd.Series(np.nan, index=s.index, dtype="float64", name=s.name)
    if _looks_boolean(present) and present.str.lower().isin(("true", "false")).all():
        res = pd.Series(pd.NA, index=s.index, dtype="boolean", name=s.name)
        res[~blank] = (present.str.lower() == "true").to_numpy()
        return res if any_blank else res.astype(bool)
    if _surely_text(present, decimal):
        text = stripped.where(~blank, np.nan) if any_blank else stripped
        return text.astype(object).rename(s.name)
    cleaned = present
    if decimal == ",":
        cleaned = present.str.replace(_DECIMAL_COMMA_SUB, r"\1.\2", regex=True)
    ascii_ok = present.map(str.isascii).astype(bool)
    nums = pd.to_numeric(cleaned.where(ascii_ok, "x"), errors="coerce")
    ok = nums.notna() & np.isfinite(nums.to_numpy(dtype=float, na_value=np.nan))
    if not ok.all():
        tokens = present[~ok]
        if not (ok.any() and tokens.isin(NA_TOKENS).all()):
            return stripped.where(~blank, np.nan).astype(object).rename(s.name)
        _log_tokens(tokens, s.name, log)
    missing = blank.copy()
    missing.loc[present.index[~ok.to_numpy()]] = True
    full = pd.Series(np.nan, index=s.index, dtype="float64")
    full.loc[present.index[ok.to_numpy()]] = nums[ok].astype("float64")
    return finish_numeric(full, missing, s.name)


def _looks_boolean(present: pd.Series, sample: int = 1000) -> bool:
    """Whether the first ``sample`` cells are all True/False (checked before the whole column)."""
    return all(str(v).lower() in ("true", "false") for v in present.iloc[:sample])


def _surely_text(present: pd.Series, decimal: str, sample: int = 1000) -> bool:
    """Whether a cell among the first ``sample`` is neither a number nor a token (so the column
    is text), found without converting the whole column."""
    head = present.iloc[:sample]
    return not all(is_number(v, decimal) or v in NA_TOKENS for v in head)


def _is_datetime(v: Any) -> bool:
    return isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "isoformat")


def convert_column(values: pd.Series, decimal: str, log: ReadLog | None = None) -> pd.Series:
    """Infer a column's type from raw cells (strings for text files, objects for Excel).

    Missing-value tokens that turn into NaN (see the module docstring) are logged in ``log``.
    """
    s = values.astype(object)
    if _all_strings(s):
        return _convert_text_column(s, decimal, log)
    blank = s.map(is_blank).astype(bool)
    present = s[~blank]
    out = s.where(~blank, np.nan)
    if len(present) == 0:
        return pd.Series(np.nan, index=s.index, dtype="float64", name=values.name)
    # booleans (Excel True/False or text "True"/"False")
    as_bool = present.map(
        lambda v: v if isinstance(v, bool | np.bool_) else _TRUE_FALSE.get(str(v).strip().lower())
    )
    if as_bool.notna().all():
        res = pd.Series(pd.NA, index=s.index, dtype="boolean", name=values.name)
        res[~blank] = as_bool.astype(bool)
        return res if blank.any() else res.astype(bool)
    # dates and times (Excel)
    if present.map(_is_datetime).all():
        try:
            return pd.to_datetime(out).rename(values.name)
        except (ValueError, TypeError):
            return out.rename(values.name)
    numeric = present.map(lambda v: is_number(v, decimal)).astype(bool)
    token = present.map(lambda v: isinstance(v, str) and v.strip() in NA_TOKENS).astype(bool)
    if numeric.any() and (numeric | token).all():
        nums = present[numeric]
        if decimal == ",":
            nums = nums.map(lambda v: v.strip().replace(",", ".") if isinstance(v, str) else v)
        else:
            nums = nums.map(lambda v: v.strip() if isinstance(v, str) else v)
        _log_tokens(present[token].map(lambda v: v.strip()), values.name, log)
        full = pd.Series(np.nan, index=s.index, dtype="float64")
        full.loc[nums.index] = pd.to_numeric(nums, errors="coerce").astype("float64")
        missing = blank.copy()
        missing.loc[present.index[token.to_numpy()]] = True
        return finish_numeric(full, missing, values.name)
    # text: strip surrounding whitespace but keep the content
    return (
        out.map(lambda v: v.strip() if isinstance(v, str) else v).astype(object).rename(values.name)
    )


def _present_and_numeric(values: pd.Series, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the cells that are present (not blank, not a token) and of those that are numbers."""
    s = values.astype(object)
    if _all_strings(s):
        stripped = s.str.strip()
        present = ~(s.isna() | stripped.eq("") | stripped.isin(NA_TOKENS)).to_numpy(dtype=bool)
        text = stripped.where(stripped.map(lambda v: isinstance(v, str) and v.isascii()), "x")
        if decimal == ",":
            text = text.str.replace(_DECIMAL_COMMA_SUB, r"\1.\2", regex=True)
        nums = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return present, present & np.isfinite(nums)
    present = ~s.map(is_missing).to_numpy(dtype=bool)
    numeric = s.map(lambda v: is_number(v, decimal)).to_numpy(dtype=bool)
    return present, present & numeric


def numeric_share(values: pd.Series, decimal: str) -> tuple[float, int, list[str]]:
    """Share of present cells that are numbers, how many are present, and the others."""
    present, numeric = _present_and_numeric(values, decimal)
    count = int(present.sum())
    if count == 0:
        return 0.0, 0, []
    bad = [str(v) for v in values.to_numpy()[present & ~numeric]]
    return 1 - len(bad) / count, count, bad


def tidy(v: Any) -> Any:
    """A whole float as int (``-9.0`` -> ``-9``), for the read report."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _mostly_text(col: pd.Series, decimal: str, sample: int = 1000) -> bool:
    """Whether fewer than half of the first ``sample`` present cells are numbers (a text
    column, not a numeric one with stray text: no note is needed)."""
    head = [v for v in col.iloc[: sample * 4] if not is_missing(v)][:sample]
    return not head or sum(is_number(v, decimal) for v in head) < 0.5 * len(head)


def _rows_text(rows: Sequence[int], limit: int = 5) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def note_text_in_numbers(
    df: pd.DataFrame, decimal: str, log: ReadLog, file_rows: np.ndarray | None = None
) -> None:
    """Keep text found among numbers (never lose data) but say where, without showing it.

    The note names the column and the rows (file row numbers when ``file_rows`` is given),
    never the cells: they may hold an e-mail address or a name typed into the wrong column.
    """
    for name in df.columns:
        col = df[name]
        if col.dtype != object and not pd.api.types.is_string_dtype(col):
            continue
        if _mostly_text(col, decimal):
            continue
        present, numeric = _present_and_numeric(col, decimal)
        count = int(present.sum())
        positions = np.flatnonzero(present & ~numeric)
        if count >= 3 and 1 - len(positions) / count >= 0.8:
            bad = list(col.to_numpy()[positions[:1000]])
            rows = [int(file_rows[p]) if file_rows is not None else int(p) for p in positions]
            where = "file row(s)" if file_rows is not None else "row position(s)"
            log.notes.append(
                f"column '{name}' is mostly numeric but has {len(positions)} non-numeric cell(s) "
                f"({describe_text(bad)}) in {where} {_rows_text(rows)}; it was kept as text: "
                "correct those cells or declare them with missing_codes"
            )
