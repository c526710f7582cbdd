"""Moderation (PROCESS model 1): agreement with R (tests/reference) and bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models.moderation import moderate


@pytest.fixture(scope="module")
def sat():
    return reference_csv("sat_act.csv")


@pytest.fixture(scope="module")
def ref():
    return reference_json("sat_act_models.json")["moderation_model1"]


@pytest.fixture(scope="module")
def res(sat):
    return moderate(sat, x="SATV", w="education", y="ACT", covariates=["age"])


def _r(term):
    return "Intercept" if term == "(Intercept)" else term


def _rel(a, b):
    return abs(a - b) / abs(b)


def test_coefficients_match_r(res, ref):
    t = res.table.set_index("term")
    assert "SATV:education" in t.index
    for term, v in ref["coef"].items():
        assert _rel(t.loc[_r(term), "estimate"], v) < 1e-6
    for term, v in ref["se"].items():
        assert _rel(t.loc[_r(term), "se"], v) < 1e-6
    assert res.n == ref["n"]


def test_probes_match_r(res, ref):
    probes = res.probes
    assert list(probes.columns) == [
        "w",
        "label",
        "effect",
        "se",
        "t",
        "ci_low",
        "ci_high",
        "p_value",
    ]
    for (_, row), r in zip(
        probes.iterrows(), ref["conditional_effects_at_pct_16_50_84"], strict=True
    ):
        assert row["w"] == r["w"]
        assert _rel(row["effect"], r["effect"]) < 1e-6
        assert _rel(row["se"], r["se"]) < 1e-6


def test_jn_and_delta_r2_match_r(res, ref):
    assert len(res.jn) == 2
    for ours, theirs in zip(res.jn, ref["jn_boundaries"], strict=True):
        assert _rel(ours, theirs) < 1e-6
    assert _rel(res.delta_r2, ref["delta_r2_interaction"]) < 1e-6
    jt = res.jn_table
    assert list(jt.columns) == ["boundary", "within_range", "pct_below", "pct_above"]
    assert not jt["within_range"].any()
    assert jt["pct_below"].tolist() == [100.0, 100.0]
    assert any("observed range" in n for n in res.notes)


def test_interaction_f_equals_r2_change(res):
    it = res.interaction_test.iloc[0]
    r2 = res.regression.r2
    f = res.delta_r2 / ((1 - r2) / it["df2"])
    assert it["f"] == pytest.approx(f, rel=1e-8)


def test_jn_boundary_is_where_p_equals_alpha(sat):
    res = moderate(sat, x="education", w="SATV", y="ACT", covariates=["age"])
    inside = res.jn_table[res.jn_table["within_range"]]
    assert len(inside) == 1
    b = inside["boundary"].iloc[0]
    assert res.conditional_effect([b])["p_value"].iloc[0] == pytest.approx(0.05, abs=1e-10)
    assert inside["pct_below"].iloc[0] + inside["pct_above"].iloc[0] == pytest.approx(100.0)


def test_meansd_and_explicit_probes(sat):
    r = moderate(sat, x="SATV", w="education", y="ACT", probe="meansd")
    m, s = sat["education"].mean(), sat["education"].std()
    np.testing.assert_allclose(r.probes["w"], [m - s, m, m + s])
    r2 = moderate(sat, x="SATV", w="education", y="ACT", probe_values=[1, 4])
    assert r2.probes["w"].tolist() == [1.0, 4.0]


def test_dichotomous_w(sat):
    d = sat.assign(female=(sat["gender"] == 2).astype(int))
    r = moderate(d, x="SATV", w="female", y="ACT")
    assert r.probes["w"].tolist() == [0.0, 1.0]


def test_center_keeps_interaction(sat, res):
    rc = moderate(sat, x="SATV", w="education", y="ACT", covariates=["age"], center=True)
    t, tc = res.table.set_index("term"), rc.table.set_index("term")
    assert tc.loc["SATV:education", "estimate"] == pytest.approx(
        t.loc["SATV:education", "estimate"], rel=1e-10
    )
    assert tc.loc["SATV:education", "se"] == pytest.approx(t.loc["SATV:education", "se"], rel=1e-8)
    # lower-order effect = conditional effect at the mean of w
    at_mean = res.conditional_effect([sat["education"].mean()])["effect"].iloc[0]
    assert tc.loc["SATV", "estimate"] == pytest.approx(at_mean, rel=1e-10)
    np.testing.assert_allclose(rc.probes["effect"], res.probes["effect"], rtol=1e-10)


def test_robust_se(sat):
    r = moderate(sat, x="SATV", w="education", y="ACT", se="HC3")
    assert r.se_type == "HC3"
    V = r.regression.vcov
    se0 = np.sqrt(
        V.loc["SATV", "SATV"]
        + 4 * V.loc["SATV", "SATV:education"]
        + 4 * V.loc["SATV:education", "SATV:education"]
    )
    assert r.probes["se"].iloc[0] == pytest.approx(se0)


def test_slopes_data(res):
    s = res.slopes
    assert list(s.columns) == ["w", "label", "x", "predicted", "se", "ci_low", "ci_high"]
    assert s["w"].nunique() == 3 and len(s) == 150
    # slope of each line equals the conditional effect
    for wv, sub in s.groupby("w"):
        slope = np.polyfit(sub["x"], sub["predicted"], 1)[0]
        eff = res.probes.set_index("w").loc[wv, "effect"]
        assert slope == pytest.approx(eff, rel=1e-8)


def test_missing_reported_and_names_with_spaces(sat):
    d = sat.rename(columns={"SATQ": "sat q"})
    r = moderate(d, x="sat q", w="education", y="ACT")
    assert r.n_dropped == int(d["sat q"].isna().sum()) > 0
    assert "sat q:education" in r.table["term"].tolist()


def test_bad_inputs(sat):
    with pytest.raises(DataValidationError, match="SATV"):
        moderate(sat, x="SATv", w="education", y="ACT")
    with pytest.raises(DataValidationError, match="more than one role"):
        moderate(sat, x="SATV", w="SATV", y="ACT")
    with pytest.raises(DataValidationError, match="probe"):
        moderate(sat, x="SATV", w="education", y="ACT", probe="quartiles")
    with pytest.raises(DataValidationError, match="numeric"):
        moderate(sat.assign(g=np.where(sat["gender"] == 1, "a", "b")), x="SATV", w="g", y="ACT")
    with pytest.raises(DataValidationError, match="constant"):
        moderate(sat.assign(c=1.0), x="SATV", w="c", y="ACT")
    with pytest.raises(DataValidationError, match="probe_values"):
        moderate(sat, x="SATV", w="education", y="ACT", probe_values=["low"])
    for bad in ([], [np.nan], [2, 2], np.inf):
        with pytest.raises(DataValidationError, match="probe_values"):
            moderate(sat, x="SATV", w="education", y="ACT", probe_values=bad)
    one = moderate(sat, x="SATV", w="education", y="ACT", probe_values=3)
    assert one.probes["w"].tolist() == [3.0]
    with pytest.raises(ModelError, match="collinear"):
        moderate(
            sat.assign(e2=sat["education"] * 2), x="SATV", w="education", y="ACT", covariates=["e2"]
        )


def test_summary_plots(res, tmp_path):
    import matplotlib.pyplot as plt

    text = res.summary()
    assert "Johnson-Neyman" in text and "SATV:education" in text
    assert "Conditional effects" in res._repr_html_()
    ax = res.plot("jn")
    assert ax.get_xlabel() == "education (moderator)"
    ax2 = res.plot("slopes")
    assert len(ax2.get_legend().get_texts()) == 3
    ax2.figure.savefig(tmp_path / "slopes.png")
    with pytest.raises(DataValidationError):
        res.plot("bars")
    plt.close("all")


@settings(max_examples=20, deadline=None)
@given(b3=st.floats(-2, 2), seed=st.integers(0, 10_000))
def test_property_jn_roots_solve_quadratic(b3, seed):
    """At every JN boundary |t| of the conditional effect equals the critical t."""
    rng = np.random.default_rng(seed)
    n = 80
    x, w = rng.normal(size=n), rng.normal(size=n)
    y = 0.3 * x + 0.2 * w + b3 * x * w + rng.normal(size=n)
    r = moderate(pd.DataFrame({"x": x, "w": w, "y": y}), x="x", w="w", y="y")
    for b in r.jn:
        p = r.conditional_effect([b])["p_value"].iloc[0]
        assert p == pytest.approx(0.05, abs=1e-6)


def test_probe_percentiles_is_an_alias(sat):
    # the spelling of moderated_mediation()'s old default is accepted here too
    a = moderate(sat, x="SATV", w="age", y="ACT")
    b = moderate(sat, x="SATV", w="age", y="ACT", probe="percentiles")
    pd.testing.assert_frame_equal(a.probes, b.probes)
    assert a.probe == b.probe == "percentile"
    with pytest.raises(DataValidationError, match="kind must be 'jn' or 'slopes'"):
        a.plot(kind="forest")
