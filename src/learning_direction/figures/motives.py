"""Figures for the mentor-motives model (after Liu et al., 2021).

* :func:`plot_motive_screening` -- each mentor's self- vs other-focused motive composite, with
  the diagonal (equal motives), the descriptive flags and the counts per orientation.
* :func:`plot_motive_profiles` -- the program's distribution of the four motive subscales
  (box plots over the jittered scores of the mentors).
* :func:`plot_indirect_grid` -- indirect effects of each motive through each behaviour on each
  outcome, with their bootstrap confidence intervals (one panel per motive).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from .._core.format import fig_num
from ..exceptions import DataValidationError
from ._style import PALETTE, get_ax, publication_style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_indirect_grid", "plot_motive_profiles", "plot_motive_screening"]

ORIENTATION_COLORS = {
    "other-focused": PALETTE[2],
    "balanced": PALETTE[0],
    "self-focused": PALETTE[5],
}


def _need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataValidationError(f"{what} needs column(s) {missing} in the table")


def plot_motive_screening(
    profiles: pd.DataFrame,
    *,
    scale_range: tuple[float, float] = (1.0, 7.0),
    low_cut: float | None = None,
    title: str | None = "Mentor motive screening (descriptive, not a selection rule)",
    seed: int = 0,
    ax: Axes | None = None,
) -> Axes:
    """Scatter of the self-focused vs the other-focused motive composite, one dot per mentor.

    Parameters
    ----------
    profiles : DataFrame
        ``self_focused, other_focused, orientation`` per mentor (the ``screening`` table of
        ``ld.run_study("motives")``).
    scale_range : (float, float)
        Response range of the motive items.
    low_cut : float, optional
        Draw the "low other-focused motives" cut-off as a horizontal line.
    title : str, optional
    seed : int
        Seed of the small jitter that separates tied scores.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    _need(profiles, ["self_focused", "other_focused", "orientation"], "plot_motive_screening")
    ax = get_ax(ax, figsize=(5.4, 5.0))
    rng = np.random.default_rng(seed)
    lo, hi = scale_range
    for orient, color in ORIENTATION_COLORS.items():
        p = profiles[profiles["orientation"] == orient].dropna(
            subset=["self_focused", "other_focused"]
        )
        if not len(p):
            continue
        ax.scatter(
            p["self_focused"] + rng.uniform(-0.04, 0.04, len(p)),
            p["other_focused"] + rng.uniform(-0.04, 0.04, len(p)),
            s=18,
            alpha=0.7,
            color=color,
            linewidths=0,
            label=f"{orient} (n = {len(p)})",
            zorder=2,
        )
    ax.plot([lo, hi], [lo, hi], color="#555555", lw=1, ls="--", zorder=1)
    ax.text(
        hi - 0.1,
        hi - 0.35,
        "equal motives",
        ha="right",
        va="top",
        fontsize=8,
        color="#555555",
        rotation=45,
        rotation_mode="anchor",
    )
    if low_cut is not None:
        ax.axhline(low_cut, color=PALETTE[1], lw=1, ls=":", zorder=1)
        ax.text(
            lo + 0.1,
            low_cut - 0.08,
            f"low other-focused (< {low_cut:g})",
            fontsize=8,
            va="top",
            color="#444444",
        )
    ax.set_xlim(lo - 0.2, hi + 0.2)
    ax.set_ylim(lo - 0.2, hi + 0.2)
    ax.set_aspect("equal")
    ax.set_xlabel("Self-focused motives (mean of 2 subscales)")
    ax.set_ylabel("Other-focused motives (mean of 2 subscales)")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(
        frameon=True,
        framealpha=0.9,
        edgecolor="none",
        fontsize=8,
        loc="lower right",
        title="orientation",
        title_fontsize=8,
    )
    return ax


