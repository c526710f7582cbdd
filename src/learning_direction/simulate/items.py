"""Simulate item-level survey answers from latent scores (a graded-response style generator).

:func:`simulate_latent` draws correlated standardized latent scores; :func:`simulate_items`
turns them into Likert answers for any bundled or user-defined scale, with realistic
agree-side skew, reverse-keyed items, answers missing completely at random and a share of
straight-lining respondents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import DataValidationError, ScaleDefinitionError
from ..scales.codebook import Scale, resolve_scales

__all__ = ["category_probabilities", "simulate_items", "simulate_latent"]

# Shape of the marginal answer distribution: category probabilities follow a Beta(3, 2)
# density evaluated at the category midpoints (mean at 60% of the range: answers lean towards
# "agree", as in most organisational surveys).
_SKEW_A, _SKEW_B = 3.0, 2.0
# Item intercepts vary around 0 with this SD (items differ a little in how easy they are to endorse).
_INTERCEPT_SD = 0.15


def category_probabilities(n_categories: int, a: float = _SKEW_A, b: float = _SKEW_B) -> np.ndarray:
    """Target marginal probabilities of the answer categories (Beta(a, b) shape, agree-skewed).

    Parameters
    ----------
    n_categories : int
        Number of answer options (e.g. 7 for a 1–7 scale).
    a, b : float
        Beta shape parameters; ``a > b`` shifts answers towards the top of the range.

    Returns
    -------
    ndarray of shape (n_categories,), summing to 1.
    """
    if n_categories < 2:
        raise DataValidationError(
            f"a response scale needs at least 2 categories, got {n_categories}"
        )
    mid = (np.arange(n_categories) + 0.5) / n_categories
    p: np.ndarray = stats.beta.pdf(mid, a, b)
    shares: np.ndarray = p / p.sum()
    return shares


def _thresholds(n_categories: int) -> np.ndarray:
    cum = np.cumsum(category_probabilities(n_categories))[:-1]
    thresholds: np.ndarray = stats.norm.ppf(cum)
    return thresholds


def simulate_latent(
    n: int,
    names: Sequence[str],
    corr: float | np.ndarray | pd.DataFrame | None = None,
    means: Mapping[str, float] | Sequence[float] | None = None,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Draw ``n`` rows of multivariate-normal latent scores with unit variances.

    Parameters
    ----------
    n : int
        Number of respondents.
    names : sequence of str
        Column names (one per latent variable, e.g. subscale names).
    corr : float, array or DataFrame, optional
        Correlation between the latent variables: a single number (every pair) or a full
        correlation matrix (a DataFrame is reordered to ``names``). Default: uncorrelated.
    means : dict or sequence, optional
        Latent means (default 0).
    seed : int or Generator, optional
        Same seed -> identical output.

    Returns
    -------
    DataFrame
        ``n`` rows, columns ``names``, RangeIndex.

    Examples
    --------
    >>> from learning_direction.simulate.items import simulate_latent
    >>> lat = simulate_latent(5, ["upward", "downward"], corr=0.3, seed=1)
    >>> lat.shape
    (5, 2)
    """
    names = list(names)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise DataValidationError(f"n must be a non-negative integer, got {n!r}")
    if not names or len(set(names)) != len(names):
        raise DataValidationError(f"names must be a non-empty list of unique names, got {names!r}")
    p = len(names)
    if corr is None:
        R = np.eye(p)
    elif np.isscalar(corr):
        R = np.full((p, p), float(cast(float, corr)))  # np.isscalar does not narrow the type
        np.fill_diagonal(R, 1.0)
    else:
        if isinstance(corr, pd.DataFrame):
            missing = [c for c in names if c not in corr.columns or c not in corr.index]
            if missing:
                raise DataValidationError(f"corr has no row/column for {missing}")
            corr = corr.loc[names, names].to_numpy()
        R = np.asarray(corr, dtype=float)
        if R.shape != (p, p):
            raise DataValidationError(f"corr must be {p} x {p} (one row per name), got {R.shape}")
    if not np.allclose(R, R.T) or not np.allclose(np.diag(R), 1.0):
        raise DataValidationError(
            "corr must be a symmetric correlation matrix with 1 on the diagonal"
        )
    eig = np.linalg.eigvalsh(R)
    if eig.min() <= 1e-10:
        raise DataValidationError(
            f"corr is not positive definite (smallest eigenvalue {eig.min():.3g}); "
            "lower the correlations"
        )
    if means is None:
        mu = np.zeros(p)
    elif isinstance(means, Mapping):
        mu = np.array([float(means.get(k, 0.0)) for k in names])
    else:
        mu = np.asarray(means, dtype=float)
        if mu.shape != (p,):
            raise DataValidationError(f"means must have {p} values, got {mu.shape}")
    rng = np.random.default_rng(seed)
    L = np.linalg.cholesky(R)
    z = rng.standard_normal((n, p)) @ L.T + mu
    return pd.DataFrame(z, columns=names)


