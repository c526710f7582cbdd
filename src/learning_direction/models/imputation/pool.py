"""Rubin's rules with Barnard-Rubin degrees of freedom, as ``mice::pool``.

:func:`rubin` pools per-imputation estimates and squared SEs. :func:`as_completed` accepts an
:class:`~.impute.ImputedData` or a list of completed DataFrames; :func:`pool_fits` fits a model
in every completed dataset and pools it. The ``pool_*`` finishers turn the per-imputation
results of :func:`~learning_direction.regress`, :func:`~learning_direction.logit`,
:func:`~learning_direction.mixed` and :func:`~learning_direction.mediate` into one pooled
result of the same class (they use only the results' fields, so this package does not import
the model modules; the model modules call :func:`pool_fits` at the top of their public
function).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ...exceptions import DataValidationError, ModelError
from .. import bootstrap as bs
from .._types import FloatArray
from .impute import ImputedData

__all__ = [
    "POOLED_COLUMNS",
    "as_completed",
    "barnard_rubin_df",
    "is_multiply_imputed",
    "pool_fits",
    "pool_logit",
    "pool_mediation",
    "pool_mediation_fits",
    "pool_mixed",
    "pool_regression",
    "rubin",
]

R = TypeVar("R")

#: the path-coefficient rows of a mediation table (a categorical X appends ``[<level>]``)
_PATH_TERM = r"^(?:a:|b:|d:|c_prime(?:\[|$)|c(?:\[|$))"

#: columns :func:`rubin` returns, in mice's names (``se`` = sqrt(t))
POOLED_COLUMNS = ["estimate", "ubar", "b", "t", "se", "dfcom", "df", "riv", "lambda", "fmi"]


def _t_ppf(q: float, df: Any) -> Any:
    """Quantile of Student's t (``scipy.stats.t.ppf``), via scipy.special on first use: importing
    ``ld.mediate`` must not load scipy.stats (see tests/test_import_cost.py)."""
    from scipy import special

    return special.stdtrit(np.asarray(df, dtype=float), q)


def _t_sf(x: Any, df: Any) -> Any:
    """Upper tail of Student's t (``scipy.stats.t.sf``) via scipy.special."""
    from scipy import special

    return special.stdtr(np.asarray(df, dtype=float), -np.asarray(x, dtype=float))


def is_multiply_imputed(data: object) -> bool:
    """True for an :class:`ImputedData` or a list/tuple of DataFrames (completed datasets)."""
    if isinstance(data, ImputedData):
        return True
    return (
        isinstance(data, list | tuple)
        and len(data) > 0
        and all(isinstance(d, pd.DataFrame) for d in data)
    )


def as_completed(data: object, what: str) -> tuple[list[pd.DataFrame], str]:
    """The completed datasets and a phrase naming where they came from."""
    if isinstance(data, ImputedData):
        return list(data.imputations), f"ld.impute (method {data.method}, seed {data.seed})"
    sets = list(data)  # type: ignore[call-overload]
    if len(sets) < 2:
        raise DataValidationError(
            f"{what}: pooling needs at least two completed datasets; got {len(sets)}"
        )
    shapes = {d.shape[0] for d in sets}
    if len(shapes) > 1:
        raise DataValidationError(
            f"{what}: the completed datasets have different numbers of rows ({sorted(shapes)}); "
            "every imputation must hold the same rows"
        )
    return sets, "a list of completed datasets"


def barnard_rubin_df(m: int, b: FloatArray, t: FloatArray, dfcom: FloatArray) -> FloatArray:
    """Barnard & Rubin (1999) df, exactly as ``mice:::barnard.rubin`` (lambda floored at 1e-4).

    ``dfold = (m - 1) / lambda^2``, ``dfobs = (dfcom + 1) / (dfcom + 3) dfcom (1 - lambda)``,
    ``df = dfold dfobs / (dfold + dfobs)``; ``dfold`` when ``dfcom`` is infinite.
    """
    lam = (1 + 1 / m) * b / t
    lam = np.where(lam < 1e-4, 1e-4, lam)
    dfold = (m - 1) / lam**2
    with np.errstate(invalid="ignore", over="ignore"):
        dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
        out = np.where(np.isinf(dfcom), dfold, dfold * dfobs / (dfold + dfobs))
    return np.asarray(out, dtype=np.float64)


