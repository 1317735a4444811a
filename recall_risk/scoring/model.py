"""Per-event base magnitudes: how bad one event is, a number m in [0, 1], before any decay.

With the parameters of :class:`~recall_risk.scoring.params.ScoreParams`:

- recall: r = units / cumulative_sales (the recall ratio), or the assumed
  ``recall_unknown_ratio`` when cumulative_sales is ``"unknown"``;
  m = (1 - exp(-r / r0)) x (recall_non_safety_factor if not safety_critical else 1)
  x (recall_ota_factor if remedy == "ota" else 1).
- quality_ranking: p = (placement - 1) / (field_size - 1) (0 if field_size == 1); with
  penalty_points and segment_average, s = clip((penalty_points - segment_average)
  / segment_average / s0, 0, 1) and m = (1 - w_q) p + w_q s; otherwise m = p.
- orders, and deliveries that carry a ``change``: m = min(1, max(0, -change / c0)). Deliveries
  without a change have m = 0: they only serve as the cumulative sales of recalls.
- incident: m = max(severity or 0, 1 - exp(-(fatalities + incident_injury_weight x injuries) / f0)).
- investigation: m = investigation_severity[action] (PE, EA, RQ, DP or AQ).
- regulatory: a fine with amount and annual_revenue: m = 1 - exp(-(amount / annual_revenue) /
  regulatory_fine_scale); otherwise m = regulatory_severity[action]; floored by the hand-set
  severity when given.

Every magnitude is finally clipped to [0, 1], which only matters for events built without the
loader's cross-field checks (say a placement above the field size). Each event also has a
*figure*: the raw number that drives its magnitude (``recall_ratio``, ``assumed_recall_ratio``,
``placement_percentile``,
``change``, ``fatalities``, ``weighted_casualties``, ``severity``, ``units``,
``investigation_severity``, ``fine_ratio`` or ``regulatory_severity``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import NamedTuple

import pandas as pd

from recall_risk.errors import EventFileError
from recall_risk.events import (
    Deliveries,
    Event,
    Incident,
    Investigation,
    Orders,
    QualityRanking,
    Recall,
    Regulatory,
)
from recall_risk.scoring.params import ScoreParams

COMPONENTS: tuple[str, ...] = (
    "recall",
    "quality",
    "orders",
    "incident",
    "investigation",
    "regulatory",
)
MAGNITUDE_COLUMNS: tuple[str, ...] = (
    "id",
    "type",
    "component",
    "announced",
    "figure",
    "figure_value",
    "magnitude",
)


class Figure(NamedTuple):
    """The raw figure behind an event's magnitude."""

    name: str
    value: float


def _clip01(value: float) -> float:
    # max() first so NaN-free inputs map -0.0 to 0.0 and negatives to 0.0.
    return min(1.0, max(0.0, value))


def recall_ratio(event: Recall) -> float:
    """``units / cumulative_sales`` of a recall.

    Raises:
        EventFileError: ``cumulative_sales`` is ``"unknown"``, or missing (events built without
            the loader, which derives it from deliveries events).
    """
    sales = event.cumulative_sales
    if sales == "unknown":
        raise EventFileError(
            f"recall {event.id!r} has cumulative_sales 'unknown'; its ratio is not known "
            "(the score assumes ScoreParams.recall_unknown_ratio for it)"
        )
    if not isinstance(sales, int):
        raise EventFileError(
            f"recall {event.id!r} has no cumulative_sales; give it (or 'unknown'), or load the "
            "events with load_events()/build_event_set() to derive it from deliveries events"
        )
    return event.units / sales


def scored_recall_ratio(event: Recall, params: ScoreParams) -> Figure:
    """The ratio the score uses: ``recall_ratio``, or ``assumed_recall_ratio`` when unknown."""
    if event.cumulative_sales == "unknown":
        return Figure("assumed_recall_ratio", params.recall_unknown_ratio)
    return Figure("recall_ratio", recall_ratio(event))


def recall_magnitude(event: Recall, params: ScoreParams) -> float:
    """Magnitude of a recall: ``(1 - exp(-r / r0))`` times the safety and OTA factors."""
    m = 1.0 - math.exp(-scored_recall_ratio(event, params).value / params.recall_scale)
    if not event.safety_critical:
        m *= params.recall_non_safety_factor
    if event.remedy == "ota":
        m *= params.recall_ota_factor
    return _clip01(m)


def placement_percentile(event: QualityRanking) -> float:
    """``(placement - 1) / (field_size - 1)``, 0 for the best placement (0 if alone)."""
    if event.field_size == 1:
        return 0.0
    return (event.placement - 1) / (event.field_size - 1)


def quality_magnitude(event: QualityRanking, params: ScoreParams) -> float:
    """Magnitude of a quality ranking: placement percentile, blended with the penalty excess."""
    p = _clip01(placement_percentile(event))
    if event.penalty_points is None or event.segment_average is None:
        return p
    excess = (event.penalty_points - event.segment_average) / event.segment_average
    s = _clip01(excess / params.quality_penalty_scale)
    w = params.quality_penalty_weight
    return _clip01((1.0 - w) * p + w * s)


