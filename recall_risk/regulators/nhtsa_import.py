"""Import NHTSA's recall and investigation flat files into event sets.

The recall file has one row per make/model/year/component of a campaign, and the potentially
affected units (RCL.txt field 12 POTAFF) repeat on every row: rows collapse to one ``recall``
per campaign (field 2 CAMPNO, the event id) with the units once (the largest figure seen, never
a sum) and the models and years listed. Only vehicle campaigns (field 11 RCLTYPECD ``V``) are
imported: tires, equipment and child seats are not the automaker's vehicles. The file is read as
a stream and only campaign summaries are kept, so memory stays small whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from recall_risk.errors import EventFileError
from recall_risk.regulators.campaigns import (
    ANNOUNCED_RULES,
    Campaign,
    ImportResult,
    Probe,
    group_events,
    investigation_record,
    recall_record,
)
from recall_risk.regulators.makers import Maker, load_map
from recall_risk.regulators.nhtsa_files import INV, RCL, Row, field_date, field_int, read_rows
from recall_risk.regulators.sales import SalesTable, load_sales


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and text != "9999" else None


def _add_recall_row(campaigns: dict[str, Campaign], path: Path, row: Row, source: str) -> None:
    cells = row
    number = cells["CAMPNO"].strip()
    if not number:
        raise EventFileError(
            f"{path}: line {row.line}: field 2 CAMPNO: expected a campaign number, got nothing"
        )
    campaign = campaigns.get(number)
    if campaign is None:
        campaign = campaigns[number] = Campaign(
            number=number,
            manufacturer=cells["MFGNAME"].strip(),
            component=cells["COMPNAME"].strip(),
            consequence=cells["CONEQUENCE_DEFECT"],
            remedy_text=cells["CORRECTIVE_ACTION"],
            source=f"NHTSA recall {number} ({source})",
        )
    units = field_int(path, row, RCL, "POTAFF")
    received = field_date(path, row, RCL, "RCDATE")
    created = field_date(path, row, RCL, "DATEA")
    if units is not None and (campaign.units is None or units > campaign.units):
        campaign.units = units  # repeated per row: once, never summed
    if received is not None and (campaign.received is None or received < campaign.received):
        campaign.received = received
    if created is not None and (campaign.created is None or created < campaign.created):
        campaign.created = created
    model = f"{cells['MAKETXT'].strip()} {cells['MODELTXT'].strip()}".strip()
    if model:
        campaign.models.add(model)
    year = _year(cells["YEARTXT"])
    if year is not None:
        campaign.years.add(year)
    campaign.do_not_drive |= cells["DO_NOT_DRIVE"].strip().upper() in ("YES", "Y")
    campaign.park_outside |= cells["PARK_OUTSIDE"].strip().upper() in ("YES", "Y")
    campaign.rows += 1


def read_campaigns(path: str | Path, *, vehicles_only: bool = True) -> tuple[list[Campaign], int]:
    """Campaigns of a recall flat file (zip or text), and the number of rows read."""
    path = Path(path)
    campaigns: dict[str, Campaign] = {}
    rows = 0
    name = path.name
    for row in read_rows(path, RCL):
        rows += 1
        if vehicles_only and row["RCLTYPECD"].strip().upper() != "V":
            continue
        _add_recall_row(campaigns, path, row, name)
    return list(campaigns.values()), rows


def _recall_pairs(
    campaigns: list[Campaign], rule: str, makers: dict[str, Maker], sales: SalesTable
) -> Iterator[tuple[str, dict[str, Any]]]:
    from recall_risk.regulators.makers import resolve

    for campaign in campaigns:
        maker = resolve(makers, campaign.manufacturer)
        if maker is None:
            yield campaign.manufacturer, {}
            continue
        raw = recall_record(campaign, rule, maker, sales)
        if raw is not None:
            yield campaign.manufacturer, raw


def check_rule(rule: str) -> None:
    """Refuse an unknown ``announced`` rule, listing the known ones."""
    if rule not in ANNOUNCED_RULES:
        raise EventFileError(
            f"unknown announced rule {rule!r}; expected one of {', '.join(ANNOUNCED_RULES)}"
        )


def import_recalls(
    path: str | Path,
    *,
    tickers: set[str] | None = None,
    map_path: str | Path | None = None,
    sales_path: str | Path | None = None,
    announced: str = "safe",
) -> ImportResult:
    """Import NHTSA's recall flat file (``FLAT_RCL*.zip`` or its ``.txt``).

    Args:
        path: The file as published.
        tickers: Keep only these tickers (``None``: every mapped manufacturer).
        map_path: A manufacturer map extending the bundled one.
        sales_path: A sales table replacing the bundled one.
        announced: ``safe`` (default), ``record-created`` or ``report-received``; see
            :mod:`recall_risk.regulators.campaigns`.

    Raises:
        EventFileError: a malformed file, naming the line and field.
    """
    check_rule(announced)
    makers, sales = load_map(map_path), load_sales(sales_path)
    campaigns, rows = read_campaigns(path)
    pairs = [(n, raw) for n, raw in _recall_pairs(campaigns, announced, makers, sales)]
    sets, unmapped = group_events(
        ((n, raw) for n, raw in pairs if raw), makers, tickers=tickers, source=str(path)
    )
    unmapped.update(n.strip() or "(no name)" for n, raw in pairs if not raw)
    return ImportResult(sets=sets, unmapped=unmapped, records=len(campaigns), rows=rows)


def read_probes(path: str | Path) -> tuple[list[Probe], int]:
    """Investigations of an investigation flat file, and the number of rows read."""
    path = Path(path)
    probes: dict[str, Probe] = {}
    rows = 0
    for row in read_rows(path, INV):
        rows += 1
        cells = row
        number = cells["ACTION_NUMBER"].strip().upper()
        if len(number) < 3 or number[:2] not in ("PE", "EA", "RQ", "DP", "AQ"):
            raise EventFileError(
                f"{path}: line {row.line}: field 1 NHTSA ACTION NUMBER: expected PE, EA, RQ, DP "
                f"or AQ followed by digits (say PE21020), got {number[:20]!r}"
            )
        opened = field_date(path, row, INV, "ODATE")
        if opened is None:
            raise EventFileError(
                f"{path}: line {row.line}: field 7 ODATE: expected the date opened YYYYMMDD, "
                "got nothing"
            )
        probe = probes.get(number)
        if probe is None:
            probe = probes[number] = Probe(
                number=number,
                manufacturer=cells["MFR_NAME"].strip(),
                opened=opened,
                subject=cells["SUBJECT"].strip(),
                summary=cells["SUMMARY"],
                source=f"NHTSA investigation {number} ({path.name})",
            )
        probe.opened = min(probe.opened, opened)
        model = f"{cells['MAKE'].strip()} {cells['MODEL'].strip()}".strip()
        if model:
            probe.models.add(model)
        year = _year(cells["YEAR"])
        if year is not None:
            probe.years.add(year)
    return list(probes.values()), rows


def import_investigations(
    path: str | Path,
    *,
    tickers: set[str] | None = None,
    map_path: str | Path | None = None,
) -> ImportResult:
    """Import NHTSA's investigation flat file (``FLAT_INV.zip`` or its ``.txt``).

    Raises:
        EventFileError: a malformed file, naming the line and field.
    """
    makers = load_map(map_path)
    probes, rows = read_probes(path)
    sets, unmapped = group_events(
        ((p.manufacturer, investigation_record(p)) for p in probes),
        makers,
        tickers=tickers,
        source=str(path),
    )
    return ImportResult(sets=sets, unmapped=unmapped, records=len(probes), rows=rows)


def import_api(
    documents: list[tuple[str, Any]],
    *,
    tickers: set[str] | None = None,
    map_path: str | Path | None = None,
    sales_path: str | Path | None = None,
    announced: str = "safe",
) -> ImportResult:
    """Import answers of NHTSA's recalls API (see :mod:`recall_risk.regulators.nhtsa_api`).

    Raises:
        EventFileError: an answer that is not the API's shape.
    """
    from recall_risk.regulators.nhtsa_api import parse_responses

    check_rule(announced)
    makers, sales = load_map(map_path), load_sales(sales_path)
    campaigns = parse_responses(documents)
    pairs = list(_recall_pairs(campaigns, announced, makers, sales))
    source = documents[0][0] if len(documents) == 1 else "NHTSA recalls API"
    sets, unmapped = group_events(
        ((n, raw) for n, raw in pairs if raw), makers, tickers=tickers, source=source
    )
    unmapped.update(n.strip() or "(no name)" for n, raw in pairs if not raw)
    rows = sum(c.rows for c in campaigns)
    return ImportResult(sets=sets, unmapped=unmapped, records=len(campaigns), rows=rows)
