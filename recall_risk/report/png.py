"""``equity.png``: a static matplotlib chart of the report's figures, for terminals and PRs.

Top to bottom: equity curves of every strategy and the benchmark; per ticker, its risk score and
components with each event inside the bars marked and labelled by id, then its close with every
strategy's fills (buys ▲, sells ▼); the rolling six-month Sharpe ratio (the tearsheet's); drawdowns
last. Drawn on a bare
:class:`matplotlib.figure.Figure` with an Agg canvas created here, so nothing touches pyplot's
global backend (works headless, no import-time side effects, no state leaked to the caller). The
PNG carries no timestamp metadata, so re-runs give identical bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from recall_risk.metrics import drawdown
from recall_risk.report.events_table import event_rows
from recall_risk.report.figures import BENCHMARK_COLOUR, COMPONENT_COLOURS, colours
from recall_risk.report.tables import BENCHMARK, SCORE_COLUMNS, all_runs
from recall_risk.report.tearsheet import ROLLING_DAYS, returns_of, rolling_sharpe

if TYPE_CHECKING:
    from recall_risk.runner import RunResult


def write_png(result: RunResult, path: Path) -> None:
    """Draw the run's overview chart into ``path`` (PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    runs = all_runs(result)
    tickers = list(result.config.data.tickers)
    palette = colours(list(runs))
    n_rows = 3 + 2 * len(tickers)
    fig = Figure(figsize=(12, 4 + 1.8 * n_rows), dpi=100)
    FigureCanvasAgg(fig)
    ratios = [3, *([1.5, 1.2] * len(tickers)), 1.2, 1.5]
    axes = fig.subplots(n_rows, 1, sharex=True, gridspec_kw={"height_ratios": ratios})
    equity_ax, dd_ax = axes[0], axes[-1]
    for name, run in runs.items():
        label = f"benchmark {result.config.data.benchmark}" if name == BENCHMARK else name
        colour = BENCHMARK_COLOUR if name == BENCHMARK else palette[name]
        equity = run.output.equity
        equity_ax.plot(equity.index, equity.to_numpy(), label=label, color=colour, lw=1.2)
        dd = drawdown(equity, result.config.broker.cash)
        dd_ax.plot(dd.index, -dd.to_numpy(), color=colour, lw=1.0)
        sharpe = rolling_sharpe(returns_of(equity, result.config.broker.cash))
        axes[-2].plot(sharpe.index, sharpe.to_numpy(), color=colour, lw=1.0)
    equity_ax.set_title(f"{result.config.name}: portfolio value")
    equity_ax.legend(loc="upper left", fontsize=8)
    equity_ax.grid(alpha=0.3)
    events = [e for e in event_rows(result) if e.scope == "in"]  # the axis is the bars' range
    for i, ticker in enumerate(tickers):
        score_ax, price_ax = axes[1 + 2 * i], axes[2 + 2 * i]
        _score_panel(score_ax, result.scores[ticker], [e for e in events if e.ticker == ticker])
        score_ax.set_ylabel(f"risk {ticker}", fontsize=8)
        _price_panel(price_ax, result, ticker, palette)
    axes[1].legend(loc="upper left", fontsize=7, ncol=5)
    axes[2].legend(loc="upper left", fontsize=7, ncol=4)
    axes[-2].set_ylabel(f"Sharpe, rolling {ROLLING_DAYS} d", fontsize=8)
    axes[-2].axhline(0.0, color="#888", lw=0.6)
    axes[-2].grid(alpha=0.3)
    dd_ax.set_ylabel("drawdown")
    dd_ax.grid(alpha=0.3)
    dd_ax.tick_params(labelbottom=True)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.97, bottom=0.04, hspace=0.18)
    fig.savefig(path, format="png", metadata={"Software": None})


def _score_panel(ax: Any, scores: pd.DataFrame, events: list[Any]) -> None:
    """The score (solid), its components (dashed) and each event: a line, and the id of each
    event that moved the score."""
    for column in SCORE_COLUMNS:
        is_score = column == "score"
        ax.plot(
            scores.index,
            scores[column].to_numpy(),
            color="black" if is_score else COMPONENT_COLOURS.get(column, "#999"),
            lw=1.6 if is_score else 0.9,
            ls="-" if is_score else "--",
            label=column,
        )
    labelled = 0
    for event in events:
        day = pd.Timestamp(event.announced)
        moved = event.magnitude > 0  # a deliveries figure without a change moves nothing
        ax.axvline(day, color="#888" if moved else "#ccc", lw=0.6, alpha=0.7)
        if moved:  # ids alternate between two heights so events days apart stay readable
            y = 0.06 if labelled % 2 == 0 else 0.5
            ax.text(
                day, y, f"{event.id} ", rotation=90, fontsize=6, va="bottom", ha="right",
                color="#333",
            )  # fmt: skip
            labelled += 1
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)


def _price_panel(ax: Any, result: RunResult, ticker: str, palette: dict[str, str]) -> None:
    """The ticker's close and every strategy's filled buys (▲) and sells (▼) at the fill price."""
    close = result.prices[ticker]["close"]
    ax.plot(close.index, close.to_numpy(), color="#444", lw=0.9, label=f"{ticker} close")
    for name, run in result.strategies.items():
        for side, marker in (("buy", "^"), ("sell", "v")):
            fills = [
                f
                for f in run.output.fills
                if f["ticker"] == ticker and f["side"] == side and f["status"] == "filled"
            ]
            if fills:
                ax.scatter(
                    pd.to_datetime([f["date"] for f in fills]),
                    [float(f["price"]) for f in fills],
                    marker=marker,
                    s=28,
                    color=palette[name],
                    edgecolors="black",
                    linewidths=0.4,
                    zorder=3,
                    label=f"{name} {side}",
                )
    ax.set_ylabel(f"{ticker} close", fontsize=8)
    ax.grid(alpha=0.3)
