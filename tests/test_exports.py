"""Exports of results: LaTeX, Word (APA table style) and Excel, read back and checked.

Also the APA display of tables (headers, cells) shared by the notebook, markdown and the
report, and the short text a result shows in a plain REPL.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")

import learning_direction as ld  # noqa: E402
from learning_direction._core.apa_table import apa_frame, apa_html_table  # noqa: E402
from learning_direction._core.export import neutralise_formula  # noqa: E402
from learning_direction.studies._common import StudyBuilder  # noqa: E402


def _data(n: int = 120, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = 0.4 * m + 0.1 * x + rng.normal(size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y, "g": np.repeat(np.arange(n // 6), 6)})


@pytest.fixture(scope="module")
def med():
    return ld.mediate(_data(), x="x", m=["m"], y="y", n_boot=200, seed=1)


@pytest.fixture(scope="module")
def reg():
    return ld.regress(_data(), "y ~ x + m")


# ----------------------------------------------------------------------------- APA display


def test_apa_headers_and_cells():
    t = pd.DataFrame(
        {
            "term": ["a:m", "c_prime"],
            "estimate": [0.41, -0.052],
            "ci_low": [0.31, -0.17],
            "ci_high": [0.51, 0.07],
            "p_value": [0.00001, 0.0456],
            "beta": [0.32, -0.05],
            "htmt_below_85": [True, False],
            "n": [1200, 80],
        }
    )
    shown = apa_frame(t, markup=True)
    assert shown.headers == [
        "Term", "*b*", "95% CI *LL*", "95% CI *UL*", "*p*", "β", "HTMT < .85", "*n*",
    ]  # fmt: skip
    assert shown.frame["*p*"].tolist() == ["<.001", ".046"]
    assert shown.frame["β"].tolist() == [".32", "-.05"]
    assert shown.frame["HTMT < .85"].tolist() == ["Yes", "No"]
    assert shown.frame["*n*"].tolist() == ["1,200", "80"]
    assert shown.numeric == [False, True, True, True, True, True, False, True]
    html = apa_html_table(t)
    assert "<th class='num'><i>b</i></th>" in html and "\u22120.05" in html
    assert "True" not in html and "ci_low" not in html and "a:m" not in html
    assert "<td class='txt'><i>a</i>: m</td>" in html


def test_apa_html_escapes_user_strings():
    t = pd.DataFrame({"term": ["<script>*x*"], "group <b>": ["=A&B"], "estimate": [1.0]})
    html = apa_html_table(t)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "&amp;B" in html


def test_notebook_display_uses_the_report_formatter(reg):
    # p values read as in the report (.032, <.001), never 0.0000
    html = reg._repr_html_()
    assert "0.0000" not in html and "&lt;.001" in html and "<i>SE</i>" in html
    text = reg.summary()
    assert "<.001" in text and "p_value" not in text and "ci_low" not in text


# ----------------------------------------------------------------------------- exports


def test_to_latex(med, tmp_path):
    text = med.to_latex(tmp_path / "med.tex")
    assert (tmp_path / "med.tex").read_text() == text
    assert "\\toprule" in text and "\\textit{b} & \\textit{SE}" in text
    assert "learning" not in text and "\\textit{a}: m" in text and "$<$.001" in text
    assert "\\textit{Note.}" in text


def test_to_docx_apa_style(med, tmp_path):
    path = med.to_docx(tmp_path / "med.docx")
    doc = docx.Document(str(path))
    paras = [p for p in doc.paragraphs if p.text]
    number = next(p for p in paras if p.text == "Table 1")
    assert all(r.bold for r in number.runs)
    title = paras[paras.index(number) + 1]
    assert title.text == "Mediation analysis" and all(r.italic for r in title.runs)
    note = next(p for p in paras if p.text.startswith("Note."))
    assert note.runs[0].text == "Note." and note.runs[0].italic
    table = doc.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[:6] == ["Term", "b", "SE", "95% CI LL", "95% CI UL", "p"]
    assert table.rows[0].cells[1].paragraphs[0].runs[0].italic  # the symbol b is italic
    assert len(table.rows) == 1 + len(med.table)
    first = [c.text for c in table.rows[1].cells]
    assert first[0] == "a: m" and first[1] == f"{med.table['estimate'].iloc[0]:.2f}"
    # horizontal rules only: top and bottom of the table, no vertical or inner lines
    xml = table._tbl.xml
    assert 'w:insideV w:val="nil"' in xml and 'w:left w:val="nil"' in xml
    assert 'w:top w:val="single"' in xml and 'w:bottom w:val="single"' in xml


def test_to_excel_numbers_and_neutralised_text(tmp_path):
    t = pd.DataFrame(
        {"term": ["=HYPERLINK(\"x\")", "@cmd", "-0.5"], "estimate": [0.25, -1.5, 2.0],
         "p_value": [0.01, 0.5, 0.0001], "ok": [True, False, True]}
    )  # fmt: skip
    res = ld.regress(_data(), "y ~ x")
    builder = StudyBuilder("demo", "Demo", question="q", design="d")
    builder.table("coef", res.table, "Coefficients")
    builder.table("odd", t, "Formula-like cells")
    study = builder.build(n=1)
    path = study.to_excel(tmp_path / "demo.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Coefficients", "Formula-like cells"]
    coef = book["Coefficients"]
    assert coef["A1"].value == "Table 1" and coef["A2"].value == "Coefficients"
    headers = [c.value for c in coef[3]]
    assert headers[:4] == ["Term", "b", "SE", "t"]
    assert coef.cell(row=4, column=2).value == pytest.approx(res.table["estimate"].iloc[0])
    odd = book["Formula-like cells"]
    assert [odd.cell(row=r, column=1).value for r in (4, 5, 6)] == [
        "'=HYPERLINK(\"x\")", "'@cmd", "-0.5",
    ]  # fmt: skip
    assert [odd.cell(row=r, column=4).value for r in (4, 5, 6)] == ["Yes", "No", "Yes"]
    assert odd.cell(row=4, column=3).number_format == "0.000"


def test_study_to_docx_and_latex(tmp_path):
    res = ld.regress(_data(), "y ~ x")
    builder = StudyBuilder("demo", "Demo study", question="Does x go with y?", design="n = 120")
    builder.table("coef", res.table, "Coefficients of y")
    builder.table("fit", pd.DataFrame({"r2": [res.r2], "n": [res.n]}), "Fit")
    builder.text["main"] = "x and y go together, b = 0.10."
    study = builder.build(n=120)
    doc = docx.Document(str(study.to_docx(tmp_path / "s.docx")))
    texts = [p.text for p in doc.paragraphs]
    assert "Table 2" in texts and "Fit" in texts and "Question. Does x go with y?" in texts
    assert [c.text for c in doc.tables[1].rows[0].cells] == ["R²", "n"]
    assert doc.tables[1].rows[1].cells[0].text == f"{res.r2:.3f}".lstrip("0")
    tex = study.to_latex()
    assert tex.count("\\begin{table}") == 2 and "\\textit{R}²" in tex


def test_neutralise_formula():
    assert neutralise_formula("=1+1") == "'=1+1"
    assert neutralise_formula("+SUM(A1)") == "'+SUM(A1)"
    assert neutralise_formula("\tx") == "'\tx"
    assert neutralise_formula("-.05**") == "-.05**"
    assert neutralise_formula("plain") == "plain" and neutralise_formula(1.5) == 1.5


def test_export_rejects_a_wrong_extension(med, tmp_path):
    with pytest.raises(ValueError, match=r"\.docx"):
        med.to_docx(tmp_path / "x.doc")


# ----------------------------------------------------------------------------- REPL


def _result_classes() -> set[type]:
    import importlib
    import pkgutil

    from learning_direction._core.results import ResultMixin

    for m in pkgutil.walk_packages(ld.__path__, "learning_direction."):
        if not m.name.endswith("__main__"):
            importlib.import_module(m.name)
    out, todo = set(), [ResultMixin]
    while todo:
        for sub in todo.pop().__subclasses__():
            out.add(sub)
            todo.append(sub)
    return out


def test_every_result_class_has_the_short_repr():
    from learning_direction._core.results import ResultMixin

    classes = _result_classes()
    assert len(classes) > 15
    dumps = [c.__name__ for c in classes if c.__repr__ is not ResultMixin.__repr__]
    assert dumps == []


def test_repr_is_short(med, reg):
    data = _data()
    results = [
        med,
        reg,
        ld.mixed(data, "y ~ x", groups="g"),
        ld.moderate(data.assign(w=data["m"]), x="x", w="w", y="y"),
        ld.reliability(ld.load_dataset("study1"), "learning_direction"),
        ld.score(ld.load_dataset("study1"), "learning_direction"),
    ]
    for res in results:
        text = repr(res)
        lines = text.splitlines()
        assert 2 <= len(lines) <= 10 and len(text) <= 1000, (type(res).__name__, text)
        assert lines[0].startswith(f"<{type(res).__name__}: ")
        assert "DataFrame" not in text and "array(" not in text
