"""Walk-forward: fold maths, selection, event counts and warnings, stitching, point in time, CLI."""

from __future__ import annotations

import io
import itertools
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from recall_risk.cli import main
from recall_risk.config import config_from_mapping
from recall_risk.errors import ConfigError
from recall_risk.events import load_events
from recall_risk.sweep import (
    Evaluator,
    SweepData,
    evaluate_points,
    load_sweep_spec,
    prepare_sweep_data,
)
from recall_risk.walkforward import (
    MIN_TEST_DAYS,
    MIN_TRAIN_DAYS,
    count_events,
    make_folds,
    run_point,
    run_walkforward,
    select_best,
    upto,
    window_events,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
SWEEP_CONFIG = REPO_ROOT / "configs" / "xiaomi_su7_sweep.yaml"
DAYS = pd.bdate_range("2024-01-01", periods=300)


# --- fold maths -----------------------------------------------------------------------------


def positions(folds):
    where = {d: i for i, d in enumerate(DAYS)}
    return [
        (where[f.train_start], where[f.train_end], where[f.test_start], where[f.test_end])
        for f in folds
    ]


def test_rolling_folds_by_hand():
    folds = make_folds(DAYS, folds=3, train_days=100, test_days=50)
    assert positions(folds) == [(50, 149, 150, 199), (100, 199, 200, 249), (150, 249, 250, 299)]
    assert [(f.index, f.train_bars, f.test_bars) for f in folds] == [
        (1, 100, 50),
        (2, 100, 50),
        (3, 100, 50),
    ]


def test_anchored_folds_grow_from_the_first_train_start():
    folds = make_folds(DAYS, folds=3, train_days=100, test_days=50, anchored=True)
    assert positions(folds) == [(50, 149, 150, 199), (50, 199, 200, 249), (50, 249, 250, 299)]
    assert [f.train_bars for f in folds] == [100, 150, 200]


def test_defaults_split_into_folds_plus_two_parts():
    folds = make_folds(DAYS, folds=4)  # 300 // 6 = 50 test bars, the rest trains the first fold
    assert positions(folds)[0] == (0, 99, 100, 149)
    assert [f.test_bars for f in folds] == [50] * 4 and folds[0].train_bars == 100
    only_train = make_folds(DAYS, folds=2, train_days=100)  # tests share what is left
    assert positions(only_train) == [(0, 99, 100, 199), (100, 199, 200, 299)]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(30, 400),
    folds=st.integers(1, 8),
    train=st.integers(MIN_TRAIN_DAYS, 200),
    test=st.integers(MIN_TEST_DAYS, 100),
    anchored=st.booleans(),
)
def test_fold_invariants(n, folds, train, test, anchored):
    dates = pd.bdate_range("2020-01-01", periods=n)
    if train + folds * test > n:
        with pytest.raises(ConfigError, match="need"):
            make_folds(dates, folds=folds, train_days=train, test_days=test, anchored=anchored)
        return
    out = make_folds(dates, folds=folds, train_days=train, test_days=test, anchored=anchored)
    assert len(out) == folds and out[-1].test_end == dates[-1]
    for f in out:
        assert f.train_start <= f.train_end < f.test_start <= f.test_end  # no overlap
        assert dates.get_loc(f.test_start) == dates.get_loc(f.train_end) + 1  # no gap
        assert f.test_bars == test
        assert f.train_bars == dates.get_loc(f.train_end) - dates.get_loc(f.train_start) + 1
        assert f.train_bars == (train if not anchored or f.index == 1 else f.train_bars)
    for a, b in itertools.pairwise(out):  # test windows contiguous
        assert dates.get_loc(b.test_start) == dates.get_loc(a.test_end) + 1
        assert b.train_start >= a.train_start
        assert (b.train_start == a.train_start) if anchored else b.train_bars == train


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"folds": 0}, "at least 1"),
        ({"folds": 2, "test_days": MIN_TEST_DAYS - 1}, "folds too short"),
        ({"folds": 2, "train_days": MIN_TRAIN_DAYS - 1}, "folds too short"),
        ({"folds": 60}, "folds too short"),
        ({"folds": 3, "train_days": 200, "test_days": 50}, "need 350 bars, but the data hold 300"),
    ],
)
def test_bad_layouts_are_config_errors(kwargs: dict[str, Any], message: str):
    with pytest.raises(ConfigError, match=message):
        make_folds(DAYS, where="cfg.yaml", **kwargs)


