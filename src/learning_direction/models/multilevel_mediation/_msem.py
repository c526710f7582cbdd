"""Multilevel SEM with latent cluster means (Preacher, Zyphur & Zhang 2010), through ``fit_sem``.

Private. :func:`model_syntax` writes the two-level lavaan model of a design; :func:`fit` fits it
with :func:`~learning_direction.models.sem.fit_sem` (two-level ML, observed-information SEs, as
``lavaan::sem(model, data, cluster = ...)``) and returns the paths, the defined indirect effects
and the equations of each level.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...exceptions import DataValidationError, ModelError
from ..sem import SEMResult, fit_sem
from ._data import MLData, cluster_means

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


Starts = dict[tuple[int, str, str], float]


def _equation(
    level: int, lhs: str, rhs: list[tuple[str, str | None]], starts: Starts | None
) -> str:
    """``lhs ~ label*rhs + ...`` with ``start(value)*`` when starting values are given."""
    terms = []
    for var, label in rhs:
        mod = "" if label is None else f"{label}*"
        if starts and (level, lhs, var) in starts:
            mod = f"start({starts[(level, lhs, var)]:.6g})*{mod}"
        terms.append(f"{mod}{var}")
    return f"    {lhs} ~ {' + '.join(terms)}"


def model_syntax(d: MLData, starts: Starts | None = None) -> str:
    """The lavaan two-level model of the design, with the reported paths labelled.

    Level-1 variables get a latent between part (their cluster mean) at level 2; level-1
    covariates enter every equation at both levels, level-2 covariates every level-2 equation.
    ``starts`` adds ``start()`` values (level, outcome, predictor) -- for a refit only.
    """
    x, m, y = d.x, d.m, d.y
    cw: list[tuple[str, str | None]] = [(c, None) for c in d.cov_within]
    cb: list[tuple[str, str | None]] = [(c, None) for c in d.cov_between]
    lines = ["level: 1"]
    if d.design == "1-1-1":
        lines.append(_equation(1, m, [(x, "a_within"), *cw], starts))
        lines.append(_equation(1, y, [(m, "b_within"), (x, "c_prime_within"), *cw], starts))
    elif d.design == "2-1-1":
        if cw:
            lines.append(_equation(1, m, cw, starts))
        lines.append(_equation(1, y, [(m, "b_within"), *cw], starts))
    else:
        lines.append(_equation(1, y, cw, starts) if cw else f"    {y} ~~ {y}")
    lines.append("level: 2")
    lines.append(_equation(2, m, [(x, "a_between"), *cw, *cb], starts))
    lines.append(_equation(2, y, [(m, "b_between"), (x, "c_prime_between"), *cw, *cb], starts))
    if d.design == "1-1-1":
        lines.append("indirect_within := a_within*b_within")
    lines.append("indirect_between := a_between*b_between")
    return "\n".join(lines) + "\n"


def _ols(y: np.ndarray, X: np.ndarray) -> np.ndarray:
    beta, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)
    out: np.ndarray = beta[1:]
    return out


def starting_values(d: MLData) -> Starts:
    """Regression starts: pooled within-cluster OLS (level 1), OLS on cluster means (level 2)."""
    cols = [d.x, d.m, d.y, *d.covariates]
    v = d.frame[cols].to_numpy(float)
    means = cluster_means(v, d.codes)
    first = np.unique(d.codes, return_index=True)[1]
    within = pd.DataFrame(v - means, columns=cols)
    between = pd.DataFrame(means[first], columns=cols)
    l1 = [c for c in (d.x, *d.cov_within) if d.levels[c] == 1]
    out: Starts = {}
    for level, data, preds in (
        (1, within, {d.m: l1, d.y: [d.m, *l1] if d.levels[d.m] == 1 else l1}),
        (2, between, {d.m: [d.x, *d.covariates], d.y: [d.m, d.x, *d.covariates]}),
    ):
        for outcome, xs in preds.items():
            if xs and (level == 2 or d.levels[outcome] == 1):
                coef = _ols(data[outcome].to_numpy(), data[xs].to_numpy())
                out.update({(level, outcome, c): float(b) for c, b in zip(xs, coef, strict=True)})
    return out


@dataclass(frozen=True)
class MSEMFit:
    """The fitted two-level model: estimates per reported term and the equations per level."""

    sem: SEMResult
    syntax: str
    rows: dict[str, dict[str, float]]  # term -> estimate, se, ci_low, ci_high, p_value
    equations: dict[str, pd.DataFrame]
    moments: dict[str, dict[str, Any]]
    restarted: str = ""  # how a refit reached the optimum (empty: lavaan's default start)


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


def _fit_sem(d: MLData, ci_level: float, se: bool) -> tuple[SEMResult, str]:
    """The two-level fit from fit_sem's default start (lavaan's); if that does not converge,
    from regression starting values; if neither does, on grand-mean-centred variables from
    regression starting values. Returns the fit and how it was reached (``""`` for the first).

    Centring changes only the intercepts in the model, but the moments of exogenous covariates
    are fixed at their saturated (EM) estimates, whose stopping rule makes the optimum agree
    with the raw-data one to about 1e-3 rather than 1e-6.
    """
    kind = "standard" if se else "none"

    def attempts() -> Iterator[tuple[str, MLData, Starts | None]]:
        # the fallbacks are built only when needed (their regressions cost a fit's worth of
        # pandas work, and most fits converge from the first start)
        yield "", d, None
        yield "regression starting values", d, starting_values(d)
        centred = dataclasses.replace(d, frame=d.frame - d.frame.mean())
        yield (
            "grand-mean-centred variables and regression starting values", centred,
            starting_values(centred),
        )  # fmt: skip

    first: ModelError | None = None
    for how, data, starts in attempts():
        frame = data.frame.assign(**{d.cluster: d.codes})
        try:
            res = fit_sem(
                frame, model_syntax(data, starts), cluster=d.cluster, ci_level=ci_level,
                se=kind, baseline=se,  # a resample needs the estimates only
            )  # fmt: skip
            return res, how
        except ModelError as exc:
            first = first or exc
    raise ModelError(
        f"the two-level SEM did not converge from lavaan's default start, from regression "
        f"starting values or on centred variables ({first}); try method='umm'"
    ) from first


def fit(d: MLData, ci_level: float, *, se: bool = True) -> MSEMFit:
    """Fit the design's two-level model; ``se=False`` skips the standard errors (resamples)."""
    _check_identifiers(d)
    syntax = model_syntax(d)
    res, restarted = _fit_sem(d, ci_level, se)
    tab = res.table
    op, lhs, label = (tab[c].to_numpy() for c in ("op", "lhs", "label"))
    cols = ("estimate", "se", "ci_low", "ci_high", "p_value")
    values = tab.loc[:, list(cols)].to_numpy(dtype=float)  # one pass, not pandas per term
    rows: dict[str, dict[str, float]] = {}
    for term in d.terms():
        hit = np.flatnonzero((op == ":=") & (lhs == term))
        if not len(hit):
            hit = np.flatnonzero((label == term) & (op == "~"))
        rows[term] = {k: float(v) for k, v in zip(cols, values[hit[0]], strict=True)}
    moments = {
        ("within" if key == "level1" else "between"): {
            "cov": val["cov"],
            "mean": val["mean"],
            "n": d.n - d.n_clusters if key == "level1" else d.n_clusters,
        }
        for key, val in res.implied.items()
    }
    return MSEMFit(res, syntax, rows, _equations(d, tab) if se else {}, moments, restarted)