def rubin(
    estimates: FloatArray, variances: FloatArray, dfcom: float | FloatArray = np.inf
) -> pd.DataFrame:
    """Pool an (m, p) array of estimates and their squared SEs by Rubin's rules.

    Returns one row per parameter with mice's columns ``estimate`` (qbar), ``ubar``
    (within-imputation variance), ``b`` (between), ``t = ubar + (1 + 1/m) b``, ``se =
    sqrt(t)``, ``dfcom``, ``df`` (Barnard-Rubin), ``riv = (1 + 1/m) b / ubar``, ``lambda =
    (1 + 1/m) b / t`` and ``fmi = (riv + 2 / (df + 3)) / (riv + 1)``.
    """
    q = np.asarray(estimates, dtype=np.float64)
    u = np.asarray(variances, dtype=np.float64)
    m = q.shape[0]
    qbar = q.mean(axis=0)
    ubar = u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    dfc = np.broadcast_to(np.asarray(dfcom, dtype=np.float64), qbar.shape)
    df = barnard_rubin_df(m, b, t, dfc)
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1 + 1 / m) * b / ubar
        lam = (1 + 1 / m) * b / t
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    return pd.DataFrame(
        {
            "estimate": qbar,
            "ubar": ubar,
            "b": b,
            "t": t,
            "se": np.sqrt(t),
            "dfcom": dfc,
            "df": df,
            "riv": riv,
            "lambda": lam,
            "fmi": fmi,
        }
    )


def _stack(fits: Sequence[Any], column: str, terms: list[str]) -> FloatArray:
    rows = []
    for i, f in enumerate(fits, start=1):
        tab = f.table.set_index("term")
        if list(tab.index) != terms:
            raise ModelError(
                f"imputation {i} gives the terms {list(tab.index)}, the first gives {terms}; a "
                "categorical predictor must have the same levels in every completed dataset"
            )
        rows.append(tab[column].to_numpy(dtype=np.float64))
    return np.vstack(rows)


def _pooled_table(
    fits: Sequence[Any], dfcom: FloatArray | float, ci_level: float, stat: str
) -> pd.DataFrame:
    """``term, estimate, se, <stat>, df, ci_low, ci_high, p_value, riv, lambda, fmi`` (t on
    the Barnard-Rubin df, as ``summary(mice::pool(fit), conf.int = TRUE)``)."""
    terms = list(fits[0].table["term"])
    est = _stack(fits, "estimate", terms)
    se = _stack(fits, "se", terms)
    pooled = rubin(est, se**2, dfcom)
    tval = pooled["estimate"] / pooled["se"]
    crit = _t_ppf(0.5 + ci_level / 2, pooled["df"])
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": pooled["estimate"],
            "se": pooled["se"],
            stat: tval,
            "df": pooled["df"],
            "ci_low": pooled["estimate"] - crit * pooled["se"],
            "ci_high": pooled["estimate"] + crit * pooled["se"],
            "p_value": 2 * _t_sf(np.abs(tval), pooled["df"]),
            "riv": pooled["riv"],
            "lambda": pooled["lambda"],
            "fmi": pooled["fmi"],
        }
    )


def _pooling_note(m: int, source: str, dfcom: str) -> str:
    return (
        f"pooled over m = {m} imputations ({source}) by Rubin's rules: estimate = mean, SE = "
        "sqrt(within + (1 + 1/m) between variance); t tests and CIs on the Barnard-Rubin (1999) "
        f"df with complete-data df {dfcom} (as mice::pool); riv = relative increase in "
        "variance, lambda = share of the variance due to the missing data, fmi = fraction of "
        "missing information (mice's definitions)"
    )


def _dropped_note(fits: Sequence[Any]) -> list[str]:
    dropped = [int(getattr(f, "n_dropped", 0)) for f in fits]
    if max(dropped) == 0:
        return []
    return [
        f"rows still incomplete after imputation (a model column not imputed) were left out: "
        f"{min(dropped)}-{max(dropped)} per imputation"
    ]


def pool_fits(
    fit_one: Callable[[pd.DataFrame], R],
    data: object,
    finish: Callable[[list[R], str, float], R],
    *,
    what: str,
    ci_level: float,
) -> R:
    """Fit ``fit_one`` to every completed dataset of ``data`` and pool with ``finish``."""
    sets, source = as_completed(data, what)
    fits = [fit_one(d) for d in sets]
    return finish(fits, source, ci_level)


# --- finishers: one pooled result of the model's own class -----------------------------------
def pool_regression(fits: list[R], source: str, ci_level: float) -> R:
    """Pooled :class:`~learning_direction.RegressionResult` (OLS)."""
    fits_: list[Any] = list(fits)
    first: Any = fits_[0]
    m = len(fits_)
    dfcom = float(first.df_resid)
    table = _pooled_table(fits_, dfcom, ci_level, "t")
    if "beta" in first.table.columns:
        table.insert(8, "beta", _stack(fits_, "beta", list(table["term"])).mean(axis=0))
    r2 = np.array([f.r2 for f in fits_])
    adj = np.array([f.adj_r2 for f in fits_])
    V = np.diag(table["se"].to_numpy() ** 2)
    names = list(table["term"])
    return dataclasses.replace(  # type: ignore[no-any-return]
        first,
        table=table,
        r2=_fisher_z_mean(r2),
        adj_r2=_fisher_z_mean(adj),
        f=float("nan"),
        f_p_value=float("nan"),
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=tuple(f.model for f in fits_),
        method=f"OLS, {m} imputations pooled",
        notes=(
            _pooling_note(m, source, f"n - p = {dfcom:g}"),
            "R2 and adjusted R2 pooled on Fisher's z of their square roots (mice::pool.r.squared); "
            "the overall F test is not pooled (NaN); vcov holds the pooled variances only; "
            "model holds the m fits_, design is the first imputation's",
            *_dropped_note(fits_),
            *[n for n in first.notes if "left out" not in n],
        ),
    )


