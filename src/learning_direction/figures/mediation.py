"""Figures for mediation and moderated-mediation results.

* :func:`path_diagram` -- the statistical diagram (X, mediators, Y, and W for a conditional
  process model) with each path's coefficient and significance marks.
* :func:`bootstrap_distribution` -- histogram of the resampled indirect effect with its point
  estimate, confidence interval and zero.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .._core.format import fig_num, stars
from ._style import PALETTE, get_ax, text_size

__all__ = ["bootstrap_distribution", "multilevel_path_diagram", "path_diagram"]

FloatArray = npt.NDArray[np.float64]


_NODE_FS = 9.0  # variable names in the boxes
_LABEL_FS = 8.5  # path coefficients
_NOTE_FS = 8.0  # footnote


def _label(table: pd.DataFrame, prefix: str, digits: int = 2, symbol: str | None = None) -> str:
    """Coefficient(s) of the rows named ``prefix`` or ``prefix[level]`` with stars.

    One line per row; a multicategorical X gives one line per indicator. With ``symbol`` each
    line reads ``symbol = b`` (``symbol (level) = b`` for an indicator); without it ``b``
    (``level: b``).
    """
    t = table[(table["term"] == prefix) | table["term"].str.startswith(prefix + "[")]
    parts = []
    for r in t.itertuples(index=False):
        level = r.term[len(prefix) :].strip("[]")
        val = f"{fig_num(r.estimate, digits)}{stars(r.p_value)}"
        if symbol:
            parts.append(f"{symbol} ({level}) = {val}" if level else f"{symbol} = {val}")
        else:
            parts.append(f"{level}: {val}" if level else val)
    return "\n".join(parts)


def _wrap_name(name: str, width: int = 18) -> str:
    """Break a long variable name after ``_`` or spaces into lines of about ``width`` characters."""
    name = str(name)
    if len(name) <= width or "\n" in name:  # short, or already broken by the caller
        return name
    tokens = re.findall(r"[^_ ]+[_ ]*|[_ ]+", name)
    lines, cur = [], ""
    for tok in tokens:
        if cur and len(cur) + len(tok.rstrip()) > width:
            lines.append(cur.rstrip())
            cur = tok
        else:
            cur += tok
    if cur:
        lines.append(cur.rstrip())
    return "\n".join(lines)


# ------------------------------------------------------------------------------ geometry
# Everything is laid out in inches of the Axes (x and y limits are set to its size), so text
# measured in points and the boxes, arrows and gaps share one isotropic unit.


@dataclass(eq=False)
class _Node:
    text: str
    xy: FloatArray
    w: float
    h: float
    color: str

    def boundary(self, toward: FloatArray, gap: float = 0.04) -> FloatArray:
        """Point on the box edge in the direction of ``toward`` (plus ``gap``)."""
        d = np.asarray(toward, float) - self.xy
        n = np.hypot(*d)
        if n == 0:
            return self.xy.copy()
        u = d / n
        with np.errstate(divide="ignore"):
            t = min(
                (self.w / 2) / abs(u[0]) if u[0] else np.inf,
                (self.h / 2) / abs(u[1]) if u[1] else np.inf,
            )
        end: FloatArray = self.xy + u * (t + gap)
        return end


def _node(text: str, xy: npt.ArrayLike, color: str, min_w: float = 0.9) -> _Node:
    tw, th = text_size(text, _NODE_FS)
    return _Node(text, np.asarray(xy, float), max(tw + 0.24, min_w), th + 0.2, color)


def _curve(p: npt.ArrayLike, q: npt.ArrayLike, rad: float, n: int = 41) -> FloatArray:
    """Points of matplotlib's ``arc3`` connection from ``p`` to ``q`` (a quadratic Bezier)."""
    a, b = np.asarray(p, float), np.asarray(q, float)
    d = b - a
    c = (a + b) / 2 + rad * np.array([d[1], -d[0]])
    t = np.linspace(0, 1, n)[:, None]
    pts: FloatArray = (1 - t) ** 2 * a + 2 * (1 - t) * t * c + t**2 * b
    return pts


