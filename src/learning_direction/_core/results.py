"""Shared behaviour of result objects: ``summary()``, ``str()`` and ``_repr_html_``.

Each analysis returns a small frozen dataclass that inherits :class:`ResultMixin`. A subclass
sets ``_title``, keeps its tidy table in ``table`` and lists extra metadata in ``_meta()``; it may
override :meth:`summary` for a PROCESS-like text layout.
"""

from __future__ import annotations

import html
from typing import Any, ClassVar

import pandas as pd

from .format import format_number


def table_to_text(table: pd.DataFrame | None, digits: int = 4) -> str:
    """Render a tidy table as aligned text with a fixed number of decimals."""
    if table is None or len(table) == 0:
        return "(empty)"
    shown = table.copy()
    for col in shown.columns:
        if pd.api.types.is_float_dtype(shown[col]):
            shown[col] = shown[col].map(lambda v: format_number(v, digits))
    return str(shown.to_string(index=False))


def table_to_html(table: pd.DataFrame | None, digits: int = 4) -> str:
    """Render a tidy table as escaped HTML (every user string is escaped)."""
    if table is None or len(table) == 0:
        return "<p><em>(empty)</em></p>"
    return str(
        table.to_html(
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
