"""``equity.png``: a static matplotlib chart of equity curves, risk scores and drawdowns.

Drawn on a bare :class:`matplotlib.figure.Figure` with an Agg canvas created here, so nothing
touches pyplot's global backend (works headless, no import-time side effects, no state leaked to
the caller). The PNG carries no timestamp metadata, so re-runs give identical bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from recall_risk.metrics import drawdown
from recall_risk.report.figures import BENCHMARK_COLOUR, COMPONENT_COLOURS, colours
from recall_risk.report.tables import BENCHMARK, SCORE_COLUMNS, all_runs

if TYPE_CHECKING:
    from recall_risk.runner import RunResult


def write_png(result: RunResult, path: Path) -> None:
    """Draw the run's overview chart into ``path`` (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    runs = all_runs(result)
    tickers = list(result.config.data.tickers)
    palette = colours(list(runs))
    n_rows = 2 + len(tickers)
    fig = Figure(figsize=(12, 4 + 2 * n_rows), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(
        n_rows, 1, sharex=True, gridspec_kw={"height_ratios": [3, *([1.5] * len(tickers)), 1.5]}
    )
    equity_ax, dd_ax = axes[0], axes[-1]
    for name, run in runs.items():
        label = f"benchmark {result.config.data.benchmark}" if name == BENCHMARK else name
        colour = BENCHMARK_COLOUR if name == BENCHMARK else palette[name]
        equity = run.output.equity
        equity_ax.plot(equity.index, equity.to_numpy(), label=label, color=colour, lw=1.2)
        dd = drawdown(equity)
        dd_ax.plot(dd.index, -dd.to_numpy(), color=colour, lw=1.0)
    equity_ax.set_title(f"{result.config.name}: portfolio value")
    equity_ax.legend(loc="upper left", fontsize=8)
    equity_ax.grid(alpha=0.3)
    for ax, ticker in zip(axes[1:-1], tickers, strict=True):
        scores = result.scores[ticker]
        for column in SCORE_COLUMNS:
            is_score = column == "score"
            ax.plot(
                scores.index,
                scores[column].to_numpy(),
                color="black" if is_score else COMPONENT_COLOURS.get(column, "#999"),
                lw=1.6 if is_score else 0.8,
                ls="-" if is_score else ":",
                label=column,
            )
        first, last = scores.index[0].date(), scores.index[-1].date()
        for event_set in [result.events[ticker]] if ticker in result.events else []:
            for event in event_set:
                if first <= event.announced <= last:  # the axis stays the bars' range
                    ax.axvline(event.announced, color="#888", lw=0.6, alpha=0.6)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(f"risk {ticker}", fontsize=8)
        ax.grid(alpha=0.3)
    axes[1].legend(loc="upper left", fontsize=7, ncol=5)
    dd_ax.set_ylabel("drawdown")
    dd_ax.grid(alpha=0.3)
    dd_ax.tick_params(labelbottom=True)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.96, bottom=0.05, hspace=0.15)
    fig.savefig(path, format="png", metadata={"Software": None})