def _seg_dist(pts: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    ab = b - a
    L2 = float(ab @ ab)
    t = np.clip(((pts - a) @ ab) / L2, 0, 1) if L2 > 0 else np.zeros(len(pts))
    dist: FloatArray = np.hypot(*(pts - (a + t[:, None] * ab)).T)
    return dist


def _rect_dist(
    pts: FloatArray, center: npt.ArrayLike, half: tuple[float, float], angle: float = 0.0
) -> FloatArray:
    """Distance of points to a (rotated) rectangle; 0 inside."""
    c, s = np.cos(angle), np.sin(angle)
    d = pts - np.asarray(center)
    u = d @ np.array([c, s])
    v = d @ np.array([-s, c])
    dist: FloatArray = np.hypot(
        np.maximum(np.abs(u) - half[0], 0), np.maximum(np.abs(v) - half[1], 0)
    )
    return dist


def _rect_points(
    center: npt.ArrayLike, half: tuple[float, float], angle: float, n: int = 9
) -> FloatArray:
    """Points on the outline and centre line of a rotated rectangle."""
    c, s = np.cos(angle), np.sin(angle)
    us = np.linspace(-half[0], half[0], n)
    pts = [(u, v) for u in us for v in (-half[1], 0.0, half[1])]
    pts += [(-half[0], 0.0), (half[0], 0.0)]
    loc = np.array(pts)
    out: FloatArray = np.asarray(center) + loc @ np.array([[c, s], [-s, c]])
    return out


@dataclass
class _Edge:
    path: FloatArray  # polyline of the drawn arrow
    label: str
    side: int = 1  # preferred side of the label: +1 above (left of travel), -1 below
    t0: float = 0.5  # preferred position along the arrow
    rotate: bool = True


def _place_labels(
    ax: Axes,
    edges: list[_Edge],
    nodes: list[_Node],
    limits: tuple[tuple[float, float], tuple[float, float]],
) -> None:
    """Put each path's label along its own arrow, offset perpendicular, avoiding the rest.

    Candidates are positions along the arrow on either side; the one with the most clearance
    from the other arrows, the boxes and the labels already placed wins (ties: the preferred
    side and position).
    """
    placed: list[tuple[np.ndarray, tuple[float, float], float]] = []
    gap = 0.035
    for i, e in enumerate(edges):
        if not e.label:
            continue
        tw, th = text_size(e.label, _LABEL_FS)
        half = (tw / 2 + 0.03, th / 2 + 0.015)
        others = [o.path for j, o in enumerate(edges) if j != i]
        seglen = np.hypot(*np.diff(e.path, axis=0).T)
        cum = np.concatenate([[0], np.cumsum(seglen)])
        best, best_score = None, -np.inf
        for t in np.linspace(0.15, 0.85, 15):
            s_at = t * cum[-1]
            k = int(np.clip(np.searchsorted(cum, s_at) - 1, 0, len(seglen) - 1))
            f = (s_at - cum[k]) / seglen[k] if seglen[k] else 0.0
            p = e.path[k] + f * (e.path[k + 1] - e.path[k])
            u = (e.path[k + 1] - e.path[k]) / (seglen[k] or 1.0)
            ang = np.arctan2(u[1], u[0]) if e.rotate else 0.0
            if ang > np.pi / 2:
                ang -= np.pi
            elif ang < -np.pi / 2:
                ang += np.pi
            normal = np.array([-u[1], u[0]])
            if normal[1] < 0 or (normal[1] == 0 and normal[0] < 0):
                normal = -normal  # +1 = above
            for side in (e.side, -e.side):
                if e.rotate:
                    off = half[1] + gap
                else:  # horizontal text next to a sloped arrow: clear its full extent
                    off = abs(normal[0]) * half[0] + abs(normal[1]) * half[1] + gap
                center = p + side * normal * off
                pts = _rect_points(center, half, ang)
                clear = np.inf
                for path in others:
                    for a, b in itertools.pairwise(path):
                        clear = min(clear, float(_seg_dist(pts, a, b).min()))
                for nd in nodes:
                    clear = min(clear, float(_rect_dist(pts, nd.xy, (nd.w / 2, nd.h / 2)).min()))
                for c2, h2, a2 in placed:
                    clear = min(clear, float(_rect_dist(pts, c2, h2, a2).min()))
                (x0, x1), (y0, y1) = limits
                inside = (
                    pts[:, 0].min() >= x0
                    and pts[:, 0].max() <= x1
                    and pts[:, 1].min() >= y0
                    and pts[:, 1].max() <= y1
                )
                score = min(clear, 0.12) - 0.05 * abs(t - e.t0) - (0.01 if side != e.side else 0)
                if not inside:
                    score -= 1.0
                if score > best_score:
                    best, best_score = (center, half, ang), score
        if best is None:  # pragma: no cover - every position gets a score
            continue
        center, half, ang = best
        placed.append(best)
        ax.text(
            float(center[0]),
            float(center[1]),
            e.label,
            ha="center",
            va="center",
            rotation=np.degrees(ang),
            rotation_mode="anchor",
            fontsize=_LABEL_FS,
            linespacing=1.2,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.5},
            zorder=4,
        )