# --- events and selection -------------------------------------------------------------------


def test_event_counts_include_both_ends():
    events = load_events("xiaomi_su7")
    announced = sorted(e.announced for e in events.events)
    day = pd.Timestamp(announced[4])
    assert count_events([events], day, day) == announced.count(announced[4])
    assert count_events([events], day + pd.Timedelta(days=1), day + pd.Timedelta(days=1)) == 0
    everything = count_events([events], pd.Timestamp(announced[0]), pd.Timestamp(announced[-1]))
    assert everything == len(announced)
    upto_day = sum(a <= announced[4] for a in announced)
    assert count_events([events, events], pd.Timestamp("2000-01-01"), day) == 2 * upto_day


def test_an_event_between_two_windows_belongs_to_the_later_one():
    # dlv-2024-h2 is announced on 1 January 2025, a holiday: its day 0 is 2 January, the first
    # bar of a window starting there; the window ending on 31 December must not count it
    events = load_events("xiaomi_su7")
    bars = pd.DatetimeIndex(["2024-12-30", "2024-12-31", "2025-01-02", "2025-01-03"])
    first_half = window_events([events], bars, bars[0], bars[1])
    second_half = window_events([events], bars, bars[2], bars[3])
    assert first_half == sum(e.announced <= bars[1].date() for e in events.events)
    assert second_half == 1  # dlv-2024-h2
    assert count_events([events], bars[2], bars[3]) == 0  # the calendar window misses it
    total = window_events([events], bars, bars[0], bars[3])
    assert first_half + second_half == total
    # the first window holds the events announced before the first bar: their day 0 is that bar
    announced_before = sum(e.announced < bars[0].date() for e in events.events)
    assert announced_before == 3 and first_half == announced_before


class _Spec:
    def __init__(self, constraints=()):
        self.constraints = constraints


def test_select_best_respects_errors_nan_constraints_and_direction():
    from recall_risk.sweep.spec import Constraint

    table = pd.DataFrame(
        {
            "sharpe": [1.0, 3.0, np.nan, 2.0, 2.0, 5.0],
            "max_drawdown": [0.1, 0.5, 0.1, 0.1, 0.1, 0.1],
            "error": ["", "", "", "", "", "bad combination"],
        }
    )
    spec = _Spec((Constraint("max_drawdown", "<=", 0.3),))
    assert select_best(table, spec, "sharpe", True) == 3  # 1 breaks the constraint; ties: first
    assert select_best(table, _Spec(), "sharpe", True) == 1
    assert select_best(table, spec, "sharpe", False) == 0
    assert select_best(table.iloc[[2, 5]], spec, "sharpe", True) is None


# --- runs on real data ----------------------------------------------------------------------


def small_config(tmp_path: Path, prices_dir: Path, **sweep: Any):
    """The xiaomi_su7_sweep config with a small grid, reading the CSV folder."""
    data = yaml.safe_load(SWEEP_CONFIG.read_text())
    data["data"].update(source="csv", prices_dir=str(prices_dir))
    data["sweep"]["grid"] = {
        "exit_above": [0.4, 0.6],
        "reenter_below": [0.2, 0.4],
        "min_days_out": [0, 10],
        "score.half_life_days": [30, 90],
    }
    data["sweep"]["constraints"] = []
    data["sweep"].pop("heatmap", None)
    data["sweep"].update(sweep)
    path = tmp_path / "wf.yaml"
    path.write_text(yaml.safe_dump(data))
    return config_from_mapping(data, source=str(path), base_dir=tmp_path)


