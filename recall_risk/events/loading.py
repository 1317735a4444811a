"""Load event files (YAML, or CSV for bulk data) into validated :class:`EventSet` objects.

All problems found in a file are reported in one :class:`~recall_risk.errors.EventFileError`
whose message names the file, the event (id and index) and the field, with what was expected.
"""

from __future__ import annotations

import csv
import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
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
            f"event #{problem.index}"
            + (f" ({problem.event_id!r})" if problem.event_id else "")
        )
    if problem.field:
        parts.append(f"field {problem.field!r}")
    return ", ".join(parts)


def format_problems(source: str, problems: Sequence[Problem]) -> str:
    """One message for all problems of a file, one line each."""
    lines = []
    for problem in problems[:MAX_LISTED_PROBLEMS]:
        where = _where(problem)
        lines.append(f"{source}: {where}: {problem.message}" if where else f"{source}: {problem.message}")
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
            # A union field fails once per alternative: say every alternative in one line.
            details = []
            for err in errs:
                detail = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
                detail = detail[0].lower() + detail[1:]
                if detail not in details:
                    details.append(detail)
            message = f"{' or '.join(details)}; got {_describe(errs[0].get('input'))}"
        out.append(Problem(index, event_id, field, message))
    return out


def parse_event(index: int, raw: Any, *, strict: bool) -> tuple[Event | None, list[Problem]]:
    """Validate one raw mapping into an event, or return what is wrong with it."""
    if not isinstance(raw, Mapping):
        return None, [Problem(index, None, None, f"expected a mapping of fields, got {_describe(raw)}")]
    event_id = raw.get("id") if isinstance(raw.get("id"), str) else None
    kind = raw.get("type")
    if kind is None:
        return None, [
            Problem(index, event_id, "type", f"is required; expected one of {', '.join(EVENT_TYPES)}")
        ]
    if kind not in MODEL_FOR_TYPE:
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


def _require_text(source: str, data: Mapping[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
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
    except UnicodeDecodeError:
        raise EventFileError(f"{name}: not UTF-8 text; expected a YAML event file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise EventFileError(f"{name}: invalid YAML{where}: {problem}") from None
    return event_set_from_mapping(data, source=name)


def _csv_rows(path: Path, name: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = list(reader.fieldnames or [])
    except OSError as exc:
        raise EventFileError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise EventFileError(f"{name}: not a readable CSV file: {exc}") from None
    if not header:
        raise EventFileError(f"{name}: empty CSV; expected a header row with id,type,announced,...")
    for required in ("ticker", "id", "type", "announced"):
        if required not in header:
            raise EventFileError(
                f"{name}: missing column {required!r}; a CSV event file needs at least "
                "ticker,id,type,announced,source (plus the fields of each event type)"
            )
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
            raise EventFileError(f"{name}: event #{index}: more cells than header columns")
        ticker = (row.get("ticker") or "").strip()
        if not ticker:
            raise EventFileError(f"{name}: event #{index}: field 'ticker': expected a ticker")
        grouped.setdefault(ticker, []).append((index, row))
    sets: dict[str, EventSet] = {}
    for ticker, items in grouped.items():
        meta = {k: {(r.get(k) or "").strip() for _, r in items} - {""} for k in ("company", "benchmark")}
        for key, values in meta.items():
            if len(values) > 1:
                raise EventFileError(
                    f"{name}: field {key!r}: ticker {ticker} has several values {sorted(values)}; "
                    "expected one per ticker"
                )
        raw = [
            {k: v.strip() for k, v in row.items() if k not in CSV_SET_COLUMNS and v and v.strip()}
            for _, row in items
        ]
        try:
            sets[ticker] = build_event_set(
                raw,
                company=next(iter(meta["company"]), ticker),
                ticker=ticker,
                benchmark=next(iter(meta["benchmark"]), None),
                source=name,
                strict=False,
            )
        except EventFileError as exc:
            # Renumber: indices within the ticker group -> row numbers of the file.
            raise EventFileError(_renumber(str(exc), [i for i, _ in items])) from None
    return sets


def _renumber(message: str, file_indices: list[int]) -> str:
    import re

    return re.sub(
        r"event #(\d+)",
        lambda m: f"event #{file_indices[int(m.group(1))]}" if int(m.group(1)) < len(file_indices) else m.group(0),
        message,
    )
