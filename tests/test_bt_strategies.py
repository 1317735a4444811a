"""``RiskStrategy`` (targets, validation, sizing) and the reference strategies' decision rules."""

from __future__ import annotations

import itertools
import math

import backtrader as bt
import numpy as np
import pandas as pd
import pytest

from recall_risk.bt import FrameData, RiskData, RiskScore, RiskStrategy, make_cerebro, risk_frame
from recall_risk.bt.engine import run_backtest
from recall_risk.errors import ConfigError
from recall_risk.events import load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.scoring import score_events
from recall_risk.signals import HysteresisGate, needs_rebalance, scaled_weight
from recall_risk.strategies import REGISTRY, RiskRotation, RiskScaled, SmaCross, SmaCrossRisk


def make_frame(scores, opens=None, start="2024-01-01") -> pd.DataFrame:
    """A risk frame with the given scores (as the recall component) and simple prices."""
    n = len(scores)
    opens = np.full(n, 10.0) if opens is None else np.asarray(opens, dtype=float)
    zeros = np.zeros(n)
    return pd.DataFrame(
        {
            "open": opens,
            "high": opens * 1.02,
            "low": opens * 0.98,
            "close": opens * 1.01,
            "volume": np.full(n, 1e6),
            "score": np.asarray(scores, dtype=float),
            "recall": np.asarray(scores, dtype=float),
            "quality": zeros,
            "orders": zeros,
            "incident": zeros,
        },
        index=pd.date_range(start, periods=n, freq="B", name="date"),
    )


class Positions(bt.Analyzer):
    """Position size of every data at each bar's close."""

    def start(self) -> None:
        self.rows: list[tuple[float, ...]] = []

    def next(self) -> None:
        self.rows.append(tuple(self.strategy.getposition(d).size for d in self.strategy.datas))

    def get_analysis(self) -> list[tuple[float, ...]]:
        return self.rows


def run(strategy, frames, cerebro=None, **params):
    cerebro = cerebro or make_cerebro()
    for name, frame in frames.items():
        cerebro.adddata(RiskData(dataname=frame, name=name))
    cerebro.addstrategy(strategy, **params)
    cerebro.addanalyzer(Positions, _name="positions")
    return cerebro.run()[0]


@pytest.fixture(scope="module")
def xiaomi_frame(prices_dir) -> pd.DataFrame:
    prices = CsvDirectorySource(prices_dir).load("1810.HK", "2024-04-01", "2026-03-25")
    return risk_frame(prices, load_events("xiaomi_su7"))


# --- RiskStrategy base ---------------------------------------------------------------------------


class Probe(RiskStrategy):
    """Records target_weight_for on fixed scores and self.risk on every bar."""

    def __init__(self) -> None:
        super().__init__()
        self.weights: dict[float, float] = {}
        self.seen: list[float] = []

    def next(self) -> None:
        if len(self) == 1:
            self.weights = {
                s: self.target_weight_for(s) for s in (0.0, 0.3, 0.5, 0.6, 0.9, math.nan)
            }
        self.seen.append(self.risk[0])


def test_target_weight_for_uses_the_params():
    strategy = run(
        Probe, {"X": make_frame([0.0] * 3)}, risk_floor=0.3, risk_cap=0.6, max_weight=0.8
    )
    assert strategy.weights[0.0] == 0.8
    assert strategy.weights[0.3] == 0.8
    assert strategy.weights[0.5] == pytest.approx(0.8 * (0.6 - 0.5) / 0.3)
    assert strategy.weights[0.6] == 0.0 and strategy.weights[0.9] == 0.0
    assert strategy.weights[math.nan] == 0.8
    assert strategy.weights[0.5] == scaled_weight(0.5, risk_floor=0.3, risk_cap=0.6, max_weight=0.8)


def test_target_weight_for_rejects_bad_params():
    with pytest.raises(ValueError, match="risk_floor < risk_cap"):
        run(Probe, {"X": make_frame([0.0] * 3)}, risk_floor=0.6, risk_cap=0.3)


