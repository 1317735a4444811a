"""The repository works however Python is started from its root, installed either way.

``strategies/`` stays at the top of the repository and ``recall_risk/strategies`` is a symbolic
link to it, so the source tree has the same package layout an install has: from the repository
root, where the current directory comes first on ``sys.path`` and the checkout's ``recall_risk``
shadows the installed one, ``recall_risk.strategies`` still exists. Nothing patches
``sys.modules`` at import time.

Each case installs a copy of the committed tree into a fresh virtualenv (``pip install .`` or
``pip install -e .``; dependencies come from this interpreter's site-packages through a ``.pth``
file, so nothing is downloaded) and runs one command from the copy's root in a fresh interpreter:
``pytest``, ``python -m pytest``, ``python -c "import recall_risk.strategies"``, ``python
examples/custom_strategy.py`` and ``recall-risk run``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
import yaml

import recall_risk.strategies
from recall_risk.bt.registry import registered_strategies, resolve_strategy

REPO = Path(__file__).resolve().parents[1]
NAMES = ["buy_and_hold", "risk_exit", "risk_rotation", "risk_scaled", "sma_cross", "sma_cross_risk"]
MODES = ["install", "editable"]
# one worker builds both virtualenvs once (see --dist loadgroup in pyproject.toml)
pytestmark = pytest.mark.xdist_group("layout")

# A test the copy runs with ``pytest`` / ``python -m pytest`` from its root: what it imports and
# where from, printed for the assertions below (the conftest of the copy is loaded as usual).
PROBE_TEST = textwrap.dedent(
    """
    import json
    from pathlib import Path

    import recall_risk
    import recall_risk.strategies
    from recall_risk.bt.registry import registered_strategies, resolve_strategy


    def test_probe():
        print("PROBE " + json.dumps({
            "package": str(Path(recall_risk.__file__)),
            "strategies": str(Path(recall_risk.strategies.__file__)),
            "names": sorted(registered_strategies()),
            "resolved": resolve_strategy("sma_cross_risk").__module__,
        }))
    """
)
PROBE_CODE = (
    "import json, recall_risk, recall_risk.strategies; "
    "from recall_risk.bt.registry import registered_strategies; "
    "print('PROBE ' + json.dumps({'package': recall_risk.__file__, "
    "'strategies': recall_risk.strategies.__file__, 'names': sorted(registered_strategies())}))"
)


def test_strategies_is_a_link_to_the_top_level_folder():
    link = REPO / "recall_risk" / "strategies"
    assert link.is_symlink(), "recall_risk/strategies must be a symbolic link to ../strategies"
    assert link.readlink().as_posix() == "../strategies"  # relative: it works in any clone
    assert link.resolve() == (REPO / "strategies").resolve()


def test_registry_is_the_strategies_package():
    assert registered_strategies() == dict(recall_risk.strategies.REGISTRY)
    assert sorted(registered_strategies()) == NAMES
    assert resolve_strategy("sma_cross_risk").__module__ == "recall_risk.strategies.sma_cross_risk"


def test_no_import_time_patching_of_sys_modules():
    registry = (REPO / "recall_risk" / "bt" / "registry.py").read_text(encoding="utf-8")
    assert 'spec_from_file_location(\n        "recall_risk.strategies"' not in registry
    assert 'sys.modules["recall_risk.strategies"]' not in registry


def _committed_tree(dest: Path) -> None:
    """Copy the files git tracks (symbolic links kept as links) to ``dest``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(source.readlink())
        elif source.is_file():
            shutil.copy2(source, target)


def _dependencies_without_recall_risk(dest: Path) -> Path:
    """A folder of links to this interpreter's site-packages entries, recall_risk's left out."""
    dest.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name.lower().replace("-", "_")
        if "recall_risk" in name or name.startswith("strategies") or name.endswith(".pth"):
            continue
        (dest / entry.name).symlink_to(entry)
    return dest


_BUILT: dict[str, tuple[str, Path, Path]] = {}


@pytest.fixture(scope="module", params=MODES)
def installed(request, tmp_path_factory) -> tuple[str, Path, Path]:
    """(mode, copy of the repository, its virtualenv's bin folder) after installing the copy.

    Built once per mode: pytest may order the parametrized tests so that a module-scoped
    fixture's parameter comes back after another's, which would otherwise build it again."""
    mode = request.param
    if mode not in _BUILT:
        _BUILT[mode] = _install(mode, tmp_path_factory)
    return _BUILT[mode]


