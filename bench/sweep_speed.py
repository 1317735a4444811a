"""Sweep speed: backtests per second on backtrader, on the fast engine, and on Dask workers.

One run, one data set (configs/xiaomi_su7_sweep.yaml on the shared prices, 1810.HK against the
HSI) and one 2,000-point grid of the risk-exit strategy (every point a valid combination, two
score settings). Measured:

1. backtrader: a seeded sample of the points, one process (the full grid would take minutes);
2. the fast engine: all 2,000 points, one process, in-process executor;
3. Dask LocalCluster with 1 worker, then with 2 workers: all 2,000 points through
   ``run_points(scheduler=<address>)`` (client connection, scatter, batches and gathering
   included; cluster start-up and the workers' first imports excluded, done in a warm-up run).

The 1-worker and 2-worker tables are checked to be byte-identical to the in-process one. Targets:
fast engine >= 100x backtrader per backtest; 2 workers >= 1.6x one worker. The machine's other
load shows in the numbers: run it on an idle machine for the figures in a report.

Run from the repository root:
``python bench/sweep_speed.py [--prices-dir DIR] [--bt-sample N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from recall_risk.config import load_config  # noqa: E402
from recall_risk.sweep import evaluate_points, prepare_sweep_data  # noqa: E402
from recall_risk.sweep.executors import run_points  # noqa: E402

TARGET_FAST = 100.0
TARGET_WORKERS = 1.6


def grid_points() -> list[dict]:
    """2,000 valid points: 20 exits x 10 re-entries x 5 waits x 2 half-lives."""
    exits = [round(0.35 + 0.025 * i, 3) for i in range(20)]
    entries = [round(0.03 * (i + 1), 2) for i in range(10)]
    return [
        {"exit_above": e, "min_days_out": m, "reenter_below": r, "score.half_life_days": h}
        for e in exits
        for m in (0, 3, 5, 10, 20)
        for r in entries
        for h in (60, 90)
    ]


def timed(fn, repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def burn(n: int) -> int:
    """Pure-Python CPU work: how much this machine lets two worker processes scale right now."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def dask_rate(
    config, data, points, workers: int, repeat: int, reference: str
) -> tuple[float, float]:
    """Backtests per second on a warmed-up LocalCluster of ``workers`` processes, and the rate of
    16 pure-CPU tasks on the same cluster (a calibration of the machine's free cores)."""
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    ) as cluster:
        address = cluster.scheduler_address
        run_points(config, data, points[:64], scheduler=address)  # warm-up: imports, caches
        seconds, run = timed(lambda: run_points(config, data, points, scheduler=address), repeat)
        if run.table.to_csv(index=False) != reference:
            raise SystemExit(f"FAIL: the {workers}-worker table differs from the in-process one")
        with Client(address) as client:
            burn_seconds, _ = timed(
                lambda: client.gather(client.map(burn, [300_000] * 16, pure=False)), repeat
            )
    return len(points) / seconds, 16 / burn_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prices-dir", type=Path, default=REPO.parent / "shared/data/prices")
    parser.add_argument("--bt-sample", type=int, default=40, help="points run on backtrader")
    parser.add_argument("--repeat", type=int, default=5, help="best of K timings")
    args = parser.parse_args()

    config = load_config(REPO / "configs" / "xiaomi_su7_sweep.yaml")
    data = prepare_sweep_data(config, args.prices_dir)
    points = grid_points()
    sample = random.Random(0).sample(points, args.bt_sample)
    print(f"data: 1810.HK {len(data.prices['1810.HK'])} bars vs ^HSI; {len(points)} points; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")  # fmt: skip

    bt_seconds, bt_table = timed(
        lambda: evaluate_points(config, data, sample, engine="backtrader"), 1
    )
    fast_sample = evaluate_points(config, data, sample)
    gap = (fast_sample["final_value"] - bt_table["final_value"]).abs().max()
    print(
        f"fast vs backtrader on the {len(sample)} sampled points: max |final_value gap| {gap:.2e}"
    )
    fast_seconds, fast_run = timed(lambda: run_points(config, data, points), args.repeat)
    reference = fast_run.table.to_csv(index=False)

    rate_bt = len(sample) / bt_seconds
    rate_fast = len(points) / fast_seconds
    rate_1, burn_1 = dask_rate(config, data, points, 1, args.repeat, reference)
    rate_2, burn_2 = dask_rate(config, data, points, 2, args.repeat, reference)

    rows = [
        ("backtrader, 1 process", len(sample), rate_bt),
        ("fast engine, 1 process", len(points), rate_fast),
        ("fast engine, Dask 1 worker", len(points), rate_1),
        ("fast engine, Dask 2 workers", len(points), rate_2),
    ]
    print(f"\n{'executor':<30}{'backtests':>10}{'backtests/s':>14}{'ms/backtest':>13}")
    for label, n, rate in rows:
        print(f"{label:<30}{n:>10}{rate:>14,.0f}{1000 / rate:>13.3f}")
    fast_ratio = rate_fast / rate_bt
    worker_ratio = rate_2 / rate_1
    print(
        f"\nfast engine / backtrader per backtest: {fast_ratio:,.0f}x (target >= {TARGET_FAST:g}x)"
    )
    print(
        f"Dask 2 workers / 1 worker:             {worker_ratio:.2f}x (target >= {TARGET_WORKERS}x)"
    )
    print(f"Dask 2 workers / fast in-process:      {rate_2 / rate_fast:.2f}x")
    print(
        f"calibration, pure-CPU tasks 2 / 1:     {burn_2 / burn_1:.2f}x (what the machine's free "
        f"cores allow now; load average {os.getloadavg()[0]:.1f})"
    )
    ok = fast_ratio >= TARGET_FAST and worker_ratio >= TARGET_WORKERS
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
