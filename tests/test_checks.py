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
