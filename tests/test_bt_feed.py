"""The fast feeds against stock ``bt.feeds.PandasData`` and against ``score_events``.

``FrameData`` must give the same bars as ``PandasData`` (OHLCV and datetime, bar by bar) in every
runonce/preload/exactbars mode and in backtrader's odd cases (NaN rows, data shorter than an
indicator's period, empty frames, fromdate/todate); ``RiskData``'s risk lines must equal
``score_events`` on the bars' dates exactly.
"""

from __future__ import annotations

import datetime as dt
import math

import backtrader as bt
import numpy as np
import pandas as pd
import pytest

from recall_risk.bt import (
    PRICE_LINES,
    RISK_LINES,
    FrameData,
    RiskData,
    bar_dates,
    price_feed,
    risk_feed,
    risk_frame,
)
from recall_risk.errors import PriceDataError
from recall_risk.events import load_events
from recall_risk.prices import CsvDirectorySource
from recall_risk.scoring import ScoreParams, score_events

# (runonce, preload, exactbars): the combinations backtrader's own tests walk.
MODES = [
    pytest.param(True, True, 0, id="runonce-preload"),
    pytest.param(True, False, 0, id="runonce-nopreload"),
    pytest.param(False, True, 0, id="next-preload"),
    pytest.param(False, False, 0, id="next-nopreload"),
    pytest.param(True, True, 1, id="exactbars1"),
]


class Recorder(bt.Strategy):
    """Records every bar's datetime and the values of the given lines (in prenext and next)."""

    params = (("lines", PRICE_LINES), ("period", 5))

    def __init__(self) -> None:
        self.rows: list[tuple[float, ...]] = []
        self.phases: list[str] = []
        if self.p.period:  # an indicator, so that runonce/preload actually change the code path
            self.sma = bt.indicators.SMA(self.data.close, period=self.p.period)

    def _record(self, phase: str) -> None:
        self.phases.append(phase)
        values = [getattr(self.data.lines, name)[0] for name in self.p.lines]
        self.rows.append((self.data.datetime[0], *values))

    def prenext(self) -> None:
        self._record("prenext")

    def next(self) -> None:
        self._record("next")


def run_recorder(data: bt.feed.DataBase, runonce=True, preload=True, exactbars=0, **params):
    cerebro = bt.Cerebro(stdstats=False, runonce=runonce, preload=preload)
    cerebro.adddata(data)
    cerebro.addstrategy(Recorder, **params)
    return cerebro.run(exactbars=exactbars)[0]


def same_floats(a: list[tuple[float, ...]], b: list[tuple[float, ...]]) -> bool:
    """Exact equality, NaN equal to NaN."""
    if len(a) != len(b):
        return False
    return all(
        len(x) == len(y)
        and all(u == v or (math.isnan(u) and math.isnan(v)) for u, v in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    )


def synthetic(n: int = 12) -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=n, freq="B", name="date")
    base = np.linspace(10.0, 14.0, n)
    return pd.DataFrame(
        {
            "open": base,
            "high": base + 0.7,
            "low": base - 0.6,
            "close": base + 0.2,
            "volume": np.arange(n, dtype=np.int64) * 1000,
        },
        index=index,
    )


@pytest.fixture(scope="module")
def xiaomi_prices(prices_dir) -> pd.DataFrame:
    return CsvDirectorySource(prices_dir).load("1810.HK", "2024-04-01", "2026-03-25")


@pytest.fixture(scope="module")
def xiaomi_events():
    return load_events("xiaomi_su7")


# --- bars equal PandasData -----------------------------------------------------------------------


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_bars_equal_pandasdata_in_every_mode(xiaomi_prices, runonce, preload, exactbars):
    mode = {"runonce": runonce, "preload": preload, "exactbars": exactbars}
    stock = run_recorder(bt.feeds.PandasData(dataname=xiaomi_prices), **mode)
    fast = run_recorder(FrameData(dataname=xiaomi_prices), **mode)
    risk = run_recorder(RiskData(dataname=risk_frame(xiaomi_prices, None)), **mode)
    assert len(stock.rows) == len(xiaomi_prices)
    assert stock.rows == fast.rows == risk.rows  # datetime and OHLCV, bar by bar, exactly
    assert stock.phases == fast.phases == risk.phases
    # and they are the frame's values
    first = stock.rows[0]
    assert bt.num2date(first[0]) == xiaomi_prices.index[0].to_pydatetime()
    assert first[1:] == tuple(float(v) for v in xiaomi_prices.iloc[0][list(PRICE_LINES)])


