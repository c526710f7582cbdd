"""The evaluator workflow: ``learning-direction evaluate CONFIG`` -> one self-contained HTML report.

:func:`run_evaluation` reads the survey exports named in an evaluation config (see
:mod:`learning_direction.config`), removes direct identifiers, pseudonymises respondent ids, scores
the scales, checks their reliability, runs the configured models and writes:

* ``<output>/evaluation_report.html`` — one self-contained file (figures embedded, contents list)
  with an overview, response counts and rates, scale scores and reliability, the models with a
  plain-language interpretation next to the statistics, and a data-quality appendix in which
  every row read is accounted for;
* ``<output>/evaluation_report.json`` — the provenance sidecar (input SHA-256, software
  versions, the config with the salt redacted, the seed and a timestamp);
* ``<output>/tables/*.csv`` — every table of the report, full precision;
* ``<output>/figures/*.png`` — every figure of the report.

The same inputs, config and seed give byte-identical tables, figures and HTML apart from the
single "Generated ..." timestamp line (set ``SOURCE_DATE_EPOCH`` to fix that one too).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ConfigError, DataValidationError
from ..reporting.apa import apa_coefficient, apa_indirect, fmt_num, fmt_p, fmt_r
from ..reporting.html import HtmlReport
from . import text
from .config import EvaluationConfig, InvitedCounts, load_config
from .prepare import LINK, MIN_STRAIGHTLINE_ITEMS, DatasetState, Prepared, prepare

__all__ = ["REPORT_NAME", "run_evaluation"]

REPORT_NAME = "evaluation_report"
_SUBJECT = {"mentors": "mentors", "mentees": "mentees", "networks": "respondents"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- bookkeeping


@dataclass
class _Output:
    """Tables and figures collected while the report is built (written at the end)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    model_rows: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def table(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "table"
        key, k = name, 2
        while key in self.tables:
            key, k = f"{name}_{k}", k + 1
        self.tables[key] = df.reset_index(drop=True)
        return df


def _term(name: str) -> str:
    """A column name usable in a formula."""
    return name if _IDENT.match(name) else f'Q("{name}")'


def _new_figure(figsize: tuple[float, float]):
    """A matplotlib Figure without pyplot (no global backend change, nothing left open)."""
    from matplotlib.figure import Figure

    from ..figures._style import publication_style

    with publication_style():
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.subplots()
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    return fig, ax


def _captured(fn, *args, **kwargs) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [" ".join(str(w.message).split()) for w in caught]


def _scale_range(prep: Prepared, score: str) -> tuple[float, float] | None:
    for st in prep.datasets.values():
        for sc in st.scales.values():
            if score in sc.score_names:
                return (sc.response_min, sc.response_max)
    return None


def _title_of(prep: Prepared, score: str) -> str | None:
    for st in prep.datasets.values():
        for name, sc in st.scales.items():
            if score == name or (sc.one_dimensional and score in sc.score_names):
                return sc.title or name
    return None


def _label(prep: Prepared, score: str) -> str:
    return text.describe(score, _title_of(prep, score))[1]


def _where(prep: Prepared, column: str) -> str | None:
    """Which file holds a score or column (scores first, mentors before mentees)."""
    for name, st in prep.datasets.items():
        if st.scores is not None and column in st.scores.columns:
            return name
    for name, st in prep.datasets.items():
        if column in st.data.columns:
            return name
    return None


def _frame(st: DatasetState) -> pd.DataFrame:
    """Scores plus the (identifier-free) columns of one file, one row per respondent."""
    df = st.data.copy()
    if st.scores is not None:
        for c in st.scores.columns:
            df[c] = st.scores[c]
    return df


# --------------------------------------------------------------------------- sections


def _overview(rep: HtmlReport, cfg: EvaluationConfig, prep: Prepared, out: _Output) -> None:
    sec = rep.section("Overview")
    sec.paragraph(
        f"This report evaluates {cfg.program}. It was produced by the learning_direction toolkit "
        "from the survey exports listed below. Names, e-mail addresses and other direct "
        "identifiers were removed as soon as the files were read; respondents appear only under "
        "pseudonyms (a salted hash of their id)."
    )
    rows = []
    for name, st in prep.datasets.items():
        rep_ = st.survey.report
        rows.append(
            {
                "file": name,
                "name": Path(rep_.path).name,
                "format": rep_.format + (" (Qualtrics)" if rep_.qualtrics else ""),
                "rows_read": st.n_read,
                "rows_analysed": st.n,
                "columns": rep_.n_columns,
                "sha256": rep_.sha256,
            }
        )
    files = pd.DataFrame(rows)
    sec.table(files, caption="Files read (SHA-256 identifies the exact export analysed)")
    out.table("files", files)
    analysed = []
    for name, scale_ds in prep.scale_dataset.items():
        analysed.append(f"scale '{name}' from the {scale_ds} file")
    a = cfg.analyses
    if a.reliability.enabled:
        analysed.append("reliability (Cronbach's alpha, omega) and item statistics of every scale")
    if a.learning_direction_engagement.enabled:
        e = a.learning_direction_engagement
        analysed.append(
            f"learning direction ({', '.join(e.predictors)}) -> {e.engagement} -> "
            f"{', '.join(e.outcomes) or 'no mentee outcome'}"
        )
    if a.motives.enabled:
        analysed.append(f"mentor motives ({a.motives.scale})")
    if a.networks is not None and a.networks.enabled:
        analysed.append("developmental networks")
    sec.paragraph("What was analysed:")
    sec.bullets(analysed)
    for w in prep.warnings:
        sec.warning(f"WARNING: {w}")


def _response_rates(rep: HtmlReport, cfg: EvaluationConfig, prep: Prepared, out: _Output) -> None:
    sec = rep.section("Response counts and rates")
    k_min = cfg.report.min_group_size
    sec.paragraph(
        "Responses are the rows analysed (after the exclusions listed in the data-quality "
        f"appendix). Groups with fewer than {k_min} respondents are counted here but get no "
        "statistics anywhere else in this report, so that nobody can be singled out."
    )
    all_rows = []
    for name, st in prep.datasets.items():
        if name == "networks":
            continue
        inv = cfg.invited.get(name)
        total_inv = inv if isinstance(inv, int) else (sum(inv.counts.values()) if inv else None)
        all_rows.append(
            {
                "file": name,
                "group": "(all)",
                "level": "all",
                "responses": st.n,
                "invited": total_inv,
            }
        )
        for group, values in st.groups.items():
            counts = values.value_counts(dropna=False)
            levels = [v for v in counts.index if v is not None and v == v]
            inv_counts = inv.counts if isinstance(inv, InvitedCounts) and inv.group == group else {}
            for lv in sorted(set(levels) | set(inv_counts), key=str):
                all_rows.append(
                    {
                        "file": name,
                        "group": group,
                        "level": str(lv),
                        "responses": int(counts.get(lv, 0)),
                        "invited": inv_counts.get(str(lv)),
                    }
                )
            n_na = int(values.isna().sum())
            if n_na:
                all_rows.append(
                    {
                        "file": name,
                        "group": group,
                        "level": "(missing)",
                        "responses": n_na,
                        "invited": None,
                    }
                )
    table = pd.DataFrame(all_rows, columns=["file", "group", "level", "responses", "invited"])
    inv = pd.to_numeric(table["invited"], errors="coerce")
    table["invited"] = inv
    table["rate"] = np.where(inv > 0, table["responses"] / inv, np.nan)
    table["small_group"] = (table["responses"] > 0) & (table["responses"] < k_min)
    sec.table(table, caption="Responses by file and group (rate = responses / invited)")
    out.table("response_rates", table)
    over = table[table["rate"] > 1]
    for r in over.itertuples():
        sec.warning(
            f"WARNING: {r.file}, {r.group} {r.level}: {r.responses} responses but only "
            f"{r.invited:g} invited; check the invited counts in the config."
        )
    small = table[table["small_group"] & (table["group"] != "(all)")]
    for r in small.itertuples():
        sec.warning(
            f"WARNING: {r.file}, {r.group} '{r.level}' has only {r.responses} respondent(s) "
            f"(fewer than {k_min}); no statistics are shown for this group."
        )
    shown = table[table["invited"].notna()]
    if len(shown):
        lab = shown.apply(
            lambda r: f"{r['file']}: {'all' if r['group'] == '(all)' else r['level']}", axis=1
        )
        from ..figures.evaluation import plot_response_rates

        fig, ax = _new_figure((6.5, max(1.8, 0.45 * len(shown) + 1.0)))
        plot_response_rates(shown.assign(label=lab.to_numpy()), ax=ax, level="label")
        sec.figure(fig, caption="Response rates: responses analysed / invited.")
        out.figures["response_rates"] = fig
        rates = shown[shown["group"] == "(all)"]
        parts = [
            f"{r.responses} of {r.invited:g} invited {_SUBJECT.get(r.file, r.file)} "
            f"({100 * r.rate:.0f}%)"
            for r in rates.itertuples()
        ]
        if parts:
            sec.plain(
                "In plain words: "
                + "; ".join(parts)
                + " gave answers that could be analysed. Low response rates mean the results "
                "describe those who answered, who may differ from those who did not."
            )


def _scales(rep: HtmlReport, cfg: EvaluationConfig, prep: Prepared, out: _Output) -> None:
    from ..figures.evaluation import plot_distributions_by_group
    from ..scales.reliability import reliability

    sec = rep.section("Scale scores and reliability")
    threshold = cfg.report.alpha_warning
    k_min = cfg.report.min_group_size
    sec.paragraph(
        "Each score is the mean of a respondent's answers to the scale's items (reverse-worded "
        "items turned around first); a respondent who answered fewer than half of a scale's "
        "items gets no score. Reliability (Cronbach's alpha, omega) says how consistently the "
        f"items measure the same thing; {fmt_r(threshold)} is the usual minimum."
    )
    rel_tables, item_tables, desc_tables = [], [], []
    for name, st in prep.datasets.items():
        if not st.scales:
            continue
        sec.heading(f"{name.capitalize()} file", level=3)
        desc = pd.concat(list(st.score_tables.values()), ignore_index=True)
        desc.insert(0, "file", name)
        sec.table(
            desc[["score", "scale", "n_items", "n", "n_missing", "mean", "sd", "min", "max"]],
            caption=f"Scores of the {name} (n = respondents with a score)",
        )
        desc_tables.append(desc)
        if cfg.analyses.reliability.enabled:
            wanted = cfg.analyses.reliability.scales
            for scale_name, sc in st.scales.items():
                if wanted is not None and scale_name not in wanted:
                    continue
                res, msgs = _captured(reliability, st.items[scale_name], sc)
                table = res.table.copy()
                table.insert(0, "file", name)
                rel_tables.append(table)
                items = res.items.copy()
                items["column"] = items["item"].map(st.column_maps[scale_name])
                items.insert(0, "file", name)
                item_tables.append(items)
                shown = table[
                    [
                        "scale",
                        "n_items",
                        "n",
                        "alpha",
                        "alpha_ci_low",
                        "alpha_ci_high",
                        "omega_total",
                    ]
                ]
                sec.table(shown, caption=f"Reliability of {sc.title or scale_name}", digits=2)
                for m in msgs:
                    sec.warning(f"WARNING ({scale_name}): {m}")
                for r in table.itertuples():
                    if not (isinstance(r.alpha, float) and math.isfinite(r.alpha)):
                        sec.warning(f"WARNING: alpha of '{r.scale}' could not be computed.")
                    elif r.alpha < threshold:
                        sec.warning(
                            f"WARNING: alpha of '{r.scale}' is {fmt_r(r.alpha)}, below "
                            f"{fmt_r(threshold)}: its items do not hang together well, so its "
                            "score is a noisy measure; interpret results using it with care."
                        )
                good = table[table["alpha"] >= threshold]["scale"].tolist()
                if len(good) == len(table):
                    sec.plain(
                        f"In plain words: the items of {sc.title or scale_name} hang together "
                        f"well (alpha {', '.join(fmt_r(a) for a in table['alpha'])} for "
                        f"{', '.join(table['scale'])}); their scores can be used."
                    )
                sec.table(
                    items[
                        ["scale", "item", "column", "r_drop", "alpha_if_deleted", "mean", "sd", "n"]
                    ],
                    caption=f"Item statistics of {sc.title or scale_name} (r_drop: correlation "
                    "of the item with the rest of its scale; reverse-worded items after reversal)",
                )
        # by group (small groups suppressed)
        for group, values in st.groups.items():
            counts = values.value_counts()
            ok_levels = [lv for lv, n in counts.items() if n >= k_min]
            keep = values.isin(ok_levels)
            if not ok_levels or st.scores is None:
                continue
            means = st.scores[keep].groupby(values[keep]).agg(["count", "mean", "std"]).round(12)
            long = []
            for lv in sorted(ok_levels, key=str):
                for sname in st.scores.columns:
                    long.append(
                        {
                            "file": name,
                            "group": group,
                            "level": lv,
                            "score": sname,
                            "n": int(means.loc[lv, (sname, "count")]),
                            "mean": means.loc[lv, (sname, "mean")],
                            "sd": means.loc[lv, (sname, "std")],
                        }
                    )
            bygroup = pd.DataFrame(long)
            out.table(f"scores_by_{group}_{name}", bygroup)
            wide = bygroup.pivot(index="score", columns="level", values="mean").reset_index()
            wide.columns = [str(c) for c in wide.columns]
            wide = wide.set_index("score").loc[list(st.scores.columns)].reset_index()
            sec.table(wide, caption=f"Mean scores of the {name} by {group}")
        group = "cohort" if "cohort" in st.groups else next(iter(st.groups), None)
        if st.scores is not None:
            names = list(st.scores.columns)
            rng = _scale_range(prep, names[0])
            g = None
            scores = st.scores
            if group is not None:
                values = st.groups[group]
                counts = values.value_counts()
                ok = values.isin([lv for lv, n in counts.items() if n >= k_min])
                g, scores = values[ok], st.scores[ok]
            fig, ax = _new_figure((max(6.5, min(11.0, 1.0 * len(names) + 3.0)), 4.0))
            plot_distributions_by_group(
                scores,
                g,
                ax=ax,
                score_names=names,
                labels={n: _label(prep, n) for n in names},
                scale_range=rng,
                group_title=group or "group",
            )
            cap = f"Distribution of the {name}' scores" + (f" by {group}" if group else "")
            cap += " (box: middle half of respondents, line: median, diamond: mean)."
            if group is not None and (~ok).any():
                cap += f" Groups with fewer than {k_min} respondents are not shown."
            sec.figure(fig, caption=cap)
            out.figures[f"distributions_{name}"] = fig
    if desc_tables:
        out.table("scores", pd.concat(desc_tables, ignore_index=True))
    if rel_tables:
        out.table("reliability", pd.concat(rel_tables, ignore_index=True))
        out.table("reliability_items", pd.concat(item_tables, ignore_index=True))


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """A copy for display: p values as APA text (``< .001``); the CSV keeps the numbers."""
    out = table.copy()
    if "p_value" in out.columns:
        out["p_value"] = [fmt_p(p, with_symbol=False) for p in out["p_value"]]
    return out


def _row(table: pd.DataFrame, term: str) -> pd.Series | None:
    hit = table[table["term"] == term]
    return None if hit.empty else hit.iloc[0]


def _model_record(out: _Output, model: str, res: Any, data_rows: int) -> None:
    out.model_rows.append(
        {
            "model": model,
            "rows_available": data_rows,
            "n_used": int(res.n),
            "n_dropped": int(getattr(res, "n_dropped", data_rows - res.n)),
            "why": "; ".join(
                n for n in getattr(res, "notes", ()) if "left out" in n or "dropped" in n
            ),
        }
    )


def _model_section(
    sec: Any,
    out: _Output,
    res: Any,
    msgs: list[str],
    *,
    record: str,
    data_rows: int,
    columns: list[str],
    caption: str,
    name: str,
    extra: dict[str, Any],
) -> pd.DataFrame:
    """Record a fitted model, show ``columns`` of its table, save the table, add its notes.

    The saved table (``name``) has the ``extra`` columns appended; returns a copy of the table.
    """
    _model_record(out, record, res, data_rows)
    table = res.table.copy()
    sec.table(_shown(table[columns]), caption=caption)
    out.table(name, table.assign(**extra))
    for m in [*msgs, *res.notes]:
        sec.paragraph(f"Note: {m}")
    return table


def _engagement(rep: HtmlReport, cfg: EvaluationConfig, prep: Prepared, out: _Output) -> None:
    from ..models.mediation import mediate
    from ..models.regression import logit, mixed, regress

    e = cfg.analyses.learning_direction_engagement
    sec = rep.section("Learning direction, engagement and mentee outcomes")
    sec.paragraph(
        "Following Zhang, Wang & Galinsky (2023): do mentors who value learning from people "
        "junior to them (downward learning direction) engage more in mentoring, and do their "
        "mentees benefit? Each model is shown with its statistics (estimate b, standard error "
        "SE, 95% confidence interval, p value) and, in the coloured box, what it means in plain "
        "words."
    )
    key = "analyses.learning_direction_engagement"
    home = _where(prep, e.engagement)
    if home is None:
        raise ConfigError(
            f"{key}.engagement: score '{e.engagement}' is not produced by any configured scale; "
            "add its scale under 'scales' (e.g. mentor_engagement)"
        )
    st = prep.datasets[home]
    frame = _frame(st)
    for p in [*e.predictors, *e.covariates]:
        if p not in frame.columns:
            raise ConfigError(
                f"{key}: '{p}' is not a score or column of the {home} file, which holds "
                f"'{e.engagement}'; predictors and covariates must be in the same file "
                f"(scores there: {list(st.scores.columns) if st.scores is not None else []})"
            )
    covs = list(e.covariates)
    rhs = " + ".join(_term(t) for t in [*e.predictors, *covs])
    formula = f"{_term(e.engagement)} ~ {rhs}"
    eng_label = _label(prep, e.engagement)
    eng_range = _scale_range(prep, e.engagement)

    # 1. learning direction -> engagement (mentor level, HC3)
    sec.heading(f"Learning direction and {eng_label}", 3)
    res, msgs = _captured(regress, frame, formula, se="HC3")
    table = _model_section(
        sec,
        out,
        res,
        msgs,
        record=f"{e.engagement} on learning direction",
        data_rows=len(frame),
        columns=["term", "estimate", "se", "ci_low", "ci_high", "p_value", "beta"],
        caption=f"OLS regression of {e.engagement} (HC3 robust SEs); n = {res.n}, "
        f"R² = {fmt_num(res.r2, 2)}",
        name="model_engagement",
        extra={"model": formula, "n": res.n, "r2": res.r2},
    )
    for pred in e.predictors:
        r = _row(table, pred)
        if r is None:
            continue
        phrase, short = text.describe(pred, _title_of(prep, pred))
        others = [text.describe(o, _title_of(prep, o))[1] for o in e.predictors if o != pred]
        sec.apa(f"{short}: " + apa_coefficient(r.estimate, r.se, r.ci_low, r.ci_high, r.p_value))
        sec.plain(
            text.plain_coefficient(
                who=f"{_SUBJECT.get(home, 'respondents').capitalize()} who {phrase}",
                up=f"reported more {eng_label}",
                down=f"reported less {eng_label}",
                short=short,
                outcome_label=eng_label,
                estimate=r.estimate,
                ci_low=r.ci_low,
                ci_high=r.ci_high,
                p=r.p_value,
                scale=eng_range,
                n=res.n,
                controls=others,
            )
        )

    # 2. engagement -> outcomes, 3. mediation
    for outcome in e.outcomes:
        where = _where(prep, outcome)
        if where is None:
            raise ConfigError(
                f"{key}.outcomes: '{outcome}' is not a score or column of any configured file; "
                "add its scale under 'scales' or fix the name"
            )
        out_label = _label(prep, outcome)
        out_range = _scale_range(prep, outcome)
        sec.heading(f"{eng_label.capitalize()} and {out_label}", 3)
        if where == home:
            data = frame
            cluster = None
        else:
            if prep.linked is None:
                raise ConfigError(
                    f"{key}.outcomes: '{outcome}' is in the {where} file, but the files are not "
                    "linked; give join: {mentors: <mentor id column>, mentees: <mentor id column>}"
                )
            data = prep.linked
            for note in prep.link_notes:
                sec.paragraph(note)
            per = data.loc[data[e.engagement].notna() & data[outcome].notna(), LINK].value_counts()
            cluster = LINK if (len(per) and per.max() > 1) else None
        is_score = any(
            st_.scores is not None and outcome in st_.scores.columns
            for st_ in prep.datasets.values()
        )
        binary = (not is_score) and data[outcome].dropna().nunique() == 2
        rhs2 = " + ".join(_term(t) for t in [e.engagement, *covs])
        f2 = f"{_term(outcome)} ~ {rhs2}"
        mentee_level = where != home
        subject = (
            f"{_SUBJECT.get(where, 'respondents').capitalize()} whose mentor was more engaged"
            if mentee_level
            else f"{_SUBJECT.get(where, 'respondents').capitalize()} who were more engaged"
        )
        if binary:
            se = "cluster" if cluster else "classical"
            res2, msgs2 = _captured(logit, data, f2, se=se, cluster=cluster)
            kind = "logistic regression" + (" (SEs clustered by mentor)" if cluster else "")
        elif cluster is not None:
            res2, msgs2 = _captured(mixed, data, f2, groups=cluster)
            kind = f"linear mixed model, mentees nested in mentors ({res2.n_groups} mentors)"
        else:
            res2, msgs2 = _captured(regress, data, f2, se="HC3")
            kind = "OLS regression (HC3 robust SEs)"
        cols = [
            c
            for c in ("term", "estimate", "se", "ci_low", "ci_high", "p_value", "odds_ratio")
            if c in res2.table.columns
        ]
        t2 = _model_section(
            sec,
            out,
            res2,
            msgs2,
            record=f"{outcome} on {e.engagement}",
            data_rows=len(data),
            columns=cols,
            caption=f"{outcome}: {kind}; n = {res2.n}",
            name=f"model_{outcome}",
            extra={"model": f2, "n": res2.n},
        )
        r = _row(t2, e.engagement)
        if r is not None:
            sec.apa(
                f"{eng_label}: " + apa_coefficient(r.estimate, r.se, r.ci_low, r.ci_high, r.p_value)
            )
            if binary:
                sec.plain(
                    text.plain_odds(
                        predictor=e.engagement,
                        predictor_title=eng_label,
                        outcome_label=out_label,
                        odds_ratio=r.odds_ratio,
                        or_low=math.exp(r.ci_low),
                        or_high=math.exp(r.ci_high),
                        p=r.p_value,
                        n=res2.n,
                    )
                )
            else:
                sec.plain(
                    text.plain_coefficient(
                        who=subject,
                        up=f"had higher {out_label} scores",
                        down=f"had lower {out_label} scores",
                        short=eng_label,
                        outcome_label=out_label,
                        estimate=r.estimate,
                        ci_low=r.ci_low,
                        ci_high=r.ci_high,
                        p=r.p_value,
                        scale=out_range,
                        n=res2.n,
                    )
                )
        if hasattr(res2, "icc"):
            sec.paragraph(
                f"ICC(1) = {fmt_num(res2.icc, 3)}: share of the variance of {outcome} between mentors."
            )
            sec.plain(text.plain_icc(res2.icc, out_label))

        # mediation
        others = [p for p in e.predictors if p != e.focal]
        med, msgs3 = _captured(
            mediate,
            data,
            x=e.focal,
            m=e.engagement,
            y=outcome,
            covariates=[*others, *covs],
            n_boot=e.n_boot,
            ci=e.ci,
            seed=cfg.seed,
            cluster=cluster,
            progress=False,
        )
        _model_record(out, f"mediation {e.focal} -> {e.engagement} -> {outcome}", med, len(data))
        mt = med.table.copy()
        keep_terms = [
            f"a:{e.engagement}",
            f"b:{e.engagement}",
            "c_prime",
            "c",
            f"indirect:{e.engagement}",
        ]
        shown = mt[mt["term"].isin(keep_terms)]
        how = f"{med.n_boot:,} {'cluster ' if cluster else ''}bootstrap resamples, seed {med.seed}"
        sec.table(
            _shown(shown[["term", "estimate", "se", "ci_low", "ci_high", "p_value"]]),
            caption=f"Mediation {e.focal} → {e.engagement} → {outcome} ({med.method}; {how}; "
            f"n = {med.n}"
            + (f", {med.n_clusters} mentors, design {med.design}" if cluster else "")
            + "; covariates: "
            + (", ".join([*others, *covs]) or "none")
            + ")",
        )
        out.table(f"mediation_{outcome}", mt.assign(n=med.n, n_boot=med.n_boot, seed=med.seed))
        for m in msgs3:
            sec.paragraph(f"Note: {m}")
        ind = _row(mt, f"indirect:{e.engagement}")
        if ind is not None:
            sec.apa(
                apa_indirect(
                    ind.estimate,
                    ind.ci_low,
                    ind.ci_high,
                    se=ind.se,
                    method=f"{e.ci} bootstrap",
                    n_boot=med.n_boot,
                )
            )
            sec.plain(
                text.plain_indirect(
                    focal=e.focal,
                    focal_title=_title_of(prep, e.focal),
                    mediator_label=eng_label,
                    outcome_label=out_label,
                    estimate=ind.estimate,
                    ci_low=ind.ci_low,
                    ci_high=ind.ci_high,
                    a=_row(mt, f"a:{e.engagement}").estimate,
                    b=_row(mt, f"b:{e.engagement}").estimate,
                    n_boot=med.n_boot,
                    binary=med.y_family == "binomial",
                )
            )


def _motives(rep: HtmlReport, cfg: EvaluationConfig, prep: Prepared, out: _Output) -> None:
    from ..models.regression import regress

    mo = cfg.analyses.motives
    sec = rep.section("Mentor motives")
    home = prep.scale_dataset.get(mo.scale)
    if home is None:
        raise ConfigError(
            f"analyses.motives.scale: scale '{mo.scale}' is not configured under 'scales'"
        )
    st = prep.datasets[home]
    sc = st.scales[mo.scale]
    preds = list(sc.composites) or sc.subscale_names
    sec.paragraph(
        f"Motives are scored as {', '.join(preds)} (Liu et al., 2021). Each outcome is regressed "
        "on them together (HC3 robust SEs)."
    )
    frame = _frame(st)
    if not mo.outcomes:
        sec.paragraph(
            "No outcomes were configured (analyses.motives.outcomes); see the scale scores above."
        )
    for outcome in mo.outcomes:
        if outcome not in frame.columns:
            raise ConfigError(
                f"analyses.motives.outcomes: '{outcome}' is not a score or column of the {home} "
                f"file that holds '{mo.scale}'"
            )
        if outcome in sc.score_names:
            raise ConfigError(
                f"analyses.motives.outcomes: '{outcome}' is a score of the motives scale "
                f"'{mo.scale}' itself ({', '.join(sc.score_names)}); a motive cannot be its own "
                "outcome: list outcome scores of another scale"
            )
        f = f"{_term(outcome)} ~ " + " + ".join(_term(p) for p in preds)
        res, msgs = _captured(regress, frame, f, se="HC3")
        _model_section(
            sec,
            out,
            res,
            msgs,
            record=f"{outcome} on motives",
            data_rows=len(frame),
            columns=["term", "estimate", "se", "ci_low", "ci_high", "p_value"],
            caption=f"{outcome} on motives; n = {res.n}",
            name=f"motives_{outcome}",
            extra={"model": f, "n": res.n},
        )
        label = _label(prep, outcome)
        shorts = {p: text.describe(p, p.replace("_", " ") + " motives")[1] for p in preds}
        for p in preds:
            r = _row(res.table, p)
            if r is None:
                continue
            short = shorts[p]
            sec.plain(
                text.plain_coefficient(
                    who=f"{_SUBJECT.get(home, 'respondents').capitalize()} with stronger {short}",
                    up=f"reported more {label}",
                    down=f"reported less {label}",
                    short=short,
                    outcome_label=label,
                    estimate=r.estimate,
                    ci_low=r.ci_low,
                    ci_high=r.ci_high,
                    p=r.p_value,
                    scale=_scale_range(prep, outcome),
                    n=res.n,
                    controls=[shorts[o] for o in preds if o != p],
                )
            )


def _networks(rep: HtmlReport, cfg: EvaluationConfig, prep: Prepared, out: _Output) -> None:
    """Network metrics of the alter-level file (one row per developer named by a respondent).

    Only the configured columns are used: without ``sphere`` there is no range, without
    ``tie_strength`` no strength, and without either no network type. A row whose level (and
    configured sphere and tie strength) are all empty names no developer.
    """
    from .._core.data import missing_hint
    from ..networks import network_metrics

    nw = cfg.analyses.networks
    st = prep.datasets["networks"]
    sec = rep.section("Developmental networks")
    data = st.data
    for opt in ("ego", "level", "sphere", "tie_strength", "wave"):
        col = getattr(nw, opt)
        if col is not None and col not in data.columns:
            raise ConfigError(
                f"analyses.networks.{opt}: column {missing_hint([col], data.columns)} is not in "
                "the networks file (or it is listed under identifiers); name the column that "
                f"holds the {opt.replace('_', ' ')}"
            )
    frame = data.copy()

    def spare(name: str) -> str:  # a helper column name that is not a column of the file
        while name in frame.columns:
            name = f"_{name}"
        return name

    attrs = [c for c in (nw.level, nw.sphere, nw.tie_strength) if c is not None]
    alter = spare("_developer")
    named = frame[attrs].notna().any(axis=1).to_numpy()
    frame[alter] = np.where(named, [f"row {k}" for k in range(len(frame))], None)
    sphere = nw.sphere or spare("_sphere")
    strength = nw.tie_strength or spare("_tie_strength")
    helpers = {alter}
    if nw.sphere is None:
        frame[sphere] = np.nan
        helpers.add(sphere)
    if nw.tie_strength is None:
        frame[strength] = np.nan
        helpers.add(strength)
    try:
        res, msgs = _captured(
            network_metrics,
            frame,
            ego=nw.ego,
            level=nw.level,
            sphere=sphere,
            strength=strength,
            alter=alter,
            wave=nw.wave,
            strength_range=tuple(nw.tie_strength_range),
            frequency=None,
            career=None,
            psychosocial=None,
        )
    except DataValidationError as err:  # point at the config key, not the function argument
        msg = str(err).replace(
            "pass strength_range=", "set analyses.networks.tie_strength_range (e.g. [1, 7])"
        )
        raise DataValidationError(msg) from None
    typed = nw.sphere is not None and nw.tie_strength is not None
    notes = [
        n
        for n in res.notes
        if not any(f"'{h}'" in n for h in helpers) and (typed or "no network type" not in n)
    ]
    n_unnamed = int((~named).sum())
    if n_unnamed:
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

    table = res.table
    n_rows = len(frame)
    per = "respondent × wave" if nw.wave else "respondent"
    sec.paragraph(
        f"{res.n_egos} respondents' developmental networks (Higgins & Kram, 2001), one row per "
        f"{per} ({res.n} networks), from {n_rows} rows of the networks file (one row per "
        f"developer named); {res.n_alters} rows were counted as developers. Composition by "
        "level (up / lateral / down) is a behavioural counterpart of learning direction."
    )
    out.model_rows.append(
        {
            "model": "developmental networks (rows = developers named)",
            "rows_available": n_rows,
            "n_used": res.n_alters,
            "n_dropped": n_rows - res.n_alters,
            "why": "; ".join(n for n in notes if "left out" in n or "not counted" in n),
        }
    )
    keys = {nw.ego, nw.wave}
    metrics = [
        c
        for c in table.select_dtypes("number").columns
        if c not in keys and c not in missing_metrics
    ]
    summary = table[metrics].describe().T.reset_index(names="metric")
    sec.table(summary, caption=f"Network metrics across the {res.n} networks")
    out.table("network_metrics_summary", summary)
    if typed:
        types = res.type_counts.rename_axis("type").reset_index()
        types["type"] = types["type"].astype(str)
        n_untyped = int(table["network_type"].isna().sum())
        if n_untyped:
            no_type = {"type": "(no type: range or strength missing)", "n": n_untyped}
            types = pd.concat([types, pd.DataFrame([no_type])], ignore_index=True)
        sec.table(
            types,
            caption=f"Network types ({res.method}: range above {fmt_num(res.splits['range'], 2)} "
            f"and strength above {fmt_num(res.splits['strength'], 2)} count as high); "
            f"n adds up to the {res.n} networks",
        )
        out.table("network_types", types)
    for m in [*msgs, *notes]:
        sec.paragraph(f"Note: {m}")


def _appendix(rep: HtmlReport, cfg: EvaluationConfig, prep: Prepared, out: _Output) -> None:
    sec = rep.section("Data-quality appendix")
    sec.paragraph(
        "Nothing is dropped silently: every row of every file is accounted for below, and every "
        "answer that was changed or set to missing is listed."
    )
    ledger = []
    for name, st in prep.datasets.items():
        ledger.append(
            {
                "file": name,
                "step": "rows in the file",
                "reason": "",
                "rows": st.n_read,
                "detail": Path(st.survey.report.path).name,
            }
        )
        for e in st.ledger:
            ledger.append(
                {
                    "file": name,
                    "step": e["step"],
                    "reason": e["reason"],
                    "rows": e["rows"],
                    "detail": e["detail"],
                }
            )
        ledger.append(
            {"file": name, "step": "= rows analysed", "reason": "", "rows": st.n, "detail": ""}
        )
    ledger_df = pd.DataFrame(ledger, columns=["file", "step", "reason", "rows", "detail"])
    sec.heading("Rows read, excluded and analysed", 3)
    sec.table(ledger_df, caption="Row accounting per file (exclusions are negative)")
    out.table("row_accounting", ledger_df)
    excl = sum(-e["rows"] for st in prep.datasets.values() for e in st.ledger)
    sec.plain(
        "In plain words: "
        + "; ".join(
            f"{st.n_read} rows were read from the {n} file and {st.n} were analysed"
            for n, st in prep.datasets.items()
        )
        + (
            f". {excl} rows were left out for the reasons listed (test responses, repeated "
            "submissions or answers given too fast to be genuine)."
            if excl
            else ". No row was left out."
        )
    )

    sec.heading("Missing scores", 3)
    miss = []
    for name, st in prep.datasets.items():
        for tab in st.score_tables.values():
            for r in tab.itertuples():
                miss.append(
                    {
                        "file": name,
                        "score": r.score,
                        "rows": st.n,
                        "scored": r.n,
                        "not_scored": r.n_missing,
                    }
                )
    miss_df = pd.DataFrame(miss, columns=["file", "score", "rows", "scored", "not_scored"])
    sec.table(
        miss_df,
        caption="Rows without a score (fewer than half of the items answered); "
        "they stay in the counts and in the other analyses",
    )
    out.table("missing_scores", miss_df)

    sec.heading("Models: rows used", 3)
    mr = pd.DataFrame(
        out.model_rows, columns=["model", "rows_available", "n_used", "n_dropped", "why"]
    )
    sec.table(
        mr,
        caption="Rows each model used; the others lacked a value the model needs "
        "(listwise deletion, reason in 'why')",
    )
    out.table("model_rows", mr)

    sec.heading("Straight-lining and careless responding", 3)
    sl = [st.straightlining for st in prep.datasets.values() if st.straightlining is not None]
    sl_df = pd.concat(sl, ignore_index=True) if sl else pd.DataFrame()
    if cfg.report.straightlining and len(sl_df):
        sec.paragraph(
            "A respondent is flagged when they gave the identical answer to every item of a "
            f"scale with at least {MIN_STRAIGHTLINE_ITEMS} items (on scales with reverse-worded "
            "items identical answers contradict each other; on short scales they can be "
            "genuine). Flagged respondents are kept in the analyses: look at them before "
            "excluding anyone."
        )
        sec.table(sl_df, caption="Straight-lining flags (respondents shown by pseudonym)")
        out.table("straightlining", sl_df)
    else:
        sec.paragraph("Straight-lining was not checked (report.straightlining is off).")

    sec.heading("Answers outside the response range", 3)
    inv = [st.invalid for st in prep.datasets.values() if st.invalid is not None]
    inv_df = pd.concat(inv, ignore_index=True) if inv else pd.DataFrame()
    if len(inv_df):
        sec.warning(
            f"WARNING: {len(inv_df)} answer(s) were not valid answers (outside the response "
            "range or not a number); they were set to missing and are listed here."
        )
        sec.table(inv_df, caption="Answers set to missing")
    else:
        sec.paragraph("Every answer was inside its scale's response range.")
    out.table(
        "invalid_answers",
        inv_df
        if len(inv_df)
        else pd.DataFrame(
            columns=["dataset", "scale", "column", "item", "respondent", "value", "reason"]
        ),
    )

    sec.heading("Recodings made while reading", 3)
    rec = []
    for name, st in prep.datasets.items():
        t = st.survey.report.recodings_table
        if len(t):
            rec.append(t.assign(from_value=t["from_value"].astype(str)).assign(file=name))
    rec_df = (
        pd.concat(rec, ignore_index=True)[
            ["file", "column", "from_value", "to_value", "count", "reason"]
        ]
        if rec
        else pd.DataFrame(columns=["file", "column", "from_value", "to_value", "count", "reason"])
    )
    if len(rec_df):
        sec.paragraph(
            "Missing-value codes (such as -9 'no answer' or 99 'not applicable', from the config "
            "or declared in an SPSS file) were turned into missing values:"
        )
        sec.table(rec_df, caption="Values recoded to missing")
    else:
        sec.paragraph("No value was recoded.")
    out.table("recodings", rec_df)

    sec.heading("Identifiers and other notes", 3)
    notes = []
    for name, st in prep.datasets.items():
        if st.stripped is not None:
            notes.append(f"{name} file: {st.stripped.summary()}")
        notes.extend(f"{name} file: {n}" for n in st.survey.report.notes)
        notes.extend(f"{name} file: {n}" for n in st.notes)
    notes.extend(prep.link_notes)
    if cfg.report.min_duration_seconds is not None and not any(
        cfg.report.duration_column in st.survey.data.columns for st in prep.datasets.values()
    ):
        sec.warning(
            f"WARNING: report.min_duration_seconds is set but no file has a "
            f"'{cfg.report.duration_column}' column, so response times were not checked."
        )
    sec.bullets(notes or ["none"])


# --------------------------------------------------------------------------- provenance


def _timestamp() -> str:
    stamp = os.environ.get("SOURCE_DATE_EPOCH")
    if stamp and stamp.strip().isdigit():
        return datetime.fromtimestamp(int(stamp), tz=UTC).isoformat()
    return datetime.now(tz=UTC).replace(microsecond=0).isoformat()


def _csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def _json_safe(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Path):
        return str(v)
    return str(v)


def run_evaluation(config_path: str | Path, out_dir: str | Path | None = None) -> Path:
    """Evaluate a mentoring program from its survey exports: one self-contained HTML report.

    Parameters
    ----------
    config_path : str or Path
        The evaluation config (YAML; see ``examples/evaluation.yaml`` and
        :func:`learning_direction.load_config`).
    out_dir : str or Path, optional
        Output folder (default: the config's ``output``, relative to the config file).

    Returns
    -------
    Path
        The HTML report ``<out_dir>/evaluation_report.html``. Next to it: the provenance sidecar
        ``evaluation_report.json``, ``tables/*.csv`` and ``figures/*.png``.

    Raises
    ------
    ConfigError
        The config is malformed, names a missing file, an unknown scale or item, a score or
        column no file provides, or there is no salt for the pseudonyms.
    DataValidationError
        A file cannot be read (empty, header only, broken Qualtrics header, ...), a configured
        column is missing, respondent ids are duplicated with different answers, an item has no
        answers at all.
    ModelError
        A model cannot be estimated (collinear predictors, perfect separation, too few rows or
        clusters).

    Notes
    -----
    Steps, in order: read each file (:func:`learning_direction.read_survey`, dropping Qualtrics
    previews when configured and recoding missing-value codes); leave out exact duplicate
    submissions and responses faster than ``report.min_duration_seconds``; remove the
    configured identifier columns; replace ids by ``HMAC-SHA256(salt, id)`` pseudonyms; score
    each scale with out-of-range answers set to missing (and listed); compute reliability
    (``psych::alpha`` conventions, ML omega); flag straight-lining (the same answer to every item
    of a scale); fit the configured models:

    * engagement ~ upward + lateral + downward (+ covariates), OLS with HC3 SEs;
    * mentee outcome ~ engagement: a linear mixed model with a random intercept per mentor
      (lme4 conventions, ICC(1) = tau² / (tau² + sigma²)) when mentees are nested in mentors,
      OLS (HC3) otherwise, logistic regression for a binary outcome;
    * mediation focal -> engagement -> outcome (PROCESS model 4), percentile bootstrap with
      ``seed``; whole mentors are resampled when mentees are nested (2-1-1 design).

    Row accounting: rows in the file − rows excluded while reading − exact duplicates − too-fast
    responses = rows analysed, per file; the report's appendix shows every term.

    References
    ----------
    Zhang, Wang & Galinsky (2023), *Academy of Management Journal* (learning direction).
    Hayes (2022), *Introduction to mediation, moderation, and conditional process analysis*.
    Curran (2016), careless responding. Bates et al. (2015), lme4.

    Examples
    --------
    A minimal evaluation of the bundled Study 1 data saved as a CSV export (the repository's
    ``examples/evaluation.yaml`` is a full example with a Qualtrics and an SPSS file; run it
    with ``learning-direction evaluate examples/evaluation.yaml``):

    >>> import pathlib, tempfile
    >>> import learning_direction as ld
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> ld.load_dataset("study1").to_csv(folder / "mentors.csv", index=False)
    >>> _ = (folder / "evaluation.yaml").write_text('''
    ... title: Pilot evaluation
    ... program: Example mentoring program
    ... data:
    ...   mentors: {path: mentors.csv}     # relative to this file's folder
    ... ids: {mentors: mentor_id}          # pseudonymised in every output
    ... scales:                            # columns named as the items (ld_up_1, ..., eng_6)
    ...   learning_direction: {}
    ...   mentor_engagement: {}
    ... analyses:
    ...   reliability: true
    ...   learning_direction_engagement:
    ...     predictors: [upward, lateral, downward]
    ...     focal: downward
    ...     engagement: mentor_engagement
    ...     outcomes: []
    ...     n_boot: 1000
    ... privacy: {salt: example-salt-change-me}
    ... output: report
    ... ''')
    >>> path = ld.run_evaluation(folder / "evaluation.yaml")
    >>> path.name, sorted(p.name for p in path.parent.iterdir())
    ('evaluation_report.html', ['evaluation_report.html', 'evaluation_report.json', 'figures', 'tables'])
    >>> import pandas as pd
    >>> model = pd.read_csv(path.parent / "tables" / "model_engagement.csv")
    >>> print(model[["term", "estimate", "se"]].round(3).to_string(index=False))
         term  estimate    se
    Intercept     2.420 0.423
       upward     0.111 0.059
      lateral     0.110 0.061
     downward     0.324 0.052

    The models correspond to R's ``lm`` + ``sandwich::vcovHC(type = "HC3")``,
    ``lme4::lmer(outcome ~ engagement + (1 | mentor))`` and PROCESS model 4
    (``process(y = "outcome", x = "downward", m = "mentor_engagement", model = 4)``).
    """
    cfg = load_config(config_path)
    target = Path(out_dir) if out_dir is not None else cfg.output
    prep = prepare(cfg)
    rep = HtmlReport(
        title=cfg.title,
        subtitle=f"{cfg.program} · evaluation report",
    )
    out = _Output()
    _overview(rep, cfg, prep, out)
    _response_rates(rep, cfg, prep, out)
    _scales(rep, cfg, prep, out)
    a = cfg.analyses
    if a.learning_direction_engagement.enabled:
        _engagement(rep, cfg, prep, out)
    if a.motives.enabled:
        _motives(rep, cfg, prep, out)
    if a.networks is not None and a.networks.enabled:
        _networks(rep, cfg, prep, out)
    _appendix(rep, cfg, prep, out)

    from .._core.provenance import software_versions

    versions = software_versions()
    target.mkdir(parents=True, exist_ok=True)
    tables_dir = target / "tables"
    figures_dir = target / "figures"
    tables_dir.mkdir(exist_ok=True)
    figures_dir.mkdir(exist_ok=True)
    table_hashes = {}
    for name, df in out.tables.items():
        raw = _csv_bytes(df)
        (tables_dir / f"{name}.csv").write_bytes(raw)
        table_hashes[f"tables/{name}.csv"] = hashlib.sha256(raw).hexdigest()
    from ..reporting.html import figure_to_png_bytes

    for name, fig in out.figures.items():
        png = figure_to_png_bytes(fig, dpi=200)
        (figures_dir / f"{name}.png").write_bytes(png)
        table_hashes[f"figures/{name}.png"] = hashlib.sha256(png).hexdigest()
    inputs = [
        {
            "file": n,
            "path": st.survey.report.path,
            "sha256": st.survey.report.sha256,
            "rows_read": st.n_read,
            "rows_analysed": st.n,
        }
        for n, st in prep.datasets.items()
    ]
    when = _timestamp()
    for i in inputs:
        rep.footer(f"Input {i['file']}: {Path(i['path']).name} · SHA-256 {i['sha256']}")
    deps = ", ".join(f"{k} {v}" for k, v in versions.items())
    rep.footer(f"Software: {deps}")
    rep.footer(
        f"Seed {cfg.seed} · config {Path(config_path).name} · provenance: {REPORT_NAME}.json "
        "(inputs, versions, config with the salt redacted)"
    )
    rep.footer(f"Generated {when}")
    html_path = rep.save(target / f"{REPORT_NAME}.html")
    sidecar = {
        "report": html_path.name,
        "generated": when,
        "seed": cfg.seed,
        "inputs": inputs,
        "software": versions,
        "config": cfg.public_dict(),
        "config_file": str(Path(config_path).resolve()),
        "outputs": table_hashes,
    }
    (target / f"{REPORT_NAME}.json").write_text(
        json.dumps(sidecar, indent=2, default=_json_safe) + "\n", encoding="utf-8"
    )
    return html_path
