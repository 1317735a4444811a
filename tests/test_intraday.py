"""Intraday feeds: several bars a day. Events carry a date, not a time, so a bar of day D gets the
score as of D-1's close (an event announced on D may come after it) — the same in every runonce /
preload mode, for the ``RiskScore`` indicator and for ``risk_frame``/``RiskData``."""

from __future__ import annotations

import datetime as dt

import backtrader as bt
import numpy as np
import pandas as pd
import pytest

from recall_risk.bt import (
    RISK_LINES,
    FrameData,
    RiskData,
    RiskScore,
    RiskStrategy,
    make_cerebro,
    risk_frame,
)
from recall_risk.errors import ConfigError
from recall_risk.events import Incident
from recall_risk.scoring import score_bars, score_events

MODES = [
    pytest.param(True, True, 0, id="runonce-preload"),
    pytest.param(True, False, 0, id="runonce-nopreload"),
    pytest.param(False, True, 0, id="next-preload"),
    pytest.param(False, False, 0, id="next-nopreload"),
    pytest.param(True, True, 1, id="exactbars1"),
]
CRASH = Incident(id="crash", announced=dt.date(2025, 3, 31), fatalities=3, source="test")


def hourly_frame() -> pd.DataFrame:
    """Two bars a day (10:00 and 15:00) over the weekdays 2025-03-24 .. 2025-04-04."""
    days = pd.bdate_range("2025-03-24", "2025-04-04")
    stamps = [d + pd.Timedelta(hours=h) for d in days for h in (10, 15)]
    frame = pd.DataFrame({c: np.linspace(10, 11, len(stamps)) for c in ("open", "high", "low")})
    frame["close"] = frame["open"]
    frame["volume"] = 100.0
    frame.index = pd.DatetimeIndex(stamps, name="date")
    return frame


class Recorder(bt.Strategy):
    params = (("events", ()),)

    def __init__(self) -> None:
        self.ind = RiskScore(self.data, events=self.p.events)
        self.rows: list[tuple[dt.datetime, tuple[float, ...]]] = []

    def next(self) -> None:
        self.rows.append((self.data.datetime.datetime(0), tuple(x[0] for x in self.ind.lines)))


def run(frame: pd.DataFrame, runonce: bool, preload: bool, exactbars: int) -> Recorder:
    cerebro = bt.Cerebro(stdstats=False, runonce=runonce, preload=preload)
    cerebro.adddata(FrameData(dataname=frame, timeframe=bt.TimeFrame.Minutes, compression=60))
    cerebro.addstrategy(Recorder, events=(CRASH,))
    return cerebro.run(exactbars=exactbars)[0]


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_indicator_on_two_bars_a_day_uses_the_previous_close(runonce, preload, exactbars):
    frame = hourly_frame()
    strategy = run(frame, runonce, preload, exactbars)
    assert len(strategy.rows) == len(frame)
    previous = pd.DatetimeIndex([t.date() - dt.timedelta(days=1) for t, _ in strategy.rows])
    expected = score_events([CRASH], previous.unique())
    for stamp, values in strategy.rows:
        day = pd.Timestamp(stamp.date() - dt.timedelta(days=1))
        assert values == tuple(expected.loc[day, list(RISK_LINES)])
    # no bar of the announcement day sees the crash; the next day's first bar does
    by_time = dict(strategy.rows)
    assert by_time[dt.datetime(2025, 3, 31, 15)][0] == 0.0
    assert by_time[dt.datetime(2025, 4, 1, 10)][0] > 0.0


def test_indicator_is_identical_in_every_mode():
    frame = hourly_frame()
    rows = [run(frame, *mode.values).rows for mode in MODES]
    assert all(r == rows[0] for r in rows[1:])


def test_risk_frame_of_intraday_prices_lags_a_day_like_the_indicator():
    frame = hourly_frame()
    scored = risk_frame(frame, [CRASH])
    recorded = run(frame, True, True, 0).rows
    assert scored["score"].tolist() == [values[0] for _, values in recorded]
    assert scored.loc["2025-03-31", "score"].eq(0.0).all()
    assert scored.loc["2025-04-01", "score"].gt(0.0).all()


def test_daily_prices_keep_their_own_date():
    days = pd.bdate_range("2025-03-24", "2025-04-04", name="date")
    frame = hourly_frame().iloc[::2].set_axis(days)
    scored = risk_frame(frame, [CRASH])
    assert scored["score"].tolist() == score_events([CRASH], days)["score"].tolist()
    assert scored.loc["2025-03-31", "score"] > 0.0


def test_score_bars_refuses_unsorted_bars():
    with pytest.raises(ConfigError, match="sorted"):
        score_bars([CRASH], pd.DatetimeIndex(["2025-04-02", "2025-04-01"]))


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_several_bars_a_day_on_a_daily_feed_are_refused_not_leaked(runonce, preload, exactbars):
    # an hourly frame added without timeframe=: scoring it daily would show the crash to the
    # 10:00 bar of its announcement day
    cerebro = bt.Cerebro(stdstats=False, runonce=runonce, preload=preload)
    cerebro.adddata(FrameData(dataname=hourly_frame()))
    cerebro.addstrategy(Recorder, events=(CRASH,))
    with pytest.raises(ConfigError, match=r"several bars on 2025-03-24 .* timeframe=bt\.TimeFrame"):
        cerebro.run(exactbars=exactbars)


def test_replaying_daily_bars_is_not_several_bars_a_day():
    # replay updates one daily bar tick by tick: the same bar, not a second one
    cerebro = bt.Cerebro(stdstats=False)
    data = FrameData(dataname=hourly_frame(), timeframe=bt.TimeFrame.Minutes, compression=60)
    cerebro.replaydata(data, timeframe=bt.TimeFrame.Days)
    cerebro.addstrategy(Recorder, events=(CRASH,))
    strategy = cerebro.run()[0]
    days = {stamp.date() for stamp, _ in strategy.rows}
    assert len(days) == len(pd.bdate_range("2025-03-24", "2025-04-04"))


def test_one_intraday_bar_a_day_lags_when_declared_intraday():
    frame = hourly_frame().iloc[::2]  # the 10:00 bars only: one a day
    daily = risk_frame(frame, [CRASH])
    assert daily.loc["2025-03-31", "score"].iloc[0] > 0.0  # read as daily bars
    declared = risk_frame(frame, [CRASH], intraday=True)
    assert declared.loc["2025-03-31", "score"].iloc[0] == 0.0
    assert declared.loc["2025-04-01", "score"].iloc[0] == daily.loc["2025-03-31", "score"].iloc[0]
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(FrameData(dataname=frame, timeframe=bt.TimeFrame.Minutes, compression=60))
    cerebro.addstrategy(Recorder, events=(CRASH,))
    recorded = [values[0] for _, values in cerebro.run()[0].rows]
    assert recorded == declared["score"].tolist()  # the indicator on a Minutes feed agrees


def test_a_strategy_that_orders_around_set_target_during_warm_up_is_refused():
    class Eager(RiskStrategy):
        def next(self):
            if not self.position:
                self.buy(size=1)  # bypasses set_target, so trade_from cannot hold it back

    frame = risk_frame(
        hourly_frame().iloc[::2].set_axis(pd.bdate_range("2025-03-24", "2025-04-04")), [CRASH]
    )
    cerebro = make_cerebro()
    cerebro.adddata(RiskData(dataname=frame))
    cerebro.addstrategy(Eager, trade_from=dt.date(2025, 4, 1))
    with pytest.raises(ConfigError, match="traded before trade_from 2025-04-01"):
        cerebro.run()
