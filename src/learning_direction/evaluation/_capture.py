"""Run a call and keep the warnings it raised as report notes (one helper for the package)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["captured"]

P = ParamSpec("P")
R = TypeVar("R")


def captured(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, list[str]]:
    """``fn(*args, **kwargs)`` and the messages of the warnings it raised, each on one line.

    Every warning is recorded (also repeats), none is shown: the report lists them where they
    belong, next to the table or model they concern.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [" ".join(str(w.message).split()) for w in caught]
