"""Reassessing developmental networks between two waves: alter turnover, metric change, type.

Networks are reassessed over time (Higgins & Kram, 2001): :func:`network_change` compares each
ego's alters and metrics at two waves and counts the transitions between network types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._core.data import require_columns
from .._core.plotting import figure
from .._core.results import ResultMixin
from ..exceptions import ConfigError, DataValidationError
from .columns import NETWORK_TYPES, NetworkColumns, sorted_unique
from .metrics import NetworkMetricsResult, metrics_of
from .participation import RESPONDED
from .ties import TIE_COLUMNS
from .typology import Typology

__all__ = ["NetworkChangeResult", "network_change"]

_STATUSES = ("retained", "added", "dropped")


@dataclass(frozen=True, eq=False)
class NetworkChangeResult(ResultMixin):
    """Change of each ego's developmental network between two waves.

    Attributes
    ----------
    table : DataFrame
        One row per ego: ``<ego>, size_from, size_to, n_retained, n_added, n_dropped, retained,
        added, dropped`` (ids as sorted tuples), ``<metric>_change`` (to − from) for every
        metric, ``type_from, type_to, type_changed``. Egos observed in only one wave have
        missing counts and changes; with a participation record, ``responded_from`` and
        ``responded_to`` (bool) say at which waves the ego answered, and only egos who answered
        at both are reassessed.
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
        ax: Any = None,
    ) -> Any:
        """Slope chart of ``metric``, alter turnover bars, or the type-transition heat map."""
        c = self.metrics.columns
        if kind == "slope":
            return figure("networks.plot_metric_change")(
                self.metrics.table,
                metric,
                ego=c.ego,
                wave=c.wave,
                from_wave=self.from_wave,
                to_wave=self.to_wave,
                ax=ax,
            )
        if kind == "turnover":
            return figure("networks.plot_alter_turnover")(self.table, ego=c.ego, ax=ax)
        if kind == "transitions":
            return figure("networks.plot_type_transitions")(
                self.transitions, from_label=self.from_wave, to_label=self.to_wave, ax=ax
            )
        raise ConfigError(f"kind={kind!r} is not known; use 'slope', 'turnover' or 'transitions'")


def _ids(values: pd.Series) -> tuple[object, ...]:
    return tuple(sorted(values.tolist(), key=str))


def _pick_waves(
    alters: pd.DataFrame,
    wave: str,
    from_wave: object,
    to_wave: object,
    participation: pd.DataFrame | None = None,
) -> tuple[object, object]:
    """The two waves compared: the given ones, or the first and the last."""
    listed = [alters[wave]]
    if isinstance(participation, pd.DataFrame) and wave in participation.columns:
        listed.append(participation[wave])
    waves = sorted_unique(pd.concat(listed, ignore_index=True))
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
    return from_wave, to_wave


def _alter_status(res: NetworkMetricsResult, from_wave: object, both: pd.Index) -> pd.DataFrame:
    """``<ego>, <alter>, status``: each alter of a reassessed ego retained, added or dropped."""
    c = res.columns
    a = res.alters
    flags = pd.DataFrame(
        {
            c.ego: a[c.ego].to_numpy(),
            c.alter: a[c.alter].to_numpy(),
            "_f": (a[c.wave] == from_wave).to_numpy(),
        }
    )
    flags["_t"] = ~flags["_f"]
    presence = flags.groupby([c.ego, c.alter], sort=False, observed=True)[["_f", "_t"]].any()
    status = pd.Series(
        np.select(
            [presence["_f"] & presence["_t"], presence["_f"]], ["retained", "dropped"], "added"
        ),
        index=presence.index,
        name="status",
    ).reset_index()
    return status[status[c.ego].isin(both)]


