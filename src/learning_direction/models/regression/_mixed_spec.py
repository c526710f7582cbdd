"""How :func:`~learning_direction.models.regression.mixed` reads its random-effects arguments.

* :func:`parse_groups` -- ``"mentor_id"``, ``"program/mentor"`` or ``["program", "mentor"]``
  (nested, outer first, as lme4's ``(1 | program/mentor)``), ``"mentor + rater"`` (crossed);
* :func:`random_parts` -- each grouping factor's random-effects formula and covariance
  (``re_formula`` / ``re_covariance`` given once for the innermost factor, or per factor);
* :func:`level1_predictors` -- the numeric predictors that vary within clusters;
* :func:`split_within_between` -- ``center="cluster"``: each such predictor ``x`` becomes
  ``x_within`` (deviation from its cluster mean) and ``x_between`` (the cluster mean), in the
  formula and the random part alike.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from patsy import EvalFactor, ModelDesc, PatsyError, Term

from ..._core.checks import choice
from ..._core.data import require_columns
from ...exceptions import DataValidationError, ModelError
from .._design import formula_variables, quote

__all__ = [
    "GroupSpec",
    "RandomPart",
    "check_center",
    "cluster_codes",
    "level1_predictors",
    "parse_groups",
    "random_parts",
    "refuse_level2_center",
    "split_within_between",
]

COVARIANCES = ["unstructured", "diagonal"]
_COV_ALIASES = {"correlated": "unstructured", "independent": "diagonal", "diag": "diagonal"}


@dataclass(frozen=True)
class GroupSpec:
    """The grouping factors of a mixed model.

    ``kind`` is ``"single"`` (one factor), ``"nested"`` (``factors`` from the outermost to the
    innermost, e.g. ``("program", "mentor")``) or ``"crossed"``.
    """

    factors: tuple[str, ...]
    kind: str

    @property
    def label(self) -> str:
        """As written in lme4: ``mentor_id``, ``program/mentor``, ``mentor + rater``."""
        return (" + " if self.kind == "crossed" else "/").join(self.factors)

    @property
    def inner(self) -> str:
        """The factor whose groups are the clusters of the rows (the innermost one)."""
        return self.factors[-1]

    def level_name(self, factor: str) -> str:
        """lme4's name of a factor's term: the inner factor of ``program/mentor`` is
        ``mentor:program``, that of ``region/program/mentor`` is ``mentor:(program:region)``."""
        if self.kind != "nested":
            return factor
        i = self.factors.index(factor)
        if i == 0:
            return factor
        outer = self.level_name(self.factors[i - 1])
        return f"{factor}:{outer if i == 1 else '(' + outer + ')'}"


def parse_groups(groups: object, df: pd.DataFrame) -> GroupSpec:
    """Read ``groups=`` (see the module docstring); every factor must be a column of ``df``."""
    if isinstance(groups, str) and groups not in df.columns and ("/" in groups or "+" in groups):
        sep, kind = ("/", "nested") if "/" in groups else ("+", "crossed")
        if "/" in groups and "+" in groups:
            raise DataValidationError(
                f"groups={groups!r} mixes nesting ('/') and crossing ('+'); give either "
                "'program/mentor' (mentors nested in programs) or 'mentor + rater' (crossed)"
            )
        factors = tuple(p.strip() for p in groups.split(sep))
    elif isinstance(groups, str):
        factors, kind = (groups,), "single"
    elif isinstance(groups, Sequence) and groups and all(isinstance(g, str) for g in groups):
        factors, kind = tuple(groups), "nested"
    else:
        raise DataValidationError(
            "groups must be a column name such as 'mentor_id', nested factors from the outer "
            "to the inner one ('program/mentor' or ['program', 'mentor']) or crossed factors "
            f"('mentor + rater'); got {groups!r}"
        )
    if len(factors) == 1:
        kind = "single"
    if any(not f for f in factors) or len(set(factors)) != len(factors):
        raise DataValidationError(
            f"groups={groups!r} names an empty or repeated grouping factor; name each column once"
        )
    require_columns(df, list(factors), "mixed (groups)")
    return GroupSpec(factors, kind)


@dataclass(frozen=True)
class RandomPart:
    """One grouping factor's random effects: a patsy formula (``"~ 1"``: intercept only)."""

    factor: str
    formula: str
    covariance: str

    @property
    def variables(self) -> list[str]:
        return formula_variables("_y_ " + self.formula)[1]


