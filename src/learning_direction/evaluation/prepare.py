"""Data preparation of the evaluator workflow: from the exports to what the report analyses.

:func:`read_exports` reads each configured export. Once the config is checked against them
(:func:`~learning_direction.evaluation.config.check_config`), :func:`prepare` leaves out rows for
stated reasons (Qualtrics previews, exact duplicate submissions, too-fast responses), removes
direct identifiers, pseudonymises ids, scores the scales (out-of-range answers set to missing and
listed), flags straight-lining and links mentee rows to their mentor. Every row is accounted for
in a ledger whose counts add up. Problems found here are problems of the data
(:class:`~learning_direction.exceptions.DataValidationError`): the config was checked before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._core.cells import masked_value
from ..exceptions import DataValidationError
from ..intake.io import SurveyData, read_survey
from ..intake.privacy import StrippedIdentifiers, _id_text, pseudonymise, strip_identifiers
from ..scales._items import build_item_matrix
from ..scales.quality import careless_responding
from ..scales.scoring import score
from ._capture import captured
from .config import LINK, CheckedConfig, Dataset, EvaluationConfig, ScaleSpec

__all__ = [
    "LINK",
    "MIN_STRAIGHTLINE_ITEMS",
    "DatasetState",
    "Exports",
    "Prepared",
    "prepare",
    "read_exports",
]

_PREFIX = {"mentors": "M-", "mentees": "E-", "networks": "N-"}
JOIN_PREFIX = "mentor-"
MIN_STRAIGHTLINE_ITEMS = 4  # shorter scales are not checked for straight-lining
_INVALID_COLUMNS = ["dataset", "scale", "column", "item", "respondent", "value", "reason"]
_STRAIGHT_COLUMNS = ["dataset", "scale", "n_items", "n_flagged", "respondents"]


@dataclass
class DatasetState:
    """One export after reading, exclusions, identifier removal, pseudonymisation and scoring."""

    name: Dataset
    survey: SurveyData
    data: pd.DataFrame  # identifiers removed, ids pseudonymised; never written out whole
    id_col: str | None
    stripped: StrippedIdentifiers | None = None
    ledger: list[dict[str, Any]] = field(default_factory=list)
    specs: dict[str, ScaleSpec] = field(default_factory=dict)  # the file's scales, scored
    scores: pd.DataFrame | None = None
    items: dict[str, pd.DataFrame] = field(default_factory=dict)
    score_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    invalid: pd.DataFrame | None = None
    straightlining: pd.DataFrame | None = None
    groups: dict[str, pd.Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def n_read(self) -> int:
        return int(self.survey.report.n_rows_read)

    @property
    def n(self) -> int:
        return len(self.data)

    def respondent(self, index: Any) -> str:
        """Pseudonym of a row (or its row number when the file has no id column)."""
        if self.id_col is not None:
            value = self.data.at[index, self.id_col]
            if isinstance(value, str):
                return value
        return f"row {index}"

    def frame(self) -> pd.DataFrame:
        """Scores plus the (identifier-free) columns of the file, one row per respondent."""
        df = self.data.copy()
        if self.scores is not None:
            for c in self.scores.columns:
                df[c] = self.scores[c]
        return df


@dataclass
class Prepared:
    """Everything the report needs from the data."""

    datasets: dict[Dataset, DatasetState]
    linked: pd.DataFrame | None = None  # mentee rows with their mentor's scores (mentor-level cols)
    link_notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def scale_range(self, score: str) -> tuple[float, float] | None:
        """The response range of the scale that produces ``score`` (None for a plain column)."""
        for st in self.datasets.values():
            for spec in st.specs.values():
                if score in spec.score_names:
                    return (spec.scale.response_min, spec.scale.response_max)
        return None

    def title_of(self, score: str) -> str | None:
        """The title of a scale's score: the scale's own title for a one-dimensional scale."""
        for st in self.datasets.values():
            for name, spec in st.specs.items():
                sc = spec.scale
                if score == name or (sc.one_dimensional and score in sc.score_names):
                    return sc.title or name
        return None


@dataclass(frozen=True)
class Exports:
    """The configured files as read, and the reader's warnings (``"<file> file: ..."``)."""

    surveys: dict[str, SurveyData]
    warnings: list[str]


# --------------------------------------------------------------------------- helpers


def _labels(value: Any, value_labels: dict[Any, str] | None) -> Any:
    if value_labels and value in value_labels:
        return value_labels[value]
    return value


