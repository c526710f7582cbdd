"""Dyadic analysis: the Actor–Partner Interdependence Model (APIM) and a mutual-benefit index.

Dyadic data arrive in long format, one row per dyad member, with a dyad id and a role
(``mentor``, ``mentee``). Roles make the members distinguishable; in reverse-mentoring pairs
the junior member is the mentor, so the role is the distinguishing variable, not seniority.

:func:`apim` fits the APIM for distinguishable dyads two independent ways (ML SEM with semopy,
and an ML GLS "two-intercept" multilevel formulation); :func:`mutual_benefit` classifies each
dyad as both members gaining, one gaining or neither gaining; :func:`to_pairwise` builds the
dyad-level (pairwise) data both use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import check_level, choice
from .._core.data import require_columns
from .._core.format import format_number
from .._core.plotting import figure
from .._core.results import ResultMixin, table_to_text
from .._core.warn import warn_user
from ..exceptions import DataValidationError, ModelError, ModelWarning
from ._ols_batch import sym_from_triu, triu_products
from ._sur import cross_products, fit_sur
from ._types import FloatArray
from .bootstrap import (
    BootDraws,
    MomentStatistic,
    check_seed,
    confidence_interval,
    fresh_seed,
    run_bootstrap,
)

__all__ = [
    "APIMResult",
    "MutualBenefitResult",
    "apim",
    "mutual_benefit",
    "to_pairwise",
]

_MAX_IDS = 10  # dyad ids listed in a note before "..."


# --------------------------------------------------------------------------------------------
# pairwise data
# --------------------------------------------------------------------------------------------


def _fmt_ids(ids: Sequence[Any]) -> str:
    ids = list(ids)
    shown = ", ".join(repr(i) if isinstance(i, str) else str(i) for i in ids[:_MAX_IDS])
    return shown + (f", ... ({len(ids)} in all)" if len(ids) > _MAX_IDS else "")


def _check_roles(roles: Sequence[Any]) -> tuple[Any, Any]:
    if isinstance(roles, str) or len(roles) != 2 or roles[0] == roles[1]:
        raise DataValidationError(
            f"roles must be two distinct role values, e.g. roles=('mentor', 'mentee'); got {roles!r}"
        )
    return roles[0], roles[1]


@dataclass(frozen=True)
class _Pairs:
    wide: pd.DataFrame  # one row per complete dyad, index = dyad id
    dropped: pd.DataFrame  # dyad, reason
    notes: tuple[str, ...]
    n_input_dyads: int


def to_pairwise(
    df: pd.DataFrame,
    variables: Sequence[str],
    *,
    dyad: str = "dyad_id",
    role: str = "role",
    roles: Sequence[Any] = ("mentor", "mentee"),
    dyad_level: Sequence[str] = (),
    what: str = "to_pairwise",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long (one row per member) to pairwise (one row per dyad) data, with a record of drops.

    Parameters
    ----------
    df : DataFrame
        One row per dyad member.
    variables : sequence of str
        Member-level columns; each becomes ``<variable>_<role>`` for both roles.
    dyad, role : str
        Columns holding the dyad id and the member's role.
    roles : pair
        The two role values, in the order used for the output columns.
    dyad_level : sequence of str
        Columns constant within each dyad (e.g. ``reverse_mentoring``); kept once, unsuffixed.
        A value that differs between the two members raises :class:`DataValidationError`; a
        value missing for either member is a missing value (the dyad is left out and listed).
    what : str
        Name of the calling analysis, used in messages.

    Returns
    -------
    (DataFrame, DataFrame)
        The complete dyads (index = dyad id) and a table ``dyad, reason`` of the dyads left out
        (singletons, or a missing value in either member).

    Raises
    ------
    DataValidationError
        A dyad with more than two rows, two members with the same role, a role value not in
        ``roles``, or a missing dyad id or role.

    Examples
    --------
    >>> from learning_direction.simulate.dyads import simulate_dyads
    >>> wide, dropped = to_pairwise(simulate_dyads(50, seed=1), ["learning_orientation"])
    >>> list(wide.columns)
    ['learning_orientation_mentor', 'learning_orientation_mentee']
    """
    pairs = _pairwise(df, list(variables), dyad, role, roles, list(dyad_level), what)
    return pairs.wide, pairs.dropped


def _pairwise(
    df: pd.DataFrame,
    variables: list[str],
    dyad: str,
    role: str,
    roles: Sequence[Any],
    dyad_level: list[str],
    what: str,
    keep_incomplete: bool = False,
) -> _Pairs:
    """Pairwise data; ``keep_incomplete`` (FIML) keeps singletons and missing values (NaN)."""
    r1, r2 = _check_roles(roles)
    require_columns(df, [dyad, role, *variables, *dyad_level], what)
    sizes = _check_members(df, dyad, role, (r1, r2), what)
    singles = [] if keep_incomplete else list(sizes[sizes == 1].index)
    notes: list[str] = []
    dropped_rows: list[dict[str, Any]] = []
    if singles:
        present = df.loc[df[dyad].isin(singles)].set_index(dyad)[role]
        for d in singles:
            dropped_rows.append({"dyad": d, "reason": f"only the {present[d]} is in the data"})
        notes.append(
            f"{len(singles)} singleton dyad(s) (one member only) left out: {_fmt_ids(singles)}"
        )
    paired = df.loc[~df[dyad].isin(singles)]
    parts = []
    for r in (r1, r2):
        part = paired.loc[paired[role] == r].set_index(dyad)[variables]
        part.columns = [f"{v}_{r}" for v in variables]
        parts.append(part)
    wide = pd.concat(parts, axis=1, join="outer" if keep_incomplete else "inner")
    dyad_order = list(dict.fromkeys(df[dyad]))
    wide = wide.reindex([d for d in dyad_order if d in wide.index])
    if dyad_level:
        wide = pd.concat([wide, _dyad_level_values(paired, wide, dyad, dyad_level, what)], axis=1)
    if not keep_incomplete:
        wide = _drop_incomplete(wide, dropped_rows, notes)
    wide.index.name = dyad
    dropped = pd.DataFrame(dropped_rows, columns=["dyad", "reason"])
    return _Pairs(wide=wide, dropped=dropped, notes=tuple(notes), n_input_dyads=len(sizes))


