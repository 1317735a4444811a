"""Resolve a strategy reference from a config (a registered short name or ``module:Class``) and
check its parameters against the class's declared backtrader params.

Classes are loaded with importlib, never ``eval``.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import backtrader as bt

from recall_risk.errors import ConfigError
from recall_risk.validation import MAX_COUNT, MAX_MAGNITUDE, describe, did_you_mean


def registered_strategies() -> dict[str, type[bt.Strategy]]:
    """Short names of the reference strategies -> classes.

    ``strategies/`` at the top of the repository is the package ``recall_risk.strategies``: the
    source tree links it in (``recall_risk/strategies`` is a symbolic link) and an install ships
    it there, so the import is the same from a checkout, an editable or a normal install.
    """
    from recall_risk.strategies import REGISTRY

    return dict(REGISTRY)


def _import_file(path: Path, where: str) -> ModuleType:
    """Import a user's strategy file by path (registered under a private module name)."""
    if not path.is_file():
        raise ConfigError(f"{where}: strategy file {path} does not exist")
    name = f"recall_risk_user_{path.stem}_{abs(hash(str(path.resolve()))):x}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"{where}: cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        # A strategy file's import must end normally: sys.exit(0) in it must not end the run
        # with "success" and nothing written, nor a KeyboardInterrupt it raises look like Ctrl-C.
        sys.modules.pop(name, None)
        raise ConfigError(f"{where}: importing {path} failed: {_import_failure(exc)}") from None
    return module


def _import_failure(exc: BaseException) -> str:
    """One line saying how a strategy file's import ended abnormally."""
    if isinstance(exc, SystemExit):
        return f"it calls sys.exit({exc.code!r}) at import; remove the call"
    if isinstance(exc, KeyboardInterrupt):
        return "it raised KeyboardInterrupt at import"
    if isinstance(exc, SyntaxError):
        return f"SyntaxError at line {exc.lineno}: {exc.msg}"
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def resolve_strategy(
    reference: str, *, where: str = "strategy", base_dir: Path | None = None
) -> type[bt.Strategy]:
    """The class for ``reference``: a registered name (``risk_exit``), ``package.module:Class``
    (imported with importlib), or ``path/to/file.py:Class`` (relative to ``base_dir``).

    Raises:
        ConfigError: unknown name, module or class, or a class that is not a backtrader Strategy.
    """
    registry = registered_strategies()
    if ":" not in reference:
        if reference in registry:
            return registry[reference]
        hint = did_you_mean(reference, list(registry))
        raise ConfigError(
            f"{where}: unknown strategy {reference!r}{hint}; "
            f"registered: {', '.join(sorted(registry))}; "
            "or give module:Class for your own"
        )
    module_name, _, class_name = reference.rpartition(":")
    if not module_name or not class_name.isidentifier():
        raise ConfigError(
            f"{where}: {reference!r} is not of the form package.module:Class or file.py:Class"
        )
    if module_name.endswith(".py"):
        path = Path(module_name).expanduser()
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        module = _import_file(path, where)
    else:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(
                f"{where}: cannot import module {module_name!r} ({exc}); "
                "is it installed or on PYTHONPATH?"
            ) from None
    cls = getattr(module, class_name, None)
    if cls is None:
        raise ConfigError(f"{where}: module {module_name!r} has no attribute {class_name!r}")
    if not (isinstance(cls, type) and issubclass(cls, bt.Strategy)):
        raise ConfigError(f"{where}: {reference!r} is not a backtrader Strategy subclass")
    return cls


def strategy_defaults(cls: type[bt.Strategy]) -> dict[str, Any]:
    """Declared params of a strategy class and their defaults."""
    return dict(cls.params._getitems())


def _type_ok(default: Any, value: Any) -> bool:
    if default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, tuple | list):
        return isinstance(value, tuple | list)
    return True


INTERNAL_PARAMS = frozenset({"events", "score_params", "trade_from"})
"""Strategy params the engines set themselves; a config or sweep may not."""


def check_params(cls: type[bt.Strategy], params: dict[str, Any], *, where: str) -> dict[str, Any]:
    """Validate ``params`` for ``cls``: known names, types matching the defaults.

    Raises:
        ConfigError: naming ``where`` and the parameter.
    """
    defaults = strategy_defaults(cls)
    allowed = sorted(k for k in defaults if k not in INTERNAL_PARAMS)
    for key, value in params.items():
        if key not in defaults or key in INTERNAL_PARAMS:
            hint = did_you_mean(key, allowed)
            raise ConfigError(
                f"{where}.{key}: unknown parameter{hint} for {cls.__name__}; "
                f"it takes: {', '.join(allowed)}"
            )
        default = defaults[key]
        if not _type_ok(default, value):
            raise ConfigError(
                f"{where}.{key}: expected {type(default).__name__} like the default {default!r}, "
                f"got {describe(value)} ({type(value).__name__})"
            )
        problem = number_problem(value)
        if problem:
            raise ConfigError(f"{where}.{key}: {problem}")
    return dict(params)


def number_problem(value: Any) -> str:
    """What is wrong with a strategy parameter's number, or ``""``: whole numbers lie within
    +-``MAX_COUNT``, others are finite and within +-``MAX_MAGNITUDE`` (the engines compute with
    them exactly; ``min_days_out: 1e20`` or ``exit_above: .inf`` is a typo, not a setting)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    if isinstance(value, int):
        if abs(value) > MAX_COUNT:
            bound = f"{MAX_COUNT:,}"
            return f"expected a whole number from -{bound} to {bound}, got {describe(value)}"
        return ""
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        return (
            f"expected a finite number from {-MAX_MAGNITUDE:g} to {MAX_MAGNITUDE:g}, got {value!r}"
        )
    return ""
