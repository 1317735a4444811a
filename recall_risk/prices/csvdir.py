"""Price frames from a folder of CSV files, one ``TICKER.csv`` per ticker (offline source).

Owns the CSV format: a header ``Date,Open,High,Low,Close[,Adj Close],Volume`` (case and
surrounding spaces ignored, other columns ignored), ISO dates, one row per trading day: the
format of Yahoo Finance CSV downloads and of ``shared/data/prices``. :func:`read_price_csv` turns
one file into a validated price frame (see :mod:`recall_risk.prices.checks`);
:class:`CsvDirectorySource` finds the file for a ticker and cuts the requested range. Nothing is
cached between calls.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from recall_risk.calendar import repeated_column
from recall_risk.errors import PriceDataError
from recall_risk.prices.checks import (
    INDEX_NAME,
    PRICE_COLUMNS,
    DateLike,
    check_positive,
    check_ticker,
    select_range,
    validate_prices,
)
from recall_risk.validation import close_matches

CSV_FORMAT = "columns Date,Open,High,Low,Close[,Adj Close],Volume"
"""The expected layout, quoted in error messages."""

_YAHOO_NAMES = {
    "date": "Date",
    "open": "Open",
    "high": "High",
    "low": "Low",
    "close": "Close",
    "adj_close": "Adj Close",
    "volume": "Volume",
}
"""Our column name -> Yahoo Finance's header, as written to CSV files."""
HEADER_NAMES = {header.lower(): ours for ours, header in _YAHOO_NAMES.items()}
"""Header name (lower case, spaces squeezed) -> our column name, for CSV files and downloads."""
_REQUIRED = ("date", *PRICE_COLUMNS)


def read_price_csv(path: str | os.PathLike[str], *, adjusted: bool = False) -> pd.DataFrame:
    """Read a whole price CSV into a validated price frame.

    Args:
        path: The CSV file.
        adjusted: With an ``Adj Close`` column, return dividend-adjusted prices: ``close`` is
            Adj Close and open/high/low are scaled by ``Adj Close / Close`` (volume unchanged).
            Without that column the file's prices are returned as they are (files written by
            yfinance ``auto_adjust=True`` are already adjusted). With ``adjusted=False`` any
            ``Adj Close`` column is ignored.

    Returns:
        The price frame (columns :data:`PRICE_COLUMNS`).

    Raises:
        PriceDataError: The file is missing, empty or malformed; the message names the file,
            the problem and the fix.
    """
    path = Path(path)
    name = str(path)
    table = _read_table(path, name)
    frame = pd.DataFrame(
        {column: table[column].to_numpy() for column in PRICE_COLUMNS},
        index=_parse_dates(table["date"], name),
    )
    validate_prices(frame, name=name)
    if adjusted and "adj_close" in table.columns:
        adj_close = pd.Series(table["adj_close"].to_numpy(), index=frame.index)
        check_positive(adj_close, name=name, column="Adj Close")
        factor = adj_close / frame["close"]
        for column in ("open", "high", "low"):
            frame[column] = frame[column] * factor
        frame["close"] = adj_close
    return frame


