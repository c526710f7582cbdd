"""Measurement invariance of a scale (or a CFA in lavaan syntax) across groups.

:func:`invariance` fits the configural, metric, scalar and strict models of a scale's factors
with the SEM engine and compares them (see
:mod:`learning_direction.models.sem.invariance` for the models, the tests and the rules).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..models.sem.groupequal import parse_partial
from ..models.sem.invariance import LEVELS, InvarianceResult, fit_invariance
from ._measurement import Measurement, measurement_model
from .codebook import Scale

__all__ = ["InvarianceResult", "invariance"]


def _engine_partial(m: Measurement, partial: Sequence[str] | str | None) -> list[str]:
    """``partial`` entries in the engine's names (items and factors may have aliases)."""
    engine = {shown: name for name, shown in m.alias.items()}
    out = []
    for lhs, op, rhs in parse_partial(partial):
        lhs, rhs = engine.get(lhs, lhs), engine.get(rhs, rhs)
        out.append(f"{lhs} ~ 1" if op == "~1" else f"{lhs} {op} {rhs}")
    return out


def invariance(
    df: pd.DataFrame,
    scale_or_model: str | Path | Mapping[str, Any] | Scale,
    *,
    group: str,
    levels: Sequence[str] | str = LEVELS,
    partial: Sequence[str] | str | None = None,
    missing: str = "listwise",
    estimator: str = "ML",
    columns: Mapping[str, str] | None = None,
) -> InvarianceResult:
    """Test measurement invariance across groups: configural, metric, scalar, strict.

    Parameters
    ----------
    df : DataFrame
        One row per respondent: the items and the group column.
    scale_or_model : str, path, dict, Scale, or lavaan syntax
        A scale (each subscale a factor of its items, reverse-keyed items reversed first, as
        :func:`learning_direction.cfa`), or a CFA in lavaan syntax (a string with ``=~``).
    group : str
        Column of group labels (groups in order of first appearance).
    levels : sequence of str
        The levels to fit, in nesting order: ``"configural"``, ``"metric"`` (equal loadings),
        ``"scalar"`` (and intercepts), ``"strict"`` (and residual variances).
    partial : str or list of str, optional
        Parameters left free across groups at every level (partial invariance), as lavaan's
        ``group.partial``: ``"x3 ~ 1"``, ``"visual =~ x2"``, ``"x5 ~~ x5"``.
    missing : {"listwise", "fiml"}
        As :func:`learning_direction.sem`.
    estimator : {"ML", "MLR"}
        Under MLR the scaled chi-square difference (Satorra-Bentler 2001) and the robust CFI
        and RMSEA are used.
    columns : mapping, optional
        ``{item_id: column}`` for items whose column has another name (scales only).

    Returns
    -------
    InvarianceResult
        ``.table`` (one row per level: fit, differences, decisions), ``.fits`` (each level's
        :class:`~learning_direction.SEMResult`), ``.summary()`` with a sentence on the result.

    Raises
    ------
    ModelError
        Unknown levels or levels out of order, a ``partial`` entry that is not a parameter,
        non-convergence (see :func:`learning_direction.sem`).
    DataValidationError
        A group column with one group, missing or non-numeric item columns.

    Notes
    -----
    The decision follows Chen (2007): a level holds when the CFI drops by at most .010 and the
    RMSEA rises by at most .015 against the level before, and a level counts as supported only
    when every level before it is. The chi-square difference test (``lavTestLRT``; scaled by
    Satorra & Bentler 2001 under MLR) is reported beside it (``holds_chisq`` at alpha = .05):
    with large samples it rejects trivial differences (Cheung & Rensvold 2002). The numbers are
    those of ``lavaan::cfa(model, group = g, group.equal = ...)``, ``lavTestLRT`` and
    ``semTools::compareFit``.

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. *Structural Equation Modeling*, 14, 464-504.
    Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
    measurement invariance. *Structural Equation Modeling*, 9, 233-255.
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for
    moment structure analysis. *Psychometrika*, 66, 507-514.

    Examples
    --------
    Learning direction across the mentors' genders in the bundled Study 1 data (R:
    ``lavaan::cfa(model, data = d, group = "gender", group.equal = ...)``, ``lavTestLRT``):

    >>> import learning_direction as ld
    >>> res = ld.invariance(ld.load_dataset("study1"), "learning_direction", group="gender")
    >>> cols = ["level", "chisq", "df", "cfi", "rmsea", "delta_cfi", "decision"]
    >>> print(res.table[cols].round(3).to_string(index=False))
         level   chisq  df   cfi  rmsea  delta_cfi       decision
    configural 147.478 102 0.959  0.064        NaN baseline model
        metric 154.957 111 0.961  0.060      0.001      supported
        scalar 163.168 120 0.961  0.057      0.001      supported
        strict 173.445 132 0.963  0.054      0.002      supported
    >>> print(res.sentence())
    Strict invariance holds (delta CFI = 0.002, delta RMSEA = -0.004; chi2(12) = 10.28, p = .592): every level tested is supported.
    """
    notes: list[str] = []
    m = measurement_model(df, scale_or_model, columns=columns, extra=[group], notes=notes)
    return fit_invariance(
        m.data,
        m.syntax,
        group=group,
        levels=levels,
        partial=_engine_partial(m, partial),
        missing=missing,
        estimator=estimator,
        notes=notes,
    )
