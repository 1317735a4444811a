"""Tearsheet figures of one equity curve, against the benchmark: pure data, no rendering.

Returns follow the metrics' convention (:func:`recall_risk.metrics.daily_returns` from the
starting cash, so the first bar's move counts). The rolling Sharpe and volatility are numpy over
sliding windows, as empyrical-reloaded's ``roll_sharpe_ratio`` and ``roll_annual_volatility``
compute them (the tests compare the two; importing empyrical takes about a second, as it imports
yfinance, so a report does not); monthly and yearly returns are empyrical's ``aggregate_returns``
rule (compounded per period) with vectorised grouping; the rest is a few lines of pandas here:

- ``worst_drawdowns``: the deepest distinct drawdown periods, each from its peak (``start``, the
  last high before the fall, the starting cash counting as the first high) to its ``trough`` and
  its ``recovery`` (the first close back at the peak; None while under water), ``days`` in
  trading days from start to recovery (or to the last bar);
- ``turnover``: traded value (buys plus sells) over the mean portfolio value, per year (selling
  everything and buying it back is 2);
- ``tracking_error``: the sample standard deviation of the daily active returns (strategy minus
  benchmark, on the dates both have) × √252; ``information_ratio``: their mean × 252 over the
  tracking error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recall_risk.metrics import PERIODS_PER_YEAR, daily_returns, drawdown, sample_std

ROLLING_DAYS = 126
"""Window of the rolling Sharpe and volatility: six months of trading days."""
WORST = 5
"""Drawdown periods listed per curve."""


@dataclass(frozen=True)
class DrawdownPeriod:
    """One drawdown: peak date, trough date, recovery date (None if not recovered), depth, days."""

    start: pd.Timestamp
    trough: pd.Timestamp
    recovery: pd.Timestamp | None
    depth: float
    days: int


def returns_of(equity: pd.Series, start_cash: float) -> pd.Series:
    """Daily simple returns, the first from the starting cash."""
    return daily_returns(equity.dropna().astype(np.float64), start_cash)


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Compounded return per month: rows are years, columns months 1..12 (NaN where no bar)."""
    index = pd.DatetimeIndex(returns.index)
    by_month = _compound(returns, [index.year, index.month])
    table = by_month.unstack()
    return table.reindex(columns=range(1, 13))


def yearly_returns(returns: pd.Series) -> pd.Series:
    """Compounded return per calendar year."""
    return _compound(returns, [pd.DatetimeIndex(returns.index).year])


def _compound(returns: pd.Series, keys: list[pd.Index]) -> pd.Series:
    """Compounded return per group: empyrical's ``aggregate_returns`` (``cum_returns`` of each
    group's last value), with the grouping keys as arrays rather than one Python call per day
    (15 times faster)."""
    return (1.0 + returns).groupby(keys).prod() - 1.0


def _windows(returns: pd.Series, window: int) -> np.ndarray | None:
    """Each full trailing ``window`` of ``returns`` as a row (None if there is none)."""
    values = returns.to_numpy(dtype=np.float64)
    if window < 2 or len(values) < window:
        return None
    return np.lib.stride_tricks.sliding_window_view(values, window)


def _aligned(returns: pd.Series, window: int, values: np.ndarray | None) -> pd.Series:
    """``values`` (one per full window) on ``returns``' dates, NaN before a full window."""
    out = pd.Series(np.nan, index=returns.index, dtype=np.float64)
    if values is not None:
        out.iloc[window - 1 :] = values
    return out


