"""Multiple imputation by chained equations: predictive mean matching (mice's ``pmm``) or
Bayesian linear regression (mice's ``norm``).

:func:`impute_frame` fills every incomplete numeric column of a DataFrame ``m`` times. Each
imputation runs its own chain (fully conditional specification, van Buuren 2018): start from
random draws of the observed values, then for ``maxit`` rounds visit the incomplete columns in
order and, for each one, regress it on every other column (the current fill-ins included), draw
the regression parameters from their posterior, and replace each missing value by the observed
value of one of the ``donors`` rows whose predicted mean is closest (predictive mean matching,
mice's type-1 matching). Imputed values are therefore always values that were observed, so a
Likert item stays on its scale. With ``method="norm"`` each missing value is instead
``X beta* + N(0, sigma*^2)`` (Rubin 1987; van Buuren 2018, algorithm 3.1): not rounded, and free
to fall beyond the observed values, which lets it extrapolate into a tail that is mostly
missing.

The public entry point is :func:`learning_direction.impute` (in ``scales``, so that it can
score codebook scales inside every imputation); this module is the engine and the result.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..._core.checks import choice
from ..._core.data import missing_hint
from ..._core.plotting import figure
from ..._core.results import ResultMixin
from ..._core.threads import single_blas_thread
from ...exceptions import DataValidationError, ModelError
from .._types import BoolArray, FloatArray

__all__ = ["ImputedData", "impute_frame"]

#: relative ridge added to the diagonal of X'X (mice's ``ridge = 1e-05``)
RIDGE = 1e-5
#: a text column with more distinct values than this is refused as a predictor
MAX_TEXT_LEVELS = 20


@dataclass(frozen=True, eq=False)
class ImputedData(ResultMixin):
    """The ``m`` completed datasets of :func:`~learning_direction.impute`.

    Iterate over it (``for d in imp``) or take one with :meth:`completed`; pass it as the data
    of :func:`~learning_direction.regress`, :func:`~learning_direction.logit`,
    :func:`~learning_direction.mixed` or :func:`~learning_direction.mediate` to fit the model
    in every imputation and pool the results by Rubin's rules.

    Attributes
    ----------
    table : DataFrame
        One row per column of the input: ``column, role, n_missing, pct_missing, method``.
        ``role`` is ``imputed`` (numeric with missing values), ``complete`` (numeric, used as
        a predictor), ``dummy-coded predictor`` (complete text/categorical column),
        ``excluded`` (carried along, neither imputed nor used) or ``scored`` (a scale score
        computed inside every imputation).
    m : int
        Number of imputations.
    seed : int
        The seed used (drawn when None was given); same seed -> identical imputations.
    method : str
        ``"pmm"`` (predictive mean matching) or ``"norm"`` (Bayesian linear regression).
    maxit, donors : int
        Iterations of each chain; candidate donors per missing value (PMM only).
    n : int
        Rows (every row is kept; none is dropped).
    scales : tuple of str
        Codebook scales scored inside every imputation.
    data : DataFrame
        The incomplete input, as given.
    imputations : tuple of DataFrame
        The completed datasets (the input's index and column order, scale scores appended).
    missing : DataFrame of bool
        Where the input was missing (imputed cells).
    notes : tuple of str
    """

    table: pd.DataFrame
    m: int
    seed: int
    method: str
    maxit: int
    donors: int
    n: int
    scales: tuple[str, ...]
    data: pd.DataFrame = field(repr=False)
    imputations: tuple[pd.DataFrame, ...] = field(repr=False)
    missing: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    _title: ClassVar[str] = "Multiple imputation (chained equations)"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "m": self.m,
            "maxit": self.maxit,
            **({"donors": self.donors} if self.method == "pmm" else {}),
            "n": self.n,
            "cells imputed": int(self.missing.to_numpy().sum()),
            "seed": self.seed,
        }

    def completed(self, i: int) -> pd.DataFrame:
        """The ``i``-th completed dataset, ``i`` = 1..m (as ``mice::complete(imp, i)``).

        Returns a copy, so changing it leaves the result unchanged.
        """
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 1 <= i <= self.m:
            raise DataValidationError(
                f"completed(): i must be a whole number from 1 to m = {self.m} (as "
                f"mice::complete(imp, i)); got {i!r}"
            )
        return self.imputations[int(i) - 1].copy()

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return (d.copy() for d in self.imputations)

    def __len__(self) -> int:
        return self.m

    def long(self) -> pd.DataFrame:
        """All imputations stacked, with ``.imp`` (1..m) and ``.id`` (the row index) first,
        as ``mice::complete(imp, "long")``."""
        parts = []
        for i, d in enumerate(self.imputations, start=1):
            part = d.copy()
            part.insert(0, ".id", d.index)
            part.insert(0, ".imp", i)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    def plot(self, column: str | None = None, ax: Any = None) -> Any:
        """Densities of the observed and the imputed values of one imputed column (default:
        the one with the most missing values), as ``mice::densityplot``.

        See :func:`learning_direction.figures.imputation.plot_imputed_densities`.
        """
        return figure("imputation.plot_imputed_densities")(self, column=column, ax=ax)


# ---------------------------------------------------------------------------------------------
def _check_count(value: object, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < low:
        more = (
            " (Rubin's rules need at least two imputations to estimate the between-imputation "
            "variance)"
            if name == "m"
            else ""
        )
        raise DataValidationError(
            f"impute(): {name} must be a whole number >= {low}{more}; got {value!r}"
        )
    return int(value)


def _is_numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))


@dataclass(frozen=True)
class _Layout:
    numeric: list[str]
    dummies: pd.DataFrame
    roles: dict[str, str]
    notes: list[str]


def _layout(df: pd.DataFrame, exclude: Sequence[str]) -> _Layout:
    """Which columns are imputed, used as predictors, dummy-coded or carried along."""
    unknown = [c for c in exclude if c not in df.columns]
    if unknown:
        raise DataValidationError(
            f"impute(): exclude names {unknown}, which are not columns of the data"
            f"{missing_hint(unknown, df.columns)}"
        )
    numeric: list[str] = []
    dummy_parts: list[pd.DataFrame] = []
    roles: dict[str, str] = {}
    notes: list[str] = []
    for col in df.columns:
        s = df[col]
        if col in exclude:
            roles[col] = "excluded"
            continue
        n_obs = int(s.notna().sum())
        if _is_numeric(s):
            if n_obs == 0:
                raise DataValidationError(
                    f"impute(): column '{col}' is missing in every row, so there is nothing to "
                    f"impute it from; drop it or pass exclude=['{col}']"
                )
            if n_obs < len(s) and n_obs < 2:
                raise DataValidationError(
                    f"impute(): column '{col}' has a single observed value; it cannot be "
                    f"imputed by regression. Drop it or pass exclude=['{col}']"
                )
            numeric.append(col)
            roles[col] = "imputed" if n_obs < len(s) else "complete"
            continue
        if n_obs < len(s):
            raise DataValidationError(
                f"impute(): text/categorical column '{col}' has {len(s) - n_obs} missing "
                "value(s); only numeric columns are imputed (pmm or norm). Code it "
                f"as numbers (e.g. 0/1) to impute it, or pass exclude=['{col}']"
            )
        levels = pd.unique(s.astype(str))
        if len(levels) > MAX_TEXT_LEVELS:
            raise DataValidationError(
                f"impute(): text column '{col}' has {len(levels)} distinct values (more than "
                f"{MAX_TEXT_LEVELS}); it looks like an identifier or free text, which cannot "
                f"predict the missing values. Pass exclude=['{col}']"
            )
        d = pd.get_dummies(s.astype(str), prefix=str(col), drop_first=True, dtype=float)
        dummy_parts.append(d)
        roles[col] = "dummy-coded predictor"
        notes.append(
            f"text column '{col}' is complete and enters every imputation model as "
            f"{d.shape[1]} indicator(s) (reference: its first level in sorted order); it is "
            "not imputed"
        )
    if not any(r == "imputed" for r in roles.values()):
        notes.append("no numeric column has a missing value: every imputation equals the data")
    dummies = pd.concat(dummy_parts, axis=1) if dummy_parts else pd.DataFrame(index=df.index)
    return _Layout(numeric, dummies, roles, notes)


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Draw:
    """One Bayesian linear-regression draw per chain (mice's ``.norm.draw``), batched."""

    cols: Any  # the predictor rows of Zt (every row but the imputed one)
    Zm: FloatArray  # (m, P, n_mis): the predictor rows at the missing entries
    beta: FloatArray  # (m, p): least-squares coefficients on the observed rows
    beta_star: FloatArray  # (m, p): coefficients drawn from their posterior
    sigma_star: FloatArray  # (m,): residual SD drawn from its posterior


def _norm_draw(Zt: FloatArray, j: int, obs: BoolArray, rng: np.random.Generator) -> _Draw:
    """Regress row ``j`` of ``Zt`` on every other row (observed entries only), in all ``m``
    chains at once, and draw the parameters from their posterior.

    ``Zt`` is (m, P, n): per chain, the intercept, the numeric columns (current fill-ins) and
    the dummies as rows; row ``j`` is the column imputed, every other row predicts it. Bayesian
    linear regression draw (mice's ``.norm.draw``; Rubin 1987; van Buuren 2018, algorithm 3.1):
    ``beta_hat = (X'X + ridge)^-1 X'y`` on the observed rows (ridge = 1e-5 diag(X'X)),
    ``sigma* = sqrt(RSS / chi2(n_obs - p))``, ``beta* = beta_hat + sigma* L z`` with
    ``L L' = (X'X + ridge)^-1``.

    The cross-products of the observed rows are those of all rows minus those of the few
    missing ones, so the (m, P, n) array is never copied.
    """
    m, P, _ = Zt.shape
    mis = ~obs
    Zm = np.ascontiguousarray(Zt[:, :, mis])
    G = Zt @ Zt.transpose(0, 2, 1) - Zm @ Zm.transpose(0, 2, 1)
    cols = np.array([c for c in range(P) if c != j])
    p = len(cols)
    xtx = G[:, cols[:, None], cols[None, :]]
    xty = G[:, cols, j]
    idx = np.arange(p)
    ridged = xtx.copy()
    ridged[:, idx, idx] *= 1 + RIDGE
    V = np.linalg.inv(ridged)
    V = (V + V.transpose(0, 2, 1)) / 2
    beta = (V @ xty[:, :, None])[:, :, 0]
    yty = G[:, j, j]
    rss = yty - 2 * np.einsum("mi,mi->m", beta, xty) + np.einsum("mi,mik,mk->m", beta, xtx, beta)
    n_obs = int(obs.sum())
    df = max(n_obs - p, 1)
    sigma_star = np.sqrt(np.clip(rss, 0, None) / rng.chisquare(df, size=m))
    try:
        L = np.linalg.cholesky(V)
    except np.linalg.LinAlgError:  # numerically not positive definite: eigen square root
        w, U = np.linalg.eigh(V)
        L = U * np.sqrt(np.clip(w, 0, None))[:, None, :]
    z = rng.standard_normal((m, p, 1))
    beta_star = beta + sigma_star[:, None] * (L @ z)[:, :, 0]
    return _Draw(cols, Zm, beta, beta_star, sigma_star)


def _pmm_step(
    Zt: FloatArray,
    j: int,
    obs: BoolArray,
    rng: np.random.Generator,
    donors: int,
) -> FloatArray:
    """New values for the missing entries of row ``j`` of ``Zt`` by predictive mean matching,
    in all ``m`` chains at once; returns (m, n_mis).

    After the parameter draw (:func:`_norm_draw`), the predicted means ``X_obs beta_hat`` of
    the observed rows are matched to ``X_mis beta*`` of the missing ones, and each missing
    value gets the observed value of one of its ``donors`` nearest rows, chosen at random
    (mice's type-1 matching).
    """
    m, P, _ = Zt.shape
    d = _norm_draw(Zt, j, obs, rng)
    cols, Zm, beta, beta_star = d.cols, d.Zm, d.beta, d.beta_star
    n_obs = int(obs.sum())
    full = np.zeros((m, 1, P))
    full[:, 0, cols] = beta
    yhat_obs = (full @ Zt)[:, 0, obs]
    full[:, 0, cols] = beta_star
    yhat_mis = (full @ Zm)[:, 0, :]
    yo = Zt[0, j, obs]
    n_mis = yhat_mis.shape[1]
    k = min(donors, n_obs)
    dist = np.abs(yhat_mis[:, :, None] - yhat_obs[:, None, :])
    # a tiny random jitter breaks ties between equal predictions at random (as mice does)
    dist += rng.uniform(0, 1e-9 * (1 + float(np.abs(yhat_obs).max())), size=dist.shape)
    if k < n_obs:
        nearest = np.argpartition(dist, k - 1, axis=2)[:, :, :k]
    else:
        nearest = np.broadcast_to(np.arange(n_obs), (m, n_mis, n_obs))
    pick = rng.integers(0, k, size=(m, n_mis))
    chosen = np.take_along_axis(nearest, pick[:, :, None], axis=2)[:, :, 0]
    out: FloatArray = yo[chosen]
    return out


def _norm_step(Zt: FloatArray, j: int, obs: BoolArray, rng: np.random.Generator) -> FloatArray:
    """New values for the missing entries of row ``j`` of ``Zt`` by Bayesian linear regression
    (mice's ``norm``), in all ``m`` chains at once: ``X_mis beta* + sigma* e``, ``e ~ N(0, 1)``
    (after the parameter draw of :func:`_norm_draw`). Returns (m, n_mis), not rounded."""
    m, P, _ = Zt.shape
    d = _norm_draw(Zt, j, obs, rng)
    full = np.zeros((m, 1, P))
    full[:, 0, d.cols] = d.beta_star
    yhat_mis = (full @ d.Zm)[:, 0, :]
    out: FloatArray = yhat_mis + d.sigma_star[:, None] * rng.standard_normal(yhat_mis.shape)
    return out


def _chains(
    Y: FloatArray,
    miss: BoolArray,
    D: FloatArray,
    targets: list[int],
    rng: np.random.Generator,
    m: int,
    maxit: int,
    donors: int,
    method: str = "pmm",
) -> FloatArray:
    """``m`` completed copies of ``Y`` (rows x numeric columns), shape (m, n, k), after
    ``maxit`` rounds of every chain (the chains run side by side, independently)."""
    n, k = Y.shape
    # per chain, as rows: intercept, the numeric columns (current fill), the dummies
    base = np.vstack([np.ones((1, n)), np.nan_to_num(Y.T), D.T])
    Zt = np.broadcast_to(base, (m, *base.shape)).copy()
    for j in targets:  # start: random draws from the observed values (mice's initialisation)
        obs_vals = Y[~miss[:, j], j]
        rows = np.flatnonzero(miss[:, j])
        Zt[:, 1 + j, rows] = rng.choice(obs_vals, size=(m, len(rows)), replace=True)
    for _ in range(maxit):
        for j in targets:
            obs = ~miss[:, j]
            if method == "norm":
                Zt[:, 1 + j, ~obs] = _norm_step(Zt, 1 + j, obs, rng)
            else:
                Zt[:, 1 + j, ~obs] = _pmm_step(Zt, 1 + j, obs, rng, donors)
    out: FloatArray = Zt[:, 1 : 1 + k, :].transpose(0, 2, 1)
    return out


def impute_frame(
    df: pd.DataFrame,
    *,
    m: int = 20,
    method: str = "pmm",
    seed: int | None = None,
    maxit: int = 5,
    donors: int = 5,
    exclude: Sequence[str] | None = None,
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    derived_names: Sequence[str] = (),
) -> ImputedData:
    """The engine of :func:`learning_direction.impute` (see there for the parameters).

    ``derive`` maps a completed dataset to extra columns appended to it (the scale scores);
    ``derived_names`` name the scales it scores, for the result's ``scales``.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataValidationError(
            f"impute(): df must be a pandas DataFrame, not {type(df).__name__}"
        )
    if len(df) == 0:
        raise DataValidationError("impute(): the data have no rows")
    if df.columns.duplicated().any():
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataValidationError(f"impute(): column name(s) {dup} occur twice; rename them")
    method = choice(method, "method", ["pmm", "norm"], error=DataValidationError)
    m = _check_count(m, "m", 2)
    maxit = _check_count(maxit, "maxit", 1)
    donors = _check_count(donors, "donors", 1)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    elif isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise DataValidationError(
            f"impute(): seed must be a whole number >= 0 or None; got {seed!r}"
        )
    layout = _layout(df, list(exclude or []))
    if not layout.numeric:
        raise ModelError("impute(): the data have no numeric column to impute or to predict from")
    Y = df[layout.numeric].to_numpy(dtype=np.float64, na_value=np.nan)
    miss = np.isnan(Y)
    targets = [j for j in range(Y.shape[1]) if miss[:, j].any()]
    D = layout.dummies.to_numpy(dtype=np.float64)
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    with single_blas_thread():  # small batched products: threads only synchronise
        filled_all = _chains(Y, miss, D, targets, rng, m, maxit, donors, method)
    completed: list[pd.DataFrame] = []
    for filled in filled_all:
        out = df.copy()
        for j in targets:
            col = layout.numeric[j]
            values = pd.Series(filled[:, j], index=df.index)
            # norm imputes unrounded real values: an integer or boolean column becomes float
            out[col] = values if method == "norm" else values.astype(df[col].dtype)
        if derive is not None:
            extra = derive(out)
            clash = [c for c in extra.columns if c in out.columns]
            if clash:
                raise DataValidationError(
                    f"impute(): the scale score column(s) {clash} are also columns of the "
                    "data; pass the items only (the scores are computed in every imputation)"
                )
            out = out.join(extra)
        completed.append(out)
    roles = dict(layout.roles)
    for col in completed[0].columns:
        roles.setdefault(col, "scored")
    return ImputedData(
        table=_diagnostics(df, roles, method),
        m=m,
        seed=int(seed),
        method=method,
        maxit=maxit,
        donors=donors,
        n=len(df),
        scales=tuple(derived_names),
        data=df,
        imputations=tuple(completed),
        missing=pd.DataFrame(
            df.isna().to_numpy() & np.array([roles[c] == "imputed" for c in df.columns]),
            index=df.index,
            columns=df.columns,
        ),
        notes=tuple(_notes(layout, m, maxit, donors, derived_names, method)),
    )


def _diagnostics(df: pd.DataFrame, roles: dict[str, str], method: str) -> pd.DataFrame:
    n = len(df)
    rows = []
    for col, role in roles.items():
        n_mis = int(df[col].isna().sum()) if col in df.columns else 0
        rows.append(
            {
                "column": str(col),
                "role": role,
                "n_missing": n_mis,
                "pct_missing": 100.0 * n_mis / n,
                "method": method if role == "imputed" else "",
            }
        )
    return pd.DataFrame(rows)


def _notes(
    layout: _Layout,
    m: int,
    maxit: int,
    donors: int,
    scales: Sequence[str],
    method: str = "pmm",
) -> list[str]:
    imputed = [c for c, r in layout.roles.items() if r == "imputed"]
    how = (
        f"Bayesian linear regression ({maxit} iterations; as mice::mice(method = 'norm')); "
        "imputed values are not rounded and may fall outside the observed range (Likert items: "
        "use method='pmm')"
        if method == "norm"
        else f"predictive mean matching ({maxit} iterations, {donors} donors; as "
        "mice::mice(method = 'pmm'))"
    )
    notes = [
        f"{len(imputed)} column(s) imputed {m} times by chained equations with {how}; every "
        "numeric column predicts every other; no row is dropped",
        *layout.notes,
    ]
    excluded = [c for c, r in layout.roles.items() if r == "excluded"]
    if excluded:
        notes.append(f"carried along unchanged, not used as predictors: {excluded}")
    if scales:
        notes.append(
            f"scale scores ({', '.join(scales)}) computed from the items inside every imputation"
        )
    return notes
