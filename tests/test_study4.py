"""Tests of the Study 4 pipeline (ld.run_study("study4")): the reflection experiment.

Welch's ANOVA is checked against R's ``oneway.test`` on R's built-in PlantGrowth data; the
mediation engine itself is checked against R in test_mediation.py. Here we check the key
findings on the bundled data, that the APA text repeats the tables' numbers, figures, saving,
bad inputs and reproducibility.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _confounding import ROBUSTNESS_COLUMNS, check_confounding_sentence
from learning_direction._core.format import fig_num
from learning_direction.exceptions import DataValidationError
from learning_direction.figures.experiment import (
    condition_means,
    plot_condition_means,
    plot_relative_effects,
)
from learning_direction.studies import StudyResult, study4
from learning_direction.studies.study4 import games_howell_table, key_numbers, welch_table

NUM = r"(-?\d*\.\d+)"

# R's built-in PlantGrowth data (datasets package)
PLANT = pd.DataFrame(
    {
        "weight": [
            float(v)
            for v in (
                "4.17 5.58 5.18 6.11 4.50 4.61 5.17 4.53 5.33 5.14 "
                "4.81 4.17 4.41 3.59 5.87 3.83 6.03 4.89 4.32 4.69 "
                "6.31 5.12 5.54 5.50 5.37 5.29 4.92 6.15 5.80 5.26"
            ).split()
        ],
        "group": ["ctrl"] * 10 + ["trt1"] * 10 + ["trt2"] * 10,
    }
)


@pytest.fixture(scope="module")
def res() -> StudyResult:
    out = ld.run_study("study4")
    yield out
    plt.close("all")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return ld.load_dataset("study4")


def _close(text_value: str, table_value: float, digits: int = 2) -> None:
    assert float(text_value) == pytest.approx(round(float(table_value), digits), abs=1e-9)


# ------------------------------------------------------------------------ statistics vs R


def test_welch_table_is_ld_welch_anova():
    # R 4.x: oneway.test(weight ~ group, PlantGrowth)
    #   F = 5.181, num df = 2.000, denom df = 17.128, p-value = 0.01739
    w = welch_table(PLANT, "weight", "group").iloc[0]
    assert w["f"] == pytest.approx(5.181, abs=5e-4)
    assert w["df1"] == 2 and w["df2"] == pytest.approx(17.128, abs=5e-4)
    assert w["p_value"] == pytest.approx(0.01739, abs=5e-6)
    ref = ld.welch_anova(PLANT, "weight", "group").table.iloc[0]
    for col in ("eta2", "eta2_ci_low", "eta2_ci_high", "omega2", "omega2_ci_low"):
        assert w[col] == pytest.approx(ref[col], rel=1e-12)


def test_the_pingouin_wrappers_are_gone():
    assert not hasattr(study4, "welch_anova_table")


def test_games_howell_orientation_and_hand_formula():
    gh = games_howell_table(PLANT, "weight", "group", order=["trt2", "trt1", "ctrl"])
    assert list(zip(gh["group_a"], gh["group_b"], strict=True)) == [
        ("trt2", "trt1"),
        ("trt2", "ctrl"),
        ("trt1", "ctrl"),
    ]
    g = PLANT.groupby("group")["weight"]
    m, v, n = g.mean(), g.var(), g.count()
    for r in gh.itertuples():
        assert r.estimate == pytest.approx(m[r.group_a] - m[r.group_b], abs=1e-12)
        se = np.sqrt(v[r.group_a] / n[r.group_a] + v[r.group_b] / n[r.group_b])
        assert r.se == pytest.approx(se, rel=1e-10)
        assert r.ci_low < r.estimate < r.ci_high
        assert np.sign(r.hedges_g) == np.sign(r.estimate)
        assert r.g_ci_low < r.hedges_g < r.g_ci_high
        # g and its CI are those of ld.ttest on the two groups, oriented a - b
        two = PLANT[PLANT["group"].isin([r.group_a, r.group_b])]
        tt = ld.ttest(two, "weight", "group").table.iloc[0]
        sign = 1 if tt["contrast"].startswith(r.group_a) else -1
        assert r.hedges_g == pytest.approx(sign * tt["hedges_g"], rel=1e-10)
        assert sorted([r.g_ci_low, r.g_ci_high]) == pytest.approx(
            sorted([sign * tt["g_ci_low"], sign * tt["g_ci_high"]]), rel=1e-10
        )
    # trt1 vs trt2 is the only significant pair (R: rstatix::games_howell_test, p.adj ~ .024)
    sig = gh[gh["p_value"] < 0.05]
    assert len(sig) == 1 and set(sig[["group_a", "group_b"]].iloc[0]) == {"trt1", "trt2"}


def test_condition_means_t_interval():
    t = condition_means(PLANT, "weight", "group").set_index("condition")
    # t.test(PlantGrowth$weight[PlantGrowth$group == "ctrl"])$conf.int: 4.614882 5.449118
    assert t.loc["ctrl", "ci_low"] == pytest.approx(4.614882, abs=1e-5)
    assert t.loc["ctrl", "ci_high"] == pytest.approx(5.449118, abs=1e-5)


# ------------------------------------------------------------------------ key findings


def test_runs_on_bundled_data(res):
    assert isinstance(res, StudyResult)
    assert res.name == "study4" and res.n == 300
    assert res.question.endswith("?")
    assert "randomly assigned" in res.design and "simulated" in res.design
    assert res.seed == 20261122


def test_manipulation_check_significant(res):
    k = key_numbers(res)
    assert k["mc_p"] < 0.001 and k["mc_f"] > 5
    assert k["mc_down_vs_control"] > 0 and k["mc_down_vs_control_p"] < 0.05
    assert 0 < k["mc_omega_sq"] < 0.5


def test_downward_relative_indirect_excludes_zero(res):
    ind = res.tables["relative_indirect"].set_index("condition")
    lo, hi = ind.loc["downward", ["ci_low", "ci_high"]]
    assert lo > 0 and hi > lo
    # the upward reflection has no indirect effect
    lo_u, hi_u = ind.loc["upward", ["ci_low", "ci_high"]]
    assert lo_u < 0 < hi_u


def test_total_effect_on_mentee_is_null_but_indirect_is_not(res):
    med = res.tables["mediation"].set_index("term")
    assert med.loc["c[downward]", "p_value"] > 0.05
    text = res.text["main"]
    m = re.search(
        rf"relative total effect c = {NUM}, SE = {NUM}, 95% CI \[{NUM}, {NUM}\], p = {NUM}", text
    )
    assert m, text
    for got, col in zip(m.groups(), ["estimate", "se", "ci_low", "ci_high"], strict=False):
        _close(got, med.loc["c[downward]", col])
    _close(m.group(5), med.loc["c[downward]", "p_value"], 3)
    assert "did not experience the mentoring as significantly better or worse" in text
    assert "detected although the total effect was not" in text
    om = res.tables["omnibus"].set_index("effect").loc["relative total effects"]
    m = re.search(rf"across all conditions, F\((\d+), (\d+)\) = {NUM}, p = {NUM}", text)
    assert m and int(m.group(2)) == om["df2"]
    _close(m.group(3), om["statistic"])
    _close(m.group(4), om["p_value"], 3)


def test_confounding_of_the_relative_indirect_effects(res):
    conf = res.tables["confounding"]
    assert list(conf.columns) == ROBUSTNESS_COLUMNS
    assert conf["term"].tolist() == [
        "indirect:mentor_engagement[downward]",
        "indirect:mentor_engagement[upward]",
    ]
    med = res.results["mediation"]
    sens = ld.mediation_sensitivity(med)
    assert conf["rho_at_zero"].tolist() == pytest.approx([sens.rho_at_zero] * 2, rel=1e-10)
    tab = res.tables["mediation"].set_index("term")
    d = tab.loc["indirect_partial_std:mentor_engagement[downward]"]
    ev = ld.evalue(d["estimate"], ci=(d["ci_low"], d["ci_high"]), kind="smd")
    assert conf.loc[0, "evalue"] == pytest.approx(ev.evalue)
    assert conf.loc[1, "evalue_ci"] == 1  # the upward CI includes zero
    text = res.text["confounding"]
    assert text.startswith("The condition was randomised")
    check_confounding_sentence(text, conf.iloc[0])
    assert "over and above the covariates" not in text  # no covariates in this model


def test_tables_and_columns(res):
    assert list(res.tables) == [
        "reliability",
        "invariance",
        "table1",
        "condition_means",
        "welch_anova",
        "games_howell",
        "mediation",
        "relative_indirect",
        "omnibus",
        "confounding",
        "confounding_curve",
    ]
    assert list(res.tables["welch_anova"].columns) == [
        "outcome", "f", "df1", "df2", "p_value", "eta2", "eta2_ci_low", "eta2_ci_high",
        "omega2", "omega2_ci_low", "omega2_ci_high",
    ]  # fmt: skip
    assert list(res.tables["games_howell"].columns)[-3:] == ["hedges_g", "g_ci_low", "g_ci_high"]
    assert list(res.tables["relative_indirect"].columns) == [
        "condition", "contrast", "term", "estimate", "se", "ci_low", "ci_high", "p_value",
    ]  # fmt: skip
    for key in res.tables:
        assert res.captions[key]
    assert set(res.tables["mediation"]["term"]) >= {
        "a:mentor_engagement[downward]",
        "b:mentor_engagement",
        "indirect:mentor_engagement[upward]",
    }


def test_mediation_equals_direct_call(res, raw):
    d = raw.join(ld.score(raw, ["mentor_engagement", "mentee_experience"]).scores)
    direct = ld.mediate(
        d,
        x="condition",
        m="mentor_engagement",
        y="mentee_experience",
        x_reference="control",
        n_boot=5000,
        seed=20261122,
    )
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    np.testing.assert_allclose(
        res.tables["mediation"][cols].to_numpy(float),
        direct.table[cols].to_numpy(float),
        rtol=1e-12,
        atol=1e-14,
    )
    # a_j * b = relative indirect effect; c_j = c'_j + a_j b (OLS identity)
    t = direct.table.set_index("term")["estimate"]
    for c in ("downward", "upward"):
        ab = t[f"a:mentor_engagement[{c}]"] * t["b:mentor_engagement"]
        assert t[f"indirect:mentor_engagement[{c}]"] == pytest.approx(ab, rel=1e-10)
        assert t[f"c[{c}]"] == pytest.approx(t[f"c_prime[{c}]"] + ab, rel=1e-9)


# ------------------------------------------------------------------------ APA text = tables


def test_manipulation_sentence_numbers(res):
    text = res.text["manipulation"]
    assert text.startswith("The manipulation worked")
    w = res.tables["welch_anova"].set_index("outcome").loc["manipulation_check"]
    m = re.search(
        rf"Welch's F\((\d+), {NUM}\) = {NUM}, p (<|=) {NUM}, η² = {NUM}, 95% CI \[{NUM}, {NUM}\], "
        rf"ω² = {NUM}, 95% CI \[{NUM}, {NUM}\]",
        text,
    )
    assert m, text
    assert int(m.group(1)) == w["df1"]
    _close(m.group(2), w["df2"])
    _close(m.group(3), w["f"])
    assert m.group(4) == "<" and m.group(5) == ".001"
    cols = ["eta2", "eta2_ci_low", "eta2_ci_high", "omega2", "omega2_ci_low", "omega2_ci_high"]
    for got, col in zip(m.groups()[5:], cols, strict=True):
        _close(got, w[col])
    gh = res.tables["games_howell"]
    for r in gh[gh["outcome"] == "manipulation_check"].itertuples():
        pat = (
            rf"{r.group_a} [a-z ]+ {r.group_b} \(M = {NUM} vs {NUM}, difference = {NUM}, "
            rf"95% CI \[{NUM}, {NUM}\], p (?:<|=) {NUM}, g = {NUM}, 95% CI \[{NUM}, {NUM}\]\)"
        )
        mm = re.search(pat, text)
        assert mm, (r.group_a, r.group_b, text)
        for got, val in zip(
            mm.groups(),
            [r.mean_a, r.mean_b, r.estimate, r.ci_low, r.ci_high],
            strict=False,
        ):
            _close(got, val)
        _close(mm.group(7), r.hedges_g)
        _close(mm.group(8), r.g_ci_low)
        _close(mm.group(9), r.g_ci_high)


def test_main_sentence_numbers(res):
    text = res.text["main"]
    med = res.tables["mediation"].set_index("term")
    for c in ("downward", "upward"):
        a = med.loc[f"a:mentor_engagement[{c}]"]
        m = re.search(
            rf"the {c} reflection [a-z ]+engagement \(a = {NUM}, SE = {NUM}, 95% CI \[{NUM}, {NUM}\]",
            text,
        )
        assert m, (c, text)
        for got, col in zip(m.groups(), ["estimate", "se", "ci_low", "ci_high"], strict=True):
            _close(got, a[col])
    ind = res.tables["relative_indirect"].set_index("condition")
    for c in ("downward", "upward"):
        m = re.search(rf"of the {c} reflection was {NUM}, 95% CI \[{NUM}, {NUM}\]", text)
        assert m, (c, text)
        _close(m.group(1), ind.loc[c, "estimate"])
        _close(m.group(2), ind.loc[c, "ci_low"])
        _close(m.group(3), ind.loc[c, "ci_high"])
    assert "downward reflection was" in text and "which excludes zero" in text
    om = res.tables["omnibus"].set_index("effect").loc["relative direct effects"]
    m = re.search(rf"direct effects were [a-z ]+, F\((\d+), (\d+)\) = {NUM}, p = {NUM}\.", text)
    assert m and int(m.group(1)) == om["df1"] and int(m.group(2)) == om["df2"]
    _close(m.group(3), om["statistic"])
    _close(m.group(4), om["p_value"], 3)


def test_outcome_sentence_means(res):
    text = res.text["outcomes"]
    cm = res.tables["condition_means"]
    for r in cm[cm["outcome"] != "manipulation_check"].itertuples():
        assert f"{r.condition} M = {r.mean:.2f}" in text


def test_apa_style(res):
    for sentence in res.text.values():
        assert not re.search(r"\bp [<=] 0\.", sentence)
        assert not re.search(r"(ω²|η²) = -?0\.", sentence)


# ------------------------------------------------------------------------ notes, figures, save


def test_notes(res):
    notes = " ".join(res.notes)
    assert "careless" in notes and "kept in every analysis" in notes
    assert "Mentors (manipulation-check and engagement items):" in notes
    assert "Mentees (experience items" in notes
    assert "Manipulation check: 2 mentor(s) without a score" in notes
    assert "Imai, Keele & Yamamoto" in notes and "exp(0.91 d)" in notes
    assert "Mediation: all 300 mentors" in notes
    assert "No omnibus test of the relative indirect effects" in notes


def test_figures(res, tmp_path):
    assert list(res.figures) == [
        "means_plot",
        "indirect_plot",
        "path",
        "confounding_plot",
        "bootstrap",
    ]
    assert "downward vs control" in res.figures["confounding_plot"].axes[0].get_ylabel()
    fig = res.figures["means_plot"]
    assert len(fig.axes) == 3
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Downward", "Upward", "Control"]
    cm = res.tables["condition_means"]
    shown = {t.get_text() for t in ax.texts}
    for v in cm[cm["outcome"] == "manipulation_check"]["mean"]:
        assert f"{v:.2f}" in shown
    forest = res.figures["indirect_plot"].axes[0]
    assert "CI" in res.captions["relative_indirect"] and "Raw scores" in res.captions["means_plot"]
    labels = [t.get_text() for t in forest.get_yticklabels()]
    assert labels == ["Downward vs control", "Upward vs control"]
    ind = res.tables["relative_indirect"]
    texts = " ".join(t.get_text() for t in forest.texts)
    for r in ind.itertuples():
        # the figure formatter: typographic minus, small values kept (0.0025, not 0.00)
        shown = f"{fig_num(r.estimate)} [{fig_num(r.ci_low)}, {fig_num(r.ci_high)}]"
        assert shown in texts


def test_figure_functions_standalone(tmp_path):
    ax = plot_condition_means(PLANT, "weight", "group", title="PlantGrowth")
    assert ax.get_ylabel() == "weight"
    ax2 = plot_relative_effects(
        pd.DataFrame({"term": ["a"], "estimate": [0.1], "ci_low": [-0.1], "ci_high": [0.3]})
    )
    assert ax2.get_yticklabels()[0].get_text() == "a"
    with pytest.raises(DataValidationError, match="ci_low"):
        plot_relative_effects(pd.DataFrame({"term": ["a"], "estimate": [0.1]}))
    with pytest.raises(DataValidationError, match="'score'"):
        condition_means(PLANT, "score", "group")
    plt.close("all")


def test_save_writes_files(res, tmp_path):
    written = res.save(tmp_path, formats=("png",))
    names = {p.name for p in written}
    assert {"study4_relative_indirect.csv", "study4_means_plot.png", "study4.md"} <= names
    back = pd.read_csv(tmp_path / "tables" / "study4_relative_indirect.csv")
    np.testing.assert_allclose(
        back["estimate"], res.tables["relative_indirect"]["estimate"], rtol=1e-12
    )
    assert "Welch's F" in (tmp_path / "study4.md").read_text(encoding="utf-8")


def test_html_escapes_and_summary(res):
    html = res._repr_html_()
    assert "<table" in html and "Games–Howell" in html
    assert "Welch" in res.summary()


# ------------------------------------------------------------------------ reproducibility


def test_same_seed_identical(raw):
    a = ld.run_study("study4", data=raw, seed=7, n_boot=300)
    b = ld.run_study("study4", data=raw, seed=7, n_boot=300)
    plt.close("all")
    for key in a.tables:
        pd.testing.assert_frame_equal(a.tables[key], b.tables[key])
    assert a.text == b.text
    assert "the data supplied" in a.design


# ------------------------------------------------------------------------ bad input


def test_missing_column_raises(raw):
    with pytest.raises(DataValidationError) as err:
        ld.run_study("study4", data=raw.drop(columns=["condition", "mx_2"]))
    msg = str(err.value)
    assert "'condition'" in msg and "'mx_2'" in msg


def test_missing_reference_condition(raw):
    bad = raw.assign(condition=raw["condition"].astype(str).replace("control", "neutral"))
    with pytest.raises(DataValidationError, match="reference condition 'control'"):
        ld.run_study("study4", data=bad, n_boot=100)


def test_single_condition(raw):
    with pytest.raises(DataValidationError, match="single condition"):
        ld.run_study("study4", data=raw.assign(condition="control"), n_boot=100)


def test_tiny_condition(raw):
    bad = raw.copy()
    bad["condition"] = bad["condition"].astype(str)
    bad.loc[0, "condition"] = "pilot"
    with pytest.raises(DataValidationError, match="'pilot'"):
        ld.run_study("study4", data=bad, n_boot=100)


def test_not_a_dataframe():
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.run_study("study4", data=[1, 2, 3])


def test_invalid_item_answer(raw):
    bad = raw.copy()
    bad.loc[3, "mc_down_1"] = 8.0
    with pytest.raises(DataValidationError, match="mc_down_1"):
        ld.run_study("study4", data=bad, n_boot=100)


def test_missing_condition_rows_are_reported(raw):
    d = raw.copy()
    d["condition"] = d["condition"].astype(object)
    d.loc[[0, 1], "condition"] = np.nan
    with pytest.warns(ld.exceptions.ModelWarning, match="2 of 300 rows") as record:
        out = ld.run_study("study4", data=d, n_boot=200, seed=1)
    plt.close("all")
    # the warning points at the line above (not at contextlib, through which the study's
    # warning collector passes it)
    assert {Path(w.filename).name for w in record if "2 of 300 rows" in str(w.message)} == {
        Path(__file__).name
    }
    assert out.n == 298
    assert any("2 of 300 rows have no condition" in n for n in out.notes)
    assert any("Mediation: 2 of 300 rows left out" in n for n in out.notes)


# ------------------------------------------------------------------------ careless responding


def test_mentor_and_mentee_are_screened_apart(raw):
    prep = study4.prepare(raw)
    mentor, mentee = prep.careless, prep.careless_mentee
    assert set(mentor.items) == set(ld.load_scale("manipulation_check").item_ids) | set(
        ld.load_scale("mentor_engagement").item_ids
    )
    assert set(mentee.items) == set(ld.load_scale("mentee_experience").item_ids)
    # the bundled data straight-line mentor and mentee independently: different rows flagged
    assert set(mentor.flagged) != set(mentee.flagged)
    assert dict(prep.excluded) == {"mentor": 0, "mentee": 0}


def test_exclude_careless_drops_only_the_flagged_persons_answers(raw):
    kept = study4.prepare(raw)
    prep = study4.prepare(raw, exclude_careless=True)
    fm, fe = list(kept.careless.flagged), list(kept.careless_mentee.flagged)
    assert fm and fe
    assert prep.data.loc[fm, ["manipulation_check", "mentor_engagement"]].isna().all().all()
    only_mentor = [i for i in fm if i not in fe]
    # the mentee of a flagged mentor keeps their experience score
    pd.testing.assert_series_equal(
        prep.data.loc[only_mentor, "mentee_experience"],
        kept.data.loc[only_mentor, "mentee_experience"],
    )
    assert prep.data.loc[fe, "mentee_experience"].isna().all()
    assert len(prep.rows) == len(raw)  # no row is dropped as a whole
    assert dict(prep.excluded) == {"mentor": len(fm), "mentee": len(fe)}
    # reliability without the flagged answers
    assert prep.rel.table.set_index("scale").loc["mentee_experience", "n"] == len(raw) - len(fe)
    out = study4.run(data=raw, exclude_careless=True, n_boot=300, seed=1)
    plt.close("all")
    notes = " ".join(out.notes)
    assert "left out of every analysis (exclude_careless=True)" in notes
    assert out.results["mediation"].n == len(raw) - len(set(fm) | set(fe))


def test_invariance_across_conditions(res):
    inv = res.tables["invariance"]
    assert set(inv["scale"]) == {"manipulation_check", "mentor_engagement", "mentee_experience"}
    assert (
        inv.groupby("scale")["level"].apply(list)
        == [["configural", "metric", "scalar", "strict"]] * 3
    ).all()
    text = res.text["invariance"]
    assert text.startswith("Before comparing the conditions")
    for scale, rows in inv.groupby("scale", sort=False):
        dec = rows.set_index("level")["decision"]
        if dec["metric"] != "supported":
            assert f"not even metric invariance holds for {scale}" in text
        elif dec["scalar"] != "supported":
            assert f"metric but not scalar invariance holds for {scale}" in text
        else:
            assert f"invariance holds for {scale}, so its means" in text


def test_invariance_skipped_with_too_few_rows_per_group():
    from learning_direction.studies._invariance import check_invariance, invariance_text

    d = ld.load_dataset("study4").iloc[:90]
    check = check_invariance(d, ["mentor_engagement"], "condition", groups="the conditions")
    assert not check.results and "mentor_engagement" in check.skipped
    assert "too few rows" in check.skipped["mentor_engagement"]
    assert "was not tested for mentor_engagement" in invariance_text(check)
