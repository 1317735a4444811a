"""Run one strategy on risk frames in backtrader and collect what happened, bar by bar."""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import backtrader as bt
import numpy as np
import pandas as pd

from recall_risk.bt.analyzer import RiskAnalyzer
from recall_risk.bt.build import make_cerebro
from recall_risk.bt.feed import RiskData


class EquityRecorder(bt.Analyzer):
    """Portfolio value, cash and invested fraction at every bar's close.

    Bars are recorded as plain floats (the bar's backtrader date number first) and turned into a
    frame once: backtrader asks every analyzer for its analysis when the run stops (for writers,
    even when there are none), and :func:`run_backtest` asks again, so the frame is kept."""

    def start(self) -> None:
        self.rows: list[tuple[float, float, float, float]] = []
        self._frame: pd.DataFrame | None = None

    def next(self) -> None:
        strategy = self.strategy
        value = strategy.broker.getvalue()
        invested = sum(abs(strategy.getposition(d).size) * d.close[0] for d in strategy.datas)
        self.rows.append(
            (
                strategy.data0.datetime[0],
                value,
                strategy.broker.getcash(),
                invested / value if value else 0.0,
            )
        )

    def get_analysis(self) -> pd.DataFrame:
        if self._frame is None or len(self._frame) != len(self.rows):
            stamps, value, cash, exposure = zip(*self.rows, strict=True) if self.rows else ((),) * 4
            index = pd.DatetimeIndex([bt.num2date(x).date() for x in stamps], name="date")
            self._frame = pd.DataFrame(
                {"value": value, "cash": cash, "exposure": exposure}, index=index, dtype=np.float64
            )
        return self._frame


class FillRecorder(bt.Analyzer):
    """Every executed (or refused) order and every closed trade, for any strategy."""

    def start(self) -> None:
        self.fills: list[dict[str, Any]] = []
        self.trades: list[dict[str, Any]] = []

    def notify_order(self, order: bt.Order) -> None:
        if order.status == order.Completed:
            size, price = abs(order.executed.size), order.executed.price
            self.fills.append(
                {
                    "date": bt.num2date(order.executed.dt).date().isoformat(),
                    "ticker": order.data._name,
                    "side": "buy" if order.isbuy() else "sell",
                    "size": size,
                    "price": price,
                    "value": size * price,
                    "commission": order.executed.comm,
                    "status": "filled",
                }
            )
        elif order.status in (order.Margin, order.Rejected, order.Canceled, order.Expired):
            self.fills.append(
                {
                    "date": bt.num2date(order.data.datetime[0]).date().isoformat(),
                    "ticker": order.data._name,
                    "side": "buy" if order.isbuy() else "sell",
                    "size": abs(order.created.size),
                    "price": float("nan"),
                    "value": 0.0,
                    "commission": 0.0,
                    "status": order.getstatusname().lower(),
                }
            )

    def notify_trade(self, trade: bt.Trade) -> None:
        if trade.isclosed:
            self.trades.append(
                {
                    "ticker": trade.data._name,
                    "opened": bt.num2date(trade.dtopen).date().isoformat(),
                    "closed": bt.num2date(trade.dtclose).date().isoformat(),
                    "bars": trade.barlen,
                    "pnl": trade.pnl,
                    "pnl_net": trade.pnlcomm,
                }
            )

    def get_analysis(self) -> dict[str, list[dict[str, Any]]]:
        return {"fills": self.fills, "trades": self.trades}


@dataclass(frozen=True)
class BacktestOutput:
    """What one backtrader run produced.

    Attributes:
        equity: portfolio value at each bar's close (index: dates).
        exposure: invested fraction of the portfolio at each close.
        fills: executed orders (date, data, side, size, price, value, commission).
        trades: closed round trips (data, opened, closed, pnl, pnl_net, bars).
        risk: :class:`RiskAnalyzer`'s analysis.
    """

    equity: pd.Series
    exposure: pd.Series
    fills: list[dict[str, Any]] = field(default_factory=list)
    trades: list[dict[str, Any]] = field(default_factory=list)
    risk: dict[str, Any] = field(default_factory=dict)


def run_backtest(
    strategy: type[bt.Strategy],
    frames: Mapping[str, pd.DataFrame],
    params: Mapping[str, Any] | None = None,
    *,
    cash: float = 100_000.0,
    commission: float = 0.001,
    slippage: float = 0.0,
    lot_size: int | Mapping[str, int] = 1,
    thresholds: Sequence[float] = (0.25, 0.5, 0.75),
    runonce: bool = True,
    preload: bool = True,
) -> BacktestOutput:
    """Run ``strategy`` on risk frames (prices + score columns, one per ticker, first = data0).

    ``lot_size`` is the board lot of every ticker, or a mapping per ticker (1 for those it
    leaves out): :class:`~recall_risk.bt.RiskStrategy` orders whole lots.

    Returns:
        The equity curve, exposure, fills, closed trades and the risk analysis.
    """
    cerebro = make_cerebro(
        cash=cash, commission=commission, slippage=slippage, runonce=runonce, preload=preload
    )
    for name, frame in frames.items():
        lot = lot_size.get(name, 1) if isinstance(lot_size, Mapping) else lot_size
        cerebro.adddata(RiskData(dataname=frame, name=name, lot_size=lot))
    cerebro.addstrategy(strategy, **dict(params or {}))
    cerebro.addanalyzer(EquityRecorder, _name="equity")
    cerebro.addanalyzer(FillRecorder, _name="fills")
    cerebro.addanalyzer(RiskAnalyzer, _name="risk", thresholds=tuple(thresholds))
    result = cerebro.run()[0]
    recorded = result.analyzers.equity.get_analysis()
    return BacktestOutput(
        equity=recorded["value"].rename("value"),
        exposure=recorded["exposure"].rename("exposure"),
        fills=result.analyzers.fills.get_analysis()["fills"],
        trades=result.analyzers.fills.get_analysis()["trades"],
        risk=result.analyzers.risk.get_analysis(),
    )


_BACKTRADER_DIR = Path(bt.__file__).resolve().parent


def _in_backtrader(filename: str) -> bool:
    return Path(filename).resolve().is_relative_to(_BACKTRADER_DIR)


def data_too_short(exc: BaseException) -> bool:
    """Whether ``exc`` is backtrader's way of saying an indicator's period is longer than the
    data (runonce fills an indicator's array from its period on: ``IndexError: array assignment
    index out of range``, raised inside backtrader). A strategy that reads past the last bar
    (``close[1]``) raises ``array index out of range`` instead: a bug of its own."""
    frames = traceback.extract_tb(exc.__traceback__)
    return (
        isinstance(exc, IndexError)
        and str(exc) == "array assignment index out of range"
        and bool(frames)
        and _in_backtrader(frames[-1].filename)
    )


def raised_at(exc: BaseException) -> str:
    """`` (at FILE:LINE in FUNCTION)``: the innermost frame of ``exc``'s traceback outside
    backtrader (the user's line that called into it), else the innermost; ``""`` without one."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    own = [f for f in frames if not _in_backtrader(f.filename)]
    last = own[-1] if own else frames[-1]
    return f" (at {last.filename}:{last.lineno} in {last.name})"