def orders_magnitude(event: Orders | Deliveries, params: ScoreParams) -> float:
    """Magnitude of an order (or delivery) change: ``min(1, max(0, -change / c0))``; 0 if none."""
    if event.change is None:
        return 0.0
    return _clip01(-event.change / params.orders_scale)


def incident_magnitude(event: Incident, params: ScoreParams) -> float:
    """Magnitude of an incident: the casualty term, floored by the hand-set ``severity``."""
    casualties = event.fatalities + params.incident_injury_weight * event.injuries
    m = 1.0 - math.exp(-casualties / params.incident_fatality_scale)
    return _clip01(max(event.severity or 0.0, m))


def investigation_magnitude(event: Investigation, params: ScoreParams) -> float:
    """Magnitude of a defect investigation: the severity of its kind (PE, EA, RQ, DP, AQ)."""
    return _clip01(getattr(params.investigation_severity, event.action))


def regulatory_figure(event: Regulatory, params: ScoreParams) -> Figure:
    """The raw figure of a regulatory action: a fine's share of revenue, else its kind's
    severity; the hand-set ``severity`` when that is larger (see :func:`regulatory_magnitude`)."""
    if event.amount is not None and event.annual_revenue is not None:
        figure = Figure("fine_ratio", event.amount / event.annual_revenue)
        base = 1.0 - math.exp(-figure.value / params.regulatory_fine_scale)
    else:
        base = getattr(params.regulatory_severity, event.action)
        figure = Figure("regulatory_severity", base)
    if event.severity is not None and event.severity > base:
        return Figure("severity", float(event.severity))
    return figure


def regulatory_magnitude(event: Regulatory, params: ScoreParams) -> float:
    """Magnitude of a regulatory action (fine ratio or kind severity, floored by ``severity``)."""
    figure = regulatory_figure(event, params)
    if figure.name == "fine_ratio":
        return _clip01(1.0 - math.exp(-figure.value / params.regulatory_fine_scale))
    return _clip01(figure.value)


_MAGNITUDE: dict[type, Callable[..., float]] = {
    Recall: recall_magnitude,
    QualityRanking: quality_magnitude,
    Orders: orders_magnitude,
    Deliveries: orders_magnitude,
    Incident: incident_magnitude,
    Investigation: investigation_magnitude,
    Regulatory: regulatory_magnitude,
}


def magnitude(event: Event, params: ScoreParams) -> float:
    """Base magnitude in [0, 1] of any event (see the module docstring for the formulas)."""
    try:
        func = _MAGNITUDE[type(event)]
    except KeyError:
        raise TypeError(f"not an event: {event!r}") from None
    return func(event, params)


def component_of(event: Event) -> str:
    """Score component an event feeds (one of :data:`COMPONENTS`)."""
    component = type(event).component
    if component not in COMPONENTS:
        raise TypeError(f"event {event.id!r} of type {type(event).__name__} has no component")
    return component


def figure_of(event: Event, params: ScoreParams) -> Figure:
    """The raw figure that drives an event's magnitude, e.g. the recall ratio."""
    if isinstance(event, Recall):
        return scored_recall_ratio(event, params)
    if isinstance(event, QualityRanking):
        return Figure("placement_percentile", placement_percentile(event))
    if isinstance(event, Orders | Deliveries):
        if event.change is None:
            return Figure("units", float(event.units))  # type: ignore[union-attr]
        return Figure("change", float(event.change))
    if isinstance(event, Incident):
        casualties = event.fatalities + params.incident_injury_weight * event.injuries
        term = 1.0 - math.exp(-casualties / params.incident_fatality_scale)
        if event.severity is not None and event.severity > term:
            return Figure("severity", float(event.severity))
        if event.injuries:
            return Figure("weighted_casualties", float(casualties))
        return Figure("fatalities", float(event.fatalities))
    if isinstance(event, Investigation):
        return Figure("investigation_severity", investigation_magnitude(event, params))
    if isinstance(event, Regulatory):
        return regulatory_figure(event, params)
    raise TypeError(f"not an event: {event!r}")


def sort_key(event: Event, m: float) -> tuple[object, ...]:
    """Canonical order of events: announced, id, type, magnitude (a total order)."""
    return (event.announced, event.id, event.type, m)


def event_magnitudes(events: Iterable[Event], params: ScoreParams | None = None) -> pd.DataFrame:
    """One row per event with its raw figure and base magnitude, in canonical order.

    Args:
        events: An :class:`~recall_risk.events.EventSet` or any iterable of events.
        params: Score parameters; the defaults when ``None``.

    Returns:
        Columns ``id, type, component, announced, figure, figure_value, magnitude``;
        ``announced`` is a datetime64 column.
    """
    params = params or ScoreParams()
    rows = []
    for event in events:
        m = magnitude(event, params)
        figure = figure_of(event, params)
        rows.append((sort_key(event, m), event, component_of(event), figure.name, figure.value, m))
    rows.sort(key=lambda row: row[0])
    frame = pd.DataFrame(
        [
            (e.id, e.type, comp, pd.Timestamp(e.announced), name, value, m)
            for _, e, comp, name, value, m in rows
        ],
        columns=list(MAGNITUDE_COLUMNS),
    )
    return frame.astype({"figure_value": "float64", "magnitude": "float64"})
