"""The public surface: what ``__all__`` promises exists, is documented and type hinted.

Every package of recall-risk that declares ``__all__`` (``recall_risk``, ``recall_risk.bt``,
``recall_risk.prices``, ``recall_risk.strategies``, ...) is checked: the list is sorted and has no
duplicates, every name resolves, every class and function has its own docstring, every public
function and every public method a class defines itself is fully annotated. ``import recall_risk``
must stay light and silent: no backtrader, yfinance, matplotlib or plotly, no output, no files.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import recall_risk

REPO_ROOT = Path(__file__).resolve().parents[1]


def package_names() -> list[str]:
    """Dotted names of every package (a folder with ``__init__.py``) of the distribution."""
    names = ["recall_risk.strategies"]
    for init in sorted((REPO_ROOT / "recall_risk").rglob("__init__.py")):
        parts = init.parent.relative_to(REPO_ROOT).parts
        if "__pycache__" not in parts:
            names.append(".".join(parts))
    return sorted(names)


PACKAGES = package_names()  # found on disk: collection never imports half-written code
# packages that are plumbing, not API: the CLI (its API is the command line) and the data folders
NO_ALL = {
    "recall_risk.cli",
    "recall_risk.data",
    "recall_risk.data.events",
    "recall_risk.data.regulators",
}
PUBLIC = [name for name in PACKAGES if name not in NO_ALL]


def isort_key(name: str) -> tuple[int, str]:
    group = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return group, name


def exported(package: str) -> list[tuple[str, object]]:
    module = importlib.import_module(package)
    return [(name, getattr(module, name)) for name in module.__all__]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_api_package_declares_all(package):
    module = importlib.import_module(package)
    assert hasattr(module, "__all__") == (package not in NO_ALL), package


def own_public_methods(cls: type) -> list[tuple[str, object]]:
    """Public functions defined in ``cls`` itself (not inherited, not generated)."""
    methods = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        func = value.__func__ if isinstance(value, classmethod | staticmethod) else value
        if inspect.isfunction(func) and func.__module__ == cls.__module__:
            methods.append((name, func))
    return methods


def missing_annotations(func: object) -> list[str]:
    """Parameters (and ``return``) of ``func`` without a type hint."""
    signature = inspect.signature(func)
    missing = [
        name
        for name, param in signature.parameters.items()
        if name not in ("self", "cls") and param.annotation is inspect.Parameter.empty
    ]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    return missing


@pytest.mark.parametrize("package", PUBLIC)
def test_all_is_sorted_unique_and_importable(package):
    module = importlib.import_module(package)
    names = list(module.__all__)
    # sorted the way ruff's RUF022 sorts it: CONSTANTS, then Classes, then everything else
    assert names == sorted(names, key=isort_key), f"{package}.__all__ is not sorted"
    assert len(names) == len(set(names)), f"{package}.__all__ has duplicates"
    for name in names:
        assert hasattr(module, name), f"{package}.{name} is in __all__ but missing"
        # `from package import name` works the way a user writes it
        exec(f"from {package} import {name}", {})


@pytest.mark.parametrize("package", PUBLIC)
def test_every_exported_class_and_function_is_documented(package):
    undocumented = [
        name
        for name, obj in exported(package)
        if (inspect.isclass(obj) or inspect.isfunction(obj))
        and not (obj.__doc__ or "").strip()  # its own docstring, not an inherited one
    ]
    assert not undocumented, f"{package}: no docstring on {', '.join(undocumented)}"


@pytest.mark.parametrize("package", PUBLIC)
def test_every_exported_function_and_method_is_type_hinted(package):
    problems = []
    for name, obj in exported(package):
        if inspect.isfunction(obj):
            if missing := missing_annotations(obj):
                problems.append(f"{name}({', '.join(missing)})")
        elif inspect.isclass(obj) and obj.__module__.startswith("recall_risk"):
            for method_name, method in own_public_methods(obj):
                if missing := missing_annotations(method):
                    problems.append(f"{name}.{method_name}({', '.join(missing)})")
    assert not problems, f"{package}: missing type hints: {'; '.join(problems)}"


def test_top_level_exports_the_errors_and_the_version():
    for name in (
        "RecallRiskError",
        "ConfigError",
        "EventFileError",
        "ScoreParamsError",
        "PriceDataError",
        "DataUnavailableError",
    ):
        assert issubclass(getattr(recall_risk, name), recall_risk.RecallRiskError)
    assert isinstance(recall_risk.__version__, str) and recall_risk.__version__


# --- import is light and has no side effects -----------------------------------------------------

HEAVY = ("backtrader", "yfinance", "matplotlib", "plotly", "curl_cffi", "rich", "empyrical")

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})))
"""


def run_isolated(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter whose home, temp dir and working dir are ``tmp_path``."""
    home, scratch, work = (tmp_path / name for name in ("home", "tmp", "work"))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "MPL", "YF", "RECALL_RISK"))
    }
    env.update(
        HOME=str(home),
        TMPDIR=str(scratch),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return subprocess.run(
        [sys.executable, "-X", "warnings=error", "-c", code],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sandbox(tmp_path) -> Path:
    """Empty home, temp and working folders for :func:`run_isolated`."""
    for name in ("home", "tmp", "work"):
        (tmp_path / name).mkdir()
    return tmp_path


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("recall_risk", ()),
        ("recall_risk.events", ()),
        ("recall_risk.scoring", ()),
        ("recall_risk.prices", ()),  # yfinance only when a YFinanceSource downloads
        ("recall_risk.metrics", ()),  # numpy only (empyrical is the tests' oracle)
        ("recall_risk.bt", ("backtrader",)),
        ("recall_risk.strategies", ("backtrader",)),
    ],
)
def test_import_is_light_silent_and_writes_nothing(module, allowed, sandbox):
    before = files_under(sandbox)
    result = run_isolated(PROBE.format(module=module, heavy=HEAVY), sandbox)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}  # the only output
    assert loaded <= set(allowed), f"import {module} loads {sorted(loaded - set(allowed))}"
    assert files_under(sandbox) == before, f"import {module} created files"


def test_import_does_not_change_global_library_state(sandbox):
    code = """
import warnings, logging
import pandas as pd
filters = list(warnings.filters)
options = pd.get_option("display.max_rows"), pd.get_option("mode.copy_on_write")
handlers = list(logging.getLogger().handlers)
level = logging.getLogger().level
import recall_risk, recall_risk.bt, recall_risk.prices, recall_risk.metrics
assert list(warnings.filters) == filters, "warnings filters changed"
assert (pd.get_option("display.max_rows"), pd.get_option("mode.copy_on_write")) == options
assert list(logging.getLogger().handlers) == handlers, "root logging handlers changed"
assert logging.getLogger().level == level, "root logging level changed"
"""
    result = run_isolated(code, sandbox)
    assert result.returncode == 0, result.stderr
