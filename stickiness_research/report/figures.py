"""Figures as inline SVG (text kept as text, so the browser renders Chinese with its own fonts)."""

from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from .apa import bounded, stars  # noqa: E402


def _depths(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    depth = {n: 0 for n in nodes}
    for _ in nodes:  # longest path from a source; the hypothesis graph is acyclic
        for a, b in edges:
            depth[b] = max(depth[b], depth[a] + 1)
    return depth


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
    fig_w, fig_h = 2.6 + 3.3 * n_cols, 1.2 + 1.15 * height
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    box_w, box_h = 2.3, 0.7
    for n, (x, y) in pos.items():
        ax.add_patch(FancyBboxPatch((x - box_w / 2, y - box_h / 2), box_w, box_h,
                                    boxstyle="round,pad=0.05,rounding_size=0.3", fc="#eef3fb", ec="#2b4c7e", lw=1.4))
        ax.text(x, y + (0.08 if n in r2 else 0), labels.get(n, n), ha="center", va="center", fontsize=10,
                color="#1a1a1a")
        if n in r2:
            ax.text(x, y - 0.2, f"R\u00b2 = {bounded(r2[n], 2)}", ha="center", va="center", fontsize=8,
                    color="#444")
    for p in paths:
        (x1, y1), (x2, y2) = pos[p["from"]], pos[p["to"]]
        significant = p["pvalue"] < 0.05
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        start = (x1 + dx / length * box_w / 2, y1 + dy / length * box_h / 2)
        end = (x2 - dx / length * box_w / 2, y2 - dy / length * box_h / 2)
        rad = 0.25 if abs(depth[p["to"]] - depth[p["from"]]) > 1 else 0.0
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14,
                                     connectionstyle=f"arc3,rad={rad}", lw=1.6 if significant else 1.0,
                                     color="#2b4c7e" if significant else "#9a9a9a",
                                     linestyle="-" if significant else "--"))
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + (0.35 * rad * length / 2)
        ax.text(mx, my, f"{bounded(p['beta'], 2)}{stars(p['pvalue'])}", ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
                color="#1a1a1a" if significant else "#777")
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - box_w, max(xs) + box_w)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    ax.set_aspect("equal")
    ax.axis("off")
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]
