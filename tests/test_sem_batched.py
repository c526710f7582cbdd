"""The batched FIML computations of the SEM engine equal a plain per-pattern reference.

``PatternData`` stacks the missing-data patterns by their number of observed variables and
does the linear algebra on those stacks (and the information through one Kronecker sum over
the patterns). The reference below is the straightforward one-pattern-at-a-time form of the
same formulas (the engine's code before it was batched), kept here and not in ``src``: the
``-2 log L`` and its gradient, the observed and expected information in the moments and along
parameter directions, the casewise scores and one EM step, on random data with a complete
pattern, one-variable patterns and several patterns per number of observed variables.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from learning_direction.models.sem import saturated
from learning_direction.models.sem.saturated import PatternData, em_saturated, vech_index

LOG_2PI = math.log(2 * math.pi)
TOL = 1e-12


# ---- the per-pattern reference ------------------------------------------------------------


def ref_inverse(m):
    chol = np.linalg.cholesky(m)
    inv_chol = np.linalg.inv(chol)
    return inv_chol.T @ inv_chol, 2.0 * float(np.sum(np.log(np.diag(chol))))


def ref_minus2_loglik(data, sigma, mu):
    p = data.p
    total, g_sigma, g_mu = 0.0, np.zeros((p, p)), np.zeros(p)
    for pat in data.patterns:
        o = pat.observed
        inv, logdet = ref_inverse(sigma[np.ix_(o, o)])
        d = pat.mean - mu[o]
        t = pat.cov + np.outer(d, d)
        n = pat.n
        total += n * (len(o) * LOG_2PI + logdet + float(np.sum(inv * t)))
        g_sigma[np.ix_(o, o)] += n * (inv - inv @ t @ inv)
        g_mu[o] -= 2.0 * n * (inv @ d)
    return total, (g_sigma + g_sigma.T) / 2, g_mu


def ref_information(data, sigma, mu, observed=True):
    p = data.p
    r, c = vech_index(p)
    f = np.where(r == c, 1.0, 2.0)
    ff = np.outer(f, f) / 2
    rr, cc = np.add.outer(r * p, r), np.add.outer(c * p, c)
    rc, cr = np.add.outer(r * p, c), np.add.outer(c * p, r)
    mean_part = np.zeros((p, p))
    cross = np.zeros((p, len(r)))
    sigma_part = np.zeros((len(r), len(r)))
    for pat in data.patterns:
        o = pat.observed
        inv, _ = ref_inverse(sigma[np.ix_(o, o)])
        pm = np.zeros((p, p))
        pm[np.ix_(o, o)] = inv
        flat = pm.ravel()
        n = pat.n
        mean_part += n * pm
        if not observed:
            sigma_part += n * (flat[rr] * flat[cc] + flat[rc] * flat[cr])
            continue
        d = pat.mean - mu[o]
        w = np.zeros((p, p))
        w[np.ix_(o, o)] = inv @ (pat.cov + np.outer(d, d)) @ inv
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


def ref_information_in(data, sigma, mu, d_sigma, d_mu, observed=True):
    k = d_sigma.shape[0]
    out = np.zeros((k, k))
    for pat in data.patterns:
        o = pat.observed
        soo = sigma[np.ix_(o, o)]
        inv, _ = ref_inverse(soo)
        a = np.stack([inv @ d_sigma[j][np.ix_(o, o)] for j in range(k)])
        dm = d_mu[:, o]
        part = dm @ inv @ dm.T
        tr_aa = np.einsum("kij,lji->kl", a, a)
        if observed:
            d = pat.mean - mu[o]
            w = inv @ (pat.cov + np.outer(d, d)) @ inv
            aw = np.stack([a[j] @ w @ soo for j in range(k)])
            part += 0.5 * (2 * np.einsum("kij,lji->kl", aw, a) - tr_aa)
            cross = dm @ (a @ (inv @ d)).T
            part += cross + cross.T
        else:
            part += 0.5 * tr_aa
        out += pat.n * part
    return (out + out.T) / 2


def ref_scores(data, sigma, mu):
    p = data.p
    r, c = vech_index(p)
    f = np.where(r == c, 1.0, 2.0)
    out = np.zeros((data.n, p + len(r)))
    for pat in data.patterns:
        o = pat.observed
        inv, _ = ref_inverse(sigma[np.ix_(o, o)])
        pm = np.zeros((p, p))
        pm[np.ix_(o, o)] = inv
        e = np.zeros((pat.n, p))
        e[:, o] = (data.y[np.ix_(pat.rows, o)] - mu[o]) @ inv
        out[pat.rows, :p] = e
        out[pat.rows, p:] = f * 0.5 * (e[:, r] * e[:, c] - pm[r, c])
    return out


def ref_em_step(data, mu, sigma):
    p = data.p
    t1, t2 = np.zeros(p), np.zeros((p, p))
    for pat in data.patterns:
        o, m = pat.observed, pat.missing
        n = pat.n
        s1 = n * pat.mean
        s2 = n * (pat.cov + np.outer(pat.mean, pat.mean))
        t1[o] += s1
        t2[np.ix_(o, o)] += s2
        if not len(m):
            continue
        b = np.linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(m, o)].T).T
        a = mu[m] - b @ mu[o]
        cond = sigma[np.ix_(m, m)] - b @ sigma[np.ix_(m, o)].T
        bs1 = b @ s1
        t1[m] += n * a + bs1
        mo = np.outer(a, s1) + b @ s2
        t2[np.ix_(m, o)] += mo
        t2[np.ix_(o, m)] += mo.T
        t2[np.ix_(m, m)] += (
            n * np.outer(a, a) + np.outer(a, bs1) + np.outer(bs1, a) + b @ s2 @ b.T + n * cond
        )
    mu_new = t1 / data.n
    sigma_new = t2 / data.n - np.outer(mu_new, mu_new)
    return mu_new, (sigma_new + sigma_new.T) / 2


# ---- data ---------------------------------------------------------------------------------


def _data(p: int = 6, n: int = 90, seed: int = 7) -> PatternData:
    """Random rows with a complete pattern, one-variable patterns and mixed patterns."""
    rng = np.random.default_rng(seed)
    root = rng.normal(size=(p, p))
    y = rng.normal(size=(n, p)) @ (root + p * np.eye(p)) / p + rng.normal(size=p)
    miss = rng.random((n, p)) < 0.3
    miss[: n // 3] = False  # complete rows
    for j, row in enumerate(range(n // 3, n // 3 + 4)):  # rows observing one variable only
        miss[row] = True
        miss[row, j % p] = False
    miss[miss.all(axis=1), 0] = False
    y[miss] = np.nan
    return PatternData.build(tuple(f"v{j}" for j in range(p)), y)


def _moments(data: PatternData, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A positive-definite Sigma and a mu away from the sample moments (so d != 0)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(data.p, data.p))
    return a @ a.T / data.p + np.eye(data.p), rng.normal(size=data.p)


def _close(a, b, tol=TOL):
    a, b = np.asarray(a), np.asarray(b)
    scale = max(1.0, float(np.max(np.abs(b))))
    assert a.shape == b.shape
    assert np.max(np.abs(a - b)) <= tol * scale, np.max(np.abs(a - b)) / scale


@pytest.fixture(scope="module")
def data() -> PatternData:
    d = _data()
    counts = [len(pat.observed) for pat in d.patterns]
    assert d.p in counts and 1 in counts  # a complete pattern and a one-variable pattern
    assert len(d.patterns) > len(set(counts)) > 3  # several stacks, some with many patterns
    return d


def test_minus2_loglik_and_its_gradient_equal_the_per_pattern_reference(data):
    sigma, mu = _moments(data)
    out = data.minus2_loglik(sigma, mu)
    ref = ref_minus2_loglik(data, sigma, mu)
    assert out is not None
    _close(out[0], ref[0])
    _close(out[1], ref[1])
    _close(out[2], ref[2])


@pytest.mark.parametrize("observed", [True, False])
def test_information_equals_the_per_pattern_reference(data, observed):
    sigma, mu = _moments(data)
    _close(data.information(sigma, mu, observed), ref_information(data, sigma, mu, observed))


@pytest.mark.parametrize("observed", [True, False])
def test_information_along_directions_equals_the_reference(data, observed):
    sigma, mu = _moments(data)
    rng = np.random.default_rng(11)
    k, p = 9, data.p
    raw = rng.normal(size=(k, p, p))
    d_sigma = raw + raw.transpose(0, 2, 1)
    d_mu = rng.normal(size=(k, p))
    got = data.information_in(sigma, mu, d_sigma, d_mu, observed)
    _close(got, ref_information_in(data, sigma, mu, d_sigma, d_mu, observed))
    # and it is Delta' I Delta with the information in the moments
    r, c = vech_index(p)
    delta = np.hstack([d_mu, d_sigma[:, r, c]]).T
    _close(got, delta.T @ ref_information(data, sigma, mu, observed) @ delta, 1e-11)


@pytest.mark.parametrize("observed", [True, False])
def test_kronecker_sum_in_blocks_equals_one_block(data, monkeypatch, observed):
    """The Kronecker sum formed a few rows and a few patterns at a time (large p, many
    patterns) gives the same numbers."""
    sigma, mu = _moments(data)
    rng = np.random.default_rng(4)
    raw = rng.normal(size=(5, data.p, data.p))
    d_sigma, d_mu = raw + raw.transpose(0, 2, 1), rng.normal(size=(5, data.p))
    whole = data.information(sigma, mu, observed)
    along = data.information_in(sigma, mu, d_sigma, d_mu, observed)
    budget = 2 * data.p**3  # two rows of R at a time, 2 p patterns at a time
    assert len(data.patterns) > budget // data.p**2
    monkeypatch.setattr(saturated, "_KRON_BUDGET", budget)
    data._cache.clear()
    _close(data.information(sigma, mu, observed), whole)
    _close(data.information(sigma, mu, observed), ref_information(data, sigma, mu, observed))
    _close(data.information_in(sigma, mu, d_sigma, d_mu, observed), along)


def test_scores_equal_the_reference_and_sum_to_the_gradient(data):
    sigma, mu = _moments(data)
    got = data.scores(sigma, mu)
    _close(got, ref_scores(data, sigma, mu))
    _, g_sigma, g_mu = ref_minus2_loglik(data, sigma, mu)
    r, c = vech_index(data.p)
    grad = -0.5 * np.concatenate([g_mu, np.where(r == c, 1.0, 2.0) * g_sigma[r, c]])
    _close(got.sum(axis=0), grad, 1e-11)


def test_em_step_equals_the_reference(data):
    sigma, mu = _moments(data)
    got = saturated._em_step(data, mu, sigma)
    ref = ref_em_step(data, mu, sigma)
    _close(got[0], ref[0])
    _close(got[1], ref[1])


def test_cached_results_follow_the_moments(data):
    """The inverses kept for the last Sigma are not reused for another Sigma or mu."""
    sigma, mu = _moments(data)
    first = data.minus2_loglik(sigma, mu)
    sigma2, mu2 = sigma.copy(), mu.copy()
    sigma2[0, 0] += 0.5
    mu2[1] -= 0.25
    for s, m in [(sigma2, mu), (sigma, mu2), (sigma2, mu2), (sigma, mu)]:
        got = data.minus2_loglik(s, m)
        assert got is not None
        _close(got[0], ref_minus2_loglik(data, s, m)[0])
        _close(data.information(s, m), ref_information(data, s, m))
    assert first is not None and got[0] == first[0]
    got[1][0, 0] = np.nan  # the caller's copy: the cache is unaffected
    again = data.minus2_loglik(sigma, mu)
    assert again is not None and np.isfinite(again[1][0, 0])


def test_not_positive_definite_gives_none_and_nan(data):
    sigma, mu = _moments(data)
    bad = sigma.copy()
    bad[0, 1] = bad[1, 0] = 10 * np.sqrt(bad[0, 0] * bad[1, 1])
    assert data.minus2_loglik(bad, mu) is None
    assert np.all(np.isnan(data.information(bad, mu)))
    assert np.all(
        np.isnan(data.information_in(bad, mu, np.zeros((2, data.p, data.p)), np.zeros((2, data.p))))
    )
    assert np.all(np.isnan(data.scores(bad, mu)))


def test_em_saturated_reaches_the_reference_optimum():
    """EM + Newton polish: the gradient of the reference likelihood vanishes at the result."""
    d = _data(p=5, n=120, seed=21)
    fit = em_saturated(d, tol=1e-10)
    _, g_sigma, g_mu = ref_minus2_loglik(d, fit.sigma, fit.mu)
    assert np.max(np.abs(g_sigma)) < 1e-8 * d.n
    assert np.max(np.abs(g_mu)) < 1e-8 * d.n
    _close(fit.loglik, -ref_minus2_loglik(d, fit.sigma, fit.mu)[0] / 2)


# ---- the model side: Delta and the curvature of the model ------------------------------------


@pytest.fixture(scope="module")
def prepared():
    import pandas as pd

    from learning_direction.models.sem.engine import _start_z, prepare
    from learning_direction.models.sem.partable import build_partable
    from learning_direction.models.sem.syntax import parse_model

    d = _data(p=6, n=150, seed=5)
    df = pd.DataFrame(d.y, columns=list(d.names))
    parsed = parse_model("f1 =~ v0 + v1 + v2\nf2 =~ v3 + v4 + v5\nf2 ~ f1\nv0 ~~ v3")
    table = build_partable(parsed, fixed_x=False, meanstructure=True)
    prep = prepare(table, df, fiml=True)
    z = _start_z(prep) + 0.05 * np.random.default_rng(2).normal(size=prep.param.nz)
    return prep, z


def test_batched_model_gradient_equals_one_vector_at_a_time(prepared):
    prep, z = prepared
    block = prep.objective.blocks[0]
    rng = np.random.default_rng(8)
    values = np.stack([prep.param.values(z + 0.01 * rng.normal(size=len(z))) for _ in range(5)])
    g_sigma = rng.normal(size=(block.p, block.p))
    g_sigma = g_sigma + g_sigma.T
    g_mu = rng.normal(size=block.p)
    for mu_part in (g_mu, None):
        got = block.gradient_many(values, g_sigma, mu_part)
        for b, v in enumerate(values):
            _close(got[b], block.gradient(block.implied(v), g_sigma, mu_part))


def test_jacobian_equals_the_row_by_row_derivatives(prepared):
    """Each row's dSigma and dmu, from the RAM formulas written out one row at a time."""
    prep, z = prepared
    block = prep.objective.blocks[0]
    imp = block.implied(prep.param.values(z))
    d_sigma, d_mu = block.jacobian(imp)
    pm, rm = imp.pmat, imp.rmat
    for n, (kind, i, j) in enumerate(zip(block.kind, block.i, block.j, strict=True)):
        if kind == 0:
            outer = np.outer(pm[:, i], rm[:, j])
            ref_s, ref_m = outer + outer.T, pm[:, i] * imp.bm[j]
        elif kind == 1:
            outer = np.outer(pm[:, i], pm[:, j])
            ref_s, ref_m = (outer + outer.T if i != j else outer), np.zeros(block.p)
        else:
            ref_s, ref_m = np.zeros((block.p, block.p)), pm[:, i]
        _close(d_sigma[n], ref_s)
        _close(d_mu[n], ref_m)


def test_model_curvature_equals_the_column_by_column_differences(prepared):
    from learning_direction.models.sem.derivatives import _central_jacobian
    from learning_direction.models.sem.optimize import fd_jacobian

    prep, z = prepared
    param, blocks, data = prep.param, prep.objective.blocks, prep.rows[0]
    imp = blocks[0].implied(param.values(z))
    out = data.minus2_loglik(imp.sigma, imp.mu)
    assert out is not None
    grads = [(out[1] / 2, out[2] / 2)]

    def model_gradient(zz):
        v = param.values(zz)
        total = np.zeros(len(param.table.rows))
        total[blocks[0].rows] += blocks[0].gradient(blocks[0].implied(v), *grads[0])
        return param.grad_z(total)

    ref = fd_jacobian(model_gradient, z, h=1e-5, points=3)
    _close(_central_jacobian(param, blocks, grads, z, True), ref)
