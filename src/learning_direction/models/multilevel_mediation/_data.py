"""Checked data of a multilevel mediation model: complete rows, clusters, levels and the design.

Private. :func:`prepare` validates the columns, leaves out incomplete rows (with a record),
codes the clusters, infers the level of every variable (constant within every cluster: level 2,
Krull & MacKinnon 2001) and names the design by the levels of X, M and Y. It refuses what
:func:`~learning_direction.multilevel_mediation` cannot estimate, saying what it can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._core.data import MissingReport, complete_cases, require_columns
from ..._core.warn import warn_user
from ...exceptions import DataValidationError, ModelError, ModelWarning
from .._ols_batch import _codes
from .._process_input import (
    SUPPORTED_DESIGNS,
    as_list,
    check_distinct,
    design_label,
    singleton_clusters,
    variable_levels,
)
from .._types import FloatArray, IntArray

__all__ = ["MIN_CLUSTERS", "TERMS", "MLData", "cluster_means", "prepare"]

#: fewer clusters than this are refused; fewer than WARN_CLUSTERS give a warning
MIN_CLUSTERS = 10
WARN_CLUSTERS = 30

#: the terms of a multilevel mediation table, in display order
TERMS = (
    "a_within",
    "b_within",
    "indirect_within",
    "a_between",
    "b_between",
    "indirect_between",
    "c_prime_within",
    "c_prime_between",
)


@dataclass(frozen=True)
class MLData:
    """Complete rows of a multilevel mediation model and what is known about their levels.

    ``frame`` holds X, M, Y and the covariates as floats (the input index kept); ``codes`` the
    cluster of each row (0..J-1); ``levels`` the level of every variable; ``cov_within`` the
    level-1 covariates (split into within and between parts) and ``cov_between`` the level-2
    ones.
    """

    frame: pd.DataFrame
    codes: IntArray
    cluster_labels: np.ndarray
    x: str
    m: str
    y: str
    cluster: str
    levels: dict[str, int]
    design: str
    cov_within: tuple[str, ...]
    cov_between: tuple[str, ...]
    report: MissingReport
    notes: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def n_clusters(self) -> int:
        return int(self.codes.max()) + 1

    @property
    def covariates(self) -> tuple[str, ...]:
        return (*self.cov_within, *self.cov_between)

    @property
    def sizes(self) -> IntArray:
        out: IntArray = np.bincount(self.codes)
        return out

    def terms(self) -> tuple[str, ...]:
        """The terms that exist for the design (e.g. no within a path when X is level 2)."""
        x_l1, m_l1 = self.levels[self.x] == 1, self.levels[self.m] == 1
        keep = {"a_between", "b_between", "indirect_between", "c_prime_between"}
        if m_l1:
            keep.add("b_within")
        if x_l1:
            keep |= {"a_within", "indirect_within", "c_prime_within"}
        return tuple(t for t in TERMS if t in keep)

    def size_summary(self) -> dict[str, float]:
        """Rows per cluster: ``min, median, mean, max, cv, n_singletons``."""
        s = self.sizes.astype(float)
        return {
            "min": float(s.min()),
            "median": float(np.median(s)),
            "mean": float(s.mean()),
            "max": float(s.max()),
            "cv": float(s.std(ddof=1) / s.mean()) if len(s) > 1 else 0.0,
            "n_singletons": float((s == 1).sum()),
        }


def cluster_means(values: FloatArray, codes: IntArray) -> FloatArray:
    """Each row's cluster mean of ``values`` (rows, or rows x columns)."""
    counts = np.bincount(codes).astype(float)
    v = np.asarray(values, float)
    if v.ndim == 1:
        out: FloatArray = (np.bincount(codes, weights=v) / counts)[codes]
        return out
    sums = np.zeros((len(counts), v.shape[1]))
    np.add.at(sums, codes, v)
    res: FloatArray = (sums / counts[:, None])[codes]
    return res


def _check_names(x: object, m: object, y: object, cluster: object, covs: list[str]) -> None:
    for what, value in (("x", x), ("m", m), ("y", y), ("cluster", cluster)):
        if not isinstance(value, str):
            raise DataValidationError(f"{what} must be one column name, got {value!r}")
    check_distinct(
        {
            "x": [str(x)],
            "m": [str(m)],
            "y": [str(y)],
            "a covariate": covs,
            "cluster": [str(cluster)],
        }
    )
    reserved = [c for c in [x, m, y, *covs] if c in TERMS]
    if reserved:
        raise DataValidationError(
            f"column '{reserved[0]}' has the name of a reported effect; rename it (e.g. "
            f"df.rename(columns={{'{reserved[0]}': '{reserved[0]}_score'}}))"
        )


