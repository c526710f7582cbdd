"""Participation records in network_metrics and network_change: no answer is not an empty network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import ConfigError, DataValidationError
from learning_direction.networks import network_change, network_metrics
from test_networks import hand_alters, hand_ties, wave_alters


def record(rows):
    return pd.DataFrame(rows, columns=["ego_id", "wave", "responded"])


#: E1, E2 answered twice; E3 answered at wave 1 only (drop-out); E4 answered twice, no alters;
#: E5 never answered
RECORD = record([("E1", 1, 1), ("E1", 2, 1), ("E2", 1, 1), ("E2", 2, 1), ("E3", 1, 1),
                 ("E3", 2, 0), ("E4", 1, 1), ("E4", 2, 1), ("E5", 1, 0), ("E5", 2, 0)])  # fmt: skip


def test_no_answer_is_missing_and_an_empty_answer_is_size_zero():
    r = network_metrics(wave_alters(), wave="wave", participation=RECORD)
    t = r.table.set_index(["ego_id", "wave"])
    assert len(t) == 10 and r.n_nonresponse == 3
    assert t.loc[("E4", 1), "size"] == 0 and bool(t.loc[("E4", 1), "responded"])
    for key in (("E3", 2), ("E5", 1), ("E5", 2)):
        assert pd.isna(t.loc[key, "size"]) and not t.loc[key, "responded"]
        assert t.loc[key, ["blau_range", "strength", "share_down"]].isna().all()
        assert pd.isna(t.loc[key, "network_type"])
    assert t.loc[("E1", 1), "size"] == 3 and t.loc[("E3", 1), "size"] == 1
    assert any("3 invited egos (rows) did not answer (1 at wave 1, 2 at wave 2)" in n
               for n in r.notes)  # fmt: skip
    assert any("answered but named no developer" in n for n in r.notes)


def test_without_record_the_behaviour_is_unchanged():
    """Without participation=, egos= still counts a wave without alters as empty (size 0)."""
    old = network_metrics(wave_alters(), wave="wave", egos=["E1", "E2", "E3"])
    t = old.table.set_index(["ego_id", "wave"])
    assert t.loc[("E3", 2), "size"] == 0 and "responded" not in old.table
    plain = network_metrics(wave_alters(), wave="wave")
    assert len(plain.table) == 5 and plain.n_nonresponse == 0


def test_single_wave_record():
    rec = pd.DataFrame({"ego_id": ["E1", "E2", "E3", "E9", "E8"], "responded": [1, 1, 1, 0, 1]})
    r = network_metrics(hand_alters(), ties=hand_ties(), participation=rec)
    t = r.table.set_index("ego_id")
    assert pd.isna(t.loc["E9", "size"]) and t.loc["E8", "size"] == 0
    assert pd.isna(t.loc["E9", "density"]) and t.loc["E1", "density"] >= 0


def test_alters_or_ties_at_an_unanswered_wave_are_an_error_naming_ego_and_wave():
    bad = RECORD.assign(responded=np.where((RECORD.ego_id == "E2") & (RECORD.wave == 2), 0,
                                           RECORD.responded))  # fmt: skip
    with pytest.raises(DataValidationError, match=r"ego 'E2' at wave 2.*did not answer"):
        network_metrics(wave_alters(), wave="wave", participation=bad)
    ties = pd.DataFrame({"ego_id": ["E3"], "wave": [2], "alter_a": ["h"], "alter_b": ["z"]})
    with pytest.raises(DataValidationError, match=r"ties for ego 'E3' at wave 2 \(rows 0\)"):
        network_metrics(wave_alters(), wave="wave", ties=ties, participation=RECORD)
    with pytest.raises(DataValidationError, match=r"does not list: ego 'E3' at wave 1"):
        network_metrics(wave_alters(), wave="wave", participation=RECORD[RECORD.ego_id != "E3"])


def test_record_values_are_checked():
    with pytest.raises(DataValidationError, match=r"'responded' must be 1.*rows 1"):
        network_metrics(wave_alters(), wave="wave",
                        participation=RECORD.assign(responded=[1, np.nan] + [1] * 8))  # fmt: skip
    with pytest.raises(DataValidationError, match=r"'responded' must be 1.*'maybe'"):
        network_metrics(wave_alters(), wave="wave",
                        participation=RECORD.assign(responded=["maybe"] + ["1"] * 9))  # fmt: skip
    with pytest.raises(DataValidationError, match="listed more than once"):
        network_metrics(wave_alters(), wave="wave", participation=pd.concat([RECORD, RECORD]))
    with pytest.raises(DataValidationError, match="'responded'"):
        network_metrics(wave_alters(), wave="wave", participation=RECORD.drop(columns="responded"))
    with pytest.raises(ConfigError, match="egos= or participation="):
        network_metrics(wave_alters(), wave="wave", participation=RECORD, egos=["E1"])
    with pytest.raises(DataValidationError, match="participation= must be a DataFrame"):
        network_metrics(wave_alters(), wave="wave", participation=[("E1", 1, 1)])


def test_ids_and_codes_match_across_spellings():
    """Ids as numbers in one table and text in the other (a CSV round trip), yes/no codes."""
    a = wave_alters().assign(ego_id=lambda d: d["ego_id"].str[1:].astype(int))
    rec = RECORD.assign(ego_id=RECORD["ego_id"].str[1:], wave=RECORD["wave"].astype(str),
                        responded=RECORD["responded"].map({1: "yes", 0: "no"}))  # fmt: skip
    t = network_metrics(a, wave="wave", participation=rec).table.set_index(["ego_id", "wave"])
    assert t.loc[(1, 1), "size"] == 3 and pd.isna(t.loc[(3, 2), "size"])


def test_change_reassesses_only_egos_who_answered_twice():
    ch = network_change(wave_alters(), participation=RECORD)
    t = ch.table.set_index("ego_id")
    assert ch.n_reassessed == 3  # E1, E2 and E4 (empty at both waves)
    assert pd.isna(t.loc["E3", "size_to"]) and pd.isna(t.loc["E3", "n_dropped"])
    assert pd.isna(t.loc["E3", "size_change"]) and t.loc["E3", "dropped"] is None
    assert t.loc["E4", "size_change"] == 0 and t.loc["E4", "n_dropped"] == 0
    assert bool(t.loc["E3", "responded_from"]) and not t.loc["E3", "responded_to"]
    assert any("1 egos answered at wave 1 but not at 2 (drop-out)" in n for n in ch.notes)
    assert any("1 egos answered at neither wave" in n for n in ch.notes)
    # the old reading: with egos= E3 lost every developer
    old = network_change(wave_alters(), egos=["E1", "E2", "E3"]).table.set_index("ego_id")
    assert old.loc["E3", "size_change"] == -1


def test_change_picks_waves_from_the_record():
    """A wave nobody answered is still a wave of the study: every change is missing."""
    a = wave_alters()
    rec = pd.concat([RECORD, record([(e, 3, 0) for e in RECORD.ego_id.unique()])])
    ch = network_change(a[a.wave == 1].assign(wave=1).pipe(lambda d: pd.concat(
        [d, a[a.wave == 2]])), participation=rec)  # fmt: skip
    assert ch.to_wave == 3 and ch.n_reassessed == 0


def test_bundled_record_in_the_public_api():
    alters = ld.load_dataset("networks_alters")
    waves = ld.load_dataset("networks_waves")
    r = ld.network_metrics(alters, wave="wave", participation=waves)
    assert len(r.table) == 240 and r.n_nonresponse == 36
    assert r.table["size"].isna().sum() == 36 and (r.table["size"] == 0).sum() == 0
