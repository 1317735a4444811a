"""What a run reads and what it says about it: several event sets of one ticker are
combined (not the last one kept), ``prices_dir`` means a CSV source, ``data.adjusted`` reaches
both sources, strict broker/report types, an indicator longer than the data, series of different
date ranges, events outside the bars in the report, and whole share counts in trades.csv."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recall_risk.cli import main
from recall_risk.config import config_from_mapping, load_config
from recall_risk.errors import ConfigError, EventFileError
from recall_risk.events import bundled_event_path, load_events, merge_event_sets
from recall_risk.prices import CsvDirectorySource, YFinanceSource
from recall_risk.report import write_report
from recall_risk.report.events_table import event_rows, figure_text
from recall_risk.report.figures import overview_figure
from recall_risk.runner import price_source, run_config, run_warnings

EXTRA = """\
company: Xiaomi
ticker: 1810.HK
events:
  - {id: my-extra, type: incident, announced: 2025-06-02, severity: 0.3, source: my notes}
"""


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _base(prices_dir: Path, **data: object) -> dict:
    return {
        "name": "t",
        "data": {
            "tickers": ["1810.HK"],
            "benchmark": "^HSI",
            "start": "2025-01-01",
            "end": "2025-12-31",
            "prices_dir": str(prices_dir),
            **data,
        },
        "events": "xiaomi_su7",
        "strategies": [{"name": "hold", "strategy": "buy_and_hold"}],
        "report": {"html": False, "png": False},
    }


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- several event sets of one ticker ------------------------------------------------------


def test_two_sets_of_one_ticker_are_combined(prices_dir, tmp_path) -> None:
    (tmp_path / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    data = _base(prices_dir)
    data["events"] = ["xiaomi_su7", "extra.yaml"]
    result = run_config(load_config(_write(tmp_path / "c.yaml", data)))
    ids = [e.id for e in result.events["1810.HK"]]
    bundled = [e.id for e in load_events("xiaomi_su7")]
    assert sorted(ids) == sorted([*bundled, "my-extra"])
    # the extra incident moves the score from its announcement on, and not before
    scores = result.scores["1810.HK"]["incident"]
    alone = run_config(load_config(_write(tmp_path / "alone.yaml", _base(prices_dir))))
    before = scores.index < pd.Timestamp("2025-06-02")
    pd.testing.assert_series_equal(scores[before], alone.scores["1810.HK"]["incident"][before])
    assert (scores[~before].iloc[:5] > alone.scores["1810.HK"]["incident"][~before].iloc[:5]).all()


def test_duplicate_ids_across_sets_exit_2_before_any_work(prices_dir, tmp_path, capsys) -> None:
    (tmp_path / "dup.yaml").write_text(EXTRA.replace("my-extra", "crash-2025-03-29"), "utf-8")
    data = _base(prices_dir)
    data["events"] = ["xiaomi_su7", "dup.yaml"]
    config = _write(tmp_path / "c.yaml", data)
    code, _, err = _cli(capsys, "run", str(config), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "field 'events'" in err and "'crash-2025-03-29' is in both bundled:xiaomi_su7" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_merge_refuses_sets_of_different_tickers() -> None:
    with pytest.raises(EventFileError, match=r"ticker 1810\.HK.*ticker TSLA"):
        merge_event_sets([load_events("xiaomi_su7"), load_events("tesla")], where="x")


# --- price source --------------------------------------------------------------------------


def test_prices_dir_alone_means_a_csv_source(prices_dir) -> None:
    config = config_from_mapping(_base(prices_dir), source="c.yaml")
    assert config.data.source == "csv"
    assert isinstance(price_source(config), CsvDirectorySource)


def test_prices_dir_with_yfinance_is_refused() -> None:
    data = _base(Path("/somewhere"), source="yfinance")
    with pytest.raises(ConfigError, match="prices_dir is given but source is 'yfinance'"):
        config_from_mapping(data, source="c.yaml")


def test_cli_prices_dir_satisfies_source_csv(prices_dir, tmp_path) -> None:
    data = _base(prices_dir, source="csv")
    del data["data"]["prices_dir"]
    path = _write(tmp_path / "c.yaml", data)
    with pytest.raises(ConfigError, match="source 'csv' needs prices_dir"):
        load_config(path)
    config = load_config(path, prices_dir=prices_dir)
    assert config.data.prices_dir == prices_dir.resolve()
    assert isinstance(price_source(config), CsvDirectorySource)
    argv = ["run", str(path), "--prices-dir", str(prices_dir), "--out", str(tmp_path / "o")]
    assert main([*argv, "--quiet"]) == 0


@pytest.mark.parametrize("adjusted", [True, False])
def test_adjusted_reaches_both_sources(adjusted, prices_dir) -> None:
    data = _base(prices_dir, adjusted=adjusted)
    csv = price_source(config_from_mapping(data, source="c.yaml"))
    assert isinstance(csv, CsvDirectorySource) and csv.adjusted is adjusted
    del data["data"]["prices_dir"]
    online = price_source(config_from_mapping(data, source="c.yaml"))
    assert isinstance(online, YFinanceSource) and online.adjusted is adjusted


def test_metrics_json_says_which_source_was_read(prices_dir, tmp_path) -> None:
    data = _base(prices_dir)
    del data["data"]["prices_dir"]  # the config says yfinance; --prices-dir overrides it
    result = run_config(load_config(_write(tmp_path / "c.yaml", data)), prices_dir=prices_dir)
    write_report(result, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert doc["run"]["config"]["data"]["source"] == "yfinance"
    assert doc["run"]["price_source"] == {"kind": "csv", "adjusted": True}


# --- strict types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "value", "field"),
    [
        ("broker", {"cash": "1e5"}, "broker.cash"),
        ("broker", {"commission": "0.001"}, "broker.commission"),
        ("report", {"html": "yes"}, "report.html"),
        ("report", {"png": "off"}, "report.png"),
    ],
)
def test_quoted_values_are_refused(section, value, field, prices_dir) -> None:
    data = _base(prices_dir)
    data[section] = value
    with pytest.raises(ConfigError, match=f"field '{field}'"):
        config_from_mapping(data, source="c.yaml")


def test_whole_numbers_still_fit_float_fields(prices_dir) -> None:
    data = _base(prices_dir)
    data["broker"] = {"cash": 100000, "commission": 0}
    data["report"] = {"thresholds": [0, 1], "risk_free": 0}
    config = config_from_mapping(data, source="c.yaml")
    assert config.broker.cash == 100_000.0 and config.report.thresholds == [0.0, 1.0]


# --- data that cannot carry a strategy, or that covers different periods -------------------


def test_indicator_longer_than_the_data_names_the_params(prices_dir, tmp_path, capsys) -> None:
    data = _base(prices_dir, start="2025-01-02", end="2025-02-14")
    data["strategies"] = [{"name": "sma", "strategy": "sma_cross", "params": {"slow": 400}}]
    config = _write(tmp_path / "c.yaml", data)
    code, _, err = _cli(capsys, "run", str(config), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "field 'strategies[0].params': strategy 'sma_cross' needs more bars" in err
    assert "Widen data.start/data.end or shorten the period" in err
    assert "Traceback" not in err


def test_benchmark_starting_later_warns(prices_dir, tmp_path) -> None:
    data = _base(prices_dir, start="2020-06-01", end="2022-12-30", benchmark="SPY")
    data["events"] = None
    result = run_config(load_config(_write(tmp_path / "c.yaml", data)))
    (warning,) = run_warnings(result)
    assert warning.startswith("the first bars differ (1810.HK 2020-06-01, SPY 2021-01-04)")


def test_rotation_tickers_of_different_ranges_warn(prices_dir, tmp_path) -> None:
    data = _base(prices_dir, start="2021-06-01", end="2022-12-30", tickers=["1810.HK", "9866.HK"])
    data["events"] = None
    data["strategies"] = [{"name": "rot", "strategy": "risk_rotation"}]
    result = run_config(load_config(_write(tmp_path / "c.yaml", data)))
    assert any("9866.HK 2022-03-10" in w for w in run_warnings(result))


# --- events outside the bars ---------------------------------------------------------------


def test_events_outside_the_bars_are_not_drawn_and_say_so(prices_dir, tmp_path) -> None:
    data = _base(prices_dir, start="2025-03-01", end="2025-06-30")
    result = run_config(load_config(_write(tmp_path / "c.yaml", data)))
    rows = {r.id: r for r in event_rows(result)}
    assert rows["samr-2025-01-su7-parking"].scope == "before"
    assert rows["crash-2025-03-29"].scope == "in"
    assert rows["samr-2025-09-su7-l2"].scope == "after"
    assert rows["samr-2025-09-su7-l2"].notes.startswith("[after the last bar")
    fig = overview_figure(result)
    (markers,) = [t for t in fig.data if t.name == "events 1810.HK"]
    drawn = {c[0] for c in markers.customdata}
    assert drawn == {r.id for r in rows.values() if r.scope == "in"}
    assert min(markers.x) >= "2025-03-03"  # nothing piled up on the first bar
    write_report(result, tmp_path / "out")
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "- `samr-2025-09-su7-l2`: [after the last bar: not part of this run]" in summary


@pytest.mark.parametrize(
    ("name", "value", "text"),
    [
        ("units", 116887.0, "units 116,887"),
        ("recall_ratio", 0.38316697, "recall_ratio 0.3832"),
        ("change", -0.55, "change -0.55"),
        ("fatalities", 3.0, "fatalities 3"),
    ],
)
def test_key_figures_are_plain_numbers(name, value, text) -> None:
    assert figure_text(name, value) == text


def test_trades_csv_sizes_stay_whole_beside_fractional_benchmark(prices_dir, tmp_path) -> None:
    result = run_config(load_config(_write(tmp_path / "c.yaml", _base(prices_dir))))
    write_report(result, tmp_path / "out")
    trades = pd.read_csv(tmp_path / "out" / "trades.csv", dtype=str, keep_default_na=False)
    fills = trades[trades["kind"] == "fill"]
    hold = fills.loc[fills["strategy"] == "hold", "size"]
    bench = fills.loc[fills["strategy"] == "benchmark", "size"]
    assert hold.str.fullmatch(r"\d+").all()
    assert not bench.str.fullmatch(r"\d+").any()  # fractional units of the index


# --- event text and file names on the command line -----------------------------------------


def test_events_show_prints_brackets_and_colons_as_written(tmp_path, capsys) -> None:
    text = EXTRA.replace("source: my notes", 'source: "Reuters [/x] [bold]2025[/bold] :car:"')
    path = tmp_path / "markup.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = _cli(capsys, "events", "show", str(path), "--format", "table")
    assert code == 0, err
    assert "Reuters [/x] [bold]2025[/bold] :car:" in out


@pytest.mark.parametrize("name", ["TESLA.YAML", "tesla.txt", "SU7.CSV"])
def test_a_file_with_any_suffix_is_a_file_not_a_set_name(name, tmp_path, capsys, monkeypatch):
    good = Path(__file__).parent / "data" / "events_good"
    original = good / "su7_small.csv" if name.endswith(".CSV") else bundled_event_path("tesla")
    (tmp_path / name).write_bytes(original.read_bytes())
    monkeypatch.chdir(tmp_path)
    code, out, err = _cli(capsys, "events", "validate", name)
    assert code == 0, err
    assert out.startswith("ok: ")


def test_zero_volume_bars_are_reported_not_dropped(prices_dir, tmp_path, capsys) -> None:
    data = _base(prices_dir, start="2024-12-02", end="2025-02-28")
    data["events"] = None
    config = _write(tmp_path / "c.yaml", data)
    code, _, err = _cli(capsys, "run", str(config), "--out", str(tmp_path / "out"))
    assert code == 0
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert notes == [
        "note: 3 zero-volume bars kept as bars (1810.HK 3: 2024-12-24, 2024-12-31, 2025-01-28)"
    ]
    assert "WARNING" not in err
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert doc["run"]["zero_volume_bars"] == {
        "1810.HK": ["2024-12-24", "2024-12-31", "2025-01-28"],
        "^HSI": [],
    }
    equity = pd.read_csv(tmp_path / "out" / "equity.csv", index_col=0)
    assert {"2024-12-24", "2024-12-31", "2025-01-28"} <= set(equity.index)  # bars, not gaps


PEEK = """\
from recall_risk.bt import RiskStrategy


