"""Rao–Scott chi-square tests for clustered rows against R's survey::svychisq (apiclus1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models.contingency import rao_scott_chisq

REF = reference_json("contingency_rao_scott.json")
CASES = REF["cases"]


@pytest.fixture(scope="module")
def api() -> pd.DataFrame:
    return reference_csv("apiclus1.csv")


@pytest.mark.parametrize("case", CASES, ids=[f"{c['row']}x{c['col']}" for c in CASES])
def test_matches_svychisq(api, case):
    res = rao_scott_chisq(api, case["row"], case["col"], cluster="dnum")
    t = res.table.set_index("test")
    assert res.n == case["n"] and res.n_clusters == case["clusters"]
    assert t.loc["pearson", "statistic"] == pytest.approx(case["pearson"], rel=1e-10)
    assert t.loc["pearson", "p_value"] == pytest.approx(case["pearson_p"], rel=1e-8)
    assert t.loc["rao_scott_1", "p_value"] == pytest.approx(case["first_order_p"], rel=1e-8)
    assert t.loc["rao_scott_f", "statistic"] == pytest.approx(case["f"], rel=1e-10)
    assert t.loc["rao_scott_f", "df1"] == pytest.approx(case["f_ndf"], rel=1e-10)
    assert t.loc["rao_scott_f", "df2"] == pytest.approx(case["f_ddf"], rel=1e-10)
    assert res.p_value == pytest.approx(case["f_p"], rel=1e-8)


def test_independent_clusters_of_one_row_give_design_effects_near_one():
    """With one row per cluster the design-based variance is the multinomial one (times
    J / (J - 1)), so every design effect is J / (J - 1)."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame(
        {"a": rng.choice(["x", "y"], 400), "b": rng.choice(["u", "v", "w"], 400)}
    ).assign(cl=np.arange(400))
    res = rao_scott_chisq(d, "a", "b", cluster="cl")
    np.testing.assert_allclose(res.design_effects, 400 / 399, rtol=1e-8)
    t = res.table.set_index("test")
    assert t.loc["rao_scott_1", "statistic"] == pytest.approx(
        t.loc["pearson", "statistic"] * 399 / 400, rel=1e-8
    )


def test_text_and_summary(api):
    res = rao_scott_chisq(api, "sch_wide", "stype", cluster="dnum")
    assert res.text().startswith("Rao–Scott F(1.49, 20.92) = 5.09, p = .023")
    assert "mean design effect" in res.summary()


def test_bad_inputs(api):
    with pytest.raises(DataValidationError, match="'nope'"):
        rao_scott_chisq(api, "nope", "stype", cluster="dnum")
    with pytest.raises(DataValidationError, match="level"):
        rao_scott_chisq(api.assign(k="one"), "k", "stype", cluster="dnum")
    with pytest.raises(ModelError, match="clusters"):
        rao_scott_chisq(api.assign(g=api["dnum"] % 3), "sch_wide", "stype", cluster="g")
    gaps = api.astype({"dnum": float})
    gaps.loc[0, "dnum"] = np.nan
    with pytest.raises(DataValidationError, match="missing"):
        rao_scott_chisq(gaps, "sch_wide", "stype", cluster="dnum")
