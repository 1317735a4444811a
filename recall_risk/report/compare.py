"""Compare run folders: read each ``metrics.json`` (and ``equity.csv``), line the strategies up.

Rows are ``run/strategy`` (the benchmark of a run is ``run/benchmark``, never highlighted as best:
it is the yardstick, not a contender). Runs over different data ranges or tickers are refused
unless ``allow_mismatch``: a Sharpe ratio over 2022-2025 says nothing against one over 2024-2026.
The config values that differ between the runs and each run's metric deltas against a base run
(the first, or ``base``) come from :mod:`.compare_diff`. Reading is strict and every error names
the file.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from recall_risk.calendar import iso_date
from recall_risk.errors import ConfigError
from recall_risk.metrics import METRIC_NAMES
from recall_risk.report.best import best_rows
from recall_risk.report.compare_diff import config_values, differences, metric_deltas
from recall_risk.validation import describe

BENCHMARK = "benchmark"


@dataclass(frozen=True)
class RunSummary:
    """What a comparison needs from one run folder.

    Attributes:
        label: unique display name (the folder name, suffixed if two folders share it).
        path: the folder as given.
        name: the run's config name.
        data_range: ``{"start": ISO date, "end": ISO date}``.
        strategies: metrics by strategy name, the benchmark last as ``benchmark``.
        benchmark_ticker: the benchmark's ticker, if the run had one.
        equity: the run's equity.csv (dates x strategies), or None when the file is absent.
        initial_cash: the broker's starting cash (None in a metrics.json without it).
        config: comparable config values (:func:`~.compare_diff.config_values`).
        tickers: the run's tickers (empty when its metrics.json does not say).
    """

    label: str
    path: Path
    name: str
    data_range: dict[str, str]
    strategies: dict[str, dict[str, Any]]
    benchmark_ticker: str | None
    equity: pd.DataFrame | None
    initial_cash: float | None = None
    config: dict[str, Any] | None = None
    tickers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """Several runs side by side; ``base`` is the label of the run deltas are taken against."""

    runs: tuple[RunSummary, ...]
    mismatched: bool
    base: str = ""

    def base_label(self) -> str:
        """The base run's label (the first run unless another was chosen)."""
        return self.base or self.runs[0].label

    def differences(self) -> dict[str, dict[str, str]]:
        """Config values that differ between the runs: ``{key: {run label: value}}``."""
        return differences({r.label: r.config or {} for r in self.runs})

    def deltas(self) -> dict[str, dict[str, float | None]]:
        """Every other run's metrics minus the base run's, per ``run/strategy``."""
        return metric_deltas({r.label: r.strategies for r in self.runs}, self.base_label())

    def thin(self) -> list[str]:
        """Rows whose run marked them as resting on too few round trips or events
        (``evidence.thin`` in metrics.json, :mod:`recall_risk.evidence`)."""
        return [
            label
            for label, metrics in self.rows().items()
            if isinstance(metrics.get("evidence"), dict) and metrics["evidence"].get("thin")
        ]

    def rows(self) -> dict[str, dict[str, Any]]:
        """Metrics by ``run/strategy`` label, runs in the order given."""
        return {
            f"{run.label}/{name}": metrics
            for run in self.runs
            for name, metrics in run.strategies.items()
        }

    def best(self) -> dict[str, set[str]]:
        """For each metric with a direction, the row labels holding its best value.

        ``final_value`` is in money: with runs of different starting cash it is no ranking (the
        returns are), so it is not highlighted then. The benchmark rows and rows on thin
        evidence (:meth:`thin`) are never best.
        """
        thin = self.thin()
        contenders = {
            k: v
            for k, v in self.rows().items()
            if not k.endswith(f"/{BENCHMARK}") and k not in thin
        }
        best = best_rows(contenders)
        if len({run.initial_cash for run in self.runs}) > 1:
            best.pop("final_value", None)
        return best


