"""A small builder for self-contained HTML reports (figures embedded, every string escaped).

Used by ``make report`` (the study replications) and by the evaluator workflow. A report is a
list of sections, each a list of blocks (headings, paragraphs, bullet lists, tables, figures);
the page is rendered by the jinja2 templates in ``reporting/templates/`` (``report.html.j2``,
``blocks.html.j2`` and ``report.css``), which ship inside the wheel.

Autoescape is on: text passed to :meth:`Section.paragraph`, headings, captions, bullet items
and the report's title, subtitle and footer is always escaped, with the entities of
:func:`html.escape` (``&#x27;`` for a quote). Only :meth:`Section.raw_html` and
:meth:`Section.result` insert markup as is, and they are meant for HTML this package generates
(e.g. a result's ``_repr_html_``, which escapes its own content); tables are escaped by
:func:`~learning_direction.reporting.tables.to_html`.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from .tables import table_note, to_html

__all__ = ["HtmlReport", "Section", "figure_to_png_bytes", "slugify"]


class _Figure(Protocol):
    """What :func:`figure_to_png_bytes` needs of a matplotlib figure."""

    def savefig(self, fname: Any, **kwargs: Any) -> None: ...


class _HasReprHtml(Protocol):
    def _repr_html_(self) -> str: ...


def slugify(text: str) -> str:
    """An HTML id from a heading."""
    s = re.sub(r"[^a-zA-Z0-9]+", "-", str(text)).strip("-").lower()
    return s or "section"


def figure_to_png_bytes(fig: _Figure, dpi: int = 150) -> bytes:
    """Render a matplotlib figure to PNG bytes (no timestamp metadata, so output is reproducible)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


# ------------------------------------------------------------------------------ blocks


