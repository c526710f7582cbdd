"""The alter–alter ties table of developmental networks (for network density).

One row per tie: ``<ego>, alter_a, alter_b`` (+ ``<wave>``). Ties are undirected; a pair listed
twice (in either order) counts once. Ids are compared as text, so that ``1`` and ``"1"`` (e.g.
after a CSV round trip) match.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._core.data import require_columns
from ..exceptions import DataValidationError
from .columns import NetworkColumns, fmt_rows

__all__ = ["TIE_COLUMNS", "check_ties"]

#: the two alter columns of the ties table
TIE_COLUMNS: tuple[str, str] = ("alter_a", "alter_b")


def check_ties(
    ties: pd.DataFrame, alters: pd.DataFrame, cols: NetworkColumns
) -> tuple[pd.DataFrame, list[str]]:
    """The distinct ties (``<ego>[, <wave>], _lo, _hi``, ids as text) and notes on duplicates.

    ``alters`` are the checked alters (:func:`~learning_direction.networks.columns.check_alters`);
    every tie must link two different alters listed for the same ego (and wave).
    """
    a_col, b_col = TIE_COLUMNS
    ego, wave = cols.ego, cols.wave
    keys = cols.keys
    require_columns(ties, [*keys, a_col, b_col], "the alter-alter ties table")
    t = ties[[*keys, a_col, b_col]]
    missing = t.isna().any(axis=1)
    if missing.any():
        raise DataValidationError(
            f"the ties table has missing values in rows {fmt_rows(t.index[missing])}; every tie "
            f"needs '{ego}', '{a_col}' and '{b_col}'"
            + (f" and '{wave}'" if wave else "")
            + ". Fill them in or delete those rows."
        )
    a_str, b_str = t[a_col].astype(str), t[b_col].astype(str)
    self_tie = a_str == b_str
    if self_tie.any():
        raise DataValidationError(
            f"the ties table links an alter to itself in rows {fmt_rows(t.index[self_tie])}; "
            f"'{a_col}' and '{b_col}' must name two different alters"
        )
    _refuse_unknown_alters(t, alters, cols, a_str, b_str)
    ego_of = {str(e): e for e in pd.unique(alters[ego])}
    out = pd.DataFrame({ego: t[ego].astype(str).map(ego_of).to_numpy()})
    if wave:
        out[wave] = t[wave].to_numpy()
    out["_lo"] = np.where(a_str <= b_str, a_str, b_str)
    out["_hi"] = np.where(a_str <= b_str, b_str, a_str)
    dup = out.duplicated().to_numpy()
    notes = []
    if dup.any():
        notes.append(
            f"{int(dup.sum())} ties listed twice (the same pair, in either order) were counted "
            f"once (ties-table rows {fmt_rows(t.index[dup])})"
        )
    return out.loc[~dup].reset_index(drop=True), notes


def _refuse_unknown_alters(
    t: pd.DataFrame,
    alters: pd.DataFrame,
    cols: NetworkColumns,
    a_str: pd.Series,
    b_str: pd.Series,
) -> None:
    """A tie naming an alter that is not in its ego's alter list is an error naming the rows."""
    ego, wave = cols.ego, cols.wave
    ego_str = t[ego].astype(str)
    wave_part = [t[wave]] if wave else []
    known = pd.MultiIndex.from_arrays(
        [alters[ego].astype(str)]
        + ([alters[wave]] if wave else [])
        + [alters[cols.alter].astype(str)]
    )
    for end, ids in zip(TIE_COLUMNS, (a_str, b_str), strict=True):
        unknown = ~pd.MultiIndex.from_arrays([ego_str, *wave_part, ids]).isin(known)
        if unknown.any():
            parts = [
                f"row {t.index[i]}: ego {t[ego].iloc[i]!r}"
                + (f" at {wave} {t[wave].iloc[i]!r}" if wave else "")
                + f", {end} {t[end].iloc[i]!r}"
                for i in np.flatnonzero(unknown)[:5]
            ]
            raise DataValidationError(
                f"the ties table refers to alters that are not in that ego's alter list "
                f"({int(unknown.sum())} rows; {'; '.join(parts)}). Each tie must link two alters "
                f"listed for the same ego{' and wave' if wave else ''}; fix the ids or add the "
                "alters."
            )
