"""Sweep points resolved before they run: strategy entries, plans, fast markets, refusals.

A point names a strategy entry (resolved once into an :class:`_Entry`) and parameters; the
evaluator turns it into a :class:`_Plan` (what to run and on which engine) or an
:class:`_InvalidPointError` (a combination the strategy refuses, with the same message on both
engines, checked by :func:`_check_combination` before either runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from recall_risk.bt.registry import INTERNAL_PARAMS, resolve_strategy, strategy_defaults
from recall_risk.config import RunConfig, StrategyConfig
from recall_risk.fast import MarketArrays
from recall_risk.fast import check_params as check_fast_params
from recall_risk.sweep.batch import WindowKey


@dataclass(frozen=True)
class _Entry:
    """A swept strategy entry, resolved once."""

    name: str
    reference: str
    cls: type
    params: dict[str, Any]
    defaults: dict[str, Any]


def _check_combination(reference: str, params: Mapping[str, Any], bars: int) -> None:
    """The checks backtrader makes when a reference strategy starts (and the fast engine makes
    with the same messages), run before either engine so that an invalid combination gives the
    same row on both (raises ValueError)."""
    weight = params.get("max_weight", 1.0)
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"target weight must be in [0, 1], got {weight}")
    check_fast_params(reference, params, bars)


@dataclass(frozen=True, eq=False)
class _Market:
    """A frame prepared for the fast engine (the frame kept alive: its id is the cache key)."""

    arrays: MarketArrays
    frame: pd.DataFrame
    trade_from: int
    dates: pd.Index
    key: WindowKey


@dataclass(frozen=True, eq=False)
class _Plan:
    """A point resolved: its strategy, frames and parameters, and its fast market (or None:
    it runs on backtrader)."""

    reference: str
    cls: type
    frames: Mapping[str, pd.DataFrame]
    full: dict[str, Any]
    given: dict[str, Any]
    market: _Market | None


class _InvalidPointError(ValueError):
    """A combination of parameters the strategy refuses, and the engine it was meant for."""

    def __init__(self, message: str, engine: str) -> None:
        super().__init__(message)
        self.engine = engine


def _default_strategy(config: RunConfig) -> str:
    """The sweep section's strategy if it names one, else the config's only strategy."""
    named = (config.sweep or {}).get("strategy")
    if isinstance(named, str):
        return named
    return config.strategies[0].name


def _resolve_entry(entry: StrategyConfig, config: RunConfig, where: str) -> _Entry:
    base_dir = config.source_path.parent if config.source_path else None
    cls = resolve_strategy(
        entry.strategy, where=f"{where}: strategy {entry.name}", base_dir=base_dir
    )
    defaults = {k: v for k, v in strategy_defaults(cls).items() if k not in INTERNAL_PARAMS}
    return _Entry(
        name=entry.name,
        reference=entry.strategy,
        cls=cls,
        params=dict(entry.params),
        defaults=defaults,
    )
