"""The models the engine does not cover, fitted by statsmodels' ``MixedLM``: crossed grouping
factors (``"mentor + rater"``) and three or more nesting levels (``"region/program/mentor"``),
with a random intercept per group of every factor.

statsmodels fits them as variance components (crossed: one group holding every row; nested:
the outermost factor as its groups). The fixed-effect SEs are lme4's,
``sqrt(diag((X'V⁻¹X)⁻¹))`` at the variance estimates (computed here with the Woodbury identity
``V⁻¹ = σ⁻²(I - ZΛ(I + Λ'Z'ZΛ)⁻¹Λ'Z')``), and the tests are Wald tests: no df are computed for
these models.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ..._core.warn import warn_user
from ...exceptions import ModelError, ModelWarning
from .._design import Design
from .._types import FloatArray
from ._mixed_engine import TABLE_COLUMNS, FitOutput, forward_warnings
from ._mixed_spec import GroupSpec, RandomPart

__all__ = ["fit_statsmodels"]


def _codes(data: pd.DataFrame, spec: GroupSpec) -> list[np.ndarray]:
    """Codes of each factor's groups (nested: labels counted within the outer groups)."""
    out = []
    for i, f in enumerate(spec.factors):
        cols = list(spec.factors[: i + 1]) if spec.kind == "nested" else [f]
        out.append(data.groupby(cols, sort=True, observed=True).ngroup().to_numpy())
    return out


def _check_intercepts_only(spec: GroupSpec, parts: tuple[RandomPart, ...]) -> None:
    slopes = [p.factor for p in parts if p.variables or p.formula.replace(" ", "") != "~1"]
    if slopes:
        kind = "crossed factors" if spec.kind == "crossed" else "three or more nesting levels"
        raise ModelError(
            f"mixed: random slopes with {kind} ({spec.label}) are not available (random "
            f"effects asked for {', '.join(slopes)}); use random intercepts only, or one "
            "grouping factor / two nested factors with slopes (fitted by the toolkit's engine)"
        )


def _vc_spec(codes: list[np.ndarray], spec: GroupSpec) -> tuple[Any, np.ndarray, np.ndarray]:
    """statsmodels' groups, exog_re and VCSpec for the factors."""
    from statsmodels.regression.mixed_linear_model import VCSpec

    n = len(codes[0])
    if spec.kind == "crossed":
        groups, exog_re, vc_codes = np.zeros(n), np.zeros((n, 0)), codes
    else:  # nested: the outermost factor is statsmodels' group, with a random intercept
        groups, exog_re, vc_codes = codes[0], np.ones((n, 1)), codes[1:]
    names = [f for f in spec.factors if spec.kind == "crossed" or f != spec.factors[0]]
    colnames, mats = [], []
    for vc in vc_codes:
        per_group_cols, per_group_mats = [], []
        for g in np.unique(groups):
            rows = groups == g
            levels, local = np.unique(vc[rows], return_inverse=True)
            M = np.zeros((int(rows.sum()), len(levels)))
            M[np.arange(len(local)), local] = 1.0
            per_group_cols.append([str(v) for v in levels])
            per_group_mats.append(M)
        colnames.append(per_group_cols)
        mats.append(per_group_mats)
    return VCSpec(names, colnames, mats), groups, exog_re


