"""Tests for the `learning-direction` command line (in-process via main() and in subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from learning_direction import cli
from learning_direction.cli import build_parser, main
from learning_direction.exceptions import LearningDirectionError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SUBCOMMANDS = [
    "score",
    "reliability",
    "mediate",
    "moderate",
    "study",
    "report",
    "evaluate",
    "simulate",
    "power",
]
ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONWARNINGS": "ignore"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "learning_direction", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
        timeout=120,
    )


def one_error_line(stderr: str) -> str:
    lines = [
        ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith(("note:", "warning:"))
    ]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    return lines[0]


# ----------------------------------------------------------------------------- start-up and help


def test_help_is_fast_and_imports_nothing_heavy():
    code = (
        "import sys, io, contextlib\n"
        "from learning_direction.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    rc = main(['--help'])\n"
        "heavy = [m for m in ('pandas', 'numpy', 'scipy', 'statsmodels', 'matplotlib', 'pydantic') if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60
    )
    assert out.stdout.strip() == "0 []", out.stdout + out.stderr
    # wall time of the whole command, best of three (the machine may be busy)
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        res = run("--help")
        best = min(best, time.perf_counter() - t0)
        assert res.returncode == 0
    assert best < 0.5, f"learning-direction --help took {best:.3f} s"


def test_entry_point_script_if_installed():
    exe = Path(sys.executable).with_name("learning-direction")
    if not exe.exists():
        pytest.skip("console script not installed")
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, env=ENV, timeout=60)
    assert res.returncode == 0 and "evaluate" in res.stdout


def test_top_level_help_lists_subcommands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out
    assert "examples:" in out


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help_has_examples(capsys, name):
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"learning-direction {name}" in out


def test_seed_wherever_randomness_is_used():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in ("mediate", "study", "report", "simulate", "power"):
        opts = {o for a in sub.choices[name]._actions for o in a.option_strings}
        assert "--seed" in opts, name


def test_version_and_no_command(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("learning-direction ")
    assert main([]) == 0
    assert "usage" in capsys.readouterr().out


# ----------------------------------------------------------------------------- error handling


def test_usage_errors_are_one_line(capsys):
    assert main(["bogus"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "invalid choice: 'bogus'" in line
    assert main(["score", "x.csv"]) == 2
    assert "--scale" in one_error_line(capsys.readouterr().err)
    assert main(["mediate", "x.csv", "--x", "a", "--m", "b", "--y", "c", "--n-boot", "0"]) == 2
    assert "--n-boot: must be at least 1" in one_error_line(capsys.readouterr().err)
    assert main(["simulate", "--out", "x"]) == 2
    assert "--all" in one_error_line(capsys.readouterr().err)


def test_unexpected_error_is_one_line_with_debug_hint(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("something odd\nwith two lines")

    monkeypatch.setattr(cli, "_cmd_simulate", boom)
    assert main(["simulate", "--all", "--out", "x"]) == 1
    line = one_error_line(capsys.readouterr().err)
    assert "unexpected RuntimeError: something odd with two lines" in line and "--debug" in line
    with pytest.raises(RuntimeError):
        main(["simulate", "--all", "--out", "x", "--debug"])


def test_learning_direction_error_exits_2(monkeypatch, capsys):
    from learning_direction.exceptions import ModelError

    def bad(args):
        raise ModelError("predictors 'a' and 'b' are collinear; drop one")

    monkeypatch.setattr(cli, "_cmd_simulate", bad)
    assert main(["simulate", "--all", "--out", "x"]) == 2
    assert (
        one_error_line(capsys.readouterr().err)
        == "error: predictors 'a' and 'b' are collinear; drop one"
    )


def test_os_errors_exit_2(monkeypatch, capsys):
    def denied(args):
        raise PermissionError(13, "Permission denied", "/root/secret.csv")

    monkeypatch.setattr(cli, "_cmd_simulate", denied)
    assert main(["simulate", "--all", "--out", "x"]) == 2
    assert one_error_line(capsys.readouterr().err) == "error: /root/secret.csv: Permission denied"


def test_missing_backend_is_one_line():
    with pytest.raises(cli._Unavailable, match="'feature' is not available yet"):
        cli._backend("learning_direction.no_such_module", "feature")


def test_warnings_are_one_line(monkeypatch, capsys):
    from learning_direction.exceptions import DataQualityWarning

    def warn(args):
        warnings.warn("item q3 is constant;\n alpha is undefined", DataQualityWarning, stacklevel=1)
        return 0

    monkeypatch.setattr(cli, "_cmd_simulate", warn)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert main(["simulate", "--all", "--out", "x"]) == 0
    assert capsys.readouterr().err.strip() == "warning: item q3 is constant; alpha is undefined"


# ----------------------------------------------------------------------------- bad inputs (files, configs)


def _qualtrics_extra_row(path: Path) -> Path:
    path.write_text(
        "StartDate,Status,Progress,ResponseId,DistributionChannel,Q1_1\r\n"
        '"Start Date","Response Type",Progress,"Response ID","Distribution Channel","Item 1"\r\n'
        '"{""ImportId"":""startDate""}","{""ImportId"":""status""}","{""ImportId"":""progress""}",'
        '"{""ImportId"":""_recordId""}","{""ImportId"":""distributionChannel""}","{""ImportId"":""QID1_1""}"\r\n'
        '"{""ImportId"":""startDate""}","{""ImportId"":""status""}","{""ImportId"":""progress""}",'
        '"{""ImportId"":""_recordId""}","{""ImportId"":""distributionChannel""}","{""ImportId"":""QID1_1""}"\r\n'
        "2025-01-01 10:00:00,0,100,R_1,anonymous,3\r\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("setup", "argv", "needle"),
    [
        (lambda d: None, ["score", "{d}/missing.csv", "--scale", "learning_direction"], "missing.csv: file not found"),
        (lambda d: (d / "e.csv").write_bytes(b""), ["score", "{d}/e.csv", "--scale", "learning_direction"], "e.csv: the file is empty"),
        (lambda d: (d / "h.csv").write_text("a,b\n"), ["reliability", "{d}/h.csv", "--scale", "learning_direction"], "h.csv: the file has a header row but no data rows"),
        (lambda d: _qualtrics_extra_row(d / "q.csv"), ["score", "{d}/q.csv", "--scale", "learning_direction"], "q.csv: the Qualtrics header has 4 rows"),
        (lambda d: (d / "x.json").write_text("{}"), ["mediate", "{d}/x.json", "--x", "a", "--m", "b", "--y", "c"], "unknown file type '.json'"),
        (lambda d: None, ["evaluate", "{d}/nope.yaml"], "nope.yaml: config file not found"),
        (lambda d: (d / "bad.yaml").write_text("title: x\n  program: y\n"), ["evaluate", "{d}/bad.yaml"], "bad.yaml, line 2, column 10: malformed YAML"),
        (lambda d: (d / "c.yaml").write_text("program: p\ndata:\n  mentors:\n    path: gone.csv\n"), ["evaluate", "{d}/c.yaml", "--check"], "c.yaml, line 4, key 'data.mentors.path': file not found"),
    ],
    ids=["missing file", "empty file", "header only", "qualtrics extra row", "unknown extension",
         "missing config", "malformed config", "config points to missing file"],
)  # fmt: skip
def test_bad_inputs_in_process(tmp_path, capsys, setup, argv, needle):
    setup(tmp_path)
    code = main([a.replace("{d}", str(tmp_path)) for a in argv])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2, line
    assert needle in line


def test_bad_input_subprocess_has_no_traceback(tmp_path):
    (tmp_path / "h.csv").write_text("a,b\n")
    res = run("score", str(tmp_path / "h.csv"), "--scale", "learning_direction")
    assert res.returncode == 2
    assert "no data rows" in one_error_line(res.stderr)
    assert res.stdout == ""


def test_evaluate_check_example_config(capsys, monkeypatch):
    monkeypatch.setenv("LEARNING_DIRECTION_SALT", "a3f9c2e7b41d8e06f5a9")
    assert main(["evaluate", str(EXAMPLES / "evaluation.yaml"), "--check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("config OK") and "mentors_qualtrics.csv" in out


def test_evaluate_check_reads_the_files(tmp_path, capsys):
    """--check checks the config against the exports' columns: a misspelt column named by an
    analysis is an error before any model is fitted, and nothing is written."""
    pd.DataFrame({"ego": ["a", "b"], "level": ["up", "down"]}).to_csv(
        tmp_path / "networks.csv", index=False
    )
    pd.DataFrame({"rid": ["R1", "R2"], **{f"eng_{k}": [3, 4] for k in range(1, 7)}}).to_csv(
        tmp_path / "mentors.csv", index=False
    )
    (tmp_path / "c.yaml").write_text(
        "program: p\n"
        "data: {mentors: {path: mentors.csv}, networks: {path: networks.csv}}\n"
        "ids: {mentors: rid}\n"
        "scales: {mentor_engagement: {}}\n"
        "analyses: {networks: {ego: ego, level: levle}}\n"
        "privacy: {salt: test-salt-0123456789}\n"
        "output: out\n",
        encoding="utf-8",
    )
    code = main(["evaluate", str(tmp_path / "c.yaml"), "--check"])
    line = one_error_line(capsys.readouterr().err)
    assert code == 2
    assert "analyses.networks.level: column 'levle' (did you mean 'level'?)" in line
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- tables out


def test_write_table_formats(tmp_path):
    table = pd.DataFrame({"term": ["a|b", "<script>"], "estimate": [0.123456, np.nan]})
    csv_path, replaced = cli._write_table(table, str(tmp_path / "t.csv"))
    assert pd.read_csv(csv_path)["term"].tolist() == ["a|b", "<script>"] and not replaced
    assert cli._write_table(table, str(tmp_path / "t.csv"))[1]  # the second time it replaces
    md = cli._write_table(table, str(tmp_path / "sub" / "t.md"))[0].read_text()
    # the APA table: symbol headers, right-aligned numbers, an empty cell for NA
    assert md.splitlines()[0] == "| Term | *b* |" and md.splitlines()[1] == "| :--- | ---: |"
    assert "a\\|b" in md and "| 0.123 |" in md and "<script> |  |" in md
    page = cli._write_table(table, str(tmp_path / "t.html"), title="<b>T</b>")[0].read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;T&lt;/b&gt;" in page
    with pytest.raises(cli._BadInput, match=r"use a file ending in \.csv, \.xlsx, \.docx"):
        cli._write_table(table, str(tmp_path / "t.sav"))


def test_column_map(tmp_path):
    flat = tmp_path / "flat.yaml"
    flat.write_text("ld_up_1: Q2_1\nld_up_2: Q2_2\n")
    assert cli._column_map(str(flat)) == {"ld_up_1": "Q2_1", "ld_up_2": "Q2_2"}
    nested = tmp_path / "nested.yaml"
    nested.write_text("learning_direction: {ld_up_1: Q2_1}\nmentor_engagement: {eng_1: Q4_1}\n")
    assert cli._column_map(str(nested)) == {"ld_up_1": "Q2_1", "eng_1": "Q4_1"}
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1\n")
    with pytest.raises(LearningDirectionError, match="malformed YAML"):
        cli._column_map(str(bad))


# ----------------------------------------------------------------------------- with the analysis backends


def _ld_items(n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 3))
    cols = {}
    for k in range(3):
        for j in range(1, 5):
            x = np.clip(np.rint(4 + 1.2 * latent[:, k] + rng.normal(0, 0.7, n)), 1, 7)
            cols[f"Q2_{4 * k + j}"] = 8 - x if j == 4 else x
    df = pd.DataFrame(cols)
    df.insert(0, "rid", [f"R_{i}" for i in range(n)])
    return df


def test_score_command(tmp_path, capsys):
    pytest.importorskip("learning_direction.scales.scoring")
    data = tmp_path / "s.csv"
    _ld_items().to_csv(data, index=False)
    items = ["ld_up_1", "ld_up_2", "ld_up_3", "ld_up_4", "ld_lat_1", "ld_lat_2", "ld_lat_3", "ld_lat_4",
             "ld_down_1", "ld_down_2", "ld_down_3", "ld_down_4"]  # fmt: skip
    (tmp_path / "map.yaml").write_text(
        "".join(f"{i}: Q2_{k}\n" for k, i in enumerate(items, start=1))
    )
    out = tmp_path / "scores.csv"
    code = main(["score", str(data), "--scale", "learning_direction", "--columns", str(tmp_path / "map.yaml"),
                 "--id", "rid", "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["rid", "upward", "lateral", "downward"] and len(scores) == 40
    assert "upward" in capsys.readouterr().out
    # unknown scale and missing item columns: one line, exit 2
    assert main(["score", str(data), "--scale", "learning_directon"]) == 2
    assert "unknown scale 'learning_directon'" in one_error_line(capsys.readouterr().err)
    assert main(["score", str(data), "--scale", "learning_direction"]) == 2
    assert "ld_up_1" in one_error_line(capsys.readouterr().err)


def test_reliability_command(tmp_path, capsys):
    pytest.importorskip("learning_direction.scales.reliability")
    data = tmp_path / "s.csv"
    df = _ld_items()
    items = ["ld_up_1", "ld_up_2", "ld_up_3", "ld_up_4", "ld_lat_1", "ld_lat_2", "ld_lat_3", "ld_lat_4",
             "ld_down_1", "ld_down_2", "ld_down_3", "ld_down_4"]  # fmt: skip
    df.rename(columns={f"Q2_{k}": i for k, i in enumerate(items, start=1)}).to_csv(
        data, index=False
    )
    out = tmp_path / "alpha.md"
    assert main(["reliability", str(data), "--scale", "learning_direction", "--out", str(out)]) == 0
    assert "| α |" in out.read_text() and "downward" in out.read_text()


def _mediation_data(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    n = 80
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    w = rng.normal(size=n)
    y = 0.4 * m + 0.1 * x + 0.2 * x * w + rng.normal(size=n)
    path = tmp_path / "med.csv"
    pd.DataFrame({"x": x, "m": m, "w": w, "y": y}).to_csv(path, index=False)
    return path


def test_mediate_command(tmp_path, capsys):
    pytest.importorskip("learning_direction.models.mediation")
    data = _mediation_data(tmp_path)
    out = tmp_path / "med.csv.out.csv"
    argv = ["mediate", str(data), "--x", "x", "--m", "m", "--y", "y", "--n-boot", "300", "--seed", "5",
            "--no-progress", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    first = pd.read_csv(out)
    assert "indirect:m" in set(first["term"])
    assert main(argv) == 0  # same seed -> identical numbers
    pd.testing.assert_frame_equal(first, pd.read_csv(out))
    assert main(["mediate", str(data), "--x", "x", "--m", "nope", "--y", "y"]) == 2


def test_moderate_command(tmp_path, capsys):
    pytest.importorskip("learning_direction.models.moderation")
    data = _mediation_data(tmp_path)
    out = tmp_path / "mod.csv"
    assert main(["moderate", str(data), "--x", "x", "--w", "w", "--y", "y", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) >= 4
    capsys.readouterr()
    assert main(["moderate", str(data), "--x", "x", "--w", "nope", "--y", "y"]) == 2
    one_error_line(capsys.readouterr().err)


def test_power_wiring_with_a_stand_in_backend(monkeypatch, tmp_path, capsys):
    import types

    calls = {}

    class FakePower:
        table = pd.DataFrame(
            {
                "n": [50, 100],
                "power": [0.4, 0.7],
                "power_ci_low": [0.3, 0.6],
                "power_ci_high": [0.5, 0.8],
            }
        )

        def summary(self):
            return "Power analysis"

    def power_mediation(
        a, b, c_prime=0.0, n=(100,), n_reps=1000, n_boot=1000, alpha=0.05, seed=None
    ):
        calls.update(a=a, b=b, c_prime=c_prime, n=n, n_reps=n_reps, seed=seed)
        return FakePower()

    fake = types.ModuleType("learning_direction.models.power")
    fake.power_mediation = power_mediation
    monkeypatch.setitem(sys.modules, "learning_direction.models.power", fake)
    out = tmp_path / "p.csv"
    argv = [
        "power",
        "--a",
        "0.3",
        "--b",
        "0.4",
        "--n",
        "50",
        "100",
        "--reps",
        "20",
        "--seed",
        "9",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    assert calls == {"a": 0.3, "b": 0.4, "c_prime": 0.0, "n": [50, 100], "n_reps": 20, "seed": 9}
    assert "Power analysis" in capsys.readouterr().out
    assert pd.read_csv(out)["power"].tolist() == [0.4, 0.7]


def test_power_command_with_the_real_backend(tmp_path, capsys):
    pytest.importorskip("learning_direction.models.power")
    out = tmp_path / "power.csv"
    argv = ["power", "--a", "0.39", "--b", "0.39", "--n", "50", "100", "--reps", "50",
            "--n-boot", "500", "--method", "monte_carlo", "--seed", "3", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "Monte Carlo" in capsys.readouterr().out
    tab = pd.read_csv(out)
    assert tab["n"].tolist() == [50, 100]
    assert {"power", "power_ci_low", "power_ci_high"} <= set(tab.columns)
    assert main(["power", "--a", "0.39", "--b", "0.39", "--n", "50", "--method", "bca"]) == 2
    one_error_line(capsys.readouterr().err)
    assert main(["power", "--a", "0.99", "--b", "0.9", "--c-prime", "0.9", "--n", "50"]) == 2
    one_error_line(capsys.readouterr().err)


def test_python_m_cli_module():
    res = subprocess.run(
        [sys.executable, "-m", "learning_direction.cli", "--version"],
        capture_output=True, text=True, env=ENV, timeout=60,
    )  # fmt: skip
    assert res.returncode == 0 and res.stdout.startswith("learning-direction")
    assert res.stderr == ""