def test_risk_line_on_a_plain_feed_is_the_risk_score_indicator(xiaomi_frame):
    events = load_events("xiaomi_su7")
    cerebro = make_cerebro()
    cerebro.adddata(FrameData(dataname=xiaomi_frame))  # the score columns are not read
    cerebro.addstrategy(Probe, events=events)
    strategy = cerebro.run()[0]
    assert any(isinstance(ind, RiskScore) for ind in strategy.getindicators())
    expected = score_events(events, xiaomi_frame.index)["score"].tolist()
    assert strategy.seen == expected


class BadTarget(RiskStrategy):
    params = (("weight", 0.5),)

    def next(self) -> None:
        if len(self) == 1:
            self.set_target(self.p.weight)


@pytest.mark.parametrize("weight", [-0.01, 1.01, math.nan, math.inf])
def test_set_target_rejects_weights_outside_0_1(weight):
    with pytest.raises(ValueError, match="target weight must be in \\[0, 1\\]"):
        run(BadTarget, {"X": make_frame([0.0] * 3)}, weight=weight)


@pytest.mark.parametrize("weight", [0.0, 0.25, 1.0])
def test_set_target_accepts_the_bounds(weight):
    strategy = run(BadTarget, {"X": make_frame([0.0] * 4)}, weight=weight)
    cost = 10.0 * 1.001
    assert strategy.analyzers.positions.get_analysis()[1] == (math.floor(weight * 100_000 / cost),)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_strategy_needs_cheat_on_open(name):
    cerebro = bt.Cerebro(stdstats=False)  # cheat_on_open left off
    with pytest.raises(ConfigError, match="cheat_on_open=True") as info:
        run(REGISTRY[name], {"X": make_frame([0.0] * 3)}, cerebro=cerebro)
    assert isinstance(info.value, ValueError)
    assert "make_cerebro" in str(info.value)


def test_sma_cross_rejects_fast_not_below_slow():
    with pytest.raises(ValueError, match="need 0 < fast < slow"):
        run(SmaCross, {"X": make_frame([0.0] * 3)}, fast=20, slow=20)


# --- risk_scaled ---------------------------------------------------------------------------------


def test_risk_scaled_trades_only_past_the_band(xiaomi_frame):
    band = 0.1
    strategy = run(RiskScaled, {"1810.HK": xiaomi_frame}, band=band)
    positions = [p[0] for p in strategy.analyzers.positions.get_analysis()]
    changes = sum(a != b for a, b in itertools.pairwise(positions)) + (positions[0] != 0)
    # the target moves on most bars once events arrive; trades are few
    targets = [scaled_weight(s, risk_floor=0.2, risk_cap=0.8) for s in xiaomi_frame["score"]]
    target_moves = sum(a != b for a, b in itertools.pairwise(targets))
    assert target_moves > 200
    assert 3 <= changes < 40
    # replay the band rule: the position changes exactly on the bar after a rebalance decision
    current, decisions = None, []
    for bar, target in enumerate(targets):
        if needs_rebalance(target, current, band):
            current = target
            decisions.append(bar)
    changed_bars = [i for i in range(1, len(positions)) if positions[i] != positions[i - 1]]
    assert set(changed_bars) <= {d + 1 for d in decisions}
    assert len(decisions) - len(changed_bars) <= 1  # a decision on the last bar never fills


def test_risk_scaled_returns_to_a_full_weight_below_one():
    # max_weight 0.5, band 0.2: 0.5 -> 1/6 (trade) -> 0.375 (trade) -> 0.5 (inside the band, but
    # full weight: trade)
    frame = make_frame([0.0, 0.6, 0.35, 0.0, 0.0])
    strategy = run(RiskScaled, {"X": frame}, band=0.2, max_weight=0.5, risk_floor=0.2, risk_cap=0.8)
    cost = 10.0 * 1.001
    sizes = [p[0] for p in strategy.analyzers.positions.get_analysis()]
    assert sizes[1] == math.floor(0.5 * 100_000 / cost)
    assert sizes[1] > sizes[3] > sizes[2] > 0  # 0.5 -> 1/6 -> 0.375
    assert sizes[4] > sizes[3]  # back to full weight although inside the band
    value = strategy.broker.getvalue()
    assert sizes[4] * frame["close"].iloc[4] / value == pytest.approx(0.5, abs=0.002)


