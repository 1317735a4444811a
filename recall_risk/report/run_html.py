"""The run's ``report.html``: figures, side-by-side metrics and the events, in one page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from recall_risk.report.events_table import event_rows
from recall_risk.report.figures import overview_figure, trades_figure
from recall_risk.report.html import figure_div, metrics_html_table, page, text_table
from recall_risk.report.tables import BENCHMARK, all_runs

if TYPE_CHECKING:
    from recall_risk.runner import RunResult


EVENT_HEADERS = ("announced", "ticker", "id", "type", "key figure", "magnitude", "source", "notes")


def _events_html(result: RunResult) -> str:
    events = event_rows(result)
    if not events:
        return "<p>No events.</p>"
    rows = [
        [e.announced, e.ticker, e.id, e.type, e.key_figure, f"{e.magnitude:.3f}", e.source, e.notes]
        for e in events
    ]
    return text_table(EVENT_HEADERS, rows)


def _strategies_html(result: RunResult) -> str:
    rows = [
        [name, run.strategy, ", ".join(f"{k}={v}" for k, v in sorted(run.params.items()))]
        for name, run in result.strategies.items()
    ]
    return text_table(["name", "strategy", "params"], rows)


def _intro(result: RunResult) -> list[str]:
    config = result.config
    span = result.meta.get("data_range", {})
    return [
        *([config.description] if config.description else []),
        f"Data {span.get('start', '?')} .. {span.get('end', '?')}; tickers "
        f"{', '.join(config.data.tickers)}; benchmark {config.data.benchmark or 'none'} "
        f"(held buy-and-hold); cash {config.broker.cash:,.0f}, commission "
        f"{config.broker.commission:g}, slippage {config.broker.slippage:g}.",
    ]


def render_run_html(result: RunResult, extra_sections: Sequence[tuple[str, str]] = ()) -> str:
    """The whole page for one run; ``extra_sections`` are trusted ``(title, HTML)`` pairs."""
    benchmark = result.config.data.benchmark
    rows = {
        (f"{BENCHMARK} {benchmark}" if name == BENCHMARK else name): run.metrics
        for name, run in all_runs(result).items()
    }
    sections = [
        ("Equity, risk score and drawdowns", figure_div(overview_figure(result), "overview")),
        (
            "Metrics (best per metric highlighted; max_drawdown a positive fraction)",
            metrics_html_table(rows),
        ),
        ("Strategies", _strategies_html(result)),
        ("Prices and trades", figure_div(trades_figure(result), "trades")),
        ("Events", _events_html(result)),
    ]
    return page(f"recall-risk: {result.config.name}", _intro(result), sections, extra_sections)
