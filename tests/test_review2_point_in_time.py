"""Review 2: nothing after a bar (prices, scores, events) changes anything up to that bar.

Each test plants a change strictly after a cut (wild prices, random scores, a large event
announced later) and demands that every number up to the cut stays *exactly* the same. A path
that peeks ahead (an indicator scored on the whole series, an order sized from tomorrow's close, a
score cut to a window after computing it on the window, a selection that sees a later event)
fails here, whatever the strategy or engine mode.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from recall_risk.bt import risk_frame
from recall_risk.bt.build import make_cerebro, price_feed
from recall_risk.bt.engine import EquityRecorder, FillRecorder, run_backtest
from recall_risk.bt.registry import strategy_defaults
from recall_risk.config import config_from_mapping, load_config
from recall_risk.events import EventSet, load_events
from recall_risk.fast import FAST_STRATEGIES, prepare, simulate
from recall_risk.metrics import METRIC_NAMES
from recall_risk.prices import CsvDirectorySource
from recall_risk.runner import run_config
from recall_risk.strategies import REGISTRY
from recall_risk.study.against import score_jumps
from recall_risk.study.data import study_event_set
from recall_risk.sweep import SweepData, evaluate_points, prepare_sweep_data
from recall_risk.walkforward import run_walkforward

ROOT = Path(__file__).resolve().parents[1]
START, END = "2024-10-01", "2025-09-30"
CUT = 150  # bar index of the last bar whose numbers must not move (2025-05 on 1810.HK)
FAST_CUTS = range(25, 240, 5)  # the fast engine is cheap: cut almost everywhere
MAX_FILL_CUTS = 8  # backtrader runs: cut before each of the first fills
BROKER = {"cash": 100_000.0, "commission": 0.001, "slippage": 0.001}
PARAMS: dict[str, dict[str, Any]] = {
    "buy_and_hold": {},
    "risk_exit": {"exit_above": 0.3, "reenter_below": 0.2, "min_days_out": 3},
    "risk_scaled": {"risk_floor": 0.05, "risk_cap": 0.6, "band": 0.02},
    "sma_cross": {"fast": 5, "slow": 20},
    "sma_cross_risk": {"fast": 5, "slow": 20, "exit_above": 0.3, "reenter_below": 0.2},
    "risk_rotation": {"rebalance_days": 5},
}


def planted_event(event_set: EventSet, announced: date, new_id: str = "planted") -> EventSet:
    """``event_set`` plus a fatal incident (magnitude near 1) announced on ``announced``."""
    crash = event_set.by_id("crash-2025-03-29")
    big = crash.model_copy(
        update={"id": new_id, "occurred": announced, "announced": announced, "fatalities": 40}
    )
    return event_set.replace_events([*event_set.events, big])


def disturb_after(frame: pd.DataFrame, cut: int, seed: int) -> pd.DataFrame:
    """Everything after bar ``cut``'s close replaced by noise, except bar ``cut + 1``'s open, high
    and low (an order decided at bar ``cut``'s close fills at that open, within that range): bar
    ``cut + 1`` gets a wild close and new scores, later bars scaled OHLC and new scores."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    later = np.arange(len(out)) > cut + 1
    n = int(later.sum())
    factor = rng.uniform(0.3, 3.0, n)
    for column in ("open", "high", "low", "close"):
        out.loc[later, column] = out.loc[later, column].to_numpy() * factor
    if cut + 1 < len(out):  # a close far outside the bar's range: adversarial, not realistic
        out.iloc[cut + 1, out.columns.get_loc("close")] *= rng.choice([0.3, 3.0])
    for column in ("score", "recall", "quality", "orders", "incident"):
        if column in out:
            after = np.arange(len(out)) > cut
            out.loc[after, column] = rng.uniform(0.0, 1.0, int(after.sum()))
    return out


@pytest.fixture(scope="module")
def source(prices_dir: Path) -> CsvDirectorySource:
    return CsvDirectorySource(prices_dir)


@pytest.fixture(scope="module")
def frames(source: CsvDirectorySource) -> dict[str, pd.DataFrame]:
    return {
        "1810.HK": risk_frame(source.load("1810.HK", START, END), load_events("xiaomi_su7")),
        "1211.HK": risk_frame(source.load("1211.HK", START, END), load_events("byd")),
    }


def _fills_upto(fills: list[dict[str, Any]], day: pd.Timestamp) -> list[dict[str, Any]]:
    return [f for f in fills if pd.Timestamp(f["date"]) <= day]


def _cuts(fills: list[dict[str, Any]], dates: pd.DatetimeIndex, extra: int) -> list[int]:
    """The bar before each fill (its decision bar: the sharpest cut) and ``extra``."""
    where = {d.date().isoformat(): i for i, d in enumerate(dates)}
    return sorted({where[f["date"]] - 1 for f in fills[:MAX_FILL_CUTS]} | {extra})


@pytest.mark.parametrize("strategy", sorted(FAST_STRATEGIES))
def test_fast_engine_ignores_bars_after_the_cut(frames, strategy: str) -> None:
    frame = frames["1810.HK"]
    full = {**strategy_defaults(REGISTRY[strategy]), **PARAMS[strategy]}
    base = simulate(strategy, prepare(frame), full, **BROKER)
    assert len(base.fills) > (strategy != "buy_and_hold")  # the strategy did trade
    for cut in sorted(set(FAST_CUTS) | set(_cuts(base.fills, frame.index, CUT))):
        day = frame.index[cut + 1]  # the fill at this bar's open was decided at the cut's close
        for seed in range(2):
            changed = prepare(disturb_after(frame, cut, seed))
            other = simulate(strategy, changed, full, **BROKER)
            np.testing.assert_array_equal(base.equity[: cut + 1], other.equity[: cut + 1])
            np.testing.assert_array_equal(base.exposure[: cut + 1], other.exposure[: cut + 1])
            assert _fills_upto(base.fills, day) == _fills_upto(other.fills, day), (cut, seed)


@pytest.mark.parametrize("runonce", [True, False], ids=["runonce", "next"])
@pytest.mark.parametrize("strategy", sorted(REGISTRY))
def test_backtrader_ignores_bars_after_the_cut(frames, strategy: str, runonce: bool) -> None:
    chosen = frames if strategy == "risk_rotation" else {"1810.HK": frames["1810.HK"]}
    kwargs = {**BROKER, "runonce": runonce, "preload": runonce}
    base = run_backtest(REGISTRY[strategy], chosen, PARAMS[strategy], **kwargs)
    assert base.fills  # the strategy did trade
    dates = frames["1810.HK"].index
    for cut in _cuts(base.fills, dates, CUT):
        disturbed = {t: disturb_after(f, cut, i) for i, (t, f) in enumerate(chosen.items())}
        other = run_backtest(REGISTRY[strategy], disturbed, PARAMS[strategy], **kwargs)
        np.testing.assert_array_equal(
            base.equity.iloc[: cut + 1].to_numpy(), other.equity.iloc[: cut + 1].to_numpy()
        )
        day = dates[cut + 1]
        assert _fills_upto(base.fills, day) == _fills_upto(other.fills, day), cut


def _plain_feed_run(
    prices: pd.DataFrame, events: EventSet, runonce: bool
) -> tuple[pd.Series, list[dict[str, Any]]]:
    cerebro = make_cerebro(**BROKER, runonce=runonce, preload=runonce)
    cerebro.adddata(price_feed(prices, name="1810.HK"))
    cerebro.addstrategy(REGISTRY["risk_scaled"], events=events, **PARAMS["risk_scaled"])
    cerebro.addanalyzer(EquityRecorder, _name="equity")
    cerebro.addanalyzer(FillRecorder, _name="fills")
    result = cerebro.run()[0]
    fills = result.analyzers.fills.get_analysis()["fills"]
    assert fills
    return result.analyzers.equity.get_analysis()["value"], fills


@pytest.mark.parametrize("runonce", [True, False], ids=["runonce", "next"])
def test_risk_score_indicator_ignores_later_prices_and_events(source, runonce: bool) -> None:
    """A plain price feed: the strategy's RiskScore indicator is computed from the events. An
    event announced on bar ``CUT + 1``'s date counts from that bar's close, so the order filled at
    its open is the same."""
    prices = source.load("1810.HK", START, END)
    events = load_events("xiaomi_su7")
    later = planted_event(events, prices.index[CUT + 1].date())  # known at that bar's close only
    base, base_fills = _plain_feed_run(prices, events, runonce)
    other, other_fills = _plain_feed_run(disturb_after(prices, CUT, 7), later, runonce)
    np.testing.assert_array_equal(base.iloc[: CUT + 1].to_numpy(), other.iloc[: CUT + 1].to_numpy())
    day = prices.index[CUT + 1]
    assert _fills_upto(base_fills, day) == _fills_upto(other_fills, day)
    assert not base.equals(other)  # the plant is seen after the cut


# --- sweep windows and walk-forward ------------------------------------------------------------


def _sweep_config(tmp_path: Path, prices_dir: Path):
    data = yaml.safe_load((ROOT / "configs" / "xiaomi_su7_sweep.yaml").read_text())
    data["data"].update(source="csv", prices_dir=str(prices_dir))
    data["sweep"]["grid"] = {
        "exit_above": [0.3, 0.6],
        "reenter_below": [0.2],
        "min_days_out": [0, 10],
        "score.half_life_days": [30, 90],
    }
    data["sweep"]["constraints"] = []
    data["sweep"].pop("heatmap", None)
    path = tmp_path / "pit.yaml"
    path.write_text(yaml.safe_dump(data))
    return config_from_mapping(data, source=str(path), base_dir=tmp_path)


@pytest.fixture(scope="module")
def sweep_inputs(tmp_path_factory, prices_dir):
    config = _sweep_config(tmp_path_factory.mktemp("pit"), prices_dir)
    return config, prepare_sweep_data(config)


def _planted_data(data: SweepData, cut: pd.Timestamp) -> SweepData:
    """Prices and benchmark scrambled after ``cut``, and a big event announced the day after."""
    prices = {}
    for ticker, frame in data.prices.items():
        position = int(frame.index.searchsorted(cut, side="right")) - 1
        prices[ticker] = disturb_after(frame, position, 11)
    bench = data.benchmark
    assert bench is not None
    position = int(bench.index.searchsorted(cut, side="right")) - 1
    events = {t: planted_event(s, (cut + timedelta(days=1)).date()) for t, s in data.events.items()}
    return SweepData(prices=prices, benchmark=disturb_after(bench, position, 12), events=events)


POINTS = [
    {"exit_above": 0.3, "reenter_below": 0.2, "min_days_out": 0},
    {"exit_above": 0.6, "reenter_below": 0.2, "score.half_life_days": 30},
    {"strategy": "risk_exit", "exit_above": 0.45, "reenter_below": 0.1},
]


@pytest.mark.parametrize("engine", ["fast", "backtrader"])
def test_sweep_window_sees_nothing_after_its_end(sweep_inputs, engine: str) -> None:
    """A sweep cut to ``start``..``end``: later prices, benchmark bars and events change no row."""
    config, data = sweep_inputs
    start, end = date(2024, 10, 2), date(2025, 6, 30)
    window = {"start": start, "end": end, "engine": engine}
    base = evaluate_points(config, data, POINTS, **window)
    other = evaluate_points(config, _planted_data(data, pd.Timestamp(end)), POINTS, **window)
    pd.testing.assert_frame_equal(base, other)
    assert (base["error"] == "").all() and (base["trades"] > 0).any()
    # and the full-range sweep does see the plant, so the test can tell
    full = evaluate_points(config, _planted_data(data, pd.Timestamp(end)), POINTS, engine=engine)
    assert not full["final_value"].equals(
        evaluate_points(config, data, POINTS, engine=engine)["final_value"]
    )


def test_walkforward_choice_ignores_a_later_event(sweep_inputs) -> None:
    """An event announced after fold 1's train end changes neither its choice nor its in-sample
    numbers (prices unchanged: only the event, which a future-aware score would pick up)."""
    config, data = sweep_inputs
    before = run_walkforward(config, data, folds=3, metric="total_return")
    cut = before.folds[0].fold.train_end
    events = {t: planted_event(s, (cut + timedelta(days=1)).date()) for t, s in data.events.items()}
    changed = SweepData(prices=data.prices, benchmark=data.benchmark, events=events)
    after = run_walkforward(config, changed, folds=3, metric="total_return")
    old, new = before.folds[0], after.folds[0]
    assert old.params == new.params and old.in_sample == new.in_sample
    assert {m: old.in_sample[m] for m in METRIC_NAMES} == {
        m: new.in_sample[m] for m in METRIC_NAMES
    }
    assert before.stitched["value"].to_numpy().tolist() != after.stitched["value"].tolist()


# --- event study: the score jump --------------------------------------------------------------


def test_score_jump_ignores_events_announced_after_day_zero(source) -> None:
    """Each studied event's jump is the score at its day 0: a big event announced the day after
    the last studied day 0 leaves every jump unchanged; announced before the crash, it changes the
    crash's jump (same-component events share the survival product)."""
    event_set = load_events("xiaomi_su7")
    (result,) = study_event_set(event_set, source)
    base = score_jumps(event_set, result)
    last_day0 = max(s.day0 for s in result.studied if s.day0 is not None)
    after = score_jumps(planted_event(event_set, last_day0 + timedelta(days=1)), result)
    pd.testing.assert_frame_equal(base, after)
    before = score_jumps(planted_event(event_set, date(2025, 3, 20)), result)
    crash = base["id"] == "crash-2025-03-29"
    assert before.loc[crash, "score_jump"].iloc[0] != base.loc[crash, "score_jump"].iloc[0]


# --- a whole run ---------------------------------------------------------------------------------


def test_a_run_up_to_a_date_is_the_longer_run_cut_there(prices_dir) -> None:
    """``run_config`` end to end (scores, every strategy, the benchmark): a run ending on E is the
    same, value for value, as a run ending a year later cut at E (the data after E are unseen)."""
    config = load_config(ROOT / "configs" / "xiaomi_su7.yaml")
    short_end = date(2025, 4, 30)  # just after the crash: the risk strategies have traded
    short = config.model_copy(update={"data": config.data.model_copy(update={"end": short_end})})
    long = run_config(config, prices_dir=prices_dir)
    cut = run_config(short, prices_dir=prices_dir)
    stop = pd.Timestamp(short_end)
    for ticker, frame in cut.scores.items():
        pd.testing.assert_frame_equal(frame, long.scores[ticker].loc[:stop])
    runs = {**cut.strategies, "benchmark": cut.benchmark}
    longs = {**long.strategies, "benchmark": long.benchmark}
    for name, run in runs.items():
        assert run is not None and longs[name] is not None
        whole = longs[name].output
        pd.testing.assert_series_equal(run.output.equity, whole.equity.loc[:stop], obj=name)
        pd.testing.assert_series_equal(run.output.exposure, whole.exposure.loc[:stop], obj=name)
        assert run.output.fills == [f for f in whole.fills if f["date"] <= short_end.isoformat()]
    assert sum(len(r.output.fills) for r in cut.strategies.values()) > len(cut.strategies)
