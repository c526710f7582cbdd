"""Tests of the Study 1 pipeline (ld.run_study("study1")).

The statistics themselves are checked against R in test_regression.py, test_reliability.py and
test_cfa.py; here we check that the pipeline wires them correctly: the key finding on the
bundled data, the documented tables, that the APA text repeats the tables' numbers, saving,
bad inputs and reproducibility.
"""

from __future__ import annotations

import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.studies import StudyResult, study1
from learning_direction.studies.study1 import key_numbers

TABLE_COLUMNS = {
    "table1": ["variable", "n", "m", "sd", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
    "reliability": [
        "instrument",
        "scale",
        "n_items",
        "n",
        "n_complete",
        "alpha",
        "alpha_ci_low",
        "alpha_ci_high",
        "std_alpha",
        "average_r",
        "g6",
        "omega_total",
    ],
    "regression_steps": [
        "step",
        "block",
        "formula",
        "r2",
        "adj_r2",
        "delta_r2",
        "f_change",
        "df1",
        "df2",
        "p_value",
    ],
    "regression": [
        "term",
        "label",
        "estimate",
        "se",
        "t",
        "ci_low",
        "ci_high",
        "p_value",
        "beta",
    ],
    "contrasts": ["term", "estimate", "se", "t", "ci_low", "ci_high", "p_value"],
    "cfa_fit": [
        "model",
        "n",
        "chi2",
        "df",
        "p_value",
        "cfi",
        "tli",
        "rmsea",
        "rmsea_ci_low",
        "rmsea_ci_high",
        "srmr",
    ],
    "cfa_discriminant": [
        "factor_1",
        "factor_2",
        "correlation",
        "htmt",
        "htmt_below_85",
        "fornell_larcker",
    ],
    "incremental_validity": [
        "step",
        "block",
        "formula",
        "r2",
        "adj_r2",
        "delta_r2",
        "f_change",
        "df1",
        "df2",
        "p_value",
    ],
    "missing_patterns": ["pattern", "n", "share", "n_answered", "items_missing"],
    "measurement_fit": [
        "model",
        "n",
        "chi2",
        "df",
        "p_value",
        "cfi",
        "tli",
        "rmsea",
        "rmsea_ci_low",
        "rmsea_ci_high",
        "srmr",
    ],
    "measurement_validity": [
        "factor",
        "n_items",
        "ave",
        "sqrt_ave",
        "composite_reliability",
        "max_abs_r",
        "ave_ok",
        "cr_ok",
        "fornell_larcker",
    ],
    "measurement_htmt": [
        "factor_1",
        "factor_2",
        "correlation",
        "htmt",
        "htmt2",
        "htmt_below_85",
        "fornell_larcker",
    ],
    "fornell_larcker": [
        "factor",
        "upward",
        "lateral",
        "downward",
        "learning_goal_orientation",
        "mentor_engagement",
    ],
    "common_method": [
        "model",
        "chisq",
        "df",
        "cfi",
        "tli",
        "rmsea",
        "srmr",
        "delta_chisq",
        "delta_df",
        "p_delta",
        "delta_cfi",
    ],
}
QUICK = {"full_measurement": False}  # runs that need no full measurement model
NUM = r"(-?\d*\.\d+)"


@pytest.fixture(scope="module")
def res(study1_run) -> StudyResult:
    """``ld.run_study("study1")``: conftest.py runs it once for the modules that read it."""
    yield study1_run
    plt.close("all")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return ld.load_dataset("study1")


def _r2(x: float) -> float:
    return round(float(x), 2)


def _close(text_value: str, table_value: float, digits: int = 2) -> None:
    """A number printed in the text equals the table value rounded to ``digits``."""
    assert float(text_value) == pytest.approx(round(float(table_value), digits), abs=1e-9)


# ------------------------------------------------------------------------ runs, key finding


def test_runs_on_bundled_data(res):
    assert isinstance(res, StudyResult)
    assert res.name == "study1" and res.n == res.results["steps"].n
    assert res.question.endswith("?")
    assert "300 mentors" in res.design and "simulated" in res.design


def test_key_finding_holds(res):
    k = key_numbers(res)
    assert k["b_downward"] > 0 and k["p_downward"] < 0.05
    assert k["delta_r2"] > 0 and k["p_change"] < 0.05
    reg = res.tables["regression"].set_index("term")
    # downward is the strongest learning direction (standardized)
    assert reg.loc["downward", "beta"] > reg.loc["upward", "beta"]
    assert reg.loc["downward", "beta"] > reg.loc["lateral", "beta"]


def test_tables_have_documented_columns(res):
    assert list(res.tables) == list(TABLE_COLUMNS)
    for key, cols in TABLE_COLUMNS.items():
        assert list(res.tables[key].columns) == cols, key
        assert res.captions.get(key)
    assert res.table is res.tables["regression_steps"]


def test_regression_agrees_with_a_direct_fit(res, raw):
    """The pipeline's final model equals ld.regress on the scored data (HC3)."""
    scores = ld.score(
        raw, ["learning_direction", "learning_goal_orientation", "mentor_engagement"]
    ).scores
    d = raw.join(scores)
    direct = ld.regress(
        d,
        "mentor_engagement ~ age + tenure + C(gender) + past_mentees + upward + lateral + downward",
        se="HC3",
    )
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value", "beta"]
    pd.testing.assert_frame_equal(
        res.tables["regression"][cols].reset_index(drop=True), direct.table[cols]
    )
    steps = res.tables["regression_steps"]
    assert steps["r2"].iloc[-1] == pytest.approx(direct.r2, abs=1e-12)
    assert steps["df1"].tolist() == [4, 3] and steps["df2"].iloc[-1] == direct.n - 8


def test_table1_alphas_on_diagonal_match_reliability(res):
    t1 = res.tables["table1"]
    rel = res.tables["reliability"].set_index("scale")
    assert t1.loc[0, "1"] == "—"  # age: no alpha
    pairs = [(4, "upward"), (5, "lateral"), (6, "downward"), (7, "learning_goal_orientation")]
    for i, name in [*pairs, (8, "mentor_engagement")]:
        cell = t1.loc[i, str(i + 1)]
        assert cell == "(" + f"{rel.loc[name, 'alpha']:.2f}".lstrip("0") + ")"
    assert t1["variable"].str.contains("Gender \\(male = 1\\)").any()


def test_reliability_table_is_psych_alpha_of_each_subscale(res, raw):
    direct = ld.reliability(raw, "learning_direction").table.set_index("scale")
    rel = res.tables["reliability"].set_index("scale")
    for name in ("upward", "lateral", "downward"):
        assert rel.loc[name, "alpha"] == pytest.approx(direct.loc[name, "alpha"], abs=1e-14)
    assert rel.loc["mentor_engagement", "instrument"] == "mentor_engagement"


def test_cfa_tables(res):
    fit = res.tables["cfa_fit"].iloc[0]
    assert fit["df"] == 51  # 12 items, 3 factors: 78 moments - 27 parameters
    assert fit["n"] == res.results["cfa"].n == 300  # FIML: every mentor
    assert res.results["cfa"].n_dropped == 0 and res.results["cfa"].missing == "fiml"
    disc = res.tables["cfa_discriminant"]
    assert len(disc) == 3 and disc["htmt"].between(0, 1).all()


# ------------------------------------------------------------------------ APA text = tables


def test_main_sentence_numbers_come_from_tables(res):
    text = res.text["main"]
    step = res.tables["regression_steps"].iloc[-1]
    m = re.search(
        rf"additional {NUM}% of the variance in mentor engagement, ΔR² = {NUM}, "
        rf"F\((\d+), (\d+)\) = {NUM}, p (<|=) {NUM}",
        text,
    )
    assert m, text
    _close(m.group(1), 100 * step["delta_r2"], 1)
    _close(m.group(2), step["delta_r2"])
    assert int(m.group(3)) == step["df1"] and int(m.group(4)) == step["df2"]
    _close(m.group(5), step["f_change"])
    if step["p_value"] < 0.001:
        assert m.group(6) == "<" and m.group(7) == ".001"
    else:
        _close(m.group(7), step["p_value"], 3)

    reg = res.tables["regression"].set_index("term")
    for term in ("downward", "upward", "lateral"):
        row = reg.loc[term]
        pat = (
            rf"{term}[^,(]*(?:, |\()b = {NUM}, SE = {NUM}, 95% CI \[{NUM}, {NUM}\], "
            rf"p (?:<|=) {NUM}, β = {NUM}"
        )
        m = re.search(pat, text)
        assert m, (term, text)
        for got, col in zip(m.groups(), ["estimate", "se", "ci_low", "ci_high"], strict=False):
            _close(got, row[col])
        if row["p_value"] >= 0.001:
            _close(m.group(5), row["p_value"], 3)
        _close(m.group(6), row["beta"])
    assert "downward learning direction predicted higher engagement" in text


def test_model_sentence_numbers_come_from_tables(res):
    text = res.text["model"]
    s1 = res.tables["regression_steps"].iloc[0]
    m = re.search(rf"R² = {NUM} of the variance, F\((\d+), (\d+)\) = {NUM}, p = {NUM}", text)
    assert m, text
    _close(m.group(1), s1["r2"])
    assert int(m.group(2)) == s1["df1"] and int(m.group(3)) == s1["df2"]
    _close(m.group(4), s1["f_change"])
    _close(m.group(5), s1["p_value"], 3)
    assert "HC3" in text and f"N = {res.results['steps'].n}" in text


def test_contrast_sentence_numbers_come_from_tables(res):
    text = res.text["contrasts"]
    for row in res.tables["contrasts"].itertuples():
        other = row.term.split(" - ")[1]
        m = re.search(rf"the {other} coefficient \(difference = {NUM}, SE = {NUM}", text)
        assert m, text
        _close(m.group(1), row.estimate)
        _close(m.group(2), row.se)


def test_reliability_and_cfa_sentences_come_from_tables(res):
    rel = res.tables["reliability"].set_index("scale")
    for name in ("upward", "lateral", "downward"):
        assert f"{rel.loc[name, 'alpha']:.2f}".lstrip("0") + f" ({name})" in res.text["reliability"]
    fit = res.tables["cfa_fit"].iloc[0]
    text = res.text["cfa"]
    m = re.search(rf"χ²\((\d+)\) = {NUM}, p = {NUM}, CFI = {NUM}, TLI = {NUM}, RMSEA = {NUM}", text)
    assert m, text
    assert int(m.group(1)) == fit["df"]
    _close(m.group(2), fit["chi2"])
    _close(m.group(3), fit["p_value"], 3)
    _close(m.group(4), fit["cfi"])
    _close(m.group(5), fit["tli"])
    _close(m.group(6), fit["rmsea"], 3)
    htmt = res.tables["cfa_discriminant"]["htmt"].max()
    assert f"ratio was {htmt:.2f}".replace("0.", ".") in text


def test_apa_style_no_leading_zero_for_p_and_r(res):
    for sentence in res.text.values():
        assert not re.search(r"\bp [<=] 0\.", sentence)
        assert not re.search(r"(ΔR²|β|CFI|TLI|RMSEA|SRMR) = -?0\.", sentence)


# ------------------------------------------------------------------------ notes, figures, save


def test_notes_report_careless_and_dropped_rows(res):
    notes = " ".join(res.notes)
    assert "careless" in notes and "kept in every analysis" in notes
    assert "M0027" in notes  # flagged ids are named
    steps = res.results["steps"]
    assert f"Regression: {300 - steps.n} of 300 rows left out" in notes
    cfa = res.results["cfa"]
    complete = int(cfa.sem.patterns.loc[cfa.sem.patterns["n_observed"] == 12, "n"].sum())
    assert "CFA: full-information ML" in notes and "all 300 mentors" in notes
    assert f"would have kept only the {complete}" in notes and complete < 300
    assert "HC3" in notes


def test_figures_present_and_labelled(res):
    assert list(res.figures) == ["profile", "coefficients", "correlations", "item_reliability"]
    for key, fig in res.figures.items():
        assert isinstance(fig, matplotlib.figure.Figure), key
        assert res.captions[key]
    ax = res.figures["coefficients"].axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Downward learning direction" in labels and "Gender (male)" in labels
    # the plotted estimate of downward equals the table
    reg = res.tables["regression"].set_index("label")
    xs = [line.get_xdata() for line in ax.lines if len(line.get_xdata()) == len(labels)]
    assert any(
        np.isclose(np.sort(x), np.sort(reg.drop(index="Intercept")["estimate"])).all() for x in xs
    )
    prof = res.figures["profile"].axes[0]
    means = res.results["profile"].means.set_index("direction")["mean"]
    shown = {t.get_text() for t in prof.texts}
    assert {f"{m:.2f}" for m in means} <= shown


def test_save_writes_csv_md_png_svg(res, tmp_path):
    written = res.save(tmp_path)
    names = {p.name for p in written}
    assert "study1_regression.csv" in names and "study1_regression.md" in names
    assert "study1_coefficients.png" in names and "study1_coefficients.svg" in names
    assert (tmp_path / "study1.md").read_text(encoding="utf-8").count("ΔR²") >= 1
    for p in written:
        assert p.exists() and p.stat().st_size > 0
    back = pd.read_csv(tmp_path / "tables" / "study1_regression.csv")
    np.testing.assert_allclose(back["estimate"], res.tables["regression"]["estimate"], rtol=1e-12)


def test_html_and_summary(res):
    html = res._repr_html_()
    assert "ΔR²" in html and "<table" in html
    text = res.summary()
    assert "Table 1" in text and "Note:" in text


def test_runtime_is_short(raw):
    import time

    # a user's categorical gender with an unused level must not break C(gender)
    user = raw.assign(gender=raw["gender"].cat.add_categories(["not stated"]))
    t0 = time.perf_counter()
    out = study1.run(data=user, **QUICK)
    elapsed = time.perf_counter() - t0
    plt.close("all")
    assert elapsed < 60, elapsed  # the FIML CFA dominates; the machine may be shared
    assert "the data supplied" in out.design
    assert out.tables["regression"]["term"].tolist()[1] == "C(gender)[T.male]"


# ------------------------------------------------------------------------ reproducibility


def test_same_seed_identical_tables(res):
    again = study1.run(seed=20261122, **QUICK)
    plt.close("all")
    for key in again.tables:
        pd.testing.assert_frame_equal(res.tables[key], again.tables[key])
    for key in again.text:
        assert res.text[key] == again.text[key]


# ------------------------------------------------------------------------ user data, bad input


def test_missing_column_raises_naming_it(raw):
    with pytest.raises(DataValidationError) as err:
        ld.run_study("study1", data=raw.drop(columns=["past_mentees", "ld_down_2"]))
    msg = str(err.value)
    assert "'past_mentees'" in msg and "'ld_down_2'" in msg


def test_data_not_a_dataframe():
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.run_study("study1", data={"age": [1, 2]})


def test_non_numeric_control_raises(raw):
    bad = raw.copy()
    bad["tenure"] = bad["tenure"].astype(object)
    bad.loc[5, "tenure"] = "ten years"
    with pytest.raises(DataValidationError, match=r"'tenure'.*'ten years'"):
        ld.run_study("study1", data=bad)


def test_constant_gender_raises_model_error(raw):
    with pytest.raises(ModelError, match="'gender'"):
        ld.run_study("study1", data=raw.assign(gender="female"))
    plt.close("all")


def test_invalid_item_answer_raises(raw):
    bad = raw.copy()
    bad.loc[2, "eng_1"] = 9.0
    with pytest.raises(DataValidationError, match="eng_1"):
        ld.run_study("study1", data=bad)


def test_user_data_with_missing_controls_and_careless_exclusion(raw):
    d = raw.copy()
    scores = ld.score(raw, ["learning_direction", "mentor_engagement"]).scores
    complete = scores.notna().all(axis=1)
    rows = [i for i in complete.index if complete[i]][:3]
    d.loc[rows, "age"] = np.nan
    base = study1.run(data=raw, **QUICK)
    out = study1.run(data=d, **QUICK)
    df2 = base.tables["regression_steps"]["df2"].iloc[-1]
    assert out.tables["regression_steps"]["df2"].iloc[-1] == df2 - 3
    assert any("age (3)" in n for n in out.notes)
    assert out.n == base.n - 3
    excl = study1.run(data=raw, exclude_careless=True, **QUICK)
    plt.close("all")
    flagged = base.results["careless"].flagged
    kept = ld.score(raw.drop(index=flagged), ["learning_direction", "mentor_engagement"]).scores
    assert excl.n == int(kept.notna().all(axis=1).sum())
    assert any("left out of every analysis (exclude_careless=True)" in n for n in excl.notes)


# ------------------------------------------------------------------------ measurement model


def test_full_measurement_model_tables(res):
    full = res.results["measurement"]
    assert full.n == 300 and full.n_dropped == 0 and full.missing == "fiml"
    assert list(full.validity["factor"]) == [
        "upward",
        "lateral",
        "downward",
        "learning_goal_orientation",
        "mentor_engagement",
    ]
    fit = res.tables["measurement_fit"].iloc[0]
    assert fit["df"] == 220  # 23 items: 276 moments - (18 loadings + 15 factor (co)variances + 23)
    pat = res.tables["missing_patterns"]
    assert pat["n"].sum() == 300 and pat["share"].sum() == pytest.approx(1.0)
    assert pat["items_missing"].iloc[0] == "none (every item answered)"
    # the table is the CFA's, and the matrix of the Fornell-Larcker table agrees with it
    fl = res.tables["fornell_larcker"].set_index("factor")
    v = res.tables["measurement_validity"].set_index("factor")
    for f in v.index:
        assert fl.loc[f, f] == pytest.approx(v.loc[f, "sqrt_ave"], rel=1e-12)
    disc = res.tables["measurement_htmt"]
    assert len(disc) == 10 and disc["htmt2"].between(0, 1).all()
    h2 = ld.htmt(full, htmt2=True)
    for r in disc.itertuples():
        assert r.htmt2 == pytest.approx(h2.loc[r.factor_1, r.factor_2], rel=1e-12)


def test_measurement_sentence_numbers_come_from_tables(res):
    text = res.text["measurement"]
    v = res.tables["measurement_validity"]
    lo = v.loc[v["ave"].idxmin()]
    spoken = study1._SPOKEN.get(lo["factor"], lo["factor"])
    assert f"ranged from {_r2(lo['ave']):.2f}".replace("0.", ".") + f" ({spoken})" in text
    assert "learning goal orientation" in res.design
    n_fl = int(res.tables["measurement_htmt"]["fornell_larcker"].sum())
    assert f"held for {'all' if n_fl == 10 else n_fl}" in text
    fit = res.tables["measurement_fit"].iloc[0]
    assert f"χ²({int(fit['df'])}) = {fit['chi2']:.2f}" in text


def test_common_method_sentence(res):
    text = res.text["common_method"]
    cm = res.results["common_method"]
    assert f"{100 * cm.harman_share:.1f}% of the item variance" in text
    one = res.tables["common_method"].set_index("model").loc["one factor (Harman)"]
    assert f"Δχ²({int(one['delta_df'])}) = {one['delta_chisq']:.2f}" in text
    if cm.method_variance > 0:
        assert f"{100 * cm.method_share:.1f}% of the item variance on average" in text
    else:
        assert "improper solution" in text and "below zero" in text
    assert "No marker variable was configured" in text


def test_incremental_validity_over_lgo(res, raw):
    inc = res.tables["incremental_validity"]
    scores = ld.score(
        raw, ["learning_direction", "learning_goal_orientation", "mentor_engagement"]
    ).scores
    d = raw.join(scores)
    base = "mentor_engagement ~ age + tenure + C(gender) + past_mentees + learning_goal_orientation"
    m1 = ld.regress(d.dropna(subset=[*scores.columns]), base)
    m2 = ld.regress(d.dropna(subset=[*scores.columns]), base + " + upward + lateral + downward")
    assert inc["r2"].iloc[0] == pytest.approx(m1.r2, abs=1e-12)
    assert inc["delta_r2"].iloc[1] == pytest.approx(m2.r2 - m1.r2, abs=1e-12)
    text = res.text["incremental"]
    step = inc.iloc[1]
    assert "Over and above the controls and learning goal orientation" in text
    assert f"ΔR² = {_r2(step['delta_r2']):.2f}".replace("0.", ".") in text
    assert f"F({int(step['df1'])}, {int(step['df2'])}) = {step['f_change']:.2f}" in text
    shows = bool(step["p_value"] < 0.05)
    assert ("directions show incremental validity" in text) is shows
    assert ("do not show incremental validity" in text) is not shows


def test_careless_kinds_in_the_simulation_and_the_screen():
    """The bundled Study 1 has three straight-liners, three random and three midpoint
    responders; the screen catches each kind with the index meant for it (long strings and zero
    SD, Mahalanobis D², midpoint share) and flags 5 of the 291 attentive mentors."""
    from learning_direction.simulate import simulate_study1

    d = simulate_study1(seed=20261122 + 1)
    kinds = d.attrs["careless_kinds"]
    assert sorted(set(kinds.values())) == ["midpoint", "random", "straightline"]
    screen = ld.careless_responding(
        d, ["learning_direction", "learning_goal_orientation", "mentor_engagement"]
    )
    by_kind = {k: [r for r, kk in kinds.items() if kk == k] for k in set(kinds.values())}
    assert set(by_kind["straightline"]) <= set(screen.flagged_by("irv"))
    assert set(by_kind["random"]) <= set(screen.flagged_by("mahad"))
    assert set(by_kind["midpoint"]) <= set(screen.flagged_by("midpoint"))
    attentive = set(screen.flagged) - set(kinds)
    assert len(attentive) == 5 and len(screen.flagged) == 14
