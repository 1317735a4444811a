"""Issue 3's must-shows on real prices: when ``risk_exit`` leaves, what buy-and-hold ends with.

Everything here runs the reference strategies through :func:`recall_risk.bt.engine.run_backtest`
on the real daily CSVs of ``../shared/data/prices`` (the ``prices_dir`` fixture) with the bundled
event sets, and checks the results against facts computed independently of our loaders (the CSV is
read with the ``csv`` module) or against the score itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import BacktestOutput, run_backtest
from recall_risk.events import EventSet, load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.strategies import (
    BuyAndHold,
    RiskExit,
    RiskRotation,
    RiskScaled,
    SmaCross,
    SmaCrossRisk,
)

XIAOMI = ("1810.HK", "2024-04-01", "2026-03-25")
TESLA = ("TSLA", "2021-01-04", "2026-03-25")
ROTATION = {
    "1810.HK": "xiaomi_su7",
    "1211.HK": "byd",
    "2015.HK": "li_auto",
    "9868.HK": "xpeng",
    "9866.HK": None,  # NIO: no bundled events, its score stays 0
}
ROTATION_RANGE = ("2022-03-10", "2025-10-30")
CASH = 100_000.0
COMMISSION = 0.001


def load_frame(prices_dir: Path, ticker: str, start: str, end: str, events) -> pd.DataFrame:
    prices = CsvDirectorySource(prices_dir).load(ticker, start, end)
    return risk_frame(prices, events)


@pytest.fixture(scope="module")
def xiaomi_events() -> EventSet:
    return load_events("xiaomi_su7")


@pytest.fixture(scope="module")
def xiaomi_prices(prices_dir) -> pd.DataFrame:
    return CsvDirectorySource(prices_dir).load(*XIAOMI)


@pytest.fixture(scope="module")
def xiaomi_frame(xiaomi_prices, xiaomi_events) -> pd.DataFrame:
    return risk_frame(xiaomi_prices, xiaomi_events)


@pytest.fixture(scope="module")
def tesla_frame(prices_dir) -> pd.DataFrame:
    return load_frame(prices_dir, *TESLA, load_events("tesla"))


@pytest.fixture(scope="module")
def rotation_frames(prices_dir) -> dict[str, pd.DataFrame]:
    return {
        ticker: load_frame(prices_dir, ticker, *ROTATION_RANGE, load_events(name) if name else None)
        for ticker, name in ROTATION.items()
    }


def first_bar_at_or_above(frame: pd.DataFrame, threshold: float) -> int:
    above = np.flatnonzero(frame["score"].to_numpy() >= threshold)
    assert above.size, f"the score never reaches {threshold}"
    return int(above[0])


def day(frame: pd.DataFrame, bar: int) -> str:
    return frame.index[bar].date().isoformat()


# --- risk_exit leaves on the bar after the crossing, not a bar earlier --------------------------


def check_exit_follows_the_crossing(out: BacktestOutput, frame: pd.DataFrame, exit_above: float):
    """The sell fills at the open right after the crossing bar; fully invested until then."""
    crossing = first_bar_at_or_above(frame, exit_above)
    sells = [f for f in out.fills if f["side"] == "sell"]
    assert sells, "risk_exit never sold"
    first_sell = sells[0]
    assert first_sell["date"] == day(frame, crossing + 1)
    assert first_sell["price"] == frame["open"].iloc[crossing + 1]
    buys = [f for f in out.fills if f["side"] == "buy" and f["date"] <= first_sell["date"]]
    assert len(buys) == 1 and buys[0]["date"] == day(frame, 1)
    assert first_sell["size"] == buys[0]["size"]  # everything goes
    exposure = out.exposure.to_numpy()
    assert exposure[0] == 0.0  # decided at the first close, bought at the second open
    assert (exposure[1 : crossing + 1] > 0.99).all()  # still in at the crossing bar's close
    assert exposure[crossing + 1] == 0.0  # out from the next bar
    return crossing


def test_risk_exit_leaves_the_bar_after_the_score_crosses(xiaomi_frame, xiaomi_events):
    out = run_backtest(RiskExit, {"1810.HK": xiaomi_frame}, {"exit_above": 0.5})
    crossing = check_exit_follows_the_crossing(out, xiaomi_frame, 0.5)
    # the crossing is the SAMR recall of January 2025, on its announcement day
    announced = {e.announced for e in xiaomi_events}
    assert xiaomi_frame.index[crossing].date() in announced
    assert xiaomi_frame["score"].iloc[crossing - 1] < 0.5


@pytest.mark.parametrize("exit_above", [0.3, 0.5, 0.55])
def test_risk_exit_threshold_moves_the_exit_with_the_score(xiaomi_frame, exit_above):
    out = run_backtest(
        RiskExit, {"1810.HK": xiaomi_frame}, {"exit_above": exit_above, "reenter_below": 0.2}
    )
    check_exit_follows_the_crossing(out, xiaomi_frame, exit_above)


def shifted(events: EventSet, event_id: str, days: int) -> EventSet:
    """``events`` with one event announced ``days`` calendar days later."""
    moved = events.by_id(event_id)
    later = moved.model_copy(update={"announced": moved.announced + dt.timedelta(days=days)})
    return events.replace_events(later if e.id == event_id else e for e in events)


@pytest.mark.parametrize("days", [1, 3, 17, 45])
def test_announcing_the_crossing_event_later_moves_the_exit_with_it(
    xiaomi_prices, xiaomi_frame, xiaomi_events, days
):
    original = first_bar_at_or_above(xiaomi_frame, 0.5)
    trigger = next(e for e in xiaomi_events if e.announced == xiaomi_frame.index[original].date())
    events = shifted(xiaomi_events, trigger.id, days)
    frame = risk_frame(xiaomi_prices, events)
    out = run_backtest(RiskExit, {"1810.HK": frame}, {"exit_above": 0.5})
    crossing = check_exit_follows_the_crossing(out, frame, 0.5)
    # the exit is now on the first trading day on or after the new announcement date
    new_day = pd.Timestamp(trigger.announced + dt.timedelta(days=days))
    assert crossing == int(xiaomi_frame.index.searchsorted(new_day))
    assert crossing > original
    # and nothing before the old crossing changed: same buy, same values bar by bar
    baseline = run_backtest(RiskExit, {"1810.HK": xiaomi_frame}, {"exit_above": 0.5})
    assert out.fills[0] == baseline.fills[0]
    pd.testing.assert_series_equal(
        out.equity.iloc[: original + 1], baseline.equity.iloc[: original + 1]
    )


# --- buy-and-hold by hand from the CSV -----------------------------------------------------------


def read_csv_rows(path: Path, start: str, end: str) -> list[tuple[str, float, float]]:
    """(date, open, close) of every row in [start, end], read with the csv module."""
    with path.open(newline="") as handle:
        rows = [
            (row["Date"], float(row["Open"]), float(row["Close"]))
            for row in csv.DictReader(handle)
            if start <= row["Date"] <= end
        ]
    return sorted(rows)


@pytest.mark.parametrize(
    ("ticker", "start", "end", "events"),
    [(*XIAOMI, "xiaomi_su7"), (*TESLA, "tesla")],
)
def test_buy_and_hold_final_value_by_hand(prices_dir, ticker, start, end, events):
    rows = read_csv_rows(prices_dir / f"{ticker}.csv", start, end)
    # first open to last close: sized and filled at the first bar's open, integer shares that
    # fit the whole portfolio value (all cash) after commission
    fill_open = rows[0][1]
    shares = math.floor(CASH / (fill_open * (1.0 + COMMISSION)))
    cash_left = CASH - shares * fill_open - shares * fill_open * COMMISSION
    expected = cash_left + shares * rows[-1][2]

    frame = load_frame(prices_dir, ticker, start, end, load_events(events))
    out = run_backtest(BuyAndHold, {ticker: frame}, cash=CASH, commission=COMMISSION)
    assert len(out.equity) == len(rows)
    assert out.equity.index[-1].date().isoformat() == rows[-1][0]
    assert out.fills == [
        {
            "date": rows[0][0],
            "ticker": ticker,
            "side": "buy",
            "size": shares,
            "price": fill_open,
            "value": shares * fill_open,
            "commission": pytest.approx(shares * fill_open * COMMISSION, abs=1e-9),
            "status": "filled",
        }
    ]
    assert round(out.equity.iloc[-1], 2) == round(expected, 2)
    assert out.equity.iloc[-1] == pytest.approx(expected, abs=0.005)
    assert out.equity.iloc[0] == pytest.approx(cash_left + shares * rows[0][2], abs=1e-6)


# --- other tickers and the rotation universe -----------------------------------------------------


def check_sane(out: BacktestOutput, frames: dict[str, pd.DataFrame]) -> None:
    equity = out.equity.to_numpy()
    assert len(equity) == len(next(iter(frames.values())))
    assert np.isfinite(equity).all() and (equity > 0).all()
    frame = next(iter(frames.values()))
    first_day = frame.index[0].date().isoformat()
    on_first = [f for f in out.fills if f["date"] == first_day]
    # nothing happens before the first fill; buy-and-hold fills at the first bar's open
    spent = sum(f["value"] + f["commission"] for f in on_first if f["side"] == "buy")
    held = sum(f["size"] * frame["close"].iloc[0] for f in on_first if f["side"] == "buy")
    assert equity[0] == pytest.approx(CASH - spent + held, abs=1e-6)
    exposure = out.exposure.to_numpy()
    assert ((exposure >= 0) & (exposure <= 1.0 + 1e-9)).all()
    assert {f["status"] for f in out.fills} <= {"filled"}
    # the portfolio cannot move more on a day than its most volatile holding could carry it
    moves = np.abs(np.diff(equity) / equity[:-1])
    worst = max(np.nanmax(np.abs(f["close"].pct_change().to_numpy()[1:])) for f in frames.values())
    gap = max(
        np.nanmax(np.abs(f["open"].to_numpy()[1:] / f["close"].to_numpy()[:-1] - 1))
        for f in frames.values()
    )
    assert moves.max() <= worst + gap + 0.01


SINGLE = [
    (BuyAndHold, {}),
    (RiskExit, {"exit_above": 0.5, "reenter_below": 0.3}),
    (RiskScaled, {}),
    (SmaCross, {}),
    (SmaCrossRisk, {}),
]


@pytest.mark.parametrize(("strategy", "params"), SINGLE, ids=lambda v: getattr(v, "__name__", ""))
def test_strategies_on_tesla_are_sane(tesla_frame, strategy, params):
    frames = {"TSLA": tesla_frame}
    out = run_backtest(strategy, frames, params, cash=CASH)
    check_sane(out, frames)
    assert out.fills  # every strategy trades at least once on five years of Tesla


def test_risk_exit_on_tesla_exits_after_its_crossing(tesla_frame):
    if tesla_frame["score"].max() < 0.5:
        pytest.fail("the bundled tesla events never reach 0.5: pick another threshold")
    out = run_backtest(RiskExit, {"TSLA": tesla_frame}, {"exit_above": 0.5}, cash=CASH)
    check_exit_follows_the_crossing(out, tesla_frame, 0.5)


def test_rotation_frames_share_one_calendar(rotation_frames):
    indexes = [f.index for f in rotation_frames.values()]
    assert all(index.equals(indexes[0]) for index in indexes)
    assert (rotation_frames["9866.HK"]["score"] == 0.0).all()
    assert all(rotation_frames[t]["score"].max() > 0 for t in ROTATION if ROTATION[t])


@pytest.mark.parametrize("tilt", [0.0, 1.5])
def test_rotation_universe_is_sane(rotation_frames, tilt):
    out = run_backtest(RiskRotation, rotation_frames, {"tilt": tilt}, cash=CASH)
    check_sane(out, rotation_frames)
    first_day = day(rotation_frames["1810.HK"], 1)
    assert sorted(f["ticker"] for f in out.fills if f["date"] == first_day) == sorted(ROTATION)
    assert out.exposure.iloc[1:].min() > 0.9  # always nearly fully invested


def test_rotation_tilt_moves_weight_away_from_high_scores(rotation_frames):
    plain = run_backtest(RiskRotation, rotation_frames, {"tilt": 0.0}, cash=CASH)
    tilted = run_backtest(RiskRotation, rotation_frames, {"tilt": 1.5}, cash=CASH)
    assert plain.fills != tilted.fills
    # while Xiaomi's score is high, the tilted rotation holds a smaller share of it
    xiaomi = rotation_frames["1810.HK"]
    bar = first_bar_at_or_above(xiaomi, 0.5) + 2
    assert held(tilted, "1810.HK", day(xiaomi, bar)) < held(plain, "1810.HK", day(xiaomi, bar))


def held(out: BacktestOutput, ticker: str, upto: str) -> float:
    """Shares of ``ticker`` held after the fills up to and including ``upto``."""
    return sum(
        f["size"] if f["side"] == "buy" else -f["size"]
        for f in out.fills
        if f["ticker"] == ticker and f["date"] <= upto
    )


# --- identical in every engine mode --------------------------------------------------------------

MODES = [(True, True), (True, False), (False, True), (False, False)]


def run_all_modes(strategy, frames, params) -> list[BacktestOutput]:
    return [
        run_backtest(strategy, frames, params, cash=CASH, runonce=runonce, preload=preload)
        for runonce, preload in MODES
    ]


def check_identical(outputs: list[BacktestOutput]) -> None:
    first = outputs[0]
    for other in outputs[1:]:
        pd.testing.assert_series_equal(other.equity, first.equity, check_exact=True)
        pd.testing.assert_series_equal(other.exposure, first.exposure, check_exact=True)
        assert other.fills == first.fills
        assert other.trades == first.trades
        assert other.risk == first.risk


@pytest.mark.parametrize(
    ("strategy", "params"),
    [*SINGLE, (RiskExit, {"exit_above": 0.3, "min_days_out": 10})],
    ids=lambda v: getattr(v, "__name__", "") or str(v),
)
def test_xiaomi_and_tesla_identical_in_every_mode(xiaomi_frame, tesla_frame, strategy, params):
    check_identical(run_all_modes(strategy, {"1810.HK": xiaomi_frame}, params))
    check_identical(run_all_modes(strategy, {"TSLA": tesla_frame}, params))


def test_rotation_identical_in_every_mode(rotation_frames):
    check_identical(run_all_modes(RiskRotation, rotation_frames, {"tilt": 1.5}))


def gate_flips(scores: list[float], exit_above: float, reenter_below: float, min_days_out: int):
    """Bars whose close flips risk_exit in or out, replayed from the documented rule."""
    invested, bars_out, flips = True, 0, []
    for bar, score in enumerate(scores):
        if invested and score >= exit_above:
            invested, bars_out = False, 0
            flips.append((bar, "sell"))
        elif not invested:
            bars_out += 1
            if score < reenter_below and bars_out >= min_days_out:
                invested = True
                flips.append((bar, "buy"))
    return flips


@pytest.mark.parametrize(
    ("exit_above", "reenter_below", "min_days_out"),
    [(0.55, 0.5, 0), (0.55, 0.5, 15), (0.6, 0.45, 0), (0.3, 0.1, 5)],
)
@pytest.mark.parametrize("which", ["xiaomi", "tesla"])
def test_risk_exit_trades_on_the_bar_after_every_flip(
    xiaomi_frame, tesla_frame, which, exit_above, reenter_below, min_days_out
):
    frame = xiaomi_frame if which == "xiaomi" else tesla_frame
    params = {"exit_above": exit_above, "reenter_below": reenter_below}
    out = run_backtest(RiskExit, {"X": frame}, {**params, "min_days_out": min_days_out})
    flips = gate_flips(frame["score"].tolist(), exit_above, reenter_below, min_days_out)
    expected = [(day(frame, 1), "buy")] + [
        (day(frame, bar + 1), side) for bar, side in flips if bar + 1 < len(frame)
    ]
    assert [(f["date"], f["side"]) for f in out.fills] == expected
    for fill in out.fills:  # every fill at that bar's open
        assert fill["price"] == frame["open"].loc[fill["date"]]