def _check_re_formula(value: object, factor: str) -> str:
    if not isinstance(value, str) or not value.strip().startswith("~"):
        raise DataValidationError(
            f"re_formula must start with '~', e.g. '~Days' or '~ x1'; got {value!r} for '{factor}'"
        )
    if "|" in value:
        raise DataValidationError(
            f"re_formula={value!r}: write only the effects, e.g. '~ x' for lme4's (1 + x | g); "
            "the grouping goes in groups= and independent effects (lme4's ||) are "
            "re_covariance='diagonal'"
        )
    return value.strip()


def _per_factor(value: object, spec: GroupSpec, name: str, default: str) -> dict[str, object]:
    """A value given once (for the innermost factor) or as {factor: value}."""
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in spec.factors]
        if unknown:
            raise DataValidationError(
                f"{name} names {unknown}, which are not grouping factors; use the factors of "
                f"groups= ({', '.join(spec.factors)})"
            )
        return {f: value.get(f, default) for f in spec.factors}
    return {f: (value if f == spec.inner else default) for f in spec.factors}


def random_parts(
    re_formula: object, re_covariance: object, spec: GroupSpec
) -> tuple[RandomPart, ...]:
    """Each factor's random part: ``re_formula`` for the innermost factor (outer factors get a
    random intercept), or a mapping ``{factor: formula}``; ``re_covariance`` likewise."""
    forms = _per_factor("~ 1" if re_formula is None else re_formula, spec, "re_formula", "~ 1")
    if isinstance(re_covariance, str):
        re_covariance = dict.fromkeys(spec.factors, re_covariance)
    covs = _per_factor(re_covariance, spec, "re_covariance", "unstructured")
    parts = []
    for f in spec.factors:
        cov = choice(
            covs[f], "re_covariance", COVARIANCES, aliases=_COV_ALIASES, error=DataValidationError
        )
        parts.append(RandomPart(f, _check_re_formula(forms[f], f), cov))
    return tuple(parts)


def cluster_codes(data: pd.DataFrame, spec: GroupSpec) -> npt.NDArray[np.intp]:
    """One code per cluster of the innermost factor (labels counted within their outer groups,
    as lme4's ``program/mentor``)."""
    cols = list(spec.factors) if spec.kind == "nested" else [spec.inner]
    codes = data.groupby(cols, sort=False, observed=True).ngroup().to_numpy()
    return np.asarray(codes, dtype=np.intp)


def _varies(values: npt.NDArray[np.float64], scale: float) -> bool:
    return len(values) > 0 and float(np.ptp(values)) > 1e-10 * max(1.0, scale)


def level1_predictors(
    data: pd.DataFrame, columns: Sequence[str], codes: npt.NDArray[np.intp]
) -> tuple[list[str], list[str]]:
    """The numeric (not boolean) columns that vary within at least one cluster, and those of
    them whose cluster means differ too (the ones whose raw coefficient blends two relations;
    in a balanced design such as sleepstudy's Days the means are all equal)."""
    sizes = np.bincount(codes).astype(np.float64)
    within, blended = [], []
    for c in columns:
        col = data[c]
        if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            continue
        x = col.to_numpy(dtype=np.float64)
        means = np.bincount(codes, weights=x) / sizes
        scale = float(np.max(np.abs(x))) if len(x) else 0.0
        if _varies(x - means[codes], scale):
            within.append(c)
            if _varies(means, scale):
                blended.append(c)
    return within, blended


