"""Figures as inline SVG (text kept as text, so the browser renders Chinese with its own fonts)."""

from __future__ import annotations

import io
import math
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from .apa import bounded, stars  # noqa: E402

# Fixed ids inside the SVG, so that building a report twice gives the same bytes.
plt.rcParams["svg.hashsalt"] = "stickiness_research"
# Text stays text in the SVG (svg.fonttype "none"), so the reader's browser draws Chinese labels with its own
# CJK font. matplotlib only measures the text; a CJK font is used for that when installed, else DejaVu Sans
# (labels still render, their boxes are sized a little off); its missing-glyph warnings are silenced.
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                                   "Microsoft YaHei", "PingFang SC", "DejaVu Sans"]


def _to_svg(fig) -> str:
    buf = io.StringIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def _depths(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    depth = {n: 0 for n in nodes}
    for _ in nodes:  # longest path from a source; the hypothesis graph is acyclic
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    return depth


def _route(pos: dict, depth: dict, a: str, b: str, box_w: float, box_h: float):
    """Start, end, arc curvature and label position of the arrow a -> b.

    Arrows that skip a column bow away from the boxes they would cross; the label sits on the
    curve's midpoint (for matplotlib's arc3 that is the chord midpoint + rad/2 * (dy, -dx)).
    """
    (x1, y1), (x2, y2) = pos[a], pos[b]
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    start = (x1 + dx / length * box_w / 2, y1 + dy / length * box_h / 2)
    end = (x2 - dx / length * box_w / 2, y2 - dy / length * box_h / 2)
    sx, sy = end[0] - start[0], end[1] - start[1]
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    others = [pos[n] for n in pos if n not in (a, b)]

    def clearance(r: float) -> float:
        # Smallest distance from the curve to another box, in box half-sizes (>1 means no overlap);
        # the label area (curve midpoint) must also keep clear of R-squared texts under boxes.
        c1 = (mid[0] + r * sy, mid[1] - r * sx)
        worst = math.inf
        for t in [k / 24 for k in range(2, 23)]:
            px = (1 - t) ** 2 * start[0] + 2 * (1 - t) * t * c1[0] + t**2 * end[0]
            py = (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * c1[1] + t**2 * end[1]
            for x, y in others:
                worst = min(worst, max(abs(px - x) / (box_w / 2 + 0.15), abs(py - y) / (box_h / 2 + 0.45)))
        return worst

    candidates = (0.0, 0.15, -0.15, 0.3, -0.3, 0.45, -0.45, 0.6, -0.6)
    rad = max(candidates, key=lambda r: min(clearance(r), 1.5) - 0.2 * abs(r))
    label_at = (mid[0] + rad / 2 * sy, mid[1] - rad / 2 * sx)
    return start, end, rad, label_at


def path_diagram(nodes: list[str], labels: dict[str, str], paths: list[dict], r2: dict[str, float]) -> str:
    """Path diagram of the structural model as an SVG string.

    Parameters
    ----------
    nodes : construct ids; labels : display names
    paths : dicts with keys from, to, beta (standardized), pvalue
    r2 : R-squared of endogenous constructs
    """
    edges = [(p["from"], p["to"]) for p in paths]
    depth = _depths(nodes, edges)
    columns: dict[int, list[str]] = {}
    for n in nodes:
        columns.setdefault(depth[n], []).append(n)
    n_cols = max(columns) + 1
    height = max(len(c) for c in columns.values())
    pos = {}
    for d, members in columns.items():
        for k, n in enumerate(members):
            pos[n] = (d * 4.2, (height - 1) / 2 - k * 1.6 + (len(members) - 1) * 0.8 - (height - 1) / 2)
    box_w = max(2.3, 0.15 * max(len(labels.get(n, n)) for n in nodes) + 0.8)
    gap_x = box_w + 2.4
    for n in pos:
        pos[n] = (depth[n] * gap_x, pos[n][1] * 1.25)
    fig_w, fig_h = 1.0 + 0.8 * gap_x * n_cols, 1.6 + 1.4 * height
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    box_h = 0.7
    for n, (x, y) in pos.items():
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.05,rounding_size=0.3", fc="#eef3fb", ec="#2b4c7e", lw=1.4,
                                    zorder=3))
        ax.text(x, y, labels.get(n, n), ha="center", va="center", fontsize=10, color="#1a1a1a", zorder=4)
        if n in r2:
            ax.text(x, y - box_h / 2 - 0.22, f"R\u00b2 = {bounded(r2[n], 2)}", ha="center", va="center",
                    fontsize=8.5, color="#444", zorder=4)
    apexes = []
    for p in paths:
        start, end, rad, label_at = _route(pos, depth, p["from"], p["to"], box_w, box_h)
        apexes.append(label_at)
        significant = p["pvalue"] < 0.05
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                     connectionstyle=f"arc3,rad={rad}", lw=1.6 if significant else 1.0,
                                     color="#2b4c7e" if significant else "#9a9a9a",
                                     linestyle="-" if significant else "--", zorder=2))
        ax.text(*label_at, f"{bounded(p['beta'], 2)}{stars(p['pvalue'])}", ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}, zorder=5,
                color="#1a1a1a" if significant else "#777")
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - box_w / 2 - 0.3, max(xs) + box_w / 2 + 0.3)
    ys += [y for _, y in apexes]
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return _to_svg(fig)


def ipma_chart(points: list[dict], x_label: str, y_label: str) -> str:
    """Importance-performance map as an SVG string.

    Parameters
    ----------
    points : dicts with keys label, importance (x), performance (y), significant
    x_label, y_label : axis titles (in the report's language; text stays text in the SVG)
    """
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    xs = [p["importance"] for p in points]
    ys = [p["performance"] for p in points]
    ax.axvline(sum(xs) / len(xs), color="#bbb", lw=1, ls="--", zorder=1)
    ax.axhline(sum(ys) / len(ys), color="#bbb", lw=1, ls="--", zorder=1)
    for p in points:
        ax.scatter(p["importance"], p["performance"], s=70, zorder=3,
                   color="#2b4c7e" if p["significant"] else "white", edgecolors="#2b4c7e", linewidths=1.4)
        ax.annotate(p["label"], (p["importance"], p["performance"]), xytext=(7, 5), textcoords="offset points",
                    fontsize=9, color="#1a1a1a" if p["significant"] else "#777")
    span_x = max(xs) - min(xs) or 0.1
    span_y = max(ys) - min(ys) or 5
    ax.set_xlim(min(xs) - 0.15 * span_x, max(xs) + 0.45 * span_x)
    ax.set_ylim(min(ys) - 0.2 * span_y, max(ys) + 0.25 * span_y)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _to_svg(fig)


def survival_chart(curves: dict[str, list[tuple[float, float]]], x_label: str, y_label: str) -> str:
    """Kaplan-Meier curves (step functions) as an SVG string.

    Parameters
    ----------
    curves : dict
        Group label -> [(day, survival), ...] in time order, starting at (0, 1).
    x_label, y_label : axis titles (in the report's language)
    """
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    for label, points in curves.items():
        ax.step([t for t, _ in points], [s for _, s in points], where="post", lw=1.6, label=label)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.legend(frameon=False, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _to_svg(fig)
