"""Event labels in the figures never print over each other (PNG measured, HTML estimated)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recall_risk.config import load_config
from recall_risk.report.events_table import event_rows
from recall_risk.report.figures import CHAR_PX, PLOT_PX, event_label_trace
from recall_risk.report.labels import label_lanes
from recall_risk.report.png import png_figure
from recall_risk.runner import run_config

XIAOMI = Path(__file__).resolve().parents[1] / "configs" / "xiaomi_su7.yaml"


@given(
    st.lists(st.tuples(st.floats(0, 1000), st.floats(0.1, 200)), min_size=0, max_size=30),
    st.integers(1, 6),
)
def test_labels_in_one_lane_never_overlap(labels, lanes):
    starts, widths = [s for s, _ in labels], [w for _, w in labels]
    placed = label_lanes(starts, widths, lanes, gap=1.0)
    for lane in range(lanes):
        mine = sorted((starts[i], widths[i]) for i, x in enumerate(placed) if x == lane)
        for (a, wa), (b, _) in itertools.pairwise(mine):
            assert a + wa + 1.0 <= b
    first = min(range(len(starts)), key=lambda i: (starts[i], i), default=None)
    if first is not None:
        assert placed[first] == 0  # the earliest label always gets the top lane


@pytest.fixture(scope="module")
def result(prices_dir):
    return run_config(load_config(XIAOMI), prices_dir=prices_dir)


def test_png_event_ids_do_not_overlap(result):
    fig = png_figure(result)
    renderer = fig.canvas.get_renderer()
    ids = {e.id for e in event_rows(result)}
    boxes = [
        t.get_window_extent(renderer)
        for ax in fig.axes
        for t in ax.texts
        if t.get_text().strip() in ids
    ]
    moved = [e for e in event_rows(result) if e.scope == "in" and e.magnitude > 0]
    assert len(boxes) == len(moved) == 7  # every event that moved the score is labelled
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)


def test_html_event_ids_do_not_overlap_at_the_page_width(result):
    scores = result.scores["1810.HK"]
    events = [e for e in event_rows(result) if e.scope == "in"]
    trace = event_label_trace(scores, events, "1810.HK")
    assert len(trace.text) >= 7
    index = pd.DatetimeIndex(scores.index)
    px_per_day = PLOT_PX / (index[-1] - index[0]).days
    spans: dict[float, list[tuple[float, float]]] = {}
    for x, y, text in zip(trace.x, trace.y, trace.text, strict=True):
        start = (pd.Timestamp(x) - index[0]).days * px_per_day
        spans.setdefault(y, []).append((start, start + (len(text) + 1) * CHAR_PX))
    for lane in spans.values():
        for (_, end), (start, _) in itertools.pairwise(sorted(lane)):
            assert end <= start
