"""``compute_metrics`` against an independent numpy implementation written here.

The reference below follows the conventions stated in :mod:`recall_risk.metrics` (daily simple
returns, 252 periods a year, risk-free ``rate / 252`` a day, drawdown as a positive fraction) with
plain numpy, so a change in empyrical's definitions (or in how we call it) shows up here. Checked
to 1e-9 on real equity curves (Xiaomi, Tesla, the HK rotation against their indices) and on edge
cases (flat equity, a single bar, all cash, a non-zero risk-free rate, a benchmark with gaps).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import BacktestOutput, run_backtest
from recall_risk.events import load_events
from recall_risk.metrics import METRIC_NAMES, compute_metrics, daily_returns, drawdown
from recall_risk.prices import CsvDirectorySource
from recall_risk.strategies import BuyAndHold, RiskExit, RiskRotation

TOL = 1e-9
YEAR = 252


# --- the independent reference -------------------------------------------------------------------


def reference_metrics(
    equity: pd.Series,
    *,
    initial_cash: float,
    exposure: pd.Series | None = None,
    trade_pnls=(),
    benchmark_equity: pd.Series | None = None,
    risk_free: float = 0.0,
) -> dict[str, float | int | None]:
    """Every metric from first principles (None where the quantity is undefined)."""
    values = equity.to_numpy(dtype=np.float64)
    r = values[1:] / values[:-1] - 1.0
    rf = risk_free / YEAR
    excess = r - rf
    n = r.size
    out: dict[str, float | int | None] = dict.fromkeys(METRIC_NAMES)
    out["final_value"] = float(values[-1])
    out["total_return"] = values[-1] / initial_cash - 1.0
    out["trades"] = len(trade_pnls)
    if trade_pnls:
        out["win_rate"] = sum(p > 0 for p in trade_pnls) / len(trade_pnls)
    if exposure is not None and len(exposure):
        out["exposure"] = float(np.mean(exposure.to_numpy()))
    if n >= 1:
        # growth of the curve over n daily periods, n / 252 years
        out["cagr"] = (values[-1] / values[0]) ** (YEAR / n) - 1.0
        peaks = np.maximum.accumulate(values)
        out["max_drawdown"] = float(np.max(1.0 - values / peaks))
    if n >= 2:
        std = np.std(r, ddof=1) if np.ptp(r) > 0 else 0.0
        out["volatility"] = std * math.sqrt(YEAR)
        excess_std = np.std(excess, ddof=1) if np.ptp(excess) > 0 else 0.0
        if excess_std > 0:
            out["sharpe"] = np.mean(excess) / excess_std * math.sqrt(YEAR)
        downside = math.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)) * math.sqrt(YEAR)
        if downside > 0:
            out["sortino"] = np.mean(excess) * YEAR / downside
    if out["max_drawdown"] and out["cagr"] is not None:
        out["calmar"] = out["cagr"] / out["max_drawdown"]
    if benchmark_equity is not None:
        both = pd.concat([equity, benchmark_equity], axis=1, join="inner").dropna()
        if len(both) > 2:
            s = both.iloc[:, 0].to_numpy()
            b = both.iloc[:, 1].to_numpy()
            sr = s[1:] / s[:-1] - 1.0 - rf
            br = b[1:] / b[:-1] - 1.0 - rf
            var = np.mean((br - br.mean()) ** 2)
            if var > 1e-30:
                beta = np.mean((br - br.mean()) * (sr - sr.mean())) / var
                out["beta"] = beta
                out["alpha"] = (1.0 + np.mean(sr - beta * br)) ** YEAR - 1.0
    return out


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
    for name in ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "calmar"):
        assert got[name] is None, name


def test_two_bars():
    equity = pd.Series([100.0, 101.0], index=INDEX[:2])
    got = check(equity, initial_cash=100.0)
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
    np.testing.assert_allclose(drawdown(equity).to_numpy(), [0.0, 0.0, 0.25, 0.0])


def test_readme_lists_every_metric_in_order():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(r"Metrics, per strategy[^`]*`([^`]+)`", readme)
    assert match, "README.md lost its list of metrics"
    listed = [name.strip() for name in match.group(1).split(",")]
    assert listed == list(METRIC_NAMES)
