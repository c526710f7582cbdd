"""Convergent and discriminant validity of a measurement model: AVE, composite reliability,
HTMT (and HTMT2), the Fornell–Larcker table.

Each function takes a fitted :class:`~learning_direction.scales.cfa.CFAResult` (one group), so
the numbers are those of the model the study reports (listwise or FIML, one scale or several:
``ld.cfa(df, ["learning_direction", "mentor_engagement"])``). The arithmetic is in
:mod:`._validity`, shared with the tables of :func:`learning_direction.cfa`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ._validity import htmt as _htmt_pair
from .cfa import CFAResult

__all__ = ["ave", "composite_reliability", "fornell_larcker", "htmt"]


def _single_group(res: CFAResult, what: str) -> None:
    if not isinstance(res, CFAResult):
        raise ModelError(
            f"{what}() needs the result of ld.cfa(df, scale), got {type(res).__name__}; fit the "
            "measurement model first"
        )
    if res.group is not None:
        raise ModelError(
            f"{what}() works on a one-group CFA; this one has groups ('{res.group}'): read "
            "the per-group values in res.validity and res.discriminant"
        )


def ave(res: CFAResult, *, standardized: bool = True) -> pd.Series:
    """Average variance extracted of every factor: the mean squared standardized loading.

    Parameters
    ----------
    res : CFAResult
        A one-group CFA (:func:`learning_direction.cfa`).
    standardized : bool
        True (default): the mean of the squared standardized loadings, as in
        ``res.validity``. False: the factor's share of the summed model-implied item
        variances, ``semTools::AVE(fit, obs.var = FALSE)``. The two agree when the items
        have equal variances and differ a little otherwise.

    Returns
    -------
    Series
        AVE per factor (index: factor names, in the model's order).

    Notes
    -----
    ``AVE_j = (1/k_j) Σ λ*_ij²`` with ``λ*`` the standardized (``std.all``) loadings of the
    ``k_j`` items of factor ``j`` (Fornell & Larcker, 1981); .50 is the usual lower bound.
    Unstandardized: ``AVE_j = ψ_j Σ λ_ij² / Σ σ̂_ii`` with ``ψ_j`` the factor variance and
    ``σ̂_ii`` the model-implied item variances (``semTools::AVE(fit, obs.var = FALSE)``).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with
    unobservable variables and measurement error. *Journal of Marketing Research, 18*, 39–50.

    Examples
    --------
    >>> import learning_direction as ld
    >>> fit = ld.cfa(ld.load_dataset("study1"), "learning_direction", missing="fiml")
    >>> # R: l <- subset(standardizedSolution(cfa(model, d, missing = "ml")), op == "=~")
    >>> #    tapply(l$est.std^2, l$lhs, mean)
    >>> ld.ave(fit).round(3).to_dict()
    {'upward': 0.536, 'lateral': 0.536, 'downward': 0.621}
    >>> ld.ave(fit, standardized=False).round(3).to_dict()  # semTools::AVE(fit, obs.var = FALSE)
    {'upward': 0.536, 'lateral': 0.539, 'downward': 0.624}
    """
    _single_group(res, "ave")
    if not standardized:
        return _unstandardized(res, "ave")
    return pd.Series(
        res.validity["ave"].to_numpy(dtype=float), index=list(res.validity["factor"]), name="ave"
    )


def composite_reliability(res: CFAResult, *, standardized: bool = True) -> pd.Series:
    """Composite reliability (omega) of every factor from its standardized loadings.

    Parameters
    ----------
    res : CFAResult
        A one-group CFA.
    standardized : bool
        True (default): from the standardized loadings, as in ``res.validity``. False: from
        the unstandardized solution, ``semTools::compRelSEM(fit, obs.var = FALSE)``.

    Returns
    -------
    Series
        Composite reliability per factor.

    Notes
    -----
    ``CR_j = (Σ λ*_ij)² / ((Σ λ*_ij)² + Σ (1 − λ*_ij²))`` (Raykov's omega for a congeneric
    factor); .70 is the usual lower bound. Unstandardized: ``ψ_j (Σ λ_ij)² / 1'Σ̂_j 1`` with
    ``Σ̂_j`` the model-implied covariance matrix of the factor's items
    (``semTools::compRelSEM(fit, obs.var = FALSE)``).

    Examples
    --------
    >>> import learning_direction as ld
    >>> fit = ld.cfa(ld.load_dataset("study1"), "learning_direction", missing="fiml")
    >>> # R: with l as for ave(): sum(l$est.std)^2 / (sum(l$est.std)^2 + sum(1 - l$est.std^2))
    >>> ld.composite_reliability(fit).round(3).to_dict()
    {'upward': 0.822, 'lateral': 0.822, 'downward': 0.867}
    """
    _single_group(res, "composite_reliability")
    if not standardized:
        return _unstandardized(res, "composite_reliability")
    return pd.Series(
        res.validity["composite_reliability"].to_numpy(dtype=float),
        index=list(res.validity["factor"]),
        name="composite_reliability",
    )


def _unstandardized(res: CFAResult, what: str) -> pd.Series:
    """AVE or composite reliability from the unstandardized solution (model-implied
    variances), as semTools with ``obs.var = FALSE``."""
    pars = res.parameters
    cov = pars[pars["op"] == "~~"]
    load = res.table
    out = {}
    for f in dict.fromkeys(load["factor"]):
        rows = load[load["factor"] == f]
        items = list(rows["item"])
        lam = rows["estimate"].to_numpy(dtype=float)
        psi = float(cov.loc[(cov["lhs"] == f) & (cov["rhs"] == f), "estimate"].iloc[0])
        theta = np.zeros((len(items), len(items)))
        for r in cov[cov["lhs"].isin(items) & cov["rhs"].isin(items)].itertuples():
            a, b = items.index(str(r.lhs)), items.index(str(r.rhs))
            theta[a, b] = theta[b, a] = float(r.estimate)
        implied = psi * np.outer(lam, lam) + theta
        if what == "ave":
            out[f] = psi * float(np.sum(lam**2)) / float(np.trace(implied))
        else:
            out[f] = psi * float(np.sum(lam)) ** 2 / float(implied.sum())
    return pd.Series(out, name=what)


def htmt(res: CFAResult, *, htmt2: bool = False) -> pd.DataFrame:
    """Heterotrait–monotrait ratios of every pair of factors (HTMT, or HTMT2).

    Parameters
    ----------
    res : CFAResult
        A one-group CFA; the item correlations are those of its saturated model (the sample
        correlations of the rows used, or their EM estimates with FIML).
    htmt2 : bool
        Geometric instead of arithmetic means of the correlations (Roemer et al., 2021), which
        does not assume tau-equivalent items. ``semTools::htmt``'s default is ``htmt2 = TRUE``.

    Returns
    -------
    DataFrame
        Factors × factors, symmetric, 1 on the diagonal.

    Notes
    -----
    ``HTMT_ij = mean|r_hetero| / sqrt(mean|r_mono,i| · mean|r_mono,j|)``: the mean absolute
    correlation between the items of factors ``i`` and ``j``, over the geometric mean of the
    mean absolute correlations among the items of each factor (off-diagonal). HTMT2 replaces
    every mean by a geometric mean. Values below .85 (strict) or .90 (lenient) support
    discriminant validity (Henseler et al., 2015). ``semTools::htmt(model, data,
    htmt2 = FALSE)`` (``missing = "ml"`` for the FIML version).

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing
    discriminant validity in variance-based structural equation modeling. *Journal of the
    Academy of Marketing Science, 43*, 115–135.
    Roemer, E., Schuberth, F., & Henseler, J. (2021). HTMT2 – an improved criterion for
    assessing discriminant validity in structural equation modeling. *Industrial Management &
    Data Systems*, 121(12), 2637–2650.

    Examples
    --------
    >>> import learning_direction as ld
    >>> fit = ld.cfa(ld.load_dataset("study1"), "learning_direction", missing="fiml")
    >>> # R: semTools::htmt(model, d, missing = "ml", htmt2 = FALSE)
    >>> print(ld.htmt(fit).round(3).to_string())
              upward  lateral  downward
    upward     1.000    0.386     0.141
    lateral    0.386    1.000     0.215
    downward   0.141    0.215     1.000
    """
    _single_group(res, "htmt")
    r, groups, factors = _item_correlations(res)
    k = len(factors)
    out = np.eye(k)
    for a in range(k):
        for b in range(a + 1, k):
            out[a, b] = out[b, a] = (
                _htmt2_pair(r, groups, a, b) if htmt2 else _htmt_pair(r, groups, a, b)
            )
    return pd.DataFrame(out, index=factors, columns=factors)


def _htmt2_pair(r: np.ndarray, groups: list[list[int]], i: int, j: int) -> float:
    """HTMT2: geometric means of the absolute correlations."""
    a, b = groups[i], groups[j]

    def gmean(x: np.ndarray) -> float:
        return float(np.exp(np.mean(np.log(np.abs(x)))))

    def mono(g: list[int]) -> float:
        block = r[np.ix_(g, g)]
        return gmean(block[np.triu_indices(len(g), 1)])

    return gmean(r[np.ix_(a, b)]) / float(np.sqrt(mono(a) * mono(b)))


def _item_correlations(res: CFAResult) -> tuple[np.ndarray, list[list[int]], list[str]]:
    """The saturated model's item correlations, the item positions of each factor, factors."""
    if res.item_correlations is None:
        raise ModelError("this CFA result carries no item correlations; refit it with ld.cfa")
    load = res.table
    factors = list(dict.fromkeys(load["factor"]))
    items = list(res.item_correlations.index)
    groups = [[items.index(i) for i in load.loc[load["factor"] == f, "item"]] for f in factors]
    return res.item_correlations.to_numpy(dtype=float), groups, factors


def fornell_larcker(res: CFAResult) -> pd.DataFrame:
    """The Fornell–Larcker table: sqrt(AVE) on the diagonal, factor correlations below it.

    Parameters
    ----------
    res : CFAResult
        A one-group CFA.

    Returns
    -------
    DataFrame
        Factors × factors: the diagonal holds sqrt(AVE), the lower triangle the latent
        correlations, the upper triangle is NaN. The criterion holds for a pair when both
        diagonal entries exceed the absolute correlation (``res.discriminant["fornell_larcker"]``).

    Notes
    -----
    R: ``sqrt(semTools::AVE(fit, obs.var = FALSE))`` and ``lavInspect(fit, "cor.lv")``.

    Examples
    --------
    >>> import learning_direction as ld
    >>> fit = ld.cfa(ld.load_dataset("study1"), "learning_direction", missing="fiml")
    >>> print(ld.fornell_larcker(fit).round(3).to_string())
              upward  lateral  downward
    upward     0.732      NaN       NaN
    lateral    0.400    0.732       NaN
    downward   0.144    0.223     0.788
    """
    _single_group(res, "fornell_larcker")
    factors = list(res.validity["factor"])
    k = len(factors)
    out = np.full((k, k), np.nan)
    np.fill_diagonal(out, res.validity["sqrt_ave"].to_numpy(dtype=float))
    where = {f: i for i, f in enumerate(factors)}
    for r in res.factor_correlations.itertuples():
        a, b = sorted((where[r.factor_1], where[r.factor_2]))
        out[b, a] = r.estimate
    return pd.DataFrame(out, index=factors, columns=factors)
