"""Loading event files: YAML and CSV forms, canonical order, point-in-time derivations."""

from __future__ import annotations

import csv
import dataclasses
import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from recall_risk.errors import EventFileError
from recall_risk.events import (
    EventSet,
    Recall,
    build_event_set,
    load_csv_event_sets,
    load_events,
    load_yaml_events,
)

GOOD = Path(__file__).parent / "data" / "events_good"
RECALL_DAY = date(2025, 1, 24)


def same_events(left: EventSet, right: EventSet) -> bool:
    """Equal sets whatever file they came from (``source`` names the file)."""
    return dataclasses.replace(left, source=right.source) == right


def raw_recall(**fields: object) -> dict[str, object]:
    return {
        "id": "recall",
        "type": "recall",
        "model": "SU7",
        "announced": RECALL_DAY,
        "units": 30931,
        "source": "SAMR",
        **fields,
    }


def raw_deliveries(event_id: str, period: str, announced: date, units: int, **fields: object):
    return {
        "id": event_id,
        "type": "deliveries",
        "model": "SU7",
        "period": period,
        "announced": announced,
        "units": units,
        "source": "CnEVPost",
        **fields,
    }


def build(raw_events: list[dict[str, object]], strict: bool = True) -> EventSet:
    return build_event_set(
        raw_events, company="Xiaomi", ticker="1810.HK", benchmark="^HSI", source="t", strict=strict
    )


@pytest.fixture(scope="module")
def su7_yaml() -> EventSet:
    return load_yaml_events(GOOD / "su7_small.yaml")


# --- valid fixtures --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.glob("*.yaml")))
def test_yaml_fixtures_load(name):
    event_set = load_events(GOOD / name)
    assert len(event_set) >= 1
    assert event_set.source == str(GOOD / name)


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.glob("*.csv")))
def test_csv_fixtures_load(name):
    sets = load_csv_event_sets(GOOD / name)
    assert sets
    for ticker, event_set in sets.items():
        assert event_set.ticker == ticker
        assert len(event_set) >= 1


def test_su7_fixture_contents(su7_yaml):
    assert (su7_yaml.company, su7_yaml.ticker, su7_yaml.benchmark) == ("Xiaomi", "1810.HK", "^HSI")
    assert len(su7_yaml) == 10
    assert {e.type for e in su7_yaml} == {
        "recall",
        "quality_ranking",
        "orders",
        "deliveries",
        "incident",
    }
    first = su7_yaml.by_id("recall-2025-01")
    assert isinstance(first, Recall)
    assert first.cumulative_sales == 27307 + 109547
    assert su7_yaml.derived_cumulative_sales == {"recall-2025-01"}
    assert su7_yaml.by_id("trim-2025-06").cumulative_sales == "unknown"  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        su7_yaml.by_id("nope")


def test_yaml_and_csv_forms_give_equal_sets(su7_yaml):
    from_csv = load_csv_event_sets(GOOD / "su7_small.csv")
    assert list(from_csv) == ["1810.HK"]
    assert same_events(from_csv["1810.HK"], su7_yaml)


def test_csv_converts_text_by_field_type():
    event_set = load_csv_event_sets(GOOD / "su7_small.csv")["1810.HK"]
    recall = event_set.by_id("recall-2025-09")
    trim = event_set.by_id("trim-2025-06")
    assert recall.units == 116887  # type: ignore[union-attr]
    assert recall.safety_critical is True  # type: ignore[union-attr]
    assert trim.safety_critical is False  # type: ignore[union-attr]
    assert event_set.by_id("orders-2025-04").change == -0.55  # type: ignore[union-attr]
    assert event_set.by_id("crash-2025-03-29").occurred == date(2025, 3, 29)
    assert event_set.by_id("hood-2025-05").occurred is None


def test_csv_with_several_tickers():
    sets = load_csv_event_sets(GOOD / "multi.csv")
    assert sorted(sets) == ["2015.HK", "9868.HK", "TSLA"]
    assert [e.id for e in sets["2015.HK"]] == ["li-2025-10-mega-fire", "li-2025-10-mega-recall"]
    assert sets["TSLA"].benchmark is None
    assert sets["9868.HK"].company == "XPeng"
    assert load_events(GOOD / "multi.csv", ticker="TSLA") == sets["TSLA"]
    with pytest.raises(EventFileError, match=r"3 tickers \(2015.HK, 9868.HK, TSLA\)"):
        load_events(GOOD / "multi.csv")
    with pytest.raises(EventFileError, match="no events for ticker 'NIO'"):
        load_events(GOOD / "multi.csv", ticker="NIO")


