"""What the report sections share: fitted models and their tables, formula terms, figures."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..._core.format import fmt_p
from .. import text
from .._capture import captured

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ...reporting.html import Section
    from ..output import Output
    from ..prepare import Prepared

__all__ = ["Fit", "fit", "label", "model_table", "new_figure", "record", "row", "shown", "term"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Fit:
    """A fitted model, the warnings it raised, and what the appendix says about its rows.

    ``record`` names the model in the appendix's "Models: rows used"; ``data_rows`` is the
    number of rows it was given; ``formula`` is saved with its table.
    """

    result: Any
    messages: list[str]
    record: str
    data_rows: int
    formula: str = ""


def fit(
    record: str, data: pd.DataFrame, formula: str, fn: Callable[..., Any], **kwargs: Any
) -> Fit:
    """``fn(data, formula, **kwargs)`` with its warnings kept (see :func:`captured`)."""
    res, msgs = captured(fn, data, formula, **kwargs)
    return Fit(res, msgs, record=record, data_rows=len(data), formula=formula)


def term(name: str) -> str:
    """A column name usable in a formula."""
    return name if _IDENT.match(name) else f'Q("{name}")'


def label(prep: Prepared, score: str) -> str:
    """The short label of a score in sentences (``downward learning direction``)."""
    return text.describe(score, prep.title_of(score))[1]


def shown(table: pd.DataFrame) -> pd.DataFrame:
    """A copy for display: p values as APA text (``< .001``); the CSV keeps the numbers."""
    out = table.copy()
    if "p_value" in out.columns:
        out["p_value"] = [fmt_p(p, with_symbol=False) for p in out["p_value"]]
    return out


def row(table: pd.DataFrame, name: str) -> Any:
    """The row of ``table`` whose term is ``name`` (None when the model has no such term)."""
    hit = table[table["term"] == name]
    return None if hit.empty else hit.iloc[0]


def record(out: Output, model: str, res: Any, data_rows: int) -> None:
    """Add a model's row counts (used, left out and why) to the appendix's list."""
    out.model_rows.append(
        {
            "model": model,
            "rows_available": data_rows,
            "n_used": int(res.n),
            "n_dropped": int(getattr(res, "n_dropped", data_rows - res.n)),
            "why": "; ".join(
                n for n in getattr(res, "notes", ()) if "left out" in n or "dropped" in n
            ),
        }
    )


def model_table(
    sec: Section,
    out: Output,
    model: Fit,
    *,
    columns: list[str],
    caption: str,
    name: str,
    extra: dict[str, Any],
) -> pd.DataFrame:
    """Record a fitted model, show ``columns`` of its table, save the table, add its notes.

    The saved table (``name``) has the ``extra`` columns appended; returns a copy of the table.
    """
    res = model.result
    record(out, model.record, res, model.data_rows)
    table: pd.DataFrame = res.table.copy()
    sec.table(shown(table[columns]), caption=caption)
    out.table(name, table.assign(**extra))
    for m in [*model.messages, *res.notes]:
        sec.paragraph(f"Note: {m}")
    return table


def new_figure(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A matplotlib Figure without pyplot (no global backend change, nothing left open)."""
    from matplotlib.figure import Figure

    from ...figures._style import publication_style

    # figures/_style.py is not annotated yet: call it through a typed handle
    style: Callable[[], AbstractContextManager[Any]] = publication_style
    with style():
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.subplots()
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    return fig, ax