class CsvDirectorySource:
    """Daily prices from a folder of ``TICKER.csv`` files (no network).

    Args:
        directory: The folder. A ticker's file is ``TICKER.csv``; for index tickers the leading
            ``^`` may be dropped (``^HSI`` is read from ``^HSI.csv``, else ``HSI.csv``).
        adjusted: See :func:`read_price_csv`: ``True`` uses ``Adj Close`` where a file has it;
            files without it (yfinance ``auto_adjust=True`` downloads) are used as they are.
    """

    def __init__(self, directory: str | os.PathLike[str], adjusted: bool = False) -> None:
        self.directory = Path(directory)
        self.adjusted = adjusted

    def __repr__(self) -> str:
        return f"CsvDirectorySource({str(self.directory)!r}, adjusted={self.adjusted})"

    def path_for(self, ticker: str) -> Path:
        """Return the CSV file holding ``ticker``.

        Raises:
            PriceDataError: The folder does not exist or has no file for the ticker (the message
                lists the names tried and suggests close matches).
        """
        ticker = check_ticker(ticker)
        names = [f"{ticker}.csv"]
        if ticker.startswith("^") and len(ticker) > 1:
            names.append(f"{ticker[1:]}.csv")
        for file_name in names:
            candidate = self.directory / file_name
            if candidate.is_file():
                return candidate
        if not self.directory.is_dir():
            raise PriceDataError(
                f"price folder {self.directory} does not exist; pass an existing folder of "
                f"TICKER.csv files ({CSV_FORMAT}) with --prices-dir DIR"
            )
        available = self.tickers()
        close = close_matches(ticker, available, n=3)
        close += [t for t in available if t.lower() == ticker.lower() and t not in close]
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        listing = ", ".join(available[:12]) + (", ..." if len(available) > 12 else "")
        raise PriceDataError(
            f"no price file for {ticker} in {self.directory} (looked for {', '.join(names)})."
            f"{hint} Available: {listing or 'none'}. Add {names[0]} with {CSV_FORMAT}"
        )

    def tickers(self) -> list[str]:
        """Tickers with a CSV file in the folder, sorted (file names without ``.csv``)."""
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.csv") if p.is_file())

    def load(self, ticker: str, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """Load ``ticker``'s bars from ``start`` to ``end`` (inclusive; ``None`` = open end).

        The whole file is validated; call :func:`~recall_risk.prices.validate_prices` on the
        result for a report of the zero-volume and inconsistent bars it keeps.

        Returns:
            A price frame (see :mod:`recall_risk.prices.checks`).

        Raises:
            PriceDataError: No file, a malformed file, or no bar in the range.
        """
        path = self.path_for(ticker)
        frame = read_price_csv(path, adjusted=self.adjusted)
        return select_range(frame, start, end, name=str(path))


def write_price_csv(
    frame: pd.DataFrame,
    handle: str | os.PathLike[str] | TextIO,
    *,
    adj_close: pd.Series | None = None,
) -> None:
    """Write a price frame in the CSV format read by :func:`read_price_csv`.

    Args:
        frame: A price frame.
        handle: A path or an open text file.
        adj_close: Optional ``Adj Close`` values aligned with ``frame``.
    """
    table = frame.loc[:, list(PRICE_COLUMNS)].copy()
    if adj_close is not None:
        table.insert(4, "adj_close", adj_close.to_numpy(dtype="float64"))
    volume = table["volume"].to_numpy()
    if np.isfinite(volume).all() and (volume == np.round(volume)).all():
        table["volume"] = volume.astype("int64")
    table.index = table.index.strftime("%Y-%m-%d")
    table.index.name = "Date"
    table.rename(columns=_YAHOO_NAMES).to_csv(handle, lineterminator="\n")


def _read_table(path: Path, name: str) -> pd.DataFrame:
    """Read the known columns under our names: dates as text, numbers as float64."""
    with _read_errors(name):
        header = pd.read_csv(path, nrows=0, skipinitialspace=True).columns
    known = {c: HEADER_NAMES[_canonical(c)] for c in header if _canonical(c) in HEADER_NAMES}
    found = list(known.values())
    missing = [c for c in _REQUIRED if c not in found]
    if missing:
        hint = ""
        if missing == ["date"] and len(header) and _canonical(header[0]) == "price":
            hint = (
                " This looks like a raw yfinance download() CSV with 3 header lines "
                "(Price/Ticker/Date): flatten it to a single Date,... header."
            )
        raise PriceDataError(
            f"{name}: missing column(s) {', '.join(_YAHOO_NAMES[c] for c in missing)}; "
            f"expected {CSV_FORMAT} (found: {', '.join(map(str, header)) or 'nothing'}).{hint}"
        )
    repeated = repeated_column(path)
    if len(set(found)) < len(found) or repeated is not None:
        which = f"column {repeated!r}" if repeated else "a column"
        raise PriceDataError(f"{name}: {which} appears twice in the header; expected {CSV_FORMAT}")
    dtypes = {c: (str if ours == "date" else "float64") for c, ours in known.items()}
    try:
        with _read_errors(name):
            # all columns are read (no usecols) so that a row with extra fields, such as a
            # number written with a thousands separator, is an error instead of a silent shift
            table = pd.read_csv(path, dtype=dtypes, skipinitialspace=True)
    except ValueError as exc:  # a number that is not one: find it for the message
        if isinstance(exc, PriceDataError):
            raise
        text = pd.read_csv(path, usecols=list(known), dtype=str, skipinitialspace=True)
        _raise_non_numeric(text.rename(columns=known), name)
        raise PriceDataError(
            f"{name}: cannot read numbers ({exc}); expected {CSV_FORMAT}"
        ) from None
    table = table.loc[:, list(known)].rename(columns=known)
    if table.empty:
        raise PriceDataError(
            f"{name}: the file has a header but no rows; add one row per trading day"
        )
    return table


@contextmanager
def _read_errors(name: str) -> Iterator[None]:
    """Turn pandas' reading errors into PriceDataError naming the file."""
    try:
        yield
    except FileNotFoundError:
        raise PriceDataError(f"{name}: file not found") from None
    except pd.errors.EmptyDataError:
        raise PriceDataError(
            f"{name}: the file is empty; expected a header line with {CSV_FORMAT} and one row "
            "per trading day"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise PriceDataError(
            f"{name}: not a readable CSV file ({str(exc).strip()}); expected {CSV_FORMAT}"
        ) from None


def _raise_non_numeric(text: pd.DataFrame, name: str) -> None:
    """Raise for the first field of a number column that is neither a number nor empty."""
    for column in text.columns.drop("date"):
        values = text[column]
        parsed = pd.to_numeric(values, errors="coerce")
        bad = parsed.isna() & values.notna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise PriceDataError(
                f"{name}: non-numeric {_YAHOO_NAMES[column]} value {values.iloc[row]!r} on line "
                f"{row + 2} (date {text['date'].iloc[row]}); use plain numbers such as 12.34"
            )


def _parse_dates(text: pd.Series, name: str) -> pd.DatetimeIndex:
    """ISO dates (optionally with a time and offset) -> midnight tz-naive index."""
    text = text.str.strip()
    dates = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():  # slower path: times, offsets, or bad values
        try:
            dates = pd.to_datetime(text, format="ISO8601", errors="coerce")
        except ValueError:  # mixed UTC offsets
            raise PriceDataError(
                f"{name}: dates carry different UTC offsets ({text.iloc[0]!r}, ...); write plain "
                "YYYY-MM-DD dates of the exchange's calendar"
            ) from None
    if dates.isna().any():
        row = int(dates.isna().to_numpy().argmax())
        bad = text.iloc[row]
        what = f"unparsable date {bad!r}" if isinstance(bad, str) and bad else "missing date"
        raise PriceDataError(
            f"{name}: {what} on line {row + 2}; expected YYYY-MM-DD dates such as 2024-04-01"
        )
    index = pd.DatetimeIndex(dates)
    if index.tz is not None:  # keep the exchange's local calendar day
        index = index.tz_localize(None)
    return index.normalize().as_unit("us").rename(INDEX_NAME)


def _canonical(header: str) -> str:
    return " ".join(str(header).replace("_", " ").lower().split())