@pytest.fixture(scope="module")
def xiaomi(tmp_path_factory, prices_dir):
    config = small_config(tmp_path_factory.mktemp("wf"), prices_dir)
    return config, prepare_sweep_data(config)


def test_stitched_curve_chains_the_test_folds(xiaomi):
    config, data = xiaomi
    result = run_walkforward(config, data, folds=3)
    stitched, cash = result.stitched, config.broker.cash
    dates = data.prices["1810.HK"].index
    tests = [dates[(dates >= r.fold.test_start) & (dates <= r.fold.test_end)] for r in result.folds]
    assert list(stitched.index) == [d for t in tests for d in t]
    assert stitched.index.is_unique and stitched.index.is_monotonic_increasing
    assert stitched["fold"].tolist() == [
        r.fold.index for r in result.folds for _ in range(r.fold.test_bars)
    ]
    value, running = stitched["value"], cash
    for r in result.folds:
        segment = value[stitched["fold"] == r.fold.index]
        # fresh cash at each test window, scaled to where the last one ended: the fold's own
        # curve (warm-up before the window, trading from its first open) times running / cash
        tester = Evaluator(
            config,
            upto(data, r.fold.test_end),
            start=r.fold.test_start.date(),
            end=r.fold.test_end.date(),
        )
        own = run_point(tester, r.params)[0] if r.params is not None else None
        if own is not None:
            np.testing.assert_allclose(segment.to_numpy(), own.to_numpy() / cash * running)
        else:
            assert (segment == running).all()
        growth = 1.0 + r.out_of_sample["total_return"]
        assert segment.iloc[-1] == pytest.approx(running * growth, rel=1e-12)
        running = segment.iloc[-1]
    assert result.stitched_metrics["final_value"] == pytest.approx(running)
    assert result.stitched_metrics["trades"] == sum(r.out_of_sample["trades"] for r in result.folds)


def test_folds_show_buy_and_hold_and_the_benchmark_on_the_same_window(xiaomi):
    config, data = xiaomi
    result = run_walkforward(config, data, folds=2)
    cash, fee = config.broker.cash, config.broker.commission + config.broker.slippage
    prices, bench = data.prices["1810.HK"], data.benchmark
    table = result.table()
    for r, row in zip(result.folds, table.to_dict("records"), strict=True):
        f = r.fold
        # independent: the close at the window's end over the open at its first bar
        held = prices.loc[f.test_start : f.test_end]
        naive = held["close"].iloc[-1] / held["open"].iloc[0] - 1
        assert r.hold_return == pytest.approx(naive, abs=2 * fee + 0.01)  # whole shares, fees
        index = bench.loc[f.test_start : f.test_end]
        naive_bench = index["close"].iloc[-1] / index["open"].iloc[0] - 1
        assert r.benchmark_return == pytest.approx(naive_bench, abs=2 * fee + 1e-9)
        assert row["oos_buy_and_hold_return"] == r.hold_return
        assert row["oos_benchmark_return"] == r.benchmark_return
    stitched = result.stitched
    assert {"value", "buy_and_hold", "benchmark"} <= set(stitched)
    growth = np.prod([1 + r.hold_return for r in result.folds])
    assert stitched["buy_and_hold"].iloc[-1] == pytest.approx(cash * growth, rel=1e-12)
    returns = result.stitched_returns()
    assert returns["value"] == pytest.approx(result.stitched_metrics["total_return"], rel=1e-12)
    assert returns["buy_and_hold"] == pytest.approx(growth - 1, rel=1e-12)


def test_fold_table_fits_100_columns(xiaomi):
    from rich.console import Console

    from recall_risk.cli.walkforward_cmd import fold_table

    config, data = xiaomi
    result = run_walkforward(config, data, folds=2)
    console = Console(width=100, record=True, no_color=True, file=io.StringIO())
    console.print(fold_table(result))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "…" not in text  # nothing cut
    assert "B&H" in text and f"{result.folds[0].hold_return * 100:.2f}%" in text


