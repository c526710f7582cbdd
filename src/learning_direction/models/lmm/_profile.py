"""The profiled deviance of a linear mixed model and its derivatives, from sufficient statistics.

Notation (Bates, Mächler, Bolker & Walker 2015): ``b = Λ_θ u``, ``u ~ N(0, σ² I)``, so the
marginal covariance of y is ``σ² V(θ)`` with ``V = Z Λ Λ' Z' + I``. ``A = Λ'Z'ZΛ + I = L L'``
is the penalised system; with one grouping factor it is block diagonal (one q x q block per
group); with an outer factor the inner blocks are eliminated first and the outer blocks hold the
Schur complements ``S_k = Λ₂'W_k'W_kΛ₂ + I - Σ_{j∈k} F_j'F_j``.

``R = [X y]' V⁻¹ [X y]`` follows from the factor: with ``H = L⁻¹ Λ'Z'[X y]``,
``R = [X y]'[X y] - H'H``. Its blocks give ``R_X'R_X = X'V⁻¹X``, ``β̂`` and the penalised
residual sum of squares ``r² = y'V⁻¹y - y'V⁻¹X β̂``; the profiled deviances are

    ML:   d(θ)  = log|L|² + n (1 + log(2π r² / n))
    REML: d_R(θ) = log|L|² + log|R_X|² + (n-p) (1 + log(2π r² / (n-p)))

Derivatives use ``T = Z'V⁻¹Z`` and ``B = Z'V⁻¹[X y]`` (Woodbury: ``T = Q - Y'Y`` with
``Q = Z'Z`` and ``Y = L⁻¹Λ'Q``; ``B = Z'[X y] - Y'H``). With one factor T is block diagonal;
nested, its inner-inner part is ``δ_{jj'} D_j - E_j E_j'`` within an outer group, so every trace
below is a sum over groups of small matrices (no pair of groups is ever formed).

A symmetric matrix K acting on one term's q x q blocks (``∂ΛΛ'/∂θ_i`` and the like) is a vector
``κ`` over the flattened (term, a, b) entries; the traces and forms are then contractions of

* ``τ[u] = Σ T[b, a]``                      so ``tr(K T) = κ·τ``
* ``β₁[u] = Σ B[a]ᵀ B[b]``                  so ``B'KB = Σ κ[u] β₁[u]``
* ``Γ[u, v] = tr(e_ab T e_cd T)``          so ``tr(K₁TK₂T) = κ₁'Γκ₂``
* ``Ω[u, v] = Σ B[a]ᵀ T[b, c] B[d]``        so ``B'K₁TK₂B = Σ κ₁[u] κ₂[v] Ω[u, v]``
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._data import LMMData, Term
from ._small import FloatArray, batched_cholesky, forward_solve, log_diag_sum

__all__ = [
    "Blocks",
    "Factor",
    "Moments",
    "blocks",
    "factorize",
    "first_order",
    "kappa",
    "kappa2",
    "lambdas",
    "profiled_gradient",
    "second_order",
]


@dataclass(frozen=True)
class Factor:
    """The factorisation of the penalised system at one theta, and what follows from it."""

    theta: FloatArray
    lams: tuple[FloatArray, ...]  # relative covariance factor of each term (q x q)
    L1: FloatArray  # (J1, q1, q1)
    H1: FloatArray  # (J1, q1, m)
    F: FloatArray | None  # (J1, q1, q2), nested only
    L2: FloatArray | None  # (J2, q2, q2)
    H2: FloatArray | None  # (J2, q2, m)
    xtvx: FloatArray  # X'V⁻¹X (p x p)
    beta: FloatArray  # β̂ (of the shifted y; add data.y_shift for the fixed effects)
    r2: float  # penalised residual sum of squares
    logdet_l: float  # log|L|²
    logdet_x: float  # log|R_X|²
    deviance: float  # ML or REML profiled deviance (as fitted)


@dataclass(frozen=True)
class Blocks:
    """The blocks of T = Z'V⁻¹Z and B = Z'V⁻¹[X y] (see the module docstring)."""

    D: FloatArray  # (J1, q1, q1): inner diagonal part
    E: FloatArray | None  # (J1, q1, q2): inner low-rank part (nested)
    T12: FloatArray | None  # (J1, q1, q2)
    T22: FloatArray | None  # (J2, q2, q2)
    B1: FloatArray  # (J1, q1, m)
    B2: FloatArray | None  # (J2, q2, m)


@dataclass(frozen=True)
class Moments:
    """First- and second-order contractions (``τ``, ``β₁``, ``Γ``, ``Ω``) at one theta."""

    tau: FloatArray  # (nu,)
    beta1: FloatArray  # (nu, m, m)
    gamma: FloatArray | None  # (nu, nu)
    omega: FloatArray | None  # (nu, nu, m, m)


def lambdas(data: LMMData, theta: FloatArray) -> tuple[FloatArray, ...]:
    """Each term's lower-triangular relative covariance factor Λ, filled from theta."""
    out = []
    for t in data.terms:
        lam = np.zeros((t.q, t.q))
        rows, cols = zip(*t.positions, strict=True)
        lam[list(rows), list(cols)] = theta[t.theta_offset : t.theta_offset + t.n_theta]
        out.append(lam)
    return tuple(out)


