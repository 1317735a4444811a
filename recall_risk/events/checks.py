"""Checks across fields and across events, run after each event's own fields validate.

Each check returns ``(event index, event id, field, message)`` problems instead of raising, so the
loader can report them all at once with the file name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recall_risk.events.models import (
    Deliveries,
    Event,
    Incident,
    Orders,
    QualityRanking,
    Recall,
    Regulatory,
    period_bounds,
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one event field."""

    index: int | None
    event_id: str | None
    field: str | None
    message: str


def check_event(index: int, event: Event) -> list[Problem]:
    """Cross-field checks within a single event."""
    out: list[Problem] = []

    def bad(field: str, message: str) -> None:
        out.append(Problem(index, event.id, field, message))

    if event.occurred is not None and event.announced < event.occurred:
        bad(
            "announced",
            f"announced {event.announced} is before occurred {event.occurred}; "
            "the market cannot know an event before it happens",
        )
    if isinstance(event, Recall):
        if isinstance(event.cumulative_sales, int) and event.units > event.cumulative_sales:
            bad(
                "units",
                f"units {event.units} is larger than cumulative_sales {event.cumulative_sales}; "
                "expected the number of recalled units of the model sold so far",
            )
    elif isinstance(event, QualityRanking):
        if event.placement > event.field_size:
            bad(
                "placement",
                f"placement {event.placement} is outside 1..field_size ({event.field_size})",
            )
        if (event.penalty_points is None) != (event.segment_average is None):
            missing = "segment_average" if event.segment_average is None else "penalty_points"
            bad(missing, "penalty_points and segment_average go together: give both or neither")
    elif isinstance(event, Orders | Deliveries):
        start, _ = period_bounds(event.period)
        if event.announced < start:
            bad("announced", f"announced {event.announced} is before period {event.period} began")
    elif (
        isinstance(event, Regulatory)
        and event.action == "fine"
        and (event.amount is None) != (event.annual_revenue is None)
    ):
        missing = "annual_revenue" if event.annual_revenue is None else "amount"
        bad(missing, "a fine's amount and annual_revenue go together: give both or neither")
    elif (
        isinstance(event, Incident)
        and event.fatalities == 0
        and event.injuries == 0
        and event.severity is None
    ):
        bad("severity", "an incident needs fatalities, injuries or a severity in [0, 1]")
    return out


def check_unique_ids(events: Sequence[Event]) -> list[Problem]:
    """Every id appears once."""
    seen: dict[str, int] = {}
    out: list[Problem] = []
    for index, event in enumerate(events):
        if event.id in seen:
            out.append(
                Problem(
                    index,
                    event.id,
                    "id",
                    f"duplicate id {event.id!r} (first used by event #{seen[event.id]})",
                )
            )
        else:
            seen[event.id] = index
    return out


def check_delivery_periods(events: Sequence[Event]) -> list[Problem]:
    """Deliveries of one model must not cover overlapping periods (they are summed)."""
    out: list[Problem] = []
    spans: dict[str | None, list[tuple[object, object, str]]] = {}
    for index, event in enumerate(events):
        if not isinstance(event, Deliveries):
            continue
        start, end = period_bounds(event.period)
        for other_start, other_end, other_id in spans.get(event.model, []):
            if start <= other_end and other_start <= end:  # type: ignore[operator]
                out.append(
                    Problem(
                        index,
                        event.id,
                        "period",
                        f"period {event.period} overlaps deliveries event {other_id!r}; "
                        "deliveries of one model are summed, so periods must not overlap",
                    )
                )
        spans.setdefault(event.model, []).append((start, end, event.id))
    return out


def derive_cumulative_sales(
    events: Sequence[Event],
) -> tuple[list[Event], set[str], list[Problem]]:
    """Fill each recall's missing ``cumulative_sales`` from deliveries known by its ``announced``.

    Only deliveries events of the same ``model`` and announced on or before the recall count, so
    the derived figure is point-in-time.
    """
    resolved: list[Event] = []
    derived: set[str] = set()
    problems: list[Problem] = []
    for index, event in enumerate(events):
        if isinstance(event, Recall) and event.cumulative_sales is None:
            known = [
                e.units
                for e in events
                if isinstance(e, Deliveries)
                and e.model == event.model
                and e.announced <= event.announced
            ]
            total = sum(known)
            if total <= 0:
                problems.append(
                    Problem(
                        index,
                        event.id,
                        "cumulative_sales",
                        "missing, and no deliveries events of the same model announced on or "
                        "before this recall to derive it from; expected a positive integer",
                    )
                )
                resolved.append(event)
                continue
            event = event.model_copy(update={"cumulative_sales": total})
            derived.add(event.id)
            if event.units > total:
                problems.append(
                    Problem(
                        index,
                        event.id,
                        "units",
                        f"units {event.units} is larger than the cumulative_sales {total} derived "
                        "from deliveries events; give cumulative_sales explicitly",
                    )
                )
        resolved.append(event)
    return resolved, derived, problems
