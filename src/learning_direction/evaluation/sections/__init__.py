"""The sections of the evaluation report, in report order.

Each module computes its results from the checked config and the prepared data (no HTML), then
renders them: HTML blocks, figures, and the tables and model row counts kept in the
:class:`~learning_direction.evaluation.output.Output`. The overview, response rates, scales and
appendix are always there; the engagement, motives and networks sections when configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...reporting.html import HtmlReport
from ..output import Output
from . import appendix, engagement, motives, networks, overview, scales

if TYPE_CHECKING:
    from ..config import CheckedConfig
    from ..prepare import Prepared

__all__ = ["build_report"]


def build_report(checked: CheckedConfig, prep: Prepared) -> tuple[HtmlReport, Output]:
    """The report's sections, and the tables and figures to write next to it."""
    cfg = checked.config
    rep = HtmlReport(title=cfg.title, subtitle=f"{cfg.program} · evaluation report")
    out = Output()
    overview.render(rep, overview.compute(checked, prep), out)
    overview.render_rates(rep, overview.compute_rates(checked, prep), out)
    scales.render(rep, scales.compute(checked, prep), out)
    if checked.engagement is not None:
        engagement.render(rep, engagement.compute(checked, checked.engagement, prep), out)
    if checked.motives is not None:
        motives.render(rep, motives.compute(checked.motives, prep), out)
    if checked.networks is not None:
        networks.render(rep, networks.compute(checked.networks, prep), out)
    # the appendix lists the rows used by the models of the sections above
    appendix.render(rep, appendix.compute(checked, prep, out.model_rows), out)
    return rep, out
