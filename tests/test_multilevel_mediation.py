"""ld.multilevel_mediation against lavaan (MSEM) and lme4/lmerTest (UMM).

Fixtures: ``tests/reference/make_multilevel_mediation_reference.R`` simulates 70 clusters of 1-9
rows (singletons included) with 1-1-1, 2-1-1 and 2-2-1 variables, a level-1 and a level-2
covariate, and fits every design with and without the covariates:

* MSEM: ``lavaan::sem(model, data, cluster = "cluster")`` on the syntax the Python code writes
  (checked equal), by default and refitted with BFGS at ``reltol = 1e-14``. Estimates within
  ``1e-5 * max(|est|, se)`` and SEs within 1e-5 relative of the tight fit; within 1e-3 of the
  default fit (nlminb stops about 1e-5 from the optimum);
* UMM: ``lmerTest::lmer(..., REML = TRUE)`` (tight BOBYQA tolerances) and ``contest1D``
  (Satterthwaite), ``lm`` for a cluster-level mediator: estimates, SEs, df, t, p and CIs within
  1e-6 relative, variance components within 1e-6.
"""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError, ModelWarning

FITS = reference_json("multilevel_mediation.json")["fits"]
COLS = [("estimate", "estimate"), ("se", "se"), ("df", "df"), ("t", "t"), ("p_value", "p"),
        ("ci_low", "lower"), ("ci_high", "upper")]  # fmt: skip


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return reference_csv("multilevel_mediation.csv")


def _fit(data, name, method="msem", **kw):
    f = FITS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)  # 70 clusters, some singletons: noted
        return ld.multilevel_mediation(
            data, f["x"], f["m"], f["y"], "cluster", list(f["covariates"]),
            method=method, seed=1, **kw,
        )  # fmt: skip


def _close(mine, ref, rel, scale=None):
    mine, ref = np.asarray(mine, float), np.asarray(ref, float)
    scale = np.abs(ref) if scale is None else np.asarray(scale, float)
    ok = np.abs(mine - ref) <= rel * np.maximum(scale, 1e-12) + 1e-12
    assert ok.all(), pd.DataFrame({"mine": mine, "ref": ref})


# ------------------------------------------------------------------------------ MSEM = lavaan
@pytest.mark.parametrize("name", list(FITS))
def test_msem_syntax_is_the_fixtures(data, name):
    res = _fit(data, name)
    assert res.syntax == FITS[name]["syntax"]
    assert res.design == FITS[name]["design"] and res.method == "msem"
    assert (res.n, res.n_clusters) == (FITS[name]["msem"]["n"], FITS[name]["msem"]["n_clusters"])


@pytest.mark.parametrize("name", list(FITS))
def test_msem_estimates_and_ses_match_lavaan(data, name):
    tab = _fit(data, name).table.set_index("term")
    for key, rel_est, rel_se in (("tight", 1e-5, 1e-5), ("parameters", 1e-3, 1e-3)):
        ref = pd.DataFrame(FITS[name]["msem"][key]).set_index("term").loc[tab.index]
        _close(tab["estimate"], ref["est"], rel_est, np.maximum(np.abs(ref["est"]), ref["se"]))
        _close(tab["se"], ref["se"], rel_se)
    ref = pd.DataFrame(FITS[name]["msem"]["tight"]).set_index("term").loc[tab.index]
    paths = [t for t in tab.index if not t.startswith("indirect")]
    _close(tab.loc[paths, "p_value"], ref.loc[paths, "pvalue"], 1e-3)
    _close(tab.loc[paths, "ci_low"], ref.loc[paths, "ci_lower"], 1e-5, ref.loc[paths, "se"])


def test_terms_exist_for_the_design(data):
    assert list(_fit(data, "d111").table["term"]) == [
        "a_within", "b_within", "indirect_within", "a_between", "b_between",
        "indirect_between", "c_prime_within", "c_prime_between",
    ]  # fmt: skip
    assert list(_fit(data, "d211").table["term"]) == [
        "b_within", "a_between", "b_between", "indirect_between", "c_prime_between",
    ]  # fmt: skip
    assert list(_fit(data, "d221", method="umm").table["term"]) == [
        "a_between", "b_between", "indirect_between", "c_prime_between",
    ]  # fmt: skip
    assert list(_fit(data, "d111").table.columns) == [
        "term", "estimate", "se", "ci_low", "ci_high", "p_value",
    ]  # fmt: skip


