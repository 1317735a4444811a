"""Terminal output helpers shared by the commands (rich consoles and tables)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from recall_risk.evidence import Evidence
    from recall_risk.runner import RunResult


def console(*, stderr: bool = False) -> Console:
    """A rich console; wide and colourless when not writing to a terminal (stable output).

    Text prints as written: no rich markup or emoji codes, so ``pip install "recall-risk[dask]"``
    or a user's ``[/x]`` in an event id or a strategy name is not eaten as a style tag."""
    plain = {"markup": False, "emoji": False}
    probe = Console(stderr=stderr, **plain)
    if probe.is_terminal:
        return probe
    return Console(
        stderr=stderr, width=200, no_color=True, highlight=False, soft_wrap=True, **plain
    )


def metrics_table(result: RunResult, evidence: Mapping[str, Evidence]) -> Table:
    """The run's metrics, one row per metric and one column per strategy plus the benchmark
    (so that five strategies fit a 100-column terminal); returns and drawdowns in percent; †
    marks figures on too few trades or events (:mod:`recall_risk.evidence`)."""
    from rich import box

    from recall_risk.metrics import METRIC_NAMES
    from recall_risk.report.markdown import format_value
    from recall_risk.report.weight import marked

    span = result.meta["data_range"]
    table = Table(
        title=f"{result.config.name}: {span['start']} .. {span['end']}",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=0,  # the box's divider is one space: columns stay apart
    )
    columns = [(marked(name, evidence), run.metrics) for name, run in result.strategies.items()]
    if result.benchmark is not None:
        columns.append((f"benchmark {result.config.data.benchmark}", result.benchmark.metrics))
    table.add_column("metric")
    for label, _ in columns:
        table.add_column(label, justify="right", overflow="fold")
    for metric in METRIC_NAMES:
        table.add_row(
            metric, *(format_value(metric, metrics.get(metric)) for _, metrics in columns)
        )
    return table
