"""Input checks and data preparation shared by :func:`mediate` and :func:`moderated_mediation`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._core.checks import check_level, choice
from .._core.data import MissingReport, complete_cases, require_columns
from .._core.warn import warn_user
from ..exceptions import DataValidationError, ModelError, ModelWarning
from ._ols_batch import _codes
from ._types import IntArray
from .bootstrap import CI_METHODS

#: below this many clusters a cluster bootstrap is refused (ModelError) ...
MIN_CLUSTERS = 10
#: ... and below this many it runs with a ModelWarning
WARN_CLUSTERS = 20
#: minimum rows for any bootstrap
MIN_ROWS = 10


def as_list(value: str | Sequence[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError:
        raise DataValidationError(
            f"{what} must be a column name or a list of column names, got {value!r}"
        ) from None
    for v in out:
        if not isinstance(v, str):
            raise DataValidationError(f"{what} must contain column names (strings), got {v!r}")
    return out


#: the interval methods in words (for a result's ``method``)
CI_NAMES = {
    "percentile": "percentile bootstrap",
    "bca": "BCa bootstrap",
    "monte_carlo": "Monte Carlo",
}


def check_options(n_boot: object, ci: object, ci_level: object) -> str:
    """Check the resampling options; returns ``ci`` spelled canonically."""
    ci = choice(ci, "ci", CI_METHODS)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 100:
        raise ModelError(
            f"n_boot must be a whole number of resamples >= 100 (5000 recommended), got {n_boot!r}"
        )
    check_level(ci_level)
    return ci


def check_distinct(roles: dict[str, list[str]]) -> None:
    seen: dict[str, str] = {}
    for role, cols in roles.items():
        for c in cols:
            if c in seen:
                raise DataValidationError(
                    f"column '{c}' is used both as {seen[c]} and as {role}; each variable can have one role"
                )
            seen[c] = role


@dataclass
class Prepared:
    data: pd.DataFrame  # numeric working columns (indicators for a categorical X)
    report: MissingReport
    x_cols: list[str]
    x_levels: list[str | None]
    x_reference: str | None
    y_binary: bool
    cluster_codes: IntArray | None
    n_clusters: int
    notes: list[str] = field(default_factory=list)
    #: the covariate columns of ``data``: a text covariate replaced by its indicators
    covariates: list[str] = field(default_factory=list)


def prepare(
    df: pd.DataFrame,
    *,
    x: str,
    numeric: list[str],
    y: str,
    cluster: str | None,
    x_reference: object | None,
    outcome: str,
    what: str,
    covariates: Sequence[str] = (),
) -> Prepared:
    """Validate the columns, drop incomplete rows (with a record) and code a categorical X.

    ``covariates`` (also listed in ``numeric``) may hold text or categorical columns: each is
    replaced by 0/1 indicators of its non-reference levels (see :func:`_dummy_code`), named
    ``<column>[T.<level>]`` as in a formula; ``Prepared.covariates`` lists the columns used.
    """
    if not isinstance(x, str):
        raise DataValidationError(f"x must be one column name, got {x!r}")
    if not isinstance(y, str):
        raise DataValidationError(f"y must be one column name, got {y!r}")
    cols = [x, *numeric, y] + ([cluster] if cluster else [])
    require_columns(df, cols, what)
    if cluster is not None and df[cluster].isna().any():
        bad = df.index[df[cluster].isna()][:5].tolist()
        raise DataValidationError(
            f"cluster column '{cluster}' has {int(df[cluster].isna().sum())} missing value(s) "
            f"(rows {bad}); give every row its cluster id (e.g. the mentor's id) or drop those rows"
        )
    sub, report = complete_cases(df, cols, what)
    notes = [report.reason] if report.n_dropped else []
    if report.n_dropped:
        warn_user(report.reason, ModelWarning)
    text = [c for c in covariates if _is_text(sub[c])]
    for c in [*numeric, y]:
        if c in text:
            continue
        if pd.api.types.is_bool_dtype(sub[c]):
            sub[c] = sub[c].astype(float)
        elif not pd.api.types.is_numeric_dtype(sub[c]):
            raise DataValidationError(
                f"column '{c}' must be numeric (got {sub[c].dtype}); recode it to numbers "
                "(categorical X is supported through x with x_reference=...)"
            )
    data, x_cols, x_levels, x_reference_out = _code_x(sub, x, x_reference)
    covs_used: list[str] = []
    for c in numeric:
        if c in text:
            indicators = _dummy_code(sub[c], c, notes)
            for name, col in indicators.items():
                data[name] = col
            covs_used += list(indicators) if c in covariates else []
            continue
        data[c] = sub[c].astype(float)
        covs_used += [c] if c in covariates else []
    data[y], y_binary = _code_y(sub[y], y, outcome)
    for c in data.columns:
        if data[c].nunique() < 2:
            raise ModelError(
                f"column '{c}' is constant in the {len(data)} complete rows; it cannot be used in the model"
            )
    codes, n_cl = None, 0
    if cluster is not None:
        codes, n_cl = _cluster_codes(sub[cluster], cluster, notes)
    if len(data) < MIN_ROWS:
        raise ModelError(
            f"only {len(data)} complete rows; a bootstrap mediation model needs at least {MIN_ROWS} (and many more for useful intervals)"
        )
    return Prepared(
        data, report, x_cols, x_levels, x_reference_out, y_binary, codes, n_cl, notes, covs_used
    )


def _is_text(col: pd.Series) -> bool:
    """A text, categorical or mixed column (not numbers, not booleans)."""
    return not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col))


def _dummy_code(col: pd.Series, name: str, notes: list[str]) -> dict[str, pd.Series]:
    """0/1 indicators of every level of a text covariate but the reference (the first level).

    Levels as R's ``factor()`` orders them (category order of a categorical column, else
    sorted), among the complete rows; the reference is the first, as treatment coding in a
    formula (``C(column)``, and :func:`~learning_direction.moderate`'s covariates) and R's
    ``lm`` default. A note records the reference and the indicators.
    """
    levels, labels = _x_levels(col, name)
    if len(levels) < 2:
        only = f" ({labels[0]!r})" if labels else ""
        raise DataValidationError(
            f"covariate '{name}' has a single level{only} in the {len(col)} complete rows; it "
            "cannot be used in the model (leave it out of covariates=)"
        )
    out = {f"{name}[T.{lab}]": (col == lv).astype(float) for lv, lab in zip(levels[1:], labels[1:])}
    notes.append(
        f"covariate '{name}' is categorical: dummy-coded with reference level '{labels[0]}' "
        f"(the first level, as R's factor()); indicators {', '.join(out)}"
    )
    return out


def _code_x(
    sub: pd.DataFrame, x: str, x_reference: object | None
) -> tuple[pd.DataFrame, list[str], list[str | None], str | None]:
    """X as a number, or a categorical X as indicators of its non-reference levels.

    Returns the working data (X columns only), their names, their levels (None for a numeric
    X) and the label of the reference level.
    """
    xs = sub[x]
    categorical = (
        x_reference is not None
        or not pd.api.types.is_numeric_dtype(xs)
        or pd.api.types.is_bool_dtype(xs)
    )
    if categorical and pd.api.types.is_bool_dtype(xs) and x_reference is None:
        xs = xs.astype(float)
        categorical = False
    data = pd.DataFrame(index=sub.index)
    if not categorical:
        data[x] = xs.astype(float)
        return data, [x], [None], None
    levels, labels = _x_levels(xs, x)
    if len(levels) < 2:
        raise DataValidationError(
            f"categorical x '{x}' has only {len(levels)} level(s) in the complete rows; it needs at least 2"
        )
    ref_pos = 0 if x_reference is None else _reference_position(levels, labels, x_reference)
    if ref_pos is None:
        raise DataValidationError(
            f"x_reference={x_reference!r} is not a level of '{x}'; its levels are {labels}"
        )
    x_cols: list[str] = []
    x_levels: list[str | None] = []
    for pos, (lv, lab) in enumerate(zip(levels, labels, strict=True)):
        if pos == ref_pos:
            continue
        name = f"{x}[{lab}]"
        data[name] = (xs == lv).astype(float)
        x_cols.append(name)
        x_levels.append(lab)
    return data, x_cols, x_levels, labels[ref_pos]


def _code_y(ys: pd.Series, y: str, outcome: str) -> tuple[pd.Series, bool]:
    """Y as float, and whether it goes through a logistic equation (``outcome``)."""
    yv = ys.astype(float)
    uniq = np.unique(yv)
    outcome = choice(outcome, "outcome", ["auto", "linear", "logistic"])
    is01 = uniq.size == 2 and set(uniq.tolist()) == {0.0, 1.0}
    if outcome == "logistic" and not is01:
        raise DataValidationError(
            f"outcome='logistic' needs y '{y}' coded 0/1; it has values {uniq[:6].tolist()}"
        )
    return yv, outcome == "logistic" or (outcome == "auto" and is01)


def _cluster_codes(ids: pd.Series, cluster: str, notes: list[str]) -> tuple[IntArray, int]:
    """Integer cluster codes and their number (enough clusters for a cluster bootstrap)."""
    codes, _ = _codes(ids.to_numpy())
    n_cl = int(codes.max()) + 1
    if n_cl < MIN_CLUSTERS:
        raise ModelError(
            f"cluster '{cluster}' has only {n_cl} clusters; a cluster bootstrap needs at least "
            f"{MIN_CLUSTERS} (we recommend {WARN_CLUSTERS}+). Use cluster=None or more clusters"
        )
    if n_cl < WARN_CLUSTERS:
        msg = (
            f"only {n_cl} clusters in '{cluster}': cluster-bootstrap intervals are unreliable "
            f"with fewer than {WARN_CLUSTERS} clusters"
        )
        warn_user(msg, ModelWarning)
        notes.append(msg)
    return codes, n_cl


def _x_levels(xs: pd.Series, x: str) -> tuple[list[Any], list[str]]:
    """Levels of a categorical X (compared as values) and their labels.

    A categorical dtype keeps its category order; other values are sorted (numbers
    numerically, text alphabetically), and values of types that cannot be compared with each
    other by their text, then type name. Distinct values with the same text (``1`` and ``"1"``)
    raise :class:`DataValidationError`, as their labels could not tell them apart.
    """
    if isinstance(xs.dtype, pd.CategoricalDtype):
        levels = [lv for lv in xs.cat.categories if (xs == lv).any()]
    else:
        found = xs.unique().tolist()
        try:
            levels = sorted(found)
        except TypeError:  # e.g. ints and strings in one object column
            levels = sorted(found, key=lambda v: (str(v), type(v).__name__))
    labels = [str(lv) for lv in levels]
    clash = [lab for lab in dict.fromkeys(labels) if labels.count(lab) > 1]
    if clash:
        same = [lv for lv in levels if str(lv) == clash[0]]
        rows = [xs.index[(xs == lv).to_numpy()].tolist()[0] for lv in same]
        shown = ", ".join(
            f"{lv!r} ({type(lv).__name__}, e.g. row {r!r})" for lv, r in zip(same, rows)
        )
        raise DataValidationError(
            f"categorical x '{x}' has different values that read the same: {shown}; recode "
            f"the column to one type (e.g. df['{x}'] = df['{x}'].astype(str))"
        )
    return levels, labels


def _reference_position(levels: list[Any], labels: list[str], x_reference: object) -> int | None:
    """Index of ``x_reference`` among ``levels``: an equal value, else a unique equal label."""
    ref_is_bool = isinstance(x_reference, bool | np.bool_)
    for pos, lv in enumerate(levels):
        if isinstance(lv, bool | np.bool_) != ref_is_bool:
            continue  # True is not the level 1
        try:
            if bool(lv == x_reference):
                return pos
        except (TypeError, ValueError):
            continue
    hits = [pos for pos, lab in enumerate(labels) if lab == str(x_reference)]
    return hits[0] if len(hits) == 1 else None


def cluster_constant(data: pd.DataFrame, codes: IntArray, cols: list[str]) -> bool:
    """True when every column in ``cols`` is constant within each cluster."""
    for c in cols:
        v = data[c].to_numpy()
        mn = np.full(codes.max() + 1, np.inf)
        mx = np.full(codes.max() + 1, -np.inf)
        np.minimum.at(mn, codes, v)
        np.maximum.at(mx, codes, v)
        if np.any(mx - mn > 1e-12 * (1 + np.abs(mx))):
            return False
    return True


# ------------------------------------------------------------------ multilevel design labels
#: the multilevel mediation designs analysed (X-M-Y levels; Krull & MacKinnon 2001)
SUPPORTED_DESIGNS = ("1-1-1", "2-1-1", "2-2-1")

#: what a user who passes the old name '2-1-1' for mentor-level X and M is told
RENAMED_211 = (
    "design '2-1-1' was this toolkit's old name for mentor-level X and M with a mentee-level Y; "
    "that design is '2-2-1' (a design is named by the levels of X, M and Y: Krull & MacKinnon "
    "2001; Zhang, Zyphur & Preacher 2009). '2-1-1' now means a mentor-level X with a "
    "mentee-level M and Y"
)


def variable_levels(data: pd.DataFrame, codes: IntArray, cols: Sequence[str]) -> dict[str, int]:
    """The level of each column: 2 when it is constant within every cluster, else 1.

    A value counts as constant when its range within each cluster is below ``1e-12`` of its size
    (the same rule :func:`cluster_constant` applies).
    """
    return {c: 2 if cluster_constant(data, codes, [c]) else 1 for c in cols}


def design_label(x_level: int, m_level: int, y_level: int) -> str:
    """``"2-1-1"`` style label of the levels of X, M and Y."""
    return f"{x_level}-{m_level}-{y_level}"


def level_names(levels: dict[str, int], level: int) -> str:
    """The columns at ``level``, quoted, for a message."""
    return ", ".join(f"'{c}'" for c, lv in levels.items() if lv == level)


def singleton_clusters(codes: IntArray) -> bool:
    """True when every cluster has exactly one row (the data are not multilevel)."""
    return bool(np.bincount(codes).max() == 1)
