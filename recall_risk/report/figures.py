"""Plotly figures of a run: equity, risk score with events, drawdowns; prices with trades.

Every string that comes from a config or an event file goes through :func:`plotly_text` before it
reaches a figure: plotly renders a subset of HTML in labels and hover text, so ``<``, ``>``, ``&``
and quotes are turned into entities it decodes for display (it decodes ``&lt; &gt; &amp;`` and
numeric entities, not ``&quot;``). plotly's JSON itself escapes ``<`` as ``\\u003c``, so no
string can close the surrounding ``<script>``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from recall_risk.metrics import drawdown
from recall_risk.report.events_table import EventRow, event_rows
from recall_risk.report.labels import label_lanes
from recall_risk.report.tables import BENCHMARK, SCORE_COLUMNS, all_runs
from recall_risk.ticks import tick_price_text

if TYPE_CHECKING:
    from recall_risk.runner import RunResult

PALETTE: tuple[str, ...] = tuple(qualitative.D3)
BENCHMARK_COLOUR = "#555555"
COMPONENT_COLOURS = {
    "recall": "#d62728",
    "quality": "#9467bd",
    "orders": "#ff7f0e",
    "incident": "#17becf",
    "investigation": "#8c564b",
    "regulatory": "#e377c2",
}


def plotly_text(text: object) -> str:
    """``text`` with HTML specials as entities plotly decodes for display (never as markup)."""
    escaped = html.escape(str(text), quote=False)
    return escaped.replace('"', "&#34;").replace("'", "&#39;")


def colours(names: list[str]) -> dict[str, str]:
    """A stable colour per run name; the benchmark is grey."""
    out, i = {}, 0
    for name in names:
        if name == BENCHMARK:
            out[name] = BENCHMARK_COLOUR
        else:
            out[name] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _dates(index: pd.Index) -> list[str]:
    return list(pd.DatetimeIndex(index).strftime("%Y-%m-%d"))


def _label(result: RunResult, name: str) -> str:
    if name == BENCHMARK:
        return plotly_text(f"benchmark {result.config.data.benchmark}")
    return plotly_text(name)


def _event_trace(scores: pd.DataFrame, events: list[EventRow], ticker: str) -> go.Scatter:
    """Markers on the score line at each event's first trading day on or after ``announced``."""
    xs, ys, labels, custom = [], [], [], []
    index = pd.DatetimeIndex(scores.index)
    for event in events:
        pos = index.searchsorted(pd.Timestamp(event.announced))
        if pos >= len(index):
            continue
        xs.append(index[pos].strftime("%Y-%m-%d"))
        ys.append(float(scores["score"].iloc[pos]))
        labels.append(plotly_text(event.id))
        custom.append(
            [
                plotly_text(event.id),
                plotly_text(event.type),
                plotly_text(event.key_figure),
                plotly_text(event.source),
                plotly_text(event.notes or "-"),
                event.announced,
            ]
        )
    return go.Scatter(
        x=xs,
        y=ys,
        mode="markers",
        marker={"symbol": "diamond", "size": 9, "color": "black"},
        customdata=custom,
        hovertemplate="<b>%{customdata[0]}</b> (%{customdata[1]})<br>announced %{customdata[5]}"
        "<br>%{customdata[2]}<br>source: %{customdata[3]}<br>notes: %{customdata[4]}"
        "<extra></extra>",
        name=plotly_text(f"events {ticker}"),
        showlegend=False,
    )


LABEL_LANES = 6
"""Rows of event ids above a score panel's markers, from the top down."""
CHAR_PX, PLOT_PX = 6.0, 1150.0
"""A 9 px label character's width and the plot area's width on the report page (max-width
1300 px less the margins): labels are laid out in these estimated pixels."""


def event_label_trace(scores: pd.DataFrame, events: list[EventRow], ticker: str) -> go.Scatter:
    """The event ids as text in lanes (:func:`~.labels.label_lanes`), so that labels of events
    days apart do not print over each other; an event without a free lane keeps its marker (and
    its hover) unlabelled."""
    index = pd.DatetimeIndex(scores.index)
    span_days = max((index[-1] - index[0]).days, 1) if len(index) else 1
    days_per_px = span_days / PLOT_PX
    placed = [
        (index[pos], event.id)
        for event in events
        if (pos := index.searchsorted(pd.Timestamp(event.announced))) < len(index)
    ]
    starts = [(day - index[0]).days for day, _ in placed]
    widths = [(len(label) + 1) * CHAR_PX * days_per_px for _, label in placed]
    lanes = label_lanes(starts, widths, LABEL_LANES, gap=2 * CHAR_PX * days_per_px)
    shown = [(p, lane) for p, lane in zip(placed, lanes, strict=True) if lane is not None]
    return go.Scatter(
        x=[day.strftime("%Y-%m-%d") for (day, _), _ in shown],
        y=[1.02 - 0.13 * lane for _, lane in shown],
        mode="text",
        text=[plotly_text(label) for (_, label), _ in shown],
        textposition="middle right",
        textfont={"size": 9},
        cliponaxis=False,
        hoverinfo="skip",
        name=plotly_text(f"event ids {ticker}"),
        showlegend=False,
    )


