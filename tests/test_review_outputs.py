"""Review of output folders: an --out that cannot be created (under a file, in a read-only folder)
is one clear message naming it, exit 2, no traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from recall_risk.cli import main
from recall_risk.errors import ConfigError
from recall_risk.report.atomic import atomic_dir

REPO = Path(__file__).resolve().parents[1]


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_atomic_dir_under_a_file_is_a_config_error(tmp_path) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    with (
        pytest.raises(ConfigError, match="cannot create the output folder") as info,
        atomic_dir(blocker / "out", marker="m.json"),
    ):
        pass
    assert str(blocker / "out") in str(info.value) and "--out" in str(info.value)


def test_atomic_dir_in_a_read_only_folder_is_a_config_error(tmp_path, monkeypatch) -> None:
    # root ignores permission bits, so the refusal of a read-only folder is simulated
    def refuse(*_args: object, **_kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with (
        pytest.raises(ConfigError, match=r"Permission denied \(in .*\); choose a writable --out"),
        atomic_dir(tmp_path / "out", marker="m.json"),
    ):
        pass
    assert list(tmp_path.iterdir()) == []


def test_run_with_out_under_a_file_exits_2_without_traceback(prices_dir, tmp_path, capsys) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = _cli(
        capsys,
        "run",
        str(REPO / "configs" / "xiaomi_su7.yaml"),
        "--prices-dir",
        str(prices_dir),
        "--out",
        str(blocker / "run"),
    )
    assert code == 2
    assert err.startswith(f"error: {blocker / 'run'}: cannot create the output folder")
    assert "Traceback" not in err
