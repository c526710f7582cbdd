"""ld.mixed through its formula interface, against lme4 / lmerTest / pbkrtest.

Fixtures (all in ``tests/reference``):

* ``lmm_*.json`` (``make_lmm_reference.R``): every lme4 fit of the engine's tests, each with
  lme4's default stop and refitted tightly (``*_tight``). Compared here through ``ld.mixed``
  with R's formulas translated to ``formula`` / ``groups`` / ``re_formula`` / ``re_covariance``.
  Tolerances (relative): against the tight fits, fixed effects and SEs 1e-6, variance
  components, Satterthwaite and Kenward-Roger df and KR SEs 1e-5 (asked: 1e-4); against
  lme4's default fits (which stop up to 4e-5 from the optimum) 1e-5 and 1e-4.
* ``mixed_formula.json`` (``make_mixed_formula_reference.R``): the nested null-model ICC, the
  within/between (``center="cluster"``) models, and the statsmodels fallback (crossed factors,
  three nesting levels; statsmodels stops its optimiser early, so 1e-4 to 1e-3).
* ``sleepstudy_mixed.json``, ``sleepstudy_lmertest.json``: the original lme4/lmerTest values
  (default lme4 stop: 2e-5 to 1e-4).
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError, ModelWarning
from learning_direction.models.regression import mixed

# ---------- the R formulas of tests/reference/lmm_*.json in ld.mixed's terms ----------

CSV = {
    "sleepstudy": "sleepstudy.csv",
    "nested": "lmm_nested.csv",
    "unbalanced": "lmm_unbalanced.csv",
    "singular": "lmm_singular.csv",
}


def _call(dataset: str, name: str) -> tuple[str, dict]:
    """``formula`` and keyword arguments of ld.mixed for fixture ``dataset/name``."""
    if dataset == "sleepstudy":  # (1 + Days | Subject) and (1 + Days || Subject)
        cov = "diagonal" if name.startswith("diag") else "unstructured"
        return "Reaction ~ Days", {
            "groups": "Subject",
            "re_formula": "~ Days",
            "re_covariance": cov,
        }
    if dataset == "nested":
        if name.startswith("intercepts"):  # (1 | program/mentor)
            return "y ~ x1 + x2 + x3", {"groups": "program/mentor"}
        # (1 + x1 | program:mentor) + (1 | program)
        return "y ~ x1 + x2 + x3", {"groups": ["program", "mentor"], "re_formula": "~ x1"}
    rhs = "x + z" if dataset == "unbalanced" else "x"
    re = None if name.startswith("intercept") else "~ x"
    return f"y ~ {rhs}", {"groups": "g", "re_formula": re}


CASES = [(ds, nm) for ds in CSV for nm in reference_json(f"lmm_{ds}.json")["fits"]]


def _ref(dataset: str, name: str) -> dict:
    return reference_json(f"lmm_{dataset}.json")["fits"][name]


@functools.cache
def _fitted(dataset: str, name: str, df_method: str = "satterthwaite"):
    formula, kw = _call(dataset, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)  # singular fits warn, as lme4 messages
        return mixed(
            reference_csv(CSV[dataset]), formula, reml=_ref(dataset, name)["reml"],
            df_method=df_method, **kw,
        )  # fmt: skip


def _term(r_name: str) -> str:
    return "Intercept" if r_name == "(Intercept)" else r_name


def _rel(ours, ref, floor: float = 0.0) -> float:
    a = np.asarray(ours, dtype=float).ravel()
    b = np.asarray(ref, dtype=float).ravel()
    assert a.shape == b.shape
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), floor)))


def _by_term(res, col: str, terms) -> np.ndarray:
    t = res.table.set_index("term")
    return np.array([t.loc[_term(k), col] for k in terms])


def _lme4_vc(varcorr: dict) -> np.ndarray:
    """lme4's VarCorr as as.data.frame() lists it: per term its variances, then covariances."""
    out = []
    for term in varcorr["terms"].values():
        cov = np.asarray(term["cov"], dtype=float)
        q = math.isqrt(cov.size)
        cov = cov.reshape(q, q)
        out += [cov[i, i] for i in range(q)]
        out += [cov[i, j] for i in range(q) for j in range(i + 1, q)]
    return np.array([*out, varcorr["residual_variance"]])


