"""ld.mediate(missing="fiml"): FIML path-model mediation against lavaan and the SEM engine.

Fixtures: ``tests/reference/make_fiml_mediation_reference.R`` (lavaan ``sem(..., missing =
"ml", fixed.x = FALSE)`` on simulated mentoring data with seeded MAR missingness and two empty
rows; every model also refitted to a tight optimum).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models._fiml_batch import PatternSums
from learning_direction.models.mediation_fiml import path_model_syntax
from learning_direction.models.sem.saturated import PatternData, em_saturated

#: term of ld.mediate -> label of the lavaan syntax in the R script
LABELS = {
    "simple": {"a:m1": "a_1", "b:m1": "b_1", "c_prime": "cp", "c": "total",
               "indirect:m1": "ind_1"},
    "parallel": {"a:m1": "a_1", "a:m2": "a_2", "b:m1": "b_1", "b:m2": "b_2", "c_prime": "cp",
                 "c": "total", "indirect:m1": "ind_1", "indirect:m2": "ind_2",
                 "indirect_total": "ind_total", "contrast:m1-m2": "contrast"},
    "serial": {"a:m1": "a_1", "a:m2": "a_2", "d:m1->m2": "d_12", "b:m1": "b_1", "b:m2": "b_2",
               "c_prime": "cp", "c": "total", "indirect:m1": "ind_1", "indirect:m2": "ind_2",
               "indirect:m1->m2": "ind_12", "indirect_total": "ind_total"},
}  # fmt: skip
MEDIATORS = {"simple": ["m1"], "parallel": ["m1", "m2"], "serial": ["m1", "m2"]}


@pytest.fixture(scope="module")
def ref(request):
    path = request.config.rootpath / "tests" / "reference"
    data = pd.read_csv(path / "fiml_mediation.csv")
    with open(path / "fiml_mediation.json") as fh:
        return data, json.load(fh)


@pytest.fixture(scope="module")
def fits(ref):
    data, _ = ref
    return {
        name: ld.mediate(data, x="x", m=ms, y="y", covariates=["tenure"], serial=name == "serial",
                         missing="fiml", n_boot=200, seed=3)
        for name, ms in MEDIATORS.items()
    }  # fmt: skip


def _lavaan(rj: dict, fit: str) -> pd.DataFrame:
    return pd.DataFrame(rj[fit])


@pytest.mark.parametrize("name", list(MEDIATORS))
def test_estimates_and_ses_match_lavaan(ref, fits, name):
    """Point estimates <= 1e-4 relative to lavaan's default fit and <= 1e-5 to its tight refit
    (simple and serial agree to 8e-7; in the parallel model lavaan's BFGS stops 2e-9 below
    the maximum of the log-likelihood, leaving a 4e-6 difference: see the next test); SEs
    (observed information; delta method for the effects) <= 1e-5 relative."""
    _, rj = ref
    res = fits[name].table.set_index("term")
    for fit, tol in (("tight", 1e-5), ("default", 1e-4)):
        lav = _lavaan(rj["mediation"][name], fit).query("label != ''").set_index("label")
        for term, label in LABELS[name].items():
            est = res.at[term, "estimate"]
            assert est == pytest.approx(lav.at[label, "est"], rel=tol), (fit, term)
            effect = term.startswith(("indirect", "contrast"))
            se = res.at[term, "sobel_se" if effect else "se"]
            if fit == "tight":
                assert se == pytest.approx(lav.at[label, "se"], rel=1e-5), term


@pytest.mark.parametrize("name", ["parallel", "serial"])
def test_loglik_at_least_lavaans_tight_optimum(ref, name):
    """The FIML log-likelihood of the fit (the saturated model) is not below lavaan's tight
    refit: the estimates are at the maximum (to 1e-8 in log-likelihood)."""
    data, rj = ref
    syntax = path_model_syntax("x", ["m1", "m2"], "y", ["tenure"], name == "serial")
    sem = ld.sem(data, syntax, missing="fiml", fixed_x=False)
    assert sem.fit["loglik"].iloc[0] >= rj["mediation"][name]["loglik"] - 1e-8


@pytest.mark.parametrize("name", list(MEDIATORS))
def test_equations_match_lavaan(ref, fits, name):
    """Covariate slopes and intercepts of every equation (estimates and SEs <= 1e-5 relative to the tight fit)."""
    _, rj = ref
    lav = _lavaan(rj["mediation"][name], "tight")
    eqs = fits[name].equations
    for eq_name, outcome in [(f"m:{m}", m) for m in MEDIATORS[name]] + [("y", "y")]:
        tab = eqs[eq_name].set_index("term")
        mine = lav[lav["lhs"] == outcome]
        slope = mine[(mine["op"] == "~") & (mine["rhs"] == "tenure")].iloc[0]
        icept = mine[mine["op"] == "~1"].iloc[0]
        assert tab.at["tenure", "estimate"] == pytest.approx(slope["est"], rel=1e-5)
        assert tab.at["tenure", "se"] == pytest.approx(slope["se"], rel=1e-5)
        assert tab.at["constant", "estimate"] == pytest.approx(icept["est"], rel=1e-5)
        assert tab.at["constant", "se"] == pytest.approx(icept["se"], rel=1e-5)


@pytest.mark.parametrize("name", list(MEDIATORS))
def test_rows_and_patterns_are_counted(ref, fits, name):
    _data, rj = ref
    r = rj["mediation"][name]
    res = fits[name]
    assert (res.n, res.n_dropped) == (r["nobs"], r["ntotal"] - r["nobs"]) == (298, 2)
    assert res.n_patterns == r["n_patterns"] == len(res.patterns)
    assert res.patterns["n"].tolist() == r["pattern_counts"]
    assert res.patterns["n"].sum() == res.n
    text = res.summary()
    assert "FIML: 298 of 300 rows used" in text and "2 rows missing every analysed" in text
    assert f"{res.n_patterns} missing-data patterns" in text
    assert "Missing-data patterns (1 = observed)" in text


def test_patterns_show_in_the_notebook_view_and_the_exports(fits, tmp_path):
    import openpyxl

    res = fits["parallel"]
    html = res._repr_html_()
    caption = html.index("Missing-data patterns (1 = observed)")
    # the pattern table follows the main table and precedes the note
    assert html.index("<table") < caption < html.rindex("<table")
    if "table-note" in html:
        assert caption < html.index("table-note")
    for n in res.patterns["n"]:
        assert f">{n}<" in html
    book = openpyxl.load_workbook(res.to_excel(tmp_path / "fiml.xlsx"))
    titles = [book[name].cell(row=2, column=1).value for name in book.sheetnames]
    assert titles[-1] == "Missing-data patterns (1 = observed)"
    sheet = book[book.sheetnames[-1]]
    counts = [sheet.cell(row=4 + i, column=2).value for i in range(res.n_patterns)]
    assert counts == res.patterns["n"].tolist()


@pytest.mark.parametrize("serial", [False, True])
def test_equals_the_full_sem_engine_fit(ref, fits, serial):
    """The saturated-moment route equals fit_sem on the path model (estimates and SEs <= 1e-6
    relative)."""
    data, _ = ref
    res = fits["serial" if serial else "parallel"].table.set_index("term")
    syntax = path_model_syntax("x", ["m1", "m2"], "y", ["tenure"], serial)
    syntax += "\nind_1 := a_1*b_1\nind_2 := a_2*b_2"
    sem = ld.sem(data, syntax, missing="fiml", fixed_x=False)
    assert sem.fit["df"].iloc[0] == 0  # just-identified: the saturated model
    tab = sem.table.query("label != ''").set_index("label")
    for term, label in [("a:m1", "a_1"), ("b:m2", "b_2"), ("c_prime", "cp")]:
        assert res.at[term, "estimate"] == pytest.approx(tab.at[label, "estimate"], rel=1e-6)
        assert res.at[term, "se"] == pytest.approx(tab.at[label, "se"], rel=1e-6)
    for term, label in [("indirect:m1", "ind_1"), ("indirect:m2", "ind_2")]:
        assert res.at[term, "estimate"] == pytest.approx(tab.at[label, "estimate"], rel=1e-6)
        assert res.at[term, "sobel_se"] == pytest.approx(tab.at[label, "se"], rel=1e-6)


def test_bootstrap_ci_agrees_with_lavaan(ref):
    """Percentile CI of the indirect effect vs lavaan's se = "bootstrap" (1,000 resamples, on
    the non-empty rows, none failed) with our 2,000 independent ones. The SD of a 2.5%
    bootstrap quantile is about 0.085 bootstrap SEs with B = 1,000 and 0.06 with 2,000, so
    the two differ by about 0.1 SE: bound 0.42 SE (4 SD). The draws themselves are checked
    exactly against full refits in test_bootstrap_draws_equal_full_sem_refits."""
    data, rj = ref
    res = ld.mediate(data, x="x", m="m1", y="y", covariates=["tenure"], missing="fiml",
                     n_boot=2000, seed=11)  # fmt: skip
    row = res.table.set_index("term").loc["indirect:m1"]
    boot = rj["bootstrap"]
    assert boot["n_failed"] == 0
    i = boot["lhs"].index("ind_1")
    assert row["ci_low"] == pytest.approx(boot["ci_low"][i], abs=0.42 * row["se"])
    assert row["ci_high"] == pytest.approx(boot["ci_high"][i], abs=0.42 * row["se"])


def test_batched_em_equals_the_engine_em_on_resampled_rows(ref):
    """Each resample's EM (frequency weights) equals em_saturated on the rows repeated."""
    data, _ = ref
    y = data[["x", "m1", "m2", "y", "tenure"]].dropna(how="all").to_numpy(float)
    y = (y - np.nanmean(y, axis=0)) / np.nanstd(y, axis=0)
    pdata = PatternData.build(("x", "m1", "m2", "y", "tenure"), y)
    sat = em_saturated(pdata, tol=1e-12)
    sums = PatternSums(pdata, sat.mu, sat.sigma)
    W = np.random.default_rng(5).multinomial(len(y), np.full(len(y), 1 / len(y)), size=3)
    mu, sigma, bad = sums.em(sums.sums(W.astype(float)))
    assert not bad.any()
    for b in range(3):
        rows = np.repeat(np.arange(len(y)), W[b])
        ref_fit = em_saturated(PatternData.build(pdata.names, y[rows]), tol=1e-12)
        np.testing.assert_allclose(mu[b], ref_fit.mu, atol=1e-7)
        np.testing.assert_allclose(sigma[b], ref_fit.sigma, atol=1e-7)


