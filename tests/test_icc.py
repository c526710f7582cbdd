"""ld.icc: ICC(1)/ICC(2) by REML (lme4's variance ratio) and by one-way ANOVA (multilevel).

Fixtures: ``lmm_unbalanced.json`` (``make_lmm_reference.R``: ``multilevel::ICC1``/``ICC2`` of
``aov(y ~ factor(g))`` and the REML null model ``lmer(y ~ 1 + (1 | g))``), and
``sleepstudy_mixed.json`` (the REML null-model ICC of sleepstudy). Tolerances: the ANOVA
formulas are closed form (1e-12); REML is iterative (1e-6: lme4's default stop).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ModelError


@pytest.fixture(scope="module")
def unbalanced():
    return reference_csv("lmm_unbalanced.csv")


def test_anova_matches_multilevel(unbalanced):
    ref = reference_json("lmm_unbalanced.json")["icc"]
    res = ld.icc(unbalanced, "y", "g", method="anova")
    assert res.icc1 == pytest.approx(ref["anova_icc1"], rel=1e-12)
    assert res.icc2 == pytest.approx(ref["anova_icc2"], rel=1e-12)
    assert res.k == pytest.approx(ref["k"], rel=1e-15)
    assert any("multilevel::ICC1" in n for n in res.notes)


def test_reml_matches_lme4_null_model(unbalanced):
    ref = reference_json("lmm_unbalanced.json")["icc"]
    res = ld.icc(unbalanced, "y", "g")  # method="reml" is the default
    assert res.method == "reml"
    assert res.icc1 == pytest.approx(ref["reml_icc1"], rel=1e-6)
    assert res.icc2 == pytest.approx(ref["reml_icc2"], rel=1e-6)
    assert res.tau2 == pytest.approx(ref["reml_tau2"], rel=1e-6)
    assert res.sigma2 == pytest.approx(ref["reml_sigma2"], rel=1e-6)
    assert (res.n, res.n_groups, res.n_dropped) == (len(unbalanced), 400, 0)


def test_methods_differ_on_unbalanced_groups(unbalanced):
    reml = ld.icc(unbalanced, "y", "g", method="reml")
    anova = ld.icc(unbalanced, "y", "g", method="anova")
    assert abs(reml.icc1 - anova.icc1) > 1e-3


def test_methods_agree_on_balanced_groups():
    # sleepstudy: 18 subjects x 10 days; with MSB > MSW the REML components are the ANOVA ones
    d = reference_csv("sleepstudy.csv")
    reml = ld.icc(d, "Reaction", "Subject", method="reml")
    anova = ld.icc(d, "Reaction", "Subject", method="anova")
    assert reml.icc1 == pytest.approx(anova.icc1, rel=1e-7)
    assert reml.icc2 == pytest.approx(anova.icc2, rel=1e-7)
    assert reml.icc1 == pytest.approx(
        reference_json("sleepstudy_mixed.json")["icc1_null_model"], rel=1e-6
    )


def test_mixed_icc_is_the_reml_icc():
    d = reference_csv("sleepstudy.csv")
    d.loc[[3, 40], "Reaction"] = np.nan
    res = ld.mixed(d, "Reaction ~ Days", groups="Subject")
    icc = ld.icc(d, "Reaction", "Subject")
    assert res.icc == pytest.approx(icc.icc1, rel=1e-9)
    assert res.icc2 == pytest.approx(icc.icc2, rel=1e-9)


def test_missing_rows_table_and_summary(unbalanced):
    d = unbalanced.copy()
    d.loc[[0, 1, 2], "y"] = np.nan
    res = ld.icc(d, "y", "g")
    assert (res.n, res.n_dropped) == (len(d) - 3, 3)
    assert "y (3)" in res.notes[0]
    assert list(res.table["term"]) == ["ICC(1)", "ICC(2)", "tau2", "sigma2"]
    assert res.table["estimate"].iloc[0] == res.icc1
    text = res.summary()
    assert "REML null model" in text and "lme4" in text
    assert "ICC(1)" in res._repr_html_()


def test_notes_at_the_boundary():
    # group means identical: REML tau2 = 0, ANOVA ICC(1) negative
    d = pd.DataFrame({"g": np.repeat([1, 2, 3], 4), "y": np.tile([1.0, 2.0, 3.0, 4.0], 3)})
    d.loc[0, "y"] = 1.2
    d.loc[4, "y"] = 0.9
    reml = ld.icc(d, "y", "g")
    assert reml.tau2 == 0.0 and any("boundary" in n for n in reml.notes)
    anova = ld.icc(d, "y", "g", method="anova")
    assert anova.icc1 < 0 and any("ICC(1) < 0" in n for n in anova.notes)


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("yy", "g"), DataValidationError, "yy"),
        (("y", "gg"), DataValidationError, "gg"),
        (("label", "g"), DataValidationError, "not numeric"),
        (("y", ["g"]), DataValidationError, "column name"),
        (("y", "one"), ModelError, "1 group"),
        (("y", "row"), ModelError, "several rows"),
    ],
)
def test_bad_inputs(unbalanced, args, error, match):
    d = unbalanced.assign(label="a", one=1, row=np.arange(len(unbalanced)))
    with pytest.raises(error, match=match):
        ld.icc(d, *args)


def test_bad_method(unbalanced):
    with pytest.raises(ModelError, match="method must be"):
        ld.icc(unbalanced, "y", "g", method="icc1")


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=3, max_size=12),
    seed=st.integers(0, 2**16),
    scale=st.floats(0.1, 100.0),
    shift=st.floats(-50.0, 50.0),
)
def test_properties(sizes, seed, scale, shift):
    """ICC(2) is the Spearman-Brown step-up of ICC(1) for both methods; REML's ICC(1) lies in
    [0, 1); both are unchanged by a linear rescaling of y."""
    if sum(sizes) <= len(sizes):
        sizes = [*sizes, 2]
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(len(sizes)), sizes)
    y = rng.normal(size=len(sizes))[g] + rng.normal(size=len(g))
    d = pd.DataFrame({"g": g, "y": y, "y2": shift + scale * y})
    for method in ("reml", "anova"):
        r = ld.icc(d, "y", "g", method=method)
        k = r.k
        assert r.icc2 == pytest.approx(k * r.icc1 / (1 + (k - 1) * r.icc1), rel=1e-9, abs=1e-12)
        r2 = ld.icc(d, "y2", "g", method=method)
        tol = 1e-9 if method == "anova" else 1e-5
        assert r2.icc1 == pytest.approx(r.icc1, rel=tol, abs=tol)
    reml = ld.icc(d, "y", "g")
    assert 0.0 <= reml.icc1 < 1.0
