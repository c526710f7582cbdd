"""Model-implied moments of one block in the RAM form, and their derivatives.

Every block (a level of a group) is written in McArdle and McDonald's RAM form over its
observed variables followed by its latent variables (``m`` in all, ``p`` observed):

.. math::

    \\Sigma_{all} = B S B^\\top,\\quad B = (I - A)^{-1},\\quad
    \\Sigma = F \\Sigma_{all} F^\\top,\\quad \\mu = F B m

with ``A`` the directed paths (loadings ``f =~ y`` go to ``A[y, f]``, regressions ``y ~ x`` to
``A[y, x]``), ``S`` the (residual) variances and covariances, ``m`` the intercepts and ``F``
the selection of the observed variables. For a function ``f(Sigma, mu)`` with matrix gradient
``G = df/dSigma`` (elements treated as distinct) and ``g = df/dmu``, the chain rule gives

* ``df/dA[i, j] = 2 (P' G R)[i, j] + (P' g)[i] (B m)[j]``,
* ``df/dS[i, j] = 2 (P' G P)[i, j]`` (``i != j``, one parameter for both cells) and
  ``(P' G P)[i, i]`` on the diagonal,
* ``df/dm[i] = (P' g)[i]``,

where ``P = F B`` and ``R = F Sigma_all``. The same pieces give the Jacobian of the implied
moments (for the expected information).

References
----------
McArdle, J. J., & McDonald, R. P. (1984). Some algebraic properties of the Reticular Action
Model for moment structures. *British Journal of Mathematical and Statistical Psychology*, 37,
234-251.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .partable import BlockInfo, ParRow

__all__ = ["Implied", "ImpliedStack", "RamBlock"]

Array = NDArray[np.float64]

_A, _S, _M = 0, 1, 2


@dataclass(frozen=True)
class Implied:
    """Implied moments of a block and the pieces its derivatives need."""

    sigma: Array
    mu: Array
    sigma_all: Array
    b: Array
    bm: Array

    @property
    def p(self) -> int:
        return int(self.sigma.shape[0])

    @property
    def pmat(self) -> Array:
        """``P = F B``: observed rows of ``B``."""
        return self.b[: self.p, :]

    @property
    def rmat(self) -> Array:
        """``R = F Sigma_all``."""
        return self.sigma_all[: self.p, :]


@dataclass(frozen=True)
class ImpliedStack:
    """:class:`Implied` for a stack of parameter vectors: every array has a leading axis."""

    sigma: Array
    mu: Array
    sigma_all: Array
    b: Array
    bm: Array


@dataclass(frozen=True)
class RamBlock:
    """The RAM layout of one block: which parameter-table row fills which matrix cell.

    Attributes
    ----------
    info : BlockInfo
        The block's variables.
    names : tuple of str
        Observed then latent variables (the order of the rows and columns of ``A`` and ``S``).
    rows : ndarray of int
        Positions (in the parameter table) of the rows of this block that enter a matrix.
    kind, i, j : ndarray of int
        Matrix (0 = A, 1 = S, 2 = m) and cell of each of those rows.
    """

    info: BlockInfo
    names: tuple[str, ...]
    rows: NDArray[np.intp]
    kind: NDArray[np.intp]
    i: NDArray[np.intp]
    j: NDArray[np.intp]

    @classmethod
    def from_rows(cls, info: BlockInfo, table_rows: Sequence[ParRow]) -> RamBlock:
        """Lay out the rows of ``table_rows`` that belong to ``info.block``."""
        names = info.ov + info.lv
        where = {v: k for k, v in enumerate(names)}
        rows, kind, ii, jj = [], [], [], []
        for pos, r in enumerate(table_rows):
            if r.block != info.block:
                continue
            if r.op == "=~":
                cell = (_A, where[r.rhs], where[r.lhs])
            elif r.op == "~":
                cell = (_A, where[r.lhs], where[r.rhs])
            elif r.op == "~~":
                cell = (_S, where[r.lhs], where[r.rhs])
            elif r.op == "~1":
                cell = (_M, where[r.lhs], 0)
            else:
                continue
            rows.append(pos)
            kind.append(cell[0])
            ii.append(cell[1])
            jj.append(cell[2])
        return cls(
            info=info,
            names=names,
            rows=np.asarray(rows, dtype=np.intp),
            kind=np.asarray(kind, dtype=np.intp),
            i=np.asarray(ii, dtype=np.intp),
            j=np.asarray(jj, dtype=np.intp),
        )

    @property
    def p(self) -> int:
        return len(self.info.ov)

    @property
    def m(self) -> int:
        return len(self.names)

    def matrices(self, values: Array) -> tuple[Array, Array, Array]:
        """``A``, ``S`` and ``m`` filled from the parameter-table ``values``."""
        m = self.m
        a = np.zeros((m, m))
        s = np.zeros((m, m))
        mv = np.zeros(m)
        v = values[self.rows]
        sel = self.kind == _A
        a[self.i[sel], self.j[sel]] = v[sel]
        sel = self.kind == _S
        s[self.i[sel], self.j[sel]] = v[sel]
        s[self.j[sel], self.i[sel]] = v[sel]
        sel = self.kind == _M
        mv[self.i[sel]] = v[sel]
        return a, s, mv

    def implied(self, values: Array) -> Implied:
        """Implied covariance matrix and mean vector of the observed variables."""
        a, s, mv = self.matrices(values)
        b: Array = np.asarray(np.linalg.inv(np.eye(self.m) - a), dtype=float)
        sigma_all = b @ s @ b.T
        bm = b @ mv
        p = self.p
        sigma = sigma_all[:p, :p]
        return Implied(sigma=(sigma + sigma.T) / 2, mu=bm[:p], sigma_all=sigma_all, b=b, bm=bm)

    def gradient(self, imp: Implied, g_sigma: Array, g_mu: Array | None) -> Array:
        """d f / d(row value) for this block's rows, from ``G = df/dSigma`` and ``g = df/dmu``."""
        pm, rm = imp.pmat, imp.rmat
        pg = pm.T @ g_sigma
        m_a = 2.0 * (pg @ rm)
        m_s = pg @ pm
        out = np.empty(len(self.rows))
        sel = self.kind == _A
        out[sel] = m_a[self.i[sel], self.j[sel]]
        sel = self.kind == _S
        off = self.i[sel] != self.j[sel]
        out[sel] = m_s[self.i[sel], self.j[sel]] * np.where(off, 2.0, 1.0)
        sel_m = self.kind == _M
        if g_mu is None:
            out[sel_m] = 0.0
            return out
        pgm = pm.T @ g_mu
        sel = self.kind == _A
        out[sel] += pgm[self.i[sel]] * imp.bm[self.j[sel]]
        out[sel_m] = pgm[self.i[sel_m]]
        return out

    def implied_many(self, values: Array) -> ImpliedStack:
        """:meth:`implied` at a stack of row-value vectors (B, rows), on (B, m, m) stacks."""
        nb, m, p = values.shape[0], self.m, self.p
        a = np.zeros((nb, m, m))
        s = np.zeros((nb, m, m))
        mv = np.zeros((nb, m))
        v = values[:, self.rows]
        sel_a, sel_s, sel_m = self.kind == _A, self.kind == _S, self.kind == _M
        a[:, self.i[sel_a], self.j[sel_a]] = v[:, sel_a]
        s[:, self.i[sel_s], self.j[sel_s]] = v[:, sel_s]
        s[:, self.j[sel_s], self.i[sel_s]] = v[:, sel_s]
        mv[:, self.i[sel_m]] = v[:, sel_m]
        b: Array = np.asarray(np.linalg.inv(np.eye(m) - a), dtype=float)
        sigma_all = b @ s @ np.swapaxes(b, 1, 2)
        bm = (b @ mv[:, :, None])[:, :, 0]
        sigma = sigma_all[:, :p, :p]
        return ImpliedStack(
            sigma=(sigma + np.swapaxes(sigma, 1, 2)) / 2,
            mu=bm[:, :p],
            sigma_all=sigma_all,
            b=b,
            bm=bm,
        )

    def gradient_stack(self, imp: ImpliedStack, g_sigma: Array, g_mu: Array | None) -> Array:
        """:meth:`gradient` at every implied moment of a stack: (B, rows).

        ``g_sigma`` is one (p, p) matrix for all, or one per member (B, p, p); ``g_mu`` likewise
        (p,) or (B, p).
        """
        p = self.p
        pm = imp.b[:, :p, :]
        rm = imp.sigma_all[:, :p, :]
        pmt = np.swapaxes(pm, 1, 2)
        pg = pmt @ g_sigma
        m_a = 2.0 * (pg @ rm)
        m_s = pg @ pm
        sel_a, sel_s, sel_m = self.kind == _A, self.kind == _S, self.kind == _M
        out = np.empty((pm.shape[0], len(self.rows)))
        out[:, sel_a] = m_a[:, self.i[sel_a], self.j[sel_a]]
        off = self.i[sel_s] != self.j[sel_s]
        out[:, sel_s] = m_s[:, self.i[sel_s], self.j[sel_s]] * np.where(off, 2.0, 1.0)
        if g_mu is None:
            out[:, sel_m] = 0.0
            return out
        pgm = pmt @ g_mu if g_mu.ndim == 1 else (pmt @ g_mu[:, :, None])[:, :, 0]
        out[:, sel_a] += pgm[:, self.i[sel_a]] * imp.bm[:, self.j[sel_a]]
        out[:, sel_m] = pgm[:, self.i[sel_m]]
        return out

    def gradient_many(self, values: Array, g_sigma: Array, g_mu: Array | None) -> Array:
        """:meth:`gradient` at a stack of row-value vectors (B, rows), for one ``(G, g)``.

        The implied moments of every vector and the chain rule, on (B, m, m) stacks; row ``b``
        of the result equals ``gradient(implied(values[b]), g_sigma, g_mu)``.
        """
        return self.gradient_stack(self.implied_many(values), g_sigma, g_mu)

    def jacobian(self, imp: Implied) -> tuple[Array, Array]:
        """Derivatives of the implied moments: ``dSigma`` (k, p, p) and ``dmu`` (k, p).

        One slice per row of this block (``k = len(rows)``), in the order of ``rows``.
        """
        pm, rm = imp.pmat, imp.rmat
        k, p = len(self.rows), self.p
        d_sigma = np.zeros((k, p, p))
        d_mu = np.zeros((k, p))
        sel = self.kind == _A
        i, j = self.i[sel], self.j[sel]
        outer = pm[:, i].T[:, :, None] * rm[:, j].T[:, None, :]
        d_sigma[sel] = outer + outer.transpose(0, 2, 1)
        d_mu[sel] = pm[:, i].T * imp.bm[j][:, None]
        sel = self.kind == _S
        i, j = self.i[sel], self.j[sel]
        outer = pm[:, i].T[:, :, None] * pm[:, j].T[:, None, :]
        d_sigma[sel] = np.where((i != j)[:, None, None], outer + outer.transpose(0, 2, 1), outer)
        sel = self.kind == _M
        d_mu[sel] = pm[:, self.i[sel]].T
        return d_sigma, d_mu
