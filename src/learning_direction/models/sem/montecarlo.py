"""Monte Carlo confidence intervals for functions of SEM parameters (Preacher & Selig 2012).

Draw the estimated parameters from their asymptotic normal distribution
``N(theta_hat, Cov(theta_hat))``, compute the function (an indirect effect ``a*b``, a defined
parameter) for every draw, and take the percentiles of the draws as the interval. The draws
are made in the unconstrained coordinates of the fit (so equality constraints hold in every
draw) with a seeded :class:`numpy.random.Generator` (PCG64): ``z = z_hat + L e``, ``L`` the
Cholesky factor of ``Cov(z_hat)`` and ``e`` standard normal, so the same seed gives the same
draws. Percentiles are R's default (type 7), as ``semTools::monteCarloCI`` uses.

References
----------
Preacher, K. J., & Selig, J. P. (2012). Advantages of Monte Carlo confidence intervals for
indirect effects. *Communication Methods and Measures*, 6, 77-98.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..._core.checks import check_level
from ..._core.results import ResultMixin
from ...exceptions import ModelError
from .expressions import Expression, ExpressionError, parse_expression
from .parameters import label_environment
from .result import SEMResult

__all__ = ["MonteCarloResult", "monte_carlo_ci"]


@dataclass(frozen=True)
class MonteCarloResult(ResultMixin):
    """Monte Carlo intervals.

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, se, ci_low, ci_high``: the estimate at the ML solution, the standard
        deviation of the draws and their percentile interval.
    draws : DataFrame
        One column per term, ``n_draws`` rows.
    n_draws, seed : int
    ci_level : float
    """

    table: pd.DataFrame
    n_draws: int
    seed: int
    ci_level: float
    draws: pd.DataFrame = field(repr=False)
    method: str = "Monte Carlo (parametric) percentile intervals"
    notes: tuple[str, ...] = ()

    _title: ClassVar[str] = "Monte Carlo confidence intervals"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n_draws": self.n_draws,
            "seed": self.seed,
            "ci_level": self.ci_level,
        }


def _check_seed(seed: object) -> int:
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ModelError(
            f"seed must be a non-negative whole number (e.g. seed=2026) or None, got {seed!r}"
        )
    return int(seed)


def _terms(
    result: SEMResult, parameters: Sequence[str] | str | None
) -> list[tuple[str, Expression]]:
    state = result.state
    if state is None:  # pragma: no cover - every fit_sem result has a state
        raise ModelError("this result has no parameter state; refit it with fit_sem")
    table = state.param.table
    if parameters is None:
        if not table.definitions:
            raise ModelError(
                "the model has no defined parameters (':='); add one (e.g. 'ind := a*b') or "
                "pass parameters=['a*b']"
            )
        return [(d.name, d.expression) for d in table.definitions]
    names = [parameters] if isinstance(parameters, str) else list(parameters)
    known = {r.label for r in table.rows if r.label} | {d.name for d in table.definitions}
    out = []
    for text in names:
        try:
            expr = parse_expression(text)
        except ExpressionError as exc:
            raise ModelError(f"parameters: {exc}") from exc
        unknown = [n for n in expr.names if n not in known and not n.startswith(".p")]
        if unknown:
            raise ModelError(
                f"parameters: '{text}' uses {', '.join(repr(u) for u in unknown)}, which is not a "
                f"label or defined parameter of the model (known: {', '.join(sorted(known)) or 'none'})"
            )
        out.append((text, expr))
    return out


def monte_carlo_ci(
    result: SEMResult,
    parameters: Sequence[str] | str | None = None,
    *,
    n_draws: int = 20000,
    seed: int | None = None,
    ci_level: float | None = None,
) -> MonteCarloResult:
    """Monte Carlo confidence intervals for defined parameters or formulas of labels.

    Parameters
    ----------
    result : SEMResult
        A fit with standard errors (``se="standard"``).
    parameters : str or list of str, optional
        Defined parameters (``:=`` names), labels, or formulas of labels (``"a_b*b_b"``);
        default: every defined parameter.
    n_draws : int
        Number of draws (at least 1,000).
    seed : int, optional
        Seed of the generator; ``None`` draws one and records it in the result.
    ci_level : float, optional
        Interval level; default the result's ``ci_level``.

    Returns
    -------
    MonteCarloResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from learning_direction.models.sem import fit_sem, monte_carlo_ci
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=400); m = 0.5 * x + rng.normal(size=400)
    >>> df = pd.DataFrame({"x": x, "m": m, "y": 0.4 * m + rng.normal(size=400)})
    >>> fit = fit_sem(df, "m ~ a*x\\n y ~ b*m + x\\n ind := a*b")  # lavaan::sem(model, df)
    >>> mc = monte_carlo_ci(fit, n_draws=5000, seed=7)  # semTools::monteCarloCI(fit)
    >>> mc.table[["term", "ci_low", "ci_high"]].round(2)
      term  ci_low  ci_high
    0  ind    0.14     0.28
    """
    level = result.ci_level if ci_level is None else check_level(ci_level)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1000:
        raise ModelError(
            f"n_draws must be a whole number of at least 1000 (e.g. 20000), got {n_draws!r}"
        )
    state = result.state
    if state is None or state.vcov_z is None:
        raise ModelError(
            "Monte Carlo intervals need the covariance matrix of the estimates: fit the model "
            "with se='standard' (and an identified model)"
        )
    terms = _terms(result, parameters)
    used_seed = _check_seed(seed)
    rng = np.random.default_rng(used_seed)
    param = state.param
    chol = np.linalg.cholesky(state.vcov_z) if param.nz else np.zeros((0, 0))
    z = state.z + rng.standard_normal((int(n_draws), param.nz)) @ chol.T
    values = np.tile(param.base, (int(n_draws), 1))
    values[:, param.free_rows] = param.theta0 + z @ param.k.T
    with np.errstate(all="ignore"):
        env = label_environment(param.table, values)
        env_hat = label_environment(param.table, param.values(state.z))
        draws = {name: np.broadcast_to(expr.evaluate(env), (int(n_draws),)) for name, expr in terms}
        point = {name: float(expr.evaluate(env_hat)) for name, expr in terms}
    alpha = (1 - level) / 2
    rows = []
    for name, _ in terms:
        d = np.asarray(draws[name], dtype=float)
        low, high = np.quantile(d, [alpha, 1 - alpha])
        rows.append(
            {
                "term": name,
                "estimate": point[name],
                "se": float(np.std(d, ddof=1)),
                "ci_low": float(low),
                "ci_high": float(high),
            }
        )
    return MonteCarloResult(
        table=pd.DataFrame(rows),
        n_draws=int(n_draws),
        seed=used_seed,
        ci_level=level,
        draws=pd.DataFrame({name: np.asarray(d, dtype=float) for name, d in draws.items()}),
    )
