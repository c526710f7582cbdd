"""Delimited text files (CSV, TSV): encoding, delimiter and decimal detection, an audit, parsing.

Reading a text export happens in four steps, each of which can only report, never guess
silently:

1. :func:`read_text` settles the encoding (a byte-order mark, UTF-16 without one, UTF-8,
   Windows-1252, Latin-1), refusing files that are not text at all (gzip, ZIP, PDF, binary
   with NUL bytes) with a message that says what they are. The data are kept as UTF-8 bytes
   (transcoded once when the file is in another encoding); only the first 2 MB are decoded
   to find the delimiter, the decimal mark and the header rows.
2. The header rows are read by hand (Qualtrics rows may span several lines).
3. :func:`audit_records` walks every data record once and counts its fields and the lines it
   spans. Every record whose field count differs from the header's is an error naming its line
   (a short row is never padded silently); a quoted cell that swallows lines that look like
   rows of their own is an error naming where the quote opens and closes; a quoted cell that
   holds legitimate line breaks is kept and reported. Files without quotes are audited with a
   vectorised byte scan; files with quotes with Python's csv module, streaming.
4. pandas' C parser reads the data (only the columns asked for, in chunks), and its row count
   must equal the audit's, so every row is accounted for.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..._core.checks import choice
from ...exceptions import DataValidationError
from .cells import DECIMAL_COMMA, convert_column, finish_numeric, note_text_in_numbers
from .qualtrics import header_names, split_header
from .report import DroppedRows, ReadLog, fail
from .sniff import describe_binary

__all__ = ["AUDIT_LIMIT", "Audit", "TextSource", "audit_records", "read_text", "text_to_frame"]

_DELIMITERS = (",", ";", "\t", "|")
_DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+$")
HEAD_BYTES = 2 << 20
_CHUNK = 4 << 20
_ROWS_PER_CHUNK = 100_000
#: anomalies kept in detail (the total is always counted)
AUDIT_LIMIT = 50
_BOM8 = b"\xef\xbb\xbf"


@dataclass
class TextSource:
    """A text file as UTF-8 bytes: ``raw[start:]`` is the text; ``head`` its decoded start.

    :func:`text_to_frame` empties ``raw`` once pandas has parsed it, so the bytes do not stay in
    memory while the columns are converted.
    """

    raw: bytes
    start: int
    head: str
    complete: bool  # ``head`` is the whole text


# --------------------------------------------------------------------------- decoding


def _line_of(raw: bytes, pos: int) -> int:
    return raw.count(b"\n", 0, pos) + 1


def _first_error(raw: bytes, start: int, encoding: str) -> UnicodeDecodeError | None:
    """The first decoding error of ``raw[start:]`` (positions absolute), streaming."""
    dec = codecs.getincrementaldecoder(encoding)("strict")
    pos = start
    while pos < len(raw):
        chunk = raw[pos : pos + _CHUNK]
        pending = len(dec.getstate()[0])
        try:
            dec.decode(chunk, final=pos + _CHUNK >= len(raw))
        except UnicodeDecodeError as exc:
            base = pos - pending
            return UnicodeDecodeError(
                exc.encoding, raw, base + exc.start, base + exc.end, exc.reason
            )
        pos += _CHUNK
    return None


def _decode_error(
    path: Path, raw: bytes, exc: UnicodeDecodeError, what: str
) -> DataValidationError:
    byte = raw[exc.start : exc.start + 1].hex().upper()
    return fail(
        path,
        f"{what}: byte 0x{byte} on line {_line_of(raw, exc.start)} (byte {exc.start}) cannot be "
        "decoded",
    )


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the file looks like UTF-16 text without a byte-order mark."""
    sample = raw[:4096]
    half = max(1, len(sample) // 2)
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _transcode(raw: bytes, encoding: str, path: Path, what: str) -> bytes:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, raw, exc, what) from None
    return text.lstrip("\ufeff").encode("utf-8")


