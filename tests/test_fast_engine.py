"""The fast engine against backtrader: same equity to the cent on every bar, same fills and trades.

Hypothesis draws strategy parameters (including values the strategies refuse), broker settings,
score parameters and date windows on real prices (1810.HK with the xiaomi_su7 events, TSLA with
the tesla events); every config in ``configs/`` is also run through both engines for each strategy
the fast engine supports. A mismatch is a bug in :mod:`recall_risk.fast`, never a reason to loosen
the tolerances below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import BacktestOutput, run_backtest
from recall_risk.bt.registry import resolve_strategy, strategy_defaults
from recall_risk.config import load_config
from recall_risk.events import EventSet, load_events
from recall_risk.fast import FAST_STRATEGIES, FastResult, prepare, simulate, supports
from recall_risk.prices import CsvDirectorySource
from recall_risk.runner import resolve_events
from recall_risk.scoring import ComponentWeights, HalfLives, ScoreParams
from recall_risk.strategies import REGISTRY

EQUITY_CENTS = 0.005
NO_SLIP = {"cash": 1e5, "commission": 0.001, "slippage": 0.0}
PRICE_TOL = 1e-9
REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO_ROOT / "configs").glob("*.yaml"))

MARKETS = {
    "1810.HK": ("xiaomi_su7", "2024-04-01", "2026-03-25"),
    "TSLA": ("tesla", "2021-01-04", "2026-03-25"),
}
QUICK = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The thorough test draws from the same distribution as the quick one, so a whole run compares
# 120 + 200 examples per strategy; every outcome (refused by both, no fills, 1-9 fills, 10+ fills)
# is drawn for every strategy on CI's fixed examples (--hypothesis-show-statistics).
THOROUGH = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Market:
    prices: pd.DataFrame
    events: EventSet

    def __repr__(self) -> str:  # keeps hypothesis' failure reports readable
        return f"Market({self.events.ticker}, {len(self.prices)} bars)"


@pytest.fixture(scope="session")
def markets(prices_dir: Path) -> dict[str, Market]:
    source = CsvDirectorySource(prices_dir)
    return {
        ticker: Market(source.load(ticker, start, end), load_events(events))
        for ticker, (events, start, end) in MARKETS.items()
    }


# --- comparison -----------------------------------------------------------------------------


def assert_same(bt_out: BacktestOutput, fast: FastResult, frame: pd.DataFrame) -> None:
    """Equity to the cent on every bar, fills identical, closed trades' net results equal."""
    assert len(bt_out.equity) == len(frame) == len(fast.equity)
    assert list(bt_out.equity.index) == list(frame.index)
    diff = np.abs(bt_out.equity.to_numpy() - fast.equity)
    worst = int(np.argmax(diff)) if len(diff) else 0
    assert diff.max(initial=0.0) <= EQUITY_CENTS, (
        f"equity differs by {diff.max():.6f} on {frame.index[worst].date()}"
    )
    np.testing.assert_allclose(bt_out.exposure.to_numpy(), fast.exposure, rtol=0, atol=1e-7)
    assert [f["status"] for f in bt_out.fills] == ["filled"] * len(bt_out.fills)
    key = [(f["date"], f["side"], f["size"]) for f in bt_out.fills]
    assert key == [(f["date"], f["side"], f["size"]) for f in fast.fills]
    for ours, theirs in zip(fast.fills, bt_out.fills, strict=True):
        assert ours["price"] == pytest.approx(theirs["price"], rel=0, abs=PRICE_TOL)
        assert ours["commission"] == pytest.approx(theirs["commission"], rel=0, abs=PRICE_TOL)
    pnls = [t["pnl_net"] for t in bt_out.trades]
    assert len(pnls) == len(fast.trade_pnls)
    np.testing.assert_allclose(fast.trade_pnls, pnls, rtol=0, atol=EQUITY_CENTS)


