"""Render a :class:`~recall_risk.report.compare.Comparison`: terminal table, Markdown, files.

``write_comparison`` writes compare.md, compare.csv and compare.html (metrics side by side and
every equity curve overlaid as growth of 1, so runs with different starting cash line up) into
a folder, atomically.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from rich.table import Table
from rich.text import Text

from recall_risk.metrics import METRIC_NAMES
from recall_risk.report.atomic import atomic_dir
from recall_risk.report.compare import Comparison, comparison_frame
from recall_risk.report.figures import PALETTE, plotly_text
from recall_risk.report.html import esc, figure_div, metrics_html_table, page, text_table
from recall_risk.report.markdown import format_metric, md_cell, metrics_md_table
from recall_risk.report.serialize import frame_to_csv

MARKER = "compare.csv"
"""The file that identifies a comparison folder (an existing one may be replaced)."""


def _ranges(comparison: Comparison) -> list[str]:
    return [
        f"{run.label}: {run.data_range['start']} .. {run.data_range['end']} ({run.path})"
        for run in comparison.runs
    ]


def render_text(comparison: Comparison) -> Table:
    """A rich table, one row per run/strategy; the best value per metric bold green."""
    best = comparison.best()
    title = "; ".join(
        f"{r.label} {r.data_range['start']} .. {r.data_range['end']}" for r in comparison.runs
    )
    table = Table(
        title=Text(title), caption="data ranges differ" if comparison.mismatched else None
    )
    table.add_column("run/strategy")
    for metric in METRIC_NAMES:
        table.add_column(metric, justify="right")
    for label, metrics in comparison.rows().items():
        cells = [Text(label)]
        for metric in METRIC_NAMES:
            text = format_metric(metrics.get(metric))
            style = "bold green" if label in best.get(metric, ()) else ""
            cells.append(Text(text + (" *" if style else ""), style=style))
        table.add_row(*cells)
    return table


def render_markdown(comparison: Comparison) -> str:
    """The comparison as Markdown: data ranges, then the metrics table (best in bold)."""
    lines = ["# Run comparison", ""]
    if comparison.mismatched:
        lines += ["**Warning: the runs cover different data ranges.**", ""]
    lines += [f"- {md_cell(r)}" for r in _ranges(comparison)]
    lines += ["", metrics_md_table(comparison.rows(), first="run/strategy"), ""]
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


def render_html(comparison: Comparison) -> str:
    """compare.html: one self-contained page."""
    missing = [r.label for r in comparison.runs if r.equity is None]
    note = f"<p>No equity.csv in: {', '.join(esc(m) for m in missing)}.</p>" if missing else ""
    sections = [
        ("Equity curves (growth of 1)", note + figure_div(equity_overlay(comparison), "overlay")),
        ("Metrics (best per metric highlighted)", metrics_html_table(comparison.rows())),
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
    intro = ["Warning: the runs cover different data ranges."] if comparison.mismatched else []
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
