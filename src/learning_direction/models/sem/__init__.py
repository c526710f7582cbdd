"""A structural-equation-model engine that reproduces lavaan: syntax, single-level and two-level ML.

``fit_sem(df, "lavaan syntax", cluster=None)`` returns a :class:`SEMResult` (``.table``,
``.fit``, ``.vcov``, ``.summary()``); :func:`monte_carlo_ci` gives Monte Carlo intervals for
functions of its parameters; :func:`parse_model` and :func:`build_partable` expose the syntax
front end and lavaan's parameter table.

Layout: ``syntax`` (parser) and ``expressions`` (``:=``/``==`` formulas) -> ``partable``
(defaults) -> ``ram`` (implied moments), ``moments`` (sample statistics), ``singlelevel`` and
``twolevel`` (likelihoods), ``objective`` -> ``parameters`` (constraints) -> ``optimize`` ->
``engine`` (estimation) -> ``fitmeasures``, ``standardize``, ``tables`` -> ``result`` ->
``api`` (``fit_sem``) and ``montecarlo``.
"""

from .api import fit_sem, sem
from .montecarlo import MonteCarloResult, monte_carlo_ci
from .partable import ParTable, build_partable
from .result import SEMResult
from .syntax import ParsedModel, parse_model

__all__ = [
    "MonteCarloResult",
    "ParTable",
    "ParsedModel",
    "SEMResult",
    "build_partable",
    "fit_sem",
    "monte_carlo_ci",
    "parse_model",
    "sem",
]
