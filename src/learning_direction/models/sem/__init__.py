"""A structural-equation-model engine that reproduces lavaan: syntax, ML, FIML, MLR, groups, levels.

``sem(df, "lavaan syntax", missing="listwise"|"fiml", group=None, cluster=None,
estimator="ML"|"MLR")`` (public as :func:`learning_direction.sem`; ``fit_sem`` is the same
function) returns a :class:`SEMResult` (``.table``, ``.fit``, ``.vcov``, ``.summary()``);
:func:`monte_carlo_ci` gives Monte Carlo intervals for functions of its parameters;
:func:`fit_invariance` fits and compares the configural, metric, scalar and strict models
(public, accepting scales too, as :func:`learning_direction.invariance`); :func:`parse_model`
and :func:`build_partable` expose the syntax front end and lavaan's parameter table.

Layout: ``syntax`` (parser) and ``expressions`` (``:=``/``==`` formulas) -> ``partable``
(defaults) and ``groupequal`` (``group.equal``) -> ``ram`` (implied moments), ``moments``
(sample statistics), ``saturated`` (the unrestricted likelihood by missing-data pattern: EM,
information, scores), ``singlelevel`` and ``twolevel`` (likelihoods), ``objective`` ->
``parameters`` (constraints) -> ``optimize`` -> ``derivatives`` (``Delta``, the observed
information) -> ``engine`` (estimation) -> ``robust`` (Huber-White, Yuan-Bentler, the
FIML-corrected indices) -> ``fitmeasures``, ``standardize``, ``tables`` -> ``result``;
``options`` and ``sampledata`` (checks, rows used) -> ``fitting`` -> ``api`` (``sem``),
``resample`` (bootstrap), ``montecarlo``, ``invariance``.
"""

from .api import fit_sem, sem
from .invariance import InvarianceResult, fit_invariance
from .montecarlo import MonteCarloResult, monte_carlo_ci
from .partable import ParTable, build_partable
from .result import SEMResult
from .syntax import ParsedModel, parse_model

__all__ = [
    "InvarianceResult",
    "MonteCarloResult",
    "ParTable",
    "ParsedModel",
    "SEMResult",
    "build_partable",
    "fit_invariance",
    "fit_sem",
    "monte_carlo_ci",
    "parse_model",
    "sem",
]
