"""Results -> tidy frames for the CSV files: metrics, equity, trades and scores.

One name per concept: the columns here are the names used in metrics.json and the config
(``final_value``, ``max_drawdown``, ``score``, ``recall`` ...). The benchmark appears as the row
(or column) ``benchmark``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from recall_risk.metrics import METRIC_NAMES
from recall_risk.report.serialize import clean_float
from recall_risk.scoring import COLUMNS

if TYPE_CHECKING:
    from recall_risk.runner import RunResult, StrategyRun

BENCHMARK = "benchmark"

TRADE_COLUMNS: tuple[str, ...] = (
    "strategy",
    "kind",
    "date",
    "ticker",
    "side",
    "size",
    "price",
    "value",
    "commission",
    "status",
    "opened",
    "bars",
    "pnl",
    "pnl_net",
)
"""trades.csv columns: ``kind`` is ``fill`` (an order; no pnl) or ``trade`` (a closed round trip,
dated at its close, with ``opened``, ``bars``, ``pnl`` and ``pnl_net``)."""

SCORE_COLUMNS: tuple[str, ...] = COLUMNS  # score, then each component


def all_runs(result: RunResult) -> dict[str, StrategyRun]:
    """Strategies in config order, then the benchmark (if any) under the name ``benchmark``."""
    runs = dict(result.strategies)
    if result.benchmark is not None:
        runs[BENCHMARK] = result.benchmark
    return runs


def metrics_frame(result: RunResult) -> pd.DataFrame:
    """One row per strategy plus the benchmark; columns ``strategy`` then every metric."""
    rows = []
    for name, run in all_runs(result).items():
        row: dict[str, object] = {"strategy": name}
        for metric in METRIC_NAMES:
            value = run.metrics.get(metric)
            row[metric] = clean_float(value) if isinstance(value, float) else value
        rows.append(row)
    return pd.DataFrame(rows, columns=["strategy", *METRIC_NAMES])


def equity_frame(result: RunResult) -> pd.DataFrame:
    """Portfolio value per strategy and the benchmark, on the union of their dates."""
    columns = {name: run.output.equity.rename(name) for name, run in all_runs(result).items()}
    frame = pd.concat(columns.values(), axis=1, join="outer").sort_index()
    frame.index = pd.DatetimeIndex(frame.index).rename("date")
    return frame


def trades_frame(result: RunResult) -> pd.DataFrame:
    """Every fill and every closed trade of every strategy and the benchmark."""
    rows: list[dict[str, object]] = []
    for name, run in all_runs(result).items():
        for fill in run.output.fills:
            rows.append({"strategy": name, "kind": "fill", **fill})
        for trade in run.output.trades:
            rows.append(
                {
                    "strategy": name,
                    "kind": "trade",
                    "date": trade["closed"],
                    "ticker": trade["ticker"],
                    "side": "close",
                    "opened": trade["opened"],
                    "bars": trade["bars"],
                    "pnl": trade["pnl"],
                    "pnl_net": trade["pnl_net"],
                }
            )
    frame = pd.DataFrame(rows, columns=list(TRADE_COLUMNS))
    for column in ("size", "bars"):  # whole numbers stay whole despite the empty cells
        values = pd.to_numeric(frame[column])
        if values.dropna().mod(1).eq(0).all():
            frame[column] = values.astype("Int64")
        else:  # the benchmark's fractional units beside whole shares: 6125, not 6125.0
            cells = [int(v) if pd.notna(v) and float(v).is_integer() else v for v in values]
            frame[column] = pd.Series(cells, index=frame.index, dtype=object)
    order = {name: i for i, name in enumerate(all_runs(result))}
    frame["_order"] = frame["strategy"].map(order)
    frame = frame.sort_values(["_order", "date", "kind"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def score_frame(result: RunResult) -> pd.DataFrame:
    """The score and its components per ticker and date (long format: ``date, ticker, ...``)."""
    parts = []
    for ticker in result.config.data.tickers:
        scores = result.scores[ticker][list(SCORE_COLUMNS)].copy()
        scores.index = pd.DatetimeIndex(scores.index).rename("date")
        scores.insert(0, "ticker", ticker)
        parts.append(scores)
    return pd.concat(parts).reset_index()
