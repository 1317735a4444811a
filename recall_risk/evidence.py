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


def block_indices(n: int, *, samples: int, block: int, seed: int) -> np.ndarray:
    """Row indices of ``samples`` circular block-bootstrap resamples of ``n`` days, shape
    ``(samples, n)``: each resample glues blocks of ``block`` consecutive days (wrapping round the
    end) starting at uniformly drawn days, cut to ``n`` days."""
    if n < 1:
        raise ValueError("need at least one day to resample")
    block = max(1, min(block, n))
    blocks = math.ceil(n / block)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n, size=(samples, blocks))
    rows = (starts[:, :, None] + np.arange(block)[None, None, :]) % n
    return rows.reshape(samples, blocks * block)[:, :n]


def _total_return(returns: np.ndarray) -> np.ndarray:
    """Compounded return of each row."""
    return np.prod(1.0 + returns, axis=-1) - 1.0


def _sharpe(returns: np.ndarray) -> np.ndarray:
    """Annualised Sharpe ratio of each row (mean over sample std, NaN where flat)."""
    std = np.std(returns, axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.mean(returns, axis=-1) / std * math.sqrt(PERIODS_PER_YEAR)
    return np.where(np.isfinite(out) & (std > 0), out, np.nan)


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
    rows = block_indices(s.size, samples=samples, block=block, seed=seed)
    rs, rr = s[rows], r[rows]
    ret = _interval(
        float(_total_return(s) - _total_return(r)), _total_return(rs) - _total_return(rr), level
    )
    sharpe = _interval(float(_sharpe(s) - _sharpe(r)), _sharpe(rs) - _sharpe(rr), level)
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
