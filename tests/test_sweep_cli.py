"""``recall-risk sweep``: outputs, ready-to-run best configs, clear errors and exit codes."""

from __future__ import annotations

import copy
import json
import socket
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recall_risk.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMALL = {
    "strategy": "risk_exit",
    "grid": {
        "exit_above": [0.5, 0.6, 0.7],
        "reenter_below": [0.3, 0.4],
        "score.half_life_days": [60, 90],
    },
    "metric": "sharpe",
    "constraints": ["max_drawdown <= 0.35"],
    "top": 3,
}


def write_config(folder: Path, sweep: dict, base: str = "xiaomi_su7_sweep.yaml") -> Path:
    data = yaml.safe_load((ROOT / "configs" / base).read_text(encoding="utf-8"))
    data["sweep"] = copy.deepcopy(sweep)
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def sweep(config: Path, out: Path, prices_dir: Path, *extra: str) -> int:
    args = ["sweep", str(config), "--out", str(out), "--prices-dir", str(prices_dir), "--quiet"]
    return main([*args, *extra])


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, prices_dir):
    folder = tmp_path_factory.mktemp("sweep_cli")
    config = write_config(folder, SMALL)
    out = folder / "out"
    assert sweep(config, out, prices_dir) == 0
    return config, out


def test_outputs(small_run):
    _, out = small_run
    table = pd.read_csv(out / "results.csv")
    assert len(table) == 12
    assert list(table.columns[:3]) == ["exit_above", "reenter_below", "score.half_life_days"]
    assert {"feasible", "rank", "engine", "error", "sharpe", "alpha"} <= set(table.columns)
    assert set(table["engine"]) == {"fast"}
    ranked = table.dropna(subset=["rank"]).sort_values("rank")
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert ranked["sharpe"].is_monotonic_decreasing
    assert (ranked["max_drawdown"] <= 0.35).all()
    assert not table.loc[~table["feasible"], "rank"].notna().any()
    parquet = pd.read_parquet(out / "results.parquet")
    assert (parquet["error"] == "").all()
    pd.testing.assert_frame_equal(
        parquet.drop(columns="error"), table.drop(columns="error"), check_dtype=False
    )
    top = (out / "top.md").read_text(encoding="utf-8")
    assert "top 3 by sharpe" in top and "`max_drawdown <= 0.35`" in top
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "heatmap.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page and "<script src=" not in page  # plotly.js inlined
    # its cartesian bundle (1.5 MB), not the full one (4.8 MB): the basic one has no heatmap
    assert "plotly.js (cartesian - minified) v" in page and len(page) < 1_700_000
    # one config per distinct result: points with identical metrics are one row ("×N tied")
    from recall_risk.sweep import top_distinct

    groups = top_distinct(table, 3)
    assert sorted(p.name for p in (out / "best").iterdir()) == sorted(
        f"{int(rank):02d}_risk_exit.yaml" for rank in groups["rank"]
    )
    assert len(groups) == min(3, int(table["rank"].notna().sum()))


def test_best_config_runs_and_reproduces_its_row(small_run, prices_dir, tmp_path):
    _, out = small_run
    table = pd.read_csv(out / "results.csv")
    best = table[table["rank"] == 1].iloc[0]
    run_out = tmp_path / "run"
    config = out / "best" / "01_risk_exit.yaml"
    assert main(["run", str(config), "--prices-dir", str(prices_dir), "--out", str(run_out)]) == 0
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert "sweep" not in doc and len(doc["strategies"]) == 1
    assert doc["score"]["half_life_days"]["recall"] == best["score.half_life_days"]
    metrics = json.loads((run_out / "metrics.json").read_text(encoding="utf-8"))
    run = metrics["strategies"]["risk_exit"]
    assert run["final_value"] == pytest.approx(best["final_value"], abs=0.01)
    assert run["sharpe"] == pytest.approx(best["sharpe"], rel=1e-9)


def test_best_config_runs_as_printed_without_the_flag(small_run, prices_dir, tmp_path):
    # top.md prints `recall-risk run best/...`: the sweep used --prices-dir, so must the config.
    _, out = small_run
    config = out / "best" / "01_risk_exit.yaml"
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert doc["data"]["source"] == "csv"
    assert Path(doc["data"]["prices_dir"]) == prices_dir.resolve()
    assert main(["run", str(config), "--out", str(tmp_path / "run"), "--quiet"]) == 0


def test_rerun_replaces_the_folder_atomically(small_run, prices_dir):
    config, out = small_run
    before = (out / "results.csv").read_bytes()
    assert sweep(config, out, prices_dir) == 0
    assert (out / "results.csv").read_bytes() == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".out.")]


def test_refuses_to_overwrite_a_foreign_folder(small_run, prices_dir, tmp_path, capsys):
    config, _ = small_run
    (tmp_path / "mine.txt").write_text("keep me", encoding="utf-8")
    assert sweep(config, tmp_path, prices_dir) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "mine.txt").is_file()


