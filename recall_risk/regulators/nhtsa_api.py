"""NHTSA's recalls API (https://api.nhtsa.gov): campaigns of a make and model years as JSON.

Endpoints (no key needed):

- ``/products/vehicle/models?modelYear=Y&make=M&issueType=r``: ``{"Count", "Message",
  "results": [{"modelYear", "make", "model"}, ...]}``, the models with recalls;
- ``/recalls/recallsByVehicle?make=M&model=X&modelYear=Y``: ``{"Count", "Message", "results":
  [...]}``, one record per campaign for that vehicle;
- ``/recalls/campaignNumber?campaignNumber=23V085000``: the same records for one campaign, with
  ``PotentialNumberofUnitsAffected``.

A record carries ``Manufacturer``, ``NHTSACampaignNumber``, ``ReportReceivedDate`` (written
``DD/MM/YYYY``, e.g. "15/02/2023"), ``Component``, ``Summary``, ``Consequence``, ``Remedy``,
``Notes``, ``ModelYear``, ``Make``, ``Model`` and the flags ``parkIt`` (do not drive),
``parkOutSide`` and ``overTheAirUpdate``. The API has no record-creation date, so a campaign
counts from the day after the report was received (the ``safe`` rule without ``DATEA``).

Fetching is separate from parsing: :func:`parse_responses` reads documents already loaded (tests
and ``--json`` files), :func:`fetch_make` downloads them after a short connectivity probe.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from recall_risk.errors import DataUnavailableError, EventFileError
from recall_risk.regulators.campaigns import Campaign

API_HOST = "api.nhtsa.gov"
API_ROOT = f"https://{API_HOST}"
PROBE_SECONDS = 3.0
TIMEOUT_SECONDS = 30.0

JsonGetter = Callable[[str], Any]


def models_url(make: str, year: int) -> str:
    """URL of the models of ``make`` with recalls in model year ``year``."""
    query = urlencode({"modelYear": year, "make": make, "issueType": "r"})
    return f"{API_ROOT}/products/vehicle/models?{query}"


def vehicle_url(make: str, model: str, year: int) -> str:
    """URL of the recalls of one make/model/year."""
    query = urlencode({"make": make, "model": model, "modelYear": year})
    return f"{API_ROOT}/recalls/recallsByVehicle?{query}"


def campaign_url(number: str) -> str:
    """URL of one campaign (it carries the units affected)."""
    return f"{API_ROOT}/recalls/campaignNumber?{urlencode({'campaignNumber': number})}"


def _results(document: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping):
        raise EventFileError(
            f"{where}: expected a JSON object with 'results', got {str(document)[:60]!r}"
        )
    rows = document.get("results", document.get("Results"))
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise EventFileError(
            f"{where}: expected NHTSA's API answer {{'Count', 'Message', 'results': [...]}}; "
            f"got keys {', '.join(map(str, document)) or 'none'}"
        )
    return rows


def _api_date(text: Any, where: str, number: str) -> date:
    value = str(text or "").strip()
    parts = value.split("/")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        day, month, year = (int(p) for p in parts)
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise EventFileError(
        f"{where}: campaign {number}: field 'ReportReceivedDate': expected DD/MM/YYYY as the "
        f"API writes it, got {value[:20]!r}"
    )


def _units(value: Any, where: str, number: str) -> int | None:
    if value is None or value == "":
        return None
    text = str(value).replace(",", "").strip()
    if not text.isdigit():
        raise EventFileError(
            f"{where}: campaign {number}: field 'PotentialNumberofUnitsAffected': expected a "
            f"whole number, got {str(value)[:20]!r}"
        )
    return int(text)


def _add(campaigns: dict[str, Campaign], row: Mapping[str, Any], where: str) -> None:
    number = str(row.get("NHTSACampaignNumber") or "").strip()
    if not number:
        raise EventFileError(f"{where}: a record without 'NHTSACampaignNumber'")
    campaign = campaigns.setdefault(
        number,
        Campaign(
            number=number,
            manufacturer=str(row.get("Manufacturer") or "").strip(),
            component=str(row.get("Component") or "").strip(),
            consequence=str(row.get("Consequence") or ""),
            remedy_text=str(row.get("Remedy") or ""),
            source=f"NHTSA recalls API, campaign {number}",
        ),
    )
    received = _api_date(row.get("ReportReceivedDate"), where, number)
    campaign.received = min(campaign.received or received, received)
    units = _units(row.get("PotentialNumberofUnitsAffected"), where, number)
    if units is not None:
        campaign.units = max(campaign.units or 0, units)
    model = f"{row.get('Make') or ''} {row.get('Model') or ''}".strip()
    if model:
        campaign.models.add(model)
    year = str(row.get("ModelYear") or "").strip()
    if year.isdigit() and year != "9999":
        campaign.years.add(int(year))
    campaign.do_not_drive |= row.get("parkIt") is True
    campaign.park_outside |= row.get("parkOutSide") is True
    campaign.ota_flag |= row.get("overTheAirUpdate") is True
    campaign.rows += 1


def parse_responses(documents: Iterable[tuple[str, Any]]) -> list[Campaign]:
    """Campaigns from API answers (``(where, parsed JSON)`` pairs), merged by campaign number.

    Raises:
        EventFileError: an answer that is not the API's shape, or a bad date or unit count.
    """
    campaigns: dict[str, Campaign] = {}
    for where, document in documents:
        for row in _results(document, where):
            _add(campaigns, row, where)
    return list(campaigns.values())


def load_json_files(paths: Iterable[str | Path]) -> list[tuple[str, Any]]:
    """Saved API answers read from files.

    Raises:
        EventFileError: a file that cannot be read or is not JSON.
    """
    out = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise EventFileError(f"{path}: cannot read file: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise EventFileError(f"{path}: not UTF-8 text; expected NHTSA's JSON") from None
        try:
            out.append((str(path), json.loads(text)))
        except json.JSONDecodeError as exc:
            raise EventFileError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    return out


def http_get_json(url: str) -> Any:
    """GET ``url`` and parse its JSON (the online path; tests pass their own getter).

    Raises:
        DataUnavailableError: the API cannot be reached or answers with an error.
    """
    from urllib.error import URLError
    from urllib.request import Request, urlopen

    request = Request(url, headers={"Accept": "application/json", "User-Agent": "recall-risk"})
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read().decode("utf-8"))
    except (URLError, OSError, ValueError) as exc:
        raise DataUnavailableError(f"NHTSA API request {url} failed: {exc}") from None


def fetch_make(
    make: str,
    years: Iterable[int],
    *,
    models: Iterable[str] | None = None,
    get_json: JsonGetter | None = None,
) -> list[tuple[str, Any]]:
    """Download every campaign of ``make`` in ``years``: models, then vehicles, then campaigns.

    Without ``get_json`` the API host is probed first (a few seconds at most), so an offline
    machine fails fast instead of waiting on each request.

    Raises:
        DataUnavailableError: the API cannot be reached.
    """
    if get_json is None:
        from recall_risk.prices.probe import probe_connection

        try:
            probe_connection(API_HOST, 443, PROBE_SECONDS)
        except DataUnavailableError as exc:
            raise DataUnavailableError(
                f"{exc}; the NHTSA API is online only: save its JSON answers (for example "
                f"{vehicle_url(make, 'MODEL', 2023)}) and pass them with --json FILE, or import "
                "the flat file with 'recall-risk events import nhtsa-recalls FILE'"
            ) from None
        get_json = http_get_json
    documents: list[tuple[str, Any]] = []
    numbers: set[str] = set()
    for year in sorted(set(years)):
        names = list(models) if models else _model_names(get_json, make, year)
        for model in names:
            url = vehicle_url(make, model, year)
            document = get_json(url)
            numbers.update(str(r.get("NHTSACampaignNumber") or "") for r in _results(document, url))
    for number in sorted(n for n in numbers if n):
        url = campaign_url(number)
        documents.append((url, get_json(url)))
    return documents


def _model_names(get_json: JsonGetter, make: str, year: int) -> list[str]:
    url = models_url(make, year)
    names = {str(r.get("model") or "").strip() for r in _results(get_json(url), url)}
    return sorted(n for n in names if n)
