"""A user's strategy that crashes in ``next()``: one message naming the config field,
the strategy and the line that raised (exit 2), not a traceback through backtrader."""

from __future__ import annotations

from pathlib import Path

import yaml

from recall_risk.cli import main

REPO = Path(__file__).resolve().parents[1]

CRASHING = """import backtrader as bt


class Crash(bt.Strategy):
    def next(self):
        raise ZeroDivisionError("lookback of 0")
"""


def _config(tmp_path: Path, *, sweep: bool = False) -> Path:
    (tmp_path / "crash.py").write_text(CRASHING, encoding="utf-8")
    data = yaml.safe_load((REPO / "configs" / "user_strategy.yaml").read_text(encoding="utf-8"))
    data["strategies"] = [{"name": "mine", "strategy": "crash.py:Crash"}]
    data["report"] = {"html": False, "png": False}
    if sweep:
        data["sweep"] = {"strategy": "mine", "grid": {"score.recall_scale": [0.1, 0.2]}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_run_names_the_strategy_and_the_line(prices_dir, tmp_path, capsys) -> None:
    config = _config(tmp_path)
    out = tmp_path / "out"
    code = main(["run", str(config), "--prices-dir", str(prices_dir), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"error: {config}: field 'strategies[0].strategy': strategy 'crash.py:Crash' raised "
        f"ZeroDivisionError: lookback of 0 (at {tmp_path / 'crash.py'}:6 in next)\n"
    )
    assert not out.exists()
