"""The price-frame convention: validate_prices, its report, select_range and date parsing."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from recall_risk.errors import PriceDataError
from recall_risk.prices import PRICE_COLUMNS, PriceReport, select_range, validate_prices
from recall_risk.prices.checks import check_ticker, to_timestamp


def make_frame(days: int = 5, **overrides: list[float]) -> pd.DataFrame:
    index = pd.bdate_range("2024-01-01", periods=days, name="date")
    close = 10.0 + np.arange(days)
    data = {
        "open": close - 0.5,
        "high": close + 1.0,
        "low": close - 1.0,
        "close": close,
        "volume": np.full(days, 1000.0),
    }
    data.update({k: np.asarray(v, dtype="float64") for k, v in overrides.items()})
    return pd.DataFrame(data, index=index)


def test_clean_frame_gives_clean_report():
    frame = make_frame()
    report = validate_prices(frame, name="T")
    assert report == PriceReport("T", 5, frame.index[0], frame.index[-1])
    assert report.clean
    assert report.summary() == "T: 5 bars 2024-01-01..2024-01-05"


def test_zero_volume_and_inconsistent_bars_are_reported_not_raised():
    frame = make_frame(volume=[1000, 0, 1000, 0, 1000], high=[11, 12, 11.5, 14, 15])
    report = validate_prices(frame, name="T")
    assert report.zero_volume_dates == (pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-04"))
    # 2024-01-03: high 11.5 < close 12
    assert report.inconsistent_dates == (pd.Timestamp("2024-01-03"),)
    assert not report.clean
    assert "2 zero-volume bars kept (2024-01-02, 2024-01-04)" in report.summary()
    assert "1 bars with inconsistent high/low kept (2024-01-03)" in report.summary()
    assert len(frame) == 5  # nothing dropped


def test_a_few_high_below_low_bars_are_reported():
    frame = make_frame(high=[11, 12, 8, 14, 15])  # 2024-01-03: high 8 < low 11
    report = validate_prices(frame, name="T")
    assert report.inconsistent_dates == (pd.Timestamp("2024-01-03"),)


def test_summary_shortens_long_lists():
    frame = make_frame(days=8, volume=[0] * 8)
    assert "8 zero-volume bars kept (2024-01-01, 2024-01-02, 2024-01-03, 2024-01-04, " in (
        validate_prices(frame, name="T").summary()
    )
    assert validate_prices(frame, name="T").summary().endswith(", ...)")


def test_extra_columns_are_allowed():
    frame = make_frame().assign(adj_close=1.0)
    assert validate_prices(frame, name="T").rows == 5


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda f: f.drop(columns=["low", "volume"]), r"T: missing column\(s\) low, volume"),
        (lambda f: f.iloc[:0], "T: no price rows"),
        (lambda f: f.reset_index(drop=True), "index must be a DatetimeIndex"),
        (lambda f: f.tz_localize("Asia/Hong_Kong"), r"time zone .*tz_localize\(None\)"),
        (lambda f: f.set_axis(f.index + pd.Timedelta(hours=16)), "must be at midnight"),
        (lambda f: f.iloc[[0, 2, 1, 3]], "not sorted ascending: 2024-01-02 comes after 2024-01-03"),
        (lambda f: f.iloc[[0, 1, 1, 2, 3, 3]], r"duplicate date 2024-01-02 \(2 rows, 1 more"),
        (lambda f: f.assign(close=[10, 11, np.nan, 13, 14]), "missing close on 2024-01-03"),
        (
            lambda f: f.assign(open=[10, 11, 12, 13, -1]),
            r"non-positive .*\(-1\) open on 2024-01-05",
        ),
        (lambda f: f.assign(high=[10, 11, 12, np.inf, 15]), "infinite .* high on 2024-01-04"),
        (lambda f: f.assign(volume=[1, np.nan, 1, 1, 1]), "missing volume on 2024-01-02"),
        (lambda f: f.assign(volume=[1, 1, 1, -2, 1]), r"negative \(-2\) volume on 2024-01-04"),
        (lambda f: f.rename(columns={"high": "low", "low": "high"}), "look swapped"),
    ],
)
def test_bad_frames_raise_with_name_problem_and_fix(mutate, expected):
    with pytest.raises(PriceDataError, match=expected) as info:
        validate_prices(mutate(make_frame()), name="T")
    assert str(info.value).startswith("T: ")


def test_first_bad_date_is_named_across_columns():
    frame = make_frame(open=[10, 11, 12, 0, 14], close=[10, 11, 12, 13, np.nan])
    with pytest.raises(PriceDataError, match="open on 2024-01-04"):
        validate_prices(frame, name="T")


def test_not_a_frame():
    with pytest.raises(PriceDataError, match="expected a pandas DataFrame"):
        validate_prices([1, 2], name="T")


def test_price_columns_constant():
    assert PRICE_COLUMNS == ("open", "high", "low", "close", "volume")


class TestSelectRange:
    frame = make_frame(days=10)  # 2024-01-01 .. 2024-01-12, weekdays

    def test_inclusive_both_ends(self):
        out = select_range(self.frame, "2024-01-02", date(2024, 1, 5), name="T")
        assert list(out.index.strftime("%Y-%m-%d")) == [
            "2024-01-02",
            "2024-01-03",
            "2024-01-04",
            "2024-01-05",
        ]

    def test_open_ends(self):
        assert len(select_range(self.frame, None, None, name="T")) == 10
        assert select_range(self.frame, "2024-01-10", None, name="T").index[0].day == 10
        assert select_range(self.frame, None, "2024-01-02", name="T").index[-1].day == 2

    def test_start_after_end(self):
        with pytest.raises(PriceDataError, match="start 2024-01-05 is after end 2024-01-02"):
            select_range(self.frame, "2024-01-05", "2024-01-02", name="T")

    @pytest.mark.parametrize(
        ("start", "end"), [("2030-01-01", "2030-12-31"), ("2024-01-06", "2024-01-07")]
    )
    def test_no_bars_names_actual_range(self, start, end):
        with pytest.raises(PriceDataError, match=r"T: no bars between .*2024-01-01\.\.2024-01-12"):
            select_range(self.frame, start, end, name="T")


@pytest.mark.parametrize(
    "value",
    [
        "2024-04-01",
        " 2024-04-01 ",
        "2024-04-01T15:30:00",
        date(2024, 4, 1),
        datetime(2024, 4, 1, 9, 30),
        pd.Timestamp("2024-04-01 10:00", tz="Asia/Hong_Kong"),
    ],
)
def test_to_timestamp_gives_midnight_naive(value):
    assert to_timestamp(value) == pd.Timestamp("2024-04-01")
    assert to_timestamp(value).tz is None


def test_to_timestamp_none_and_errors():
    assert to_timestamp(None) is None
    with pytest.raises(
        PriceDataError, match=r"invalid start date '2024-13-01': expected YYYY-MM-DD"
    ):
        to_timestamp("2024-13-01", what="start")
    with pytest.raises(PriceDataError, match="invalid end date 20240401"):
        to_timestamp(20240401, what="end")


@pytest.mark.parametrize("ticker", ["", "  ", "../etc/passwd", "a\\b", ".hidden", None])
def test_check_ticker_rejects_unsafe(ticker):
    with pytest.raises(PriceDataError, match="invalid ticker"):
        check_ticker(ticker)


def test_check_ticker_strips():
    assert check_ticker(" ^HSI ") == "^HSI"


def test_data_notes_summarise_every_ticker_in_one_line():
    from recall_risk.datachecks import data_notes

    days = pd.bdate_range("2024-01-01", periods=6)
    frame = pd.DataFrame(
        {"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": [0, 5, 0, 5, 5, 5]},
        index=days,
    )
    other = frame.assign(volume=[5, 5, 5, 5, 5, 0])
    clean = frame.assign(volume=5)
    assert data_notes({"A": clean}) == []
    assert data_notes({"B": other, "A": frame, "C": clean}) == [
        "3 zero-volume bars kept as bars (A 2: 2024-01-01, 2024-01-03; B 1: 2024-01-08)"
    ]
