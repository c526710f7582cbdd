"""Person-level profiles: learning-direction profile and the advocacy × authenticity quadrant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.checks import choice
from .._core.data import require_columns
from .._core.plotting import figure
from ..exceptions import DataValidationError
from ._display import OverviewMixin
from .codebook import load_scale
from .scoring import score

__all__ = [
    "QUADRANTS",
    "AdvocacyQuadrantResult",
    "LearningDirectionProfile",
    "advocacy_quadrant",
    "learning_direction_profile",
]

DIRECTIONS = ("upward", "lateral", "downward")
QUADRANTS = ("instruction", "sponsorship", "support", "authentic_advocacy")
_TIE_TOL = 1e-9


def _split_columns(
    columns: Mapping[str, str] | None, score_names: tuple[str, ...]
) -> tuple[dict[str, str], dict[str, str]]:
    """Split a ``columns`` mapping into score-name keys and item-id keys."""
    columns = dict(columns or {})
    return (
        {k: v for k, v in columns.items() if k in score_names},
        {k: v for k, v in columns.items() if k not in score_names},
    )


def _numeric_scores(data: pd.DataFrame, cols: dict[str, str], what: str) -> pd.DataFrame:
    out = {}
    for name, col in cols.items():
        s = data[col]
        if isinstance(s, pd.DataFrame):
            raise DataValidationError(f"{what}: column '{col}' occurs more than once in the data")
        conv = pd.to_numeric(s, errors="coerce")
        bad = conv.isna() & s.notna()
        if bad.any():
            rows = ", ".join(repr(r) for r in s.index[bad.to_numpy()][:5])
            raise DataValidationError(
                f"{what}: score column '{col}' has non-numeric values "
                f"{list(dict.fromkeys(s[bad].tolist()))[:5]!r} in rows {rows}; "
                "fix them or pass the raw items instead"
            )
        out[name] = conv.astype(float)
    return pd.DataFrame(out, index=data.index)


def _get_scores(
    data: pd.DataFrame,
    scale_names: tuple[str, ...],
    score_names: tuple[str, ...],
    columns: Mapping[str, str] | None,
    min_answered: float | None,
    invalid: str,
    what: str,
) -> tuple[pd.DataFrame, str, list[str]]:
    """Scores from existing score columns, or by scoring the raw items."""
    if not isinstance(data, pd.DataFrame):
        raise DataValidationError(f"{what} needs a pandas DataFrame, got {type(data).__name__}")
    score_cols, item_cols = _split_columns(columns, score_names)
    named = {s: score_cols.get(s, s) for s in score_names}
    if all(c in data.columns for c in named.values()):
        return _numeric_scores(data, named, what), "score columns", []
    partial = [s for s, c in named.items() if c in data.columns]
    try:
        res = score(
            data,
            list(scale_names),
            columns=item_cols or None,
            min_answered=min_answered,
            invalid=invalid,
        )
    except DataValidationError as exc:
        if partial:
            raise DataValidationError(
                f"{what}: the data has score column(s) {partial} but not all of "
                f"{list(named.values())}, and scoring the raw items failed: {exc}"
            ) from None
        raise DataValidationError(
            f"{what} needs either score columns {list(named.values())} or the raw items of "
            f"{list(scale_names)}: {exc}"
        ) from None
    return res.scores.loc[:, list(score_names)], "items", list(res.notes)


# ------------------------------------------------------------------ learning-direction profile


@dataclass(frozen=True, eq=False)
class LearningDirectionProfile(OverviewMixin):
    """Each respondent's learning-direction profile.

    Attributes
    ----------
    table : DataFrame
        Input index; ``upward, lateral, downward, dominant, downward_preference`` (and the group
        column when ``group`` was given).
    means : DataFrame
        ``[group,] direction, n, mean, sd, se, ci_low, ci_high`` (95% t interval, as R's
        ``t.test``); shown by ``summary()`` and drawn by ``plot()``.
    n : int
        Rows in the input.
    n_complete : int
        Rows with all three scores.
    source : str
        ``"items"`` (scored here) or ``"score columns"`` (taken from the data).
    group : str or None
        The grouping column.
    """

    table: pd.DataFrame
    means: pd.DataFrame
    n: int
    n_complete: int
    source: str
    group: str | None = None
    ci_level: float = 0.95
    method: str = "dominant = highest of upward/lateral/downward; ties reported as ties"
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Learning-direction profile"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n": self.n,
            "n_complete": self.n_complete,
            "source": self.source,
            "ci_level": self.ci_level,
        }

    def _overview(self) -> pd.DataFrame:
        return self.means

    @property
    def dominant_counts(self) -> pd.Series:
        """How many respondents have each dominant direction (ties as their own category)."""
        return self.table["dominant"].value_counts(dropna=False)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Mean of each direction with its 95% CI (by group when given); returns the Axes."""
        plot_learning_direction_profile = figure("profiles.plot_learning_direction_profile")

        return plot_learning_direction_profile(self.means, ax=ax, **kwargs)