def _loading_for(loading: float | Mapping[str, float], name: str) -> float:
    lam = loading.get(name, 0.75) if isinstance(loading, Mapping) else loading
    if isinstance(lam, bool) or not isinstance(lam, int | float) or not 0 <= lam <= 1:
        raise DataValidationError(f"loading for '{name}' must be a number in [0, 1], got {lam!r}")
    return float(lam)


def _rate(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise DataValidationError(f"{what} must be a share in [0, 1), got {value!r}")
    return float(value)


def simulate_items(
    scales: Any,
    latent: pd.DataFrame,
    *,
    loading: float | Mapping[str, float] = 0.75,
    missing_rate: float = 0.03,
    careless_rate: float = 0.02,
    careless_kinds: Sequence[str] = ("straightline",),
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Simulate Likert answers to every item of ``scales`` from standardized latent scores.

    Parameters
    ----------
    scales : str, path, dict, Scale or list of these
        The instruments (bundled names such as ``"learning_direction"``, or definitions).
    latent : DataFrame
        One standardized latent score column per subscale name (for a one-dimensional scale,
        the scale name). Extra columns are ignored; the output keeps this index.
    loading : float or dict, default 0.75
        Standardized loading of every item on its latent variable, or ``{subscale: loading}``
        (subscales not in the dict use 0.75).
    missing_rate : float, default 0.03
        Share of answers set to missing completely at random (independently per cell).
    careless_rate : float, default 0.02
        Share of respondents (``round(careless_rate * n)`` rows, chosen at random) who
        straight-line: the same answer to every item (the same relative position of the range
        when scales have different ranges). Their row labels are in
        ``result.attrs["careless_rows"]``.
    careless_kinds : sequence of {"straightline", "random", "midpoint"}, default ("straightline",)
        What the careless respondents do, assigned in turn to the careless rows (in random
        order): ``"straightline"`` gives the same answer to every item; ``"random"`` answers
        every item uniformly at random over the response range; ``"midpoint"`` answers the
        midpoint of the range (rounded down) with probability .8 and a neighbouring category
        otherwise. The kind of each row is in ``result.attrs["careless_kinds"]``
        (``{row label: kind}``).
    seed : int or Generator, optional
        Same seed -> identical output.

    Returns
    -------
    DataFrame
        Index of ``latent``; one column per item (codebook order); integer-valued floats with
        NaN for missing answers. Reverse-keyed items are stored as answered (already reversed).

    Raises
    ------
    DataValidationError
        A subscale with no latent column, rates or loadings out of range, a non-integer response
        range.

    Notes
    -----
    For item :math:`j` of subscale :math:`s` with loading :math:`\\lambda` the continuous response
    is :math:`y^* = \\lambda\\,\\eta_s + \\sqrt{1-\\lambda^2}\\,\\varepsilon + b_j` with
    :math:`\\varepsilon \\sim N(0, 1)` and item intercept :math:`b_j \\sim N(0, 0.15^2)`. It is cut
    into the :math:`K` answer categories at thresholds :math:`\\tau_c = \\Phi^{-1}(P_c)`, where
    :math:`P_c` are cumulative target probabilities of a Beta(3, 2) shape (answers lean towards
    agreement; see :func:`category_probabilities`). Reverse-keyed items are then recoded as
    ``min + max - x``, so their raw answers correlate negatively with the latent score.
    With ``loading = 0.75`` four items give Cronbach's alpha of about .75–.80.
    The draws are made in a fixed order from one generator, so the same seed gives identical
    output.

    References
    ----------
    Samejima, F. (1969). Estimation of latent ability using a response pattern of graded scores.
    Psychometrika Monograph Supplement, 17. Curran, P. G. (2016). Methods for the detection of
    carelessly invalid responses in survey data. Journal of Experimental Social Psychology, 66, 4-19.

    Examples
    --------
    >>> from learning_direction.simulate.items import simulate_items, simulate_latent
    >>> lat = simulate_latent(300, ["upward", "lateral", "downward"], corr=0.2, seed=7)
    >>> items = simulate_items("learning_direction", lat, seed=7)
    >>> items.shape
    (300, 12)

    In R, comparable data come from ``lavaan::simulateData`` followed by ``cut()`` at the
    thresholds, or ``psych::sim.poly``.
    """
    scale_list: list[Scale] = resolve_scales(scales)
    if not isinstance(latent, pd.DataFrame):
        raise DataValidationError(
            f"latent must be a DataFrame of latent scores, got {type(latent).__name__}; "
            "make one with simulate_latent(n, names)"
        )
    needed = [sub.name for s in scale_list for sub in s.subscales]
    missing = [c for c in needed if c not in latent.columns]
    if missing:
        raise DataValidationError(
            f"latent has no column for subscale(s) {missing}; add one standardized latent score "
            f"column per subscale (columns present: {list(latent.columns)[:20]})"
        )
    for c in needed:
        if latent[c].isna().any():
            raise DataValidationError(
                f"latent column '{c}' has missing values; latent scores must be complete"
            )
    missing_rate = _rate(missing_rate, "missing_rate")
    careless_rate = _rate(careless_rate, "careless_rate")
    kinds = _careless_kinds(careless_kinds)
    for s in scale_list:
        if not (float(s.response_min).is_integer() and float(s.response_max).is_integer()):
            raise ScaleDefinitionError(
                f"scale '{s.name}': simulate_items needs an integer response range, got "
                f"{s.response_min:g}–{s.response_max:g}"
            )

    rng = np.random.default_rng(seed)
    n = len(latent)
    out: dict[str, np.ndarray] = {}
    blocks: list[tuple[Scale, list[str]]] = []
    for s in scale_list:
        lo, hi = int(s.response_min), int(s.response_max)
        tau = _thresholds(hi - lo + 1)
        ids = []
        for sub in s.subscales:
            lam = _loading_for(loading, sub.name)
            eta = latent[sub.name].to_numpy(dtype=float)
            k = len(sub.items)
            b = rng.normal(0.0, _INTERCEPT_SD, size=k)
            eps = rng.standard_normal((n, k))
            ystar = lam * eta[:, None] + np.sqrt(1.0 - lam**2) * eps + b
            cat = np.searchsorted(tau, ystar.ravel()).reshape(n, k).astype(float) + lo
            for j, item in enumerate(sub.items):
                x = cat[:, j]
                out[item.id] = (lo + hi - x) if item.reverse else x
                ids.append(item.id)
        blocks.append((s, ids))

    careless_rows, row_kinds = _careless(out, blocks, n, careless_rate, kinds, rng)
    data = np.column_stack([out[i] for _, ids in blocks for i in ids]) if out else np.empty((n, 0))
    if missing_rate > 0:
        data[rng.uniform(size=data.shape) < missing_rate] = np.nan
    result = pd.DataFrame(data, index=latent.index, columns=[i for _, ids in blocks for i in ids])
    result.attrs["careless_rows"] = list(latent.index[careless_rows])
    result.attrs["careless_kinds"] = {
        latent.index[r]: k for r, k in zip(careless_rows, row_kinds, strict=True)
    }
    return result


CARELESS_KINDS = ("straightline", "random", "midpoint")


def _careless_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    out = tuple(kinds)
    bad = [k for k in out if k not in CARELESS_KINDS]
    if not out or bad:
        raise DataValidationError(
            f"careless_kinds must be a non-empty list of {list(CARELESS_KINDS)}, got {list(out)!r}"
        )
    return out


def _careless(
    out: dict[str, np.ndarray],
    blocks: list[tuple[Scale, list[str]]],
    n: int,
    rate: float,
    kinds: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[str]]:
    """Overwrite the answers of ``round(rate * n)`` random rows with careless patterns.

    With ``kinds == ("straightline",)`` the draws are those of earlier versions (the bundled
    datasets that use the default stay byte-identical).
    """
    n_careless = round(rate * n)
    if not n_careless:
        return np.array([], dtype=int), []
    rows = np.sort(rng.choice(n, size=n_careless, replace=False))
    if kinds == ("straightline",):
        row_kinds = ["straightline"] * n_careless
    else:
        row_kinds = [kinds[i % len(kinds)] for i in rng.permutation(n_careless)]
    position = rng.uniform(size=n_careless)
    kind_arr = np.array(row_kinds)
    for s, ids in blocks:
        lo, hi = int(s.response_min), int(s.response_max)
        value = lo + np.floor(position * (hi - lo + 1)).clip(0, hi - lo)
        mid = lo + (hi - lo) // 2
        for item_id in ids:
            col = out[item_id]
            straight = kind_arr == "straightline"
            col[rows[straight]] = value[straight]
            rand = kind_arr == "random"
            if rand.any():
                col[rows[rand]] = rng.integers(lo, hi + 1, size=int(rand.sum()))
            midp = kind_arr == "midpoint"
            if midp.any():
                k = int(midp.sum())
                step = np.where(rng.uniform(size=k) < 0.8, 0, rng.choice([-1, 1], size=k))
                col[rows[midp]] = np.clip(mid + step, lo, hi)
    return rows, row_kinds