def _given_encoding(raw: bytes, path: Path, encoding: str, log: ReadLog) -> tuple[bytes, int]:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise fail(
            path, f"unknown encoding {encoding!r}; use e.g. 'utf-8', 'cp1252' or 'latin-1'"
        ) from None
    if name in ("utf-8", "utf-8-sig", "ascii"):
        start = 3 if raw.startswith(_BOM8) else 0
        err = None if raw.isascii() else _first_error(raw, start, "utf-8")
        if err is not None:
            raise _decode_error(
                path, raw, err,
                f"cannot be decoded as {encoding}; leave encoding=None to detect it, or name the "
                "right one (e.g. 'cp1252' for Excel on Windows)",
            )  # fmt: skip
        return raw, start
    if raw.startswith(_BOM8) and name not in ("utf-16", "utf-32"):
        log.notes.append(
            f"the file starts with a UTF-8 byte-order mark but was read as {encoding} as asked; "
            "the mark was skipped"
        )
        raw = raw[3:]
    if raw.isascii():
        return raw, 0
    return _transcode(raw, encoding, path, f"cannot be decoded as {encoding}"), 0


def _detect_encoding(raw: bytes, path: Path, log: ReadLog) -> tuple[bytes, int, str]:
    """(UTF-8 bytes, where the text starts, the file's encoding)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _transcode(raw, "utf-16", path, "starts with a UTF-16 byte-order mark but is "
                          "not valid UTF-16"), 0, "utf-16"  # fmt: skip
    if b"\x00" in raw[:4096]:
        guess = _utf16_without_bom(raw)
        if guess is not None:
            try:
                data = raw.decode(guess).encode("utf-8")
            except UnicodeDecodeError:
                data = b""
            if data:
                log.notes.append(
                    f"the file is UTF-16 text without a byte-order mark (read as {guess}); "
                    "saving it as UTF-8 avoids any doubt"
                )
                return data, 0, guess
        raise fail(
            path,
            "contains NUL bytes: it is a binary file, not a text export (an Excel or SPSS file "
            "with a .csv name?); export the survey as CSV, or give the file its real extension",
        )
    if raw.startswith(_BOM8):
        err = None if raw.isascii() else _first_error(raw, 3, "utf-8")
        if err is not None:
            raise _decode_error(
                path, raw, err,
                "starts with a UTF-8 byte-order mark but is not all UTF-8 (it mixes in another "
                "encoding, typically Windows-1252: a curly quote or an accented letter pasted "
                "in); re-save it as UTF-8, or pass encoding='cp1252' to read every byte as "
                "Windows-1252",
            )  # fmt: skip
        return raw, 3, "utf-8-sig"
    if raw.isascii() or _first_error(raw, 0, "utf-8") is None:
        return raw, 0, "utf-8"
    for enc in ("cp1252", "latin-1"):
        try:
            return raw.decode(enc).encode("utf-8"), 0, enc
        except UnicodeDecodeError:
            continue
    raise fail(path, "cannot be decoded as text")  # pragma: no cover - latin-1 decodes anything


def _head(raw: bytes, start: int) -> tuple[str, bool]:
    """The first :data:`HEAD_BYTES` of the (UTF-8) text, decoded; and whether that is all."""
    end = start + HEAD_BYTES
    complete = end >= len(raw)
    dec = codecs.getincrementaldecoder("utf-8")("replace")
    return dec.decode(raw[start:end], final=complete), complete


# --------------------------------------------------------------------------- delimiter


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
        mode = max(sorted(set(counts)), key=counts.count)
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

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.used = 0
        self.last = ""

    def __iter__(self) -> _LineFeed:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.used += 1
        self.last = line
        return line


def _head_grid(
    text: str, path: Path, delimiter: str, complete: bool, limit: int = 210
) -> tuple[pd.DataFrame, list[int], list[int]]:
    """The first ``limit`` records as strings, the characters used up to the end of each, and
    the lines used up to the end of each."""
    lines = io.StringIO(text, newline="").readlines()
    if not complete and lines:
        lines = lines[:-1]  # the cut may fall inside the last line
    feed = _LineFeed(iter(lines))
    records: list[list[str]] = []
    chars: list[int] = []
    ends: list[int] = []
    used_chars = 0
    with _field_limit():
        try:
            reader = csv.reader(feed, delimiter=delimiter, quotechar='"')
            done = 0
            for row in reader:
                used_chars += sum(len(line) for line in lines[done : feed.used])
                done = feed.used
                if not row or (len(row) == 1 and row[0].strip(" \t\r\n") == ""):
                    continue
                records.append(row)
                chars.append(used_chars)
                ends.append(feed.used)
                if len(records) >= limit:
                    break
        except csv.Error as exc:
            raise fail(path, f"cannot be parsed as delimited text ({exc})") from None
    if not records:
        raise fail(path, "the file is empty (no header and no data); export the survey again")
    width = max(len(row) for row in records)  # data rows are audited against the header later
    grid = pd.DataFrame([row + [""] * (width - len(row)) for row in records], dtype=object)
    return grid, chars, ends


class _field_limit:
    """Let csv read long cells (a free-text answer, or a runaway quote the audit reports)."""

    def __enter__(self) -> None:
        self.old = csv.field_size_limit()
        csv.field_size_limit(2**31 - 1)

    def __exit__(self, *exc: object) -> None:
        csv.field_size_limit(self.old)


# --------------------------------------------------------------------------- audit


@dataclass
class Audit:
    """What one pass over the data records found.

    ``n_rows`` records become rows (whitespace-only lines are skipped, as by pandas);
    ``empty`` are the positions of rows whose every cell is blank; ``bad`` the records whose
    field count differs from the header's as (first line, last line, fields); ``spans`` the
    records spanning several lines as (first line, last line); ``swallowed`` the spanning records
    whose quoted cell holds lines that look like rows of their own. Details are kept for the
    first :data:`AUDIT_LIMIT`; ``n_bad`` and ``n_spans`` count all.
    """

    width: int
    first_line: int
    n_rows: int = 0
    empty: list[int] = field(default_factory=list)
    bad: list[tuple[int, int, int]] = field(default_factory=list)
    n_bad: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)
    n_spans: int = 0
    swallowed: list[tuple[int, int, int]] = field(default_factory=list)
    last_start: int = 0


def audit_records(
    raw: bytes, offset: int, delimiter: str, width: int, first_line: int, path: Path
) -> Audit:
    """Audit the records of ``raw[offset:]`` (UTF-8) against a header of ``width`` fields."""
    audit = Audit(width=width, first_line=first_line)
    quoted = raw.find(b'"', offset) >= 0
    lone_cr = raw.count(b"\r", offset) != raw.count(b"\r\n", offset)
    if quoted or lone_cr:
        try:
            _audit_csv(raw, offset, delimiter, audit)
        except csv.Error as exc:
            raise fail(path, f"cannot be parsed as delimited text ({exc})") from None
    else:
        _audit_bytes(raw, offset, delimiter, audit)
    return audit


def _note_bad(audit: Audit, first: int, last: int, n_fields: int) -> None:
    audit.n_bad += 1
    if len(audit.bad) < AUDIT_LIMIT:
        audit.bad.append((first, last, n_fields))


def _audit_bytes(raw: bytes, offset: int, delimiter: str, audit: Audit) -> None:
    """Quote-free text: records are lines; counted with numpy, chunk by chunk, no copies."""
    arr = np.frombuffer(raw, dtype=np.uint8)
    d = ord(delimiter)
    blank_bytes = np.array([32, 9, 13, 10], dtype=np.uint8)
    pos, line0, row0 = offset, audit.first_line, 0
    n = len(arr)
    while pos < n:
        end = min(n, pos + _CHUNK)
        if end < n:
            cut = raw.rfind(b"\n", pos, end)
            end = cut + 1 if cut >= pos else (raw.find(b"\n", end) + 1 or n)
        c = arr[pos:end]
        nl = np.flatnonzero(c == 10)
        starts = np.concatenate(([0], nl + 1))
        if len(nl) and nl[-1] == len(c) - 1:
            starts = starts[:-1]
        is_d = c == d
        filled = ~np.isin(c, blank_bytes)
        n_delim = np.add.reduceat(is_d, starts, dtype=np.int64)
        n_filled = np.add.reduceat(filled, starts, dtype=np.int64)
        n_content = np.add.reduceat(filled & ~is_d, starts, dtype=np.int64)
        row = n_filled > 0  # whitespace-only lines are skipped, as pandas does
        lines = line0 + np.arange(len(starts))
        fields = n_delim + 1
        wrong = np.flatnonzero(row & (fields != audit.width))
        for k in wrong[: max(0, AUDIT_LIMIT - len(audit.bad))]:
            audit.bad.append((int(lines[k]), int(lines[k]), int(fields[k])))
        audit.n_bad += len(wrong)
        rows_here = np.flatnonzero(row)
        empty = np.flatnonzero(n_content[rows_here] == 0)
        audit.empty.extend((row0 + empty).tolist())
        if len(rows_here):
            audit.last_start = int(lines[rows_here[-1]])
        row0 += len(rows_here)
        line0 += len(starts)
        pos = end
    audit.n_rows = row0


def _looks_like_rows(cell: str, delimiter: str, width: int) -> int:
    """How many lines inside a multi-line cell have exactly ``width`` fields (rows of their own)."""
    if width < 3:
        return 0
    pieces = cell.split("\n")[1:]
    return sum(1 for p in pieces if p.rstrip("\r").count(delimiter) == width - 1)


def _audit_csv(raw: bytes, offset: int, delimiter: str, audit: Audit) -> None:
    """Text with quotes (or old Mac line ends): Python's csv module, streaming over the lines."""
    stream = io.BytesIO(raw)
    stream.seek(offset)
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    feed = _LineFeed(iter(text))
    before = 0
    with _field_limit():
        for record in csv.reader(feed, delimiter=delimiter, quotechar='"'):
            first, last = audit.first_line + before, audit.first_line + feed.used - 1
            before = feed.used
            if not record or (
                len(record) == 1 and first == last and feed.last.strip(" \t\r\n") == ""
            ):
                continue  # a blank line
            audit.last_start = first
            if last > first:
                audit.n_spans += 1
                if len(audit.spans) < AUDIT_LIMIT:
                    audit.spans.append((first, last))
                rows = sum(_looks_like_rows(c, delimiter, audit.width) for c in record if "\n" in c)
                if rows >= 2 and len(audit.swallowed) < AUDIT_LIMIT:
                    audit.swallowed.append((first, last, rows))
            if len(record) != audit.width:
                _note_bad(audit, first, last, len(record))
            elif all(not c.strip(" \t\r\n") for c in record):
                audit.empty.append(audit.n_rows)
            audit.n_rows += 1
    text.detach()