def _fail(path: Path, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {problem}; expected a metrics.json written by `recall-risk run`")


def _require(doc: Mapping[str, Any], key: str, kind: type, path: Path, where: str) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind):
        got = "missing" if key not in doc else f"a {type(value).__name__}"
        raise _fail(path, f"field '{where}{key}' is {got}, not a {kind.__name__}")
    return value


def read_metrics(path: Path) -> dict[str, Any]:
    """Parse and check one ``metrics.json``; errors name the file and the field."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; is {path.parent} a run folder written by `recall-risk run`?"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise _fail(
            path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except _NonFiniteError as exc:
        raise _fail(path, f"holds {exc}, which is not a number JSON allows") from None
    except RecursionError:
        raise _fail(path, "nested too deeply to read") from None
    if not isinstance(doc, dict):
        raise _fail(path, f"top level is a {type(doc).__name__}, not an object")
    run = _require(doc, "run", dict, path, "")
    span = _require(run, "data_range", dict, path, "run.")
    for key in ("start", "end"):
        _require(span, key, str, path, "run.data_range.")
    strategies = _require(doc, "strategies", dict, path, "")
    for key in ("start", "end"):
        if iso_date(span[key]) is None:
            raise _fail(path, f"field 'run.data_range.{key}' is {describe(span[key])}, not a date")
    if not strategies:
        raise _fail(path, "field 'strategies' is empty")
    for name, entry in strategies.items():
        if not isinstance(entry, dict):
            raise _fail(path, f"field 'strategies.{name}' is not an object")
        _check_metrics(entry, path, f"strategies.{name}")
    if doc.get("benchmark") is not None:
        if not isinstance(doc["benchmark"], dict):
            raise _fail(path, "field 'benchmark' is neither an object nor null")
        _check_metrics(doc["benchmark"], path, "benchmark")
    return doc


class _NonFiniteError(ValueError):
    pass


def _no_constant(name: str) -> float:
    # NaN, Infinity, -Infinity: Python's json reads them, JSON has no such numbers
    raise _NonFiniteError(name)


def _check_metrics(entry: Mapping[str, Any], path: Path, where: str) -> None:
    """Every metric a row shows is a finite number or null, and a row has at least one."""
    known = [m for m in METRIC_NAMES if m in entry]
    if not known:
        raise _fail(path, f"field {where!r} holds none of the metrics ({', '.join(METRIC_NAMES)})")
    for metric in known:
        value = entry[metric]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(path, f"field '{where}.{metric}' is {describe(value)}, not a number")
        if not math.isfinite(value) or abs(value) > 1e300:
            raise _fail(path, f"field '{where}.{metric}' is {value!r}, not a finite number")


def _recover(folder: Path) -> None:
    """A run folder a killed ``run`` left moved aside is put back before it is read."""
    from recall_risk.report.atomic import output_lock, recover_output

    if folder.parent.is_dir() and os.access(folder.parent, os.W_OK | os.X_OK):
        with output_lock(folder):
            recover_output(folder)


def read_equity(path: Path) -> pd.DataFrame | None:
    """A run's equity.csv (None if absent); a malformed file is an error naming it."""
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, index_col=0)
        frame.index = pd.to_datetime(frame.index, format="%Y-%m-%d")
        return frame.astype("float64")
    except (ValueError, TypeError, OSError, pd.errors.ParserError) as exc:
        raise ConfigError(
            f"{path}: malformed equity.csv (expected date, then values): {exc}"
        ) from None


def _labels(dirs: Sequence[Path]) -> list[str]:
    labels: list[str] = []
    for folder in dirs:
        base = folder.resolve().name or str(folder)
        label, n = base, 2
        while label in labels:
            label, n = f"{base}-{n}", n + 1
        labels.append(label)
    return labels


