"""Tests of the Study 2A/2B pipeline (ld.run_study("study2a"), ld.run_study("study2b")).

The mediation engine itself is checked against R in test_mediation.py; here we check that the
pipeline wires it correctly: the key finding on the bundled data, the documented tables, that
the paths equal direct OLS fits, that the APA text repeats the tables' numbers, the figures,
saving, bad inputs and reproducibility.
"""

from __future__ import annotations

import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _confounding import ROBUSTNESS_COLUMNS, check_confounding_sentence
from learning_direction.exceptions import DataValidationError, ModelError, ModelWarning
from learning_direction.studies import StudyResult, study2
from learning_direction.studies.study2 import compare_samples, key_numbers

NUM = r"(-?\d*\.\d+)"
MED = "learning_opportunity"

TABLE_COLUMNS = {
    "table1": ["variable", "n", "m", "sd", *[str(i) for i in range(1, 10)]],
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
    "invariance": [
        "scale",
        "level",
        "chisq",
        "df",
        "cfi",
        "rmsea",
        "delta_chisq",
        "delta_df",
        "p_delta",
        "delta_cfi",
        "delta_rmsea",
        "decision",
    ],
    "mediation": [
        "term",
        "label",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "boot_se",
        "inference",
    ],
    "equations": [
        "equation",
        "outcome",
        "term",
        "estimate",
        "se",
        "statistic",
        "p_value",
        "ci_low",
        "ci_high",
        "r2",
    ],
    "sensitivity": [
        "model",
        "covariates",
        "n",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "c_prime",
        "c_prime_p_value",
    ],
    "confounding": ROBUSTNESS_COLUMNS,
    "confounding_curve": [
        "term",
        "rho",
        "indirect",
        "se",
        "ci_low",
        "ci_high",
        "r2_star_prod",
        "r2_tilde_prod",
    ],
}


@pytest.fixture(scope="module")
def res() -> StudyResult:
    out = ld.run_study("study2a")  # the full 5,000 resamples: the CI is what is tested
    yield out
    plt.close("all")


@pytest.fixture(scope="module")
def res_b() -> StudyResult:
    out = ld.run_study("study2b", n_boot=1000, seed=7)
    yield out
    plt.close("all")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return ld.load_dataset("study2a")


def _close(text_value: str, table_value: float, digits: int = 2) -> None:
    assert float(text_value) == pytest.approx(round(float(table_value), digits), abs=1e-9)


def _row(tab: pd.DataFrame, term: str) -> pd.Series:
    return tab.set_index("term").loc[term]


# ------------------------------------------------------------------------ runs, key finding


def test_runs_on_bundled_data(res):
    assert isinstance(res, StudyResult)
    assert res.name == "study2a" and res.n == 400 and res.seed == 20261122
    assert res.question.endswith("?")
    assert "400 mentors" in res.design and "simulated" in res.design
    assert "technology 120" in res.design


def test_key_finding_indirect_ci_excludes_zero(res):
    k = key_numbers(res)
    assert k["indirect_ci_low"] > 0 and k["indirect_ci_high"] > k["indirect"] > 0
    assert k["a"] > 0 and k["b"] > 0
    assert k["indirect_std"] > 0
    med = res.results["mediation"]
    assert med.n_boot == 5000 and med.ci == "percentile" and med.n_singular == 0


def test_tables_have_documented_columns(res):
    assert list(res.tables) == list(TABLE_COLUMNS)
    for key, cols in TABLE_COLUMNS.items():
        assert list(res.tables[key].columns) == cols, key
        assert res.captions.get(key)
    assert res.table is res.tables["mediation"]
    terms = res.tables["mediation"]["term"].tolist()
    assert terms == [
        f"a:{MED}",
        f"b:{MED}",
        "c_prime",
        "c",
        f"indirect:{MED}",
        f"indirect_partial_std:{MED}",
        f"indirect_std:{MED}",
    ]
    inf = res.tables["mediation"].set_index("term")["inference"]
    assert inf["c"] == "t test"
    assert inf[f"indirect:{MED}"] == "percentile bootstrap (5,000 resamples of mentors)"


