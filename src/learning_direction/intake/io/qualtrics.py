"""Header rows and Qualtrics exports.

A plain file has one header row (the field names). A Qualtrics export adds a question-text row
and, in newer exports, an ImportId row; :func:`split_header` tells them from data rows and keeps
the question texts. :func:`previews` finds Qualtrics preview and test responses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .cells import is_missing, is_number, numeric_share
from .report import ReadLog, fail

__all__ = ["header_names", "previews", "split_header"]

# Qualtrics: the metadata columns every export starts with, and the question text Qualtrics
# writes for them in the second header row.
_QUALTRICS_FIELDS = {
    "StartDate": "Start Date",
    "EndDate": "End Date",
    "Status": "Response Type",
    "IPAddress": "IP Address",
    "Progress": "Progress",
    "Duration (in seconds)": "Duration (in seconds)",
    "Finished": "Finished",
    "RecordedDate": "Recorded Date",
    "ResponseId": "Response ID",
    "ResponseID": "Response ID",
    "DistributionChannel": "Distribution Channel",
    "UserLanguage": "User Language",
}
_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')


# Qualtrics "Status" in numeric exports: 1 = Survey Preview, 2 = Survey Test,
# 9 = preview flagged as spam, 17 = offline preview.
_PREVIEW_STATUS_CODES = {
    1: "Survey Preview",
    2: "Survey Test",
    9: "Survey Preview",
    17: "Survey Preview",
}
_PREVIEW_STATUS_LABELS = {"survey preview", "survey test"}
_PREVIEW_CHANNELS = {"preview", "test"}


def header_names(row: Sequence[Any], path: Path, log: ReadLog) -> list[str]:
    """Column names from the first row: blanks named ``unnamed_<k>``, duplicates refused."""
    names: list[str] = []
    for k, v in enumerate(row, start=1):
        name = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
        if name == "":
            name = f"unnamed_{k}"
            log.notes.append(f"column {k} has no name in the header; it was named '{name}'")
        names.append(name)
    seen: dict[str, int] = {}
    dupes: list[str] = []
    for k, n in enumerate(names, start=1):
        if n in seen:
            dupes.append(f"'{n}' (columns {seen[n]} and {k})")
        else:
            seen[n] = k
    if dupes:
        raise fail(
            path,
            f"duplicate column name(s) {', '.join(dupes)}; every column needs a unique name — "
            "rename them in the file (or in the survey tool) and export again",
        )
    return names


def _row_kind(row: pd.Series, names: list[str], numeric_cols: list[int], decimal: str) -> str:
    """Classify a row just below the field names: 'importid', 'text' or 'data'."""
    cells = [v for v in row if not is_missing(v)]
    if cells and sum(bool(_IMPORT_ID.match(str(v))) for v in cells) >= max(1, len(cells) // 2):
        return "importid"
    for k, name in enumerate(names):
        label = _QUALTRICS_FIELDS.get(name)
        if (
            label is not None
            and str(row.iloc[k]).strip() == label
            and label not in {"Progress", "Finished"}
        ):
            return "text"
    vals = [row.iloc[k] for k in numeric_cols if not is_missing(row.iloc[k])]
    if vals and sum(not is_number(v, decimal) for v in vals) / len(vals) >= 0.5:
        return "text"
    return "data"


def split_header(
    grid: pd.DataFrame,
    names: list[str],
    path: Path,
    qualtrics: bool | None,
    decimal: str,
    log: ReadLog,
) -> tuple[int, dict[str, str]]:
    """Work out how many header rows a (possibly Qualtrics) file has.

    Returns (number of rows before the data including the field names, column -> question text).
    """
    n = len(grid)
    signature = sum(name in _QUALTRICS_FIELDS for name in names)
    if qualtrics is False:
        return 1, {}
    # columns that are numeric in the data, judged on rows well below any header
    probe = grid.iloc[4:204] if n > 4 else grid.iloc[n - 1 :]
    numeric_cols = []
    for k in range(grid.shape[1]):
        share, count, _ = numeric_share(probe.iloc[:, k], decimal)
        if count and share >= 0.8:
            numeric_cols.append(k)
    kinds = [_row_kind(grid.iloc[r], names, numeric_cols, decimal) for r in range(1, min(n, 7))]
    first_import = kinds.index("importid") if "importid" in kinds else None
    block: list[str] = []
    for r, kind in enumerate(kinds):
        if kind in ("importid", "text"):
            block.append(kind)
        elif first_import is not None and r < first_import:
            block.append("text")
        else:
            break
    is_qualtrics = qualtrics is True or signature >= 2 or "importid" in block
    if not is_qualtrics:
        return 1, {}
    forced = qualtrics is True
    if block == ["text", "importid"]:
        log.info["qualtrics"] = "three_row"
    elif block == ["text"]:
        log.info["qualtrics"] = "two_row"
    elif not block:
        if forced:
            log.notes.append(
                "qualtrics=True but no question-text or ImportId row was found; read with one header row"
            )
        else:
            log.notes.append(
                "the columns look like a Qualtrics export but there are no question-text rows; "
                "read as a plain file with one header row"
            )
        return 1, {}
    elif block == ["importid"]:
        if not forced:
            raise fail(
                path,
                "the Qualtrics header is missing its question-text row (row 2 is the ImportId row, "
                "expected field names, question text, ImportId). Re-export the survey from Qualtrics, "
                "or pass qualtrics=True to read it without question texts",
            )
        log.info["qualtrics"] = "three_row"
        log.notes.append(
            "Qualtrics header without a question-text row (read because qualtrics=True)"
        )
    else:
        desc = ", ".join("ImportId" if k == "importid" else "question text" for k in block)
        if not forced:
            repeated = "ImportId" if block.count("importid") > 1 else "question-text"
            raise fail(
                path,
                f"the Qualtrics header has {len(block) + 1} rows (field names, {desc}) instead of 3 "
                f"(field names, question text, ImportId); the {repeated} row appears twice. Delete the "
                "extra row, re-export from Qualtrics, or pass qualtrics=True to skip every header row",
            )
        log.info["qualtrics"] = "three_row" if "importid" in block else "two_row"
        log.notes.append(
            f"{len(block) + 1} header rows skipped (field names, {desc}) because qualtrics=True"
        )
    metadata: dict[str, str] = {}
    if "text" in block:
        text_row = grid.iloc[1 + block.index("text")]
        for k, name in enumerate(names):
            v = text_row.iloc[k]
            if not is_missing(v):
                metadata[name] = str(v).strip()
    return 1 + len(block), metadata


def previews(df: pd.DataFrame, qualtrics: bool) -> list[tuple[str, pd.Series]]:
    """(reason, mask) for Qualtrics preview/test responses."""
    found: list[tuple[str, pd.Series]] = []
    if "DistributionChannel" in df.columns:
        chan = df["DistributionChannel"].map(
            lambda v: str(v).strip().lower() if not is_missing(v) else ""
        )
        for value in sorted(_PREVIEW_CHANNELS):
            mask = chan == value
            if mask.any():
                found.append(
                    (f"Qualtrics {value} response (DistributionChannel = '{value}')", mask)
                )
    if qualtrics and "Status" in df.columns:
        status = df["Status"]
        already = pd.Series(False, index=df.index)
        for _, m in found:
            already |= m
        if pd.api.types.is_numeric_dtype(status):
            mask = status.isin(list(_PREVIEW_STATUS_CODES)) & ~already
            if mask.any():
                codes = sorted({int(v) for v in status[mask]})
                found.append(
                    (
                        f"Qualtrics preview/test response (Status = {', '.join(map(str, codes))})",
                        mask,
                    )
                )
        else:
            low = status.map(lambda v: str(v).strip().lower() if not is_missing(v) else "")
            mask = low.isin(_PREVIEW_STATUS_LABELS) & ~already
            if mask.any():
                labels = sorted({str(v) for v in status[mask]})
                found.append(
                    (f"Qualtrics preview/test response (Status = {', '.join(labels)})", mask)
                )
    return found
