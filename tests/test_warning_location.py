"""Warnings of public functions point at the user's line (stacklevel), not into the library."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import learning_direction as ld
from learning_direction.exceptions import LearningDirectionWarning


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    d = ld.load_dataset("study2a").iloc[:150].copy()
    return d.join(
        ld.score(d, ["learning_direction", "learning_opportunity", "mentor_engagement"]).scores
    )


def _bad_answer(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(ld_up_1=d["ld_up_1"].where(d.index != d.index[0], 9))


def _constant_item(d: pd.DataFrame) -> pd.DataFrame:
    return d.assign(ld_up_2=4)


# each call is written on its own line of this file and must warn there
CALLS = {
    "score": lambda d: ld.score(_bad_answer(d), "learning_direction", invalid="missing"),
    "reliability": lambda d: ld.reliability(_constant_item(d), "learning_direction"),
    # engagement does not vary between industries: a boundary (singular) fit
    "mixed": lambda d: ld.mixed(d, "mentor_engagement ~ downward", groups="industry"),
    "mediate": lambda d: ld.mediate(
        d.assign(downward=d["downward"].where(d.index != d.index[1])),
        x="downward",
        m=["learning_opportunity"],
        y="mentor_engagement",
        n_boot=200,
        seed=1,
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_warnings_point_at_the_callers_line(data, name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CALLS[name](data)
    ours = [w for w in caught if issubclass(w.category, LearningDirectionWarning)]
    assert ours, f"{name} raised no warning of the package"
    for w in ours:
        assert w.filename == __file__, (name, w.filename, w.lineno, str(w.message))


def test_warn_user_from_a_nested_helper():
    from learning_direction._core.warn import warn_user

    with pytest.warns(UserWarning) as rec:
        warn_user("x")  # called from here: the frame outside the package is this one
    assert rec[0].filename == __file__
