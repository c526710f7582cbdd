"""Tests for the evaluation config (learning_direction.evaluation.config)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml

import learning_direction.evaluation
from learning_direction.evaluation.config import (
    LINK,
    CheckedConfig,
    ConfigProblems,
    EvaluationConfig,
    check_config,
    config_json_schema,
    load_config,
    write_schema,
)
from learning_direction.evaluation.prepare import read_exports
from learning_direction.exceptions import ConfigError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

BASE = """\
title: Test evaluation
program: Pilot program
data:
  mentors:
    path: mentors.csv
    missing_codes: [-9, 99]
  mentees:
    path: mentees.csv
ids:
  mentors: ResponseId
  mentees: mentee_id
join:
  mentors: ExternalReference
  mentees: mentor_code
identifiers:
  mentors: [RecipientEmail, IPAddress]
  mentees: [name]
scales:
  learning_direction:
    prefix: Q2_
  mentor_engagement:
    columns: {eng_1: Q4_1, eng_2: Q4_2}
  mentee_experience:
    prefix: Q7_
groups:
  cohort: cohort
  site: {mentors: site, mentees: site_code}
invited:
  mentors: {group: cohort, counts: {2024: 30, "2025": 25}}
analyses:
  reliability: true
  learning_direction_engagement:
    outcomes: [mentee_experience]
seed: 7
output: out
privacy:
  salt_env: MY_SALT
