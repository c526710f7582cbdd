"""FIML (``missing="fiml"``) of the SEM engine against lavaan 0.6-14 ``missing = "ml"``.

Fixtures (``tests/reference/sem_fiml.json``, ``make_sem_extended_reference.R``): the
Holzinger-Swineford CFA with values missing completely at random (and two rows missing every
item) and at random; the same with the first loading free, the factor variance fixed and an
intercept; Bollen's political-democracy model with 8% missing; an observed-variable mediation
with exogenous covariates (``fixed.x``: rows missing a covariate are left out); a two-group CFA
with equal loadings.

Tolerances (relative unless said otherwise):

* against lavaan's printed fit (nlminb's default stop, EM to ``em.h1.tol = 1e-5``): estimates,
  CI bounds within ``1e-3 * max(|est|, se)``; SEs, z, p within 1e-3; std.all within
  ``1e-3 * max(|std|, 0.1)``; every fit measure lavaan reports (standard and FIML-corrected
  robust) within 1e-3 (scale at least 1e-3);
* against the same models refitted by lavaan with BFGS at ``reltol = 1e-14`` and EM at 1e-12:
  estimates within ``5e-5 * max(|est|, se)`` (the political-democracy path model has a nearly
  flat likelihood along an intercept and a slope: 2.5e-5), SEs within 5e-5, fit measures within
  2e-5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from _sem_agreement import check_fit, check_parameters, check_tight, fit_fixture
from learning_direction.exceptions import ModelError

FILE = "sem_fiml.json"
FITS = reference_json(FILE)["fits"]


def _fit(name):
    return fit_fixture(FILE, name, FITS[name])


@pytest.mark.parametrize("name", list(FITS))
def test_estimates_and_standard_errors_match_lavaan(name):
    check_parameters(_fit(name), FITS[name], 1e-3)


@pytest.mark.parametrize("name", list(FITS))
def test_fit_measures_match_lavaan(name):
    compared = check_fit(_fit(name), FITS[name]["fit"], 1e-3)
    assert {"cfi_robust", "rmsea_robust", "rmsea_ci_high_robust", "srmr"} <= set(compared)


@pytest.mark.parametrize("name", list(FITS))
def test_agreement_with_lavaans_exact_optimum(name):
    check_tight(_fit(name), FITS[name]["tight"], 5e-5, 2e-5)


@pytest.mark.parametrize("name", list(FITS))
def test_rows_and_patterns_match_lavaan(name):
    fx = FITS[name]
    res = _fit(name)
    assert res.n == sum(fx["nobs"])
    assert res.n_dropped == sum(fx["norig"]) - sum(fx["nobs"])
    ours = res.patterns
    assert res.n_patterns == len(ours) == sum(len(p["freq"]) for p in fx["patterns"])
    assert int(res.fit["n_patterns"].iloc[0]) == res.n_patterns
    names = [c for c in ours.columns if c not in ("group", "pattern", "n", "n_observed")]
    groups = [None] if "group" not in ours else list(dict.fromkeys(ours["group"]))
    for g, ref in zip(groups, fx["patterns"], strict=True):
        part = ours if g is None else ours[ours["group"] == g]
        mine = sorted(
            (int(n), tuple(int(v) for v in row))
            for n, row in zip(part["n"], part[names].to_numpy(), strict=True)
        )
        theirs = sorted(
            (int(n), tuple(int(bool(v)) for v in obs))
            for n, obs in zip(ref["freq"], ref["observed"], strict=True)
        )
        assert mine == theirs
        assert list(part["n"]) == sorted(part["n"], reverse=True)


def test_empty_rows_are_left_out_and_reported():
    res = _fit("hs_mcar")
    assert (res.n, res.n_dropped) == (299, 2)
    assert res.dropped == {"missing every model variable": 2}
    assert any("2 of 301 rows left out: missing every model variable (2)" in n for n in res.notes)
    assert "missing-data patterns" in res.summary() and "FIML-corrected" in res.summary()


def test_rows_missing_a_fixed_covariate_are_left_out_as_lavaan_does():
    res = _fit("poldem_path")
    df = reference_csv("sem_poldem_missing.csv")
    gone = int(df[["x1", "x2"]].isna().any(axis=1).sum())
    assert res.n_dropped == gone == 13
    assert sum(res.dropped.values()) == 13
    assert set(res.dropped) <= {
        "missing the exogenous covariate 'x1' (fixed.x)",
        "missing the exogenous covariate 'x2' (fixed.x)",
    }
    assert any("rows missing a covariate are left out" in n for n in res.notes)


def test_complete_data_fiml_equals_listwise_ml_with_observed_information():
    df = reference_csv("holzinger_swineford.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    fiml = ld.sem(df, model, missing="fiml")
    ml = ld.sem(df, model, meanstructure=True, information="observed")
    np.testing.assert_allclose(fiml.table.estimate, ml.table.estimate, atol=1e-7)
    np.testing.assert_allclose(fiml.table.se, ml.table.se, rtol=1e-6, atol=1e-10)
    for key in ("chisq", "df", "cfi", "rmsea", "srmr", "loglik"):
        assert fiml.fit[key].iloc[0] == pytest.approx(ml.fit[key].iloc[0], rel=1e-7, abs=1e-9)
    assert fiml.n_patterns == 1


def test_fiml_uses_rows_that_listwise_drops():
    df = reference_csv("sem_hs_mar.csv")
    model = FITS["hs_mar"]["model"]
    listwise = ld.sem(df, model)
    fiml = ld.sem(df, model, missing="fiml")
    assert fiml.n == 301 and listwise.n < 301
    assert listwise.n + listwise.n_dropped == 301
    assert fiml.missing == "fiml" and "FIML" in fiml.method


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"missing": "fiml", "meanstructure": False}, "meanstructure=False is not possible"),
        ({"missing": "pairwise"}, "missing must be"),
    ],
)
def test_bad_fiml_options(kwargs, match):
    df = reference_csv("sem_hs_mar.csv")
    with pytest.raises(ModelError, match=match):
        ld.sem(df, FITS["hs_mar"]["model"], **kwargs)


def test_fiml_two_level_is_refused():
    df = reference_csv("sem_twolevel_mediation.csv")
    model = "level: 1\n y ~ x\nlevel: 2\n y ~ x"
    with pytest.raises(ModelError, match="FIML estimation of two-level models is not built yet"):
        ld.sem(df, model, cluster="cluster", missing="fiml")


def test_a_row_missing_everything_in_one_group_keeps_the_others():
    df = reference_csv("sem_hs_mar.csv")
    df.loc[[0, 1], [f"x{i}" for i in range(1, 10)]] = np.nan
    res = ld.sem(df, FITS["hs_mar"]["model"], missing="fiml", group="school")
    assert res.n == 299 and res.n_per_group[0] + res.n_per_group[1] == 299
    assert isinstance(res.patterns, pd.DataFrame) and "group" in res.patterns


def test_expected_information_with_fiml_matches_lavaan():
    # lavaan: cfa(model, data = mar, missing = "ml", information = "expected",
    #             optim.method = "BFGS", control = list(reltol = 1e-14)); parameterEstimates()$se
    ref = [0.10134313042, 0.11645789720, 0.06763689693, 0.05229489336, 0.18222184840]
    ref += [0.16293903766, 0.14115125305, 0.10850025494, 0.10081354997]
    res = ld.sem(
        reference_csv("sem_hs_mar.csv"),
        FITS["hs_mar"]["model"],
        missing="fiml",
        information="expected",
    )
    se = res.table.se.to_numpy()[[1, 2, 4, 5, 7, 8, 9, 10, 11]]
    np.testing.assert_allclose(se, ref, rtol=1e-5)
    assert res.information == "expected"


def test_mlr_with_expected_information_matches_lavaan():
    # lavaan: cfa(model, data = mar, missing = "ml", estimator = "MLR", information = "expected",
    #             optim.method = "BFGS", control = list(reltol = 1e-14), em.h1.tol = 1e-12)
    res = ld.sem(
        reference_csv("sem_hs_mar.csv"),
        FITS["hs_mar"]["model"],
        missing="fiml",
        estimator="MLR",
        information="expected",
    )
    f = res.fit.iloc[0]
    assert f["scaling_factor"] == pytest.approx(1.000404780773, rel=1e-6)
    assert f["baseline_scaling_factor"] == pytest.approx(1.001863139193, rel=1e-5)
    assert f["cfi_robust"] == pytest.approx(0.937219138752, rel=1e-6)
    np.testing.assert_allclose(res.table.se[1:3], [0.09640445915, 0.12895577775], rtol=1e-5)
