"""The report's "Data-quality appendix": every row read is accounted for, every change listed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import text
from ..prepare import MIN_STRAIGHTLINE_ITEMS

if TYPE_CHECKING:
    from ...reporting.html import HtmlReport, Section
    from ..config import CheckedConfig
    from ..output import Output
    from ..prepare import Prepared

__all__ = ["Appendix", "compute", "render"]

_LEDGER_COLUMNS = ["file", "step", "reason", "rows", "detail"]
_MISSING_COLUMNS = ["file", "score", "rows", "scored", "not_scored"]
_MODEL_COLUMNS = ["model", "rows_available", "n_used", "n_dropped", "why"]
_INVALID_COLUMNS = ["dataset", "scale", "column", "item", "respondent", "value", "reason"]
_RECODING_COLUMNS = ["file", "column", "from_value", "to_value", "count", "reason"]


@dataclass(frozen=True)
class Appendix:
    """The appendix's tables and notes."""

    ledger: pd.DataFrame
    files: list[tuple[str, int, int]]  # (file, rows read, rows analysed)
    excluded: int
    missing: pd.DataFrame
    models: pd.DataFrame
    straightlining: pd.DataFrame | None  # None when not checked
    invalid: pd.DataFrame
    recodings: pd.DataFrame
    notes: list[str]
    duration_unchecked: str | None  # the duration column no file has, when one was asked for


def _ledger(prep: Prepared) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for name, st in prep.datasets.items():
        rows.append(
            {
                "file": name,
                "step": "rows in the file",
                "reason": "",
                "rows": st.n_read,
                "detail": Path(st.survey.report.path).name,
            }
        )
        rows.extend({"file": name, **{k: e[k] for k in _LEDGER_COLUMNS[1:]}} for e in st.ledger)
        rows.append(
            {
                "file": name,
                "step": "rows analysed (total)",
                "reason": "",
                "rows": st.n,
                "detail": "",
            }
        )
    return pd.DataFrame(rows, columns=_LEDGER_COLUMNS)


def _missing_scores(prep: Prepared) -> pd.DataFrame:
    rows = [
        {"file": name, "score": r.score, "rows": st.n, "scored": r.n, "not_scored": r.n_missing}
        for name, st in prep.datasets.items()
        for tab in st.score_tables.values()
        for r in tab.itertuples()
    ]
    return pd.DataFrame(rows, columns=_MISSING_COLUMNS)


def _recodings(prep: Prepared) -> pd.DataFrame:
    rec = []
    for name, st in prep.datasets.items():
        t = st.survey.report.recodings_table
        if len(t):
            rec.append(t.assign(from_value=t["from_value"].astype(str)).assign(file=name))
    if not rec:
        return pd.DataFrame(columns=_RECODING_COLUMNS)
    return pd.concat(rec, ignore_index=True)[_RECODING_COLUMNS]


def _notes(prep: Prepared) -> list[str]:
    notes = []
    for name, st in prep.datasets.items():
        if st.stripped is not None:
            notes.append(f"{name} file: {st.stripped.summary()}")
        notes.extend(f"{name} file: {n}" for n in st.survey.report.notes)
        notes.extend(f"{name} file: {n}" for n in st.notes)
    notes.extend(prep.link_notes)
    return notes


