"""Quality events: types, validation, loading from YAML/CSV, and the bundled sets."""

from recall_risk.events.bundled import (
    bundled_event_path,
    bundled_event_sets,
    is_csv_path,
    is_event_path,
    load_events,
)
from recall_risk.events.eventset import EventSet, merge_event_sets
from recall_risk.events.loading import build_event_set, load_csv_event_sets, load_yaml_events
from recall_risk.events.models import (
    EVENT_TYPES,
    Deliveries,
    Event,
    Incident,
    Investigation,
    Orders,
    QualityRanking,
    Recall,
    Regulatory,
    period_bounds,
)

__all__ = [
    "EVENT_TYPES",
    "Deliveries",
    "Event",
    "EventSet",
    "Incident",
    "Investigation",
    "Orders",
    "QualityRanking",
    "Recall",
    "Regulatory",
    "build_event_set",
    "bundled_event_path",
    "bundled_event_sets",
    "is_csv_path",
    "is_event_path",
    "load_csv_event_sets",
    "load_events",
    "load_yaml_events",
    "merge_event_sets",
    "period_bounds",
]
