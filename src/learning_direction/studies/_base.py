"""The result of a study pipeline, and helpers shared by every pipeline."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._core.export import ExportTable
from .._core.results import ResultMixin, table_to_html, table_to_text

if TYPE_CHECKING:
    from ..reporting.html import HtmlReport

__all__ = ["StudyResult"]


@dataclass(frozen=True)
class StudyResult(ResultMixin):
    """Everything a study pipeline produced: tables, figures and APA-style text.

    Attributes
    ----------
    name, title : str
        Short name (``study1``) and display title.
    question : str
        The research question, in words.
    design : str
        What the data are (design, sample, measures).
    tables : dict[str, DataFrame]
        Tidy tables by name (``table1``, ``reliability``, ``regression``, ...), in display order.
    figures : dict[str, matplotlib Figure]
        Figures by name, in display order.
    text : dict[str, str]
        APA-style sentences by name (``"main"`` holds the key finding).
    captions : dict[str, str]
        Captions for tables and figures (same keys).
    results : dict[str, object]
        The underlying result objects (``ld.regress``, ``ld.mediate``, ... results).
    n : int
        Rows analysed (the unit is stated in ``design``).
    seed : int or None
        Seed used by any random step (bootstrap).
    notes : tuple of str
        Anything the reader must know (rows left out and why, warnings).
    """

    name: str
    title: str
    question: str
    design: str
    tables: dict[str, pd.DataFrame]
    figures: dict[str, Any]
    text: dict[str, str]
    captions: dict[str, str] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    n: int = 0
    seed: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def _title(self) -> str:  # type: ignore[override]
        return self.title

    @property
    def table(self) -> pd.DataFrame:
        """The main model table (the first non-descriptive table)."""
        for key, tab in self.tables.items():
            if key not in {"table1", "reliability", "descriptives", "invariance"}:
                return tab
        return next(iter(self.tables.values()))

    def summary(self, digits: int = 3) -> str:
        lines = [
            self.title,
            "=" * len(self.title),
            "",
            f"Question: {self.question}",
            f"Data: {self.design}",
            "",
        ]
        for key, tab in self.tables.items():
            lines += [
                self.captions.get(key, key),
                "-" * len(self.captions.get(key, key)),
                table_to_text(tab, digits),
                "",
            ]
        for sentence in self.text.values():
            lines.append(sentence)
        if self.notes:
            lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parts = [
            f"<h3>{html.escape(self.title)}</h3>",
            f"<p><b>Question.</b> {html.escape(self.question)}</p>",
            f"<p><b>Data.</b> {html.escape(self.design)}</p>",
        ]
        for key, tab in self.tables.items():
            parts.append(
                f"<h4>{html.escape(self.captions.get(key, key))}</h4>{table_to_html(tab, 3)}"
            )
        for sentence in self.text.values():
            parts.append(f"<p>{html.escape(sentence)}</p>")
        return "<div class='ld-result'>" + "".join(parts) + "</div>"

    def _export_tables(self) -> list[ExportTable]:
        return [
            ExportTable(self.captions.get(key, key), tab, digits=3)
            for key, tab in self.tables.items()
        ]

    def _export_text(self) -> list[str]:
        return [f"Question. {self.question}", f"Data. {self.design}", *self.text.values()]

    def plot(self, name: str | None = None) -> Any:
        """The named figure (default: the first one)."""
        if not self.figures:
            raise KeyError(f"{self.name} has no figures")
        return self.figures[name] if name else next(iter(self.figures.values()))

    def save(self, directory: str | Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
        """Write tables (CSV + markdown), figures (300-dpi PNG + SVG) and text (markdown).

        Files are named ``<study>_<name>.<ext>`` under ``tables/``, ``figures/`` and the
        directory itself (``<study>.md`` holds the APA text).
        """
        from ..figures._style import save_figure
        from ..reporting.tables import save_table

        out = Path(directory)
        written: list[Path] = []
        for key, tab in self.tables.items():
            written += save_table(
                tab, out / "tables" / f"{self.name}_{key}", formats=("csv", "md"), digits=3
            )
        for key, fig in self.figures.items():
            written += save_figure(fig, out / "figures" / f"{self.name}_{key}", formats=formats)
        md = [
            f"# {self.title}",
            "",
            f"**Question.** {self.question}",
            "",
            f"**Data.** {self.design}",
            "",
        ]
        md += [f"- {s}" for s in self.text.values()]
        if self.notes:
            md += ["", *[f"> Note: {n}" for n in self.notes]]
        path = out / f"{self.name}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(md) + "\n", encoding="utf-8")
        written.append(path)
        return written

    def add_to_report(self, report: HtmlReport) -> None:
        """Append this study as one section of an :class:`~learning_direction.reporting.html.HtmlReport`."""
        sec = report.section(self.title)
        sec.paragraph(f"Question. {self.question}")
        sec.paragraph(f"Data. {self.design}")
        for key, tab in self.tables.items():
            sec.table(
                tab,
                caption=self.captions.get(key, key),
                digits=3,
                csv_href=f"tables/{self.name}_{key}.csv",
            )
        for key, fig in self.figures.items():
            sec.figure(fig, caption=self.captions.get(key, key))
        if self.text:
            sec.heading("Results in APA style", level=3)
            for sentence in self.text.values():
                sec.apa(sentence)
        for note in self.notes:
            if note.lower().startswith("warning"):
                sec.warning(note)
            else:
                sec.note(note)
