"""ld.invariance against lavaan 0.6-14 and semTools 0.5-6 (``tests/reference/sem_invariance.json``).

Fixtures (``make_sem_extended_reference.R``): the Holzinger-Swineford CFA by school, fitted at
the configural, metric, scalar and strict levels with ``cfa(..., group.equal = ...)``, compared
with ``lavTestLRT`` (the Satorra-Bentler 2001 scaled difference under MLR) and
``semTools::compareFit``: under ML; under MLR; under ML with ``x3 ~ 1`` and ``x7 ~ 1`` free
(partial invariance); under MLR with FIML on data missing at random.

Tolerances (relative, lavaan's default optimum): chi-square, df, CFI, RMSEA of each level and
the differences within 1e-3 (absolute 1e-5 for the differences in CFI and RMSEA, which are
differences of numbers near 1 and 0.1); p-values within 1e-3 (scale at least 1e-6).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import ModelError

FX = reference_json("sem_invariance.json")
RUNS = FX["runs"]
MODEL = FX["model"]


def _run(name):
    r = RUNS[name]
    df = reference_csv(FX["data"][name])
    return ld.invariance(
        df,
        MODEL,
        group="school",
        estimator=r["estimator"],
        missing="fiml" if r["missing"] == "ml" else "listwise",
        partial=r["partial"] or None,
    )


_CACHE: dict[str, ld.InvarianceResult] = {}


def _result(name):
    if name not in _CACHE:
        _CACHE[name] = _run(name)
    return _CACHE[name]


def _close(mine, ref, rel, floor=1e-3):
    assert mine == pytest.approx(ref, rel=rel, abs=rel * floor), (mine, ref)


@pytest.mark.parametrize("name", list(RUNS))
def test_fit_of_each_level_matches_lavaan(name):
    r = RUNS[name]
    table = _result(name).table.set_index("level")
    robust = r["estimator"] == "MLR"
    keys = {
        "chisq": "chisq.scaled" if robust else "chisq",
        "p": "pvalue.scaled" if robust else "pvalue",
        "cfi": "cfi.robust" if robust else "cfi",
        "rmsea": "rmsea.robust" if robust else "rmsea",
        "srmr": "srmr",
    }
    for level, fm in r["fit"].items():
        assert table.loc[level, "df"] == fm["df"]
        for ours, theirs in keys.items():
            floor = 1e-6 if ours == "p" else 1e-3
            _close(table.loc[level, ours], fm[theirs], 1e-3, floor)


@pytest.mark.parametrize("name", list(RUNS))
def test_chisq_differences_match_lavtestlrt(name):
    table = _result(name).table.set_index("level")
    for level, lrt in RUNS[name]["lrt"].items():
        _close(table.loc[level, "delta_chisq"], lrt["chisq_diff"], 1e-3)
        assert table.loc[level, "delta_df"] == lrt["df_diff"]
        _close(table.loc[level, "p_delta"], lrt["p"], 1e-3, 1e-6)


@pytest.mark.parametrize("name", list(RUNS))
def test_fit_differences_match_compare_fit(name):
    r = RUNS[name]
    diff = r["compare_fit"]["fit_diff"]
    robust = r["estimator"] == "MLR"
    table = _result(name).table
    for ours, theirs in (("delta_cfi", "cfi"), ("delta_rmsea", "rmsea")):
        ref = diff[f"{theirs}.robust" if robust else theirs]
        np.testing.assert_allclose(table[ours].iloc[1:], ref, rtol=1e-3, atol=1e-5)


def test_decisions_follow_chens_rules():
    res = _result("ml")
    t = res.table.set_index("level")
    assert list(t["decision"]) == ["baseline model", "supported", "not supported", "not supported"]
    assert t.loc["metric", "holds_fit"] and t.loc["metric", "holds_chisq"]
    assert not t.loc["scalar", "holds_fit"] and not t.loc["scalar", "holds_chisq"]
    # strict passes Chen's rule against scalar but cannot be supported after scalar failed
    assert t.loc["strict", "holds_fit"] and t.loc["strict", "decision"] == "not supported"
    assert res.highest == "metric"
    for _, row in t.iloc[1:].iterrows():
        expected = row["delta_cfi"] >= -0.010 and row["delta_rmsea"] <= 0.015
        assert row["holds_fit"] == expected
        assert row["holds_chisq"] == (row["p_delta"] >= 0.05)


def test_summary_sentence_changes_with_the_result():
    failed = _result("ml").sentence()
    assert failed.startswith("Metric invariance holds (delta CFI = -0.002")
    assert "but scalar invariance does not hold: equal intercepts worsen the fit" in failed
    assert "partial invariance" in failed
    partial = _result("ml_partial")
    text = partial.sentence()
    assert text.startswith("Strict invariance holds") and "every level tested" in text
    assert partial.highest == "strict" and partial.partial == ("x3 ~ 1", "x7 ~ 1")
    summary = partial.summary()
    assert "Chen 2007" in summary and "likelihood ratio" in summary and text in summary
    assert "Satorra-Bentler 2001 scaled" in _result("mlr").summary()
    assert "<table" in partial._repr_html_()


def test_first_comparison_failing_and_a_single_level():
    df = reference_csv("holzinger_swineford.csv")
    res = ld.invariance(df, MODEL, group="school", levels=["metric", "scalar"])
    assert list(res.table.level) == ["metric", "scalar"]
    assert res.highest is None
    assert res.sentence().startswith("Scalar invariance does not hold: equal intercepts")
    one = ld.invariance(df, MODEL, group="school", levels="configural")
    assert "no level was compared" in one.sentence() and one.highest is None


def test_each_level_keeps_its_fit():
    res = _result("mlr")
    assert set(res.fits) == {"configural", "metric", "scalar", "strict"}
    assert all(f.estimator == "MLR" for f in res.fits.values())
    scalar = res.fits["scalar"].table
    loads = scalar[(scalar.op == "=~") & (scalar.rhs == "x2")]
    assert loads.estimate.iloc[0] == loads.estimate.iloc[1]
    assert res.n == 301 and res.group_labels == ("Pasteur", "Grant-White")


def test_invariance_of_a_scale_reverses_items_and_accepts_partial_in_item_ids():
    scale = {
        "name": "hs",
        "response": {"min": 0, "max": 10},
        "subscales": {
            "visual": {"items": ["x1", "x2", "x3"]},
            "textual": {"items": ["x4", "x5", "x6"]},
            "speed": {"items": ["x7", "x8", "x9"]},
        },
    }
    df = reference_csv("holzinger_swineford.csv")
    res = ld.invariance(df, scale, group="school", partial=["x3 ~ 1", "x7 ~ 1"])
    ref = _result("ml_partial").table
    np.testing.assert_allclose(res.table.chisq, ref.chisq, rtol=1e-9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"levels": ["metric", "configural"]}, "nesting order"),
        ({"levels": ["weak"]}, "levels must be some of"),
        ({"partial": "x10 ~ 1"}, "'x10 ~ 1' is not a parameter"),
        ({"estimator": "WLSMV"}, "estimator must be"),
    ],
)
def test_bad_inputs(kwargs, match):
    df = reference_csv("holzinger_swineford.csv")
    with pytest.raises(ModelError, match=match):
        ld.invariance(df, MODEL, group="school", **kwargs)


def test_missing_group_column_is_named():
    df = reference_csv("holzinger_swineford.csv")
    with pytest.raises(ValueError, match="schol"):
        ld.invariance(df, MODEL, group="schol")
    assert math.isnan(_result("ml").table["delta_chisq"].iloc[0])
    assert isinstance(_result("ml").table, pd.DataFrame)