def _check(res, ref: dict, suffix: str, tol: dict[str, float]) -> None:
    fixef = ref["fixef" + suffix]
    assert _rel(_by_term(res, "estimate", fixef), list(fixef.values())) < tol["beta"]
    sat = ref["satterthwaite" + suffix]
    if res.df_method == "kenward-roger":
        sat = ref["kenward_roger" + suffix]
        assert _rel(_by_term(res, "se", sat), [r["se"] for r in sat.values()]) < tol["df"]
    else:
        se = ref["se" + suffix]
        assert _rel(_by_term(res, "se", se), list(se.values())) < tol["se"]
    assert _rel(_by_term(res, "df", sat), [r["df"] for r in sat.values()]) < tol["df"]
    assert _rel(_by_term(res, "t", sat), [r["t"] for r in sat.values()]) < tol["df"]
    for ours, theirs in (("ci_low", "lower"), ("ci_high", "upper")):
        assert _rel(_by_term(res, ours, sat), [r[theirs] for r in sat.values()]) < tol["df"]
    floor = 1e-6 * res.variance_components["vcov"].iloc[-1]  # variances at zero: absolute
    vc = _lme4_vc(ref["varcorr" + suffix])
    assert _rel(res.variance_components["vcov"], vc, floor) < tol["vc"]


@pytest.mark.parametrize(("dataset", "name"), CASES)
def test_formula_interface_matches_tight_lme4(dataset, name):
    ref = _ref(dataset, name)
    res = _fitted(dataset, name)
    assert res.engine == "learning_direction"
    _check(res, ref, "_tight", {"beta": 1e-6, "se": 1e-6, "vc": 1e-5, "df": 1e-5})
    assert -2 * res.loglik == pytest.approx(ref["criterion_tight"], rel=1e-11)
    assert list(res.n_groups_by_factor.values()) == list(ref["ngroups"].values())
    assert res.n == ref["n"] and res.n_dropped == 0


@pytest.mark.parametrize(("dataset", "name"), CASES)
def test_formula_interface_matches_default_lme4(dataset, name):
    ref = _ref(dataset, name)
    res = _fitted(dataset, name)
    _check(res, ref, "", {"beta": 1e-5, "se": 1e-4, "vc": 1e-4, "df": 1e-4})
    assert res.loglik >= ref["loglik"] - 1e-9  # our optimum is never below lme4's
    assert ("singular" in " ".join(res.notes)) == ref["singular"]


@pytest.mark.parametrize(("dataset", "name"), [c for c in CASES if _ref(*c)["reml"]])
def test_kenward_roger_matches_pbkrtest(dataset, name):
    # lmerTest summary(m, ddf = "Kenward-Roger"): adjusted SEs (vcovAdj) and KR df
    ref = _ref(dataset, name)
    res = _fitted(dataset, name, "kenward-roger")
    _check(res, ref, "_tight", {"beta": 1e-6, "se": 1e-5, "vc": 1e-5, "df": 1e-5})
    _check(res, ref, "", {"beta": 1e-5, "se": 1e-4, "vc": 1e-4, "df": 1e-4})
    adj = np.asarray(ref["kenward_roger_vcov"])  # at lme4's default stop: 1e-4
    assert _rel(res.vcov.to_numpy(), adj, 1e-6 * np.abs(adj).max()) < 1e-4
    assert "Kenward-Roger" in res.summary()


@pytest.mark.parametrize(
    ("dataset", "name"), [("sleepstudy", "slope_reml"), ("nested", "slope_reml")]
)
def test_wald_uses_lme4_ses_and_the_normal(dataset, name):
    ref = _ref(dataset, name)
    res = _fitted(dataset, name, "wald")
    se = ref["se_tight"]
    assert _rel(_by_term(res, "se", se), list(se.values())) < 1e-6
    assert list(res.table.columns) == [
        "term", "estimate", "se", "df", "t", "p_value", "ci_low", "ci_high",
    ]  # fmt: skip
    assert np.all(np.isinf(res.table["df"]))
    t = res.table["estimate"] / res.table["se"]
    np.testing.assert_allclose(res.table["t"], t, rtol=1e-12)
    np.testing.assert_allclose(res.table["p_value"], 2 * stats.norm.sf(np.abs(t)), rtol=1e-12)
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(
        res.table["ci_low"], res.table["estimate"] - z * res.table["se"], rtol=1e-12
    )


