"""APA 7 display of a tidy table: the one mapping from column names to headers, and the cells.

A result's ``.table`` keeps snake_case column names (``estimate, se, ci_low, ci_high,
p_value``) and full-precision numbers. What a reader sees — the notebook display, the HTML
report, markdown files, Word and Excel exports — goes through :func:`apa_frame`, which

* names each column by its APA symbol (:data:`COLUMN_HEADERS`): *b*, *SE*, 95% CI *LL* / *UL*,
  *p*, β, *R*², Δ*R*², *n*, ... Headers are written in a small markup where ``*x*`` is italic,
  so that the same text serves markdown as is, HTML (``<i>x</i>``, :func:`markup_to_html`) and
  plain text (:func:`markup_to_text`);
* formats every number with :mod:`~learning_direction._core.format` (p values as ``.032`` or
  ``<.001``, no leading zero for statistics bounded by 1, integers for counts, percentages
  for rates, the typographic minus U+2212 when asked);
* shows booleans as ``Yes`` / ``No``, never ``True`` / ``False``;
* labels model terms (``a:learning_opportunity`` -> ``*a*: learning_opportunity``).

Examples
--------
>>> import pandas as pd
>>> from learning_direction._core.apa_table import apa_frame
>>> t = pd.DataFrame({"term": ["a:m", "c_prime"], "estimate": [0.41, -0.052],
...                   "se": [0.05, 0.06], "ci_low": [0.31, -0.17], "ci_high": [0.51, 0.07],
...                   "p_value": [0.00001, 0.39]})
>>> shown = apa_frame(t, markup=False)
>>> list(shown.frame.columns)
['Term', 'b', 'SE', '95% CI LL', '95% CI UL', 'p']
>>> shown.frame.iloc[:, :3].values.tolist()
[['a: m', '0.41', '0.05'], ['c′', '-0.05', '0.06']]
>>> shown.frame["p"].tolist()
['<.001', '.390']
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .format import MINUS, fmt_num, fmt_p_boot, is_missing

__all__ = [
    "COLUMN_HEADERS",
    "ApaFrame",
    "apa_frame",
    "apa_html_table",
    "apa_markdown",
    "apa_text",
    "column_header",
    "markup_to_html",
    "markup_to_text",
    "term_label",
]

Kind = Literal["text", "p", "bounded", "number", "count", "bool", "percent", "df"]

#: internal column name -> (header in ``*italic*`` markup, kind of value). ``{ci}`` is the CI
#: level in percent (from ``table.attrs["ci_level"]``, default 95).
COLUMN_HEADERS: dict[str, tuple[str, Kind]] = {
    # coefficients
    "term": ("Term", "text"),
    "estimate": ("*b*", "number"),
    "effect": ("Effect", "number"),
    "coef": ("*b*", "number"),
    "se": ("*SE*", "number"),
    "boot_se": ("Bootstrap *SE*", "number"),
    "std_error": ("*SE*", "number"),
    "sobel_se": ("Sobel *SE*", "number"),
    "ci_low": ("{ci}% CI *LL*", "number"),
    "ci_high": ("{ci}% CI *UL*", "number"),
    "boot_ci_low": ("Bootstrap {ci}% CI *LL*", "number"),
    "boot_ci_high": ("Bootstrap {ci}% CI *UL*", "number"),
    "p_value": ("*p*", "p"),
    "p": ("*p*", "p"),
    "p_delta": ("*p* (Δχ²)", "p"),
    "p_adjusted": ("Adjusted *p*", "p"),
    "beta": ("β", "bounded"),
    "std_beta": ("β", "bounded"),
    "std_all": ("β", "bounded"),
    "std_estimate": ("β", "bounded"),
    "t": ("*t*", "number"),
    "t_value": ("*t*", "number"),
    "z": ("*z*", "number"),
    "z_value": ("*z*", "number"),
    "f": ("*F*", "number"),
    "f_value": ("*F*", "number"),
    "f_change": ("*F* change", "number"),
    "df": ("*df*", "df"),
    "df1": ("*df*₁", "df"),
    "df2": ("*df*₂", "df"),
    "delta_df": ("Δ*df*", "df"),
    # model fit
    "r2": ("*R*²", "bounded"),
    "adj_r2": ("Adjusted *R*²", "bounded"),
    "delta_r2": ("Δ*R*²", "bounded"),
    "r2_change": ("Δ*R*²", "bounded"),
    "chisq": ("χ²", "number"),
    "chi2": ("χ²", "number"),
    "delta_chisq": ("Δχ²", "number"),
    "cfi": ("CFI", "bounded"),
    "tli": ("TLI", "bounded"),
    "rmsea": ("RMSEA", "bounded"),
    "srmr": ("SRMR", "bounded"),
    "delta_cfi": ("ΔCFI", "bounded"),
    "delta_rmsea": ("ΔRMSEA", "bounded"),
    "aic": ("AIC", "number"),
    "bic": ("BIC", "number"),
    "loglik": ("Log-likelihood", "number"),
    "icc": ("ICC", "bounded"),
    "icc1": ("ICC(1)", "bounded"),
    "icc2": ("ICC(2)", "bounded"),
    # descriptives and reliability
    "variable": ("Variable", "text"),
    "scale": ("Scale", "text"),
    "item": ("Item", "text"),
    "n": ("*n*", "count"),
    "n_items": ("Items", "count"),
    "n_obs": ("*n*", "count"),
    "mean": ("*M*", "number"),
    "m": ("*M*", "number"),
    "sd": ("*SD*", "number"),
    "min": ("Min", "number"),
    "max": ("Max", "number"),
    "median": ("*Mdn*", "number"),
    "r": ("*r*", "bounded"),
    "alpha": ("α", "bounded"),
    "std_alpha": ("Standardized α", "bounded"),
    "alpha_ci_low": ("α {ci}% CI *LL*", "bounded"),
    "alpha_ci_high": ("α {ci}% CI *UL*", "bounded"),
    "average_r": ("Mean inter-item *r*", "bounded"),
    "g6": ("Guttman λ₆", "bounded"),
    "omega_total": ("ω (total)", "bounded"),
    "omega": ("ω", "bounded"),
    "omega_h": ("ω (hierarchical)", "bounded"),
    "r_drop": ("Corrected item–total *r*", "bounded"),
    "raw_r": ("Item–total *r*", "bounded"),
    "alpha_if_deleted": ("α if item deleted", "bounded"),
    "loading": ("λ", "bounded"),
    "ave": ("AVE", "bounded"),
    "cr": ("CR", "bounded"),
    "htmt": ("HTMT", "bounded"),
    "htmt_below_85": ("HTMT < .85", "bool"),
    # effect sizes and sensitivity
    "eta2": ("η²", "bounded"),
    "omega2": ("ω²", "bounded"),
    "hedges_g": ("Hedges’ *g*", "number"),
    "g": ("*g*", "number"),
    "cohens_d": ("Cohen’s *d*", "number"),
    "d": ("*d*", "number"),
    "odds_ratio": ("*OR*", "number"),
    "or": ("*OR*", "number"),
    "tau2": ("τ²", "number"),
    "sigma2": ("σ²", "number"),
    "smd": ("SMD", "number"),
    "evalue": ("E-value", "number"),
    "evalue_ci": ("E-value (CI limit)", "number"),
    "rho": ("ρ", "bounded"),
    "rho_at_zero": ("ρ at zero", "bounded"),
    "rho_ci_includes_zero": ("ρ CI includes 0", "bool"),
    "r2_star_at_zero": ("*R*²⋆ at zero", "bounded"),
    "r2_tilde_at_zero": ("*R̃*² at zero", "bounded"),
    "r2_star_prod": ("*R*²⋆ product", "bounded"),
    "r2_tilde_prod": ("*R̃*² product", "bounded"),
    "fornell_larcker": ("Fornell–Larcker met", "bool"),
    "correlation": ("*r*", "bounded"),
    "statistic": ("Statistic", "number"),
    "indirect": ("Indirect", "number"),
    # power and rates
    "power": ("Power", "bounded"),
    "power_ci_low": ("Power {ci}% CI *LL*", "bounded"),
    "power_ci_high": ("Power {ci}% CI *UL*", "bounded"),
    "response_rate": ("Response rate", "percent"),
    "rate": ("Rate", "percent"),
    "share": ("Share", "percent"),
    "proportion": ("Proportion", "bounded"),
    "invited": ("Invited", "count"),
    "sha256": ("SHA-256", "text"),
    "responded": ("Responded", "count"),
}

_TERM_PARTS = {
    "a": "*a*",
    "b": "*b*",
    "indirect": "Indirect",
    "indirect_std": "Indirect (completely standardized)",
    "indirect_partial_std": "Indirect (partially standardized)",
    "contrast": "Contrast",
    "direct": "Direct",
    "index": "Index",
}
_TERM_WHOLE = {
    "c_prime": "*c*′",
    "c": "*c*",
    "indirect_total": "Total indirect",
    "Intercept": "Intercept",
}
#: a column ``<stat><suffix>`` is headed ``<header of stat> <label>``
_SUFFIXES: dict[str, tuple[str, Kind | None]] = {
    "_ci_low": ("{ci}% CI *LL*", None),
    "_ci_high": ("{ci}% CI *UL*", None),
    "_mean": ("*M*", "number"),
    "_sd": ("*SD*", "number"),
}
_PLACEHOLDERS = {"—", "–", "NA", "-"}
_NUMBER_TEXT = re.compile(r"^\(?-?\d*\.?\d+\)?\**$")


def markup_to_html(markup: str) -> str:
    """``*b*`` -> ``<i>b</i>``; everything else escaped."""
    parts = str(markup).split("*")
    out = []
    for k, part in enumerate(parts):
        text = html.escape(part)
        out.append(f"<i>{text}</i>" if k % 2 == 1 and k < len(parts) - 1 else text)
    if len(parts) % 2 == 0:  # an unmatched '*' is kept as a character
        out.insert(len(out) - 1, "*")
    return "".join(out)


def markup_to_text(markup: str) -> str:
    """``*b*`` -> ``b`` (plain text)."""
    return str(markup).replace("*", "")


def _humanise(name: str) -> str:
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


def _escape_markup(text: str) -> str:
    return str(text).replace("*", "\\*")


def term_label(term: Any) -> str:
    """A model term in ``*italic*`` markup: ``a:m`` -> ``*a*: m``, ``c_prime`` -> ``*c*′``.

    The variable names inside a term are the user's and stay as written.

    >>> term_label("indirect:learning_opportunity"), term_label("c_prime"), term_label("x")
    ('Indirect: learning_opportunity', '*c*′', 'x')
    """
    text = str(term)
    if text in _TERM_WHOLE:
        return _TERM_WHOLE[text]
    head, sep, rest = text.partition(":")
    if sep and head in _TERM_PARTS:
        rest = rest.replace("->", " → ")
        if head == "contrast":
            rest = rest.replace("-", " − ")
        return f"{_TERM_PARTS[head]}: {_escape_markup(rest)}"
    return _escape_markup(text)


def column_header(name: Any, ci_level: float = 0.95) -> tuple[str, Kind | None]:
    """The APA header (``*italic*`` markup) of a column and the kind of its values.

    Unknown names are humanised (``n_dropped`` -> ``N dropped``) and their kind is left to the
    data (``None``). A column named like a term (``a:m``) is labelled as the term.

    >>> column_header("ci_low"), column_header("p_value")
    (('95% CI *LL*', 'number'), ('*p*', 'p'))
    """
    key = str(name)
    found = COLUMN_HEADERS.get(key) or COLUMN_HEADERS.get(key.lower())
    if found is not None:
        header, kind = found
        return header.replace("{ci}", f"{round(ci_level * 100):g}"), kind
    if ":" in key or key in _TERM_WHOLE:
        return term_label(key), None
    for suffix, (label, suffix_kind) in _SUFFIXES.items():
        if key.endswith(suffix) and len(key) > len(suffix):
            inner, inner_kind = column_header(key[: -len(suffix)], ci_level)
            ci = f"{round(ci_level * 100):g}"
            return f"{inner} {label.replace('{ci}', ci)}", suffix_kind or inner_kind
    if key.endswith("_p_value") or key.startswith("p_"):
        inner = key.removesuffix("_p_value").removeprefix("p_")
        return f"*p* ({column_header(inner, ci_level)[0]})", "p"
    if key.endswith("_rate"):
        return _humanise(key), "percent"
    if key.startswith("n_"):
        return f"*n* {_escape_markup(key[2:].replace('_', ' '))}", "count"
    return _escape_markup(_humanise(key)), None


def _data_kind(col: pd.Series) -> Kind:
    if pd.api.types.is_bool_dtype(col):
        return "bool"
    if pd.api.types.is_integer_dtype(col):
        return "count"
    if pd.api.types.is_numeric_dtype(col):
        return "number"
    values = [v for v in col if not is_missing(v) or isinstance(v, str)]
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    return "text"


def _cell(value: Any, kind: Kind, digits: int, minus: str, n_boot: Any) -> str:
    if isinstance(value, bool | np.bool_) or (kind == "bool" and str(value) in {"True", "False"}):
        return "Yes" if bool(value) else "No"
    if kind == "text":
        if value is None or (isinstance(value, float) and value != value):
            return ""
        text = str(value)
        return text.replace("-", minus, 1) if _NUMBER_TEXT.match(text) else text
    if is_missing(value):
        return str(value) if isinstance(value, str) else ""
    v = float(value)
    if kind == "p":
        return fmt_p_boot(v, n_boot, with_symbol=False).replace(" ", "").replace("-", minus)
    if kind == "count":
        return f"{int(v):,}" if v.is_integer() else fmt_num(v, digits, minus=minus)
    if kind == "df":  # whole degrees of freedom as integers, Satterthwaite-like ones with 2
        return f"{int(v)}" if v.is_integer() else fmt_num(v, 2, minus=minus)
    if kind == "percent" and -1.0 <= v <= 1.0:
        return fmt_num(100 * v, 1, minus=minus) + "%"
    if kind == "percent":
        return fmt_num(v, 1, minus=minus) + "%"
    return fmt_num(v, digits, minus=minus, bounded=kind == "bounded")


@dataclass(frozen=True)
class ApaFrame:
    """A table ready to show: strings only.

    Attributes
    ----------
    frame : DataFrame
        The formatted cells, columns named by their headers (markup or plain text).
    headers : list of str
        The headers in ``*italic*`` markup.
    numeric : list of bool
        Per column: right-aligned numbers (True) or left-aligned text (False).
    """

    frame: pd.DataFrame
    headers: list[str]
    numeric: list[bool]


def apa_frame(
    table: pd.DataFrame,
    digits: int = 2,
    *,
    minus: str = "-",
    markup: bool = True,
    term_markup: bool = True,
) -> ApaFrame:
    """Format ``table`` for display (see the module docstring).

    Parameters
    ----------
    table : DataFrame
        A tidy table; ``attrs["ci_level"]`` and ``attrs["n_boot"]`` (bootstrap p values) are
        honoured.
    digits : int
        Decimals of estimates (p values: 3; percentages: 1; counts: none).
    minus : str
        ``"-"`` for plain text and files, :data:`~learning_direction._core.format.MINUS` for
        HTML and Word.
    markup : bool
        Headers in ``*italic*`` markup (True) or plain text (False).
    term_markup : bool
        Label the values of a ``term`` column (:func:`term_label`).
    """
    ci_level = float(table.attrs.get("ci_level", 0.95) or 0.95)
    n_boot = table.attrs.get("n_boot")
    cols: dict[str, list[str]] = {}
    headers: list[str] = []
    numeric: list[bool] = []
    used: set[str] = set()
    for k, name in enumerate(table.columns):
        header, kind = column_header(name, ci_level)
        col = table.iloc[:, k]
        data_kind = _data_kind(col)
        if kind is None or (kind != "text" and data_kind in {"text", "bool"}):
            kind = data_kind
        cells = [_cell(v, kind, digits, minus, n_boot) for v in col]
        if str(name) == "term" and term_markup:
            cells = [term_label(v) if markup else markup_to_text(term_label(v)) for v in col]
        filled = [c for c in cells if c and c not in _PLACEHOLDERS]
        is_num = kind != "text" or (
            bool(filled) and all(_NUMBER_TEXT.match(c.replace(minus, "-")) for c in filled)
        )
        shown = header if markup else markup_to_text(header)
        while shown in used:  # two columns with one header (e.g. estimate and coef)
            shown += " "
        used.add(shown)
        headers.append(header)
        numeric.append(bool(is_num) and kind != "bool")
        cols[shown] = cells
    return ApaFrame(
        frame=pd.DataFrame(cols, index=range(len(table))), headers=headers, numeric=numeric
    )


_LONG = 40  # text cells longer than this wrap (the others never do)


def apa_html_table(
    table: pd.DataFrame,
    digits: int = 2,
    *,
    classes: Sequence[str] = ("ld-table", "apa7"),
) -> str:
    """The ``<table>`` of :func:`apa_frame` (every cell escaped, italic symbols, U+2212 minus).

    Text columns are left-aligned (class ``txt``), numbers right-aligned (class ``num``).
    """
    shown = apa_frame(table, digits, minus=MINUS, markup=True)
    align = ["num" if n else "txt" for n in shown.numeric]
    head = "".join(
        f"<th class='{a}'>{markup_to_html(h)}</th>"
        for h, a in zip(shown.headers, align, strict=True)
    )
    is_term = [str(c) == "term" for c in table.columns]
    rows = []
    for row in shown.frame.itertuples(index=False):
        cells = "".join(
            f"<td class='{a}{' long' if len(v) > _LONG else ''}'>"
            f"{markup_to_html(v) if t else html.escape(v)}</td>"
            for v, a, t in zip(row, align, is_term, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        f"<table class='{' '.join(classes)}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def apa_markdown(table: pd.DataFrame, digits: int = 2) -> str:
    """A GitHub-flavoured markdown table of :func:`apa_frame` (italic symbols as ``*x*``)."""
    shown = apa_frame(table, digits, minus="-", markup=True)
    align = ["---:" if n else ":---" for n in shown.numeric]

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(h) for h in shown.headers) + " |",
        "| " + " | ".join(align) + " |",
    ]
    for row in shown.frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def apa_text(table: pd.DataFrame, digits: int = 2) -> str:
    """Aligned plain text of :func:`apa_frame` (numbers right-aligned, text left-aligned)."""
    shown = apa_frame(table, digits, minus="-", markup=False)
    frame = shown.frame
    widths = [
        max([len(str(h)), *(len(v) for v in frame.iloc[:, k])]) for k, h in enumerate(frame.columns)
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if n else v.ljust(w)
            for v, w, n in zip(values, widths, shown.numeric, strict=True)
        ).rstrip()

    out = [line([str(c).strip() for c in frame.columns])]
    out += [line(list(row)) for row in frame.itertuples(index=False)]
    return "\n".join(out)
