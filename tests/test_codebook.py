"""Scale codebook: bundled instruments and every documented validation error."""

from __future__ import annotations

import re

import pytest
import yaml

import learning_direction as ld
from learning_direction.exceptions import ScaleDefinitionError
from learning_direction.scales.codebook import (
    check_unique_score_names,
    load_scale_file,
    resolve_scales,
    scale_from_dict,
)

EXPECTED = {
    "learning_direction",
    "mentor_engagement",
    "learning_opportunity",
    "mentor_motives",
    "mentoring_behaviors",
    "mentoring_functions",
    "mentee_experience",
    "hireability",
    "advocacy",
    "authenticity",
    "psychological_safety",
    "mutual_benefit_mentor",
    "mutual_benefit_mentee",
    "career_progress",
    "retention_intention_mentor",
    "retention_intention_mentee",
    "empathic_support",
    "manipulation_check",
    "learning_goal_orientation",
}


def _minimal(**over):
    spec = {"name": "demo", "response": {"min": 1, "max": 5}, "items": ["d1", "d2", "d3"]}
    spec.update(over)
    return spec


def test_list_scales_has_every_instrument():
    table = ld.list_scales()
    assert EXPECTED <= set(table["name"])
    assert list(table.columns) == [
        "name",
        "title",
        "respondent",
        "n_items",
        "subscales",
        "composites",
        "response",
        "source",
    ]
    assert (table["source"].str.len() > 20).all()


def test_bundled_scales_unique_ids_and_score_names():
    scales = [ld.load_scale(n) for n in ld.list_scales()["name"]]
    ids = [i for s in scales for i in s.item_ids]
    assert len(ids) == len(set(ids))
    names = [n for s in scales for n in s.score_names]
    assert len(names) == len(set(names))
    check_unique_score_names(scales)  # does not raise
    for s in scales:
        assert all(i.text for i in s.items), s.name
        prefix = {i.id.split("_")[0] for i in s.items}
        assert len(prefix) == 1, (s.name, prefix)


def test_learning_direction_structure():
    s = ld.load_scale("learning_direction")
    assert s.subscale_names == ["upward", "lateral", "downward"]
    for sub in s.subscales:
        assert len(sub.items) >= 4
        assert any(i.reverse for i in sub.items)
    assert (s.response_min, s.response_max) == (1, 7)


def test_specific_instruments():
    mot = ld.load_scale("mentor_motives")
    assert mot.subscale_names == [
        "self_enhancement",
        "personal_gain",
        "benefit_others",
        "intrinsic_satisfaction",
    ]
    assert dict(mot.composites) == {
        "self_focused": ("self_enhancement", "personal_gain"),
        "other_focused": ("benefit_others", "intrinsic_satisfaction"),
    }
    beh = ld.load_scale("mentoring_behaviors")
    assert beh.subscale_names == ["self_focused_behavior", "other_focused_behavior"]
    mf = ld.load_scale("mentoring_functions")
    assert mf.subscale_names == ["career_support", "psychosocial_support", "role_modeling"]
    assert "relationship_quality" in mf.composites
    assert len(ld.load_scale("hireability").items) == 3
    ps = ld.load_scale("psychological_safety")
    assert len(ps.items) == 7 and len(ps.reversed_ids) == 3
    assert ld.load_scale("mutual_benefit_mentor").subscale_names == [
        "mentor_gains_self",
        "mentor_gains_partner",
    ]
    assert ld.load_scale("mutual_benefit_mentee").subscale_names == [
        "mentee_gains_self",
        "mentee_gains_partner",
    ]
    assert ld.load_scale("hireability").respondent == "rater"
    assert ld.load_scale("advocacy").respondent == "mentee"


def test_load_from_path_and_dict(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(_minimal()))
    s = ld.load_scale(path)
    assert s.item_ids == ["d1", "d2", "d3"] and s.one_dimensional
    assert ld.load_scale(str(path)).name == "demo"
    assert ld.load_scale(_minimal()).score_names == ["demo"]
    assert "<table" in s._repr_html_()


def test_repr_html_escapes():
    s = scale_from_dict(_minimal(title="<b>x</b>"))
    assert "<b>x</b>" not in s._repr_html_()


# --------------------------------------------------------------- errors


def test_duplicate_item_id():
    spec = {
        "name": "demo",
        "response": {"min": 1, "max": 5},
        "subscales": {"a": {"items": ["q1", "q2"]}, "b": {"items": ["q3", "q1"]}},
    }
    with pytest.raises(ScaleDefinitionError, match=r"subscales\.b.*duplicate item id 'q1'"):
        scale_from_dict(spec)


@pytest.mark.parametrize(
    "response, pattern",
    [
        (None, "key 'response': missing"),
        ({"min": 1}, "key 'response': missing"),
        ({"min": 5, "max": 5}, r"min \(5\) must be smaller than max \(5\)"),
        ({"min": 7, "max": 1}, "must be smaller"),
        ({"min": "one", "max": 5}, "response.min.*must be a number"),
    ],
)
def test_bad_response_range(response, pattern):
    spec = _minimal()
    if response is None:
        del spec["response"]
    else:
        spec["response"] = response
    with pytest.raises(ScaleDefinitionError, match=pattern):
        scale_from_dict(spec, source="demo.yaml")


