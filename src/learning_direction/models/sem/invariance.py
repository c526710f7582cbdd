"""Measurement invariance across groups: configural, metric, scalar and strict models.

Each level adds equality constraints to the one before (lavaan's ``group.equal``):

==============  ==========================================  ==============================
level           equal across groups                         lavaan
==============  ==========================================  ==============================
configural      nothing (the same model in every group)     ``cfa(model, group = g)``
metric          loadings                                    ``group.equal = "loadings"``
scalar          loadings, intercepts (latent means free)    ``+ "intercepts"``
strict          loadings, intercepts, residual variances    ``+ "residuals"``
==============  ==========================================  ==============================

Partial invariance frees the parameters named in ``partial`` (lavaan's ``group.partial``) at
every level. Each level is compared with the one before it by

* the chi-square difference test (``lavTestLRT``): ``T1 - T0`` on ``df1 - df0`` degrees of
  freedom; under MLR the scaled difference of Satorra & Bentler (2001),
  ``(T1 - T0) / cd`` with ``cd = (df1 c1 - df0 c0) / (df1 - df0)`` (``T`` the unscaled
  statistics, ``c`` their Yuan-Bentler scaling factors), lavaan's
  ``method = "satorra.bentler.2001"``;
* the change in CFI and RMSEA (Chen 2007): the constraints hold when
  ``delta CFI >= -0.010`` and ``delta RMSEA <= 0.015``.

The fit indices are those ``semTools::compareFit`` reports: ``chisq``, ``cfi`` and ``rmsea``
under ML; under MLR the scaled statistic and the robust CFI and RMSEA (``chisq.scaled``,
``cfi.robust``, ``rmsea.robust``; FIML-corrected with missing data).

References
----------
Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance.
*Structural Equation Modeling*, 14, 464-504.
Meredith, W. (1993). Measurement invariance, factor analysis and factorial invariance.
*Psychometrika*, 58, 525-543.
Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for moment
structure analysis. *Psychometrika*, 66, 507-514.
Vandenberg, R. J., & Lance, C. E. (2000). A review and synthesis of the measurement invariance
literature. *Organizational Research Methods*, 3, 4-70.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
from scipy import stats

from ..._core.format import fmt_num, fmt_p, format_number
from ..._core.results import ResultMixin, table_to_text
from ...exceptions import ModelError
from .api import sem
from .result import SEMResult

__all__ = ["LEVELS", "InvarianceResult", "fit_invariance"]

LEVELS = ("configural", "metric", "scalar", "strict")
_EQUAL = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
#: Chen (2007): largest drop in CFI and largest rise in RMSEA for the constraints to hold
DELTA_CFI = -0.010
DELTA_RMSEA = 0.015
ALPHA = 0.05
_WHAT = {
    "metric": "loadings",
    "scalar": "intercepts",
    "strict": "residual variances",
}


@dataclass(frozen=True)
class InvarianceResult(ResultMixin):
    """Result of :func:`learning_direction.invariance`.

    Attributes
    ----------
    table : DataFrame
        One row per level: ``level, chisq, df, p, cfi, rmsea, srmr, delta_chisq, delta_df,
        p_delta, delta_cfi, delta_rmsea, holds_chisq, holds_fit, decision``. ``chisq`` is the
        scaled statistic and ``cfi``/``rmsea`` the robust indices under MLR; the deltas compare
        each level with the one before (empty for the first); ``holds_chisq`` is
        ``p_delta >= 0.05``, ``holds_fit`` Chen's rule ``delta_cfi >= -0.010`` and
        ``delta_rmsea <= 0.015``; ``decision`` says whether the level is supported (by Chen's
        rule; the chi-square test is reported beside it).
    fits : dict
        The :class:`~learning_direction.models.sem.SEMResult` of each level.
    group : str
    group_labels : tuple
    n, n_dropped : int
    estimator, missing : str
    partial : tuple of str
        Parameters freed at every level (partial invariance).
    highest : str or None
        The highest level supported in sequence (``None`` when even the first comparison fails,
        or when only one level was fitted).
    """

    table: pd.DataFrame
    fits: dict[str, SEMResult] = field(repr=False)
    group: str
    group_labels: tuple[object, ...]
    n: int
    n_dropped: int
    estimator: str = "ML"
    missing: str = "listwise"
    partial: tuple[str, ...] = ()
    highest: str | None = None
    method: str = ""
    notes: tuple[str, ...] = ()

    _title: ClassVar[str] = "Measurement invariance"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "group": f"{self.group}: {', '.join(str(g) for g in self.group_labels)}",
            "n": self.n,
            "n_dropped": self.n_dropped,
        }

    def sentence(self) -> str:
        """One sentence on the result: the highest level supported and why the next fails."""
        t = self.table.set_index("level")
        levels = list(t.index)
        if len(levels) < 2:
            return f"Only the {levels[0]} model was fitted; no level was compared."
        failed = next((lv for lv in levels[1:] if t.loc[lv, "decision"] != "supported"), None)
        if failed is None:
            top = levels[-1]
            return (
                f"{top.capitalize()} invariance holds ({_deltas(t.loc[top])}): every level "
                "tested is supported."
            )
        bad = (
            f"{failed} invariance does not hold: equal {_WHAT.get(failed, 'parameters')} worsen "
            f"the fit ({_deltas(t.loc[failed])}); consider partial invariance (partial=[...]) "
            "for the parameters that differ between groups."
        )
        if self.highest is None or self.highest == levels[0]:
            return bad[0].upper() + bad[1:]
        return f"{self.highest.capitalize()} invariance holds ({_deltas(t.loc[self.highest])}), but {bad}"

    def summary(self, digits: int = 3) -> str:
        """The comparison table, the rules and the sentence."""
        lines = [self._title, "=" * len(self._title)]
        for key, value in self._meta().items():
            lines.append(f"{key}: {format_number(value, digits)}")
        lines += ["", table_to_text(self.table, digits), "", self.sentence()]
        lines.append(
            f"Rules: a level holds when delta CFI >= {DELTA_CFI:.3f} and delta RMSEA <= "
            f"{DELTA_RMSEA:.3f} against the level before (Chen 2007); the chi-square "
            f"difference test ({'Satorra-Bentler 2001 scaled' if self.estimator == 'MLR' else 'likelihood ratio'}"
            f") is reported at alpha = {ALPHA}."
        )
        lines.extend(f"Note: {n}" for n in self._notes())
        return "\n".join(lines)


def _deltas(row: pd.Series) -> str:
    text = (
        f"delta CFI = {fmt_num(row['delta_cfi'], 3)}, "
        f"delta RMSEA = {fmt_num(row['delta_rmsea'], 3)}"
    )
    if not math.isnan(float(row["delta_chisq"])):
        text += (
            f"; chi2({int(row['delta_df'])}) = {fmt_num(row['delta_chisq'], 2)}, "
            f"{fmt_p(row['p_delta'])}"
        )
    return text


def _statistics(res: SEMResult) -> dict[str, float]:
    f = res.fit.iloc[0]
    if res.estimator == "MLR":
        return {
            "chisq": float(f["chisq_scaled"]),
            "df": float(f["df"]),
            "p": float(f["p_scaled"]),
            "cfi": float(f["cfi_robust"]),
            "rmsea": float(f["rmsea_robust"]),
            "srmr": float(f["srmr"]),
        }
    return {k: float(f[k]) for k in ("chisq", "df", "p", "cfi", "rmsea", "srmr")}


def chisq_difference(restricted: SEMResult, free: SEMResult) -> tuple[float, int, float]:
    """``(T, df, p)`` of lavaan's ``lavTestLRT(free, restricted)`` (SB 2001 under MLR)."""
    f1, f0 = restricted.fit.iloc[0], free.fit.iloc[0]
    df1, df0 = int(f1["df"]), int(f0["df"])
    m = df1 - df0
    t = float(f1["chisq"] - f0["chisq"])
    if restricted.estimator == "MLR" and m > 0:
        c1 = float(f1["scaling_factor"]) if df1 > 0 else 1.0
        c0 = float(f0["scaling_factor"]) if df0 > 0 else 1.0
        cd = (df1 * c1 - df0 * c0) / m
        t = t / cd if cd > 0 else math.nan
    p = float(stats.chi2.sf(t, m)) if m > 0 and not math.isnan(t) else math.nan
    return t, m, p