# ------------------------------------------------------------------------------ UMM = lme4
@pytest.mark.parametrize("name", list(FITS))
def test_umm_equations_match_lme4(data, name):
    res = _fit(data, name, method="umm")
    f = FITS[name]
    for which in ("m", "y"):
        ref = pd.DataFrame(f["umm"][which]["coefficients"])
        eq = next(v for v in res.equations.values() if v.attrs["outcome"] == f[which])
        assert len(eq) == len(ref)
        for mine, theirs in COLS:
            _close(eq[mine], ref[theirs], 1e-6, np.maximum(np.abs(ref[theirs]), 1e-8))
        assert eq.attrs["sigma2"] == pytest.approx(f["umm"][which]["sigma2"], rel=1e-6)
        if "tau2" in f["umm"][which]:
            assert eq.attrs["tau2"] == pytest.approx(f["umm"][which]["tau2"], rel=1e-6)


@pytest.mark.parametrize("name", ["d111_cov", "d211", "d221_cov"])
def test_umm_table_reads_the_equations(data, name):
    res = _fit(data, name, method="umm")
    tab = res.table.set_index("term")
    y_eq = next(v for v in res.equations.values() if v.attrs["outcome"] == FITS[name]["y"])
    m_eq = next(v for v in res.equations.values() if v.attrs["outcome"] == FITS[name]["m"])
    # the between b is the coefficient of the mediator's cluster mean (or of M itself, 2-2-1)
    b_row = y_eq.iloc[1] if res.design == "2-2-1" else y_eq.iloc[2]
    assert tab.loc["b_between", "estimate"] == b_row["estimate"]
    a = tab.loc["a_between", "estimate"]
    b = tab.loc["b_between", "estimate"]
    assert tab.loc["indirect_between", "estimate"] == pytest.approx(a * b, rel=1e-12)
    se = np.hypot(b * tab.loc["a_between", "se"], a * tab.loc["b_between", "se"])
    assert tab.loc["indirect_between", "se"] == pytest.approx(se, rel=1e-12)
    assert m_eq.attrs["level"] == ("between" if res.design == "2-2-1" else "within and between")


# ------------------------------------------------------------------------------ intervals
def test_monte_carlo_is_seeded_and_brackets_the_estimate(data):
    a = _fit(data, "d111_cov")
    b = _fit(data, "d111_cov")
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.seed == 1 and a.n_draws == 20000 and a.n_boot is None
    assert list(a.draws.columns) == ["indirect_within", "indirect_between"]
    assert len(a.draws) == 20000
    for term in ("indirect_within", "indirect_between"):
        r = a.row(term)
        assert r["ci_low"] < r["estimate"] < r["ci_high"]
        # the draws' SD is close to the delta-method SE
        assert a.draws[term].std() == pytest.approx(r["se"], rel=0.15)
    other = ld.multilevel_mediation(data, "x", "m", "y", "cluster", ["c1", "w"], seed=2)
    assert other.row("indirect_within")["ci_low"] != a.row("indirect_within")["ci_low"]
    unseeded = ld.multilevel_mediation(data, "x", "m", "y", "cluster")
    assert isinstance(unseeded.seed, int)


def _bootstrap_close_to_monte_carlo(res, mc):
    boot_r, mc_r = res.row("indirect_between"), mc.row("indirect_between")
    assert boot_r["estimate"] == mc_r["estimate"]
    # different intervals of the same effect, 200 resamples: within a fraction of an SE
    assert abs(boot_r["ci_low"] - mc_r["ci_low"]) < 0.75 * mc_r["se"]
    assert abs(boot_r["ci_high"] - mc_r["ci_high"]) < 0.75 * mc_r["se"]


def test_cluster_bootstrap_resamples_clusters(data):
    res = _fit(data, "d211", method="umm", ci="bootstrap", n_boot=200)
    again = _fit(data, "d211", method="umm", ci="bootstrap", n_boot=200)
    pd.testing.assert_frame_equal(res.table, again.table)
    assert res.n_boot == 200 and res.n_draws is None and res.ci == "bootstrap"
    assert list(res.draws.columns) == list(res.table["term"])
    _bootstrap_close_to_monte_carlo(res, _fit(data, "d211", method="umm"))
    assert "cluster bootstrap" in res.summary()


@pytest.mark.slow
def test_cluster_bootstrap_refits_the_msem(data):
    res = _fit(data, "d211", ci="bootstrap", n_boot=200)
    assert res.n_failed == 0
    _bootstrap_close_to_monte_carlo(res, _fit(data, "d211"))


