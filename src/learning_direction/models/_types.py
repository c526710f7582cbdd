"""Type aliases of the numerics (private): numpy arrays by element type."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["BoolArray", "FloatArray", "IntArray", "as_float"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
IntArray: TypeAlias = npt.NDArray[np.intp]


def as_float(a: npt.ArrayLike) -> FloatArray:
    """``a`` as a float64 array (no copy when it already is one), typed as such."""
    return np.asarray(a, dtype=np.float64)
