"""Input checks and the per-group sufficient statistics of a linear mixed model.

The engine never touches the rows again after this step: every deviance evaluation, gradient,
Hessian and Kenward-Roger term is computed from

* per inner group ``j`` (e.g. mentor): ``Z_j'Z_j``, ``Z_j'[X y]``,
* per outer group ``k`` (e.g. program, nested case only): ``W_k'W_k``, ``W_k'[X y]`` and, per
  inner group, ``Z_j'W_j`` (``W`` is the outer level's random-effects design),
* once: ``[X y]'[X y]``.

Rows are sorted by (outer, inner) group so that each inner group's rows, and each outer group's
inner groups, are contiguous; sums over them are ``np.add.reduceat`` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from ...exceptions import DataValidationError, ModelError
from ._small import FloatArray

IntArray = npt.NDArray[np.intp]

__all__ = ["LMMData", "OuterStats", "Term", "build_data"]


@dataclass(frozen=True)
class Term:
    """One random-effects term: a grouping factor and its q correlated (or independent) effects.

    ``positions`` lists the entries (row, column) of the term's lower-triangular relative
    covariance factor that hold parameters, in lme4's order of ``theta`` (column by column down
    the lower triangle; the diagonal only when ``diagonal``).
    """

    group: str
    columns: tuple[str, ...]
    diagonal: bool
    n_levels: int
    theta_offset: int
    u_offset: int

    @property
    def q(self) -> int:
        return len(self.columns)

    @property
    def positions(self) -> tuple[tuple[int, int], ...]:
        q = self.q
        if self.diagonal:
            return tuple((c, c) for c in range(q))
        return tuple((r, c) for c in range(q) for r in range(c, q))

    @property
    def n_theta(self) -> int:
        return len(self.positions)

    def theta_names(self) -> list[str]:
        """lme4's names: ``group.column`` on the diagonal, ``group.row.column`` below it."""
        cols = self.columns
        return [
            f"{self.group}.{cols[r]}" if r == c else f"{self.group}.{cols[r]}.{cols[c]}"
            for r, c in self.positions
        ]


@dataclass(frozen=True)
class OuterStats:
    """Sufficient statistics of the outer (upper) level of a two-level nested model."""

    ztw: FloatArray  # (J1, q1, q2): Z_j' W_j per inner group
    wtw: FloatArray  # (J2, q2, q2): W_k' W_k per outer group
    wtxy: FloatArray  # (J2, q2, m): W_k' [X y]
    inner_starts: IntArray  # (J2,): first inner group of each outer group
    outer_of: IntArray  # (J1,): the outer group of each inner group


@dataclass(frozen=True)
class LMMData:
    """The model's dimensions, its random-effects terms and its sufficient statistics."""

    n: int
    p: int
    fixed_names: tuple[str, ...]
    terms: tuple[Term, ...]
    ztz: FloatArray  # (J1, q1, q1)
    ztxy: FloatArray  # (J1, q1, m), m = p + 1
    xytxy: FloatArray  # (m, m)
    y_shift: FloatArray  # (p,): OLS coefficients taken out of y (see build_data)
    outer: OuterStats | None
    group_sizes: IntArray  # rows per inner group
    labels: tuple[object, ...] = ()  # label of each inner group (nested: "inner:outer")
    outer_labels: tuple[object, ...] = ()  # label of each outer group (nested)

    @property
    def n_theta(self) -> int:
        return sum(t.n_theta for t in self.terms)

    @property
    def n_u(self) -> int:
        """Size of the flattened space of all (term, row, column) covariance entries."""
        return sum(t.q * t.q for t in self.terms)

    def theta_lower(self) -> FloatArray:
        """Lower bounds of theta: 0 on the diagonal of a factor, -inf below it."""
        out = [0.0 if r == c else -np.inf for t in self.terms for r, c in t.positions]
        return np.asarray(out, dtype=np.float64)

    def theta_names(self) -> list[str]:
        return [name for t in self.terms for name in t.theta_names()]


