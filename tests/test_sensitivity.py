"""mediation_sensitivity against R's mediation::medsens (tests/reference/mediation_sensitivity.json,
made by make_inference_reference.R), against its own closed form, on the rows ld.mediate uses,
by simulation with a known confounder; evalue against VanderWeele & Ding (2017)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models.mediation import mediate
from learning_direction.models.sensitivity import (
    DEFAULT_RHO,
    EValueResult,
    SensitivityInputs,
    SensitivityResult,
    _gamma,
    _moments,
    _sur,
    evalue,
    mediation_sensitivity,
)

REF = reference_json("mediation_sensitivity.json")


@pytest.fixture(scope="module")
def sat_rows():
    sat = reference_csv("sat_act.csv")
    return sat[["education", "SATV", "ACT", "age"]].dropna()


@pytest.fixture(scope="module")
def sat_inputs(sat_rows):
    return SensitivityInputs.from_arrays(
        sat_rows[["education", "age"]], sat_rows["SATV"], sat_rows["ACT"], "education"
    )


@pytest.fixture(scope="module")
def sat_sens(sat_inputs):
    return mediation_sensitivity(sat_inputs)


@pytest.fixture(scope="module")
def iris_sens():
    iris = reference_csv("iris.csv")
    x = pd.DataFrame(
        {
            "Species[versicolor]": (iris["Species"] == "versicolor").astype(float),
            "Species[virginica]": (iris["Species"] == "virginica").astype(float),
            "Sepal.Width": iris["Sepal.Width"],
        }
    )
    inp = SensitivityInputs.from_arrays(
        x, iris["Petal.Length"], iris["Sepal.Length"], ["Species[versicolor]", "Species[virginica]"]
    )
    return mediation_sensitivity(inp)


# --- agreement with R's medsens --------------------------------------------------------------
def test_matches_r_medsens(sat_sens):
    ref = REF["sat_act"]
    tab = sat_sens.table
    assert list(tab.columns) == [
        "rho", "indirect", "se", "ci_low", "ci_high", "r2_star_prod", "r2_tilde_prod"
    ]  # fmt: skip
    np.testing.assert_allclose(tab["rho"], ref["rho"], atol=1e-12)
    for col in ("indirect", "ci_low", "ci_high"):
        np.testing.assert_allclose(tab[col], ref[col], rtol=0, atol=1e-9)
    np.testing.assert_allclose(tab["r2_star_prod"], ref["r2_star_prod"], atol=1e-12)
    np.testing.assert_allclose(tab["r2_tilde_prod"], ref["r2_tilde_prod"], atol=1e-12)
    assert sat_sens.r2_m == pytest.approx(ref["r_square_m"], abs=1e-12)
    assert sat_sens.r2_y == pytest.approx(ref["r_square_y"], abs=1e-12)
    assert sat_sens.n == ref["n"] and sat_sens.ci_level == ref["conf_level"]


def test_rho_at_zero_is_exact_and_r_reports_the_nearest_grid_point(sat_sens):
    ref = REF["sat_act"]
    rt = sat_sens.rho_at_zero
    grid = np.array(ref["rho"])
    assert grid[np.argmin(np.abs(grid - rt))] == pytest.approx(ref["err_cr_d"])
    assert sat_sens.r2_star_at_zero == pytest.approx(rt**2)
    # R's thresholds are the same formulas at its grid rho
    shrink = (1 - ref["r_square_m"]) * (1 - ref["r_square_y"])
    assert ref["r2_tilde_thresh"] == pytest.approx(ref["err_cr_d"] ** 2 * shrink)
    assert sat_sens.r2_tilde_at_zero == pytest.approx(rt**2 * shrink)
    # the closed form is zero there
    mo = _moments(
        SensitivityInputs.from_arrays(
            np.zeros((5, 1)) + np.arange(5)[:, None], [1.0, 3, 2, 5, 4], [2.0, 1, 4, 3, 6], 0
        )
    )
    assert _gamma(mo, np.array(mo.rho_tilde)) == pytest.approx(0, abs=1e-12)


def test_r_default_eps_stops_short_of_convergence(sat_sens):
    # medsens' default eps = sqrt(.Machine$double.eps) on the sum of squared changes
    loose = REF["sat_act_default_eps"]
    diff = np.max(np.abs(sat_sens.table["indirect"] - np.array(loose["indirect"])))
    assert 0 < diff < 1e-3


def test_categorical_x_matches_r_per_level(iris_sens):
    tab = iris_sens.table
    assert tab.columns[0] == "term"
    for level in ("versicolor", "virginica"):
        ref = REF[f"iris_{level}"]
        sub = tab[tab["term"] == f"indirect:Petal.Length[{level}]"]
        for col in ("indirect", "ci_low", "ci_high", "r2_tilde_prod"):
            np.testing.assert_allclose(sub[col], ref[col], rtol=0, atol=1e-8)
    # one rho-tilde for every level: gamma(rho) is shared
    assert len(iris_sens.ci_zero) == 2
    grid = np.array(REF["iris_virginica"]["rho"])
    nearest = grid[np.argmin(np.abs(grid - iris_sens.rho_at_zero))]
    assert nearest == pytest.approx(REF["iris_virginica"]["err_cr_d"])


# --- the SUR and the closed form -------------------------------------------------------------
@pytest.mark.parametrize("rho", [-0.9, -0.5, -0.1, 0.0, 0.3, 0.7, 0.9, 0.97])
def test_sur_from_ols_converges_to_the_closed_form(sat_inputs, rho):
    mo = _moments(sat_inputs)
    fit = _sur(sat_inputs, rho, (mo.b_m, mo.b_y))
    assert fit.converged
    a = fit.beta_m[1]
    assert a == pytest.approx(mo.b_m[1], abs=1e-10)  # a is the OLS a at every rho
    closed = mo.b_m[1] * float(_gamma(mo, np.array(rho)))
    assert a * fit.beta_y[-1] == pytest.approx(closed, abs=1e-8)


def test_acme_at_rho_zero_is_a_times_b_of_the_ols_fits(sat_rows, sat_sens):
    fm = sm.OLS(sat_rows["SATV"], sm.add_constant(sat_rows[["education", "age"]])).fit()
    fy = sm.OLS(sat_rows["ACT"], sm.add_constant(sat_rows[["SATV", "education", "age"]])).fit()
    at0 = sat_sens.table.set_index("rho").loc[0.0, "indirect"]
    assert at0 == pytest.approx(fm.params["education"] * fy.params["SATV"], abs=1e-12)
    assert sat_sens.r2_m == pytest.approx(fm.rsquared, abs=1e-12)
    assert sat_sens.r2_y == pytest.approx(fy.rsquared, abs=1e-12)


def test_inputs_from_the_rows_of_ld_mediate_on_study2a():
    raw = ld.load_dataset("study2a")
    scales = ["learning_direction", "learning_opportunity", "mentor_engagement"]
    d = raw.join(ld.score(raw, scales).scores)
    cols = ["downward", "learning_opportunity", "mentor_engagement", "upward", "lateral"]
    res = mediate(
        d, x="downward", m="learning_opportunity", y="mentor_engagement",
        covariates=["upward", "lateral"], n_boot=100, seed=1,
    )  # fmt: skip
    rows = d[cols].dropna()
    assert len(rows) == res.n
    inp = SensitivityInputs.from_arrays(
        rows[["downward", "upward", "lateral"]],
        rows["learning_opportunity"],
        rows["mentor_engagement"],
        "downward",
    )
    mo = _moments(inp)
    tab = res.table.set_index("term")["estimate"]
    assert mo.b_m[1] == pytest.approx(tab["a:learning_opportunity"], abs=1e-10)
    assert mo.b_y[-1] == pytest.approx(tab["b:learning_opportunity"], abs=1e-10)
    assert mo.b_t[1] == pytest.approx(tab["c"], abs=1e-10)
    sens = mediation_sensitivity(SimpleNamespace(sensitivity_inputs=inp, ci_level=0.9, n_dropped=0))
    assert sens.ci_level == 0.9
    at0 = sens.table.set_index("rho").loc[0.0, "indirect"]
    assert at0 == pytest.approx(tab["indirect:learning_opportunity"], abs=1e-10)


# --- simulation with a known confounder -------------------------------------------------------
def test_simulated_confounder_is_recovered_at_its_rho():
    """X -> M -> Y with an unobserved U affecting M and Y: at the rho that U implies, the
    sensitivity analysis recovers the true indirect effect a*b; at rho = 0 it is biased."""
    rng = np.random.default_rng(20260101)
    n, a, b, cp = 200_000, 0.5, 0.4, 0.2
    lam_m, lam_y, s_m, s_y = 0.6, 0.8, 1.0, 1.0
    x = rng.normal(size=n)
    c = rng.normal(size=n)  # an observed covariate
    u = rng.normal(size=n)  # the unobserved confounder
    m = a * x + 0.3 * c + lam_m * u + s_m * rng.normal(size=n)
    y = cp * x + b * m + 0.2 * c + lam_y * u + s_y * rng.normal(size=n)
    # errors of the M and Y equations given X and C: lam_m U + e_m and lam_y U + e_y
    rho_true = lam_m * lam_y / math.sqrt((lam_m**2 + s_m**2) * (lam_y**2 + s_y**2))
    inp = SensitivityInputs.from_arrays(np.column_stack([x, c]), m, y, 0)
    sens = mediation_sensitivity(inp, rho=[0.0, rho_true])
    naive, at_true = sens.table.itertuples(index=False)
    assert abs(at_true.indirect - a * b) < 4 * at_true.se  # recovered within sampling error
    assert abs(at_true.indirect - a * b) < 0.01
    assert naive.indirect - a * b > 20 * naive.se  # ignoring U overstates the indirect effect
    assert at_true.ci_low < a * b < at_true.ci_high


# --- result object ----------------------------------------------------------------------------
def test_result_api_and_sentence(sat_sens):
    assert isinstance(sat_sens, SensitivityResult)
    assert tuple(sat_sens.table["rho"]) == DEFAULT_RHO
    text = sat_sens.summary()
    assert "correlated at rho = .57" in text and "includes zero from rho = .47" in text
    assert sat_sens.interpretation in sat_sens._repr_html_()
    lo, hi = sat_sens.ci_zero.iloc[0][["rho_from", "rho_to"]]
    assert lo < sat_sens.rho_at_zero < hi
    # exact ends: the CI limit touches zero there
    curve = mediation_sensitivity(
        SimpleNamespace(sensitivity_inputs=sat_sens_inputs(), ci_level=0.95), rho=[lo]
    )
    assert curve.table["ci_low"].iloc[0] == pytest.approx(0, abs=1e-8)
    assert len(sat_sens.curve) == 199


def sat_sens_inputs():
    sat = reference_csv("sat_act.csv")[["education", "SATV", "ACT", "age"]].dropna()
    return SensitivityInputs.from_arrays(sat[["education", "age"]], sat["SATV"], sat["ACT"], 0)


def test_sentence_when_the_effect_is_not_significant_without_confounding():
    rng = np.random.default_rng(3)
    x = rng.normal(size=80)
    m = 0.05 * x + rng.normal(size=80)
    y = 0.1 * m + rng.normal(size=80)
    sens = mediation_sensitivity(SensitivityInputs.from_arrays(x[:, None], m, y, 0))
    assert "already includes zero without confounding" in sens.interpretation


def test_custom_rho_grid_is_sorted_and_deduplicated(sat_inputs):
    sens = mediation_sensitivity(sat_inputs, rho=[0.5, -0.25, 0.5, 0], ci_level=0.9)
    assert sens.table["rho"].tolist() == [-0.25, 0.0, 0.5]
    assert sens.ci_level == 0.9


def test_plot_smoke(sat_sens, iris_sens, close_figures):
    ax = sat_sens.plot()
    assert "ρ" in ax.get_xlabel() and ax.get_ylabel().endswith("SATV")
    ax = iris_sens.plot(term="indirect:Petal.Length[virginica]")
    assert len(ax.get_lines()) >= 3
    assert len(iris_sens.plot().get_legend().get_texts()) == 2


# --- refusals ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("result", "match"),
    [
        (SimpleNamespace(y_family="binomial", mediators=("m",)), "binary Y"),
        (SimpleNamespace(mediators=("m1", "m2"), model=4), "2 mediators.*one mediator at a time"),
        (SimpleNamespace(mediators=("m1", "m2"), model=6), "serial mediation"),
        (SimpleNamespace(mediators=("m",), design="2-2-1"), "2-2-1"),
        (SimpleNamespace(mediators=("m",)), "does not carry the data"),
        (object(), "does not carry the data"),
    ],
)
def test_unsupported_models_are_refused(result, match):
    with pytest.raises(ModelError, match=match):
        mediation_sensitivity(result)


@pytest.mark.parametrize("rho", [[0.5, 1.0], [-1.2], [np.nan], "high", []])
def test_bad_rho_is_refused(sat_inputs, rho):
    with pytest.raises(ModelError, match="rho must be"):
        mediation_sensitivity(sat_inputs, rho=rho)


def test_bad_inputs_are_refused():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 2))
    m, y = rng.normal(size=30), rng.normal(size=30)
    with pytest.raises(ModelError, match="binary Y"):
        SensitivityInputs.from_arrays(x, m, (y > 0).astype(float), 0)
    with pytest.raises(ModelError, match="one mediator"):
        SensitivityInputs.from_arrays(x, np.column_stack([m, m]), y, 0)
    with pytest.raises(ModelError, match="collinear"):
        SensitivityInputs.from_arrays(np.column_stack([x, x[:, 0] * 2]), m, y, 0)
    with pytest.raises(ModelError, match="constant"):
        SensitivityInputs.from_arrays(x, np.ones(30), y, 0)
    with pytest.raises(DataValidationError, match="missing or infinite"):
        SensitivityInputs.from_arrays(x, np.r_[np.nan, m[1:]], y, 0)
    with pytest.raises(DataValidationError, match="same rows"):
        SensitivityInputs.from_arrays(x, m[:-1], y, 0)
    with pytest.raises(DataValidationError, match="not a column of X"):
        SensitivityInputs.from_arrays(pd.DataFrame(x, columns=["a", "b"]), m, y, "c")
    with pytest.raises(ModelError, match="more rows"):
        SensitivityInputs.from_arrays(x[:4], m[:4], y[:4], 0)


# --- E-values ---------------------------------------------------------------------------------
def _e(rr):
    return rr + math.sqrt(rr * (rr - 1))


def test_evalue_published_example():
    """VanderWeele & Ding (2017), Ann Intern Med 167:268-274, main example (Victora et al.:
    formula vs breastfeeding and infant death from respiratory infection): RR = 3.9, 95% CI
    1.8 to 8.7 -> E-value 7.26 for the estimate and 3.00 for the lower limit (the EValue
    package tests it as "Annals case #1")."""
    res = evalue(3.9, ci=(1.8, 8.7))
    assert isinstance(res, EValueResult)
    assert round(res.evalue, 2) == 7.26 and round(res.evalue_ci, 2) == 3.0
    assert res.evalue == pytest.approx(3.9 + math.sqrt(3.9 * 2.9), rel=1e-14)
    assert res.evalue_ci == pytest.approx(1.8 + math.sqrt(1.8 * 0.8), rel=1e-14)
    assert np.isnan(res.table.set_index("term").loc["ci_high", "evalue"])
    # the preventive version (1/RR): the same E-values, from the upper limit
    inv = evalue(1 / 3.9, ci=(1 / 8.7, 1 / 1.8))
    assert (inv.evalue, inv.evalue_ci) == pytest.approx((res.evalue, res.evalue_ci), rel=1e-12)
    assert "7.26" in res.summary() and "3.00" in res.interpretation


def test_evalue_second_annals_example():
    """VanderWeele & Ding (2017), second example: RR = 0.80, 95% CI 0.71 to 0.91 -> E-values
    1.81 (estimate) and 1.43 (upper limit) ("Annals, Further Examples #1" in EValue's tests)."""
    res = evalue(0.80, ci=(0.71, 0.91))
    assert round(res.evalue, 2) == 1.81 and round(res.evalue_ci, 2) == 1.43
    assert res.evalue == pytest.approx(_e(1 / 0.8), rel=1e-14)
    assert res.evalue_ci == pytest.approx(_e(1 / 0.91), rel=1e-14)


def test_evalue_conversions_closed_forms():
    # rare outcome: OR and HR taken as RR
    assert evalue(5, kind="or").evalue == pytest.approx(_e(5))
    # common outcome OR: sqrt(OR); with true = 2 (EValue test "Common OR")
    r = evalue(5, kind="or", rare=False, true=2, ci=(3, 8))
    assert r.evalue == pytest.approx(
        (math.sqrt(5) + math.sqrt(math.sqrt(5) * (math.sqrt(5) - math.sqrt(2)))) / math.sqrt(2)
    )
    assert r.evalue_ci == pytest.approx(
        (math.sqrt(3) + math.sqrt(math.sqrt(3) * (math.sqrt(3) - math.sqrt(2)))) / math.sqrt(2)
    )

    # common outcome HR (EValue test "Common HR": HR 1.3, CI 1.2-1.4, true 1.1)
    def conv(h):
        return (1 - 0.5 ** math.sqrt(h)) / (1 - 0.5 ** math.sqrt(1 / h))

    r = evalue(1.3, kind="hr", rare=False, ci=(1.2, 1.4), true=1.1)
    rr, lo, t = conv(1.3), conv(1.2), conv(1.1)
    assert r.evalue == pytest.approx((rr + math.sqrt(rr * (rr - t))) / t)
    assert r.evalue_ci == pytest.approx((lo + math.sqrt(lo * (lo - t))) / t)
    # SMD: RR = exp(0.91 d), CI exp(0.91 d -/+ 1.78 se) (EValue test "SMD, causative")
    d, se, true = 0.5, 0.2, 0.1
    r = evalue(d, se, kind="smd", true=true)
    rr, rr_t, rr_lo = math.exp(0.91 * d), math.exp(0.91 * true), math.exp(0.91 * d - 1.78 * se)
    assert r.evalue == pytest.approx((rr + math.sqrt(rr * (rr - rr_t))) / rr_t, rel=1e-12)
    assert r.evalue_ci == pytest.approx(
        (rr_lo + math.sqrt(rr_lo * (rr_lo - rr_t))) / rr_t, rel=1e-12
    )


def test_evalue_ci_including_the_null_and_true_values():
    assert evalue(1.3, ci=(0.9, 1.8)).evalue_ci == 1.0
    assert evalue(1.3, ci=(1.1, 1.4), true=1.2).evalue_ci == 1.0
    r = evalue(1.3, ci=(1.1, 1.4), true=1.5)  # true beyond the upper limit
    assert r.evalue == pytest.approx(_e(1.5 / 1.3)) and r.evalue_ci == pytest.approx(_e(1.5 / 1.4))
    assert evalue(1.1, true=1.1).evalue == 1.0
    assert np.isnan(evalue(2.0).evalue_ci)
    # se of log(RR) gives a Wald CI
    r = evalue(2.0, se=0.1)
    assert r.table["estimate"].iloc[1] == pytest.approx(2 * math.exp(-1.959963984540054 * 0.1))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"estimate": -0.1}, "must be positive"),
        ({"estimate": 1.2, "ci": (1.3, 1.4)}, "inside its confidence interval"),
        ({"estimate": 1.2, "ci": (1.0, 1.4), "se": 0.1}, "not both"),
        ({"estimate": 1.2, "kind": "rd"}, "kind must be"),
        ({"estimate": float("nan")}, "finite number"),
        ({"estimate": 0.3, "kind": "smd", "se": -1.0}, "positive number"),
    ],
)
def test_evalue_bad_input(kwargs, match):
    with pytest.raises(ModelError, match=match):
        evalue(**kwargs)


