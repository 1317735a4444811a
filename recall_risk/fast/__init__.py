"""A fast engine for the reference single-ticker strategies.

It reproduces :mod:`recall_risk.bt`'s fills exactly — decisions at a bar's close, integer shares
sized at the next open, the same commission and slippage, the same sizing — with numpy and a few
Python loops over regime changes, so sweeps can run thousands of backtests. Strategies it does not
know run on backtrader (see :func:`supports`).
"""

from recall_risk.fast.engine import (
    FAST_STRATEGIES,
    FastResult,
    MarketArrays,
    check_params,
    prepare,
    simulate,
    supports,
)

__all__ = [
    "FAST_STRATEGIES",
    "FastResult",
    "MarketArrays",
    "check_params",
    "prepare",
    "simulate",
    "supports",
]
