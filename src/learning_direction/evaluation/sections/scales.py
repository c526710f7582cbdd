"""The report's "Scale scores and reliability": scores, alpha/omega, item statistics, groups."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..._core.format import fmt_r
from .. import text
from .._capture import captured
from ._common import label, new_figure

if TYPE_CHECKING:
    from ...reporting.html import HtmlReport, Section
    from ..config import CheckedConfig
    from ..output import Output
    from ..prepare import DatasetState, Prepared

__all__ = ["FileScales", "Scales", "compute", "render"]

_DESC_COLUMNS = ["score", "scale", "n_items", "n", "n_missing", "mean", "sd", "min", "max"]
_REL_COLUMNS = ["scale", "n_items", "n", "alpha", "alpha_ci_low", "alpha_ci_high", "omega_total"]
_ITEM_COLUMNS = ["scale", "item", "column", "r_drop", "alpha_if_deleted", "mean", "sd", "n"]


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability of one scale: the table (one row per score) and the item statistics."""

    name: str
    title: str
    table: pd.DataFrame
    items: pd.DataFrame
    messages: list[str]


@dataclass(frozen=True)
class GroupMeans:
    """Mean scores by the levels of one group (levels below the minimum group size left out)."""

    group: str
    long: pd.DataFrame
    wide: pd.DataFrame


@dataclass(frozen=True)
class Distribution:
    """What the box plot of a file's scores draws."""

    scores: pd.DataFrame
    groups: pd.Series | None
    names: list[str]
    labels: dict[str, str]
    scale_range: tuple[float, float] | None
    group: str | None
    hidden_small: bool


@dataclass(frozen=True)
class FileScales:
    """The scales of one file."""

    name: str
    desc: pd.DataFrame
    reliability: list[ScaleReliability]
    by_group: list[GroupMeans]
    distribution: Distribution | None


@dataclass(frozen=True)
class Scales:
    """Every file's scales, with the alpha threshold and the minimum group size."""

    threshold: float
    min_group_size: int
    files: list[FileScales]


# --------------------------------------------------------------------------- compute


def _reliability(name: str, st: DatasetState) -> ScaleReliability:
    from ...scales.reliability import reliability

    spec = st.specs[name]
    sc = spec.scale
    res, msgs = captured(reliability, st.items[name], sc)
    table = res.table.copy()
    table.insert(0, "file", st.name)
    items = res.items.copy()
    items["column"] = items["item"].map(spec.columns)
    items.insert(0, "file", st.name)
    return ScaleReliability(name, sc.title or name, table, items, msgs)


def _group_means(st: DatasetState, group: str, values: pd.Series, k_min: int) -> GroupMeans | None:
    counts = values.value_counts()
    ok_levels = [lv for lv, n in counts.items() if n >= k_min]
    keep = values.isin(ok_levels)
    if not ok_levels or st.scores is None:
        return None
    means = st.scores[keep].groupby(values[keep]).agg(["count", "mean", "std"]).round(12)
    long = pd.DataFrame(
        [
            {
                "file": st.name,
                "group": group,
                "level": lv,
                "score": sname,
                "n": int(means.loc[lv, (sname, "count")]),
                "mean": means.loc[lv, (sname, "mean")],
                "sd": means.loc[lv, (sname, "std")],
            }
            for lv in sorted(ok_levels, key=str)
            for sname in st.scores.columns
        ]
    )
    wide = long.pivot(index="score", columns="level", values="mean").reset_index()
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.set_index("score").loc[list(st.scores.columns)].reset_index()
    return GroupMeans(group, long, wide)


def _distribution(st: DatasetState, prep: Prepared, k_min: int) -> Distribution | None:
    """The scores by cohort (else the first group), small groups left out."""
    if st.scores is None:
        return None
    group = "cohort" if "cohort" in st.groups else next(iter(st.groups), None)
    names = list(st.scores.columns)
    g, scores, hidden = None, st.scores, False
    if group is not None:
        values = st.groups[group]
        counts = values.value_counts()
        ok = values.isin([lv for lv, n in counts.items() if n >= k_min])
        g, scores, hidden = values[ok], st.scores[ok], bool((~ok).any())
    return Distribution(
        scores=scores,
        groups=g,
        names=names,
        labels={n: label(prep, n) for n in names},
        scale_range=prep.scale_range(names[0]),
        group=group,
        hidden_small=hidden,
    )