def run_both(
    strategy: str, frame: pd.DataFrame, params: dict[str, Any], broker: dict[str, float]
) -> tuple[BacktestOutput | Exception, FastResult | Exception]:
    """Both engines on the same frame; an exception is returned, not raised, to compare."""
    cls = REGISTRY[strategy]
    try:
        bt_out: BacktestOutput | Exception = run_backtest(cls, {"data0": frame}, params, **broker)
    except (ValueError, IndexError) as exc:  # IndexError: backtrader's SMA on too few bars
        bt_out = exc
    full = {**strategy_defaults(cls), **params}
    try:
        fast: FastResult | Exception = simulate(strategy, prepare(frame), full, **broker)
    except ValueError as exc:
        fast = exc
    return bt_out, fast


def check(strategy: str, frame: pd.DataFrame, params: dict[str, Any], broker: dict) -> str:
    """Assert both engines agree (or both refuse); return what happened, for statistics."""
    bt_out, fast = run_both(strategy, frame, params, broker)
    if isinstance(bt_out, Exception) or isinstance(fast, Exception):
        assert isinstance(bt_out, Exception), f"only the fast engine refused: {fast}"
        assert isinstance(fast, Exception), f"only backtrader refused: {bt_out!r}"
        if isinstance(bt_out, ValueError):  # same refusal, same words
            assert str(fast) == str(bt_out)
        return "refused by both"
    assert_same(bt_out, fast, frame)
    fills = len(bt_out.fills)
    return "compared, " + ("no fills" if not fills else "1-9 fills" if fills < 10 else "10+ fills")


# --- hypothesis strategies -----------------------------------------------------------------

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
max_weights = st.one_of(st.just(1.0), st.floats(min_value=0.05, max_value=1.0), st.just(1.2))


@st.composite
def gate_params(draw: st.DrawFn) -> dict[str, Any]:
    """exit/re-entry thresholds, usually ordered, sometimes crossed (the strategies refuse)."""
    a, b = draw(st.floats(0.0, 0.95)), draw(st.floats(0.0, 0.95))
    exit_above, reenter_below = (max(a, b), min(a, b)) if draw(st.integers(0, 9)) else (a, b)
    return {
        "exit_above": exit_above,
        "reenter_below": reenter_below,
        "min_days_out": draw(st.integers(0, 30)),
    }


@st.composite
def sma_params(draw: st.DrawFn) -> dict[str, int]:
    """SMA periods, including fast >= slow and windows longer than the data."""
    slow = draw(st.one_of(st.integers(2, 60), st.integers(2, 150)))
    if draw(st.integers(0, 9)):
        fast = draw(st.integers(1, slow - 1))
    else:
        fast = draw(st.one_of(st.integers(slow, slow + 5), st.just(0)))
    return {"fast": fast, "slow": slow}


