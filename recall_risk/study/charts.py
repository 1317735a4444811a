"""CAR-path charts: cumulative abnormal return through the event window, per event and on average.

One panel per stock (the company's, then its peers). Thin lines are single events, the thick
line is the mean across studied events. The PNG is drawn with matplotlib's object API on an Agg
canvas (no pyplot, no global backend switch); the HTML is a self-contained plotly page (the
JavaScript is inlined, so it opens offline) with a fixed element id, so both are deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from recall_risk.study.core import StudyResult
from recall_risk.study.options import window_label


def car_paths(result: StudyResult) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Event days and the running CAR of each studied event (keyed by event id)."""
    first, last = result.options.window
    days = np.arange(first, last + 1)
    return days, {s.event_id: np.cumsum(s.ar) for s in result.studied}


def _title(result: StudyResult) -> str:
    suffix = f" around {result.event_ticker} events" if result.is_peer else ""
    return f"{result.ticker} vs {result.benchmark}{suffix}"


def write_png(results: Sequence[StudyResult], path: Path) -> None:
    """Draw the CAR paths into a PNG file at ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = min(2, max(1, len(results)))
    rows = -(-len(results) // cols)
    fig = Figure(figsize=(6.5 * cols, 4.4 * rows), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[len(results) :]:
        ax.set_visible(False)
    for number, (ax, result) in enumerate(zip(axes, results, strict=False)):
        days, paths = car_paths(result)
        for name, path_values in paths.items():
            ax.plot(days, 100 * path_values, lw=0.8, alpha=0.45, label=name)
        if paths:
            mean = np.mean(np.vstack(list(paths.values())), axis=0)
            ax.plot(days, 100 * mean, lw=2.6, color="black", label="mean")
        ax.axhline(0.0, color="grey", lw=0.6)
        ax.axvline(0.0, color="grey", lw=0.6, ls="--")
        ax.set_title(f"{_title(result)} ({len(paths)} events)", fontsize=9)
        ax.set_xlabel("trading day relative to day 0")
        ax.set_ylabel(f"CAR from day {result.options.window[0]} (%)")
        ax.set_xticks(days)
        if number == 0 and 0 < len(paths) <= 20:  # the same events in every panel
            ax.legend(fontsize=6, loc="best", framealpha=0.6)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})


def html_figure(results: Sequence[StudyResult]) -> object:
    """The plotly figure of the CAR paths (one subplot per stock)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=len(results),
        subplot_titles=[_title(r) for r in results],
        shared_yaxes=True,
    )
    for col, result in enumerate(results, start=1):
        days, paths = car_paths(result)
        for name, values in paths.items():
            fig.add_scatter(
                x=days.tolist(),
                y=(100 * values).round(4).tolist(),
                mode="lines",
                name=f"{result.ticker} {name}",
                line={"width": 1},
                opacity=0.6,
                row=1,
                col=col,
            )
        if paths:
            mean = np.mean(np.vstack(list(paths.values())), axis=0)
            fig.add_scatter(
                x=days.tolist(),
                y=(100 * mean).round(4).tolist(),
                mode="lines",
                name=f"{result.ticker} mean",
                line={"width": 4, "color": "black"},
                row=1,
                col=col,
            )
        fig.update_xaxes(title_text="trading day relative to day 0", row=1, col=col)
    window = window_label(results[0].options.window) if results else ""
    fig.update_yaxes(title_text="CAR (%)", row=1, col=1)
    fig.update_layout(title=f"Cumulative abnormal returns over {window}", template="plotly_white")
    return fig


def html_text(results: Sequence[StudyResult]) -> str:
    """A self-contained HTML page of the CAR paths (plotly.js's basic bundle inlined, as in
    report.html: :func:`recall_risk.report.html.page`)."""
    from recall_risk.report.html import figure_div, page

    fig = html_figure(results)
    return page("Event study: CAR paths", [], [("CAR paths", figure_div(fig, "car-path"))])  # type: ignore[arg-type]
