"""Satterthwaite degrees of freedom for the fixed effects of a linear mixed model (lmerTest).

For a contrast ``l`` of the fixed effects, with :math:`C(\\theta) = (X'V(\\theta)^{-1}X)^{-1}`
the covariance of :math:`\\hat\\beta` as a function of the variance parameters
:math:`\\theta`,

.. math::

    \\nu = \\frac{2\\,(l' C l)^2}{g' A g}, \\qquad g = \\frac{\\partial\\, l' C(\\theta) l}{\\partial
    \\theta}, \\qquad A = 2\\,H^{-1},

where :math:`H` is the Hessian of the deviance (-2 log-likelihood, REML or ML as fitted) at
the estimates (Satterthwaite, 1946; Kuznetsova, Brockhoff & Christensen, 2017). ``theta``
holds the lower-triangular Cholesky factor of the random-effects covariance G and the residual
SD sigma (lmerTest uses the same kind of unconstrained parameters; the df do not depend on the
choice). The derivatives are numerical (numdifftools, Richardson extrapolation), as lmerTest
does with numDeriv.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._types import FloatArray, as_float

__all__ = ["satterthwaite_df"]


class _Profile:
    """Deviance and fixed-effect covariance of a fitted statsmodels MixedLM as functions of theta."""

    def __init__(self, fit: Any, reml: bool) -> None:
        model = fit.model
        # groups of equal size are stacked, so each evaluation is a few batched factorisations
        sizes = np.array([len(v) for v in model.endog_li])
        self.batches: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        for m in np.unique(sizes):
            idx = np.flatnonzero(sizes == m)
            self.batches.append(
                (
                    np.stack([np.asarray(model.exog_li[i], dtype=float) for i in idx]),
                    np.stack([np.asarray(model.exog_re_li[i], dtype=float) for i in idx]),
                    np.stack([np.asarray(model.endog_li[i], dtype=float) for i in idx]),
                )
            )
        self.p = model.exog.shape[1]
        self.reml = reml
        G = np.asarray(fit.cov_re, dtype=float)
        self.q = G.shape[0]
        self.tril = np.tril_indices(self.q)
        try:
            L = np.linalg.cholesky(G)
        except np.linalg.LinAlgError:  # boundary (a zero variance): nearest factor
            L = np.linalg.cholesky(G + 1e-10 * max(np.trace(G), 1e-12) * np.eye(self.q))
        self.theta = np.concatenate([L[self.tril], [np.sqrt(float(fit.scale))]])

    def _moments(self, theta: FloatArray) -> tuple[FloatArray, FloatArray, float, float]:
        L = np.zeros((self.q, self.q))
        L[self.tril] = theta[:-1]
        G = L @ L.T
        s2 = theta[-1] ** 2
        p = self.p
        XtVX = np.zeros((p, p))
        XtVy = np.zeros(p)
        ytVy = 0.0
        logdet = 0.0
        for X, Z, y in self.batches:  # X (g, m, p), Z (g, m, q), y (g, m)
            V = Z @ G @ Z.transpose(0, 2, 1)
            V[:, np.arange(V.shape[1]), np.arange(V.shape[1])] += s2
            R = np.linalg.cholesky(V)
            logdet += 2.0 * np.log(np.diagonal(R, axis1=1, axis2=2)).sum()
            W = np.linalg.solve(R, np.concatenate([X, y[:, :, None]], axis=2))  # R^-1 [X y]
            WX, Wy = W[:, :, :p], W[:, :, p]
            XtVX += np.einsum("gmi,gmj->ij", WX, WX)
            XtVy += np.einsum("gmi,gm->i", WX, Wy)
            ytVy += float(np.einsum("gm,gm->", Wy, Wy))
        return XtVX, XtVy, ytVy, logdet

    def deviance(self, theta: np.ndarray) -> float:
        XtVX, XtVy, ytVy, logdet = self._moments(theta)
        beta = np.linalg.solve(XtVX, XtVy)
        dev = logdet + ytVy - beta @ XtVy
        if self.reml:
            dev += np.linalg.slogdet(XtVX)[1]
        return float(dev)

    def vcov(self, theta: FloatArray) -> FloatArray:
        return as_float(np.linalg.inv(self._moments(theta)[0]))


def satterthwaite_df(fit: Any, reml: bool) -> FloatArray:
    """Satterthwaite df of each fixed effect of a fitted statsmodels ``MixedLM``.

    Returns NaN for every coefficient when the deviance Hessian is not positive definite (a fit
    that has not reached a proper optimum); the caller then falls back to Wald z tests.
    """
    import numdifftools as nd

    prof = _Profile(fit, reml)
    theta = prof.theta
    H = nd.Hessian(prof.deviance)(theta)
    H = (H + H.T) / 2
    C = prof.vcov(theta)
    p = C.shape[0]
    jac = nd.Jacobian(lambda t: np.diag(prof.vcov(t)))(theta).reshape(p, theta.size)
    # a variance estimated at zero (lme4's "singular fit") puts its Cholesky entry on the
    # boundary, where the deviance is flat: hold those entries at zero, as for a model without
    # them (a random intercept of zero variance then gives the OLS df, n - p)
    free = np.ones(theta.size, dtype=bool)
    scale = max(float(np.abs(theta).max()), 1e-12)
    for _ in range(theta.size):
        Hf = H[np.ix_(free, free)]
        if np.all(np.isfinite(Hf)) and np.linalg.eigvalsh(Hf).min() > 1e-10 * np.abs(Hf).max():
            break
        small = free & (np.abs(theta) < 1e-4 * scale)
        small[-1] = False  # the residual SD always stays
        if not small.any():
            return np.full(p, np.nan)
        free &= ~small
    else:  # pragma: no cover - every removable entry removed and still not usable
        return np.full(p, np.nan)
    A = 2.0 * np.linalg.inv(H[np.ix_(free, free)])
    jac = jac[:, free]
    var = np.diag(C)
    denom = np.einsum("ij,jk,ik->i", jac, A, jac)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = 2.0 * var**2 / denom
    return np.where(np.isfinite(df) & (df > 0), df, np.nan)
