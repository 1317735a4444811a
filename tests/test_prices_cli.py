"""The ``fetch`` command, driven through its own parser (other commands are not needed)."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance

from recall_risk.cli import fetch_cmd
from recall_risk.errors import DataUnavailableError, PriceDataError


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="recall-risk")
    fetch_cmd.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No network, no real download, no user cache."""
    yfinance.set_tz_cache_location(str(tmp_path_factory.mktemp("yfinance-cache")))
    monkeypatch.setenv("RECALL_RISK_CACHE", str(tmp_path_factory.mktemp("default-cache")))

    def refuse(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(yfinance, "download", refuse)


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """A reachable fake Yahoo: the probe connects, ``yf.download`` returns weekday bars."""
    calls: list[dict[str, object]] = []

    class Connection:
        def close(self) -> None:
            pass

    def download(ticker: str, **kwargs: object) -> pd.DataFrame:
        calls.append({"ticker": ticker, **kwargs})
        days = pd.bdate_range(kwargs["start"], pd.Timestamp(kwargs["end"]) - pd.Timedelta(days=1))
        close = np.linspace(10, 20, len(days))
        volume = np.where(days == pd.Timestamp("2024-01-15"), 0, 500)
        columns = {"Close": close, "High": close + 1, "Low": close - 1, "Open": close}
        frame = pd.DataFrame({**columns, "Volume": volume}, index=days.rename("Date"))
        frame.columns = pd.MultiIndex.from_product([frame.columns, [ticker]])
        return frame

    address = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.10", 443))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: [address])
    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: Connection())
    monkeypatch.setattr(yfinance, "download", download)
    return calls


def test_fetch_prints_one_line_per_ticker(tmp_path: Path, downloads, capsys):
    args = parse(
        "fetch", "1810.HK", "^HSI", "--start", "2024-01-02", "--end", "2024-01-31",
        "--cache-dir", str(tmp_path),
    )  # fmt: skip
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"1810.HK: 22 bars 2024-01-02..2024-01-31 -> {tmp_path / 'adjusted' / '1810.HK.csv'}"
        " (1 zero-volume bars kept)",
        f"^HSI: 22 bars 2024-01-02..2024-01-31 -> {tmp_path / 'adjusted' / '^HSI.csv'}"
        " (1 zero-volume bars kept)",
    ]
    assert [call["auto_adjust"] for call in downloads] == [True, True]
    # a second run is served from the cache
    assert args.handler(args) == 0
    assert len(downloads) == 2


def test_fetch_no_adjust_and_refresh(tmp_path: Path, downloads, capsys):
    argv = ["fetch", "TSLA", "--start", "2024-01-02", "--end", "2024-01-05", "--no-adjust"]
    args = parse(*argv, "--cache-dir", str(tmp_path))
    assert args.adjusted is False
    assert args.handler(args) == 0
    assert downloads[0]["auto_adjust"] is False
    assert (tmp_path / "raw" / "TSLA.csv").is_file()
    args = parse(*argv, "--cache-dir", str(tmp_path), "--refresh")
    assert args.handler(args) == 0
    assert len(downloads) == 2


def test_fetch_uses_the_default_cache(downloads, capsys):
    args = parse("fetch", "TSLA", "--start", "2024-01-02", "--end", "2024-01-05")
    assert args.cache_dir is None
    args.handler(args)
    assert "default-cache" in capsys.readouterr().out


def test_fetch_offline_raises_unavailable(tmp_path: Path):
    args = parse("fetch", "TSLA", "--start", "2024-01-02", "--end", "2024-01-05")
    with pytest.raises(DataUnavailableError, match=r"cannot reach Yahoo Finance.*--prices-dir"):
        args.handler(args)


def test_fetch_bad_arguments(capsys):
    with pytest.raises(SystemExit) as info:
        parse("fetch", "TSLA", "--start", "2024-02-30", "--end", "2024-03-01")
    assert info.value.code == 2
    assert "invalid date '2024-02-30': expected YYYY-MM-DD" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse("fetch", "TSLA", "--start", "2024-01-01")  # --end is required
    args = parse("fetch", "TSLA", "--start", "2024-03-01", "--end", "2024-01-01")
    with pytest.raises(PriceDataError, match="--start 2024-03-01 is after --end 2024-01-01"):
        args.handler(args)


def test_fetch_offline_hint_fits_fetch(tmp_path: Path):
    """fetch has no --prices-dir: its offline message says where that option goes."""
    args = parse("fetch", "TSLA", "--start", "2024-01-02", "--end", "2024-01-05")
    with pytest.raises(DataUnavailableError) as info:
        args.handler(args)
    message = str(info.value)
    assert message.startswith("cannot reach Yahoo Finance (")
    assert "to run offline pass" not in message
    assert message.endswith(
        "fetch only downloads; to work offline, put TICKER.csv files (columns "
        "Date,Open,High,Low,Close[,Adj Close],Volume) in a folder and pass it with "
        "--prices-dir DIR to run, sweep, walkforward or study"
    )