def group_values(s: pd.Series, value_labels: dict[Any, str] | None) -> pd.Series:
    """Group levels as text: SPSS/Stata value labels applied, ``2024.0`` shown as ``2024``."""
    out = [_id_text(_labels(v, value_labels)) for v in s.tolist()]
    return pd.Series(out, index=s.index, dtype=object)


def _rows_text(rows: list[Any], limit: int = 12) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


# --------------------------------------------------------------------------- reading


def read_exports(cfg: EvaluationConfig) -> Exports:
    """Read every configured file with :func:`learning_direction.read_survey`."""
    surveys: dict[str, SurveyData] = {}
    notes: list[str] = []
    for name in cfg.data.configured():
        spec = cfg.data.file(name)
        survey, msgs = captured(read_survey, spec.path, **spec.read_kwargs())
        notes.extend(f"{name} file: {m}" for m in msgs)
        surveys[name] = survey
    return Exports(surveys=surveys, warnings=notes)


# --------------------------------------------------------------------------- one file


def _exclusions(cfg: EvaluationConfig, st: DatasetState) -> None:
    """Exact duplicate rows, then duplicated ids (an error), then too-fast responses.

    The first two are checks of one-row-per-respondent files; the networks file (one row per
    developer named) is exempt.
    """
    for d in st.survey.report.dropped:
        st.ledger.append(
            {
                "dataset": st.name,
                "step": "excluded while reading",
                "reason": d.reason,
                "rows": -int(d.count),
                "detail": f"file rows {_rows_text(list(d.rows))}",
            }
        )
    # the networks file has one row per developer named, so identical rows are two developers
    # with the same attributes and a repeated ego id is the same respondent's next developer
    if st.name != "networks":
        _drop_exact_duplicates(st)
        _refuse_repeated_ids(cfg, st)
    _drop_too_fast(cfg, st)


def _drop_exact_duplicates(st: DatasetState) -> None:
    df = st.data
    dup = df.duplicated(keep="first")
    if dup.any():
        firsts = df[df.duplicated(keep=False) & ~dup]
        st.ledger.append(
            {
                "dataset": st.name,
                "step": "excluded",
                "rows": -int(dup.sum()),
                "reason": "exact duplicate submission (every column identical to an earlier row; the first was kept)",
                "detail": f"{len(firsts)} respondent(s) submitted twice",
            }
        )
        st.data = df.loc[~dup]


def _refuse_repeated_ids(cfg: EvaluationConfig, st: DatasetState) -> None:
    """A respondent id (or, in the mentors file, a mentor id) given twice with other answers."""
    df = st.data
    if st.id_col is not None:
        ids = df[st.id_col]
        again = ids.duplicated(keep=False) & ids.notna()
        if again.any():
            shown = sorted({str(v) for v in ids[again]})[:5]
            raise DataValidationError(
                f"{st.name} file: id column '{st.id_col}' has duplicated respondent id(s) with "
                f"different answers: {', '.join(repr(v) for v in shown)}. Each respondent must "
                "appear once: remove the repeated submissions from the export (or fix the ids)"
            )
    join = cfg.join.get("mentors")
    if st.name == "mentors" and join is not None:
        keys = df[join]
        again = keys.duplicated(keep=False) & keys.notna()
        if again.any():
            shown = sorted({str(v) for v in keys[again]})[:5]
            raise DataValidationError(
                f"mentors file: mentor id column '{join}' repeats id(s) "
                f"{', '.join(repr(v) for v in shown)} with different answers; each mentor must "
                "appear once (remove the repeated submission) so that mentees link to one mentor"
            )


def _drop_too_fast(cfg: EvaluationConfig, st: DatasetState) -> None:
    df = st.data
    limit = cfg.report.min_duration_seconds
    dcol = cfg.report.duration_column
    if limit is None or not dcol:
        return
    if dcol not in df.columns:
        st.notes.append(
            f"no '{dcol}' column in this file: response times were not checked "
            f"(report.min_duration_seconds = {limit:g})"
        )
        return
    secs = pd.to_numeric(df[dcol], errors="coerce")
    bad = secs.isna() & df[dcol].notna()
    if bad.any():
        raise DataValidationError(
            f"{st.name} file: duration column '{dcol}' holds text such as "
            f"{df.loc[bad, dcol].iloc[0]!r}; it must hold seconds (or set "
            "report.duration_column to the right column)"
        )
    fast = secs < float(limit)
    if fast.any():
        st.ledger.append(
            {
                "dataset": st.name,
                "step": "excluded",
                "rows": -int(fast.sum()),
                "reason": f"too fast: completed in under {limit:g} seconds ('{dcol}')",
                "detail": f"fastest {secs[fast].min():g} s",
            }
        )
        st.data = df.loc[~fast]
    if secs.isna().any():
        st.notes.append(f"{int(secs.isna().sum())} response(s) have no duration; they were kept")


