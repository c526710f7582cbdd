"""Tests of ld.reliability against psych (tests/reference/bfi_scoring.json) and its bad inputs."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import learning_direction as ld
from _reference import reference_csv, reference_json
from learning_direction.exceptions import DataValidationError, ReliabilityWarning
from learning_direction.scales._factor import ml_factor, smc
from learning_direction.scales.reliability import _pairwise_moments

BFI_REF = reference_json("bfi_scoring.json")
SCALES = list(BFI_REF["scales"])
RTOL = 1e-6  # closed-form statistics
ML_TOL = 1e-3  # ML loadings and omega (observed agreement: 3e-6)


@pytest.fixture(scope="module")
def bfi() -> pd.DataFrame:
    return reference_csv("bfi.csv")


@pytest.fixture(scope="module")
def bfi_spec() -> dict:
    return {
        "name": "bfi",
        "response": {"min": BFI_REF["response_min"], "max": BFI_REF["response_max"]},
        "subscales": {
            name: {"items": [{"id": i, "reverse": i in s["reversed"]} for i in s["items"]]}
            for name, s in BFI_REF["scales"].items()
        },
    }


@pytest.fixture(scope="module")
def bfi_result(bfi, bfi_spec):
    return ld.reliability(bfi, bfi_spec)


def test_table_columns(bfi_result):
    expected = [
        "scale",
        "n_items",
        "n",
        "alpha",
        "std_alpha",
        "average_r",
        "alpha_ci_low",
        "alpha_ci_high",
        "g6",
        "omega_total",
    ]
    assert list(bfi_result.table.columns[: len(expected)]) == expected
    assert list(bfi_result.items.columns[:8]) == [
        "scale",
        "item",
        "r_drop",
        "raw_r",
        "alpha_if_deleted",
        "mean",
        "sd",
        "n",
    ]
    assert bfi_result.n == 2800 and bfi_result.n_dropped == 0


@pytest.mark.parametrize("name", SCALES)
def test_scale_statistics_match_psych(bfi_result, name):
    ref = BFI_REF["scales"][name]
    row = bfi_result.table.set_index("scale").loc[name]
    assert row["alpha"] == pytest.approx(ref["raw_alpha"], rel=RTOL)
    assert row["std_alpha"] == pytest.approx(ref["std_alpha"], rel=RTOL)
    assert row["average_r"] == pytest.approx(ref["average_r"], rel=RTOL)
    assert row["g6"] == pytest.approx(ref["G6"], rel=RTOL)
    assert row["alpha_ci_low"] == pytest.approx(ref["alpha_feldt_ci_listwise"][0], rel=RTOL)
    assert row["alpha_ci_high"] == pytest.approx(ref["alpha_feldt_ci_listwise"][1], rel=RTOL)
    assert row["n_complete"] == ref["n_complete"]
    assert row["omega_total"] == pytest.approx(ref["omega_total_1factor_ml"], abs=ML_TOL)


@pytest.mark.parametrize("name", SCALES)
def test_item_statistics_match_psych(bfi_result, name):
    ref = BFI_REF["scales"][name]
    items = bfi_result.items.set_index("item")
    for key, col in (
        ("item_r_drop", "r_drop"),
        ("item_raw_r", "raw_r"),
        ("alpha_if_deleted", "alpha_if_deleted"),
    ):
        for label, value in ref[key].items():
            item = label.rstrip("-")
            assert items.loc[item, col] == pytest.approx(value, rel=RTOL), (name, item, col)
    for item, value in ref["loadings_1factor_ml"].items():
        assert items.loc[item, "loading"] == pytest.approx(value, abs=ML_TOL)
    for item in ref["reversed"]:
        assert items.loc[item, "reversed"]


def test_items_reversed_before_stats(bfi, bfi_result):
    items = bfi_result.items.set_index("item")
    assert items.loc["A1", "mean"] == pytest.approx(7 - bfi["A1"].mean())
    assert items.loc["A2", "mean"] == pytest.approx(bfi["A2"].mean())
    assert items.loc["A1", "n"] == bfi["A1"].notna().sum()


def test_pairwise_matches_pandas(bfi):
    x = bfi[["A1", "A2", "A3", "A4", "A5"]].to_numpy(dtype=float)
    cov, cor, _ = _pairwise_moments(x)
    frame = pd.DataFrame(x)
    np.testing.assert_allclose(cov, frame.cov().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(cor, frame.corr().to_numpy(), rtol=1e-12)


def test_columns_mapping(bfi, bfi_spec, bfi_result):
    renamed = bfi.rename(columns={"A1": "agree_1", "C4": "consc_4"})
    res = ld.reliability(renamed, bfi_spec, columns={"A1": "agree_1", "C4": "consc_4"})
    pd.testing.assert_series_equal(res.table["alpha"], bfi_result.table["alpha"])
    assert res.items.set_index("item").loc["A1", "column"] == "agree_1"


def test_one_dimensional_scale_row_named_after_scale(bfi):
    spec = {
        "name": "neuro",
        "response": {"min": 1, "max": 6},
        "items": ["N1", "N2", "N3", "N4", "N5"],
    }
    res = ld.reliability(bfi, spec)
    assert list(res.table["scale"]) == ["neuro"]
    assert res.table["alpha"].iloc[0] == pytest.approx(
        BFI_REF["scales"]["neuroticism"]["raw_alpha"], rel=RTOL
    )


def test_bundled_learning_direction_scale():
    rng = np.random.default_rng(1)
    scale = ld.load_scale("learning_direction")
    f = rng.normal(size=(200, 1))
    data = {}
    for item in scale.items:
        v = np.clip(np.round(4 + f[:, 0] + rng.normal(size=200)), 1, 7)
        data[item.id] = 8 - v if item.reverse else v
    res = ld.reliability(pd.DataFrame(data), "learning_direction")
    assert list(res.table["scale"]) == ["upward", "lateral", "downward"]
    assert (res.table["alpha"] > 0.5).all()
    assert (res.items["r_drop"] > 0).all()


def test_rows_without_answers_reported(bfi, bfi_spec, bfi_result):
    extra = pd.DataFrame(np.nan, index=[9000, 9001], columns=bfi.columns)
    res = ld.reliability(pd.concat([bfi, extra]), bfi_spec)
    assert res.n == 2800 and res.n_dropped == 2
    assert any("answered no item" in n for n in res.notes)
    np.testing.assert_allclose(res.table["alpha"], bfi_result.table["alpha"])


def test_summary_and_html(bfi_result):
    text = bfi_result.summary()
    assert "agree" in text and "α if item deleted" in text and "alpha_if_deleted" not in text
    html = bfi_result._repr_html_()
    assert "<table" in html


def test_html_escapes_user_strings():
    df = pd.DataFrame({"a<b>": [1, 2, 3, 4, 5.0], "q2": [2, 2, 3, 5, 5.0], "q3": [1, 3, 3, 4, 4.0]})
    spec = {"name": "x", "response": {"min": 1, "max": 5}, "items": ["a<b>", "q2", "q3"]}
    res = ld.reliability(df, spec)
    assert "<b>" not in res._repr_html_().replace("<b>method</b>", "").replace(
        "<b>n</b>", ""
    ).replace("<b>n_dropped</b>", "").replace("<b>ci_level</b>", "")


def test_plot_smoke(bfi_result, tmp_path):
    ax = bfi_result.plot()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "A1 (R)" in labels and "N5" in labels
    ax.figure.savefig(tmp_path / "rel.png")
    assert (tmp_path / "rel.png").stat().st_size > 0
    plt.close(ax.figure)


# ------------------------------------------------------------------ bad inputs


def test_missing_columns_named_with_close_matches(bfi, bfi_spec):
    with pytest.raises(DataValidationError, match=r"'A1'.*did you mean.*'A2'|'A1'") as exc:
        ld.reliability(bfi.drop(columns=["A1", "O5"]), bfi_spec)
    assert "'A1'" in str(exc.value) and "'O5'" in str(exc.value)


def test_all_missing_item(bfi, bfi_spec):
    df = bfi.copy()
    df["C3"] = np.nan
    with pytest.raises(DataValidationError, match="C3"):
        ld.reliability(df, bfi_spec)


def test_non_numeric_item(bfi, bfi_spec):
    df = bfi.copy()
    df["E2"] = df["E2"].astype(object)
    df.loc[5, "E2"] = "agree"
    with pytest.raises(DataValidationError, match=r"E2.*non-numeric"):
        ld.reliability(df, bfi_spec)


def test_numeric_strings_are_converted_and_noted(bfi, bfi_spec, bfi_result):
    # a CSV read with dtype=str: every answer is a numeric string (missing answers stay NaN)
    df = reference_csv("bfi.csv", dtype=str)
    df.loc[0, "A1"] = " 2 "  # padded text still converts
    res = ld.reliability(df, bfi_spec)
    pd.testing.assert_frame_equal(res.table, bfi_result.table)
    pd.testing.assert_frame_equal(res.items, bfi_result.items)
    assert any("stored as text" in n and "'A1'" in n for n in res.notes)
    assert not any("stored as text" in n for n in bfi_result.notes)


def test_text_item_with_a_word_names_item_value_and_row(bfi, bfi_spec):
    df = reference_csv("bfi.csv", dtype=str)
    df.loc[7, "O3"] = "often"
    with pytest.raises(DataValidationError, match=r"'O3'.*non-numeric.*'often' in row 7"):
        ld.reliability(df, bfi_spec)


def test_out_of_range_value(bfi, bfi_spec):
    df = bfi.copy()
    df.loc[3, "N1"] = 9
    with pytest.raises(DataValidationError, match=r"N1.*outside the response range"):
        ld.reliability(df, bfi_spec)


def test_bad_columns_mapping(bfi, bfi_spec):
    with pytest.raises(DataValidationError, match="Z9"):
        ld.reliability(bfi, bfi_spec, columns={"Z9": "A1"})


def test_not_a_dataframe(bfi_spec):
    with pytest.raises(DataValidationError, match="DataFrame"):
        ld.reliability([[1, 2]], bfi_spec)


def test_constant_item_warns_and_is_left_out():
    rng = np.random.default_rng(2)
    f = rng.normal(size=100)
    df = pd.DataFrame(
        {f"q{i}": np.clip(np.round(3 + f + rng.normal(size=100)), 1, 5) for i in range(1, 4)}
    )
    df["q4"] = 3.0
    spec = {"name": "s", "response": {"min": 1, "max": 5}, "items": ["q1", "q2", "q3", "q4"]}
    with pytest.warns(ReliabilityWarning, match=r"q4.*zero variance"):
        res = ld.reliability(df, spec)
    ref = ld.reliability(df, {**spec, "items": ["q1", "q2", "q3"]})
    assert res.table["alpha"].iloc[0] == pytest.approx(ref.table["alpha"].iloc[0])
    assert np.isnan(res.items.set_index("item").loc["q4", "r_drop"])


def test_negative_item_total_warns():
    rng = np.random.default_rng(3)
    f = rng.normal(size=300)
    df = pd.DataFrame(
        {f"q{i}": np.clip(np.round(3 + f + rng.normal(size=300)), 1, 5) for i in range(1, 4)}
    )
    df["q4"] = 6 - df["q1"]  # reverse-worded but not marked reversed
    spec = {"name": "s", "response": {"min": 1, "max": 5}, "items": ["q1", "q2", "q3", "q4"]}
    with pytest.warns(ReliabilityWarning, match=r"q4.*reverse keying"):
        ld.reliability(df, spec)


def test_single_item_subscale_warns_nan():
    rng = np.random.default_rng(4)
    df = pd.DataFrame(rng.integers(1, 6, size=(50, 4)).astype(float), columns=list("abcd"))
    spec = {
        "name": "s",
        "response": {"min": 1, "max": 5},
        "subscales": {"one": {"items": ["a"]}, "three": {"items": ["b", "c", "d"]}},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReliabilityWarning)
        res = ld.reliability(df, spec)
    with pytest.warns(ReliabilityWarning, match="fewer than 2 items"):
        ld.reliability(df, spec)
    row = res.table.set_index("scale").loc["one"]
    assert np.isnan(row["alpha"]) and row["n_items"] == 1


def test_two_item_subscale_has_alpha_but_no_omega():
    rng = np.random.default_rng(5)
    f = rng.normal(size=200)
    df = pd.DataFrame({k: np.clip(np.round(3 + f + rng.normal(size=200)), 1, 5) for k in "ab"})
    res = ld.reliability(df, {"name": "s", "response": {"min": 1, "max": 5}, "items": ["a", "b"]})
    assert np.isfinite(res.table["alpha"].iloc[0])
    assert np.isnan(res.table["omega_total"].iloc[0])


def test_bad_ci_level(bfi, bfi_spec):
    with pytest.raises(DataValidationError, match="ci_level"):
        ld.reliability(bfi, bfi_spec, ci_level=95)


# ------------------------------------------------------------------ properties


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=3, max_value=6))
def test_alpha_properties(seed, k):
    rng = np.random.default_rng(seed)
    n = 60
    f = rng.normal(size=(n, 1))
    x = np.clip(np.round(3 + f + rng.normal(size=(n, k))), 1, 5)
    x[rng.random(size=x.shape) < 0.05] = np.nan
    df = pd.DataFrame(x, columns=[f"q{i}" for i in range(k)])
    spec = {"name": "s", "response": {"min": 1, "max": 5}, "items": list(df.columns)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReliabilityWarning)
        res = ld.reliability(df, spec)
        # permuting items and rows changes nothing
        res2 = ld.reliability(df.iloc[::-1, ::-1], spec)
    row, row2 = res.table.iloc[0], res2.table.iloc[0]
    for col in ("alpha", "std_alpha", "g6", "omega_total", "alpha_ci_low"):
        assert row[col] == pytest.approx(row2[col], rel=1e-9, abs=1e-9)
    assert row["alpha_ci_low"] <= row["alpha"] <= row["alpha_ci_high"]
    assert row["alpha"] <= 1
    # alpha is invariant to shifting an item by a constant
    df3 = df.copy()
    df3["q0"] = df3["q0"] - 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReliabilityWarning)
        res3 = ld.reliability(df3, {**spec, "response": {"min": 0.5, "max": 5}})
    assert res3.table["alpha"].iloc[0] == pytest.approx(row["alpha"], rel=1e-9)


def test_ml_factor_reproduces_exact_one_factor_structure():
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    r = np.outer(lam, lam)
    np.fill_diagonal(r, 1.0)
    sol = ml_factor(r, 1)
    np.testing.assert_allclose(sol.loadings[:, 0], lam, atol=1e-6)
    assert sol.converged and not sol.heywood
    np.testing.assert_allclose(smc(np.eye(3)), 0.0, atol=1e-12)


def test_three_item_omega_is_the_closed_form_without_warning():
    """One factor on 3 items is just identified: lambda_i^2 = r_ij r_ik / r_jk exactly."""
    import warnings

    rng = np.random.default_rng(11)
    f = rng.normal(size=600)
    items = pd.DataFrame(
        {
            f"q{i}": np.clip(np.round(4 + lam * f + rng.normal(0, 1, 600)), 1, 7)
            for i, lam in enumerate((1.2, 0.9, 0.7))
        }
    )
    spec = {"name": "three", "response": {"min": 1, "max": 7}, "items": [{"id": c} for c in items]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = ld.reliability(items, spec)
    r = items.corr().to_numpy()
    lam = np.sqrt(
        np.array(
            [r[0, 1] * r[0, 2] / r[1, 2], r[0, 1] * r[1, 2] / r[0, 2], r[0, 2] * r[1, 2] / r[0, 1]]
        )
    )
    omega = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert res.table.loc[0, "omega_total"] == pytest.approx(omega, abs=1e-6)


@pytest.mark.parametrize("n_rows", [1, 2])
def test_too_few_respondents_is_a_clear_error(n_rows):
    df = pd.DataFrame({f"q{i}": [1.0, 2.0, 3.0, 4.0][:n_rows] for i in range(3)})
    spec = {"name": "tiny", "response": {"min": 1, "max": 7}, "items": ["q0", "q1", "q2"]}
    with pytest.raises(DataValidationError, match="at least 3 respondents"):
        ld.reliability(df, spec)


def test_response_labels_convert_as_in_score():
    """Answers exported as the scale's labels ("Agree") give the same reliability as numbers."""
    sc = ld.load_scale("learning_direction")
    rng = np.random.default_rng(3)
    f = rng.normal(size=120)
    sign = {i: -1.0 if sc.item(i).reverse else 1.0 for i in sc.item_ids}
    num = pd.DataFrame(
        {i: np.clip(np.round(4 + sign[i] * f + rng.normal(size=120)), 1, 7) for i in sc.item_ids}
    )
    text = num.apply(lambda c: c.map(lambda v: sc.labels[int(v)]))
    text.iloc[0, 0] = "  strongly   AGREE "  # case and spacing as score() tolerates
    num.iloc[0, 0] = 7.0
    a, b = ld.reliability(num, sc), ld.reliability(text, sc)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert any("response labels" in n for n in b.notes)
    text.iloc[5, 2] = "Sometimes"
    with pytest.raises(DataValidationError, match=r"'Sometimes' in row 5.*'Strongly disagree'"):
        ld.reliability(text, sc)


