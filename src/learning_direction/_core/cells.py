"""Values shown to people: clipped echoes in messages, and spreadsheet-safe cells in files.

* :func:`clip` is how a message echoes something the user gave (a config value, a cell, a
  YAML key): one line, at most ``limit`` characters, with the full length said when cut. A
  message never grows with its input.
* :func:`neutralise_cell` and :func:`neutralise_frame` make text cells safe to open in a
  spreadsheet. A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  read by Excel, LibreOffice and Google Sheets as a formula ("CSV injection"); as OWASP
  recommends, such a cell is written with a leading apostrophe (``'=HYPERLINK(...)``), which the
  spreadsheet shows as text. Numbers stay numbers: numeric columns are left alone, and so is a
  text cell that is a plain number such as ``-3`` or ``+1.5e3``.

References
----------
OWASP Foundation. *CSV Injection*. https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = [
    "FORMULA_START",
    "clip",
    "csv_text",
    "describe_text",
    "masked_value",
    "neutralise_cell",
    "neutralise_frame",
]

#: the characters a spreadsheet reads as the start of a formula (OWASP's list)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: a number written as text, possibly with significance stars ("-.05**"): not a formula
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\**$", re.ASCII)
_FULLWIDTH_DIGIT = re.compile("[\uff10-\uff19]")


def clip(value: Any, limit: int = 60, *, quote: bool = True) -> str:
    """``repr(value)`` (``str(value)`` with ``quote=False``) on one line, at most ``limit`` long.

    Examples
    --------
    >>> clip("short")
    "'short'"
    >>> clip("x" * 500, limit=20)
    "'xxxxxxxxxxxxxxxxxx… (502 characters)"
    >>> clip("a key", quote=False)
    'a key'
    """
    try:
        text = repr(value) if quote else str(value)
    except Exception:  # a broken __repr__ must not hide the real message
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return f"{text[: max(1, limit - 1)]}… ({len(text)} characters)"


def neutralise_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula, prefixed with ``'``.

    Anything that is not text, and text that is a plain number, is returned unchanged.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(\\"http://x\\")"), neutralise_cell("-3"), neutralise_cell(-3)
    ('\\'=HYPERLINK("http://x")', '-3', -3)
    >>> neutralise_cell("@SUM(A1)"), neutralise_cell("plain")
    ("'@SUM(A1)", 'plain')
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        if _PLAIN_NUMBER.match(value):
            return value
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot start a formula.

    Numeric, boolean and datetime columns are not touched, so numbers stay numbers.
    """
    out = df.copy()
    for k in range(out.shape[1]):
        col = out.iloc[:, k]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype | pd.CategoricalDtype):
            values = col.astype(object)
            if values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).any():
                out.isetitem(k, values.map(neutralise_cell))
    out.columns = pd.Index([neutralise_cell(c) for c in out.columns])
    return out


def csv_text(df: pd.DataFrame, *, header: bool = True, float_format: str | None = None) -> str:
    """A table as spreadsheet-safe CSV text (``\\n`` line ends, no index).

    Formula-like text cells are neutralised (:func:`neutralise_frame`). A text cell holding a
    carriage return is only quoted by Python's csv writer when ``\\r`` is part of the line
    terminator, so such a table quotes every text cell instead: a reader never splits the row.
    """
    import csv

    safe = neutralise_frame(df)
    has_cr = any(
        safe.iloc[:, k].map(lambda v: isinstance(v, str) and "\r" in v).any()
        for k in range(safe.shape[1])
        if not pd.api.types.is_numeric_dtype(safe.iloc[:, k])
    ) or any("\r" in str(c) for c in safe.columns)
    text: str = safe.to_csv(
        index=False,
        header=header,
        lineterminator="\n",
        float_format=float_format,
        quoting=csv.QUOTE_NONNUMERIC if has_cr else csv.QUOTE_MINIMAL,
    )
    return text


def describe_text(values: Iterable[Any]) -> str:
    """What kind of text some cells hold, without showing it (cells never reach a report).

    Full-width digits (typed with a Japanese, Chinese or Korean input method) and digits of
    other scripts are named, since they look like numbers but no statistics program reads them
    as numbers.

    Examples
    --------
    >>> describe_text(["５", "3"])
    "full-width digits (e.g. '５', typed with a Japanese, Chinese or Korean input method), which are text to every statistics program; retype them as 0-9"
    >>> describe_text(["often"])
    'text'
    """
    texts = [str(v) for v in values]
    if any(_FULLWIDTH_DIGIT.search(t) for t in texts):
        return (
            "full-width digits (e.g. '５', typed with a Japanese, Chinese or Korean input "
            "method), which are text to every statistics program; retype them as 0-9"
        )
    if any(any(unicodedata.category(ch) == "Nd" and not ch.isascii() for ch in t) for t in texts):
        return "digits of another script (not 0-9), which are read as text; retype them as 0-9"
    return "text"


def masked_value(value: Any) -> Any:
    """A cell as a report may show it: numbers as they are, text replaced by a description.

    A free-text answer (or an e-mail address typed into a numeric item) must not reach a
    report, a table or a log; its length and kind are enough to find it in the file.

    Examples
    --------
    >>> masked_value(9.0), masked_value("12"), masked_value("jane@example.org")
    (9, '12', 'text (16 characters)')
    >>> masked_value("５")
    'full-width digits (1 character)'
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            return int(value)
        return value
    text = str(value).strip()
    if _PLAIN_NUMBER.match(text):
        return text
    kind = "full-width digits" if _FULLWIDTH_DIGIT.search(text) else "text"
    n = len(text)
    return f"{kind} ({n} character{'s' if n != 1 else ''})"
