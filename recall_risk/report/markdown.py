"""Markdown rendering: ``summary.md`` of a run, and the table helper shared with comparisons.

Link-free on purpose: event sources are shown as inline code so viewers do not turn them into
links, and cells have ``|``, backticks and newlines neutralised so a note cannot break the table.
``<``, ``>`` and ``&`` become entities: Markdown viewers render raw HTML, and a note must stay text.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from recall_risk.metrics import METRIC_NAMES
from recall_risk.report.best import best_rows
from recall_risk.report.events_table import SCOPE_NOTES, event_rows
from recall_risk.report.tables import BENCHMARK, all_runs
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


def format_metric(value: object) -> str:
    """A metric for tables: 4 decimals, thousands separators for large values, ``-`` for None."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.4f}"
    return str(value)


PERCENT_METRICS = frozenset({"total_return", "cagr", "volatility", "max_drawdown", "alpha"})
"""Metrics people read in percent (returns, drawdowns, annualised volatility); files keep the
fraction."""


def format_percent(value: object) -> str:
    """A fraction as a percentage with 2 decimals (``0.8901`` -> ``89.01%``), ``-`` for None."""
    if value is None or not isinstance(value, int | float) or isinstance(value, bool):
        return format_metric(value)
    return f"{value * 100:,.2f}%"


def format_value(metric: str, value: object) -> str:
    """``value`` of ``metric`` for a reader: :data:`PERCENT_METRICS` in percent, the rest as
    :func:`format_metric`."""
    return format_percent(value) if metric in PERCENT_METRICS else format_metric(value)


def md_cell(text: object) -> str:
    """Text safe inside a Markdown table cell (and as plain Markdown text): no markup, one line."""
    out = html.escape(str(text), quote=False).replace("\\", "\\\\")
    out = out.replace("|", "\\|").replace("`", "'")
    return " ".join(out.split())


def md_code(text: object) -> str:
    """Inline code (no auto-linking of URLs), safe inside a table cell.

    Entities are not decoded inside code spans, so only ``|``, backticks and newlines are
    neutralised here; a code span shows ``<`` literally and never renders it as markup.
    """
    out = str(text).replace("|", "\\|").replace("`", "'")
    return f"`{' '.join(out.split())}`" if out.strip() else ""


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A pipe table; cells must already be escaped with :func:`md_cell`."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def metrics_md_table(
    rows: Mapping[str, Mapping[str, object]],
    first: str = "strategy",
    exclude: Collection[str] = (),
    best: Mapping[str, set[str]] | None = None,
) -> str:
    """Metrics side by side (one row per label); the best value per metric in bold (``best``,
    default :func:`~recall_risk.report.best.best_rows` of ``rows``, never in the ``exclude``
    rows); returns and drawdowns in percent."""
    best = best_rows(rows, exclude) if best is None else best
    body = []
    for label, metrics in rows.items():
        cells = [md_cell(label)]
        for metric in METRIC_NAMES:
            text = format_value(metric, metrics.get(metric))
            cells.append(f"**{text}**" if label in best.get(metric, ()) else text)
        body.append(cells)
    return md_table([first, *METRIC_NAMES], body)


def evidence_markdown(result: RunResult, evidence: dict) -> list[str]:
    """The summary's "Weight of evidence" and "Risk figures" sections, as lines."""
    lines = ["## Weight of evidence", ""]
    body = [[md_cell(c) for c in row] for row in evidence_rows(evidence)]
    lines += [md_table(list(EVIDENCE_HEADERS), body), ""]
    lines += [*(f"- {md_cell(n)}" for n in evidence_notes(result, evidence)), ""]
    headers, rows = plugin_table(result)
    lines += ["## Risk figures", ""]
    lines += [md_table([md_cell(h) for h in headers], [[md_cell(c) for c in r] for r in rows])]
    lines += [
        "",
        "Drawdown avoided: buy-and-hold's maximum drawdown minus the strategy's, in points. Time "
        "score ≥ t: share of bars with the score at or above t; exposure while ≥ t: the "
        "strategy's mean invested fraction on those bars.",
        "",
    ]
    return lines


def render_summary(result: RunResult, evidence: Mapping[str, Evidence]) -> str:
    """The whole ``summary.md`` of a run."""
    config = result.config
    span = result.meta.get("data_range", {})
    lines = [f"# {md_cell(config.name)}", ""]
    if config.description:
        lines += [md_cell(config.description), ""]
    lines += [
        f"- data range: {span.get('start', '?')} .. {span.get('end', '?')}",
        f"- tickers: {', '.join(md_cell(t) for t in config.data.tickers)}",
        f"- benchmark: {md_cell(config.data.benchmark or 'none')} (held buy-and-hold)",
        f"- broker: cash {config.broker.cash:,.0f}, commission {config.broker.commission:g}, "
        f"slippage {config.broker.slippage:g}",
        "",
        "## Metrics",
        "",
        "Best value per metric in bold, never on a row marked † (too few trades or events: "
        "see Weight of evidence); max_drawdown is a positive fraction.",
        "",
    ]
    rows = {
        (
            f"{BENCHMARK} ({config.data.benchmark})"
            if name == BENCHMARK
            else marked(name, evidence)
        ): (run.metrics)
        for name, run in all_runs(result).items()
    }
    thin = {marked(name, evidence) for name in thin_labels(evidence)}
    lines += [metrics_md_table(rows, exclude=thin), ""]
    lines += evidence_markdown(result, evidence)
    lines += ["## Strategies", ""]
    for name, run in result.strategies.items():
        params = ", ".join(f"{k}={v}" for k, v in sorted(run.params.items())) or "defaults"
        lines.append(f"- {md_cell(name)}: {md_cell(run.strategy)} ({md_cell(params)})")
    lines += ["", "## Events", ""]
    events = event_rows(result)
    if events:
        headers = ["announced", "ticker", "id", "type", "key figure", "magnitude", "source"]
        body = [
            [
                e.announced,
                md_cell(e.ticker),
                md_code(e.id),
                e.type,
                md_cell(e.key_figure),
                f"{e.magnitude:.3f}",
                md_code(e.source),
            ]
            for e in events
        ]
        lines.append(md_table(headers, body))
        outside = [e for e in events if e.scope != "in"]
        if outside:
            lines += [
                "",
                *(f"- {md_code(e.id)}: {md_cell(SCOPE_NOTES[e.scope].strip())}" for e in outside),
            ]
    else:
        lines.append("No events.")
    return "\n".join(lines) + "\n"
