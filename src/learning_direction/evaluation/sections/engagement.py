"""The report's "Learning direction, engagement and mentee outcomes" (Zhang, Wang & Galinsky, 2023).

Three kinds of model, each shown with its statistics and a plain-language reading:

1. engagement ~ learning direction (+ covariates): OLS with HC3 SEs, one row per respondent of
   the file that holds the engagement score;
2. outcome ~ engagement, per outcome: logistic regression for a binary outcome (SEs clustered by
   mentor when mentees share a mentor), a linear mixed model with a random intercept per mentor
   when mentees are nested in mentors, OLS (HC3) otherwise;
3. the mediation focal predictor -> engagement -> outcome (PROCESS model 4), percentile
   bootstrap with the config's seed, whole mentors resampled when mentees are nested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..._core.format import fmt_num
from ...reporting.apa import apa_coefficient, apa_indirect
from .. import text
from .._capture import captured
from ..prepare import LINK
from ._common import Fit, fit, label, model_table, record, row, shown, term

if TYPE_CHECKING:
    from ...reporting.html import HtmlReport, Section
    from ..config import CheckedConfig, EngagementPlan, OutcomePlan
    from ..output import Output
    from ..prepare import Prepared

__all__ = ["Engagement", "OutcomeModels", "compute", "render"]

_INTRO = (
    "Following Zhang, Wang & Galinsky (2023): do mentors who value learning from people "
    "junior to them (downward learning direction) engage more in mentoring, and do their "
    "mentees benefit? Each model is shown with its statistics (estimate b, standard error "
    "SE, 95% confidence interval, p value) and, in the coloured box, what it means in plain "
    "words."
)
_COEF_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "p_value"]


@dataclass(frozen=True)
class Predictor:
    """A learning-direction predictor in words: who scores high, its label, the others held equal."""

    name: str
    phrase: str
    short: str
    others: list[str]


@dataclass(frozen=True)
class OutcomeModels:
    """The models of one outcome: outcome ~ engagement, and the mediation."""

    plan: OutcomePlan
    label: str
    scale_range: tuple[float, float] | None
    notes: list[str]  # how the files were linked (outcomes of the other file)
    cluster: str | None
    binary: bool
    kind: str
    model: Fit
    mediation: Fit
    covariates: list[str]


@dataclass(frozen=True)
class Engagement:
    """The fitted models of the section and the labels their sentences use."""

    plan: EngagementPlan
    label: str
    scale_range: tuple[float, float] | None
    focal_title: str | None
    predictors: list[Predictor]
    model: Fit
    outcomes: list[OutcomeModels]


# --------------------------------------------------------------------------- compute


def _outcome_data(
    oc: OutcomePlan, engagement: str, frame: pd.DataFrame, prep: Prepared
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """The rows an outcome's models use, the cluster column and notes on the linking.

    An outcome of the other file uses the mentee rows linked to their mentor, clustered by
    mentor when some mentor has more than one mentee with both values.
    """
    if not oc.linked:
        return frame, None, []
    data = prep.linked
    if data is None:  # pragma: no cover - check_config links only the mentors and mentees files
        raise RuntimeError(f"{oc.name}: an outcome of the other file, but no linked rows")
    per = data.loc[data[engagement].notna() & data[oc.name].notna(), LINK].value_counts()
    cluster = LINK if (len(per) and per.max() > 1) else None
    return data, cluster, list(prep.link_notes)


def _outcome_model(
    data: pd.DataFrame, formula: str, record_name: str, cluster: str | None, binary: bool
) -> tuple[Fit, str]:
    """outcome ~ engagement: logistic, mixed (nested mentees) or OLS; and its description."""
    from ...models.regression import logit, mixed, regress

    if binary:
        se = "cluster" if cluster else "classical"
        model = fit(record_name, data, formula, logit, se=se, cluster=cluster)
        return model, "logistic regression" + (" (SEs clustered by mentor)" if cluster else "")
    if cluster is not None:
        model = fit(record_name, data, formula, mixed, groups=cluster)
        n_groups = model.result.n_groups
        return model, f"linear mixed model, mentees nested in mentors ({n_groups} mentors)"
    return fit(record_name, data, formula, regress, se="HC3"), "OLS regression (HC3 robust SEs)"


def _outcome(
    plan: EngagementPlan, oc: OutcomePlan, frame: pd.DataFrame, prep: Prepared, seed: int
) -> OutcomeModels:
    from ...models.mediation import mediate

    e = plan.options
    data, cluster, notes = _outcome_data(oc, e.engagement, frame, prep)
    binary = (not oc.is_score) and data[oc.name].dropna().nunique() == 2
    f2 = f"{term(oc.name)} ~ " + " + ".join(term(t) for t in [e.engagement, *e.covariates])
    model, kind = _outcome_model(data, f2, f"{oc.name} on {e.engagement}", cluster, binary)
    covariates = [*[p for p in e.predictors if p != e.focal], *e.covariates]
    med, msgs = captured(
        mediate,
        data,
        x=e.focal,
        m=e.engagement,
        y=oc.name,
        covariates=covariates,
        n_boot=e.n_boot,
        ci=e.ci,
        seed=seed,
        cluster=cluster,
        progress=False,
    )
    mediation = Fit(med, msgs, f"mediation {e.focal} -> {e.engagement} -> {oc.name}", len(data))
    return OutcomeModels(
        plan=oc,
        label=label(prep, oc.name),
        scale_range=prep.scale_range(oc.name),
        notes=notes,
        cluster=cluster,
        binary=binary,
        kind=kind,
        model=model,
        mediation=mediation,
        covariates=covariates,
    )


def compute(checked: CheckedConfig, plan: EngagementPlan, prep: Prepared) -> Engagement:
    """Fit the section's models on the prepared data."""
    from ...models.regression import regress

    e = plan.options
    frame = prep.datasets[plan.home].frame()
    rhs = " + ".join(term(t) for t in [*e.predictors, *e.covariates])
    formula = f"{term(e.engagement)} ~ {rhs}"
    model = fit(f"{e.engagement} on learning direction", frame, formula, regress, se="HC3")
    predictors = []
    for pred in e.predictors:
        phrase, short = text.describe(pred, prep.title_of(pred))
        others = [text.describe(o, prep.title_of(o))[1] for o in e.predictors if o != pred]
        predictors.append(Predictor(pred, phrase, short, others))
    seed = checked.config.seed
    return Engagement(
        plan=plan,
        label=label(prep, e.engagement),
        scale_range=prep.scale_range(e.engagement),
        focal_title=prep.title_of(e.focal),
        predictors=predictors,
        model=model,
        outcomes=[_outcome(plan, oc, frame, prep, seed) for oc in plan.outcomes],
    )


