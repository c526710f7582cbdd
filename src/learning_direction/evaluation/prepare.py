"""Data preparation of the evaluator workflow (private; used by :mod:`learning_direction.evaluation`).

Reads each configured export, leaves out rows for stated reasons (Qualtrics previews, exact
duplicate submissions, too-fast responses), removes direct identifiers, pseudonymises ids,
scores the scales (out-of-range answers set to missing and listed), flags straight-lining and
links mentee rows to their mentor. Every row is accounted for in a ledger whose counts add up.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..exceptions import ConfigError, DataValidationError
from ..intake.io import SurveyData, read_survey
from ..intake.privacy import StrippedIdentifiers, _id_text, pseudonymise, strip_identifiers
from ..scales._items import build_item_matrix
from ..scales.codebook import Scale, load_scale
from ..scales.quality import careless_responding
from ..scales.scoring import score
from .config import EvaluationConfig, GroupColumn, ScaleMapping

__all__ = ["DatasetState", "Prepared", "prepare"]

_RESPONDENT_FILE = {"mentor": "mentors", "mentee": "mentees"}
_PREFIX = {"mentors": "M-", "mentees": "E-", "networks": "N-"}
JOIN_PREFIX = "mentor-"
LINK = "_mentor_link"
MIN_STRAIGHTLINE_ITEMS = 4  # shorter scales are not checked for straight-lining  # column holding the pseudonymised mentor id in every file


@dataclass
class DatasetState:
    """One export after reading, exclusions, identifier removal, pseudonymisation and scoring."""

    name: str
    survey: SurveyData
    data: pd.DataFrame  # identifiers removed, ids pseudonymised; never written out whole
    id_col: str | None
    stripped: StrippedIdentifiers | None = None
    ledger: list[dict[str, Any]] = field(default_factory=list)
    scales: dict[str, Scale] = field(default_factory=dict)
    column_maps: dict[str, dict[str, str]] = field(default_factory=dict)
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


@dataclass
class Prepared:
    """Everything the report needs from the data."""

    datasets: dict[str, DatasetState]
    scale_dataset: dict[str, str]  # scale name -> dataset
    linked: pd.DataFrame | None = None  # mentee rows with their mentor's scores (mentor-level cols)
    link_notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- helpers


def scale_file(cfg: EvaluationConfig, name: str, mapping: ScaleMapping) -> tuple[Scale, str]:
    """The scale definition and the dataset that holds its items (as load_config checks them)."""
    sc = load_scale(mapping.file if mapping.file is not None else name)
    configured = cfg.data.configured()
    dataset = mapping.dataset or _RESPONDENT_FILE.get(sc.respondent)
    if dataset is None:
        candidates = [d for d in configured if d != "networks"]
        if len(candidates) != 1:
            raise ConfigError(
                f"scales.{name}: say which file holds scale '{name}' (respondent "
                f"'{sc.respondent}'): add dataset: mentors or mentees"
            )
        dataset = candidates[0]
    if dataset not in configured:
        raise ConfigError(
            f"scales.{name}: scale '{name}' is in the '{dataset}' file but 'data' has no "
            f"'{dataset}' entry; add it or set dataset:"
        )
    return sc, dataset


def group_column(cfg: EvaluationConfig, group: str, dataset: str) -> str | None:
    spec = cfg.groups[group]
    if isinstance(spec, GroupColumn):
        return getattr(spec, dataset, None)
    return spec


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


def _capture(fn, *args, **kwargs) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [" ".join(str(w.message).split()) for w in caught]


# --------------------------------------------------------------------------- one file


def _read(cfg: EvaluationConfig, name: str) -> tuple[SurveyData, list[str]]:
    spec = getattr(cfg.data, name)
    return _capture(read_survey, spec.path, **spec.read_kwargs())


def _exclusions(cfg: EvaluationConfig, st: DatasetState) -> None:
    """Exact duplicate rows, then duplicated ids (an error), then too-fast responses.

    The first two are checks of one-row-per-respondent files; the networks file (one row per
    developer named) is exempt.
    """
    df = st.data
    name = st.name
    for d in st.survey.report.dropped:
        st.ledger.append(
            {
                "dataset": name,
                "step": "excluded while reading",
                "reason": d.reason,
                "rows": -int(d.count),
                "detail": f"file rows {_rows_text(list(d.rows))}",
            }
        )
    # the networks file has one row per developer named, so identical rows are two developers
    # with the same attributes and a repeated ego id is the same respondent's next developer
    per_respondent = name != "networks"
    dup = df.duplicated(keep="first") & per_respondent
    if dup.any():
        firsts = df[df.duplicated(keep=False) & ~dup]
        st.ledger.append(
            {
                "dataset": name,
                "step": "excluded",
                "rows": -int(dup.sum()),
                "reason": "exact duplicate submission (every column identical to an earlier row; the first was kept)",
                "detail": f"{len(firsts)} respondent(s) submitted twice",
            }
        )
        df = df.loc[~dup]
    if st.id_col is not None and per_respondent:
        ids = df[st.id_col]
        again = ids.duplicated(keep=False) & ids.notna()
        if again.any():
            shown = sorted({str(v) for v in ids[again]})[:5]
            raise DataValidationError(
                f"{name} file: id column '{st.id_col}' has duplicated respondent id(s) with "
                f"different answers: {', '.join(repr(v) for v in shown)}. Each respondent must "
                "appear once: remove the repeated submissions from the export (or fix the ids)"
            )
    join = cfg.join.get(name)
    if name == "mentors" and join is not None:
        if join not in df.columns:
            raise ConfigError(
                f"join.mentors: column '{join}' is not in the mentors file; name its mentor-id column"
            )
        keys = df[join]
        again = keys.duplicated(keep=False) & keys.notna()
        if again.any():
            shown = sorted({str(v) for v in keys[again]})[:5]
            raise DataValidationError(
                f"mentors file: mentor id column '{join}' repeats id(s) "
                f"{', '.join(repr(v) for v in shown)} with different answers; each mentor must "
                "appear once (remove the repeated submission) so that mentees link to one mentor"
            )
    limit = cfg.report.min_duration_seconds
    dcol = cfg.report.duration_column
    if limit is not None and dcol:
        if dcol in df.columns:
            secs = pd.to_numeric(df[dcol], errors="coerce")
            bad = secs.isna() & df[dcol].notna()
            if bad.any():
                raise DataValidationError(
                    f"{name} file: duration column '{dcol}' holds text such as "
                    f"{df.loc[bad, dcol].iloc[0]!r}; it must hold seconds (or set "
                    "report.duration_column to the right column)"
                )
            fast = secs < float(limit)
            if fast.any():
                st.ledger.append(
                    {
                        "dataset": name,
                        "step": "excluded",
                        "rows": -int(fast.sum()),
                        "reason": f"too fast: completed in under {limit:g} seconds ('{dcol}')",
                        "detail": f"fastest {secs[fast].min():g} s",
                    }
                )
                df = df.loc[~fast]
            if secs.isna().any():
                st.notes.append(
                    f"{int(secs.isna().sum())} response(s) have no duration; they were kept"
                )
        else:
            st.notes.append(
                f"no '{dcol}' column in this file: response times were not checked "
                f"(report.min_duration_seconds = {limit:g})"
            )
    st.data = df


def _pseudonymise(cfg: EvaluationConfig, st: DatasetState, salt: str) -> None:
    df = st.data.copy()
    length = cfg.privacy.id_length
    if st.id_col is not None:
        if st.id_col not in df.columns:
            raise ConfigError(
                f"ids.{st.name}: column '{st.id_col}' is not in the {st.name} file "
                "(or it was listed under identifiers); name the respondent-id column"
            )
        n_missing = int(df[st.id_col].isna().sum())
        df[st.id_col] = pseudonymise(df[st.id_col], salt, length=length, prefix=_PREFIX[st.name])
        if n_missing:
            st.notes.append(f"{n_missing} row(s) have no respondent id; they were kept")
    join = cfg.join.get(st.name)
    if join is not None:
        if join not in df.columns:
            raise ConfigError(
                f"join.{st.name}: column '{join}' is not in the {st.name} file; name the column "
                "holding the mentor id"
            )
        df[LINK] = pseudonymise(df[join], salt, length=length, prefix=JOIN_PREFIX)
        if join != st.id_col:
            df = df.drop(columns=[join])
    st.data = df


def _score(cfg: EvaluationConfig, st: DatasetState, scale_names: list[str]) -> None:
    df = st.data
    frames, invalid_rows, straight = [], [], []
    for name in scale_names:
        mapping = cfg.scales[name]
        sc, _ = scale_file(cfg, name, mapping)
        colmap = mapping.column_map(sc.item_ids)
        st.scales[name] = sc
        st.column_maps[name] = colmap
        res, msgs = _capture(score, df, sc, columns=colmap, invalid="missing")
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
        frames.append(res.scores)
        table = res.table.copy()
        st.score_tables[name] = table
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
                        "value": _id_text(raw.at[idx]),
                        "reason": reasons.get((repr(idx), col), "not a valid answer"),
                    }
                )
        if cfg.report.straightlining and len(sc.item_ids) >= MIN_STRAIGHTLINE_ITEMS:
            cr, _ = _capture(
                careless_responding,
                df,
                sc,
                columns=colmap,
                invalid="missing",
                longstring_threshold=len(sc.item_ids),
            )
            flagged = cr.table.index[cr.table["flag_straightline"].to_numpy()]
            straight.append(
                {
                    "dataset": st.name,
                    "scale": name,
                    "n_items": len(sc.item_ids),
                    "n_flagged": len(flagged),
                    "respondents": ", ".join(st.respondent(i) for i in flagged),
                }
            )
    if frames:
        scores = pd.concat(frames, axis=1)
        clash = [c for c in scores.columns if c in cfg.groups]
        if clash:
            raise ConfigError(
                f"score name(s) {clash} are also group names under 'groups'; rename the group"
            )
        st.scores = scores
    cols = ["dataset", "scale", "column", "item", "respondent", "value", "reason"]
    st.invalid = pd.DataFrame(invalid_rows, columns=cols)
    st.straightlining = pd.DataFrame(
        straight, columns=["dataset", "scale", "n_items", "n_flagged", "respondents"]
    )


def _groups(cfg: EvaluationConfig, st: DatasetState) -> None:
    for group in cfg.groups:
        col = group_column(cfg, group, st.name)
        if col is None:
            continue
        if col not in st.data.columns:
            if isinstance(cfg.groups[group], GroupColumn):
                raise ConfigError(
                    f"groups.{group}.{st.name}: column '{col}' is not in the {st.name} file"
                )
            st.notes.append(f"group '{group}': no column '{col}' in this file")
            continue
        st.groups[group] = group_values(st.data[col], st.survey.value_labels.get(col))


# --------------------------------------------------------------------------- all files


def prepare(cfg: EvaluationConfig) -> Prepared:
    """Read, clean, pseudonymise and score every configured file; link mentees to mentors."""
    salt = cfg.privacy.resolve_salt()
    scale_dataset: dict[str, str] = {}
    for name, mapping in cfg.scales.items():
        scale_dataset[name] = scale_file(cfg, name, mapping)[1]
    out: dict[str, DatasetState] = {}
    warn_all: list[str] = []
    for name in cfg.data.configured():
        survey, msgs = _read(cfg, name)
        warn_all.extend(f"{name} file: {m}" for m in msgs)
        st = DatasetState(name=name, survey=survey, data=survey.data, id_col=cfg.ids.get(name))
        if st.id_col is not None and st.id_col not in survey.data.columns:
            raise ConfigError(
                f"ids.{name}: column '{st.id_col}' is not in the {name} file "
                f"({survey.report.path}); name its respondent-id column"
            )
        _exclusions(cfg, st)
        idents = cfg.identifiers.get(name, [])
        (clean, record), msgs = _capture(strip_identifiers, st.data, idents, missing="error")
        st.notes.extend(msgs)
        st.data, st.stripped = clean, record
        _pseudonymise(cfg, st, salt)
        st.data = st.data.reset_index(drop=True)
        _score(cfg, st, [s for s, d in scale_dataset.items() if d == name])
        _groups(cfg, st)
        total = st.n_read + sum(e["rows"] for e in st.ledger)
        if total != st.n:  # pragma: no cover - an internal bookkeeping error
            raise RuntimeError(f"{name}: row ledger does not add up ({total} != {st.n})")
        out[name] = st
    prepared = Prepared(datasets=out, scale_dataset=scale_dataset, warnings=warn_all)
    _link(cfg, prepared)
    return prepared


def _link(cfg: EvaluationConfig, prep: Prepared) -> None:
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


def numeric_outcome_binary(s: pd.Series) -> bool:
    """Is this outcome binary (exactly two distinct non-missing values)?"""
    values = pd.unique(s.dropna())
    return len(values) == 2