def _check_members(
    df: pd.DataFrame, dyad: str, role: str, roles: tuple[Any, Any], what: str
) -> pd.Series:
    """Dyad sizes, after checking ids and roles: every row has both, at most one per role."""
    r1, r2 = roles
    if len(df) == 0:
        raise DataValidationError(f"{what}: the data has no rows")
    bad_id = df[dyad].isna()
    if bad_id.any():
        rows = list(df.index[bad_id][:_MAX_IDS])
        raise DataValidationError(
            f"{what}: {int(bad_id.sum())} row(s) have no dyad id in column '{dyad}' "
            f"(rows {rows}); give every member the id of their dyad or remove the rows"
        )
    bad_role = df[role].isna()
    if bad_role.any():
        rows = list(df.index[bad_role][:_MAX_IDS])
        raise DataValidationError(
            f"{what}: {int(bad_role.sum())} row(s) have no role in column '{role}' "
            f"(rows {rows}); every member needs a role, one of {[r1, r2]}"
        )
    unknown = ~df[role].isin([r1, r2])
    if unknown.any():
        values = sorted({str(v) for v in df.loc[unknown, role]})
        dyads = list(dict.fromkeys(df.loc[unknown, dyad]))
        raise DataValidationError(
            f"{what}: role value(s) {values} in column '{role}' are not in roles=({r1!r}, {r2!r}) "
            f"(dyads {_fmt_ids(dyads)}); recode the roles or pass roles=(...) with the values used"
        )
    sizes = df.groupby(dyad, sort=False).size()
    big = sizes[sizes > 2]
    if len(big):
        raise DataValidationError(
            f"{what}: dyad(s) {_fmt_ids(list(big.index))} in column '{dyad}' have more than 2 "
            f"members ({', '.join(str(int(v)) for v in big.to_numpy()[:_MAX_IDS])} rows); a dyad "
            "is exactly one member per role: fix the dyad ids or remove duplicate rows"
        )
    dup = df.duplicated([dyad, role], keep=False)
    if dup.any():
        dyads = list(dict.fromkeys(df.loc[dup, dyad]))
        raise DataValidationError(
            f"{what}: dyad(s) {_fmt_ids(dyads)} have two members with the same role in column "
            f"'{role}'; each dyad needs one {r1!r} and one {r2!r}"
        )
    return sizes


def _dyad_level_values(
    paired: pd.DataFrame, wide: pd.DataFrame, dyad: str, dyad_level: list[str], what: str
) -> pd.DataFrame:
    """One value per dyad of each dyad-level column (both members must agree)."""
    lvl = paired.groupby(dyad, sort=False)[dyad_level]
    varies = lvl.nunique(dropna=True) > 1
    for col in dyad_level:
        if varies[col].any():
            ids = list(varies.index[varies[col]])
            raise DataValidationError(
                f"{what}: column '{col}' should be the same for both members of a dyad but "
                f"differs in dyad(s) {_fmt_ids(ids)}; correct it or treat it as a member-level "
                "variable"
            )
    # a value missing for either member is missing (the dyad is left out later, with a
    # record), not a disagreement between the members
    na = paired[dyad_level].isna().groupby(paired[dyad], sort=False).any()
    return lvl.first().mask(na).reindex(wide.index)


def _drop_incomplete(
    wide: pd.DataFrame, dropped_rows: list[dict[str, Any]], notes: list[str]
) -> pd.DataFrame:
    """The dyads without a missing value; the others are recorded in ``dropped_rows``/``notes``."""
    miss = wide.isna()
    incomplete = miss.any(axis=1)
    if not incomplete.any():
        return wide
    by_var: dict[str, list[Any]] = {}
    for col in wide.columns:
        ids = list(wide.index[miss[col]])
        if ids:
            by_var[col] = ids
    for d in wide.index[incomplete]:
        cols = [c for c in wide.columns if miss.at[d, c]]
        dropped_rows.append({"dyad": d, "reason": "missing " + ", ".join(cols)})
    detail = "; ".join(f"{c}: {len(ids)}" for c, ids in by_var.items())
    notes.append(
        f"{int(incomplete.sum())} dyad(s) with a missing value left out ({detail}): "
        f"{_fmt_ids(list(wide.index[incomplete]))}"
    )
    return wide.loc[~incomplete]


# --------------------------------------------------------------------------------------------
# APIM
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class APIMResult(ResultMixin):
    """Result of :func:`apim`.

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, se, ci_low, ci_high, p_value, kind`` (``kind`` is one of intercept,
        actor, partner, covariate, residual, k). Term names are listed in :func:`apim`.
    tests : DataFrame
        ``test, contrast, statistic, df, p_value, method``: equal actor effects, equal partner
        effects and both, each by likelihood ratio (``method="lr"``) and Wald (``"wald"``).
    n_dyads, n_dropped : int
        Dyads used, and dyads left out (see ``dropped`` and ``notes`` for which and why).
    dropped : DataFrame
        ``dyad, reason`` for every dyad left out.
    pairs : DataFrame
        The pairwise (one row per dyad) data the model was fitted to.
    loglik : float
        Log-likelihood of the fitted model (outcomes given the predictors).
    boot_k : ndarray or None
        Bootstrap draws of the two k ratios (``n_boot x 2``) when ``k_ci="bootstrap"``.
    missing : str
        ``"listwise"`` or ``"fiml"``.
    n_patterns : int or None
        With FIML: the number of missing-data patterns among the dyads used.
    patterns : DataFrame or None
        With FIML: one row per pattern, most frequent first (``pattern, n, n_observed`` and one
        0/1 column per pairwise variable, 1 = observed).
    """

    table: pd.DataFrame
    tests: pd.DataFrame
    n_dyads: int
    n_dropped: int
    method: str
    x: str
    y: str
    roles: tuple[Any, Any]
    covariates: tuple[str, ...]
    equal_actor: bool
    equal_partner: bool
    k_ci: str
    n_boot: int | None
    seed: int | None
    ci_level: float
    loglik: float
    dropped: pd.DataFrame
    pairs: pd.DataFrame
    boot_k: np.ndarray | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    missing: str = "listwise"
    n_patterns: int | None = None
    patterns: pd.DataFrame | None = None

    _title: ClassVar[str] = "Actor–Partner Interdependence Model (distinguishable dyads)"

    @property
    def n(self) -> int:
        """Number of dyads used (alias of ``n_dyads``)."""
        return self.n_dyads

    def _meta(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "outcome": self.y,
            "predictor": self.x,
            "roles": f"{self.roles[0]}, {self.roles[1]}",
            "n_dyads": self.n_dyads,
            "n_dropped": self.n_dropped,
            "constraints": ", ".join(
                s
                for s, on in (
                    ("equal actor", self.equal_actor),
                    ("equal partner", self.equal_partner),
                )
                if on
            )
            or "none",
            "k_ci": self.k_ci,
            "ci_level": self.ci_level,
            "loglik": self.loglik,
        }
        if self.k_ci == "bootstrap":
            out["n_boot"] = self.n_boot
            out["seed"] = self.seed
        if self.missing == "fiml":
            out["missing"] = "FIML"
            out["n_patterns"] = self.n_patterns
        return out

    def estimate(self, term: str) -> float:
        """Point estimate of ``term`` (a row of ``table``)."""
        rows = self.table.loc[self.table["term"] == term, "estimate"]
        if rows.empty:
            raise KeyError(f"no term {term!r}; terms are {list(self.table['term'])}")
        return float(rows.iloc[0])

    def summary(self, digits: int = 4) -> str:
        """Text summary: metadata, the estimates, the equality tests and the notes."""
        text = super().summary(digits)
        lines = text.split("\n")
        # insert the tests before the notes
        cut = next((i for i, s in enumerate(lines) if s.startswith("Note: ")), len(lines))
        tests = ["", "Tests of equal effects across roles", table_to_text(self.tests, digits)]
        if self.patterns is not None:
            tests += ["", "Missing-data patterns (1 = observed)"]
            tests += [table_to_text(self.patterns, digits)]
        return "\n".join(lines[:cut] + tests + ([""] if cut < len(lines) else []) + lines[cut:])

    def _extra_tables(self) -> list[tuple[str, pd.DataFrame]]:
        out = [("Tests of equal effects across roles", self.tests)]
        if self.patterns is not None:
            out.append(("Missing-data patterns (1 = observed)", self.patterns))
        return out

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """The APIM path diagram (see :func:`learning_direction.figures.dyadic.plot_apim`)."""
        return figure("dyadic.plot_apim")(self, ax=ax, **kwargs)


