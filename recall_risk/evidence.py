"""How much evidence stands behind a run's headline: round trips, events, bootstrap intervals.

A strategy that beats buy-and-hold by 100 points from one round trip proves little. This module
says how thin a result is, in numbers a reader can check:

- ``round_trips``: closed trades of the strategy; ``events``: events announced inside the bars
  that moved the score (magnitude above 0), with ``events_listed`` counting every event inside;
- a paired, circular block bootstrap of the daily returns (the metrics' convention: the first from
  the starting cash) of the strategy and of buy-and-hold, giving an interval for the difference in
  total return and in Sharpe ratio. Blocks of :data:`BLOCK_DAYS` consecutive days keep the
  returns' autocorrelation and volatility clustering; the same resampled days are used for both
  curves, so the interval is that of the difference, not of two independent draws. The generator
  is seeded: the same inputs give the same interval, bit for bit.

A strategy that trades (anything but buy-and-hold and the benchmark) is *thin* when it has fewer
than ``report.min_trades`` round trips; a whole run is thin when fewer than ``report.min_events``
events lie in range. Thin figures are marked ``†`` and never highlighted as best.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recall_risk.metrics import PERIODS_PER_YEAR, daily_returns

BLOCK_DAYS = 20
"""Length of a bootstrap block in trading days (about a month)."""
SAMPLES = 2000
"""Bootstrap resamples per interval."""
SEED = 20240401
"""Seed of the bootstrap's generator (fixed: reports are deterministic)."""
LEVEL = 0.90
"""Coverage of the reported intervals (5th to 95th percentile)."""
THIN_MARK = "†"
"""Mark put beside figures that rest on too few trades or events."""


@dataclass(frozen=True)
class Interval:
    """A bootstrap interval of a difference (strategy minus buy-and-hold) and its point value."""

    point: float
    low: float
    high: float

    def excludes_zero(self) -> bool:
        """Whether the whole interval lies on one side of zero."""
        return self.low > 0.0 or self.high < 0.0


@dataclass(frozen=True)
class Evidence:
    """The weight of evidence behind one strategy's figures."""

    round_trips: int
    events: int
    events_listed: int
    thin_trades: bool
    thin_events: bool
    total_return_diff: Interval | None
    sharpe_diff: Interval | None

    @property
    def thin(self) -> bool:
        """Whether the figures rest on too few trades or events (marked, never best)."""
        return self.thin_trades or self.thin_events


def block_starts(n: int, *, samples: int, block: int, seed: int) -> np.ndarray:
    """First day of each block of each resample, shape ``(samples, ceil(n / block))``, drawn
    uniformly from the seeded generator."""
    if n < 1:
        raise ValueError("need at least one day to resample")
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(samples, math.ceil(n / block)))


def block_indices(n: int, *, samples: int, block: int, seed: int) -> np.ndarray:
    """Row indices of ``samples`` circular block-bootstrap resamples of ``n`` days, shape
    ``(samples, n)``: each resample glues blocks of ``block`` consecutive days (wrapping round the
    end) from :func:`block_starts`, cut to ``n`` days."""
    block = max(1, min(block, n))
    starts = block_starts(n, samples=samples, block=block, seed=seed)
    rows = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return rows.reshape(samples, -1)[:, :n]


def _window_sums(x: np.ndarray, length: int) -> np.ndarray:
    """Sum of ``length`` consecutive values starting at each day, wrapping round the end."""
    n = x.size
    wrapped = np.concatenate((x, x[:length]))
    c = np.concatenate(([0.0], np.cumsum(wrapped)))
    return c[np.arange(n) + length] - c[np.arange(n)]


def _resampled_sums(x: np.ndarray, starts: np.ndarray, block: int) -> np.ndarray:
    """Sum of ``x`` over each resample of :func:`block_indices` (the last block cut short), from
    per-block sums: O(resamples × blocks), not O(resamples × days)."""
    n = x.size
    last = n - (starts.shape[1] - 1) * block
    full = _window_sums(x, block)[starts[:, :-1]].sum(axis=1)
    return full + _window_sums(x, last)[starts[:, -1]]


