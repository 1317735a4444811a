"""Load event files (YAML, or CSV for bulk data) into validated :class:`EventSet` objects.

All problems found in a file are reported in one :class:`~recall_risk.errors.EventFileError`
whose message names the file, the event (id and index) and the field, with what was expected.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
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
from recall_risk.events.models import EVENT_TYPES, MODEL_FOR_TYPE, Event
from recall_risk.yamlio import YamlSyntaxError, parse_yaml

TOP_LEVEL_KEYS = ("company", "ticker", "benchmark", "events", "notes")
CSV_SET_COLUMNS = ("company", "ticker", "benchmark")
MAX_LISTED_PROBLEMS = 10


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(problem: Problem) -> str:
    parts = []
    if problem.index is not None:
        parts.append(
            f"event #{problem.index}" + (f" ({problem.event_id!r})" if problem.event_id else "")
        )
    if problem.field:
        parts.append(f"field {problem.field!r}")
    return ", ".join(parts)


def format_problems(source: str, problems: Sequence[Problem]) -> str:
    """One message for all problems of a file, one line each."""
    lines = []
    for problem in problems[:MAX_LISTED_PROBLEMS]:
        where = _where(problem)
        lines.append(
            f"{source}: {where}: {problem.message}" if where else f"{source}: {problem.message}"
        )
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(f"{source}: ... and {len(problems) - MAX_LISTED_PROBLEMS} more problems")
    return "\n".join(lines)


def _pydantic_problems(
    index: int, event_id: str | None, model: type, exc: ValidationError
) -> list[Problem]:
    allowed = sorted(name for name in model.model_fields if name != "type")
    by_field: dict[str | None, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        loc = err.get("loc") or ()
        by_field.setdefault(str(loc[0]) if loc else None, []).append(dict(err))
    out = []
    for field, errs in by_field.items():
        kind = errs[0].get("type", "")
        if kind == "extra_forbidden":
            message = (
                f"unknown field{_did_you_mean(field or '', allowed)}; "
                f"{model.__name__.lower()} events take: {', '.join(allowed)}"
            )
        elif kind == "missing":
            message = "is required but missing"
        else:
            message = _value_message(field, errs)
        out.append(Problem(index, event_id, field, message))
    return out


_FIELD_HINTS = {
    "change": "a relative change as a fraction: -0.55 means a 55% fall",
    "severity": "a hand-set floor between 0 and 1",
}


def _value_message(field: str | None, errs: Sequence[Mapping[str, Any]]) -> str:
    """What is wrong with one field's value, what was expected, and how to fix it."""
    value = errs[0].get("input")
    kinds = {str(err.get("type", "")) for err in errs}
    if any(kind.startswith("date") for kind in kinds):
        if isinstance(value, datetime):
            return (
                f"expected a calendar date YYYY-MM-DD, got a date and time {value.isoformat(' ')}; "
                "drop the time (dates are the exchange's local calendar days)"
            )
        return f"expected a real calendar date written YYYY-MM-DD; got {_describe(value)}"
    # A union field fails once per alternative: say every alternative in one line.
    details: list[str] = []
    for err in errs:
        detail = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        detail = detail[0].lower() + detail[1:]
        if detail not in details:
            details.append(detail)
    message = " or ".join(details)
    if _describe(value) not in message:
        message += f"; got {_describe(value)}"
    return message + _value_hint(field, kinds, value, errs)


_NUMBER_KINDS = frozenset({"int_type", "float_type", "int_parsing", "float_parsing"})
_NUMBER_TEXT = re.compile(r"^[\s\d.,_+-]+$")


def _value_hint(
    field: str | None, kinds: set[str], value: Any, errs: Sequence[Mapping[str, Any]]
) -> str:
    """How to fix a bad value, when there is something more useful to say than pydantic's text."""
    if isinstance(value, str) and kinds & _NUMBER_KINDS:
        if _NUMBER_TEXT.match(value):
            return "; write a plain number, without quotes or thousands separators"
        choices = _literal_choices(errs)
        if choices:
            return _did_you_mean(value, choices)
        return "; write a plain number"
    if "int_type" in kinds and isinstance(value, float):
        return "; write a whole number"
    if isinstance(value, str) and "bool_type" in kinds:
        return "; write true or false, without quotes"
    if isinstance(value, str) and "literal_error" in kinds:
        return _did_you_mean(value.lower(), _literal_choices(errs))
    if field in _FIELD_HINTS:
        return f" ({_FIELD_HINTS[field]})"
    return ""


def _literal_choices(errs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The allowed words of a ``Literal`` field, from pydantic's ``literal_error`` context."""
    for err in errs:
        if err.get("type") == "literal_error":
            return re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
    return []


def parse_event(index: int, raw: Any, *, strict: bool) -> tuple[Event | None, list[Problem]]:
    """Validate one raw mapping into an event, or return what is wrong with it."""
    if not isinstance(raw, Mapping):
        return None, [
            Problem(index, None, None, f"expected a mapping of fields, got {_describe(raw)}")
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
                f"unknown event type {_describe(kind)}{_did_you_mean(str(kind), EVENT_TYPES)}; "
                f"expected one of {', '.join(EVENT_TYPES)}",
            )
        ]
    model = MODEL_FOR_TYPE[kind]
    try:
        event = model.model_validate(dict(raw), strict=strict)
    except ValidationError as exc:
        return None, _pydantic_problems(index, event_id, model, exc)
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
            f"{source}: field {key!r}: expected a non-empty string, got {_describe(value)}"
        )
    return value.strip()


