"""Price frames from Yahoo Finance through yfinance, kept in an on-disk cache.

Owns the network side: a short connectivity probe (yfinance itself can hang for minutes on a
network that drops packets), the ``yf.download`` call, and turning its frame (two-level columns,
maybe a tz-aware index) into a price frame. Every way of not getting data becomes a
:class:`~recall_risk.errors.DataUnavailableError` that says how to run offline. yfinance is
imported only when a download is needed; nothing happens at import time.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from recall_risk.errors import DataUnavailableError, PriceDataError
from recall_risk.prices.cache import CacheEntry, PriceCache, default_cache_dir, utc_today
from recall_risk.prices.checks import (
    INDEX_NAME,
    PRICE_COLUMNS,
    PRICE_ONLY_COLUMNS,
    DateLike,
    check_ticker,
    select_range,
    to_timestamp,
    validate_prices,
)
from recall_risk.prices.csvdir import CSV_FORMAT, HEADER_NAMES, read_price_csv
from recall_risk.prices.probe import probe_connection

YAHOO_HOST = "query1.finance.yahoo.com"
YAHOO_PORT = 443

EARLIEST_START = date(1920, 1, 1)
"""Start used when none is given (Yahoo's oldest daily bars are from 1927)."""

OFFLINE_HINT = (
    "to run offline pass a folder of CSV files with --prices-dir DIR "
    f"(files named TICKER.csv with {CSV_FORMAT})"
)

_YF_NAMES = {k: v for k, v in HEADER_NAMES.items() if v != "date"}  # dates are the index


def frame_from_download(raw: pd.DataFrame | None, ticker: str) -> pd.DataFrame:
    """Turn a ``yf.download`` result into a price frame (plus ``adj_close`` when present).

    Flattens two-level columns (selecting ``ticker`` when several are present), strips the
    timezone (keeping the exchange's calendar day), normalises to midnight, drops rows whose
    prices are all NaN and renames columns to :data:`PRICE_COLUMNS`. Returns an empty frame for
    an empty download. Does not validate.

    Raises:
        PriceDataError: A non-empty download without the expected columns.
    """
    if raw is None or raw.empty:
        return pd.DataFrame(columns=list(PRICE_COLUMNS), dtype="float64")
    frame = raw
    if isinstance(frame.columns, pd.MultiIndex):
        frame = _flatten(frame, ticker)
    names = {c: _YF_NAMES[str(c).strip().lower()] for c in frame.columns if _known(c)}
    frame = frame.loc[:, list(names)].rename(columns=names)
    missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
    if missing:
        raise PriceDataError(
            f"Yahoo Finance data for {ticker}: missing column(s) {', '.join(missing)} "
            f"(got {', '.join(map(str, raw.columns))})"
        )
    columns = [*PRICE_COLUMNS[:4], *(["adj_close"] if "adj_close" in frame else []), "volume"]
    frame = frame.loc[:, columns].astype("float64")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)
    frame.index = index.normalize().as_unit("us").rename(INDEX_NAME)
    return frame.dropna(how="all", subset=list(PRICE_ONLY_COLUMNS))


def _known(column: object) -> bool:
    return str(column).strip().lower() in _YF_NAMES


def _flatten(frame: pd.DataFrame, ticker: str) -> pd.DataFrame:
    columns = frame.columns
    price_level = next(
        (i for i in range(columns.nlevels) if any(map(_known, columns.get_level_values(i)))),
        0,
    )
    for level in reversed(range(columns.nlevels)):
        if level == price_level:
            continue
        values = columns.get_level_values(level)
        if values.nunique() > 1 and ticker in set(values):
            frame = frame.xs(ticker, axis=1, level=level)
        else:
            frame = frame.droplevel(level, axis=1)
        columns = frame.columns
    return frame