@st.composite
def strategy_params(draw: st.DrawFn, strategy: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if draw(st.booleans()):
        params["max_weight"] = draw(max_weights)
    if draw(st.integers(0, 4)) == 0:  # the benchmark's sizing: fractional units
        params["fractional"] = True
    if strategy in ("risk_exit", "sma_cross_risk"):
        params.update(draw(gate_params()))
    if strategy in ("sma_cross", "sma_cross_risk"):
        params.update(draw(sma_params()))
    if strategy == "risk_scaled":
        floor, cap = draw(st.floats(0.0, 0.9)), draw(st.floats(0.01, 1.0))
        if draw(st.integers(0, 9)):
            floor, cap = min(floor, cap), max(floor, cap)
        params.update(
            risk_floor=floor,
            risk_cap=cap,
            band=draw(st.one_of(st.just(0.0), st.floats(0.0, 0.5))),
        )
    return params


brokers = st.fixed_dictionaries(
    {
        "cash": st.one_of(st.just(100_000.0), st.floats(500.0, 5e6)),
        "commission": st.one_of(st.just(0.0), st.just(0.001), st.floats(0.0, 0.02)),
        "slippage": st.one_of(st.just(0.0), st.just(0.0005), st.floats(0.0, 0.02)),
    }
)

score_params = st.builds(
    ScoreParams,
    recall_scale=st.floats(0.02, 1.0),
    orders_scale=st.floats(0.1, 2.0),
    half_life_days=st.builds(
        HalfLives,
        recall=st.floats(5.0, 400.0),
        quality=st.floats(5.0, 400.0),
        orders=st.floats(5.0, 400.0),
        incident=st.floats(5.0, 400.0),
    ),
    weights=st.builds(ComponentWeights, recall=unit, quality=unit, orders=unit, incident=unit),
)


@st.composite
def frames(draw: st.DrawFn, markets: dict[str, Market]) -> pd.DataFrame:
    """A risk frame on a random window of one of the real markets."""
    market = markets[draw(st.sampled_from(sorted(markets)))]
    n = len(market.prices)
    # windows up to 450 bars (were 700): three times the longest SMA drawn (150 bars);
    # backtrader's time grows with the bars (a run took about 60 ms at 300 bars and 80 ms at
    # 700 when measured)
    length = draw(st.one_of(st.integers(5, 80), st.integers(80, min(n, 450))))
    first = draw(st.integers(0, n - length))
    params = draw(st.one_of(st.none(), score_params))
    return risk_frame(market.prices.iloc[first : first + length], market.events, params)


def _property(strategy: str, markets: dict[str, Market], data: st.DataObject) -> None:
    frame = data.draw(frames(markets), label="frame")
    params = data.draw(strategy_params(strategy), label="params")
    broker = data.draw(brokers, label="broker")
    event(check(strategy, frame, params, broker))


@pytest.mark.parametrize("strategy", sorted(FAST_STRATEGIES))
@QUICK
@given(data=st.data())
def test_fast_engine_matches_backtrader(
    strategy: str, markets: dict[str, Market], data: st.DataObject
) -> None:
    _property(strategy, markets, data)


@pytest.mark.slow
@pytest.mark.parametrize("strategy", sorted(FAST_STRATEGIES))
@THOROUGH
@given(data=st.data())
def test_fast_engine_matches_backtrader_thoroughly(
    strategy: str, markets: dict[str, Market], data: st.DataObject
) -> None:
    _property(strategy, markets, data)


# --- the configs ----------------------------------------------------------------------------


def _config_cases() -> list[Any]:
    cases = []
    for path in CONFIGS:
        config = load_config(path)
        for s in config.strategies:
            cls = resolve_strategy(s.strategy, base_dir=path.parent)
            names = [name for name, known in REGISTRY.items() if known is cls]
            if len(config.data.tickers) == 1 and names and supports(names[0]):
                cases.append(pytest.param(path, s.name, names[0], id=f"{path.stem}-{s.name}"))
    return cases


CONFIG_CASES = _config_cases()


def test_some_config_strategies_are_compared() -> None:
    assert {c.values[2] for c in CONFIG_CASES} == set(FAST_STRATEGIES)


@pytest.fixture(scope="session")
def config_frames(prices_dir: Path) -> dict[Path, pd.DataFrame]:
    """Each single-ticker config's risk frame: its prices, events and score parameters."""
    out = {}
    for path in sorted({c.values[0] for c in CONFIG_CASES}):
        config = load_config(path)
        (ticker,) = config.data.tickers
        prices = CsvDirectorySource(prices_dir).load(ticker, config.data.start, config.data.end)
        events = resolve_events(config).get(ticker)
        out[path] = risk_frame(prices, events, ScoreParams.from_mapping(config.score))
    return out


@pytest.mark.parametrize(("path", "run_name", "strategy"), CONFIG_CASES)
def test_configs_match_backtrader(
    path: Path, run_name: str, strategy: str, config_frames: dict[Path, pd.DataFrame]
) -> None:
    config = load_config(path)
    frame = config_frames[path]
    (run,) = [s for s in config.strategies if s.name == run_name]
    broker = config.broker.model_dump()
    bt_out, fast = run_both(strategy, frame, dict(run.params), broker)
    assert not isinstance(bt_out, Exception) and not isinstance(fast, Exception)
    assert bt_out.fills, "a config run that never trades proves little"
    assert_same(bt_out, fast, frame)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_configs_with_random_overrides_match_backtrader(
    config_frames: dict[Path, pd.DataFrame], data: st.DataObject
) -> None:
    """A config's strategy entry with some of its parameters and broker settings redrawn."""
    path, run_name, strategy = data.draw(st.sampled_from([c.values for c in CONFIG_CASES]))
    config = load_config(path)
    (run,) = [s for s in config.strategies if s.name == run_name]
    drawn = data.draw(strategy_params(strategy), label="params")
    keep = data.draw(st.sets(st.sampled_from(sorted(drawn))) if drawn else st.just(set()))
    params = {**run.params, **{k: v for k, v in drawn.items() if k not in keep}}
    broker = {**config.broker.model_dump(), **data.draw(st.one_of(st.just({}), brokers))}
    event(check(strategy, config_frames[path], params, broker))


# --- edges ----------------------------------------------------------------------------------


def test_supports_names_the_reference_strategies() -> None:
    assert {
        "buy_and_hold",
        "risk_exit",
        "risk_scaled",
        "sma_cross",
        "sma_cross_risk",
    } == FAST_STRATEGIES
    assert all(supports(name) and name in REGISTRY for name in FAST_STRATEGIES)
    assert not supports("risk_rotation")
    assert not supports("recall_risk.strategies.risk_exit:RiskExit")
    assert not supports("")


def test_unknown_strategy_is_refused(markets: dict[str, Market]) -> None:
    frame = risk_frame(markets["TSLA"].prices.iloc[:30], None)
    with pytest.raises(ValueError, match="risk_rotation"):
        simulate("risk_rotation", prepare(frame), {}, cash=1e5, commission=0.0, slippage=0.0)


@pytest.mark.parametrize("where", [0, 17, -1])
def test_nan_scores_are_refused(markets: dict[str, Market], where: int) -> None:
    frame = risk_frame(markets["1810.HK"].prices.iloc[:60], markets["1810.HK"].events)
    frame.iloc[where, frame.columns.get_loc("score")] = math.nan
    params = strategy_defaults(REGISTRY["risk_exit"])
    with pytest.raises(ValueError, match="NaN"):
        simulate("risk_exit", prepare(frame), params, cash=1e5, commission=0.001, slippage=0.0)


@pytest.mark.parametrize(
    ("strategy", "params"),
    [
        ("sma_cross", {"fast": 20, "slow": 20}),
        ("sma_cross", {"fast": 30, "slow": 20}),
        ("sma_cross_risk", {"fast": 0, "slow": 5}),
        ("sma_cross", {"fast": 5, "slow": 61}),  # longer than the 60 bars
        ("risk_exit", {"exit_above": 0.2, "reenter_below": 0.5}),
        ("risk_exit", {"min_days_out": -1}),
        ("risk_scaled", {"risk_floor": 0.5, "risk_cap": 0.5}),
        ("buy_and_hold", {"max_weight": 1.5}),
    ],
)
def test_refusals_match_backtrader(
    markets: dict[str, Market], strategy: str, params: dict[str, Any]
) -> None:
    frame = risk_frame(markets["1810.HK"].prices.iloc[:60], markets["1810.HK"].events)
    bt_out, fast = run_both(strategy, frame, params, NO_SLIP)
    assert isinstance(bt_out, Exception) and isinstance(fast, ValueError)


def test_sma_on_exactly_slow_bars_runs_without_trading(markets: dict[str, Market]) -> None:
    frame = risk_frame(markets["TSLA"].prices.iloc[:30], None)
    assert check("sma_cross", frame, {"fast": 5, "slow": 30}, NO_SLIP) == "compared, no fills"


def test_max_weight_below_one_rebalances_to_full_weight(markets: dict[str, Market]) -> None:
    """risk_scaled's band must let the weight come back to its own full weight (``max_weight``),
    not only to 1.0."""
    m = markets["1810.HK"]
    frame = risk_frame(m.prices, m.events)
    params = {"max_weight": 0.6, "risk_floor": 0.1, "risk_cap": 0.7, "band": 0.3}
    bt_out, fast = run_both("risk_scaled", frame, params, NO_SLIP)
    assert not isinstance(fast, Exception) and not isinstance(bt_out, Exception)
    assert_same(bt_out, fast, frame)


# --- warm-up: trading from a later bar (walk-forward windows) -------------------------------


def check_from(strategy: str, frame: pd.DataFrame, params: dict, broker: dict, k: int) -> str:
    """Both engines warm up on bars before ``k`` and trade from its open: same curve from ``k``,
    same fills (all on or after bar ``k``), same closed trades."""
    cls = REGISTRY[strategy]
    start = frame.index[k]
    try:
        bt_out: BacktestOutput | Exception = run_backtest(
            cls, {"data0": frame}, {**params, "trade_from": start.date()}, **broker
        )
    except (ValueError, IndexError) as exc:
        bt_out = exc
    full = {**strategy_defaults(cls), **params}
    try:
        fast: FastResult | Exception = simulate(
            strategy, prepare(frame), full, **broker, trade_from=k
        )
    except ValueError as exc:
        fast = exc
    if isinstance(bt_out, Exception) or isinstance(fast, Exception):
        assert isinstance(bt_out, Exception) and isinstance(fast, Exception), (bt_out, fast)
        if isinstance(bt_out, ValueError):  # same refusal, same words
            assert str(fast) == str(bt_out)
        return "refused by both"
    bt_cut = replace(bt_out, equity=bt_out.equity.loc[start:], exposure=bt_out.exposure.loc[start:])
    assert (bt_out.equity.loc[:start].iloc[:-1] == broker["cash"]).all()  # nothing traded before
    assert all(pd.Timestamp(f["date"]) >= start for f in bt_out.fills)
    assert_same(bt_cut, fast, frame.iloc[k:])
    return "compared from a later bar, " + ("no fills" if not bt_out.fills else "with fills")


@pytest.mark.parametrize("strategy", sorted(FAST_STRATEGIES))
@QUICK
@given(data=st.data())
def test_warm_up_then_trade_matches_backtrader(
    strategy: str, markets: dict[str, Market], data: st.DataObject
) -> None:
    frame = data.draw(frames(markets), label="frame")
    params = data.draw(strategy_params(strategy), label="params")
    broker = data.draw(brokers, label="broker")
    k = data.draw(st.integers(0, len(frame) - 2), label="trade_from")
    event(check_from(strategy, frame, params, broker, k))


def test_a_commission_too_small_to_change_one_plus_it_still_counts(markets):
    # found by hypothesis: 100,000 / 16.00 is exactly 6,250 shares, and 1 + 1.1e-308 == 1.0, so
    # sizing by cash / (price * (1 + commission)) bought 6,250 shares whose commission then
    # exceeded the cash: backtrader refused the order for margin, the fast engine filled it
    frame = risk_frame(
        markets["1810.HK"].prices.loc["2024-04-18":"2024-04-24"], markets["1810.HK"].events
    )
    broker = {"cash": 100_000.0, "commission": 1.1125369292536007e-308, "slippage": 0.0}
    assert check("sma_cross", frame, {"fast": 1, "slow": 2}, broker) == "compared, 1-9 fills"
    bt_out, _ = run_both("sma_cross", frame, {"fast": 1, "slow": 2}, broker)
    assert [(f["size"], f["status"]) for f in bt_out.fills] == [(6249, "filled")]


def test_affordable_units_match_the_brokers_check():
    from recall_risk.signals import affordable_units

    assert affordable_units(100_000.0, 16.0, 0.0) == 6250
    assert affordable_units(100_000.0, 16.0, 1e-308) == 6249
    assert affordable_units(100_000.0, 16.0, 0.001) == 6243
    units = affordable_units(100_000.0, 16.0, 1e-308, fractional=True)
    assert (100_000.0 - units * 16.0) - units * 16.0 * 1e-308 >= 0 and units > 6249.99
    assert affordable_units(10.0, 16.0, 0.001) == 0
