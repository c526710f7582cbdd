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
        ``level`` after ``rhs`` in a two-level model (0 for defined parameters) and ``group``
        (the group label; ``None`` for defined parameters) in a multigroup model. Fixed
        parameters have ``se = 0`` and no test; defined parameters (``:=``) come last, with
        delta-method standard errors (bootstrap percentile intervals when requested). Rows
        made equal across groups carry lavaan's label (``.p3.``).
    fit : DataFrame
        One row: ``chisq, df, p, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, rmsea_p_close,
        srmr, aic, bic, loglik, n, n_patterns`` (the missing-data patterns among the rows
        used: 1 listwise; two levels: also ``n_clusters, srmr_within, srmr_between``); with MLR the Yuan-Bentler scaled test and lavaan's
        ``*.scaled`` measures (``chisq_scaled, p_scaled, scaling_factor,
        baseline_chisq_scaled, baseline_scaling_factor, cfi_scaled, tli_scaled,
        rmsea_scaled, rmsea_ci_low_scaled, rmsea_ci_high_scaled, rmsea_p_close_scaled``);
        with MLR or FIML the robust measures (``cfi_robust, tli_robust, rmsea_robust,
        rmsea_ci_low_robust, rmsea_ci_high_robust, rmsea_p_close_robust``: Brosseau-Liard &
        Savalei's, FIML-corrected by Zhang & Savalei with missing data); then ``npar,
        baseline_chisq, baseline_df, loglik_h1``. The column names are lavaan's
        ``fitMeasures()`` names with ``_`` for ``.``.
    vcov : DataFrame
        Covariance matrix of the free parameters (lavaan's names: label, else ``lhs op rhs``
        with ``.l2`` for level 2; rows sharing a label appear once).
    partable : DataFrame
        The full parameter table (lavaan's ``parTable()`` columns plus ``est`` and ``se``).
    implied : dict
        Model-implied moments per block: ``{"level1": {"cov": DataFrame, "mean": Series}, ...}``
        (key ``"all"`` for a single-level model, the group label in a multigroup model).
    n, n_dropped : int
        Rows used, and rows left out (listwise: any missing model variable; FIML: every model
        variable missing, or an exogenous covariate missing; any: the group or cluster id
        missing). ``dropped`` counts them by reason.
    n_clusters : int or None
    model : str
        The model syntax.
    method, se, information : str
        ``"ML"``, ``"MLR"``, with ``"FIML"`` and the group column when used; ``"standard"``,
        ``"robust"`` (Huber-White) or ``"none"``; ``"expected"`` or ``"observed"``.
    missing, estimator, test : str
        ``"listwise"`` or ``"fiml"``; ``"ML"`` or ``"MLR"``; ``"standard"`` or
        ``"yuan.bentler.mplus"`` (MLR's scaled test).
    group, group_labels, n_per_group
        The group column, its groups (order of first appearance) and their rows used.
    n_patterns, patterns
        The number of missing-data patterns among the rows used (1 listwise) and, with FIML,
        one row per pattern (``group, pattern, n, n_observed`` and a 0/1 column per variable,
        1 = observed; most frequent first).
    n_boot, seed, boot_draws
        Bootstrap resamples for the defined parameters, their seed and draws.
    h1 : dict
        The saturated (H1) moments per block, keyed as ``implied``: the sample covariance
        matrix (divisor N) and means of the rows used, or their EM estimates with FIML
        (lavaan's ``lavInspect(fit, "h1")``).
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
    missing: str = "listwise"
    estimator: str = "ML"
    test: str = "standard"
    group: str | None = None
    group_labels: tuple[object, ...] = ()
    n_per_group: tuple[int, ...] = ()
    n_patterns: int = 1
    patterns: pd.DataFrame | None = field(default=None, repr=False)
    dropped: dict[str, int] = field(default_factory=dict, repr=False)
    n_boot: int | None = None
    seed: int | None = None
    boot_draws: pd.DataFrame | None = field(default=None, repr=False)
    h1: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    _title: ClassVar[str] = "Structural equation model"

    def _meta(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "n": self.n, "n_dropped": self.n_dropped}
        if self.group is not None:
            out["groups"] = ", ".join(
                f"{g} ({n})" for g, n in zip(self.group_labels, self.n_per_group, strict=True)
            )
        if self.missing == "fiml":
            out["missing-data patterns"] = self.n_patterns
        if self.n_clusters is not None:
            out["n_clusters"] = self.n_clusters
        out["se"] = f"{self.se} ({self.information} information)" if self.se != "none" else "none"
        out["ci_level"] = self.ci_level
        if self.n_boot is not None:
            out["bootstrap"] = f"{self.n_boot} resamples (seed {self.seed}), defined parameters"
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
        if "chisq_scaled" in f:
            lines.append(
                f"Robust (Yuan-Bentler, Mplus variant): chisq = {num('chisq_scaled')}, "
                f"scaling factor = {num('scaling_factor')}, p = {num('p_scaled')}"
            )
        if "cfi_robust" in f:
            lines.append(
                f"Robust CFI = {num('cfi_robust')}, TLI = {num('tli_robust')}, RMSEA = "
                f"{num('rmsea_robust')} [{num('rmsea_ci_low_robust')}, "
                f"{num('rmsea_ci_high_robust')}]"
                + (" (FIML-corrected)" if self.missing == "fiml" else "")
            )
        lines.append(f"logLik = {num('loglik')}, AIC = {num('aic')}, BIC = {num('bic')}")
        return lines

    def _estimate_lines(self, digits: int) -> list[str]:
        t = self.table
        cols = ["estimate", "se", "z", "p_value", "ci_low", "ci_high", "std_all"]
        header = f"{'':28}" + "".join(f"{c:>10}" for c in cols)
        blocks: list[tuple[str | None, pd.Series | None]] = [(None, None)]
        if "level" in t:
            blocks = [
                (f"Level {lev} ({'within' if lev == 1 else 'between'}):", t["level"] == lev)
                for lev in sorted(set(t["level"]) - {0})
            ]
        elif "group" in t:
            blocks = [(f"Group {g!r}:", t["group"] == g) for g in self.group_labels]
        lines: list[str] = []
        for title_line, mask in blocks:
            part = t if mask is None else t[mask]
            if title_line is not None:
                lines.append(title_line)
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