def test_nan_rows_become_nan_bars_like_pandasdata():
    frame = synthetic()
    frame.iloc[3] = np.nan
    frame.iloc[7, frame.columns.get_loc("close")] = np.nan
    stock = run_recorder(bt.feeds.PandasData(dataname=frame), period=0)
    fast = run_recorder(FrameData(dataname=frame), period=0)
    assert len(fast.rows) == len(frame)  # not dropped
    assert same_floats(stock.rows, fast.rows)
    assert all(math.isnan(v) for v in fast.rows[3][1:])
    assert math.isnan(fast.rows[7][4]) and not math.isnan(fast.rows[7][1])


def test_nan_rows_under_an_sma_like_pandasdata():
    frame = synthetic()
    frame.iloc[3] = np.nan

    class WithSma(Recorder):
        params = (("lines", ("close",)),)

        def _record(self, phase: str) -> None:
            super()._record(phase)
            self.rows[-1] = (*self.rows[-1], self.sma[0])

    def rows(data):
        cerebro = bt.Cerebro(stdstats=False)
        cerebro.adddata(data)
        cerebro.addstrategy(WithSma, period=3)
        return cerebro.run()[0].rows

    stock, fast = rows(bt.feeds.PandasData(dataname=frame)), rows(FrameData(dataname=frame))
    assert same_floats(stock, fast)
    assert any(math.isnan(r[-1]) for r in fast[3:6])  # NaN flows into the SMA window


def test_data_shorter_than_sma_period_fails_in_runonce_like_pandasdata():
    frame = synthetic(6)
    for feed in (bt.feeds.PandasData, FrameData):
        with pytest.raises(IndexError, match="array assignment index out of range"):
            run_recorder(feed(dataname=frame), runonce=True, period=20)


@pytest.mark.parametrize("preload", [True, False])
def test_data_shorter_than_sma_period_in_next_mode_like_pandasdata(preload):
    frame = synthetic(6)
    stock = run_recorder(
        bt.feeds.PandasData(dataname=frame), runonce=False, preload=preload, period=20
    )
    fast = run_recorder(FrameData(dataname=frame), runonce=False, preload=preload, period=20)
    assert stock.rows == fast.rows
    assert fast.phases == ["prenext"] * 6  # never reaches next


def test_empty_frame_gives_no_bars_like_pandasdata():
    frame = synthetic().iloc[:0]
    for mode in ({}, {"runonce": False, "preload": False}):
        stock = run_recorder(bt.feeds.PandasData(dataname=frame), period=0, **mode)
        fast = run_recorder(FrameData(dataname=frame), period=0, **mode)
        assert stock.rows == fast.rows == []
    # with an indicator, runonce fails on an empty feed exactly as it does for short data
    for feed in (bt.feeds.PandasData, FrameData):
        with pytest.raises(IndexError):
            run_recorder(feed(dataname=frame), period=3)
        assert run_recorder(feed(dataname=frame), runonce=False, period=3).rows == []


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_fromdate_todate_filter_like_pandasdata(runonce, preload, exactbars):
    frame = synthetic()
    window = {"fromdate": dt.datetime(2024, 1, 4), "todate": dt.datetime(2024, 1, 11)}
    mode = {"runonce": runonce, "preload": preload, "exactbars": exactbars, "period": 0}
    stock = run_recorder(bt.feeds.PandasData(dataname=frame, **window), **mode)
    fast = run_recorder(FrameData(dataname=frame, **window), **mode)
    assert stock.rows == fast.rows
    assert [bt.num2date(r[0]).date() for r in fast.rows] == [
        dt.date(2024, 1, d) for d in (4, 5, 8, 9, 10, 11)
    ]


def test_single_bar_like_pandasdata():
    frame = synthetic(1)
    stock = run_recorder(bt.feeds.PandasData(dataname=frame), period=0)
    fast = run_recorder(FrameData(dataname=frame), period=0)
    assert stock.rows == fast.rows and len(fast.rows) == 1


