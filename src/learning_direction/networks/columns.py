"""The alter table of a developmental network: its column names, the codes they hold, its check.

An egocentric alter table has one row per ego × alter (× wave), e.g.

=========  =========  ==========  ==============  =================  =========  =========
ego_id     alter_id   role        relative_level  sphere             closeness  frequency
=========  =========  ==========  ==============  =================  =========  =========
E01        A1         supervisor  up              same organisation  4          5
E01        A2         friend      lateral         community          5          3
=========  =========  ==========  ==============  =================  =========  =========

plus optional ``career_support`` / ``psychosocial_support`` (0/1 or a 1–5 rating) and ``wave``.
:class:`NetworkColumns` holds the names of these columns (one object instead of nine
arguments); :func:`check_alters` checks a table against them and returns it with canonical
codes. This module is all the figures layer needs from :mod:`learning_direction.networks`.

Codes
-----
``relative_level`` (the alter's position relative to the ego): ``up``, ``lateral``, ``down``;
also accepted, case-insensitively: upward/above/higher, peer/same level, downward/below/lower.

``sphere`` (the social system the alter belongs to): ``same_organisation``,
``other_organisation``, ``professional_association``, ``family``, ``community``, ``school``;
readable forms are accepted case-insensitively (``"Same organization"``, ``"other org"``,
``"Professional"``, ``"education"``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from .._core.data import require_columns
from ..exceptions import DataValidationError

__all__ = [
    "LEVELS",
    "NETWORK_TYPES",
    "SPHERES",
    "NetworkColumns",
    "ValidatedAlters",
    "check_alters",
    "fmt_rows",
    "sorted_unique",
    "validate_alters",
]

LEVELS: tuple[str, ...] = ("up", "lateral", "down")
SPHERES: tuple[str, ...] = (
    "same_organisation",
    "other_organisation",
    "professional_association",
    "family",
    "community",
    "school",
)
#: Higgins & Kram (2001) types: (range, strength) low/low, low/high, high/low, high/high
NETWORK_TYPES: tuple[str, ...] = ("receptive", "traditional", "opportunistic", "entrepreneurial")

_LEVEL_ALIASES: dict[str, str] = {
    "up": "up",
    "upward": "up",
    "upwards": "up",
    "above": "up",
    "higher": "up",
    "lateral": "lateral",
    "peer": "lateral",
    "same_level": "lateral",
    "down": "down",
    "downward": "down",
    "downwards": "down",
    "below": "down",
    "lower": "down",
}
_SPHERE_ALIASES: dict[str, str] = {
    **{s: s for s in SPHERES},
    "same_organization": "same_organisation",
    "same_org": "same_organisation",
    "own_organisation": "same_organisation",
    "own_organization": "same_organisation",
    "other_organization": "other_organisation",
    "other_org": "other_organisation",
    "professional": "professional_association",
    "professional_organisation": "professional_association",
    "professional_organization": "professional_association",
    "association": "professional_association",
    "education": "school",
}


@dataclass(frozen=True)
class NetworkColumns:
    """Names of the columns of an alter table (one row per ego × alter (× wave)).

    Attributes
    ----------
    ego, alter : str
        Ego id and alter id. Alter ids must identify the same person across waves of one ego.
    level : str
        The alter's level relative to the ego (up / lateral / down).
    sphere : str
        The alter's social sphere.
    strength : str
        Tie strength (closeness).
    wave : str or None
        Wave column, for repeated assessments.
    frequency, career, psychosocial : str or None
        Optional columns averaged over alters: contact frequency, career and psychosocial
        support. ``None`` skips a column; so does a table without the column under its
        conventional name (the default). A column named otherwise must be present.

    Examples
    --------
    >>> from learning_direction.networks import NetworkColumns
    >>> cols = NetworkColumns(strength="tie_strength", wave="wave")
    >>> cols.keys
    ['ego_id', 'wave']
    >>> cols["strength"]
    'tie_strength'
    """

    ego: str = "ego_id"
    alter: str = "alter_id"
    level: str = "relative_level"
    sphere: str = "sphere"
    strength: str = "closeness"
    wave: str | None = None
    frequency: str | None = "frequency"
    career: str | None = "career_support"
    psychosocial: str | None = "psychosocial_support"

    @property
    def keys(self) -> list[str]:
        """The columns that identify one network: the ego (and the wave)."""
        return [self.ego] + ([self.wave] if self.wave is not None else [])

    @property
    def required(self) -> list[str]:
        """The columns every alter table needs."""
        return [self.ego, self.alter, self.level, self.sphere, self.strength] + (
            [self.wave] if self.wave is not None else []
        )

    def present_in(self, df: pd.DataFrame) -> NetworkColumns:
        """These names, with each optional column that ``df`` lacks under its default set to None.

        An optional column given under another name than its default must be in ``df``.
        """
        default = NetworkColumns()

        def resolve(name: str | None, conventional: str | None) -> str | None:
            if name is None or name in df.columns:
                return name
            if name != conventional:
                require_columns(df, [name], "network_metrics")
            return None  # the conventional column is simply absent

        return replace(
            self,
            frequency=resolve(self.frequency, default.frequency),
            career=resolve(self.career, default.career),
            psychosocial=resolve(self.psychosocial, default.psychosocial),
        )

    def __getitem__(self, role: str) -> str | None:
        """``columns["ego"]``: the column of a role, as the dict of earlier versions gave it."""
        if role not in {f.name for f in fields(self)}:
            raise KeyError(role)
        value: str | None = getattr(self, role)
        return value


# --------------------------------------------------------------------------- small helpers


def fmt_rows(index: Iterable[object], limit: int = 10) -> str:
    """Row labels for an error message: the first ``limit``, then how many there are."""
    labels = list(index)
    shown = ", ".join(str(x) for x in labels[:limit])
    if len(labels) > limit:
        shown += f", ... ({len(labels)} rows in all)"
    return shown


def sorted_unique(values: Iterable[object]) -> list[object]:
    """Distinct non-missing values, sorted (as text when they cannot be compared)."""
    uniq = list(pd.unique(pd.Series(list(values)).dropna()))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


def _token(value: object) -> str:
    """Canonical token of a code: lower case, spaces/hyphens -> underscores."""
    return re.sub(r"[\s\-_]+", "_", str(value).strip().lower()).strip("_")


def _canonical_codes(
    series: pd.Series, aliases: Mapping[str, str], allowed: Sequence[str], what: str
) -> pd.Series:
    """Map readable codes to canonical ones; unknown values raise naming value, rows, allowed."""
    present = series.dropna()
    mapping: dict[object, str] = {}
    bad: list[object] = []
    for value in pd.unique(present):
        code = aliases.get(_token(value))
        if code is None:
            bad.append(value)
        else:
            mapping[value] = code
    if bad:
        rows = present.index[present.isin(bad)]
        raise DataValidationError(
            f"column '{series.name}' has {what} value(s) "
            f"{', '.join(repr(b) for b in bad[:5])} that are not recognised (rows {fmt_rows(rows)}). "
            f"Allowed values: {', '.join(allowed)} (case-insensitive; readable forms such as "
            f"{'same organisation' if what == 'sphere' else 'upward'!r} are accepted). "
            "Recode these rows or leave the cell empty if the value is unknown."
        )
    return series.map(mapping).astype("object")


def _numeric_in_range(series: pd.Series, lo: float, hi: float, what: str) -> pd.Series:
    """Numeric version of ``series``; non-numeric or out-of-range values raise naming rows."""
    num = pd.to_numeric(series, errors="coerce")
    nonnum = series.notna() & num.isna()
    if nonnum.any():
        vals = pd.unique(series[nonnum])[:5]
        raise DataValidationError(
            f"column '{series.name}' ({what}) has non-numeric value(s) "
            f"{', '.join(repr(v) for v in vals)} in rows {fmt_rows(series.index[nonnum])}; "
            f"recode them as numbers from {lo:g} to {hi:g} or leave the cell empty"
        )
    out = num.notna() & ((num < lo) | (num > hi))
    if out.any():
        vals = pd.unique(num[out])[:5]
        raise DataValidationError(
            f"column '{series.name}' ({what}) must lie between {lo:g} and {hi:g}; found "
            f"{', '.join(f'{v:g}' for v in vals)} in rows {fmt_rows(series.index[out])}. "
            "Fix these values (or pass strength_range= if your scale has another range)."
        )
    return num.astype(float)


def _support_values(series: pd.Series) -> tuple[pd.Series, str]:
    """Validate a support column: 0/1 (share of alters) or a 1–5 rating (mean)."""
    num = _numeric_in_range(series, 0, 5, "support: 0/1 or a 1-5 rating")
    vals = num.dropna()
    if vals.isin([0.0, 1.0]).all():
        return num, "share"
    if (vals >= 1).all():
        return num, "mean"
    low = num.notna() & (num < 1)
    raise DataValidationError(
        f"column '{series.name}' mixes codings: values below 1 (rows {fmt_rows(series.index[low])}) "
        "appear together with ratings above 1. Code support either 0/1 (given or not) or as a "
        "1-5 rating, not both."
    )


# --------------------------------------------------------------------------- the check


@dataclass(frozen=True)
class ValidatedAlters:
    """An alter table checked by :func:`check_alters`.

    Attributes
    ----------
    alters : DataFrame
        Rows with an ego (and wave) and an alter id, canonical level and sphere codes, numeric
        strength and support; original index kept.
    observed : DataFrame
        The distinct ego (× wave) combinations in the input, including egos whose rows name no
        alter.
    columns : NetworkColumns
        The columns used (optional columns the table lacks set to None).
    support_kind : dict
        Support column -> ``"share"`` (coded 0/1) or ``"mean"`` (a 1–5 rating).
    n_dropped : int
        Rows left out for a missing ego (or wave).
    notes : tuple of str
        What was left out or is missing, and why.
    """

    alters: pd.DataFrame
    observed: pd.DataFrame
    columns: NetworkColumns
    support_kind: dict[str, str]
    n_dropped: int
    notes: tuple[str, ...]


def check_alters(
    alters: pd.DataFrame,
    columns: NetworkColumns,
    strength_range: tuple[float, float] = (1, 5),
) -> ValidatedAlters:
    """Check an alter table against ``columns``; see :func:`validate_alters` for the rules."""
    require_columns(alters, columns.required, "network_metrics")
    cols = columns.present_in(alters)
    notes: list[str] = []
    df = alters.copy()
    no_key = df[cols.keys].isna().any(axis=1)
    n_dropped = int(no_key.sum())
    if n_dropped:
        notes.append(
            f"{n_dropped} of {len(df)} rows left out because '{cols.ego}'"
            + (f" or '{cols.wave}'" if cols.wave else "")
            + f" is missing (rows {fmt_rows(df.index[no_key])})"
        )
        df = df.loc[~no_key]
    observed = df[cols.keys].drop_duplicates().reset_index(drop=True)
    no_alter = df[cols.alter].isna()
    if no_alter.any():
        notes.append(
            f"{int(no_alter.sum())} rows have no '{cols.alter}'; they mark their ego as present "
            "but are not counted as alters"
        )
        df = df.loc[~no_alter]
    _refuse_duplicate_alters(df, cols)
    support_kind = _canonical_values(df, cols, strength_range)
    for col, what in ((cols.level, "level"), (cols.sphere, "sphere"), (cols.strength, "closeness")):
        k = int(df[col].isna().sum())
        if k:
            notes.append(
                f"{k} alters have no {what} ('{col}'); {what}-based metrics use the alters "
                "with a value"
            )
    return ValidatedAlters(df, observed, cols, support_kind, n_dropped, tuple(notes))


def _refuse_duplicate_alters(df: pd.DataFrame, cols: NetworkColumns) -> None:
    """An alter listed twice for one ego (and wave) is an error naming the rows."""
    by = [*cols.keys, cols.alter]
    dup = df.duplicated(by, keep=False)
    if not dup.any():
        return
    groups = df.loc[dup].groupby(by, sort=False, observed=True).groups
    parts = []
    for key, idx in list(groups.items())[:5]:
        key = key if isinstance(key, tuple) else (key,)
        where = f"ego {key[0]!r}" + (f" at {cols.wave} {key[1]!r}" if cols.wave else "")
        parts.append(f"{where} lists alter {key[-1]!r} {len(idx)} times (rows {fmt_rows(idx)})")
    raise DataValidationError(
        "an alter is listed more than once for the same ego"
        + (" and wave" if cols.wave else "")
        + ": "
        + "; ".join(parts)
        + ". Keep one row per ego × alter (merge the duplicates or give distinct alters distinct ids)."
    )


def _canonical_values(
    df: pd.DataFrame, cols: NetworkColumns, strength_range: tuple[float, float]
) -> dict[str, str]:
    """Canonical level and sphere codes, numeric strength, frequency and support (in place).

    Returns the kind of each support column (``"share"`` or ``"mean"``).
    """
    df[cols.level] = _canonical_codes(df[cols.level], _LEVEL_ALIASES, LEVELS, "level")
    df[cols.sphere] = _canonical_codes(df[cols.sphere], _SPHERE_ALIASES, SPHERES, "sphere")
    lo, hi = strength_range
    df[cols.strength] = _numeric_in_range(df[cols.strength], lo, hi, "tie strength / closeness")
    if cols.frequency is not None:
        df[cols.frequency] = _numeric_in_range(
            df[cols.frequency], -np.inf, np.inf, "contact frequency"
        )
    support_kind: dict[str, str] = {}
    for col in (cols.career, cols.psychosocial):
        if col is not None:
            df[col], support_kind[col] = _support_values(df[col])
    return support_kind


def validate_alters(
    alters: pd.DataFrame,
    ego: str = "ego_id",
    level: str = "relative_level",
    sphere: str = "sphere",
    strength: str = "closeness",
    *,
    alter: str = "alter_id",
    wave: str | None = None,
    frequency: str | None = "frequency",
    career: str | None = "career_support",
    psychosocial: str | None = "psychosocial_support",
    strength_range: tuple[float, float] = (1, 5),
) -> pd.DataFrame:
    """Check an alter table and return it with canonical level and sphere codes.

    Raises :class:`~learning_direction.exceptions.DataValidationError` on a missing column, an
    alter listed twice for one ego (and wave), an unknown level or sphere value, or a strength
    value outside ``strength_range``. Rows without an ego id are left out; rows without an alter
    id are not alters (they only mark the ego as present).

    Returns
    -------
    DataFrame
        The rows with an ego and alter id, original index kept.
    """
    columns = NetworkColumns(
        ego=ego, alter=alter, level=level, sphere=sphere, strength=strength, wave=wave,
        frequency=frequency, career=career, psychosocial=psychosocial,
    )  # fmt: skip
    return check_alters(alters, columns, strength_range).alters
