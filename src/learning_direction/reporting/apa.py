"""APA-style (7th edition) formatting of statistics for sentences and tables.

Rules followed: statistics that cannot exceed 1 in absolute value (p, r, alpha, beta-like
correlations) have no leading zero; p is given exactly to three decimals, or as ``p < .001``;
other statistics to two decimals; confidence intervals as ``95% CI [lo, hi]``; a minus sign is
the typographic minus (U+2212) in text intended for reports.

Examples
--------
>>> from learning_direction.reporting.apa import apa_coefficient, fmt_p
>>> fmt_p(0.0004)
'p < .001'
>>> apa_coefficient(0.3212, 0.0801, 0.1601, 0.4822, 0.00002)
'b = 0.32, SE = 0.08, 95% CI [0.16, 0.48], p < .001'
"""

from __future__ import annotations

import math

__all__ = [
    "apa_coefficient",
    "apa_indirect",
    "fmt_ci",
    "fmt_num",
    "fmt_p",
    "fmt_r",
    "stars",
]

MINUS = "\u2212"


def _isnan(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def fmt_num(x, digits: int = 2, minus: str = "-") -> str:
    """A number with ``digits`` decimals (``NA`` for missing); ``-0.00`` shown as ``0.00``."""
    if _isnan(x):
        return "NA"
    s = f"{float(x):.{digits}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    return s.replace("-", minus)


def fmt_r(x, digits: int = 2, minus: str = "-") -> str:
    """A statistic bounded by 1 (r, alpha, beta) without a leading zero: ``.32``, ``-.05``."""
    if _isnan(x):
        return "NA"
    s = fmt_num(x, digits)
    if s.startswith("0."):
        s = s[1:]
    elif s.startswith("-0."):
        s = "-" + s[2:]
    return s.replace("-", minus)


def fmt_p(p, with_symbol: bool = True, digits: int = 3) -> str:
    """APA p value: ``p = .032``, ``p < .001`` (no leading zero)."""
    if _isnan(p):
        return "p = NA" if with_symbol else "NA"
    p = float(p)
    floor = 10.0 ** (-digits)
    if p < floor:
        body = "< " + fmt_r(floor, digits)
        return f"p {body}" if with_symbol else body
    body = fmt_r(min(p, 1.0), digits)
    if body == "1.000":
        body = "1.000"
    return f"p = {body}" if with_symbol else body


def fmt_ci(lo, hi, digits: int = 2, level: float = 0.95, bounded: bool = False) -> str:
    """``95% CI [0.16, 0.48]`` (``bounded=True`` drops leading zeros, for r-like statistics)."""
    f = fmt_r if bounded else fmt_num
    return f"{round(level * 100):g}% CI [{f(lo, digits)}, {f(hi, digits)}]"


def stars(p) -> str:
    """``*`` p < .05, ``**`` p < .01, ``***`` p < .001."""
    if _isnan(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def apa_coefficient(
    estimate, se, ci_low, ci_high, p, symbol: str = "b", digits: int = 2, level: float = 0.95
) -> str:
    """``b = 0.32, SE = 0.08, 95% CI [0.16, 0.48], p < .001``."""
    return (
        f"{symbol} = {fmt_num(estimate, digits)}, SE = {fmt_num(se, digits)}, "
        f"{fmt_ci(ci_low, ci_high, digits, level)}, {fmt_p(p)}"
    )


def apa_indirect(
    estimate,
    ci_low,
    ci_high,
    se=None,
    digits: int = 2,
    level: float = 0.95,
    method: str = "percentile bootstrap",
    n_boot: int | None = None,
) -> str:
    """Indirect effect with a bootstrap CI: ``indirect effect = 0.19, 95% CI [0.02, 0.37]``."""
    text = f"indirect effect = {fmt_num(estimate, digits)}"
    if se is not None and not _isnan(se):
        text += f", SE = {fmt_num(se, digits)}"
    ci = fmt_ci(ci_low, ci_high, digits, level)
    extra = f" ({method}" + (f", {n_boot:,} resamples" if n_boot else "") + ")"
    return f"{text}, {ci}{extra}"
