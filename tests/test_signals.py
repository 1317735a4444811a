"""Pure decision rules of :mod:`recall_risk.signals`, checked by hand and by properties."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recall_risk.signals import HysteresisGate, needs_rebalance, rotation_weights, scaled_weight

NAN = float("nan")
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


# --- scaled_weight -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, 1.0),
        (0.2, 1.0),  # at the floor: full
        (0.35, 0.75),  # (0.8 - 0.35) / 0.6
        (0.5, 0.5),
        (0.8, 0.0),  # at the cap: nothing
        (0.95, 0.0),
        (NAN, 1.0),  # no data yet: no known event weighs on it
    ],
)
def test_scaled_weight_by_hand(score, expected):
    assert scaled_weight(score, risk_floor=0.2, risk_cap=0.8) == pytest.approx(expected, abs=1e-15)


def test_scaled_weight_scales_by_max_weight():
    assert scaled_weight(0.5, risk_floor=0.2, risk_cap=0.8, max_weight=0.6) == pytest.approx(0.3)
    assert scaled_weight(0.0, risk_floor=0.2, risk_cap=0.8, max_weight=0.6) == 0.6
    assert scaled_weight(NAN, risk_floor=0.2, risk_cap=0.8, max_weight=0.6) == 0.6


@pytest.mark.parametrize(
    ("floor", "cap", "max_weight", "match"),
    [
        (0.5, 0.5, 1.0, "risk_floor < risk_cap"),
        (0.6, 0.4, 1.0, "risk_floor < risk_cap"),
        (-0.1, 0.4, 1.0, "risk_floor < risk_cap"),
        (0.2, 0.8, -0.1, "max_weight"),
    ],
)
def test_scaled_weight_rejects_bad_params(floor, cap, max_weight, match):
    with pytest.raises(ValueError, match=match):
        scaled_weight(0.3, risk_floor=floor, risk_cap=cap, max_weight=max_weight)


@given(a=unit, b=unit)
def test_scaled_weight_is_non_increasing_and_bounded(a, b):
    lo, hi = min(a, b), max(a, b)
    w_lo = scaled_weight(lo, risk_floor=0.1, risk_cap=0.7)
    w_hi = scaled_weight(hi, risk_floor=0.1, risk_cap=0.7)
    assert 0.0 <= w_hi <= w_lo <= 1.0


# --- needs_rebalance -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "current", "band", "expected"),
    [
        (0.5, None, 0.1, True),  # nothing held yet
        (0.5, 0.5, 0.1, False),  # unchanged
        (0.5, 0.5, 0.0, False),
        (0.55, 0.5, 0.1, False),  # inside the band
        (0.45, 0.5, 0.1, False),
        (0.65, 0.5, 0.1, True),  # past the band
        (0.35, 0.5, 0.1, True),
        (0.0, 0.05, 0.1, True),  # to zero: always
        (1.0, 0.95, 0.1, True),  # to full: always
        (0.99, 0.95, 0.1, False),  # near full is not full
        (0.51, 0.5, 0.0, True),  # no band: any change
    ],
)
def test_needs_rebalance(target, current, band, expected):
    assert needs_rebalance(target, current, band) is expected


def test_needs_rebalance_full_is_max_weight():
    # Full weight below 1.0 is a boundary too: coming back to it from inside the band trades.
    assert needs_rebalance(0.6, 0.55, 0.1, full=0.6) is True
    assert needs_rebalance(0.58, 0.55, 0.1, full=0.6) is False
    assert needs_rebalance(0.6, 0.55, 0.1) is False  # default full = 1.0


# --- HysteresisGate ------------------------------------------------------------------------------


def run_gate(gate: HysteresisGate, scores: list[float]) -> list[bool]:
    return [gate.update(s) for s in scores]


def test_gate_exits_at_threshold_and_reenters_strictly_below():
    gate = HysteresisGate(exit_above=0.5, reenter_below=0.3)
    scores = [0.1, 0.49, 0.5, 0.4, 0.3, 0.29, 0.5, 0.6]
    assert run_gate(gate, scores) == [True, True, False, False, False, True, False, False]


def test_gate_min_days_out_counts_bars_after_the_exit():
    # Exit on bar 1; re-entry needs score < 0.3 *and* 3 bars since the exit (bar 4 at the earliest).
    gate = HysteresisGate(exit_above=0.5, reenter_below=0.3, min_days_out=3)
    scores = [0.0, 0.9, 0.1, 0.1, 0.1, 0.1]
    assert run_gate(gate, scores) == [True, False, False, False, True, True]


def test_gate_min_days_out_zero_and_one_allow_the_next_bar():
    for days in (0, 1):
        gate = HysteresisGate(exit_above=0.5, reenter_below=0.3, min_days_out=days)
        assert run_gate(gate, [0.9, 0.1]) == [False, True]


def test_gate_min_days_out_restarts_on_each_exit():
    gate = HysteresisGate(exit_above=0.5, reenter_below=0.3, min_days_out=2)
    scores = [0.9, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1]
    assert run_gate(gate, scores) == [False, False, True, False, False, True, True]


def test_gate_ignores_nan_bars():
    gate = HysteresisGate(exit_above=0.5, reenter_below=0.3, min_days_out=1)
    assert run_gate(gate, [NAN, 0.9, NAN, NAN, 0.1]) == [True, False, False, False, True]


def test_gate_starting_out_of_the_market():
    gate = HysteresisGate(exit_above=0.5, reenter_below=0.3, invested=False)
    assert run_gate(gate, [0.4, 0.2]) == [False, True]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"exit_above": 0.3, "reenter_below": 0.5}, "reenter_below <= exit_above"),
        ({"exit_above": 1.2, "reenter_below": 0.5}, "exit_above <= 1"),
        ({"exit_above": 0.5, "reenter_below": -0.1}, "0 <= reenter_below"),
        ({"exit_above": 0.5, "reenter_below": 0.3, "min_days_out": -1}, "min_days_out"),
    ],
)
def test_gate_rejects_bad_params(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HysteresisGate(**kwargs)


@given(scores=st.lists(unit, max_size=60), days=st.integers(0, 5))
def test_gate_matches_a_plain_replay(scores, days):
    gate = HysteresisGate(exit_above=0.6, reenter_below=0.3, min_days_out=days)
    invested, out_for, expected = True, 0, []
    for s in scores:
        if invested and s >= 0.6:
            invested, out_for = False, 0
        elif not invested:
            out_for += 1
            invested = s < 0.3 and out_for >= days
        expected.append(invested)
    assert run_gate(gate, scores) == expected


# --- rotation_weights ----------------------------------------------------------------------------


def test_rotation_weights_by_hand():
    weights = rotation_weights({"B": 0.5, "A": 0.0, "C": 1.0}, tilt=1.0)
    # raw: A 1.0, B 0.5, C 0.0 -> / 1.5
    assert list(weights) == ["A", "B", "C"]
    assert weights == pytest.approx({"A": 2 / 3, "B": 1 / 3, "C": 0.0})


def test_rotation_weights_tilt_zero_is_equal_weight():
    assert rotation_weights({"A": 0.9, "B": 0.1}, tilt=0.0, invested=0.8) == {"A": 0.4, "B": 0.4}


def test_rotation_weights_nan_counts_as_zero():
    assert rotation_weights({"A": NAN, "B": 0.0}, tilt=2.0) == {"A": 0.5, "B": 0.5}


def test_rotation_weights_all_penalised_is_all_cash():
    assert rotation_weights({"A": 0.6, "B": 0.9}, tilt=2.0) == {"A": 0.0, "B": 0.0}
    assert rotation_weights({}, tilt=1.0) == {}


def test_rotation_weights_rejects_negative_tilt():
    with pytest.raises(ValueError, match="tilt"):
        rotation_weights({"A": 0.1}, tilt=-0.5)


@given(
    scores=st.dictionaries(st.sampled_from("ABCDEFG"), unit, min_size=1),
    tilt=st.floats(0.0, 3.0),
    invested=st.floats(0.0, 1.0),
)
def test_rotation_weights_properties(scores, tilt, invested):
    weights = rotation_weights(scores, tilt=tilt, invested=invested)
    assert set(weights) == set(scores)
    assert all(w >= 0.0 for w in weights.values())
    total = math.fsum(weights.values())
    assert total == pytest.approx(invested) or total == 0.0
    # dict order never matters
    assert (
        rotation_weights(dict(reversed(list(scores.items()))), tilt=tilt, invested=invested)
        == weights
    )
    # a higher score never gets a higher weight
    ranked = sorted(scores, key=scores.__getitem__)
    assert all(weights[a] >= weights[b] - 1e-15 for a, b in itertools.pairwise(ranked))
