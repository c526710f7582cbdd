"""Input checks shared by every analysis: required columns and listwise deletion with a record.

Nothing is dropped silently: :func:`complete_cases` returns the rows used together with a
:class:`MissingReport` that says how many rows were left out and which columns were missing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError

__all__ = [
    "MissingReport",
    "closest_columns",
    "complete_cases",
    "missing_hint",
    "require_columns",
]


def closest_columns(name: object, columns: Iterable[object], n: int = 3) -> list[str]:
    """Up to ``n`` existing column names that look like ``name`` (for error messages)."""
    cols = [str(c) for c in columns]
    matches = difflib.get_close_matches(str(name), cols, n=n, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in cols}
        matches = [lowered[c] for c in difflib.get_close_matches(str(name).lower(), lowered, n=n)]
    return matches


def missing_hint(names: Iterable[object], columns: Iterable[object]) -> str:
    """``"'a' (did you mean 'ab'?); 'c'"``: each name with the existing columns it resembles."""
    cols = list(columns)
    hints = []
    for c in names:
        close = closest_columns(c, cols)
        hints.append(
            f"'{c}'" + (f" (did you mean {', '.join(repr(x) for x in close)}?)" if close else "")
        )
    return "; ".join(hints)


def require_columns(df: pd.DataFrame, columns: Sequence[str], what: str = "this analysis") -> None:
    """Raise :class:`DataValidationError` naming every column of ``columns`` missing from ``df``.

    A column of ``columns`` whose name occurs more than once in ``df`` is refused too.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"{what} needs a pandas DataFrame, got {type(df).__name__}; "
            "read your file with ld.read_survey(path) or pandas.read_csv(path)"
        )
    missing = [c for c in columns if c not in df.columns]
    if not missing:
        _refuse_duplicate_columns(df, columns, what)
        return
    raise DataValidationError(
        f"{what} needs column(s) not in the data: {missing_hint(missing, df.columns)}. "
        f"Rename the columns or pass the right names; the data has {len(df.columns)} columns."
    )


def _refuse_duplicate_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """A column name that occurs twice in ``df`` is ambiguous: name it instead of guessing."""
    if df.columns.is_unique:
        return
    dup = set(df.columns[df.columns.duplicated()])
    bad = [c for c in dict.fromkeys(columns) if c in dup]
    if bad:
        counts = ", ".join(f"'{c}' ({int((df.columns == c).sum())} times)" for c in bad)
        raise DataValidationError(
            f"{what}: the data has several columns with the same name: {counts}. Rename them so "
            "every column name is unique, e.g. df.columns = ['id', 'score_t1', 'score_t2', ...], "
            "or drop the copies with df.loc[:, ~df.columns.duplicated()]"
        )


@dataclass(frozen=True)
class MissingReport:
    """How many rows an analysis used, and why the others were left out.

    Attributes
    ----------
    n_total : int
        Rows in the input.
    n_used : int
        Rows with every required value present.
    n_dropped : int
        ``n_total - n_used``.
    by_column : dict
        Column name -> number of input rows missing that column (a row missing two columns is
        counted under both).
    """

    n_total: int
    n_used: int
    by_column: dict[str, int] = field(default_factory=dict)

    @property
    def n_dropped(self) -> int:
        return self.n_total - self.n_used

    @property
    def reason(self) -> str:
        """One sentence saying why rows were left out (empty when none were)."""
        if self.n_dropped == 0:
            return ""
        parts = ", ".join(f"{c} ({k})" for c, k in self.by_column.items() if k)
        return f"{self.n_dropped} of {self.n_total} rows left out for missing values in: {parts}"


def complete_cases(
    df: pd.DataFrame, columns: Sequence[str], what: str = "this analysis"
) -> tuple[pd.DataFrame, MissingReport]:
    """Rows of ``df`` with every column in ``columns`` present, and a record of what was dropped.

    Parameters
    ----------
    df : DataFrame
    columns : sequence of str
        Columns the analysis needs. Duplicates are ignored.
    what : str
        Name of the analysis, used in error messages.

    Returns
    -------
    (DataFrame, MissingReport)
        The complete rows (original index kept, only ``columns``) and the report. Nullable
        ``boolean`` columns come back as ``bool`` and nullable ``Int64``/``Float64`` (and the
        other sized variants) as ``float64``, which patsy and numpy understand.

    Raises
    ------
    DataValidationError
        A column is not in ``df`` or its name occurs more than once; a column has infinite
        values; no row is complete.
    """
    cols = list(dict.fromkeys(columns))
    require_columns(df, cols, what)
    sub = df.loc[:, cols]
    _refuse_infinite(sub, what)
    isna = sub.isna()
    keep = ~isna.any(axis=1)
    by_col = {c: int(isna[c].sum()) for c in cols if isna[c].any()}
    report = MissingReport(n_total=len(df), n_used=int(keep.sum()), by_column=by_col)
    if len(df) and not keep.any():
        empty = [c for c in cols if by_col.get(c) == len(df)]
        why = (
            f"column(s) {', '.join(repr(c) for c in empty)} have no values at all"
            if empty
            else "every row misses at least one of them ("
            + ", ".join(f"{c}: {k} missing" for c, k in by_col.items())
            + ")"
        )
        raise DataValidationError(
            f"{what}: none of the {len(df)} rows has a value in every column it needs "
            f"({', '.join(map(str, cols))}): {why}. Check the column names and the missing-value "
            "codes of the file"
        )
    return _plain_dtypes(sub.loc[keep]), report


def _plain_dtypes(sub: pd.DataFrame) -> pd.DataFrame:
    """Nullable extension columns as plain numpy ones (patsy and numpy cannot use them).

    Called on complete rows only, so no ``pd.NA`` is left: ``boolean`` becomes ``bool`` (a
    two-level factor in a formula, like a plain bool column), ``Int64``/``UInt8``/... and
    ``Float64``/``Float32`` become ``float64``.
    """
    out = None
    for c in sub.columns:
        dtype = sub[c].dtype
        if not isinstance(dtype, pd.api.extensions.ExtensionDtype) or isinstance(
            dtype, pd.CategoricalDtype
        ):
            continue
        if pd.api.types.is_bool_dtype(dtype):
            values = sub[c].to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
            values = sub[c].to_numpy(dtype=float, na_value=np.nan)
        else:
            continue
        out = sub.copy() if out is None else out
        out[c] = values
    return sub if out is None else out


def _refuse_infinite(sub: pd.DataFrame, what: str) -> None:
    """Infinite values are not missing values: name the column and rows instead of guessing."""
    for c in sub.columns:
        col = sub[c]
        if not pd.api.types.is_float_dtype(col.dtype):
            continue
        bad = np.isinf(col.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            rows = list(col.index[bad][:5])
            more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
            raise DataValidationError(
                f"{what}: column '{c}' has infinite values (inf or -inf) in row(s) "
                f"{', '.join(map(str, rows))}{more}; fix how the column was computed, or set "
                "those cells to NaN to treat them as missing"
            )
