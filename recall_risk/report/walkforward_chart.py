"""The walk-forward's stitched out-of-sample equity against buy-and-hold: ``stitched.png`` and
``stitched.html``.

Both draw the chained test windows of :attr:`~recall_risk.walkforward.WalkForwardResult.stitched`:
the chosen points (``value``), the same windows held buy-and-hold and the benchmark held, each
from fresh cash per window, with the fold boundaries marked. The PNG is drawn on a bare Agg
figure (no pyplot state) without timestamp metadata, so re-runs give identical bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from recall_risk.report.figures import BENCHMARK_COLOUR, PALETTE, plotly_text
from recall_risk.report.html import figure_div, page

if TYPE_CHECKING:
    from recall_risk.walkforward import WalkForwardResult

CURVES = (
    ("value", "walk-forward (chosen points)", PALETTE[0]),
    ("buy_and_hold", "buy-and-hold", PALETTE[1]),
    ("benchmark", "benchmark", BENCHMARK_COLOUR),
)


def _label(result: WalkForwardResult, column: str, label: str) -> str:
    returns = result.stitched_returns()
    return f"{label} {returns[column]:+.1%}" if column in returns else label


def _fold_starts(result: WalkForwardResult) -> list:
    return [r.fold.test_start for r in result.folds[1:]]


def write_stitched_png(result: WalkForwardResult, path: Path) -> None:
    """Draw the stitched curves into ``path`` (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    stitched = result.stitched
    for column, label, colour in CURVES:
        if column in stitched:
            series = stitched[column]
            ax.plot(
                series.index,
                series.to_numpy(),
                label=_label(result, column, label),
                lw=1.3,
                color=colour,
            )
    for start in _fold_starts(result):
        ax.axvline(start, color="#999", lw=0.8, ls=":")
    kind = "anchored" if result.anchored else "rolling"
    ax.set_title(f"{result.name}: stitched out-of-sample equity ({kind}, by {result.metric})")
    ax.set_ylabel("portfolio value")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})


def stitched_figure(result: WalkForwardResult) -> go.Figure:
    """The stitched curves as a plotly figure (fold starts as dotted lines)."""
    fig = go.Figure()
    stitched = result.stitched
    dates = list(stitched.index.strftime("%Y-%m-%d"))
    for column, label, colour in CURVES:
        if column in stitched:
            fig.add_trace(
                go.Scatter(
                    x=dates,
                    y=stitched[column].to_list(),
                    name=plotly_text(_label(result, column, label)),
                    line={"color": colour, "width": 1.4},
                )
            )
    for start in _fold_starts(result):
        fig.add_vline(x=start.strftime("%Y-%m-%d"), line={"color": "#999", "dash": "dot"})
    fig.update_layout(
        height=500,
        template="plotly_white",
        yaxis_title="portfolio value",
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        hovermode="x unified",
    )
    return fig


def stitched_html(result: WalkForwardResult, table_html: str) -> str:
    """``stitched.html``: the chart and the fold table, one self-contained page."""
    kind = "anchored" if result.anchored else "rolling"
    intro = [
        f"{kind.capitalize()} folds, selection by {result.metric}, {result.engine} engine. Each "
        "test window starts from fresh cash for every curve; dotted lines mark the folds."
    ]
    sections = [
        ("Stitched out-of-sample equity", figure_div(stitched_figure(result), "stitched")),
        ("Folds", table_html),
    ]
    return page(f"recall-risk: {result.name} walk-forward", intro, sections)