def test_tz_aware_index_keeps_the_local_date():
    # Deliberate difference: PandasData converts an aware index to UTC (a Hong Kong midnight bar
    # becomes 16:00 of the previous day); FrameData drops the timezone and keeps the local date.
    frame = synthetic(3).tz_localize("Asia/Hong_Kong")
    fast = run_recorder(FrameData(dataname=frame), period=0)
    stock = run_recorder(bt.feeds.PandasData(dataname=frame), period=0)
    assert [bt.num2date(r[0]) for r in fast.rows] == [dt.datetime(2024, 1, d) for d in (1, 2, 3)]
    assert bt.num2date(stock.rows[0][0]) == dt.datetime(2023, 12, 31, 16, 0)
    assert [r[1:] for r in fast.rows] == [r[1:] for r in stock.rows]


def test_feed_can_be_run_twice():
    frame = synthetic()
    data = FrameData(dataname=frame)
    first = run_recorder(data, period=0).rows
    second = run_recorder(data, runonce=False, preload=False, period=0).rows
    assert first == second and len(first) == len(frame)


def test_bar_dates(xiaomi_prices):
    strategy = run_recorder(FrameData(dataname=xiaomi_prices), period=0)
    dates = bar_dates(strategy.data)
    assert dates == [ts.date() for ts in xiaomi_prices.index]
    assert bar_dates(strategy.data, [0, 2]) == [dates[0], dates[2]]


# --- risk lines equal score_events ---------------------------------------------------------------


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_risk_lines_equal_score_events_in_every_mode(
    xiaomi_prices, xiaomi_events, runonce, preload, exactbars
):
    expected = score_events(xiaomi_events, xiaomi_prices.index)
    strategy = run_recorder(
        risk_feed(xiaomi_prices, xiaomi_events),
        runonce=runonce,
        preload=preload,
        exactbars=exactbars,
        lines=RISK_LINES,
    )
    got = pd.DataFrame(
        [r[1:] for r in strategy.rows],
        index=pd.DatetimeIndex([bt.num2date(r[0]) for r in strategy.rows], name="date"),
        columns=list(RISK_LINES),
    )
    assert got.index.equals(expected.index)
    for column in RISK_LINES:
        assert got[column].tolist() == expected[column].tolist(), column  # exact, not approx
    assert got["score"].max() > 0.5  # the events do move the score on these bars


def test_risk_frame_with_custom_params_and_no_events(xiaomi_prices, xiaomi_events):
    params = ScoreParams(recall_scale=0.05)
    frame = risk_frame(xiaomi_prices, xiaomi_events, params)
    expected = score_events(xiaomi_events, xiaomi_prices.index, params)
    for column in RISK_LINES:
        assert frame[column].tolist() == expected[column].tolist()
    assert frame[list(PRICE_LINES)].equals(xiaomi_prices[list(PRICE_LINES)])
    empty = risk_frame(xiaomi_prices, None)
    assert (empty[list(RISK_LINES)] == 0.0).all().all()
    assert (risk_frame(xiaomi_prices, [])[list(RISK_LINES)] == 0.0).all().all()


def test_risk_frame_appends_the_lines_or_replaces_them_where_they_stand(
    xiaomi_prices, xiaomi_events
):
    """The price columns unchanged then the risk lines in order; prices that already carry
    risk lines (a frame passed twice) get them replaced in place; attrs kept; input untouched."""
    prices = xiaomi_prices.copy()
    prices.attrs["source"] = {"kind": "csv"}
    before = prices.copy()
    frame = risk_frame(prices, xiaomi_events)
    assert list(frame.columns) == [*prices.columns, *RISK_LINES]
    assert frame.index.equals(prices.index) and frame.index.name == prices.index.name
    assert frame.attrs == prices.attrs and frame.attrs["source"] is not prices.attrs["source"]
    pd.testing.assert_frame_equal(prices, before)
    assert all(frame[c].dtype == np.float64 for c in RISK_LINES)
    again = risk_frame(frame[[*reversed(RISK_LINES), *prices.columns]], None)
    assert list(again.columns) == [*reversed(RISK_LINES), *prices.columns]
    assert (again[list(RISK_LINES)] == 0.0).all().all()
    pd.testing.assert_frame_equal(again[list(prices.columns)], frame[list(prices.columns)])


