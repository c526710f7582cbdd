"""Equality constraints across groups: lavaan's ``group.equal`` and ``group.partial``.

``group.equal`` names kinds of parameters that are equal in every group; lavaan gives each such
parameter of the first group a label (its ``plabel``, e.g. ``.p3.``) and the same label to the
corresponding parameter of every other group, so :func:`~.parameters.build_parameterization`
makes them equal. Only free parameters without a user label are constrained; those named in
``group.partial`` (``"x3~1"``, ``"visual=~x2"``) stay free in every group. When the intercepts
of the observed variables are equal but the latent means are not constrained, the latent means
are freed in every group but the first, as lavaan does (the first group's means are the
reference, fixed at 0).

============================  =======================================================
kind                          parameters
============================  =======================================================
``loadings``                  ``f =~ y``
``intercepts``                ``y ~ 1`` of observed variables
``means``                     ``f ~ 1`` of latent variables
``residuals``                 ``y ~~ y`` of observed variables
``residual.covariances``      ``y1 ~~ y2`` of observed variables
``lv.variances``              ``f ~~ f``
``lv.covariances``            ``f1 ~~ f2``
``regressions``               ``y ~ x``
============================  =======================================================
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import replace

from ...exceptions import ModelError
from .partable import ParRow, ParTable

__all__ = ["GROUP_EQUAL_KINDS", "apply_group_equal", "parse_partial"]

GROUP_EQUAL_KINDS = (
    "loadings",
    "intercepts",
    "means",
    "residuals",
    "residual.covariances",
    "lv.variances",
    "lv.covariances",
    "regressions",
)
_ALIASES = {k.replace(".", "_"): k for k in GROUP_EQUAL_KINDS}
_PARTIAL = re.compile(r"^([A-Za-z.][\w.]*)(=~|~~|~1|~)([A-Za-z.][\w.]*)?$")


def _kind(row: ParRow, latent: set[str]) -> str | None:
    lv_lhs = row.lhs in latent
    if row.op == "=~":
        return "loadings"
    if row.op == "~":
        return "regressions"
    if row.op == "~1":
        return "means" if lv_lhs else "intercepts"
    if row.op == "~~":
        same = row.lhs == row.rhs
        if lv_lhs and row.rhs in latent:
            return "lv.variances" if same else "lv.covariances"
        if not lv_lhs and row.rhs not in latent:
            return "residuals" if same else "residual.covariances"
    return None


def check_kinds(kinds: Sequence[str] | str | None) -> tuple[str, ...]:
    """The ``group.equal`` kinds, checked (``"loadings"`` or a list; ``_`` for ``.`` accepted)."""
    if kinds is None:
        return ()
    items = [kinds] if isinstance(kinds, str) else list(kinds)
    out = []
    for k in items:
        key = _ALIASES.get(str(k), str(k))
        if key not in GROUP_EQUAL_KINDS:
            close = difflib.get_close_matches(str(k), GROUP_EQUAL_KINDS, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ModelError(
                f"group_equal: '{k}' is not a kind of parameter{hint}; use any of "
                + ", ".join(f"'{g}'" for g in GROUP_EQUAL_KINDS)
            )
        out.append(key)
    return tuple(dict.fromkeys(out))


def parse_partial(partial: Sequence[str] | str | None) -> tuple[tuple[str, str, str], ...]:
    """``group.partial`` entries as ``(lhs, op, rhs)``: ``"x3~1"``, ``"visual =~ x2"``."""
    if partial is None:
        return ()
    items = [partial] if isinstance(partial, str) else list(partial)
    out = []
    for text in items:
        m = _PARTIAL.match(re.sub(r"\s+", "", str(text)))
        if m is None or (m.group(2) != "~1" and not m.group(3)):
            raise ModelError(
                f"group_partial: '{text}' is not a parameter; write it as in lavaan, e.g. "
                "'x3 ~ 1' (an intercept), 'visual =~ x2' (a loading), 'x1 ~~ x1' (a variance)"
            )
        lhs, op, rhs = m.group(1), m.group(2), m.group(3) or ""
        if op == "~~" and rhs < lhs:
            lhs, rhs = rhs, lhs
        out.append((lhs, op, rhs))
    return tuple(out)


def _key(row: ParRow) -> tuple[str, str, str]:
    if row.op == "~~" and row.rhs < row.lhs:
        return (row.rhs, row.op, row.lhs)
    return (row.lhs, row.op, row.rhs)


def apply_group_equal(
    table: ParTable, kinds: Sequence[str], partial: Sequence[tuple[str, str, str]] = ()
) -> ParTable:
    """The table with the ``kinds`` of parameters equal across groups (except ``partial``).

    Raises
    ------
    ModelError
        A ``partial`` entry that is not a parameter of the model.
    """
    if table.n_groups < 2 or not kinds:
        if partial and table.n_groups < 2:
            raise ModelError("group_partial needs a multigroup model (group=...)")
        return table
    latent = {v for b in table.blocks for v in b.lv}
    keys = {_key(r) for r in table.rows}
    for entry in partial:
        if entry not in keys:
            shown = f"{entry[0]} ~ 1" if entry[1] == "~1" else " ".join(entry)
            raise ModelError(
                f"group_partial: '{shown}' is not a parameter of the model; name a parameter "
                "the model has (e.g. 'x3 ~ 1' needs a mean structure, 'f =~ x3' a loading)"
            )
    skip = set(partial)
    rows = list(table.rows)
    first = {_key(r): k for k, r in enumerate(rows) if r.group == 1}
    for key, k in first.items():
        r = rows[k]
        kind = _kind(r, latent)
        if kind not in kinds or key in skip or not r.free or r.label:
            continue
        others = [
            j
            for j, o in enumerate(rows)
            if o.group > 1 and _key(o) == key and o.free and not o.label
        ]
        if not others:
            continue
        for j in [k, *others]:
            rows[j] = replace(rows[j], label=r.plabel)
    if "intercepts" in kinds and "means" not in kinds:
        for j, r in enumerate(rows):
            if r.group > 1 and r.op == "~1" and r.lhs in latent and not r.free and r.user == 0:
                rows[j] = replace(rows[j], free=1, ustart=math.nan)
    return replace(table, rows=_renumber(rows))


def _renumber(rows: list[ParRow]) -> tuple[ParRow, ...]:
    out = []
    n_free = 0
    for r in rows:
        if r.free:
            n_free += 1
            r = replace(r, free=n_free)
        out.append(r)
    return tuple(out)
