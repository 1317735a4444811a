"""SMA cross: long while the fast moving average is above the slow one, flat otherwise."""

from __future__ import annotations

import backtrader as bt

from recall_risk.bt import RiskStrategy


class SmaCross(RiskStrategy):
    """Classic long-only trend strategy.

    Params:
        fast: bars of the fast simple moving average.
        slow: bars of the slow simple moving average.
    """

    params = (("fast", 20), ("slow", 50))

    def __init__(self) -> None:
        super().__init__()
        if not 0 < self.p.fast < self.p.slow:
            raise ValueError(f"need 0 < fast < slow, got fast={self.p.fast}, slow={self.p.slow}")
        self.fast_ma = bt.indicators.SMA(self.data0.close, period=self.p.fast)
        self.slow_ma = bt.indicators.SMA(self.data0.close, period=self.p.slow)
        self._long: bool | None = None

    def trend_is_up(self) -> bool:
        """Whether the fast average is above the slow one on this bar."""
        return bool(self.fast_ma[0] > self.slow_ma[0])

    def wants_long(self) -> bool:
        """The position this bar asks for (subclasses add overlays)."""
        return self.trend_is_up()

    def next(self) -> None:
        long = self.wants_long()
        if long != self._long:
            self.set_target(self.p.max_weight if long else 0.0)
            self._long = long
