"""``recall-risk score``: print the daily risk score of an event set, or explain one day.

``recall-risk score NAME|PATH --start DATE --end DATE [--calendar PRICES.csv]
[--format table|csv|json] [--params PARAMS.yaml] [--ticker TICKER] [--explain DATE]``

One row per trading day: weekdays from ``--start`` to ``--end`` inclusive, or the dates of the
price CSV given with ``--calendar`` within that range. Formats:

- ``csv``: header ``date,score,recall,quality,orders,incident,investigation,regulatory``; ISO
  dates; floats written with Python's ``repr`` (the shortest text that reads back to the same
  float), so the output is deterministic and lossless.
- ``json``: a list of records ``{"date": ..., "score": ..., ...}`` with the same floats.
- ``table`` (default): a rich table with 6 decimals, for reading.

``--explain DATE`` prints, instead of the daily rows, the breakdown of that day's score: one row
per event announced on or before it, with its figure (a recall's ratio units / cumulative_sales),
magnitude, age and decayed magnitude (table, ``csv`` or ``json``). ``--start``/``--end`` are
optional then. Every input error exits with code 2 and one message.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import pandas as pd

from recall_risk.calendar import calendar_from_prices_csv, parse_date, weekday_calendar
from recall_risk.cli import options
from recall_risk.cli.events_cmd import load_one_set
from recall_risk.csvcells import safe_frame
from recall_risk.errors import ConfigError
from recall_risk.events import EventSet
from recall_risk.scoring import (
    COLUMNS,
    COMPONENTS,
    Explanation,
    ScoreParams,
    explain,
    load_score_params,
    score_events,
)

FORMATS = ("table", "csv", "json")
_EXPLAIN_LABELS = (
    "id",
    "type",
    "announced",
    "age (days)",
    "figure",
    "value",
    "magnitude",
    "decayed",
    "detail",
)
_NUMERIC_LABELS = frozenset({"age (days)", "value", "magnitude", "decayed"})


def register(subparsers: Any) -> None:
    """Add the ``score`` command to the top-level parser's sub-parsers."""
    parser = subparsers.add_parser(
        "score",
        help="daily point-in-time risk score of an event set",
        description="Print the daily risk score of an event set, one row per trading day from "
        "--start to --end (weekdays, or the dates of the --calendar price CSV), or with "
        "--explain DATE the per-event breakdown of that day's score.",
    )
    options.add_event_source(parser)
    options.add_dates(parser, required=False)
    parser.add_argument(
        "--calendar", metavar="PRICES.csv", help="use the Date column of this price CSV as the days"
    )
    options.add_format(parser, FORMATS)
    options.add_params(parser)
    options.add_ticker(parser)
    parser.add_argument(
        "--explain",
        metavar="DATE",
        help="print the per-event breakdown of this day's score instead",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Handle ``recall-risk score``; returns the exit code."""
    start = None if args.start is None else parse_date(args.start, what="--start")
    end = None if args.end is None else parse_date(args.end, what="--end")
    day = None if args.explain is None else parse_date(args.explain, what="--explain")
    if start is not None and end is not None and end < start:
        raise ConfigError(f"--end {end} is before --start {start}")
    params = load_score_params(args.params) if args.params else ScoreParams()
    events = load_one_set(args.events, args.ticker)
    if day is not None:
        _write_explanation(explain(events, day, params), events, args.format)
        return 0
    if start is None or end is None:
        raise ConfigError("give both --start DATE and --end DATE (or --explain DATE)")
    if args.calendar:
        calendar = calendar_from_prices_csv(args.calendar, start, end)
    else:
        calendar = weekday_calendar(start, end)
    if not len(calendar):
        where = f" in {args.calendar}" if args.calendar else ""
        raise ConfigError(f"no trading days between {start} and {end}{where}")
    frame = score_events(events, calendar, params)
    {"csv": _write_csv, "json": _write_json, "table": _write_table}[args.format](frame, events)
    return 0


def _rows(frame: pd.DataFrame) -> list[tuple[str, list[float]]]:
    dates = [stamp.date().isoformat() for stamp in frame.index]
    return list(zip(dates, frame[list(COLUMNS)].to_numpy().tolist(), strict=True))


def _write_csv(frame: pd.DataFrame, events: EventSet) -> None:
    lines = [",".join(("date", *COLUMNS))]
    lines += [",".join((day, *map(repr, values))) for day, values in _rows(frame)]
    sys.stdout.write("\n".join(lines) + "\n")


def _write_json(frame: pd.DataFrame, events: EventSet) -> None:
    records = [
        {"date": day, **dict(zip(COLUMNS, values, strict=True))} for day, values in _rows(frame)
    ]
    sys.stdout.write(json.dumps(records, indent=2) + "\n")


def _console() -> Any:
    from rich.console import Console

    # Piped output has no terminal width; keep rows on one line rather than wrapping at 80.
    # Event ids and notes are data, not rich markup: "[U]" must print as written.
    width = None if sys.stdout.isatty() else 200
    return Console(width=width, highlight=False, markup=False, emoji=False)


def _write_table(frame: pd.DataFrame, events: EventSet) -> None:
    from rich.table import Table

    table = Table(title=f"{events.company} ({events.ticker}) risk score", title_justify="left")
    table.add_column("date")
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for day, values in _rows(frame):
        table.add_row(day, *(f"{v:.6f}" for v in values))
    _console().print(table)


def _write_explanation(explanation: Explanation, events: EventSet, fmt: str) -> None:
    if fmt == "json":
        data = {"company": events.company, "ticker": events.ticker, **explanation.to_dict()}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif fmt == "csv":
        safe_frame(explanation.contributions).to_csv(
            sys.stdout, index=False, date_format="%Y-%m-%d"
        )
    else:
        _explanation_table(explanation, events)


def _explanation_table(explanation: Explanation, events: EventSet) -> None:
    from rich.table import Table

    console = _console()
    console.print(
        f"{events.company} ({events.ticker}) on {explanation.day.isoformat()}: "
        f"score {explanation.score:.6f}"
    )
    console.print(
        "components: " + ", ".join(f"{c} {explanation.components[c]:.6f}" for c in COMPONENTS)
    )
    contributions = explanation.contributions
    if contributions.empty:
        console.print("no events announced on or before this day")
        return
    table = Table()
    for label in _EXPLAIN_LABELS:
        table.add_column(label, justify="right" if label in _NUMERIC_LABELS else "left")
    for row in contributions.itertuples(index=False):
        value = f"{row.figure_value:.6g}" + (" *" if row.cumulative_sales_derived else "")
        table.add_row(
            row.id,
            row.type,
            row.announced.date().isoformat(),
            str(row.age_days),
            row.figure,
            value,
            f"{row.magnitude:.6f}",
            f"{row.decayed:.6f}",
            row.detail,
        )
    console.print(table)
    if contributions["cumulative_sales_derived"].any():
        console.print("* recall ratio uses cumulative sales derived from deliveries events")
