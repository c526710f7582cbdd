"""Response-quality screen: straight-lining, invariance, outliers, inconsistency, midpoints.

:func:`careless_responding` computes seven per-respondent indices (long-string, IRV,
Mahalanobis D², even-odd consistency, psychometric synonyms, person-total correlation and the
share of midpoint answers; the numerics are in :mod:`.careless_indices`) and flags each against
a stated threshold. Flags are descriptive: nothing is dropped. Decide what to do with flagged
respondents (and report it) after looking at them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._core.format import fmt_num
from ..exceptions import DataValidationError
from . import careless_indices as ci
from ._display import OverviewMixin
from ._items import build_item_matrix, resolve_columns
from .codebook import Scale, resolve_scales

__all__ = ["CarelessResult", "careless_responding", "irv", "longstring"]

# re-exported: the long-string and IRV indices were defined here first
longstring = ci.longstring
irv = ci.irv

TABLE_COLUMNS = [
    "n_items",
    "n_answered",
    "share_missing",
    "longstring",
    "irv",
    "flag_straightline",
    "flag_low_irv",
    "mahad_d2",
    "mahad_df",
    "mahad_p",
    "evenodd",
    "evenodd_factors",
    "psychsyn",
    "psychsyn_pairs",
    "person_total",
    "person_total_items",
    "midpoint_share",
    "midpoint_items",
    "flag_mahad",
    "flag_evenodd",
    "flag_psychsyn",
    "flag_person_total",
    "flag_midpoint",
    "flag_any",
]

#: the index behind each flag column, in the order of ``.counts``
FLAGS = {
    "longstring": "flag_straightline",
    "irv": "flag_low_irv",
    "mahad": "flag_mahad",
    "evenodd": "flag_evenodd",
    "psychsyn": "flag_psychsyn",
    "person_total": "flag_person_total",
    "midpoint": "flag_midpoint",
}

#: which answers each index reads
RAW_INDICES = ("longstring", "irv", "mahad", "midpoint")
RECODED_INDICES = ("evenodd", "psychsyn", "person_total")

#: the smallest number of subscales, synonym pairs and items the correlational indices need
MIN_FACTORS, MIN_PAIRS, MIN_ITEMS = 3, 3, 3


@dataclass(frozen=True, eq=False)
class CarelessResult(OverviewMixin):
    """Careless-responding indices per respondent (nothing dropped).

    Attributes
    ----------
    table : DataFrame
        Input index; ``n_items, n_answered, share_missing``, the indices ``longstring, irv,
        mahad_d2, mahad_df, mahad_p, evenodd, evenodd_factors, psychsyn, psychsyn_pairs,
        person_total, midpoint_share`` and the flags ``flag_straightline, flag_low_irv,
        flag_mahad, flag_evenodd, flag_psychsyn, flag_person_total, flag_midpoint, flag_any``.
        An index that cannot be computed for a row is NaN there, and its flag is False.
    counts : DataFrame
        ``index, answers, threshold, n_computed, n_flagged, share_flagged``: one row per index
        and ``any`` (shown by ``summary()``); ``answers`` says whether the index read raw or
        recoded answers.
    longstring_threshold, irv_threshold : float
        The long-string and IRV thresholds used.
    thresholds : dict
        Every threshold used (``longstring, irv, mahad_alpha, evenodd, psychsyn_critval,
        psychsyn, person_total, midpoint``).
    synonym_pairs : tuple of (str, str)
        The item pairs used by the psychometric-synonym index.
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
    thresholds: Mapping[str, float] = field(default_factory=dict)
    synonym_pairs: tuple[tuple[str, str], ...] = ()
    method: str = (
        "long-string, IRV, Mahalanobis D² and midpoint share over raw answers; even-odd "
        "consistency, psychometric synonyms and person-total correlation over answers with "
        "reverse-keyed items recoded"
    )
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
        return t.index[t["flag_any"].to_numpy(dtype=bool)]

    def flagged_by(self, index: str) -> pd.Index:
        """Index labels of rows flagged by one index (a name in ``counts["index"]``)."""
        if index == "any":
            return self.flagged
        if index not in FLAGS:
            raise DataValidationError(
                f"unknown careless-responding index {index!r}; use one of {[*FLAGS, 'any']}"
            )
        t = self.table
        return t.index[t[FLAGS[index]].to_numpy(dtype=bool)]