def test_variance_components_are_named_as_lme4():
    res = _fitted("nested", "intercepts_reml")
    assert list(res.variance_components["group"]) == ["mentor:program", "program", "Residual"]
    assert res.n_groups_by_factor == {"mentor:program": 258, "program": 40}
    assert res.n_groups == 258 and res.groups == "program/mentor"
    assert res.random_effects == "(1 | mentor:program) + (1 | program)"
    slope = _fitted("nested", "slope_reml")
    assert slope.random_effects == "(1 + x1 | mentor:program) + (1 | program)"
    assert list(slope.variance_components["var1"].iloc[:3]) == ["Intercept", "x1", "Intercept"]
    diag = _fitted("sleepstudy", "diag_reml")
    assert diag.random_effects == "(1 + Days || Subject)"
    assert len(diag.variance_components) == 3  # no covariance row for independent effects


def test_nested_groups_spellings_agree():
    d = reference_csv("lmm_nested.csv")
    a = mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor")
    b = mixed(d, "y ~ x1 + x2 + x3", groups=["program", "mentor"])
    c = mixed(d, "y ~ x1 + x2 + x3", groups=" program / mentor ")
    for other in (b, c):
        pd.testing.assert_frame_equal(a.table, other.table)
    # mentor labels repeat across programs (M1, M2, ...): nesting counts them per program,
    # while groups="mentor" alone would pool every program's M1
    pooled = mixed(d, "y ~ x1 + x2 + x3", groups="mentor")
    assert pooled.n_groups == d["mentor"].nunique() < a.n_groups


def test_independent_slopes_by_mapping():
    d = reference_csv("lmm_nested.csv")
    res = mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor",
                re_formula={"mentor": "~ x1"}, re_covariance={"mentor": "diagonal"})  # fmt: skip
    assert res.random_effects == "(1 + x1 || mentor:program) + (1 | program)"
    with pytest.warns(ModelWarning, match="singular"):  # no such slope in the simulation
        both = mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor",
                     re_formula={"mentor": "~ 1", "program": "~ x2"})  # fmt: skip
    assert both.random_effects == "(1 | mentor:program) + (1 + x2 | program)"


# ---------- mixed_formula.json: ICC, centring and the statsmodels fallback ----------


@pytest.fixture(scope="module")
def formula_ref():
    return reference_json("mixed_formula.json")


def test_nested_icc_is_the_null_model_ratio(formula_ref):
    ref = formula_ref["nested_null"]
    res = _fitted("nested", "intercepts_reml")
    assert res.icc == pytest.approx(ref["icc1"], rel=1e-6)
    k = ref["n"] / ref["ngroups"]["mentor:program"]
    assert res.icc2 == pytest.approx(k * res.icc / (1 + (k - 1) * res.icc), rel=1e-12)


@pytest.mark.parametrize(
    ("key", "re_formula"), [("within_between", None), ("within_between_slope", "~ x1")]
)
def test_center_cluster_matches_lme4_within_between(formula_ref, key, re_formula):
    ref = formula_ref[key]
    d = reference_csv("lmm_nested.csv")
    res = mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor", re_formula=re_formula,
                center="cluster")  # fmt: skip
    assert res.centered == ("x1",)
    assert res.formula_fitted == "y ~ x1_within + x2 + x3 + x1_between"
    assert _rel(_by_term(res, "estimate", ref["fixef"]), list(ref["fixef"].values())) < 1e-6
    assert _rel(_by_term(res, "se", ref["se"]), list(ref["se"].values())) < 1e-6
    assert _rel(_by_term(res, "df", ref["df"]), list(ref["df"].values())) < 1e-5
    assert _rel(res.variance_components["vcov"], [r["vcov"] for r in ref["varcorr"]]) < 1e-5
    if re_formula:
        assert res.random_effects == "(1 + x1_within | mentor:program) + (1 | program)"
    assert any("centred within mentor:program" in n for n in res.notes)


