"""The function the estimator minimises: ``f = -2 log L / N`` (up to a constant), per design.

Both objectives work on the vector of parameter-table row values and return ``f``, its
gradient with respect to every row, the implied moments of each block and the
log-likelihood. With ``N`` the number of (level-1) rows, ``-log L = N f / 2 + const``, so the
information matrix of the parameters is ``N / 2`` times the Hessian of ``f``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from .moments import SampleMoments, TwoLevelData
from .ram import Implied, RamBlock
from .saturated import PatternData
from .singlelevel import Discrepancy, ml_discrepancy, ml_expected_hessian
from .twolevel import Layout, TwoLevelValue, minus2_loglik, minus2_loglik_many

__all__ = ["FIMLObjective", "Objective", "SingleLevelObjective", "TwoLevelObjective"]

Array = NDArray[np.float64]
LOG_2PI = math.log(2 * math.pi)


class Objective(Protocol):
    """What the estimator needs from a likelihood."""

    n: int
    blocks: Sequence[RamBlock]

    def value(self, values: Array) -> float: ...

    def gradient(self, values: Array) -> Array: ...

    def implied(self, values: Array) -> list[Implied]: ...

    def loglik(self, values: Array) -> float: ...


@dataclass(frozen=True)
class SingleLevelObjective:
    """ML for complete data in one or more groups: ``f = sum_g (n_g / N) F_ML,g``."""

    blocks: Sequence[RamBlock]
    moments: Sequence[SampleMoments]
    meanstructure: bool
    n_rows: int

    @property
    def n(self) -> int:
        return sum(m.n for m in self.moments)

    def _logdet_s(self, g: int) -> float:
        return float(np.linalg.slogdet(self.moments[g].cov)[1])

    def implied(self, values: Array) -> list[Implied]:
        return [b.implied(values) for b in self.blocks]

    def _parts(self, values: Array) -> list[tuple[float, Implied, Discrepancy]] | None:
        out = []
        for g, block in enumerate(self.blocks):
            imp = block.implied(values)
            mu = imp.mu if self.meanstructure else None
            disc = ml_discrepancy(self.moments[g], imp.sigma, mu, self._logdet_s(g))
            if disc is None:
                return None
            out.append((self.moments[g].n / self.n, imp, disc))
        return out

    def value(self, values: Array) -> float:
        parts = self._parts(values)
        if parts is None:
            return math.inf
        return float(sum(w * d.value for w, _, d in parts))

    def gradient(self, values: Array) -> Array:
        out = np.zeros(self.n_rows)
        parts = self._parts(values)
        if parts is None:
            return out * math.nan
        for (w, imp, d), block in zip(parts, self.blocks, strict=True):
            g_mu = None if d.g_mu is None else w * d.g_mu
            out[block.rows] += block.gradient(imp, w * d.g_sigma, g_mu)
        return out

    def expected_hessian(self, values: Array) -> Array:
        """Expected Hessian of ``f`` with respect to the row values (rows x rows)."""
        out = np.zeros((self.n_rows, self.n_rows))
        for g, block in enumerate(self.blocks):
            imp = block.implied(values)
            d_sigma, d_mu = block.jacobian(imp)
            h = ml_expected_hessian(imp.sigma, d_sigma, d_mu if self.meanstructure else None)
            out[np.ix_(block.rows, block.rows)] += self.moments[g].n / self.n * h
        return out

    def loglik(self, values: Array) -> float:
        return self.loglik_h1() - self.n * self.value(values) / 2

    def loglik_h1(self) -> float:
        """Log-likelihood of the saturated model (sample moments)."""
        total = 0.0
        for g, m in enumerate(self.moments):
            p = len(m.names)
            total -= m.n / 2 * (self._logdet_s(g) + p + p * LOG_2PI)
        return total


@dataclass(frozen=True)
class TwoLevelObjective:
    """Two-level ML for unbalanced clusters: ``f = -2 log L / N`` (exact, all constants)."""

    blocks: Sequence[RamBlock]
    data: TwoLevelData
    layout: Layout
    n_rows: int

    @property
    def n(self) -> int:
        return self.data.n

    def implied(self, values: Array) -> list[Implied]:
        return [b.implied(values) for b in self.blocks]

    _last: list[tuple[bytes, Implied, Implied, TwoLevelValue | None]] = field(
        default_factory=list, init=False, repr=False, compare=False
    )

    def _evaluate(self, values: Array) -> tuple[Implied, Implied, TwoLevelValue | None]:
        """Implied moments and ``-2 log L`` with its gradients, kept for the last point: the
        minimiser asks for the gradient where the line search has just taken the value."""
        key = values.tobytes()
        last = self._last[-1] if self._last else None
        if last is not None and last[0] == key:
            return last[1], last[2], last[3]
        w, b = self.implied(values)
        out = minus2_loglik(self.data, self.layout, w.sigma, w.mu, b.sigma, b.mu)
        self._last[:] = [(key, w, b, out)]
        return w, b, out

    def value(self, values: Array) -> float:
        out = self._evaluate(values)[2]
        return math.inf if out is None else out.value / self.n

    def gradient(self, values: Array) -> Array:
        w, b, out = self._evaluate(values)
        grad = np.zeros(self.n_rows)
        if out is None:
            return grad * math.nan
        within, between = self.blocks
        scale = 1.0 / self.n
        grad[within.rows] += within.gradient(w, scale * out.g_sigma_w, scale * out.g_mu_w)
        grad[between.rows] += between.gradient(b, scale * out.g_sigma_b, scale * out.g_mu_b)
        return grad

    def gradient_many(self, values: Array) -> Array:
        """:meth:`gradient` at a stack of row-value vectors (B, rows), in one stacked pass.

        Row ``b`` equals ``gradient(values[b])`` up to rounding (NaN where undefined).
        """
        within, between = self.blocks
        w, b = within.implied_many(values), between.implied_many(values)
        out = minus2_loglik_many(self.data, self.layout, w.sigma, w.mu, b.sigma, b.mu)
        scale = 1.0 / self.n
        grad = np.zeros((values.shape[0], self.n_rows))
        grad[:, within.rows] += within.gradient_stack(w, scale * out.g_sigma_w, scale * out.g_mu_w)
        grad[:, between.rows] += between.gradient_stack(
            b, scale * out.g_sigma_b, scale * out.g_mu_b
        )
        grad[out.bad] = math.nan
        return grad

    def loglik(self, values: Array) -> float:
        return -self.n * self.value(values) / 2


@dataclass(frozen=True)
class FIMLObjective:
    """Full-information ML (casewise likelihood) in one or more groups: ``f = -2 log L / N``.

    Each group's rows are summarised by missing-data pattern
    (:class:`~learning_direction.models.sem.saturated.PatternData`); the mean structure is
    always part of the model.
    """

    blocks: Sequence[RamBlock]
    data: Sequence[PatternData]
    n_rows: int

    @property
    def n(self) -> int:
        return sum(d.n for d in self.data)

    def implied(self, values: Array) -> list[Implied]:
        return [b.implied(values) for b in self.blocks]

    def value(self, values: Array) -> float:
        total = 0.0
        for block, data in zip(self.blocks, self.data, strict=True):
            imp = block.implied(values)
            out = data.minus2_loglik(imp.sigma, imp.mu)
            if out is None:
                return math.inf
            total += out[0]
        return total / self.n

    def gradient(self, values: Array) -> Array:
        grad = np.zeros(self.n_rows)
        scale = 1.0 / self.n
        for block, data in zip(self.blocks, self.data, strict=True):
            imp = block.implied(values)
            out = data.minus2_loglik(imp.sigma, imp.mu)
            if out is None:
                return grad * math.nan
            grad[block.rows] += block.gradient(imp, scale * out[1], scale * out[2])
        return grad

    def loglik(self, values: Array) -> float:
        return -self.n * self.value(values) / 2