# ------------------------------------------------------------------------------ thresholds


def _number(value: Any, name: str, lo: float, hi: float, rule: str, *, open_lo: bool) -> float:
    """``value`` as a float in [lo, hi] (or (lo, hi] with ``open_lo``), else a clear error."""
    ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
    if ok and (value > lo if open_lo else value >= lo) and value <= hi:
        return float(value)
    raise DataValidationError(f"{name} must be {rule}, got {value!r}")


def _whole(value: Any, name: str, lo: int) -> float:
    """``value`` as a float holding a whole number >= lo, else a clear error."""
    rule = f"a whole number >= {lo}"
    number = _number(value, name, lo, math.inf, rule, open_lo=False)
    if not number.is_integer():
        raise DataValidationError(f"{name} must be {rule}, got {value!r}")
    return number


def _check_thresholds(k: int, given: Mapping[str, Any]) -> dict[str, float]:
    """Validate every threshold (None = its default); returns them under their short names."""
    ls, irv_thr = given["longstring_threshold"], given["irv_threshold"]
    return {
        "longstring": float(max(2, math.ceil(k / 2))) if ls is None else _number(
            ls, "longstring_threshold", 1, math.inf, "a number of items >= 1", open_lo=False
        ),
        "irv": 0.0 if irv_thr is None else _number(
            irv_thr, "irv_threshold", 0, math.inf, "a non-negative SD", open_lo=False
        ),
        "mahad_alpha": _number(
            given["mahad_alpha"], "mahad_alpha", 0, 0.5,
            "a significance level in (0, 0.5], e.g. 0.001", open_lo=True,
        ),
        "evenodd": _number(
            given["evenodd_threshold"], "evenodd_threshold", -1, 1,
            "a correlation threshold in [-1, 1], e.g. 0.30", open_lo=False,
        ),
        "evenodd_min_subscales": _whole(
            given["evenodd_min_subscales"], "evenodd_min_subscales", MIN_FACTORS
        ),
        "psychsyn_critval": _number(
            given["psychsyn_critval"], "psychsyn_critval", 0, 0.99,
            "an item correlation in (0, 0.99], e.g. 0.60", open_lo=True,
        ),
        "psychsyn_min_pairs": _whole(given["psychsyn_min_pairs"], "psychsyn_min_pairs", MIN_PAIRS),
        "psychsyn": _number(
            given["psychsyn_threshold"], "psychsyn_threshold", -1, 1,
            "a correlation threshold in [-1, 1], e.g. 0", open_lo=False,
        ),
        "person_total": _number(
            given["person_total_threshold"], "person_total_threshold", -1, 1,
            "a correlation threshold in [-1, 1], e.g. 0", open_lo=False,
        ),
        "profile_min_items": _whole(given["profile_min_items"], "profile_min_items", MIN_ITEMS),
        "midpoint": _number(
            given["midpoint_threshold"], "midpoint_threshold", 0, 1,
            "a share of items in (0, 1], e.g. 0.5", open_lo=True,
        ),
    }  # fmt: skip


# ------------------------------------------------------------------------------ indices


@dataclass(frozen=True)
class _Layout:
    """Where each item sits: its subscale (column positions), keying and response range."""

    factors: list[list[int]]
    reverse: np.ndarray  # bool per column
    low: np.ndarray
    high: np.ndarray

    @property
    def midpoints(self) -> np.ndarray:
        """The scale midpoint of every column; NaN on scales with an even number of options."""
        span = self.high - self.low
        odd = np.isclose(np.mod(span, 2), 0) & np.isclose(span, np.round(span))
        return np.where(odd, (self.low + self.high) / 2, np.nan)


