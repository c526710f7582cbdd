"""The scale codebook: load and validate scale definitions (``scales/*.yaml``).

A scale definition names its items, their subscales, which items are reverse-keyed, the
response range and how scores are formed. The bundled definitions live in the top-level
``scales/`` folder (shipped inside the wheel too); a user can load their own file or dict.
Every definition is validated on load; a bad one raises :class:`ScaleDefinitionError` naming
the file, the key and the problem.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from .._core.cells import clip
from .._core.checks import choice
from .._core.resources import scales_dir
from .._core.safe_yaml import load_yaml, read_yaml_text
from ..exceptions import ScaleDefinitionError

__all__ = [
    "Item",
    "Scale",
    "Subscale",
    "check_unique_score_names",
    "list_scales",
    "load_scale",
    "resolve_scales",
]

RESPONDENTS = ("mentor", "mentee", "rater", "ego", "dyad_member", "any")
SCORING = ("mean", "sum")
_TOP_KEYS = {
    "name",
    "title",
    "construct",
    "source",
    "respondent",
    "response",
    "scoring",
    "min_answered",
    "subscales",
    "items",
    "composites",
    "notes",
    "versions",
}
_ITEM_KEYS = {"id", "text", "reverse"}


@dataclass(frozen=True)
class Item:
    """One survey item: its id (the column name by default), wording and keying."""

    id: str
    text: str | None = None
    reverse: bool = False


@dataclass(frozen=True)
class Subscale:
    """A named group of items scored together."""

    name: str
    items: tuple[Item, ...]

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]


@dataclass(frozen=True)
class Scale:
    """A validated scale definition.

    A one-dimensional scale has a single subscale named after the scale. ``score_names`` lists
    the score columns :func:`learning_direction.score` produces: one per subscale, then one per
    composite (the mean of its subscale scores).
    """

    name: str
    response_min: float
    response_max: float
    subscales: tuple[Subscale, ...]
    title: str = ""
    construct: str = ""
    source: str = ""
    respondent: str = "any"
    labels: Mapping[int | float, str] = field(default_factory=dict)
    scoring: str = "mean"
    min_answered: float = 0.5
    composites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    one_dimensional: bool = False
    path: str | None = None

    @property
    def items(self) -> list[Item]:
        return [i for s in self.subscales for i in s.items]

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    @property
    def reversed_ids(self) -> list[str]:
        return [i.id for i in self.items if i.reverse]

    @property
    def subscale_names(self) -> list[str]:
        return [s.name for s in self.subscales]

    @property
    def score_names(self) -> list[str]:
        return self.subscale_names + list(self.composites)

    def subscale(self, name: str) -> Subscale:
        """The subscale called ``name`` (raises ScaleDefinitionError naming the choices)."""
        for s in self.subscales:
            if s.name == name:
                return s
        raise ScaleDefinitionError(
            f"scale '{self.name}' has no subscale '{name}'; its subscales are {self.subscale_names}"
        )

    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise ScaleDefinitionError(f"scale '{self.name}' has no item '{item_id}'")

    def reverse(self, values: Any) -> Any:
        """Reverse-key values: ``min + max - x``."""
        return self.response_min + self.response_max - values

    def to_frame(self) -> pd.DataFrame:
        """One row per item: ``subscale, item, reverse, text``."""
        rows = [
            {"subscale": s.name, "item": i.id, "reverse": i.reverse, "text": i.text or ""}
            for s in self.subscales
            for i in s.items
        ]
        return pd.DataFrame(rows, columns=["subscale", "item", "reverse", "text"])

    def _repr_html_(self) -> str:
        import html

        head = (
            f"<h4>{html.escape(self.title or self.name)} "
            f"(<code>{html.escape(self.name)}</code>)</h4>"
            f"<p>{html.escape(self.construct)}<br><small>Source: {html.escape(self.source)}; "
            f"respondent: {html.escape(self.respondent)}; response {self.response_min:g}–"
            f"{self.response_max:g}; scoring: {self.scoring}</small></p>"
        )
        return head + str(self.to_frame().to_html(index=False, escape=True, border=0))


# ---------------------------------------------------------------- parsing and validation


def _fail(where: str, key: str, problem: str) -> ScaleDefinitionError:
    return ScaleDefinitionError(f"{where}: key '{clip(key, 80, quote=False)}': {problem}")


def _parse_items(raw: Any, where: str, key: str) -> tuple[Item, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(where, key, "must be a non-empty list of items, e.g. [{id: q1}, {id: q2}]")
    items = []
    for k, entry in enumerate(raw):
        here = f"{key}[{k}]"
        if isinstance(entry, str):
            entry = {"id": entry}
        if not isinstance(entry, Mapping):
            raise _fail(where, here, f"an item must be a mapping with an 'id', got {clip(entry)}")
        unknown = set(entry) - _ITEM_KEYS
        if unknown:
            raise _fail(
                where,
                here,
                f"unknown item key(s) {clip(sorted(map(str, unknown)), 120)}; allowed: id, text, reverse",
            )
        item_id = entry.get("id")
        if item_id is None or str(item_id).strip() == "":
            raise _fail(where, here, "an item needs an 'id' (the column name in the data)")
        reverse = entry.get("reverse", False)
        if not isinstance(reverse, bool):
            raise _fail(where, f"{here}.reverse", f"must be true or false, got {clip(reverse)}")
        text = entry.get("text")
        items.append(
            Item(id=str(item_id), text=None if text is None else str(text), reverse=reverse)
        )
    return tuple(items)


def _number(value: Any, where: str, key: str) -> float:
    """A finite number of the definition (``.inf``, ``.nan`` and overflowing integers refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, key, f"must be a number, got {clip(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _fail(
            where,
            key,
            f"must be a finite number, got {clip(value, 40)}; give the value as written on the "
            "questionnaire (e.g. 1 or 7)",
        )
    return number


