"""Review 2: the sweep's array metrics print exactly what the run reports print.

``MetricsOnDates`` is checked against ``compute_metrics`` with ``approx`` elsewhere, which lets
``-0.0 == 0.0`` through; results.csv and folds.csv write floats with ``repr``, so the sign shows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from recall_risk.metrics import METRIC_NAMES, compute_metrics
from recall_risk.sweep.metrics import MetricsOnDates


def test_flat_curve_metrics_are_repr_identical_to_compute_metrics() -> None:
    """A point that never trades: max_drawdown is 0.0 (not -0.0) in both, every repr equal."""
    dates = pd.bdate_range("2024-01-01", periods=30)
    equity = np.full(30, 100_000.0)
    exposure = np.zeros(30)
    bench = pd.Series(np.linspace(100.0, 110.0, 30), index=dates)
    got = MetricsOnDates(dates, bench, initial_cash=100_000.0).compute(equity, exposure, [])
    want = compute_metrics(
        pd.Series(equity, index=dates),
        initial_cash=100_000.0,
        exposure=pd.Series(exposure, index=dates),
        benchmark_equity=bench,
    )
    assert got["max_drawdown"] == 0.0 and math.copysign(1.0, got["max_drawdown"]) == 1.0
    assert {m: repr(got[m]) for m in METRIC_NAMES} == {m: repr(want[m]) for m in METRIC_NAMES}
