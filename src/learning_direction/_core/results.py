"""Shared behaviour of result objects: ``summary()``, ``str()`` and ``_repr_html_``.

Each analysis returns a small frozen dataclass that inherits :class:`ResultMixin`. A subclass
sets ``_title``, keeps its tidy table in ``table`` and lists extra metadata in ``_meta()``; it may
override :meth:`summary` for a PROCESS-like text layout.
"""

from __future__ import annotations

import html
from typing import Any, ClassVar

import pandas as pd

from .format import fmt_p_boot, format_number


def is_p_column(name: object) -> bool:
    """A p-value column: ``p``, ``p_value``, ``*_p_value``, ``p_<method>`` (adjusted)."""
    text = str(name).lower()
    return text in {"p", "p_value", "pvalue", "p-value"} or text.endswith("p_value")


def show_boot_p(table: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """``table`` with p-values of 0 written ``< 2/B`` when it holds bootstrap p-values.

    A table whose ``attrs["n_boot"]`` gives the number of valid resamples B holds bootstrap
    p-values; a stored 0 there means "no resample on the far side of zero", i.e. p < 2/B
    (:func:`~learning_direction._core.format.fmt_p_boot`), and is shown so, never as 0. The
    other values of such a p-value column are formatted with ``digits`` decimals. Tables
    without ``attrs["n_boot"]`` are returned unchanged.
    """
    n_boot = table.attrs.get("n_boot")
    if not n_boot:
        return table
    shown = table.copy()
    for col in shown.columns:
        if is_p_column(col) and pd.api.types.is_float_dtype(shown[col]) and (shown[col] == 0).any():
            shown[col] = shown[col].map(
                lambda v: (
                    fmt_p_boot(v, n_boot, with_symbol=False) if v == 0 else format_number(v, digits)
                )
            )
    return shown


def table_to_text(table: pd.DataFrame | None, digits: int = 4) -> str:
    """Render a tidy table as aligned text with a fixed number of decimals.

    Bootstrap p-values of 0 print as ``< 2/B`` (see :func:`show_boot_p`).
    """
    if table is None or len(table) == 0:
        return "(empty)"
    shown = show_boot_p(table, digits).copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: format_number(v, digits))
    return str(shown.to_string(index=False))


def table_to_html(table: pd.DataFrame | None, digits: int = 4) -> str:
    """Render a tidy table as escaped HTML (every user string is escaped; bootstrap p-values
    of 0 as ``< 2/B``)."""
    if table is None or len(table) == 0:
        return "<p><em>(empty)</em></p>"
    return str(
        show_boot_p(table, digits).to_html(
            index=False,
            escape=True,
            float_format=lambda v: format_number(v, digits),
            na_rep="NA",
            border=0,
            classes="ld-table",
        )
    )


class ResultMixin:
    """Mixin giving a result class ``summary()``, ``__str__`` and ``_repr_html_``."""

    _title: ClassVar[str] = "Result"

    def _meta(self) -> dict[str, Any]:
        """Metadata shown above the table (override to add more)."""
        out: dict[str, Any] = {}
        for key in ("method", "n", "n_dropped", "n_boot", "ci_level", "seed"):
            if hasattr(self, key):
                value = getattr(self, key)
                if value is not None:
                    out[key] = value
        return out

    def _display_table(self) -> pd.DataFrame | None:
        """The table shown by :meth:`summary` and ``_repr_html_`` (``table`` unless overridden)."""
        return getattr(self, "table", None)

    def _notes(self) -> list[str]:
        """Notes shown below the table (override to add more)."""
        notes = getattr(self, "notes", None)
        return list(notes) if notes else []

    def summary(self, digits: int = 4) -> str:
        """Plain-text summary: title, metadata, the table and any notes."""
        lines = [self._title, "=" * len(self._title)]
        for key, value in self._meta().items():
            lines.append(f"{key}: {format_number(value, digits)}")
        lines.append("")
        lines.append(table_to_text(self._display_table(), digits))
        notes = self._notes()
        if notes:
            lines.append("")
            lines.extend(f"Note: {n}" for n in notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        meta = "".join(
            f"<li><b>{html.escape(str(k))}</b>: {html.escape(format_number(v))}</li>"
            for k, v in self._meta().items()
        )
        notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in self._notes())
        parts = [f"<h4>{html.escape(self._title)}</h4>"]
        if meta:
            parts.append(f"<ul>{meta}</ul>")
        parts.append(table_to_html(self._display_table()))
        if notes:
            parts.append(f"<p>Notes:</p><ul>{notes}</ul>")
        return "<div class='ld-result'>" + "".join(parts) + "</div>"
