"""Tests of the Study 3 pipeline (ld.run_study("study3")): mentees nested in mentors.

ld.mixed, ld.logit and ld.mediate are checked against R in their own test files; here we check
the pipeline: levels kept apart (mentor reliability on unique mentors), the ICC helper against
lme4 and ld.mixed, the models equal direct calls, the APA text repeats the tables' numbers,
figures, saving, bad inputs and reproducibility.
"""

from __future__ import annotations

import json
import re

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.studies import StudyResult, study3
from learning_direction.studies._multilevel import group_intercepts, one_way_reml
from learning_direction.studies.study3 import key_numbers, mentor_level

NUM = r"(-?\d*\.\d+)"
PRED = ["mentor_engagement", "downward", "upward", "lateral"]

TABLE_COLUMNS = {
    "table1": ["variable", "n", "m", "sd", *[str(i) for i in range(1, 12)]],
    "reliability": [
        "instrument",
        "level",
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
    "icc": [
        "outcome",
        "n",
        "n_left_out",
        "n_groups",
        "mean_group_size",
        "tau2",
        "sigma2",
        "icc1",
        "icc2",
    ],
    "multilevel": ["term", "label", "estimate", "se", "df", "t", "ci_low", "ci_high", "p_value"],
    "logistic": [
        "term",
        "label",
        "estimate",
        "se",
        "z",
        "ci_low",
        "ci_high",
        "p_value",
        "odds_ratio",
        "or_ci_low",
        "or_ci_high",
    ],
    "follow_up": ["quantity", "n", "of", "share"],
    "follow_up_comparison": [
        "variable",
        "mean_retained",
        "mean_lost",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "t",
        "df",
        "p_value",
        "hedges_g",
        "n_retained",
        "n_lost",
        "n_missing",
    ],
    "hired_sensitivity": [
        "term",
        "cc_estimate",
        "cc_odds_ratio",
        "cc_p_value",
        "mi_estimate",
        "mi_se",
        "mi_odds_ratio",
        "mi_or_ci_low",
        "mi_or_ci_high",
        "mi_p_value",
        "fmi",
        "same_conclusion",
    ],
    "multilevel_mediation": [
        "term",
        "label",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "p_value",
        "inference",
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
    "mediation_robustness": [
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
    "confounding": [
        "level",
        "rho",
        "indirect",
        "se",
        "ci_low",
        "ci_high",
        "r2_star_prod",
        "r2_tilde_prod",
    ],
    "mentor_intercepts": ["group", "n", "mean", "intercept", "se", "ci_low", "ci_high"],
}


@pytest.fixture(scope="module")
def res() -> StudyResult:
    out = ld.run_study("study3", n_boot=2000)
    yield out
    plt.close("all")


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return ld.load_dataset("study3")


@pytest.fixture(scope="module")
def scored(raw) -> pd.DataFrame:
    mentors = ld.load_dataset("study3_mentors")
    ms = mentors[["mentor_id"]].join(
        ld.score(mentors, ["learning_direction", "mentor_engagement"]).scores
    )
    d = raw.join(ld.score(raw, ["hireability"]).scores).merge(ms, on="mentor_id", how="left")
    centers = ms[PRED].mean()
    for p in PRED:
        d[p + "_c"] = d[p] - centers[p]
    return d


def _close(text_value: str, table_value: float, digits: int = 2) -> None:
    assert float(text_value) == pytest.approx(round(float(table_value), digits), abs=1e-9)


def _row(tab: pd.DataFrame, term: str) -> pd.Series:
    return tab.set_index("term").loc[term]


# ------------------------------------------------------------------------ runs, key findings


def test_runs_on_bundled_data(res):
    assert isinstance(res, StudyResult)
    assert res.name == "study3" and res.n == 635 and res.seed == 20261122
    assert "635 mentees nested in 120 mentors" in res.design
    assert res.question.endswith("?")


def test_key_findings_hold(res):
    k = key_numbers(res)
    assert k["icc1_hireability"] > 0.05 and k["icc1_hired"] > 0
    assert k["b_engagement"] > 0 and k["p_engagement"] < 0.05
    assert k["or_engagement"] > 1
    assert k["indirect_ci_low"] > 0


def test_tables_have_documented_columns(res):
    assert list(res.tables) == list(TABLE_COLUMNS)
    for key, cols in TABLE_COLUMNS.items():
        assert list(res.tables[key].columns) == cols, key
        assert res.captions.get(key)
    assert res.table is res.tables["icc"]


# ------------------------------------------------------------------------ levels


def test_mentor_reliability_counts_each_mentor_once(res):
    rel = res.tables["reliability"].set_index("scale")
    assert (rel.loc[["upward", "lateral", "downward", "mentor_engagement"], "n"] == 120).all()
    assert rel.loc["hireability", "n"] == 635 and rel.loc["hireability", "level"] == "mentee"
    mentors = ld.load_dataset("study3_mentors")
    direct = ld.reliability(mentors, "learning_direction").table.set_index("scale")
    for s in ("upward", "lateral", "downward"):
        assert rel.loc[s, "alpha"] == pytest.approx(direct.loc[s, "alpha"], abs=1e-12)
    # counting a mentor once per mentee would give a different alpha
    dup = ld.reliability(ld.load_dataset("study3"), "learning_direction").table.set_index("scale")
    assert abs(dup.loc["downward", "alpha"] - rel.loc["downward", "alpha"]) > 1e-4


def test_table1_is_at_the_mentor_level(res):
    t1 = res.tables["table1"]
    assert (t1["n"] == 120).all()
    assert t1.loc[8, "variable"] == "9. Number of mentees"
    assert t1.loc[8, "m"] == "5.29"
    rel = res.tables["reliability"].set_index("scale")
    assert t1.loc[7, "8"] == "(" + f"{rel.loc['mentor_engagement', 'alpha']:.2f}".lstrip("0") + ")"


def test_mentor_level_helper_and_inconsistent_mentor_rows(raw):
    m = mentor_level(raw)
    assert len(m) == 120 and m["n_mentees"].sum() == 635
    bad = raw.copy()
    first = bad.index[bad["mentor_id"] == "M0003"][1]
    bad.loc[first, "ld_down_1"] = 7.0 if bad.loc[first, "ld_down_1"] != 7.0 else 1.0
    with pytest.raises(DataValidationError, match=r"'M0003'.*ld_down_1"):
        mentor_level(bad)


# ------------------------------------------------------------------------ ICC vs R / ld.mixed


def test_one_way_reml_matches_lme4_on_sleepstudy(reference_dir):
    ref = json.loads((reference_dir / "sleepstudy_mixed.json").read_text())
    sleep = pd.read_csv(reference_dir / "sleepstudy.csv")
    fit = one_way_reml(sleep, "Reaction", "Subject")
    assert fit["icc1"] == pytest.approx(ref["icc1_null_model"], abs=1e-7)


def test_icc_table_matches_ld_mixed_null_model(res, scored):
    icc = res.tables["icc"].set_index("outcome")
    null = ld.mixed(scored, "hireability ~ 1", groups="mentor_id")
    vc = null.variance_components
    assert icc.loc["hireability", "icc1"] == pytest.approx(null.icc, abs=1e-6)
    assert icc.loc["hireability", "icc2"] == pytest.approx(null.icc2, abs=1e-6)
    assert icc.loc["hireability", "tau2"] == pytest.approx(vc["vcov"].iloc[0], rel=1e-5)
    assert icc.loc["hireability", "sigma2"] == pytest.approx(vc["vcov"].iloc[1], rel=1e-5)
    assert icc.loc["hireability", "n"] == 634 and icc.loc["hired_6m", "n"] == 557
    assert icc.loc["hireability", "n_left_out"] == 1 and icc.loc["hired_6m", "n_left_out"] == 78


def test_one_way_reml_unbalanced_and_boundary(reference_dir):
    sleep = pd.read_csv(reference_dir / "sleepstudy.csv")
    unbal = sleep[~((sleep["Subject"] % 3 == 0) & (sleep["Days"] > 4))]
    fit = one_way_reml(unbal, "Reaction", "Subject")
    null = ld.mixed(unbal, "Reaction ~ 1", groups="Subject")
    # statsmodels stops within its optimiser tolerance (REML criterion flat to 1e-9 there);
    # the profile search here reaches a criterion at least as low
    assert fit["icc1"] == pytest.approx(null.icc, abs=1e-5)
    # no between-group variance: tau2 = 0 (lme4's singular fit), ICC = 0
    flat = pd.DataFrame({"g": np.repeat(np.arange(10), 4), "y": np.tile([1.0, 2.0, 3.0, 4.0], 10)})
    f0 = one_way_reml(flat, "y", "g")
    assert f0["tau2"] == 0 and f0["icc1"] == 0


def test_mentor_intercepts_are_blups(res, scored):
    ints = res.tables["mentor_intercepts"]
    assert len(ints) == 120 and ints["intercept"].is_monotonic_increasing
    null = ld.mixed(scored, "hireability ~ 1", groups="mentor_id")
    blup = {str(k): float(np.asarray(v)[0]) for k, v in null.model.random_effects.items()}
    got = ints.set_index("group")["intercept"]
    np.testing.assert_allclose(got.to_numpy(), [blup[g] for g in got.index], atol=1e-5)
    flat = group_intercepts(
        pd.DataFrame({"g": [1, 1, 2, 2], "y": [1.0, 2.0, 1.0, 2.0]}), "y", "g",
        mu=1.5, tau2=0.0, sigma2=0.5,
    )  # fmt: skip
    assert (flat["intercept"] == 0).all() and (flat["se"] == 0).all()


# ------------------------------------------------------------------------ models = direct calls


def test_multilevel_and_logistic_equal_direct_calls(res, scored):
    rhs = " + ".join(p + "_c" for p in PRED)
    ml = ld.mixed(scored, f"hireability ~ {rhs}", groups="mentor_id")
    got = res.tables["multilevel"]
    np.testing.assert_allclose(got["estimate"], ml.table["estimate"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got["se"], ml.table["se"], rtol=1e-5)
    lg = ld.logit(scored, f"hired_6m ~ {rhs}", se="cluster", cluster="mentor_id")
    np.testing.assert_allclose(
        res.tables["logistic"]["odds_ratio"], lg.table["odds_ratio"], rtol=1e-10
    )
    np.testing.assert_allclose(res.tables["logistic"]["se"], lg.table["se"], rtol=1e-10)
    assert res.tables["multilevel"]["label"].iloc[1] == "Mentor engagement (centered)"


def test_centering_is_at_the_mentor_level(res):
    # intercept = expected hireability when the mentor is average on every predictor
    note = next(n for n in res.notes if n.startswith("Centering"))
    mentors = ld.load_dataset("study3_mentors")
    s = ld.score(mentors, ["mentor_engagement"]).scores["mentor_engagement"]
    assert f"mentor_engagement {s.mean():.2f}" in note


def test_main_mediation_is_the_two_level_sem(res, scored):
    mlm = res.results["multilevel_mediation"]
    assert mlm.design == "2-2-1" and mlm.method == "msem" and mlm.n_clusters == 120
    assert mlm.levels["downward"] == 2 and mlm.levels["hireability"] == 1
    direct = ld.multilevel_mediation(
        scored, x="downward", m="mentor_engagement", y="hireability", cluster="mentor_id",
        covariates=["upward", "lateral"], seed=20261122,
    )  # fmt: skip
    pd.testing.assert_frame_equal(mlm.table, direct.table)
    tab = res.tables["multilevel_mediation"]
    np.testing.assert_allclose(tab["estimate"], direct.table["estimate"], rtol=1e-12)
    assert tab["term"].tolist() == ["a_between", "b_between", "indirect_between", "c_prime_between"]
    assert tab["inference"].iloc[2].startswith("Monte Carlo CI (20,000 draws)")


def test_cluster_bootstrap_check_is_2_2_1(res):
    med = res.results["mediation"]
    assert med.design == "2-2-1" and med.cluster == "mentor_id" and med.n_clusters == 120
    assert med.n_boot == 2000
    # random-intercept b equals the engagement slope of the multilevel model
    b = _row(res.tables["mediation"], "b:mentor_engagement")["estimate"]
    ml = _row(res.tables["multilevel"], "mentor_engagement")["estimate"]
    assert b == pytest.approx(ml, abs=1e-5)
    # the a path is fitted on one row per mentor: 120 - 4 parameters = 116 residual df
    eq = res.results["mediation"].equations["m:mentor_engagement"]
    assert eq.attrs["df_resid"] == 116
    rob = res.tables["mediation_robustness"]
    assert rob["model"].iloc[0].startswith("main: two-level SEM")
    assert "random intercept" in rob["model"].iloc[1]
    assert "cluster-robust" in rob["model"].iloc[2]
    main = _row(res.tables["multilevel_mediation"], "indirect_between")
    assert rob["estimate"].iloc[0] == main["estimate"]
    assert (rob["ci_low"] > 0).all()


def test_cluster_robust_check_option():
    out = study3.run(n_boot=200, outcome_model="cluster_robust", n_draws=2000)
    plt.close("all")
    rob = out.tables["mediation_robustness"]
    assert "cluster-robust" in rob["model"].iloc[1]
    assert "CR1" in out.tables["mediation"]["inference"].iloc[1]
    assert out.results["multilevel_mediation"].n_draws == 2000


# ------------------------------------------------------------------------ APA text = tables


def test_main_and_model_sentences_come_from_tables(res):
    tab = res.tables["multilevel_mediation"]
    ind = _row(tab, "indirect_between")
    m = re.search(
        rf"indirect effect = {NUM}, SE = {NUM}, 95% CI \[{NUM}, {NUM}\] \(Monte Carlo, "
        rf"20,000 draws\)",
        res.text["main"],
    )
    assert m, res.text["main"]
    for got, val in zip(m.groups(), [ind["estimate"], ind["se"], ind["ci_low"], ind["ci_high"]]):
        _close(got, val)
    assert res.text["main"].startswith(
        "Through mentor engagement, downward learning direction was indirectly associated with "
        "higher mentee hireability"
    )
    text = res.text["model"]
    assert "2-2-1 design" in text and "latent mentor mean" in text
    for sym, term in (("a", "a_between"), ("b", "b_between"), ("c′", "c_prime_between")):
        r = _row(tab, term)
        m = re.search(rf"(?<![\w′]){sym} = {NUM}, SE = {NUM}, 95% CI \[{NUM}, {NUM}\]", text)
        assert m, (sym, text)
        for got, col in zip(m.groups(), ["estimate", "se", "ci_low", "ci_high"], strict=True):
            _close(got, r[col])


def _flip(tab: pd.DataFrame, term: str, **values) -> pd.DataFrame:
    out = tab.copy()
    for col, v in values.items():
        out.loc[out["term"] == term, col] = v
    return out


def test_sentences_change_with_the_estimates(res):
    """No sentence reads the same whatever the result: flip a sign or a p value and it changes."""
    from learning_direction.studies.study3 import (
        _icc_sentence,
        _logistic_sentence,
        _main_sentence,
        _model_sentence,
        _multilevel_sentence,
        _robustness_sentence,
    )  # fmt: skip

    mlm = res.results["multilevel_mediation"]
    tab = res.tables["multilevel_mediation"]
    null = _flip(tab, "indirect_between", estimate=0.01, ci_low=-0.02, ci_high=0.05)
    neg = _flip(tab, "indirect_between", estimate=-0.06, ci_low=-0.11, ci_high=-0.02)
    texts = {_main_sentence(t, mlm) for t in (tab, null, neg)}
    assert len(texts) == 3
    assert "includes zero" in _main_sentence(null, mlm)
    assert "indirectly associated with lower" in _main_sentence(neg, mlm)
    weak_a = _flip(tab, "a_between", p_value=0.4)
    assert "was not significantly associated with mentor engagement" in _model_sentence(weak_a, mlm)
    assert _model_sentence(weak_a, mlm) != _model_sentence(tab, mlm)

    ml, lg = res.results["multilevel"], res.results["logistic"]
    mlt, lgt = res.tables["multilevel"], res.tables["logistic"]
    base = _multilevel_sentence(mlt, ml)
    assert "runs through engagement" in base  # engagement significant, downward not
    down_sig = _multilevel_sentence(_flip(mlt, "downward", p_value=0.01, estimate=0.2), ml)
    assert "runs through engagement" not in down_sig and "does not run through" in down_sig
    eng_null = _multilevel_sentence(_flip(mlt, "mentor_engagement", p_value=0.3), ml)
    assert "was not significantly associated" in eng_null and "runs through" not in eng_null
    low = _flip(lgt, "mentor_engagement", odds_ratio=0.8, estimate=-0.22)
    assert "less likely" in _logistic_sentence(low, lg) and "20% lower odds" in _logistic_sentence(
        low, lg
    )
    ns = _logistic_sentence(_flip(lgt, "mentor_engagement", p_value=0.3), lg)
    assert "not significantly associated" in ns
    for sentence in (_logistic_sentence(lgt, lg), ns, base):
        assert "multiplies" not in sentence and "predicted" not in sentence
    icc = res.tables["icc"]
    flat = icc.assign(icc1=[0.0, 0.0], icc2=[0.0, 0.0])
    assert "no more alike" in _icc_sentence(flat) and "more alike than" in _icc_sentence(icc)
    rob = res.tables["mediation_robustness"]
    differs = rob.copy()
    differs.loc[1, ["ci_low", "ci_high"]] = [-0.01, 0.09]
    assert "is the same" in _robustness_sentence(rob)
    assert "differs" in _robustness_sentence(differs)


def test_confounding_sentence_comes_from_the_sensitivity_result(res):
    """rho at zero of the between indirect effect: the sentence repeats the result's numbers and
    its wording follows the result (a CI that includes zero at rho = 0 reads differently)."""
    from learning_direction.studies.study3 import _confounding_sentence

    sens = res.results["confounding"]
    mlm = res.results["multilevel_mediation"]
    assert sens.levels == ("between",)  # a 2-2-1 design has no within-mentor rho
    assert sens.rho_at_zero == ld.mediation_sensitivity(mlm).rho_at_zero
    text = res.text["confounding"]
    m = re.search(rf"correlate at ρ = {NUM}, .*? include zero from ρ = {NUM}", text)
    assert m, text
    _close(m.group(1), sens.rho_at_zero["between"])
    _close(m.group(2), sens.ci_zero.set_index("level").loc["between", "rho_from"])
    assert key_numbers(res)["rho_at_zero_between"] == sens.rho_at_zero["between"]
    tab = res.tables["confounding"].set_index("rho")
    assert tab.loc[0.0, "indirect"] == pytest.approx(mlm.row("indirect_between")["estimate"])
    wide = _confounding_sentence(ld.mediation_sensitivity(mlm, ci_level=0.9999999))
    assert "already included zero at ρ = 0" in wide and wide != text
    assert "same direction" in text  # rho~ > 0 here
    assert any(n.startswith("Confounding: rho is the correlation") for n in res.notes)


def test_icc_multilevel_logistic_sentences_come_from_tables(res):
    icc = res.tables["icc"].set_index("outcome")
    m = re.search(rf"{NUM}% of the variance.*?ICC\(1\) = {NUM}, ICC\(2\) = {NUM}", res.text["icc"])
    assert m, res.text["icc"]
    _close(m.group(1), 100 * icc.loc["hireability", "icc1"], 1)
    _close(m.group(2), icc.loc["hireability", "icc1"])
    _close(m.group(3), icc.loc["hireability", "icc2"])
    eng = _row(res.tables["multilevel"], "mentor_engagement")
    m = re.search(rf"mentor engagement was associated with higher mentee hireability, b = {NUM}, SE = {NUM}, "
                  rf"t\({NUM}\) = {NUM}, 95% CI \[{NUM}, {NUM}\]",
                  res.text["multilevel"])  # fmt: skip
    assert m, res.text["multilevel"]
    _close(m.group(1), eng["estimate"])
    _close(m.group(2), eng["se"])
    _close(m.group(3), eng["df"], 1)
    _close(m.group(4), eng["t"])
    _close(m.group(5), eng["ci_low"])
    _close(m.group(6), eng["ci_high"])
    lg = _row(res.tables["logistic"], "mentor_engagement")
    m = re.search(rf"OR = {NUM}, 95% CI \[{NUM}, {NUM}\], p = {NUM}", res.text["logistic"])
    assert m, res.text["logistic"]
    for got, col in zip(m.groups()[:3], ["odds_ratio", "or_ci_low", "or_ci_high"], strict=True):
        _close(got, lg[col])
    _close(m.group(4), lg["p_value"], 3)
    rob = res.tables["mediation_robustness"].iloc[1]
    m = re.search(rf"was {NUM}, 95% CI \[{NUM}, {NUM}\]", res.text["robustness"])
    _close(m.group(1), rob["estimate"])
    _close(m.group(2), rob["ci_low"])


def test_apa_style_no_leading_zero_for_p_and_icc(res):
    for sentence in res.text.values():
        assert not re.search(r"\bp [<=] 0\.", sentence), sentence
        assert not re.search(r"(ICC\(\d\)|alpha) = 0\.", sentence), sentence


# ------------------------------------------------------------------------ notes, figures, save


def test_notes_report_levels_and_dropped_rows(res):
    notes = " ".join(res.notes)
    assert "one row per mentor" in notes
    assert "Multilevel model: 1 of 635 mentees left out" in notes
    assert "Logistic model: 78 of 635 mentees left out (78 lost to the 6-month follow-up" in notes
    assert "The ICC of hired_6m uses the 557 mentees followed up (78 left out)" in notes
    assert "The main model is a two-level SEM" in notes


def test_figures_present_and_numbers_match(res):
    assert list(res.figures) == [
        "path",
        "bootstrap",
        "confounding_curve",
        "caterpillar",
        "fixed_effects",
        "odds_ratios",
    ]
    for key, fig in res.figures.items():
        assert isinstance(fig, matplotlib.figure.Figure), key
        assert res.captions[key]
    texts = [t.get_text() for t in res.figures["path"].axes[0].texts]
    b = _row(res.tables["multilevel_mediation"], "b_between")["estimate"]
    assert any(t.startswith(f"b = {b:.2f}") for t in texts), texts
    assert "Within clusters (level 1)" in texts
    icc = res.tables["icc"].set_index("outcome").loc["hireability", "icc1"]
    assert (
        f"ICC(1) = {icc:.2f}".replace("0.", ".") in res.figures["caterpillar"].axes[0].get_title()
    )
    ax = res.figures["fixed_effects"].axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Mentor engagement (centered)"
    ax = res.figures["odds_ratios"].axes[0]
    assert ax.get_xscale() == "log"
    assert "1" in [t.get_text() for t in ax.get_xticklabels()]


def test_save_writes_files(res, tmp_path):
    written = res.save(tmp_path, formats=("png",))
    names = {p.name for p in written}
    assert {"study3_icc.csv", "study3_multilevel.md", "study3_caterpillar.png"} <= names
    assert "study3.md" in names
    for p in written:
        assert p.exists() and p.stat().st_size > 0


# ------------------------------------------------------------------------ reproducibility


def test_same_seed_identical_tables(raw):
    first = ld.run_study("study3", data=raw, n_boot=200, seed=5)
    again = ld.run_study("study3", data=raw, n_boot=200, seed=5)
    plt.close("all")
    for key in first.tables:
        pd.testing.assert_frame_equal(first.tables[key], again.tables[key])
    assert first.text == again.text and "the data supplied" in first.design


# ------------------------------------------------------------------------ bad input


def test_missing_column_raises_naming_it(raw):
    with pytest.raises(DataValidationError) as err:
        ld.run_study("study3", data=raw.drop(columns=["hired_6m", "hire_2"]))
    msg = str(err.value)
    assert "'hired_6m'" in msg and "'hire_2'" in msg


def test_missing_mentor_id_raises(raw):
    bad = raw.copy()
    bad["mentor_id"] = bad["mentor_id"].astype(object)
    bad.loc[[3, 9], "mentor_id"] = None
    with pytest.raises(DataValidationError, match=r"'mentor_id' is missing in 2 row\(s\)"):
        ld.run_study("study3", data=bad)


def test_hired_not_binary_raises(raw):
    bad = raw.copy()
    bad.loc[2, "hired_6m"] = 2.0
    with pytest.raises(DataValidationError, match=r"'hired_6m' must be 0 .* got 2\.0"):
        ld.run_study("study3", data=bad)


def test_bad_options_and_too_few_mentors(raw):
    with pytest.raises(ModelError, match="outcome_model"):
        study3.run(outcome_model="gee")
    with pytest.raises(ModelError, match="ci must be"):
        study3.run(ci="normal")
    few = raw[raw["mentor_id"].isin(raw["mentor_id"].unique()[:5])]
    with pytest.raises(ModelError, match="5 mentors"):
        ld.run_study("study3", data=few)


def test_simulated_power_of_the_headline_effects():
    from learning_direction.studies.study3 import simulated_power

    out = simulated_power(n_reps=3, n_draws=1000, seed=1)
    assert out["effect"].tolist() == ["a_between", "b_between", "indirect_between"]
    assert list(out.columns) == [
        "effect", "power", "power_ci_low", "power_ci_high", "n_reps", "n_failed",
    ]  # fmt: skip
    assert (out["n_reps"] + out["n_failed"] == 3).all()
    assert ((out["power_ci_low"] <= out["power"]) & (out["power"] <= out["power_ci_high"])).all()
    pd.testing.assert_frame_equal(out, simulated_power(n_reps=3, n_draws=1000, seed=1))
    with pytest.raises(ModelError, match="n_reps"):
        simulated_power(n_reps=0)


# ------------------------------------------------------------------------ 6-month follow-up


def test_follow_up_counts(res, raw):
    fu = res.tables["follow_up"].set_index("quantity")
    lost = raw["hired_6m"].isna()
    assert fu.loc["mentees", "n"] == 635 and int(lost.sum()) == 78
    assert fu.loc["lost to follow-up (hired_6m missing)", "n"] == 78
    assert fu.loc["followed up (hired_6m recorded)", "n"] + 78 == 635
    per_mentor = lost.groupby(raw["mentor_id"]).any()
    assert fu.loc["mentors with at least one mentee lost", "n"] == int(per_mentor.sum())
    # the logistic model and the ICC of hired_6m use the 557 followed up; hireability all
    assert res.results["logistic"].n == 557 and res.results["logistic"].n_dropped == 78
    assert res.results["multilevel_mediation"].n == 634  # 1 mentee without a hireability score
    text = res.text["follow_up"]
    assert text.startswith("78 of 635 mentees (12.3%) were lost to the 6-month follow-up")


def test_retained_vs_lost_equals_direct_cluster_ttest(res, scored):
    d = scored.assign(
        follow_up=pd.Categorical(
            np.where(scored["hired_6m"].isna(), "lost", "retained"), categories=["retained", "lost"]
        )
    )
    comp = res.tables["follow_up_comparison"].set_index("variable")
    for var in ("hireability", "mentee_age", "mentor_engagement"):
        direct = ld.ttest(d, var, "follow_up", cluster="mentor_id").table.iloc[0]
        for col in ("estimate", "se", "t", "df", "p_value"):
            assert comp.loc[var, col] == pytest.approx(direct[col], rel=1e-10), (var, col)
    # the bundled loss to follow-up depends on baseline hireability (data/README.md)
    assert comp.loc["hireability", "estimate"] > 0 and comp.loc["hireability", "p_value"] < 0.05
    assert "Lost mentees differed from retained ones in hireability" in res.text["follow_up"]


def test_mi_sensitivity_reproducible_and_pooled(raw):
    from learning_direction.studies._study3_follow_up import mi_logistic

    prepared = study3.prepare(raw)
    kw = {"n_boot": 100, "n_draws": 1000, "m": 3}
    a = study3.analyse(prepared, seed=11, **kw).follow_up
    b = study3.analyse(prepared, seed=11, **kw).follow_up
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    c = study3.analyse(prepared, seed=12, **kw).follow_up
    assert not np.allclose(a.sensitivity["mi_estimate"], c.sensitivity["mi_estimate"])
    assert a.imputed.n == 635 and a.n_excluded == 0 and a.m == 3
    # the pooled fit is ld.logit on ld.impute with the same seed (Rubin's rules)
    centers = prepared.mentors.data[list(PRED)].dropna().mean()
    centered = prepared.mentees.copy()
    for p in PRED:
        centered[p] = centered[p] - centers[p]
    formula = "hired_6m ~ " + " + ".join(PRED)
    direct = mi_logistic(centered, formula, tuple(PRED), "hired_6m", "mentor_id", m=3, seed=11)
    np.testing.assert_allclose(a.sensitivity["mi_estimate"], direct.table["estimate"], rtol=1e-12)
    assert (direct.table["fmi"] > 0).all()
    # complete cases = the pipeline's logistic model
    cc = ld.logit(centered, formula, se="cluster", cluster="mentor_id")
    np.testing.assert_allclose(a.sensitivity["cc_estimate"], cc.table["estimate"], rtol=1e-12)


def test_follow_up_sentence_follows_the_results():
    from learning_direction.studies._study3_follow_up import FollowUpResults, follow_up_text

    comp = pd.DataFrame({"variable": ["hireability"], "mean_retained": [4.9], "mean_lost": [3.9],
                         "p_value": [0.001]})  # fmt: skip
    sens = pd.DataFrame({"term": ["mentor_engagement"], "cc_odds_ratio": [1.23],
                         "mi_odds_ratio": [1.19], "mi_or_ci_low": [1.0], "mi_or_ci_high": [1.42],
                         "mi_p_value": [0.053], "same_conclusion": [False]})  # fmt: skip
    fu = FollowUpResults(pd.DataFrame(), comp, None, sens, 78, 635, 0, 5, 1)
    text = follow_up_text(fu, "mentor_engagement", "mentor engagement")
    assert "differed from retained ones in hireability" in text and "conclusion differs" in text
    fu2 = FollowUpResults(pd.DataFrame(), comp.assign(p_value=0.4), None,
                          sens.assign(same_conclusion=True), 78, 635, 0, 5, 1)  # fmt: skip
    text2 = follow_up_text(fu2, "mentor_engagement", "mentor engagement")
    assert "did not differ significantly" in text2 and "conclusion is the same" in text2
    none = FollowUpResults(pd.DataFrame(), pd.DataFrame(), None, None, 0, 635, 0, 5, 1)
    assert "Every one of the 635 mentees was followed up" in follow_up_text(none, "x", "x")


def test_no_loss_to_follow_up_means_no_imputation(raw):
    full = raw.assign(hired_6m=raw["hired_6m"].fillna(0))
    prepared = study3.prepare(full)
    fu = study3.analyse(prepared, n_boot=100, n_draws=1000, m=3).follow_up
    assert fu.n_lost == 0 and fu.sensitivity is None and fu.imputed is None


def test_make_data_writes_the_study3_files_byte_for_byte(tmp_path):
    """``make data`` reproduces both Study 3 files (with the loss to follow-up) as committed."""
    from pathlib import Path

    from learning_direction.simulate import write_datasets

    root = Path(__file__).resolve().parents[1] / "data"
    write_datasets(tmp_path, seed=20261122, names=["study3"])
    for f in ("study3_mentors.csv", "study3_mentees.csv"):
        assert (tmp_path / f).read_bytes() == (root / f).read_bytes(), f
    lost = pd.read_csv(root / "study3_mentees.csv")["hired_6m"].isna()
    assert int(lost.sum()) == 78


def test_retained_vs_lost_matches_clubsandwich(res):
    """R: coef_test(lm(y ~ lost), vcov = "CR2", cluster = mentor_id, test = "Satterthwaite")
    (tests/reference/make_attrition_reference.R)."""
    from _reference import reference_json

    ref = reference_json("attrition_reference.json")["study3_follow_up"]
    assert ref["lost"] == res.results["follow_up"].n_lost == 78
    comp = res.tables["follow_up_comparison"].set_index("variable")
    for var in ("hireability", "mentee_age"):
        r = ref[var]
        for col in ("estimate", "se", "df", "p_value"):
            assert comp.loc[var, col] == pytest.approx(r[col], rel=1e-8), (var, col)
        assert comp.loc[var, "n_retained"] + comp.loc[var, "n_lost"] == r["n"]