def test_price_feed_and_risk_feed_names(xiaomi_prices):
    assert isinstance(price_feed(xiaomi_prices, name="X"), FrameData)
    feed = risk_feed(xiaomi_prices, None, name="1810.HK")
    assert isinstance(feed, RiskData) and feed._name == "1810.HK"
    assert set(RISK_LINES) <= set(feed.lines.getlinealiases())


# --- input errors --------------------------------------------------------------------------------


def test_frame_data_rejects_non_frames():
    with pytest.raises(PriceDataError, match="needs a pandas DataFrame, got list"):
        FrameData(dataname=[1, 2, 3])


def test_frame_data_names_missing_columns():
    frame = synthetic().drop(columns=["volume"])
    with pytest.raises(PriceDataError, match="lacks column\\(s\\) volume") as info:
        FrameData(dataname=frame, name="XYZ")
    assert "XYZ" in str(info.value) and "expected open, high, low, close, volume" in str(info.value)
    with pytest.raises(PriceDataError, match="score, recall, quality, orders, incident"):
        RiskData(dataname=synthetic())


def test_frame_data_needs_a_datetime_index():
    with pytest.raises(PriceDataError, match="DatetimeIndex"):
        FrameData(dataname=synthetic().reset_index(drop=True))


# --- bulk preload: exactly backtrader's bar-by-bar load() ----------------------------------------


def count_fallbacks(monkeypatch) -> list[str]:
    """Names of the feeds that fell back to backtrader's own bar-by-bar ``preload``."""
    calls: list[str] = []
    original = bt.feed.AbstractDataBase.preload

    def spy(self):
        calls.append(type(self).__name__)
        return original(self)

    monkeypatch.setattr(bt.feed.AbstractDataBase, "preload", spy)
    return calls


def test_preload_fills_columns_at_once_by_default(monkeypatch, xiaomi_prices):
    fallbacks = count_fallbacks(monkeypatch)
    stock = run_recorder(bt.feeds.PandasData(dataname=xiaomi_prices))
    fast = run_recorder(FrameData(dataname=xiaomi_prices))
    assert fallbacks == ["PandasData"]  # ours never went through load() bar by bar
    assert stock.rows == fast.rows
    assert fast.data.buflen() == len(xiaomi_prices) == len(fast.data)


@pytest.mark.parametrize("todate", [dt.datetime(2024, 1, 3), dt.datetime(2024, 1, 20)])
def test_unsorted_frame_stops_at_the_first_bar_after_todate_like_pandasdata(todate):
    frame = synthetic().iloc[[0, 1, 2, 9, 3, 4, 10, 5]]  # out of order: load() stops at a late bar
    window = {"fromdate": dt.datetime(2024, 1, 2), "todate": todate}
    for preload in (True, False):
        mode = {"runonce": False, "preload": preload, "period": 0}
        stock = run_recorder(bt.feeds.PandasData(dataname=frame, **window), **mode)
        fast = run_recorder(FrameData(dataname=frame, **window), **mode)
        assert stock.rows == fast.rows, preload


@pytest.mark.parametrize("exactbars", [-1, -2])
def test_negative_exactbars_like_pandasdata(xiaomi_prices, exactbars):
    stock = run_recorder(bt.feeds.PandasData(dataname=xiaomi_prices), exactbars=exactbars)
    fast = run_recorder(FrameData(dataname=xiaomi_prices), exactbars=exactbars)
    assert stock.rows == fast.rows and len(fast.rows) == len(xiaomi_prices)


def test_cerebro_lookahead_like_pandasdata():
    frame = synthetic()
    rows = []
    for feed in (bt.feeds.PandasData, FrameData):
        cerebro = bt.Cerebro(stdstats=False, lookahead=3)
        data = feed(dataname=frame)
        cerebro.adddata(data)
        cerebro.addstrategy(Recorder, period=0)
        rows.append((cerebro.run()[0].rows, data.close.array.tolist()))
    assert same_floats(rows[0][0], rows[1][0])
    assert len(rows[0][1]) == len(rows[1][1]) == len(frame) + 3


