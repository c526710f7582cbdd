"""The unrestricted normal likelihood of one group with missing values, in its moments.

Rows are grouped by their pattern of missing values; pattern ``k`` has ``n_k`` rows observing
the variables ``o_k``, with mean ``ybar_k`` and covariance ``S_k`` (divisor ``n_k``). With
``P = Sigma_oo^-1``, ``d = ybar_k - mu_o`` and ``T = S_k + d d'``, the casewise (FIML)
likelihood is

.. math::

    -2 \\log L = \\sum_k n_k [p_k \\log 2\\pi + \\log|\\Sigma_{oo}| + tr(P T)]

(Arbuckle 1996; complete data is the case of one pattern). In the moments ``(mu, vech Sigma)``
(lavaan's order: the means, then the lower triangle column by column) this module gives the
gradient, the observed and expected information (of ``-log L``), the casewise scores and the
maximum-likelihood moments by the EM algorithm (Dempster, Laird & Rubin 1977), polished by
Newton steps on the observed information. With ``E_ab`` the symmetric unit matrix of element
``(a, b)`` and ``W = P T P``, the observed information is

* means: ``n P``; means by ``sigma_ab``: ``n P E_ab P d``;
* ``sigma_ab, sigma_cd``: ``n/2 [2 tr(P E_ab P E_cd W) - tr(P E_ab P E_cd)]``,

which equals the expected information ``n/2 tr(P E_ab P E_cd)`` at ``T = Sigma``. Every pattern's
matrices are padded with zeros to the full set of variables.

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data. In
G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced Structural Equation Modeling*
(pp. 243-277). Erlbaum.
Dempster, A. P., Laird, N. M., & Rubin, D. B. (1977). Maximum likelihood from incomplete data
via the EM algorithm. *Journal of the Royal Statistical Society B*, 39, 1-38.
Savalei, V. (2010). Expected versus observed information in SEM with incomplete normal and
nonnormal data. *Psychological Methods*, 15, 352-367.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Pattern",
    "PatternData",
    "SaturatedFit",
    "em_saturated",
    "vech_index",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]
LOG_2PI = math.log(2 * math.pi)


def vech_index(p: int) -> tuple[IntArray, IntArray]:
    """Rows and columns of ``vech``: the lower triangle column by column (lavaan's order)."""
    rows, cols = [], []
    for j in range(p):
        for i in range(j, p):
            rows.append(i)
            cols.append(j)
    return np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)


