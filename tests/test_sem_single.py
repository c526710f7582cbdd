"""Single-level ML of the SEM engine against lavaan 0.6-14 (``tests/reference/sem_single_level.json``).

Fixtures (``make_sem_reference.R``): the Holzinger-Swineford three-factor CFA (expected and
observed information), the same CFA with a linear constraint ``l2 + l3 == 1.5`` and an intercept
(mean structure), Bollen's political-democracy model with equal loadings over time and ``:=``
indirect/total effects, and an observed-variable mediation with exogenous covariates (fixed.x)
and two outcomes (auto residual covariance).

Tolerances (relative unless said otherwise):

* against lavaan's printed fit (its default nlminb stop): estimates, standardised estimates and
  CI bounds within ``1e-3 * max(|est|, se)``; SEs within 1e-3; fit measures within 1e-3 (absolute
  1e-6 for values below 1e-3);
* against the same model refitted by lavaan with BFGS at ``reltol = 1e-14`` (lavaan's exact
  optimum): estimates within ``1e-5 * max(|est|, se)``, SEs within 1e-5, fit measures within
  1e-6 (RMSEA bounds 1e-5: lavaan's ``uniroot`` tolerance).
"""

from __future__ import annotations

import functools
import html
import math

import numpy as np
import pandas as pd
import pytest

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError, ModelWarning
from learning_direction.models.sem import SEMResult, fit_sem, monte_carlo_ci

FITS = reference_json("sem_single_level.json")["fits"]
FIT_KEYS = {
    "chisq": "chisq",
    "df": "df",
    "p": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_low": "rmsea.ci.lower",
    "rmsea_ci_high": "rmsea.ci.upper",
    "rmsea_p_close": "rmsea.pvalue",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "loglik": "logl",
    "n": "ntotal",
    "npar": "npar",
    "baseline_chisq": "baseline.chisq",
    "baseline_df": "baseline.df",
    "loglik_h1": "unrestricted.logl",
}


@functools.cache
def _fit(name: str) -> SEMResult:
    fx = FITS[name]
    info = "observed" if name == "hs_cfa_observed" else None
    return fit_sem(reference_csv(fx["data"]), fx["model"], information=info)


def _close(mine, ref, rel, scale=None):
    mine, ref = np.asarray(mine, float), np.asarray(ref, float)
    scale = np.abs(ref) if scale is None else np.asarray(scale, float)
    both_nan = np.isnan(mine) & np.isnan(ref)
    ok = both_nan | (np.abs(mine - ref) <= rel * scale + 1e-12)
    assert ok.all(), pd.DataFrame({"mine": mine, "ref": ref, "ok": ok})


@pytest.mark.parametrize("name", list(FITS))
def test_estimates_and_standard_errors_match_lavaan(name):
    ref = pd.DataFrame(FITS[name]["parameters"])
    tab = _fit(name).table
    assert list(zip(tab.lhs, tab.op, tab.rhs, strict=True)) == list(
        zip(ref.lhs, ref.op, ref.rhs, strict=True)
    )
    assert list(tab.label) == list(ref.label.fillna(""))
    scale = np.maximum(np.abs(ref.est), ref.se)
    _close(tab.estimate, ref.est, 1e-3, scale)
    _close(tab.se, ref.se, 1e-3)
    _close(tab.ci_low, ref.ci_lower, 1e-3, scale)
    _close(tab.ci_high, ref.ci_upper, 1e-3, scale)
    _close(tab.std_all, ref.std_all, 1e-3, np.maximum(np.abs(ref.std_all), 1e-2))
    _close(tab.z, ref.z, 1e-3, np.maximum(np.abs(ref.z), 1))
    _close(tab.p_value, ref.pvalue, 1e-3, np.maximum(ref.pvalue.fillna(0), 1e-6))


@pytest.mark.parametrize("name", list(FITS))
def test_fit_measures_match_lavaan(name):
    ref = FITS[name]["fit"]
    fit = _fit(name).fit.iloc[0]
    for key, rkey in FIT_KEYS.items():
        r = math.nan if ref[rkey] is None else ref[rkey]
        _close([fit[key]], [r], 1e-3, [max(abs(r), 1e-3)])


@pytest.mark.parametrize("name", list(FITS))
def test_agreement_with_lavaans_exact_optimum(name):
    tight = FITS[name]["tight"]
    assert tight["converged"]
    tab = _fit(name).table
    est, se = np.asarray(tight["est"]), np.asarray(tight["se"])
    _close(tab.estimate, est, 1e-5, np.maximum(np.abs(est), se))
    _close(tab.se, se, 1e-5)
    _close(tab.std_all, tight["std_all"], 1e-5, np.maximum(np.abs(tight["std_all"]), 1e-2))
    fit = _fit(name).fit.iloc[0]
    for key in ("chisq", "loglik", "cfi", "tli", "rmsea", "srmr", "aic", "bic"):
        r = tight["fit"][FIT_KEYS[key]]
        _close([fit[key]], [r], 1e-6, [max(abs(r), 1e-3)])
    for key in ("rmsea_ci_low", "rmsea_ci_high"):
        r = tight["fit"][FIT_KEYS[key]]
        _close([fit[key]], [r], 1e-5, [max(abs(r), 1e-3)])


