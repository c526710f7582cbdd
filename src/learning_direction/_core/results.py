"""Shared behaviour of result objects: ``summary()``, ``str()`` and ``_repr_html_``.

Each analysis returns a small frozen dataclass that inherits :class:`ResultMixin`. A subclass
sets ``_title``, keeps its tidy table in ``table`` and lists extra metadata in ``_meta()``; it may
override :meth:`summary` for a PROCESS-like text layout.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from .apa_table import apa_html_table, apa_text
from .export import ExportTable, default_note, write_docx, write_excel, write_latex
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
    """Render a tidy table as aligned APA text (:func:`~._core.apa_table.apa_text`).

    Headers are the APA symbols (``b``, ``SE``, ``95% CI LL``, ``p``), p values read ``.032`` or
    ``<.001`` as in the report, and bootstrap p-values of 0 print as ``< 2/B``.
    """
    if table is None or len(table) == 0:
        return "(empty)"
    return apa_text(table, digits)


def table_to_html(table: pd.DataFrame | None, digits: int = 4) -> str:
    """Render a tidy table as an APA HTML table (every user string escaped; the same headers
    and number formats as the HTML report, see :mod:`~._core.apa_table`)."""
    if table is None or len(table) == 0:
        return "<p><em>(empty)</em></p>"
    return f"<div class='ld-table-wrap'>{apa_html_table(table, digits)}</div>"


_REPR_ROWS = 6
_REPR_STATS = 3
_REPR_PREFERRED = (
    "estimate",
    "effect",
    "alpha",
    "omega_total",
    "power",
    "cfi",
    "rmsea",
    "se",
    "p_value",
    "p",
)
_REPR_LABELS = ("term", "scale", "variable", "label", "level", "item", "w", "n", "category")


def _repr_lines(table: pd.DataFrame) -> list[str]:
    """Up to :data:`_REPR_ROWS` rows of ``table`` as ``label: header = value, ...``."""
    from .apa_table import apa_frame

    shown = apa_frame(table.head(_REPR_ROWS), 2, markup=False)
    frame = shown.frame
    names = [str(c) for c in table.columns]
    label_pos = next((names.index(c) for c in _REPR_LABELS if c in names), None)
    if label_pos is None and not shown.numeric[0]:
        label_pos = 0
    numeric = [k for k, num in enumerate(shown.numeric) if num and k != label_pos]
    preferred = [names.index(c) for c in _REPR_PREFERRED if c in names]
    stats = ([k for k in preferred if k in numeric] + numeric)[: _REPR_STATS + len(preferred)]
    stats = list(dict.fromkeys(stats))[:_REPR_STATS]
    lines = []
    for i in range(len(frame)):
        cells = ", ".join(f"{str(frame.columns[k]).strip()} = {frame.iat[i, k]}" for k in stats)
        label = frame.iat[i, label_pos] if label_pos is not None else f"row {i + 1}"
        lines.append(f"  {label[:40]}: {cells}"[:110])
    if len(table) > _REPR_ROWS:
        lines.append(f"  ... {len(table) - _REPR_ROWS} more row(s)")
    return lines


def short_repr(result: Any) -> str:
    """The short text a plain REPL shows for a result: title, metadata, the first rows."""
    title = str(getattr(result, "_title", type(result).__name__))
    meta = []
    for key in ("formula", "method", "n", "n_dropped", "n_boot"):
        value = getattr(result, key, None)
        if value is not None and not callable(value) and (key != "n_dropped" or value):
            text = format_number(value, 2)
            meta.append(f"{key} = {text if len(text) <= 60 else text[:57] + '...'}")
    head = f"<{type(result).__name__}: {title}" + (f" ({', '.join(meta)})" if meta else "") + ">"
    lines = [head[:160]]
    try:
        table = result._display_table()
    except Exception:  # a display must never raise
        table = None
    if isinstance(table, pd.DataFrame) and len(table) and len(table.columns):
        lines += _repr_lines(table)
    lines.append("  (.summary() for the full output, .table for the data)")
    return "\n".join(lines)


def _meta_text(key: str, value: Any) -> str:
    """A metadata value as shown: the CI level as a percentage, numbers by the formatter."""
    if key == "ci_level" and isinstance(value, float):
        return f"{100 * value:g}%"
    return format_number(value)


class ResultMixin:
    """Mixin giving a result class ``summary()``, ``__str__`` and ``_repr_html_``."""

    _title: ClassVar[str] = "Result"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A dataclass writes its own field-by-field __repr__ unless the class defines one; put
        # the short summary on every subclass before @dataclass runs, so a result printed in a
        # plain REPL is a few lines, not a dump of every table.
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:
            cls.__repr__ = ResultMixin.__repr__  # type: ignore[method-assign]

    def __repr__(self) -> str:
        """A few lines: what was fitted, n, the key numbers (``summary()`` has everything)."""
        return short_repr(self)

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

    def _lead(self) -> str | None:
        """A sentence shown between the metadata and the table (override: e.g. what the result
        means in words); escaped in ``_repr_html_``."""
        return None

    def _extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """Further ``(caption, table)`` pairs shown below the main table in ``_repr_html_`` and
        written by the exports (override to add probes, tests, missing-data patterns, ...)."""
        return []

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
        lead = self._lead()
        if lead:
            lines.extend([lead, ""])
        lines.append(table_to_text(self._display_table(), digits))
        notes = self._notes()
        if notes:
            lines.append("")
            lines.extend(f"Note: {n}" for n in notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    # ---------------------------------------------------------------- exports

    def _export_tables(self) -> list[ExportTable]:
        """The tables that :meth:`to_latex`, :meth:`to_docx` and :meth:`to_excel` write."""
        table = self._display_table()
        if table is None:
            return []
        notes = " ".join(str(n).rstrip(".") + "." for n in self._notes())
        note = " ".join(p for p in (default_note(table), notes) if p) or None
        extra = [
            ExportTable(caption, t, note=default_note(t) or None)
            for caption, t in self._extra_tables()
            if t is not None and len(t)
        ]
        return [ExportTable(str(self._title), table, note=note), *extra]

    def _export_text(self) -> list[str]:
        """Paragraphs written above the tables by :meth:`to_docx`."""
        return []

    def to_latex(self, path: str | Path | None = None) -> str:
        """The table(s) as LaTeX (booktabs; APA headers, ``\\textit{b}``); also written to
        ``path`` (``.tex``) when given."""
        return write_latex(self._export_tables(), path)

    def to_docx(self, path: str | Path) -> Path:
        """A Word file (``.docx``) with the table(s) in APA 7 style: "Table N" and the title
        above, horizontal rules only, *Note.* below."""
        return write_docx(
            self._export_tables(), path, heading=str(self._title), paragraphs=self._export_text()
        )

    def to_excel(self, path: str | Path) -> Path:
        """An Excel workbook (``.xlsx``), one sheet per table; numbers kept as numbers and text
        that a spreadsheet would run as a formula neutralised."""
        return write_excel(self._export_tables(), path)

    def _repr_html_(self) -> str:
        meta = "".join(
            f"<li><b>{html.escape(str(k))}</b>: {html.escape(_meta_text(k, v))}</li>"
            for k, v in self._meta().items()
        )
        notes = " ".join(html.escape(str(n).rstrip(".") + ".") for n in self._notes())
        parts = [f"<h4>{html.escape(self._title)}</h4>"]
        if meta:
            parts.append(f"<ul>{meta}</ul>")
        lead = self._lead()
        if lead:
            parts.append(f"<p>{html.escape(lead)}</p>")
        parts.append(table_to_html(self._display_table()))
        for caption, table in self._extra_tables():
            parts.append(f"<p class='table-caption'>{html.escape(caption)}</p>")
            parts.append(table_to_html(table))
        if notes:
            parts.append(f"<p class='table-note'><em>Note.</em> {notes}</p>")
        return "<div class='ld-result'>" + "".join(parts) + "</div>"
