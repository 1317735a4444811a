"""The sweep section: strict validation with clear messages, and deterministic points."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from recall_risk.config import RunConfig, load_config
from recall_risk.errors import ConfigError
from recall_risk.sweep import load_sweep_spec

BASE = {
    "name": "sweep_test",
    "data": {
        "tickers": ["1810.HK"],
        "benchmark": "^HSI",
        "start": "2024-04-01",
        "end": "2026-03-25",
        "source": "csv",
        "prices_dir": "prices",
    },
    "events": "xiaomi_su7",
    "strategies": [
        {"name": "risk_exit", "strategy": "risk_exit", "params": {"min_days_out": 5}},
        {"name": "sma", "strategy": "sma_cross_risk"},
    ],
}
SWEEP = {
    "strategy": "risk_exit",
    "grid": {
        "exit_above": [0.4, 0.5, 0.6, 0.7],
        "reenter_below": {"start": 0.2, "stop": 0.5, "step": 0.1},
        "score.half_life_days": [30, 60, 90],
    },
    "constraints": ["max_drawdown <= 0.3", "trades >= 2"],
    "heatmap": ["exit_above", "reenter_below"],
}


def make_config(tmp_path: Path, sweep: dict | None = None, **changes: object) -> RunConfig:
    data = copy.deepcopy(BASE)
    data.update(changes)
    data["sweep"] = copy.deepcopy(SWEEP) if sweep is None else sweep
    (tmp_path / "prices").mkdir(exist_ok=True)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_config(path)


def test_points_are_the_sorted_product(tmp_path):
    spec = load_sweep_spec(make_config(tmp_path))
    assert spec.keys == ["exit_above", "reenter_below", "score.half_life_days"]
    assert spec.grid_size == spec.n_points == 4 * 4 * 3
    points = spec.points()
    assert points[0] == {"exit_above": 0.4, "reenter_below": 0.2, "score.half_life_days": 30}
    assert points[1]["score.half_life_days"] == 60  # last key varies fastest
    assert [p["reenter_below"] for p in points[:12:3]] == [0.2, 0.3, 0.4, 0.5]  # no 0.30000000004
    assert len({tuple(p.values()) for p in points}) == len(points)
    assert spec.metric == "sharpe" and spec.maximize
    assert [str(c) for c in spec.constraints] == ["max_drawdown <= 0.3", "trades >= 2"]
    assert spec.heatmap == ("exit_above", "reenter_below")


def test_yaml_key_order_does_not_change_points(tmp_path):
    sweep = copy.deepcopy(SWEEP)
    sweep["grid"] = dict(reversed(list(sweep["grid"].items())))
    assert (
        load_sweep_spec(make_config(tmp_path, sweep)).points()
        == load_sweep_spec(make_config(tmp_path)).points()
    )


def test_sample_is_seeded_in_grid_order_and_subset(tmp_path):
    full = load_sweep_spec(make_config(tmp_path)).points()
    a = load_sweep_spec(make_config(tmp_path, {**SWEEP, "sample": 7, "seed": 3})).points()
    b = load_sweep_spec(make_config(tmp_path, {**SWEEP, "sample": 7, "seed": 3})).points()
    c = load_sweep_spec(make_config(tmp_path, {**SWEEP, "sample": 7, "seed": 4})).points()
    assert a == b and a != c and len(a) == 7
    assert all(p in full for p in a)
    assert [full.index(p) for p in a] == sorted(full.index(p) for p in a)


def test_integer_range_and_min_goal(tmp_path):
    sweep = {
        "strategy": "sma",
        "grid": {"fast": {"start": 5, "stop": 20, "step": 5}, "slow": [50]},
        "metric": "max_drawdown",
    }
    spec = load_sweep_spec(make_config(tmp_path, sweep))
    assert [p["fast"] for p in spec.points()] == [5, 10, 15, 20]
    assert all(isinstance(p["fast"], int) for p in spec.points())
    assert not spec.maximize  # a drawdown is better small


def test_several_strategies_add_a_strategy_axis(tmp_path):
    sweep = {"strategy": ["risk_exit", "sma"], "grid": {"exit_above": [0.5, 0.6]}}
    spec = load_sweep_spec(make_config(tmp_path, sweep))
    assert spec.keys == ["exit_above", "strategy"]
    assert spec.n_points == 4


def test_nested_score_component(tmp_path):
    sweep = {"grid": {"score.half_life_days.recall": [30, 60], "score.weights": [0.5, 1.0]}}
    spec = load_sweep_spec(make_config(tmp_path, {"strategy": "risk_exit", **sweep}))
    assert spec.n_points == 4


BAD = [
    ({"grid": {"exit_abov": [0.5]}}, "unknown parameter 'exit_abov' (did you mean 'exit_above'?)"),
    ({"grid": {"score.half_life": [30]}}, "did you mean 'score.half_life_days'?"),
    ({"grid": {"score.half_life_days.recal": [30]}}, "did you mean 'score.half_life_days.recall'"),
    ({"grid": {"score.recall_scale": [-1.0]}}, "sweep.grid.score.recall_scale"),
    ({"grid": {"exit_above": []}}, "grid parameter 'exit_above' has no values"),
    ({"grid": {}}, "sweep.grid"),
    ({"grid": {"exit_above": {"start": 0.9, "stop": 0.1, "step": 0.1}}}, "has no values"),
    ({"grid": {"exit_above": {"start": 0.1, "stop": 0.9}}}, "sweep.grid"),
    ({"grid": {"exit_above": ["high"]}}, "sweep.grid.exit_above: expected float"),
    ({"grid": {"exit_above": [0.5, 0.5]}}, "repeated values"),
    ({"grid": {"events": [1]}}, "unknown parameter 'events'"),
    ({"metrc": "sharpe"}, "unknown field 'sweep.metrc' (did you mean 'metric'?)"),
    ({"metric": "sharp"}, "unknown metric 'sharp' (did you mean 'sharpe'?)"),
    ({"strategy": "risk_exitt"}, "did you mean 'risk_exit'?"),
    ({"strategy": None}, "sweep.strategy: required when the config has several strategies"),
    ({"constraints": ["max_drawdon <= 0.3"]}, "did you mean 'max_drawdown'?"),
    ({"constraints": ["max_drawdown ~ 0.3"]}, "expected 'METRIC OP NUMBER'"),
    ({"constraints": ["max_drawdown <= lots"]}, "'lots' is not a number"),
    ({"heatmap": ["exit_above"]}, "heatmap needs two different grid parameters"),
    ({"heatmap": ["exit_above", "reenter"]}, "'reenter' is not a grid parameter"),
    ({"top": 0}, "field 'sweep.top'"),
    ({"sample": -3}, "field 'sweep.sample'"),
    ({"goal": "up"}, "field 'sweep.goal'"),
]


@pytest.mark.parametrize(("change", "expected"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_specs_name_the_file_and_field(tmp_path, change, expected):
    sweep = {**SWEEP, **change}
    with pytest.raises(ConfigError) as info:
        load_sweep_spec(make_config(tmp_path, sweep))
    message = str(info.value)
    assert expected in message
    assert str(tmp_path / "sweep.yaml") in message


def test_missing_section(tmp_path):
    config = make_config(tmp_path).model_copy(update={"sweep": None})
    with pytest.raises(ConfigError, match="no 'sweep' section"):
        load_sweep_spec(config)


def test_huge_grid_fails_fast_without_expanding(tmp_path):
    sweep = {
        "strategy": "risk_exit",
        "grid": {
            "min_days_out": {"start": 0, "stop": 10**9, "step": 1},
            "exit_above": {"start": 0.0, "stop": 1.0, "step": 1e-6},
        },
    }
    config = make_config(tmp_path, sweep)
    with pytest.raises(ConfigError, match=r"more than 1,000,000 backtests.*--yes"):
        load_sweep_spec(config)
    # reaching here at all shows the 10^15 points were counted, not built


def test_one_huge_axis_is_refused_even_with_yes(tmp_path):
    sweep = {
        "strategy": "risk_exit",
        "grid": {"min_days_out": {"start": 0, "stop": 10**10, "step": 1}},
        "sample": 10,
    }
    with pytest.raises(ConfigError, match=r"sweep.grid.min_days_out: 10,000,000,001 values"):
        load_sweep_spec(make_config(tmp_path, sweep), max_points=None)


def test_sample_makes_a_huge_grid_acceptable(tmp_path):
    sweep = {
        "strategy": "risk_exit",
        "grid": {
            "min_days_out": {"start": 0, "stop": 2000, "step": 1},
            "exit_above": {"start": 0.5, "stop": 1.0, "step": 0.0005},
        },
        "sample": 20,
    }
    spec = load_sweep_spec(make_config(tmp_path, sweep))
    assert spec.grid_size > 1_000_000 and len(spec.points()) == 20


def test_bundled_sweep_config_is_valid():
    root = Path(__file__).resolve().parents[1]
    spec = load_sweep_spec(load_config(root / "configs" / "xiaomi_su7_sweep.yaml"))
    assert 0 < spec.n_points <= 2_000
