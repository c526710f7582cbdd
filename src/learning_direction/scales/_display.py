"""Display helper for results whose ``.table`` is one row per respondent.

``summary()`` and ``_repr_html_`` of such results show a short overview table (returned by
``_overview()``) instead of printing every respondent.
"""

from __future__ import annotations

import html

import pandas as pd

from .._results import ResultMixin, format_number, table_to_html, table_to_text


class OverviewMixin(ResultMixin):
    """ResultMixin variant that displays ``_overview()`` instead of the per-row ``table``."""

    def _overview(self) -> pd.DataFrame:  # pragma: no cover - overridden
        return getattr(self, "table", pd.DataFrame())

    def summary(self, digits: int = 4) -> str:
        lines = [self._title, "=" * len(self._title)]
        for key, value in self._meta().items():
            lines.append(f"{key}: {format_number(value, digits)}")
        lines.append("")
        lines.append(table_to_text(self._overview(), digits))
        notes = self._notes()
        if notes:
            lines.append("")
            lines.extend(f"Note: {n}" for n in notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        meta = "".join(
            f"<li><b>{html.escape(str(k))}</b>: {html.escape(format_number(v))}</li>"
            for k, v in self._meta().items()
        )
        notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in self._notes())
        parts = [f"<h4>{html.escape(self._title)}</h4>"]
        if meta:
            parts.append(f"<ul>{meta}</ul>")
        parts.append(table_to_html(self._overview()))
        if notes:
            parts.append(f"<p>Notes:</p><ul>{notes}</ul>")
        return "<div class='ld-result'>" + "".join(parts) + "</div>"
