"""The sweep's grid: the raw ``sweep`` model, its constraints, and :class:`SweepSpec` and its
points.

Points are expanded with :func:`itertools.product` over the sorted keys, so the last key varies
fastest and the order never depends on the YAML's key order; a random sample is drawn by index,
without expanding the grid.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Discriminator, Field, Tag, field_validator

from recall_risk.validation import StrictModel

_OPS = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}

Scalar = bool | int | float | str


class RangeSpec(StrictModel):
    """``{start, stop, step}``: ``start, start + step, ...`` up to and including ``stop``
    (finite numbers, ``step`` > 0)."""

    model_config = ConfigDict(allow_inf_nan=False)

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


def _grid_kind(value: Any) -> str:
    return "range-spec" if isinstance(value, dict | RangeSpec) else "list-of-values"


GridValues = Annotated[
    Annotated[RangeSpec, Tag("range-spec")] | Annotated[list[Scalar], Tag("list-of-values")],
    Discriminator(_grid_kind),
]
"""A grid parameter's values: a mapping is a range (so its errors name ``start``, ``stop`` or
``step``), anything else a list; the tags contain ``-`` so messages leave them out."""


class SweepModel(StrictModel):
    """The raw ``sweep`` mapping, field by field (cross-checks are in :func:`load_sweep_spec`)."""

    strategy: str | list[str] | None = None
    grid: dict[str, GridValues] = Field(min_length=1)
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