def test_paths_equal_direct_ols_fits(res, raw):
    """a, b, c', c equal OLS fits of the scored data (numpy lstsq); ab = c - c'."""
    d = raw.join(ld.score(raw, list(study2.SCALES)).scores)
    ones = np.ones(len(d))

    def ols(y, xs):
        X = np.column_stack([ones, *[d[x].to_numpy(float) for x in xs]])
        return np.linalg.lstsq(X, d[y].to_numpy(float), rcond=None)[0]

    a = ols(MED, ["downward", "upward", "lateral"])[1]
    bcoef = ols("mentor_engagement", ["downward", MED, "upward", "lateral"])
    c = ols("mentor_engagement", ["downward", "upward", "lateral"])[1]
    tab = res.tables["mediation"]
    assert _row(tab, f"a:{MED}")["estimate"] == pytest.approx(a, abs=1e-10)
    assert _row(tab, f"b:{MED}")["estimate"] == pytest.approx(bcoef[2], abs=1e-10)
    assert _row(tab, "c_prime")["estimate"] == pytest.approx(bcoef[1], abs=1e-10)
    assert _row(tab, "c")["estimate"] == pytest.approx(c, abs=1e-10)
    ind = _row(tab, f"indirect:{MED}")["estimate"]
    assert ind == pytest.approx(a * bcoef[2], abs=1e-12)
    assert ind == pytest.approx(c - bcoef[1], abs=1e-10)


def test_mediation_equals_ld_mediate(res, raw):
    d = raw.join(ld.score(raw, list(study2.SCALES)).scores)
    direct = ld.mediate(
        d, x="downward", m=MED, y="mentor_engagement", covariates=["upward", "lateral"],
        n_boot=5000, seed=20261122,
    )  # fmt: skip
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    pd.testing.assert_frame_equal(
        res.tables["mediation"][cols], direct.table[cols].reset_index(drop=True)
    )


def test_equations_table(res):
    eq = res.tables["equations"]
    assert set(eq["equation"]) == {
        f"mediator {MED}",
        "outcome (direct effects)",
        "outcome (total effect)",
    }
    assert (eq["term"] == "Intercept").sum() == 3
    r2 = eq.groupby("equation")["r2"].nunique()
    assert (r2 == 1).all()


def test_table1_alphas_on_diagonal_match_reliability(res):
    t1 = res.tables["table1"]
    rel = res.tables["reliability"].set_index("scale")
    order = ["upward", "lateral", "downward", MED, "mentor_engagement"]
    for i, name in zip(range(4, 9), order, strict=True):
        cell = t1.loc[i, str(i + 1)]
        assert cell == "(" + f"{rel.loc[name, 'alpha']:.2f}".lstrip("0") + ")", name
    assert t1.loc[0, "1"] == "—"


def test_sensitivity_adds_industry_then_demographics(res):
    sens = res.tables["sensitivity"]
    assert len(sens) == 3
    assert sens.loc[0, "covariates"] == "upward, lateral"
    assert "reference: technology" in sens.loc[1, "model"]  # most frequent industry in 2A
    assert sens.loc[1, "covariates"].count("industry_") == 5
    assert "past_mentees" in sens.loc[2, "covariates"]
    # the primary row is the mediation table
    ind = _row(res.tables["mediation"], f"indirect:{MED}")
    assert sens.loc[0, "estimate"] == ind["estimate"] and sens.loc[0, "ci_low"] == ind["ci_low"]
    assert (sens["ci_low"] > 0).all()


# ------------------------------------------------------------------------ APA text = tables


