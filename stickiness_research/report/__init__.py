"""Report layer: APA formatting, figures, and the report files (HTML, Markdown, Word tables, JSON)."""

# The report builder (Jinja2, the study) loads when first used, so drawing a figure (res.plot) needs only
# this layer's figure modules.
__all__ = ["report_context", "results_dict", "write_demo_report", "write_report"]


def __getattr__(name: str):
    if name in __all__:
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
