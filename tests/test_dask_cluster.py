"""A real Dask cluster on loopback: `dask scheduler` + two `dask worker` processes of the venv.

The sweep runs through ``--scheduler tcp://127.0.0.1:PORT`` and must write the same results table,
byte for byte, as the in-process run. The cluster is always shut down in a ``finally``.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from recall_risk.cli import main

ROOT = Path(__file__).resolve().parents[1]
SWEEP = {
    "strategy": "risk_exit",
    "grid": {
        "exit_above": [0.5, 0.6, 0.7],
        "reenter_below": [0.3, 0.4],
        "min_days_out": [0, 5],
        "score.half_life_days": [45, 90],
    },
    "constraints": ["max_drawdown <= 0.35"],
    "top": 3,
}


def _dask_cli() -> str:
    beside = Path(sys.executable).with_name("dask")
    found = str(beside) if beside.is_file() else shutil.which("dask")
    if found is None:
        pytest.fail("the `dask` command of the venv is missing: pip install 'recall-risk[dask]'")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_workers(address: str, count: int, deadline_s: float) -> None:
    from distributed import Client

    with Client(address, timeout=10) as client:
        client.wait_for_workers(count, timeout=deadline_s)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.slow
def test_sweep_on_a_real_cluster_matches_the_local_run(tmp_path, prices_dir):
    data = yaml.safe_load((ROOT / "configs" / "xiaomi_su7_sweep.yaml").read_text(encoding="utf-8"))
    data["sweep"] = SWEEP
    config = tmp_path / "sweep.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    common = ["--prices-dir", str(prices_dir), "--quiet"]
    assert main(["sweep", str(config), "--out", str(tmp_path / "local"), *common]) == 0

    dask = _dask_cli()
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes: list[subprocess.Popen] = []
    try:
        processes.append(
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        for threads in ("1", "3"):  # the second runs several threads, like a default worker
            processes.append(
                subprocess.Popen(
                    [
                        dask, "worker", address,
                        "--nworkers", "1", "--nthreads", threads,
                        "--no-dashboard", "--host", "127.0.0.1",
                        "--local-directory", str(tmp_path / "dask-worker"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    )
            )  # fmt: skip
        started = time.monotonic()
        while True:  # the scheduler needs a moment before it accepts clients
            try:
                _wait_for_workers(address, 2, deadline_s=60)
                break
            except OSError:
                if time.monotonic() - started > 60:
                    raise
                time.sleep(0.5)
        code = main(
            ["sweep", str(config), "--out", str(tmp_path / "cluster"), "--scheduler", address,
             "--force-scheduler", *common]
        )  # fmt: skip
    finally:
        for process in reversed(processes):
            _stop(process)
    assert code == 0
    local = (tmp_path / "local" / "results.csv").read_bytes()
    cluster = (tmp_path / "cluster" / "results.csv").read_bytes()
    assert cluster == local
    assert (tmp_path / "cluster" / "top.md").read_text(encoding="utf-8").count(
        f"dask {address} (2 workers)"
    ) == 1
