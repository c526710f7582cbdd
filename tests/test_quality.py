"""careless_responding(): long-string and IRV indices, thresholds, flags, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import learning_direction as ld
from learning_direction.exceptions import DataValidationError
from learning_direction.scales.quality import irv, longstring

LD_ITEMS = ld.load_scale("learning_direction").item_ids


def _naive_longstring(row):
    """Reference: R's rle() on the row, NA breaking runs; NaN when nothing answered."""
    if np.isnan(row).all():
        return np.nan
    best, run, prev = 0, 0, None
    for v in row.tolist():
        run = run + 1 if (prev is not None and v == prev) else 1  # NaN != NaN breaks runs
        best = max(best, run)
        prev = v
    return float(best)


def test_longstring_and_irv_by_hand():
    X = np.array(
        [
            [1, 1, 1, 2, 2, 3],
            [4, 4, 4, 4, 4, 4],
            [1, np.nan, 1, 1, 5, 5],
            [np.nan] * 6,
            [3, np.nan, np.nan, np.nan, np.nan, np.nan],
        ]
    )
    np.testing.assert_array_equal(longstring(X), [3, 6, 2, np.nan, 1])
    np.testing.assert_allclose(
        irv(X)[:3], [np.std([1, 1, 1, 2, 2, 3], ddof=1), 0.0, np.std([1, 1, 1, 5, 5], ddof=1)]
    )
    assert np.isnan(irv(X)[3]) and np.isnan(irv(X)[4])


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 12).flatmap(
        lambda k: hnp.arrays(
            float,
            st.tuples(st.integers(0, 15), st.just(k)),
            elements=st.one_of(st.integers(1, 3).map(float), st.just(np.nan)),
        )
    )
)
def test_longstring_matches_reference(X):
    got = longstring(X)
    want = np.array([_naive_longstring(r) for r in X])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(
        irv(X), pd.DataFrame(X).std(axis=1, ddof=1).where((~np.isnan(X)).sum(1) >= 2)
    )


def test_flags_and_defaults():
    rng = np.random.default_rng(3)
    X = rng.integers(1, 8, size=(10, 12)).astype(float)
    X[0] = 4  # straight-liner
    X[1, :7] = 2  # run of 7 >= 6
    X[2] = [1, 2] * 6  # alternating: no flag
    df = pd.DataFrame(X, columns=LD_ITEMS, index=[f"p{i}" for i in range(10)])
    res = ld.careless_responding(df, "learning_direction")
    t = res.table
    assert res.longstring_threshold == 6 and res.irv_threshold == 0
    assert list(t.columns)[:7] == [
        "n_items",
        "n_answered",
        "share_missing",
        "longstring",
        "irv",
        "flag_straightline",
        "flag_low_irv",
    ]  # the original columns keep their place; the new indices follow
    assert t.index.equals(df.index)  # nothing dropped
    assert t.loc["p0", "flag_straightline"] and t.loc["p0", "flag_low_irv"]
    assert t.loc["p1", "flag_straightline"] and not t.loc["p1", "flag_low_irv"]
    assert not t.loc["p2", "flag_straightline"]
    assert "p0" in res.flagged_by("longstring") and "p1" in res.flagged_by("longstring")
    assert "Careless responding" in res.summary()
    assert "<table" in res._repr_html_()
    assert res.counts.set_index("index").loc["any", "n_flagged"] == len(res.flagged)


def test_custom_thresholds_and_missing():
    X = np.full((3, 12), 5.0)
    X[1] = [1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2]
    X[2, :6] = np.nan
    X[2, 6:] = [2, 2, 3, 3, 3, 3]
    df = pd.DataFrame(X, columns=LD_ITEMS)
    res = ld.careless_responding(
        df, "learning_direction", longstring_threshold=4, irv_threshold=0.6
    )
    t = res.table
    assert t["share_missing"].tolist() == [0.0, 0.0, 0.5]
    assert t["longstring"].tolist() == [12, 1, 4]
    assert t["flag_straightline"].tolist() == [True, False, True]
    assert t["flag_low_irv"].tolist() == [True, False, True]  # sd(2,2,3,3,3,3) = 0.516


def test_text_answers_and_columns_mapping():
    df = pd.DataFrame({f"Q{k}": ["Agree"] * 3 for k in range(12)})
    mapping = {item: f"Q{k}" for k, item in enumerate(LD_ITEMS)}
    res = ld.careless_responding(df, "learning_direction", columns=mapping)
    assert res.table["flag_straightline"].all()
    assert res.items == tuple(mapping.values())


def test_missing_item_column():
    df = pd.DataFrame(np.ones((2, 11)), columns=LD_ITEMS[:-1])
    with pytest.raises(DataValidationError, match="ld_down_4"):
        ld.careless_responding(df, "learning_direction")


def test_invalid_values_raise():
    df = pd.DataFrame(np.ones((2, 12)), columns=LD_ITEMS)
    df.loc[1, "ld_up_1"] = 8
    with pytest.raises(DataValidationError, match="ld_up_1"):
        ld.careless_responding(df, "learning_direction")


@pytest.mark.parametrize(
    "kw", [{"longstring_threshold": 0}, {"irv_threshold": -1}, {"longstring_threshold": "x"}]
)
def test_bad_thresholds(kw):
    df = pd.DataFrame(np.ones((2, 12)), columns=LD_ITEMS)
    with pytest.raises(DataValidationError, match="threshold"):
        ld.careless_responding(df, "learning_direction", **kw)


def test_detects_simulated_straightliners():
    from learning_direction.simulate.items import simulate_items, simulate_latent

    lat = simulate_latent(400, ["upward", "lateral", "downward", "mentor_engagement"], seed=11)
    items = simulate_items(
        ["learning_direction", "mentor_engagement"], lat, careless_rate=0.05, seed=11
    )
    res = ld.careless_responding(items, ["learning_direction", "mentor_engagement"])
    careless = set(items.attrs["careless_rows"])
    assert len(careless) == 20
    straight = set(res.flagged_by("longstring")) | set(res.flagged_by("irv"))
    assert careless <= straight and len(straight) <= 22  # few false positives
    assert careless <= set(res.flagged)
    assert len(res.flagged) <= 20 + 0.06 * 380  # any index: <= 6% of the attentive rows
