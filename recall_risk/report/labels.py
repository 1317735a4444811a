"""Event labels that do not overlap: each label goes to the lowest free lane (row) of a chart.

Charts mark every event with a line or a marker; its id is written beside it in one of a few
lanes. A label takes the lowest lane whose previous label ends (plus a gap) before it starts;
when every lane is taken the label is left out (the mark stays, and the report lists every
event), so labels never print over each other.
"""

from __future__ import annotations

from collections.abc import Sequence


def label_lanes(
    starts: Sequence[float], widths: Sequence[float], lanes: int, gap: float = 0.0
) -> list[int | None]:
    """The lane of each label (None: left out), for labels given in any order.

    Args:
        starts: where each label begins along the axis (any unit, e.g. pixels or days).
        widths: each label's extent along the axis, in the same unit.
        lanes: how many lanes there are.
        gap: the least space between two labels in one lane.
    """
    ends: list[float | None] = [None] * lanes
    out: list[int | None] = [None] * len(starts)
    for i in sorted(range(len(starts)), key=lambda k: (starts[k], k)):
        for lane in range(lanes):
            end = ends[lane]
            if end is None or end + gap <= starts[i]:
                ends[lane] = starts[i] + widths[i]
                out[i] = lane
                break
    return out
