"""OLS, hierarchical regression and logit: agreement with R (tests/reference) and bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models._design import formula_variables, sandwich_vcov
from learning_direction.models.regression import compare_models, logit, regress, regress_steps

OLS_F = "ACT ~ SATV + age + education"


@pytest.fixture(scope="module")
def sat():
    d = reference_csv("sat_act.csv")
    d["female"] = (d["gender"] == 2).astype(int)
    return d


@pytest.fixture(scope="module")
def ref():
    return reference_json("sat_act_models.json")


def _r(term):
    return "Intercept" if term == "(Intercept)" else term


def _rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


@pytest.mark.parametrize(("se", "key"), [("classical", "se"), ("HC1", "se_hc1"), ("HC3", "se_hc3")])
def test_ols_matches_r(sat, ref, se, key):
    o = ref["ols"]
    res = regress(sat, OLS_F, se=se)
    t = res.table.set_index("term")
    for term, v in o["coef"].items():
        assert _rel(t.loc[_r(term), "estimate"], v) < 1e-6
    for term, v in o[key].items():
        assert _rel(t.loc[_r(term), "se"], v) < 1e-6
    assert _rel(res.r2, o["r2"]) < 1e-6
    assert _rel(res.adj_r2, o["adj_r2"]) < 1e-6
    assert _rel(res.f, o["F"]) < 1e-6
    assert res.n == o["n"] and res.n_dropped == 0
    assert res.df_model == 3 and res.df_resid == 696
    assert list(res.table.columns) == [
        "term", "estimate", "se", "t", "ci_low", "ci_high", "p_value", "beta",
    ]  # fmt: skip


def test_ols_hc0_hc2_match_statsmodels(sat):
    for se in ("HC0", "HC2"):
        res = regress(sat, OLS_F, se=se)
        np.testing.assert_allclose(res.table["se"], res.model.bse, rtol=1e-10)


def test_hc4_closed_form(sat):
    res = regress(sat, OLS_F, se="HC4")
    X = res.design.X.to_numpy()
    y = res.design.y.to_numpy()
    n, p = X.shape
    XtXi = np.linalg.inv(X.T @ X)
    b = XtXi @ X.T @ y
    e = y - X @ b
    meat = np.zeros((p, p))
    for i in range(n):  # deliberately naive loop: Cribari-Neto (2004), eq. for HC4
        h = X[i] @ XtXi @ X[i]
        delta = min(4.0, n * h / p)
        meat += np.outer(X[i], X[i]) * e[i] ** 2 / (1 - h) ** delta
    V = XtXi @ meat @ XtXi
    np.testing.assert_allclose(res.table["se"], np.sqrt(np.diag(V)), rtol=1e-10)
    assert res.se_type == "HC4"


def test_cluster_matches_statsmodels_cr1(sat):
    d = sat.assign(cl=np.arange(len(sat)) % 37)
    res = regress(d, OLS_F, se="cluster", cluster="cl")
    np.testing.assert_allclose(res.table["se"], res.model.bse, rtol=1e-10)
    # CR1 by hand: G/(G-1) * (n-1)/(n-p) * sum_g U_g U_g'
    X, e = res.design.X.to_numpy(), res.model.resid.to_numpy()
    n, p = X.shape
    B = np.linalg.inv(X.T @ X)
    U = np.vstack(
        [(X[d["cl"].to_numpy() == g] * e[d["cl"].to_numpy() == g, None]).sum(0) for g in range(37)]
    )
    V = B @ (U.T @ U) @ B * 37 / 36 * (n - 1) / (n - p)
    np.testing.assert_allclose(res.table["se"], np.sqrt(np.diag(V)), rtol=1e-10)
    assert res.n_clusters == 37
    # cluster= alone implies se="cluster"
    assert regress(d, OLS_F, cluster="cl").se_type == "cluster"


def test_cluster_missing_values_raise(sat):
    d = sat.assign(cl=np.where(np.arange(len(sat)) < 3, np.nan, 1.0 + np.arange(len(sat)) % 5))
    with pytest.raises(DataValidationError, match="cluster column 'cl'"):
        regress(d, OLS_F, se="cluster", cluster="cl")


def test_beta_standardized(sat):
    res = regress(sat, OLS_F)
    z = sat[["ACT", "SATV", "age", "education"]].apply(lambda c: (c - c.mean()) / c.std())
    zres = regress(z, OLS_F, standardize=False)
    t, zt = res.table.set_index("term"), zres.table.set_index("term")
    for term in ("SATV", "age", "education"):
        assert t.loc[term, "beta"] == pytest.approx(zt.loc[term, "estimate"], rel=1e-10)
    assert np.isnan(t.loc["Intercept", "beta"])
    assert "beta" not in zres.table.columns


def test_missing_rows_reported(sat):
    res = regress(sat, "ACT ~ SATQ + age")
    assert res.n_dropped == int(sat["SATQ"].isna().sum()) > 0
    assert res.n == len(sat) - res.n_dropped
    assert any("SATQ" in n for n in res.notes)
    assert "SATQ" in res.summary()


def test_unknown_column_close_match(sat):
    with pytest.raises(DataValidationError, match="SATV"):
        regress(sat, "ACT ~ SATv + age")


def test_formula_variables_parsing():
    lhs, rhs = formula_variables('y ~ C(g, Treatment(2)) + np.log(x) + I(a**2) + Q("my v")*z')
    assert lhs == ["y"]
    assert rhs == ["g", "x", "a", "my v", "z"]


def test_bad_formula_and_se(sat):
    with pytest.raises(DataValidationError, match="formula"):
        regress(sat, "ACT SATV")
    with pytest.raises(DataValidationError, match="HC5"):
        regress(sat, OLS_F, se="HC5")
    with pytest.raises(DataValidationError, match="cluster"):
        regress(sat, OLS_F, se="cluster")
    with pytest.raises(DataValidationError, match="ci_level"):
        regress(sat, OLS_F, ci_level=95)
    with pytest.raises(DataValidationError, match="DataFrame"):
        regress(sat.to_dict(), OLS_F)


def test_collinear_names_term(sat):
    d = sat.assign(SATV2=sat["SATV"] * 2)
    with pytest.raises(ModelError, match="'SATV2'"):
        regress(d, "ACT ~ SATV + SATV2 + age")


def test_too_few_rows(sat):
    with pytest.raises(ModelError, match=r"3 complete rows.*4 parameters"):
        regress(sat.head(3), OLS_F)


def test_badly_scaled_full_rank_design_is_fitted(sat):
    """A predictor in 1e11 next to one in 1e-5 is badly scaled, not collinear: fitted, and the
    estimates are the rescaled ones (R's lm does the same)."""
    d = sat.assign(big=sat["SATV"] * 1e9, small=sat["age"] * 1e-6)
    res = regress(d, "ACT ~ big + small + education", se="HC3")
    base = regress(sat, OLS_F, se="HC3")
    np.testing.assert_allclose(
        res.table["estimate"] * [1, 1e9, 1e-6, 1], base.table["estimate"], rtol=1e-8
    )
    np.testing.assert_allclose(res.table["se"] * [1, 1e9, 1e-6, 1], base.table["se"], rtol=1e-8)
    assert res.r2 == pytest.approx(base.r2, rel=1e-10)
    lg = logit(d, "female ~ big + small + education")
    lg_base = logit(sat, "female ~ SATV + age + education")
    np.testing.assert_allclose(
        lg.table["estimate"] * [1, 1e9, 1e-6, 1], lg_base.table["estimate"], rtol=1e-6
    )
    # real collinearity is still refused, whatever the scales
    with pytest.raises(ModelError, match="'small2'"):
        regress(d.assign(small2=d["small"] * 3), "ACT ~ big + small + small2")


def test_model_without_parameters_is_refused(sat):
    with pytest.raises(ModelError, match=r"no parameters.*'y ~ 1'"):
        regress(sat, "ACT ~ 0")
    with pytest.raises(ModelError, match="no parameters"):
        logit(sat, "female ~ -1")
    res = regress(sat, "ACT ~ 1")  # intercept only: the mean
    assert res.table["estimate"].iloc[0] == pytest.approx(sat["ACT"].mean())


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_transform_giving_inf_names_term_and_rows(sat):
    d = sat.assign(w=sat["SATV"].astype(float))
    d.loc[[4, 9], "w"] = 0.0
    with pytest.raises(DataValidationError, match=r"term 'np.log\(w\)'.*infinite.*row\(s\) 4, 9"):
        regress(d, "ACT ~ age + np.log(w)")
    d.loc[9, "w"] = -1.0
    with pytest.raises(DataValidationError, match=r"'np.log\(w\)'.*NaN and infinite.*4, 9"):
        logit(d, "female ~ np.log(w)")
    with pytest.raises(DataValidationError, match=r"outcome 'np.log\(w\)'.*row\(s\) 4, 9"):
        regress(d, "np.log(w) ~ age")


def test_cluster_se_with_one_cluster_names_column(sat):
    d = sat.assign(site="A")
    for fit in (regress, logit):
        f = OLS_F if fit is regress else "female ~ ACT"
        with pytest.raises(ModelError, match=r"cluster column 'site' has 1 .*at least 2 clusters"):
            fit(d, f, cluster="site")
    # two clusters can be estimated, with the note about too few clusters
    res = regress(d.assign(site=np.arange(len(d)) % 2), OLS_F, cluster="site")
    assert res.n_clusters == 2 and any("only 2 clusters" in n for n in res.notes)


def test_nullable_dtypes_fit_like_numpy_ones(sat):
    """pandas' nullable boolean/Int64/Float64 columns (pd.NA) fit like bool/float with NaN."""
    plain = sat.assign(is_f=sat["gender"] == 2, ACT=sat["ACT"].astype(float))
    plain.loc[[3, 8], "ACT"] = np.nan
    plain.loc[5, "education"] = np.nan
    nullable = plain.assign(
        is_f=pd.array(plain["is_f"], dtype="boolean"),
        education=pd.array(plain["education"], dtype="Int64"),
        ACT=pd.array(plain["ACT"], dtype="Float64"),
    )
    nullable.loc[11, "is_f"] = pd.NA
    plain = plain.astype({"is_f": object})
    plain.loc[11, "is_f"] = np.nan
    f = "ACT ~ is_f + education + age"
    res, base = regress(nullable, f), regress(plain, f)
    assert list(res.table["term"]) == list(base.table["term"]) == [
        "Intercept", "is_f[T.True]", "education", "age",
    ]  # fmt: skip
    np.testing.assert_allclose(res.table["estimate"], base.table["estimate"], rtol=1e-12)
    assert res.n == len(sat) - 4 and res.n_dropped == 4
    lg = logit(nullable.assign(y=pd.array(sat["ACT"] > 28, dtype="boolean")), "y ~ education")
    assert lg.n == len(sat) - 1


def test_logit_bool_outcome_is_one_for_true(sat):
    base = logit(sat, "female ~ ACT + age")
    res = logit(sat.assign(female=sat["gender"] == 2), "female ~ ACT + age")
    np.testing.assert_allclose(res.table["estimate"], base.table["estimate"], rtol=1e-10)
    assert res.outcome_coding == "female = True coded 1 (vs False)"
    nb = sat.assign(female=pd.array(sat["gender"] == 2, dtype="boolean"))
    nb.loc[[0, 1], "female"] = pd.NA
    res = logit(nb, "female ~ ACT + age")
    assert (res.n, res.n_dropped) == (len(sat) - 2, 2)
    assert "True coded 1" in res.outcome_coding


def test_regress_steps_and_compare(sat):
    comp = regress_steps(
        sat, ["ACT ~ age", "ACT ~ age + SATV + education", "ACT ~ age + SATV + education + SATQ"]
    )
    t = comp.table
    assert list(t.columns) == [
        "step",
        "formula",
        "r2",
        "adj_r2",
        "delta_r2",
        "f_change",
        "df1",
        "df2",
        "p_value",
    ]
    n = comp.n
    assert n == sat["SATQ"].notna().sum() and comp.n_dropped > 0
    s1, s2 = comp.steps[0], comp.steps[1]
    # F change by hand, anova(m1, m2)
    rss1, rss2 = (s1.model.resid**2).sum(), (s2.model.resid**2).sum()
    f = ((rss1 - rss2) / 2) / (rss2 / s2.df_resid)
    assert t.loc[1, "f_change"] == pytest.approx(f, rel=1e-10)
    assert t.loc[1, "delta_r2"] == pytest.approx(s2.r2 - s1.r2)
    assert t.loc[0, "f_change"] == pytest.approx(s1.f)
    assert (t["df1"].tolist(), t.loc[1, "df2"]) == ([1, 2, 1], n - 4)


def test_compare_models_different_rows(sat):
    a = regress(sat, "ACT ~ age")
    b = regress(sat, "ACT ~ age + SATQ")
    with pytest.raises(ModelError, match="regress_steps"):
        compare_models(a, b)


def test_compare_models_not_nested(sat):
    a = regress(sat, "ACT ~ age")
    b = regress(sat, "ACT ~ SATV")
    with pytest.raises(ModelError, match="does not contain"):
        compare_models(a, b)


def test_logit_matches_r(sat, ref):
    lg = ref["logistic"]
    res = logit(sat, "female ~ ACT + SATV + age")
    t = res.table.set_index("term")
    for term, v in lg["coef"].items():
        assert _rel(t.loc[_r(term), "estimate"], v) < 1e-5
    for term, v in lg["se"].items():
        assert _rel(t.loc[_r(term), "se"], v) < 1e-5
    assert _rel(res.loglik, lg["loglik"]) < 1e-5
    assert _rel(res.aic, lg["aic"]) < 1e-5
    assert res.n == lg["n"]
    assert np.allclose(t["odds_ratio"], np.exp(t["estimate"]))
    assert 0 < res.mcfadden_r2 < res.nagelkerke_r2 < 1


def test_logit_recodes_two_labels(sat):
    d = sat.assign(sex=np.where(sat["gender"] == 2, "woman", "man"))
    res = logit(d, "sex ~ ACT + SATV + age")
    base = logit(sat, "female ~ ACT + SATV + age")
    np.testing.assert_allclose(res.table["estimate"], base.table["estimate"], rtol=1e-8)
    assert "woman" in res.outcome_coding


def test_logit_robust_hc0_matches_statsmodels(sat):
    res = logit(sat, "female ~ ACT + SATV + age", se="HC0")
    import statsmodels.api as sm

    sm_fit = sm.Logit(res.design.y, res.design.X).fit(disp=0, cov_type="HC0")
    np.testing.assert_allclose(res.table["se"], sm_fit.bse, rtol=1e-6)


def test_logit_non_binary_outcome(sat):
    with pytest.raises(DataValidationError, match="education"):
        logit(sat, "education ~ ACT")


def test_logit_separation_names_predictor():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    d = pd.DataFrame({"y": (x > 0).astype(int), "x": x, "z": rng.normal(size=60)})
    with pytest.raises(ModelError, match=r"separation.*'x'"):
        logit(d, "y ~ x + z")


def test_logit_quasi_separation_dummy():
    rng = np.random.default_rng(2)
    g = np.repeat([0, 1], 40)
    y = np.where(g == 1, 1, rng.integers(0, 2, 80))
    d = pd.DataFrame({"y": y, "g": g, "z": rng.normal(size=80)})
    with pytest.raises(ModelError, match="'g'"):
        logit(d, "y ~ g + z")


def test_summary_html_escape(sat):
    d = sat.rename(columns={"age": "<b>age</b>"})
    res = regress(d, 'ACT ~ SATV + Q("<b>age</b>")')
    assert "<b>age</b>" in res.table["term"].tolist()
    html = res._repr_html_()
    assert "&lt;b&gt;age&lt;/b&gt;" in html and "<b>age</b>" not in html
    assert "R2" in res.summary()


def test_plot_coefficients(sat, tmp_path):
    import matplotlib.pyplot as plt

    from learning_direction.figures.coefficients import plot_coefficients

    a = regress(sat, OLS_F)
    ax = a.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["SATV", "age", "education"]
    ax2 = plot_coefficients({"m1": a, "m2": regress(sat, OLS_F, se="HC3")}, include_intercept=True)
    assert len(ax2.get_yticklabels()) == 4
    lg = logit(sat, "female ~ ACT + age")
    ax3 = lg.plot(odds_ratio=True)
    assert ax3.get_xscale() == "log"
    ax2.figure.savefig(tmp_path / "coef.png")
    assert (tmp_path / "coef.png").stat().st_size > 0
    plt.close("all")


@settings(max_examples=25, deadline=None)
@given(
    b=st.floats(-5, 5),
    scale=st.floats(0.1, 100),
    shift=st.floats(-100, 100),
)
def test_property_rescaling_x(b, scale, shift):
    """Linear rescaling of x rescales its slope, leaves t, p, beta and R2 unchanged."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    y = b * x + rng.normal(size=40)
    d = pd.DataFrame({"y": y, "x": x, "x2": x * scale + shift})
    r1, r2 = regress(d, "y ~ x"), regress(d, "y ~ x2")
    t1, t2 = r1.table.set_index("term"), r2.table.set_index("term")
    assert t2.loc["x2", "estimate"] == pytest.approx(
        t1.loc["x", "estimate"] / scale, rel=1e-7, abs=1e-12
    )
    assert t2.loc["x2", "t"] == pytest.approx(t1.loc["x", "t"], rel=1e-6, abs=1e-9)
    assert t2.loc["x2", "beta"] == pytest.approx(t1.loc["x", "beta"], rel=1e-6, abs=1e-9)
    assert r2.r2 == pytest.approx(r1.r2, rel=1e-7, abs=1e-12)


def test_sandwich_hc0_equals_hc1_scaled():
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(30), rng.normal(size=30)])
    e = rng.normal(size=30)
    B = np.linalg.inv(X.T @ X)
    v0 = sandwich_vcov(X, e, B, "HC0")
    v1 = sandwich_vcov(X, e, B, "HC1")
    np.testing.assert_allclose(v1, v0 * 30 / 28)
