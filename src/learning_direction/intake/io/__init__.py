"""Read real survey exports: CSV/TSV, Excel, SPSS, Stata and Qualtrics files.

:func:`read_survey` returns the data together with a read report (rows, columns, the encoding,
delimiter and decimal mark used, every recoding made, every row dropped and why, and the file's
SHA-256) and the question text or variable label of each column. Nothing is changed silently:
user-missing codes that became NaN, preview responses that were dropped and text found in
numeric columns are all listed in the report.

One module per concern: :mod:`.report` (the result objects and the read log), :mod:`.text`
(CSV/TSV: encoding, delimiter and decimal detection), :mod:`.excel`, :mod:`.statistical` (SPSS
and Stata), :mod:`.qualtrics` (header rows, preview responses), :mod:`.cells` (column types) and
:mod:`.recode` (missing codes, dropped rows).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..._core.checks import choice
from ..._core.files import check_regular_file
from ..._core.provenance import bytes_sha256
from ...exceptions import DataValidationError
from .excel import grid_to_frame, read_excel
from .qualtrics import previews
from .recode import apply_missing_codes, drop_rows
from .report import DroppedRows, ReadLog, ReadReport, Recoding, SurveyData, fail, report_json
from .sniff import describe_binary, is_encrypted_sav, is_spss, is_zip
from .statistical import apply_labels, read_stat
from .text import read_text, text_to_frame

__all__ = [
    "FORMATS",
    "DroppedRows",
    "ReadReport",
    "Recoding",
    "SurveyData",
    "read_survey",
    "report_json",
]

FORMATS = ("csv", "tsv", "xlsx", "sav", "dta")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".sav": "sav",
    ".zsav": "sav",
    ".dta": "dta",
}
_FORMAT_ALIASES = {"excel": "xlsx", "spss": "sav", "stata": "dta", "txt": "csv", "qualtrics": "csv"}


def read_survey(
    path: str | Path,
    *,
    format: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    labels: Literal["codes", "labels"] = "codes",
    missing_codes: Sequence[Any] | Mapping[str, Any] | None = None,
    drop_previews: bool = False,
    qualtrics: bool | None = None,
    columns: Sequence[str] | None = None,
    compact: bool = False,
) -> SurveyData:
    """Read a survey export (CSV/TSV, Excel, SPSS, Stata or Qualtrics) with a read report.

    Parameters
    ----------
    path : str or Path
        The file. Its extension picks the reader: ``.csv``/``.txt`` (delimiter detected),
        ``.tsv``/``.tab``, ``.xlsx``/``.xlsm``, ``.sav``/``.zsav`` (SPSS), ``.dta`` (Stata).
    format : {"csv", "tsv", "xlsx", "sav", "dta"}, optional
        Read as this format whatever the extension.
    delimiter : str, optional
        Text files: the field delimiter. Default: detected among ``, ; tab |``.
    decimal : {".", ","}, optional
        Text files: the decimal mark. Default ``"."``, or ``","`` when the delimiter is not a
        comma and numbers such as ``3,5`` appear (and none such as ``3.5``).
    encoding : str, optional
        Text files: the encoding. Default: detected, trying UTF-16 (by its byte-order mark),
        UTF-8 (with or without BOM), Windows-1252, then Latin-1.
    sheet : str or int, optional
        Excel: the sheet name or 0-based index (default: the first sheet).
    labels : {"codes", "labels"}
        SPSS/Stata value labels: keep the numeric codes (default; the labels are in
        ``value_labels``) or replace codes by their labels (a categorical column when every
        value has a label).
    missing_codes : list or dict, optional
        Values that mean "missing" (e.g. ``[-9, 99]``, or text such as ``"NA"``) for every
        column, or a dict ``{column: [codes]}`` for some columns. They become NaN and are listed
        in ``report.recodings``. SPSS user-missing values declared in the file are always
        recoded.
    drop_previews : bool
        Drop Qualtrics preview and test responses (``DistributionChannel`` ``preview``/``test``,
        or ``Status`` "Survey Preview"/"Survey Test", codes 1/2 in numeric exports). Without it,
        such rows are kept and a note says how many there are.
    qualtrics : bool, optional
        ``None`` (default): detect a Qualtrics export (its metadata columns or an ImportId row)
        and its header rows. ``True``: treat the file as a Qualtrics export and skip every
        header row found (use it when the header rows are irregular). ``False``: read the
        first row as the only header.
    columns : list of str, optional
        Keep only these columns (text files skip the others while reading, which saves memory
        on large files). Every row is still read, checked and counted. Names the file does not
        have are ignored here, so that the analysis needing them can name what is missing; the
        Qualtrics ``Status`` and ``DistributionChannel`` columns are kept when present.
    compact : bool
        Text files: keep whole-number columns in the smallest integer type that holds them
        (``int8`` for answers 1-7) instead of ``int64``; for very large files. Arithmetic on
        small integer types can overflow, so leave it off for data you compute with directly.

    Returns
    -------
    SurveyData
        ``.data`` (DataFrame), ``.report`` (:class:`ReadReport`: rows, columns, encoding,
        delimiter, recodings, dropped rows, SHA-256), ``.metadata`` (column -> question text or
        variable label) and ``.value_labels``.

    Raises
    ------
    DataValidationError
        File not found, not a regular file (a device such as ``/dev/zero``, a named pipe),
        unknown extension, a file that is something else (gzip, ZIP, PDF, a password-protected
        workbook or SPSS file, binary data), an empty file, a header without data rows,
        duplicate column names, rows with more or fewer fields than the header (by line
        number), a quoted cell that swallows lines looking like rows, a Qualtrics header with an
        extra or a missing row, an undecodable file. The message names the file and says what
        to do.

    Notes
    -----
    Column types are inferred after the header rows are removed: a column whose every present
    value is a number becomes numeric (``int64`` when whole and complete, else ``float64``),
    ``True``/``False`` becomes boolean, anything else stays text. A mostly numeric column with
    a few text cells stays text, and ``report.notes`` names it and the rows (never the cells'
    content). Empty cells (or only spaces) are missing. The tokens ``NA``, ``N/A``, ``n/a``,
    ``NaN``, ``nan``, ``NULL``, ``null`` and ``#N/A`` become missing only in a column whose
    other cells are all numbers, and each such conversion is listed in ``report.recodings``; in
    a text column they stay text (``NA`` may be North America). Anything else becomes missing
    only through ``missing_codes``. A record whose quoted cell holds line breaks is one row
    (``report.notes`` and ``report.line_spans`` give its lines). Latin-1 and Windows-1252 differ
    only in bytes 0x80–0x9F, so a Latin-1 file is reported as ``cp1252`` unless it holds a
    byte undefined in Windows-1252; the decoded text is the same. The SHA-256 is of the file's
    bytes, so the report identifies exactly which export was analysed.

    References
    ----------
    Qualtrics (2024). *Understanding your dataset* (export header rows, ``Status`` codes).
    IBM SPSS Statistics: user-missing values.

    Examples
    --------
    The R equivalents are ``read.csv``/``readr::read_csv``, ``readxl::read_excel``,
    ``haven::read_sav(user_na = TRUE)`` and ``qualtRics::read_survey``.

    A European-style export (semicolon-delimited, decimal comma) of the bundled Study 1 data;
    delimiter and decimal mark are detected:

    >>> import pathlib, tempfile
    >>> import pandas as pd
    >>> import learning_direction as ld
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ld.load_dataset("study1").to_csv(folder / "study1.csv", sep=";", decimal=",", index=False)
    >>> s = ld.read_survey(folder / "study1.csv")  # R: read.csv2("study1.csv")
    >>> s.report.n_rows, s.report.delimiter, s.report.decimal, s.report.encoding
    (300, ';', ',', 'utf-8')

    A small Qualtrics export with its three header rows (field names, question text, ImportId),
    a preview response and a ``-9`` missing code:

    >>> pd.DataFrame({
    ...     "ResponseId": ["Response ID", '{"ImportId":"_recordId"}', "R_1", "R_2", "R_3"],
    ...     "Status": ["Response Type", '{"ImportId":"status"}', "IP Address", "Survey Preview",
    ...                "IP Address"],
    ...     "ld_up_1": ["Q2 - People above me ...", '{"ImportId":"QID2_1"}', "5", "4", "-9"],
    ... }).to_csv(folder / "mentors.csv", index=False)
    >>> q = ld.read_survey(folder / "mentors.csv", drop_previews=True, missing_codes=[-9])
    >>> # R: qualtRics::read_survey("mentors.csv"), then drop previews and recode -9 by hand
    >>> q.report.qualtrics, q.report.n_rows_read, q.report.n_rows
    ('three_row', 3, 2)
    >>> q.metadata["ld_up_1"]
    'Q2 - People above me ...'
    >>> q.data["ld_up_1"].tolist()
    [5.0, nan]
    >>> q.report.dropped[0].reason, q.report.dropped[0].rows
    ('Qualtrics preview/test response (Status = Survey Preview)', (5,))
    >>> print(q.report.recodings_table.to_string(index=False))
     column  from_value  to_value  count               reason
    ld_up_1          -9       NaN      1 missing code (given)
    """
    p = Path(path)
    how = choice(labels, "labels", ("codes", "labels"), error=DataValidationError)
    fmt = _format_of(p, format)
    raw = _read_bytes(p, fmt)
    sha256 = bytes_sha256(raw)
    log = ReadLog()
    value_labels: dict[str, dict[Any, str]] = {}
    if fmt == "xlsx":
        del raw
        grid = read_excel(p, sheet, log)
        df, metadata, file_rows = grid_to_frame(grid, p, qualtrics, decimal or ".", log)
    elif fmt in ("csv", "tsv"):
        src = read_text(p, raw, fmt, encoding, delimiter, decimal, log)
        del raw
        delim, dec = log.info["delimiter"], log.info["decimal"]
        df, metadata, file_rows = text_to_frame(
            src, p, delim, dec, qualtrics, log, columns, compact
        )
    else:
        del raw
        df, metadata, value_labels = read_stat(p, fmt, log)
        log.info["header_rows"] = 0
        file_rows = np.arange(1, len(df) + 1)
    if columns is not None and fmt != "csv" and fmt != "tsv":
        wanted = {str(c) for c in columns} | {"Status", "DistributionChannel"}
        df = df[[c for c in df.columns if c in wanted] or list(df.columns[:1])]
    n_read = len(df) + sum(d.count for d in log.dropped)  # rows found, before any drop
    df = apply_missing_codes(df, missing_codes, log, p)
    df, file_rows = _handle_previews(df, file_rows, drop_previews, log)
    if len(df) == 0:
        reasons = "; ".join(d.reason for d in log.dropped)
        raise fail(p, f"all {n_read} rows were dropped ({reasons}); nothing is left to analyse")
    if how == "labels" and value_labels:
        df = apply_labels(df, value_labels, log)
    df = df.reset_index(drop=True)
    report = _report(p, fmt, sha256, df, n_read, log)
    return SurveyData(data=df, report=report, metadata=metadata, value_labels=value_labels)


def _format_of(path: Path, format: str | None) -> str:
    """The reader to use: ``format`` when given, else the file's extension."""
    if format is not None:
        fmt = str(format).lower().lstrip(".")
        fmt = _FORMAT_ALIASES.get(fmt, fmt)
        if fmt not in FORMATS:
            raise fail(path, f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise fail(
            path, "old Excel .xls files are not supported; open it in Excel and save as .xlsx"
        )
    if suffix not in _EXTENSIONS:
        raise fail(
            path,
            f"unknown file type '{suffix or '(no extension)'}'; use .csv, .tsv, .txt, .xlsx, "
            ".sav or .dta, or pass format='csv' (or another) to read it anyway",
        )
    return _EXTENSIONS[suffix]


def _read_bytes(path: Path, fmt: str) -> bytes:
    """The file's bytes; a clear error when it is missing, not a regular file, or not ``fmt``."""
    if not path.exists() and not path.is_symlink():
        raise fail(
            path,
            "file not found; check the path (relative paths start from the current folder "
            f"{Path.cwd()})",
        )
    if path.is_dir():
        raise fail(path, "is a folder, not a file; give the path of the export file")
    check_regular_file(path, DataValidationError, "survey file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise fail(path, "not a regular file; give the path of a saved export file")
            raw = fh.read()
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror})") from None
    if len(raw) == 0:
        raise fail(path, "the file is empty (0 bytes); export the survey again")
    _check_format(path, raw, fmt)
    return raw


