"""Fast simulation of the reference strategies, fill for fill identical to the backtrader runs.

Timeline of a bar k, as in :class:`recall_risk.bt.RiskStrategy` on a cheat-on-open cerebro:
1. at the open, the target set at bar k-1's close is sized —
   ``shares = floor(w × (cash + position × open) / (open × (1 + slippage) × (1 + commission)))``,
   buys limited to ``floor(cash / that unit cost)`` — and filled at ``open × (1 ± slippage)``,
   capped by the bar's high (buys) or low (sells), commission ``shares × fill × commission``;
2. at the close, the strategy reads the bar (score, SMAs) and may set a new target;
3. the portfolio is valued at the close: ``cash + position × close``.

Decisions are computed with numpy; only regime changes and band rebalances loop in Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recall_risk.signals import (
    HysteresisGate,
    affordable_units,
    needs_rebalance,
    order_units,
    scaled_weight,
)

FAST_STRATEGIES: frozenset[str] = frozenset(
    {"buy_and_hold", "risk_exit", "risk_scaled", "sma_cross", "sma_cross_risk"}
)


def supports(strategy: str) -> bool:
    """Whether the fast engine knows ``strategy`` (a registered short name)."""
    return strategy in FAST_STRATEGIES


@dataclass(frozen=True, eq=False)
class MarketArrays:
    """One ticker's bars as float arrays (and a cache of derived series such as SMAs)."""

    ticker: str
    dates: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    score: np.ndarray
    _cache: dict[tuple[str, int], np.ndarray] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.close)

    def sma(self, period: int) -> np.ndarray:
        """Simple moving average of the close, computed like backtrader's (``math.fsum``)."""
        key = ("sma", period)
        if key not in self._cache:
            closes = self.close.tolist()
            out = np.full(len(closes), np.nan)
            for i in range(period - 1, len(closes)):
                out[i] = math.fsum(closes[i - period + 1 : i + 1]) / period
            self._cache[key] = out
        return self._cache[key]


def prepare(frame: pd.DataFrame, ticker: str = "data0") -> MarketArrays:
    """Arrays from a risk frame (prices plus a ``score`` column)."""
    return MarketArrays(
        ticker=ticker,
        dates=frame.index.to_numpy(dtype="datetime64[D]"),
        open=frame["open"].to_numpy(dtype=np.float64),
        high=frame["high"].to_numpy(dtype=np.float64),
        low=frame["low"].to_numpy(dtype=np.float64),
        close=frame["close"].to_numpy(dtype=np.float64),
        score=frame["score"].to_numpy(dtype=np.float64),
    )


@dataclass(frozen=True)
class FastResult:
    """Equity and exposure at every close, the fills and the closed trades' net results."""

    equity: np.ndarray
    exposure: np.ndarray
    fills: list[dict[str, Any]]
    trade_pnls: list[float]


def _gate_switches(
    score: np.ndarray, start: int, exit_above: float, reenter_below: float, min_days_out: int
) -> list[tuple[int, bool]]:
    """Bars at which a :class:`~recall_risk.signals.HysteresisGate` fed from ``start`` flips.

    Returns ``(bar, invested_after_bar)`` pairs. Scores must be free of NaN.
    """
    exits = np.flatnonzero(score >= exit_above)
    entries = np.flatnonzero(score < reenter_below)
    switches: list[tuple[int, bool]] = []
    t = start
    while True:
        k = int(np.searchsorted(exits, t))
        if k == len(exits):
            return switches
        out_bar = int(exits[k])
        switches.append((out_bar, False))
        k = int(np.searchsorted(entries, out_bar + max(1, min_days_out)))
        if k == len(entries):
            return switches
        back = int(entries[k])
        switches.append((back, True))
        t = back + 1


def _gate_series(score: np.ndarray, start: int, params: Mapping[str, Any]) -> np.ndarray:
    """Gate state after each bar (True = invested), from bar ``start`` on."""
    state = np.ones(len(score), dtype=bool)
    for bar, invested in _gate_switches(
        score, start, params["exit_above"], params["reenter_below"], params["min_days_out"]
    ):
        state[bar:] = invested
    return state