def _turnover(
    status: pd.DataFrame, out: pd.DataFrame, ego: str, alter: str, both: pd.Index
) -> None:
    """Add ``n_<status>`` counts and ``<status>`` id tuples to ``out`` (indexed by ego)."""
    counts = pd.crosstab(status[ego], status["status"]).reindex(
        index=both, columns=list(_STATUSES), fill_value=0
    )
    for s in _STATUSES:
        out[f"n_{s}"] = counts[s].reindex(out.index).astype("Int64")
    id_lists = status.groupby([ego, "status"], sort=False)[alter].agg(_ids)
    for s in _STATUSES:
        col = pd.Series(
            [() if e in both else None for e in out.index], index=out.index, dtype=object
        )
        if s in id_lists.index.get_level_values("status"):
            got = id_lists.xs(s, level="status")
            col.loc[got.index] = got
        out[s] = col


def _type_change(out: pd.DataFrame, m_from: pd.DataFrame, m_to: pd.DataFrame) -> pd.Series:
    """Add ``type_from, type_to, type_changed`` to ``out``; returns which egos have both types."""
    cats = list(NETWORK_TYPES)
    out["type_from"] = pd.Categorical(m_from["network_type"].reindex(out.index), categories=cats)
    out["type_to"] = pd.Categorical(m_to["network_type"].reindex(out.index), categories=cats)
    known = out["type_from"].notna() & out["type_to"].notna()
    out["type_changed"] = pd.array(
        np.where(known, out["type_from"].astype(str) != out["type_to"].astype(str), False),
        dtype="boolean",
    )
    out.loc[~known, "type_changed"] = pd.NA
    return known


def _change_table(
    res: NetworkMetricsResult, from_wave: object, to_wave: object
) -> tuple[pd.DataFrame, pd.Series, int, int]:
    """The per-ego change table, which egos have a type at both waves, and the ego counts."""
    c = res.columns
    ego, wave = c.ego, c.wave
    mt = res.table
    m_from = mt[mt[wave] == from_wave].set_index(ego)
    m_to = mt[mt[wave] == to_wave].set_index(ego)
    all_egos = list(dict.fromkeys([*m_from.index, *m_to.index]))
    both = m_from.index.intersection(m_to.index)
    out = pd.DataFrame(index=pd.Index(all_egos, name=ego))
    if "responded" in mt.columns:  # a participation record: reassessed = answered at both
        for side, m in (("from", m_from), ("to", m_to)):
            out[f"responded_{side}"] = m["responded"].reindex(out.index).fillna(False).astype(bool)
        both = out.index[out["responded_from"] & out["responded_to"]]
    out["size_from"] = m_from["size"].reindex(out.index).astype("Int64")
    out["size_to"] = m_to["size"].reindex(out.index).astype("Int64")
    _turnover(_alter_status(res, from_wave, both), out, ego, c.alter, both)
    skip = (ego, wave, "responded", "range_level", "strength_level", "network_type")
    for m in [col for col in mt.columns if col not in skip]:
        out[f"{m}_change"] = (m_to[m].astype(float) - m_from[m].astype(float)).reindex(out.index)
    known = _type_change(out, m_from, m_to)
    return out.reset_index(), known, len(all_egos), len(both)


def _transitions(
    out: pd.DataFrame, known: pd.Series, from_wave: object, to_wave: object
) -> pd.DataFrame:
    """Counts of egos by type at ``from_wave`` (rows) and at ``to_wave`` (columns)."""
    cats = list(NETWORK_TYPES)
    mask = known.to_numpy()
    trans = pd.crosstab(out.loc[mask, "type_from"], out.loc[mask, "type_to"], dropna=False).reindex(
        index=cats, columns=cats, fill_value=0
    )
    trans.index.name = f"type_from ({from_wave})"
    trans.columns.name = f"type_to ({to_wave})"
    return trans


