"""The R-made reference files of ``tests/reference/``, read once per test session.

Each file there was written by the R script next to it (``tests/reference/*.R``), whose
``sessionInfo()`` is saved beside it; see ``tests/reference/README.md``.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import pandas as pd

REFERENCE_DIR = Path(__file__).parent / "reference"


@functools.cache
def _csv(name: str, dtype: Any = None) -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / name, dtype=dtype)


@functools.cache
def _json(name: str) -> Any:
    return json.loads((REFERENCE_DIR / name).read_text(encoding="utf-8"))


def reference_csv(name: str, dtype: Any = None) -> pd.DataFrame:
    """A reference dataset (a fresh copy: tests may change it)."""
    return _csv(name, dtype).copy()


def reference_json(name: str) -> Any:
    """The numbers R computed, as parsed JSON (a fresh copy)."""
    return copy.deepcopy(_json(name))
