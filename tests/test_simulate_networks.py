"""Simulated developmental networks: structure, reproducibility and the downward link."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from learning_direction.exceptions import ConfigError, DataValidationError
from learning_direction.networks import LEVELS, SPHERES, network_change, network_metrics
from learning_direction.simulate.networks import NetworkSimParams, simulate_networks

ALTER_COLUMNS = [
    "ego_id",
    "wave",
    "alter_id",
    "role",
    "relative_level",
    "sphere",
    "closeness",
    "frequency",
    "career_support",
    "psychosocial_support",
]


@pytest.fixture(scope="module")
def sim():
    return simulate_networks(n_egos=60, waves=2, seed=11)


def test_columns_and_codes(sim):
    alters, ties = sim
    assert list(alters.columns) == ALTER_COLUMNS
    assert list(ties.columns) == ["ego_id", "wave", "alter_a", "alter_b"]
    assert set(alters["relative_level"]) <= set(LEVELS)
    assert set(alters["sphere"]) <= set(SPHERES)
    assert alters["closeness"].between(1, 5).all() and alters["frequency"].between(1, 5).all()
    assert set(alters["career_support"]) <= {0, 1}
    assert alters["ego_id"].nunique() == 60 and set(alters["wave"]) == {1, 2}


def test_sizes_within_bounds(sim):
    alters, _ = sim
    sizes = alters.groupby(["ego_id", "wave"]).size()
    assert sizes.between(3, 8).all()


def test_same_seed_same_output(sim):
    again = simulate_networks(n_egos=60, waves=2, seed=11)
    pd.testing.assert_frame_equal(sim[0], again[0])
    pd.testing.assert_frame_equal(sim[1], again[1])
    other = simulate_networks(n_egos=60, waves=2, seed=12)
    assert not other[0].equals(sim[0])


def test_output_validates_and_waves_change(sim):
    alters, ties = sim
    res = network_metrics(alters, wave="wave", ties=ties)  # ties refer to listed alters only
    assert res.n == 120 and res.n_dropped == 0
    ch = network_change(alters, ties=ties)
    assert ch.table["n_added"].sum() > 0 and ch.table["n_dropped"].sum() > 0
    assert ch.table["n_retained"].sum() > 0


def test_ties_persist_among_retained_alters(sim):
    _, ties = sim
    w1 = ties[ties["wave"] == 1].set_index(["ego_id", "alter_a", "alter_b"]).index
    w2 = ties[ties["wave"] == 2].set_index(["ego_id", "alter_a", "alter_b"]).index
    alters = sim[0]
    present2 = set(
        zip(alters.loc[alters.wave == 2, "ego_id"], alters.loc[alters.wave == 2, "alter_id"])
    )
    kept = [t for t in w1 if (t[0], t[1]) in present2 and (t[0], t[2]) in present2]
    assert kept and all(t in w2 for t in kept)


def test_downward_latent_links_to_share_down():
    z = pd.Series(np.linspace(-2, 2, 200), index=[f"P{i:03d}" for i in range(200)])
    alters, _ = simulate_networks(downward=z, waves=1, seed=3)
    assert set(alters["ego_id"]) == set(z.index)
    t = network_metrics(alters).table.set_index("ego_id")
    r = np.corrcoef(z[t.index], t["share_down"])[0, 1]
    assert r > 0.3
    flat, _ = simulate_networks(
        downward=z, waves=1, seed=3, params=NetworkSimParams(downward_effect=0.0)
    )
    t0 = network_metrics(flat).table.set_index("ego_id")
    assert abs(np.corrcoef(z[t0.index], t0["share_down"])[0, 1]) < r


def test_downward_array_and_single_wave():
    alters, ties = simulate_networks(downward=[0.0, 1.0, -1.0], waves=1, seed=1)
    assert sorted(alters["ego_id"].unique()) == ["E001", "E002", "E003"]
    assert set(alters["wave"]) == {1}
    assert set(ties["wave"]) <= {1}


def test_params_change_structure():
    p = NetworkSimParams(size_min=5, size_max=5, p_drop=0.0, mean_added=0.0, tie_prob_same=0.0,
                         tie_prob_other=0.0)  # fmt: skip
    alters, ties = simulate_networks(n_egos=10, waves=2, seed=2, params=p)
    assert (alters.groupby(["ego_id", "wave"]).size() == 5).all()
    assert len(ties) == 0
    ch = network_change(alters)
    assert (ch.table["n_retained"] == 5).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size_min": 0},
        {"size_min": 6, "size_max": 4},
        {"level_intercepts": (0.0, 0.0)},
        {"sphere_probs": (1.0, 0.0)},
        {"p_drop": 1.5},
        {"sphere_concentration": 0.0},
    ],
)
def test_bad_params(kwargs):
    with pytest.raises(ConfigError):
        NetworkSimParams(**kwargs)


def test_bad_arguments():
    with pytest.raises(ConfigError, match="n_egos"):
        simulate_networks(n_egos=0)
    with pytest.raises(ConfigError, match="waves"):
        simulate_networks(n_egos=3, waves=0)
    with pytest.raises(DataValidationError, match="downward"):
        simulate_networks(downward=[0.0, np.nan])
