"""Multiple-imputation diagnostics: observed vs imputed densities (as ``mice::densityplot``).

Used by :meth:`learning_direction.ImputedData.plot`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from scipy import stats

from ..exceptions import DataValidationError
from ._style import PALETTE, get_ax, publication_style

if TYPE_CHECKING:
    from ..models.imputation import ImputedData

__all__ = ["plot_imputed_densities"]


def _density(values: Any, grid: Any) -> Any:
    """Gaussian kernel density of ``values`` on ``grid`` (None when it cannot be estimated:
    fewer than two distinct values)."""
    v = np.asarray(values, dtype=float)
    if len(np.unique(v)) < 2:
        return None
    return stats.gaussian_kde(v)(grid)


def plot_imputed_densities(
    result: ImputedData, column: str | None = None, ax: Axes | None = None
) -> Axes:
    """Density of the observed values (thick) and of each imputation's imputed values (thin).

    Imputed values that follow the observed distribution are what predictive mean matching
    gives under MCAR; a shift shows that the imputation model moved the missing values (as it
    should under MAR when the predictors of missingness also predict the column).

    Parameters
    ----------
    result : ImputedData
        The result of :func:`learning_direction.impute`.
    column : str, optional
        The imputed column to show; default the one with the most missing values.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> imp = ld.impute(df, m=5, seed=1)   # doctest: +SKIP
    >>> ax = imp.plot("eng_1")              # doctest: +SKIP
    """
    imputed = result.table[result.table["role"] == "imputed"]
    if imputed.empty:
        raise DataValidationError("plot(): no column was imputed, so there is nothing to show")
    if column is None:
        column = str(imputed.sort_values("n_missing", ascending=False)["column"].iloc[0])
    elif column not in set(imputed["column"]):
        raise DataValidationError(
            f"plot(): '{column}' is not an imputed column; imputed columns: "
            f"{list(imputed['column'])}"
        )
    where = result.missing[column].to_numpy()
    observed = result.data.loc[~where, column].to_numpy(dtype=float)
    draws = [d.loc[where, column].to_numpy(dtype=float) for d in result.imputations]
    values = np.concatenate([observed, *draws])
    pad = 0.1 * (values.max() - values.min() or 1.0)
    grid = np.linspace(values.min() - pad, values.max() + pad, 200)
    ax = get_ax(ax, figsize=(6.0, 4.0))
    with publication_style():
        for i, d in enumerate(draws):
            dens = _density(d, grid)
            if dens is not None:
                ax.plot(
                    grid,
                    dens,
                    color=PALETTE[5],
                    lw=0.8,
                    alpha=0.6,
                    label="imputed (one line per imputation)" if i == 0 else None,
                )
        dens = _density(observed, grid)
        if dens is not None:
            ax.plot(grid, dens, color=PALETTE[0], lw=2.2, label="observed")
        ax.set_xlabel(column)
        ax.set_ylabel("density")
        ax.set_title(
            f"{column}: {int(where.sum())} values imputed, m = {result.m}", fontsize="medium"
        )
        ax.legend(frameon=False, fontsize="small")
    return ax
