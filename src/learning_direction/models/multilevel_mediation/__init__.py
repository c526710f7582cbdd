"""Multilevel mediation: within- and between-cluster indirect effects of nested data.

``multilevel_mediation(df, x, m, y, cluster)`` estimates 1-1-1, 2-1-1 and 2-2-1 designs (levels
of X, M and Y inferred from the data) by a two-level SEM with latent cluster means
(``method="msem"``, on :mod:`learning_direction.models.sem`) or by the unconflated multilevel
model (``method="umm"``, on :mod:`learning_direction.models.lmm`), with Monte Carlo or
cluster-bootstrap intervals of the indirect effects.

Layout: ``_data`` (checks, levels, design) -> ``_msem`` and ``_umm`` (the two estimators) ->
``_intervals`` (Monte Carlo, cluster bootstrap) -> ``api``; ``result`` holds
:class:`MultilevelMediationResult`.
"""

from .api import multilevel_mediation
from .result import MultilevelMediationResult

__all__ = ["MultilevelMediationResult", "multilevel_mediation"]
