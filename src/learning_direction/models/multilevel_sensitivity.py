"""Sensitivity of within- and between-cluster indirect effects to M-Y confounding at each level.

Private to :func:`~learning_direction.mediation_sensitivity`, which hands a
:class:`~learning_direction.models.multilevel_mediation.MultilevelMediationResult` here. The
method is Imai, Keele & Yamamoto's (2010) linear-case sensitivity analysis applied to each level
of the two-level model separately.

Derivation
----------
A two-level model splits every level-1 variable into uncorrelated within and between parts,
``V_ij = V_b,j + V_w,ij`` (MSEM: latent cluster means; Preacher, Zyphur & Zhang 2010), so the
covariance matrix is ``Sigma_W + Sigma_B`` and each level ``l`` has its own linear equations::

    M_l = a_l X_l + C_l g_l + e_M,l          Y_l = b_l M_l + c'_l X_l + C_l h_l + e_Y,l

with the sensitivity parameter ``rho_l = corr(e_M,l, e_Y,l)``. Sequential ignorability at level
``l`` is ``rho_l = 0``; an unobserved confounder of M and Y at that level (a cluster-level ``U_b``
shifting the cluster means of M and Y, or a level-1 ``U_w`` shifting the deviations from them)
makes it nonzero. The parts of different levels are uncorrelated, so a confounder at one level
leaves the other level's equations unbiased, and each level is the single-level linear model of
Imai, Keele & Yamamoto (2010) on its own covariance matrix ``Sigma_l`` of (X, C, M, Y).

Their Proposition 2 on ``Sigma_l``: with ``sigma_2`` the residual SD of the mediator equation,
``sigma_1`` that of the total-effect equation (Y on X, C) and ``rho~ = corr(e_1, e_2)`` (the
partial correlation of M and Y given X, C)::

    ACME_l(rho) = a_l (sigma_1 / sigma_2) (rho~ - rho sqrt((1 - rho~^2) / (1 - rho^2))).

The total-effect error is ``e_1 = b e_2 + e_3`` (``b`` and ``sigma_3`` the fitted outcome
equation's M slope and residual SD), so ``sigma_1^2 = b^2 sigma_2^2 + sigma_3^2``, ``rho~ =
b sigma_2 / sigma_1`` and ``1 - rho~^2 = sigma_3^2 / sigma_1^2``, which gives the form used here::

    ACME_l(rho) = a_l (b_l - rho sigma_Y,l / (sigma_M,l sqrt(1 - rho^2)))

-- the fitted slope minus the bias of an omitted confounder, ``cov(e_M, e_Y) / var(e_M) =
rho sigma*_Y / sigma_M`` with ``sigma*_Y = sigma_Y / sqrt(1 - rho^2)`` the outcome error SD when
the errors correlate at ``rho``. So ``ACME_l(0) = a_l b_l`` (the fitted indirect effect) and the
effect is zero at ``rho~_l = b_l sigma_M,l / sqrt(b_l^2 sigma_M,l^2 + sigma_Y,l^2)``.
``ACME_l(rho) + ACME_l(-rho) = 2 a_l b_l`` (the bias term is odd in ``rho``).

Which ``rho`` exists depends on the design (levels of X, M, Y):

* **1-1-1**: ``rho_within`` (of ``a_within b_within``) and ``rho_between`` (of ``a_between
  b_between``).
* **2-1-1**: X has no within part, so the only indirect effect is between clusters: only
  ``rho_between`` (between residuals of M's and Y's cluster means). A within correlation of the
  M and Y errors exists and would bias ``b_within``, but ``b_within`` enters no indirect effect.
* **2-2-1**: M is constant within clusters, so it has no within error: only ``rho_between``
  (``corr(e_M, e_Y,b)``, Y's between part).

Estimates. MSEM: ``Sigma_l`` is the model-implied covariance matrix of level ``l`` (the models of
:func:`~learning_direction.multilevel_mediation` are saturated at each level, so regressions on it
return the fitted paths exactly). UMM: within, the pooled within-cluster covariance matrix (on
which the within slopes of the cluster-mean-centred random-intercept models are the fixed-effects
estimates); between, the covariance matrix of the observed cluster means minus ``mean(1 / n_j)``
times the pooled within-cluster one, an unbiased estimate of ``Sigma_B`` (the observed means carry
the within errors' averages, ``E cov(means) = Sigma_B + mean(1 / n_j) Sigma_W``; Muthen 1994), so
that ``rho_between`` is on the same (latent) scale as MSEM's; ``a_l, b_l`` are the fitted UMM
paths, so ``ACME(0)`` is UMM's indirect effect. UMM's between paths themselves rest on observed
means, whose unreliability lets within-level confounding into them; the closed form does not
model that (MSEM does not have the problem).

R's ``mediation::medsens`` refuses multilevel fits (a ``mediate`` object of ``lmer`` models stops
with "mediate object fitted with non-supported model combinations"), so there is no R reference;
the tests check the closed form (``rho = 0`` reproduces each level's fitted indirect effect, the
single-level reduction, the symmetry) and a simulation with a known confounder at each level.
In 200 samples of 150 clusters of 10 (MSEM), the mean of ``ACME_l(rho_l,true)`` was 0.149 for a
true within indirect effect of 0.150 (Monte Carlo SE 0.001) and 0.246 for a true between one of
0.240 (SE 0.005), where the fits that ignore the confounders gave 0.039 and 0.541; the 95% CIs at
``rho_true`` covered the true effects in 93% and 92% of samples. UMM's within level matched
MSEM's; its between level (observed means of clusters of 10) gave 0.173, the conflation bias
described above.
SEs: delta method with the residual SDs held fixed,
``se^2 = gamma(rho)^2 se_a^2 + a^2 se_b^2`` with ``gamma(rho)`` the bracket above (as
``mediation::medsens`` for ``lm``/``lm``, leaving out ``cov(a, b)``), normal-theory CIs.

References
----------
Imai, K., Keele, L., & Yamamoto, T. (2010). Identification, inference and sensitivity analysis
for causal mediation effects. *Statistical Science*, 25, 51-71.
Preacher, K. J., Zyphur, M. J., & Zhang, Z. (2010). A general multilevel SEM framework for
assessing multilevel mediation. *Psychological Methods*, 15, 209-233.
Zhang, Z., Zyphur, M. J., & Preacher, K. J. (2009). Testing multilevel mediation using
hierarchical linear models. *Organizational Research Methods*, 12, 695-719.
Muthen, B. O. (1994). Multilevel covariance structure analysis. *Sociological Methods &
Research*, 22, 376-398.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize

from .._core.format import fmt_r
from .._core.plotting import figure
from .._core.results import ResultMixin
from ..exceptions import ModelError
from .multilevel_mediation.result import MultilevelMediationResult

__all__ = ["LEVELS", "MultilevelSensitivityResult", "level_pieces", "multilevel_sensitivity"]

#: the levels of a multilevel sensitivity analysis, in display order
LEVELS = ("within", "between")


@dataclass(frozen=True)
class LevelPieces:
    """What the closed form needs at one level: paths, their SEs, residual SDs and R^2s."""

    level: str
    a: float
    b: float
    se_a: float
    se_b: float
    sigma_m: float  # residual SD of the mediator equation at this level
    sigma_y: float  # residual SD of the outcome equation at this level
    r2_m: float
    r2_y: float

    @property
    def rho_at_zero(self) -> float:
        """``rho~``: where the ACME is zero."""
        return float(self.b * self.sigma_m / math.hypot(self.b * self.sigma_m, self.sigma_y))

    def gamma(self, rho: np.ndarray) -> np.ndarray:
        """The M slope of the outcome equation if the level's errors correlated at ``rho``."""
        out: np.ndarray = self.b - rho * self.sigma_y / (self.sigma_m * np.sqrt(1 - rho**2))
        return out

    def acme(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ACME(rho) and its delta-method SE (residual SDs fixed, as medsens)."""
        g = self.gamma(np.asarray(rho, dtype=float))
        se = np.sqrt(g**2 * self.se_a**2 + self.a**2 * self.se_b**2)
        return self.a * g, se


def _residual_variance(cov: pd.DataFrame, outcome: str, predictors: list[str]) -> float:
    s_pp = cov.loc[predictors, predictors].to_numpy(float)
    s_py = cov.loc[predictors, outcome].to_numpy(float)
    return float(cov.loc[outcome, outcome] - s_py @ np.linalg.solve(s_pp, s_py))


def level_pieces(result: MultilevelMediationResult, level: str) -> LevelPieces:
    """The closed form's inputs at ``level`` (``"within"`` or ``"between"``) of ``result``.

    Paths and SEs from ``result.table``; residual SDs and R^2 of the level's mediator equation
    (M on X and the covariates present at that level) and outcome equation (Y on M, X and those
    covariates) from the level's covariance matrix ``result.moments[level]["cov"]`` (UMM's
    between level: ``"cov_latent"``, corrected for the sampling error of the cluster means).
    """
    moments = result.moments[level]
    cov = moments.get("cov_latent", moments["cov"])
    covs = [c for c in result.covariates if level == "between" or result.levels[c] == 1]
    preds = [result.x, *covs]
    var_m = _residual_variance(cov, result.m, preds)
    var_y = _residual_variance(cov, result.y, [result.m, *preds])
    if not (var_m > 0 and var_y > 0):
        raise ModelError(
            f"the {level} covariance matrix leaves no residual variance of the mediator or the "
            "outcome equation (a perfect fit at that level); the sensitivity analysis needs both"
        )
    a, b = result.row(f"a_{level}"), result.row(f"b_{level}")
    return LevelPieces(
        level=level,
        a=float(a["estimate"]),
        b=float(b["estimate"]),
        se_a=float(a["se"]),
        se_b=float(b["se"]),
        sigma_m=math.sqrt(var_m),
        sigma_y=math.sqrt(var_y),
        r2_m=float(1 - var_m / cov.loc[result.m, result.m]),
        r2_y=float(1 - var_y / cov.loc[result.y, result.y]),
    )


def available_levels(result: MultilevelMediationResult) -> tuple[str, ...]:
    """The levels with an indirect effect in the design (1-1-1: both; 2-1-1, 2-2-1: between)."""
    terms = set(result.table["term"])
    return tuple(lv for lv in LEVELS if f"indirect_{lv}" in terms)


def check_levels(result: MultilevelMediationResult, level: str | None) -> tuple[str, ...]:
    """The levels asked for, refusing a level the design has no indirect effect at."""
    have = available_levels(result)
    if level is None:
        return have
    if level not in LEVELS:
        raise ModelError(f"level must be 'within', 'between' or None (both), got {level!r}")
    if level not in have:
        why = (
            "X is constant within clusters (level 2), so there is no within-cluster a path"
            if result.levels[result.x] == 2
            else "the design has no within-cluster indirect effect"
        )
        raise ModelError(
            f"the {result.design} design has no {level}-cluster indirect effect ({why}); its "
            f"only sensitivity parameter is rho_between (level='between' or level=None)"
        )
    return (level,)


# ---------------------------------------------------------------------------------------------
# result
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MultilevelSensitivityResult(ResultMixin):
    """Result of :func:`~learning_direction.mediation_sensitivity` for a multilevel mediation.

    The shape of :class:`~learning_direction.SensitivityResult` with a ``level`` column and
    per-level dictionaries.

    Attributes
    ----------
    table : DataFrame
        One row per level and rho: ``level, rho, indirect, se, ci_low, ci_high, r2_star_prod,
        r2_tilde_prod``. ``level`` is ``"within"`` or ``"between"``; ``indirect`` is the level's
        indirect effect if the errors of its M and Y equations correlated at ``rho``;
        ``r2_star_prod = rho^2`` and ``r2_tilde_prod = rho^2 (1 - R^2_M)(1 - R^2_Y)`` with that
        level's R^2s.
    curve : DataFrame
        The same columns on the fine grid -0.99, -0.98, ..., 0.99 (drawn by :meth:`plot`).
    rho_at_zero : dict
        ``{level: rho~}``: the rho at which each level's indirect effect is zero.
    r2_star_at_zero, r2_tilde_at_zero : dict
        ``{level: value}``: the R^2 products at ``rho_at_zero``.
    ci_zero : DataFrame
        ``level, rho_from, rho_to``: the interval of rho over which the CI includes zero (NaN
        where it reaches the end of the grid, ``|rho|`` = .99).
    r2_m, r2_y : dict
        ``{level: R^2}`` of the mediator and outcome equations at each level.
    levels : tuple of str
        The levels analysed (``("within", "between")`` for 1-1-1; ``("between",)`` otherwise).
    design, estimator : str
        The mediation's design (``"1-1-1"``, ...) and method (``"msem"`` or ``"umm"``).
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    rho_at_zero: dict[str, float]
    r2_star_at_zero: dict[str, float]
    r2_tilde_at_zero: dict[str, float]
    ci_zero: pd.DataFrame
    r2_m: dict[str, float]
    r2_y: dict[str, float]
    levels: tuple[str, ...]
    design: str
    estimator: str
    mediator: str
    outcome: str
    cluster: str
    n: int
    n_clusters: int
    n_dropped: int
    ci_level: float
    method: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Sensitivity of the within- and between-cluster indirect effects"

    def _meta(self) -> dict[str, Any]:
        meta = super()._meta()
        meta["design"] = self.design
        meta["n_clusters"] = self.n_clusters
        return meta

    def level_sentence(self, level: str) -> str:
        """What ``rho_at_zero`` and ``ci_zero`` say at ``level`` (changes with the result)."""
        rt = self.rho_at_zero[level]
        where = {"within": "within-cluster", "between": "between-cluster"}[level]
        unit = (
            f"the deviations of {self.mediator} and {self.outcome} from their {self.cluster} means"
            if level == "within"
            else f"the {self.cluster}-level parts of {self.mediator} and {self.outcome}"
        )
        sign = "in the same direction" if rt > 0 else "in opposite directions"
        text = (
            f"The {where} indirect effect would be zero if the {level} residuals of the mediator "
            f"and outcome equations correlated at rho = {fmt_r(rt)} (an unobserved confounder of "
            f"{unit} acting {sign}, explaining R2*_M x R2*_Y = "
            f"{fmt_r(self.r2_star_at_zero[level], 3)} of their {level} residual variances)."
        )
        row = self.ci_zero.set_index("level").loc[level]
        lo, hi = row["rho_from"], row["rho_to"]
        lvl = f"{round(self.ci_level * 100)}%"
        if (np.isnan(lo) or lo <= 0) and (np.isnan(hi) or hi >= 0):
            return text + f" Its {lvl} CI already includes zero without confounding (rho = 0)."
        near = lo if rt > 0 else hi
        return text + f" Its {lvl} CI includes zero from rho = {fmt_r(near)}."

    @property
    def interpretation(self) -> str:
        """One :meth:`level_sentence` per level."""
        return " ".join(self.level_sentence(lv) for lv in self.levels)

    def _lead(self) -> str:
        return self.interpretation

    def plot(self, ax: Any = None) -> Any:
        """One panel per level: the indirect effect against rho with its CI band."""
        return figure("sensitivity.plot_multilevel_sensitivity")(self, ax=ax)


