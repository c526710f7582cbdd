"""SPSS (``.sav``/``.zsav``) and Stata (``.dta``) files, read with pyreadstat.

User-missing values declared in the file become NaN (and are logged); variable labels become
the column metadata and value labels are kept, or applied on request.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..._core.cells import masked_value
from .cells import tidy
from .report import ReadLog, Recoding, fail

__all__ = ["apply_labels", "read_stat"]


def _log_user_missing(log: ReadLog, col: str, hits: pd.Series) -> None:
    """Log each user-missing value found in ``col`` (set to missing), with its count."""
    for value, count in hits.value_counts().sort_index().items():
        log.recodings.append(
            Recoding(
                col, tidy(value), np.nan, int(count), "user-missing value declared in the file"
            )
        )


def read_stat(
    path: Path, fmt: str, log: ReadLog
) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[Any, str]]]:
    """Data, variable labels and value labels; declared user-missing values set to NaN."""
    import pyreadstat

    reader = pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta
    try:
        df, meta = reader(str(path), user_missing=True, apply_value_formats=False)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        kind = "SPSS .sav" if fmt == "sav" else "Stata .dta"
        raise fail(
            path, f"cannot be read as a {kind} file ({exc}); check that it is not damaged"
        ) from None
    if len(df.columns) == 0:
        raise fail(path, "the file is empty (no variables)")
    if len(df) == 0:
        raise fail(path, f"the file has {len(df.columns)} variables but no cases (0 rows)")
    # user-defined missing values declared in the file
    for col, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        s = df[col]
        for rng in ranges:
            lo, hi = rng.get("lo"), rng.get("hi")
            if lo == hi:
                mask = s == lo
            else:
                mask = (s >= lo) & (s <= hi)
            hits = s[mask.fillna(False).astype(bool)]
            _log_user_missing(log, col, hits)
            if len(hits):
                s = s.mask(mask.fillna(False).astype(bool))
        df[col] = s
    for col, values in (getattr(meta, "missing_user_values", None) or {}).items():
        if col in df.columns and values:
            s = df[col]
            mask = s.isin(list(values))
            _log_user_missing(log, col, s[mask])
            df[col] = s.mask(mask)
    metadata = {c: str(lab) for c, lab in (meta.column_names_to_labels or {}).items() if lab}
    value_labels = {c: dict(v) for c, v in (meta.variable_value_labels or {}).items()}
    return df, metadata, value_labels


def apply_labels(
    df: pd.DataFrame, value_labels: Mapping[str, Mapping[Any, str]], log: ReadLog
) -> pd.DataFrame:
    """Replace codes by value labels (a categorical column when every value has one)."""
    for col, mapping in value_labels.items():
        if col not in df.columns:
            continue
        s = df[col]
        present = s.dropna()
        labelled = present.isin(list(mapping))
        if labelled.all():
            order = [mapping[k] for k in sorted(mapping, key=lambda v: (str(type(v)), v))]
            cats = list(dict.fromkeys(order))
            df[col] = pd.Categorical(s.map(mapping), categories=cats)
        else:
            unl = sorted({masked_value(tidy(v)) for v in present[~labelled]}, key=str)[:5]
            df[col] = s.map(lambda v, m=mapping: m.get(v, v)).astype(object)
            log.notes.append(
                f"column '{col}' has values without a value label ({', '.join(map(str, unl))}); "
                "they were kept as codes next to the labels"
            )
    return df
