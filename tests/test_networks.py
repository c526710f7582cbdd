"""Developmental-network metrics, typology and change, checked against hand-computed values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import learning_direction as ld
from learning_direction.exceptions import ConfigError, DataValidationError
from learning_direction.figures import networks as fig
from learning_direction.networks import (
    LEVELS,
    NETWORK_TYPES,
    SPHERES,
    NetworkChangeResult,
    NetworkMetricsResult,
    network_change,
    network_metrics,
)

TOL = 1e-12


def hand_alters() -> pd.DataFrame:
    """Three egos written out so every metric can be computed by hand.

    E1: a up same_org 4; b up same_org 2; c lateral family 5; d down school 3
    E2: e down community 1; f lateral other_org 2
    E3: g up professional 5
    """
    return pd.DataFrame(
        {
            "ego_id": ["E1", "E1", "E1", "E1", "E2", "E2", "E3"],
            "alter_id": ["a", "b", "c", "d", "e", "f", "g"],
            "role": ["boss", "director", "sister", "intern", "neighbour", "ex-colleague", "chair"],
            "relative_level": ["up", "Upward", "lateral", "DOWN", "down", "peer", "up"],
            "sphere": [
                "Same organisation",
                "same_organization",
                "family",
                "school",
                "community",
                "Other organization",
                "professional association",
            ],
            "closeness": [4, 2, 5, 3, 1, 2, 5],
            "frequency": [5, 3, 4, 2, 1, 3, 2],
            "career_support": [1, 1, 0, 0, 0, 1, 1],
            "psychosocial_support": [5, 4, 3, 2, 1, 2, 4],
        }
    )


def hand_ties() -> pd.DataFrame:
    # E1: a-b twice (both orders) and b-c -> 2 distinct ties; E2: e-f -> 1 tie
    return pd.DataFrame(
        {
            "ego_id": ["E1", "E1", "E1", "E2"],
            "alter_a": ["a", "b", "b", "e"],
            "alter_b": ["b", "a", "c", "f"],
        }
    )


@pytest.fixture
def res() -> NetworkMetricsResult:
    return network_metrics(hand_alters(), ties=hand_ties())


def row(result, ego_id):
    t = result.table
    return t.loc[t["ego_id"] == ego_id].iloc[0]


# ----------------------------------------------------------------------------- metrics


def test_size_and_spheres(res):
    t = res.table.set_index("ego_id")
    assert t["size"].tolist() == [4, 2, 1]
    assert t["n_spheres"].tolist() == [3, 2, 1]


def test_blau_range_hand_computed(res):
    t = res.table.set_index("ego_id")
    # E1: p = (2/4, 1/4, 1/4) -> 1 - (.25 + .0625 + .0625) = .625
    assert abs(t.loc["E1", "blau_range"] - 0.625) < TOL
    assert abs(t.loc["E2", "blau_range"] - 0.5) < TOL  # (1/2, 1/2)
    assert abs(t.loc["E3", "blau_range"] - 0.0) < TOL


def test_strength_and_shares(res):
    t = res.table.set_index("ego_id")
    assert np.allclose(t["strength"], [3.5, 1.5, 5.0], atol=TOL)
    assert np.allclose(t["share_up"], [0.5, 0.0, 1.0], atol=TOL)
    assert np.allclose(t["share_lateral"], [0.25, 0.5, 0.0], atol=TOL)
    assert np.allclose(t["share_down"], [0.25, 0.5, 0.0], atol=TOL)


def test_density_counts_distinct_undirected_ties(res):
    t = res.table.set_index("ego_id")
    assert abs(t.loc["E1", "density"] - 2 / 6) < TOL  # 2 ties of 4*3/2 = 6 possible
    assert abs(t.loc["E2", "density"] - 1.0) < TOL
    assert np.isnan(t.loc["E3", "density"])  # size < 2
    assert any("counted once" in n for n in res.notes)


def test_density_zero_when_ties_given_but_none_for_ego():
    ties = hand_ties().iloc[[3]]  # only E2's tie
    t = network_metrics(hand_alters(), ties=ties).table.set_index("ego_id")
    assert t.loc["E1", "density"] == 0.0


def test_no_density_column_without_ties():
    assert "density" not in network_metrics(hand_alters()).table.columns


def test_support_and_frequency(res):
    t = res.table.set_index("ego_id")
    assert np.allclose(t["career_support"], [0.5, 0.5, 1.0], atol=TOL)  # 0/1 -> share
    assert np.allclose(t["psychosocial_support"], [3.5, 1.5, 4.0], atol=TOL)  # 1-5 -> mean
    assert np.allclose(t["frequency"], [3.5, 2.0, 2.0], atol=TOL)
    assert res.support_kind == {"career_support": "share", "psychosocial_support": "mean"}


def test_optional_columns_can_be_skipped():
    t = network_metrics(hand_alters(), frequency=None, career=None, psychosocial=None).table
    assert not {"frequency", "career_support", "psychosocial_support"} & set(t.columns)


def test_canonical_codes_kept_on_alters(res):
    assert set(res.alters["relative_level"]) == set(LEVELS)
    assert set(res.alters["sphere"]) <= set(SPHERES)
    assert res.alters.loc[5, "sphere"] == "other_organisation"


def test_result_metadata_and_display(res):
    assert res.n == 3 and res.n_egos == 3 and res.n_alters == 7 and res.n_dropped == 0
    text = res.summary()
    assert "median split" in text and "classed low" in text
    html = res._repr_html_()
    assert "<table" in html
    assert list(res.type_counts.index) == list(NETWORK_TYPES)


def test_html_escapes_user_strings():
    a = hand_alters()
    a["ego_id"] = a["ego_id"].replace("E1", "<b>E1</b>")
    html = network_metrics(a)._repr_html_()
    assert "<b>E1</b>" not in html and "&lt;b&gt;E1&lt;/b&gt;" in html


# ----------------------------------------------------------------------------- typology


def test_typology_median_split_values_at_median_are_low(res):
    # range medians: (.625, .5, 0) -> .5; strength (3.5, 1.5, 5) -> 3.5
    assert res.splits == {"range": 0.5, "strength": 3.5}
    t = res.table.set_index("ego_id")
    assert t["range_level"].tolist() == ["high", "low", "low"]
    assert t["strength_level"].tolist() == ["low", "low", "high"]
    assert t["network_type"].astype(str).tolist() == ["opportunistic", "receptive", "traditional"]


def test_typology_at_split_high():
    t = network_metrics(hand_alters(), at_split="high").table.set_index("ego_id")
    assert t["network_type"].astype(str).tolist() == [
        "entrepreneurial",
        "opportunistic",
        "traditional",
    ]


def test_typology_fixed_cutoffs():
    r = network_metrics(hand_alters(), split="fixed", cutoffs={"range": 0.4, "strength": 2})
    assert r.method == "fixed cut-offs"
    assert r.table["network_type"].astype(str).tolist() == [
        "entrepreneurial",
        "opportunistic",
        "traditional",
    ]


def test_typology_partial_cutoff_uses_median_for_rest():
    r = network_metrics(hand_alters(), cutoffs={"range": 0.7})
    assert r.splits == {"range": 0.7, "strength": 3.5}
    assert r.table["range_level"].tolist() == ["low", "low", "low"]


def test_typology_n_spheres_range_measure():
    r = network_metrics(hand_alters(), range_measure="n_spheres")
    assert r.splits["range"] == 2.0  # median of (3, 2, 1)
    assert r.table["range_level"].tolist() == ["high", "low", "low"]


def test_typology_each_quadrant_mapping():
    r = network_metrics(hand_alters(), cutoffs={"range": 0.55, "strength": 3.0})
    # E1 (.625, 3.5) high/high; E2 (.5, 1.5) low/low; E3 (0, 5) low/high
    assert r.table["network_type"].astype(str).tolist() == [
        "entrepreneurial",
        "receptive",
        "traditional",
    ]


# ----------------------------------------------------------------------------- egos without alters


def test_ego_without_alters_kept_with_size_zero():
    r = network_metrics(hand_alters(), ties=hand_ties(), egos=["E1", "E2", "E3", "E4"])
    t = r.table.set_index("ego_id")
    assert t.loc["E4", "size"] == 0
    others = t.drop(columns=["size"]).loc["E4"]
    assert others.isna().all()
    # the empty network does not change the medians
    assert r.splits == {"range": 0.5, "strength": 3.5}
    assert any("no alters" in n for n in r.notes)


def test_row_without_alter_id_marks_ego_present():
    a = pd.concat(
        [hand_alters(), pd.DataFrame({"ego_id": ["E9"], "alter_id": [np.nan]})],
        ignore_index=True,
    )
    t = network_metrics(a).table.set_index("ego_id")
    assert t.loc["E9", "size"] == 0 and np.isnan(t.loc["E9", "strength"])


def test_rows_without_ego_id_are_dropped_and_counted():
    a = hand_alters()
    a.loc[6, "ego_id"] = np.nan
    r = network_metrics(a)
    assert r.n_dropped == 1 and "E3" not in set(r.table["ego_id"])
    assert any("left out" in n for n in r.notes)


def test_missing_values_use_available_alters():
    a = hand_alters()
    a.loc[0, "closeness"] = np.nan  # E1 strength = mean(2, 5, 3)
    a.loc[2, "sphere"] = np.nan  # E1 spheres: same_org x2, school -> p = (2/3, 1/3)
    a.loc[3, "relative_level"] = None  # E1 levels: up, up, lateral
    t = network_metrics(a).table.set_index("ego_id")
    assert abs(t.loc["E1", "strength"] - 10 / 3) < TOL
    assert abs(t.loc["E1", "blau_range"] - (1 - (4 / 9 + 1 / 9))) < TOL
    assert abs(t.loc["E1", "share_up"] - 2 / 3) < TOL
    assert t.loc["E1", "size"] == 4


def test_waves_give_ego_by_wave_rows_and_pooled_median():
    a = hand_alters().assign(wave=1)
    b = hand_alters().assign(wave=2)
    b = b[b["alter_id"] != "d"]
    r = network_metrics(pd.concat([a, b]), wave="wave")
    assert len(r.table) == 6
    assert r.table.set_index(["ego_id", "wave"]).loc[("E1", 2), "size"] == 3


# ----------------------------------------------------------------------------- change


def wave_alters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ego_id": ["E1"] * 6 + ["E2"] * 4 + ["E3"],
            "wave": [1, 1, 1, 2, 2, 2, 1, 2, 2, 2, 1],
            "alter_id": ["a", "b", "c", "b", "c", "d", "e", "e", "f", "g", "h"],
            "relative_level": [
                *("up", "up", "lateral", "up", "lateral", "down"),
                *("down", "down", "up", "lateral", "up"),
            ],
            "sphere": [
                *("family", "school", "family", "school", "family", "community"),
                *("school", "school", "family", "family", "school"),
            ],
            "closeness": [4, 2, 5, 3, 5, 1, 2, 4, 4, 4, 3],
        }
    )


def test_network_change_counts_and_ids():
    ch = network_change(wave_alters())
    assert isinstance(ch, NetworkChangeResult)
    t = ch.table.set_index("ego_id")
    assert (t.loc["E1", ["n_retained", "n_added", "n_dropped"]].tolist()) == [2, 1, 1]
    assert t.loc["E1", "retained"] == ("b", "c")
    assert t.loc["E1", "added"] == ("d",) and t.loc["E1", "dropped"] == ("a",)
    assert (t.loc["E2", ["n_retained", "n_added", "n_dropped"]].tolist()) == [1, 2, 0]
    assert t.loc["E2", "dropped"] == ()
    # E3 answered wave 1 only: not reassessed
    assert pd.isna(t.loc["E3", "n_added"]) and t.loc["E3", "added"] is None
    assert ch.n_reassessed == 2


def test_network_change_metric_changes():
    t = network_change(wave_alters()).table.set_index("ego_id")
    # E1 strength (4+2+5)/3 -> (3+5+1)/3; share_down 0 -> 1/3; blau 4/9 -> 2/3
    assert abs(t.loc["E1", "strength_change"] - (3 - 11 / 3)) < TOL
    assert abs(t.loc["E1", "share_down_change"] - 1 / 3) < TOL
    assert abs(t.loc["E1", "blau_range_change"] - (2 / 3 - 4 / 9)) < TOL
    assert t.loc["E2", "size_change"] == 2
    assert np.isnan(t.loc["E3", "size_change"])


def test_network_change_types_and_transitions():
    ch = network_change(wave_alters(), cutoffs={"range": 0.4, "strength": 3.5})
    t = ch.table.set_index("ego_id")
    # E1 w1: blau 4/9 high, strength 11/3 high -> entrepreneurial; w2: 2/3 high, 3 low -> opp.
    # E2 w1: blau 0 low, 2 low -> receptive; w2: (1/3 school, 2/3 family) 4/9 high, 4 high -> entr.
    assert (t.loc["E1", "type_from"], t.loc["E1", "type_to"]) == (
        "entrepreneurial",
        "opportunistic",
    )
    assert (t.loc["E2", "type_from"], t.loc["E2", "type_to"]) == ("receptive", "entrepreneurial")
    assert bool(t.loc["E1", "type_changed"]) is True
    tr = ch.transitions
    assert tr.shape == (4, 4) and tr.to_numpy().sum() == 2
    assert tr.loc["entrepreneurial", "opportunistic"] == 1
    assert tr.loc["receptive", "entrepreneurial"] == 1
    assert "Type transitions" in ch.summary()


def test_network_change_with_egos_treats_missing_wave_as_empty():
    ch = network_change(wave_alters(), egos=["E1", "E2", "E3"])
    t = ch.table.set_index("ego_id")
    assert t.loc["E3", "size_to"] == 0
    assert t.loc["E3", "n_dropped"] == 1 and t.loc["E3", "dropped"] == ("h",)


def test_network_change_explicit_waves_and_ties():
    a = wave_alters()
    a3 = a[a["wave"] == 2].assign(wave=3)
    ties = pd.DataFrame(
        {"ego_id": ["E1", "E1"], "wave": [1, 3], "alter_a": ["a", "b"], "alter_b": ["b", "d"]}
    )
    ch = network_change(pd.concat([a, a3]), from_wave=1, to_wave=3, ties=ties)
    t = ch.table.set_index("ego_id")
    assert abs(t.loc["E1", "density_change"] - 0.0) < TOL  # 1/3 -> 1/3
    assert any("other waves" in n for n in ch.notes)


# ----------------------------------------------------------------------------- bad input


def test_duplicate_alter_names_ego_alter_rows():
    a = pd.concat([hand_alters(), hand_alters().iloc[[1]]], ignore_index=True)
    with pytest.raises(
        DataValidationError, match=r"ego 'E1' lists alter 'b' 2 times \(rows 1, 7\)"
    ):
        network_metrics(a)


def test_duplicate_alter_allowed_across_waves_but_not_within():
    a = pd.concat([hand_alters().assign(wave=1), hand_alters().assign(wave=2)], ignore_index=True)
    network_metrics(a, wave="wave")
    with pytest.raises(DataValidationError, match="listed more than once"):
        network_metrics(a)


def test_unknown_level_value():
    a = hand_alters()
    a.loc[2, "relative_level"] = "sideways"
    with pytest.raises(DataValidationError, match=r"'sideways'.*rows 2.*up, lateral, down"):
        network_metrics(a)


def test_unknown_sphere_value():
    a = hand_alters()
    a.loc[4, "sphere"] = "church"
    with pytest.raises(DataValidationError, match=r"'church'.*rows 4.*same_organisation"):
        network_metrics(a)


@pytest.mark.parametrize("value", [6, 0, -1])
def test_closeness_out_of_range(value):
    a = hand_alters()
    a.loc[3, "closeness"] = value
    with pytest.raises(DataValidationError, match=r"between 1 and 5.*rows 3"):
        network_metrics(a)


def test_closeness_non_numeric():
    a = hand_alters()
    a["closeness"] = a["closeness"].astype(object)
    a.loc[0, "closeness"] = "very close"
    with pytest.raises(DataValidationError, match=r"non-numeric.*'very close'.*rows 0"):
        network_metrics(a)


def test_missing_column_suggests_close_match():
    a = hand_alters().rename(columns={"relative_level": "relative_levl"})
    with pytest.raises(DataValidationError, match="did you mean 'relative_levl'"):
        network_metrics(a)


def test_explicit_optional_column_must_exist():
    with pytest.raises(DataValidationError, match="'contact_freq'"):
        network_metrics(hand_alters(), frequency="contact_freq")


def test_tie_to_unknown_alter():
    ties = pd.concat(
        [hand_ties(), pd.DataFrame({"ego_id": ["E2"], "alter_a": ["e"], "alter_b": ["a"]})],
        ignore_index=True,
    )
    with pytest.raises(DataValidationError, match=r"row 4: ego 'E2', alter_b 'a'"):
        network_metrics(hand_alters(), ties=ties)


def test_tie_self_loop_and_missing_values():
    ties = pd.DataFrame({"ego_id": ["E1"], "alter_a": ["a"], "alter_b": ["a"]})
    with pytest.raises(DataValidationError, match="to itself"):
        network_metrics(hand_alters(), ties=ties)
    ties = pd.DataFrame({"ego_id": ["E1"], "alter_a": ["a"], "alter_b": [None]})
    with pytest.raises(DataValidationError, match="missing values in rows 0"):
        network_metrics(hand_alters(), ties=ties)


def test_ties_need_wave_column_when_wave_given():
    with pytest.raises(DataValidationError, match="'wave'"):
        network_metrics(hand_alters().assign(wave=1), wave="wave", ties=hand_ties())


def test_egos_list_missing_an_ego_in_data():
    with pytest.raises(DataValidationError, match=r"not in egos=: 'E3'"):
        network_metrics(hand_alters(), egos=["E1", "E2"])
    with pytest.raises(DataValidationError, match="must be a list"):
        network_metrics(hand_alters(), egos="E1")


def test_support_mixed_coding():
    a = hand_alters()
    a.loc[0, "psychosocial_support"] = 0
    with pytest.raises(DataValidationError, match=r"mixes codings.*rows 0"):
        network_metrics(a)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "mean"}, "split='mean'"),
        ({"split": "fixed"}, "needs cutoffs"),
        ({"cutoffs": {"range": 0.5, "size": 3}}, "unknown key"),
        ({"cutoffs": {"range": "high"}}, "must be a number"),
        ({"range_measure": "entropy"}, "range_measure"),
        ({"at_split": "middle"}, "at_split"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        network_metrics(hand_alters(), **kwargs)


def test_network_change_bad_waves():
    with pytest.raises(DataValidationError, match="at least two waves"):
        network_change(hand_alters().assign(wave=1))
    with pytest.raises(DataValidationError, match="to_wave=5 is not a wave"):
        network_change(wave_alters(), to_wave=5)
    with pytest.raises(DataValidationError, match="same wave"):
        network_change(wave_alters(), from_wave=2, to_wave=2)


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="needs a pandas DataFrame"):
        network_metrics([1, 2, 3])


# ----------------------------------------------------------------------------- properties


@st.composite
def alter_tables(draw):
    n_egos = draw(st.integers(1, 6))
    rows = []
    for e in range(n_egos):
        for k in range(draw(st.integers(1, 8))):
            rows.append(
                {
                    "ego_id": f"E{e}",
                    "alter_id": f"A{k}",
                    "relative_level": draw(st.sampled_from(LEVELS)),
                    "sphere": draw(st.sampled_from(SPHERES)),
                    "closeness": draw(st.integers(1, 5)),
                }
            )
    return pd.DataFrame(rows)


@settings(max_examples=25, deadline=None)
@given(alter_tables(), st.randoms(use_true_random=False))
def test_properties(a, rnd):
    t = network_metrics(a).table.set_index("ego_id")
    shares = t[["share_up", "share_lateral", "share_down"]].sum(axis=1)
    assert np.allclose(shares, 1.0)
    assert (t["blau_range"] >= -TOL).all()
    assert (t["blau_range"] <= 1 - 1 / t["n_spheres"] + TOL).all()
    assert (t["size"] == a.groupby("ego_id").size()).all()
    assert t["network_type"].notna().all()
    # row order does not matter
    perm = list(range(len(a)))
    rnd.shuffle(perm)
    t2 = network_metrics(a.iloc[perm]).table.set_index("ego_id")
    pd.testing.assert_frame_equal(t, t2)


# ----------------------------------------------------------------------------- figures


def test_result_plots(res, tmp_path):
    ax = res.plot()
    assert ax.get_xlabel().startswith("Range")
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Receptive" in texts and "n = 1" in texts
    ax.figure.savefig(tmp_path / "typ.png")
    ax = res.plot("ego", ego_id="E1")
    assert "E1" in ax.get_title()
    labels = {t.get_text() for t in ax.texts}
    assert {"a", "b", "c", "d", "Ego", "Up", "Down", "Lateral"} <= labels
    ax.figure.savefig(tmp_path / "ego.png")
    plt.close("all")
    with pytest.raises(ConfigError):
        res.plot("pie")


def test_ego_plot_many_alters_no_label_overlap():
    n = 10
    a = pd.DataFrame(
        {
            "ego_id": "E1",
            "alter_id": [f"alter number {k}" for k in range(n)],
            "relative_level": ["up"] * 4 + ["lateral"] * 4 + ["down"] * 2,
            "sphere": (list(SPHERES) * 2)[:n],
            "closeness": [1, 2, 3, 4, 5] * 2,
        }
    )
    ax = fig.plot_ego_network(a, "E1", label="alter_id")
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().startswith("alter")]
    assert len(boxes) == n
    for i in range(n):
        for j in range(i + 1, n):
            assert not boxes[i].overlaps(boxes[j]), (i, j)
    plt.close("all")


def test_ego_plot_unknown_ego():
    with pytest.raises(DataValidationError, match="has no alters"):
        fig.plot_ego_network(hand_alters(), "E99")


def test_change_plots(tmp_path):
    ch = network_change(wave_alters(), ties=None)
    for kind in ("slope", "turnover", "transitions"):
        ax = ch.plot(kind, metric="strength")
        ax.figure.savefig(tmp_path / f"{kind}.png")
    plt.close("all")
    with pytest.raises(ConfigError):
        ch.plot("bars")


def test_public_names_resolve():
    assert ld.network_metrics is network_metrics
    assert ld.network_change is network_change
