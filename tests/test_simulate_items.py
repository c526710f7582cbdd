"""simulate_items() / simulate_latent(): determinism, validity, reliability, missingness, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError
from learning_direction.simulate.items import (
    category_probabilities,
    simulate_items,
    simulate_latent,
)

DIRS = ["upward", "lateral", "downward"]


@pytest.fixture(scope="module")
def data():
    lat = simulate_latent(1500, [*DIRS, "mentor_engagement"], corr=0.2, seed=5)
    lat.index = [f"m{i}" for i in range(len(lat))]
    items = simulate_items(["learning_direction", "mentor_engagement"], lat, seed=5)
    return lat, items


def test_shape_values_and_index(data):
    lat, items = data
    scale = ld.load_scale("learning_direction")
    assert items.index.equals(lat.index)
    assert list(items.columns[:12]) == scale.item_ids
    vals = items.to_numpy()
    ok = vals[~np.isnan(vals)]
    assert set(np.unique(ok)) <= set(range(1, 8))
    assert all(pd.api.types.is_float_dtype(d) for d in items.dtypes)


def test_same_seed_identical_and_different_seed_differs(data):
    lat, items = data
    again = simulate_items(["learning_direction", "mentor_engagement"], lat, seed=5)
    pd.testing.assert_frame_equal(items, again)
    other = simulate_items(["learning_direction", "mentor_engagement"], lat, seed=6)
    assert not items.equals(other)
    pd.testing.assert_frame_equal(
        simulate_latent(50, DIRS, seed=3), simulate_latent(50, DIRS, seed=3)
    )


def test_scores_track_latent(data):
    lat, items = data
    res = ld.score(items, ["learning_direction", "mentor_engagement"])
    for name in [*DIRS, "mentor_engagement"]:
        ok = res.scores[name].notna()
        r = np.corrcoef(res.scores.loc[ok, name], lat.loc[ok, name])[0, 1]
        assert r > 0.8, (name, r)


def test_alphas_realistic(data):
    _, items = data
    scale = ld.load_scale("learning_direction")
    for sub in scale.subscales:
        X = items[sub.item_ids].copy()
        for it in sub.items:
            if it.reverse:
                X[it.id] = 8 - X[it.id]
        alpha = pg.cronbach_alpha(X)[0]
        assert 0.7 < alpha < 0.9, (sub.name, alpha)


def test_missing_share_and_careless(data):
    _, items = data
    share = items.isna().to_numpy().mean()
    assert 0.02 < share < 0.04
    careless = items.attrs["careless_rows"]
    assert len(careless) == round(0.02 * len(items))
    block = items.loc[careless]
    assert (block.nunique(axis=1) == 1).all()


def test_reverse_items_correlate_negatively(data):
    lat, items = data
    scale = ld.load_scale("learning_direction")
    for sub in scale.subscales:
        for it in sub.items:
            r = items[it.id].corr(lat[sub.name])
            assert (r < -0.4) if it.reverse else (r > 0.4), (it.id, r)


def test_agree_side_skew():
    p = category_probabilities(7)
    assert p.sum() == pytest.approx(1.0)
    assert (np.arange(1, 8) * p).sum() > 4.3  # answers lean towards agreement
    lat = simulate_latent(3000, ["hireability"], seed=2)
    items = simulate_items("hireability", lat, missing_rate=0, careless_rate=0, seed=2)
    assert items.stack().mean() > 4.3


def test_loading_dict_and_no_noise_options():
    lat = simulate_latent(800, DIRS, seed=9)
    items = simulate_items(
        "learning_direction",
        lat,
        loading={"upward": 0.9, "lateral": 0.3},
        missing_rate=0,
        careless_rate=0,
        seed=9,
    )
    assert not items.isna().any().any() and items.attrs["careless_rows"] == []
    sc = ld.score(items, "learning_direction").scores
    r_up = np.corrcoef(sc["upward"], lat["upward"])[0, 1]
    r_lat = np.corrcoef(sc["lateral"], lat["lateral"])[0, 1]
    assert r_up > r_lat + 0.2


def test_latent_correlation_and_means():
    R = pd.DataFrame([[1, 0.5], [0.5, 1]], index=["b", "a"], columns=["b", "a"])
    lat = simulate_latent(20000, ["a", "b"], corr=R, means={"a": 1.0}, seed=4)
    assert lat["a"].mean() == pytest.approx(1.0, abs=0.03)
    assert lat.corr().loc["a", "b"] == pytest.approx(0.5, abs=0.03)


def test_other_scale_shapes():
    lat = simulate_latent(300, ["career_support", "psychosocial_support", "role_modeling"], seed=1)
    items = simulate_items("mentoring_functions", lat, seed=1)
    ok = items.to_numpy()[~np.isnan(items.to_numpy())]
    assert ok.min() >= 1 and ok.max() <= 5


def test_errors():
    lat = simulate_latent(10, ["upward", "lateral"], seed=1)
    with pytest.raises(DataValidationError, match=r"no column for subscale\(s\) \['downward'\]"):
        simulate_items("learning_direction", lat)
    lat3 = simulate_latent(10, DIRS, seed=1)
    with pytest.raises(DataValidationError, match="missing_rate"):
        simulate_items("learning_direction", lat3, missing_rate=1.5)
    with pytest.raises(DataValidationError, match="careless_rate"):
        simulate_items("learning_direction", lat3, careless_rate=-0.1)
    with pytest.raises(DataValidationError, match="loading for 'upward'"):
        simulate_items("learning_direction", lat3, loading={"upward": 1.2})
    with pytest.raises(DataValidationError, match="DataFrame"):
        simulate_items("learning_direction", lat3.to_numpy())
    with pytest.raises(DataValidationError, match="positive definite"):
        simulate_latent(10, ["a", "b", "c"], corr=-0.9)
    with pytest.raises(DataValidationError, match="unique"):
        simulate_latent(10, ["a", "a"])
    with pytest.raises(DataValidationError, match="non-negative integer"):
        simulate_latent(-1, ["a"])
    bad = lat3.copy()
    bad.iloc[0, 0] = np.nan
    with pytest.raises(DataValidationError, match="missing values"):
        simulate_items("learning_direction", bad)


def test_careless_kinds():
    lat = simulate_latent(300, ["upward", "lateral", "downward"], seed=4)
    kinds = ("straightline", "random", "midpoint")
    items = simulate_items(
        "learning_direction", lat, careless_rate=0.05, careless_kinds=kinds, missing_rate=0, seed=4
    )
    got = items.attrs["careless_kinds"]
    assert len(got) == 15 and sorted(set(got.values())) == sorted(kinds)
    for row, kind in got.items():
        answers = items.loc[row].to_numpy()
        if kind == "straightline":
            assert len(set(answers)) == 1
        elif kind == "midpoint":
            assert np.isin(answers, [3, 4, 5]).all() and np.mean(answers == 4) >= 0.5
        else:
            assert answers.min() >= 1 and answers.max() <= 7
    # the default draws are those of earlier versions: only straight-liners
    default = simulate_items("learning_direction", lat, careless_rate=0.05, seed=4)
    assert set(default.attrs["careless_kinds"].values()) == {"straightline"}
    with pytest.raises(DataValidationError, match="careless_kinds"):
        simulate_items("learning_direction", lat, careless_kinds=["lazy"], seed=4)


def test_bundled_study1_is_byte_reproducible(tmp_path):
    """``make data`` writes data/study1.csv byte for byte (twice, and as committed)."""
    from pathlib import Path

    from learning_direction.simulate import write_datasets

    root = Path(__file__).resolve().parents[1] / "data"
    for run in ("a", "b"):
        write_datasets(tmp_path / run, seed=20261122, names=["study1"])
    a = (tmp_path / "a" / "study1.csv").read_bytes()
    assert a == (tmp_path / "b" / "study1.csv").read_bytes()
    assert a == (root / "study1.csv").read_bytes()
    committed = pd.read_csv(root / "codebook.csv", dtype=str, keep_default_na=False)
    fresh = pd.read_csv(tmp_path / "a" / "codebook.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(
        committed[committed["dataset"] == "study1"].reset_index(drop=True), fresh
    )
