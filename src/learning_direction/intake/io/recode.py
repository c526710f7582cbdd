"""Recodings and dropped rows: user-given missing codes become NaN, and rows left out are logged.

Every change is written to the :class:`~learning_direction.intake.io.report.ReadLog`, so the read
report lists each recoding (column, value, count) and each dropped row by its row number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cells import convert_column, is_blank, is_number, tidy
from .report import DroppedRows, ReadLog, Recoding, fail

__all__ = ["apply_missing_codes", "drop_rows"]


def apply_missing_codes(
    df: pd.DataFrame, codes: Any, log: ReadLog, path: Path, reason: str = "missing code (given)"
) -> pd.DataFrame:
    """Set values listed in ``codes`` to NaN (a list for every column, or a dict per column)."""
    if codes is None:
        return df
    if isinstance(codes, Mapping):
        unknown = [c for c in codes if c not in df.columns]
        if unknown:
            raise fail(
                path,
                f"missing_codes names column(s) not in the file: {unknown}; the file has "
                f"{len(df.columns)} columns (see SurveyData.data.columns)",
            )
        per_col = {c: _as_list(v) for c, v in codes.items()}
    else:
        per_col = {c: _as_list(codes) for c in df.columns}
    for col, col_codes in per_col.items():
        df[col] = _recode_to_nan(df[col], col_codes, str(col), log, reason)
    return df


def _as_list(v: Any) -> list[Any]:
    if isinstance(v, str) or not isinstance(v, Iterable):
        return [v]
    return list(v)


def _recode_to_nan(
    s: pd.Series, codes: list[Any], column: str, log: ReadLog, reason: str
) -> pd.Series:
    """``s`` with the values in ``codes`` set to NaN, each recoding logged."""
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return s
    if pd.api.types.is_numeric_dtype(s):
        return _recode_numeric(s, codes, column, log, reason)
    return _recode_text(s, codes, column, log, reason)


def _recode_numeric(
    s: pd.Series, codes: list[Any], column: str, log: ReadLog, reason: str
) -> pd.Series:
    """Numeric column: only numeric codes can match."""
    num_codes = [float(c) for c in codes if isinstance(c, int | float) and not isinstance(c, bool)]
    changed = False
    for code in num_codes:
        mask = s == code
        count = int(mask.sum())
        if count:
            if not changed:
                s = s.astype("float64")
                changed = True
            s = s.mask(mask)
            log.recodings.append(Recoding(column, tidy(code), np.nan, count, reason))
    return s


def _recode_text(
    s: pd.Series, codes: list[Any], column: str, log: ReadLog, reason: str
) -> pd.Series:
    """Text column: a code matches its text, or any text with the same numeric value."""
    stripped = s.map(lambda v: str(v).strip() if not is_blank(v) else None)
    hit = False
    for code in dict.fromkeys(str(c).strip() for c in codes):
        num = float(code) if is_number(code) else None
        mask = stripped == code
        if num is not None:
            mask = mask | stripped.map(
                lambda v, num=num: v is not None and is_number(v) and float(v) == num
            )
        count = int(mask.sum())
        if count:
            s = s.mask(mask)
            hit = True
            log.recodings.append(Recoding(column, tidy(code), np.nan, count, reason))
    if hit:  # a text column may become numeric once its text codes are gone
        s = convert_column(s, ".", log)
    return s


def drop_rows(
    df: pd.DataFrame,
    mask: pd.Series,
    reason: str,
    file_rows: np.ndarray,
    log: ReadLog,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop the rows in ``mask`` and log them with their row numbers in the file."""
    count = int(mask.sum())
    if count:
        log.dropped.append(
            DroppedRows(reason, count, tuple(int(r) for r in file_rows[mask.to_numpy()]))
        )
        keep = ~mask.to_numpy()
        df = df.loc[keep]
        file_rows = file_rows[keep]
    return df, file_rows
