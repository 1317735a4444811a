"""``recall-risk run`` on date ranges that make the numbers mislead: a range before every
event (score 0 throughout) and a range of a few bars get a WARNING on stderr; the shipped configs
get none."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from recall_risk.cli import main
from recall_risk.config import load_config
from recall_risk.runner import run_config, run_warnings

REPO = Path(__file__).resolve().parents[1]


def _config(tmp_path: Path, start: str, end: str) -> Path:
    data = yaml.safe_load((REPO / "configs" / "xiaomi_su7.yaml").read_text(encoding="utf-8"))
    data["data"].update(start=start, end=end)
    data["strategies"] = data["strategies"][:2]
    data["report"] = {"html": False, "png": False, "study": False}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_range_before_every_event_warns_on_stderr(prices_dir, tmp_path, capsys) -> None:
    config = _config(tmp_path, "2019-01-01", "2019-12-31")
    code = main(["run", str(config), "--prices-dir", str(prices_dir), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 0
    assert "WARNING: 1810.HK: no event of Xiaomi is announced by the last bar (2019-12-31;" in err
    assert "the score is 0 on every bar" in err


def test_a_few_bars_warn_that_annualised_metrics_mean_little(prices_dir, tmp_path) -> None:
    result = run_config(
        load_config(_config(tmp_path, "2025-01-02", "2025-01-06")), prices_dir=prices_dir
    )
    (warning,) = run_warnings(result)
    assert warning.startswith("only 3 bars in 2025-01-02 .. 2025-01-06: cagr")


@pytest.mark.parametrize("name", ["xiaomi_su7", "tesla", "hk_ev_rotation"])
def test_shipped_configs_give_no_warning(name, prices_dir) -> None:
    result = run_config(load_config(REPO / "configs" / f"{name}.yaml"), prices_dir=prices_dir)
    assert run_warnings(result) == []


def test_sweep_over_a_range_before_every_event_warns(prices_dir, tmp_path, capsys) -> None:
    data = yaml.safe_load((REPO / "configs" / "xiaomi_su7_sweep.yaml").read_text(encoding="utf-8"))
    data["data"].update(start="2019-01-01", end="2019-12-31")
    data["sweep"]["grid"] = {"exit_above": [0.5, 0.6], "reenter_below": [0.3]}
    config = tmp_path / "sweep.yaml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    code = main(
        ["sweep", str(config), "--prices-dir", str(prices_dir), "--out", str(out), "--quiet"]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert "WARNING: 1810.HK: no event of Xiaomi is announced by the last bar (2019-12-31;" in err
    assert (out / "results.csv").is_file()
