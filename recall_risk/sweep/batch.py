"""A batch of sweep points' curves -> their metrics, in one 2-D call per date window.

The evaluator runs each point of a batch (fast engine or backtrader) and keeps its curve as plain
arrays (:class:`Curve`); :func:`batch_metrics` stacks the curves that share a window into one
``(bars, points)`` array and calls :func:`recall_risk.metrics.metrics_2d` once, with the benchmark
aligned once per window. No pandas object per point on this path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recall_risk.metrics import METRIC_NAMES, align_benchmark, metrics_2d

WindowKey = tuple[int, Any, Any]


def window_key(dates: pd.Index) -> WindowKey:
    """What tells two curves' date windows apart within one data set: length, first, last."""
    return (len(dates), dates[0], dates[-1]) if len(dates) else (0, None, None)


@dataclass(frozen=True, eq=False)
class Curve:
    """One point's backtest: value and invested fraction at each close of ``dates``, the closed
    trades' net results and the engine that ran it."""

    equity: np.ndarray
    exposure: np.ndarray
    trade_pnls: list[float]
    engine: str
    dates: pd.Index
    key: WindowKey
    batch: tuple[np.ndarray, np.ndarray, int] | None = None
    """When the curve is column j of an engine's 2-D result: (equity, exposure, j), so that
    :func:`batch_metrics` reads the engine's arrays without copying them, and computes the
    metrics of a column that several points share once."""


class BenchmarkCache:
    """The benchmark curve aligned to each window it is asked for, computed once per window."""

    def __init__(self, benchmark_equity: pd.Series | None) -> None:
        self.equity = benchmark_equity
        self._aligned: dict[WindowKey, np.ndarray | None] = {}

    def on(self, dates: pd.Index, key: WindowKey) -> np.ndarray | None:
        """The benchmark's values on ``dates`` (NaN where it has none), or None."""
        if key not in self._aligned:
            self._aligned[key] = align_benchmark(dates, self.equity)
        return self._aligned[key]


def batch_metrics(
    curves: Sequence[Curve],
    benchmark: BenchmarkCache,
    *,
    cash: float,
    risk_free: float,
) -> np.ndarray:
    """Metrics of each curve (in order), every curve starting from ``cash``, as an array of
    shape ``(curves, len(METRIC_NAMES))`` (NaN where undefined, never -0.0); curves of the same
    window are computed together."""
    groups: dict[tuple[WindowKey, int], list[int]] = {}
    for i, curve in enumerate(curves):
        block = id(curve.batch[0]) if curve.batch is not None else 0
        groups.setdefault((curve.key, block), []).append(i)
    out = np.full((len(curves), len(METRIC_NAMES)), np.nan)
    for (key, _), indices in groups.items():
        members = [curves[i] for i in indices]
        values, exposure, pick, spread = _stacked(members)
        pnls = [members[i].trade_pnls for i in pick]
        table = metrics_2d(
            values,
            start_cash=cash,
            exposure=exposure,
            trades=np.array([len(p) for p in pnls]),
            wins=np.array([sum(1 for x in p if x > 0) for p in pnls]),
            benchmark=benchmark.on(members[0].dates, key),
            benchmark_cash=cash,
            risk_free=risk_free,
        )
        # + 0.0: a flat curve's drawdown is 0.0, not -0.0 (results.csv writes floats with repr)
        distinct = np.column_stack([table[name] for name in METRIC_NAMES]) + 0.0
        out[indices] = distinct[spread]
    return out


def _stacked(members: Sequence[Curve]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The members' distinct curves as ``(bars, curves)`` equity and exposure arrays, the member
    behind each curve (``pick``) and each member's curve (``spread``).

    Members that are columns of one engine result share its columns (points simulated once:
    see :class:`~recall_risk.fast.BatchResult`): the distinct columns, a slice of the engine's
    own arrays when they are consecutive (no copy). Others are stacked each curve contiguous
    (the layout metrics_2d reduces). A column's metrics do not depend on the other columns of
    the call, so sharing changes no bit."""
    first = members[0].batch
    if first is not None and all(c.batch is not None and c.batch[0] is first[0] for c in members):
        cols = np.array([c.batch[2] for c in members], dtype=np.intp)  # type: ignore[index]
        distinct, pick, spread = np.unique(cols, return_index=True, return_inverse=True)
        lo, hi = int(distinct[0]), int(distinct[-1]) + 1
        take: slice | np.ndarray = slice(lo, hi) if hi - lo == len(distinct) else distinct
        return first[0][:, take], first[1][:, take], pick, spread
    everyone = np.arange(len(members))
    values = np.array([c.equity for c in members]).T
    return values, np.array([c.exposure for c in members]).T, everyone, everyone
