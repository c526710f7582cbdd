"""Measurement invariance before a group comparison, shared by the group-comparing pipelines.

Study 2A vs 2B (samples), Study 4 (conditions) and the advocacy study (mentee gender) compare
groups on scale scores. Before they do, :func:`check_invariance` fits the configural, metric,
scalar and strict models of each scale across the groups (:func:`learning_direction.invariance`,
ML on the rows complete for the scale's items) and :func:`invariance_text` says, scale by scale,
which level holds by Chen's (2007) rules and what that allows: means only under scalar
invariance, relations (slopes, correlations) under metric invariance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from .._core.format import fmt_num, fmt_p, fmt_r
from ..exceptions import ModelError

if TYPE_CHECKING:
    from ..scales.invariance import InvarianceResult
    from ._common import StudyBuilder

__all__ = [
    "MIN_PER_GROUP",
    "InvarianceCheck",
    "add_invariance",
    "check_invariance",
    "invariance_text",
]

#: fewest rows with every item of a scale answered, per group, for an invariance test
MIN_PER_GROUP = 50

TABLE_COLUMNS = [
    "scale",
    "level",
    "chisq",
    "df",
    "cfi",
    "rmsea",
    "delta_chisq",
    "delta_df",
    "p_delta",
    "delta_cfi",
    "delta_rmsea",
    "decision",
]


@dataclass(frozen=True)
class InvarianceCheck:
    """Invariance of several scales across the groups of one column.

    Attributes
    ----------
    table : DataFrame
        ``TABLE_COLUMNS``: one row per scale and level (empty when every scale was skipped).
    results : dict
        Scale -> :class:`~learning_direction.InvarianceResult`.
    skipped : dict
        Scale -> why it was not tested (too few rows per group, not estimable).
    group : str
        The group column.
    groups : str
        What the groups are, for the text ("the two samples").
    n_per_group : dict
        Scale -> ``{group: complete rows}``.
    """

    table: pd.DataFrame
    results: dict[str, InvarianceResult]
    skipped: dict[str, str]
    group: str
    groups: str
    n_per_group: dict[str, dict[str, int]] = field(default_factory=dict)


def _complete_per_group(df: pd.DataFrame, scale: str, group: str) -> dict[str, int]:
    from ..scales.codebook import load_scale

    items = [i for i in load_scale(scale).item_ids if i in df.columns]
    ok = df[items].notna().all(axis=1) & df[group].notna()
    return {str(k): int(v) for k, v in df.loc[ok, group].astype(str).value_counts().items()}


def check_invariance(
    df: pd.DataFrame,
    scales: Sequence[str],
    group: str,
    *,
    groups: str,
    min_per_group: int = MIN_PER_GROUP,
) -> InvarianceCheck:
    """Configural → strict invariance of every scale across ``group`` (ML, complete rows).

    A scale is skipped (and the reason kept) when a group has fewer than ``min_per_group``
    complete rows, when there are fewer than two groups, or when a model cannot be estimated.
    """
    from ..scales.invariance import invariance

    results: dict[str, InvarianceResult] = {}
    skipped: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    frames = []
    for scale in scales:
        n = _complete_per_group(df, scale, group)
        counts[scale] = n
        if len(n) < 2:
            skipped[scale] = f"fewer than two groups in '{group}' have complete answers"
            continue
        small = {g: k for g, k in n.items() if k < min_per_group}
        if small:
            shown = ", ".join(f"{g}: {k}" for g, k in small.items())
            skipped[scale] = (
                f"too few rows with every item answered ({shown}; at least {min_per_group} per "
                "group are needed for a multigroup CFA)"
            )
            continue
        try:
            res = invariance(df, scale, group=group)
        except ModelError as err:
            skipped[scale] = f"the invariance models could not be estimated ({err})"
            continue
        results[scale] = res
        t = res.table.copy()
        t.insert(0, "scale", scale)
        frames.append(t[[c for c in TABLE_COLUMNS if c in t.columns]])
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TABLE_COLUMNS)
    return InvarianceCheck(
        table=table,
        results=results,
        skipped=skipped,
        group=group,
        groups=groups,
        n_per_group=counts,
    )


def _meaning(highest: str | None, scale: str, groups: str) -> str:
    if highest in ("scalar", "strict"):
        return (
            f"{highest} invariance holds for {scale}, so its means (and relations) can be "
            f"compared across {groups}"
        )
    if highest == "metric":
        return (
            f"metric but not scalar invariance holds for {scale}, so relations involving it "
            f"(slopes, correlations) can be compared across {groups}, but a comparison of its "
            "means is not warranted"
        )
    return (
        f"not even metric invariance holds for {scale}, so neither its means nor its relations "
        f"can be taken as comparable across {groups}; read any comparison with caution"
    )


def _evidence(res: InvarianceResult) -> str:
    """The Δ statistics of the first level that fails (or of the last level tested)."""
    t = res.table.set_index("level")
    levels = list(t.index)[1:]
    failed = next((lv for lv in levels if t.loc[lv, "decision"] != "supported"), None)
    lv = failed or levels[-1]
    r = t.loc[lv]
    verdict = "fails" if failed else "holds"
    return (
        f"{lv} {verdict}: ΔCFI = {fmt_r(r['delta_cfi'], 3)}, ΔRMSEA = {fmt_r(r['delta_rmsea'], 3)}, "
        f"Δχ²({int(r['delta_df'])}) = {fmt_num(r['delta_chisq'])}, {fmt_p(r['p_delta'])}"
    )


def invariance_text(check: InvarianceCheck) -> str:
    """Per scale: the Chen decision and what it allows, and the scales skipped (with why)."""
    parts = []
    for scale, res in check.results.items():
        parts.append(f"{_meaning(res.highest, scale, check.groups)} ({_evidence(res)})")
    text = ""
    if parts:
        text = (
            f"Before comparing {check.groups}, measurement invariance was tested by multigroup "
            "CFA (configural, metric, scalar, strict; ML on the rows with every item answered; "
            "a level holds when ΔCFI ≥ −.010 and ΔRMSEA ≤ .015, Chen, 2007): "
            + "; ".join(parts)
            + "."
        )
    if check.skipped:
        skipped = "; ".join(f"{s}: {why}" for s, why in check.skipped.items())
        text += (
            " " if text else ""
        ) + f"Invariance across {check.groups} was not tested for {skipped}."
    return text


def add_invariance(b: StudyBuilder, check: InvarianceCheck | None, caption: str) -> None:
    """The ``invariance`` table (when a scale was tested) and text (always, with a check)."""
    if check is None:
        return
    if len(check.table):
        b.table(
            "invariance",
            check.table,
            f"{caption} (multigroup CFA, ML on the rows with every item of the scale answered): "
            "fit per level and the change from the level before; a level holds when "
            "ΔCFI ≥ −.010 and ΔRMSEA ≤ .015 (Chen, 2007)",
        )
    b.text["invariance"] = invariance_text(check)