def _compare(fits: dict[str, SEMResult]) -> pd.DataFrame:
    rows = []
    previous: str | None = None
    for level, res in fits.items():
        row: dict[str, Any] = {"level": level, **_statistics(res)}
        row["df"] = int(row["df"])
        if previous is None:
            row.update(delta_chisq=math.nan, delta_df=0, p_delta=math.nan)
            row.update(delta_cfi=math.nan, delta_rmsea=math.nan, holds_chisq=True, holds_fit=True)
        else:
            before = _statistics(fits[previous])
            t, m, p = chisq_difference(res, fits[previous])
            d_cfi, d_rmsea = row["cfi"] - before["cfi"], row["rmsea"] - before["rmsea"]
            row.update(delta_chisq=t, delta_df=m, p_delta=p, delta_cfi=d_cfi, delta_rmsea=d_rmsea)
            row["holds_chisq"] = bool(math.isnan(p) or p >= ALPHA)
            row["holds_fit"] = bool(d_cfi >= DELTA_CFI - 1e-12 and d_rmsea <= DELTA_RMSEA + 1e-12)
        rows.append(row)
        previous = level
    table = pd.DataFrame(rows)
    supported = True
    decisions = []
    for k, row in table.iterrows():
        supported = supported and bool(row["holds_fit"])
        if k == 0:
            decisions.append("baseline model")
        else:
            decisions.append("supported" if supported else "not supported")
    table["decision"] = decisions
    return table


