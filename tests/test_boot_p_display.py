"""Bootstrap p-values are never printed as 0: a stored 0 prints as p < 2/B.

The bootstrap p-value is 2 * min(share of draws <= 0, share >= 0), so its resolution is 2/B;
0 means no valid resample fell on the far side of zero. The number stays 0 in ``.table``
(documented), and every printer (summary, HTML, markdown, LaTeX, APA text) shows the bound.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import learning_direction as ld
from learning_direction._core.format import boot_p_floor, fmt_p_boot
from learning_direction._core.results import table_to_html, table_to_text
from learning_direction.reporting.tables import to_html, to_latex, to_markdown


@pytest.mark.parametrize(
    ("p", "b", "text"),
    [
        (0.0, 5000, "p < .0004"),
        (0.0, 1000, "p < .002"),
        (0.0, 2000, "p < .001"),
        (0.0, 3000, "p < .0007"),  # 2/3000 = .000667, rounded up: still a true bound
        (0.0, 200, "p < .010"),
        (0.0004, 5000, "p < .001"),
        (0.0124, 5000, "p = .012"),
        (float("nan"), 5000, "p = NA"),
    ],
)
def test_fmt_p_boot(p, b, text):
    assert fmt_p_boot(p, b) == text
    assert boot_p_floor(b) == pytest.approx(2 / b)


@pytest.fixture(scope="module")
def med():
    raw = ld.load_dataset("study2a")
    scales = ["learning_direction", "learning_opportunity", "mentor_engagement"]
    d = raw.join(ld.score(raw, scales).scores)
    return ld.mediate(
        d, x="downward", m="learning_opportunity", y="mentor_engagement",
        covariates=["upward", "lateral"], n_boot=1000, seed=1,
    )  # fmt: skip


def test_stored_zero_is_documented_and_kept(med):
    ind = med.table.set_index("term").loc["indirect:learning_opportunity"]
    assert ind["p_value"] == 0.0  # no resample below zero
    assert med.table.attrs["n_boot"] == med.n_boot - med.n_singular


def test_summary_prints_the_bound(med):
    text = med.summary()
    line = next(x for x in text.splitlines() if x.startswith("indirect:learning_opportunity"))
    assert line.rstrip().endswith("< .002")


@pytest.mark.parametrize("render", [table_to_text, table_to_html, to_markdown, to_html, to_latex])
def test_tables_print_the_bound(med, render):
    out = render(med.table)
    assert re.search(r"<\s?\.002", out.replace("&lt;", "<").replace("$<$", "<")), render.__name__


def test_tables_without_bootstrap_are_unchanged():
    tab = pd.DataFrame({"term": ["a"], "p_value": [0.0]})
    assert "< .0" not in table_to_text(tab)
    assert "&lt;.001" in to_html(tab)
