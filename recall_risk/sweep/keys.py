"""Point keys of a sweep and their checks: a strategy parameter by its name, a score parameter with
the ``score.`` prefix (``score.half_life_days`` or ``score.weights`` with a number sets every
component), and ``strategy`` when the sweep covers several strategy entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from recall_risk.errors import ConfigError, ScoreParamsError
from recall_risk.scoring import ScoreParams
from recall_risk.sweep.grid import Scalar
from recall_risk.validation import did_you_mean

if TYPE_CHECKING:
    from recall_risk.config import RunConfig, StrategyConfig

SCORE_PREFIX = "score."
STRATEGY_KEY = "strategy"
_NESTED_SCORE = ("half_life_days", "weights")


def check_score_axis(key: str, values: list[Scalar], base: dict[str, Any], where: str) -> None:
    """Check that every value of a ``score.`` axis gives valid :class:`ScoreParams`."""
    path = key[len(SCORE_PREFIX) :].split(".")
    fields = list(ScoreParams.model_fields)
    ok_path = (len(path) == 1 and path[0] in fields) or (
        len(path) == 2 and path[0] in _NESTED_SCORE and path[1] in _components(path[0])
    )
    if not ok_path:
        options = [*fields, *(f"{n}.{c}" for n in _NESTED_SCORE for c in _components(n))]
        hint = did_you_mean(key, [SCORE_PREFIX + o for o in options])
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


def check_strategy_axis(
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
            hint = did_you_mean(key, allowed)
            raise ConfigError(
                f"{where}.grid: unknown parameter {key!r}{hint} for strategy {entry.name!r} "
                f"({cls.__name__}); it takes: {', '.join(allowed)}; score parameters take the "
                f"prefix {SCORE_PREFIX!r}"
            )
        for value in values:
            check_params(cls, {key: value}, where=f"{where}.grid")