def _lines(spans: Sequence[tuple[int, int]]) -> str:
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


def _refuse_problems(audit: Audit, path: Path, delimiter: str) -> None:
    """Errors for swallowed rows and wrong field counts, naming the lines."""
    if audit.swallowed:
        first, last, rows = audit.swallowed[0]
        more = (
            f" (and {len(audit.swallowed) - 1} more such cell(s), at lines "
            f"{_lines([(a, b) for a, b, _ in audit.swallowed[1:6]])})"
            if len(audit.swallowed) > 1
            else ""
        )
        raise fail(
            path,
            f"a quoted cell opens on line {first} and closes only on line {last}, swallowing "
            f"{rows} line(s) that look like rows of their own{more}: a stray '\"' would lose "
            f"those respondents. Fix the quote on line {first} (remove it, or close it where the "
            "answer ends) and read the file again",
        )
    if audit.n_bad:
        shown = "; ".join(
            f"line{'s' if a != b else ''} {_lines([(a, b)])} has {n}" for a, b, n in audit.bad[:8]
        )
        more = f" and {audit.n_bad - 8} more" if audit.n_bad > 8 else ""
        spans = any(a != b for a, b, _ in audit.bad)
        why = (
            " (a record over several lines means a quoted cell holds line breaks: check for a "
            "stray '\"')"
            if spans
            else ""
        )
        raise fail(
            path,
            f"{audit.n_bad} row(s) do not have the header's {audit.width} fields: {shown}{more}"
            f"{why}. A short row is not padded and a long one not cut, since either would move "
            "answers into the wrong columns: fix those rows (or check the delimiter; the file "
            f"was read with {_DELIMITER_WORDS.get(delimiter, repr(delimiter))})",
        )


