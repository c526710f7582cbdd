"""What mediation and moderated-mediation results share (private): :class:`ProcessResult`.

Both are PROCESS-style results of the shared engine (:mod:`._process_core`): the same tidy
table of paths and effects, the bootstrap (or Monte Carlo) draws, the equations' coefficient
tables, the sample and resampling metadata, the PROCESS-like text output of
:func:`process_summary` and the same two figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._core.checks import choice
from .._core.format import fmt_p_boot, format_number
from .._core.plotting import figure
from .._core.results import ResultMixin

__all__ = ["ProcessResult", "process_summary"]


@dataclass(frozen=True, eq=False)
class ProcessResult(ResultMixin):
    """Fields and behaviour shared by :class:`~.mediation.MediationResult` and
    :class:`~.conditional_process.ConditionalProcessResult`.

    Attributes
    ----------
    table : DataFrame
        Paths and effects: ``term, estimate, se, ci_low, ci_high, p_value, boot_se,
        sobel_se``. The p-value of an effect row is the bootstrap p-value; a stored 0 means
        that no valid resample fell on the far side of zero, i.e. p < 2 / B with B the valid
        resamples (``.attrs["n_boot"]``): summaries, HTML and saved tables print it so
        (``p < .0004`` for 5,000), never as 0.
    boot_draws : DataFrame
        One row per resample (or Monte Carlo draw), one column per term; singular resamples
        as NaN rows.
    equations : dict of DataFrame
        The coefficient table of each equation (``term, estimate, se, statistic, p_value,
        ci_low, ci_high``; ``.attrs`` hold ``r2``, ``mse``, ``df_resid``).
    x, y : str
        Predictor and outcome.
    mediators, covariates : tuple of str
    model : int
        PROCESS model number.
    n, n_dropped : int
        Rows used, and rows left out for missing values.
    n_boot, n_singular : int
        Resamples (or draws), and resamples that could not be fitted.
    seed : int
        The seed (given, or drawn and recorded).
    ci : str
        ``"percentile"``, ``"bca"`` or ``"monte_carlo"``.
    ci_level : float
    method : str
        The model, the Y equation and the interval in words.
    cluster : str or None
        Cluster column of a cluster bootstrap, with ``n_clusters`` clusters.
    design : str
        Multilevel design inferred from the data (``"2-2-1"``; ``"1-1-1"`` without clusters or
        the label of a model fitted with ``design="single-level"``; ``"single-level"`` when every
        cluster has one row).
    x_reference : str or None
        Reference level of a categorical X.
    y_family : str
        ``"gaussian"`` or ``"binomial"`` (logistic Y equation).
    omnibus : DataFrame or None
        Omnibus tests of the relative effects of a categorical X.
    notes : tuple of str
    """

    table: pd.DataFrame
    boot_draws: pd.DataFrame
    equations: dict[str, pd.DataFrame]
    x: str
    mediators: tuple[str, ...]
    y: str
    covariates: tuple[str, ...]
    model: int
    n: int
    n_dropped: int
    n_boot: int
    n_singular: int
    seed: int
    ci: str
    ci_level: float
    method: str
    cluster: str | None = None
    n_clusters: int | None = None
    design: str = "1-1-1"
    x_reference: str | None = None
    y_family: str = "gaussian"
    omnibus: pd.DataFrame | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        # the effect rows carry bootstrap (or Monte Carlo) p-values: a 0 there means
        # "p < 2/B" and is printed so (see learning_direction._core.results.show_boot_p)
        self.table.attrs["n_boot"] = self.n_boot - self.n_singular

    def _model_meta(self) -> dict[str, Any]:
        """Metadata a subclass shows before the resampling counts (none here)."""
        return {}

    def _meta(self) -> dict[str, Any]:
        meta = super()._meta()
        meta.update(self._model_meta())
        meta["n_singular"] = self.n_singular
        meta["ci"] = self.ci
        if self.cluster:
            meta["cluster"] = f"{self.cluster} ({self.n_clusters} clusters, design {self.design})"
        return meta

    @property
    def indirect(self) -> pd.DataFrame:
        """The indirect-effect rows of :attr:`table` (and contrasts between them)."""
        rows = self.table["term"].str.startswith(("indirect", "contrast"))
        return self.table[rows].reset_index(drop=True)

    def summary(self, digits: int = 4) -> str:
        """PROCESS-style text: model, outcome equations, then total, direct and indirect effects."""
        return process_summary(self, digits)

    def plot(self, kind: str = "path", ax: Any = None, term: str | None = None) -> Any:
        """Path diagram (``kind="path"``) or the bootstrap distribution of one effect
        (``kind="bootstrap"``; ``term`` defaults to the first indirect effect or index)."""
        kind = choice(kind, "kind", ["path", "bootstrap"])
        if kind == "path":
            return figure("mediation.path_diagram")(self, ax=ax)
        return figure("mediation.bootstrap_distribution")(self, term=term, ax=ax)


# ---------------------------------------------------------------------------------------------
_STAR = "*" * 74


_LW = 20  # width of the label column in the text output


def _fmt_row(label: str, values: Sequence[float], digits: int, width: int = 11) -> str:
    cells = "".join(f"{format_number(v, digits):>{width}}" for v in values)
    return f"{label:<{_LW}}{cells}"


def _equation_block(name: str, eq: pd.DataFrame, digits: int) -> list[str]:
    lines = [_STAR, "OUTCOME VARIABLE:", f" {eq.attrs.get('outcome', name)}", ""]
    fam = eq.attrs.get("family", "gaussian")
    if fam == "gaussian":
        lines += [
            "Model Summary",
            _fmt_row("", [], digits) + f"{'R-sq':>11}{'MSE':>11}{'df2':>11}",
            _fmt_row(
                "", [eq.attrs.get("r2"), eq.attrs.get("mse"), eq.attrs.get("df_resid")], digits
            ),
            "",
        ]
    lines.append("Model" + (" (logistic: coefficients in log-odds)" if fam == "binomial" else ""))
    stat = eq.attrs.get("statistic", "Z" if fam == "binomial" else "t")
    lines.append(f"{'':<{_LW}}{'coeff':>11}{'se':>11}{stat:>11}{'p':>11}{'LLCI':>11}{'ULCI':>11}")
    for r in eq.itertuples(index=False):
        lines.append(
            _fmt_row(
                str(r.term), [r.estimate, r.se, r.statistic, r.p_value, r.ci_low, r.ci_high], digits
            )
        )
    lines.append("")
    return lines


def _header(res: ProcessResult) -> list[str]:
    """Model number, the variables, covariates, sample size and clusters."""
    lines = [f"{res._title}: PROCESS model {res.model}", ""]
    lines.append(f"{'Y':>6} : {res.y}")
    lines.append(f"{'X':>6} : {res.x}")
    for i, mm in enumerate(res.mediators):
        lines.append(f"{('M' + str(i + 1)) if len(res.mediators) > 1 else 'M':>6} : {mm}")
    w = getattr(res, "w", None)
    if w:
        lines.append(f"{'W':>6} : {w}")
    if res.covariates:
        lines += ["", "Covariates:", "  " + " ".join(res.covariates)]
    if res.x_reference is not None:
        lines += ["", f"Categorical X, reference level: {res.x_reference}"]
    lines += [
        "",
        f"Sample size: {res.n}"
        + (f" ({res.n_dropped} rows left out for missing values)" if res.n_dropped else ""),
    ]
    if res.cluster:
        lines.append(f"Clusters: {res.n_clusters} ({res.cluster}), design {res.design}")
    return lines


def _total_and_direct(tab: pd.DataFrame, digits: int) -> list[str]:
    """The total (c) and direct (c') effects of X on Y, as PROCESS prints them."""
    paths = tab[tab["term"].str.match(r"^(c|c_prime)(\[|$)")]
    if not len(paths):
        return []
    lines = ["*" * 14 + " TOTAL, DIRECT, AND INDIRECT EFFECTS OF X ON Y " + "*" * 13, ""]
    for prefix, label in (("c", "Total effect of X on Y"), ("c_prime", "Direct effect of X on Y")):
        sub = paths[paths["term"].str.match(rf"^{prefix}(\[|$)")]
        if not len(sub):
            continue
        lines.append(label + ":")
        lines.append(f"{'':<{_LW}}{'Effect':>11}{'se':>11}{'p':>11}{'LLCI':>11}{'ULCI':>11}")
        for r in sub.itertuples(index=False):
            values = [r.estimate, r.se, r.p_value, r.ci_low, r.ci_high]
            lines.append(_fmt_row(str(r.term), values, digits))
        lines.append("")
    return lines


def _effects(res: ProcessResult, digits: int) -> list[str]:
    """Indirect effects, contrasts, indices and conditional effects with their intervals."""
    tab = res.table
    eff = tab[tab["term"].str.startswith(("indirect", "contrast", "index", "direct"))]
    if not len(eff):
        return []
    lw = max([_LW, *[len(t) + 2 for t in eff["term"]]])
    ci_label = "MC" if res.ci == "monte_carlo" else "Boot"
    lines = [
        "Effects (bootstrap inference):"
        if ci_label == "Boot"
        else "Effects (Monte Carlo inference):",
        f"{'':<{lw}}{'Effect':>11}{ci_label + 'SE':>11}{ci_label + 'LLCI':>11}"
        f"{ci_label + 'ULCI':>11}{'p':>11}",
    ]
    n_valid = res.n_boot - res.n_singular
    for r in eff.itertuples(index=False):
        cells = "".join(
            f"{format_number(v, digits):>11}" for v in (r.estimate, r.se, r.ci_low, r.ci_high)
        )
        # a bootstrap p of 0 means no draw fell beyond zero: print the bound, p < 2/B
        p = fmt_p_boot(0.0, n_valid, with_symbol=False) if r.p_value == 0 else r.p_value
        cells += f"{format_number(p, digits):>11}"
        lines.append(f"{r.term!s:<{lw}}{cells}")
    lines.append("")
    return lines


def _footer(res: ProcessResult) -> list[str]:
    """Omnibus tests, the confidence level, resamples, seed and notes."""
    lines = []
    omn = res.omnibus
    if omn is not None and len(omn):
        lines.append("Omnibus tests of the relative effects of X:")
        for r in omn.itertuples(index=False):
            lines.append(
                f"  {r.effect}: statistic = {r.statistic:.4f}, df = ({r.df1}, "
                f"{format_number(r.df2)}), p = {r.p_value:.4f}"
            )
        lines.append("")
    lines.append(_STAR)
    lines.append(
        f"Level of confidence for all confidence intervals in output: {100 * res.ci_level:g}"
    )
    if res.ci != "monte_carlo":
        lines.append(
            f"Number of bootstrap samples for {res.ci} bootstrap confidence intervals: {res.n_boot}"
        )
    else:
        lines.append(f"Number of Monte Carlo draws: {res.n_boot}")
    lines.append(f"Seed: {res.seed}; singular resamples: {res.n_singular}")
    lines.extend(f"Note: {n}" for n in res.notes)
    return lines


def process_summary(res: ProcessResult, digits: int = 4) -> str:
    """PROCESS-like text output shared by mediation and moderated-mediation results."""
    lines = _header(res)
    for name, eq in res.equations.items():
        if name != "total":
            lines += _equation_block(name, eq, digits)
    if "total" in res.equations:
        lines += ["*" * 25 + " TOTAL EFFECT MODEL " + "*" * 29]
        lines += _equation_block("total", res.equations["total"], digits)[1:]
    lines += _total_and_direct(res.table, digits)
    lines += _effects(res, digits)
    lines += _footer(res)
    return "\n".join(lines)
