"""Risk scaled: weight = max_weight × f(score), rebalanced only past a band."""

from __future__ import annotations

from recall_risk import needs_rebalance
from recall_risk.bt import RiskStrategy


class RiskScaled(RiskStrategy):
    """Target weight falls linearly from ``max_weight`` (score <= ``risk_floor``) to 0
    (score >= ``risk_cap``); trades only when it moves by more than ``band`` or hits 0 / full.

    Params:
        band: minimum change of the target weight that triggers a trade.
    """

    params = (("band", 0.1),)

    def __init__(self) -> None:
        super().__init__()
        self._weight: float | None = None

    def next(self) -> None:
        target = self.target_weight_for(self.risk[0])
        if needs_rebalance(target, self._weight, self.p.band, full=self.p.max_weight):
            self.set_target(target)
            self._weight = target