def _draw_node(ax: Axes, nd: _Node) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (nd.xy[0] - nd.w / 2, nd.xy[1] - nd.h / 2),
            nd.w,
            nd.h,
            boxstyle="round,pad=0,rounding_size=0.06",
            fc="white",
            ec=nd.color,
            lw=1.5,
            zorder=2,
        )
    )
    x, y = float(nd.xy[0]), float(nd.xy[1])
    ax.text(x, y, nd.text, ha="center", va="center", fontsize=_NODE_FS, zorder=3, linespacing=1.2)


def _draw_arrow(ax: Axes, p: FloatArray, q: FloatArray, rad: float = 0.0) -> FloatArray:
    ax.add_patch(
        FancyArrowPatch(
            tuple(p),
            tuple(q),
            arrowstyle="-|>",
            mutation_scale=12,
            lw=1.2,
            color="#333333",
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
            zorder=1,
        )
    )
    return _curve(p, q, rad) if rad else np.array([p, q], float)


def _figure(ax: Axes) -> Figure:
    """The figure holding ``ax``."""
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):  # pragma: no cover - an Axes drawn on is on a figure
        raise ValueError("the Axes is not on a figure")
    return fig


def _axes_inches(ax: Axes) -> tuple[float, float]:
    fig = _figure(ax)
    try:
        fig.draw_without_rendering()  # settle a constrained layout before measuring
    except Exception:  # pragma: no cover - backends without a renderer
        pass
    bbox = ax.get_position()
    w, h = fig.get_size_inches()
    return float(bbox.width * w), float(bbox.height * h)


def _title_lines(text: str, width_in: float, fontsize: float = 10.0) -> str:
    """Wrap a title at its spaces so that no line is wider than ``width_in`` inches."""
    words = text.split(" ")
    lines, cur = [], ""
    for word in words:
        trial = f"{cur} {word}".strip()
        if cur and text_size(trial, fontsize)[0] > width_in:
            lines.append(cur)
            cur = word
        else:
            cur = trial
    lines.append(cur)
    return "\n".join(lines)


@dataclass(eq=False)
class _Diagram:
    """The boxes and arrows of one path diagram, and what the result asks to show."""

    tab: pd.DataFrame
    digits: int
    model: int
    serial: bool
    mediators: list[str]
    x: _Node
    y: _Node
    m: list[_Node]
    d_gap: float
    w: str | None
    moderated: tuple[str, ...]
    title: str
    edges: list[_Edge] = field(default_factory=list)

    @property
    def k(self) -> int:
        return len(self.mediators)

    def label(self, prefix: str, symbol: str | None = None) -> str:
        return _label(self.tab, prefix, self.digits, symbol)

    def connect(
        self,
        ax: Axes,
        a: _Node,
        b: _Node,
        label: str,
        *,
        rad: float = 0.0,
        side: int = 1,
        t0: float = 0.5,
        rotate: bool = True,
    ) -> FloatArray:
        """Draw the arrow from box ``a`` to box ``b`` and keep it (with its label) as an edge.

        Stacked parallel mediators are entered on their left and left on their right edge.
        """
        p = a.boundary(b.xy)
        q = b.boundary(a.xy)
        stacked = not self.serial and self.k > 1
        if stacked and b in self.m:  # into the left edge of a stacked mediator
            q = b.xy - np.array([b.w / 2 + 0.04, 0.0])
            p = a.boundary(q)
        if stacked and a in self.m:  # out of the right edge
            p = a.xy + np.array([a.w / 2 + 0.04, 0.0])
            q = b.boundary(p)
        path = _draw_arrow(ax, p, q, rad)
        self.edges.append(_Edge(path, label, side, t0, rotate))
        return path