# ------------------------------------------------------------------ omega: model vs psych

OMEGA_REF = reference_json("omega_reference.json")


@pytest.fixture(scope="module")
def omega_results(bfi):
    spec = {
        "name": "bfi",
        "response": {"min": OMEGA_REF["response_min"], "max": OMEGA_REF["response_max"]},
        "subscales": {
            name: {"items": [{"id": i, "reverse": i in s["reversed"]} for i in s["items"]]}
            for name, s in OMEGA_REF["scales"].items()
        },
    }
    return {om: ld.reliability(bfi, spec, omega=om) for om in ("model", "psych")}


@pytest.mark.parametrize("omega", ["model", "psych"])
@pytest.mark.parametrize("name", list(OMEGA_REF["scales"]))
def test_omega_matches_r_both_ways(omega_results, omega, name):
    """omega="model": (sum L)^2 / ((sum L)^2 + sum u2) from fa(fm = "ml"); omega="psych":
    psych::omega(x, nfactors = 1, fm = "ml")$omega.tot = (sum(R) - sum u2) / sum(R)."""
    row = omega_results[omega].table.set_index("scale").loc[name]
    assert row["omega_total"] == pytest.approx(
        OMEGA_REF["scales"][name][f"omega_{omega}"], abs=ML_TOL
    )


