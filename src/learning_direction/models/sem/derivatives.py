"""Derivatives of the implied moments (``Delta``) and the information of the casewise likelihood.

``Delta`` is the Jacobian of a group's moments ``(mu, vech Sigma)`` (or ``vech Sigma`` without a
mean structure) with respect to the estimated parameters ``z``. The information of
``-log L(theta) = F(m(theta))`` splits into the part through the moments and the curvature of
the model:

.. math::

    H(\\theta) = \\Delta^\\top I_F \\Delta + \\sum_j \\frac{\\partial F}{\\partial m_j}
    \\frac{\\partial^2 m_j}{\\partial\\theta\\,\\partial\\theta^\\top}

with ``I_F`` the observed (or expected) information of the unrestricted likelihood in the
moments (:mod:`~learning_direction.models.sem.saturated`). The second term is the derivative of
``theta -> Delta(theta)' dF/dm`` with ``dF/dm`` held fixed: a model-only computation (no pass
over the data), taken by central differences (step 1e-5, error about 1e-10 relative). This is the observed information
(Hessian) lavaan uses with ``missing = "ml"``; without the second term it is the information
with the moments' information matrix plugged in (lavaan's ``observed.information = "h1"``
when ``I_F`` is evaluated at the saturated moments).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from .optimize import fd_jacobian
from .parameters import Parameterization
from .ram import Implied, RamBlock
from .saturated import PatternData, vech_index

__all__ = ["block_delta", "casewise_information", "delta_z", "moment_derivatives_z"]

Array = NDArray[np.float64]


def block_delta(block: RamBlock, imp: Implied, meanstructure: bool = True) -> Array:
    """``d(mu, vech Sigma) / d(row value)`` for the block's rows: shape (moments, rows)."""
    d_sigma, d_mu = block.jacobian(imp)
    r, c = vech_index(block.p)
    ds = d_sigma[:, r, c].T
    return np.vstack([d_mu.T, ds]) if meanstructure else np.asarray(ds)


def delta_z(
    param: Parameterization,
    blocks: Sequence[RamBlock],
    values: Array,
    meanstructure: bool = True,
) -> list[Array]:
    """``Delta`` of every block with respect to the estimated parameters ``z``."""
    n_rows = len(param.table.rows)
    out = []
    for block in blocks:
        d = block_delta(block, block.implied(values), meanstructure)
        full = np.zeros((d.shape[0], n_rows))
        full[:, block.rows] = d
        out.append(np.asarray(full[:, param.free_rows] @ param.k))
    return out


def moment_derivatives_z(
    param: Parameterization, block: RamBlock, imp: Implied
) -> tuple[Array, Array]:
    """``dSigma/dz`` (nz, p, p) and ``dmu/dz`` (nz, p) of one block."""
    d_sigma, d_mu = block.jacobian(imp)
    n_rows = len(param.table.rows)
    where = np.full(n_rows, -1, dtype=np.intp)
    where[block.rows] = np.arange(len(block.rows))
    pos = where[param.free_rows]
    inside = pos >= 0
    k = param.k[inside]
    p = d_sigma.shape[1]
    ds = (k.T @ d_sigma[pos[inside]].reshape(-1, p * p)).reshape(-1, p, p)
    dm = k.T @ d_mu[pos[inside]]
    return ds, dm


def casewise_information(
    param: Parameterization,
    blocks: Sequence[RamBlock],
    data: Sequence[PatternData],
    z: Array,
    kind: str = "observed",
    meanstructure: bool = True,
) -> Array:
    """Information of ``-log L`` (casewise likelihood, all groups) in ``z``.

    ``kind``: ``"observed"`` (the Hessian) or ``"expected"`` (the moments' expected
    information, no curvature). Without a mean structure (complete data only) the means are
    the sample means, which is the likelihood profiled over the saturated means.
    """
    values = param.values(z)
    info = np.zeros((param.nz, param.nz))
    grads = []
    observed = kind == "observed"
    for block, d in zip(blocks, data, strict=True):
        imp = block.implied(values)
        ds, dm = moment_derivatives_z(param, block, imp)
        mu = imp.mu
        if not meanstructure:
            mu, dm = d.patterns[0].mean, np.zeros_like(dm)
        info += d.information_in(imp.sigma, mu, ds, dm, observed)
        if observed:
            out = d.minus2_loglik(imp.sigma, mu)
            if out is None:
                return np.full_like(info, np.nan)
            grads.append((out[1] / 2, out[2] / 2))
    if not observed or param.nz == 0:
        return info

    def model_gradient(zz: Array) -> Array:
        v = param.values(zz)
        total = np.zeros(len(param.table.rows))
        for block, (g_sigma, g_mu) in zip(blocks, grads, strict=True):
            total[block.rows] += block.gradient(
                block.implied(v), g_sigma, g_mu if meanstructure else None
            )
        return param.grad_z(total)

    curvature = _central_jacobian(param, blocks, grads, z, meanstructure)
    if not np.all(np.isfinite(curvature)):  # a probe left the domain: shrink its step
        curvature = fd_jacobian(model_gradient, z, h=1e-5, points=3)
    return np.asarray(info + (curvature + curvature.T) / 2)


def _central_jacobian(
    param: Parameterization,
    blocks: Sequence[RamBlock],
    grads: Sequence[tuple[Array, Array]],
    z: Array,
    meanstructure: bool,
) -> Array:
    """Central differences (step ``1e-5 max(1, |z_k|)``) of ``z -> Delta(z)' dF/dm``, all
    ``2 nz`` probes at once (:func:`~.optimize.fd_jacobian` with ``points=3``, batched)."""
    nz = len(z)
    steps = 1e-5 * np.maximum(1.0, np.abs(z))
    probes = np.concatenate([z + np.diag(steps), z - np.diag(steps)])
    values = np.stack([param.values(zz) for zz in probes])
    total = np.zeros((2 * nz, len(param.table.rows)))
    for block, (g_sigma, g_mu) in zip(blocks, grads, strict=True):
        total[:, block.rows] += block.gradient_many(
            values, g_sigma, g_mu if meanstructure else None
        )
    g = total[:, param.free_rows] @ param.k
    return np.asarray(((g[:nz] - g[nz:]) / (2 * steps)[:, None]).T)
