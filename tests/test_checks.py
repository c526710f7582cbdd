"""The shared option checks (one wording for one mistake across analyses)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction._core.checks import check_level
from learning_direction.exceptions import DataValidationError, ModelError


@pytest.mark.parametrize("good", [0.95, 0.9, np.float64(0.99), 0.5])
def test_level_accepted(good):
    assert check_level(good) == float(good)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("95", r"ci_level must be a number .* got '95'$"),
        (95, r"did you mean ci_level=0\.95"),
        (True, "got True"),
        (float("nan"), "got nan"),
        (1.0, "got 1.0$"),
        (0, "got 0$"),
        (None, "got None"),
    ],
)
def test_level_refused_with_a_clear_message(bad, match):
    with pytest.raises(ModelError, match=match):
        check_level(bad)


def test_level_uses_the_callers_name_and_error():
    with pytest.raises(DataValidationError, match=r"power_ci_level=0\.9\b"):
        check_level(90, "power_ci_level", DataValidationError)


@pytest.mark.parametrize("fn", ["reliability", "cfa", "power_mediation"])
def test_text_ci_level_is_an_error_not_a_type_error(fn):
    """reliability(ci_level="95") used to fail inside a comparison with a TypeError."""
    sc = ld.load_scale("learning_direction")
    rng = np.random.default_rng(0)
    f = rng.normal(size=80)
    df = pd.DataFrame(
        {i: np.clip(np.round(4 + f + rng.normal(size=80)), 1, 7) for i in sc.item_ids}
    )
    if fn == "reliability":
        with pytest.raises(DataValidationError, match="ci_level"):
            ld.reliability(df, sc, ci_level="95")
    elif fn == "cfa":
        with pytest.raises(ModelError, match="ci_level"):
            ld.cfa(df, sc, ci_level="95")
    else:
        with pytest.raises(ModelError, match="power_ci_level"):
            ld.power_mediation(a=0.3, b=0.3, n=[50], n_reps=10, power_ci_level="0.9")


# --------------------------------------------------------------------------- choice() in models
def _mediation_data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    w = rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "w": w, "y": 0.4 * m + rng.normal(size=n)})


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda d: ld.regress(d, "y ~ x", se="HC9"), DataValidationError, r"se must be .*'HC4'"),
        (lambda d: ld.logit(d.assign(y=d.y > 0), "y ~ x", se="robust"), DataValidationError,
         r"se must be 'classical', .* got 'robust'"),
        (lambda d: ld.mediate(d, "x", "m", "y", ci="bca2", n_boot=100), ModelError,
         r"ci must be 'percentile', 'bca' or 'monte_carlo', got 'bca2' \(did you mean 'bca'\?\)"),
        (lambda d: ld.mediate(d, "x", "m", "y", outcome="probit", n_boot=100), ModelError,
         r"outcome must be 'auto', 'linear' or 'logistic'"),
        (lambda d: ld.mediate(d, "x", "m", "y", design="3-1-1", n_boot=100), ModelError,
         r"design must be 'auto', '2-2-1' or 'single-level'"),
        (lambda d: ld.mediate(d, "x", "m", "y", ci="bca", bca_influence="jack", n_boot=100),
         ModelError, r"bca_influence must be 'jackknife' or 'regression'"),
        (lambda d: ld.moderate(d, "x", "w", "y", probe="quartile"), DataValidationError,
         r"probe must be 'percentile' or 'meansd', got 'quartile'"),
        (lambda d: ld.moderated_mediation(d, "x", "m", "y", "w", probe="sd", n_boot=100),
         ModelError, r"probe must be 'percentile' or 'meansd'"),
        (lambda d: ld.power_mediation(a=0.3, b=0.3, n=[50], n_reps=5, method="mc"), ModelError,
         r"method must be 'monte_carlo', 'percentile' or 'joint', got 'mc'"),
    ],
)  # fmt: skip
def test_model_options_use_the_shared_wording(call, error, match):
    with pytest.raises(error, match=match):
        call(_mediation_data())


def test_model_options_ignore_case_and_accept_aliases():
    d = _mediation_data()
    a = ld.regress(d, "y ~ x", se="hc3")
    assert a.se_type == "HC3"
    assert ld.regress(d, "y ~ x", se="nonrobust").se_type == "classical"
    med = ld.mediate(d, "x", "m", "y", ci="BCa", n_boot=200, seed=1)
    assert med.ci == "bca"
    assert ld.moderate(d, "x", "w", "y", probe="percentiles").probe == "percentile"