def _term_names(r1: Any, r2: Any, cov_labels: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Term names for the regressors of equation 1 (role r1's outcome) and 2, and their kinds."""
    eq1 = [f"intercept_{r1}", f"actor_{r1}", f"partner_{r2}_to_{r1}"]
    eq2 = [f"intercept_{r2}", f"actor_{r2}", f"partner_{r1}_to_{r2}"]
    kinds = ["intercept", "actor", "partner"]
    for lab in cov_labels:
        eq1.append(f"{lab}_to_{r1}")
        eq2.append(f"{lab}_to_{r2}")
        kinds.append("covariate")
    return eq1, eq2, kinds


def _constraint_matrix(p: int, equal_actor: bool, equal_partner: bool) -> np.ndarray:
    """``beta = C theta`` for the stacked coefficients of the two equations."""
    cols: list[np.ndarray] = []
    merged = {1: equal_actor, 2: equal_partner}
    for j in range(p):
        if merged.get(j, False):
            v = np.zeros(2 * p)
            v[j] = v[p + j] = 1.0
            cols.append(v)
        else:
            for k in (j, p + j):
                v = np.zeros(2 * p)
                v[k] = 1.0
                cols.append(v)
    return np.column_stack(cols)


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray  # (2p,)
    cov_beta: np.ndarray  # (2p, 2p)
    sigma: np.ndarray  # (2, 2)
    sigma_se: np.ndarray  # (3,) se of s11, s12, s22
    loglik: float
    converged: bool


def _gls_fit(m: np.ndarray, p: int, c: np.ndarray, n: int) -> _Fit:
    res = fit_sur(m, p, c)
    if not res.ok[0]:
        raise ModelError(
            "apim: the model cannot be estimated: the predictors are collinear or constant "
            "within a role, or the outcomes are perfectly correlated; check the data"
        )
    beta = c @ res.theta[0]
    cov = c @ res.cov_theta[0] @ c.T
    s = res.sigma[0]
    s_se = np.sqrt(
        np.array([2 * s[0, 0] ** 2, s[0, 0] * s[1, 1] + s[0, 1] ** 2, 2 * s[1, 1] ** 2]) / n
    )
    return _Fit(beta, cov, s, s_se, float(res.loglik[0]), bool(res.converged[0]))


def _sem_fit(g: np.ndarray, p: int, equal_actor: bool, equal_partner: bool) -> _Fit:
    """Fit the same model with semopy (ML, mean structure), return it in the GLS layout."""
    import semopy  # imported lazily: semopy is slow to import

    # g columns: W1 (intercept, x1, x2, covs...), W2 (intercept, x2, x1, covs...), y1, y2.
    # semopy's optimiser fails on badly scaled variables, so it is fitted to centred and scaled
    # variables and the estimates are mapped back exactly (a linear reparametrisation). The two
    # members' x share one scale and the two outcomes share one scale, so that equality
    # constraints on actor and partner effects mean the same thing on both scales.
    n = g.shape[0]
    yy = g[:, 2 * p : 2 * p + 2]
    cy, sy = float(yy.mean()), float(yy.std())
    xx = g[:, 1:3]
    center = np.zeros(p)
    scale = np.ones(p)
    center[1:3], scale[1:3] = float(xx.mean()), float(xx.std())
    for j in range(3, p):
        center[j], scale[j] = g[:, j].mean(), g[:, j].std()
    scale[scale == 0] = 1.0
    data = {f"w{j}": (g[:, j] - center[j]) / scale[j] for j in range(1, p)}
    data["y1"] = (yy[:, 0] - cy) / sy
    data["y2"] = (yy[:, 1] - cy) / sy
    frame = pd.DataFrame(data)
    # equation 2 has x_partner and x_actor swapped (positions 1 and 2); covariates are shared
    map2 = {j: j for j in range(1, p)}
    map2[1], map2[2] = 2, 1
    lab1 = ["i1"] + [f"b1_{j}" for j in range(1, p)]
    lab2 = ["i2"] + [f"b2_{j}" for j in range(1, p)]
    if equal_actor:
        lab1[1] = lab2[1] = "actor"
    if equal_partner:
        lab1[2] = lab2[2] = "partner"
    rhs1 = " + ".join([f"{lab1[0]}*1"] + [f"{lab1[j]}*w{j}" for j in range(1, p)])
    rhs2 = " + ".join([f"{lab2[0]}*1"] + [f"{lab2[j]}*w{map2[j]}" for j in range(1, p)])
    desc = f"y1 ~ {rhs1}\ny2 ~ {rhs2}\ny1 ~~ s12*y2\ny1 ~~ s11*y1\ny2 ~~ s22*y2"
    model = semopy.ModelMeans(desc)
    res = model.fit(frame, options={"ftol": 1e-14, "maxiter": 20000})
    pnames = list(model.parameters.keys())
    vals = dict(zip(pnames, np.asarray(model.param_vals, dtype=float)))
    try:
        _, inv = model.calc_fim(inverse=True)
    except np.linalg.LinAlgError:
        raise ModelError(
            "apim (method='sem'): semopy could not estimate the model (its information matrix "
            "is singular); try method='gls'"
        ) from None
    pos = {nm: i for i, nm in enumerate(pnames)}
    labels = lab1 + lab2
    idx = [pos[lb] for lb in labels]
    beta_s = np.array([vals[lb] for lb in labels])
    cov_s = inv[np.ix_(idx, idx)]
    # back to the original scale: beta = T beta_s + shift
    t = np.zeros((2 * p, 2 * p))
    shift = np.zeros(2 * p)
    for e in range(2):
        o = e * p
        cols = [j if e == 0 else map2.get(j, 0) for j in range(p)]  # scaled column of position j
        for j in range(1, p):
            t[o + j, o + j] = sy / scale[cols[j]]
        t[o, o] = sy
        for j in range(1, p):
            t[o, o + j] = -sy * center[cols[j]] / scale[cols[j]]
        shift[o] = cy
    beta = t @ beta_s + shift
    cov = t @ cov_s @ t.T
    s = sy**2 * np.array([[vals["s11"], vals["s12"]], [vals["s12"], vals["s22"]]])
    s_se = sy**2 * np.sqrt(np.array([inv[pos[k], pos[k]] for k in ("s11", "s12", "s22")]))
    # semopy's FIML objective is -2 log L without the 2 pi constant: fun = -2 logL - 2 N log(2 pi);
    # rescaling both outcomes by sy changes log L by -2 N log(sy)
    ll = -0.5 * (float(res.fun) + 2 * n * math.log(2 * math.pi)) - 2 * n * math.log(sy)
    return _Fit(beta, cov, s, s_se, float(ll), bool(res.success))


def _z_rows(est: FloatArray, se: FloatArray, z: float) -> dict[str, FloatArray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = est / se
    return {
        "estimate": est,
        "se": se,
        "ci_low": est - z * se,
        "ci_high": est + z * se,
        "p_value": 2 * stats.norm.sf(np.abs(zval)),
    }


@dataclass(frozen=True)
class _Dyads:
    """The pairwise data of an APIM as the two equations' regressors and outcomes."""

    pairs: _Pairs
    g: FloatArray  # (n, 2p + 2): W1 (1, x1, x2, covs), W2 (1, x2, x1, covs), y1, y2
    p: int  # regressors per equation
    cov_labels: list[str]

    @property
    def n(self) -> int:
        return int(self.g.shape[0])


#: the four models fitted: free, and equal actor / partner / both across roles
_SPECS = {
    "free": (False, False),
    "actor": (True, False),
    "partner": (False, True),
    "both": (True, True),
}


def _apim_inputs(
    df: pd.DataFrame, x: str, y: str, dyad: str, role: str, covariates: list[str]
) -> None:
    """Distinct columns, present and numeric."""
    if x == y:
        raise DataValidationError(f"apim: x and y are the same column ({x!r}); pass two columns")
    for c in covariates:
        if c in (x, y, dyad, role):
            raise DataValidationError(
                f"apim: covariate {c!r} is also x, y, the dyad or the role column; remove it"
            )
    require_columns(df, [dyad, role, x, y, *covariates], "apim")
    for col in [x, y, *covariates]:
        if not (pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col])):
            raise DataValidationError(
                f"apim: column {col!r} must be numeric, got dtype {df[col].dtype}; "
                "code categories as 0/1 dummies"
            )


def _apim_data(
    df: pd.DataFrame,
    x: str,
    y: str,
    dyad: str,
    role: str,
    roles: tuple[Any, Any],
    covariates: list[str],
) -> _Dyads:
    """Pairwise data and the regressors of both equations (a covariate constant within every
    dyad enters once, a member-level one with both members' values)."""
    r1, r2 = roles
    dyad_cov: list[str] = []
    member_cov: list[str] = []
    for c in covariates:
        const = df.groupby(dyad, sort=False)[c].nunique(dropna=True).le(1).all()
        (dyad_cov if const else member_cov).append(c)
    pairs = _pairwise(df, [x, y, *member_cov], dyad, role, roles, dyad_cov, "apim")
    wide = pairs.wide.astype(float)
    n = len(wide)
    cov_cols = [f"{c}_{r}" for c in member_cov for r in (r1, r2)] + dyad_cov
    p = 3 + len(cov_cols)
    if n < p + 2:
        raise ModelError(
            f"apim: {n} complete dyad(s) is too few for {p} coefficients per role; "
            "collect more dyads or drop covariates"
        )
    one = np.ones(n)
    x1, x2 = wide[f"{x}_{r1}"].to_numpy(), wide[f"{x}_{r2}"].to_numpy()
    covm = wide[cov_cols].to_numpy() if cov_cols else np.empty((n, 0))
    w1 = np.column_stack([one, x1, x2, covm])
    w2 = np.column_stack([one, x2, x1, covm])
    for r, xa in ((r1, x1), (r2, x2)):
        if np.ptp(xa) == 0:
            raise ModelError(
                f"apim: {x!r} is constant among the {r}s; the actor and partner effects "
                "cannot be estimated"
            )
    if np.linalg.matrix_rank(w1) < p:
        raise ModelError(
            f"apim: the predictors {[x, *covariates]} are collinear in the pairwise data "
            f"(rank {np.linalg.matrix_rank(w1)} < {p}); drop a covariate"
        )
    g = np.column_stack([w1, w2, wide[f"{y}_{r1}"].to_numpy(), wide[f"{y}_{r2}"].to_numpy()])
    return _Dyads(pairs, g, p, list(cov_cols))


def _fit_models(dy: _Dyads, method: str) -> dict[str, _Fit]:
    """The free model and the three equality-constrained ones, by GLS or semopy."""
    m = cross_products(dy.g)
    fits: dict[str, _Fit] = {}
    for key, (ea, ep) in _SPECS.items():
        if method == "gls":
            fits[key] = _gls_fit(m, dy.p, _constraint_matrix(dy.p, ea, ep), dy.n)
        else:
            fits[key] = _sem_fit(dy.g, dy.p, ea, ep)
    return fits


def _coefficient_rows(fit: _Fit, dy: _Dyads, roles: tuple[Any, Any], z: float) -> pd.DataFrame:
    """Intercepts, actor, partner and covariate effects, in that order."""
    eq1, eq2, kinds = _term_names(*roles, dy.cov_labels)
    se = np.sqrt(np.diag(fit.cov_beta))
    rows = pd.DataFrame({"term": eq1 + eq2, **_z_rows(fit.beta, se, z), "kind": kinds + kinds})
    order = {"intercept": 0, "actor": 1, "partner": 2, "covariate": 3}
    rows["_o"] = rows["kind"].map(order)
    return rows.sort_values("_o", kind="stable").drop(columns="_o")


def _residual_rows(fit: _Fit, roles: tuple[Any, Any], n: int, z: float) -> pd.DataFrame:
    """Residual variances and covariance (ML SEs), and the residual correlation (Fisher z)."""
    r1, r2 = roles
    s = fit.sigma
    res_rows = pd.DataFrame(
        {
            "term": [f"residual_var_{r1}", f"residual_var_{r2}", "residual_cov"],
            **_z_rows(np.array([s[0, 0], s[1, 1], s[0, 1]]), fit.sigma_se[[0, 2, 1]], z),
            "kind": "residual",
        }
    )
    r = s[0, 1] / math.sqrt(s[0, 0] * s[1, 1])
    zr = math.atanh(r)
    corr_row = pd.DataFrame(
        {
            "term": ["residual_corr"],
            "estimate": [r],
            "se": [(1 - r**2) / math.sqrt(n)],
            "ci_low": [math.tanh(zr - z / math.sqrt(n))],
            "ci_high": [math.tanh(zr + z / math.sqrt(n))],
            "p_value": [2 * stats.norm.sf(abs(zr) * math.sqrt(n))],
            "kind": "residual",
        }
    )
    return pd.concat([res_rows, corr_row], ignore_index=True)


def _k_positions(p: int) -> tuple[list[int], list[int]]:
    """Positions of the actor and the partner effect of each equation in the stacked beta."""
    return [1, p + 1], [2, p + 2]


def _k_delta(fit: _Fit, p: int) -> FloatArray:
    """Delta-method SEs of the two k ratios."""
    ia, ip = _k_positions(p)
    k_se = np.empty(2)
    for j in range(2):
        a, pp = fit.beta[ia[j]], fit.beta[ip[j]]
        grad = np.zeros(2 * p)
        grad[ia[j]] = -pp / a**2
        grad[ip[j]] = 1 / a
        k_se[j] = math.sqrt(grad @ fit.cov_beta @ grad)
    return k_se


def _k_bootstrap(
    dy: _Dyads, constraints: FloatArray, labels: list[str], n_boot: int, seed: int
) -> BootDraws:
    """The k ratios in ``n_boot`` resamples of dyads, on the shared bootstrap engine.

    Every dyad contributes the upper triangle of its cross-products ``g_i g_i'``; a resample's
    frequency weights times these contributions are the resample's cross-products, which the
    GLS engine refits in one batch. A resample that cannot be fitted is a NaN row.
    """
    prods, iu = triu_products(dy.g)
    q = dy.g.shape[1]
    ia, ip = _k_positions(dy.p)

    def k_ratios(sums: FloatArray) -> FloatArray:
        fit = fit_sur(sym_from_triu(sums, q, iu), dy.p, constraints)
        beta = fit.theta @ constraints.T
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.column_stack([beta[:, ip[j]] / beta[:, ia[j]] for j in range(2)])

    stat = MomentStatistic(prods, k_ratios, labels)
    return run_bootstrap(stat, dy.n, n_boot=n_boot, seed=seed, progress=False, warn=False)


def _k_rows(
    fit: _Fit,
    dy: _Dyads,
    roles: tuple[Any, Any],
    boot: BootDraws | None,
    z: float,
    ci_level: float,
) -> pd.DataFrame:
    """The k ratios with delta-method (``boot`` None) or bootstrap SEs and intervals."""
    ia, ip = _k_positions(dy.p)
    k_est = np.array([fit.beta[ip[j]] / fit.beta[ia[j]] for j in range(2)])
    if boot is None:
        k_se = _k_delta(fit, dy.p)
        k_lo, k_hi = k_est - z * k_se, k_est + z * k_se
    else:
        k_se = boot.valid.std(axis=0, ddof=1)
        k_lo, k_hi = confidence_interval(boot.valid, k_est, level=ci_level)
    return pd.DataFrame(
        {
            "term": [f"k_{r}" for r in roles],
            "estimate": k_est,
            "se": k_se,
            "ci_low": k_lo,
            "ci_high": k_hi,
            "p_value": np.nan,
            "kind": "k",
        }
    )


def _equality_tests(fits: dict[str, _Fit], p: int) -> pd.DataFrame:
    """LR and Wald tests of equal actor, equal partner and both, against the free model."""
    free = fits["free"]
    ia, ip = _k_positions(p)
    test_rows = []
    for name, key, dfree in (
        ("equal_actor", "actor", 1),
        ("equal_partner", "partner", 1),
        ("equal_actor_and_partner", "both", 2),
    ):
        lr = max(2 * (free.loglik - fits[key].loglik), 0.0)
        rmat = []
        if key in ("actor", "both"):
            v = np.zeros(2 * p)
            v[ia[0]], v[ia[1]] = 1, -1
            rmat.append(v)
        if key in ("partner", "both"):
            v = np.zeros(2 * p)
            v[ip[0]], v[ip[1]] = 1, -1
            rmat.append(v)
        rm = np.array(rmat)
        diff = rm @ free.beta
        wald = float(diff @ np.linalg.solve(rm @ free.cov_beta @ rm.T, diff))
        contrast = float(diff[0]) if dfree == 1 else np.nan
        test_rows.append((name, contrast, lr, dfree, float(stats.chi2.sf(lr, dfree)), "lr"))
        test_rows.append((name, contrast, wald, dfree, float(stats.chi2.sf(wald, dfree)), "wald"))
    return pd.DataFrame(
        test_rows, columns=["test", "contrast", "statistic", "df", "p_value", "method"]
    )


def _apim_notes(
    fits: dict[str, _Fit],
    fit: _Fit,
    dy: _Dyads,
    roles: tuple[Any, Any],
    boot: BootDraws | None,
    z: float,
) -> list[str]:
    """Dropped dyads, convergence, bootstrap failures and uninterpretable k ratios."""
    notes = list(dy.pairs.notes)
    for key, f in fits.items():
        if not f.converged:
            notes.append(f"the {key} model did not converge fully; treat its estimates with care")
    if boot is not None and boot.n_singular:
        warn_user(
            f"apim: {boot.n_singular} of {boot.n_boot} bootstrap resamples could not be "
            "fitted and were left out of the k intervals",
            ModelWarning,
        )
        notes.append(f"{boot.n_singular} bootstrap resamples could not be fitted")
    ia, _ = _k_positions(dy.p)
    se = np.sqrt(np.diag(fit.cov_beta))
    for j, rr in enumerate(roles):
        lo, hi = fit.beta[ia[j]] - z * se[ia[j]], fit.beta[ia[j]] + z * se[ia[j]]
        if lo <= 0 <= hi:
            notes.append(
                f"the actor effect for {rr} has a CI including 0, so k_{rr} is not interpretable "
                "(Kenny & Ledermann, 2010)"
            )
    return notes


def apim(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    dyad: str = "dyad_id",
    role: str = "role",
    roles: Sequence[Any] = ("mentor", "mentee"),
    covariates: Sequence[str] | None = None,
    method: str = "gls",
    equal_actor: bool = False,
    equal_partner: bool = False,
    k_ci: str = "bootstrap",
    n_boot: int = 5000,
    seed: int | None = None,
    ci_level: float = 0.95,
    missing: str = "listwise",
) -> APIMResult:
    """Actor–Partner Interdependence Model for distinguishable dyads (e.g. mentor and mentee).

    Parameters
    ----------
    df : DataFrame
        Long format: one row per dyad member.
    x, y : str
        Predictor and outcome columns (measured on both members).
    dyad, role : str
        Columns holding the dyad id and the member's role.
    roles : pair
        The two role values. Term names use them (``actor_mentor`` ...).
    covariates : sequence of str, optional
        Extra predictors of both outcomes. A covariate constant within every dyad (e.g.
        ``reverse_mentoring``) enters each equation once (term ``<cov>_to_<role>``); a
        member-level covariate (e.g. ``age``) enters with both members' values (terms
        ``<cov>_<role>_to_<role>``), as in Kenny's APIM with mixed predictors.
    method : {"gls", "sem"}
        ``"gls"``: ML generalised least squares on the two-intercept (role-specific intercepts and
        slopes) long-format model with an unstructured 2 x 2 within-dyad residual covariance,
        solved by iterated feasible GLS. ``"sem"``: two regressions with correlated residuals
        fitted by ML in semopy (``ModelMeans``). Both give the same ML estimates and SEs.
    equal_actor, equal_partner : bool
        Constrain the two actor (partner) effects to be equal in the reported model.
    k_ci : {"bootstrap", "delta"}
        Confidence interval of the k ratios: percentile bootstrap over dyads (``n_boot``
        resamples on the shared engine of :mod:`learning_direction.models.bootstrap`,
        refitting by ML with the GLS engine whatever ``method`` is) or the delta method.
    n_boot : int
        Bootstrap resamples for ``k_ci="bootstrap"``.
    seed : int, optional
        Seed of the bootstrap (same seed, same interval): a non-negative whole number. ``None``
        draws one and records it in ``.seed``.
    ci_level : float
        Confidence level of every interval, a number between 0 and 1 (0.95, not 95).
    missing : {"listwise", "fiml"}
        ``"listwise"``: dyads with a missing value (or a missing member) are left out and
        listed. ``"fiml"``: every dyad with at least one model variable is used, singletons
        included, by full-information ML on the SEM engine with every predictor modelled
        (lavaan's ``missing = "ml", fixed.x = FALSE``); ``.patterns`` and ``.n_patterns``
        count the dyads of each missing-data pattern. ``method`` is then not used; the k
        bootstrap (free model only: with ``equal_actor``/``equal_partner`` use
        ``k_ci="delta"``) refits the saturated model by EM in every resample. See
        :mod:`~learning_direction.models.dyadic_fiml`.

    Returns
    -------
    APIMResult
        ``.table`` has the terms, for roles ``(r1, r2)``:

        * ``intercept_r1``, ``intercept_r2``;
        * ``actor_r1`` (effect of r1's x on r1's y), ``actor_r2``;
        * ``partner_r2_to_r1`` (effect of r2's x on r1's y), ``partner_r1_to_r2``;
        * covariate terms (see ``covariates``);
        * ``residual_var_r1``, ``residual_var_r2``, ``residual_cov``, ``residual_corr``;
        * ``k_r1 = partner_r2_to_r1 / actor_r1`` and ``k_r2 = partner_r1_to_r2 / actor_r2``.

        ``.tests`` holds the tests of equal actor, equal partner and both (LR and Wald).

    Notes
    -----
    With ``i`` a dyad and roles 1, 2::

        y_1i = a_1 + actor_1 x_1i + partner_21 x_2i + e_1i
        y_2i = a_2 + actor_2 x_2i + partner_12 x_1i + e_2i,   (e_1i, e_2i) ~ N(0, Sigma)

    Estimates are maximum likelihood (ML, divisor N for Sigma), as lavaan's ``sem()`` and
    ``nlme::gls(method = "ML")`` report. Without constraints the model is a saturated
    seemingly-unrelated regression with identical regressors, so the coefficient estimates
    equal equation-by-equation OLS; the ML SEs are ``sqrt(diag(Sigma_ML ⊗ (X'X)^-1))``, i.e.
    OLS SEs times ``sqrt((N - k) / N)``. The residual variances and covariance have ML SEs
    ``sqrt(2 s_jj^2 / N)`` and ``sqrt((s_11 s_22 + s_12^2) / N)``. Tests of coefficients are
    Wald z-tests. The residual correlation has the delta-method SE ``(1 - r^2) / sqrt(N)``,
    a Fisher-z interval and the p-value of ``atanh(r) sqrt(N)``.

    The k ratio (Kenny & Ledermann, 2010) is partner / actor for each outcome: k = 1 is a
    "couple" pattern, k = 0 an actor-only pattern, k = -1 a contrast pattern. It is only
    interpretable when the actor effect clearly differs from zero. Its bootstrap resamples
    dyads with :func:`~learning_direction.models.bootstrap.run_bootstrap` (frequency weights
    times each dyad's cross-products, all resamples refitted at once by the GLS engine; same
    seed, same draws) and reports the bootstrap SD as ``se`` and the percentile interval of
    :func:`~learning_direction.models.bootstrap.confidence_interval` (as ``boot::boot.ci``).

    Equality tests compare the unconstrained model with the model constraining the actor
    effects, the partner effects, or both to be equal across roles: likelihood ratio
    ``2 (logL_free - logL_constrained)`` on 1 (2) df, and the Wald test from the free model.
    They are always computed against the unconstrained model, whatever constraints the
    reported model has. Dyads missing a member (singletons) or with any missing value in
    either member are left out and listed in ``notes`` and ``dropped``.

    References
    ----------
    Kenny, D. A., Kashy, D. A., & Cook, W. L. (2006). *Dyadic data analysis*. Guilford.
    Kenny, D. A., & Ledermann, T. (2010). Detecting, measuring, and testing dyadic patterns in
    the actor–partner interdependence model. *Journal of Family Psychology*, 24(3), 359–366.

    Examples
    --------
    The bundled ``dyads`` data (200 mentor-mentee pairs, one row per member): each member's
    learning orientation and relationship satisfaction.

    >>> import learning_direction as ld
    >>> dyads = ld.load_dataset("dyads")
    >>> res = ld.apim(dyads, x="learning_orientation", y="satisfaction", k_ci="delta")
    >>> tab = res.table.set_index("term")
    >>> print(tab.loc[["actor_mentor", "actor_mentee", "partner_mentee_to_mentor",
    ...                "partner_mentor_to_mentee"], ["estimate", "se"]].round(3))
                              estimate     se
    term
    actor_mentor                 0.397  0.063
    actor_mentee                 0.352  0.070
    partner_mentee_to_mentor     0.232  0.062
    partner_mentor_to_mentee     0.147  0.071
    >>> round(res.estimate("actor_mentor"), 2), res.n, res.n_dropped
    (0.4, 200, 0)

    The R equivalent (pairwise data, lavaan)::

        lavaan::sem('y_mentor ~ x_mentor + x_mentee
                     y_mentee ~ x_mentee + x_mentor
                     y_mentor ~~ y_mentee', data = pairs, meanstructure = TRUE)

    or ``nlme::gls(y ~ 0 + role + role:x_actor + role:x_partner, correlation =
    corSymm(form = ~ 1 | dyad_id), weights = varIdent(form = ~ 1 | role), method = "ML")``.
    """
    r1, r2 = _check_roles(roles)
    method = choice(method, "method", ["gls", "sem"])
    k_ci = choice(k_ci, "k_ci", ["bootstrap", "delta"])
    ci_level = check_level(ci_level)
    seed = check_seed(seed)
    boot_seed = None
    if k_ci == "bootstrap":
        if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 100:
            raise ModelError(f"apim: n_boot must be an integer of at least 100, got {n_boot!r}")
        boot_seed = fresh_seed(seed)  # a drawn seed is recorded, so the run can be repeated
    covariates = list(covariates or [])
    _apim_inputs(df, x, y, dyad, role, covariates)
    if choice(missing, "missing", ["listwise", "fiml"]) == "fiml":
        if boot_seed is not None and (equal_actor or equal_partner):
            raise ModelError(
                "apim (missing='fiml'): the k bootstrap is available for the model without "
                "equality constraints; pass k_ci='delta' with equal_actor/equal_partner"
            )
        return _apim_fiml(
            df,
            x,
            y,
            dyad,
            role,
            (r1, r2),
            covariates,
            (bool(equal_actor), bool(equal_partner)),
            k_ci,
            int(n_boot),
            boot_seed,
            ci_level,
        )
    dy = _apim_data(df, x, y, dyad, role, (r1, r2), covariates)
    z = float(stats.norm.ppf(0.5 + ci_level / 2))
    fits = _fit_models(dy, method)
    main_key = {v: k for k, v in _SPECS.items()}[(bool(equal_actor), bool(equal_partner))]
    fit = fits[main_key]
    boot = None
    if boot_seed is not None:
        constraints = _constraint_matrix(dy.p, bool(equal_actor), bool(equal_partner))
        boot = _k_bootstrap(dy, constraints, [f"k_{r1}", f"k_{r2}"], int(n_boot), boot_seed)
    table = pd.concat(
        [
            _coefficient_rows(fit, dy, (r1, r2), z),
            _residual_rows(fit, (r1, r2), dy.n, z),
            _k_rows(fit, dy, (r1, r2), boot, z, ci_level),
        ],
        ignore_index=True,
    )
    notes = _apim_notes(fits, fit, dy, (r1, r2), boot, z)
    notes.append(
        f"terms: actor_<role> = effect of a member's own {x} on their {y}; "
        f"partner_<a>_to_<b> = effect of <a>'s {x} on <b>'s {y}; "
        "contrast = first role minus second role"
    )
    if equal_actor or equal_partner:
        notes.append("constrained terms are estimated once and repeated for both roles")
    if method == "sem":
        notes.append("fitted by ML with semopy (ModelMeans); k bootstrap refits use the GLS engine")
    return APIMResult(
        table=table,
        tests=_equality_tests(fits, dy.p),
        n_dyads=dy.n,
        n_dropped=len(dy.pairs.dropped),
        method=method,
        x=x,
        y=y,
        roles=(r1, r2),
        covariates=tuple(covariates),
        equal_actor=bool(equal_actor),
        equal_partner=bool(equal_partner),
        k_ci=k_ci,
        n_boot=int(n_boot) if boot is not None else None,
        seed=boot_seed,
        ci_level=ci_level,
        loglik=fit.loglik,
        dropped=dy.pairs.dropped,
        pairs=dy.pairs.wide,
        boot_k=boot.draws if boot is not None else None,
        notes=tuple(notes),
    )


def _apim_fiml(
    df: pd.DataFrame,
    x: str,
    y: str,
    dyad: str,
    role: str,
    roles: tuple[Any, Any],
    covariates: list[str],
    equal: tuple[bool, bool],
    k_ci: str,
    n_boot: int,
    boot_seed: int | None,
    ci_level: float,
) -> APIMResult:
    """``apim(..., missing="fiml")``: every dyad with a model variable, by FIML."""
    from .dyadic_fiml import fit_apim_fiml, k_bootstrap_fiml, patterns_of, residual_corr

    r1, r2 = roles
    dyad_cov = [
        c for c in covariates if df.groupby(dyad, sort=False)[c].nunique(dropna=True).le(1).all()
    ]
    member_cov = [c for c in covariates if c not in dyad_cov]
    pairs = _pairwise(df, [x, y, *member_cov], dyad, role, roles, dyad_cov, "apim", True)
    cov_cols = [f"{c}_{r}" for c in member_cov for r in (r1, r2)] + dyad_cov
    cols = [f"{x}_{r1}", f"{x}_{r2}", *cov_cols, f"{y}_{r1}", f"{y}_{r2}"]
    wide = pairs.wide[cols].astype(float)
    empty = wide.isna().all(axis=1)
    dropped = pd.DataFrame(
        [{"dyad": d, "reason": "missing every model variable"} for d in wide.index[empty]],
        columns=["dyad", "reason"],
    )
    wide = wide.loc[~empty]
    p = 3 + len(cov_cols)
    if len(wide) < p + 2:
        raise ModelError(f"apim: {len(wide)} dyad(s) is too few for {p} coefficients per role")
    values = wide.to_numpy()
    fiml_fits = fit_apim_fiml(values, len(cov_cols), _SPECS)
    fits = {
        k: _Fit(f.beta, f.cov_beta, f.sigma, f.sigma_se, f.loglik, f.converged)
        for k, f in fiml_fits.items()
    }
    main_key = {v: k for k, v in _SPECS.items()}[equal]
    fit = fits[main_key]
    data, patterns = patterns_of(values, cols)
    one, covm = np.ones(len(values)), values[:, 2 : p - 1]
    g = np.column_stack(  # the GLS layout (W1, W2, y1, y2), NaN where missing
        [one, values[:, [0, 1]], covm, one, values[:, [1, 0]], covm, values[:, [p - 1, p]]]
    )
    dy = _Dyads(_Pairs(wide, dropped, (), pairs.n_input_dyads), g, p, cov_cols)
    z = float(stats.norm.ppf(0.5 + ci_level / 2))
    boot = None
    if boot_seed is not None:
        boot = k_bootstrap_fiml(values, len(cov_cols), [f"k_{r1}", f"k_{r2}"], n_boot, boot_seed)
    res_rows = _residual_rows(fit, roles, len(wide), z)
    corr = residual_corr(fiml_fits[main_key], z)  # delta-method SE, not the complete-data one
    res_rows.loc[res_rows["term"] == "residual_corr", list(corr)] = list(corr.values())
    table = pd.concat(
        [
            _coefficient_rows(fit, dy, roles, z),
            res_rows,
            _k_rows(fit, dy, roles, boot, z, ci_level),
        ],
        ignore_index=True,
    )
    n_pat = len(data.patterns)
    used = (
        f"FIML: all {len(wide)} dyads used"
        if not len(dropped)
        else f"FIML: {len(wide)} of {len(wide) + len(dropped)} dyads used ({len(dropped)} "
        "missing every model variable left out, as lavaan does)"
    )
    notes = [
        f"{used}; {n_pat} missing-data pattern{'s' if n_pat != 1 else ''} (table in .patterns)",
        "every predictor modelled (lavaan's missing = 'ml', fixed.x = FALSE): dyads with a "
        "missing x or covariate, and singletons, are kept; observed-information SEs; the "
        "log-likelihood is that of all modelled variables",
        *_apim_notes(fits, fit, dy, roles, boot, z),
        f"terms: actor_<role> = effect of a member's own {x} on their {y}; "
        f"partner_<a>_to_<b> = effect of <a>'s {x} on <b>'s {y}; "
        "contrast = first role minus second role",
    ]
    if boot is not None:
        notes.append("k bootstrap: the saturated model refitted by EM in every resample of dyads")
    return APIMResult(
        table=table,
        tests=_equality_tests(fits, p),
        n_dyads=len(wide),
        n_dropped=len(dropped),
        method="fiml",
        x=x,
        y=y,
        roles=roles,
        covariates=tuple(covariates),
        equal_actor=equal[0],
        equal_partner=equal[1],
        k_ci=k_ci,
        n_boot=n_boot if boot is not None else None,
        seed=boot_seed,
        ci_level=ci_level,
        loglik=fit.loglik,
        dropped=dropped,
        pairs=wide,
        boot_k=boot.draws if boot is not None else None,
        notes=tuple(notes),
        missing="fiml",
        n_patterns=n_pat,
        patterns=patterns,
    )


# --------------------------------------------------------------------------------------------
# mutual benefit
# --------------------------------------------------------------------------------------------

_BOOL_GROUP_LABELS = {True: "reverse", False: "traditional"}


@dataclass(frozen=True)
class MutualBenefitResult(ResultMixin):
    """Result of :func:`mutual_benefit`.

    Attributes
    ----------
    table : DataFrame
        ``group, category, n, share``: counts and within-group shares of the four categories,
        for all dyads (``group == "all"``) and for each group (e.g. reverse vs traditional).
    dyads : DataFrame
        One row per classified dyad: ``dyad, group, gain_<r1>, gain_<r2>, gains_<r1>,
        gains_<r2>, category``.
    n_dyads, n_dropped : int
        Dyads classified and dyads left out (see ``notes`` / ``dropped``).
    """

    table: pd.DataFrame
    dyads: pd.DataFrame
    n_dyads: int
    n_dropped: int
    threshold: float
    roles: tuple[Any, Any]
    categories: tuple[str, ...]
    dropped: pd.DataFrame
    group: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Mutual benefit: which members of each dyad gain"

    @property
    def n(self) -> int:
        return self.n_dyads

    def _meta(self) -> dict[str, Any]:
        return {
            "n_dyads": self.n_dyads,
            "n_dropped": self.n_dropped,
            "threshold": self.threshold,
            "group": self.group or "none",
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Stacked bars of the category shares by group."""
        return figure("dyadic.plot_mutual_benefit")(self, ax=ax, **kwargs)


def mutual_benefit(
    df: pd.DataFrame,
    gain: str | Sequence[str] | Mapping[Any, str],
    *,
    dyad: str = "dyad_id",
    role: str = "role",
    roles: Sequence[Any] = ("mentor", "mentee"),
    threshold: float | None = None,
    scale_range: tuple[float, float] | None = None,
    group: str | None = "reverse_mentoring",
    min_answered: float = 0.5,
) -> MutualBenefitResult:
    """Classify each dyad: both members gain, only one gains (which), or neither gains.

    Parameters
    ----------
    df : DataFrame
        Long format: one row per dyad member.
    gain : str, sequence of str, or dict
        A member's benefit score ("what I gain from this relationship"); or the item columns
        whose mean is that score (already reverse-keyed; members answering fewer than
        ``min_answered`` of them get a missing score); or a dict ``{role: column}`` when each role
        has its own score column, e.g. the bundled ``mutual_benefit_mentor`` /
        ``mutual_benefit_mentee`` scales scored with ``ld.score``:
        ``{"mentor": "mentor_gains_self", "mentee": "mentee_gains_self"}``.
    dyad, role, roles :
        As in :func:`apim`.
    threshold : float, optional
        A member gains when their score is strictly above this value.
    scale_range : (min, max), optional
        Response range of the gain score; when ``threshold`` is not given the threshold is the
        scale midpoint ``(min + max) / 2``. One of ``threshold`` and ``scale_range`` is needed.
    group : str or None
        Dyad-level column to break the table down by (default ``reverse_mentoring``; boolean or
        0/1 values are labelled ``reverse`` / ``traditional``). ``None`` for no breakdown.
    min_answered : float
        Share of the gain items a member must answer (only when ``gain`` lists items).

    Returns
    -------
    MutualBenefitResult

    Notes
    -----
    For dyad i with scores g_1i, g_2i and threshold t the category is ``both_gain`` when
    g_1i > t and g_2i > t, ``only_<r1>_gains`` / ``only_<r2>_gains`` when exactly one is,
    ``neither_gains`` otherwise. Shares are n / (dyads in the group). Dyads missing a member or
    a score are left out and listed.

    References
    ----------
    Murphy, W. M. (2012). Reverse mentoring at work: Fostering cross-generational learning and
    developing millennial leaders. *Human Resource Management*, 51(4), 549–573.

    Examples
    --------
    >>> from learning_direction.simulate.dyads import simulate_dyads
    >>> res = mutual_benefit(simulate_dyads(200, seed=1), "gains_for_me", scale_range=(1, 7))
    >>> list(res.table.columns)
    ['group', 'category', 'n', 'share']

    In R: ``table(pairs$reverse_mentoring, with(pairs, ifelse(g_mentor > t & g_mentee > t,
    "both", ...)))``.
    """
    r1, r2 = _check_roles(roles)
    threshold = _gain_threshold(threshold, scale_range)
    work = _gain_scores(df, gain, dyad, role, (r1, r2), group, min_answered)
    pairs = _pairwise(
        work, ["_gain"], dyad, role, (r1, r2), [group] if group else [], "mutual_benefit"
    )
    wide = pairs.wide
    g1, g2 = wide[f"_gain_{r1}"].astype(float), wide[f"_gain_{r2}"].astype(float)
    up1, up2 = g1 > threshold, g2 > threshold
    cats = ("both_gain", f"only_{r1}_gains", f"only_{r2}_gains", "neither_gains")
    category = np.select([up1 & up2, up1 & ~up2, ~up1 & up2], cats[:3], default=cats[3])
    if group:
        gvals = wide[group]
        uniq = set(pd.unique(gvals))
        if uniq <= {0, 1}:  # bool or 0/1 (True == 1 in a set)
            glabel = gvals.map(lambda v: _BOOL_GROUP_LABELS[bool(v)])
        else:
            glabel = gvals.astype(str)
    else:
        glabel = pd.Series("all", index=wide.index)
    dyads = pd.DataFrame(
        {
            "dyad": wide.index,
            "group": glabel.to_numpy(),
            f"gain_{r1}": g1.to_numpy(),
            f"gain_{r2}": g2.to_numpy(),
            f"gains_{r1}": up1.to_numpy(),
            f"gains_{r2}": up2.to_numpy(),
            "category": category,
        }
    )
    notes = list(pairs.notes)
    notes.append(f"a member gains when their score is above {format_number(threshold)}")
    return MutualBenefitResult(
        table=_category_table(dyads, cats, bool(group)),
        dyads=dyads,
        n_dyads=len(dyads),
        n_dropped=len(pairs.dropped),
        threshold=threshold,
        roles=(r1, r2),
        categories=cats,
        dropped=pairs.dropped,
        group=group,
        notes=tuple(notes),
    )


def _gain_threshold(threshold: float | None, scale_range: tuple[float, float] | None) -> float:
    """The threshold given, or the midpoint of the scale range."""
    if threshold is not None:
        return float(threshold)
    if scale_range is None:
        raise DataValidationError(
            "mutual_benefit: pass threshold=<value> or scale_range=(min, max) of the gain "
            "score (the threshold is then the scale midpoint)"
        )
    try:
        lo, hi = (float(v) for v in scale_range)
    except (TypeError, ValueError):
        raise DataValidationError(
            f"mutual_benefit: scale_range must be (min, max), got {scale_range!r}"
        ) from None
    if not lo < hi:
        raise DataValidationError(
            f"mutual_benefit: scale_range must have min < max, got {scale_range!r}"
        )
    return float((lo + hi) / 2)


def _gain_scores(
    df: pd.DataFrame,
    gain: str | Sequence[str] | Mapping[Any, str],
    dyad: str,
    role: str,
    roles: tuple[Any, Any],
    group: str | None,
    min_answered: float,
) -> pd.DataFrame:
    """Dyad, role (and group) columns with each member's gain score as ``_gain``."""
    r1, r2 = roles
    by_role: dict[Any, str] | None = None
    if isinstance(gain, Mapping):
        by_role = dict(gain)
        if set(by_role) != {r1, r2}:
            raise DataValidationError(
                f"mutual_benefit: a gain dict needs exactly one column per role {[r1, r2]}, "
                f"got keys {list(by_role)}"
            )
        items = [by_role[r1], by_role[r2]]
    else:
        items = [gain] if isinstance(gain, str) else list(gain)
    if not items:
        raise DataValidationError("mutual_benefit: gain must name at least one column")
    require_columns(df, [dyad, role, *items, *([group] if group else [])], "mutual_benefit")
    for col in items:
        if not pd.api.types.is_numeric_dtype(df[col]):
            raise DataValidationError(
                f"mutual_benefit: gain column {col!r} must be numeric, got dtype {df[col].dtype}"
            )
    work = df[[dyad, role, *([group] if group else [])]].copy()
    if by_role is not None:
        work["_gain"] = np.where(
            df[role] == r1, df[by_role[r1]].astype(float), df[by_role[r2]].astype(float)
        )
    elif len(items) == 1:
        work["_gain"] = df[items[0]].astype(float)
    else:
        answered = df[items].notna().mean(axis=1)
        work["_gain"] = df[items].mean(axis=1).where(answered >= min_answered)
    return work


def _category_table(dyads: pd.DataFrame, cats: tuple[str, ...], by_group: bool) -> pd.DataFrame:
    """Counts and within-group shares of the categories: all dyads, then each group."""
    rows = []
    groups = ["all"] + (sorted(dyads["group"].unique()) if by_group else [])
    for gname in groups:
        sub = dyads if gname == "all" else dyads.loc[dyads["group"] == gname]
        counts = sub["category"].value_counts()
        total = len(sub)
        for cname in cats:
            k = int(counts.get(cname, 0))
            rows.append((gname, cname, k, k / total if total else np.nan))
    return pd.DataFrame(rows, columns=["group", "category", "n", "share"])