@pytest.mark.parametrize("how", ["resample", "replay"])
@pytest.mark.parametrize("runonce", [True, False])
def test_resampling_and_replaying_fall_back_to_load_like_pandasdata(
    monkeypatch, xiaomi_prices, how, runonce
):
    fallbacks = count_fallbacks(monkeypatch)
    results = []
    for feed in (bt.feeds.PandasData, FrameData):
        cerebro = bt.Cerebro(stdstats=False, runonce=runonce)
        add = cerebro.resampledata if how == "resample" else cerebro.replaydata
        add(feed(dataname=xiaomi_prices), timeframe=bt.TimeFrame.Weeks)
        cerebro.addstrategy(Recorder, period=3)
        results.append(cerebro.run()[0].rows)
    assert results[0] == results[1]
    if how == "resample":  # one bar a week
        assert 0 < len(results[0]) < len(xiaomi_prices) / 4
    else:  # the weekly bar, updated on every day
        assert len(results[0]) == len(xiaomi_prices)
    # ours took backtrader's path whenever the stock feed did (if preloaded at all)
    assert fallbacks.count("PandasData") == fallbacks.count("FrameData")


def test_a_user_filter_falls_back_to_load_like_pandasdata(monkeypatch):
    def drop_fridays(data) -> bool:
        if data.datetime.date(0).weekday() == 4:
            data.backwards()
            return True  # bar removed
        return False

    fallbacks = count_fallbacks(monkeypatch)
    rows = []
    for feed in (bt.feeds.PandasData, FrameData):
        data = feed(dataname=synthetic())
        data.addfilter(drop_fridays)
        rows.append(run_recorder(data, period=0).rows)
    assert rows[0] == rows[1] and len(rows[1]) == len(synthetic()) - 2
    assert fallbacks == ["PandasData", "FrameData"]


def test_input_timezone_falls_back_to_load_like_pandasdata(monkeypatch):
    fallbacks = count_fallbacks(monkeypatch)
    frame = synthetic(4)
    stock = run_recorder(bt.feeds.PandasData(dataname=frame, tzinput="Asia/Hong_Kong"), period=0)
    fast = run_recorder(FrameData(dataname=frame, tzinput="Asia/Hong_Kong"), period=0)
    assert stock.rows == fast.rows
    assert bt.num2date(fast.rows[0][0]) == dt.datetime(2023, 12, 31, 16, 0)  # shifted to UTC
    assert fallbacks == ["PandasData", "FrameData"]


@pytest.mark.parametrize(("runonce", "preload", "exactbars"), MODES)
def test_intraday_stamps_like_pandasdata(runonce, preload, exactbars):
    frame = synthetic(6)
    frame.index = pd.DatetimeIndex(
        [
            "2024-01-02 09:30",
            "2024-01-02 16:00:00.250001",
            "2024-01-03 00:00",
            "2024-01-03 23:59:59.999999",
            "1960-06-30 12:00",
            "2024-01-04 10:15:07",
        ],
        name="date",
    )
    frame = frame.sort_index()
    mode = {"runonce": runonce, "preload": preload, "exactbars": exactbars, "period": 0}
    stock = run_recorder(bt.feeds.PandasData(dataname=frame), **mode)
    fast = run_recorder(FrameData(dataname=frame), **mode)
    assert stock.rows == fast.rows and len(fast.rows) == 6


def test_daily_stamps_before_and_after_1970_like_date2num():
    frame = synthetic(3)
    frame.index = pd.DatetimeIndex(["1901-03-01", "1969-12-31", "2099-12-31"], name="date")
    fast = run_recorder(FrameData(dataname=frame), period=0)
    assert [r[0] for r in fast.rows] == [bt.date2num(ts.to_pydatetime()) for ts in frame.index]


def test_feed_can_be_preloaded_twice():
    frame = synthetic()
    data = FrameData(dataname=frame)
    first = run_recorder(data, period=3).rows
    second = run_recorder(data, period=3).rows
    assert first == second and len(first) == len(frame)
    assert data.buflen() == len(frame)  # the second run did not append to the first one's bars
