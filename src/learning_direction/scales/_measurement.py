"""A scale (or lavaan syntax) as a measurement model: its syntax, item data and names.

:func:`measurement_model` turns a scale definition into lavaan syntax (each subscale a factor
measured by its items, reverse-keyed items reversed first) with the item data, or reads
lavaan syntax given directly. Item ids and subscale names that are not valid lavaan names
(or that collide with each other) are given safe aliases in the syntax and mapped back in
every table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..exceptions import ModelError
from ..models.sem import parse_model
from .codebook import Scale, load_scale
from .reliability import item_matrix

__all__ = ["Measurement", "is_syntax", "measurement_model"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._]*$")


@dataclass(frozen=True)
class Measurement:
    """A measurement model ready for the SEM engine.

    Attributes
    ----------
    instrument : str
        The scale's name (``"model"`` for syntax given directly).
    syntax : str
        lavaan syntax in the engine's names.
    data : DataFrame
        The item columns (engine names) and the ``extra`` columns, original index kept.
    factors : list of str
        Factor names (display names), in order.
    items : dict
        Factor -> its items (display names).
    alias : dict
        Engine name -> display name (items and factors).
    column_of : dict
        Item -> the data column it came from.
    reversed : dict
        Item -> reverse-keyed.
    """

    instrument: str
    syntax: str
    data: pd.DataFrame
    factors: list[str]
    items: dict[str, list[str]]
    alias: dict[str, str] = field(default_factory=dict)
    column_of: dict[str, str] = field(default_factory=dict)
    reversed: dict[str, bool] = field(default_factory=dict)

    @property
    def item_ids(self) -> list[str]:
        return [i for f in self.factors for i in self.items[f]]

    def name(self, engine_name: str) -> str:
        """Display name of an engine name."""
        return self.alias.get(engine_name, engine_name)


def is_syntax(scale: object) -> bool:
    """A string with ``=~`` is lavaan syntax, not a scale name or path."""
    return isinstance(scale, str) and "=~" in scale


def _from_syntax(df: pd.DataFrame, model: str) -> Measurement:
    parsed = parse_model(model)
    if parsed.levels or parsed.groups:
        raise ModelError(
            "a CFA model has no 'level:' or 'group:' blocks; pass group='column' for groups"
        )
    factors = list(dict.fromkeys(s.lhs for s in parsed.statements if s.op == "=~"))
    if not factors:
        raise ModelError(
            "the CFA model defines no factor: write each factor as 'f =~ item1 + item2 + item3'"
        )
    items = {f: [s.rhs for s in parsed.statements if s.op == "=~" and s.lhs == f] for f in factors}
    observed = list(dict.fromkeys(i for f in factors for i in items[f] if i not in factors))
    return Measurement(
        instrument="model",
        syntax=model,
        data=df,
        factors=factors,
        items=items,
        column_of={i: i for i in observed},
        reversed={i: False for i in observed},
    )


def _aliases(sc: Scale) -> dict[str, str]:
    """Display name -> engine name (identity unless a name is not a valid lavaan name)."""
    names = sc.item_ids + sc.subscale_names
    if all(_NAME.match(n) for n in names) and len(set(names)) == len(names):
        return {n: n for n in names}
    out = {i: f"item{k + 1}" for k, i in enumerate(sc.item_ids)}
    out.update({f: f"factor{k + 1}" for k, f in enumerate(sc.subscale_names)})
    return out


def measurement_model(
    df: pd.DataFrame,
    scale: str | Path | Mapping[str, Any] | Scale,
    *,
    columns: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
    notes: list[str] | None = None,
) -> Measurement:
    """The measurement model of ``scale`` (a scale, or lavaan syntax) on ``df``.

    ``extra`` columns (a group column) are carried along with the item data of a scale; with
    syntax the data are ``df`` itself (the syntax may use any of its columns).

    Raises
    ------
    ModelError
        A factor with fewer than two items; syntax with ``level:``/``group:`` blocks or no
        factor.
    DataValidationError
        Missing or non-numeric item columns, answers outside the response range.
    """
    if is_syntax(scale):
        return _from_syntax(df, str(scale))
    sc = load_scale(scale)
    small = [s.name for s in sc.subscales if len(s.items) < 2]
    if small:
        raise ModelError(
            f"factor(s) {small} of scale '{sc.name}' have fewer than 2 items; a factor needs at "
            "least 2 indicators (3 for a one-factor model): merge or drop those subscales"
        )
    data, mapping = item_matrix(df, sc, columns, f"CFA of scale '{sc.name}'", notes)
    engine = _aliases(sc)
    data = data.rename(columns=engine)
    for col in extra:
        if col in df.columns:
            data[col] = df[col]
    syntax = "\n".join(
        f"{engine[s.name]} =~ " + " + ".join(engine[i] for i in s.item_ids) for s in sc.subscales
    )
    return Measurement(
        instrument=sc.name,
        syntax=syntax,
        data=data,
        factors=sc.subscale_names,
        items={s.name: s.item_ids for s in sc.subscales},
        alias={v: k for k, v in engine.items() if k != v},
        column_of=dict(mapping),
        reversed={i.id: i.reverse for i in sc.items},
    )
