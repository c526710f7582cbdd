"""Read lavaan model syntax into statements (what the user wrote, with modifiers and line numbers).

The parser understands the part of lavaan's syntax this engine estimates:

* ``=~`` (latent variable measured by), ``~`` (regression), ``~~`` (variance or covariance),
  ``y ~ 1`` (intercept), ``:=`` (defined parameter), ``==`` (equality constraint);
* several variables on either side joined by ``+`` (``y1 + y2 ~ x1 + x2``);
* modifiers before a variable, joined by ``*``: a label (``a*x``), a fixed value (``0.5*x``),
  ``NA`` (free, e.g. the first loading), ``start(0.5)``, ``label("a")``/``equal("a")``, and
  vectors with one value per group (``c(a1, a2)*x``);
* comments from ``#`` or ``!`` to the end of the line, ``;`` between formulas on one line, and
  formulas spread over several lines (a line without an operator continues the formula above);
* blocks: ``level: 1`` / ``level: 2`` (also ``within`` / ``between``) and ``group: name``.

Anything else (``<~``, ``|``, ``<``/``>``, interactions ``x:z``) is refused with a
:class:`~learning_direction.exceptions.ModelError` that names the line.

Examples
--------
>>> from learning_direction.models.sem.syntax import parse_model
>>> pm = parse_model('''
...     visual =~ x1 + x2 + x3   # a factor
...     y ~ a*visual
...     ind := a*2
... ''')
>>> [(s.lhs, s.op, s.rhs, s.modifier.label) for s in pm.statements]
[('visual', '=~', 'x1', ()), ('visual', '=~', 'x2', ()), ('visual', '=~', 'x3', ()), ('y', '~', 'visual', ('a',))]
>>> pm.definitions[0].name, pm.definitions[0].expression.text
('ind', 'a*2')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...exceptions import ModelError
from .expressions import Expression, ExpressionError, parse_expression

__all__ = [
    "Constraint",
    "Definition",
    "Modifier",
    "ParsedModel",
    "Statement",
    "parse_model",
]

_NAME = re.compile(r"^(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
_OPERATOR_CHARS = re.compile(r"[~=<>:|%]")
# longest first: at each position the first of these that matches is the operator
_OPERATORS = ("~*~", "=~", "<~", "~~", "==", ":=", "<", ">", ":", "|", "%", "~")
_UNSUPPORTED = {
    "<~": "formative indicators ('<~')",
    "~*~": "scaling factors ('~*~')",
    "|": "thresholds of ordered variables ('|')",
    "%": "group weights ('%')",
    "<": "inequality constraints ('<')",
    ">": "inequality constraints ('>')",
}
_LEVELS = {"1": 1, "within": 1, "2": 2, "between": 2}


@dataclass(frozen=True)
class Modifier:
    """Modifiers of one model term, each a tuple with one entry per group (or one for all).

    ``fixed`` holds numbers (``None`` where the entry is free), ``free`` marks an explicit
    ``NA``, ``label`` and ``start`` hold labels and starting values. An empty tuple means the
    modifier was not given.
    """

    fixed: tuple[float | None, ...] = ()
    free: tuple[bool, ...] = ()
    label: tuple[str | None, ...] = ()
    start: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class Statement:
    """One parameter as written: ``lhs op rhs`` with its modifiers, block and line number.

    ``op`` is ``=~``, ``~``, ``~~`` or ``~1`` (an intercept, ``rhs`` empty); ``level`` is 1, 2
    or ``None`` (a single-level model) and ``group`` the group label or ``None``.
    """

    lhs: str
    op: str
    rhs: str
    modifier: Modifier
    line: int
    level: int | None = None
    group: str | None = None


@dataclass(frozen=True)
class Definition:
    """A defined parameter ``name := expression``."""

    name: str
    expression: Expression
    line: int


@dataclass(frozen=True)
class Constraint:
    """An equality constraint ``lhs == rhs`` between expressions of labels."""

    lhs: Expression
    rhs: Expression
    line: int


@dataclass(frozen=True)
class ParsedModel:
    """A parsed model: the statements in order, defined parameters, constraints and blocks."""

    statements: tuple[Statement, ...]
    definitions: tuple[Definition, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    levels: tuple[int, ...] = ()
    groups: tuple[str, ...] = ()
    text: str = field(default="", repr=False)

    @property
    def n_levels(self) -> int:
        """2 for a model with ``level:`` blocks, else 1."""
        return 2 if self.levels else 1


def parse_model(text: str) -> ParsedModel:
    """Parse lavaan model syntax.

    Parameters
    ----------
    text : str
        The model, as it would be given to ``lavaan::sem(model = ...)``.

    Returns
    -------
    ParsedModel

    Raises
    ------
    ModelError
        Syntax this engine cannot read, with the line number and what to write instead.
    """
    if not isinstance(text, str) or not text.strip():
        raise ModelError(
            "the model must be lavaan syntax in a string, e.g. 'y ~ x' or 'f =~ a + b + c'"
        )
    reader = _Reader()
    for line_no, body in _formulas(text):
        reader.read(body, line_no)
    return reader.finish(text)


def _strip_comment(line: str) -> str:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch in "#!" and not quoted:
            return line[:i]
    return line


def _formulas(text: str) -> list[tuple[int, str]]:
    """(line number, formula) pairs: comments removed, ``;`` split, continuation lines joined."""
    pieces: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        for part in _strip_comment(raw).split(";"):
            if part.strip():
                pieces.append((number, part.strip()))
    out: list[tuple[int, str]] = []
    for number, part in pieces:
        if _OPERATOR_CHARS.search(part) or not out:
            out.append((number, part))
        else:
            first, body = out[-1]
            out[-1] = (first, f"{body} {part}")
    return out


def _find_operator(body: str) -> tuple[str, int] | None:
    depth = 0
    quoted = False
    for i, ch in enumerate(body):
        if ch == '"':
            quoted = not quoted
        if quoted:
            continue
        depth += ch == "("
        depth -= ch == ")"
        if depth:
            continue
        for op in _OPERATORS:
            if body.startswith(op, i):
                return op, i
    return None


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses and quotes."""
    parts: list[str] = []
    depth, quoted, start = 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == sep:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _where(line: int, body: str) -> str:
    shown = body if len(body) <= 60 else body[:57] + "..."
    return f"model syntax line {line} ('{shown}')"


