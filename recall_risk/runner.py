"""Config -> data, events and scores -> one backtest per strategy -> results. Never prints.

Every strategy of a run sees the same prices and the same score frames; the benchmark is held
buy-and-hold with the same broker settings. Progress is reported through an optional callback.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from recall_risk.bt import risk_frame
from recall_risk.bt.engine import BacktestOutput, data_too_short, raised_at, run_backtest
from recall_risk.bt.registry import check_params, resolve_strategy
from recall_risk.config import RunConfig
from recall_risk.datachecks import data_notes, data_warnings
from recall_risk.errors import ConfigError, RecallRiskError
from recall_risk.events import EventSet, is_csv_path, load_events, merge_event_sets
from recall_risk.lots import resolve_lots
from recall_risk.metrics import compute_metrics
from recall_risk.prices import CsvDirectorySource, PriceSource, YFinanceSource, validate_prices
from recall_risk.scoring import COLUMNS as SCORE_COLUMNS
from recall_risk.scoring import ScoreParams

Progress = Callable[[str, int, int], None]
"""``progress(step description, steps done, steps total)``."""

BENCHMARK = "benchmark"


@dataclass(frozen=True)
class StrategyRun:
    """One strategy's backtest and its metrics."""

    name: str
    strategy: str
    params: dict[str, Any]
    output: BacktestOutput
    metrics: dict[str, float | int | None]


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced, ready for the report writers."""

    config: RunConfig
    prices: dict[str, pd.DataFrame]
    benchmark_prices: pd.DataFrame | None
    events: dict[str, EventSet]
    scores: dict[str, pd.DataFrame]
    strategies: dict[str, StrategyRun]
    benchmark: StrategyRun | None
    meta: dict[str, Any] = field(default_factory=dict)


def benchmark_series(
    config: RunConfig, bench_prices: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    """``{benchmark ticker: its bars}``, or ``{}`` without a benchmark."""
    if bench_prices is None or config.data.benchmark is None:
        return {}
    return {config.data.benchmark: bench_prices}


def _all_series(
    prices: dict[str, pd.DataFrame], config: RunConfig, bench_prices: pd.DataFrame | None
) -> dict[str, pd.DataFrame]:
    """The tickers' bars and the benchmark's, by name."""
    return {**prices, **benchmark_series(config, bench_prices)}


def run_warnings(result: RunResult) -> list[str]:
    """What a finished run should tell its user because the numbers could mislead; see
    :func:`data_warnings`."""
    bench = benchmark_series(result.config, result.benchmark_prices)
    return data_warnings(result.events, result.prices, bench)


def run_notes(result: RunResult) -> list[str]:
    """Oddities the run's bars keep (:func:`data_notes`)."""
    return data_notes(_all_series(result.prices, result.config, result.benchmark_prices))


def price_source(config: RunConfig, prices_dir: Path | None = None) -> PriceSource:
    """The source the config asks for; ``prices_dir`` forces a CSV directory."""
    folder = prices_dir or (config.data.prices_dir if config.data.source == "csv" else None)
    if folder is not None:
        if not Path(folder).is_dir():
            raise ConfigError(f"prices_dir {folder}: no such folder of TICKER.csv files")
        return CsvDirectorySource(folder, adjusted=config.data.adjusted)
    return YFinanceSource(adjusted=config.data.adjusted)


def resolve_events(config: RunConfig) -> dict[str, EventSet]:
    """Event sets by ticker; a set named without a ticker applies to the ticker it declares."""
    where = str(config.source_path or "config")
    tickers = config.data.tickers
    found: dict[str, EventSet] = {}
    if config.events is None:
        return found
    if isinstance(config.events, dict):
        for ticker, ref in config.events.items():
            # A CSV may hold several companies: take the mapped ticker's rows.
            found[ticker] = load_events(ref, ticker=ticker if is_csv_path(ref) else None)
        return found
    refs = [config.events] if isinstance(config.events, str) else list(config.events)
    by_ticker: dict[str, list[EventSet]] = {}
    for ref in refs:
        event_set = load_events(ref)
        if event_set.ticker not in tickers:
            raise ConfigError(
                f"{where}: field 'events': set {ref!r} is for ticker {event_set.ticker}, "
                f"which is not in data.tickers ({', '.join(tickers)}); map it explicitly with "
                f"events: {{TICKER: {ref}}}"
            )
        by_ticker.setdefault(event_set.ticker, []).append(event_set)
    # Several sets of one ticker (a bundled set and a user's extra events) are combined.
    return {
        ticker: merge_event_sets(sets, where=f"{where}: field 'events'")
        for ticker, sets in by_ticker.items()
    }


