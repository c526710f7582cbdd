"""Power and sample-size planning for mediation designs, by simulation.

``ld.power_mediation(a=.39, b=.39, n=[50, 100, 200])`` simulates data sets from a stated
population model at each sample size, tests the indirect effect in every one of them and reports
the share of significant tests (the power) with a confidence interval on that share.
``ld.sample_size_mediation(target=.8, ...)`` searches for the smallest sample size with at least
the target power.

Designs: simple mediation, k parallel mediators, serial mediation (2-3 mediators), moderated
mediation (PROCESS model 7: power for the index of moderated mediation) and two clustered
designs with equal or unequal cluster sizes (mentees nested in mentors): 2-2-1 (X and M measured
on mentors, Y on mentees) and 2-1-1 (X on mentors, M and Y on mentees).

Speed: all replications of one sample size are simulated and fitted as one batch (stacked
ordinary least squares through batched normal equations), and the Monte Carlo intervals of all
replications are drawn as one array; sample sizes run in parallel through joblib (any joblib
backend, e.g. a Dask cluster, see :func:`power_mediation`).

Layout: :class:`~.scenario.Scenario` is the population (design, paths, covariates, clusters),
built by ``Scenario.from_paths`` or ``Scenario.from_pilot``; :mod:`.analysis` runs the
simulation over a grid of sample sizes (:func:`power_mediation`); :mod:`.sample_size` searches
for the smallest n (:func:`sample_size_mediation`); :mod:`.result` holds :class:`PowerResult`;
the batched simulation core is the private :mod:`._sim`.
"""

from __future__ import annotations

from .analysis import power_mediation
from .result import PowerResult
from .sample_size import sample_size_mediation
from .scenario import Scenario

__all__ = ["PowerResult", "Scenario", "power_mediation", "sample_size_mediation"]
