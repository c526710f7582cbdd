"""Estimation: sample statistics, the saturated model, the optimum and the information matrix.

:func:`prepare` builds the objective of a parameter table on complete data (single level, or
two levels when ``cluster`` is given) together with the saturated (H1) moments of each block;
:func:`estimate` minimises it; :func:`information` returns the expected or observed information
of the estimated parameters; :func:`fit_baseline` fits lavaan's independence model.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ...exceptions import ModelError
from .derivatives import casewise_information
from .moments import TwoLevelData, single_level_moments, two_level_data
from .objective import FIMLObjective, SingleLevelObjective, TwoLevelObjective
from .optimize import OptimResult, fd_jacobian_many, newton_minimize
from .parameters import Parameterization, build_parameterization, start_theta
from .partable import BlockInfo, ParRow, ParTable
from .ram import RamBlock
from .saturated import PatternData, em_saturated
from .twolevel import Layout, fit_saturated

__all__ = [
    "H1",
    "BlockMoments",
    "Fitted",
    "Prepared",
    "baseline_table",
    "estimate",
    "fit_baseline",
    "information",
    "prepare",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BlockMoments:
    """Covariance matrix and means of one block's observed variables (block order)."""

    names: tuple[str, ...]
    cov: Array
    mean: Array

    def cov_of(self, a: str, b: str) -> float:
        return float(self.cov[self.names.index(a), self.names.index(b)])

    def mean_of(self, a: str) -> float:
        return float(self.mean[self.names.index(a)])


@dataclass(frozen=True)
class H1:
    """The saturated model: moments per block and its log-likelihood."""

    blocks: tuple[BlockMoments, ...]
    loglik: float
    em_iterations: int = 0
    loglik_x: float = 0.0


@dataclass(frozen=True)
class Prepared:
    """A parameter table with its objective and saturated moments, ready to estimate."""

    table: ParTable
    objective: SingleLevelObjective | TwoLevelObjective | FIMLObjective
    h1: H1
    param: Parameterization
    rows: tuple[PatternData, ...] = ()


@dataclass(frozen=True)
class Fitted:
    """The optimum of a :class:`Prepared` model."""

    prepared: Prepared
    z: Array
    values: Array
    optim: OptimResult

    @property
    def fmin(self) -> float:
        return self.optim.value


def _ram_blocks(table: ParTable) -> list[RamBlock]:
    return [RamBlock.from_rows(info, table.rows) for info in table.blocks]


def _fixed_values(table: ParTable, h1: H1) -> Array:
    """Values of the fixed rows: their ``ustart``, else (exogenous moments) the H1 value."""
    out = np.full(len(table.rows), np.nan)
    for k, r in enumerate(table.rows):
        if r.free:
            continue
        if not math.isnan(r.ustart):
            out[k] = r.ustart
            continue
        m = h1.blocks[r.block - 1]
        out[k] = m.cov_of(r.lhs, r.rhs) if r.op == "~~" else m.mean_of(r.lhs)
    return out


