"""Publication tables: "Table 1" (means, SDs, correlations, alphas) and table export.

Every table exports to markdown, HTML and LaTeX; user-provided strings are escaped in HTML
and LaTeX output.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._core.apa_table import apa_html_table, apa_markdown
from .._core.cells import csv_text
from .._core.data import require_columns
from .._core.export import ExportTable, latex_table
from .._core.results import ResultMixin, is_p_column
from ..exceptions import DataValidationError
from .apa import fmt_num, fmt_r, stars

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CorrelationTable",
    "correlation_table",
    "save_table",
    "table_note",
    "to_html",
    "to_latex",
    "to_markdown",
]


def to_markdown(table: pd.DataFrame, digits: int = 2) -> str:
    """A GitHub-flavoured markdown table with APA headers (``*b*``, ``*SE*``, ``*p*``) and
    cells (see :mod:`learning_direction._core.apa_table`; bootstrap p-values of 0 as ``< 2/B``)."""
    return apa_markdown(table, digits)


def table_note(table: pd.DataFrame) -> str | None:
    """The general note of an APA table: the abbreviations used and the bootstrap resamples.

    >>> table_note(pd.DataFrame({"estimate": [1.0], "ci_low": [0.5], "ci_high": [1.5]}))
    'CI = confidence interval; LL = lower limit; UL = upper limit.'
    """
    names = {str(c) for c in table.columns}
    parts = []
    if any(c.endswith(("ci_low", "ci_high")) for c in names):
        parts.append("CI = confidence interval; LL = lower limit; UL = upper limit.")
    n_boot = table.attrs.get("n_boot")
    if n_boot and any(is_p_column(c) for c in names):
        parts.append(f"p values from {int(n_boot):,} bootstrap resamples.")
    return " ".join(parts) or None


def to_html(table: pd.DataFrame, digits: int = 2, caption: str | None = None) -> str:
    """An APA table in HTML with every cell and header escaped.

    Headers are the APA symbols in italics (*b*, *SE*, 95% CI *LL* / *UL*, *p*, β, *R*²), p values
    read ``.032`` or ``<.001`` (a bootstrap p of 0 ``<`` 2/B), statistics bounded by 1 have no
    leading zero, negative numbers carry U+2212, booleans read Yes/No, text columns are
    left-aligned and numbers right-aligned (see :mod:`learning_direction._core.apa_table`). The
    caption is set above the table, outside it, so it wraps with the page; the table sits in a
    horizontally scrollable box so a wide table never breaks the page layout.
    """
    out = apa_html_table(table, digits)
    title = f"<p class='table-title'>{html.escape(caption)}</p>" if caption else ""
    return f"{title}<div class='ld-table-wrap'>{out}</div>"


def to_latex(
    table: pd.DataFrame, digits: int = 2, caption: str | None = None, label: str | None = None
) -> str:
    """A LaTeX ``table`` (booktabs rules only) with APA headers and special characters escaped
    (:func:`learning_direction._core.export.latex_table`)."""
    return latex_table(ExportTable(caption or "", table, note="", digits=digits), label)


def save_table(
    table: pd.DataFrame, path: str | Path, formats: Sequence[str] = ("csv", "md"), digits: int = 2
) -> list[Path]:
    """Write ``table`` as CSV (full precision) and markdown / HTML / LaTeX; returns the paths.

    In the CSV, a text cell starting like a spreadsheet formula (``=``, ``+``, ``-``, ``@``)
    gets a leading apostrophe (OWASP's advice against CSV injection); numbers stay numbers.
    """
    base = Path(path)
    if base.suffix:
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        out = base.with_suffix("." + fmt)
        if fmt == "csv":  # text cells that a spreadsheet would run as formulas neutralised
            out.write_bytes(csv_text(table).encode("utf-8"))
        elif fmt == "md":
            out.write_text(to_markdown(table, digits) + "\n", encoding="utf-8")
        elif fmt == "html":
            out.write_text(to_html(table, digits) + "\n", encoding="utf-8")
        elif fmt == "tex":
            out.write_text(to_latex(table, digits), encoding="utf-8")
        else:
            raise ValueError(f"unknown table format '{fmt}'; use csv, md, html or tex")
        written.append(out)
    return written


@dataclass(frozen=True)
class CorrelationTable(ResultMixin):
    """Table 1: means, SDs and correlations, with reliabilities on the diagonal.

    Attributes
    ----------
    table : DataFrame
        Formatted APA table: ``variable, n, m, sd`` then one column per variable number
        (``1``, ``2``, ...) with correlations (no leading zero) and stars in the lower triangle
        and alphas in parentheses on the diagonal.
    correlations, p_values, n_pairs : DataFrame
        Square matrices (pairwise-complete Pearson r, two-sided p, pairwise n).
    descriptives : DataFrame
        ``variable, n, mean, sd, min, max``.
    """

    table: pd.DataFrame
    correlations: pd.DataFrame
    p_values: pd.DataFrame
    n_pairs: pd.DataFrame
    descriptives: pd.DataFrame
    n: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    _title = "Means, standard deviations and correlations"

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Correlation heatmap (see :func:`learning_direction.figures.correlations.correlation_heatmap`)."""
        from ..figures.correlations import correlation_heatmap

        return correlation_heatmap(self.correlations, p_values=self.p_values, ax=ax, **kwargs)


def _pairwise_pearson(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete Pearson r, two-sided p and pair counts of the columns of ``x``."""
    k = x.shape[1]
    r = np.full((k, k), np.nan)
    p = np.full((k, k), np.nan)
    npair = np.zeros((k, k), dtype=int)
    for i in range(k):
        for j in range(k):
            ok = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            npair[i, j] = int(ok.sum())
            if i == j:
                r[i, j] = 1.0
                continue
            if j < i:
                r[i, j], p[i, j] = r[j, i], p[j, i]
                continue
            if npair[i, j] > 2 and np.std(x[ok, i]) > 0 and np.std(x[ok, j]) > 0:
                res = stats.pearsonr(x[ok, i], x[ok, j])
                r[i, j], p[i, j] = float(res.statistic), float(res.pvalue)
    return r, p, npair


def _apa_rows(
    cols: Sequence[str],
    desc: pd.DataFrame,
    r: np.ndarray,
    p: np.ndarray,
    *,
    labels: Mapping[str, str],
    alphas: Mapping[str, float],
    digits: int,
) -> pd.DataFrame:
    """The formatted Table 1: r with stars below the diagonal, alphas in parentheses on it."""
    rows = []
    for i, c in enumerate(cols):
        row = {
            "variable": f"{i + 1}. {labels.get(c, c)}",
            "n": int(desc.loc[i, "n"]),
            "m": fmt_num(desc.loc[i, "mean"], digits),
            "sd": fmt_num(desc.loc[i, "sd"], digits),
        }
        for j in range(len(cols)):
            if j < i:
                row[str(j + 1)] = fmt_r(r[i, j], digits) + stars(p[i, j])
            elif j == i:
                a = alphas.get(c)
                row[str(j + 1)] = f"({fmt_r(a, digits)})" if a is not None and a == a else "—"
            else:
                row[str(j + 1)] = ""
        rows.append(row)
    return pd.DataFrame(rows)


def correlation_table(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    labels: Mapping[str, str] | None = None,
    alphas: Mapping[str, float] | None = None,
    digits: int = 2,
) -> CorrelationTable:
    """Means, SDs and pairwise Pearson correlations with significance stars ("Table 1").

    Parameters
    ----------
    df : DataFrame
    columns : sequence of str
        Numeric columns, in table order.
    labels : mapping, optional
        Display names for the columns.
    alphas : mapping, optional
        Reliability (e.g. Cronbach's alpha) per column, shown in parentheses on the diagonal.
    digits : int
        Decimals in the formatted table.

    Returns
    -------
    CorrelationTable

    Notes
    -----
    Correlations use pairwise-complete observations (as ``cor(use = "pairwise")`` in R); the
    p value is the two-sided t test of r with n − 2 df (``cor.test``). Stars: * p < .05,
    ** p < .01, *** p < .001.

    References
    ----------
    American Psychological Association. (2020). *Publication manual of the American
    Psychological Association* (7th ed.).

    Examples
    --------
    Table 1 of Study 1 on the bundled data:

    >>> import learning_direction as ld
    >>> from learning_direction.reporting.tables import correlation_table
    >>> raw = ld.load_dataset("study1")
    >>> d = raw.join(ld.score(raw, ["learning_direction", "mentor_engagement"]).scores)
    >>> tab = correlation_table(d, ["downward", "upward", "lateral", "mentor_engagement"])
    >>> # R: psych::corr.test(d[, cols], use = "pairwise") or apaTables::apa.cor.table(d[, cols])
    >>> print(tab.table.to_string(index=False))  # doctest: +NORMALIZE_WHITESPACE
                variable   n    m   sd      1      2      3 4
             1. downward 300 4.59 1.25      —
               2. upward 300 4.52 1.13   .12*      —
              3. lateral 299 4.82 1.16  .18** .31***      —
    4. mentor_engagement 284 4.62 1.20 .43*** .26*** .27*** —
    >>> print(round(tab.correlations.loc["downward", "mentor_engagement"], 3))
    0.43
    """
    cols = list(columns)
    require_columns(df, cols, "correlation_table")
    data = df[cols]
    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise DataValidationError(f"correlation_table needs numeric columns; not numeric: {bad}")
    labels = dict(labels or {})
    r, p, npair = _pairwise_pearson(data.to_numpy(dtype=float))
    desc = pd.DataFrame(
        {
            "variable": [labels.get(c, c) for c in cols],
            "n": data.notna().sum().to_numpy(),
            "mean": data.mean().to_numpy(),
            "sd": data.std(ddof=1).to_numpy(),
            "min": data.min().to_numpy(),
            "max": data.max().to_numpy(),
        }
    )
    table = _apa_rows(cols, desc, r, p, labels=labels, alphas=alphas or {}, digits=digits)
    notes = ["Correlations use pairwise-complete data. * p < .05, ** p < .01, *** p < .001."]
    if alphas:
        notes.append("Cronbach's alpha in parentheses on the diagonal.")
    idx = [labels.get(c, c) for c in cols]
    return CorrelationTable(
        table=table,
        correlations=pd.DataFrame(r, index=idx, columns=idx),
        p_values=pd.DataFrame(p, index=idx, columns=idx),
        n_pairs=pd.DataFrame(npair, index=idx, columns=idx),
        descriptives=desc,
        n=len(df),
        notes=tuple(notes),
    )
