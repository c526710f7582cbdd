"""Convergent and discriminant validity of a CFA solution: AVE, composite reliability, HTMT.

Numerics only (no plotting, no I/O); used by :func:`learning_direction.cfa`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DISCRIMINANT_COLUMNS", "convergent_validity", "discriminant_validity", "htmt"]

DISCRIMINANT_COLUMNS = [
    "factor_1",
    "factor_2",
    "correlation",
    "htmt",
    "htmt_below_85",
    "htmt_below_90",
    "fornell_larcker",
]


def htmt(r: np.ndarray, groups: list[list[int]], i: int, j: int) -> float:
    """Heterotrait–monotrait ratio of factors ``i`` and ``j`` from the item correlation matrix."""
    a, b = groups[i], groups[j]
    hetero = np.abs(r[np.ix_(a, b)]).mean()

    def mono(g: list[int]) -> float:
        block = np.abs(r[np.ix_(g, g)])
        return float(block[np.triu_indices(len(g), 1)].mean())

    return float(hetero / np.sqrt(mono(a) * mono(b)))


def convergent_validity(
    loadings: pd.DataFrame, corr: np.ndarray, factors: list[str]
) -> pd.DataFrame:
    """Per factor: AVE, sqrt(AVE), composite reliability, the largest |r| with another factor.

    ``loadings`` has ``factor`` and ``std_estimate`` columns; ``corr`` is the factor
    correlation matrix in the order of ``factors``.
    """
    rows = []
    for k, f in enumerate(factors):
        ls = loadings.loc[loadings["factor"] == f, "std_estimate"].to_numpy(dtype=float)
        ave = float(np.mean(ls**2))
        cr = float(ls.sum() ** 2 / (ls.sum() ** 2 + np.sum(1.0 - ls**2)))
        others = np.delete(np.abs(corr[k]), k)
        max_r = float(others.max()) if len(others) else float("nan")
        rows.append(
            {
                "factor": f,
                "n_items": len(ls),
                "ave": ave,
                "sqrt_ave": float(np.sqrt(ave)),
                "composite_reliability": cr,
                "max_abs_r": max_r,
                "ave_ok": ave >= 0.5,
                "cr_ok": cr >= 0.7,
                "fornell_larcker": bool(np.sqrt(ave) > max_r) if len(others) else True,
            }
        )
    return pd.DataFrame(rows)


def discriminant_validity(
    r_items: np.ndarray,
    groups: list[list[int]],
    corr: np.ndarray,
    factors: list[str],
    sqrt_ave: dict[str, float],
) -> pd.DataFrame:
    """Per pair of factors: correlation, HTMT (against .85 and .90) and Fornell–Larcker."""
    rows = []
    for a in range(len(factors)):
        for b in range(a + 1, len(factors)):
            h = htmt(r_items, groups, a, b)
            r = corr[a, b]
            rows.append(
                {
                    "factor_1": factors[a],
                    "factor_2": factors[b],
                    "correlation": r,
                    "htmt": h,
                    "htmt_below_85": h < 0.85,
                    "htmt_below_90": h < 0.90,
                    "fornell_larcker": bool(
                        min(sqrt_ave[factors[a]], sqrt_ave[factors[b]]) > abs(r)
                    ),
                }
            )
    return pd.DataFrame(rows, columns=DISCRIMINANT_COLUMNS)
