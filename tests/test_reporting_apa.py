"""APA formatting rules: no leading zero for p and r, p < .001, CI brackets."""

from __future__ import annotations

import math

import pytest

from learning_direction.reporting.apa import (
    apa_coefficient,
    apa_indirect,
    fmt_ci,
    fmt_num,
    fmt_p,
    fmt_r,
    stars,
)


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0004, "p < .001"),
        (0.001, "p = .001"),
        (0.0321, "p = .032"),
        (0.5, "p = .500"),
        (0.99999, "p = 1.000"),
        (math.nan, "p = NA"),
    ],
)
def test_fmt_p(p, expected):
    assert fmt_p(p) == expected


def test_fmt_r_has_no_leading_zero():
    assert fmt_r(0.3249) == ".32"
    assert fmt_r(-0.051) == "-.05"
    assert fmt_r(1.0) == "1.00"
    assert fmt_r(-0.001) == ".00"


def test_fmt_num_and_ci():
    assert fmt_num(-0.0001) == "0.00"
    assert fmt_ci(0.16, 0.48) == "95% CI [0.16, 0.48]"
    assert fmt_ci(0.16, 0.48, level=0.9) == "90% CI [0.16, 0.48]"


def test_apa_sentence_pieces():
    assert (
        apa_coefficient(0.3212, 0.0801, 0.1601, 0.4822, 2e-5)
        == "b = 0.32, SE = 0.08, 95% CI [0.16, 0.48], p < .001"
    )
    text = apa_indirect(0.189, 0.0226, 0.366, n_boot=5000)
    assert text.startswith("indirect effect = 0.19, 95% CI [0.02, 0.37]") and "5,000" in text


def test_stars():
    assert [stars(p) for p in (0.0001, 0.005, 0.04, 0.2, math.nan)] == ["***", "**", "*", "", ""]
