"""The authentic-advocacy pipeline (studies/advocacy.py) and its data generator."""

from __future__ import annotations

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
    means = res.tables["career_progress_means"].set_index("quadrant")["mean"]
    assert means.idxmax() == "authentic_advocacy"
    assert "Welch's F" in res.text["main"]


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


def test_games_howell_ci_consistent_with_p():
    # a simultaneous CI excludes 0 exactly when the Games-Howell p is below .05
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "y": np.r_[rng.normal(0, 1, 30), rng.normal(0.8, 2, 40), rng.normal(0.1, 1, 25)],
            "g": ["a"] * 30 + ["b"] * 40 + ["c"] * 25,
        }
    )
    gh = advocacy.games_howell(df, "y", "g")
    excl = (gh["ci_low"] > 0) | (gh["ci_high"] < 0)
    assert (excl == (gh["p_value"] < 0.05)).all()
    # Welch SE by hand
    a, b = df.loc[df.g == "a", "y"], df.loc[df.g == "b", "y"]
    se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    assert gh.loc[(gh.group_a == "a") & (gh.group_b == "b"), "se"].iloc[0] == pytest.approx(se)


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
