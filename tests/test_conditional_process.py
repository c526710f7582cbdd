"""Tests of ld.moderated_mediation against R (PROCESS model 7 fixture) and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models.conditional_process import (
    ConditionalProcessResult,
    moderated_mediation,
    probe_values,
)


@pytest.fixture(scope="module")
def sat():
    return reference_csv("sat_act.csv").assign(female=lambda d: (d["gender"] == 2).astype(int))


@pytest.fixture(scope="module")
def ref():
    return reference_json("sat_act_models.json")["moderated_mediation_model7"]


@pytest.fixture(scope="module")
def m7(sat):
    return moderated_mediation(
        sat, "education", "SATV", "ACT", "female", covariates=["age"], model=7, n_boot=5000, seed=7
    )


def test_model7_point_estimates_match_r(m7, ref):
    t = m7.table.set_index("term")["estimate"]
    assert abs(t["a:SATV"] - ref["a1"]) < 1e-8
    assert abs(t["a_xw:SATV"] - ref["a3"]) < 1e-8
    assert abs(t["b:SATV"] - ref["b"]) < 1e-8
    assert abs(m7.index["estimate"].iloc[0] - ref["index_of_moderated_mediation"]) < 1e-8
    ci = m7.conditional_indirect
    assert abs(ci["effect"].iloc[0] - ref["cond_indirect_w0"]) < 1e-8
    assert abs(ci["effect"].iloc[1] - ref["cond_indirect_w1"]) < 1e-8
    assert ci["w"].tolist() == [0.0, 1.0]


def test_model7_cis_within_monte_carlo_error_of_r(m7, ref):
    idx = m7.index.iloc[0]
    tol = 0.15 * idx["se"]
    assert abs(idx["ci_low"] - ref["imm_boot_percentile_ci"][0]) < tol
    assert abs(idx["ci_high"] - ref["imm_boot_percentile_ci"][1]) < tol
    for i, key in enumerate(("cond_indirect_w0_ci", "cond_indirect_w1_ci")):
        row = m7.conditional_indirect.iloc[i]
        tol = 0.15 * row["se"]
        assert abs(row["ci_low"] - ref[key][0]) < tol
        assert abs(row["ci_high"] - ref[key][1]) < tol


def test_result_layout(m7):
    assert isinstance(m7, ConditionalProcessResult)
    assert list(m7.index.columns) == ["term", "estimate", "se", "ci_low", "ci_high", "p_value"]
    assert list(m7.conditional_indirect.columns) == ["w", "effect", "se", "ci_low", "ci_high"]
    assert m7.n == 700 and m7.n_boot == 5000 and m7.seed == 7 and m7.n_singular == 0
    s = m7.summary()
    assert "PROCESS model 7" in s and "Index of moderated mediation" in s
    html = m7._repr_html_()
    assert html.count("<table") == 3


def _sim(seed=0, n=400):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    w = rng.normal(size=n)
    c = rng.normal(size=n)
    m = 0.4 * x + 0.2 * w + 0.3 * x * w + 0.1 * c + rng.normal(size=n)
    y = 0.5 * m + 0.2 * m * w + 0.1 * x + 0.1 * w + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y, "w": w, "c": c})


@pytest.mark.parametrize("model", [7, 8, 14, 58])
def test_models_match_statsmodels(model):
    df = _sim()
    res = moderated_mediation(
        df, "x", "m", "y", "w", covariates=["c"], model=model, n_boot=500, seed=1
    )
    d = df.assign(xw=df.x * df.w, mw=df.m * df.w)
    a_cols = ["x", "w", "xw", "c"] if model in (7, 8, 58) else ["x", "c"]
    a = sm.OLS(d["m"], sm.add_constant(d[a_cols])).fit().params
    y_cols = {
        7: ["x", "m", "c"],
        8: ["x", "w", "xw", "m", "c"],
        14: ["x", "m", "w", "mw", "c"],
        58: ["x", "m", "w", "mw", "c"],
    }[model]
    b = sm.OLS(d["y"], sm.add_constant(d[y_cols])).fit().params
    ws = res.probe_values
    np.testing.assert_allclose(ws, np.quantile(df.w, [0.16, 0.5, 0.84], method="weibull"))
    for v, eff in zip(ws, res.conditional_indirect["effect"]):
        aw = a["x"] + (a["xw"] * v if "xw" in a else 0.0)
        bw = b["m"] + (b["mw"] * v if "mw" in b else 0.0)
        assert eff == pytest.approx(aw * bw, rel=1e-9)
    if model == 58:
        assert res.index.empty
    else:
        expected = a["xw"] * b["m"] if model in (7, 8) else a["x"] * b["mw"]
        assert res.index["estimate"].iloc[0] == pytest.approx(expected, rel=1e-9)
    if model == 8:
        t = res.table.set_index("term")
        assert t.loc[f"direct[w={ws[0]:.4f}]", "estimate"] == pytest.approx(
            b["x"] + b["xw"] * ws[0], rel=1e-9
        )


def test_probe_options():
    w = np.arange(100.0)
    np.testing.assert_allclose(
        probe_values(w, "meansd"), [w.mean() - w.std(ddof=1), w.mean(), w.mean() + w.std(ddof=1)]
    )
    np.testing.assert_allclose(probe_values(w, [1, 2]), [1, 2])
    np.testing.assert_allclose(probe_values(np.array([0, 1, 1, 0.0]), "percentiles"), [0, 1])
    with pytest.raises(ModelError, match="probe"):
        probe_values(w, "quartiles")
    with pytest.raises(ModelError, match="probe"):
        probe_values(w, [np.nan])
    np.testing.assert_allclose(probe_values(w, 1.0), [1.0])  # one value is fine
    for bad, match in [([], "empty"), ([1, 1], "more than once"), ([np.inf], "finite"),
                       ("1", "probe"), ([[1, 2]], "flat"), ([True], "numbers")]:  # fmt: skip
        with pytest.raises(ModelError, match=match):
            probe_values(w, bad)


def test_close_probe_values_get_distinct_terms():
    """Probe values equal to 4 decimals must not share a term label (they once collided, so both
    rows showed the first value's effect)."""
    df = _sim(4)
    res = moderated_mediation(df, "x", "m", "y", "w", probe=[0.10001, 0.10002], n_boot=200, seed=1)
    cond = res.conditional_indirect
    assert cond["w"].tolist() == [0.10001, 0.10002]
    t = res.table.set_index("term")
    assert {"indirect:m[w=0.10001]", "indirect:m[w=0.10002]"} <= set(t.index)
    a = res.equations["m:m"].set_index("term")["estimate"]
    b = res.equations["y"].set_index("term")["estimate"]
    for v, eff in zip(cond["w"], cond["effect"], strict=True):
        assert eff == pytest.approx((a["x"] + a["x*w"] * v) * b["m"], rel=1e-12)
    assert cond["effect"].iloc[0] != cond["effect"].iloc[1]


def test_tied_percentiles_probed_once():
    df = _sim(5)
    df["w"] = np.where(df["w"] > df["w"].quantile(0.9), 2.0, np.where(df["w"] > -3, 1.0, 0.0))
    df.loc[df.index[:3], "w"] = 0.0  # three levels, 16th and 50th percentiles both 1
    res = moderated_mediation(df, "x", "m", "y", "w", n_boot=200, seed=1)
    assert len(res.probe_values) == len(set(res.probe_values)) < 3
    assert any("coincide" in n for n in res.notes)


def test_same_seed_identical():
    df = _sim(1)
    a = moderated_mediation(df, "x", "m", "y", "w", n_boot=300, seed=3)
    b = moderated_mediation(df, "x", "m", "y", "w", n_boot=300, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_bca_and_monte_carlo_run():
    df = _sim(2)
    for ci in ("bca", "monte_carlo"):
        r = moderated_mediation(df, "x", "m", "y", "w", n_boot=500, seed=3, ci=ci)
        row = r.index.iloc[0]
        assert row["ci_low"] < row["estimate"] < row["ci_high"]


def test_bad_inputs(sat):
    with pytest.raises(ModelError, match="model"):
        moderated_mediation(sat, "education", "SATV", "ACT", "female", model=3)
    with pytest.raises(DataValidationError, match="wmod"):
        moderated_mediation(sat, "education", "SATV", "ACT", "wmod")
    with pytest.raises(DataValidationError, match="both"):
        moderated_mediation(sat, "education", "SATV", "ACT", "SATV")
    with pytest.raises(DataValidationError, match="numeric"):
        moderated_mediation(
            sat.assign(g=sat["gender"].map({1: "m", 2: "f"})), "g", "SATV", "ACT", "female"
        )
    with pytest.raises(ModelError, match="n_boot"):
        moderated_mediation(sat, "education", "SATV", "ACT", "female", n_boot=5)


def test_plots(m7, tmp_path):
    from learning_direction.figures._style import save_figure

    ax = m7.plot()
    save_figure(ax.figure, tmp_path / "m7", formats=("png",))
    assert (tmp_path / "m7.png").exists()
    ax = m7.plot(kind="bootstrap", term="index:SATV")
    assert ax.get_xlabel() == "index of moderated mediation (SATV)"
    import matplotlib.pyplot as plt

    plt.close("all")


def test_probe_percentile_is_canonical_and_percentiles_an_alias():
    # moderate() and moderated_mediation() spell the option the same way; the plural (the old
    # default of moderated_mediation) still works and gives the same result
    df = _sim(6)
    kw = dict(n_boot=200, seed=2)
    default = moderated_mediation(df, "x", "m", "y", "w", **kw)
    singular = moderated_mediation(df, "x", "m", "y", "w", probe="percentile", **kw)
    plural = moderated_mediation(df, "x", "m", "y", "w", probe="Percentiles", **kw)
    pd.testing.assert_frame_equal(default.table, singular.table)
    pd.testing.assert_frame_equal(default.table, plural.table)
    np.testing.assert_allclose(
        default.probe_values, np.quantile(df["w"], [0.16, 0.5, 0.84], method="weibull")
    )
    with pytest.raises(ModelError, match="probe must be 'percentile' or 'meansd'"):
        moderated_mediation(df, "x", "m", "y", "w", probe="quartiles", **kw)


def test_shares_the_process_result_base_with_mediation():
    from dataclasses import fields

    from learning_direction.models._process_result import ProcessResult
    from learning_direction.models.mediation import MediationResult, mediate

    df = _sim(7)
    cp = moderated_mediation(df, "x", "m", "y", "w", n_boot=200, seed=1)
    med = mediate(df, "x", "m", "y", n_boot=200, seed=1)
    assert isinstance(cp, ProcessResult) and isinstance(med, ProcessResult)
    shared = {f.name for f in fields(ProcessResult)}
    assert len(shared) >= 20
    assert shared <= {f.name for f in fields(ConditionalProcessResult)}
    assert shared <= {f.name for f in fields(MediationResult)}
    for res in (cp, med):
        assert "n_singular" in res._meta() and res._meta()["ci"] == "percentile"
        assert "Number of bootstrap samples for percentile" in res.summary()
    assert cp._meta()["model"] == 7 and "model" not in med._meta()
    assert "Index of moderated mediation" in cp.summary()
    with pytest.raises(ModelError, match="kind must be 'path' or 'bootstrap'"):
        cp.plot(kind="forest")