BAD = [
    ({"grid": {"exit_abov": [0.5]}}, (), "did you mean 'exit_above'"),
    ({"grid": {"exit_above": []}}, (), "has no values"),
    ({"grid": {"score.recall_scal": [0.1]}}, (), "did you mean 'score.recall_scale'"),
    ({"metric": "sharp"}, (), "did you mean 'sharpe'"),
    (
        {"grid": {"min_days_out": {"start": 0, "stop": 10**12, "step": 1}}},
        (),
        "pass --yes",
    ),
    ({}, ("--scheduler", "lcoal"), "--scheduler"),
    (
        {"grid": {"exit_above": [1.5], "reenter_below": [0.3]}},
        (),
        "sweep: all 1 points are invalid; the first: ",
    ),
    ({}, ("--scheduler", "tcp://"), "like tcp://HOST:8786, got 'tcp://'"),
    ({}, ("--scheduler", "tcp://127.0.0.1"), "got 'tcp://127.0.0.1'"),
    ({}, ("--scheduler", "tcp://127.0.0.1:99999"), "got 'tcp://127.0.0.1:99999'"),
    ({}, ("--scheduler", "http://127.0.0.1:8786"), "got 'http://127.0.0.1:8786'"),
    ({}, ("--scheduler", "tcp://127.0.0.1:0"), "got 'tcp://127.0.0.1:0'"),
    ({}, ("--scheduler", "inproc://127.0.0.1:8786"), "got 'inproc://127.0.0.1:8786'"),
    ({}, ("--workers", "0"), "--workers must be at least 1"),
]


@pytest.mark.parametrize(
    ("change", "extra", "expected"), BAD, ids=[str(i) for i in range(len(BAD))]
)
def test_bad_specs_exit_2(tmp_path, prices_dir, capsys, change, extra, expected):
    config = write_config(tmp_path, {**SMALL, **change})
    assert sweep(config, tmp_path / "out", prices_dir, *extra) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_unreachable_scheduler_exits_1(tmp_path, prices_dir, capsys, monkeypatch):
    from recall_risk.sweep import executors

    # the client retries a refused connection until its timeout: 1 s here instead of the 5 s
    # default, the path and the message are the same
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, SMALL)
    code = sweep(config, tmp_path / "out", prices_dir, "--scheduler", f"tcp://127.0.0.1:{port}")
    assert code == 1
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 1 s" in err
    assert not (tmp_path / "out").exists()


def test_multi_ticker_strategy_runs_on_backtrader(tmp_path, prices_dir):
    sweep_spec = {"strategy": "risk_rotation", "grid": {"tilt": [0.0, 1.5]}, "heatmap": None}
    config = write_config(tmp_path, sweep_spec, base="hk_ev_rotation.yaml")
    assert sweep(config, tmp_path / "out", prices_dir) == 0
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(table["engine"]) == ["backtrader", "backtrader"]
    assert table["final_value"].nunique() == 2
    assert not (tmp_path / "out" / "heatmap.png").exists()  # one parameter: no heatmap


def test_without_pyarrow_parquet_is_skipped_with_a_note(tmp_path, prices_dir, capsys, monkeypatch):
    from recall_risk.sweep import write

    monkeypatch.setattr(write, "has_parquet", lambda: False)  # the command looks it up per run

    small = {**SMALL, "grid": {"exit_above": [0.5, 0.6], "reenter_below": [0.3]}}
    config = write_config(tmp_path, small)
    assert sweep(config, tmp_path / "out", prices_dir) == 0
    err = capsys.readouterr().err
    assert "results.parquet skipped" in err
    assert 'pip install "recall-risk[parquet]"' in err  # not eaten as rich markup
    assert (tmp_path / "out" / "results.csv").is_file()
    assert not (tmp_path / "out" / "results.parquet").exists()


def test_engine_backtrader_gives_the_fast_table(tmp_path, prices_dir):
    small = {**SMALL, "grid": {"exit_above": [0.5, 0.6], "reenter_below": [0.3, 0.4]}}
    config = write_config(tmp_path, small)
    assert sweep(config, tmp_path / "fast", prices_dir) == 0
    assert sweep(config, tmp_path / "bt", prices_dir, "--engine", "backtrader") == 0
    fast = pd.read_csv(tmp_path / "fast" / "results.csv")
    slow = pd.read_csv(tmp_path / "bt" / "results.csv")
    assert set(fast["engine"]) == {"fast"} and set(slow["engine"]) == {"backtrader"}
    assert (fast["final_value"] - slow["final_value"]).abs().max() < 0.005
    assert fast["rank"].tolist() == slow["rank"].tolist()


def test_a_listener_that_never_answers_exits_1_at_the_deadline(
    tmp_path, prices_dir, capsys, monkeypatch
):
    # accepts the TCP connection and says nothing: the client's own timeout would wait forever
    from recall_risk.sweep import executors

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    monkeypatch.setattr(executors, "HANDSHAKE_GRACE_S", 1)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        config = write_config(tmp_path, SMALL)
        started = time.perf_counter()
        code = sweep(config, tmp_path / "out", prices_dir, "--scheduler", f"tcp://127.0.0.1:{port}")
        waited = time.perf_counter() - started
    assert code == 1
    err = capsys.readouterr().err
    assert f"no Dask scheduler answered at tcp://127.0.0.1:{port} within 2 s" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
    assert waited < 2 + 10  # the 2 s deadline plus loading the data, not dask's own retries
