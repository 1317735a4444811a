"""A user's own strategy, loaded by configs/user_strategy.yaml.

Named there as ``user/momentum_overlay.py:Momentum`` (a path relative to the config file).

It uses only recall-risk's public API: ``RiskStrategy`` gives ``self.risk`` (the score line) and
``target_weight_for`` / ``set_target``; orders are sized at the next open.
"""

from __future__ import annotations

import backtrader as bt

from recall_risk.bt import RiskStrategy


class Momentum(RiskStrategy):
    """Long while the close is above its ``lookback``-bar high-water mark ratio, scaled by risk."""

    params = (("lookback", 60), ("threshold", 0.0))

    def __init__(self) -> None:
        super().__init__()
        self.momentum = bt.indicators.RateOfChange(self.data0.close, period=self.p.lookback)
        self._weight: float | None = None

    def next(self) -> None:
        weight = (
            self.target_weight_for(self.risk[0]) if self.momentum[0] > self.p.threshold else 0.0
        )
        if weight != self._weight and (
            self._weight is None or abs(weight - self._weight) > 0.1 or weight == 0.0
        ):
            self.set_target(weight)
            self._weight = weight
