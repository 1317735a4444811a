"""What an :class:`~recall_risk.sweep.Evaluator` reads, each cached once per process: the
config's strategy entries, the risk frames of each score-parameter set cut to the window, the fast
engine's market arrays and broker, and the board lots.

Scores are computed on the full price history and only then cut to the ``start``/``end`` window,
so a window never changes a score value (point in time).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

import pandas as pd

from recall_risk.bt import risk_frame
from recall_risk.config import RunConfig
from recall_risk.errors import ConfigError, ScoreParamsError
from recall_risk.fast import Broker, prepare
from recall_risk.lots import resolve_lots
from recall_risk.sweep.batch import BenchmarkCache, window_key
from recall_risk.sweep.data import SweepData
from recall_risk.sweep.plans import _default_strategy, _Entry, _Market, _resolve_entry
from recall_risk.sweep.spec import score_params_for

Engine = Literal["fast", "backtrader"]


class EvaluatorInputs:
    """The inputs of an evaluator (see the module docstring); its caches grow with the distinct
    score parameters it meets."""

    def __init__(
        self,
        config: RunConfig,
        data: SweepData,
        *,
        engine: Engine = "fast",
        start: date | None = None,
        end: date | None = None,
        strategy: str | None = None,
    ) -> None:
        if engine not in ("fast", "backtrader"):
            raise ConfigError(f"engine must be 'fast' or 'backtrader', got {engine!r}")
        self.config, self.data, self.engine = config, data, engine
        self.start = pd.Timestamp(start) if start is not None else None
        self.end = pd.Timestamp(end) if end is not None else None
        self.where = str(config.source_path or "config")
        self._entries: dict[str, _Entry] = {}
        self._frames: dict[Any, dict[str, pd.DataFrame]] = {}
        self._lots = resolve_lots(config.broker.lot_size, data.prices, where=self.where)
        self._checked: set[tuple[str, tuple[tuple[str, type], ...]]] = set()
        self._markets: dict[tuple[int, str], _Market] = {}
        self._bench: dict[str, pd.Series | None] = {}
        self._bench_cache: BenchmarkCache | None = None
        self.default_strategy = strategy or _default_strategy(config)

    # -- inputs ---------------------------------------------------------------------------
    def entry(self, name: str) -> _Entry:
        """The strategy entry called ``name``, its class and declared defaults."""
        if name not in self._entries:
            found = [s for s in self.config.strategies if s.name == name]
            if not found:
                names = ", ".join(s.name for s in self.config.strategies)
                raise ConfigError(
                    f"{self.where}: no strategy entry {name!r}; expected one of {names}"
                )
            self._entries[name] = _resolve_entry(found[0], self.config, self.where)
        return self._entries[name]

    def frames(self, overrides: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
        """Risk frames up to the window's end, for the score parameters ``overrides`` (cached).

        Bars before the window's start stay in: they warm a strategy up (its SMAs, its gate)
        and are never traded (see :meth:`curves`). They were known at the window's start.
        """
        try:  # the usual numbers and strings: a tuple is a cheaper key than JSON text
            key: Any = tuple(sorted(overrides.items()))
            hash(key)
        except TypeError:
            key = json.dumps(dict(sorted(overrides.items())), sort_keys=True)
        if key not in self._frames:
            try:
                params = score_params_for(
                    self.config.score, dict(overrides), source=f"{self.where}: score"
                )
            except ScoreParamsError as exc:
                raise ConfigError(str(exc)) from None
            self._frames[key] = {
                t: self._window(risk_frame(p, self.data.events.get(t), params), t, warm_up=True)
                for t, p in self.data.prices.items()
            }
        return self._frames[key]

    def _window(self, frame: pd.DataFrame, label: str, *, warm_up: bool = False) -> pd.DataFrame:
        """``frame`` cut to the window (with the bars before it when ``warm_up``)."""
        if self.start is None and self.end is None:
            return frame
        cut = frame.loc[self.start : self.end]
        if len(cut) < 2:
            raise ConfigError(
                f"{self.where}: window {self.start} .. {self.end} holds {len(cut)} bars of "
                f"{label} (data {frame.index[0].date()} .. {frame.index[-1].date()}); "
                "need at least 2"
            )
        return frame.loc[: self.end] if warm_up else cut

    def trade_from(self, frame: pd.DataFrame) -> int:
        """The first bar of ``frame`` inside the window (0 without a window start)."""
        if self.start is None:
            return 0
        return int(pd.DatetimeIndex(frame.index).searchsorted(self.start))

    def _broker(self, ticker: str) -> Broker:
        """The fast engine's broker for ``ticker``."""
        broker = self.config.broker
        return Broker(broker.cash, broker.commission, broker.slippage, self.lots().get(ticker, 1))

    def lots(self) -> dict[str, int]:
        """Each ticker's board lot (``broker.lot_size``)."""
        return self._lots

    def _market(self, frame: pd.DataFrame, ticker: str) -> _Market:
        """The fast engine's arrays of ``frame`` and its traded window (cached per frame)."""
        key = (id(frame), ticker)
        if key not in self._markets:
            k = self.trade_from(frame)
            dates = frame.index[k:]
            self._markets[key] = _Market(prepare(frame, ticker), frame, k, dates, window_key(dates))
        return self._markets[key]
