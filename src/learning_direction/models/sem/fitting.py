"""From a parameter table and its rows to a :class:`SEMResult`: estimate, standard errors, fit.

:func:`run` estimates the model (:mod:`.engine`), inverts the information (or forms the
Huber-White sandwich), fits the baseline model, computes lavaan's fit measures (standard, and
with MLR or FIML the scaled and robust ones, :mod:`.robust`) and assembles the tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..._core.warn import warn_user
from ...exceptions import ModelError, ModelWarning
from . import engine, robust
from .fitmeasures import robust_measures, scaled_measures
from .objective import FIMLObjective, SingleLevelObjective
from .options import FitOptions
from .partable import ParTable, n_moments
from .result import SEMResult, SEMState
from .sampledata import ModelData, pattern_table
from .standardize import std_all
from .tables import (
    FitInputs,
    fit_table,
    parameter_names,
    parameter_table,
    srmr_single,
    srmr_two_level,
)

__all__ = ["Estimates", "estimate_model", "run"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Estimates:
    """A fitted model with the covariance matrix of its estimates (``None`` when singular)."""

    fitted: engine.Fitted
    hessian: Array | None
    vcov_z: Array | None
    notes: tuple[str, ...]


def estimate_model(
    table: ParTable, data: ModelData, options: FitOptions, start: Array | None = None
) -> Estimates:
    """Prepare, estimate and (unless ``se="none"``) invert the information of the model."""
    frames = data.frames
    prep = engine.prepare(table, frames, options.cluster, fiml=options.fiml)
    fitted = engine.estimate(prep, max_iter=options.max_iter, start=start)
    notes: list[str] = []
    hessian = vcov = None
    needs_info = options.se != "none" or options.robust
    if needs_info:
        hessian = _information(fitted, options.information, notes)
    if hessian is not None and options.se != "none":
        vcov = robust.huber_white(fitted, hessian) if options.se == "robust" else None
        vcov = np.asarray(np.linalg.inv(hessian)) if vcov is None else vcov
    return Estimates(fitted, hessian, vcov, tuple(notes))


def _information(fitted: engine.Fitted, kind: str, notes: list[str]) -> Array | None:
    info = engine.information(fitted, kind)
    w = np.linalg.eigvalsh(info) if info.size else np.ones(1)
    if not np.all(np.isfinite(w)) or w.min() <= 1e-10 * max(w.max(), 1.0):
        msg = (
            "the information matrix is singular: standard errors could not be computed (the "
            "model may not be identified)"
        )
        warn_user(msg, ModelWarning)
        notes.append(msg)
        return None
    return np.asarray(info)


def run(table: ParTable, data: ModelData, options: FitOptions, model: str) -> SEMResult:
    """Fit ``table`` to ``data`` and assemble the result."""
    est = estimate_model(table, data, options)
    fitted = est.fitted
    prep = fitted.prepared
    notes = list(table.notes) + list(est.notes)
    if data.n_dropped:
        notes.append(data.reason)
    param = prep.param
    vcov_theta = None if est.vcov_z is None else param.k @ est.vcov_z @ param.k.T
    std = std_all(table, list(prep.objective.blocks), fitted.values)
    groups = list(data.labels) if table.n_groups > 1 else None
    est_table = parameter_table(
        param, fitted.values, vcov_theta, std, options.ci_level, table.n_levels > 1, groups
    )
    fit = fit_table(_fit_inputs(est, options, notes))
    notes.extend(_fixed_x_notes(table, options))
    patterns = pattern_table(prep.rows, data.labels) if options.fiml else None
    n_patterns = 1 if patterns is None else len(patterns)
    fit.insert(fit.columns.get_loc("n") + 1, "n_patterns", n_patterns)
    return SEMResult(
        table=est_table,
        fit=fit,
        vcov=_vcov_frame(param, vcov_theta),
        partable=_partable_frame(table, est_table),
        implied=_implied(prep, fitted, data.labels),
        h1=_h1_moments(prep, data.labels),
        n=data.n,
        n_dropped=data.n_dropped,
        model=model,
        n_clusters=_n_clusters(data, options),
        method=_method(options),
        se=options.se,
        information=options.information,
        ci_level=options.ci_level,
        converged=fitted.optim.converged,
        iterations=fitted.optim.iterations,
        notes=tuple(dict.fromkeys(notes)),
        state=SEMState(param=param, z=fitted.z, vcov_z=est.vcov_z),
        missing="fiml" if options.fiml else "listwise",
        estimator=options.estimator,
        test="yuan.bentler.mplus" if options.robust else "standard",
        group=options.group,
        group_labels=tuple(data.labels) if options.group is not None else (),
        n_per_group=tuple(len(f) for f in data.frames) if options.group is not None else (),
        n_patterns=n_patterns,
        patterns=patterns,
        dropped=dict(data.dropped),
    )


def _method(options: FitOptions) -> str:
    parts = [options.estimator]
    if options.fiml:
        parts.append("FIML")
    if options.group is not None:
        parts.append(f"multigroup ({options.group})")
    return ", ".join(parts)


def _n_clusters(data: ModelData, options: FitOptions) -> int | None:
    if options.cluster is None:
        return None
    return int(data.frames[0][options.cluster].nunique())


def _fixed_x_notes(table: ParTable, options: FitOptions) -> list[str]:
    if not any(b.ov_x for b in table.blocks):
        return []
    if options.cluster is not None:
        source = "their saturated two-level (EM) estimates"
    elif options.fiml:
        source = "the sample values of the rows used (rows missing a covariate are left out)"
    else:
        source = "the sample values"
    return [
        "exogenous covariates are fixed (fixed.x = TRUE): their variances, covariances and "
        f"means are {source} and are not counted as parameters"
    ]


def _baseline(fitted: engine.Fitted, notes: list[str]) -> engine.Fitted | None:
    try:
        return engine.fit_baseline(fitted.prepared)
    except ModelError:
        notes.append("the baseline (independence) model did not converge: CFI and TLI are NA")
        return None


def _srmr(prep: engine.Prepared, values: Array) -> tuple[float, float, float]:
    obj = prep.objective
    implied = obj.implied(values)
    if isinstance(obj, SingleLevelObjective | FIMLObjective):
        h1 = prep.h1.blocks
        srmr = srmr_single(
            [b.cov for b in h1],
            [b.mean for b in h1],
            [i.sigma for i in implied],
            [i.mu for i in implied],
            [d.n for d in prep.rows],
            prep.table.meanstructure,
        )
        return srmr, math.nan, math.nan
    within, between = srmr_two_level([b.cov for b in prep.h1.blocks], [i.sigma for i in implied])
    return within + between, within, between


def _fit_inputs(est: Estimates, options: FitOptions, notes: list[str]) -> FitInputs:
    fitted = est.fitted
    prep = fitted.prepared
    obj = prep.objective
    loglik = obj.loglik(fitted.values) - prep.h1.loglik_x
    loglik_h1 = prep.h1.loglik - prep.h1.loglik_x
    base = _baseline(fitted, notes) if options.baseline else None
    if not options.baseline:
        notes.append("the baseline model was not fitted (baseline=False): CFI and TLI are NA")
    base_chisq, base_df = math.nan, 0
    if base is not None:
        base_ll = base.prepared.objective.loglik(base.values) - prep.h1.loglik_x
        base_chisq = max(2 * (loglik_h1 - base_ll), 0.0)
        base_df = n_moments(prep.table) - base.prepared.param.nz
    srmr, within, between = _srmr(prep, fitted.values)
    inputs = FitInputs(
        loglik=loglik,
        loglik_h1=loglik_h1,
        npar=prep.param.nz,
        n_moments=n_moments(prep.table),
        n=obj.n,
        groups=prep.table.n_groups,
        baseline_chisq=base_chisq,
        baseline_df=base_df,
        srmr=srmr,
        srmr_within=within,
        srmr_between=between,
        n_clusters=None if options.cluster is None else int(obj.data.n_clusters),  # type: ignore[union-attr]
    )
    extra = _robust_columns(est, base, inputs, options, notes)
    return FitInputs(**{**inputs.__dict__, "extra": extra})


def _robust_columns(
    est: Estimates,
    base: engine.Fitted | None,
    f: FitInputs,
    options: FitOptions,
    notes: list[str],
) -> dict[str, float]:
    """Scaled (MLR) and robust (MLR, FIML) fit measures."""
    if not (options.robust or options.fiml) or est.hessian is None or base is None:
        return {}
    chisq = max(2 * (f.loglik_h1 - f.loglik), 0.0)
    df = f.n_moments - f.npar
    out: dict[str, float] = {}
    c = c_b = math.nan
    if options.robust:
        observed = options.information == "observed"
        scaled = robust.yuan_bentler(est.fitted, est.hessian, df, observed)
        c = scaled.scaling_factor
        hb = _information(base, options.information, notes)
        base_scaled = None if hb is None else robust.yuan_bentler(base, hb, f.baseline_df, observed)
        c_b = math.nan if base_scaled is None else base_scaled.scaling_factor
        out.update(
            scaled_measures(chisq, df, f.baseline_chisq, f.baseline_df, f.n, f.groups, c, c_b)
        )
        out.update(
            scaling_factor_h1=scaled.scaling_factor_h1, scaling_factor_h0=scaled.scaling_factor_h0
        )
    if options.fiml:
        corr = robust.fiml_corrected(
            est.fitted, base, df, f.baseline_df, options.robust, options.information == "observed"
        )
        x3, c3, x3_null, c3_null = corr.chisq, corr.c_hat, corr.chisq_null, corr.c_hat_null
    else:
        x3, c3, x3_null, c3_null = chisq, c, f.baseline_chisq, c_b
    out.update(robust_measures(x3, df, x3_null, f.baseline_df, f.n, f.groups, c3, c3_null))
    return out


def _vcov_frame(param: Any, vcov_theta: Array | None) -> pd.DataFrame:
    names = parameter_names(param.table, param.free_rows)
    keep = [k for k, n in enumerate(names) if n not in names[:k]]
    labels = [names[k] for k in keep]
    if vcov_theta is None:
        return pd.DataFrame(np.nan, index=labels, columns=labels)
    return pd.DataFrame(vcov_theta[np.ix_(keep, keep)], index=labels, columns=labels)


def _partable_frame(table: ParTable, est_table: pd.DataFrame) -> pd.DataFrame:
    frame = table.to_frame()
    frame["est"] = est_table["estimate"].to_numpy()
    frame["se"] = est_table["se"].to_numpy()
    return frame


def _block_key(table: ParTable, block: int, labels: tuple[object, ...]) -> str:
    info = table.blocks[block]
    if table.n_levels > 1:
        return f"level{info.level}"
    if table.n_groups > 1:
        return str(labels[info.group - 1])
    return "all"


def _moments(names: list[str], cov: Array, mean: Array) -> dict[str, Any]:
    return {
        "cov": pd.DataFrame(cov, index=names, columns=names),
        "mean": pd.Series(mean, index=names),
    }


def _implied(
    prep: engine.Prepared, fitted: engine.Fitted, labels: tuple[object, ...]
) -> dict[str, dict[str, Any]]:
    implied = prep.objective.implied(fitted.values)
    return {
        _block_key(prep.table, k, labels): _moments(list(b.info.ov), imp.sigma, imp.mu)
        for k, (b, imp) in enumerate(zip(prep.objective.blocks, implied, strict=True))
    }


def _h1_moments(prep: engine.Prepared, labels: tuple[object, ...]) -> dict[str, dict[str, Any]]:
    return {
        _block_key(prep.table, k, labels): _moments(list(m.names), m.cov, m.mean)
        for k, m in enumerate(prep.h1.blocks)
    }