def test_fold_metrics_agree_with_the_sweep(xiaomi):
    """In-sample numbers are the sweep's row on the train window; out-of-sample ones are what
    the sweep reports for the chosen point on the test window."""
    config, data = xiaomi
    result = run_walkforward(config, data, folds=3, anchored=True)
    spec = load_sweep_spec(config)
    for r in result.folds:
        f = r.fold
        assert r.params is not None and r.feasible == r.candidates == len(spec.points())
        train = evaluate_points(
            config, data, spec.points(), start=f.train_start.date(), end=f.train_end.date()
        )
        assert r.params == spec.points()[int(np.nanargmax(train["sharpe"].to_numpy()))]
        assert r.in_sample["sharpe"] == pytest.approx(train["sharpe"].max())
        test = evaluate_points(
            config, data, [r.params], start=f.test_start.date(), end=f.test_end.date()
        ).iloc[0]
        for metric in ("final_value", "total_return", "sharpe", "max_drawdown", "alpha"):
            assert r.out_of_sample[metric] == pytest.approx(test[metric], rel=1e-9, abs=1e-12)


def test_engines_agree(xiaomi):
    config, data = xiaomi
    fast = run_walkforward(config, data, folds=2, test_days=60, engine="fast")
    slow = run_walkforward(config, data, folds=2, test_days=60, engine="backtrader")
    assert [r.params for r in fast.folds] == [r.params for r in slow.folds]
    np.testing.assert_allclose(fast.stitched["value"], slow.stitched["value"], atol=0.005, rtol=0)


def test_selection_uses_only_data_up_to_the_train_end(xiaomi):
    """Planting a change in prices after fold 2's train end leaves folds 1-2's choices alone."""
    config, data = xiaomi
    before = run_walkforward(config, data, folds=3, metric="total_return")
    cut = before.folds[1].fold.train_end
    planted = {}
    for ticker, frame in data.prices.items():
        frame = frame.copy()
        later = frame.index > cut
        frame.loc[later, ["open", "high", "low", "close"]] *= np.linspace(3.0, 0.2, later.sum())[
            :, None
        ]
        planted[ticker] = frame
    bench = data.benchmark.copy()
    bench.loc[bench.index > cut, "close"] *= 5.0
    changed = SweepData(prices=planted, benchmark=bench, events=data.events)
    after = run_walkforward(config, changed, folds=3, metric="total_return")
    for old, new in zip(before.folds[:2], after.folds[:2], strict=True):
        assert old.params == new.params and old.in_sample == new.in_sample
    assert before.folds[2].out_of_sample != after.folds[2].out_of_sample  # the plant is seen later
    assert upto(changed, cut).prices["1810.HK"].equals(upto(data, cut).prices["1810.HK"])


def test_windows_without_events_are_warned(xiaomi):
    config, data = xiaomi
    result = run_walkforward(config, data, folds=4)
    last = result.folds[-1]  # 2025-11-25 .. 2026-03-25: no xiaomi event announced
    assert last.test_events == 0
    assert any("fold 4: no event announced in the test window" in w for w in result.warnings)
    early = run_walkforward(config, upto(data, pd.Timestamp("2024-12-31")), folds=1)
    assert early.folds[0].train_events > 0 and early.folds[0].test_events == 0
    quiet = SweepData(prices=data.prices, benchmark=data.benchmark, events={})
    none = run_walkforward(config, quiet, folds=2)
    assert all(r.train_events == r.test_events == 0 for r in none.folds)
    assert sum("no event announced in the train window" in w for w in none.warnings) == 2


