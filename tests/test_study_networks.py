"""The developmental-network pipeline (studies/networks.py) and the bundled network data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError
from learning_direction.simulate._beyond import bundled_networks
from learning_direction.studies.networks import convergent_validity


@pytest.fixture(scope="module")
def res():
    from learning_direction.studies import networks

    return networks.run(m=5)  # few imputations keep the test fast


def test_bundled_data():
    egos = ld.load_dataset("networks_egos")
    alters = ld.load_dataset("networks_alters")
    ties = ld.load_dataset("networks_ties")
    waves = ld.load_dataset("networks_waves")
    assert len(egos) == 120 and egos["ego_id"].is_unique
    assert set(alters["wave"].unique()) == {1, 2}
    assert set(ties["ego_id"]) <= set(alters["ego_id"])
    assert set(ld.load_scale("learning_direction").item_ids) <= set(egos.columns)
    # the participation record: every invited ego at every wave, 0/1
    assert len(waves) == 240 and set(waves["responded"]) == {0, 1}
    assert set(waves["ego_id"]) == set(egos["ego_id"])
    answered = set(
        zip(*(waves.loc[waves.responded == 1, c] for c in ("ego_id", "wave")), strict=True)
    )
    assert set(zip(alters["ego_id"], alters["wave"], strict=True)) == answered
    assert set(zip(ties["ego_id"], ties["wave"], strict=True)) <= answered
    # egos who never answered have no survey answers (their roster tenure is known)
    never = set(waves.loc[(waves.wave == 1) & (waves.responded == 0), "ego_id"])
    items = list(ld.load_scale("learning_direction").item_ids)
    silent = egos[egos["ego_id"].isin(never)]
    assert len(never) == 9 and silent[items].isna().all().all() and silent["tenure"].notna().all()
    w = waves.pivot(index="ego_id", columns="wave", values="responded")
    assert int(((w[1] == 1) & (w[2] == 0)).sum()) == 18  # drop-outs between the waves
    assert int(((w[1] == 0) & (w[2] == 1)).sum()) == 0  # non-respondents were not re-contacted


def test_generator_reproducible():
    a = bundled_networks(4, n_egos=10)
    b = bundled_networks(4, n_egos=10)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_tables(res):
    for key in (
        "reliability",
        "metrics",
        "typology",
        "turnover",
        "change",
        "transitions",
        "convergent_validity",
    ):
        assert key in res.tables, key
    m = res.tables["metrics"]
    assert len(m) == 240  # every invited ego at both waves; non-respondents' rows are missing
    assert m.loc[~m["responded"], "size"].isna().all()
    assert {
        "size",
        "blau_range",
        "strength",
        "share_up",
        "share_down",
        "density",
        "network_type",
    } <= set(m.columns)
    typ = res.tables["typology"]
    assert typ["n_wave_1"].sum() == 111 and typ["n_wave_2"].sum() == 93
    trans = res.tables["transitions"].set_index("type_wave_1")
    assert int(trans.to_numpy().sum()) == 93  # egos who answered at both waves
    # transitions agree with the wave-2 type counts (every wave-2 respondent answered wave 1)
    assert trans.sum(axis=0).to_dict() == typ.set_index("network_type")["n_wave_2"].to_dict()


def test_turnover_by_hand(res):
    a = ld.load_dataset("networks_alters")
    both = set(a.loc[a.wave == 2, "ego_id"])  # drop-outs' wave-1 alters are not "dropped"
    a = a[a["ego_id"].isin(both)]
    s1 = set(zip(a.loc[a.wave == 1, "ego_id"], a.loc[a.wave == 1, "alter_id"], strict=True))
    s2 = set(zip(a.loc[a.wave == 2, "ego_id"], a.loc[a.wave == 2, "alter_id"], strict=True))
    tv = res.tables["turnover"].set_index("quantity")["total"]
    assert tv["alters retained"] == len(s1 & s2)
    assert tv["alters added"] == len(s2 - s1)
    assert tv["alters dropped"] == len(s1 - s2)


def test_share_down_by_hand(res):
    a = ld.load_dataset("networks_alters")
    w1 = a[a.wave == 1]
    by_hand = w1.groupby("ego_id")["relative_level"].apply(lambda s: (s == "down").mean())
    m = res.tables["metrics"]
    got = m[m.wave == 1].set_index("ego_id")["share_down"]
    np.testing.assert_allclose(got.loc[by_hand.index], by_hand, rtol=1e-12)


def test_convergent_validity(res):
    c = res.tables["convergent_validity"]
    row = c[(c.wave == 1) & (c.network == "share_down") & (c.survey == "downward")].iloc[0]
    assert row["expected"] and row["r"] > 0.3 and row["p_value"] < 0.001
    # by hand: Pearson r of wave-1 share_down with the scored downward subscale
    egos = ld.load_dataset("networks_egos")
    down = ld.score(egos, "learning_direction").scores["downward"]
    m = res.tables["metrics"]
    sd = m[m.wave == 1].set_index("ego_id")["share_down"].loc[egos["ego_id"]].to_numpy()
    ok = ~np.isnan(sd) & down.notna().to_numpy()  # the 9 egos who never answered drop out
    assert int(ok.sum()) == row["n"] == 111
    r = np.corrcoef(sd[ok], down.to_numpy()[ok])[0, 1]
    assert row["r"] == pytest.approx(r, abs=1e-12)
    assert row["ci_low"] < r < row["ci_high"]
    assert "convergent validity" in res.text["main"]


def test_convergent_validity_duplicate_ego():
    m = pd.DataFrame(
        {
            "ego_id": ["a", "b"],
            "share_up": [0.1, 0.2],
            "share_lateral": [0.3, 0.3],
            "share_down": [0.6, 0.5],
        }
    )
    s = pd.DataFrame(
        {"ego_id": ["a", "a"], "upward": [1, 2], "lateral": [1, 2], "downward": [1, 2]}
    )
    with pytest.raises(DataValidationError, match="more than once"):
        convergent_validity(m, s)


def test_same_seed_identical():
    from learning_direction.studies import networks

    r1 = networks.run(seed=1, m=3)
    r2 = networks.run(seed=1, m=3)
    for k in r1.tables:
        pd.testing.assert_frame_equal(r1.tables[k], r2.tables[k])
    r3 = networks.run(seed=2, m=3)  # the seed drives the imputations, and only them
    s1, s3 = r1.tables["change_sensitivity"], r3.tables["change_sensitivity"]
    assert not np.allclose(s1["mi_estimate"], s3["mi_estimate"])
    pd.testing.assert_frame_equal(r1.tables["change"], r3.tables["change"])


def test_figures(res, tmp_path, close_figures):
    assert set(res.figures) == {"ego_network", "typology_plot", "change_plot", "transitions_plot"}
    res.save(tmp_path, formats=("png",))
    assert (tmp_path / "figures" / "networks_ego_network.png").exists()


def test_alters_only_skips_validity():
    r = ld.run_study("networks", data=ld.load_dataset("networks_alters"))
    assert "convergent_validity" not in r.tables
    assert "no ego survey" in r.design


def test_missing_column_named():
    a = ld.load_dataset("networks_alters").drop(columns=["sphere"])
    with pytest.raises(DataValidationError, match="sphere"):
        ld.run_study("networks", data=a)
    egos = ld.load_dataset("networks_egos").drop(columns=["ld_down_2"])
    with pytest.raises(DataValidationError, match="ld_down_2"):
        ld.run_study("networks", data={"alters": ld.load_dataset("networks_alters"), "egos": egos})


def test_bad_data_type():
    with pytest.raises(DataValidationError, match="alters"):
        ld.run_study("networks", data={"egos": ld.load_dataset("networks_egos")})
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.run_study("networks", data=[1, 2])


# ------------------------------------------------------------------------ MTMM, multiplicity,
# the ego's level


def test_holm_within_wave_and_across_change_tests(res):
    c = res.tables["convergent_validity"]
    for _w, part in c.groupby("wave"):
        assert len(part) == 9
        np.testing.assert_allclose(part["p_holm"], ld.adjust_p(part["p_value"].to_numpy(), "holm"))
    ch = res.tables["change"]
    np.testing.assert_allclose(ch["p_holm"], ld.adjust_p(ch["p_value"].to_numpy(), "holm"))
    assert "Holm-adjusted across the 5 metrics" in res.text["change"]
    assert "Holm-adjusted across the 9 correlations" in res.text["main"]
    assert any("Multiplicity" in n and "Holm" in n for n in res.notes)


def test_mtmm_matrix_and_criteria(res):
    mt = res.tables["mtmm"].set_index("variable")
    conv = res.tables["convergent_validity"]
    c1 = conv[conv.wave == 1].set_index(["network", "survey"])
    assert mt.loc["Network: share down", "Survey: downward"] == pytest.approx(
        c1.loc[("share_down", "downward"), "r"], rel=1e-12
    )
    rel = res.tables["reliability"].set_index("scale")
    assert mt.loc["Survey: downward", "Survey: downward"] == pytest.approx(
        rel.loc["downward", "alpha"]
    )
    m = res.tables["metrics"]
    a, b = (m[m.wave == w].set_index("ego_id")["share_down"] for w in (1, 2))
    assert mt.loc["Network: share down", "Network: share down"] == pytest.approx(
        a.corr(b.loc[a.index])
    )
    assert np.isnan(mt.loc["Survey: upward", "Survey: lateral"])  # upper triangle empty
    crit = res.tables["mtmm_criteria"].set_index("trait")
    assert crit.loc["downward", "criterion_1"] and not crit.loc["upward", "criterion_1"]
    hh = [c1.loc[("share_down", t), "r"] for t in ("upward", "lateral")]
    hh += [c1.loc[(s, "downward"), "r"] for s in ("share_up", "share_lateral")]
    assert crit.loc["downward", "hh_largest"] == pytest.approx(max(hh, key=abs))
    text = res.text["mtmm"]
    assert "Campbell & Fiske" in text and "only downward met the first criterion" in text
    assert f"r = {crit.loc['downward', 'hh_largest']:.2f}".replace("0.", ".") in text
    assert "sum to 1" in res.text["shares"]
    assert any("sum to 1" in n and "fourth criterion" in n for n in res.notes)


def test_no_level_column_is_said(res):
    assert "convergent_partial" not in res.tables
    assert "has no hierarchical level" in res.text["level"]


def test_partial_correlation_controls_for_the_egos_level():
    egos = ld.load_dataset("networks_egos")
    rng = np.random.default_rng(7)
    egos = egos.assign(hierarchical_level=rng.integers(1, 6, len(egos)).astype(float))
    data = {
        "alters": ld.load_dataset("networks_alters"),
        "ties": ld.load_dataset("networks_ties"),
        "egos": egos,
    }
    r = ld.run_study("networks", data=data)
    part = r.tables["convergent_partial"].set_index(["network", "survey"])
    row = part.loc[("share_down", "downward")]
    # by hand: residualize both on the level, correlate (R: ppcor::pcor.test); without the
    # participation record the 9 egos without alters count as empty networks (no shares)
    down = ld.score(egos, "learning_direction").scores["downward"].to_numpy()
    m = r.tables["metrics"]
    sd = m[m.wave == 1].set_index("ego_id")["share_down"].loc[egos["ego_id"]].to_numpy()
    ok = ~np.isnan(sd) & ~np.isnan(down)
    x = np.column_stack([np.ones(int(ok.sum())), egos["hierarchical_level"][ok]])
    e1 = sd[ok] - x @ np.linalg.lstsq(x, sd[ok], rcond=None)[0]
    e2 = down[ok] - x @ np.linalg.lstsq(x, down[ok], rcond=None)[0]
    assert row["r"] == pytest.approx(np.corrcoef(e1, e2)[0, 1], rel=1e-10)
    assert row["control"] == "hierarchical_level" and row["n"] == 111
    assert "partial r(108)" in r.text["level"]
    with pytest.raises(DataValidationError, match="level='rank'"):
        _networks_run(data, "rank")


def _networks_run(data, level):
    from learning_direction.studies import networks

    return networks.run(data=data, level=level)


# ------------------------------------------------------------------ participation and attrition


def test_participation_flow_counts_add_up(res):
    flow = res.tables["participation_flow"].set_index("stage")
    waves = ld.load_dataset("networks_waves")
    w = waves.pivot(index="ego_id", columns="wave", values="responded")
    assert flow.loc["invited", "n"] == len(w) == 120
    assert flow.loc["answered wave 1", "n"] == int(w[1].sum()) == 111
    assert flow.loc["answered waves 1 and 2", "n"] == int(((w[1] == 1) & (w[2] == 1)).sum()) == 93
    # each stage = the one before minus those left out
    for stage in ("answered wave 1", "answered waves 1 and 2"):
        assert flow.loc[stage, "n"] + flow.loc[stage, "left_out"] == flow.loc[stage, "of"]
    assert flow.loc["answered waves 1 and 2", "of"] == flow.loc["answered wave 1", "n"]
    # the change tests use exactly the egos observed at both waves
    assert set(res.tables["change"]["n"]) == {93}
    assert res.results["change"].n_reassessed == 93
    text = res.text["participation"]
    assert "Of 120 invited egos, 111" in text and "93 of them" in text
    assert "9 never answered and 18 dropped out" in text
    assert (
        "Among the 93 egos who answered at both waves (27 invited egos left out: 9 never "
        "answered, 18 dropped out after wave 1)" in res.text["change"]
    )
    assert "27 invited egos left out" in res.captions["change"]


def _wave1_frame(res):
    """Wave-1 respondents with their status and wave-1 variables, built by hand."""
    m = res.tables["metrics"]
    waves = ld.load_dataset("networks_waves").pivot(index="ego_id", columns="wave",
                                                     values="responded")  # fmt: skip
    m1 = m[(m.wave == 1) & m.responded].set_index("ego_id")
    egos = ld.load_dataset("networks_egos").set_index("ego_id")
    d = pd.DataFrame(index=m1.index)
    d["dropped_out"] = (waves[2].reindex(d.index) == 0).astype(int)
    d["status"] = pd.Categorical(np.where(d["dropped_out"] == 1, "dropped out", "stayed"),
                                 categories=["stayed", "dropped out"])  # fmt: skip
    d["tenure"] = egos["tenure"].reindex(d.index)
    d["downward"] = ld.score(egos, "learning_direction").scores["downward"].reindex(d.index)
    for c in ("size", "blau_range", "strength", "share_down"):
        d[c] = m1[c].astype(float)
    return d.reset_index()


def test_attrition_analysis_matches_direct_calls(res):
    d = _wave1_frame(res)
    att = res.tables["attrition"].set_index("variable")
    for var in ("tenure", "downward", "size", "share_down"):
        direct = ld.ttest(d, var, "status")  # R: t.test(var ~ status); effectsize::hedges_g
        row = direct.table.iloc[0]
        for col in ("estimate", "t", "df", "p_value", "hedges_g", "g_ci_low", "g_ci_high"):
            assert att.loc[var, col] == pytest.approx(row[col], rel=1e-12), (var, col)
        assert att.loc[var, "n_stayed"] == 93 and att.loc[var, "n_dropped"] == 18
    lg = ld.logit(d, "dropped_out ~ tenure + size + strength + share_down")
    got = res.tables["attrition_logit"].set_index("term")
    for term, row in lg.table.set_index("term").iterrows():
        assert got.loc[term, "estimate"] == pytest.approx(row["estimate"], rel=1e-10)
        assert got.loc[term, "se"] == pytest.approx(row["se"], rel=1e-10)
    # the bundled drop-out depends on wave-1 size (stated in data/README.md): smaller networks
    assert att.loc["size", "estimate"] > 0 and got.loc["size", "estimate"] < 0
    assert (
        "size" in res.text["attrition"]
        and "not missing completely at random" in res.text["attrition"]
    )


def test_mi_sensitivity_pooled_by_rubin(res):
    from learning_direction.studies._network_attrition import mi_change

    sens = res.tables["change_sensitivity"].set_index("metric")
    cc = res.tables["change"].set_index("metric")
    np.testing.assert_allclose(sens["cc_estimate"], cc.loc[sens.index, "estimate"], rtol=1e-12)
    assert set(sens["mi_n"]) == {111} and set(sens["cc_n"]) == {93}
    assert ((sens["fmi"] > 0) & (sens["fmi"] < 1)).all()
    # by hand: impute with the same seed, pool the mean change with ld.regress
    d = _wave1_frame(res)
    m = res.tables["metrics"]
    again = mi_change(d, m, res.tables["change"], 1, 2, change_metrics=tuple(sens.index),
                      m=5, seed=20261122)  # fmt: skip
    pd.testing.assert_frame_equal(again.set_index("metric"), sens)  # same seed, same numbers
    m2 = m[m.wave == 2].set_index("ego_id")
    wide = d.set_index("ego_id")[["tenure", "downward"]].copy()
    for c in ("size", "blau_range", "strength", "share_up", "share_down"):
        wide[f"{c}_1"] = m[m.wave == 1].set_index("ego_id")[c].astype(float).reindex(wide.index)
        wide[f"{c}_2"] = m2[c].astype(float).reindex(wide.index)
    imp = ld.impute(wide.reset_index(), m=5, seed=20261122, exclude=["ego_id"])
    done = [x.assign(ch=x["size_2"] - x["size_1"]) for x in imp]
    pooled = ld.regress(done, "ch ~ 1").table.iloc[0]
    assert sens.loc["size", "mi_estimate"] == pytest.approx(pooled["estimate"], rel=1e-12)
    assert sens.loc["size", "mi_se"] == pytest.approx(pooled["se"], rel=1e-12)


def test_sentences_follow_the_results():
    from learning_direction.studies._network_attrition import (
        attrition_text,
        flow_text,
        participation_flow,
        sensitivity_text,
    )

    rec = pd.DataFrame({"ego_id": list("abcdef") * 2, "wave": [1] * 6 + [2] * 6,
                        "responded": [1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0]})  # fmt: skip
    flow = participation_flow(rec, 1, 2)
    assert flow["n"].tolist() == [6, 5, 3] and flow["left_out"].tolist() == [0, 1, 2]
    assert "1 never answered and 2 dropped out" in flow_text(flow)
    rec2 = rec.assign(responded=[1] * 6 + [1, 1, 1, 1, 1, 0])
    assert "0 never answered and 1 dropped out" in flow_text(participation_flow(rec2, 1, 2))
    base = {"mean_stayed": 5.0, "mean_dropped": 4.0, "hedges_g": 0.5, "g_ci_low": 0.1,
            "g_ci_high": 0.9}  # fmt: skip
    sig = pd.DataFrame([{"variable": "size", "p_value": 0.01, **base}])
    ns = sig.assign(p_value=0.4)
    assert "differed from those who stayed at wave 1 in size" in attrition_text(sig, None)
    assert "did not differ significantly" in attrition_text(ns, None)
    sens = pd.DataFrame({"metric": ["size", "share_down"], "cc_estimate": [-0.1, 0.0],
                         "mi_estimate": [-0.2, 0.0], "mi_ci_low": [-0.4, -0.1],
                         "mi_ci_high": [0.0, 0.1], "same_conclusion": [True, True]})  # fmt: skip
    assert "stayed the same" in sensitivity_text(sens, 5)
    flipped = sensitivity_text(sens.assign(same_conclusion=[False, True]), 5)
    assert "changed for 1 of 2 metrics (size)" in flipped and "stayed the same" not in flipped


def test_without_participation_record_wave_without_alters_is_empty():
    """The behaviour before participation records, kept (and said) when none is given."""
    data = {k: ld.load_dataset(f"networks_{k}") for k in ("alters", "ties", "egos")}
    r = ld.run_study("networks", data=data)
    assert "participation_flow" not in r.tables and "change_sensitivity" not in r.tables
    assert any("No participation record" in n for n in r.notes)
    assert "no participation record" in r.design
    m = r.tables["metrics"]
    assert (m.loc[m.wave == 2, "size"] == 0).sum() == 27  # 9 never answered + 18 drop-outs


def test_make_data_writes_the_network_files_byte_for_byte(tmp_path):
    """``make data`` reproduces the four network files and their codebook rows as committed."""
    from pathlib import Path

    from learning_direction.simulate import write_datasets

    root = Path(__file__).resolve().parents[1] / "data"
    write_datasets(tmp_path, seed=20261122, names=["networks"])
    for name in ("egos", "alters", "ties", "waves"):
        f = f"networks_{name}.csv"
        assert (tmp_path / f).read_bytes() == (root / f).read_bytes(), f
    committed = pd.read_csv(root / "codebook.csv", dtype=str, keep_default_na=False)
    fresh = pd.read_csv(tmp_path / "codebook.csv", dtype=str, keep_default_na=False)
    mine = committed[committed["dataset"].str.startswith("networks_")].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, fresh)
    assert "responded" in set(ld.datasets.codebook("networks_waves")["column"])


def test_participation_record_with_yes_no_codes_gives_the_same_flow(res):
    from learning_direction.studies import networks

    data = {k: ld.load_dataset(f"networks_{k}") for k in ("alters", "ties", "egos", "waves")}
    data["waves"] = data["waves"].assign(
        responded=data["waves"]["responded"].map({1: "yes", 0: "no"})
    )
    r = networks.run(data=data, m=2)
    pd.testing.assert_frame_equal(r.tables["participation_flow"], res.tables["participation_flow"])
    bad = dict(data, waves=data["waves"].assign(responded="maybe"))
    with pytest.raises(DataValidationError, match="'responded' must be 1"):
        networks.run(data=bad, m=2)


def test_attrition_and_change_match_r(res):
    """R (tests/reference/make_attrition_reference.R) recomputes the wave-1 metrics from the
    alter table and runs t.test, effectsize::hedges_g, glm and the paired t tests."""
    from _reference import reference_json

    ref = reference_json("attrition_reference.json")
    flow = res.tables["participation_flow"]["n"].tolist()
    assert flow == [ref["flow"]["invited"], ref["flow"]["answered_1"], ref["flow"]["answered_both"]]
    att = res.tables["attrition"].set_index("variable")
    for var, r in ref["attrition"].items():
        for col in ("estimate", "t", "df", "p_value", "hedges_g"):
            assert att.loc[var, col] == pytest.approx(r[col], rel=1e-9), (var, col)
        # effectsize finds the noncentral-t bounds with optim (abstol 1e-9): agreement ~1e-7
        for col in ("g_ci_low", "g_ci_high"):
            assert att.loc[var, col] == pytest.approx(r[col], abs=1e-6), (var, col)
    lg = res.tables["attrition_logit"]
    assert lg["term"].tolist() == ref["logit"]["term"] and res.results["attrition_logit"].n == 111
    np.testing.assert_allclose(lg["estimate"], ref["logit"]["estimate"], rtol=1e-6)  # IRLS tol
    np.testing.assert_allclose(lg["se"], ref["logit"]["se"], rtol=1e-6)
    ch = res.tables["change"].set_index("metric")
    for metric, r in ref["change"].items():
        for col in ("estimate", "t", "df", "p_value", "ci_low", "ci_high", "n"):
            assert ch.loc[metric, col] == pytest.approx(r[col], rel=1e-9, abs=1e-12), (metric, col)
