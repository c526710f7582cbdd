"""The population a power analysis simulates from: :class:`Scenario`.

A scenario is the *population* side of a power analysis -- the design (simple, parallel,
serial, moderated, 2-1-1 or 2-2-1 mediation), the path values, the covariates and the cluster
sizes --
kept apart from *how* it is simulated (method, replications, seed; see
:mod:`.analysis`). It is built and checked once by one of two constructors:

* :meth:`Scenario.from_paths` -- path values stated by the analyst (``a=.39, b=.39``);
* :meth:`Scenario.from_pilot` -- path values estimated from pilot data or a fitted
  :func:`~learning_direction.models.mediation.mediate` result.

Examples
--------
>>> from learning_direction.models.power import Scenario
>>> s = Scenario.from_paths(a=0.39, b=0.39)
>>> s.design, s.mediators, s.population.primary
('simple', ('m',), 'indirect:m')
>>> Scenario.from_paths(a=[0.3, 0.2], b=[0.3, 0.3], d=0.3, serial=True).design
'serial'
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

import numpy as np
import pandas as pd

from ..._core.checks import choice
from ...exceptions import DataValidationError, ModelError
from .._process_input import RENAMED_211
from .._types import FloatArray
from ._pilot import PathValues, from_dataframe, from_mediation_result
from ._sim import ClusterSizes, Effects, Equation, Population, implied_cov

__all__ = ["DESIGNS", "DesignOptions", "Scenario"]

#: the designs a scenario can have ("auto" picks one from the other arguments)
DESIGNS = ("auto", "simple", "parallel", "serial", "moderated", "2-1-1", "2-2-1")

#: the clustered designs (mentees nested in mentors; Krull & MacKinnon 2001 labels)
CLUSTERED = ("2-1-1", "2-2-1")


class DesignOptions(TypedDict, total=False):
    """Keyword options shared by :meth:`Scenario.from_paths` and :meth:`Scenario.from_pilot`."""

    design: str
    serial: bool
    mediator_r: float
    n_covariates: int
    covariate_r: float
    covariate_path: float
    a_w: float
    a_xw: float | None
    w_r: float
    icc: float | None
    cluster_size: int | Sequence[int] | None
    cluster_cv: float | None
    icc_m: float | None
    b_within: float
    standardized: bool


@dataclass(frozen=True, eq=False)
class Scenario:
    """The population model of a mediation power analysis (frozen; build it with a constructor).

    Attributes
    ----------
    a, b : tuple of float
        Paths X -> M_j and M_j -> Y, one per mediator.
    c_prime : float
        Direct path X -> Y.
    design : str
        ``"simple"``, ``"parallel"``, ``"serial"``, ``"moderated"``, ``"2-1-1"`` (mentor-level
        X, mentee-level M and Y) or ``"2-2-1"`` (mentor-level X and M, mentee-level Y).
    serial : bool
        The mediators form a chain (paths ``d`` between them).
    d : tuple of float
        Serial paths M1->M2 (, M1->M3, M2->M3); one value is used for all.
    mediators, covariates : tuple of str
        Names of the mediators and the covariates.
    mediator_r : float
        Correlation of the mediators' residuals (parallel design).
    covariate_r, covariate_path : float
        Correlation of the covariates with X and each other, and their path into every
        mediator and Y.
    a_w, a_xw, w_r : float
        Moderated design: W -> M, X*W -> M (None outside it) and the correlation of X and W.
    icc : float or None
        Clustered designs: residual ICC of Y (share of Y's residual variance between mentors).
    cluster_size : int, tuple of int or None
        Clustered designs: mentees per mentor (one number: all equal, or the mean with
        ``cluster_cv``), or the sizes to draw from (an empirical distribution).
    cluster_cv : float or None
        Coefficient of variation of gamma-distributed cluster sizes (mean ``cluster_size``).
    icc_m : float or None
        2-1-1 design: residual ICC of the mentee-level mediator.
    b_within : float
        2-1-1 design: within-mentor slope of Y on M (the between slope is ``b``).
    standardized : bool
        Paths are standardized (residual variances make every variable unit-variance) or raw
        (unit residual variances).
    exog_corr, mediator_corr : ndarray or None
        From pilot data: the correlations among X and the covariates, and of the mediators'
        residuals (instead of ``covariate_r`` / ``mediator_r``).
    covariate_paths : mapping
        From pilot data: each covariate's paths into the mediators and Y.
    source_notes : tuple of str
        Where the values come from (pilot data).
    population : Population
        The data-generating model (equations, residual variances, effects), built and checked
        when the scenario is made.
    """

    a: tuple[float, ...]
    b: tuple[float, ...]
    c_prime: float = 0.0
    design: str = "simple"
    serial: bool = False
    d: tuple[float, ...] = ()
    mediators: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    mediator_r: float = 0.0
    covariate_r: float = 0.0
    covariate_path: float = 0.0
    a_w: float = 0.0
    a_xw: float | None = None
    w_r: float = 0.0
    icc: float | None = None
    cluster_size: int | tuple[int, ...] | None = None
    cluster_cv: float | None = None
    icc_m: float | None = None
    b_within: float = 0.0
    standardized: bool = True
    exog_corr: FloatArray | None = field(default=None, repr=False)
    mediator_corr: FloatArray | None = field(default=None, repr=False)
    covariate_paths: Mapping[str, tuple[float, ...]] = field(default_factory=dict, repr=False)
    source_notes: tuple[str, ...] = ()
    population: Population = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.mediators:
            k = len(self.a)
            names = ("m",) if k == 1 else tuple(f"m{j + 1}" for j in range(k))
            object.__setattr__(self, "mediators", names)
        object.__setattr__(self, "population", _build_population(self))

    # ---------------------------------------------------------------- constructors
    @classmethod
    def from_paths(
        cls,
        a: float | Sequence[float] | None,
        b: float | Sequence[float] | None,
        c_prime: float = 0.0,
        *,
        d: float | Sequence[float] | None = None,
        **options: Unpack[DesignOptions],
    ) -> Scenario:
        """A scenario from stated path values.

        Parameters
        ----------
        a, b : float or list of float
            Paths X -> M and M -> Y, one value per mediator.
        c_prime : float
            Direct path X -> Y.
        d : float or list of float, optional
            Serial design: paths between mediators, M1->M2 (, M1->M3, M2->M3).
        **options
            ``design``, ``serial``, ``mediator_r``, ``n_covariates``, ``covariate_r``,
            ``covariate_path``, ``a_w``, ``a_xw``, ``w_r``, ``icc``, ``cluster_size``,
            ``cluster_cv``, ``icc_m``, ``b_within``, ``standardized``, as in
            :func:`~learning_direction.models.power.power_mediation`.

        Raises
        ------
        ModelError
            A path is missing or not a finite number, the design's rules are broken (e.g. a
            serial design without ``d``), or the values do not form a valid population (paths
            explaining all of a variable's variance, invalid correlation matrices).
        """
        if a is None or b is None:
            raise ModelError(
                "give the standardized paths a= (X -> M) and b= (M -> Y), or pilot= data / a "
                "fitted MediationResult"
            )
        values = PathValues(
            a=_as_floats(a, "a"), b=_as_floats(b, "b"), c_prime=c_prime, d=_as_floats(d, "d")
        )
        return cls._resolve(values, options)

    @classmethod
    def from_pilot(
        cls,
        pilot: Any,
        *,
        x: str | None = None,
        m: str | Sequence[str] | None = None,
        y: str | None = None,
        covariates: Sequence[str] | None = None,
        **options: Unpack[DesignOptions],
    ) -> Scenario:
        """A scenario whose standardized values are estimated from pilot data.

        Parameters
        ----------
        pilot : DataFrame or MediationResult
            Pilot data (with ``x``, ``m``, ``y`` and ``covariates`` naming its columns):
            standardized OLS paths, the correlations among X and covariates and the mediators'
            residual correlations are taken as the population values. Or a fitted
            :func:`~learning_direction.models.mediation.mediate` result: its paths,
            standardized with its sample SDs (serial when the result is).
        x, m, y, covariates : str, optional
            Column names, for pilot data.
        **options
            As in :meth:`from_paths` (``standardized`` must stay True; pilot data set the
            covariates themselves, so ``n_covariates`` is ignored for them).
        """
        serial = bool(options.get("serial", False))
        if isinstance(pilot, pd.DataFrame):
            values = from_dataframe(pilot, x, m, y, covariates, serial)
            options = {**options, "n_covariates": 0}
        elif hasattr(pilot, "mediators") and hasattr(pilot, "equations"):
            values = from_mediation_result(pilot)
            options = {**options, "serial": bool(values.serial)}
        else:
            raise DataValidationError(
                f"pilot must be a DataFrame or a MediationResult (from ld.mediate), got "
                f"{type(pilot).__name__}"
            )
        if not options.get("standardized", True):
            raise ModelError("pilot values are standardized; leave standardized=True")
        return cls._resolve(values, options)

    @classmethod
    def _resolve(cls, values: PathValues, options: DesignOptions) -> Scenario:
        """Check the values against the design's rules and make the scenario."""
        k = len(values.a)
        if k != len(values.b):
            raise ModelError(
                f"a has {k} values and b has {len(values.b)}; give one a and one b per mediator"
            )
        if k == 0:
            raise ModelError("give at least one mediator path (a= and b=)")
        a_xw = options.get("a_xw")
        clusters = _ClusterOptions.of(options)
        design = _resolve_design(
            choice(options.get("design", "auto"), "design", DESIGNS),
            k=k,
            serial=bool(options.get("serial", False)),
            moderated=a_xw is not None,
            clustered=clusters.given,
            mediator_level1=clusters.icc_m is not None,
        )
        serial = bool(options.get("serial", False)) or design == "serial"
        _check_mediators(design, k, serial, values.d)
        if design == "moderated":
            _check_moderated(k, a_xw, options.get("w_r", 0.0))
        checked = clusters.check(design, serial, a_xw is not None)
        n_cov = options.get("n_covariates", 0)
        if isinstance(n_cov, bool) or not isinstance(n_cov, int | np.integer) or n_cov < 0:
            raise ModelError(f"n_covariates must be a whole number >= 0, got {n_cov!r}")
        covariate_r = _check_corr(options.get("covariate_r", 0.0), "covariate_r")
        mediator_r = _check_corr(options.get("mediator_r", 0.0), "mediator_r")
        return cls(
            a=tuple(values.a),
            b=tuple(values.b),
            c_prime=_as_float(values.c_prime, "c_prime"),
            design=design,
            serial=serial,
            d=tuple(values.d),
            mediators=tuple(values.mediators),
            covariates=tuple(values.covariates or (f"c{j + 1}" for j in range(int(n_cov)))),
            mediator_r=mediator_r,
            covariate_r=covariate_r,
            covariate_path=_as_float(options.get("covariate_path", 0.0), "covariate_path"),
            a_w=_as_float(options.get("a_w", 0.0), "a_w"),
            a_xw=_as_float(a_xw, "a_xw") if a_xw is not None else None,
            w_r=float(options.get("w_r", 0.0)),
            icc=checked.icc,
            cluster_size=checked.cluster_size,
            cluster_cv=checked.cluster_cv,
            icc_m=checked.icc_m,
            b_within=checked.b_within,
            standardized=bool(options.get("standardized", True)),
            exog_corr=values.exog_corr,
            mediator_corr=values.mediator_corr,
            covariate_paths=dict(values.covariate_paths),
            source_notes=tuple(values.notes),
        )

    # ---------------------------------------------------------------- what it says
    @property
    def notes(self) -> tuple[str, ...]:
        """Notes for a result: where the values come from, the design, the scaling."""
        notes = list(self.source_notes)
        sizes = self.population.sizes
        if self.design == "2-2-1" and sizes is not None:
            notes.append(
                "2-2-1 design: n is the number of mentors (clusters); X and M are mentor-level, "
                "Y is simulated for every mentee and analysed as mentor means (GLS on cluster "
                "means with weights 1 / (tau^2 + sigma^2 / n_j) = the random-intercept model "
                "lmer(y ~ x + m + (1 | mentor)) at its variance components; OLS with equal "
                f"cluster sizes); mentees per mentor: {sizes.describe()}"
            )
        if self.design == "2-1-1" and sizes is not None:
            notes.append(
                "2-1-1 design: n is the number of mentors (clusters); X is mentor-level, M and Y "
                "are simulated for every mentee and analysed as the unconflated multilevel model "
                "(ld.multilevel_mediation(..., method='umm')): a and the between b on mentor "
                "means (GLS weights 1 / (tau^2 + sigma^2 / n_j)), the within b on the mentees; "
                "the indirect effect a * b is between mentors. Mentees per mentor: "
                f"{sizes.describe()}. The latent-mean MSEM (the default of "
                "ld.multilevel_mediation) corrects the between b for the unreliability of "
                "mentor means and has less power when clusters are small"
            )
        if self.standardized:
            notes.append(
                "paths are standardized: X, covariates and W have unit variance and residual "
                "variances make every mediator and Y unit-variance"
            )
        else:
            notes.append("paths are raw coefficients with unit residual variances")
        return tuple(notes)

    def table(self) -> pd.DataFrame:
        """The population values (``term, value``): correlations, paths, residual variances."""
        return _population_table(self.population)


# =========================================================================== value checks
def _as_floats(value: object, what: str) -> list[float]:
    """A number or a list of numbers, all finite (None: an empty list)."""
    if value is None:
        return []
    items: object = (
        [value] if isinstance(value, numbers.Real) and not isinstance(value, bool) else value
    )
    try:
        out = [float(v) for v in items]  # type: ignore[attr-defined]  # any iterable may fail
    except (TypeError, ValueError):
        raise ModelError(f"{what} must be a number or a list of numbers, got {value!r}") from None
    if not all(np.isfinite(v) for v in out):
        raise ModelError(f"{what} must be finite numbers (no NaN or inf), got {value!r}")
    return out


def _as_float(value: object, what: str) -> float:
    """One finite number (a path or correlation given by the user)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ModelError(f"{what} must be a single number, got {value!r}")
    return _as_floats(value, what)[0]


def _check_corr(r: object, what: str) -> float:
    value = _as_float(r, what)
    if not -1 < value < 1:
        raise ModelError(f"{what} must be a correlation strictly between -1 and 1, got {value}")
    return value


# =========================================================================== design rules
def _resolve_design(
    design: str,
    *,
    k: int,
    serial: bool,
    moderated: bool,
    clustered: bool,
    mediator_level1: bool = False,
) -> str:
    """The design named, or for ``"auto"`` the one the other arguments imply."""
    if design == "2-1-1" and not mediator_level1:
        raise ModelError(
            f"{RENAMED_211}. For mentor-level X and M pass design='2-2-1' (or leave "
            "design='auto' with icc= and cluster_size=); for a mentee-level mediator (2-1-1) "
            "give icc_m= (the share of M's residual variance between mentors)"
        )
    if design != "auto":
        return design
    if clustered:
        return "2-1-1" if mediator_level1 else "2-2-1"
    if moderated:
        return "moderated"
    if serial:
        return "serial"
    return "parallel" if k > 1 else "simple"


def _check_mediators(design: str, k: int, serial: bool, d: Sequence[float]) -> None:
    """The number of mediators fits the design; a serial design has its d paths."""
    if serial and not 2 <= k <= 3:
        raise ModelError(
            f"serial mediation takes 2 or 3 mediators (a and b of length 2-3), got {k}"
        )
    if serial and not d:
        raise ModelError("serial mediation needs the paths between mediators: d=0.3 (or a list)")
    if design == "simple" and k != 1:
        raise ModelError(f"design 'simple' has one mediator; a and b have {k} values")
    if design == "parallel" and k < 2:
        raise ModelError("design 'parallel' needs two or more mediators (a=[...], b=[...])")


def _check_moderated(k: int, a_xw: object, w_r: object) -> None:
    """PROCESS model 7 with one mediator and the X*W -> M path."""
    if a_xw is None:
        raise ModelError("design 'moderated' needs a_xw= (the X*W -> M interaction path)")
    if k != 1:
        raise ModelError("moderated mediation (PROCESS model 7) is planned for one mediator")
    _check_corr(w_r, "w_r")


@dataclass(frozen=True)
class _ClusterOptions:
    """The cluster options as given (:meth:`of`) and as checked for a design (:meth:`check`)."""

    icc: Any = None
    cluster_size: Any = None
    cluster_cv: Any = None
    icc_m: Any = None
    b_within: Any = 0.0

    @classmethod
    def of(cls, options: DesignOptions) -> _ClusterOptions:
        return cls(
            options.get("icc"),
            options.get("cluster_size"),
            options.get("cluster_cv"),
            options.get("icc_m"),
            options.get("b_within", 0.0),
        )

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.icc, self.cluster_size, self.icc_m))

    def check(self, design: str, serial: bool, moderated: bool) -> _ClusterOptions:
        """The checked values for ``design`` (all None outside the clustered designs)."""
        if design not in CLUSTERED:
            if self.given or self.cluster_cv is not None:
                raise ModelError(
                    f"icc=, icc_m=, cluster_size= and cluster_cv= belong to the clustered "
                    f"designs '2-1-1' and '2-2-1', not {design!r}"
                )
            if moderated and design != "moderated":
                raise ModelError(f"a_xw= belongs to design 'moderated', not {design!r}")
            return _ClusterOptions()
        if self.icc is None or self.cluster_size is None:
            raise ModelError(
                f"the {design} design needs icc= (share of Y's residual variance between "
                "mentors) and cluster_size= (mentees per mentor: a number, or a list of sizes)"
            )
        if design == "2-1-1" and self.icc_m is None:
            raise ModelError(
                "the 2-1-1 design needs icc_m= (share of the mediator's residual variance "
                "between mentors)"
            )
        if design == "2-2-1" and self.icc_m is not None:
            raise ModelError(
                "icc_m= is for a mentee-level mediator (design '2-1-1'); in a 2-2-1 design M is "
                "mentor-level"
            )
        if serial or moderated:
            raise ModelError(f"the {design} design is planned for simple or parallel mediation")
        size, cv = _check_sizes(self.cluster_size, self.cluster_cv)
        return _ClusterOptions(
            _check_icc(self.icc, "icc"),
            size,
            cv,
            None if self.icc_m is None else _check_icc(self.icc_m, "icc_m"),
            _as_float(self.b_within, "b_within"),
        )


def _check_icc(value: object, what: str) -> float:
    if isinstance(value, bool) or not (
        isinstance(value, int | float | np.number) and 0 <= float(value) < 1
    ):
        raise ModelError(f"{what} must be a number in [0, 1), got {value!r}")
    return float(value)


def _whole(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | np.integer) and bool(value >= 1)


def _check_sizes(size: object, cv: object) -> tuple[int | tuple[int, ...], float | None]:
    """One whole number (all equal, or the mean with ``cv``), or a list of sizes to draw from."""
    if isinstance(size, int | np.integer) and not isinstance(size, bool):
        if not _whole(size):
            raise ModelError(
                f"cluster_size must be a whole number of mentees per mentor >= 1, got {size!r}"
            )
        if cv is None or (isinstance(cv, int | float) and not isinstance(cv, bool) and cv == 0):
            return int(size), None
        if isinstance(cv, bool) or not (isinstance(cv, int | float | np.number) and 0 < cv <= 2):
            raise ModelError(f"cluster_cv must be a coefficient of variation in (0, 2], got {cv!r}")
        return int(size), float(cv)
    sizes: tuple[object, ...] = ()
    if isinstance(size, Iterable) and not isinstance(size, str):
        sizes = tuple(size)
    if len(sizes) < 2 or not all(_whole(v) for v in sizes):
        raise ModelError(
            "cluster_size must be a whole number of mentees per mentor >= 1, or a list of two or "
            f"more such numbers (the sizes to draw from), got {size!r}"
        )
    if cv is not None:
        raise ModelError(
            "give either a list of cluster sizes or cluster_cv= (with one mean cluster_size), "
            "not both"
        )
    return tuple(int(v) for v in sizes if isinstance(v, int | np.integer)), None


# =========================================================================== the population
def _exogenous(s: Scenario) -> tuple[list[str], FloatArray, tuple[str, str, str] | None]:
    """Names and correlation matrix of X, the covariates (and W), and the product X*W."""
    exog = ["x", *s.covariates]
    if s.exog_corr is None:
        R = np.full((len(exog), len(exog)), s.covariate_r)
        np.fill_diagonal(R, 1.0)
    else:
        R = np.asarray(s.exog_corr, dtype=float)
    product = None
    if s.design == "moderated":
        exog.append("w")
        R = np.pad(R, ((0, 1), (0, 1)))
        R[-1, -1] = 1.0
        R[0, -1] = R[-1, 0] = s.w_r
        product = ("x*w", "x", "w")
    if np.linalg.eigvalsh(R)[0] <= 1e-10:
        raise ModelError(
            "the correlations among X and the covariates (covariate_r / w_r) do not form a "
            "valid correlation matrix; use smaller values (with q covariates all equally "
            "correlated, covariate_r must exceed -1/q)"
        )
    return exog, R, product


def _serial_paths(s: Scenario) -> dict[tuple[int, int], float]:
    """d_{ij} (M_i -> M_j, i < j) in the order (1,2), (1,3), (2,3)."""
    k = len(s.a)
    pairs = [(i, j) for j in range(k) for i in range(j)] if s.serial else []
    d = list(s.d)
    if s.serial and len(d) not in (1, len(pairs)):
        raise ModelError(
            f"serial mediation with {k} mediators has {len(pairs)} paths between mediators "
            f"(M1->M2{', M1->M3, M2->M3' if k == 3 else ''}); give d as one number or "
            f"{len(pairs)} numbers, got {len(d)}"
        )
    return dict(zip(pairs, d * len(pairs) if len(d) == 1 else d))  # no pairs: d is unused


def _equations(s: Scenario) -> tuple[list[Equation], dict[str, tuple[int, str]]]:
    """The mediator and Y equations, and where each path label sits (equation, predictor)."""
    k, med = len(s.a), s.mediators
    dvals = _serial_paths(s)
    moderated = s.design == "moderated"

    def cov_path(c: str, j: int) -> float:
        return s.covariate_paths.get(c, (s.covariate_path,) * (k + 1))[j]

    eqs: list[Equation] = []
    params: dict[str, tuple[int, str]] = {}
    for j in range(k):
        preds, coefs = ["x"], [s.a[j]]
        params[f"a:{med[j]}"] = (len(eqs), "x")
        if moderated:
            preds += ["w", "x*w"]
            coefs += [s.a_w, s.a_xw if s.a_xw is not None else 0.0]
            params["a_xw"] = (len(eqs), "x*w")
        for i in range(j):
            if s.serial:
                preds.append(med[i])
                coefs.append(dvals[(i, j)])
                params[f"d:{med[i]}->{med[j]}"] = (len(eqs), med[i])
        for c in s.covariates:
            preds.append(c)
            coefs.append(cov_path(c, j))
        eqs.append(Equation(med[j], tuple(preds), tuple(coefs)))
    for j in range(k):
        params[f"b:{med[j]}"] = (k, med[j])
    params["c_prime"] = (k, "x")
    preds = ["x", *med, *s.covariates]
    coefs = [s.c_prime, *s.b, *(cov_path(c, k) for c in s.covariates)]
    eqs.append(Equation("y", tuple(preds), tuple(coefs)))
    return eqs, params


def _effects(s: Scenario) -> tuple[Effects, str]:
    """Effects (sums of products of path labels) and the headline one."""
    med = s.mediators
    if s.design == "moderated":
        return {"index": ((1.0, ("a_xw", f"b:{med[0]}")),)}, "index"
    k = len(med)
    chains: list[tuple[int, ...]] = [(j,) for j in range(k)]
    if s.serial:
        chains = [c for r in range(1, k + 1) for c in itertools.combinations(range(k), r)]
    effects: Effects = {}
    for ch in chains:
        names = [f"a:{med[ch[0]]}"]
        names += [f"d:{med[ch[i]]}->{med[ch[i + 1]]}" for i in range(len(ch) - 1)]
        names.append(f"b:{med[ch[-1]]}")
        effects["indirect:" + "->".join(med[j] for j in ch)] = ((1.0, tuple(names)),)
    if len(effects) > 1:
        effects["indirect_total"] = tuple(t for terms in list(effects.values()) for t in terms)
    if s.serial:
        return effects, "indirect:" + "->".join(med)
    return effects, ("indirect_total" if k > 1 else f"indirect:{med[0]}")


def _mediator_corr(s: Scenario) -> FloatArray | None:
    """Correlation matrix of the parallel mediators' residuals (None: independent)."""
    k = len(s.a)
    if k < 2 or s.serial:
        return None
    if s.mediator_corr is not None:
        mcorr: FloatArray = np.asarray(s.mediator_corr, dtype=float)
    elif s.mediator_r:
        mcorr = np.full((k, k), s.mediator_r)
        np.fill_diagonal(mcorr, 1.0)
    else:
        return None
    if np.linalg.eigvalsh(mcorr)[0] <= 1e-10:
        raise ModelError(
            f"mediator_r = {s.mediator_r} does not give a valid correlation matrix for "
            f"{k} mediators; it must exceed {-1 / (k - 1):.3f}"
        )
    return mcorr


def _build_population(s: Scenario) -> Population:
    exog, R, product = _exogenous(s)
    eqs, params = _equations(s)
    effects, primary = _effects(s)
    mcorr = _mediator_corr(s)
    if s.design == "2-1-1":
        rv = _residuals_211(s, R, product, tuple(exog), tuple(eqs))
    else:
        _, _, rv = implied_cov(
            R,
            product,
            tuple(exog),
            tuple(eqs),
            None if s.standardized else [1.0] * len(eqs),
            mcorr,
        )
    clustered = s.design in CLUSTERED and s.cluster_size is not None
    return Population(
        exog=tuple(exog),
        exog_corr=R,
        product=product,
        equations=tuple(eqs),
        resid_var=tuple(rv),
        mediator_resid_corr=mcorr,
        params=params,
        effects=effects,
        primary=primary,
        icc=s.icc if clustered else None,
        sizes=_sizes(s.cluster_size, s.cluster_cv) if clustered else None,
        icc_m=s.icc_m if s.design == "2-1-1" else None,
        b_within=s.b_within if s.design == "2-1-1" else 0.0,
    )


def _sizes(size: int | tuple[int, ...] | None, cv: float | None) -> ClusterSizes:
    if isinstance(size, tuple):
        return ClusterSizes(float(np.mean(size)), values=size)
    return ClusterSizes(float(size or 1), cv=cv)


def _residuals_211(
    s: Scenario,
    R: FloatArray,
    product: tuple[str, str, str] | None,
    exog: tuple[str, ...],
    eqs: tuple[Equation, ...],
) -> list[float]:
    """Residual variances of M and Y in the 2-1-1 design (both 1 for raw paths).

    Standardized: ``psi_M = 1 - R^2_M`` makes M unit-variance; Y's residual makes Y
    unit-variance given its between part (``c' X + b mu_M + C h``, with ``Var(mu_M) = a^2 +
    icc_m psi_M``) and its within part ``b_within (M_ij - mu_j)``.
    """
    if s.icc_m is None or len(eqs) != 2:
        raise ModelError("the 2-1-1 design is planned for one mediator (a and b of length 1)")
    if not s.standardized:
        return [1.0, 1.0]
    _, _, (psi_m,) = implied_cov(R, product, exog, eqs[:1], None)
    cov, names, _ = implied_cov(R, product, exog, eqs, [s.icc_m * psi_m, 0.0])
    explained = float(cov[-1, -1]) + s.b_within**2 * (1 - s.icc_m) * psi_m
    if 1.0 - explained <= 1e-8:
        raise ModelError(
            f"the standardized paths into '{names[-1]}' explain {explained:.3f} of its variance "
            "(must be below 1); use smaller path values"
        )
    return [psi_m, 1.0 - explained]


def _population_table(pop: Population) -> pd.DataFrame:
    rows: list[tuple[str, float]] = []
    for i, xi in enumerate(pop.exog):
        for j in range(i):
            if pop.exog_corr[i, j]:
                rows.append((f"r:{pop.exog[j]},{xi}", float(pop.exog_corr[i, j])))
    for lab, (e, pred) in pop.params.items():
        eq = pop.equations[e]
        rows.append((lab, float(eq.coefs[eq.predictors.index(pred)])))
    for eq, rv in zip(pop.equations, pop.resid_var, strict=True):
        labelled = {pred for (e2, pred) in pop.params.values() if pop.equations[e2] is eq}
        for p, c in zip(eq.predictors, eq.coefs, strict=True):
            if p == "w" and p not in labelled:
                rows.append((f"a_w:{eq.outcome}", float(c)))
            elif p not in labelled and p != "x*w":
                rows.append((f"{p}->{eq.outcome}", float(c)))
        rows.append((f"resid_var:{eq.outcome}", float(rv)))
    if pop.mediator_resid_corr is not None:
        meds = [eq.outcome for eq in pop.equations[:-1]]
        for i, j in itertools.combinations(range(len(meds)), 2):
            rows.append((f"resid_r:{meds[i]},{meds[j]}", float(pop.mediator_resid_corr[i, j])))
    if pop.icc is not None:
        rows.append(("icc", float(pop.icc)))
        rows.append(("cluster_size", float(pop.cluster_size or 1)))
    if pop.sizes is not None and pop.sizes.cv:
        rows.append(("cluster_cv", float(pop.sizes.cv)))
    if pop.icc_m is not None:
        rows.append(("icc_m", float(pop.icc_m)))
        rows.append((f"b_within:{pop.equations[0].outcome}", float(pop.b_within)))
    seen: set[str] = set()
    out = []
    for term, value in rows:  # the first row of each term
        if term not in seen:
            seen.add(term)
            out.append((term, value))
    return pd.DataFrame(out, columns=["term", "value"])
