"""Report layer: APA formatting, figures, and the report files (HTML, Markdown, Word tables, JSON)."""

from .build import report_context, results_dict, write_demo_report, write_report

__all__ = ["report_context", "results_dict", "write_demo_report", "write_report"]
