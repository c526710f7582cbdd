"""Linear mixed models: agreement with lme4 (tests/reference/sleepstudy_mixed.json)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models.regression import mixed


@pytest.fixture(scope="module")
def sleep():
    return reference_csv("sleepstudy.csv")


@pytest.fixture(scope="module")
def ref():
    return reference_json("sleepstudy_mixed.json")


def _r(term):
    return "Intercept" if term == "(Intercept)" else term


def _rel(a, b):
    return abs(a - b) / abs(b)


def test_random_intercept_matches_lme4(sleep, ref):
    r = ref["random_intercept"]
    res = mixed(sleep, "Reaction ~ Days", groups="Subject")
    t = res.table.set_index("term")
    for term, v in r["fixef"].items():
        assert _rel(t.loc[_r(term), "estimate"], v) < 1e-4
    for term, v in r["se"].items():
        assert _rel(t.loc[_r(term), "se"], v) < 1e-4
    vc = res.variance_components
    assert _rel(vc.loc[vc["group"] == "Subject", "vcov"].iloc[0], r["var_intercept"]) < 1e-3
    assert _rel(vc.loc[vc["group"] == "Residual", "vcov"].iloc[0], r["var_residual"]) < 1e-3
    assert _rel(res.reml_loglik, r["reml_loglik"]) < 1e-4
    assert (res.n, res.n_groups, res.n_dropped) == (180, 18, 0)
    assert list(res.table.columns) == [
        "term",
        "estimate",
        "se",
        "df",
        "t",
        "ci_low",
        "ci_high",
        "p_value",
    ]


def test_satterthwaite_random_slope_matches_lmertest(sleep):
    """lmerTest's published contest1D output for (1 + Days | Subject)."""
    ref = reference_json("sleepstudy_lmertest.json")["random_slope"]
    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    t = res.table.set_index("term")
    for term, r in ref.items():
        row = t.loc[term]
        assert _rel(row["df"], r["df"]) < 2e-5  # ours 16.99982 / 17.00003
        assert _rel(row["t"], r["t"]) < 1e-5
        assert _rel(row["ci_low"], r["lower"]) < 1e-5
        assert _rel(row["ci_high"], r["upper"]) < 1e-5
        assert _rel(row["p_value"], r["p"]) < 1e-3
    assert res.ddf == "satterthwaite"
    assert "Satterthwaite" in res.summary()


def test_satterthwaite_random_intercept_closed_form(sleep):
    """Balanced random-intercept model: the within-subject slope has the split-plot df
    G(n-1) - 1 = 161, and the intercept the Satterthwaite df of the mix of the two mean squares
    (between subjects, df G-1; within, df G(n-1)-1) that its variance combines."""
    res = mixed(sleep, "Reaction ~ Days", groups="Subject")
    t = res.table.set_index("term")
    G, n = 18, 10
    x = np.arange(10.0)
    sxx = ((x - x.mean()) ** 2).sum()
    # mean squares from the data: within-subject regression residuals and subject means
    d = sleep.assign(dev=sleep["Days"] - sleep["Days"].mean())
    slope = (d["dev"] * d["Reaction"]).sum() / (G * sxx)
    resid = d["Reaction"] - d.groupby("Subject")["Reaction"].transform("mean") - slope * d["dev"]
    df_w = G * (n - 1) - 1
    ms_w = (resid**2).sum() / df_w
    ms_b = n * d.groupby("Subject")["Reaction"].mean().var(ddof=1)
    a, b = ms_b / (G * n), x.mean() ** 2 * ms_w / (G * sxx)
    df_int = (a + b) ** 2 / (a**2 / (G - 1) + b**2 / df_w)
    assert df_int == pytest.approx(22.81, abs=0.01)  # lmerTest's summary() value
    assert _rel(t.loc["Intercept", "df"], df_int) < 1e-4
    assert _rel(t.loc["Days", "df"], df_w) < 1e-4
    # the variance of the intercept is that combination of mean squares
    assert _rel(t.loc["Intercept", "se"] ** 2, a + b) < 1e-5  # REML optimum to ~1e-6


