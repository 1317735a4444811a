"""Put the recall-risk signal into your own backtrader strategy.

Two ways, both on Xiaomi (1810.HK) with the bundled ``xiaomi_su7`` events:

1. **Your feed, our indicator.** Keep whatever data feed you already use (here backtrader's own
   ``GenericCSVData`` reading the CSV) and add :class:`recall_risk.bt.RiskScore` in your
   strategy's ``__init__``. The indicator computes, for each bar, the score as of that bar's date
   from events announced on or before it: no look-ahead.
2. **Our feed and base class.** Build a feed with :func:`recall_risk.bt.risk_feed` (prices plus
   the score as extra lines) and subclass :class:`recall_risk.bt.RiskStrategy`, which gives you
   ``self.risk`` and sizes ``set_target`` weights at the next open with integer shares.

Usage (from the repository root)::

    python examples/custom_strategy.py [PATH/TO/1810.HK.csv]

Without an argument the CSV is ``$RECALL_RISK_SHARED/data/prices/1810.HK.csv``, or
``../shared/data/prices/1810.HK.csv`` beside the repository. Only recall-risk's public API is
used.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import backtrader as bt

from recall_risk import RecallRiskError, load_events
from recall_risk.bt import RiskScore, RiskStrategy, make_cerebro, risk_feed
from recall_risk.prices import read_price_csv

START, END = dt.date(2024, 4, 1), dt.date(2026, 3, 25)
EXIT_ABOVE = 0.5  # leave when the score reaches this...
REENTER_BELOW = 0.3  # ...come back once it falls below this


def default_csv() -> Path:
    """``1810.HK.csv`` in the shared folder (``$RECALL_RISK_SHARED`` or ``../shared``)."""
    shared = os.environ.get("RECALL_RISK_SHARED")
    root = Path(shared) if shared else Path(__file__).resolve().parents[1].parent / "shared"
    return root / "data" / "prices" / "1810.HK.csv"


# --- 1. a plain backtrader strategy with the RiskScore indicator ---------------------------------


class TrendWithRiskGate(bt.Strategy):
    """Long while the close is above its 50-day average, but never while recall risk is high."""

    params = (("events", None), ("period", 50))

    def __init__(self) -> None:
        self.sma = bt.indicators.SMA(self.data.close, period=self.p.period)
        # The only recall-risk line in this strategy: the score of the events on this feed's bars.
        self.risk = RiskScore(self.data, events=self.p.events)
        self.gated = False  # out because of risk (as opposed to out because of the trend)
        self.risk_exits: list[dt.date] = []

    def next(self) -> None:
        score = self.risk.score[0]
        if self.gated and score < REENTER_BELOW:
            self.gated = False
        elif not self.gated and score >= EXIT_ABOVE:
            self.gated = True
            if self.position:
                self.risk_exits.append(self.data.datetime.date(0))
        wanted = not self.gated and self.data.close[0] > self.sma[0]
        if wanted and not self.position:
            self.order_target_percent(target=0.95)  # market order: fills at the next open
        elif not wanted and self.position:
            self.close()


def run_own_feed(csv_path: Path, events) -> tuple[float, list[dt.date], int]:
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(
        bt.feeds.GenericCSVData(
            dataname=str(csv_path),
            dtformat="%Y-%m-%d",
            fromdate=dt.datetime.combine(START, dt.time()),
            todate=dt.datetime.combine(END, dt.time()),
            datetime=0,
            open=1,
            high=2,
            low=3,
            close=4,
            volume=5,
            openinterest=-1,
        )
    )
    cerebro.broker.setcash(100_000.0)
    cerebro.broker.setcommission(commission=0.001)
    cerebro.addstrategy(TrendWithRiskGate, events=events)
    cerebro.addanalyzer(bt.analyzers.TradeAnalyzer, _name="trades")
    strategy = cerebro.run()[0]
    trades = strategy.analyzers.trades.get_analysis()["total"]["total"]
    return cerebro.broker.getvalue(), strategy.risk_exits, trades


# --- 2. a RiskStrategy subclass on the risk feed -------------------------------------------------


class ScaleDownOnRisk(RiskStrategy):
    """Holds ``target_weight_for(score)`` of the portfolio: full below 0.2, nothing from 0.8.

    Rebalances only when the target moved by more than 10 points, to keep trading costs down.
    """

    def __init__(self) -> None:
        super().__init__()
        self.current: float | None = None
        self.rebalances = 0

    def next(self) -> None:
        target = self.target_weight_for(self.risk[0])  # self.risk[0]: today's score
        moved = self.current is None or abs(target - self.current) > 0.1 or target == 0.0
        if moved and target != self.current:
            self.set_target(target)  # sized and filled at the next bar's open
            self.current = target
            self.rebalances += 1


def run_risk_feed(csv_path: Path, events) -> tuple[float, int, float]:
    prices = read_price_csv(csv_path).loc[str(START) : str(END)]  # a validated price frame
    cerebro = make_cerebro(cash=100_000.0, commission=0.001)  # cheat-on-open sizing at the open
    cerebro.adddata(risk_feed(prices, events, name="1810.HK"))
    cerebro.addstrategy(ScaleDownOnRisk)
    strategy = cerebro.run()[0]
    peak = max(strategy.data0.score.array)
    return cerebro.broker.getvalue(), strategy.rebalances, peak


def main(argv: list[str]) -> int:
    csv_path = Path(argv[1]) if len(argv) > 1 else default_csv()
    if not csv_path.is_file():
        print(
            f"error: price file {csv_path} not found; pass its path or set RECALL_RISK_SHARED",
            file=sys.stderr,
        )
        return 2
    try:
        events = load_events("xiaomi_su7")
        print(f"prices: {csv_path.name}, {START} to {END}")
        print(f"events: {events.company}, {len(events)} events ({events.source})")

        value, exits, trades = run_own_feed(csv_path, events)
        print(f"[1] own feed + RiskScore: final value {value:,.2f}, {trades} trades")
        for day in exits:
            print(f"    risk exit decided at the close of {day.isoformat()}")

        value, rebalances, peak = run_risk_feed(csv_path, events)
        print(f"[2] RiskStrategy on risk_feed: final value {value:,.2f}, {rebalances} rebalances")
        print(f"    highest score {peak:.3f}")
    except RecallRiskError as error:  # bad data or events: one clear line, no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