# --- sma_cross_risk vs sma_cross -----------------------------------------------------------------


@pytest.mark.parametrize(("exit_above", "reenter_below"), [(0.5, 0.3), (0.55, 0.5)])
def test_sma_cross_risk_differs_from_sma_cross_only_while_the_gate_is_closed(
    xiaomi_frame, exit_above, reenter_below
):
    gate_params = {"exit_above": exit_above, "reenter_below": reenter_below}
    plain = run_backtest(SmaCross, {"1810.HK": xiaomi_frame})
    risky = run_backtest(SmaCrossRisk, {"1810.HK": xiaomi_frame}, gate_params)
    slow = SmaCross.params.slow
    # the gate is fed from the strategy's first next(), the bar where the slow SMA is ready
    gate = HysteresisGate(exit_above=exit_above, reenter_below=reenter_below)
    scores = xiaomi_frame["score"].tolist()
    gate_open = [True] * (slow - 1) + [gate.update(s) for s in scores[slow - 1 :]]
    plain_in = (plain.exposure > 0).tolist()
    risky_in = (risky.exposure > 0).tolist()
    # holding after bar t's open reflects the decision at bar t-1's close
    for t in range(slow, len(scores)):
        assert risky_in[t] == (plain_in[t] and gate_open[t - 1]), xiaomi_frame.index[t]
    differs = [t for t in range(len(scores)) if risky_in[t] != plain_in[t]]
    assert differs and all(not gate_open[t - 1] for t in differs)
    # identical fills up to the first bar the gate was closed
    first_closed = xiaomi_frame.index[gate_open.index(False)].date().isoformat()
    before = [f for f in plain.fills if f["date"] <= first_closed]
    assert before and risky.fills[: len(before)] == before


# --- risk_rotation -------------------------------------------------------------------------------


def test_risk_rotation_weights_and_sells_before_buys():
    # A calm, B at 0.5 -> weights 2/3 and 1/3 (tilt 1); from bar 5 B at 1.0 -> all in A.
    a = make_frame([0.0] * 10, opens=np.linspace(10.0, 11.0, 10))
    b = make_frame([0.5] * 5 + [1.0] * 5, opens=np.linspace(20.0, 19.0, 10))
    strategy = run(RiskRotation, {"A": a, "B": b}, tilt=1.0)
    sizes = strategy.analyzers.positions.get_analysis()
    comm = 0.001
    assert sizes[1] == (
        math.floor(2 / 3 * 100_000 / (a["open"].iloc[1] * (1 + comm))),
        math.floor(1 / 3 * 100_000 / (b["open"].iloc[1] * (1 + comm))),
    )
    assert sizes[5] == sizes[1]  # decision at bar 5's close...
    assert sizes[6][1] == 0 and sizes[6][0] > sizes[1][0]  # ...B sold and A bought at bar 6's open
    cash = strategy.broker.get_cash()
    assert 0 <= cash < 0.001 * strategy.broker.getvalue()  # the freed cash went into A
    out = run_backtest(RiskRotation, {"A": a, "B": b}, {"tilt": 1.0})
    assert {f["status"] for f in out.fills} == {"filled"}  # no Margin: the sale went first
    day6 = a.index[6].date().isoformat()
    assert [(f["ticker"], f["side"]) for f in out.fills if f["date"] == day6] == [
        ("B", "sell"),
        ("A", "buy"),
    ]


def test_risk_rotation_rebalances_on_the_calendar_and_the_band():
    class Counting(RiskRotation):
        def start(self) -> None:
            super().start()
            self.rebalances: list[int] = []

        def set_target(self, weight, data=None):
            if data is self.data0:
                self.rebalances.append(len(self))
            super().set_target(weight, data)

    flat = make_frame([0.1] * 30)
    strategy = run(Counting, {"A": flat, "B": flat}, rebalance_days=10, band=0.05)
    assert strategy.rebalances == [1, 11, 21]
    jump = make_frame([0.1] * 15 + [0.4] * 15)
    strategy = run(Counting, {"A": flat, "B": jump}, rebalance_days=100, band=0.05)
    assert strategy.rebalances == [1, 16]
