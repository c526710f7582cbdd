"""t tests of fixed-effect contrasts: Satterthwaite (lmerTest), Kenward-Roger (pbkrtest) and Wald.

Satterthwaite (Kuznetsova, Brockhoff & Christensen 2017, as lmerTest ``contest1D``): for a
contrast ``L``,

    ν = 2 (L Φ Lᵀ)² / (gᵀ A g),   g_i = L (∂Φ/∂φ_i) Lᵀ,   A = 2 H⁻¹,

with ``Φ = Var(β̂)`` and ``H`` the Hessian of the (RE)ML deviance in ``φ = (θ, σ)``, both
analytic here (lmerTest differentiates numerically). As lmerTest, ``H⁻¹`` keeps only the
eigenvalues above 1e-8 (a pseudo-inverse) and a negative eigenvalue is reported.

Kenward-Roger (Kenward & Roger 1997, as pbkrtest ``vcovAdj`` and ``Lb_ddf``; Halekoh &
Højsgaard 2014): the covariance is written linearly, ``Σ = Σ_r ψ_r G_r`` with ``ψ`` the
variances and covariances of each term (``VarCorr``) and the residual variance, and

    P_r = -X'Σ⁻¹G_rΣ⁻¹X,   Q_rs = X'Σ⁻¹G_rΣ⁻¹G_sΣ⁻¹X,
    I_rs = tr(Σ⁻¹G_rΣ⁻¹G_s) - 2 tr(Φ Q_rs) + tr(Φ P_r Φ P_s)   (twice the expected information),
    W = 2 I⁻¹,   Φ_A = Φ + 2 Φ [Σ_rs W_rs (Q_rs - P_r Φ P_s)] Φ,

the term in second derivatives of Σ being zero for a linear structure (pbkrtest's choice). The
denominator df of ``L`` follow Kenward & Roger's ``A₁, A₂, B, g, c₁..c₃, ρ`` formulas exactly as
pbkrtest codes them. To stay inside the per-group sums, the residual direction is computed in the
basis ``G'_0 = Σ`` (where ``Σ⁻¹G'_0 = I``) and mapped back to pbkrtest's ``G_0 = I`` by the
linear change of basis (P is linear and I, Q bilinear in the G's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats

from ..._core.checks import check_level, choice
from ..._core.warn import warn_user
from ...exceptions import ModelError, ModelWarning
from ._fit import LMMFit
from ._hessian import VarparDerivatives, varpar_derivatives
from ._profile import blocks, first_order, second_order
from ._small import FloatArray

__all__ = [
    "KenwardRoger",
    "contrast_test",
    "fixed_effect_tests",
    "kenward_roger",
    "satterthwaite_df",
]

METHODS = ["satterthwaite", "kenward-roger", "wald"]
ALIASES = {
    "kenward_roger": "kenward-roger",
    "kenwardroger": "kenward-roger",
    "kr": "kenward-roger",
    "z": "wald",
    "lmertest": "satterthwaite",
}
EIGEN_TOL = 1e-8  # lmerTest's tolerance on the eigenvalues of the deviance Hessian


def _varpar(fit: LMMFit) -> VarparDerivatives:
    if "varpar" not in fit.cache:
        fit.cache["varpar"] = varpar_derivatives(fit.data, fit.factor, fit.sigma, fit.reml)
    out: VarparDerivatives = fit.cache["varpar"]
    return out


def _satterthwaite_a(fit: LMMFit) -> FloatArray:
    """``A = 2 H⁻¹`` over the eigenvalues of H above 1e-8 (lmerTest's ``vcov_varpar``)."""
    if "sat_a" in fit.cache:
        out: FloatArray = fit.cache["sat_a"]
        return out
    vals, vecs = np.linalg.eigh(_varpar(fit).hessian)
    neg = vals < -EIGEN_TOL
    if neg.any():
        warn_user(
            f"the deviance Hessian has {int(neg.sum())} negative eigenvalue(s) "
            f"({', '.join(f'{v:.1e}' for v in vals[neg])}): the fit is not at a minimum and "
            "the Satterthwaite df are unreliable (lmerTest warns the same)",
            ModelWarning,
        )
    pos = vals > EIGEN_TOL
    a = 2.0 * (vecs[:, pos] / vals[pos]) @ vecs[:, pos].T
    fit.cache["sat_a"] = a
    return np.asarray(a, dtype=np.float64)


def _contrast(fit: LMMFit, L: object) -> FloatArray:
    arr = np.asarray(L, dtype=np.float64)
    p = len(fit.beta)
    if arr.ndim != 1 or arr.shape[0] != p or not np.all(np.isfinite(arr)):
        raise ModelError(
            f"a contrast needs {p} finite weights, one per fixed effect "
            f"({', '.join(fit.fixed_names)}); got shape {arr.shape}"
        )
    return arr


def satterthwaite_df(fit: LMMFit, L: object) -> float:
    """Satterthwaite df of the contrast ``L @ beta`` (lmerTest ``contest1D``).

    ``ν = 2 (L Φ Lᵀ)² / (gᵀ A g)``: see the module docstring. The Hessian and the Jacobian are
    computed once per fit (analytically) and kept with it.
    """
    c = _contrast(fit, L)
    vd = _varpar(fit)
    var = float(c @ vd.vcov @ c)
    g = np.einsum("a,iab,b->i", c, vd.jacobian, c)
    denom = float(g @ _satterthwaite_a(fit) @ g)
    return 2.0 * var**2 / denom if denom > 0 else float("inf")


@dataclass(frozen=True)
class KenwardRoger:
    """pbkrtest's ``vcovAdj``: the adjusted covariance and what the KR df need."""

    vcov: FloatArray  # Φ, the unadjusted Var(β̂)
    vcov_adj: FloatArray  # Φ_A
    P: FloatArray  # (K, p, p): P_r in pbkrtest's basis
    W: FloatArray  # (K, K): 2 × inverse of twice the expected information
    condition: float  # smallest |eigenvalue| of the information (pbkrtest's "condi")

    def df(self, L: FloatArray) -> float:
        """Denominator df of the contrast(s) ``L`` (rows), pbkrtest's ``Lb_ddf``."""
        L = np.atleast_2d(L)
        Phi = self.vcov
        theta = L.T @ np.linalg.solve(L @ Phi @ L.T, L)
        u = np.einsum("ab,bc,rcd,de->rae", theta, Phi, self.P, Phi)
        tr = np.trace(u, axis1=1, axis2=2)
        a1 = float(tr @ self.W @ tr)
        a2 = float(np.einsum("rs,rab,sba->", self.W, u, u))
        q = int(np.linalg.matrix_rank(L))
        return _kr_ddf(a1, a2, q)


def _kr_ddf(a1: float, a2: float, q: int) -> float:
    """Kenward & Roger's denominator df from A₁ and A₂ (pbkrtest's formulas, edge cases too)."""
    b = (a1 + 6.0 * a2) / (2.0 * q)
    g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
    denom = 3.0 * q + 2.0 * (1.0 - g)
    c1, c2, c3 = g / denom, (q - g) / denom, (q + 2.0 - g) / denom
    v0 = 1.0 + c1 * b
    v1 = 1.0 - c2 * b
    v2 = 1.0 - c3 * b
    v0 = 0.0 if abs(v0) < 1e-10 else v0
    x = 1.0 - a2 / q
    ratio = 1.0 if abs(x) < 1e-14 and abs(v1) < 1e-14 else x / v1
    rho = ratio**2 * v0 / (q * v2)
    return 4.0 + (q + 2.0) / (q * rho - 1.0)


def _kr_primed(fit: LMMFit) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """P', Q', tr(Σ⁻¹G'_rΣ⁻¹G'_s) in the basis (G_1..G_R, Σ), and the ψ of pbkrtest's basis."""
    data, fac, s2 = fit.data, fit.factor, fit.sigma**2
    blk = blocks(data, fac)
    tau, beta1 = first_order(data, blk)
    gamma, omega = second_order(data, blk)
    eps, psi = [], []
    for term, cov in zip(data.terms, fit.covariances, strict=True):
        for r, c in term.positions:
            e = np.zeros(data.n_u)
            e[term.u_offset + r * term.q + c] = 1.0
            e[term.u_offset + c * term.q + r] = 1.0
            eps.append(e)
            psi.append(cov[r, c])
    E = np.array(eps)
    p, R = data.p, len(eps)
    b1 = np.einsum("ru,umn->rmn", E, beta1)[:, :p, :p]
    om = np.einsum("ru,sv,uvmn->rsmn", E, E, omega, optimize=True)[:, :, :p, :p]
    phi_inv = fac.xtvx / s2
    P = np.concatenate([-b1 / s2**2, -phi_inv[None]])
    Q = np.empty((R + 1, R + 1, p, p))
    Q[:R, :R] = om / s2**3
    Q[:R, R] = Q[R, :R] = b1 / s2**2
    Q[R, R] = phi_inv
    K = np.empty((R + 1, R + 1))
    K[:R, :R] = E @ gamma @ E.T / s2**2
    K[:R, R] = K[R, :R] = E @ tau / s2
    K[R, R] = data.n
    return P, Q, K, np.append(psi, s2)


def kenward_roger(fit: LMMFit) -> KenwardRoger:
    """pbkrtest's adjusted covariance ``vcovAdj`` (REML fits only, as lmerTest).

    Returns a :class:`KenwardRoger` with ``vcov_adj`` (Φ_A, R: ``as.matrix(vcovAdj(m))``) and
    ``df(L)`` (R: ``pbkrtest::Lb_ddf(L, vcov(m), vcovAdj(m))``). Computed once per fit.
    Raises :class:`~learning_direction.exceptions.ModelError` for an ML fit.
    """
    if "kr" in fit.cache:
        cached: KenwardRoger = fit.cache["kr"]
        return cached
    if not fit.reml:
        raise ModelError(
            "Kenward-Roger df need a REML fit (lmerTest refuses ML fits too): refit with "
            "reml=True, or use method='satterthwaite'"
        )
    Pp, Qp, Kp, psi = _kr_primed(fit)
    k = len(psi)
    minv = np.eye(k)
    minv[:-1, -1] = -psi[:-1] / psi[-1]
    minv[-1, -1] = 1.0 / psi[-1]
    P = np.einsum("ar,aij->rij", minv, Pp)
    Q = np.einsum("ar,bs,abij->rsij", minv, minv, Qp, optimize=True)
    Kt = minv.T @ Kp @ minv
    Phi = fit.vcov_beta
    PhiP = np.einsum("ij,rjk->rik", Phi, P)
    info = Kt - 2.0 * np.einsum("ij,rsji->rs", Phi, Q) + np.einsum("rij,sji->rs", PhiP, PhiP)
    info = (info + info.T) / 2.0
    condi = float(np.min(np.abs(np.linalg.eigvalsh(info))))
    W = 2.0 * (np.linalg.inv(info) if condi > 1e-10 else np.linalg.pinv(info))
    U = np.einsum("rs,rsij->ij", W, Q) - np.einsum("rs,rij,jk,skl->il", W, P, Phi, P)
    adj = Phi + 2.0 * Phi @ U @ Phi
    out = KenwardRoger(Phi, (adj + adj.T) / 2.0, P, W, condi)
    fit.cache["kr"] = out
    return out


def contrast_test(
    fit: LMMFit,
    L: object,
    method: str = "satterthwaite",
    level: float = 0.95,
    rhs: float = 0.0,
) -> dict[str, float]:
    """t test and confidence interval of one contrast ``L @ beta`` (lmerTest ``contest1D``).

    Parameters
    ----------
    fit : LMMFit
    L : array-like (p,)
        Weights of the fixed effects (in the order of ``fit.fixed_names``).
    method, level
        As in :func:`fixed_effect_tests`.
    rhs : float
        Value of the contrast under the null hypothesis (``contest1D(..., rhs =)``).

    Returns
    -------
    dict
        ``estimate, se, df, t, p_value, ci_low, ci_high``; Wald gives ``df = inf`` (z).

    Examples
    --------
    Ten years of mentee age (R: ``contest1D(m, c(0, 10), confint = TRUE)``):

    >>> import numpy as np
    >>> import learning_direction as ld
    >>> from learning_direction.models.lmm import contrast_test, fit_lmm
    >>> d = ld.load_dataset("study3").dropna(subset=["hire_1", "hire_2", "hire_3"])
    >>> X = np.column_stack([np.ones(len(d)), d["mentee_age"]])
    >>> fit = fit_lmm(d["hire_1"], X, np.ones(len(d)), d["mentor_id"])
    >>> row = contrast_test(fit, [0.0, 10.0])
    >>> sorted(row)
    ['ci_high', 'ci_low', 'df', 'estimate', 'p_value', 'se', 't']
    """
    method = choice(method, "method", METHODS, aliases=ALIASES)
    level = check_level(level, "level")
    c = _contrast(fit, L)
    est = float(c @ fit.beta)
    if method == "kenward-roger":
        kr = kenward_roger(fit)
        se, df = float(np.sqrt(c @ kr.vcov_adj @ c)), kr.df(c)
    else:
        se = float(np.sqrt(c @ fit.vcov_beta @ c))
        df = satterthwaite_df(fit, c) if method == "satterthwaite" else float("inf")
    t = (est - rhs) / se
    # the distributions' methods, not a frozen ``t(df)``: freezing builds a new distribution
    # object with its docstrings (about 3 ms, more than the whole test)
    q = 1.0 - (1.0 - level) / 2.0
    if np.isinf(df):
        crit, p_value = float(scipy.stats.norm.ppf(q)), float(2.0 * scipy.stats.norm.sf(abs(t)))
    else:
        crit = float(scipy.stats.t.ppf(q, df))
        p_value = float(2.0 * scipy.stats.t.sf(abs(t), df))
    return {
        "estimate": est, "se": se, "df": df, "t": t, "p_value": p_value,
        "ci_low": est - crit * se, "ci_high": est + crit * se,
    }  # fmt: skip


def fixed_effect_tests(
    fit: LMMFit, method: str = "satterthwaite", level: float = 0.95
) -> pd.DataFrame:
    """t tests and confidence intervals of every fixed effect.

    Parameters
    ----------
    fit : LMMFit
        A fit from :func:`fit_lmm`.
    method : {"satterthwaite", "kenward-roger", "wald"}
        Denominator df as lmerTest ``summary(m, ddf = "Satterthwaite")``; as
        ``summary(m, ddf = "Kenward-Roger")`` (pbkrtest; the SEs then come from the adjusted
        covariance Φ_A, and only REML fits are accepted, as in lmerTest); or none (Wald z tests
        and normal intervals). ``"kr"`` and ``"z"`` are accepted too.
    level : float
        Confidence level of the intervals (lmerTest ``contest1D(..., confint = TRUE, level =)``).

    Returns
    -------
    pandas.DataFrame
        One row per fixed effect: ``term, estimate, se, df, t, p_value, ci_low, ci_high``
        (``df`` is ``inf`` for Wald).

    Notes
    -----
    For the unit contrast ``L`` of each coefficient: ``t = L β̂ / se``, ``p = 2 P(T_ν > |t|)``,
    ``CI = L β̂ ± t_{ν, 1-α/2} se``, with ``se = sqrt(L Φ Lᵀ)`` (Satterthwaite, Wald) or
    ``sqrt(L Φ_A Lᵀ)`` (Kenward-Roger) and ``ν`` as in the module docstring: Satterthwaite's
    ``2 (L Φ Lᵀ)² / (gᵀ A g)`` with the analytic Hessian and Jacobian, or Kenward-Roger's
    denominator df. ML fits get Satterthwaite df from the ML deviance, as lmerTest.

    References
    ----------
    Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: Tests
    in linear mixed effects models. *Journal of Statistical Software*, 82(13), 1-26.

    Kenward, M. G., & Roger, J. H. (1997). Small sample inference for fixed effects from
    restricted maximum likelihood. *Biometrics*, 53(3), 983-997.

    Halekoh, U., & Højsgaard, S. (2014). A Kenward-Roger approximation and parametric bootstrap
    methods for tests in linear mixed models - the R package pbkrtest. *Journal of Statistical
    Software*, 59(9), 1-32.

    Examples
    --------
    R: ``summary(lmerTest::lmer(hire ~ mentee_age + (1 | mentor_id), d), ddf = "Kenward-Roger")``.

    >>> import numpy as np
    >>> import learning_direction as ld
    >>> from learning_direction.models.lmm import fit_lmm, fixed_effect_tests
    >>> d = ld.load_dataset("study3").dropna(subset=["hire_1", "hire_2", "hire_3"])
    >>> X = np.column_stack([np.ones(len(d)), d["mentee_age"]])
    >>> fit = fit_lmm(d[["hire_1", "hire_2", "hire_3"]].mean(axis=1), X, np.ones(len(d)),
    ...               d["mentor_id"], fixed_names=["(Intercept)", "mentee_age"])
    >>> fixed_effect_tests(fit, method="kenward-roger").round(4)
              term  estimate      se        df        t  p_value  ci_low  ci_high
    0  (Intercept)    5.0084  0.4182  562.7719  11.9758   0.0000  4.1870   5.8298
    1   mentee_age   -0.0090  0.0173  550.2924  -0.5187   0.6042 -0.0429   0.0249
    """
    rows = []
    for i, name in enumerate(fit.fixed_names):
        unit = np.zeros(len(fit.beta))
        unit[i] = 1.0
        rows.append({"term": name, **contrast_test(fit, unit, method, level)})
    return pd.DataFrame(rows)
