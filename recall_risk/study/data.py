"""Load what a study needs from a price source, and run it for a stock and its peers.

The date range asked of the source covers every event's estimation and event window with a
margin for holidays; a source that holds less makes the affected events *skipped* with the
reason (never an error), while a missing ticker or benchmark file is an error naming it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

from recall_risk.errors import ConfigError
from recall_risk.events import EventSet
from recall_risk.prices import PriceSource
from recall_risk.study.core import StudyResult, run_event_study
from recall_risk.study.options import StudyOptions
from recall_risk.study.returns import aligned_returns

_CALENDAR_PER_TRADING_DAY = 1.6  # 7/5 for weekends, plus room for holidays
_MARGIN_DAYS = 20


def price_range(event_set: EventSet, options: StudyOptions) -> tuple[date, date]:
    """Calendar dates wide enough for every event's estimation and event windows."""
    if not len(event_set):
        raise ConfigError(f"{event_set.source}: the event set has no events to study")
    before = options.gap_days + options.estimation_days + 2
    after = max(options.window[1], 0) + 1
    first = min(e.announced for e in event_set)
    last = max(e.announced for e in event_set)
    return (
        first - timedelta(days=math.ceil(before * _CALENDAR_PER_TRADING_DAY) + _MARGIN_DAYS),
        last + timedelta(days=math.ceil(after * _CALENDAR_PER_TRADING_DAY) + _MARGIN_DAYS),
    )


def resolve_benchmark(event_set: EventSet, benchmark: str | None) -> str:
    """The benchmark to use: the override, else the event file's.

    Raises:
        ConfigError: neither gives one.
    """
    chosen = benchmark or event_set.benchmark
    if not chosen:
        raise ConfigError(
            f"{event_set.source}: no benchmark: the event file has no 'benchmark' field and "
            "none was given; pass --benchmark TICKER (for example ^HSI)"
        )
    return chosen


def study_event_set(
    event_set: EventSet,
    source: PriceSource,
    options: StudyOptions | None = None,
    *,
    ticker: str | None = None,
    benchmark: str | None = None,
    peers: Sequence[str] = (),
) -> list[StudyResult]:
    """Study ``event_set`` for its stock, then for each peer, against one benchmark.

    Args:
        event_set: The events.
        source: Where prices come from.
        options: Windows; defaults when ``None``.
        ticker: The stock (default: the event file's ``ticker``).
        benchmark: The market index (default: the event file's ``benchmark``).
        peers: Rival stocks studied around the same events (spillover).

    Returns:
        One :class:`StudyResult` per stock: the company's first, then the peers in order.

    Raises:
        ConfigError: no benchmark, a benchmark that is also a studied stock, or no events.
        PriceDataError: a ticker's or the benchmark's prices cannot be loaded.
        DataUnavailableError: an online source cannot be reached.
    """
    options = options or StudyOptions()
    main = ticker or event_set.ticker
    market_ticker = resolve_benchmark(event_set, benchmark)
    if market_ticker in (main, *peers):
        raise ConfigError(
            f"benchmark {market_ticker} is also a stock being studied: regressed on itself its "
            "abnormal returns are 0 up to rounding and their t-statistics are noise; choose a "
            "market index (--benchmark ^HSI, say)"
        )
    start, end = price_range(event_set, options)
    market = source.load(market_ticker, start, end)
    results = []
    for name in dict.fromkeys([main, *peers]):
        returns = aligned_returns(
            source.load(name, start, end), market, stock_name=name, market_name=market_ticker
        )
        results.append(
            run_event_study(
                event_set,
                returns,
                options,
                ticker=name,
                benchmark=market_ticker,
                company=event_set.company,
                event_ticker=main,
            )
        )
    return results
