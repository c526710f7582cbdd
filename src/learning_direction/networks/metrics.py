"""Ego-network metrics and the Higgins & Kram type of each developmental network.

:func:`network_metrics` gives one row per ego (per ego × wave): size, number of spheres, Blau
range, mean tie strength, up/lateral/down shares, density (with a ties table), mean frequency
and support, and the network type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._core.plotting import figure
from .._core.results import ResultMixin
from ..exceptions import ConfigError, DataValidationError
from .columns import LEVELS, NetworkColumns, ValidatedAlters, check_alters, sorted_unique
from .participation import (
    RESPONDED,
    Participation,
    check_participation,
    refuse_nonrespondent_rows,
)
from .ties import check_ties
from .typology import Typology, classify

__all__ = ["NetworkMetricsResult", "metrics_of", "network_metrics"]


@dataclass(frozen=True, eq=False)
class NetworkMetricsResult(ResultMixin):
    """Developmental-network metrics, one row per ego (per ego × wave when ``wave`` is given).

    Attributes
    ----------
    table : DataFrame
        ``<ego>, [<wave>], [responded], size, n_spheres, blau_range, strength, share_up,
        share_lateral, share_down, [density], [frequency], [career_support],
        [psychosocial_support], range_level, strength_level, network_type``. ``responded``
        (bool) is there when a participation record was given; ``size`` is then a nullable
        integer, missing where the ego did not answer.
    alters : DataFrame
        The validated alter rows used (canonical level and sphere codes).
    ties : DataFrame or None
        The distinct alter–alter ties used (``_lo``/``_hi`` hold the pair's ids as text).
    splits : dict
        Values that split low from high: ``{"range": ..., "strength": ...}``.
    columns : NetworkColumns
        The columns used (optional columns absent from the table are None); ``columns["ego"]``
        works as well as ``columns.ego``.
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
    columns: NetworkColumns
    notes: tuple[str, ...] = field(default_factory=tuple)
    n_nonresponse: int = 0

    _title: ClassVar[str] = "Developmental network metrics"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n": self.n,
            "n_egos": self.n_egos,
            "n_alters": self.n_alters,
            "n_dropped": self.n_dropped,
            "n_nonresponse": self.n_nonresponse,
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
        ax: Any = None,
    ) -> Any:
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
            if ego_id is None:
                ego_id = self.table[self.columns.ego].iloc[0]
            return figure("networks.plot_ego_network")(
                self.alters,
                ego_id,
                columns=self.columns,
                wave_value=wave_value,
                ties=self.ties,
                ax=ax,
            )
        raise ConfigError(f"kind={kind!r} is not known; use 'typology' or 'ego'")


def _composition(v: ValidatedAlters, ties: pd.DataFrame | None) -> pd.DataFrame:
    """One row per observed ego (× wave): composition metrics, vectorised with groupby."""
    c = v.columns
    keys = c.keys
    a = v.alters
    g = a.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame({"size": g.size()})

    sph = a.dropna(subset=[c.sphere])
    counts = sph.groupby([*keys, c.sphere], observed=True).size()
    props = counts / counts.groupby(level=keys, observed=True).transform("sum")
    out["n_spheres"] = counts.groupby(level=keys, observed=True).size().astype(float)
    out["blau_range"] = 1.0 - (props**2).groupby(level=keys, observed=True).sum()
    out["strength"] = g[c.strength].mean()

    lev = a.dropna(subset=[c.level])
    lcounts = lev.groupby([*keys, c.level], observed=True).size().unstack(fill_value=0)
    lcounts = lcounts.reindex(columns=list(LEVELS), fill_value=0)
    shares = lcounts.div(lcounts.sum(axis=1), axis=0)
    for lv in LEVELS:
        out[f"share_{lv}"] = shares[lv].astype(float)

    if ties is not None:
        n_ties = ties.groupby(keys, observed=True).size()
        possible = out["size"] * (out["size"] - 1) / 2.0
        n_ties = n_ties.reindex(out.index, fill_value=0).astype(float)
        out["density"] = (n_ties / possible).where(out["size"] >= 2)
    if c.frequency:
        out["frequency"] = g[c.frequency].mean()
    for col, name in ((c.career, "career_support"), (c.psychosocial, "psychosocial_support")):
        if col:
            out[name] = g[col].mean()
    return out


