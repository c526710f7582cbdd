"""MLR (``estimator="MLR"``) of the SEM engine against lavaan 0.6-14 ``estimator = "MLR"``.

Fixtures (``tests/reference/sem_mlr.json``, ``make_sem_extended_reference.R``): the
Holzinger-Swineford CFA, Bollen's political-democracy model with ``:=`` effects, an
observed-variable mediation with exogenous covariates (``fixed.x``, no mean structure), the five
factors of psychTools' ``bfi`` (2,436 complete rows; and FIML on all 2,800), the HS CFA with
values missing at random (FIML) and two groups with equal loadings.

Checked: Huber-White standard errors (observed-information bread, casewise-score meat), the
Yuan-Bentler scaling factor (Mplus variant) of the model and of the baseline, lavaan's
``scaling.factor.h1``/``h0``, the ``*.scaled`` and ``*.robust`` fit measures.

Tolerances (relative): against lavaan's printed fit, estimates within
``1e-3 * max(|est|, se)``, SEs, z, p and every fit measure within 1e-3; against the tight
refit (BFGS at ``reltol = 1e-14``, EM at 1e-12), estimates and SEs within
``5e-5 * max(|est|, se)``, fit measures within 2e-5.
"""

from __future__ import annotations

import numpy as np
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from _sem_agreement import check_fit, check_parameters, check_tight, fit_fixture
from learning_direction.exceptions import ModelError

FILE = "sem_mlr.json"
FITS = reference_json(FILE)["fits"]
SCALED = {"chisq_scaled", "scaling_factor", "cfi_scaled", "rmsea_scaled", "cfi_robust"}


def _fit(name):
    return fit_fixture(FILE, name, FITS[name])


@pytest.mark.parametrize("name", list(FITS))
def test_estimates_and_robust_standard_errors_match_lavaan(name):
    check_parameters(_fit(name), FITS[name], 1e-3)


@pytest.mark.parametrize("name", list(FITS))
def test_scaled_and_robust_fit_measures_match_lavaan(name):
    compared = check_fit(_fit(name), FITS[name]["fit"], 1e-3)
    assert SCALED <= set(compared)


@pytest.mark.parametrize("name", list(FITS))
def test_agreement_with_lavaans_exact_optimum(name):
    check_tight(_fit(name), FITS[name]["tight"], 5e-5, 2e-5)


def test_result_says_which_test_and_standard_errors():
    res = _fit("hs")
    assert (res.estimator, res.se, res.test, res.information) == (
        "MLR",
        "robust",
        "yuan.bentler.mplus",
        "observed",
    )
    text = res.summary()
    assert "Yuan-Bentler" in text and "Robust CFI" in text and "scaling factor" in text


def test_mlr_estimates_equal_ml_and_standard_se_option_gives_observed_information():
    df = reference_csv("holzinger_swineford.csv")
    model = FITS["hs"]["model"]
    mlr = _fit("hs")
    ml = ld.sem(df, model, information="observed")
    np.testing.assert_allclose(mlr.table.estimate, ml.table.estimate, atol=1e-8)
    assert not np.allclose(mlr.table.se, ml.table.se)
    plain = ld.sem(df, model, estimator="MLR", se="standard")
    np.testing.assert_allclose(plain.table.se, ml.table.se, rtol=1e-8)
    assert plain.fit["chisq_scaled"].iloc[0] == pytest.approx(
        mlr.fit["chisq_scaled"].iloc[0], rel=1e-10
    )


def test_defined_parameters_get_sandwich_delta_method_se():
    res = _fit("poldem")
    ref = {r["lhs"]: r for r in FITS["poldem"]["parameters"] if r["op"] == ":="}
    tab = res.table.set_index("lhs")
    for name in ("ind", "total"):
        assert tab.loc[name, "se"] == pytest.approx(ref[name]["se"], rel=1e-3)


def test_mlr_two_level_is_refused():
    df = reference_csv("sem_twolevel_mediation.csv")
    with pytest.raises(ModelError, match="MLR estimation of two-level models is not built yet"):
        ld.sem(df, "level: 1\n y ~ x\nlevel: 2\n y ~ x", cluster="cluster", estimator="MLR")
