"""Tests of the shared study-pipeline steps (learning_direction.studies._common).

Numbers are checked against R fixtures in tests/reference/: psych::alpha / scoreItems on bfi
(bfi_scoring.json) and lm / sandwich on sat.act (sat_act_models.json).
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import learning_direction as ld
from learning_direction.exceptions import DataQualityWarning, DataValidationError
from learning_direction.studies import StudyResult
from learning_direction.studies._common import (
    RELIABILITY_COLUMNS,
    StudyBuilder,
    apa_cfa_sentence,
    apa_delta_r2_sentence,
    apa_predictor_phrase,
    apa_reliability_sentence,
    careless_screen,
    check_study_data,
    collect_warnings,
    combine_reliability,
    contrast_table,
    dummy_code,
    label_terms,
    reliability_set,
    scale_item_ids,
    score_scales,
    table1,
)

REF = Path(__file__).parent / "reference"
BFI_REF = json.loads((REF / "bfi_scoring.json").read_text())
SAT_REF = json.loads((REF / "sat_act_models.json").read_text())


def _bfi_scale(name: str) -> dict:
    s = BFI_REF["scales"][name]
    return {
        "name": name,
        "response": {"min": BFI_REF["response_min"], "max": BFI_REF["response_max"]},
        "items": [{"id": i, "reverse": i in s["reversed"]} for i in s["items"]],
    }


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return pd.read_csv(REF / "bfi.csv")


@pytest.fixture(scope="module")
def sat() -> pd.DataFrame:
    return pd.read_csv(REF / "sat_act.csv")


@pytest.fixture(scope="module")
def study1() -> pd.DataFrame:
    return ld.load_dataset("study1")


# ------------------------------------------------------------------------ check_study_data


def test_check_study_data_returns_copy(study1):
    out = check_study_data(study1, study="study1", scales=["mentor_engagement"], columns=["age"])
    assert out is not study1
    pd.testing.assert_frame_equal(out, study1)


def test_check_study_data_names_every_missing_column(study1):
    bad = study1.drop(columns=["age", "eng_3"]).rename(columns={"tenure": "tenur"})
    with pytest.raises(DataValidationError) as err:
        check_study_data(
            bad, study="study1", scales=["mentor_engagement"], columns=["age", "tenure"]
        )
    msg = str(err.value)
    assert "'age'" in msg and "'eng_3'" in msg and "'tenure'" in msg
    assert "did you mean 'tenur'" in msg
    assert "codebook('study1')" in msg


def test_check_study_data_not_a_dataframe():
    with pytest.raises(DataValidationError, match="needs a pandas DataFrame"):
        check_study_data([[1, 2]], study="study1")


def test_check_study_data_no_rows(study1):
    with pytest.raises(DataValidationError, match="no rows"):
        check_study_data(study1.iloc[:0], study="study1")


def test_check_study_data_non_numeric_column(study1):
    bad = study1.copy()
    bad["age"] = bad["age"].astype(object)
    bad.loc[[3, 7], "age"] = "forty"
    with pytest.raises(DataValidationError) as err:
        check_study_data(bad, study="study1", columns=["age"], numeric=["age"])
    msg = str(err.value)
    assert "'age'" in msg and "'forty'" in msg and "3, 7" in msg


def test_check_study_data_numeric_strings_converted(study1):
    d = study1.copy()
    d["age"] = d["age"].map(lambda v: "" if v != v else str(int(v))).replace("", np.nan)
    out = check_study_data(d, study="study1", columns=["age"], numeric=["age"])
    assert pd.api.types.is_numeric_dtype(out["age"])
    np.testing.assert_allclose(out["age"], study1["age"])


def test_scale_item_ids():
    ids = scale_item_ids(["learning_direction", "mentor_engagement"])
    assert ids[:2] == ["ld_up_1", "ld_up_2"] and ids[-1] == "eng_6" and len(ids) == 18


# ------------------------------------------------------------------------ dummy_code


def test_dummy_code_two_levels():
    s = pd.Series(["male", "female", None, "male"])
    ind, label = dummy_code(s, "Gender")
    assert label == "Gender (male = 1)"
    assert ind.tolist()[:2] == [1.0, 0.0] and np.isnan(ind.iloc[2])


@pytest.mark.parametrize("values", [["a", "a"], ["a", "b", "c"]])
def test_dummy_code_needs_two_levels(values):
    assert dummy_code(pd.Series(values), "x") == (None, None)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["female", "male"]), min_size=4, max_size=40))
def test_dummy_code_matches_formula_coding(values):
    """The Table 1 indicator equals the column of C(gender) in the regression design."""
    import patsy

    s = pd.Series(values)
    ind, label = dummy_code(s, "g")
    if s.nunique() < 2:
        assert ind is None
        return
    X = patsy.dmatrix("C(g)", {"g": s}, return_type="dataframe")
    np.testing.assert_array_equal(ind.to_numpy(), X.iloc[:, 1].to_numpy())
    assert label == f"g ({X.columns[1].split('[T.')[1].rstrip(']')} = 1)"


# ------------------------------------------------------------------------ scoring


def test_score_scales_matches_psych_scoreitems(bfi):
    """Mean of the answered items after reversal = psych::scoreItems(impute = 'none')."""
    scored = score_scales(bfi, [_bfi_scale("agree"), _bfi_scale("neuroticism")], min_answered=0.01)
    assert scored.score_names == ["agree", "neuroticism"]
    for name in scored.score_names:
        ref = BFI_REF["scales"][name]["score_mean_of_answered"]
        col = scored.data[name]
        assert col.mean() == pytest.approx(ref["mean"], abs=1e-10)
        assert col.std(ddof=1) == pytest.approx(ref["sd"], abs=1e-10)
        assert int(col.isna().sum()) == ref["n_missing_score"]
    # every input row and column kept, index kept
    assert scored.data.index.equals(bfi.index)
    assert set(bfi.columns) <= set(scored.data.columns)


def test_score_scales_replaces_clashing_column_with_note(study1):
    d = study1.assign(downward=99.0)
    scored = score_scales(d, ["learning_direction"])
    assert (scored.data["downward"] <= 7).all()
    assert any("'downward'" in n and "replaced" in n for n in scored.notes)


def test_score_scales_notes_missing_scores(study1):
    d = study1.copy()
    d.loc[[0, 1], ["eng_1", "eng_2", "eng_3", "eng_4"]] = np.nan
    scored = score_scales(d, ["mentor_engagement"])
    assert scored.data["mentor_engagement"].isna().sum() >= 2
    assert any("no 'mentor_engagement' score" in n for n in scored.notes)


# ------------------------------------------------------------------------ reliability


@pytest.fixture(scope="module")
def bfi_rel(bfi):
    return reliability_set(bfi, [_bfi_scale("agree"), _bfi_scale("conscientious")])


def test_reliability_set_matches_psych(bfi_rel):
    t = bfi_rel.table.set_index("scale")
    for name in ("agree", "conscientious"):
        ref = BFI_REF["scales"][name]
        assert t.loc[name, "alpha"] == pytest.approx(ref["raw_alpha"], abs=1e-10)
        assert t.loc[name, "std_alpha"] == pytest.approx(ref["std_alpha"], abs=1e-10)
        assert t.loc[name, "g6"] == pytest.approx(ref["G6"], abs=1e-10)
        lo, hi = ref["alpha_feldt_ci_listwise"]
        assert t.loc[name, "alpha_ci_low"] == pytest.approx(lo, abs=1e-10)
        assert t.loc[name, "alpha_ci_high"] == pytest.approx(hi, abs=1e-10)
        assert t.loc[name, "omega_total"] == pytest.approx(ref["omega_total_1factor_ml"], abs=1e-4)
        assert bfi_rel.alphas[name] == pytest.approx(ref["raw_alpha"], abs=1e-10)


def test_reliability_set_layout(bfi_rel):
    assert list(bfi_rel.table.columns[: len(RELIABILITY_COLUMNS)]) == RELIABILITY_COLUMNS
    assert list(bfi_rel.results) == ["agree", "conscientious"]
    assert bfi_rel.items.columns[0] == "instrument"
    assert len(bfi_rel.items) == 10
    assert len(bfi_rel.combined.items) == 10 and len(bfi_rel.combined.table) == 2
    assert bfi_rel.combined.instrument == "agree + conscientious"


def test_combined_reliability_plot(bfi_rel, tmp_path):
    ax = bfi_rel.combined.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "A1 (R)" in labels and "C5 (R)" in labels
    out = tmp_path / "rel.png"
    ax.figure.savefig(out)
    assert out.stat().st_size > 1000


def test_combine_reliability_needs_a_result():
    with pytest.raises(DataValidationError, match="at least one"):
        combine_reliability([])


# ------------------------------------------------------------------------ Table 1


def test_table1_alphas_only_on_scored_columns(study1, bfi_rel):
    scored = score_scales(study1, ["learning_direction"])
    alphas = {"upward": 0.81, "downward": 0.86, "not_shown": 0.5}
    t = table1(scored.data, ["age", "upward", "downward"], alphas=alphas)
    tab = t.table
    assert tab.loc[0, "1"] == "—"  # a control has no alpha
    assert tab.loc[1, "2"] == "(.81)" and tab.loc[2, "3"] == "(.86)"
    r = scored.data[["age", "downward"]].corr().iloc[0, 1]
    assert t.correlations.loc["downward", "age"] == pytest.approx(r, abs=1e-12)


# ------------------------------------------------------------------------ careless


def test_careless_screen_flags_and_keeps(study1):
    d = study1.copy()
    items = scale_item_ids(["mentor_engagement"])
    d.loc[[10, 20], items] = 4.0
    res, note, kept = careless_screen(d, ["mentor_engagement"], id_column="mentor_id")
    assert kept is d
    assert {10, 20} <= set(res.flagged)
    assert "M0011" in note and "kept in every analysis" in note
    assert len(res.table) == len(d)  # nothing dropped


def test_careless_screen_nobody_flagged(study1):
    d = study1.iloc[:5].copy()
    d.loc[:, scale_item_ids(["mentor_engagement"])] = [[1, 2, 3, 4, 5, 6]] * 5
    res, note, _ = careless_screen(d, ["mentor_engagement"])
    assert len(res.flagged) == 0 and note.startswith("No respondent was flagged")


# ------------------------------------------------------------------------ models


def test_label_terms():
    labels = {"gender": "Gender", "downward": "Downward"}
    assert label_terms(["C(gender)[T.male]", "downward", "age"], labels) == [
        "Gender (male)",
        "Downward",
        "age",
    ]


@pytest.fixture(scope="module")
def sat_ols(sat):
    return ld.regress(sat, "ACT ~ SATV + age + education", se="HC3")


def test_contrast_single_coefficient_matches_r_hc3(sat_ols):
    """A unit contrast reproduces lmtest::coeftest(m, vcovHC(m, 'HC3'))."""
    ref = SAT_REF["ols"]
    t = contrast_table(sat_ols, {name: {name: 1.0} for name in ("SATV", "age", "education")})
    t = t.set_index("term")
    for name in ("SATV", "age", "education"):
        assert t.loc[name, "estimate"] == pytest.approx(ref["coef"][name], rel=1e-10)
        assert t.loc[name, "se"] == pytest.approx(ref["se_hc3"][name], rel=1e-8)


def test_contrast_conditional_effects_match_r(sat):
    """b_SATV + w * b_SATV:education with the classical vcov = R's conditional effects."""
    ref = SAT_REF["moderation_model1"]
    fit = ld.regress(sat, "ACT ~ SATV * education + age")
    cons = {f"w={c['w']}": {"SATV": 1.0, "SATV:education": c["w"]} for c in ref["conditional_effects_at_pct_16_50_84"]}  # fmt: skip
    t = contrast_table(fit, cons).set_index("term")
    for c in ref["conditional_effects_at_pct_16_50_84"]:
        row = t.loc[f"w={c['w']}"]
        assert row["estimate"] == pytest.approx(c["effect"], rel=1e-9)
        assert row["se"] == pytest.approx(c["se"], rel=1e-8)


