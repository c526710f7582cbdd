"""The stacked two-level computations of the SEM engine equal their one-point forms.

The two-level fit takes Newton steps with the finite-difference Hessian of the analytic
gradient; its ``2 nz`` gradient probes (``4 nz`` for the observed information) are evaluated
in one stacked pass: :meth:`RamBlock.implied_many` / :meth:`RamBlock.gradient_stack`,
:func:`twolevel.minus2_loglik_many`, :meth:`TwoLevelObjective.gradient_many` and
:func:`optimize.fd_jacobian_many`. Each is checked here against the plain loop over points of
the one-point routine (``implied``, ``gradient``, ``minus2_loglik``, ``fd_jacobian``), on the
2-1-1 mediation fixture and lavaan's ``Demo.twolevel`` (latent variables at both levels), at
the start values, at the optimum and at points where some probes are not positive definite.
The objective keeps its last point (the minimiser asks for the gradient where the line search
just took the value): checked against fresh evaluations. The EM shares one inverse of ``V_j``
between a state's log-likelihood and the next E step: checked against the two separate forms.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from _reference import reference_csv, reference_json
from learning_direction.models.sem import build_partable, engine, parse_model, twolevel
from learning_direction.models.sem.objective import TwoLevelObjective
from learning_direction.models.sem.optimize import fd_jacobian, fd_jacobian_many
from learning_direction.models.sem.twolevel import minus2_loglik, minus2_loglik_many

FITS = reference_json("sem_two_level.json")["fits"]
NAMES = ["med_211", "demo"]
TOL = 1e-10


@functools.cache
def _prepared(name: str) -> engine.Prepared:
    fx = FITS[name]
    table = build_partable(parse_model(fx["model"]))
    return engine.prepare(table, reference_csv(fx["data"]), "cluster")


@functools.cache
def _optimum(name: str) -> np.ndarray:
    return engine.estimate(_prepared(name)).z


def _points(name: str, n: int = 6) -> np.ndarray:
    """Row-value vectors around the optimum (some far enough to be improper)."""
    prep = _prepared(name)
    z = _optimum(name)
    rng = np.random.default_rng(7)
    zs = [z, engine._start_z(prep)]
    zs += [z + rng.normal(scale=0.05, size=len(z)) for _ in range(n - 2)]
    return np.stack([prep.param.values(zz) for zz in zs])


@pytest.mark.parametrize("name", NAMES)
def test_stacked_implied_moments_and_chain_rule_equal_the_one_point_forms(name):
    obj = _prepared(name).objective
    values = _points(name)
    rng = np.random.default_rng(3)
    for block in obj.blocks:
        stack = block.implied_many(values)
        p = block.p
        g_sigma = rng.normal(size=(len(values), p, p))
        g_mu = rng.normal(size=(len(values), p))
        grads = block.gradient_stack(stack, g_sigma, g_mu)
        one_g = block.gradient_stack(stack, g_sigma[0], g_mu[0])  # one (G, g) for all
        for k, v in enumerate(values):
            imp = block.implied(v)
            for field in ("sigma", "mu", "sigma_all", "b", "bm"):
                np.testing.assert_allclose(
                    getattr(stack, field)[k], getattr(imp, field), rtol=TOL, atol=TOL
                )
            ref = block.gradient(imp, g_sigma[k], g_mu[k])
            np.testing.assert_allclose(grads[k], ref, rtol=TOL, atol=TOL)
            ref0 = block.gradient(imp, g_sigma[0], g_mu[0])
            np.testing.assert_allclose(one_g[k], ref0, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", NAMES)
def test_stacked_likelihood_equals_minus2_loglik_per_point(name):
    obj = _prepared(name).objective
    values = _points(name)
    within, between = obj.blocks
    w, b = within.implied_many(values), between.implied_many(values)
    out = minus2_loglik_many(obj.data, obj.layout, w.sigma, w.mu, b.sigma, b.mu)
    for k in range(len(values)):
        ref = minus2_loglik(obj.data, obj.layout, w.sigma[k], w.mu[k], b.sigma[k], b.mu[k])
        assert ref is not None and not out.bad[k]
        np.testing.assert_allclose(out.value[k], ref.value, rtol=1e-12)
        for field in ("g_sigma_w", "g_mu_w", "g_sigma_b", "g_mu_b"):
            np.testing.assert_allclose(
                getattr(out, field)[k], getattr(ref, field), rtol=TOL, atol=TOL * 1e3
            )
    np.testing.assert_allclose(obj.gradient_many(values), [obj.gradient(v) for v in values],
                               rtol=TOL, atol=TOL)  # fmt: skip


def test_members_that_are_not_positive_definite_are_nan_and_leave_the_others_alone():
    obj = _prepared("med_211").objective
    values = _points("med_211", 3)
    within = obj.blocks[0]
    diag = np.flatnonzero((within.kind == 1) & (within.i == within.j))
    bad = values[1].copy()
    bad[within.rows[diag[0]]] = -1.0  # a negative level-1 residual variance
    stack = np.stack([values[0], bad, values[2]])
    assert obj.gradient(bad)[0] != obj.gradient(bad)[0]  # the one-point form is NaN too
    grads = obj.gradient_many(stack)
    assert np.all(np.isnan(grads[1]))
    np.testing.assert_allclose(grads[[0, 2]], [obj.gradient(values[0]), obj.gradient(values[2])],
                               rtol=TOL, atol=TOL)  # fmt: skip


def _quadratic_with_a_wall(z: np.ndarray) -> np.ndarray:
    """A smooth map, undefined (NaN) for ``z[0] > 0.2``: the step shrinks near the wall."""
    out = np.array([z[0] ** 3 + z[1] * z[0], np.sin(z[1]) * z[2], z[2] ** 2 - z[0]])
    return out if z[0] <= 0.2 else out * np.nan


@pytest.mark.parametrize("points", [3, 5])
@pytest.mark.parametrize("z0", [[0.1, 0.5, -2.0], [0.19999, 3.0, 40.0], [0.2, 0.0, 1.0]])
def test_fd_jacobian_many_equals_fd_jacobian(points, z0):
    z = np.asarray(z0)

    def many(zs: np.ndarray) -> np.ndarray:
        return np.stack([_quadratic_with_a_wall(zz) for zz in zs])

    ref = fd_jacobian(_quadratic_with_a_wall, z, h=1e-4, points=points)
    got = fd_jacobian_many(many, z, h=1e-4, points=points)
    np.testing.assert_array_equal(got, ref)  # same probes, same stencil: bit for bit
    assert fd_jacobian_many(many, np.zeros(0)).shape == (0, 0)


@pytest.mark.parametrize("name", NAMES)
def test_the_stacked_hessian_of_the_fit_equals_the_one_point_one(name):
    prep = _prepared(name)
    z = _optimum(name)

    def grad(zz: np.ndarray) -> np.ndarray:
        return prep.param.grad_z(prep.objective.gradient(prep.param.values(zz)))

    many = functools.partial(engine._grad_z_many, prep)
    for h, points in ((1e-5, 3), (1e-4, 5)):
        ref = fd_jacobian(grad, z, h=h, points=points)
        got = fd_jacobian_many(many, z, h=h, points=points)
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-9 * np.max(np.abs(ref)))


def test_the_kept_last_point_gives_the_same_value_and_gradient_as_a_fresh_evaluation():
    prep = _prepared("med_211")
    obj = prep.objective
    values = _points("med_211", 3)
    fresh = TwoLevelObjective(obj.blocks, obj.data, obj.layout, obj.n_rows)
    for v in (values[0], values[1], values[0], values[2]):  # revisits and new points
        assert obj.value(v) == fresh.value(v.copy())
        np.testing.assert_array_equal(obj.gradient(v), fresh.gradient(v.copy()))
        w, b = obj.implied(v)
        ref = minus2_loglik(obj.data, obj.layout, w.sigma, w.mu, b.sigma, b.mu, gradient=False)
        assert obj.value(v) == ref.value / obj.n
    moved = values[0].copy()
    assert obj.value(moved) == obj.value(values[0])
    moved[np.flatnonzero(~np.isnan(moved))[0]] += 1e-3  # the same array object, changed
    assert obj.value(moved) != obj.value(values[0])


@pytest.mark.parametrize("name", NAMES)
def test_the_em_loglik_from_omega_equals_the_block_order_one_along_the_em_path(name):
    """The EM inverts ``V_j`` once per step for its log-likelihood and the next E step; that
    log-likelihood (``V_j`` built in ``d`` order) equals the one through the level-2 block
    (``_level2`` then ``minus2_loglik``) exactly, at the start and along the iterations."""
    prep = _prepared(name)
    obj = prep.objective
    data, layout = obj.data, obj.layout
    ov1, ov2 = prep.table.blocks[0].ov, prep.table.blocks[1].ov
    both = np.asarray([v in ov2 for v in ov1], dtype=bool)
    z_mean = data.z.mean(axis=0)
    zc = data.z - z_mean
    sigma_zz = zc.T @ zc / data.n_clusters
    state = twolevel._EMState(
        sigma_w=np.eye(layout.py),
        sigma_b=np.diag(both.astype(float)),
        mu_w=np.zeros(layout.py),
        mu_b=np.zeros(layout.py),
        sigma_yz=np.zeros((layout.py, layout.pz)),
    )
    em = twolevel._EMData.build(data)
    for _ in range(6):
        fx, inv = twolevel._em_loglik_omega(data, layout, state, sigma_zz, z_mean)
        assert fx == twolevel._em_loglik(data, layout, state, sigma_zz, z_mean, both)
        np.testing.assert_array_equal(inv, np.linalg.inv(twolevel._omega(data, state, sigma_zz)))
        state = twolevel._em_step(data, state, sigma_zz, z_mean, em, inv)
    sat = twolevel.fit_saturated(data, layout, both)
    assert sat.iterations > 6
