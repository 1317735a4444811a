"""The tests' independent reference for every metric: plain numpy from first principles.

It follows the conventions stated in :mod:`recall_risk.metrics` without calling the package, so
``tests/test_metrics.py`` and ``tests/test_metrics_2d.py`` catch a change in the package's
definitions.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from recall_risk.metrics import METRIC_NAMES

YEAR = 252


def reference_metrics(
    equity: pd.Series,
    *,
    initial_cash: float,
    exposure: pd.Series | None = None,
    trade_pnls=(),
    benchmark_equity: pd.Series | None = None,
    benchmark_cash: float | None = None,
    risk_free: float = 0.0,
) -> dict[str, float | int | None]:
    """Every metric from first principles (None where the quantity is undefined)."""
    values = equity.to_numpy(dtype=np.float64)
    from_cash = np.concatenate(([initial_cash], values))  # the portfolio before its first fill
    r = from_cash[1:] / from_cash[:-1] - 1.0
    rf = risk_free / YEAR
    excess = r - rf
    n = r.size
    out: dict[str, float | int | None] = dict.fromkeys(METRIC_NAMES)
    out["final_value"] = float(values[-1])
    out["total_return"] = values[-1] / initial_cash - 1.0
    out["trades"] = len(trade_pnls)
    if trade_pnls:
        out["win_rate"] = sum(p > 0 for p in trade_pnls) / len(trade_pnls)
    if exposure is not None and len(exposure):
        out["exposure"] = float(np.mean(exposure.to_numpy()))
    if n >= 1:
        # growth compounded over n daily periods (the first from the cash), n / 252 years
        out["cagr"] = float(np.prod(1.0 + r)) ** (YEAR / n) - 1.0
        peaks = np.maximum.accumulate(from_cash)
        out["max_drawdown"] = float(np.max(1.0 - from_cash / peaks))
    if n >= 2:
        std = np.std(r, ddof=1) if np.ptp(r) > 0 else 0.0
        out["volatility"] = std * math.sqrt(YEAR)
        excess_std = np.std(excess, ddof=1) if np.ptp(excess) > 0 else 0.0
        if excess_std > 0:
            out["sharpe"] = np.mean(excess) / excess_std * math.sqrt(YEAR)
        downside = math.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)) * math.sqrt(YEAR)
        if downside > 0:
            out["sortino"] = np.mean(excess) * YEAR / downside
    if out["max_drawdown"] and out["cagr"] is not None:
        out["calmar"] = out["cagr"] / out["max_drawdown"]
    if benchmark_equity is not None:
        both = pd.concat([equity, benchmark_equity], axis=1, join="inner").dropna()
        if len(both) > 2:
            s = both.iloc[:, 0].to_numpy()
            b = both.iloc[:, 1].to_numpy()
            if benchmark_cash is not None:  # each curve's first step from its starting value
                s = np.concatenate(([initial_cash], s))
                b = np.concatenate(([benchmark_cash], b))
            sr = s[1:] / s[:-1] - 1.0 - rf
            br = b[1:] / b[:-1] - 1.0 - rf
            var = np.mean((br - br.mean()) ** 2)
            if var > 1e-30:
                beta = np.mean((br - br.mean()) * (sr - sr.mean())) / var
                out["beta"] = beta
                out["alpha"] = (1.0 + np.mean(sr - beta * br)) ** YEAR - 1.0
    return out
