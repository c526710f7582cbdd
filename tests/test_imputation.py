"""Multiple imputation (ld.impute) and Rubin's rules against mice (tests/reference/mi_*).

Two kinds of agreement:

* **pooling, exactly**: the 5 completed datasets mice wrote (``complete(imp, "long")``) are
  fitted and pooled here; estimates, SEs, ubar/b/t, Barnard-Rubin df, riv, lambda, fmi, CIs and
  p-values must equal ``mice::pool`` to 1e-8 (relative), for ``lm``, ``glm`` and ``lmer``.
* **imputation, within Monte Carlo error**: our imputations use other random numbers than
  mice's, so pooled estimates of two correct PMM implementations differ by Monte Carlo error
  only. A pooled estimate from m imputations has Monte Carlo SD ``sqrt(b / m)`` (b = between-
  imputation variance), so ours (m_1) minus mice's (m_2) has SD ``sqrt(b/m_1 + b/m_2)``; we allow
  4 such SDs (a false alarm has probability < 1e-4 per coefficient). The between variance b
  is estimated on m - 1 df, so its relative Monte Carlo SD is sqrt(2 / (m - 1)); by the delta
  method SE = sqrt(ubar + (1 + 1/m) b) then has relative SD lambda sqrt(2 / (m - 1)) / 2 and
  fmi has SD fmi (1 - fmi) sqrt(2 / (m - 1)). We again allow 4 SDs of the difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models.imputation import rubin

RTOL = 1e-8


@pytest.fixture(scope="module")
def ref():
    return reference_json("mi_reference.json")


@pytest.fixture(scope="module")
def ref_norm():
    return reference_json("mi_norm_reference.json")


@pytest.fixture(scope="module")
def mice_sets():
    long = reference_csv("mi_satact_m5_long.csv")
    return [g.drop(columns=[".imp", ".id"]).reset_index(drop=True) for _, g in long.groupby(".imp")]


@pytest.fixture(scope="module")
def incomplete():
    return reference_csv("mi_satact.csv")


def _r_table(block):
    pooled = pd.DataFrame(block["pooled"])
    summ = pd.DataFrame(block["summary"])
    out = pooled.merge(summ[["term", "std.error", "p.value", "2.5 %", "97.5 %"]], on="term")
    out["term"] = out["term"].replace({"(Intercept)": "Intercept"})
    return out.set_index("term")


def _check_exact(ours, theirs, stat, rtol=RTOL):
    t = ours.table.set_index("term")
    r = theirs.loc[t.index]
    for mine, col in [("estimate", "estimate"), ("se", "std.error"), ("df", "df"),
                      ("riv", "riv"), ("lambda", "lambda"), ("fmi", "fmi"),
                      ("ci_low", "2.5 %"), ("ci_high", "97.5 %")]:  # fmt: skip
        np.testing.assert_allclose(t[mine], r[col], rtol=rtol, err_msg=mine)
    np.testing.assert_allclose(t["se"] ** 2, r["t"], rtol=rtol)
    np.testing.assert_allclose(t["p_value"], r["p.value"], rtol=1e-6, atol=1e-300)
    np.testing.assert_allclose(t[stat], r["estimate"] / r["std.error"], rtol=rtol)


# --- pooling, exactly ------------------------------------------------------------------------
def test_pooled_lm_equals_mice_pool(mice_sets, ref):
    res = ld.regress(mice_sets, "SATQ ~ ACT + SATV + gender")
    r = _r_table(ref["m5"]["lm"])
    _check_exact(res, r, "t")
    assert isinstance(res, ld.RegressionResult)
    assert res.n == ref["n"] and res.n_dropped == 0
    # mice::pool.r.squared (Fisher z of R)
    assert res.r2 == pytest.approx(ref["m5"]["r2"]["est"], rel=RTOL)
    assert res.adj_r2 == pytest.approx(ref["m5"]["adj_r2"]["est"], rel=RTOL)
    assert any("m = 5 imputations" in n for n in res.notes)
    assert np.isnan(res.f)


def test_rubin_components_equal_mice(mice_sets, ref):
    fits = [ld.regress(d, "SATQ ~ ACT + SATV + gender") for d in mice_sets]
    est = np.vstack([f.table["estimate"] for f in fits])
    var = np.vstack([f.table["se"] ** 2 for f in fits])
    ours = rubin(est, var, dfcom=fits[0].df_resid)
    r = pd.DataFrame(ref["m5"]["lm"]["pooled"])
    for col in ["estimate", "ubar", "b", "t", "dfcom", "df", "riv", "lambda", "fmi"]:
        np.testing.assert_allclose(ours[col], r[col], rtol=RTOL, err_msg=col)


def test_pooled_logit_equals_mice_pool(mice_sets, ref):
    res = ld.logit(mice_sets, "hi_satq ~ ACT + SATV")
    # each imputation's glm (fitted in R with epsilon = 1e-14) and our Newton-Raphson fit agree
    # to about 1e-8 (the intercept's SE, SATV being in the hundreds); the pooling adds no error
    _check_exact(res, _r_table(ref["m5"]["glm"]), "z", rtol=5e-8)
    t = res.table
    np.testing.assert_allclose(t["odds_ratio"], np.exp(t["estimate"]), rtol=1e-12)
    assert isinstance(res, ld.LogitResult)


def test_pooled_lmer_equals_mice_pool(mice_sets, ref):
    res = ld.mixed(mice_sets, "SATQ ~ ACT + SATV", groups="agegrp")
    r = _r_table(ref["m5"]["lmer"])
    # the per-imputation fits match lme4 to the optimiser's tolerance, not to 1e-8
    t = res.table.set_index("term")
    r = r.loc[t.index]
    np.testing.assert_allclose(t["estimate"], r["estimate"], rtol=1e-6)
    np.testing.assert_allclose(t["se"], r["std.error"], rtol=1e-5)
    np.testing.assert_allclose(t["df"], r["df"], rtol=1e-4)
    np.testing.assert_allclose(t["fmi"], r["fmi"], rtol=1e-4)
    np.testing.assert_allclose(t["riv"], r["riv"], rtol=1e-4)
    assert (r["dfcom"] == 682).all()
    assert isinstance(res, ld.MixedResult)


def test_identical_imputations_pool_to_the_single_fit(incomplete):
    d = incomplete.dropna()
    single = ld.regress(d, "SATQ ~ ACT + SATV")
    pooled = ld.regress([d, d, d], "SATQ ~ ACT + SATV")
    np.testing.assert_allclose(pooled.table["estimate"], single.table["estimate"], rtol=1e-12)
    np.testing.assert_allclose(pooled.table["se"], single.table["se"], rtol=1e-12)
    assert (pooled.table["riv"] == 0).all()
    # lambda is floored at 1e-4 in the df (mice:::barnard.rubin): df just under dfobs
    assert (pooled.table["df"] < single.df_resid).all()


# --- imputation, within Monte Carlo error ------------------------------------------------------
def _mc_tolerance(b, m1, m2):
    return 4 * np.sqrt(b / m1 + b / m2)


@pytest.mark.slow
def test_pooled_estimates_agree_with_mice_m100_and_fiml(incomplete, ref):
    imp = ld.impute(incomplete, m=100, seed=11, exclude=["agegrp"])
    res = ld.regress(imp, "SATQ ~ ACT + SATV + gender").table.set_index("term")
    fiml = {r["rhs"]: r for r in ref["fiml"]["estimates"]}
    for key, m_r in (("m100", 100), ("m200", 200)):
        r = _r_table(ref["many"][key])
        tol = _mc_tolerance(r["b"], 100, m_r)
        diff = (res["estimate"] - r["estimate"]).abs()
        assert (diff < tol).all(), (key, diff, tol)
        se_tol = 4 * np.hypot(*[r["lambda"] * np.sqrt(2 / (k - 1)) / 2 for k in (100, m_r)])
        assert ((res["se"] / r["std.error"] - 1).abs() < se_tol).all(), key
        fmi_tol = 4 * np.hypot(
            *[r["fmi"] * (1 - r["fmi"]) * np.sqrt(2 / (k - 1)) for k in (100, m_r)]
        )
        assert ((res["fmi"] - r["fmi"]).abs() < fmi_tol).all(), (key, res["fmi"], fmi_tol)
    # MI (PMM) and normal-theory FIML are different estimators: ours may be no further from
    # lavaan's FIML than mice's own m = 200 estimate is, give or take Monte Carlo error
    r200 = _r_table(ref["many"]["m200"])
    for term in ("ACT", "SATV", "gender"):
        gap_mice = abs(r200.loc[term, "estimate"] - fiml[term]["est"])
        tol = gap_mice + _mc_tolerance(r200.loc[term, "b"], 100, 200)
        assert abs(res.loc[term, "estimate"] - fiml[term]["est"]) < tol, term


def test_pooled_estimates_m20_within_monte_carlo_error_of_mice(incomplete, ref):
    imp = ld.impute(incomplete, m=20, seed=5, exclude=["agegrp"])
    res = ld.regress(imp, "SATQ ~ ACT + SATV + gender").table.set_index("term")
    r = _r_table(ref["many"]["m200"])
    diff = (res["estimate"] - r["estimate"]).abs()
    assert (diff < _mc_tolerance(r["b"], 20, 200)).all(), diff
    se_tol = 4 * np.hypot(*[r["lambda"] * np.sqrt(2 / (k - 1)) / 2 for k in (20, 200)])
    assert ((res["se"] / r["std.error"] - 1).abs() < se_tol).all()


@pytest.mark.slow
def test_norm_pooled_estimates_agree_with_mice_norm_m100(incomplete, ref_norm):
    # mice(method = "norm", m = 100) vs ours (m = 100): the same Monte Carlo tolerances as PMM
    assert set(ref_norm["method"].values()) == {"", "norm"}
    imp = ld.impute(incomplete, m=100, seed=11, exclude=["agegrp"], method="norm")
    res = ld.regress(imp, "SATQ ~ ACT + SATV + gender").table.set_index("term")
    r = _r_table(ref_norm["m100"])
    diff = (res["estimate"] - r["estimate"]).abs()
    assert (diff < _mc_tolerance(r["b"], 100, 100)).all(), diff
    se_tol = 4 * np.hypot(*[r["lambda"] * np.sqrt(2 / 99) / 2] * 2)
    assert ((res["se"] / r["std.error"] - 1).abs() < se_tol).all()
    fmi_tol = 4 * np.hypot(*[r["fmi"] * (1 - r["fmi"]) * np.sqrt(2 / 99)] * 2)
    assert ((res["fmi"] - r["fmi"]).abs() < fmi_tol).all(), (res["fmi"], fmi_tol)


def test_norm_unbiased_under_mar_with_mostly_missing_upper_tail():
    # bench/missing_coverage.py's design on one large sample: y is missing mostly where the
    # auxiliary z (hence y) is high. The pooled slope and mean of y must be within sampling
    # error (4 pooled SEs) of the full-data values; the SD of y (no noise term -> too small)
    # within 3%; the imputations reach beyond the largest observed y (no PMM ceiling)
    rng = np.random.default_rng(2026)
    n = 4000
    x = rng.standard_normal(n)
    u = rng.standard_normal(n)
    y = 0.4 * x + u
    z = 0.5 * x + 0.6 * u + rng.normal(0, 0.5, n)
    missing = rng.uniform(size=n) < 1 / (1 + np.exp(-(-0.6 + 1.6 * z)))
    d = pd.DataFrame({"x": x, "y": np.where(missing, np.nan, y), "z": z})
    full = ld.regress(d.assign(y=y), "y ~ x").table.set_index("term").loc["x", "estimate"]
    imp = ld.impute(d, m=10, seed=3, method="norm", maxit=3)
    slope = ld.regress(imp, "y ~ x").table.set_index("term").loc["x"]
    listwise = ld.regress(d, "y ~ x").table.set_index("term").loc["x", "estimate"]
    assert full - listwise > 0.05  # the complete cases are biased
    assert abs(slope["estimate"] - full) < 4 * slope["se"], (slope["estimate"], full)
    means = np.array([c["y"].mean() for c in imp])
    within = np.mean([c["y"].var() / n for c in imp])
    se_mean = np.sqrt(within + (1 + 1 / imp.m) * means.var(ddof=1))
    assert abs(means.mean() - y.mean()) < 4 * se_mean
    assert abs(np.mean([c["y"].std() for c in imp]) / y.std() - 1) < 0.03
    assert max(c["y"].max() for c in imp) > d["y"].max()
    # observed cells kept, imputed ones are not rounded, same seed -> same imputations
    again = ld.impute(d, m=10, seed=3, method="norm", maxit=3)
    first = imp.completed(1)
    pd.testing.assert_frame_equal(first, again.completed(1))
    np.testing.assert_array_equal(first.loc[~missing, "y"], y[~missing])
    assert (first.loc[missing, "y"] % 1 != 0).all()
    assert imp.method == "norm" and "method = 'norm'" in imp.notes[0]
    assert not imp.completed(2).equals(first)


def test_norm_imputes_integer_columns_as_unrounded_floats(incomplete):
    imp = ld.impute(
        incomplete.astype({"SATQ": "Int64"}),
        m=2,
        seed=1,
        maxit=1,
        method="norm",
        exclude=["agegrp"],
    )
    d = imp.completed(1)
    assert d["SATQ"].dtype == np.float64
    assert (d.loc[incomplete["SATQ"].isna(), "SATQ"] % 1 != 0).all()
    assert "donors" not in imp.summary()
    assert "donors" in ld.impute(incomplete, m=2, seed=1, maxit=1, exclude=["agegrp"]).summary()


# --- the imputations themselves --------------------------------------------------------------
def test_same_seed_same_imputations_and_observed_cells_kept(incomplete):
    a = ld.impute(incomplete, m=3, seed=3, exclude=["agegrp"])
    b = ld.impute(incomplete, m=3, seed=3, exclude=["agegrp"])
    c = ld.impute(incomplete, m=3, seed=4, exclude=["agegrp"])
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)
    assert not a.completed(1).equals(c.completed(1))
    miss = incomplete.isna()
    for i, d in enumerate(a, start=1):
        assert not d.isna().any().any()
        pd.testing.assert_frame_equal(
            d[~miss["SATQ"]][incomplete.columns].where(~miss),
            incomplete[~miss["SATQ"]].where(~miss),
        )
        # predictive mean matching imputes observed values only
        assert set(d.loc[miss["SATQ"], "SATQ"]) <= set(incomplete["SATQ"].dropna())
        assert set(d.loc[miss["ACT"], "ACT"]) <= set(incomplete["ACT"].dropna())
        assert not a.completed(i).equals(a.completed(1)) or i == 1
    assert a.m == 3 and a.seed == 3 and a.n == len(incomplete)
    tab = a.table.set_index("column")
    assert tab.loc["SATQ", "n_missing"] == incomplete["SATQ"].isna().sum()
    assert tab.loc["SATQ", "role"] == "imputed" and tab.loc["agegrp", "role"] == "excluded"
    assert int(a.missing.to_numpy().sum()) == int(incomplete.isna().sum().sum())
    long = a.long()
    assert list(long.columns[:2]) == [".imp", ".id"] and len(long) == 3 * len(incomplete)


def test_imputations_follow_mar_relation():
    # SATQ-like y missing when x is high: the mean of y from the complete cases is biased low,
    # the imputed mean recovers the full-data mean within sampling error
    rng = np.random.default_rng(0)
    n = 600
    x = rng.standard_normal(n)
    y = 0.8 * x + 0.6 * rng.standard_normal(n)
    d = pd.DataFrame({"x": x, "y": y})
    d.loc[x > 0.3, "y"] = np.where(rng.uniform(size=(x > 0.3).sum()) < 0.7, np.nan, y[x > 0.3])
    imp = ld.impute(d, m=10, seed=1)
    means = np.mean([c["y"].mean() for c in imp])
    assert d["y"].mean() < y.mean() - 0.15  # listwise mean is biased
    assert abs(means - y.mean()) < 0.08


def test_scales_scored_inside_every_imputation():
    raw = ld.load_dataset("study1").head(120)
    imp = ld.impute(raw, m=2, seed=2, exclude=["mentor_id"], scales="mentor_engagement")
    for d in imp:
        scored = ld.score(d, "mentor_engagement").scores["mentor_engagement"]
        pd.testing.assert_series_equal(d["mentor_engagement"], scored)
        assert d["mentor_engagement"].notna().all()
    assert imp.scales == ("mentor_engagement",)
    assert "scored" in set(imp.table["role"])
    gender = imp.table.set_index("column").loc["gender", "role"]
    assert gender == "dummy-coded predictor"
    with pytest.raises(DataValidationError, match="mentor_engagement"):
        ld.impute(
            raw.join(ld.score(raw, "mentor_engagement").scores),
            m=2,
            seed=1,
            exclude=["mentor_id"],
            scales="mentor_engagement",
        )


def test_display_and_plot(incomplete):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    imp = ld.impute(incomplete, m=2, seed=1, exclude=["agegrp"], maxit=2)
    text = imp.summary()
    assert "m: 2" in text and "SATQ" in text
    assert "<table" in imp._repr_html_()
    ax = imp.plot()
    assert "SATQ" in ax.get_title()  # the column with the most missing values
    ax = imp.plot("ACT")
    assert ax.get_xlabel() == "ACT"
    with pytest.raises(DataValidationError, match="not an imputed column"):
        imp.plot("SATV")
    plt.close("all")


# --- bad input ---------------------------------------------------------------------------------
def test_bad_input(incomplete):
    with pytest.raises(DataValidationError, match="m must be"):
        ld.impute(incomplete, m=1)
    d = incomplete.assign(empty=np.nan)
    with pytest.raises(DataValidationError, match="'empty' is missing in every row"):
        ld.impute(d, m=2)
    t = incomplete.assign(city=["a", None, *["b"] * (len(incomplete) - 2)])
    with pytest.raises(DataValidationError, match="'city' has 1 missing"):
        ld.impute(t, m=2)
    ids = incomplete.assign(person=[f"p{i}" for i in range(len(incomplete))])
    with pytest.raises(DataValidationError, match="'person' has 687 distinct"):
        ld.impute(ids, m=2)
    assert ld.impute(ids, m=2, exclude=["person"], seed=1, maxit=1).m == 2
    with pytest.raises(DataValidationError, match="not columns"):
        ld.impute(incomplete, m=2, exclude=["nope"])
    with pytest.raises(DataValidationError, match="method"):
        ld.impute(incomplete, m=2, method="cart")
    with pytest.raises(DataValidationError, match="method='norm' imputes unrounded"):
        ld.impute(incomplete, m=2, method="norm", scales="learning_direction")
    imp = ld.impute(incomplete, m=2, seed=1, maxit=1, exclude=["agegrp"])
    with pytest.raises(DataValidationError, match="1 to m = 2"):
        imp.completed(0)
    with pytest.raises(DataValidationError, match="at least two"):
        ld.regress([incomplete.dropna()], "SATQ ~ ACT")
    with pytest.raises(DataValidationError, match="different numbers of rows"):
        ld.regress([incomplete.dropna(), incomplete.dropna().head(50)], "SATQ ~ ACT")


# --- MI-boot mediation -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def med_imp(incomplete):
    return ld.impute(incomplete, m=3, seed=8, exclude=["agegrp"])


def test_mediation_mi_boot(med_imp):
    kw = dict(x="SATV", m="ACT", y="SATQ", covariates=["gender"], n_boot=200, seed=4)
    res = ld.mediate(med_imp, **kw)
    again = ld.mediate(med_imp, **kw)
    pd.testing.assert_frame_equal(res.table, again.table)
    assert isinstance(res, ld.MediationResult)
    assert res.seed == 4 and len(res.boot_draws) == 3 * 200
    singles = [
        ld.mediate(d, **{**kw, "seed": s})
        for d, s in zip(
            med_imp,
            [int(k.generate_state(1)[0]) for k in np.random.SeedSequence(4).spawn(3)],
            strict=True,
        )
    ]
    t = res.table.set_index("term")
    est = np.mean([s.table.set_index("term")["estimate"] for s in singles], axis=0)
    np.testing.assert_allclose(t["estimate"], est, rtol=1e-12)
    draws = pd.concat([s.boot_draws for s in singles], ignore_index=True)
    ind = draws["indirect:ACT"].dropna().to_numpy()
    lo, hi = np.quantile(ind, [0.025, 0.975])
    assert t.loc["indirect:ACT", "ci_low"] == pytest.approx(lo, rel=0.02)
    assert t.loc["indirect:ACT", "ci_high"] == pytest.approx(hi, rel=0.02)
    assert t.loc["indirect:ACT", "se"] == pytest.approx(np.std(ind, ddof=1), rel=1e-9)
    # the a path is pooled by Rubin's rules on its OLS SE, with the mediator equation's df
    a = np.array([s.table.set_index("term").loc["a:ACT", ["estimate", "se"]] for s in singles])
    pooled = rubin(a[:, :1], a[:, 1:] ** 2, dfcom=len(med_imp.data) - 3)
    assert t.loc["a:ACT", "se"] == pytest.approx(pooled["se"].iloc[0], rel=1e-12)
    assert t.loc["a:ACT", "df"] == pytest.approx(pooled["df"].iloc[0], rel=1e-12)
    assert {"fmi", "riv", "df"} <= set(res.table.columns)
    assert any("MI-boot" in n for n in res.notes)
    with pytest.raises(ModelError, match="percentile"):
        ld.mediate(med_imp, **{**kw, "ci": "bca"})


def test_mediation_refuses_fiml_with_imputed_data(med_imp):
    with pytest.raises(ModelError, match="missing='fiml' cannot be combined"):
        ld.mediate(med_imp, x="SATV", m="ACT", y="SATQ", n_boot=50, seed=1, missing="fiml")
