"""How a result's ``.plot()`` reaches the figures layer without the numerics importing it.

Results live in the analysis layers (``scales``, ``models``, ``networks``); their figures live
in ``figures``, a layer above them that imports matplotlib. A result's ``plot()`` names the
drawing function as ``"<figures module>.<function>"`` and :func:`figure` resolves that name when
the plot is asked for, as pandas resolves its plotting backend by name. So the analysis code
never imports matplotlib, ``import learning_direction`` stays fast, and the figures layer may
import the result classes it draws (the layers contract in ``pyproject.toml`` checks that it is
the only direction). ``tests/test_architecture.py`` checks that every name used resolves.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["figure"]

_FIGURES = "learning_direction.figures"


def figure(name: str) -> Callable[..., Any]:
    """The drawing function ``learning_direction.figures.<module>.<function>``.

    Parameters
    ----------
    name : str
        ``"<module>.<function>"`` inside :mod:`learning_direction.figures`, e.g.
        ``"mediation.path_diagram"``.

    Examples
    --------
    >>> from learning_direction._core.plotting import figure
    >>> figure("coefficients.plot_coefficients").__name__
    'plot_coefficients'
    """
    module, _, function = name.rpartition(".")
    drawer: Callable[..., Any] = getattr(importlib.import_module(f"{_FIGURES}.{module}"), function)
    return drawer
