"""Tests of the mentor-motives pipeline (ld.run_study("motives")).

The mediation engine is checked against R in test_mediation.py; here: the documented signs of
the indirect effects on the bundled data, the tables, that the APA text repeats the tables'
numbers, the screening summary (descriptive, not a hiring rule), figures, saving, bad inputs.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _confounding import ROBUSTNESS_COLUMNS, check_confounding_sentence
from learning_direction.exceptions import DataValidationError
from learning_direction.studies import StudyResult
from learning_direction.studies.motives import OUTCOMES, key_numbers, motive_screening

NUM = r"(-?\d*\.\d+)"


@pytest.fixture(scope="module")
def res() -> StudyResult:
    out = ld.run_study("motives", n_boot=2000)
    yield out
    plt.close("all")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return ld.load_dataset("motives")


def _close(text_value: str, table_value: float, digits: int = 2) -> None:
    assert float(text_value) == pytest.approx(round(float(table_value), digits), abs=1e-9)


def test_runs_and_tables(res):
    assert isinstance(res, StudyResult) and res.n == len(ld.load_dataset("motives"))
    assert list(res.tables) == [
        "reliability",
        "table1",
        "a_paths",
        "b_paths",
        "indirect_effects",
        "confounding",
        "confounding_curve",
        "screening_summary",
        "motive_distribution",
        "screening",
    ]
    ind = res.tables["indirect_effects"]
    assert len(ind) == 2 * len(OUTCOMES) * 4  # 2 specific, total, contrast per model
    assert set(ind["level"]) == {"individual", "relational", "organisational"}
    for key in res.tables:
        assert res.captions[key]


def test_indirect_effects_have_documented_sign(res):
    k = key_numbers(res)
    ind = res.tables["indirect_effects"].set_index(["motive", "mediator", "outcome", "effect"])
    for outcome in OUTCOMES:
        # other-focused motives -> other-focused behaviour -> outcome: positive, CI excludes 0
        r = ind.loc[("other_focused", "other_focused_behavior", outcome, "indirect")]
        assert r["estimate"] > 0 and r["ci_low"] > 0, outcome
        # self-focused motives -> self-focused behaviour -> outcome: negative
        assert k[f"self_focused|self_focused_behavior|{outcome}"] < 0, outcome
    a = res.tables["a_paths"].set_index(["motive", "behavior"])
    assert a.loc[("self_focused", "self_focused_behavior"), "estimate"] > 0
    assert a.loc[("other_focused", "other_focused_behavior"), "p_value"] < 0.001


def test_model_equals_direct_cluster_mediation(res, raw):
    scales = ["mentor_motives", "mentoring_behaviors", "mentoring_functions"]
    d = raw.join(ld.score(raw, scales).scores)
    direct = ld.mediate(
        d,
        x="other_focused",
        m=["self_focused_behavior", "other_focused_behavior"],
        y="relationship_quality",
        covariates=["self_focused"],
        cluster="mentor_id",
        n_boot=2000,
        seed=20261122,
    )
    assert direct.design == "2-2-1" and direct.n_clusters == 150
    model = res.results["models"][("other_focused", "relationship_quality")]
    pd.testing.assert_frame_equal(model.table, direct.table)


def test_apa_main_numbers_equal_table(res):
    text = res.text["main"]
    ind = res.tables["indirect_effects"].set_index(["motive", "mediator", "outcome", "effect"])
    labels = {
        "career_progress": "mentee career progress",
        "relationship_quality": "relationship quality",
        "retention_intention_mentor": "mentor retention intention",
        "retention_intention_mentee": "mentee retention intention",
    }
    chunks = text.split("Through self-focused behaviour")
    assert len(chunks) == 2
    for motive, beh, chunk in [
        ("other_focused", "other_focused_behavior", chunks[0]),
        ("self_focused", "self_focused_behavior", chunks[1]),
    ]:
        for outcome, lab in labels.items():
            m = re.search(rf"{lab} {NUM}, 95% CI \[{NUM}, {NUM}\]", chunk)
            assert m, (lab, chunk)
            r = ind.loc[(motive, beh, outcome, "indirect")]
            _close(m.group(1), r["estimate"])
            _close(m.group(2), r["ci_low"])
            _close(m.group(3), r["ci_high"])


def test_apa_behaviour_numbers_equal_table(res):
    a = res.tables["a_paths"].set_index(["motive", "behavior"])
    found = re.findall(rf"\(a = {NUM}, 95% CI \[{NUM}, {NUM}\]", res.text["behaviours"])
    expected = [
        ("self_focused", "self_focused_behavior"),
        ("other_focused", "other_focused_behavior"),
        ("self_focused", "other_focused_behavior"),
    ]
    assert len(found) == 3
    for (est, lo, hi), key in zip(found, expected, strict=True):
        _close(est, a.loc[key, "estimate"])
        _close(lo, a.loc[key, "ci_low"])
        _close(hi, a.loc[key, "ci_high"])


def test_screening_summary_is_descriptive(res):
    scr = res.tables["screening"]
    assert scr["mentor_id"].is_unique and len(scr) == 150
    assert set(scr["orientation"].dropna()) <= {"other-focused", "balanced", "self-focused"}
    summ = res.tables["screening_summary"].set_index("category")
    assert summ.loc[["other-focused", "balanced", "self-focused"], "n"].sum() == 150
    assert (scr["flag_self_above_other"] == (scr["orientation"] == "self-focused")).all()
    assert summ.loc["low other-focused motives (< 4)", "n"] == int((scr["other_focused"] < 4).sum())
    assert "not a hiring" in res.captions["screening"]
    assert "not a hiring or selection rule" in res.text["screening"]
    assert any("not a hiring or selection rule" in n for n in res.notes)
    m = re.search(
        r"(\d+) were mainly other-focused, (\d+) balanced and (\d+) mainly", res.text["screening"]
    )
    assert m and [int(x) for x in m.groups()] == list(
        summ.loc[["other-focused", "balanced", "self-focused"], "n"]
    )


def test_motive_screening_function():
    df = pd.DataFrame(
        {
            "mentor_id": ["a", "b", "c", "d"],
            "self_enhancement": [6.0, 3.0, 4.0, np.nan],
            "personal_gain": [6.0, 3.0, 4.0, np.nan],
            "benefit_others": [3.0, 6.0, 4.2, 5.0],
            "intrinsic_satisfaction": [3.0, 6.0, 4.2, 5.0],
            "self_focused": [6.0, 3.0, 4.0, np.nan],
            "other_focused": [3.0, 6.0, 4.2, 5.0],
        }
    )
    s = motive_screening(df).set_index("mentor_id")
    assert list(s["orientation"].iloc[:3]) == ["self-focused", "other-focused", "balanced"]
    assert s.loc["d", "orientation"] is None
    assert "incomplete motive answers" in s.loc["d", "flags"]
    assert s.loc["a", "flag_low_other"] and not s.loc["b", "flag_low_other"]
    assert s.loc["a", "difference"] == -3.0
    assert s.loc["b", "other_percentile"] == 1.0


def test_figures(res):
    assert list(res.figures) == [
        "indirect_plot",
        "path",
        "confounding_plot",
        "screening_plot",
        "profiles",
    ]
    ax = res.figures["screening_plot"].axes[0]
    assert "Self-focused" in ax.get_xlabel() and "Other-focused" in ax.get_ylabel()
    prof = res.figures["profiles"].axes[0]
    dist = res.tables["motive_distribution"].set_index("score")
    shown = {t.get_text() for t in prof.texts}
    assert f"M = {dist.loc['benefit_others', 'mean']:.2f}" in shown
    path = res.figures["path"].axes[0]
    a = res.tables["a_paths"].set_index(["motive", "behavior"])
    txt = " ".join(t.get_text() for t in path.texts)
    assert f"{a.loc[('other_focused', 'other_focused_behavior'), 'estimate']:.3f}" in txt


def test_save(res, tmp_path):
    written = res.save(tmp_path, formats=("png",))
    names = {p.name for p in written}
    assert {"motives_indirect_effects.csv", "motives_screening_plot.png", "motives.md"} <= names
    back = pd.read_csv(tmp_path / "tables" / "motives_indirect_effects.csv")
    np.testing.assert_allclose(
        back["estimate"], res.tables["indirect_effects"]["estimate"], rtol=1e-12
    )


def test_same_seed_identical(raw):
    a = ld.run_study("motives", data=raw, n_boot=200, seed=3)
    b = ld.run_study("motives", data=raw, n_boot=200, seed=3)
    plt.close("all")
    pd.testing.assert_frame_equal(a.tables["indirect_effects"], b.tables["indirect_effects"])
    assert a.text == b.text and "the data supplied" in a.design


def test_missing_column_raises(raw):
    with pytest.raises(DataValidationError) as err:
        ld.run_study("motives", data=raw.drop(columns=["mentor_id", "mot_bo_2"]))
    assert "'mentor_id'" in str(err.value) and "'mot_bo_2'" in str(err.value)


def test_empty_mentor_id_raises(raw):
    bad = raw.copy()
    bad.loc[4, "mentor_id"] = None
    with pytest.raises(DataValidationError, match="mentor_id"):
        ld.run_study("motives", data=bad, n_boot=100)


def test_invalid_answer_raises(raw):
    bad = raw.copy()
    bad.loc[0, "mf_cs_1"] = 7.0  # mentoring functions are 1-5
    with pytest.raises(DataValidationError, match="mf_cs_1"):
        ld.run_study("motives", data=bad, n_boot=100)


# ------------------------------------------------------------------------ nesting, sources,
# multiplicity, confounding


def test_table1_is_mentor_level(res, raw):
    t1 = res.results["table1"]
    assert int(t1.descriptives["n"].max()) == 150  # mentors, not 308 pairs
    scales = ["mentor_motives", "mentoring_behaviors", "mentoring_functions"]
    d = raw.join(ld.score(raw, scales).scores)
    m = d.groupby("mentor_id")[["other_focused", "other_focused_behavior"]].mean()
    r = t1.correlations.loc["Other-focused motives", "Other-focused behaviour"]
    assert r == pytest.approx(m.corr().iloc[0, 1], rel=1e-10)
    assert "N = 150 mentors" in res.captions["table1"]


def test_same_source_paths_are_flagged(res):
    a = res.tables["a_paths"]
    assert (a["source"] == "same source (mentor)").all()
    b = res.tables["b_paths"].set_index("outcome")["source"]
    assert (b.loc["retention_intention_mentor"] == "same source (mentor)").all()
    assert (b.loc["career_progress"] == "mentor → mentee").all()
    assert "shared method variance" in res.text["sources"]
    assert "mentor retention intention" in res.text["sources"].split(":")[0]


def test_holm_across_the_eight_hypothesised_indirect_effects(res):
    ind = res.tables["indirect_effects"]
    hyp = ind[ind["hypothesised"]]
    assert len(hyp) == 8
    assert set(zip(hyp["motive"], hyp["mediator"])) == {
        ("self_focused", "self_focused_behavior"),
        ("other_focused", "other_focused_behavior"),
    }
    n_valid = ind.attrs["n_boot"]
    want = ld.adjust_p(hyp["p_value"].clip(lower=2 / n_valid).to_numpy(), "holm")
    np.testing.assert_allclose(hyp["p_holm"], want, rtol=1e-12)
    assert ind.loc[~ind["hypothesised"], "p_holm"].isna().all()
    m = re.search(r"(\d) of 8 remained significant", res.text["multiplicity"])
    assert m and int(m.group(1)) == int((hyp["p_holm"] < 0.05).sum())
    assert "Holm" in res.text["multiplicity"]
    # bootstrap p-values of 0 print as a bound, never as 0
    assert re.search(r"<\s?\.0", res.summary())


def test_confounding_of_the_hypothesised_indirect_effects(res):
    conf = res.tables["confounding"]
    assert list(conf.columns) == ["motive", "outcome", *ROBUSTNESS_COLUMNS] and len(conf) == 8
    focal = conf[(conf["motive"] == "other_focused") & (conf["outcome"] == "relationship_quality")]
    check_confounding_sentence(res.text["confounding"], focal.iloc[0])
    m = re.search(rf"ranged from ρ = {NUM} to {NUM}", res.text["confounding"])
    assert m
    _close(m.group(1), conf["rho_at_zero"].min())
    _close(m.group(2), conf["rho_at_zero"].max())
    # the mentor-level single-mediator model, by hand
    raw = ld.load_dataset("motives")
    scales = ["mentor_motives", "mentoring_behaviors", "mentoring_functions"]
    d = raw.join(ld.score(raw, scales).scores)
    mentors = d.groupby("mentor_id", sort=False)[
        ["other_focused", "self_focused", "other_focused_behavior", "relationship_quality"]
    ].mean()
    med = ld.mediate(
        mentors.reset_index(), x="other_focused", m="other_focused_behavior",
        y="relationship_quality", covariates=["self_focused"], n_boot=200, seed=1,
    )  # fmt: skip
    sens = ld.mediation_sensitivity(med)
    assert focal.iloc[0]["rho_at_zero"] == pytest.approx(sens.rho_at_zero, rel=1e-10)
