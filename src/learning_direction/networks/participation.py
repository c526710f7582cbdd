"""The participation record of a network survey: who was asked, and who answered, at each wave.

A panel export has one row per invited ego (× wave) and a 0/1 column saying whether the ego
answered, e.g.

=========  ====  =========
ego_id     wave  responded
=========  ====  =========
E001       1     1
E001       2     0
=========  ====  =========

With it, an ego who did not answer at a wave has *missing* network metrics for that wave (we
do not know their network), while an ego who answered but named no developer has an empty
network (``size`` 0). Without it, an ego (× wave) absent from the alter table cannot be told
apart from either. :func:`check_participation` checks a record against an alter table (and a
ties table): alters or ties for a wave the ego did not answer contradict the record and are
an error naming the ego and the wave.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .._core.data import require_columns
from ..exceptions import DataValidationError
from .columns import NetworkColumns, fmt_rows

__all__ = ["RESPONDED", "Participation", "check_participation", "refuse_nonrespondent_rows"]

#: the default name of the 0/1 column of the participation record
RESPONDED = "responded"

_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n"}


@dataclass(frozen=True)
class Participation:
    """A checked participation record.

    Attributes
    ----------
    table : DataFrame
        ``<ego>, [<wave>], responded`` (bool), one row per invited ego (× wave), sorted; ego ids
        and waves spelled as in the alter table where the two match.
    column : str
        The name of the 0/1 column in the user's record.
    """

    table: pd.DataFrame
    column: str

    def index(self, keys: list[str]) -> pd.Index:
        """The rows of a metrics table: every invited ego (× wave)."""
        if len(keys) == 1:
            return pd.Index(self.table[keys[0]], name=keys[0])
        return pd.MultiIndex.from_frame(self.table[keys])

    def responded(self, keys: list[str]) -> pd.Series:
        """``responded`` (bool) indexed like :meth:`index`."""
        return pd.Series(self.table["responded"].to_numpy(bool), index=self.index(keys))


def _flags(series: pd.Series) -> pd.Series:
    """0/1 (or True/False, yes/no) as bool; anything else raises naming the rows."""
    text = series.astype(str).str.strip().str.lower()
    bad = series.isna() | ~(text.isin(_TRUE) | text.isin(_FALSE))
    if bad.any():
        vals = pd.unique(series[bad])[:5]
        raise DataValidationError(
            f"participation record: column '{series.name}' must be 1 (answered) or 0 (invited "
            f"but did not answer) in every row; found {', '.join(repr(v) for v in vals)} in "
            f"rows {fmt_rows(series.index[bad])}. A missing value is not allowed: whether the "
            "ego answered is known for every invited ego."
        )
    return text.isin(_TRUE)


def _key(value: object) -> object:
    """A value for matching ids and waves across tables: numbers as float, the rest as text."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def check_participation(
    record: pd.DataFrame,
    columns: NetworkColumns,
    observed: pd.DataFrame,
    responded: str = RESPONDED,
) -> Participation:
    """Check a participation record against the ego (× wave) combinations of an alter table.

    ``observed`` holds the distinct ``columns.keys`` of the alter table. Raises when a key is
    missing or listed twice, when ``responded`` is not 0/1, when the alter table has an ego
    (× wave) that the record does not list, or one whose ego did not answer at that wave.
    """
    if not isinstance(record, pd.DataFrame):
        raise DataValidationError(
            "participation= must be a DataFrame with one row per invited ego"
            + (" and wave" if columns.wave else "")
            + f" and a 0/1 column '{responded}', e.g. ld.load_dataset('networks_waves')"
        )
    keys = columns.keys
    require_columns(record, [*keys, responded], "the participation record")
    rec = record[[*keys, responded]].copy()
    no_key = rec[keys].isna().any(axis=1)
    if no_key.any():
        raise DataValidationError(
            f"participation record: rows {fmt_rows(rec.index[no_key])} have no "
            + " or ".join(f"'{k}'" for k in keys)
            + "; every row needs the ego id"
            + (" and the wave" if columns.wave else "")
            + ". Fill them in or delete those rows."
        )
    dup = rec.duplicated(keys, keep=False)
    if dup.any():
        raise DataValidationError(
            f"participation record: the same ego{' and wave' if columns.wave else ''} is listed "
            f"more than once (rows {fmt_rows(rec.index[dup])}); keep one row per ego"
            + (" × wave" if columns.wave else "")
        )
    rec["responded"] = _flags(rec[responded])
    if responded != "responded":
        rec = rec.drop(columns=[responded])
    rec = _spell_as_alters(rec, keys, observed)
    _refuse_unlisted(rec, keys, observed, columns)
    try:
        rec = rec.sort_values(keys, kind="stable")
    except TypeError:
        pass
    return Participation(rec[[*keys, "responded"]].reset_index(drop=True), responded)