def _changes(wanted: np.ndarray, start: int, weight: float) -> list[tuple[int, float]]:
    """Targets set where a boolean "be long" series changes (and on the first decision bar)."""
    if start >= len(wanted):
        return []
    flips = np.flatnonzero(wanted[start + 1 :] != wanted[start:-1]) + start + 1
    bars = [start, *flips.tolist()]
    return [(b, weight if wanted[b] else 0.0) for b in bars]


def check_params(strategy: str, params: Mapping[str, Any], bars: int) -> None:
    """Refuse what the backtrader strategy refuses, with the same message.

    backtrader checks these when the strategy is built or on its first bar; an SMA longer than the
    data makes backtrader fail with an ``IndexError`` deep inside, which here is a ``ValueError``.

    Raises:
        ValueError: unknown strategy or parameters the strategy would refuse.
    """
    if not supports(strategy):
        raise ValueError(f"the fast engine does not know strategy {strategy!r}")
    if strategy == "risk_scaled" and bars:
        scaled_weight(
            0.0,
            risk_floor=params["risk_floor"],
            risk_cap=params["risk_cap"],
            max_weight=params["max_weight"],
        )
    if strategy in ("sma_cross", "sma_cross_risk"):
        fast, slow = params["fast"], params["slow"]
        if not 0 < fast < slow:
            raise ValueError(f"need 0 < fast < slow, got fast={fast}, slow={slow}")
    if strategy in ("risk_exit", "sma_cross_risk"):
        HysteresisGate(params["exit_above"], params["reenter_below"], params["min_days_out"])
    if strategy in ("sma_cross", "sma_cross_risk") and bars < params["slow"]:
        raise ValueError(f"{strategy} needs at least slow={params['slow']} bars, got {bars}")


def _targets(strategy: str, m: MarketArrays, p: Mapping[str, Any]) -> list[tuple[int, float]]:
    """``(decision bar, target weight)`` pairs, in bar order."""
    n = len(m)
    weight = float(p["max_weight"])
    if strategy == "buy_and_hold":
        return [(-1, weight)] if n else []  # decided before the first bar: fills at its open
    if strategy == "risk_exit":
        return _changes(_gate_series(m.score, 0, p), 0, weight)
    if strategy == "risk_scaled":
        return _scaled_targets(m.score, p)
    if strategy in ("sma_cross", "sma_cross_risk"):
        fast, slow = int(p["fast"]), int(p["slow"])
        start = slow - 1
        if start >= n:
            return []
        trend = m.sma(fast) > m.sma(slow)
        if strategy == "sma_cross_risk":
            trend = trend & _gate_series(m.score, start, p)
        return _changes(trend, start, weight)
    raise ValueError(f"the fast engine does not know strategy {strategy!r}")


def _scaled_targets(score: np.ndarray, p: Mapping[str, Any]) -> list[tuple[int, float]]:
    """Targets of ``risk_scaled``: :func:`~recall_risk.signals.scaled_weight` on every bar, traded
    when :func:`~recall_risk.signals.needs_rebalance` says so (with ``full=max_weight``)."""
    floor, cap, max_weight, band = p["risk_floor"], p["risk_cap"], p["max_weight"], p["band"]
    weights = (
        np.minimum(1.0, np.maximum(0.0, (cap - score) / (cap - floor))) * max_weight
    ).tolist()
    out: list[tuple[int, float]] = []
    current: float | None = None
    for bar, target in enumerate(weights):
        if needs_rebalance(target, current, band, full=max_weight):
            out.append((bar, target))
            current = target
    return out


