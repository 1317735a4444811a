"""Review of bad command-line input: each mistake is one message naming what was wrong, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recall_risk.cli import main

TESTS_DATA = Path(__file__).resolve().parent / "data"


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
