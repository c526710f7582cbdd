"""Developmental networks: ego-network metrics, the Higgins & Kram typology and wave-to-wave change.

A developmental network is the small set of people ("developers", here *alters*) who take an
active interest in a person's (the *ego*'s) career (Higgins & Kram, 2001). The input is an
egocentric alter table in long format, one row per ego × alter (× wave), e.g.

=========  =========  ==========  ==============  =================  =========  =========
ego_id     alter_id   role        relative_level  sphere             closeness  frequency
=========  =========  ==========  ==============  =================  =========  =========
E01        A1         supervisor  up              same organisation  4          5
E01        A2         friend      lateral         community          5          3
=========  =========  ==========  ==============  =================  =========  =========

plus optional ``career_support`` / ``psychosocial_support`` (0/1 or a 1–5 rating), ``wave``, and a
separate table of alter–alter ties (``ego_id, alter_a, alter_b`` (+ ``wave``)).

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
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ._core.data import require_columns
from ._core.plotting import figure
from ._core.results import ResultMixin
from .exceptions import ConfigError, DataValidationError

__all__ = [
    "LEVELS",
    "NETWORK_TYPES",
    "SPHERES",
    "NetworkChangeResult",
    "NetworkMetricsResult",
    "network_change",
    "network_metrics",
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
#: Higgins & Kram (2001) types, keyed by (range high?, strength high?)
NETWORK_TYPES: tuple[str, ...] = ("receptive", "traditional", "opportunistic", "entrepreneurial")
_TYPE_OF = {
    (False, False): "receptive",
    (False, True): "traditional",
    (True, False): "opportunistic",
    (True, True): "entrepreneurial",
}

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
_TIE_COLUMNS = ("alter_a", "alter_b")


# --------------------------------------------------------------------------- validation helpers


def _token(value: object) -> str:
    """Canonical token of a code: lower case, spaces/hyphens -> underscores."""
    return re.sub(r"[\s\-_]+", "_", str(value).strip().lower()).strip("_")


def _fmt_rows(index: Iterable[object], limit: int = 10) -> str:
    labels = list(index)
    shown = ", ".join(str(x) for x in labels[:limit])
    if len(labels) > limit:
        shown += f", ... ({len(labels)} rows in all)"
    return shown


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
            f"{', '.join(repr(b) for b in bad[:5])} that are not recognised (rows {_fmt_rows(rows)}). "
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
            f"{', '.join(repr(v) for v in vals)} in rows {_fmt_rows(series.index[nonnum])}; "
            f"recode them as numbers from {lo:g} to {hi:g} or leave the cell empty"
        )
    out = num.notna() & ((num < lo) | (num > hi))
    if out.any():
        vals = pd.unique(num[out])[:5]
        raise DataValidationError(
            f"column '{series.name}' ({what}) must lie between {lo:g} and {hi:g}; found "
            f"{', '.join(f'{v:g}' for v in vals)} in rows {_fmt_rows(series.index[out])}. "
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
        f"column '{series.name}' mixes codings: values below 1 (rows {_fmt_rows(series.index[low])}) "
        "appear together with ratings above 1. Code support either 0/1 (given or not) or as a "
        "1-5 rating, not both."
    )


def _optional_column(df: pd.DataFrame, name: str | None, default: str) -> str | None:
    if name is None:
        return None
    if name in df.columns:
        return name
    if name == default:
        return None  # the conventional column is simply absent
    require_columns(df, [name], "network_metrics")
    return None  # pragma: no cover - require_columns raised


def _sorted_unique(values: Iterable[object]) -> list[object]:
    uniq = list(pd.unique(pd.Series(list(values)).dropna()))
    try:
        return sorted(uniq)
    except TypeError:
        return sorted(uniq, key=str)


@dataclass(frozen=True)
class _Prepared:
    alters: pd.DataFrame  # validated rows with an alter id; canonical codes
    observed: pd.DataFrame  # unique (ego[, wave]) combinations present in the input
    ties: pd.DataFrame | None
    support_kind: dict[str, str]
    cols: dict[str, str | None]
    n_dropped: int
    notes: tuple[str, ...]


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
    return _prepare(
        alters,
        ego,
        level,
        sphere,
        strength,
        alter,
        wave,
        frequency,
        career,
        psychosocial,
        strength_range,
        None,
    ).alters


def _prepare(
    alters,
    ego,
    level,
    sphere,
    strength,
    alter,
    wave,
    frequency,
    career,
    psychosocial,
    strength_range,
    ties,
) -> _Prepared:
    required = [ego, alter, level, sphere, strength] + ([wave] if wave is not None else [])
    require_columns(alters, required, "network_metrics")
    freq_col = _optional_column(alters, frequency, "frequency")
    career_col = _optional_column(alters, career, "career_support")
    psycho_col = _optional_column(alters, psychosocial, "psychosocial_support")
    keys = [ego] + ([wave] if wave is not None else [])
    notes: list[str] = []

    df = alters.copy()
    no_key = df[keys].isna().any(axis=1)
    n_dropped = int(no_key.sum())
    if n_dropped:
        notes.append(
            f"{n_dropped} of {len(df)} rows left out because '{ego}'"
            + (f" or '{wave}'" if wave else "")
            + f" is missing (rows {_fmt_rows(df.index[no_key])})"
        )
        df = df.loc[~no_key]
    observed = df[keys].drop_duplicates().reset_index(drop=True)

    no_alter = df[alter].isna()
    if no_alter.any():
        notes.append(
            f"{int(no_alter.sum())} rows have no '{alter}'; they mark their ego as present "
            "but are not counted as alters"
        )
        df = df.loc[~no_alter]

    dup = df.duplicated([*keys, alter], keep=False)
    if dup.any():
        groups = df.loc[dup].groupby([*keys, alter], sort=False, observed=True).groups
        parts = []
        for key, idx in list(groups.items())[:5]:
            key = key if isinstance(key, tuple) else (key,)
            where = f"ego {key[0]!r}" + (f" at {wave} {key[1]!r}" if wave else "")
            parts.append(
                f"{where} lists alter {key[-1]!r} {len(idx)} times (rows {_fmt_rows(idx)})"
            )
        raise DataValidationError(
            "an alter is listed more than once for the same ego"
            + (" and wave" if wave else "")
            + ": "
            + "; ".join(parts)
            + ". Keep one row per ego × alter (merge the duplicates or give distinct alters distinct ids)."
        )

    df[level] = _canonical_codes(df[level], _LEVEL_ALIASES, LEVELS, "level")
    df[sphere] = _canonical_codes(df[sphere], _SPHERE_ALIASES, SPHERES, "sphere")
    lo, hi = strength_range
    df[strength] = _numeric_in_range(df[strength], lo, hi, "tie strength / closeness")
    if freq_col is not None:
        df[freq_col] = _numeric_in_range(df[freq_col], -np.inf, np.inf, "contact frequency")
    support_kind: dict[str, str] = {}
    for col in (career_col, psycho_col):
        if col is not None:
            df[col], support_kind[col] = _support_values(df[col])

    for col, what in ((level, "level"), (sphere, "sphere"), (strength, "closeness")):
        k = int(df[col].isna().sum())
        if k:
            notes.append(
                f"{k} alters have no {what} ('{col}'); {what}-based metrics use the alters "
                "with a value"
            )

    tie_df = None
    if ties is not None:
        tie_df, tie_notes = _validate_ties(ties, df, ego, wave, alter)
        notes.extend(tie_notes)

    cols = {
        "ego": ego, "alter": alter, "level": level, "sphere": sphere, "strength": strength,
        "wave": wave, "frequency": freq_col, "career": career_col, "psychosocial": psycho_col,
    }  # fmt: skip
    return _Prepared(df, observed, tie_df, support_kind, cols, n_dropped, tuple(notes))


def _validate_ties(
    ties: pd.DataFrame, alters: pd.DataFrame, ego: str, wave: str | None, alter: str
) -> tuple[pd.DataFrame, list[str]]:
    a_col, b_col = _TIE_COLUMNS
    keys = [ego] + ([wave] if wave else [])
    require_columns(ties, [*keys, a_col, b_col], "the alter-alter ties table")
    t = ties[[*keys, a_col, b_col]]
    missing = t.isna().any(axis=1)
    if missing.any():
        raise DataValidationError(
            f"the ties table has missing values in rows {_fmt_rows(t.index[missing])}; every tie "
            f"needs '{ego}', '{a_col}' and '{b_col}'"
            + (f" and '{wave}'" if wave else "")
            + ". Fill them in or delete those rows."
        )
    a_str, b_str = t[a_col].astype(str), t[b_col].astype(str)
    self_tie = a_str == b_str
    if self_tie.any():
        raise DataValidationError(
            f"the ties table links an alter to itself in rows {_fmt_rows(t.index[self_tie])}; "
            f"'{a_col}' and '{b_col}' must name two different alters"
        )
    # ids are compared as text so that 1 and "1" (e.g. after a CSV round trip) match
    ego_str = t[ego].astype(str)
    wave_part = [t[wave]] if wave else []
    known = pd.MultiIndex.from_arrays(
        [alters[ego].astype(str)] + ([alters[wave]] if wave else []) + [alters[alter].astype(str)]
    )
    for end, ids in ((a_col, a_str), (b_col, b_str)):
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
    ego_of = {str(e): e for e in pd.unique(alters[ego])}
    out = pd.DataFrame({ego: ego_str.map(ego_of).to_numpy()})
    if wave:
        out[wave] = t[wave].to_numpy()
    out["_lo"] = np.where(a_str <= b_str, a_str, b_str)
    out["_hi"] = np.where(a_str <= b_str, b_str, a_str)
    dup = out.duplicated().to_numpy()
    notes = []
    if dup.any():
        notes.append(
            f"{int(dup.sum())} ties listed twice (the same pair, in either order) were counted "
            f"once (ties-table rows {_fmt_rows(t.index[dup])})"
        )
    return out.loc[~dup].reset_index(drop=True), notes


# --------------------------------------------------------------------------- metrics


def _compute_metrics(p: _Prepared) -> pd.DataFrame:
    """One row per observed ego (× wave): composition metrics, vectorised with groupby."""
    c = p.cols
    keys = [c["ego"]] + ([c["wave"]] if c["wave"] else [])
    a = p.alters
    g = a.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame({"size": g.size()})

    sph = a.dropna(subset=[c["sphere"]])
    counts = sph.groupby([*keys, c["sphere"]], observed=True).size()
    props = counts / counts.groupby(level=keys, observed=True).transform("sum")
    out["n_spheres"] = counts.groupby(level=keys, observed=True).size().astype(float)
    out["blau_range"] = 1.0 - (props**2).groupby(level=keys, observed=True).sum()
    out["strength"] = g[c["strength"]].mean()

    lev = a.dropna(subset=[c["level"]])
    lcounts = lev.groupby([*keys, c["level"]], observed=True).size().unstack(fill_value=0)
    lcounts = lcounts.reindex(columns=list(LEVELS), fill_value=0)
    shares = lcounts.div(lcounts.sum(axis=1), axis=0)
    for lv in LEVELS:
        out[f"share_{lv}"] = shares[lv].astype(float)

    if p.ties is not None:
        n_ties = p.ties.groupby(keys, observed=True).size()
        possible = out["size"] * (out["size"] - 1) / 2.0
        n_ties = n_ties.reindex(out.index, fill_value=0).astype(float)
        out["density"] = (n_ties / possible).where(out["size"] >= 2)
    if c["frequency"]:
        out["frequency"] = g[c["frequency"]].mean()
    for role, name in (("career", "career_support"), ("psychosocial", "psychosocial_support")):
        if c[role]:
            out[name] = g[c[role]].mean()
    return out


def _grid(p: _Prepared, egos: Sequence[object] | None) -> pd.MultiIndex | pd.Index:
    """Rows of the result: observed ego (× wave) combinations, or every listed ego (× wave)."""
    c = p.cols
    keys = [c["ego"]] + ([c["wave"]] if c["wave"] else [])
    if egos is None:
        try:
            obs = p.observed.sort_values(keys, kind="stable")
        except TypeError:
            obs = p.observed
        if c["wave"]:
            return pd.MultiIndex.from_frame(obs[keys])
        return pd.Index(obs[c["ego"]], name=c["ego"])
    if isinstance(egos, str) or not isinstance(egos, Iterable):
        raise DataValidationError(
            "egos= must be a list (or Series) of every ego id in the study, e.g. "
            "egos=survey['ego_id']"
        )
    ego_list = list(dict.fromkeys(pd.Series(list(egos)).dropna().tolist()))
    listed = set(map(str, ego_list))
    extra = [e for e in pd.unique(p.observed[c["ego"]]) if str(e) not in listed]
    if extra:
        raise DataValidationError(
            f"the alter table has egos that are not in egos=: {', '.join(repr(e) for e in extra[:10])}"
            + (f" ({len(extra)} in all)" if len(extra) > 10 else "")
            + ". egos= must list every ego in the study; add them or remove their rows."
        )
    # match the alter table's ids (1 vs "1") so the listed egos line up with the data
    by_str = {str(e): e for e in pd.unique(p.observed[c["ego"]])}
    ego_list = [by_str.get(str(e), e) for e in ego_list]
    if c["wave"]:
        waves = _sorted_unique(p.observed[c["wave"]])
        return pd.MultiIndex.from_product([ego_list, waves], names=keys)
    return pd.Index(ego_list, name=c["ego"])


def _split_value(values: pd.Series, which: str, cutoffs: Mapping[str, float] | None) -> float:
    if cutoffs is not None and which in cutoffs:
        return float(cutoffs[which])
    v = values.dropna()
    return float(v.median()) if len(v) else float("nan")


def _classify(values: pd.Series, split: float, at_split: str) -> pd.Series:
    high = values > split if at_split == "low" else values >= split
    out = pd.Series(np.where(high, "high", "low"), index=values.index, dtype="object")
    return out.where(values.notna() & np.isfinite(split))


def _typology(
    table: pd.DataFrame,
    range_col: str,
    split: str,
    cutoffs: Mapping[str, float] | None,
    at_split: str,
) -> tuple[pd.DataFrame, dict[str, float]]:
    splits = {
        "range": _split_value(table[range_col], "range", cutoffs),
        "strength": _split_value(table["strength"], "strength", cutoffs),
    }
    r = _classify(table[range_col], splits["range"], at_split)
    s = _classify(table["strength"], splits["strength"], at_split)
    both = r.notna() & s.notna()
    types = pd.Series(pd.NA, index=table.index, dtype="object")
    for (rh, sh), name in _TYPE_OF.items():
        types[both & (r == ("high" if rh else "low")) & (s == ("high" if sh else "low"))] = name
    table = table.assign(
        range_level=r,
        strength_level=s,
        network_type=pd.Categorical(types, categories=list(NETWORK_TYPES)),
    )
    return table, splits


def _check_options(split, cutoffs, range_measure, at_split) -> None:
    if split not in ("median", "fixed"):
        raise ConfigError(f"split={split!r} is not known; use 'median' or 'fixed' (with cutoffs=)")
    if split == "fixed" and not cutoffs:
        raise ConfigError(
            "split='fixed' needs cutoffs=, e.g. cutoffs={'range': 0.5, 'strength': 3.5}"
        )
    if cutoffs is not None:
        if not isinstance(cutoffs, Mapping):
            raise ConfigError("cutoffs= must be a dict like {'range': 0.5, 'strength': 3.5}")
        unknown = set(cutoffs) - {"range", "strength"}
        if unknown:
            raise ConfigError(
                f"cutoffs= has unknown key(s) {sorted(unknown)}; use 'range' and/or 'strength'"
            )
        for k, v in cutoffs.items():
            try:
                float(v)
            except (TypeError, ValueError):
                raise ConfigError(f"cutoffs[{k!r}] must be a number, got {v!r}") from None
    if range_measure not in ("blau", "n_spheres"):
        raise ConfigError(
            f"range_measure={range_measure!r} is not known; use 'blau' or 'n_spheres'"
        )
    if at_split not in ("low", "high"):
        raise ConfigError(f"at_split={at_split!r} is not known; use 'low' or 'high'")


@dataclass(frozen=True, eq=False)
class NetworkMetricsResult(ResultMixin):
    """Developmental-network metrics, one row per ego (per ego × wave when ``wave`` is given).

    Attributes
    ----------
    table : DataFrame
        ``<ego>, [<wave>], size, n_spheres, blau_range, strength, share_up, share_lateral,
        share_down, [density], [frequency], [career_support], [psychosocial_support],
        range_level, strength_level, network_type``.
    alters : DataFrame
        The validated alter rows used (canonical level and sphere codes).
    ties : DataFrame or None
        The distinct alter–alter ties used (``_lo``/``_hi`` hold the pair's ids as text).
    splits : dict
        Values that split low from high: ``{"range": ..., "strength": ...}``.
    """

    table: pd.DataFrame
    alters: pd.DataFrame
    ties: pd.DataFrame | None
    n: int
    n_egos: int
    n_alters: int
    n_dropped: int
    method: str
    range_measure: str
    splits: dict[str, float]
    at_split: str
    support_kind: dict[str, str]
    columns: dict[str, str | None]
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Developmental network metrics"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n": self.n,
            "n_egos": self.n_egos,
            "n_alters": self.n_alters,
            "n_dropped": self.n_dropped,
            "range_measure": self.range_measure,
            "range_split": self.splits["range"],
            "strength_split": self.splits["strength"],
            "values at the split": f"classed {self.at_split}",
        }

    @property
    def type_counts(self) -> pd.Series:
        """Number of egos (rows) of each network type (all four types listed)."""
        return self.table["network_type"].value_counts(sort=False).rename("n")

    def plot(
        self,
        kind: Literal["typology", "ego"] = "typology",
        *,
        ego_id: object = None,
        wave_value: object = None,
        ax=None,
    ):
        """Typology quadrant plot (``kind="typology"``) or one ego's network (``kind="ego"``)."""
        if kind == "typology":
            range_col = "blau_range" if self.range_measure == "blau" else "n_spheres"
            return figure("networks.plot_typology")(
                self.table,
                range_split=self.splits["range"],
                strength_split=self.splits["strength"],
                range_col=range_col,
                ax=ax,
            )
        if kind == "ego":
            c = self.columns
            if ego_id is None:
                ego_id = self.table[c["ego"]].iloc[0]
            return figure("networks.plot_ego_network")(
                self.alters,
                ego_id,
                ego=c["ego"],
                alter=c["alter"],
                level=c["level"],
                sphere=c["sphere"],
                strength=c["strength"],
                wave=c["wave"],
                wave_value=wave_value,
                ties=self.ties,
                ax=ax,
            )
        raise ConfigError(f"kind={kind!r} is not known; use 'typology' or 'ego'")


def network_metrics(
    alters: pd.DataFrame,
    ego: str = "ego_id",
    level: str = "relative_level",
    sphere: str = "sphere",
    strength: str = "closeness",
    *,
    alter: str = "alter_id",
    ties: pd.DataFrame | None = None,
    wave: str | None = None,
    split: Literal["median", "fixed"] = "median",
    cutoffs: Mapping[str, float] | None = None,
    egos: Sequence[object] | None = None,
    range_measure: Literal["blau", "n_spheres"] = "blau",
    at_split: Literal["low", "high"] = "low",
    frequency: str | None = "frequency",
    career: str | None = "career_support",
    psychosocial: str | None = "psychosocial_support",
    strength_range: tuple[float, float] = (1, 5),
) -> NetworkMetricsResult:
    """Composition metrics and Higgins & Kram type of each ego's developmental network.

    Parameters
    ----------
    alters : DataFrame
        Egocentric alter table in long format, one row per ego × alter (× wave).
    ego, level, sphere, strength, alter : str
        Column names: ego id, the alter's level relative to the ego (up / lateral / down), the
        alter's social sphere, tie strength (closeness, 1–5) and alter id.
    ties : DataFrame, optional
        Alter–alter ties with columns ``<ego>, alter_a, alter_b`` (+ ``<wave>``); undirected, a
        pair listed twice counts once. Adds ``density``.
    wave : str, optional
        Wave column; the table then has one row per ego × wave.
    split : {"median", "fixed"}
        How range and strength are split into low and high: the sample median (pooled over all
        rows of the table, i.e. over all waves, so that types are comparable between waves), or
        the fixed values in ``cutoffs``.
    cutoffs : dict, optional
        ``{"range": 0.5, "strength": 3.5}``; given cut-offs are used whatever ``split`` says; a
        key left out falls back to the sample median.
    egos : sequence, optional
        Every ego in the study. Egos without alters are kept with ``size`` 0 and the other
        metrics (and type) missing; with ``wave`` every ego × wave appears.
    range_measure : {"blau", "n_spheres"}
        Range used for the typology: Blau's diversity index (default) or the number of spheres.
    at_split : {"low", "high"}
        Class of a value exactly equal to the split value. Default ``"low"``: "high" means
        strictly above the median / cut-off.
    frequency, career, psychosocial : str or None
        Optional columns averaged over alters (``None`` to skip). Support coded 0/1 gives the
        share of alters providing that support; a 1–5 rating gives the mean rating.
    strength_range : (float, float)
        Allowed range of ``strength``.

    Returns
    -------
    NetworkMetricsResult
        ``.table`` with one row per ego (× wave); see the class for columns.

    Notes
    -----
    For ego *i* with alters :math:`j = 1..n_i` (``size`` = :math:`n_i`):

    * ``n_spheres`` = number of distinct spheres; ``blau_range`` = :math:`1 - \\sum_k p_k^2`,
      :math:`p_k` the share of alters in sphere *k* (Blau, 1977); both over alters whose sphere
      is known.
    * ``strength`` = mean closeness over alters with a value.
    * ``share_up/lateral/down`` = shares of alters (with a known level) above, beside, below.
    * ``density`` = ties / :math:`(n_i(n_i-1)/2)`; missing for :math:`n_i < 2`.
    * ``network_type`` (Higgins & Kram, 2001): range low/high × strength low/high gives
      receptive (low, weak), traditional (low, strong), opportunistic (high, weak) and
      entrepreneurial (high, strong). With the default ``at_split="low"`` a value exactly at the
      median (or cut-off) is classed low; with many ties at the median (e.g. ``n_spheres``) this
      puts more egos in the low groups.

    Egos with size 0 (only via ``egos=``) have no range or strength and are not used for the
    median. Rows missing the ego (or wave) id are left out and counted in ``n_dropped``.

    References
    ----------
    Higgins, M. C., & Kram, K. E. (2001). Reconceptualizing mentoring at work: A developmental
    network perspective. *Academy of Management Review, 26*(2), 264–288.

    Blau, P. M. (1977). *Inequality and heterogeneity*. Free Press.

    Examples
    --------
    >>> import pandas as pd, learning_direction as ld
    >>> alters = pd.DataFrame({
    ...     "ego_id": ["E1", "E1", "E2"], "alter_id": ["a", "b", "c"],
    ...     "relative_level": ["up", "down", "lateral"],
    ...     "sphere": ["same organisation", "family", "school"], "closeness": [4, 2, 5]})
    >>> res = ld.network_metrics(alters)
    >>> res.table[["ego_id", "size", "blau_range", "strength"]]
      ego_id  size  blau_range  strength
    0     E1     2         0.5       3.0
    1     E2     1         0.0       5.0

    The R equivalent is a per-ego summary, e.g.
    ``alters |> dplyr::group_by(ego_id) |> dplyr::summarise(size = dplyr::n(),
    blau_range = 1 - sum(prop.table(table(sphere))^2), strength = mean(closeness))``;
    ``egor::ego_density()`` gives the density.
    """
    _check_options(split, cutoffs, range_measure, at_split)
    p = _prepare(
        alters,
        ego,
        level,
        sphere,
        strength,
        alter,
        wave,
        frequency,
        career,
        psychosocial,
        strength_range,
        ties,
    )
    metrics = _compute_metrics(p)
    index = _grid(p, egos)
    table = metrics.reindex(index)
    table["size"] = table["size"].fillna(0).astype(int)
    table = table.reset_index()
    range_col = "blau_range" if range_measure == "blau" else "n_spheres"
    table, splits = _typology(table, range_col, split, cutoffs, at_split)

    notes = list(p.notes)
    n_empty = int((table["size"] == 0).sum())
    if n_empty:
        notes.append(f"{n_empty} egos (rows) have no alters: size 0, other metrics missing")
    if not np.isfinite(splits["range"]) or not np.isfinite(splits["strength"]):
        notes.append("no ego has a range and a strength value, so no network type is given")
    if cutoffs:
        method = "fixed cut-offs" + (" (median for the rest)" if len(cutoffs) < 2 else "")
    else:
        method = "median split"
    return NetworkMetricsResult(
        table=table,
        alters=p.alters,
        ties=p.ties,
        n=len(table),
        n_egos=int(table[ego].nunique()),
        n_alters=len(p.alters),
        n_dropped=p.n_dropped,
        method=method,
        range_measure=range_measure,
        splits=splits,
        at_split=at_split,
        support_kind=p.support_kind,
        columns=p.cols,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- change between waves


@dataclass(frozen=True, eq=False)
class NetworkChangeResult(ResultMixin):
    """Change of each ego's developmental network between two waves.

    Attributes
    ----------
    table : DataFrame
        One row per ego: ``<ego>, size_from, size_to, n_retained, n_added, n_dropped, retained,
        added, dropped`` (ids as sorted tuples), ``<metric>_change`` (to − from) for every
        metric, ``type_from, type_to, type_changed``. Egos observed in only one wave have
        missing counts and changes.
    transitions : DataFrame
        Type transition matrix (rows: type at ``from_wave``; columns: type at ``to_wave``),
        counts of egos with a type at both waves.
    metrics : NetworkMetricsResult
        The metrics of both waves (one row per ego × wave).
    """

    table: pd.DataFrame
    transitions: pd.DataFrame
    metrics: NetworkMetricsResult
    from_wave: object
    to_wave: object
    n: int
    n_reassessed: int
    n_dropped: int
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Developmental network change"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "from_wave": self.from_wave,
            "to_wave": self.to_wave,
            "n": self.n,
            "n_reassessed": self.n_reassessed,
            "n_dropped": self.n_dropped,
        }

    def summary(self, digits: int = 4) -> str:
        text = super().summary(digits)
        return f"{text}\n\nType transitions (rows: {self.from_wave}, columns: {self.to_wave})\n{self.transitions.to_string()}"

    def plot(
        self,
        kind: Literal["slope", "turnover", "transitions"] = "slope",
        *,
        metric: str = "share_down",
        ax=None,
    ):
        """Slope chart of ``metric``, alter turnover bars, or the type-transition heat map."""
        c = self.metrics.columns
        if kind == "slope":
            return figure("networks.plot_metric_change")(
                self.metrics.table,
                metric,
                ego=c["ego"],
                wave=c["wave"],
                from_wave=self.from_wave,
                to_wave=self.to_wave,
                ax=ax,
            )
        if kind == "turnover":
            return figure("networks.plot_alter_turnover")(self.table, ego=c["ego"], ax=ax)
        if kind == "transitions":
            return figure("networks.plot_type_transitions")(
                self.transitions, from_label=self.from_wave, to_label=self.to_wave, ax=ax
            )
        raise ConfigError(f"kind={kind!r} is not known; use 'slope', 'turnover' or 'transitions'")


def _ids(values: pd.Series) -> tuple:
    return tuple(sorted(values.tolist(), key=str))


def network_change(
    alters: pd.DataFrame,
    ego: str = "ego_id",
    wave: str = "wave",
    from_wave: object = None,
    to_wave: object = None,
    *,
    alter: str = "alter_id",
    level: str = "relative_level",
    sphere: str = "sphere",
    strength: str = "closeness",
    ties: pd.DataFrame | None = None,
    egos: Sequence[object] | None = None,
    split: Literal["median", "fixed"] = "median",
    cutoffs: Mapping[str, float] | None = None,
    range_measure: Literal["blau", "n_spheres"] = "blau",
    at_split: Literal["low", "high"] = "low",
    frequency: str | None = "frequency",
    career: str | None = "career_support",
    psychosocial: str | None = "psychosocial_support",
    strength_range: tuple[float, float] = (1, 5),
) -> NetworkChangeResult:
    """Reassess developmental networks between two waves: alter turnover, metric change, type.

    Parameters
    ----------
    alters : DataFrame
        Alter table with a wave column (see :func:`network_metrics`). Alter ids must identify
        the same person across waves of one ego.
    ego, wave, alter, level, sphere, strength : str
        Column names.
    from_wave, to_wave : optional
        Waves to compare; default the first and the last wave (sorted).
    ties, egos, split, cutoffs, range_measure, at_split, frequency, career, psychosocial, strength_range
        As in :func:`network_metrics`; the typology split (median by default) is pooled over the
        two waves so that a type change reflects a change in the network, not in the sample.

    Returns
    -------
    NetworkChangeResult

    Notes
    -----
    With :math:`A_1, A_2` the alter sets of an ego at the two waves: retained =
    :math:`A_1 \\cap A_2`, added = :math:`A_2 \\setminus A_1`, dropped = :math:`A_1 \\setminus A_2`;
    ``<metric>_change`` = value at ``to_wave`` − value at ``from_wave``. An ego listed at one
    wave only is not reassessed (missing counts) unless ``egos=`` says it took part, in which
    case a wave without alters counts as an empty network (size 0).

    References
    ----------
    Higgins, M. C., & Kram, K. E. (2001). Reconceptualizing mentoring at work: A developmental
    network perspective. *Academy of Management Review, 26*(2), 264–288.

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.simulate.networks import simulate_networks
    >>> alters, ties = simulate_networks(n_egos=20, waves=2, seed=1)
    >>> ch = ld.network_change(alters, ties=ties)
    >>> ch.transitions.shape
    (4, 4)

    In R one would compare ``dplyr::anti_join``/``inner_join`` of the two waves' alter lists.
    """
    require_columns(alters, [ego, wave, alter], "network_change")
    waves = _sorted_unique(alters[wave])
    if len(waves) < 2:
        raise DataValidationError(
            f"network_change needs at least two waves in column '{wave}'; found "
            f"{waves!r}. Use network_metrics() for a single wave."
        )
    from_wave = waves[0] if from_wave is None else from_wave
    to_wave = waves[-1] if to_wave is None else to_wave
    for name, w in (("from_wave", from_wave), ("to_wave", to_wave)):
        if w not in waves:
            raise DataValidationError(
                f"{name}={w!r} is not a wave in column '{wave}'; waves present: {waves!r}"
            )
    if from_wave == to_wave:
        raise DataValidationError(
            "from_wave and to_wave are the same wave; pick two different waves"
        )
    two = alters[alters[wave].isin([from_wave, to_wave])]
    n_other = int(alters[wave].notna().sum() - len(two))
    tie_two = None
    if ties is not None:
        require_columns(ties, [ego, wave, *_TIE_COLUMNS], "the alter-alter ties table")
        tie_two = ties[ties[wave].isin([from_wave, to_wave])]
    res = network_metrics(
        two, ego, level, sphere, strength, alter=alter, ties=tie_two, wave=wave, split=split,
        cutoffs=cutoffs, egos=egos, range_measure=range_measure, at_split=at_split,
        frequency=frequency, career=career, psychosocial=psychosocial,
        strength_range=strength_range,
    )  # fmt: skip
    mt = res.table
    m_from = mt[mt[wave] == from_wave].set_index(ego)
    m_to = mt[mt[wave] == to_wave].set_index(ego)
    all_egos = list(dict.fromkeys([*m_from.index, *m_to.index]))
    both = m_from.index.intersection(m_to.index)

    a = res.alters
    flags = pd.DataFrame(
        {
            ego: a[ego].to_numpy(),
            alter: a[alter].to_numpy(),
            "_f": (a[wave] == from_wave).to_numpy(),
        }
    )
    flags["_t"] = ~flags["_f"]
    presence = flags.groupby([ego, alter], sort=False, observed=True)[["_f", "_t"]].any()
    status = pd.Series(
        np.select(
            [presence["_f"] & presence["_t"], presence["_f"]], ["retained", "dropped"], "added"
        ),
        index=presence.index,
        name="status",
    ).reset_index()
    status = status[status[ego].isin(both)]

    out = pd.DataFrame(index=pd.Index(all_egos, name=ego))
    out["size_from"] = m_from["size"].reindex(out.index).astype("Int64")
    out["size_to"] = m_to["size"].reindex(out.index).astype("Int64")
    counts = pd.crosstab(status[ego], status["status"]).reindex(
        index=both, columns=["retained", "added", "dropped"], fill_value=0
    )
    for s in ("retained", "added", "dropped"):
        out[f"n_{s}"] = counts[s].reindex(out.index).astype("Int64")
    id_lists = status.groupby([ego, "status"], sort=False)[alter].agg(_ids)
    for s in ("retained", "added", "dropped"):
        col = pd.Series(
            [() if e in both else None for e in out.index], index=out.index, dtype=object
        )
        if s in id_lists.index.get_level_values("status"):
            got = id_lists.xs(s, level="status")
            col.loc[got.index] = got
        out[s] = col
    metric_cols = [
        c
        for c in mt.columns
        if c not in (ego, wave, "range_level", "strength_level", "network_type")
    ]
    for m in metric_cols:
        out[f"{m}_change"] = (m_to[m].astype(float) - m_from[m].astype(float)).reindex(out.index)
    cats = list(NETWORK_TYPES)
    out["type_from"] = pd.Categorical(m_from["network_type"].reindex(out.index), categories=cats)
    out["type_to"] = pd.Categorical(m_to["network_type"].reindex(out.index), categories=cats)
    known = out["type_from"].notna() & out["type_to"].notna()
    out["type_changed"] = pd.array(
        np.where(known, out["type_from"].astype(str) != out["type_to"].astype(str), False),
        dtype="boolean",
    )
    out.loc[~known, "type_changed"] = pd.NA
    out = out.reset_index()

    trans = pd.crosstab(
        out.loc[known.to_numpy(), "type_from"], out.loc[known.to_numpy(), "type_to"], dropna=False
    ).reindex(index=cats, columns=cats, fill_value=0)
    trans.index.name = f"type_from ({from_wave})"
    trans.columns.name = f"type_to ({to_wave})"

    notes = list(res.notes)
    only_one = len(all_egos) - len(both)
    if only_one:
        notes.append(
            f"{only_one} egos appear at one wave only and are not reassessed (missing counts and "
            "changes); pass egos= to treat a wave without alters as an empty network"
        )
    if n_other:
        notes.append(f"{n_other} rows from other waves than {from_wave!r} and {to_wave!r} not used")
    n_unknown_type = int((~known).sum())
    if n_unknown_type:
        notes.append(f"{n_unknown_type} egos lack a type at one or both waves; not in transitions")
    return NetworkChangeResult(
        table=out,
        transitions=trans,
        metrics=res,
        from_wave=from_wave,
        to_wave=to_wave,
        n=len(out),
        n_reassessed=len(both),
        n_dropped=res.n_dropped,
        method=res.method,
        notes=tuple(notes),
    )