def test_msem_and_umm_agree_for_2_2_1_and_differ_between_for_small_clusters(data):
    msem, umm = _fit(data, "d221"), _fit(data, "d221", method="umm")
    # 2-2-1: the same model (ML vs REML variance components)
    np.testing.assert_allclose(msem.table["estimate"], umm.table["estimate"], rtol=0.02, atol=0.005)
    # 2-1-1: MSEM corrects the between b for the unreliability of observed cluster means
    b_msem = _fit(data, "d211").row("b_between")["estimate"]
    b_umm = _fit(data, "d211", method="umm").row("b_between")["estimate"]
    assert b_msem > b_umm  # the observed means pull b towards the smaller within slope


# ------------------------------------------------------------------------------ levels, design
def _nested(levels=(1, 1, 1), J=40, seed=3):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(J), rng.integers(2, 7, size=J))

    def var(level):
        out = rng.normal(size=J)[g]
        return out if level == 2 else out + rng.normal(size=len(g))

    x = var(levels[0])
    m = var(levels[1]) + (0.5 * x if levels[1] == 1 or levels[0] == 2 else 0.0)
    y = 0.4 * m + var(levels[2]) if levels[2] == 1 else var(2)
    return pd.DataFrame({"g": g, "x": x, "m": m, "y": y, "c": rng.normal(size=len(g)),
                         "w": rng.normal(size=J)[g]})  # fmt: skip


@pytest.mark.parametrize(("levels", "label"), [((1, 1, 1), "1-1-1"), ((2, 1, 1), "2-1-1"),
                                               ((2, 2, 1), "2-2-1")])  # fmt: skip
def test_design_and_covariate_levels_are_inferred(levels, label):
    res = ld.multilevel_mediation(_nested(levels), "x", "m", "y", "g", ["w", "c"], seed=1)
    assert res.design == label
    assert res.levels == {"x": levels[0], "m": levels[1], "y": 1, "w": 2, "c": 1}
    # the level-1 covariate enters the within equations, the level-2 one only the between
    within = " ".join(res.syntax.split("level: 2")[0].split())
    assert " c" in within and " w" not in within
    assert res.covariates == ("c", "w")


@pytest.mark.parametrize(("levels", "match"), [
    ((1, 1, 2), r"design 1-1-2 is not supported: y 'y' is constant.*1-1-1, 2-1-1 and 2-2-1"),
    ((2, 2, 2), r"design 2-2-2 is not supported"),
    ((1, 2, 1), r"design 1-2-1 is not supported: x 'x' varies within clusters while m"),
])  # fmt: skip
def test_unsupported_designs_are_refused(levels, match):
    with pytest.raises(ModelError, match=match):
        ld.multilevel_mediation(_nested(levels), "x", "m", "y", "g")


def test_one_row_per_cluster_and_too_few_clusters():
    df = _nested().drop_duplicates("g")
    with pytest.raises(ModelError, match="one row: the design is not multilevel"):
        ld.multilevel_mediation(df, "x", "m", "y", "g")
    few = _nested(J=8)
    with pytest.raises(ModelError, match="only 8 clusters"):
        ld.multilevel_mediation(few, "x", "m", "y", "g")
    with pytest.warns(ModelWarning, match="only 20 clusters"):
        ld.multilevel_mediation(_nested(J=20), "x", "m", "y", "g", seed=1)


def test_missing_rows_are_counted_with_reasons():
    df = _nested()
    df.loc[[1, 4], "m"] = np.nan
    df.loc[7, "c"] = np.nan
    with pytest.warns(ModelWarning, match="3 of .* rows left out"):
        res = ld.multilevel_mediation(df, "x", "m", "y", "g", ["c"], seed=1)
    assert res.n_dropped == 3 and res.n == len(df) - 3
    assert res.dropped == {"m": 2, "c": 1}
    assert any("left out for missing values in: m (2), c (1)" in n for n in res.notes)
    sizes = res.cluster_sizes
    assert sizes["min"] <= sizes["median"] <= sizes["max"] and sizes["cv"] > 0


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"method": "hlm"}, ModelError, "method must be 'msem' or 'umm'"),
    ({"ci": "bca"}, ModelError, "ci must be 'monte_carlo' or 'bootstrap'"),
    ({"n_draws": 10}, ModelError, "n_draws must be a whole number of at least 1000"),
    ({"ci": "bootstrap", "n_boot": 50}, ModelError, "n_boot must be a whole number of at least"),
    ({"seed": -3}, ModelError, "seed must be"),
    ({"ci_level": 95}, ModelError, "did you mean ci_level=0.95"),
    ({"covariates": ["x"]}, DataValidationError, "used both as x and as a covariate"),
    ({"covariates": ["nope"]}, DataValidationError, "nope"),
])  # fmt: skip
def test_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        ld.multilevel_mediation(_nested(), "x", "m", "y", "g", **kwargs)


