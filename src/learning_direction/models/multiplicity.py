"""Adjusting p-values for multiple comparisons, with the numbers of R's ``p.adjust``.

``ld.adjust_p(p, method="holm")`` takes a list, an array or a pandas Series and returns the
adjusted p-values in the same places (a Series keeps its index and name); missing p-values stay
missing and do not count towards the number of tests, as in R.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from .._core.checks import choice
from ..exceptions import DataValidationError

__all__ = ["P_ADJUST_METHODS", "adjust_p"]

#: method -> (statsmodels ``multipletests`` name, R ``p.adjust`` name)
P_ADJUST_METHODS: dict[str, tuple[str | None, str]] = {
    "holm": ("holm", "holm"),
    "hochberg": ("simes-hochberg", "hochberg"),
    "hommel": ("hommel", "hommel"),
    "bonferroni": ("bonferroni", "bonferroni"),
    "fdr_bh": ("fdr_bh", "BH"),
    "fdr_by": ("fdr_by", "BY"),
    "none": (None, "none"),
}

_ALIASES = {
    "bh": "fdr_bh",
    "fdr": "fdr_bh",
    "benjamini-hochberg": "fdr_bh",
    "by": "fdr_by",
    "benjamini-yekutieli": "fdr_by",
    "simes-hochberg": "hochberg",
}


def adjust_p(
    p_values: pd.Series | Sequence[float] | np.ndarray, method: str = "holm"
) -> pd.Series | np.ndarray:
    """P-values adjusted for multiple testing, as R's ``p.adjust``.

    Parameters
    ----------
    p_values : list, 1-D array or pandas Series of float
        Unadjusted p-values in [0, 1]; ``NaN``/``None`` mark missing ones.
    method : str
        ``"holm"`` (default; Holm 1979, controls the familywise error rate), ``"hochberg"``
        (Hochberg 1988), ``"hommel"`` (Hommel 1988), ``"bonferroni"``, ``"fdr_bh"``
        (Benjamini & Hochberg 1995, false discovery rate), ``"fdr_by"`` (Benjamini & Yekutieli
        2001, FDR under any dependence) or ``"none"``. R's names ``"BH"``, ``"fdr"`` and
        ``"BY"`` are accepted too.

    Returns
    -------
    ndarray or Series
        The adjusted p-values, same length and order; a Series input gives a Series with the
        same index and name.

    Raises
    ------
    DataValidationError
        Values that are not numbers, or numbers outside [0, 1]; a 2-D input.
    ModelError
        An unknown ``method``.

    Notes
    -----
    With ``m`` non-missing p-values sorted increasingly ``p_(1) <= ... <= p_(m)``:

    * Bonferroni: ``min(1, m p_i)``;
    * Holm: ``max_{j <= i} min(1, (m - j + 1) p_(j))``;
    * Hochberg: ``min_{j >= i} min(1, (m - j + 1) p_(j))``;
    * BH: ``min_{j >= i} min(1, m p_(j) / j)``; BY: BH times ``sum_{k=1}^m 1/k``;
    * Hommel: the closed-testing procedure with Simes tests (R's algorithm).

    Missing p-values are left out before adjusting, so ``m`` counts only the others (R's
    default ``n = length(p)`` is evaluated after the missing values are removed); they come
    back missing in their places. The computations are statsmodels' ``multipletests`` (Holm's,
    a one-line cumulative maximum, is computed here), whose results agree with R's ``p.adjust`` for these methods (checked against R in the tests).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics*, 6, 65–70. Hochberg, Y. (1988). *Biometrika*, 75, 800–802.
    Hommel, G. (1988). *Biometrika*, 75, 383–386. Benjamini, Y., & Hochberg, Y. (1995).
    *JRSS B*, 57, 289–300. Benjamini, Y., & Yekutieli, D. (2001). *Annals of Statistics*,
    29, 1165–1188.

    Examples
    --------
    The three pairwise comparisons of the Study 4 conditions on mentor engagement, Holm-adjusted
    (R: ``p.adjust(p, "holm")``):

    >>> import learning_direction as ld
    >>> from learning_direction.models.group_tests import games_howell
    >>> raw = ld.load_dataset("study4")
    >>> d = raw.join(ld.score(raw, ["mentor_engagement"]).scores)
    >>> p = games_howell(d, "mentor_engagement", "condition").table["p_value"]
    >>> adjust_p([0.01, 0.04, 0.03, None], method="holm").round(3)
    array([0.03, 0.06, 0.06,  nan])
    >>> adjust_p([0.01, 0.04, 0.03], method="BH").round(3)
    array([0.03, 0.04, 0.04])
    >>> len(adjust_p(p, "holm")) == len(p)
    True
    """
    name = choice(method, "method", list(P_ADJUST_METHODS), aliases=_ALIASES)
    values, index, series_name = _as_vector(p_values)
    out = np.full(values.shape, np.nan)
    ok = ~np.isnan(values)
    sm_name = P_ADJUST_METHODS[name][0]
    if ok.any():
        if sm_name is None:
            out[ok] = values[ok]
        elif sm_name == "holm":
            out[ok] = _holm(values[ok])
        else:
            out[ok] = multipletests(values[ok], method=sm_name)[1]
    if index is not None:
        return pd.Series(out, index=index, name=series_name)
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's adjustment, R's ``pmin(1, cummax((m - i + 1) * p[o]))[order(o)]``.

    Written out because statsmodels' ``multipletests(method="holm")`` runs a full
    ``gc.collect()`` on every call (0.1 s or more in a process holding many objects, such as
    a notebook kernel or a study run); the results are the same (tested against R and
    statsmodels).
    """
    m = p.size
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def _as_vector(p_values: object) -> tuple[np.ndarray, pd.Index | None, object]:
    """The p-values as a float vector (NaN for missing), the Series index and name if any."""
    index: pd.Index | None = None
    name: object = None
    if isinstance(p_values, pd.Series):
        index, name = p_values.index, p_values.name
        raw: object = p_values.to_numpy(dtype=object)
    elif isinstance(p_values, pd.DataFrame):
        raise DataValidationError(
            "p_values must be one column of p-values, got a DataFrame; pass df['p_value']"
        )
    else:
        raw = p_values
    if isinstance(raw, (str, bytes)) or np.ndim(raw) == 0:  # type: ignore[arg-type]
        raise DataValidationError(
            f"p_values must be a list, array or Series of p-values, got {raw!r}"
        )
    arr = np.asarray(raw, dtype=object)
    if arr.ndim != 1:
        raise DataValidationError(
            f"p_values must be one-dimensional, got an array of shape {arr.shape}; "
            "flatten it (e.g. p.ravel()) and reshape the result"
        )
    values = np.empty(arr.shape, dtype=float)
    for i, v in enumerate(arr):
        if v is None or v is pd.NA:
            values[i] = np.nan
            continue
        try:
            values[i] = float(v)
        except (TypeError, ValueError):
            raise DataValidationError(
                f"p_values[{i}] is {v!r}, not a number; give p-values as numbers in [0, 1] "
                "(missing ones as NaN or None)"
            ) from None
    bad = ~np.isnan(values) & ((values < 0) | (values > 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"p_values must lie in [0, 1]; p_values[{i}] = {float(values[i]):g} "
            f"({int(bad.sum())} value(s) out of range). Check that these are p-values, not "
            "test statistics or percentages"
        )
    return values, index, name
