"""The report's "Mentor motives" (Liu et al., 2021): each outcome on the motive scores (HC3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import text
from ._common import Fit, fit, label, model_table, row, term

if TYPE_CHECKING:
    from ...reporting.html import HtmlReport, Section
    from ..config import MotivesPlan
    from ..output import Output
    from ..prepare import Prepared

__all__ = ["Motives", "compute", "render"]


@dataclass(frozen=True)
class MotiveModel:
    """One outcome regressed on the motive scores."""

    outcome: str
    label: str
    scale_range: tuple[float, float] | None
    model: Fit


@dataclass(frozen=True)
class Motives:
    """The models of the section, and the motive scores in words."""

    plan: MotivesPlan
    home: str
    shorts: dict[str, str]  # motive score -> its label in sentences
    models: list[MotiveModel]


def compute(plan: MotivesPlan, prep: Prepared) -> Motives:
    """Regress each configured outcome on the motive scores together (OLS, HC3)."""
    from ...models.regression import regress

    home = plan.spec.dataset
    frame = prep.datasets[home].frame()
    preds = list(plan.predictors)
    models = []
    for outcome in plan.options.outcomes:
        formula = f"{term(outcome)} ~ " + " + ".join(term(p) for p in preds)
        model = fit(f"{outcome} on motives", frame, formula, regress, se="HC3")
        models.append(MotiveModel(outcome, label(prep, outcome), prep.scale_range(outcome), model))
    shorts = {p: text.describe(p, p.replace("_", " ") + " motives")[1] for p in preds}
    return Motives(plan, home, shorts, models)


def _render_model(sec: Section, out: Output, mo: Motives, m: MotiveModel) -> None:
    res = m.model.result
    model_table(
        sec,
        out,
        m.model,
        columns=["term", "estimate", "se", "ci_low", "ci_high", "p_value"],
        caption=f"{m.outcome} on motives; n = {res.n}",
        name=f"motives_{m.outcome}",
        extra={"model": m.model.formula, "n": res.n},
    )
    who = text.subject(mo.home).capitalize()
    for p in mo.plan.predictors:
        r = row(res.table, p)
        if r is None:
            continue
        short = mo.shorts[p]
        sec.plain(
            text.plain_coefficient(
                who=f"{who} with stronger {short}",
                up=f"reported more {m.label}",
                down=f"reported less {m.label}",
                short=short,
                outcome_label=m.label,
                estimate=r.estimate,
                ci_low=r.ci_low,
                ci_high=r.ci_high,
                p=r.p_value,
                scale=m.scale_range,
                n=res.n,
                controls=[mo.shorts[o] for o in mo.plan.predictors if o != p],
            )
        )


def render(rep: HtmlReport, mo: Motives, out: Output) -> None:
    sec = rep.section("Mentor motives")
    sec.paragraph(
        f"Motives are scored as {', '.join(mo.plan.predictors)} (Liu et al., 2021). Each outcome "
        "is regressed on them together (HC3 robust SEs)."
    )
    if not mo.models:
        sec.paragraph(
            "No outcomes were configured (analyses.motives.outcomes); see the scale scores above."
        )
    for m in mo.models:
        _render_model(sec, out, mo, m)
