"""Point in time on every calendar day, for every bundled event: the day before ``announced`` is
untouched by the event and ``announced`` itself sees it. A weekday calendar cannot catch a leak of
a day or two for events announced on a Monday (the Xiaomi crash: announced Monday 31 March, so a
leak onto the weekend is invisible there); a calendar of all days can."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from recall_risk.events import bundled_event_sets, load_events
from recall_risk.scoring import event_magnitudes, score_events

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
