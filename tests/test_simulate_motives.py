"""Tests of the mentor-motives simulator (learning_direction.simulate.motives)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import ConfigError
from learning_direction.scales.codebook import load_scale
from learning_direction.simulate import MotivesParams, simulate_motives
from learning_direction.simulate.motives import MOTIVES_SCALES


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return simulate_motives(seed=3)


def test_same_seed_identical_output(sim):
    pd.testing.assert_frame_equal(sim, simulate_motives(seed=3))
    assert not sim.equals(simulate_motives(seed=4))


def test_layout_one_row_per_pair(sim):
    p = MotivesParams()
    assert sim["mentor_id"].nunique() == p.n_mentors
    assert sim["pair_id"].is_unique and sim["mentee_id"].is_unique
    sizes = sim.groupby("mentor_id").size()
    assert sizes.between(p.mentees_min, p.mentees_max).all()
    items = [i for s in MOTIVES_SCALES for i in load_scale(s).item_ids]
    assert list(sim.columns) == ["pair_id", "mentor_id", "mentee_id", *items]


def test_mentor_items_constant_within_mentor(sim):
    mentor_items = [
        i for s in ("mentor_motives", "mentoring_behaviors") for i in load_scale(s).item_ids
    ]
    nun = sim.groupby("mentor_id")[mentor_items].nunique(dropna=False)
    assert (nun <= 1).all().all()


def test_answers_in_range_with_some_missing(sim):
    mf = list(load_scale("mentoring_functions").item_ids)
    assert sim[mf].stack().dropna().between(1, 5).all()
    mot = load_scale("mentor_motives").item_ids
    assert sim[mot].stack().dropna().between(1, 7).all()
    share = sim[mot + mf].isna().to_numpy().mean()
    assert 0.01 < share < 0.06


def test_documented_directions_in_a_large_sample():
    d = simulate_motives(MotivesParams(n_mentors=1500, careless_rate=0.0), seed=11)
    s = d.join(ld.score(d, list(MOTIVES_SCALES)).scores)
    m = s.drop_duplicates("mentor_id")
    assert np.corrcoef(m["self_focused"], m["self_focused_behavior"])[0, 1] > 0.2
    assert np.corrcoef(m["other_focused"], m["other_focused_behavior"])[0, 1] > 0.2
    c = (
        s[["other_focused_behavior", "self_focused_behavior", "relationship_quality"]]
        .dropna()
        .corr()
    )
    assert c.loc["other_focused_behavior", "relationship_quality"] > 0.15
    assert c.loc["self_focused_behavior", "relationship_quality"] < -0.05


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_mentors": 5},
        {"mentees_min": 3, "mentees_max": 2},
        {"icc": 1.0},
        {"loading": 1.2},
        {"r_self_other": 0.99},
    ],
)
def test_bad_params_raise(kwargs):
    with pytest.raises(ConfigError):
        MotivesParams(**kwargs)


def test_bundled_dataset_registered():
    d = ld.load_dataset("motives")
    assert len(d) > 250 and d["mentor_id"].nunique() == 150
    cb = ld.datasets.codebook("motives")
    assert set(cb["column"]) == set(d.columns)
    assert cb.set_index("column").loc["pair_id", "type"] == "id"
    assert "motives" in list(ld.list_datasets()["name"])
