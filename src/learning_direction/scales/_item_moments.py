"""Row-blocked sums of a scale's item answers: everything reliability statistics need, one pass.

:func:`accumulate` reads each item column once, in blocks of rows small enough to stay in the
CPU cache, and adds per block every sum that pairwise-complete covariances and correlations,
item descriptives and item-total correlations are built from. Per block and group of items
(a subscale) that is one ``syrk`` product of ``[x | m | t]`` (answers, answered-indicators and
row means) and one product ``m' [x^2 | t^2]``; nothing of the size of the data is allocated.
Answers are shifted by a centre (the middle of the response range) and reverse-keyed items
negated on the way in: ``min + max - x - centre = -(x - centre)`` when the centre is the
midpoint, so reversal costs nothing, and centred sums do not cancel (one-pass formulas on
integer answers are then exact sums).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ItemMoments", "accumulate"]

#: rows per block: a block's buffers (about 45 doubles a row for 10 items) stay in L2 cache
BLOCK_ROWS = 4096


@dataclass(frozen=True)
class ItemMoments:
    """Sums over the rows of one group of ``k`` items (answers signed and centred, 0 where
    missing; ``m`` the answered-indicator, ``t`` each row's mean of its answered items).

    ``n[i, j]`` rows answering both i and j; ``sx[i, j]`` sum of x_i over rows answering j;
    ``sxx[i, j]`` the same for x_i^2; ``sxy = x'x``; ``sx_t`` sum of x_i t; ``s_t`` and
    ``s_tt`` sums of t and t^2 over rows answering i.
    """

    centre: float
    n: np.ndarray
    sx: np.ndarray
    sxx: np.ndarray
    sxy: np.ndarray
    sx_t: np.ndarray
    s_t: np.ndarray
    s_tt: np.ndarray
    n_complete: int  # rows answering every item of the group
    n_any: int  # rows answering at least one
    lo: np.ndarray  # column minima of the raw answers (missing counted as the centre)
    hi: np.ndarray  # column maxima, the same
    sd: np.ndarray  # item SDs (ddof = 1; NaN below two answers)

    @property
    def count(self) -> np.ndarray:
        """Answers per item."""
        return np.diag(self.n).astype(np.int64)

    @property
    def mean(self) -> np.ndarray:
        """Item means of the (signed) answers, on the answer scale: ``centre + sum/count``."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.centre + np.diag(self.sx) / np.diag(self.n)

    def pairwise(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R's ``cov(x, use = "pairwise")``, ``cor(x, use = "pairwise")`` and the pair counts
        (each pair uses the rows where both items are answered, with that pair's own means and
        standard deviations)."""
        n, sx = self.n, self.sx
        with np.errstate(invalid="ignore", divide="ignore"):
            cross = self.sxy - sx * sx.T / n
            cov = cross / (n - 1)
            var_i = self.sxx - sx * sx / n
            cor = cross / np.sqrt(var_i * var_i.T)
        np.fill_diagonal(cor, 1.0)
        return cov, cor, n

    def raw_r(self) -> np.ndarray:
        """Pairwise correlation of each item with the mean of each row's answered items
        (psych's ``raw.r``): item i's uses the rows that answered it."""
        n = np.diag(self.n)
        sa, sb = np.diag(self.sx), self.s_t
        cov = self.sx_t - sa * sb / n
        var_a = np.diag(self.sxy) - sa * sa / n
        var_b = self.s_tt - sb * sb / n
        denom = np.sqrt(np.clip(var_a, 0.0, None) * np.clip(var_b, 0.0, None))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denom > 0, cov / np.where(denom > 0, denom, 1.0), np.nan)


def accumulate(
    columns: Sequence[np.ndarray],
    groups: Sequence[Sequence[int]],
    signs: np.ndarray,
    centre: float,
    block: int = BLOCK_ROWS,
) -> tuple[list[ItemMoments], int]:
    """The :class:`ItemMoments` of each group of columns, and the rows answering any of them.

    ``columns`` are 1-D float arrays of equal length (NaN = missing; views of a DataFrame's
    columns are fine, they are only read); ``groups`` lists positions in ``columns`` (a column
    may not occur twice in a group); ``signs`` is +1 or -1 per column (-1: reverse keyed, with
    ``centre`` the midpoint of the response range).
    """
    n_rows = len(columns[0]) if columns else 0
    kmax = max((len(g) for g in groups), default=0)
    block = max(1, min(block, n_rows))
    # one set of buffers, reused by every group and block (F-order: columns contiguous)
    w_buf = np.empty((block, 2 * kmax + 1), order="F")
    s_buf = np.empty((block, kmax + 1), order="F")
    nan_buf = np.empty((block, kmax), dtype=bool, order="F")
    bufs = (w_buf, s_buf, nan_buf)
    accs = [_Acc(len(g), signs[list(g)]) for g in groups]
    any_rows = 0
    # answers outside the response range (inf, 1e300) may overflow here; the caller refuses
    # them from the column minima and maxima, after the pass
    with np.errstate(all="ignore"):
        for r0 in range(0, n_rows, block):
            any_rows += _add_block(
                columns, groups, accs, signs, centre, r0, min(n_rows, r0 + block), bufs
            )
        out = [
            acc.moments(centre, [columns[c] for c in g])
            for g, acc in zip(groups, accs, strict=True)
        ]
    return out, any_rows


def _add_block(
    columns: Sequence[np.ndarray],
    groups: Sequence[Sequence[int]],
    accs: list[_Acc],
    signs: np.ndarray,
    centre: float,
    r0: int,
    r1: int,
    bufs: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> int:
    """Add rows ``r0:r1`` to every group's sums; the number of those rows answering any item."""
    w_buf, s_buf, nan_buf = bufs
    b = r1 - r0
    row_answers = np.zeros(b)
    for g, acc in zip(groups, accs, strict=True):
        k = len(g)
        w, s, nan = w_buf[:b, : 2 * k + 1], s_buf[:b, : k + 1], nan_buf[:b, :k]
        x, m, t = w[:, :k], w[:, k : 2 * k], w[:, 2 * k]
        for j, c in enumerate(g):
            x[:, j] = columns[c][r0:r1]
        np.isnan(x, out=nan)
        # missing -> the centre: in range for the range check, 0 once centred; no
        # arithmetic on NaN (several times slower than on numbers)
        np.copyto(x, centre, where=nan)
        np.minimum(acc.lo, x.min(axis=0), out=acc.lo)
        np.maximum(acc.hi, x.max(axis=0), out=acc.hi)
        np.subtract(x, centre, out=x)
        np.multiply(x, acc.signs, out=x)
        np.logical_not(nan, out=m, casting="unsafe")
        per_row = m.sum(axis=1)
        np.divide(x.sum(axis=1), np.maximum(per_row, 1.0), out=t)
        np.square(x, out=s[:, :k])
        np.square(t, out=s[:, k])
        acc.g += w.T @ w  # syrk: x'x, x'm, m'm, x't, m't
        acc.h += m.T @ s  # m'x^2, m't^2
        acc.n_complete += int(np.count_nonzero(per_row == k))
        acc.n_any += int(np.count_nonzero(per_row))
        row_answers += per_row
    return int(np.count_nonzero(row_answers))


class _Acc:
    """Running sums of one group."""

    def __init__(self, k: int, signs: np.ndarray) -> None:
        self.k = k
        self.signs = signs
        self.g = np.zeros((2 * k + 1, 2 * k + 1))
        self.h = np.zeros((k, k + 1))
        self.lo = np.full(k, np.inf)
        self.hi = np.full(k, -np.inf)
        self.n_complete = 0
        self.n_any = 0

    def moments(self, centre: float, cols: list[np.ndarray]) -> ItemMoments:
        k, g, h = self.k, self.g, self.h
        n = g[k : 2 * k, k : 2 * k].copy()
        sx = g[:k, k : 2 * k].copy()
        sxy = g[:k, :k].copy()
        count, s1, s2 = np.diag(n), np.diag(sx), np.diag(sxy)
        dof = count - 1
        with np.errstate(invalid="ignore", divide="ignore"):
            css = s2 - s1 * s1 / count  # centred sum of squares
            sd = np.where(
                dof > 0, np.sqrt(np.clip(css, 0.0, None) / np.where(dof > 0, dof, 1)), np.nan
            )
            # a (near-)constant item: the one-pass sum of squares has lost its digits to
            # cancellation, so it is summed again about the item's mean (exactly 0 when every
            # answer is the same)
            suspect = (dof > 0) & ~(css > 1e-8 * s2)
        for j in np.flatnonzero(suspect):
            v = (cols[j][~np.isnan(cols[j])] - centre) * self.signs[j]
            same = v.min() == v.max()  # the mean of equal numbers can be off by an ulp
            sd[j] = 0.0 if same else np.sqrt(np.sum((v - v.mean()) ** 2) / dof[j])
        empty = count == 0
        lo, hi = self.lo.copy(), self.hi.copy()
        lo[empty], hi[empty] = np.nan, np.nan
        return ItemMoments(
            centre=centre,
            n=n,
            sx=sx,
            sxx=h[:, :k].T.copy(),
            sxy=sxy,
            sx_t=g[:k, 2 * k].copy(),
            s_t=g[k : 2 * k, 2 * k].copy(),
            s_tt=h[:, k].copy(),
            n_complete=self.n_complete,
            n_any=self.n_any,
            lo=lo,
            hi=hi,
            sd=sd,
        )
