"""ttest, welch_anova and games_howell against R (tests/reference/group_tests.json, made by
make_inference_reference.R: t.test, oneway.test, effectsize, rstatix, clubSandwich), against
pingouin, against the formulas by hand, and their refusals of bad input."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataQualityWarning, DataValidationError, ModelError
from learning_direction.models.group_tests import (
    GamesHowellResult,
    TTestResult,
    WelchAnovaResult,
    games_howell,
    ttest,
    welch_anova,
)

REF = reference_json("group_tests.json")
DATA = {
    "plant_growth": ("plant_growth.csv", "weight", "group"),
    "insect_sprays": ("insect_sprays.csv", "count", "spray"),
}


def _data(name):
    file, dv, between = DATA[name]
    return reference_csv(file), dv, between


@functools.cache
def _gh_table(name):
    """Games-Howell of a reference dataset, computed once (studentized-range quantiles are slow)."""
    d, dv, between = _data(name)
    return games_howell(d, dv, between).table


# --- t test -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "welch", "subset"),
    [
        ("tooth_growth_welch", True, None),
        ("tooth_growth_student", False, None),
        ("plant_trt1_trt2_welch", True, ("trt1", "trt2")),
    ],
)
def test_ttest_matches_r(case, welch, subset):
    ref = REF["ttest"][case]
    if subset:
        d = reference_csv("plant_growth.csv")
        d = d[d["group"].isin(subset)]
        res = ttest(d, "weight", "group", welch=welch)
    else:
        res = ttest(reference_csv("tooth_growth.csv"), "len", "supp", welch=welch)
    row = res.table.iloc[0]
    assert row["contrast"] == f"{ref['levels'][0]} - {ref['levels'][1]}"
    assert row["t"] == pytest.approx(ref["statistic"], abs=1e-10)
    assert row["df"] == pytest.approx(ref["df"], abs=1e-9)
    assert row["p_value"] == pytest.approx(ref["p_value"], abs=1e-12)
    assert row["estimate"] == pytest.approx(ref["estimate"], abs=1e-12)
    assert row["se"] == pytest.approx(ref["se"], abs=1e-12)
    assert [row["ci_low"], row["ci_high"]] == pytest.approx(ref["ci"], abs=1e-10)
    # Hedges' g: exact noncentral-t bounds (R uniroot) to 1e-9, effectsize's optim() to 1e-6
    assert row["hedges_g"] == pytest.approx(ref["hedges_g_effectsize"], abs=1e-12)
    assert [row["g_ci_low"], row["g_ci_high"]] == pytest.approx(ref["g_ci_exact"], abs=1e-9)
    assert [row["g_ci_low"], row["g_ci_high"]] == pytest.approx(ref["g_ci_effectsize"], abs=1e-6)
    assert isinstance(res, TTestResult) and res.n == (20 if subset else 60)


def test_ttest_matches_scipy_and_pingouin():
    d = reference_csv("tooth_growth.csv")
    res = ttest(d, "len", "supp").table.iloc[0]
    a, b = d.loc[d["supp"] == "OJ", "len"], d.loc[d["supp"] == "VC", "len"]
    sp = stats.ttest_ind(a, b, equal_var=False)
    assert res["t"] == pytest.approx(sp.statistic, rel=1e-12)
    assert res["p_value"] == pytest.approx(sp.pvalue, rel=1e-10)
    pgt = pg.ttest(a, b, correction=True)
    assert res["df"] == pytest.approx(float(pgt["dof"].iloc[0]), rel=1e-10)


def test_ttest_summary_and_html():
    res = ttest(reference_csv("tooth_growth.csv"), "len", "supp")
    text = res.summary()
    assert "Welch two-sample t test" in text and "Groups:" in text and "Note:" in text
    assert "<table" in res._repr_html_()
    assert res.text().startswith("t(55.31) = 1.92, p = .061, g = 0.49")


# --- Welch ANOVA ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(DATA))
def test_welch_anova_matches_r(name):
    d, dv, between = _data(name)
    ref = REF["welch_anova"][name]
    res = welch_anova(d, dv, between)
    row = res.table.iloc[0]
    assert row["f"] == pytest.approx(ref["statistic"], rel=1e-12)
    assert row["df1"] == ref["df1"]
    assert row["df2"] == pytest.approx(ref["df2"], rel=1e-12)
    assert row["p_value"] == pytest.approx(ref["p_value"], rel=1e-9)
    assert row["eta2"] == pytest.approx(ref["eta2"], abs=1e-12)
    assert row["omega2"] == pytest.approx(ref["omega2"], abs=1e-12)
    # exact noncentral-F inversion (R uniroot) and effectsize's optim() result
    assert [row["eta2_ci_low"], row["eta2_ci_high"]] == pytest.approx(
        ref["eta2_ci_exact"], abs=1e-8
    )
    assert [row["omega2_ci_low"], row["omega2_ci_high"]] == pytest.approx(
        ref["omega2_ci_exact"], abs=1e-8
    )
    assert [row["eta2_ci_low"], row["eta2_ci_high"]] == pytest.approx(
        ref["eta2_ci_effectsize"], abs=1e-6
    )
    assert [row["omega2_ci_low"], row["omega2_ci_high"]] == pytest.approx(
        ref["omega2_ci_effectsize"], abs=1e-6
    )
    groups = ref["groups"]
    assert res.groups["group"].tolist() == groups["level"]
    assert res.groups["n"].tolist() == groups["n"]
    np.testing.assert_allclose(res.groups["mean"], groups["mean"], rtol=1e-12)
    np.testing.assert_allclose(res.groups["sd"], groups["sd"], rtol=1e-12)
    assert isinstance(res, WelchAnovaResult)


def test_welch_anova_matches_pingouin():
    d, dv, between = _data("insect_sprays")
    row = welch_anova(d, dv, between).table.iloc[0]
    pw = pg.welch_anova(data=d, dv=dv, between=between).iloc[0]
    assert row["f"] == pytest.approx(float(pw["F"]), rel=1e-10)
    assert row["df2"] == pytest.approx(float(pw["ddof2"]), rel=1e-10)


# --- Games-Howell -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(DATA))
def test_games_howell_matches_r(name):
    ref = pd.DataFrame(REF["games_howell"][name])
    tab = _gh_table(name)
    assert list(zip(tab["group1"], tab["group2"])) == list(zip(ref["group1"], ref["group2"]))
    # rstatix: estimate = mean(group2) - mean(group1), se = our se / sqrt(2), p.adj rounded
    np.testing.assert_allclose(tab["estimate"], -ref["estimate"], atol=1e-12)
    np.testing.assert_allclose(tab["se"] / np.sqrt(2), ref["se"], rtol=1e-12)
    np.testing.assert_allclose(tab["t"].abs(), ref["statistic"], rtol=1e-12)
    np.testing.assert_allclose(tab["df"], ref["df"], rtol=1e-12)
    np.testing.assert_allclose(tab["p_value"], ref["p_ptukey"], atol=1e-9)
    np.testing.assert_allclose(tab["p_value"], ref["p.adj"], atol=5e-4 + 1e-9)
    # R's qtukey stops at a relative accuracy of about 1e-7..1e-5
    np.testing.assert_allclose(tab["ci_low"], -ref["conf.high"], atol=1e-6)
    np.testing.assert_allclose(tab["ci_high"], -ref["conf.low"], atol=1e-6)


def test_games_howell_by_hand_from_the_formulas():
    d, dv, between = _data("insect_sprays")
    row = _gh_table("insect_sprays").iloc[4]  # A vs F
    a = d.loc[d[between] == row["group1"], dv].to_numpy(float)
    f = d.loc[d[between] == row["group2"], dv].to_numpy(float)
    va, vf = a.var(ddof=1) / a.size, f.var(ddof=1) / f.size
    se = np.sqrt(va + vf)
    df = (va + vf) ** 2 / (va**2 / (a.size - 1) + vf**2 / (f.size - 1))
    t = (a.mean() - f.mean()) / se
    k = 6
    p = stats.studentized_range.sf(abs(t) * np.sqrt(2), k, df)
    half = stats.studentized_range.ppf(0.95, k, df) / np.sqrt(2) * se
    assert row["estimate"] == pytest.approx(a.mean() - f.mean(), abs=1e-12)
    assert (row["se"], row["df"], row["t"]) == pytest.approx((se, df, t), rel=1e-12)
    assert row["p_value"] == pytest.approx(p, rel=1e-10)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (a.mean() - f.mean() - half, a.mean() - f.mean() + half), rel=1e-10
    )


@pytest.mark.parametrize("name", list(DATA))
def test_games_howell_matches_pingouin(name):
    d, dv, between = _data(name)
    tab = _gh_table(name)
    ref = pg.pairwise_gameshowell(data=d, dv=dv, between=between)
    np.testing.assert_allclose(tab["estimate"], ref["diff"], atol=1e-12)
    np.testing.assert_allclose(tab["se"], ref["se"], rtol=1e-12)
    np.testing.assert_allclose(tab["df"], ref["df"], rtol=1e-10)
    np.testing.assert_allclose(tab["p_value"], ref["pval"], atol=1e-8)
    # pingouin's hedges uses the approximate correction 1 - 3 / (4 (n1 + n2) - 9)
    assert np.max(np.abs(tab["hedges_g"] - ref["hedges"])) < 0.01 * np.max(np.abs(tab["hedges_g"]))


def test_games_howell_simultaneous_coverage_is_wider_than_pairwise():
    d, dv, between = _data("plant_growth")
    row = games_howell(d, dv, between).table.iloc[0]
    t_half = stats.t.ppf(0.975, row["df"]) * row["se"]
    assert row["ci_high"] - row["estimate"] > t_half


# --- cluster-robust (CR2) ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def chicks():
    return reference_csv("chick_weight.csv")


def test_cluster_welch_anova_is_the_htz_test_of_clubsandwich(chicks):
    ref = REF["cluster_cr2"]["htz"]
    res = welch_anova(chicks, "weight", "Diet", cluster="Chick")
    row = res.table.iloc[0]
    assert row["test"] == "CR2 HTZ"
    assert row["f"] == pytest.approx(ref["F"], rel=1e-10)
    assert row["df1"] == ref["df1"]
    assert row["df2"] == pytest.approx(ref["df2"], rel=1e-10)
    assert row["p_value"] == pytest.approx(ref["p_value"], rel=1e-8)
    assert np.isnan(row["eta2_ci_low"]) and 0 < row["eta2"] < 1
    assert res.n_clusters == 50 and any("CR2" in n for n in res.notes)


def test_cluster_ttest_is_clubsandwich_coef_test(chicks):
    ref = REF["cluster_cr2"]["ttest_diet1_vs_2"]
    two = chicks[chicks["Diet"].isin([1, 2])]
    row = ttest(two, "weight", "Diet", cluster="Chick").table.iloc[0]
    assert row["estimate"] == pytest.approx(-ref["coef"], rel=1e-10)
    assert row["se"] == pytest.approx(ref["se"], rel=1e-10)
    assert row["df"] == pytest.approx(ref["df"], rel=1e-10)
    assert row["p_value"] == pytest.approx(ref["p"], rel=1e-8)
    assert np.isnan(row["g_ci_low"])


def test_cluster_pairs_are_clubsandwich_linear_contrasts(chicks):
    ref = pd.DataFrame(REF["cluster_cr2"]["pairwise"])
    tab = games_howell(chicks, "weight", "Diet", cluster="Chick").table
    # R: Diet2..4 vs Diet1, then Diet3-Diet2, Diet4-Diet2, Diet4-Diet3 (= -(ours))
    np.testing.assert_allclose(tab["estimate"], -ref["Est"], rtol=1e-10)
    np.testing.assert_allclose(tab["se"], ref["SE"], rtol=1e-10)
    np.testing.assert_allclose(tab["df"], ref["df"], rtol=1e-10)
    unadjusted = 2 * stats.t.sf(tab["t"].abs(), tab["df"])
    np.testing.assert_allclose(unadjusted, ref["p_val"], rtol=1e-8)
    np.testing.assert_allclose(tab["p_value"], np.minimum(1, 6 * ref["p_val"]), rtol=1e-8)


def test_cluster_df_follow_the_number_of_clusters_not_of_rows(chicks):
    naive = games_howell(chicks, "weight", "Diet").table
    robust = games_howell(chicks, "weight", "Diet", cluster="Chick").table
    # 578 weighings of 50 chicks: the df of a CR2 contrast are bounded by the clusters
    assert (naive["df"] > 150).all() and (robust["df"] < 50).all()
    assert (robust["p_value"] > naive["p_value"]).sum() >= 4


# --- missing data and refusals ----------------------------------------------------------------
def test_missing_rows_are_counted_and_noted():
    d = reference_csv("plant_growth.csv")
    d.loc[[0, 5], "weight"] = np.nan
    d.loc[12, "group"] = None
    with pytest.warns(DataQualityWarning, match="3 of 30 rows"):
        res = welch_anova(d, "weight", "group")
    assert (res.n, res.n_dropped) == (27, 3)
    assert any("3 of 30 rows left out" in n for n in res.notes)
    assert isinstance(games_howell(d.dropna(), "weight", "group"), GamesHowellResult)


def test_categorical_order_sets_the_contrast_direction():
    d = reference_csv("tooth_growth.csv")
    d["supp"] = pd.Categorical(d["supp"], categories=["VC", "OJ"])
    row = ttest(d, "len", "supp").table.iloc[0]
    assert row["contrast"] == "VC - OJ" and row["estimate"] == pytest.approx(-3.7)


def _plant():
    return reference_csv("plant_growth.csv")


@pytest.mark.parametrize(
    ("func", "data", "kwargs", "error", "match"),
    [
        (welch_anova, lambda: _plant().assign(group="a"), {}, DataValidationError, "1 group"),
        (ttest, _plant, {}, DataValidationError, "3 groups.*welch_anova"),
        (
            games_howell,
            lambda: pd.concat([_plant(), pd.DataFrame({"weight": [5.0], "group": ["x"]})]),
            {},
            DataValidationError,
            "'x' \\(1 row\\)",
        ),
        (welch_anova, lambda: _plant().assign(weight=4.0), {}, DataValidationError, "constant"),
        (
            games_howell,
            lambda: _plant().assign(weight=lambda d: d["weight"].where(d["group"] != "ctrl", 5.0)),
            {},
            DataValidationError,
            "does not vary within group.*'ctrl'",
        ),
        (welch_anova, _plant, {"dv": "wieght"}, DataValidationError, "did you mean 'weight'"),
        (
            welch_anova,
            lambda: _plant().assign(weight=lambda d: d["weight"].astype(str)),
            {},
            DataValidationError,
            "must be numeric",
        ),
        (
            welch_anova,
            lambda: _plant().assign(c=np.arange(30) % 3),
            {"cluster": "c"},
            ModelError,
            "only 3 clusters",
        ),
        (
            welch_anova,
            lambda: _plant().assign(c=[None, *list(range(29))]),
            {"cluster": "c"},
            DataValidationError,
            "missing",
        ),
        (ttest, _plant, {"ci_level": 95}, DataValidationError, "ci_level=0.95"),
    ],
)
def test_bad_input_is_refused(func, data, kwargs, error, match):
    args = {"dv": "weight", "between": "group", **kwargs}
    with pytest.raises(error, match=match):
        func(data(), **args)
