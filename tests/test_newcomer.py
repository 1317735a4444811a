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
import yaml

REPO = Path(__file__).resolve().parents[1]
BUNDLED_SETS = ["byd", "geely", "li_auto", "nio", "tesla", "xiaomi_su7", "xpeng"]
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
# Run by the fresh environment's interpreter from another directory, one import of the stack for
# all of it: where the package was imported from, then the installed CLI's commands (argv lists,
# JSON in sys.argv[1]) one after the other, with the exit code, stdout and stderr of each.
_PROBE = """
import contextlib, importlib.metadata, io, json, sys
import recall_risk, recall_risk.strategies
from recall_risk.cli import main
from recall_risk.events import bundled_event_sets, load_events
found = {
    "package": recall_risk.__file__,
    "strategies": recall_risk.strategies.__file__,
    "version": importlib.metadata.version("recall-risk"),
    "sets": bundled_event_sets(),
    "su7_events": len(load_events("xiaomi_su7").events),
}
done = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    done.append({"code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps({"found": found, "done": done}))
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

    # the console script itself: --version, and a run in a process of its own (its metrics must
    # be byte-identical to the same run in another process, A below)
    cli = venv / "bin" / "recall-risk"
    version = _run([cli, "--version"], cwd=work, env=env)
    assert version.returncode == 0 and "recall-risk 0.1.0" in version.stdout
    xiaomi = REPO / "configs" / "xiaomi_su7.yaml"
    ran = _run([cli, "run", xiaomi, "--prices-dir", prices_dir, "--out", "A2"], cwd=work, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr

    # the README's runs: xiaomi_su7 again (A), then a run of another config for compare to refuse:
    # the tesla config with its bundled events, cut to two strategies and one year without the
    # charts (configs/tesla.yaml itself runs in tests/test_configs_run.py)
    tesla = yaml.safe_load((REPO / "configs" / "tesla.yaml").read_text(encoding="utf-8"))
    tesla["data"].update(start="2024-01-02", end="2024-12-31")
    tesla.update(strategies=tesla["strategies"][:2], report={"html": False, "png": False})
    (work / "tesla_2024.yaml").write_text(yaml.safe_dump(tesla), encoding="utf-8")
    window = ["--start", "2025-01-01", "--end", "2025-12-31"]
    commands = [
        ["score", "xiaomi_su7", *window, "--format", "csv"],
        ["run", str(xiaomi), "--prices-dir", str(prices_dir), "--out", "A"],
        ["run", str(work / "tesla_2024.yaml"), "--prices-dir", str(prices_dir), "--out", "B"],
        ["compare", "A", "A2"],
        ["compare", "A", "B"],
    ]
    probe = _run([venv / "bin" / "python", "-c", _PROBE, json.dumps(commands)], cwd=work, env=env)
    assert probe.returncode == 0, probe.stderr
    reply = json.loads(probe.stdout)
    found = reply["found"]
    site = (venv / "lib").resolve()
    assert Path(found["package"]).resolve().is_relative_to(site), found
    assert Path(found["strategies"]).resolve().is_relative_to(site), found
    assert not Path(found["package"]).resolve().is_relative_to(REPO)
    assert found["version"] == "0.1.0"
    assert found["sets"] == BUNDLED_SETS
    assert found["su7_events"] > 0
    score, run_a, run_b, same, mismatch = reply["done"]

    # the foundation's must-show: the installed score command from another directory
    assert score["code"] == 0, score["err"]
    lines = score["out"].splitlines()
    assert lines[0] == "date,score,recall,quality,orders,incident,investigation,regulatory"
    assert len(lines) == 1 + 261  # the weekdays of 2025
    assert lines[1].startswith("2025-01-01,") and lines[-1].startswith("2025-12-31,")

    for out, result in (("A", run_a), ("B", run_b)):
        assert result["code"] == 0, result["err"]
        assert (work / out / "metrics.json").is_file()
        assert "Traceback" not in result["err"]
    assert (work / "A" / "metrics.json").read_bytes() == (work / "A2" / "metrics.json").read_bytes()

    assert same["code"] == 0, same["err"]
    assert "A/risk_exit" in same["out"]
    assert "A2/risk_exit" in same["out"]

    assert mismatch["code"] == 2, mismatch["out"] + mismatch["err"]
    assert "--allow-mismatch" in mismatch["err"]
    assert "Traceback" not in mismatch["err"]
