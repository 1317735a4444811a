"""``compare_runs`` and ``recall-risk run`` / ``recall-risk compare`` through the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from recall_risk.cli import main
from recall_risk.errors import ConfigError
from recall_risk.metrics import METRIC_NAMES
from recall_risk.report import compare_runs, render_markdown, render_text, write_comparison

# the module's shared run is made once, on one worker (see --dist loadgroup)
pytestmark = pytest.mark.xdist_group("compare")

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "configs" / "xiaomi_su7.yaml"


@pytest.fixture(scope="module")
def runs(prices_dir, tmp_path_factory) -> dict[str, Path]:
    """Two real runs over the same range (via the CLI) and a copy claiming another range."""
    base = tmp_path_factory.mktemp("runs")
    for name in ("a", "b"):
        code = main(
            [
                "run",
                str(CONFIG),
                "--prices-dir",
                str(prices_dir),
                "--out",
                str(base / name),
                "--quiet",
            ]
        )
        assert code == 0
    shifted = base / "shifted"
    shutil.copytree(base / "a", shifted)
    doc = json.loads((shifted / "metrics.json").read_text(encoding="utf-8"))
    doc["run"]["data_range"] = {"start": "2021-01-04", "end": "2026-03-25"}
    doc["strategies"]["risk_exit"]["sharpe"] = 9.0
    doc["strategies"]["risk_exit"]["evidence"]["thin"] = False  # as if on enough round trips
    (shifted / "metrics.json").write_text(json.dumps(doc), encoding="utf-8")
    return {"a": base / "a", "b": base / "b", "shifted": shifted}


def test_rows_are_run_slash_strategy(runs):
    comparison = compare_runs([runs["a"], runs["b"]])
    rows = comparison.rows()
    assert list(rows)[:2] == ["a/buy_and_hold", "a/risk_exit"]
    assert "a/benchmark" in rows and "b/sma_cross_risk" in rows
    assert len(rows) == 12
    assert not comparison.mismatched


def test_same_folder_twice_gets_distinct_labels(runs):
    comparison = compare_runs([runs["a"], runs["a"]])
    assert [r.label for r in comparison.runs] == ["a", "a-2"]


def test_mismatch_refused_with_runs_and_ranges(runs):
    with pytest.raises(ConfigError) as info:
        compare_runs([runs["a"], runs["shifted"]])
    message = str(info.value)
    assert str(runs["a"]) in message and str(runs["shifted"]) in message
    assert "2024-04-02 .. 2026-03-25" in message and "2021-01-04 .. 2026-03-25" in message
    assert "--allow-mismatch" in message


def test_mismatch_allowed(runs):
    comparison = compare_runs([runs["a"], runs["shifted"]], allow_mismatch=True)
    assert comparison.mismatched
    assert "different data ranges" in render_markdown(comparison)


def test_best_highlighted(runs):
    comparison = compare_runs([runs["a"], runs["shifted"]], allow_mismatch=True)
    best = comparison.best()
    assert best["sharpe"] == {"shifted/risk_exit"}
    assert "exposure" not in best and "beta" not in best  # no direction, no highlight
    markdown = render_markdown(comparison)
    line = next(x for x in markdown.splitlines() if x.startswith("| shifted/risk_exit |"))
    assert "**9.0000**" in line
    table = render_text(comparison)
    sharpe = next(c for c in table.columns if c.header == "sharpe")
    labels = [str(c) for c in table.columns[0].cells]
    cell = list(sharpe.cells)[labels.index("shifted/risk_exit")]
    assert "bold" in str(cell.style)


def test_lower_is_better_for_drawdown(runs):
    comparison = compare_runs([runs["a"]])
    rows = comparison.rows()
    # among the contenders: neither the benchmark nor rows on thin evidence can be best
    contenders = [k for k in rows if not k.endswith("/benchmark") and k not in comparison.thin()]
    lowest = min(rows[k]["max_drawdown"] for k in contenders)
    assert {rows[label]["max_drawdown"] for label in comparison.best()["max_drawdown"]} == {lowest}


def test_missing_metrics_json_names_the_file(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"empty/metrics\.json: no such file"):
        compare_runs([tmp_path / "empty"])


def test_missing_folder(tmp_path):
    with pytest.raises(ConfigError, match="no such run folder"):
        compare_runs([tmp_path / "nope"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", r"invalid JSON at line 1"),
        ("[]", r"top level is a list"),
        ('{"strategies": {}}', r"field 'run' is missing"),
        (
            '{"run": {"data_range": {"start": "2024-01-01"}}, "strategies": {}}',
            r"run\.data_range\.end",
        ),
        ('{"run": {"data_range": {"start": "a", "end": "b"}}, "strategies": []}', r"'strategies'"),
    ],
)
def test_malformed_metrics_json(tmp_path, text, expected):
    (tmp_path / "metrics.json").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected) as info:
        compare_runs([tmp_path])
    assert str(tmp_path / "metrics.json") in str(info.value)


def test_malformed_equity_csv_names_the_file(runs, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(runs["a"], broken)
    (broken / "equity.csv").write_text("date,x\nnot-a-date,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken/equity\.csv"):
        compare_runs([broken])


def test_write_comparison(runs, tmp_path):
    comparison = compare_runs([runs["a"], runs["b"]])
    written = write_comparison(comparison, tmp_path / "cmp")
    assert [p.name for p in written] == ["compare.csv", "compare.html", "compare.md"]
    frame = pd.read_csv(tmp_path / "cmp" / "compare.csv")
    assert list(frame.columns) == ["run", "strategy", "data_start", "data_end", *METRIC_NAMES]
    assert len(frame) == 12
    html = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "<script src" not in html and html.count("Plotly.newPlot") == 1
    assert "<th>a/risk_exit</th>" in html  # a metrics column
    assert "a\\u002frisk_exit" in html  # an overlaid curve (plotly JSON escapes "/")
    assert [p.name for p in tmp_path.iterdir()] == ["cmp"]
    again = write_comparison(comparison, tmp_path / "cmp")
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]


def test_cli_compare_table_and_markdown(runs, tmp_path, capsys):
    code = main(["compare", str(runs["a"]), str(runs["b"]), "--out", str(tmp_path / "c")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "a/risk_exit" in out and "wrote 3 files" in out
    code = main(["compare", str(runs["a"]), str(runs["b"]), "--format", "markdown"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.startswith("# Run comparison") and "| run/strategy | final_value |" in out


def test_cli_compare_mismatch_exit_codes(runs, capsys):
    code = main(["compare", str(runs["a"]), str(runs["shifted"])])
    _, err = capsys.readouterr()
    assert code == 2 and "different data ranges" in err and "Traceback" not in err
    assert main(["compare", str(runs["a"]), str(runs["shifted"]), "--allow-mismatch"]) == 0


def test_cli_compare_missing_file_exit_2(tmp_path, capsys):
    code = main(["compare", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "metrics.json" in err


def test_cli_run_writes_report(runs, capsys):
    assert sorted(p.name for p in runs["a"].iterdir()) == [
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
    assert (runs["a"] / "metrics.json").read_bytes() == (runs["b"] / "metrics.json").read_bytes()


def test_cli_run_refuses_foreign_out_folder(prices_dir, tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x", encoding="utf-8")
    code = main(
        ["run", str(CONFIG), "--prices-dir", str(prices_dir), "--out", str(tmp_path), "--quiet"]
    )
    _, err = capsys.readouterr()
    assert code == 2 and "metrics.json" in err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_cli_run_bad_config_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndata: {tickers: [A]}\n", encoding="utf-8")
    code = main(["run", str(bad), "--out", str(tmp_path / "o"), "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2 and str(bad) in err
    assert not (tmp_path / "o").exists()


def test_final_value_not_ranked_across_different_starting_cash(runs, tmp_path):
    rich = tmp_path / "rich"
    shutil.copytree(runs["b"], rich)
    doc = json.loads((rich / "metrics.json").read_text(encoding="utf-8"))
    doc["run"]["config"]["broker"]["cash"] = 1_000_000
    for entry in doc["strategies"].values():
        entry["final_value"] *= 10
    (rich / "metrics.json").write_text(json.dumps(doc), encoding="utf-8")
    assert "final_value" in compare_runs([runs["a"], runs["b"]]).best()
    mixed = compare_runs([runs["a"], rich]).best()
    assert "final_value" not in mixed  # ten times the cash is not ten times better
    assert "total_return" in mixed and "sharpe" in mixed


def _edited(source: Path, target: Path, edit) -> Path:
    shutil.copytree(source, target)
    doc = json.loads((target / "metrics.json").read_text(encoding="utf-8"))
    edit(doc)
    (target / "metrics.json").write_text(json.dumps(doc), encoding="utf-8")
    return target


def _changed(doc: dict) -> None:
    doc["run"]["config"]["broker"]["commission"] = 0.002
    doc["run"]["config"]["strategies"][1]["params"]["exit_above"] = 0.5
    doc["strategies"]["risk_exit"]["params"]["exit_above"] = 0.5
    doc["run"]["score_params"]["half_life_days"]["recall"] = 30.0
    doc["strategies"]["risk_exit"]["sharpe"] += 0.25
    doc["strategies"]["risk_exit"]["total_return"] -= 0.1


def test_differences_show_only_the_changed_config_values(runs, tmp_path):
    changed = _edited(runs["a"], tmp_path / "v2", _changed)
    comparison = compare_runs([runs["a"], changed])
    assert comparison.differences() == {
        "broker.commission": {"a": "0.001", "v2": "0.002"},
        "score.half_life_days.recall": {"a": "90.0", "v2": "30.0"},
        "strategies.risk_exit.exit_above": {"a": "0.6", "v2": "0.5"},
    }
    assert compare_runs([runs["a"], runs["b"]]).differences() == {}
    markdown = render_markdown(comparison)
    assert "## What differs" in markdown
    assert "| strategies.risk_exit.exit_above | 0.6 | 0.5 |" in markdown


def test_deltas_against_the_first_run_or_base(runs, tmp_path):
    changed = _edited(runs["a"], tmp_path / "v2", _changed)
    deltas = compare_runs([runs["a"], changed]).deltas()
    assert set(deltas) == {f"v2/{name}" for name in compare_runs([runs["a"]]).runs[0].strategies}
    assert deltas["v2/risk_exit"]["sharpe"] == pytest.approx(0.25)
    assert deltas["v2/risk_exit"]["total_return"] == pytest.approx(-0.1)
    assert deltas["v2/buy_and_hold"]["sharpe"] == 0.0
    flipped = compare_runs([runs["a"], changed], base=str(changed))
    assert flipped.base_label() == "v2"
    assert flipped.deltas()["a/risk_exit"]["sharpe"] == pytest.approx(-0.25)
    markdown = render_markdown(flipped)
    assert "## Against v2" in markdown and "| a/risk_exit |" in markdown
    assert "-10.00 pp" in render_markdown(compare_runs([runs["a"], changed]))
    with pytest.raises(ConfigError, match="--base nope: not one of the compared runs"):
        compare_runs([runs["a"], changed], base="nope")


def test_benchmark_is_never_best(runs, tmp_path):
    def strong_benchmark(doc: dict) -> None:
        doc["benchmark"]["sharpe"] = 99.0
        doc["benchmark"]["max_drawdown"] = 0.0001

    odd = _edited(runs["a"], tmp_path / "odd", strong_benchmark)
    comparison = compare_runs([odd])
    best = comparison.best()
    assert "odd/benchmark" not in set().union(*best.values())
    assert best["sharpe"] and "odd/benchmark" not in best["sharpe"]
    html = render_html_of(comparison)
    assert '<td class="best">99.0000</td>' not in html


def render_html_of(comparison) -> str:
    from recall_risk.report.compare_render import render_html

    return render_html(comparison)


def test_different_tickers_refused_without_allow_mismatch(runs, tmp_path, capsys):
    def other_ticker(doc: dict) -> None:
        doc["run"]["tickers"] = ["TSLA"]
        doc["run"]["config"]["data"]["tickers"] = ["TSLA"]

    tesla = _edited(runs["a"], tmp_path / "tesla", other_ticker)
    with pytest.raises(ConfigError, match="runs trade different tickers") as info:
        compare_runs([runs["a"], tesla])
    assert "1810.HK" in str(info.value) and "TSLA" in str(info.value)
    assert compare_runs([runs["a"], tesla], allow_mismatch=True).mismatched
    code = main(["compare", str(runs["a"]), str(tesla)])
    assert code == 2 and "--allow-mismatch" in capsys.readouterr().err


def test_terminal_tables_fit_100_columns(runs, tmp_path):
    from io import StringIO

    from rich.console import Console

    from recall_risk.report.compare_render import render_changes

    changed = _edited(runs["a"], tmp_path / "xiaomi_su7_exit_above_05", _changed)
    comparison = compare_runs([runs["a"], changed])
    console = Console(width=100, record=True, file=StringIO())
    console.print(render_changes(comparison))
    console.print(render_text(comparison))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "…" not in text
    assert "+25.00" not in text and "+0.2500" in text  # sharpe delta, not percent
    assert "-10.00 pp" in text  # total_return delta in percentage points


def test_cli_compare_base_option(runs, tmp_path, capsys):
    changed = _edited(runs["a"], tmp_path / "v2", _changed)
    code = main(["compare", str(runs["a"]), str(changed), "--base", "v2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "What differs" in out and "v2 (base)" in out
    code = main(["compare", str(runs["a"]), str(changed), "--base", "zzz"])
    assert code == 2 and "not one of the compared runs" in capsys.readouterr().err


def test_rows_on_thin_evidence_are_never_best(runs):
    comparison = compare_runs([runs["a"]])
    thin = comparison.thin()  # the Xiaomi run trades 1-4 round trips per strategy
    assert "a/risk_exit" in thin and "a/buy_and_hold" not in thin
    assert not set(thin) & set().union(*comparison.best().values())
    assert comparison.best()["sharpe"] == {"a/buy_and_hold"}
    assert "† too few round trips or events" in render_markdown(comparison)


def test_deltas_that_round_to_zero_show_no_minus_sign():
    from recall_risk.report.compare_render import format_delta

    # float noise between equal figures (seen: max drawdown -0.00 pp between two runs)
    assert format_delta("max_drawdown", -1e-17) == "+0.00 pp"
    assert format_delta("sharpe", -1e-9) == "+0.0000"
    assert format_delta("total_return", -0.9158) == "-91.58 pp"
    assert format_delta("trades", 1.0) == "+1"