def _add_equity_and_drawdown(fig: go.Figure, result: RunResult, drawdown_row: int) -> None:
    runs = all_runs(result)
    palette = colours(list(runs))
    for name, run in runs.items():
        equity = run.output.equity
        dd = drawdown(equity, result.config.broker.cash)
        common = {
            "legendgroup": name,
            "name": _label(result, name),
            "line": {"color": palette[name], "width": 1.5},
        }
        fig.add_trace(
            go.Scatter(x=_dates(equity.index), y=equity.to_list(), **common), row=1, col=1
        )
        fig.add_trace(
            go.Scatter(x=_dates(dd.index), y=(-dd).to_list(), showlegend=False, **common),
            row=drawdown_row,
            col=1,
        )


def _add_score_panel(
    fig: go.Figure, scores: pd.DataFrame, events: list[EventRow], ticker: str, row: int
) -> None:
    """The score (solid), its components (dotted) and the event markers of one ticker."""
    for column in SCORE_COLUMNS:
        is_score = column == "score"
        fig.add_trace(
            go.Scatter(
                x=_dates(scores.index),
                y=scores[column].to_list(),
                name=column if is_score else f"{column} component",
                legendgroup=f"score-{column}",
                showlegend=row == 2,
                line={
                    "color": "black" if is_score else COMPONENT_COLOURS.get(column, "#999"),
                    "width": 2 if is_score else 1,
                    "dash": "solid" if is_score else "dot",
                },
            ),
            row=row,
            col=1,
        )
    # Events before the first bar would pile up on it, and after the last one they are not in
    # the run: mark only those inside the bars.
    mine = [e for e in events if e.ticker == ticker and e.scope == "in"]
    fig.add_trace(_event_trace(scores, mine, ticker), row=row, col=1)
    fig.add_trace(event_label_trace(scores, mine, ticker), row=row, col=1)
    fig.update_yaxes(range=[0, 1.08], row=row, col=1)


def overview_figure(result: RunResult) -> go.Figure:
    """Equity curves, then the risk score and components of each ticker with every event marked,
    then drawdowns; all on one shared date axis."""
    tickers = list(result.config.data.tickers)
    n_rows = 2 + len(tickers)
    fig = make_subplots(
        rows=n_rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.4, *([0.35 / len(tickers)] * len(tickers)), 0.25],
        subplot_titles=[
            "Portfolio value",
            *(f"Risk score {plotly_text(t)}" for t in tickers),
            "Drawdown",
        ],
    )
    _add_equity_and_drawdown(fig, result, drawdown_row=n_rows)
    events = event_rows(result)
    for row, ticker in enumerate(tickers, start=2):
        _add_score_panel(fig, result.scores[ticker], events, ticker, row)
    fig.update_yaxes(tickformat=".0%", row=n_rows, col=1)
    fig.update_layout(
        height=420 + 220 * len(tickers) + 200,
        hovermode="x unified",
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        template="plotly_white",
    )
    return fig


def _fill_trace(
    name: str, side: str, fills: list[dict[str, Any]], colour: str, first: bool, ticker: str
) -> go.Scatter:
    """Filled orders of one strategy and side as triangles at the fill price; the hover shows
    the price rounded to the ticker's tick (:mod:`recall_risk.ticks`), trades.csv the exact one."""
    return go.Scatter(
        x=[f["date"] for f in fills],
        y=[float(f["price"]) for f in fills],
        mode="markers",
        marker={
            "symbol": "triangle-up" if side == "buy" else "triangle-down",
            "size": 10,
            "color": colour,
        },
        name=plotly_text(f"{name} {side}"),
        legendgroup=f"{name}-{side}",
        showlegend=first,
        customdata=[
            [float(f["size"]), float(f["commission"]), tick_price_text(ticker, float(f["price"]))]
            for f in fills
        ],
        hovertemplate=f"{plotly_text(name)} {side} %{{customdata[0]:,.0f}} @ "
        "%{customdata[2]}<br>commission %{customdata[1]:.2f}<extra></extra>",
    )


def trades_figure(result: RunResult) -> go.Figure:
    """Each ticker's close with every strategy's filled buys and sells marked at the fill price."""
    tickers = list(result.config.data.tickers)
    palette = colours(list(result.strategies))
    fig = make_subplots(
        rows=len(tickers),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        subplot_titles=[f"{plotly_text(t)} close and fills" for t in tickers],
    )
    shown: set[str] = set()
    for row, ticker in enumerate(tickers, start=1):
        close = result.prices[ticker]["close"]
        line = {"color": "#444", "width": 1}
        fig.add_trace(
            go.Scatter(
                x=_dates(close.index),
                y=close.to_list(),
                name=plotly_text(f"{ticker} close"),
                line=line,
            ),
            row=row,
            col=1,
        )
        for name, run in result.strategies.items():
            for side in ("buy", "sell"):
                fills = [
                    f
                    for f in run.output.fills
                    if f["ticker"] == ticker and f["side"] == side and f["status"] == "filled"
                ]
                if fills:
                    key = f"{name}-{side}"
                    trace = _fill_trace(name, side, fills, palette[name], key not in shown, ticker)
                    fig.add_trace(trace, row=row, col=1)
                    shown.add(key)
    fig.update_layout(
        height=150 + 300 * len(tickers),
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        template="plotly_white",
    )
    return fig