def _attrition_notes(out: pd.DataFrame, from_wave: object, to_wave: object) -> list[str]:
    """Who is not reassessed, and why (from the participation record)."""
    f, t = out["responded_from"], out["responded_to"]
    parts = [
        (int((f & ~t).sum()), f"answered at wave {from_wave} but not at {to_wave} (drop-out)"),
        (int((~f & t).sum()), f"answered at wave {to_wave} but not at {from_wave}"),
        (int((~f & ~t).sum()), "answered at neither wave"),
    ]
    return [
        f"{n} egos {why}: not reassessed (missing changes), not counted as empty networks"
        for n, why in parts
        if n
    ]


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
    participation: pd.DataFrame | None = None,
    responded: str = RESPONDED,
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
    participation, responded
        The participation record (one row per invited ego × wave, a 0/1 column ``responded``),
        as in :func:`network_metrics`. With it, an ego is reassessed only when they answered at
        both waves; an ego who answered at one wave only (attrition, or a late entrant) has
        missing changes and is counted in the notes, never compared with an empty network.
        Rows of other waves in the record are not used.

    Returns
    -------
    NetworkChangeResult

    Notes
    -----
    With :math:`A_1, A_2` the alter sets of an ego at the two waves: retained =
    :math:`A_1 \\cap A_2`, added = :math:`A_2 \\setminus A_1`, dropped = :math:`A_1 \\setminus A_2`;
    ``<metric>_change`` = value at ``to_wave`` − value at ``from_wave``. Without a
    participation record (the behaviour of earlier versions), an ego listed at one wave only is
    not reassessed (missing counts) unless ``egos=`` says it took part, in which case a wave
    without alters counts as an empty network (size 0). Give ``participation=`` when a wave
    without alters may mean that the ego did not answer (drop-out between waves): that ego's
    changes are then missing, not a loss of every developer.

    References
    ----------
    Higgins, M. C., & Kram, K. E. (2001). Reconceptualizing mentoring at work: A developmental
    network perspective. *Academy of Management Review*, 26(2), 264–288.

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
    columns = NetworkColumns(
        ego=ego, alter=alter, level=level, sphere=sphere, strength=strength, wave=wave,
        frequency=frequency, career=career, psychosocial=psychosocial,
    )  # fmt: skip
    require_columns(alters, [ego, wave, alter], "network_change")
    from_wave, to_wave = _pick_waves(alters, wave, from_wave, to_wave, participation)
    two = alters[alters[wave].isin([from_wave, to_wave])]
    part_two = None
    if participation is not None:
        require_columns(participation, [ego, wave, responded], "the participation record")
        part_two = participation[participation[wave].isin([from_wave, to_wave])]
    n_other = int(alters[wave].notna().sum() - len(two))
    tie_two = None
    if ties is not None:
        require_columns(ties, [ego, wave, *TIE_COLUMNS], "the alter-alter ties table")
        tie_two = ties[ties[wave].isin([from_wave, to_wave])]
    typology = Typology(
        split=split, cutoffs=cutoffs, range_measure=range_measure, at_split=at_split
    )
    res = metrics_of(
        two, columns, typology, ties=tie_two, egos=egos, strength_range=strength_range,
        participation=part_two, responded=responded,
    )  # fmt: skip
    out, known, n_egos, n_both = _change_table(res, from_wave, to_wave)
    notes = list(res.notes)
    if part_two is not None:
        notes.extend(_attrition_notes(out, from_wave, to_wave))
    elif n_egos > n_both:
        notes.append(
            f"{n_egos - n_both} egos appear at one wave only and are not reassessed (missing "
            "counts and changes); pass egos= to treat a wave without alters as an empty network"
        )
    if n_other:
        notes.append(f"{n_other} rows from other waves than {from_wave!r} and {to_wave!r} not used")
    n_unknown_type = int((~known).sum())
    if n_unknown_type:
        notes.append(f"{n_unknown_type} egos lack a type at one or both waves; not in transitions")
    return NetworkChangeResult(
        table=out,
        transitions=_transitions(out, known, from_wave, to_wave),
        metrics=res,
        from_wave=from_wave,
        to_wave=to_wave,
        n=len(out),
        n_reassessed=n_both,
        n_dropped=res.n_dropped,
        method=res.method,
        notes=tuple(notes),
    )
