"""Every config in ``configs/`` runs through the CLI on the real prices and writes metrics.json.

A config with a ``sweep:`` section is still a plain run for ``recall-risk run`` (the sweep is
``recall-risk sweep``'s business). Sockets are disabled: these runs read only ``--prices-dir``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

from recall_risk.cli import main

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError(f"test tried to reach the network: {args!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _run(config: Path, prices_dir: Path, out: Path) -> dict:
    code = main(["run", str(config), "--prices-dir", str(prices_dir), "--out", str(out), "--quiet"])
    assert code == 0, f"{config.name}: exit {code}"
    return json.loads((out / "metrics.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def first_runs(tmp_path_factory):
    """Each config's run, made once when a test first asks for it: ``config -> output folder``."""
    base = tmp_path_factory.mktemp("runs")
    done: dict[Path, Path] = {}

    def first_run(config: Path, prices_dir: Path) -> Path:
        if config not in done:
            _run(config, prices_dir, base / config.stem)
            done[config] = base / config.stem
        return done[config]

    return first_run


def test_there_are_configs_and_one_has_a_sweep():
    assert len(CONFIGS) >= 4
    assert any("sweep" in yaml.safe_load(p.read_text(encoding="utf-8")) for p in CONFIGS)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_config_runs_and_writes_metrics(config, prices_dir, first_runs, capsys):
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    out = first_runs(config, prices_dir)
    capsys.readouterr()
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["run"]["name"] == raw["name"]
    assert sorted(metrics["strategies"]) == sorted(s["name"] for s in raw["strategies"])
    for name, values in metrics["strategies"].items():
        assert values["final_value"] > 0, name
    if raw["data"].get("benchmark"):
        assert metrics["benchmark"]["final_value"] > 0


def test_same_config_twice_gives_byte_identical_metrics(prices_dir, first_runs, tmp_path, capsys):
    config = next(p for p in CONFIGS if p.stem == "xiaomi_su7")
    first = (first_runs(config, prices_dir) / "metrics.json").read_bytes()  # shared with the above
    _run(config, prices_dir, tmp_path / "b")
    capsys.readouterr()
    assert first == (tmp_path / "b" / "metrics.json").read_bytes()
