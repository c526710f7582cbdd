"""Figures for experiments: condition means with confidence intervals over the raw data, and
relative (indirect) effects of each condition against the reference condition.

* :func:`plot_condition_means` -- one outcome: jittered raw scores per condition, the condition
  mean and its t-based confidence interval, with the mean printed next to it.
* :func:`plot_condition_panels` -- several outcomes side by side (one panel each).
* :func:`plot_relative_effects` -- forest plot of relative effects (e.g. relative indirect
  effects of each condition vs control) with their confidence intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from .._core.format import fig_num
from ..exceptions import DataValidationError
from ._style import PALETTE, get_ax, publication_style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "condition_means",
    "plot_condition_means",
    "plot_condition_panels",
    "plot_relative_effects",
]


def condition_means(
    data: pd.DataFrame,
    dv: str,
    condition: str,
    order: Sequence[str] | None = None,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Mean, SD, SE and t-based confidence interval of ``dv`` in each condition.

    Parameters
    ----------
    data : DataFrame
    dv, condition : str
        Outcome and condition columns. Rows missing either are left out.
    order : sequence of str, optional
        Conditions in display order (default: sorted).
    ci_level : float

    Returns
    -------
    DataFrame
        ``condition, n, mean, sd, se, ci_low, ci_high``.

    Notes
    -----
    :math:`\\bar y_j \\pm t_{1-\\alpha/2,\\,n_j-1}\\, s_j/\\sqrt{n_j}` (each condition's own SD,
    as ``t.test(y[g == j])$conf.int`` in R), so the interval does not assume equal variances.
    """
    for c in (dv, condition):
        if c not in data.columns:
            raise DataValidationError(f"condition_means needs column '{c}', not in the data")
    d = data[[condition, dv]].dropna()
    d = d.assign(**{condition: d[condition].astype(str)})
    levels = list(order) if order is not None else sorted(d[condition].unique())
    rows = []
    for lv in levels:
        y = d.loc[d[condition] == lv, dv].to_numpy(float)
        n = len(y)
        m = float(y.mean()) if n else np.nan
        sd = float(y.std(ddof=1)) if n > 1 else np.nan
        se = sd / np.sqrt(n) if n > 1 else np.nan
        crit = stats.t.ppf(0.5 + ci_level / 2, n - 1) if n > 1 else np.nan
        rows.append(
            {
                "condition": lv,
                "n": n,
                "mean": m,
                "sd": sd,
                "se": se,
                "ci_low": m - crit * se,
                "ci_high": m + crit * se,
            }
        )
    return pd.DataFrame(rows)


