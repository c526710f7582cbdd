"""Dyadic figures: the APIM path diagram and the mutual-benefit bars."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch

from .._core.format import fig_num, stars
from ._style import PALETTE, get_ax, publication_style

__all__ = ["plot_apim", "plot_mutual_benefit"]


def _label(est: float, p: float, digits: int) -> str:
    return f"{fig_num(est, digits)}{stars(p)}"


_ACTOR, _PARTNER, _RESID = PALETTE[0], PALETTE[1], "0.35"
#: label boxes that keep the path coefficients readable over the arrows
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}


def _arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    color: str,
    rad: float = 0.0,
    both: bool = False,
    lw: float = 1.6,
    ls: str = "-",
) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="<|-|>" if both else "-|>",
            mutation_scale=12,
            color=color,
            lw=lw,
            linestyle=ls,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
            zorder=2,
        )
    )


def _path_label(ax: Axes, x: float, y: float, text: str, color: str, va: str) -> None:
    ax.text(x, y, text, ha="center", va=va, color=color, fontsize=9, bbox=_LABEL_BOX, zorder=4)


def _apim_boxes(ax: Axes, x: str, y: str, r1: Any, r2: Any) -> None:
    """Predictors left, outcomes right, the first role on top."""
    boxes = {
        "x1": (1.6, 4.8, f"{x}\n({r1})"),
        "x2": (1.6, 1.2, f"{x}\n({r2})"),
        "y1": (8.0, 4.8, f"{y}\n({r1})"),
        "y2": (8.0, 1.2, f"{y}\n({r2})"),
    }
    for bx, by, text in boxes.values():
        ax.text(
            bx,
            by,
            text,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.45", "facecolor": "white", "edgecolor": "0.25"},
            zorder=3,
        )


def _apim_paths(ax: Axes, tab: pd.DataFrame, r1: Any, r2: Any, digits: int) -> None:
    """Actor paths (horizontal), partner paths (crossing) and the residual correlation."""

    def lab(term: str) -> str:
        return _label(float(tab.at[term, "estimate"]), float(tab.at[term, "p_value"]), digits)

    for rr, yy in ((r1, 4.8), (r2, 1.2)):
        _arrow(ax, (2.95, yy), (6.65, yy), _ACTOR)
        _path_label(ax, 4.8, yy + 0.22, lab(f"actor_{rr}"), _ACTOR, "bottom")
    t = 0.25
    _arrow(ax, (2.95, 1.55), (6.65, 4.45), _PARTNER)
    _path_label(
        ax, 2.95 + t * 3.7, 1.55 + t * 2.9 - 0.05, lab(f"partner_{r2}_to_{r1}"), _PARTNER, "top"
    )
    _arrow(ax, (2.95, 4.45), (6.65, 1.55), _PARTNER)
    _path_label(
        ax, 2.95 + t * 3.7, 4.45 - t * 2.9 + 0.05, lab(f"partner_{r1}_to_{r2}"), _PARTNER, "bottom"
    )
    # residual correlation of the outcomes
    _arrow(ax, (9.15, 4.45), (9.15, 1.55), _RESID, rad=-0.45, both=True, lw=1.2)
    ax.text(
        10.05,
        3.0,
        f"r = {lab('residual_corr')}",
        ha="left",
        va="center",
        color=_RESID,
        fontsize=9,
        rotation=90,
        zorder=4,
    )
    for yy in (4.8, 1.2):  # residuals
        ax.annotate(
            "",
            xy=(9.05, yy),
            xytext=(9.55, yy),
            arrowprops={"arrowstyle": "-|>", "color": _RESID, "lw": 1.0},
        )


def _x_correlation(ax: Axes, result: Any, r1: Any, r2: Any, digits: int) -> None:
    """The correlation of the partners' predictors, from the pairwise data."""
    xa = result.pairs[f"{result.x}_{r1}"].to_numpy(float)
    xb = result.pairs[f"{result.x}_{r2}"].to_numpy(float)
    rx = float(np.corrcoef(xa, xb)[0, 1])
    _arrow(ax, (0.45, 4.45), (0.45, 1.55), _RESID, rad=0.45, both=True, lw=1.2, ls="--")
    ax.text(
        -0.15,
        3.0,
        f"r = {fig_num(rx, digits)}",
        ha="right",
        va="center",
        color=_RESID,
        fontsize=9,
        rotation=90,
    )


