"""Second derivatives: the Hessian of the deviance in the variance parameters (θ, σ) and the
Jacobian of Var(β̂), both analytic (what lmerTest computes by numerical differentiation).

lmerTest's deviance of the variance parameters ``φ = (θ, σ)`` (its ``devfun_vp``; β profiled
out, σ free) is

    D(θ, σ) = log|L|² [+ log|R_X|²] + r²(θ)/σ² + ν log(2πσ²),    ν = n (ML) or n - p (REML).

With ``V̇_i = Z K_i Z'``, ``V̈_ij = Z K_ij Z'``, ``M = V⁻¹`` (ML) or ``P`` (REML):

    ∂ log-det / ∂θ_i        = tr(M V̇_i)
    ∂² log-det / ∂θ_i∂θ_j   = tr(M V̈_ij) - tr(M V̇_i M V̇_j)
    ∂r² / ∂θ_i               = -a'K_i a,                     a = Z'V⁻¹(y - Xβ̂)
    ∂²r² / ∂θ_i∂θ_j          = 2 a'K_i Z'PZ K_j a - a'K_ij a
    ∂²D/∂θ_i∂σ = -2 (∂r²/∂θ_i) / σ³,   ∂²D/∂σ² = 6 r²/σ⁴ - 2ν/σ²

and ``Var(β̂) = Φ = σ² C(θ)``, ``C = (X'V⁻¹X)⁻¹``: ``∂Φ/∂θ_i = σ² C (X'V⁻¹V̇_iV⁻¹X) C``,
``∂Φ/∂σ = 2σ C``. Every trace is a contraction of the moments of :mod:`._profile`, using
``Z'PZ = T - B_X C B_X'``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._data import LMMData
from ._profile import Factor, blocks, first_order, kappa, kappa2, second_order
from ._small import FloatArray

__all__ = ["VarparDerivatives", "varpar_derivatives", "varpar_deviance"]


@dataclass(frozen=True)
class VarparDerivatives:
    """Hessian of ``D(θ, σ)`` and Jacobian of ``Var(β̂)`` at one point (θ, σ)."""

    hessian: FloatArray  # (k + 1, k + 1), order (θ..., σ)
    gradient: FloatArray  # (k + 1,)
    vcov: FloatArray  # (p, p): σ² (X'V⁻¹X)⁻¹
    jacobian: FloatArray  # (k + 1, p, p): ∂Var(β̂)/∂φ_i


def varpar_deviance(fac: Factor, sigma: float, n: int, p: int, reml: bool) -> float:
    """lmerTest's ``devfun_vp``: the deviance at theta (the factor's) and a free sigma."""
    nu = n - p if reml else n
    dev = fac.logdet_l + fac.r2 / sigma**2 + nu * np.log(2.0 * np.pi * sigma**2)
    return float(dev + fac.logdet_x) if reml else float(dev)


def varpar_derivatives(data: LMMData, fac: Factor, sigma: float, reml: bool) -> VarparDerivatives:
    """Analytic Hessian and gradient of ``D(θ, σ)`` and Jacobian of ``Var(β̂)`` (module docstring)."""
    blk = blocks(data, fac)
    tau, beta1 = first_order(data, blk)
    gamma, omega = second_order(data, blk)
    kap = kappa(data, fac.lams)
    kap2 = kappa2(data)
    p = data.p
    C = np.linalg.inv(fac.xtvx)
    w = np.append(-fac.beta, 1.0)
    f1 = np.einsum("iu,umn->imn", kap, beta1)  # B'K_iB
    f2 = np.einsum("iu,jv,uvmn->ijmn", kap, kap, omega, optimize=True)  # B'K_iTK_jB
    fh = np.einsum("iju,umn->ijmn", kap2, beta1)  # B'K_ijB
    # r² and its derivatives
    dr2 = -np.einsum("m,imn,n->i", w, f1, w)
    aB = np.einsum("m,imn->in", w, f1[:, :, :p])  # a'K_iB_X
    d2r2 = 2.0 * (np.einsum("m,ijmn,n->ij", w, f2, w) - aB @ C @ aB.T)
    d2r2 -= np.einsum("m,ijmn,n->ij", w, fh, w)
    # log-determinant(s)
    d1 = kap @ tau
    d2 = np.einsum("iju,u->ij", kap2, tau) - kap @ gamma @ kap.T
    if reml:
        FX = f1[:, :p, :p]
        CF = np.einsum("ab,ibc->iac", C, FX)
        d1 = d1 - np.trace(CF, axis1=1, axis2=2)
        d2 = d2 - np.einsum("ab,ijba->ij", C, fh[:, :, :p, :p])
        d2 = d2 + 2.0 * np.einsum("ab,ijba->ij", C, f2[:, :, :p, :p])
        d2 = d2 - np.einsum("iab,jba->ij", CF, CF)
    nu = data.n - p if reml else data.n
    k = data.n_theta
    s2 = sigma**2
    H = np.empty((k + 1, k + 1))
    H[:k, :k] = d2 + d2r2 / s2
    H[:k, k] = H[k, :k] = -2.0 * dr2 / sigma**3
    H[k, k] = 6.0 * fac.r2 / s2**2 - 2.0 * nu / s2
    grad = np.append(d1 + dr2 / s2, -2.0 * fac.r2 / sigma**3 + 2.0 * nu / sigma)
    jac = np.empty((k + 1, p, p))
    jac[:k] = s2 * np.einsum("ab,ibc,cd->iad", C, f1[:, :p, :p], C)
    jac[k] = 2.0 * sigma * C
    return VarparDerivatives((H + H.T) / 2.0, grad, np.asarray(s2 * C, dtype=np.float64), jac)