_DELIMITER_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}


# --------------------------------------------------------------------------- parsing


class _Column:
    """One column filled chunk by chunk into a preallocated array (no concatenation copies).

    The type follows pandas' own promotion across chunks: whole numbers stay ``int64`` until a
    chunk holds a decimal or a missing value (``float64``), booleans stay boolean, anything
    else makes the column an object column of the cells as parsed. With ``compact``, whole
    numbers are kept in the smallest integer type that holds every value seen (``int8`` for
    answers 1-7), promoted when a later chunk needs more.
    """

    def __init__(self, n: int, compact: bool = False) -> None:
        self.n = n
        self.compact = compact
        self.arr: np.ndarray | None = None
        self._kinds: set[str] = set()  # what pandas made of the chunks' cells

    @property
    def mixed(self) -> bool:
        """Chunks that pandas parsed differently (numbers in one, text or booleans in another):
        one reading of the whole column keeps every cell as the text in the file ("007", not 7),
        so the column is read again as text (see :func:`_parse`)."""
        return len(self._kinds) > 1

    def _promote(self, dtype: np.dtype) -> np.ndarray:
        if self.arr is None:
            self.arr = np.empty(self.n, dtype=dtype)
        elif self.arr.dtype != dtype:
            self.arr = self.arr.astype(dtype)
        return self.arr

    def add(self, s: pd.Series, at: int) -> None:
        kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else "O"
        current = None if self.arr is None else self.arr.dtype.kind
        if kind in "if":
            if s.notna().any():  # a chunk of empty cells is a float column of NaN
                self._kinds.add("number")
        elif kind == "b":
            self._kinds.add("boolean")
        else:
            inferred = pd.api.types.infer_dtype(s, skipna=True)
            if inferred in ("string", "boolean"):
                self._kinds.add(inferred)
            elif inferred != "empty":  # pandas' own low-memory blocks disagreed in one chunk
                self._kinds.update(("string", "number"))
        if kind == "i" and current in (None, "i"):
            arr = self._promote(self._int_type(s))
        elif kind in "if" and current in (None, "i", "f"):
            arr = self._promote(np.dtype(np.float64))
        elif kind == "b" and current in (None, "b"):
            arr = self._promote(np.dtype(bool))
        else:
            arr = self._promote(np.dtype(object))
        if arr.dtype == object:
            arr[at : at + len(s)] = s.to_numpy(dtype=object, na_value=np.nan)
        else:
            arr[at : at + len(s)] = s.to_numpy(dtype=arr.dtype)

    def _int_type(self, s: pd.Series) -> np.dtype:
        if not self.compact or len(s) == 0:
            return np.dtype(np.int64)
        lo, hi = int(s.min()), int(s.max())
        if self.arr is not None:
            info = np.iinfo(self.arr.dtype)
            lo, hi = min(lo, info.min), max(hi, info.max)
        for t in (np.int8, np.int16, np.int32):
            if np.iinfo(t).min <= lo and hi <= np.iinfo(t).max:
                return np.dtype(t)
        return np.dtype(np.int64)

    def values(self) -> np.ndarray:
        return self.arr if self.arr is not None else np.full(self.n, np.nan)


