"""Figures of the evaluator workflow: score distributions by group and response rates.

Every function takes ``ax=None`` (a new figure is made when none is given) and returns the Axes.
Group names and labels come from user data: they are drawn as plain text (``$`` is escaped so
that matplotlib never interprets them as mathtext).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError
from . import _style
from ._style import PALETTE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# figures/_style.py is not annotated yet: typed handles on the two helpers used here
_get_ax: Callable[..., Axes] = _style.get_ax
_publication_style: Callable[[], AbstractContextManager[Any]] = _style.publication_style

__all__ = ["plain_label", "plot_distributions_by_group", "plot_response_rates"]


def plain_label(text: object, width: int = 28) -> str:
    """User text safe for a matplotlib label: ``$`` escaped, shortened to ``width`` characters."""
    s = " ".join(str(text).split())
    if len(s) > width:
        s = s[: width - 1] + "…"
    return s.replace("\\", "\\\\").replace("$", r"\$")


def plot_distributions_by_group(
    scores: pd.DataFrame,
    group: pd.Series | None = None,
    ax: Axes | None = None,
    *,
    score_names: Sequence[str] | None = None,
    labels: dict[str, str] | None = None,
    scale_range: tuple[float, float] | None = None,
    group_title: str = "group",
    title: str | None = None,
) -> Axes:
    """Box plots of several scale scores, one box per group level side by side.

    Parameters
    ----------
    scores : DataFrame
        One row per respondent, one column per score.
    group : Series, optional
        Group of each row (same index as ``scores``); rows with a missing group are left out of
        the figure. ``None`` draws one box per score.
    ax : matplotlib Axes, optional
    score_names : sequence of str, optional
        Scores to draw, in order (default: every column).
    labels : dict, optional
        Score name -> label for the x axis.
    scale_range : (min, max), optional
        Response range; sets the y limits (e.g. ``(1, 7)``).
    group_title : str
        Legend title.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Boxes show the median and quartiles, whiskers 1.5 IQR, a white diamond the mean. The
    equivalent in R is ``ggplot(long, aes(score, value, fill = cohort)) + geom_boxplot()``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4.0], "b": [2, 3, 4, 5.0]})
    >>> ax = plot_distributions_by_group(df, pd.Series(["x", "x", "y", "y"]))  # doctest: +SKIP
    """
    names = list(score_names) if score_names is not None else [str(c) for c in scores.columns]
    missing = [n for n in names if n not in scores.columns]
    if missing:
        raise DataValidationError(f"scores to plot not in the data: {missing}")
    if not names:
        raise DataValidationError("no scores to plot; give at least one score column")
    labels = dict(labels or {})
    if group is None:
        g = pd.Series("all", index=scores.index)
    else:
        g = pd.Series(group, index=scores.index) if not isinstance(group, pd.Series) else group
    levels = [lv for lv in dict.fromkeys(g.dropna().tolist())]
    try:
        levels = sorted(levels, key=lambda v: (str(type(v)), v))
    except TypeError:  # pragma: no cover - mixed, unorderable levels
        levels = sorted(levels, key=str)
    width_total = max(7.0, 1.1 * len(names) * max(1, len(levels)) * 0.55 + 1.5)
    ax = _get_ax(ax, figsize=(min(width_total, 11.0), 4.0))
    with _publication_style():
        x = np.arange(len(names), dtype=float)
        handles = _draw_boxes(ax, scores, g, names, levels, x)
        ax.set_xticks(x)
        ax.set_xticklabels([textwrap.fill(plain_label(labels.get(n, n), 40), 13) for n in names])
        ax.set_ylabel("score")
        if scale_range is not None:
            lo, hi = scale_range
            ax.set_ylim(lo - 0.3, hi + 0.3)
            ax.set_yticks(np.arange(np.ceil(lo), np.floor(hi) + 1))
        ax.yaxis.grid(True, color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if group is not None and handles:
            ax.legend(
                [h for h, _ in handles],
                [lab for _, lab in handles],
                title=plain_label(group_title),
                loc="upper left",
                bbox_to_anchor=(1.0, 1.0),
                frameon=False,
            )
        if title:
            ax.set_title(plain_label(title, 80))
    return ax


def _draw_boxes(
    ax: Axes,
    scores: pd.DataFrame,
    g: pd.Series,
    names: list[str],
    levels: list[Any],
    x: np.ndarray,
) -> list[tuple[Any, str]]:
    """One box per score and group level, the levels side by side; returns legend handles."""
    n_lv = max(1, len(levels))
    width = 0.8 / n_lv
    handles = []
    for k, lv in enumerate(levels):
        color = PALETTE[k % len(PALETTE)]
        data, pos = [], []
        for j, name in enumerate(names):
            v = scores.loc[g == lv, name].dropna().to_numpy(dtype=float)
            if len(v):
                data.append(v)
                pos.append(x[j] + (k - (n_lv - 1) / 2) * width)
        if not data:
            continue
        bp = ax.boxplot(
            data,
            positions=pos,
            widths=width * 0.85,
            patch_artist=True,
            showmeans=True,
            manage_ticks=False,
            meanprops={
                "marker": "D",
                "markerfacecolor": "white",
                "markeredgecolor": "black",
                "markersize": 4,
            },
            medianprops={"color": "black"},
            flierprops={
                "marker": "o",
                "markersize": 3,
                "markerfacecolor": color,
                "markeredgecolor": color,
                "alpha": 0.6,
            },
        )
        for box in bp["boxes"]:
            box.set_facecolor(color)
            box.set_alpha(0.75)
        handles.append((bp["boxes"][0], plain_label(lv)))
    return handles


def plot_response_rates(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    level: str = "level",
    responses: str = "responses",
    invited: str = "invited",
    title: str | None = None,
) -> Axes:
    """Horizontal bars of the response rate per group level, labelled ``n / invited (rate)``.

    Parameters
    ----------
    table : DataFrame
        One row per group level with the columns named by ``level``, ``responses`` and
        ``invited`` (rows with no invited count are drawn as the count only, without a bar).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    rate = responses / invited. R: ``ggplot(t, aes(rate, level)) + geom_col()``.
    """
    for col in (level, responses, invited):
        if col not in table.columns:
            raise DataValidationError(f"response-rate table needs a '{col}' column")
    n = len(table)
    ax = _get_ax(ax, figsize=(6.5, max(1.6, 0.45 * n + 1.0)))
    with _publication_style():
        y = np.arange(n)[::-1]
        resp = pd.to_numeric(table[responses], errors="coerce").to_numpy(dtype=float)
        inv = pd.to_numeric(table[invited], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(inv > 0, resp / inv, np.nan)
        # the axis ends at 100%: a rate above it (more responses than invited, a config
        # error the report warns about) fills the bar and its label gives the number
        ax.barh(y, np.minimum(np.nan_to_num(rate), 1.0), color=PALETTE[0], alpha=0.85, height=0.6)
        for yi, r, n_r, n_i in zip(y, rate, resp, inv):
            if np.isnan(n_r):
                text = "suppressed (small group)"
            elif np.isnan(n_i):
                text = f"{n_r:.0f} (no invited count)"
            else:
                text = f"{n_r:.0f} / {n_i:.0f} ({100 * r:.0f}%)"
            inside = not np.isnan(r) and r > 0.55  # long bars carry their label inside
            x = (0 if np.isnan(r) else min(r, 1.0)) + (-0.02 if inside else 0.02)
            ax.text(
                x,
                yi,
                text,
                va="center",
                ha="right" if inside else "left",
                color="white" if inside else "black",
                fontsize=9,
            )
        ax.set_yticks(y)
        ax.set_yticklabels([plain_label(v) for v in table[level]])
        ax.set_xlim(0, 1.0)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.set_xticklabels(["0%", "25%", "50%", "75%", "100%"])
        ax.set_xlabel("response rate")
        if title:
            ax.set_title(plain_label(title, 80))
    return ax
