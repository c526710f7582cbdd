"""What :func:`~learning_direction.intake.io.read_survey` returns and how it records its work.

:class:`SurveyData` (the data, question texts and value labels) carries a :class:`ReadReport`:
rows, columns, the encoding, delimiter and decimal mark used, every :class:`Recoding`, every
group of :class:`DroppedRows` and the file's SHA-256. The readers write into a :class:`ReadLog`
while they work; it is frozen into the report at the end.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..._core.results import ResultMixin, table_to_html, table_to_text
from ...exceptions import DataValidationError

__all__ = [
    "DELIMITER_NAMES",
    "DroppedRows",
    "ReadLog",
    "ReadReport",
    "Recoding",
    "SurveyData",
    "fail",
    "report_json",
]

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class Recoding:
    """Values of one column that were recoded (e.g. a user-missing code that became NaN)."""

    column: str
    from_value: Any
    to_value: Any
    count: int
    reason: str = "missing code"


@dataclass(frozen=True)
class DroppedRows:
    """Rows left out of the data, with the reason and their row numbers in the file."""

    reason: str
    count: int
    rows: tuple[int, ...] = ()


@dataclass(frozen=True)
class ReadReport:
    """What :func:`read_survey` did to a file.

    Attributes
    ----------
    path, format, sha256 : str
        The file, the format it was read as (``csv, tsv, xlsx, sav, dta``) and its SHA-256.
    n_rows, n_columns : int
        Rows and columns of the returned data (after dropping any rows).
    n_rows_read : int
        Data rows found in the file, before any row was dropped.
    encoding, delimiter, decimal : str or None
        Text files only: the encoding, delimiter and decimal mark used, with
        ``*_detected`` saying whether each was detected (True) or given (False).
    qualtrics : str or None
        ``"three_row"`` or ``"two_row"`` for Qualtrics exports, else None.
    header_rows : int
        Header rows skipped before the data (1 for a plain file).
    sheet : str or None
        Excel only: the sheet read.
    recodings : tuple of Recoding
        Every recoding: column, from value, to value, count.
    dropped : tuple of DroppedRows
        Every group of rows left out and why. Row numbers count the file's records from 1 (the
        field names), header rows included and blank lines skipped, as a spreadsheet shows them.
    notes : tuple of str
        Anything else worth knowing (text in numeric columns, preview rows kept, ...). Notes
        name columns and row numbers, never the content of a cell.
    line_spans : tuple of (int, int)
        Text files: the first and last line of each row that spans several lines because a
        quoted cell holds line breaks (at most the first 50).
    """

    path: str
    format: str
    sha256: str
    n_rows: int
    n_columns: int
    n_rows_read: int
    encoding: str | None = None
    encoding_detected: bool = False
    delimiter: str | None = None
    delimiter_detected: bool = False
    decimal: str | None = None
    decimal_detected: bool = False
    qualtrics: str | None = None
    header_rows: int = 1
    sheet: str | None = None
    recodings: tuple[Recoding, ...] = ()
    dropped: tuple[DroppedRows, ...] = ()
    notes: tuple[str, ...] = ()
    line_spans: tuple[tuple[int, int], ...] = ()

    @property
    def n_dropped(self) -> int:
        return sum(d.count for d in self.dropped)

    @property
    def recodings_table(self) -> pd.DataFrame:
        """One row per recoding: ``column, from_value, to_value, count, reason``."""
        cols = ["column", "from_value", "to_value", "count", "reason"]
        return pd.DataFrame(
            [(r.column, r.from_value, r.to_value, r.count, r.reason) for r in self.recodings],
            columns=cols,
        )

    @property
    def dropped_table(self) -> pd.DataFrame:
        """One row per reason rows were dropped: ``reason, count, rows``."""
        return pd.DataFrame(
            [(d.reason, d.count, ", ".join(map(str, d.rows))) for d in self.dropped],
            columns=["reason", "count", "rows"],
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (for provenance sidecars)."""

        def plain(v: Any) -> Any:
            if isinstance(v, np.generic):
                return v.item()
            if isinstance(v, float) and v != v:
                return None
            return v

        return {
            "path": self.path,
            "format": self.format,
            "sha256": self.sha256,
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "n_rows_read": self.n_rows_read,
            "encoding": self.encoding,
            "encoding_detected": self.encoding_detected,
            "delimiter": self.delimiter,
            "delimiter_detected": self.delimiter_detected,
            "decimal": self.decimal,
            "decimal_detected": self.decimal_detected,
            "qualtrics": self.qualtrics,
            "header_rows": self.header_rows,
            "sheet": self.sheet,
            "recodings": [
                {
                    "column": r.column,
                    "from": plain(r.from_value),
                    "to": plain(r.to_value),
                    "count": r.count,
                    "reason": r.reason,
                }
                for r in self.recodings
            ],
            "dropped": [
                {"reason": d.reason, "count": d.count, "rows": list(d.rows)} for d in self.dropped
            ],
            "notes": list(self.notes),
            "line_spans": [list(span) for span in self.line_spans],
        }

    def lines(self) -> list[str]:
        """The report as short text lines."""
        out = [
            f"file: {self.path}",
            f"format: {self.format}"
            + (
                f" (Qualtrics export, {self.qualtrics.replace('_', '-')} header)"
                if self.qualtrics
                else ""
            ),
            f"sha256: {self.sha256}",
            f"rows: {self.n_rows} (read {self.n_rows_read}, dropped {self.n_dropped})",
            f"columns: {self.n_columns}",
        ]
        if self.encoding:
            out.append(
                f"encoding: {self.encoding}" + (" (detected)" if self.encoding_detected else "")
            )
        if self.delimiter:
            name = DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
            out.append(f"delimiter: {name}" + (" (detected)" if self.delimiter_detected else ""))
        if self.decimal:
            out.append(
                f"decimal mark: '{self.decimal}'" + (" (detected)" if self.decimal_detected else "")
            )
        if self.sheet is not None:
            out.append(f"sheet: {self.sheet}")
        return out