def _figures(x: np.ndarray, starts: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Total return and annualised Sharpe of every resample of the daily returns ``x``."""
    n = x.size
    s1 = _resampled_sums(x, starts, block)
    s2 = _resampled_sums(x * x, starts, block)
    total = np.expm1(_resampled_sums(np.log1p(x), starts, block))
    var = np.maximum(s2 - s1 * s1 / n, 0.0) / (n - 1)
    std = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = (s1 / n) / std * math.sqrt(PERIODS_PER_YEAR)
    # a resample of (nearly) equal returns has no defined Sharpe
    flat = std <= 1e-12 * np.maximum(np.abs(s1 / n), 1e-300)
    return total, np.where(np.isfinite(sharpe) & ~flat, sharpe, np.nan)


def _total_return(returns: np.ndarray) -> float:
    """Compounded return of a series of daily returns."""
    return float(np.prod(1.0 + returns) - 1.0)


def _sharpe(returns: np.ndarray) -> float:
    """Annualised Sharpe ratio (mean over sample std; NaN when flat)."""
    std = float(np.std(returns, ddof=1))
    if not std > 0:
        return math.nan
    return float(np.mean(returns)) / std * math.sqrt(PERIODS_PER_YEAR)


def _interval(point: float, draws: np.ndarray, level: float) -> Interval | None:
    draws = draws[np.isfinite(draws)]
    if not math.isfinite(point) or draws.size == 0:
        return None
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(draws, [tail, 100.0 - tail])
    return Interval(point=float(point), low=float(low), high=float(high))


def bootstrap_differences(
    strategy: np.ndarray,
    reference: np.ndarray,
    *,
    samples: int = SAMPLES,
    block: int = BLOCK_DAYS,
    seed: int = SEED,
    level: float = LEVEL,
) -> tuple[Interval | None, Interval | None]:
    """Intervals for ``total_return(strategy) - total_return(reference)`` and for the difference
    in Sharpe, from paired daily returns of equal length.

    Returns:
        ``(total return interval, Sharpe interval)``; None where fewer than two days or a flat
        curve leave the figure undefined.
    """
    s = np.asarray(strategy, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    if s.shape != r.shape or s.ndim != 1:
        raise ValueError(f"paired returns must be 1-D of equal length, got {s.shape}, {r.shape}")
    if s.size < 2:
        return None, None
    block = max(1, min(block, s.size))
    starts = block_starts(s.size, samples=samples, block=block, seed=seed)
    total_s, sharpe_s = _figures(s, starts, block)
    total_r, sharpe_r = _figures(r, starts, block)
    ret = _interval(_total_return(s) - _total_return(r), total_s - total_r, level)
    sharpe = _interval(_sharpe(s) - _sharpe(r), sharpe_s - sharpe_r, level)
    return ret, sharpe


def paired_returns(
    equity: pd.Series, start_cash: float, reference: pd.Series, reference_start: float
) -> tuple[np.ndarray, np.ndarray]:
    """Daily returns (the first from the starting value) of two curves on the dates both have."""
    a = daily_returns(equity.dropna(), start_cash)
    b = daily_returns(reference.dropna(), reference_start)
    both = a.index.intersection(b.index)
    return a.loc[both].to_numpy(np.float64), b.loc[both].to_numpy(np.float64)


def assess(
    *,
    round_trips: int,
    trades_matter: bool,
    events: int,
    events_listed: int,
    min_trades: int,
    min_events: int,
    equity: pd.Series | None = None,
    start_cash: float = 1.0,
    reference: pd.Series | None = None,
    reference_start: float = 1.0,
) -> Evidence:
    """The :class:`Evidence` of one strategy.

    Args:
        round_trips: its closed trades.
        trades_matter: False for buy-and-hold and the benchmark, whose figures rest on no trade.
        events: events in range that moved the score; ``events_listed``: every event in range.
        min_trades, min_events: the config's ``report.min_trades`` / ``report.min_events``.
        equity, start_cash: the strategy's curve and starting value (None: no intervals).
        reference, reference_start: buy-and-hold's curve and starting value.
    """
    total = sharpe = None
    if equity is not None and reference is not None:
        s, r = paired_returns(equity, start_cash, reference, reference_start)
        total, sharpe = bootstrap_differences(s, r)
    return Evidence(
        round_trips=round_trips,
        events=events,
        events_listed=events_listed,
        thin_trades=trades_matter and round_trips < min_trades,
        thin_events=trades_matter and events < min_events,
        total_return_diff=total,
        sharpe_diff=sharpe,
    )