# ---------------------------------------------------------------------------------------------
# the analysis
# ---------------------------------------------------------------------------------------------
def _frame(level: str, pieces: LevelPieces, rhos: np.ndarray, z: float) -> pd.DataFrame:
    acme, se = pieces.acme(rhos)
    return pd.DataFrame(
        {
            "level": level,
            "rho": rhos,
            "indirect": acme,
            "se": se,
            "ci_low": acme - z * se,
            "ci_high": acme + z * se,
            "r2_star_prod": rhos**2,
            "r2_tilde_prod": rhos**2 * (1 - pieces.r2_m) * (1 - pieces.r2_y),
        }
    )


def _ci_zero(pieces: LevelPieces, fine: np.ndarray, z: float) -> tuple[float, float]:
    """The rho interval around rho~ where the CI includes zero (exact ends, NaN at the grid's)."""

    def h(r: float) -> float:  # > 0: the CI excludes zero
        a, s = pieces.acme(np.array([r]))
        return float(max(a[0] - z * s[0], -(a[0] + z * s[0])))

    ends = []
    for step in (-1, 1):
        inner = pieces.rho_at_zero
        k = int(np.searchsorted(fine, inner)) - (step < 0)
        while 0 <= k < fine.size and h(float(fine[k])) <= 0:
            inner, k = float(fine[k]), k + step
        if not 0 <= k < fine.size:
            ends.append(float("nan"))
            continue
        ends.append(float(optimize.brentq(h, float(fine[k]), inner, xtol=1e-10)))
    return ends[0], ends[1]


