"""Mediation steps shared by the Study 2A/2B and Study 3 pipelines.

Tidy tables from a :class:`~learning_direction.MediationResult` (paths and effects with labels,
the full equations), the APA sentences about the a, b, c', c paths and the indirect effect, and
display fixes for the path diagram and bootstrap figure (readable variable names instead of
column names). Every number printed in a sentence is read from the same table the pipeline
returns, so text and tables cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._core.format import fmt_ci, fmt_num, fmt_r
from ..reporting.apa import apa_coefficient, apa_indirect

__all__ = [
    "CI_NAMES",
    "EQUATION_COLUMNS",
    "EVALUE_METHOD",
    "MEDIATION_COLUMNS",
    "ROBUSTNESS_COLUMNS",
    "SENSITIVITY_METHOD",
    "Robustness",
    "acme_curve_table",
    "apa_indirect_sentence",
    "apa_path_phrase",
    "apa_paths_sentence",
    "apa_robustness_sentence",
    "display_copy",
    "equations_table",
    "indirect_robustness",
    "mediation_table",
    "path_figure",
    "relabel_bootstrap",
    "rho_strength",
    "row",
    "sensitivity_row",
]

MEDIATION_COLUMNS = [
    "term",
    "label",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "boot_se",
    "inference",
]
EQUATION_COLUMNS = [
    "equation",
    "outcome",
    "term",
    "estimate",
    "se",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "r2",
]
CI_NAMES = {
    "percentile": "percentile bootstrap",
    "bca": "BCa bootstrap",
    "monte_carlo": "Monte Carlo",
}


def _term_label(term: str, x: str, m: str, y: str) -> str:
    if term.startswith("a:"):
        return f"a: {x} → {m}"
    if term.startswith("b:"):
        return f"b: {m} → {y} (controlling for {x})"
    if term == "c_prime":
        return f"c′: direct effect of {x} on {y}"
    if term == "c":
        return f"c: total effect of {x} on {y}"
    if term.startswith("indirect_partial_std:"):
        return "indirect effect, partially standardized (ab / SD(Y))"
    if term.startswith("indirect_std:"):
        return "indirect effect, completely standardized (ab · SD(X) / SD(Y))"
    if term.startswith("indirect:"):
        return f"ab: indirect effect of {x} on {y} through {m}"
    return term


def mediation_table(res: Any, *, x: str, m: str, y: str, unit: str = "rows") -> pd.DataFrame:
    """The paths and effects of a mediation result with labels and the kind of inference.

    Path rows (a, b, c', c) carry the regression estimate with its t-test SE, CI and p value
    (cluster-robust or GLS SEs for the mentee-level equations of a 2-2-1 design); effect rows
    carry the bootstrap SE, the bootstrap CI and the bootstrap p value.
    """
    tab = res.table.copy()
    ci_name = CI_NAMES.get(res.ci, res.ci)
    path_inf = "t test"
    if res.cluster and res.design == "2-2-1":
        eq_y = res.equations.get("y")
        level = eq_y.attrs.get("level") if eq_y is not None else None
        path_inf = (
            "t test (b, c′, c: GLS with a random intercept)"
            if level == "ri"
            else "t test (b, c′, c: CR1 cluster-robust SEs)"
        )
    is_effect = tab["term"].str.startswith("indirect")
    tab["inference"] = np.where(
        is_effect, f"{ci_name} ({res.n_boot:,} resamples of {unit})", path_inf
    )
    tab["label"] = [_term_label(t, x, m, y) for t in tab["term"]]
    if "boot_se" not in tab.columns:
        tab["boot_se"] = np.nan
    return tab[MEDIATION_COLUMNS].reset_index(drop=True)


def equations_table(res: Any) -> pd.DataFrame:
    """Every equation of a mediation model stacked: outcome, coefficients, R²."""
    names = {"y": "outcome (direct effects)", "total": "outcome (total effect)"}
    parts = []
    for key, eq in res.equations.items():
        t = eq.copy()
        label = names.get(key, f"mediator {key.split(':', 1)[-1]}" if key.startswith("m:") else key)
        t.insert(0, "outcome", eq.attrs.get("outcome", key))
        t.insert(0, "equation", label)
        t["r2"] = eq.attrs.get("r2", np.nan)
        parts.append(t)
    out = pd.concat(parts, ignore_index=True)
    out["term"] = out["term"].replace({"constant": "Intercept"})
    return out[[c for c in EQUATION_COLUMNS if c in out.columns]]


def row(table: pd.DataFrame, term: str) -> pd.Series:
    """The row of ``term`` in a tidy table."""
    return table.set_index("term").loc[term]


def apa_path_phrase(r: Mapping[str, Any], symbol: str) -> str:
    """``a = 0.36, SE = 0.05, 95% CI [0.26, 0.45], p < .001``."""
    return apa_coefficient(r["estimate"], r["se"], r["ci_low"], r["ci_high"], r["p_value"], symbol)


def _sig(r: Mapping[str, Any]) -> bool:
    return bool(r["p_value"] < 0.05)


def _ci_excludes_zero(r: Mapping[str, Any]) -> bool:
    return bool(r["ci_low"] > 0 or r["ci_high"] < 0)


def apa_paths_sentence(
    tab: pd.DataFrame, *, m_term: str, x_label: str, m_label: str, y_label: str
) -> str:
    """The a and b paths, the total effect c and the direct effect c'."""
    a, b = row(tab, f"a:{m_term}"), row(tab, f"b:{m_term}")
    c, cp = row(tab, "c"), row(tab, "c_prime")

    def verb(r: pd.Series, what: str) -> str:
        if not _sig(r):
            return f"did not significantly predict {what}"
        return f"predicted {'higher' if r['estimate'] > 0 else 'lower'} {what}"

    text = (
        f"{x_label[0].upper() + x_label[1:]} {verb(a, m_label)}, {apa_path_phrase(a, 'a')}, and "
        f"{m_label} {verb(b, y_label)} over and above {x_label}, {apa_path_phrase(b, 'b')}. "
        f"The total effect of {x_label} on {y_label} was {apa_path_phrase(c, 'c')}; "
        f"with {m_label} in the model, the direct effect was {apa_path_phrase(cp, 'c′')}"
    )
    text += (
        " and remained significant."
        if _sig(cp)
        else " and was not significantly different from zero."
    )
    return text


def apa_indirect_sentence(
    tab: pd.DataFrame,
    *,
    m_term: str,
    x_label: str,
    m_label: str,
    y_label: str,
    ci: str,
    n_boot: int,
    ci_level: float = 0.95,
    resampled: str | None = None,
) -> str:
    """The key sentence: indirect effect with its bootstrap CI and the standardized effect.

    "Downward learning direction was indirectly related to mentor engagement through learning
    opportunity, indirect effect = 0.10, SE = 0.02, 95% CI [0.07, 0.15] (percentile bootstrap,
    5,000 resamples); completely standardized indirect effect = 0.11, 95% CI [0.07, 0.16]."
    """
    ind = row(tab, f"indirect:{m_term}")
    method = CI_NAMES.get(ci, ci)
    if resampled:
        method += f" of {resampled}"
    phrase = apa_indirect(
        ind["estimate"], ind["ci_low"], ind["ci_high"], se=ind["se"], level=ci_level,
        method=method, n_boot=n_boot,
    )  # fmt: skip
    subject = x_label[0].upper() + x_label[1:]
    if _ci_excludes_zero(ind):
        text = f"{subject} was indirectly related to {y_label} through {m_label}, {phrase}"
    else:
        text = (
            f"The indirect relation of {x_label} to {y_label} through {m_label} was not "
            f"significant: the confidence interval included zero, {phrase}"
        )
    std_term = f"indirect_std:{m_term}"
    if std_term in set(tab["term"]):
        s = row(tab, std_term)
        text += (
            f"; completely standardized indirect effect = {fmt_num(s['estimate'])}, "
            f"{fmt_ci(s['ci_low'], s['ci_high'], level=ci_level)}"
        )
    return text + "."


# ------------------------------------------------------------------------------ figures


def display_copy(res: Any, names: Mapping[str, str]) -> Any:
    """A copy of a mediation result whose variables carry display names (for figures only).

    The path diagram sizes its boxes to the names it is given, so readable names must go in
    before drawing, not be swapped in afterwards. Numbers are untouched.
    """
    import dataclasses

    ordered = sorted(names.items(), key=lambda kv: -len(kv[0]))

    def rename(term: str) -> str:
        for k, v in ordered:
            term = (
                term.replace(f":{k}", f":{v}").replace(f"-{k}", f"-{v}").replace(f">{k}", f">{v}")
            )
        return term

    return dataclasses.replace(
        res,
        x=names.get(res.x, res.x),
        mediators=tuple(names.get(m, m) for m in res.mediators),
        y=names.get(res.y, res.y),
        table=res.table.assign(term=res.table["term"].map(rename)),
    )


def path_figure(
    res: Any, names: Mapping[str, str], *, title: str, footnote: str | None = None
) -> Any:
    """Path diagram of a mediation result drawn with display names, a title and a footnote."""
    ax = display_copy(res, names).plot(kind="path")
    ax.set_title(title, fontsize=10)
    if footnote:
        ax.text(1.0, 0.0, footnote, fontsize=8, color="#555555", ha="right", transform=ax.transAxes)
    return ax


def relabel_bootstrap(ax: Any, *, xlabel: str, title: str) -> Any:
    """Readable axis label and title for the bootstrap distribution of an indirect effect."""
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    return ax


def sensitivity_row(
    res: Any, *, model: str, covariates: Sequence[str], m_term: str
) -> dict[str, Any]:
    """One row of a sensitivity table: the indirect effect of a variant of the model."""
    ind = row(res.table, f"indirect:{m_term}")
    cp = row(res.table, "c_prime")
    return {
        "model": model,
        "covariates": ", ".join(covariates),
        "n": int(res.n),
        "estimate": float(ind["estimate"]),
        "se": float(ind["se"]),
        "ci_low": float(ind["ci_low"]),
        "ci_high": float(ind["ci_high"]),
        "c_prime": float(cp["estimate"]),
        "c_prime_p_value": float(cp["p_value"]),
    }


# ------------------------------------------------------------------------------ confounding

#: columns of a robustness table (one row per indirect effect)
ROBUSTNESS_COLUMNS = [
    "term",
    "label",
    "estimate",
    "ci_low",
    "ci_high",
    "rho_at_zero",
    "r2_star_at_zero",
    "r2_tilde_at_zero",
    "rho_ci_includes_zero",
    "smd",
    "smd_ci_low",
    "smd_ci_high",
    "evalue",
    "evalue_ci",
]

#: how the E-value of an indirect effect is obtained (for notes and methods text)
EVALUE_METHOD = (
    "E-values (VanderWeele & Ding, 2017) of the indirect effects treat the standardized "
    "indirect effect as a standardized mean difference d and convert it to a risk ratio "
    "RR ≈ exp(0.91 d), as EValue::evalues.MD does; the CI limit closer to zero (from the "
    "bootstrap CI of the standardized effect) gives the E-value of the CI. This is an "
    "approximation (an E-value for a mediated effect on the risk-ratio scale would need a "
    "binary outcome; Smith & VanderWeele, 2019): read it as the strength of confounding of "
    "the exposure and the outcome, on the risk-ratio scale, that could explain the indirect "
    "effect away."
)
#: how the sensitivity analysis is done (for notes)
SENSITIVITY_METHOD = (
    "Sensitivity to mediator-outcome confounding (Imai, Keele & Yamamoto, 2010; R "
    "mediation::medsens): rho is the correlation of the errors of the mediator and outcome "
    "equations that an unobserved confounder would induce; rho = 0 is the assumption behind "
    "the indirect effect. ACME(rho) with normal-theory 95% CIs from the seemingly-unrelated "
    "regressions fit at each rho; R2~ products are the shares of the total variances of M "
    "and Y the confounder would explain."
)


@dataclass(frozen=True)
class Robustness:
    """Sensitivity analysis and E-values of the indirect effect(s) of one mediation model.

    Attributes
    ----------
    sensitivity : SensitivityResult
        :func:`learning_direction.mediation_sensitivity` of the model.
    evalues : dict[str, EValueResult]
        :func:`learning_direction.evalue` of each indirect effect (by its ``indirect:`` term).
    table : DataFrame
        One row per indirect effect, columns :data:`ROBUSTNESS_COLUMNS`.
    smd_kind : str
        Which standardized indirect effect served as the SMD (in words).
    """

    sensitivity: Any
    evalues: dict[str, Any]
    table: pd.DataFrame
    smd_kind: str


def _rho_ci_limit(ci_zero_row: Any, rho_at_zero: float) -> float:
    """The rho closest to 0 from which the CI includes zero (NaN if it does at rho = 0)."""
    lo, hi = float(ci_zero_row.rho_from), float(ci_zero_row.rho_to)
    if (np.isnan(lo) or lo <= 0) and (np.isnan(hi) or hi >= 0):
        return float("nan")
    return lo if rho_at_zero > 0 else hi


def indirect_robustness(
    med: Any, *, labels: Mapping[str, str] | None = None, standardized: str | None = None
) -> Robustness:
    """Imai–Keele–Yamamoto sensitivity and E-values of a single-mediator model's indirect effects.

    Parameters
    ----------
    med : MediationResult or SensitivityInputs-carrying result
        A single-mediator :func:`learning_direction.mediate` result (continuous or
        indicator-coded X).
    labels : mapping, optional
        Display label of each ``indirect:`` term.
    standardized : {"indirect_std", "indirect_partial_std"}, optional
        The standardized indirect effect used as the SMD: the completely standardized effect
        (per SD of a continuous X; default for a continuous X) or the partially standardized
        one (a condition contrast in SD units of Y; default for a categorical X).

    Returns
    -------
    Robustness
    """
    from ..models.sensitivity import evalue, mediation_sensitivity

    sens = mediation_sensitivity(med)
    tab = med.table.set_index("term")
    categorical = med.x_reference is not None
    std = standardized or ("indirect_partial_std" if categorical else "indirect_std")
    kind = (
        "partially standardized indirect effect (ab / SD(Y))"
        if std == "indirect_partial_std"
        else "completely standardized indirect effect (ab · SD(X) / SD(Y))"
    )
    rows, evs = [], {}
    for cz in sens.ci_zero.itertuples(index=False):
        term = str(cz.term)
        ind, s = tab.loc[term], tab.loc[term.replace("indirect:", f"{std}:", 1)]
        d, lo, hi = float(s["estimate"]), float(s["ci_low"]), float(s["ci_high"])
        if lo <= d <= hi:
            ev = evalue(d, ci=(lo, hi), kind="smd")
        else:  # a percentile interval may (rarely) miss its estimate: fall back on the SE
            ev = evalue(d, float(s["se"]), kind="smd")
        evs[term] = ev
        rows.append(
            {
                "term": term,
                "label": (labels or {}).get(term, term),
                "estimate": float(ind["estimate"]),
                "ci_low": float(ind["ci_low"]),
                "ci_high": float(ind["ci_high"]),
                "rho_at_zero": sens.rho_at_zero,
                "r2_star_at_zero": sens.r2_star_at_zero,
                "r2_tilde_at_zero": sens.r2_tilde_at_zero,
                "rho_ci_includes_zero": _rho_ci_limit(cz, sens.rho_at_zero),
                "smd": d,
                "smd_ci_low": lo,
                "smd_ci_high": hi,
                "evalue": ev.evalue,
                "evalue_ci": ev.evalue_ci,
            }
        )
    return Robustness(sens, evs, pd.DataFrame(rows, columns=ROBUSTNESS_COLUMNS), kind)


def rho_strength(rho: float) -> str:
    """Cohen's benchmarks for a correlation: very weak < .10 <= weak < .30 <= moderate < .50.

    Applied to the value as printed (two decimals), so the word matches the number.
    """
    a = round(abs(rho), 2)
    return (
        "a very weak"
        if a < 0.1
        else "a weak"
        if a < 0.3
        else "a moderate"
        if a < 0.5
        else "a strong"
    )


def apa_robustness_sentence(
    r: Mapping[str, Any],
    *,
    m_label: str,
    y_label: str,
    x_label: str,
    smd_label: str,
    covariates: bool = True,
) -> str:
    """What confounding would explain an indirect effect away (numbers from one table row).

    "The indirect effect would vanish if an unobserved confounder of learning opportunity and
    mentor engagement made their errors correlate at ρ = .30, a moderate correlation (R̃²_M ×
    R̃²_Y = .056); its 95% CI would include zero from ρ = .20. As a standardized mean
    difference (...), the E-value was 1.43 (CI: 1.26): ..."
    """
    rho, near = float(r["rho_at_zero"]), float(r["rho_ci_includes_zero"])
    text = (
        f"The indirect effect would vanish if an unobserved confounder of {m_label} and "
        f"{y_label} made the errors of their equations correlate at ρ = {fmt_r(rho)}, "
        f"{rho_strength(rho)} correlation (the confounder would explain R̃²_M × R̃²_Y = "
        f"{fmt_r(r['r2_tilde_at_zero'], 3)} of their variances)"
    )
    text += (
        "; its 95% CI already included zero at ρ = 0"
        if np.isnan(near)
        else f"; its 95% CI would include zero from ρ = {fmt_r(near)}"
    )
    ev, ev_ci = float(r["evalue"]), float(r["evalue_ci"])
    text += (
        f". Treated as a standardized mean difference ({smd_label} d = {fmt_num(r['smd'])}, "
        f"{fmt_ci(r['smd_ci_low'], r['smd_ci_high'])}; RR ≈ exp(0.91 d)), the indirect effect "
        f"had an E-value of {fmt_num(ev)}: an unmeasured confounder associated with both "
        f"{x_label} and {y_label} by a risk ratio of {fmt_num(ev)} each"
        + (", over and above the covariates," if covariates else "")
        + " could explain it away, weaker confounding could not"
    )
    text += (
        "; the CI already included the null (E-value of the CI = 1)."
        if ev_ci == 1
        else f"; to move the CI to include the null, risk ratios of {fmt_num(ev_ci)} would suffice."
    )
    return text


def acme_curve_table(rb: Robustness) -> pd.DataFrame:
    """ACME(rho) on medsens' grid (-0.9 ... 0.9) for the table (``term`` first)."""
    tab = rb.sensitivity.table.copy()
    if "term" not in tab.columns:
        tab.insert(0, "term", rb.table["term"].iloc[0])
    return tab