@dataclass(frozen=True)
class Pattern:
    """Rows sharing one pattern of observed variables.

    ``missing`` are the other variables; ``oo``, ``mo`` and ``mm`` index the blocks of a
    ``p x p`` matrix (precomputed: the EM and the likelihood use them at every step).
    """

    observed: IntArray
    rows: IntArray
    mean: Array
    cov: Array
    missing: IntArray
    oo: tuple[IntArray, ...]
    mo: tuple[IntArray, ...]
    mm: tuple[IntArray, ...]

    @classmethod
    def make(cls, observed: IntArray, rows: IntArray, y: Array) -> Pattern:
        x = y[np.ix_(rows, observed)]
        mean = x.mean(axis=0)
        c = x - mean
        cov = c.T @ c / len(rows)
        missing = np.setdiff1d(np.arange(y.shape[1]), observed).astype(np.intp)
        return cls(
            observed=observed,
            rows=rows,
            mean=mean,
            cov=(cov + cov.T) / 2,
            missing=missing,
            oo=np.ix_(observed, observed),
            mo=np.ix_(missing, observed),
            mm=np.ix_(missing, missing),
        )

    @property
    def n(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class PatternData:
    """The rows of one group, by missing-data pattern.

    Attributes
    ----------
    names : tuple of str
        The variables (columns of ``y``).
    y : ndarray
        The data, NaN where missing (no row is missing everything).
    patterns : tuple of Pattern
        By decreasing frequency (then by the pattern, observed first), the order of lavaan's
        ``lavInspect(fit, "patterns")``.
    """

    names: tuple[str, ...]
    y: Array
    patterns: tuple[Pattern, ...]

    @classmethod
    def build(cls, names: tuple[str, ...], y: Array) -> PatternData:
        """Group the rows of ``y`` by pattern (rows missing every variable must be removed)."""
        observed = ~np.isnan(y)
        keys, inverse, counts = np.unique(observed, axis=0, return_inverse=True, return_counts=True)
        inverse = np.asarray(inverse).reshape(-1)
        order = sorted(range(len(keys)), key=lambda k: (-counts[k], tuple(~keys[k])))
        patterns = []
        for k in order:
            rows = np.flatnonzero(inverse == k).astype(np.intp)
            obs = np.flatnonzero(keys[k]).astype(np.intp)
            patterns.append(Pattern.make(obs, rows, y))
        return cls(names=names, y=y, patterns=tuple(patterns))

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def p(self) -> int:
        return len(self.names)

    @property
    def complete(self) -> bool:
        return len(self.patterns) == 1 and len(self.patterns[0].observed) == self.p

    def minus2_loglik(self, sigma: Array, mu: Array) -> tuple[float, Array, Array] | None:
        """``-2 log L``, its gradient in ``Sigma`` (elements distinct) and in ``mu``.

        ``None`` when a pattern's covariance matrix is not positive definite.
        """
        p = self.p
        total = 0.0
        g_sigma = np.zeros((p, p))
        g_mu = np.zeros(p)
        for pat in self.patterns:
            o = pat.observed
            inv, logdet = _inverse(sigma[pat.oo])
            if inv is None:
                return None
            d = pat.mean - mu[o]
            t = pat.cov + np.outer(d, d)
            n = pat.n
            total += n * (len(o) * LOG_2PI + logdet + float(np.sum(inv * t)))
            g_sigma[pat.oo] += n * (inv - inv @ t @ inv)
            g_mu[o] -= 2.0 * n * (inv @ d)
        return total, (g_sigma + g_sigma.T) / 2, g_mu

    def information(self, sigma: Array, mu: Array, observed: bool = True) -> Array:
        """Information of ``-log L`` in ``(mu, vech Sigma)``: observed or expected."""
        p = self.p
        r, c = vech_index(p)
        f = np.where(r == c, 1.0, 2.0)
        ff = np.outer(f, f) / 2
        rr, cc = np.add.outer(r * p, r), np.add.outer(c * p, c)
        rc, cr = np.add.outer(r * p, c), np.add.outer(c * p, r)
        mean_part = np.zeros((p, p))
        cross = np.zeros((p, len(r)))
        sigma_part = np.zeros((len(r), len(r)))
        for pat in self.patterns:
            o = pat.observed
            inv, _ = _inverse(sigma[pat.oo])
            if inv is None:
                return np.full((p + len(r), p + len(r)), np.nan)
            pm = np.zeros((p, p))
            pm[pat.oo] = inv
            flat = pm.ravel()
            n = pat.n
            mean_part += n * pm
            if not observed:
                sigma_part += n * (flat[rr] * flat[cc] + flat[rc] * flat[cr])
                continue
            d = pat.mean - mu[o]
            w = np.zeros((p, p))
            w[pat.oo] = inv @ (pat.cov + np.outer(d, d)) @ inv
            wf = w.ravel()
            sigma_part += n * (
                flat[rr] * (wf[cc] - flat[cc])
                + flat[rc] * (wf[cr] - flat[cr])
                + flat[cr] * wf[rc]
                + flat[cc] * wf[rr]
            )
            u = np.zeros(p)
            u[o] = inv @ d
            cross += n * (pm[:, r] * u[c] + pm[:, c] * u[r])
        out = np.empty((p + len(r), p + len(r)))
        out[:p, :p] = mean_part
        out[:p, p:] = cross * (f / 2)
        out[p:, :p] = out[:p, p:].T
        out[p:, p:] = 0.5 * ff * sigma_part
        return out

    def information_in(
        self, sigma: Array, mu: Array, d_sigma: Array, d_mu: Array, observed: bool = True
    ) -> Array:
        """Information of ``-log L`` along directions of the moments: ``Delta' I Delta``.

        ``d_sigma`` (k, p, p) and ``d_mu`` (k, p) are the derivatives of ``Sigma`` and ``mu``
        with respect to k parameters; per pattern ``I_kl = n/2 tr(A_k A_l) + n dmu_k' P dmu_l``
        (expected) with ``A_k = P dSigma_k``, or, observed,
        ``n/2 [2 tr(A_k A_l W P^-1) - tr(A_k A_l)] + n dmu_k' P dmu_l + n (dmu_k' A_l u + dmu_l'
        A_k u)`` with ``u = P d``. Cheaper than :meth:`information` when k is small.
        """
        k = d_sigma.shape[0]
        out = np.zeros((k, k))
        for pat in self.patterns:
            o = pat.observed
            inv, _ = _inverse(sigma[pat.oo])
            if inv is None:
                return np.full((k, k), np.nan)
            q = len(o)
            sub = d_sigma[:, o][:, :, o].transpose(1, 0, 2).reshape(q, k * q)
            a = (inv @ sub).reshape(q, k, q).transpose(1, 0, 2)
            dm = d_mu[:, o]
            at = a.transpose(0, 2, 1).reshape(k, q * q)
            flat = a.reshape(k, q * q)
            n = pat.n
            part = dm @ inv @ dm.T
            if observed:
                d = pat.mean - mu[o]
                w = inv @ (pat.cov + np.outer(d, d)) @ inv
                aw = (a.reshape(k * q, q) @ (w @ sigma[pat.oo])).reshape(k, q * q)
                part += 0.5 * (2 * aw @ at.T - flat @ at.T)
                cross = dm @ (a @ (inv @ d)).T
                part += cross + cross.T
            else:
                part += 0.5 * flat @ at.T
            out += n * part
        return (out + out.T) / 2

    def scores(self, sigma: Array, mu: Array) -> Array:
        """Casewise scores of ``log L`` in ``(mu, vech Sigma)``, one row per row of ``y``."""
        p = self.p
        r, c = vech_index(p)
        f = np.where(r == c, 1.0, 2.0)
        out = np.zeros((self.n, p + len(r)))
        for pat in self.patterns:
            o = pat.observed
            inv, _ = _inverse(sigma[pat.oo])
            if inv is None:
                return np.full_like(out, np.nan)
            pm = np.zeros((p, p))
            pm[pat.oo] = inv
            e = np.zeros((pat.n, p))
            e[:, o] = (self.y[np.ix_(pat.rows, o)] - mu[o]) @ inv
            out[pat.rows, :p] = e
            out[pat.rows, p:] = f * 0.5 * (e[:, r] * e[:, c] - pm[r, c])
        return out


def _inverse(m: Array) -> tuple[Array | None, float]:
    """Inverse and log-determinant of a symmetric matrix (``None`` if not positive definite)."""
    try:
        chol = np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return None, math.nan
    logdet = 2.0 * float(np.sum(np.log(np.diag(chol))))
    inv_chol = np.linalg.inv(chol)
    return inv_chol.T @ inv_chol, logdet


@dataclass(frozen=True)
class SaturatedFit:
    """Maximum-likelihood moments of a group with missing values (the H1 model)."""

    mu: Array
    sigma: Array
    loglik: float
    iterations: int


def _start(data: PatternData) -> tuple[Array, Array]:
    y = data.y
    mu = np.nanmean(y, axis=0)
    var = np.nanvar(y, axis=0)
    return mu, np.diag(np.where(var > 0, var, 1.0))


def _em_step(data: PatternData, mu: Array, sigma: Array) -> tuple[Array, Array]:
    p = data.p
    t1 = np.zeros(p)
    t2 = np.zeros((p, p))
    for pat in data.patterns:
        o, m = pat.observed, pat.missing
        n = pat.n
        s1 = n * pat.mean
        s2 = n * (pat.cov + np.outer(pat.mean, pat.mean))
        if not len(m):
            t1 += s1
            t2 += s2
            continue
        b = np.linalg.solve(sigma[pat.oo], sigma[pat.mo].T).T
        a = mu[m] - b @ mu[o]
        cond = sigma[pat.mm] - b @ sigma[pat.mo].T
        bs1 = b @ s1
        t1[o] += s1
        t1[m] += n * a + bs1
        t2[pat.oo] += s2
        mo = np.outer(a, s1) + b @ s2
        t2[pat.mo] += mo
        t2[pat.mo[1].T, pat.mo[0].T] += mo.T
        t2[pat.mm] += (
            n * np.outer(a, a) + np.outer(a, bs1) + np.outer(bs1, a) + b @ s2 @ b.T + n * cond
        )
    mu_new = t1 / data.n
    sigma_new = t2 / data.n - np.outer(mu_new, mu_new)
    return mu_new, (sigma_new + sigma_new.T) / 2


def em_saturated(data: PatternData, tol: float = 1e-6, max_iter: int = 10000) -> SaturatedFit:
    """The ML means and covariance matrix of one group with missing values.

    EM from the available-case means and variances until no moment changes by more than
    ``tol`` (relative to the variances), then Newton steps on the observed information until
    the gradient vanishes (lavaan stops its EM at ``em.h1.tol = 1e-5``; this is the exact
    optimum it approaches). Complete data return the sample moments (divisor ``n``).
    """
    if data.complete:
        pat = data.patterns[0]
        value = data.minus2_loglik(pat.cov, pat.mean)
        ll = math.nan if value is None else -value[0] / 2
        return SaturatedFit(pat.mean, pat.cov, ll, 0)
    mu, sigma = _start(data)
    scale = float(np.max(np.diag(sigma)))
    iterations = max_iter
    for it in range(1, max_iter + 1):
        mu_new, sigma_new = _em_step(data, mu, sigma)
        change = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(sigma_new - sigma)))
        mu, sigma = mu_new, sigma_new
        if change <= tol * scale:
            iterations = it
            break
    mu, sigma = _newton_polish(data, mu, sigma)
    value = data.minus2_loglik(sigma, mu)
    ll = math.nan if value is None else -value[0] / 2
    return SaturatedFit(mu, sigma, ll, iterations)


def _newton_polish(data: PatternData, mu: Array, sigma: Array) -> tuple[Array, Array]:
    p = data.p
    r, c = vech_index(p)
    for _ in range(10):
        value = data.minus2_loglik(sigma, mu)
        if value is None:  # pragma: no cover
            break
        f, g_sigma, g_mu = value
        grad = -0.5 * np.concatenate([g_mu, np.where(r == c, 1.0, 2.0) * g_sigma[r, c]])
        if np.max(np.abs(grad)) < 1e-10 * max(1.0, data.n):
            break
        info = data.information(sigma, mu)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:  # pragma: no cover
            break
        mu_n = mu + step[:p]
        sigma_n = sigma.copy()
        sigma_n[r, c] += step[p:]
        sigma_n[c, r] = sigma_n[r, c]
        new = data.minus2_loglik(sigma_n, mu_n)
        if new is None or new[0] > f + 1e-9 * abs(f):
            break
        mu, sigma = mu_n, sigma_n
    return mu, sigma
