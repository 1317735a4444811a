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


def test_fromdate_todate_filter_like_pandasdata():
    frame = synthetic()
    window = {"fromdate": dt.datetime(2024, 1, 4), "todate": dt.datetime(2024, 1, 11)}
    stock = run_recorder(bt.feeds.PandasData(dataname=frame, **window), period=0)
    fast = run_recorder(FrameData(dataname=frame, **window), period=0)
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