def scale_from_dict(spec: Mapping[str, Any], source: str = "<dict>") -> Scale:
    """Validate a scale definition given as a mapping and return a :class:`Scale`.

    Parameters
    ----------
    spec : mapping
        The definition, in the format of ``scales/*.yaml`` (see DESIGN.md).
    source : str
        Where the definition came from (a file path), used in error messages.
    """
    where = source
    if not isinstance(spec, Mapping):
        raise ScaleDefinitionError(f"{where}: a scale definition must be a mapping (YAML dict)")
    unknown = set(spec) - _TOP_KEYS
    if unknown:
        raise _fail(
            where,
            sorted(map(str, unknown))[0],
            f"unknown key(s) {clip(sorted(map(str, unknown)), 120)}; allowed: {sorted(_TOP_KEYS)}",
        )
    name = spec.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise _fail(where, "name", f"must be a snake_case identifier, got {clip(name)}")
    rmin, rmax, labels = _parse_response(spec.get("response"), where)
    respondent = _option(spec.get("respondent", "any"), "respondent", RESPONDENTS, where)
    scoring = _option(spec.get("scoring", "mean"), "scoring", SCORING, where)
    min_answered = _number(spec.get("min_answered", 0.5), where, "min_answered")
    if not 0 < min_answered <= 1:
        raise _fail(where, "min_answered", f"must be a share in (0, 1], got {min_answered:g}")
    has_sub, has_items = "subscales" in spec, "items" in spec
    if has_sub == has_items:
        raise _fail(
            where,
            "subscales",
            "give either 'subscales' (multidimensional) or top-level 'items' (one dimension), not both or neither",
        )
    if has_items:
        subscales: tuple[Subscale, ...] = (
            Subscale(name=name, items=_parse_items(spec["items"], where, "items")),
        )
    else:
        subscales = _parse_subscales(spec["subscales"], where)
    _refuse_duplicate_items(subscales, where, has_sub)
    composites = _parse_composites(spec.get("composites") or {}, subscales, where)
    return Scale(
        name=name,
        title=str(spec.get("title", name)),
        construct=str(spec.get("construct", "")),
        source=str(spec.get("source", "")),
        respondent=respondent,
        response_min=rmin,
        response_max=rmax,
        labels=labels,
        scoring=scoring,
        min_answered=min_answered,
        subscales=subscales,
        composites=composites,
        one_dimensional=has_items,
        path=None if source == "<dict>" else source,
    )


def _option(value: Any, key: str, allowed: Iterable[str], where: str) -> str:
    """A string option of the definition, or an error naming the file and the key."""
    try:
        return choice(value, key, allowed, error=ScaleDefinitionError, case_sensitive=True)
    except ScaleDefinitionError as exc:
        raise _fail(where, key, str(exc)) from None