def _layout(scales: Sequence[Scale], item_ids: Sequence[str]) -> _Layout:
    pos = {item: j for j, item in enumerate(item_ids)}
    k = len(item_ids)
    reverse = np.zeros(k, dtype=bool)
    low, high = np.zeros(k), np.zeros(k)
    factors: list[list[int]] = []
    for s in scales:
        for sub in s.subscales:
            factors.append([pos[i] for i in sub.item_ids])
        for i in s.item_ids:
            low[pos[i]], high[pos[i]] = s.response_min, s.response_max
        for i in s.reversed_ids:
            reverse[pos[i]] = True
    return _Layout(factors, reverse, low, high)


def _compute(
    X: np.ndarray, layout: _Layout, thr: Mapping[str, float], items: Sequence[str]
) -> tuple[dict[str, np.ndarray], list[tuple[int, int]], list[str]]:
    """Every index of every row, the synonym pairs used, and notes on what was not computed."""
    recoded = np.where(layout.reverse, layout.low + layout.high - X, X)
    notes: list[str] = []
    md = ci.mahad(X)
    eo, eo_n = ci.evenodd(recoded, layout.factors, MIN_FACTORS)
    pairs = ci.synonym_pairs(recoded, thr["psychsyn_critval"])
    usable_pairs = pairs if len(pairs) >= MIN_PAIRS else []
    ps, ps_n = ci.psychsyn(recoded, usable_pairs, MIN_PAIRS)
    pt, pt_n = ci.person_total(recoded, MIN_ITEMS)
    mid, mid_n = ci.midpoint_share(X, layout.midpoints)
    if md.singular.any():
        flat = [items[int(j)] for j in np.flatnonzero(~(np.diag(ci.pairwise_cov(X)) > 0))]
        notes.append(
            f"Mahalanobis D² not computed for {int(md.singular.sum())} row(s): the covariance "
            "matrix of their answered items is singular"
            + (f" (no variance in {', '.join(flat)})" if flat else " (collinear items)")
        )
    n_fac = sum(len(f) >= 2 for f in layout.factors)
    if n_fac < MIN_FACTORS:
        notes.append(
            f"even-odd consistency not computed: it needs at least {MIN_FACTORS} subscales of two "
            f"or more items and these scales have {n_fac}"
        )
    if n_fac >= MIN_FACTORS and n_fac < thr["evenodd_min_subscales"]:
        notes.append(
            f"even-odd consistency is reported but not flagged: these scales have {n_fac} "
            f"subscales and the flag needs evenodd_min_subscales = "
            f"{thr['evenodd_min_subscales']:g} (a correlation across few subscales is too noisy)"
        )
    if len(pairs) < MIN_PAIRS:
        notes.append(
            f"psychometric synonyms not computed: {len(pairs)} item pair(s) correlate above "
            f"{fmt_num(thr['psychsyn_critval'], 2)} and at least {MIN_PAIRS} are needed "
            "(lower psychsyn_critval to use weaker pairs)"
        )
    if MIN_PAIRS <= len(pairs) < thr["psychsyn_min_pairs"]:
        notes.append(
            f"psychometric synonyms are reported but not flagged: {len(pairs)} item pairs "
            f"correlate above {fmt_num(thr['psychsyn_critval'], 2)} and the flag needs "
            f"psychsyn_min_pairs = {thr['psychsyn_min_pairs']:g} answered pairs (a correlation "
            "across few pairs is too noisy)"
        )
    few = int(np.sum((pt_n < thr["profile_min_items"]) | (mid_n < thr["profile_min_items"])))
    if few:
        notes.append(
            f"{few} row(s) answered fewer than profile_min_items = "
            f"{thr['profile_min_items']:g} items (with a midpoint): their person-total "
            "correlation and midpoint share are reported but not flagged"
        )
    if np.isnan(mid).all() and len(X):
        notes.append("midpoint share not computed: no item has an odd number of response options")
    values = {
        "mahad_d2": md.d2, "mahad_df": md.df, "mahad_p": md.p,
        "evenodd": eo, "evenodd_factors": eo_n, "psychsyn": ps, "psychsyn_pairs": ps_n,
        "person_total": pt, "person_total_items": pt_n,
        "midpoint_share": mid, "midpoint_items": mid_n,
    }  # fmt: skip
    return values, usable_pairs, notes


