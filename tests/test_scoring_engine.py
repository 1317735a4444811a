"""The vectorised engine: the documented formula, exactness, determinism, calendar handling."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from recall_risk.calendar import weekday_calendar
from recall_risk.errors import ConfigError, EventFileError
from recall_risk.events import Deliveries, Incident, Orders, QualityRanking, Recall, load_events
from recall_risk.scoring import COLUMNS, ScoreParams, decay_table, score_events, score_many
from recall_risk.scoring import engine as engine_module
from recall_risk.scoring.model import COMPONENTS, component_of, magnitude

P = ScoreParams()
DAY = date(2025, 1, 6)  # a Monday


def recall(id="r", announced=DAY, units=15, sales=100, **kw):
    return Recall(id=id, announced=announced, source="t", units=units, cumulative_sales=sales, **kw)


def incident(id="i", announced=DAY, fatalities=3, **kw):
    return Incident(id=id, announced=announced, source="t", fatalities=fatalities, **kw)


def naive(events, calendar, params=P):
    """The formula one day and one event at a time."""
    rows = []
    for stamp in pd.DatetimeIndex(calendar):
        day = stamp.date()
        survival = dict.fromkeys(COMPONENTS, 1.0)
        for e in events:
            if e.announced <= day:
                h = getattr(params.half_life_days, component_of(e))
                decayed = magnitude(e, params) * 2.0 ** (-(day - e.announced).days / h)
                survival[component_of(e)] *= 1.0 - decayed
        parts = [1.0 - survival[c] for c in COMPONENTS]
        total = 1.0
        for c, part in zip(COMPONENTS, parts, strict=True):
            total *= 1.0 - getattr(params.weights, c) * part
        rows.append([1.0 - total, *parts])
    return np.array(rows)


def random_events(rng, n, first=date(2024, 1, 1), span=500):
    events = []
    for i in range(n):
        base = {"id": f"e{i}", "announced": first + timedelta(rng.randrange(span)), "source": "t"}
        kind = rng.randrange(5)
        if kind == 0:
            sales = rng.randrange(10, 10_000)
            events.append(Recall(**base, units=rng.randrange(1, sales), cumulative_sales=sales))
        elif kind == 1:
            size = rng.randrange(1, 30)
            events.append(
                QualityRanking(
                    **base, ranking="r", placement=rng.randrange(1, size + 1), field_size=size
                )
            )
        elif kind == 2:
            events.append(Orders(**base, period="2024", change=rng.uniform(-1, 1)))
        elif kind == 3:
            events.append(Deliveries(**base, period="2024", units=10, change=rng.uniform(-1, 1)))
        else:
            events.append(Incident(**base, fatalities=rng.randrange(4), injuries=rng.randrange(9)))
    return events


def test_frame_shape_index_and_dtypes():
    calendar = weekday_calendar("2025-01-01", "2025-01-31")
    frame = score_events([recall()], calendar)
    assert tuple(frame.columns) == COLUMNS
    assert COLUMNS == (
        "score",
        "recall",
        "quality",
        "orders",
        "incident",
        "investigation",
        "regulatory",
    )
    assert frame.index.name == "date"
    assert frame.index.tz is None
    assert (frame.index == frame.index.normalize()).all()
    assert frame.index.equals(calendar)
    assert (frame.dtypes == "float64").all()


def test_no_events_scores_zero():
    frame = score_events([], weekday_calendar("2025-01-01", "2025-01-10"))
    assert (frame.to_numpy() == 0.0).all()


def test_empty_calendar():
    frame = score_events([recall()], [])
    assert frame.empty
    assert tuple(frame.columns) == COLUMNS


def test_single_recall_on_announcement_day_and_after_one_half_life():
    m = 1 - math.exp(-1)  # r = r0
    calendar = [DAY, DAY + timedelta(days=90), DAY + timedelta(days=180)]
    frame = score_events([recall()], calendar)
    assert frame["recall"].iloc[0] == pytest.approx(m, rel=1e-15)
    assert frame["recall"].iloc[1] == pytest.approx(m / 2, rel=1e-15)
    assert frame["recall"].iloc[2] == pytest.approx(m / 4, rel=1e-15)
    np.testing.assert_allclose(frame["score"], frame["recall"], rtol=1e-15)  # weight 1.0
    assert (frame[["quality", "orders", "incident"]].to_numpy() == 0.0).all()


def test_combination_within_and_across_components():
    m1 = 1 - math.exp(-1)
    m2 = 1 - math.exp(-2)  # r = 0.3
    m3 = 1 - math.exp(-1.5)  # 3 fatalities
    events = [recall("a"), recall("b", units=30), incident()]
    row = score_events(events, [DAY]).iloc[0]
    recall_part = 1 - (1 - m1) * (1 - m2)
    assert row["recall"] == pytest.approx(recall_part, rel=1e-14)
    assert row["incident"] == pytest.approx(m3, rel=1e-14)
    expected = 1 - (1 - 1.0 * recall_part) * (1 - 0.8 * m3)
    assert row["score"] == pytest.approx(expected, rel=1e-14)


def test_weights_scale_components_in_the_score_only():
    params = ScoreParams.from_mapping({"weights": {"incident": 0.0}})
    row = score_events([incident()], [DAY], params).iloc[0]
    assert row["incident"] > 0.7
    assert row["score"] == 0.0


def test_half_lives_are_per_component():
    params = ScoreParams.from_mapping({"half_life_days": {"incident": 10}})
    frame = score_events([incident()], [DAY, DAY + timedelta(days=10)], params)
    assert frame["incident"].iloc[1] == pytest.approx(frame["incident"].iloc[0] / 2, rel=1e-14)


def test_matches_naive_loop_on_random_sets():
    rng = random.Random(7)
    calendar = weekday_calendar("2023-12-01", "2025-09-30")
    for _ in range(5):
        events = random_events(rng, 25)
        fast = score_events(events, calendar).to_numpy()
        assert np.abs(fast - naive(events, calendar)).max() <= 1e-12


def test_xiaomi_matches_naive_loop():
    events = load_events("xiaomi_su7")
    calendar = weekday_calendar("2024-04-01", "2025-12-31")
    fast = score_events(events, calendar).to_numpy()
    assert np.abs(fast - naive(list(events), calendar)).max() <= 1e-12


def test_value_of_a_day_does_not_depend_on_the_rest_of_the_calendar():
    events = load_events("xiaomi_su7")
    long = score_events(events, weekday_calendar("2020-01-01", "2026-06-30"))
    short = score_events(events, weekday_calendar("2025-03-01", "2025-10-31"))
    np.testing.assert_array_equal(long.loc[short.index].to_numpy(), short.to_numpy())
    for day in ("2025-01-24", "2025-03-31", "2025-09-22", "2026-06-30"):
        single = score_events(events, [day])
        np.testing.assert_array_equal(single.to_numpy()[0], long.loc[day].to_numpy())


def test_sparse_calendar_equals_dense_calendar_on_common_days():
    events = load_events("xiaomi_su7")
    dense = score_events(events, pd.date_range("2025-01-01", "2025-12-31"))
    sparse_days = pd.DatetimeIndex(["2025-01-24", "2025-04-01", "2025-07-04", "2025-12-31"])
    sparse = score_events(events, sparse_days)
    np.testing.assert_array_equal(dense.loc[sparse_days].to_numpy(), sparse.to_numpy())


def test_input_order_never_matters():
    rng = random.Random(3)
    events = random_events(rng, 30)
    calendar = weekday_calendar("2024-01-01", "2025-06-30")
    expected = score_events(events, calendar)
    for _ in range(5):
        shuffled = events[:]
        rng.shuffle(shuffled)
        pd.testing.assert_frame_equal(score_events(shuffled, calendar), expected, check_exact=True)


def test_blocks_of_events_give_identical_results(monkeypatch):
    rng = random.Random(11)
    events = random_events(rng, 40)
    calendar = weekday_calendar("2024-01-01", "2025-06-30")
    expected = score_events(events, calendar)
    monkeypatch.setattr(engine_module, "_BLOCK_CELLS", 1)
    pd.testing.assert_frame_equal(score_events(events, calendar), expected, check_exact=True)


def test_score_many_equals_score_events_per_set():
    rng = random.Random(5)
    sets = {f"T{i}": random_events(rng, 10, first=date(2020 + i, 1, 1)) for i in range(4)}
    sets["empty"] = []
    sets["xiaomi"] = load_events("xiaomi_su7")
    calendar = weekday_calendar("2021-06-01", "2025-12-31")
    many = score_many(sets, calendar)
    assert list(many) == list(sets)
    for key, events in sets.items():
        pd.testing.assert_frame_equal(many[key], score_events(events, calendar), check_exact=True)


def test_events_before_the_calendar_keep_decaying():
    events = [recall(announced=date(2024, 6, 3))]
    late = score_events(events, weekday_calendar("2025-01-01", "2025-01-31"))
    early = score_events(events, weekday_calendar("2024-06-01", "2025-01-31"))
    np.testing.assert_array_equal(late.to_numpy(), early.loc[late.index].to_numpy())
    assert late["recall"].iloc[0] > 0


def test_calendar_forms_are_accepted():
    events = [recall()]
    expected = score_events(events, pd.DatetimeIndex(["2025-01-06", "2025-01-07"]))
    for calendar in (
        ["2025-01-06", "2025-01-07"],
        [date(2025, 1, 6), date(2025, 1, 7)],
        pd.DatetimeIndex(["2025-01-06 16:00", "2025-01-07 16:00"]),
        pd.DatetimeIndex(["2025-01-06 16:00", "2025-01-07 16:00"]).tz_localize("Asia/Hong_Kong"),
    ):
        pd.testing.assert_frame_equal(score_events(events, calendar), expected, check_exact=True)


@pytest.mark.parametrize(
    "calendar",
    [["2025-01-07", "2025-01-06"], ["2025-01-06", "2025-01-06"], ["2025-01-06", "not a date"]],
)
def test_bad_calendars_raise_config_error(calendar):
    with pytest.raises(ConfigError):
        score_events([recall()], calendar)


def test_recall_without_cumulative_sales_raises():
    event = Recall(id="r", announced=DAY, source="t", units=5)
    with pytest.raises(EventFileError, match="cumulative_sales"):
        score_events([event], [DAY])


def test_decay_table_is_exact_at_half_lives_non_increasing_and_length_independent():
    for h in (1.0, 7.0, 45.0, 90.0, 0.3, 1e6):
        table = decay_table(h, 5_000)
        assert table[0] == 1.0
        assert (np.diff(table) <= 0).all()
        for n in (1, 2, 17, 64, 1_001, 4_999):
            np.testing.assert_array_equal(decay_table(h, n), table[:n])
    assert decay_table(90.0, 181)[90] == 0.5
    assert decay_table(90.0, 181)[180] == 0.25


@pytest.mark.parametrize("name", ["xiaomi_su7", "byd", "tesla", "li_auto", "xpeng"])
def test_every_bundled_set_scores_within_unit_interval(name):
    events = load_events(name)
    frame = score_events(events, weekday_calendar("2020-01-01", "2026-12-31"))
    values = frame.to_numpy()
    assert ((values >= 0.0) & (values <= 1.0)).all()
    assert frame["score"].max() > 0.0


def test_identical_runs_are_bit_for_bit_identical():
    events = load_events("xiaomi_su7")
    calendar = weekday_calendar("2024-01-01", "2025-12-31")
    first = score_events(events, calendar)
    second = score_events(load_events("xiaomi_su7"), calendar)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