def test_contrast_difference_matches_statsmodels(sat_ols):
    t = contrast_table(sat_ols, {"age - education": {"age": 1, "education": -1}}).iloc[0]
    tt = sat_ols.model.t_test("age - education = 0")
    assert t["estimate"] == pytest.approx(float(np.squeeze(tt.effect)), rel=1e-10)
    assert t["se"] == pytest.approx(float(np.squeeze(tt.sd)), rel=1e-8)
    # statsmodels tests robust fits with z; R's coeftest (and this table) with t(n - p)
    from scipy import stats

    p = 2 * stats.t.sf(abs(float(np.squeeze(tt.tvalue))), sat_ols.df_resid)
    assert t["p_value"] == pytest.approx(p, rel=1e-8)
    assert t["ci_low"] < t["estimate"] < t["ci_high"]


def test_contrast_unknown_term(sat_ols):
    with pytest.raises(DataValidationError, match="'SATQ'"):
        contrast_table(sat_ols, {"x": {"SATQ": 1.0}})


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=-5, max_value=5, allow_nan=False).filter(lambda a: abs(a) > 1e-3))
def test_contrast_is_linear(sat_ols, a):
    base = contrast_table(sat_ols, {"c": {"age": 1.0}}).iloc[0]
    scaled = contrast_table(sat_ols, {"c": {"age": a}}).iloc[0]
    assert scaled["estimate"] == pytest.approx(a * base["estimate"], rel=1e-9)
    assert scaled["se"] == pytest.approx(abs(a) * base["se"], rel=1e-9)
    assert scaled["p_value"] == pytest.approx(base["p_value"], rel=1e-7)


