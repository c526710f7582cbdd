"""Multiple imputation: chained equations (predictive mean matching or Bayesian linear
regression), and Rubin's rules.

* :mod:`.impute` -- the imputation engine (mice's ``pmm`` and ``norm``) and :class:`ImputedData`;
* :mod:`.pool` -- Rubin's rules with Barnard-Rubin df (``mice::pool``), and the pooling of
  :func:`~learning_direction.regress`, :func:`~learning_direction.logit`,
  :func:`~learning_direction.mixed` and :func:`~learning_direction.mediate` (MI-boot) fits,
  which those functions call when given an :class:`ImputedData` or a list of completed
  DataFrames.

:func:`learning_direction.impute` itself lives in ``scales`` (it scores codebook scales inside
every imputation, and ``models`` does not read the codebook).
"""

from __future__ import annotations

from .impute import ImputedData, impute_frame
from .pool import (
    POOLED_COLUMNS,
    as_completed,
    barnard_rubin_df,
    is_multiply_imputed,
    pool_fits,
    pool_logit,
    pool_mediation,
    pool_mediation_fits,
    pool_mixed,
    pool_regression,
    rubin,
)

__all__ = [
    "POOLED_COLUMNS",
    "ImputedData",
    "as_completed",
    "barnard_rubin_df",
    "impute_frame",
    "is_multiply_imputed",
    "pool_fits",
    "pool_logit",
    "pool_mediation",
    "pool_mediation_fits",
    "pool_mixed",
    "pool_regression",
    "rubin",
]
