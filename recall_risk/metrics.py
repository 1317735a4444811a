"""Equity curves -> performance metrics: one implementation, in numpy, for one curve or many.

Every figure starts from the starting cash, in runs, sweeps, walk-forward and compare, on both
engines. A curve of ``n`` closes gives ``n`` daily simple returns: the first from the starting cash
(the portfolio before its first fill at the first open) to the first close, then close to close.
So the first bar's move counts in every metric, exactly as in ``total_return``.

Conventions (those of empyrical, which the tests use as an oracle with an independent numpy
implementation, to 1e-9):

- ``years = n / 252``: each close is one trading day, the first bar's included, and
  ``(1 + total_return) == (1 + cagr) ** years``;
- ``volatility``: sample standard deviation (ddof 1) of the daily returns × √252, 0 when every
  return is the same; ``sharpe``: mean daily excess return over its sample standard deviation ×
  √252; ``sortino``: mean daily excess return × 252 over the downside deviation
  √(mean(min(excess, 0)²)) × √252; excess is over ``risk_free / 252`` a day (``risk_free`` the
  annual rate from the config, 0 by default); these three need at least two returns;
- ``max_drawdown``: the largest fall below the running peak of the values, the starting cash being
  the first peak (a first-day drop counts), as a positive fraction; ``calmar``: ``cagr /
  max_drawdown``, undefined without a drawdown;
- ``exposure``: the mean invested fraction of the portfolio at each close; ``trades``: closed round
  trips; ``win_rate``: the share of them with a positive net result (undefined without one);
- ``alpha`` (annualised) and ``beta``: the strategy's daily excess returns regressed on the
  benchmark's over the dates both have (at least two returns), each curve's first step taken from
  its starting cash when the benchmark's is given (``benchmark_cash``), else close to close.

Undefined figures are ``None`` in :func:`compute_metrics` (JSON null) and NaN in
:func:`metrics_2d`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

PERIODS_PER_YEAR = 252

METRIC_NAMES: tuple[str, ...] = (
    "final_value",
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "exposure",
    "trades",
    "win_rate",
    "alpha",
    "beta",
)
"""Every metric reported per strategy (and for the benchmark), in report order."""

HIGHER_IS_BETTER: dict[str, bool | None] = {
    "final_value": True,
    "total_return": True,
    "cagr": True,
    "volatility": False,
    "sharpe": True,
    "sortino": True,
    "max_drawdown": False,
    "calmar": True,
    "exposure": None,
    "trades": None,
    "win_rate": True,
    "alpha": True,
    "beta": None,
}
"""Direction of "best" per metric for highlighting; None means no direction."""


def daily_returns(equity: pd.Series, start_value: float | None = None) -> pd.Series:
    """Simple returns of a value series: from ``start_value`` to the first value when given (the
    metrics' convention), else close to close (the first bar has none)."""
    if start_value is None:
        return equity.pct_change().iloc[1:]
    values = equity.to_numpy(dtype=np.float64)
    previous = np.concatenate(([float(start_value)], values[:-1]))
    return pd.Series(values / previous - 1.0, index=equity.index, name=equity.name)


def running_drawdown(
    values: np.ndarray, start_value: float | np.ndarray | None = None
) -> np.ndarray:
    """Drawdown at each row (along axis 0) as a positive fraction below the running peak, the peak
    starting at ``start_value`` when given (a scalar, or one per column)."""
    values = np.asarray(values, dtype=np.float64)
    peaks = np.maximum.accumulate(values, axis=0) if values.size else values.copy()
    if start_value is not None:
        peaks = np.maximum(peaks, start_value)
    return 1.0 - values / peaks


def max_drawdown(
    values: np.ndarray, start_value: float | np.ndarray | None = None
) -> float | np.ndarray:
    """Largest peak-to-trough fall as a positive fraction (0 if none), of a value series (a float)
    or of each column of a 2-D array (an array), the first peak being ``start_value`` if given."""
    values = np.asarray(values, dtype=np.float64)
    if values.shape[0] == 0:
        return 0.0 if values.ndim == 1 else np.zeros(values.shape[1:])
    peaks = np.maximum.accumulate(values, axis=0)
    if start_value is not None:
        np.maximum(peaks, start_value, out=peaks)
    np.divide(values, peaks, out=peaks)
    # 1 - min(v / peak) is max(1 - v / peak) to the bit (rounding 1 - x is monotone in x), with
    # one pass fewer over a sweep's (bars, points) array
    worst = 1.0 - np.min(peaks, axis=0)
    return float(worst) if values.ndim == 1 else worst


def drawdown(equity: pd.Series, start_value: float | None = None) -> pd.Series:
    """Drawdown at each date as a positive fraction below the running peak, the first peak being
    ``start_value`` when given (the starting cash, as ``max_drawdown`` in the metrics)."""
    values = running_drawdown(equity.to_numpy(dtype=np.float64), start_value)
    return pd.Series(values, index=equity.index, name="drawdown")


def _returns_2d(values: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """Simple returns down each column, the first from ``start`` (one per column) when given."""
    if start is None:
        return values[1:] / values[:-1] - 1.0
    out = np.empty_like(values)
    np.divide(values[1:], values[:-1], out=out[1:])
    np.divide(values[0], start, out=out[0])
    out -= 1.0
    return out


def _columns(x: np.ndarray) -> np.ndarray:
    """``x`` with each column contiguous (Fortran order): numpy then reduces every column as it
    reduces a 1-D array, so a column's figures do not depend on the other columns of the batch
    (same bits whatever the batch size or the worker count)."""
    return np.asfortranarray(x)


def sample_std(x: np.ndarray) -> np.ndarray:
    """Sample standard deviation (ddof 1) of each column, exactly 0 where a column is constant
    (the floating-point mean of equal values can miss them by a bit, as empyrical guards)."""
    x = _columns(x)
    std = np.std(x, axis=0, ddof=1)
    constant = np.max(x, axis=0) == np.min(x, axis=0)
    return np.where(constant, 0.0, std)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN wherever the quotient is not finite (0/0, x/0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = num / den
    return np.where(np.isfinite(q), q, np.nan)


def _risk_figures(returns: np.ndarray, rf: float) -> dict[str, np.ndarray]:
    """Volatility, Sharpe and Sortino of each column of daily returns (NaN below two returns)."""
    points = returns.shape[1]
    if returns.shape[0] < 2:
        nan = np.full(points, np.nan)
        return {"volatility": nan, "sharpe": nan.copy(), "sortino": nan.copy()}
    ann = PERIODS_PER_YEAR
    excess = _columns(returns - rf if rf else returns)
    mean_excess = np.mean(excess, axis=0)
    std = sample_std(returns)
    std_excess = sample_std(excess) if rf else std
    shortfall = np.minimum(excess, 0.0)
    np.square(shortfall, out=shortfall)
    downside = np.sqrt(np.mean(_columns(shortfall), axis=0)) * math.sqrt(ann)
    return {
        "volatility": std * math.sqrt(ann),
        "sharpe": _ratio(mean_excess, std_excess) * math.sqrt(ann),
        "sortino": _ratio(mean_excess * ann, downside),
    }


def _alpha_beta(
    values: np.ndarray,
    returns: np.ndarray,
    start: np.ndarray,
    benchmark: np.ndarray,
    benchmark_cash: float | None,
    rf: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Annualised alpha and beta of each column against ``benchmark`` (NaN where it has none);
    ``returns`` are the columns' returns from their starting cash ``start``."""
    points = values.shape[1]
    nan = np.full(points, np.nan)
    finite = np.isfinite(benchmark)
    if finite.all():  # the usual case: the strategy's returns as they are
        bench = benchmark
        strat_r = returns if benchmark_cash is not None else _columns(returns[1:])
    else:  # the dates both have, returns across the benchmark's gaps
        rows = np.flatnonzero(finite)
        bench, kept = benchmark[rows], _columns(values[rows])
        strat_r = _returns_2d(kept, start if benchmark_cash is not None else None)
    if benchmark_cash is not None:
        bench_r = np.concatenate(([bench[0] / benchmark_cash], bench[1:] / bench[:-1])) - 1.0
    else:
        bench_r = bench[1:] / bench[:-1] - 1.0
    if strat_r.shape[0] < 2:
        return nan, nan.copy()
    residual = bench_r - np.mean(bench_r)
    variance = np.mean(np.square(residual))
    if not variance >= 1e-30:
        return nan, nan.copy()
    # beta from the raw returns (a constant risk-free rate shifts both, as empyrical computes it);
    # alpha = mean of (excess - beta × benchmark excess), as a mean of each part
    beta = np.mean(_columns(residual[:, None] * strat_r), axis=0) / variance
    daily = (np.mean(strat_r, axis=0) - rf) - beta * (np.mean(bench_r) - rf)
    with np.errstate(invalid="ignore", over="ignore"):
        alpha = (1.0 + daily) ** PERIODS_PER_YEAR - 1.0
    return alpha, beta


def metrics_2d(
    values: np.ndarray,
    *,
    start_cash: float | np.ndarray,
    exposure: np.ndarray | None = None,
    trades: np.ndarray | None = None,
    wins: np.ndarray | None = None,
    benchmark: np.ndarray | None = None,
    benchmark_cash: float | None = None,
    risk_free: float = 0.0,
) -> dict[str, np.ndarray]:
    """Every metric of :data:`METRIC_NAMES` for many equity curves on the same bars at once.

    Args:
        values: portfolio value at each close, shape ``(bars, points)``: one column per curve.
        start_cash: the starting cash, a scalar or one per column.
        exposure: invested fraction at each close, shape ``(bars, points)`` (None: NaN).
        trades: closed round trips per column (None: NaN ``trades`` and ``win_rate``).
        wins: round trips with a positive net result per column (with ``trades``).
        benchmark: the benchmark's value at each of the same closes, shape ``(bars,)``, NaN on
            bars it has none (None: NaN ``alpha`` and ``beta``).
        benchmark_cash: the benchmark curve's starting value (None: its returns and the
            strategy's for alpha/beta are close to close from the first date both have).
        risk_free: annual risk-free rate.

    Returns:
        One float array of shape ``(points,)`` per metric name, NaN where undefined
        (``trades`` as floats too: see :func:`metric_rows`).
    """
    v = _columns(np.asarray(values, dtype=np.float64))
    if v.ndim != 2:
        raise ValueError(f"values must be 2-D (bars, points), got shape {v.shape}")
    bars, points = v.shape
    start = np.broadcast_to(np.asarray(start_cash, dtype=np.float64), (points,))
    out = {name: np.full(points, np.nan) for name in METRIC_NAMES}
    if trades is not None:
        t = np.asarray(trades, dtype=np.float64)
        out["trades"] = t
        if wins is not None:
            out["win_rate"] = _ratio(np.asarray(wins, dtype=np.float64), t)
    if bars == 0:
        return out
    bench = None
    if benchmark is not None:
        bench = np.asarray(benchmark, dtype=np.float64)
        if bench.shape != (bars,):
            raise ValueError(f"benchmark must have shape ({bars},), got {bench.shape}")
    ex = None if exposure is None else _columns(np.asarray(exposure, dtype=np.float64))
    rf = risk_free / PERIODS_PER_YEAR
    for lo in range(0, points, BLOCK):  # column blocks: each block's temporaries stay in cache
        cols = slice(lo, min(lo + BLOCK, points))
        block = _block_metrics(v[:, cols], start[cols], bench, benchmark_cash, rf)
        for name, x in block.items():
            out[name][cols] = x
        if ex is not None:
            out["exposure"][cols] = np.mean(ex[:, cols], axis=0)
    return out


BLOCK = 256
"""Columns computed together by :func:`metrics_2d`: 256 columns of 487 bars are about 1 MB."""


def _block_metrics(
    v: np.ndarray, start: np.ndarray, bench: np.ndarray | None, bench_cash: float | None, rf: float
) -> dict[str, np.ndarray]:
    """The value-based metrics of a block of columns (see :func:`metrics_2d`)."""
    bars = v.shape[0]
    returns = _returns_2d(v, start)
    growth = v[-1] / start
    out = {"final_value": v[-1].copy(), "total_return": growth - 1.0}
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cagr"] = np.power(growth, PERIODS_PER_YEAR / bars) - 1.0
    out.update(_risk_figures(returns, rf))
    out["max_drawdown"] = np.asarray(max_drawdown(v, start))
    out["calmar"] = np.where(
        out["max_drawdown"] > 0, _ratio(out["cagr"], out["max_drawdown"]), np.nan
    )
    if bench is not None:
        out["alpha"], out["beta"] = _alpha_beta(v, returns, start, bench, bench_cash, rf)
    return out


def metric_rows(table: dict[str, np.ndarray]) -> list[dict[str, float | int | None]]:
    """Per-column dicts of :func:`metrics_2d`'s arrays: NaN and infinities as None, ``trades``
    as an int, every other figure a float (``0.0`` never shows as ``-0.0``)."""
    columns = []
    for name in METRIC_NAMES:
        x = np.asarray(table[name], dtype=np.float64) + 0.0  # -0.0 + 0.0 is 0.0
        finite = np.isfinite(x)
        if name == "trades":
            values = np.where(finite, x, 0.0).astype(np.int64).tolist()
        else:
            values = x.tolist()
        columns.append([v if ok else None for v, ok in zip(values, finite.tolist(), strict=True)])
    return [dict(zip(METRIC_NAMES, row, strict=True)) for row in zip(*columns, strict=True)]


def align_benchmark(dates: pd.Index, benchmark_equity: pd.Series | None) -> np.ndarray | None:
    """The benchmark's values on ``dates`` (NaN where it has none), for :func:`metrics_2d`."""
    if benchmark_equity is None:
        return None
    bench = benchmark_equity.dropna()
    return bench.reindex(dates).to_numpy(dtype=np.float64)


def compute_metrics(
    equity: pd.Series,
    *,
    initial_cash: float,
    exposure: pd.Series | None = None,
    trade_pnls: Sequence[float] = (),
    benchmark_equity: pd.Series | None = None,
    benchmark_cash: float | None = None,
    risk_free: float = 0.0,
) -> dict[str, float | int | None]:
    """All of :data:`METRIC_NAMES` for one equity curve (:func:`metrics_2d` on one column).

    Args:
        equity: portfolio value at each close, indexed by date.
        initial_cash: the starting cash: every metric starts from it.
        exposure: invested fraction at each close.
        trade_pnls: net result of each closed round trip.
        benchmark_equity: the benchmark's value series, for ``alpha`` and ``beta``.
        benchmark_cash: the benchmark curve's starting value (see :func:`metrics_2d`).
        risk_free: annual risk-free rate.
    """
    pnls = list(trade_pnls)
    table = metrics_2d(
        equity.to_numpy(dtype=np.float64)[:, None],
        start_cash=initial_cash,
        exposure=None if exposure is None else exposure.to_numpy(dtype=np.float64)[:, None],
        trades=np.array([len(pnls)]),
        wins=np.array([sum(1 for p in pnls if p > 0)]),
        benchmark=align_benchmark(equity.index, benchmark_equity),
        benchmark_cash=benchmark_cash,
        risk_free=risk_free,
    )
    return metric_rows(table)[0]