def _parse_response(response: Any, where: str) -> tuple[float, float, dict[int | float, str]]:
    """``response: {min, max, labels}``: the range and the labels (keys as numbers)."""
    if not isinstance(response, Mapping) or "min" not in response or "max" not in response:
        raise _fail(
            where, "response", "missing; give the response range, e.g. response: {min: 1, max: 7}"
        )
    rmin = _number(response["min"], where, "response.min")
    rmax = _number(response["max"], where, "response.max")
    if rmin >= rmax:
        raise _fail(where, "response", f"min ({rmin:g}) must be smaller than max ({rmax:g})")
    labels_raw = response.get("labels") or {}
    if not isinstance(labels_raw, Mapping):
        raise _fail(
            where, "response.labels", "must map response values to labels, e.g. {1: Disagree}"
        )
    labels: dict[int | float, str] = {}
    for value, label in labels_raw.items():
        v = _number(value, where, f"response.labels.{value}")
        if not rmin <= v <= rmax:
            raise _fail(
                where,
                f"response.labels.{value}",
                f"value {v:g} is outside the response range {rmin:g}–{rmax:g}",
            )
        labels[int(v) if float(v).is_integer() else v] = str(label)
    extra = set(response) - {"min", "max", "labels"}
    if extra:
        raise _fail(
            where,
            "response",
            f"unknown key(s) {clip(sorted(map(str, extra)), 120)}; allowed: min, max, labels",
        )
    return rmin, rmax, labels


def _parse_subscales(raw: Any, where: str) -> tuple[Subscale, ...]:
    """``subscales: {name: {items: [...]}}``."""
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(where, "subscales", "must map subscale names to {items: [...]}")
    subs = []
    for sname, sdef in raw.items():
        if not isinstance(sname, str) or not sname.isidentifier():
            raise _fail(
                where, f"subscales.{sname}", "subscale names must be snake_case identifiers"
            )
        if not isinstance(sdef, Mapping) or "items" not in sdef:
            raise _fail(where, f"subscales.{sname}", "must be a mapping with an 'items' list")
        items = _parse_items(sdef["items"], where, f"subscales.{sname}.items")
        subs.append(Subscale(name=sname, items=items))
    return tuple(subs)


def _refuse_duplicate_items(subscales: tuple[Subscale, ...], where: str, has_sub: bool) -> None:
    seen: dict[str, str] = {}
    for s in subscales:
        for it in s.items:
            if it.id in seen:
                raise _fail(
                    where,
                    f"subscales.{s.name}" if has_sub else "items",
                    f"duplicate item id '{it.id}' (already in '{seen[it.id]}'); every item id must be unique",
                )
            seen[it.id] = s.name


def _parse_composites(
    raw_comp: Any, subscales: tuple[Subscale, ...], where: str
) -> dict[str, tuple[str, ...]]:
    """``composites: {name: [subscale, ...]}``; names must not repeat a subscale's."""
    if not isinstance(raw_comp, Mapping):
        raise _fail(where, "composites", "must map composite names to lists of subscale names")
    composites: dict[str, tuple[str, ...]] = {}
    sub_names = [s.name for s in subscales]
    for cname, members in raw_comp.items():
        if not isinstance(cname, str) or not cname.isidentifier():
            raise _fail(
                where, f"composites.{cname}", "composite names must be snake_case identifiers"
            )
        if not isinstance(members, list) or not members:
            raise _fail(where, f"composites.{cname}", "must be a non-empty list of subscale names")
        for m in members:
            if m not in sub_names:
                raise _fail(
                    where,
                    f"composites.{cname}",
                    f"names unknown subscale {clip(m)}; subscales are {sub_names}",
                )
        composites[cname] = tuple(members)
    names = sub_names + list(composites)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(
            where,
            "composites",
            f"score name(s) {dupes} used twice (a composite cannot share a subscale's name)",
        )
    return composites


def _read_yaml(path: Path) -> Any:
    """A scale file's data: a regular UTF-8 file within the limits of ``_core.safe_yaml``."""
    text = read_yaml_text(path, ScaleDefinitionError, "scale file")
    return load_yaml(text, str(path), ScaleDefinitionError)[0]


def load_scale_file(path: str | Path) -> Scale:
    """Load and validate one scale file."""
    path = Path(path)
    scale = scale_from_dict(_read_yaml(path), source=str(path))
    return scale


