"""The completely standardised solution (lavaan's ``standardizedSolution(type = "std.all")``).

Within each block, with ``v`` the model-implied total variances of all (observed and latent)
variables and ``s`` the diagonal of ``S`` (residual variances, or variances of exogenous
variables):

* loadings ``f =~ y`` and regressions ``y ~ x``: ``est * sqrt(v_rhs_side / v_lhs_side)``
  (predictor over outcome);
* variances: ``est / v``; covariances: ``est / sqrt(s_i s_j)`` (residual correlations, as
  lavaan's ``cov.std = TRUE``);
* intercepts and means: ``est / sqrt(v)``;
* defined parameters: their formula applied to the standardised values.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .parameters import label_environment
from .partable import ParTable
from .ram import RamBlock

__all__ = ["std_all"]

Array = NDArray[np.float64]


def _ratio(num: float, den: float) -> float:
    if den <= 0 or not math.isfinite(den):
        return math.nan
    return num / den


def _sd_ratio(num: float, den: float) -> float:
    """``sqrt(num / den)``, NaN when either variance is not positive (a Heywood case)."""
    if num < 0 or den <= 0:
        return math.nan
    return math.sqrt(num / den)


def std_all(table: ParTable, blocks: list[RamBlock], values: Array) -> tuple[Array, Array]:
    """Standardised values of the table's rows and of its defined parameters."""
    out = np.full(len(table.rows), np.nan)
    for block in blocks:
        imp = block.implied(values)
        _, s, _ = block.matrices(values)
        var = np.diag(imp.sigma_all)
        res = np.diag(s)
        where = {v: k for k, v in enumerate(block.names)}
        for pos in block.rows:
            r = table.rows[pos]
            est = float(values[pos])
            i = where[r.lhs]
            if r.op == "=~":
                out[pos] = est * _sd_ratio(var[i], var[where[r.rhs]])
            elif r.op == "~":
                out[pos] = est * _sd_ratio(var[where[r.rhs]], var[i])
            elif r.op == "~1":
                out[pos] = est * _sd_ratio(1.0, var[i])
            elif r.lhs == r.rhs:
                out[pos] = _ratio(est, var[i])
            else:
                j = where[r.rhs]
                prod = res[i] * res[j]
                out[pos] = _ratio(est, math.sqrt(prod)) if prod > 0 else math.nan
    env = label_environment(table, out)
    defined = np.asarray([float(env[d.name]) for d in table.definitions], dtype=float)
    return out, defined