def source_meta(src: PriceSource) -> dict[str, Any]:
    """Which kind of prices a run read: ``{"kind": "csv" | "yfinance", "adjusted": ...}``, or the
    class name of a custom source. No path: where the folder lies differs between machines, and
    ``input_hashes`` already pins the data itself."""
    if isinstance(src, CsvDirectorySource):
        return {"kind": "csv", "adjusted": src.adjusted}
    if isinstance(src, YFinanceSource):
        return {"kind": "yfinance", "adjusted": src.adjusted}
    return {"kind": type(src).__name__}


def _strategy_failed(where: str, index: int, strategy: str, exc: Exception) -> ConfigError:
    """A bug in a (user's) strategy: one message naming the strategy and the line that raised,
    not a traceback through backtrader's internals."""
    return ConfigError(
        f"{where}: field 'strategies[{index}].strategy': strategy {strategy!r} raised "
        f"{type(exc).__name__}: {exc}{raised_at(exc)}"
    )


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a frame's canonical CSV text (independent of where the data came from).

    The line ending is fixed: pandas' default is ``os.linesep``, which would make the hash (and
    metrics.json) differ between Windows and Linux for the same data.
    """
    text = frame.to_csv(float_format="%.17g", lineterminator="\n")
    return hashlib.sha256(text.encode()).hexdigest()


def events_digest(event_set: EventSet) -> str:
    """SHA-256 of an event set's canonical JSON."""
    payload = [e.model_dump(mode="json") for e in event_set.events]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _versions() -> dict[str, str]:
    out = {}
    for name in ("recall-risk", "backtrader", "pandas", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def _trade_pnls(output: BacktestOutput) -> list[float]:
    return [float(t["pnl_net"]) for t in output.trades]


def run_config(
    config: RunConfig,
    *,
    prices_dir: Path | None = None,
    source: PriceSource | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run every strategy of ``config`` and compute its metrics.

    Raises:
        ConfigError, EventFileError, ScoreParamsError, PriceDataError: bad input (exit code 2).
        DataUnavailableError: the online source cannot be reached (exit code 1).
    """
    where = str(config.source_path or "config")
    report = progress or (lambda _msg, _done, _total: None)
    total = len(config.strategies) + 2
    report("loading prices", 0, total)
    base_dir = config.source_path.parent if config.source_path else None
    classes = {
        s.name: resolve_strategy(
            s.strategy, where=f"{where}: strategies[{i}].strategy", base_dir=base_dir
        )
        for i, s in enumerate(config.strategies)
    }
    for i, s in enumerate(config.strategies):
        check_params(classes[s.name], s.params, where=f"{where}: strategies[{i}].params")
    params = ScoreParams.from_mapping(config.score, source=f"{where}: score")
    events = resolve_events(config)

    src = source or price_source(config, prices_dir)
    start, end = config.data.start, config.data.end
    prices = {t: src.load(t, start, end) for t in config.data.tickers}
    bench_prices = src.load(config.data.benchmark, start, end) if config.data.benchmark else None

    frames = {t: risk_frame(prices[t], events.get(t), params) for t in config.data.tickers}
    scores = {t: frames[t][list(SCORE_COLUMNS)] for t in frames}
    broker = config.broker
    common = {
        "cash": broker.cash,
        "commission": broker.commission,
        "slippage": broker.slippage,
        "thresholds": config.report.thresholds,
    }
    lots = resolve_lots(broker.lot_size, config.data.tickers, where=where)

    bench_run = None
    if bench_prices is not None:
        report(f"benchmark {config.data.benchmark}", 1, total)
        bench_frame = risk_frame(bench_prices, None, params)
        output = run_backtest(
            resolve_strategy("buy_and_hold"),
            {config.data.benchmark: bench_frame},
            {"fractional": True},
            **common,
        )
        bench_run = StrategyRun(
            name=BENCHMARK,
            strategy=f"buy_and_hold({config.data.benchmark})",
            params={},
            output=output,
            metrics=compute_metrics(
                output.equity,
                initial_cash=broker.cash,
                exposure=output.exposure,
                trade_pnls=_trade_pnls(output),
                risk_free=config.report.risk_free,
            ),
        )

    runs: dict[str, StrategyRun] = {}
    for i, s in enumerate(config.strategies):
        report(f"strategy {s.name}", 2 + i, total)
        try:
            output = run_backtest(classes[s.name], frames, s.params, lot_size=lots, **common)
        except RecallRiskError:
            raise
        except ValueError as exc:
            # A strategy refusing its parameters (reenter_below above exit_above, say) raises
            # ValueError in __init__: bad input, reported like any other config error.
            raise ConfigError(
                f"{where}: field 'strategies[{i}].params': strategy {s.strategy!r} failed with "
                f"params {dict(s.params)}: {exc}"
            ) from exc
        except IndexError as exc:
            if not data_too_short(exc):
                raise _strategy_failed(where, i, s.strategy, exc) from exc
            bars = min(len(frame) for frame in frames.values())
            raise ConfigError(
                f"{where}: field 'strategies[{i}].params': strategy {s.strategy!r} needs more "
                f"bars than the data has ({bars} bars in {config.data.start} .. "
                f"{config.data.end}; params {dict(s.params)}): an indicator period longer than "
                "the data? Widen data.start/data.end or shorten the period"
            ) from exc
        except Exception as exc:
            raise _strategy_failed(where, i, s.strategy, exc) from exc
        runs[s.name] = StrategyRun(
            name=s.name,
            strategy=s.strategy,
            params=dict(s.params),
            output=output,
            metrics=compute_metrics(
                output.equity,
                initial_cash=broker.cash,
                exposure=output.exposure,
                trade_pnls=_trade_pnls(output),
                benchmark_equity=bench_run.output.equity if bench_run else None,
                benchmark_cash=broker.cash,
                risk_free=config.report.risk_free,
            ),
        )
    report("done", total, total)
    if bench_run is not None:
        bench_run.metrics["alpha"], bench_run.metrics["beta"] = 0.0, 1.0

    first = min(frame.index[0] for frame in prices.values())
    last = max(frame.index[-1] for frame in prices.values())
    meta = {
        "data_range": {"start": first.date().isoformat(), "end": last.date().isoformat()},
        "bars": {t: len(prices[t]) for t in prices},
        "versions": _versions(),
        "input_hashes": {
            "prices": {t: frame_digest(prices[t]) for t in sorted(prices)},
            "benchmark": frame_digest(bench_prices) if bench_prices is not None else None,
            "events": {t: events_digest(events[t]) for t in sorted(events)},
        },
        "score_params": params.model_dump(mode="json"),
        "price_source": source_meta(src),
        "zero_volume_bars": {
            name: [
                d.date().isoformat() for d in validate_prices(frame, name=name).zero_volume_dates
            ]
            for name, frame in sorted(_all_series(prices, config, bench_prices).items())
        },
    }
    return RunResult(
        config=config,
        prices=prices,
        benchmark_prices=bench_prices,
        events=events,
        scores=scores,
        strategies=runs,
        benchmark=bench_run,
        meta=meta,
    )


def report_sections(
    result: RunResult, *, prices_dir: Path | None = None, source: PriceSource | None = None
) -> list[tuple[str, str]]:
    """Extra ``(title, HTML)`` sections the config's ``report`` asks for (``study: true``: the
    event study of the run's events), for ``write_report(..., extra_sections=...)``.

    The study loads the longer price history its estimation windows need from the run's source.
    """
    if not result.config.report.study:
        return []
    from recall_risk.study import report_section

    src = source or price_source(result.config, prices_dir)
    return [report_section(result, source=src)]