def _grid(v: ValidatedAlters, egos: Sequence[object] | None) -> pd.Index:
    """Rows of the result: observed ego (× wave) combinations, or every listed ego (× wave)."""
    c = v.columns
    keys = c.keys
    if egos is None:
        try:
            obs = v.observed.sort_values(keys, kind="stable")
        except TypeError:
            obs = v.observed
        if c.wave:
            return pd.MultiIndex.from_frame(obs[keys])
        return pd.Index(obs[c.ego], name=c.ego)
    if isinstance(egos, str) or not isinstance(egos, Iterable):
        raise DataValidationError(
            "egos= must be a list (or Series) of every ego id in the study, e.g. "
            "egos=survey['ego_id']"
        )
    ego_list = list(dict.fromkeys(pd.Series(list(egos)).dropna().tolist()))
    listed = set(map(str, ego_list))
    extra = [e for e in pd.unique(v.observed[c.ego]) if str(e) not in listed]
    if extra:
        raise DataValidationError(
            f"the alter table has egos that are not in egos=: {', '.join(repr(e) for e in extra[:10])}"
            + (f" ({len(extra)} in all)" if len(extra) > 10 else "")
            + ". egos= must list every ego in the study; add them or remove their rows."
        )
    # match the alter table's ids (1 vs "1") so the listed egos line up with the data
    by_str = {str(e): e for e in pd.unique(v.observed[c.ego])}
    ego_list = [by_str.get(str(e), e) for e in ego_list]
    if c.wave:
        waves = sorted_unique(v.observed[c.wave])
        return pd.MultiIndex.from_product([ego_list, waves], names=keys)
    return pd.Index(ego_list, name=c.ego)


def metrics_of(
    alters: pd.DataFrame,
    columns: NetworkColumns,
    typology: Typology,
    *,
    ties: pd.DataFrame | None = None,
    egos: Sequence[object] | None = None,
    strength_range: tuple[float, float] = (1, 5),
    participation: pd.DataFrame | None = None,
    responded: str = RESPONDED,
) -> NetworkMetricsResult:
    """:func:`network_metrics` with the column names and the typology options as objects."""
    typology.check()
    v = check_alters(alters, columns, strength_range)
    notes = list(v.notes)
    part = None
    if participation is not None:
        if egos is not None:
            raise ConfigError(
                "give either egos= or participation=, not both: the participation record "
                "already lists every invited ego (and whether they answered)"
            )
        part = check_participation(participation, v.columns, v.observed, responded)
        if ties is not None:
            refuse_nonrespondent_rows(ties, part, v.columns)
    tie_df = None
    if ties is not None:
        tie_df, tie_notes = check_ties(ties, v.alters, v.columns)
        notes.extend(tie_notes)
    if part is None:
        table = _composition(v, tie_df).reindex(_grid(v, egos))
        table["size"] = table["size"].fillna(0).astype(int)
        n_silent = 0
    else:
        table, n_silent = _with_participation(_composition(v, tie_df), part, v.columns)
        if n_silent:
            notes.append(_nonresponse_note(table, v.columns, n_silent))
    table, splits = classify(table.reset_index(), typology)
    n_empty = int((table["size"] == 0).sum())
    if n_empty:
        notes.append(
            f"{n_empty} egos (rows) "
            + ("answered but named no developer" if part is not None else "have no alters")
            + ": size 0, other metrics missing"
        )
    if not np.isfinite(splits["range"]) or not np.isfinite(splits["strength"]):
        notes.append("no ego has a range and a strength value, so no network type is given")
    return NetworkMetricsResult(
        table=table,
        alters=v.alters,
        ties=tie_df,
        n=len(table),
        n_egos=int(table[columns.ego].nunique()),
        n_alters=len(v.alters),
        n_dropped=v.n_dropped,
        method=typology.method,
        range_measure=typology.range_measure,
        splits=splits,
        at_split=typology.at_split,
        support_kind=v.support_kind,
        columns=v.columns,
        notes=tuple(notes),
        n_nonresponse=n_silent,
    )