def test_complete_data_gives_the_listwise_ols_results():
    """Without missing values FIML is OLS: same estimates and, with the same seed, the same
    bootstrap draws (the standardized effects use SDs with divisor n - 1 in both)."""
    d = ld.load_dataset("study2a")
    d = d.join(ld.score(d, ["learning_direction", "learning_opportunity",
                            "mentor_engagement"]).scores)  # fmt: skip
    d = d[["downward", "upward", "learning_opportunity", "mentor_engagement"]].dropna()
    kw = dict(x="downward", m="learning_opportunity", y="mentor_engagement",
              covariates=["upward"], n_boot=300, seed=2)  # fmt: skip
    fiml = ld.mediate(d, missing="fiml", **kw)
    ols = ld.mediate(d, **kw)
    assert fiml.n_patterns == 1 and fiml.n == ols.n == len(d)
    np.testing.assert_allclose(fiml.table["estimate"], ols.table["estimate"], rtol=1e-8)
    np.testing.assert_allclose(fiml.boot_draws, ols.boot_draws, rtol=1e-6)
    np.testing.assert_allclose(fiml.table["ci_low"][4:], ols.table["ci_low"][4:], rtol=1e-6)


def test_same_seed_same_draws_and_other_intervals(ref):
    data, _ = ref
    kw = dict(x="x", m=["m1", "m2"], y="y", missing="fiml", n_boot=150)
    a = ld.mediate(data, seed=4, **kw)
    b = ld.mediate(data, seed=4, **kw)
    pd.testing.assert_frame_equal(a.boot_draws, b.boot_draws)
    assert a.missing == "fiml" and a.n_singular == 0
    mc = ld.mediate(data, seed=4, ci="monte_carlo", **kw).table.set_index("term")
    bca = ld.mediate(data.iloc[:120], seed=4, ci="bca", **kw).table.set_index("term")
    perc = a.table.set_index("term")
    # Monte Carlo draws of the saturated moments: their SD is the delta-method SE (+-15%
    # with 150 draws) and the interval covers the estimate
    row = mc.loc["indirect:m1"]
    assert row["se"] == pytest.approx(row["sobel_se"], rel=0.15)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert bca.loc["indirect:m1", "ci_low"] < bca.loc["indirect:m1", "ci_high"]
    assert perc.loc["indirect:m1", "estimate"] == pytest.approx(mc.loc["indirect:m1", "estimate"])


