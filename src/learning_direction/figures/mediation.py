"""Figures for mediation and moderated-mediation results.

* :func:`path_diagram` -- the statistical diagram (X, mediators, Y, and W for a conditional
  process model) with each path's coefficient and significance marks.
* :func:`bootstrap_distribution` -- histogram of the resampled indirect effect with its point
  estimate, confidence interval and zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ._style import PALETTE, get_ax, sig_stars

__all__ = ["bootstrap_distribution", "path_diagram"]


def _label(table: pd.DataFrame, prefix: str, digits: int = 2) -> str:
    """Coefficient(s) of the rows named ``prefix`` or ``prefix[level]`` with stars."""
    t = table[(table["term"] == prefix) | table["term"].str.startswith(prefix + "[")]
    parts = []
    for r in t.itertuples(index=False):
        level = r.term[len(prefix) :]
        val = (
            f"{r.estimate:.{digits}f}"
            if abs(r.estimate) >= 0.1 or r.estimate == 0
            else f"{r.estimate:.{digits}g}"
        )
        parts.append(f"{level + ' ' if level else ''}{val}{sig_stars(r.p_value)}")
    return "\n".join(parts)


def _box(ax, xy, text, color, w=0.2, h=0.12):
    x, y = xy
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.01,rounding_size=0.02",
            fc="white",
            ec=color,
            lw=1.5,
            zorder=2,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=3, wrap=True)


def _exit(u, half=(0.1, 0.06), pad=0.012):
    """Distance along unit vector ``u`` from a box centre to its edge (plus a small gap)."""
    with np.errstate(divide="ignore"):
        t = min(half[0] / abs(u[0]) if u[0] else np.inf, half[1] / abs(u[1]) if u[1] else np.inf)
    return t + pad


def _arrow(ax, p, q, label, *, offset=(0.0, 0.0), rad=0.0, target_box=True, frac=0.5):
    p, q = np.asarray(p, float), np.asarray(q, float)
    d = q - p
    u = d / np.hypot(*d)
    start = p + u * _exit(u)
    end = q - u * (_exit(u) if target_box else 0.01)
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=12,
            lw=1.2,
            color="#333333",
            connectionstyle=f"arc3,rad={rad}",
            zorder=1,
        )
    )
    mid = start + frac * (end - start) + np.asarray(offset)
    if label:
        ax.text(
            *mid,
            label,
            ha="center",
            va="center",
            fontsize=8,
            bbox={"fc": "white", "ec": "none", "alpha": 0.9, "pad": 1},
            zorder=4,
        )


def path_diagram(result, ax=None, digits: int = 3):
    """Path diagram of a :class:`MediationResult` or :class:`ConditionalProcessResult`.

    Parameters
    ----------
    result : MediationResult or ConditionalProcessResult
    ax : matplotlib Axes, optional
    digits : int
        Decimals of the coefficients.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Significance marks: * p < .05, ** p < .01, *** p < .001 (t-tests of the path coefficients).
    The direct path is labelled c' (total effect c in parentheses).
    """
    k = len(result.mediators)
    w = getattr(result, "w", None)
    ax = get_ax(
        ax,
        figsize=(
            7.0,
            (3.4 if not w else 4.2) + (0.6 * (k - 1) if getattr(result, "model", 4) != 6 else 0),
        ),
    )
    tab = result.table
    X, Y = (0.1, 0.15), (0.9, 0.15)
    serial = getattr(result, "model", 4) == 6
    top = 0.6
    if serial:  # mediators side by side, in causal order
        half = min(0.3, 0.15 * (k - 1))
        Ms = [(float(xm), top) for xm in np.linspace(0.5 - half, 0.5 + half, k)]
    else:  # parallel mediators stacked in the middle column
        Ms = (
            [(0.5, float(ym)) for ym in np.linspace(0.45 + 0.2 * (k - 1), 0.45, k)]
            if k > 1
            else [(0.5, top)]
        )
    _box(ax, X, result.x, PALETTE[0])
    _box(ax, Y, result.y, PALETTE[0])
    for i, mname in enumerate(result.mediators):
        _box(
            ax,
            Ms[i],
            mname,
            PALETTE[2],
            w=0.2 if (serial or k == 1) else 0.16,
            h=0.1 if k > 1 else 0.12,
        )
        a = _label(tab, f"a:{mname}", digits)
        b = _label(tab, f"b:{mname}", digits)
        fa = (0.3 if i > 0 else 0.45) if serial else (0.45 if k == 1 else 0.62)
        if w and "a" in getattr(result, "moderated_paths", ()):
            fa = 0.3
        fb = (0.7 if i < k - 1 else 0.55) if serial else (0.55 if k == 1 else 0.38)
        if w and "b" in getattr(result, "moderated_paths", ()):
            fb = 0.7
        _arrow(ax, X, Ms[i], f"a = {a}" if "\n" not in a else a, frac=fa)
        _arrow(ax, Ms[i], Y, f"b = {b}", frac=fb)
    if getattr(result, "model", 4) == 6:
        for i, m2 in enumerate(result.mediators):
            for j, m1 in enumerate(result.mediators[:i]):
                d = _label(tab, f"d:{m1}->{m2}", digits)
                if i - j == 1:
                    _arrow(ax, Ms[j], Ms[i], f"d = {d}", offset=(0.0, 0.1))
                else:
                    _arrow(ax, Ms[j], Ms[i], "", rad=-0.35)
                    ax.text(
                        (Ms[j][0] + Ms[i][0]) / 2, top + 0.2, f"d = {d}", ha="center", fontsize=8
                    )
    cp = _label(tab, "c_prime", digits)
    c = _label(tab, "c", digits)
    _arrow(
        ax,
        X,
        Y,
        f"c' = {cp}" + (f"  (c = {c})" if c and "\n" not in c else ""),
        offset=(0.0, -0.07),
    )
    if w:
        moderated = getattr(result, "moderated_paths", ("a",))
        m0 = Ms[0]
        targets = {
            "a": (
                np.array(X) + 0.62 * (np.array(m0) - np.array(X)),
                f"a_xw:{result.mediators[0]}",
                "X×W → M",
            ),
            "b": (
                np.array(m0) + 0.38 * (np.array(Y) - np.array(m0)),
                f"b_mw:{result.mediators[0]}",
                "M×W → Y",
            ),
            "c_prime": (np.array([0.62, Y[1]]), "c_prime_xw", "X×W → Y"),
        }
        # W drawn top-left for the paths out of X, top-right for the M -> Y path (model 58: both)
        spots = {"left": (0.12, 0.9), "right": (0.88, 0.9)}
        groups: dict[str, list[str]] = {}
        for path in moderated:
            groups.setdefault("right" if path == "b" else "left", []).append(path)
        for side, paths in groups.items():
            Wp = spots[side]
            _box(ax, Wp, w, PALETTE[1])
            texts = []
            for path in paths:
                pt, term, what = targets[path]
                _arrow(ax, Wp, pt, "", target_box=False)
                lab = _label(tab, term, digits)
                if lab:
                    texts.append(f"{what}: {lab}")
            if texts:
                ax.text(
                    Wp[0] + (0.125 if side == "left" else -0.125),
                    Wp[1],
                    "\n".join(texts),
                    ha="left" if side == "left" else "right",
                    va="center",
                    fontsize=8,
                    zorder=4,
                )
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0.02, max(Ms[0][1] + 0.12, 1.0 if w else 0.85))
    ax.set_axis_off()
    ax.set_title(
        f"PROCESS model {getattr(result, 'model', 4)}: {result.x} → {', '.join(result.mediators)} → {result.y}",
        fontsize=10,
    )
    ax.text(
        0.0,
        0.0,
        "* p < .05, ** p < .01, *** p < .001",
        fontsize=7,
        color="#555555",
        transform=ax.transAxes,
    )
    return ax


def bootstrap_distribution(result, term: str | None = None, ax=None, bins: int = 60):
    """Histogram of the bootstrap draws of one effect with its estimate and confidence interval.

    Parameters
    ----------
    result : MediationResult or ConditionalProcessResult
    term : str, optional
        A column of ``result.boot_draws``; default the first ``indirect`` (or ``index``) term.
    ax : matplotlib Axes, optional
    bins : int

    Returns
    -------
    matplotlib Axes
    """
    from ..exceptions import ModelError

    draws = result.boot_draws
    if term is None:
        cands = [c for c in draws.columns if c.startswith(("indirect:", "index", "indirect_total"))]
        term = cands[0] if cands else draws.columns[0]
    if term not in draws.columns:
        raise ModelError(
            f"term {term!r} is not in the bootstrap draws; choose one of {list(draws.columns)}"
        )
    ax = get_ax(ax)
    d = draws[term].dropna().to_numpy()
    row = result.table.set_index("term").loc[term] if term in set(result.table["term"]) else None
    ax.hist(d, bins=bins, color=PALETTE[0], alpha=0.85, edgecolor="white", linewidth=0.3, zorder=2)
    if row is not None:
        ax.axvline(
            row["estimate"], color=PALETTE[5], lw=1.6, label=f"estimate {row['estimate']:.3g}"
        )
        ax.axvspan(
            row["ci_low"],
            row["ci_high"],
            color=PALETTE[1],
            alpha=0.25,
            zorder=0,
            label=f"{100 * result.ci_level:g}% CI [{row['ci_low']:.3g}, {row['ci_high']:.3g}]",
        )
    ax.axvline(0.0, color="#555555", lw=1, ls="--", label="0")
    ax.set_xlabel(term)
    ax.set_ylabel("resamples")
    what = (
        "Monte Carlo draws"
        if result.ci == "monte_carlo"
        else f"{len(d):,} bootstrap resamples ({result.ci})"
    )
    ax.set_title(what, fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper right")
    return ax
