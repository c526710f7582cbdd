"""Moderation figures: Johnson-Neyman plot and simple slopes (PROCESS model 1)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ._style import MINUS, PALETTE, get_ax, publication_style

__all__ = ["plot_johnson_neyman", "plot_simple_slopes"]


def plot_johnson_neyman(
    result: Any, ax: Axes | None = None, *, n_points: int = 200, rug: bool = True
) -> Axes:
    """Conditional effect of x across the observed range of w, with its CI band and JN lines.

    Parameters
    ----------
    result : ModerationResult
    ax : matplotlib Axes, optional
    n_points : int
        Grid size along w.
    rug : bool
        Mark the observed values of w along the bottom.

    Returns
    -------
    matplotlib Axes
    """
    ax = get_ax(ax)
    wmin, wmax = result.w_range
    grid = np.linspace(wmin, wmax, n_points)
    ce = result.conditional_effect(grid)
    alpha = 1 - result.ci_level
    sig = (ce["p_value"] < alpha).to_numpy()
    with publication_style():
        ax.fill_between(
            grid, ce["ci_low"], ce["ci_high"], color=PALETTE[0], alpha=0.2, linewidth=0,
            label=f"{result.ci_level:.0%} CI",
        )  # fmt: skip
        ax.plot(grid, ce["effect"], color=PALETTE[0], linewidth=2, label="Conditional effect")
        if sig.any() and not sig.all():
            ax.plot(grid, np.where(sig, ce["effect"], np.nan), color=PALETTE[5], linewidth=2.5,
                    label=f"p < {alpha:.2g}")  # fmt: skip
        ax.axhline(0, color="0.4", linewidth=0.8, linestyle="--")
        inside = [b for b in result.jn if wmin <= b <= wmax]
        for b in inside:
            ax.axvline(b, color=PALETTE[5], linewidth=1, linestyle=":")
            ax.annotate(
                f"JN = {b:.3g}".replace("-", MINUS), xy=(b, 1.0), xycoords=("data", "axes fraction"),
                xytext=(3, -12), textcoords="offset points", fontsize=8, color=PALETTE[5],
            )  # fmt: skip
        if rug and getattr(result, "w_values", None) is not None:
            ax.plot(
                np.unique(result.w_values), np.zeros(len(np.unique(result.w_values))), "|",
                color="0.3", markersize=8, transform=ax.get_xaxis_transform(),
            )  # fmt: skip
        ax.set_xlabel(f"{result.w} (moderator)")
        ax.set_ylabel(f"Effect of {result.x} on {result.y}")
        ax.set_xlim(wmin, wmax)
        ax.legend(frameon=False, loc="best")
        if not inside:
            ax.set_title("No Johnson-Neyman boundary within the observed range", fontsize=9)
    return ax


def plot_simple_slopes(result: Any, ax: Axes | None = None, *, band: bool = True) -> Axes:
    """Predicted y across x at each probe value of w (covariates at their means).

    Parameters
    ----------
    result : ModerationResult
    ax : matplotlib Axes, optional
    band : bool
        Draw the confidence band of each predicted line.

    Returns
    -------
    matplotlib Axes
    """
    ax = get_ax(ax)
    with publication_style():
        for i, ((wv, lab), sub) in enumerate(result.slopes.groupby(["w", "label"], sort=False)):
            color = PALETTE[i % len(PALETTE)]
            name = (
                f"{result.w} = "
                + f"{wv:.3g}".replace("-", MINUS)
                + (f" ({lab})" if lab and not lab.startswith(result.w) else "")
            )
            ax.plot(sub["x"], sub["predicted"], color=color, linewidth=2, label=name)
            if band:
                ax.fill_between(sub["x"], sub["ci_low"], sub["ci_high"], color=color, alpha=0.15,
                                linewidth=0)  # fmt: skip
        ax.set_xlabel(result.x)
        ax.set_ylabel(f"Predicted {result.y}")
        ax.legend(frameon=False, loc="best", title=f"Moderator: {result.w}")
    return ax
