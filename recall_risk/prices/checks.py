"""The price-frame convention shared by the whole project, and its checks.

A *price frame* is a ``pd.DataFrame`` indexed by a tz-naive, midnight-normalised, sorted, unique
``DatetimeIndex`` named ``date`` with float64 columns ``open, high, low, close, volume``
(:data:`PRICE_COLUMNS`). This module owns that definition: :func:`validate_prices` raises
:class:`~recall_risk.errors.PriceDataError` for data no backtest should run on and returns a
:class:`PriceReport` of oddities that are kept (zero-volume bars, high/low inconsistencies), and
:func:`select_range` cuts an inclusive date range. It never reads files or the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeAlias

import numpy as np
import pandas as pd

from recall_risk.calendar import check_sorted_dates
from recall_risk.errors import PriceDataError

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")
"""Columns of every price frame, in this order."""

PRICE_ONLY_COLUMNS: tuple[str, ...] = PRICE_COLUMNS[:4]

INDEX_NAME = "date"

DateLike: TypeAlias = date | str | None
"""A calendar day: ``datetime.date`` (or ``datetime`` / ``pd.Timestamp``), ``"YYYY-MM-DD"``, or
``None`` for an open end."""

_SHOWN = 5  # dates listed in a summary before "..."

MAX_GAP_DAYS = 31
"""Calendar days between two consecutive bars beyond which the series has a hole worth a note
(a suspended listing, a missing download): longer than any exchange holiday."""


@dataclass(frozen=True)
class PriceReport:
    """What :func:`validate_prices` found acceptable but worth showing to the user.

    Attributes:
        name: The file or ticker the frame came from.
        rows: Number of bars.
        first: Date of the first bar.
        last: Date of the last bar.
        zero_volume_dates: Bars with ``volume == 0``, kept. In Yahoo data these are half-day
            sessions (single print, no volume) and old index history without volume.
        inconsistent_dates: Bars where ``high < low`` or open/close lie outside ``[low, high]``,
            kept. In Yahoo data they come from rounding of dividend adjustments on old bars.
        gaps: ``(last bar before, first bar after)`` of every hole of more than
            :data:`MAX_GAP_DAYS` calendar days without bars (a trading halt, missing data).
    """

    name: str
    rows: int
    first: pd.Timestamp
    last: pd.Timestamp
    zero_volume_dates: tuple[pd.Timestamp, ...] = ()
    inconsistent_dates: tuple[pd.Timestamp, ...] = ()
    gaps: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()

    @property
    def clean(self) -> bool:
        """True when nothing was reported."""
        return not self.zero_volume_dates and not self.inconsistent_dates and not self.gaps

    def summary(self) -> str:
        """One line for people: rows, range and any kept oddities."""
        text = f"{self.name}: {self.rows} bars {_day(self.first)}..{_day(self.last)}"
        if self.zero_volume_dates:
            text += (
                f"; {len(self.zero_volume_dates)} zero-volume bars kept "
                f"({list_days(self.zero_volume_dates)})"
            )
        if self.inconsistent_dates:
            text += (
                f"; {len(self.inconsistent_dates)} bars with inconsistent high/low kept "
                f"({list_days(self.inconsistent_dates)})"
            )
        if self.gaps:
            shown = ", ".join(f"{_day(a)}..{_day(b)}" for a, b in self.gaps[:_SHOWN])
            more = ", ..." if len(self.gaps) > _SHOWN else ""
            text += (
                f"; {len(self.gaps)} hole(s) of more than {MAX_GAP_DAYS} days without bars "
                f"({shown}{more}): a trading halt or missing data, kept as is"
            )
        return text


def validate_prices(df: pd.DataFrame, *, name: str) -> PriceReport:
    """Check that ``df`` is a usable price frame and report the oddities it keeps.

    Extra columns (for example ``adj_close``) are allowed; the five :data:`PRICE_COLUMNS` must be
    there. Nothing is modified or dropped.

    Args:
        df: A frame following the price-frame convention (see the module docstring).
        name: The file or ticker it came from; every message starts with it.

    Returns:
        A :class:`PriceReport` listing zero-volume and inconsistent bars.

    Raises:
        PriceDataError: Missing columns, no rows, a non-date / tz-aware / non-midnight index,
            unsorted or duplicate dates, NaN or non-positive prices, NaN or negative volume, or
            ``high < low`` on most bars (swapped columns). The message names the problem, the
            first offending date and the fix.
    """
    if not isinstance(df, pd.DataFrame):
        raise PriceDataError(f"{name}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in PRICE_COLUMNS if c not in df.columns]
    if missing:
        raise PriceDataError(
            f"{name}: missing column(s) {', '.join(missing)}; a price frame needs columns "
            f"{', '.join(PRICE_COLUMNS)} (found: {', '.join(map(str, df.columns)) or 'none'})"
        )
    if df.empty:
        raise PriceDataError(f"{name}: no price rows (empty file?); add at least one bar")
    _check_index(df.index, name)
    for column in PRICE_ONLY_COLUMNS:
        check_positive(df[column], name=name, column=column)
    _check_volume(df["volume"], name)
    high, low = df["high"].to_numpy(), df["low"].to_numpy()
    open_, close = df["open"].to_numpy(), df["close"].to_numpy()
    high_below_low = high < low
    if high_below_low.sum() * 2 > len(df):
        first = df.index[high_below_low.argmax()]
        raise PriceDataError(
            f"{name}: high < low on {int(high_below_low.sum())} of {len(df)} bars "
            f"(first {_day(first)}); the High and Low columns look swapped: fix the header"
        )
    inconsistent = (
        high_below_low | (high < np.maximum(open_, close)) | (low > np.minimum(open_, close))
    )
    return PriceReport(
        name=name,
        rows=len(df),
        first=df.index[0],
        last=df.index[-1],
        zero_volume_dates=tuple(df.index[df["volume"].to_numpy() == 0]),
        inconsistent_dates=tuple(df.index[inconsistent]),
        gaps=_gaps(df.index),
    )


def _gaps(index: pd.DatetimeIndex) -> tuple[tuple[pd.Timestamp, pd.Timestamp], ...]:
    if len(index) < 2:
        return ()
    days = np.diff(index.asi8) / (86_400 * _per_second(index))
    where = np.flatnonzero(days > MAX_GAP_DAYS)
    return tuple((index[i], index[i + 1]) for i in where)


def _per_second(index: pd.DatetimeIndex) -> float:
    """Ticks per second of the index's unit (ns, us, ms or s)."""
    return {"ns": 1e9, "us": 1e6, "ms": 1e3, "s": 1.0}[np.datetime_data(index.dtype)[0]]


