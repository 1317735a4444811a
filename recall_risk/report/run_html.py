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


def render_run_html(result: RunResult, extra_sections: Sequence[tuple[str, str]] = ()) -> str:
    """The whole page for one run; ``extra_sections`` are trusted ``(title, HTML)`` pairs."""
    config = result.config
    span = result.meta.get("data_range", {})
    intro = [
        *([config.description] if config.description else []),
        f"Data {span.get('start', '?')} .. {span.get('end', '?')}; tickers "
        f"{', '.join(config.data.tickers)}; benchmark {config.data.benchmark or 'none'} "
        f"(held buy-and-hold); cash {config.broker.cash:,.0f}, commission "
        f"{config.broker.commission:g}, slippage {config.broker.slippage:g}.",
    ]
    rows = {
        (f"{BENCHMARK} {config.data.benchmark}" if name == BENCHMARK else name): run.metrics
        for name, run in all_runs(result).items()
    }
    events = event_rows(result)
    event_table = (
        text_table(
            ["announced", "ticker", "id", "type", "key figure", "magnitude", "source", "notes"],
            [
                [
                    e.announced,
                    e.ticker,
                    e.id,
                    e.type,
                    e.key_figure,
                    f"{e.magnitude:.3f}",
                    e.source,
                    e.notes,
                ]
                for e in events
            ],
        )
        if events
        else "<p>No events.</p>"
    )
    strategies = text_table(
        ["name", "strategy", "params"],
        [
            [name, run.strategy, ", ".join(f"{k}={v}" for k, v in sorted(run.params.items()))]
            for name, run in result.strategies.items()
        ],
    )
    sections = [
        ("Equity, risk score and drawdowns", figure_div(overview_figure(result), "overview")),
        (
            "Metrics (best per metric highlighted; max_drawdown a positive fraction)",
            metrics_html_table(rows),
        ),
        ("Strategies", strategies),
        ("Prices and trades", figure_div(trades_figure(result), "trades")),
        ("Events", event_table),
    ]
    return page(f"recall-risk: {config.name}", intro, sections, extra_sections)