def prepare(
    table: ParTable,
    data: pd.DataFrame | Sequence[pd.DataFrame],
    cluster: str | None = None,
    *,
    fiml: bool = False,
) -> Prepared:
    """Objective and H1 moments of ``table`` on ``data`` (one frame, or one frame per group).

    Listwise (``fiml=False``) the rows must be complete; with ``fiml=True`` they may have
    missing values (but none missing every variable) and the objective is the casewise
    likelihood, with the saturated moments estimated by EM.
    """
    frames = [data] if isinstance(data, pd.DataFrame) else list(data)
    if cluster is not None:
        return _prepare_two_level(table, frames[0], cluster)
    blocks = _ram_blocks(table)
    rows = tuple(
        PatternData.build(info.ov, frame.loc[:, list(info.ov)].to_numpy(dtype=float))
        for info, frame in zip(table.blocks, frames, strict=True)
    )
    loglik_x = sum(
        _loglik_x(frame, list(info.ov_x)) for info, frame in zip(table.blocks, frames, strict=True)
    )
    objective: SingleLevelObjective | TwoLevelObjective | FIMLObjective
    if fiml:
        sats = [em_saturated(d) for d in rows]
        objective = FIMLObjective(blocks, rows, len(table.rows))
        h1 = H1(
            blocks=tuple(
                BlockMoments(d.names, s.sigma, s.mu) for d, s in zip(rows, sats, strict=True)
            ),
            loglik=float(sum(s.loglik for s in sats)),
            em_iterations=max(s.iterations for s in sats),
            loglik_x=loglik_x,
        )
    else:
        moments = [
            single_level_moments(frame, info.ov)
            for info, frame in zip(table.blocks, frames, strict=True)
        ]
        objective = SingleLevelObjective(blocks, moments, table.meanstructure, len(table.rows))
        h1 = H1(
            blocks=tuple(BlockMoments(m.names, m.cov, m.mean) for m in moments),
            loglik=objective.loglik_h1(),
            loglik_x=loglik_x,
        )
    param = build_parameterization(table, _fixed_values(table, h1))
    return Prepared(table=table, objective=objective, h1=h1, param=param, rows=rows)


def _prepare_two_level(table: ParTable, data: pd.DataFrame, cluster: str) -> Prepared:
    blocks = _ram_blocks(table)
    ov1, ov2 = table.blocks[0].ov, table.blocks[1].ov
    z_names = tuple(v for v in ov2 if v not in ov1)
    tl = two_level_data(data, cluster, ov1, z_names)
    layout = Layout.build(ov1, ov2)
    both = np.asarray([v in ov2 for v in ov1], dtype=bool)
    sat = fit_saturated(tl, layout, both)
    h1 = H1(
        blocks=(
            BlockMoments(ov1, sat.sigma_w, sat.mu_w),
            BlockMoments(ov2, sat.sigma_b, sat.mu_b),
        ),
        loglik=sat.loglik,
        em_iterations=sat.iterations,
        loglik_x=_loglik_x(data, [v for v in table.blocks[0].ov_x if v not in ov2])
        + _loglik_x_between(tl, [v for v in table.blocks[1].ov_x if v not in ov1]),
    )
    objective = TwoLevelObjective(blocks, tl, layout, len(table.rows))
    param = build_parameterization(table, _fixed_values(table, h1))
    return Prepared(table=table, objective=objective, h1=h1, param=param)


def _loglik_x(data: pd.DataFrame, names: list[str]) -> float:
    """Saturated log-likelihood of the fixed covariates over all rows (lavaan subtracts it
    with fixed.x); :func:`_loglik_x_between` for between-only covariates."""
    if not names:
        return 0.0
    return _saturated_loglik(data.loc[:, list(dict.fromkeys(names))].to_numpy(dtype=float))


def _loglik_x_between(tl: TwoLevelData, names: list[str]) -> float:
    """:func:`_loglik_x` of between-only covariates: over their values, one per cluster (the
    cluster summaries of the two-level data)."""
    if not names:
        return 0.0
    x = tl.z[:, [tl.z_names.index(v) for v in dict.fromkeys(names)]]
    return _saturated_loglik(x)


def _saturated_loglik(x: Array) -> float:
    n, p = x.shape
    c = x - x.mean(axis=0)
    logdet = float(np.linalg.slogdet(c.T @ c / n)[1])
    return float(-n / 2 * (p * math.log(2 * math.pi) + logdet + p))