def _sum_by_outer(data: LMMData, arr: FloatArray) -> FloatArray:
    if data.outer is None:  # internal invariant, not user input
        raise RuntimeError("internal error: factor blocks missing; please report it")
    return np.add.reduceat(arr, data.outer.inner_starts, axis=0)


def _tr(a: FloatArray) -> FloatArray:
    return np.swapaxes(a, -1, -2)


def _gram(h: FloatArray) -> FloatArray:
    """``Σ_j h_j' h_j`` for a stack (J, q, m), as one matrix product."""
    flat = h.reshape(-1, h.shape[-1])
    return np.asarray(flat.T @ flat, dtype=np.float64)


def _outer_sum(b: FloatArray) -> FloatArray:
    """``Σ_j b_j[a] ⊗ b_j[c]`` for a stack (J, q, m): shape (q, q, m, m), one matrix product."""
    J, q, m = b.shape
    flat = b.reshape(J, q * m)
    return np.asarray((flat.T @ flat).reshape(q, m, q, m).transpose(0, 2, 1, 3), dtype=np.float64)


def factorize(data: LMMData, theta: FloatArray, reml: bool) -> Factor | None:
    """Factor the penalised system at theta; ``None`` if it is numerically singular."""
    lams = lambdas(data, theta)
    lam1 = lams[0]
    q1 = lam1.shape[0]
    L1 = batched_cholesky(lam1.T @ data.ztz @ lam1 + np.eye(q1))
    H1 = forward_solve(L1, lam1.T @ data.ztxy)
    R = data.xytxy - _gram(H1)
    logdet_l = 2.0 * log_diag_sum(L1)
    F = L2 = H2 = None
    if data.outer is not None:
        lam2 = lams[1]
        o = data.outer
        F = forward_solve(L1, lam1.T @ o.ztw @ lam2)
        S = lam2.T @ o.wtw @ lam2 + np.eye(lam2.shape[0]) - _sum_by_outer(data, _tr(F) @ F)
        L2 = batched_cholesky(S)
        H2 = forward_solve(L2, lam2.T @ o.wtxy - _sum_by_outer(data, _tr(F) @ H1))
        R = R - _gram(H2)
        logdet_l += 2.0 * log_diag_sum(L2)
    p = data.p
    xtvx = (R[:p, :p] + R[:p, :p].T) / 2.0
    try:
        rx = np.linalg.cholesky(xtvx) if p else np.zeros((0, 0))
    except np.linalg.LinAlgError:
        return None
    beta = np.asarray(np.linalg.solve(xtvx, R[:p, p]) if p else np.zeros(0), dtype=np.float64)
    r2 = float(R[p, p] - R[:p, p] @ beta)
    logdet_x = 2.0 * float(np.log(np.diag(rx)).sum()) if p else 0.0
    if not (np.isfinite(logdet_l) and np.isfinite(logdet_x) and r2 > 0.0):
        return None
    nu = data.n - p if reml else data.n
    dev = logdet_l + nu * (1.0 + np.log(2.0 * np.pi * r2 / nu))
    if reml:
        dev += logdet_x
    return Factor(
        np.array(theta, dtype=np.float64), lams, L1, H1, F, L2, H2,
        xtvx, beta, r2, logdet_l, logdet_x, float(dev),
    )  # fmt: skip