# ------------------------------------------------------------------------ APA text


def test_delta_r2_sentence_matches_r(sat):
    steps = ld.regress_steps(
        sat, ["ACT ~ SATV + education + age", "ACT ~ SATV + education + age + SATV:education"]
    )
    row = steps.table.iloc[1]
    assert row["delta_r2"] == pytest.approx(
        SAT_REF["moderation_model1"]["delta_r2_interaction"], abs=1e-12
    )
    text = apa_delta_r2_sentence(row, added="the interaction", outcome="ACT")
    assert f"an additional {100 * row['delta_r2']:.1f}% of the variance in ACT" in text
    assert "ΔR² = .01" in text
    assert f"F(1, {int(row['df2'])}) = {row['f_change']:.2f}" in text


def test_delta_r2_sentence_not_significant():
    row = {"delta_r2": 0.004, "f_change": 0.4, "df1": 3, "df2": 100, "p_value": 0.75}
    text = apa_delta_r2_sentence(row, added="X", outcome="Y")
    assert "did not significantly add" in text and "p = .750" in text


def test_predictor_phrase():
    row = pd.Series(
        {"estimate": 0.3212, "se": 0.0801, "ci_low": 0.1601, "ci_high": 0.4822, "p_value": 2e-5, "beta": -0.054}
    )  # fmt: skip
    assert apa_predictor_phrase(row) == (
        "b = 0.32, SE = 0.08, 95% CI [0.16, 0.48], p < .001, β = -.05"
    )
    assert apa_predictor_phrase(row, with_beta=False).endswith("p < .001")


