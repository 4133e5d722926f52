"""Path diagrams: one layout and one drawing for ``SEMResult.plot()`` and the report's structural figure.

A :class:`Diagram` holds nodes (latent variables drawn as ellipses, observed ones as rectangles) and
edges (loadings, regression paths, covariances) with their estimates. The layout puts structural
variables in columns by their longest chain of predecessors (causes left, outcomes right), each
latent's indicators beside it (a stack on the outer side of the first and last column, a row above or
below in the columns between), and bends an arrow only as much as needed to clear the other nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch

from .. import _canvas as canvas
from .apa import bounded, num, stars

NODE_PT, ITEM_PT, LABEL_PT, NOTE_PT = 10.0, 9.0, 8.5, 8.5  # font sizes
ITEM_HALF_H = 0.17  # inches; an indicator box is 0.34 in tall
ITEM_GAP = 0.16  # between stacked indicator boxes
LOAD_GAP_X, LOAD_GAP_Y = 1.35, 0.95  # from a latent's edge to its indicators (stack, row)
COLUMN_GAP, BLOCK_GAP = 2.0, 0.45
SIGNIFICANT, NOT_SIGNIFICANT, LOADING, COVARIANCE = "#2b4c7e", "#9a9a9a", "#4a6a9a", "#6b6b6b"


@dataclass
class Node:
    """A variable of the diagram; ``indicator_of`` names the latent an indicator is drawn beside."""

    id: str
    label: str
    latent: bool
    r2: float | None = None
    indicator_of: str | None = None


@dataclass
class Edge:
    """An arrow: ``kind`` is "loading" (latent -> indicator), "path" (cause -> effect) or "covariance"."""

    source: str
    target: str
    kind: str
    value: float
    pvalue: float


@dataclass
class Diagram:
    """What one panel shows; ``title`` names the group of a multi-group model."""

    nodes: dict[str, Node]
    edges: list[Edge]
    title: str = ""
    standardized: bool = True


@dataclass
class _Placed:
    """A diagram laid out: node centres and half-sizes (inches), sides of indicators, bends of edges."""

    pos: dict[str, tuple[float, float]]
    half: dict[str, tuple[float, float]]
    side: dict[str, str] = field(default_factory=dict)  # where a latent's indicators are: left right top bottom
    fans: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # where loadings run
    bend: list[float] = field(default_factory=list)
    anchors: list[tuple | None] = field(default_factory=list)  # fixed ends of an edge, else None (node centres)


# ----- sizes and layout ---------------------------------------------------------------------------------
def _r2_text(node: Node, digits: int) -> str:
    return "" if node.r2 is None or math.isnan(node.r2) else f"R\u00b2 = {bounded(node.r2, digits)}"


def _sizes(d: Diagram, family, digits: int) -> dict[str, tuple[float, float]]:
    """Half-width and half-height (inches) of each node, from its label and (inside it) its R-squared."""
    half = {}
    for n in d.nodes.values():
        if n.indicator_of is not None:
            half[n.id] = (max(canvas.text_width(n.label, ITEM_PT, family) / 2 + 0.1, 0.27), ITEM_HALF_H)
            continue
        note = _r2_text(n, digits)
        text = max(canvas.text_width(n.label, NODE_PT, family), canvas.text_width(note, NOTE_PT, family))
        extra = 0.07 if note else 0.0
        if n.latent:  # an ellipse holds a text box sqrt(2) times its half-axes; a little less suffices
            half[n.id] = (max(text / 2 * 1.2 + 0.2, 0.6), 0.3 + extra)
        else:
            half[n.id] = (max(text / 2 + 0.16, 0.45), 0.24 + extra)
    return half


def _depths(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    depth = {n: 0 for n in nodes}
    for _ in nodes:  # longest path from a source (a cycle stops growing after len(nodes) rounds)
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    return depth


def _columns(structural: list[str], edges: list[tuple[str, str]]) -> list[list[str]]:
    """Structural nodes by depth; each column ordered by the mean position of its nodes' causes."""
    depth = _depths(structural, edges)
    columns = [[n for n in structural if depth[n] == d] for d in sorted(set(depth.values()))]
    rank: dict[str, float] = {}
    for k, column in enumerate(columns):
        if k:
            def centre(n: str) -> float:
                causes = [rank[a] for a, b in edges if b == n and a in rank]
                return sum(causes) / len(causes) if causes else math.inf

            column.sort(key=centre)
        rank.update({n: i / max(len(column) - 1, 1) for i, n in enumerate(column)})
    return columns