def test_bad_input_is_refused_clearly(ref):
    data, _ = ref
    kw = dict(m="m1", y="y", missing="fiml", n_boot=100)
    with pytest.raises(ModelError, match="categorical"):
        ld.mediate(data.assign(g=np.where(data["x"] > 4.5, "hi", "lo")), x="g", **kw)
    with pytest.raises(ModelError, match="0/1 outcome"):
        ld.mediate(data.assign(yb=(data["y"] > 3).astype(float)), x="x", m="m1", y="yb",
                   missing="fiml", n_boot=100)  # fmt: skip
    with pytest.raises(ModelError, match="single-level"):
        ld.mediate(data.assign(cl=data.index % 30), x="x", cluster="cl", **kw)
    with pytest.raises(DataValidationError, match="'team' is"):
        ld.mediate(data.assign(team="a"), x="x", covariates=["team"], **kw)
    with pytest.raises(ModelError, match="missing must be"):
        ld.mediate(data, x="x", m="m1", y="y", missing="pairwise")
    with pytest.raises(ModelError, match="observed together"):
        bad = data.copy()
        bad.loc[bad["m1"].notna(), "y"] = np.nan
        ld.mediate(bad, x="x", **kw)
    # a linear probability model is fitted on request
    res = ld.mediate(data.assign(yb=(data["y"] > 3).astype(float)), x="x", m="m1", y="yb",
                     outcome="linear", missing="fiml", n_boot=100, seed=1)  # fmt: skip
    assert res.y_family == "gaussian"


@pytest.mark.slow
def test_bootstrap_draws_equal_full_sem_refits(ref):
    """Same seed, same resamples: every draw of the batched saturated-EM bootstrap equals a
    full FIML refit of the path model by the SEM engine (``ld.sem(..., bootstrap=)``) to 1e-8."""
    data, _ = ref
    syntax = path_model_syntax("x", ["m1"], "y", ["tenure"], False) + "\nind_1 := a_1*b_1"
    sem = ld.sem(data, syntax, missing="fiml", fixed_x=False, bootstrap=100, seed=5)
    res = ld.mediate(data, x="x", m="m1", y="y", covariates=["tenure"], missing="fiml",
                     n_boot=100, seed=5)  # fmt: skip
    np.testing.assert_allclose(
        res.boot_draws["indirect:m1"], sem.boot_draws["ind_1"], rtol=0, atol=1e-8
    )
