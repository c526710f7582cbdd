"""The rows a model is fitted to: checks, groups, and a record of every row left out.

Listwise, a row is used when it has every model variable (and the group or cluster id).
With FIML (lavaan's ``missing = "ml"``) a row is used when it has at least one model variable;
as lavaan does, rows missing every model variable are left out ("empty" rows), and with
``fixed.x`` so are rows missing an exogenous covariate (the likelihood is conditional on the
covariates, which must therefore be observed). Rows without a group (or cluster) id are left
out too. Every row left out is counted, by reason, in :class:`ModelData`.

Groups are the distinct values of the group column in order of first appearance, as lavaan
takes them (``lavInspect(fit, "group.label")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._core.data import closest_columns, require_columns
from ...exceptions import DataValidationError, ModelError
from .partable import ParTable
from .saturated import PatternData

__all__ = ["ModelData", "group_labels", "model_data", "pattern_table"]


@dataclass(frozen=True)
class ModelData:
    """Rows used, per group, and why the others were left out.

    Attributes
    ----------
    frames : tuple of DataFrame
        One frame per group: the model variables (float, NaN where missing with FIML) and the
        cluster column of a two-level model; the original index is kept.
    labels : tuple
        Group labels (``(None,)`` without groups).
    n_total : int
        Rows of the input.
    dropped : dict
        Reason -> rows left out for it (each row counted once, under its first reason).
    """

    frames: tuple[pd.DataFrame, ...]
    labels: tuple[object, ...]
    n_total: int
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return sum(len(f) for f in self.frames)

    @property
    def n_dropped(self) -> int:
        return self.n_total - self.n

    @property
    def reason(self) -> str:
        """One sentence naming every reason rows were left out (empty when none were)."""
        if not self.n_dropped:
            return ""
        prefix = "missing values in "
        columns = [
            f"{k[len(prefix) :]} ({v})" for k, v in self.dropped.items() if k.startswith(prefix)
        ]
        parts = [f"{k} ({v})" for k, v in self.dropped.items() if not k.startswith(prefix)]
        if columns:
            parts.insert(0, prefix + ", ".join(columns))
        return f"{self.n_dropped} of {self.n_total} rows left out: {'; '.join(parts)}"


def group_labels(df: pd.DataFrame, group: str) -> tuple[object, ...]:
    """The groups of column ``group``: its distinct values in order of first appearance.

    Raises
    ------
    DataValidationError
        The column is absent or has fewer than two groups.
    """
    require_columns(df, [group], "sem (group=...)")
    values = pd.unique(df[group].dropna())
    labels = tuple(v.item() if isinstance(v, np.generic) else v for v in values)
    if len(labels) < 2:
        raise DataValidationError(
            f"group='{group}' has {len(labels)} distinct value(s); a multigroup model needs at "
            "least two groups (use group=None for one group)"
        )
    return labels


def _check_columns(df: pd.DataFrame, table: ParTable, extra: list[str]) -> tuple[str, ...]:
    require_columns(df, extra, "sem")
    observed = table.observed()
    lines = {r.lhs: r.line for r in table.rows if r.line} | {
        r.rhs: r.line for r in table.rows if r.line
    }
    absent = [v for v in observed if v not in df.columns]
    if absent:
        v = absent[0]
        close = closest_columns(v, df.columns)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise DataValidationError(
            f"model syntax line {lines.get(v, '?')}: '{v}' is not a column of the data{hint}. "
            "Observed variables must be columns; a latent variable must be defined with '=~'"
            + (f"; other missing: {', '.join(absent[1:])}" if len(absent) > 1 else "")
        )
    latent = [v for b in table.blocks for v in b.lv if v in df.columns]
    if latent:
        raise ModelError(
            f"'{latent[0]}' is defined as a latent variable ('=~') but is also a column of the "
            "data; rename the latent variable"
        )
    for name in extra:
        if name in observed:
            raise ModelError(
                f"the column '{name}' (group or cluster) cannot also be a model variable"
            )
    for v in observed:
        if not (pd.api.types.is_numeric_dtype(df[v]) or pd.api.types.is_bool_dtype(df[v])):
            raise DataValidationError(
                f"column '{v}' is not numeric (dtype {df[v].dtype}); convert it, e.g. "
                f"pd.to_numeric(df['{v}'], errors='coerce')"
            )
        col = df[v].to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(col).any():
            rows = list(df.index[np.isinf(col)][:3])
            raise DataValidationError(
                f"column '{v}' has infinite values (rows {rows}); replace them by NaN (missing) "
                "or by finite numbers"
            )
    return observed


def model_data(
    df: pd.DataFrame,
    table: ParTable,
    *,
    cluster: str | None = None,
    group: str | None = None,
    labels: tuple[object, ...] = (None,),
    fiml: bool = False,
) -> ModelData:
    """Split ``df`` into the rows each group's model is fitted to, counting what is left out.

    Raises
    ------
    DataValidationError
        Absent or non-numeric model variables, infinite values, too few rows, a constant
        variable in a group.
    ModelError
        A latent variable named like a column, a singular covariance matrix.
    """
    extra = [c for c in (cluster, group) if c is not None]
    observed = _check_columns(df, table, extra)
    values = pd.DataFrame(
        {v: df[v].to_numpy(dtype=float, na_value=np.nan) for v in observed}, index=df.index
    )
    keep = np.ones(len(df), dtype=bool)
    dropped: dict[str, int] = {}

    def drop(mask: np.ndarray, reason: str) -> None:
        hit = keep & mask
        if hit.any():
            dropped[reason] = int(hit.sum())
            keep[hit] = False

    for name in extra:
        drop(df[name].isna().to_numpy(), f"missing values in {name}")
    isna = values.isna()
    if fiml:
        x_names = list(dict.fromkeys(v for b in table.blocks for v in b.ov_x))
        for v in x_names:
            drop(isna[v].to_numpy(), f"missing the exogenous covariate '{v}' (fixed.x)")
        drop(isna.all(axis=1).to_numpy(), "missing every model variable")
    else:
        for v in observed:
            drop(isna[v].to_numpy(), f"missing values in {v}")
    frames = []
    for label, info in zip(labels, table.blocks[:: table.n_levels], strict=True):
        rows = keep if group is None else keep & (df[group] == label).to_numpy()
        frame = values.loc[rows, list(observed)]
        if cluster is not None:
            frame = frame.assign(**{cluster: df.loc[rows, cluster]})
        names = info.ov if table.n_levels == 1 else observed
        _check_group(frame, names, label, group, fiml, rank=not fiml and table.n_levels == 1)
        frames.append(frame)
    return ModelData(tuple(frames), labels, len(df), dropped)


def _check_group(
    frame: pd.DataFrame,
    names: tuple[str, ...],
    label: object,
    group: str | None,
    fiml: bool,
    rank: bool,
) -> None:
    where = "" if group is None else f" of group {label!r}"
    rows = "rows" if fiml else "complete rows"
    if len(frame) < 2:
        raise DataValidationError(f"sem needs at least 2 {rows}{where}, got {len(frame)}")
    for v in names:
        col = frame[v].dropna()
        if len(col) < 2 or float(col.var()) <= 0:
            raise DataValidationError(
                f"column '{v}' is constant (or has fewer than 2 values) in the {len(frame)} "
                f"{rows}{where}; a constant cannot be modelled, remove it from the model"
            )
    if not rank:
        return
    x = frame.loc[:, list(names)].to_numpy()
    if np.linalg.matrix_rank(np.cov(x, rowvar=False)) < len(names):
        raise ModelError(
            f"the sample covariance matrix of the model variables{where} is singular (a "
            "variable is a linear combination of others, or there are fewer rows than "
            "variables); remove the redundant variable"
        )


def pattern_table(data: tuple[PatternData, ...], labels: tuple[object, ...]) -> pd.DataFrame:
    """One row per missing-data pattern: ``group, pattern, n, n_observed`` and one 0/1 column
    per variable (1 = observed), most frequent first."""
    records = []
    for label, d in zip(labels, data, strict=True):
        for k, pat in enumerate(d.patterns, start=1):
            rec: dict[str, object] = {"group": label, "pattern": k, "n": pat.n}
            rec["n_observed"] = len(pat.observed)
            seen = set(pat.observed.tolist())
            rec.update({v: int(i in seen) for i, v in enumerate(d.names)})
            records.append(rec)
    out = pd.DataFrame.from_records(records)
    return out.drop(columns="group") if labels == (None,) else out
