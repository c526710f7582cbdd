"""The sensitivity plot of a mediation sensitivity analysis (:class:`SensitivityResult`).

:func:`plot_sensitivity` draws the indirect effect (ACME) against the sensitivity parameter
rho with its confidence band, the zero line and the rho at which the effect vanishes, as
R's ``plot.medsens`` does, in the toolkit's publication style.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.format import fig_num
from ._style import PALETTE, get_ax, publication_style

__all__ = ["plot_multilevel_sensitivity", "plot_sensitivity"]


def plot_sensitivity(result: Any, ax: Any = None, term: str | None = None) -> Any:
    """ACME(rho) with its CI band; the zero line; rho-tilde marked and labelled.

    Parameters
    ----------
    result : SensitivityResult
    ax : matplotlib Axes, optional
    term : str, optional
        With a categorical X, the term to draw (``"indirect:<m>[<level>]"``); default all.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.models.sensitivity import SensitivityInputs, mediation_sensitivity
    >>> raw = ld.load_dataset("study2a")
    >>> d = raw.join(ld.score(raw, ["learning_direction", "learning_opportunity",
    ...                             "mentor_engagement"]).scores)
    >>> sens = mediation_sensitivity(SensitivityInputs.from_arrays(
    ...     d[["downward", "upward", "lateral"]], d["learning_opportunity"],
    ...     d["mentor_engagement"], x_columns="downward"))
    >>> ax = plot_sensitivity(sens)
    >>> ax.get_xlabel()
    'Sensitivity parameter ρ (correlation of the M and Y errors)'
    """
    ax = get_ax(ax, figsize=(6.0, 4.0))
    # the range of the table's grid (medsens: |rho| <= .9): near |rho| = 1 the ACME diverges
    # and would flatten the informative middle of the curve
    edge = max(0.9, float(np.abs(result.table["rho"]).max()))
    curve = result.curve[np.abs(result.curve["rho"]) <= edge + 1e-9]
    if "term" in curve.columns:
        terms = list(dict.fromkeys(curve["term"]))
        if term is not None:
            if term not in terms:
                raise ValueError(f"term must be one of {terms}, got {term!r}")
            terms = [term]
    else:
        terms = [None]
    lvl = round(result.ci_level * 100)
    for i, t in enumerate(terms):
        sub = curve if t is None else curve[curve["term"] == t]
        color = PALETTE[i % len(PALETTE)]
        label = "Indirect effect" if t is None else t.split(":", 1)[-1]
        ax.fill_between(sub["rho"], sub["ci_low"], sub["ci_high"], color=color, alpha=0.2, lw=0)
        ax.plot(sub["rho"], sub["indirect"], color=color, lw=1.8, label=f"{label} ({lvl}% CI)")
    _finish(ax, result.rho_at_zero, edge)
    ax.set_ylabel(f"Indirect effect (ACME) via {result.mediator}")
    ax.set_title("Sensitivity of the indirect effect to unobserved M–Y confounding")
    ax.legend(frameon=False, loc="best", fontsize=8.5)
    return ax


def _finish(ax: Any, rt: float, edge: float) -> None:
    """Zero line, rho-tilde marked and labelled, rho = 0 dotted, limits and the x label."""
    ax.axhline(0, color="0.3", lw=0.9)
    ax.axvline(rt, color="0.4", ls="--", lw=1)
    left = rt < edge - 0.3
    ax.annotate(
        f"ρ̃ = {fig_num(rt, apa=True)}",
        xy=(rt, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(4 if left else -4, -4),
        textcoords="offset points",
        ha="left" if left else "right",
        va="top",
        fontsize=8.5,
        color="0.25",
    )
    ax.axvline(0, color="0.75", ls=":", lw=0.8)
    ax.set_xlim(-edge - 0.02, edge + 0.02)
    ax.set_xlabel("Sensitivity parameter ρ (correlation of the M and Y errors)")


def plot_multilevel_sensitivity(result: Any, ax: Any = None) -> Any:
    """One panel per level (within, between): the indirect effect against that level's rho.

    Parameters
    ----------
    result : MultilevelSensitivityResult
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes per level of ``result.levels`` (a single Axes for one level); default a new
        figure with the panels side by side.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> import learning_direction as ld
    >>> d = ld.load_dataset("study3")
    >>> d = d.join(ld.score(d, ["learning_direction", "mentor_engagement", "hireability"]).scores)
    >>> res = ld.multilevel_mediation(d, x="downward", m="mentor_engagement", y="hireability",
    ...                               cluster="mentor_id", covariates=["upward", "lateral"],
    ...                               method="umm", n_draws=1000, seed=1)
    >>> fig = plot_multilevel_sensitivity(ld.mediation_sensitivity(res))
    >>> [a.get_title() for a in fig.axes]
    ['Between clusters (2-2-1 design)']
    """
    levels = list(result.levels)
    if ax is None:
        import matplotlib.pyplot as plt

        with publication_style():
            fig, axes = plt.subplots(
                1, len(levels), figsize=(5.2 * len(levels), 4.0), layout="constrained"
            )
        axes = list(np.atleast_1d(axes))
        for a in axes:
            a.spines["top"].set_visible(False)
            a.spines["right"].set_visible(False)
    else:
        axes = list(np.atleast_1d(np.asarray(ax, dtype=object)))
        if len(axes) != len(levels):
            raise ValueError(
                f"ax must hold one Axes per level ({', '.join(levels)}), got {len(axes)}"
            )
        fig = axes[0].figure
    edge = max(0.9, float(np.abs(result.table["rho"]).max()))
    lvl = round(result.ci_level * 100)
    for i, (a, level) in enumerate(zip(axes, levels, strict=True)):
        sub = result.curve[
            (result.curve["level"] == level) & (np.abs(result.curve["rho"]) <= edge + 1e-9)
        ]
        color = PALETTE[i % len(PALETTE)]
        a.fill_between(sub["rho"], sub["ci_low"], sub["ci_high"], color=color, alpha=0.2, lw=0)
        a.plot(
            sub["rho"], sub["indirect"], color=color, lw=1.8, label=f"Indirect effect ({lvl}% CI)"
        )
        _finish(a, result.rho_at_zero[level], edge)
        a.set_xlabel(f"ρ {level} (correlation of the {level}-level M and Y errors)")
        a.set_ylabel(f"{level.capitalize()} indirect effect via {result.mediator}")
        a.set_title(f"{level.capitalize()} clusters ({result.design} design)")
        a.legend(frameon=False, loc="best", fontsize=8.5)
    return fig
