"""Profile figures: learning-direction profile, advocacy × authenticity quadrant, score distributions.

Every function takes ``ax=None`` (a new figure is made when none is given) and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .._core.format import fig_num
from ._style import DIRECTION_COLORS, PALETTE, get_ax, publication_style

__all__ = ["plot_advocacy_quadrant", "plot_learning_direction_profile", "plot_score_distributions"]

_DIRECTIONS = ("upward", "lateral", "downward")
_QUADRANT_TITLES = {
    "instruction": "Instruction",
    "sponsorship": "Sponsorship",
    "support": "Support",
    "authentic_advocacy": "Authentic advocacy",
}


def plot_learning_direction_profile(
    means: pd.DataFrame,
    ax: Axes | None = None,
    *,
    title: str | None = "Learning-direction profile",
) -> Axes:
    """Mean of upward, lateral and downward learning direction with 95% CIs.

    Parameters
    ----------
    means : DataFrame
        ``[group,] direction, n, mean, ci_low, ci_high`` (``LearningDirectionProfile.means``).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = get_ax(ax, figsize=(5.0, 3.6))
    with publication_style():
        x = np.arange(len(_DIRECTIONS))
        if "group" in means.columns:
            groups = list(dict.fromkeys(means["group"].tolist()))
            width = 0.6 / max(len(groups), 1)
            for g_i, g in enumerate(groups):
                sub = means[means["group"] == g].set_index("direction").reindex(_DIRECTIONS)
                offset = (g_i - (len(groups) - 1) / 2) * width
                err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
                ax.errorbar(
                    x + offset,
                    sub["mean"],
                    yerr=err,
                    fmt="o",
                    color=PALETTE[g_i % len(PALETTE)],
                    capsize=3,
                    markersize=6,
                    label=str(g),
                )
            ax.legend(title=None, frameon=False, loc="best")
        else:
            sub = means.set_index("direction").reindex(_DIRECTIONS)
            for i, d in enumerate(_DIRECTIONS):
                m, lo, hi = sub.loc[d, ["mean", "ci_low", "ci_high"]]
                ax.errorbar(
                    [i],
                    [m],
                    yerr=[[m - lo], [hi - m]],
                    fmt="o",
                    color=DIRECTION_COLORS[d],
                    capsize=4,
                    markersize=7,
                )
                if np.isfinite(m):
                    ax.annotate(
                        fig_num(m, 2),
                        (i, m),
                        xytext=(8, 0),
                        textcoords="offset points",
                        va="center",
                        fontsize=8,
                    )
        ax.set_xticks(x, [d.capitalize() for d in _DIRECTIONS])
        ax.set_xlim(-0.6, len(_DIRECTIONS) - 0.4)
        ax.set_xlabel("Learning direction")
        ax.set_ylabel("Mean score (95% CI)")
        if title:
            ax.set_title(title)
    return ax


def plot_advocacy_quadrant(
    result: Any,
    ax: Axes | None = None,
    *,
    title: str | None = "Advocacy × authenticity",
    alpha: float = 0.45,
) -> Axes:
    """Scatter of advocacy × authenticity with the cut lines and the count in each quadrant.

    Parameters
    ----------
    result : AdvocacyQuadrantResult
        From :func:`learning_direction.advocacy_quadrant`.
    ax : matplotlib Axes, optional
    title : str, optional
    alpha : float
        Point transparency (scores are discrete, so points overlap).

    Returns
    -------
    matplotlib Axes
    """
    ax = get_ax(ax, figsize=(5.2, 4.6))
    t = result.table
    ok = t["quadrant"].notna().to_numpy()
    quads = list(_QUADRANT_TITLES)
    with publication_style():
        for q_i, q in enumerate(quads):
            sel = ok & (t["quadrant"].astype(object) == q).to_numpy()
            ax.scatter(
                t["advocacy"].to_numpy()[sel],
                t["authenticity"].to_numpy()[sel],
                s=14,
                alpha=alpha,
                color=PALETTE[q_i],
                edgecolor="none",
            )
        ax.axvline(result.cut_advocacy, color="0.35", lw=1, ls="--")
        ax.axhline(result.cut_authenticity, color="0.35", lw=1, ls="--")
        if result.response_range is not None:
            lo, hi = result.response_range
        else:
            vals = np.r_[
                t["advocacy"].to_numpy(dtype=float), t["authenticity"].to_numpy(dtype=float)
            ]
            vals = vals[np.isfinite(vals)]
            lo, hi = (vals.min(), vals.max()) if vals.size else (0.0, 1.0)
        span = hi - lo if hi > lo else 1.0
        # extra room above and below so the quadrant labels sit clear of the points
        ax.set_xlim(lo - 0.05 * span, hi + 0.05 * span)
        ax.set_ylim(lo - 0.13 * span, hi + 0.13 * span)
        counts = result.counts.set_index("quadrant")["n"]
        corners = {
            "instruction": (0.01, 0.01, "left", "bottom"),
            "sponsorship": (0.99, 0.01, "right", "bottom"),
            "support": (0.01, 0.99, "left", "top"),
            "authentic_advocacy": (0.99, 0.99, "right", "top"),
        }
        for q_i, q in enumerate(quads):
            x, y, ha, va = corners[q]
            ax.text(
                x,
                y,
                f"{_QUADRANT_TITLES[q]} (n = {int(counts.get(q, 0))})",
                transform=ax.transAxes,
                ha=ha,
                va=va,
                fontsize=8.5,
                color=PALETTE[q_i],
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.85},
            )
        ax.set_xlabel("Advocacy")
        ax.set_ylabel("Authenticity")
        if title:
            ax.set_title(title)
    return ax


def plot_score_distributions(
    scores: pd.DataFrame, ax: Axes | None = None, *, title: str | None = "Scale scores"
) -> Axes:
    """Horizontal box plots of every score column, mean marked with a diamond.

    Parameters
    ----------
    scores : DataFrame
        One column per score (``ScoreResult.scores``); NaN are left out per column.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    names = [str(c) for c in scores.columns]
    ax = get_ax(ax, figsize=(6.0, max(2.0, 0.45 * len(names) + 1.0)))
    data = [scores[c].dropna().to_numpy(dtype=float) for c in scores.columns]
    with publication_style():
        pos = np.arange(len(names))[::-1]
        nonempty = [i for i, d in enumerate(data) if d.size]
        if nonempty:
            ax.boxplot(
                [data[i] for i in nonempty],
                positions=pos[nonempty],
                orientation="horizontal",
                widths=0.55,
                patch_artist=True,
                boxprops={"facecolor": "#DDE8F3", "edgecolor": PALETTE[0]},
                medianprops={"color": PALETTE[0]},
                flierprops={"markersize": 3, "markerfacecolor": "0.5", "markeredgecolor": "none"},
            )
            ax.scatter(
                [data[i].mean() for i in nonempty],
                pos[nonempty],
                marker="D",
                color=PALETTE[1],
                s=22,
                zorder=3,
                label="mean",
            )
            ax.legend(frameon=False, loc="lower right", fontsize=8)
        ax.set_yticks(pos, names)
        ax.set_xlabel("Score")
        if title:
            ax.set_title(title)
    return ax
