"""Fitting :func:`~learning_direction.models.regression.mixed` on the toolkit's engine
(:mod:`learning_direction.models.lmm`): one grouping factor, or two nested ones.

:class:`FitOutput` is what both engines (this one and the statsmodels fallback in
:mod:`._mixed_fallback`) hand back to :func:`mixed`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..._core.warn import warn_user
from ...exceptions import ModelWarning
from .._design import Design
from .._types import FloatArray
from ..lmm import LMMFit, fit_lmm, fixed_effect_tests, kenward_roger
from ._mixed_spec import GroupSpec, RandomPart

__all__ = ["FitOutput", "engine_covers", "fit_engine", "forward_warnings"]

TABLE_COLUMNS = ["term", "estimate", "se", "df", "t", "p_value", "ci_low", "ci_high"]


@dataclass(frozen=True)
class FitOutput:
    """A fitted mixed model in the form :class:`MixedResult` reports it."""

    table: pd.DataFrame
    vcov: FloatArray
    variance_components: pd.DataFrame
    loglik: float
    model: Any
    icc: float
    icc2: float
    n_groups: dict[str, int]
    engine: str
    df_method: str
    notes: list[str] = field(default_factory=list)


def engine_covers(spec: GroupSpec) -> bool:
    """One grouping factor, or two nested ones (any random effects at either level)."""
    return spec.kind == "single" or (spec.kind == "nested" and len(spec.factors) == 2)


@contextmanager
def forward_warnings(notes: list[str], what: str = "mixed") -> Iterator[None]:
    """Warnings raised inside go on to the caller (as ModelWarning) and into ``notes``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, FutureWarning | DeprecationWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            continue
        msg = str(w.message)
        if msg not in notes:
            notes.append(msg)
            warn_user(f"{what}: {msg}", ModelWarning)


def _labels(data: pd.DataFrame, spec: GroupSpec) -> tuple[object, object]:
    inner = data[spec.inner].to_numpy(dtype=object)
    outer = data[spec.factors[0]].to_numpy(dtype=object) if spec.kind == "nested" else None
    return inner, outer


def _tests(fit: LMMFit, method: str, level: float) -> tuple[pd.DataFrame, FloatArray]:
    table = fixed_effect_tests(fit, method=method, level=level)
    vcov = kenward_roger(fit).vcov_adj if method == "kenward-roger" else fit.vcov_beta
    return table[TABLE_COLUMNS], np.asarray(vcov, dtype=np.float64)


def _null_icc(y: FloatArray, data: pd.DataFrame, spec: GroupSpec) -> tuple[float, float]:
    """ICC(1) of the REML null model with the same grouping, and ICC(2) with k = N / J.

    Nested: the correlation of two rows of the same innermost group,
    ``(τ²_inner + τ²_outer) / (τ²_inner + τ²_outer + σ²)``.
    """
    inner, outer = _labels(data, spec)
    n = len(y)
    ones = np.ones((n, 1))
    null = fit_lmm(y, ones, ones, inner, nested_in=outer, reml=True)
    tau2 = float(sum(c[0, 0] for c in null.covariances))
    icc1 = tau2 / (tau2 + null.residual_variance)
    k = n / null.n_groups[0]
    return icc1, k * icc1 / (1.0 + (k - 1.0) * icc1)


def fit_engine(
    design: Design,
    Z: dict[str, pd.DataFrame],
    data: pd.DataFrame,
    spec: GroupSpec,
    parts: tuple[RandomPart, ...],
    *,
    reml: bool,
    method: str,
    level: float,
) -> FitOutput:
    """Fit by :func:`~learning_direction.models.lmm.fit_lmm` and test every fixed effect."""
    inner_part = parts[-1]
    outer_part = parts[0] if spec.kind == "nested" else None
    inner, outer = _labels(data, spec)
    notes: list[str] = []
    y = design.y.to_numpy(dtype=np.float64)
    with forward_warnings(notes):
        fit = fit_lmm(
            y, design.X.to_numpy(dtype=np.float64), Z[spec.inner].to_numpy(dtype=np.float64),
            inner, reml=reml, covariance=inner_part.covariance, nested_in=outer,
            Z_outer=None if outer_part is None else Z[outer_part.factor].to_numpy(),
            outer_covariance="unstructured" if outer_part is None else outer_part.covariance,
            fixed_names=list(design.X.columns), random_names=list(Z[spec.inner].columns),
            outer_random_names=None if outer_part is None else list(Z[outer_part.factor].columns),
            group_name=spec.level_name(spec.inner), outer_name=spec.factors[0],
        )  # fmt: skip
        table, vcov = _tests(fit, method, level)
        icc1, icc2 = _null_icc(y, data, spec)
    if fit.singular:
        msg = (
            "boundary (singular) fit: a random-effect variance is estimated at zero or a "
            "correlation at +-1 (lme4's isSingular); the model is effectively simpler - "
            "consider dropping that random effect"
        )
        notes.append(msg)
        warn_user(f"mixed: {msg}", ModelWarning)
    names = [spec.level_name(f) for f in reversed(spec.factors)]
    return FitOutput(
        table=table,
        vcov=vcov,
        variance_components=fit.variance_components,
        loglik=fit.loglik,
        model=fit,
        icc=icc1,
        icc2=icc2,
        n_groups=dict(zip(names, fit.n_groups, strict=True)),
        engine="learning_direction",
        df_method=method,
        notes=notes,
    )
