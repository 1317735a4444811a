"""Bulk CSV event files: one row per event, a ``ticker`` column -> one :class:`EventSet` per ticker.

Empty cells mean "not given"; values are converted from text by each field's type
(:func:`~recall_risk.events.build.build_event_set` with ``strict=False``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from recall_risk.csvcells import restore_cell
from recall_risk.errors import EventFileError
from recall_risk.events.build import build_event_set
from recall_risk.events.eventset import EventSet
from recall_risk.validation import not_utf8

CSV_SET_COLUMNS = ("company", "ticker", "benchmark")


def _csv_rows(path: Path, name: str) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # tolerate Excel's BOM
            reader = csv.DictReader(handle)
            # a cell our CSV writers quoted against formula injection reads back as written
            rows = [
                {k: restore_cell(v) if isinstance(v, str) else v for k, v in row.items()}
                for row in reader
            ]
            header = list(reader.fieldnames or [])
    except OSError as exc:
        raise EventFileError(f"{name}: cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise EventFileError(not_utf8(name, exc)) from None
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