@dataclass(frozen=True, eq=False)
class SurveyData(ResultMixin):
    """A survey file read by :func:`read_survey`.

    Attributes
    ----------
    data : DataFrame
        The responses, one row per respondent (a fresh ``RangeIndex``).
    report : ReadReport
        How the file was read: rows, columns, recodings, dropped rows, SHA-256.
    metadata : dict
        Column -> question text (Qualtrics) or variable label (SPSS/Stata); columns without one
        are absent.
    value_labels : dict
        Column -> {code: label} for SPSS/Stata value labels (empty for text files).
    """

    data: pd.DataFrame
    report: ReadReport
    metadata: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)

    _title: ClassVar[str] = "Survey data"

    @property
    def table(self) -> pd.DataFrame:
        """One row per column: ``column, dtype, n_missing, label``."""
        df = self.data
        return pd.DataFrame(
            {
                "column": [str(c) for c in df.columns],
                "dtype": [str(t) for t in df.dtypes],
                "n_missing": [int(df[c].isna().sum()) for c in df.columns],
                "label": [self.metadata.get(str(c), "") for c in df.columns],
            }
        )

    @property
    def n(self) -> int:
        return len(self.data)

    @property
    def n_dropped(self) -> int:
        return self.report.n_dropped

    def _meta(self) -> dict[str, Any]:
        return {}

    def _notes(self) -> list[str]:
        return list(self.report.notes)

    def summary(self, digits: int = 4) -> str:
        lines = [self._title, "=" * len(self._title), *self.report.lines(), ""]
        shown = self.table
        shown["label"] = shown["label"].map(_short)
        lines.append(table_to_text(shown, digits))
        if self.report.recodings:
            lines += ["", "Recodings:", table_to_text(self.report.recodings_table, digits)]
        if self.report.dropped:
            lines += ["", "Rows dropped:", table_to_text(self.report.dropped_table, digits)]
        if self.report.notes:
            lines.append("")
            lines.extend(f"Note: {n}" for n in self.report.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        info = "".join(f"<li>{html.escape(line)}</li>" for line in self.report.lines())
        parts = [
            f"<h4>{html.escape(self._title)}</h4>",
            f"<ul>{info}</ul>",
            table_to_html(self.table),
        ]
        if self.report.recodings:
            parts += ["<p>Recodings:</p>", table_to_html(self.report.recodings_table)]
        if self.report.dropped:
            parts += ["<p>Rows dropped:</p>", table_to_html(self.report.dropped_table)]
        if self.report.notes:
            notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.report.notes)
            parts.append(f"<p>Notes:</p><ul>{notes}</ul>")
        return "<div class='ld-result'>" + "".join(parts) + "</div>"


def _short(text: str, width: int = 60) -> str:
    """One line of at most ``width`` characters (for text summaries)."""
    one = " ".join(str(text).split())
    return one if len(one) <= width else one[: width - 1] + "…"


class ReadLog:
    """Mutable collector for what a reader did, frozen into a ReadReport at the end."""

    def __init__(self) -> None:
        self.recodings: list[Recoding] = []
        self.dropped: list[DroppedRows] = []
        self.notes: list[str] = []
        self.info: dict[str, Any] = {}


def fail(path: Path, problem: str) -> DataValidationError:
    """The error for a problem with the file at ``path`` (the message starts with the path)."""
    return DataValidationError(f"{path}: {problem}")


def _json_default(v: Any) -> Any:  # pragma: no cover - helper for callers writing sidecars
    if isinstance(v, np.generic):
        return v.item()
    return str(v)


def report_json(report: ReadReport) -> str:
    """The read report as indented JSON."""
    return json.dumps(report.to_dict(), indent=2, default=_json_default)
