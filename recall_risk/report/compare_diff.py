"""What changed between compared runs: the config values that differ, and metric deltas.

Config values are read from each run's ``metrics.json`` echo and flattened to dotted keys:
``data range`` (the bars actually used), ``data.*`` (tickers, benchmark, requested start/end,
adjusted), ``events``, ``broker.*``, ``score.*`` (the full score parameters the run used, so a
default and an explicit equal value do not differ) and ``strategies.<name>.*`` (the strategy
class and each parameter). Only keys whose values are not all equal are kept.

Deltas are each run's metric minus the same strategy's in the base run (the first, or the one
named), per strategy name, the benchmark included.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recall_risk.metrics import METRIC_NAMES

MISSING = "-"
"""Shown for a key a run does not have (a strategy only one run holds, say)."""
DATA_KEYS = ("tickers", "benchmark", "start", "end", "adjusted")


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping) and value:
        for key in sorted(value):
            _flatten(f"{prefix}.{key}", value[key], out)
    else:
        out[prefix] = value


def config_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A run's comparable config values as ``{dotted key: value}`` (see the module doc)."""
    run = doc.get("run") or {}
    config = run.get("config") or {}
    data = config.get("data") or {}
    span = run.get("data_range") or {}
    out: dict[str, Any] = {"data range": f"{span.get('start')} .. {span.get('end')}"}
    for key in DATA_KEYS:
        if key in data:
            out[f"data.{key}"] = data[key]
    if "events" in config:
        out["events"] = config["events"]
    _flatten("broker", config.get("broker") or {}, out)
    _flatten("score", run.get("score_params") or config.get("score") or {}, out)
    for entry in config.get("strategies") or []:
        if not isinstance(entry, Mapping):
            continue
        name = entry.get("name")
        out[f"strategies.{name}"] = entry.get("strategy")
        ran = ((doc.get("strategies") or {}).get(name) or {}).get("params")
        params = ran if isinstance(ran, Mapping) else entry.get("params") or {}
        for key in sorted(params):
            out[f"strategies.{name}.{key}"] = params[key]
    return out


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return MISSING if value is None else str(value)


def differences(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The keys whose values differ between runs: ``{key: {run label: value as text}}``.

    Args:
        values: :func:`config_values` by run label, in display order.
    """
    keys: list[str] = []
    for run_values in values.values():
        keys += [k for k in run_values if k not in keys]
    out: dict[str, dict[str, str]] = {}
    for key in keys:
        texts = {label: _text(v.get(key)) if key in v else MISSING for label, v in values.items()}
        if len(set(texts.values())) > 1:
            out[key] = texts
    return out


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def metric_deltas(
    strategies: Mapping[str, Mapping[str, Mapping[str, Any]]], base: str
) -> dict[str, dict[str, float | None]]:
    """Each non-base run's metrics minus the base run's, strategy by strategy.

    Args:
        strategies: ``{run label: {strategy name: metrics}}``.
        base: the label of the base run.

    Returns:
        ``{"run/strategy": {metric: delta or None}}`` for every strategy of every other run
        (None where either side lacks the metric or the base run lacks the strategy).
    """
    reference = strategies[base]
    out: dict[str, dict[str, float | None]] = {}
    for label, named in strategies.items():
        if label == base:
            continue
        for name, metrics in named.items():
            mine = reference.get(name, {})
            row: dict[str, float | None] = {}
            for metric in METRIC_NAMES:
                a, b = _number(metrics.get(metric)), _number(mine.get(metric))
                row[metric] = None if a is None or b is None else a - b
            out[f"{label}/{name}"] = row
    return out