def test_satterthwaite_zero_variance_gives_ols_df():
    """A random intercept estimated at zero (singular fit): the model is OLS, df = n - p."""
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"g": np.repeat(np.arange(12), 6), "x": rng.normal(size=72)})
    d["y"] = 0.5 * d["x"] + rng.normal(size=72)
    # remove every between-group difference in y beyond what x explains
    d["y"] -= d.groupby("g")["y"].transform("mean") - d["y"].mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = mixed(d, "y ~ x", groups="g")
    assert res.variance_components["vcov"].iloc[0] < 1e-6
    np.testing.assert_allclose(res.table["df"], 72 - 2, rtol=1e-3)


def test_wald_option_keeps_z_tests(sleep):
    from scipy import stats

    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days", ddf="wald")
    assert list(res.table.columns) == [
        "term",
        "estimate",
        "se",
        "z",
        "ci_low",
        "ci_high",
        "p_value",
    ]
    row = res.table.iloc[1]
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(abs(row["z"])), rel=1e-12)
    assert row["ci_low"] == pytest.approx(row["estimate"] - 1.959964 * row["se"], rel=1e-6)
    assert "Wald z" in res.summary()
    with pytest.raises(ModelError, match="ddf must be"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", ddf="kenward-roger")


def test_random_slope_matches_lme4(sleep, ref):
    r = ref["random_slope"]
    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    t = res.table.set_index("term")
    for term, v in r["fixef"].items():
        assert _rel(t.loc[_r(term), "estimate"], v) < 1e-4
    for term, v in r["se"].items():
        assert _rel(t.loc[_r(term), "se"], v) < 1e-4
    vc = res.variance_components
    assert list(vc.columns) == ["group", "var1", "var2", "vcov", "sdcor"]
    assert len(vc) == len(r["varcorr"]) == 4
    for ours, theirs in zip(vc["vcov"], (row["vcov"] for row in r["varcorr"]), strict=True):
        assert _rel(ours, theirs) < 1e-3
    assert list(vc["var1"].iloc[:3]) == ["Intercept", "Days", "Intercept"]
    assert vc["var2"].iloc[2] == "Days"
    assert vc["sdcor"].iloc[2] == pytest.approx(
        vc["vcov"].iloc[2] / np.sqrt(vc["vcov"].iloc[0] * vc["vcov"].iloc[1])
    )
    assert _rel(res.reml_loglik, r["reml_loglik"]) < 1e-4


def test_icc_matches_lme4_null_model(sleep, ref):
    res = mixed(sleep, "Reaction ~ Days", groups="Subject")
    assert res.icc == pytest.approx(ref["icc1_null_model"], abs=1e-4)
    k = 10.0
    assert res.icc2 == pytest.approx(k * res.icc / (1 + (k - 1) * res.icc), rel=1e-12)
    assert res.mean_group_size == k


def test_unbalanced_se_is_lme4_formula(sleep):
    """Drop rows so groups are unbalanced; SE must equal sqrt(diag((X'V^-1X)^-1)) (dense)."""
    rng = np.random.default_rng(11)
    keep = rng.random(len(sleep)) > 0.3
    d = sleep[keep].reset_index(drop=True)
    assert d.groupby("Subject").size().nunique() > 1
    res = mixed(d, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    vc = res.variance_components
    G = np.array([[vc["vcov"][0], vc["vcov"][2]], [vc["vcov"][2], vc["vcov"][1]]])
    s2 = vc["vcov"][3]
    X = np.column_stack([np.ones(len(d)), d["Days"].to_numpy()])
    # dense V over all rows: V = Z G Z' (same subject only) + s2 I
    same = (d["Subject"].to_numpy()[:, None] == d["Subject"].to_numpy()[None, :]).astype(float)
    V = (X @ G @ X.T) * same + s2 * np.eye(len(d))
    cov = np.linalg.inv(X.T @ np.linalg.solve(V, X))
    np.testing.assert_allclose(res.table["se"], np.sqrt(np.diag(cov)), rtol=1e-9)
    # the GLS fixed effects at those variances are the reported estimates
    beta = cov @ X.T @ np.linalg.solve(V, d["Reaction"].to_numpy())
    np.testing.assert_allclose(res.table["estimate"], beta, rtol=1e-6)


def test_missing_rows_reported(sleep):
    d = sleep.copy()
    d.loc[[0, 5, 17], "Reaction"] = np.nan
    res = mixed(d, "Reaction ~ Days", groups="Subject")
    assert (res.n, res.n_dropped) == (177, 3)
    assert any("Reaction (3)" in n for n in res.notes)


def test_unknown_columns(sleep):
    with pytest.raises(DataValidationError, match="Days"):
        mixed(sleep, "Reaction ~ Dayz", groups="Subject")
    with pytest.raises(DataValidationError, match="Subjct"):
        mixed(sleep, "Reaction ~ Days", groups="Subjct")
    with pytest.raises(DataValidationError, match="Dayz"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Dayz")
    with pytest.raises(DataValidationError, match="start with '~'"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="Days")


def test_single_group(sleep):
    with pytest.raises(ModelError, match="groups"):
        mixed(sleep.assign(g=1), "Reaction ~ Days", groups="g")


def test_one_row_per_group_is_refused(sleep):
    """lme4: the number of levels of each grouping factor must be < the number of observations."""
    d = sleep.assign(row=np.arange(len(sleep)))
    with pytest.raises(
        ModelError, match=r"groups column 'row' has 180 groups for 180 complete rows"
    ):
        mixed(d, "Reaction ~ Days", groups="row")
    # after listwise deletion: 3 complete rows, each in its own group
    d = sleep.assign(Days=np.where(sleep["Days"] == 0, sleep["Days"], np.nan))
    with pytest.raises(ModelError, match=r"'Subject' has 18 groups for 18 complete rows"):
        mixed(d, "Reaction ~ Days", groups="Subject")
    # a random slope needs more rows than random effects (lme4's check.nobs.vs.nRE)
    two = sleep[sleep["Days"] <= 1]
    with pytest.raises(ModelError, match=r"36 complete rows but 36 random effects \(2 per group"):
        mixed(two, "Reaction ~ Days", groups="Subject", re_formula="~Days")


def test_some_single_row_groups_are_fine(sleep):
    """Groups of one row next to larger groups are allowed (lme4 fits them too)."""
    first = sleep.groupby("Subject").cumcount() == 0
    few = sleep["Subject"].isin(sleep["Subject"].unique()[:5])
    d = sleep[~few | first]
    res = mixed(d, "Reaction ~ Days", groups="Subject")
    assert res.n == 13 * 10 + 5 and res.n_groups == 18


def test_nullable_dtypes(sleep):
    """Nullable Int64/Float64 columns (with pd.NA) and a nullable boolean predictor fit like
    their numpy counterparts."""
    plain = sleep.assign(late=sleep["Days"] >= 5, Reaction=sleep["Reaction"].astype(float))
    plain.loc[[2, 7], "Reaction"] = np.nan
    nullable = plain.assign(
        Days=pd.array(plain["Days"], dtype="Int64"),
        Reaction=pd.array(plain["Reaction"], dtype="Float64"),
        late=pd.array(plain["late"], dtype="boolean"),
    )
    f = "Reaction ~ Days + late"
    res, base = mixed(nullable, f, groups="Subject"), mixed(plain, f, groups="Subject")
    assert list(res.table["term"]) == ["Intercept", "late[T.True]", "Days"]
    np.testing.assert_allclose(res.table["estimate"], base.table["estimate"], rtol=1e-8)
    assert (res.n, res.n_dropped) == (178, 2)


def test_summary_and_plot(sleep):
    import matplotlib.pyplot as plt

    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    text = res.summary()
    assert "Random effects" in text and "ICC(1)" in text
    assert "Random effects" in res._repr_html_()
    ax = res.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Days"]
    plt.close("all")
