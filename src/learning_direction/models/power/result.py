"""The result of a power analysis: :class:`PowerResult`, and the tables it holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from ..._core.checks import choice
from ..._core.plotting import figure
from ..._core.results import ResultMixin
from .._types import FloatArray
from ._sim import RunCounts

__all__ = ["METHOD_NAMES", "METHOD_NOTES", "PowerResult", "clopper_pearson", "power_tables"]

METHOD_NAMES = {
    "monte_carlo": "Monte Carlo confidence interval",
    "percentile": "percentile bootstrap confidence interval",
    "joint": "joint significance (every path's t-test)",
}

METHOD_NOTES = {
    "monte_carlo": (
        "Monte Carlo CI: in every replication, draws of the paths from N(estimates, their OLS "
        "covariance); significant when the percentile interval of the product excludes 0 "
        "(endpoints: order statistics k and D+1-k, k = floor((D+1) alpha / 2))"
    ),
    "percentile": (
        "percentile bootstrap CI in every replication (rows resampled; clusters in the 2-1-1 "
        "and 2-2-1 designs); significant when the interval excludes 0"
    ),
    "joint": (
        "joint significance: an indirect effect counts as significant when every path in it "
        "is significant by its t-test; undefined (NA) for sums of indirect effects"
    ),
}


@dataclass(frozen=True, eq=False)
class PowerResult(ResultMixin):
    """Result of :func:`power_mediation` and :func:`sample_size_mediation`.

    Attributes
    ----------
    table : DataFrame
        One row per sample size and effect: ``n, effect, power, power_ci_low,
        power_ci_high, n_reps, n_failed`` (``n_rows``: expected total mentees, clustered
        designs). ``n`` is the number of rows, or of clusters (mentors) in the 2-1-1 and 2-2-1
        designs. The power CI is the
        exact Clopper-Pearson interval (R ``binom.test``) at ``power_ci_level``.
    paths : DataFrame
        Power of each path's t-test (``a:<m>``, ``b:<m>``, ...): ``n, term, power,
        power_ci_low, power_ci_high``.
    population : DataFrame
        The population values used (``term, value``): path coefficients, residual variances,
        correlations.
    effect : str
        The headline effect (``indirect:<m>``, ``indirect_total``, the full serial chain or
        ``index``), used by :meth:`curve`, :meth:`plot` and the sample-size search.
    n_required, target : int, float or None
        Set by :func:`sample_size_mediation`: the smallest n found with power >= target.
    """

    table: pd.DataFrame
    paths: pd.DataFrame
    population: pd.DataFrame
    design: str
    method: str
    effect: str
    n_reps: int
    n_boot: int | None
    alpha: float
    seed: int
    standardized: bool
    power_ci_level: float = 0.95
    icc: float | None = None
    cluster_size: float | None = None
    cluster_sizes: str | None = None
    icc_m: float | None = None
    n_required: int | None = None
    target: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Power analysis (simulation)"

    def _meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "design": self.design,
            "method": METHOD_NAMES[self.method],
            "effect": self.effect,
            "n_reps": self.n_reps,
        }
        if self.n_boot is not None:
            meta["n_boot" if self.method == "percentile" else "n_draws"] = self.n_boot
        meta["alpha"] = self.alpha
        meta["seed"] = self.seed
        if self.icc is not None:
            meta["icc"] = self.icc
            if self.icc_m is not None:
                meta["icc_m"] = self.icc_m
            meta["cluster_size"] = self.cluster_sizes or self.cluster_size
        if self.target is not None:
            meta["target"] = self.target
            meta["n_required"] = self.n_required if self.n_required is not None else "NA"
        return meta

    def curve(self, effect: str | None = None) -> pd.DataFrame:
        """The power curve of one effect (default: :attr:`effect`), one row per n."""
        eff = choice(
            effect or self.effect,
            "effect",
            list(dict.fromkeys(self.table["effect"])),
            case_sensitive=True,
        )
        return self.table[self.table["effect"] == eff].reset_index(drop=True)

    def plot(
        self, ax: Any = None, effects: Sequence[str] | None = None, target: float | None = None
    ) -> Any:
        """Power curve(s) with their confidence bands (see :func:`figures.power.power_curve`)."""
        return figure("power.power_curve")(self, ax=ax, effects=effects, target=target)


def clopper_pearson(k: FloatArray, n: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
    """Exact binomial CI of k successes in n trials (R ``binom.test(k, n)$conf.int``)."""
    q = (1 - level) / 2
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, stats.beta.ppf(q, k, n - k + 1), 0.0)
        hi = np.where(k < n, stats.beta.ppf(1 - q, k + 1, n - k), 1.0)
    return lo, hi


def power_tables(
    runs: Sequence[RunCounts], method: str, level: float, cluster_size: float | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The power of every effect and of every path's t-test, one row per n (and effect)."""
    rows, prow = [], []
    for res in runs:
        nv = res.n_valid
        for eff, cnt in res.effects.items():
            defined = method != "joint" or res.joint_defined[eff]
            rows.append((res.n, eff, cnt if defined else np.nan, nv, res.n_failed))
        for term, cnt in res.paths.items():
            prow.append((res.n, term, cnt, nv))
    tab = pd.DataFrame(rows, columns=["n", "effect", "k", "n_reps", "n_failed"])
    with np.errstate(invalid="ignore", divide="ignore"):
        tab["power"] = tab["k"] / tab["n_reps"]
    lo, hi = clopper_pearson(tab["k"].to_numpy(), tab["n_reps"].to_numpy(), level)
    tab["power_ci_low"] = np.where(tab["k"].notna(), lo, np.nan)
    tab["power_ci_high"] = np.where(tab["k"].notna(), hi, np.nan)
    cols = ["n", "effect", "power", "power_ci_low", "power_ci_high", "n_reps", "n_failed"]
    if cluster_size is not None:
        tab["n_rows"] = np.round(tab["n"] * float(cluster_size)).astype(int)
        cols.append("n_rows")
    tab = tab[cols].sort_values(["n", "effect"], kind="stable").reset_index(drop=True)
    paths = pd.DataFrame(prow, columns=["n", "term", "k", "n_reps"])
    paths["power"] = paths["k"] / paths["n_reps"]
    lo, hi = clopper_pearson(paths["k"].to_numpy(), paths["n_reps"].to_numpy(), level)
    paths["power_ci_low"], paths["power_ci_high"] = lo, hi
    paths = paths[["n", "term", "power", "power_ci_low", "power_ci_high", "n_reps"]]
    return tab, paths.sort_values(["n", "term"], kind="stable").reset_index(drop=True)