def _pseudonymise(cfg: EvaluationConfig, st: DatasetState, salt: str) -> None:
    """Ids replaced by pseudonyms; the join column replaced by the pseudonymised :data:`LINK`."""
    df = st.data.copy()
    length = cfg.privacy.id_length
    if st.id_col is not None:
        n_missing = int(df[st.id_col].isna().sum())
        df[st.id_col] = pseudonymise(df[st.id_col], salt, length=length, prefix=_PREFIX[st.name])
        if n_missing:
            st.notes.append(f"{n_missing} row(s) have no respondent id; they were kept")
    join = cfg.join.get(st.name)
    if join is not None:
        df[LINK] = pseudonymise(df[join], salt, length=length, prefix=JOIN_PREFIX)
        if join != st.id_col:
            df = df.drop(columns=[join])
    st.data = df


def _score(cfg: EvaluationConfig, st: DatasetState, specs: list[ScaleSpec]) -> None:
    """Score each scale of the file; list invalid answers and straight-lining."""
    frames: list[pd.DataFrame] = []
    invalid_rows: list[dict[str, Any]] = []
    straight: list[dict[str, Any]] = []
    for spec in specs:
        frames.append(_score_scale(st, spec, invalid_rows))
        if cfg.report.straightlining and len(spec.scale.item_ids) >= MIN_STRAIGHTLINE_ITEMS:
            straight.append(_straightlining(st, spec))
    if frames:
        st.scores = pd.concat(frames, axis=1)
    st.invalid = pd.DataFrame(invalid_rows, columns=_INVALID_COLUMNS)
    st.straightlining = pd.DataFrame(straight, columns=_STRAIGHT_COLUMNS)


def _score_scale(
    st: DatasetState, spec: ScaleSpec, invalid_rows: list[dict[str, Any]]
) -> pd.DataFrame:
    """One scale's scores; its items (invalid answers missing) and score table kept on ``st``."""
    df, name, sc, colmap = st.data, spec.name, spec.scale, spec.columns
    st.specs[name] = spec
    res, msgs = captured(score, df, sc, columns=colmap, invalid="missing")
    st.notes.extend(f"{name}: {m}" for m in msgs if "see result.invalid" not in m)
    mat = build_item_matrix(df, [sc], colmap, invalid="missing")
    items = pd.DataFrame(mat.values, columns=mat.item_ids, index=df.index)
    empty = [i for i in sc.item_ids if items[i].isna().all()]
    if empty and len(df):
        raise DataValidationError(
            f"{st.name} file: item(s) {', '.join(repr(i) for i in empty)} of scale '{name}' "
            f"have no answers at all (column(s) {', '.join(repr(colmap[i]) for i in empty)}); "
            "check the column mapping under scales."
            f"{name} or leave the item out of the scale definition"
        )
    st.items[name] = items
    st.score_tables[name] = res.table.copy()
    reasons = {(str(r.row), str(r.column)): str(r.reason) for r in mat.invalid.itertuples()}
    for item_id in sc.item_ids:
        col = colmap[item_id]
        raw = df[col]
        present = raw.notna() & ~raw.astype(str).str.strip().eq("")
        lost = present & items[item_id].isna()
        for idx in raw.index[lost.to_numpy()]:
            invalid_rows.append(
                {
                    "dataset": st.name,
                    "scale": name,
                    "column": col,
                    "item": item_id,
                    "respondent": st.respondent(idx),
                    "value": masked_value(raw.at[idx]),  # never a free-text answer
                    "reason": reasons.get((repr(idx), col), "not a valid answer"),
                }
            )
    return res.scores


def _straightlining(st: DatasetState, spec: ScaleSpec) -> dict[str, Any]:
    """Respondents giving the identical answer to every item of the scale."""
    n_items = len(spec.scale.item_ids)
    cr, _ = captured(
        careless_responding,
        st.data,
        spec.scale,
        columns=spec.columns,
        invalid="missing",
        longstring_threshold=n_items,
    )
    flagged = cr.table.index[cr.table["flag_straightline"].to_numpy()]
    return {
        "dataset": st.name,
        "scale": spec.name,
        "n_items": n_items,
        "n_flagged": len(flagged),
        "respondents": ", ".join(st.respondent(i) for i in flagged),
    }