def _with_participation(
    comp: pd.DataFrame, part: Participation, cols: NetworkColumns
) -> tuple[pd.DataFrame, int]:
    """One row per invited ego (× wave): size 0 for an empty answer, missing for no answer."""
    keys = cols.keys
    answered = part.responded(keys)
    table = comp.reindex(answered.index)
    size = table["size"].fillna(0).astype("Int64")
    table["size"] = size.where(answered.to_numpy(), pd.NA)
    table.insert(0, "responded", answered.to_numpy())
    return table, int((~answered).sum())


def _nonresponse_note(table: pd.DataFrame, cols: NetworkColumns, n_silent: int) -> str:
    """How many egos (× waves) did not answer; their metrics are missing, not empty."""
    if cols.wave is None:
        per = ""
    else:
        silent = table.index.to_frame(index=False)[~table["responded"].to_numpy()]
        counts = silent[cols.wave].value_counts(sort=False)
        per = " (" + ", ".join(f"{n} at {cols.wave} {w}" for w, n in sorted(
            counts.items(), key=lambda kv: str(kv[0]))) + ")"  # fmt: skip
    return (
        f"{n_silent} invited egos (rows) did not answer{per}: their metrics are missing "
        "(unknown network), not an empty network"
    )


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
    participation: pd.DataFrame | None = None,
    responded: str = RESPONDED,
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
        metrics (and type) missing; with ``wave`` every ego × wave appears. This treats an ego
        (× wave) without rows as an empty network; when it may instead mean that the ego did
        not answer, give ``participation`` (not both).
    participation : DataFrame, optional
        The participation record: one row per invited ego (× wave) with the ego (and wave)
        column and a 0/1 column ``responded`` (e.g. ``ld.load_dataset("networks_waves")``).
        The table then has one row per record row and a ``responded`` column: an ego who
        answered but named no developer has ``size`` 0; an ego who did not answer has every
        metric missing, ``size`` included (the network is unknown, not empty). Alters (or
        ties) for an ego (× wave) recorded as not answering, or not in the record, are an
        error naming the ego and wave. Without it (default), the rows are the ego (× wave)
        combinations of the alter table, or ``egos=`` as described above.
    responded : str
        Name of the 0/1 column of ``participation`` (default ``"responded"``).
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

    Egos with size 0 (only via ``egos=`` or ``participation=``) and egos who did not answer
    have no range or strength and are not used for the median. Rows missing the ego (or wave) id are left out and counted in ``n_dropped``.
    The column names are collected in one :class:`~learning_direction.networks.NetworkColumns`
    (``result.columns``).

    References
    ----------
    Higgins, M. C., & Kram, K. E. (2001). Reconceptualizing mentoring at work: A developmental
    network perspective. *Academy of Management Review*, 26(2), 264–288.

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

    With a participation record, E3 answered and named nobody (size 0) and E4 did not answer
    (every metric missing, size included):

    >>> record = pd.DataFrame({"ego_id": ["E1", "E2", "E3", "E4"], "responded": [1, 1, 1, 0]})
    >>> ld.network_metrics(alters, participation=record).table[
    ...     ["ego_id", "responded", "size", "strength"]]
      ego_id  responded  size  strength
    0     E1       True     2       3.0
    1     E2       True     1       5.0
    2     E3       True     0       NaN
    3     E4      False  <NA>       NaN

    The R equivalent is a per-ego summary, e.g.
    ``alters |> dplyr::group_by(ego_id) |> dplyr::summarise(size = dplyr::n(),
    blau_range = 1 - sum(prop.table(table(sphere))^2), strength = mean(closeness))``;
    ``egor::ego_density()`` gives the density.
    """
    columns = NetworkColumns(
        ego=ego, alter=alter, level=level, sphere=sphere, strength=strength, wave=wave,
        frequency=frequency, career=career, psychosocial=psychosocial,
    )  # fmt: skip
    typology = Typology(
        split=split, cutoffs=cutoffs, range_measure=range_measure, at_split=at_split
    )
    return metrics_of(
        alters, columns, typology, ties=ties, egos=egos, strength_range=strength_range,
        participation=participation, responded=responded,
    )  # fmt: skip
