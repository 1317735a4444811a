"""Point in time: an event counts from its ``announced`` date's close, never before, and its
``occurred`` date never matters (after zipline's tests/pipeline/test_events.py, which walks every
ordering of event date, known date and bar date)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recall_risk.calendar import weekday_calendar
from recall_risk.events import (
    Deliveries,
    Incident,
    Investigation,
    Orders,
    QualityRanking,
    Recall,
    Regulatory,
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
    if kind == "investigation":
        return Investigation(**base, action="EA", vehicles=1000)
    if kind == "regulatory":
        return Regulatory(**base, action="fine", authority="EPA", amount=5.0, annual_revenue=100.0)
    return Incident(**base, fatalities=1)


KINDS = (
    "recall",
    "quality_ranking",
    "orders",
    "deliveries",
    "incident",
    "investigation",
    "regulatory",
)


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


# Imported regulator records: whatever the two dates of a recall row (either may be missing) and
# the day an investigation opened, no imported event counts before its rule's date.

_DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


def _recall_line(number: int, received: date | None, created: date | None) -> str:
    from recall_risk.regulators.nhtsa_files import RCL

    cells = dict.fromkeys(RCL.names, "")
    cells.update(
        CAMPNO=f"{number:02d}V{number:03d}000",
        MFGNAME="Tesla, Inc.",
        RCLTYPECD="V",
        POTAFF="1000",
        RCDATE=received.strftime("%Y%m%d") if received else "",
        DATEA=created.strftime("%Y%m%d") if created else "",
    )
    return "\t".join(cells[name] for name in RCL.names)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), _DAYS), st.one_of(st.none(), _DAYS)).filter(
            lambda pair: pair != (None, None)
        ),
        min_size=1,
        max_size=4,
    ),
    st.sampled_from(["safe", "record-created", "report-received"]),
)
def test_imported_recalls_never_count_before_their_rule_date(tmp_path_factory, rows, rule):
    from recall_risk.regulators import announced_date, import_recalls

    path = tmp_path_factory.mktemp("rcl") / "FLAT_RCL.txt"
    path.write_text("\n".join(_recall_line(i, *pair) for i, pair in enumerate(rows)) + "\n")
    events = import_recalls(path, announced=rule).sets["TSLA"]
    assert len(events) == len(rows)
    for index, (received, created) in enumerate(rows):
        event = events.by_id(f"{index:02d}V{index:03d}000")
        assert event.announced == announced_date(received, created, rule)
        if rule == "safe":  # never before the public file had it, never on the day of receipt
            assert created is None or event.announced >= created
            assert received is None or event.announced > received
        day_before = event.announced - timedelta(days=1)
        alone = score_events([event], [day_before, event.announced])
        assert alone.iloc[0]["score"] == 0.0 and alone.iloc[1]["score"] > 0.0
        others = events.replace_events(e for e in events if e.id != event.id)
        np.testing.assert_array_equal(
            score_events(events, [day_before]).to_numpy(),
            score_events(others, [day_before]).to_numpy(),
        )


@settings(max_examples=20, deadline=None)
@given(st.lists(_DAYS, min_size=1, max_size=5, unique=True))
def test_imported_investigations_never_count_before_the_day_after_opening(tmp_path_factory, days):
    from recall_risk.regulators import import_investigations

    lines = [
        f"PE{i:05d}\tTESLA\tMODEL 3\t2020\tSTEERING\tTesla, Inc.\t{d:%Y%m%d}\t\t\tsubject\t"
        for i, d in enumerate(days)
    ]
    path = tmp_path_factory.mktemp("inv") / "FLAT_INV.txt"
    path.write_text("\n".join(lines) + "\n")
    events = import_investigations(path).sets["TSLA"]
    for index, opened in enumerate(days):
        event = events.by_id(f"PE{index:05d}")
        assert event.announced == opened + timedelta(days=1)
        assert score_events([event], [opened]).iloc[0]["score"] == 0.0
