"""Arithmetic on parameter labels, for defined parameters (``:=``) and constraints (``==``).

lavaan writes these right-hand sides in R (``a*b``, ``c + a*b``, ``a^2``, ``exp(x)``). This module
reads such a formula once into a small tree that evaluates on floats, complex numbers (for
complex-step derivatives) or numpy arrays of Monte Carlo draws, without ever calling ``eval``:
only numbers, labels, ``+ - * / ^``, parentheses and a short list of functions are accepted.

Examples
--------
>>> from learning_direction.models.sem.expressions import parse_expression
>>> e = parse_expression("c1 + a1*b1")
>>> e.names
('c1', 'a1', 'b1')
>>> e.evaluate({"a1": 2.0, "b1": 0.5, "c1": 1.0})
2.0
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr

__all__ = ["Expression", "ExpressionError", "parse_expression"]

_NAME = re.compile(r"(?<![\w.])((?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*)")

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "pnorm": ndtr,
}


class ExpressionError(ValueError):
    """A formula is not plain arithmetic on labels (the caller adds the line number)."""


@dataclass(frozen=True)
class Expression:
    """A parsed arithmetic formula on parameter labels.

    Attributes
    ----------
    text : str
        The formula as written.
    names : tuple of str
        The labels it uses, in order of first appearance.
    """

    text: str
    names: tuple[str, ...]
    _tree: ast.expr
    _aliases: tuple[tuple[str, str], ...]

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The formula's value; ``values`` maps each label to a number or a numpy array."""
        env = {alias: values[name] for alias, name in self._aliases}
        return _eval(self._tree, env)

    def is_linear(self) -> bool:
        """True when the formula is linear in its labels (no label times label, no functions)."""
        return _linear(self._tree)


def parse_expression(text: str) -> Expression:
    """Read an R-style arithmetic formula on labels.

    Parameters
    ----------
    text : str
        Numbers, labels (letters, digits, ``_`` and ``.``), ``+ - * / ^``, parentheses and the
        functions ``exp, log, sqrt, abs, sin, cos, tan, tanh, pnorm``.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        Anything else (a comparison, an unknown function, a string, an empty formula).
    """
    if not text.strip():
        raise ExpressionError("the formula is empty")
    aliases: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _FUNCTIONS:
            return name
        if name not in aliases:
            aliases[name] = f"_v{len(aliases)}"
        return aliases[name]

    python = _NAME.sub(rename, text.replace("^", "**"))
    try:
        tree = ast.parse(python, mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"'{text}' is not a formula lavaan can read") from exc
    _check(tree, text)
    used = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _FUNCTIONS]
    by_alias = {a: n for n, a in aliases.items()}
    ordered = tuple(dict.fromkeys(by_alias[a] for a in used))
    return Expression(
        text="".join(text.split()),
        names=ordered,
        _tree=tree,
        _aliases=tuple((aliases[n], n) for n in ordered),
    )


_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, _BINOPS):
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, text)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return
    elif isinstance(node, ast.Name):
        return
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS:
            raise ExpressionError(
                f"'{text}' calls a function that is not available; use "
                + ", ".join(sorted(_FUNCTIONS))
            )
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"'{text}': functions take exactly one argument")
        _check(node.args[0], text)
    else:
        raise ExpressionError(
            f"'{text}' is not plain arithmetic: use numbers, labels, + - * / ^ and parentheses"
        )


def _eval(node: ast.expr, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        return left**right
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _FUNCTIONS[node.func.id](_eval(node.args[0], env))
    raise ExpressionError("unreachable")  # pragma: no cover - _check refuses everything else


def _has_name(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id not in _FUNCTIONS for n in ast.walk(node))


def _linear(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant | ast.Name):
        return True
    if isinstance(node, ast.UnaryOp):
        return _linear(node.operand)
    if isinstance(node, ast.Call):
        return not _has_name(node)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add | ast.Sub):
            return _linear(node.left) and _linear(node.right)
        if isinstance(node.op, ast.Mult):
            if _has_name(node.left) and _has_name(node.right):
                return False
            return _linear(node.left) and _linear(node.right)
        if isinstance(node.op, ast.Div):
            return not _has_name(node.right) and _linear(node.left)
        return not _has_name(node)
    return False  # pragma: no cover
