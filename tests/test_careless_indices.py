"""The careless-responding indices beyond long-string and IRV: R fixture, closed forms, flags.

The fixture (``tests/reference/careless_bfi.*``, made by ``make_careless_reference.R``) computes
the indices on psychTools ``bfi`` in base R following ``careless`` 1.2.2's definitions; see the
script for why it is not ``careless`` itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError
from learning_direction.scales import careless_indices as ci

TOL = 1e-8  # absolute, on correlations, D² (values 4-113) and p values


def _bfi_scale(meta):
    rev = set(meta["reverse"])
    subs = {}
    for f in "ACENO":
        subs[f] = {"items": [{"id": i, "reverse": i in rev} for i in meta["items"] if i[0] == f]}
    return {"name": "bfi", "response": {"min": 1, "max": 6}, "subscales": subs}


@pytest.fixture(scope="module")
def bfi():
    meta = reference_json("careless_bfi.json")
    data = reference_csv("bfi.csv")
    ref = reference_csv("careless_bfi.csv")
    res = ld.careless_responding(data, _bfi_scale(meta), psychsyn_critval=meta["psychsyn_critval"])
    return meta, data, ref, res


def test_matches_r_fixture(bfi):
    meta, _, ref, res = bfi
    t = res.table
    assert (ref["id"].to_numpy() == reference_csv("bfi.csv")["id"].to_numpy()).all()
    pairs = {
        "longstring": "longstring",
        "irv": "irv",
        "mahad_d2": "mahad_subset",
        "mahad_p": "mahad_subset_p",
        "psychsyn": "psychsyn",
        "person_total": "person_total",
    }
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(t[ours], ref[theirs], rtol=0, atol=TOL, err_msg=ours)
    # careless >= 1.2.0 reports the negative of the even-odd coefficient
    np.testing.assert_allclose(t["evenodd"], -ref["evenodd_careless"], rtol=0, atol=TOL)
    np.testing.assert_array_equal(t["evenodd_factors"], ref["evenodd_factors"])
    np.testing.assert_array_equal(t["psychsyn_pairs"], ref["psychsyn_pairs"])
    np.testing.assert_array_equal(t["mahad_df"], ref["answered"])
    assert [list(p) for p in res.synonym_pairs] == meta["psychsyn_item_pairs"]
    # rows with a single usable factor: NaN in both (careless: cor of one point)
    assert t["evenodd"].isna().sum() == ref["evenodd_careless"].isna().sum() == 6


def test_mahad_differs_from_careless_on_incomplete_rows(bfi):
    """careless::mahad (psych::outlier) uses the answered block of the FULL inverse covariance
    and flags against chi-square with all 25 df; we invert the answered block itself and use
    chi-square(answered). Same numbers on complete rows, different ones on incomplete rows."""
    meta, data, ref, res = bfi
    X = data[meta["items"]].to_numpy(float)
    complete = ~np.isnan(X).any(axis=1)
    t = res.table
    np.testing.assert_allclose(
        t["mahad_d2"][complete], ref["mahad_careless"][complete], rtol=0, atol=TOL
    )
    # psych::outlier reproduced by its formula: sum over answered j, l of z_j (S^-1)_jl z_l
    inv = np.linalg.inv(ci.pairwise_cov(X))
    Z = np.nan_to_num(X - np.nanmean(X, axis=0))
    psych_d2 = np.einsum("ij,jk,ik->i", Z, inv, Z)
    np.testing.assert_allclose(psych_d2, ref["mahad_careless"], rtol=0, atol=TOL)
    gap = np.abs(t["mahad_d2"].to_numpy() - ref["mahad_careless"].to_numpy())[~complete]
    assert (~complete).sum() == 364 and (gap > 1e-3).mean() > 0.95
    # flags: careless cuts every row at qchisq(.999, 25); ours at qchisq(.999, answered)
    cut = stats.chi2.ppf(0.999, 25)
    assert np.isclose(cut, meta["mahad_careless_cut"], rtol=1e-12)
    np.testing.assert_array_equal(ref["mahad_careless"] > cut, ref["mahad_careless_flag"])
    ours = t["flag_mahad"].to_numpy()
    np.testing.assert_array_equal(ours, ref["mahad_subset_p"].to_numpy() < 0.001)
    assert ours.sum() == 94 and ref["mahad_careless_flag"].sum() == 91


def test_psychsyn_with_too_few_pairs(bfi):
    meta, data, _, _ = bfi
    res = ld.careless_responding(data, _bfi_scale(meta))  # critval .60: one pair in bfi
    assert meta["psychsyn_pairs_at_60"] == 1
    assert res.table["psychsyn"].isna().all() and not res.table["flag_psychsyn"].any()
    assert res.synonym_pairs == ()
    assert any("psychometric synonyms not computed: 1 item pair" in n for n in res.notes)
    row = res.counts.set_index("index").loc["psychsyn"]
    assert row["n_computed"] == 0 and row["n_flagged"] == 0


# ------------------------------------------------------------------------------ closed forms


def test_evenodd_closed_form():
    # three subscales of two items: odd half = item 1, even half = item 2
    factors = [[0, 1], [2, 3], [4, 5]]
    X = np.array(
        [
            [1, 1, 2, 2, 3, 3],  # halves (1,2,3) and (1,2,3): r = 1 -> 1
            [1, 3, 2, 2, 3, 1],  # (1,2,3) vs (3,2,1): r = -1 -> 2r/(1+r) = -inf -> -1
            [1, 1, 2, 3, 3, 2],  # (1,2,3) vs (1,3,2): r = .5 -> 2/3
            [1, 1, 2, 2, np.nan, np.nan],  # two usable subscales: NaN
            [2, 1, 2, 3, 2, 5],  # odd half constant: NaN
        ]
    )
    eo, n = ci.evenodd(X, factors)
    np.testing.assert_allclose(eo[:3], [1.0, -1.0, 2 / 3], rtol=0, atol=1e-12)
    assert np.isnan(eo[3]) and np.isnan(eo[4])
    np.testing.assert_array_equal(n, [3, 3, 3, 2, 3])
    # more items: means of positions 1, 3 and 2, 4
    X2 = np.array([[1, 2, 3, 6, 4, 4, 4, 4, 7, 7, 5, 5]], dtype=float)
    eo2, _ = ci.evenodd(X2, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
    r = np.corrcoef([2, 4, 6], [4, 4, 6])[0, 1]
    np.testing.assert_allclose(eo2, [2 * r / (1 + r)], atol=1e-12)


def test_person_total_and_psychsyn_closed_form():
    X = np.array([[1, 2, 3, 4], [2, 2, 4, 5], [1, 3, 3, 3], [4, 3, 2, 1.0]])
    pt, n = ci.person_total(X)
    for i in range(4):
        others = np.delete(X, i, axis=0).mean(axis=0)
        np.testing.assert_allclose(pt[i], np.corrcoef(X[i], others)[0, 1], atol=1e-12)
    np.testing.assert_array_equal(n, [4, 4, 4, 4])
    # psychsyn: the row's answers to the first items of the pairs vs the second items
    Y = np.array([[1, 2, 5, 1, 3, 4], [5, 4, 4, 1, 3, 3.0]])
    ps, k = ci.psychsyn(Y, [(0, 3), (1, 4), (2, 5)])
    np.testing.assert_allclose(ps[0], np.corrcoef([1, 2, 5], [1, 3, 4])[0, 1], atol=1e-12)
    np.testing.assert_allclose(ps[1], np.corrcoef([5, 4, 4], [1, 3, 3])[0, 1], atol=1e-12)
    assert np.isnan(ci.psychsyn(Y, [(0, 3), (1, 4)])[0]).all()  # fewer than 3 pairs
    np.testing.assert_array_equal(k, [3, 3])


def test_mahad_and_midpoint_closed_form():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 4)) @ np.array(
        [[1, 0.5, 0, 0], [0, 1, 0.3, 0], [0, 0, 1, 0.2], [0, 0, 0, 1]]
    )
    res = ci.mahad(X)
    Z = X - X.mean(axis=0)
    want = np.einsum("ij,jk,ik->i", Z, np.linalg.inv(np.cov(X, rowvar=False)), Z)
    np.testing.assert_allclose(res.d2, want, rtol=1e-10)
    np.testing.assert_allclose(res.p, stats.chi2.sf(want, 4), rtol=1e-10)
    # an incomplete row: the answered block of the covariance, df = answered
    Xm = X.copy()
    Xm[0, 1] = np.nan
    got = ci.mahad(Xm)
    S = ci.pairwise_cov(Xm)[np.ix_([0, 2, 3], [0, 2, 3])]
    z = Xm[0, [0, 2, 3]] - np.nanmean(Xm, axis=0)[[0, 2, 3]]
    np.testing.assert_allclose(got.d2[0], z @ np.linalg.solve(S, z), rtol=1e-10)
    assert got.df[0] == 3 and got.df[1] == 4
    # midpoint share: 7-point items (midpoint 4) counted, 6-point items (no midpoint) not
    V = np.array(
        [
            [4, 4, 3, 3, 3],
            [4, np.nan, 4, 1, 6],
            [np.nan, np.nan, 1, 2, 3.0],
            [np.nan, np.nan, np.nan, 2, 3.0],  # answered no item that has a midpoint
        ]
    )
    share, counted = ci.midpoint_share(V, np.array([4, 4, 4, np.nan, np.nan]))
    np.testing.assert_allclose(share[:3], [2 / 3, 1.0, 0.0])
    assert np.isnan(share[3])
    np.testing.assert_array_equal(counted, [3, 2, 1, 0])


def test_pairwise_cor_matches_pandas():
    rng = np.random.default_rng(8)
    X = rng.integers(1, 6, size=(30, 5)).astype(float)
    X[rng.uniform(size=X.shape) < 0.15] = np.nan
    np.testing.assert_allclose(ci.pairwise_cor(X), pd.DataFrame(X).corr().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(ci.pairwise_cov(X), pd.DataFrame(X).cov().to_numpy(), atol=1e-12)


# ------------------------------------------------------------------------------ flags


SCALES = ["learning_direction", "learning_goal_orientation", "mentor_engagement"]


def test_flags_by_kind_on_simulated_data():
    from learning_direction.simulate.items import simulate_items, simulate_latent

    latent = ["upward", "lateral", "downward", "learning_goal_orientation", "mentor_engagement"]
    lat = simulate_latent(500, latent, corr=0.3, seed=21)
    items = simulate_items(
        SCALES,
        lat,
        careless_rate=0.12,
        careless_kinds=("straightline", "random", "midpoint"),
        seed=21,
    )
    res = ld.careless_responding(items, SCALES)
    kinds = pd.Series(items.attrs["careless_kinds"])
    assert kinds.value_counts().to_dict() == {"straightline": 20, "random": 20, "midpoint": 20}
    t = res.table
    by = {k: kinds.index[kinds == k] for k in ("straightline", "random", "midpoint")}
    assert t.loc[by["straightline"], "flag_low_irv"].all()
    assert t.loc[by["midpoint"], "flag_midpoint"].all()
    assert t.loc[by["random"], "flag_mahad"].mean() >= 0.8
    attentive = t.index.difference(kinds.index)
    assert t.loc[attentive, "flag_any"].mean() <= 0.06
    assert set(res.flagged) == set(t.index[t["flag_any"]])
    counts = res.counts.set_index("index")
    assert list(counts.index) == [*ld.scales.quality.FLAGS, "any"]
    for name, flag in ld.scales.quality.FLAGS.items():
        assert counts.loc[name, "n_flagged"] == t[flag].sum()
        assert list(res.flagged_by(name)) == list(t.index[t[flag]])
    assert counts.loc["evenodd", "answers"] == "recoded" and counts.loc["mahad", "answers"] == "raw"
    # 5 subscales: even-odd reported, not flagged under the default evenodd_min_subscales
    assert t["evenodd"].notna().mean() > 0.9 and not t["flag_evenodd"].any()
    assert any("even-odd consistency is reported but not flagged" in n for n in res.notes)
    lower = ld.careless_responding(items, SCALES, evenodd_min_subscales=3)
    np.testing.assert_array_equal(
        lower.table["flag_evenodd"], t["evenodd"].fillna(1).to_numpy() < 0.30
    )
    with pytest.raises(DataValidationError, match="unknown careless-responding index"):
        res.flagged_by("nope")


def test_recoding_matters_for_consistency_indices():
    """A careful respondent who disagrees with the reversed items is consistent after recoding."""
    from learning_direction.simulate.items import simulate_items, simulate_latent

    lat = simulate_latent(300, ["upward", "lateral", "downward"], corr=0.2, seed=3)
    items = simulate_items("learning_direction", lat, careless_rate=0.0, seed=3)
    res = ld.careless_responding(items, "learning_direction", evenodd_min_subscales=3)
    scale = ld.load_scale("learning_direction")
    X = items[scale.item_ids].to_numpy(float)
    raw_eo, _ = ci.evenodd(X, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])
    # the 4th item of every subscale is reversed: raw even halves mix keyings
    assert np.nanmedian(res.table["evenodd"]) > np.nanmedian(raw_eo) + 0.2


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"mahad_alpha": 0}, "mahad_alpha must be a significance level"),
        ({"mahad_alpha": 1.5}, "mahad_alpha"),
        ({"evenodd_threshold": 2}, "evenodd_threshold must be a correlation"),
        ({"evenodd_min_subscales": 2}, "evenodd_min_subscales must be a whole number >= 3"),
        ({"evenodd_min_subscales": 4.5}, "evenodd_min_subscales"),
        ({"psychsyn_critval": 1.0}, "psychsyn_critval must be an item correlation"),
        ({"psychsyn_critval": -0.6}, "psychsyn_critval"),
        ({"psychsyn_threshold": "low"}, "psychsyn_threshold"),
        ({"psychsyn_min_pairs": 1}, "psychsyn_min_pairs"),
        ({"person_total_threshold": float("nan")}, "person_total_threshold"),
        ({"midpoint_threshold": 0}, "midpoint_threshold must be a share"),
        ({"midpoint_threshold": True}, "midpoint_threshold"),
    ],
)
def test_invalid_thresholds(kw, match):
    df = pd.DataFrame(np.ones((3, 12)), columns=ld.load_scale("learning_direction").item_ids)
    with pytest.raises(DataValidationError, match=match):
        ld.careless_responding(df, "learning_direction", **kw)


def test_missing_answers_are_handled_and_counted():
    from learning_direction.simulate.items import simulate_items, simulate_latent

    lat = simulate_latent(
        120,
        ["upward", "lateral", "downward", "learning_goal_orientation", "mentor_engagement"],
        seed=5,
    )
    items = simulate_items(SCALES, lat, careless_rate=0.0, missing_rate=0.1, seed=5)
    ids = [i for s in SCALES for i in ld.load_scale(s).item_ids]
    items.loc[0, ids] = np.nan  # an empty row
    items.loc[1, ids[2:]] = np.nan  # two answers
    res = ld.careless_responding(items, SCALES)
    t = res.table
    assert len(t) == 120 and t.index.equals(items.index)  # nothing dropped
    np.testing.assert_array_equal(t["n_answered"], items[ids].notna().sum(axis=1))
    np.testing.assert_array_equal(t["mahad_df"], t["n_answered"])
    empty = t.loc[0]
    for col in ("longstring", "irv", "mahad_d2", "evenodd", "person_total", "midpoint_share"):
        assert np.isnan(empty[col]), col
    assert not empty[[c for c in t.columns if c.startswith("flag_")]].any()
    assert np.isnan(t.loc[1, "person_total"]) and np.isnan(t.loc[1, "evenodd"])
    assert not np.isnan(t.loc[1, "mahad_d2"])
    counts = res.counts.set_index("index")
    for col, name in [
        ("mahad_d2", "mahad"),
        ("person_total", "person_total"),
        ("evenodd", "evenodd"),
    ]:
        assert counts.loc[name, "n_computed"] == t[col].notna().sum() < 120


def test_singular_covariance_note_is_escaped_in_html():
    scale = {
        "name": "mini",
        "response": {"min": 1, "max": 5},
        "items": [{"id": f"q{i}"} for i in range(6)],
    }
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.integers(1, 6, size=(30, 6)).astype(float))
    df.columns = ["<b>q0</b>", *[f"q{i}" for i in range(1, 6)]]
    df["<b>q0</b>"] = 3.0  # no variance: every covariance block containing it is singular
    res = ld.careless_responding(df, scale, columns={"q0": "<b>q0</b>"})
    assert res.table["mahad_d2"].isna().all() and not res.table["flag_mahad"].any()
    note = next(n for n in res.notes if "Mahalanobis" in n)
    assert "no variance in <b>q0</b>" in note
    html = res._repr_html_()
    assert "&lt;b&gt;q0&lt;/b&gt;" in html and "<b>q0</b>" not in html
    assert any("even-odd consistency not computed" in n for n in res.notes)


def test_short_blocks_report_but_do_not_flag_profile_indices():
    """Over 5 items the person-total correlation and the midpoint share are reported, but
    flagged only from ``profile_min_items`` usable answers on."""
    from learning_direction.simulate.items import simulate_items, simulate_latent

    lat = simulate_latent(200, ["mentee_experience"], seed=9)
    items = simulate_items("mentee_experience", lat, careless_rate=0.0, seed=9)
    res = ld.careless_responding(items, "mentee_experience")
    t = res.table
    assert t["person_total"].notna().mean() > 0.9 and t["midpoint_share"].notna().all()
    assert not t["flag_person_total"].any() and not t["flag_midpoint"].any()
    assert any("fewer than profile_min_items = 15" in n for n in res.notes)
    low = ld.careless_responding(items, "mentee_experience", profile_min_items=3).table
    np.testing.assert_array_equal(low["flag_midpoint"], t["midpoint_share"] >= 0.5)
    np.testing.assert_array_equal(low["flag_person_total"], t["person_total"].fillna(1) <= -0.4)
    with pytest.raises(DataValidationError, match="profile_min_items must be a whole number"):
        ld.careless_responding(items, "mentee_experience", profile_min_items=2)


def test_twelve_items_are_too_few_for_the_profile_flags_on_study1():
    """Over the 12 learning-direction items a gate of 10 items flagged 34 of 300 mentors,
    mostly attentive ones (person-total 17, midpoint 15); the default gate of 15 leaves the
    long-string, zero-SD and D² flags, while the 23 items of three scales flag as before."""
    df = ld.load_dataset("study1")
    short = ld.careless_responding(df, "learning_direction")
    counts = short.counts.set_index("index")["n_flagged"]
    assert counts["person_total"] == counts["midpoint"] == 0
    assert counts["any"] == 6
    gate10 = ld.careless_responding(df, "learning_direction", profile_min_items=10)
    assert gate10.counts.set_index("index").at["any", "n_flagged"] == 34
    full = ld.careless_responding(
        df, ["learning_direction", "learning_goal_orientation", "mentor_engagement"]
    )
    assert full.counts.set_index("index").at["any", "n_flagged"] == 14  # as with a gate of 10
    # which rows are the careless ones: tests/test_study1.py checks every kind is caught


def test_synonym_flag_needs_enough_pairs(bfi):
    meta, data, _, res = bfi  # critval .45: 10 pairs, fewer than psychsyn_min_pairs = 20
    assert res.table["psychsyn"].notna().sum() == 2790 and not res.table["flag_psychsyn"].any()
    assert any("psychometric synonyms are reported but not flagged" in n for n in res.notes)
    low = ld.careless_responding(
        data, _bfi_scale(meta), psychsyn_critval=0.45, psychsyn_min_pairs=10
    ).table
    want = (res.table["psychsyn"] < -0.2) & (res.table["psychsyn_pairs"] >= 10)
    np.testing.assert_array_equal(low["flag_psychsyn"], want)
    assert 0 < want.sum() < 2800
