"""``recall-risk events``: list the bundled event sets, show one, validate an event file.

Sub-commands:

- ``events list``: one line per bundled set: name, company, ticker, benchmark, number of events.
- ``events show NAME|PATH [--format table|json|csv] [--ticker T]``: the events of a bundled set
  or of a YAML/CSV file (every ticker of a CSV file unless ``--ticker`` picks one).
- ``events validate PATH``: ``ok: N events (...)`` and exit 0, or the problems and exit 2.
- ``events import SOURCE ...``: regulator records into an event file
  (:mod:`recall_risk.cli.import_cmd`).

``--format json`` writes a list of records, one per event: ``ticker``, ``company``,
``benchmark``, then the event's fields in :data:`CSV_COLUMNS` order (dates in ISO format).
``cumulative_sales`` is the value the score uses (derived from deliveries when the file omits it)
and recalls carry ``cumulative_sales_derived``.

``--format csv`` writes one row per event with the columns of :data:`CSV_COLUMNS`: the set
columns, the fields every event has, then every type-specific field once, in the order of
:data:`~recall_risk.events.EVENT_TYPES` and, within a type, of its model. A field that an event's
type does not have is left empty. ``cumulative_sales`` is written as the file gave it (empty when
it was derived), so the output loads back with :func:`~recall_risk.events.load_csv_event_sets`
into equal event sets.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from recall_risk.cli import options
from recall_risk.csvcells import safe_row
from recall_risk.errors import EventFileError
from recall_risk.events import (
    EVENT_TYPES,
    Deliveries,
    Event,
    EventSet,
    Incident,
    Investigation,
    Orders,
    QualityRanking,
    Recall,
    Regulatory,
    bundled_event_sets,
    is_csv_path,
    load_csv_event_sets,
    load_events,
)

SET_COLUMNS: tuple[str, ...] = ("ticker", "company", "benchmark")
COMMON_COLUMNS: tuple[str, ...] = ("id", "type", "announced", "occurred", "source", "notes")
TYPE_COLUMNS: tuple[str, ...] = (
    # every event
    "model",
    # recall
    "units",
    "cumulative_sales",
    "safety_critical",
    "remedy",
    "system",
    # quality_ranking
    "ranking",
    "placement",
    "field_size",
    "penalty_points",
    "segment_average",
    # orders and deliveries
    "period",
    "change",
    # incident
    "fatalities",
    "injuries",
    "severity",
    # investigation
    "action",
    "vehicles",
    "subject",
    # regulatory (action and severity above)
    "authority",
    "amount",
    "annual_revenue",
)
"""Type-specific columns, each once, in the order of EVENT_TYPES (``model`` belongs to all)."""
CSV_COLUMNS: tuple[str, ...] = SET_COLUMNS + COMMON_COLUMNS + TYPE_COLUMNS
FORMATS = ("table", "json", "csv")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``events`` and its sub-commands to the top-level parser."""
    parser = subparsers.add_parser(
        "events",
        help="list, show and validate quality-event files",
        description="List the bundled event sets, show the events of a set or file, "
        "or validate an event file (YAML or CSV).",
    )
    sub = parser.add_subparsers(dest="events_command", metavar="SUBCOMMAND", required=True)

    list_parser = sub.add_parser("list", help="the bundled event sets, one per line")
    list_parser.set_defaults(handler=run_list)

    show = sub.add_parser("show", help="the events of a bundled set or an event file")
    options.add_event_source(show, dest="name_or_path")
    options.add_format(show, FORMATS)
    options.add_ticker(show)
    show.set_defaults(handler=run_show)

    validate = sub.add_parser("validate", help="check an event file; exit 2 with the problems")
    options.add_event_source(validate, dest="path", bundled=False)
    validate.set_defaults(handler=run_validate)

    from recall_risk.cli import import_cmd

    import_cmd.register(sub)


def load_sets(name_or_path: str, ticker: str | None = None) -> list[EventSet]:
    """The event sets named by a command-line argument: every ticker of a CSV unless chosen.

    Raises:
        EventFileError: unknown name, unreadable or malformed file, or a ticker not in it.
    """
    if ticker is None and is_csv_path(name_or_path):
        path = Path(name_or_path)
        if path.is_file():
            sets = load_csv_event_sets(path)
            return [sets[key] for key in sorted(sets)]
    return [load_one_set(name_or_path, ticker)]


def load_one_set(name_or_path: str, ticker: str | None = None) -> EventSet:
    """The one event set named by a command-line argument (``--ticker`` picks it from a CSV).

    Raises:
        EventFileError: as :func:`load_sets`, or a file of several tickers without ``--ticker``.
    """
    event_set = load_events(name_or_path, ticker=ticker)
    if ticker is not None and event_set.ticker != ticker:
        raise EventFileError(
            f"{name_or_path}: holds events for ticker {event_set.ticker}, not {ticker!r}; "
            "drop --ticker or name another file"
        )
    return event_set


def run_list(args: argparse.Namespace) -> int:
    """``events list``."""
    rows = []
    for name in bundled_event_sets():
        event_set = load_events(name)
        rows.append(
            (
                name,
                event_set.company,
                event_set.ticker,
                event_set.benchmark or "-",
                _count(len(event_set), "event"),
            )
        )
    for line in _aligned(rows):
        print(line)
    return 0


