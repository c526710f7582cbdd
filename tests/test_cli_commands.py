"""The model subcommands (list-scales, regress, mixed, cfa, mediate with Word/Excel out), the
CLI's hints (flags, not Python arguments) and `evaluate --check` listing every problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import learning_direction as ld
from learning_direction import cli
from learning_direction.cli import main

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def grouped(tmp_path_factory) -> Path:
    rng = np.random.default_rng(11)
    g = np.repeat(np.arange(20), 8)
    x = rng.normal(size=g.size)
    y = 0.4 * x + rng.normal(0, 0.6, 20)[g] + rng.normal(size=g.size)
    m = 0.5 * x + rng.normal(size=g.size)
    path = tmp_path_factory.mktemp("cli") / "d.csv"
    pd.DataFrame({"g": g, "x": x, "m": m, "y": y + 0.3 * m}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("name", ["list-scales", "regress", "mixed", "cfa", "mediate"])
def test_help_has_an_example(name, capsys):
    assert main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"learning-direction {name}" in out
    if name != "list-scales":
        assert ".docx" in out  # --out takes Word and Excel files


def test_list_scales(capsys, tmp_path):
    assert main(["list-scales", "--out", str(tmp_path / "scales.xlsx")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Bundled scales") and "learning_direction" in out
    assert out.splitlines()[2].split()[:4] == ["Name", "Title", "Respondent", "Items"]
    sheet = openpyxl.load_workbook(tmp_path / "scales.xlsx").active
    names = [sheet.cell(row=r, column=1).value for r in range(4, 4 + len(ld.list_scales()))]
    assert names == ld.list_scales()["name"].tolist()


def test_regress_prints_the_apa_table_and_writes_word(grouped, capsys, tmp_path):
    out_file = tmp_path / "reg.docx"
    assert main(["regress", str(grouped), "--formula", "y ~ x + m", "--se", "HC3",
                 "--out", str(out_file)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    header = out.splitlines()[2].split()
    assert header[:3] == ["Term", "b", "SE"] and "ci_low" not in out and "p_value" not in out
    expected = ld.regress(pd.read_csv(grouped), "y ~ x + m", se="HC3")
    row = next(ln for ln in out.splitlines() if ln.startswith("x "))
    assert row.split()[1] == f"{expected.table.set_index('term').loc['x', 'estimate']:.3f}"
    assert "R² = ." in out and "n = 160" in out
    table = docx.Document(str(out_file)).tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["Term", "b", "SE"]


def test_mixed_writes_excel(grouped, capsys, tmp_path):
    out_file = tmp_path / "mixed.xlsx"
    assert main(["mixed", str(grouped), "--formula", "y ~ x", "--groups", "g",
                 "--out", str(out_file)]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.startswith("Linear mixed model: y ~ x, groups g (REML, satterthwaite df)")
    expected = ld.mixed(pd.read_csv(grouped), "y ~ x", groups="g")
    sheet = openpyxl.load_workbook(out_file).active
    assert sheet.cell(row=3, column=1).value == "Term"
    values = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in (4, 5)}
    assert values["x"] == pytest.approx(expected.table.set_index("term").loc["x", "estimate"])


def test_cfa_command(capsys, tmp_path):
    data = tmp_path / "s1.csv"
    ld.load_dataset("study1").to_csv(data, index=False)
    assert main(["cfa", str(data), "--scale", "learning_direction"]) == 0
    out = capsys.readouterr().out
    assert "CFI = ." in out and "RMSEA = ." in out and "ld_down_4" in out
    assert "Reversed" in out and "True" not in out


def test_mediate_out_docx(grouped, capsys, tmp_path):
    out_file = tmp_path / "med.docx"
    assert main(["mediate", str(grouped), "--x", "x", "--m", "m", "--y", "y", "--n-boot", "200",
                 "--seed", "1", "--no-progress", "--out", str(out_file)]) == 0  # fmt: skip
    doc = docx.Document(str(out_file))
    assert doc.tables and doc.tables[0].rows[1].cells[0].text == "a: m"


def test_hints_name_cli_flags(tmp_path, capsys):
    assert cli._cli_hint("read the first ('A'), pass sheet= for another") == (
        "read the first ('A'), pass --sheet NAME for another"
    )
    assert "--drop-previews" in cli._cli_hint("kept; pass drop_previews=True to leave them out")
    assert "--columns MAP.yaml" in cli._cli_hint("or pass columns={item_id: column_name}; x")
    # a real one: an answer outside the response range
    d = ld.load_dataset("study1").iloc[:30].copy()
    d.loc[d.index[0], "ld_up_1"] = 9
    path = tmp_path / "bad.csv"
    d.to_csv(path, index=False)
    assert main(["score", str(path), "--scale", "learning_direction"]) == 2
    err = capsys.readouterr().err
    assert "--invalid missing" in err and "invalid='missing'" not in err
    assert main(["score", str(path), "--scale", "learning_direction", "--invalid", "missing"]) == 0


def test_command_wording_is_forgotten_after_main_returns(tmp_path, capsys):
    """``evaluate`` words hints as config keys; a later in-process call (a notebook, the next
    test on the same worker) must get CLI flags again, whatever ran before it."""
    cfg = tmp_path / "missing.yaml"
    assert main(["evaluate", str(cfg), "--check"]) == 2
    capsys.readouterr()
    assert cli._cli_hint("pass sheet= for another") == "pass --sheet NAME for another"


def test_evaluate_check_lists_every_problem(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LEARNING_DIRECTION_SALT", "a3f9c2e7b41d8e06f5a9")  # the example reads it
    for f in ("mentors_qualtrics.csv", "mentees.sav"):
        (tmp_path / f).write_bytes((EXAMPLES / f).read_bytes())
    cfg = yaml.safe_load((EXAMPLES / "evaluation.yaml").read_text(encoding="utf-8"))
    cfg["scales"]["learning_direction"]["prefix"] = "Q9_"
    cfg["join"]["mentees"] = "mentor_cod"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    assert main(["evaluate", str(path), "--check"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"error: 2 problems in {path}:"
    assert err[1].startswith("  - join.mentees: column 'mentor_cod' is not in the mentees file")
    assert err[2].startswith("  - scales.learning_direction.prefix: 12 of the 12 item columns")
    assert err[2].endswith("prefixes that fit its 12 items: Q2_")
