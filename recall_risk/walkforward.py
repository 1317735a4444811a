"""Walk-forward evaluation of a config's sweep: choose parameters on a train window, test them on
the next, unseen window, and chain the test windows into one out-of-sample equity curve.

Folds are laid out in trading bars of the first ticker, back to back so that the last test window
ends on the last bar; test windows are contiguous and never overlap a train window. ``rolling``
train windows have a fixed length; ``anchored`` ones all start at the first fold's train start and
grow. Selection is point in time: each fold's sweep sees prices only up to its train end (the data
are cut there, not just the backtest window). Each window starts with fresh cash, so the
stitched curve compounds the test windows' returns; the strategy is warmed up on the bars before
its window (indicators, gates) and buys what it holds as of the last close before the window at
the window's first open (:meth:`~recall_risk.sweep.Evaluator.curves`).

Few events make walk-forward results fragile: the number of announced events in each window is
counted, and a window without any gets a warning in :attr:`WalkForwardResult.warnings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from recall_risk.config import RunConfig
from recall_risk.folds import (
    MIN_TEST_DAYS,
    MIN_TRAIN_DAYS,
    Fold,
    count_events,
    make_folds,
    window_events,
)
from recall_risk.metrics import HIGHER_IS_BETTER, METRIC_NAMES, compute_metrics
from recall_risk.sweep import (
    FEASIBLE_COLUMN,
    RANK_COLUMN,
    Evaluator,
    SweepData,
    SweepSpec,
    evaluate_points,
    load_sweep_spec,
    rank_table,
)
from recall_risk.sweep.evaluate import Engine
from recall_risk.sweep.spec import check_metric

__all__ = [
    "MIN_TEST_DAYS",
    "MIN_TRAIN_DAYS",
    "SUMMARY_METRICS",
    "Fold",
    "FoldResult",
    "WalkForwardResult",
    "check_metric",
    "count_events",
    "feasible_rows",
    "make_folds",
    "run_point",
    "run_walkforward",
    "select_best",
    "upto",
    "window_events",
]

SUMMARY_METRICS = ("total_return", "sharpe", "max_drawdown", "trades")
"""Metrics shown for every fold, after the selection metric."""


def feasible_rows(table: pd.DataFrame, spec: SweepSpec, metric: str) -> list[bool]:
    """Per row: no error, a value for ``metric``, and every constraint of the sweep holds
    (:func:`~recall_risk.sweep.rank_table`'s rule)."""
    return rank_table(table, spec, metric=metric, maximize=True)[FEASIBLE_COLUMN].tolist()


def select_best(table: pd.DataFrame, spec: SweepSpec, metric: str, maximize: bool) -> int | None:
    """Row position of the best feasible point (see :func:`feasible_rows`); ties go to the first
    in grid order. None when no point is feasible."""
    ranks = rank_table(table, spec, metric=metric, maximize=maximize)[RANK_COLUMN]
    best = np.flatnonzero(ranks.eq(1).fillna(False).to_numpy(dtype=bool))
    return int(best[0]) if len(best) else None


def _plain(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _row_metrics(table: pd.DataFrame, pos: int) -> dict[str, Any]:
    """One row's metrics as plain Python numbers (None for missing; ``trades`` an int)."""
    out: dict[str, Any] = {}
    for m in METRIC_NAMES:
        value = _plain(table[m].iloc[pos])
        out[m] = int(value) if m == "trades" and value is not None else value
    return out


@dataclass(frozen=True)
class FoldResult:
    """What one fold chose and how it did in and out of sample."""

    fold: Fold
    train_events: int
    test_events: int
    candidates: int
    feasible: int
    params: dict[str, Any] | None
    in_sample: dict[str, Any]
    out_of_sample: dict[str, Any]
    note: str = ""
    hold_return: float | None = None
    benchmark_return: float | None = None


@dataclass(frozen=True)
class WalkForwardResult:
    """Every fold, the stitched out-of-sample curve, its metrics and the warnings.

    ``stitched`` holds, beside the chosen points' ``value``, the same test windows held
    buy-and-hold (``buy_and_hold``) and, with a benchmark, the benchmark held (``benchmark``,
    carried over the ticker's dates), each chained from fresh cash per window like ``value``.
    """

    name: str
    metric: str
    maximize: bool
    anchored: bool
    engine: str
    point_keys: list[str]
    folds: list[FoldResult]
    stitched: pd.DataFrame
    stitched_metrics: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    initial_cash: float | None = None

    def stitched_returns(self) -> dict[str, float]:
        """Total return of each chained curve of :attr:`stitched` (``value``, ``buy_and_hold``,
        ``benchmark``) from the starting cash."""
        cash = self.initial_cash
        if cash is None or self.stitched.empty:
            return {}
        columns = [c for c in ("value", "buy_and_hold", "benchmark") if c in self.stitched]
        return {c: float(self.stitched[c].iloc[-1]) / cash - 1.0 for c in columns}

    def table(self) -> pd.DataFrame:
        """One row per fold: windows, event counts, the chosen params, in/out-of-sample metrics."""
        shown = list(dict.fromkeys((self.metric, *SUMMARY_METRICS)))
        rows = []
        for r in self.folds:
            f = r.fold
            row: dict[str, Any] = {
                "fold": f.index,
                "train_start": f.train_start.date().isoformat(),
                "train_end": f.train_end.date().isoformat(),
                "test_start": f.test_start.date().isoformat(),
                "test_end": f.test_end.date().isoformat(),
                "train_bars": f.train_bars,
                "test_bars": f.test_bars,
                "train_events": r.train_events,
                "test_events": r.test_events,
                "feasible": r.feasible,
                "candidates": r.candidates,
            }
            row.update({k: (r.params or {}).get(k) for k in self.point_keys})
            row.update({f"is_{m}": r.in_sample.get(m) for m in shown})
            row.update({f"oos_{m}": r.out_of_sample.get(m) for m in shown})
            row["oos_buy_and_hold_return"] = r.hold_return
            row["oos_benchmark_return"] = r.benchmark_return
            row["note"] = r.note
            rows.append(row)
        frame = pd.DataFrame(rows)
        for key in self.point_keys:  # chosen values as given (an int stays an int, none is empty)
            frame[key] = pd.Series([row[key] for row in rows], dtype=object)
        for column in ("is_trades", "oos_trades"):
            if column in frame:
                frame[column] = frame[column].astype("Int64")
        return frame


def upto(data: SweepData, end: pd.Timestamp) -> SweepData:
    """The data cut after ``end``: what was known at ``end``'s close."""
    return SweepData(
        prices={t: p.loc[:end] for t, p in data.prices.items()},
        benchmark=data.benchmark.loc[:end] if data.benchmark is not None else None,
        events=data.events,
    )


def run_point(
    evaluator: Evaluator, point: Mapping[str, Any]
) -> tuple[pd.Series, pd.Series, list[float]]:
    """Equity, exposure and closed trades' results of one point over the evaluator's window.

    :func:`~recall_risk.sweep.evaluate_points` returns metrics only; this is the same run
    (:meth:`~recall_risk.sweep.Evaluator.curves`: same engine choice, same parameters, the same
    warm-up on the bars before the window) keeping the curve, for stitching.

    Raises:
        ValueError: parameters the strategy refuses on this window.
    """
    equity, exposure, pnls, _ = evaluator.curves(point)
    return equity, exposure, pnls


def _metrics(
    evaluator: Evaluator, equity: pd.Series, exposure: pd.Series, pnls: list[float]
) -> dict[str, Any]:
    """Metrics as :func:`~recall_risk.sweep.evaluate_points` computes them."""
    config = evaluator.config
    return compute_metrics(
        equity,
        initial_cash=config.broker.cash,
        exposure=exposure,
        trade_pnls=pnls,
        benchmark_equity=evaluator.benchmark_equity(),
        benchmark_cash=config.broker.cash,
        risk_free=config.report.risk_free,
    )


def _window_return(equity: pd.Series | None, cash: float) -> float | None:
    return None if equity is None or equity.empty else float(equity.iloc[-1]) / cash - 1.0


def _fold_warnings(result: FoldResult) -> list[str]:
    f, out = result.fold, []
    if result.train_events == 0:
        out.append(
            f"fold {f.index}: no event announced in the train window "
            f"{f.train_start.date()} .. {f.train_end.date()}: its parameters were fitted to "
            "prices alone"
        )
    if result.test_events == 0:
        out.append(
            f"fold {f.index}: no event announced in the test window "
            f"{f.test_start.date()} .. {f.test_end.date()}: its out-of-sample result tests "
            "no new event, only the fading score of earlier ones"
        )
    if result.note:
        out.append(f"fold {f.index}: {result.note}")
    return out


@dataclass(frozen=True)
class _Selection:
    """How each train window chooses: the sweep's points, the metric and its direction."""

    spec: SweepSpec
    points: list[dict[str, Any]]
    metric: str
    maximize: bool
    engine: Engine


def _run_fold(
    config: RunConfig, data: SweepData, sel: _Selection, f: Fold
) -> tuple[FoldResult, pd.DataFrame, list[float]]:
    """Choose on the fold's train window (data cut at its end), run the choice on its test
    window; returns the fold's result, its test curves (``value``, ``exposure``,
    ``buy_and_hold`` and ``benchmark`` if any, all from fresh cash) and its trade results."""
    table = evaluate_points(
        config,
        upto(data, f.train_end),
        sel.points,
        engine=sel.engine,
        start=f.train_start.date(),
        end=f.train_end.date(),
    )
    best = select_best(table, sel.spec, sel.metric, sel.maximize)
    tester = Evaluator(
        config,
        upto(data, f.test_end),
        engine=sel.engine,
        start=f.test_start.date(),
        end=f.test_end.date(),
    )
    bars = data.prices[config.data.tickers[0]].index
    dates = bars[(bars >= f.test_start) & (bars <= f.test_end)]
    equity = pd.Series(config.broker.cash, index=dates, name="value", dtype=float)
    exposure = pd.Series(0.0, index=dates, name="exposure")
    params, in_sample, note = None, {}, ""
    pnls: list[float] = []
    if best is None:
        note = "no point satisfies the constraints on the train window: held cash"
    else:
        params, in_sample = dict(sel.points[best]), _row_metrics(table, best)
        try:
            equity, exposure, pnls = run_point(tester, params)
        except ValueError as exc:
            note = f"the chosen point fails on the test window ({exc}): held cash"
    event_sets = list(data.events.values())
    hold, bench = tester.hold_equity(), tester.benchmark_equity()
    curves = pd.DataFrame({"value": equity, "exposure": exposure})
    curves["buy_and_hold"] = hold.reindex(dates).ffill()
    if bench is not None:
        curves["benchmark"] = bench.reindex(dates).ffill().fillna(config.broker.cash)
    result = FoldResult(
        fold=f,
        train_events=window_events(event_sets, bars, f.train_start, f.train_end),
        test_events=window_events(event_sets, bars, f.test_start, f.test_end),
        candidates=len(sel.points),
        feasible=sum(feasible_rows(table, sel.spec, sel.metric)),
        params=params,
        in_sample=in_sample,
        out_of_sample=_metrics(tester, equity, exposure, pnls),
        note=note,
        hold_return=_window_return(hold, config.broker.cash),
        benchmark_return=_window_return(bench, config.broker.cash),
    )
    return result, curves, pnls


def run_walkforward(
    config: RunConfig,
    data: SweepData,
    *,
    folds: int = 4,
    train_days: int | None = None,
    test_days: int | None = None,
    anchored: bool = False,
    metric: str | None = None,
    engine: Engine = "fast",
) -> WalkForwardResult:
    """Choose the sweep's best point on each train window, run it on the next test window.

    Args:
        config: a run config with a ``sweep`` section.
        data: from :func:`~recall_risk.sweep.prepare_sweep_data`.
        folds, train_days, test_days, anchored: the fold layout (see :func:`make_folds`).
        metric: the selection metric (default: the sweep's; its direction from the metric).
        engine: ``"fast"`` or ``"backtrader"``, as for :func:`~recall_risk.sweep.evaluate_points`.

    The stitched metrics use the chained curve; their ``trades`` and ``win_rate`` pool every test
    window's closed trades (each measured in its own window's fresh-cash currency units).

    Raises:
        ConfigError: no sweep section, a bad option, or too few bars for the layout.
    """
    where = str(config.source_path or "config")
    spec = load_sweep_spec(config)
    if metric is None or metric == spec.metric:
        metric, maximize = spec.metric, spec.maximize
    else:
        check_metric(metric, f"{where}: --metric")
        maximize = HIGHER_IS_BETTER.get(metric) is not False
    layout = make_folds(
        pd.DatetimeIndex(data.prices[config.data.tickers[0]].index),
        folds=folds,
        train_days=train_days,
        test_days=test_days,
        anchored=anchored,
        where=where,
    )
    sel = _Selection(spec, [dict(p) for p in spec.points()], metric, maximize, engine)
    cash = config.broker.cash
    results, pieces, pnls_all, warnings = [], [], [], []
    chained = ("value", "buy_and_hold", "benchmark")
    level = dict.fromkeys(chained, cash)
    for f in layout:
        result, curves, pnls = _run_fold(config, data, sel, f)
        results.append(result)
        warnings.extend(_fold_warnings(result))
        piece = curves.copy()
        for column in chained:  # each test window starts from fresh cash: compound
            if column in piece:
                piece[column] = piece[column] / cash * level[column]
                level[column] = float(piece[column].iloc[-1])
        piece.insert(0, "fold", f.index)
        pieces.append(piece)
        pnls_all.extend(pnls)
    stitched = pd.concat(pieces)
    stitched.index.name = "date"
    whole = Evaluator(
        config,
        upto(data, layout[-1].test_end),
        engine=engine,
        start=layout[0].test_start.date(),
        end=layout[-1].test_end.date(),
    )
    return WalkForwardResult(
        name=config.name,
        metric=metric,
        maximize=maximize,
        anchored=anchored,
        engine=engine,
        point_keys=spec.keys,
        folds=results,
        stitched=stitched,
        stitched_metrics=_metrics(whole, stitched["value"], stitched["exposure"], pnls_all),
        warnings=warnings,
        initial_cash=cash,
    )
