"""``recall-risk study`` on the real shared prices: output, files, determinism, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from recall_risk.cli import main
from recall_risk.scoring import ScoreParams, load_score_params


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # without --out, study writes runs/<events>-study/ here


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["study", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _event_file(tmp_path: Path, events: list[dict], benchmark: str | None = "^HSI") -> Path:
    data = {"company": "Xiaomi", "ticker": "1810.HK", "events": events}
    if benchmark:
        data["benchmark"] = benchmark
    path = tmp_path / "events.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _incident(event_id: str, announced: str) -> dict:
    return {
        "id": event_id,
        "type": "incident",
        "announced": announced,
        "fatalities": 1,
        "source": "test",
    }


def test_xiaomi_table_and_files(prices_dir, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code, text, _ = _run(capsys, "xiaomi_su7", "--prices-dir", str(prices_dir), "--out", str(out))
    assert code == 0
    crash = next(line for line in text.splitlines() if "crash-2025-03-29" in line)
    assert "2025-03-31" in crash and "-6.31%" in crash and "-8.70%" in crash
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "car_path.html",
        "car_path.png",
        "study.md",
        "study_ar.csv",
        "study_events.csv",
        "study_summary.csv",
    ]
    events = pd.read_csv(out / "study_events.csv")
    assert len(events) == 14 and set(events["status"]) == {"ok"}
    row = events.set_index("id").loc["crash-2025-03-29"]
    assert row["ar_d1"] < -0.06 and row["p_d1"] < 0.01
    assert row["car_0_+1"] < -0.08 and row["p_0_+1"] < 0.01
    assert row["overlaps"] == "dlv-2025-03"
    ar = pd.read_csv(out / "study_ar.csv")
    assert len(ar) == 14 * 7 and set(ar["day"]) == set(range(-1, 6))
    summary = pd.read_csv(out / "study_summary.csv")
    assert summary["group"].iloc[0] == "all" and summary["n"].iloc[0] == 14
    markdown = (out / "study.md").read_text(encoding="utf-8")
    assert "| crash-2025-03-29 | incident |" in markdown
    assert (out / "car_path.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "car_path.html").read_text(encoding="utf-8")
    assert 'id="car-path"' in page and "plotly.js (basic - minified)" in page  # 1.2 MB, not 4.8


def test_outputs_are_deterministic(prices_dir, tmp_path, capsys) -> None:
    dirs = [tmp_path / "a", tmp_path / "b"]
    for folder in dirs:
        args = ["xiaomi_su7", "--prices-dir", str(prices_dir), "--out", str(folder)]
        assert _run(capsys, *args, "--against-score")[0] == 0
    for name in sorted(p.name for p in dirs[0].iterdir()):
        assert (dirs[0] / name).read_bytes() == (dirs[1] / name).read_bytes(), name


def test_peers_and_against_score(prices_dir, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code, text, _ = _run(
        capsys,
        "xiaomi_su7",
        "--prices-dir",
        str(prices_dir),
        "--peers",
        "1211.HK,2015.HK",
        "--against-score",
        "--out",
        str(out),
    )
    assert code == 0
    assert "1211.HK vs ^HSI (peer, around 1810.HK events)" in text
    assert "Spearman's rho" in text and "14 events" in text
    events = pd.read_csv(out / "study_events.csv")
    assert list(dict.fromkeys(events["ticker"])) == ["1810.HK", "1211.HK", "2015.HK"]
    jumps = pd.read_csv(out / "against_score.csv")
    assert len(jumps) == 14 and (jumps["score_jump"] >= 0).all()
    assert "Does the score predict the CAR?" in (out / "study.md").read_text(encoding="utf-8")


def test_calibrate_writes_loadable_params_and_warns(prices_dir, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code, _, err = _run(
        capsys, "xiaomi_su7", "--prices-dir", str(prices_dir), "--calibrate", "--out", str(out)
    )
    assert code == 0
    assert "WARNING: only 14 events" in err
    path = out / "score_params.yaml"
    text = path.read_text(encoding="utf-8")
    assert "# WARNING: only 14 events" in text
    params = load_score_params(path)
    assert isinstance(params, ScoreParams)
    assert ScoreParams.from_mapping(yaml.safe_load(text)) == params
    assert max(params.weights.model_dump().values()) == 1.0


def test_without_out_writes_under_runs_like_the_other_commands(prices_dir, capsys) -> None:
    # (was: --calibrate without --out exited 2; study now always writes, default runs/...)
    code, text, err = _run(capsys, "xiaomi_su7", "--prices-dir", str(prices_dir), "--calibrate")
    assert code == 0, err
    out = Path("runs") / "xiaomi_su7-study"
    assert (out / "study_events.csv").is_file() and (out / "score_params.yaml").is_file()
    assert "wrote" in text and str(out) in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "3,1"], "--window: first day 3 is after last day 1"),
        (["--window", "x"], "--window: expected two whole numbers"),
        (["--car-window", "0,9"], "CAR window [0,+9] is not inside the event window"),
        (["--gap-days", "0"], "--gap-days: 0 would let the estimation window overlap"),
        (["--benchmark", "^NOPE"], "no price file for ^NOPE"),
        (["--peers", "NOPE.HK"], "no price file for NOPE.HK"),
    ],
)
def test_bad_options_exit_2(prices_dir, capsys, args, message) -> None:
    code, _, err = _run(capsys, "xiaomi_su7", "--prices-dir", str(prices_dir), *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_unknown_event_set_and_missing_prices_dir(tmp_path, capsys) -> None:
    code, _, err = _run(capsys, "xiaomi_su8", "--prices-dir", str(tmp_path))
    assert code == 2 and "did you mean 'xiaomi_su7'" in err
    code, _, err = _run(capsys, "xiaomi_su7", "--prices-dir", str(tmp_path / "nope"))
    assert code == 2 and "no such folder" in err


def test_events_outside_price_range_are_skipped_with_reason(prices_dir, tmp_path, capsys) -> None:
    path = _event_file(
        tmp_path,
        [
            _incident("too-early", "2018-08-01"),
            _incident("crash", "2025-03-31"),
            _incident("too-late", "2030-01-02"),
        ],
    )
    code, text, _ = _run(capsys, str(path), "--prices-dir", str(prices_dir))
    assert code == 0
    assert "skipped too-early (2018-08-01): estimation window lacks data" in text
    assert "skipped too-late (2030-01-02): day 0 would be after the last common trading day" in text


def test_no_event_studied_exits_2(prices_dir, tmp_path, capsys) -> None:
    path = _event_file(tmp_path, [_incident("too-early", "2018-08-01")])
    code, text, err = _run(capsys, str(path), "--prices-dir", str(prices_dir))
    assert code == 2
    assert "skipped too-early" in text and "no event" in err


def test_event_file_without_benchmark(prices_dir, tmp_path, capsys) -> None:
    path = _event_file(tmp_path, [_incident("crash", "2025-03-31")], benchmark=None)
    code, _, err = _run(capsys, str(path), "--prices-dir", str(prices_dir))
    assert code == 2 and "pass --benchmark TICKER" in err
    code, text, _ = _run(capsys, str(path), "--prices-dir", str(prices_dir), "--benchmark", "^HSI")
    assert code == 0 and "-6.31%" in text


@pytest.mark.parametrize("form", [["--window", "-2,3"], ["--window=-2,3"]])
def test_negative_window_parses_and_csv_has_standard_windows(
    prices_dir, tmp_path, capsys, form
) -> None:
    out = tmp_path / "out"
    code, text, _ = _run(
        capsys,
        "xiaomi_su7",
        "--prices-dir",
        str(prices_dir),
        *form,
        "--car-window",
        "-1,1",
        "--out",
        str(out),
    )
    assert code == 0 and "window [-2,+3]" in text and "CAR [-1,+1]" in text
    columns = pd.read_csv(out / "study_events.csv").columns
    for key in ("-1_+1", "0_0", "0_+1", "-2_+3"):
        assert {f"car_{key}", f"t_{key}", f"p_{key}"} <= set(columns)
    assert set(pd.read_csv(out / "study_ar.csv")["day"]) == set(range(-2, 4))


def test_terminal_table_fits_100_columns(prices_dir) -> None:
    from io import StringIO

    from rich.console import Console

    from recall_risk.cli.study_cmd import _print_result
    from recall_risk.events import load_events
    from recall_risk.prices import CsvDirectorySource
    from recall_risk.study.data import study_event_set

    (result,) = study_event_set(load_events("xiaomi_su7"), CsvDirectorySource(prices_dir))
    console = Console(width=100, record=True, file=StringIO())
    _print_result(console, result)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "…" not in text
    assert "chengdu-crash-2025-10-13" in text and "-8.70%" in text
    assert "crash-2025-03-29: overlaps dlv-2025-03" in text  # notes under the table