@dataclass(frozen=True)
class Heading:
    """A heading inside a section (``<h3>`` by default)."""

    kind: ClassVar[str] = "heading"
    text: str
    level: int = 3


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``css`` styles it (``apa``, ``plain``, ``warning``)."""

    kind: ClassVar[str] = "paragraph"
    text: str
    css: str | None = None


@dataclass(frozen=True)
class Bullets:
    """A bullet list."""

    kind: ClassVar[str] = "bullets"
    items: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """An embedded PNG figure (base64) with its alt text and caption."""

    kind: ClassVar[str] = "figure"
    png: str
    alt: str
    caption: str | None = None


@dataclass(frozen=True)
class Html:
    """Markup made by this package (a table, a result's ``_repr_html_``), inserted as is."""

    kind: ClassVar[str] = "html"
    markup: Markup


@dataclass(frozen=True)
class Table:
    """An APA table: number and title above, the table, a *Note.* below.

    A table longer than :data:`COLLAPSE_ROWS` rows (per-respondent listings) is folded into a
    ``<details>`` element that states its size, with a link to its CSV file when there is one.
    """

    kind: ClassVar[str] = "table"
    markup: Markup
    caption: str | None
    note: str | None
    n_rows: int
    csv_href: str | None = None

    @property
    def collapsed(self) -> bool:
        return self.n_rows > COLLAPSE_ROWS


@dataclass(frozen=True)
class Note:
    """A note paragraph, set as APA does: *Note.* in italics, then the text."""

    kind: ClassVar[str] = "note"
    text: str


#: tables with more rows than this are folded (``<details>``) in the report
COLLAPSE_ROWS = 20

Block = Heading | Paragraph | Bullets | Figure | Html | Table | Note


def _escape(value: Any) -> Markup:
    """Escape a template value as :func:`html.escape` does (markup made here passes as is)."""
    if hasattr(value, "__html__"):
        return Markup(value)
    return Markup(html.escape(str(value)))


_STAT = re.compile(
    r"(?<![A-Za-z0-9_/])(b|B|SE|SD|M|Mdn|p|t|F|r|R|n|N|z|d|df|a|c)"
    r"(?=(?:²|\([^)]*\))?\s?(?:=|&lt;|&gt;|≤|≥))"
)
_MINUS_SIGN = re.compile(r"(?<![\w.\-])-(?=\.?\d)")


def apa_markup(text: str) -> Markup:
    """Escape an APA sentence, set its statistical symbols in italics and use U+2212 minus.

    >>> str(apa_markup("b = -0.33, SE = 0.05, p < .001, ΔR² = .12, F(2, 97) = 3.1 <script>"))
    '<i>b</i> = −0.33, <i>SE</i> = 0.05, <i>p</i> &lt; .001, Δ<i>R</i>² = .12, <i>F</i>(2, 97) = 3.1 &lt;script&gt;'
    """
    escaped = html.escape(str(text))
    escaped = _MINUS_SIGN.sub("−", escaped)
    return Markup(_STAT.sub(r"<i>\1</i>", escaped))


@functools.cache
def _page_template() -> Template:
    env = Environment(
        loader=PackageLoader("learning_direction.reporting", "templates"),
        autoescape=True,
        finalize=_escape,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["apa"] = apa_markup
    return env.get_template("report.html.j2")


# ------------------------------------------------------------------------------ report


@dataclass
class Section:
    """One section of a report; blocks are appended in order."""

    title: str
    id: str
    blocks: list[Block] = field(default_factory=list)

    def heading(self, text: str, level: int = 3) -> Section:
        self.blocks.append(Heading(str(text), int(level)))
        return self

    def paragraph(self, text: str, css: str | None = None) -> Section:
        self.blocks.append(Paragraph(str(text), css))
        return self

    def apa(self, text: str) -> Section:
        """An APA-style results sentence."""
        return self.paragraph(text, css="apa")

    def plain(self, text: str) -> Section:
        """A plain-language interpretation for non-statisticians."""
        return self.paragraph(text, css="plain")

    def warning(self, text: str) -> Section:
        return self.paragraph(text, css="warning")

    def bullets(self, items: Iterable[object]) -> Section:
        self.blocks.append(Bullets(tuple(str(i) for i in items)))
        return self

    def table(
        self,
        df: pd.DataFrame,
        caption: str | None = None,
        digits: int = 2,
        *,
        note: str | None = None,
        csv_href: str | None = None,
    ) -> Section:
        """An APA table (numbered in the page); ``note`` defaults to :func:`table_note`."""
        body = Markup(to_html(df, digits=digits))
        if caption:  # the page numbers its tables: "Table 1. Means ..." -> "Means ..."
            caption = re.sub(r"^Table\s+\d+[.:]\s*", "", str(caption))
        self.blocks.append(
            Table(body, caption, note or table_note(df), n_rows=len(df), csv_href=csv_href)
        )
        return self

    def note(self, text: str) -> Section:
        """A *Note.* paragraph."""
        self.blocks.append(Note(str(text)))
        return self

    def figure(
        self, fig: _Figure, caption: str | None = None, dpi: int = 150, alt: str | None = None
    ) -> Section:
        png = base64.b64encode(figure_to_png_bytes(fig, dpi=dpi)).decode("ascii")
        self.blocks.append(Figure(png=png, alt=alt or caption or self.title, caption=caption))
        return self

    def result(self, res: _HasReprHtml) -> Section:
        """A result object's own (escaped) HTML representation."""
        self.blocks.append(Html(Markup(res._repr_html_())))
        return self

    def raw_html(self, markup: str) -> Section:
        """Insert markup generated by this package (never user text)."""
        self.blocks.append(Html(Markup(markup)))
        return self


@dataclass
class HtmlReport:
    """A self-contained HTML report with a contents list and numbered sections."""

    title: str
    subtitle: str | None = None
    sections: list[Section] = field(default_factory=list)
    footer_lines: list[str] = field(default_factory=list)

    def section(self, title: str) -> Section:
        base = slugify(title)
        ident, k = base, 2
        while any(s.id == ident for s in self.sections):
            ident, k = f"{base}-{k}", k + 1
        sec = Section(title=title, id=ident)
        self.sections.append(sec)
        return sec

    def footer(self, text: str) -> HtmlReport:
        self.footer_lines.append(text)
        return self

    def render(self) -> str:
        """The whole page (``templates/report.html.j2``)."""
        return _page_template().render(report=self)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(), encoding="utf-8")
        return path
