"""Text (categorical) covariates in ld.mediate and ld.moderated_mediation are dummy-coded.

The reference level is the first level (category order, else sorted), as R's factor() and
treatment coding in a formula; the indicators are named ``<column>[T.<level>]`` as
ld.moderate / ld.regress name them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import DataValidationError

LEVELS = ["finance", "healthcare", "manufacturing", "public_sector", "technology"]


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    raw = ld.load_dataset("study2a")
    scales = ["learning_direction", "learning_opportunity", "mentor_engagement"]
    out = raw.join(ld.score(raw, scales).scores)
    out["industry"] = out["industry"].astype(str)  # plain text, not a category
    for lv in LEVELS:
        out[f"ind_{lv}"] = (out["industry"] == lv).astype(float)
    return out


def _mediate(data, covs, **kw):
    return ld.mediate(
        data, x="downward", m="learning_opportunity", y="mentor_engagement",
        covariates=covs, n_boot=200, seed=3, **kw,
    )  # fmt: skip


def test_mediate_text_covariate_equals_hand_made_dummies(d):
    auto = _mediate(d, ["upward", "industry"])
    hand = _mediate(d, ["upward", *[f"ind_{lv}" for lv in LEVELS]])
    np.testing.assert_allclose(auto.table["estimate"], hand.table["estimate"], rtol=1e-12)
    np.testing.assert_allclose(auto.table["ci_low"], hand.table["ci_low"], rtol=1e-12)
    terms = auto.equations["y"]["term"].tolist()
    assert [t for t in terms if t.startswith("industry")] == [f"industry[T.{lv}]" for lv in LEVELS]
    assert auto.covariates == ("upward", "industry")
    note = next(n for n in auto.notes if "industry" in n)
    assert "reference level 'education'" in note


def test_mediate_matches_lm_with_factor(d):
    """The outcome equation equals lm(y ~ x + m + upward + industry) (R's treatment coding)."""
    auto = _mediate(d, ["upward", "industry"])
    reg = ld.regress(d, "mentor_engagement ~ downward + learning_opportunity + upward + industry")
    got = auto.equations["y"].set_index("term")["estimate"]
    want = reg.table.set_index("term")["estimate"]
    for lv in LEVELS:
        assert got[f"industry[T.{lv}]"] == pytest.approx(want[f"industry[T.{lv}]"], rel=1e-10)
    assert got["learning_opportunity"] == pytest.approx(want["learning_opportunity"], rel=1e-10)


def test_category_order_sets_the_reference(d):
    cat = d.assign(
        industry=pd.Categorical(d["industry"], categories=["technology", *LEVELS[:-1], "education"])
    )
    res = _mediate(cat, ["industry"])
    assert "reference level 'technology'" in " ".join(res.notes)
    assert "industry[T.education]" in res.equations["y"]["term"].tolist()


def test_missing_text_covariate_rows_are_counted(d):
    gaps = d.copy()
    gaps.loc[gaps.index[:7], "industry"] = None
    res = _mediate(gaps, ["industry"])
    assert res.n_dropped == 7 and res.n == len(d) - 7


def test_sensitivity_inputs_carry_the_indicators(d):
    res = _mediate(d, ["upward", "industry"])
    hand = _mediate(d, ["upward", *[f"ind_{lv}" for lv in LEVELS]])
    a = ld.mediation_sensitivity(res)
    b = ld.mediation_sensitivity(hand)
    assert a.rho_at_zero == pytest.approx(b.rho_at_zero, rel=1e-10)


def test_single_level_covariate_is_refused(d):
    with pytest.raises(DataValidationError, match="single level"):
        _mediate(d.assign(site="A"), ["site"])


def test_text_mediator_still_refused(d):
    with pytest.raises(DataValidationError, match="must be numeric"):
        ld.mediate(d, x="downward", m="industry", y="mentor_engagement", n_boot=200)


def test_moderated_mediation_text_covariate(d):
    auto = ld.moderated_mediation(
        d, x="downward", m="learning_opportunity", y="mentor_engagement", w="upward",
        covariates=["gender"], n_boot=200, seed=1,
    )  # fmt: skip
    hand = ld.moderated_mediation(
        d.assign(male=(d["gender"] == "male").astype(float)), x="downward",
        m="learning_opportunity", y="mentor_engagement", w="upward", covariates=["male"],
        n_boot=200, seed=1,
    )  # fmt: skip
    np.testing.assert_allclose(auto.table["estimate"], hand.table["estimate"], rtol=1e-12)
    assert "gender[T.male]" in auto.equations["y"]["term"].tolist()
    assert any("reference level 'female'" in n for n in auto.notes)
