"""Probing a moderator (shared by moderation and conditional process models): the ``probe``
option, validation of user-given probe values, and labels that tell them apart."""

from __future__ import annotations

import numbers

import numpy as np

from .._core.checks import choice
from .._core.format import format_number
from ..exceptions import LearningDirectionError, ModelError
from ._types import FloatArray

#: how a moderator is probed when no values are given: its 16th/50th/84th percentiles, or
#: its mean and mean +- 1 SD
PROBES = ("percentile", "meansd")
#: other spellings accepted for a probe (``moderated_mediation`` used the plural before)
PROBE_ALIASES = {"percentiles": "percentile"}


def check_probe(probe: object, error: type[LearningDirectionError] = ModelError) -> str:
    """The ``probe`` option spelled canonically (``"percentiles"`` is read as ``"percentile"``)."""
    return choice(probe, "probe", PROBES, aliases=PROBE_ALIASES, error=error)


def check_probe_values(
    values: object, name: str, error: type[Exception] = ModelError
) -> FloatArray:
    """Validate probe values: one number or a non-empty sequence of distinct finite numbers.

    ``error`` is the exception class raised (the caller's convention); the message names ``name``.
    """
    if isinstance(values, (str, bytes)):
        raise error(f"{name} must be a number or a list of numbers, got {values!r}")
    if isinstance(values, numbers.Real) and not isinstance(values, bool):
        values = [values]
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise error(f"{name} must be a number or a list of numbers, got {values!r}") from None
    if not items:
        raise error(f"{name} is empty; give at least one value of the moderator (e.g. [1, 3, 5])")
    if any(isinstance(v, (bool, np.bool_, str, bytes)) for v in items):
        raise error(f"{name} must be numbers, got {values!r}")
    try:
        vals = np.asarray(items, dtype=float)
    except (TypeError, ValueError):
        raise error(f"{name} must be numbers, got {values!r}") from None
    if vals.ndim != 1:
        raise error(f"{name} must be a flat list of numbers, got {values!r}")
    if not np.isfinite(vals).all():
        raise error(f"{name} must be finite numbers (no NaN or inf), got {values!r}")
    uniq, counts = np.unique(vals, return_counts=True)
    if (counts > 1).any():
        dup = ", ".join(format_number(v) for v in uniq[counts > 1])
        raise error(f"{name} lists the same value more than once ({dup}); give each value once")
    return vals


def value_labels(values: FloatArray, digits: int = 4) -> list[str]:
    """Text labels for distinct values, with as many decimals as it takes to tell them apart."""
    for d in range(digits, 17):
        labels = [format_number(v, d) for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return [repr(float(v)) for v in values]
