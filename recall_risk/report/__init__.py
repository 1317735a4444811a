"""Run reports: metrics.json/CSV, summary.md, report.html, equity.png, and run comparison.

- :func:`write_report`: every file of one run, written atomically into a folder.
- :func:`compare_runs` -> :class:`Comparison`; :func:`render_text`, :func:`render_markdown`,
  :func:`write_comparison` show or save it.
"""

from recall_risk.report.compare import Comparison, RunSummary, compare_runs
from recall_risk.report.compare_render import render_markdown, render_text, write_comparison
from recall_risk.report.writer import write_report

__all__ = [
    "Comparison",
    "RunSummary",
    "compare_runs",
    "render_markdown",
    "render_text",
    "write_comparison",
    "write_report",
]