@pytest.mark.parametrize(
    ("key", "csv", "groups"),
    [("crossed", "lmm_crossed.csv", "mentor + rater"),
     ("three_level", "lmm_three_level.csv", "region/program/mentor")],
)  # fmt: skip
def test_statsmodels_fallback_matches_lme4(formula_ref, key, csv, groups):
    ref = formula_ref[key]
    res = mixed(reference_csv(csv), "y ~ x", groups=groups, df_method="wald")
    assert res.engine == "statsmodels" and "statsmodels" in res.summary()
    # statsmodels stops its optimiser early: fixed effects 1e-4, SEs and variances 1e-3
    assert _rel(_by_term(res, "estimate", ref["fixef"]), list(ref["fixef"].values())) < 1e-4
    assert _rel(_by_term(res, "se", ref["se"]), list(ref["se"].values())) < 1e-3
    assert _rel(res.variance_components["vcov"], [r["vcov"] for r in ref["varcorr"]]) < 1e-3
    assert list(res.variance_components["group"]) == [r["group"] for r in ref["varcorr"]]
    assert res.n_groups_by_factor == ref["ngroups"]
    assert np.all(np.isinf(res.table["df"]))
    if key == "crossed":
        assert res.icc == pytest.approx(ref["null"]["icc1"], rel=1e-3)
        assert np.isnan(res.icc2)  # no group size k for crossed factors


def test_fallback_warns_when_df_are_asked():
    d = reference_csv("lmm_crossed.csv")
    with pytest.warns(ModelWarning, match="Wald tests"):
        res = mixed(d, "y ~ x", groups="mentor + rater")
    assert res.df_method == "wald"
    with pytest.raises(ModelError, match="random slopes with crossed factors"):
        mixed(d, "y ~ x", groups="mentor + rater", re_formula="~ x")
    with pytest.raises(ModelError, match="crossed"):
        mixed(d, "y ~ x", groups="mentor + rater", center="cluster", df_method="wald")


@pytest.mark.parametrize(
    ("key", "csv", "formula", "kwargs"),
    [
        ("sleepstudy_slope", "sleepstudy.csv", "Reaction ~ Days",
         {"groups": "Subject", "re_formula": "~ Days"}),
        ("nested_slope", "lmm_nested.csv", "y ~ x1 + x2 + x3",
         {"groups": "program/mentor", "re_formula": "~ x1", "center": "cluster"}),
        ("nested_intercepts", "lmm_nested.csv", "y ~ x1 + x2 + x3",
         {"groups": "program/mentor"}),
    ],
)  # fmt: skip
def test_ranef_matches_lme4(formula_ref, key, csv, formula, kwargs):
    # lme4's ranef(m) of tightly converged fits; BLUPs inherit the estimates' 1e-6
    ref = formula_ref["ranef"][key]
    res = mixed(reference_csv(csv), formula, **kwargs)
    ours = res.ranef()
    assert list(ours) == list(res.n_groups_by_factor)
    for (name, table), r in zip(ours.items(), ref.values(), strict=True):
        levels = [
            ":".join(reversed(lv.split(":"))) if key == "nested_slope" else lv for lv in r["levels"]
        ]  # lme4 names (1 | program:mentor) groups P01:M1, (1 | program/mentor) ones M1:P01
        got = table.loc[[type(table.index[0])(lv) for lv in levels]].to_numpy()
        want = np.asarray(r["values"], dtype=float).reshape(got.shape)
        assert _rel(got, want, np.abs(want).max()) < 1e-6, name  # relative to the largest
    fallback = mixed(reference_csv("lmm_crossed.csv"), "y ~ x", groups="mentor + rater",
                     df_method="wald")  # fmt: skip
    with pytest.raises(ModelError, match="statsmodels"):
        fallback.ranef()


# ---------- the original lme4 / lmerTest fixtures (tightened) ----------


