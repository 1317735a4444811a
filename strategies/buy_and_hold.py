"""Buy and hold: the baseline. Invests ``max_weight`` of the portfolio at the first bar's open."""

from __future__ import annotations

from recall_risk.bt import RiskStrategy


class BuyAndHold(RiskStrategy):
    """Buys at the first bar's open with integer shares (sized at that open); never sells.

    The decision needs no data, so it is taken before the first bar: the holding runs from the
    first open to the last close, the value one computes by hand from a price file.
    """

    def start(self) -> None:
        super().start()
        self.set_target(self.p.max_weight)

    def prenext_open(self) -> None:
        # backtrader starts every strategy in prenext: the first bar's open comes here
        if len(self.data0):
            self.next_open()
