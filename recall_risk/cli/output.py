"""Terminal output helpers shared by the commands (rich consoles and tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from recall_risk.runner import RunResult


def console(*, stderr: bool = False) -> Console:
    """A rich console; wide and colourless when not writing to a terminal (stable output)."""
    probe = Console(stderr=stderr)
    if probe.is_terminal:
        return probe
    return Console(stderr=stderr, width=200, no_color=True, highlight=False, soft_wrap=True)


def metrics_table(result: RunResult) -> Table:
    """The run's metrics, one row per strategy plus the benchmark; † marks figures on too few
    trades or events (:mod:`recall_risk.evidence`)."""
    from recall_risk.metrics import METRIC_NAMES
    from recall_risk.report.markdown import format_metric

    span = result.meta["data_range"]
    table = Table(title=f"{result.config.name}: {span['start']} .. {span['end']}")
    table.add_column("strategy")
    for name in METRIC_NAMES:
        table.add_column(name, justify="right")
    from recall_risk.report.weight import marked, run_evidence

    evidence = run_evidence(result)
    rows = [(marked(name, evidence), run.metrics) for name, run in result.strategies.items()]
    if result.benchmark is not None:
        rows.append((f"benchmark {result.config.data.benchmark}", result.benchmark.metrics))
    for label, metrics in rows:
        table.add_row(label, *(format_metric(metrics.get(m)) for m in METRIC_NAMES))
    return table
