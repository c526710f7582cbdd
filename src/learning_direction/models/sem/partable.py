"""The parameter table: every parameter of the model, written or added by default, as lavaan's.

:func:`build_partable` turns parsed syntax into rows with lavaan's columns (``lhs, op, rhs,
user, block, group, level, free, ustart, exo, label, plabel``) in the order of lavaan's
``parTable()``: per block, the user's rows in the order written, then the default rows. The
defaults are those of ``lavaan::sem()`` and ``cfa()``:

* the first loading of every factor is fixed to 1 (marker variable), unless modified;
* residual variances of the observed variables that are not exogenous covariates, and the
  variances of all latent variables, are free; a factor with one indicator gets that
  indicator's residual variance fixed to 0;
* exogenous latent variables covary; so do the residuals of pure outcomes (variables that are
  regressed on something and predict nothing), as ``auto.cov.y = TRUE`` does;
* with ``fixed.x = TRUE`` the variances, covariances and means of exogenous observed covariates
  are fixed (``exo = 1``, the value is filled in from the sample by the estimator) and are not
  counted in the degrees of freedom;
* with a mean structure, intercepts of observed variables are free and latent means fixed at 0;
  in a two-level model the level-1 intercepts of variables that also appear at level 2 are
  fixed at 0 (their means live at level 2).

Rows that share a label are equal (lavaan adds ``==`` rows for them); see
:func:`label_groups`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from ...exceptions import ModelError
from .syntax import Constraint, Definition, Modifier, ParsedModel, Statement

__all__ = [
    "BlockInfo",
    "ParRow",
    "ParTable",
    "build_partable",
    "label_groups",
    "n_moments",
]


@dataclass(frozen=True)
class ParRow:
    """One row of the parameter table (lavaan's ``parTable()`` columns)."""

    id: int
    lhs: str
    op: str
    rhs: str
    user: int
    block: int
    group: int
    level: int
    free: int
    ustart: float
    exo: int = 0
    label: str = ""
    line: int = 0

    @property
    def plabel(self) -> str:
        """lavaan's internal label ``.p<id>.``."""
        return f".p{self.id}."


@dataclass(frozen=True)
class BlockInfo:
    """The variables of one block (one level of one group), in lavaan's order."""

    block: int
    group: int
    level: int
    ov: tuple[str, ...]
    ov_x: tuple[str, ...]
    lv: tuple[str, ...]
    #: exogenous observed covariates of a ``fixed_x=False`` model (free moments, not ``ov_x``)
    ov_x_free: tuple[str, ...] = ()

    @property
    def ov_nox(self) -> tuple[str, ...]:
        """Observed variables that are not fixed exogenous covariates."""
        return tuple(v for v in self.ov if v not in self.ov_x)


@dataclass(frozen=True)
class ParTable:
    """The parameter table of a model, its blocks, defined parameters and constraints."""

    rows: tuple[ParRow, ...]
    blocks: tuple[BlockInfo, ...]
    definitions: tuple[Definition, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    n_levels: int = 1
    n_groups: int = 1
    meanstructure: bool = False
    fixed_x: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def npar(self) -> int:
        """Number of free parameters before equality constraints."""
        return max((r.free for r in self.rows), default=0)

    def observed(self) -> tuple[str, ...]:
        """Every observed variable of the model, in order of first appearance over the blocks."""
        return tuple(dict.fromkeys(v for b in self.blocks for v in b.ov))

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame (lavaan's ``parTable()`` layout, ``:=`` rows last)."""
        records = [
            {
                "id": r.id,
                "lhs": r.lhs,
                "op": r.op,
                "rhs": r.rhs,
                "user": r.user,
                "block": r.block,
                "group": r.group,
                "level": r.level,
                "free": r.free,
                "ustart": r.ustart,
                "exo": r.exo,
                "label": r.label,
                "plabel": r.plabel,
            }
            for r in self.rows
        ]
        start = len(self.rows) + 1
        for k, d in enumerate(self.definitions):
            records.append(
                {
                    "id": start + k,
                    "lhs": d.name,
                    "op": ":=",
                    "rhs": d.expression.text,
                    "user": 1,
                    "block": 0,
                    "group": 0,
                    "level": 0,
                    "free": 0,
                    "ustart": math.nan,
                    "exo": 0,
                    "label": d.name,
                    "plabel": "",
                }
            )
        return pd.DataFrame.from_records(records)


@dataclass
class _Draft:
    """A row while the table is being built (mutable; frozen into :class:`ParRow` at the end)."""

    lhs: str
    op: str
    rhs: str
    user: int
    free: bool = True
    ustart: float = math.nan
    exo: int = 0
    label: str = ""
    line: int = 0
    modifier: Modifier | None = None

    def key(self) -> tuple[str, str, str]:
        if self.op == "~~" and self.rhs < self.lhs:
            return (self.rhs, self.op, self.lhs)
        return (self.lhs, self.op, self.rhs)


def build_partable(
    parsed: ParsedModel,
    *,
    n_groups: int = 1,
    fixed_x: bool = True,
    meanstructure: bool | None = None,
) -> ParTable:
    """The full parameter table of a parsed model, with lavaan's ``sem()`` defaults.

    Parameters
    ----------
    parsed : ParsedModel
        From :func:`~learning_direction.models.sem.syntax.parse_model`.
    n_groups : int
        Number of groups (the same model in every group unless ``group:`` blocks say otherwise).
    fixed_x : bool
        Treat exogenous observed covariates as fixed (lavaan's default ``fixed.x = TRUE``).
    meanstructure : bool or None
        ``None`` (lavaan's ``"default"``): a mean structure when the syntax has an intercept or
        the model has two levels.

    Returns
    -------
    ParTable

    Examples
    --------
    The table of ``lavaan::parTable(sem("m ~ a*x\\n y ~ b*m + x", data))``: the residual
    variances are added, the covariate's variance is fixed (``exo = 1``):

    >>> from learning_direction.models.sem import build_partable, parse_model
    >>> t = build_partable(parse_model("m ~ a*x\\n y ~ b*m + x")).to_frame()
    >>> t[["lhs", "op", "rhs", "user", "free", "exo", "label"]]
      lhs  op rhs  user  free  exo label
    0   m   ~   x     1     1    0     a
    1   y   ~   m     1     2    0     b
    2   y   ~   x     1     3    0
    3   m  ~~   m     0     4    0
    4   y  ~~   y     0     5    0
    5   x  ~~   x     0     0    1
    """
    n_levels = parsed.n_levels
    if meanstructure is None:
        meanstructure = n_levels > 1 or any(s.op == "~1" for s in parsed.statements)
    blocks = [(g, lev) for g in range(1, n_groups + 1) for lev in range(1, n_levels + 1)]
    per_block = [_statements_of(parsed, g, lev, n_groups) for g, lev in blocks]
    eqs_y_all = {s.lhs for sts in per_block for s in sts if s.op == "~"}
    local = [_classify(sts, None) for sts in per_block]
    global_x = [
        _classify(sts, eqs_y_all if n_levels > 1 and b > 0 else None)
        for b, sts in enumerate(per_block)
    ]
    union_x = {v for cls in global_x for v in cls.ov_x}
    drafts: list[list[_Draft]] = []
    infos: list[BlockInfo] = []
    notes: list[str] = []
    for b, ((g, lev), sts) in enumerate(zip(blocks, per_block, strict=True)):
        cls = local[b]
        exogenous = tuple(v for v in cls.ov_x if v in union_x)
        ov_x = exogenous if fixed_x else ()
        dropped = [v for v in cls.ov_x if v not in exogenous] if fixed_x else []
        if dropped and n_levels > 1:
            notes.append(
                f"{', '.join(dropped)} exogenous at level {lev} but endogenous at another level: "
                "treated as endogenous (variances and intercepts estimated), as lavaan does"
            )
        notes.extend(cls.notes)
        free_x = () if fixed_x else exogenous
        info = BlockInfo(
            block=b + 1, group=g, level=lev, ov=cls.ov, ov_x=ov_x, lv=cls.lv, ov_x_free=free_x
        )
        infos.append(info)
        drafts.append(_block_drafts(sts, cls, info, meanstructure))
    if n_levels > 1 and meanstructure:
        _fix_level1_intercepts(drafts, infos)
    for rows, info in zip(drafts, infos, strict=True):
        for d in rows:
            _apply_modifier(d, groups_total=n_groups, group=info.group)
    table = _freeze(drafts, infos)
    table = _equalise_fixed_labels(table)
    _check_definitions(parsed, table)
    return ParTable(
        rows=table,
        blocks=tuple(infos),
        definitions=parsed.definitions,
        constraints=parsed.constraints,
        n_levels=n_levels,
        n_groups=n_groups,
        meanstructure=meanstructure,
        fixed_x=fixed_x,
        notes=tuple(dict.fromkeys(notes)),
    )


def _statements_of(parsed: ParsedModel, group: int, level: int, n_groups: int) -> list[Statement]:
    """The statements of one block: those of its level (and of its group when groups are named)."""
    out = []
    for s in parsed.statements:
        if parsed.levels and s.level != level:
            continue
        if parsed.groups:
            if len(parsed.groups) != n_groups:
                raise ModelError(
                    f"the syntax has {len(parsed.groups)} 'group:' blocks but the data has "
                    f"{n_groups} groups"
                )
            if s.group != parsed.groups[group - 1]:
                continue
        out.append(s)
    return out


@dataclass(frozen=True)
class _Classes:
    ov: tuple[str, ...]
    ov_x: tuple[str, ...]
    lv: tuple[str, ...]
    lv_x: tuple[str, ...]
    lv_y: tuple[str, ...]
    ov_y_pure: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _classify(sts: Sequence[Statement], eqs_y_all: set[str] | None) -> _Classes:
    """lavaan's variable types for one block (``lavNames``: ov, ov.x, lv, lv.x, lv.y, ov.y).

    ``eqs_y_all`` (outcomes of any block) is given for the blocks after the first of a
    multilevel model, where a variable regressed on something at any level is not exogenous.
    """
    lv = _unique(s.lhs for s in sts if s.op == "=~")
    v_ind = _unique(s.rhs for s in sts if s.op == "=~")
    ov_ind = tuple(v for v in v_ind if v not in lv)
    eqs_y = _unique(s.lhs for s in sts if s.op == "~")
    eqs_x = _unique(s.rhs for s in sts if s.op == "~")
    ov_y = tuple(v for v in eqs_y if v not in lv and v not in ov_ind)
    not_x = set(lv) | set(ov_ind) | (eqs_y_all if eqs_y_all is not None else set(ov_y))
    ov_x_raw = tuple(v for v in eqs_x if v not in not_x)
    extra = _unique(
        [s.lhs for s in sts if s.op in ("~~", "~1") and s.lhs not in lv]
        + [s.rhs for s in sts if s.op == "~~" and s.rhs not in lv]
    )
    base = ov_ind + ov_y + ov_x_raw
    ov = base + tuple(v for v in extra if v not in base)
    touched = {s.lhs for s in sts if s.op in ("~~", "~1")} | {s.rhs for s in sts if s.op == "~~"}
    ov_x = tuple(v for v in ov_x_raw if v not in touched)
    notes = tuple(
        f"the syntax gives a variance, covariance or intercept of the exogenous covariate {v}: "
        "it is treated as random (its moments are estimated), as lavaan does"
        for v in ov_x_raw
        if v in touched
    )
    lv_x = tuple(v for v in lv if v not in v_ind and v not in eqs_y)
    lv_y = tuple(v for v in lv if v in eqs_y and v not in v_ind and v not in eqs_x)
    pure = {v for v in eqs_y if v not in v_ind and v not in eqs_x and v not in lv}
    ov_y_pure = tuple(v for v in ov if v in pure)
    return _Classes(ov, ov_x, lv, lv_x, lv_y, ov_y_pure, notes)


def _user_drafts(sts: Sequence[Statement]) -> list[_Draft]:
    out: list[_Draft] = []
    seen: dict[tuple[str, str, str], int] = {}
    for s in sts:
        d = _Draft(s.lhs, s.op, s.rhs, user=1, line=s.line, modifier=s.modifier)
        if d.key() in seen:
            raise ModelError(
                f"model syntax line {s.line}: '{s.lhs} {s.op} {s.rhs}'".rstrip()
                + f" repeats the parameter of line {seen[d.key()]}; write each parameter once"
            )
        seen[d.key()] = s.line
        out.append(d)
    return out


def _default_drafts(cls: _Classes, info: BlockInfo, meanstructure: bool) -> list[_Draft]:
    """lavaan's default rows: residual variances, latent covariances, the exogenous block.

    The exogenous observed covariates of a ``fixed_x=False`` model (``info.ov_x_free``) get free
    variances, covariances (and means), as ``lavaan(fixed.x = FALSE)`` does; with
    ``fixed_x=True`` they are ``info.ov_x`` and fixed at their sample values.
    """
    free_x = info.ov_x_free
    out = [_Draft(v, "~~", v, user=0) for v in info.ov_nox + cls.lv if v not in free_x]
    out += [_Draft(a, "~~", b, user=0) for a, b in itertools.combinations(cls.lv_x, 2)]
    out += [
        _Draft(a, "~~", b, user=0) for a, b in itertools.combinations(cls.lv_y + cls.ov_y_pure, 2)
    ]
    x = info.ov_x or free_x
    fixed = bool(info.ov_x)
    for i in range(len(x)):
        for j in range(i, len(x)):
            out.append(_Draft(x[i], "~~", x[j], user=0, free=not fixed, exo=int(fixed)))
    if meanstructure:
        fx = info.ov_x
        out += [_Draft(v, "~1", "", user=0, free=v not in fx, exo=int(v in fx)) for v in cls.ov]
        out += [_Draft(v, "~1", "", user=0, free=False, ustart=0.0) for v in cls.lv]
    return out


def _block_drafts(
    sts: Sequence[Statement], cls: _Classes, info: BlockInfo, meanstructure: bool
) -> list[_Draft]:
    user = _user_drafts(sts)
    taken = {d.key() for d in user}
    rows = user + [d for d in _default_drafts(cls, info, meanstructure) if d.key() not in taken]
    first: set[str] = set()
    for d in rows:
        if d.op == "=~" and d.lhs not in first:
            first.add(d.lhs)
            d.free, d.ustart = False, 1.0
    counts: dict[str, int] = {}
    for d in rows:
        if d.op == "=~":
            counts[d.lhs] = counts.get(d.lhs, 0) + 1
    rhs_mm = [d.rhs for d in rows if d.op == "=~"]
    single = {
        d.rhs
        for d in rows
        if d.op == "=~" and counts[d.lhs] == 1 and d.lhs != d.rhs and rhs_mm.count(d.rhs) == 1
    }
    for d in rows:
        if d.op == "~~" and d.lhs == d.rhs and d.lhs in single and d.user == 0:
            d.free, d.ustart = False, 0.0
    return rows


def _fix_level1_intercepts(drafts: list[list[_Draft]], infos: list[BlockInfo]) -> None:
    """Level-1 intercepts of variables with an intercept at level 2 are fixed at 0."""
    upper = {
        d.lhs
        for rows, info in zip(drafts, infos, strict=True)
        if info.level > 1
        for d in rows
        if d.op == "~1"
    }
    for rows, info in zip(drafts, infos, strict=True):
        if info.level != 1:
            continue
        for d in rows:
            if d.op == "~1" and d.lhs in upper and d.lhs not in info.lv:
                d.free, d.ustart = False, 0.0


def _pick(values: tuple[object, ...], group: int, groups_total: int, d: _Draft) -> object:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    if len(values) != groups_total:
        raise ModelError(
            f"model syntax line {d.line}: '{d.lhs} {d.op} {d.rhs}' has a c(...) modifier with "
            f"{len(values)} entries but the model has {groups_total} group(s); give one entry "
            "per group, or a single value for all groups"
        )
    return values[group - 1]


def _apply_modifier(d: _Draft, *, groups_total: int, group: int) -> None:
    m = d.modifier
    if m is None:
        return
    fixed = _pick(m.fixed, group, groups_total, d)
    free = _pick(m.free, group, groups_total, d)
    label = _pick(m.label, group, groups_total, d)
    start = _pick(m.start, group, groups_total, d)
    if isinstance(fixed, float):
        d.free, d.ustart = False, fixed
    elif free is True:
        d.free, d.ustart = True, math.nan
    if isinstance(label, str):
        d.label = label
    if isinstance(start, float) and d.free:
        d.ustart = start


def _freeze(drafts: list[list[_Draft]], infos: list[BlockInfo]) -> tuple[ParRow, ...]:
    rows: list[ParRow] = []
    n_free = 0
    for block_rows, info in zip(drafts, infos, strict=True):
        for d in block_rows:
            free = 0
            if d.free:
                n_free += 1
                free = n_free
            rows.append(
                ParRow(
                    id=len(rows) + 1,
                    lhs=d.lhs,
                    op=d.op,
                    rhs=d.rhs,
                    user=d.user,
                    block=info.block,
                    group=info.group,
                    level=info.level,
                    free=free,
                    ustart=d.ustart,
                    exo=d.exo,
                    label=d.label,
                    line=d.line,
                )
            )
    return tuple(rows)


def label_groups(rows: Sequence[ParRow]) -> dict[str, list[int]]:
    """Label -> positions of the rows carrying it (only labels used more than once)."""
    groups: dict[str, list[int]] = {}
    for k, r in enumerate(rows):
        if r.label:
            groups.setdefault(r.label, []).append(k)
    return {lab: ks for lab, ks in groups.items() if len(ks) > 1}


def _equalise_fixed_labels(rows: tuple[ParRow, ...]) -> tuple[ParRow, ...]:
    """A label shared with a fixed row fixes every row carrying it at that value."""
    out = list(rows)
    for label, ks in label_groups(rows).items():
        fixed = [rows[k] for k in ks if rows[k].free == 0]
        if not fixed:
            continue
        values = {r.ustart for r in fixed}
        if len(values) > 1:
            raise ModelError(
                f"label '{label}' is given to parameters fixed at different values "
                f"({', '.join(f'{v:g}' for v in sorted(values))}); use distinct labels"
            )
        value = values.pop()
        for k in ks:
            out[k] = replace(out[k], free=0, ustart=value)
    renumbered: list[ParRow] = []
    n_free = 0
    for r in out:
        if r.free:
            n_free += 1
            r = replace(r, free=n_free)
        renumbered.append(r)
    return tuple(renumbered)


def _check_definitions(parsed: ParsedModel, rows: tuple[ParRow, ...]) -> None:
    known = {r.label for r in rows if r.label} | {r.plabel for r in rows}
    for d in parsed.definitions:
        _unknown(d.expression.names, known, d.line, f"'{d.name} := {d.expression.text}'")
        known.add(d.name)
    for c in parsed.constraints:
        _unknown(c.lhs.names + c.rhs.names, known, c.line, f"'{c.lhs.text} == {c.rhs.text}'")


def _unknown(names: Iterable[str], known: set[str], line: int, what: str) -> None:
    import difflib

    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        labels = ", ".join(sorted(k for k in known if not k.startswith(".p"))) or "none"
        raise ModelError(
            f"model syntax line {line}: {what} uses '{name}', which is not a parameter label"
            f"{hint}. Label a parameter in the model (e.g. 'y ~ a*x'); labels so far: {labels}"
        )


def n_moments(table: ParTable) -> int:
    """Number of sample moments the model is fitted to (lavaan's ``lav_partable_ndat``).

    Covariances (and means with a mean structure) per block; in a two-level model the level-1
    means are not moments of their own, except those of within-only variables; the moments of
    fixed exogenous covariates are left out (their level-1 means are not counted anyway).
    """
    total = 0
    for info in table.blocks:
        nvar = len(info.ov)
        pstar = nvar * (nvar + 1) // 2
        first_level = table.n_levels > 1 and info.level == 1
        if table.meanstructure:
            pstar += nvar
            if first_level:
                others = {
                    v
                    for b in table.blocks
                    if b.group == info.group and b.block != info.block
                    for v in b.ov
                }
                pstar -= nvar
                pstar += sum(1 for v in info.ov_nox if v not in others)
                if not table.fixed_x:
                    pstar += sum(1 for v in info.ov_x if v not in others)
        nx = len(info.ov_x)
        pstar_x = nx * (nx + 1) // 2
        if table.meanstructure and not first_level:
            pstar_x += nx
        total += pstar - pstar_x
    return total
