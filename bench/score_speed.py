"""Speed of the vectorised score against a naive per-day loop.

Builds 1,000 tickers x 20 random (seeded) events on a 5,000-trading-day weekday calendar, times
``score_many`` over all of them (best of 3), times a pure-Python per-day loop of the same formula
on a few tickers and extrapolates, checks both agree to 1e-12, and prints the ratio.

Run from the repository root: ``python bench/score_speed.py [--tickers N] [--naive-tickers K]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from recall_risk.calendar import weekday_calendar
from recall_risk.events import Deliveries, Incident, Orders, QualityRanking, Recall
from recall_risk.scoring import COLUMNS, ScoreParams, score_many
from recall_risk.scoring.model import COMPONENTS, component_of, magnitude

TARGET_SECONDS = 1.0
N_DAYS = 5_000
EVENTS_PER_TICKER = 20


def random_event(rng: random.Random, i: int, first: date, span_days: int):
    """One random event of a random type, announced within (or a little before) the calendar."""
    announced = first + timedelta(days=rng.randrange(-200, span_days))
    base = {"id": f"e{i}", "announced": announced, "source": "bench"}
    kind = rng.choice(("recall", "quality_ranking", "orders", "deliveries", "incident"))
    if kind == "recall":
        sales = rng.randrange(1_000, 2_000_000)
        return Recall(
            **base,
            units=rng.randrange(1, sales + 1),
            cumulative_sales=sales,
            safety_critical=rng.random() < 0.7,
            remedy=rng.choice(("ota", "physical")),
        )
    if kind == "quality_ranking":
        size = rng.randrange(1, 40)
        penalty = rng.random() < 0.5
        return QualityRanking(
            **base,
            ranking="bench",
            placement=rng.randrange(1, size + 1),
            field_size=size,
            penalty_points=rng.uniform(50, 400) if penalty else None,
            segment_average=rng.uniform(100, 250) if penalty else None,
        )
    if kind == "orders":
        return Orders(**base, period=str(announced.year), change=rng.uniform(-1, 1))
    if kind == "deliveries":
        change = rng.uniform(-1, 1) if rng.random() < 0.5 else None
        return Deliveries(
            **base, period=str(announced.year), units=rng.randrange(0, 50_000), change=change
        )
    return Incident(
        **base,
        fatalities=rng.randrange(0, 5),
        injuries=rng.randrange(0, 20),
        severity=rng.random() if rng.random() < 0.3 else None,
    )


def build(n_tickers: int, seed: int = 20250919):
    calendar = weekday_calendar(date(2000, 1, 3), date(2000, 1, 3) + timedelta(days=7_100))[:N_DAYS]
    first = calendar[0].date()
    span = (calendar[-1].date() - first).days
    rng = random.Random(seed)
    sets = {
        f"T{t:04d}": [random_event(rng, i, first, span) for i in range(EVENTS_PER_TICKER)]
        for t in range(n_tickers)
    }
    return calendar, sets


def naive_score(events, calendar, params: ScoreParams) -> list[list[float]]:
    """The documented formula, one day and one event at a time, in pure Python."""
    mags = [(e.announced, component_of(e), magnitude(e, params)) for e in events]
    out = []
    for stamp in calendar:
        day = stamp.date()
        survival = dict.fromkeys(COMPONENTS, 1.0)
        for announced, component, m in mags:
            if announced <= day:
                h = getattr(params.half_life_days, component)
                survival[component] *= 1.0 - m * 2.0 ** (-(day - announced).days / h)
        parts = {c: 1.0 - survival[c] for c in COMPONENTS}
        total = 1.0
        for c in COMPONENTS:
            total *= 1.0 - getattr(params.weights, c) * parts[c]
        out.append([1.0 - total, *(parts[c] for c in COMPONENTS)])
    return out


def best_of(n: int, func):
    best, result = float("inf"), None
    for _ in range(n):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=1_000)
    parser.add_argument("--naive-tickers", type=int, default=5)
    args = parser.parse_args(argv)
    params = ScoreParams()
    calendar, sets = build(args.tickers)
    cells = args.tickers * EVENTS_PER_TICKER * len(calendar)
    print(
        f"{args.tickers} tickers x {EVENTS_PER_TICKER} events x {len(calendar)} trading days "
        f"({calendar[0].date()}..{calendar[-1].date()}) = {cells:,} event-days"
    )
    fast_s, frames = best_of(3, lambda: score_many(sets, calendar, params))
    subset = list(sets)[: args.naive_tickers]
    start = time.perf_counter()
    naive = {key: naive_score(sets[key], calendar, params) for key in subset}
    naive_s = (time.perf_counter() - start) * args.tickers / len(subset)
    worst = max(
        abs(frames[key][col].iloc[i] - row[j])
        for key in subset
        for i, row in enumerate(naive[key])
        for j, col in enumerate(COLUMNS)
    )
    print(f"score_many, all tickers (best of 3): {fast_s:.3f} s")
    print(f"target < {TARGET_SECONDS:.0f} s: {'met' if fast_s < TARGET_SECONDS else 'NOT met'}")
    print(f"naive per-day loop ({len(subset)} tickers, extrapolated): {naive_s:.1f} s")
    print(f"speed-up: {naive_s / fast_s:.0f}x")
    print(f"max |vectorised - naive| on the subset: {worst:.2e} (tolerance 1e-12)")
    return 0 if worst <= 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main())