def check_positive(values: pd.Series, *, name: str, column: str) -> None:
    """Raise if any value of a date-indexed price series is NaN, infinite or not positive.

    Args:
        values: A price column indexed by date.
        name: The file or ticker, for the message.
        column: The column's name as the user knows it (``close``, ``Adj Close``).

    Raises:
        PriceDataError: Naming the first bad date, its value and how many are bad.
    """
    array = values.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(array) & (array > 0))
    if bad.any():
        position = int(bad.argmax())
        value = array[position]
        what = "missing" if np.isnan(value) else f"non-positive or infinite ({value:g})"
        more = f" ({int(bad.sum()) - 1} more bad values)" if bad.sum() > 1 else ""
        raise PriceDataError(
            f"{name}: {what} {column} on {_day(values.index[position])}{more}; prices must be "
            "positive numbers: remove the row or fill it from another source"
        )


def select_range(df: pd.DataFrame, start: DateLike, end: DateLike, *, name: str) -> pd.DataFrame:
    """Return the bars of a sorted price frame between ``start`` and ``end``, both inclusive.

    Args:
        df: A validated price frame.
        start: First day wanted, or ``None`` for the first bar.
        end: Last day wanted, or ``None`` for the last bar.
        name: The file or ticker, for messages.

    Returns:
        The selected rows (never empty).

    Raises:
        PriceDataError: ``start`` after ``end``, an unparsable date, or no bar in the range (the
            message gives the data's actual first and last date).
    """
    first, last = to_timestamp(start, what="start"), to_timestamp(end, what="end")
    if first is not None and last is not None and first > last:
        raise PriceDataError(f"start {_day(first)} is after end {_day(last)}: swap them")
    out = df.loc[first:last]
    if out.empty:
        raise PriceDataError(
            f"{name}: no bars between {_day(first) if first is not None else 'the start'} and "
            f"{_day(last) if last is not None else 'the end'}; the data covers "
            f"{_day(df.index[0])}..{_day(df.index[-1])}: choose dates inside that range "
            "or extend the data"
        )
    return out