def test_fixed_parameters_have_zero_se_and_no_test():
    tab = _fit("poldem_path").table
    fixed = tab[(tab.op == "~~") & tab.lhs.isin(["x1", "x2"])]
    assert len(fixed) == 3
    assert (fixed.se == 0).all() and fixed.z.isna().all() and fixed.p_value.isna().all()
    assert (fixed.ci_low == fixed.estimate).all() and (fixed.ci_high == fixed.estimate).all()
    hs = reference_csv("sem_holzinger_swineford.csv")
    # fixed.x: the covariate moments are the sample moments (divisor N)
    assert fixed.estimate.iloc[0] == pytest.approx(
        reference_csv("sem_political_democracy.csv")["x1"].var(ddof=0), rel=1e-12
    )
    assert len(hs) == 301


def test_equality_constraints_hold_exactly():
    tab = _fit("poldem").table
    for label in ("a", "b", "c"):
        rows = tab[tab.label == label]
        assert len(rows) == 2 and rows.estimate.iloc[0] == pytest.approx(
            rows.estimate.iloc[1], abs=1e-12
        )
    tab = _fit("hs_constrained_means").table
    total = tab.loc[tab.label.isin(["l2", "l3"]), "estimate"].sum()
    assert total == pytest.approx(1.5, abs=1e-12)


def test_vcov_labels_and_diagonal():
    res = _fit("poldem")
    v = res.vcov
    assert v.shape == (28, 28) and list(v.index) == list(v.columns)
    assert {"a", "b", "c", "a1", "b1", "c1", "ind60=~x2", "y1~~y5"} <= set(v.index)
    tab = res.table.set_index("label")
    assert math.sqrt(v.loc["a1", "a1"]) == pytest.approx(tab.loc["a1", "se"], rel=1e-12)
    assert np.all(np.linalg.eigvalsh(v.to_numpy()) > 0)


def test_result_reads_like_lavaan():
    res = _fit("poldem")
    text = res.summary()
    for part in (
        "Model test: chisq = 40.179",
        "Latent variables:",
        "Regressions:",
        "Covariances:",
        "Variances:",
        "Defined parameters:",
        "ind60 =~ x2",
        "dem60 =~ y2 (a)",
    ):
        assert part in text
    page = res._repr_html_()
    assert "<table" in page and "ld-result" in page
    assert set(res.partable.columns) >= {
        "lhs",
        "op",
        "rhs",
        "free",
        "exo",
        "label",
        "plabel",
        "est",
        "se",
    }
    assert list(res.implied["all"]["cov"].index) == [
        "x1",
        "x2",
        "x3",
        "y1",
        "y2",
        "y3",
        "y4",
        "y5",
        "y6",
        "y7",
        "y8",
    ]


def test_rows_with_missing_values_are_left_out_and_counted():
    df = reference_csv("sem_political_democracy.csv")
    df.loc[[3, 10], "y1"] = np.nan
    df.loc[20, "x2"] = np.nan
    model = FITS["poldem_path"]["model"]
    res = fit_sem(df, model)
    assert (res.n, res.n_dropped) == (72, 3)
    assert any("3 of 75 rows left out" in n for n in res.notes)
    same = fit_sem(df.dropna(subset=["y1", "x2"]), model)
    np.testing.assert_allclose(res.table.estimate, same.table.estimate, rtol=1e-10)


def test_observed_information_is_an_option():
    res = _fit("hs_cfa_observed")
    assert res.information == "observed"
    assert not np.allclose(res.table.se, _fit("hs_cfa").table.se)


def test_monte_carlo_matches_semtools_within_simulation_error():
    mc_ref = FITS["poldem"]["monte_carlo"]
    res = _fit("poldem")
    mc = monte_carlo_ci(res, n_draws=20000, seed=mc_ref["seed"])
    tab = mc.table.set_index("term")
    for term in ("ind", "total"):
        ref = mc_ref[term]
        assert tab.loc[term, "estimate"] == pytest.approx(ref["est"], rel=1e-4)
        # both are percentiles of 20,000 normal draws: differ by Monte Carlo error only
        se = tab.loc[term, "se"]
        assert tab.loc[term, "ci_low"] == pytest.approx(ref["ci_lower"], abs=0.05 * se)
        assert tab.loc[term, "ci_high"] == pytest.approx(ref["ci_upper"], abs=0.05 * se)
        delta_se = res.table.set_index("label").loc[term, "se"]
        assert se == pytest.approx(delta_se, rel=0.03)