def _start_z(prep: Prepared) -> Array:
    cov = [
        {a: {b: float(m.cov[i, j]) for j, b in enumerate(m.names)} for i, a in enumerate(m.names)}
        for m in prep.h1.blocks
    ]
    mean = [{a: float(m.mean[i]) for i, a in enumerate(m.names)} for m in prep.h1.blocks]
    theta = start_theta(prep.table, prep.param.free_rows, cov, mean)
    z = prep.param.z_from_theta(theta)
    if math.isfinite(prep.objective.value(prep.param.values(z))):
        return z
    # a second try: residual and latent variances at the full variance / 1
    for k, pos in enumerate(prep.param.free_rows):
        r = prep.table.rows[pos]
        if r.op == "~~" and r.lhs == r.rhs:
            theta[k] = 2 * theta[k] if r.lhs not in prep.table.blocks[r.block - 1].lv else 1.0
    return prep.param.z_from_theta(theta)


def estimate(prep: Prepared, *, max_iter: int = 500, start: Array | None = None) -> Fitted:
    """Minimise the objective of ``prep`` (from ``start``, else lavaan's simple start values).

    Raises
    ------
    ModelError
        The start values are not admissible or the optimiser did not converge.
    """
    param, obj = prep.param, prep.objective

    def fun(z: Array) -> float:
        return obj.value(param.values(z))

    def grad(z: Array) -> Array:
        return param.grad_z(obj.gradient(param.values(z)))

    if isinstance(obj, SingleLevelObjective):

        def far(z: Array) -> Array:
            return _expected_z(prep, z)

        def observed(z: Array) -> Array:
            return 2 / obj.n * _casewise_z(prep, z, "observed")

    elif isinstance(obj, FIMLObjective):

        def far(z: Array) -> Array:
            return 2 / obj.n * _casewise_z(prep, z, "expected")

        def observed(z: Array) -> Array:
            return 2 / obj.n * _casewise_z(prep, z, "observed")

    else:  # two levels: the finite-difference Hessian, its 2 nz gradient probes in one pass

        def observed(z: Array) -> Array:
            h = fd_jacobian_many(functools.partial(_grad_z_many, prep), z, h=1e-5, points=3)
            return np.asarray((h + h.T) / 2)

        far = observed

    z_start = _start_z(prep) if start is None else np.asarray(start, dtype=float)
    if param.nz == 0:
        z0 = np.zeros(0)
        res = OptimResult(z0, fun(z0), np.zeros(0), 0, True, "no free parameters")
    else:
        quasi = isinstance(obj, TwoLevelObjective)  # its Hessian is 2 q gradients
        res = newton_minimize(
            fun, grad, far, z_start, hess_near=observed, max_iter=max_iter, quasi=quasi
        )
    if not res.converged:
        raise ModelError(
            f"the model did not converge ({res.message} after {res.iterations} iterations; "
            f"largest gradient {np.max(np.abs(res.gradient), initial=0.0):.2g}). Check that the "
            "model is identified (every latent variable has a scale, enough indicators), that "
            "the variables are on comparable scales (rescale very large ones), or simplify it"
        )
    return Fitted(prepared=prep, z=res.z, values=param.values(res.z), optim=res)


def _expected_z(prep: Prepared, z: Array) -> Array:
    obj = prep.objective
    if not isinstance(obj, SingleLevelObjective):
        raise ModelError("the expected information is implemented for single-level models only")
    rows = obj.expected_hessian(prep.param.values(z))
    fr = prep.param.free_rows
    k = prep.param.k
    return np.asarray(k.T @ rows[np.ix_(fr, fr)] @ k)


def _casewise_z(prep: Prepared, z: Array, kind: str) -> Array:
    obj = prep.objective
    if isinstance(obj, TwoLevelObjective):  # pragma: no cover - callers check
        raise ModelError("the casewise information is for single-level models")
    ms = isinstance(obj, FIMLObjective) or prep.table.meanstructure
    return casewise_information(prep.param, obj.blocks, prep.rows, z, kind, ms)