def test_mediate_result_carries_its_sensitivity_inputs():
    import learning_direction as ld

    d = ld.load_dataset("study2a")
    d = d.join(
        ld.score(d, ["learning_direction", "learning_opportunity", "mentor_engagement"]).scores
    )
    res = ld.mediate(
        d,
        x="downward",
        m="learning_opportunity",
        y="mentor_engagement",
        covariates=["upward", "lateral"],
        n_boot=200,
        seed=1,
    )
    sens = ld.mediation_sensitivity(res)
    at_zero = sens.table.set_index("rho").loc[0.0, "indirect"]
    ab = res.table.set_index("term").loc["indirect:learning_opportunity", "estimate"]
    assert at_zero == pytest.approx(ab, rel=1e-10)
    assert sens.n == res.n
    two = ld.mediate(
        d,
        x="downward",
        m=["learning_opportunity", "upward"],
        y="mentor_engagement",
        n_boot=100,
        seed=1,
    )
    assert two.sensitivity_inputs is None
    with pytest.raises(ld.ModelError, match="one mediator"):
        ld.mediation_sensitivity(two)


def test_html_view_escapes_variable_names():
    """The interpretation names the mediator and outcome: user strings are escaped in HTML."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=80)
    m = 0.5 * x + rng.normal(size=80)
    df = pd.DataFrame({"x": x, "<i>m</i>": m, "y&z": 0.4 * m + rng.normal(size=80)})
    res = ld.mediate(df, x="x", m="<i>m</i>", y="y&z", n_boot=100, seed=1)
    page = ld.mediation_sensitivity(res)._repr_html_()
    assert "<i>m</i>" not in page
    assert "&lt;i&gt;m&lt;/i&gt;" in page and "y&amp;z" in page
