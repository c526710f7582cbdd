"""The authentic-advocacy pipeline (studies/advocacy.py) and its data generator."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import ConfigError, DataValidationError
from learning_direction.simulate.advocacy import AdvocacyParams, simulate_advocacy
from learning_direction.studies import advocacy


@pytest.fixture(scope="module")
def res():
    return ld.run_study("advocacy")


def test_bundled_data_shape():
    d = ld.load_dataset("advocacy")
    assert 230 <= len(d) <= 280
    assert d["mentor_id"].nunique() == 70
    assert d["mentee_id"].is_unique
    for scale in advocacy.SCALES:
        assert set(ld.load_scale(scale).item_ids) <= set(d.columns)


def test_generator_reproducible_and_params():
    a = simulate_advocacy(seed=3)
    pd.testing.assert_frame_equal(a, simulate_advocacy(seed=3))
    small = simulate_advocacy(AdvocacyParams(n_mentors=5, mentees_min=2, mentees_max=2), seed=1)
    assert len(small) == 10
    with pytest.raises(ConfigError, match="mentees_min"):
        AdvocacyParams(mentees_min=3, mentees_max=2)


def test_tables_and_columns(res):
    assert list(res.tables) == [
        "reliability",
        "table1",
        "quadrants",
        "quadrants_by_gender",
        "gender_test",
        "authenticity",
        "outcomes",
        "career_progress_means",
        "welch_anova",
        "games_howell",
        "continuous",
    ]
    for key in ("authenticity", "outcomes", "continuous"):
        cols = res.tables[key].columns
        assert {"term", "estimate", "se", "ci_low", "ci_high", "p_value"} <= set(cols)
    gh = res.tables["games_howell"]
    assert len(gh) == 6
    assert {"estimate", "ci_low", "ci_high", "p_value"} <= set(gh.columns)
    q = res.tables["quadrants"]
    assert q["n"].sum() == res.results["quadrant"].n_classified
    assert q["share"].sum() == pytest.approx(1.0)
    assert (q["n"] >= 20).all()  # every quadrant is represented


def test_key_findings(res):
    auth = res.tables["authenticity"].set_index("term")
    assert auth.at["Psychological safety", "estimate"] > 0
    assert auth.at["Psychological safety", "p_value"] < 0.001
    assert auth.at["Empathic support", "p_value"] < 0.01
    out = res.tables["outcomes"].set_index("term")
    assert out.at["Authentic advocacy vs instruction", "estimate"] > 0.4
    assert out.at["Authentic advocacy vs instruction", "p_value"] < 0.001
    assert res.tables["welch_anova"]["p_value"].iloc[0] < 0.001
    assert res.tables["welch_anova"]["test"].iloc[0] == "CR2 HTZ"
    means = res.tables["career_progress_means"].set_index("quadrant")["mean"]
    assert means.idxmax() == "authentic_advocacy"
    assert "CR2 cluster-robust test" in res.text["main"]


def test_regression_matches_direct_call(res):
    d = res.results["scores"].data
    direct = ld.regress(
        d,
        "authenticity ~ psychological_safety + empathic_support",
        se="cluster",
        cluster="mentor_id",
    )
    np.testing.assert_allclose(
        res.results["authenticity"].table["estimate"], direct.table["estimate"], rtol=1e-12
    )


def _compared(res) -> pd.DataFrame:
    d = res.results["quadrant"].table[["quadrant"]].join(res.results["scores"].data)
    cc = d[["career_progress", "quadrant", "mentor_id"]].dropna()
    order = list(advocacy.QUADRANT_LABELS)
    return cc.assign(quadrant=pd.Categorical(cc["quadrant"].astype(str), categories=order))


def test_quadrant_tests_are_the_cluster_robust_public_functions(res):
    """No pingouin wrappers: the tests are ld.welch_anova / ld.games_howell with cluster=."""
    assert not hasattr(advocacy, "games_howell") and not hasattr(advocacy, "_welch_anova")
    cc = _compared(res)
    w = ld.welch_anova(cc, "career_progress", "quadrant", cluster="mentor_id").table.iloc[0]
    got = res.tables["welch_anova"].iloc[0]
    for col in ("f", "df1", "df2", "p_value", "eta2", "omega2"):
        assert got[col] == pytest.approx(w[col], rel=1e-10), col
    gh = ld.games_howell(cc, "career_progress", "quadrant", cluster="mentor_id").table
    mine = res.tables["games_howell"]
    for col in ("estimate", "se", "df", "p_value", "ci_low", "ci_high", "hedges_g"):
        np.testing.assert_allclose(mine[col], gh[col], rtol=1e-10, err_msg=col)
    # cluster-bootstrap CIs bracket the estimates
    assert (mine["g_ci_low"] < mine["hedges_g"]).all() and (
        mine["hedges_g"] < mine["g_ci_high"]
    ).all()
    assert got["eta2_ci_low"] < got["eta2"] < got["eta2_ci_high"]


def test_gender_test_is_rao_scott(res):
    from learning_direction.models.contingency import rao_scott_chisq

    d = res.results["quadrant"].table[["quadrant"]].join(res.results["scores"].data)
    d = d.dropna(subset=["quadrant", "mentee_gender"])
    d = d.assign(quadrant=d["quadrant"].astype(str), mentee_gender=d["mentee_gender"].astype(str))
    ref = rao_scott_chisq(d, "mentee_gender", "quadrant", cluster="mentor_id")
    pd.testing.assert_frame_equal(res.tables["gender_test"], ref.table)
    text = res.text["gender"]
    f = ref.table.set_index("test").loc["rao_scott_f"]
    m = re.search(r"Rao–Scott F\(([\d.]+), ([\d.]+)\) = ([\d.]+), p = (\.\d+)", text)
    assert m, text
    for got, val, dig in zip(
        m.groups(), [f["df1"], f["df2"], f["statistic"], f["p_value"]], [2, 2, 2, 3], strict=True
    ):
        assert float(got) == pytest.approx(round(val, dig), abs=1e-9)
    assert f"mean design effect {ref.mean_deff:.2f}" in text
    assert any("Rao–Scott correction keeps the mentee-level question" in n for n in res.notes)


def test_main_sentence_numbers(res):
    text = res.text["main"]
    w = res.tables["welch_anova"].iloc[0]
    m = re.search(
        r"F\(3, ([\d.]+)\) = ([\d.]+), p < \.001, η² = (\.\d+), 95% CI \[(\.\d+), (\.\d+)\], "
        r"ω² = (\.\d+), 95% CI \[(\.\d+), (\.\d+)\]",
        text,
    )
    assert m, text
    vals = [w["df2"], w["f"], w["eta2"], w["eta2_ci_low"], w["eta2_ci_high"], w["omega2"],
            w["omega2_ci_low"], w["omega2_ci_high"]]  # fmt: skip
    for got, val in zip(m.groups(), vals, strict=True):
        assert float(got) == pytest.approx(round(val, 2), abs=1e-9)
    assert text.startswith("Career progress differed across the quadrants")
    assert "70 mentors" in text


def test_same_seed_identical():
    r1 = ld.run_study("advocacy", seed=5)
    r2 = ld.run_study("advocacy", seed=5)
    for k in r1.tables:
        pd.testing.assert_frame_equal(r1.tables[k], r2.tables[k])
    assert r1.text == r2.text


def test_median_split_option():
    r = advocacy.run(split="median")
    assert "median split" in r.captions["quadrants"]


def test_figures(res, tmp_path, close_figures):
    assert set(res.figures) == {"quadrant", "authenticity_coefficients", "outcome_coefficients"}
    paths = res.save(tmp_path)
    assert any(p.name == "advocacy_quadrant.png" for p in paths)
    ax = res.figures["quadrant"].axes[0]
    labels = " ".join(t.get_text() for t in ax.texts)
    for row in res.tables["quadrants"].itertuples():
        assert f"{row.label} (n = {row.n})" in labels


def test_missing_column_named():
    d = ld.load_dataset("advocacy").drop(columns=["psafe_3"])
    with pytest.raises(DataValidationError, match="psafe_3"):
        ld.run_study("advocacy", data=d)
    with pytest.raises(DataValidationError, match="mentor_id"):
        ld.run_study("advocacy", data=ld.load_dataset("advocacy").drop(columns=["mentor_id"]))


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.run_study("advocacy", data=[1, 2, 3])


def test_html_escapes_user_strings():
    d = ld.load_dataset("advocacy")
    d["mentee_gender"] = d["mentee_gender"].astype(str).replace({"female": "<b>f</b>"})
    r = ld.run_study("advocacy", data=d)
    html = r._repr_html_()
    assert "<b>f</b>" not in html and "&lt;b&gt;f&lt;/b&gt;" in html