def check_levels(levels: Sequence[str] | str) -> tuple[str, ...]:
    """The levels in their nesting order (a subset of configural, metric, scalar, strict)."""
    items = [levels] if isinstance(levels, str) else list(levels)
    bad = [lv for lv in items if lv not in LEVELS]
    if bad or not items:
        raise ModelError(
            f"levels must be some of {', '.join(repr(v) for v in LEVELS)} in that order, got "
            f"{items!r}"
        )
    if [LEVELS.index(lv) for lv in items] != sorted({LEVELS.index(lv) for lv in items}):
        raise ModelError(
            "levels must be in nesting order without repeats: 'configural', 'metric', "
            f"'scalar', 'strict' (got {items!r})"
        )
    return tuple(items)


def fit_invariance(
    df: pd.DataFrame,
    model: str,
    *,
    group: str,
    levels: Sequence[str] | str = LEVELS,
    partial: Sequence[str] | str | None = None,
    missing: str = "listwise",
    estimator: str = "ML",
    notes: Sequence[str] = (),
) -> InvarianceResult:
    """Fit the invariance models of ``model`` (lavaan syntax) across the groups of ``group``.

    See :func:`learning_direction.invariance`, which also accepts a scale.
    """
    chosen = check_levels(levels)
    partial_list = [partial] if isinstance(partial, str) else list(partial or [])
    fits: dict[str, SEMResult] = {}
    for level in chosen:
        fits[level] = sem(
            df,
            model,
            group=group,
            missing=missing,
            estimator=estimator,
            group_equal=list(_EQUAL[level]) or None,
            group_partial=(partial_list or None) if _EQUAL[level] else None,
        )
    table = _compare(fits)
    first = fits[chosen[0]]
    highest = None
    if len(chosen) > 1:
        ok = [row["level"] for _, row in table.iterrows() if row["decision"] == "supported"]
        highest = ok[-1] if ok else None
    stat = "scaled chi-square, robust CFI/RMSEA" if first.estimator == "MLR" else "chi-square"
    return InvarianceResult(
        table=table,
        fits=fits,
        group=group,
        group_labels=first.group_labels,
        n=first.n,
        n_dropped=first.n_dropped,
        estimator=first.estimator,
        missing=first.missing,
        partial=tuple(partial_list),
        highest=highest,
        method=f"{first.method}; {stat}; Chen (2007) rules",
        notes=tuple(dict.fromkeys([*notes, *first.notes])),
    )