def test_composite_unknown_subscale():
    spec = {
        "name": "demo",
        "response": {"min": 1, "max": 5},
        "subscales": {"a": {"items": ["q1"]}, "b": {"items": ["q2"]}},
        "composites": {"ab": ["a", "c"]},
    }
    with pytest.raises(ScaleDefinitionError, match=r"composites\.ab.*unknown subscale 'c'"):
        scale_from_dict(spec)


def test_score_name_collision_across_scales():
    other = {
        "name": "other",
        "response": {"min": 1, "max": 5},
        "subscales": {"upward": {"items": ["o1"]}},
    }
    with pytest.raises(ScaleDefinitionError, match="score name 'upward' collides"):
        resolve_scales(["learning_direction", other])


def test_item_id_collision_across_scales():
    other = {"name": "other", "response": {"min": 1, "max": 5}, "items": ["ld_up_1"]}
    with pytest.raises(ScaleDefinitionError, match="item id 'ld_up_1'"):
        resolve_scales(["learning_direction", other])


def test_malformed_yaml_reports_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nresponse: {min: 1, max: 5\nitems: [a, b]\n")
    with pytest.raises(
        ScaleDefinitionError, match=r"bad\.yaml, line \d+, column \d+: malformed YAML"
    ):
        load_scale_file(path)


@pytest.mark.parametrize(
    ("response", "needle"),
    [
        ("{min: 1, max: .inf}", "key 'response.max': must be a finite number, got inf"),
        ("{min: .nan, max: 7}", "key 'response.min': must be a finite number, got nan"),
        ("{min: -.inf, max: 7}", "key 'response.min': must be a finite number"),
        ("{min: 1, max: 1" + "0" * 400 + "}", "key 'response.max': must be a finite number"),
        ("{min: 1, max: 7, labels: {.inf: Top}}", "must be a finite number"),
    ],
    ids=["max inf", "min nan", "min -inf", "max 10**400", "label inf"],
)
def test_non_finite_response_range_is_refused(tmp_path, response, needle):
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\nresponse: {response}\nitems: [a, b, c]\n")
    with pytest.raises(ScaleDefinitionError, match=re.escape(needle)) as info:
        load_scale_file(path)
    assert len(str(info.value)) < 300  # the 401-digit number is not echoed whole


def test_windows_1252_scale_file_names_the_byte_and_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes(
        "name: s\ntitle: Mentor\u2019s view\nresponse: {min: 1, max: 5}\nitems: [a, b]\n".encode(
            "cp1252"
        )
    )
    with pytest.raises(
        ScaleDefinitionError, match=r"s\.yaml, line 2: the scale file is not UTF-8"
    ) as e:
        load_scale_file(path)
    assert "0x92" in str(e.value) and "Windows-1252" in str(e.value)


def test_unknown_keys_of_mixed_types_are_listed_not_a_crash():
    with pytest.raises(ScaleDefinitionError, match="unknown item key"):
        scale_from_dict(_minimal(items=[{"id": "a", 1: "x", "b": 2}]))
    with pytest.raises(ScaleDefinitionError, match="unknown key"):
        scale_from_dict({**_minimal(), 3: "x", "colour": "red"})
    with pytest.raises(ScaleDefinitionError, match="unknown key"):
        scale_from_dict(_minimal(response={"min": 1, "max": 5, 2: "x", "y": 1}))


def test_unknown_scale_name_suggests():
    with pytest.raises(ScaleDefinitionError, match="Did you mean learning_direction") as info:
        ld.load_scale("learning_directon")
    assert "mentor_engagement" in str(info.value)  # lists the bundled scales


def test_file_not_found(tmp_path):
    with pytest.raises(ScaleDefinitionError, match="scale file not found"):
        ld.load_scale(tmp_path / "nope.yaml")


def test_other_definition_errors():
    with pytest.raises(ScaleDefinitionError, match="unknown key"):
        scale_from_dict(_minimal(colour="red"))
    with pytest.raises(ScaleDefinitionError, match="either 'subscales'"):
        scale_from_dict({"name": "x", "response": {"min": 1, "max": 5}})
    with pytest.raises(ScaleDefinitionError, match="min_answered"):
        scale_from_dict(_minimal(min_answered=0))
    with pytest.raises(ScaleDefinitionError, match="scoring"):
        scale_from_dict(_minimal(scoring="median"))
    with pytest.raises(ScaleDefinitionError, match="reverse"):
        scale_from_dict(_minimal(items=[{"id": "a", "reverse": "yes"}]))
    with pytest.raises(ScaleDefinitionError, match="outside the response range"):
        scale_from_dict(_minimal(response={"min": 1, "max": 5, "labels": {9: "x"}}))
