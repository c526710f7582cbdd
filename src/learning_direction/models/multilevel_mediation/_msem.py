"""Multilevel SEM with latent cluster means (Preacher, Zyphur & Zhang 2010), through ``fit_sem``.

Private. :func:`model_syntax` writes the two-level lavaan model of a design; :func:`fit` fits it
with :func:`~learning_direction.models.sem.fit_sem` (two-level ML, observed-information SEs, as
``lavaan::sem(model, data, cluster = ...)``) and returns the paths, the defined indirect effects
and the equations of each level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...exceptions import DataValidationError
from ..sem import SEMResult, fit_sem
from ._data import MLData

__all__ = ["MSEMFit", "fit", "model_syntax"]

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")


def _plus(names: list[str]) -> str:
    return "".join(f" + {n}" for n in names)


def _check_identifiers(d: MLData) -> None:
    for name in (d.x, d.m, d.y, *d.covariates):
        if not _IDENTIFIER.match(name):
            raise DataValidationError(
                f"column '{name}' cannot be written in model syntax (letters, digits, '_' and "
                "'.', starting with a letter); rename it, e.g. "
                f"df.rename(columns={{'{name}': '{re.sub(r'[^A-Za-z0-9_.]', '_', name)}'}})"
            )


def model_syntax(d: MLData) -> str:
    """The lavaan two-level model of the design, with the reported paths labelled.

    Level-1 variables get a latent between part (their cluster mean) at level 2; level-1
    covariates enter every equation at both levels, level-2 covariates every level-2 equation.
    """
    x, m, y = d.x, d.m, d.y
    cw, cb = list(d.cov_within), list(d.cov_between)
    lines = ["level: 1"]
    if d.design == "1-1-1":
        lines.append(f"    {m} ~ a_within*{x}{_plus(cw)}")
        lines.append(f"    {y} ~ b_within*{m} + c_prime_within*{x}{_plus(cw)}")
    elif d.design == "2-1-1":
        if cw:
            lines.append(f"    {m} ~ {' + '.join(cw)}")
        lines.append(f"    {y} ~ b_within*{m}{_plus(cw)}")
    else:
        lines.append(f"    {y} ~ {' + '.join(cw)}" if cw else f"    {y} ~~ {y}")
    lines.append("level: 2")
    lines.append(f"    {m} ~ a_between*{x}{_plus(cw + cb)}")
    lines.append(f"    {y} ~ b_between*{m} + c_prime_between*{x}{_plus(cw + cb)}")
    if d.design == "1-1-1":
        lines.append("indirect_within := a_within*b_within")
    lines.append("indirect_between := a_between*b_between")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class MSEMFit:
    """The fitted two-level model: estimates per reported term and the equations per level."""

    sem: SEMResult
    syntax: str
    rows: dict[str, dict[str, float]]  # term -> estimate, se, ci_low, ci_high, p_value
    equations: dict[str, pd.DataFrame]
    moments: dict[str, dict[str, Any]]


def _equations(d: MLData, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Coefficient table of each equation at each level, with its residual variance."""
    out: dict[str, pd.DataFrame] = {}
    cols = ["rhs", "label", "estimate", "se", "z", "p_value", "ci_low", "ci_high"]
    for level, name in ((1, "within"), (2, "between")):
        part = table[table["level"] == level]
        for outcome in (d.m, d.y):
            rows = part[(part["op"] == "~") & (part["lhs"] == outcome)]
            if not len(rows):
                continue
            eq = rows[cols].rename(columns={"rhs": "term"}).reset_index(drop=True)
            var = part[(part["op"] == "~~") & (part["lhs"] == outcome) & (part["rhs"] == outcome)]
            eq.attrs.update(
                outcome=outcome,
                level=name,
                residual_variance=float(var["estimate"].iloc[0]) if len(var) else float("nan"),
            )
            out[f"{name}: {outcome}"] = eq
    return out


def fit(d: MLData, ci_level: float, *, se: bool = True) -> MSEMFit:
    """Fit the design's two-level model; ``se=False`` skips the standard errors (resamples)."""
    _check_identifiers(d)
    syntax = model_syntax(d)
    data = d.frame.assign(**{d.cluster: d.codes})
    res = fit_sem(
        data, syntax, cluster=d.cluster, ci_level=ci_level, se="standard" if se else "none"
    )
    tab = res.table
    rows: dict[str, dict[str, float]] = {}
    for term in d.terms():
        hit = tab[(tab["op"] == ":=") & (tab["lhs"] == term)]
        if not len(hit):
            hit = tab[(tab["label"] == term) & (tab["op"] == "~")]
        r = hit.iloc[0]
        rows[term] = {k: float(r[k]) for k in ("estimate", "se", "ci_low", "ci_high", "p_value")}
    moments = {
        ("within" if key == "level1" else "between"): {
            "cov": val["cov"],
            "mean": val["mean"],
            "n": d.n - d.n_clusters if key == "level1" else d.n_clusters,
        }
        for key, val in res.implied.items()
    }
    return MSEMFit(res, syntax, rows, _equations(d, tab) if se else {}, moments)