def compute(checked: CheckedConfig, prep: Prepared) -> Scales:
    """Scores, reliability (when on) and group means of every file with scales."""
    cfg = checked.config
    k_min = cfg.report.min_group_size
    rel = cfg.analyses.reliability
    files = []
    for name, st in prep.datasets.items():
        if not st.specs:
            continue
        desc = pd.concat(list(st.score_tables.values()), ignore_index=True)
        desc.insert(0, "file", name)
        wanted = [s for s in st.specs if rel.enabled and (rel.scales is None or s in rel.scales)]
        by_group = [_group_means(st, g, values, k_min) for g, values in st.groups.items()]
        files.append(
            FileScales(
                name=name,
                desc=desc,
                reliability=[_reliability(s, st) for s in wanted],
                by_group=[m for m in by_group if m is not None],
                distribution=_distribution(st, prep, k_min),
            )
        )
    return Scales(cfg.report.alpha_warning, k_min, files)


# --------------------------------------------------------------------------- render


def _render_reliability(sec: Section, r: ScaleReliability, threshold: float) -> None:
    table = r.table
    sec.table(table[_REL_COLUMNS], caption=f"Reliability of {r.title}", digits=2)
    for m in r.messages:
        sec.warning(f"WARNING ({r.name}): {m}")
    for t in table.itertuples():
        if not (isinstance(t.alpha, float) and math.isfinite(t.alpha)):
            sec.warning(f"WARNING: alpha of '{t.scale}' could not be computed.")
        elif t.alpha < threshold:
            sec.warning(
                f"WARNING: alpha of '{t.scale}' is {fmt_r(t.alpha)}, below "
                f"{fmt_r(threshold)}: its items do not hang together well, so its "
                "score is a noisy measure; interpret results using it with care."
            )
    good = table[table["alpha"] >= threshold]["scale"].tolist()
    if len(good) == len(table):
        sec.plain(text.plain_reliability(r.title, list(table["alpha"]), list(table["scale"])))
    sec.table(
        r.items[_ITEM_COLUMNS],
        caption=f"Item statistics of {r.title} (r_drop: correlation "
        "of the item with the rest of its scale; reverse-worded items after reversal)",
    )


def _render_distribution(sec: Section, out: Output, f: FileScales, k_min: int) -> None:
    from ...figures.evaluation import plot_distributions_by_group

    d = f.distribution
    if d is None:
        return
    fig, ax = new_figure((max(6.5, min(11.0, 1.0 * len(d.names) + 3.0)), 4.0))
    plot_distributions_by_group(
        d.scores,
        d.groups,
        ax=ax,
        score_names=d.names,
        labels=d.labels,
        scale_range=d.scale_range,
        group_title=d.group or "group",
    )
    cap = f"Distribution of the {f.name}' scores" + (f" by {d.group}" if d.group else "")
    cap += " (box: middle half of respondents, line: median, diamond: mean)."
    if d.group is not None and d.hidden_small:
        cap += f" Groups with fewer than {k_min} respondents are not shown."
    sec.figure(fig, caption=cap)
    out.figures[f"distributions_{f.name}"] = fig


def render(rep: HtmlReport, data: Scales, out: Output) -> None:
    sec = rep.section("Scale scores and reliability")
    sec.paragraph(
        "Each score is the mean of a respondent's answers to the scale's items (reverse-worded "
        "items turned around first); a respondent who answered fewer than half of a scale's "
        "items gets no score. Reliability (Cronbach's alpha, omega) says how consistently the "
        f"items measure the same thing; {fmt_r(data.threshold)} is the usual minimum."
    )
    for f in data.files:
        sec.heading(f"{f.name.capitalize()} file", level=3)
        sec.table(
            f.desc[_DESC_COLUMNS], caption=f"Scores of the {f.name} (n = respondents with a score)"
        )
        for r in f.reliability:
            _render_reliability(sec, r, data.threshold)
        for m in f.by_group:
            out.table(f"scores_by_{m.group}_{f.name}", m.long)
            sec.table(m.wide, caption=f"Mean scores of the {f.name} by {m.group}")
        _render_distribution(sec, out, f, data.min_group_size)
    if data.files:
        out.table("scores", pd.concat([f.desc for f in data.files], ignore_index=True))
    rel: list[Any] = [r for f in data.files for r in f.reliability]
    if rel:
        out.table("reliability", pd.concat([r.table for r in rel], ignore_index=True))
        out.table("reliability_items", pd.concat([r.items for r in rel], ignore_index=True))
