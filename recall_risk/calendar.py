"""Trading calendars: the days a score is computed for.

A trading calendar is a sorted, duplicate-free, tz-naive ``DatetimeIndex`` of midnight timestamps
(``datetime64[us]``) named ``date``; each entry stands for that day's close. Calendars come from
weekdays (:func:`weekday_calendar`, no holidays) or from the ``Date`` column of a price CSV
(:func:`calendar_from_prices_csv`, the exchange's real trading days). :func:`as_trading_calendar`
turns any sequence of dates into that canonical form.

Two rules of a price CSV live here because every reader of one applies them (the calendar reader
and :mod:`recall_risk.prices`): :func:`check_sorted_dates` (rows in date order: never re-sorted
silently) and :func:`repeated_column` (a column named twice: pandas would rename the second
``Close.1`` and the first would win silently).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from recall_risk.errors import ConfigError, PriceDataError

DateLike: TypeAlias = date | datetime | str | pd.Timestamp

CALENDAR_NAME = "date"
_UNIT = "us"


def iso_date(text: str) -> date | None:
    """The date written ``YYYY-MM-DD`` in ``text`` (spaces around allowed), or None.

    The one ISO date parser of the package: configs, event files, the CLI's date options and the
    price sources read date text through it.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_date(value: DateLike, *, what: str = "date") -> date:
    """Turn a ``date``, ``datetime``, ``Timestamp`` or ISO ``YYYY-MM-DD`` string into a ``date``.

    Args:
        value: The value to convert.
        what: What the value is (``"--start"``), for the error message.

    Raises:
        ConfigError: the value is not a date.
    """
    if value is pd.NaT:
        raise ConfigError(f"{what}: expected a date, got NaT")
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    parsed = iso_date(value) if isinstance(value, str) else None
    if parsed is None:
        raise ConfigError(f"{what}: expected a date written YYYY-MM-DD, got {value!r}")
    return parsed


def _check_range(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ConfigError(f"end {end} is before start {start}; expected start <= end")


def weekday_calendar(start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Every Monday to Friday from ``start`` to ``end`` inclusive (no holidays).

    Raises:
        ConfigError: a bound is not a date, or ``end`` is before ``start``.
    """
    first = parse_date(start, what="start")
    last = parse_date(end, what="end")
    _check_range(first, last)
    days = pd.bdate_range(first, last, name=CALENDAR_NAME)
    return days.as_unit(_UNIT)


def calendar_from_prices_csv(
    path: str | Path, start: DateLike | None = None, end: DateLike | None = None
) -> pd.DatetimeIndex:
    """The dates of a daily price CSV with a ``Date`` column, optionally cut to ``[start, end]``.

    Only the first ten characters of each cell (``YYYY-MM-DD``) are read, so timestamps with a
    time or UTC offset give the exchange's local date. Rows must be in date order, as ``run``
    requires (:func:`check_sorted_dates`).

    Raises:
        PriceDataError: the file cannot be read, has no ``Date`` column or a column twice, holds
            a bad, unsorted or repeated date.
        ConfigError: a bound is not a date, or ``end`` is before ``start``.
    """
    first = None if start is None else parse_date(start, what="start")
    last = None if end is None else parse_date(end, what="end")
    _check_range(first, last)
    days = _read_price_dates(Path(path))
    if first is not None:
        days = days[days >= pd.Timestamp(first)]
    if last is not None:
        days = days[days <= pd.Timestamp(last)]
    return days.as_unit(_UNIT)


def repeated_column(path: Path) -> str | None:
    """The first column name that a CSV's header line holds twice (case and surrounding spaces
    ignored), or None; an unreadable file gives None (the reader that follows says why)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    seen: set[str] = set()
    for cell in header:
        key = " ".join(cell.split()).lower()
        if key and key in seen:
            return cell.strip()
        seen.add(key)
    return None


def check_sorted_dates(days: pd.DatetimeIndex, name: str) -> None:
    """Price rows must come in date order: the one rule of ``run``, ``score --calendar`` and
    every price reader (a file out of order is more likely a bad merge than a choice).

    Raises:
        PriceDataError: naming the first date that comes after a later one.
    """
    if days.is_monotonic_increasing:
        return
    values = days.asi8
    position = int((values[1:] < values[:-1]).argmax()) + 1
    raise PriceDataError(
        f"{name}: dates are not sorted ascending: {days[position].strftime('%Y-%m-%d')} comes "
        f"after {days[position - 1].strftime('%Y-%m-%d')}; sort the rows by date"
    )


def _read_price_dates(path: Path) -> pd.DatetimeIndex:
    """All dates of a price CSV's ``Date`` column, checked for bad, unsorted or repeated dates."""
    name = str(path)
    repeated = repeated_column(path)
    if repeated is not None:
        raise PriceDataError(
            f"{name}: column {repeated!r} appears twice in the header; expected one of each "
            "(Date,Open,High,Low,Close[,Adj Close],Volume)"
        )
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise PriceDataError(f"{name}: no such price file") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PriceDataError(f"{name}: not a readable price CSV: {exc}") from None
    if "Date" not in frame.columns:
        columns = ", ".join(map(str, frame.columns)) or "none"
        raise PriceDataError(
            f"{name}: no 'Date' column (columns: {columns}); expected a daily price CSV with a "
            "header like Date,Open,High,Low,Close,Volume"
        )
    texts = frame["Date"].str.strip().str.slice(0, 10)
    parsed = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise PriceDataError(
            f"{name}: row {row + 2}: bad Date {frame['Date'].iloc[row]!r}; expected YYYY-MM-DD"
        )
    days = pd.DatetimeIndex(parsed, name=CALENDAR_NAME)
    check_sorted_dates(days, name)
    repeated = days[days.duplicated()]
    if len(repeated):
        raise PriceDataError(
            f"{name}: date {repeated[0].date()} appears more than once; expected one row per day"
        )
    return days


def as_trading_calendar(calendar: pd.DatetimeIndex | Iterable[DateLike]) -> pd.DatetimeIndex:
    """Canonical form of a calendar: tz-naive, normalised to midnight, named ``date``.

    A tz-aware index keeps its local dates. The calendar must be strictly increasing after
    normalisation; it is never re-sorted silently.

    Raises:
        ConfigError: an entry is not a date, or the dates are not strictly increasing.
    """
    if isinstance(calendar, pd.DatetimeIndex):
        index = calendar
    else:
        items = list(calendar)
        index = pd.DatetimeIndex(
            [pd.Timestamp(parse_date(d, what="calendar entry")) for d in items]
        )
    if index.tz is not None:
        index = index.tz_localize(None)
    if index.hasnans:
        raise ConfigError("calendar: holds NaT; expected only dates")
    index = index.normalize().as_unit(_UNIT)
    if len(index) > 1 and not (index[1:] > index[:-1]).all():
        raise ConfigError(
            "calendar: dates must be strictly increasing (sorted, no repeats) after dropping "
            "the time of day"
        )
    return index.rename(CALENDAR_NAME)
