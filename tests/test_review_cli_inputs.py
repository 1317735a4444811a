"""Review of bad command-line input: each mistake is one message naming what was wrong, exit 2."""

from __future__ import annotations

import pytest

from recall_risk.cli import main


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
