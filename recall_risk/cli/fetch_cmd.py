"""The ``fetch`` command: download daily prices from Yahoo Finance into the on-disk cache.

``recall-risk fetch TICKER... --start DATE --end DATE [--cache-dir DIR] [--no-adjust]
[--refresh]`` prints one line per ticker: bars, date range and the cached CSV. A cached range is
not downloaded again (unless ``--refresh``); the cache folder can later be used offline with
``--prices-dir``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from recall_risk.cli import options
from recall_risk.errors import DataUnavailableError, PriceDataError
from recall_risk.prices import YFinanceSource, read_price_csv, select_range, validate_prices
from recall_risk.prices.csvdir import CSV_FORMAT
from recall_risk.prices.yahoo import OFFLINE_HINT

FETCH_OFFLINE_HINT = (
    "fetch only downloads; to work offline, put TICKER.csv files "
    f"({CSV_FORMAT}) in a folder and pass it with --prices-dir DIR to run, sweep, walkforward "
    "or study"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fetch`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(
        "fetch",
        help="download daily prices from Yahoo Finance into the cache",
        description=(
            "Download daily OHLCV bars from Yahoo Finance (via yfinance) into the on-disk cache "
            "($RECALL_RISK_CACHE, else $XDG_CACHE_HOME/recall-risk or ~/.cache/recall-risk). "
            "Ranges already cached are not downloaded again."
        ),
    )
    parser.add_argument("tickers", nargs="+", metavar="TICKER", help="Yahoo tickers, e.g. 1810.HK")
    options.add_dates(parser, required=True)
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="cache folder")
    parser.add_argument(
        "--no-adjust",
        dest="adjusted",
        action="store_false",
        help="keep traded prices (yfinance auto_adjust=False) instead of dividend-adjusted ones",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="download again even when the range is cached"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Fill the cache for every ticker and print one line each; return the exit code.

    Raises:
        DataUnavailableError: Yahoo Finance cannot be reached (the CLI exits with 1).
        PriceDataError: Bad dates or data (the CLI exits with 2).
    """
    if args.start > args.end:
        raise PriceDataError(f"--start {args.start} is after --end {args.end}: swap them")
    source = YFinanceSource(cache_dir=args.cache_dir, adjusted=args.adjusted)
    for ticker in args.tickers:
        try:
            path = source.fetch(ticker, args.start, args.end, refresh=args.refresh)
        except DataUnavailableError as exc:
            # the source's hint says "pass --prices-dir", an option fetch does not have
            raise DataUnavailableError(str(exc).replace(OFFLINE_HINT, FETCH_OFFLINE_HINT)) from exc
        # read the file fetch() wrote: load() would download again when --end is today
        frame = select_range(read_price_csv(path), args.start, args.end, name=f"{ticker} ({path})")
        report = validate_prices(frame, name=ticker)
        line = (
            f"{ticker}: {report.rows} bars {report.first:%Y-%m-%d}..{report.last:%Y-%m-%d}"
            f" -> {path}"
        )
        if report.zero_volume_dates:
            line += f" ({len(report.zero_volume_dates)} zero-volume bars kept)"
        print(line)
    return 0