def _flags(
    v: Mapping[str, np.ndarray], ls: np.ndarray, sd: np.ndarray, thr: Mapping[str, float]
) -> dict[str, np.ndarray]:
    """One boolean array per flag column (False where the index is NaN)."""
    with np.errstate(invalid="ignore"):
        flags = {
            "flag_straightline": np.nan_to_num(ls, nan=0.0) >= thr["longstring"],
            "flag_low_irv": ~np.isnan(sd) & (sd <= thr["irv"] + 1e-12),
            "flag_mahad": ~np.isnan(v["mahad_p"]) & (v["mahad_p"] < thr["mahad_alpha"]),
            "flag_evenodd": ~np.isnan(v["evenodd"])
            & (v["evenodd"] < thr["evenodd"])
            & (v["evenodd_factors"] >= thr["evenodd_min_subscales"]),
            "flag_psychsyn": ~np.isnan(v["psychsyn"])
            & (v["psychsyn"] < thr["psychsyn"])
            & (v["psychsyn_pairs"] >= thr["psychsyn_min_pairs"]),
            "flag_person_total": ~np.isnan(v["person_total"])
            & (v["person_total"] <= thr["person_total"])
            & (v["person_total_items"] >= thr["profile_min_items"]),
            "flag_midpoint": ~np.isnan(v["midpoint_share"])
            & (v["midpoint_share"] >= thr["midpoint"] - 1e-12)
            & (v["midpoint_items"] >= thr["profile_min_items"]),
        }
    flags["flag_any"] = np.logical_or.reduce(list(flags.values()))
    return flags


def _counts(table: pd.DataFrame, thr: Mapping[str, float], n_pairs: int) -> pd.DataFrame:
    """``.counts``: one row per index and ``any``."""
    r = {k: fmt_num(thr[k], 2) for k in ("evenodd", "psychsyn", "person_total", "midpoint")}
    rules = {
        "longstring": f">= {thr['longstring']:g} identical answers in a row",
        "irv": f"SD <= {thr['irv']:g}",
        "mahad": f"p < {thr['mahad_alpha']:g} (chi-square, df = items answered)",
        "evenodd": f"< {r['evenodd']} (over >= {thr['evenodd_min_subscales']:g} subscales)",
        "psychsyn": f"< {r['psychsyn']} over >= {thr['psychsyn_min_pairs']:g} answered pairs "
        f"({n_pairs} pairs with r > {fmt_num(thr['psychsyn_critval'], 2)})",
        "person_total": f"<= {r['person_total']} (over >= {thr['profile_min_items']:g} items)",
        "midpoint": f">= {r['midpoint']} of >= {thr['profile_min_items']:g} answered items at "
        "the midpoint",
    }
    value_col = {
        "longstring": "longstring", "irv": "irv", "mahad": "mahad_d2", "evenodd": "evenodd",
        "psychsyn": "psychsyn", "person_total": "person_total", "midpoint": "midpoint_share",
    }  # fmt: skip
    n = len(table)
    rows = []
    for index, flag in FLAGS.items():
        k = int(table[flag].sum())
        rows.append(
            {
                "index": index,
                "answers": "raw" if index in RAW_INDICES else "recoded",
                "threshold": rules[index],
                "n_computed": int(table[value_col[index]].notna().sum()),
                "n_flagged": k,
                "share_flagged": k / n if n else np.nan,
            }
        )
    k_any = int(table["flag_any"].sum())
    rows.append(
        {
            "index": "any",
            "answers": "",
            "threshold": "flagged by at least one index",
            "n_computed": n,
            "n_flagged": k_any,
            "share_flagged": k_any / n if n else np.nan,
        }
    )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------ the screen