"""


def make(tmp_path, text: str = BASE, files=("mentors.csv", "mentees.csv")) -> Path:
    for f in files:
        (tmp_path / f).write_text("id\n1\n", encoding="utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_valid_config_loads_and_resolves_paths(tmp_path):
    cfg = load_config(make(tmp_path))
    assert isinstance(cfg, EvaluationConfig)
    assert cfg.data.mentors.path == (tmp_path / "mentors.csv").resolve()
    assert cfg.output == (tmp_path / "out").resolve()
    assert cfg.source == (tmp_path / "config.yaml").resolve()
    assert cfg.data.mentors.missing_codes == [-9, 99]
    assert cfg.data.mentors.drop_previews is True
    assert cfg.data.mentors.read_kwargs()["missing_codes"] == [-9, 99]
    assert cfg.invited["mentors"].counts == {"2024": 30, "2025": 25}
    assert cfg.analyses.reliability.enabled
    assert cfg.analyses.learning_direction_engagement.enabled
    assert cfg.analyses.learning_direction_engagement.focal == "downward"
    assert not cfg.analyses.motives.enabled
    assert cfg.groups["site"].mentees == "site_code"
    assert cfg.seed == 7 and cfg.privacy.salt_env == "MY_SALT"


def test_scale_column_maps(tmp_path):
    cfg = load_config(make(tmp_path))
    ld_ids = ["ld_up_1", "ld_up_2"]
    assert cfg.scales["learning_direction"].column_map(ld_ids) == {
        "ld_up_1": "Q2_1",
        "ld_up_2": "Q2_2",
    }
    eng = cfg.scales["mentor_engagement"].column_map(["eng_1", "eng_2", "eng_3"])
    assert eng == {"eng_1": "Q4_1", "eng_2": "Q4_2", "eng_3": "eng_3"}


def test_example_config_is_valid(monkeypatch):
    monkeypatch.setenv("LEARNING_DIRECTION_SALT", "a3f9c2e7b41d8e06f5a9")
    cfg = load_config(EXAMPLES / "evaluation.yaml")
    assert cfg.privacy.salt is None and cfg.privacy.salt_env == "LEARNING_DIRECTION_SALT"
    assert cfg.data.mentors.path.name == "mentors_qualtrics.csv"
    assert cfg.data.mentees.path.name == "mentees.sav"
    assert set(cfg.scales) >= {"learning_direction", "mentor_engagement", "mentee_experience"}
    assert cfg.privacy.resolve_salt()


def test_example_schema_is_up_to_date():
    shipped = json.loads((EXAMPLES / "evaluation.schema.json").read_text(encoding="utf-8"))
    assert shipped == config_json_schema(), "rerun python examples/make_examples.py"


def test_write_schema(tmp_path):
    path = write_schema(tmp_path / "s.json")
    schema = json.loads(path.read_text())
    assert schema["title"] == "EvaluationConfig"
    assert "data" in schema["required"] and "program" in schema["required"]
    assert EvaluationConfig.model_json_schema()["properties"]["seed"]["default"] == 20261122


def test_public_dict_redacts_salt(tmp_path):
    text = BASE.replace("salt_env: MY_SALT", "salt: a-very-secret-salt")
    cfg = load_config(make(tmp_path, text))
    d = cfg.public_dict()
    assert d["privacy"]["salt"] == "<redacted>"
    assert "a-very-secret-salt" not in json.dumps(d)


def test_analysis_shorthand(tmp_path):
    text = BASE.replace("  reliability: true", "  reliability: false\n  motives: true")
    cfg = load_config(make(tmp_path, text))
    assert not cfg.analyses.reliability.enabled and cfg.analyses.motives.enabled


def test_check_files_false(tmp_path):
    path = make(tmp_path, files=())
    cfg = load_config(path, check_files=False)
    assert cfg.data.mentors.path.name == "mentors.csv"


def _line_of(text: str, needle: str) -> int:
    for k, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return k
    raise AssertionError(needle)


# (description, edit of BASE, expected regex); the regex names the key and usually the line
BAD = [
    ("missing data file", lambda t: t.replace("path: mentees.csv", "path: nothere.csv"),
     r"line {nothere.csv}, key 'data\.mentees\.path': file not found: .*nothere\.csv"),
    ("unknown key (typo)", lambda t: t.replace("seed: 7", "seeed: 7"),
     r"line {seeed}, key 'seeed': unknown key 'seeed'; did you mean 'seed'\?"),
    ("nested unknown key", lambda t: t.replace("    missing_codes: [-9, 99]", "    missing_code: [-9, 99]"),
     r"line {missing_code}, key 'data\.mentors\.missing_code': unknown key"),
    ("wrong type", lambda t: t.replace("seed: 7", "seed: seven"),
     r"line {seed: seven}, key 'seed': .*integer.*'seven'"),
    ("negative seed", lambda t: t.replace("seed: 7", "seed: -1"),
     r"line {seed: -1}, key 'seed': .*greater than or equal to 0"),
    ("missing program", lambda t: t.replace("program: Pilot program\n", ""),
     r"key 'program': required key missing"),
    ("bad scale column map", lambda t: t.replace("columns: {eng_1: Q4_1, eng_2: Q4_2}", "columns: [Q4_1, Q4_2]"),
     r"line {Q4_1, Q4_2]}, key 'scales\.mentor_engagement\.columns': .*dictionary"),
    ("unknown item id", lambda t: t.replace("eng_2: Q4_2", "eng_9: Q4_2"),
     r"line {eng_9}, key 'scales\.mentor_engagement\.columns\.eng_9': 'eng_9' is not an item of scale 'mentor_engagement'"),
    ("unknown scale", lambda t: t.replace("  mentee_experience:\n", "  mentee_experiense:\n"),
     r"line {mentee_experiense}, key 'scales\.mentee_experiense': unknown scale 'mentee_experiense'\. Did you mean mentee_experience"),
    ("columns and prefix", lambda t: t.replace("    prefix: Q2_", "    prefix: Q2_\n    columns: {ld_up_1: Q1}"),
     r"key 'scales\.learning_direction': give either 'columns' or 'prefix', not both"),
    ("join incomplete", lambda t: t.replace("  mentees: mentor_code\n", ""),
     r"'join' must name the mentor-id column of each"),
    ("ids for an unconfigured file", lambda t: t.replace("ids:\n", "ids:\n  networks: ego\n"),
     r"'ids' names the 'networks' file but 'data' has no 'networks' entry"),
    ("invited group unknown", lambda t: t.replace("{group: cohort,", "{group: wave,"),
     r"invited\.mentors\.group 'wave' is not a key of 'groups'"),
    ("salt and salt_env", lambda t: t.replace("salt_env: MY_SALT", "salt_env: MY_SALT\n  salt: k3v9q2x7m4p8w1z6"),
     r"key 'privacy': give 'salt' or 'salt_env', not both"),
    ("short salt", lambda t: t.replace("salt_env: MY_SALT", "salt: abc"),
     r"line {salt: abc}, key 'privacy\.salt': the salt is too short \(3 characters, at least 16"),
    ("alpha warning out of range", lambda t: t + "report:\n  alpha_warning: 7\n",
     r"line {alpha_warning}, key 'report\.alpha_warning': .*less than 1"),
    ("bad ci", lambda t: t.replace("    outcomes: [mentee_experience]", "    outcomes: [mentee_experience]\n    ci: bootstrap"),
     r"key 'analyses\.learning_direction_engagement\.ci': .*'percentile', 'bca' or 'monte_carlo'"),
    ("focal not a predictor", lambda t: t.replace("    outcomes: [mentee_experience]", "    outcomes: [mentee_experience]\n    focal: sideways"),
     r"key 'analyses\.learning_direction_engagement': focal \(one of the predictors\) must be 'upward', 'lateral' or 'downward', got 'sideways'"),
    ("focal misspelt", lambda t: t.replace("    outcomes: [mentee_experience]", "    outcomes: [mentee_experience]\n    focal: downwards"),
     r"got 'downwards' \(did you mean 'downward'\?\)"),
    ("networks without file", lambda t: t.replace("  reliability: true", "  reliability: true\n  networks: {ego: id, level: lvl}"),
     r"analyses\.networks needs a 'networks' file"),
    ("networks true", lambda t: t.replace("  reliability: true", "  reliability: true\n  networks: true"),
     r"key 'analyses\.networks': networks needs its columns"),
    ("no data at all", lambda t: t.replace("data:\n  mentors:\n    path: mentors.csv\n    missing_codes: [-9, 99]\n  mentees:\n    path: mentees.csv\n", "data: {}\n"),
     r"key 'data': give at least one data file"),
    ("duplicate key", lambda t: t.replace("seed: 7", "seed: 7\nseed: 8"),
     r"line {seed: 8}, key 'seed': duplicate key \(first given on line {seed: 7}\)"),
    ("bad delimiter", lambda t: t.replace("    missing_codes: [-9, 99]", "    delimiter: ';;'"),
     r"key 'data\.mentors\.delimiter': .*at most 1 character"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "edit", "pattern"), BAD, ids=[b[0] for b in BAD])
def test_bad_config(tmp_path, case, edit, pattern):
    text = edit(BASE)
    assert text != BASE, case
    # {needle} in the pattern -> the 1-based line of the first line containing needle
    import re

    def line(m: re.Match) -> str:
        return str(_line_of(text, m.group(1)))

    regex = re.sub(r"\{([^}]+)\}", line, pattern)
    with pytest.raises(ConfigError, match=regex) as info:
        load_config(make(tmp_path, text))
    msg = str(info.value)
    assert msg.startswith("config.yaml, ")
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("title: x\nprogram: [unclosed\n", r"config\.yaml, line 3, column 1: malformed YAML"),
        ("title: x\n  program: y\n", r"config\.yaml, line 2, column 10: malformed YAML"),
        ("", r"config\.yaml: the config is empty"),
        ("- a\n- b\n", r"config\.yaml, line 1: the config must be a mapping"),
    ],
)
def test_malformed_yaml(tmp_path, text, pattern):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=pattern):
        load_config(path)


def test_config_not_found(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_custom_scale_file(tmp_path):
    (tmp_path / "my_scale.yaml").write_text(
        "name: my_scale\nrespondent: mentor\nresponse: {min: 1, max: 5}\nitems: [{id: a1}, {id: a2}]\n",
        encoding="utf-8",
    )
    text = BASE.replace(
        "scales:\n", "scales:\n  my_scale:\n    file: my_scale.yaml\n    columns: {a1: X1}\n"
    )
    cfg = load_config(make(tmp_path, text))
    assert cfg.scales["my_scale"].file == (tmp_path / "my_scale.yaml").resolve()
    bad = BASE.replace("scales:\n", "scales:\n  my_scale:\n    file: missing_scale.yaml\n")
    with pytest.raises(ConfigError, match=r"key 'scales\.my_scale\.file': file not found"):
        load_config(make(tmp_path, bad))
    wrong = BASE.replace("scales:\n", "scales:\n  other_name:\n    file: my_scale.yaml\n")
    with pytest.raises(ConfigError, match=r"the file defines scale 'my_scale'"):
        load_config(make(tmp_path, wrong))


def test_scale_file_without_its_dataset(tmp_path):
    text = (
        BASE.replace("  mentees:\n    path: mentees.csv\n", "")
        .replace("  mentees: mentee_id\n", "")
        .replace("  mentees: mentor_code\n", "")
        .replace("  mentees: [name]\n", "")
    )
    with pytest.raises(
        ConfigError,
        match=r"scale 'mentee_experience' is answered by mentees but 'data' has no 'mentees' file",
    ):
        load_config(make(tmp_path, text))


def test_reliability_scales_must_be_configured(tmp_path):
    """A misspelt scale under analyses.reliability.scales would silently skip that scale."""
    text = BASE.replace("  reliability: true", "  reliability:\n    scales: [learning_directon]")
    with pytest.raises(
        ConfigError,
        match=r"line \d+, key 'analyses\.reliability\.scales\.0': 'learning_directon' is not a "
        r"scale configured under 'scales' \(did you mean 'learning_direction'\?\)",
    ):
        load_config(make(tmp_path, text))
    off = BASE.replace("  reliability: true", "  reliability: {enabled: false, scales: [nope]}")
    assert not load_config(make(tmp_path, off)).analyses.reliability.enabled


# ----------------------------------------------------------------------------- check_config

SALT = "test-salt-0123456789"


def _exports(tmp: Path) -> None:
    eng = {f"eng_{k}": [k % 7 + 1, (k + 2) % 7 + 1, (k + 4) % 7 + 1] for k in range(1, 7)}
    pd.DataFrame(
        {"rid": ["R1", "R2", "R3"], "mentor": ["M1", "M2", "M3"], "email": ["a@x.org"] * 3,
         "cohort": ["A", "A", "B"], **eng}
    ).to_csv(tmp / "mentors.csv", index=False)  # fmt: skip
    pd.DataFrame(
        {"eid": ["E1", "E2", "E3", "E4"], "mentor_code": ["M1", "M1", "M2", "M3"],
         "outcome_x": [1.0, 2.5, 3.0, 2.0]}
    ).to_csv(tmp / "mentees.csv", index=False)  # fmt: skip
    pd.DataFrame({"ego": ["a", "a", "b"], "level": ["up", "down", "up"], "tie": [1, 3, 5]}).to_csv(
        tmp / "networks.csv", index=False
    )


def _checked(tmp: Path, **changes) -> CheckedConfig:
    _exports(tmp)
    cfg = {
        "program": "p",
        "data": {n: {"path": f"{n}.csv"} for n in ("mentors", "mentees", "networks")},
        "ids": {"mentors": "rid", "mentees": "eid"},
        "join": {"mentors": "mentor", "mentees": "mentor_code"},
        "identifiers": {"mentors": ["email"]},
        "scales": {"mentor_engagement": {}},
        "groups": {"cohort": "cohort"},
        "analyses": {"reliability": True},
        "privacy": {"salt": SALT},
        **changes,
    }
    path = tmp / "evaluation.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    loaded = load_config(path)
    return check_config(loaded, read_exports(loaded).surveys)


def test_check_config_gives_what_the_sections_use(tmp_path):
    eng = {"predictors": ["eng_1"], "focal": "eng_1", "outcomes": ["outcome_x"], "n_boot": 200}
    checked = _checked(tmp_path, analyses={"learning_direction_engagement": eng})
    assert checked.salt == SALT
    spec = checked.scales["mentor_engagement"]
    assert spec.dataset == "mentors" and spec.columns["eng_3"] == "eng_3"
    assert spec.score_names == ["mentor_engagement"]
    # identifiers removed; the join column replaced by the pseudonymised mentor link
    assert "email" not in checked.columns["mentors"] and "mentor" not in checked.columns["mentors"]
    assert checked.columns["mentors"][-1] == LINK and LINK in checked.columns["mentees"]
    assert LINK not in checked.columns["networks"]
    plan = checked.engagement
    assert plan is not None and plan.home == "mentors"
    (outcome,) = plan.outcomes
    assert (outcome.dataset, outcome.linked, outcome.is_score) == ("mentees", True, False)
    assert checked.motives is None and checked.networks is None


_ENG = {"predictors": ["eng_1"], "focal": "eng_1"}

# (description, config changes, expected message): every check that needs the files' columns
LATE = [
    ("id column missing", {"ids": {"mentors": "respondent", "mentees": "eid"}},
     r"ids\.mentors: column 'respondent' is not in the mentors file \(.*mentors\.csv\)"),
    ("id column listed as identifier", {"identifiers": {"mentors": ["email", "rid"]}},
     r"ids\.mentors: column 'rid' is not in the mentors file \(or it was listed under identifiers\)"),
    ("mentors join column missing", {"join": {"mentors": "mentr", "mentees": "mentor_code"}},
     r"join\.mentors: column 'mentr' is not in the mentors file; name its mentor-id column"),
    ("mentees join column missing", {"join": {"mentors": "mentor", "mentees": "code"}},
     r"join\.mentees: column 'code' is not in the mentees file"),
    ("group column missing", {"groups": {"cohort": {"mentors": "cohortx"}}},
     r"groups\.cohort\.mentors: column 'cohortx' is not in the mentors file"),
    ("group named as a score", {"groups": {"mentor_engagement": "cohort"}},
     r"score name\(s\) \['mentor_engagement'\] are also group names under 'groups'"),
    ("engagement score unknown", {"analyses": {"learning_direction_engagement": {"engagement": "nope", "outcomes": []}}},
     r"learning_direction_engagement\.engagement: score 'nope' is not produced by any configured scale"),
    ("predictor not in the engagement file", {"analyses": {"learning_direction_engagement": {"outcomes": []}}},
     r"'upward' is not a score or column of the mentors file, which holds 'mentor_engagement'"),
    ("outcome in no file", {"analyses": {"learning_direction_engagement": {**_ENG, "outcomes": ["nothing"]}}},
     r"outcomes: 'nothing' is not a score or column of any configured file"),
    ("outcome in the networks file", {"analyses": {"learning_direction_engagement": {**_ENG, "outcomes": ["tie"]}}},
     r"'tie' is in the networks file and 'mentor_engagement' in the mentors file, which cannot be linked"),
    ("motives scale not configured", {"analyses": {"motives": True}},
     r"analyses\.motives\.scale: scale 'mentor_motives' is not configured under 'scales'"),
    ("networks column misspelt", {"analyses": {"networks": {"ego": "ego", "level": "levle"}}},
     r"analyses\.networks\.level: column 'levle' \(did you mean 'level'\?\) is not in the networks file"),
    ("no salt", {"privacy": {"salt_env": "LD_TEST_UNSET_SALT_VAR"}},
     r"environment variable LD_TEST_UNSET_SALT_VAR is not set"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "changes", "pattern"), LATE, ids=[c[0] for c in LATE])
def test_check_config_catches_what_only_a_run_found_before(tmp_path, case, changes, pattern):
    with pytest.raises(ConfigError, match=pattern):
        _checked(tmp_path, **changes)


def test_config_error_is_raised_only_by_the_config_module():
    package = Path(learning_direction.evaluation.__file__).parent
    raisers = [
        str(p.relative_to(package))
        for p in sorted(package.rglob("*.py"))
        if "ConfigError(" in p.read_text(encoding="utf-8")
    ]
    assert raisers == ["config.py"]


# ----------------------------------------------------------------------------- every problem at once


def test_check_config_reports_a_wrong_prefix_with_the_prefixes_that_fit(tmp_path):
    with pytest.raises(ConfigProblems) as err:
        _checked(tmp_path, scales={"mentor_engagement": {"prefix": "engx_"}})
    (problem,) = err.value.problems
    assert problem.startswith("scales.mentor_engagement.prefix: 6 of the 6 item columns")
    assert "'engx_1'" in problem and "prefixes that fit its 6 items: eng_" in problem


def test_check_config_reports_every_problem_at_once(tmp_path):
    changes = {
        "scales": {"mentor_engagement": {"prefix": "Q4_"}},
        "join": {"mentors": "mentor", "mentees": "mentor_cod"},
        "ids": {"mentors": "respondent", "mentees": "eid"},
    }
    with pytest.raises(ConfigProblems) as err:
        _checked(tmp_path, **changes)
    problems = err.value.problems
    assert [p.split(":")[0] for p in problems] == [
        "ids.mentors", "join.mentees", "scales.mentor_engagement.prefix",
    ]  # fmt: skip
    assert "(did you mean 'mentor_code'" in problems[1]
    assert str(err.value).startswith("3 problems in the config: (1) ids.mentors")


def test_check_config_needs_the_sheet_of_a_workbook_with_several(tmp_path):
    _exports(tmp_path)
    mentors = pd.read_csv(tmp_path / "mentors.csv")
    with pd.ExcelWriter(tmp_path / "mentors.xlsx") as book:
        pd.DataFrame({"about": ["read me"]}).to_excel(book, sheet_name="About", index=False)
        mentors.to_excel(book, sheet_name="Responses", index=False)
    data = {"mentors": {"path": "mentors.xlsx"}, "mentees": {"path": "mentees.csv"}}
    with pytest.raises(ConfigProblems) as err:
        _checked(tmp_path, data=data)
    assert err.value.problems[0] == (
        "data.mentors.sheet: mentors.xlsx has 2 sheets ('About', 'Responses'); say which one "
        "holds the mentors with sheet: <name> under data.mentors"
    )
    data["mentors"]["sheet"] = "Responses"
    checked = _checked(tmp_path, data=data)
    assert "rid" in checked.columns["mentors"]
