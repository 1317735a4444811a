"""``compute_metrics`` against an independent numpy implementation written here.

The reference below follows the conventions stated in :mod:`recall_risk.metrics` (daily simple
returns from the starting cash, 252 periods a year, risk-free ``rate / 252`` a day, drawdown as a
positive fraction with the starting cash as first peak) with plain numpy, so a change in the
package's definitions shows up here (``tests/test_metrics_2d.py`` holds empyrical as the other
oracle). Checked to 1e-9 on real equity curves (Xiaomi, Tesla, the HK rotation against their
indices) and on edge cases (flat equity, a single bar, all cash, a non-zero risk-free rate, a
benchmark with gaps).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from metrics_reference import YEAR, reference_metrics

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import BacktestOutput, run_backtest
from recall_risk.events import load_events
from recall_risk.metrics import (
    METRIC_NAMES,
    align_benchmark,
    compute_metrics,
    daily_returns,
    drawdown,
    max_drawdown,
    metric_rows,
    metrics_2d,
)
from recall_risk.prices import CsvDirectorySource
from recall_risk.strategies import BuyAndHold, RiskExit, RiskRotation

TOL = 1e-9


def assert_metrics_match(got: dict, expected: dict) -> None:
    assert list(got) == list(METRIC_NAMES)
    for name in METRIC_NAMES:
        g, e = got[name], expected[name]
        if e is None:
            assert g is None, f"{name}: expected None, got {g}"
            continue
        assert g is not None, f"{name}: expected {e}, got None"
        assert isinstance(g, int | float) and math.isfinite(g), name
        assert g == pytest.approx(e, rel=TOL, abs=TOL), name


def check(equity: pd.Series, **kwargs) -> dict:
    got = compute_metrics(equity, **kwargs)
    assert_metrics_match(got, reference_metrics(equity, **kwargs))
    return got


# --- real equity curves --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source(prices_dir) -> CsvDirectorySource:
    return CsvDirectorySource(prices_dir)


def run(source, strategy, tickers_events, start, end, params=None) -> BacktestOutput:
    frames = {
        ticker: risk_frame(source.load(ticker, start, end), load_events(ev) if ev else None)
        for ticker, ev in tickers_events.items()
    }
    return run_backtest(strategy, frames, params, cash=100_000.0)


def benchmark(source, ticker: str, start: str, end: str) -> pd.Series:
    return source.load(ticker, start, end)["close"]


CASES = [
    ("xiaomi-exit", RiskExit, {"1810.HK": "xiaomi_su7"}, "HSI", "2024-04-01", "2026-03-25"),
    ("xiaomi-hold", BuyAndHold, {"1810.HK": "xiaomi_su7"}, "HSI", "2024-04-01", "2026-03-25"),
    ("tesla-exit", RiskExit, {"TSLA": "tesla"}, "GSPC", "2021-01-04", "2026-03-25"),
    (
        "rotation",
        RiskRotation,
        {"1810.HK": "xiaomi_su7", "1211.HK": "byd", "2015.HK": "li_auto", "9866.HK": None},
        "HSI",
        "2022-03-10",
        "2025-10-30",
    ),
]


@pytest.mark.parametrize("risk_free", [0.0, 0.035])
@pytest.mark.parametrize(
    ("strategy", "tickers", "bench", "start", "end"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_real_equity_curves(source, strategy, tickers, bench, start, end, risk_free):
    out = run(source, strategy, tickers, start, end)
    pnls = [t["pnl_net"] for t in out.trades]
    got = check(
        out.equity,
        initial_cash=100_000.0,
        exposure=out.exposure,
        trade_pnls=pnls,
        benchmark_equity=benchmark(source, bench, start, end),
        risk_free=risk_free,
    )
    # sanity on top of the agreement: every metric defined on a real two-year curve
    assert all(got[name] is not None for name in METRIC_NAMES if name != "win_rate" or pnls)
    assert 0 < got["max_drawdown"] < 1
    assert 0 <= got["exposure"] <= 1


def test_real_curve_against_a_benchmark_run_from_its_cash(source):
    """As runs and sweeps call it: the benchmark is buy-and-hold of the index from the same cash."""
    start, end = "2024-04-01", "2026-03-25"
    out = run(source, RiskExit, {"1810.HK": "xiaomi_su7"}, start, end)
    index = {"HSI": risk_frame(source.load("HSI", start, end), None)}
    bench = run_backtest(BuyAndHold, index, {"fractional": True}, cash=100_000.0).equity
    got = check(
        out.equity,
        initial_cash=100_000.0,
        exposure=out.exposure,
        trade_pnls=[t["pnl_net"] for t in out.trades],
        benchmark_equity=bench,
        benchmark_cash=100_000.0,
        risk_free=0.02,
    )
    assert got["alpha"] is not None and got["beta"] is not None


def test_buy_and_hold_beta_against_itself_is_one(source):
    out = run(source, BuyAndHold, {"1810.HK": "xiaomi_su7"}, "2024-04-01", "2026-03-25")
    stock = source.load("1810.HK", "2024-04-01", "2026-03-25")["close"]
    got = check(out.equity, initial_cash=100_000.0, benchmark_equity=stock)
    # fully invested from the second open: beta close to 1, alpha close to 0 (not exact: the first
    # day is in cash and a little cash stays uninvested)
    assert got["beta"] == pytest.approx(1.0, abs=0.01)
    assert abs(got["alpha"]) < 0.05


def test_benchmark_with_gaps_uses_the_common_dates():
    index = pd.bdate_range("2024-01-01", periods=60)
    rng = np.random.default_rng(7)
    equity = pd.Series(1_000.0 * np.cumprod(1 + rng.normal(0, 0.01, 60)), index=index)
    bench = pd.Series(50.0 * np.cumprod(1 + rng.normal(0, 0.012, 60)), index=index)
    bench = bench.drop(index[[3, 4, 20, 41]])
    bench.iloc[10] = np.nan
    check(equity, initial_cash=1_000.0, benchmark_equity=bench, risk_free=0.02)


# --- edge cases ----------------------------------------------------------------------------------

INDEX = pd.bdate_range("2024-01-01", periods=30)


@pytest.mark.parametrize("risk_free", [0.0, 0.04])
def test_flat_equity(risk_free):
    equity = pd.Series(100_000.0, index=INDEX)
    got = check(
        equity,
        initial_cash=100_000.0,
        exposure=pd.Series(0.0, index=INDEX),
        benchmark_equity=pd.Series(np.linspace(10, 12, 30), index=INDEX),
        risk_free=risk_free,
    )
    assert got["total_return"] == 0.0 and got["cagr"] == 0.0 and got["volatility"] == 0.0
    assert got["max_drawdown"] == 0.0 and math.copysign(1.0, got["max_drawdown"]) == 1.0
    assert got["sharpe"] is None and got["calmar"] is None
    assert got["beta"] == 0.0
    assert got["exposure"] == 0.0
    if risk_free:  # below the required return every day: a defined, negative Sortino
        assert got["sortino"] == pytest.approx(-math.sqrt(YEAR))
        assert got["alpha"] < 0
    else:
        assert got["sortino"] is None and got["alpha"] == 0.0


def test_all_cash_is_flat_with_zero_exposure():
    # what every strategy that never trades produces: the cash, unchanged, and no exposure
    got = check(
        pd.Series(250_000.0, index=INDEX),
        initial_cash=250_000.0,
        exposure=pd.Series(0.0, index=INDEX),
        trade_pnls=[],
    )
    assert got["exposure"] == 0.0 and got["trades"] == 0 and got["win_rate"] is None


def test_single_bar():
    equity = pd.Series([100_000.0], index=INDEX[:1])
    got = check(equity, initial_cash=100_000.0, exposure=pd.Series([0.0], index=INDEX[:1]))
    assert got["final_value"] == 100_000.0 and got["total_return"] == 0.0
    # one return (cash to the first close): growth and drawdown defined, dispersion not
    assert got["cagr"] == 0.0 and got["max_drawdown"] == 0.0
    for name in ("volatility", "sharpe", "sortino", "calmar"):
        assert got[name] is None, name


def test_single_bar_below_the_cash_is_a_drawdown():
    equity = pd.Series([90.0], index=INDEX[:1])
    got = check(equity, initial_cash=100.0)
    assert got["total_return"] == pytest.approx(-0.1)
    assert got["cagr"] == pytest.approx(0.9**YEAR - 1)
    assert got["max_drawdown"] == pytest.approx(0.1)
    assert got["calmar"] == pytest.approx((0.9**YEAR - 1) / 0.1)


def test_two_bars():
    equity = pd.Series([100.0, 101.0], index=INDEX[:2])
    got = check(equity, initial_cash=100.0)
    assert got["cagr"] == pytest.approx(1.01 ** (YEAR / 2) - 1)  # two days: 100 -> 100 -> 101
    assert got["volatility"] == pytest.approx(np.std([0.0, 0.01], ddof=1) * math.sqrt(YEAR))


def test_one_bar_of_data_has_no_deviation():
    got = check(pd.Series([101.0], index=INDEX[:1]), initial_cash=100.0)
    assert got["cagr"] == pytest.approx(1.01**YEAR - 1)
    assert got["volatility"] is None and got["sharpe"] is None  # one return: no deviation


def test_rising_only_has_no_sortino_or_calmar():
    equity = pd.Series(np.linspace(100.0, 130.0, 30), index=INDEX)
    got = check(equity, initial_cash=100.0)
    assert got["max_drawdown"] == 0.0 and got["calmar"] is None
    assert got["sortino"] is None  # no downside: infinite, reported as undefined
    assert got["sharpe"] > 0


def test_hand_made_curve_with_drawdown_and_trades():
    values = [100.0, 110.0, 99.0, 104.5, 88.0, 96.8, 120.0]
    equity = pd.Series(values, index=INDEX[:7])
    got = check(
        equity,
        initial_cash=100.0,
        exposure=pd.Series([0.0, 1.0, 1.0, 0.5, 0.5, 1.0, 1.0], index=INDEX[:7]),
        trade_pnls=[5.0, -2.0, 0.0, 7.5],
        risk_free=0.01,
    )
    assert got["max_drawdown"] == pytest.approx(1 - 88.0 / 110.0)
    assert got["total_return"] == pytest.approx(0.2)
    assert got["win_rate"] == 0.5  # a zero result is not a win
    assert got["exposure"] == pytest.approx(5.0 / 7.0)


def test_total_return_is_against_the_initial_cash():
    equity = pd.Series([100.0, 101.0, 102.0], index=INDEX[:3])
    assert compute_metrics(equity, initial_cash=50.0)["total_return"] == pytest.approx(
        102.0 / 50.0 - 1
    )


def test_helpers():
    equity = pd.Series([100.0, 120.0, 90.0, 135.0], index=INDEX[:4])
    np.testing.assert_allclose(daily_returns(equity).to_numpy(), [0.2, -0.25, 0.5])
    np.testing.assert_allclose(daily_returns(equity, 80.0).to_numpy(), [0.25, 0.2, -0.25, 0.5])
    np.testing.assert_allclose(drawdown(equity).to_numpy(), [0.0, 0.0, 0.25, 0.0])
    np.testing.assert_allclose(drawdown(equity, 125.0).to_numpy(), [0.2, 0.04, 0.28, 0.0])
    assert max_drawdown(equity.to_numpy()) == pytest.approx(0.25)
    assert max_drawdown(equity.to_numpy(), 200.0) == pytest.approx(0.55)


def test_first_day_counts_like_total_return():
    """Issue 13: a stock up 10% on its first day (bought at the open) shows it in every metric."""
    index = pd.bdate_range("2024-01-01", periods=504)
    equity = pd.Series(110.0, index=index)  # +10% from the open to the first close, then flat
    got = check(equity, initial_cash=100.0)
    assert got["total_return"] == pytest.approx(0.1)
    assert got["cagr"] == pytest.approx(1.1**0.5 - 1)  # 504 bars: two years
    assert got["volatility"] > 0 and got["sharpe"] > 0


def test_first_day_drop_counts_in_max_drawdown():
    index = pd.bdate_range("2024-01-01", periods=5)
    equity = pd.Series([95.0, 96.0, 97.0, 98.0, 99.0], index=index)  # below the cash from day 1
    got = check(equity, initial_cash=100.0)
    assert got["max_drawdown"] == pytest.approx(0.05)
    assert got["calmar"] == pytest.approx(got["cagr"] / 0.05)


def test_benchmark_from_its_starting_cash():
    """With the benchmark's starting value, its first day and the strategy's are in alpha/beta."""
    index = pd.bdate_range("2024-01-01", periods=40)
    rng = np.random.default_rng(11)
    bench = pd.Series(1_000.0 * np.cumprod(1 + rng.normal(0, 0.01, 40)), index=index)
    equity = pd.Series(1_000.0 * np.cumprod(1 + rng.normal(0, 0.015, 40)), index=index)
    with_cash = check(equity, initial_cash=1_000.0, benchmark_equity=bench, benchmark_cash=1_000.0)
    close_to_close = check(equity, initial_cash=1_000.0, benchmark_equity=bench)
    assert with_cash["beta"] != pytest.approx(close_to_close["beta"], rel=1e-6)


def test_readme_lists_every_metric_in_order():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(r"Metrics, per strategy[^`]*`([^`]+)`", readme)
    assert match, "README.md lost its list of metrics"
    listed = [name.strip() for name in match.group(1).split(",")]
    assert listed == list(METRIC_NAMES)


# --- the sweep's array metrics print exactly what the run reports print ---------------------
# The sweep's 2-D path (``metrics_2d`` + ``metric_rows``) is checked against ``compute_metrics``
# with ``approx`` elsewhere, which lets ``-0.0 == 0.0`` through; results.csv and folds.csv write
# floats with ``repr``, so the sign shows.


def test_flat_curve_metrics_are_repr_identical_to_compute_metrics() -> None:
    """A point that never trades: max_drawdown is 0.0 (not -0.0) in both, every repr equal."""
    dates = pd.bdate_range("2024-01-01", periods=30)
    equity = np.full(30, 100_000.0)
    exposure = np.zeros(30)
    bench = pd.Series(np.linspace(100.0, 110.0, 30), index=dates)
    table = metrics_2d(
        equity[:, None],
        start_cash=100_000.0,
        exposure=exposure[:, None],
        trades=np.zeros(1),
        wins=np.zeros(1),
        benchmark=align_benchmark(dates, bench),
        benchmark_cash=100_000.0,
    )
    (got,) = metric_rows(table)
    want = compute_metrics(
        pd.Series(equity, index=dates),
        initial_cash=100_000.0,
        exposure=pd.Series(exposure, index=dates),
        benchmark_equity=bench,
        benchmark_cash=100_000.0,
    )
    assert got["max_drawdown"] == 0.0 and math.copysign(1.0, got["max_drawdown"]) == 1.0
    assert {m: repr(got[m]) for m in METRIC_NAMES} == {m: repr(want[m]) for m in METRIC_NAMES}
