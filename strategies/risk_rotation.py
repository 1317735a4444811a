"""Risk rotation: equal weight across several tickers, tilted away from names with a high score."""

from __future__ import annotations

from recall_risk import rotation_weights
from recall_risk.bt import RiskStrategy


class RiskRotation(RiskStrategy):
    """Holds every data feed; weight_i ∝ max(0, 1 - tilt × score_i), summing to ``max_weight``.

    Rebalances on the first bar, every ``rebalance_days`` bars, and whenever any target weight
    moved by more than ``band`` since the last rebalance.

    Params:
        tilt: how hard a high score pushes a name's weight down (0 = plain equal weight).
        rebalance_days: bars between calendar rebalances.
        band: weight change that triggers an early rebalance.
    """

    params = (("tilt", 1.0), ("rebalance_days", 21), ("band", 0.05))

    def __init__(self) -> None:
        super().__init__()
        self._last: dict[str, float] | None = None
        self._since = 0

    def next(self) -> None:
        scores = {d._name: float(self.risk_of(d)[0]) for d in self.datas}
        weights = rotation_weights(scores, tilt=self.p.tilt, invested=self.p.max_weight)
        self._since += 1
        moved = self._last is None or any(
            abs(weights[name] - self._last[name]) > self.p.band for name in weights
        )
        if moved or self._since >= self.p.rebalance_days:
            for data in self.datas:
                self.set_target(weights[data._name], data)
            self._last = weights
            self._since = 0
