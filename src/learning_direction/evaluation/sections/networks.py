"""The report's "Developmental networks" (Higgins & Kram, 2001), from a file of developers.

The networks file has one row per developer named by a respondent. Only the configured columns
are used: without ``sphere`` there is no range, without ``tie_strength`` no strength, and
without either no network type. A row whose level (and configured sphere and tie strength) are
all empty names no developer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..._core.format import fmt_num
from ...exceptions import DataValidationError
from .._capture import captured

if TYPE_CHECKING:
    from ...reporting.html import HtmlReport
    from ..config import NetworksAnalysis
    from ..output import Output
    from ..prepare import Prepared

__all__ = ["Networks", "compute", "render"]


@dataclass(frozen=True)
class Networks:
    """Network metrics and types, the notes that explain them, and the row counts."""

    result: Any  # NetworkMetricsResult
    n_rows: int
    per: str
    summary: pd.DataFrame
    types: pd.DataFrame | None
    notes: list[str]
    model_row: dict[str, Any]


def _spare(name: str, frame: pd.DataFrame) -> str:
    """A helper column name that is not a column of the file."""
    while name in frame.columns:
        name = f"_{name}"
    return name


def _metrics(nw: NetworksAnalysis, data: pd.DataFrame) -> tuple[Any, list[str], set[str], Any]:
    """:func:`network_metrics` on the file: each row naming a developer is one developer.

    Returns the result, its warnings, the helper columns added, and which rows name one.
    """
    from ...networks import network_metrics

    frame = data.copy()
    attrs = [c for c in (nw.level, nw.sphere, nw.tie_strength) if c is not None]
    alter = _spare("_developer", frame)
    named = frame[attrs].notna().any(axis=1).to_numpy()
    frame[alter] = [f"row {k}" if n else None for k, n in enumerate(named)]
    sphere = nw.sphere or _spare("_sphere", frame)
    strength = nw.tie_strength or _spare("_tie_strength", frame)
    helpers = {alter}
    if nw.sphere is None:
        frame[sphere] = np.nan
        helpers.add(sphere)
    if nw.tie_strength is None:
        frame[strength] = np.nan
        helpers.add(strength)
    try:
        res, msgs = captured(
            network_metrics,
            frame,
            ego=nw.ego,
            level=nw.level,
            sphere=sphere,
            strength=strength,
            alter=alter,
            wave=nw.wave,
            strength_range=nw.tie_strength_range,
            frequency=None,
            career=None,
            psychosocial=None,
        )
    except DataValidationError as err:  # point at the config key, not the function argument
        msg = str(err).replace(
            "pass strength_range=", "set analyses.networks.tie_strength_range (e.g. [1, 7])"
        )
        raise DataValidationError(msg) from None
    return res, msgs, helpers, named


def _notes(
    nw: NetworksAnalysis, res: Any, helpers: set[str], named: Any
) -> tuple[list[str], list[str]]:
    """The result's notes that concern the file (not the helper columns), and the metrics that
    could not be computed from the configured columns."""
    typed = nw.sphere is not None and nw.tie_strength is not None
    notes = [
        n
        for n in res.notes
        if not any(f"'{h}'" in n for h in helpers) and (typed or "no network type" not in n)
    ]
    n_unnamed = int((~named).sum())
    if n_unnamed:
        attrs = [c for c in (nw.level, nw.sphere, nw.tie_strength) if c is not None]
        notes.append(
            f"{n_unnamed} row(s) have no {', '.join(repr(c) for c in attrs)}: they name no "
            "developer and were not counted as developers"
        )
    missing_metrics = []
    if nw.sphere is None:
        missing_metrics += ["n_spheres", "blau_range"]
        notes.append(
            "no sphere column is configured (analyses.networks.sphere), so network range and "
            "network types are not computed"
        )
    if nw.tie_strength is None:
        missing_metrics.append("strength")
        notes.append(
            "no tie-strength column is configured (analyses.networks.tie_strength), so tie "
            "strength and network types are not computed"
        )
    return notes, missing_metrics


def _types(res: Any) -> pd.DataFrame:
    """Networks per type, with the networks that got none (range or strength missing)."""
    types = res.type_counts.rename_axis("type").reset_index()
    types["type"] = types["type"].astype(str)
    n_untyped = int(res.table["network_type"].isna().sum())
    if n_untyped:
        no_type = {"type": "(no type: range or strength missing)", "n": n_untyped}
        types = pd.concat([types, pd.DataFrame([no_type])], ignore_index=True)
    return types


def compute(nw: NetworksAnalysis, prep: Prepared) -> Networks:
    """Metrics of every network in the networks file, summarised; types when computable."""
    data = prep.datasets["networks"].data
    res, msgs, helpers, named = _metrics(nw, data)
    notes, missing_metrics = _notes(nw, res, helpers, named)
    n_rows = len(data)
    keys = {nw.ego, nw.wave}
    metrics = [
        c
        for c in res.table.select_dtypes("number").columns
        if c not in keys and c not in missing_metrics
    ]
    typed = nw.sphere is not None and nw.tie_strength is not None
    return Networks(
        result=res,
        n_rows=n_rows,
        per="respondent × wave" if nw.wave else "respondent",
        summary=res.table[metrics].describe().T.reset_index(names="metric"),
        types=_types(res) if typed else None,
        notes=[*msgs, *notes],
        model_row={
            "model": "developmental networks (rows = developers named)",
            "rows_available": n_rows,
            "n_used": res.n_alters,
            "n_dropped": n_rows - res.n_alters,
            "why": "; ".join(n for n in notes if "left out" in n or "not counted" in n),
        },
    )


def render(rep: HtmlReport, nw: Networks, out: Output) -> None:
    res = nw.result
    sec = rep.section("Developmental networks")
    sec.paragraph(
        f"{res.n_egos} respondents' developmental networks (Higgins & Kram, 2001), one row per "
        f"{nw.per} ({res.n} networks), from {nw.n_rows} rows of the networks file (one row per "
        f"developer named); {res.n_alters} rows were counted as developers. Composition by "
        "level (up / lateral / down) is a behavioural counterpart of learning direction."
    )
    out.model_rows.append(nw.model_row)
    sec.table(nw.summary, caption=f"Network metrics across the {res.n} networks")
    out.table("network_metrics_summary", nw.summary)
    if nw.types is not None:
        sec.table(
            nw.types,
            caption=f"Network types ({res.method}: range above {fmt_num(res.splits['range'], 2)} "
            f"and strength above {fmt_num(res.splits['strength'], 2)} count as high); "
            f"n adds up to the {res.n} networks",
        )
        out.table("network_types", nw.types)
    for m in nw.notes:
        sec.paragraph(f"Note: {m}")
