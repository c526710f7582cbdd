"""Smallest sample size with enough power: :func:`sample_size_mediation`.

A first guess from the large-sample power of the paths' t-tests, a bracketing grid simulated
in parallel, then bisection on whole numbers; every n has its own random stream, so repeated
evaluations agree and the search is reproducible.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any, cast

import numpy as np

from ..._core.checks import choice
from ...exceptions import ModelError
from ._sim import RunCounts, approx_path_power
from .analysis import Simulation, make_result, plan, power_mediation, run_grid
from .result import PowerResult, clopper_pearson
from .scenario import DesignOptions, Scenario

__all__ = ["sample_size_mediation"]


class _Search:
    """Simulated power of one effect at the sample sizes evaluated so far (cached by n)."""

    def __init__(
        self,
        scenario: Scenario,
        sim: Simulation,
        effect: str,
        *,
        n_jobs: int | None,
        progress: bool,
    ) -> None:
        self.scenario, self.sim, self.effect = scenario, sim, effect
        self.n_jobs, self.progress = n_jobs, progress
        self.cache: dict[int, RunCounts] = {}

    def evaluate(self, ns: Iterable[int]) -> None:
        todo = sorted({int(v) for v in ns if int(v) not in self.cache})
        if todo:
            runs = run_grid(
                self.scenario.population,
                todo,
                self.sim,
                n_jobs=self.n_jobs,
                progress=self.progress,
                desc="sample size",
            )
            for r in runs:
                self.cache[r.n] = r

    def power(self, n: int) -> float:
        r = self.cache[n]
        return r.effects[self.effect] / max(r.n_valid, 1)


def _first_guess(
    scenario: Scenario, effect: str, target: float, lo: int, hi: int, alpha: float
) -> int:
    """Smallest n whose large-sample (normal approximation) power reaches ``target``."""
    pop = scenario.population
    n0 = lo
    while n0 < hi:
        pw = approx_path_power(pop, n0, alpha)
        if max(np.prod([pw[p] for p in names]) for _, names in pop.effects[effect]) >= target:
            break
        n0 = max(n0 + 1, int(n0 * 1.1))
    return min(max(n0, lo), hi)


def _bracket(search: _Search, n0: int, target: float, lo: int, hi: int) -> None:
    """Simulate around ``n0`` until one n falls short of and one reaches the target."""
    search.evaluate(min(hi, max(lo, round(n0 * f))) for f in (0.6, 0.8, 1.0, 1.25, 1.6))
    while True:
        done = sorted(search.cache)
        below = [v for v in done if search.power(v) < target]
        above = [v for v in done if search.power(v) >= target]
        if above and (below or min(above) == lo):
            return
        if not above:
            top = max(done)
            if top >= hi:
                return
            search.evaluate([min(hi, top * 2)])
        else:
            search.evaluate([max(lo, min(done) // 2)])


def _bisect(search: _Search, target: float) -> int | None:
    """Bisection between the largest n below target (under the smallest n above) and it."""
    above = [v for v in sorted(search.cache) if search.power(v) >= target]
    if not above:
        return None
    hi = min(above)
    below = [v for v in sorted(search.cache) if v < hi and search.power(v) < target]
    lo = max(below) if below else hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        search.evaluate([mid])
        if search.power(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def _power_defaults() -> dict[str, Any]:
    """The keyword arguments of :func:`power_mediation` (but ``n``) and their defaults."""
    skip = ("n", "n_jobs", "progress")
    params = inspect.signature(power_mediation).parameters
    return {k: p.default for k, p in params.items() if k not in skip}


def sample_size_mediation(
    target: float = 0.8,
    *,
    effect: str | None = None,
    n_min: int | None = None,
    n_max: int = 5000,
    n_jobs: int | None = None,
    progress: bool = False,
    **kwargs: Any,
) -> PowerResult:
    """Smallest sample size whose simulated power reaches ``target``.

    Parameters
    ----------
    target : float
        Required power (default .80).
    effect : str, optional
        Effect whose power counts (default: the design's headline effect, e.g.
        ``indirect_total`` for parallel mediators, the full chain for serial mediation,
        ``index`` for moderated mediation). Any label in ``PowerResult.table["effect"]``.
    n_min, n_max : int
        Search range (default: the smallest n the model can be fitted with, and 5000).
    n_jobs, progress
        As in :func:`power_mediation` (the bracketing grid runs in parallel).
    **kwargs
        Everything else of :func:`power_mediation` (paths, design, method, n_reps, seed, ...);
        not ``n``.

    Returns
    -------
    PowerResult
        ``.n_required`` (None if even ``n_max`` falls short), ``.target``, and ``.table``
        with every sample size evaluated during the search.

    Notes
    -----
    1. A first guess ``n0`` from the large-sample power of the paths' t-tests (normal
       approximation, product over the paths of the effect).
    2. Bracketing: power is simulated on the grid ``n0 * (0.6, 0.8, 1.0, 1.25, 1.6)`` (in
       parallel), widened by factors of 2 until one n falls short of and one reaches the target.
    3. Bisection on whole numbers between the largest n below and the smallest n at or above
       the target.

    Every n has its own random stream (see :func:`power_mediation`), so repeated evaluations
    agree and the search is reproducible. The simulated power is noisy (its CI is reported at
    the chosen n); bisection returns the smallest n found at or above the target, within that
    noise.

    References
    ----------
    Fritz, M. S., & MacKinnon, D. P. (2007). Required sample size to detect the mediated
    effect. *Psychological Science*, 18, 233-239. Schoemann, A. M., Boulton, A. J., & Short,
    S. D. (2017). Determining power and sample size for simple and complex mediation models.
    *Social Psychological and Personality Science*, 8, 379-386.

    Examples
    --------
    Medium paths (a = b = .39) tested with the joint-significance test; Fritz & MacKinnon
    (2007) report n = 78 for this design.

    >>> import learning_direction as ld
    >>> res = ld.sample_size_mediation(target=0.8, a=0.39, b=0.39, standardized=False,
    ...                                method="joint", n_reps=500, seed=1)
    >>> res.n_required
    77

    In R there is no single function: Schoemann et al.'s (2017) Monte Carlo power app for
    indirect effects evaluates one n at a time, and Fritz & MacKinnon (2007) tabulate n for
    common path sizes.
    """
    if "n" in kwargs:
        raise ModelError("sample_size_mediation searches n itself; give n_min= / n_max= instead")
    if not (isinstance(target, int | float) and 0 < target < 1):
        raise ModelError(f"target must be a power between 0 and 1 (e.g. 0.8), got {target!r}")
    params = _power_defaults()
    unknown = set(kwargs) - set(params)
    if unknown:
        raise ModelError(
            f"unknown argument(s) for sample_size_mediation: {', '.join(sorted(unknown))}"
        )
    params.update(kwargs)
    level = params.pop("power_ci_level")
    options = cast(DesignOptions, {k: params.pop(k) for k in DesignOptions.__annotations__})
    scenario, sim = plan(**params, options=options)
    pop = scenario.population
    eff = choice(effect or pop.primary, "effect", list(pop.effects), case_sensitive=True)
    if sim.method == "joint" and len(pop.effects[eff]) > 1:
        raise ModelError(
            f"joint significance is not defined for {eff!r} (a sum of indirect effects); use "
            "method='monte_carlo' or a specific indirect effect"
        )
    lo_bound = max(pop.min_units(), int(n_min) if n_min is not None else 0)
    if n_max <= lo_bound:
        raise ModelError(f"n_max ({n_max}) must exceed n_min ({lo_bound})")
    search = _Search(scenario, sim, eff, n_jobs=n_jobs, progress=progress)
    n0 = _first_guess(scenario, eff, target, lo_bound, n_max, sim.alpha)
    _bracket(search, n0, target, lo_bound, n_max)
    n_req = _bisect(search, target)
    notes = list(scenario.notes)
    if n_req is None:
        notes.append(
            f"the target power {target} was not reached at n_max = {n_max}; raise n_max or "
            "revisit the effect sizes"
        )
    else:
        r = search.cache[n_req]
        k_, nv = r.effects[eff], r.n_valid
        lo_ci, hi_ci = clopper_pearson(np.array([k_]), np.array([nv]), level)
        notes.append(
            f"smallest n with simulated power >= {target} for {eff}: {n_req} "
            f"(power {k_ / nv:.3f}, {100 * level:g}% CI {lo_ci[0]:.3f} to {hi_ci[0]:.3f})"
        )
    runs = [search.cache[v] for v in sorted(search.cache)]
    return make_result(
        scenario, sim, runs, level, notes, effect=eff, n_required=n_req, target=float(target)
    )
