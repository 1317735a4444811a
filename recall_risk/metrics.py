"""Returns -> performance metrics, through empyrical-reloaded (a maintained library).

Conventions: daily simple returns of the portfolio value, 252 periods a year, a constant daily
risk-free rate of ``risk_free / 252`` (annual rate from the config, 0 by default);
``max_drawdown`` is a positive fraction; ``exposure`` is the mean invested fraction of the
portfolio at each close; ``trades`` counts closed round trips and ``win_rate`` the share of them
with a positive net result (``None`` when no trade closed). ``alpha`` (annualised) and ``beta`` are
against the benchmark's daily returns on the dates both have.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

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


def daily_returns(equity: pd.Series) -> pd.Series:
    """Simple returns of a value series (the first bar has none)."""
    return equity.pct_change().iloc[1:]


def _clean(value: Any) -> float | None:
    """A finite float, or None (JSON null) for NaN/inf/None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def compute_metrics(
    equity: pd.Series,
    *,
    initial_cash: float,
    exposure: pd.Series | None = None,
    trade_pnls: Sequence[float] = (),
    benchmark_equity: pd.Series | None = None,
    risk_free: float = 0.0,
) -> dict[str, float | int | None]:
    """All of :data:`METRIC_NAMES` for one equity curve.

    Args:
        equity: portfolio value at each close, indexed by date.
        initial_cash: the starting cash (for ``total_return``).
        exposure: invested fraction at each close.
        trade_pnls: net result of each closed round trip.
        benchmark_equity: the benchmark's value series, for ``alpha`` and ``beta``.
        risk_free: annual risk-free rate.
    """
    # imported here, not at module level: empyrical imports yfinance (and its HTTP stack) when it
    # is imported, which would make `import recall_risk.metrics` slow and pull in network code
    import empyrical as ep

    returns = daily_returns(equity)
    rf = risk_free / PERIODS_PER_YEAR
    final = float(equity.iloc[-1])
    metrics: dict[str, float | int | None] = {
        "final_value": final,
        "total_return": final / initial_cash - 1.0,
        "cagr": _clean(ep.cagr(returns, annualization=PERIODS_PER_YEAR)),
        "volatility": _clean(ep.annual_volatility(returns, annualization=PERIODS_PER_YEAR)),
        "sharpe": _clean(ep.sharpe_ratio(returns, risk_free=rf, annualization=PERIODS_PER_YEAR)),
        "sortino": _clean(
            ep.sortino_ratio(returns, required_return=rf, annualization=PERIODS_PER_YEAR)
        ),
        # 0.0 - x, not -x: a flat curve has drawdown 0.0, not -0.0 (printed "-0.0" in reports)
        "max_drawdown": _clean(0.0 - ep.max_drawdown(returns)),
        "calmar": _clean(ep.calmar_ratio(returns, annualization=PERIODS_PER_YEAR)),
        "exposure": _clean(exposure.mean()) if exposure is not None and len(exposure) else None,
        "trades": len(trade_pnls),
        "win_rate": (sum(1 for p in trade_pnls if p > 0) / len(trade_pnls)) if trade_pnls else None,
        "alpha": None,
        "beta": None,
    }
    if benchmark_equity is not None:
        joined = pd.concat([equity, benchmark_equity], axis=1, join="inner").dropna()
        if len(joined) > 2:
            strat = daily_returns(joined.iloc[:, 0])
            bench = daily_returns(joined.iloc[:, 1])
            alpha, beta = ep.alpha_beta(strat, bench, risk_free=rf, annualization=PERIODS_PER_YEAR)
            metrics["alpha"], metrics["beta"] = _clean(alpha), _clean(beta)
    if metrics["max_drawdown"] == 0.0:
        metrics["calmar"] = None
    return metrics


def drawdown(equity: pd.Series) -> pd.Series:
    """Drawdown at each date as a positive fraction below the running peak."""
    values = equity.to_numpy(dtype=np.float64)
    peaks = np.maximum.accumulate(values)
    return pd.Series(1.0 - values / peaks, index=equity.index, name="drawdown")
