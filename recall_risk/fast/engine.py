"""Fast simulation of the reference strategies, fill for fill identical to the backtrader runs.

Timeline of a bar k, as in :class:`recall_risk.bt.RiskStrategy` on a cheat-on-open cerebro:
1. at the open, the target set at bar k-1's close is sized —
   ``shares = floor(w × (cash + position × open) / (open × (1 + slippage) × (1 + commission)))``
   rounded down to whole board lots, buys limited to what the cash pays for
   (:func:`~recall_risk.signals.affordable_units`) — and filled at ``open × (1 ± slippage)``,
   capped by the bar's high (buys) or low (sells), commission ``shares × fill × commission``;
2. at the close, the strategy reads the bar (score, SMAs) and may set a new target;
3. the portfolio is valued at the close: ``cash + position × close``.

Decisions come from :mod:`recall_risk.fast.targets` (numpy); only the trades loop in Python.
:func:`simulate` runs one point with its fills; :func:`simulate_batch` runs many points of one
strategy on one market and returns their curves as 2-D arrays (bars × points), no fills.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recall_risk.fast.market import MarketArrays
from recall_risk.fast.targets import Targets, check_params, from_bar, targets
from recall_risk.signals import affordable_units, order_units


@dataclass(frozen=True)
class FastResult:
    """Equity and exposure at every close, the fills and the closed trades' net results."""

    equity: np.ndarray
    exposure: np.ndarray
    fills: list[dict[str, Any]]
    trade_pnls: list[float]


@dataclass(frozen=True)
class BatchResult:
    """Many points' curves on the same bars: column j of :attr:`equity` is point j.

    Points whose orders are the same (a sweep's neighbouring thresholds often flip the gate on
    the same bars) are simulated once: their curves are one distinct column, shared.

    Attributes:
        distinct_equity: portfolio value at every close of each distinct simulation, shape
            (bars, distinct), float64.
        distinct_exposure: invested fraction at every close, same shape.
        column: each point's column of the distinct arrays, shape (points,).
        trade_pnls: each point's closed trades' net results.
    """

    distinct_equity: np.ndarray
    distinct_exposure: np.ndarray
    column: np.ndarray
    trade_pnls: list[list[float]]

    @property
    def equity(self) -> np.ndarray:
        """Portfolio value at every close, shape (bars, points)."""
        return self.distinct_equity[:, self.column]

    @property
    def exposure(self) -> np.ndarray:
        """Invested fraction at every close, shape (bars, points)."""
        return self.distinct_exposure[:, self.column]


@dataclass(frozen=True)
class Broker:
    """The simulated broker: starting cash, commission and slippage (fractions), board lot."""

    cash: float
    commission: float
    slippage: float
    lot_size: int = 1


@dataclass
class _Book:
    """Positions and cash after each trading bar, and the closed trades."""

    bars: list[int] = field(default_factory=list)
    positions: list[float] = field(default_factory=list)
    cash: list[float] = field(default_factory=list)
    fills: list[dict[str, Any]] | None = None
    trade_pnls: list[float] = field(default_factory=list)


_EXACT = 2.0**52
"""Below this a float's floor is exact and the whole-share sizing takes its inline path."""