def plot_apim(
    result: Any, ax: Axes | None = None, digits: int = 2, show_x_corr: bool = True
) -> Axes:
    """Classic APIM diagram: predictors left, outcomes right, actor and partner paths.

    Parameters
    ----------
    result : APIMResult
        From :func:`learning_direction.apim`.
    ax : matplotlib Axes, optional
        Drawn on a new figure when not given.
    digits : int
        Decimals of the coefficients shown.
    show_x_corr : bool
        Also draw the correlation of the partners' predictors (from the pairwise data).

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Actor paths are horizontal (blue), partner paths cross (orange); the curved double-headed
    arrow on the right is the residual correlation of the outcomes. Stars: * p < .05,
    ** p < .01, *** p < .001 (Wald z-tests).

    Examples
    --------
    >>> res = ld.apim(dyads, x="learning_orientation", y="satisfaction")  # doctest: +SKIP
    >>> res.plot()                                                        # doctest: +SKIP
    """
    r1, r2 = result.roles
    ax = get_ax(ax, figsize=(6.4, 3.8))
    with publication_style():
        ax.set_xlim(-0.3, 10.5)
        ax.set_ylim(0, 6)
        ax.set_axis_off()
        _apim_boxes(ax, result.x, result.y, r1, r2)
        _apim_paths(ax, result.table.set_index("term"), r1, r2, digits)
        if show_x_corr and result.pairs is not None and len(result.pairs) > 2:
            _x_correlation(ax, result, r1, r2, digits)
        cons = [
            s
            for s, on in (
                ("equal actor", result.equal_actor),
                ("equal partner", result.equal_partner),
            )
            if on
        ]
        title = f"APIM ({result.method.upper()}, {result.n_dyads} dyads"
        title += (", " + ", ".join(cons) + ")") if cons else ")"
        ax.set_title(title)
        ax.text(
            5.0,
            -0.25,
            "blue: actor effects   orange: partner effects   * p<.05 ** p<.01 *** p<.001",
            ha="center",
            va="top",
            fontsize=8,
            color="0.3",
        )
    return ax


def plot_mutual_benefit(result: Any, ax: Axes | None = None) -> Axes:
    """Stacked horizontal bars of the mutual-benefit categories by group.

    Parameters
    ----------
    result : MutualBenefitResult
        From :func:`learning_direction.models.dyadic.mutual_benefit`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    tab = result.table
    groups = list(dict.fromkeys(tab["group"]))
    cats = list(result.categories)
    colors = [PALETTE[2], PALETTE[0], PALETTE[1], "0.7"]
    ax = get_ax(ax, figsize=(6.4, 1.2 + 0.55 * len(groups)))
    with publication_style():
        left = np.zeros(len(groups))
        for cat, color in zip(cats, colors):
            shares = np.array(
                [
                    float(tab.loc[(tab["group"] == g) & (tab["category"] == cat), "share"].iloc[0])
                    for g in groups
                ]
            )
            shares = np.nan_to_num(shares)
            ax.barh(
                range(len(groups)),
                shares,
                left=left,
                color=color,
                edgecolor="white",
                label=cat.replace("_", " "),
            )
            for i, (lo, s) in enumerate(zip(left, shares)):
                if s >= 0.07:
                    ax.text(
                        lo + s / 2,
                        i,
                        f"{s:.0%}",
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if color != "0.7" else "black",
                    )
            left = left + shares
        counts = tab.groupby("group", sort=False)["n"].sum()
        ax.set_yticks(range(len(groups)), [f"{g} (n={int(counts[g])})" for g in groups])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of dyads")
        ax.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    return ax
