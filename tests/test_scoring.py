"""score(): agreement with psych::scoreItems, missing data, text answers, errors, properties."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import learning_direction as ld
from learning_direction.exceptions import (
    DataQualityWarning,
    DataValidationError,
    ScaleDefinitionError,
)
from learning_direction.scales.codebook import scale_from_dict
from learning_direction.scales.scoring import TABLE_COLUMNS

LD_ITEMS = ld.load_scale("learning_direction").item_ids


def _ld_frame(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.integers(1, 8, size=(n, 12)).astype(float), columns=LD_ITEMS)


DEMO = {
    "name": "demo",
    "response": {"min": 1, "max": 5, "labels": {1: "Never", 3: "Sometimes", 5: "Always"}},
    "subscales": {
        "a": {"items": [{"id": "a1"}, {"id": "a2"}, {"id": "a3", "reverse": True}, {"id": "a4"}]},
        "b": {"items": ["b1", "b2"]},
    },
    "composites": {"ab": ["a", "b"]},
}


# ------------------------------------------------------------------ R agreement


@pytest.fixture(scope="module")
def bfi(request):
    from pathlib import Path

    ref = Path(__file__).parent / "reference"
    return pd.read_csv(ref / "bfi.csv"), json.loads((ref / "bfi_scoring.json").read_text())


def test_matches_psych_scoreitems(bfi):
    """psych 2.2.9 scoreItems(impute = "none"), bfi, five scales: mean, sd, n missing, first 10."""
    df, ref = bfi
    scales = [
        {
            "name": name,
            "response": {"min": ref["response_min"], "max": ref["response_max"]},
            "items": [{"id": i, "reverse": i in spec["reversed"]} for i in spec["items"]],
        }
        for name, spec in ref["scales"].items()
    ]
    res = ld.score(df, scales, min_answered=0.01)
    assert res.n == len(df) == len(res.scores)
    for name, spec in ref["scales"].items():
        want = spec["score_mean_of_answered"]
        got = res.scores[name]
        assert got.mean() == pytest.approx(want["mean"], abs=1e-10)
        assert got.std(ddof=1) == pytest.approx(want["sd"], abs=1e-10)
        assert int(got.isna().sum()) == want["n_missing_score"]
        np.testing.assert_allclose(got.iloc[:10].to_numpy(), want["first10"], atol=1e-10, rtol=0)
        row = res.table.set_index("score").loc[name]
        assert row["mean"] == pytest.approx(want["mean"], abs=1e-10)
        assert row["sd"] == pytest.approx(want["sd"], abs=1e-10)


# ------------------------------------------------------------------ behaviour


def test_reverse_missing_and_composite():
    df = pd.DataFrame(
        {
            "a1": [1, 5, np.nan, np.nan],
            "a2": [2, 5, np.nan, 3],
            "a3": [5, 1, np.nan, np.nan],  # reverse: 6 - x
            "a4": [3, 5, 4, np.nan],
            "b1": [1, 2, 3, 4],
            "b2": [3, np.nan, 5, 4],
        },
        index=["r1", "r2", "r3", "r4"],
    )
    res = ld.score(df, DEMO)
    assert list(res.scores.columns) == ["a", "b", "ab"]
    assert list(res.scores.index) == ["r1", "r2", "r3", "r4"]
    # r1: a = mean(1, 2, 1, 3) = 1.75; r2: mean(5, 5, 5, 5); r3: 1 of 4 answered < 2 -> NaN
    np.testing.assert_allclose(res.scores["a"], [1.75, 5.0, np.nan, np.nan])
    np.testing.assert_allclose(res.scores["b"], [2.0, 2.0, 4.0, 4.0])
    np.testing.assert_allclose(res.scores["ab"], [1.875, 3.5, np.nan, np.nan])
    assert res.n_answered.loc["r3", "a"] == 1 and res.n_answered.loc["r4", "a"] == 1
    assert res.n_answered.loc["r2", "b"] == 1
    assert res.n == 4 and res.n_scored == 2
    assert list(res.table.columns) == TABLE_COLUMNS
    assert any("fewer than 2 of 4 items" in n for n in res.notes)
    # with a smaller share r3 and r4 get a score from their one answer
    res2 = ld.score(df, DEMO, min_answered=0.25)
    np.testing.assert_allclose(res2.scores["a"], [1.75, 5.0, 4.0, 3.0])


def test_sum_scoring_is_prorated():
    spec = {
        "name": "s",
        "response": {"min": 0, "max": 4},
        "scoring": "sum",
        "items": ["x1", "x2", "x3", "x4"],
    }
    df = pd.DataFrame({"x1": [1, 1], "x2": [2, np.nan], "x3": [3, 3], "x4": [4, 4]})
    res = ld.score(df, spec)
    np.testing.assert_allclose(res.scores["s"], [10.0, 4 * (8 / 3)])


def test_text_answers_map_through_labels():
    df = pd.DataFrame(
        {
            "a1": ["Never", " always ", "3", "SOMETIMES"],
            "a2": ["never", "5", "  ", "2.0"],
            "a3": [1, 1, 1, 1],
            "a4": [1.0, 5.0, 3.0, np.nan],
            "b1": ["1", "2", None, "4"],
            "b2": [1, 2, 3, 4],
        }
    )
    res = ld.score(df, DEMO)
    assert res.n_answered["a"].tolist() == [4, 4, 3, 3]
    # row 0: a1=1, a2=1, a3 reversed 5, a4=1
    assert res.scores["a"].iloc[0] == pytest.approx(2.0)
    assert res.scores["a"].iloc[1] == pytest.approx((5 + 5 + 5 + 5) / 4)
    assert res.scores["a"].iloc[3] == pytest.approx((3 + 2 + 5) / 3)
    assert any("text" in n for n in res.notes)


def test_columns_mapping():
    df = _ld_frame()
    renamed = df.rename(columns={c: f"Q{k}" for k, c in enumerate(LD_ITEMS)})
    mapping = {c: f"Q{k}" for k, c in enumerate(LD_ITEMS)}
    a = ld.score(df, "learning_direction").scores
    b = ld.score(renamed, "learning_direction", columns=mapping).scores
    pd.testing.assert_frame_equal(a, b)


def test_several_scales_and_extra_columns():
    df = _ld_frame()
    df["hire_1"], df["hire_2"], df["hire_3"] = 7, 6, 5
    df["other"] = "x"
    res = ld.score(df, ["learning_direction", "hireability"])
    assert list(res.scores.columns) == ["upward", "lateral", "downward", "hireability"]
    assert (res.scores["hireability"] == 6).all()


def test_result_display_and_plot(tmp_path, close_figures):
    res = ld.score(_ld_frame(20), "learning_direction")
    text = res.summary()
    assert "Scale scores" in text and "upward" in text
    assert "<table" in res._repr_html_()
    ax = res.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["upward", "lateral", "downward"][
        ::-1
    ] or len(ax.get_yticklabels()) == 3
    ax.figure.savefig(tmp_path / "scores.png")


def test_html_escapes_user_strings():
    spec = {"name": "demo_x", "response": {"min": 1, "max": 5}, "items": ["<script>"]}
    df = pd.DataFrame({"<script>": [1, 2]})
    html = ld.score(df, spec)._repr_html_()
    assert "<script>" not in html


# ------------------------------------------------------------------ errors


def test_out_of_range_raises_naming_column_values_rows():
    df = _ld_frame(8)
    df.loc[[1, 3, 4, 5, 6, 7], "ld_up_2"] = 9
    with pytest.raises(DataValidationError) as info:
        ld.score(df, "learning_direction")
    msg = str(info.value)
    assert "ld_up_2" in msg and "9" in msg and "1, 3, 4, 5, 6" in msg and "1 more" in msg
    assert "invalid='missing'" in msg


def test_non_numeric_raises():
    df = _ld_frame(3).astype(object)
    df.loc[2, "ld_lat_1"] = "banana"
    with pytest.raises(DataValidationError, match=r"ld_lat_1.*banana"):
        ld.score(df, "learning_direction")


def test_invalid_missing_records_and_warns():
    df = _ld_frame(5).astype(object)
    df.loc[0, "ld_up_1"] = 0
    df.loc[3, "ld_down_2"] = "maybe"
    with pytest.warns(DataQualityWarning, match="2 invalid answer"):
        res = ld.score(df, "learning_direction", invalid="missing")
    inv = res.invalid
    assert list(inv.columns) == ["column", "item", "row", "value", "reason"]
    assert set(zip(inv["column"], inv["row"])) == {("ld_up_1", 0), ("ld_down_2", 3)}
    assert res.n_answered.loc[0, "upward"] == 3
    assert "outside" in inv.set_index("column").loc["ld_up_1", "reason"]


def test_invalid_argument_value():
    with pytest.raises(DataValidationError, match="invalid must be"):
        ld.score(_ld_frame(), "learning_direction", invalid="drop")


def test_missing_columns_lists_every_item_with_hints():
    df = _ld_frame().drop(columns=["ld_up_1", "ld_down_4"]).rename(columns={"ld_up_2": "ld_up2"})
    with pytest.raises(DataValidationError) as info:
        ld.score(df, "learning_direction")
    msg = str(info.value)
    assert "3 item column(s)" in msg
    for item in ("ld_up_1", "ld_up_2", "ld_down_4"):
        assert f"'{item}'" in msg
    assert "ld_up2" in msg  # closest existing column


def test_unknown_columns_key():
    with pytest.raises(DataValidationError, match="ld_up_9"):
        ld.score(_ld_frame(), "learning_direction", columns={"ld_up_9": "x"})


def test_duplicate_ids():
    df = _ld_frame(5)
    df["rid"] = ["a", "b", "a", "c", "b"]
    with pytest.raises(DataValidationError, match=r"2 duplicated respondent id.*'a' in rows 0, 2"):
        ld.score(df, "learning_direction", id_column="rid")


def test_id_column_labels_invalid_rows():
    df = _ld_frame(3)
    df["rid"] = ["p1", "p2", "p3"]
    df.loc[1, "ld_up_1"] = 99
    with pytest.raises(DataValidationError, match="id 'p2'"):
        ld.score(df, "learning_direction", id_column="rid")
    with pytest.warns(DataQualityWarning):
        res = ld.score(df, "learning_direction", id_column="rid", invalid="missing")
    assert res.invalid["row"].tolist() == ["p2"]
    assert "rid" not in res.scores.columns


def test_missing_id_column():
    with pytest.raises(DataValidationError, match="'respondent'"):
        ld.score(_ld_frame(), "learning_direction", id_column="respondent")


def test_item_never_answered_warns():
    df = _ld_frame(4)
    df["ld_lat_3"] = np.nan
    with pytest.warns(DataQualityWarning, match="ld_lat_3"):
        res = ld.score(df, "learning_direction")
    assert res.scores["lateral"].notna().all()
    assert (res.n_answered["lateral"] == 3).all()


@pytest.mark.parametrize("bad", [0, -0.5, 1.5, "half", True])
def test_bad_min_answered(bad):
    with pytest.raises(DataValidationError, match="min_answered"):
        ld.score(_ld_frame(), "learning_direction", min_answered=bad)


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.score([[1, 2]], "learning_direction")


def test_duplicated_data_column():
    df = _ld_frame()
    df = pd.concat([df, df[["ld_up_1"]]], axis=1)
    with pytest.raises(DataValidationError, match="more than once"):
        ld.score(df, "learning_direction")


def test_scale_errors_propagate():
    with pytest.raises(ScaleDefinitionError, match="unknown scale"):
        ld.score(_ld_frame(), "learning_directon")


def test_empty_frame():
    res = ld.score(_ld_frame(0), "learning_direction")
    assert res.scores.shape == (0, 3) and res.n == 0


# ------------------------------------------------------------------ properties

AB = scale_from_dict(
    {
        "name": "prop",
        "response": {"min": 1, "max": 7},
        "subscales": {
            "p": {"items": [{"id": "p1"}, {"id": "p2", "reverse": True}, {"id": "p3"}]},
            "q": {"items": [{"id": "q1", "reverse": True}, {"id": "q2"}]},
        },
    }
)
ITEMS = AB.item_ids
cell = st.one_of(st.integers(1, 7).map(float), st.just(np.nan))
matrices = st.integers(0, 25).flatmap(lambda n: hnp.arrays(float, (n, len(ITEMS)), elements=cell))


@given(hnp.arrays(float, (10,), elements=st.floats(1, 7)))
def test_reverse_twice_is_identity(x):
    np.testing.assert_allclose(AB.reverse(AB.reverse(x)), x, rtol=0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(matrices, st.randoms(use_true_random=False))
def test_column_order_does_not_matter(X, rnd):
    df = pd.DataFrame(X, columns=ITEMS)
    cols = ITEMS.copy()
    rnd.shuffle(cols)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        a = ld.score(df, AB).scores
        b = ld.score(df[cols], AB).scores
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(matrices)
def test_score_is_mean_of_answered(X):
    df = pd.DataFrame(X, columns=ITEMS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = ld.score(df, AB, min_answered=0.01)
    rev = df.copy()
    rev[["p2", "q1"]] = 8 - rev[["p2", "q1"]]
    for sub, ids in (("p", ["p1", "p2", "p3"]), ("q", ["q1", "q2"])):
        expected = rev[ids].mean(axis=1, skipna=True)  # NaN when nothing answered
        np.testing.assert_allclose(res.scores[sub], expected, rtol=0, atol=1e-12)
        assert (res.n_answered[sub] == rev[ids].notna().sum(axis=1)).all()


index_strategy = st.sampled_from(["range", "strings", "duplicates", "dates", "shuffled"])


@settings(max_examples=40, deadline=None)
@given(matrices, index_strategy)
def test_scoring_never_loses_a_row(X, kind):
    n = X.shape[0]
    index = {
        "range": pd.RangeIndex(n),
        "strings": pd.Index([f"r{i}" for i in range(n)]),
        "duplicates": pd.Index([i // 2 for i in range(n)]),
        "dates": pd.date_range("2024-01-01", periods=n),
        "shuffled": pd.Index(np.arange(n)[::-1] * 3),
    }[kind]
    df = pd.DataFrame(X, columns=ITEMS, index=index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = ld.score(df, AB)
    assert len(res.scores) == n == res.n
    assert res.scores.index.equals(df.index)
    assert res.n_answered.index.equals(df.index)


def test_vectorised_speed():
    """20,000 respondents x 12 items score in well under a second (no per-row loop)."""
    import time

    rng = np.random.default_rng(1)
    X = rng.integers(1, 8, size=(20_000, 12)).astype(float)
    X[rng.uniform(size=X.shape) < 0.05] = np.nan
    df = pd.DataFrame(X, columns=LD_ITEMS)
    t = time.perf_counter()
    ld.score(df, "learning_direction")
    assert time.perf_counter() - t < 1.0