@pytest.fixture(scope="module")
def sleep():
    return reference_csv("sleepstudy.csv")


@pytest.fixture(scope="module")
def ref():
    return reference_json("sleepstudy_mixed.json")


def _r(term):
    return "Intercept" if term == "(Intercept)" else term


def _rel1(a, b):
    return abs(a - b) / abs(b)


def test_random_intercept_matches_lme4(sleep, ref):
    r = ref["random_intercept"]
    res = mixed(sleep, "Reaction ~ Days", groups="Subject")
    t = res.table.set_index("term")
    for term, v in r["fixef"].items():
        assert _rel1(t.loc[_r(term), "estimate"], v) < 1e-6
    for term, v in r["se"].items():
        assert _rel1(t.loc[_r(term), "se"], v) < 1e-5
    vc = res.variance_components
    assert _rel1(vc.loc[vc["group"] == "Subject", "vcov"].iloc[0], r["var_intercept"]) < 1e-5
    assert _rel1(vc.loc[vc["group"] == "Residual", "vcov"].iloc[0], r["var_residual"]) < 1e-5
    assert _rel1(res.reml_loglik, r["reml_loglik"]) < 1e-9
    assert (res.n, res.n_groups, res.n_dropped) == (180, 18, 0)
    assert list(res.table.columns) == [
        "term", "estimate", "se", "df", "t", "p_value", "ci_low", "ci_high",
    ]  # fmt: skip


def test_satterthwaite_random_slope_matches_lmertest(sleep):
    """lmerTest's published contest1D output for (1 + Days | Subject)."""
    ref = reference_json("sleepstudy_lmertest.json")["random_slope"]
    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    t = res.table.set_index("term")
    for term, r in ref.items():
        row = t.loc[term]
        assert _rel1(row["df"], r["df"]) < 2e-5  # ours 16.99982 / 17.00003 (lme4 stops early)
        assert _rel1(row["t"], r["t"]) < 1e-5
        assert _rel1(row["ci_low"], r["lower"]) < 1e-5
        assert _rel1(row["ci_high"], r["upper"]) < 1e-5
        assert _rel1(row["p_value"], r["p"]) < 1e-3
    assert res.ddf == res.df_method == "satterthwaite"
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
    d = sleep.assign(dev=sleep["Days"] - sleep["Days"].mean())
    slope = (d["dev"] * d["Reaction"]).sum() / (G * sxx)
    resid = d["Reaction"] - d.groupby("Subject")["Reaction"].transform("mean") - slope * d["dev"]
    df_w = G * (n - 1) - 1
    ms_w = (resid**2).sum() / df_w
    ms_b = n * d.groupby("Subject")["Reaction"].mean().var(ddof=1)
    a, b = ms_b / (G * n), x.mean() ** 2 * ms_w / (G * sxx)
    df_int = (a + b) ** 2 / (a**2 / (G - 1) + b**2 / df_w)
    assert df_int == pytest.approx(22.81, abs=0.01)  # lmerTest's summary() value
    # the engine reaches the REML optimum, where these identities hold to rounding
    assert _rel1(t.loc["Intercept", "df"], df_int) < 1e-8
    assert _rel1(t.loc["Days", "df"], df_w) < 1e-8
    assert _rel1(t.loc["Intercept", "se"] ** 2, a + b) < 1e-8


def test_satterthwaite_zero_variance_gives_ols_df():
    """A random intercept estimated at zero (singular fit): the model is OLS, df = n - p."""
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"g": np.repeat(np.arange(12), 6), "x": rng.normal(size=72)})
    d["y"] = 0.5 * d["x"] + rng.normal(size=72)
    # remove every between-group difference in y beyond what x explains
    d["y"] -= d.groupby("g")["y"].transform("mean") - d["y"].mean()
    with pytest.warns(ModelWarning, match="singular"):
        res = mixed(d, "y ~ x", groups="g")
    assert res.variance_components["vcov"].iloc[0] == 0.0
    np.testing.assert_allclose(res.table["df"], 72 - 2, rtol=1e-9)


