"""The reverse-mentoring dyad pipeline (studies/dyads.py) and the bundled dyad data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError
from learning_direction.simulate._beyond import bundled_dyads

N_BOOT = 200  # small: the k-ratio bootstrap is not what these tests check


@pytest.fixture(scope="module")
def res():
    return ld.run_study("dyads", n_boot=N_BOOT, seed=11)


def test_bundled_data_layout():
    d = ld.load_dataset("dyads")
    assert len(d) == 400 and d["dyad_id"].nunique() == 200
    assert (
        d.groupby("dyad_id")["role"].apply(lambda r: sorted(r.astype(str)))
        == pd.Series([["mentee", "mentor"]] * 200, index=sorted(d["dyad_id"].unique()))
    ).all()
    # reverse pairs: the mentor is the junior member
    rev = d[(d["reverse_mentoring"] == 1) & (d["role"] == "mentor")]
    assert 40 <= len(rev) <= 90 and (rev["senior"] == 0).all()
    # each role answers only its own mutual-benefit scale
    mentors = d[d["role"] == "mentor"]
    assert mentors[ld.load_scale("mutual_benefit_mentee").item_ids].isna().all().all()
    assert mentors[ld.load_scale("mutual_benefit_mentor").item_ids].notna().mean().mean() > 0.95


def test_generator_reproducible():
    pd.testing.assert_frame_equal(bundled_dyads(3, n_dyads=20), bundled_dyads(3, n_dyads=20))


def test_tables(res):
    for key in (
        "reliability",
        "descriptives",
        "apim",
        "apim_tests",
        "fit_agreement",
        "apim_reverse",
        "apim_by_type",
        "mutual_benefit",
        "mutual_benefit_test",
    ):
        assert key in res.tables, key
    apim = res.tables["apim"]
    assert {"term", "estimate", "se", "ci_low", "ci_high", "p_value"} <= set(apim.columns)
    assert {"k_mentor", "k_mentee", "actor_mentor", "partner_mentor_to_mentee"} <= set(apim["term"])
    assert set(res.tables["apim_by_type"]["pair_type"]) == {"traditional", "reverse"}
    mb = res.tables["mutual_benefit"]
    assert set(mb["group"]) == {"all", "reverse", "traditional"}
    assert mb.groupby("group")["share"].sum().to_numpy() == pytest.approx(1.0)


def test_sem_and_gls_agree(res):
    agree = res.tables["fit_agreement"]
    assert agree["abs_diff_estimate"].max() < 1e-4
    assert agree["abs_diff_se"].max() < 1e-4
    assert "agreed" in res.text["agreement"]


def test_key_findings(res):
    t = res.tables["apim"].set_index("term")
    # simulated: actor .40 / .30, partner .15 (mentee->mentor) / .25 (mentor->mentee)
    assert t.at["actor_mentor", "p_value"] < 0.001
    assert t.at["actor_mentee", "p_value"] < 0.001
    assert 0 < t.at["k_mentor", "estimate"] < 1
    assert t.at["residual_corr", "estimate"] > 0.2
    k = t.at["k_mentor", "estimate"]
    assert k == pytest.approx(
        t.at["partner_mentee_to_mentor", "estimate"] / t.at["actor_mentor", "estimate"]
    )
    tests = res.tables["apim_tests"]
    assert set(tests["test"]) == {"equal_actor", "equal_partner", "equal_actor_and_partner"}


def test_mutual_benefit_by_hand(res):
    d = ld.load_dataset("dyads")
    own = {
        "mentor": ["mbr_self_1", "mbr_self_2", "mbr_self_3"],
        "mentee": ["mbe_self_1", "mbe_self_2", "mbe_self_3"],
    }
    score = pd.Series(np.nan, index=d.index)
    for role, items in own.items():
        rows = d["role"] == role
        x = d.loc[rows, items].copy()
        x[items[2]] = 8 - x[items[2]]  # reverse keyed, 1-7
        ok = x.notna().sum(axis=1) >= 2
        score[rows] = x.mean(axis=1).where(ok)
    w = d.assign(g=score).pivot(index="dyad_id", columns="role", values="g").dropna()
    both = int(((w["mentor"] > 4) & (w["mentee"] > 4)).sum())
    mb = res.tables["mutual_benefit"].set_index(["group", "category"])
    assert mb.at[("all", "both_gain"), "n"] == both


def test_same_seed_identical():
    r1 = ld.run_study("dyads", n_boot=N_BOOT, seed=3)
    r2 = ld.run_study("dyads", n_boot=N_BOOT, seed=3)
    for k in r1.tables:
        pd.testing.assert_frame_equal(r1.tables[k], r2.tables[k])


def test_figures(res, tmp_path, close_figures):
    assert set(res.figures) == {"apim_diagram", "mutual_benefit_chart"}
    paths = res.save(tmp_path, formats=("png",))
    assert (tmp_path / "figures" / "dyads_apim_diagram.png").exists()
    assert len([p for p in paths if p.suffix == ".png"]) == 2


def test_missing_column_named():
    d = ld.load_dataset("dyads").drop(columns=["satisfaction"])
    with pytest.raises(DataValidationError, match="satisfaction"):
        ld.run_study("dyads", data=d, n_boot=N_BOOT)
    d = ld.load_dataset("dyads").drop(columns=["mbe_self_2"])
    with pytest.raises(DataValidationError, match="mbe_self_2"):
        ld.run_study("dyads", data=d, n_boot=N_BOOT)


def test_role_missing():
    d = ld.load_dataset("dyads")
    d = d[d["role"] == "mentor"]
    with pytest.raises(DataValidationError, match="mentee"):
        ld.run_study("dyads", data=d, n_boot=N_BOOT)