def test_bad_columns():
    df = _nested()
    with pytest.raises(DataValidationError, match="cluster column 'g' has 1 missing"):
        ld.multilevel_mediation(df.assign(g=df["g"].where(df.index != 3)), "x", "m", "y", "g")
    with pytest.raises(DataValidationError, match="column 'm' must be numeric"):
        ld.multilevel_mediation(df.assign(m="a"), "x", "m", "y", "g")
    spaced = df.rename(columns={"m": "mentor engagement"})
    with pytest.raises(
        DataValidationError, match=r"cannot be written in model syntax.*mentor_engagement"
    ):
        ld.multilevel_mediation(spaced, "x", "mentor engagement", "y", "g")
    umm = ld.multilevel_mediation(spaced, "x", "mentor engagement", "y", "g", method="umm", seed=1)
    assert umm.design == "1-1-1"
    with pytest.raises(DataValidationError, match="name of a reported effect"):
        ld.multilevel_mediation(df.rename(columns={"m": "b_within"}), "x", "b_within", "y", "g")


# ------------------------------------------------------------------------------ result
def test_summary_sentence_changes_with_the_result(data):
    res = _fit(data, "d211")
    s = res.sentence()
    assert s.startswith("In a 2-1-1 design (xc at level 2, m2 at level 1, y2 at level 1")
    assert "between-cluster indirect effect was" in s and "excludes 0" in s
    null = _nested((2, 1, 1)).assign(y=lambda d: np.random.default_rng(0).normal(size=len(d)))
    res0 = ld.multilevel_mediation(null, "x", "m", "y", "g", seed=1)
    r = res0.row("indirect_between")
    assert (r["ci_low"] < 0 < r["ci_high"]) and "includes 0" in res0.sentence()
    assert s in res.summary() and "n_clusters: 70" in res.summary()
    html = res._repr_html_()
    assert "<table" in html and "2-1-1" in html and "latent cluster means" in html


def test_moments_and_equations_are_kept_for_sensitivity(data):
    for method in ("msem", "umm"):
        res = _fit(data, "d111_cov", method=method)
        assert set(res.moments) == {"within", "between"}
        cov = res.moments["between"]["cov"]
        assert {"x", "m", "y"} <= set(cov.index)
        assert res.moments["between"]["n"] == 70
    msem = _fit(data, "d111_cov")
    assert set(msem.equations) == {"within: m", "within: y", "between: m", "between: y"}
    assert msem.equations["between: y"].attrs["residual_variance"] > 0
    assert msem.fit is not None and msem.fit.n_clusters == 70


def test_plot_draws_both_levels(data):
    matplotlib.use("Agg")
    for name in ("d111", "d221"):
        res = _fit(data, name)
        ax = res.plot()
        texts = [t.get_text() for t in ax.texts]
        assert "Between clusters (level 2)" in texts and "Within clusters (level 1)" in texts
        ind = res.row("indirect_between")["estimate"]
        assert any(t.startswith("indirect a × b = ") and f"{ind:.2f}" in t for t in texts)
        if name == "d221":
            assert any("constant within clusters" in t for t in texts)
        else:
            assert sum(t.startswith("a = ") for t in texts) == 2  # within and between
        plt.close("all")


def test_public_api():
    assert ld.multilevel_mediation is not None
    assert ld.MultilevelMediationResult.__name__ == "MultilevelMediationResult"


def test_msem_refits_from_regression_starts_when_the_default_start_fails(data, monkeypatch):
    """The SEM engine can fail from lavaan's default start (slopes 0) where lavaan converges;
    the refit from regression starting values reaches the same optimum, with a note."""
    from learning_direction.models.multilevel_mediation import _msem

    plain = _fit(data, "d211_cov")
    real, calls = _msem.fit_sem, []

    def flaky(df, model, **kw):
        calls.append(model)
        if len(calls) == 1:
            raise ModelError("the model did not converge (line search failed)")
        return real(df, model, **kw)

    monkeypatch.setattr(_msem, "fit_sem", flaky)
    res = _fit(data, "d211_cov")
    assert "start(" in calls[1] and "start(" not in calls[0]
    assert res.syntax == plain.syntax  # the reported syntax is lavaan's, without start()
    np.testing.assert_allclose(res.table["estimate"], plain.table["estimate"], rtol=1e-5)
    assert any("refitted from regression starting values" in n for n in res.notes)

    def broken(df, model, **kw):
        raise ModelError("the model did not converge")

    monkeypatch.setattr(_msem, "fit_sem", broken)
    with pytest.raises(ModelError, match=r"did not converge .* try method='umm'"):
        _fit(data, "d211_cov")
