"""Property tests of the score over random event sets and parameters (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
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
)
from recall_risk.scoring import COLUMNS, ComponentWeights, HalfLives, ScoreParams, score_events
from recall_risk.scoring.params import InvestigationSeverity, RegulatorySeverity
from recall_risk.validation import MAX_MAGNITUDE

FIRST, LAST = date(2024, 1, 1), date(2025, 6, 30)
CALENDAR = weekday_calendar(FIRST - timedelta(days=30), LAST + timedelta(days=90))
DAILY = weekday_calendar(FIRST, LAST + timedelta(days=400))
DATES = st.dates(min_value=FIRST, max_value=LAST)
SETTINGS = settings(max_examples=120, deadline=None)

unit_floats = st.floats(min_value=0.0, max_value=1.0)


def occurred_for(draw, announced: date) -> date | None:
    """None, or a day up to 90 days before ``announced``: a score that used ``occurred`` would
    leak it into the days in between (the later-events property then fails)."""
    if draw(st.booleans()):
        return None
    return announced - timedelta(days=draw(st.integers(0, 90)))


@st.composite
def recalls(draw, event_id: str, dates=DATES, allow_unknown=True):
    sales = draw(st.integers(min_value=1, max_value=10**7))
    unknown = allow_unknown and draw(st.integers(0, 9)) == 0
    announced = draw(dates)
    return Recall(
        id=event_id,
        announced=announced,
        occurred=occurred_for(draw, announced),
        source="h",
        units=draw(st.integers(min_value=1, max_value=sales)),
        cumulative_sales="unknown" if unknown else sales,
        safety_critical=draw(st.booleans()),
        remedy=draw(st.sampled_from(("ota", "physical"))),
    )


@st.composite
def rankings(draw, event_id: str, dates=DATES):
    size = draw(st.integers(min_value=1, max_value=60))
    penalty = draw(st.booleans())
    announced = draw(dates)
    return QualityRanking(
        id=event_id,
        announced=announced,
        occurred=occurred_for(draw, announced),
        source="h",
        ranking="r",
        placement=draw(st.integers(min_value=1, max_value=size)),
        field_size=size,
        penalty_points=draw(st.floats(0, 1_000)) if penalty else None,
        segment_average=draw(st.floats(0.5, 500)) if penalty else None,
    )


@st.composite
def demand(draw, event_id: str, dates=DATES):
    announced = draw(dates)
    period = f"{announced.year}"
    if draw(st.booleans()):
        return Orders(
            id=event_id,
            announced=announced,
            occurred=occurred_for(draw, announced),
            source="h",
            period=period,
            change=draw(st.floats(-1.0, 3.0)),
        )
    change = draw(st.none() | st.floats(-1.0, 3.0))
    return Deliveries(
        id=event_id,
        announced=announced,
        occurred=occurred_for(draw, announced),
        source="h",
        period=period,
        units=draw(st.integers(0, 10**6)),
        change=change,
    )


@st.composite
def incidents(draw, event_id: str, dates=DATES):
    announced = draw(dates)
    return Incident(
        id=event_id,
        announced=announced,
        occurred=occurred_for(draw, announced),
        source="h",
        fatalities=draw(st.integers(0, 50)),
        injuries=draw(st.integers(0, 300)),
        severity=draw(st.none() | unit_floats),
    )


@st.composite
def probes(draw, event_id: str, dates=DATES):
    announced = draw(dates)
    return Investigation(
        id=event_id,
        announced=announced,
        occurred=occurred_for(draw, announced),
        source="h",
        action=draw(st.sampled_from(("PE", "EA", "RQ", "DP", "AQ"))),
        vehicles=draw(st.none() | st.integers(1, 10**7)),
    )


@st.composite
def findings(draw, event_id: str, dates=DATES):
    announced = draw(dates)
    action = draw(
        st.sampled_from(("notice_of_violation", "sales_halt", "registration_halt", "fine"))
    )
    sized = action == "fine" and draw(st.booleans())
    return Regulatory(
        id=event_id,
        announced=announced,
        occurred=occurred_for(draw, announced),
        source="h",
        action=action,
        authority="a",
        amount=draw(st.floats(1.0, 1e12)) if sized else None,
        annual_revenue=draw(st.floats(1.0, 1e12)) if sized else None,
        severity=draw(st.none() | unit_floats),
    )


KINDS = (recalls, rankings, demand, incidents, probes, findings)


def any_event(event_id: str, dates=DATES):
    return st.one_of(*(kind(event_id, dates) for kind in KINDS))


@st.composite
def event_lists(draw, prefix="e", dates=DATES, min_size=0, max_size=15):
    n = draw(st.integers(min_size, max_size))
    return [draw(any_event(f"{prefix}{i}", dates)) for i in range(n)]


# every valid value, up to the bound the parameters accept (recall_risk.validation)
positive = st.floats(min_value=1e-300, max_value=MAX_MAGNITUDE)


@st.composite
def params(draw):
    return ScoreParams(
        recall_scale=draw(positive),
        recall_unknown_ratio=draw(st.floats(min_value=1e-300, max_value=1.0)),
        recall_non_safety_factor=draw(unit_floats),
        recall_ota_factor=draw(unit_floats),
        quality_penalty_weight=draw(unit_floats),
        quality_penalty_scale=draw(positive),
        orders_scale=draw(positive),
        incident_fatality_scale=draw(positive),
        incident_injury_weight=draw(st.floats(0, MAX_MAGNITUDE)),
        investigation_severity=InvestigationSeverity(
            **{k: draw(unit_floats) for k in InvestigationSeverity.model_fields}
        ),
        regulatory_severity=RegulatorySeverity(
            **{k: draw(unit_floats) for k in RegulatorySeverity.model_fields}
        ),
        regulatory_fine_scale=draw(positive),
        half_life_days=HalfLives(**{c: draw(positive) for c in HalfLives.model_fields}),
        weights=ComponentWeights(**{c: draw(unit_floats) for c in ComponentWeights.model_fields}),
    )


def in_unit_interval(values: np.ndarray) -> bool:
    return bool(np.isfinite(values).all() and (values >= 0.0).all() and (values <= 1.0).all())


@SETTINGS
@given(event_lists())
def test_score_and_components_are_in_unit_interval(events):
    assert in_unit_interval(score_events(events, CALENDAR).to_numpy())


@SETTINGS
@given(event_lists(), params())
def test_every_valid_parameter_set_keeps_unit_interval(events, p):
    assert in_unit_interval(score_events(events, CALENDAR, p).to_numpy())


@st.composite
def split_by_day(draw):
    day = draw(st.dates(min_value=FIRST, max_value=LAST - timedelta(days=1)))
    known = draw(event_lists())
    later = draw(event_lists("x", st.dates(min_value=day + timedelta(days=1), max_value=LAST), 1))
    return day, known, later


@SETTINGS
@given(split_by_day())
def test_events_announced_later_never_change_earlier_days(case):
    day, known, later = case
    before = score_events(known, CALENDAR).loc[: str(day)].to_numpy()
    after = score_events(known + later, CALENDAR).loc[: str(day)].to_numpy()
    assert np.array_equal(before, after)  # bit for bit


@SETTINGS
@given(event_lists(), recalls("target", allow_unknown=False), st.integers(1, 10**7), st.booleans())
def test_a_larger_recall_ratio_never_lowers_the_score(others, target, extra, via_sales):
    if via_sales:  # same units out of fewer cars sold
        sales = max(target.units, target.cumulative_sales - extra)
        bigger = target.model_copy(update={"cumulative_sales": sales})
    else:  # more units out of the same sales
        units = min(target.cumulative_sales, target.units + extra)
        bigger = target.model_copy(update={"units": units})
    assert bigger.ratio >= target.ratio
    low = score_events([*others, target], CALENDAR)
    high = score_events([*others, bigger], CALENDAR)
    for column in ("score", "recall"):
        assert (high[column].to_numpy() >= low[column].to_numpy()).all()


@SETTINGS
@given(any_event("solo"), st.one_of(st.none(), params()))
def test_a_single_events_score_never_increases_as_it_ages(event, p):
    frame = score_events([event], DAILY, p)
    after = frame.loc[str(event.announced) :].to_numpy()
    assert (np.diff(after, axis=0) <= 0.0).all()


@SETTINGS
@given(st.data())
def test_shuffling_events_gives_identical_frames(data):
    events = data.draw(event_lists(min_size=2))
    shuffled = data.draw(st.permutations(events))
    a = score_events(events, CALENDAR)
    b = score_events(shuffled, CALENDAR)
    assert list(a.columns) == list(COLUMNS)
    assert np.array_equal(a.to_numpy(), b.to_numpy())
