"""learning_direction_profile() and advocacy_quadrant(): tables, ties, cuts, plots, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import learning_direction as ld
from learning_direction.exceptions import DataValidationError
from learning_direction.scales.profiles import QUADRANTS
from learning_direction.simulate.items import simulate_items, simulate_latent


@pytest.fixture(scope="module")
def sim():
    lat = simulate_latent(
        240, ["upward", "lateral", "downward", "advocacy", "authenticity"], corr=0.25, seed=21
    )
    items = simulate_items(["learning_direction", "advocacy", "authenticity"], lat, seed=21)
    items["cohort"] = np.where(np.arange(240) % 3 == 0, "A", "B")
    return items


def test_profile_from_scores_ties_and_preference():
    df = pd.DataFrame(
        {
            "upward": [5.0, 4.0, 3.0, 6.0, np.nan, 2.0],
            "lateral": [3.0, 4.0, 3.0, 2.0, 4.0, 5.0],
            "downward": [4.0, 4.0, 6.0, 6.0, 5.0, 5.0],
        },
        index=list("abcdef"),
    )
    prof = ld.learning_direction_profile(df)
    t = prof.table
    assert t.index.equals(df.index)
    assert t["dominant"].iloc[:4].tolist() == [
        "upward",
        "upward=lateral=downward",
        "downward",
        "upward=downward",
    ]
    assert pd.isna(t.loc["e", "dominant"])
    assert t.loc["f", "dominant"] == "lateral=downward"
    np.testing.assert_allclose(t["downward_preference"], [0.0, 0.0, 3.0, 2.0, np.nan, 1.5])
    assert prof.source == "score columns" and prof.n == 6 and prof.n_complete == 5
    # t-based CI as R's t.test
    m = prof.means.set_index("direction").loc["lateral"]
    x = df["lateral"].to_numpy()
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    assert m["ci_low"] == pytest.approx(x.mean() - half, abs=1e-12)
    assert m["ci_high"] == pytest.approx(x.mean() + half, abs=1e-12)
    assert any("lack at least one direction" in n for n in prof.notes)


def test_profile_from_items_matches_score(sim, tmp_path, close_figures):
    prof = ld.learning_direction_profile(sim)
    sc = ld.score(sim, "learning_direction").scores
    pd.testing.assert_frame_equal(prof.table[["upward", "lateral", "downward"]], sc)
    assert prof.source == "items"
    assert "Learning-direction profile" in prof.summary()
    ax = prof.plot()
    assert ax.get_ylabel().startswith("Mean score")
    ax.figure.savefig(tmp_path / "profile.png")


def test_profile_by_group(sim, close_figures):
    prof = ld.learning_direction_profile(sim, group="cohort")
    assert list(prof.means.columns[:2]) == ["group", "direction"]
    assert len(prof.means) == 6
    assert set(prof.means["n"]) <= {80, 160}
    ax = prof.plot()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]


def test_profile_columns_renaming():
    df = pd.DataFrame({"up": [1.0, 2.0], "lat": [2.0, 2.0], "down": [3.0, 1.0]})
    prof = ld.learning_direction_profile(
        df, columns={"upward": "up", "lateral": "lat", "downward": "down"}
    )
    assert prof.table["dominant"].tolist() == ["downward", "upward=lateral"]


def test_profile_errors():
    with pytest.raises(DataValidationError, match="score columns"):
        ld.learning_direction_profile(pd.DataFrame({"x": [1]}))
    with pytest.raises(DataValidationError, match="non-numeric"):
        ld.learning_direction_profile(
            pd.DataFrame({"upward": ["high"], "lateral": [1], "downward": [2]})
        )
    with pytest.raises(DataValidationError, match="'grp'"):
        ld.learning_direction_profile(
            pd.DataFrame({"upward": [1], "lateral": [1], "downward": [2]}), group="grp"
        )
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.learning_direction_profile([1, 2, 3])


def test_quadrant_midpoint_and_cut_ties():
    df = pd.DataFrame(
        {
            "advocacy": [2.0, 6.0, 2.0, 6.0, 4.0, 4.5, np.nan],
            "authenticity": [2.0, 2.0, 6.0, 6.0, 6.0, 4.0, 5.0],
        }
    )
    q = ld.advocacy_quadrant(df)
    assert q.cut_advocacy == 4 and q.cut_authenticity == 4 and q.split == "midpoint"
    got = q.table["quadrant"].astype(object).tolist()
    assert got[:6] == [
        "instruction",
        "sponsorship",
        "support",
        "authentic_advocacy",
        "support",  # advocacy exactly at the cut counts as low
        "sponsorship",  # authenticity exactly at the cut counts as low
    ]
    assert pd.isna(got[6])
    assert list(q.table["quadrant"].cat.categories) == list(QUADRANTS)
    counts = q.counts.set_index("quadrant")
    assert counts["n"].tolist() == [1, 2, 2, 1]
    assert counts["share"].sum() == pytest.approx(1.0)
    assert q.n == 7 and q.n_classified == 6
    assert any("exactly at a cut" in n for n in q.notes)


def test_quadrant_median_split():
    df = pd.DataFrame(
        {"advocacy": [1.0, 2.0, 3.0, 4.0, 5.0], "authenticity": [5.0, 4.0, 3.0, 2.0, 1.0]}
    )
    q = ld.advocacy_quadrant(df, split="median")
    assert (q.cut_advocacy, q.cut_authenticity) == (3.0, 3.0)
    assert q.table["quadrant"].astype(object).tolist() == [
        "support",
        "support",
        "instruction",
        "sponsorship",
        "sponsorship",
    ]


def test_quadrant_custom_cut():
    df = pd.DataFrame({"advocacy": [1.0, 3.0], "authenticity": [3.0, 1.0]})
    q = ld.advocacy_quadrant(df, cut=(2, 2))
    assert q.split == "custom"
    assert q.table["quadrant"].astype(object).tolist() == ["support", "sponsorship"]


def test_quadrant_from_items_and_plot(sim, tmp_path, close_figures):
    q = ld.advocacy_quadrant(sim)
    assert q.counts["n"].sum() == q.n_classified <= 240
    assert "Advocacy" in q.summary()
    assert "<table" in q._repr_html_()
    ax = q.plot()
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("Authentic advocacy (n = ") for t in texts)
    ax.figure.savefig(tmp_path / "quadrant.png")


def test_quadrant_errors():
    df = pd.DataFrame({"advocacy": [1.0], "authenticity": [2.0]})
    with pytest.raises(DataValidationError, match="split"):
        ld.advocacy_quadrant(df, split="tertile")
    with pytest.raises(DataValidationError, match="midpoint split does not apply"):
        ld.advocacy_quadrant(pd.DataFrame({"advocacy": [10.0], "authenticity": [2.0]}))
    with pytest.raises(DataValidationError, match="adv_1"):
        ld.advocacy_quadrant(pd.DataFrame({"x": [1]}))
    with pytest.raises(DataValidationError, match="cut must be"):
        ld.advocacy_quadrant(df, cut=(1, 2, 3))
