"""The benchmark index is held in fractional units, fully invested, on both engines.

With whole units, 100,000 buys only 5 "shares" of a 17,000-point Hang Seng Index and leaves about
15% in cash, which understates the benchmark and skews every strategy's alpha and beta.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import run_backtest
from recall_risk.bt.registry import resolve_strategy, strategy_defaults
from recall_risk.config import load_config
from recall_risk.fast import prepare, simulate
from recall_risk.prices import CsvDirectorySource
from recall_risk.runner import run_config
from recall_risk.signals import order_units

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_order_units_whole_and_fractional():
    assert order_units(5.999) == 5
    assert order_units(0.5) == 0
    units = order_units(5.898922547, fractional=True)
    assert units == pytest.approx(5.898921, abs=1e-12)  # rounded down, 1e-6 to spare
    assert units < 5.898922547
    assert order_units(1e-9, fractional=True) == 0.0


def test_run_benchmark_is_fully_invested(prices_dir):
    result = run_config(
        load_config(REPO_ROOT / "configs" / "xiaomi_su7.yaml"), prices_dir=prices_dir
    )
    bench = result.benchmark
    assert bench is not None
    exposure = bench.output.exposure
    assert exposure.min() > 0.99  # bought at the first bar's open, held to the last close
    (fill,) = bench.output.fills
    assert fill["status"] == "filled"
    assert not float(fill["size"]).is_integer()
    # equity after the fill: cash left plus units at the close, by hand
    closes = result.benchmark_prices["close"]
    cash_left = result.config.broker.cash - fill["value"] - fill["commission"]
    expected = cash_left + fill["size"] * closes.iloc[-1]
    assert bench.metrics["final_value"] == pytest.approx(expected, abs=0.005)


def test_fast_engine_matches_backtrader_fractional(prices_dir):
    prices = CsvDirectorySource(prices_dir).load("^HSI", "2024-04-01", "2026-03-25")
    frame = risk_frame(prices, None)
    cls = resolve_strategy("buy_and_hold")
    params = {**strategy_defaults(cls), "fractional": True}
    slow = run_backtest(cls, {"^HSI": frame}, {"fractional": True}, slippage=0.0005)
    fast = simulate(
        "buy_and_hold",
        prepare(frame, "^HSI"),
        params,
        cash=100_000,
        commission=0.001,
        slippage=0.0005,
    )
    assert math.isclose(fast.equity[-1], slow.equity.iloc[-1], abs_tol=0.005)
    assert (abs(fast.equity - slow.equity.to_numpy()) < 0.005).all()
    assert fast.fills[0]["size"] == slow.fills[0]["size"]
