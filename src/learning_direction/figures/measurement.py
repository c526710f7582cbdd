"""Measurement-model figures: standardized CFA loadings by factor.

Used by :meth:`learning_direction.CFAResult.plot`.
"""

from __future__ import annotations

import numpy as np

from ._style import PALETTE, fmt_num, get_ax, publication_style

__all__ = ["plot_loadings"]


def plot_loadings(result, ax=None):
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
    factors = list(dict.fromkeys(load["factor"]))
    n_rows = len(load) + max(len(factors) - 1, 0)
    ax = get_ax(ax, figsize=(7.0, max(2.5, 0.28 * n_rows + 1.2)))
    with publication_style():
        ypos: list[float] = []
        labels: list[str] = []
        y = 0.0
        for k, f in enumerate(factors):
            block = load[load["factor"] == f]
            ys = np.arange(len(block), dtype=float) + y
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
                    fmt_num(v, 2),
                    va="center",
                    ha="left" if v >= 0 else "right",
                    fontsize=8,
                )
            labels += [
                f"{i} (R)" if r else str(i) for i, r in zip(block["item"], block["reversed"])
            ]
            ypos += ys.tolist()
            y = ys[-1] + 2.0
        for ref in (0.5, 0.7):
            ax.axvline(ref, ls=":", lw=1.0, color="0.4")
        ax.set_yticks(ypos)
        ax.set_yticklabels(labels)
        ax.invert_yaxis()
        low = float(min(0.0, load["std_estimate"].min()))
        ax.set_xlim(low - 0.05 if low < 0 else 0.0, 1.08)
        ax.set_xlabel("Standardized loading")
        f = result.fit.iloc[0]
        ax.set_title(
            f"CFA of {result.instrument}: CFI = {f['cfi']:.3f}, RMSEA = {f['rmsea']:.3f}, "
            f"SRMR = {f['srmr']:.3f}",
            fontsize=10,
        )
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return ax
