"""Report layer: APA formatting, figures and self-contained HTML reports."""

from .build import write_demo_report

__all__ = ["write_demo_report"]
