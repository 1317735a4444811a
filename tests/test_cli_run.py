"""``recall-risk run``: the offline failure of the online form, and a run from CSV prices.

Only :func:`test_online_form_fails_fast_offline` may touch the network, and only through the
price source's short connectivity probe (that probe is what it tests). Every other test here runs
with sockets disabled, so an accidental download fails loudly instead of hanging.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recall_risk.cli import main

REPO = Path(__file__).resolve().parents[1]
XIAOMI = REPO / "configs" / "xiaomi_su7.yaml"
REPORT_FILES = {
    "metrics.json",
    "metrics.csv",
    "equity.csv",
    "returns.csv",
    "trades.csv",
    "score.csv",
    "summary.md",
    "report.html",
    "equity.png",
}
OFFLINE_LIMIT_S = 10.0
OFFLINE_NETWORK_S = 5.0  # the probe's own budget is 3 s


@pytest.fixture
def no_network(monkeypatch):
    """Make any connection attempt an error that names the culprit."""

    def refuse(*args, **kwargs):
        raise RuntimeError(f"test tried to reach the network: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _timed_cli(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = {
        **os.environ,
        "RECALL_RISK_CACHE": str(cwd / "cache"),
        "XDG_CACHE_HOME": str(cwd / "xdg"),
    }
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "recall_risk.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return proc, time.monotonic() - started


def test_online_form_fails_fast_offline(tmp_path):
    """The README's main command, offline: exit 1 within 10 s, telling the user --prices-dir.

    Runs the real CLI in a subprocess with an empty price cache, so the Yahoo source has to probe
    the network; the tests run without internet access. The time bound is the functional
    requirement (yfinance alone hangs for minutes on a dead network), not a benchmark.

    A reference run of the same command with an empty ``--prices-dir`` (same imports and config
    checks, no network; it fails with exit 2) separates the network part, which must stay within
    a few seconds however loaded the machine is, from start-up time.
    """
    out = tmp_path / "out"
    proc, elapsed = _timed_cli(["run", str(XIAOMI), "--out", str(out)], tmp_path)
    empty = tmp_path / "empty_prices"
    empty.mkdir()
    reference, startup = _timed_cli(
        ["run", str(XIAOMI), "--prices-dir", str(empty), "--out", str(out)], tmp_path
    )
    assert proc.returncode == 1, proc.stderr
    assert "--prices-dir" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert reference.returncode == 2, reference.stderr
    timing = f"offline failure took {elapsed:.1f} s; without the network part {startup:.1f} s"
    assert elapsed - startup < OFFLINE_NETWORK_S, timing
    assert elapsed < OFFLINE_LIMIT_S, timing


def test_run_writes_every_report_file(prices_dir, tmp_path, capsys, no_network):
    out = tmp_path / "xiaomi"
    code = main(["run", str(XIAOMI), "--prices-dir", str(prices_dir), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert {p.name for p in out.iterdir()} == REPORT_FILES
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert list(metrics["strategies"]) == [
        "buy_and_hold",
        "risk_exit",
        "risk_scaled",
        "sma_cross",
        "sma_cross_risk",
    ]
    assert metrics["run"]["name"] == "xiaomi_su7"
    assert "risk_exit" in captured.out  # the metrics table
    assert f"to {out}" in captured.out
    assert "Traceback" not in captured.err


def test_default_out_is_runs_name_in_the_working_directory(
    prices_dir, tmp_path, monkeypatch, capsys, no_network
):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(XIAOMI), "--prices-dir", str(prices_dir), "--quiet"]) == 0
    assert (tmp_path / "runs" / "xiaomi_su7" / "metrics.json").is_file()
    capsys.readouterr()


def _config(folder: Path, tickers: str) -> Path:
    path = folder / "run.yaml"
    path.write_text(
        f"name: small\ndata: {{tickers: {tickers}, start: 2024-04-01, end: 2025-03-31}}\n"
        "strategies: [{name: hold, strategy: buy_and_hold}]\n",
        encoding="utf-8",
    )
    return path


def test_csv_source_in_the_config_needs_no_prices_dir_option(
    prices_dir, tmp_path, capsys, no_network
):
    config = tmp_path / "csv.yaml"
    config.write_text(
        "name: csv_run\n"
        f"data: {{tickers: [1810.HK], start: 2024-04-01, end: 2025-03-31, source: csv, "
        f"prices_dir: '{prices_dir}'}}\n"
        "events: xiaomi_su7\n"
        "strategies: [{name: exit, strategy: risk_exit}]\n"
        "report: {html: false, png: false}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out), "--quiet"]) == 0, capsys.readouterr().err
    assert (out / "metrics.json").is_file()
    capsys.readouterr()


def test_ticker_missing_from_prices_dir_exits_2(prices_dir, tmp_path, capsys, no_network):
    out = tmp_path / "out"
    config = _config(tmp_path, "[NOPE.XX]")
    code = main(["run", str(config), "--prices-dir", str(prices_dir), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "NOPE.XX" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_prices_dir_that_is_not_a_folder_exits_2(tmp_path, capsys, no_network):
    out = tmp_path / "out"
    missing = tmp_path / "no_prices_here"
    code = main(["run", str(_config(tmp_path, "[1810.HK]")), "--prices-dir", str(missing)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(missing) in err
    assert not out.exists()


def test_run_help_names_the_offline_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    assert "--prices-dir" in capsys.readouterr().out


def test_events_mapped_from_a_multi_company_csv(
    prices_dir, tests_data, tmp_path, capsys, no_network
):
    config = tmp_path / "multi.yaml"
    config.write_text(
        "name: multi\n"
        "data: {tickers: [9868.HK, 2015.HK], start: 2025-01-02, end: 2025-12-30}\n"
        f"events: {{9868.HK: '{tests_data / 'events_good' / 'multi.csv'}', "
        f"2015.HK: '{tests_data / 'events_good' / 'multi.csv'}'}}\n"
        "strategies: [{name: rotation, strategy: risk_rotation}]\n"
        "report: {html: false, png: false}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(["run", str(config), "--prices-dir", str(prices_dir), "--out", str(out), "--quiet"])
    assert code == 0, capsys.readouterr().err
    score = (out / "score.csv").read_text(encoding="utf-8")
    assert "9868.HK" in score and "2015.HK" in score
    capsys.readouterr()


def test_run_tables_fit_100_columns(prices_dir):
    from io import StringIO

    from rich.console import Console

    from recall_risk.cli.output import metrics_table
    from recall_risk.config import load_config
    from recall_risk.runner import run_config

    config = load_config(XIAOMI)
    shorter = config.data.model_copy(update={"start": config.data.end.replace(year=2025, month=6)})
    config = config.model_copy(update={"data": shorter})
    result = run_config(config, prices_dir=prices_dir)
    from recall_risk.cli.summary_tables import evidence_table, risk_table
    from recall_risk.report.weight import run_evidence

    console = Console(width=100, record=True, file=StringIO())
    evidence = run_evidence(result)
    console.print(metrics_table(result, evidence))
    console.print(evidence_table(result, evidence))
    console.print(risk_table(result))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "…" not in text
    for name in [*result.strategies, "benchmark", "total_return", "max_drawdown"]:
        assert name in text, name
    total = result.strategies["risk_exit"].metrics["total_return"]
    assert f"{total * 100:.2f}%" in text  # returns in percent
