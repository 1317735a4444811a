"""The bundled event sets agree with ``../shared/data/events/REFERENCE.md`` and the public
reports cited in each event's ``source``.

Only what the sources state is asserted: figures, dates, remedies, and the rule that
``announced`` is the first day the market could know (a weekend event is known on the next
trading day, so ``announced`` is never a Saturday or Sunday). Regulator probes are
``investigation`` events, never ``incident`` ones.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from recall_risk.events import (
    Deliveries,
    EventSet,
    Incident,
    Investigation,
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
    "nio": ("9866.HK", "^HSI"),
    "geely": ("0175.HK", "^HSI"),
}
EVENT_COUNTS = {  # pinned so that a change of data is deliberate (see the commit that changes it)
    "xiaomi_su7": 14,
    "tesla": 13,
    "byd": 2,
    "xpeng": 2,
    "li_auto": 3,
    "nio": 2,
    "geely": 1,
}
PROBE_WORDS = (
    "NHTSA ODI",
    "probe",
    "preliminary evaluation",
    "engineering analysis",
    "recall query",
)


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


def test_the_sets_are_bundled():
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


def test_every_event_names_a_publication_or_address_and_every_set_is_counted(sets):
    """A source names a publication, a regulator or an address, not a placeholder; the event
    counts per set are pinned so that adding or dropping data is a deliberate change."""
    assert {name: len(sets[name]) for name in EVENT_COUNTS} == EVENT_COUNTS
    placeholders = {"unknown", "tbd", "todo", "n/a", "none", "test", "source"}
    for event_set in sets.values():
        for event in event_set:
            text = event.source.strip().lower()
            assert len(text) >= 6 and text not in placeholders, f"{event.id}: {event.source!r}"


def test_regulator_probes_are_investigations(sets):
    """An NHTSA defect probe is an ``investigation`` with its kind, never an ``incident``."""
    for event_set in sets.values():
        for event in event_set:
            text = f"{event.source} {event.notes or ''}".lower()
            looks_like_probe = any(word.lower() in text for word in PROBE_WORDS)
            if isinstance(event, Incident):
                assert not looks_like_probe, f"{event.id}: a probe typed as an incident"
            if "nhtsa odi" in event.source.lower():
                assert isinstance(event, Investigation), event.id


@pytest.mark.parametrize(
    ("action", "announced", "vehicles"),
    [
        ("PE", date(2021, 8, 16), 765_000),
        ("EA", date(2022, 6, 9), 830_000),
        ("RQ", date(2024, 4, 26), None),
        ("PE", date(2024, 10, 18), 2_400_000),
        ("PE", date(2025, 1, 7), 2_600_000),
        ("PE", date(2025, 10, 9), 2_880_000),
    ],
)
def test_tesla_probes(sets, action, announced, vehicles):
    (probe,) = [
        e for e in sets["tesla"] if isinstance(e, Investigation) and e.announced == announced
    ]
    assert (probe.action, probe.vehicles) == (action, vehicles)
    assert probe.occurred is None or probe.occurred <= probe.announced


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
        ((2_193_869,), date(2024, 2, 2)),
    ],
)
def test_tesla_recalls(sets, units, reference_date):
    recall = recall_with_units(sets["tesla"], *units)
    assert recall.announced == first_weekday_on_or_after(reference_date)
    assert recall.remedy == "ota"


def test_tesla_cybertruck_panel_recall(sets):
    recall = recall_with_units(sets["tesla"], 46_096)
    assert (recall.occurred, recall.announced) == (date(2025, 3, 18), date(2025, 3, 20))
    assert recall.remedy == "physical" and recall.cumulative_sales == "unknown"


def test_byd_recalls(sets):
    byd = sets["byd"]
    steering = recall_with_units(byd, 96_714)  # 87,762 + 8,952; the reference rounds to 97,000
    assert steering.occurred == date(2024, 9, 29)  # SAMR published it on a Sunday
    assert steering.announced == date(2024, 9, 30)
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
    li_one = recall_with_units(li_auto, 10_469)
    assert li_one.announced == date(2020, 11, 6) and li_one.cumulative_sales == "unknown"


def test_recalls_before_the_hong_kong_listings(sets):
    """Dated recalls that precede a stock's H-share prices: the study skips them, the score
    keeps them."""
    g3 = recall_with_units(sets["xpeng"], 13_399)
    assert g3.announced == date(2021, 1, 29)
    es8 = recall_with_units(sets["nio"], 4_803)
    assert (es8.announced, es8.cumulative_sales) == (date(2019, 6, 27), 17_550)
    et5 = recall_with_units(sets["nio"], 997)
    assert et5.announced == date(2023, 1, 6) and "[U]" in (et5.notes or "")


def test_geely_fuel_box_recall(sets):
    recall = recall_with_units(sets["geely"], 55_018)
    assert recall.announced == date(2012, 9, 28)
    assert recall.cumulative_sales == "unknown"
