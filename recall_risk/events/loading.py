"""Load YAML event files into validated :class:`EventSet` objects (CSV files:
:mod:`~recall_risk.events.csvfile`).

All problems found in a file are reported in one :class:`~recall_risk.errors.EventFileError`
whose message names the file, the event (id and index) and the field, with what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from recall_risk.errors import EventFileError
from recall_risk.events.build import build_event_set, parse_event
from recall_risk.events.csvfile import load_csv_event_sets
from recall_risk.events.eventset import EventSet
from recall_risk.events.messages import format_problems
from recall_risk.validation import control_character, describe, did_you_mean, not_utf8
from recall_risk.yamlio import YamlSyntaxError, parse_yaml

__all__ = [
    "TOP_LEVEL_KEYS",
    "build_event_set",
    "event_set_from_mapping",
    "format_problems",
    "load_csv_event_sets",
    "load_yaml_events",
    "parse_event",
]

TOP_LEVEL_KEYS = ("company", "ticker", "benchmark", "events", "notes")


def _require_text(
    source: str, data: Mapping[str, Any], key: str, *, optional: bool = False
) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if key not in data:
        raise EventFileError(
            f"{source}: field {key!r}: is required but missing; expected a non-empty string"
        )
    if not isinstance(value, str) or not value.strip():
        raise EventFileError(
            f"{source}: field {key!r}: expected a non-empty string, got {describe(value)}"
        )
    problem = control_character(value.strip())
    if problem:
        raise EventFileError(f"{source}: field {key!r}: {problem}; write it on one line")
    return value.strip()


def event_set_from_mapping(data: Any, *, source: str) -> EventSet:
    """Validate a parsed YAML document (``company``, ``ticker``, ``benchmark``, ``events``)."""
    if not isinstance(data, Mapping):
        raise EventFileError(
            f"{source}: expected a mapping with keys company, ticker, benchmark, events; "
            f"got {describe(data)}"
        )
    unknown = [k for k in data if k not in TOP_LEVEL_KEYS]
    if unknown:
        key = str(unknown[0])
        raise EventFileError(
            f"{source}: unknown top-level field {key!r}{did_you_mean(key, TOP_LEVEL_KEYS)}; "
            f"expected: {', '.join(TOP_LEVEL_KEYS)}"
        )
    company = _require_text(source, data, "company")
    ticker = _require_text(source, data, "ticker")
    benchmark = _require_text(source, data, "benchmark", optional=True)
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        raise EventFileError(
            f"{source}: field 'events': expected a list of events, got {describe(raw_events)}"
        )
    return build_event_set(
        raw_events,
        company=company or "",
        ticker=ticker or "",
        benchmark=benchmark,
        source=source,
        strict=True,
    )


def load_yaml_events(path: Path, *, source: str | None = None) -> EventSet:
    """Load a YAML event file."""
    name = source or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EventFileError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise EventFileError(not_utf8(name, exc)) from None
    try:
        data = parse_yaml(text)
    except YamlSyntaxError as exc:
        hint = (
            ""
            if "duplicate key" in str(exc)
            else ("; check the indentation and quoting of that line and the one before")
        )
        raise EventFileError(f"{name}: {exc}{hint}") from None
    if data is None:
        raise EventFileError(
            f"{name}: the file is empty; expected a mapping with keys "
            f"{', '.join(TOP_LEVEL_KEYS[:-1])} (and optional notes)"
        )
    return event_set_from_mapping(data, source=name)
