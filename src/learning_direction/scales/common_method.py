"""Common-method variance checks for a measurement model.

:func:`common_method` runs three checks on the items of one or more scales answered by the
same respondents (Podsakoff et al., 2003):

- **Harman's single factor**: a one-factor CFA of every item (its fit) and the share of
  variance of the first unrotated component of the item correlations;
- **an unmeasured latent method construct** (ULMC): the trait model with and without a
  method factor loading on every item (orthogonal to the traits), compared by Δχ² and ΔCFI,
  and the share of item variance the method factor accounts for;
- **a marker variable** (optional): Lindell & Whitney's (2001) correction of the correlations
  among the scale scores by the marker's smallest correlation with them
  (:func:`marker_adjusted_correlations`).

None of these proves the absence of method bias; they bound how large it can be.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._core.results import ResultMixin, table_to_html, table_to_text
from ..exceptions import DataValidationError, ModelError
from ..models.sem import SEMResult, sem
from ._measurement import Measurement, measurement_model

__all__ = ["CommonMethodResult", "common_method", "marker_adjusted_correlations"]

_FIT = ["chisq", "df", "cfi", "tli", "rmsea", "srmr"]


@dataclass(frozen=True)
class CommonMethodResult(ResultMixin):
    """Result of :func:`common_method`.

    Attributes
    ----------
    table : DataFrame
        One row per model: ``model`` (``"traits"``, ``"one factor (Harman)"``, ``"traits +
        method factor"``), ``chisq, df, cfi, tli, rmsea, srmr``, and against the trait model
        ``delta_chisq, delta_df, p_delta, delta_cfi``.
    harman_share : float
        Share of the total variance of the items on the first unrotated principal component
        of their correlation matrix (the saturated model's; EM estimates with FIML).
    method_share : float
        Mean over items of the squared standardized method loading: the share of item variance
        that the unmeasured method factor accounts for (NaN when the method variance is
        negative: an improper solution, no variance common to every item beyond the traits).
    method_variance : float
        The method factor's estimated variance (its loadings are fixed to 1).
    method_loadings : DataFrame
        ``item, estimate, std_estimate`` of the method factor.
    marker : DataFrame or None
        :func:`marker_adjusted_correlations` when a marker column was given.
    n, n_dropped : int
    """

    table: pd.DataFrame
    harman_share: float
    method_share: float
    method_variance: float
    method_loadings: pd.DataFrame
    marker: pd.DataFrame | None
    n: int
    n_dropped: int
    missing: str = "listwise"
    method: str = "Harman's single factor, ULMC, marker variable (Podsakoff et al., 2003)"
    notes: tuple[str, ...] = field(default_factory=tuple)
    fits: dict[str, SEMResult] = field(default_factory=dict, repr=False, compare=False)

    _title: ClassVar[str] = "Common-method variance"

    def _meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "n": self.n,
            "n_dropped": self.n_dropped,
            "missing": self.missing,
            "harman_share": self.harman_share,
            "method_share": self.method_share,
            "method_variance": self.method_variance,
        }

    def summary(self, digits: int = 3) -> str:
        """Text summary: the model comparison, the method loadings, the marker correction."""
        lines = [self._title, "=" * len(self._title)]
        lines += [f"{k}: {v}" for k, v in self._meta().items()]
        lines += ["", table_to_text(self.table, digits), "", "Method-factor loadings"]
        lines.append(table_to_text(self.method_loadings, digits))
        if self.marker is not None:
            lines += ["", "Marker-adjusted correlations (Lindell & Whitney)"]
            lines.append(table_to_text(self.marker, digits))
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        base = super()._repr_html_()
        extra = f"<p><b>Method-factor loadings</b></p>{table_to_html(self.method_loadings)}"
        if self.marker is not None:
            extra += f"<p><b>Marker-adjusted correlations</b></p>{table_to_html(self.marker)}"
        return base.replace("</div>", extra + "</div>") if base.endswith("</div>") else base + extra


def common_method(
    df: pd.DataFrame,
    scale_or_model: Any,
    *,
    marker: str | None = None,
    missing: str = "listwise",
    columns: Mapping[str, str] | None = None,
) -> CommonMethodResult:
    """Common-method checks: Harman's single factor, an unmeasured method factor, a marker.

    Parameters
    ----------
    df : DataFrame
        One row per respondent with the items (and the marker column).
    scale_or_model : str, Scale, list of these, or lavaan syntax
        The trait (measurement) model, as for :func:`learning_direction.cfa`; a list of scales
        gives the full measurement model.
    marker : str, optional
        A column theoretically unrelated to the constructs (a marker variable): the
        correlations among the factors' scale scores (item means, reverse-keyed items
        reversed) are corrected by Lindell & Whitney's method.
    missing : {"listwise", "fiml"}
        As :func:`learning_direction.cfa`.
    columns : mapping, optional
        ``{item_id: column}`` for items whose column has another name.

    Returns
    -------
    CommonMethodResult

    Raises
    ------
    ModelError
        Fewer than two factors (the method factor is then not identified apart from the
        trait), or a model that does not converge.
    DataValidationError
        A marker column that is missing or not numeric.

    Notes
    -----
    Harman: the share is ``λ₁ / p``, the largest eigenvalue of the ``p`` items' correlation
    matrix over ``p`` (R: ``eigen(cor(x))$values[1] / p``); a majority (> .50) signals a
    dominant general factor. The one-factor CFA is ``cfa("common =~ x1 + ... + xp")``.

    ULMC: the method model adds ``method =~ 1*x1 + ... + 1*xp`` (equal loadings, a free
    method variance: one parameter) and ``method ~~ 0*f`` for every trait ``f`` to the trait
    model. A free loading per item is not offered: with marker-identified traits it is often
    empirically under-identified (lavaan returns negative trait variances on data simulated
    with a method factor). ``Δχ²`` is the likelihood-ratio test of the more restricted
    against the less restricted model (``lavTestLRT(traits, method)``; for Harman's row the
    one-factor model against the traits), ``ΔCFI`` the row's CFI minus the trait model's. ``method_share`` is the mean squared
    standardized method loading (Williams, Cote & Buckley, 1989, report about .25 as typical
    of self-reports).

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method
    biases in behavioral research. *Journal of Applied Psychology*, 88(5), 879–903.
    Lindell, M. K., & Whitney, D. J. (2001). Accounting for common method variance in
    cross-sectional research designs. *Journal of Applied Psychology*, 86(1), 114–121.
    Williams, L. J., Cote, J. A., & Buckley, M. R. (1989). Lack of method variance in
    self-reported affect and perceptions at work: Reality or artifact? *Journal of Applied
    Psychology*, 74(3), 462–468.

    Examples
    --------
    >>> import learning_direction as ld
    >>> cm = ld.common_method(ld.load_dataset("study1"), "learning_direction", missing="fiml")
    >>> # R: lavTestLRT(cfa(traits, d, missing = "ml"), cfa(traits_plus_method, d, missing = "ml"))
    >>> print(cm.table[["model", "chisq", "df", "delta_chisq", "p_delta"]].round(3).to_string(index=False))
                     model   chisq  df  delta_chisq  p_delta
                    traits  53.011  51          NaN      NaN
       one factor (Harman) 813.138  54      760.127    0.000
    traits + method factor  49.513  50        3.498    0.061
    >>> round(cm.harman_share, 3), round(cm.method_variance, 3)  # negative: an improper solution
    (0.317, -1.104)

    """
    notes: list[str] = []
    if marker is not None and marker not in df.columns:
        raise DataValidationError(
            f"marker column '{marker}' is not in the data; pass the name of a column measured "
            "with the same method but unrelated to the constructs, or marker=None"
        )
    m = measurement_model(df, scale_or_model, columns=columns, notes=notes)
    if len(m.factors) < 2:
        raise ModelError(
            "the common-method checks need at least two factors (a method factor on a "
            "one-factor model is not identified apart from the trait)"
        )
    traits = sem(m.data, m.syntax, missing=missing)
    items = [_engine(m, i) for i in m.item_ids]
    one = sem(m.data, "common =~ " + " + ".join(items), missing=missing)
    method_fit = sem(m.data, _method_syntax(m, items), missing=missing)
    table = _comparison(traits, one, method_fit)
    load = _method_loadings(m, method_fit)
    improper = _negative_variances(method_fit)
    if improper:
        notes.append(
            f"the method model is improper (negative variance of {improper}); read its "
            "comparison with caution"
        )
    marker_table = None
    if marker is not None:
        marker_table = _marker_table(df, m, marker)
    return CommonMethodResult(
        table=table,
        harman_share=_first_eigen_share(traits, items),
        method_share=float(np.mean(load["std_estimate"].to_numpy(dtype=float) ** 2)),
        method_variance=_method_variance(method_fit),
        method_loadings=load,
        marker=marker_table,
        n=traits.n,
        n_dropped=traits.n_dropped,
        missing=traits.missing,
        notes=tuple(notes),
        fits={"traits": traits, "one_factor": one, "method": method_fit},
    )


def _engine(m: Measurement, item: str) -> str:
    engine = {shown: name for name, shown in m.alias.items()}
    return engine.get(item, item)


def _method_syntax(m: Measurement, items: list[str]) -> str:
    factors = [_engine(m, f) for f in m.factors]
    load = "method =~ " + " + ".join(f"1*{i}" for i in items)
    orth = "method ~~ " + " + ".join(f"0*{f}" for f in factors)
    return f"{m.syntax}\n{load}\n{orth}"


def _fit_row(res: SEMResult, model: str) -> dict[str, Any]:
    f = res.fit.iloc[0]
    return {"model": model, **{k: float(f[k]) for k in _FIT}}


def _comparison(traits: SEMResult, one: SEMResult, method_fit: SEMResult) -> pd.DataFrame:
    base = _fit_row(traits, "traits")
    rows = [base]
    for res, name in ((one, "one factor (Harman)"), (method_fit, "traits + method factor")):
        row = _fit_row(res, name)
        # the more restricted model (more df) against the less restricted one
        sign = 1.0 if row["df"] > base["df"] else -1.0
        d_chi = sign * (row["chisq"] - base["chisq"])
        d_df = sign * (row["df"] - base["df"])
        p = float(stats.chi2.sf(max(d_chi, 0.0), d_df)) if d_df > 0 else math.nan
        row.update(delta_chisq=d_chi, delta_df=d_df, p_delta=p, delta_cfi=row["cfi"] - base["cfi"])
        rows.append(row)
    out = pd.DataFrame(rows)
    out["df"] = out["df"].astype(int)
    return out


def _method_loadings(m: Measurement, res: SEMResult) -> pd.DataFrame:
    t = res.table
    rows = t[(t["op"] == "=~") & (t["lhs"] == "method")]
    return pd.DataFrame(
        {
            "item": [m.name(v) for v in rows["rhs"]],
            "estimate": rows["estimate"].to_numpy(dtype=float),
            "std_estimate": rows["std_all"].to_numpy(dtype=float),
        }
    )


def _method_variance(res: SEMResult) -> float:
    t = res.table
    row = t[(t["op"] == "~~") & (t["lhs"] == "method") & (t["rhs"] == "method")]
    return float(row["estimate"].iloc[0])


def _negative_variances(res: SEMResult) -> list[str]:
    t = res.table
    var = t[(t["op"] == "~~") & (t["lhs"] == t["rhs"])]
    return [str(v) for v in var.loc[var["estimate"] < 0, "lhs"]]


def _first_eigen_share(res: SEMResult, items: list[str]) -> float:
    s = res.h1["all"]["cov"].loc[items, items].to_numpy(dtype=float)
    sd = np.sqrt(np.diag(s))
    ev = np.linalg.eigvalsh(s / np.outer(sd, sd))
    return float(ev[-1] / len(items))


def _marker_table(df: pd.DataFrame, m: Measurement, marker: str) -> pd.DataFrame:
    scores = pd.DataFrame(
        {
            f: m.data[[_engine(m, i) for i in m.items[f]]].mean(axis=1, skipna=True)
            for f in m.factors
        },
        index=m.data.index,
    )
    scores[marker] = df[marker]
    return marker_adjusted_correlations(scores, list(m.factors), marker)


def marker_adjusted_correlations(
    df: pd.DataFrame,
    columns: Sequence[str],
    marker: str,
    *,
    r_marker: float | None = None,
) -> pd.DataFrame:
    """Lindell & Whitney's (2001) marker-variable correction of correlations.

    Parameters
    ----------
    df : DataFrame
        The variables and the marker (rows with a missing value in any of them are left out:
        complete cases, reported in the ``n`` column).
    columns : sequence of str
        The substantive variables (at least two).
    marker : str
        The marker column: measured by the same method, theoretically unrelated to them.
    r_marker : float, optional
        The method-variance estimate ``r_M``; default the smallest positive correlation of
        the marker with ``columns`` (Lindell & Whitney; 0 when none is positive).

    Returns
    -------
    DataFrame
        One row per pair: ``var_1, var_2, r, r_marker, r_adjusted, t, p_value, n``.

    Notes
    -----
    ``r_adj = (r − r_M) / (1 − r_M)``; its test is ``t = r_adj / sqrt((1 − r_adj²) / (n − 3))``
    on ``n − 3`` degrees of freedom (one df spent on the marker). A correlation that stays
    significant after the correction is not explained by method variance of the marker's
    size.

    References
    ----------
    Lindell, M. K., & Whitney, D. J. (2001). Accounting for common method variance in
    cross-sectional research designs. *Journal of Applied Psychology*, 86(1), 114–121.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from learning_direction import marker_adjusted_correlations
    >>> rng = np.random.default_rng(1)
    >>> m = rng.normal(size=200)
    >>> d = pd.DataFrame({"a": rng.normal(size=200) + 0.3 * m, "marker": m})
    >>> d["b"] = 0.5 * d["a"] + rng.normal(size=200)
    >>> t = marker_adjusted_correlations(d, ["a", "b"], "marker")
    >>> bool(t["r_adjusted"].iloc[0] < t["r"].iloc[0])
    True
    """
    cols = list(columns)
    missing_cols = [c for c in [*cols, marker] if c not in df.columns]
    if missing_cols:
        raise DataValidationError(f"column(s) {missing_cols} are not in the data")
    if len(cols) < 2:
        raise DataValidationError("marker_adjusted_correlations needs at least two columns")
    data = df[[*cols, marker]].apply(pd.to_numeric, errors="coerce").dropna()
    n = len(data)
    if n < 5:
        raise DataValidationError(
            f"only {n} complete rows in {[*cols, marker]}; the marker correction needs at least 5"
        )
    r = data.corr().to_numpy()
    with_marker = r[-1, :-1]
    if r_marker is None:
        positive = with_marker[with_marker > 0]
        rm = float(positive.min()) if len(positive) else 0.0
    else:
        rm = float(r_marker)
        if not -1 < rm < 1:
            raise DataValidationError(f"r_marker must be in (-1, 1), got {r_marker!r}")
    rows = []
    for a in range(len(cols)):
        for b in range(a + 1, len(cols)):
            adj = (r[a, b] - rm) / (1 - rm)
            t = adj / math.sqrt(max(1 - adj**2, 1e-300) / (n - 3))
            rows.append(
                {
                    "var_1": cols[a],
                    "var_2": cols[b],
                    "r": r[a, b],
                    "r_marker": rm,
                    "r_adjusted": adj,
                    "t": t,
                    "p_value": float(2 * stats.t.sf(abs(t), n - 3)),
                    "n": n,
                }
            )
    return pd.DataFrame(rows)