def _fisher_z_mean(r2: FloatArray) -> float:
    z = np.arctanh(np.sqrt(np.clip(r2, 0, None)))
    return float(np.tanh(z.mean()) ** 2)


def pool_logit(fits: list[R], source: str, ci_level: float) -> R:
    """Pooled :class:`~learning_direction.LogitResult` (odds ratios from the pooled log-odds)."""
    fits_: list[Any] = list(fits)
    first: Any = fits_[0]
    m = len(fits_)
    dfcom = float(first.n - len(first.table))
    table = _pooled_table(fits_, dfcom, ci_level, "z")
    table["odds_ratio"] = np.exp(table["estimate"])
    table["or_ci_low"] = np.exp(table["ci_low"])
    table["or_ci_high"] = np.exp(table["ci_high"])
    names = list(table["term"])
    V = np.diag(table["se"].to_numpy() ** 2)
    nan = float("nan")
    return dataclasses.replace(  # type: ignore[no-any-return]
        first,
        table=table,
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=tuple(f.model for f in fits_),
        loglik=nan,
        loglik_null=nan,
        aic=nan,
        bic=nan,
        mcfadden_r2=nan,
        nagelkerke_r2=nan,
        cox_snell_r2=nan,
        lr_chi2=nan,
        lr_df=nan,
        lr_p_value=nan,
        method=f"logistic regression (ML), {m} imputations pooled",
        notes=(
            _pooling_note(m, source, f"n - p = {dfcom:g}"),
            "Wald statistics are read against t on the Barnard-Rubin df (mice's pool of glm "
            "fits_); likelihood-based fit statistics are not pooled (NaN)",
            *_dropped_note(fits_),
            *[n for n in first.notes if "left out" not in n],
        ),
    )


def pool_mixed(fits: list[R], source: str, ci_level: float) -> R:
    """Pooled :class:`~learning_direction.MixedResult` (fixed effects by Rubin's rules)."""
    fits_: list[Any] = list(fits)
    first: Any = fits_[0]
    m = len(fits_)
    # lme4's df.residual (what mice::pool uses): n - fixed effects - variance parameters
    dfcom = float(first.n - len(first.table) - len(first.variance_components))
    table = _pooled_table(fits_, dfcom, ci_level, "t")
    vc = first.variance_components.copy()
    vc["vcov"] = np.mean([f.variance_components["vcov"].to_numpy() for f in fits_], axis=0)
    vc["sdcor"] = np.mean([f.variance_components["sdcor"].to_numpy() for f in fits_], axis=0)
    names = list(table["term"])
    V = np.diag(table["se"].to_numpy() ** 2)
    return dataclasses.replace(  # type: ignore[no-any-return]
        first,
        table=table[
            [
                "term",
                "estimate",
                "se",
                "df",
                "t",
                "p_value",
                "ci_low",
                "ci_high",
                "riv",
                "lambda",
                "fmi",
            ]
        ],
        variance_components=vc,
        icc=float(np.mean([f.icc for f in fits_])),
        icc2=float(np.mean([f.icc2 for f in fits_])),
        reml_loglik=float("nan"),
        loglik=float("nan"),
        vcov=pd.DataFrame(V, index=names, columns=names),
        model=tuple(f.model for f in fits_),
        method=f"linear mixed model, {m} imputations pooled",
        notes=(
            _pooling_note(
                m,
                source,
                f"n - fixed effects - variance parameters = {dfcom:g} (lme4's df.residual)",
            ),
            "the pooled df replace the per-imputation "
            f"{first.df_method} df; variance components and ICCs are averaged over the "
            "imputations; log-likelihoods are not pooled (NaN)",
            *_dropped_note(fits_),
            *[n for n in first.notes if "left out" not in n],
        ),
    )


def _path_dfcom(fit: Any, est: float, se: float) -> float:
    """The residual df of the equation a path coefficient comes from (inf when not found)."""
    for tab in fit.equations.values():
        hit = np.isclose(tab["estimate"], est, rtol=1e-12, atol=0) & np.isclose(
            tab["se"], se, rtol=1e-9, atol=0
        )
        if hit.any():
            return float(tab.attrs.get("df_resid", np.inf))
    return float("inf")


