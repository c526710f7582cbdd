"""A linear mixed-model engine of our own: lme4's profiled deviance, lmerTest's Satterthwaite
and pbkrtest's Kenward-Roger t tests, computed from per-group sufficient statistics.

* :func:`fit_lmm` fits ``y = Xβ + Zb + ε`` by REML or ML: one grouping factor with q correlated
  (``(1 + x | g)``) or independent (``(1 + x || g)``) random effects per group, or two nested
  factors (``(1 | program/mentor)``, optionally with random slopes at either level).
* :func:`fixed_effect_tests` gives, per fixed effect, the estimate, SE,
  df, t, p value and CI by Satterthwaite, Kenward-Roger or Wald; :func:`contrast_test` does the
  same for any 1-df contrast.
* :func:`icc` gives ICC(1) and ICC(2) by REML (lme4) or one-way ANOVA (``multilevel``).

Numbers agree with lme4 1.1-31, lmerTest 3.1-3 and pbkrtest 0.5.2 (``tests/test_lmm_engine.py``
against ``tests/reference/make_lmm_reference.R``).
"""

from ._fit import LMMFit, fit_lmm
from ._icc import ICCEstimate, icc
from ._inference import (
    KenwardRoger,
    contrast_test,
    fixed_effect_tests,
    kenward_roger,
    satterthwaite_df,
)

__all__ = [
    "ICCEstimate",
    "KenwardRoger",
    "LMMFit",
    "contrast_test",
    "fit_lmm",
    "fixed_effect_tests",
    "icc",
    "kenward_roger",
    "satterthwaite_df",
]
