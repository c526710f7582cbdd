"""From free parameters to parameter-table values: equality constraints, labels, defined values.

The free rows of the table form ``theta`` (lavaan's ``free`` numbering). Rows sharing a label,
and linear ``==`` constraints, restrict ``theta`` to ``C theta = d``; the engine estimates the
unconstrained coordinates ``z`` of ``theta = theta0 + K z`` (``K`` an orthonormal basis of the
null space of ``C``), so every constraint holds exactly and the covariance matrix of ``theta``
is ``K Cov(z) K'`` (the same as lavaan's augmented-information result for linear constraints).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from ...exceptions import ModelError
from .partable import ParTable, label_groups

__all__ = [
    "Parameterization",
    "build_parameterization",
    "evaluate_definitions",
    "label_environment",
    "start_theta",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Parameterization:
    """The map ``z -> theta -> row values`` of a parameter table.

    Attributes
    ----------
    table : ParTable
    base : ndarray
        Row values of the fixed rows (free rows hold 0).
    free_rows : ndarray of int
        Row position of each free parameter (``theta[k]`` is row ``free_rows[k]``).
    theta0, k : ndarray
        ``theta = theta0 + k @ z``.
    """

    table: ParTable
    base: Array
    free_rows: NDArray[np.intp]
    theta0: Array
    k: Array
    tie: NDArray[np.intp] | None = None

    @property
    def nz(self) -> int:
        """Number of estimated (unconstrained) parameters: lavaan's ``npar``."""
        return int(self.k.shape[1])

    def theta(self, z: Array) -> Array:
        """``theta0 + K z``; parameters sharing a label are copied from the first of them, so
        that they are equal to the last bit."""
        theta = np.asarray(self.theta0 + self.k @ z)
        return theta if self.tie is None else theta[self.tie]

    def values_from_theta(self, theta: Array) -> Array:
        v = self.base.copy()
        v[self.free_rows] = theta
        return v

    def values(self, z: Array) -> Array:
        return self.values_from_theta(self.theta(z))

    def grad_z(self, grad_rows: Array) -> Array:
        """Gradient with respect to ``z`` from the gradient with respect to the row values."""
        return np.asarray(self.k.T @ grad_rows[self.free_rows])

    def z_from_theta(self, theta: Array) -> Array:
        return np.asarray(self.k.T @ (theta - self.theta0))


def label_environment(table: ParTable, values: Any, definitions: bool = True) -> dict[str, Any]:
    """Label (and plabel ``.pN.``) -> value, then (optionally) the defined parameters in order.

    ``values`` is a vector of row values, or a matrix with one row of values per draw (the
    environment then holds arrays, one entry per draw).
    """
    arr = np.asarray(values)
    env: dict[str, Any] = {}
    for k, r in enumerate(table.rows):
        value = arr[..., k]
        env[r.plabel] = value
        if r.label and r.label not in env:
            env[r.label] = value
    if not definitions:
        return env
    with np.errstate(all="ignore"):
        return evaluate_definitions(table, env)


def evaluate_definitions(table: ParTable, env: dict[str, Any]) -> dict[str, Any]:
    """Add each defined parameter (``:=``) to ``env``, in the order written."""
    for d in table.definitions:
        env[d.name] = d.expression.evaluate(env)
    return env


def build_parameterization(table: ParTable, fixed: Array) -> Parameterization:
    """The parameterization of ``table`` with fixed rows at ``fixed`` (NaN entries for free rows).

    Raises
    ------
    ModelError
        A constraint is not linear, or the constraints contradict each other.
    """
    free_rows = np.asarray([k for k, r in enumerate(table.rows) if r.free], dtype=np.intp)
    order = np.argsort([table.rows[k].free for k in free_rows])
    free_rows = free_rows[order]
    base = np.where(np.isnan(fixed), 0.0, fixed)
    base[free_rows] = 0.0
    npar = len(free_rows)
    c_rows, d_rows = _label_constraints(table, free_rows)
    c_user, d_user = _user_constraints(table, base, free_rows)
    c = np.vstack([c_rows, c_user]) if npar else np.zeros((0, 0))
    d = np.concatenate([d_rows, d_user])
    if c.shape[0] == 0:
        return Parameterization(table, base, free_rows, np.zeros(npar), np.eye(npar))
    theta0, *_ = np.linalg.lstsq(c, d, rcond=None)
    if np.max(np.abs(c @ theta0 - d), initial=0.0) > 1e-8 * max(1.0, float(np.max(np.abs(d)))):
        raise ModelError(
            "the equality constraints of the model contradict each other (no parameter values "
            "satisfy them all); check the '==' lines and the repeated labels"
        )
    k = scipy.linalg.null_space(c)
    tie = _ties(table, free_rows)
    return Parameterization(table, base, free_rows, np.asarray(theta0), np.asarray(k), tie)


def _ties(table: ParTable, free_rows: NDArray[np.intp]) -> NDArray[np.intp] | None:
    """For each free parameter, the first free parameter sharing its label (or itself)."""
    where = {int(r): k for k, r in enumerate(free_rows)}
    tie = np.arange(len(free_rows), dtype=np.intp)
    for positions in label_groups(table.rows).values():
        free = [where[p] for p in positions if p in where]
        tie[free] = free[0] if free else tie[free]
    return None if np.array_equal(tie, np.arange(len(free_rows))) else tie


