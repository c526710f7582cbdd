"""Private helpers shared by the regression-type models: formulas, design matrices, sandwiches.

Everything here is numerics only (no plotting, no I/O) and general enough to be reused by the
mediation, moderation and conditional-process modules:

* :func:`formula_variables` -- the data columns a patsy formula refers to (so a missing column is
  reported by name, with close matches, *before* patsy raises a cryptic error);
* :func:`quote` / :func:`clean_term` -- make any column name safe inside a formula (``Q("x y")``)
  and turn patsy's column names back into the user's names;
* :func:`build_design` -- listwise deletion with a :class:`~learning_direction._data.MissingReport`
  and the response vector / design matrix as DataFrames;
* :func:`check_design` -- fewer rows than parameters, rank deficiency (naming the aliased terms);
* :func:`sandwich_vcov` -- HC0-HC4 and cluster-robust (CR1 = ``sandwich::vcovCL(type = "HC1")``)
  covariance matrices for linear and generalised linear models.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from patsy import ModelDesc, NAAction, PatsyError, dmatrices

from .._core.checks import choice
from .._core.data import MissingReport, complete_cases, missing_hint, require_columns
from ..exceptions import DataValidationError, ModelError

__all__ = [
    "Design",
    "build_design",
    "check_design",
    "clean_term",
    "formula_variables",
    "quote",
    "sandwich_vcov",
]

# names that may appear bare inside a patsy formula without being data columns
_FORMULA_BUILTINS = frozenset(
    {
        "C", "I", "Q", "np", "numpy", "center", "standardize", "scale", "bs", "cr", "cc", "te",
        "Treatment", "Sum", "Poly", "Helmert", "Diff", "True", "False", "None", "log", "exp",
        "sqrt", "abs",
    }
)  # fmt: skip

_SE_TYPES = ("classical", "HC0", "HC1", "HC2", "HC3", "HC4", "cluster")
_SE_ALIASES = {"nonrobust": "classical", "ols": "classical", "cr1": "cluster"}


def quote(name: str) -> str:
    """Return ``name`` ready to be used inside a formula (``Q("...")`` unless a plain identifier)."""
    name = str(name)
    if name.isidentifier() and not keyword.iskeyword(name) and name not in _FORMULA_BUILTINS:
        return name
    return 'Q("' + name.replace("\\", "\\\\").replace('"', '\\"') + '")'


_Q_RE = re.compile(r"""Q\((["'])(.*?)\1\)""")


def clean_term(name: str) -> str:
    """Patsy's column name with every ``Q("x")`` shown as ``x`` (``Q("my v"):z`` -> ``my v:z``)."""
    return _Q_RE.sub(lambda m: m.group(2), str(name))


def _names_in_code(code: str) -> list[str]:
    """Variable names used in one patsy factor's Python code (functions and modules excluded)."""
    try:
        tree = ast.parse(code.strip(), mode="eval")
    except SyntaxError as exc:
        raise DataValidationError(
            f"cannot read the formula term '{code}': {exc.msg}; write terms such as x, C(group), "
            "np.log(x), I(x**2) or Q('column with spaces')"
        ) from None
    skip: set[int] = set()
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            skip.add(id(func))
            if isinstance(func, ast.Name) and func.id == "Q":
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.append(arg.value)
                    skip.add(id(arg))
            for kw in node.keywords:  # C(g, Treatment(reference=2)): keyword values are not data
                skip.add(id(kw.value))
        elif isinstance(node, ast.Attribute):
            skip.add(id(node.value))  # np.log -> "np" is a module
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in skip and node.id not in _FORMULA_BUILTINS:
            found.append(node.id)
    return found


def formula_variables(formula: str) -> tuple[list[str], list[str]]:
    """Data columns named on the left and right side of a patsy formula.

    Parameters
    ----------
    formula : str
        For example ``"engagement ~ downward * C(condition) + np.log(tenure)"``.

    Returns
    -------
    (list of str, list of str)
        Column names of the outcome side and of the predictor side, in order of appearance and
        without duplicates. Function names (``C``, ``np.log``, ``I``, ...) are not included.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise DataValidationError(
            f"the formula must be a string like 'y ~ x1 + x2', got {formula!r}"
        )
    try:
        desc = ModelDesc.from_formula(formula)
    except PatsyError as exc:
        raise DataValidationError(f"cannot parse the formula '{formula}': {exc}") from None

    def collect(termlist: Any) -> list[str]:
        out: list[str] = []
        for term in termlist:
            for factor in term.factors:
                out.extend(_names_in_code(factor.code))
        return list(dict.fromkeys(out))

    return collect(desc.lhs_termlist), collect(desc.rhs_termlist)


def check_formula_columns(df: pd.DataFrame, formula: str, what: str) -> tuple[list[str], list[str]]:
    """Like :func:`formula_variables`, raising :class:`DataValidationError` for unknown columns."""
    require_columns(df, [], what)  # type check only
    lhs, rhs = formula_variables(formula)
    if not lhs:
        raise DataValidationError(
            f"the formula '{formula}' has no outcome on the left of '~'; write 'y ~ x1 + x2'"
        )
    missing = [c for c in [*lhs, *rhs] if c not in df.columns]
    if missing:
        hint = missing_hint(missing, df.columns)
        raise DataValidationError(
            f"{what}: the formula '{formula}' names column(s) not in the data: {hint}. "
            "Fix the spelling, or wrap a name with spaces or symbols as Q('name')."
        )
    require_columns(df, [*lhs, *rhs], what)  # a duplicated column name is ambiguous
    return lhs, rhs


@dataclass(frozen=True)
class Design:
    """Response and design matrix of a formula on the complete cases of the data.

    Attributes
    ----------
    y : Series
        Response (index = the input rows used).
    X : DataFrame
        Design matrix; columns named as in the formula (``Intercept``, ``x``, ``x:w``,
        ``C(g)[T.b]``), with ``Q("...")`` removed.
    data : DataFrame
        The complete rows of the variables the formula uses (original index kept).
    report : MissingReport
        How many rows were used and why the others were left out.
    formula : str
    response : str
        Name of the response (cleaned patsy name).
    terms : list of str
        Patsy term names of the right-hand side (``Intercept``, ``x``, ``x:w``), used to build
        term-wise tests.
    term_columns : dict
        Term name -> list of design-matrix columns belonging to it.
    """

    y: pd.Series
    X: pd.DataFrame
    data: pd.DataFrame
    report: MissingReport
    formula: str
    response: str
    terms: list[str]
    term_columns: dict[str, list[str]]

    @property
    def n(self) -> int:
        return len(self.y)


def build_design(
    df: pd.DataFrame,
    formula: str,
    *,
    extra_columns: Sequence[str] = (),
    what: str = "regression",
    data: pd.DataFrame | None = None,
    report: MissingReport | None = None,
) -> Design:
    """Listwise deletion on the formula's variables (plus ``extra_columns``) and patsy matrices.

    Parameters
    ----------
    df : DataFrame
        Input data.
    formula : str
        Patsy formula.
    extra_columns : sequence of str
        Further columns that must be complete (e.g. a cluster or group column). Missing values
        there drop rows too (and are reported).
    what : str
        Name of the analysis for error messages.
    data, report : optional
        Already-cleaned rows and their report (used to fit several formulas on the same rows).
    """
    lhs, rhs = check_formula_columns(df, formula, what)
    cols = list(dict.fromkeys([*lhs, *rhs, *extra_columns]))
    if data is None:
        data, report = complete_cases(df, cols, what)
    elif report is None:  # rows given without a record: none were left out
        report = MissingReport(n_total=len(data), n_used=len(data))
    if len(data) == 0:
        raise DataValidationError(
            f"{what}: no row has all of {', '.join(cols)} present "
            f"({report.reason if report else ''}); check the missing values in these columns"
        )
    # a category level with no rows left (after deletion, or unused in the data) would give an
    # all-zero dummy column and look like perfect collinearity: drop such levels first
    cats = [c for c in data.columns if isinstance(data[c].dtype, pd.CategoricalDtype)]
    if cats:
        data = data.assign(**{c: data[c].cat.remove_unused_categories() for c in cats})
    try:
        # the rows are complete, so a NaN here comes from a transform (np.log(-1)): let it
        # through and name the term and rows below instead of patsy's "missing values"
        y, X = dmatrices(formula, data, return_type="dataframe", NA_action=NAAction(NA_types=[]))
    except PatsyError as exc:
        raise DataValidationError(
            f"{what}: cannot build the design of '{formula}': {exc}"
        ) from None
    if y.shape[1] != 1:
        raise DataValidationError(
            f"{what}: the outcome of '{formula}' is not numeric (patsy made columns "
            f"{list(y.columns)}); recode it to numbers first"
        )
    di = X.design_info
    X = X.rename(columns=clean_term)
    terms: list[str] = []
    term_columns: dict[str, list[str]] = {}
    for term, sl in di.term_name_slices.items():
        name = clean_term(term)
        terms.append(name)
        term_columns[name] = [clean_term(c) for c in di.column_names[sl]]
    yname = clean_term(y.columns[0])
    _refuse_nonfinite(y.rename(columns=clean_term), {yname: [yname]}, formula, what, "outcome")
    _refuse_nonfinite(X, term_columns, formula, what, "term")
    return Design(
        y=y.iloc[:, 0].rename(yname).astype(float),
        X=X.astype(float),
        data=data,
        report=report,
        formula=formula,
        response=yname,
        terms=terms,
        term_columns=term_columns,
    )


def _refuse_nonfinite(
    M: pd.DataFrame, term_columns: dict[str, list[str]], formula: str, what: str, kind: str
) -> None:
    """A transform gave inf or NaN (``np.log(0)``, ``1/x``): name the term and the rows."""
    values = M.to_numpy(dtype=float)
    bad_cells = ~np.isfinite(values)
    if not bad_cells.any():
        return
    col = M.columns[int(np.argmax(bad_cells.any(axis=0)))]
    term = next((t for t, cols in term_columns.items() if col in cols), col)
    bad = bad_cells.any(axis=1)
    rows = list(M.index[bad][:5])
    more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
    kinds = sorted({"NaN" if np.isnan(v) else "infinite" for v in values[bad_cells]})
    raise DataValidationError(
        f"{what}: the {kind} '{term}' of '{formula}' gives {' and '.join(kinds)} values in "
        f"row(s) {', '.join(map(str, rows))}{more}, although the data there are complete - "
        "the transform is undefined for those values (e.g. np.log(0), np.log of a negative "
        "number, division by zero). Change the transform (e.g. np.log(x + 1)), or set those "
        "rows to NaN in the data to leave them out"
    )


def aliased_columns(X: np.ndarray, names: Sequence[str], tol: float = 1e-7) -> list[str]:
    """Columns that are linear combinations of earlier columns (R's ``NA`` coefficients).

    Mirrors R's ``lm``: columns are checked in order and a column whose residual after
    projecting on the retained earlier columns is (relatively) tiny is aliased.
    """
    X = np.asarray(X, dtype=float)
    keep: list[int] = []
    aliased: list[str] = []
    for j in range(X.shape[1]):
        col = X[:, j]
        norm = np.linalg.norm(col)
        if norm == 0:
            aliased.append(names[j])
            continue
        if keep:
            Q, _ = np.linalg.qr(X[:, keep])
            resid = col - Q @ (Q.T @ col)
            if np.linalg.norm(resid) <= tol * norm:
                aliased.append(names[j])
                continue
        keep.append(j)
    return aliased


def check_design(X: pd.DataFrame, what: str = "regression") -> None:
    """Raise :class:`ModelError` when the model cannot be estimated on this design."""
    n, p = X.shape
    if p == 0:
        raise ModelError(
            f"{what}: the model has no parameters to estimate (the formula removes the intercept "
            "with '0' or '-1' and has no predictors); write 'y ~ 1' for an intercept-only model "
            "or add predictors"
        )
    if n <= p:
        raise ModelError(
            f"{what}: {n} complete rows but the model has {p} parameters "
            f"({', '.join(X.columns)}); a model needs more rows than parameters - "
            "collect more data or drop predictors"
        )
    # rank of the column-scaled design: a predictor in millions next to one in thousandths is
    # badly scaled, not collinear (R's lm also judges each column relative to its own norm)
    Xa = X.to_numpy(dtype=float)
    scale = np.max(np.abs(Xa), axis=0)
    Xs = Xa / np.where(scale > 0, scale, 1.0)
    if np.linalg.matrix_rank(Xs) < p:
        bad = aliased_columns(Xs, list(X.columns))
        if not bad:
            raise ModelError(
                f"{what}: the predictors are so nearly collinear that the model cannot be "
                f"estimated reliably ({', '.join(X.columns)}). Drop or combine predictors that "
                "measure the same thing"
            )
        raise ModelError(
            f"{what}: the predictors are perfectly collinear; the term(s) {', '.join(map(repr, bad))} "
            "are exact linear combinations of earlier terms (R reports NA for them). Drop them, "
            "or check for duplicated columns, a constant predictor or a complete set of dummies."
        )


def check_se_type(se: object, cluster: object) -> str:
    """Normalise and validate an ``se=`` argument (``classical``, ``HC0``-``HC4``, ``cluster``).

    Case does not matter; ``"nonrobust"`` and ``"ols"`` mean ``"classical"``, ``"CR1"`` means
    ``"cluster"``, and a cluster column given alone asks for cluster-robust SEs.
    """
    se = choice(se, "se", _SE_TYPES, aliases=_SE_ALIASES, error=DataValidationError)
    if se == "cluster" and cluster is None:
        raise DataValidationError("se='cluster' needs the cluster column, e.g. cluster='mentor_id'")
    if cluster is not None and se == "classical":
        se = "cluster"  # cluster="mentor_id" alone asks for cluster-robust SEs
    elif cluster is not None and se != "cluster":
        raise DataValidationError(
            f"cluster= is given but se='{se}'; use se='cluster' for cluster-robust SEs"
        )
    return se


def check_cluster_count(values: np.ndarray, cluster: str, what: str) -> int:
    """Number of clusters; :class:`ModelError` naming the column when there is only one."""
    G = int(pd.Series(values).nunique())
    if G < 2:
        raise ModelError(
            f"{what}: the cluster column '{cluster}' has {G} distinct value(s) in the {len(values)} "
            "rows used; cluster-robust SEs need at least 2 clusters, and realistically about "
            "30 or more to be trustworthy. If the rows are not clustered, use se='HC3' instead"
        )
    return G


def check_cluster_column(df: pd.DataFrame, cluster: str, what: str) -> None:
    """The cluster column must exist and be complete (rows are never dropped for it silently)."""
    require_columns(df, [cluster], what)
    miss = df[cluster].isna()
    if miss.any():
        rows = list(df.index[miss][:5])
        raise DataValidationError(
            f"{what}: the cluster column '{cluster}' has {int(miss.sum())} missing value(s) "
            f"(rows {rows}{'...' if miss.sum() > 5 else ''}); fill in the cluster ids or drop "
            "those rows yourself before fitting"
        )


def sandwich_vcov(
    X: np.ndarray,
    resid: np.ndarray,
    bread: np.ndarray,
    kind: str,
    *,
    hat: np.ndarray | None = None,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Heteroskedasticity- or cluster-robust covariance matrix ``B M B``.

    Parameters
    ----------
    X : (n, p) array
        Design matrix.
    resid : (n,) array
        Score residuals: ``y - fitted`` for OLS and for a canonical-link GLM (logit).
    bread : (p, p) array
        ``(X'X)^{-1}`` for OLS; ``(X'WX)^{-1}`` for a GLM.
    kind : {"HC0", "HC1", "HC2", "HC3", "HC4", "cluster"}
    hat : (n,) array, optional
        Leverages ``h_ii`` (needed for HC2-HC4; for a GLM the weighted hat values).
    groups : (n,) array, optional
        Cluster ids for ``kind="cluster"``.

    Notes
    -----
    With :math:`u_i = e_i x_i`, the meat is :math:`\\sum_i \\omega_i u_i u_i'` where
    HC0: :math:`\\omega_i = 1`; HC1: :math:`n/(n-p)`; HC2: :math:`1/(1-h_i)`;
    HC3: :math:`1/(1-h_i)^2`; HC4 (Cribari-Neto, 2004): :math:`1/(1-h_i)^{\\delta_i}` with
    :math:`\\delta_i = \\min(4, n h_i / p)`. Cluster (CR1): :math:`\\sum_g U_g U_g'` with
    :math:`U_g = \\sum_{i \\in g} u_i`, times :math:`G/(G-1) \\cdot (n-1)/(n-p)` -- the default
    of ``sandwich::vcovCL(type = "HC1")``, Stata's ``vce(cluster)`` and statsmodels.
    """
    X = np.asarray(X, dtype=float)
    e = np.asarray(resid, dtype=float)
    n, p = X.shape
    if kind == "cluster":
        if groups is None:
            raise ValueError("groups are needed for cluster-robust SEs")
        codes, uniq = pd.factorize(pd.Series(groups), sort=True)
        G = len(uniq)
        if G < 2:
            raise ModelError(
                "cluster-robust SEs need at least 2 clusters; the cluster column has only one value"
            )
        U = np.zeros((G, p))
        np.add.at(U, codes, X * e[:, None])
        meat = U.T @ U * (G / (G - 1)) * ((n - 1) / (n - p))
    else:
        if kind == "HC0":
            omega = np.ones(n)
        elif kind == "HC1":
            omega = np.full(n, n / (n - p))
        else:
            if hat is None:
                raise ValueError(f"{kind} needs the leverages")
            one_minus = 1.0 - np.asarray(hat, dtype=float)
            if kind == "HC2":
                omega = 1.0 / one_minus
            elif kind == "HC3":
                omega = 1.0 / one_minus**2
            elif kind == "HC4":
                delta = np.minimum(4.0, n * np.asarray(hat) / p)
                omega = 1.0 / one_minus**delta
            else:
                raise ValueError(f"unknown sandwich type {kind}")
        Xe = X * (e * np.sqrt(omega))[:, None]
        meat = Xe.T @ Xe
    out: npt.NDArray[np.float64] = bread @ meat @ bread
    return out
