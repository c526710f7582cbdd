"""Response-quality indices: long-string (straight-lining), intra-individual response variability.

Flags are descriptive: nothing is dropped. Decide what to do with flagged respondents (and report
it) after looking at them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError
from ._display import OverviewMixin
from ._items import build_item_matrix, resolve_columns
from .codebook import resolve_scales

__all__ = ["CarelessResult", "careless_responding", "irv", "longstring"]

TABLE_COLUMNS = [
    "n_items",
    "n_answered",
    "share_missing",
    "longstring",
    "irv",
    "flag_straightline",
    "flag_low_irv",
]


def longstring(values: np.ndarray) -> np.ndarray:
    """Longest run of identical consecutive answers in each row (vectorised).

    Missing answers break a run (as R's ``careless::longstring`` via ``rle``); a row with no
    answers gets NaN.
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


@dataclass(frozen=True, eq=False)
class CarelessResult(OverviewMixin):
    """Careless-responding indices per respondent (nothing dropped).

    Attributes
    ----------
    table : DataFrame
        Input index; ``n_items, n_answered, share_missing, longstring, irv, flag_straightline,
        flag_low_irv``.
    counts : DataFrame
        ``index, threshold, n_flagged, share_flagged`` (shown by ``summary()``).
    longstring_threshold, irv_threshold : float
        The thresholds used.
    n : int
        Rows in the input.
    items : tuple of str
        The item columns checked, in the order used for the long-string index.
    """

    table: pd.DataFrame
    counts: pd.DataFrame
    longstring_threshold: float
    irv_threshold: float
    n: int
    items: tuple[str, ...]
    method: str = "longstring and IRV over raw (unreversed) answers"
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Careless responding"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n": self.n,
            "n_items": len(self.items),
            "longstring_threshold": self.longstring_threshold,
            "irv_threshold": self.irv_threshold,
        }

    def _overview(self) -> pd.DataFrame:
        return self.counts

    @property
    def flagged(self) -> pd.Index:
        """Index labels of rows with any flag."""
        t = self.table
        return t.index[t["flag_straightline"] | t["flag_low_irv"]]


