"""Board lots (``broker.lot_size``) on both engines: the fast engine matches backtrader fill for
fill and to the cent when whole-share orders are rounded down to whole lots.

Real 1810.HK prices (board lot 200 shares, bundled with its source) and the xiaomi_su7 events;
the lot given as one number for every ticker, as a per-ticker map (with and without the traded
ticker) and as ``board`` (the bundled table), each resolved by :func:`recall_risk.lots.resolve_lots`
as the runner and the sweep evaluator resolve it. Cash is drawn small enough that a lot of 200
shares (about HK$3,000-11,000 here) binds. A few hypothesis examples per lot form keep the file
quick (backtrader is the slow half).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import BacktestOutput, run_backtest
from recall_risk.bt.registry import strategy_defaults
from recall_risk.events import load_events
from recall_risk.fast import FAST_STRATEGIES, FastResult, prepare, simulate
from recall_risk.lots import LotSpec, board_lot, resolve_lots
from recall_risk.prices import CsvDirectorySource
from recall_risk.strategies import REGISTRY

TICKER = "1810.HK"
EQUITY_CENTS = 0.005
PRICE_TOL = 1e-9
LOT_SPECS: dict[str, LotSpec] = {
    "200": 200,
    "map": {TICKER: 200},
    "map-without-it": {"0175.HK": 1000},
    "board": "board",
}
FEW = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def frame(prices_dir: Path) -> pd.DataFrame:
    """1810.HK with its risk score, 2024-04-01 .. 2025-06-30 (about 300 bars)."""
    prices = CsvDirectorySource(prices_dir).load(TICKER, "2024-04-01", "2025-06-30")
    return risk_frame(prices, load_events("xiaomi_su7"))


def run_both(
    strategy: str,
    frame: pd.DataFrame,
    params: dict[str, Any],
    broker: dict[str, float],
    spec: LotSpec,
) -> tuple[BacktestOutput, FastResult]:
    lots = resolve_lots(spec, [TICKER])
    cls = REGISTRY[strategy]
    bt_out = run_backtest(cls, {TICKER: frame}, params, lot_size=lots, **broker)
    full = {**strategy_defaults(cls), **params}
    fast = simulate(strategy, prepare(frame, TICKER), full, lot_size=lots[TICKER], **broker)
    return bt_out, fast


def assert_same(bt_out: BacktestOutput, fast: FastResult) -> None:
    """Fill for fill (date, side, size, price, commission), equity to the cent on every bar."""
    key = [(f["date"], f["side"], f["size"]) for f in bt_out.fills]
    assert key == [(f["date"], f["side"], f["size"]) for f in fast.fills]
    for ours, theirs in zip(fast.fills, bt_out.fills, strict=True):
        assert theirs["status"] == "filled"
        assert ours["price"] == pytest.approx(theirs["price"], rel=0, abs=PRICE_TOL)
        assert ours["commission"] == pytest.approx(theirs["commission"], rel=0, abs=PRICE_TOL)
    gap = np.abs(bt_out.equity.to_numpy() - fast.equity)
    assert gap.max() <= EQUITY_CENTS, f"equity differs by {gap.max():.6f}"
    pnls = [t["pnl_net"] for t in bt_out.trades]
    np.testing.assert_allclose(fast.trade_pnls, pnls, rtol=0, atol=EQUITY_CENTS)


def params_for(strategy: str, draw: st.DrawFn) -> dict[str, Any]:
    """Valid parameters of ``strategy`` (the refusals are test_fast_engine.py's subject)."""
    params: dict[str, Any] = {}
    if draw(st.booleans()):
        params["max_weight"] = draw(st.floats(0.2, 1.0))
    if strategy in ("risk_exit", "sma_cross_risk"):
        exit_above = draw(st.floats(0.3, 0.95))
        params.update(
            exit_above=exit_above,
            reenter_below=draw(st.floats(0.0, exit_above)),
            min_days_out=draw(st.integers(0, 10)),
        )
    if strategy in ("sma_cross", "sma_cross_risk"):
        slow = draw(st.integers(3, 60))
        params.update(fast=draw(st.integers(1, slow - 1)), slow=slow)
    if strategy == "risk_scaled":
        floor = draw(st.floats(0.0, 0.5))
        params.update(
            risk_floor=floor,
            risk_cap=draw(st.floats(floor + 0.05, 1.0)),
            band=draw(st.sampled_from([0.0, 0.05, 0.2])),
        )
    return params


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, dict[str, Any], dict[str, float], int]:
    strategy = draw(st.sampled_from(sorted(FAST_STRATEGIES)))
    broker = {
        "cash": draw(st.one_of(st.floats(2_000.0, 60_000.0), st.just(100_000.0))),
        "commission": draw(st.sampled_from([0.0, 0.001, 0.0025])),
        "slippage": draw(st.sampled_from([0.0, 0.0005, 0.01])),
    }
    return strategy, params_for(strategy, draw), broker, draw(st.integers(0, 150))


@pytest.mark.parametrize("spec_name", sorted(LOT_SPECS))
@FEW
@given(case=cases())
def test_fast_engine_matches_backtrader_in_board_lots(
    spec_name: str, frame: pd.DataFrame, case: tuple
) -> None:
    strategy, params, broker, first = case
    window = frame.iloc[first:]
    bt_out, fast = run_both(strategy, window, params, broker, LOT_SPECS[spec_name])
    assert_same(bt_out, fast)
    lot = resolve_lots(LOT_SPECS[spec_name], [TICKER])[TICKER]
    assert all(f["size"] % lot == 0 for f in fast.fills)


def test_board_resolves_to_the_bundled_lot_of_1810() -> None:
    assert board_lot(TICKER) == 200
    assert resolve_lots("board", [TICKER]) == {TICKER: 200}
    assert resolve_lots({"0175.HK": 1000}, [TICKER]) == {TICKER: 1}


@pytest.mark.parametrize("spec_name", ["200", "board"])
def test_lots_bind_on_a_small_account(frame: pd.DataFrame, spec_name: str) -> None:
    # HK$20,000 at about HK$15-60 a share: single shares would buy every share the cash pays
    # for, lots of 200 leave the remainder in cash; both engines hold the same whole lots
    broker = {"cash": 20_000.0, "commission": 0.001, "slippage": 0.0}
    bt_out, fast = run_both("buy_and_hold", frame, {}, broker, LOT_SPECS[spec_name])
    assert_same(bt_out, fast)
    (buy,) = fast.fills
    single = (20_000.0 / (buy["price"] * 1.001)) // 1
    assert buy["size"] % 200 == 0 and 0 < buy["size"] < single
    assert buy["size"] == (single // 200) * 200


def test_cash_below_one_lot_buys_nothing_on_either_engine(frame: pd.DataFrame) -> None:
    broker = {"cash": 1_000.0, "commission": 0.001, "slippage": 0.0}  # a lot costs > HK$2,000
    bt_out, fast = run_both("risk_exit", frame, {}, broker, 200)
    assert bt_out.fills == [] and fast.fills == []
    assert_same(bt_out, fast)
    assert np.all(fast.equity == 1_000.0)


def test_fractional_units_ignore_lots(frame: pd.DataFrame) -> None:
    broker = {"cash": 20_000.0, "commission": 0.001, "slippage": 0.0}
    bt_out, fast = run_both("buy_and_hold", frame, {"fractional": True}, broker, 200)
    assert_same(bt_out, fast)
    assert fast.fills[0]["size"] % 200 != 0
