"""What the regression results share (private): the level check, notes, text layout, plotting.

:func:`summary_text` lays out every regression-type summary the same way (title, metadata,
one or more tables, notes); :class:`CoefficientPlot` gives a result the coefficient forest plot
of :func:`learning_direction.figures.coefficients.plot_coefficients`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..._core.checks import check_level
from ..._core.data import MissingReport
from ..._core.format import format_number
from ..._core.plotting import figure
from ..._core.results import ResultMixin, table_to_text
from ...exceptions import DataValidationError

__all__ = ["CoefficientPlot", "check_ci_level", "notes_from_report", "summary_text"]


def check_ci_level(ci_level: object) -> float:
    """A confidence level strictly between 0 and 1 (a :class:`DataValidationError` otherwise)."""
    return check_level(ci_level, error=DataValidationError)


def notes_from_report(report: MissingReport) -> list[str]:
    """The note saying which rows were left out (none when every row was used)."""
    return [report.reason] if report.n_dropped else []


def summary_text(
    result: ResultMixin, digits: int, blocks: Sequence[tuple[str, pd.DataFrame]]
) -> str:
    """Title, metadata (strings as they are), each ``(heading, table)`` block, then the notes."""
    lines = [result._title, "=" * len(result._title)]
    for key, value in result._meta().items():
        lines.append(
            f"{key}: {format_number(value, digits) if not isinstance(value, str) else value}"
        )
    for heading, table in blocks:
        lines += ["", *([heading] if heading else []), table_to_text(table, digits)]
    notes = result._notes()
    if notes:
        lines += ["", *(f"Note: {n}" for n in notes)]
    return "\n".join(lines)


class CoefficientPlot:
    """Mixin: ``plot()`` draws the coefficient forest plot of the result's ``table``."""

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Forest plot of the coefficients with their confidence intervals.

        See :func:`learning_direction.figures.coefficients.plot_coefficients` (a logistic
        result takes ``odds_ratio=True`` for odds ratios on a log axis).
        """
        return figure("coefficients.plot_coefficients")(self, ax=ax, **kwargs)
