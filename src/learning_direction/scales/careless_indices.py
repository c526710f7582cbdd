"""Per-respondent careless-responding indices on a numeric item matrix (NaN = missing).

The numerics behind :func:`learning_direction.careless_responding`, one function per index, each
taking a ``(respondents, items)`` float array and returning one value per row. They follow the
definitions of R's ``careless`` package (Yentes & Wilhelm) where it has the index, and say where
they differ. None of them recodes anything: pass raw answers to :func:`longstring`, :func:`irv`,
:func:`mahad` and :func:`midpoint_share`, and answers with the reverse-keyed items recoded to
:func:`evenodd`, :func:`psychsyn` and :func:`person_total` (see
:func:`learning_direction.careless_responding` for why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "MahadResult",
    "evenodd",
    "irv",
    "longstring",
    "mahad",
    "midpoint_share",
    "pairwise_cor",
    "pairwise_cov",
    "person_total",
    "psychsyn",
    "row_correlation",
    "synonym_pairs",
]


def longstring(values: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive answers in each row (vectorised).

    Missing answers break a run (as R's ``careless::longstring`` via ``rle``); a row with no
    answers gets NaN (``careless`` gives 1: ``rle`` counts every NA as a run of its own).
    """
    X = np.asarray(values, dtype=float)
    n, k = X.shape
    if k == 0:
        return np.full(n, np.nan)
    same = X[:, 1:] == X[:, :-1]  # NaN compares unequal
    c = np.cumsum(same, axis=1)
    # value of the cumulative count at the last break, carried forward
    at_break = np.where(~same, c, 0)
    base = np.maximum.accumulate(at_break, axis=1) if k > 1 else at_break
    run = (c - base).max(axis=1) + 1 if k > 1 else np.ones(n)
    out = run.astype(float)
    out[~(~np.isnan(X)).any(axis=1)] = np.nan
    return out


def irv(values: np.ndarray) -> np.ndarray:
    """Intra-individual response variability: SD (n - 1) of each row's answered items.

    NaN for rows with fewer than two answers (as ``careless::irv``, which uses R's ``sd``).
    """
    X = np.asarray(values, dtype=float)
    a = (~np.isnan(X)).sum(axis=1)
    out = np.full(X.shape[0], np.nan)
    ok = a >= 2
    if ok.any():
        out[ok] = np.nanstd(X[ok], axis=1, ddof=1)
    return out


