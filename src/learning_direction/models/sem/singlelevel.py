"""The normal-theory ML discrepancy of one group (single level, complete data).

.. math::

    F_{ML} = \\log|\\Sigma| + tr(S \\Sigma^{-1}) - \\log|S| - p
             + (\\bar x - \\mu)^\\top \\Sigma^{-1} (\\bar x - \\mu)

with ``S`` the covariance matrix with divisor ``N`` (Bollen 1989, ch. 4; lavaan's
``likelihood = "normal"``). ``-2 log L = N (F_ML + log|S| + p + p log 2 pi)``, so the
likelihood-ratio test against the saturated model is ``N F_ML``. Without a mean structure the
last term is absent (the means are saturated). Its matrix gradient is
``dF/dSigma = Sigma^-1 - Sigma^-1 (S + d d') Sigma^-1`` and ``dF/dmu = -2 Sigma^-1 d``
(``d = xbar - mu``); the expected second derivative is
``tr(Sigma^-1 Sigma_a Sigma^-1 Sigma_b) + 2 mu_a' Sigma^-1 mu_b``.

References
----------
Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .moments import SampleMoments

__all__ = ["Discrepancy", "ml_discrepancy", "ml_expected_hessian"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Discrepancy:
    """``F_ML`` and its gradients with respect to the implied moments."""

    value: float
    g_sigma: Array
    g_mu: Array | None


def ml_discrepancy(
    moments: SampleMoments, sigma: Array, mu: Array | None, logdet_s: float
) -> Discrepancy | None:
    """``F_ML`` at the implied ``sigma`` (and ``mu`` with a mean structure); ``None`` if not PD."""
    sign, logdet = np.linalg.slogdet(sigma)
    if sign <= 0:
        return None
    inv = np.linalg.inv(sigma)
    t = moments.cov
    g_mu = None
    value = logdet + float(np.sum(inv * moments.cov)) - logdet_s - sigma.shape[0]
    if mu is not None:
        d = moments.mean - mu
        value += float(d @ inv @ d)
        t = t + np.outer(d, d)
        g_mu = -2.0 * inv @ d
    g_sigma = inv - inv @ t @ inv
    return Discrepancy(value=value, g_sigma=(g_sigma + g_sigma.T) / 2, g_mu=g_mu)


def ml_expected_hessian(sigma: Array, d_sigma: Array, d_mu: Array | None) -> Array:
    """Expected second derivatives of ``F_ML`` for parameters with Jacobians ``d_sigma``, ``d_mu``.

    ``d_sigma`` has shape (k, p, p), ``d_mu`` (k, p); the result is (k, k).
    """
    inv = np.linalg.inv(sigma)
    a = np.einsum("ij,kjl->kil", inv, d_sigma)
    h = np.einsum("aij,bji->ab", a, a)
    if d_mu is not None:
        h = h + 2.0 * d_mu @ inv @ d_mu.T
    return np.asarray((h + h.T) / 2)
