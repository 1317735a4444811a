"""Report folders are replaced atomically: a failure leaves the previous report or nothing."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from recall_risk.config import load_config
from recall_risk.errors import ConfigError
from recall_risk.report import write_report
from recall_risk.report import writer as writer_module
from recall_risk.report.atomic import atomic_dir, check_output_dir, output_lock, recover_output
from recall_risk.runner import run_config

REPO = Path(__file__).resolve().parents[1]


class BoomError(RuntimeError):
    pass


def _boom(*_args: object, **_kwargs: object) -> None:
    raise BoomError("renderer failed")


@pytest.fixture(scope="module")
def result(prices_dir):
    config = load_config(REPO / "configs" / "xiaomi_su7.yaml")
    return run_config(
        config.model_copy(update={"strategies": config.strategies[:2]}), prices_dir=prices_dir
    )


@pytest.fixture(scope="module")
def light(result):
    """The same run with report.html and equity.png switched off (fast to write)."""
    options = result.config.report.model_copy(update={"html": False, "png": False})
    return replace(result, config=result.config.model_copy(update={"report": options}))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_failure_on_first_write_leaves_nothing(result, tmp_path, monkeypatch):
    monkeypatch.setattr(writer_module, "write_png", _boom)
    with pytest.raises(BoomError):
        write_report(result, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_previous_report(result, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_report(result, out)
    before = _snapshot(out)
    monkeypatch.setattr(writer_module, "render_run_html", _boom)
    with pytest.raises(BoomError):
        write_report(result, out)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temp or old folders left


def test_rewrite_replaces_previous_report(light, tmp_path):
    out = tmp_path / "out"
    write_report(light, out)
    (out / "stale.txt").write_text("from an older version", encoding="utf-8")
    write_report(light, out)
    assert not (out / "stale.txt").exists()
    assert (out / "metrics.json").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_creates_missing_parents(light, tmp_path):
    written = write_report(light, tmp_path / "a" / "b" / "run")
    assert all(p.is_file() for p in written)


def test_refuses_a_folder_that_is_not_a_report(light, tmp_path):
    (tmp_path / "notes.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"not empty and holds no metrics\.json"):
        write_report(light, tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_refuses_a_file(light, tmp_path):
    (tmp_path / "out").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not a folder"):
        write_report(light, tmp_path / "out")


def test_empty_existing_folder_is_used(light, tmp_path):
    (tmp_path / "out").mkdir()
    write_report(light, tmp_path / "out")
    assert (tmp_path / "out" / "metrics.json").is_file()


def test_atomic_dir_keyboard_interrupt_cleans_up(tmp_path):
    with pytest.raises(KeyboardInterrupt), atomic_dir(tmp_path / "x", marker="m") as tmp:
        (tmp / "m").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_atomic_dir_swap_failure_restores_previous(tmp_path, monkeypatch):
    target = tmp_path / "x"
    target.mkdir()
    (target / "m").write_text("old", encoding="utf-8")
    real_replace = Path.replace

    def failing_replace(self: Path, other: Path) -> Path:
        if self.name.startswith(".x.tmp-"):
            raise OSError("disk on fire")
        return real_replace(self, other)

    monkeypatch.setattr(Path, "replace", failing_replace)
    with pytest.raises(OSError, match="disk on fire"), atomic_dir(target, marker="m") as tmp:
        (tmp / "m").write_text("new", encoding="utf-8")
    assert (target / "m").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


def test_output_folder_gets_the_usual_permissions(light, tmp_path):
    """mkdtemp makes a private folder; the report folder follows the umask like mkdir does."""
    write_report(light, tmp_path / "out")
    (tmp_path / "plain").mkdir()
    mode = (tmp_path / "out").stat().st_mode & 0o777
    assert mode == (tmp_path / "plain").stat().st_mode & 0o777


# --- a writer killed at each step of the swap, leftovers, the lock -----------------------------

KILL_POINTS = [
    ("while-building", 0),  # inside the block: a partial .x.tmp-*
    ("after-marking-complete", 1),  # .x.tmp-* renamed .x.new-*, x untouched
    ("after-moving-old-aside", 2),  # x moved to .x.old-*/x: x is absent
    ("after-moving-new-in", 3),  # x is new, .x.old-* left
]


def _killed_writer(target: Path, after_renames: int) -> None:
    """Fork a child that writes ``target`` with atomic_dir and dies (os._exit: no cleanup, no
    finally, like SIGKILL) right after its ``after_renames``-th rename."""
    pid = os.fork()
    if pid == 0:  # the child
        try:
            real = Path.replace
            count = [0]

            def replace(self: Path, other: Path) -> Path:
                out = real(self, other)
                count[0] += 1
                if count[0] == after_renames:
                    os._exit(9)
                return out

            Path.replace = replace  # type: ignore[method-assign]
            with atomic_dir(target, marker="m") as tmp:
                (tmp / "m").write_text("new", encoding="utf-8")
                if after_renames == 0:
                    os._exit(9)
        finally:
            os._exit(3)  # never reached when the kill point is hit
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9


@pytest.mark.parametrize(("point", "renames"), KILL_POINTS, ids=[p for p, _ in KILL_POINTS])
def test_a_killed_writer_is_recovered_by_the_next_command(point, renames, tmp_path, caplog):
    target = tmp_path / "x"
    target.mkdir()
    (target / "m").write_text("old", encoding="utf-8")
    _killed_writer(target, renames)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) > 1 or not target.exists() or point == "while-building", left
    with caplog.at_level("WARNING", logger="recall_risk"):
        check_output_dir(target, marker="m")  # what run/sweep/study do first
    # the previous complete output or the new complete one, and nothing else
    assert [p.name for p in tmp_path.iterdir()] == ["x"]
    content = (target / "m").read_text(encoding="utf-8")
    assert content == (
        "new" if point in ("after-moving-old-aside", "after-moving-new-in") else "old"
    )
    notes = [r.getMessage() for r in caplog.records]
    assert notes and all(n.startswith(f"note: {target}: ") for n in notes)
    if point == "after-moving-old-aside":
        assert any("restored the complete new output" in n for n in notes)
    # and the next write works as usual
    with atomic_dir(target, marker="m") as tmp:
        (tmp / "m").write_text("newer", encoding="utf-8")
    assert (target / "m").read_text(encoding="utf-8") == "newer"
    assert [p.name for p in tmp_path.iterdir()] == ["x"]


def test_the_previous_output_is_restored_when_no_new_one_is_complete(tmp_path, caplog):
    target = tmp_path / "x"
    old = tmp_path / ".x.old-abc"
    (old / "x").mkdir(parents=True)
    (old / "x" / "m").write_text("old", encoding="utf-8")
    (tmp_path / ".x.tmp-def").mkdir()  # a partial new one
    with caplog.at_level("WARNING", logger="recall_risk"):
        notes = recover_output(target)
    assert (target / "m").read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x"]
    assert any("restored the previous output" in n for n in notes)
    assert any("removed an unfinished output folder .x.tmp-def" in n for n in notes)


def test_leftovers_of_other_folders_are_not_touched(tmp_path):
    (tmp_path / ".xy.tmp-abc").mkdir()
    (tmp_path / ".x.tmpfile").write_text("mine", encoding="utf-8")
    with atomic_dir(tmp_path / "x", marker="m") as tmp:
        (tmp / "m").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".x.tmpfile", ".xy.tmp-abc", "x"]


def test_a_second_writer_of_one_folder_fails_clearly(tmp_path):
    target = tmp_path / "x"
    with atomic_dir(target, marker="m") as tmp:
        (tmp / "m").write_text("first", encoding="utf-8")
        with pytest.raises(ConfigError, match="another recall-risk command is writing"):
            check_output_dir(target, marker="m")
        with (
            pytest.raises(ConfigError, match="another recall-risk command is writing"),
            atomic_dir(target, marker="m"),
        ):
            pass  # pragma: no cover
    assert (target / "m").read_text(encoding="utf-8") == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["x"]  # the lock file is gone too


def test_a_second_process_racing_into_one_folder_fails_clearly(tmp_path):
    target = tmp_path / "x"
    to_parent, from_child = os.pipe()
    to_child, from_parent = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child holds the folder's lock until the parent has tried
        try:
            with output_lock(target):
                os.write(from_child, b"1")
                os.read(to_child, 1)
        finally:
            os.write(from_child, b"0")  # never leave the parent waiting
            os._exit(0)
    assert os.read(to_parent, 1) == b"1"
    try:
        with pytest.raises(ConfigError, match="another recall-risk command is writing"):
            check_output_dir(target, marker="m")
    finally:
        os.write(from_parent, b"2")
        os.waitpid(pid, 0)
    check_output_dir(target, marker="m")  # free again
