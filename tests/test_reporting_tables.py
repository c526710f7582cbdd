"""Table 1 (correlations) against closed forms, table export, and HTML escaping in reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from learning_direction import DataValidationError
from learning_direction.reporting.html import HtmlReport
from learning_direction.reporting.tables import (
    correlation_table,
    save_table,
    to_html,
    to_latex,
    to_markdown,
)

EVIL = "<script>alert('x')</script>"


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    d = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    d["b"] += 0.5 * d["a"]
    d.loc[[3, 7], "c"] = np.nan
    return d


def test_correlations_match_pairwise_pearson(data):
    res = correlation_table(data, ["a", "b", "c"], alphas={"a": 0.81})
    ok = data[["a", "c"]].dropna()
    r, p = stats.pearsonr(ok["a"], ok["c"])
    assert res.correlations.loc["a", "c"] == pytest.approx(r, rel=1e-12)
    assert res.p_values.loc["c", "a"] == pytest.approx(p, rel=1e-12)
    assert res.n_pairs.loc["a", "c"] == 78
    assert res.correlations.loc["a", "b"] == pytest.approx(data["a"].corr(data["b"]), rel=1e-12)
    assert res.descriptives["sd"].iloc[0] == pytest.approx(data["a"].std(), rel=1e-12)
    # formatted: alpha in parentheses on the diagonal, stars below it, blank above
    assert res.table.loc[0, "1"] == "(.81)"
    assert res.table.loc[1, "1"].endswith("***")
    assert res.table.loc[0, "2"] == ""


def test_correlation_table_rejects_text_columns(data):
    data["g"] = "x"
    with pytest.raises(DataValidationError, match="numeric"):
        correlation_table(data, ["a", "g"])


def test_exports_escape_user_strings(tmp_path):
    df = pd.DataFrame({EVIL: [1.23456], "group": [EVIL], "pct": ["50% & more_x"]})
    assert "<script>" not in to_html(df)
    assert "&lt;script&gt;" in to_html(df)
    tex = to_latex(df)
    assert r"\&" in tex and r"\_" in tex
    md = to_markdown(df)
    assert "1.23" in md
    paths = save_table(df, tmp_path / "t", formats=("csv", "md", "html", "tex"))
    assert [p.suffix for p in paths] == [".csv", ".md", ".html", ".tex"]


def test_html_report_escapes_everything(tmp_path):
    rep = HtmlReport(title=EVIL, subtitle=EVIL)
    sec = rep.section(EVIL)
    sec.paragraph(EVIL).apa(EVIL).plain(EVIL).warning(EVIL).bullets([EVIL]).heading(EVIL)
    sec.table(pd.DataFrame({EVIL: [EVIL]}), caption=EVIL)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2])
    sec.figure(fig, caption=EVIL)
    plt.close(fig)
    rep.footer(EVIL)
    text = rep.save(tmp_path / "r.html").read_text()
    assert "<script>" not in text
    assert text.count("&lt;script&gt;") >= 10
    assert "data:image/png;base64," in text


def test_html_tables_show_apa_p_values_and_scroll():
    df = pd.DataFrame({"term": ["a", "b"], "p_value": [0.00002, 0.0456], "estimate": [1.5, -0.25]})
    out = to_html(df, digits=2)
    assert "&lt;.001" in out and ".046" in out and "0.046" not in out
    assert "1.50" in out and "\u22120.25" in out
    assert out.startswith("<div class='ld-table-wrap'>")


def test_html_report_comes_from_the_packaged_templates():
    from importlib.resources import files

    templates = files("learning_direction.reporting") / "templates"
    assert (templates / "report.html.j2").is_file() and (templates / "report.css").is_file()
    rep = HtmlReport(title="It's <here>", subtitle=None)
    sec = rep.section("A & B").heading("h", level=4).raw_html("<em>ours</em>")
    sec.table(pd.DataFrame({"p_value": [0.0004]}), caption="c")
    page = rep.render()
    assert page.startswith("<!DOCTYPE html>") and "table.ld-table" in page  # the CSS
    assert "<title>It&#x27;s &lt;here&gt;</title>" in page  # escaped as html.escape does
    assert "<h2>A &amp; B</h2>" in page and "<a href='#a-b'>A &amp; B</a>" in page
    assert "<h4>h</h4>" in page and "<em>ours</em>" in page and "&lt;.001" in page
    assert "class='subtitle'" not in page


def test_report_tables_are_apa_tables():
    rep = HtmlReport(title="t")
    sec = rep.section("S")
    coef = pd.DataFrame(
        {"term": ["x"], "estimate": [-0.25], "se": [0.1], "ci_low": [-0.45], "ci_high": [-0.05],
         "p_value": [0.012], "beta": [-0.21]}
    )  # fmt: skip
    sec.table(coef, caption="Table 1. Coefficients <of y>")
    sec.table(pd.DataFrame({"id": range(40), "flags": ["a b c"] * 40}), caption="Per respondent",
              csv_href="tables/s_people.csv")  # fmt: skip
    sec.note("the note")
    sec.apa("x predicted y, b = -0.25, SE = 0.10, p = .012.")
    page = rep.render()
    # numbered by the page (the caption's own "Table 1." is dropped), title above, escaped
    assert (
        "<p class='table-number'>Table 1</p><p class='table-title'>Coefficients &lt;of y&gt;</p>"
        in page
    )
    assert "<p class='table-number'>Table 2</p>" in page
    header = page.split("<thead><tr>")[1].split("</tr></thead>")[0]
    assert header == (
        "<th class='txt'>Term</th><th class='num'><i>b</i></th><th class='num'><i>SE</i></th>"
        "<th class='num'>95% CI <i>LL</i></th><th class='num'>95% CI <i>UL</i></th>"
        "<th class='num'><i>p</i></th><th class='num'>β</th>"
    )
    assert "<td class='num'>\u22120.25</td>" in page and "<td class='num'>\u2212.21</td>" in page
    assert "<td class='num'>.012</td>" in page
    assert "<p class='table-note'><em>Note.</em> CI = confidence interval" in page
    # a per-respondent listing is folded, with its size and the CSV file
    assert "<details><summary>40 rows: show the table</summary>" in page
    assert "<a href='tables/s_people.csv'>" in page
    assert "<p class='note'><em>Note.</em> the note</p>" in page
    assert "<i>b</i> = \u22120.25, <i>SE</i> = 0.10, <i>p</i> = .012." in page
