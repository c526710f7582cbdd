"""The result of :func:`~learning_direction.models.sem.fit_sem`: tables, fit and a lavaan-like summary."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..._core.format import format_number
from ..._core.results import ResultMixin, table_to_html
from .parameters import Parameterization

__all__ = ["SEMResult", "SEMState"]

_SECTIONS = (
    ("=~", "Latent variables"),
    ("~", "Regressions"),
    ("cov", "Covariances"),
    ("~1", "Intercepts"),
    ("var", "Variances"),
)


@dataclass(frozen=True)
class SEMState:
    """What later computations on a fit need (Monte Carlo intervals, refits)."""

    param: Parameterization
    z: NDArray[np.float64]
    vcov_z: NDArray[np.float64] | None


@dataclass(frozen=True)
class SEMResult(ResultMixin):
    """A fitted structural equation model.

    Attributes
    ----------
    table : DataFrame
        One row per parameter in the order of lavaan's ``parameterEstimates()``:
        ``lhs, op, rhs, label, estimate, se, z, p_value, ci_low, ci_high, std_all``, with
        ``level`` after ``rhs`` in a two-level model (0 for defined parameters). Fixed
        parameters have ``se = 0`` and no test; defined parameters (``:=``) come last, with
        delta-method standard errors.
    fit : DataFrame
        One row: ``chisq, df, p, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, rmsea_p_close,
        srmr, aic, bic, loglik, n`` (two levels: also ``n_clusters, srmr_within,
        srmr_between``), then ``npar, baseline_chisq, baseline_df, loglik_h1``.
    vcov : DataFrame
        Covariance matrix of the free parameters (lavaan's names: label, else ``lhs op rhs``
        with ``.l2`` for level 2; rows sharing a label appear once).
    partable : DataFrame
        The full parameter table (lavaan's ``parTable()`` columns plus ``est`` and ``se``).
    implied : dict
        Model-implied moments per block: ``{"level1": {"cov": DataFrame, "mean": Series}, ...}``
        (key ``"all"`` for a single-level model).
    n, n_dropped : int
        Rows used, and rows left out for missing values (listwise).
    n_clusters : int or None
    model : str
        The model syntax.
    method, se, information : str
        ``"ML"``; ``"standard"`` or ``"none"``; ``"expected"`` or ``"observed"``.
    ci_level : float
    converged : bool
    iterations : int
    notes : tuple of str
        Defaults applied, rows left out, problems met.
    state : SEMState
        The fitted parameter vector, its covariance and constraints (what
        :func:`~learning_direction.models.sem.monte_carlo_ci` draws from).
    """

    table: pd.DataFrame
    fit: pd.DataFrame
    vcov: pd.DataFrame
    partable: pd.DataFrame
    implied: dict[str, dict[str, Any]]
    n: int
    n_dropped: int
    model: str
    n_clusters: int | None = None
    method: str = "ML"
    se: str = "standard"
    information: str = "expected"
    ci_level: float = 0.95
    converged: bool = True
    iterations: int = 0
    notes: tuple[str, ...] = ()
    state: SEMState | None = field(default=None, repr=False, compare=False)

    _title: ClassVar[str] = "Structural equation model"

    def _meta(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "n": self.n, "n_dropped": self.n_dropped}
        if self.n_clusters is not None:
            out["n_clusters"] = self.n_clusters
        out["se"] = f"{self.se} ({self.information} information)" if self.se != "none" else "none"
        out["ci_level"] = self.ci_level
        return out

    def summary(self, digits: int = 3) -> str:
        """lavaan-like text: the model test, fit indices and the estimates by section."""
        lines = [self._title, "=" * len(self._title)]
        for key, value in self._meta().items():
            lines.append(f"{key}: {format_number(value, digits)}")
        lines.append(f"converged: {self.converged} after {self.iterations} iterations")
        lines.append("")
        lines.extend(self._fit_lines(digits))
        lines.append("")
        lines.extend(self._estimate_lines(digits))
        if self.notes:
            lines.append("")
            lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _fit_lines(self, digits: int) -> list[str]:
        f = self.fit.iloc[0]

        def num(key: str) -> str:
            return format_number(f[key], digits)

        p = "NA" if math.isnan(float(f["p"])) else format_number(f["p"], digits)
        lines = [
            f"Model test: chisq = {num('chisq')}, df = {int(f['df'])}, p = {p}",
            f"CFI = {num('cfi')}, TLI = {num('tli')}, RMSEA = {num('rmsea')} "
            f"[{num('rmsea_ci_low')}, {num('rmsea_ci_high')}], SRMR = {num('srmr')}",
        ]
        if "srmr_within" in f:
            lines.append(f"SRMR within = {num('srmr_within')}, between = {num('srmr_between')}")
        lines.append(f"logLik = {num('loglik')}, AIC = {num('aic')}, BIC = {num('bic')}")
        return lines

    def _estimate_lines(self, digits: int) -> list[str]:
        t = self.table
        cols = ["estimate", "se", "z", "p_value", "ci_low", "ci_high", "std_all"]
        header = f"{'':28}" + "".join(f"{c:>10}" for c in cols)
        levels = sorted(set(t["level"]) - {0}) if "level" in t else [None]
        lines: list[str] = []
        for level in levels:
            part = t if level is None else t[t["level"] == level]
            if level is not None:
                lines.append(f"Level {level} ({'within' if level == 1 else 'between'}):")
            for key, title in _SECTIONS:
                rows = part[_section_mask(part, key)]
                if len(rows):
                    lines.extend([f"{title}:", header])
                    lines.extend(_row_text(r, cols, digits) for _, r in rows.iterrows())
            lines.append("")
        defined = t[t["op"] == ":="]
        if len(defined):
            lines.extend(["Defined parameters:", header])
            lines.extend(_row_text(r, cols, digits) for _, r in defined.iterrows())
        return lines

    def _repr_html_(self) -> str:
        meta = "".join(
            f"<li><b>{html.escape(str(k))}</b>: {html.escape(format_number(v))}</li>"
            for k, v in self._meta().items()
        )
        notes = "".join(f"<li>{html.escape(str(n))}</li>" for n in self._notes())
        parts = [f"<h4>{html.escape(self._title)}</h4>", f"<ul>{meta}</ul>"]
        parts.append(table_to_html(self.fit, 3))
        parts.append(table_to_html(self.table, 3))
        if notes:
            parts.append(f"<p>Notes:</p><ul>{notes}</ul>")
        return "<div class='ld-result'>" + "".join(parts) + "</div>"


def _section_mask(part: pd.DataFrame, key: str) -> pd.Series:
    if key == "cov":
        return (part["op"] == "~~") & (part["lhs"] != part["rhs"])
    if key == "var":
        return (part["op"] == "~~") & (part["lhs"] == part["rhs"])
    return part["op"] == key


def _row_text(r: pd.Series, cols: list[str], digits: int) -> str:
    name = f"{r['lhs']} {r['op']} {r['rhs']}".strip()
    if r["label"] and r["op"] != ":=":
        name += f" ({r['label']})"
    cells = "".join(f"{format_number(r[c], digits):>10}" for c in cols)
    return f"  {name[:26]:26}{cells}"
