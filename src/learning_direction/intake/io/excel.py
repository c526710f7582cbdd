"""Excel workbooks (``.xlsx``/``.xlsm``): choose the sheet, then read it like a text file's grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .cells import blank_mask, convert_column, note_text_in_numbers
from .qualtrics import header_names, split_header
from .report import DroppedRows, ReadLog, fail

__all__ = ["grid_to_frame", "read_excel"]


def read_excel(path: Path, sheet: str | int | None, log: ReadLog) -> pd.DataFrame:
    """The chosen sheet as a grid of cells (no header row yet); empty columns dropped."""
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for broken files
        raise fail(
            path, f"cannot be opened as an Excel workbook ({exc}); save it again as .xlsx"
        ) from None
    sheets = [str(s) for s in book.sheet_names]
    if sheet is None:
        chosen: str | int = book.sheet_names[0]
        if len(sheets) > 1:
            log.notes.append(
                f"the workbook has {len(sheets)} sheets; read the first ('{sheets[0]}'), pass sheet= for another"
            )
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(sheets):
            raise fail(path, f"sheet index {sheet} out of range; the workbook has sheets {sheets}")
        chosen = book.sheet_names[sheet]
    else:
        if str(sheet) not in sheets:
            raise fail(path, f"no sheet named '{sheet}'; the workbook has sheets {sheets}")
        chosen = str(sheet)
    log.info["sheet"] = str(chosen)
    grid = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object)
    book.close()
    if grid.shape[0] == 0:
        raise fail(path, f"sheet '{chosen}' is empty (no header and no data)")
    blank_cols = [k for k in range(grid.shape[1]) if grid.iloc[:, k].isna().all()]
    if blank_cols:
        grid = grid.drop(columns=grid.columns[blank_cols])
    grid.columns = range(grid.shape[1])
    return grid.astype(object)


def grid_to_frame(
    grid: pd.DataFrame,
    path: Path,
    qualtrics: bool | None,
    decimal: str,
    log: ReadLog,
) -> tuple[pd.DataFrame, dict[str, str], np.ndarray]:
    """The data of a grid: header rows split off, blank rows dropped, column types set."""
    names = header_names(list(grid.iloc[0]), path, log)
    header_rows, metadata = split_header(grid, names, path, qualtrics, decimal, log)
    log.info["header_rows"] = header_rows
    body = grid.iloc[header_rows:]
    # row numbers as a spreadsheet shows them (1 = field names)
    file_rows = np.arange(header_rows + 1, header_rows + 1 + len(body))
    if len(body):
        blank = np.logical_and.reduce(
            [blank_mask(body.iloc[:, k]).to_numpy() for k in range(body.shape[1])]
        )
    else:
        blank = np.zeros(0, bool)
    if blank.any():
        log.dropped.append(
            DroppedRows(
                "entirely empty row", int(blank.sum()), tuple(int(r) for r in file_rows[blank])
            )
        )
        body = body.loc[~blank]
        file_rows = file_rows[~blank]
    if len(body) == 0:
        what = f"{header_rows} header rows" if header_rows > 1 else "a header row"
        raise fail(
            path,
            f"the file has {what} but no data rows; export the survey again once responses are in",
        )
    data = {}
    for k, name in enumerate(names):
        data[name] = convert_column(body.iloc[:, k].reset_index(drop=True), decimal, log)
    df = pd.DataFrame(data)
    df.columns = names
    note_text_in_numbers(df, decimal, log, file_rows)
    return df, metadata, file_rows
