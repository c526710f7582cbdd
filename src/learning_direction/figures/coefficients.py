"""Coefficient forest plot for one or several regression-type results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ..exceptions import DataValidationError
from ._style import PALETTE, get_ax, publication_style

__all__ = ["plot_coefficients"]


def _as_list(results: Any, labels: Sequence[str] | None) -> tuple[list[Any], list[str]]:
    if isinstance(results, Mapping):
        return list(results.values()), list(labels or results.keys())
    if isinstance(results, Sequence) and not isinstance(results, str):
        items = list(results)
        return items, list(labels or [f"Model {i + 1}" for i in range(len(items))])
    return [results], list(labels or [""])


def plot_coefficients(
    results: Any,
    ax: Axes | None = None,
    *,
    labels: Sequence[str] | None = None,
    include_intercept: bool = False,
    terms: Sequence[str] | None = None,
    odds_ratio: bool = False,
) -> Axes:
    """Forest plot: estimates with their confidence intervals, one row per term.

    Parameters
    ----------
    results : result, list of results or dict {label: result}
        Anything with a ``.table`` holding ``term, estimate, ci_low, ci_high`` (RegressionResult,
        LogitResult, MixedResult, ModerationResult). Several models are drawn side by side.
    ax : matplotlib Axes, optional
    labels : list of str, optional
        Legend labels of the models.
    include_intercept : bool
        Show the intercept (hidden by default: its scale usually dwarfs the slopes).
    terms : list of str, optional
        Terms to show, in this order (default: all, in table order).
    odds_ratio : bool
        For logistic results: plot odds ratios on a log axis with a reference line at 1.

    Returns
    -------
    matplotlib Axes
    """
    items, labels = _as_list(results, labels)
    if len(labels) != len(items):
        raise DataValidationError(f"labels has {len(labels)} entries for {len(items)} models")
    est_col, lo_col, hi_col = (
        ("odds_ratio", "or_ci_low", "or_ci_high")
        if odds_ratio
        else ("estimate", "ci_low", "ci_high")
    )
    tables = []
    for r in items:
        t = getattr(r, "table", None)
        if t is None or not {est_col, lo_col, hi_col, "term"} <= set(t.columns):
            raise DataValidationError(
                f"plot_coefficients needs results with a table of term, {est_col}, {lo_col}, "
                f"{hi_col}; got {type(r).__name__}"
            )
        tables.append(t)
    if terms is None:
        order: list[str] = []
        for t in tables:
            order += [x for x in t["term"] if x not in order]
        if not include_intercept:
            order = [x for x in order if x != "Intercept"]
    else:
        order = list(terms)
    if not order:
        raise DataValidationError("plot_coefficients: no terms to show (only an intercept?)")
    ax = get_ax(ax, figsize=(6.0, max(2.0, 0.45 * len(order) * max(1, len(items)) ** 0.5 + 1.2)))
    k = len(items)
    # first model on top, matching the legend order
    offsets = ((k - 1) / 2 - np.arange(k)) * (0.6 / max(k, 1)) if k > 1 else np.zeros(1)
    ypos = {term: len(order) - 1 - i for i, term in enumerate(order)}
    with publication_style():
        for j, (t, lab) in enumerate(zip(tables, labels, strict=True)):
            sub = t[t["term"].isin(order)]
            y = np.array([ypos[x] for x in sub["term"]]) + offsets[j]
            est = sub[est_col].to_numpy(float)
            lo, hi = sub[lo_col].to_numpy(float), sub[hi_col].to_numpy(float)
            ax.errorbar(
                est, y, xerr=[est - lo, hi - est], fmt="o", color=PALETTE[j % len(PALETTE)],
                ecolor=PALETTE[j % len(PALETTE)], elinewidth=1.5, capsize=3, markersize=5,
                label=lab or None,
            )  # fmt: skip
        ax.axvline(1.0 if odds_ratio else 0.0, color="0.4", linewidth=0.8, linestyle="--", zorder=0)
        if odds_ratio:
            ax.set_xscale("log")
        ax.set_yticks(list(ypos.values()), list(ypos.keys()))
        ax.set_ylim(-0.7, len(order) - 0.3)
        level = getattr(items[0], "ci_level", 0.95)
        what = "Odds ratio" if odds_ratio else "Estimate"
        ax.set_xlabel(f"{what} ({level:.0%} CI)")
        if k > 1 or (labels and labels[0]):
            ax.legend(frameon=False, loc="best")
    return ax
