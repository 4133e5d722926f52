"""Where every figure is drawn: its own matplotlib Figure, settings in a context, never the user's global state.

The package never calls ``matplotlib.use`` and never writes ``matplotlib.rcParams``: figures are
:class:`matplotlib.figure.Figure` objects (no pyplot, so no backend is chosen or switched and nothing is
registered with pyplot), and the settings they need (fixed SVG ids, text kept as text, CJK-capable fonts)
hold only inside :func:`style`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import unicodedata
import warnings
from pathlib import Path

import matplotlib
import matplotlib.style
from matplotlib.figure import Figure

# Text stays text in the report's SVG (svg.fonttype "none"), so the reader's browser draws Chinese labels with
# its own CJK font. matplotlib only measures the text; a CJK font is used for that when installed, else DejaVu
# Sans (labels still render, their boxes are sized a little off); its missing-glyph warnings are silenced.
CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC"]
RC = {
    "svg.hashsalt": "stickiness_research",  # fixed ids inside the SVG: building a report twice gives the same bytes
    "svg.fonttype": "none",
    "font.family": ["sans-serif"],
    "font.sans-serif": [*CJK_FONTS, "DejaVu Sans"],
}
FORMATS = (".svg", ".png", ".pdf")
# Formats' own time stamps off, so the same figure gives the same bytes.
_METADATA = {".svg": {"Date": None}, ".pdf": {"CreationDate": None}, ".png": {}}


@contextlib.contextmanager
def style(**settings):
    """Within: matplotlib's default style with the figure layer's settings (plus ``settings``, dots written
    as ``_``), so figures look the same whatever the user's style; after: the user's rcParams as they were."""
    with matplotlib.rc_context():
        matplotlib.style.use("default")  # skips the backend and other session settings
        matplotlib.rcParams.update({**RC, **{k.replace("_", "."): v for k, v in settings.items()}})
        yield


class ShownFigure(Figure):
    """A Figure that Jupyter shows as a cell's value even when pyplot (and so its inline display hook) was
    never loaded; where the hook is loaded, it takes precedence."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        with style(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
            self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()


def new_figure(width: float, height: float) -> Figure:
    """A Figure of ``width`` x ``height`` inches that belongs to no pyplot window (so it is shown once, as the
    value that returns it, and never switches the backend)."""
    return ShownFigure(figsize=(width, height))


@functools.cache
def installed_family() -> tuple[str, ...]:
    """Fonts for figures handed to the user: DejaVu Sans (bundled with matplotlib) for Latin text, then the
    installed CJK fonts, which matplotlib falls back to glyph by glyph (only installed ones are named, so
    matplotlib never logs a missing family)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return ("DejaVu Sans", *[f for f in [*CJK_FONTS, "Droid Sans Fallback"] if f in names])


def text_width(text: str, size: float, family) -> float:
    """Width in inches of one line of ``text`` at ``size`` points; CJK characters count one em each whatever
    font measures them (the reader's CJK font draws them full-width)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    wide = sum(unicodedata.east_asian_width(c) in "WF" for c in text)
    narrow = "".join(c for c in text if unicodedata.east_asian_width(c) not in "WF")
    width = 0.0
    if narrow:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
            width = TextToPath().get_text_width_height_descent(
                narrow, FontProperties(family=list(family), size=size), ismath=False)[0]
    return (width + wide * size) / 72


def to_svg(fig: Figure) -> str:
    """The figure as an SVG string (from ``<svg``), text kept as text, no date, fixed ids."""
    buf = io.StringIO()
    with style(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]


def save(fig: Figure, path: str | Path, *, dpi: int = 200, **settings) -> Path:
    """Write the figure to ``path`` atomically, its format from the suffix (.svg, .png or .pdf)."""
    from ._io import atomic_path

    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp, style(**settings), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.savefig(tmp, format=suffix[1:], dpi=dpi, bbox_inches="tight", metadata=_METADATA[suffix])
    return path
