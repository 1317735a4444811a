"""Point in time: an event counts from its ``announced`` date's close, never before, and its
``occurred`` date never matters (after zipline's tests/pipeline/test_events.py, which walks every
ordering of event date, known date and bar date)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from recall_risk.calendar import weekday_calendar
from recall_risk.events import (
    Deliveries,
    Incident,
    Orders,
    QualityRanking,
    Recall,
    bundled_event_sets,
    load_events,
)
from recall_risk.scoring import COLUMNS, event_magnitudes, score_events

MON, TUE, WED = date(2025, 1, 6), date(2025, 1, 7), date(2025, 1, 8)
DATES = (MON, TUE, WED)
OCCURRED = (None, *DATES)


def make(kind: str, announced: date, occurred: date | None):
    base = {"id": "e", "announced": announced, "occurred": occurred, "source": "t"}
    if kind == "recall":
        return Recall(**base, units=10, cumulative_sales=100)
    if kind == "quality_ranking":
        return QualityRanking(**base, ranking="r", placement=3, field_size=4)
    if kind == "orders":
        return Orders(**base, period="2025-01", change=-0.2)
    if kind == "deliveries":
        return Deliveries(**base, period="2025-01", units=10, change=-0.2)
    return Incident(**base, fatalities=1)


KINDS = ("recall", "quality_ranking", "orders", "deliveries", "incident")


@pytest.mark.parametrize("kind", KINDS)
def test_every_ordering_of_occurred_announced_and_bar(kind):
    """Built without the loader's checks, so even occurred > announced is walked."""
    for occurred, announced, bar in itertools.product(OCCURRED, DATES, DATES):
        event = make(kind, announced, occurred)
        row = score_events([event], [bar]).iloc[0]
        contributes = bool(row["score"] > 0)
        assert contributes == (announced <= bar), (occurred, announced, bar)
        reference = score_events([make(kind, announced, None)], [bar]).iloc[0]
        assert row.equals(reference), "occurred changed the score"


@pytest.mark.parametrize("kind", KINDS)
def test_full_magnitude_on_the_announcement_day(kind):
    from recall_risk.scoring import magnitude
    from recall_risk.scoring.params import ScoreParams

    event = make(kind, TUE, None)
    row = score_events([event], [TUE]).iloc[0]
    assert row[type(event).component] == magnitude(event, ScoreParams())


def test_occurred_long_before_announced_does_not_leak():
    """Would fail if the engine used ``occurred``: the days in between must score zero."""
    event = Incident(
        id="i", occurred=date(2025, 3, 1), announced=date(2025, 3, 31), source="t", fatalities=3
    )
    frame = score_events([event], pd.date_range("2025-02-20", "2025-04-02"))
    before = frame.loc[:"2025-03-30"]
    assert (before.to_numpy() == 0.0).all()
    assert frame.loc["2025-03-31", "incident"] > 0.7


def test_xiaomi_crash_is_unknown_on_2025_03_28():
    events = load_events("xiaomi_su7")
    without = events.replace_events(e for e in events if e.id != "crash-2025-03-29")
    calendar = weekday_calendar("2025-01-01", "2025-04-30")
    full = score_events(events, calendar)
    reduced = score_events(without, calendar)
    np.testing.assert_array_equal(
        full.loc[:"2025-03-28"].to_numpy(), reduced.loc[:"2025-03-28"].to_numpy()
    )
    assert full.loc["2025-03-28", "incident"] == 0.0
    assert full.loc["2025-03-31", "incident"] > 0.7
    assert full.loc["2025-03-31", "score"] > reduced.loc["2025-03-31", "score"]


def test_each_day_equals_the_score_of_the_events_known_that_day():
    events = load_events("xiaomi_su7")
    calendar = weekday_calendar("2024-04-25", "2025-10-31")
    full = score_events(events, calendar)
    for stamp in calendar[::3]:
        known = events.known_on(stamp.date())
        row = score_events(known, calendar).loc[stamp]
        np.testing.assert_array_equal(row.to_numpy(), full.loc[stamp].to_numpy())


def test_later_events_leave_earlier_days_bit_for_bit_unchanged():
    events = load_events("xiaomi_su7")
    calendar = weekday_calendar("2024-06-01", "2025-12-31")
    for cut in ("2025-01-23", "2025-05-13", "2025-09-18"):
        day = date.fromisoformat(cut)
        known = events.known_on(day)
        a = score_events(known, calendar).loc[:cut]
        b = score_events(events, calendar).loc[:cut]
        np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_weekend_announcement_counts_from_the_next_trading_day():
    event = Recall(id="r", announced=date(2025, 1, 4), source="t", units=10, cumulative_sales=100)
    frame = score_events([event], weekday_calendar("2025-01-02", "2025-01-07"))
    assert frame.loc["2025-01-03", "recall"] == 0.0
    monday = frame.loc["2025-01-06", "recall"]
    assert 0.0 < monday < score_events([event], [date(2025, 1, 4)]).iloc[0]["recall"]
    assert list(frame.columns) == list(COLUMNS)
    assert monday == score_events([event], [date(2025, 1, 4) + timedelta(days=2)]).iloc[0]["recall"]


# --- every calendar day, every bundled event ------------------------------------------------
# The day before ``announced`` is untouched by the event and ``announced`` itself sees it. A
# weekday calendar cannot catch a leak of a day or two for events announced on a Monday (the
# Xiaomi crash: announced Monday 31 March, so a leak onto the weekend is invisible there); a
# calendar of all days can.

CASES = [
    pytest.param(name, event.id, id=f"{name}:{event.id}")
    for name in bundled_event_sets()
    for event in load_events(name)
]


@pytest.mark.parametrize(("name", "event_id"), CASES)
def test_event_counts_from_its_announcement_day_not_a_day_earlier(name, event_id):
    events = load_events(name)
    event = events.by_id(event_id)
    without = events.replace_events(e for e in events if e.id != event_id)
    days = pd.date_range(event.announced - timedelta(days=10), event.announced + timedelta(days=3))
    full, reduced = score_events(events, days), score_events(without, days)
    day_before = pd.Timestamp(event.announced - timedelta(days=1))
    np.testing.assert_array_equal(
        full.loc[:day_before].to_numpy(), reduced.loc[:day_before].to_numpy()
    )
    figures = event_magnitudes(events).set_index("id")
    if figures.loc[event_id, "magnitude"] > 0:
        component = str(figures.loc[event_id, "component"])
        on_day = pd.Timestamp(event.announced)
        assert full.loc[on_day, component] > reduced.loc[on_day, component]
        assert full.loc[on_day, "score"] > reduced.loc[on_day, "score"]