def _diagram(result: Any, digits: int) -> _Diagram:
    """The boxes of X, Y and the mediators, sized to their (wrapped) names."""
    tab = result.table
    model = getattr(result, "model", 4)
    serial = model == 6
    mediators = list(result.mediators)
    k = len(mediators)
    w = getattr(result, "w", None)
    moderated = tuple(getattr(result, "moderated_paths", ())) if w else ()
    x_node = _node(_wrap_name(result.x), (0, 0), PALETTE[0])
    y_node = _node(_wrap_name(result.y), (0, 0), PALETTE[0])
    wrap = (12 if k > 2 else 14) if serial else 20
    m_nodes = [_node(_wrap_name(m, wrap), (0, 0), PALETTE[2]) for m in mediators]
    d_gap = 0.0
    if serial:  # the gap between neighbouring mediators holds the d label
        d_gap = max(
            [0.5]
            + [
                text_size(_label(tab, f"d:{m1}->{m2}", digits, "d12"), _LABEL_FS)[0] + 0.3
                for m1, m2 in itertools.pairwise(mediators)
            ]
        )
    else:  # stacked mediators share one width, so no arrow cuts the corner of another box
        mw = max(n.w for n in m_nodes)
        for n in m_nodes:
            n.w = mw
    title = f"PROCESS model {model}: {result.x} → {', '.join(mediators)} → {result.y}"
    return _Diagram(
        tab, digits, model, serial, mediators, x_node, y_node, m_nodes, d_gap, w, moderated, title
    )


def _new_axes(dg: _Diagram) -> Axes:
    """A figure sized to the diagram: the mediators' row (serial) or stack, W and the title."""
    xy_h = max(dg.x.h, dg.y.h)
    mh = max(n.h for n in dg.m)
    k = dg.k
    if dg.serial:
        row_w = sum(n.w for n in dg.m) + dg.d_gap * (k - 1)
        width = max(7.0, row_w + (dg.x.w + dg.y.w) / 2 + 0.6)
        height = 0.45 + xy_h + 1.2 + mh + (0.5 if k > 2 else 0.0)
    else:
        width = max(7.0, dg.x.w + dg.y.w + max(n.w for n in dg.m) + 3.2)
        height = 0.45 + xy_h + 0.5 + k * mh + (k - 1) * 0.42 + 0.1
    if dg.w:
        height += 0.85
    height += 0.2 + 0.2 * (_title_lines(dg.title, width - 0.2).count("\n") + 1)
    return get_ax(None, figsize=(width, height))


def _place_nodes(dg: _Diagram, W: float, H: float) -> None:
    """Positions (inches): X and Y at the bottom, the mediators above (a row or a stack)."""
    margin = 0.06
    bottom = 0.45  # room for the c' label and the footnote
    y_row = bottom + max(dg.x.h, dg.y.h) / 2
    dg.x.xy = np.array([margin + dg.x.w / 2, y_row])
    dg.y.xy = np.array([W - margin - dg.y.w / 2, y_row])
    top = H - margin - (0.85 if dg.w else 0.05)
    mh = max(n.h for n in dg.m)
    k = dg.k
    if dg.serial:
        widths = [n.w for n in dg.m]
        span_l = dg.x.xy[0] + 0.15
        span_r = dg.y.xy[0] - 0.15
        total = sum(widths)
        gap = max(dg.d_gap, min(1.2, (span_r - span_l - total) / max(k - 1, 1)))
        left = (span_l + span_r) / 2 - (total + gap * (k - 1)) / 2
        ym = top - mh / 2 - (0.5 if k > 2 else 0.0)
        for nd, wd in zip(dg.m, widths, strict=True):
            nd.xy = np.array([left + wd / 2, ym])
            left += wd + gap
        return
    xm = (dg.x.xy[0] + dg.x.w / 2 + dg.y.xy[0] - dg.y.w / 2) / 2
    lowest = y_row + max(dg.x.h, dg.y.h) / 2 + 0.45 + mh / 2
    ys = np.linspace(top - mh / 2, max(lowest, top - mh / 2 - (k - 1) * (mh + 0.42)), k)
    if k == 1:
        ys = np.array([max(lowest, top - mh / 2)])
    for nd, ym in zip(dg.m, ys, strict=True):
        nd.xy = np.array([xm, ym])


