"""A fast engine for the reference single-ticker strategies.

It reproduces :mod:`recall_risk.bt`'s fills exactly — decisions at a bar's close, whole shares (in
board lots) sized at the next open, the same commission and slippage, the same sizing — with numpy
and a Python loop over trades only, so sweeps can run many thousands of backtests; many points at
once give their equity curves as one 2-D array (bars × points, :func:`simulate_batch`).
Strategies it does not know run on backtrader (see :func:`supports`).
"""

from recall_risk.fast.engine import BatchResult, Broker, FastResult, simulate, simulate_batch
from recall_risk.fast.market import MarketArrays, prepare
from recall_risk.fast.targets import FAST_STRATEGIES, check_params, supports

__all__ = [
    "FAST_STRATEGIES",
    "BatchResult",
    "Broker",
    "FastResult",
    "MarketArrays",
    "check_params",
    "prepare",
    "simulate",
    "simulate_batch",
    "supports",
]