def _float_matrix(value: object, name: str, n: int | None) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataValidationError(
            f"{name} must be numeric; convert its columns to numbers (dummy-code categories) "
            f"before fitting ({exc})"
        ) from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataValidationError(f"{name} must be a 2-D array (rows x columns), got {arr.ndim}-D")
    if n is not None and arr.shape[0] != n:
        raise DataValidationError(
            f"{name} has {arr.shape[0]} rows but y has {n}; pass the rows of one data set"
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        rows, cols = np.nonzero(bad)
        raise DataValidationError(
            f"{name} has {len(rows)} missing or infinite value(s) (first at row {rows[0]}, "
            f"column {cols[0]}); drop or impute those rows before fitting"
        )
    return arr


def _codes(labels: object, name: str, n: int) -> tuple[IntArray, npt.NDArray[np.object_]]:
    arr = np.asarray(labels, dtype=object).ravel() if not isinstance(labels, pd.Series) else labels
    if len(arr) != n:
        raise DataValidationError(
            f"{name} has {len(arr)} labels but y has {n} rows; give one group label per row"
        )
    try:
        codes, uniques = pd.factorize(arr, sort=True, use_na_sentinel=True)
    except TypeError:  # labels of mixed types (1 and "1") cannot be sorted; order is irrelevant
        codes, uniques = pd.factorize(arr, sort=False, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.intp)
    if (codes < 0).any():
        raise DataValidationError(
            f"{name} has {int((codes < 0).sum())} missing label(s) (first at row "
            f"{int(np.flatnonzero(codes < 0)[0])}); drop those rows or give them a group"
        )
    return codes, np.asarray(uniques, dtype=object)


def _default_names(mat: FloatArray, prefix: str) -> tuple[str, ...]:
    names = []
    for i in range(mat.shape[1]):
        const = mat.shape[0] > 0 and bool(np.all(mat[:, i] == 1.0))
        names.append("(Intercept)" if const else f"{prefix}{i}")
    return tuple(names)


def _names(given: Sequence[str] | None, mat: FloatArray, what: str, prefix: str) -> tuple[str, ...]:
    if given is None:
        return _default_names(mat, prefix)
    names = tuple(str(s) for s in given)
    if len(names) != mat.shape[1]:
        raise DataValidationError(
            f"{what} has {len(names)} names for {mat.shape[1]} columns; give one name per column"
        )
    return names


def _check_rank(X: FloatArray, names: tuple[str, ...]) -> None:
    """Refuse a rank-deficient X, naming the columns that depend on earlier ones.

    As R's ``qr`` (which lme4 uses to find the columns it drops), a column is dependent when
    the part of it orthogonal to the earlier columns is below 1e-7 of its norm; lme4 drops such
    columns with a message, here the user decides which to drop.
    """
    if X.shape[1] == 0:
        return
    r = np.linalg.qr(X, mode="r")
    norms = np.linalg.norm(X, axis=0)
    resid = np.abs(np.diag(r))
    dependent = [names[j] for j in range(X.shape[1]) if resid[j] <= 1e-7 * norms[j]]
    if dependent:
        raise ModelError(
            f"the fixed-effects design is rank deficient: {', '.join(dependent)} "
            f"{'is a linear combination' if len(dependent) == 1 else 'are linear combinations'} "
            "of the earlier columns (or zero); drop or recode them"
        )


def _check_term(term: Term, n: int) -> None:
    """lme4's identifiability checks on a random-effects term (its defaults stop on these)."""
    if term.n_levels < 2:
        raise ModelError(
            f"grouping factor '{term.group}' has {term.n_levels} level; a random effect needs "
            "at least 2 groups (fit a fixed-effects model instead)"
        )
    if term.n_levels >= n:
        raise ModelError(
            f"grouping factor '{term.group}' has {term.n_levels} levels for {n} rows: every "
            "group has one row, so its variance cannot be told apart from the residual; "
            "use a coarser grouping or a fixed-effects model"
        )
    if term.n_levels * term.q >= n:
        raise ModelError(
            f"{n} rows for {term.n_levels * term.q} random effects in the term for "
            f"'{term.group}': the random-effects and residual variances are not identifiable; "
            "remove random slopes or use a coarser grouping"
        )


def _reduce(rows: FloatArray, starts: IntArray) -> FloatArray:
    return np.add.reduceat(rows, starts, axis=0) if rows.shape[0] else rows


def _starts(codes: IntArray) -> IntArray:
    """Indices where a run of equal (sorted) codes starts."""
    change = np.flatnonzero(np.diff(codes)) + 1
    return np.concatenate([[0], change]).astype(np.intp)


def _outer_stats(
    Z: FloatArray, W: FloatArray, XY: FloatArray, inner: IntArray, outer: IntArray
) -> OuterStats:
    row_starts_in = _starts(inner)
    row_starts_out = _starts(outer)
    outer_of = outer[row_starts_in]
    return OuterStats(
        ztw=_reduce(Z[:, :, None] * W[:, None, :], row_starts_in),
        wtw=_reduce(W[:, :, None] * W[:, None, :], row_starts_out),
        wtxy=_reduce(W[:, :, None] * XY[:, None, :], row_starts_out),
        inner_starts=_starts(outer_of),
        outer_of=outer_of,
    )


def build_data(
    y: object,
    X: object,
    Z: object,
    groups: object,
    *,
    covariance: str,
    nested_in: object = None,
    Z_outer: object = None,
    outer_covariance: str = "unstructured",
    fixed_names: Sequence[str] | None = None,
    random_names: Sequence[str] | None = None,
    outer_random_names: Sequence[str] | None = None,
    group_name: str = "group",
    outer_name: str = "outer",
) -> LMMData:
    """Check the inputs and compute the sufficient statistics (see the module docstring)."""
    yv = _float_matrix(y, "y", None)
    if yv.shape[1] != 1:
        raise DataValidationError(f"y must be one column, got {yv.shape[1]} columns")
    n = yv.shape[0]
    Xm = _float_matrix(X, "X", n)
    Zm = _float_matrix(Z, "Z", n)
    fnames = _names(fixed_names, Xm, "X", "x")
    rnames = _names(random_names, Zm, "Z", "z")
    if Xm.shape[1] >= n:
        raise ModelError(f"{Xm.shape[1]} fixed effects for {n} rows; fewer columns are needed")
    if Zm.shape[1] == 0:
        raise DataValidationError("Z has no columns; give at least one random effect")
    _check_rank(Xm, fnames)
    inner, inner_labels = _codes(groups, "groups", n)
    outer, outer_labels = (
        (np.zeros(n, dtype=np.intp), np.zeros(1, dtype=object))
        if nested_in is None
        else _codes(nested_in, "nested_in", n)
    )
    # inner labels count within their outer group (lme4's outer/inner): one code per pair
    pair = outer.astype(np.int64) * (int(inner.max()) + 1) + inner
    order = np.lexsort((pair, outer))
    pair_codes = np.asarray(pd.factorize(pair[order], sort=False)[0], dtype=np.intp)
    # y is replaced by its OLS residual y - X c: the profiled deviance, sigma and every variance
    # quantity are unchanged and beta shifts by c, but the Gram matrix [X y]'[X y] no longer
    # carries y's mean, which would cancel catastrophically in y'V^-1 y - c'beta
    shift = np.linalg.lstsq(Xm, yv[:, 0], rcond=None)[0] if Xm.shape[1] else np.zeros(0)
    XY = np.concatenate([Xm, yv - Xm @ shift[:, None]], axis=1)[order]
    Zs = Zm[order]
    starts = _starts(pair_codes)
    terms = [Term(group_name, rnames, covariance == "diagonal", len(starts), 0, 0)]
    first = order[starts]  # a row of each inner group, in the engine's order
    labels: tuple[object, ...] = tuple(inner_labels[inner[first]])
    outer_names: tuple[object, ...] = ()
    outer_stats = None
    if nested_in is not None:  # lme4 names a nested group inner:outer ("M1:P01")
        labels = tuple(f"{a}:{b}" for a, b in zip(labels, outer_labels[outer[first]], strict=True))
        outer_names = tuple(outer_labels[np.unique(outer)])
        Wm = np.ones((n, 1)) if Z_outer is None else _float_matrix(Z_outer, "Z_outer", n)
        wnames = _names(outer_random_names, Wm, "Z_outer", "w")
        outer_sorted = outer[order]
        t1 = terms[0]
        terms.append(
            Term(
                outer_name,
                wnames,
                outer_covariance == "diagonal",
                int(outer_sorted.max()) + 1 if n else 0,
                t1.n_theta,
                t1.q * t1.q,
            )
        )
        outer_stats = _outer_stats(Zs, Wm[order], XY, pair_codes, outer_sorted)
    for term in terms:
        _check_term(term, n)
    return LMMData(
        n=n,
        p=Xm.shape[1],
        fixed_names=fnames,
        terms=tuple(terms),
        ztz=_reduce(Zs[:, :, None] * Zs[:, None, :], starts),
        ztxy=_reduce(Zs[:, :, None] * XY[:, None, :], starts),
        xytxy=XY.T @ XY,
        y_shift=np.asarray(shift, dtype=np.float64),
        outer=outer_stats,
        group_sizes=np.diff(np.append(starts, n)).astype(np.intp),
        labels=labels,
        outer_labels=outer_names,
    )
