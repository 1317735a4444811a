"""``RiskScore``: the score as an indicator over any feed equals ``score_events`` in every mode."""

from __future__ import annotations

import datetime as dt

import backtrader as bt
import numpy as np
import pandas as pd
import pytest

from recall_risk.bt import RISK_LINES, FrameData, RiskScore, risk_feed
from recall_risk.bt.indicator import _CHUNK_DAYS
from recall_risk.events import Incident, Recall, load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.scoring import ScoreParams, score_events

MODES = [
    pytest.param(True, True, 0, id="runonce-preload"),
    pytest.param(True, False, 0, id="runonce-nopreload"),
    pytest.param(False, True, 0, id="next-preload"),
    pytest.param(False, False, 0, id="next-nopreload"),
    pytest.param(True, True, 1, id="exactbars1"),
]
FEEDS = [
    pytest.param(bt.feeds.PandasData, id="PandasData"),
    pytest.param(FrameData, id="FrameData"),
]


class ScoreRecorder(bt.Strategy):
    """Applies ``RiskScore`` to every data and records, per data, (date, line values) on each of
    that data's bars; an SMA gives the strategy a warm-up so prenext is exercised too."""

    params = (("events", None), ("score_params", None))

    def __init__(self) -> None:
        self.indicators = [
            RiskScore(d, events=self.p.events, score_params=self.p.score_params) for d in self.datas
        ]
        self.sma = bt.indicators.SMA(self.data0.close, period=5)
        self.rows: list[dict[dt.date, tuple[float, ...]]] = [{} for _ in self.datas]

    def _record(self) -> None:
        for rows, data, ind in zip(self.rows, self.datas, self.indicators, strict=True):
            if len(data):
                rows[data.datetime.date(0)] = tuple(line[0] for line in ind.lines)

    prenext = next = _record


def run_scores(datas, events, runonce=True, preload=True, exactbars=0, score_params=None):
    cerebro = bt.Cerebro(stdstats=False, runonce=runonce, preload=preload)
    for data in datas:
        cerebro.adddata(data)
    cerebro.addstrategy(ScoreRecorder, events=events, score_params=score_params)
    return cerebro.run(exactbars=exactbars)[0]


def as_frame(rows: dict[dt.date, tuple[float, ...]]) -> pd.DataFrame:
    return pd.DataFrame(
        list(rows.values()),
        index=pd.DatetimeIndex(list(rows), name="date"),
        columns=list(RISK_LINES),
    )


def assert_exactly(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert got.index.equals(expected.index)
    for column in RISK_LINES:
        assert got[column].tolist() == expected[column].tolist(), column  # ==, not approx


@pytest.fixture(scope="module")
def source(prices_dir) -> CsvDirectorySource:
    return CsvDirectorySource(prices_dir)


@pytest.fixture(scope="module")
def xiaomi_prices(source) -> pd.DataFrame:
    return source.load("1810.HK", "2024-04-01", "2026-03-25")


@pytest.fixture(scope="module")
def xiaomi_events():
    return load_events("xiaomi_su7")


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_indicator_equals_score_events_in_every_mode(
    xiaomi_prices, xiaomi_events, feed, runonce, preload, exactbars
):
    # two years of bars: bar-by-bar mode crosses several of the indicator's scoring chunks
    span = (xiaomi_prices.index[-1] - xiaomi_prices.index[0]).days
    assert span > 1.5 * _CHUNK_DAYS
    strategy = run_scores(
        [feed(dataname=xiaomi_prices)],
        xiaomi_events,
        runonce=runonce,
        preload=preload,
        exactbars=exactbars,
    )
    expected = score_events(xiaomi_events, xiaomi_prices.index)
    assert_exactly(as_frame(strategy.rows[0]), expected)
    assert expected["score"].max() > 0.8 and (expected["score"] == 0.0).any()
    if preload and exactbars == 0:  # the whole line buffer too, not only what next() saw
        assert list(strategy.indicators[0].lines.score.array) == expected["score"].tolist()


def test_indicator_equals_the_risk_feed_lines(xiaomi_prices, xiaomi_events):
    class Both(bt.Strategy):
        def __init__(self) -> None:
            self.ind = RiskScore(self.data, events=xiaomi_events)
            self.diffs = 0

        def next(self) -> None:
            self.diffs += sum(
                getattr(self.data.lines, n)[0] != getattr(self.ind.lines, n)[0] for n in RISK_LINES
            )

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(risk_feed(xiaomi_prices, xiaomi_events))
    cerebro.addstrategy(Both)
    assert cerebro.run()[0].diffs == 0


# exactbars=1 is left out: backtrader itself fails on feeds with different calendars there
# (IndexError in Strategy._clk_update, with two stock PandasData feeds too).
@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES[:4])
def test_indicator_on_two_feeds_with_different_calendars(source, runonce, preload, exactbars):
    # Hong Kong and US holidays differ: each indicator follows its own data's bars.
    hk = source.load("1810.HK", "2024-10-01", "2025-06-30")
    us = source.load("TSLA", "2024-10-01", "2025-06-30")
    assert not hk.index.equals(us.index)
    events = load_events("xiaomi_su7")
    strategy = run_scores(
        [FrameData(dataname=hk), bt.feeds.PandasData(dataname=us)],
        events,
        runonce=runonce,
        preload=preload,
        exactbars=exactbars,
    )
    assert_exactly(as_frame(strategy.rows[0]), score_events(events, hk.index))
    assert_exactly(as_frame(strategy.rows[1]), score_events(events, us.index))


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_indicator_with_custom_params(xiaomi_prices, xiaomi_events, runonce, preload, exactbars):
    params = ScoreParams(recall_scale=0.05, half_life_days={"recall": 30.0, "incident": 10.0})
    strategy = run_scores(
        [FrameData(dataname=xiaomi_prices)],
        xiaomi_events,
        runonce=runonce,
        preload=preload,
        exactbars=exactbars,
        score_params=params,
    )
    expected = score_events(xiaomi_events, xiaomi_prices.index, params)
    assert_exactly(as_frame(strategy.rows[0]), expected)
    assert not expected.equals(score_events(xiaomi_events, xiaomi_prices.index))


