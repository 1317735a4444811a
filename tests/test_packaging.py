"""pyproject.toml against the source tree: a normal ``pip install .`` must ship everything.

The package list in pyproject is explicit (``strategies/`` installs as ``recall_risk.strategies``
through the ``recall_risk/strategies`` link), so a new sub-package that is not added to it is
silently left out of a wheel while every test still passes in the editable install. These tests
catch that, check the bundled event files are package data, the console script resolves and the
versions agree; one test builds the wheel itself (from a copy of the sources, offline) and looks
inside.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import recall_risk

REPO_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
PACKAGE_DIRS = {
    "recall_risk": REPO_ROOT / "recall_risk",
    "recall_risk.strategies": REPO_ROOT / "strategies",
}


def packages_on_disk() -> set[str]:
    """Every folder with an ``__init__.py`` under recall_risk/ and strategies/, as dotted names."""
    found = set()
    for dotted, root in PACKAGE_DIRS.items():
        for init in root.rglob("__init__.py"):
            parts = init.parent.relative_to(root).parts
            if "__pycache__" not in parts:
                found.add(".".join((dotted, *parts)))
    return found


def source_dir(package: str) -> Path:
    """Where ``package``'s sources are (the top-level ``strategies/`` for the linked package)."""
    for dotted, root in sorted(PACKAGE_DIRS.items(), key=lambda item: -len(item[0])):
        if package == dotted or package.startswith(dotted + "."):
            return root.joinpath(*package[len(dotted) :].split(".")[1:])
    raise AssertionError(package)


def test_packages_list_names_every_sub_package():
    listed = set(SETUPTOOLS["packages"])
    on_disk = packages_on_disk()
    assert on_disk - listed == set(), "sub-packages missing from [tool.setuptools] packages"
    assert listed - on_disk == set(), "packages listed in pyproject but not on disk"
    assert len(SETUPTOOLS["packages"]) == len(listed), "duplicates in the packages list"


def test_strategies_install_under_recall_risk():
    # recall_risk/strategies is a link to the top-level folder: no package-dir mapping needed
    assert "package-dir" not in SETUPTOOLS
    assert "recall_risk.strategies" in SETUPTOOLS["packages"]
    assert "strategies" not in SETUPTOOLS["packages"]  # no generic top-level name installed
    for package in SETUPTOOLS["packages"]:
        assert (source_dir(package) / "__init__.py").is_file(), package


def test_bundled_event_files_are_package_data():
    patterns = SETUPTOOLS["package-data"]["recall_risk"]
    root = REPO_ROOT / "recall_risk"
    data_files = [
        p
        for p in (root / "data" / "events").iterdir()
        if p.is_file() and p.suffix in (".yaml", ".yml", ".csv", ".json")
    ]
    assert data_files, "no bundled event files found"
    for path in [*data_files, root / "py.typed"]:
        relative = path.relative_to(root).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
    # every bundled set the code knows about is among those files
    names = {p.stem for p in data_files}
    assert set(recall_risk.bundled_event_sets()) <= names


def test_console_script_target_exists():
    scripts = PYPROJECT["project"]["scripts"]
    assert set(scripts) == {"recall-risk"}
    module_name, _, attr = scripts["recall-risk"].partition(":")
    target = getattr(importlib.import_module(module_name), attr)
    assert callable(target)
    installed = importlib.metadata.entry_points(group="console_scripts", name="recall-risk")
    assert [ep.value for ep in installed] == [scripts["recall-risk"]]


def test_versions_agree():
    version = PYPROJECT["project"]["version"]
    assert version == recall_risk.__version__
    assert importlib.metadata.version("recall-risk") == version


def test_declared_dependencies_are_installed():
    # the environment the tests run in is the one pyproject describes
    for requirement in PYPROJECT["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        assert importlib.metadata.distribution(name), name


def test_wheel_contains_every_package_and_the_event_files(tmp_path):
    # build from a copy, so that build/ and *.egg-info never land in the work tree
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.tmp", ".*")
    for folder in ("recall_risk", "strategies"):
        shutil.copytree(REPO_ROOT / folder, src / folder, ignore=ignore, symlinks=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--quiet",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "dist").glob("recall_risk-*.whl")
    assert f"-{recall_risk.__version__}-" in wheel.name
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in packages_on_disk():
        init = package.replace(".", "/") + "/__init__.py"
        assert init in names, init
    assert "strategies/__init__.py" not in names
    for path in (REPO_ROOT / "recall_risk" / "data" / "events").glob("*.yaml"):
        assert f"recall_risk/data/events/{path.name}" in names, path.name
    assert "recall_risk/py.typed" in names
    assert "recall_risk/report/assets/plotly-basic.min.js" in names
    assert "recall_risk/report/assets/plotly-cartesian.min.js" in names
    # every module of every package, not only the __init__ files
    for package in packages_on_disk():
        for module in source_dir(package).glob("*.py"):
            arcname = package.replace(".", "/") + "/" + module.name
            assert arcname in names, arcname


def test_importing_the_package_does_not_import_yfinance_or_empyrical():
    """empyrical imports yfinance and its HTTP stack: only the code that computes metrics or
    downloads prices may import them, never ``import recall_risk`` or its sweep package."""
    code = (
        "import sys, recall_risk, recall_risk.sweep, recall_risk.bt, recall_risk.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'yfinance', 'empyrical'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_pyarrow_is_an_extra_not_a_dependency():
    core = " ".join(PYPROJECT["project"]["dependencies"])
    assert "pyarrow" not in core
    assert any("pyarrow" in r for r in PYPROJECT["project"]["optional-dependencies"]["parquet"])
