"""Bad command-line input: each mistake is one message naming what was wrong, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recall_risk.cli import main

TESTS_DATA = Path(__file__).resolve().parent / "data"
REPO = TESTS_DATA.parents[1]


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("command", [("events", "validate"), ("events", "show"), ("score",)])
def test_event_path_that_is_a_folder_says_so(command, tmp_path, capsys) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    code, _, err = _cli(capsys, *command, f"{folder}/")
    assert code == 2
    assert f"{folder}: is a folder; expected an event file (.yaml or .csv)" in err
    assert "no such" not in err


MULTI = TESTS_DATA / "events_good" / "multi.csv"


def test_score_picks_one_ticker_of_a_multi_ticker_csv(capsys) -> None:
    code, out, err = _cli(
        capsys,
        "score",
        str(MULTI),
        "--ticker",
        "TSLA",
        "--explain",
        "2025-12-31",
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["ticker"] == "TSLA"


def test_score_of_a_multi_ticker_csv_without_ticker_names_the_option(capsys) -> None:
    code, _, err = _cli(capsys, "score", str(MULTI), "--start", "2025-01-01", "--end", "2025-01-31")
    assert code == 2
    assert "holds events for 3 tickers (2015.HK, 9868.HK, TSLA)" in err
    assert "--ticker TICKER" in err


def test_score_ticker_not_in_the_file_is_refused(capsys) -> None:
    code, _, err = _cli(
        capsys, "score", "xiaomi_su7", "--ticker", "TSLA", "--explain", "2025-01-01"
    )
    assert code == 2
    assert err == (
        "error: xiaomi_su7: holds events for ticker 1810.HK, not 'TSLA'; "
        "drop --ticker or name another file\n"
    )


def test_config_naming_a_multi_ticker_csv_says_how_to_map_it(prices_dir, tmp_path, capsys) -> None:
    import yaml

    config = tmp_path / "multi.yaml"
    data = yaml.safe_load((REPO / "configs" / "tesla.yaml").read_text(encoding="utf-8"))
    data["events"] = str(MULTI)
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    code, _, err = _cli(capsys, "run", str(config), "--prices-dir", str(prices_dir))
    assert code == 2
    assert err == (
        f"error: {config}: field 'events': {MULTI} holds events for 3 tickers "
        f"(2015.HK, 9868.HK, TSLA); map the ones to use, e.g. events: {{TSLA: {MULTI}}}\n"
    )
    assert "--ticker" not in err and not (tmp_path / "runs").exists()
