"""Trading calendars: weekdays, a price CSV's dates, and the canonical form."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from recall_risk.calendar import (
    as_trading_calendar,
    calendar_from_prices_csv,
    parse_date,
    weekday_calendar,
)
from recall_risk.errors import ConfigError, PriceDataError


def test_weekday_calendar_is_monday_to_friday_inclusive():
    days = weekday_calendar("2025-01-01", date(2025, 1, 13))
    assert days.name == "date"
    assert days[0] == pd.Timestamp("2025-01-01")
    assert days[-1] == pd.Timestamp("2025-01-13")
    assert len(days) == 9
    assert set(days.day_of_week) == {0, 1, 2, 3, 4}


def test_weekday_calendar_single_weekend_day_is_empty():
    assert len(weekday_calendar("2025-01-04", "2025-01-04")) == 0


def test_weekday_calendar_end_before_start():
    with pytest.raises(ConfigError, match="end 2025-01-01 is before start 2025-02-01"):
        weekday_calendar("2025-02-01", "2025-01-01")
    with pytest.raises(ValueError):
        weekday_calendar("2025-02-01", "2025-01-01")


def test_parse_date_forms_and_errors():
    assert parse_date("2025-03-31") == date(2025, 3, 31)
    assert parse_date(pd.Timestamp("2025-03-31 15:00")) == date(2025, 3, 31)
    with pytest.raises(ConfigError, match="--start: expected a date written YYYY-MM-DD"):
        parse_date("31/03/2025", what="--start")
    with pytest.raises(ConfigError):
        parse_date(pd.NaT)


def test_calendar_from_real_prices(prices_dir):
    path = prices_dir / "1810.HK.csv"
    days = calendar_from_prices_csv(path, "2025-03-28", "2025-04-08")
    assert days.name == "date"
    assert days[0] >= pd.Timestamp("2025-03-28")
    assert days[-1] <= pd.Timestamp("2025-04-08")
    # Hong Kong was closed for Ching Ming on 2025-04-04: a weekday missing from the file.
    assert pd.Timestamp("2025-04-04") not in days
    assert pd.Timestamp("2025-03-31") in days
    everything = calendar_from_prices_csv(path)
    assert everything.is_monotonic_increasing and everything.is_unique
    assert len(everything) > 1_000


def write(tmp_path, text, name="p.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_timestamps_with_offsets(tmp_path):
    path = write(
        tmp_path,
        "Date,Close\n2025-01-02 00:00:00+08:00,2\n2025-01-03 00:00:00+08:00,1\n",
    )
    days = calendar_from_prices_csv(path)
    assert list(days) == [pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-03")]
    assert days.tz is None


def test_rows_out_of_order_are_refused_as_run_refuses_them(tmp_path):
    # one rule for every reader of a price CSV (it used to be sorted silently here)
    path = write(tmp_path, "Date,Close\n2025-01-03,1\n2025-01-02,2\n")
    with pytest.raises(PriceDataError, match="not sorted ascending: 2025-01-02 comes after"):
        calendar_from_prices_csv(path)


def test_missing_file(tmp_path):
    with pytest.raises(PriceDataError, match="no such price file"):
        calendar_from_prices_csv(tmp_path / "nope.csv")


def test_missing_date_column(tmp_path):
    path = write(tmp_path, "Day,Close\n2025-01-02,1\n")
    with pytest.raises(PriceDataError, match=r"no 'Date' column \(columns: Day, Close\)"):
        calendar_from_prices_csv(path)


def test_bad_and_repeated_dates(tmp_path):
    bad = write(tmp_path, "Date,Close\n2025-01-02,1\nyesterday,2\n", "bad.csv")
    with pytest.raises(PriceDataError, match="row 3: bad Date 'yesterday'"):
        calendar_from_prices_csv(bad)
    twice = write(tmp_path, "Date,Close\n2025-01-02,1\n2025-01-02,2\n", "twice.csv")
    with pytest.raises(PriceDataError, match="2025-01-02 appears more than once"):
        calendar_from_prices_csv(twice)


def test_empty_file(tmp_path):
    with pytest.raises(PriceDataError):
        calendar_from_prices_csv(write(tmp_path, ""))


def test_csv_range_end_before_start(tmp_path):
    path = write(tmp_path, "Date,Close\n2025-01-02,1\n")
    with pytest.raises(ConfigError):
        calendar_from_prices_csv(path, "2025-02-01", "2025-01-01")


def test_as_trading_calendar_normalises():
    index = pd.DatetimeIndex(["2025-01-02 09:30", "2025-01-03 16:00"], tz="Asia/Hong_Kong")
    days = as_trading_calendar(index)
    assert days.tz is None
    assert list(days) == [pd.Timestamp("2025-01-02"), pd.Timestamp("2025-01-03")]
    assert days.name == "date"
    with pytest.raises(ConfigError, match="strictly increasing"):
        as_trading_calendar(["2025-01-03", "2025-01-02"])
    with pytest.raises(ConfigError, match="NaT"):
        as_trading_calendar(pd.DatetimeIndex(["2025-01-02", None]))
