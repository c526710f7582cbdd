"""Developmental-network figures: one ego's network by hierarchy, the Higgins & Kram typology
quadrant plot, and wave-to-wave change (slope chart, alter turnover, type transitions).

Every function takes ``ax=None`` and returns the Axes.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from ..exceptions import ConfigError, DataValidationError
from ..networks.columns import NETWORK_TYPES, SPHERES, NetworkColumns, check_alters
from ._style import PALETTE, get_ax, publication_style

__all__ = [
    "SPHERE_COLORS",
    "TYPE_COLORS",
    "plot_alter_turnover",
    "plot_ego_network",
    "plot_metric_change",
    "plot_type_transitions",
    "plot_typology",
]

SPHERE_COLORS = dict(zip(SPHERES, PALETTE[:6], strict=True))
SPHERE_LABELS = {
    "same_organisation": "Same organisation",
    "other_organisation": "Other organisation",
    "professional_association": "Professional association",
    "family": "Family",
    "community": "Community",
    "school": "School",
}
TYPE_COLORS = dict(
    zip(NETWORK_TYPES, [PALETTE[4], PALETTE[0], PALETTE[1], PALETTE[5]], strict=True)
)


def _linewidth(closeness: float) -> float:
    return 0.6 + 0.9 * (closeness if np.isfinite(closeness) else 1.0)


def _row_positions(n: int, spacing: float) -> np.ndarray:
    return (np.arange(n) - (n - 1) / 2.0) * spacing


_SPACING = 1.25
_TIE_STYLE = {
    "arrowstyle": "-",
    "color": "0.6",
    "lw": 0.8,
    "ls": "--",
    "alpha": 0.7,
    "connectionstyle": "arc3,rad=0.25",
    "shrinkA": 9,
    "shrinkB": 9,
}


def plot_ego_network(
    alters: pd.DataFrame,
    ego_id: object,
    *,
    ego: str = "ego_id",
    alter: str = "alter_id",
    level: str = "relative_level",
    sphere: str = "sphere",
    strength: str = "closeness",
    wave: str | None = None,
    wave_value: object = None,
    ties: pd.DataFrame | None = None,
    label: str | None = None,
    columns: NetworkColumns | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw one ego's developmental network by hierarchy.

    Up alters sit above the ego, lateral alters beside it (left and right), down alters below.
    Node colour shows the sphere (legend), the ego–alter line width shows closeness; alter–alter
    ties (``ties`` with ``<ego>, alter_a, alter_b`` (+ ``<wave>``)) are drawn as light dashed
    lines.

    Parameters
    ----------
    alters : DataFrame
        Alter table (validated like :func:`learning_direction.network_metrics`).
    ego_id : object
        The ego to draw.
    ego, alter, level, sphere, strength, wave : str
        Column names.
    wave_value : optional
        Wave to draw when ``wave`` is given (default: the first wave of this ego).
    ties : DataFrame, optional
        Alter–alter ties (raw or as kept by ``NetworkMetricsResult.ties``).
    label : str, optional
        Column used as node label (default the alter id); long labels are wrapped.
    columns : NetworkColumns, optional
        All column names in one object (``NetworkMetricsResult.columns``); when given it is used
        instead of ``ego, alter, level, sphere, strength, wave``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    cols = columns or NetworkColumns(
        ego=ego, alter=alter, level=level, sphere=sphere, strength=strength, wave=wave
    )
    a, wave_value = _ego_rows(alters, ego_id, cols, wave_value)
    pos = _layout(a, cols)
    n_lateral = int((a[cols.level] == "lateral").sum())
    has_unknown = bool(a[cols.level].isna().any())
    # half width of the drawing in data units (lateral labels need room outside their column)
    width = max([abs(x) for x, _ in pos.values()] + [1.5]) + (1.1 if n_lateral else 0.0)
    if ax is None:
        ax = get_ax(figsize=(min(max(6.0, 2 * width * 0.95 + 2.5), 14.0), 5.0))
    with publication_style():
        if ties is not None and len(ties):
            _draw_ties(ax, ties, ego_id, cols, wave_value, pos)
        _draw_alters(ax, a, cols, pos, label or cols.alter)
        _legend(ax, a, cols, ties is not None)
        for y, name in ((1.0, "Up"), (0.0, "Lateral"), (-1.0, "Down")):
            ax.text(-width - 0.3, y, name, ha="right", va="center", fontsize=9, color="0.3",
                    fontstyle="italic")  # fmt: skip
        ax.set_xlim(-width - 1.2, width + 0.2)
        ax.set_ylim(-2.5 if has_unknown else -1.75, 1.75)
        ax.set_axis_off()
        title = f"Developmental network of {ego_id}"
        if cols.wave is not None:
            title += f" ({cols.wave} {wave_value})"
        ax.set_title(title)
    return ax


def _ego_rows(
    alters: pd.DataFrame, ego_id: object, cols: NetworkColumns, wave_value: object
) -> tuple[pd.DataFrame, object]:
    """The validated alters of one ego (at one wave), and that wave."""
    a = check_alters(alters, cols).alters
    sel = a[cols.ego].astype(str) == str(ego_id)
    if not sel.any():
        raise DataValidationError(
            f"ego {ego_id!r} has no alters in column '{cols.ego}'; pick one of "
            f"{', '.join(map(repr, pd.unique(a[cols.ego])[:5]))}"
        )
    a = a.loc[sel]
    if cols.wave is not None:
        if wave_value is None:
            wave_value = sorted(pd.unique(a[cols.wave]))[0]
        a = a.loc[a[cols.wave] == wave_value]
        if a.empty:
            raise DataValidationError(f"ego {ego_id!r} has no alters at {cols.wave} {wave_value!r}")
    return a, wave_value


def _layout(a: pd.DataFrame, cols: NetworkColumns) -> dict[str, tuple[float, float]]:
    """Node positions: up alters in a row above the ego, down below, lateral at the sides."""
    up = a[a[cols.level] == "up"]
    down = a[a[cols.level] == "down"]
    lat = a[a[cols.level] == "lateral"]
    unknown = a[a[cols.level].isna()]
    pos: dict[str, tuple[float, float]] = {}
    for rows, y in ((up, 1.0), (down, -1.0)):
        for xi, aid in zip(_row_positions(len(rows), _SPACING), rows[cols.alter], strict=True):
            pos[str(aid)] = (float(xi), y)
    # lateral alters: one column on each side, outside the up/down rows, so that every
    # ego-alter line has its own angle and no line crosses another node
    row_half = max(len(up), len(down), 1) * _SPACING / 2.0
    lat_ids = list(lat[cols.alter])
    half = (len(lat_ids) + 1) // 2
    for side, ids in ((-1.0, lat_ids[:half]), (1.0, lat_ids[half:])):
        span = min(0.3 * (len(ids) - 1), 1.2)
        ys = np.linspace(span / 2, -span / 2, len(ids)) if len(ids) > 1 else np.zeros(len(ids))
        for aid, yk in zip(ids, ys, strict=True):
            pos[str(aid)] = (side * (row_half + 0.9), float(yk))
    for k, aid in enumerate(unknown[cols.alter]):
        pos[str(aid)] = (float(_row_positions(len(unknown), _SPACING)[k]), -2.0)
    return pos


def _draw_ties(
    ax: Axes,
    ties: pd.DataFrame,
    ego_id: object,
    cols: NetworkColumns,
    wave_value: object,
    pos: dict[str, tuple[float, float]],
) -> None:
    """Alter–alter ties of the ego, light and behind everything."""
    t = ties
    if "_lo" in t.columns:
        t = t.rename(columns={"_lo": "alter_a", "_hi": "alter_b"})
    t = t[t[cols.ego].astype(str) == str(ego_id)]
    if cols.wave is not None and cols.wave in t.columns:
        t = t[t[cols.wave] == wave_value]
    for aa, bb in zip(t["alter_a"].astype(str), t["alter_b"].astype(str), strict=True):
        if aa in pos and bb in pos:
            ax.annotate("", xy=pos[bb], xytext=pos[aa], arrowprops=dict(_TIE_STYLE), zorder=1)


def _draw_alters(
    ax: Axes,
    a: pd.DataFrame,
    cols: NetworkColumns,
    pos: dict[str, tuple[float, float]],
    lab_col: str,
) -> None:
    """Ego–alter lines (width: closeness), alter nodes (colour: sphere) with labels, the ego."""
    for _, row in a.iterrows():
        x, y = pos[str(row[cols.alter])]
        ax.plot([0, x], [0, y], color="0.35", lw=_linewidth(row[cols.strength]), zorder=2,
                solid_capstyle="round")  # fmt: skip
    for _, row in a.iterrows():
        x, y = pos[str(row[cols.alter])]
        color = SPHERE_COLORS.get(row[cols.sphere], "0.7")
        ax.scatter([x], [y], s=260, color=color, edgecolor="white", linewidth=1.2, zorder=3)
        text = "\n".join(textwrap.wrap(str(row[lab_col]), 12)) or str(row[cols.alter])
        if row[cols.level] == "lateral":
            ha, dx = ("right", -0.2) if x < 0 else ("left", 0.2)
            ax.text(x + dx, y, text, ha=ha, va="center", fontsize=8, zorder=4)
        else:
            va, dy = ("bottom", 0.16) if y > 0 else ("top", -0.16)
            ax.text(x, y + dy, text, ha="center", va=va, fontsize=8, zorder=4)
    ax.scatter([0], [0], s=520, color="0.15", zorder=3)
    ax.text(0, 0, "Ego", color="white", ha="center", va="center", fontsize=8,
            fontweight="bold", zorder=4)  # fmt: skip


def _legend(ax: Axes, a: pd.DataFrame, cols: NetworkColumns, with_ties: bool) -> None:
    """Legend: the spheres present, three line widths of closeness, the tie style."""
    present = [s for s in SPHERES if s in set(a[cols.sphere].dropna())]
    handles = [
        Line2D(
            [], [], marker="o", ls="", markersize=9, color=SPHERE_COLORS[s], label=SPHERE_LABELS[s]
        )
        for s in present
    ]
    handles += [
        Line2D([], [], color="0.35", lw=_linewidth(c), label=f"closeness {c}") for c in (1, 3, 5)
    ]
    if with_ties:
        handles.append(Line2D([], [], color="0.6", ls="--", lw=0.8, label="alter–alter tie"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False,
              fontsize=8)  # fmt: skip


def plot_typology(
    table: pd.DataFrame,
    *,
    range_split: float,
    strength_split: float,
    range_col: str = "blau_range",
    strength_col: str = "strength",
    type_col: str = "network_type",
    jitter: float = 0.0,
    seed: int = 0,
    ax: Axes | None = None,
) -> Axes:
    """Higgins & Kram typology: range × strength scatter with split lines and quadrant counts.

    Parameters
    ----------
    table : DataFrame
        ``NetworkMetricsResult.table`` (or any table with the range, strength and type columns).
    range_split, strength_split : float
        Values splitting low from high (``NetworkMetricsResult.splits``).
    range_col, strength_col, type_col : str
        Column names.
    jitter : float
        Optional uniform jitter (in data units, both axes) against over-plotting; the counts
        are always of the unjittered values.
    seed : int
        Seed of the jitter.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    for c in (range_col, strength_col, type_col):
        if c not in table.columns:
            raise DataValidationError(f"plot_typology needs column '{c}' in the table")
    ax = get_ax(ax, figsize=(6.4, 4.8))
    d = table.dropna(subset=[range_col, strength_col])
    rng = np.random.default_rng(seed)
    x = d[range_col].to_numpy(float)
    y = d[strength_col].to_numpy(float)
    if jitter:
        x = x + rng.uniform(-jitter, jitter, len(x))
        y = y + rng.uniform(-jitter, jitter, len(y))
    with publication_style():
        types = d[type_col].astype(object).to_numpy()
        for t in NETWORK_TYPES:
            m = types == t
            if m.any():
                ax.scatter(x[m], y[m], s=28, alpha=0.75, color=TYPE_COLORS[t], edgecolor="white",
                           linewidth=0.5, label=t.capitalize())  # fmt: skip
        ax.axvline(range_split, color="0.4", ls="--", lw=1)
        ax.axhline(strength_split, color="0.4", ls="--", lw=1)
        counts = d[type_col].value_counts()
        xlo, xhi = ax.get_xlim()
        ylo, yhi = ax.get_ylim()
        # leave headroom so corner labels do not sit on points
        ypad = 0.18 * (yhi - ylo)
        ylo, yhi = ylo - ypad, yhi + ypad
        ax.set_ylim(ylo, yhi)
        corners = {  # axes-fraction corner, text alignment; inset a few points from the spines
            "receptive": (0.0, 0.0, "left", "bottom"),
            "traditional": (0.0, 1.0, "left", "top"),
            "opportunistic": (1.0, 0.0, "right", "bottom"),
            "entrepreneurial": (1.0, 1.0, "right", "top"),
        }
        for t, (cx, cy, ha, va) in corners.items():
            ax.annotate(f"{t.capitalize()}\nn = {int(counts.get(t, 0))}", (cx, cy),
                        xycoords="axes fraction", textcoords="offset points",
                        xytext=(5 if cx == 0 else -5, 4 if cy == 0 else -4), ha=ha, va=va,
                        fontsize=9, color=TYPE_COLORS[t], fontweight="bold")  # fmt: skip
        ax.set_xlim(xlo, xhi)
        xlabel = (
            "Range (Blau index of spheres)"
            if range_col == "blau_range"
            else "Range (number of spheres)"
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Tie strength (mean closeness)")
        ax.set_title("Developmental network types (Higgins & Kram, 2001)")
    return ax


def plot_metric_change(
    metrics: pd.DataFrame,
    metric: str = "share_down",
    *,
    ego: str = "ego_id",
    wave: str = "wave",
    from_wave: object = None,
    to_wave: object = None,
    ax: Axes | None = None,
) -> Axes:
    """Slope chart of one network metric per ego between two waves, with the mean in bold.

    Parameters
    ----------
    metrics : DataFrame
        ``NetworkMetricsResult.table`` with a wave column.
    metric : str
        Metric column (e.g. ``share_down``, ``blau_range``, ``strength``, ``size``).
    ego, wave : str
        Column names.
    from_wave, to_wave : optional
        Waves (default first and last).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    for c in (ego, wave, metric):
        if c not in metrics.columns:
            raise DataValidationError(f"plot_metric_change needs column '{c}' in the table")
    waves = sorted(pd.unique(metrics[wave].dropna()))
    from_wave = waves[0] if from_wave is None else from_wave
    to_wave = waves[-1] if to_wave is None else to_wave
    wide = metrics[metrics[wave].isin([from_wave, to_wave])].pivot(
        index=ego, columns=wave, values=metric
    )
    wide = wide.dropna()
    ax = get_ax(ax, figsize=(4.8, 4.4))
    with publication_style():
        if len(wide):
            y0 = wide[from_wave].to_numpy(float)
            y1 = wide[to_wave].to_numpy(float)
            alpha = 0.6 if len(wide) <= 30 else 0.25
            for a0, a1 in zip(y0, y1, strict=True):
                color = PALETTE[2] if a1 > a0 else (PALETTE[5] if a1 < a0 else "0.6")
                ax.plot([0, 1], [a0, a1], color=color, lw=0.9, alpha=alpha)
            ax.plot([0, 1], [y0.mean(), y1.mean()], color="0.1", lw=3, marker="o", label="mean")
            ax.legend(
                handles=[
                    Line2D([], [], color=PALETTE[2], label="increase"),
                    Line2D([], [], color=PALETTE[5], label="decrease"),
                    Line2D([], [], color="0.6", label="no change"),
                    Line2D([], [], color="0.1", lw=3, marker="o", label=f"mean (n = {len(wide)})"),
                ],
                loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, frameon=False, fontsize=8,
            )  # fmt: skip
        ax.set_xticks([0, 1], [f"{wave} {from_wave}", f"{wave} {to_wave}"])
        ax.set_xlim(-0.25, 1.25)
        ax.set_ylabel(metric.replace("_", " ").capitalize())
        ax.set_title(f"Change in {metric.replace('_', ' ')} per ego")
    return ax


def plot_alter_turnover(
    change: pd.DataFrame, *, ego: str = "ego_id", max_labels: int = 40, ax: Axes | None = None
) -> Axes:
    """Diverging bars per ego: retained and added alters to the right, dropped to the left.

    Parameters
    ----------
    change : DataFrame
        ``NetworkChangeResult.table`` (needs ``n_retained, n_added, n_dropped``).
    ego : str
        Ego id column.
    max_labels : int
        Ego labels are shown when there are at most this many egos.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    need = [ego, "n_retained", "n_added", "n_dropped"]
    for c in need:
        if c not in change.columns:
            raise DataValidationError(f"plot_alter_turnover needs column '{c}' in the table")
    d = change.dropna(subset=need[1:]).copy()
    d = d.sort_values(["n_retained", "n_added"], kind="stable").reset_index(drop=True)
    n = len(d)
    ax = get_ax(ax, figsize=(6.0, min(max(3.0, 0.22 * n + 1.2), 10.0)))
    with publication_style():
        y = np.arange(n)
        ret = d["n_retained"].to_numpy(float)
        add = d["n_added"].to_numpy(float)
        drop = d["n_dropped"].to_numpy(float)
        h = 0.8 if n <= 60 else 1.0
        ax.barh(y, ret, height=h, color=PALETTE[0], label="retained")
        ax.barh(y, add, left=ret, height=h, color=PALETTE[2], label="added")
        ax.barh(y, -drop, height=h, color=PALETTE[5], label="dropped")
        ax.axvline(0, color="0.2", lw=0.8)
        if n <= max_labels:
            ax.set_yticks(y, d[ego].astype(str))
        else:
            ax.set_yticks([])
            ax.set_ylabel(f"egos (n = {n}), sorted")
        ax.set_xlabel("alters (dropped to the left)")
        lim = max(1.0, float(np.max(ret + add, initial=0)), float(np.max(drop, initial=0)))
        ax.set_xlim(-lim - 0.5, lim + 0.5)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [f"{abs(t):g}" for t in ticks])
        ax.set_xlim(-lim - 0.5, lim + 0.5)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if n <= 20 else -0.06), ncol=3,
                  frameon=False)  # fmt: skip
        ax.set_title("Alter turnover between waves")
    return ax