def pool_mediation(fits: list[R], source: str, ci_level: float) -> R:
    """Pooled :class:`~learning_direction.MediationResult` (MI-boot, Schomaker & Heumann 2018).

    Path coefficients: Rubin's rules on their OLS SEs. Effects (indirect, totals, contrasts,
    standardized): estimate = mean over imputations; CI = percentiles of the m x n_boot
    bootstrap draws pooled across imputations; se = SD of the pooled draws; bootstrap p from
    the pooled draws; riv/lambda/fmi/df from Rubin's rules with each imputation's bootstrap
    variance as the within variance.
    """
    fits_: list[Any] = list(fits)
    first: Any = fits_[0]
    m = len(fits_)
    terms = list(first.table["term"])
    est = _stack(fits_, "estimate", terms)
    se = _stack(fits_, "se", terms)
    is_path = first.table["term"].str.match(_PATH_TERM).to_numpy()
    dfcom = np.array(
        [
            _path_dfcom(first, float(est[0, j]), float(se[0, j])) if is_path[j] else np.inf
            for j in range(len(terms))
        ]
    )
    pooled = rubin(est, se**2, dfcom)
    draws = pd.concat([f.boot_draws for f in fits_], ignore_index=True)
    valid = draws.dropna().to_numpy(dtype=np.float64)
    qbar = pooled["estimate"].to_numpy()
    lo, hi = bs.confidence_interval(valid, qbar, method="percentile", level=ci_level)
    p_boot = bs.boot_pvalue(valid)
    boot_se = np.nanstd(valid, axis=0, ddof=1)
    crit = _t_ppf(0.5 + ci_level / 2, pooled["df"])
    tval = qbar / pooled["se"].to_numpy()
    table = first.table.copy()
    table["estimate"] = qbar
    table["se"] = np.where(is_path, pooled["se"], boot_se)
    table["ci_low"] = np.where(is_path, qbar - crit * pooled["se"], lo)
    table["ci_high"] = np.where(is_path, qbar + crit * pooled["se"], hi)
    table["p_value"] = np.where(is_path, 2 * _t_sf(np.abs(tval), pooled["df"]), p_boot)
    table["boot_se"] = boot_se
    table["sobel_se"] = _stack(fits_, "sobel_se", terms).mean(axis=0)
    table["df"] = pooled["df"].to_numpy()
    table["riv"] = pooled["riv"].to_numpy()
    table["lambda"] = pooled["lambda"].to_numpy()
    table["fmi"] = pooled["fmi"].to_numpy()
    table.attrs["n_boot"] = len(valid)
    return dataclasses.replace(  # type: ignore[no-any-return]
        first,
        table=table,
        boot_draws=draws,
        n_singular=int(sum(f.n_singular for f in fits_)),
        method=f"{first.method}; {m} imputations pooled (MI-boot)",
        notes=(
            _pooling_note(m, source, "n - p of each path's equation (paths)"),
            f"effects: MI-boot (Schomaker & Heumann, 2018): {first.n_boot} resamples in each of "
            f"the {m} imputations ({len(valid)} valid draws pooled); percentile CI, SE and "
            "bootstrap p from the pooled draws; estimate = mean over imputations; fmi/riv of "
            "the effects use each imputation's bootstrap variance as the within variance "
            "(df with infinite complete-data df)",
            f"seed {first.seed} drew the per-imputation seeds (imputation i uses the i-th "
            "child of numpy.random.SeedSequence(seed))",
            *_dropped_note(fits_),
            *[n for n in first.notes if "left out" not in n],
        ),
    )


def pool_mediation_fits(
    fit_one: Callable[[pd.DataFrame, int], R],
    data: object,
    *,
    seed: int | None,
    ci: str,
    ci_level: float,
) -> R:
    """MI-boot: :func:`~learning_direction.mediate` in every completed dataset (each with its
    own seed, derived from ``seed``), pooled by :func:`pool_mediation`."""
    if ci != "percentile":
        raise ModelError(
            f"mediate(): with multiply imputed data only ci='percentile' is available (the "
            f"bootstrap draws of all imputations are pooled, MI-boot); got ci='{ci}'"
        )
    sets, source = as_completed(data, "mediate()")
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    kids = np.random.SeedSequence(int(seed)).spawn(len(sets))
    fits = [fit_one(d, int(k.generate_state(1)[0])) for d, k in zip(sets, kids, strict=True)]
    pooled: Any = pool_mediation(fits, source, ci_level)
    return dataclasses.replace(pooled, seed=int(seed))  # type: ignore[no-any-return]
