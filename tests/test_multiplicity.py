"""ld.adjust_p against R's p.adjust (tests/reference/p_adjust.json, made by
make_inference_reference.R): ties, missing values and p = 1, for every method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from _reference import reference_json
from learning_direction.exceptions import DataValidationError, ModelError
from learning_direction.models.multiplicity import adjust_p

REF = reference_json("p_adjust.json")
P = np.array([np.nan if v is None else v for v in REF["p"]], dtype=float)
R_NAMES = {
    "holm": "holm",
    "hochberg": "hochberg",
    "hommel": "hommel",
    "bonferroni": "bonferroni",
    "fdr_bh": "BH",
    "fdr_by": "BY",
}


def _r(method: str) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in REF["adjusted"][method]], dtype=float)


@pytest.mark.parametrize("method", list(R_NAMES))
def test_matches_r_p_adjust(method):
    got = adjust_p(P, method)
    want = _r(R_NAMES[method])
    assert np.array_equal(np.isnan(got), np.isnan(want))  # NaN kept in place
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=1e-12)


@pytest.mark.parametrize("r_name", ["BH", "BY", "fdr", "bh"])
def test_r_method_names_are_accepted(r_name):
    target = "BY" if r_name == "BY" else "BH"
    np.testing.assert_allclose(adjust_p(P, r_name), _r(target), equal_nan=True, atol=1e-12)


def test_missing_values_do_not_count_as_tests():
    # R: n = number of non-missing p-values
    got = adjust_p([0.01, None, 0.02, float("nan")], "bonferroni")
    np.testing.assert_allclose(got, [0.02, np.nan, 0.04, np.nan], equal_nan=True)


def test_series_keeps_index_and_name():
    s = pd.Series([0.01, 0.04, np.nan, 0.03], index=["a", "b", "c", "d"], name="p_value")
    out = adjust_p(s, "holm")
    assert isinstance(out, pd.Series)
    assert list(out.index) == ["a", "b", "c", "d"] and out.name == "p_value"
    np.testing.assert_allclose(out.to_numpy(), [0.03, 0.06, np.nan, 0.06], equal_nan=True)


def test_list_and_none_method():
    out = adjust_p([0.2, 0.5], "none")
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [0.2, 0.5])
    assert adjust_p([], "holm").shape == (0,)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([0.1, 1.5], r"\[0, 1\].*p_values\[1\] = 1.5"),
        ([-0.01], r"\[0, 1\]"),
        (["a", 0.2], "not a number"),
        (0.05, "list, array or Series"),
        (np.ones((2, 2)) * 0.1, "one-dimensional"),
        (pd.DataFrame({"p": [0.1]}), "DataFrame"),
    ],
)
def test_bad_p_values_are_refused(values, match):
    with pytest.raises(DataValidationError, match=match):
        adjust_p(values, "holm")


def test_unknown_method_is_refused_with_a_hint():
    with pytest.raises(ModelError, match="did you mean 'holm'"):
        adjust_p([0.1], "holmes")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.sampled_from(list(R_NAMES)))
def test_adjusted_p_values_are_valid_and_not_smaller(p, method):
    adj = adjust_p(p, method)
    assert np.all((adj >= np.asarray(p) - 1e-12) & (adj <= 1))
    # adjusted p-values keep the order of the raw p-values (monotone step-up/down procedures)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.001, 0.01, 0.02, 0.04, 0.2, 0.5, 1.0]) | st.floats(0, 1),
                min_size=1, max_size=30))  # fmt: skip
def test_holm_equals_its_definition(values):
    """Holm is computed here (statsmodels' version runs gc.collect() per call, 0.4 s in a
    large test process): the definition max_{j <= i} min(1, (m - j + 1) p_(j)), ties included
    (R's p.adjust with ties is checked above)."""
    p = np.array(values)
    m = p.size
    ranked = np.sort(p, kind="stable")
    want_sorted = [max(min(1.0, (m - j) * ranked[j]) for j in range(i + 1)) for i in range(m)]
    want = np.empty(m)
    want[np.argsort(p, kind="stable")] = want_sorted
    np.testing.assert_allclose(adjust_p(p, "holm"), want, rtol=0, atol=1e-15)
