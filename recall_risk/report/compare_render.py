"""Render a :class:`~recall_risk.report.compare.Comparison`: terminal tables, Markdown, files.

Every form shows what differs between the runs' configs, the metrics (the best per metric
highlighted, never the benchmark's) and each run's deltas against the base run. The terminal
keeps to 100 columns: its metrics table holds the headline metrics and their deltas; the
Markdown and HTML hold all of them. ``write_comparison`` writes compare.md, compare.csv and
compare.html (every equity curve overlaid as growth of 1, so runs with different starting cash
line up) into a folder, atomically.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from rich import box
from rich.table import Table
from rich.text import Text

from recall_risk.metrics import METRIC_NAMES
from recall_risk.report.atomic import atomic_dir
from recall_risk.report.compare import Comparison, comparison_frame
from recall_risk.report.figures import PALETTE, plotly_text
from recall_risk.report.html import esc, figure_div, metrics_html_table, page, text_table
from recall_risk.report.markdown import (
    PERCENT_METRICS,
    format_value,
    md_cell,
    md_table,
    metrics_md_table,
)
from recall_risk.report.serialize import frame_to_csv

MARKER = "compare.csv"
"""The file that identifies a comparison folder (an existing one may be replaced)."""
TERMINAL_METRICS = {"total_return": "return", "sharpe": "sharpe", "max_drawdown": "max DD"}
"""The metrics of the terminal table, with their deltas, and their short headers; files hold
all."""
MISMATCH = "the runs cover different data ranges or tickers"
THIN = "† too few round trips or events (the run's report.min_trades / min_events), never best"


def _thin_note(comparison: Comparison) -> str:
    thin = comparison.thin()
    return f"{THIN}: {', '.join(thin)}" if thin else ""


def format_delta(metric: str, value: float | None) -> str:
    """A metric difference with its sign: percentage points for percent metrics."""
    if value is None:
        return "-"
    if metric in PERCENT_METRICS:
        return f"{_shown(value * 100, 2):+,.2f} pp"
    if metric == "trades":
        return f"{_shown(value, 0):+.0f}"
    return f"{_shown(value, 2):+,.2f}" if abs(value) >= 1000 else f"{_shown(value, 4):+.4f}"


def _shown(value: float, digits: int) -> float:
    """``value`` rounded as it is shown, with no negative zero: a difference of -1e-17 (float
    noise between equal drawdowns) reads +0.00, not -0.00."""
    return round(value, digits) + 0.0


def _run_heading(comparison: Comparison, label: str) -> str:
    return f"{label} (base)" if label == comparison.base_label() else label


def render_changes(comparison: Comparison) -> Table | None:
    """The config values that differ between the runs (rows), one column per run; None when the
    configs agree on everything compared."""
    diffs = comparison.differences()
    if not diffs:
        return None
    table = Table(title="What differs", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("config")
    for run in comparison.runs:
        table.add_column(_run_heading(comparison, run.label), overflow="fold")
    for key, values in diffs.items():
        table.add_row(Text(key), *(Text(values[r.label]) for r in comparison.runs))
    return table


def _ranges(comparison: Comparison) -> list[str]:
    return [
        f"{run.label}: {run.data_range['start']} .. {run.data_range['end']} ({run.path})"
        for run in comparison.runs
    ]


def render_text(comparison: Comparison) -> Table:
    """The metrics table (fits 100 columns): one row per run/strategy, the headline metrics (the
    best value per metric bold green and starred) and the deltas against the base run."""
    best = comparison.best()
    title = "; ".join(
        f"{r.label} {r.data_range['start']} .. {r.data_range['end']}" for r in comparison.runs
    )
    base = comparison.base_label()
    table = Table(
        title=Text(title),
        caption=f"Δ: against the same strategy in {base} (pp: percentage points); every metric "
        "with --format markdown"
        + (f"; {MISMATCH}" if comparison.mismatched else "")
        + (f"\n{THIN}" if comparison.thin() else ""),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("run/strategy", overflow="fold")
    for header in TERMINAL_METRICS.values():
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("trades", justify="right")
    for header in TERMINAL_METRICS.values():
        table.add_column(f"Δ {header}", justify="right", no_wrap=True)
    deltas = comparison.deltas()
    thin = set(comparison.thin())
    for label, metrics in comparison.rows().items():
        cells = [Text(label + (" †" if label in thin else ""))]
        for metric in TERMINAL_METRICS:
            text = format_value(metric, metrics.get(metric))
            style = "bold green" if label in best.get(metric, ()) else ""
            cells.append(Text(text + (" *" if style else ""), style=style))
        cells.append(Text(format_value("trades", metrics.get("trades"))))
        delta = deltas.get(label)
        cells += [Text(format_delta(m, delta.get(m)) if delta else "") for m in TERMINAL_METRICS]
        table.add_row(*cells)
    return table


def _deltas_md(comparison: Comparison) -> list[str]:
    deltas = comparison.deltas()
    if not deltas:
        return []
    rows = [
        [md_cell(label), *(format_delta(m, row.get(m)) for m in METRIC_NAMES)]
        for label, row in deltas.items()
    ]
    return [
        f"## Against {md_cell(comparison.base_label())} (same strategy; pp: percentage points)",
        "",
        md_table(["run/strategy", *METRIC_NAMES], rows),
        "",
    ]


def _changes_md(comparison: Comparison) -> list[str]:
    diffs = comparison.differences()
    if not diffs:
        return ["No compared config value differs between the runs.", ""]
    heads = [md_cell(_run_heading(comparison, r.label)) for r in comparison.runs]
    rows = [
        [md_cell(key), *(md_cell(values[r.label]) for r in comparison.runs)]
        for key, values in diffs.items()
    ]
    return ["## What differs", "", md_table(["config", *heads], rows), ""]


def render_markdown(comparison: Comparison) -> str:
    """The comparison as Markdown: data ranges, then the metrics table (best in bold)."""
    lines = ["# Run comparison", ""]
    if comparison.mismatched:
        lines += [f"**Warning: {MISMATCH}.**", ""]
    lines += [f"- {md_cell(r)}" for r in _ranges(comparison)]
    lines += ["", *_changes_md(comparison)]
    lines += ["## Metrics (best in bold; never the benchmark)", ""]
    lines += [metrics_md_table(comparison.rows(), first="run/strategy", best=comparison.best())]
    if comparison.thin():
        lines += ["", md_cell(_thin_note(comparison))]
    lines += ["", *_deltas_md(comparison)]
    return "\n".join(lines)


def equity_overlay(comparison: Comparison) -> go.Figure:
    """Every run/strategy's equity as growth of 1 on one chart."""
    fig = go.Figure()
    i = 0
    for run in comparison.runs:
        if run.equity is None:
            continue
        for column in run.equity.columns:
            series = run.equity[column].dropna()
            if series.empty or not series.iloc[0]:
                continue
            fig.add_trace(
                go.Scatter(
                    x=list(series.index.strftime("%Y-%m-%d")),
                    y=(series / series.iloc[0]).to_list(),
                    name=plotly_text(f"{run.label}/{column}"),
                    line={"color": PALETTE[i % len(PALETTE)], "width": 1.3},
                )
            )
            i += 1
    fig.update_layout(
        height=600,
        template="plotly_white",
        yaxis_title="growth of 1",
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        hovermode="x unified",
    )
    return fig


