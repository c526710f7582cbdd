"""Tests of the mediation power analysis (learning_direction.models.power).

Validation against exact results and the literature:

* the power of one regression coefficient's t-test agrees with the exact power from the
  noncentral t distribution (integrated over the random predictor);
* with a = 0 or b = 0 the rejection rates stay at or below the nominal 5% (within Monte Carlo
  error);
* Fritz & MacKinnon (2007, Psychological Science 18, 233-239), Table 3 ("empirical estimates
  of sample sizes needed for .8 power", tau' = 0): with a = b = .39 (medium, "MM") the joint
  significance test needs n = 75 and the percentile bootstrap n = 78 (their data-generating
  model has unit residual variances: ``standardized=False``).
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate, stats

import learning_direction as ld
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models import power as pw
from learning_direction.models.power._sim import implied_cov


def _mc_tol(p: float, reps: int, z: float = 4.0) -> float:
    """Allowed deviation of a simulated proportion: z Monte Carlo standard errors."""
    return z * np.sqrt(p * (1 - p) / reps)


# --------------------------------------------------------------------------- result shape
def test_table_columns_and_metadata():
    res = ld.power_mediation(a=0.3, b=0.3, n=[60, 120], n_reps=100, seed=1)
    assert list(res.table.columns) == [
        "n",
        "effect",
        "power",
        "power_ci_low",
        "power_ci_high",
        "n_reps",
        "n_failed",
    ]
    assert res.table["n"].tolist() == [60, 120]
    assert res.effect == "indirect:m"
    assert res.design == "simple" and res.method == "monte_carlo" and res.n_boot == 5000
    assert set(res.paths["term"]) == {"a:m", "b:m", "c_prime"}
    assert (res.table["power_ci_low"] <= res.table["power"]).all()
    assert (res.table["power"] <= res.table["power_ci_high"]).all()
    text = res.summary()
    assert "Monte Carlo" in text and "seed: 1" in text
    html = res._repr_html_()
    assert "<table" in html
    assert res.population.set_index("term").loc["a:m", "value"] == pytest.approx(0.3)
    assert res.population.set_index("term").loc["resid_var:m", "value"] == pytest.approx(0.91)


def test_seed_none_is_recorded_and_reproduces():
    res = ld.power_mediation(a=0.3, b=0.3, n=[50], n_reps=50, n_boot=500)
    again = ld.power_mediation(a=0.3, b=0.3, n=[50], n_reps=50, n_boot=500, seed=res.seed)
    pd.testing.assert_frame_equal(res.table, again.table)


# --------------------------------------------------------------------------- validation
def _exact_slope_power(beta: float, n: int, alpha: float) -> float:
    """Power of the t-test of a standardized slope with a random normal predictor.

    Given SS_x the t statistic is noncentral t with df = n - 2 and ncp = beta sqrt(SS_x) /
    sigma_e; SS_x ~ chi2(n - 1) (unit variance), so integrate over its density.
    """
    df = n - 2
    sigma = np.sqrt(1 - beta**2)
    crit = stats.t.ppf(1 - alpha / 2, df)

    def integrand(ss):
        ncp = beta * np.sqrt(ss) / sigma
        pw_ = stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)
        return pw_ * stats.chi2.pdf(ss, n - 1)

    lo, hi = stats.chi2.ppf([1e-12, 1 - 1e-12], n - 1)
    val, _ = integrate.quad(integrand, lo, hi, limit=200)
    return val


@pytest.mark.parametrize(("beta", "n"), [(0.3, 40), (0.2, 120)])
def test_single_coefficient_power_matches_noncentral_t(beta, n):
    reps = 4000
    res = ld.power_mediation(a=beta, b=0.3, n=[n], n_reps=reps, method="joint", seed=7)
    simulated = res.paths.set_index("term").loc["a:m", "power"]
    exact = _exact_slope_power(beta, n, 0.05)
    assert abs(simulated - exact) < _mc_tol(exact, reps)
    # and the fixed-X noncentral t power is close too (sanity of the integral)
    ncp = beta * np.sqrt(n - 1) / np.sqrt(1 - beta**2)
    fixed = stats.nct.sf(stats.t.ppf(0.975, n - 2), n - 2, ncp)
    assert abs(fixed - exact) < 0.02


@pytest.mark.parametrize("method", ["monte_carlo", "joint"])
@pytest.mark.parametrize(("a", "b"), [(0.0, 0.39), (0.39, 0.0), (0.0, 0.0)])
def test_type_one_error_at_most_nominal(method, a, b):
    reps = 3000
    res = ld.power_mediation(a=a, b=b, n=[100], n_reps=reps, method=method, seed=11)
    rate = res.table["power"].iloc[0]
    assert rate <= 0.05 + _mc_tol(0.05, reps, z=3.0)
    if a == 0 and b == 0:
        assert rate < 0.015  # both paths zero: very conservative


def test_type_one_error_percentile_bootstrap():
    reps = 300
    res = ld.power_mediation(
        a=0.0, b=0.39, n=[100], n_reps=reps, method="percentile", n_boot=500, seed=3
    )
    rate = res.table["power"].iloc[0]
    assert rate <= 0.05 + _mc_tol(0.05, reps, z=3.0)


def test_fritz_mackinnon_joint_significance_n75():
    reps = 4000
    res = ld.power_mediation(
        a=0.39, b=0.39, standardized=False, n=[75], n_reps=reps, method="joint", seed=5
    )
    assert abs(res.table["power"].iloc[0] - 0.80) < _mc_tol(0.8, reps) + 0.01


def test_fritz_mackinnon_percentile_bootstrap_n78():
    reps = 400
    res = ld.power_mediation(
        a=0.39, b=0.39, standardized=False, n=[78], n_reps=reps, method="percentile", seed=5
    )
    assert abs(res.table["power"].iloc[0] - 0.80) < _mc_tol(0.8, reps) + 0.01


def test_monte_carlo_close_to_percentile_on_the_benchmark():
    # Monte Carlo and percentile intervals have nearly the same power (Preacher & Selig, 2012)
    reps = 2000
    res = ld.power_mediation(
        a=0.39, b=0.39, standardized=False, n=[78], n_reps=reps, n_boot=2000, seed=5
    )
    assert abs(res.table["power"].iloc[0] - 0.80) < _mc_tol(0.8, reps) + 0.03


def test_sample_size_search_reaches_the_published_n():
    res = ld.sample_size_mediation(
        target=0.8, a=0.39, b=0.39, standardized=False, method="joint", n_reps=2000, seed=2
    )
    assert 66 <= res.n_required <= 84  # Fritz & MacKinnon (2007): 75
    row = res.table[res.table["n"] == res.n_required].iloc[0]
    assert row["power"] >= 0.8
    below = res.table[(res.table["n"] < res.n_required) & (res.table["n"] >= res.n_required - 1)]
    assert (below["power"] < 0.8).all()
    assert res.target == 0.8 and "smallest n" in res.summary()


# --------------------------------------------------------------------------- designs
def test_parallel_mediators_effects_and_total():
    res = ld.power_mediation(a=[0.4, 0.2], b=[0.4, 0.2], n=[150], n_reps=300, seed=1)
    tab = res.table.set_index("effect")["power"]
    assert set(tab.index) == {"indirect:m1", "indirect:m2", "indirect_total"}
    assert res.effect == "indirect_total"
    assert tab["indirect:m1"] > tab["indirect:m2"]


def test_serial_design_chains():
    res = ld.power_mediation(
        a=[0.4, 0.2], b=[0.1, 0.4], d=0.4, serial=True, n=[200], n_reps=200, seed=1
    )
    assert res.design == "serial"
    assert set(res.table["effect"]) == {
        "indirect:m1",
        "indirect:m2",
        "indirect:m1->m2",
        "indirect_total",
    }
    assert res.effect == "indirect:m1->m2"
    assert "d:m1->m2" in set(res.paths["term"])
    three = ld.power_mediation(
        a=[0.3, 0.3, 0.3], b=[0.3, 0.3, 0.3], d=[0.3, 0.2, 0.3], serial=True, n=[100],
        n_reps=50, seed=1,
    )  # fmt: skip
    assert "indirect:m1->m2->m3" in set(three.table["effect"])


def test_moderated_mediation_index_power_grows_with_n():
    res = ld.power_mediation(a=0.3, b=0.4, a_w=0.1, a_xw=0.25, n=[80, 300], n_reps=300, seed=4)
    assert res.design == "moderated" and res.effect == "index"
    p = res.curve()["power"].to_numpy()
    assert p[1] > p[0] + 0.2
    # X*W has variance 1 + r^2 in the standardized model
    cov, names, _ = implied_cov(
        np.array([[1, 0.5], [0.5, 1]]), ("x*w", "x", "w"), ("x", "w"), (), None
    )
    assert cov[names.index("x*w"), names.index("x*w")] == pytest.approx(1.25)


def test_two_two_one_design_icc_and_cluster_size():
    common = dict(a=0.4, b=0.4, n=[40], n_reps=1500, method="joint", seed=9)
    low = ld.power_mediation(icc=0.05, cluster_size=10, **common)
    high = ld.power_mediation(icc=0.5, cluster_size=10, **common)
    big = ld.power_mediation(icc=0.5, cluster_size=40, **common)
    assert low.design == "2-2-1" and "n_rows" in low.table.columns
    assert low.table["n_rows"].iloc[0] == 400
    b = {r: r_.paths.set_index("term").loc["b:m", "power"] for r, r_ in
         [("low", low), ("high", high), ("big", big)]}  # fmt: skip
    assert b["low"] > b["high"]  # a larger ICC lowers the power of b (fewer effective units)
    assert b["big"] > b["high"]  # more mentees per mentor help
    # the a path is mentor-level: its power does not depend on the ICC
    a_low = low.paths.set_index("term").loc["a:m", "power"]
    a_high = high.paths.set_index("term").loc["a:m", "power"]
    assert abs(a_low - a_high) < _mc_tol(0.8, 1500)


def test_two_two_one_b_path_power_matches_theory():
    # Y means: Var = psi (icc + (1 - icc) / m); the t-test of b on J mentors is exact OLS
    reps, J, icc, m = 3000, 30, 0.3, 5
    res = ld.power_mediation(
        a=0.0, b=0.3, icc=icc, cluster_size=m, n=[J], n_reps=reps, method="joint", seed=3
    )
    simulated = res.paths.set_index("term").loc["b:m", "power"]
    psi = 1 - 0.3**2
    sd_ratio = np.sqrt(psi * (icc + (1 - icc) / m))
    # the t-test of a slope with residual SD sd_ratio: same integral as the single slope,
    # with the standardized slope beta / sqrt(beta^2 + sd^2) (M has unit variance, X has none)
    beta_std = 0.3 / np.sqrt(0.3**2 + sd_ratio**2)
    exact = _exact_slope_power(beta_std, J - 1, 0.05)  # one extra predictor (X): df = J - 3
    assert abs(simulated - exact) < _mc_tol(exact, reps) + 0.01


def test_covariates_enter_every_equation():
    res = ld.power_mediation(
        a=0.3, b=0.3, n_covariates=2, covariate_r=0.3, covariate_path=0.2, n=[100],
        n_reps=100, seed=1,
    )  # fmt: skip
    pop = res.population.set_index("term")["value"]
    assert pop["r:x,c1"] == pytest.approx(0.3)
    assert pop["c2->y"] == pytest.approx(0.2)


# --------------------------------------------------------------------------- pilot inputs
def _pilot(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.4 * x + np.sqrt(1 - 0.16) * rng.normal(size=n)
    y = 0.3 * m + 0.1 * x + rng.normal(scale=0.9, size=n)
    return pd.DataFrame({"x": 2 * x + 5, "m": m * 3, "y": y})


def test_pilot_dataframe_gives_standardized_paths():
    df = _pilot()
    res = ld.power_mediation(pilot=df, x="x", m="m", y="y", n=[100], n_reps=50, seed=1)
    pop = res.population.set_index("term")["value"]
    z = (df - df.mean()) / df.std()
    a_std = np.polyfit(z["x"], z["m"], 1)[0]
    assert pop["a:m"] == pytest.approx(a_std, abs=1e-10)
    assert any("pilot data" in n for n in res.notes)


def test_pilot_dataframe_with_missing_values_is_reported():
    df = _pilot(200)
    df.loc[:4, "m"] = np.nan
    res = ld.power_mediation(pilot=df, x="x", m="m", y="y", n=[60], n_reps=20, seed=1)
    assert any("5 of 200 rows left out" in n for n in res.notes)


def test_pilot_mediation_result_matches_dataframe():
    df = _pilot(300)
    fit = ld.mediate(df, x="x", m="m", y="y", n_boot=200, seed=1)
    from_fit = ld.power_mediation(pilot=fit, n=[100], n_reps=20, seed=1)
    from_df = ld.power_mediation(pilot=df, x="x", m="m", y="y", n=[100], n_reps=20, seed=1)
    p1 = from_fit.population.set_index("term")["value"]
    p2 = from_df.population.set_index("term")["value"]
    for term in ("a:m", "b:m", "c_prime"):
        assert p1[term] == pytest.approx(p2[term], abs=1e-8)


# --------------------------------------------------------------------------- reproducibility
def test_seed_reproduces_and_is_grid_independent():
    kw = dict(a=0.3, b=0.3, n_reps=100, n_boot=1000, seed=42)
    one = ld.power_mediation(n=[80], **kw)
    grid = ld.power_mediation(n=[40, 80, 120], **kw)
    again = ld.power_mediation(n=[40, 80, 120], **kw)
    pd.testing.assert_frame_equal(grid.table, again.table)
    assert grid.table.set_index("n").loc[80, "power"] == one.table["power"].iloc[0]
    other = ld.power_mediation(n=[40, 80, 120], **{**kw, "seed": 43})
    assert not grid.table["power"].equals(other.table["power"])


def test_parallel_joblib_gives_identical_results():
    kw = dict(a=0.3, b=0.3, n=[40, 80], n_reps=100, n_boot=1000, seed=8)
    seq = ld.power_mediation(**kw)
    par = ld.power_mediation(n_jobs=2, **kw)
    pd.testing.assert_frame_equal(seq.table, par.table)
    pd.testing.assert_frame_equal(seq.paths, par.paths)


def test_dask_backend_through_joblib_without_code_change():
    distributed = pytest.importorskip("dask.distributed")
    import joblib

    kw = dict(a=0.3, b=0.3, n=[40, 80, 120], n_reps=100, n_boot=1000, seed=8)
    seq = ld.power_mediation(**kw)
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                            dashboard_address=None) as client:  # fmt: skip
        assert client.status == "running"
        with joblib.parallel_config(backend="dask"):
            on_dask = ld.power_mediation(**kw)
    pd.testing.assert_frame_equal(seq.table, on_dask.table)


def test_progress_bar(capsys):
    ld.power_mediation(a=0.3, b=0.3, n=[40, 60], n_reps=20, n_boot=500, seed=1, progress=True)
    assert "power" in capsys.readouterr().err


@settings(max_examples=15, deadline=None)
@given(
    a=st.floats(-0.6, 0.6),
    b=st.floats(-0.6, 0.6),
    c=st.floats(-0.3, 0.3),
    r=st.floats(-0.5, 0.5),
)
def test_standardized_population_has_unit_variances(a, b, c, r):
    from learning_direction.models.power._sim import Equation

    R = np.array([[1.0, r], [r, 1.0]])
    eqs = (Equation("m", ("x", "c1"), (a, 0.2)), Equation("y", ("x", "m", "c1"), (c, b, 0.1)))
    try:
        cov, _, rv = implied_cov(R, None, ("x", "c1"), eqs, None)
    except ModelError:
        return  # paths explaining all the variance are refused
    assert np.allclose(np.diag(cov), 1.0)
    assert all(v > 0 for v in rv)
    assert np.linalg.eigvalsh(cov)[0] > -1e-10


@settings(max_examples=10, deadline=None)
@given(reps=st.integers(1, 40), n=st.integers(8, 30), seed=st.integers(0, 2**32))
def test_power_is_a_proportion_inside_its_interval(reps, n, seed):
    res = ld.power_mediation(a=0.3, b=0.3, n=[n], n_reps=reps, n_boot=200, seed=seed)
    row = res.table.iloc[0]
    assert 0 <= row["power_ci_low"] <= row["power"] <= row["power_ci_high"] <= 1
    assert row["power"] * reps == pytest.approx(round(row["power"] * reps))


# --------------------------------------------------------------------------- figure
def test_power_curve_figure(tmp_path, close_figures):
    from learning_direction.figures._style import save_figure

    res = ld.sample_size_mediation(
        target=0.8, a=[0.4, 0.3], b=[0.4, 0.3], method="monte_carlo", n_reps=100,
        n_boot=1000, seed=1,
    )  # fmt: skip
    ax = res.plot(effects="all")
    assert ax.get_ylabel() == "Power"
    assert len(ax.get_legend().get_texts()) == 3
    paths = save_figure(ax.figure, tmp_path / "power", formats=("png",))
    assert paths[0].stat().st_size > 10_000


# --------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(b=0.3), "give the standardized paths"),
        (dict(a=[0.3, 0.2], b=0.3), "one a and one b per mediator"),
        (dict(a=0.3, b=0.3, method="bca"), "method must be 'monte_carlo', .* got 'bca'"),
        (dict(a=0.3, b=0.3, design="nested"), "design must be 'auto', .* got 'nested'"),
        (dict(a=0.3, b=0.3, alpha=0.7), "alpha must be"),
        (dict(a=0.3, b=0.3, n_reps=0), "n_reps must be"),
        (dict(a=0.3, b=0.3, n_boot=10), "too few"),
        (dict(a=0.3, b=0.3, n=[3]), "too small for this model"),
        (dict(a=0.3, b=0.3, n=[50.5]), "whole numbers"),
        (dict(a=0.8, b=0.8, c_prime=0.5), "explain"),
        (dict(a=[0.3, 0.3], b=[0.3, 0.3], serial=True), "needs the paths between mediators"),
        (dict(a=[0.3] * 3, b=[0.3] * 3, d=[0.1, 0.2], serial=True), "give d as one number"),
        (dict(a=[0.3] * 4, b=[0.3] * 4, d=0.1, serial=True), "2 or 3 mediators"),
        (dict(a=0.3, b=0.3, icc=0.2), "needs icc= .* and cluster_size="),
        (dict(a=0.3, b=0.3, icc=1.2, cluster_size=5), "icc must be"),
        (dict(a=0.3, b=0.3, icc=0.2, cluster_size=0), "cluster_size must be"),
        (dict(a=0.3, b=0.3, design="moderated"), "needs a_xw"),
        (dict(a=0.3, b=0.3, covariate_r=1.0), "covariate_r must be a correlation"),
        (dict(a=0.3, b=0.3, n_covariates=3, covariate_r=-0.6), "valid correlation matrix"),
        (dict(a=[0.3] * 3, b=[0.3] * 3, mediator_r=-0.6), "valid correlation matrix"),
        (dict(a=0.3, b=0.3, seed=-1), "seed must be"),
        (dict(a=0.3, b=0.3, pilot=pd.DataFrame({"x": [1.0]})), "either the paths"),
        (dict(pilot=[1, 2, 3]), "pilot must be a DataFrame"),
        (dict(a=0.3, b=0.3, power_ci_level=2.0), "power_ci_level"),
        (dict(a=float("nan"), b=0.3), "a must be finite"),
        (dict(a=[0.3, np.inf], b=[0.3, 0.3]), "a must be finite"),
        (dict(a=0.3, b=-np.inf), "b must be finite"),
        (dict(a=0.3, b=0.3, c_prime=np.nan), "c_prime must be finite"),
        (dict(a=0.3, b=0.3, c_prime="0.1"), "c_prime must be a single number"),
        (dict(a=0.3, b=0.3, n_covariates=1, covariate_path=np.inf), "covariate_path must be"),
        (dict(a=0.3, b=0.3, a_xw=np.nan), "a_xw must be finite"),
        (dict(a=0.3, b=0.3, mediator_r=np.nan), "mediator_r must be"),
        (dict(a=0.3, b=0.3, icc=np.nan, cluster_size=5), "icc must be"),
        (
            dict(a=0.3, b=0.3, icc=0.2, cluster_size=5, design="2-1-1"),
            r"old name for mentor-level X and M.*design='2-2-1'.*icc_m=",
        ),
        (
            dict(a=0.3, b=0.3, icc=0.2, cluster_size=5, icc_m=0.2, design="2-2-1"),
            "icc_m= is for a mentee-level mediator",
        ),
        (dict(a=0.3, b=0.3, icc=0.2, cluster_size=5, icc_m=1.0), "icc_m must be"),
        (dict(a=0.3, b=0.3, icc=0.2, cluster_size=[4]), "list of two or more"),
        (dict(a=0.3, b=0.3, icc=0.2, cluster_size=[4, 0]), "list of two or more"),
        (dict(a=0.3, b=0.3, icc=0.2, cluster_size=5, cluster_cv=-0.1), "cluster_cv must be"),
        (dict(a=0.3, b=0.3, icc=0.2, cluster_size=[3, 5], cluster_cv=0.3), "not both"),
        (dict(a=0.3, b=0.3, cluster_cv=0.3), "belong to the clustered designs"),
        (
            dict(a=[0.3, 0.2], b=[0.3, 0.3], icc=0.2, icc_m=0.2, cluster_size=5),
            "planned for one mediator",
        ),
    ],
)
def test_bad_inputs_raise_clear_errors(kwargs, match):
    kwargs = {"n": [50], "n_reps": 10, **kwargs}
    with pytest.raises((ModelError, DataValidationError), match=match):
        ld.power_mediation(**kwargs)


def test_pilot_dataframe_bad_columns():
    df = _pilot(100)
    with pytest.raises(DataValidationError, match="'mm'"):
        ld.power_mediation(pilot=df, x="x", m="mm", y="y", n=[50], n_reps=10)
    with pytest.raises(DataValidationError, match="column names"):
        ld.power_mediation(pilot=df, n=[50], n_reps=10)
    df["g"] = "a"
    with pytest.raises(DataValidationError, match="not numeric"):
        ld.power_mediation(pilot=df, x="g", m="m", y="y", n=[50], n_reps=10)


def test_pilot_clustered_mediation_result_is_refused():
    class Fake:
        mediators = ("m",)
        equations: ClassVar[dict] = {}
        y_family = "gaussian"
        x_levels = ()
        cluster = "mentor_id"

    with pytest.raises(ModelError, match="clustered"):
        ld.power_mediation(pilot=Fake(), n=[50], n_reps=10)


def test_sample_size_bad_inputs():
    with pytest.raises(ModelError, match="searches n itself"):
        ld.sample_size_mediation(a=0.3, b=0.3, n=[50])
    with pytest.raises(ModelError, match="target must be"):
        ld.sample_size_mediation(target=80, a=0.3, b=0.3)
    with pytest.raises(ModelError, match="effect must be 'indirect:m', got 'indirect_total'"):
        ld.sample_size_mediation(a=0.3, b=0.3, effect="indirect_total", n_reps=10)
    with pytest.raises(ModelError, match="not defined"):
        ld.sample_size_mediation(a=[0.3, 0.3], b=[0.3, 0.3], method="joint", n_reps=10)
    with pytest.raises(ModelError, match="unknown argument"):
        ld.sample_size_mediation(a=0.3, b=0.3, reps=10)
    with pytest.raises(ModelError, match="n_max"):
        ld.sample_size_mediation(a=0.3, b=0.3, n_min=100, n_max=50, n_reps=10)


def test_sample_size_not_reached_says_so():
    res = ld.sample_size_mediation(a=0.05, b=0.05, n_max=60, n_reps=50, n_boot=500, seed=1)
    assert res.n_required is None
    assert any("was not reached" in n for n in res.notes)


def test_curve_unknown_effect():
    res = ld.power_mediation(a=0.3, b=0.3, n=[50], n_reps=10, seed=1)
    with pytest.raises(ModelError, match="effect must be 'indirect:m', got 'index'"):
        res.curve("index")


def test_joint_total_effect_is_na():
    res = ld.power_mediation(a=[0.3, 0.3], b=[0.3, 0.3], n=[60], n_reps=30, method="joint",
                             seed=1)  # fmt: skip
    tab = res.table.set_index("effect")
    assert np.isnan(tab.loc["indirect_total", "power"])
    assert not np.isnan(tab.loc["indirect:m1", "power"])


def test_exports():
    assert ld.power_mediation is pw.power_mediation
    assert ld.sample_size_mediation is pw.sample_size_mediation
    assert ld.PowerResult is pw.PowerResult


def test_serial_pilot_dataframe_and_mediation_result_agree():
    rng = np.random.default_rng(5)
    n = 400
    x = rng.normal(size=n)
    m1 = 0.4 * x + rng.normal(size=n)
    m2 = 0.3 * m1 + 0.2 * x + rng.normal(size=n)
    y = 0.3 * m2 + 0.1 * m1 + rng.normal(size=n)
    df = pd.DataFrame({"x": x, "m1": m1, "m2": m2, "y": y})
    fit = ld.mediate(df, x="x", m=["m1", "m2"], y="y", serial=True, n_boot=200, seed=1)
    from_fit = ld.power_mediation(pilot=fit, n=[100], n_reps=20, seed=1)
    from_df = ld.power_mediation(
        pilot=df, x="x", m=["m1", "m2"], y="y", serial=True, n=[100], n_reps=20, seed=1
    )
    assert from_fit.design == from_df.design == "serial"
    p1 = from_fit.population.set_index("term")["value"]
    p2 = from_df.population.set_index("term")["value"]
    for term in ("a:m1", "a:m2", "d:m1->m2", "b:m1", "b:m2", "c_prime"):
        assert p1[term] == pytest.approx(p2[term], abs=1e-8)
    assert "indirect:m1->m2" in set(from_df.table["effect"])


# --------------------------------------------------------------------------- Scenario
def test_scenario_from_paths_resolves_the_design_and_is_frozen():
    from dataclasses import FrozenInstanceError

    from learning_direction.models.power import Scenario

    s = Scenario.from_paths(a=[0.3, 0.2], b=[0.3, 0.3], n_covariates=2, covariate_r=0.1)
    assert s.design == "parallel" and not s.serial
    assert s.mediators == ("m1", "m2") and s.covariates == ("c1", "c2")
    assert s.population.primary == "indirect_total"
    assert Scenario.from_paths(a=0.3, b=0.3, icc=0.2, cluster_size=4).design == "2-2-1"
    assert Scenario.from_paths(a=0.3, b=0.3, icc=0.2, icc_m=0.3, cluster_size=4).design == "2-1-1"
    assert Scenario.from_paths(a=0.3, b=0.3, a_xw=0.2).population.primary == "index"
    serial = Scenario.from_paths(a=[0.3, 0.2], b=[0.3, 0.3], d=0.3, design="serial")
    assert serial.serial and "d:m1->m2" in serial.population.params
    with pytest.raises(FrozenInstanceError):
        s.c_prime = 0.5
    # direct construction builds (and checks) the population too
    assert Scenario(a=(0.39,), b=(0.39,)).table().equals(Scenario.from_paths(0.39, 0.39).table())
    with pytest.raises(ModelError, match="explain"):
        Scenario(a=(0.8,), b=(0.8,), c_prime=0.5)


def test_scenario_notes_and_table_feed_the_result():
    from learning_direction.models.power import Scenario

    s = Scenario.from_paths(a=0.3, b=0.3, icc=0.2, cluster_size=4)
    res = ld.power_mediation(a=0.3, b=0.3, icc=0.2, cluster_size=4, n=[40], n_reps=20, seed=3)
    pd.testing.assert_frame_equal(res.population, s.table())
    assert res.notes[: len(s.notes)] == s.notes
    assert any("2-2-1 design" in n for n in s.notes)


def test_scenario_from_pilot_equals_the_pilot_argument():
    from learning_direction.models.power import Scenario

    df = _pilot(500)
    s = Scenario.from_pilot(df, x="x", m="m", y="y")
    res = ld.power_mediation(pilot=df, x="x", m="m", y="y", n=[60], n_reps=20, seed=2)
    pd.testing.assert_frame_equal(res.population, s.table())
    assert s.source_notes and "pilot data" in s.source_notes[-1]
    fit = ld.mediate(df, x="x", m="m", y="y", n_boot=200, seed=1)
    from_result = Scenario.from_pilot(fit)
    assert from_result.a[0] == pytest.approx(s.a[0], rel=1e-9)
    with pytest.raises(ModelError, match="leave standardized=True"):
        Scenario.from_pilot(df, x="x", m="m", y="y", standardized=False)


# --------------------------------------------------------------------------- unequal clusters
def _brute_force(design, a, b, icc, sizes_of, n, reps, seed, icc_m=0.0, b_within=0.0):
    """Rejection rates of ld.multilevel_mediation (UMM, Monte Carlo CI) on row-level data
    simulated with raw paths and unit residual variances (``standardized=False``)."""
    rng = np.random.default_rng(seed)
    hits = {"indirect": 0, "a": 0, "b": 0}
    for _ in range(reps):
        sizes = sizes_of(rng, n)
        g = np.repeat(np.arange(n), sizes)
        x = rng.normal(size=n)
        if design == "2-2-1":
            mu = a * x + rng.normal(size=n)
            m_row = mu[g]
        else:
            mu = a * x + rng.normal(0, np.sqrt(icc_m), n)
            m_row = mu[g] + rng.normal(0, np.sqrt(1 - icc_m), g.size)
        y = b * mu[g] + b_within * (m_row - mu[g]) + rng.normal(0, np.sqrt(icc), n)[g]
        y = y + rng.normal(0, np.sqrt(1 - icc), g.size)
        df = pd.DataFrame({"g": g, "x": x[g], "m": m_row, "y": y})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ld.multilevel_mediation(df, "x", "m", "y", "g", method="umm", n_draws=1000,
                                          seed=int(rng.integers(2**31)))  # fmt: skip
        t = res.table.set_index("term")
        ind = t.loc["indirect_between"]
        hits["indirect"] += bool(ind["ci_low"] > 0 or ind["ci_high"] < 0)
        hits["a"] += bool(t.loc["a_between", "p_value"] < 0.05)
        hits["b"] += bool(t.loc["b_between", "p_value"] < 0.05)
    return {k: v / reps for k, v in hits.items()}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("design", "kwargs"),
    [
        ("2-2-1", {"cluster_size": [1, 2, 3, 5, 8, 12]}),
        ("2-1-1", {"cluster_size": 5, "cluster_cv": 0.6, "icc_m": 0.3}),
    ],
)
def test_unequal_cluster_power_agrees_with_brute_force(design, kwargs):
    """power_mediation's vectorised GLS-on-cluster-means simulation against fitting
    ld.multilevel_mediation (UMM: REML random intercepts) to row-level data, 300 times."""
    a, b, icc, n = 0.35, 0.35, 0.2, 50
    res = ld.power_mediation(
        a=a, b=b, icc=icc, n=[n], n_reps=2000, n_boot=1000, seed=11, standardized=False,
        design=design, **kwargs,
    )  # fmt: skip
    assert res.design == design
    sim = res.table.iloc[0]["power"]
    paths = res.paths.set_index("term")["power"]
    if "cluster_cv" in kwargs:
        cv = kwargs["cluster_cv"]

        def sizes_of(rng, k):
            g = rng.gamma(1 / cv**2, kwargs["cluster_size"] * cv**2, size=k)
            return np.maximum(1, np.round(g)).astype(int)
    else:
        values = np.array(kwargs["cluster_size"])

        def sizes_of(rng, k):
            return rng.choice(values, size=k)

    brute = _brute_force(design, a, b, icc, sizes_of, n, 300, seed=5,
                         icc_m=kwargs.get("icc_m", 0.0))  # fmt: skip
    tol = 4 * np.sqrt(0.25 / 300 + 0.25 / 2000)  # 4 Monte Carlo SEs of the difference
    assert abs(sim - brute["indirect"]) < tol, (sim, brute)
    assert abs(paths["a:m"] - brute["a"]) < tol, (paths, brute)
    assert abs(paths["b:m"] - brute["b"]) < tol, (paths, brute)
    assert 0.2 < sim < 0.95  # an informative comparison, not two powers of 1


def test_unequal_cluster_sizes_cost_power_and_are_reported():
    common = dict(a=0.4, b=0.3, icc=0.2, n=[60], n_reps=3000, method="joint", seed=4)
    equal = ld.power_mediation(cluster_size=4, **common)
    spread = ld.power_mediation(cluster_size=4, cluster_cv=0.9, **common)
    listed = ld.power_mediation(cluster_size=[1, 1, 1, 13], **common)  # mean 4, very unequal
    b = {k: r.paths.set_index("term").loc["b:m", "power"] for k, r in
         (("equal", equal), ("cv", spread), ("list", listed))}  # fmt: skip
    assert b["equal"] > b["list"] + 0.02  # same mean size, unequal sizes: less power
    assert b["equal"] >= b["cv"] - _mc_tol(b["equal"], 3000)
    assert listed.table["n_rows"].iloc[0] == 240 and listed.cluster_size == 4
    assert "sizes drawn from 4 given values" in listed.summary()
    assert "CV 0.9" in spread.summary()
    assert any("GLS on cluster means" in n for n in spread.notes)
    # the same seed gives the same numbers
    again = ld.power_mediation(cluster_size=4, cluster_cv=0.9, **common)
    pd.testing.assert_frame_equal(spread.table, again.table)


def test_two_one_one_design_power():
    res = ld.power_mediation(
        a=0.4, b=0.4, icc=0.15, icc_m=0.3, cluster_size=6, n=[40, 120], n_reps=600, seed=2
    )
    assert res.design == "2-1-1" and res.icc_m == 0.3
    p = res.curve()["power"].to_numpy()
    assert p[1] > p[0]
    paths = res.paths
    assert "b_within:m" in set(paths["term"])
    # no within effect (default b_within = 0): its test rejects about alpha of the time
    within = paths[(paths["term"] == "b_within:m") & (paths["n"] == 120)]["power"].iloc[0]
    assert within < 0.05 + _mc_tol(0.05, 600)
    strong = ld.power_mediation(a=0.4, b=0.4, icc=0.15, icc_m=0.3, cluster_size=6, b_within=0.3,
                                n=[120], n_reps=300, seed=2)  # fmt: skip
    assert strong.paths.set_index("term").loc["b_within:m", "power"] > 0.9
    pop = res.population.set_index("term")["value"]
    assert pop["icc_m"] == 0.3 and pop["b_within:m"] == 0.0
    assert any("2-1-1 design" in n and "umm" in n for n in res.notes)
    # a larger share of M's variance between mentors makes the mentor means of M more reliable
    reliable = ld.power_mediation(a=0.4, b=0.4, icc=0.15, icc_m=0.6, cluster_size=6,
                                  n=[40], n_reps=600, seed=2)  # fmt: skip
    assert reliable.table["power"].iloc[0] > res.curve()["power"].iloc[0]