def test_reliability_sentence(bfi_rel):
    text = apa_reliability_sentence(bfi_rel.table, {"agree": "agreeableness"})
    alphas = re.findall(r"(\.\d\d) \((\w+)\)", text)
    t = bfi_rel.table.set_index("scale")
    assert [a[1] for a in alphas] == ["agreeableness", "conscientious"]
    assert float(alphas[0][0]) == pytest.approx(round(t.loc["agree", "alpha"], 2))
    assert "omega total" in text
    one = apa_reliability_sentence(bfi_rel.table.iloc[:1])
    assert one.startswith("Cronbach's alpha was .70")


def test_cfa_sentence():
    fit = pd.Series(
        {"n": 218, "chi2": 87.1446, "df": 51, "p_value": 0.0012, "cfi": 0.9673, "tli": 0.9577,
         "rmsea": 0.05702, "rmsea_ci_low": 0.0357, "rmsea_ci_high": 0.07704, "srmr": 0.04785}
    )  # fmt: skip
    disc = pd.DataFrame({"factor_1": ["a", "a"], "factor_2": ["b", "c"], "htmt": [0.35, 0.9]})
    text = apa_cfa_sentence(fit, disc, "The model")
    assert "χ²(51) = 87.14, p = .001, CFI = .97, TLI = .96, RMSEA = .057" in text
    assert "90% CI [.036, .077], SRMR = .048" in text
    assert "fit the data well" in text
    assert ".90 (a–c)" in text and "in doubt" in text
    poor = apa_cfa_sentence(fit.replace({0.9673: 0.8}), None, "M")
    assert "fit the data poorly" in poor


# ------------------------------------------------------------------------ warnings, builder


