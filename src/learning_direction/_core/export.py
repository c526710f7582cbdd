"""Export result tables to LaTeX, Word (APA table style) and Excel.

Every result (through :class:`~learning_direction._core.results.ResultMixin`) and every
``StudyResult`` has ``to_latex()``, ``to_docx()`` and ``to_excel()``; they call the writers
here with a list of :class:`ExportTable` (a title, the tidy table, a note).

* **LaTeX**: a booktabs ``table`` per table, APA headers (``\\textit{b}``), every cell escaped.
* **Word** (python-docx): APA 7 table style: "Table N" in bold and the title in italics
  above the table, horizontal rules only (above and below the header row and below the last
  row), numbers right-aligned, text left-aligned, "*Note.*" below.
* **Excel** (openpyxl): one sheet per table; numbers stay numbers (full precision, shown with
  a number format), booleans read Yes/No, and every text cell that a spreadsheet would read as
  a formula is neutralised (:func:`neutralise_formula`, OWASP "CSV injection").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .apa_table import apa_frame, column_header, markup_to_text
from .cells import neutralise_cell, neutralise_frame
from .format import MINUS, is_missing

__all__ = [
    "ExportTable",
    "default_note",
    "latex_table",
    "neutralise_formula",
    "neutralise_frame",
    "write_docx",
    "write_excel",
    "write_latex",
]

#: the formula neutraliser of every CSV the tool writes (OWASP), used for Excel cells too
neutralise_formula = neutralise_cell


@dataclass(frozen=True)
class ExportTable:
    """One table to export: its title, the tidy table, an optional note, the decimals."""

    title: str
    table: pd.DataFrame
    note: str | None = None
    digits: int = 2


def default_note(table: pd.DataFrame) -> str | None:
    names = [str(c) for c in table.columns]
    if any(c.endswith(("ci_low", "ci_high")) for c in names):
        return "CI = confidence interval; LL = lower limit; UL = upper limit."
    return None


def _note(t: ExportTable) -> str | None:
    return t.note if t.note is not None else default_note(t.table)


def _out_path(path: str | Path, suffixes: Sequence[str]) -> Path:
    p = Path(path)
    if p.suffix.lower() not in suffixes:
        raise ValueError(f"{p}: expected a file ending in {' or '.join(suffixes)}")
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


# ------------------------------------------------------------------------------ LaTeX


def _latex_escape(text: str) -> str:
    from pandas.io.formats.style_render import _escape_latex

    return str(_escape_latex(str(text))).replace("<", "$<$").replace(">", "$>$")


def _latex_markup(text: str) -> str:
    parts = str(text).split("*")
    return "".join(
        f"\\textit{{{_latex_escape(p)}}}" if k % 2 else _latex_escape(p)
        for k, p in enumerate(parts)
    )


def latex_table(t: ExportTable, label: str | None = None) -> str:
    """One booktabs ``table`` environment."""
    shown = apa_frame(t.table, t.digits, minus="-", markup=True)
    is_term = [str(c) == "term" for c in t.table.columns]
    head = " & ".join(_latex_markup(h) for h in shown.headers)
    rows = [
        " & ".join(
            _latex_markup(v) if term else _latex_escape(v)
            for v, term in zip(row, is_term, strict=True)
        )
        + " \\\\"
        for row in shown.frame.itertuples(index=False)
    ]
    align = "".join("r" if n else "l" for n in shown.numeric)
    lines = [
        "\\begin{table}",
        "\\centering",
        *([f"\\caption{{{_latex_escape(t.title)}}}"] if t.title else []),
        *([f"\\label{{{label}}}"] if label else []),
        f"\\begin{{tabular}}{{{align}}}",
        "\\toprule",
        head + " \\\\",
        "\\midrule",
        *rows,
        "\\bottomrule",
        "\\end{tabular}",
    ]
    note = _note(t)
    if note:
        lines.append(f"\\par\\smallskip{{\\small\\textit{{Note.}} {_latex_escape(note)}}}")
    lines.append("\\end{table}")
    return "\n".join(lines) + "\n"


def write_latex(tables: Sequence[ExportTable], path: str | Path | None = None) -> str:
    """The LaTeX of every table (needs ``\\usepackage{booktabs}``); written to ``path`` if given."""
    text = "\n".join(latex_table(t) for t in tables)
    if path is not None:
        _out_path(path, (".tex",)).write_text(text, encoding="utf-8")
    return text


# ------------------------------------------------------------------------------ Word


def _set_borders(table: Any, *, header_rows: int = 1) -> None:
    """APA rules: a line above and below the header row and below the table; nothing else."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        if edge in ("top", "bottom"):
            el.set(qn("w:val"), "single")
            el.set(qn("w:sz"), "8")
            el.set(qn("w:color"), "000000")
        else:
            el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)
    for cell in table.rows[header_rows - 1].cells:
        tc_pr = cell._tc.get_or_add_tcPr()
        tc_borders = OxmlElement("w:tcBorders")
        bottom = OxmlElement("w:bottom")
        bottom.set(qn("w:val"), "single")
        bottom.set(qn("w:sz"), "6")
        bottom.set(qn("w:color"), "000000")
        tc_borders.append(bottom)
        tc_pr.append(tc_borders)


