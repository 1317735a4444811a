"""evaluate_points: one row per point, fast engine == backtrader, windows, invalid combinations."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recall_risk.config import RunConfig, load_config
from recall_risk.errors import ConfigError
from recall_risk.metrics import METRIC_NAMES
from recall_risk.runner import run_config
from recall_risk.sweep import (
    ENGINE_COLUMN,
    ERROR_COLUMN,
    Evaluator,
    evaluate_points,
    load_sweep_spec,
    prepare_sweep_data,
)

ROOT = Path(__file__).resolve().parents[1]


def sweep_config(tmp_path: Path, prices_dir: Path, sweep: dict, **changes: object) -> RunConfig:
    data = yaml.safe_load((ROOT / "configs" / "xiaomi_su7.yaml").read_text(encoding="utf-8"))
    data["data"].update(source="csv", prices_dir=str(prices_dir))
    data.update(copy.deepcopy(changes))
    data["sweep"] = sweep
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_config(path)


SMALL = {
    "strategy": "risk_exit",
    "grid": {
        "exit_above": [0.4, 0.6],
        "reenter_below": [0.2, 0.5],
        "score.half_life_days": [30, 90],
    },
}


@pytest.fixture(scope="module")
def small(tmp_path_factory, prices_dir):
    config = sweep_config(tmp_path_factory.mktemp("small"), prices_dir, SMALL)
    return config, prepare_sweep_data(config), load_sweep_spec(config).points()


def test_fast_equals_backtrader_to_the_cent(small):
    config, data, points = small
    fast = evaluate_points(config, data, points)
    slow = evaluate_points(config, data, points, engine="backtrader")
    assert list(fast[ENGINE_COLUMN].unique()) == ["fast"]
    assert list(slow[ENGINE_COLUMN].unique()) == ["backtrader"]
    ok = fast[ERROR_COLUMN] == ""
    assert ok.sum() == 6  # reenter_below 0.5 > exit_above 0.4 is invalid twice
    assert (fast["final_value"][ok] - slow["final_value"][ok]).abs().max() < 0.005
    assert (fast["trades"] == slow["trades"]).all()
    pd.testing.assert_frame_equal(
        fast.drop(columns=ENGINE_COLUMN), slow.drop(columns=ENGINE_COLUMN), rtol=1e-9
    )


def test_rows_follow_points_and_invalid_rows_say_why(small):
    config, data, points = small
    table = evaluate_points(config, data, points)
    assert list(table.columns) == [*points[0], ENGINE_COLUMN, *METRIC_NAMES, ERROR_COLUMN]
    assert table[list(points[0])].to_dict("records") == points
    bad = table[table[ERROR_COLUMN] != ""]
    assert set(bad["reenter_below"]) == {0.5} and set(bad["exit_above"]) == {0.4}
    assert bad[ERROR_COLUMN].str.contains("reenter_below <= exit_above").all()
    assert bad["final_value"].isna().all()
    good = table[table[ERROR_COLUMN] == ""]
    assert good["alpha"].notna().all() and good["beta"].notna().all()


def test_a_point_reproduces_the_run_report(small):
    config, data, _ = small
    point = {"exit_above": 0.6, "reenter_below": 0.4, "min_days_out": 5}
    row = evaluate_points(config, data, [point]).iloc[0]
    report = run_config(config).strategies["risk_exit"].metrics
    for metric in METRIC_NAMES:
        assert row[metric] == pytest.approx(report[metric], rel=1e-9, abs=1e-12), metric


def test_score_params_change_the_result(small):
    config, data, _ = small
    table = evaluate_points(
        config,
        data,
        [{"score.half_life_days": 20}, {"score.half_life_days": 200}, {"score.weights": 0.0}],
    )
    assert table["final_value"].nunique() == 3


def test_window_keeps_scores_point_in_time(small):
    config, data, _ = small
    full = Evaluator(config, data).frames({})["1810.HK"]
    first_risk = full.index[full["score"] > 0.05][0]
    start = (first_risk + pd.Timedelta(days=10)).date()
    end = date(2025, 12, 31)
    point = {"exit_above": 0.6, "reenter_below": 0.4}
    fast = evaluate_points(config, data, [point], start=start, end=end)
    slow = evaluate_points(config, data, [point], start=start, end=end, engine="backtrader")
    assert fast["final_value"].iloc[0] == pytest.approx(slow["final_value"].iloc[0], abs=0.005)
    # the window's score is the full history's score cut, not a score of the cut history;
    # the bars before the window (known at its start) stay for warm-up, none after its end
    evaluator = Evaluator(config, data, start=start, end=end)
    frame = evaluator.frames({})["1810.HK"]
    cut = frame.iloc[evaluator.trade_from(frame) :]
    assert frame.index[-1] <= pd.Timestamp(end) and frame.index[0] == full.index[0]
    assert cut.index[0] >= pd.Timestamp(start)
    assert cut.index[0] == full.loc[pd.Timestamp(start) :].index[0]
    pd.testing.assert_series_equal(cut["score"], full["score"].loc[cut.index[0] : cut.index[-1]])
    assert cut["score"].iloc[0] > 0  # events before the window still weigh on its first day


def test_window_without_data_is_a_config_error(small):
    config, data, _ = small
    with pytest.raises(ConfigError, match="window"):
        evaluate_points(config, data, [{}], start=date(2030, 1, 1), end=date(2030, 6, 1))


def test_unknown_point_param_is_a_config_error(small):
    config, data, _ = small
    with pytest.raises(ConfigError, match="did you mean 'exit_above'"):
        evaluate_points(config, data, [{"exit_abov": 0.5}])


def test_strategy_unknown_to_the_fast_engine_runs_on_backtrader(tmp_path, prices_dir):
    config = load_config(ROOT / "configs" / "user_strategy.yaml")
    data = prepare_sweep_data(config, prices_dir)
    points = [{"lookback": 20}, {"lookback": 60}]
    table = evaluate_points(config, data, points, strategy="momentum_risk")
    assert list(table[ENGINE_COLUMN]) == ["backtrader", "backtrader"]
    assert table["final_value"].notna().all()
    assert table["final_value"].nunique() == 2


def test_multi_strategy_points(small):
    config, data, _ = small
    points = [
        {"strategy": "risk_exit", "exit_above": 0.6},
        {"strategy": "sma_cross_risk", "exit_above": 0.6},
    ]
    table = evaluate_points(config, data, points)
    assert list(table["strategy"]) == ["risk_exit", "sma_cross_risk"]
    assert table["final_value"].nunique() == 2


def test_batch_metrics_equal_compute_metrics(small):
    """Evaluator.rows (one 2-D metrics call for the batch) prints exactly what compute_metrics
    prints for each point's curve, in any batch (the bits do not depend on the batch)."""
    config, data, _ = small
    from recall_risk.metrics import METRIC_NAMES, compute_metrics

    evaluator = Evaluator(config, data)
    points = [
        {"exit_above": e, "reenter_below": 0.1, "score.half_life_days": h}
        for e in (0.3, 0.5, 0.99)
        for h in (30, 90)
    ]
    rows = evaluator.rows(points)
    alone = [evaluator.row(p) for p in points]
    assert [repr(r) for r in rows] == [repr(r) for r in alone]
    for point, row in zip(points, rows, strict=True):
        equity, exposure, pnls, _ = evaluator.curves(point)
        want = compute_metrics(
            equity,
            initial_cash=config.broker.cash,
            exposure=exposure,
            trade_pnls=pnls,
            benchmark_equity=evaluator.benchmark_equity(),
            benchmark_cash=config.broker.cash,
            risk_free=config.report.risk_free,
        )
        assert {m: repr(row[m]) for m in METRIC_NAMES} == {m: repr(want[m]) for m in METRIC_NAMES}


