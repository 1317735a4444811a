"""Order sizing (:func:`recall_risk.signals.affordable_units`, :func:`order_units`).

``affordable_units`` is the most units the cash pays for under backtrader's margin check
``(cash - units x price) - units x price x commission >= 0``, found from an estimate with a few
single steps down and then a bisection. Checked here: it terminates within its stated bound of
checks whatever the cash (1e300, a commission too small to change ``1 + commission``, fractional
units), and it agrees with a brute force over every candidate count on random inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recall_risk.signals import affordable_units, order_units

MICRO = 1e6


class CountingCash(float):
    """A float that counts the broker checks made with it (each check subtracts from the cash)."""

    checks = 0

    def __sub__(self, other: float) -> float:
        CountingCash.checks += 1
        return float(self) - other


def fits(cash: float, units: float, price: float, commission: float) -> bool:
    return (cash - units * price) - units * price * commission >= 0


def checks_of(cash: float, price: float, commission: float, **kwargs) -> tuple[float, int]:
    """The answer and how many broker checks it took."""
    CountingCash.checks = 0
    units = affordable_units(CountingCash(cash), price, commission, **kwargs)
    return units, CountingCash.checks


def step(fractional: bool, lot_size: int) -> float:
    return 1 / MICRO if fractional else lot_size


# --- termination by construction ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cash", "price", "commission", "fractional", "lot_size"),
    [
        (1e300, 1.0, 0.001, False, 1),
        (1e300, 3.0, 1e-308, False, 1),
        (1e300, 7.0, 5e-324, False, 200),
        (1e300, 1e6, 0.0, False, 1),
        (1e15, 1e-6, 1e-17, False, 1),  # 1e21 shares: stepping by one changes no float
        (1e15, 1e-6, 1e-17, True, 1),
        (1e200, 0.5, 1e-300, True, 1),
        (100_000.0, 16.0, 1e-308, True, 1),
        (100_000.0, 16.0, 1e-308, False, 1),
    ],
)
def test_terminates_within_its_bound_for_huge_cash_and_tiny_commissions(
    cash: float, price: float, commission: float, fractional: bool, lot_size: int
) -> None:
    units, checks = checks_of(cash, price, commission, fractional=fractional, lot_size=lot_size)
    estimate = cash / (price * (1.0 + commission)) * (MICRO if fractional else 1 / lot_size)
    # 4 single steps down, a bisection over at most the estimate's steps, one last check
    assert checks <= 4 + math.ceil(math.log2(max(estimate, 2.0))) + 1
    assert units >= 0 and fits(cash, units, price, commission)
    assert not fits(cash, units + step(fractional, lot_size), price, commission) or (
        units + step(fractional, lot_size) == units  # beyond a float's resolution
        or units == order_units(cash / price, fractional=fractional, lot_size=lot_size)
    )


def test_more_units_than_a_float_holds_is_refused_not_looped() -> None:
    with pytest.raises(ValueError, match="too large for a float"):
        affordable_units(1e300, 1e-10, 0.0)
    with pytest.raises(ValueError, match="too large for a float"):
        affordable_units(1e305, 1.0, 0.0, fractional=True)


@pytest.mark.parametrize(
    ("cash", "price", "commission"),
    [(math.inf, 1.0, 0.0), (1.0, math.nan, 0.0), (1.0, 1.0, math.nan), (1.0, 0.0, 0.0)],
)
def test_bad_inputs_are_refused(cash: float, price: float, commission: float) -> None:
    with pytest.raises(ValueError, match="cannot size an order"):
        affordable_units(cash, price, commission)


def test_a_commission_below_one_ulp_still_counts() -> None:
    # 1 + 1e-308 == 1.0: the estimate says 6,250 shares, whose commission exceeds the cash
    assert affordable_units(100_000.0, 16.0, 1e-308) == 6249
    assert affordable_units(100_000.0, 16.0, 1e-308, lot_size=200) == 6200
    assert affordable_units(100_000.0, 16.0, 0.0, lot_size=200) == 6200


# --- against a brute force -------------------------------------------------------------------


def brute_force(cash: float, price: float, commission: float, fractional: bool, lot: int) -> float:
    """The most units among every count of steps from 0 to the estimate's that pass the broker's
    check (checked with numpy on all of them at once: the same IEEE operations as the scalar
    check); the estimate is ``cash / (price x (1 + commission))`` in whole lots, or in micro-units
    less one (the spare fractional orders keep)."""
    amount = cash / (price * (1.0 + commission))
    high = math.floor(amount * MICRO - 1.0) if fractional else math.floor(amount) // lot
    if high <= 0:
        return 0
    steps = np.arange(high + 1, dtype=np.int64)
    units = steps / MICRO if fractional else (steps * lot).astype(np.float64)
    ok = (cash - units * price) - units * price * commission >= 0
    best = int(np.flatnonzero(ok)[-1]) if ok.any() else 0
    return best / MICRO if fractional else best * lot


commissions = st.one_of(
    st.just(0.0),
    st.just(0.001),
    st.floats(0.0, 0.05),
    st.sampled_from([1e-308, 5e-324, 1e-17, 1.1125369292536007e-308]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cash=st.one_of(st.floats(0.0, 200_000.0), st.integers(0, 200_000).map(float)),
    price=st.one_of(st.floats(2.0, 500.0), st.sampled_from([2.0, 16.0, 25.0, 400.0])),
    commission=commissions,
    lot_size=st.sampled_from([1, 1, 100, 200, 500, 1000]),
)
@example(cash=100_000.0, price=16.0, commission=1e-308, lot_size=1)
@example(cash=100_000.0, price=16.0, commission=0.0, lot_size=200)
@example(cash=3999.0, price=20.0, commission=0.0, lot_size=200)  # one lot is 4,000
def test_whole_units_match_a_brute_force(
    cash: float, price: float, commission: float, lot_size: int
) -> None:
    got = affordable_units(cash, price, commission, lot_size=lot_size)
    assert got == brute_force(cash, price, commission, False, lot_size)
    assert got % lot_size == 0 and isinstance(got, int)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cash=st.floats(0.0, 2.0),  # at most 400,000 micro-units: the brute force stays quick
    price=st.floats(5.0, 500.0),
    commission=commissions,
)
@example(cash=2.0, price=16.0, commission=1e-308)
@example(cash=1.6, price=16.0, commission=0.0)
def test_fractional_units_match_a_brute_force(cash: float, price: float, commission: float) -> None:
    got = affordable_units(cash, price, commission, fractional=True)
    assert got == brute_force(cash, price, commission, True, 1)


@given(
    amount=st.floats(0.0, 1e9),
    lot_size=st.sampled_from([1, 100, 200, 500]),
)
def test_order_units_round_down_to_whole_lots(amount: float, lot_size: int) -> None:
    units = order_units(amount, lot_size=lot_size)
    assert units % lot_size == 0 and units <= amount < units + lot_size


@pytest.mark.parametrize("lot_size", [0, -200, 2.5, False, "200"])
def test_a_lot_that_is_not_a_whole_number_is_refused(lot_size) -> None:
    with pytest.raises(ValueError, match="lot_size must be a whole number"):
        affordable_units(1000.0, 10.0, 0.0, lot_size=lot_size)