def test_main_sentence_numbers_come_from_tables(res):
    text = res.text["main"]
    tab = res.tables["mediation"]
    ind, std = _row(tab, f"indirect:{MED}"), _row(tab, f"indirect_std:{MED}")
    m = re.search(
        rf"^Downward learning direction was indirectly related to mentor engagement through "
        rf"learning opportunity, indirect effect = {NUM}, SE = {NUM}, 95% CI \[{NUM}, {NUM}\] "
        rf"\(percentile bootstrap, 5,000 resamples\); completely standardized indirect effect = "
        rf"{NUM}, 95% CI \[{NUM}, {NUM}\]\.$",
        text,
    )
    assert m, text
    for got, val in zip(
        m.groups(),
        [ind["estimate"], ind["se"], ind["ci_low"], ind["ci_high"], std["estimate"],
         std["ci_low"], std["ci_high"]],
        strict=True,
    ):  # fmt: skip
        _close(got, val)


def test_model_sentence_numbers_come_from_tables(res):
    text = res.text["model"]
    tab = res.tables["mediation"]
    assert "N = 400 mentors" in text and "PROCESS model 4" in text
    for sym, term in (("a", f"a:{MED}"), ("b", f"b:{MED}"), ("c", "c"), ("c′", "c_prime")):
        r = _row(tab, term)
        m = re.search(
            rf"(?<![\w′]){sym} = {NUM}, SE = {NUM}, 95% CI \[{NUM}, {NUM}\], p (<|=) {NUM}", text
        )
        assert m, (sym, text)
        for got, col in zip(m.groups()[:4], ["estimate", "se", "ci_low", "ci_high"], strict=True):
            _close(got, r[col])
        if r["p_value"] < 0.001:
            assert m.group(5) == "<" and m.group(6) == ".001"
        else:
            _close(m.group(6), r["p_value"], 3)
    assert "remained significant" in text  # c' p = .004 in 2A


def test_sensitivity_and_reliability_sentences(res):
    sens = res.tables["sensitivity"]
    text = res.text["sensitivity"]
    found = re.findall(rf"indirect effect = {NUM}, 95% CI \[{NUM}, {NUM}\]", text)
    assert len(found) == 3
    for (est, lo, hi), r in zip(found, sens.itertuples(), strict=True):
        _close(est, r.estimate)
        _close(lo, r.ci_low)
        _close(hi, r.ci_high)
    assert "did not depend on the covariates" in text
    rel = res.tables["reliability"].set_index("scale")
    assert (
        f"{rel.loc[MED, 'alpha']:.2f}".lstrip("0") + " (learning opportunity)"
        in (res.text["reliability"])
    )


def test_confounding_table_is_medsens_and_evalue(res):
    """rho at zero = ld.mediation_sensitivity of the mediation; E-value = ld.evalue of the
    completely standardized indirect effect as an SMD with its bootstrap CI."""
    med = res.results["mediation"]
    conf = res.tables["confounding"]
    assert list(conf.columns) == ROBUSTNESS_COLUMNS and len(conf) == 1
    r = conf.iloc[0]
    sens = ld.mediation_sensitivity(med)
    assert r["rho_at_zero"] == pytest.approx(sens.rho_at_zero, rel=1e-10)
    assert r["rho_ci_includes_zero"] == pytest.approx(sens.ci_zero["rho_from"].iloc[0], rel=1e-8)
    std = _row(res.tables["mediation"], f"indirect_std:{MED}")
    ev = ld.evalue(std["estimate"], ci=(std["ci_low"], std["ci_high"]), kind="smd")
    assert r["evalue"] == pytest.approx(ev.evalue) and r["evalue_ci"] == pytest.approx(ev.evalue_ci)
    assert r["evalue"] > r["evalue_ci"] > 1  # the CI excludes zero
    curve = res.tables["confounding_curve"]
    assert curve["rho"].tolist() == pytest.approx([round(-0.9 + 0.1 * i, 1) for i in range(19)])
    at0 = curve.set_index("rho").loc[0.0]
    assert at0["indirect"] == pytest.approx(
        _row(res.tables["mediation"], f"indirect:{MED}")["estimate"]
    )