# --------------------------------------------------------------------------- render


def _render_engagement_model(sec: Section, out: Output, eng: Engagement) -> None:
    e = eng.plan.options
    res = eng.model.result
    sec.heading(f"Learning direction and {eng.label}", 3)
    table = model_table(
        sec,
        out,
        eng.model,
        columns=[*_COEF_COLUMNS, "beta"],
        caption=f"OLS regression of {e.engagement} (HC3 robust SEs); n = {res.n}, "
        f"R² = {fmt_num(res.r2, 2)}",
        name="model_engagement",
        extra={"model": eng.model.formula, "n": res.n, "r2": res.r2},
    )
    who = text.subject(eng.plan.home).capitalize()
    for p in eng.predictors:
        r = row(table, p.name)
        if r is None:
            continue
        sec.apa(f"{p.short}: " + apa_coefficient(r.estimate, r.se, r.ci_low, r.ci_high, r.p_value))
        sec.plain(
            text.plain_coefficient(
                who=f"{who} who {p.phrase}",
                up=f"reported more {eng.label}",
                down=f"reported less {eng.label}",
                short=p.short,
                outcome_label=eng.label,
                estimate=r.estimate,
                ci_low=r.ci_low,
                ci_high=r.ci_high,
                p=r.p_value,
                scale=eng.scale_range,
                n=res.n,
                controls=p.others,
            )
        )


