"""Report folders are replaced atomically: a failure leaves the previous report or nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from recall_risk.config import load_config
from recall_risk.errors import ConfigError
from recall_risk.report import write_report
from recall_risk.report import writer as writer_module
from recall_risk.report.atomic import atomic_dir
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