def _parse(
    src: TextSource,
    offset: int,
    path: Path,
    delimiter: str,
    decimal: str,
    positions: list[int],
    audit: Audit,
    compact: bool = False,
) -> pd.DataFrame:
    """The data rows with pandas' C parser: only the columns at ``positions``, in chunks.

    Each chunk's columns are copied out of the chunk and joined column by column at the end,
    so the peak memory is the data plus one column, not twice the data.
    """
    parts = {k: _Column(audit.n_rows, compact) for k in positions}
    n = _read_chunks(src, offset, path, delimiter, decimal, audit, parts, text=False)
    # a column whose text appears only after the first chunk: its earlier cells were parsed as
    # numbers ("007" as 7); read it again as text, as one whole reading would have given it
    again = {k: _Column(audit.n_rows) for k in positions if parts[k].mixed}
    if again and n == audit.n_rows:
        _read_chunks(src, offset, path, delimiter, decimal, audit, again, text=True)
        parts.update(again)
    return pd.DataFrame({k: parts[k].values() for k in positions}, copy=False)


def _read_chunks(
    src: TextSource,
    offset: int,
    path: Path,
    delimiter: str,
    decimal: str,
    audit: Audit,
    parts: dict[int, _Column],
    text: bool,
) -> int:
    """Fill ``parts`` (columns by position) chunk by chunk; returns the rows read (checked
    against the audit). ``text``: every cell as the text in the file (empty cells missing)."""
    stream = io.BytesIO(src.raw)
    stream.seek(offset)
    positions = list(parts)
    n = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            reader = pd.read_csv(
                stream,
                sep=delimiter,
                header=None,
                names=list(range(audit.width)),
                usecols=positions,
                index_col=False,
                na_values=[""],
                keep_default_na=False,
                decimal=decimal,
                skip_blank_lines=True,
                quotechar='"',
                encoding="utf-8",
                encoding_errors="replace",
                engine="c",
                chunksize=_ROWS_PER_CHUNK,
                dtype=dict.fromkeys(positions, object) if text else None,
            )
            with reader:
                for chunk in reader:
                    if n + len(chunk) > audit.n_rows:
                        n += len(chunk)
                        break
                    for k in positions:
                        parts[k].add(chunk[k], n)
                    n += len(chunk)
    except pd.errors.ParserError as exc:
        msg = str(exc).replace("Error tokenizing data. C error: ", "")
        if "EOF inside string" in msg:
            raise fail(
                path,
                f"a quoted cell opens on line {audit.last_start} and is never closed (the quote "
                f"runs to the end of the file); fix the '\"' on line {audit.last_start}",
            ) from None
        raise fail(path, f"cannot be parsed as delimited text ({msg})") from None
    except pd.errors.EmptyDataError:
        n = 0
    if n != audit.n_rows:
        raise fail(
            path,
            f"the rows cannot be delimited reliably ({n} rows by one reading, "
            f"{audit.n_rows} by another); check the quotes ('\"') in the file",
        )
    return n