def test_confounding_sentence_numbers_come_from_the_table(res, res_b):
    for r in (res, res_b):
        check_confounding_sentence(r.text["confounding"], r.tables["confounding"].iloc[0])
        assert "nothing was randomised" in r.text["confounding"]
    fig = res.figures["confounding_plot"]
    assert "learning opportunity" in fig.axes[0].get_ylabel()


def test_apa_style_no_leading_zero_for_p(res, res_b):
    for r in (res, res_b):
        for sentence in r.text.values():
            assert not re.search(r"\bp [<=] 0\.", sentence), sentence


# ------------------------------------------------------------------------ figures, save


def test_figures_present_and_numbers_match(res):
    assert list(res.figures) == [
        "path",
        "bootstrap",
        "confounding_plot",
        "correlations",
        "item_reliability",
    ]
    for key, fig in res.figures.items():
        assert isinstance(fig, matplotlib.figure.Figure), key
        assert res.captions[key]
    tab = res.tables["mediation"]
    texts = [t.get_text() for t in res.figures["path"].axes[0].texts]
    a = _row(tab, f"a:{MED}")["estimate"]
    assert any(t.startswith(f"a = {a:.3f}***") for t in texts), texts
    assert "Learning\nopportunity" in texts and "Downward\nlearning direction" in texts
    ax = res.figures["bootstrap"].axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    ind = _row(tab, f"indirect:{MED}")
    assert any(f"[{ind['ci_low']:.3f}, {ind['ci_high']:.3f}]" in t for t in legend), legend
    assert "a × b" in ax.get_xlabel()


def test_save_writes_files(res, tmp_path):
    written = res.save(tmp_path)
    names = {p.name for p in written}
    assert {"study2a_mediation.csv", "study2a_mediation.md", "study2a_path.png"} <= names
    assert "study2a_bootstrap.svg" in names and "study2a.md" in names
    for p in written:
        assert p.exists() and p.stat().st_size > 0
    back = pd.read_csv(tmp_path / "tables" / "study2a_mediation.csv")
    np.testing.assert_allclose(back["estimate"], res.tables["mediation"]["estimate"], rtol=1e-12)
    assert "indirectly related" in (tmp_path / "study2a.md").read_text(encoding="utf-8")


def test_html_and_summary(res):
    html = res._repr_html_()
    assert "<table" in html and "indirect" in html
    assert "Note:" in res.summary()
    # no resample fell below zero: the bootstrap p prints as its bound 2/B, never as 0
    assert _row(res.tables["mediation"], f"indirect:{MED}")["p_value"] == 0
    # the APA display labels the term ("Indirect: <m>") and prints the bound as in a table
    line = next(x for x in res.summary().splitlines() if x.strip().startswith(f"Indirect: {MED}"))
    assert "<.0004" in line
    assert "&lt;.0004" in html


# ------------------------------------------------------------------------ 2B, comparison


def test_study2b_same_model_other_sample(res_b):
    assert res_b.name == "study2b" and res_b.n == 250
    assert "healthcare 71" in res_b.design
    assert "Study 2B" in res_b.title
    assert "reference: healthcare" in res_b.tables["sensitivity"].loc[1, "model"]
    k = key_numbers(res_b)
    assert k["indirect_ci_low"] > 0
    assert res_b.results["mediation"].n_boot == 1000


def test_compare_samples(res, res_b):
    cmp = compare_samples(res, res_b)
    assert cmp["sample"].tolist() == ["study2a", "study2b", "difference"]
    assert cmp.loc[2, "estimate"] == pytest.approx(cmp.loc[0, "estimate"] - cmp.loc[1, "estimate"])
    assert cmp.loc[2, "ci_low"] < cmp.loc[2, "estimate"] < cmp.loc[2, "ci_high"]
    assert cmp.loc[2, "se"] > cmp.loc[0, "se"]
    with pytest.warns(ModelWarning, match="same seed"):
        compare_samples(res, res)
    with pytest.raises(DataValidationError, match="not in"):
        compare_samples(res, res_b, term="indirect:nothing")


