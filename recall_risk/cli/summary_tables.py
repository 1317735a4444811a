"""Terminal tables after a run's metrics: weight of evidence and the plugin's risk figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

if TYPE_CHECKING:
    from recall_risk.evidence import Evidence
    from recall_risk.runner import RunResult


def evidence_table(result: RunResult, evidence: dict[str, Evidence]) -> Table:
    """Round trips, events and the bootstrap intervals against buy-and-hold, per strategy."""
    from recall_risk.report.weight import evidence_rows

    table = Table(title="weight of evidence (vs buy-and-hold, 90% block-bootstrap interval)")
    for header in ("strategy", "round trips", "events", "total return", "sharpe"):
        table.add_column(header, justify="left" if header == "strategy" else "right")
    for row in evidence_rows(evidence):
        if row[0] == "benchmark":
            continue
        table.add_row(*row)
    return table


def risk_table(result: RunResult) -> Table:
    """Risk exits, drawdown avoided, and per threshold the time above it and exposure meanwhile
    (``time / exposure``)."""
    from recall_risk.report.weight import plugin_table

    _, rows = plugin_table(result)
    thresholds = list(result.config.report.thresholds)
    table = Table(title="risk figures (time score ≥ t / exposure meanwhile)")
    table.add_column("strategy")
    table.add_column("risk exits / sells", justify="right")
    table.add_column("dd avoided", justify="right")
    for t in thresholds:
        table.add_column(f"≥ {t:g}", justify="right")
    for row in rows:
        pairs = [f"{row[3 + 2 * i]} / {row[4 + 2 * i]}" for i in range(len(thresholds))]
        table.add_row(row[0], row[1], row[2], *pairs)
    return table


def evidence_footnotes(result: RunResult, evidence: dict[str, Evidence]) -> list[str]:
    """The notes printed under the evidence table."""
    from recall_risk.report.weight import evidence_notes

    return evidence_notes(result, evidence)
