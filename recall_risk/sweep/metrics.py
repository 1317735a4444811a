"""The run reports' metrics for thousands of backtests: the same empyrical calls on numpy arrays.

:func:`recall_risk.metrics.compute_metrics` takes pandas Series and spends about 3 ms per call in
pandas (``pct_change``, an index join for alpha/beta); a sweep's backtests all share one date
index, so :class:`MetricsOnDates` aligns the benchmark once and calls the very same empyrical
functions with plain arrays. ``tests/test_sweep_evaluate.py`` checks it against
``compute_metrics`` for every metric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from recall_risk.metrics import PERIODS_PER_YEAR


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _returns(values: np.ndarray) -> np.ndarray:
    """Simple returns like ``Series.pct_change().iloc[1:]``."""
    return values[1:] / values[:-1] - 1.0


class MetricsOnDates:
    """Metrics of equity curves that all live on ``dates``, against one benchmark curve.

    Args:
        dates: the curves' dates.
        benchmark_equity: the benchmark's value series (None: no alpha/beta).
        initial_cash: the starting cash (for ``total_return``).
        risk_free: annual risk-free rate.
    """

    def __init__(
        self,
        dates: pd.DatetimeIndex,
        benchmark_equity: pd.Series | None,
        *,
        initial_cash: float,
        risk_free: float = 0.0,
    ) -> None:
        self.initial_cash = initial_cash
        self.rf = risk_free / PERIODS_PER_YEAR
        self._rows: np.ndarray | None = None
        self._bench_returns: np.ndarray | None = None
        if benchmark_equity is not None:
            # the inner join and dropna of compute_metrics, done once for every curve
            bench = benchmark_equity.dropna()
            bench = bench[bench.index.isin(dates)]
            rows = np.flatnonzero(pd.Index(dates).isin(bench.index))
            if len(rows) > 2:
                self._rows = rows
                self._bench_returns = _returns(bench.loc[dates[rows]].to_numpy(dtype=np.float64))

    def compute(
        self, equity: np.ndarray, exposure: np.ndarray, trade_pnls: Sequence[float]
    ) -> dict[str, float | int | None]:
        """All of :data:`recall_risk.metrics.METRIC_NAMES`, as ``compute_metrics`` gives them."""
        import empyrical as ep  # imports yfinance and its HTTP stack: only when metrics are made

        returns = _returns(equity)
        rf = self.rf
        final = float(equity[-1])
        ann = PERIODS_PER_YEAR
        # 0.0 - x, not -x, as in compute_metrics: a flat curve (a point that never trades) has
        # drawdown 0.0, not -0.0, which results.csv and folds.csv would print as "-0.0"
        max_dd = _clean(0.0 - ep.max_drawdown(returns))
        metrics: dict[str, float | int | None] = {
            "final_value": final,
            "total_return": final / self.initial_cash - 1.0,
            "cagr": _clean(ep.cagr(returns, annualization=ann)),
            "volatility": _clean(ep.annual_volatility(returns, annualization=ann)),
            "sharpe": _clean(ep.sharpe_ratio(returns, risk_free=rf, annualization=ann)),
            "sortino": _clean(ep.sortino_ratio(returns, required_return=rf, annualization=ann)),
            "max_drawdown": max_dd,
            "calmar": _clean(ep.calmar_ratio(returns, annualization=ann)),
            "exposure": _clean(float(exposure.mean())) if len(exposure) else None,
            "trades": len(trade_pnls),
            "win_rate": (sum(1 for p in trade_pnls if p > 0) / len(trade_pnls))
            if trade_pnls
            else None,
            "alpha": None,
            "beta": None,
        }
        if self._rows is not None and self._bench_returns is not None:
            strat = _returns(equity[self._rows])
            if not np.isnan(strat).any():
                alpha, beta = ep.alpha_beta(
                    strat, self._bench_returns, risk_free=rf, annualization=ann
                )
                metrics["alpha"], metrics["beta"] = _clean(alpha), _clean(beta)
        if metrics["max_drawdown"] == 0.0:
            metrics["calmar"] = None
        return metrics
