"""The one number formatter: every number the package prints goes through :func:`fmt_num`.

Result tables in text and HTML (:func:`format_number`), APA sentences (:func:`fmt_num`,
:func:`fmt_r`, :func:`fmt_p`, :func:`fmt_ci`) and figure labels (:func:`fig_num`) are presets of
the same rules, so a number reads the same in a notebook, a report and a figure:

* missing values (``None``, NaN) print as ``NA``, as R does;
* a value that rounds to zero prints without a sign (``0.00``, never ``-0.00``);
* ``bounded=True`` drops the leading zero of statistics that cannot exceed 1 in absolute value
  (p, r, alpha, beta-like correlations), as APA 7 asks (``.32``, ``-.05``);
* ``minus`` is the minus sign used: ``"-"`` for plain text and files, the typographic minus
  U+2212 (:data:`MINUS`) for reports and figures;
* ``keep_small=True`` keeps two significant digits of a nonzero value that would round to zero
  (``0.00072`` rather than ``0.000``), for figure labels.

Examples
--------
>>> from learning_direction._core.format import fmt_num, fmt_p, fmt_r, fmt_ci
>>> fmt_num(-0.0004), fmt_r(-0.052), fmt_p(0.0004), fmt_p(0.0321)
('0.00', '-.05', 'p < .001', 'p = .032')
>>> fmt_ci(0.1601, 0.4822)
'95% CI [0.16, 0.48]'
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "MINUS",
    "boot_p_floor",
    "fig_num",
    "fmt_ci",
    "fmt_num",
    "fmt_p",
    "fmt_p_boot",
    "fmt_r",
    "format_number",
    "is_missing",
    "stars",
]

MINUS = "\u2212"


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN and anything that is not a real number."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def fmt_num(
    value: Any,
    digits: int = 2,
    *,
    minus: str = "-",
    bounded: bool = False,
    keep_small: bool = False,
) -> str:
    """A number with ``digits`` decimals (see the module docstring for the rules).

    Parameters
    ----------
    value : number
        The number; ``None`` or NaN print as ``NA``, text is returned unchanged.
    digits : int
        Decimals shown.
    minus : str
        The minus sign (``"-"`` or :data:`MINUS`).
    bounded : bool
        Drop the leading zero (APA style for statistics bounded by 1).
    keep_small : bool
        Keep two significant digits of a nonzero value that would print as zero.
    """
    if value is None:
        return "NA"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "NA"
    if keep_small and v != 0 and abs(v) < 0.5 * 10.0 ** (-digits):
        import numpy as np

        text = np.format_float_positional(v, precision=2, unique=False, fractional=False, trim="-")
    else:
        text = f"{v:.{digits}f}"
    if text.lstrip("-").strip("0.") == "":  # -0.00 -> 0.00
        text = text.lstrip("-")
    if bounded and text.lstrip("-").startswith("0."):
        text = text.replace("0.", ".", 1)
    return text.replace("-", minus)


def fmt_r(value: Any, digits: int = 2, minus: str = "-") -> str:
    """A statistic bounded by 1 (r, alpha, beta) without a leading zero: ``.32``, ``-.05``."""
    return fmt_num(value, digits, minus=minus, bounded=True)


def fig_num(value: Any, digits: int = 2, *, apa: bool = False) -> str:
    """A number for figure text: typographic minus, small values kept (``apa``: no leading 0)."""
    return fmt_num(value, digits, minus=MINUS, bounded=apa, keep_small=True)


def fmt_p(p: Any, with_symbol: bool = True, digits: int = 3) -> str:
    """APA p value: ``p = .032``, ``p < .001`` (no leading zero)."""
    if is_missing(p):
        return "p = NA" if with_symbol else "NA"
    floor = 10.0 ** (-digits)
    if float(p) < floor:
        body = "< " + fmt_r(floor, digits)
        return f"p {body}" if with_symbol else body
    body = fmt_r(min(float(p), 1.0), digits)
    return f"p = {body}" if with_symbol else body


def boot_p_floor(n_boot: Any) -> float:
    """Resolution of a two-sided bootstrap p-value from ``n_boot`` valid resamples: ``2 / n_boot``.

    The bootstrap p-value is ``2 min(share of draws <= 0, share >= 0)``, so its smallest
    nonzero value is ``2 / B``; a stored 0 (no draw on the far side of zero) means "below
    ``2 / B``", never "zero". NaN when ``n_boot`` is missing or not positive.
    """
    try:
        b = float(n_boot)
    except (TypeError, ValueError):
        return float("nan")
    return 2.0 / b if b > 0 and not math.isnan(b) else float("nan")


def fmt_p_boot(p: Any, n_boot: Any, with_symbol: bool = True, digits: int = 3) -> str:
    """A bootstrap p-value: as :func:`fmt_p`, but a stored 0 prints as ``p < 2/B``.

    ``n_boot`` is the number of valid resamples B. The bound is rounded up at the first decimal
    that shows it (so it stays a true bound): ``p < .0004`` for 5,000 resamples, ``p < .002``
    for 1,000.

    >>> fmt_p_boot(0.0, 5000), fmt_p_boot(0.0, 1000), fmt_p_boot(0.0124, 5000)
    ('p < .0004', 'p < .002', 'p = .012')
    """
    floor = boot_p_floor(n_boot)
    if is_missing(p) or float(p) > 0 or math.isnan(floor):
        return fmt_p(p, with_symbol, digits)
    d = max(digits, math.ceil(-math.log10(floor) - 1e-12))
    bound = math.ceil(floor * 10**d - 1e-9) / 10**d
    body = "< " + fmt_r(bound, d)
    return f"p {body}" if with_symbol else body


def fmt_ci(lo: Any, hi: Any, digits: int = 2, level: float = 0.95, bounded: bool = False) -> str:
    """``95% CI [0.16, 0.48]`` (``bounded=True`` drops leading zeros, for r-like statistics)."""
    return (
        f"{round(level * 100):g}% CI "
        f"[{fmt_num(lo, digits, bounded=bounded)}, {fmt_num(hi, digits, bounded=bounded)}]"
    )


def stars(p: Any) -> str:
    """APA significance marks: ``*`` p < .05, ``**`` p < .01, ``***`` p < .001."""
    if is_missing(p):
        return ""
    p = float(p)
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def format_number(value: Any, digits: int = 4) -> str:
    """A table cell or a metadata value: whole numbers as integers, others with ``digits``."""
    if value is None:
        return "NA"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return fmt_num(v, digits)