# ------------------------------------------------------------------------ reproducibility


def test_same_seed_identical_tables(raw):
    first = ld.run_study("study2a", data=raw, n_boot=300, seed=11)
    again = ld.run_study("study2a", data=raw, n_boot=300, seed=11)
    other = ld.run_study("study2a", data=raw, n_boot=300, seed=12)
    plt.close("all")
    for key in first.tables:
        pd.testing.assert_frame_equal(first.tables[key], again.tables[key])
    assert first.text == again.text
    assert "the data supplied" in first.design
    a = _row(first.tables["mediation"], f"indirect:{MED}")
    b = _row(other.tables["mediation"], f"indirect:{MED}")
    assert a["estimate"] == b["estimate"] and a["ci_low"] != b["ci_low"]


# ------------------------------------------------------------------------ bad input


def test_missing_column_raises_naming_it(raw):
    with pytest.raises(DataValidationError) as err:
        ld.run_study("study2a", data=raw.drop(columns=["industry", "lo_2"]))
    msg = str(err.value)
    assert "'industry'" in msg and "'lo_2'" in msg


def test_data_not_a_dataframe():
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.run_study("study2b", data=[1, 2, 3])


def test_non_numeric_control_raises(raw):
    bad = raw.copy()
    bad["age"] = bad["age"].astype(object)
    bad.loc[3, "age"] = "forty"
    with pytest.raises(DataValidationError, match=r"'age'.*'forty'"):
        ld.run_study("study2a", data=bad)


def test_invalid_item_answer_raises(raw):
    bad = raw.copy()
    bad.loc[4, "lo_1"] = 12.0
    with pytest.raises(DataValidationError, match="lo_1"):
        ld.run_study("study2a", data=bad, n_boot=100)


def test_bad_options_raise():
    with pytest.raises(ModelError, match="ci must be"):
        study2.run("study2a", ci="normal")
    with pytest.raises(DataValidationError, match="study2a' or 'study2b"):
        study2.run("study2c")


def test_rows_with_missing_scores_are_reported(raw):
    d = raw.copy()
    d.loc[[0, 1], ["lo_1", "lo_2", "lo_3", "lo_4"]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ModelWarning)
        out = study2.run("study2a", data=d, n_boot=200, sensitivity=False)
    plt.close("all")
    assert out.n == 398 and "sensitivity" not in out.tables
    notes = " ".join(out.notes)
    assert "2 of 400 mentors were left out" in notes
    assert "2 of 400 rows have no 'learning_opportunity' score" in notes


def test_invariance_across_samples_comes_first_and_is_worded_by_the_result(res, res_b):
    inv = res.tables["invariance"]
    assert set(inv["scale"]) == {"learning_direction", "learning_opportunity", "mentor_engagement"}
    text = res.text["invariance"]
    assert text.startswith("Before comparing Studies 2A and 2B")
    for scale, rows in inv.groupby("scale", sort=False):
        supported = rows.set_index("level")["decision"]
        if supported["scalar"] == "supported":
            assert f"invariance holds for {scale}, so its means" in text
        elif supported["metric"] == "supported":
            assert f"metric but not scalar invariance holds for {scale}" in text
        else:
            assert f"not even metric invariance holds for {scale}" in text
    # the same two samples, seen from 2B: the same models and decisions
    pd.testing.assert_series_equal(
        res_b.tables["invariance"]["decision"], inv["decision"], check_names=False
    )


def test_no_sample_invariance_for_user_data():
    from learning_direction.studies import study2

    prep = study2.prepare(ld.load_dataset("study2a").iloc[:200], name="study2a")
    assert study2._sample_invariance(prep, "study2a") is None
