"""Imported event sets as files: the YAML event format, and a run config that backtests them.

Pure functions returning text; the command line writes it atomically.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from recall_risk.events import EventSet


def event_set_yaml(event_set: EventSet, header: str) -> str:
    """One event set in the YAML event format (:func:`recall_risk.events.load_yaml_events`)."""
    events = []
    for event in event_set:
        values = {k: v for k, v in event.model_dump().items() if v is not None}
        events.append({"id": values.pop("id"), "type": values.pop("type"), **values})
    document: dict[str, Any] = {"company": event_set.company, "ticker": event_set.ticker}
    if event_set.benchmark:
        document["benchmark"] = event_set.benchmark
    document["events"] = events
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body


def run_config_yaml(
    sets: dict[str, EventSet],
    events_path: Path,
    config_path: Path,
    *,
    start: date,
    end: date,
    header: str,
) -> str:
    """A run config backtesting every imported ticker against its maker's benchmark:
    buy-and-hold, risk_exit (exit above 0.3, back in below 0.15) and risk_scaled.

    The events path is written relative to the config's folder (how configs resolve it). With
    several tickers the first benchmark named is used for all.
    """
    tickers = sorted(sets)
    relative = Path(os.path.relpath(events_path.resolve(), config_path.resolve().parent))
    events: Any = relative.as_posix()
    if len(tickers) > 1:
        events = {t: relative.as_posix() for t in tickers}
    benchmarks = [sets[t].benchmark for t in tickers if sets[t].benchmark]
    data: dict[str, Any] = {"tickers": tickers}
    if benchmarks:
        data["benchmark"] = benchmarks[0]
    data.update({"start": start, "end": end, "source": "yfinance"})
    document = {
        "name": config_path.stem,
        "description": f"Regulator events of {', '.join(tickers)}: reference strategies "
        "against buy-and-hold.",
        "data": data,
        "events": events,
        "broker": {"cash": 100000, "commission": 0.001, "slippage": 0.0005},
        "strategies": [
            {"name": "buy_and_hold", "strategy": "buy_and_hold"},
            {
                "name": "risk_exit",
                "strategy": "risk_exit",
                # one imported recall of unknown denominator scores 0.27-0.49 on its day (OTA or
                # not): exit at 0.3, so that a single large campaign is acted on
                "params": {"exit_above": 0.3, "reenter_below": 0.15},
            },
            {"name": "risk_scaled", "strategy": "risk_scaled"},
        ],
    }
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"# {line}\n" for line in header.splitlines()) + body