def _label_constraints(table: ParTable, free_rows: NDArray[np.intp]) -> tuple[Array, Array]:
    where = {int(r): k for k, r in enumerate(free_rows)}
    rows = []
    for positions in label_groups(table.rows).values():
        free = [where[p] for p in positions if p in where]
        for other in free[1:]:
            row = np.zeros(len(free_rows))
            row[free[0]], row[other] = 1.0, -1.0
            rows.append(row)
    if not rows:
        return np.zeros((0, len(free_rows))), np.zeros(0)
    return np.vstack(rows), np.zeros(len(rows))


def _user_constraints(
    table: ParTable, base: Array, free_rows: NDArray[np.intp]
) -> tuple[Array, Array]:
    """``lhs == rhs`` lines as linear rows ``c theta = d`` (refusing nonlinear ones)."""
    npar = len(free_rows)
    rows, rhs = [], []
    for con in table.constraints:

        def h(theta: Array, con: Any = con) -> float:
            v = base.copy()
            v[free_rows] = theta
            env = label_environment(table, v)
            return float(con.lhs.evaluate(env) - con.rhs.evaluate(env))

        h0 = h(np.zeros(npar))
        coef = np.array([h(np.eye(npar)[j]) - h0 for j in range(npar)])
        probe = np.random.default_rng(1).normal(size=npar)
        if abs(h(probe) - (h0 + coef @ probe)) > 1e-8 * (1 + abs(h0) + float(np.abs(coef).sum())):
            raise ModelError(
                f"model syntax line {con.line}: the constraint '{con.lhs.text} == {con.rhs.text}' "
                "is not linear in the parameters; this engine supports linear equality "
                "constraints (e.g. 'a == b', 'a + b == 1', 'a == 2*b')"
            )
        if not np.any(coef):
            raise ModelError(
                f"model syntax line {con.line}: the constraint '{con.lhs.text} == "
                f"{con.rhs.text}' involves no free parameter; remove it or label a free one"
            )
        rows.append(coef)
        rhs.append(-h0)
    if not rows:
        return np.zeros((0, npar)), np.zeros(0)
    return np.vstack(rows), np.asarray(rhs)


def start_theta(
    table: ParTable,
    free_rows: NDArray[np.intp],
    cov: Sequence[Mapping[str, Mapping[str, float]]],
    mean: Sequence[Mapping[str, float]],
) -> Array:
    """Starting values of the free parameters, from each block's (H1) moments.

    lavaan's rules: half the variance for residual variances of observed variables, 0.05 for
    latent variances, 0 for regressions and covariances, the sample mean for intercepts of
    observed variables; loadings from the covariances (see :func:`_loading_starts`), else 1; a
    ``start()`` modifier overrides them.
    """
    out = np.zeros(len(free_rows))
    latent = {(b.block, v) for b in table.blocks for v in b.lv}
    loadings = _loading_starts(table, cov)
    for k, pos in enumerate(free_rows):
        r = table.rows[pos]
        b = r.block - 1
        if not np.isnan(r.ustart):
            out[k] = r.ustart
        elif r.op == "=~":
            out[k] = loadings.get(int(pos), 1.0)
        elif r.op == "~~" and r.lhs == r.rhs:
            out[k] = 0.05 if (r.block, r.lhs) in latent else 0.5 * cov[b][r.lhs][r.lhs]
        elif r.op == "~1" and (r.block, r.lhs) not in latent:
            out[k] = mean[b].get(r.lhs, 0.0)
    return out


def _loading_starts(
    table: ParTable, cov: Sequence[Mapping[str, Mapping[str, float]]]
) -> dict[int, float]:
    """Starting loadings of factors with a fixed marker and at least three observed indicators.

    With marker ``m`` (loading ``v``) the covariance of indicator ``j`` with a third indicator
    ``k`` is ``l_j / v`` times that of the marker with ``k``; ``l_j`` is the least-squares slope
    over the other indicators ``k`` (in the spirit of Hägglund's 1982 instrumental-variable
    estimates, which lavaan uses). Reverse-keyed indicators thus start with a negative
    loading, which keeps the first steps of the optimiser in a sensible region.
    """
    out: dict[int, float] = {}
    by_factor: dict[tuple[int, str], list[int]] = {}
    for pos, r in enumerate(table.rows):
        if r.op == "=~":
            by_factor.setdefault((r.block, r.lhs), []).append(pos)
    for (block, _), positions in by_factor.items():
        c = cov[block - 1]
        rows = [table.rows[p] for p in positions]
        if len(rows) < 3 or any(r.rhs not in c for r in rows) or rows[0].free:
            continue
        marker = rows[0]
        if marker.ustart == 0 or np.isnan(marker.ustart):
            continue
        for pos, r in zip(positions[1:], rows[1:], strict=True):
            others = [o.rhs for o in rows if o.rhs not in (r.rhs, marker.rhs)]
            xm = np.asarray([c[marker.rhs][k] for k in others])
            xj = np.asarray([c[r.rhs][k] for k in others])
            denom = float(xm @ xm)
            if denom > 0:
                out[pos] = marker.ustart * float(xj @ xm) / denom
    return out
