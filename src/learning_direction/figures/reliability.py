"""Item-level reliability figure: corrected item-total correlations and alpha-if-item-deleted.

Used by :meth:`learning_direction.ReliabilityResult.plot`.
"""

from __future__ import annotations

import numpy as np

from ._style import PALETTE, get_ax, publication_style

__all__ = ["plot_item_reliability"]


def plot_item_reliability(result, ax=None):
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
    subscales = list(dict.fromkeys(items["scale"]))
    n_rows = len(items) + max(len(subscales) - 1, 0)
    ax = get_ax(ax, figsize=(7.5, max(2.5, 0.28 * n_rows + 1.2)))
    with publication_style():
        ypos: list[float] = []
        labels: list[str] = []
        y = 0.0
        for k, sub in enumerate(subscales):
            block = items[items["scale"] == sub]
            color = PALETTE[k % len(PALETTE)]
            ys = np.arange(len(block), dtype=float) + y
            ax.barh(
                ys,
                block["r_drop"].fillna(0.0),
                height=0.65,
                color=color,
                alpha=0.85,
                label=sub if len(subscales) > 1 else "corrected item-total r",
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
            for item, rev in zip(block["item"], block["reversed"]):
                labels.append(f"{item} (R)" if rev else str(item))
            ypos.extend(ys.tolist())
            y = ys[-1] + 2.0
        ax.set_yticks(ypos)
        ax.set_yticklabels(labels)
        ax.invert_yaxis()
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
