"""A run's weight of evidence and the plugin's own figures, as rows every report shows.

:func:`run_evidence` applies :mod:`recall_risk.evidence` to each strategy of a run (against its
``buy_and_hold`` strategy, or, without one, an equal-weight buy-and-hold of the tickers bought at
the first open); :func:`plugin_rows` reads the risk analysis already in ``metrics.json`` (drawdown
avoided, time above each ``report.thresholds`` value, exposure while the score was that high).
Rows are plain text; escaping belongs to the renderers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from recall_risk.evidence import (
    BLOCK_DAYS,
    LEVEL,
    SAMPLES,
    SEED,
    THIN_MARK,
    Evidence,
    Interval,
    assess,
)
from recall_risk.report.events_table import event_rows
from recall_risk.report.tables import BENCHMARK, all_runs

if TYPE_CHECKING:
    from recall_risk.runner import RunResult

HOLD = "buy_and_hold"


def events_in_range(result: RunResult) -> tuple[int, int]:
    """``(events in range that moved the score, every event in range)``."""
    inside = [e for e in event_rows(result) if e.scope == "in"]
    return sum(1 for e in inside if e.magnitude > 0), len(inside)


def hold_curve(result: RunResult) -> tuple[pd.Series, float]:
    """Buy-and-hold's equity and starting value: the run's ``buy_and_hold`` strategy, else the
    tickers in equal weight from their first open (no costs)."""
    for run in result.strategies.values():
        if run.strategy == HOLD:
            return run.output.equity, result.config.broker.cash
    closes = pd.concat(
        {t: f["close"] / f["open"].iloc[0] for t, f in result.prices.items()}, axis=1
    ).ffill()
    return closes.mean(axis=1) * result.config.broker.cash, result.config.broker.cash


def run_evidence(result: RunResult) -> dict[str, Evidence]:
    """Evidence per run name (strategies and ``benchmark``): :func:`recall_risk.evidence.assess`."""
    options = result.config.report
    events, listed = events_in_range(result)
    reference, ref_start = hold_curve(result)
    cash = result.config.broker.cash
    out = {}
    for name, run in all_runs(result).items():
        is_hold = name == BENCHMARK or run.strategy == HOLD
        out[name] = assess(
            round_trips=len(run.output.trades),
            trades_matter=not is_hold,
            events=events,
            events_listed=listed,
            min_trades=options.min_trades,
            min_events=options.min_events,
            equity=None if is_hold else run.output.equity,
            start_cash=cash,
            reference=reference,
            reference_start=ref_start,
        )
    return out


def thin_labels(evidence: dict[str, Evidence]) -> set[str]:
    """Names of the runs whose figures are thin (marked, never best)."""
    return {name for name, e in evidence.items() if e.thin}


def marked(name: str, evidence: dict[str, Evidence]) -> str:
    """``name``, with the thin-evidence mark when its figures rest on too little."""
    e = evidence.get(name)
    return f"{name} {THIN_MARK}" if e is not None and e.thin else name


def _pct(x: float) -> str:
    return f"{x * 100:+.1f}%"


def interval_text(i: Interval | None, *, percent: bool) -> str:
    """``+96.2% [+12.0%, +180.3%]`` (point, then the interval), ``-`` when undefined."""
    if i is None:
        return "-"
    f = _pct if percent else (lambda x: f"{x:+.2f}")
    return f"{f(i.point)} [{f(i.low)}, {f(i.high)}]"


EVIDENCE_HEADERS = (
    "strategy",
    "round trips",
    "events in range",
    "total return vs buy-and-hold [90% interval]",
    "Sharpe vs buy-and-hold [90% interval]",
)


def evidence_rows(evidence: dict[str, Evidence]) -> list[list[str]]:
    """One row per run of :data:`EVIDENCE_HEADERS`."""
    rows = []
    for name, e in evidence.items():
        rows.append(
            [
                marked(name, evidence),
                str(e.round_trips),
                f"{e.events} ({e.events_listed} listed)",
                interval_text(e.total_return_diff, percent=True),
                interval_text(e.sharpe_diff, percent=False),
            ]
        )
    return rows


def evidence_notes(result: RunResult, evidence: dict[str, Evidence]) -> list[str]:
    """The footnote and the caveats a reader needs beside the evidence table."""
    options = result.config.report
    first = next(iter(evidence.values()), None)
    notes = [
        f"{THIN_MARK} fewer than {options.min_trades} round trips (report.min_trades) or fewer "
        f"than {options.min_events} score-moving events in range (report.min_events): figures "
        "shown, never highlighted as best.",
        f"Intervals: paired circular block bootstrap of daily returns (blocks of {BLOCK_DAYS} "
        f"days, {SAMPLES} resamples, seed {SEED}), {LEVEL:.0%} percentile interval of strategy "
        "minus buy-and-hold.",
    ]
    if first is not None and first.events < options.min_events:
        notes.insert(
            0,
            f"Only {first.events} score-moving events in range: too few to judge a "
            "risk rule; no strategy that trades is highlighted.",
        )
    return notes


def risk_exits(result: RunResult, fills: list[dict], level: float) -> tuple[int, int]:
    """``(sells decided with the score at or above level, all sells)`` of a strategy's fills.

    An order fills at the next bar's open, so the score that decided it is the one at the close
    before the fill.
    """
    sells = exits = 0
    for fill in fills:
        if fill.get("side") != "sell" or fill.get("status", "filled") != "filled":
            continue
        sells += 1
        scores = result.scores.get(str(fill.get("ticker")))
        if scores is None:
            continue
        before = scores["score"].loc[: pd.Timestamp(fill["date"]) - pd.Timedelta(days=1)]
        if len(before) and float(before.iloc[-1]) >= level:
            exits += 1
    return exits, sells


def plugin_table(result: RunResult) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the plugin's figures: sells, drawdown avoided against buy-and-hold,
    then per threshold the time the score spent at or above it and the exposure meanwhile."""
    thresholds = list(result.config.report.thresholds)
    level = min(thresholds, default=0.5)
    headers = ["strategy", f"risk exits (sells at score ≥ {level:g}) / sells", "drawdown avoided"]
    for t in thresholds:
        headers += [f"time score ≥ {t:g}", f"exposure while ≥ {t:g}"]
    rows = []
    for name, run in result.strategies.items():
        risk = run.output.risk
        avoided = risk.get("drawdown_avoided")
        row = [
            name,
            "{} / {}".format(*risk_exits(result, run.output.fills, level)),
            "-" if avoided is None else f"{avoided * 100:+.1f} pts",
        ]
        above = risk.get("above", {})
        for t in thresholds:
            cell = above.get(float(t), above.get(str(float(t)), {}))
            fraction, exposure = cell.get("fraction"), cell.get("exposure")
            row.append("-" if fraction is None else f"{fraction * 100:.1f}%")
            row.append("-" if exposure is None else f"{exposure * 100:.1f}%")
        rows.append(row)
    return headers, rows