def _changes_html(comparison: Comparison) -> str:
    diffs = comparison.differences()
    if not diffs:
        return "<p>No compared config value differs between the runs.</p>"
    heads = [_run_heading(comparison, r.label) for r in comparison.runs]
    rows = [[key, *(values[r.label] for r in comparison.runs)] for key, values in diffs.items()]
    return text_table(["config", *heads], rows)


def _deltas_html(comparison: Comparison) -> str:
    deltas = comparison.deltas()
    if not deltas:
        return "<p>One run: no deltas.</p>"
    rows = [
        [label, *(format_delta(m, d.get(m)) for m in METRIC_NAMES)] for label, d in deltas.items()
    ]
    return text_table(["run/strategy", *METRIC_NAMES], rows)


def render_html(comparison: Comparison) -> str:
    """compare.html: one self-contained page."""
    missing = [r.label for r in comparison.runs if r.equity is None]
    note = f"<p>No equity.csv in: {', '.join(esc(m) for m in missing)}.</p>" if missing else ""
    sections = [
        ("Equity curves (growth of 1)", note + figure_div(equity_overlay(comparison), "overlay")),
        ("What differs", _changes_html(comparison)),
        (
            "Metrics (best per metric highlighted; never the benchmark)",
            metrics_html_table(comparison.rows(), best=comparison.best())
            + (f"<p>{esc(_thin_note(comparison))}</p>" if comparison.thin() else ""),
        ),
        (f"Against {comparison.base_label()} (same strategy)", _deltas_html(comparison)),
        (
            "Runs",
            text_table(
                ["run", "config name", "folder", "data start", "data end"],
                [
                    [r.label, r.name, str(r.path), r.data_range["start"], r.data_range["end"]]
                    for r in comparison.runs
                ],
            ),
        ),
    ]
    intro = [f"Warning: {MISMATCH}."] if comparison.mismatched else []
    return page("recall-risk: run comparison", intro, sections)


def write_comparison(comparison: Comparison, out_dir: str | Path) -> list[Path]:
    """Write compare.md, compare.csv and compare.html to ``out_dir`` atomically.

    Returns:
        The paths written, sorted by name.
    """
    out_dir = Path(out_dir)
    with atomic_dir(out_dir, marker=MARKER) as tmp:
        (tmp / "compare.md").write_text(render_markdown(comparison), encoding="utf-8")
        frame_to_csv(comparison_frame(comparison), tmp / "compare.csv", index=False)
        (tmp / "compare.html").write_text(render_html(comparison), encoding="utf-8")
        names = sorted(p.name for p in tmp.iterdir())
    return [out_dir / name for name in names]
