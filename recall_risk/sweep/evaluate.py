"""Evaluate sweep points: one backtest per point, metrics as in the run reports.

A point maps strategy parameters (``exit_above``), score parameters (``score.half_life_days``)
and optionally ``strategy`` (a strategy entry's name) to values; everything it leaves out comes
from the config. Scores are computed on the full price history and only then cut to the
``start``/``end`` window, so a window never changes a score value (point in time); the backtest
starts with fresh cash at the window's first bar. Risk frames are cached per score-parameter set,
so points that share score parameters score once.

The fast engine (:mod:`recall_risk.fast`) runs the reference single-ticker strategies; anything
else (a user strategy, ``risk_rotation``, several tickers) runs on backtrader. Invalid parameter
combinations (``reenter_below`` above ``exit_above``, ``fast >= slow``) give a row whose ``error``
column says why and whose metrics are empty, with the same message on both engines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import run_backtest
from recall_risk.bt.registry import check_params, resolve_strategy, strategy_defaults
from recall_risk.config import RunConfig
from recall_risk.fast import simulate, simulate_batch, supports
from recall_risk.metrics import METRIC_NAMES, metric_rows
from recall_risk.sweep.batch import BenchmarkCache, Curve, batch_metrics, window_key
from recall_risk.sweep.columns import BatchColumns
from recall_risk.sweep.data import SweepData
from recall_risk.sweep.inputs import Engine, EvaluatorInputs
from recall_risk.sweep.plans import _check_combination, _InvalidPointError, _Plan
from recall_risk.sweep.spec import SCORE_PREFIX, STRATEGY_KEY
from recall_risk.sweep.table import ENGINE_COLUMN, ERROR_COLUMN, point_keys_of, rows_to_frame

METRICS_CHUNK = 512
"""Points whose metrics are computed in one 2-D call (bounds the arrays' memory)."""


class Evaluator(EvaluatorInputs):
    """Runs points of one config on one data set, caching scores and the benchmark curve.

    One per sweep and process: its caches grow with the distinct score parameters it meets.
    Its inputs (strategy entries, frames, markets, lots) are :class:`EvaluatorInputs`'.
    """

    def benchmark_equity(self) -> pd.Series | None:
        """The benchmark held buy-and-hold over the window, on this evaluator's engine."""
        if self.engine not in self._bench:
            bench = self.data.benchmark
            if bench is None:
                self._bench[self.engine] = None
            else:
                frame = self._window(risk_frame(bench, None), self.config.data.benchmark or "")
                # fractional units, as in run reports: an index cannot be bought in whole points
                given = {"fractional": True}
                params = {**strategy_defaults(resolve_strategy("buy_and_hold")), **given}
                run = self._run(
                    "buy_and_hold",
                    resolve_strategy("buy_and_hold"),
                    {"benchmark": frame},
                    params,
                    given,
                    use_fast=True,
                )
                self._bench[self.engine] = pd.Series(run.equity, index=run.dates, name="value")
        return self._bench[self.engine]

    # -- points -------------------------------------------------------------------------
    def rows(self, points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Point values, the engine used, every metric and an error message ("" if none), for
        each point in order: the batch's curves first, then the metrics of every curve on the
        same window in one :func:`~recall_risk.metrics.metrics_2d` call per chunk of points."""
        out: list[dict[str, Any]] = []
        for lo in range(0, len(points), METRICS_CHUNK):
            out.extend(self._rows(points[lo : lo + METRICS_CHUNK]))
        return out

    def row(self, point: Mapping[str, Any]) -> dict[str, Any]:
        """:meth:`rows` of one point."""
        return self.rows([point])[0]

    def columns(self, points: Sequence[Mapping[str, Any]]) -> BatchColumns:
        """:meth:`rows` as compact columns (what a batch sends back): the metrics as they come
        out of the 2-D call, with no dict per point."""
        parts = [
            self._evaluate(points[lo : lo + METRICS_CHUNK])
            for lo in range(0, len(points), METRICS_CHUNK)
        ]
        return BatchColumns(
            engine=[e for part in parts for e in part.engine],
            error=[e for part in parts for e in part.error],
            metrics=np.vstack([part.metrics for part in parts])
            if parts
            else np.empty((0, len(METRIC_NAMES))),
        )

    def _rows(self, points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        got = self._evaluate(points)
        table = {name: got.metrics[:, j] for j, name in enumerate(METRIC_NAMES)}
        rows: list[dict[str, Any]] = []
        for i, metrics in enumerate(metric_rows(table)):
            row: dict[str, Any] = dict(points[i])
            row[ENGINE_COLUMN] = got.engine[i]
            row.update(metrics)
            row[ERROR_COLUMN] = got.error[i]
            rows.append(row)
        return rows

    def _evaluate(self, points: Sequence[Mapping[str, Any]]) -> BatchColumns:
        """Engine, error and metrics of each point: the curves, then one 2-D metrics call."""
        ran = self._curves_of(points)
        if self._bench_cache is None:
            self._bench_cache = BenchmarkCache(self.benchmark_equity())
        metrics = np.full((len(points), len(METRIC_NAMES)), np.nan)
        good = [i for i, r in enumerate(ran) if isinstance(r, Curve)]
        metrics[good] = batch_metrics(
            [ran[i] for i in good],  # type: ignore[misc]
            self._bench_cache,
            cash=self.config.broker.cash,
            risk_free=self.config.report.risk_free,
        )
        return BatchColumns(
            engine=[r.engine for r in ran],
            error=["" if isinstance(r, Curve) else str(r) for r in ran],
            metrics=metrics,
        )

    def _curves_of(self, points: Sequence[Mapping[str, Any]]) -> list[Curve | _InvalidPointError]:
        """Each point's curve, or why it is invalid. Points of one strategy on one market run
        together on the fast engine (:func:`~recall_risk.fast.simulate_batch`)."""
        out: list[Curve | _InvalidPointError | None] = [None] * len(points)
        plans: dict[int, _Plan] = {}
        for i, point in enumerate(points):
            try:
                plans[i] = self._plan(point)
            except _InvalidPointError as exc:
                out[i] = exc
        groups: dict[tuple[str, int], list[int]] = {}
        for i, plan in plans.items():
            if plan.market is None:
                out[i] = self._run_plan(plan)
            else:
                groups.setdefault((plan.reference, id(plan.market)), []).append(i)
        for indices in groups.values():
            for i, curve in zip(indices, self._run_batch([plans[i] for i in indices]), strict=True):
                out[i] = curve
        return [c for c in out if c is not None]

    def _run_batch(self, plans: list[_Plan]) -> list[Curve | _InvalidPointError]:
        """Plans of one strategy on one market, as one :func:`simulate_batch` call (one by one
        if a point fails there, so that its error stays its own)."""
        market = plans[0].market
        if market is None:  # pragma: no cover - only fast plans are batched
            raise RuntimeError("a batch of points without a fast market")
        try:
            result = simulate_batch(
                plans[0].reference,
                market.arrays,
                [plan.full for plan in plans],
                self._broker(market.arrays.ticker),
                trade_from=market.trade_from,
            )
        except ValueError:
            return [self._run_plan(plan) for plan in plans]
        equity, exposure = result.distinct_equity, result.distinct_exposure
        return [
            Curve(
                equity[:, c],
                exposure[:, c],
                result.trade_pnls[j],
                "fast",
                market.dates,
                market.key,
                (equity, exposure, c),
            )
            for j, c in enumerate(result.column.tolist())
        ]

    def curves(self, point: Mapping[str, Any]) -> tuple[pd.Series, pd.Series, list[float], str]:
        """Equity and exposure over the window, closed trades' net results and the engine used
        (``"fast"`` or ``"backtrader"``) of one point.

        Raises:
            ConfigError: an unknown strategy entry or parameter.
            ValueError: a combination of parameters the strategy refuses (the message says
                why); its ``engine`` attribute names the engine it would have run on.
        """
        c = self._curve(point)
        return (
            pd.Series(c.equity, index=c.dates, name="value"),
            pd.Series(c.exposure, index=c.dates, name="exposure"),
            c.trade_pnls,
            c.engine,
        )

    def _curve(self, point: Mapping[str, Any]) -> Curve:
        """One point's backtest as arrays (see :meth:`curves`)."""
        result = self._run_plan(self._plan(point))
        if isinstance(result, _InvalidPointError):
            raise result
        return result

    def runs_fast(self, point: Mapping[str, Any]) -> bool:
        """Whether ``point`` would run on the fast engine (its strategy is one the fast engine
        knows, on one ticker, and the engine is ``fast``); nothing is run or scored.

        Raises:
            ConfigError: an unknown strategy entry.
        """
        entry = self.entry(str(point.get(STRATEGY_KEY, self.default_strategy)))
        return self.engine == "fast" and supports(entry.reference) and len(self.data.prices) == 1

    def _plan(self, point: Mapping[str, Any]) -> _Plan:
        """What to run for ``point`` and where, its parameters checked.

        Raises:
            ConfigError: an unknown strategy entry or parameter.
            _InvalidPointError: a combination of parameters the strategy refuses.
        """
        name = str(point.get(STRATEGY_KEY, self.default_strategy))
        entry = self.entry(name)
        score_keys = {k: v for k, v in point.items() if k.startswith(SCORE_PREFIX)}
        strategy_params = {
            k: v for k, v in point.items() if not k.startswith(SCORE_PREFIX) and k != STRATEGY_KEY
        }
        checked = (name, tuple((k, type(v)) for k, v in strategy_params.items()))
        if checked not in self._checked:  # names and types only: checked once per shape
            check_params(entry.cls, strategy_params, where=f"{self.where}: sweep point")
            self._checked.add(checked)
        given = {**entry.params, **strategy_params}
        full = {**entry.defaults, **given}
        frames = self.frames(score_keys)
        use_fast = self.engine == "fast" and supports(entry.reference) and len(frames) == 1
        try:
            if supports(entry.reference):
                _check_combination(entry.reference, full, len(next(iter(frames.values()))))
        except ValueError as exc:
            raise _InvalidPointError(str(exc), "fast" if use_fast else "backtrader") from exc
        ticker, frame = next(iter(frames.items()))
        market = self._market(frame, ticker) if use_fast else None
        return _Plan(entry.reference, entry.cls, frames, full, given, market)

    def _run_plan(self, plan: _Plan) -> Curve | _InvalidPointError:
        """One point's backtest, or why its parameters are refused."""
        try:
            return self._run(
                plan.reference,
                plan.cls,
                plan.frames,
                plan.full,
                plan.given,
                use_fast=plan.market is not None,
            )
        except ValueError as exc:
            engine = "fast" if plan.market is not None else "backtrader"
            return _InvalidPointError(str(exc), engine)

    def _run(
        self,
        reference: str,
        cls: type,
        frames: Mapping[str, pd.DataFrame],
        full: Mapping[str, Any],
        given: Mapping[str, Any],
        *,
        use_fast: bool,
    ) -> Curve:
        """One backtest; bars before the window warm the strategy up and are not traded."""
        broker = self.config.broker
        first = next(iter(frames.values()))
        if use_fast and self.engine == "fast":
            ticker, frame = next(iter(frames.items()))
            market = self._market(frame, ticker)
            fast_broker = self._broker(ticker)
            result = simulate(
                reference,
                market.arrays,
                full,
                cash=fast_broker.cash,
                commission=fast_broker.commission,
                slippage=fast_broker.slippage,
                lot_size=fast_broker.lot_size,
                trade_from=market.trade_from,
            )
            return Curve(
                result.equity,
                result.exposure,
                list(result.trade_pnls),
                "fast",
                market.dates,
                market.key,
            )
        k = self.trade_from(first)
        params = dict(given)
        if k and "trade_from" in strategy_defaults(cls):
            params["trade_from"] = first.index[k].date()
        elif k:  # a strategy that cannot warm up without trading: the window alone
            frames = {t: f.loc[first.index[k] :] for t, f in frames.items()}
        output = run_backtest(
            cls,
            frames,
            params,
            cash=broker.cash,
            commission=broker.commission,
            slippage=broker.slippage,
            lot_size=self.lots(),
            thresholds=self.config.report.thresholds,
        )
        start = first.index[k]
        equity = output.equity.loc[start:]
        return Curve(
            equity.to_numpy(dtype=np.float64),
            output.exposure.loc[start:].to_numpy(dtype=np.float64),
            [float(t["pnl_net"]) for t in output.trades],
            "backtrader",
            equity.index,
            window_key(equity.index),
        )


def evaluate_points(
    config: RunConfig,
    data: SweepData,
    points: Sequence[Mapping[str, Any]],
    *,
    engine: Engine = "fast",
    start: date | None = None,
    end: date | None = None,
    strategy: str | None = None,
) -> pd.DataFrame:
    """One backtest per point, in input order.

    Args:
        config: the run config (broker, score defaults, strategy entries, risk-free rate).
        data: from :func:`~recall_risk.sweep.prepare_sweep_data`.
        points: dicts of strategy params, ``score.`` params and optionally ``strategy``.
        engine: ``"fast"`` (falls back to backtrader per point when needed) or ``"backtrader"``.
        start, end: restrict each backtest to this window: fresh cash at ``start``, the bars
            before it only warm the strategy up (see :meth:`Evaluator.curves`).
        strategy: the strategy entry for points without a ``strategy`` key (default: the sweep
            section's, else the config's first).

    Returns:
        One row per point: point columns, ``engine``, every metric of
        :data:`~recall_risk.metrics.METRIC_NAMES` (benchmark-relative alpha/beta included) and
        ``error`` ("" unless the combination of parameters is invalid).

    Raises:
        ConfigError: unknown strategy entry or parameter, invalid score parameters, a window
            without data.
    """
    evaluator = Evaluator(config, data, engine=engine, start=start, end=end, strategy=strategy)
    rows = evaluator.rows(points)
    return rows_to_frame(rows, point_keys_of(points))
