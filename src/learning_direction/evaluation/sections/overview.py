"""The report's "Overview" (files read, analyses run) and "Response counts and rates"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import text
from ..config import InvitedCounts
from ._common import new_figure

if TYPE_CHECKING:
    from ...reporting.html import HtmlReport
    from ..config import CheckedConfig
    from ..output import Output
    from ..prepare import DatasetState, Prepared

__all__ = ["Overview", "ResponseRates", "compute", "compute_rates", "render", "render_rates"]

_RATE_COLUMNS = ["file", "group", "level", "responses", "invited"]


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class Overview:
    """The files read (with their SHA-256), the analyses run and the reader's warnings."""

    program: str
    files: pd.DataFrame
    analysed: list[str]
    warnings: list[str]


def compute(checked: CheckedConfig, prep: Prepared) -> Overview:
    """The files and what was analysed."""
    cfg = checked.config
    rows = []
    for name, st in prep.datasets.items():
        rep_ = st.survey.report
        rows.append(
            {
                "file": name,
                "name": Path(rep_.path).name,
                "format": rep_.format + (" (Qualtrics)" if rep_.qualtrics else ""),
                "sheet": rep_.sheet if rep_.sheet is not None else "",
                "rows_read": st.n_read,
                "rows_analysed": st.n,
                "columns": rep_.n_columns,
                "sha256": rep_.sha256,
            }
        )
    analysed = [
        f"scale '{name}' from the {spec.dataset} file" for name, spec in checked.scales.items()
    ]
    if cfg.analyses.reliability.enabled:
        analysed.append("reliability (Cronbach's alpha, omega) and item statistics of every scale")
    if checked.engagement is not None:
        e = checked.engagement.options
        analysed.append(
            f"learning direction ({', '.join(e.predictors)}) -> {e.engagement} -> "
            f"{', '.join(e.outcomes) or 'no mentee outcome'}"
        )
    if checked.motives is not None:
        analysed.append(f"mentor motives ({checked.motives.options.scale})")
    if checked.networks is not None:
        analysed.append("developmental networks")
    return Overview(cfg.program, pd.DataFrame(rows), analysed, list(prep.warnings))


def render(rep: HtmlReport, ov: Overview, out: Output) -> None:
    sec = rep.section("Overview")
    sec.paragraph(
        f"This report evaluates {ov.program}. It was produced by the learning_direction toolkit "
        "from the survey exports listed below. Names, e-mail addresses and other direct "
        "identifiers were removed as soon as the files were read; respondents appear only under "
        "pseudonyms (a salted hash of their id)."
    )
    sec.table(ov.files, caption="Files read (SHA-256 identifies the exact export analysed)")
    out.table("files", ov.files)
    for r in ov.files[ov.files["sheet"] != ""].itertuples():
        sec.note(f"The {r.file} file {r.name} is an Excel workbook; sheet '{r.sheet}' was read.")
    sec.paragraph("What was analysed:")
    sec.bullets(ov.analysed)
    for w in ov.warnings:
        sec.warning(f"WARNING: {w}")


# --------------------------------------------------------------------------- response rates


@dataclass(frozen=True)
class ResponseRates:
    """Responses per file and group level, with the invited counts and rates.

    ``shown`` holds the rows with an invited count (the figure), labelled.
    """

    min_group_size: int
    table: pd.DataFrame
    shown: pd.DataFrame


def _group_rows(
    name: str, group: str, values: pd.Series, inv: int | InvitedCounts | None
) -> list[dict[str, Any]]:
    """One row per level of ``group`` (levels invited but absent count 0), then the missing."""
    counts = values.value_counts(dropna=False)
    levels = [v for v in counts.index if v is not None and v == v]
    inv_counts = inv.counts if isinstance(inv, InvitedCounts) and inv.group == group else {}
    rows: list[dict[str, Any]] = [
        {
            "file": name,
            "group": group,
            "level": str(lv),
            "responses": int(counts.get(lv, 0)),
            "invited": inv_counts.get(str(lv)),
        }
        for lv in sorted(set(levels) | set(inv_counts), key=str)
    ]
    n_na = int(values.isna().sum())
    if n_na:
        rows.append(
            {"file": name, "group": group, "level": "(missing)", "responses": n_na, "invited": None}
        )
    return rows


def _file_rows(
    name: str, st: DatasetState, inv: int | InvitedCounts | None
) -> list[dict[str, Any]]:
    total_inv = inv if isinstance(inv, int) else (sum(inv.counts.values()) if inv else None)
    rows = [
        {"file": name, "group": "(all)", "level": "all", "responses": st.n, "invited": total_inv}
    ]
    for group, values in st.groups.items():
        rows.extend(_group_rows(name, group, values, inv))
    return rows


def compute_rates(checked: CheckedConfig, prep: Prepared) -> ResponseRates:
    """Responses, invited and rates by file and group (the networks file is not counted)."""
    cfg = checked.config
    k_min = cfg.report.min_group_size
    all_rows = []
    for name, st in prep.datasets.items():
        if name != "networks":
            all_rows.extend(_file_rows(name, st, cfg.invited.get(st.name)))
    table = pd.DataFrame(all_rows, columns=_RATE_COLUMNS)
    inv = pd.to_numeric(table["invited"], errors="coerce")
    table["invited"] = inv.astype("Int64")  # counts: integers (NA where none was given)
    table["rate"] = np.where(inv > 0, table["responses"] / inv, np.nan)  # shown as a percentage
    table["small_group"] = (table["responses"] > 0) & (table["responses"] < k_min)
    shown = table[table["invited"].notna()]
    if len(shown):
        lab = shown.apply(
            lambda r: f"{r['file']}: {'all' if r['group'] == '(all)' else r['level']}", axis=1
        )
        shown = shown.assign(label=lab.to_numpy())
    return ResponseRates(k_min, table, shown)


def render_rates(rep: HtmlReport, rr: ResponseRates, out: Output) -> None:
    from ...figures.evaluation import plot_response_rates

    sec = rep.section("Response counts and rates")
    k_min, table = rr.min_group_size, rr.table
    sec.paragraph(
        "Responses are the rows analysed (after the exclusions listed in the data-quality "
        f"appendix). Groups with fewer than {k_min} respondents are counted here but get no "
        "statistics anywhere else in this report, so that nobody can be singled out."
    )
    sec.table(table, caption="Responses by file and group (rate = responses / invited)")
    out.table("response_rates", table)
    for r in table[table["rate"] > 1].itertuples():
        sec.warning(
            f"WARNING: {r.file}, {r.group} {r.level}: {r.responses} responses but only "
            f"{r.invited} invited; check the invited counts in the config."
        )
    for r in table[table["small_group"] & (table["group"] != "(all)")].itertuples():
        sec.warning(
            f"WARNING: {r.file}, {r.group} '{r.level}' has only {r.responses} respondent(s) "
            f"(fewer than {k_min}); no statistics are shown for this group."
        )
    shown = rr.shown
    if not len(shown):
        return
    fig, ax = new_figure((6.5, max(1.8, 0.45 * len(shown) + 1.0)))
    plot_response_rates(shown, ax=ax, level="label")
    sec.figure(fig, caption="Response rates: responses analysed / invited.")
    out.figures["response_rates"] = fig
    rates = shown[shown["group"] == "(all)"]
    if len(rates):
        sec.plain(
            text.plain_response_rates(
                [(r.file, r.responses, r.invited, r.rate) for r in rates.itertuples()]
            )
        )