def _dominant(M: np.ndarray) -> np.ndarray:
    out = np.full(M.shape[0], np.nan, dtype=object)
    ok = ~np.isnan(M).any(axis=1)
    if not ok.any():
        return out
    Mk = M[ok]
    top = np.abs(Mk - Mk.max(axis=1, keepdims=True)) <= _TIE_TOL * np.maximum(
        1.0, np.abs(Mk).max(axis=1, keepdims=True)
    )
    code = top[:, 0] * 1 + top[:, 1] * 2 + top[:, 2] * 4
    labels = np.empty(8, dtype=object)
    for c in range(1, 8):
        labels[c] = "=".join(d for b, d in zip((1, 2, 4), DIRECTIONS) if c & b)
    out[ok] = labels[code]
    return out


def _mean_ci(values: np.ndarray, level: float) -> dict[str, float]:
    v = values[~np.isnan(values)]
    n = v.size
    mean = float(v.mean()) if n else np.nan
    sd = float(v.std(ddof=1)) if n > 1 else np.nan
    se = sd / np.sqrt(n) if n > 1 else np.nan
    t = stats.t.ppf(0.5 + level / 2, n - 1) if n > 1 else np.nan
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "se": se,
        "ci_low": mean - t * se,
        "ci_high": mean + t * se,
    }


def learning_direction_profile(
    data: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    group: str | None = None,
    min_answered: float | None = None,
    invalid: str = "raise",
) -> LearningDirectionProfile:
    """Learning-direction profile of each respondent: scores, dominant direction, downward preference.

    Parameters
    ----------
    data : DataFrame
        Either score columns ``upward, lateral, downward`` or the raw items of the bundled
        ``learning_direction`` scale (scored with :func:`learning_direction.score`). Score
        columns are used when all three are present.
    columns : dict, optional
        Renames: keys may be score names (``{"downward": "ld_down"}``) or item ids
        (``{"ld_up_1": "Q4_1"}``).
    group : str, optional
        Column to break the means (and the plot) down by, e.g. a condition or cohort.
    min_answered, invalid
        Passed to :func:`learning_direction.score` when items are scored.

    Returns
    -------
    LearningDirectionProfile
        ``.table`` per respondent (input index kept), ``.means`` with 95% CIs, ``.plot()``.

    Raises
    ------
    DataValidationError
        Neither the score columns nor the items are in the data; non-numeric scores; unknown
        group column.

    Notes
    -----
    ``dominant`` is the direction with the highest score; when two or three directions share
    the highest score (to within 1e-9) the tie is reported as e.g. ``"upward=downward"``;
    NaN when any score is missing. ``downward_preference = downward - (upward + lateral) / 2``
    (positive: the respondent values insight from below more than from above or the side).
    Means get a t-based 95% CI, :math:`\\bar x \\pm t_{.975, n-1}\\, s/\\sqrt{n}`.

    References
    ----------
    Zhang, Wang & Galinsky (2023), Academy of Management Journal.

    Examples
    --------
    >>> import pandas as pd
    >>> import learning_direction as ld
    >>> scores = pd.DataFrame({"upward": [5.0, 4.0], "lateral": [3.0, 4.0], "downward": [6.0, 4.0]})
    >>> ld.learning_direction_profile(scores).table["dominant"].tolist()
    ['downward', 'upward=lateral=downward']

    R: ``colMeans`` / ``t.test`` per direction on ``psych::scoreItems`` output.
    """
    what = "learning_direction_profile()"
    if group is not None:
        require_columns(data, [group], what)
    scores, source, notes = _get_scores(
        data, ("learning_direction",), DIRECTIONS, columns, min_answered, invalid, what
    )
    M = scores.loc[:, list(DIRECTIONS)].to_numpy(dtype=float)
    table = scores.loc[:, list(DIRECTIONS)].copy()
    table["dominant"] = pd.Series(_dominant(M), index=data.index, dtype=object)
    table["downward_preference"] = M[:, 2] - (M[:, 0] + M[:, 1]) / 2
    level = 0.95
    rows = []
    if group is not None:
        table[group] = data[group]
        for g, sub in table.groupby(group, sort=True, dropna=True):
            for d in DIRECTIONS:
                rows.append({"group": g, "direction": d, **_mean_ci(sub[d].to_numpy(), level)})
        n_nogroup = int(data[group].isna().sum())
        if n_nogroup:
            notes.append(
                f"{n_nogroup} row(s) with missing '{group}' are left out of the group means"
            )
    else:
        for d in DIRECTIONS:
            rows.append({"direction": d, **_mean_ci(table[d].to_numpy(), level)})
    means = pd.DataFrame(rows)
    complete = ~np.isnan(M).any(axis=1)
    if (~complete).any():
        notes.append(
            f"{int((~complete).sum())} of {len(M)} rows lack at least one direction score: "
            "dominant and downward_preference are NaN for them"
        )
    return LearningDirectionProfile(
        table=table,
        means=means,
        n=len(M),
        n_complete=int(complete.sum()),
        source=source,
        group=group,
        ci_level=level,
        notes=tuple(notes),
    )


