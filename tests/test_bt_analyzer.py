"""``RiskAnalyzer`` and ``max_drawdown`` on a tiny frame worked out by hand."""

from __future__ import annotations

import backtrader as bt
import numpy as np
import pandas as pd
import pytest

from recall_risk.bt import FrameData, RiskAnalyzer, RiskData, make_cerebro, max_drawdown
from recall_risk.bt.engine import run_backtest
from recall_risk.events import Recall
from recall_risk.strategies import BuyAndHold, RiskExit


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], 0.0),
        ([100.0], 0.0),
        ([100.0, 110.0, 120.0], 0.0),  # only rises
        ([100.0, 120.0, 90.0, 130.0, 65.0], 0.5),  # 130 -> 65 beats 120 -> 90 (0.25)
        ([100.0, 80.0, 100.0, 90.0], 0.2),
    ],
)
def test_max_drawdown_by_hand(values, expected):
    assert max_drawdown(np.asarray(values, dtype=float)) == pytest.approx(expected, abs=1e-15)


# Six bars. risk_exit (exit 0.5, re-enter below 0.3), 1,000 cash, no commission:
#   bar 0  score 0.0  decide: invested                          value 1000  exposure 0
#   bar 1  buy 100 @ open 10                                    value 1000  exposure 1
#   bar 2  score 0.6  decide: out                               value 1200  exposure 1
#   bar 3  sell 100 @ open 11 -> cash 1100                      value 1100  exposure 0
#   bar 4  score 0.2  decide: back in                           value 1100  exposure 0
#   bar 5  buy floor(1100 / 5.5) = 200 @ open 5.5 -> cash 0     value 1800  exposure 1
# Strategy drawdown 1 - 1100/1200 = 1/12; buy-and-hold (closes 10 10 12 8 6 9) 1 - 6/12 = 1/2.
TINY = pd.DataFrame(
    {
        "open": [10.0, 10.0, 10.0, 11.0, 7.0, 5.5],
        "high": [10.5, 10.5, 12.5, 11.0, 7.0, 9.0],
        "low": [9.5, 9.5, 9.5, 8.0, 6.0, 5.5],
        "close": [10.0, 10.0, 12.0, 8.0, 6.0, 9.0],
        "volume": [1000.0] * 6,
        "score": [0.0, 0.0, 0.6, 0.6, 0.2, 0.1],
        "recall": [0.0, 0.0, 0.6, 0.6, 0.2, 0.1],
        "quality": [0.0] * 6,
        "orders": [0.0] * 6,
        "incident": [0.0] * 6,
        "investigation": [0.0] * 6,
        "regulatory": [0.0] * 6,
    },
    index=pd.date_range("2024-01-01", periods=6, freq="B", name="date"),
)
EXPECTED = {
    "bars": 6,
    "exposure": 0.5,
    "above": {
        0.15: {"bars": 3, "fraction": 0.5, "exposure": 1 / 3},
        0.5: {"bars": 2, "fraction": 1 / 3, "exposure": 0.5},
        0.75: {"bars": 0, "fraction": 0.0, "exposure": None},
    },
    "max_drawdown": 1 / 12,
    "buy_and_hold_max_drawdown": 0.5,
    "drawdown_avoided": 0.5 - 1 / 12,
}


