"""The sensitivity plot of a mediation sensitivity analysis (:class:`SensitivityResult`).

:func:`plot_sensitivity` draws the indirect effect (ACME) against the sensitivity parameter
rho with its confidence band, the zero line and the rho at which the effect vanishes, as
R's ``plot.medsens`` does, in the toolkit's publication style.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._core.format import fig_num
from ._style import PALETTE, get_ax

__all__ = ["plot_sensitivity"]


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
    ax.axhline(0, color="0.3", lw=0.9)
    rt = result.rho_at_zero
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
    ax.set_ylabel(f"Indirect effect (ACME) via {result.mediator}")
    ax.set_title("Sensitivity of the indirect effect to unobserved M–Y confounding")
    ax.legend(frameon=False, loc="best", fontsize=8.5)
    return ax