def _add_markup(paragraph: Any, markup: str) -> None:
    """Runs of ``paragraph`` from ``*italic*`` markup."""
    for k, part in enumerate(str(markup).split("*")):
        if part:
            paragraph.add_run(part).italic = bool(k % 2)


def _docx_table(doc: Any, number: int, t: ExportTable) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc.add_paragraph().add_run(f"Table {number}").bold = True
    doc.add_paragraph().add_run(t.title).italic = True
    shown = apa_frame(t.table, t.digits, minus=MINUS, markup=True)
    is_term = [str(c) == "term" for c in t.table.columns]
    table = doc.add_table(rows=1 + len(shown.frame), cols=len(shown.headers))
    for j, header in enumerate(shown.headers):
        para = table.rows[0].cells[j].paragraphs[0]
        _add_markup(para, header)
        if shown.numeric[j]:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for i, row in enumerate(shown.frame.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            para = table.rows[i].cells[j].paragraphs[0]
            if is_term[j]:
                _add_markup(para, value)
            else:
                para.add_run(value)
            if shown.numeric[j]:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _set_borders(table)
    note = _note(t)
    if note:
        para = doc.add_paragraph()
        para.add_run("Note.").italic = True
        para.add_run(f" {note}")


def write_docx(
    tables: Sequence[ExportTable],
    path: str | Path,
    *,
    heading: str | None = None,
    paragraphs: Sequence[str] = (),
) -> Path:
    """A Word document with every table in APA style (see the module docstring).

    ``heading`` and ``paragraphs`` (e.g. a study's APA sentences) come first.
    """
    import docx

    out = _out_path(path, (".docx",))
    doc = docx.Document()
    if heading:
        doc.add_heading(heading, level=1)
    for text in paragraphs:
        doc.add_paragraph(text)
    for k, t in enumerate(tables, start=1):
        _docx_table(doc, k, t)
    # a fixed creation time keeps the file reproducible
    props = doc.core_properties
    from datetime import UTC, datetime

    props.created = props.modified = datetime(2000, 1, 1, tzinfo=UTC)
    props.author = props.last_modified_by = "learning_direction"
    doc.save(str(out))
    return out


# ------------------------------------------------------------------------------ Excel


def _sheet_name(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", " ", title).strip()[:31] or "Table"
    name, k = base, 2
    while name.lower() in used:
        name, k = f"{base[:27]} {k}", k + 1
    used.add(name.lower())
    return name


def _excel_format(kind: str | None, digits: int) -> str:
    if kind == "p":
        return "0.000"
    if kind == "count":
        return "0"
    if kind == "percent":
        return "0.0%"
    if kind == "df":
        return "0.##"
    return "0." + "0" * digits if digits > 0 else "0"


def _excel_value(value: Any) -> Any:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "Yes" if bool(value) else "No"
    if isinstance(value, str):
        return neutralise_formula(value)
    if is_missing(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def write_excel(tables: Sequence[ExportTable], path: str | Path) -> Path:
    """An Excel workbook with one sheet per table (see the module docstring)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    out = _out_path(path, (".xlsx",))
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for k, t in enumerate(tables, start=1):
        sheet = book.create_sheet(_sheet_name(t.title, used))
        sheet.cell(row=1, column=1, value=f"Table {k}").font = Font(bold=True)
        sheet.cell(row=2, column=1, value=neutralise_formula(t.title)).font = Font(italic=True)
        ci_level = float(t.table.attrs.get("ci_level", 0.95) or 0.95)
        for j, name in enumerate(t.table.columns, start=1):
            header, kind = column_header(name, ci_level)
            cell = sheet.cell(row=3, column=j, value=neutralise_formula(markup_to_text(header)))
            cell.font = Font(bold=True)
            fmt = _excel_format(kind, t.digits)
            for i, value in enumerate(t.table.iloc[:, j - 1], start=4):
                target = sheet.cell(row=i, column=j, value=_excel_value(value))
                if isinstance(target.value, float | int) and not isinstance(target.value, bool):
                    target.number_format = fmt
                    target.alignment = Alignment(horizontal="right")
        note = _note(t)
        if note:
            sheet.cell(row=5 + len(t.table), column=1, value=f"Note. {note}")
    if not tables:
        book.create_sheet("Empty")
    book.save(str(out))
    return out
