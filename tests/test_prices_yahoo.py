"""YFinanceSource with fakes: probe, offline failure, flattening, caching; never the network.

Every test runs with ``socket.getaddrinfo`` and ``socket.create_connection`` refusing, and with
``yfinance.download`` replaced by a fake that records its calls.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance

from recall_risk.errors import DataUnavailableError, PriceDataError
from recall_risk.prices import PRICE_COLUMNS, CsvDirectorySource, YFinanceSource
from recall_risk.prices.cache import CACHE_ENV, CacheEntry, default_cache_dir, utc_today
from recall_risk.prices.probe import probe_connection
from recall_risk.prices.yahoo import YAHOO_HOST, frame_from_download

OFFLINE_ADVICE = "to run offline pass a folder of CSV files with --prices-dir DIR"


@pytest.fixture(scope="module", autouse=True)
def yfinance_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    yfinance.set_tz_cache_location(str(tmp_path_factory.mktemp("yfinance-cache")))


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


class FakeDownload:
    """Stands in for ``yf.download``: a realistic frame (two-level columns, tz-aware index)."""

    def __init__(self, tz: str | None = "Asia/Hong_Kong", result: object = None) -> None:
        self.tz = tz
        self.result = result  # an exception to raise or a frame to return instead
        self.calls: list[dict[str, object]] = []

    def __call__(self, tickers: str, **kwargs: object) -> pd.DataFrame:
        self.calls.append({"tickers": tickers, **kwargs})
        if isinstance(self.result, BaseException):
            raise self.result
        if isinstance(self.result, pd.DataFrame):
            return self.result
        start, end = str(kwargs["start"]), str(kwargs["end"])
        return yahoo_frame(tickers, start, end, tz=self.tz, auto_adjust=bool(kwargs["auto_adjust"]))


def yahoo_frame(
    ticker: str, start: str, end_exclusive: str, *, tz: str | None, auto_adjust: bool = True
) -> pd.DataFrame:
    """Weekday bars in [start, end), like yf.download: columns (Price, Ticker), sorted names."""
    days = pd.bdate_range(start, pd.Timestamp(end_exclusive) - pd.Timedelta(days=1), name="Date")
    index = days.tz_localize(tz) if tz else days.as_unit("s")
    # a stable price per calendar day, so that different downloads agree
    close = 10.0 + (days - pd.Timestamp("2024-01-01")).days.to_numpy() / 100.0
    data = {
        "Close": close,
        "High": close + 0.5,
        "Low": close - 0.5,
        "Open": close - 0.25,
        "Volume": np.full(len(days), 1_000_000, dtype="int64"),
    }
    if not auto_adjust:
        data = {"Adj Close": close * 0.9, **data}
    frame = pd.DataFrame(data, index=index)
    frame.columns = pd.MultiIndex.from_product([frame.columns, [ticker]], names=["Price", "Ticker"])
    return frame


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeDownload:
    fake = FakeDownload()
    monkeypatch.setattr(yfinance, "download", fake)
    return fake


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Let the probe succeed against a fake address; returns the connections it opened."""
    opened: list[tuple] = []

    class Connection:
        def close(self) -> None:
            pass

    def resolve(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.10", port))]

    def connect(address: tuple, timeout: float | None = None) -> Connection:
        opened.append((address, timeout))
        return Connection()

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", connect)
    return opened


# ---- cache location ------------------------------------------------------------------------


def test_default_cache_dir_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "env"
    monkeypatch.delenv(CACHE_ENV)
    assert default_cache_dir() == tmp_path / "xdg" / "recall-risk"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "recall-risk"
    assert not any(tmp_path.iterdir())  # nothing created


def test_cache_dir_is_resolved_lazily(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "first"))
    source = YFinanceSource()
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "second"))
    assert source.cache_dir == tmp_path / "second"
    assert YFinanceSource(cache_dir=tmp_path / "arg").cache_dir == tmp_path / "arg"
    assert not any(tmp_path.iterdir())


# ---- probe and the offline failure ---------------------------------------------------------