def _numeric(sub: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=sub.index)
    for c in cols:
        col = sub[c]
        if pd.api.types.is_bool_dtype(col):
            col = col.astype(float)
        elif not pd.api.types.is_numeric_dtype(col):
            raise DataValidationError(
                f"column '{c}' must be numeric (got {col.dtype}); recode it to numbers, e.g. "
                f"pd.to_numeric(df['{c}'], errors='coerce')"
            )
        out[c] = col.astype(float)
        if out[c].nunique() < 2:
            raise ModelError(
                f"column '{c}' is constant in the {len(out)} complete rows; it cannot be used "
                "in the model"
            )
    return out


def _clusters(ids: pd.Series, cluster: str, notes: list[str]) -> IntArray:
    codes, _ = _codes(ids.to_numpy())
    n_cl = int(codes.max()) + 1
    if n_cl < MIN_CLUSTERS:
        raise ModelError(
            f"cluster '{cluster}' has only {n_cl} clusters; a multilevel mediation model needs at "
            f"least {MIN_CLUSTERS} (the between-cluster paths rest on the clusters; 50 or more "
            "are recommended)"
        )
    if n_cl < WARN_CLUSTERS:
        msg = (
            f"only {n_cl} clusters in '{cluster}': the between-cluster paths and their intervals "
            f"are imprecise and their standard errors may be too small with fewer than "
            f"{WARN_CLUSTERS} clusters"
        )
        warn_user(msg, ModelWarning)
        notes.append(msg)
    return codes


def _design(levels: dict[str, int], x: str, m: str, y: str, cluster: str) -> str:
    label = design_label(levels[x], levels[m], levels[y])
    if label in SUPPORTED_DESIGNS:
        return label
    if levels[y] == 2:
        why = f"y '{y}' is constant within every '{cluster}' cluster (a level-2 outcome)"
    else:
        why = f"x '{x}' varies within clusters while m '{m}' is constant within them"
    raise ModelError(
        f"design {label} is not supported: {why}. Supported designs (levels of X-M-Y, level 2 = "
        "constant within every cluster): 1-1-1, 2-1-1 and 2-2-1; for an all-cluster-level model "
        "analyse one row per cluster with ld.mediate"
    )


def prepare(
    df: pd.DataFrame,
    x: str,
    m: str,
    y: str,
    cluster: str,
    covariates: str | Sequence[str] | None,
) -> MLData:
    """Check the columns, leave out incomplete rows, infer the levels and the design."""
    covs = as_list(covariates, "covariates")
    _check_names(x, m, y, cluster, covs)
    cols = [x, m, y, *covs]
    require_columns(df, [*cols, cluster], "multilevel_mediation()")
    if df[cluster].isna().any():
        bad = df.index[df[cluster].isna()][:5].tolist()
        raise DataValidationError(
            f"cluster column '{cluster}' has {int(df[cluster].isna().sum())} missing value(s) "
            f"(rows {bad}); give every row its cluster id (e.g. the mentor's id) or drop those rows"
        )
    sub, report = complete_cases(df, [*cols, cluster], "multilevel_mediation()")
    notes: list[str] = []
    if report.n_dropped:
        notes.append(report.reason)
        warn_user(report.reason, ModelWarning)
    frame = _numeric(sub, cols)
    codes = _clusters(sub[cluster], cluster, notes)
    if singleton_clusters(codes):
        raise ModelError(
            f"every cluster of '{cluster}' has one row: the design is not multilevel (no "
            "variation within clusters); use ld.mediate without cluster="
        )
    levels = variable_levels(frame, codes, cols)
    design = _design(levels, x, m, y, cluster)
    n_single = int((np.bincount(codes) == 1).sum())
    if n_single:
        notes.append(
            f"{n_single} cluster(s) have a single row: they inform the between-cluster part only"
        )
    return MLData(
        frame=frame,
        codes=codes,
        cluster_labels=sub[cluster].to_numpy(),
        x=x,
        m=m,
        y=y,
        cluster=cluster,
        levels=levels,
        design=design,
        cov_within=tuple(c for c in covs if levels[c] == 1),
        cov_between=tuple(c for c in covs if levels[c] == 2),
        report=report,
        notes=tuple(notes),
    )
