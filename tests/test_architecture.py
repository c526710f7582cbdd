"""The architecture's rules, checked on the source (see docs/architecture.md).

- every figure a result's ``.plot()`` names through ``_core.plotting.figure`` exists;
- no import cycles, counting imports inside functions, between modules or between the
  package's top-level parts;
- at most three functions have bodies (docstring excluded) over 120 lines.

The layer order itself is checked by ``lint-imports`` (``make lint``).
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import learning_direction

PACKAGE = Path(learning_direction.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in SOURCES}


def _figure_names() -> set[str]:
    names = set()
    for path in SOURCES:
        names.update(re.findall(r"""\bfigure\(\s*["']([\w.]+)["']\s*\)""", path.read_text()))
    return names


@pytest.mark.parametrize("name", sorted(_figure_names()))
def test_every_late_bound_figure_exists(name):
    from learning_direction._core.plotting import figure

    assert callable(figure(name))


def test_figure_names_were_found():
    assert "mediation.path_diagram" in _figure_names()


def _imports(module: str, path: Path) -> set[str]:
    """Package modules imported anywhere in ``path`` (module level or inside functions)."""
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_pkg:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        out.update(t for t in targets if t in MODULES and t != module)
    return out


def _graph(level: int | None) -> dict[str, set[str]]:
    """Import graph between modules (``level=None``) or between the package's parts."""

    def key(m: str) -> str:
        return m if level is None else ".".join(m.split(".")[: level + 1])

    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        if module == "learning_direction":  # lazy re-exports of the public API
            continue
        deps = {
            key(t)
            for t in _imports(module, path)
            if t != "learning_direction" and not t.startswith(module + ".")
        }
        graph.setdefault(key(module), set()).update(d for d in deps if d != key(module))
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("level", [None, 1], ids=["modules", "top-level parts"])
def test_no_import_cycles(level):
    graph = _graph(level)
    assert len(graph) > 10
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _long_functions(limit: int = 120) -> list[str]:
    """Functions whose body, without the docstring, is longer than ``limit`` lines."""
    long = []
    for path in SOURCES:
        for f in ast.walk(ast.parse(path.read_text())):
            if not isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = f.body
            has_doc = (
                isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            )
            start = body[1].lineno if has_doc and len(body) > 1 else body[0].lineno
            if (f.end_lineno or start) - start + 1 > limit:
                long.append(f"{_module_name(path)}.{f.name}")
    return long


def test_at_most_three_long_functions():
    long = _long_functions()
    assert len(long) <= 3, f"functions with bodies over 120 lines: {long}"


def test_modules_import():
    # every module imports on its own (no hidden dependence on import order)
    for name in MODULES:
        if not name.endswith("__main__"):
            importlib.import_module(name)


def _stub_names() -> dict[str, str]:
    """Public name -> module (relative) as written in ``__init__.pyi``."""
    tree = ast.parse((PACKAGE / "__init__.pyi").read_text())
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                assert alias.asname == alias.name, f"{alias.name}: re-export as itself"
                names[alias.name] = "." * node.level + (node.module or "")
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = ""
    return names


def test_type_stub_lists_exactly_the_public_api():
    stub = _stub_names()
    assert {n for n in stub if not n.startswith("_")} | {"__version__"} == set(
        learning_direction.__all__
    )
    for name, module in stub.items():
        if module:
            assert learning_direction._EXPORTS[name] == module, name


def test_every_public_name_resolves():
    for name in learning_direction.__all__:
        assert getattr(learning_direction, name) is not None, name
