"""Checks of option values shared across analyses (one wording for one mistake)."""

from __future__ import annotations

import numbers

from ..exceptions import ModelError


def check_level(
    value: object, name: str = "ci_level", error: type[Exception] = ModelError
) -> float:
    """A confidence level: a real number strictly between 0 and 1, returned as float.

    Anything else (text, ``True``, NaN, ``95``) raises ``error`` naming ``name``; a value between
    1 and 100 gets the hint that it was probably meant as a percentage.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and 0 < float(value) < 1:  # type: ignore[arg-type]
        return float(value)  # type: ignore[arg-type]
    hint = ""
    if ok and 1 < float(value) < 100:  # type: ignore[arg-type]
        hint = f" (did you mean {name}={float(value) / 100:g}?)"  # type: ignore[arg-type]
    raise error(f"{name} must be a number between 0 and 1 (e.g. 0.95), got {value!r}{hint}")
