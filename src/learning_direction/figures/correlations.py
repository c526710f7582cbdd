"""Correlation heatmap (lower triangle, annotated, diverging colour-blind-safe map)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._core.format import fig_num, stars
from ._style import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["correlation_heatmap"]


def correlation_heatmap(
    corr: pd.DataFrame,
    p_values: pd.DataFrame | None = None,
    ax: Axes | None = None,
    annotate: bool = True,
    title: str | None = None,
) -> Axes:
    """Heatmap of a correlation matrix (lower triangle), annotated with r and stars.

    Parameters
    ----------
    corr : DataFrame
        Square correlation matrix with matching index and columns.
    p_values : DataFrame, optional
        Matrix of p values; adds significance stars to the annotations.
    ax : matplotlib Axes, optional
    annotate : bool
        Write the coefficient in every cell.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import seaborn as sns

    k = corr.shape[0]
    ax = get_ax(ax, figsize=(1.0 + 0.75 * k, 0.8 + 0.6 * k))
    mask = np.triu(np.ones((k, k), dtype=bool), k=1)
    labels = None
    if annotate:
        labels = np.empty((k, k), dtype=object)
        for i in range(k):
            for j in range(k):
                v = corr.iat[i, j]
                s = "" if v != v else fig_num(v, 2, apa=True)
                if p_values is not None and i != j:
                    s += stars(p_values.iat[i, j])
                labels[i, j] = s
    sns.heatmap(
        corr,
        mask=mask,
        vmin=-1,
        vmax=1,
        cmap="RdBu_r",
        center=0,
        square=True,
        annot=labels if annotate else False,
        fmt="",
        annot_kws={"size": 8},
        linewidths=0.5,
        cbar_kws={"shrink": 0.7, "label": "r"},
        ax=ax,
    )
    ax.tick_params(axis="x", labelrotation=45)
    for lab in ax.get_xticklabels():
        lab.set_horizontalalignment("right")
    ax.tick_params(axis="y", labelrotation=0)
    if title:
        ax.set_title(title)
    return ax
