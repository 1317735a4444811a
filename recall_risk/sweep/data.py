"""The inputs of a sweep, loaded once: prices, benchmark prices and event sets.

:class:`SweepData` is a plain picklable object, so an executor ships it to each worker once (a
Dask ``scatter``, a process pool's initializer) instead of once per batch of backtests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from recall_risk.config import RunConfig
from recall_risk.events import EventSet
from recall_risk.prices import PriceSource
from recall_risk.runner import price_source, resolve_events


@dataclass(frozen=True, eq=False)
class SweepData:
    """Everything a backtest of the config reads besides its parameters.

    Attributes:
        prices: daily bars by ticker over the config's date range.
        benchmark: the benchmark's bars (None when the config names no benchmark).
        events: event sets by ticker (tickers without events score 0).
    """

    prices: dict[str, pd.DataFrame]
    benchmark: pd.DataFrame | None
    events: dict[str, EventSet]


def prepare_sweep_data(
    config: RunConfig, prices_dir: Path | None = None, *, source: PriceSource | None = None
) -> SweepData:
    """Load the config's prices, benchmark and events once.

    Raises:
        ConfigError, EventFileError, PriceDataError: bad input (exit code 2).
        DataUnavailableError: the online source cannot be reached (exit code 1).
    """
    events = resolve_events(config)
    src = source or price_source(config, prices_dir)
    start, end = config.data.start, config.data.end
    prices = {t: src.load(t, start, end) for t in config.data.tickers}
    bench = src.load(config.data.benchmark, start, end) if config.data.benchmark else None
    return SweepData(prices=prices, benchmark=bench, events=events)