class YFinanceSource:
    """Daily prices from Yahoo Finance via yfinance, cached on disk.

    A request covered by the cache never touches the network. Otherwise a short connectivity
    probe runs first, then ``yf.download`` for the union of the cached and requested ranges
    (one download, so the whole file shares one adjustment basis).

    Args:
        cache_dir: Cache folder; default :func:`~recall_risk.prices.default_cache_dir`,
            resolved when first needed.
        adjusted: yfinance ``auto_adjust``: split- and dividend-adjusted OHLC. ``False`` gives
            the traded (split-adjusted only) prices; the cache then keeps ``Adj Close`` too.
        probe_timeout: Seconds allowed for the DNS look-up and TCP connection of the probe.
    """

    probe_address: tuple[str, int] = (YAHOO_HOST, YAHOO_PORT)

    def __init__(
        self,
        cache_dir: Path | None = None,
        adjusted: bool = True,
        probe_timeout: float = 3.0,
    ) -> None:
        self._cache_dir = None if cache_dir is None else Path(cache_dir)
        self.adjusted = adjusted
        self.probe_timeout = probe_timeout

    def __repr__(self) -> str:
        return (
            f"YFinanceSource(cache_dir={self._cache_dir!r}, adjusted={self.adjusted}, "
            f"probe_timeout={self.probe_timeout})"
        )

    @property
    def cache_dir(self) -> Path:
        """The cache folder (the argument, else :func:`default_cache_dir` at call time)."""
        return self._cache_dir if self._cache_dir is not None else default_cache_dir()

    @property
    def cache(self) -> PriceCache:
        """The cache of this source's adjustment mode."""
        return PriceCache(self.cache_dir, self.adjusted)

    def fetch(self, ticker: str, start: DateLike, end: DateLike, *, refresh: bool = False) -> Path:
        """Make sure the cache holds ``ticker`` from ``start`` to ``end``; return the CSV path.

        Args:
            ticker: Yahoo ticker, for example ``1810.HK`` or ``^HSI``.
            start: First day (inclusive); ``None`` means :data:`EARLIEST_START`.
            end: Last day (inclusive); ``None`` means today (UTC).
            refresh: Download even when the cache covers the range.

        Raises:
            DataUnavailableError: Yahoo cannot be reached or returns nothing.
            PriceDataError: Bad dates, malformed data from Yahoo, or an unwritable cache.
        """
        ticker = check_ticker(ticker)
        first, last = self._request_range(start, end)
        cache = self.cache
        entry = None if refresh else cache.entry(ticker)
        if entry is not None:
            if entry.covers(first, last):
                return cache.csv_path(ticker)
            first, last = min(first, entry.start), max(last, entry.end)
        frame = self._download(ticker, first, last)
        validate_prices(frame, name=f"Yahoo Finance data for {ticker}")
        fetched_on = utc_today()
        entry = CacheEntry(
            ticker=ticker,
            adjusted=self.adjusted,
            start=first,
            end=min(last, fetched_on - timedelta(days=1)),
            fetched_on=fetched_on,
            rows=len(frame),
            first_bar=frame.index[0].date(),
            last_bar=frame.index[-1].date(),
        )
        adj_close = frame.get("adj_close")
        return cache.store(frame.loc[:, list(PRICE_COLUMNS)], entry, adj_close=adj_close)

    def load(self, ticker: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Load ``ticker``'s bars from ``start`` to ``end`` (inclusive), downloading if needed.

        Returns:
            A price frame (see :mod:`recall_risk.prices.checks`).

        Raises:
            DataUnavailableError: Not cached and Yahoo cannot be reached or returns nothing.
            PriceDataError: Bad dates, malformed data, or no bar in the range.
        """
        path = self.fetch(ticker, start, end)
        # the cache's raw mode keeps Adj Close; this source then wants the traded prices
        try:
            frame = read_price_csv(path, adjusted=False)
        except PriceDataError as exc:
            raise PriceDataError(
                f"{exc} (a cached download: delete {path} to fetch it again)"
            ) from exc
        return select_range(frame, start, end, name=f"{ticker} (cached in {path})")

    def _request_range(self, start: DateLike, end: DateLike) -> tuple[date, date]:
        first = to_timestamp(start, what="start")
        last = to_timestamp(end, what="end")
        first_day = first.date() if first is not None else EARLIEST_START
        last_day = last.date() if last is not None else utc_today()
        if first_day > last_day:
            raise PriceDataError(f"start {first_day} is after end {last_day}: swap them")
        return first_day, last_day

    def _download(self, ticker: str, first: date, last: date) -> pd.DataFrame:
        host, port = self.probe_address
        try:
            probe_connection(host, port, self.probe_timeout)
        except DataUnavailableError as exc:
            raise DataUnavailableError(
                f"cannot reach Yahoo Finance ({exc}); {OFFLINE_HINT}"
            ) from exc
        import yfinance as yf  # heavy, and only needed here

        yf_errors: tuple[type[BaseException], ...] = (OSError,)
        yf_exception = getattr(getattr(yf, "exceptions", None), "YFException", None)
        if isinstance(yf_exception, type):
            yf_errors += (yf_exception,)
        try:
            raw = yf.download(
                ticker,
                start=first.isoformat(),
                end=(last + timedelta(days=1)).isoformat(),  # yfinance's end is exclusive
                auto_adjust=self.adjusted,
                actions=False,
                progress=False,
                threads=False,
            )
        except yf_errors as exc:
            raise DataUnavailableError(
                f"cannot reach Yahoo Finance (download of {ticker} failed: {exc}); {OFFLINE_HINT}"
            ) from exc
        frame = frame_from_download(raw, ticker)
        if frame.empty:
            raise DataUnavailableError(
                f"Yahoo Finance returned no data for {ticker} from {first} to {last} (wrong or "
                f"delisted ticker, no trading days in the range, or Yahoo unreachable or "
                f"rate-limiting); {OFFLINE_HINT}"
            )
        return frame