def blocks(data: LMMData, fac: Factor) -> Blocks:
    """The blocks of ``T = Z'V⁻¹Z`` and ``B = Z'V⁻¹[X y]`` at the factor's theta."""
    lam1 = fac.lams[0]
    Yjj = forward_solve(fac.L1, lam1.T @ data.ztz)
    D = data.ztz - _tr(Yjj) @ Yjj
    B1 = data.ztxy - _tr(Yjj) @ fac.H1
    if data.outer is None:
        return Blocks(D, None, None, None, B1, None)
    if fac.F is None or fac.L2 is None or fac.H2 is None:  # internal invariant, not user input
        raise RuntimeError("internal error: factor blocks missing; please report it")
    o = data.outer
    lam2 = fac.lams[1]
    Yjk = forward_solve(fac.L1, lam1.T @ o.ztw)  # (J1, q1, q2)
    Ykj = forward_solve(fac.L2[o.outer_of], lam2.T @ _tr(o.ztw) - _tr(fac.F) @ Yjj)  # (J1,q2,q1)
    Ykk = forward_solve(fac.L2, lam2.T @ o.wtw - _sum_by_outer(data, _tr(fac.F) @ Yjk))
    T12 = o.ztw - _tr(Yjj) @ Yjk - _tr(Ykj) @ Ykk[o.outer_of]
    T22 = o.wtw - _sum_by_outer(data, _tr(Yjk) @ Yjk) - _tr(Ykk) @ Ykk
    B1 = B1 - _tr(Ykj) @ fac.H2[o.outer_of]
    B2 = o.wtxy - _sum_by_outer(data, _tr(Yjk) @ fac.H1) - _tr(Ykk) @ fac.H2
    return Blocks(D, _tr(Ykj), T12, T22, B1, B2)


def _term_slices(data: LMMData) -> list[slice]:
    return [slice(t.u_offset, t.u_offset + t.q * t.q) for t in data.terms]


def first_order(data: LMMData, blk: Blocks) -> tuple[FloatArray, FloatArray]:
    """``τ`` (nu,) and ``β₁`` (nu, m, m): the sums giving ``tr(K T)`` and ``B'KB``."""
    m = blk.B1.shape[-1]
    tau = np.empty(data.n_u)
    beta1 = np.empty((data.n_u, m, m))
    s = _term_slices(data)
    t1 = blk.D.sum(axis=0)
    if blk.E is not None:
        t1 = t1 - np.einsum("jax,jbx->ab", blk.E, blk.E)
    tau[s[0]] = t1.T.ravel()
    beta1[s[0]] = _outer_sum(blk.B1).reshape(-1, m, m)
    if blk.B2 is not None:
        if blk.T22 is None:  # internal invariant, not user input
            raise RuntimeError("internal error: factor blocks missing; please report it")
        tau[s[1]] = blk.T22.sum(axis=0).T.ravel()
        beta1[s[1]] = _outer_sum(blk.B2).reshape(-1, m, m)
    return tau, beta1


def second_order(data: LMMData, blk: Blocks) -> tuple[FloatArray, FloatArray]:
    """``Γ`` (nu, nu) and ``Ω`` (nu, nu, m, m): the sums giving ``tr(K₁TK₂T)`` and ``B'K₁TK₂B``."""
    nu = data.n_u
    m = blk.B1.shape[-1]
    q1 = data.terms[0].q
    s = _term_slices(data)
    gamma = np.zeros((nu, nu))
    omega = np.zeros((nu, nu, m, m))
    D, B1 = blk.D, blk.B1
    g11 = np.einsum("jbc,jda->abcd", D, D)
    o11 = np.einsum("jam,jdn,jbc->abcdmn", B1, B1, D, optimize=True)
    if blk.E is not None:
        E = blk.E
        EE = E @ _tr(E)
        g11 -= np.einsum("jbc,jda->abcd", D, EE) + np.einsum("jbc,jda->abcd", EE, D)
        U = _sum_by_outer(data, np.einsum("jax,jby->jabxy", E, E))
        g11 += np.einsum("kbaxy,kcdxy->abcd", U, U, optimize=True)
        V = _sum_by_outer(data, np.einsum("jbx,jam->jabxm", E, B1))
        o11 -= np.einsum("kabxm,kdcxn->abcdmn", V, V, optimize=True)
    gamma[s[0], s[0]] = g11.reshape(q1 * q1, q1 * q1)
    omega[s[0], s[0]] = o11.reshape(q1 * q1, q1 * q1, m, m)
    if blk.T12 is not None:
        _second_order_outer(data, blk, gamma, omega)
    return gamma, omega


