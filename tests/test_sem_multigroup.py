"""Multigroup models (``group=``) of the SEM engine against lavaan 0.6-14 ``group =``.

Fixtures (``tests/reference/sem_multigroup.json``, ``make_sem_extended_reference.R``): the
Holzinger-Swineford CFA by school (configural; loadings and intercepts equal except
``x3 ~ 1`` and ``visual =~ x2``; ``c(a, a)*x2``, ``c(b1, b2)*x3`` and ``c(v, v)*x1`` labels with
``diff := b1 - b2``; every kind of ``group.equal`` at once) and a structural model on
PoliticalDemocracy split into odd and even rows with equal loadings and regressions.

Tolerances (relative): against lavaan's printed fit, estimates within
``1e-3 * max(|est|, se)``, SEs, z, p and fit measures within 1e-3; against the tight refit,
estimates and SEs within ``5e-5 * max(|est|, se)``, fit measures within 2e-5.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from _reference import reference_csv, reference_json
from _sem_agreement import check_fit, check_parameters, check_tight, fit_fixture
from learning_direction.exceptions import DataValidationError, ModelError

FILE = "sem_multigroup.json"
FITS = reference_json(FILE)["fits"]
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


def _fit(name):
    return fit_fixture(FILE, name, FITS[name])


@pytest.mark.parametrize("name", list(FITS))
def test_estimates_and_standard_errors_match_lavaan(name):
    check_parameters(_fit(name), FITS[name], 1e-3)


@pytest.mark.parametrize("name", list(FITS))
def test_fit_measures_match_lavaan(name):
    check_fit(_fit(name), FITS[name]["fit"], 1e-3)


@pytest.mark.parametrize("name", list(FITS))
def test_agreement_with_lavaans_exact_optimum(name):
    check_tight(_fit(name), FITS[name]["tight"], 5e-5, 2e-5)


@pytest.mark.parametrize("name", list(FITS))
def test_group_column_follows_lavaan(name):
    res = _fit(name)
    ref = pd.DataFrame(FITS[name]["parameters"])
    labels = FITS[name]["group_label"]
    assert list(res.group_labels) == labels
    expected = [labels[g - 1] if g > 0 else None for g in ref.group]
    assert list(res.table["group"]) == expected
    assert list(res.table.columns[:5]) == ["lhs", "op", "rhs", "group", "label"]
    assert sum(res.n_per_group) == res.n == sum(FITS[name]["nobs"])


def test_equal_parameters_are_equal_and_partial_ones_free():
    tab = _fit("partial").table
    for label in (".p3.", ".p5.", ".p25."):
        rows = tab[tab.label == label]
        assert len(rows) == 2 and rows.estimate.iloc[0] == rows.estimate.iloc[1]
    x3 = tab[(tab.lhs == "x3") & (tab.op == "~1")]
    assert x3.estimate.iloc[0] != x3.estimate.iloc[1] and (x3.label == "").all()
    means = tab[(tab.op == "~1") & tab.lhs.isin(["visual", "textual", "speed"])]
    assert (means.se.iloc[:3] == 0).all() and (means.se.iloc[3:] > 0).all()


def test_vector_labels_and_defined_parameter():
    tab = _fit("vector_labels").table
    a = tab[tab.label == "a"]
    assert len(a) == 2 and a.estimate.iloc[0] == a.estimate.iloc[1]
    b = tab.set_index("label").loc[["b1", "b2"], "estimate"]
    diff = tab[tab.op == ":="]
    assert diff.estimate.iloc[0] == pytest.approx(b["b1"] - b["b2"], abs=1e-12)
    assert diff["group"].iloc[0] is None


def test_summary_shows_each_group():
    res = _fit("configural")
    text = res.summary()
    assert "Group 'Pasteur':" in text and "Group 'Grant-White':" in text
    assert "groups: Pasteur (156), Grant-White (145)" in text
    assert set(res.implied) == {"Pasteur", "Grant-White"}


def test_bad_group_inputs():
    df = reference_csv("holzinger_swineford.csv")
    with pytest.raises(DataValidationError, match="at least two groups"):
        ld.sem(df.assign(one="a"), HS, group="one")
    with pytest.raises(ModelError, match=r"'loading' is not a kind.*did you mean 'loadings'"):
        ld.sem(df, HS, group="school", group_equal="loading")
    with pytest.raises(ModelError, match="'x10 ~ 1' is not a parameter of the model"):
        ld.sem(df, HS, group="school", group_equal="intercepts", group_partial="x10 ~ 1")
    with pytest.raises(ModelError, match="group_partial: 'x3 ~ ' is not a parameter"):
        ld.sem(df, HS, group="school", group_equal="intercepts", group_partial="x3 ~ ")
    with pytest.raises(ModelError, match=r"c\(...\) modifier with 3 entries.*2 group"):
        ld.sem(df, "f =~ x1 + c(a, b, c)*x2 + x3", group="school")
    with pytest.raises(ModelError, match="'group:' blocks in the syntax are not built yet"):
        ld.sem(df, "group: a\nf =~ x1 + x2 + x3\ngroup: b\nf =~ x1 + x2 + x3", group="school")
    with pytest.raises(ModelError, match="multigroup estimation of two-level models"):
        ld.sem(df, "level: 1\nx1 ~ x2\nlevel: 2\nx1 ~ x2", cluster="id", group="school")


def test_rows_without_a_group_are_left_out_and_counted():
    df = reference_csv("holzinger_swineford.csv")
    df.loc[[0, 3], "school"] = np.nan
    res = ld.sem(df, HS, group="school")
    assert (res.n, res.n_dropped) == (299, 2)
    assert res.dropped == {"missing values in school": 2}
