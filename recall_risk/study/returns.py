"""Aligned daily returns of a stock and its benchmark, and the event-time clock (day 0).

Returns are *simple* close-to-close returns, ``close_t / close_{t-1} - 1``, computed on the days
both the stock and the benchmark have a close (an inner join of the two calendars), so a stock
return and the market return beside it always span the same interval. Day 0 of an event is the
first such day on or after its ``announced`` date: an event announced on a weekend or holiday,
or after the market closed on a day with no joint bar, maps to the next trading day.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from recall_risk.errors import PriceDataError


def aligned_returns(
    stock: pd.DataFrame, market: pd.DataFrame, *, stock_name: str, market_name: str
) -> pd.DataFrame:
    """Simple daily returns of ``stock`` and ``market`` on their common trading days.

    Args:
        stock: A price frame (needs a ``close`` column) of the stock.
        market: A price frame of the benchmark.
        stock_name: Ticker of the stock, for messages.
        market_name: Ticker of the benchmark, for messages.

    Returns:
        Columns ``stock, market`` indexed by the common days after the first (whose return is
        undefined), named ``date``.

    Raises:
        PriceDataError: fewer than two common days.
    """
    closes = pd.concat(
        [stock["close"].rename("stock"), market["close"].rename("market")], axis=1, join="inner"
    ).sort_index()
    if len(closes) < 2:
        raise PriceDataError(
            f"{stock_name} and {market_name} share {len(closes)} trading day(s) "
            f"({_span(stock)} vs {_span(market)}); an event study needs overlapping daily prices"
        )
    values = closes.to_numpy(dtype=float)
    returns = values[1:] / values[:-1] - 1.0
    index = pd.DatetimeIndex(closes.index[1:], name="date")
    return pd.DataFrame(returns, index=index, columns=["stock", "market"])


def _span(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "no bars"
    return f"{frame.index[0].date()}..{frame.index[-1].date()}"


def day_zero(index: pd.DatetimeIndex, announced: date) -> int | None:
    """Position in ``index`` of the first day on or after ``announced`` (None if none)."""
    position = int(index.searchsorted(pd.Timestamp(announced), side="left"))
    return position if position < len(index) else None