def to_timestamp(value: DateLike, *, what: str = "date") -> pd.Timestamp | None:
    """Turn a :data:`DateLike` into a midnight, tz-naive ``pd.Timestamp`` (``None`` stays).

    Args:
        value: ``date``, ``datetime``, ``pd.Timestamp``, ``"YYYY-MM-DD"`` or ``None``.
        what: What the value is (``start``, ``end``), for the message.

    Raises:
        PriceDataError: The value is not a date.
    """
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PriceDataError(
                f"invalid {what} date {value!r}: expected YYYY-MM-DD, for example 2024-04-01"
            ) from None
    if not isinstance(value, date):
        raise PriceDataError(
            f"invalid {what} date {value!r}: expected a date or a YYYY-MM-DD string"
        )
    stamp = pd.Timestamp(value)
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize().as_unit("us")


def check_ticker(ticker: str) -> str:
    """Return ``ticker`` stripped, or raise if it cannot name a file safely.

    Raises:
        PriceDataError: Empty, or containing a path separator or a leading dot.
    """
    if not isinstance(ticker, str) or not ticker.strip():
        raise PriceDataError(f"invalid ticker {ticker!r}: expected a symbol such as 1810.HK")
    ticker = ticker.strip()
    if "/" in ticker or "\\" in ticker or ticker.startswith("."):
        raise PriceDataError(
            f"invalid ticker {ticker!r}: a ticker cannot contain '/' or '\\' or start with '.'"
        )
    return ticker


def _check_index(index: pd.Index, name: str) -> None:
    if not isinstance(index, pd.DatetimeIndex):
        raise PriceDataError(
            f"{name}: the index must be a DatetimeIndex of bar dates, got {type(index).__name__}"
        )
    if index.tz is not None:
        raise PriceDataError(
            f"{name}: dates carry a time zone ({index.tz}); strip it with "
            "index.tz_localize(None) so bars sit at local midnight"
        )
    if index.hasnans:
        raise PriceDataError(f"{name}: some dates are missing (NaT); every bar needs a date")
    if not (index == index.normalize()).all():
        raise PriceDataError(
            f"{name}: dates must be at midnight (daily bars), first offender "
            f"{index[(index != index.normalize()).argmax()]}; use index.normalize()"
        )
    check_sorted_dates(index, name)
    if not index.is_unique:
        duplicated = index[index.duplicated()].unique()
        count = int((index == duplicated[0]).sum())
        more = f", {len(duplicated) - 1} more duplicated dates" if len(duplicated) > 1 else ""
        raise PriceDataError(
            f"{name}: duplicate date {_day(duplicated[0])} ({count} rows{more}); "
            "keep one row per date"
        )


def _check_volume(volume: pd.Series, name: str) -> None:
    array = volume.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(array) & (array >= 0))
    if bad.any():
        position = int(bad.argmax())
        what = "missing" if np.isnan(array[position]) else f"negative ({array[position]:g})"
        raise PriceDataError(
            f"{name}: {what} volume on {_day(volume.index[position])}; volume must be a number "
            ">= 0: use 0 where the source has no volume"
        )


def _day(stamp: pd.Timestamp | date) -> str:
    return stamp.strftime("%Y-%m-%d")


def list_days(stamps: tuple[pd.Timestamp, ...]) -> str:
    """The first few days as ISO dates, ``...`` when there are more."""
    shown = ", ".join(_day(s) for s in stamps[:_SHOWN])
    return shown + (", ..." if len(stamps) > _SHOWN else "")