def text_to_frame(
    src: TextSource,
    path: Path,
    delimiter: str,
    decimal: str,
    qualtrics: bool | None,
    log: ReadLog,
    columns: Sequence[str] | None = None,
    compact: bool = False,
) -> tuple[pd.DataFrame, dict[str, str], np.ndarray]:
    """Parse a delimited text file: header rows by hand, an audit, the data with pandas."""
    head, chars, ends = _head_grid(src.head, path, delimiter, src.complete)
    width = int((head.iloc[0] != "").to_numpy().nonzero()[0].max(initial=0)) + 1
    names = header_names(list(head.iloc[0, :width]), path, log)
    header_rows, metadata = split_header(head.iloc[:, :width], names, path, qualtrics, decimal, log)
    _check_header_rows(head, width, header_rows, path)
    log.info["header_rows"] = header_rows
    offset = src.start + len(src.head[: chars[header_rows - 1]].encode("utf-8"))
    first_line = ends[header_rows - 1] + 1
    audit = audit_records(src.raw, offset, delimiter, len(names), first_line, path)
    if audit.n_rows == 0:
        what = f"{header_rows} header rows" if header_rows > 1 else "a header row"
        raise fail(
            path,
            f"the file has {what} but no data rows; export the survey again once responses are in",
        )
    _refuse_problems(audit, path, delimiter)
    keep = _kept_columns(names, columns)
    df = _parse(src, offset, path, delimiter, decimal, keep, audit, compact)
    src.raw = b""  # parsed: let the bytes go before the columns are converted
    _return_freed_memory()
    df.columns = [names[k] for k in keep]
    file_rows = np.arange(header_rows + 1, header_rows + 1 + len(df))
    if audit.empty:
        blank = np.zeros(len(df), dtype=bool)
        blank[np.asarray(audit.empty, dtype=np.int64)] = True
        log.dropped.append(
            DroppedRows(
                "entirely empty row", int(blank.sum()), tuple(int(r) for r in file_rows[blank])
            )
        )
        df = df.loc[~blank].reset_index(drop=True)
        file_rows = file_rows[~blank]
    if len(df) == 0:
        raise fail(path, "the file has a header but every data row is empty")
    for name in df.columns:
        col = df[name]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            df[name] = convert_column(col, decimal, log)
        elif col.isna().all() or (audit.empty and col.dtype == np.float64):
            df[name] = finish_numeric(col, col.isna(), name)
    _note_spans(audit, log)
    note_text_in_numbers(df, decimal, log, file_rows)
    _return_freed_memory()
    return df, metadata, file_rows