def test_omega_psych_and_model_differ_only_in_the_denominator(omega_results):
    model = omega_results["model"].table.set_index("scale")["omega_total"]
    psych = omega_results["psych"].table.set_index("scale")["omega_total"]
    # the same loadings: everything else in the table is identical
    a = omega_results["model"].table.drop(columns="omega_total")
    b = omega_results["psych"].table.drop(columns="omega_total")
    pd.testing.assert_frame_equal(a, b)
    # neuroticism: the one-factor model misfits most, and the denominators differ by ~.003
    assert psych["neuroticism"] - model["neuroticism"] == pytest.approx(
        OMEGA_REF["scales"]["neuroticism"]["omega_psych"]
        - OMEGA_REF["scales"]["neuroticism"]["omega_model"],
        abs=1e-5,
    )
    assert "observed total variance" in omega_results["psych"].method
    assert "model-implied" in omega_results["model"].method


def test_omega_option_checked(bfi):
    with pytest.raises(DataValidationError, match="omega"):
        ld.reliability(bfi, "learning_direction", omega="hierarchical")


# ------------------------------------------------------------------ the row-blocked sums


def _messy_items(seed: int = 7, n: int = 203) -> pd.DataFrame:
    """Five items 1-5 with 15% missing answers, rows with no answer and one fully answered."""
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    df = pd.DataFrame(
        {f"q{i}": np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5) for i in range(1, 6)}
    )
    df = df.mask(rng.random(df.shape) < 0.15)
    df.iloc[[3, 50, 51]] = np.nan
    return df


