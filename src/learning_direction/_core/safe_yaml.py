"""A YAML loader with limits: the one way the package reads a YAML file a user gives it.

``yaml.safe_load`` builds no Python objects from tags, but it still lets a small file describe an
enormous document: with anchors and aliases (``&a`` / ``*a``) ten lines expand to a billion
nodes ("billion laughs"), and whoever walks the result (a validator, an error message that
prints it) runs out of memory or time. :func:`load_yaml` therefore

* reads at most :data:`MAX_YAML_BYTES` from a regular file (never a device or a pipe),
* composes the node graph, refuses a recursive alias and nesting deeper than
  :data:`MAX_YAML_DEPTH`, and counts the nodes of the document as if every alias were written
  out; more than :data:`MAX_YAML_NODES` is refused before anything is built,
* turns every YAML problem (syntax, an undecodable byte, a number too long to convert) into
  the caller's error class, with the file, line and column.

Configs, ``--columns`` maps and scale definitions are a few hundred nodes; the limits are far
above any real file and far below anything that hurts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..exceptions import LearningDirectionError
from .cells import clip
from .files import read_capped

__all__ = [
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "load_yaml",
    "read_yaml_text",
]

#: largest YAML file read (bytes)
MAX_YAML_BYTES = 1_000_000
#: most nodes a document may have once its aliases are expanded
MAX_YAML_NODES = 50_000
#: deepest nesting of mappings and lists
MAX_YAML_DEPTH = 64


class _TooLarge(Exception):
    pass


def read_yaml_text(path: Path, error: type[LearningDirectionError], what: str = "YAML file") -> str:
    """The text of a YAML file: a regular file of at most :data:`MAX_YAML_BYTES`, in UTF-8."""
    raw = read_capped(path, MAX_YAML_BYTES, error, what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex().upper()
        hint = (
            " (it looks like Windows-1252 or Latin-1, e.g. an accented letter or a curly quote "
            "typed in Notepad or Excel)"
            if raw[exc.start] >= 0x80
            else ""
        )
        raise error(
            f"{path}, line {line}: the {what} is not UTF-8 text: byte 0x{byte} cannot be decoded"
            f"{hint}; save the file as UTF-8 and try again"
        ) from None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded_size(root: yaml.Node, where: str, error: type[LearningDirectionError]) -> int:
    """Nodes of the document with every alias written out; refuses cycles and deep nesting.

    Shared nodes (anchors) are sized once and their size reused, so the count costs time
    proportional to the file, not to the expanded document.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        line = node.start_mark.line + 1
        if key in on_path:
            raise error(
                f"{where}, line {line}: an alias refers to the mapping or list that contains it "
                "(a recursive alias); write the values out instead"
            )
        if depth > MAX_YAML_DEPTH:
            raise error(
                f"{where}, line {line}: the YAML is nested more than {MAX_YAML_DEPTH} levels "
                "deep; a config or scale definition never needs that many"
            )
        on_path.add(key)
        total = 1
        for child in _children(node):
            total += size(child, depth + 1)
            if total > MAX_YAML_NODES:
                raise _TooLarge
        on_path.discard(key)
        sizes[key] = total
        return total

    try:
        return size(root, 0)
    except _TooLarge:
        raise error(
            f"{where}: the YAML expands to more than {MAX_YAML_NODES:,} values once its aliases "
            "(*name) are written out, which no config or scale definition needs (a 'billion "
            "laughs' document?); write the values out or remove the aliases"
        ) from None


def _yaml_problem(exc: yaml.YAMLError) -> tuple[str, str]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    at = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["invalid YAML"])[0]
    return at, " ".join(str(problem).split())[:200]


_OPEN = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def _too_deep(text: str) -> bool:
    """Whether the collections nest deeper than :data:`MAX_YAML_DEPTH` (stops at the first
    token that goes too deep, so a 5,000-level document costs no more than 65 levels)."""
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, _OPEN):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return True
        elif isinstance(token, _CLOSE):
            depth -= 1
    return False


def load_yaml(
    text: str, where: str, error: type[LearningDirectionError]
) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document within the limits; returns (data, root node or None).

    The node (with line numbers) lets a caller point at the line of a key in its messages.
    """
    loader = yaml.SafeLoader(text)
    try:
        try:
            if _too_deep(text):  # found from the tokens, before the composer recurses
                raise RecursionError
            node = loader.get_single_node()
        except RecursionError:
            raise error(
                f"{where}: the YAML is nested too deeply to read; a config or scale definition "
                "never needs that many levels"
            ) from None
        if node is None:
            return None, None
        _expanded_size(node, where, error)
        try:
            data = loader.construct_document(node)
        except ValueError as exc:  # e.g. an integer longer than Python converts (4,300 digits)
            if isinstance(exc, LearningDirectionError):
                raise
            raise error(
                f"{where}: a value cannot be read ({clip(str(exc), 120)}); shorten it"
            ) from None
        return data, node
    except yaml.YAMLError as exc:
        at, problem = _yaml_problem(exc)
        raise error(
            f"{where}{at}: malformed YAML: {problem} (check indentation, colons and quotes)"
        ) from None
    finally:
        loader.dispose()
