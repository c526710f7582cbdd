"""Mediation steps shared by the Study 2A/2B and Study 3 pipelines.

Tidy tables from a :class:`~learning_direction.MediationResult` (paths and effects with labels,
the full equations), the APA sentences about the a, b, c', c paths and the indirect effect, and
display fixes for the path diagram and bootstrap figure (readable variable names instead of
column names). Every number printed in a sentence is read from the same table the pipeline
returns, so text and tables cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._core.format import fmt_ci, fmt_num
from ..reporting.apa import apa_coefficient, apa_indirect

__all__ = [
    "CI_NAMES",
    "EQUATION_COLUMNS",
    "MEDIATION_COLUMNS",
    "apa_indirect_sentence",
    "apa_path_phrase",
    "apa_paths_sentence",
    "display_copy",
    "equations_table",
    "mediation_table",
    "path_figure",
    "relabel_bootstrap",
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