def _groups(cfg: EvaluationConfig, st: DatasetState) -> None:
    for group in cfg.groups:
        col = cfg.group_column(group, st.name)
        if col is None:
            continue
        if col not in st.data.columns:  # a {file: column} group was checked by check_config
            st.notes.append(f"group '{group}': no column '{col}' in this file")
            continue
        st.groups[group] = group_values(st.data[col], st.survey.value_labels.get(col))


# --------------------------------------------------------------------------- all files


def prepare(checked: CheckedConfig, exports: Exports) -> Prepared:
    """Clean, pseudonymise and score every file read; link mentees to their mentors.

    Parameters
    ----------
    checked : CheckedConfig
        The config checked against the exports.
    exports : Exports
        The files as read by :func:`read_exports`.
    """
    datasets = {
        name: _prepare_file(checked, name, exports.surveys[name])
        for name in checked.config.data.configured()
    }
    prepared = Prepared(datasets=datasets, warnings=list(exports.warnings))
    _link(prepared)
    return prepared


def _prepare_file(checked: CheckedConfig, name: Dataset, survey: SurveyData) -> DatasetState:
    cfg = checked.config
    st = DatasetState(name=name, survey=survey, data=survey.data, id_col=cfg.ids.get(name))
    _exclusions(cfg, st)
    idents = cfg.identifiers.get(name, [])
    (clean, record), msgs = captured(strip_identifiers, st.data, idents, missing="error")
    st.notes.extend(msgs)
    st.data, st.stripped = clean, record
    _pseudonymise(cfg, st, checked.salt)
    st.data = st.data.reset_index(drop=True)
    _score(cfg, st, checked.scales_in(name))
    _groups(cfg, st)
    total = st.n_read + sum(e["rows"] for e in st.ledger)
    if total != st.n:  # pragma: no cover - an internal bookkeeping error
        raise RuntimeError(f"{name}: row ledger does not add up ({total} != {st.n})")
    if tuple(st.data.columns) != checked.columns[name]:  # pragma: no cover - as total above
        raise RuntimeError(f"{name}: the columns checked differ from the columns analysed")
    return st


def _link(prep: Prepared) -> None:
    """Mentee rows with their mentor's scores and columns (mentor columns prefixed ``mentor.``)."""
    mentors, mentees = prep.datasets.get("mentors"), prep.datasets.get("mentees")
    if mentors is None or mentees is None or LINK not in mentees.data.columns:
        return
    left = mentees.data[[LINK]].copy()
    if mentees.scores is not None:
        left = left.join(mentees.scores)
    right_cols = {}
    if mentors.scores is not None:
        for c in mentors.scores.columns:
            right_cols[c] = mentors.scores[c]
    for c in mentors.data.columns:
        if c not in right_cols and c != LINK:
            right_cols[c] = mentors.data[c]
    right = pd.DataFrame(right_cols, index=mentors.data.index)
    right = right.loc[:, [c for c in right.columns if c not in left.columns]]
    right[LINK] = mentors.data[LINK]
    right = right[right[LINK].notna()]
    linked = left.reset_index().merge(right, on=LINK, how="left", validate="many_to_one")
    linked = linked.set_index("index")
    linked.index.name = None
    for c in mentees.data.columns:
        if c not in linked.columns:
            linked[c] = mentees.data[c]
    no_id = int(mentees.data[LINK].isna().sum())
    matched = mentees.data[LINK].isin(set(right[LINK]))
    unmatched = int((~matched & mentees.data[LINK].notna()).sum())
    prep.link_notes.append(
        f"{int(matched.sum())} of {mentees.n} mentee rows were linked to a responding mentor"
    )
    if no_id:
        prep.link_notes.append(
            f"{no_id} mentee row(s) have no mentor id: kept in the mentee descriptives, left out "
            "of the models that need the mentor's answers"
        )
    if unmatched:
        prep.link_notes.append(
            f"{unmatched} mentee row(s) name a mentor who is not in the analysed mentor data "
            "(did not respond, or was excluded): kept in the mentee descriptives, left out of "
            "the models that need the mentor's answers"
        )
    n_per = mentees.data.loc[matched, LINK].value_counts()
    if len(n_per):
        prep.link_notes.append(
            f"{len(n_per)} mentors have linked mentees ({n_per.min()}–{n_per.max()} per mentor, "
            f"mean {n_per.mean():.2f})"
        )
    prep.linked = linked
