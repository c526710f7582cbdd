"""Tests of the vectorised bootstrap engine (learning_direction.models.bootstrap)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import learning_direction as ld
from learning_direction.exceptions import ModelError, ModelWarning
from learning_direction.models import bootstrap as bs
from learning_direction.models._ols_batch import solve_batch, sym_from_triu, triu_products


def _ols_statistic(X, y):
    """Slopes of y on X (with intercept) as a MomentStatistic."""
    V = np.column_stack([np.ones(len(y)), X, y])
    prods, iu = triu_products(V)
    q = V.shape[1]

    def fn(S):
        M = sym_from_triu(S, q, iu)
        p = q - 1
        beta, _ = solve_batch(M[:, :p, :p], M[:, :p, p])
        return beta[:, 1:]

    return bs.MomentStatistic(prods, fn, [f"b{j}" for j in range(X.shape[1])])


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(150, 2))
    y = 1 + X @ np.array([0.5, -0.3]) + rng.normal(size=150)
    return X, y


def test_weights_are_multinomial_counts():
    W = bs.resample_weights(50, 200, np.random.default_rng(1))
    assert W.shape == (200, 50)
    assert np.all(W.sum(axis=1) == 50)
    assert np.all(W >= 0)
    # each unit is drawn once per resample on average
    assert abs(W.mean() - 1) < 0.05


def _numpy_counts(n_units, n_resamples, seed):
    """The reference: numpy's bounded 32-bit draws counted row by row with bincount."""
    idx = np.random.default_rng(seed).integers(
        0, n_units, size=(n_resamples, n_units), dtype=np.uint32
    )
    return np.stack([np.bincount(r, minlength=n_units) for r in idx]).astype(float)


@pytest.mark.parametrize("n_units", [2, 3, 7, 1000, 10007, 65537])
def test_compiled_kernel_gives_numpys_stream_exactly(n_units):
    """The numba draw-and-count kernel reproduces numpy's integers + bincount bit for bit, so a
    seed means the same resamples with or without numba (n = 65537 exercises rejection draws
    more often than small n)."""
    pytest.importorskip("numba")
    from learning_direction.models._kernels import draw_counts

    n_res = 3 if n_units > 10_000 else 20
    got = draw_counts(np.random.default_rng(11), np.empty((n_res, n_units)))
    np.testing.assert_array_equal(got, _numpy_counts(n_units, n_res, 11))


def test_engine_uses_the_compiled_kernel_when_numba_is_installed(monkeypatch):
    """A broken numba import falls back silently (same numbers, slower): make sure that in
    this environment the fast path is the one taken."""
    pytest.importorskip("numba")
    from learning_direction.models._kernels import draw_counts

    monkeypatch.delenv("LEARNING_DIRECTION_NO_NUMBA", raising=False)
    monkeypatch.setattr(bs, "_KERNEL", [])
    assert bs._compiled_draw_counts() is draw_counts


def test_compiled_kernel_refuses_sizes_outside_its_range():
    pytest.importorskip("numba")
    from learning_direction.models._kernels import draw_counts

    with pytest.raises(ValueError, match="2 <= n"):
        draw_counts(np.random.default_rng(1), np.empty((2, 1)))


def test_bootstrap_is_identical_without_numba(data, monkeypatch):
    """The numpy fallback (no numba) draws the same resamples: same seed, same draws."""
    X, y = data
    stat = _ols_statistic(X, y)
    monkeypatch.setattr(bs, "KERNEL_MIN_DRAWS", 0)  # a job this small would keep to numpy
    with_kernel = bs.run_bootstrap(stat, len(y), n_boot=300, seed=9, n_jobs=2)
    monkeypatch.setattr(bs, "_KERNEL", [None])
    assert bs._compiled_draw_counts() is None
    without = bs.run_bootstrap(stat, len(y), n_boot=300, seed=9, n_jobs=1)
    np.testing.assert_array_equal(with_kernel.draws, without.draws)
    W = bs.resample_weights(40, 5, np.random.default_rng(4))
    np.testing.assert_array_equal(W, _numpy_counts(40, 5, 4))


