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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

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
#: largest block (numbers) of the Kronecker sum of the information formed at once (16 MB)
_KRON_BUDGET = 2**21


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
class _Group:
    """The patterns with ``q`` observed variables, stacked (``g`` patterns).

    ``slots`` are the patterns' positions in the padded stacks of :class:`_AtSigma`; ``oo``,
    ``mo`` and ``mm`` gather the blocks of a ``p x p`` matrix for every pattern at once
    (shapes (g, q, q), (g, p - q, q), (g, p - q, p - q)); ``pad`` scatters a (g, q, q) stack
    into the padded (G, p, p) stack.
    """

    slots: IntArray
    obs: IntArray
    n: Array
    mean: Array
    cov: Array
    oo: tuple[IntArray, IntArray]
    mo: tuple[IntArray, IntArray]
    mm: tuple[IntArray, IntArray]
    pad: tuple[IntArray, IntArray, IntArray]

    @property
    def q(self) -> int:
        return int(self.obs.shape[1])


@dataclass(frozen=True)
class _AtSigma:
    """Per-pattern inverses at one ``Sigma``: by group, and padded with zeros to ``p x p``.

    ``inv[j]`` and ``logdet[j]`` belong to group ``j``; ``pm`` is the (G, p, p) stack of the
    padded inverses (slot order of the groups).
    """

    inv: tuple[Array, ...]
    logdet: tuple[Array, ...]
    pm: Array


@dataclass(frozen=True)
class _AtMoments:
    """Per-pattern products at one ``(Sigma, mu)``: ``W = P T P`` and ``u = P d`` (padded)."""

    minus2: float
    wm: Array
    um: Array