def assert_close(got, expected) -> None:
    """Nested dicts equal, floats to 1e-12 (pytest.approx does not nest)."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and set(got) == set(expected), (got, expected)
        for key, value in expected.items():
            assert_close(got[key], value)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, abs=1e-12)
    else:
        assert got == expected and type(got) is type(expected)


def analyse(
    strategy: type[bt.Strategy], data: bt.feed.DataBase, runonce=True, preload=True, **params
):
    cerebro = make_cerebro(cash=1_000.0, commission=0.0, runonce=runonce, preload=preload)
    cerebro.adddata(data)
    cerebro.addstrategy(strategy, **params)
    cerebro.addanalyzer(RiskAnalyzer, _name="risk", thresholds=(0.15, 0.5, 0.75))
    return cerebro.run()[0].analyzers.risk.get_analysis()


@pytest.mark.parametrize(("runonce", "preload"), [(True, True), (False, True), (False, False)])
def test_risk_analyzer_by_hand(runonce, preload):
    analysis = analyse(RiskExit, RiskData(dataname=TINY), runonce=runonce, preload=preload)
    assert_close(analysis, EXPECTED)


def test_run_backtest_reports_the_same_analysis():
    out = run_backtest(
        RiskExit, {"TINY": TINY}, cash=1_000.0, commission=0.0, thresholds=(0.15, 0.5, 0.75)
    )
    assert_close(out.risk, EXPECTED)
    assert out.equity.tolist() == pytest.approx([1000, 1000, 1200, 1100, 1100, 1800])
    assert out.exposure.tolist() == pytest.approx([0, 1, 1, 0, 0, 1])
    assert [(f["date"], f["side"], f["size"], f["price"]) for f in out.fills] == [
        ("2024-01-02", "buy", 100, 10.0),
        ("2024-01-04", "sell", 100, 11.0),
        ("2024-01-08", "buy", 200, 5.5),
    ]


class _AsksEveryBar(RiskExit):
    """Reads the analysis on every bar, as a user's strategy may: each read is of the bars so
    far, never a copy kept from an earlier bar."""

    def next(self) -> None:
        super().next()
        self.seen.append(self.analyzers.risk.get_analysis()["bars"])

    def start(self) -> None:
        super().start()
        self.seen: list[int] = []


def test_analysis_read_during_the_run_follows_the_bars():
    cerebro = make_cerebro(cash=1_000.0, commission=0.0)
    cerebro.adddata(RiskData(dataname=TINY))
    cerebro.addstrategy(_AsksEveryBar)
    cerebro.addanalyzer(RiskAnalyzer, _name="risk", thresholds=(0.15, 0.5, 0.75))
    strategy = cerebro.run()[0]
    # a strategy's next() runs before the analyzers' on the same bar
    assert strategy.seen == [0, 1, 2, 3, 4, 5]
    assert_close(strategy.analyzers.risk.get_analysis(), EXPECTED)


def test_buy_and_hold_avoids_no_drawdown():
    analysis = analyse(BuyAndHold, RiskData(dataname=TINY))
    # fully invested from bar 1 on: 100 shares, no cash left
    assert analysis["above"][0.5]["exposure"] == 1.0
    assert analysis["max_drawdown"] == pytest.approx(0.5)
    assert analysis["drawdown_avoided"] == pytest.approx(0.0, abs=1e-15)


def test_plain_strategy_reads_the_feeds_score_line():
    # no `risk` attribute on a plain bt.Strategy: the analyzer falls back to data0's score line
    analysis = analyse(bt.Strategy, RiskData(dataname=TINY))
    assert analysis["above"][0.5]["bars"] == 2 and analysis["above"][0.15]["bars"] == 3
    assert analysis["exposure"] == 0.0 and analysis["max_drawdown"] == 0.0
    assert analysis["drawdown_avoided"] == pytest.approx(0.5)


def test_analyzer_reads_the_indicator_of_a_strategy_on_a_plain_feed():
    # RiskExit on a price-only feed scores its events itself (RiskScore); a recall announced on
    # bar 2 with magnitude >= 0.5 gives the same exit as the hand-made frame.
    event = Recall(
        id="r", announced=TINY.index[2].date(), source="test", units=9_000, cumulative_sales=10_000
    )
    analysis = analyse(RiskExit, FrameData(dataname=TINY), events=[event], reenter_below=0.0)
    assert analysis["above"][0.5]["bars"] >= 2
    assert analysis["exposure"] == pytest.approx(2 / 6)  # in on bars 1-2, out from bar 3 on
