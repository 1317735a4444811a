"""Executors: serial, process pool and Dask give byte-identical tables; batching; fallback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from recall_risk.config import load_config
from recall_risk.sweep import executors, load_sweep_spec, prepare_sweep_data
from recall_risk.sweep.executors import make_batches, run_points
from recall_risk.sweep.ranking import rank_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sweep_inputs(prices_dir):
    config = load_config(ROOT / "configs" / "xiaomi_su7_sweep.yaml")
    spec = load_sweep_spec(config)
    points = spec.points()[::7]  # about 100 points, every score setting included
    return config, spec, prepare_sweep_data(config, prices_dir), points


def csv_text(run, spec) -> str:
    return rank_table(run.table, spec).to_csv(index=False, lineterminator="\n")


def test_make_batches_groups_score_params_and_covers_every_point():
    points = [{"a": i % 3, "score.x": i % 2} for i in range(50)]
    batches = make_batches(points, workers=2)
    assert sorted(i for b in batches for i in b) == list(range(50))
    assert max(len(b) for b in batches) == 4  # ceil(50 / (2 workers * 8 tasks))
    keys = [points[i]["score.x"] for b in batches for i in b]
    assert keys == sorted(keys)  # grouped by score parameters
    assert make_batches([], 4) == []


@pytest.fixture(scope="module")
def serial_csv(sweep_inputs) -> str:
    config, spec, data, points = sweep_inputs
    run = run_points(config, data, points, scheduler="serial")
    assert list(run.table["exit_above"]) == [p["exit_above"] for p in points]
    return csv_text(run, spec)


def test_process_pool_is_byte_identical_to_serial(sweep_inputs, serial_csv):
    config, spec, data, points = sweep_inputs
    pool = run_points(config, data, points, scheduler="processes", workers=2, force_scheduler=True)
    assert pool.executor == "processes (2 workers)"
    assert csv_text(pool, spec) == serial_csv


def test_dask_local_cluster_is_byte_identical_to_serial(sweep_inputs, serial_csv):
    config, spec, data, points = sweep_inputs
    dask = run_points(config, data, points, scheduler="local", workers=2, force_scheduler=True)
    assert dask.executor == "dask LocalCluster (2 workers)"
    assert csv_text(dask, spec) == serial_csv


def test_progress_reaches_the_total(sweep_inputs):
    config, _, data, points = sweep_inputs
    seen: list[tuple[int, int]] = []
    run_points(config, data, points[:20], progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 20) and seen[-1] == (20, 20)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_without_dask_local_falls_back_to_a_process_pool(sweep_inputs, monkeypatch):
    config, spec, data, points = sweep_inputs
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    calls = []

    def fake_pool(job, pts, workers, report):
        calls.append(workers)
        return executors._run_serial(job, pts, report)

    monkeypatch.setattr(executors, "_run_pool", fake_pool)
    run = run_points(config, data, points[:10], scheduler="local", workers=2, force_scheduler=True)
    assert calls == [2]
    assert run.executor == "processes (2 workers)"
    assert "dask.distributed is not installed" in run.notes[0]
    serial = run_points(config, data, points[:10])
    assert csv_text(run, spec) == csv_text(serial, spec)


def test_without_dask_an_address_is_a_config_error(sweep_inputs, monkeypatch):
    config, _, data, points = sweep_inputs
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ValueError, match="needs Dask"):
        run_points(config, data, points[:2], scheduler="tcp://127.0.0.1:8786")


@pytest.mark.parametrize(
    "address",
    ["tcp://127.0.0.1:8786", "tls://host:8786", "ucx://scheduler-host:13337", "ws://h:80"],
)
def test_dask_protocols_are_accepted(address):
    from recall_risk.sweep.executors import check_scheduler

    assert check_scheduler(address) == address