def event_set_from_mapping(data: Any, *, source: str) -> EventSet:
    """Validate a parsed YAML document (``company``, ``ticker``, ``benchmark``, ``events``)."""
    if not isinstance(data, Mapping):
        raise EventFileError(
            f"{source}: expected a mapping with keys company, ticker, benchmark, events; "
            f"got {_describe(data)}"
        )
    unknown = [k for k in data if k not in TOP_LEVEL_KEYS]
    if unknown:
        key = str(unknown[0])
        raise EventFileError(
            f"{source}: unknown top-level field {key!r}{_did_you_mean(key, TOP_LEVEL_KEYS)}; "
            f"expected: {', '.join(TOP_LEVEL_KEYS)}"
        )
    company = _require_text(source, data, "company")
    ticker = _require_text(source, data, "ticker")
    benchmark = _require_text(source, data, "benchmark", optional=True)
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        raise EventFileError(
            f"{source}: field 'events': expected a list of events, got {_describe(raw_events)}"
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
        raise EventFileError(_not_utf8(name, exc)) from None
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


def _not_utf8(name: str, exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return (
        f"{name}: not UTF-8 text (byte 0x{byte} at offset {exc.start}); "
        "save the file with UTF-8 encoding"
    )


def _csv_rows(path: Path, name: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # tolerate Excel's BOM
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except OSError as exc:
        raise EventFileError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise EventFileError(_not_utf8(name, exc)) from None
    except csv.Error as exc:
        raise EventFileError(f"{name}: not a readable CSV file: {exc}") from None
    if not header:
        raise EventFileError(f"{name}: empty CSV; expected a header row with id,type,announced,...")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:  # DictReader would keep the last column's value silently
        raise EventFileError(
            f"{name}: column(s) {', '.join(map(repr, repeated))} appear more than once in the "
            "header; keep one column per field"
        )
    for required in ("ticker", "id", "type", "announced", "source"):
        if required not in header:
            raise EventFileError(
                f"{name}: missing column {required!r}; a CSV event file needs at least "
                "ticker,id,type,announced,source (plus the fields of each event type)"
            )
    if not rows:
        raise EventFileError(f"{name}: no event rows under the header; expected one row per event")
    return header, rows


def load_csv_event_sets(path: Path, *, source: str | None = None) -> dict[str, EventSet]:
    """Load a bulk CSV event file (one row per event, a ``ticker`` column) into one set per ticker.

    Empty cells mean "not given". Values are converted from text by each field's type.
    """
    name = source or str(path)
    _, rows = _csv_rows(path, name)
    grouped: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for index, row in enumerate(rows):
        if None in row:
            event_id = (row.get("id") or "").strip()
            label = f"event #{index}" + (f" ({event_id!r})" if event_id else "")
            raise EventFileError(
                f"{name}: {label}: more cells than header columns; "
                'put cells that contain commas in double quotes ("...")'
            )
        ticker = (row.get("ticker") or "").strip()
        if not ticker:
            raise EventFileError(f"{name}: event #{index}: field 'ticker': expected a ticker")
        grouped.setdefault(ticker, []).append((index, row))
    sets: dict[str, EventSet] = {}
    for ticker, items in grouped.items():
        meta = {k: _one_value_per_ticker(name, ticker, k, items) for k in ("company", "benchmark")}
        raw = [
            {k: v.strip() for k, v in row.items() if k not in CSV_SET_COLUMNS and v and v.strip()}
            for _, row in items
        ]
        try:
            sets[ticker] = build_event_set(
                raw,
                company=meta["company"] or ticker,
                ticker=ticker,
                benchmark=meta["benchmark"],
                source=name,
                strict=False,
            )
        except EventFileError as exc:
            # Renumber: indices within the ticker group -> row numbers of the file.
            raise EventFileError(_renumber(str(exc), [i for i, _ in items])) from None
    return sets


def _one_value_per_ticker(
    name: str, ticker: str, key: str, items: Sequence[tuple[int, Mapping[str, str | None]]]
) -> str | None:
    """The single non-empty value of ``key`` (company or benchmark) over one ticker's rows."""
    first: tuple[int, str] | None = None
    for index, row in items:
        value = (row.get(key) or "").strip()
        if not value:
            continue
        if first is None:
            first = (index, value)
        elif value != first[1]:
            event_id = (row.get("id") or "").strip()
            label = f"event #{index}" + (f" ({event_id!r})" if event_id else "")
            raise EventFileError(
                f"{name}: {label}, field {key!r}: {value!r} differs from {first[1]!r} given for "
                f"ticker {ticker} in event #{first[0]}; expected one {key} per ticker"
            )
    return first[1] if first else None


def _renumber(message: str, file_indices: list[int]) -> str:
    return re.sub(
        r"event #(\d+)",
        lambda m: (
            f"event #{file_indices[int(m.group(1))]}"
            if int(m.group(1)) < len(file_indices)
            else m.group(0)
        ),
        message,
    )