def _draw_paths(
    ax: Axes, dg: _Diagram
) -> tuple[dict[str, FloatArray], dict[str, FloatArray], FloatArray]:
    """The a, b, d and direct paths; returns the a and b arrows by mediator and the c' arrow."""
    k = dg.k
    a_paths = {}
    for i, (mname, nd) in enumerate(zip(dg.mediators, dg.m, strict=True)):
        a_paths[mname] = dg.connect(
            ax, dg.x, nd, dg.label(f"a:{mname}", f"a{i + 1 if k > 1 else ''}")
        )
    b_paths = {}
    for i, (mname, nd) in enumerate(zip(dg.mediators, dg.m, strict=True)):
        b_paths[mname] = dg.connect(
            ax, nd, dg.y, dg.label(f"b:{mname}", f"b{i + 1 if k > 1 else ''}")
        )
    if dg.serial:
        for i, m2 in enumerate(dg.mediators):
            for j, m1 in enumerate(dg.mediators[:i]):
                lab = dg.label(f"d:{m1}->{m2}", f"d{j + 1}{i + 1}")
                if i - j == 1:
                    dg.connect(ax, dg.m[j], dg.m[i], lab, rotate=False)
                else:  # skip path drawn as an arc over the boxes in between
                    p = dg.m[j].xy + np.array([0, dg.m[j].h / 2 + 0.04])
                    q = dg.m[i].xy + np.array([0, dg.m[i].h / 2 + 0.04])
                    rad = -0.4 / max(float(np.hypot(*(q - p))), 0.1)  # bulge ~0.2 in
                    path = _draw_arrow(ax, p, q, rad=rad)
                    dg.edges.append(_Edge(path, lab, 1, 0.5, False))
    direct = dg.label("c_prime", "c'")
    c = dg.label("c")
    if c and "\n" not in c and "\n" not in direct:
        direct += f"  (c = {c})"
    return a_paths, b_paths, dg.connect(ax, dg.x, dg.y, direct, side=-1)


def _draw_moderator(
    ax: Axes,
    dg: _Diagram,
    arrows: dict[str, list[tuple[FloatArray, str, str]]],
    nodes: list[_Node],
    H: float,
) -> None:
    """W (one box per side) with arrows to the paths it moderates and their coefficients.

    ``arrows`` maps each moderated path (``a``, ``b``, ``c_prime``) to its arrows, with the
    interaction term and its description.
    """
    groups: dict[str, list[str]] = {}
    for path in dg.moderated:
        groups.setdefault("right" if path == "b" else "left", []).append(path)
    for side, paths in groups.items():
        texts = []
        for path in paths:
            for _, term, what in arrows[path]:
                lab = dg.label(term)
                if lab:
                    texts.append(f"{what}: {lab}")
        w_node = _node(_wrap_name(str(dg.w)), (0, 0), PALETTE[1])
        wy = H - 0.06 - w_node.h / 2
        if side == "left":
            w_node.xy = np.array([dg.x.xy[0] - dg.x.w / 2 + w_node.w / 2 + 0.3, wy])
        else:
            w_node.xy = np.array([dg.y.xy[0] + dg.y.w / 2 - w_node.w / 2 - 0.3, wy])
        _draw_node(ax, w_node)
        nodes.append(w_node)
        for path in paths:
            for line, _, _ in arrows[path]:
                frac = 0.5 if path == "c_prime" else (0.42 if path == "a" else 0.58)
                pt = line[0] + frac * (line[-1] - line[0])
                start = w_node.boundary(pt)
                drawn = _draw_arrow(ax, start, pt - 0.03 * (pt - start) / np.hypot(*(pt - start)))
                dg.edges.append(_Edge(drawn, ""))
        if texts:
            _moderator_text(ax, w_node, "\n".join(texts), side, nodes)


