"""The Higgins & Kram (2001) typology: range × tie strength, each split into low and high.

Range low/high × strength low/high gives receptive (low, weak), traditional (low, strong),
opportunistic (high, weak) and entrepreneurial (high, strong) networks. :class:`Typology` holds
how the split is made (the options of :func:`~learning_direction.network_metrics`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core.checks import choice
from ..exceptions import ConfigError
from .columns import NETWORK_TYPES

__all__ = ["Typology", "classify"]

#: network type keyed by (range high?, strength high?)
_TYPE_OF = {
    (False, False): "receptive",
    (False, True): "traditional",
    (True, False): "opportunistic",
    (True, True): "entrepreneurial",
}


@dataclass(frozen=True)
class Typology:
    """How range and strength are split into low and high (see :func:`network_metrics`)."""

    split: str = "median"
    cutoffs: Mapping[str, float] | None = None
    range_measure: str = "blau"
    at_split: str = "low"

    @property
    def range_col(self) -> str:
        """The metric used as range: ``blau_range`` or ``n_spheres``."""
        return "blau_range" if self.range_measure == "blau" else "n_spheres"

    @property
    def method(self) -> str:
        """``"median split"``, or ``"fixed cut-offs"`` (with the median for a missing one)."""
        if self.cutoffs:
            return "fixed cut-offs" + (" (median for the rest)" if len(self.cutoffs) < 2 else "")
        return "median split"

    def check(self) -> None:
        """A clear :class:`~learning_direction.exceptions.ConfigError` for a bad option."""
        if self.split not in ("median", "fixed"):
            raise ConfigError(
                f"split={self.split!r} is not known; use 'median' or 'fixed' (with cutoffs=)"
            )
        if self.split == "fixed" and not self.cutoffs:
            raise ConfigError(
                "split='fixed' needs cutoffs=, e.g. cutoffs={'range': 0.5, 'strength': 3.5}"
            )
        if self.cutoffs is not None:
            _check_cutoffs(self.cutoffs)
        choice(self.range_measure, "range_measure", ("blau", "n_spheres"), error=ConfigError,
               case_sensitive=True)  # fmt: skip
        choice(self.at_split, "at_split", ("low", "high"), error=ConfigError, case_sensitive=True)


def _check_cutoffs(cutoffs: object) -> None:
    if not isinstance(cutoffs, Mapping):
        raise ConfigError("cutoffs= must be a dict like {'range': 0.5, 'strength': 3.5}")
    unknown = set(cutoffs) - {"range", "strength"}
    if unknown:
        raise ConfigError(
            f"cutoffs= has unknown key(s) {sorted(unknown)}; use 'range' and/or 'strength'"
        )
    for k, v in cutoffs.items():
        try:
            float(v)
        except (TypeError, ValueError):
            raise ConfigError(f"cutoffs[{k!r}] must be a number, got {v!r}") from None


def _split_value(values: pd.Series, which: str, cutoffs: Mapping[str, float] | None) -> float:
    if cutoffs is not None and which in cutoffs:
        return float(cutoffs[which])
    v = values.dropna()
    return float(v.median()) if len(v) else float("nan")


def _low_high(values: pd.Series, split: float, at_split: str) -> pd.Series:
    high = values > split if at_split == "low" else values >= split
    out = pd.Series(np.where(high, "high", "low"), index=values.index, dtype="object")
    return out.where(values.notna() & np.isfinite(split))


def classify(table: pd.DataFrame, typology: Typology) -> tuple[pd.DataFrame, dict[str, float]]:
    """``table`` with ``range_level, strength_level, network_type``, and the split values."""
    splits = {
        "range": _split_value(table[typology.range_col], "range", typology.cutoffs),
        "strength": _split_value(table["strength"], "strength", typology.cutoffs),
    }
    r = _low_high(table[typology.range_col], splits["range"], typology.at_split)
    s = _low_high(table["strength"], splits["strength"], typology.at_split)
    both = r.notna() & s.notna()
    types = pd.Series(pd.NA, index=table.index, dtype="object")
    for (rh, sh), name in _TYPE_OF.items():
        types[both & (r == ("high" if rh else "low")) & (s == ("high" if sh else "low"))] = name
    table = table.assign(
        range_level=r,
        strength_level=s,
        network_type=pd.Categorical(types, categories=list(NETWORK_TYPES)),
    )
    return table, splits