def test_monte_carlo_is_reproducible_and_takes_formulas():
    res = _fit("poldem")
    a = monte_carlo_ci(res, ["ind", "a1*b1", "c1"], n_draws=2000, seed=11)
    b = monte_carlo_ci(res, ["ind", "a1*b1", "c1"], n_draws=2000, seed=11)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    np.testing.assert_array_equal(a.draws["ind"], a.draws["a1*b1"])
    c = monte_carlo_ci(res, "ind", n_draws=2000, seed=12)
    assert c.table.ci_low.iloc[0] != a.table.ci_low.iloc[0]
    assert monte_carlo_ci(res, "ind", n_draws=1000).seed >= 0
    assert "Monte Carlo" in a.summary()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"parameters": "zz*a1"}, "'zz', which is not a label"),
        ({"parameters": "a1 >= 0"}, "not plain arithmetic"),
        ({"n_draws": 10}, "at least 1000"),
        ({"seed": -1}, "non-negative whole number"),
        ({"ci_level": 95}, "did you mean ci_level=0.95"),
    ],
)
def test_monte_carlo_bad_inputs(kwargs, match):
    with pytest.raises(ModelError, match=match):
        monte_carlo_ci(_fit("poldem"), **kwargs)


def test_monte_carlo_needs_defined_parameters_or_formulas():
    with pytest.raises(ModelError, match="no defined parameters"):
        monte_carlo_ci(_fit("hs_cfa"))


# ---------- bad inputs ----------


@pytest.fixture
def pd_data():
    return reference_csv("sem_political_democracy.csv")


@pytest.mark.parametrize(
    ("model", "kwargs", "error", "match"),
    [
        (
            "y1 ~ x1\ny5 ~ y11",
            {},
            DataValidationError,
            r"line 2: 'y11' is not a column .*did you mean 'y1'",
        ),
        (
            "x1 =~ y1 + y2 + y3",
            {},
            ModelError,
            "'x1' is defined as a latent variable .* also a column",
        ),
        ("y1 ~ x1", {"missing": "pairwise"}, ModelError, "missing must be 'listwise' or 'fiml'"),
        ("y1 ~ x1", {"estimator": "WLSMV"}, ModelError, "estimator must be 'ML' or 'MLR'"),
        ("y1 ~ x1", {"group": "g"}, DataValidationError, "column.*'g'"),
        ("y1 ~ x1", {"se": "bootstrap"}, ModelError, "se must be 'standard', 'robust' or 'none'"),
        ("y1 ~ x1", {"group_equal": "loadings"}, ModelError, "pass the column of group labels"),
        ("y1 ~ x1", {"information": "hessian"}, ModelError, "information must be"),
        ("y1 ~ x1", {"ci_level": 95}, ModelError, "did you mean ci_level=0.95"),
        ("y1 ~ x1", {"cluster": "x2"}, ModelError, "needs a two-level model"),
        ("level: 1\ny1 ~ x1\nlevel: 2\ny1 ~ x2", {}, ModelError, "pass the column of cluster ids"),
        (
            "level: 1\ny1 ~ x1\nlevel: 2\ny1 ~ x2",
            {"cluster": "nope"},
            DataValidationError,
            "'nope'",
        ),
        ("f =~ y1 + y2 + y3 + y4", {"max_iter": 1}, ModelError, "did not converge .*identified"),
        ("y1 ~ a*x1\nd := a\na == a*a", {}, ModelError, "line 3: the constraint .* is not linear"),
    ],
)
def test_bad_inputs_raise_clear_errors(pd_data, model, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_sem(pd_data, model, **kwargs)


def test_text_and_constant_columns_are_refused(pd_data):
    df = pd_data.assign(g=["a"] * len(pd_data), k=1.0)
    with pytest.raises(DataValidationError, match="column 'g' is not numeric"):
        fit_sem(df, "y1 ~ g")
    with pytest.raises(DataValidationError, match="column 'k' is constant"):
        fit_sem(df, "y1 ~ k")
    with pytest.raises(ModelError, match="singular"):
        fit_sem(df.assign(x4=df.x1 + df.x2), "y1 ~ x1 + x2 + x4")


def test_unidentified_model_warns_and_has_no_standard_errors(pd_data):
    model = "f =~ NA*y1 + y2 + y3\nf ~~ v*f\ny1 ~ x1"
    with pytest.warns(ModelWarning, match="information matrix is singular"):
        res = fit_sem(pd_data, model, max_iter=200)
    assert res.table.se.isna().any()
    assert any("not be identified" in n for n in res.notes)


def test_se_none_skips_standard_errors(pd_data):
    res = fit_sem(pd_data, "y1 ~ x1", se="none")
    assert res.table.se.isna().all() or (res.table.loc[res.table.se.notna(), "se"] == 0).all()
    assert res.vcov.isna().all().all()
    with pytest.raises(ModelError, match="se='standard'"):
        monte_carlo_ci(res, "x1")
    assert html.escape("y1") in res._repr_html_()