def _moderator_text(ax: Axes, w_node: _Node, text: str, side: str, nodes: list[_Node]) -> None:
    """The interaction coefficients beside W (kept clear of labels as an invisible box)."""
    sign = 1 if side == "left" else -1
    ax.text(
        w_node.xy[0] + sign * (w_node.w / 2 + 0.12),
        w_node.xy[1],
        text,
        ha="left" if side == "left" else "right",
        va="center",
        fontsize=_LABEL_FS,
        linespacing=1.2,
        zorder=4,
    )
    tw, th = text_size(text, _LABEL_FS)
    cx = w_node.xy[0] + sign * (w_node.w / 2 + 0.12 + tw / 2)
    nodes.append(_Node("", np.array([cx, w_node.xy[1]]), tw, th, "none"))


def path_diagram(result: Any, ax: Axes | None = None, digits: int = 3) -> Axes:
    """Path diagram of a :class:`MediationResult` or :class:`ConditionalProcessResult`.

    Parameters
    ----------
    result : MediationResult or ConditionalProcessResult
    ax : matplotlib Axes, optional
        Drawn into when given (the diagram is laid out to the Axes' size); otherwise a figure
        sized to the number of mediators is created.
    digits : int
        Decimals of the coefficients (a nonzero value that would show as zero keeps two
        significant digits).

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Boxes are sized to the (wrapped) variable names. Each path's coefficient is written along its
    own arrow, offset to one side of it, at the position with the most room; the direct path is
    labelled c' (total effect c in parentheses). For a conditional process model the moderator W
    points at the path(s) it moderates and its interaction coefficient(s) are listed beside it.
    Significance marks: * p < .05, ** p < .01, *** p < .001 (t-tests of the path coefficients);
    the numbers are ``result.table["estimate"]`` rounded to ``digits`` decimals.

    Examples
    --------
    >>> res = ld.mediate(df, x="downward", m="learning_opportunity", y="mentor_engagement")  # doctest: +SKIP
    >>> res.plot("path")                                                    # doctest: +SKIP
    """
    dg = _diagram(result, digits)
    if ax is None:
        ax = _new_axes(dg)
    ax.set_axis_off()
    fig_w = _figure(ax).get_size_inches()[0] * ax.get_position().width
    ax.set_title(_title_lines(dg.title, fig_w - 0.1), fontsize=10)
    W, H = _axes_inches(ax)
    ax.set_xlim(0, W)
    ax.set_ylim(0, H)
    _place_nodes(dg, W, H)
    nodes = [dg.x, dg.y, *dg.m]
    a_paths, b_paths, c_path = _draw_paths(ax, dg)
    if dg.w:
        arrows: dict[str, list[tuple[FloatArray, str, str]]] = {"a": [], "b": [], "c_prime": []}
        for mname in dg.mediators:
            which = f" ({mname})" if dg.k > 1 else ""
            arrows["a"].append((a_paths[mname], f"a_xw:{mname}", f"X×W → M{which}"))
            arrows["b"].append((b_paths[mname], f"b_mw:{mname}", f"M×W → Y{which}"))
        arrows["c_prime"].append((c_path, "c_prime_xw", "X×W → Y"))
        _draw_moderator(ax, dg, arrows, nodes, H)
    for nd in (dg.x, dg.y, *dg.m):
        _draw_node(ax, nd)
    _place_labels(ax, dg.edges, nodes, ((0, W), (0, H)))
    ax.text(
        0.0,
        0.0,
        "* p < .05, ** p < .01, *** p < .001",
        fontsize=_NOTE_FS,
        color="#555555",
        transform=ax.transAxes,
        va="bottom",
    )
    return ax


def _term_label(term: str) -> str:
    """Readable axis label for a bootstrap-draw column."""
    if term == "indirect_total":
        return "total indirect effect"
    if term.startswith("indirect:"):
        return f"indirect effect through {term.split(':', 1)[1]}"
    if term.startswith("contrast:"):
        return f"contrast of indirect effects {term.split(':', 1)[1]}".replace("-", " \u2212 ", 1)
    if term.startswith("index"):
        return "index of moderated mediation" + (
            f" ({term.split(':', 1)[1]})" if ":" in term else ""
        )
    return term