def plot_motive_profiles(
    profiles: pd.DataFrame,
    subscales: Sequence[str] = (
        "self_enhancement",
        "personal_gain",
        "benefit_others",
        "intrinsic_satisfaction",
    ),
    *,
    labels: Mapping[str, str] | None = None,
    scale_range: tuple[float, float] = (1.0, 7.0),
    title: str | None = "Motive profiles across the program",
    seed: int = 0,
    ax: Axes | None = None,
) -> Axes:
    """Distribution of each motive subscale over the mentors: box plot over jittered scores.

    Self-focused subscales are drawn in orange-red, other-focused ones in green; the mean is
    printed above each box.

    Returns
    -------
    matplotlib Axes
    """
    _need(profiles, list(subscales), "plot_motive_profiles")
    labels = dict(labels or {})
    ax = get_ax(ax, figsize=(6.4, 4.0))
    rng = np.random.default_rng(seed)
    data = [profiles[s].dropna().to_numpy(float) for s in subscales]
    colors = [PALETTE[5] if i < len(subscales) / 2 else PALETTE[2] for i in range(len(subscales))]
    bp = ax.boxplot(
        data,
        positions=np.arange(len(subscales)),
        widths=0.45,
        showfliers=False,
        patch_artist=True,
        medianprops={"color": "#222222"},
    )
    for patch, c in zip(bp["boxes"], colors, strict=True):
        patch.set_facecolor("white")
        patch.set_edgecolor(c)
        patch.set_linewidth(1.4)
    for i, (y, c) in enumerate(zip(data, colors, strict=True)):
        ax.scatter(
            i + rng.uniform(-0.18, 0.18, len(y)),
            y,
            s=7,
            color=c,
            alpha=0.35,
            linewidths=0,
            zorder=1,
        )
        ax.text(
            i,
            scale_range[1] + 0.15,
            f"M = {fig_num(y.mean(), 2)}",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    names = [labels.get(s, s.replace("_", " ")) for s in subscales]
    ax.set_xticks(np.arange(len(subscales)), [n.replace(" ", "\n", 1) for n in names])
    ax.set_ylim(scale_range[0] - 0.2, scale_range[1] + 0.6)
    ax.set_ylabel(f"Score ({scale_range[0]:g}\u2013{scale_range[1]:g})")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_indirect_grid(
    table: pd.DataFrame,
    *,
    motive_labels: Mapping[str, str] | None = None,
    outcome_labels: Mapping[str, str] | None = None,
    mediator_labels: Mapping[str, str] | None = None,
    suptitle: str | None = None,
) -> Figure:
    """Indirect effects (with CIs) of each motive through each behaviour on each outcome.

    Parameters
    ----------
    table : DataFrame
        ``motive, outcome, mediator, estimate, ci_low, ci_high`` (the ``indirect_effects``
        table of ``ld.run_study("motives")``, specific indirect effects only).
    motive_labels, outcome_labels, mediator_labels : mapping, optional

    Returns
    -------
    matplotlib Figure
        One panel per motive; outcomes on the y axis, one marker per behaviour.
    """
    import matplotlib.pyplot as plt

    _need(
        table,
        ["motive", "outcome", "mediator", "estimate", "ci_low", "ci_high"],
        "plot_indirect_grid",
    )
    ml, ol, dl = dict(motive_labels or {}), dict(outcome_labels or {}), dict(mediator_labels or {})
    motives = list(dict.fromkeys(table["motive"]))
    outcomes = list(dict.fromkeys(table["outcome"]))
    mediators = list(dict.fromkeys(table["mediator"]))
    with publication_style():
        fig, axes = plt.subplots(
            1,
            len(motives),
            figsize=(4.6 * len(motives), 1.4 + 0.75 * len(outcomes)),
            sharey=True,
            layout="constrained",
        )
    axes = np.atleast_1d(axes)
    y0 = np.arange(len(outcomes))[::-1]
    offs = np.linspace(-0.15, 0.15, len(mediators)) if len(mediators) > 1 else [0.0]
    colors = [PALETTE[5], PALETTE[2], PALETTE[0], PALETTE[3]]
    lo_all, hi_all = float(table["ci_low"].min()), float(table["ci_high"].max())
    pad = 0.08 * (hi_all - lo_all)
    for ax, mot in zip(axes, motives, strict=True):
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        for j, med in enumerate(mediators):
            t = table[(table["motive"] == mot) & (table["mediator"] == med)].set_index("outcome")
            t = t.reindex(outcomes)
            y = y0 + offs[j]
            ax.hlines(y, t["ci_low"], t["ci_high"], color=colors[j % 4], lw=2)
            ax.scatter(
                t["estimate"], y, color=colors[j % 4], s=28, zorder=3, label=dl.get(med, med)
            )
        ax.axvline(0, color="#555555", lw=1, ls="--")
        ax.set_xlim(min(lo_all, 0) - pad, max(hi_all, 0) + pad)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.set_title(ml.get(mot, mot), fontsize=10)
        ax.set_xlabel("indirect effect (95% bootstrap CI)")
    axes[0].set_yticks(y0, [ol.get(o, o) for o in outcomes])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        [f"through {lab[0].lower()}{lab[1:]}" for lab in labels],
        frameon=False,
        fontsize=8,
        loc="outside lower center",
        ncol=len(mediators),
    )
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig
