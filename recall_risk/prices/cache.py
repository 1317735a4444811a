"""On-disk cache of downloaded daily prices: where it lives, what it covers, atomic writes.

Layout under the cache folder (:func:`default_cache_dir` unless one is given):
``adjusted/TICKER.csv`` (yfinance ``auto_adjust=True``) and ``raw/TICKER.csv``
(``auto_adjust=False``, with an ``Adj Close`` column), in the CSV format of
:mod:`recall_risk.prices.csvdir`, so either folder also works offline as a ``--prices-dir``. Beside
each CSV a ``TICKER.json`` sidecar (:class:`CacheEntry`) records the fetch date (UTC), the
adjustment mode and the date range covered. Files are replaced atomically (a temporary file in the
same folder, then ``os.replace``), CSV first, so a sidecar never claims more than its CSV holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from recall_risk.errors import PriceDataError
from recall_risk.prices.checks import check_ticker
from recall_risk.prices.csvdir import write_price_csv

CACHE_ENV = "RECALL_RISK_CACHE"
"""Environment variable naming the cache folder."""

_APP_DIR = "recall-risk"


def default_cache_dir() -> Path:
    """Return the cache folder: ``$RECALL_RISK_CACHE``, else ``$XDG_CACHE_HOME/recall-risk``,
    else ``~/.cache/recall-risk``. Nothing is created."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / _APP_DIR


def utc_today() -> date:
    """Today's date in UTC (the cache's fetch date)."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class CacheEntry:
    """What one cached CSV holds (the JSON sidecar).

    Attributes:
        ticker: The Yahoo ticker.
        adjusted: yfinance ``auto_adjust`` used for the download.
        start: First day covered (the requested start: Yahoo has nothing earlier).
        end: Last day covered: the requested end, capped at the day before ``fetched_on`` so
            that a bar still forming on the fetch day is fetched again later.
        fetched_on: UTC date of the download.
        rows: Number of bars in the CSV.
        first_bar: Date of the first bar.
        last_bar: Date of the last bar.
    """

    ticker: str
    adjusted: bool
    start: date
    end: date
    fetched_on: date
    rows: int
    first_bar: date
    last_bar: date

    def covers(self, start: date, end: date) -> bool:
        """True when every day from ``start`` to ``end`` (inclusive) is covered."""
        return self.start <= start and end <= self.end

    def to_json(self) -> str:
        """The sidecar text."""
        data: dict[str, Any] = {"source": "yfinance", **asdict(self)}
        for key, value in data.items():
            if isinstance(value, date):
                data[key] = value.isoformat()
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> CacheEntry:
        """Parse sidecar text.

        Raises:
            ValueError: Not a sidecar of this format.
        """
        try:
            data = json.loads(text)
            return cls(
                ticker=str(data["ticker"]),
                adjusted=bool(data["adjusted"]),
                start=date.fromisoformat(data["start"]),
                end=date.fromisoformat(data["end"]),
                fetched_on=date.fromisoformat(data["fetched_on"]),
                rows=int(data["rows"]),
                first_bar=date.fromisoformat(data["first_bar"]),
                last_bar=date.fromisoformat(data["last_bar"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a price-cache sidecar: {exc!r}") from None


class PriceCache:
    """The cached CSVs of one adjustment mode.

    Args:
        root: The cache folder (see :func:`default_cache_dir`).
        adjusted: Which mode's sub-folder (``adjusted`` or ``raw``) to use.
    """

    def __init__(self, root: Path, adjusted: bool) -> None:
        self.root = Path(root)
        self.adjusted = adjusted
        self.folder = self.root / ("adjusted" if adjusted else "raw")

    def csv_path(self, ticker: str) -> Path:
        """Where ``ticker``'s CSV is (or would be) stored."""
        return self.folder / f"{check_ticker(ticker)}.csv"

    def sidecar_path(self, ticker: str) -> Path:
        """Where ``ticker``'s JSON sidecar is (or would be) stored."""
        return self.folder / f"{check_ticker(ticker)}.json"

    def entry(self, ticker: str) -> CacheEntry | None:
        """The sidecar of ``ticker``, or ``None`` when absent, unreadable, for another ticker or
        mode, or without its CSV (all treated as a cache miss)."""
        try:
            text = self.sidecar_path(ticker).read_text(encoding="utf-8")
            entry = CacheEntry.from_json(text)
        except (OSError, ValueError):
            return None
        if entry.ticker != ticker or entry.adjusted != self.adjusted:
            return None
        if not self.csv_path(ticker).is_file():
            return None
        return entry

    def store(
        self,
        frame: pd.DataFrame,
        entry: CacheEntry,
        *,
        adj_close: pd.Series | None = None,
    ) -> Path:
        """Write ``frame`` (never empty) and its sidecar atomically; return the CSV path.

        Raises:
            PriceDataError: ``frame`` is empty, or the folder is not writable.
        """
        if frame.empty:
            raise PriceDataError(f"{entry.ticker}: refusing to cache an empty price frame")
        path = self.csv_path(entry.ticker)
        try:
            _atomic_write(path, lambda handle: write_price_csv(frame, handle, adj_close=adj_close))
            _atomic_write(
                self.sidecar_path(entry.ticker), lambda handle: handle.write(entry.to_json())
            )
        except OSError as exc:
            raise PriceDataError(
                f"cannot write the price cache at {path} ({exc}); pass --cache-dir DIR or set "
                f"{CACHE_ENV} to a writable folder"
            ) from exc
        return path


def _atomic_write(path: Path, write: Callable[[TextIO], object]) -> None:
    """Write through a temporary file in the same folder, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp_name).replace(path)  # os.replace: atomic within one folder
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp_name).unlink()
        raise
