"""Sweep speed: backtests per second on backtrader, on the fast engine and on Dask; peak memory.

One run, one data set (configs/xiaomi_su7_sweep.yaml on the shared prices, 1810.HK against the
HSI, 487 bars). Measured side by side:

1. per strategy the fast engine runs (buy_and_hold, risk_exit, risk_scaled, sma_cross,
   sma_cross_risk): backtrader on a seeded sample of a 2,000-point grid, one process, against the
   fast engine on the whole grid, in process (``run_points``: curves, the 13 metrics of every
   point and the table included); the two are checked to agree on the sampled points; rates in
   CPU time of this process (both run on one thread; the wall-clock ratio is printed beside);
2. the 2,000-point risk-exit grid on warm Dask LocalClusters of 1 and of 2 workers (client
   connection, scatter, batches and gathering included; cluster start-up and the workers' first
   imports excluded: a warm-up run), forced onto Dask (``force_scheduler``) although a grid this
   small runs in process by default; wall time, the two clusters' runs alternating;
3. a 50,000-point risk-exit grid in process and on Dask with 1 and 2 workers; every table is
   checked to be byte-identical to the in-process one;
4. a 100,000-point ``recall-risk sweep`` of 1810.HK in a child process (the CLI, writing every
   output): its peak resident memory (the child's own ``VmHWM``).

Targets: fast engine >= 250x backtrader per backtest for every strategy; Dask 2 workers >= 1.7x
1 worker on the 50,000-point grid; the 100,000-point sweep under 1 GB. The machine's other load
shows in the numbers (a pure-CPU calibration row says how far 2 processes can scale right now):
run it on an idle machine for the figures in a report.

Run from the repository root:
``python bench/sweep_speed.py [--prices-dir DIR] [--bt-sample N] [--repeat K] [--quick]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from timing import cpu_timed  # noqa: E402

from recall_risk.config import RunConfig  # noqa: E402
from recall_risk.sweep import evaluate_points, prepare_sweep_data  # noqa: E402
from recall_risk.sweep.executors import run_points  # noqa: E402

TARGET_FAST = 250.0
TARGET_WORKERS = 1.7
TARGET_RSS_MB = 1024.0
CONFIG = REPO / "configs" / "xiaomi_su7_sweep.yaml"


def risk_exit_grid(exits: int = 20, entries: int = 10, waits: int = 5, lives: int = 2) -> list:
    """Valid risk-exit points: exits x re-entries x waits x half-lives (2,000 by default)."""
    return [
        {
            "strategy": "risk_exit",
            "exit_above": round(0.35 + 0.6 * i / exits, 4),
            "min_days_out": m,
            "reenter_below": round(0.3 * (r + 1) / entries, 4),
            "score.half_life_days": 60 + 30 * h,
        }
        for i in range(exits)
        for m in range(0, 4 * waits, 4)
        for r in range(entries)
        for h in range(lives)
    ]


def strategy_grids() -> dict[str, list[dict]]:
    """A 2,000-point grid for each strategy the fast engine runs."""
    return {
        "buy_and_hold": [
            {"strategy": "buy_and_hold", "max_weight": round(0.5 + 0.5 * i / 1999, 6)}
            for i in range(2000)
        ],
        "risk_exit": risk_exit_grid(),
        "risk_scaled": [
            {
                "strategy": "risk_scaled",
                "risk_floor": round(0.02 * f, 3),
                "risk_cap": round(0.42 + 0.02 * c, 3),
                "band": round(0.02 * b, 3),
                "score.half_life_days": 60 + 30 * h,
            }
            for f in range(20)
            for c in range(10)
            for b in range(5)
            for h in range(2)
        ],
        "sma_cross": [
            {"strategy": "sma_cross", "fast": f, "slow": f + s, "max_weight": w}
            for f in range(2, 42)
            for s in range(5, 130, 5)
            for w in (1.0, 0.5)
        ],
        "sma_cross_risk": [
            {
                "strategy": "sma_cross_risk",
                "fast": f,
                "slow": f + s,
                "exit_above": e,
                "reenter_below": 0.3,
            }
            for f in range(2, 42, 2)
            for s in range(5, 55, 5)
            for e in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0, 0.45, 0.55)
        ],
    }


def bench_config() -> RunConfig:
    """The sweep config with one entry per strategy (the points name theirs)."""
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["strategies"] = [
        {"name": name, "strategy": name, "params": {}}
        for name in ("risk_exit", "buy_and_hold", "risk_scaled", "sma_cross", "sma_cross_risk")
    ]
    data["sweep"]["strategy"] = "risk_exit"
    return RunConfig.model_validate({**data, "source_path": CONFIG})


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


def csv(run) -> str:
    return run.table.to_csv(index=False)


def dask_rates(config, data, grids: dict[str, list], repeat: int, refs: dict):
    """Backtests per second of each grid on warm LocalClusters of 1 and of 2 worker processes,
    and the rate of 16 pure-CPU tasks on each (a calibration of the machine's free cores).

    Both clusters stay up and the runs alternate (1, 2, 1, 2, ...), best of ``repeat`` each, so
    that a change in the machine's other load hits both sides alike."""
    from distributed import Client, LocalCluster

    clusters = {
        workers: LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        for workers in (1, 2)
    }
    rates: dict[int, dict[str, float]] = {1: {}, 2: {}}
    cpu: dict[int, dict[str, tuple[float, float]]] = {1: {}, 2: {}}
    burns: dict[int, float] = {1: float("inf"), 2: float("inf")}
    clients = {w: Client(c.scheduler_address) for w, c in clusters.items()}
    try:
        for cluster in clusters.values():  # warm-up: imports, first scores
            for points in grids.values():
                run_points(
                    config, data, points[:64], scheduler=cluster.scheduler_address,
                    force_scheduler=True,
                )  # fmt: skip
        for label, points in grids.items():
            best = {1: float("inf"), 2: float("inf")}
            for _ in range(repeat):
                for workers, cluster in clusters.items():
                    before = clients[workers].run(time.process_time)
                    seconds, run = timed(
                        lambda p=points, a=cluster.scheduler_address: run_points(
                            config, data, p, scheduler=a, force_scheduler=True
                        ),
                        1,
                    )
                    if csv(run) != refs[label]:
                        raise SystemExit(
                            f"FAIL: {label} on {workers} worker(s) differs from in process"
                        )
                    after = clients[workers].run(time.process_time)
                    used = [after[w] - before[w] for w in after]
                    if seconds < best[workers]:
                        best[workers] = seconds
                        cpu[workers][label] = (sum(used), max(used))
            for workers in clusters:
                rates[workers][label] = len(points) / best[workers]
        for _ in range(repeat):
            for workers, client in clients.items():
                burn_s, _ = timed(
                    lambda c=client: c.gather(c.map(burn, [300_000] * 16, pure=False)), 1
                )
                burns[workers] = min(burns[workers], burn_s)
    finally:
        for client in clients.values():
            client.close()
        for cluster in clusters.values():
            cluster.close()
    return rates[1], rates[2], 16 / burns[1], 16 / burns[2], cpu


def peak_rss_mb(points: int, prices_dir: Path) -> tuple[float, float]:
    """Peak RSS (MB) and wall time of a ``recall-risk sweep`` of ``points`` points in a child."""
    exits, entries, waits = 50, 40, points // 2000
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["sweep"]["grid"] = {
        "exit_above": [round(0.3 + 0.7 * i / exits, 4) for i in range(exits)],
        "reenter_below": [round(0.3 * (r + 1) / entries, 4) for r in range(entries)],
        "min_days_out": list(range(waits)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        # the child reports its own high-water mark (VmHWM, reset by exec): ru_maxrss of a child
        # also counts the parent's resident size at fork, which after a large Dask grid in this
        # process is larger than the sweep's own
        code = (
            "import sys; from recall_risk.cli import main; code = main(sys.argv[1:]); "
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
            "print('VMHWM', hwm.split()[1], file=sys.stderr); sys.exit(code)"
        )
        command = [sys.executable, "-c", code, "sweep", str(path), "--quiet"]
        command += ["--prices-dir", str(prices_dir), "--out", str(Path(tmp) / "out")]
        started = time.perf_counter()
        child = subprocess.run(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=False,
        )
        seconds = time.perf_counter() - started
        if child.returncode:
            raise SystemExit(f"FAIL: the {points}-point sweep exited {child.returncode}")
    hwm = [line for line in child.stderr.splitlines() if line.startswith("VMHWM ")]
    return int(hwm[-1].split()[1]) / 1024, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prices-dir", type=Path, default=REPO.parent / "shared/data/prices")
    parser.add_argument("--bt-sample", type=int, default=20, help="points run on backtrader")
    parser.add_argument("--repeat", type=int, default=3, help="best of K timings")
    parser.add_argument("--big", type=int, default=50_000, help="points of the Dask grid")
    parser.add_argument("--rss-points", type=int, default=100_000, help="points of the RSS run")
    parser.add_argument("--quick", action="store_true", help="no Dask, no memory run")
    args = parser.parse_args()
    if not args.prices_dir.is_dir():
        args.prices_dir = Path("/work/shared/data/prices")

    config = bench_config()
    data = prepare_sweep_data(config, args.prices_dir)
    grids = strategy_grids()
    print(
        f"data: 1810.HK {len(data.prices['1810.HK'])} bars vs ^HSI; {os.cpu_count()} CPUs; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("\nbacktests per second of CPU time (one thread each; the wall-clock ratio beside it)")
    print(f"{'strategy':<16}{'bt/s':>8}{'fast/s':>10}{'ratio':>8}{'wall':>8}{'max |gap|':>11}")
    ratios, refs, fast_rates = {}, {}, {}
    for name, points in grids.items():
        sample = random.Random(0).sample(points, args.bt_sample)
        bt_cpu, bt_wall, bt_table = cpu_timed(
            lambda s=sample: evaluate_points(config, data, s, engine="backtrader"), 1
        )
        gap = (evaluate_points(config, data, sample)["final_value"] - bt_table["final_value"]).abs()
        fast_cpu, fast_wall, run = cpu_timed(
            lambda p=points: run_points(config, data, p), args.repeat
        )
        refs[name] = csv(run)
        rate_bt, rate_fast = len(sample) / bt_cpu, len(points) / fast_cpu
        ratios[name], fast_rates[name] = rate_fast / rate_bt, len(points) / fast_wall
        wall = (len(points) / fast_wall) / (len(sample) / bt_wall)
        print(
            f"{name:<16}{rate_bt:>8.1f}{rate_fast:>10,.0f}{ratios[name]:>7,.0f}x{wall:>7,.0f}x"
            f"{gap.max():>11.1e}"
        )
    ok = min(ratios.values()) >= TARGET_FAST
    print(f"fast engine / backtrader, worst strategy: {min(ratios.values()):,.0f}x "
          f"(target >= {TARGET_FAST:g}x)")  # fmt: skip
    if args.quick:
        print("targets met" if ok else "TARGETS MISSED")
        return 0 if ok else 1

    big = risk_exit_grid(exits=25, entries=20, waits=10, lives=args.big // 5000)
    dask_grids = {"2,000 risk_exit": grids["risk_exit"], f"{len(big):,} risk_exit": big}
    big_s, big_run = timed(lambda: run_points(config, data, big), 1)
    refs_dask = {"2,000 risk_exit": refs["risk_exit"], f"{len(big):,} risk_exit": csv(big_run)}
    one, two, burn_1, burn_2, cpu = dask_rates(config, data, dask_grids, args.repeat, refs_dask)
    print("\nbacktests per second of wall time, Dask runs alternating 1 and 2 workers")
    print(f"{'grid':<20}{'in process/s':>14}{'Dask 1/s':>10}{'Dask 2/s':>10}{'2 / 1':>8}")
    in_process = {
        "2,000 risk_exit": fast_rates["risk_exit"],
        f"{len(big):,} risk_exit": len(big) / big_s,
    }
    for label in dask_grids:
        here = in_process[label]
        print(f"{label:<20}{here:>14,.0f}{one[label]:>10,.0f}{two[label]:>10,.0f}"
              f"{two[label] / one[label]:>7.2f}x")  # fmt: skip
    worker_ratio = two[f"{len(big):,} risk_exit"] / one[f"{len(big):,} risk_exit"]
    print(f"Dask 2 / 1 workers on {len(big):,} points: {worker_ratio:.2f}x "
          f"(target >= {TARGET_WORKERS}x); tables byte-identical to in process")  # fmt: skip
    print(f"calibration, pure-CPU tasks 2 / 1:     {burn_2 / burn_1:.2f}x (what the machine's "
          f"free cores allow now; load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    print("workers' CPU time in those runs (a diagnosis, not the target: wall time is)")
    for label in dask_grids:
        (one_cpu, _), (two_cpu, two_max) = cpu[1][label], cpu[2][label]
        print(f"  {label:<18} 1 worker {one_cpu:.2f} s; 2 workers {two_cpu:.2f} s in all, "
              f"{two_max:.2f} s the busier one: 1-worker CPU / busier worker's "
              f"{one_cpu / two_max:.2f}x")  # fmt: skip

    rss, rss_s = peak_rss_mb(args.rss_points, args.prices_dir)
    print(f"\n{args.rss_points:,}-point `recall-risk sweep` (CLI, all outputs): peak RSS "
          f"{rss:,.0f} MB (target < {TARGET_RSS_MB:,.0f} MB), {rss_s:.1f} s")  # fmt: skip
    ok = ok and worker_ratio >= TARGET_WORKERS and rss < TARGET_RSS_MB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
