"""Warnings and notes about the bars a run or sweep loaded, for its user (the CLI prints them).

- :func:`data_warnings`: numbers that could mislead (no event before the last bar, a few bars,
  series covering different periods);
- :func:`data_notes`: oddities the bars keep (zero-volume half-day sessions, inconsistent
  high/low), reported rather than silently dropped.
"""

from __future__ import annotations

import pandas as pd

from recall_risk.events import EventSet
from recall_risk.prices import validate_prices
from recall_risk.prices.checks import list_days

MIN_MEANINGFUL_BARS = 20  # below about a month, annualised metrics extrapolate a few days


def data_warnings(
    events: dict[str, EventSet],
    prices: dict[str, pd.DataFrame],
    benchmark: dict[str, pd.DataFrame] | None = None,
) -> list[str]:
    """Warnings about the loaded data of a run or sweep whose numbers could mislead.

    - a ticker whose event set announces nothing up to the last bar: its score is 0 throughout,
      so the risk strategies behave as if there were no risk (usually a date range or ticker
      mistake, not the intent);
    - fewer than :data:`MIN_MEANINGFUL_BARS` bars: CAGR, Sharpe and the like are annualised from
      a few days;
    - tickers and ``benchmark`` (``{ticker: bars}``) whose first or last bars are more than
      :data:`MAX_RANGE_GAP_DAYS` apart: their metrics cover different periods, and a rotation
      sits partly in cash until its last ticker starts trading.
    """
    warnings = []
    for ticker, event_set in sorted(events.items()):
        frame = prices.get(ticker)
        if frame is None or not len(frame) or not event_set.events:
            continue
        last = frame.index[-1].date()
        first_event = event_set.events[0]
        if first_event.announced > last:
            warnings.append(
                f"{ticker}: no event of {event_set.company} is announced by the last bar "
                f"({last.isoformat()}; the first is {first_event.id}, "
                f"{first_event.announced.isoformat()}): the score is 0 on every bar, so the risk "
                "strategies see no risk; check data.start/data.end"
            )
    frames = [frame for frame in prices.values() if len(frame)]
    bars = min((len(frame) for frame in frames), default=0)
    if frames and bars < MIN_MEANINGFUL_BARS:
        first = min(frame.index[0] for frame in frames).date().isoformat()
        last_day = max(frame.index[-1] for frame in frames).date().isoformat()
        warnings.append(
            f"only {bars} bars in {first} .. {last_day}: cagr, volatility, sharpe, sortino, "
            "calmar, alpha and beta are annualised from a few days and mean little"
        )
    warnings.extend(_range_warnings({**prices, **(benchmark or {})}))
    return warnings


def data_notes(series: dict[str, pd.DataFrame]) -> list[str]:
    """What the loaded bars keep that a user should know, in one line across tickers:
    zero-volume bars (half-day sessions in Yahoo data) and bars with inconsistent high/low, both
    kept as bars. Empty when every series is clean."""
    reports = [validate_prices(frame, name=name) for name, frame in sorted(series.items())]
    parts = []
    for label, found in (
        ("zero-volume bars", [(r.name, r.zero_volume_dates) for r in reports]),
        ("bars with inconsistent high/low", [(r.name, r.inconsistent_dates) for r in reports]),
    ):
        found = [(name, days) for name, days in found if days]
        if found:
            total = sum(len(days) for _, days in found)
            each = "; ".join(f"{name} {len(days)}: {list_days(days)}" for name, days in found)
            parts.append(f"{total} {label} kept as bars ({each})")
    return [", ".join(parts)] if parts else []


MAX_RANGE_GAP_DAYS = 7  # a week of holidays apart is normal across exchanges


def _range_warnings(series: dict[str, pd.DataFrame]) -> list[str]:
    ranges = {name: (f.index[0], f.index[-1]) for name, f in series.items() if len(f)}
    if len(ranges) < 2:
        return []
    out = []
    for end, label in ((0, "first"), (1, "last")):
        days = [r[end] for r in ranges.values()]
        if (max(days) - min(days)).days > MAX_RANGE_GAP_DAYS:
            listed = ", ".join(
                f"{name} {r[end].date().isoformat()}" for name, r in sorted(ranges.items())
            )
            out.append(
                f"the {label} bars differ ({listed}): the series cover different periods, so "
                "their metrics are not comparable (and a strategy waits in cash for a ticker "
                "that has not started); set data.start/data.end inside the common range"
            )
    return out
