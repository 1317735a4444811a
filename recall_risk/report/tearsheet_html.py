"""The tearsheet sections of ``report.html``: every strategy beside the benchmark.

One figure (drawdown under water, rolling six-month Sharpe and volatility, exposure) for all the
runs, a table of figures relative to the benchmark, returns per year, and per strategy its monthly
returns and five worst drawdowns, each beside the benchmark's. Figures come from
:mod:`.tearsheet`; cells are escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from recall_risk.metrics import drawdown
from recall_risk.report import tearsheet as ts
from recall_risk.report.figures import colours, plotly_text
from recall_risk.report.html import esc, figure_div
from recall_risk.report.tables import BENCHMARK, all_runs

if TYPE_CHECKING:
    from recall_risk.runner import RunResult, StrategyRun

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pct(x: float | None, digits: int = 1) -> str:
    """``12.3%``; ``-`` for a missing figure."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x * 100:.{digits}f}%"


def num(x: float | None) -> str:
    """Two decimals; ``-`` for a missing figure."""
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:.2f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], css: str = "tear") -> str:
    """A numeric table (cells right-aligned, first column a label); every cell escaped."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join(
        f'<tr><td class="text">{esc(row[0])}</td>'
        + "".join(f"<td>{esc(c)}</td>" for c in row[1:])
        + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def side_by_side(*parts: str) -> str:
    """Blocks laid out in a row (wrapping on narrow screens)."""
    cells = "".join(f'<div style="margin-right:2em">{p}</div>' for p in parts)
    return f'<div style="display:flex;flex-wrap:wrap;align-items:flex-start">{cells}</div>'


def _label(result: RunResult, name: str) -> str:
    return f"benchmark {result.config.data.benchmark}" if name == BENCHMARK else name


def _returns(result: RunResult) -> dict[str, pd.Series]:
    cash = result.config.broker.cash
    return {name: ts.returns_of(run.output.equity, cash) for name, run in all_runs(result).items()}


def tearsheet_figure(result: RunResult) -> go.Figure:
    """Under water, rolling Sharpe, rolling volatility and exposure of every run."""
    runs = all_runs(result)
    palette = colours(list(runs))
    returns = _returns(result)
    cash = result.config.broker.cash
    fig = make_subplots(
        rows=4,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        subplot_titles=[
            "Under water (drawdown from the running peak)",
            f"Rolling Sharpe ({ts.ROLLING_DAYS} days)",
            f"Rolling volatility ({ts.ROLLING_DAYS} days, annualised)",
            "Exposure (invested fraction)",
        ],
    )
    for name, run in runs.items():
        r = returns[name]
        dates = list(pd.DatetimeIndex(r.index).strftime("%Y-%m-%d"))
        panels = [
            -drawdown(run.output.equity.dropna(), cash),
            ts.rolling_sharpe(r),
            ts.rolling_volatility(r),
            run.output.exposure.reindex(r.index),
        ]
        for row, series in enumerate(panels, start=1):
            fig.add_trace(
                go.Scatter(
                    x=dates,
                    y=[None if not math.isfinite(v) else float(v) for v in series.to_numpy()],
                    name=plotly_text(_label(result, name)),
                    legendgroup=name,
                    showlegend=row == 1,
                    line={"color": palette[name], "width": 1.3},
                ),
                row=row,
                col=1,
            )
    for row in (1, 3, 4):
        fig.update_yaxes(tickformat=".0%", row=row, col=1)
    fig.update_layout(
        height=900,
        hovermode="x unified",
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        template="plotly_white",
    )
    return fig


def relative_rows(result: RunResult) -> list[list[str]]:
    """Per run: information ratio, tracking error, turnover a year, mean exposure."""
    returns = _returns(result)
    bench = returns.get(BENCHMARK)
    rows = []
    for name, run in all_runs(result).items():
        r = returns[name]
        fills = [float(f["value"]) for f in run.output.fills if f.get("status") == "filled"]
        ir = te = math.nan
        if bench is not None and name != BENCHMARK:
            ir, te = ts.information_ratio(r, bench), ts.tracking_error(r, bench)
        rows.append(
            [
                _label(result, name),
                num(ir),
                pct(te),
                f"{ts.turnover(fills, run.output.equity):.2f}",
                pct(float(run.output.exposure.mean())),
            ]
        )
    return rows


def yearly_table(result: RunResult) -> str:
    """Returns per calendar year, one column per run."""
    returns = _returns(result)
    yearly = {name: ts.yearly_returns(r) for name, r in returns.items()}
    years = sorted({int(y) for s in yearly.values() for y in s.index})
    headers = ["year", *(_label(result, n) for n in yearly)]
    rows = [[str(y), *(pct(s.get(y)) for s in yearly.values())] for y in years]
    return table(headers, rows)


def monthly_table(result: RunResult, name: str, returns: dict[str, pd.Series]) -> str:
    """A strategy's monthly returns, each year's row followed by the benchmark's."""
    series = {name: ts.monthly_returns(returns[name])}
    if BENCHMARK in returns:
        series[BENCHMARK] = ts.monthly_returns(returns[BENCHMARK])
    years = sorted({int(y) for frame in series.values() for y in frame.index})
    yearly = {n: ts.yearly_returns(returns[n]) for n in series}
    rows = []
    for year in years:
        for n, frame in series.items():
            cells = frame.loc[year] if year in frame.index else pd.Series(dtype=float)
            rows.append(
                [
                    f"{year} {'benchmark' if n == BENCHMARK else n}",
                    *(pct(cells.get(m), 1) for m in range(1, 13)),
                    pct(yearly[n].get(year)),
                ]
            )
    return table(["year", *MONTHS, "year"], rows)


