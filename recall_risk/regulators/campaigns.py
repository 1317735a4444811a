"""From regulator records to events: one ``recall`` per campaign, one ``investigation`` per
action number, grouped into event sets by the listed company behind the manufacturer.

Point in time (``announced``). The recall file has two dates: the report-received date (RCL.txt
field 16 RCDATE), when the manufacturer's Part 573 report reached NHTSA, and the record-creation
date (field 17 DATEA), when the campaign entered the public file. The first is not when the market
could know: Tesla's FSD Beta recall 23V085000 was received on 2023-02-15 and made public on
2023-02-16; the Autosteer recall 23V838000 was received on 2023-12-12 and reported on 2023-12-13.
So the default rule, ``safe``, is the later of the record-creation date and the day after the
report was received (a record created on the day of receipt does not count that same day); the
API gives only the received date, so the day after it. ``record-created`` and ``report-received``
use one date alone (the latter can count a recall a day before the public knew). Investigations
count from the day after they were opened (INV.txt field 7 ODATE): PE21020 was opened on Friday
2021-08-13 and reported on Monday 2021-08-16, its upgrade EA22002 opened 2022-06-08 and was
reported 2022-06-09.

Derived fields. ``safety_critical`` is false only for a record whose consequence text names none
of crash, injury, death, fire, burn, fuel leak, loss of control or stall and that carries no
do-not-drive or park-outside advisory (no consequence text at all: true). ``remedy`` is ``ota``
when the corrective action says "over-the-air" (or "over the air", or OTA) or the API flags
``overTheAirUpdate``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from recall_risk.events import EventSet, build_event_set
from recall_risk.regulators.makers import Maker, resolve
from recall_risk.regulators.sales import SalesTable

AnnouncedRule = Literal["safe", "record-created", "report-received"]
ANNOUNCED_RULES: tuple[str, ...] = ("safe", "record-created", "report-received")

_HARM = re.compile(
    r"\b(crash|injur|death|fatal|fire|burn|fuel leak|loss of (?:vehicle )?control|stall)",
    re.IGNORECASE,
)
_OTA = re.compile(r"over[- ]the[- ]air|\bOTA\b", re.IGNORECASE)
_VEHICLES = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{4,})\s+(?:vehicles|units)", re.IGNORECASE)
_ONE_DAY = timedelta(days=1)


@dataclass
class Campaign:
    """A recall campaign gathered from its rows (units once: they repeat on every row)."""

    number: str
    manufacturer: str
    units: int | None = None
    received: date | None = None
    created: date | None = None
    models: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    component: str = ""
    consequence: str = ""
    remedy_text: str = ""
    do_not_drive: bool = False
    park_outside: bool = False
    ota_flag: bool = False
    rows: int = 0
    source: str = ""


@dataclass
class Probe:
    """A defect investigation gathered from its rows."""

    number: str
    manufacturer: str
    opened: date
    models: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    subject: str = ""
    summary: str = ""
    source: str = ""


@dataclass(frozen=True)
class ImportResult:
    """Event sets by ticker, and what could not be attributed."""

    sets: dict[str, EventSet]
    unmapped: Counter[str]
    records: int
    rows: int


def announced_date(received: date | None, created: date | None, rule: str) -> date | None:
    """The day a recall counts from under ``rule`` (see the module docstring), or ``None``."""
    after_receipt = received + _ONE_DAY if received is not None else None
    if rule == "report-received":
        return received or created
    if rule == "record-created":
        return created or after_receipt
    candidates = [d for d in (created, after_receipt) if d is not None]
    return max(candidates) if candidates else None


def safety_critical(consequence: str, do_not_drive: bool, park_outside: bool) -> bool:
    """Whether a recall is safety-critical, from its record (see the module docstring)."""
    if do_not_drive or park_outside or not consequence.strip():
        return True
    return bool(_HARM.search(consequence))


def remedy_kind(remedy_text: str, ota_flag: bool = False) -> str:
    """``ota`` when the corrective action is an over-the-air update, else ``physical``."""
    return "ota" if ota_flag or _OTA.search(remedy_text) else "physical"


def vehicles_in(text: str) -> int | None:
    """The largest "N vehicles" figure in an investigation's text, where one is given."""
    found = [int(m.group(1).replace(",", "")) for m in _VEHICLES.finditer(text)]
    return max(found) if found else None


def _years(years: set[int]) -> str:
    return f"{min(years)}-{max(years)}" if years else "model years unknown"


def recall_record(
    campaign: Campaign, rule: str, maker: Maker, sales: SalesTable
) -> dict[str, Any] | None:
    """The raw event mapping of one campaign, or ``None`` when it has no usable date or units."""
    announced = announced_date(campaign.received, campaign.created, rule)
    if announced is None or not campaign.units:
        return None
    sold = sales.cumulative([maker.ticker, campaign.manufacturer], "US", campaign.years)
    notes = [f"{campaign.rows} rows; model years {_years(campaign.years)}"]
    if sold is not None and sold < campaign.units:
        notes.append(f"US sales over those years ({sold:,}) are below the units: not used")
        sold = None
    raw: dict[str, Any] = {
        "id": campaign.number,
        "type": "recall",
        "announced": announced,
        "occurred": campaign.received
        if campaign.received and campaign.received <= announced
        else None,
        "source": campaign.source,
        "model": ", ".join(sorted(campaign.models))[:300] or None,
        "units": campaign.units,
        "cumulative_sales": sold if sold is not None else "unknown",
        "safety_critical": safety_critical(
            campaign.consequence, campaign.do_not_drive, campaign.park_outside
        ),
        "remedy": remedy_kind(campaign.remedy_text, campaign.ota_flag),
        "system": campaign.component[:200] or None,
        "notes": "; ".join(notes),
    }
    return raw


def investigation_record(probe: Probe) -> dict[str, Any]:
    """The raw event mapping of one investigation (counted from the day after it opened)."""
    action = probe.number[:2].upper()
    return {
        "id": probe.number,
        "type": "investigation",
        "announced": probe.opened + _ONE_DAY,
        "occurred": probe.opened,
        "source": probe.source,
        "model": ", ".join(sorted(probe.models))[:300] or None,
        "action": action,
        "vehicles": vehicles_in(f"{probe.subject} {probe.summary}"),
        "subject": probe.subject or None,
        "notes": f"model years {_years(probe.years)}",
    }


def group_events(
    records: Iterable[tuple[str, dict[str, Any]]],
    makers: Mapping[str, Maker],
    *,
    tickers: set[str] | None,
    source: str,
) -> tuple[dict[str, EventSet], Counter[str]]:
    """Validate raw event mappings into one event set per mapped ticker.

    Args:
        records: ``(manufacturer name, raw event)`` pairs.
        makers: The manufacturer map.
        tickers: Keep only these tickers (``None``: every mapped one).
        source: Where the records came from, for error messages.

    Returns:
        The sets by ticker (sorted) and the count of records per unmapped manufacturer name.
    """
    grouped: dict[str, tuple[Maker, list[dict[str, Any]]]] = {}
    unmapped: Counter[str] = Counter()
    for name, raw in records:
        maker = resolve(makers, name)
        if maker is None:
            unmapped[name.strip() or "(no name)"] += 1
            continue
        if tickers is not None and maker.ticker not in tickers:
            continue
        grouped.setdefault(maker.ticker, (maker, []))[1].append(raw)
    sets = {}
    for ticker in sorted(grouped):
        maker, raws = grouped[ticker]
        sets[ticker] = build_event_set(
            raws, company=maker.company, ticker=ticker, benchmark=maker.benchmark, source=source
        )
    return sets, unmapped
