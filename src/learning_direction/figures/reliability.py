"""Item-level reliability figure: corrected item-total correlations and alpha-if-item-deleted.

Used by :meth:`learning_direction.ReliabilityResult.plot`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ._style import PALETTE, get_ax, item_blocks, label_item_rows, publication_style

if TYPE_CHECKING:
    from ..scales.reliability import ReliabilityResult

__all__ = ["plot_item_reliability"]


def plot_item_reliability(result: ReliabilityResult, ax: Axes | None = None) -> Axes:
    """Horizontal bars of corrected item-total r (``r_drop``) per item, grouped by subscale.

    Diamonds mark alpha if the item were deleted; a dashed line spans each subscale's items at
    its alpha, so a diamond right of the line flags an item whose removal would raise alpha.
    Reverse-keyed items are labelled with a trailing ``(R)``.

    Parameters
    ----------
    result : ReliabilityResult
        The result of :func:`learning_direction.reliability`.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure sized to the number of items is created when omitted.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> res = ld.reliability(df, "learning_direction")   # doctest: +SKIP
    >>> ax = res.plot()                                   # doctest: +SKIP
    """
    items = result.items
    table = result.table.set_index("scale")
    blocks, height = item_blocks(items, "scale")
    ax = get_ax(ax, figsize=(7.5, height))
    with publication_style():
        for k, (sub, group, ys) in enumerate(blocks):
            block = cast(pd.DataFrame, group)
            color = PALETTE[k % len(PALETTE)]
            ax.barh(
                ys,
                block["r_drop"].fillna(0.0),
                height=0.65,
                color=color,
                alpha=0.85,
                label=sub if len(blocks) > 1 else "corrected item-total r",
            )
            ax.scatter(
                block["alpha_if_deleted"],
                ys,
                marker="D",
                s=22,
                color="black",
                zorder=3,
                label="alpha if item deleted" if k == 0 else None,
            )
            alpha = table.loc[sub, "alpha"] if sub in table.index else np.nan
            if np.isfinite(alpha):
                ax.plot(
                    [alpha, alpha],
                    [ys[0] - 0.4, ys[-1] + 0.4],
                    ls="--",
                    lw=1.0,
                    color="0.35",
                    label="subscale alpha" if k == 0 else None,
                )
        label_item_rows(ax, blocks)
        low = min(
            0.0,
            float(
                np.nanmin(items[["r_drop", "alpha_if_deleted"]].to_numpy(dtype=float), initial=0.0)
            ),
        )
        ax.set_xlim(low - 0.02 if low < 0 else 0.0, 1.0)
        if low < 0:
            ax.axvline(0.0, color="0.6", lw=0.8)
        ax.set_xlabel("Corrected item-total r (bars); alpha if item deleted (diamonds)")
        ax.set_title(f"Item reliability: {result.instrument}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return ax
