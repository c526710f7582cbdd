"""Sensitivity of causal conclusions to unmeasured confounding.

* :func:`mediation_sensitivity` -- how strongly the errors of the mediator and outcome
  equations would have to correlate (an unobserved confounder of M and Y) for the indirect
  effect to vanish (Imai, Keele & Yamamoto, 2010; R ``mediation::medsens`` for ``lm``/``lm``);
* :func:`evalue` -- the E-value of a risk ratio, odds ratio, hazard ratio or standardized mean
  difference (VanderWeele & Ding, 2017; R ``EValue``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, overload

import numpy as np
import pandas as pd

from .._core.checks import check_level, choice
from .._core.format import fmt_num, fmt_r
from .._core.plotting import figure
from .._core.results import ResultMixin, table_to_text
from ..exceptions import DataValidationError, ModelError

if TYPE_CHECKING:  # the multilevel modules load the SEM engine (scipy.stats): only when needed
    from .multilevel_mediation.result import MultilevelMediationResult
    from .multilevel_sensitivity import MultilevelSensitivityResult

__all__ = [
    "DEFAULT_RHO",
    "EValueResult",
    "SensitivityInputs",
    "SensitivityResult",
    "evalue",
    "mediation_sensitivity",
]

#: the grid of ``mediation::medsens(rho.by = 0.1)``: -0.9, -0.8, ..., 0.9
DEFAULT_RHO: tuple[float, ...] = tuple(round(-0.9 + 0.1 * i, 1) for i in range(19))

_FINE = np.round(np.arange(-0.99, 0.99 + 1e-9, 0.01), 2)  # grid of .curve and of the CI search


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SensitivityInputs:
    """Cross-products of the rows of a single-mediator model: all the sensitivity analysis needs.

    With ``Z = [1, P, m, y]`` (``P`` the predictors of the mediator equation: the X column(s)
    and the covariates), ``gram = Z'Z``. The mediator equation regresses ``m`` on ``[1, P]``,
    the outcome equation ``y`` on ``[1, P, m]``, the total-effect equation ``y`` on
    ``[1, P]``; every coefficient, residual moment and R^2 they need is a function of ``gram``.

    Attributes
    ----------
    gram : ndarray, shape (p + 2, p + 2)
        ``Z'Z`` (``p`` = 1 + number of predictors; row/column 0 is the intercept).
    n : int
        Rows used.
    names : tuple of str
        ``("Intercept", <predictors>...)``: the columns of ``[1, P]``.
    x_columns : tuple of str
        The predictor(s) that code X (one, or one indicator per non-reference level).
    mediator, outcome : str
        Names of ``m`` and ``y`` (for labels).
    """

    gram: np.ndarray
    n: int
    names: tuple[str, ...]
    x_columns: tuple[str, ...]
    mediator: str = "m"
    outcome: str = "y"

    @classmethod
    def from_arrays(
        cls,
        X: pd.DataFrame | np.ndarray,
        m: pd.Series | np.ndarray | Sequence[float],
        y: pd.Series | np.ndarray | Sequence[float],
        x_columns: str | int | Sequence[str | int],
        *,
        names: Sequence[str] | None = None,
        mediator: str | None = None,
        outcome: str | None = None,
    ) -> SensitivityInputs:
        """Build the inputs from the rows a mediation model used.

        Parameters
        ----------
        X : DataFrame or 2-D array
            The predictors of the mediator equation without the intercept: the X column (or
            the indicators of a categorical X) and the covariates.
        m, y : 1-D arrays
            Mediator and outcome, same rows (complete cases).
        x_columns : str, int or list of them
            Which columns of ``X`` code X (names, or positions).
        names : list of str, optional
            Column names when ``X`` is an array (default ``x0, x1, ...``).
        mediator, outcome : str, optional
            Labels (default: the Series names, else ``"m"``/``"y"``).

        Raises
        ------
        ModelError
            More than one mediator column; a binary outcome; collinear predictors; a constant
            mediator; too few rows.
        DataValidationError
            Rows of different lengths, missing or infinite values, unknown ``x_columns``.
        """
        xm, cols = _as_matrix(X, names)
        mv = _as_vector(m, "m", mediator_check=True)
        yv = _as_vector(y, "y")
        if not len(xm) == len(mv) == len(yv):
            raise DataValidationError(
                f"X, m and y must have the same rows, got {len(xm)}, {len(mv)} and {len(yv)}"
            )
        xcols = _resolve_x_columns(x_columns, cols)
        if np.unique(yv).size == 2:
            raise ModelError(
                "the outcome has two values (a binary Y): the sensitivity analysis here is for "
                "a continuous Y in a linear outcome equation; R's medsens needs a probit Y "
                "model for binary outcomes, which this toolkit does not fit"
            )
        if np.ptp(mv) == 0:
            raise ModelError("the mediator is constant in these rows; there is no indirect effect")
        z = np.column_stack([np.ones(len(mv)), xm, mv, yv])
        n, p = len(mv), xm.shape[1] + 1
        if n - (p + 1) < 2:
            raise ModelError(
                f"only {n} rows for an outcome equation with {p + 1} coefficients; the "
                "sensitivity analysis needs more rows than that"
            )
        _check_rank(z[:, : p + 1], ["Intercept", *cols, "m"])
        return cls(
            gram=z.T @ z,
            n=n,
            names=("Intercept", *cols),
            x_columns=tuple(xcols),
            mediator=mediator or str(getattr(m, "name", None) or "m"),
            outcome=outcome or str(getattr(y, "name", None) or "y"),
        )


def _as_matrix(x: object, names: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    if isinstance(x, pd.DataFrame):
        cols = [str(c) for c in x.columns]
        arr = x.to_numpy(dtype=float)
    else:
        arr = np.asarray(x, dtype=float)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise DataValidationError(
                f"X must be a 2-D array or a DataFrame, got shape {arr.shape}"
            )
        cols = list(names) if names is not None else [f"x{i}" for i in range(arr.shape[1])]
    if len(cols) != arr.shape[1]:
        raise DataValidationError(f"names has {len(cols)} entries for {arr.shape[1]} columns of X")
    if not np.isfinite(arr).all():
        raise DataValidationError(
            "X has missing or infinite values; pass the complete rows the mediation model used"
        )
    return arr, cols


def _as_vector(v: object, what: str, mediator_check: bool = False) -> np.ndarray:
    arr = np.asarray(v.to_numpy() if isinstance(v, (pd.Series, pd.DataFrame)) else v, dtype=float)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        if mediator_check:
            raise ModelError(
                f"m has {arr.shape[1] if arr.ndim == 2 else arr.shape} columns: the sensitivity "
                "analysis of Imai, Keele & Yamamoto (2010) is for one mediator (with several, "
                "the error correlations are not identified by one parameter); analyse one "
                "mediator at a time"
            )
        raise DataValidationError(f"{what} must be one column, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise DataValidationError(
            f"{what} has missing or infinite values; pass the complete rows the model used"
        )
    return arr


def _resolve_x_columns(x_columns: object, cols: list[str]) -> list[str]:
    items = [x_columns] if isinstance(x_columns, (str, int, np.integer)) else list(x_columns)  # type: ignore[call-overload]
    out = []
    for c in items:
        if isinstance(c, (int, np.integer)) and not isinstance(c, bool):
            if not 0 <= int(c) < len(cols):
                raise DataValidationError(
                    f"x_columns position {c} is outside X's {len(cols)} columns"
                )
            out.append(cols[int(c)])
        elif str(c) in cols:
            out.append(str(c))
        else:
            raise DataValidationError(f"x_columns: '{c}' is not a column of X ({', '.join(cols)})")
    if not out:
        raise DataValidationError("x_columns must name at least one column of X")
    return out


def _check_rank(z: np.ndarray, names: list[str]) -> None:
    scale = np.sqrt((z**2).sum(axis=0))
    scale[scale == 0] = 1.0
    s = np.linalg.svd(z / scale, compute_uv=False)
    if s[-1] <= s[0] * 1e-10:
        raise ModelError(
            "the predictors of the outcome equation (" + ", ".join(names) + ") are collinear "
            "(one is a linear combination of the others, or constant); drop the redundant column"
        )


# ---------------------------------------------------------------------------------------------
# the two equations from the cross-products
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Moments:
    """OLS pieces of the mediator, outcome and total-effect equations."""

    b_m: np.ndarray  # mediator equation, on [1, P]
    b_y: np.ndarray  # outcome equation, on [1, P, m]
    b_t: np.ndarray  # total-effect equation, on [1, P]
    rho_tilde: float  # corr(residual of the M equation, residual of the total equation)
    sd_ratio: float  # sigma_total / sigma_m
    r2_m: float
    r2_y: float


def _moments(inp: SensitivityInputs) -> _Moments:
    g = inp.gram
    p = len(inp.names)
    P, m, y = slice(0, p), p, p + 1
    w2 = list(range(p + 1))
    b_m = np.linalg.solve(g[P, P], g[P, m])
    b_t = np.linalg.solve(g[P, P], g[P, y])
    b_y = np.linalg.solve(g[np.ix_(w2, w2)], g[w2, y])
    ss_m = g[m, m] - b_m @ g[P, m]
    ss_t = g[y, y] - b_t @ g[P, y]
    ss_y = g[y, y] - b_y @ g[w2, y]
    cross = g[m, y] - b_m @ g[P, y]
    n = inp.n
    sst_m = g[m, m] - g[0, m] ** 2 / n
    sst_y = g[y, y] - g[0, y] ** 2 / n
    return _Moments(
        b_m=b_m,
        b_y=b_y,
        b_t=b_t,
        rho_tilde=float(cross / math.sqrt(ss_m * ss_t)),
        sd_ratio=float(math.sqrt(ss_t / ss_m)),
        r2_m=float(1 - ss_m / sst_m),
        r2_y=float(1 - ss_y / sst_y),
    )


def _gamma(mo: _Moments, rho: np.ndarray) -> np.ndarray:
    """Coefficient of M in the outcome equation when corr(M error, Y error) = rho (closed form)."""
    rt = mo.rho_tilde
    out: np.ndarray = mo.sd_ratio * (rt - rho * np.sqrt((1 - rt**2) / (1 - rho**2)))
    return out


@dataclass(frozen=True)
class _SURFit:
    beta_m: np.ndarray
    beta_y: np.ndarray
    vcov: np.ndarray
    n_iter: int
    converged: bool


def _sur(
    inp: SensitivityInputs,
    rho: float,
    start: tuple[np.ndarray, np.ndarray],
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> _SURFit:
    """Feasible GLS of the M and Y equations with the error correlation fixed at ``rho``.

    As ``mediation::medsens`` (lm/lm): Omega = [[s1^2, rho s1 s2], [rho s1 s2, s2^2]] with the
    variances from the current residuals (divisor n - 1), GLS given Omega, repeated until the
    coefficients stop changing (relative change below ``tol``, or below 1e-9 and no longer
    shrinking: the floating-point noise floor, reached near |rho| = 1). Everything is computed from ``gram`` through the 2 x 2 Omega:
    the normal equations are ``[[w11 A11, w12 A12], [w12 A12', w22 A22]]`` with ``W = Omega^-1``.
    """
    g, n = inp.gram, inp.n
    p = len(inp.names)
    P, w2, m, y = list(range(p)), list(range(p + 1)), p, p + 1
    a11, a12, a22 = g[np.ix_(P, P)], g[np.ix_(P, w2)], g[np.ix_(w2, w2)]
    r1m, r1y, r2m, r2y = g[P, m], g[P, y], g[w2, m], g[w2, y]
    b1, b2 = start
    normal = np.zeros((2 * p + 1, 2 * p + 1))
    converged, n_iter, last = False, 0, math.inf
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        e11 = g[m, m] - 2 * b1 @ r1m + b1 @ a11 @ b1
        e22 = g[y, y] - 2 * b2 @ r2y + b2 @ a22 @ b2
        s1 = g[0, m] - b1 @ g[P, 0]
        s2 = g[0, y] - b2 @ g[w2, 0]
        v1, v2 = (e11 - s1**2 / n) / (n - 1), (e22 - s2**2 / n) / (n - 1)
        omega = np.array([[e11 / (n - 1), rho * math.sqrt(v1 * v2)], [0.0, e22 / (n - 1)]])
        omega[1, 0] = omega[0, 1]
        w = np.linalg.inv(omega)
        normal[:p, :p], normal[:p, p:] = w[0, 0] * a11, w[0, 1] * a12
        normal[p:, :p], normal[p:, p:] = w[0, 1] * a12.T, w[1, 1] * a22
        rhs = np.concatenate([w[0, 0] * r1m + w[0, 1] * r1y, w[0, 1] * r2m + w[1, 1] * r2y])
        new = np.linalg.solve(normal, rhs)
        old = np.concatenate([b1, b2])
        b1, b2 = new[:p], new[p:]
        change = float(np.max(np.abs(new - old))) / (1 + float(np.max(np.abs(new))))
        # converged, or at the floating-point noise floor (changes tiny and no longer shrinking)
        if change <= tol or (change <= 1e-9 and change >= last):
            converged = True
            break
        last = change
    return _SURFit(b1, b2, np.linalg.inv(normal), n_iter, converged)


def _acme_rows(
    inp: SensitivityInputs, mo: _Moments, rhos: np.ndarray, warm: bool
) -> tuple[np.ndarray, np.ndarray, int]:
    """ACME and its SE for every X column (rows) and rho (columns), from the SUR fits.

    ``var(ACME) = b^2 var(a) + a^2 var(b)`` from the SUR covariance (as medsens; the SUR
    covariance of a and b is left out, as there). Returns (acme, se, fits not converged).
    """
    p = len(inp.names)
    xi = [inp.names.index(c) for c in inp.x_columns]
    acme = np.empty((len(xi), rhos.size))
    se = np.empty_like(acme)
    bad = 0
    for k, rho in enumerate(rhos):
        if warm:  # start at the fixed point's closed form: converges in one or two steps
            gam = float(_gamma(mo, np.array(rho)))
            start = (mo.b_m, np.concatenate([mo.b_t - gam * mo.b_m, [gam]]))
        else:  # R's start: the two OLS fits
            start = (mo.b_m, mo.b_y)
        fit = _sur(inp, float(rho), start)
        bad += not fit.converged
        b, vb = fit.beta_y[p], fit.vcov[2 * p, 2 * p]
        for j, col in enumerate(xi):
            a, va = fit.beta_m[col], fit.vcov[col, col]
            acme[j, k] = a * b
            se[j, k] = math.sqrt(b * b * va + a * a * vb)
    return acme, se, bad


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SensitivityResult(ResultMixin):
    """Result of :func:`mediation_sensitivity`.

    Attributes
    ----------
    table : DataFrame
        One row per rho (and X term): ``rho, indirect, se, ci_low, ci_high, r2_star_prod,
        r2_tilde_prod`` (with ``term`` first for a categorical X). ``indirect`` is the average
        causal mediation effect (ACME) if the errors of the M and Y equations correlated at
        ``rho``; ``r2_star_prod`` = rho^2 (product of the shares of the *residual* variances of M
        and Y an unobserved confounder would explain), ``r2_tilde_prod`` = rho^2 (1 - R^2_M)
        (1 - R^2_Y) (product of the shares of their *total* variances).
    curve : DataFrame
        The same columns on the fine grid -0.99, -0.98, ..., 0.99 (drawn by :meth:`plot`).
    rho_at_zero : float
        The rho at which the ACME is exactly zero (= rho-tilde, the correlation of the
        residuals of the mediator and total-effect equations); the same for every X term.
    r2_star_at_zero, r2_tilde_at_zero : float
        The R^2 products at that rho: rho-tilde^2 and rho-tilde^2 (1 - R^2_M)(1 - R^2_Y).
    ci_zero : DataFrame
        ``term, rho_from, rho_to``: the interval of rho over which the CI includes zero
        (NaN where it reaches the end of the grid, rho = ±.99).
    r2_m, r2_y : float
        R^2 of the mediator and outcome equations.
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    rho_at_zero: float
    r2_star_at_zero: float
    r2_tilde_at_zero: float
    ci_zero: pd.DataFrame
    r2_m: float
    r2_y: float
    x_terms: tuple[str, ...]
    mediator: str
    outcome: str
    n: int
    n_dropped: int
    ci_level: float
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Sensitivity of the indirect effect to M-Y confounding"

    @property
    def interpretation(self) -> str:
        """Sentence(s) saying how strong a confounder would have to be (changes with the result)."""
        rt = self.rho_at_zero
        lvl = f"{round(self.ci_level * 100)}%"
        sign = "in the same direction" if rt > 0 else "in opposite directions"
        effects = "effect would" if len(self.x_terms) == 1 else "effects would all"
        parts = [
            f"The indirect {effects} be zero if the errors of the mediator and outcome "
            f"equations correlated at rho = {fmt_r(rt)} (an unobserved confounder affecting "
            f"{self.mediator} and {self.outcome} {sign} and explaining "
            f"R2*_M x R2*_Y = {fmt_r(self.r2_star_at_zero, 3)} of their residual variances, or "
            f"R2~_M x R2~_Y = {fmt_r(self.r2_tilde_at_zero, 3)} of their total variances)."
        ]
        for row in self.ci_zero.itertuples(index=False):
            label = "" if len(self.ci_zero) == 1 else f" ({row.term})"
            lo, hi = row.rho_from, row.rho_to
            if (np.isnan(lo) or lo <= 0) and (np.isnan(hi) or hi >= 0):
                parts.append(
                    f"Its {lvl} CI{label} already includes zero without confounding (rho = 0)."
                )
                continue
            near = lo if rt > 0 else hi
            parts.append(f"Its {lvl} CI{label} includes zero from rho = {fmt_r(near)}.")
        return " ".join(parts)

    def _lead(self) -> str:
        return self.interpretation

    def plot(self, ax: Any = None, term: str | None = None) -> Any:
        """ACME against rho with its CI band, the zero line and rho-tilde marked."""
        return figure("sensitivity.plot_sensitivity")(self, ax=ax, term=term)


# ---------------------------------------------------------------------------------------------
# main function
# ---------------------------------------------------------------------------------------------
def _inputs_of(result: object) -> tuple[SensitivityInputs, float | None, int, list[str]]:
    """The inputs carried by a mediation result (or given directly), with its refusals."""
    if isinstance(result, SensitivityInputs):
        return result, None, 0, []
    if getattr(result, "y_family", "gaussian") == "binomial":
        raise ModelError(
            "the outcome equation is logistic (binary Y): the sensitivity analysis here is for a "
            "linear outcome equation (continuous Y). R's medsens handles a binary Y only with a "
            "probit model; consider an E-value (ld.evalue) for the binary outcome instead"
        )
    mediators = tuple(getattr(result, "mediators", ()) or ())
    if getattr(result, "model", 4) == 6 or getattr(result, "serial", False):
        raise ModelError(
            "serial mediation (PROCESS model 6) is not supported: the sensitivity parameter rho "
            "is defined for one mediator and one outcome equation; refit one mediator at a time"
        )
    if len(mediators) > 1:
        raise ModelError(
            f"the model has {len(mediators)} mediators ({', '.join(mediators)}): the method of "
            "Imai, Keele & Yamamoto (2010) is for one mediator, whose error correlation with Y "
            "is the single sensitivity parameter; fit ld.mediate with one mediator at a time"
        )
    if getattr(result, "design", "1-1-1") == "2-2-1" and _mediator_on_cluster_means(result):
        raise ModelError(
            "the 2-2-1 design fits the mediator equation on cluster means; the single-level "
            "sensitivity analysis needs one row-level mediator equation (design '1-1-1'). For "
            "the between-cluster rho of a 2-2-1 design, pass the result of "
            "ld.multilevel_mediation(df, x, m, y, cluster) instead"
        )
    inputs = getattr(result, "sensitivity_inputs", None)
    if not isinstance(inputs, SensitivityInputs):
        raise ModelError(
            f"{type(result).__name__} does not carry the data of its equations "
            "(.sensitivity_inputs); pass a mediation result of a single-mediator model, or "
            "SensitivityInputs.from_arrays(X, m, y, x_columns) built from the rows it used"
        )
    notes = []
    cluster = getattr(result, "cluster", None)
    if cluster:
        notes.append(
            "the CIs treat the rows as independent (as medsens without cluster=); the mediation "
            f"model was clustered by '{cluster}'"
        )
    level = getattr(result, "ci_level", None)
    return (
        inputs,
        (float(level) if level is not None else None),
        int(getattr(result, "n_dropped", 0) or 0),
        notes,
    )


def _check_rho(rho: object) -> np.ndarray:
    if rho is None:
        return np.array(DEFAULT_RHO)
    try:
        arr = np.atleast_1d(np.asarray(rho, dtype=float))
    except (TypeError, ValueError):
        raise ModelError(f"rho must be numbers strictly between -1 and 1, got {rho!r}") from None
    if arr.ndim != 1 or arr.size == 0 or not np.isfinite(arr).all() or (np.abs(arr) >= 1).any():
        raise ModelError(
            f"rho must be numbers strictly between -1 and 1 (e.g. np.arange(-0.9, 0.91, 0.1)), "
            f"got {rho!r}"
        )
    return np.unique(arr)


def _frame(
    terms: list[str], rhos: np.ndarray, acme: np.ndarray, se: np.ndarray, z: float, shrink: float
) -> pd.DataFrame:
    rows = []
    for j, term in enumerate(terms):
        rows.append(
            pd.DataFrame(
                {
                    "term": term,
                    "rho": rhos,
                    "indirect": acme[j],
                    "se": se[j],
                    "ci_low": acme[j] - z * se[j],
                    "ci_high": acme[j] + z * se[j],
                    "r2_star_prod": rhos**2,
                    "r2_tilde_prod": rhos**2 * shrink,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    return out if len(terms) > 1 else out.drop(columns="term")


def _ci_zero(
    inp: SensitivityInputs, mo: _Moments, curve: np.ndarray, z: float
) -> list[tuple[float, float]]:
    """For each term, the rho interval around rho-tilde where the CI includes zero (exact ends)."""
    from scipy.optimize import brentq  # on use: scipy.optimize costs about half of pandas

    acme, se = curve
    out = []
    for j in range(acme.shape[0]):
        h = np.maximum(acme[j] - z * se[j], -(acme[j] + z * se[j]))  # > 0: CI excludes zero

        def hfun(r: float, j: int = j) -> float:
            a, s, _ = _acme_rows(inp, mo, np.array([r]), warm=True)
            return float(max(a[j, 0] - z * s[j, 0], -(a[j, 0] + z * s[j, 0])))

        ends = []
        for step in (-1, 1):
            inner = mo.rho_tilde  # the ACME is 0 there, so its CI includes zero
            k = int(np.searchsorted(_FINE, inner)) - (step < 0)
            while 0 <= k < _FINE.size and h[k] <= 0:
                inner, k = float(_FINE[k]), k + step
            if not 0 <= k < _FINE.size:
                ends.append(float("nan"))
                continue
            ends.append(float(brentq(hfun, _FINE[k], inner, xtol=1e-10)))
        out.append((ends[0], ends[1]))
    return out


def _mediator_on_cluster_means(result: Any) -> bool:
    """A 2-2-1 result whose mediator equation was fitted to one row per cluster (not one fitted
    with ``design="single-level"``)."""
    eqs = getattr(result, "equations", None) or {}
    eq = eqs.get(f"m:{result.mediators[0]}") if isinstance(eqs, dict) else None
    return eq is None or eq.attrs.get("level", "cluster") == "cluster"


@overload
def mediation_sensitivity(
    result: MultilevelMediationResult,
    rho: Sequence[float] | np.ndarray | None = ...,
    ci_level: float | None = ...,
    level: str | None = ...,
) -> MultilevelSensitivityResult: ...


@overload
def mediation_sensitivity(
    result: Any,
    rho: Sequence[float] | np.ndarray | None = ...,
    ci_level: float | None = ...,
    level: str | None = ...,
) -> SensitivityResult: ...


def mediation_sensitivity(
    result: Any,
    rho: Sequence[float] | np.ndarray | None = None,
    ci_level: float | None = None,
    level: str | None = None,
) -> SensitivityResult | MultilevelSensitivityResult:
    """Sensitivity of an indirect effect to confounding of the mediator and the outcome.

    Parameters
    ----------
    result : MediationResult, MultilevelMediationResult or SensitivityInputs
        A single-mediator result of :func:`~learning_direction.mediate` carrying
        ``.sensitivity_inputs`` (continuous M and Y; covariates and a categorical X are
        fine), or a result of :func:`~learning_direction.multilevel_mediation` (one rho per
        level; see "Multilevel results" below). A :class:`SensitivityInputs` built with
        :meth:`SensitivityInputs.from_arrays` is accepted too (internal use, until every
        mediation result carries its inputs).
    rho : sequence of float, optional
        Values of the sensitivity parameter, strictly between -1 and 1 (sorted, duplicates
        dropped). Default -0.9, -0.8, ..., 0.9 (``medsens(rho.by = 0.1)``).
    ci_level : float, optional
        Level of the CIs; default the mediation result's, else 0.95.
    level : {"within", "between"}, optional
        Multilevel results only: analyse one level; default every level the design has an
        indirect effect at (1-1-1: both; 2-1-1 and 2-2-1: ``"between"``).

    Returns
    -------
    SensitivityResult or MultilevelSensitivityResult
        ``.table`` (``rho, indirect, se, ci_low, ci_high, r2_star_prod, r2_tilde_prod``;
        ``term`` first with a categorical X), ``.rho_at_zero``, ``.r2_star_at_zero``,
        ``.r2_tilde_at_zero``, ``.ci_zero``, ``.curve``, ``summary()``, ``.plot()``. For a
        multilevel result a :class:`~learning_direction.models.multilevel_sensitivity.
        MultilevelSensitivityResult`: the same with a ``level`` column (``"within"``,
        ``"between"``) first in ``.table``, ``.curve`` and ``.ci_zero``, and
        ``.rho_at_zero`` (and the R^2 products) as dicts ``{level: value}``; its ``.plot()``
        draws one panel per level.

    Raises
    ------
    ModelError
        A binary (logistic) outcome; more than one mediator; serial mediation; a 2-2-1
        design of :func:`~learning_direction.mediate` (use
        :func:`~learning_direction.multilevel_mediation`); a result without its inputs; rho
        outside (-1, 1); ``level="within"`` for a 2-1-1 or 2-2-1 design (no within-cluster
        indirect effect); ``level`` with a single-level result.

    Notes
    -----
    Model (Imai, Keele & Yamamoto 2010, with covariates C):
    ``M = a X + C g + e_2`` and ``Y = c' X + b M + C h + e_3``, with ``rho = corr(e_2, e_3)``.
    Sequential ignorability means ``rho = 0``; an unobserved confounder U of M and Y makes
    ``rho`` nonzero. With ``e_1`` the error of the total-effect equation ``Y = c X + C k +
    e_1``, ``sigma_1, sigma_2`` the residual SDs of the total and mediator equations and
    ``rho~ = corr(e_1, e_2)`` (estimated by the OLS residuals), Proposition 2 gives the ACME
    for a given rho::

        ACME(rho) = a * gamma(rho),
        gamma(rho) = (sigma_1 / sigma_2) * (rho~ - rho * sqrt((1 - rho~^2) / (1 - rho^2))).

    So ACME(0) = a b (OLS) and ACME = 0 at rho = rho~ exactly (``.rho_at_zero``; R's
    ``err.cr.d`` is the grid value nearest to it). A categorical X gives one relative ACME per
    indicator, ``a_j gamma(rho)``: they share rho~.

    CIs as R ``mediation::medsens`` computes them for ``lm``/``lm``: for each rho the M and Y
    equations are fitted as a seemingly-unrelated-regressions system by feasible GLS with
    ``Omega = [[s_1^2, rho s_1 s_2], [rho s_1 s_2, s_2^2]]``, the s's from the current
    residuals (divisor n - 1), iterated from the OLS fits until the coefficients change by less
    than 1e-12 (relative) -- its fixed point is the closed form above. Then ``var(ACME) =
    a^2 var(b) + b^2 var(a)`` from ``(X' Omega^-1 X)^-1`` and the CI is ``ACME +/- z se``.
    R's default convergence tolerance (``eps = sqrt(.Machine$double.eps)`` on the sum of
    squared changes) stops earlier, so R's own numbers with its default differ from the
    converged ones by about 1e-5.

    R^2 form (Imai et al. 2010, Section 5): for a confounder that affects M and Y in the
    direction given by the sign of rho, ``R2*_M R2*_Y = rho^2`` (shares of the residual
    variances explained by U) and ``R2~_M R2~_Y = rho^2 (1 - R^2_M)(1 - R^2_Y)`` (shares of
    the total variances; R^2_M and R^2_Y of the mediator and outcome equations).

    Multilevel results (:func:`~learning_direction.multilevel_mediation`). R's
    ``mediation::medsens`` refuses multilevel fits ("mediate object fitted with non-supported
    model combinations" for ``lmer`` models), so this has no R counterpart; it is derived here
    and checked by simulation. A two-level model splits each level-1 variable into uncorrelated
    within and between parts, so each level ``l`` has its own equations ``M_l = a_l X_l + ... +
    e_M,l`` and ``Y_l = b_l M_l + c'_l X_l + ... + e_Y,l``, and its own sensitivity parameter
    ``rho_l = corr(e_M,l, e_Y,l)``: an unobserved confounder of the cluster means of M and Y
    makes ``rho_between`` nonzero, one of the deviations from them ``rho_within``, and neither
    biases the other level. Proposition 2 above on the level's covariance matrix ``Sigma_l`` of
    (X, covariates, M, Y), rewritten with ``e_1 = b e_2 + e_3`` (so ``sigma_1^2 = b^2 sigma_2^2 +
    sigma_3^2``, ``rho~ = b sigma_2 / sigma_1``), gives::

        ACME_l(rho) = a_l * (b_l - rho * sigma_Y,l / (sigma_M,l * sqrt(1 - rho^2))),

    the fitted slope minus the omitted-confounder bias ``cov(e_M, e_Y) / var(e_M)``, with
    ``sigma_M,l`` and ``sigma_Y,l`` the residual SDs of the level's mediator and outcome
    equations. ``ACME_l(0) = a_l b_l`` (the fitted indirect effect) and the effect is zero at
    ``rho~_l = b_l sigma_M,l / sqrt(b_l^2 sigma_M,l^2 + sigma_Y,l^2)`` (``.rho_at_zero[l]``).
    ``Sigma_l`` is MSEM's model-implied matrix of the level; for UMM the pooled within-cluster
    covariances and, between, the covariances of the cluster means minus ``mean(1 / n_j)``
    times the within ones (the latent scale of MSEM). CIs: delta method with the residual SDs
    fixed, ``gamma^2 se_a^2 + a^2 se_b^2``, normal theory (as medsens). Which rho exists:
    **1-1-1** within and between; **2-1-1** between only (X has no within part, so there is no
    within indirect effect; a within M-Y error correlation would bias only ``b_within``, which
    enters no indirect effect); **2-2-1** between only (M has no within part). Asking for
    ``level="within"`` in a 2-1-1 or 2-2-1 design raises ``ModelError``. The full derivation is
    in :mod:`learning_direction.models.multilevel_sensitivity`.

    References
    ----------
    Imai, K., Keele, L., & Yamamoto, T. (2010). Identification, inference and sensitivity
    analysis for causal mediation effects. *Statistical Science*, 25, 51–71.
    Preacher, K. J., Zyphur, M. J., & Zhang, Z. (2010). A general multilevel SEM framework for
    assessing multilevel mediation. *Psychological Methods*, 15, 209–233.
    Imai, K., Keele, L., & Tingley, D. (2010). A general approach to causal mediation
    analysis. *Psychological Methods*, 15, 309–334. Tingley, D., Yamamoto, T., Hirose, K.,
    Keele, L., & Imai, K. (2014). mediation: R package for causal mediation analysis.
    *Journal of Statistical Software*, 59(5).

    Examples
    --------
    Study 2A: downward learning direction -> learning opportunity -> engagement, with the
    other two directions as covariates (R: ``medsens(mediate(lm(m ~ x + cov),
    lm(y ~ m + x + cov), treat = "downward", mediator = "learning_opportunity"),
    rho.by = 0.1)``):

    >>> import learning_direction as ld
    >>> from learning_direction.models.sensitivity import SensitivityInputs, mediation_sensitivity
    >>> raw = ld.load_dataset("study2a")
    >>> d = raw.join(ld.score(raw, ["learning_direction", "learning_opportunity",
    ...                             "mentor_engagement"]).scores)
    >>> inputs = SensitivityInputs.from_arrays(
    ...     d[["downward", "upward", "lateral"]], d["learning_opportunity"],
    ...     d["mentor_engagement"], x_columns="downward")
    >>> sens = mediation_sensitivity(inputs)
    >>> round(sens.rho_at_zero, 3), round(sens.r2_tilde_at_zero, 3)
    (0.296, 0.056)
    >>> tab = sens.table.set_index("rho")
    >>> tab.loc[[0.0, 0.3], ["indirect", "ci_low", "ci_high"]].round(3)
         indirect  ci_low  ci_high
    rho
    0.0     0.105   0.062    0.148
    0.3    -0.002  -0.035    0.032
    >>> sens.ci_zero.round(2)
                                term  rho_from  rho_to
    0  indirect:learning_opportunity       0.2    0.38

    The indirect effect of 0.105 (a b of the OLS fits, as ``ld.mediate`` reports) would vanish
    if an unobserved confounder made the errors correlate at .30, and its CI includes zero from
    .20 on: a moderate confounder of learning opportunity and engagement would suffice.

    A multilevel result (Study 3, a 2-2-1 design: only the between-mentor rho exists; no R
    equivalent, as medsens refuses multilevel fits):

    >>> d = ld.load_dataset("study3")
    >>> d = d.join(ld.score(d, ["learning_direction", "mentor_engagement", "hireability"]).scores)
    >>> res = ld.multilevel_mediation(d, x="downward", m="mentor_engagement", y="hireability",
    ...                               cluster="mentor_id", covariates=["upward", "lateral"],
    ...                               n_draws=1000, seed=1)
    >>> ml = ld.mediation_sensitivity(res)
    >>> {k: round(v, 2) for k, v in ml.rho_at_zero.items()}
    {'between': 0.5}
    >>> ml.table.set_index("rho").loc[[0.0, 0.2], ["level", "indirect", "ci_low", "ci_high"]].round(3)
           level  indirect  ci_low  ci_high
    rho
    0.0  between     0.071   0.022    0.120
    0.2  between     0.046   0.004    0.088
    >>> ld.mediation_sensitivity(res, level="within")
    Traceback (most recent call last):
    ...
    learning_direction.exceptions.ModelError: the 2-2-1 design has no within-cluster indirect effect (X is constant within clusters (level 2), so there is no within-cluster a path); its only sensitivity parameter is rho_between (level='between' or level=None)
    """
    from scipy import special

    from .multilevel_mediation.result import MultilevelMediationResult
    from .multilevel_sensitivity import multilevel_sensitivity

    if isinstance(result, MultilevelMediationResult):
        ci = check_level(ci_level if ci_level is not None else result.ci_level)
        z = float(special.ndtri(0.5 + ci / 2))
        return multilevel_sensitivity(result, _check_rho(rho), _FINE, z, ci, level)
    if level is not None:
        raise ModelError(
            "level= is for a multilevel mediation result (ld.multilevel_mediation); a "
            f"single-level {type(result).__name__} has one sensitivity parameter"
        )
    inp, result_level, n_dropped, notes = _inputs_of(result)
    conf = check_level(ci_level if ci_level is not None else (result_level or 0.95))
    rhos = _check_rho(rho)
    mo = _moments(inp)
    z = float(special.ndtri(0.5 + conf / 2))
    terms = _term_names(inp)
    acme, se, bad = _acme_rows(inp, mo, rhos, warm=False)
    fine = _acme_rows(inp, mo, _FINE, warm=True)
    shrink = (1 - mo.r2_m) * (1 - mo.r2_y)
    ci_zero = _ci_zero(inp, mo, np.stack(fine[:2]), z)
    if bad:
        notes.append(f"the SUR iteration did not converge for {bad} rho value(s)")
    notes.append(
        "ACME(rho) and its SE from the FGLS seemingly-unrelated-regressions fit at each rho "
        "(its fixed point is the closed form of Imai, Keele & Yamamoto 2010), normal-theory CI, "
        "as mediation::medsens"
    )
    rt = mo.rho_tilde
    return SensitivityResult(
        table=_frame(terms, rhos, acme, se, z, shrink),
        curve=_frame(terms, _FINE, fine[0], fine[1], z, shrink),
        rho_at_zero=rt,
        r2_star_at_zero=rt**2,
        r2_tilde_at_zero=rt**2 * shrink,
        ci_zero=pd.DataFrame(
            [(t, lo, hi) for t, (lo, hi) in zip(terms, ci_zero)],
            columns=["term", "rho_from", "rho_to"],
        ),
        r2_m=mo.r2_m,
        r2_y=mo.r2_y,
        x_terms=inp.x_columns,
        mediator=inp.mediator,
        outcome=inp.outcome,
        n=inp.n,
        n_dropped=n_dropped,
        ci_level=conf,
        method="Imai-Keele-Yamamoto sensitivity analysis (linear M and Y equations)",
        notes=tuple(notes),
    )


def _term_names(inp: SensitivityInputs) -> list[str]:
    """``indirect:<m>`` (one X column) or ``indirect:<m>[<level>]`` per X indicator."""
    if len(inp.x_columns) == 1:
        return [f"indirect:{inp.mediator}"]
    out = []
    for c in inp.x_columns:
        lv = c[c.index("[") + 1 : -1] if c.endswith("]") and "[" in c else c
        out.append(f"indirect:{inp.mediator}[{lv}]")
    return out


# ---------------------------------------------------------------------------------------------
# E-values
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EValueResult(ResultMixin):
    """Result of :func:`evalue`.

    Attributes
    ----------
    evalue : float
        E-value of the point estimate.
    evalue_ci : float
        E-value of the CI limit closer to the null (1 if the CI includes the null; NaN
        without a CI).
    table : DataFrame
        ``term`` (``point``, ``ci_low``, ``ci_high``), ``estimate`` (on the scale given),
        ``rr`` (the risk ratio it corresponds to) and ``evalue`` (NaN for the CI limit
        farther from the null, as R's EValue reports NA).
    """

    table: pd.DataFrame
    evalue: float
    evalue_ci: float
    kind: str
    rare: bool
    true: float
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "E-value for unmeasured confounding"

    @property
    def interpretation(self) -> str:
        """The E-values in words (VanderWeele & Ding's wording)."""
        text = (
            f"An unmeasured confounder associated with both the exposure and the outcome by a "
            f"risk ratio of {fmt_num(self.evalue)} each, above and beyond the measured "
            f"covariates, could explain away the estimate; weaker confounding could not."
        )
        if np.isnan(self.evalue_ci):
            return text
        if self.evalue_ci == 1:
            return text + " The confidence interval already includes the null (E-value 1)."
        return text + (
            f" To move the confidence interval to include the null, a risk ratio of "
            f"{fmt_num(self.evalue_ci)} each would be needed."
        )

    def summary(self, digits: int = 4) -> str:
        """Title, metadata, the interpretation, the table and the notes."""
        lines = [self._title, "=" * len(self._title), f"method: {self.method}", ""]
        lines += [self.interpretation, "", table_to_text(self.table, digits)]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


def _to_rr(value: float, kind: str, rare: bool) -> float:
    """The risk ratio a value of ``kind`` corresponds to (VanderWeele & Ding 2017, Table 2)."""
    if kind == "smd":
        return math.exp(0.91 * value)
    if kind == "rr" or rare:
        return value
    if kind == "or":
        return math.sqrt(value)
    hr: float = (1 - 0.5 ** math.sqrt(value)) / (1 - 0.5 ** math.sqrt(1 / value))  # common HR
    return hr


def _threshold(rr: float, true: float) -> float:
    """E-value of risk ratio ``rr`` against the true value ``true`` (both on the RR scale)."""
    rat = rr / true if rr >= true else true / rr
    return rat + math.sqrt(rat * (rat - 1))


def _evalue_ci(
    estimate: float, se: float | None, ci: Sequence[float] | None, kind: str
) -> tuple[float, float] | None:
    from scipy import special

    if se is not None and ci is not None:
        raise ModelError("give se or ci, not both (the CI would be computed from se)")
    if se is not None:
        if not (isinstance(se, (int, float)) and math.isfinite(se) and se > 0):
            raise ModelError(f"se must be a positive number, got {se!r}")
        if kind == "smd":  # VanderWeele & Ding: RR CI exp(0.91 d -/+ 1.78 se)
            return estimate - 1.78 / 0.91 * se, estimate + 1.78 / 0.91 * se
        z = float(special.ndtri(0.975))  # se of log(estimate)
        return estimate * math.exp(-z * se), estimate * math.exp(z * se)
    if ci is None:
        return None
    try:
        lo, hi = (float(v) for v in ci)
    except (TypeError, ValueError):
        raise ModelError(f"ci must be two numbers (lower, upper), got {ci!r}") from None
    if not lo <= estimate <= hi:
        raise ModelError(
            f"the estimate {estimate:g} must lie inside its confidence interval [{lo:g}, {hi:g}]"
        )
    return lo, hi


def evalue(
    estimate: float,
    se: float | None = None,
    *,
    kind: str = "rr",
    rare: bool = True,
    ci: Sequence[float] | None = None,
    true: float | None = None,
) -> EValueResult:
    """E-value: how strong unmeasured confounding would have to be to explain an effect away.

    Parameters
    ----------
    estimate : float
        Risk ratio (``kind="rr"``), odds ratio (``"or"``), hazard ratio (``"hr"``) or
        standardized mean difference (``"smd"``, Cohen's d).
    se : float, optional
        Standard error, used to build the 95% CI: of ``d`` for an SMD (RR limits
        ``exp(0.91 d -/+ 1.78 se)``), of ``log(estimate)`` for a ratio.
    kind : {"rr", "or", "hr", "smd"}
    rare : bool
        Whether the outcome is rare (< 15% by the end of follow-up), so that an OR or HR
        approximates the RR; if not, the common-outcome conversions are used.
    ci : (float, float), optional
        CI of ``estimate`` on its own scale (instead of ``se``).
    true : float, optional
        The true effect to shift to: default the null (1 for ratios, 0 for an SMD).

    Returns
    -------
    EValueResult
        ``.evalue``, ``.evalue_ci``, ``.table`` (``term, estimate, rr, evalue``),
        ``summary()``.

    Raises
    ------
    ModelError
        A ratio that is not positive, an estimate outside its CI, both ``se`` and ``ci``,
        an unknown ``kind``.

    Notes
    -----
    With the estimate converted to a risk ratio RR (and ``true`` likewise to RR_0):
    ``E = RR* + sqrt(RR* (RR* - 1))`` with ``RR* = RR / RR_0`` if ``RR >= RR_0`` else
    ``RR_0 / RR`` (VanderWeele & Ding 2017). For the CI, the same formula at the limit closer to
    the null, and 1 if the CI includes the null. Conversions (their Table 2): OR or HR of a rare
    outcome: RR = OR (HR); OR of a common outcome: RR = sqrt(OR); HR of a common outcome:
    RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)); SMD d: RR = exp(0.91 d). These are R
    ``EValue::evalues.RR/OR/HR/MD``.

    References
    ----------
    VanderWeele, T. J., & Ding, P. (2017). Sensitivity analysis in observational research:
    Introducing the E-value. *Annals of Internal Medicine*, 167, 268–274. Mathur, M. B., Ding,
    P., Riddell, C. A., & VanderWeele, T. J. (2018). Web site and R package for computing
    E-values. *Epidemiology*, 29, e45–e47.

    Examples
    --------
    VanderWeele & Ding's example (RR 3.9, 95% CI 1.8 to 8.7; R ``EValue::evalues.RR(3.9, 1.8,
    8.7)``):

    >>> from learning_direction.models.sensitivity import evalue
    >>> res = evalue(3.9, ci=(1.8, 8.7))
    >>> round(res.evalue, 2), round(res.evalue_ci, 2)
    (7.26, 3.0)

    Study 4's downward-vs-upward reflection effect on engagement as an SMD (Hedges' g from
    :func:`~learning_direction.models.group_tests.ttest`, its SE from the CI; R
    ``EValue::evalues.MD(est, se)``): a confounder would need risk-ratio associations of 2.08
    with both condition and engagement to explain the effect away, and of 1.32 to make it
    non-significant (the experiment randomised the condition, so this is an illustration).

    >>> import learning_direction as ld
    >>> from learning_direction.models.group_tests import ttest
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, ["mentor_engagement"]).scores)
    >>> g = ttest(d[d["condition"] != "control"], "mentor_engagement", "condition").table.iloc[0]
    >>> se = (g["g_ci_high"] - g["g_ci_low"]) / (2 * 1.96)
    >>> res = evalue(g["hedges_g"], se, kind="smd")
    >>> round(res.evalue, 2), round(res.evalue_ci, 2)
    (2.08, 1.32)
    """
    kind = choice(kind, "kind", ["rr", "or", "hr", "smd"])
    if not isinstance(estimate, (int, float, np.floating, np.integer)) or not math.isfinite(
        estimate
    ):
        raise ModelError(f"estimate must be a finite number, got {estimate!r}")
    estimate = float(estimate)
    if kind != "smd" and estimate <= 0:
        raise ModelError(f"a {kind.upper()} must be positive, got {estimate:g}")
    null = 0.0 if kind == "smd" else 1.0
    true_v = null if true is None else float(true)
    if kind != "smd" and true_v <= 0:
        raise ModelError(f"true must be a positive {kind.upper()}, got {true_v:g}")
    limits = _evalue_ci(estimate, se, ci, kind)
    rr, rr0 = _to_rr(estimate, kind, rare), _to_rr(true_v, kind, rare)
    point = _threshold(rr, rr0)
    rows = [("point", estimate, rr, point)]
    e_ci = float("nan")
    if limits is not None:
        lo, hi = (_to_rr(v, kind, rare) for v in limits)
        if lo <= rr0 <= hi:
            e_ci = 1.0
            e_lo, e_hi = (1.0, float("nan")) if rr >= rr0 else (float("nan"), 1.0)
        elif rr > rr0:
            e_ci = e_lo = _threshold(lo, rr0)
            e_hi = float("nan")
        else:
            e_ci = e_hi = _threshold(hi, rr0)
            e_lo = float("nan")
        rows += [("ci_low", limits[0], lo, e_lo), ("ci_high", limits[1], hi, e_hi)]
    conv = {"rr": "risk ratio", "smd": "RR = exp(0.91 d)"}.get(
        kind, f"{kind.upper()} as RR" + (" (rare outcome)" if rare else " (common outcome)")
    )
    return EValueResult(
        table=pd.DataFrame(rows, columns=["term", "estimate", "rr", "evalue"]),
        evalue=point,
        evalue_ci=e_ci,
        kind=kind,
        rare=rare,
        true=true_v,
        method=f"E-value (VanderWeele & Ding 2017), {conv}",
    )