def test_offline_dns_failure_fails_fast_with_advice(
    tmp_path: Path, fake: FakeDownload, monkeypatch
):
    def no_dns(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    started = time.monotonic()
    with pytest.raises(DataUnavailableError) as info:
        YFinanceSource(cache_dir=tmp_path).load("1810.HK", "2024-04-01", "2024-06-28")
    assert time.monotonic() - started < 10
    message = str(info.value)
    assert message.startswith("cannot reach Yahoo Finance (DNS look-up of query1.finance.yahoo.com")
    assert "Name or service not known" in message
    assert OFFLINE_ADVICE in message
    assert "TICKER.csv with columns Date,Open,High,Low,Close[,Adj Close],Volume" in message
    assert isinstance(info.value, OSError)
    assert fake.calls == []
    assert not any(tmp_path.rglob("*.csv"))


def test_offline_hanging_dns_is_bounded_by_the_default_timeout(tmp_path: Path, fake, monkeypatch):
    release = threading.Event()

    def hang(*args: object, **kwargs: object) -> None:
        release.wait(60)
        raise socket.gaierror("released")

    monkeypatch.setattr(socket, "getaddrinfo", hang)
    source = YFinanceSource(cache_dir=tmp_path)  # default probe_timeout
    started = time.monotonic()
    try:
        with pytest.raises(DataUnavailableError, match=r"DNS look-up .* timed out after 3 s"):
            source.load("1810.HK", "2024-04-01", "2024-06-28")
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert elapsed < 10  # the functional requirement for the whole offline path
    assert fake.calls == []


def test_probe_connection_timeout_after_dns(monkeypatch: pytest.MonkeyPatch):
    address = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.1", 443))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: [address])

    def unreachable(address: tuple, timeout: float | None = None) -> None:
        assert 0 < timeout <= 0.5
        raise TimeoutError("timed out")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    with pytest.raises(
        DataUnavailableError, match=f"cannot connect to {YAHOO_HOST}:443: timed out"
    ):
        probe_connection(YAHOO_HOST, 443, 0.5)


def test_probe_connection_success(online: list[tuple]):
    probe_connection("example.invalid", 443, 1.0)
    assert online[0][0] == ("192.0.2.10", 443)


def test_probe_host_can_be_changed(tmp_path: Path, fake: FakeDownload, monkeypatch):
    looked_up: list[str] = []

    def record(host: str, *args: object, **kwargs: object) -> None:
        looked_up.append(host)
        raise socket.gaierror("no")

    monkeypatch.setattr(socket, "getaddrinfo", record)
    source = YFinanceSource(cache_dir=tmp_path, probe_timeout=1.0)
    source.probe_address = ("nonexistent.invalid", 443)
    with pytest.raises(DataUnavailableError, match=r"nonexistent\.invalid"):
        source.fetch("TSLA", "2024-01-02", "2024-01-05")
    assert looked_up == ["nonexistent.invalid"]


def test_yfinance_oserror_becomes_unavailable(tmp_path: Path, fake: FakeDownload, online):
    fake.result = OSError("Could not resolve host: guce.yahoo.com")
    with pytest.raises(DataUnavailableError, match=r"Could not resolve host.*--prices-dir DIR"):
        YFinanceSource(cache_dir=tmp_path).load("1810.HK", "2024-04-01", "2024-06-28")
    assert not any(tmp_path.rglob("*.*"))


@pytest.mark.parametrize("kind", ["no columns", "weekend only"])
def test_empty_download_becomes_unavailable_and_is_not_cached(tmp_path, fake, online, kind):
    if kind == "no columns":  # what yf.download returns offline or for an unknown ticker
        fake.result = pd.DataFrame()
    else:  # two-level columns but no rows
        fake.result = yahoo_frame("NOPE", "2024-01-06", "2024-01-08", tz=None)
        assert fake.result.empty
    with pytest.raises(DataUnavailableError, match="returned no data for NOPE from 2024-01-06"):
        YFinanceSource(cache_dir=tmp_path).fetch("NOPE", "2024-01-06", "2024-01-07")
    assert not any(tmp_path.rglob("*.*"))


# ---- flattening, caching -------------------------------------------------------------------


def test_fetch_flattens_strips_tz_and_caches(tmp_path: Path, fake: FakeDownload, online):
    source = YFinanceSource(cache_dir=tmp_path)
    frame = source.load("1810.HK", "2024-04-01", date(2024, 6, 28))
    call = fake.calls[0]
    assert call["tickers"] == "1810.HK"
    assert call["start"] == "2024-04-01"
    assert call["end"] == "2024-06-29"  # yfinance's end is exclusive
    assert call["auto_adjust"] is True
    assert call["progress"] is False
    assert call["threads"] is False
    assert list(frame.columns) == list(PRICE_COLUMNS)
    assert (frame.dtypes == "float64").all()
    assert frame.index.tz is None
    assert frame.index.name == "date"
    assert (frame.index == frame.index.normalize()).all()
    assert frame.index[0] == pd.Timestamp("2024-04-01")
    assert frame.index[-1] == pd.Timestamp("2024-06-28")
    expected = yahoo_frame("1810.HK", "2024-04-01", "2024-06-29", tz="Asia/Hong_Kong")
    np.testing.assert_array_equal(frame["close"], expected[("Close", "1810.HK")])
    np.testing.assert_array_equal(frame["volume"], expected[("Volume", "1810.HK")])

    csv_path = tmp_path / "adjusted" / "1810.HK.csv"
    assert csv_path.read_text().splitlines()[0] == "Date,Open,High,Low,Close,Volume"
    assert csv_path.read_text().splitlines()[1].startswith("2024-04-01,")
    sidecar = json.loads((tmp_path / "adjusted" / "1810.HK.json").read_text())
    assert sidecar == {
        "source": "yfinance",
        "ticker": "1810.HK",
        "adjusted": True,
        "start": "2024-04-01",
        "end": "2024-06-28",
        "fetched_on": utc_today().isoformat(),
        "rows": len(frame),
        "first_bar": "2024-04-01",
        "last_bar": "2024-06-28",
    }
    assert [p.name for p in (tmp_path / "adjusted").iterdir() if p.name.endswith(".tmp")] == []
    # the cache folder also works offline as a --prices-dir
    pd.testing.assert_frame_equal(CsvDirectorySource(tmp_path / "adjusted").load("1810.HK"), frame)


def test_covered_requests_reuse_the_cache_without_network(tmp_path, fake, online, monkeypatch):
    source = YFinanceSource(cache_dir=tmp_path)
    full = source.load("1810.HK", "2024-04-01", "2024-06-28")
    assert len(fake.calls) == 1

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network must not be used for a cached range")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    part = source.load("1810.HK", "2024-05-02", "2024-05-31")
    assert len(fake.calls) == 1
    pd.testing.assert_frame_equal(part, full.loc["2024-05-02":"2024-05-31"])
    assert (
        source.fetch("1810.HK", "2024-04-01", "2024-06-28") == tmp_path / "adjusted" / "1810.HK.csv"
    )
    assert len(fake.calls) == 1


def test_uncovered_request_downloads_the_union(tmp_path: Path, fake: FakeDownload, online):
    source = YFinanceSource(cache_dir=tmp_path)
    source.load("1810.HK", "2024-04-01", "2024-06-28")
    later = source.load("1810.HK", "2024-06-01", "2024-07-31")
    assert (fake.calls[1]["start"], fake.calls[1]["end"]) == ("2024-04-01", "2024-08-01")
    assert later.index[-1] == pd.Timestamp("2024-07-31")
    entry = source.cache.entry("1810.HK")
    assert (entry.start, entry.end) == (date(2024, 4, 1), date(2024, 7, 31))
    source.load("1810.HK", "2024-04-15", "2024-07-15")
    assert len(fake.calls) == 2
    source.fetch("1810.HK", "2024-04-15", "2024-07-15", refresh=True)
    assert len(fake.calls) == 3


def test_naive_second_index_and_raw_mode(tmp_path: Path, fake: FakeDownload, online):
    fake.tz = None  # yf.download's usual naive datetime64[s] index
    source = YFinanceSource(cache_dir=tmp_path, adjusted=False)
    frame = source.load("TSLA", "2024-01-02", "2024-01-05")
    assert fake.calls[0]["auto_adjust"] is False
    assert frame["close"].tolist() == [10.01, 10.02, 10.03, 10.04]  # traded, not Adj Close
    raw_csv = tmp_path / "raw" / "TSLA.csv"
    assert raw_csv.read_text().splitlines()[0] == "Date,Open,High,Low,Close,Adj Close,Volume"
    adjusted = CsvDirectorySource(tmp_path / "raw", adjusted=True).load("TSLA")
    np.testing.assert_allclose(adjusted["close"], [9.009, 9.018, 9.027, 9.036])
    assert not (tmp_path / "adjusted").exists()  # the modes are cached apart


def test_future_end_is_not_marked_as_covered(tmp_path: Path, fake: FakeDownload, online):
    source = YFinanceSource(cache_dir=tmp_path)
    today = utc_today()
    source.fetch("TSLA", today - timedelta(days=20), today + timedelta(days=30))
    assert source.cache.entry("TSLA").end == today - timedelta(days=1)
    source.fetch("TSLA", today - timedelta(days=20), today - timedelta(days=2))
    assert len(fake.calls) == 1
    source.fetch("TSLA", today - timedelta(days=20), today)
    assert len(fake.calls) == 2  # a bar still forming today is fetched again


def test_all_nan_rows_are_dropped_and_multi_ticker_frames_selected():
    frame = pd.concat(
        [
            yahoo_frame("A", "2024-01-02", "2024-01-05", tz="America/New_York"),
            yahoo_frame("B", "2024-01-02", "2024-01-05", tz="America/New_York") * 2,
        ],
        axis=1,
    )
    frame.iloc[1] = np.nan
    out = frame_from_download(frame, "B")
    assert list(out.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-04"]
    assert out["close"].tolist() == [20.02, 20.06]
    assert out.index.tz is None


def test_bad_yahoo_data_is_rejected_and_not_cached(tmp_path: Path, fake: FakeDownload, online):
    frame = yahoo_frame("X", "2024-01-02", "2024-01-05", tz=None)
    frame.iloc[1, 0] = -1.0  # a negative close
    fake.result = frame
    with pytest.raises(
        PriceDataError, match=r"Yahoo Finance data for X: non-positive .* close on 2024-01-03"
    ):
        YFinanceSource(cache_dir=tmp_path).fetch("X", "2024-01-02", "2024-01-04")
    assert not any(tmp_path.rglob("*.*"))
    fake.result = frame.drop(columns="Volume", level=0)
    with pytest.raises(PriceDataError, match=r"missing column\(s\) volume"):
        YFinanceSource(cache_dir=tmp_path).fetch("X", "2024-01-02", "2024-01-04")


def test_corrupt_sidecar_is_a_cache_miss(tmp_path: Path, fake: FakeDownload, online):
    source = YFinanceSource(cache_dir=tmp_path)
    source.fetch("TSLA", "2024-01-02", "2024-01-05")
    (tmp_path / "adjusted" / "TSLA.json").write_text("{not json")
    assert source.cache.entry("TSLA") is None
    source.fetch("TSLA", "2024-01-02", "2024-01-05")
    assert len(fake.calls) == 2
    assert CacheEntry.from_json((tmp_path / "adjusted" / "TSLA.json").read_text()).rows == 4


def test_corrupt_cached_csv_says_how_to_recover(tmp_path: Path, fake: FakeDownload, online):
    source = YFinanceSource(cache_dir=tmp_path)
    source.fetch("TSLA", "2024-01-02", "2024-01-05")
    path = tmp_path / "adjusted" / "TSLA.csv"
    path.write_text("garbage\n")
    with pytest.raises(PriceDataError, match=re.escape(f"delete {path} to fetch it again")):
        source.load("TSLA", "2024-01-02", "2024-01-05")


def test_cache_write_is_atomic(tmp_path: Path, fake: FakeDownload, online, monkeypatch):
    source = YFinanceSource(cache_dir=tmp_path)
    source.fetch("TSLA", "2024-01-02", "2024-01-05")
    folder = tmp_path / "adjusted"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def fail_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail_replace)
    with pytest.raises(PriceDataError, match=r"cannot write the price cache .*No space left"):
        source.fetch("TSLA", "2024-01-02", "2024-02-05")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # old files intact
    assert len(fake.calls) == 2


def test_bad_request_dates(tmp_path: Path, fake: FakeDownload):
    source = YFinanceSource(cache_dir=tmp_path)
    with pytest.raises(PriceDataError, match="start 2024-02-01 is after end 2024-01-01"):
        source.fetch("TSLA", "2024-02-01", "2024-01-01")
    with pytest.raises(PriceDataError, match="invalid end date 'soon'"):
        source.load("TSLA", "2024-02-01", "soon")
    with pytest.raises(PriceDataError, match="invalid ticker"):
        source.load("../TSLA")
    assert fake.calls == []