class _Rename(ast.NodeTransformer):
    """Rename a data variable inside one patsy factor (``x`` and ``Q("x")``), leaving function
    and module names alone."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Q":
            node.args = [
                ast.Constant(self.new)
                if isinstance(a, ast.Constant) and a.value == self.old
                else self.visit(a)
                for a in node.args
            ]
            return node
        node.args = [self.visit(a) for a in node.args]  # keywords hold options, not data
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        return node  # np.log: a module's function

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id != self.old:
            return node
        return ast.parse(quote(self.new), mode="eval").body


def _rename_factor(code: str, renames: Mapping[str, str]) -> str:
    if not any(v in formula_variables("_y_ ~ " + code)[1] for v in renames):
        return code
    tree = ast.parse(code.strip(), mode="eval")
    for old, new in renames.items():
        tree = _Rename(old, new).visit(tree)
    return ast.unparse(tree)


def _rewrite(formula: str, renames: Mapping[str, str], added: Sequence[str]) -> str:
    """The formula with variables renamed and terms ``added`` (a ``+ name`` each)."""
    try:
        desc = ModelDesc.from_formula(formula)
    except PatsyError as exc:  # pragma: no cover - the formula was parsed before
        raise DataValidationError(f"cannot parse the formula '{formula}': {exc}") from None
    rhs = [
        Term([EvalFactor(_rename_factor(f.code, renames)) for f in t.factors])
        for t in desc.rhs_termlist
    ]
    rhs += [Term([EvalFactor(quote(a))]) for a in added]
    out: str = ModelDesc(desc.lhs_termlist, rhs).describe()
    return out


def split_within_between(
    data: pd.DataFrame,
    formula: str,
    parts: tuple[RandomPart, ...],
    columns: Sequence[str],
    codes: npt.NDArray[np.intp],
) -> tuple[pd.DataFrame, str, tuple[RandomPart, ...], list[str]]:
    """``x`` -> ``x_within = x - mean_j(x)`` and ``x_between = mean_j(x)`` for each column
    (cluster means of the rows used), in the fixed formula and in every random part.
    ``x_between`` is left out when every cluster has the same mean (nothing to estimate);
    the last item returned lists the ``x_between`` columns added."""
    renames, added, new_cols = {}, [], {}
    sizes = np.bincount(codes).astype(np.float64)
    for c in columns:
        within, between = f"{c}_within", f"{c}_between"
        clash = [n for n in (within, between) if n in data.columns]
        if clash:
            raise DataValidationError(
                f"center='cluster' would create column(s) {clash}, which the data already has; "
                "rename them, or centre yourself and pass center='none'"
            )
        x = data[c].to_numpy(dtype=np.float64)
        means = (np.bincount(codes, weights=x) / sizes)[codes]
        new_cols[within] = x - means
        renames[c] = within
        if _varies(means, float(np.max(np.abs(x)))):  # else no between part to estimate
            new_cols[between] = means
            added.append(between)
    out = data.assign(**new_cols)
    parts = tuple(
        RandomPart(p.factor, _rewrite(p.formula, renames, []), p.covariance) for p in parts
    )
    return out, _rewrite(formula, renames, added), parts, added


def check_center(center: object) -> str | list[str]:
    """``"none"``, ``"cluster"`` or a list of columns to split."""
    if isinstance(center, str) or center is None:
        return choice("none" if center is None else center, "center", ["none", "cluster"])
    if isinstance(center, Sequence) and all(isinstance(c, str) for c in center):
        return list(center)
    raise ModelError(
        f"center must be 'none', 'cluster' or a list of level-1 columns, got {center!r}"
    )


def refuse_level2_center(
    requested: Sequence[str], level1: Sequence[str], spec: GroupSpec, rhs: Sequence[str]
) -> None:
    """Columns named in ``center=[...]`` must be level-1 predictors of the formula."""
    bad = [c for c in requested if c not in rhs]
    if bad:
        raise DataValidationError(
            f"center names {bad}, which the formula does not use; name predictors of the formula"
        )
    const = [c for c in requested if c not in level1]
    if const:
        raise ModelError(
            f"center names {const}, which do not vary within '{spec.inner}' (or are not "
            "numeric): a cluster-level predictor has no within-cluster part; leave it out of "
            "center="
        )