def _return_freed_memory() -> None:
    """Hand the parser's freed buffers back to the operating system (glibc's ``malloc_trim``).

    pandas' tokenizer leaves tens of megabytes of freed, fragmented heap behind on a large
    file; without this the process keeps them for its lifetime. Elsewhere a no-op.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to do
        pass


def _check_header_rows(head: pd.DataFrame, width: int, header_rows: int, path: Path) -> None:
    """Qualtrics header rows below the field names must not have more fields either."""
    for k in range(1, header_rows):
        extra = head.iloc[k, width:]
        if (extra != "").any():
            n = width + int((extra != "").to_numpy().nonzero()[0].max()) + 1
            raise fail(
                path,
                f"header row {k + 1} has {n} fields, the field names {width}; fix that row (or "
                "check the delimiter: pass delimiter=';' or similar)",
            )


def _kept_columns(names: list[str], columns: Sequence[str] | None) -> list[int]:
    """Positions of the columns to read: all, or those named (plus Qualtrics' status columns)."""
    if columns is None:
        return list(range(len(names)))
    wanted = {str(c) for c in columns} | {"Status", "DistributionChannel"}
    keep = [k for k, n in enumerate(names) if n in wanted]
    return keep or [0]


def _note_spans(audit: Audit, log: ReadLog) -> None:
    if audit.n_spans:
        more = f" and {audit.n_spans - 10} more" if audit.n_spans > 10 else ""
        log.notes.append(
            f"{audit.n_spans} row(s) span several lines because a quoted cell holds line breaks "
            f"(lines {_lines(audit.spans[:10])}{more}); each was read as one row"
        )
        log.info["line_spans"] = tuple(audit.spans)


def read_text(
    path: Path,
    raw: bytes,
    fmt: str,
    encoding: str | None,
    delimiter: str | None,
    decimal: str | None,
    log: ReadLog,
) -> TextSource:
    """Decode the file and settle its encoding, delimiter and decimal mark (logged)."""
    found = describe_binary(raw)
    if found is not None:
        what, todo = found
        raise fail(path, f"is {what}, not a {fmt.upper()} text file; {todo}")
    if encoding is not None:
        data, start = _given_encoding(raw, path, encoding, log)
        enc, enc_detected = encoding, False
    else:
        data, start, enc = _detect_encoding(raw, path, log)
        enc_detected = True
    head, complete = _head(data, start)
    if head.strip("\ufeff \t\r\n") == "":
        raise fail(path, "the file is empty (no header and no data); export the survey again")
    log.info.update(encoding=enc, encoding_detected=enc_detected)
    if delimiter is None and fmt == "tsv":
        delimiter, detected = "\t", False
    elif delimiter is None:
        delimiter, detected = _detect_delimiter(head)
    else:
        if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
            raise fail(
                path, f"delimiter must be one character such as ',' ';' or '\\t', got {delimiter!r}"
            )
        detected = False
    log.info.update(delimiter=delimiter, delimiter_detected=detected)
    grid, _, _ = _head_grid(head, path, delimiter, complete)
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
    return TextSource(raw=data, start=start, head=head, complete=complete)
