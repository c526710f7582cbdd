"""Tests for learning_direction.intake.privacy: pseudonyms and identifier stripping."""

from __future__ import annotations

import hashlib
import hmac
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from learning_direction.exceptions import ConfigError, DataQualityWarning, DataValidationError
from learning_direction.intake.privacy import (
    DEFAULT_SALT_ENV,
    detect_identifiers,
    pseudonymise,
    pseudonymise_columns,
    resolve_salt,
    salt_problem,
    strip_identifiers,
)

SALT = "unit-test-salt-0123"


def test_pseudonyms_are_stable_and_salted():
    ids = pd.Series(["M001", "M002", "M001"], index=[10, 11, 12], name="mentor_id")
    a = pseudonymise(ids, SALT)
    b = pseudonymise(ids, SALT)
    c = pseudonymise(ids, SALT + "x")
    assert a.tolist() == b.tolist()
    assert a.iloc[0] == a.iloc[2] != a.iloc[1]
    assert set(a).isdisjoint(set(c))
    assert list(a.index) == [10, 11, 12] and a.name == "mentor_id"
    assert all(len(p) == 12 for p in a)


def test_pseudonym_formula():
    expected = hmac.new(SALT.encode(), b"M001", hashlib.sha256).hexdigest()[:16]
    assert pseudonymise(["M001"], SALT, length=16).iloc[0] == expected


def test_numeric_ids_match_across_types_and_missing_kept():
    p = pseudonymise([12, 12.0, " 12 ", np.nan, None, "13"], SALT, prefix="M-")
    assert p.iloc[0] == p.iloc[1] == p.iloc[2]
    assert p.iloc[0].startswith("M-")
    assert p.iloc[3:5].isna().all()
    assert p.iloc[5] != p.iloc[0]


def test_ids_never_survive():
    ids = [f"jane.doe{k}@example.org" for k in range(50)]
    p = pseudonymise(ids, SALT)
    assert not set(ids) & set(p)
    assert not any("jane" in x for x in p)


def test_pseudonymise_columns_keeps_joins():
    mentors = pd.DataFrame({"mentor_id": ["M1", "M2"], "x": [1, 2]})
    mentees = pd.DataFrame({"mentor_id": ["M2", "M1", "M2"], "y": [3, 4, 5]})
    pm = pseudonymise_columns(mentors, ["mentor_id"], SALT)
    pe = pseudonymise_columns(mentees, ["mentor_id"], SALT)
    joined = pe.merge(pm, on="mentor_id")
    assert len(joined) == 3
    assert mentors["mentor_id"].tolist() == ["M1", "M2"]  # input untouched
    with pytest.raises(DataValidationError, match="id column"):
        pseudonymise_columns(mentors, ["nope"], SALT)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.one_of(st.integers(), st.text(min_size=1)), min_size=1, max_size=30),
    st.text(min_size=16, max_size=30).filter(lambda s: salt_problem(s) is None),
)
def test_pseudonymise_properties(ids, salt):
    p = pseudonymise(ids, salt)
    assert len(p) == len(ids)
    # same id -> same pseudonym; different canonical ids -> different pseudonyms
    canon = [str(i).strip() for i in ids]
    for i in range(len(ids)):
        for j in range(len(ids)):
            if canon[i] and canon[j]:
                assert (p.iloc[i] == p.iloc[j]) == (canon[i] == canon[j])


def test_resolve_salt_from_env(monkeypatch):
    monkeypatch.setenv(DEFAULT_SALT_ENV, "from-the-environment")
    assert resolve_salt() == "from-the-environment"
    monkeypatch.setenv("OTHER_SALT", "other-environment")
    assert resolve_salt(salt_env="OTHER_SALT") == "other-environment"
    assert resolve_salt("given-directly-here") == "given-directly-here"


def test_resolve_salt_missing_says_how(monkeypatch):
    monkeypatch.delenv(DEFAULT_SALT_ENV, raising=False)
    with pytest.raises(
        ConfigError, match=r"LEARNING_DIRECTION_SALT is not set.*export LEARNING_DIRECTION_SALT"
    ):
        resolve_salt()
    with pytest.raises(ConfigError, match="too short"):
        resolve_salt("abc")
    with pytest.raises(ConfigError, match="too short"):
        pseudonymise([1], "short")


def test_bad_length():
    with pytest.raises(DataValidationError, match="length must be"):
        pseudonymise([1], SALT, length=4)


def test_strip_identifiers_removes_and_records():
    df = pd.DataFrame(
        {
            "ResponseId": ["R_1", "R_2"],
            "RecipientEmail": ["a@example.org", "b@example.org"],
            "IPAddress": ["192.0.2.1", "192.0.2.2"],
            "Q1": [3, 4],
        },
        index=[5, 6],
    )
    out, rec = strip_identifiers(df, ["RecipientEmail", "IPAddress"])
    assert list(out.columns) == ["ResponseId", "Q1"]
    assert list(out.index) == [5, 6]
    assert rec.removed == ("RecipientEmail", "IPAddress") and rec.n_rows == 2
    assert "removed 2 identifier column(s)" in rec.summary()
    # no identifier value survives anywhere in the output
    text = out.to_csv()
    assert "example.org" not in text and "192.0.2" not in text
    assert list(df.columns) == [
        "ResponseId",
        "RecipientEmail",
        "IPAddress",
        "Q1",
    ]  # input untouched


def test_strip_identifiers_typo_is_an_error():
    df = pd.DataFrame({"email": ["a@example.org"], "q": [1]})
    with pytest.raises(DataValidationError, match=r"'emial' \(did you mean 'email'\?\)"):
        strip_identifiers(df, ["emial"])
    out, rec = strip_identifiers(df, ["emial", "email"], missing="ignore")
    assert rec.not_found == ("emial",) and "email" not in out


def test_strip_identifiers_warns_about_unlisted_identifiers():
    df = pd.DataFrame(
        {"contact": ["a@example.org", "b@example.org"], "first_name": ["A", "B"], "q": [1, 2]}
    )
    with pytest.warns(DataQualityWarning, match="look like direct identifiers"):
        _, rec = strip_identifiers(df, [])
    assert set(rec.suspicious) == {"contact", "first_name"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        strip_identifiers(df, ["contact", "first_name"])


def test_detect_identifiers():
    df = pd.DataFrame(
        {
            "RecipientLastName": ["X"], "LocationLatitude": [1.0], "ip": ["10.0.0.1"],
            "Q2_1": [3], "cohort": ["2024"], "notes": ["fine"],
        }
    )  # fmt: skip
    assert detect_identifiers(df) == ["RecipientLastName", "LocationLatitude", "ip"]
