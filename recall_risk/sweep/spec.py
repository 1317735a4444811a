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

import difflib
import itertools
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from recall_risk.config import RunConfig, StrategyConfig, format_validation_error
from recall_risk.errors import ConfigError, ScoreParamsError
from recall_risk.metrics import HIGHER_IS_BETTER, METRIC_NAMES
from recall_risk.scoring import ScoreParams

MAX_POINTS = 1_000_000
"""Largest number of backtests a sweep runs without an explicit ``--yes``."""

MAX_AXIS_VALUES = 1_000_000
"""Most values one parameter may take, even with ``--yes`` (they are built as a list)."""

SCORE_PREFIX = "score."
STRATEGY_KEY = "strategy"
_NESTED_SCORE = ("half_life_days", "weights")
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")
_OPS = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

Scalar = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RangeSpec(_Strict):
    """``{start, stop, step}``: ``start, start + step, ...`` up to and including ``stop``."""

    start: int | float
    stop: int | float
    step: int | float = Field(gt=0)

    def count(self) -> int:
        """Number of values, computed without building them (``stop`` included, within 1e-9)."""
        if self.stop < self.start:
            return 0
        return math.floor((self.stop - self.start) / self.step + 1e-9) + 1

    def values(self) -> list[int | float]:
        """The values; integers when start and step are integers, else floats rounded to 12 places
        (``0.1 + 2 * 0.1`` gives ``0.3``, not ``0.30000000000000004``)."""
        if all(isinstance(v, int) for v in (self.start, self.stop, self.step)):
            return list(range(int(self.start), int(self.stop) + 1, int(self.step)))
        return [round(self.start + i * self.step, 12) for i in range(self.count())]