def _layout(d: Diagram, half: dict[str, tuple[float, float]]) -> _Placed:
    structural = [n for n, v in d.nodes.items() if v.indicator_of is None]
    members = {s: [n for n, v in d.nodes.items() if v.indicator_of == s] for s in structural}
    edges = [(e.source, e.target) for e in d.edges if e.kind != "covariance"
             and e.source in members and e.target in members]
    columns = _columns(structural, edges)
    placed = _Placed({}, half)
    offsets: dict[str, dict[str, tuple[float, float]]] = {}
    extent: dict[str, tuple[float, float, float, float]] = {}  # left, right, up, down from the node's centre
    for k, column in enumerate(columns):
        for i, n in enumerate(column):
            if len(columns) == 1 or k == 0:
                side = "left"
            elif k == len(columns) - 1:
                side = "right"
            else:
                side = "top" if i < len(column) / 2 else "bottom"
            if members[n]:
                placed.side[n] = side
            hw, hh = half[n]
            items = members[n]
            left = right = hw
            up, down = hh, hh
            offsets[n] = {}
            if items and side in ("left", "right"):
                iw = max(half[m][0] for m in items)
                pitch = 2 * ITEM_HALF_H + ITEM_GAP
                height = len(items) * pitch - ITEM_GAP
                x = hw + LOAD_GAP_X + iw
                for j, m in enumerate(items):
                    offsets[n][m] = (-x if side == "left" else x, height / 2 - ITEM_HALF_H - j * pitch)
                up, down = max(up, height / 2), max(down, height / 2)
                left, right = (x + iw, hw) if side == "left" else (hw, x + iw)
            elif items:
                pitch = 2 * max(half[m][0] for m in items) + 0.14
                width = len(items) * pitch - 0.14
                y = hh + LOAD_GAP_Y + ITEM_HALF_H
                for j, m in enumerate(items):
                    offsets[n][m] = (-width / 2 + pitch / 2 + j * pitch, y if side == "top" else -y)
                left = right = max(hw, width / 2)
                if side == "top":
                    up = y + ITEM_HALF_H
                else:
                    down = y + ITEM_HALF_H
            extent[n] = (left, right, up, down)
    x = 0.0
    for k, column in enumerate(columns):
        if k:
            x += max(extent[n][1] for n in columns[k - 1]) + COLUMN_GAP + max(extent[n][0] for n in column)
        total = sum(extent[n][2] + extent[n][3] for n in column) + BLOCK_GAP * (len(column) - 1)
        y = total / 2
        for n in column:
            y -= extent[n][2]
            placed.pos[n] = (x, y)
            for m, (dx, dy) in offsets[n].items():
                placed.pos[m] = (x + dx, y + dy)
            y -= extent[n][3] + BLOCK_GAP
    for n in d.nodes:  # a variable the layout did not reach (it cannot happen for a fitted model) goes last
        placed.pos.setdefault(n, (x + COLUMN_GAP, 0.0))
    for n, items in members.items():  # the box between a latent and its indicators (x, y, half-sizes)
        if items:
            xs = [placed.pos[m][0] for m in [n, *items]]
            ys = [placed.pos[m][1] for m in [n, *items]]
            placed.fans[n] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2, (max(xs) - min(xs)) / 2,
                              (max(ys) - min(ys)) / 2)
    for e in d.edges:
        rad, anchors = _bend(placed, e, columns)
        placed.bend.append(rad)
        placed.anchors.append(anchors)
    return placed


