"""Risk exit: fully invested; out at ``exit_above``, back in below ``reenter_below``."""

from __future__ import annotations

from recall_risk import HysteresisGate
from recall_risk.bt import RiskStrategy


class RiskExit(RiskStrategy):
    """Hysteresis on the risk score.

    Params:
        exit_above: sell everything at the next open once the score (at a bar's close) reaches it.
        reenter_below: buy back once the score falls below it...
        min_days_out: ...and at least this many bars have passed since the exit.
    """

    params = (("exit_above", 0.5), ("reenter_below", 0.3), ("min_days_out", 0))

    def __init__(self) -> None:
        super().__init__()
        self.gate = HysteresisGate(
            exit_above=self.p.exit_above,
            reenter_below=self.p.reenter_below,
            min_days_out=self.p.min_days_out,
        )
        self._invested: bool | None = None

    def next(self) -> None:
        invested = self.gate.update(self.risk[0])
        if invested != self._invested:
            self.set_target(self.p.max_weight if invested else 0.0)
            self._invested = invested