def careless_responding(
    df: pd.DataFrame,
    scale_or_scales: Any,
    *,
    columns: Mapping[str, str] | None = None,
    longstring_threshold: float | None = None,
    irv_threshold: float | None = None,
    invalid: str = "raise",
) -> CarelessResult:
    """Flag straight-lining and invariant answering across the items of one or more scales.

    Parameters
    ----------
    df : DataFrame
        One row per respondent with the item columns (numbers, numeric strings or response
        labels, as for :func:`learning_direction.score`).
    scale_or_scales : str, path, dict, Scale or list of these
        The instruments whose items are checked, in codebook order (put the scales in the
        order they were presented in the survey: the long-string index depends on item order).
    columns : dict, optional
        ``{item_id: column_name}`` when data columns are not named after the item ids.
    longstring_threshold : int, optional
        Flag ``flag_straightline`` when the longest run of identical answers is at least this
        long. Default: half the number of items, rounded up (Curran, 2016; at least 2).
    irv_threshold : float, optional
        Flag ``flag_low_irv`` when the response SD is at most this value. Default 0
        (every answer identical).
    invalid : {"raise", "missing"}
        Handling of out-of-range / non-numeric answers, as in :func:`learning_direction.score`.

    Returns
    -------
    CarelessResult
        ``.table`` per respondent (input index kept), ``.counts``, ``.flagged``.

    Raises
    ------
    DataValidationError
        Missing item columns (all listed), invalid answers, non-positive thresholds.

    Notes
    -----
    Raw answers are used (reverse-keyed items are *not* recoded): a straight-liner gives the
    same answer to positively and negatively keyed items, which is what makes the pattern
    implausible. ``longstring`` = the longest run of identical consecutive answers (a missing
    answer breaks a run; NaN when nothing was answered). ``irv`` = the standard deviation
    (denominator :math:`a - 1`) of the :math:`a` answered items (NaN when :math:`a < 2`).
    ``share_missing`` = 1 - answered / items. Flags are descriptive screening aids: look at
    flagged rows before excluding anyone, and report the rule used.

    References
    ----------
    Johnson, J. A. (2005). Ascertaining the validity of individual protocols from Web-based
    personality inventories. Journal of Research in Personality, 39(1), 103-129.
    Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual
    response variability as an indicator of insufficient effort responding. Journal of Business
    and Psychology, 33(1), 105-121. Curran, P. G. (2016). Methods for the detection of carelessly
    invalid responses in survey data. Journal of Experimental Social Psychology, 66, 4-19.

    Examples
    --------
    >>> import learning_direction as ld
    >>> from learning_direction.simulate import simulate_items, simulate_latent
    >>> items = simulate_items(
    ...     "learning_direction",
    ...     simulate_latent(500, ["upward", "lateral", "downward"], seed=2),
    ...     careless_rate=0.02,
    ...     seed=2,
    ... )
    >>> res = ld.careless_responding(items, "learning_direction")
    >>> set(items.attrs["careless_rows"]) <= set(res.flagged)
    True

    R: ``careless::longstring(x)`` and ``careless::irv(x)`` on the raw item columns.
    """
    scales = resolve_scales(scale_or_scales)
    mapping = resolve_columns(df, scales, columns, "careless_responding()")
    mat = build_item_matrix(df, scales, mapping, invalid=invalid, what="careless_responding()")
    X = mat.values
    n, k = X.shape
    if longstring_threshold is None:
        ls_thr = float(max(2, math.ceil(k / 2)))
    else:
        if (
            isinstance(longstring_threshold, bool)
            or not isinstance(longstring_threshold, int | float)
            or longstring_threshold < 1
        ):
            raise DataValidationError(
                f"longstring_threshold must be a number of items >= 1, got {longstring_threshold!r}"
            )
        ls_thr = float(longstring_threshold)
    if irv_threshold is None:
        irv_thr = 0.0
    else:
        if (
            isinstance(irv_threshold, bool)
            or not isinstance(irv_threshold, int | float)
            or (irv_threshold < 0)
        ):
            raise DataValidationError(
                f"irv_threshold must be a non-negative SD, got {irv_threshold!r}"
            )
        irv_thr = float(irv_threshold)

    answered = (~np.isnan(X)).sum(axis=1)
    ls = longstring(X)
    sd = irv(X)
    with np.errstate(invalid="ignore"):
        flag_ls = np.nan_to_num(ls, nan=0.0) >= ls_thr
        flag_irv = ~np.isnan(sd) & (sd <= irv_thr + 1e-12)
    table = pd.DataFrame(
        {
            "n_items": np.full(n, k, dtype=int),
            "n_answered": answered.astype(int),
            "share_missing": 1.0 - answered / k if k else np.zeros(n),
            "longstring": ls,
            "irv": sd,
            "flag_straightline": flag_ls,
            "flag_low_irv": flag_irv,
        },
        index=df.index,
    )
    any_flag = flag_ls | flag_irv
    counts = pd.DataFrame(
        {
            "index": ["longstring", "irv", "any"],
            "threshold": [f">= {ls_thr:g}", f"<= {irv_thr:g}", ""],
            "n_flagged": [int(flag_ls.sum()), int(flag_irv.sum()), int(any_flag.sum())],
            "share_flagged": [
                float(flag_ls.mean()) if n else np.nan,
                float(flag_irv.mean()) if n else np.nan,
                float(any_flag.mean()) if n else np.nan,
            ],
        }
    )
    notes = [
        f"{int(any_flag.sum())} of {n} rows flagged; flags are descriptive and no row was dropped",
    ]
    few = int(np.sum(answered < 2))
    if few:
        notes.append(f"{few} row(s) answered fewer than 2 items: irv is NaN for them")
    return CarelessResult(
        table=table,
        counts=counts,
        longstring_threshold=ls_thr,
        irv_threshold=irv_thr,
        n=n,
        items=tuple(mat.columns),
        notes=tuple(notes),
    )