class _Reader:
    """Accumulates statements while walking the formulas (keeps the current block)."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.definitions: list[Definition] = []
        self.constraints: list[Constraint] = []
        self.level: int | None = None
        self.group: str | None = None
        self.levels: list[int] = []
        self.groups: list[str] = []

    def read(self, body: str, line: int) -> None:
        found = _find_operator(body)
        if found is None:
            raise ModelError(
                f"{_where(line, body)} has no operator: write a formula such as 'y ~ x', "
                "'f =~ a + b + c', 'a ~~ b', 'y ~ 1', 'ind := a*b' or 'level: 1'"
            )
        op, at = found
        lhs = re.sub(r"\s+", "", body[:at])
        rhs = body[at + len(op) :].strip()
        if op in _UNSUPPORTED:
            raise ModelError(
                f"{_where(line, body)}: {_UNSUPPORTED[op]} are not supported by this engine; "
                "use lavaan for this model or rewrite it with =~, ~, ~~, :=, =="
            )
        if op == ":":
            self._block(lhs, rhs, line, body)
        elif op == ":=":
            self._definition(lhs, rhs, line, body)
        elif op == "==":
            self.constraints.append(
                Constraint(self._expr(lhs, line, body), self._expr(rhs, line, body), line)
            )
        else:
            self._formula(lhs, op, re.sub(r"\s+", "", rhs), line, body)

    def _block(self, lhs: str, rhs: str, line: int, body: str) -> None:
        kind = lhs.lower()
        value = rhs.strip()
        if kind == "level":
            if value.lower() not in _LEVELS:
                raise ModelError(
                    f"{_where(line, body)}: this engine fits two levels; write 'level: 1' (or "
                    "'within') and 'level: 2' (or 'between')"
                )
            if self.groups and self.group is None:
                raise ModelError(f"{_where(line, body)}: 'level:' must come after 'group:'")
            self.level = _LEVELS[value.lower()]
            if self.level not in self.levels:
                self.levels.append(self.level)
        elif kind == "group":
            if self.levels and self.group is None:
                raise ModelError(
                    f"{_where(line, body)}: levels must be nested within groups: put 'group:' "
                    "lines before the 'level:' lines of that group"
                )
            if not value:
                raise ModelError(f"{_where(line, body)}: 'group:' needs a group name")
            self.group = value
            self.level = None
            if value not in self.groups:
                self.groups.append(value)
        else:
            raise ModelError(
                f"{_where(line, body)}: a block line is 'level: 1', 'level: 2' or 'group: name'; "
                "an interaction term such as x:z is not supported (compute the product as a "
                "column of the data)"
            )

    def _definition(self, lhs: str, rhs: str, line: int, body: str) -> None:
        if not _NAME.match(lhs):
            raise ModelError(
                f"{_where(line, body)}: the name of a defined parameter must be one word, "
                "e.g. 'indirect := a*b'"
            )
        if any(d.name == lhs for d in self.definitions):
            raise ModelError(f"{_where(line, body)}: '{lhs}' is defined twice")
        self.definitions.append(Definition(lhs, self._expr(rhs, line, body), line))

    @staticmethod
    def _expr(text: str, line: int, body: str) -> Expression:
        try:
            return parse_expression(text)
        except ExpressionError as exc:
            raise ModelError(f"{_where(line, body)}: {exc}") from exc

    def _formula(self, lhs: str, op: str, rhs: str, line: int, body: str) -> None:
        names = _split_top(lhs, "+")
        for name in names:
            _check_name(name, line, body, "left")
        terms = _split_top(rhs, "+")
        if not rhs or any(not t for t in terms):
            raise ModelError(
                f"{_where(line, body)}: a term is missing around '+' or after '{op}'; "
                "join variables with single '+' signs, e.g. 'y ~ x1 + x2'"
            )
        for term in terms:
            modifier, var = _term(term, line, body)
            if var == "1" and op != "~":
                raise ModelError(
                    f"{_where(line, body)}: '1' (an intercept) only goes on the right of '~', "
                    "e.g. 'y ~ 1'"
                )
            for name in names:
                self.statements.append(
                    Statement(
                        lhs=name,
                        op="~1" if var == "1" else op,
                        rhs="" if var == "1" else var,
                        modifier=modifier,
                        line=line,
                        level=self.level,
                        group=self.group,
                    )
                )

    def finish(self, text: str) -> ParsedModel:
        if self.levels and sorted(self.levels) != [1, 2]:
            raise ModelError(
                "a two-level model needs both a 'level: 1' and a 'level: 2' block "
                f"(found only level {self.levels[0]}); for a single-level model remove the "
                "'level:' line"
            )
        for st in self.statements:
            if (self.levels and st.level is None) or (self.groups and st.group is None):
                where = "'level: 1' or 'level: 2'" if self.levels else "a 'group:' line"
                raise ModelError(
                    f"model syntax line {st.line}: '{st.lhs} {st.op} {st.rhs}' is outside the "
                    f"blocks; put it under {where}"
                )
        if not self.statements:
            raise ModelError(
                "the model has no parameters: write at least one formula with =~, ~ or ~~"
            )
        return ParsedModel(
            statements=tuple(self.statements),
            definitions=tuple(self.definitions),
            constraints=tuple(self.constraints),
            levels=tuple(self.levels),
            groups=tuple(self.groups),
            text=text,
        )


def _check_name(name: str, line: int, body: str, side: str) -> None:
    if _NAME.match(name):
        return
    if "*" in name:
        raise ModelError(
            f"{_where(line, body)}: modifiers such as '{name}' go on the right-hand side "
            "('y ~ a*x'), never on the left"
        )
    if ":" in name:
        raise ModelError(
            f"{_where(line, body)}: interaction terms such as '{name}' are not supported; "
            "compute the product as a column of the data and use that column"
        )
    raise ModelError(
        f"{_where(line, body)}: '{name}' on the {side} is not a variable name (letters, digits, "
        "'_' and '.', starting with a letter)"
    )


def _term(term: str, line: int, body: str) -> tuple[Modifier, str]:
    """Split ``mod*mod*var`` into its modifiers and the variable (or ``"1"``)."""
    parts = _split_top(term, "*")
    var = parts[-1]
    if var != "1":
        _check_name(var, line, body, "right")
    kinds: dict[str, tuple[object, ...]] = {}
    for piece in parts[:-1]:
        kind, values = _modifier(piece, line, body)
        if kind in kinds and not (kind in ("fixed", "free") and kinds.get(kind) == values):
            raise ModelError(f"{_where(line, body)}: '{term}' gives two {kind} modifiers")
        kinds[kind] = values
    fixed = kinds.get("fixed", ())
    free = tuple(v is None for v in fixed) if fixed and any(v is None for v in fixed) else ()
    return (
        Modifier(
            fixed=fixed if any(v is not None for v in fixed) else (),  # type: ignore[arg-type]
            free=free,
            label=kinds.get("label", ()),  # type: ignore[arg-type]
            start=kinds.get("start", ()),  # type: ignore[arg-type]
        ),
        var,
    )


def _modifier(piece: str, line: int, body: str) -> tuple[str, tuple[object, ...]]:
    """One modifier: ('fixed', values with None for NA), ('label', names) or ('start', values)."""
    lowered = piece.lower()
    for func, kind in (("start(", "start"), ("label(", "label"), ("equal(", "label")):
        if lowered.startswith(func) and piece.endswith(")"):
            values = _vector(piece[len(func) : -1], line, body)
            if kind == "start" and not all(isinstance(v, float) for v in values):
                raise ModelError(f"{_where(line, body)}: start() takes numbers, got '{piece}'")
            if kind == "label" and not all(isinstance(v, str) for v in values):
                raise ModelError(f"{_where(line, body)}: {func[:-1]}() takes names, got '{piece}'")
            return kind, values
    values = _vector(piece, line, body)
    if all(v is None or isinstance(v, float) for v in values):
        return "fixed", values
    if all(isinstance(v, str) for v in values):
        return "label", values
    raise ModelError(
        f"{_where(line, body)}: '{piece}' mixes labels and numbers; give either labels "
        "(c(a1, a2)) or values (c(1, NA))"
    )


def _vector(text: str, line: int, body: str) -> tuple[object, ...]:
    """``c(a, 1, NA)`` or a single element, as labels (str), numbers (float) and NA (None)."""
    inner = text
    if text.startswith("c(") and text.endswith(")"):
        inner = text[2:-1]
    out: list[object] = []
    for element in inner.split(",") if inner else [""]:
        item = element.strip().strip('"').strip("'")
        if item == "NA":
            out.append(None)
        elif _NUMBER.match(item):
            out.append(float(item))
        elif _NAME.match(item):
            out.append(item)
        else:
            raise ModelError(
                f"{_where(line, body)}: '{text}' is not a modifier; use a label (a*x), a value "
                "(0.5*x), NA*x to free a parameter, start(0.5)*x, or c(...) with one entry per "
                "group"
            )
    return tuple(out)
