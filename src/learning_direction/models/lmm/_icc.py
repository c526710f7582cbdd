"""Intraclass correlations ICC(1) and ICC(2) of a grouped variable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..._core.checks import choice
from ...exceptions import DataValidationError, ModelError
from ._fit import fit_lmm
from ._small import FloatArray

__all__ = ["ICCEstimate", "icc"]


@dataclass(frozen=True)
class ICCEstimate:
    """ICC(1) (reliability of one member's score) and ICC(2) (of a group mean).

    ``tau2`` and ``sigma2`` are the between- and within-group variances (REML estimates for
    ``method="reml"``; ``(MSB - MSW) / k`` and ``MSW`` for ``"anova"``), ``k = n / n_groups``.
    """

    icc1: float
    icc2: float
    tau2: float
    sigma2: float
    k: float
    n: int
    n_groups: int
    method: str


def _anova(y: FloatArray, codes: FloatArray, n_groups: int) -> tuple[float, float]:
    """Mean squares between and within groups of the one-way ANOVA ``aov(y ~ factor(g))``."""
    n = len(y)
    sizes = np.bincount(codes.astype(np.intp), minlength=n_groups).astype(np.float64)
    means = np.bincount(codes.astype(np.intp), weights=y, minlength=n_groups) / sizes
    msb = float(np.sum(sizes * (means - y.mean()) ** 2) / (n_groups - 1))
    msw = float(np.sum((y - means[codes.astype(np.intp)]) ** 2) / (n - n_groups))
    return msb, msw


def icc(y: object, groups: object, method: str = "reml") -> ICCEstimate:
    """ICC(1) and ICC(2) of ``y`` within ``groups``.

    Parameters
    ----------
    y : array-like (n,)
        The variable (no missing values).
    groups : array-like (n,)
        Group label of each row.
    method : {"reml", "anova"}
        ``"reml"``: variance components of the REML null model ``y ~ 1 + (1 | g)`` (lme4).
        ``"anova"``: one-way ANOVA mean squares, as ``multilevel::ICC1`` / ``ICC2``.

    Returns
    -------
    ICCEstimate

    Notes
    -----
    With ``k = n / J`` (rows per group on average; ``J`` groups):

    * ``"reml"``: ``ICC(1) = τ² / (τ² + σ²)`` with τ², σ² from
      ``lmer(y ~ 1 + (1 | g), REML = TRUE)`` (the lme4 variance ratio, the toolkit's ICC(1)),
      and ``ICC(2) = τ² / (τ² + σ² / k)``, the reliability of a group mean of k members.
    * ``"anova"`` (Bliese 2000, ``multilevel::ICC1(aov(y ~ factor(g)))`` and ``ICC2``):
      ``ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW)``, ``ICC(2) = (MSB - MSW) / MSB``. It can be
      negative; on unbalanced groups it differs from the REML ratio.

    References
    ----------
    Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability. In K. J.
    Klein & S. W. J. Kozlowski (Eds.), *Multilevel theory, research, and methods in
    organizations* (pp. 349-381). Jossey-Bass.

    Examples
    --------
    Hireability ratings of mentees within mentors (R: ``multilevel::ICC1(aov(hire ~
    factor(mentor_id), d))`` and ``ICC2(...)``; ``lmer(hire ~ 1 + (1 | mentor_id), d)`` for
    ``"reml"``):

    >>> import learning_direction as ld
    >>> from learning_direction.models.lmm import icc
    >>> d = ld.load_dataset("study3").dropna(subset=["hire_1", "hire_2", "hire_3"])
    >>> hire = d[["hire_1", "hire_2", "hire_3"]].mean(axis=1)
    >>> res = icc(hire, d["mentor_id"], method="anova")
    >>> res.n, res.n_groups, res.k, round(res.icc1, 4), round(res.icc2, 4)
    (585, 120, 4.875, 0.1629, 0.4869)
    >>> round(icc(hire, d["mentor_id"], method="reml").icc1, 4)
    0.1644
    """
    method = choice(method, "method", ["reml", "anova"])
    yv = np.asarray(y, dtype=np.float64).ravel()
    if not np.all(np.isfinite(yv)):
        raise DataValidationError(
            f"y has {int((~np.isfinite(yv)).sum())} missing or infinite value(s); drop those rows"
        )
    codes, _ = pd.factorize(np.asarray(groups, dtype=object).ravel(), sort=True)
    if len(codes) != len(yv) or (codes < 0).any():
        raise DataValidationError(
            "groups must give one non-missing label per value of y "
            f"({len(yv)} values, {len(codes)} labels, {int((codes < 0).sum())} missing)"
        )
    n, J = len(yv), int(codes.max()) + 1
    if J < 2 or J >= n:
        raise ModelError(
            f"an ICC needs at least 2 groups and more rows than groups; got {J} group(s) "
            f"for {n} rows"
        )
    k = n / J
    if method == "anova":
        msb, msw = _anova(yv, codes.astype(np.float64), J)
        return ICCEstimate(
            (msb - msw) / (msb + (k - 1) * msw), (msb - msw) / msb,
            (msb - msw) / k, msw, k, n, J, method,
        )  # fmt: skip
    fit = fit_lmm(yv, np.ones((n, 1)), np.ones((n, 1)), codes, reml=True)
    tau2, s2 = float(fit.covariances[0][0, 0]), fit.residual_variance
    return ICCEstimate(tau2 / (tau2 + s2), tau2 / (tau2 + s2 / k), tau2, s2, k, n, J, method)
