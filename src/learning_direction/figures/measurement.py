"""Measurement-model figures: standardized CFA loadings by factor.

Used by :meth:`learning_direction.CFAResult.plot`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pandas as pd
from matplotlib.axes import Axes

from .._core.format import fig_num
from ._style import PALETTE, get_ax, item_blocks, label_item_rows, publication_style

if TYPE_CHECKING:
    from ..scales.cfa import CFAResult

__all__ = ["plot_loadings"]


def plot_loadings(result: CFAResult, ax: Axes | None = None) -> Axes:
    """Horizontal bars of standardized loadings (lavaan's ``std.all``), grouped by factor.

    Dotted reference lines mark .50 and .70, the usual minimum and target loadings.
    Reverse-keyed items are labelled with a trailing ``(R)``.

    Parameters
    ----------
    result : CFAResult
        The result of :func:`learning_direction.cfa`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure sized to the number of items is created when omitted.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> res = ld.cfa(df, "learning_direction")   # doctest: +SKIP
    >>> ax = res.plot()                           # doctest: +SKIP
    """
    load = result.table
    blocks, height = item_blocks(load, "factor")
    ax = get_ax(ax, figsize=(7.0, height))
    with publication_style():
        for k, (f, group, ys) in enumerate(blocks):
            block = cast(pd.DataFrame, group)
            ax.barh(
                ys,
                block["std_estimate"],
                height=0.65,
                color=PALETTE[k % len(PALETTE)],
                alpha=0.9,
                label=f,
            )
            for yy, v in zip(ys, block["std_estimate"]):
                ax.text(
                    v + 0.01 if v >= 0 else v - 0.01,
                    yy,
                    fig_num(v, 2),
                    va="center",
                    ha="left" if v >= 0 else "right",
                    fontsize=8,
                )
        for ref in (0.5, 0.7):
            ax.axvline(ref, ls=":", lw=1.0, color="0.4")
        label_item_rows(ax, blocks)
        low = float(min(0.0, load["std_estimate"].min()))
        ax.set_xlim(low - 0.05 if low < 0 else 0.0, 1.08)
        ax.set_xlabel("Standardized loading")
        f = result.fit.iloc[0]
        ax.set_title(
            f"CFA of {result.instrument}: CFI = {fig_num(f['cfi'], 3)}, "
            f"RMSEA = {fig_num(f['rmsea'], 3)}, SRMR = {fig_num(f['srmr'], 3)}",
            fontsize=10,
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return ax