class Peek(RiskStrategy):
    def next(self):
        if self.data.close[1] > self.data.close[0]:  # reads tomorrow: fails on the last bar
            self.set_target(1.0)
"""


def test_a_strategy_reading_past_the_last_bar_is_its_own_bug(prices_dir, tmp_path, capsys):
    (tmp_path / "peek.py").write_text(PEEK, encoding="utf-8")
    data = _base(prices_dir, start="2025-01-02", end="2025-03-31")
    data["strategies"] = [{"name": "peek", "strategy": "peek.py:Peek"}]
    config = _write(tmp_path / "c.yaml", data)
    code, _, err = _cli(capsys, "run", str(config), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "field 'strategies[0].strategy': strategy 'peek.py:Peek' raised IndexError" in err
    assert f"{tmp_path / 'peek.py'}:6 in next" in err  # the user's line, not backtrader's
    assert "needs more bars" not in err and "Traceback" not in err


def test_exponent_numbers_are_numbers_quoted_ones_text(prices_dir, tmp_path) -> None:
    text = yaml.safe_dump(_base(prices_dir), sort_keys=False)
    path = tmp_path / "c.yaml"
    path.write_text(text + "broker: {cash: 1e5, commission: 1e-3}\n", encoding="utf-8")
    config = load_config(path)
    assert config.broker.cash == 100_000.0 and config.broker.commission == 0.001
    assert yaml.safe_load("x: 1e5") == {"x": "1e5"}  # PyYAML itself is left as it is
    path.write_text(text + 'broker: {cash: "1e5"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"field 'broker.cash'.*got '1e5'"):
        load_config(path)


def test_merge_refuses_two_benchmarks_and_keeps_the_one_given() -> None:
    bundled = load_events("xiaomi_su7")  # benchmark ^HSI
    other = bundled.replace_events([]).__class__(
        company="Xiaomi", ticker="1810.HK", benchmark="^GSPC", events=(), source="mine.yaml"
    )
    with pytest.raises(EventFileError, match=r"benchmark \^HSI but mine.yaml gives \^GSPC"):
        merge_event_sets([bundled, other], where="x")
    silent = other.__class__(company="Xiaomi", ticker="1810.HK", benchmark=None, events=())
    assert merge_event_sets([silent, bundled]).benchmark == "^HSI"
