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
from learning_direction.studies import StudyResult
from learning_direction.studies.study1 import key_numbers

TABLE_COLUMNS = {
    "table1": ["variable", "n", "m", "sd", "1", "2", "3", "4", "5", "6", "7", "8"],
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
}
NUM = r"(-?\d*\.\d+)"


@pytest.fixture(scope="module")
def res() -> StudyResult:
    out = ld.run_study("study1")
    yield out
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
    assert res.name == "study1" and res.n == 300
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
    scores = ld.score(raw, ["learning_direction", "mentor_engagement"]).scores
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
    assert steps["df1"].tolist() == [4, 3] and steps["df2"].iloc[-1] == 292


def test_table1_alphas_on_diagonal_match_reliability(res):
    t1 = res.tables["table1"]
    rel = res.tables["reliability"].set_index("scale")
    assert t1.loc[0, "1"] == "—"  # age: no alpha
    for i, name in [(4, "upward"), (5, "lateral"), (6, "downward"), (7, "mentor_engagement")]:
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
    assert fit["n"] == res.results["cfa"].n
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
    assert "HC3" in text and "N = 300" in text


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
    assert "M0056" in notes  # flagged ids are named
    assert "Regression: all 300 mentors" in notes
    assert "CFA:" in notes and "listwise" in notes
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
    out = ld.run_study("study1", data=user)
    elapsed = time.perf_counter() - t0
    plt.close("all")
    assert elapsed < 10, elapsed
    assert "the data supplied" in out.design
    assert out.tables["regression"]["term"].tolist()[1] == "C(gender)[T.male]"


# ------------------------------------------------------------------------ reproducibility


def test_same_seed_identical_tables(res):
    again = ld.run_study("study1", seed=20261122)
    plt.close("all")
    for key in res.tables:
        pd.testing.assert_frame_equal(res.tables[key], again.tables[key])
    assert res.text == again.text


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
    d.loc[[1, 2, 3], "age"] = np.nan
    out = ld.run_study("study1", data=d)
    assert out.tables["regression_steps"]["df2"].iloc[-1] == 292 - 3
    assert any("3 of 300 rows left out" in n and "age (3)" in n for n in out.notes)
    assert out.n == 297
    from learning_direction.studies import study1

    excl = study1.run(data=raw, exclude_careless=True)
    plt.close("all")
    assert excl.n == 294
    assert any("left out of every analysis (exclude_careless=True)" in n for n in excl.notes)
