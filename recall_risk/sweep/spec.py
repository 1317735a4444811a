"""The ``sweep`` section of a run config: a strict model, its checks and the grid's points.

``RunConfig.sweep`` stays a free-form mapping so the run config does not depend on this package;
:func:`load_sweep_spec` validates it against :class:`SweepSpec` and the config's own strategies
and score parameters, so that a typo fails before any backtest runs, naming the config file and
``sweep.<field>`` (with "did you mean"). The grid is counted arithmetically, never expanded, before
the size check: a spec of a billion points fails at once without using memory.

Point keys: a strategy parameter by its name (``exit_above``), a score parameter with the
``score.`` prefix (``score.recall_scale``, ``score.half_life_days.recall``; ``score.half_life_days``
or ``score.weights`` with a number sets every component), and ``strategy`` when the sweep covers
several strategy entries. Points are expanded with :func:`itertools.product` over the sorted keys,
so the last key varies fastest and the order never depends on the YAML's key order.
"""

from __future__ import annotations

import math
import re

from pydantic import ValidationError

from recall_risk.config import RunConfig, StrategyConfig
from recall_risk.errors import ConfigError
from recall_risk.metrics import HIGHER_IS_BETTER, METRIC_NAMES
from recall_risk.sweep.grid import Constraint, RangeSpec, Scalar, SweepModel, SweepSpec
from recall_risk.sweep.keys import (
    SCORE_PREFIX,
    STRATEGY_KEY,
    check_score_axis,
    check_strategy_axis,
    score_params_for,
)
from recall_risk.validation import did_you_mean, format_validation_error

__all__ = [
    "MAX_AXIS_VALUES",
    "MAX_POINTS",
    "SCORE_PREFIX",
    "STRATEGY_KEY",
    "Constraint",
    "RangeSpec",
    "Scalar",
    "SweepModel",
    "SweepSpec",
    "check_metric",
    "load_sweep_spec",
    "score_params_for",
]

MAX_POINTS = 1_000_000
"""Largest number of backtests a sweep runs without an explicit ``--yes``."""

MAX_AXIS_VALUES = 1_000_000
"""Most values one parameter may take, even with ``--yes`` (they are built as a list)."""

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


def _constraint(text: str, where: str) -> Constraint:
    match = _CONSTRAINT.match(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(
            f"{where}.constraints: cannot read {text!r}; expected 'METRIC OP NUMBER' with OP one "
            "of <=, <, >=, >, ==, != (e.g. 'max_drawdown <= 0.3')"
        )
    metric, op, bound = match.groups()
    check_metric(metric, f"{where}.constraints")
    try:
        number = float(bound)
    except ValueError:
        raise ConfigError(f"{where}.constraints: {text!r}: {bound!r} is not a number") from None
    return Constraint(metric=metric, op=op, bound=number)


def check_metric(name: str, where: str) -> None:
    """Raise :class:`ConfigError` (with "did you mean") unless ``name`` is a known metric."""
    if name not in METRIC_NAMES:
        hint = did_you_mean(name, METRIC_NAMES)
        raise ConfigError(
            f"{where}: unknown metric {name!r}{hint}; expected one of: {', '.join(METRIC_NAMES)}"
        )


def _entries(model: SweepModel, config: RunConfig, where: str) -> list[StrategyConfig]:
    by_name = {s.name: s for s in config.strategies}
    if model.strategy is None:
        if len(by_name) != 1:
            raise ConfigError(
                f"{where}.strategy: required when the config has several strategies; "
                f"expected one of: {', '.join(by_name)}"
            )
        return list(config.strategies)
    names = [model.strategy] if isinstance(model.strategy, str) else list(model.strategy)
    if not names or len(set(names)) != len(names):
        raise ConfigError(f"{where}.strategy: expected one or more distinct names, got {names}")
    for name in names:
        if name not in by_name:
            hint = did_you_mean(name, list(by_name))
            raise ConfigError(
                f"{where}.strategy: {name!r} is not the name of a strategy entry{hint}; "
                f"expected one of: {', '.join(by_name)}"
            )
    return [by_name[n] for n in names]


def load_sweep_spec(config: RunConfig, *, max_points: int | None = MAX_POINTS) -> SweepSpec:
    """Validate ``config.sweep`` against the config's strategies and score parameters.

    Args:
        config: a loaded run config with a ``sweep`` section.
        max_points: refuse sweeps of more backtests than this (None: no limit, ``--yes``).

    Raises:
        ConfigError: naming the config file and ``sweep.<field>``.
    """
    source = str(config.source_path or "config")
    where = f"{source}: sweep"
    if config.sweep is None:
        raise ConfigError(f"{source}: no 'sweep' section; add one with at least a grid")
    try:
        model = SweepModel.model_validate(config.sweep)
    except ValidationError as exc:
        message = format_validation_error(source, exc, SweepModel, prefix="sweep.")
        raise ConfigError(message) from None
    entries = _entries(model, config, where)
    counts = {k: (v.count() if isinstance(v, RangeSpec) else len(v)) for k, v in model.grid.items()}
    if STRATEGY_KEY in model.grid:
        raise ConfigError(f"{where}.grid: list the strategies in sweep.strategy, not in the grid")
    total = math.prod(counts.values()) * len(entries)
    n_points = min(model.sample, total) if model.sample else total
    if max_points is not None and n_points > max_points:
        raise ConfigError(
            f"{where}.grid: {n_points:,} points is more than {max_points:,} backtests; "
            "use sweep.sample to draw fewer, or pass --yes to run them all"
        )
    for key, count in sorted(counts.items()):
        if count > MAX_AXIS_VALUES:
            raise ConfigError(
                f"{where}.grid.{key}: {count:,} values; at most {MAX_AXIS_VALUES:,} per "
                "parameter (use a coarser step)"
            )
    axes: dict[str, tuple[Scalar, ...]] = {}
    for key in sorted(model.grid):
        spec = model.grid[key]
        values: list[Scalar] = list(spec.values() if isinstance(spec, RangeSpec) else spec)
        if len(set(map(repr, values))) != len(values):
            raise ConfigError(f"{where}.grid.{key}: repeated values in {values}")
        if key.startswith(SCORE_PREFIX):
            check_score_axis(key, values, config.score, where)
        else:
            check_strategy_axis(key, values, entries, config, where)
        axes[key] = tuple(values)
    if len(entries) > 1:
        axes[STRATEGY_KEY] = tuple(e.name for e in entries)
    check_metric(model.metric, f"{where}.metric")
    constraints = tuple(_constraint(c, where) for c in model.constraints)
    heatmap = _heatmap(model, sorted(axes), where)
    direction = HIGHER_IS_BETTER.get(model.metric)
    maximize = model.goal == "max" if model.goal else direction is not False
    return SweepSpec(
        strategies=tuple(e.name for e in entries),
        axes=tuple(sorted(axes.items())),
        sample=model.sample,
        seed=model.seed,
        metric=model.metric,
        maximize=maximize,
        constraints=constraints,
        top=model.top,
        heatmap=heatmap,
    )


def _heatmap(model: SweepModel, keys: list[str], where: str) -> tuple[str, str] | None:
    if model.heatmap is None:
        numeric = [k for k in keys if k != STRATEGY_KEY]
        return (numeric[0], numeric[1]) if len(numeric) >= 2 else None
    for name in model.heatmap:
        if name not in keys:
            hint = did_you_mean(name, keys)
            raise ConfigError(
                f"{where}.heatmap: {name!r} is not a grid parameter{hint}; "
                f"expected two of: {', '.join(keys)}"
            )
    return (model.heatmap[0], model.heatmap[1])