def _trade(
    market: MarketArrays,
    orders: Sequence[tuple[int, float]],
    broker: Broker,
    fractional: bool,
    book: _Book,
) -> None:
    """Fill ``orders`` (decision bar, target weight) at the next opens, noting what changed.

    Whole-share sizing is :func:`~recall_risk.signals.order_units` and
    :func:`~recall_risk.signals.affordable_units` inlined for the usual case (a finite amount
    below 2**52, a valid lot, the first estimate affordable), the same operations in the same
    order; anything else calls them."""
    o, h, lo = market.listed("open"), market.listed("high"), market.listed("low")
    n = len(o)
    cash, slippage, commission = float(broker.cash), broker.slippage, broker.commission
    lot = 1 if fractional else broker.lot_size
    inline = not fractional and (lot == 1 or (type(lot) is int and lot > 1))
    slip_up, comm_up = 1.0 + slippage, 1.0 + commission
    position, avg_price, trade_pnl, trade_comm = 0, 0.0, 0.0, 0.0
    for decided, weight in orders:
        k = decided + 1
        if k >= n:
            break
        open_k = o[k]
        unit_cost = open_k * slip_up * comm_up
        value = cash + position * open_k
        wanted = 0
        if weight > 0:
            amount = weight * value / unit_cost
            if inline and 0.0 <= amount < _EXACT:
                wanted = math.floor(amount) if lot == 1 else math.floor(amount) // lot * lot
            else:
                wanted = order_units(amount, fractional=fractional, lot_size=lot)
        delta = wanted - position
        if delta < 0:
            size = -delta
            fill = open_k * (1.0 - slippage) if slippage else open_k
            if slippage and fill < lo[k]:
                fill = lo[k]
            comm = size * commission * fill
            cash += size * fill - comm
            trade_pnl += size * (fill - avg_price)
            trade_comm += comm
            position -= size
            if book.fills is not None:
                book.fills.append(_fill(market, k, "sell", size, fill, comm))
            if position == 0:
                book.trade_pnls.append(trade_pnl - trade_comm)
                trade_pnl, trade_comm, avg_price = 0.0, 0.0, 0.0
        elif delta > 0:
            price = open_k * slip_up
            affordable = -1
            estimate = cash / (price * comm_up)
            if inline and 0.0 <= estimate < _EXACT:
                steps = math.floor(estimate) if lot == 1 else math.floor(estimate) // lot
                units = steps * lot
                if steps <= 0:
                    affordable = 0
                elif (cash - units * price) - units * price * commission >= 0:
                    affordable = units
            if affordable < 0:
                affordable = affordable_units(
                    cash, price, commission, fractional=fractional, lot_size=lot
                )
            size = min(delta, affordable)
            if size <= 0:
                continue
            fill = price if slippage else open_k
            if slippage and fill > h[k]:
                fill = h[k]
            comm = size * commission * fill
            cash -= size * fill + comm
            avg_price = (avg_price * position + fill * size) / (position + size)
            trade_comm += comm
            position += size
            if book.fills is not None:
                book.fills.append(_fill(market, k, "buy", size, fill, comm))
        else:
            continue
        book.bars.append(k)
        book.positions.append(position)
        book.cash.append(cash)


def _orders(
    strategy: str, market: MarketArrays, params: Mapping[str, Any], trade_from: int
) -> Targets:
    """Checked targets from bar ``trade_from`` on."""
    n = len(market)
    check_params(strategy, params, n)
    if not 0 <= trade_from < max(n, 1):
        raise ValueError(f"trade_from must be a bar of the data (0..{n - 1}), got {trade_from}")
    wanted = targets(strategy, market, params)
    for _, weight in wanted:  # RiskStrategy.set_target refuses these when they are set
        if not 0.0 <= weight <= 1.0 or math.isnan(weight):
            raise ValueError(f"target weight must be in [0, 1], got {weight}")
    return from_bar(wanted, trade_from)


def _fill_columns(book: _Book, positions: np.ndarray, cash: np.ndarray, start_cash: float) -> None:
    """Write a book's step functions into one column of positions and of cash."""
    if not book.bars:
        positions[:] = 0.0
        cash[:] = start_cash
        return
    lengths = np.diff([0, *book.bars, len(positions)])
    positions[:] = np.repeat([0.0, *book.positions], lengths)
    cash[:] = np.repeat([start_cash, *book.cash], lengths)


