"""Figures as inline SVG (text kept as text, so the browser renders Chinese with its own fonts).

Each is drawn on its own Figure inside :func:`canvas.style`, so building a report never changes the
user's matplotlib backend or rcParams.
"""

from __future__ import annotations

from .. import _canvas as canvas
from .diagram import Diagram, Edge, Node, render


def path_diagram(nodes: list[str], labels: dict[str, str], paths: list[dict], r2: dict[str, float]) -> str:
    """Path diagram of the structural model as an SVG string (the layout of :meth:`SEMResult.plot`).

    Parameters
    ----------
    nodes : construct ids; labels : display names
    paths : dicts with keys from, to, beta (standardized), pvalue
    r2 : R-squared of endogenous constructs
    """
    diagram = Diagram({n: Node(n, labels.get(n, n), True, r2.get(n)) for n in nodes},
                      [Edge(p["from"], p["to"], "path", p["beta"], p["pvalue"]) for p in paths])
    # the generic family, resolved inside canvas.style: the SVG names the CJK fonts for the reader's browser
    return canvas.to_svg(render([diagram], family=("sans-serif",)))


def ipma_chart(points: list[dict], x_label: str, y_label: str) -> str:
    """Importance-performance map as an SVG string.

    Parameters
    ----------
    points : dicts with keys label, importance (x), performance (y), significant
    x_label, y_label : axis titles (in the report's language; text stays text in the SVG)
    """
    with canvas.style():
        fig = canvas.new_figure(6.4, 4.4)
        _ipma(fig.subplots(), points, x_label, y_label)
    return canvas.to_svg(fig)


def _ipma(ax, points: list[dict], x_label: str, y_label: str) -> None:
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


def survival_chart(curves: dict[str, list[tuple[float, float]]], x_label: str, y_label: str) -> str:
    """Kaplan-Meier curves (step functions) as an SVG string.

    Parameters
    ----------
    curves : dict
        Group label -> [(day, survival), ...] in time order, starting at (0, 1).
    x_label, y_label : axis titles (in the report's language)
    """
    with canvas.style():
        fig = canvas.new_figure(6.4, 3.8)
        _survival(fig.subplots(), curves, x_label, y_label)
    return canvas.to_svg(fig)


def _survival(ax, curves: dict[str, list[tuple[float, float]]], x_label: str, y_label: str) -> None:
    for label, points in curves.items():
        ax.step([t for t, _ in points], [s for _, s in points], where="post", lw=1.6, label=label)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.legend(frameon=False, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
