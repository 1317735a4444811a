"""``RiskStrategy``: a backtrader strategy base that reads the risk score and trades to targets.

A subclass decides at each bar's close by calling :meth:`RiskStrategy.set_target` with a portfolio
weight; the base sizes the order at the next bar's open, with integer shares (in whole board lots
of the feed's ``lot_size``) that fit the cash after commission and slippage, and sends it (sells
before buys). ``self.risk`` is the score line of
the first data (``self.risk[0]`` is today's value) and :meth:`target_weight_for` maps a score
to a weight. The base needs a cerebro with ``cheat_on_open=True`` (see
:func:`recall_risk.bt.make_cerebro`);
cheat-on-open is used only to size at the known open price, never to decide on unseen data.
"""

from __future__ import annotations

import math

import backtrader as bt

from recall_risk.bt.indicator import RiskScore
from recall_risk.errors import ConfigError
from recall_risk.signals import affordable_units, order_units, scaled_weight


class RiskStrategy(bt.Strategy):
    """Base class for risk-aware strategies.

    Params:
        events: events for a :class:`RiskScore` indicator, used when a data feed has no ``score``
            line (a plain price feed).
        score_params: score parameters for that indicator.
        risk_floor: score at or below which :meth:`target_weight_for` gives full weight.
        risk_cap: score at or above which it gives zero weight.
        max_weight: the full weight.
        fractional: size in fractional units instead of whole shares (for a benchmark index,
            which cannot be bought in whole points: 5 "units" of a 17,000-point index would leave
            15% of 100,000 in cash).
        trade_from: a date, or None. Bars before it only warm the strategy up (indicators,
            gates: it decides as usual), nothing is traded; at the first open on or after it,
            the targets the strategy holds as of the previous close are bought. Walk-forward
            windows use it, so that an SMA has its history at a window's first bar.
    """

    params = (
        ("events", None),
        ("score_params", None),
        ("risk_floor", 0.2),
        ("risk_cap", 0.8),
        ("max_weight", 1.0),
        ("fractional", False),
        ("trade_from", None),
    )

    def __init__(self) -> None:
        self._risk_lines = {data: self._risk_line_for(data) for data in self.datas}
        self.risk = self._risk_lines[self.data0]
        self._targets: dict[bt.feed.DataBase, float] = {}
        self._held: dict[bt.feed.DataBase, float] = {}  # every target set so far, the last one
        self._trading = self.p.trade_from is None

    def _risk_line_for(self, data: bt.feed.DataBase) -> bt.LineSingle:
        if "score" in data.lines.getlinealiases():
            return data.lines.score
        return RiskScore(data, events=self.p.events, score_params=self.p.score_params).score

    def risk_of(self, data: bt.feed.DataBase) -> bt.LineSingle:
        """The score line for ``data``."""
        return self._risk_lines[data]

    def start(self) -> None:
        if not self.cerebro.p.cheat_on_open:
            raise ConfigError(
                f"{type(self).__name__} sizes orders at the next open: create the engine with "
                "bt.Cerebro(cheat_on_open=True) or recall_risk.bt.make_cerebro()"
            )
        self.broker.set_checksubmit(False)

    def target_weight_for(self, risk: float) -> float:
        """Weight for a score: full up to ``risk_floor``, 0 from ``risk_cap``, linear between."""
        return scaled_weight(
            float(risk),
            risk_floor=self.p.risk_floor,
            risk_cap=self.p.risk_cap,
            max_weight=self.p.max_weight,
        )

    def set_target(self, weight: float, data: bt.feed.DataBase | None = None) -> None:
        """Ask for ``weight`` of the portfolio in ``data`` (default: data0) at the next open."""
        if not 0.0 <= weight <= 1.0 or math.isnan(weight):
            raise ValueError(f"target weight must be in [0, 1], got {weight}")
        target = data if data is not None else self.data0
        self._targets[target] = weight
        self._held[target] = weight

    def _units(self, amount: float, data: bt.feed.DataBase | None = None) -> float:
        return order_units(amount, fractional=self.p.fractional, lot_size=self.lot_size(data))

    def lot_size(self, data: bt.feed.DataBase | None = None) -> int:
        """Shares in one board lot of ``data`` (default data0): its feed's ``lot_size`` param,
        1 for a feed without one. Whole-share orders are rounded down to whole lots."""
        feed = data if data is not None else self.data0
        return int(getattr(feed.p, "lot_size", 1) or 1)

    def _warming_up(self) -> bool:
        """Before ``trade_from``: targets are noted, not traded. At its first bar the targets
        held as of the last close become the orders."""
        if self._trading:
            return False
        if self.data0.datetime.date(0) < self.p.trade_from:
            self._targets = {}
            return True
        self._trading = True
        if any(self.getposition(d).size for d in self.datas):
            raise ConfigError(
                f"{type(self).__name__} traded before trade_from {self.p.trade_from} (an order "
                "sent around set_target?); warm-up bars must not trade"
            )
        self._targets = dict(self._held)
        return False

    def next_open(self) -> None:
        if self._warming_up() or not self._targets:
            return
        targets, self._targets = self._targets, {}
        comm = self.broker.getcommissioninfo(self.data0).p.commission
        slip = self.broker.p.slip_perc or 0.0
        value = self.broker.get_cash() + sum(
            self.getposition(d).size * d.open[0] for d in self.datas
        )
        wanted = {}
        for data, weight in targets.items():
            unit_cost = data.open[0] * (1.0 + slip) * (1.0 + comm)
            wanted[data] = self._units(weight * value / unit_cost, data) if weight > 0 else 0
        cash = self.broker.get_cash()
        for data in self.datas:  # sells first, in data order, to free cash
            delta = wanted.get(data, self.getposition(data).size) - self.getposition(data).size
            if delta < 0:
                self.sell(data=data, size=-delta)
                cash += -delta * data.open[0] * (1.0 - slip) * (1.0 - comm)
        for data in self.datas:
            delta = wanted.get(data, self.getposition(data).size) - self.getposition(data).size
            if delta > 0:
                price = data.open[0] * (1.0 + slip)
                unit_cost = price * (1.0 + comm)
                affordable = affordable_units(
                    cash, price, comm, fractional=self.p.fractional, lot_size=self.lot_size(data)
                )
                size = min(delta, affordable)
                if size > 0:
                    self.buy(data=data, size=size)
                    cash -= size * unit_cost