def multilevel_sensitivity(
    result: MultilevelMediationResult,
    rhos: np.ndarray,
    fine: np.ndarray,
    z: float,
    ci_level: float,
    level: str | None,
) -> MultilevelSensitivityResult:
    """The closed-form sensitivity analysis of each level (see the module docstring)."""
    levels = check_levels(result, level)
    pieces = {lv: level_pieces(result, lv) for lv in levels}
    ci_zero = [(lv, *_ci_zero(pieces[lv], fine, z)) for lv in levels]
    rho0 = {lv: pieces[lv].rho_at_zero for lv in levels}
    shrink = {lv: (1 - pieces[lv].r2_m) * (1 - pieces[lv].r2_y) for lv in levels}
    where = (
        "model-implied covariance matrix of each level (two-level SEM)"
        if result.method == "msem"
        else "pooled within-cluster covariances and covariances of the observed cluster means"
    )
    notes = [
        f"closed form of Imai, Keele & Yamamoto (2010) at each level, residual SDs from the {where}"
        f"; paths from the {result.method.upper()} fit",
        "CIs: delta method with the residual SDs held fixed, normal theory (as medsens); at rho = "
        "0 they differ from the mediation's "
        + ("Monte Carlo" if result.ci == "monte_carlo" else "cluster-bootstrap")
        + " interval",
    ]
    if result.method == "umm" and "between" in levels:
        notes.append(
            "UMM: between-level moments are the covariances of the cluster means corrected for "
            "their within-cluster sampling error (mean 1/n_j times the pooled within-cluster "
            "covariances); UMM's between paths use observed means, which let within-level "
            "confounding into them, and the closed form does not model that (method='msem' "
            "separates the levels)"
        )
    return MultilevelSensitivityResult(
        table=pd.concat([_frame(lv, pieces[lv], rhos, z) for lv in levels], ignore_index=True),
        curve=pd.concat([_frame(lv, pieces[lv], fine, z) for lv in levels], ignore_index=True),
        rho_at_zero=rho0,
        r2_star_at_zero={lv: rho0[lv] ** 2 for lv in levels},
        r2_tilde_at_zero={lv: rho0[lv] ** 2 * shrink[lv] for lv in levels},
        ci_zero=pd.DataFrame(ci_zero, columns=["level", "rho_from", "rho_to"]),
        r2_m={lv: pieces[lv].r2_m for lv in levels},
        r2_y={lv: pieces[lv].r2_y for lv in levels},
        levels=levels,
        design=result.design,
        estimator=result.method,
        mediator=result.m,
        outcome=result.y,
        cluster=result.cluster,
        n=result.n,
        n_clusters=result.n_clusters,
        n_dropped=result.n_dropped,
        ci_level=ci_level,
        method="Imai-Keele-Yamamoto sensitivity analysis at each level of a two-level model",
        notes=tuple(notes),
    )
