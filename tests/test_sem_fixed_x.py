"""``ld.sem(fixed_x=False)`` against lavaan 0.6-14 ``fixed.x = FALSE``.

With ``fixed.x = FALSE`` lavaan frees the variances, covariances and (with a mean structure)
means of the exogenous observed covariates. Before this was built, ``fixed_x=False`` freed their
variances but left their covariances out (a misfit, chi-square 85 on 1 df for a saturated
regression). Fixtures (``tests/reference/sem_fixed_x.json``, ``make_sem_fixed_x_reference.R``):
a regression and a latent outcome on complete Holzinger-Swineford data, a FIML mediation whose
covariate x2 is missing at random (the rows missing x2 stay in), and a two-group FIML regression.

Tolerances as in ``test_sem_fiml.py``: 1e-3 relative against lavaan's printed fit (nlminb's
default stop), 5e-5 (estimates, SEs) and 2e-5 (fit) against the tight refits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from _sem_agreement import check_fit, check_parameters, check_tight, fit_fixture

FILE = "sem_fixed_x.json"
FITS = reference_json(FILE)["fits"]


def _fit(name):
    return fit_fixture(FILE, name, FITS[name])


@pytest.mark.parametrize("name", list(FITS))
def test_estimates_and_standard_errors_match_lavaan(name):
    check_parameters(_fit(name), FITS[name], 1e-3)


@pytest.mark.parametrize("name", list(FITS))
def test_fit_measures_match_lavaan(name):
    ref = dict(FITS[name]["fit"])
    res = _fit(name)
    if ref["df"] == 0:
        # a saturated model: lavaan's SRMR at nlminb's default stop is optimiser noise (1.2e-6
        # for the two-group regression); both are zero up to that noise
        assert res.fit["srmr"].iloc[0] < 1e-5 and ref.pop("srmr") < 1e-5
    compared = check_fit(res, ref, 1e-3)
    assert {"chisq", "df", "cfi", "baseline_chisq", "baseline_df", "loglik"} <= set(compared)


@pytest.mark.parametrize("name", list(FITS))
def test_agreement_with_lavaans_exact_optimum(name):
    tight = dict(FITS[name]["tight"])
    if tight["fit"]["df"] == 0:  # SRMR of a saturated model: zero up to lavaan's noise (8e-8)
        tight["fit"] = {k: v for k, v in tight["fit"].items() if k != "srmr"}
        assert tight["fit"]["chisq"] < 1e-6
    check_tight(_fit(name), tight, 5e-5, 2e-5)


@pytest.mark.parametrize("name", list(FITS))
def test_free_exogenous_rows_match_lavaans_partable(name):
    """Which rows exist and which are free: the covariances among the covariates are free."""
    fx = FITS[name]
    pt = pd.DataFrame(fx["partable"])
    res = _fit(name)
    mine = {(r.lhs, r.op, r.rhs) for r in res.table.itertuples() if r.op in ("~~", "~1")}
    theirs = {(r.lhs, r.op, r.rhs) for r in pt.itertuples() if r.op in ("~~", "~1")}
    assert mine == theirs
    assert (pt.loc[pt.op.isin(["~~", "~1"]), "exo"] == 0).all()
    # every free parameter has a standard error (none is silently fixed)
    assert res.table.loc[res.table.op == "~~", "se"].gt(0).all()


def test_rows_missing_a_covariate_stay_in_the_fiml_fit():
    fx = FITS["mediation_fiml"]
    df = reference_csv(fx["data"])
    res = _fit("mediation_fiml")
    used = df[["x1", "x2", "x5", "x9"]].notna().any(axis=1).sum()
    assert res.n == sum(fx["nobs"]) == used
    fixed = ld.sem(df, fx["model"], missing="fiml")  # fixed.x = TRUE: rows missing x2 deleted
    assert fixed.n == int(df[["x1", "x2"]].notna().all(axis=1).sum()) < res.n


def test_saturated_regression_fits_perfectly_with_free_covariates():
    rng = np.random.default_rng(1)
    x1 = rng.normal(size=300)
    x2 = 0.5 * x1 + rng.normal(size=300)
    d = pd.DataFrame({"x1": x1, "x2": x2, "y": 0.3 * x1 + 0.2 * x2 + rng.normal(size=300)})
    free, fixed = (ld.sem(d, "y ~ x1 + x2", fixed_x=fx) for fx in (False, True))
    assert free.fit["df"].iloc[0] == 0 and free.fit["chisq"].iloc[0] == pytest.approx(0, abs=1e-8)
    assert free.fit["npar"].iloc[0] == fixed.fit["npar"].iloc[0] + 3
    cov = free.table.set_index(["lhs", "op", "rhs"]).loc[("x1", "~~", "x2")]
    assert cov["estimate"] == pytest.approx(np.cov(x1, x2, ddof=0)[0, 1], rel=1e-6)
    pd.testing.assert_series_equal(
        free.table.loc[free.table.op == "~", "estimate"].reset_index(drop=True),
        fixed.table.loc[fixed.table.op == "~", "estimate"].reset_index(drop=True),
        rtol=1e-6,
    )
