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

from typing import Any

from .._core.format import MINUS, fmt_ci, fmt_num, fmt_p, fmt_r, is_missing, stars

__all__ = [
    "MINUS",
    "apa_coefficient",
    "apa_indirect",
    "fmt_ci",
    "fmt_num",
    "fmt_p",
    "fmt_r",
    "stars",
]


def apa_coefficient(
    estimate: Any,
    se: Any,
    ci_low: Any,
    ci_high: Any,
    p: Any,
    symbol: str = "b",
    digits: int = 2,
    level: float = 0.95,
) -> str:
    """``b = 0.32, SE = 0.08, 95% CI [0.16, 0.48], p < .001``."""
    return (
        f"{symbol} = {fmt_num(estimate, digits)}, SE = {fmt_num(se, digits)}, "
        f"{fmt_ci(ci_low, ci_high, digits, level)}, {fmt_p(p)}"
    )


def apa_indirect(
    estimate: Any,
    ci_low: Any,
    ci_high: Any,
    se: Any = None,
    digits: int = 2,
    level: float = 0.95,
    method: str = "percentile bootstrap",
    n_boot: int | None = None,
) -> str:
    """Indirect effect with a bootstrap CI: ``indirect effect = 0.19, 95% CI [0.02, 0.37]``."""
    text = f"indirect effect = {fmt_num(estimate, digits)}"
    if se is not None and not is_missing(se):
        text += f", SE = {fmt_num(se, digits)}"
    ci = fmt_ci(ci_low, ci_high, digits, level)
    extra = f" ({method}" + (f", {n_boot:,} resamples" if n_boot else "") + ")"
    return f"{text}, {ci}{extra}"
