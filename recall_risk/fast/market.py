"""One ticker's bars as the fast engine reads them: float arrays, and series derived from them
once (SMAs of the close, the bars above or below a gate's thresholds), cached on the object."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from recall_risk.fast.sma import exact_sma
from recall_risk.fast.targets import bars_at_or_above, bars_below

CROSSINGS_CACHED = 2048
"""Threshold bar lists a :class:`MarketArrays` keeps (a random sweep draws a new threshold per
point: the cache is emptied when full rather than grow with the sweep)."""


@dataclass(frozen=True, eq=False)
class MarketArrays:
    """One ticker's bars as float arrays (and a cache of derived series such as SMAs)."""

    ticker: str
    dates: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    score: np.ndarray
    _cache: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)
    _lists: dict[str, list[float]] = field(default_factory=dict, repr=False)
    _crossings: dict[tuple[str, float], list[int]] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.close)

    def listed(self, column: str) -> list[float]:
        """A price column as a list of Python floats (read bar by bar by the trades loop)."""
        if column not in self._lists:
            self._lists[column] = getattr(self, column).tolist()
        return self._lists[column]

    def crossings(self, exit_above: float, reenter_below: float) -> tuple[list[int], list[int]]:
        """The bars whose score is at or above ``exit_above`` and those below ``reenter_below``
        (a hysteresis gate's exits and re-entries), cached per threshold: the points of a sweep
        share a few thresholds each. The cache holds at most :data:`CROSSINGS_CACHED` lists."""
        cache = self._crossings
        if len(cache) > CROSSINGS_CACHED:
            cache.clear()
        exits = cache.get(("exit", exit_above))
        if exits is None:
            exits = cache[("exit", exit_above)] = bars_at_or_above(self.score, exit_above)
        entries = cache.get(("entry", reenter_below))
        if entries is None:
            entries = cache[("entry", reenter_below)] = bars_below(self.score, reenter_below)
        return exits, entries

    def sma(self, period: int) -> np.ndarray:
        """Simple moving average of the close, bit for bit backtrader's (``math.fsum`` of each
        window, divided), in time linear in the bars (see :mod:`recall_risk.fast.sma`)."""
        key = ("sma", period)
        if key not in self._cache:
            self._cache[key] = exact_sma(self.close, period)
        return self._cache[key]


def prepare(frame: pd.DataFrame, ticker: str = "data0") -> MarketArrays:
    """Arrays from a risk frame (prices plus a ``score`` column)."""
    return MarketArrays(
        ticker=ticker,
        dates=frame.index.to_numpy(dtype="datetime64[D]"),
        open=frame["open"].to_numpy(dtype=np.float64),
        high=frame["high"].to_numpy(dtype=np.float64),
        low=frame["low"].to_numpy(dtype=np.float64),
        close=frame["close"].to_numpy(dtype=np.float64),
        score=frame["score"].to_numpy(dtype=np.float64),
    )