# ------------------------------------------------------------------ advocacy quadrant


@dataclass(frozen=True, eq=False)
class AdvocacyQuadrantResult(OverviewMixin):
    """Relationships classified by advocacy and authenticity.

    Attributes
    ----------
    table : DataFrame
        Input index; ``advocacy, authenticity, high_advocacy, high_authenticity, quadrant``
        (``quadrant`` categorical in the order of :data:`QUADRANTS`; NaN when a score is missing).
    counts : DataFrame
        ``quadrant, n, share`` (share of classified rows); shown by ``summary()``.
    cut_advocacy, cut_authenticity : float
        The cut points used.
    split : str
        ``"midpoint"``, ``"median"`` or ``"custom"``.
    """

    table: pd.DataFrame
    counts: pd.DataFrame
    cut_advocacy: float
    cut_authenticity: float
    split: str
    n: int
    n_classified: int
    response_range: tuple[float, float] | None = None
    method: str = "high = strictly above the cut; values at the cut count as low"
    notes: tuple[str, ...] = field(default_factory=tuple)

    _title: ClassVar[str] = "Advocacy × authenticity quadrants"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "split": self.split,
            "cut_advocacy": self.cut_advocacy,
            "cut_authenticity": self.cut_authenticity,
            "n": self.n,
            "n_classified": self.n_classified,
        }

    def _overview(self) -> pd.DataFrame:
        return self.counts

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Scatter of advocacy × authenticity with the cut lines and counts per quadrant."""
        plot_advocacy_quadrant = figure("profiles.plot_advocacy_quadrant")

        return plot_advocacy_quadrant(self, ax=ax, **kwargs)


def advocacy_quadrant(
    data: pd.DataFrame,
    *,
    split: str = "midpoint",
    cut: tuple[float, float] | None = None,
    columns: Mapping[str, str] | None = None,
    min_answered: float | None = None,
    invalid: str = "raise",
) -> AdvocacyQuadrantResult:
    """Classify mentoring relationships into advocacy × authenticity quadrants.

    Parameters
    ----------
    data : DataFrame
        Score columns ``advocacy`` and ``authenticity``, or the raw items of the bundled
        ``advocacy`` and ``authenticity`` scales (scored with :func:`learning_direction.score`).
    split : {"midpoint", "median"}
        Cut at the midpoint of the response range (default; (1 + 7) / 2 = 4 for the bundled
        scales) or at each score's sample median.
    cut : (float, float), optional
        Explicit ``(advocacy_cut, authenticity_cut)``; overrides ``split`` (e.g. when the scores
        come from a different response format).
    columns : dict, optional
        Renames: score names (``{"advocacy": "adv_score"}``) or item ids (``{"adv_1": "Q7_1"}``).
    min_answered, invalid
        Passed to :func:`learning_direction.score` when items are scored.

    Returns
    -------
    AdvocacyQuadrantResult
        ``.table`` per relationship (input index kept), ``.counts``, ``.plot()``.

    Raises
    ------
    DataValidationError
        Unknown ``split``; neither scores nor items present; non-numeric scores.

    Notes
    -----
    A score is *high* when strictly greater than the cut, so a value exactly at the cut counts
    as low (with a median split, the lower group therefore holds at least half the sample).
    Quadrants: ``instruction`` (low advocacy, low authenticity), ``sponsorship`` (high
    advocacy, low authenticity), ``support`` (low advocacy, high authenticity),
    ``authentic_advocacy`` (high, high). Rows with a missing score are not classified (NaN).
    Splitting continuous scores loses information; use the scores themselves in models.

    References
    ----------
    Ibarra, H. (2019). A lack of sponsorship is keeping women from advancing into leadership.
    Harvard Business Review. MacCallum, R. C., Zhang, S., Preacher, K. J., & Rucker, D. D. (2002).
    On the practice of dichotomization of quantitative variables. Psychological Methods, 7, 19-40.

    Examples
    --------
    >>> import pandas as pd
    >>> import learning_direction as ld
    >>> pairs = pd.DataFrame({"advocacy": [2.0, 6.0, 4.0], "authenticity": [6.5, 6.0, 3.0]})
    >>> ld.advocacy_quadrant(pairs).table["quadrant"].tolist()
    ['support', 'authentic_advocacy', 'instruction']

    R: ``table(adv > cut_a, auth > cut_b)`` on the scored data.
    """
    what = "advocacy_quadrant()"
    split = choice(split, "split", ("midpoint", "median"), error=DataValidationError)
    names = ("advocacy", "authenticity")
    scores, source, notes = _get_scores(data, names, names, columns, min_answered, invalid, what)
    adv = scores["advocacy"].to_numpy(dtype=float)
    auth = scores["authenticity"].to_numpy(dtype=float)
    rng = None
    if cut is not None:
        if len(cut) != 2:
            raise DataValidationError(f"cut must be (advocacy_cut, authenticity_cut), got {cut!r}")
        c_adv, c_auth = float(cut[0]), float(cut[1])
        split_used = "custom"
    elif split == "midpoint":
        s_adv, s_auth = load_scale("advocacy"), load_scale("authenticity")
        c_adv = (s_adv.response_min + s_adv.response_max) / 2
        c_auth = (s_auth.response_min + s_auth.response_max) / 2
        rng = (
            min(s_adv.response_min, s_auth.response_min),
            max(s_adv.response_max, s_auth.response_max),
        )
        split_used = "midpoint"
        if source == "score columns":
            lo = np.nanmin(np.r_[adv, auth]) if np.isfinite(np.r_[adv, auth]).any() else np.nan
            hi = np.nanmax(np.r_[adv, auth]) if np.isfinite(np.r_[adv, auth]).any() else np.nan
            if lo < rng[0] or hi > rng[1]:
                raise DataValidationError(
                    f"{what}: scores range {lo:g}–{hi:g}, outside the bundled scales' response "
                    f"range {rng[0]:g}–{rng[1]:g}, so the midpoint split does not apply; pass "
                    "split='median' or cut=(advocacy_cut, authenticity_cut)"
                )
    else:
        if np.isnan(adv).all() or np.isnan(auth).all():
            raise DataValidationError(
                f"{what}: no advocacy/authenticity scores to take a median of"
            )
        c_adv, c_auth = float(np.nanmedian(adv)), float(np.nanmedian(auth))
        split_used = "median"
    ok = ~(np.isnan(adv) | np.isnan(auth))
    hi_adv = adv > c_adv
    hi_auth = auth > c_auth
    code = hi_adv.astype(int) + 2 * hi_auth.astype(int)
    labels = np.array(QUADRANTS, dtype=object)[code]
    labels[~ok] = np.nan
    table = pd.DataFrame(
        {
            "advocacy": adv,
            "authenticity": auth,
            "high_advocacy": pd.array(np.where(ok, hi_adv, pd.NA), dtype="boolean"),
            "high_authenticity": pd.array(np.where(ok, hi_auth, pd.NA), dtype="boolean"),
            "quadrant": pd.Categorical(labels, categories=list(QUADRANTS)),
        },
        index=data.index,
    )
    n_cls = int(ok.sum())
    vc = table["quadrant"].value_counts(sort=False)
    counts = pd.DataFrame(
        {
            "quadrant": list(QUADRANTS),
            "n": [int(vc.get(q, 0)) for q in QUADRANTS],
        }
    )
    counts["share"] = counts["n"] / n_cls if n_cls else np.nan
    at_cut = int(np.sum(ok & ((adv == c_adv) | (auth == c_auth))))
    if at_cut:
        notes.append(f"{at_cut} row(s) have a score exactly at a cut; they are classified as low")
    if (~ok).any():
        notes.append(f"{int((~ok).sum())} of {len(ok)} rows not classified (a score is missing)")
    return AdvocacyQuadrantResult(
        table=table,
        counts=counts,
        cut_advocacy=c_adv,
        cut_authenticity=c_auth,
        split=split_used,
        n=len(ok),
        n_classified=n_cls,
        response_range=rng,
        notes=tuple(notes),
    )