def test_sma_longer_than_the_window_is_the_same_error_on_both_engines(small):
    config, data, _ = small
    window = {"start": date(2025, 1, 2), "end": date(2025, 6, 30), "strategy": "sma_cross"}
    # the window's own bars and the bars before it (its warm-up) are fewer than 2,000
    point = [{"fast": 20, "slow": 2000}]
    fast = evaluate_points(config, data, point, **window)
    slow = evaluate_points(config, data, point, engine="backtrader", **window)
    assert fast[ERROR_COLUMN].iloc[0] == slow[ERROR_COLUMN].iloc[0]
    assert "needs at least slow=2000 bars" in fast[ERROR_COLUMN].iloc[0]


PLAIN = """\
import backtrader as bt


class Plain(bt.Strategy):
    params = (("size", 10),)

    def next(self):
        for data in self.datas:
            if len(data) and not self.getposition(data).size:
                self.buy(data=data, size=self.p.size)

    prenext = next  # acts on any data that has a bar, as soon as it has one
"""


def test_a_strategy_without_warm_up_trades_only_inside_the_window(tmp_path, prices_dir):
    # no trade_from param: the frames are cut at the window's first day, by date on every
    # ticker (1810.HK and TSLA have different holidays)
    (tmp_path / "plain.py").write_text(PLAIN, encoding="utf-8")
    config = sweep_config(
        tmp_path,
        prices_dir,
        {"strategy": "plain", "grid": {"size": [10]}},
        strategies=[{"name": "plain", "strategy": "plain.py:Plain"}],
        events=None,
    )
    config = config.model_copy(
        update={"data": config.data.model_copy(update={"tickers": ["1810.HK", "TSLA"]})}
    )
    data = prepare_sweep_data(config)
    start, end = date(2025, 1, 2), date(2025, 3, 31)
    evaluator = Evaluator(config, data, start=start, end=end, engine="backtrader")
    equity, _, _, engine = evaluator.curves({"size": 10})
    assert engine == "backtrader"
    assert equity.index[0] >= pd.Timestamp(start)
    assert equity.iloc[0] == config.broker.cash  # nothing bought before the window


def test_columns_are_the_rows_packed(small):
    """What a sweep batch sends back (Evaluator.columns) is exactly its rows, packed: same
    engines, errors and metric bits (an invalid point included)."""
    config, data, _ = small
    import numpy as np

    from recall_risk.sweep.columns import pack_rows

    evaluator = Evaluator(config, data)
    points = [
        {"exit_above": 0.5, "reenter_below": 0.1, "score.half_life_days": 30},
        {"exit_above": 0.3, "reenter_below": 0.6, "score.half_life_days": 30},  # invalid
        {"exit_above": 0.99, "reenter_below": 0.2, "score.half_life_days": 90},
    ]
    got = evaluator.columns(points)
    want = pack_rows(evaluator.rows(points))
    assert got.engine == want.engine and got.error == want.error
    assert got.error[1] and not got.error[0]
    np.testing.assert_array_equal(got.metrics, want.metrics)
    assert np.isnan(got.metrics[1]).all()