def test_ddf_is_a_deprecated_alias(sleep):
    new = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days", df_method="wald")
    with pytest.warns(FutureWarning, match="df_method"):
        old = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days", ddf="wald")
    pd.testing.assert_frame_equal(old.table, new.table)
    assert old.ddf == "wald" and "Wald z" in old.summary()
    with pytest.warns(FutureWarning), pytest.raises(ModelError, match="disagree"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", ddf="wald", df_method="kr")
    with pytest.raises(ModelError, match="df_method must be"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", df_method="residual")
    with pytest.raises(ModelError, match="Kenward-Roger df need a REML fit"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", reml=False, df_method="kenward-roger")


def test_random_slope_matches_lme4(sleep, ref):
    r = ref["random_slope"]
    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    t = res.table.set_index("term")
    for term, v in r["fixef"].items():
        assert _rel1(t.loc[_r(term), "estimate"], v) < 1e-6
    for term, v in r["se"].items():
        assert _rel1(t.loc[_r(term), "se"], v) < 1e-5
    vc = res.variance_components
    assert list(vc.columns) == ["group", "var1", "var2", "vcov", "sdcor"]
    assert len(vc) == len(r["varcorr"]) == 4
    for ours, theirs in zip(vc["vcov"], (row["vcov"] for row in r["varcorr"]), strict=True):
        assert _rel1(ours, theirs) < 1e-4
    assert list(vc["var1"].iloc[:3]) == ["Intercept", "Days", "Intercept"]
    assert vc["var2"].iloc[2] == "Days"
    assert vc["sdcor"].iloc[2] == pytest.approx(
        vc["vcov"].iloc[2] / np.sqrt(vc["vcov"].iloc[0] * vc["vcov"].iloc[1])
    )
    assert _rel1(res.reml_loglik, r["reml_loglik"]) < 1e-9


def test_icc_matches_lme4_null_model(sleep, ref):
    res = mixed(sleep, "Reaction ~ Days", groups="Subject")
    assert res.icc == pytest.approx(ref["icc1_null_model"], rel=1e-6)
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
    same = (d["Subject"].to_numpy()[:, None] == d["Subject"].to_numpy()[None, :]).astype(float)
    V = (X @ G @ X.T) * same + s2 * np.eye(len(d))
    cov = np.linalg.inv(X.T @ np.linalg.solve(V, X))
    np.testing.assert_allclose(res.table["se"], np.sqrt(np.diag(cov)), rtol=1e-9)
    np.testing.assert_allclose(res.vcov.to_numpy(), cov, rtol=1e-9)
    beta = cov @ X.T @ np.linalg.solve(V, d["Reaction"].to_numpy())
    np.testing.assert_allclose(res.table["estimate"], beta, rtol=1e-9)


def test_missing_rows_reported(sleep):
    d = sleep.copy()
    d.loc[[0, 5, 17], "Reaction"] = np.nan
    d.loc[[1], "Subject"] = np.nan
    res = mixed(d, "Reaction ~ Days", groups="Subject")
    assert (res.n, res.n_dropped) == (176, 4)
    assert any("Reaction (3)" in n and "Subject (1)" in n for n in res.notes)


def test_categorical_terms_and_interactions_as_regress():
    """C(z) and x:z build the same columns as ld.regress, so the estimates equal those of the
    numeric coding (the unbalanced fixture's z is 0/1)."""
    d = reference_csv("lmm_unbalanced.csv")
    num = mixed(d, "y ~ x * z", groups="g")
    cat = mixed(d.assign(z=d["z"].map({0: "a", 1: "b"})), "y ~ x * C(z)", groups="g")
    assert list(cat.table["term"]) == ["Intercept", "C(z)[T.b]", "x", "x:C(z)[T.b]"]
    np.testing.assert_allclose(
        cat.table["estimate"].to_numpy()[[0, 2, 1, 3]], num.table["estimate"], rtol=1e-9
    )
    np.testing.assert_allclose(cat.table["df"].to_numpy()[[0, 2, 1, 3]], num.table["df"], rtol=1e-7)


def test_level1_note_and_center_options():
    d = reference_csv("lmm_nested.csv")
    raw = mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor")
    note = next(n for n in raw.notes if "level-1" in n)
    assert "x1" in note and "x2" not in note and "center='cluster'" in note
    listed = mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor", center=["x1"])
    auto = mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor", center="cluster")
    pd.testing.assert_frame_equal(listed.table, auto.table)
    with pytest.raises(ModelError, match="do not vary within"):
        mixed(d, "y ~ x1 + x2 + x3", groups="program/mentor", center=["x2"])
    with pytest.raises(DataValidationError, match="does not use"):
        mixed(d, "y ~ x1 + x2", groups="program/mentor", center=["x3"])
    with pytest.raises(ModelError, match="center must be"):
        mixed(d, "y ~ x1", groups="mentor", center="grand")
    with pytest.raises(DataValidationError, match="already has"):
        mixed(d.assign(x1_within=d["x2"]), "y ~ x1 + x1_within", groups="mentor", center=["x1"])


def test_center_balanced_predictor_has_no_between_part(sleep):
    # every subject has days 0-9: Days has no between-subject part, so no note and no term
    raw = mixed(sleep, "Reaction ~ Days", groups="Subject")
    assert not any("level-1" in n for n in raw.notes)
    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~ Days", center="cluster")
    assert list(res.table["term"]) == ["Intercept", "Days_within"]
    assert any("no <x>_between term for Days" in n for n in res.notes)
    np.testing.assert_allclose(
        res.table["se"].iloc[1],
        mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~ Days").table["se"].iloc[1],
        rtol=1e-8,
    )


def test_center_in_interactions_and_transforms():
    d = reference_csv("lmm_unbalanced.csv")
    d["x2"] = d["x"] + 5.0
    res = mixed(d, "y ~ x2 * z + np.log(x2 + 10)", groups="g", center=["x2"])
    assert res.formula_fitted == (
        "y ~ x2_within + z + x2_within:z + np.log(x2_within + 10) + x2_between"
    )
    assert "fitted formula" in res.summary()


def test_unknown_columns(sleep):
    with pytest.raises(DataValidationError, match="Days"):
        mixed(sleep, "Reaction ~ Dayz", groups="Subject")
    with pytest.raises(DataValidationError, match="Subjct"):
        mixed(sleep, "Reaction ~ Days", groups="Subjct")
    with pytest.raises(DataValidationError, match="Dayz"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Dayz")
    with pytest.raises(DataValidationError, match="start with '~'"):
        mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="Days")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"groups": 3}, DataValidationError, "groups must be a column name"),
        ({"groups": "Subject/Subject"}, DataValidationError, "repeated"),
        ({"groups": "a/b + c"}, DataValidationError, "mixes nesting"),
        ({"groups": "Subject", "re_formula": "~ Days | Subject"}, DataValidationError, r"\|\|"),
        ({"groups": "Subject", "re_formula": {"Subjct": "~ Days"}}, DataValidationError,
         "not grouping factors"),
        ({"groups": "Subject", "re_covariance": "banded"}, DataValidationError,
         "re_covariance must be"),
        ({"groups": "Subject", "re_formula": "~ 0"}, ModelError, "no random effect"),
    ],
)  # fmt: skip
def test_bad_random_effects_arguments(sleep, kwargs, error, match):
    with pytest.raises(error, match=match):
        mixed(sleep, "Reaction ~ Days", **kwargs)


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
    np.testing.assert_allclose(res.table["estimate"], base.table["estimate"], rtol=1e-10)
    assert (res.n, res.n_dropped) == (178, 2)


def test_summary_and_plot(sleep):
    import matplotlib.pyplot as plt

    res = mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    text = res.summary()
    assert "Random effects" in text and "ICC(1)" in text
    assert "engine: learning_direction" in text and "(1 + Days | Subject)" in text
    assert "Random effects" in res._repr_html_()
    ax = res.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Days"]
    plt.close("all")


def test_no_warning_on_well_behaved_fits(sleep):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mixed(sleep, "Reaction ~ Days", groups="Subject", re_formula="~ Days")
        mixed(reference_csv("lmm_nested.csv"), "y ~ x1", groups="program/mentor",
              df_method="kenward-roger")  # fmt: skip
