"""Daily price data: the price-frame convention, its checks, and the sources that produce it.

Every source returns a *price frame*: a ``pd.DataFrame`` indexed by a tz-naive, midnight
``DatetimeIndex`` named ``date`` (sorted, unique) with float64 columns :data:`PRICE_COLUMNS`.
:class:`CsvDirectorySource` reads a folder of ``TICKER.csv`` files (offline);
:class:`YFinanceSource` downloads from Yahoo Finance into an on-disk cache. Both satisfy
:class:`PriceSource`. Importing this package has no side effects (yfinance is imported lazily).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import pandas as pd

from recall_risk.prices.cache import CacheEntry, PriceCache, default_cache_dir
from recall_risk.prices.checks import (
    PRICE_COLUMNS,
    DateLike,
    PriceReport,
    select_range,
    validate_prices,
)
from recall_risk.prices.csvdir import CsvDirectorySource, read_price_csv
from recall_risk.prices.yahoo import YFinanceSource


@runtime_checkable
class PriceSource(Protocol):
    """Anything that loads a price frame for a ticker and an inclusive date range."""

    def load(self, ticker: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Return ``ticker``'s bars from ``start`` to ``end`` (inclusive) as a price frame."""
        ...


def load_many(
    source: PriceSource, tickers: Iterable[str], start: DateLike, end: DateLike
) -> dict[str, pd.DataFrame]:
    """Load several tickers from one source, in the order given.

    Args:
        source: Any :class:`PriceSource`.
        tickers: Tickers to load; a repeated ticker is loaded once.
        start: First day (inclusive) or ``None``.
        end: Last day (inclusive) or ``None``.

    Returns:
        ``{ticker: price frame}`` in the order of ``tickers``.

    Raises:
        PriceDataError: For the first ticker that fails (other errors of the source pass through).
    """
    frames: dict[str, pd.DataFrame] = {}
    for ticker in tickers:
        if ticker not in frames:
            frames[ticker] = source.load(ticker, start, end)
    return frames


__all__ = [
    "PRICE_COLUMNS",
    "CacheEntry",
    "CsvDirectorySource",
    "DateLike",
    "PriceCache",
    "PriceReport",
    "PriceSource",
    "YFinanceSource",
    "default_cache_dir",
    "load_many",
    "read_price_csv",
    "select_range",
    "validate_prices",
]
