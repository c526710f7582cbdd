"""``ld.icc``: intraclass correlations ICC(1) and ICC(2) of a variable within groups.

Two estimators, each reproducing one R reference: the variance ratio of the REML null model
(lme4) and the one-way ANOVA formulas of Bliese (2000) (``multilevel::ICC1`` / ``ICC2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from .._core.checks import choice
from .._core.data import complete_cases, require_columns
from .._core.results import ResultMixin
from ..exceptions import DataValidationError, ModelError
from .lmm import icc as _engine_icc

__all__ = ["ICCResult", "icc"]

_REFERENCES = {
    "reml": "lme4: tau2 / (tau2 + sigma2) of lmer(y ~ 1 + (1 | g), REML = TRUE); "
    "ICC(2) = tau2 / (tau2 + sigma2 / k)",
    "anova": "multilevel::ICC1(aov(y ~ as.factor(g))) and ICC2(...) (Bliese 2000)",
}


@dataclass(frozen=True, eq=False)
class ICCResult(ResultMixin):
    """Result of :func:`icc`.

    Attributes
    ----------
    table : DataFrame
        ``term, estimate`` with the rows ``ICC(1)``, ``ICC(2)``, ``tau2`` (between-group
        variance) and ``sigma2`` (within-group variance).
    icc1, icc2, tau2, sigma2 : float
    k : float
        Rows per group on average, ``n / n_groups``.
    y, groups, method : str
    n, n_groups, n_dropped : int
    notes : tuple of str
    """

    table: pd.DataFrame
    icc1: float
    icc2: float
    tau2: float
    sigma2: float
    k: float
    y: str
    groups: str
    method: str
    n: int
    n_groups: int
    n_dropped: int
    notes: tuple[str, ...] = ()

    _title: ClassVar[str] = "Intraclass correlation"

    def _meta(self) -> dict[str, Any]:
        return {
            "variable": self.y,
            "groups": self.groups,
            "method": "REML null model" if self.method == "reml" else "one-way ANOVA",
            "n": self.n,
            "n_groups": self.n_groups,
            "n_dropped": self.n_dropped,
            "k (mean group size)": self.k,
        }


def icc(df: pd.DataFrame, y: str, groups: str, method: str = "reml") -> ICCResult:
    """ICC(1) and ICC(2) of ``y`` within ``groups``, by REML (lme4) or one-way ANOVA (Bliese).

    Parameters
    ----------
    df : DataFrame
    y : str
        The variable (a numeric column), e.g. a mentee outcome.
    groups : str
        The grouping column, e.g. ``"mentor_id"``.
    method : {"reml", "anova"}
        ``"reml"`` (default): variance components of the REML null model
        ``lmer(y ~ 1 + (1 | groups))``, the toolkit's ICC(1) and :attr:`MixedResult.icc`.
        ``"anova"``: one-way ANOVA mean squares, as ``multilevel::ICC1`` / ``ICC2``.

    Returns
    -------
    ICCResult
        ``.icc1``, ``.icc2``, ``.tau2``, ``.sigma2``, ``.k``, ``.table``, ``.n``,
        ``.n_groups``, ``.n_dropped``, ``.notes``; ``summary()``.

    Raises
    ------
    DataValidationError
        Unknown column, or ``y`` not numeric.
    ModelError
        Fewer than 2 groups, or one row per group, in the complete rows.

    Notes
    -----
    Rows missing ``y`` or the group are left out (counted in ``n_dropped``). With N rows in J
    groups and :math:`k = N / J` for both methods:

    * ``"reml"``: :math:`ICC(1) = \\tau^2 / (\\tau^2 + \\sigma^2)` and
      :math:`ICC(2) = \\tau^2 / (\\tau^2 + \\sigma^2 / k) = k\\,ICC(1) / (1 + (k-1)\\,ICC(1))`,
      with :math:`\\tau^2, \\sigma^2` the REML estimates of ``lmer(y ~ 1 + (1 | g))``
      (Raudenbush & Bryk 2002). :math:`\\tau^2` is never negative (0 at the boundary).
    * ``"anova"`` (Bliese 2000; ``multilevel::ICC1``, ``ICC2`` of ``aov(y ~ as.factor(g))``):
      :math:`ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)`,
      :math:`ICC(2) = (MSB - MSW) / MSB`; ``tau2`` is :math:`(MSB - MSW) / k` and ``sigma2``
      MSW. ICC(1) can be negative (MSB < MSW).

    On balanced groups with :math:`MSB \\ge MSW` the two agree exactly (REML's variance
    components are then the ANOVA ones). On unbalanced groups they differ: ANOVA weights every
    group by its size through k = N / J, REML weights group means by their precision.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In K. J.
    Klein & S. W. J. Kozlowski (Eds.), *Multilevel theory, research, and methods in
    organizations* (pp. 349-381). Jossey-Bass.

    Raudenbush, S. W., & Bryk, A. S. (2002). *Hierarchical linear models* (2nd ed.). Sage.

    Examples
    --------
    Mentee hireability within mentors (Study 3). R: ``m <- lmer(hireability ~ 1 +
    (1 | mentor_id), d)`` and ``multilevel::ICC1(aov(hireability ~ as.factor(mentor_id), d))``.

    >>> import learning_direction as ld
    >>> raw = ld.load_dataset("study3")
    >>> d = raw.join(ld.score(raw, ["hireability"]).scores)
    >>> res = ld.icc(d, "hireability", "mentor_id")
    >>> round(res.icc1, 4), round(res.icc2, 4), res.n, res.n_groups, res.n_dropped
    (0.1621, 0.5054, 634, 120, 1)
    >>> a = ld.icc(d, "hireability", "mentor_id", method="anova")
    >>> round(a.icc1, 4), round(a.icc2, 4)
    (0.1625, 0.5062)
    """
    method = choice(method, "method", ["reml", "anova"])
    for name, value in (("y", y), ("groups", groups)):
        if not isinstance(value, str):
            raise DataValidationError(f"icc: {name} must be a column name, got {value!r}")
    require_columns(df, [y, groups], "icc")
    if not pd.api.types.is_numeric_dtype(df[y].dtype) or pd.api.types.is_bool_dtype(df[y]):
        raise DataValidationError(
            f"icc: '{y}' is not numeric (dtype {df[y].dtype}); recode it to numbers first"
        )
    data, report = complete_cases(df, [y, groups], "icc")
    n_groups = int(data[groups].nunique())
    if n_groups < 2 or n_groups >= len(data):
        raise ModelError(
            f"icc: '{groups}' has {n_groups} group(s) for {len(data)} complete rows; an ICC "
            "needs at least 2 groups and some groups with several rows"
        )
    est = _engine_icc(data[y].to_numpy(dtype=float), data[groups].to_numpy(dtype=object), method)
    notes = [report.reason] if report.n_dropped else []
    if method == "anova" and est.icc1 < 0:
        notes.append("ICC(1) < 0: the between-group mean square is below the within one")
    if method == "reml" and est.tau2 == 0:
        notes.append("tau2 = 0: the REML estimate is on the boundary (lme4's singular fit)")
    notes.append(f"as {_REFERENCES[method]}")
    table = pd.DataFrame(
        {
            "term": ["ICC(1)", "ICC(2)", "tau2", "sigma2"],
            "estimate": [est.icc1, est.icc2, est.tau2, est.sigma2],
        }
    )
    return ICCResult(
        table=table, icc1=est.icc1, icc2=est.icc2, tau2=est.tau2, sigma2=est.sigma2, k=est.k,
        y=y, groups=groups, method=method, n=len(data), n_groups=n_groups,
        n_dropped=int(report.n_dropped), notes=tuple(notes),
    )  # fmt: skip
