"""Delimited text files (CSV, TSV): encoding, delimiter and decimal-mark detection, parsing.

The header rows are read by hand (they may be Qualtrics rows spanning several lines); the data
rows go through pandas' C parser.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..._core.checks import choice
from ...exceptions import DataValidationError
from .cells import (
    DECIMAL_COMMA,
    NA_TOKENS,
    convert_column,
    finish_numeric,
    note_text_in_numbers,
)
from .qualtrics import header_names, split_header
from .report import DroppedRows, ReadLog, fail

__all__ = ["read_text", "text_to_frame"]

_DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+$")


def _decode(raw: bytes, path: Path, encoding: str | None) -> tuple[str, str, bool]:
    """Decode ``raw``; returns (text, encoding name, detected?)."""
    if encoding is not None:
        try:
            return raw.decode(encoding), encoding, False
        except LookupError:
            raise fail(
                path, f"unknown encoding {encoding!r}; use e.g. 'utf-8', 'cp1252' or 'latin-1'"
            ) from None
        except UnicodeDecodeError as exc:
            raise fail(
                path,
                f"cannot be decoded as {encoding} (byte {exc.start}); leave encoding=None to "
                "detect it, or name the right one (e.g. 'cp1252' for Excel on Windows)",
            ) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16", True
        except UnicodeDecodeError:
            raise fail(
                path, "starts with a UTF-16 byte-order mark but is not valid UTF-16"
            ) from None
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        name = enc
        if enc == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf"):
            name = "utf-8"
        return text, name, True
    raise fail(path, "cannot be decoded as text")  # pragma: no cover - latin-1 decodes anything


def _records(sample: str, delimiter: str, limit: int = 50) -> list[int]:
    """Field counts of the first complete records of ``sample`` parsed with ``delimiter``."""
    counts: list[int] = []
    try:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar='"', strict=False)
        for row in reader:
            if row:
                counts.append(len(row))
            if len(counts) > limit:
                break
    except csv.Error:
        return []
    return counts


def _detect_delimiter(text: str) -> tuple[str, bool]:
    """Detect the delimiter among , ; tab |: (delimiter, confident)."""
    sample = text[:65536]
    if len(text) > len(sample):  # drop a probably incomplete last line
        sample = sample[: sample.rfind("\n") + 1] or sample
    candidates: dict[str, tuple[float, int]] = {}
    for d in _DELIMITERS:
        counts = _records(sample, d)
        if len(counts) > 1 and len(text) > len(sample):
            counts = counts[:-1]
        if not counts or max(counts) < 2:
            continue
        mode = max(set(counts), key=counts.count)
        consistency = counts.count(mode) / len(counts)
        candidates[d] = (consistency, mode)
    if not candidates:
        return ",", False
    try:
        sniffed = csv.Sniffer().sniff(sample[:16384], delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    best = max(candidates, key=lambda d: (candidates[d][0], candidates[d][1]))
    if sniffed in candidates and candidates[sniffed][0] >= candidates[best][0]:
        return sniffed, True
    return best, True


class _LineFeed:
    """Feeds lines to csv.reader and counts how many it consumed (records may span lines)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.used = 0

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        if self.used >= len(self.lines):
            raise StopIteration
        line = self.lines[self.used]
        self.used += 1
        return line


def _head_grid(
    text: str, path: Path, delimiter: str, limit: int = 210
) -> tuple[pd.DataFrame, list[str], list[int]]:
    """The first ``limit`` records as strings, the file's lines, and the line after each record."""
    lines = list(io.StringIO(text, newline=""))
    feed = _LineFeed(lines)
    records: list[list[str]] = []
    ends: list[int] = []
    try:
        for row in csv.reader(feed, delimiter=delimiter, quotechar='"'):
            if not row or (all(c.strip() == "" for c in row) and len(row) == 1):
                continue
            records.append(row)
            ends.append(feed.used)
            if len(records) >= limit:
                break
    except csv.Error as exc:
        raise fail(path, f"cannot be parsed as delimited text ({exc})") from None
    if not records:
        raise fail(path, "the file is empty (no header and no data); export the survey again")
    width = len(records[0])
    for k, row in enumerate(records[1:], start=2):
        if len(row) > width:
            raise fail(
                path,
                f"rows have different numbers of fields (record {k} has {len(row)}, the header "
                f"{width}); check the delimiter (pass delimiter=';' or similar) or fix that row",
            )
    grid = pd.DataFrame([row + [""] * (width - len(row)) for row in records], dtype=object)
    return grid, lines, ends