def plot_type_transitions(
    transitions: pd.DataFrame,
    *,
    from_label: object = None,
    to_label: object = None,
    ax: Axes | None = None,
) -> Axes:
    """Heat map of network-type transitions (counts) between two waves.

    Parameters
    ----------
    transitions : DataFrame
        ``NetworkChangeResult.transitions`` (rows: type at the first wave; columns: later wave).
    from_label, to_label : optional
        Wave labels for the axes.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(transitions, pd.DataFrame) or transitions.empty:
        raise ConfigError("plot_type_transitions needs a non-empty transition table")
    ax = get_ax(ax, figsize=(5.6, 4.6))
    values = transitions.to_numpy(float)
    with publication_style():
        im = ax.imshow(values, cmap="Blues", vmin=0, vmax=max(values.max(), 1))
        vmax = max(values.max(), 1)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                v = values[i, j]
                ax.text(j, i, f"{int(v)}", ha="center", va="center", fontsize=10,
                        color="white" if v > 0.6 * vmax else "0.1")  # fmt: skip
        ax.set_xticks(range(values.shape[1]), [str(c).capitalize() for c in transitions.columns],
                      rotation=30, ha="right")  # fmt: skip
        ax.set_yticks(range(values.shape[0]), [str(c).capitalize() for c in transitions.index])
        ax.set_xlabel(f"type at wave {to_label}" if to_label is not None else "later type")
        ax.set_ylabel(f"type at wave {from_label}" if from_label is not None else "earlier type")
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        plt.colorbar(im, ax=ax, shrink=0.8, label="egos")
        ax.set_title("Network type transitions")
    return ax