def bootstrap_distribution(
    result: Any, term: str | None = None, ax: Axes | None = None, bins: int = 60
) -> Axes:
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

    Notes
    -----
    The estimate and the interval in the legend are the ``estimate``, ``ci_low`` and ``ci_high``
    of ``result.table`` (3 decimals); the legend sits on the side away from the bulk of the
    draws, with head-room added above the bars so that it covers none of them.
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
    counts, _, _ = ax.hist(
        d, bins=bins, color=PALETTE[0], alpha=0.85, edgecolor="white", linewidth=0.3, zorder=2
    )
    if row is not None:
        ax.axvline(
            row["estimate"],
            color=PALETTE[5],
            lw=1.6,
            label=f"estimate {fig_num(row['estimate'], 3)}",
            zorder=3,
        )
        ax.axvspan(
            row["ci_low"],
            row["ci_high"],
            color=PALETTE[1],
            alpha=0.25,
            zorder=0,
            label=(
                f"{100 * result.ci_level:g}% CI "
                f"[{fig_num(row['ci_low'], 3)}, {fig_num(row['ci_high'], 3)}]"
            ),
        )
    ax.axvline(0.0, color="#555555", lw=1, ls="--", label="zero")
    ax.set_xlabel(_term_label(term))
    ax.set_ylabel("resamples (count)")
    what = (
        f"{len(d):,} Monte Carlo draws"
        if result.ci == "monte_carlo"
        else f"{len(d):,} bootstrap resamples ({result.ci})"
    )
    ax.set_title(what, fontsize=10)
    top = float(np.max(counts)) if len(counts) else 1.0
    ax.set_ylim(0, top * 1.32)
    lo, hi = ax.get_xlim()
    centre = float(np.median(d)) if len(d) else 0.0
    loc: Literal["upper left", "upper right"] = (
        "upper left" if centre > (lo + hi) / 2 else "upper right"
    )
    ax.legend(frameon=False, fontsize=8, loc=loc)
    return ax


# ------------------------------------------------------------------------------ two levels
_LEVEL_TITLES = {
    "between": "Between clusters (level 2)",
    "within": "Within clusters (level 1)",
}


def _ml_label(result: Any, term: str, symbol: str, digits: int) -> str:
    tab = result.table.set_index("term")
    if term not in tab.index:
        return ""
    r = tab.loc[term]
    return f"{symbol} = {fig_num(r['estimate'], digits)}{stars(r['p_value'])}"


def _ml_indirect(result: Any, term: str, digits: int) -> str:
    tab = result.table.set_index("term")
    if term not in tab.index:
        return ""
    r = tab.loc[term]
    level = f"{100 * result.ci_level:g}%"
    return (
        f"indirect a × b = {fig_num(r['estimate'], digits)}, {level} CI "
        f"[{fig_num(r['ci_low'], digits)}, {fig_num(r['ci_high'], digits)}]"
    )


def _ml_box_text(result: Any, var: str, level: str, names: dict[str, str]) -> str:
    """A box's text: the variable, and for the between part of a level-1 variable what it is."""
    name = _wrap_name(names.get(var, var), 16)
    if level == "between" and result.levels.get(var) == 1:
        what = "latent cluster mean" if result.method == "msem" else "cluster mean"
        return f"{name}\n({what})"
    return name