def _spell_as_alters(rec: pd.DataFrame, keys: list[str], observed: pd.DataFrame) -> pd.DataFrame:
    """Ego ids and waves written as in the alter table (1 vs "1" after a CSV round trip)."""
    for k in keys:
        spelled = {_key(v): v for v in pd.unique(observed[k])}
        rec[k] = [spelled.get(_key(v), v) for v in rec[k]]
    return rec


def _refuse_unlisted(
    rec: pd.DataFrame, keys: list[str], observed: pd.DataFrame, columns: NetworkColumns
) -> None:
    """Alter-table egos (× waves) must be listed in the record, as having answered."""
    listed = {tuple(_key(v) for v in row): bool(r) for row, r in
              zip(rec[keys].itertuples(index=False), rec["responded"], strict=True)}  # fmt: skip
    unlisted, silent = [], []
    for row in observed[keys].itertuples(index=False):
        state = listed.get(tuple(_key(v) for v in row))
        if state is None:
            unlisted.append(tuple(row))
        elif not state:
            silent.append(tuple(row))
    if unlisted:
        raise DataValidationError(
            "the alter table has egos"
            + (" × waves" if columns.wave else "")
            + " that the participation record does not list: "
            + ", ".join(_where(k, columns) for k in unlisted[:10])
            + (f" ({len(unlisted)} in all)" if len(unlisted) > 10 else "")
            + ". The record must list every invited ego"
            + (" at every wave" if columns.wave else "")
            + "; add these rows (responded = 1) or remove their alters."
        )
    if silent:
        raise DataValidationError(
            "the alter table has developers for "
            + ", ".join(_where(k, columns) for k in silent[:10])
            + (f" ({len(silent)} in all)" if len(silent) > 10 else "")
            + ", but the participation record says the ego did not answer"
            + (" at that wave" if columns.wave else "")
            + " (responded = 0). Either the record or the alter table is wrong: set responded "
            "to 1 if the ego answered, or remove those alter rows."
        )


def _where(key: tuple[object, ...], columns: NetworkColumns) -> str:
    plain = [v.item() if hasattr(v, "item") else v for v in key]  # numpy scalars as Python
    text = f"ego {plain[0]!r}"
    return text + (f" at {columns.wave} {plain[1]!r}" if columns.wave else "")


def refuse_nonrespondent_rows(
    ties: pd.DataFrame, part: Participation, columns: NetworkColumns
) -> None:
    """Ties for an ego (× wave) that did not answer contradict the record: error naming them."""
    keys = columns.keys
    require_columns(ties, keys, "the alter-alter ties table")
    silent = {
        tuple(_key(v) for v in row)
        for row, r in zip(
            part.table[keys].itertuples(index=False), part.table["responded"], strict=True
        )
        if not r
    }
    hit = [
        i
        for i, row in zip(ties.index, ties[keys].itertuples(index=False), strict=True)
        if tuple(_key(v) for v in row) in silent
    ]
    if hit:
        where = sorted({_where(tuple(ties.loc[i, keys]), columns) for i in hit})
        raise DataValidationError(
            "the ties table has ties for "
            + ", ".join(where[:10])
            + f" (rows {fmt_rows(hit)}), but the participation record says the ego did not "
            "answer" + (" at that wave" if columns.wave else "") + " (responded = 0). Set "
            "responded to 1 if the ego answered, or remove those ties."
        )