def _plain_outcome(eng: Engagement, oc: OutcomeModels, r: Any) -> str:
    e = eng.plan.options
    if oc.binary:
        return text.plain_odds(
            predictor=e.engagement,
            predictor_title=eng.label,
            outcome_label=oc.label,
            odds_ratio=r.odds_ratio,
            or_low=math.exp(r.ci_low),
            or_high=math.exp(r.ci_high),
            p=r.p_value,
            n=oc.model.result.n,
        )
    who = text.subject(oc.plan.dataset).capitalize()
    return text.plain_coefficient(
        who=f"{who} whose mentor was more engaged"
        if oc.plan.linked
        else f"{who} who were more engaged",
        up=f"had higher {oc.label} scores",
        down=f"had lower {oc.label} scores",
        short=eng.label,
        outcome_label=oc.label,
        estimate=r.estimate,
        ci_low=r.ci_low,
        ci_high=r.ci_high,
        p=r.p_value,
        scale=oc.scale_range,
        n=oc.model.result.n,
    )


def _render_outcome_model(sec: Section, out: Output, eng: Engagement, oc: OutcomeModels) -> None:
    e = eng.plan.options
    res = oc.model.result
    cols = [c for c in (*_COEF_COLUMNS, "odds_ratio") if c in res.table.columns]
    table = model_table(
        sec,
        out,
        oc.model,
        columns=cols,
        caption=f"{oc.plan.name}: {oc.kind}; n = {res.n}",
        name=f"model_{oc.plan.name}",
        extra={"model": oc.model.formula, "n": res.n},
    )
    r = row(table, e.engagement)
    if r is not None:
        sec.apa(
            f"{eng.label}: " + apa_coefficient(r.estimate, r.se, r.ci_low, r.ci_high, r.p_value)
        )
        sec.plain(_plain_outcome(eng, oc, r))
    if hasattr(res, "icc"):
        sec.paragraph(
            f"ICC(1) = {fmt_num(res.icc, 3)}: share of the variance of {oc.plan.name} between mentors."
        )
        sec.plain(text.plain_icc(res.icc, oc.label))


def _render_mediation(sec: Section, out: Output, eng: Engagement, oc: OutcomeModels) -> None:
    e = eng.plan.options
    med = oc.mediation.result
    record(out, oc.mediation.record, med, oc.mediation.data_rows)
    mt = med.table.copy()
    keep = [f"a:{e.engagement}", f"b:{e.engagement}", "c_prime", "c", f"indirect:{e.engagement}"]
    how = f"{med.n_boot:,} {'cluster ' if oc.cluster else ''}bootstrap resamples, seed {med.seed}"
    sec.table(
        shown(mt[mt["term"].isin(keep)][_COEF_COLUMNS]),
        caption=f"Mediation {e.focal} → {e.engagement} → {oc.plan.name} ({med.method}; {how}; "
        f"n = {med.n}"
        + (f", {med.n_clusters} mentors, design {med.design}" if oc.cluster else "")
        + "; covariates: "
        + (", ".join(oc.covariates) or "none")
        + ")",
    )
    out.table(f"mediation_{oc.plan.name}", mt.assign(n=med.n, n_boot=med.n_boot, seed=med.seed))
    for m in oc.mediation.messages:
        sec.paragraph(f"Note: {m}")
    ind = row(mt, f"indirect:{e.engagement}")
    if ind is None:
        return
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
            focal_title=eng.focal_title,
            mediator_label=eng.label,
            outcome_label=oc.label,
            estimate=ind.estimate,
            ci_low=ind.ci_low,
            ci_high=ind.ci_high,
            a=row(mt, f"a:{e.engagement}").estimate,
            b=row(mt, f"b:{e.engagement}").estimate,
            n_boot=med.n_boot,
            binary=med.y_family == "binomial",
        )
    )


def render(rep: HtmlReport, eng: Engagement, out: Output) -> None:
    sec = rep.section("Learning direction, engagement and mentee outcomes")
    sec.paragraph(_INTRO)
    _render_engagement_model(sec, out, eng)
    for oc in eng.outcomes:
        sec.heading(f"{eng.label.capitalize()} and {oc.label}", 3)
        for note in oc.notes:
            sec.paragraph(note)
        _render_outcome_model(sec, out, eng, oc)
        _render_mediation(sec, out, eng, oc)
