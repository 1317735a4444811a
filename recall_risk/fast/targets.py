"""What the reference strategies decide, bar by bar, as ``(decision bar, target weight)`` pairs.

The rules are those of :mod:`recall_risk.signals` (the backtrader strategies call the same ones):
a :class:`~recall_risk.signals.HysteresisGate` becomes the bars at which it flips, found by
bisecting the bars above and below its thresholds; ``risk_scaled`` trades where
:func:`~recall_risk.signals.rebalance_bars` says; SMA crosses compare
:func:`~recall_risk.fast.sma.exact_sma` series. Nothing here simulates a portfolio.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from recall_risk.signals import HysteresisGate, rebalance_bars, scaled_weight

FAST_STRATEGIES: frozenset[str] = frozenset(
    {"buy_and_hold", "risk_exit", "risk_scaled", "sma_cross", "sma_cross_risk"}
)

Targets = list[tuple[int, float]]


class Market(Protocol):
    """What the decisions read: the score and SMAs of the close."""

    score: np.ndarray

    def __len__(self) -> int: ...

    def sma(self, period: int) -> np.ndarray: ...


def supports(strategy: str) -> bool:
    """Whether the fast engine knows ``strategy`` (a registered short name)."""
    return strategy in FAST_STRATEGIES


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


def gate_switches(
    score: np.ndarray, start: int, exit_above: float, reenter_below: float, min_days_out: int
) -> list[tuple[int, bool]]:
    """Bars at which a :class:`~recall_risk.signals.HysteresisGate` fed from ``start`` flips.

    Returns ``(bar, invested_after_bar)`` pairs, alternating and strictly increasing, the first
    an exit. Scores must be free of NaN.
    """
    return switches_between(
        bars_at_or_above(score, exit_above), bars_below(score, reenter_below), start, min_days_out
    )


def bars_at_or_above(score: np.ndarray, threshold: float) -> list[int]:
    """The bars whose score is at or above ``threshold`` (a gate's exits), in order."""
    return np.flatnonzero(score >= threshold).tolist()


def bars_below(score: np.ndarray, threshold: float) -> list[int]:
    """The bars whose score is below ``threshold`` (a gate's re-entries), in order."""
    return np.flatnonzero(score < threshold).tolist()


def switches_between(
    exits: list[int], entries: list[int], start: int, min_days_out: int
) -> list[tuple[int, bool]]:
    """:func:`gate_switches` from the sorted bars of exits and re-entries (bisected in Python:
    a few scalar look-ups a point, where numpy's per-call overhead would dominate)."""
    switches: list[tuple[int, bool]] = []
    wait = max(1, min_days_out)
    k = bisect_left(exits, start)
    while k < len(exits):
        out_bar = exits[k]
        switches.append((out_bar, False))
        k = bisect_left(entries, out_bar + wait)
        if k == len(entries):
            return switches
        back = entries[k]
        switches.append((back, True))
        k = bisect_left(exits, back + 1)
    return switches


def _gate(m: Market, start: int, p: Mapping[str, Any]) -> list[tuple[int, bool]]:
    crossings = getattr(m, "crossings", None)
    if crossings is None:
        return gate_switches(m.score, start, p["exit_above"], p["reenter_below"], p["min_days_out"])
    exits, entries = crossings(p["exit_above"], p["reenter_below"])
    return switches_between(exits, entries, start, p["min_days_out"])


def gate_series(score: np.ndarray, start: int, params: Mapping[str, Any]) -> np.ndarray:
    """Gate state after each bar (True = invested), from bar ``start`` on."""
    state = np.ones(len(score), dtype=bool)
    p = params
    switches = gate_switches(score, start, p["exit_above"], p["reenter_below"], p["min_days_out"])
    for i, (bar, invested) in enumerate(switches):
        end = switches[i + 1][0] if i + 1 < len(switches) else len(score)
        state[bar:end] = invested
    return state


def _changes(wanted: np.ndarray, start: int, weight: float) -> Targets:
    """Targets set where a boolean "be long" series changes (and on the first decision bar)."""
    if start >= len(wanted):
        return []
    flips = np.flatnonzero(wanted[start + 1 :] != wanted[start:-1]) + start + 1
    bars = [start, *flips.tolist()]
    return [(b, weight if wanted[b] else 0.0) for b in bars]


def targets(strategy: str, m: Market, p: Mapping[str, Any]) -> Targets:
    """``(decision bar, target weight)`` pairs, in bar order (bar -1: before the first bar)."""
    n = len(m)
    weight = float(p["max_weight"])
    if strategy == "buy_and_hold":
        return [(-1, weight)] if n else []  # decided before the first bar: fills at its open
    if strategy == "risk_exit":
        if not n:
            return []
        switches = _gate(m, 0, p)
        first = [] if switches and switches[0][0] == 0 else [(0, weight)]
        return first + [(bar, weight if invested else 0.0) for bar, invested in switches]
    if strategy == "risk_scaled":
        return _scaled_targets(m.score, p)
    if strategy in ("sma_cross", "sma_cross_risk"):
        fast, slow = int(p["fast"]), int(p["slow"])
        start = slow - 1
        if start >= n:
            return []
        trend = m.sma(fast) > m.sma(slow)
        if strategy == "sma_cross_risk":
            trend = trend & gate_series(m.score, start, p)
        return _changes(trend, start, weight)
    raise ValueError(f"the fast engine does not know strategy {strategy!r}")


def _scaled_targets(score: np.ndarray, p: Mapping[str, Any]) -> Targets:
    """Targets of ``risk_scaled``: :func:`~recall_risk.signals.scaled_weight` on every bar, traded
    where :func:`~recall_risk.signals.rebalance_bars` says (with ``full=max_weight``)."""
    floor, cap, max_weight, band = p["risk_floor"], p["risk_cap"], p["max_weight"], p["band"]
    weights = np.minimum(1.0, np.maximum(0.0, (cap - score) / (cap - floor))) * max_weight
    bars = rebalance_bars(weights, band, full=max_weight)
    return list(zip(bars, weights[bars].tolist(), strict=True))


def from_bar(targets: Targets, k: int) -> Targets:
    """The targets traded when trading starts at bar ``k``: decisions filled before ``k`` are
    dropped, the last of them carried to bar k-1 (the target held as of its close)."""
    if k == 0:
        return targets
    before = [t for t in targets if t[0] < k - 1]
    kept = [t for t in targets if t[0] >= k - 1]
    if before and not (kept and kept[0][0] == k - 1):
        kept.insert(0, (k - 1, before[-1][1]))
    return kept