def _curves(
    positions: np.ndarray, cash: np.ndarray, close: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Equity and exposure from positions and cash at each close (1-D or bars × points)."""
    if positions.ndim == 2:
        close = close[:, None]
    invested = np.abs(positions) * close
    equity = cash + positions * close
    exposure = np.divide(invested, equity, out=np.zeros_like(equity), where=equity != 0)
    return equity, exposure


def simulate(
    strategy: str,
    market: MarketArrays,
    params: Mapping[str, Any],
    *,
    cash: float,
    commission: float,
    slippage: float,
    trade_from: int = 0,
    lot_size: int = 1,
) -> FastResult:
    """Backtest a reference strategy on one ticker; ``params`` must hold every parameter
    (defaults included, see :func:`recall_risk.bt.registry.strategy_defaults`).

    With ``trade_from`` k > 0 the bars before k only warm the strategy up (its SMAs, its gate):
    nothing is traded there, the portfolio starts with ``cash`` at bar k, and the result covers
    bars k onward. The target the strategy holds as of bar k-1's close is bought at bar k's
    open, as :class:`~recall_risk.bt.RiskStrategy` does with ``trade_from``. Whole-share orders
    are rounded down to multiples of ``lot_size`` (fractional units ignore it).

    Raises:
        ValueError: a NaN score, or parameters the backtrader strategy refuses (see
            :func:`~recall_risk.fast.targets.check_params`), or a target weight outside [0, 1]
            (``max_weight`` above 1), or a ``lot_size`` below 1.
    """
    if np.isnan(market.score).any():
        raise ValueError("the fast engine needs a score without NaN")
    orders = _orders(strategy, market, params, trade_from)
    broker = Broker(cash, commission, slippage, lot_size)
    book = _Book(fills=[])
    _trade(market, orders, broker, bool(params.get("fractional", False)), book)
    n = len(market)
    positions, cash_after = np.empty(n), np.empty(n)
    _fill_columns(book, positions, cash_after, float(cash))
    equity, exposure = _curves(positions, cash_after, market.close)
    return FastResult(
        equity=equity[trade_from:],
        exposure=exposure[trade_from:],
        fills=book.fills or [],
        trade_pnls=book.trade_pnls,
    )


def simulate_batch(
    strategy: str,
    market: MarketArrays,
    points: Sequence[Mapping[str, Any]],
    broker: Broker,
    *,
    trade_from: int = 0,
) -> BatchResult:
    """Backtest many parameter sets of one strategy on one market: curves as 2-D arrays.

    Each of ``points`` holds every parameter (as for :func:`simulate`); column j of the result is
    exactly what :func:`simulate` gives for ``points[j]`` (equity, exposure, closed trades).
    Points with the same orders are filled once (see :class:`BatchResult`).

    Raises:
        ValueError: as :func:`simulate`, for the first point that fails (check points first to
            get one error per point).
    """
    if np.isnan(market.score).any():
        raise ValueError("the fast engine needs a score without NaN")
    books: dict[tuple[bool, tuple[tuple[int, float], ...]], int] = {}
    distinct: list[_Book] = []
    column = np.empty(len(points), dtype=np.intp)
    pnls: list[list[float]] = []
    for j, params in enumerate(points):
        fractional = bool(params.get("fractional", False))
        key = (fractional, tuple(_orders(strategy, market, params, trade_from)))
        c = books.get(key)
        if c is None:
            c = books[key] = len(distinct)
            book = _Book()
            _trade(market, key[1], broker, fractional, book)
            distinct.append(book)
        column[j] = c
        pnls.append(distinct[c].trade_pnls)
    positions, cash = _step_columns(distinct, len(market), float(broker.cash), trade_from)
    equity, exposure = _curves(positions, cash, market.close[trade_from:])
    return BatchResult(equity, exposure, column, pnls)


def _step_columns(
    books: Sequence[_Book], bars: int, start_cash: float, trade_from: int
) -> tuple[np.ndarray, np.ndarray]:
    """The books' positions and cash from bar ``trade_from`` on, one column per book, shape
    (bars - trade_from, books), Fortran order: each cell takes the values after the book's last
    trading bar at or before it (the start's before any), gathered from a table of the books'
    steps (values copied, never summed: the same bits as :func:`_fill_columns`)."""
    ids = np.zeros((bars, len(books)), dtype=np.intp, order="F")
    position_table, cash_table = [0.0], [start_cash]
    for j, book in enumerate(books):
        if book.bars:
            first = len(position_table)
            # trading bars are distinct and increasing: ids increase down the column
            ids[book.bars, j] = np.arange(first, first + len(book.bars))
            position_table.extend(book.positions)
            cash_table.extend(book.cash)
    np.maximum.accumulate(ids, axis=0, out=ids)
    ids = ids[trade_from:]
    positions = np.take(np.asarray(position_table, dtype=np.float64), ids)
    cash = np.take(np.asarray(cash_table, dtype=np.float64), ids)
    return np.asfortranarray(positions), np.asfortranarray(cash)


def _fill(
    m: MarketArrays, k: int, side: str, size: float, price: float, comm: float
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