@lru_cache(maxsize=64)
def _load_bundled(name: str) -> Scale:
    path = scales_dir() / f"{name}.yaml"
    scale = load_scale_file(path)
    if scale.name != name:
        raise _fail(
            str(path), "name", f"is '{scale.name}' but the file is '{name}.yaml'; they must match"
        )
    return scale


def _bundled_names() -> list[str]:
    return sorted(p.stem for p in scales_dir().glob("*.yaml"))


def load_scale(scale: str | Path | Mapping[str, Any] | Scale) -> Scale:
    """Load a scale definition: a bundled name, a path to a YAML file, a dict or a :class:`Scale`.

    Parameters
    ----------
    scale : str, path, mapping or Scale
        ``"learning_direction"`` loads ``scales/learning_direction.yaml``; a path (ending in
        ``.yaml``/``.yml`` or pointing at a file) loads that file; a mapping is validated as is.

    Returns
    -------
    Scale

    Raises
    ------
    ScaleDefinitionError
        Unknown name (the message lists the bundled scales), unreadable file, malformed YAML,
        or an invalid definition (the message names the file and key).

    Examples
    --------
    >>> import learning_direction as ld
    >>> s = ld.load_scale("learning_direction")
    >>> s.subscale_names
    ['upward', 'lateral', 'downward']
    """
    if isinstance(scale, Scale):
        return scale
    if isinstance(scale, Mapping):
        return scale_from_dict(scale)
    if (
        isinstance(scale, Path)
        or str(scale).endswith((".yaml", ".yml"))
        or "/" in str(scale)
        or "\\" in str(scale)
        or Path(str(scale)).exists()
    ):
        path = Path(scale)
        if not path.exists():
            raise ScaleDefinitionError(f"{path}: scale file not found; check the path")
        return load_scale_file(path)
    if not isinstance(scale, str):
        raise ScaleDefinitionError(
            f"a scale must be a name, a path or a dict, got {type(scale).__name__}"
        )
    names = _bundled_names()
    if scale not in names:
        import difflib

        close = difflib.get_close_matches(scale, names, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise ScaleDefinitionError(
            f"unknown scale '{scale}'.{hint} Bundled scales: {', '.join(names)}; "
            "or pass the path to your own YAML file"
        )
    return _load_bundled(scale)


def resolve_scales(scales: Any) -> list[Scale]:
    """Normalise one scale or a list of scales to a list of :class:`Scale`, checking names."""
    if isinstance(scales, str | Path | Mapping | Scale):
        out = [load_scale(scales)]
    elif isinstance(scales, Iterable):
        out = [load_scale(s) for s in scales]
    else:
        raise ScaleDefinitionError(
            f"expected a scale or a list of scales, got {type(scales).__name__}"
        )
    if not out:
        raise ScaleDefinitionError("no scale given; pass a scale name such as 'learning_direction'")
    check_unique_score_names(out)
    return out


def check_unique_score_names(scales: Iterable[Scale]) -> None:
    """Raise if two scales scored together would produce the same score column or item id."""
    owner: dict[str, str] = {}
    item_owner: dict[str, str] = {}
    for s in scales:
        where = s.path or s.name
        for n in s.score_names:
            if n in owner and owner[n] != s.name:
                raise _fail(
                    where,
                    "subscales",
                    f"score name '{n}' collides with scale '{owner[n]}'; rename one of them",
                )
            owner[n] = s.name
        for i in s.item_ids:
            if i in item_owner and item_owner[i] != s.name:
                raise _fail(
                    where, "items", f"item id '{i}' is also an item of scale '{item_owner[i]}'"
                )
            item_owner[i] = s.name


def list_scales() -> pd.DataFrame:
    """The bundled instruments: one row per scale.

    Returns
    -------
    DataFrame
        Columns ``name, title, respondent, n_items, subscales, composites, response, source``.

    Examples
    --------
    >>> import learning_direction as ld
    >>> "learning_direction" in set(ld.list_scales()["name"])
    True
    """
    scales = [load_scale(n) for n in _bundled_names()]
    check_unique_score_names(scales)
    rows = [
        {
            "name": s.name,
            "title": s.title,
            "respondent": s.respondent,
            "n_items": len(s.items),
            "subscales": ", ".join(s.subscale_names) if not s.one_dimensional else "",
            "composites": ", ".join(s.composites),
            "response": f"{s.response_min:g}–{s.response_max:g}",
            "source": s.source,
        }
        for s in scales
    ]
    return pd.DataFrame(rows)
