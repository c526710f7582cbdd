"""The result of :func:`~learning_direction.multilevel_mediation`."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from ..._core.format import fmt_ci, fmt_num, format_number
from ..._core.plotting import figure
from ..._core.results import ResultMixin, table_to_html, table_to_text

__all__ = ["METHOD_NAMES", "MultilevelMediationResult"]

METHOD_NAMES = {
    "msem": "multilevel SEM with latent cluster means (two-level ML)",
    "umm": "unconflated multilevel model (cluster-mean centring, REML random intercepts)",
}
CI_NAMES = {"monte_carlo": "Monte Carlo", "bootstrap": "cluster bootstrap"}
LEVEL_WORDS = {1: "level 1 (varies within clusters)", 2: "level 2 (constant within clusters)"}


@dataclass(frozen=True, eq=False)
class MultilevelMediationResult(ResultMixin):
    """Result of :func:`~learning_direction.multilevel_mediation`.

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, se, ci_low, ci_high, p_value``; the terms that exist for the design
        among ``a_within, b_within, indirect_within, a_between, b_between, indirect_between,
        c_prime_within, c_prime_between``. Paths: model-based SEs, CIs and p values (MSEM: Wald
        z; UMM: t with Satterthwaite df, or OLS t for a cluster-level mediator). Indirect effects:
        the delta-method SE, the Monte Carlo (or cluster-bootstrap) percentile CI and the
        matching p value ``2 * min(P(draw <= 0), P(draw >= 0))``.
    design : str
        ``"1-1-1"``, ``"2-1-1"`` or ``"2-2-1"`` (levels of X, M and Y inferred from the data).
    method : str
        ``"msem"`` or ``"umm"``.
    x, m, y, cluster : str
    covariates : tuple of str
    levels : dict
        Level (1 or 2) of every variable (X, M, Y, covariates).
    n, n_clusters, n_dropped : int
        Rows used, clusters, and rows left out for missing values (``dropped``: how many rows
        missed each column).
    cluster_sizes : dict
        Rows per cluster: ``min, median, mean, max, cv, n_singletons``.
    ci, ci_level : str, float
        ``"monte_carlo"`` or ``"bootstrap"``, and the interval level.
    seed : int
        Seed of the draws or resamples (given, or drawn and recorded).
    n_draws, n_boot : int or None
        Monte Carlo draws, or cluster-bootstrap resamples (``n_failed`` could not be refitted).
    equations : dict of DataFrame
        Every equation at every level (``"within: <y>"``, ``"between: <m>"``, ...), with
        ``.attrs`` ``outcome``, ``level`` and the residual variance (UMM: ``sigma2``, ``tau2``).
    draws : DataFrame
        The Monte Carlo draws or bootstrap resamples of the indirect effects (all terms for the
        bootstrap).
    moments : dict
        Per level (``"within"``, ``"between"``): the covariance matrix of X, the covariates, M
        and Y (MSEM: model-implied; UMM: pooled within-cluster and cluster-mean covariances)
        and its number of units; with ``equations``, what a sensitivity analysis of each
        level's equations needs.
    syntax : str or None
        The lavaan model (MSEM): ``lavaan::sem(syntax, data, cluster = ...)`` refits it in R.
    fit : SEMResult or None
        The full two-level SEM fit (MSEM).
    notes : tuple of str
    """

    table: pd.DataFrame
    design: str
    method: str
    x: str
    m: str
    y: str
    cluster: str
    covariates: tuple[str, ...]
    levels: dict[str, int]
    n: int
    n_clusters: int
    n_dropped: int
    dropped: dict[str, int]
    cluster_sizes: dict[str, float]
    ci: str
    ci_level: float
    seed: int
    n_draws: int | None
    n_boot: int | None
    n_failed: int
    equations: dict[str, pd.DataFrame] = field(repr=False)
    draws: pd.DataFrame = field(repr=False)
    moments: dict[str, dict[str, Any]] = field(repr=False)
    syntax: str | None = field(default=None, repr=False)
    fit: Any = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    _title: ClassVar[str] = "Multilevel mediation"

    def _meta(self) -> dict[str, Any]:
        s = self.cluster_sizes
        meta: dict[str, Any] = {
            "design": f"{self.design} (X, M, Y levels)",
            "method": METHOD_NAMES[self.method],
            "n": self.n,
            "n_clusters": self.n_clusters,
            "cluster sizes": f"{s['min']:g}-{s['max']:g} (mean {s['mean']:.2f}, CV {s['cv']:.2f})",
            "n_dropped": self.n_dropped,
            "ci": f"{CI_NAMES[self.ci]} percentile, level {self.ci_level:g}",
        }
        if self.n_draws is not None:
            meta["n_draws"] = self.n_draws
        if self.n_boot is not None:
            meta["n_boot"] = self.n_boot
        meta["seed"] = self.seed
        return meta

    def row(self, term: str) -> pd.Series:
        """The table row of ``term`` (e.g. ``"indirect_between"``)."""
        return self.table.set_index("term").loc[term]

    def sentence(self) -> str:
        """What the result shows, in one sentence built from the table."""
        levels = ", ".join(
            f"{v} at level {lv}" for v, lv in self.levels.items() if v in (self.x, self.m, self.y)
        )
        parts = []
        for term, where in (
            ("indirect_between", "between-cluster"),
            ("indirect_within", "within-cluster"),
        ):
            if term not in set(self.table["term"]):
                continue
            r = self.row(term)
            excludes = r["ci_low"] > 0 or r["ci_high"] < 0
            sign = "positive" if r["estimate"] > 0 else "negative"
            verdict = (
                f"a {sign} indirect effect (the interval excludes 0)"
                if excludes
                else "no clear indirect effect (the interval includes 0)"
            )
            parts.append(
                f"the {where} indirect effect was {fmt_num(r['estimate'])}, "
                f"{fmt_ci(r['ci_low'], r['ci_high'], level=self.ci_level)} ({CI_NAMES[self.ci]}): {verdict}"
            )
        return (
            f"In a {self.design} design ({levels}; {self.n} rows in {self.n_clusters} clusters), "
            + "; ".join(parts)
            + "."
        )

    def summary(self, digits: int = 4) -> str:
        lines = [self._title, "=" * len(self._title), self.sentence(), ""]
        lines.extend(f"{k}: {format_number(v, digits)}" for k, v in self._meta().items())
        lines.extend(["", table_to_text(self.table, digits)])
        if self.notes:
            lines.append("")
            lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        meta = "".join(
            f"<li><b>{html.escape(str(k))}</b>: {html.escape(format_number(v))}</li>"
            for k, v in self._meta().items()
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        parts = [
            f"<h4>{html.escape(self._title)}</h4>",
            f"<p>{html.escape(self.sentence())}</p>",
            f"<ul>{meta}</ul>",
            table_to_html(self.table),
        ]
        if notes:
            parts.append(f"<p>Notes:</p><ul>{notes}</ul>")
        return "<div class='ld-result'>" + "".join(parts) + "</div>"

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The two-level path diagram (:func:`learning_direction.figures.mediation.multilevel_path_diagram`)."""
        return figure("mediation.multilevel_path_diagram")(self, ax=ax, **kwargs)