def test_infeasible_train_fold_holds_cash(tmp_path, prices_dir):
    config = small_config(tmp_path, prices_dir, constraints=["trades >= 50"])
    result = run_walkforward(config, prepare_sweep_data(config), folds=2)
    assert all(r.params is None and r.feasible == 0 for r in result.folds)
    assert (result.stitched["value"] == config.broker.cash).all()
    assert sum("no point satisfies the constraints" in w for w in result.warnings) == 2


def test_unknown_metric_and_missing_sweep(xiaomi, prices_dir):
    config, data = xiaomi
    with pytest.raises(ConfigError, match="did you mean 'sharpe'"):
        run_walkforward(config, data, metric="sharp")
    no_sweep = config.model_copy(update={"sweep": None})
    with pytest.raises(ConfigError, match="no 'sweep' section"):
        run_walkforward(no_sweep, data)


# --- CLI ------------------------------------------------------------------------------------


def wf(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["walkforward", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def sweep_config_cli(tmp_path_factory, prices_dir) -> tuple[list[str], Path, int, str, str]:
    """``walkforward`` on configs/xiaomi_su7_sweep.yaml, run once for the tests that read it:
    its arguments, output folder, exit code, stdout and stderr."""
    out_dir = tmp_path_factory.mktemp("wf") / "wf"
    args = [str(SWEEP_CONFIG), "--prices-dir", str(prices_dir), "--out", str(out_dir)]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["walkforward", *args])
    return args, out_dir, code, out.getvalue(), err.getvalue()


def test_cli_on_the_xiaomi_sweep_config(capsys, sweep_config_cli):
    args, out_dir, code, out, err = sweep_config_cli
    assert code == 0, err
    assert "walk-forward, rolling, by sharpe" in out and "stitched out-of-sample" in out
    assert "WARNING" in err and "fold 4: no event announced in the test window" in err
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == [
        "chosen_params.json",
        "folds.csv",
        "folds.md",
        "stitched.html",
        "stitched.png",
        "stitched_equity.csv",
        "summary.json",
    ]
    assert "B&H" in out and "bench" in out
    page = (out_dir / "stitched.html").read_text()
    assert "buy-and-hold" in page and "plotly.js (basic" in page
    assert (out_dir / "stitched.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    folds = pd.read_csv(out_dir / "folds.csv")
    assert folds["fold"].tolist() == [1, 2, 3, 4]
    assert {"train_events", "test_events", "is_sharpe", "oos_sharpe", "exit_above"} <= set(folds)
    equity = pd.read_csv(out_dir / "stitched_equity.csv", parse_dates=["date"])
    assert equity["date"].is_monotonic_increasing and equity["date"].is_unique
    assert equity["date"].iloc[0] == pd.Timestamp(folds["test_start"].iloc[0])
    chosen = json.loads((out_dir / "chosen_params.json").read_text())
    assert [f["fold"] for f in chosen["folds"]] == [1, 2, 3, 4]
    markdown = (out_dir / "folds.md").read_text()
    assert "## How to read this table" in markdown and "## Warnings" in markdown
    first = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    code, _, err = wf(capsys, *args)  # again over its own output: refused without --force
    assert code == 2 and "previous walk-forward result" in err and "--force" in err
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == first
    assert wf(capsys, *args, "--force")[0] == 0  # replaced, byte-identical
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == first


def test_cli_anchored_metric_and_engine(capsys, tmp_path, prices_dir):
    config = small_config(tmp_path, prices_dir)
    path = tmp_path / "wf.yaml"
    assert config.name == "xiaomi_su7_sweep"
    code, out, err = wf(
        capsys,
        str(path),
        "--folds",
        "2",
        "--train-days",
        "120",
        "--test-days",
        "100",
        "--anchored",
        "--metric",
        "total_return",
        "--engine",
        "backtrader",
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 0, err
    assert "anchored, by total_return (backtrader engine)" in out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["anchored"] is True and summary["metric"] == "total_return"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--folds", "0"], "at least 1"),
        (["--test-days", "3"], "folds too short"),
        (["--train-days", "400", "--test-days", "50"], "but the data hold 487"),
        (["--metric", "sharp"], "did you mean 'sharpe'"),
    ],
)
def test_cli_bad_options_exit_2_and_write_nothing(capsys, tmp_path, prices_dir, extra, message):
    out_dir = tmp_path / "never"
    code, _out, err = wf(
        capsys, str(SWEEP_CONFIG), "--prices-dir", str(prices_dir), "--out", str(out_dir), *extra
    )
    assert code == 2 and message in err and err.startswith("error: ")
    assert "Traceback" not in err and not out_dir.exists()


def test_cli_config_without_sweep_exits_2(capsys, tmp_path, prices_dir):
    config = REPO_ROOT / "configs" / "tesla.yaml"
    code, _, err = wf(capsys, str(config), "--prices-dir", str(prices_dir), "--out", str(tmp_path))
    assert code == 2 and "tesla.yaml: no 'sweep' section" in err


def test_cli_on_the_main_xiaomi_config_gives_the_sweep_configs_folds(
    capsys, tmp_path, prices_dir, sweep_config_cli
):
    # the must-show runs walk-forward on configs/xiaomi_su7.yaml itself
    config = REPO_ROOT / "configs" / "xiaomi_su7.yaml"
    out_dir = tmp_path / "xiaomi_su7"
    code, out, err = wf(capsys, str(config), "--prices-dir", str(prices_dir), "--out", str(out_dir))
    assert code == 0, err
    assert "xiaomi_su7: walk-forward, rolling, by sharpe" in out
    _, sweep_out, sweep_code, sweep_stdout, _ = sweep_config_cli
    assert sweep_code == 0
    assert "xiaomi_su7_sweep: walk-forward, rolling, by sharpe" in sweep_stdout
    assert (out_dir / "folds.csv").read_bytes() == (sweep_out / "folds.csv").read_bytes()


def test_cli_help_names_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["walkforward", "--help"])
    out = capsys.readouterr().out
    for option in ("--folds", "--train-days", "--test-days", "--anchored", "--metric", "--out"):
        assert option in out
    assert "--prices-dir" in out and "{fast,backtrader}" in out


