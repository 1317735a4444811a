"""``write_report`` on a real run: every file, metrics.json schema and determinism, CSV shapes."""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from recall_risk.config import config_from_mapping
from recall_risk.metrics import METRIC_NAMES
from recall_risk.report import write_report
from recall_risk.report.tables import TRADE_COLUMNS
from recall_risk.runner import run_config

# the module's shared runs are made once, on one worker (see --dist loadgroup)
pytestmark = pytest.mark.xdist_group("report_writer")

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "recall_risk" / "data" / "events"

ALL_FILES = [
    "equity.csv",
    "equity.png",
    "metrics.csv",
    "metrics.json",
    "report.html",
    "returns.csv",
    "score.csv",
    "summary.md",
    "trades.csv",
]


def make_config(folder: Path, **report: object):
    """A short Xiaomi run whose events are a file next to the config (a relative path)."""
    events = folder / "events" / "xiaomi.yaml"
    events.parent.mkdir(parents=True, exist_ok=True)
    events.write_text((BUNDLED / "xiaomi_su7.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    data = {
        "name": "xiaomi_short",
        "description": "test run",
        "data": {
            "tickers": ["1810.HK"],
            "benchmark": "^HSI",
            "start": "2024-10-01",
            "end": "2025-12-31",
        },
        "events": "events/xiaomi.yaml",
        "strategies": [
            {"name": "hold", "strategy": "buy_and_hold"},
            {"name": "exit", "strategy": "risk_exit", "params": {"exit_above": 0.6}},
            {"name": "sma", "strategy": "sma_cross", "params": {"fast": 10, "slow": 30}},
        ],
        "report": dict(report),
    }
    (folder / "run.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    config = config_from_mapping(data, source=str(folder / "run.yaml"), base_dir=folder)
    return config.model_copy(update={"source_path": folder / "run.yaml"})


@pytest.fixture(scope="module")
def result(prices_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cfg")
    return run_config(make_config(folder), prices_dir=prices_dir)


@pytest.fixture(scope="module")
def report_dir(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rep") / "run"
    write_report(result, out)
    return out


def test_every_file_written_and_returned(result, tmp_path):
    written = write_report(result, tmp_path / "out")
    assert [p.name for p in written] == ALL_FILES
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ALL_FILES
    assert all(p.stat().st_size > 0 for p in written)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temp folders left


def test_metrics_json_schema(report_dir, result):
    doc = json.loads((report_dir / "metrics.json").read_text(encoding="utf-8"))
    assert set(doc) == {"run", "benchmark", "strategies"}
    run = doc["run"]
    for key in ("config", "data_range", "versions", "input_hashes", "score_params"):
        assert run[key], key
    assert run["data_range"] == result.meta["data_range"]
    assert list(doc["strategies"]) == ["exit", "hold", "sma"]  # sorted keys
    for entry in [*doc["strategies"].values(), doc["benchmark"]]:
        for metric in METRIC_NAMES:
            assert metric in entry, metric
        assert entry["max_drawdown"] >= 0
        assert entry["final_value"] > 0
    assert doc["benchmark"]["ticker"] == "^HSI"
    assert doc["strategies"]["exit"]["params"] == {"exit_above": 0.6}
    assert doc["strategies"]["hold"]["win_rate"] is None  # no closed trade: null, not NaN
    assert doc["strategies"]["sma"]["alpha"] == pytest.approx(
        result.strategies["sma"].metrics["alpha"], rel=1e-10
    )


def test_metrics_json_is_canonical_and_has_no_absolute_paths(report_dir):
    text = (report_dir / "metrics.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"
    doc = json.loads(text)
    assert doc["run"]["config"]["events"] == "events/xiaomi.yaml"
    assert str(report_dir.parent.parent) not in text
    assert "/tmp" not in text


def test_byte_identical_on_rerun(result, report_dir, prices_dir, tmp_path):
    again = run_config(make_config(tmp_path / "elsewhere"), prices_dir=prices_dir)
    write_report(again, tmp_path / "again")
    for name in ("metrics.json", "metrics.csv", "equity.csv", "trades.csv", "score.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (report_dir / name).read_bytes(), name
    for name in ("summary.md", "report.html", "equity.png"):
        assert (tmp_path / "again" / name).read_bytes() == (report_dir / name).read_bytes(), name


def test_metrics_csv_rows(report_dir):
    frame = pd.read_csv(report_dir / "metrics.csv")
    assert list(frame.columns) == ["strategy", *METRIC_NAMES]
    assert frame["strategy"].tolist() == ["hold", "exit", "sma", "benchmark"]
    assert (frame["max_drawdown"] >= 0).all()


def test_equity_csv_columns(report_dir, result):
    frame = pd.read_csv(report_dir / "equity.csv", index_col="date", parse_dates=True)
    assert list(frame.columns) == ["hold", "exit", "sma", "benchmark"]
    hold = result.strategies["hold"].output.equity
    assert frame["hold"].dropna().to_numpy().tolist() == hold.to_numpy().tolist()  # exact
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    bench = result.benchmark.output.equity
    assert frame["benchmark"].dropna().index.equals(pd.DatetimeIndex(bench.index, name="date"))


def test_trades_csv(report_dir, result):
    frame = pd.read_csv(report_dir / "trades.csv")
    assert list(frame.columns) == list(TRADE_COLUMNS)
    for name, run in result.strategies.items():
        mine = frame[frame["strategy"] == name]
        assert (mine["kind"] == "fill").sum() == len(run.output.fills)
        assert (mine["kind"] == "trade").sum() == len(run.output.trades)
        closed = mine[mine["kind"] == "trade"]
        assert closed["pnl_net"].tolist() == pytest.approx(
            [t["pnl_net"] for t in run.output.trades]
        )
    fills = frame[frame["kind"] == "fill"]
    assert set(fills["side"]) <= {"buy", "sell"} and fills["price"].gt(0).all()


def test_score_csv_is_exact(report_dir, result):
    frame = pd.read_csv(report_dir / "score.csv", parse_dates=["date"])
    assert list(frame.columns) == [
        "date",
        "ticker",
        "score",
        "recall",
        "quality",
        "orders",
        "incident",
        "investigation",
        "regulatory",
    ]
    mine = frame[frame["ticker"] == "1810.HK"].set_index("date").drop(columns="ticker")
    seen = result.scores["1810.HK"]
    assert mine.to_numpy().tolist() == seen.to_numpy().tolist()
    assert list(mine.index) == list(pd.DatetimeIndex(seen.index))


def test_summary_md(report_dir, result):
    text = (report_dir / "summary.md").read_text(encoding="utf-8")
    span = result.meta["data_range"]
    assert f"{span['start']} .. {span['end']}" in text
    assert "| strategy | final_value |" in text
    for event in result.events["1810.HK"]:
        assert event.id in text
    assert "](" not in text and "http" not in text  # link-free


def test_report_html_self_contained(report_dir):
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<script src" not in text and 'src="http' not in text
    assert text.count("Plotly.newPlot") == 3  # overview, tearsheet, trades
    assert 'id="overview"' in text and 'id="trades"' in text
    assert '<td class="best">' in text
    assert "samr-2025-09-su7-l2" in text  # events are marked and listed


def test_extra_sections_appended(result, tmp_path):
    write_report(
        result, tmp_path / "r", extra_sections=[("Event <study>", "<table id='es'></table>")]
    )
    text = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Event &lt;study&gt;</h2>" in text
    assert text.index("<table id='es'></table>") > text.index('id="trades"')


@pytest.mark.parametrize(("html", "png"), [(False, True), (True, False), (False, False)])
def test_html_and_png_options_honoured(result, tmp_path, html, png):
    options = result.config.report.model_copy(update={"html": html, "png": png})
    config = result.config.model_copy(update={"report": options})
    from dataclasses import replace

    written = {p.name for p in write_report(replace(result, config=config), tmp_path / "o")}
    assert ("report.html" in written) is html
    assert ("equity.png" in written) is png
    assert {"metrics.json", "summary.md", "equity.csv"} <= written


def test_png_is_a_real_image(report_dir):
    import matplotlib.image as mpimg

    pixels = mpimg.imread(report_dir / "equity.png")
    assert pixels.shape[0] > 500 and pixels.shape[1] > 500
    colours = {tuple(p) for p in pixels[::7, ::7, :3].reshape(-1, 3).round(2).tolist()}
    assert len(colours) > 20


def test_json_floats_clean():
    from recall_risk.report.serialize import dumps_json

    text = dumps_json({"b": math.nan, "a": [math.inf, -0.0, 0.1 + 0.2]})
    assert text == '{\n  "a": [\n    null,\n    0.0,\n    0.3\n  ],\n  "b": null\n}\n'


def test_best_cell_highlighted_in_html(report_dir):
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    doc = json.loads((report_dir / "metrics.json").read_text(encoding="utf-8"))
    table = text[text.index('<table class="metrics">') :]
    header = re.findall(r"<th>(.*?)</th>", table[: table.index("</thead>")])[1:]
    row = re.search(r"<tr><th>sharpe</th>(.*?)</tr>", table).group(1)
    cells = re.findall(r"<td( class=\"best\")?>", row)
    best_columns = [header[i] for i, css in enumerate(cells) if css]
    runs = {**doc["strategies"], "benchmark ^HSI": doc["benchmark"]}
    # a run on too few trades or events is marked † and never best (weight of evidence)
    label = {name: f"{name} †" if runs[name]["evidence"]["thin"] else name for name in runs}
    solid = [name for name in runs if not runs[name]["evidence"]["thin"]]
    top = max(solid, key=lambda name: runs[name]["sharpe"])
    assert best_columns == [label[top]]
    assert sorted(label.values()) == sorted(header)


def test_multi_ticker_without_benchmark_or_events(prices_dir, tmp_path):
    data = {
        "name": "two_plain",
        "data": {"tickers": ["1211.HK", "9866.HK"], "start": "2025-01-02", "end": "2025-06-30"},
        "strategies": [{"name": "rot", "strategy": "risk_rotation", "params": {"tilt": 1.0}}],
    }
    config = config_from_mapping(data, source="inline", base_dir=tmp_path)
    result = run_config(config, prices_dir=prices_dir)
    written = write_report(result, tmp_path / "out")
    assert [p.name for p in written] == ALL_FILES
    doc = json.loads((tmp_path / "out" / "metrics.json").read_text(encoding="utf-8"))
    assert doc["benchmark"] is None and list(doc["strategies"]) == ["rot"]
    equity = pd.read_csv(tmp_path / "out" / "equity.csv")
    assert list(equity.columns) == ["date", "rot"]
    scores = pd.read_csv(tmp_path / "out" / "score.csv")
    assert sorted(set(scores["ticker"])) == ["1211.HK", "9866.HK"]
    assert (scores["score"] == 0).all()
    assert "No events." in (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Risk score 9866.HK" in html and "<p>No events.</p>" in html


def test_config_echo_keeps_paths_relative_to_the_config(tmp_path):
    from types import SimpleNamespace

    from recall_risk.report.document import config_echo

    data = {
        "name": "paths",
        "data": {
            "tickers": ["1810.HK"],
            "start": "2025-01-02",
            "end": "2025-06-30",
            "source": "csv",
            "prices_dir": "../data/prices",
        },
        "events": {"1810.HK": "events/x.yaml"},
        "strategies": [{"name": "hold", "strategy": "buy_and_hold"}],
    }
    folder = tmp_path / "configs"
    config = config_from_mapping(data, source="inline", base_dir=folder)
    config = config.model_copy(update={"source_path": folder / "paths.yaml"})
    assert Path(config.data.prices_dir).is_absolute()  # the loader resolves it ...
    echo = config_echo(SimpleNamespace(config=config))
    assert echo["data"]["prices_dir"] == "../data/prices"  # ... the echo does not
    assert echo["events"] == {"1810.HK": "events/x.yaml"}


def test_png_needs_no_display_and_leaves_pyplot_alone(prices_dir, tmp_path):
    """equity.png is drawn on an Agg canvas of its own: no display, no pyplot, no backend switch."""
    import subprocess
    import sys

    script = f"""
import sys
import matplotlib
from pathlib import Path
from recall_risk.config import load_config
from recall_risk.report.png import write_png
from recall_risk.runner import run_config
before = matplotlib.get_backend()
config = load_config({str(REPO / "configs" / "xiaomi_su7.yaml")!r})
config = config.model_copy(update={{"strategies": config.strategies[:1]}})
result = run_config(config, prices_dir=Path({str(prices_dir)!r}))
write_png(result, Path({str(tmp_path)!r}) / "e.png")
print(before == matplotlib.get_backend(), "matplotlib.pyplot" in sys.modules)
"""
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env["MPLBACKEND"] = "svg"  # a caller's choice that must survive
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]
    assert (tmp_path / "e.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
