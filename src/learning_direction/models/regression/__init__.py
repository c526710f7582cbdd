"""Regression models that match R: OLS (``lm``), logistic (``glm``) and linear mixed (``lme4``).

* :func:`regress` (:mod:`.ols`) -- OLS with classical, HC0-HC4 or cluster-robust SEs and
  standardized betas;
* :func:`regress_steps` / :func:`compare_models` (:mod:`.compare`) -- hierarchical regression
  (Delta R^2, F change);
* :func:`logit` (:mod:`.logit`) -- logistic regression with odds ratios and pseudo-R^2;
* :func:`mixed` (:mod:`.mixed`) -- linear mixed model (random intercepts and slopes, one
  grouping factor or two nested ones on the toolkit's engine ``models.lmm``) with lme4's
  estimates and SEs, lmerTest's Satterthwaite or Kenward-Roger t tests, lme4-style variance
  components and ICC(1)/ICC(2).

Every function checks the formula's columns first (naming a missing one with close matches),
drops incomplete rows listwise and reports how many and why (``n``, ``n_dropped``, ``notes``).
"""

from __future__ import annotations

from .compare import ModelComparisonResult, compare_models, regress_steps
from .logit import LogitResult, logit
from .mixed import MixedResult, mixed
from .ols import RegressionResult, regress

__all__ = [
    "LogitResult",
    "MixedResult",
    "ModelComparisonResult",
    "RegressionResult",
    "compare_models",
    "logit",
    "mixed",
    "regress",
    "regress_steps",
]