def _summary(folder: Path, label: str) -> RunSummary:
    if not folder.is_dir():
        _recover(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such run folder")
    doc = read_metrics(folder / "metrics.json")
    strategies = {name: dict(entry) for name, entry in doc["strategies"].items()}
    bench = doc.get("benchmark")
    if bench is not None:
        strategies[BENCHMARK] = dict(bench)
    return RunSummary(
        label=label,
        path=folder,
        name=str(doc["run"].get("name", label)),
        data_range={k: doc["run"]["data_range"][k] for k in ("start", "end")},
        strategies=strategies,
        benchmark_ticker=bench.get("ticker") if bench else None,
        equity=read_equity(folder / "equity.csv"),
        initial_cash=_initial_cash(doc),
        config=config_values(doc),
        tickers=_tickers(doc),
    )


def _tickers(doc: Mapping[str, Any]) -> tuple[str, ...]:
    run = doc["run"]
    tickers = run.get("tickers") or ((run.get("config") or {}).get("data") or {}).get("tickers")
    if isinstance(tickers, list | dict):
        return tuple(str(t) for t in tickers)
    return ()


def _initial_cash(doc: Mapping[str, Any]) -> float | None:
    cash = ((doc["run"].get("config") or {}).get("broker") or {}).get("cash")
    return float(cash) if isinstance(cash, int | float) and not isinstance(cash, bool) else None


def compare_runs(
    dirs: Sequence[str | Path], allow_mismatch: bool = False, base: str | Path | None = None
) -> Comparison:
    """Read run folders and line their strategies up.

    Args:
        dirs: run output folders (each with a metrics.json).
        allow_mismatch: accept runs over different data ranges or tickers.
        base: the run deltas are taken against: one of ``dirs`` (as given) or its label;
            default the first.

    Raises:
        ConfigError: a folder or its metrics.json is missing or malformed, the data ranges or
            tickers differ and ``allow_mismatch`` is false, or ``base`` is none of the runs
            (exit code 2 in the CLI).
    """
    folders = [Path(d) for d in dirs]
    if not folders:
        raise ConfigError("compare: give at least one run folder")
    runs = tuple(_summary(f, label) for f, label in zip(folders, _labels(folders), strict=True))
    ranges = {(r.data_range["start"], r.data_range["end"]) for r in runs}
    tickers = {r.tickers for r in runs if r.tickers}
    mismatched = len(ranges) > 1 or len(tickers) > 1
    if len(ranges) > 1 and not allow_mismatch:
        listing = "; ".join(
            f"{r.path} {r.data_range['start']} .. {r.data_range['end']}" for r in runs
        )
        raise ConfigError(
            f"runs cover different data ranges ({listing}); compare runs over the same range or "
            "pass --allow-mismatch"
        )
    if len(tickers) > 1 and not allow_mismatch:
        listing = "; ".join(f"{r.path} {', '.join(r.tickers)}" for r in runs)
        raise ConfigError(
            f"runs trade different tickers ({listing}); compare runs of the same tickers or "
            "pass --allow-mismatch"
        )
    return Comparison(runs=runs, mismatched=mismatched, base=_base_label(runs, base))


def _base_label(runs: Sequence[RunSummary], base: str | Path | None) -> str:
    if base is None:
        return runs[0].label
    for run in runs:
        if str(base) in (run.label, str(run.path)) or Path(base).resolve() == run.path.resolve():
            return run.label
    names = ", ".join(r.label for r in runs)
    raise ConfigError(f"--base {base}: not one of the compared runs ({names})")


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """One row per run/strategy: run, strategy, data range, then every metric."""
    from recall_risk.report.serialize import clean_float

    rows = []
    for run in comparison.runs:
        for name, metrics in run.strategies.items():
            row: dict[str, Any] = {
                "run": run.label,
                "strategy": name,
                "data_start": run.data_range["start"],
                "data_end": run.data_range["end"],
            }
            for metric in METRIC_NAMES:
                value = metrics.get(metric)
                row[metric] = clean_float(value) if isinstance(value, float) else value
            rows.append(row)
    return pd.DataFrame(rows, columns=["run", "strategy", "data_start", "data_end", *METRIC_NAMES])