def _fit(y: FloatArray, X: FloatArray, codes: list[np.ndarray], spec: GroupSpec, reml: bool) -> Any:
    """statsmodels' best fit over its optimisers (the first that converges); the warnings of
    the fit kept are issued again (those of discarded attempts are not)."""
    from statsmodels.regression.mixed_linear_model import MixedLM

    vc, groups, exog_re = _vc_spec(codes, spec)
    model = MixedLM(y, X, groups=groups, exog_re=exog_re, exog_vc=vc)
    best, best_msgs = None, []
    for opt in (None, ["lbfgs"], ["bfgs"], ["nm", "bfgs"]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = model.fit(reml=reml, method=opt) if opt else model.fit(reml=reml)
            except (np.linalg.LinAlgError, ValueError):
                continue
        if np.isfinite(fit.llf) and (best is None or fit.llf > best.llf + 1e-8):
            best, best_msgs = fit, [str(w.message) for w in caught]
        if best is not None and best.converged:
            break
    if best is None:
        raise ModelError(
            f"mixed: statsmodels could not fit the random intercepts of {spec.label}; check "
            "that every factor has several groups with several rows, or simplify the model"
        )
    for msg in dict.fromkeys(best_msgs):
        warn_user(f"statsmodels: {msg}", ModelWarning)
    return best


def _variances(fit: Any, spec: GroupSpec) -> list[float]:
    """The random-intercept variance of each factor, in the order of ``spec.factors``."""
    vcomp = [float(v) for v in np.atleast_1d(fit.vcomp)]
    if spec.kind == "crossed":
        return vcomp
    return [float(np.asarray(fit.cov_re)[0, 0]), *vcomp]


def _lme4_vcov(X: FloatArray, codes: list[np.ndarray], taus: list[float], s2: float) -> FloatArray:
    """``σ²(X'V⁻¹X)⁻¹`` with ``V = I + ZΛΛ'Z'`` (relative scale), by Woodbury."""
    n = X.shape[0]
    blocks, lam = [], []
    for c, tau2 in zip(codes, taus, strict=True):
        k = int(c.max()) + 1
        blocks.append(sp.csr_matrix((np.ones(n), (np.arange(n), c)), shape=(n, k)))
        lam.append(np.full(k, np.sqrt(max(tau2, 0.0) / s2)))
    ZL = sp.hstack(blocks).tocsr() @ sp.diags(np.concatenate(lam))
    A = (ZL.T @ ZL).toarray() + np.eye(ZL.shape[1])
    B = np.asarray(ZL.T @ X)
    xtvx = X.T @ X - B.T @ np.linalg.solve(A, B)
    return np.asarray(s2 * np.linalg.inv(xtvx), dtype=np.float64)


def _wald_table(names: list[str], est: FloatArray, V: FloatArray, level: float) -> pd.DataFrame:
    se = np.sqrt(np.diag(V))
    t = est / se
    crit = stats.norm.ppf(0.5 + level / 2)
    table = pd.DataFrame(
        {
            "term": names, "estimate": est, "se": se, "df": np.inf, "t": t,
            "p_value": 2 * stats.norm.sf(np.abs(t)), "ci_low": est - crit * se,
            "ci_high": est + crit * se,
        }
    )  # fmt: skip
    return table[TABLE_COLUMNS]


def _varcorr(spec: GroupSpec, taus: list[float], s2: float) -> pd.DataFrame:
    rows: list[tuple[str, str | None, None, float, float]] = [
        (spec.level_name(f), "Intercept", None, t, float(np.sqrt(max(t, 0.0))))
        for f, t in zip(spec.factors, taus, strict=True)
    ]
    rows = rows[::-1] if spec.kind == "nested" else rows  # lme4 lists the innermost first
    rows.append(("Residual", None, None, s2, float(np.sqrt(s2))))
    return pd.DataFrame(
        rows, columns=["group", "var1", "var2", "vcov", "sdcor"], dtype=object
    ).astype({"vcov": float, "sdcor": float})


def _null_icc(y: FloatArray, codes: list[np.ndarray], spec: GroupSpec) -> tuple[float, float]:
    """ICC(1) of the REML null model: the share of the variance of all random intercepts
    (performance::icc's adjusted ICC); ICC(2) with k = N / J of the innermost factor (not
    defined for crossed factors)."""
    fit = _fit(y, np.ones((len(y), 1)), codes, spec, True)
    taus = _variances(fit, spec)
    icc1 = sum(taus) / (sum(taus) + float(fit.scale))
    if spec.kind == "crossed":
        return icc1, float("nan")
    k = len(y) / (int(codes[-1].max()) + 1)
    return icc1, k * icc1 / (1 + (k - 1) * icc1)


def fit_statsmodels(
    design: Design,
    data: pd.DataFrame,
    spec: GroupSpec,
    parts: tuple[RandomPart, ...],
    *,
    reml: bool,
    method: str,
    level: float,
) -> FitOutput:
    """Fit crossed or deeply nested random intercepts with statsmodels; Wald tests with
    lme4's SEs."""
    _check_intercepts_only(spec, parts)
    codes = _codes(data, spec)
    notes: list[str] = []
    if method != "wald":
        msg = (
            f"{method} df are computed for one grouping factor or two nested ones; this "
            f"model ({spec.label}) was fitted by statsmodels MixedLM and its tests are Wald "
            "tests (df = inf)"
        )
        warn_user(f"mixed: {msg}", ModelWarning)
        notes.append(msg)
    y = design.y.to_numpy(dtype=np.float64)
    X = design.X.to_numpy(dtype=np.float64)
    with forward_warnings(notes):
        fit = _fit(y, X, codes, spec, reml)
        icc1, icc2 = _null_icc(y, codes, spec)
    taus, s2 = _variances(fit, spec), float(fit.scale)
    V = _lme4_vcov(X, codes, taus, s2)
    names = list(design.X.columns)
    order = range(len(codes) - 1, -1, -1) if spec.kind == "nested" else range(len(codes))
    n_groups = {spec.level_name(spec.factors[i]): int(codes[i].max()) + 1 for i in order}
    return FitOutput(
        table=_wald_table(names, np.asarray(fit.fe_params, dtype=np.float64), V, level),
        vcov=V,
        variance_components=_varcorr(spec, taus, s2),
        loglik=float(fit.llf),
        model=fit,
        icc=icc1,
        icc2=icc2,
        n_groups=n_groups,  # lme4's ngrps(): innermost first
        engine="statsmodels",
        df_method="wald",
        notes=notes,
    )