def _install(mode: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    base = tmp_path_factory.mktemp(f"layout-{mode}")
    repo = base / "repo"
    _committed_tree(repo)
    (repo / "tests" / "test_layout_probe.py").write_text(PROBE_TEST, encoding="utf-8")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # dependencies from this interpreter's site-packages, without any recall_risk installed
    # there: an editable install's finder sits after the path finder on sys.meta_path, so a
    # recall_risk anywhere on sys.path (this venv's own, installed by the README's command)
    # would shadow the copy installed below
    Path(purelib, "_recall_risk_test_deps.pth").write_text(
        str(_dependencies_without_recall_risk(base / "deps")) + "\n", encoding="utf-8"
    )
    command = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    command += ["--no-deps", "--no-build-isolation", "--no-index"]
    command += ["-e", "."] if mode == "editable" else ["."]
    done = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    shutil.rmtree(repo / "build", ignore_errors=True)
    # the ``pytest`` command as pip writes console scripts (pytest itself comes from the .pth)
    script = venv / "bin" / "pytest"
    script.write_text(
        f"#!{python}\nimport sys\nfrom pytest import console_main\nsys.exit(console_main())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return mode, repo, venv / "bin"


def _run(bin_dir: Path, repo: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(bin_dir.parent)
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        argv, cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def _probe(output: str) -> dict[str, object]:
    lines = [line for line in output.splitlines() if line.startswith("PROBE ")]
    assert lines, output
    return json.loads(lines[-1].removeprefix("PROBE "))


def _check_probe(seen: dict[str, object], repo: Path, *, checkout: bool) -> None:
    """``checkout``: the checkout's ``recall_risk`` is imported (the current directory comes first
    on ``sys.path``); otherwise the installed copy. Either way ``recall_risk.strategies`` is the
    package beside it: the top-level folder through the link, or its installed copy."""
    package = Path(str(seen["package"]))
    strategies = Path(str(seen["strategies"]))
    if checkout:
        assert package.resolve() == (repo / "recall_risk" / "__init__.py").resolve()
        assert strategies.resolve() == (repo / "strategies" / "__init__.py").resolve()
    else:
        assert "site-packages" in package.parts
        assert strategies == package.parent / "strategies" / "__init__.py"
    assert seen["names"] == NAMES


@pytest.mark.parametrize("runner", ["pytest", "python -m pytest"])
def test_pytest_from_the_repository_root(installed, runner):
    mode, repo, bin_dir = installed
    argv = [*runner.split(), "-q", "-s", "-p", "no:cacheprovider", "tests/test_layout_probe.py"]
    argv[0] = str(bin_dir / argv[0])
    done = _run(bin_dir, repo, argv)
    assert done.returncode == 0, done.stdout + done.stderr
    seen = _probe(done.stdout)
    # ``python -m`` puts the current directory first on sys.path; the ``pytest`` script does
    # not (its own folder comes first), so a normal install is imported from site-packages
    _check_probe(seen, repo, checkout=runner.startswith("python") or mode == "editable")
    assert seen["resolved"] == "recall_risk.strategies.sma_cross_risk"


def test_python_c_from_the_repository_root(installed):
    _mode, repo, bin_dir = installed
    done = _run(bin_dir, repo, [str(bin_dir / "python"), "-c", PROBE_CODE])
    assert done.returncode == 0, done.stderr
    _check_probe(_probe(done.stdout), repo, checkout=True)


def test_example_script_from_the_repository_root(installed, prices_dir):
    _mode, repo, bin_dir = installed
    csv = prices_dir / "1810.HK.csv"
    done = _run(bin_dir, repo, [str(bin_dir / "python"), "examples/custom_strategy.py", str(csv)])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_console_script_from_the_repository_root(installed, prices_dir):
    mode, repo, bin_dir = installed
    out = repo / "runs" / "layout"
    # configs/xiaomi_su7.yaml with one registered strategy and no charts: the layout is what is
    # tested here (the whole config runs through the installed command in tests/test_newcomer.py)
    config = yaml.safe_load((repo / "configs" / "xiaomi_su7.yaml").read_text(encoding="utf-8"))
    config.update(strategies=config["strategies"][-1:], report={"html": False, "png": False})
    assert config["strategies"][0]["strategy"] == "sma_cross_risk"
    (repo / "configs" / "layout.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    argv = [str(bin_dir / "recall-risk"), "run", "configs/layout.yaml"]
    argv += ["--prices-dir", str(prices_dir), "--out", str(out), "--quiet"]
    done = _run(bin_dir, repo, argv)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "metrics.json").is_file()
    # the console script imports the installed package: the copy's tree when editable, the
    # site-packages copy otherwise; either way the strategies resolve
    code = "import recall_risk; print(recall_risk.__file__)"
    where = _run(bin_dir, bin_dir, [str(bin_dir / "python"), "-c", code]).stdout.strip()
    if mode == "editable":
        assert Path(where).resolve() == (repo / "recall_risk" / "__init__.py").resolve()
    else:
        assert "site-packages" in where
