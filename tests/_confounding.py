"""Checks shared by the study tests: the sentence on unmeasured confounding repeats its table."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

NUM = r"(-?\d*\.\d+)"

ROBUSTNESS_COLUMNS = [
    "term",
    "label",
    "estimate",
    "ci_low",
    "ci_high",
    "rho_at_zero",
    "r2_star_at_zero",
    "r2_tilde_at_zero",
    "rho_ci_includes_zero",
    "smd",
    "smd_ci_low",
    "smd_ci_high",
    "evalue",
    "evalue_ci",
]


def close(text_value: str, table_value: float, digits: int = 2) -> None:
    assert float(text_value) == pytest.approx(round(float(table_value), digits), abs=1e-9)


def check_confounding_sentence(text: str, row: pd.Series) -> None:
    """Every number of the sensitivity / E-value sentence equals the table row, rounded."""
    m = re.search(rf"correlate at ρ = {NUM}, a (very weak|weak|moderate|strong) correlation", text)
    assert m, text
    close(m.group(1), row["rho_at_zero"])
    strength = {"very weak": (0, 0.1), "weak": (0.1, 0.3), "moderate": (0.3, 0.5)}
    lo, hi = strength.get(m.group(2), (0.5, 1.0))
    assert lo <= round(abs(row["rho_at_zero"]), 2) < hi
    m = re.search(rf"R̃²_M × R̃²_Y = {NUM}", text)
    assert m, text
    close(m.group(1), row["r2_tilde_at_zero"], 3)
    if math.isnan(row["rho_ci_includes_zero"]):
        assert "already included zero at ρ = 0" in text
    else:
        m = re.search(rf"CI would include zero from ρ = {NUM}", text)
        assert m, text
        close(m.group(1), row["rho_ci_includes_zero"])
    m = re.search(rf"d = {NUM}, 95% CI \[{NUM}, {NUM}\]", text)
    assert m, text
    for got, col in zip(m.groups(), ["smd", "smd_ci_low", "smd_ci_high"], strict=True):
        close(got, row[col])
    m = re.search(rf"E-value of {NUM}", text)
    assert m, text
    close(m.group(1), row["evalue"])
    if row["evalue_ci"] == 1:
        assert "E-value of the CI = 1" in text
    else:
        m = re.search(rf"risk ratios of {NUM} would suffice", text)
        assert m, text
        close(m.group(1), row["evalue_ci"])