def test_csv_saved_by_excel_with_a_byte_order_mark():
    sets = load_csv_event_sets(GOOD / "excel_bom.csv")
    assert list(sets) == ["9868.HK"]
    assert sets["9868.HK"].by_id("xpeng-2025-09-p7plus").units == 47490  # type: ignore[union-attr]


def test_minimal_file_without_benchmark():
    event_set = load_events(GOOD / "minimal.yaml")
    assert event_set.benchmark is None
    assert [e.type for e in event_set] == ["incident"]


# --- canonical order -------------------------------------------------------------------------


def test_events_sorted_by_announced_then_id(su7_yaml):
    keys = [(e.announced, e.id) for e in su7_yaml]
    assert keys == sorted(keys)


@pytest.mark.parametrize("seed", range(5))
def test_shuffled_yaml_events_give_the_same_set(su7_yaml, seed, tmp_path):
    import yaml

    data = yaml.safe_load((GOOD / "su7_small.yaml").read_text(encoding="utf-8"))
    random.Random(seed).shuffle(data["events"])
    path = tmp_path / "shuffled.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert same_events(load_yaml_events(path), su7_yaml)


@pytest.mark.parametrize("seed", range(5))
def test_shuffled_csv_rows_give_the_same_set(su7_yaml, seed, tmp_path):
    with (GOOD / "su7_small.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    random.Random(seed).shuffle(body)
    path = tmp_path / "shuffled.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *body])
    assert same_events(load_csv_event_sets(path)["1810.HK"], su7_yaml)


def test_same_day_events_are_ordered_by_id():
    event_set = build(
        [
            raw_recall(id="b", cumulative_sales=100000),
            raw_recall(id="a", cumulative_sales=100000),
        ]
    )
    assert [e.id for e in event_set] == ["a", "b"]


# --- cumulative_sales derived point in time ----------------------------------------------------


@pytest.mark.parametrize(
    ("offset_days", "counted"),
    [(-30, True), (-1, True), (0, True), (1, False), (30, False)],
)
def test_derived_cumulative_sales_counts_only_deliveries_known_by_the_recall(offset_days, counted):
    """Deliveries announced on or before the recall count; a day later is too late."""
    early = raw_deliveries("dlv-2024-h1", "2024-H1", date(2024, 7, 1), 100000)
    probe = raw_deliveries("dlv-2024-12", "2024-12", RECALL_DAY + timedelta(offset_days), 50000)
    event_set = build([early, probe, raw_recall()])
    recall = event_set.by_id("recall")
    assert recall.cumulative_sales == (150000 if counted else 100000)  # type: ignore[union-attr]
    assert event_set.derived_cumulative_sales == {"recall"}


def test_deliveries_announced_a_day_after_the_recall_are_not_counted():
    late = raw_deliveries("dlv-2024", "2024", RECALL_DAY + timedelta(days=1), 136854)
    with pytest.raises(EventFileError, match="field 'cumulative_sales'"):
        build([late, raw_recall()])
    on_time = raw_deliveries("dlv-2024", "2024", RECALL_DAY, 136854)
    assert build([on_time, raw_recall()]).by_id("recall").cumulative_sales == 136854  # type: ignore[union-attr]


def test_each_recall_gets_its_own_point_in_time_total():
    events = [
        raw_deliveries("dlv-2024", "2024", date(2025, 1, 2), 136854),
        raw_recall(id="recall-1"),
        raw_deliveries("dlv-2025-q1", "2025-Q1", date(2025, 4, 1), 75869),
        raw_recall(id="recall-2", announced=date(2025, 9, 19), units=116887),
    ]
    event_set = build(events)
    assert event_set.by_id("recall-1").cumulative_sales == 136854  # type: ignore[union-attr]
    assert event_set.by_id("recall-2").cumulative_sales == 136854 + 75869  # type: ignore[union-attr]


def test_derivation_uses_deliveries_of_the_same_model_only():
    other = raw_deliveries("dlv-yu7", "2025-Q1", date(2025, 1, 2), 500000, model="YU7")
    own = raw_deliveries("dlv-su7", "2024", date(2025, 1, 2), 136854)
    event_set = build([other, own, raw_recall()])
    assert event_set.by_id("recall").cumulative_sales == 136854  # type: ignore[union-attr]


def test_given_or_unknown_cumulative_sales_is_not_derived():
    dlv = raw_deliveries("dlv-2024", "2024", date(2025, 1, 2), 136854)
    event_set = build(
        [
            dlv,
            raw_recall(id="given", cumulative_sales=139487),
            raw_recall(id="unknown", cumulative_sales="unknown"),
        ]
    )
    assert event_set.by_id("given").cumulative_sales == 139487  # type: ignore[union-attr]
    assert event_set.by_id("unknown").cumulative_sales == "unknown"  # type: ignore[union-attr]
    assert event_set.derived_cumulative_sales == frozenset()


# --- strict YAML versus CSV text ---------------------------------------------------------------


def test_yaml_rejects_a_quoted_number(tmp_path):
    path = tmp_path / "quoted.yaml"
    path.write_text(
        "company: X\nticker: X\nevents:\n"
        "  - {id: r, type: recall, announced: 2025-01-24, units: '5', cumulative_sales: 10,"
        " source: s}\n",
        encoding="utf-8",
    )
    with pytest.raises(EventFileError, match=r"event #0 \('r'\), field 'units'"):
        load_yaml_events(path)


def test_csv_converts_the_same_number_from_text(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text(
        "ticker,id,type,announced,units,cumulative_sales,source\nX,r,recall,2025-01-24,5,10,s\n",
        encoding="utf-8",
    )
    assert load_csv_event_sets(path)["X"].by_id("r").units == 5  # type: ignore[union-attr]


def test_all_problems_of_a_file_are_reported_at_once():
    with pytest.raises(EventFileError) as info:
        build([raw_recall(id="a", units=0), raw_recall(id="b", source="")])
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert "event #0 ('a'), field 'units'" in lines[0]
    assert "event #1 ('b'), field 'source'" in lines[1]


def test_long_lists_of_problems_are_cut_short():
    with pytest.raises(EventFileError) as info:
        build([raw_recall(id=f"r{i}", units=0) for i in range(15)])
    lines = str(info.value).splitlines()
    assert len(lines) == 11
    assert lines[-1] == "t: ... and 5 more problems"


# --- known_on --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "ids"),
    [
        (date(2024, 6, 30), []),
        (date(2024, 7, 1), ["dlv-2024-q2"]),
        (date(2025, 1, 23), ["dlv-2024-q2", "dlv-2024-h2"]),
        (date(2025, 1, 24), ["dlv-2024-q2", "dlv-2024-h2", "recall-2025-01"]),
    ],
)
def test_known_on_keeps_events_announced_by_that_day(su7_yaml, day, ids):
    known = su7_yaml.known_on(day)
    assert [e.id for e in known] == ids
    assert (known.company, known.ticker, known.source) == (
        su7_yaml.company,
        su7_yaml.ticker,
        su7_yaml.source,
    )
    assert known.derived_cumulative_sales == su7_yaml.derived_cumulative_sales & set(ids)


def test_known_on_uses_announced_not_occurred(su7_yaml):
    """The crash occurred on Saturday 2025-03-29; the market knew it on Monday 2025-03-31."""
    assert "crash-2025-03-29" not in {e.id for e in su7_yaml.known_on(date(2025, 3, 30))}
    assert "crash-2025-03-29" in {e.id for e in su7_yaml.known_on(date(2025, 3, 31))}


def test_known_on_after_the_last_event_is_everything(su7_yaml):
    assert su7_yaml.known_on(date(2030, 1, 1)) == su7_yaml


# --- load_events ------------------------------------------------------------------------------


def test_load_events_missing_path():
    with pytest.raises(EventFileError, match="no such event file"):
        load_events(GOOD / "nope.yaml")


def test_load_events_unknown_bundled_name_suggests_one():
    with pytest.raises(EventFileError, match="did you mean 'xiaomi_su7'"):
        load_events("xiaomi_su8")


def test_investigation_and_regulatory_events_load_and_are_checked():
    from recall_risk.events import Investigation, Regulatory, build_event_set

    raw = [
        {
            "id": "PE21020",
            "type": "investigation",
            "announced": "2021-08-16",
            "source": "NHTSA",
            "action": "PE",
            "vehicles": 765000,
        },
        {
            "id": "vw-nov",
            "type": "regulatory",
            "announced": "2015-09-18",
            "source": "EPA NOV",
            "action": "notice_of_violation",
            "authority": "EPA",
        },
    ]
    events = build_event_set(
        raw, company="X", ticker="X", benchmark=None, source="t.yaml", strict=False
    )
    assert isinstance(events.by_id("PE21020"), Investigation)
    assert isinstance(events.by_id("vw-nov"), Regulatory)
    bad = [
        {
            "id": "f",
            "type": "regulatory",
            "announced": "2015-09-18",
            "source": "s",
            "action": "fine",
            "authority": "EPA",
            "amount": 1e9,
        },
        {
            "id": "p",
            "type": "investigation",
            "announced": "2021-08-16",
            "source": "s",
            "action": "XX",
        },
    ]
    with pytest.raises(EventFileError) as info:
        build_event_set(bad, company="X", ticker="X", benchmark=None, source="t.yaml", strict=False)
    message = str(info.value)
    assert (
        "event #0 ('f'), field 'annual_revenue': a fine's amount and annual_revenue go together"
        in message
    )
    assert "event #1 ('p'), field 'action'" in message and "'PE'" in message