def careless_responding(
    df: pd.DataFrame,
    scale_or_scales: Any,
    *,
    columns: Mapping[str, str] | None = None,
    longstring_threshold: float | None = None,
    irv_threshold: float | None = None,
    mahad_alpha: float = 0.001,
    evenodd_threshold: float = 0.30,
    evenodd_min_subscales: int = 10,
    psychsyn_critval: float = 0.60,
    psychsyn_threshold: float = -0.2,
    psychsyn_min_pairs: int = 20,
    person_total_threshold: float = -0.4,
    midpoint_threshold: float = 0.5,
    profile_min_items: int = 15,
    invalid: str = "raise",
) -> CarelessResult:
    """Screen the answers to one or more scales for careless responding (nothing is dropped).

    Seven indices per respondent, each with a flag: long strings of identical answers
    (straight-lining), low response variability (IRV), multivariate outliers (Mahalanobis D²),
    low even-odd consistency, low psychometric-synonym consistency, low person-total
    correlation, and mostly midpoint answers. Straight-liners are caught by the first two,
    random responders by D² and the consistency indices, midpoint responders by the midpoint
    share (Curran, 2016, recommends several indices because each kind of careless responding
    escapes some of them).

    Parameters
    ----------
    df : DataFrame
        One row per respondent with the item columns (numbers, numeric strings or response
        labels, as for :func:`learning_direction.score`).
    scale_or_scales : str, path, dict, Scale or list of these
        The instruments whose items are checked, in codebook order (put the scales in the
        order they were presented in the survey: the long-string index depends on item order,
        the even-odd index on the order within each subscale).
    columns : dict, optional
        ``{item_id: column_name}`` when data columns are not named after the item ids.
    longstring_threshold : int, optional
        ``flag_straightline`` when the longest run of identical answers is at least this long.
        Default: half the number of items, rounded up (Curran, 2016; at least 2).
    irv_threshold : float, optional
        ``flag_low_irv`` when the response SD is at most this value. Default 0 (every answer
        identical).
    mahad_alpha : float, default 0.001
        ``flag_mahad`` when D² exceeds the :math:`1 - \\alpha` quantile of :math:`\\chi^2` with
        as many df as items answered (p < .001 is the usual criterion for multivariate
        outliers: Tabachnick & Fidell, 2013; Meade & Craig, 2012, used D² this way).
    evenodd_threshold : float, default 0.30
        ``flag_evenodd`` when the even-odd coefficient is below this value (Johnson, 2005,
        treated coefficients below .30 as a sign of an invalid protocol) ...
    evenodd_min_subscales : int, default 10
        ... and it rests on at least this many subscales. Johnson (2005) correlated 30 facet
        scales; across a handful of points the correlation is too noisy to tell careless from
        attentive respondents (over Study 1's 5 subscales the rule flagged 12-14% of simulated
        attentive respondents in ``bench/careless_detection.py``). With fewer subscales the
        coefficient is reported (from 3 subscales on) but not flagged, and a note says so.
    psychsyn_critval : float, default 0.60
        Item pairs whose sample correlation (recoded answers, pairwise-complete rows) exceeds
        this value are psychometric synonyms (Meade & Craig, 2012; ``careless::psychsyn``).
    psychsyn_threshold : float, default -0.2
        ``flag_psychsyn`` when the within-person correlation across the synonym pairs is below
        this value: answers to near-synonymous items that run clearly against each other
        (Meade & Craig, 2012). A correlation over few pairs is noisy, so the default sits below
        0: with ``psychsyn_critval=0.45`` (29-43 pairs in five simulated Study 1 datasets,
        ``bench/careless_detection.py``) it flagged 0.5-1.9% of attentive respondents, a cut-off
        of 0 flagged 6.9-12.3% ...
    psychsyn_min_pairs : int, default 20
        ... and only when the row answered at least this many synonym pairs. Synonym pairs
        come from within subscales; across few pairs from few subscales an attentive
        respondent's answers vary little from pair to pair and the correlation scatters widely
        (bundled Study 1: 17 pairs from three subscales, attentive median .27, SD .34, and a
        cut-off of -0.2 flagged 6% of them while the random responders scored -0.2 to .1).
        With fewer pairs the index is reported (from 3 pairs on) but not flagged, and a note
        says so.
    person_total_threshold : float, default -0.4
        ``flag_person_total`` when the person-total correlation is at most this value: an
        answer profile running clearly against the sample's item means (Curran, 2016, reads
        negative values as suspect). The index can only separate respondents when the items'
        means differ; when they differ little, as in the bundled simulated data (item
        intercepts with SD 0.15), attentive respondents scatter around .15-.25 and in
        ``bench/careless_detection.py`` a cut-off of 0 flagged 10-25% of them, -0.2 2-14% and
        -0.4 0.2-3% (8 datasets). The default is therefore conservative; with items whose
        means differ (e.g. ``bfi``: median person-total .45) a higher cut-off suits.
    midpoint_threshold : float, default 0.5
        ``flag_midpoint`` when at least this share of the answered items (on scales with an odd
        number of options) was answered at the midpoint. Midpoint responding as a style is the
        share of midpoint answers (Baumgartner & Steenkamp, 2001); an attentive respondent
        rarely gives it to half the items of several scales (``bench/careless_detection.py``).
    profile_min_items : int, default 15
        ``flag_person_total`` and ``flag_midpoint`` need at least this many usable answers
        (answered items, with a midpoint for the midpoint share). Over a short block both are
        common among attentive respondents: over the 5 mentee-experience items of the bundled
        Study 4, 3 midpoint answers of 5 (13% of the rows) and a person-total correlation of
        -.4 or lower (13%) are ordinary; over the 12 learning-direction items of the bundled
        Study 1, a gate of 10 let the two flag 17 and 15 of 300 mentors (34 rows with any
        flag, most of them attentive), a gate of 15 none (6 rows: the long-string, zero-SD and
        D² flags), while over its 23 items of three scales the flags are the same at 10 and
        15 (14 rows, 5 of the 291 attentive mentors). The indices are still reported for
        shorter rows; midpoint responding over fewer items cannot be told from an attentive
        respondent's use of the midpoint by its share alone.
    invalid : {"raise", "missing"}
        Handling of out-of-range / non-numeric answers, as in :func:`learning_direction.score`.

    Returns
    -------
    CarelessResult
        ``.table`` per respondent (input index kept), ``.counts`` per index, ``.flagged``
        (rows with any flag), ``.flagged_by(index)``.

    Raises
    ------
    DataValidationError
        Missing item columns (all listed), invalid answers, a threshold out of its range.

    Notes
    -----
    Raw or recoded answers: ``longstring`` and ``irv`` use raw answers, because a straight-liner
    gives the same answer to positively and negatively keyed items, which is what makes the
    pattern implausible; D² and the midpoint share are the same either way (recoding is a
    reflection). ``evenodd``, ``psychsyn`` and ``person_total`` use answers with reverse-keyed
    items recoded (``min + max - x``): they reward agreement between items that measure the
    same thing in the same direction, so a careful respondent would otherwise look
    inconsistent on every reversed item.

    Definitions (*a* = the row's answered items; missing answers are skipped by every index,
    counted in ``n_answered`` and ``share_missing``, and the index is NaN and not flagged when
    too few answers remain; ``.counts["n_computed"]`` says for how many rows it exists):
    ``longstring`` = the longest run of identical consecutive answers (a missing answer breaks
    a run). ``irv`` = the SD (denominator :math:`a - 1`) of the answers (NaN when
    :math:`a < 2`). ``mahad_d2`` = :math:`(x_o - \\bar x_o)^\\top S_{oo}^{-1} (x_o - \\bar
    x_o)` over the answered items *o*, with available-case means and the pairwise-complete
    covariance *S*; ``mahad_p`` from :math:`\\chi^2(a)` (``mahad_df`` = *a*). ``evenodd``: per
    subscale the mean of its odd-positioned and of its even-positioned items; the correlation
    of the two half-score vectors across subscales, stepped up by Spearman–Brown
    :math:`2r/(1 + r)`; NaN unless at least 3 subscales have both halves (``evenodd_factors``).
    ``psychsyn``: the correlation across the synonym pairs the row answered; NaN unless at
    least 3 (``psychsyn_pairs``), and not computed for anyone when the sample has fewer than 3
    synonym pairs (a note says so). ``person_total``: the correlation of the answers with each
    item's mean over the other respondents (NaN when :math:`a < 3` or the answers are
    constant). ``midpoint_share`` = midpoint answers / answered items with a midpoint.

    Differences from R's ``careless`` 1.2.2: ``mahad`` on incomplete rows (``careless`` uses
    the answered block of the full inverse covariance, ``psych::outlier``, and flags against
    :math:`\\chi^2(k)`); ``evenodd`` is reported with the sign of a consistency coefficient
    (``careless`` returns its negative) and needs 3 subscales where ``careless`` correlates 2;
    ``psychsyn`` returns NaN for a constant vector where ``careless`` re-draws the order within
    pairs at random; ``longstring`` is NaN for an empty row (``careless``: 1).

    Flags are descriptive screening aids: look at flagged rows before excluding anyone, and
    report the rule used. ``bench/careless_detection.py`` reports how often each index flags
    simulated straight-liners, random and midpoint responders and attentive respondents.

    References
    ----------
    Baumgartner, H., & Steenkamp, J.-B. E. M. (2001). Response styles in marketing research.
    Journal of Marketing Research, 38(2), 143-156.
    Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey
    data. Journal of Experimental Social Psychology, 66, 4-19.
    Dunn, A. M., Heggestad, E. D., Shanock, L. R., & Theilgard, N. (2018). Intra-individual
    response variability as an indicator of insufficient effort responding. Journal of Business
    and Psychology, 33(1), 105-121.
    Johnson, J. A. (2005). Ascertaining the validity of individual protocols from Web-based
    personality inventories. Journal of Research in Personality, 39(1), 103-129.
    Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data.
    Psychological Methods, 17(3), 437-455.
    Tabachnick, B. G., & Fidell, L. S. (2013). Using multivariate statistics (6th ed.). Pearson.

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
    >>> set(items.attrs["careless_rows"]) <= set(res.flagged_by("longstring"))
    True
    >>> res.counts["index"].tolist()
    ['longstring', 'irv', 'mahad', 'evenodd', 'psychsyn', 'person_total', 'midpoint', 'any']

    R: ``careless::longstring(x)``, ``careless::irv(x)``, ``careless::mahad(x)``,
    ``careless::evenodd(x, factors)`` and ``careless::psychsyn(x, .60)`` (the last two on the
    recoded items).
    """
    scales = resolve_scales(scale_or_scales)
    mapping = resolve_columns(df, scales, columns, "careless_responding()")
    mat = build_item_matrix(df, scales, mapping, invalid=invalid, what="careless_responding()")
    X = mat.values
    n, k = X.shape
    thr = _check_thresholds(
        k,
        {
            "longstring_threshold": longstring_threshold,
            "irv_threshold": irv_threshold,
            "mahad_alpha": mahad_alpha,
            "evenodd_threshold": evenodd_threshold,
            "evenodd_min_subscales": evenodd_min_subscales,
            "psychsyn_critval": psychsyn_critval,
            "psychsyn_threshold": psychsyn_threshold,
            "psychsyn_min_pairs": psychsyn_min_pairs,
            "person_total_threshold": person_total_threshold,
            "midpoint_threshold": midpoint_threshold,
            "profile_min_items": profile_min_items,
        },
    )
    answered = (~np.isnan(X)).sum(axis=1)
    ls, sd = longstring(X), irv(X)
    values, pairs, index_notes = _compute(X, _layout(scales, mat.item_ids), thr, mat.columns)
    table = pd.DataFrame(
        {
            "n_items": np.full(n, k, dtype=int),
            "n_answered": answered.astype(int),
            "share_missing": 1.0 - answered / k if k else np.zeros(n),
            "longstring": ls,
            "irv": sd,
            **values,
        },
        index=df.index,
    )
    for name, flag in _flags(values, ls, sd, thr).items():
        table[name] = flag
    table = table[TABLE_COLUMNS]
    counts = _counts(table, thr, len(pairs))
    k_any = int(table["flag_any"].sum())
    notes = [f"{k_any} of {n} rows flagged; flags are descriptive and no row was dropped"]
    few = int(np.sum(answered < 2))
    if few:
        notes.append(f"{few} row(s) answered fewer than 2 items: irv is NaN for them")
    return CarelessResult(
        table=table,
        counts=counts,
        longstring_threshold=thr["longstring"],
        irv_threshold=thr["irv"],
        n=n,
        items=tuple(mat.columns),
        thresholds=thr,
        synonym_pairs=tuple((mat.columns[a], mat.columns[b]) for a, b in pairs),
        notes=tuple(notes + index_notes),
    )
