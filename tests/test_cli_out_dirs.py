"""Output folders: an --out that cannot be created (under a file, in a read-only folder)
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


@pytest.mark.parametrize(
    ("command", "config"),
    [
        ("run", "xiaomi_su7.yaml"),
        ("sweep", "xiaomi_su7_sweep.yaml"),
        ("walkforward", "xiaomi_su7_sweep.yaml"),
        ("study", None),
    ],
)
def test_a_bad_out_is_refused_before_any_work(command, config, tmp_path, capsys, monkeypatch):
    """An --out that is a file fails before prices are loaded (a sweep could run for hours)."""
    from recall_risk.prices import CsvDirectorySource

    def no_prices(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("prices were loaded before --out was checked")

    monkeypatch.setattr(CsvDirectorySource, "load", no_prices)
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    target = str(REPO / "configs" / config) if config else "xiaomi_su7"
    code, _, err = _cli(
        capsys, command, target, "--prices-dir", str(tmp_path), "--out", str(blocker)
    )
    assert code == 2, err
    assert (
        err == f"error: {blocker}: output path exists and is not a folder; choose another --out\n"
    )


def test_check_output_dir_names_a_file_in_the_way(tmp_path) -> None:
    from recall_risk.report.atomic import check_output_dir

    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"{blocker} is a file; choose a writable --out"):
        check_output_dir(blocker / "deeper" / "out", marker="m.json")
    check_output_dir(tmp_path / "new" / "out", marker="m.json")  # creatable: fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]  # nothing created
