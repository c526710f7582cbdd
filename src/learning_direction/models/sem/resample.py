"""Nonparametric bootstrap intervals for the defined parameters (``:=``) of a fitted model.

Rows are resampled with replacement through the toolkit's resampling engine
(:func:`~learning_direction.models.bootstrap.run_bootstrap`: frequency weights drawn from a
``numpy.random.SeedSequence``, so a seed gives the same resamples whatever the chunking); each
resample is the data with every row repeated its weight's number of times, refitted from the
full-sample estimates, and its defined parameters computed. Intervals are percentile intervals
(``boot::boot.ci(type = "perc")``; lavaan's ``se = "bootstrap"`` with
``parameterEstimates(boot.ci.type = "perc")``). A resample that does not converge counts as
singular and is left out (the notes say how many). With FIML each resample's missing-data
patterns and saturated model are recomputed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ...exceptions import ModelError
from ..bootstrap import confidence_interval, run_bootstrap
from .fitting import estimate_model
from .options import FitOptions
from .partable import ParTable
from .result import SEMResult
from .sampledata import ModelData
from .tables import defined_values

__all__ = ["bootstrap_defined"]

Array = NDArray[np.float64]


def bootstrap_defined(
    result: SEMResult, table: ParTable, data: ModelData, options: FitOptions
) -> SEMResult:
    """``result`` with bootstrap percentile intervals for its defined parameters.

    Raises
    ------
    ModelError
        The model has no defined parameters.
    """
    if not table.definitions:
        raise ModelError(
            "bootstrap= gives intervals for defined parameters (':='), and the model has none; "
            "add one (e.g. 'ind := a*b') or leave bootstrap=None"
        )
    state = result.state
    if state is None or options.bootstrap is None:  # pragma: no cover - run() sets both
        return result
    frame = data.frames[0]
    start = state.z
    refit = dataclasses.replace(options, se="none", bootstrap=None)
    labels = tuple(d.name for d in table.definitions)

    def statistic(weights: Array) -> Array:
        out = np.full((weights.shape[0], len(labels)), np.nan)
        for b, w in enumerate(weights):
            rows = np.repeat(np.arange(len(frame)), w.astype(int))
            sample = ModelData((frame.iloc[rows],), data.labels, len(rows))
            try:
                est = estimate_model(table, sample, refit, start=start)
            except (ModelError, np.linalg.LinAlgError, ValueError):
                continue
            param = est.fitted.prepared.param
            out[b] = defined_values(param, param.theta(est.fitted.z))
        return out

    boot = run_bootstrap(
        statistic, len(frame), n_boot=options.bootstrap, seed=options.seed, labels=labels
    )
    est_table = result.table.copy()
    defined = est_table["op"] == ":="
    estimate = est_table.loc[defined, "estimate"].to_numpy(dtype=float)
    low, high = confidence_interval(
        boot.valid, estimate, method="percentile", level=options.ci_level
    )
    est_table.loc[defined, "ci_low"] = low
    est_table.loc[defined, "ci_high"] = high
    notes = list(result.notes)
    notes.append(
        f"intervals of the defined parameters: bootstrap percentile, {boot.n_boot} resamples of "
        f"rows (seed {boot.seed})"
        + (
            f"; {boot.n_singular} resamples did not converge and were left out"
            if boot.n_singular
            else ""
        )
    )
    draws = pd.DataFrame(boot.draws, columns=list(labels))
    return dataclasses.replace(
        result,
        table=est_table,
        notes=tuple(notes),
        n_boot=boot.n_boot,
        seed=boot.seed,
        boot_draws=draws,
    )
