"""The bundled event sets agree with ``../shared/data/events/REFERENCE.md``.

Only what the reference states is asserted: figures, dates, remedies, and its rule that
``announced`` is the first day the market could know (a weekend event is known on the next
trading day, so ``announced`` is never a Saturday or Sunday).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from recall_risk.events import (
    Deliveries,
    EventSet,
    Incident,
    Orders,
    QualityRanking,
    Recall,
    bundled_event_path,
    bundled_event_sets,
    load_events,
    period_bounds,
)

EXPECTED_SETS = {
    "xiaomi_su7": ("1810.HK", "^HSI"),
    "tesla": ("TSLA", "^GSPC"),
    "byd": ("1211.HK", "^HSI"),
    "xpeng": ("9868.HK", "^HSI"),
    "li_auto": ("2015.HK", "^HSI"),
}


def first_weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def recalls(event_set: EventSet) -> list[Recall]:
    return [e for e in event_set if isinstance(e, Recall)]


def recall_with_units(event_set: EventSet, *units: int) -> Recall:
    found = [e for e in recalls(event_set) if e.units in units]
    assert len(found) == 1, f"expected one recall of {units} units in {event_set.source}"
    return found[0]


@pytest.fixture(scope="module")
def sets() -> dict[str, EventSet]:
    return {name: load_events(name) for name in bundled_event_sets()}


def test_the_five_sets_are_bundled():
    assert set(EXPECTED_SETS) <= set(bundled_event_sets())
    for name in EXPECTED_SETS:
        assert bundled_event_path(name).is_file()


@pytest.mark.parametrize("name", sorted(EXPECTED_SETS))
def test_set_loads_with_its_ticker_and_benchmark(sets, name):
    event_set = sets[name]
    assert (event_set.ticker, event_set.benchmark) == EXPECTED_SETS[name]
    assert event_set.company
    assert len(event_set) >= 1
    assert event_set.source == f"bundled:{name}"


def test_every_event_has_a_source(sets):
    for event_set in sets.values():
        for event in event_set:
            assert event.source.strip(), f"{event_set.source}: {event.id} has no source"


def test_ids_are_unique_within_and_across_sets(sets):
    ids = [event.id for event_set in sets.values() for event in event_set]
    assert len(ids) == len(set(ids))


def test_announced_is_a_weekday(sets):
    """REFERENCE: a Saturday event is known to the market on the next trading day."""
    weekend = [
        f"{event_set.source}: {event.id} announced {event.announced} ({event.announced:%A})"
        for event_set in sets.values()
        for event in event_set
        if event.announced.weekday() >= 5
    ]
    assert not weekend, "announced on a weekend:\n" + "\n".join(weekend)


# --- Xiaomi SU7 -------------------------------------------------------------------------------


def test_xiaomi_recalls(sets):
    su7 = sets["xiaomi_su7"]
    first = recall_with_units(su7, 30931)
    assert first.announced == date(2025, 1, 24)
    assert first.remedy == "ota"
    assert isinstance(first.cumulative_sales, int)
    assert 137_000 <= first.cumulative_sales <= 139_487  # "~137,000-139,487 (ratio ~22%)"

    second = recall_with_units(su7, 116887)
    assert second.announced == date(2025, 9, 19)
    assert second.remedy == "ota"
    assert 0.30 <= second.ratio <= 0.40  # ~38% of 305,055 (Caixin: about one-third)
    assert len(recalls(su7)) == 2


def test_xiaomi_fatal_crash(sets):
    crashes = [e for e in sets["xiaomi_su7"] if isinstance(e, Incident) and e.fatalities]
    crash = next(e for e in crashes if e.occurred == date(2025, 3, 29))
    assert crash.announced == date(2025, 3, 31)
    assert crash.fatalities == 3


def test_xiaomi_quality_ranking(sets):
    (ranking,) = [e for e in sets["xiaomi_su7"] if isinstance(e, QualityRanking)]
    assert (ranking.placement, ranking.field_size) == (29, 29)
    assert ranking.penalty_points == 239
    assert ranking.segment_average == 183
    assert ranking.announced == date(2025, 5, 15)
    assert ranking.percentile == 1.0


def test_xiaomi_orders_decline(sets):
    (orders,) = [e for e in sets["xiaomi_su7"] if isinstance(e, Orders)]
    assert orders.change == -0.55
    assert orders.announced == date(2025, 5, 14)
    assert orders.period == "2025-04"


def test_xiaomi_deliveries_match_the_reported_totals(sets):
    deliveries = [e for e in sets["xiaomi_su7"] if isinstance(e, Deliveries)]
    assert deliveries

    def total_within(period: str) -> int:
        first, last = period_bounds(period)
        return sum(
            e.units
            for e in deliveries
            if first <= period_bounds(e.period)[0] and period_bounds(e.period)[1] <= last
        )

    by_period = {e.period: e.units for e in deliveries}
    assert by_period.get("2024-04", 7058) == 7058
    assert by_period.get("2024-05", 8646) == 8646
    assert total_within("2024-Q2") in (0, 27_307) or by_period.get("2024-Q2") == 27_307
    assert total_within("2024") <= 136_854  # FY2024 total
    assert total_within("2025-Q1") <= 75_869  # Jan-Mar are reported as lower bounds


def test_xiaomi_deliveries_stop_when_the_yu7_is_mixed_in(sets):
    """From July 2025 Xiaomi's delivery figures include the YU7: they are not SU7 deliveries."""
    late = [
        e.id
        for e in sets["xiaomi_su7"]
        if isinstance(e, Deliveries) and period_bounds(e.period)[1] >= date(2025, 7, 1)
    ]
    assert not late


def test_xiaomi_unconfirmed_april_deliveries_are_flagged(sets):
    for event in sets["xiaomi_su7"]:
        if isinstance(event, Deliveries) and event.period == "2025-04":
            assert "[U]" in (event.notes or "") or "unconfirmed" in (event.notes or "")


# --- other sets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "reference_date"),
    [
        ((285_520,), date(2021, 6, 26)),
        ((362_758,), date(2023, 2, 16)),
        ((2_031_220,), date(2023, 12, 13)),
        ((1_610_105, 1_610_105 + 7_538), date(2024, 1, 5)),
    ],
)
def test_tesla_recalls(sets, units, reference_date):
    recall = recall_with_units(sets["tesla"], *units)
    assert recall.announced == first_weekday_on_or_after(reference_date)
    assert recall.remedy == "ota"


def test_byd_recalls(sets):
    byd = sets["byd"]
    steering = recall_with_units(byd, 97_000)
    assert (steering.announced.year, steering.announced.month) == (2024, 9)
    assert steering.remedy == "physical"  # software + physical
    tang_yuan = recall_with_units(byd, 115_783)
    assert tang_yuan.announced == date(2025, 10, 17)
    assert tang_yuan.remedy == "physical"


def test_xpeng_recall(sets):
    recall = recall_with_units(sets["xpeng"], 47_490)
    assert recall.announced == date(2025, 9, 12)
    assert recall.remedy == "physical"
    if recall.ratio_known:
        assert recall.ratio == pytest.approx(0.655, abs=0.005)


def test_li_auto_mega(sets):
    li_auto = sets["li_auto"]
    recall = recall_with_units(li_auto, 11_411)
    assert recall.announced == date(2025, 10, 31)
    assert recall.cumulative_sales == 25_817
    assert recall.remedy == "physical"
    for event in li_auto:
        if isinstance(event, Incident):
            assert event.occurred == date(2025, 10, 23)