def _stack(groups: list[list[Pattern]]) -> tuple[_Group, ...]:
    """One :class:`_Group` per list of patterns (all with the same number observed)."""
    out, start = [], 0
    for pats in groups:
        g = len(pats)
        obs = np.stack([pat.observed for pat in pats]).astype(np.intp)
        mis = np.stack([pat.missing for pat in pats]).astype(np.intp)
        slots = np.arange(start, start + g, dtype=np.intp)
        start += g
        out.append(
            _Group(
                slots=slots,
                obs=obs,
                n=np.asarray([pat.n for pat in pats], dtype=float),
                mean=np.stack([pat.mean for pat in pats]),
                cov=np.stack([pat.cov for pat in pats]),
                oo=(obs[:, :, None], obs[:, None, :]),
                mo=(mis[:, :, None], obs[:, None, :]),
                mm=(mis[:, :, None], mis[:, None, :]),
                pad=(slots[:, None, None], obs[:, :, None], obs[:, None, :]),
            )
        )
    return tuple(out)


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

    Notes
    -----
    The computations stack the patterns with the same number of observed variables and do
    their linear algebra on the stacks; the information matrices are sums over the patterns
    of Kronecker products of (zero-padded) ``p x p`` matrices, which a single matrix product
    forms. The inverses at the last ``Sigma`` (and the products at the last ``(Sigma, mu)``)
    are kept: the optimiser asks for the value, the gradient and the information at the same
    point.
    """

    names: tuple[str, ...]
    y: Array
    patterns: tuple[Pattern, ...]
    _groups: tuple[_Group, ...] = field(init=False, repr=False, compare=False)
    _slot_n: Array = field(init=False, repr=False, compare=False)
    _slot_of: IntArray = field(init=False, repr=False, compare=False)
    _cache: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        by_q: dict[int, list[int]] = {}
        for k, pat in enumerate(self.patterns):
            by_q.setdefault(len(pat.observed), []).append(k)
        members = [by_q[q] for q in sorted(by_q)]
        groups = _stack([[self.patterns[k] for k in ks] for ks in members])
        order = np.asarray([k for ks in members for k in ks], dtype=np.intp)
        slot_of = np.empty(len(order), dtype=np.intp)
        slot_of[order] = np.arange(len(order), dtype=np.intp)
        object.__setattr__(self, "_groups", groups)
        object.__setattr__(
            self, "_slot_n", np.asarray([pat.n for pat in self.patterns])[order] * 1.0
        )
        object.__setattr__(self, "_slot_of", slot_of)

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

    def _at_sigma(self, sigma: Array) -> _AtSigma | None:
        """Inverses and log-determinants of every pattern's ``Sigma_oo`` (``None``: not PD)."""
        sigma = np.ascontiguousarray(sigma, dtype=float)
        key = sigma.tobytes()
        hit = self._cache.get("sigma")
        if hit is not None and hit[0] == key:
            return cast("_AtSigma | None", hit[1])
        p = self.p
        pm = np.zeros((len(self.patterns), p, p))
        invs, logdets = [], []
        value: _AtSigma | None = None
        for grp in self._groups:
            try:
                chol = np.linalg.cholesky(sigma[grp.oo])
            except np.linalg.LinAlgError:
                break
            logdets.append(2.0 * np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1))
            inv_chol = np.linalg.inv(chol)
            inv = np.swapaxes(inv_chol, 1, 2) @ inv_chol
            pm[grp.pad] = inv
            invs.append(inv)
        else:
            value = _AtSigma(inv=tuple(invs), logdet=tuple(logdets), pm=pm)
        self._cache["sigma"] = (key, value)
        return value

    def _at_moments(self, sigma: Array, mu: Array) -> tuple[_AtSigma, _AtMoments] | None:
        """:meth:`_at_sigma` and ``-2 log L``, ``W = P T P``, ``u = P d`` at ``(Sigma, mu)``."""
        at = self._at_sigma(sigma)
        if at is None:
            return None
        mu = np.ascontiguousarray(mu, dtype=float)
        key = np.ascontiguousarray(sigma, dtype=float).tobytes() + mu.tobytes()
        hit = self._cache.get("moments")
        if hit is not None and hit[0] == key:
            return at, cast("_AtMoments", hit[1])
        p, n_pat = self.p, len(self.patterns)
        wm = np.zeros((n_pat, p, p))
        um = np.zeros((n_pat, p))
        total = 0.0
        for grp, inv, logdet in zip(self._groups, at.inv, at.logdet, strict=True):
            d = grp.mean - mu[grp.obs]
            t = grp.cov + d[:, :, None] * d[:, None, :]
            fit = np.sum(inv * t, axis=(1, 2))
            total += float(np.sum(grp.n * (grp.q * LOG_2PI + logdet + fit)))
            wm[grp.pad] = inv @ t @ inv
            um[grp.slots[:, None], grp.obs] = (inv @ d[:, :, None])[:, :, 0]
        value = _AtMoments(minus2=total, wm=wm, um=um)
        self._cache["moments"] = (key, value)
        return at, value

    def minus2_loglik(self, sigma: Array, mu: Array) -> tuple[float, Array, Array] | None:
        """``-2 log L``, its gradient in ``Sigma`` (elements distinct) and in ``mu``.

        ``None`` when a pattern's covariance matrix is not positive definite.
        """
        both = self._at_moments(sigma, mu)
        if both is None:
            return None
        at, mom = both
        p, n_pat = self.p, len(self.patterns)
        g_sigma = (self._slot_n @ (at.pm - mom.wm).reshape(n_pat, p * p)).reshape(p, p)
        g_mu = -2.0 * (self._slot_n @ mom.um)
        return mom.minus2, (g_sigma + g_sigma.T) / 2, g_mu

    def _kron(
        self, x: Array, y: Callable[[slice], Array], right: Callable[[Array], Array]
    ) -> Array:
        """``R @ D`` for ``R[(a, d), (b, c)] = sum_k n_k x_k[a, b] y_k[c, d]`` (``right(R) = R @ D``).

        Over the padded (G, p, p) stack ``x`` and the stack ``y(patterns)``: ``vec(D_l)' R
        vec(D_k)`` is then ``sum_k n_k tr(x_k D_k y_k D_l)``. ``R`` (``p^4`` numbers) is
        formed in row blocks, and the patterns taken in chunks, of at most ``_KRON_BUDGET``
        numbers each (``right`` is linear, so the chunks' products add up).
        """
        n_pat, p = x.shape[0], self.p
        step = max(1, min(p, _KRON_BUDGET // p**3))
        width = max(1, _KRON_BUDGET // (p * p))
        parts = []
        for g0 in range(0, n_pat, width):
            chunk = slice(g0, min(n_pat, g0 + width))
            xf = self._slot_n[chunk, None] * x[chunk].reshape(-1, p * p)
            yf = y(chunk).reshape(-1, p * p)
            out = []
            for a0 in range(0, p, step):
                a1 = min(p, a0 + step)
                k4 = xf[:, a0 * p : a1 * p].T @ yf
                r = k4.reshape(a1 - a0, p, p, p).transpose(0, 3, 1, 2)
                out.append(right(r.reshape((a1 - a0) * p, p * p)))
            parts.append(np.vstack(out))
        return np.asarray(sum(parts[1:], parts[0]))

    def _information_parts(
        self, sigma: Array, mu: Array, observed: bool
    ) -> tuple[Array, Callable[[slice], Array], Array | None] | None:
        """The padded inverses, the ``y`` of :meth:`_kron` and (observed) ``C[i, (a, b)]``.

        ``C = sum_k n_k P_k[i, a] u_k[b]``; ``y`` is ``W - P / 2`` (observed) or ``P / 2``.
        """
        if not observed:
            at = self._at_sigma(sigma)
            if at is None:
                return None
            pm = at.pm
            return pm, lambda k: 0.5 * pm[k], None
        both = self._at_moments(sigma, mu)
        if both is None:
            return None
        at, mom = both
        p, n_pat = self.p, len(self.patterns)
        c = (self._slot_n[:, None] * at.pm.reshape(n_pat, p * p)).T @ mom.um
        c = c.reshape(p, p * p)
        pm, wm = at.pm, mom.wm
        return pm, lambda k: wm[k] - 0.5 * pm[k], c

    def information(self, sigma: Array, mu: Array, observed: bool = True) -> Array:
        """Information of ``-log L`` in ``(mu, vech Sigma)``: observed or expected."""
        p = self.p
        r, c = vech_index(p)
        ps = len(r)
        parts = self._information_parts(sigma, mu, observed)
        if parts is None:
            return np.full((p + ps, p + ps), np.nan)
        pm, ym, cm = parts
        i1, i2 = r * p + c, c * p + r
        off = r != c

        def pick(m: Array) -> Array:  # columns (a, b) -> vech directions E_ab + E_ba
            return np.asarray(m[:, i1] + np.where(off, m[:, i2], 0.0))

        q = self._kron(pm, ym, pick)
        out = np.zeros((p + ps, p + ps))
        out[:p, :p] = (self._slot_n @ pm.reshape(len(pm), p * p)).reshape(p, p)
        out[p:, p:] = pick(q.T)
        if cm is not None:
            out[:p, p:] = pick(cm)
            out[p:, :p] = out[:p, p:].T
        return (out + out.T) / 2

    def information_in(
        self, sigma: Array, mu: Array, d_sigma: Array, d_mu: Array, observed: bool = True
    ) -> Array:
        """Information of ``-log L`` along directions of the moments: ``Delta' I Delta``.

        ``d_sigma`` (k, p, p, symmetric) and ``d_mu`` (k, p) are the derivatives of ``Sigma``
        and ``mu`` with respect to k parameters; per pattern ``I_kl = n/2 tr(A_k A_l) + n dmu_k'
        P dmu_l`` (expected) with ``A_k = P dSigma_k``, or, observed,
        ``n [tr(A_k W dSigma_l) - tr(A_k A_l) / 2] + n dmu_k' P dmu_l + n (dmu_k' A_l u +
        dmu_l' A_k u)`` with ``W = P T P`` and ``u = P d``.
        """
        k, p = d_sigma.shape[0], self.p
        parts = self._information_parts(sigma, mu, observed)
        if parts is None:
            return np.full((k, k), np.nan)
        pm, ym, cm = parts
        right = d_sigma.reshape(k, p * p).T
        q = self._kron(pm, ym, lambda m: np.asarray(m @ right))
        out = d_sigma.transpose(0, 2, 1).reshape(k, p * p) @ q
        mean = (self._slot_n @ pm.reshape(len(pm), p * p)).reshape(p, p)
        out += d_mu @ mean @ d_mu.T
        if cm is not None:
            cross = d_mu @ cm @ right
            out += cross + cross.T
        return np.asarray((out + out.T) / 2)

    def scores(self, sigma: Array, mu: Array) -> Array:
        """Casewise scores of ``log L`` in ``(mu, vech Sigma)``, one row per row of ``y``."""
        p = self.p
        r, c = vech_index(p)
        f = np.where(r == c, 1.0, 2.0)
        out = np.zeros((self.n, p + len(r)))
        at = self._at_sigma(sigma)
        if at is None:
            return np.full_like(out, np.nan)
        centred = np.where(np.isnan(self.y), 0.0, self.y - mu)
        for pat, slot in zip(self.patterns, self._slot_of, strict=True):
            pm = at.pm[slot]
            e = centred[pat.rows] @ pm
            out[pat.rows, :p] = e
            out[pat.rows, p:] = f * 0.5 * (e[:, r] * e[:, c] - pm[r, c])
        return out


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
    """One EM step: the expected sufficient statistics of every pattern, stack by stack."""
    p = data.p
    t1 = np.zeros(p)
    t2 = np.zeros((p, p))
    for grp in data._groups:
        g = len(grp.n)
        n = grp.n
        s1 = n[:, None] * grp.mean
        s2 = n[:, None, None] * (grp.cov + grp.mean[:, :, None] * grp.mean[:, None, :])
        t1 += np.bincount(grp.obs.ravel(), weights=s1.ravel(), minlength=p)
        e2 = np.zeros((g, p, p))
        lo = np.arange(g)[:, None, None]
        e2[lo, grp.oo[0], grp.oo[1]] = s2
        if grp.q < p:
            s_om = np.swapaxes(sigma[grp.mo], 1, 2)
            b = np.swapaxes(np.linalg.solve(sigma[grp.oo], s_om), 1, 2)
            mis = grp.mo[0][:, :, 0]
            a = mu[mis] - (b @ mu[grp.obs][:, :, None])[:, :, 0]
            cond = sigma[grp.mm] - b @ s_om
            bs1 = (b @ s1[:, :, None])[:, :, 0]
            t1 += np.bincount(mis.ravel(), weights=(n[:, None] * a + bs1).ravel(), minlength=p)
            mo = a[:, :, None] * s1[:, None, :] + b @ s2
            e2[lo, grp.mo[0], grp.mo[1]] = mo
            e2[lo, grp.mo[1].transpose(0, 2, 1), grp.mo[0].transpose(0, 2, 1)] = np.swapaxes(
                mo, 1, 2
            )
            e2[lo, grp.mm[0], grp.mm[1]] = (
                n[:, None, None] * (a[:, :, None] * a[:, None, :] + cond)
                + a[:, :, None] * bs1[:, None, :]
                + bs1[:, :, None] * a[:, None, :]
                + b @ s2 @ np.swapaxes(b, 1, 2)
            )
        t2 += e2.sum(axis=0)
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