def _bezier(p0, c, p1, t: float) -> tuple[float, float]:
    return ((1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t**2 * p1[0],
            (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t**2 * p1[1])


def _control(p0, p1, rad: float) -> tuple[float, float]:
    # matplotlib's arc3: the control point lies rad * |chord| off the chord's midpoint, to its right
    return ((p0[0] + p1[0]) / 2 + rad * (p1[1] - p0[1]), (p0[1] + p1[1]) / 2 - rad * (p1[0] - p0[0]))


def _inside(placed: _Placed, n: str, p, margin: float = 0.0) -> bool:
    (x, y), (hw, hh) = placed.pos[n], placed.half[n]
    return abs(p[0] - x) <= hw + margin and abs(p[1] - y) <= hh + margin


def _bend(placed: _Placed, e: Edge, columns: list[list[str]]) -> tuple[float, tuple | None]:
    """The arc3 curvature of an edge and its fixed ends: loadings are straight; a covariance within a
    column joins the nodes' sides away from the indicators (away from the arrows in the first column,
    when it has none) in an arc that clears the nodes between; other arrows bow only to clear other nodes
    and the fans of loadings."""
    if e.kind == "loading":
        return 0.0, None
    p0, p1 = placed.pos[e.source], placed.pos[e.target]
    column = next((c for c in columns if e.source in c and e.target in c), None)
    if e.kind == "covariance" and column is not None and abs(p1[0] - p0[0]) < 1e-9:
        sides = {placed.side[n] for n in column if n in placed.side}
        outward = 1.0 if "left" in sides else -1.0 if "right" in sides or columns.index(column) == 0 else 1.0
        a = (p0[0] + outward * placed.half[e.source][0], p0[1])
        b = (p1[0] + outward * placed.half[e.target][0], p1[1])
        span = abs(column.index(e.target) - column.index(e.source))
        between = [placed.half[n][0] for n in column[min(column.index(e.source), column.index(e.target)):
                                                          max(column.index(e.source), column.index(e.target)) + 1]]
        bulge = max(between) - min(placed.half[e.source][0], placed.half[e.target][0]) + 0.3 + 0.3 * (span - 1)
        rad = 2 * bulge / (math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0)
        # arc3 bows to the right of the chord a -> b: for a downward chord that is -x
        return (rad if (b[1] < a[1]) == (outward < 0) else -rad), (a, b)
    others = [(placed.pos[n], (hw + 0.12, hh + 0.12)) for n, (hw, hh) in placed.half.items()
              if n not in (e.source, e.target)]
    others += [((x, y), (w, h)) for n, (x, y, w, h) in placed.fans.items() if n not in (e.source, e.target)]

    def clearance(rad: float) -> float:
        c = _control(p0, p1, rad)
        worst = math.inf
        for t in [k / 24 for k in range(1, 24)]:
            p = _bezier(p0, c, p1, t)
            if _inside(placed, e.source, p) or _inside(placed, e.target, p):
                continue
            for (x, y), (hw, hh) in others:
                worst = min(worst, max(abs(p[0] - x) / hw, abs(p[1] - y) / hh))
        return worst

    candidates = (0.0, 0.15, -0.15, 0.3, -0.3, 0.45, -0.45, 0.6, -0.6, 0.8, -0.8)
    if e.kind == "covariance":
        candidates = candidates[1:]
    return max(candidates, key=lambda r: min(clearance(r), 1.1) - 0.2 * abs(r)), None


# ----- drawing -----------------------------------------------------------------------------------------
def edge_text(e: Edge, standardized: bool, digits: int, significance: str) -> str:
    """The label of an edge: the estimate (standardized without a leading zero, APA) and, if asked, stars."""
    if e.value is None or math.isnan(e.value):
        return ""
    text = bounded(e.value, digits) if standardized else num(e.value, digits)
    return text + (stars(e.pvalue) if significance in ("stars", "both") else "")


def _draw(ax, d: Diagram, *, family, digits: int, significance: str, alpha: float, prefix: str = "",
          title_pt: float = 12.0) -> tuple[float, float, float, float]:
    """Draw ``d`` on ``ax`` in inch coordinates; returns the extent (xmin, xmax, ymin, ymax) it covers."""
    half = _sizes(d, family, digits)
    placed = _layout(d, half)
    font = {"fontfamily": list(family)} if family else {}
    patches = {}
    boxes = []  # (x, y, half width, half height) of everything drawn, for the extent and label placement
    for n, node in d.nodes.items():
        (x, y), (hw, hh) = placed.pos[n], half[n]
        if node.latent:
            patch = Ellipse((x, y), 2 * hw, 2 * hh, fc="#eef3fb", ec=SIGNIFICANT, lw=1.4, zorder=3)
        else:
            patch = FancyBboxPatch((x - hw, y - hh), 2 * hw, 2 * hh, boxstyle="square,pad=0", zorder=3,
                                   fc="#f7f7f7" if node.indicator_of else "#eef3fb", ec=SIGNIFICANT,
                                   lw=1.0 if node.indicator_of else 1.4)
        patch.set_gid(f"{prefix}node-{n}")
        ax.add_patch(patch)
        patches[n] = patch
        note = "" if node.indicator_of else _r2_text(node, digits)
        ax.text(x, y + (0.08 if note else 0), node.label, ha="center", va="center", zorder=4, color="#1a1a1a",
                fontsize=ITEM_PT if node.indicator_of else NODE_PT, gid=f"{prefix}name-{n}", **font)
        if note:
            ax.text(x, y - 0.13, note, ha="center", va="center", fontsize=NOTE_PT, color="#444", zorder=4,
                    gid=f"{prefix}r2-{n}", **font)
        boxes.append((x, y, hw, hh))
    taken: list[tuple[float, float, float, float]] = []
    for e, rad, anchors in zip(d.edges, placed.bend, placed.anchors, strict=True):
        p0, p1 = anchors or (placed.pos[e.source], placed.pos[e.target])
        ends = {} if anchors else {"patchA": patches[e.source], "patchB": patches[e.target]}
        significant = math.isnan(e.pvalue) or e.pvalue < alpha  # a fixed parameter (no p) is not 'non-significant'
        dashed = significance in ("dashed", "both") and not significant
        colour = NOT_SIGNIFICANT if dashed else {"loading": LOADING, "covariance": COVARIANCE}.get(e.kind, SIGNIFICANT)
        arrow = FancyArrowPatch(p0, p1, **ends, shrinkA=1.5, shrinkB=1.5,
                                arrowstyle="<|-|>" if e.kind == "covariance" else "-|>",
                                mutation_scale=11 if e.kind == "loading" else 13,
                                connectionstyle=f"arc3,rad={rad:.4g}", color=colour, linestyle="--" if dashed else "-",
                                lw=1.0 if e.kind == "loading" or dashed else 1.4, zorder=2)
        arrow.set_gid(f"{prefix}{e.kind}-{e.source}-{e.target}")
        ax.add_patch(arrow)
        text = edge_text(e, d.standardized, digits, significance)
        if not text:
            continue
        w, h = canvas.text_width(text, LABEL_PT, family) / 2 + 0.03, 0.09
        at = _label_position(placed, e, rad, anchors, (w, h), boxes, taken)
        taken.append((*at, w, h))
        ax.text(*at, text, ha="center", va="center", fontsize=LABEL_PT, zorder=5, gid=f"{prefix}label-{e.kind}-"
                f"{e.source}-{e.target}", color="#777" if dashed else "#1a1a1a",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}, **font)
    boxes += taken
    extent = [min(x - w for x, _, w, _ in boxes), max(x + w for x, _, w, _ in boxes),
              min(y - h for _, y, _, h in boxes), max(y + h for _, y, _, h in boxes)]
    for e, rad, anchors in zip(d.edges, placed.bend, placed.anchors, strict=True):  # bows reach past the nodes
        p0, p1 = anchors or (placed.pos[e.source], placed.pos[e.target])
        apex = _bezier(p0, _control(p0, p1, rad), p1, 0.5)
        extent = [min(extent[0], apex[0]), max(extent[1], apex[0]), min(extent[2], apex[1]), max(extent[3], apex[1])]
    extent = [extent[0] - 0.15, extent[1] + 0.15, extent[2] - 0.15, extent[3] + 0.15]
    if d.title:
        extent[3] += 0.4
        ax.text((extent[0] + extent[1]) / 2, extent[3] - 0.2, d.title, ha="center", va="center",
                fontsize=title_pt, color="#1a1a1a", gid=f"{prefix}title", **font)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.axis("off")
    return tuple(extent)


def _label_position(placed: _Placed, e: Edge, rad: float, anchors, size, boxes, taken) -> tuple[float, float]:
    """Where an edge's label goes: on the visible part of the curve (loadings: nearer the indicator), moved
    along it when it would cover a node or another label."""
    p0, p1 = anchors or (placed.pos[e.source], placed.pos[e.target])
    c = _control(p0, p1, rad)
    ts = [k / 100 for k in range(101)]
    visible = [t for t in ts if not _inside(placed, e.source, _bezier(p0, c, p1, t))
               and not _inside(placed, e.target, _bezier(p0, c, p1, t))] or ts
    t0, t1 = visible[0], visible[-1]
    start = 0.65 if e.kind == "loading" else 0.5
    w, h = size

    def overlaps(p) -> bool:
        return any(abs(p[0] - x) < w + bw + 0.02 and abs(p[1] - y) < h + bh + 0.02
                   for x, y, bw, bh in [*taken, *boxes])

    for shift in (0, 0.1, -0.1, 0.2, -0.2, 0.3, -0.3):
        f = start + shift
        if 0.1 <= f <= 0.9:
            p = _bezier(p0, c, p1, t0 + f * (t1 - t0))
            if not overlaps(p):
                return p
    return _bezier(p0, c, p1, t0 + start * (t1 - t0))


def render(diagrams: list[Diagram], *, family=None, digits: int = 2, significance: str = "both",
           alpha: float = 0.05):
    """Draw one panel per diagram on a new Figure sized so that one axis unit is one inch."""
    with canvas.style():
        figure = canvas.new_figure(1, 1)
        axes = [figure.add_axes((0, 0, 1, 1)) for _ in diagrams]
        prefixes = [""] if len(diagrams) == 1 else [f"g{k + 1}-" for k in range(len(diagrams))]
        extents = [_draw(ax, d, family=family, digits=digits, significance=significance, alpha=alpha, prefix=p)
                   for ax, d, p in zip(axes, diagrams, prefixes, strict=True)]
    widths = [x1 - x0 for x0, x1, _, _ in extents]
    heights = [y1 - y0 for _, _, y0, y1 in extents]
    across = max(widths) <= max(heights) * 1.6  # wide diagrams are stacked, narrow ones side by side
    fig_w = sum(widths) if across else max(widths)
    fig_h = max(heights) if across else sum(heights)
    figure.set_size_inches(fig_w, fig_h)
    offset = 0.0
    for ax, w, h in zip(axes, widths, heights, strict=True):
        if across:
            ax.set_position((offset / fig_w, (fig_h - h) / fig_h, w / fig_w, h / fig_h))
            offset += w
        else:
            offset += h
            ax.set_position(((fig_w - w) / 2 / fig_w, 1 - offset / fig_h, w / fig_w, h / fig_h))
    return figure


# ----- from a fitted model -----------------------------------------------------------------------------
def diagram_of(res, group=None, *, standardized: bool = True, labels: dict[str, str] | None = None,
               measurement: bool = True, covariances: bool = True, r2: bool = True) -> Diagram:
    """The diagram of one group of a fitted SEM (see :func:`plot_sem`)."""
    est = res.estimates
    if "group" in est.columns:
        est = est[est["group"].astype(str) == str(group)]
    labels = labels or {}
    column = "std_all" if standardized else "est"
    loadings = est[est["op"] == "=~"]
    paths = est[est["op"] == "~"]
    latents = list(dict.fromkeys(loadings["lhs"]))
    owner: dict[str, str] = {}
    for r in loadings.itertuples():
        if r.rhs not in latents:
            owner.setdefault(r.rhs, r.lhs)
    if not measurement:
        owner = {}
    structural = latents + [v for v in dict.fromkeys([*paths["rhs"], *paths["lhs"]])
                            if v not in latents and v not in owner]
    if isinstance(res.r2.index, __import__("pandas").MultiIndex):
        shares = res.r2.xs(group, level=0) if group in res.r2.index.get_level_values(0) else res.r2.iloc[:0]
    else:
        shares = res.r2
    outcomes = set(paths["lhs"]) | {r.rhs for r in loadings.itertuples() if r.rhs in latents}
    nodes: dict[str, Node] = {}
    for v in structural:
        value = float(shares[v]) if r2 and v in outcomes and v in shares.index else None
        nodes[v] = Node(v, str(labels.get(v, v)), v in latents, value)
    for v, latent in owner.items():
        nodes[v] = Node(v, str(labels.get(v, v)), False, None, indicator_of=latent)
    edges = []
    for r in loadings.itertuples():
        if r.lhs in nodes and r.rhs in nodes:
            kind = "path" if r.rhs in latents else "loading"
            edges.append(Edge(r.lhs, r.rhs, kind, float(getattr(r, column)), float(r.pvalue)))
    for r in paths.itertuples():
        edges.append(Edge(r.rhs, r.lhs, "path", float(getattr(r, column)), float(r.pvalue)))
    if covariances:
        for r in est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])].itertuples():
            if r.lhs in nodes and r.rhs in nodes:
                edges.append(Edge(r.lhs, r.rhs, "covariance", float(getattr(r, column)), float(r.pvalue)))
    return Diagram(nodes, edges, title="" if group is None else str(group), standardized=standardized)