def rolling_sharpe(returns: pd.Series, window: int = ROLLING_DAYS) -> pd.Series:
    """Annualised Sharpe ratio over each trailing ``window`` days (NaN before a full window; a
    window without movement gives NaN for no return, ±inf otherwise, as empyrical's
    ``roll_sharpe_ratio``, which the tests compare it with)."""
    windows = _windows(returns, window)
    if windows is None:
        return _aligned(returns, window, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = windows.mean(axis=1) / sample_std(windows.T) * math.sqrt(PERIODS_PER_YEAR)
    return _aligned(returns, window, values)


def rolling_volatility(returns: pd.Series, window: int = ROLLING_DAYS) -> pd.Series:
    """Annualised volatility over each trailing ``window`` days (NaN before a full window), as
    empyrical's ``roll_annual_volatility``."""
    windows = _windows(returns, window)
    if windows is None:
        return _aligned(returns, window, None)
    return _aligned(returns, window, windows.std(axis=1, ddof=1) * math.sqrt(PERIODS_PER_YEAR))


def worst_drawdowns(equity: pd.Series, start_cash: float, n: int = WORST) -> list[DrawdownPeriod]:
    """The ``n`` deepest drawdown periods, deepest first (see the module docstring)."""
    values = equity.dropna().astype(np.float64)
    under = drawdown(values, start_cash).to_numpy()
    dates = list(values.index)
    periods: list[DrawdownPeriod] = []
    i = 0
    while i < len(under):
        if under[i] <= 0.0:
            i += 1
            continue
        begin = i  # first bar under water; the peak is the bar before (or the starting cash)
        while i < len(under) and under[i] > 0.0:
            i += 1
        segment = under[begin:i]
        trough = begin + int(np.argmax(segment))
        recovered = i < len(under)
        peak = dates[begin - 1] if begin > 0 else dates[0]
        end = i if recovered else len(under) - 1
        periods.append(
            DrawdownPeriod(
                start=pd.Timestamp(peak),
                trough=pd.Timestamp(dates[trough]),
                recovery=pd.Timestamp(dates[i]) if recovered else None,
                depth=float(segment.max()),
                days=end - (begin - 1 if begin > 0 else 0),
            )
        )
    periods.sort(key=lambda p: (-p.depth, p.start))
    return periods[:n]


def turnover(fill_values: Sequence[float], equity: pd.Series) -> float:
    """Traded value over the mean portfolio value, per year of bars (0 without fills)."""
    values = equity.dropna()
    if values.empty:
        return math.nan
    years = len(values) / PERIODS_PER_YEAR
    traded = float(np.sum(np.abs(np.asarray(fill_values, dtype=np.float64))))
    return traded / float(values.mean()) / years


def active_returns(returns: pd.Series, benchmark: pd.Series) -> pd.Series:
    """Strategy minus benchmark daily returns on the dates both have."""
    both = returns.index.intersection(benchmark.index)
    return returns.loc[both] - benchmark.loc[both]


def tracking_error(returns: pd.Series, benchmark: pd.Series) -> float:
    """Annualised standard deviation (ddof 1) of the active returns (NaN below two days)."""
    active = active_returns(returns, benchmark)
    if len(active) < 2:
        return math.nan
    return float(np.std(active.to_numpy(), ddof=1) * math.sqrt(PERIODS_PER_YEAR))


def information_ratio(returns: pd.Series, benchmark: pd.Series) -> float:
    """Annualised mean active return over the tracking error (NaN when that is 0 or undefined);
    the same as empyrical's ``excess_sharpe`` × √252."""
    active = active_returns(returns, benchmark)
    te = tracking_error(returns, benchmark)
    if not te > 0:
        return math.nan
    return float(active.mean() * PERIODS_PER_YEAR / te)


def returns_frame(equity: pd.DataFrame, start_cash: float) -> pd.DataFrame:
    """``returns.csv``: each column's daily simple returns (the first from the starting cash), on
    ``equity``'s dates; empty cells where a column has no bar. The form empyrical, quantstats and
    pyfolio read (a date index, one column per curve)."""
    columns = {name: returns_of(equity[name], start_cash) for name in equity.columns}
    frame = pd.DataFrame(columns).reindex(equity.index)
    frame.index = pd.DatetimeIndex(frame.index).rename("date")
    return frame
