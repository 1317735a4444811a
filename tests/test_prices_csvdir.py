"""CsvDirectorySource: the catalogue of bad files, the real shared data, Adj Close adjustment."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recall_risk.errors import PriceDataError
from recall_risk.prices import (
    PRICE_COLUMNS,
    CsvDirectorySource,
    read_price_csv,
    validate_prices,
)

# file stem -> (adjusted, pattern the message must contain after the file name)
BAD_FILES = {
    "missing_volume": (False, r"missing column\(s\) Volume; expected columns Date,Open"),
    "empty": (False, "the file is empty; expected a header line"),
    "header_only": (False, "header but no rows"),
    "bad_date": (False, "unparsable date '2024-13-45' on line 3; expected YYYY-MM-DD"),
    "missing_date": (False, "missing date on line 3"),
    "mixed_timezones": (False, "different UTC offsets"),
    "unsorted": (False, "not sorted ascending: 2024-01-03 comes after 2024-01-04; sort"),
    "duplicate_date": (False, r"duplicate date 2024-01-03 \(2 rows\); keep one row per date"),
    "intraday_duplicate": (False, "duplicate date 2024-01-02"),
    "negative_price": (False, r"non-positive .*\(-1\) low on 2024-01-03; prices must be positive"),
    "zero_price": (False, r"non-positive .*\(0\) open on 2024-01-03"),
    "null_close": (False, "missing close on 2024-01-03"),
    "text_in_number": (False, "non-numeric Close value 'ten' on line 3 .*date 2024-01-03"),
    "swapped_high_low": (False, "high < low on 2 of 2 bars .* look swapped"),
    "negative_volume": (False, r"negative \(-5\) volume on 2024-01-03"),
    "yfinance_three_header": (False, r"missing column\(s\) Date.*raw yfinance download\(\) CSV"),
    "ragged_row": (False, "not a readable CSV file .*Expected 6 fields in line 3, saw 8"),
    "binary": (False, "not a readable CSV file"),
    "bad_adj_close": (True, r"non-positive .*\(0\) Adj Close on 2024-01-03"),
}


@pytest.fixture(scope="module")
def bad_dir(tests_data: Path) -> Path:
    return tests_data / "prices_bad"


def test_catalogue_is_complete(bad_dir: Path):
    assert sorted(p.stem for p in bad_dir.glob("*.csv")) == sorted(BAD_FILES)
    assert len(BAD_FILES) >= 10


@pytest.mark.parametrize("stem", sorted(BAD_FILES))
def test_bad_file_raises_naming_file_and_problem(bad_dir: Path, stem: str):
    adjusted, pattern = BAD_FILES[stem]
    source = CsvDirectorySource(bad_dir, adjusted=adjusted)
    with pytest.raises(PriceDataError, match=pattern) as info:
        source.load(stem)
    assert str(info.value).startswith(f"{bad_dir / stem}.csv: ")
    assert isinstance(info.value, ValueError)


def test_bad_adj_close_is_ignored_when_not_adjusting(bad_dir: Path):
    frame = CsvDirectorySource(bad_dir, adjusted=False).load("bad_adj_close")
    assert frame["close"].tolist() == [10.5, 10.8]


# ---- finding files -------------------------------------------------------------------------


def test_caret_tickers_fall_back_to_plain_names(prices_dir: Path):
    source = CsvDirectorySource(prices_dir)
    assert source.path_for("^HSI") == prices_dir / "HSI.csv"
    assert source.path_for("^GSPC") == prices_dir / "GSPC.csv"
    assert source.path_for("1810.HK") == prices_dir / "1810.HK.csv"


def test_caret_file_is_preferred(tmp_path: Path):
    for name in ("^HSI.csv", "HSI.csv"):
        (tmp_path / name).write_text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,0\n")
    assert CsvDirectorySource(tmp_path).path_for("^HSI") == tmp_path / "^HSI.csv"


def test_unknown_ticker_suggests_close_names(prices_dir: Path):
    with pytest.raises(PriceDataError, match=r"no price file for tsla .* Did you mean TSLA\?"):
        CsvDirectorySource(prices_dir).load("tsla")
    with pytest.raises(PriceDataError, match=r"looked for \^XYZ\.csv, XYZ\.csv.*Available: 0175"):
        CsvDirectorySource(prices_dir).load("^XYZ")


def test_missing_folder(tmp_path: Path):
    with pytest.raises(PriceDataError, match=r"does not exist; .*--prices-dir DIR"):
        CsvDirectorySource(tmp_path / "nope").load("TSLA")
    assert CsvDirectorySource(tmp_path / "nope").tickers() == []


def test_unsafe_ticker(prices_dir: Path):
    with pytest.raises(PriceDataError, match="invalid ticker"):
        CsvDirectorySource(prices_dir).path_for("../prices/TSLA")


# ---- real data -----------------------------------------------------------------------------


def raw_rows(path: Path) -> list[dict[str, str]]:
    """The CSV parsed with the standard library, independently of pandas."""
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def assert_convention(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == list(PRICE_COLUMNS)
    assert (frame.dtypes == "float64").all()
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.name == "date"
    assert frame.index.tz is None
    assert (frame.index == frame.index.normalize()).all()
    assert frame.index.is_monotonic_increasing
    assert frame.index.is_unique


@pytest.mark.parametrize("adjusted", [False, True])
def test_every_shared_file_loads_cleanly(prices_dir: Path, adjusted: bool):
    source = CsvDirectorySource(prices_dir, adjusted=adjusted)
    tickers = source.tickers()
    assert len(tickers) >= 10
    for ticker in tickers:
        frame = source.load(ticker)
        assert_convention(frame)
        rows = raw_rows(prices_dir / f"{ticker}.csv")
        assert len(frame) == len(rows), ticker
        assert frame.index[0] == pd.Timestamp(rows[0]["Date"])
        assert frame.index[-1] == pd.Timestamp(rows[-1]["Date"])
        assert frame["volume"].sum() == sum(float(r["Volume"]) for r in rows)


def test_shared_files_load_fast(prices_dir: Path):
    source = CsvDirectorySource(prices_dir)
    started = time.monotonic()
    source.load("^GSPC")  # 24,735 rows, the largest file
    assert time.monotonic() - started < 2.0


def test_1810_range_matches_raw_csv(prices_dir: Path):
    frame = CsvDirectorySource(prices_dir).load("1810.HK", "2024-04-01", "2026-03-25")
    rows = [
        r for r in raw_rows(prices_dir / "1810.HK.csv") if "2024-04-01" <= r["Date"] <= "2026-03-25"
    ]
    assert len(frame) == len(rows) > 450
    for position, row in ((0, rows[0]), (-1, rows[-1])):
        bar = frame.iloc[position]
        assert frame.index[position] == pd.Timestamp(row["Date"])
        assert [bar["open"], bar["high"], bar["low"], bar["close"], bar["volume"]] == [
            float(row[c]) for c in ("Open", "High", "Low", "Close", "Volume")
        ]
    assert frame.index[-1] == pd.Timestamp("2026-03-25")


def test_1810_zero_volume_bars_are_kept_and_reported(prices_dir: Path):
    frame = CsvDirectorySource(prices_dir).load("1810.HK")
    report = validate_prices(frame, name="1810.HK")
    expected = pd.to_datetime(
        [
            "2020-12-24", "2020-12-31", "2021-02-11", "2022-01-31", "2024-01-15", "2024-02-09",
            "2024-12-24", "2024-12-31", "2025-01-28", "2025-12-24", "2025-12-31", "2026-02-16",
        ]
    )  # fmt: skip
    assert list(report.zero_volume_dates) == list(expected)
    assert (frame.loc[expected, "volume"] == 0).all()
    assert report.rows == 1900
    assert "12 zero-volume bars kept" in report.summary()


def test_inconsistent_bars_of_real_files_are_reported(prices_dir: Path):
    source = CsvDirectorySource(prices_dir)
    geely = validate_prices(source.load("0175.HK"), name="0175.HK")
    assert pd.Timestamp("2009-03-25") in geely.inconsistent_dates  # high < low in Yahoo's data
    byd = validate_prices(source.load("1211.HK"), name="1211.HK")
    assert byd.inconsistent_dates == (pd.Timestamp("2011-10-07"),)


@pytest.mark.parametrize(
    ("ticker", "day", "close"),
    [
        ("TSLA", "2022-08-25", 296.07),
        ("TSLA", "2023-12-13", 239.29),
        ("^GSPC", "2010-01-04", 1132.99),
        ("^GSPC", "2020-12-31", 3756.07),
    ],
)
def test_known_closes(prices_dir: Path, ticker: str, day: str, close: float):
    frame = CsvDirectorySource(prices_dir, adjusted=True).load(ticker, day, day)
    assert len(frame) == 1
    assert frame["close"].iloc[0] == pytest.approx(close, abs=0.005)


@pytest.mark.parametrize("ticker", ["^HSI", "^GSPC"])
def test_index_adj_close_factor_is_one(prices_dir: Path, ticker: str):
    raw = CsvDirectorySource(prices_dir, adjusted=False).load(ticker, "2000-01-01")
    adjusted = CsvDirectorySource(prices_dir, adjusted=True).load(ticker, "2000-01-01")
    pd.testing.assert_frame_equal(raw, adjusted)


def test_auto_adjusted_files_are_used_as_they_are(prices_dir: Path):
    raw = CsvDirectorySource(prices_dir, adjusted=False).load("SPY")
    adjusted = CsvDirectorySource(prices_dir, adjusted=True).load("SPY")
    pd.testing.assert_frame_equal(raw, adjusted)


# ---- adjustment with a real factor ---------------------------------------------------------


def test_adj_close_scales_open_high_low(tmp_path: Path):
    (tmp_path / "DIV.csv").write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n"
        "2024-01-02,10,12,8,10,9,1000\n"  # before a dividend: factor 0.9
        "2024-01-03,20,22,18,20,20,2000\n"  # after: factor 1
    )
    raw = CsvDirectorySource(tmp_path).load("DIV")
    assert raw["close"].tolist() == [10.0, 20.0]
    adjusted = CsvDirectorySource(tmp_path, adjusted=True).load("DIV")
    np.testing.assert_allclose(adjusted.iloc[0].to_numpy(), [9.0, 10.8, 7.2, 9.0, 1000.0])
    np.testing.assert_allclose(adjusted.iloc[1].to_numpy(), [20.0, 22.0, 18.0, 20.0, 2000.0])
    assert_convention(adjusted)


def test_header_variants_and_extra_columns(tmp_path: Path):
    path = tmp_path / "X.csv"
    path.write_text(
        " date , OPEN,High,low,close,adj_close,Volume,Dividends\n"
        "2024-01-02 00:00:00+08:00, 10,11,9,10.5,10,100,0\n"
        "2024-01-03 00:00:00+08:00,10.5,11,10,10.8,10.8,200,0\n"
    )
    frame = read_price_csv(path, adjusted=True)
    assert_convention(frame)
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03"]
    assert frame["close"].tolist() == [10.0, 10.8]