def _second_order_outer(data: LMMData, blk: Blocks, gamma: FloatArray, omega: FloatArray) -> None:
    """The inner-outer and outer-outer parts of ``Γ`` and ``Ω`` (nested models), in place."""
    if (
        data.outer is None or blk.T12 is None or blk.T22 is None
    ):  # internal invariant, not user input
        raise RuntimeError("internal error: factor blocks missing; please report it")
    if blk.B2 is None:  # internal invariant, not user input
        raise RuntimeError("internal error: factor blocks missing; please report it")
    q1, q2 = data.terms[0].q, data.terms[1].q
    m = blk.B1.shape[-1]
    s = _term_slices(data)
    T12, T22, B1 = blk.T12, blk.T22, blk.B1
    B2o = blk.B2[data.outer.outer_of]
    g12 = np.einsum("jbx,jay->abxy", T12, T12).reshape(q1 * q1, q2 * q2)
    gamma[s[0], s[1]] = g12
    gamma[s[1], s[0]] = g12.T
    gamma[s[1], s[1]] = np.einsum("kbc,kda->abcd", T22, T22).reshape(q2 * q2, q2 * q2)
    o12 = np.einsum("jam,jyn,jbx->abxymn", B1, B2o, T12, optimize=True)
    omega[s[0], s[1]] = o12.reshape(q1 * q1, q2 * q2, m, m)
    o21 = np.einsum("jxm,jbn,jay->xyabmn", B2o, B1, T12, optimize=True)
    omega[s[1], s[0]] = o21.reshape(q2 * q2, q1 * q1, m, m)
    o22 = np.einsum("kam,kdn,kbc->abcdmn", blk.B2, blk.B2, T22, optimize=True)
    omega[s[1], s[1]] = o22.reshape(q2 * q2, q2 * q2, m, m)


def _unit(term: Term, a: int, b: int) -> int:
    return term.u_offset + a * term.q + b


def kappa(data: LMMData, lams: tuple[FloatArray, ...]) -> FloatArray:
    """``κ_i`` (n_theta, nu): the entries of ``∂(ΛΛ')/∂θ_i = E_iΛ' + ΛE_i'``."""
    out = np.zeros((data.n_theta, data.n_u))
    for term, lam in zip(data.terms, lams, strict=True):
        for k, (r, c) in enumerate(term.positions):
            K = np.zeros((term.q, term.q))
            K[r, :] += lam[:, c]
            K[:, r] += lam[:, c]
            out[term.theta_offset + k, term.u_offset : term.u_offset + term.q * term.q] = K.ravel()
    return out


def kappa2(data: LMMData) -> FloatArray:
    """``κ_ij`` (n_theta, n_theta, nu): the entries of ``∂²(ΛΛ')/∂θ_i∂θ_j = E_iE_j' + E_jE_i'``."""
    out = np.zeros((data.n_theta, data.n_theta, data.n_u))
    for term in data.terms:
        pos = term.positions
        for i, (ri, ci) in enumerate(pos):
            for j, (rj, cj) in enumerate(pos):
                if ci == cj:
                    a, b = term.theta_offset + i, term.theta_offset + j
                    out[a, b, _unit(term, ri, rj)] += 1.0
                    out[a, b, _unit(term, rj, ri)] += 1.0
    return out


def profiled_gradient(data: LMMData, fac: Factor, reml: bool) -> FloatArray:
    """Gradient of the profiled (RE)ML deviance with respect to theta (analytic).

    ``∂d/∂θ_i = tr(M V̇_i) - ν a'K_i a / r²`` with ``M = V⁻¹`` (ML) or the REML projection
    ``P = V⁻¹ - V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹``, ``V̇_i = Z K_i Z'``, ``a = Z'V⁻¹(y - Xβ̂)`` and ``ν`` the
    residual degrees of freedom (n, or n - p for REML).
    """
    blk = blocks(data, fac)
    tau, beta1 = first_order(data, blk)
    kap = kappa(data, fac.lams)
    p = data.p
    forms = np.einsum("iu,umn->imn", kap, beta1)  # B'K_iB, (n_theta, m, m)
    w = np.append(-fac.beta, 1.0)
    dr2 = -np.einsum("m,imn,n->i", w, forms, w)
    trace = kap @ tau
    if reml:
        C = np.linalg.inv(fac.xtvx)
        trace = trace - np.einsum("ab,iba->i", C, forms[:, :p, :p])
    nu = data.n - p if reml else data.n
    return np.asarray(trace + nu * dr2 / fac.r2, dtype=np.float64)
