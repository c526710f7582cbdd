"""Population values taken from pilot data or a fitted mediation result (private).

:func:`from_dataframe` estimates standardized paths by OLS on z-scores of pilot data;
:func:`from_mediation_result` standardizes the paths of a fitted
:func:`~learning_direction.models.mediation.mediate` result with its sample SDs. Both return
:class:`PathValues`, which :class:`~learning_direction.models.power.scenario.Scenario` checks
against the design's rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..._core.data import complete_cases
from ...exceptions import DataValidationError, ModelError
from .._types import FloatArray

__all__ = ["PathValues", "from_dataframe", "from_mediation_result"]


@dataclass(frozen=True)
class PathValues:
    """Path values of a scenario, with what pilot data add (correlations, names, notes).

    ``c_prime`` is kept as given (checked to be a number when the scenario is made);
    ``serial`` is set when the source says whether the mediators are serial (a fitted result).
    """

    a: list[float]
    b: list[float]
    c_prime: object = 0.0
    d: list[float] = field(default_factory=list)
    mediators: Sequence[str] = ()
    covariates: Sequence[str] = ()
    exog_corr: FloatArray | None = None
    covariate_paths: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    mediator_corr: FloatArray | None = None
    serial: bool | None = None
    notes: Sequence[str] = ()


def _names(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _pilot_frame(df: pd.DataFrame, cols: list[str], notes: list[str]) -> pd.DataFrame:
    """z-scores of the complete rows of the pilot columns (all numeric, none constant)."""
    data, report = complete_cases(df, cols, "power_mediation(pilot=...)")
    if report.n_dropped:
        notes.append(f"pilot data: {report.reason}")
    for c in cols:
        if not pd.api.types.is_numeric_dtype(data[c]):
            raise DataValidationError(
                f"pilot column '{c}' is not numeric (dtype {data[c].dtype}); recode it as numbers"
            )
    if len(data) < len(cols) + 3:
        raise DataValidationError(
            f"pilot data has {len(data)} complete rows for {len(cols)} variables; "
            f"at least {len(cols) + 3} are needed"
        )
    Z = (data - data.mean()) / data.std(ddof=1)
    if not np.isfinite(Z.to_numpy()).all():
        raise DataValidationError("a pilot column is constant; it cannot be a predictor or outcome")
    return Z


def _ols(Z: pd.DataFrame, y: str, preds: list[str]) -> tuple[FloatArray, FloatArray]:
    """Slopes (without the intercept) and residuals of ``y`` on ``preds``."""
    X = np.column_stack([np.ones(len(Z)), Z[preds].to_numpy()])
    coef, *_ = np.linalg.lstsq(X, Z[y].to_numpy(), rcond=None)
    resid: FloatArray = Z[y].to_numpy() - X @ coef
    return coef[1:], resid


def from_dataframe(
    df: pd.DataFrame,
    x: str | None,
    m: str | Sequence[str] | None,
    y: str | None,
    covariates: str | Sequence[str] | None,
    serial: bool,
) -> PathValues:
    """Standardized population values estimated from pilot data (OLS on z-scores)."""
    if x is None or m is None or y is None:
        raise DataValidationError(
            "pilot data needs the column names: power_mediation(pilot=df, x='...', m='...', y='...')"
        )
    ms, covs = _names(m), _names(covariates)
    notes: list[str] = []
    Z = _pilot_frame(df, [x, *ms, y, *covs], notes)
    a: list[float] = []
    d: list[float] = []
    resid: list[FloatArray] = []
    cov_paths: dict[str, list[float]] = {c: [] for c in covs}
    for j, mj in enumerate(ms):
        preds = [x, *(ms[:j] if serial else []), *covs]
        coef, res = _ols(Z, mj, preds)
        a.append(float(coef[0]))
        if serial:  # M1->M2 (, M1->M3, M2->M3), the order of the scenario's d
            d.extend(float(v) for v in coef[1 : 1 + j])
        for ci, c in enumerate(covs):
            cov_paths[c].append(float(coef[len(preds) - len(covs) + ci]))
        resid.append(res)
    coef, _ = _ols(Z, y, [x, *ms, *covs])
    for ci, c in enumerate(covs):
        cov_paths[c].append(float(coef[1 + len(ms) + ci]))
    notes.append(
        f"population values estimated from pilot data ({len(Z)} rows): standardized OLS "
        "paths, correlations among X and covariates and the mediators' residual correlations "
        "are taken as the true values"
    )
    return PathValues(
        a=a,
        b=[float(v) for v in coef[1 : 1 + len(ms)]],
        c_prime=float(coef[0]),
        d=d,
        mediators=ms,
        covariates=covs,
        exog_corr=Z[[x, *covs]].corr().to_numpy(),
        covariate_paths={c: tuple(v) for c, v in cov_paths.items()},
        mediator_corr=np.corrcoef(np.vstack(resid)) if (len(ms) > 1 and not serial) else None,
        notes=notes,
    )


def _sample_sds(res: Any, ms: list[str]) -> tuple[float, float, dict[str, float]]:
    """SDs of X, Y and each mediator, recovered from the result's tables."""
    tab = res.table.set_index("term")["estimate"]
    first = "indirect:" + ms[0]
    std, pstd = f"indirect_std:{ms[0]}", f"indirect_partial_std:{ms[0]}"
    if std not in tab.index or pstd not in tab.index or tab[pstd] == 0:
        raise ModelError(
            "this MediationResult has no standardized indirect effects (fit it with "
            "standardize=True), so the SDs needed to standardize its paths are unknown; "
            "give a=, b=, c_prime= or the pilot DataFrame instead"
        )
    sd_m = {}
    for mm in ms:
        eq = res.equations[f"m:{mm}"]
        r2, mse, dfr = eq.attrs["r2"], eq.attrs["mse"], eq.attrs["df_resid"]
        sd_m[mm] = math.sqrt(mse * dfr / ((res.n - 1) * (1 - r2)))
    return float(tab[std] / tab[pstd]), float(tab[first] / tab[pstd]), sd_m


