"""Display helper for results whose ``.table`` is one row per respondent.

``summary()`` and ``_repr_html_`` of such results show a short overview table (returned by
``_overview()``) instead of printing every respondent.
"""

from __future__ import annotations

import pandas as pd

from .._core.results import ResultMixin


class OverviewMixin(ResultMixin):
    """ResultMixin variant that displays ``_overview()`` instead of the per-row ``table``."""

    def _overview(self) -> pd.DataFrame:  # pragma: no cover - overridden
        return getattr(self, "table", pd.DataFrame())

    def _display_table(self) -> pd.DataFrame:
        return self._overview()
