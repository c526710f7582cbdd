"""Tests of the Study 4 pipeline (ld.run_study("study4")): the reflection experiment.

Welch's ANOVA is checked against R's ``oneway.test`` on R's built-in PlantGrowth data; the
mediation engine itself is checked against R in test_mediation.py. Here we check the key
findings on the bundled data, that the APA text repeats the tables' numbers, figures, saving,
bad inputs and reproducibility.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError
from learning_direction.figures.experiment import (
    condition_means,
    plot_condition_means,
    plot_relative_effects,
)
from learning_direction.studies import StudyResult
from learning_direction.studies.study4 import games_howell_table, key_numbers, welch_anova_table

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


def test_welch_anova_matches_r_oneway_test():
    # R 4.x: oneway.test(weight ~ group, PlantGrowth)
    #   F = 5.181, num df = 2.000, denom df = 17.128, p-value = 0.01739
    # summary(aov(weight ~ group, PlantGrowth)): F = 4.846, p = 0.0159
    w = welch_anova_table(PLANT, "weight", "group").iloc[0]
    assert w["f"] == pytest.approx(5.181, abs=5e-4)
    assert w["df1"] == 2 and w["df2"] == pytest.approx(17.128, abs=5e-4)
    assert w["p_value"] == pytest.approx(0.01739, abs=5e-6)
    # eta^2 and omega^2 from the classical decomposition (closed form from the classical F)
    f_classic, df1, df2 = 4.846088, 2, 27
    assert w["eta_sq"] == pytest.approx(f_classic * df1 / (f_classic * df1 + df2), rel=1e-6)
    assert w["omega_sq"] == pytest.approx(
        (f_classic - 1) * df1 / (f_classic * df1 + df2 + 1), rel=1e-6
    )


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


def test_tables_and_columns(res):
    assert list(res.tables) == [
        "reliability",
        "table1",
        "condition_means",
        "welch_anova",
        "games_howell",
        "mediation",
        "relative_indirect",
        "omnibus",
    ]
    assert list(res.tables["welch_anova"].columns) == [
        "outcome", "df1", "df2", "f", "p_value", "eta_sq", "omega_sq",
    ]  # fmt: skip
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
        rf"Welch's F\((\d+), {NUM}\) = {NUM}, p (<|=) {NUM}, ω² = {NUM}, η² = {NUM}", text
    )
    assert m, text
    assert int(m.group(1)) == w["df1"]
    _close(m.group(2), w["df2"])
    _close(m.group(3), w["f"])
    assert m.group(4) == "<" and m.group(5) == ".001"
    _close(m.group(6), w["omega_sq"])
    _close(m.group(7), w["eta_sq"])
    gh = res.tables["games_howell"]
    for r in gh[gh["outcome"] == "manipulation_check"].itertuples():
        pat = (
            rf"{r.group_a} [a-z ]+ {r.group_b} \(M = {NUM} vs {NUM}, difference = {NUM}, "
            rf"95% CI \[{NUM}, {NUM}\], p (?:<|=) {NUM}, g = {NUM}\)"
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
    m = re.search(rf"F\((\d+), (\d+)\) = {NUM}, p = {NUM}\.$", text)
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
    assert "Manipulation check: 1 mentor(s) without a score" in notes
    assert "Mediation: all 300 mentors" in notes
    assert "No omnibus test of the relative indirect effects" in notes


def test_figures(res, tmp_path):
    assert list(res.figures) == ["means_plot", "indirect_plot", "path", "bootstrap"]
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
        shown = f"{r.estimate:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]".replace("-", "\u2212")
        assert shown in texts  # negatives drawn with the typographic minus


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
    out = ld.run_study("study4", data=d, n_boot=200, seed=1)
    plt.close("all")
    assert out.n == 298
    assert any("2 of 300 rows have no condition" in n for n in out.notes)
    assert any("Mediation: 2 of 300 rows left out" in n for n in out.notes)
