"""Publication defaults shared by every figure: palette, fonts, axes helper and saving.

The palette is Okabe & Ito's colour-blind-safe set. Every figure function takes ``ax=None``;
:func:`get_ax` creates a figure of a sensible size when none is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["DIRECTION_COLORS", "PALETTE", "get_ax", "publication_style", "save_figure", "sig_stars"]

# Okabe & Ito (2008) colour-blind-safe palette
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DIRECTION_COLORS = {
    "upward": "#0072B2",
    "lateral": "#E69F00",
    "downward": "#009E73",
    "up": "#0072B2",
    "down": "#009E73",
}

_RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


def publication_style():
    """Context manager applying the toolkit's matplotlib defaults."""
    return mpl.rc_context(_RC)


def get_ax(ax=None, figsize=(6.0, 4.0)):
    """Return ``ax`` or a new Axes on a new figure styled with the publication defaults."""
    if ax is not None:
        return ax
    with publication_style():
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    for key, value in _RC.items():
        if key.startswith(("axes.spines",)):
            side = key.rsplit(".", 1)[-1]
            ax.spines[side].set_visible(value)
    return ax


def save_figure(fig, path: str | Path, formats: Iterable[str] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as 300-dpi PNG plus vector formats; returns the written paths.

    ``path`` is given without extension (an extension, if present, is replaced).
    """
    base = Path(path)
    if base.suffix in {".png", ".svg", ".pdf"}:
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with publication_style():
        for fmt in formats:
            out = base.with_suffix(f".{fmt}")
            metadata = (
                {"Date": None} if fmt == "svg" else ({"Software": None} if fmt == "png" else {})
            )
            fig.savefig(out, format=fmt, dpi=300, bbox_inches="tight", metadata=metadata)
            written.append(out)
    return written


def sig_stars(p: float) -> str:
    """APA-style significance marks: * p < .05, ** p < .01, *** p < .001."""
    if p != p:
        return ""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    return ""
