"""Publication defaults shared by every figure: palette, fonts, axes helper and saving.

The palette is Okabe & Ito's colour-blind-safe set. Every figure function takes ``ax=None``;
:func:`get_ax` creates a figure of a sensible size when none is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler

from .._core.format import MINUS  # the typographic minus of figure text (as the tick labels)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

#: Rows of a per-item chart: (group value, the group's rows, their y positions).
ItemBlock = tuple[object, pd.DataFrame, np.ndarray]

__all__ = [
    "DIRECTION_COLORS",
    "MINUS",
    "PALETTE",
    "get_ax",
    "item_blocks",
    "label_item_rows",
    "publication_style",
    "save_figure",
    "text_size",
]

# Okabe & Ito (2008) colour-blind-safe palette
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
DIRECTION_COLORS = {
    "upward": "#0072B2",
    "lateral": "#E69F00",
    "downward": "#009E73",
    "up": "#0072B2",
    "down": "#009E73",
}

_RC: dict[RcKeyType, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
    # stable element ids, so saving the same figure twice gives byte-identical SVG files
    "svg.hashsalt": "learning_direction",
    "axes.unicode_minus": True,
    "pdf.fonttype": 42,
}


@contextmanager
def publication_style() -> Iterator[None]:
    """Context manager applying the toolkit's matplotlib defaults.

    Notes
    -----
    Only the settings it applies are restored on exit, unlike ``matplotlib.rc_context``, which
    restores every setting. The difference matters in Jupyter: the first figure of a session
    loads the inline backend, which switches matplotlib to interactive mode (``interactive``
    set to True) so that each cell's new figures are queued and shown when the cell ends. Were
    that first figure created inside ``rc_context``, leaving the context would switch
    interactive mode off again, and from then on no figure of the session would show (the
    inline backend queues figures only in interactive mode). Settings that anything else
    changes inside the context are therefore kept.
    """
    saved = {key: mpl.rcParams[key] for key in _RC}
    try:
        mpl.rcParams.update(_RC)
        yield
    finally:
        mpl.rcParams.update(saved)


def get_ax(ax: Axes | None = None, figsize: tuple[float, float] = (6.0, 4.0)) -> Axes:
    """Return ``ax`` or a new Axes on a new figure styled with the publication defaults."""
    if ax is not None:
        return ax
    with publication_style():
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    for key, value in _RC.items():
        if key.startswith(("axes.spines",)):
            side = key.rsplit(".", 1)[-1]
            ax.spines[side].set_visible(bool(value))
    return ax


def save_figure(
    fig: Figure | Axes, path: str | Path, formats: Iterable[str] = ("png", "svg")
) -> list[Path]:
    """Save ``fig`` as 300-dpi PNG plus vector formats; returns the written paths.

    ``path`` is given without extension (an extension, if present, is replaced).

    Notes
    -----
    Reproducible output: saving the same figure twice gives byte-identical files. Time stamps and
    software versions are left out of the metadata, SVG element ids are hashed with a fixed salt
    (``svg.hashsalt``) and the layout is computed once and rounded before the files are written
    (a constrained layout otherwise moves axes by ~1e-16 between draws, which changes the ids).
    PDF files carry no creation date either.
    """
    base = Path(path)
    if base.suffix in {".png", ".svg", ".pdf"}:
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    # an Axes may be passed: save its figure
    figure = cast("Figure", fig if hasattr(fig, "savefig") else fig.figure)
    written = []
    with publication_style():
        engine = figure.get_layout_engine()
        frozen = []
        if engine is not None:
            figure.draw_without_rendering()
            frozen = [(ax, ax.get_position(), ax.get_in_layout()) for ax in figure.axes]
            figure.set_layout_engine("none")
            for ax, pos, in_layout in frozen:
                x0, y0, w, h = (round(float(v), 9) for v in pos.bounds)
                ax.set_position((x0, y0, w, h))
                ax.set_in_layout(in_layout)
        try:
            for fmt in formats:
                out = base.with_suffix(f".{fmt}")
                metadata = {
                    "svg": {"Date": None},
                    "png": {"Software": None},
                    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None},
                }.get(fmt, {})
                figure.savefig(out, format=fmt, dpi=300, bbox_inches="tight", metadata=metadata)
                written.append(out)
        finally:
            if engine is not None:
                figure.set_layout_engine(engine)
    return written


def text_size(text: str, fontsize: float) -> tuple[float, float]:
    """Width and height (inches) of ``text`` (may hold newlines) at ``fontsize`` points.

    Measured with matplotlib's own font metrics (no renderer needed); line spacing 1.2.
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=fontsize)
    t2p = TextToPath()
    lines = str(text).split("\n")
    width = max(t2p.get_text_width_height_descent(ln or " ", prop, ismath=False)[0] for ln in lines)
    height = fontsize * (1.2 * (len(lines) - 1) + 1.0)
    return width / 72.0, height / 72.0


def item_blocks(frame: pd.DataFrame, group: str) -> tuple[list[ItemBlock], float]:
    """Lay out item rows grouped by ``frame[group]`` for a horizontal per-item chart.

    Groups keep their order of appearance; the items of a group sit one unit apart and a blank
    row separates two groups.

    Returns
    -------
    blocks : list of (group value, rows of ``frame``, y positions)
    height : float
        A figure height (inches) that fits every row.
    """
    groups = list(dict.fromkeys(frame[group]))
    blocks: list[ItemBlock] = []
    y = 0.0
    for g in groups:
        block = frame[frame[group] == g]
        ys = np.arange(len(block), dtype=float) + y
        blocks.append((g, block, ys))
        y = ys[-1] + 2.0
    n_rows = len(frame) + max(len(groups) - 1, 0)
    return blocks, max(2.5, 0.28 * n_rows + 1.2)


def label_item_rows(ax: Axes, blocks: Sequence[ItemBlock]) -> None:
    """Label the rows of :func:`item_blocks` by ``item`` (``" (R)"`` if ``reversed``), top down."""
    ypos: list[float] = []
    labels: list[str] = []
    for _, block, ys in blocks:
        labels += [f"{i} (R)" if r else str(i) for i, r in zip(block["item"], block["reversed"])]
        ypos += ys.tolist()
    ax.set_yticks(ypos)
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