def information(fit: Fitted, kind: str) -> Array:
    """Information matrix of ``z`` (``-log L`` scale): ``"expected"`` or ``"observed"``.

    In one level the observed information is the analytic Hessian of the (casewise)
    likelihood in the moments plus the model's curvature (see :mod:`.derivatives`); in two
    levels it is the five-point finite difference of the analytic gradient.
    """
    prep = fit.prepared
    scale = prep.objective.n / 2
    if isinstance(prep.objective, FIMLObjective) or (
        isinstance(prep.objective, SingleLevelObjective) and kind == "observed"
    ):
        return _casewise_z(prep, fit.z, kind)
    if kind == "expected":
        return scale * _expected_z(prep, fit.z)

    h = fd_jacobian_many(functools.partial(_grad_z_many, prep), fit.z)
    return np.asarray(scale * (h + h.T) / 2)


def _grad_z_many(prep: Prepared, zs: Array) -> Array:
    """Gradient of the two-level objective in ``z`` at a stack of points (B, nz)."""
    obj, param = prep.objective, prep.param
    if not isinstance(obj, TwoLevelObjective):  # pragma: no cover - callers check
        raise ModelError("the stacked gradient is implemented for two-level models only")
    values = np.stack([param.values(z) for z in zs])
    return np.asarray(obj.gradient_many(values)[:, param.free_rows] @ param.k)


def baseline_table(table: ParTable) -> ParTable:
    """lavaan's independence model of ``table``: variances only (and means).

    Exogenous covariates keep their fixed moments (with ``fixed_x=False`` their covariances
    stay free, as in lavaan's baseline, so the baseline differs from the model only in the
    relations it is meant to test); in a two-level model the level-1 means are
    fixed at their saturated values and the level-2 means are free.
    """
    rows: list[ParRow] = []
    n_free = 0

    def add(info: BlockInfo, lhs: str, op: str, rhs: str, free: bool, exo: int = 0) -> None:
        nonlocal n_free
        n_free += free
        rows.append(
            ParRow(
                id=len(rows) + 1,
                lhs=lhs,
                op=op,
                rhs=rhs,
                user=1,
                block=info.block,
                group=info.group,
                level=info.level,
                free=n_free if free else 0,
                ustart=math.nan,
                exo=exo,
            )
        )

    blocks = []
    for info in table.blocks:
        plain = BlockInfo(info.block, info.group, info.level, info.ov, info.ov_x, ())
        blocks.append(plain)
        free_x = info.ov_x_free
        for v in info.ov_nox:
            if v not in free_x:
                add(plain, v, "~~", v, True)
        x = info.ov_x or free_x
        for i in range(len(x)):
            for j in range(i, len(x)):
                add(plain, x[i], "~~", x[j], not info.ov_x, int(bool(info.ov_x)))
        if table.meanstructure:
            level1 = table.n_levels > 1 and info.level == 1
            for v in info.ov:
                add(plain, v, "~1", "", not level1 and v not in info.ov_x, int(v in info.ov_x))
    return ParTable(
        rows=tuple(rows),
        blocks=tuple(blocks),
        n_levels=table.n_levels,
        n_groups=table.n_groups,
        meanstructure=table.meanstructure,
        fixed_x=table.fixed_x,
    )


def fit_baseline(prep: Prepared) -> Fitted:
    """Fit the independence model on the data (and H1 moments) of ``prep``."""
    table = baseline_table(prep.table)
    blocks = _ram_blocks(table)
    obj = prep.objective
    objective: SingleLevelObjective | TwoLevelObjective | FIMLObjective
    if isinstance(obj, SingleLevelObjective):
        objective = SingleLevelObjective(blocks, obj.moments, table.meanstructure, len(table.rows))
    elif isinstance(obj, FIMLObjective):
        objective = FIMLObjective(blocks, obj.data, len(table.rows))
    else:
        objective = TwoLevelObjective(blocks, obj.data, obj.layout, len(table.rows))
    param = build_parameterization(table, _fixed_values(table, prep.h1))
    base = Prepared(table=table, objective=objective, h1=prep.h1, param=param, rows=prep.rows)
    return estimate(base)
