"""A newcomer's path, end to end: a real (non-editable) install into a fresh virtualenv, then the
README's commands from another working directory.

Offline, so nothing is downloaded: the fresh environment is created ``--without-pip`` and a
``.pth`` file puts the current interpreter's site-packages *after* its own, which provides pip,
setuptools and the run-time dependencies. (A venv made with pip on Python 3.11 also gets its own
setuptools 65, which would shadow the one the build needs.) ``pip install --no-deps
--no-build-isolation --no-index`` then builds and installs a wheel from a copy of the repository.
The test checks that the installed package, not the source tree, is what runs, and that the
bundled event sets were packaged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUNDLED_SETS = ["byd", "li_auto", "tesla", "xiaomi_su7", "xpeng"]
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "runs",
    "tmp",
    ".hypothesis",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
)
_PROBE = """
import importlib.metadata, json
import recall_risk, recall_risk.strategies
from recall_risk.events import bundled_event_sets, load_events
print(json.dumps({
    "package": recall_risk.__file__,
    "strategies": recall_risk.strategies.__file__,
    "version": importlib.metadata.version("recall-risk"),
    "sets": bundled_event_sets(),
    "su7_events": len(load_events("xiaomi_su7").events),
}))
"""


def _run(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _environment(venv: Path, tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        RECALL_RISK_CACHE=str(tmp / "cache"),
        PIP_NO_CACHE_DIR="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        COLUMNS="200",
    )
    return env


def _install(tmp: Path) -> tuple[Path, dict[str, str]]:
    venv = tmp / "venv"
    made = subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    assert site.is_dir(), site
    parents = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "_parent_env.pth").write_text("\n".join(parents) + "\n", encoding="utf-8")

    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=_NOT_SOURCE)
    env = _environment(venv, tmp)
    pip = [venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    installed = _run([*pip, "--no-index", source], cwd=tmp, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return venv, env


@pytest.mark.slow
def test_newcomer_installs_runs_and_compares(prices_dir, tmp_path):
    venv, env = _install(tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()

    probe = _run([venv / "bin" / "python", "-c", _PROBE], cwd=work, env=env)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    site = (venv / "lib").resolve()
    assert Path(found["package"]).resolve().is_relative_to(site), found
    assert Path(found["strategies"]).resolve().is_relative_to(site), found
    assert not Path(found["package"]).resolve().is_relative_to(REPO)
    assert found["version"] == "0.1.0"
    assert found["sets"] == BUNDLED_SETS
    assert found["su7_events"] > 0

    cli = venv / "bin" / "recall-risk"
    version = _run([cli, "--version"], cwd=work, env=env)
    assert version.returncode == 0 and "recall-risk 0.1.0" in version.stdout

    # the foundation's must-show: the installed score command from another directory
    window = ["--start", "2025-01-01", "--end", "2025-12-31"]
    score = _run([cli, "score", "xiaomi_su7", *window, "--format", "csv"], cwd=work, env=env)
    assert score.returncode == 0, score.stderr
    lines = score.stdout.splitlines()
    assert lines[0] == "date,score,recall,quality,orders,incident,investigation,regulatory"
    assert len(lines) == 1 + 261  # the weekdays of 2025
    assert lines[1].startswith("2025-01-01,") and lines[-1].startswith("2025-12-31,")

    configs = REPO / "configs"
    for config, out in (("xiaomi_su7", "A"), ("tesla", "B"), ("xiaomi_su7", "A2")):
        ran = _run(
            [cli, "run", configs / f"{config}.yaml", "--prices-dir", prices_dir, "--out", out],
            cwd=work,
            env=env,
        )
        assert ran.returncode == 0, ran.stderr
        assert (work / out / "metrics.json").is_file()
        assert "Traceback" not in ran.stderr
    assert (work / "A" / "metrics.json").read_bytes() == (work / "A2" / "metrics.json").read_bytes()

    same = _run([cli, "compare", "A", "A2"], cwd=work, env=env)
    assert same.returncode == 0, same.stderr
    assert "A/risk_exit" in same.stdout
    assert "A2/risk_exit" in same.stdout

    mismatch = _run([cli, "compare", "A", "B"], cwd=work, env=env)
    assert mismatch.returncode == 2, mismatch.stdout + mismatch.stderr
    assert "--allow-mismatch" in mismatch.stderr
    assert "Traceback" not in mismatch.stderr