def drawdowns_table(result: RunResult, run: StrategyRun, title: str) -> str:
    """The five worst drawdowns of one curve."""
    periods = ts.worst_drawdowns(run.output.equity, result.config.broker.cash)
    rows = [
        [
            f"{p.depth * -100:.1f}%",
            p.start.date().isoformat(),
            p.trough.date().isoformat(),
            p.recovery.date().isoformat() if p.recovery is not None else "not recovered",
            str(p.days),
        ]
        for p in periods
    ]
    head = f"<h4>{esc(title)}</h4>"
    if not rows:
        return head + "<p>No drawdown.</p>"
    return head + table(["drawdown", "peak", "trough", "recovery", "days"], rows)


RELATIVE_HEADERS = (
    "run",
    "information ratio",
    "tracking error",
    "turnover / year",
    "mean exposure",
)


def tearsheet_sections(result: RunResult) -> list[tuple[str, str]]:
    """``(heading, HTML)`` sections of the tearsheet for :func:`recall_risk.report.html.page`."""
    returns = _returns(result)
    notes = (
        "<p>Returns from the starting cash (the first bar's move included). Information ratio "
        "and tracking error: daily returns minus the benchmark's, annualised. Turnover: traded "
        "value (buys and sells) over the mean portfolio value, per year.</p>"
    )
    sections = [
        ("Tearsheet: drawdowns, rolling Sharpe and volatility, exposure",
         figure_div(tearsheet_figure(result), "tearsheet")),
        ("Tearsheet: against the benchmark",
         table(RELATIVE_HEADERS, relative_rows(result)) + notes),
        ("Tearsheet: returns per year", yearly_table(result)),
    ]  # fmt: skip
    for name, run in result.strategies.items():
        parts = [drawdowns_table(result, run, f"{name}: worst drawdowns")]
        if result.benchmark is not None:
            parts.append(drawdowns_table(result, result.benchmark, "benchmark: worst drawdowns"))
        body = monthly_table(result, name, returns) + side_by_side(*parts)
        sections.append((f"Tearsheet {name}: monthly returns and worst drawdowns", body))
    return sections