def run_show(args: argparse.Namespace) -> int:
    """``events show``."""
    sets = load_sets(args.name_or_path, args.ticker)
    if args.format == "json":
        print(json.dumps(json_records(sets), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(safe_row(row) for row in csv_rows(sets))
    else:
        _print_tables(sets)
    return 0


def run_validate(args: argparse.Namespace) -> int:
    """``events validate``."""
    sets = load_sets(args.path)
    events = [event for event_set in sets for event in event_set]
    counts = Counter(event.type for event in events)
    by_type = ", ".join(f"{counts[kind]} {kind}" for kind in EVENT_TYPES if counts[kind])
    tickers = ", ".join(event_set.ticker for event_set in sets)
    print(f"ok: {_count(len(events), 'event')} ({by_type or 'none'}) for {tickers} in {args.path}")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _file_values(event_set: EventSet, event: Event) -> dict[str, Any]:
    """The event's fields as its file gave them (a derived ``cumulative_sales`` left out)."""
    values = event.model_dump()
    if event.id in event_set.derived_cumulative_sales:
        values["cumulative_sales"] = None
    return values


def csv_rows(sets: Iterable[EventSet]) -> list[list[str]]:
    """One row of text cells per event, in :data:`CSV_COLUMNS` order."""
    rows = []
    for event_set in sets:
        head = {"ticker": event_set.ticker, "company": event_set.company}
        head["benchmark"] = event_set.benchmark
        for event in event_set:
            values = {**head, **_file_values(event_set, event)}
            rows.append([_cell(values.get(column)) for column in CSV_COLUMNS])
    return rows


def json_records(sets: Iterable[EventSet]) -> list[dict[str, Any]]:
    """One JSON-ready record per event: set columns, then the event's own fields."""
    records = []
    for event_set in sets:
        for event in event_set:
            values = event.model_dump(mode="json")
            record: dict[str, Any] = {
                "ticker": event_set.ticker,
                "company": event_set.company,
                "benchmark": event_set.benchmark,
            }
            record.update((key, values[key]) for key in CSV_COLUMNS if key in values)
            if isinstance(event, Recall):
                record["cumulative_sales_derived"] = event.id in event_set.derived_cumulative_sales
            records.append(record)
    return records


def describe(event: Event, event_set: EventSet) -> str:
    """A short human summary of an event's figures, for the table."""
    if isinstance(event, Recall):
        if isinstance(event.cumulative_sales, int):
            derived = " derived" if event.id in event_set.derived_cumulative_sales else ""
            sold = f" of {event.cumulative_sales:,}{derived} sold ({event.ratio:.1%})"
        else:
            sold = " (cumulative sales unknown)"
        safety = "" if event.safety_critical else ", not safety-critical"
        return f"{event.units:,} units{sold}, remedy {event.remedy}{safety}"
    if isinstance(event, QualityRanking):
        text = f"{event.placement} of {event.field_size} in {event.ranking}"
        if event.penalty_points is not None:
            text += f"; {event.penalty_points:g} penalty points (avg {event.segment_average:g})"
        return text
    if isinstance(event, Orders):
        return f"orders {event.period}: {event.change:+.0%}"
    if isinstance(event, Deliveries):
        change = f" ({event.change:+.0%})" if event.change is not None else ""
        return f"deliveries {event.period}: {event.units:,} units{change}"
    if isinstance(event, Incident):
        parts = [f"{event.fatalities} dead", f"{event.injuries} injured"]
        if event.severity is not None:
            parts.append(f"severity {event.severity:g}")
        return ", ".join(parts)
    if isinstance(event, Investigation):
        covered = f", {event.vehicles:,} vehicles" if event.vehicles else ""
        return f"investigation {event.action}{covered}"
    if isinstance(event, Regulatory):
        text = f"{event.action.replace('_', ' ')} by {event.authority}"
        if event.amount is not None:
            text += f", amount {event.amount:,.0f}"
        return text
    raise TypeError(f"unknown event type {type(event).__name__}")  # pragma: no cover


_TABLE_HEADER = ("announced", "occurred", "type", "id", "model", "figures", "source")


def _table_rows(event_set: EventSet) -> list[tuple[str, ...]]:
    return [
        (
            event.announced.isoformat(),
            _cell(event.occurred),
            event.type,
            event.id,
            event.model or "",
            describe(event, event_set),
            event.source,
        )
        for event in event_set
    ]


def _title(event_set: EventSet) -> str:
    benchmark = f", benchmark {event_set.benchmark}" if event_set.benchmark else ""
    return (
        f"{event_set.company} ({event_set.ticker}{benchmark}): "
        f"{_count(len(event_set), 'event')} from {event_set.source}"
    )


def _print_tables(sets: Sequence[EventSet]) -> None:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # rich is a dependency, but plain text is enough without it
        for event_set in sets:
            print(_title(event_set))
            for line in _aligned([_TABLE_HEADER, *_table_rows(event_set)]):
                print(line)
        return
    # Piped or redirected output has no terminal width: allow long rows rather than 80 columns.
    # Event text is the user's: "[/x]" or ":car:" must print as written, not as rich markup.
    console = Console(
        file=sys.stdout,
        width=None if sys.stdout.isatty() else 160,
        markup=False,
        emoji=False,
        highlight=False,
    )
    for event_set in sets:
        table = Table(title=_title(event_set), title_justify="left")
        for column in _TABLE_HEADER:
            table.add_column(column, overflow="fold")
        for row in _table_rows(event_set):
            table.add_row(*row)
        console.print(table)


def _aligned(rows: Sequence[Sequence[str]]) -> list[str]:
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
