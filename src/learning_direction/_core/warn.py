"""Warnings that point at the user's line, not into the library.

:func:`warn_user` issues a warning with the ``stacklevel`` of the first frame outside the
``learning_direction`` package, so ``warnings`` reports the line of the user's script or
notebook cell that called the public function (as pandas' ``find_stack_level`` does), however
deep inside the package the problem was found.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

__all__ = ["user_stacklevel", "warn_user"]

_PACKAGE = str(Path(__file__).resolve().parents[1])
#: standard-library frames that only pass a call through (a ``with`` block of the package
#: ending in contextlib's ``__exit__``): skipped like the package's own frames
_PASS_THROUGH = ("contextlib.py",)


def _inside(filename: str) -> bool:
    path = str(Path(filename).resolve())
    return path.startswith(_PACKAGE) or path.endswith(_PASS_THROUGH)


def user_stacklevel() -> int:
    """The ``stacklevel`` (for a ``warnings.warn`` in the caller) of the first frame outside
    the package."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and _inside(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn_user(message: str | Warning, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the user's line."""
    warnings.warn(message, category, stacklevel=user_stacklevel())
