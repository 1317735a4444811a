"""Buy and hold: the baseline. Invests ``max_weight`` of the portfolio at the first opportunity."""

from __future__ import annotations

from recall_risk.bt import RiskStrategy


class BuyAndHold(RiskStrategy):
    """Decides at the first bar's close; buys at the next open with integer shares; never sells."""

    def next(self) -> None:
        if len(self) == 1:
            self.set_target(self.p.max_weight)