def plot_sem(res, path: str | Path | None = None, *, standardized: bool = True, labels: Any = None,
             language: str | None = None, group: Any = None, measurement: bool = True, covariances: bool = True,
             r2: bool = True, significance: str = "both", alpha: float = 0.05, digits: int = 2, dpi: int = 200):
    """Path diagram of a fitted SEM; the implementation of :meth:`SEMResult.plot`, which documents it."""
    from .._io import check_output
    from .._validation import BOOL, PATH, InstanceOf, Interval, Options, Satisfies, check
    from ..questionnaire import Questionnaire

    fn = "plot"
    check(path, "path", fn, PATH, None)
    if path is not None:
        check(path, "path", fn, Satisfies(lambda p: Path(p).suffix.lower() in canvas.FORMATS,
                                          "a file name ending in .svg, .png or .pdf"))
        path = check_output(path, option="path")
    for name, value in (("standardized", standardized), ("measurement", measurement), ("covariances", covariances),
                        ("r2", r2)):
        check(value, name, fn, BOOL)
    check(labels, "labels", fn, InstanceOf(dict, "a dict of variable -> display name"),
          InstanceOf(Questionnaire, "a Questionnaire"), None)
    if isinstance(labels, Questionnaire):
        check(language, "language", fn, Options(tuple(labels.meta.languages)), None)
        language = language or labels.meta.language
        labels = {c: labels.name_of(c, language) for c in labels.construct_ids}
    else:
        check(language, "language", fn, None, when="unless labels is a Questionnaire")
    groups = tuple(str(g) for g in res.groups)
    if groups:
        check(None if group is None else str(group), "group", fn, Options(groups), None)
    else:
        check(group, "group", fn, None, when="for a single-group model")
    check(significance, "significance", fn, Options(("both", "stars", "dashed", "none")))
    check(alpha, "alpha", fn, Interval(float, 0, 1, closed="neither"))
    check(digits, "digits", fn, Interval(int, 0, 6))
    check(dpi, "dpi", fn, Interval(int, 10, 2400))
    chosen = (groups if group is None else (str(group),)) if groups else (None,)
    diagrams = [diagram_of(res, g, standardized=standardized, labels=labels, measurement=measurement,
                           covariances=covariances, r2=r2) for g in chosen]
    figure = render(diagrams, family=canvas.installed_family(), digits=digits, significance=significance,
                    alpha=alpha)
    if path is not None:
        canvas.save(figure, path, dpi=dpi, svg_fonttype="path")
    return figure