def plot_condition_means(
    data: pd.DataFrame,
    dv: str,
    condition: str,
    *,
    order: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    ci_level: float = 0.95,
    jitter: float = 0.12,
    seed: int = 0,
    ylim: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Raw scores (jittered points) with each condition's mean and confidence interval.

    Parameters
    ----------
    data : DataFrame
    dv, condition : str
        Outcome and condition columns.
    order : sequence of str, optional
        Conditions from left to right (default: sorted).
    labels : mapping, optional
        Condition -> tick label.
    ylabel, title : str, optional
    ci_level : float
        Level of the t-based interval of each mean (see :func:`condition_means`).
    jitter : float
        Half-width of the horizontal jitter of the raw points.
    seed : int
        Seed of the jitter (same seed -> identical figure).
    ylim : (float, float), optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import learning_direction as ld
    >>> d = ld.load_dataset("study4")
    >>> d = d.join(ld.score(d, "manipulation_check").scores)
    >>> ax = plot_condition_means(d, "manipulation_check", "condition")   # doctest: +SKIP
    """
    tab = condition_means(data, dv, condition, order, ci_level)
    labels = dict(labels or {})
    ax = get_ax(ax, figsize=(4.2, 3.8))
    rng = np.random.default_rng(seed)
    d = data[[condition, dv]].dropna()
    cond = d[condition].astype(str).to_numpy()
    for i, row in enumerate(tab.itertuples()):
        y = d.loc[cond == row.condition, dv].to_numpy(float)
        x = i + rng.uniform(-jitter, jitter, len(y))
        ax.scatter(
            x,
            y,
            s=9,
            color=PALETTE[i % len(PALETTE)],
            alpha=0.35,
            linewidths=0,
            zorder=1,
        )
        ax.errorbar(
            i + 0.3,
            row.mean,
            yerr=[[row.mean - row.ci_low], [row.ci_high - row.mean]],
            fmt="o",
            color="#222222",
            markersize=6,
            capsize=4,
            lw=1.5,
            zorder=3,
        )
        ax.text(
            i + 0.38,
            row.mean,
            fig_num(row.mean, 2),
            va="center",
            ha="left",
            fontsize=8,
            color="#222222",
            zorder=4,
        )
    ax.set_xticks(range(len(tab)), [labels.get(c, c) for c in tab["condition"]])
    ax.set_xlim(-0.5, len(tab) - 0.5 + 0.35)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel or dv)
    if title:
        ax.set_title(title)
    ax.text(
        1.0,
        -0.16 if len(tab) > 2 else -0.14,
        f"dots: raw scores; black: mean with {100 * ci_level:g}% CI",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        color="#555555",
    )
    return ax


def plot_condition_panels(
    data: pd.DataFrame,
    dvs: Sequence[str],
    condition: str,
    *,
    order: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    dv_labels: Mapping[str, str] | None = None,
    ci_level: float = 0.95,
    ylim: tuple[float, float] | None = None,
    seed: int = 0,
    suptitle: str | None = None,
) -> Figure:
    """One :func:`plot_condition_means` panel per outcome, side by side.

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    dv_labels = dict(dv_labels or {})
    with publication_style():
        fig, axes = plt.subplots(
            1,
            len(dvs),
            figsize=(3.6 * len(dvs), 3.9),
            layout="constrained",
            sharey=ylim is not None,
        )
    axes = np.atleast_1d(axes)
    for ax, dv in zip(axes, dvs, strict=True):
        ax.spines["top"].set_visible(False)
        ax.spines["right"].set_visible(False)
        plot_condition_means(
            data,
            dv,
            condition,
            order=order,
            labels=labels,
            ylabel=dv_labels.get(dv, dv),
            title=dv_labels.get(dv, dv),
            ci_level=ci_level,
            seed=seed,
            ylim=ylim,
            ax=ax,
        )
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return fig


def plot_relative_effects(
    table: pd.DataFrame,
    *,
    label: str = "term",
    xlabel: str = "effect with 95% CI",
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot of relative effects (one row per condition vs the reference).

    Parameters
    ----------
    table : DataFrame
        Rows with ``estimate, ci_low, ci_high`` and a label column.
    label : str
        Column holding the row labels (top to bottom in table order).
    xlabel, title : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    for c in (label, "estimate", "ci_low", "ci_high"):
        if c not in table.columns:
            raise DataValidationError(f"plot_relative_effects needs column '{c}' in the table")
    n = len(table)
    ax = get_ax(ax, figsize=(6.0, 1.2 + 0.7 * n))
    y = np.arange(n)[::-1]
    est = table["estimate"].to_numpy(float)
    lo = table["ci_low"].to_numpy(float)
    hi = table["ci_high"].to_numpy(float)
    excl = (lo > 0) | (hi < 0)
    colors = [PALETTE[2] if e else PALETTE[0] for e in excl]
    ax.hlines(y, lo, hi, color=colors, lw=2.2, zorder=2)
    ax.scatter(est, y, color=colors, s=40, zorder=3)
    ax.axvline(0.0, color="#555555", lw=1, ls="--", zorder=1)
    # estimate [CI] in a column right of the plot, so no text crosses a line or the zero mark
    for yi, e, a, b in zip(y, est, lo, hi, strict=True):
        ax.text(
            1.02,
            yi,
            f"{fig_num(e, 2)} [{fig_num(a, 2)}, {fig_num(b, 2)}]",
            fontsize=8.5,
            va="center",
            ha="left",
            color="#222222",
            transform=ax.get_yaxis_transform(),
            zorder=4,
        )
    ax.set_yticks(y, table[label].astype(str).tolist())
    ax.set_ylim(-0.7, n - 0.2)
    span = np.nanmax(hi) - np.nanmin(lo)
    ax.set_xlim(min(np.nanmin(lo), 0) - 0.1 * span, max(np.nanmax(hi), 0) + 0.1 * span)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax
