"""The run's ``report.html``: figures, side-by-side metrics and the events, in one page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from recall_risk.report.events_table import event_rows
from recall_risk.report.figures import overview_figure, trades_figure
from recall_risk.report.html import esc, figure_div, metrics_html_table, page, text_table
from recall_risk.report.tables import BENCHMARK, all_runs
from recall_risk.report.tearsheet_html import tearsheet_sections
from recall_risk.report.weight import (
    EVIDENCE_HEADERS,
    evidence_notes,
    evidence_rows,
    marked,
    plugin_table,
    thin_labels,
)

if TYPE_CHECKING:
    from recall_risk.evidence import Evidence
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


def _evidence_html(result: RunResult, evidence: dict) -> str:
    notes = "".join(f"<p>{esc(n)}</p>" for n in evidence_notes(result, evidence))
    body = text_table(EVIDENCE_HEADERS, evidence_rows(evidence))
    return f'<div class="evidence">{body}{notes}</div>'


def _plugin_html(result: RunResult) -> str:
    headers, rows = plugin_table(result)
    return f'<div class="risk-figures">{text_table(headers, rows)}</div>' + (
        "<p>Drawdown avoided: buy-and-hold's maximum drawdown minus the strategy's, in points. "
        "Time score ≥ t: share of bars with the score at or above t; exposure while ≥ t: the "
        "strategy's mean invested fraction on those bars.</p>"
    )


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


def render_run_html(
    result: RunResult,
    evidence: Mapping[str, Evidence],
    extra_sections: Sequence[tuple[str, str]] = (),
) -> str:
    """The whole page for one run; ``evidence`` is :func:`.weight.run_evidence` of ``result``,
    ``extra_sections`` are trusted ``(title, HTML)`` pairs."""
    benchmark = result.config.data.benchmark
    rows = {
        (f"{BENCHMARK} {benchmark}" if name == BENCHMARK else marked(name, evidence)): run.metrics
        for name, run in all_runs(result).items()
    }
    thin = {marked(name, evidence) for name in thin_labels(evidence)}
    sections = [
        ("Equity, risk score and drawdowns", figure_div(overview_figure(result), "overview")),
        (
            "Metrics (best per metric highlighted, never on a column marked †; max_drawdown a "
            "positive fraction)",
            metrics_html_table(rows, exclude=thin),
        ),
        ("Weight of evidence", _evidence_html(result, evidence)),
        ("Risk figures", _plugin_html(result)),
        ("Strategies", _strategies_html(result)),
        *tearsheet_sections(result),
        ("Prices and trades", figure_div(trades_figure(result), "trades")),
        ("Events", _events_html(result)),
    ]
    return page(f"recall-risk: {result.config.name}", _intro(result), sections, extra_sections)
