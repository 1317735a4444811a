"""The run's ``metrics.json`` document: config echo, provenance, and every strategy's metrics.

Shape: ``{"run": {...}, "benchmark": {...} | null, "strategies": {NAME: {...}}}``. Each strategy
entry holds the names of :data:`recall_risk.metrics.METRIC_NAMES` at its top level, plus the
strategy it ran, its parameters and the scalar figures of its risk analysis. Nothing in it depends
on the clock or on the machine: paths in the config echo are written relative to the config's
folder, so two checkouts of the same repository produce byte-identical files. ``price_source``
says which kind of source was read (a ``--prices-dir`` overrides the config's ``source``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recall_risk.evidence import BLOCK_DAYS, LEVEL, SAMPLES, SEED, Evidence, Interval
from recall_risk.metrics import METRIC_NAMES

if TYPE_CHECKING:
    from recall_risk.runner import RunResult, StrategyRun

SCHEMA_VERSION = 1


def _relative(value: str, base: Path | None) -> str:
    """``value`` relative to ``base`` when it is an absolute path, else unchanged."""
    path = Path(value)
    if base is None or not path.is_absolute():
        return value
    return Path(os.path.relpath(path, base.resolve())).as_posix()


def config_echo(result: RunResult) -> dict[str, Any]:
    """The run config as JSON, with absolute paths made relative to the config file's folder."""
    config = result.config
    echo = config.model_dump(mode="json")
    base = config.source_path.parent if config.source_path else None
    data = echo["data"]
    if data.get("prices_dir"):
        data["prices_dir"] = _relative(data["prices_dir"], base)
    events = echo.get("events")
    if isinstance(events, str):
        echo["events"] = _relative(events, base)
    elif isinstance(events, list):
        echo["events"] = [_relative(e, base) for e in events]
    elif isinstance(events, dict):
        echo["events"] = {t: _relative(e, base) for t, e in events.items()}
    return echo


def _scalar_risk(risk: dict[str, Any]) -> dict[str, Any]:
    """The scalar (and small mapping) figures of a RiskAnalyzer analysis."""
    return {k: v for k, v in risk.items() if isinstance(v, int | float | dict | type(None))}


def strategy_entry(run: StrategyRun) -> dict[str, Any]:
    """One strategy's metrics at the top level, plus what it ran and its risk analysis."""
    entry: dict[str, Any] = {name: run.metrics.get(name) for name in METRIC_NAMES}
    entry.update(run.metrics)
    entry["strategy"] = run.strategy
    entry["params"] = dict(run.params)
    entry["risk"] = _scalar_risk(run.output.risk)
    return entry


def evidence_entry(evidence: Evidence) -> dict[str, Any]:
    """The weight of evidence of one run as JSON (:mod:`recall_risk.evidence`)."""

    def interval(i: Interval | None) -> dict[str, float] | None:
        return None if i is None else {"point": i.point, "low": i.low, "high": i.high}

    return {
        "round_trips": evidence.round_trips,
        "events": evidence.events,
        "events_listed": evidence.events_listed,
        "thin": evidence.thin,
        "total_return_diff": interval(evidence.total_return_diff),
        "sharpe_diff": interval(evidence.sharpe_diff),
    }


def metrics_document(result: RunResult, evidence: Mapping[str, Evidence]) -> dict[str, Any]:
    """The whole ``metrics.json`` payload (not yet serialised); ``evidence`` is
    :func:`~recall_risk.report.weight.run_evidence` of ``result``."""
    meta = result.meta
    run = {
        "schema_version": SCHEMA_VERSION,
        "name": result.config.name,
        "description": result.config.description,
        "config": config_echo(result),
        "data_range": meta.get("data_range"),
        "bars": meta.get("bars"),
        "versions": meta.get("versions"),
        "input_hashes": meta.get("input_hashes"),
        "score_params": meta.get("score_params"),
        "price_source": meta.get("price_source"),
        "zero_volume_bars": meta.get("zero_volume_bars"),
        "tickers": list(result.config.data.tickers),
        "evidence": {
            "level": LEVEL,
            "block_days": BLOCK_DAYS,
            "samples": SAMPLES,
            "seed": SEED,
            "reference": "buy_and_hold",
        },
    }
    benchmark = None
    if result.benchmark is not None:
        benchmark = strategy_entry(result.benchmark)
        benchmark["ticker"] = result.config.data.benchmark
        benchmark["evidence"] = evidence_entry(evidence["benchmark"])
    strategies = {}
    for name, r in result.strategies.items():
        strategies[name] = strategy_entry(r)
        strategies[name]["evidence"] = evidence_entry(evidence[name])
    return {"run": run, "benchmark": benchmark, "strategies": strategies}