def from_mediation_result(res: Any) -> PathValues:
    """Standardized population values from a fitted MediationResult (duck-typed)."""
    if res.y_family != "gaussian" or res.x_levels:
        raise ModelError(
            "power from a MediationResult needs a continuous X and Y; give the standardized "
            "paths (a=, b=, c_prime=) instead"
        )
    if res.cluster:
        raise ModelError(
            "power from a clustered MediationResult is not supported; give the standardized "
            "paths with icc= and cluster_size= (designs '2-2-1', or '2-1-1' with icc_m=) instead"
        )
    ms = list(res.mediators)
    sd_x, sd_y, sd_m = _sample_sds(res, ms)
    tab = res.table.set_index("term")["estimate"]
    serial = res.model == 6
    d = []
    if serial:
        pairs = [(i, j) for j in range(len(ms)) for i in range(j)]
        d = [float(tab[f"d:{ms[i]}->{ms[j]}"]) * sd_m[ms[i]] / sd_m[ms[j]] for i, j in pairs]
    notes = [
        "population values from a fitted MediationResult: its path estimates, standardized "
        "with the sample SDs, are taken as the true values"
    ]
    if res.covariates:
        notes.append(
            "the pilot model's covariates are not simulated (their correlations are not stored "
            "in a MediationResult); pass the pilot DataFrame to include them"
        )
    return PathValues(
        a=[float(tab[f"a:{mm}"]) * sd_x / sd_m[mm] for mm in ms],
        b=[float(tab[f"b:{mm}"]) * sd_m[mm] / sd_y for mm in ms],
        c_prime=float(tab["c_prime"]) * sd_x / sd_y,
        d=d,
        mediators=ms,
        serial=serial,
        notes=notes,
    )
