"""Pure decision rules on a risk score, shared by the backtrader strategies and any fast engine.

Nothing here knows about backtrader: each rule maps score values (floats in [0, 1]) to a target
portfolio weight, so the same rule can be tested on its own and reused outside backtrader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


def scaled_weight(
    score: float, *, risk_floor: float, risk_cap: float, max_weight: float = 1.0
) -> float:
    """Target weight that falls linearly from ``max_weight`` to 0 as the score rises.

    ``weight = max_weight × clip((risk_cap - score) / (risk_cap - risk_floor), 0, 1)``: full weight
    at or below ``risk_floor``, nothing at or above ``risk_cap``. A NaN score (no data yet) gives
    full weight, as no known event weighs on it.

    Raises:
        ValueError: unless ``0 <= risk_floor < risk_cap`` and ``max_weight >= 0``.
    """
    if not 0.0 <= risk_floor < risk_cap:
        raise ValueError(f"need 0 <= risk_floor < risk_cap, got {risk_floor} and {risk_cap}")
    if max_weight < 0:
        raise ValueError(f"max_weight must be >= 0, got {max_weight}")
    if math.isnan(score):
        return max_weight
    fraction = (risk_cap - score) / (risk_cap - risk_floor)
    return max_weight * min(1.0, max(0.0, fraction))


def needs_rebalance(
    target: float, current: float | None, band: float, *, full: float = 1.0
) -> bool:
    """Whether to trade from ``current`` to ``target`` weight.

    Trades when there is no current target yet, when the target moved by more than ``band``, or
    when it moved to a boundary (0 or ``full``, the strategy's full weight) that a band would
    otherwise never quite reach.
    """
    if current is None:
        return True
    if target == current:
        return False
    if abs(target - current) > band:
        return True
    return target == 0.0 or (target > current and band > 0 and target >= full - 1e-12)


def rebalance_bars(targets: np.ndarray, band: float, *, full: float = 1.0) -> list[int]:
    """The bars at which :func:`needs_rebalance` trades when fed ``targets`` one bar after the
    other, starting with no current target (so bar 0 always trades) and taking each traded
    target as the new current one: the same rule, in one pass without a call per bar.
    """
    n = len(targets)
    if n == 0:
        return []
    values = np.asarray(targets, dtype=np.float64)
    if band == 0.0:  # every change trades, so the current target is always the previous bar's
        return [0, *(np.flatnonzero(values[1:] != values[:-1]) + 1).tolist()]
    listed = values.tolist()
    bars, current = [0], listed[0]
    near_full, positive = full - 1e-12, band > 0
    # a bar whose target equals the previous bar's cannot trade: the previous bar saw the same
    # target against the same current one, or traded and made it the current one
    for bar in (np.flatnonzero(values[1:] != values[:-1]) + 1).tolist():
        target = listed[bar]
        if target == current:
            continue
        if (
            abs(target - current) > band
            or target == 0.0
            or (target > current and positive and target >= near_full)
        ):
            bars.append(bar)
            current = target
    return bars


@dataclass
class HysteresisGate:
    """Out of the market when the score reaches ``exit_above``; back in below ``reenter_below``.

    ``min_days_out`` is a count of bars (trading days) that must pass after an exit before
    re-entry is allowed, whatever the score does. Call :meth:`update` once per bar with that
    bar's score; it returns whether to be invested after the bar.
    """

    exit_above: float
    reenter_below: float
    min_days_out: int = 0
    invested: bool = True
    _bars_out: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.reenter_below <= self.exit_above <= 1.0:
            raise ValueError(
                "need 0 <= reenter_below <= exit_above <= 1, got "
                f"reenter_below={self.reenter_below}, exit_above={self.exit_above}"
            )
        if self.min_days_out < 0:
            raise ValueError(f"min_days_out must be >= 0, got {self.min_days_out}")

    def update(self, score: float) -> bool:
        """Feed one bar's score; return True to be invested after this bar."""
        if math.isnan(score):
            return self.invested
        if self.invested:
            if score >= self.exit_above:
                self.invested = False
                self._bars_out = 0
        else:
            self._bars_out += 1
            if score < self.reenter_below and self._bars_out >= self.min_days_out:
                self.invested = True
        return self.invested


def rotation_weights(
    scores: dict[str, float], *, tilt: float, invested: float = 1.0
) -> dict[str, float]:
    """Equal weights tilted away from high scores: ``w_i ∝ max(0, 1 - tilt × score_i)``.

    Weights sum to ``invested`` (or to 0 when every name is fully penalised). NaN scores count
    as 0. Names are processed in sorted order so results never depend on dict order.
    """
    if tilt < 0:
        raise ValueError(f"tilt must be >= 0, got {tilt}")
    raw = {
        name: max(0.0, 1.0 - tilt * (0.0 if math.isnan(s) else s))
        for name, s in sorted(scores.items())
    }
    total = math.fsum(raw.values())
    if total <= 0:
        return dict.fromkeys(raw, 0.0)
    return {name: invested * value / total for name, value in raw.items()}


MICRO_UNITS = 1_000_000
"""Fractional units are whole multiples of ``1 / MICRO_UNITS``."""

_STEP_DOWN_TRIES = 4
"""Single steps :func:`affordable_units` tries before it bisects (one or two always do when the
broker's check and the estimate differ by a rounding error)."""


def _check_lot(lot_size: int) -> int:
    if lot_size == 1:
        return 1
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 1:
        raise ValueError(f"lot_size must be a whole number of shares >= 1, got {lot_size!r}")
    return lot_size


def _steps(amount: float, fractional: bool, lot_size: int) -> int:
    """``amount`` of units rounded down to a whole count of steps (lots, or micro-units with one
    to spare); never negative."""
    scaled = amount * 1e6 - 1.0 if fractional else amount
    if not -math.inf < scaled < math.inf:
        raise ValueError(f"cannot size an order of {amount} units: too large for a float")
    steps = math.floor(scaled) if fractional or lot_size == 1 else math.floor(amount) // lot_size
    return steps if steps > 0 else 0


def _units_of(steps: int, fractional: bool, lot_size: int) -> float:
    return steps / 1e6 if fractional else steps * lot_size


def order_units(amount: float, *, fractional: bool = False, lot_size: int = 1) -> float:
    """Units to order for ``amount`` (a value divided by a unit cost), rounded down.

    Whole shares in whole board lots of ``lot_size`` shares (1: any whole number), or for
    ``fractional`` (a benchmark index, which cannot be bought in whole points) units rounded down
    to 1e-6 with 1e-6 to spare: an exact ``cash / unit_cost`` can exceed the cash by a rounding
    error and be rejected for margin. Lots do not apply to fractional units.

    Raises:
        ValueError: ``amount`` not finite, or a ``lot_size`` that is not a whole number >= 1.
    """
    lot = _check_lot(lot_size)
    steps = _steps(amount, fractional, lot)
    return steps / 1e6 if fractional else steps * lot


def affordable_units(
    cash: float,
    price: float,
    commission: float,
    *,
    fractional: bool = False,
    lot_size: int = 1,
) -> float:
    """The most units (see :func:`order_units`) that ``cash`` pays for at ``price`` plus
    ``commission`` (a fraction of the traded value), checked the way backtrader's broker checks
    an order: ``cash - units * price - units * price * commission >= 0``.

    ``cash / (price * (1 + commission))`` alone is not enough: a commission below about 1e-16
    leaves ``1 + commission == 1.0``, and when ``cash / price`` is a whole number the order would
    then cost its commission more than the cash and be rejected for margin.

    Terminates by construction: a few single steps down from that estimate, then a bisection over
    the count of steps (the broker's check is monotone in the units: rounding is), so at most
    ``5 + ceil(log2(estimate))`` checks whatever the cash (``1e300`` included), where stepping by
    one unit would stop changing a float as large as ``1e15 / 1e-6``.

    Raises:
        ValueError: cash or price not finite, a price <= 0, a bad ``lot_size``.
    """
    lot = _check_lot(lot_size)
    if not (-math.inf < cash < math.inf and -math.inf < price < math.inf) or math.isnan(commission):
        raise ValueError(
            f"cannot size an order with cash {cash}, price {price}, commission {commission}"
        )
    if price <= 0:
        raise ValueError(f"cannot size an order at price {price}")

    def fits(steps: int) -> bool:
        units = steps / 1e6 if fractional else steps * lot
        return (cash - units * price) - units * price * commission >= 0

    high = _steps(cash / (price * (1.0 + commission)), fractional, lot)
    for _ in range(_STEP_DOWN_TRIES):
        if high <= 0 or fits(high):
            return _units_of(high if high > 0 else 0, fractional, lot)
        high -= 1
    low = 0  # fits(0) when cash >= 0; otherwise nothing is affordable and 0 is the answer
    while high - low > 1:  # invariant: fits(low) or low == 0, not fits(high + 1)
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    best = high if high > low and fits(high) else low
    return _units_of(best, fractional, lot)