def test_collect_warnings_records_and_reissues():
    notes: list[str] = []
    with pytest.warns(DataQualityWarning, match="look here"):
        with collect_warnings(notes):
            warnings.warn("look here", DataQualityWarning, stacklevel=1)
            warnings.warn("look here", DataQualityWarning, stacklevel=1)
    assert notes == ["Warning: look here"]


def test_study_builder_builds_result():
    import matplotlib.pyplot as plt

    b = StudyBuilder("s", "A <study>", "Q?", "D.")
    b.table("t", pd.DataFrame({"x": [1, 2]}, index=[5, 6]), "Caption <t>")
    fig, ax = plt.subplots()
    b.figure("f", ax, "Figure caption")
    b.text["main"] = "b = 0.30"
    b.note("n1")
    b.note("n1")
    b.note("")
    res = b.build(n=2, seed=3)
    assert isinstance(res, StudyResult)
    assert res.tables["t"].index.tolist() == [0, 1]
    assert res.figures["f"] is fig
    assert res.notes == ("n1",) and res.n == 2 and res.seed == 3
    assert "&lt;study&gt;" in res._repr_html_()
    plt.close(fig)


# ------------------------------------------------------------------------ pipeline stages


def test_prepare_loads_screens_scores_and_checks_reliability():
    from learning_direction.studies._pipeline import DataSpec, prepare

    spec = DataSpec(dataset="study1", scales=("learning_direction",), id_column="mentor_id")
    prep = prepare(None, spec, study="study1")
    assert prep.bundled and len(prep.rows) == len(prep.data) == 300
    assert {"upward", "lateral", "downward"} <= set(prep.data.columns)
    assert list(prep.rel.table["scale"]) == ["upward", "lateral", "downward"]
    assert "kept in every analysis" in prep.careless_note
    flagged = list(prep.careless.flagged)
    assert flagged

    dropped = prepare(None, spec, study="study1", exclude_careless=True)
    assert len(dropped.rows) == 300 - len(flagged)
    assert not set(flagged) & set(dropped.rows.index)
    assert "left out of every analysis" in dropped.careless_note
    assert dropped.rel.table["n"].max() == 300 - len(flagged)


def test_prepare_rows_screens_other_rows_descriptively():
    from learning_direction.studies._pipeline import prepare_rows

    pairs = ld.load_dataset("motives")
    mentors = pairs.drop_duplicates("mentor_id")
    prep = prepare_rows(
        pairs,
        ["mentor_motives"],
        study="motives",
        careless_rows=mentors,
        exclude_careless=True,  # the screen of other rows never drops pairs
        reliability=False,
    )
    assert len(prep.rows) == len(pairs) and prep.reliability is None
    assert len(prep.careless.table) == len(mentors)
    with pytest.raises(LookupError, match="reliability"):
        prep.rel


def test_prepare_runs_the_study_check_before_scoring():
    from learning_direction.studies import study4

    raw = ld.load_dataset("study4")
    raw["condition"] = raw["condition"].astype(str).replace({"control": "neutral"})
    with pytest.raises(DataValidationError, match="reference condition 'control'"):
        study4.prepare(raw)


def test_study_stages_compose_to_run(study1_run):
    import dataclasses

    import matplotlib.pyplot as plt

    from learning_direction.studies import study1

    prep = study1.prepare()
    results = study1.analyse(prep)
    with pytest.raises(dataclasses.FrozenInstanceError):
        results.se = "HC0"
    staged = study1.render(prep, results)
    whole = study1_run  # study1.run() with its defaults (conftest.py runs it once)
    assert list(staged.tables) == list(whole.tables)
    for key, tab in whole.tables.items():
        pd.testing.assert_frame_equal(staged.tables[key], tab)
    assert staged.text == whole.text and staged.notes == whole.notes
    assert list(staged.figures) == list(whole.figures)
    plt.close("all")


def test_a_study_leaves_its_figures_to_the_result_not_to_pyplot():
    """Open pyplot figures are shown under the notebook cell that ran the study (and kept in
    memory): a run leaves none open, and each of its figures still renders."""
    import io

    import matplotlib.pyplot as plt

    plt.close("all")
    res = ld.run_study("study2a", n_boot=200, seed=1)
    assert plt.get_fignums() == []
    assert len(res.figures) >= 3
    for fig in res.figures.values():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=30)
        assert buf.getvalue().startswith(b"\x89PNG")
