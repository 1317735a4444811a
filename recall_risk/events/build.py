"""Raw event mappings -> a validated :class:`EventSet`, every problem of a file in one message.

Shared by the YAML and CSV loaders (:mod:`~recall_risk.events.loading`,
:mod:`~recall_risk.events.csvfile`): one event at a time by its type's model, then the checks
across events (unique ids, delivery periods, cumulative sales).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from recall_risk.errors import EventFileError
from recall_risk.events.checks import (
    Problem,
    check_delivery_periods,
    check_event,
    check_unique_ids,
    derive_cumulative_sales,
)
from recall_risk.events.eventset import EventSet
from recall_risk.events.messages import format_problems, pydantic_problems
from recall_risk.events.models import EVENT_TYPES, MODEL_FOR_TYPE, Event
from recall_risk.validation import describe, did_you_mean


def parse_event(index: int, raw: Any, *, strict: bool) -> tuple[Event | None, list[Problem]]:
    """Validate one raw mapping into an event, or return what is wrong with it."""
    if not isinstance(raw, Mapping):
        return None, [
            Problem(index, None, None, f"expected a mapping of fields, got {describe(raw)}")
        ]
    event_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    kind = raw.get("type")
    if kind is None:
        return None, [
            Problem(
                index, event_id, "type", f"is required; expected one of {', '.join(EVENT_TYPES)}"
            )
        ]
    if not isinstance(kind, str) or kind not in MODEL_FOR_TYPE:
        return None, [
            Problem(
                index,
                event_id,
                "type",
                f"unknown event type {describe(kind)}{did_you_mean(str(kind), EVENT_TYPES)}; "
                f"expected one of {', '.join(EVENT_TYPES)}",
            )
        ]
    model = MODEL_FOR_TYPE[kind]
    try:
        event = model.model_validate(dict(raw), strict=strict)
    except ValidationError as exc:
        return None, pydantic_problems(index, event_id, model, exc)
    return event, check_event(index, event)  # type: ignore[arg-type]


def build_event_set(
    raw_events: Sequence[Any],
    *,
    company: str,
    ticker: str,
    benchmark: str | None,
    source: str,
    strict: bool = True,
) -> EventSet:
    """Validate raw event mappings into an :class:`EventSet`.

    Raises:
        EventFileError: listing every problem, each naming ``source``, the event and the field.
    """
    problems: list[Problem] = []
    events: list[Event] = []
    for index, raw in enumerate(raw_events):
        event, found = parse_event(index, raw, strict=strict)
        problems.extend(found)
        if event is not None:
            events.append(event)
    if not problems:
        problems.extend(check_unique_ids(events))
        problems.extend(check_delivery_periods(events))
    derived: set[str] = set()
    if not problems:
        events, derived, found = derive_cumulative_sales(events)
        problems.extend(found)
    if problems:
        raise EventFileError(format_problems(source, problems))
    return EventSet(
        company=company,
        ticker=ticker,
        benchmark=benchmark,
        events=tuple(events),
        source=source,
        derived_cumulative_sales=frozenset(derived),
    )