def test_test_windows_are_warmed_up_on_earlier_bars_independently(xiaomi):
    # rebuilt by hand, not through the Evaluator: backtrader itself on all bars up to the test
    # end, trading from the test window's first bar (RiskStrategy's trade_from)
    from recall_risk.bt import risk_frame
    from recall_risk.bt.engine import run_backtest
    from recall_risk.bt.registry import resolve_strategy
    from recall_risk.sweep import score_params_for

    config, data = xiaomi
    result = run_walkforward(config, data, folds=3)
    cash, running = config.broker.cash, config.broker.cash
    compared = 0
    for r in result.folds:
        segment = result.stitched.loc[result.stitched["fold"] == r.fold.index, "value"]
        if r.params is not None:
            score = {k.removeprefix("score."): v for k, v in r.params.items() if "." in k}
            params = {k: v for k, v in r.params.items() if "." not in k}
            entry = next(s for s in config.strategies if s.name == "risk_exit")
            prices = data.prices["1810.HK"].loc[: r.fold.test_end]
            frame = risk_frame(
                prices, data.events["1810.HK"], score_params_for(config.score, {
                    f"score.{k}": v for k, v in score.items()
                })
            )  # fmt: skip
            out = run_backtest(
                resolve_strategy("risk_exit"),
                {"1810.HK": frame},
                {**entry.params, **params, "trade_from": r.fold.test_start.date()},
                cash=cash,
                commission=config.broker.commission,
                slippage=config.broker.slippage,
            )
            assert all(pd.Timestamp(f["date"]) >= r.fold.test_start for f in out.fills)
            own = out.equity.loc[r.fold.test_start :]
            np.testing.assert_allclose(segment.to_numpy(), own.to_numpy() / cash * running)
            compared += 1
        running = float(segment.iloc[-1])
    assert compared >= 2
