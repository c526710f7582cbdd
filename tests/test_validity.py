"""ld.ave, ld.composite_reliability, ld.htmt, ld.fornell_larcker and ld.common_method against
semTools 0.5-6 / lavaan 0.6 (``tests/reference/validity_reference.json``, made by
``make_validity_reference.R``), closed forms, and their bad inputs.

Tolerances: 1e-5 absolute for quantities of the ML solution (both optimisers stop at a relative
gradient of about 1e-7; the observed differences are below 1e-6); 1e-12 for HTMT from the
listwise sample correlations (no optimisation involved).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError

HS_MODEL = "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
Y_MODEL = "f1 =~ y1 + y2 + y3 + y4\n f2 =~ y5 + y6 + y7 + y8\n f3 =~ y9 + y10 + y11 + y12"
REF = reference_json("validity_reference.json")


@pytest.fixture(scope="module")
def fits():
    return {
        "complete": ld.cfa(reference_csv("holzinger_swineford.csv"), HS_MODEL),
        "mar_fiml": ld.cfa(reference_csv("sem_hs_mar.csv"), HS_MODEL, missing="fiml"),
    }


@pytest.mark.parametrize("case", ["complete", "mar_fiml"])
def test_htmt_and_htmt2_match_semtools(fits, case):
    ref, fit = REF[case], fits[case]
    tol = 1e-12 if case == "complete" else 1e-5  # FIML: EM estimates of the correlations
    np.testing.assert_allclose(ld.htmt(fit).to_numpy(), np.array(ref["htmt"]), atol=tol)
    np.testing.assert_allclose(
        ld.htmt(fit, htmt2=True).to_numpy(), np.array(ref["htmt2"]), atol=tol
    )
    assert list(ld.htmt(fit).columns) == ref["factors"]


@pytest.mark.parametrize("case", ["complete", "mar_fiml"])
def test_ave_and_cr_match_semtools_unstandardized(fits, case):
    ref, fit = REF[case], fits[case]
    ave = ld.ave(fit, standardized=False)
    cr = ld.composite_reliability(fit, standardized=False)
    for f in ref["factors"]:
        assert ave[f] == pytest.approx(ref["ave"][f], abs=1e-5)
        assert cr[f] == pytest.approx(ref["composite_reliability"][f], abs=1e-5)


def test_standardized_ave_cr_closed_form(fits):
    fit = fits["complete"]
    for f, rows in fit.table.groupby("factor", sort=False):
        lam = rows["std_estimate"].to_numpy()
        assert ld.ave(fit)[f] == pytest.approx(np.mean(lam**2), rel=1e-12)
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
        assert ld.composite_reliability(fit)[f] == pytest.approx(cr, rel=1e-12)
    # the two definitions differ when the item variances differ (HS: x-variables 0.4 to 1.4)
    assert not np.allclose(ld.ave(fit), ld.ave(fit, standardized=False), atol=1e-3)


@pytest.mark.parametrize("case", ["complete", "mar_fiml"])
def test_fornell_larcker_table(fits, case):
    ref, fit = REF[case], fits[case]
    fl = ld.fornell_larcker(fit)
    cor = np.array(ref["cor_lv"])
    low = np.tril_indices(3, -1)
    np.testing.assert_allclose(fl.to_numpy()[low], cor[low], atol=1e-5)
    np.testing.assert_allclose(np.diag(fl), np.sqrt(ld.ave(fit)), rtol=1e-12)
    assert np.isnan(fl.to_numpy()[np.triu_indices(3, 1)]).all()


def test_validity_functions_refuse_groups_and_other_objects():
    hs = reference_csv("holzinger_swineford.csv")
    grouped = ld.cfa(hs, HS_MODEL, group="school")
    for fn in (ld.ave, ld.htmt, ld.fornell_larcker, ld.composite_reliability):
        with pytest.raises(ModelError, match="one-group"):
            fn(grouped)
        with pytest.raises(ModelError, match=r"ld\.cfa"):
            fn(hs)


@pytest.fixture(scope="module")
def cm():
    return ld.common_method(reference_csv("validity_method.csv"), Y_MODEL)


def test_common_method_matches_lavaan(cm):
    ref = REF["method_data"]
    t = cm.table.set_index("model")
    one = t.loc["one factor (Harman)"]
    for key in ("chisq", "cfi", "rmsea", "srmr"):
        assert one[key] == pytest.approx(ref["harman"]["fit"][key], abs=1e-5)
        assert t.loc["traits", key] == pytest.approx(ref["trait_fit"][key], abs=1e-5)
    assert cm.harman_share == pytest.approx(ref["harman"]["first_eigen_share"], rel=1e-10)
    ulmc = REF["ulmc"]["equal"]
    meth = t.loc["traits + method factor"]
    for key in ("chisq", "cfi", "tli", "rmsea", "srmr"):
        assert meth[key] == pytest.approx(ulmc["fit"][key], abs=1e-5)
    assert meth["delta_chisq"] == pytest.approx(ulmc["delta_chisq"], abs=1e-4)
    assert int(meth["delta_df"]) == ulmc["delta_df"]
    assert meth["p_delta"] == pytest.approx(ulmc["p_delta"], abs=1e-5)
    assert cm.method_share == pytest.approx(ulmc["method_share"], abs=1e-5)
    std = dict(zip(cm.method_loadings["item"], cm.method_loadings["std_estimate"], strict=True))
    for item, value in ulmc["method_std"].items():
        assert std[item] == pytest.approx(value, abs=1e-5)
    assert "Common-method" in cm.summary() and "<table" in cm._repr_html_()


def test_common_method_needs_two_factors():
    d = reference_csv("validity_method.csv")
    with pytest.raises(ModelError, match="at least two factors"):
        ld.common_method(d, "f1 =~ y1 + y2 + y3 + y4")


def _lindell_whitney(r, rm, n):
    adj = (r - rm) / (1 - rm)
    t = adj / np.sqrt((1 - adj**2) / (n - 3))
    return adj, t


def test_marker_adjustment_closed_form():
    rng = np.random.default_rng(3)
    n = 250
    method = rng.normal(size=n)
    d = pd.DataFrame(
        {
            "a": rng.normal(size=n) + 0.4 * method,
            "b": rng.normal(size=n) + 0.4 * method,
            "marker": rng.normal(size=n) + 0.4 * method,
        }
    )
    d["c"] = 0.5 * d["a"] + rng.normal(size=n)
    t = ld.marker_adjusted_correlations(d, ["a", "b", "c"], "marker")
    r = d[["a", "b", "c", "marker"]].corr()
    rm = min(v for v in r.loc[["a", "b", "c"], "marker"] if v > 0)
    row = t.iloc[0]
    adj, tt = _lindell_whitney(r.loc["a", "b"], rm, n)
    assert row["r_marker"] == pytest.approx(rm, rel=1e-12)
    assert row["r_adjusted"] == pytest.approx(adj, rel=1e-12)
    assert row["t"] == pytest.approx(tt, rel=1e-12)
    from scipy import stats

    assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(tt), n - 3), rel=1e-10)
    assert len(t) == 3 and (t["n"] == n).all()
    fixed = ld.marker_adjusted_correlations(d, ["a", "b"], "marker", r_marker=0.0)
    assert fixed["r_adjusted"].iloc[0] == pytest.approx(r.loc["a", "b"], rel=1e-12)


def test_marker_bad_inputs():
    d = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6], "b": [2.0, 1, 4, 3, 6, 5], "m": [1.0] * 6})
    with pytest.raises(DataValidationError, match="'zz'"):
        ld.marker_adjusted_correlations(d, ["a", "zz"], "m")
    with pytest.raises(DataValidationError, match="at least two"):
        ld.marker_adjusted_correlations(d, ["a"], "m")
    with pytest.raises(DataValidationError, match="r_marker"):
        ld.marker_adjusted_correlations(d, ["a", "b"], "m", r_marker=1.5)
    with pytest.raises(DataValidationError, match="marker column 'nope'"):
        ld.common_method(reference_csv("validity_method.csv"), Y_MODEL, marker="nope")