@pytest.mark.parametrize("block", [1, 16, 203, 4096])
def test_blocked_sums_match_the_direct_statistics(block):
    from learning_direction.scales._item_moments import accumulate

    df = _messy_items()
    signs = np.array([1.0, -1.0, 1.0, 1.0, -1.0])  # q2 and q5 reverse keyed, range 1-5
    cols = [df[c].to_numpy() for c in df.columns]
    (mom,), n_any = accumulate(cols, [range(5)], signs, 3.0, block=block)
    rev = df.copy()
    rev[["q2", "q5"]] = 6 - rev[["q2", "q5"]]
    cov, cor, n = mom.pairwise()
    np.testing.assert_allclose(cov, rev.cov().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(cor, rev.corr().to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(n, rev.notna().astype(int).T @ rev.notna().astype(int))
    np.testing.assert_allclose(mom.mean, rev.mean().to_numpy(), rtol=1e-13)
    np.testing.assert_allclose(mom.sd, rev.std().to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(mom.count, rev.notna().sum().to_numpy())
    # raw.r: each item with the mean of the row's answered items, over rows answering the item
    total = rev.mean(axis=1)
    raw_r = [rev[c].corr(total) for c in rev.columns]
    np.testing.assert_allclose(mom.raw_r(), raw_r, rtol=1e-12)
    assert mom.n_complete == int(rev.notna().all(axis=1).sum())
    assert mom.n_any == n_any == int(rev.notna().any(axis=1).sum()) == len(df) - 3
    np.testing.assert_array_equal(mom.lo, [1, 1, 1, 1, 1])  # raw answers (before reversal)
    np.testing.assert_array_equal(mom.hi, [5, 5, 5, 5, 5])


def test_constant_item_with_missing_answers_is_left_out_of_every_statistic():
    # a constant item changes the row means (raw_r) and the complete rows (Feldt CI): both are
    # recomputed without it, so the result equals the scale without the item
    df = _messy_items(seed=8)
    df["q6"] = np.where(np.arange(len(df)) % 3 == 0, np.nan, 3.3)  # not on the integer grid
    spec = {"name": "s", "response": {"min": 1, "max": 5}, "items": [f"q{i}" for i in range(1, 7)]}
    with pytest.warns(ReliabilityWarning, match=r"q6.*zero variance"):
        res = ld.reliability(df, spec)
    ref = ld.reliability(df, {**spec, "items": spec["items"][:5]})
    cols = ["alpha", "alpha_ci_low", "g6", "omega_total", "n_complete"]
    pd.testing.assert_frame_equal(res.table[cols], ref.table[cols], rtol=1e-12)
    items = res.items.set_index("item")
    pd.testing.assert_frame_equal(
        items.loc[spec["items"][:5], ["r_drop", "raw_r", "sd"]],
        ref.items.set_index("item")[["r_drop", "raw_r", "sd"]],
        rtol=1e-12,
    )
    assert items.loc["q6", "sd"] == 0.0
    assert items.loc["q6", "mean"] == pytest.approx(3.3, abs=1e-14)


@pytest.mark.parametrize("value", [np.nextafter(1.0, 0.0), np.nextafter(5.0, 6.0), np.inf])
def test_a_value_one_ulp_outside_the_range_is_refused(value):
    df = _messy_items(seed=9)
    df.loc[17, "q4"] = value
    spec = {"name": "s", "response": {"min": 1, "max": 5}, "items": ["q1", "q2", "q3", "q4"]}
    with pytest.raises(DataValidationError, match=r"'q4'.*outside the response range.*row 17"):
        ld.reliability(df, spec)


def test_groups_of_different_sizes_share_the_buffers_without_mixing():
    from learning_direction.scales._item_moments import accumulate

    df = pd.concat([_messy_items(seed=10), _messy_items(seed=11).add_prefix("r")], axis=1)
    cols = [df[c].to_numpy() for c in df.columns]
    signs = np.where(np.arange(len(cols)) % 3 == 1, -1.0, 1.0)
    groups = [[0, 1, 2, 3, 4, 5, 6], [7, 8], [9]]  # 7, 2 and 1 items; blocks of 50 and 3 rows
    together, n_any = accumulate(cols, groups, signs, 3.0, block=50)
    for g, mom in zip(groups, together, strict=True):
        (alone,), _ = accumulate(cols, [g], signs, 3.0, block=len(df))
        for name in ("n", "sx", "sxx", "sxy", "sx_t", "s_t", "s_tt", "sd", "lo", "hi"):
            np.testing.assert_allclose(getattr(mom, name), getattr(alone, name), rtol=1e-13)
        assert (mom.n_complete, mom.n_any) == (alone.n_complete, alone.n_any)
    assert n_any == int(df.notna().any(axis=1).sum())