def _ml_panel(
    ax: Axes,
    result: Any,
    level: str,
    box: tuple[float, float, float],
    names: dict[str, str],
    digits: int,
) -> None:
    """One level's triangle X -> M -> Y (the variables that vary at that level)."""
    left, bottom, top = box
    W = ax.get_xlim()[1]
    x, m, y = result.x, result.m, result.y
    present = [v for v in (x, m, y) if level == "between" or result.levels.get(v) == 1]
    nodes: dict[str, _Node] = {}
    color = PALETTE[0] if level == "between" else PALETTE[2]
    y_low = bottom + 0.75
    y_high = top - 0.55
    pos = {x: (left, y_low), m: (W / 2, y_high), y: (W - left, y_low)}
    for v in present:
        nd = _node(_ml_box_text(result, v, level, names), (0, 0), color, min_w=1.2)
        px, py = pos[v]
        if v == x:
            px = 0.08 + nd.w / 2
        elif v == y:
            px = W - 0.08 - nd.w / 2
        if len(present) == 1:  # Y alone (2-2-1): centred, with what varies within
            px, py = W / 2, (bottom + top) / 2
        nd.xy = np.array([px, py])
        nodes[v] = nd
    suffix = "within" if level == "within" else "between"
    edges: list[_Edge] = []
    for a, b, term, sym, side in (
        (x, m, f"a_{suffix}", "a", 1),
        (m, y, f"b_{suffix}", "b", 1),
        (x, y, f"c_prime_{suffix}", "c′", -1),
    ):
        if a in nodes and b in nodes:
            p, q = nodes[a].boundary(nodes[b].xy), nodes[b].boundary(nodes[a].xy)
            edges.append(_Edge(_draw_arrow(ax, p, q), _ml_label(result, term, sym, digits), side))
    for nd in nodes.values():
        _draw_node(ax, nd)
    _place_labels(ax, edges, list(nodes.values()), ((0, W), (bottom, top)))
    note = _ml_indirect(result, f"indirect_{suffix}", digits)
    if not note and level == "within":
        gone = [v for v in (x, m) if v not in nodes]
        note = (
            f"{' and '.join(names.get(v, v) for v in gone)} constant within clusters: "
            "no within-cluster indirect effect"
        )
    ax.text(
        W / 2, bottom + 0.12, note, ha="center", va="bottom", fontsize=_LABEL_FS, color="#333333"
    )
    ax.text(0.05, top - 0.08, _LEVEL_TITLES[level], ha="left", va="top", fontsize=10, weight="bold")


def multilevel_path_diagram(
    result: Any,
    ax: Axes | None = None,
    digits: int = 2,
    names: dict[str, str] | None = None,
    title: str | None = None,
) -> Axes:
    """Two-level path diagram of a :class:`~learning_direction.MultilevelMediationResult`.

    Parameters
    ----------
    result : MultilevelMediationResult
    ax : matplotlib Axes, optional
        Drawn into when given (laid out to its size); otherwise a 7.5 x 5.6 inch figure.
    digits : int
        Decimals of the coefficients.
    names : dict, optional
        Display names of the variables (default: the column names).
    title : str, optional
        Default: the design and the method.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    The upper panel is the between-cluster (level-2) model: every variable, level-1 ones as
    their (latent, for MSEM) cluster means. The lower panel is the within-cluster (level-1)
    model: only the variables that vary within clusters (none but Y in a 2-2-1 design). Each
    arrow carries its estimate with significance marks (* p < .05, ** p < .01, *** p < .001);
    under each panel is the indirect effect with its interval (``result.table``).

    Examples
    --------
    >>> res = ld.multilevel_mediation(d, x="downward", m="mentor_engagement",
    ...                               y="hireability", cluster="mentor_id")  # doctest: +SKIP
    >>> res.plot()                                                           # doctest: +SKIP
    """
    if ax is None:
        ax = get_ax(None, figsize=(7.5, 5.6))
    ax.set_axis_off()
    W, H = _axes_inches(ax)
    ax.set_xlim(0, W)
    ax.set_ylim(0, H)
    names = dict(names or {})
    foot = 0.3
    mid = foot + (H - foot) / 2
    _ml_panel(ax, result, "between", (0.35, mid, H), names, digits)
    _ml_panel(ax, result, "within", (0.35, foot, mid), names, digits)
    ax.plot([0.05, W - 0.05], [mid, mid], color="0.6", lw=0.8, ls="--")
    method = "multilevel SEM" if result.method == "msem" else "unconflated multilevel model"
    ax.set_title(title or f"{result.design} mediation ({method})", fontsize=10)
    ax.text(
        0.0, 0.0,
        f"* p < .05, ** p < .01, *** p < .001; {result.n} rows in {result.n_clusters} clusters",
        fontsize=_NOTE_FS, color="#555555", transform=ax.transAxes, va="bottom",
    )  # fmt: skip
    return ax