def compute(checked: CheckedConfig, prep: Prepared, model_rows: list[dict[str, Any]]) -> Appendix:
    """The row accounting, missing scores, model rows (of the sections before), flags, notes."""
    report = checked.config.report
    sl = [st.straightlining for st in prep.datasets.values() if st.straightlining is not None]
    sl_df = pd.concat(sl, ignore_index=True) if sl else pd.DataFrame()
    inv = [st.invalid for st in prep.datasets.values() if st.invalid is not None]
    inv_df = pd.concat(inv, ignore_index=True) if inv else pd.DataFrame()
    unchecked = report.min_duration_seconds is not None and not any(
        report.duration_column in st.survey.data.columns for st in prep.datasets.values()
    )
    return Appendix(
        ledger=_ledger(prep),
        files=[(n, st.n_read, st.n) for n, st in prep.datasets.items()],
        excluded=sum(-e["rows"] for st in prep.datasets.values() for e in st.ledger),
        missing=_missing_scores(prep),
        models=pd.DataFrame(model_rows, columns=_MODEL_COLUMNS),
        straightlining=sl_df if report.straightlining and len(sl_df) else None,
        invalid=inv_df,
        recodings=_recodings(prep),
        notes=_notes(prep),
        duration_unchecked=str(report.duration_column) if unchecked else None,
    )


def _render_rows(sec: Section, ap: Appendix, out: Output) -> None:
    sec.heading("Rows read, excluded and analysed", 3)
    sec.table(ap.ledger, caption="Row accounting per file (exclusions are negative)")
    out.table("row_accounting", ap.ledger)
    sec.plain(text.plain_row_accounting(ap.files, ap.excluded))
    sec.heading("Missing scores", 3)
    sec.table(
        ap.missing,
        caption="Rows without a score (fewer than half of the items answered); "
        "they stay in the counts and in the other analyses",
    )
    out.table("missing_scores", ap.missing)
    sec.heading("Models: rows used", 3)
    sec.table(
        ap.models,
        caption="Rows each model used; the others lacked a value the model needs "
        "(listwise deletion, reason in 'why')",
    )
    out.table("model_rows", ap.models)


def _render_answers(sec: Section, ap: Appendix, out: Output) -> None:
    sec.heading("Straight-lining and careless responding", 3)
    if ap.straightlining is not None:
        sec.paragraph(
            "A respondent is flagged when they gave the identical answer to every item of a "
            f"scale with at least {MIN_STRAIGHTLINE_ITEMS} items (on scales with reverse-worded "
            "items identical answers contradict each other; on short scales they can be "
            "genuine). Flagged respondents are kept in the analyses: look at them before "
            "excluding anyone."
        )
        sec.table(
            ap.straightlining, caption="Straight-lining flags (respondents shown by pseudonym)"
        )
        out.table("straightlining", ap.straightlining)
    else:
        sec.paragraph("Straight-lining was not checked (report.straightlining is off).")
    sec.heading("Answers outside the response range", 3)
    if len(ap.invalid):
        sec.warning(
            f"WARNING: {len(ap.invalid)} answer(s) were not valid answers (outside the response "
            "range or not a number); they were set to missing and are listed here."
        )
        sec.table(ap.invalid, caption="Answers set to missing")
    else:
        sec.paragraph("Every answer was inside its scale's response range.")
    out.table(
        "invalid_answers", ap.invalid if len(ap.invalid) else pd.DataFrame(columns=_INVALID_COLUMNS)
    )
    sec.heading("Recodings made while reading", 3)
    if len(ap.recodings):
        sec.paragraph(
            "Missing-value codes (such as -9 'no answer' or 99 'not applicable', from the config "
            "or declared in an SPSS file) were turned into missing values:"
        )
        sec.table(ap.recodings, caption="Values recoded to missing")
    else:
        sec.paragraph("No value was recoded.")
    out.table("recodings", ap.recodings)


def render(rep: HtmlReport, ap: Appendix, out: Output) -> None:
    sec = rep.section("Data-quality appendix")
    sec.paragraph(
        "Nothing is dropped silently: every row of every file is accounted for below, and every "
        "answer that was changed or set to missing is listed."
    )
    _render_rows(sec, ap, out)
    _render_answers(sec, ap, out)
    sec.heading("Identifiers and other notes", 3)
    if ap.duration_unchecked is not None:
        sec.warning(
            f"WARNING: report.min_duration_seconds is set but no file has a "
            f"'{ap.duration_unchecked}' column, so response times were not checked."
        )
    sec.bullets(ap.notes or ["none"])
