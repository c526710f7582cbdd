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
    return ld.run_study("networks")


def test_bundled_data():
    egos = ld.load_dataset("networks_egos")
    alters = ld.load_dataset("networks_alters")
    ties = ld.load_dataset("networks_ties")
    assert len(egos) == 120 and egos["ego_id"].is_unique
    assert set(alters["wave"].unique()) == {1, 2}
    assert set(alters["ego_id"]) == set(egos["ego_id"])
    assert set(ties["ego_id"]) <= set(egos["ego_id"])
    assert set(ld.load_scale("learning_direction").item_ids) <= set(egos.columns)


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
    assert len(m) == 240
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
    assert typ["n_wave_1"].sum() == 120 and typ["n_wave_2"].sum() == 120
    trans = res.tables["transitions"].set_index("type_wave_1")
    assert int(trans.to_numpy().sum()) == 120
    # transitions agree with the per-wave type counts
    assert trans.sum(axis=1).to_dict() == typ.set_index("network_type")["n_wave_1"].to_dict()


def test_turnover_by_hand(res):
    a = ld.load_dataset("networks_alters")
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
    r = np.corrcoef(sd, down.to_numpy())[0, 1]
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
    r1 = ld.run_study("networks", seed=1)
    r2 = ld.run_study("networks", seed=1)
    for k in r1.tables:
        pd.testing.assert_frame_equal(r1.tables[k], r2.tables[k])


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
    # by hand: residualize both on the level, correlate (R: ppcor::pcor.test)
    down = ld.score(egos, "learning_direction").scores["downward"].to_numpy()
    m = r.tables["metrics"]
    sd = m[m.wave == 1].set_index("ego_id")["share_down"].loc[egos["ego_id"]].to_numpy()
    x = np.column_stack([np.ones(len(egos)), egos["hierarchical_level"]])
    e1 = sd - x @ np.linalg.lstsq(x, sd, rcond=None)[0]
    e2 = down - x @ np.linalg.lstsq(x, down, rcond=None)[0]
    assert row["r"] == pytest.approx(np.corrcoef(e1, e2)[0, 1], rel=1e-10)
    assert row["control"] == "hierarchical_level" and row["n"] == 120
    assert "partial r(117)" in r.text["level"]
    with pytest.raises(DataValidationError, match="level='rank'"):
        _networks_run(data, "rank")


def _networks_run(data, level):
    from learning_direction.studies import networks

    return networks.run(data=data, level=level)
