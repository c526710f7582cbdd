"""Power curves of a simulated power analysis (:class:`~learning_direction.models.power.PowerResult`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes

from ._style import PALETTE, get_ax

__all__ = ["power_curve"]


def power_curve(
    result: Any,
    ax: Axes | None = None,
    effects: Sequence[str] | str | None = None,
    target: float | None = None,
) -> Axes:
    """Simulated power against sample size, with the confidence band of each power estimate.

    Parameters
    ----------
    result : PowerResult
    ax : matplotlib Axes, optional
    effects : list of str, optional
        Effects to draw (labels of ``result.table["effect"]``); default the headline effect.
        ``"all"`` draws every effect.
    target : float, optional
        Draw a horizontal reference line at this power (default: the result's target, or .80).

    Returns
    -------
    matplotlib Axes
    """
    ax = get_ax(ax, figsize=(6.0, 4.0))
    tab = result.table
    if effects == "all":
        chosen = list(dict.fromkeys(tab["effect"]))
    else:
        chosen = list(effects) if effects else [result.effect]
    for i, eff in enumerate(chosen):
        sub = result.curve(eff).dropna(subset=["power"])
        if not len(sub):
            continue
        color = PALETTE[i % len(PALETTE)]
        ax.fill_between(
            sub["n"], sub["power_ci_low"], sub["power_ci_high"], color=color, alpha=0.2, lw=0
        )
        ax.plot(sub["n"], sub["power"], marker="o", ms=4, color=color, label=eff)
    tgt = target if target is not None else (result.target if result.target is not None else 0.8)
    ax.axhline(tgt, color="0.4", ls="--", lw=1)
    ax.text(
        0.99,
        tgt - 0.02,
        f"power = {tgt:g}",
        transform=ax.get_yaxis_transform(),
        color="0.3",
        fontsize=8,
        ha="right",
        va="top",
    )
    if result.n_required is not None:
        ax.axvline(result.n_required, color="0.4", ls=":", lw=1)
        ax.annotate(
            f"n = {result.n_required}",
            xy=(result.n_required, 0.02),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=8,
            color="0.3",
        )
    clustered = result.design in ("2-1-1", "2-2-1")
    ax.set_xlabel("Mentors (clusters), n" if clustered else "Sample size (n)")
    ax.set_ylabel("Power")
    ax.set_ylim(0, 1.02)
    method = {"monte_carlo": "Monte Carlo CI", "percentile": "percentile bootstrap", "joint": "joint significance"}[result.method]  # fmt: skip
    ax.set_title(f"Power of the indirect effect ({result.design}, {method})")
    if len(chosen) > 1 or chosen[0] != "indirect:m":
        ax.legend(frameon=False, loc="lower right")
    return ax
