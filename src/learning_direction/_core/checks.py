"""Checks of option values shared across analyses (one wording for one mistake).

:func:`choice` checks a string option against its allowed values (with aliases, such as the
singular and plural spelling of one option); :func:`check_level` a confidence level. Every
analysis uses them, so a mistake gets the same message wherever it is made.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Mapping

from ..exceptions import LearningDirectionError, ModelError

__all__ = ["check_level", "choice"]


def choice(
    value: object,
    name: str,
    allowed: Iterable[str],
    *,
    aliases: Mapping[str, str] | None = None,
    error: type[LearningDirectionError] = ModelError,
    case_sensitive: bool = False,
) -> str:
    """``value`` if it is one of ``allowed`` (or an alias of one), else a clear error.

    Parameters
    ----------
    value : object
        What the user passed.
    name : str
        The argument's name, used in the message (``"ci"``, ``"se"``, ``"probe"``).
    allowed : iterable of str
        The accepted values, in the order the message lists them.
    aliases : mapping, optional
        Other spellings accepted for an allowed value (``{"percentiles": "percentile"}``);
        the allowed value is returned.
    error : exception class
        The error raised (a :class:`~learning_direction.LearningDirectionError`).
    case_sensitive : bool
        Compare exactly (default: ``"HC3"`` and ``"hc3"`` are the same option).

    Returns
    -------
    str
        The allowed value, spelled as in ``allowed``.

    Examples
    --------
    >>> from learning_direction._core.checks import choice
    >>> choice("BCa", "ci", ["percentile", "bca", "monte_carlo"])
    'bca'
    >>> choice("percentiles", "probe", ["percentile", "meansd"], aliases={"percentiles": "percentile"})
    'percentile'
    >>> choice("percentil", "probe", ["percentile", "meansd"])
    Traceback (most recent call last):
    ...
    learning_direction.exceptions.ModelError: probe must be 'percentile' or 'meansd', got 'percentil' (did you mean 'percentile'?)
    """
    options = list(allowed)
    table: dict[str, str] = {o: o for o in options}
    table.update(aliases or {})

    def key(v: str) -> str:
        return v if case_sensitive else v.casefold()

    if isinstance(value, str):
        lookup = {key(k): v for k, v in table.items()}
        if key(value) in lookup:
            return lookup[key(value)]
    listed = (
        f"'{options[0]}'"
        if len(options) == 1
        else ", ".join(f"'{o}'" for o in options[:-1]) + f" or '{options[-1]}'"
    )
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(key(value), [key(k) for k in table], n=1, cutoff=0.6)
        if close:
            target = {key(k): v for k, v in table.items()}[close[0]]
            hint = f" (did you mean '{target}'?)"
    shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    raise error(f"{name} must be {listed}, got {shown}{hint}")


def check_level(
    value: object, name: str = "ci_level", error: type[Exception] = ModelError
) -> float:
    """A confidence level: a real number strictly between 0 and 1, returned as float.

    Anything else (text, ``True``, NaN, ``95``) raises ``error`` naming ``name``; a value between
    1 and 100 gets the hint that it was probably meant as a percentage.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and 0 < float(value) < 1:  # type: ignore[arg-type]
        return float(value)  # type: ignore[arg-type]
    hint = ""
    if ok and 1 < float(value) < 100:  # type: ignore[arg-type]
        hint = f" (did you mean {name}={float(value) / 100:g}?)"  # type: ignore[arg-type]
    raise error(f"{name} must be a number between 0 and 1 (e.g. 0.95), got {value!r}{hint}")