def simulate(
    strategy: str,
    market: MarketArrays,
    params: Mapping[str, Any],
    *,
    cash: float,
    commission: float,
    slippage: float,
    trade_from: int = 0,
) -> FastResult:
    """Backtest a reference strategy on one ticker; ``params`` must hold every parameter
    (defaults included, see :func:`recall_risk.bt.registry.strategy_defaults`).

    With ``trade_from`` k > 0 the bars before k only warm the strategy up (its SMAs, its gate):
    nothing is traded there, the portfolio starts with ``cash`` at bar k, and the result covers
    bars k onward. The target the strategy holds as of bar k-1's close is bought at bar k's
    open, as :class:`~recall_risk.bt.RiskStrategy` does with ``trade_from``.

    Raises:
        ValueError: a NaN score, or parameters the backtrader strategy refuses (see
            :func:`check_params`), or a target weight outside [0, 1] (``max_weight`` above 1).
    """
    if np.isnan(market.score).any():
        raise ValueError("the fast engine needs a score without NaN")
    n = len(market)
    check_params(strategy, params, n)
    o, h, lo = market.open, market.high, market.low
    fractional = bool(params.get("fractional", False))

    def units(amount: float) -> float:
        return order_units(amount, fractional=fractional)

    if not 0 <= trade_from < max(n, 1):
        raise ValueError(f"trade_from must be a bar of the data (0..{n - 1}), got {trade_from}")
    targets = _targets(strategy, market, params)
    for _, weight in targets:  # RiskStrategy.set_target refuses these when they are set
        if not 0.0 <= weight <= 1.0 or math.isnan(weight):
            raise ValueError(f"target weight must be in [0, 1], got {weight}")
    targets = _from_bar(targets, trade_from)
    position, avg_price, trade_pnl, trade_comm = 0, 0.0, 0.0, 0.0
    positions = np.zeros(n)
    cash_after = np.full(n, float(cash))
    fills: list[dict[str, Any]] = []
    trade_pnls: list[float] = []
    last_bar = 0
    for decided, weight in targets:
        k = decided + 1
        if k >= n:
            break
        positions[last_bar:k] = position
        cash_after[last_bar:k] = cash
        last_bar = k
        open_k = float(o[k])
        unit_cost = open_k * (1.0 + slippage) * (1.0 + commission)
        value = cash + position * open_k
        wanted = units(weight * value / unit_cost) if weight > 0 else 0
        delta = wanted - position
        if delta < 0:
            size = -delta
            fill = open_k * (1.0 - slippage) if slippage else open_k
            if slippage and fill < lo[k]:
                fill = float(lo[k])
            comm = size * commission * fill
            cash += size * fill - comm
            trade_pnl += size * (fill - avg_price)
            trade_comm += comm
            position -= size
            fills.append(_fill(market, k, "sell", size, fill, comm))
            if position == 0:
                trade_pnls.append(trade_pnl - trade_comm)
                trade_pnl, trade_comm, avg_price = 0.0, 0.0, 0.0
        elif delta > 0:
            size = min(
                delta,
                affordable_units(
                    cash, open_k * (1.0 + slippage), commission, fractional=fractional
                ),
            )
            if size > 0:
                fill = open_k * (1.0 + slippage) if slippage else open_k
                if slippage and fill > h[k]:
                    fill = float(h[k])
                comm = size * commission * fill
                cash -= size * fill + comm
                avg_price = (avg_price * position + fill * size) / (position + size)
                trade_comm += comm
                position += size
                fills.append(_fill(market, k, "buy", size, fill, comm))
    positions[last_bar:] = position
    cash_after[last_bar:] = cash
    invested = np.abs(positions) * market.close
    equity = cash_after + positions * market.close
    exposure = np.divide(invested, equity, out=np.zeros(n), where=equity != 0)
    return FastResult(
        equity=equity[trade_from:],
        exposure=exposure[trade_from:],
        fills=fills,
        trade_pnls=trade_pnls,
    )


def _from_bar(targets: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
    """The targets traded when trading starts at bar ``k``: decisions filled before ``k`` are
    dropped, the last of them carried to bar k-1 (the target held as of its close)."""
    if k == 0:
        return targets
    before = [t for t in targets if t[0] < k - 1]
    kept = [t for t in targets if t[0] >= k - 1]
    if before and not (kept and kept[0][0] == k - 1):
        kept.insert(0, (k - 1, before[-1][1]))
    return kept


def _fill(
    m: MarketArrays, k: int, side: str, size: int, price: float, comm: float
) -> dict[str, Any]:
    return {
        "date": str(m.dates[k]),
        "ticker": m.ticker,
        "side": side,
        "size": size,
        "price": price,
        "value": size * price,
        "commission": comm,
        "status": "filled",
    }