def _pairwise_parts(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pair counts, sums, cross-products and squares over the rows where both items are answered.

    The columns are centred at their available-case means first (the covariance does not
    change; the sums lose less precision).
    """
    M = (~np.isnan(X)).astype(float)
    with np.errstate(invalid="ignore"):
        centre = np.nansum(X, axis=0) / np.maximum(M.sum(axis=0), 1)
    Z = np.where(M > 0, X - centre, 0.0)
    N = M.T @ M
    A = Z.T @ M  # A[j, l]: sum of item j over the rows that answered j and l
    return N, A, Z.T @ Z, (Z * Z).T @ M


def pairwise_cov(values: np.ndarray) -> np.ndarray:
    """Covariance matrix from pairwise-complete rows (R ``cov(x, use = "pairwise")``).

    Each entry uses the rows that answered both items, with those rows' own means; NaN where
    fewer than two rows answered both.
    """
    N, A, C, _ = _pairwise_parts(np.asarray(values, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        S = (C - A * A.T / N) / (N - 1)
    S[N < 2] = np.nan
    return S


def pairwise_cor(values: np.ndarray) -> np.ndarray:
    """Correlation matrix from pairwise-complete rows (R ``cor(x, use = "pairwise")``).

    Means and SDs of both items come from the rows that answered both; NaN where an item has
    no variance in those rows or fewer than two rows answered both.
    """
    N, A, C, Q = _pairwise_parts(np.asarray(values, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (C - A * A.T / N) / (N - 1)
        var_j = (Q - A * A / N) / (N - 1)  # item j's variance over the rows that answered j, l
        r = cov / np.sqrt(var_j * var_j.T)
    r[(N < 2) | ~(var_j > 0) | ~(var_j.T > 0)] = np.nan
    return r


def row_correlation(a: np.ndarray, b: np.ndarray, min_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of ``a[i]`` with ``b[i]`` over the columns where both are present.

    Returns the correlations (NaN when fewer than ``min_n`` columns are usable or either vector
    has no variance over them) and the number of usable columns per row.
    """
    ok = ~(np.isnan(a) | np.isnan(b))
    count = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = np.where(ok, a, 0.0).sum(axis=1) / count
        mb = np.where(ok, b, 0.0).sum(axis=1) / count
        da = np.where(ok, a - ma[:, None], 0.0)
        db = np.where(ok, b - mb[:, None], 0.0)
        saa, sbb = (da * da).sum(axis=1), (db * db).sum(axis=1)
        r = (da * db).sum(axis=1) / np.sqrt(saa * sbb)
    # relative zero-variance test: a constant vector leaves rounding residue of order 1e-30
    flat = (saa <= 1e-24 * np.maximum(1.0, (np.where(ok, a, 0.0) ** 2).sum(axis=1))) | (
        sbb <= 1e-24 * np.maximum(1.0, (np.where(ok, b, 0.0) ** 2).sum(axis=1))
    )
    r[(count < min_n) | flat] = np.nan
    return r, count


@dataclass(frozen=True)
class MahadResult:
    """Squared Mahalanobis distances of each row's answered items (see :func:`mahad`)."""

    d2: np.ndarray  # NaN when nothing was answered or the sub-covariance is singular
    df: np.ndarray  # items answered (the chi-square df of the p value)
    p: np.ndarray  # upper-tail chi-square(df) probability of d2
    singular: np.ndarray  # rows whose answered items have a singular covariance block


def mahad(values: np.ndarray) -> MahadResult:
    """Squared Mahalanobis distance D² of each row from the item means, over its answered items.

    With :math:`o` the items row *i* answered, :math:`D^2_i = (x_{io} - \\bar x_o)^\\top
    S_{oo}^{-1} (x_{io} - \\bar x_o)`, where :math:`\\bar x` are the available-case item means
    and :math:`S` the pairwise-complete covariance matrix (as ``psych::outlier``, on which
    ``careless::mahad`` is built). Under multivariate normality :math:`D^2_i` is
    :math:`\\chi^2` with :math:`|o|` df, so ``p`` is computed from the row's own number of
    answers. For complete rows this equals ``careless::mahad``. For incomplete rows
    ``careless::mahad`` instead sums :math:`x_{ij} (S^{-1})_{jl} x_{il}` over the answered
    :math:`j, l` — the answered block of the *full* inverse, which is not the distance of the
    observed items — and flags every row against :math:`\\chi^2` with all :math:`k` df.
    """
    X = np.asarray(values, dtype=float)
    n, k = X.shape
    mask = ~np.isnan(X)
    answered = mask.sum(axis=1)
    d2 = np.full(n, np.nan)
    singular = np.zeros(n, dtype=bool)
    if n and k:
        S = pairwise_cov(X)
        with np.errstate(invalid="ignore"):
            centre = np.nansum(X, axis=0) / np.maximum(mask.sum(axis=0), 1)
        Z = X - centre
        patterns, inverse = np.unique(mask, axis=0, return_inverse=True)
        for p_idx, pattern in enumerate(patterns):
            rows = np.flatnonzero(inverse.ravel() == p_idx)
            if not pattern.any():
                continue
            block = S[np.ix_(pattern, pattern)]
            v = Z[np.ix_(rows, pattern)]
            try:
                if not np.isfinite(block).all():
                    raise np.linalg.LinAlgError
                chol = np.linalg.cholesky(block)
                scale = np.sqrt(np.diag(block))
                if np.min(np.abs(np.diag(chol)) / scale) < 1e-7:
                    raise np.linalg.LinAlgError
            except np.linalg.LinAlgError:
                singular[rows] = True
                continue
            w = np.linalg.solve(chol, v.T)
            d2[rows] = (w * w).sum(axis=0)
    with np.errstate(invalid="ignore"):
        p = np.where(np.isnan(d2), np.nan, stats.chi2.sf(d2, np.maximum(answered, 1)))
    return MahadResult(d2=d2, df=answered.astype(int), p=p, singular=singular)


def evenodd(
    recoded: np.ndarray, factors: Sequence[Sequence[int]], min_factors: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Even-odd consistency: Spearman–Brown corrected within-person split-half correlation.

    For every factor (subscale, items in codebook order given as column positions) the mean of
    the odd-positioned items (1st, 3rd, ...) and of the even-positioned items (2nd, 4th, ...)
    are taken over the answered ones; the row's two vectors of half-scores are correlated
    across the factors where both halves exist, and :math:`r` is stepped up to
    :math:`2r / (1 + r)` (set to -1 below -1, as ``careless::evenodd``). NaN when fewer than
    ``min_factors`` factors have both halves or a half-score vector is constant.

    Returns the coefficient (high = consistent; ``careless`` >= 1.2.0 returns its negative) and
    the number of usable factors per row.
    """
    X = np.asarray(recoded, dtype=float)
    n = X.shape[0]
    halves = np.full((2, n, len(factors)), np.nan)
    for f, cols in enumerate(factors):
        cols = list(cols)
        for h, part in enumerate((cols[0::2], cols[1::2])):
            if part:
                block = X[:, part]
                got = (~np.isnan(block)).sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    halves[h, :, f] = np.where(got > 0, np.nansum(block, axis=1) / got, np.nan)
    r, count = row_correlation(halves[0], halves[1], max(min_factors, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        sb = 2 * r / (1 + r)
    sb = np.where(np.isnan(r), np.nan, np.maximum(sb, -1.0))
    return sb, count


def synonym_pairs(recoded: np.ndarray, critval: float) -> list[tuple[int, int]]:
    """Item pairs ``(later, earlier)`` whose pairwise correlation exceeds ``critval`` (strictly)."""
    r = pairwise_cor(np.asarray(recoded, dtype=float))
    k = r.shape[0]
    return [(b, a) for a in range(k) for b in range(a + 1, k) if r[b, a] > critval]


def psychsyn(
    recoded: np.ndarray, pairs: Sequence[tuple[int, int]], min_pairs: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Psychometric synonyms: each row's correlation across the given item pairs.

    The first item of every pair gives one vector, the second the other; pairs the row did not
    answer in full are skipped. NaN when fewer than ``min_pairs`` pairs are usable (``careless``:
    "more than 2") or a vector is constant (``careless`` then, by default, swaps items within
    pairs at random up to ten times; this function stays deterministic).

    Returns the correlations and the number of usable pairs per row.
    """
    X = np.asarray(recoded, dtype=float)
    if not len(pairs):
        return np.full(X.shape[0], np.nan), np.zeros(X.shape[0], dtype=int)
    first = [a for a, _ in pairs]
    second = [b for _, b in pairs]
    return row_correlation(X[:, first], X[:, second], max(min_pairs, 2))


def person_total(recoded: np.ndarray, min_items: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Person-total correlation (Curran, 2016): answers vs the item means of everyone else.

    For row *i* and each item it answered, the item's mean over the *other* rows that answered
    it; the row's answers are correlated with these means. NaN when fewer than ``min_items``
    items are usable (answered by the row and by at least one other row) or the row's answers
    are constant. Returns the correlations and the number of usable items per row.
    """
    X = np.asarray(recoded, dtype=float)
    mask = ~np.isnan(X)
    total = np.nansum(X, axis=0)
    count = mask.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        others = (total - X) / (count - 1)
    others[~mask | (count < 2)] = np.nan
    return row_correlation(X, others, max(min_items, 2))


def midpoint_share(values: np.ndarray, midpoints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of each row's answered items (with a midpoint) that were answered at the midpoint.

    ``midpoints`` gives each column's scale midpoint, NaN for items on a scale with an even
    number of response options (no midpoint; they are not counted). Returns the shares (NaN
    when the row answered no item that has a midpoint) and the number of items counted.
    """
    X = np.asarray(values, dtype=float)
    mids = np.asarray(midpoints, dtype=float)
    eligible = ~np.isnan(X) & ~np.isnan(mids)[None, :]
    counted = eligible.sum(axis=1)
    at_mid = (eligible & np.isclose(X, mids[None, :])).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(counted > 0, at_mid / counted, np.nan)
    return share, counted