def text_to_frame(
    text: str,
    path: Path,
    delimiter: str,
    decimal: str,
    qualtrics: bool | None,
    log: ReadLog,
) -> tuple[pd.DataFrame, dict[str, str], np.ndarray]:
    """Parse a delimited text file: header rows by hand, the data with pandas' C parser."""
    head, lines, ends = _head_grid(text, path, delimiter)
    names = header_names(list(head.iloc[0]), path, log)
    header_rows, metadata = split_header(head, names, path, qualtrics, decimal, log)
    log.info["header_rows"] = header_rows
    body = "".join(lines[ends[header_rows - 1] :]) if len(ends) >= header_rows else ""
    if body.strip() == "":
        what = f"{header_rows} header rows" if header_rows > 1 else "a header row"
        raise fail(
            path,
            f"the file has {what} but no data rows; export the survey again once responses are in",
        )
    try:
        df = pd.read_csv(
            io.StringIO(body),
            sep=delimiter,
            header=None,
            names=list(range(len(names))),
            index_col=False,
            na_values=sorted(NA_TOKENS),
            keep_default_na=False,
            decimal=decimal,
            skip_blank_lines=True,
            quotechar='"',
            engine="c",
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        msg = str(exc).replace("Error tokenizing data. C error: ", "")
        raise fail(
            path,
            f"rows have different numbers of fields ({msg}, counting from the first data row); "
            "check the delimiter (pass delimiter=';' or similar) or fix the row with the extra delimiter",
        ) from None
    df.columns = names
    for name in names:
        col = df[name]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            df[name] = convert_column(col, decimal)
        elif col.isna().all():
            df[name] = col.astype("float64")
    file_rows = np.arange(header_rows + 1, header_rows + 1 + len(df))
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():
        log.dropped.append(
            DroppedRows(
                "entirely empty row", int(blank.sum()), tuple(int(r) for r in file_rows[blank])
            )
        )
        df = df.loc[~blank].reset_index(drop=True)
        file_rows = file_rows[~blank]
        for name in df.columns:  # whole numbers that were float only because of the blank rows
            if df[name].dtype == np.float64:
                df[name] = finish_numeric(df[name], df[name].isna(), name)
    if len(df) == 0:
        raise fail(path, "the file has a header but every data row is empty")
    note_text_in_numbers(df, decimal, log)
    return df, metadata, file_rows


def read_text(
    path: Path,
    raw: bytes,
    fmt: str,
    encoding: str | None,
    delimiter: str | None,
    decimal: str | None,
    log: ReadLog,
) -> str:
    """Decode the file and settle its encoding, delimiter and decimal mark (logged)."""
    if raw.startswith(b"PK\x03\x04"):
        raise fail(
            path,
            "looks like an Excel workbook, not a text file; rename it to .xlsx or pass format='xlsx'",
        )
    text, enc, enc_detected = _decode(raw, path, encoding)
    if text.strip("\ufeff \t\r\n") == "":
        raise fail(path, "the file is empty (no header and no data); export the survey again")
    log.info.update(encoding=enc, encoding_detected=enc_detected)
    if delimiter is None and fmt == "tsv":
        delimiter, detected = "\t", False
    elif delimiter is None:
        delimiter, detected = _detect_delimiter(text)
    else:
        if len(delimiter) != 1:
            raise fail(
                path, f"delimiter must be one character such as ',' ';' or '\\t', got {delimiter!r}"
            )
        detected = False
    log.info.update(delimiter=delimiter, delimiter_detected=detected)
    grid, _, _ = _head_grid(text, path, delimiter)
    if decimal is None:
        decimal, dec_detected = ".", False
        if delimiter != ",":
            cells = grid.iloc[1:201].to_numpy().ravel()
            commas = sum(bool(DECIMAL_COMMA.match(str(c).strip())) for c in cells)
            points = sum(bool(_DECIMAL_POINT.match(str(c).strip())) for c in cells)
            if commas and not points:
                decimal, dec_detected = ",", True
    else:
        decimal = choice(decimal, "decimal", (".", ","), error=DataValidationError)
        dec_detected = False
    log.info.update(decimal=decimal, decimal_detected=dec_detected)
    return text
