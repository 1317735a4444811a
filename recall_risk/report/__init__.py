"""Run reports: metrics.json/CSV, summary.md, report.html, equity.png, and run comparison."""
