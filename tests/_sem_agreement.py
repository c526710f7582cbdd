"""Fit a model of an R-made SEM fixture with the engine, and compare it with lavaan's numbers.

The fixtures (``tests/reference/sem_*.json``, made by ``make_sem_extended_reference.R``) record
lavaan's call; :func:`fit_fixture` makes the same call with ``ld.sem`` (FIML for
``missing = "ml"``, MLR, ``group``, ``group.equal``, ``group.partial``).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import numpy as np
import pandas as pd

from _reference import reference_csv
from learning_direction.models.sem import SEMResult, sem

# our .fit column -> lavaan's fitMeasures() name
FIT_KEYS = {
    "chisq": "chisq",
    "df": "df",
    "p": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "rmsea_p_close": "rmsea.pvalue",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "loglik": "logl",
    "n": "ntotal",
    "npar": "npar",
    "baseline_chisq": "baseline.chisq",
    "baseline_df": "baseline.df",
    "loglik_h1": "unrestricted.logl",
    "chisq_scaled": "chisq.scaled",
    "p_scaled": "pvalue.scaled",
    "scaling_factor": "chisq.scaling.factor",
    "scaling_factor_h1": "scaling.factor.h1",
    "scaling_factor_h0": "scaling.factor.h0",
    "baseline_chisq_scaled": "baseline.chisq.scaled",
    "baseline_scaling_factor": "baseline.chisq.scaling.factor",
    "cfi_scaled": "cfi.scaled",
    "tli_scaled": "tli.scaled",
    "rmsea_scaled": "rmsea.scaled",
    "rmsea_ci_low_scaled": "rmsea.ci.lower.scaled",
    "rmsea_ci_high_scaled": "rmsea.ci.upper.scaled",
    "rmsea_p_close_scaled": "rmsea.pvalue.scaled",
    "cfi_robust": "cfi.robust",
    "tli_robust": "tli.robust",
    "rmsea_robust": "rmsea.robust",
    "rmsea_ci_low_robust": "rmsea.ci.lower.robust",
    "rmsea_ci_high_robust": "rmsea.ci.upper.robust",
    "rmsea_p_close_robust": "rmsea.pvalue.robust",
}


def fixture_kwargs(fx: dict[str, Any]) -> dict[str, Any]:
    """``ld.sem`` arguments of the lavaan call recorded in ``fx``."""
    opts = fx["options"]
    kwargs: dict[str, Any] = {}
    if opts["missing"] == "ml":
        kwargs["missing"] = "fiml"
    if opts.get("fixed.x") is False:
        kwargs["fixed_x"] = False
    if opts["test"] == "yuan.bentler.mplus":
        kwargs["estimator"] = "MLR"
    if len(fx["group_label"]) > 1:
        kwargs["group"] = "grp" if "grp" in fx["call"] else "school"
    for arg, key in (("group.equal", "group_equal"), ("group.partial", "group_partial")):
        m = re.search(arg.replace(".", r"\.") + r" = (c\([^)]*\)|'[^']*')", fx["call"])
        if m:
            kwargs[key] = re.findall(r"'([^']*)'", m.group(1))
    return kwargs


def fixture_data(fx: dict[str, Any]) -> pd.DataFrame:
    df = reference_csv(fx["data"])
    if "grp" in fx["call"]:  # PoliticalDemocracy split into odd and even rows, as in the R script
        df["grp"] = np.where(np.arange(1, len(df) + 1) % 2 == 0, "even", "odd")
    return df


@functools.cache
def _fit(file: str, name: str, fx_json: str) -> SEMResult:
    import json

    fx = json.loads(fx_json)
    return sem(fixture_data(fx), fx["model"], **fixture_kwargs(fx))


def fit_fixture(file: str, name: str, fx: dict[str, Any]) -> SEMResult:
    """The engine's fit of fixture ``name`` (cached per session)."""
    import json

    return _fit(file, name, json.dumps(fx, sort_keys=True))


def close(mine: Any, ref: Any, rel: float, scale: Any = None) -> None:
    """``|mine - ref| <= rel * scale`` elementwise (``scale`` defaults to ``|ref|``); NaN = NaN."""
    mine, ref = np.asarray(mine, float), np.asarray(ref, float)
    scale = np.abs(ref) if scale is None else np.asarray(scale, float)
    both_nan = np.isnan(mine) & np.isnan(ref)
    ok = both_nan | (np.abs(mine - ref) <= rel * scale + 1e-12)
    assert ok.all(), pd.DataFrame({"mine": mine, "ref": ref, "ok": ok})


def check_parameters(res: SEMResult, fx: dict[str, Any], rel: float) -> None:
    """Rows, labels, estimates, SEs, z, p, CIs and std.all against ``parameterEstimates()``."""
    ref = pd.DataFrame(fx["parameters"])
    tab = res.table
    assert list(zip(tab.lhs, tab.op, tab.rhs, strict=True)) == list(
        zip(ref.lhs, ref.op, ref.rhs, strict=True)
    )
    assert list(tab.label) == list(ref.label.fillna(""))
    scale = np.maximum(np.abs(ref.est), ref.se)
    close(tab.estimate, ref.est, rel, scale)
    close(tab.se, ref.se, rel)
    close(tab.ci_low, ref.ci_lower, rel, scale)
    close(tab.ci_high, ref.ci_upper, rel, scale)
    close(tab.z, ref.z, rel, np.maximum(np.abs(ref.z), 1))
    close(tab.p_value, ref.pvalue, rel, np.maximum(ref.pvalue.fillna(0), 1e-6))
    close(tab.std_all, ref.std_all, rel, np.maximum(np.abs(ref.std_all), 1e-1))


def check_fit(res: SEMResult, ref_fit: dict[str, Any], rel: float) -> list[str]:
    """Every fit measure lavaan reports that ``.fit`` has, within ``rel`` (scale >= 1e-3).

    Returns the measures compared.
    """
    fit = res.fit.iloc[0]
    compared = []
    for key, rkey in FIT_KEYS.items():
        if rkey not in ref_fit:
            continue
        assert key in fit.index, f"{key} missing from .fit"
        r = math.nan if ref_fit[rkey] is None else float(ref_fit[rkey])
        close([fit[key]], [r], rel, [max(abs(r), 1e-3)])
        compared.append(key)
    return compared


def check_tight(res: SEMResult, tight: dict[str, Any], rel_est: float, rel_fit: float) -> None:
    """Against lavaan's exact optimum (BFGS at reltol 1e-14, EM at 1e-12)."""
    assert tight["converged"]
    est, se = np.asarray(tight["est"]), np.asarray(tight["se"], float)
    tab = res.table
    close(tab.estimate, est, rel_est, np.maximum(np.abs(est), se))
    close(tab.se, se, rel_est)
    std = np.asarray(tight["std_all"], float)
    close(tab.std_all, std, rel_est, np.maximum(np.abs(std), 1.0))
    check_fit(res, tight["fit"], rel_fit)