@pytest.mark.parametrize("events", [None, ()])
def test_indicator_without_events_is_zero(xiaomi_prices, events):
    strategy = run_scores([FrameData(dataname=xiaomi_prices)], events, runonce=False)
    values = np.array(list(strategy.rows[0].values()))
    assert values.shape == (len(xiaomi_prices), len(RISK_LINES))
    assert (values == 0.0).all()


def weekday_frame(start: str, n: int) -> pd.DataFrame:
    index = pd.date_range(start, periods=n, freq="B", name="date")
    close = np.full(n, 10.0)
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "volume": close * 100},
        index=index,
    )


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_indicator_is_point_in_time(runonce, preload, exactbars):
    # A recall announced on a Saturday counts from Monday's bar; an incident announced on a
    # Wednesday counts from that Wednesday's close, not a bar earlier.
    events = [
        Recall(
            id="r",
            announced=dt.date(2024, 1, 6),
            source="test",
            units=5_000,
            cumulative_sales=20_000,
        ),
        Incident(id="i", announced=dt.date(2024, 1, 17), source="test", fatalities=1),
    ]
    frame = weekday_frame("2024-01-01", 20)
    strategy = run_scores(
        [FrameData(dataname=frame)], events, runonce=runonce, preload=preload, exactbars=exactbars
    )
    got = as_frame(strategy.rows[0])
    assert_exactly(got, score_events(events, frame.index))
    assert (got.loc[:"2024-01-05", "score"] == 0.0).all()
    assert (got.loc["2024-01-08":, "recall"] > 0.0).all()
    assert (got.loc[:"2024-01-16", "incident"] == 0.0).all()
    assert (got.loc["2024-01-17":, "incident"] > 0.0).all()


def test_runonce_scores_each_feed_with_one_call(monkeypatch, xiaomi_prices, xiaomi_events):
    # oncestart scores every bar at once; backtrader's following once() finds nothing left to do
    import recall_risk.bt.indicator as module

    calls: list[int] = []

    def counting(events, calendar, params=None):
        calls.append(len(calendar))
        return score_events(events, calendar, params)

    monkeypatch.setattr(module, "score_events", counting)
    strategy = run_scores([FrameData(dataname=xiaomi_prices)], xiaomi_events)
    assert calls == [len(xiaomi_prices)]
    expected = score_events(xiaomi_events, xiaomi_prices.index)
    assert list(strategy.indicators[0].lines.score.array) == expected["score"].tolist()


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_intraday_stamps_score_on_the_bar_date_in_every_mode(
    xiaomi_events, runonce, preload, exactbars
):
    # runonce turns whole-day stamps into dates with numpy; other times go through num2date,
    # exactly as next() does (data.datetime.date(0))
    stamps = pd.DatetimeIndex(
        [
            "2025-03-27 09:30",
            "2025-03-28 16:00",
            "2025-03-31 23:59:59.999999",  # num2date rounds it to April 1
            "2025-04-02",
            "2025-04-03 00:00:00.000001",
            "2025-04-07 12:00",
        ]
    )  # six bars: the recorder's SMA(5) needs five in runonce mode
    frame = pd.DataFrame({c: np.arange(1.0, 7.0) for c in ("open", "high", "low", "close")})
    frame["volume"] = 0.0
    frame.index = stamps.rename("date")
    rows = {}
    for mode in ((runonce, preload), (False, False)):
        strategy = run_scores(
            [FrameData(dataname=frame)],
            xiaomi_events,
            runonce=mode[0],
            preload=mode[1],
            exactbars=exactbars,
        )
        rows[mode] = strategy.rows[0]
    assert rows[(runonce, preload)] == rows[(False, False)]
    assert dt.date(2025, 4, 1) in rows[(False, False)]
    expected = score_events(
        xiaomi_events, pd.DatetimeIndex([d for d in rows[(False, False)]], name="date")
    )
    assert_exactly(as_frame(rows[(runonce, preload)]), expected)