def _check_format(path: Path, raw: bytes, fmt: str) -> None:
    """Refuse a file whose bytes say it is not what its extension (or ``format``) claims."""
    found = describe_binary(raw)
    if fmt == "xlsx":
        if is_zip(raw) and (found is None or found[0] == "an Excel workbook"):
            return
        what, todo = found or ("text, not a workbook", "rename it to .csv (or pass format='csv')")
        raise fail(path, f"is {what}, not an Excel .xlsx workbook; {todo}")
    if fmt == "sav" and found is not None and (is_encrypted_sav(raw) or not is_spss(raw)):
        what, todo = found
        raise fail(path, f"is {what}, not a readable SPSS .sav file; {todo}")


def _handle_previews(
    df: pd.DataFrame, file_rows: np.ndarray, drop: bool, log: ReadLog
) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop Qualtrics preview/test responses (``drop``) or keep them with a note."""
    found = previews(df, log.info.get("qualtrics") is not None)
    if found and drop:
        for reason, mask in found:
            mask = mask.reindex(df.index, fill_value=False)
            df, file_rows = drop_rows(df, mask, reason, file_rows, log)
    elif found:
        total = sum(int(m.sum()) for _, m in found)
        log.notes.append(
            f"{total} Qualtrics preview/test response(s) kept; pass drop_previews=True to leave "
            "them out"
        )
    elif drop and not any(c in df.columns for c in ("DistributionChannel", "Status")):
        log.notes.append(
            "drop_previews=True but the file has no DistributionChannel or Status column"
        )
    return df, file_rows


def _report(
    path: Path, fmt: str, sha256: str, df: pd.DataFrame, n_read: int, log: ReadLog
) -> ReadReport:
    """Freeze what the readers logged into the read report."""
    info = log.info
    return ReadReport(
        path=str(path),
        format=fmt,
        sha256=sha256,
        n_rows=len(df),
        n_columns=df.shape[1],
        n_rows_read=n_read,
        encoding=info.get("encoding"),
        encoding_detected=info.get("encoding_detected", False),
        delimiter=info.get("delimiter"),
        delimiter_detected=info.get("delimiter_detected", False),
        decimal=info.get("decimal"),
        decimal_detected=info.get("decimal_detected", False),
        qualtrics=info.get("qualtrics"),
        header_rows=info.get("header_rows", 1),
        sheet=info.get("sheet"),
        recodings=tuple(log.recodings),
        dropped=tuple(log.dropped),
        notes=tuple(log.notes),
        line_spans=tuple(info.get("line_spans", ())),
    )