class SweepModel(_Strict):
    """The raw ``sweep`` mapping, field by field (cross-checks are in :func:`load_sweep_spec`)."""

    strategy: str | list[str] | None = None
    grid: dict[str, list[Scalar] | RangeSpec] = Field(min_length=1)
    sample: int | None = Field(default=None, gt=0)
    seed: int = 0
    metric: str = "sharpe"
    goal: Literal["max", "min"] | None = None
    constraints: list[str] = Field(default_factory=list)
    top: int = Field(default=10, gt=0)
    heatmap: list[str] | None = None

    @field_validator("grid")
    @classmethod
    def _non_empty(cls, grid: dict[str, Any]) -> dict[str, Any]:
        for key, values in grid.items():
            count = values.count() if isinstance(values, RangeSpec) else len(values)
            if count == 0:
                raise ValueError(f"grid parameter {key!r} has no values (empty, or stop < start)")
        return grid

    @field_validator("heatmap")
    @classmethod
    def _two(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (len(value) != 2 or value[0] == value[1]):
            raise ValueError(f"heatmap needs two different grid parameters, got {value}")
        return value


@dataclass(frozen=True)
class Constraint:
    """``metric op bound``, e.g. ``max_drawdown <= 0.3``; a missing metric never satisfies it."""

    metric: str
    op: str
    bound: float

    def holds(self, value: float | None) -> bool:
        """Whether ``value`` satisfies the constraint (None and NaN never do)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        return bool(_OPS[self.op](float(value), self.bound))

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep.

    Attributes:
        strategies: names of the swept strategy entries of the config (usually one).
        axes: ``(key, values)`` per swept parameter, keys sorted.
        sample: evaluate a random sample of this many grid points (None: every point).
        seed: the sample's random seed.
        metric: the metric to rank by; ``maximize`` its direction.
        constraints: a row is feasible when all hold.
        top: how many ranked rows (and best configs) to write.
        heatmap: the two parameters of the heatmap (None: fewer than two axes).
    """

    strategies: tuple[str, ...]
    axes: tuple[tuple[str, tuple[Scalar, ...]], ...]
    sample: int | None
    seed: int
    metric: str
    maximize: bool
    constraints: tuple[Constraint, ...]
    top: int
    heatmap: tuple[str, str] | None

    @property
    def keys(self) -> list[str]:
        """Point keys in expansion order."""
        return [key for key, _ in self.axes]

    @property
    def grid_size(self) -> int:
        """Number of points of the full grid."""
        return math.prod(len(values) for _, values in self.axes)

    @property
    def n_points(self) -> int:
        """Number of backtests the sweep runs."""
        return min(self.sample, self.grid_size) if self.sample else self.grid_size

    def _point(self, index: int) -> dict[str, Scalar]:
        """Grid point number ``index`` in product order (mixed radix, last key fastest)."""
        point: dict[str, Scalar] = {}
        for key, values in reversed(self.axes):
            index, digit = divmod(index, len(values))
            point[key] = values[digit]
        return dict(sorted(point.items()))

    def iter_points(self) -> Iterator[dict[str, Scalar]]:
        """The points in order; a sample is drawn by index (the grid is never expanded) and kept
        in grid order."""
        if self.sample is None or self.sample >= self.grid_size:
            for combo in itertools.product(*(values for _, values in self.axes)):
                yield dict(zip(self.keys, combo, strict=True))
            return
        picked = random.Random(self.seed).sample(range(self.grid_size), self.sample)
        for index in sorted(picked):
            yield self._point(index)

    def points(self) -> list[dict[str, Scalar]]:
        """Every point to evaluate, as dicts with :attr:`keys`."""
        return list(self.iter_points())


def _score_axis(key: str, values: list[Scalar], base: dict[str, Any], where: str) -> None:
    """Check that every value of a ``score.`` axis gives valid :class:`ScoreParams`."""
    path = key[len(SCORE_PREFIX) :].split(".")
    fields = list(ScoreParams.model_fields)
    ok_path = (len(path) == 1 and path[0] in fields) or (
        len(path) == 2 and path[0] in _NESTED_SCORE and path[1] in _components(path[0])
    )
    if not ok_path:
        options = [*fields, *(f"{n}.{c}" for n in _NESTED_SCORE for c in _components(n))]
        close = difflib.get_close_matches(".".join(path), options, n=1, cutoff=0.6)
        hint = f" (did you mean {SCORE_PREFIX + close[0]!r}?)" if close else ""
        raise ConfigError(
            f"{where}.grid: unknown score parameter {key!r}{hint}; score parameters are: "
            f"{', '.join(SCORE_PREFIX + f for f in fields)} (or score.half_life_days.<component>)"
        )
    for value in values:
        try:
            score_params_for(base, {key: value}, source=f"{where}.grid.{key}")
        except ScoreParamsError as exc:
            raise ConfigError(str(exc)) from None


def _components(nested: str) -> list[str]:
    """Component names of a nested score field (``half_life_days`` or ``weights``)."""
    return list(type(getattr(ScoreParams(), nested)).model_fields)


def score_params_for(
    base: dict[str, Any], overrides: dict[str, Any], *, source: str = "sweep"
) -> ScoreParams:
    """:class:`ScoreParams` from a config's ``score`` mapping and a point's ``score.`` keys.

    Raises:
        ScoreParamsError: a value is out of range or of the wrong type.
    """
    merged: dict[str, Any] = {
        k: dict(v) if isinstance(v, dict) else v for k, v in (base or {}).items()
    }
    for key, value in sorted(overrides.items()):
        path = key[len(SCORE_PREFIX) :].split(".")
        if len(path) == 1 and path[0] in _NESTED_SCORE and not isinstance(value, dict):
            merged[path[0]] = dict.fromkeys(_components(path[0]), value)
        elif len(path) == 2:
            nested = merged.get(path[0])
            merged[path[0]] = {**(nested if isinstance(nested, dict) else {}), path[1]: value}
        else:
            merged[path[0]] = value
    return ScoreParams.from_mapping(merged, source=source)


def _strategy_axis(
    key: str, values: list[Scalar], entries: list[StrategyConfig], config: RunConfig, where: str
) -> None:
    """Check a strategy parameter against every swept strategy's declared params and types."""
    from recall_risk.bt.registry import (
        INTERNAL_PARAMS,
        check_params,
        resolve_strategy,
        strategy_defaults,
    )

    base_dir = config.source_path.parent if config.source_path else None
    for entry in entries:
        cls = resolve_strategy(entry.strategy, where=f"{where}.strategy", base_dir=base_dir)
        if key not in strategy_defaults(cls) or key in INTERNAL_PARAMS:
            allowed = sorted(k for k in strategy_defaults(cls) if k not in INTERNAL_PARAMS)
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{where}.grid: unknown parameter {key!r}{hint} for strategy {entry.name!r} "
                f"({cls.__name__}); it takes: {', '.join(allowed)}; score parameters take the "
                f"prefix {SCORE_PREFIX!r}"
            )
        for value in values:
            check_params(cls, {key: value}, where=f"{where}.grid")


def _constraint(text: str, where: str) -> Constraint:
    match = _CONSTRAINT.match(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigError(
            f"{where}.constraints: cannot read {text!r}; expected 'METRIC OP NUMBER' with OP one "
            "of <=, <, >=, >, ==, != (e.g. 'max_drawdown <= 0.3')"
        )
    metric, op, bound = match.groups()
    _check_metric(metric, f"{where}.constraints")
    try:
        number = float(bound)
    except ValueError:
        raise ConfigError(f"{where}.constraints: {text!r}: {bound!r} is not a number") from None
    return Constraint(metric=metric, op=op, bound=number)


def _check_metric(name: str, where: str) -> None:
    if name not in METRIC_NAMES:
        close = difflib.get_close_matches(name, METRIC_NAMES, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
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
            close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
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
        message = format_validation_error(source, exc, SweepModel)
        raise ConfigError(_prefix_fields(message)) from None
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
            _score_axis(key, values, config.score, where)
        else:
            _strategy_axis(key, values, entries, config, where)
        axes[key] = tuple(values)
    if len(entries) > 1:
        axes[STRATEGY_KEY] = tuple(e.name for e in entries)
    _check_metric(model.metric, f"{where}.metric")
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
            close = difflib.get_close_matches(name, keys, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"{where}.heatmap: {name!r} is not a grid parameter{hint}; "
                f"expected two of: {', '.join(keys)}"
            )
    return (model.heatmap[0], model.heatmap[1])


def _prefix_fields(message: str) -> str:
    """Name fields ``sweep.<field>`` in messages from :func:`format_validation_error`."""
    return re.sub(r"field '([^']*)'", r"field 'sweep.\1'", message)
