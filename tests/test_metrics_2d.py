"""``metrics_2d`` (many curves at once) against empyrical and the independent reference, to 1e-9.

Also: a column's figures are the same bits whatever else is in the batch (so sweep results do not
depend on the worker count), the per-point rows print exactly what ``compute_metrics`` prints
(``0.0`` never ``-0.0``), and the property of issue 13: ``(1 + total_return) == (1 + cagr) **
years`` with ``years = bars / 252`` for any curve, a first-day drop counting in max_drawdown.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_reference import YEAR, reference_metrics

from recall_risk.metrics import (
    METRIC_NAMES,
    align_benchmark,
    compute_metrics,
    metric_rows,
    metrics_2d,
)

TOL = 1e-9
CASH = 100_000.0


def empyrical_column(
    values: np.ndarray,
    *,
    cash: float,
    exposure: np.ndarray,
    pnls: list[float],
    bench: np.ndarray | None,
    bench_cash: float | None,
    rf: float,
) -> dict[str, float | None]:
    """One column's metrics through empyrical-reloaded, the field's reference library."""
    import empyrical as ep

    def clean(x: float) -> float | None:
        return float(x) if x is not None and math.isfinite(x) else None

    path = np.concatenate(([cash], values))
    r = path[1:] / path[:-1] - 1.0
    daily_rf = rf / YEAR
    out: dict[str, float | None] = {
        "final_value": float(values[-1]),
        "total_return": values[-1] / cash - 1.0,
        "cagr": clean(ep.cagr(r, annualization=YEAR)),
        "volatility": clean(ep.annual_volatility(r, annualization=YEAR)),
        "sharpe": clean(ep.sharpe_ratio(r, risk_free=daily_rf, annualization=YEAR)),
        "sortino": clean(ep.sortino_ratio(r, required_return=daily_rf, annualization=YEAR)),
        "max_drawdown": clean(0.0 - ep.max_drawdown(r)),
        "calmar": clean(ep.calmar_ratio(r, annualization=YEAR)),
        "exposure": float(np.mean(exposure)),
        "trades": len(pnls),
        "win_rate": sum(p > 0 for p in pnls) / len(pnls) if pnls else None,
        "alpha": None,
        "beta": None,
    }
    if out["max_drawdown"] == 0.0:
        out["calmar"] = None
    if bench is not None:
        rows = np.isfinite(bench)
        s, b = values[rows], bench[rows]
        if bench_cash is not None:
            s, b = np.concatenate(([cash], s)), np.concatenate(([bench_cash], b))
        if len(s) > 2:
            sr, br = s[1:] / s[:-1] - 1.0, b[1:] / b[:-1] - 1.0
            alpha, beta = ep.alpha_beta(sr, br, risk_free=daily_rf, annualization=YEAR)
            out["alpha"], out["beta"] = clean(alpha), clean(beta)
    return out


def assert_close(got: dict, want: dict, label: str) -> None:
    for name in METRIC_NAMES:
        g, w = got[name], want[name]
        if w is None:
            assert g is None, f"{label} {name}: expected None, got {g}"
        else:
            assert g is not None, f"{label} {name}: expected {w}, got None"
            assert g == pytest.approx(w, rel=TOL, abs=TOL), f"{label} {name}"


@pytest.fixture(scope="module")
def batch():
    """60 curves on 300 bars: random walks, a flat one (never trades), a first-day drop, a
    rising-only one; exposures, trade results, and a benchmark with gaps."""
    rng = np.random.default_rng(2026)
    bars, points = 300, 60
    values = CASH * np.cumprod(1 + rng.normal(0.0004, 0.02, (bars, points)), axis=0)
    values[:, 0] = CASH
    values[:, 1] = CASH * np.concatenate(([0.9], np.linspace(0.91, 1.2, bars - 1)))
    values[:, 2] = CASH * np.linspace(1.001, 1.3, bars)
    exposure = rng.uniform(0, 1, (bars, points))
    pnls = [list(rng.normal(50, 400, int(rng.integers(0, 6)))) for _ in range(points)]
    bench = CASH * np.cumprod(1 + rng.normal(0.0002, 0.01, bars))
    bench[[0, 17, 18, 150]] = np.nan
    return values, exposure, pnls, bench


def run_2d(values, exposure, pnls, bench, *, bench_cash, rf):
    return metric_rows(
        metrics_2d(
            values,
            start_cash=CASH,
            exposure=exposure,
            trades=np.array([len(p) for p in pnls]),
            wins=np.array([sum(x > 0 for x in p) for p in pnls]),
            benchmark=bench,
            benchmark_cash=bench_cash,
            risk_free=rf,
        )
    )


@pytest.mark.parametrize("rf", [0.0, 0.03])
@pytest.mark.parametrize("bench_cash", [None, CASH])
def test_every_column_matches_empyrical_and_the_reference(batch, rf, bench_cash):
    values, exposure, pnls, bench = batch
    rows = run_2d(values, exposure, pnls, bench, bench_cash=bench_cash, rf=rf)
    dates = pd.bdate_range("2024-01-01", periods=len(values))
    bench_series = pd.Series(bench, index=dates)
    for j, got in enumerate(rows):
        kwargs = {"exposure": exposure[:, j], "pnls": pnls[j], "bench": bench}
        want = empyrical_column(values[:, j], cash=CASH, bench_cash=bench_cash, rf=rf, **kwargs)
        assert_close(got, want, f"column {j} vs empyrical")
        ref = reference_metrics(
            pd.Series(values[:, j], index=dates),
            initial_cash=CASH,
            exposure=pd.Series(exposure[:, j], index=dates),
            trade_pnls=pnls[j],
            benchmark_equity=bench_series,
            benchmark_cash=bench_cash,
            risk_free=rf,
        )
        assert_close(got, ref, f"column {j} vs reference")
    flat = rows[0]
    assert flat["max_drawdown"] == 0.0 and math.copysign(1.0, flat["max_drawdown"]) == 1.0
    assert rows[1]["max_drawdown"] == pytest.approx(0.1)  # the first-day drop


@pytest.mark.parametrize("block", [7, 256])
def test_a_column_is_the_same_bits_in_any_batch(batch, block, monkeypatch):
    values, exposure, pnls, bench = batch
    whole = run_2d(values, exposure, pnls, bench, bench_cash=CASH, rf=0.02)
    monkeypatch.setattr("recall_risk.metrics.BLOCK", block)  # column blocks of any size
    for lo, hi in [(0, 1), (5, 6), (3, 10), (10, 41), (59, 60)]:
        part = run_2d(
            np.ascontiguousarray(values[:, lo:hi]),  # C order too: metrics_2d lays columns out
            exposure[:, lo:hi],
            pnls[lo:hi],
            bench,
            bench_cash=CASH,
            rf=0.02,
        )
        assert [repr(r) for r in part] == [repr(r) for r in whole[lo:hi]], (lo, hi)


def test_rows_print_exactly_what_compute_metrics_prints(batch):
    """results.csv and folds.csv write floats with repr: the sign of a zero shows."""
    values, exposure, pnls, bench = batch
    dates = pd.bdate_range("2024-01-01", periods=len(values))
    rows = run_2d(values, exposure, pnls, bench, bench_cash=CASH, rf=0.0)
    for j in (0, 1, 7):
        one = compute_metrics(
            pd.Series(values[:, j], index=dates),
            initial_cash=CASH,
            exposure=pd.Series(exposure[:, j], index=dates),
            trade_pnls=pnls[j],
            benchmark_equity=pd.Series(bench, index=dates),
            benchmark_cash=CASH,
        )
        assert {m: repr(one[m]) for m in METRIC_NAMES} == {
            m: repr(rows[j][m]) for m in METRIC_NAMES
        }
        assert isinstance(rows[j]["trades"], int)


def test_shapes_and_empty_input():
    with pytest.raises(ValueError, match="2-D"):
        metrics_2d(np.ones(5), start_cash=1.0)
    with pytest.raises(ValueError, match="benchmark"):
        metrics_2d(np.ones((5, 2)), start_cash=1.0, benchmark=np.ones(4))
    empty = metrics_2d(np.empty((0, 3)), start_cash=1.0)
    assert all(np.isnan(empty[m]).all() for m in METRIC_NAMES)
    assert align_benchmark(pd.bdate_range("2024-01-01", periods=3), None) is None


# values as multiples of the cash, within a range where (growth) ** (252 / bars) stays finite
curves = st.lists(st.floats(min_value=0.2, max_value=5.0), min_size=1, max_size=400)


@settings(max_examples=150, deadline=None)
@given(multiples=curves, cash=st.floats(min_value=1.0, max_value=1e7))
def test_cagr_compounds_to_total_return(multiples, cash):
    """Issue 13: (1 + total_return) == (1 + cagr) ** (bars / 252), for any curve."""
    v = cash * np.asarray(multiples)
    got = metric_rows(metrics_2d(v[:, None], start_cash=cash))[0]
    years = len(v) / YEAR
    growth = 1.0 + got["total_return"]
    assert got["cagr"] == pytest.approx(growth ** (1.0 / years) - 1.0, rel=1e-12, abs=1e-15)
    # the other way round to 1e-9, wherever 1 + cagr keeps its digits: a one-day loss
    # annualised is -100% to the last bit (0.5 ** 252 == 1e-76 is lost next to 1)
    if 1.0 + got["cagr"] >= 1e-6:
        assert (1.0 + got["cagr"]) ** years == pytest.approx(growth, rel=1e-9)
    # the starting cash is the first peak: falling below it on day one is a drawdown
    assert got["max_drawdown"] >= 1.0 - v.min() / cash - 1e-12
    assert got["max_drawdown"] >= 1.0 - v[0] / cash - 1e-12
