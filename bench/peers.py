"""recall-risk against vectorbt and backtesting.py on the same 2,000-point sweep, side by side.

Data: 1810.HK (configs/xiaomi_su7_sweep.yaml on the shared prices, 487 bars), the ``risk_exit``
strategy over a 2,000-point grid: exit_above (20) x reenter_below (10) x score half-life (10),
``min_days_out`` 0. The score columns (one per half-life) are computed once by the project and
handed to every engine, so each engine does the same work: from score columns to trades, values
and metrics.

Conventions that make the engines agree to the cent (asserted on every point):
- fills at the next bar's open (the decision at bar t's close, the order at t+1's open), zero
  slippage, no spread;
- commission 0.1% of the filled value, on buys and on sells;
- sizing: all the cash in whole shares, ``floor(cash / (open x (1 + 0.001)))`` (backtesting.py:
  its default ``size = 1 - eps`` of the margin; vectorbt: ``size=inf, size_granularity=1``);
- the gate: invested from the first bar's decision unless the score is already at or above
  ``exit_above`` there; out when ``score >= exit_above``, back in when ``score < reenter_below``
  (strict), at the earliest the bar after the exit; ``reenter_below <= exit_above`` on every point;
- open positions are valued at the last close, not sold (final value = cash + shares x close).

Timed, best of ``--repeat`` runs, one process, numba/BLAS/OpenMP threads pinned to 1:
- the project: ``Evaluator.columns`` (what a sweep batch computes) on the 2,000 points (fast
  engine, warm caches: the score frames are the shared inputs), 13 metrics a point (sharpe,
  max_drawdown, total_return, cagr and trades among them); points whose orders are the same are
  simulated and scored once (the count of distinct ones is printed);
- vectorbt: signals from the score columns, ``Portfolio.from_signals`` on 2,000 columns in one
  call, then sharpe, max_drawdown, total_return, annualized return and closed trades (numba's
  one-off compilation is the first call, reported apart and not counted);
- backtesting.py: ``Backtest.run`` per point in one process, on a seeded sample of the points
  (``--backtesting-points``, 2000 for all).

Run from the repository root (``pip install 'recall-risk[bench]'``):
``python bench/peers.py [--prices-dir DIR] [--repeat K] [--backtesting-points N]``.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core for every engine, set before numpy or numba load
os.environ["TQDM_DISABLE"] = "1"  # backtesting.py's progress bars

import argparse  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from timing import cpu_timed  # noqa: E402

from recall_risk.config import load_config  # noqa: E402
from recall_risk.sweep import Evaluator, prepare_sweep_data  # noqa: E402

TICKER = "1810.HK"
EXITS = [round(0.35 + 0.025 * i, 3) for i in range(20)]
REENTRIES = [round(0.03 * (i + 1), 2) for i in range(10)]
HALF_LIVES = [20, 30, 45, 60, 75, 90, 120, 150, 180, 240]
TARGET = 2.0  # project sweep throughput / vectorbt's


def grid_points() -> list[dict]:
    """2,000 valid points, half-life outermost (the order a sweep batches them in)."""
    return [
        {"exit_above": e, "reenter_below": r, "min_days_out": 0, "score.half_life_days": h}
        for h in HALF_LIVES
        for e in EXITS
        for r in REENTRIES
    ]


def project_table(evaluator: Evaluator, points: list[dict]) -> pd.DataFrame:
    """What a sweep batch computes for ``points``: ``Evaluator.columns`` (older versions: rows,
    or one row at a time), as a frame of every metric."""
    from recall_risk.metrics import METRIC_NAMES

    if hasattr(evaluator, "columns"):
        return pd.DataFrame(evaluator.columns(points).metrics, columns=list(METRIC_NAMES))
    rows = getattr(evaluator, "rows", None)
    return pd.DataFrame(rows(points) if rows else [evaluator.row(p) for p in points])


def distinct_simulations(evaluator: Evaluator, points: list[dict]) -> int:
    """Points whose orders differ: the fast engine simulates (and scores) each once."""
    from recall_risk.fast import simulate_batch

    count = 0
    for h in HALF_LIVES:
        plans = [evaluator._plan(p) for p in points if p["score.half_life_days"] == h]
        market = plans[0].market
        result = simulate_batch(
            plans[0].reference, market.arrays, [q.full for q in plans], evaluator._broker(TICKER)
        )
        count += result.distinct_equity.shape[1]
    return count


def vectorbt_run(vbt, frame: pd.DataFrame, scores: np.ndarray, points: list[dict], cash, fee):
    """Signals from the score columns, one from_signals call on every point, the five metrics."""
    column = {h: i for i, h in enumerate(HALF_LIVES)}
    cols = [column[p["score.half_life_days"]] for p in points]
    score = scores[:, cols]  # (bars, points)
    exit_above = np.array([p["exit_above"] for p in points])
    reenter = np.array([p["reenter_below"] for p in points])
    exits = score >= exit_above
    entries = score < reenter
    entries[0] = score[0] < exit_above  # the gate starts invested
    shift = np.zeros_like(entries)  # decided at t's close, filled at t+1's open
    entries_next, exits_next = shift.copy(), shift.copy()
    entries_next[1:], exits_next[1:] = entries[:-1], exits[:-1]
    n = len(points)
    tile = lambda x: np.repeat(x[:, None], n, axis=1)  # noqa: E731
    pf = vbt.Portfolio.from_signals(
        close=pd.DataFrame(tile(frame["close"].to_numpy()), index=frame.index),
        entries=entries_next,
        exits=exits_next,
        price=tile(frame["open"].to_numpy()),
        size=np.inf,
        size_granularity=1.0,
        fees=fee,
        init_cash=cash,
        freq="1D",
    )
    return {
        "final_value": pf.final_value().to_numpy(),
        "sharpe": pf.sharpe_ratio().to_numpy(),
        "max_drawdown": -pf.max_drawdown().to_numpy(),
        "total_return": pf.total_return().to_numpy(),
        "cagr": pf.annualized_return().to_numpy(),
        "trades": pf.trades.closed.count().to_numpy(),
    }


def backtesting_run(frame: pd.DataFrame, scores: np.ndarray, points, cash, fee) -> np.ndarray:
    """Final value of each point through backtesting.py's ``Backtest.run``, one process."""
    from backtesting import Backtest, Strategy

    data = frame.rename(columns=str.capitalize)[["Open", "High", "Low", "Close", "Volume"]].copy()
    for i, h in enumerate(HALF_LIVES):
        data[f"s{h}"] = scores[:, i]

    class RiskExitBT(Strategy):
        exit_above = 0.6
        reenter_below = 0.4
        column = "s30"

        def init(self) -> None:
            score = getattr(self.data, self.column)
            self.invested = bool(score[0] < self.exit_above)
            if self.invested:  # bar 0's decision: backtesting.py's first next() is bar 1
                self.buy()

        def next(self) -> None:
            s = getattr(self.data, self.column)[-1]
            if self.invested and s >= self.exit_above:
                self.position.close()
                self.invested = False
            elif not self.invested and s < self.reenter_below:
                self.buy()
                self.invested = True

    bt = Backtest(data, RiskExitBT, cash=cash, commission=fee, finalize_trades=False)
    out = []
    for p in points:
        stats = bt.run(
            exit_above=p["exit_above"],
            reenter_below=p["reenter_below"],
            column=f"s{p['score.half_life_days']}",
        )
        out.append(stats["Equity Final [$]"])
    return np.asarray(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prices-dir", type=Path, default=REPO.parent / "shared/data/prices")
    parser.add_argument("--repeat", type=int, default=3, help="best of K timings")
    parser.add_argument("--backtesting-points", type=int, default=100)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # third-party chatter (backtesting.py, vectorbt's pandas)

    base = load_config(REPO / "configs" / "xiaomi_su7_sweep.yaml")
    config = base.model_copy(
        update={"broker": base.broker.model_copy(update={"slippage": 0.0})}
    )  # fmt: skip
    cash, fee = config.broker.cash, config.broker.commission
    data = prepare_sweep_data(config, args.prices_dir)
    points = grid_points()
    evaluator = Evaluator(config, data)
    frames = [evaluator.frames({"score.half_life_days": h})[TICKER] for h in HALF_LIVES]
    frame = frames[0][["open", "high", "low", "close", "volume"]]
    scores = np.column_stack([f["score"].to_numpy() for f in frames])  # the shared inputs
    print(
        f"data: {TICKER} {len(frame)} bars; {len(points)} points; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.1f}; threads pinned to 1"
    )

    project_table(evaluator, points[:50])  # warm the caches (markets, benchmark)
    *t_project, ours = cpu_timed(lambda: project_table(evaluator, points), args.repeat)

    import vectorbt as vbt

    vbt.settings.returns["year_freq"] = "252 days"  # the project's year
    started = time.perf_counter()
    vectorbt_run(vbt, frame, scores, points[:2], cash, fee)
    t_compile = time.perf_counter() - started
    *t_vbt, theirs = cpu_timed(
        lambda: vectorbt_run(vbt, frame, scores, points, cash, fee), args.repeat
    )
    gap_vbt = np.max(np.abs(ours["final_value"].to_numpy() - theirs["final_value"]))

    sample = sorted(random.Random(0).sample(range(len(points)), args.backtesting_points))
    *t_btpy, btpy = cpu_timed(
        lambda: backtesting_run(frame, scores, [points[i] for i in sample], cash, fee), 1
    )
    gap_btpy = np.max(np.abs(ours["final_value"].to_numpy()[sample] - btpy))

    report(ours, theirs, len(points), len(sample), t_project, t_vbt, t_btpy)
    print(f"distinct order sequences the project simulated (and computed metrics for): "
          f"{distinct_simulations(evaluator, points):,} of {len(points):,} points")  # fmt: skip
    print(f"vectorbt's numba compilation (first call, not counted): {t_compile:.1f} s wall")
    print(f"\nmax |final value gap|: vectorbt {gap_vbt:.2e} on {len(points)} points, "
          f"backtesting.py {gap_btpy:.2e} on {len(sample)}")  # fmt: skip
    if gap_vbt > 1e-6 or gap_btpy > 1e-6:
        print("FAIL: the engines disagree on a final value")
        return 1
    return 0


def report(ours, theirs, n, n_btpy, t_project, t_vbt, t_btpy) -> None:
    """Backtests per second (CPU and wall clock), the ratios, and the metric agreement."""
    rates = {
        "recall-risk fast engine, one sweep batch (13 metrics)": (n, t_project),
        "vectorbt from_signals, 1 call (5 metrics)": (n, t_vbt),
        f"backtesting.py Backtest.run ({n_btpy} points, final value)": (n_btpy, t_btpy),
    }
    print(f"\n{'engine':<58}{'backtests/s':>12}{'us/backtest':>12}{'wall bt/s':>11}")
    for label, (count, (cpu, wall)) in rates.items():
        print(f"{label:<58}{count / cpu:>12,.0f}{1e6 * cpu / count:>12.1f}{count / wall:>11,.0f}")
    ratio = t_vbt[0] / t_project[0]
    verdict = "met" if ratio >= TARGET else "NOT met"
    per_btpy = (t_btpy[0] / n_btpy) / (t_project[0] / n)
    wall = t_vbt[1] / t_project[1]
    print(f"\nproject / vectorbt (CPU): {ratio:.2f}x (target >= {TARGET:g}x: {verdict}); "
          f"wall: {wall:.2f}x; project / backtesting.py: {per_btpy:,.0f}x")  # fmt: skip
    print("metric agreement with vectorbt, max |difference| over the points:")
    for name in ("total_return", "cagr", "sharpe", "max_drawdown", "trades"):
        a = ours[name].to_numpy(dtype=float)
        b = np.asarray(theirs[name], dtype=float)
        both = np.isfinite(a) & np.isfinite(b)
        print(f"  {name:<13} {np.max(np.abs(a[both] - b[both])):.2e} ({both.sum()} points)")


if __name__ == "__main__":
    raise SystemExit(main())
