"""Cells and columns of a survey file: missing-value tokens, numbers and column types.

A file's cells arrive as text (CSV/TSV) or as Python objects (Excel). :func:`convert_column`
infers a column's type once the header rows are gone: numeric (``int64`` when whole and
complete, else ``float64``), boolean, datetime (Excel) or text, never losing a cell.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .report import ReadLog

__all__ = [
    "DECIMAL_COMMA",
    "NA_TOKENS",
    "convert_column",
    "finish_numeric",
    "is_missing",
    "is_number",
    "missing_mask",
    "note_text_in_numbers",
    "numeric_share",
    "tidy",
]

NA_TOKENS = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "#N/A", "None"})
_TRUE_FALSE = {"true": True, "false": False}
DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_DECIMAL_COMMA_SUB = r"^([+-]?\d*),(\d+)$"


def is_number(value: Any, decimal: str = ".") -> bool:
    """Whether a cell holds a finite number (``3,5`` too when ``decimal`` is a comma)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | np.number):
        return True
    s = str(value).strip()
    if decimal == "," and DECIMAL_COMMA.match(s):
        return True
    try:
        float(s)
    except ValueError:
        return False
    return s.lower() not in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}


def is_missing(value: Any) -> bool:
    """Whether a cell is missing: None, NaN, NaT, NA or a token such as ``""`` or ``N/A``."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    if value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, str) and value.strip() in NA_TOKENS


def _all_strings(s: pd.Series) -> bool:
    return pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")


def missing_mask(s: pd.Series) -> pd.Series:
    """Vectorised :func:`is_missing` for a column."""
    if _all_strings(s):
        return s.isna() | s.str.strip().isin(NA_TOKENS)
    return s.map(is_missing).astype(bool)


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


def _convert_text_column(s: pd.Series, decimal: str) -> pd.Series:
    """Fast path of :func:`convert_column` for a column of strings (text files)."""
    stripped = s.str.strip()
    missing = s.isna() | stripped.isin(NA_TOKENS)
    present = stripped[~missing]
    if len(present) == 0:
        return pd.Series(np.nan, index=s.index, dtype="float64", name=s.name)
    lowered = present.str.lower()
    if lowered.isin(("true", "false")).all():
        res = pd.Series(pd.NA, index=s.index, dtype="boolean", name=s.name)
        res[~missing] = (lowered == "true").to_numpy()
        return res if missing.any() else res.astype(bool)
    cleaned = present
    if decimal == ",":
        cleaned = present.str.replace(_DECIMAL_COMMA_SUB, r"\1.\2", regex=True)
    nums = pd.to_numeric(cleaned, errors="coerce")
    if nums.notna().all() and np.isfinite(nums.to_numpy(dtype=float)).all():
        full = pd.Series(np.nan, index=s.index, dtype="float64")
        full[~missing] = nums.astype("float64")
        return finish_numeric(full, missing, s.name)
    return stripped.where(~missing, np.nan).astype(object).rename(s.name)


def convert_column(values: pd.Series, decimal: str) -> pd.Series:
    """Infer a column's type from raw cells (strings for text files, objects for Excel)."""
    s = values.astype(object)
    if _all_strings(s):
        return _convert_text_column(s, decimal)
    missing = s.map(is_missing).astype(bool)
    present = s[~missing]
    out = s.where(~missing, np.nan)
    if len(present) == 0:
        return pd.Series(np.nan, index=s.index, dtype="float64", name=values.name)
    # booleans (Excel True/False or text "True"/"False")
    as_bool = present.map(
        lambda v: v if isinstance(v, bool | np.bool_) else _TRUE_FALSE.get(str(v).strip().lower())
    )
    if as_bool.notna().all():
        res = pd.Series(pd.NA, index=s.index, dtype="boolean", name=values.name)
        res[~missing] = as_bool.astype(bool)
        return res if missing.any() else res.astype(bool)
    # dates and times (Excel)
    if present.map(
        lambda v: isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "isoformat")
    ).all():
        try:
            return pd.to_datetime(out).rename(values.name)
        except (ValueError, TypeError):
            return out.rename(values.name)
    if present.map(lambda v: is_number(v, decimal)).all():
        if decimal == ",":
            cleaned = present.map(
                lambda v: v.strip().replace(",", ".") if isinstance(v, str) else v
            )
        else:
            cleaned = present.map(lambda v: v.strip() if isinstance(v, str) else v)
        full = pd.Series(np.nan, index=s.index, dtype="float64")
        full[~missing] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
        return finish_numeric(full, missing, values.name)
    # text: strip surrounding whitespace but keep the content
    return (
        out.map(lambda v: v.strip() if isinstance(v, str) else v).astype(object).rename(values.name)
    )


def numeric_share(values: pd.Series, decimal: str) -> tuple[float, int, list[str]]:
    """Share of present cells that are numbers, how many are present, and the others."""
    present = [v for v in values if not is_missing(v)]
    if not present:
        return 0.0, 0, []
    bad = [str(v) for v in present if not is_number(v, decimal)]
    return 1 - len(bad) / len(present), len(present), bad


def tidy(v: Any) -> Any:
    """A whole float as int (``-9.0`` -> ``-9``), for the read report."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def note_text_in_numbers(df: pd.DataFrame, decimal: str, log: ReadLog) -> None:
    """Keep text found among numbers (never lose data) but say so."""
    for name in df.columns:
        if df[name].dtype == object:
            share, count, bad = numeric_share(df[name], decimal)
            if count >= 3 and share >= 0.8:
                examples = ", ".join(repr(b) for b in list(dict.fromkeys(bad))[:3])
                log.notes.append(
                    f"column '{name}' is mostly numeric but has {len(bad)} text value(s) ({examples}); "
                    "it was kept as text: correct those cells or declare them with missing_codes"
                )