def test_small_jobs_keep_to_numpy_until_the_kernel_is_loaded(monkeypatch):
    """Loading numba costs about 0.3 s once: a bootstrap below ``KERNEL_MIN_DRAWS`` draws does
    not pay it, but uses the kernel once a larger job has loaded it."""
    monkeypatch.setattr(bs, "_KERNEL", [])
    assert not bs._use_kernel(5000 * 10_000)
    assert bs._use_kernel(5000 * 100_000)
    monkeypatch.setattr(bs, "_KERNEL", [None])
    assert bs._use_kernel(10)


def test_mediation_is_identical_on_the_numpy_and_the_numba_path(monkeypatch):
    """Same seed, either path (numpy for small jobs, numba for large ones): identical
    resamples, intervals and table."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(8)
    x = rng.normal(size=150)
    m = 0.4 * x + rng.normal(size=150)
    df = pd.DataFrame({"x": x, "m": m, "y": 0.3 * m + rng.normal(size=150)})
    results = []
    for threshold in (np.inf, 0):  # numpy path, then the compiled kernel
        monkeypatch.setattr(bs, "_KERNEL", [])
        monkeypatch.setattr(bs, "KERNEL_MIN_DRAWS", threshold)
        results.append(ld.mediate(df, x="x", m="m", y="y", n_boot=400, ci="bca", seed=3))
        assert bool(bs._KERNEL) == (threshold == 0)
    numpy_path, numba_path = results
    pd.testing.assert_frame_equal(numpy_path.boot_draws, numba_path.boot_draws, check_exact=True)
    pd.testing.assert_frame_equal(numpy_path.table, numba_path.table, check_exact=True)


def test_environment_variable_turns_the_kernel_off(monkeypatch):
    monkeypatch.setattr(bs, "_KERNEL", [])
    monkeypatch.setenv("LEARNING_DIRECTION_NO_NUMBA", "1")
    assert bs._compiled_draw_counts() is None


def test_moment_statistic_matches_refit_on_resampled_rows(data):
    X, y = data
    stat = _ols_statistic(X, y)
    rng = np.random.default_rng(5)
    idx = rng.integers(0, len(y), size=(4, len(y)))
    W = np.stack([np.bincount(i, minlength=len(y)) for i in idx]).astype(float)
    got = stat(W)
    for b in range(4):
        Xb = np.column_stack([np.ones(len(y)), X[idx[b]]])
        ref = np.linalg.lstsq(Xb, y[idx[b]], rcond=None)[0][1:]
        np.testing.assert_allclose(got[b], ref, rtol=1e-10, atol=1e-12)


def test_same_seed_same_draws_whatever_the_chunk_size(data):
    X, y = data
    stat = _ols_statistic(X, y)
    a = bs.run_bootstrap(stat, len(y), n_boot=1000, seed=42)
    b = bs.run_bootstrap(stat, len(y), n_boot=1000, seed=42, max_bytes=1)  # one block per chunk
    c = bs.run_bootstrap(stat, len(y), n_boot=1000, seed=43)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert not np.array_equal(a.draws, c.draws)
    assert a.seed == 42 and a.n_singular == 0


def test_seed_none_is_recorded_and_reproducible(data):
    X, y = data
    stat = _ols_statistic(X, y)
    a = bs.run_bootstrap(stat, len(y), n_boot=200, seed=None)
    b = bs.run_bootstrap(stat, len(y), n_boot=200, seed=a.seed)
    np.testing.assert_array_equal(a.draws, b.draws)


def test_singular_resamples_are_counted_not_fatal():
    rng = np.random.default_rng(0)
    n = 15
    x = np.zeros(n)
    x[0] = 1.0  # a rare binary predictor: constant in ~ (14/15)^15 = 36% of resamples
    y = rng.normal(size=n)
    stat = _ols_statistic(x[:, None], y)
    with pytest.warns(ModelWarning, match="singular"):
        res = bs.run_bootstrap(stat, n, n_boot=500, seed=1)
    assert 100 < res.n_singular < 300
    assert np.isnan(res.draws[res.singular]).all()
    assert np.isfinite(res.valid).all()


def test_all_singular_raises():
    x = np.zeros(20)

    def stat(W):
        return np.full((W.shape[0], 1), np.nan)

    with pytest.raises(ModelError, match="every one"):
        bs.run_bootstrap(stat, len(x), n_boot=100, seed=1)


def test_bad_sizes_raise():
    with pytest.raises(ModelError, match="n_boot"):
        bs.run_bootstrap(lambda W: W[:, :1], 10, n_boot=0)
    with pytest.raises(ModelError, match="at least 2"):
        bs.run_bootstrap(lambda W: W[:, :1], 1, n_boot=10)


def test_cluster_weights_expand_to_rows(data):
    X, y = data
    codes = np.repeat(np.arange(30), 5)
    # row contributions aggregated to clusters give the same fit as expanding the weights
    V = np.column_stack([np.ones(len(y)), X, y])
    prods, _ = triu_products(V)
    agg = np.zeros((30, prods.shape[1]))
    np.add.at(agg, codes, prods)
    Wc = bs.resample_weights(30, 3, np.random.default_rng(2))
    np.testing.assert_allclose(Wc @ agg, Wc[:, codes] @ prods, rtol=1e-12)


def test_fast_jackknife_equals_generic(data):
    X, y = data
    stat = _ols_statistic(X, y)
    fast = bs.jackknife(stat, len(y))

    def plain(W):
        return stat(W)

    slow = bs.jackknife(plain, len(y))
    np.testing.assert_allclose(fast, slow, rtol=1e-9)


def test_norm_inter_matches_boot_ci_rule():
    t = np.arange(1.0, 1000.0)  # R = 999: (R + 1) * 0.025 = 25 is an integer
    lo, hi = bs.confidence_interval(t[:, None], np.array([500.0]), level=0.95)
    assert lo[0] == pytest.approx(25.0, abs=1e-9) and hi[0] == pytest.approx(975.0, abs=1e-9)
    t = np.arange(1.0, 5001.0)  # R = 5000: 125.025 -> between the 125th and 126th
    lo, _ = bs.confidence_interval(t[:, None], np.array([2500.0]), level=0.95)
    assert 125.0 < lo[0] < 126.0


def test_bca_without_bias_or_skew_is_percentile():
    rng = np.random.default_rng(1)
    d = rng.normal(size=(4001, 1))
    est = np.array([np.median(d)])
    jack = np.linspace(-1, 1, 101)[:, None]  # symmetric: acceleration 0
    p = bs.confidence_interval(d, est, method="percentile")
    b = bs.confidence_interval(d, est, method="bca", jack=jack)
    np.testing.assert_allclose(p, b, atol=0.02)


def test_bca_needs_jackknife_and_valid_method():
    d = np.random.default_rng(1).normal(size=(100, 1))
    with pytest.raises(ModelError, match="jackknife"):
        bs.confidence_interval(d, np.zeros(1), method="bca")
    with pytest.raises(ModelError, match="ci must be"):
        bs.confidence_interval(d, np.zeros(1), method="basic")
    with pytest.raises(ModelError, match="ci_level"):
        bs.confidence_interval(d, np.zeros(1), level=95)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=5, max_size=60))
def test_boot_pvalue_properties(values):
    d = np.array(values)[:, None]
    p = bs.boot_pvalue(d)[0]
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(bs.boot_pvalue(-d)[0])  # symmetric in the sign


def test_monte_carlo_draws_reproducible():
    a, s = bs.monte_carlo_draws(np.zeros(2), np.eye(2), 500, 7)
    b, _ = bs.monte_carlo_draws(np.zeros(2), np.eye(2), 500, 7)
    np.testing.assert_array_equal(a, b)
    assert s == 7 and abs(a.std() - 1) < 0.1


def test_solve_batch_flags_collinear_systems():
    A = np.stack([np.eye(3), np.ones((3, 3)), np.diag([1.0, 0.0, 1.0])])
    x, sing = solve_batch(A, np.ones((3, 3)))
    assert sing.tolist() == [False, True, True]
    np.testing.assert_allclose(x[0], 1.0)
    assert np.isnan(x[1:]).all()


def test_memory_is_bounded_by_chunks():
    # a statistic that records the chunk sizes it sees
    seen = []

    def stat(W):
        seen.append(W.shape[0])
        return W[:, :1]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bs.run_bootstrap(stat, 100_000, n_boot=200, seed=1, max_bytes=50 * 2**20)
    bsz = bs.block_size(100_000)
    assert max(seen) * 100_000 * 24 <= 50 * 2**20 + bsz * 100_000 * 24
    assert sum(seen) == 200


def test_regression_influence_agrees_with_jackknife(data):
    # boot.ci's regression estimate of the influence values ~ the jackknife ones
    X, y = data
    stat = _ols_statistic(X, y)
    res = bs.run_bootstrap(stat, len(y), n_boot=4000, seed=3, keep_weights=True)
    F = res.extra["weights"]
    assert F.shape == (4000, len(y)) and np.all(F.sum(axis=1) == len(y))
    L_reg = bs.regression_influence(res.valid, F)
    jack = bs.jackknife(stat, len(y))
    L_jack = (len(y) - 1) * (jack.mean(axis=0) - jack)
    for j in range(L_reg.shape[1]):
        assert np.corrcoef(L_reg[:, j], L_jack[:, j])[0, 1] > 0.9
    a_reg = bs.acceleration_from_influence(L_reg)
    a_jack = bs.bca_acceleration(jack)
    np.testing.assert_allclose(a_reg, a_jack, atol=0.02)
    with pytest.raises(ModelError, match="memory"):
        bs.run_bootstrap(stat, 200_000, n_boot=5000, keep_weights=True)


def test_extreme_order_statistics_are_reported_like_boot_ci():
    """A 99.9% percentile interval from 200 draws needs the 0.2th order statistic: boot.ci warns
    "extreme order statistics used as endpoints", and so do we; 95% from 200 draws is fine."""
    draws = np.random.default_rng(0).normal(size=(200, 2))
    with pytest.warns(ModelWarning, match="extreme order statistics .* 2 of 2"):
        lo, hi = bs.confidence_interval(draws, np.zeros(2), level=0.999)
    np.testing.assert_allclose(lo, draws.min(axis=0))
    np.testing.assert_allclose(hi, draws.max(axis=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bs.confidence_interval(draws, np.zeros(2), level=0.95)


def test_extreme_endpoints_reach_the_result_notes():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=80)})
    df["m"] = 0.5 * df["x"] + rng.normal(size=80)
    df["y"] = 0.5 * df["m"] + rng.normal(size=80)
    with pytest.warns(ModelWarning, match="extreme order statistics"):
        res = ld.mediate(df, "x", "m", "y", n_boot=150, ci_level=0.999, seed=1)
    assert any("extreme order statistics" in n for n in res.notes)


@pytest.mark.parametrize("n_units", [3, 5, 101])
@pytest.mark.parametrize("gen", ["PCG64", "PCG64DXSM", "MT19937"])
def test_compiled_kernel_leaves_the_generator_where_numpy_would(n_units, gen):
    """The PCG64 path draws 64 bits and splits them; an odd number of 32-bit halves used leaves
    one buffered, and the generator's state must say so: after the kernel, the stream goes on
    exactly as after numpy's integers (also from a generator that starts with a half
    buffered). Other bit generators take the one-word path and must agree too."""
    pytest.importorskip("numba")
    from learning_direction.models._kernels import draw_counts

    def make():
        return np.random.Generator(getattr(np.random, gen)(5))

    for start_odd in (False, True):
        a, b = make(), make()
        if start_odd:
            a.integers(0, 7, dtype=np.uint32)
            b.integers(0, 7, dtype=np.uint32)
        got = draw_counts(a, np.empty((3, n_units)))
        want = np.stack(
            [np.bincount(b.integers(0, n_units, size=n_units, dtype=np.uint32), minlength=n_units)
             for _ in range(3)]
        ).astype(float)  # fmt: skip
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(
            a.integers(0, 2**32 - 1, size=5, dtype=np.uint32),
            b.integers(0, 2**32 - 1, size=5, dtype=np.uint32),
        )
        np.testing.assert_equal(a.bit_generator.state, b.bit_generator.state)


# ------------------------------------------------------------------ integer counts, tile by tile
def test_kernel_fills_uint32_counts_as_it_fills_float_weights():
    pytest.importorskip("numba")
    from learning_direction.models._kernels import draw_counts

    f = draw_counts(np.random.default_rng(5), np.empty((4, 3001)))
    c = draw_counts(np.random.default_rng(5), np.empty((4, 3001), dtype=np.uint32))
    np.testing.assert_array_equal(f, c)
    np.testing.assert_array_equal(f, _numpy_counts(3001, 4, 5))


def test_moment_sums_of_counts_equal_the_float_product_across_tiles():
    """Counts are turned into float weights a tile at a time and the tiles' products added:
    the sums equal the one-product sums to rounding, for a block that spans many tiles, a
    short last block and a block narrower than one tile."""
    rng = np.random.default_rng(2)
    for n in (20_000, 100_003, 300):
        Z = rng.normal(size=(n, 6)) * 10.0 ** rng.integers(-3, 4, size=6)
        stat = bs.MomentStatistic(Z, lambda S: S, list("abcdef"))
        assert n < bs.count_tile(n) or n // bs.count_tile(n) >= 10
        for rows in (bs.block_size(n), 3):
            C = bs.resample_weights(n, rows, np.random.default_rng(n + rows)).astype(np.uint32)
            want = C.astype(float) @ Z
            got = stat.sums(C)
            assert got.dtype == np.float64 and got.shape == (rows, 6)
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
            np.testing.assert_allclose(stat.sums(C.astype(float)), want, rtol=1e-12)


def test_counts_path_draws_depend_only_on_the_seed(monkeypatch):
    """At a size where every block's counts span several tiles, the draws are the same
    whatever the threads, the memory budget and the path (numba or numpy); the engine hands
    the statistic uint32 counts."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(6)
    n = 12_000
    X = rng.normal(size=(n, 2))
    y = X @ np.array([0.2, 0.4]) + rng.normal(size=n)
    stat = _ols_statistic(X, y)
    seen = []
    sums = stat.sums

    def spy(W):
        seen.append(W.dtype)
        return sums(W)

    stat.sums = spy
    monkeypatch.setattr(bs, "_KERNEL", [])
    monkeypatch.setattr(bs, "KERNEL_MIN_DRAWS", 0)  # the compiled kernel, then numpy below
    runs = [
        bs.run_bootstrap(stat, n, n_boot=300, seed=4, n_jobs=2),
        bs.run_bootstrap(stat, n, n_boot=300, seed=4, n_jobs=1),
        bs.run_bootstrap(stat, n, n_boot=300, seed=4, max_bytes=1),
    ]
    assert set(seen) == {np.dtype(np.uint32)}
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].draws, other.draws)
    assert bs._KERNEL and bs._KERNEL[0] is not None
    monkeypatch.setattr(bs, "_KERNEL", [None])
    numpy_path = bs.run_bootstrap(stat, n, n_boot=300, seed=4, n_jobs=2)
    np.testing.assert_array_equal(runs[0].draws, numpy_path.draws)
