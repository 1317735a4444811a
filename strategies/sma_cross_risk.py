"""SMA cross with the risk overlay: the trend strategy, stood aside while the score is high."""

from __future__ import annotations

from recall_risk import HysteresisGate
from recall_risk.strategies.sma_cross import SmaCross


class SmaCrossRisk(SmaCross):
    """Long only when the trend is up *and* the risk gate is open.

    The gate closes when the score reaches ``exit_above`` and reopens once it falls below
    ``reenter_below`` (after ``min_days_out`` bars), as in ``risk_exit``.
    """

    params = (("exit_above", 0.5), ("reenter_below", 0.3), ("min_days_out", 0))

    def __init__(self) -> None:
        super().__init__()
        self.gate = HysteresisGate(
            exit_above=self.p.exit_above,
            reenter_below=self.p.reenter_below,
            min_days_out=self.p.min_days_out,
        )

    def wants_long(self) -> bool:
        gate_open = self.gate.update(self.risk[0])
        return self.trend_is_up() and gate_open
