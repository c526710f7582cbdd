"""Bootstrap percentile intervals of defined parameters (``ld.sem(..., bootstrap=, seed=)``).

Resamples come from the toolkit's resampling engine (``models.bootstrap.run_bootstrap``), so a
seed gives the same intervals. The intervals are compared with the delta-method ones within
resampling error (200 resamples: 0.25 of the delta-method standard error), never exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

import learning_direction as ld
from _reference import reference_csv
from learning_direction.exceptions import ModelError

MODEL = "y1 ~ a*x1\ny5 ~ b*y1 + x1\nind := a*b"


@pytest.fixture(scope="module")
def boot():
    return ld.sem(reference_csv("sem_political_democracy.csv"), MODEL, bootstrap=200, seed=7)


def test_bootstrap_intervals_of_defined_parameters(boot):
    plain = ld.sem(reference_csv("sem_political_democracy.csv"), MODEL)
    ind = boot.table[boot.table.op == ":="].iloc[0]
    ref = plain.table[plain.table.op == ":="].iloc[0]
    assert ind.estimate == pytest.approx(ref.estimate, rel=1e-12)
    assert ind.se == pytest.approx(ref.se, rel=1e-12)  # the delta-method SE is kept
    assert (ind.ci_low, ind.ci_high) != (ref.ci_low, ref.ci_high)
    assert ind.ci_low == pytest.approx(ref.ci_low, abs=0.25 * ref.se)
    assert ind.ci_high == pytest.approx(ref.ci_high, abs=0.25 * ref.se)
    others = boot.table.op != ":="
    np.testing.assert_array_equal(boot.table.ci_low[others], plain.table.ci_low[others])
    assert (boot.n_boot, boot.seed) == (200, 7)
    assert boot.boot_draws.shape == (200, 1)
    assert any("bootstrap percentile, 200 resamples of rows (seed 7)" in n for n in boot.notes)
    assert "bootstrap: 200 resamples (seed 7)" in boot.summary()


def test_same_seed_same_intervals(boot):
    df = reference_csv("sem_political_democracy.csv")
    first = ld.sem(df, MODEL, bootstrap=100, seed=7)
    np.testing.assert_array_equal(first.boot_draws, boot.boot_draws.iloc[:100])
    other = ld.sem(df, MODEL, bootstrap=100, seed=8)
    assert not np.array_equal(other.boot_draws, first.boot_draws)


def test_bootstrap_with_fiml():
    df = reference_csv("sem_poldem_missing.csv")
    res = ld.sem(df, "y1 ~ a*y2\ny5 ~ b*y1\nind := a*b", missing="fiml", bootstrap=100, seed=3)
    row = res.table[res.table.op == ":="].iloc[0]
    assert row.ci_low < row.estimate < row.ci_high
    assert res.boot_draws.notna().all().all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bootstrap": 10}, "at least 100"),
        ({"bootstrap": 200, "seed": -1}, "seed must be"),
        ({"bootstrap": 200, "group": "g"}, "single-group, single-level"),
    ],
)
def test_bad_bootstrap_options(kwargs, match):
    df = reference_csv("sem_political_democracy.csv").assign(g=["a", "b"] * 37 + ["a"])
    with pytest.raises(ModelError, match=match):
        ld.sem(df, MODEL, **kwargs)


def test_bootstrap_needs_defined_parameters():
    df = reference_csv("sem_political_democracy.csv")
    with pytest.raises(ModelError, match="defined parameters"):
        ld.sem(df, "y1 ~ x1", bootstrap=100, seed=1)
