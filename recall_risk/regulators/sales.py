"""Relative to what: a sales table gives a recall's denominator.

CSV columns ``ticker`` or ``manufacturer`` (at least one), ``market``, ``year``, ``units_sold``
and ``source``; ``#`` lines are comments. A campaign's ``cumulative_sales`` is the maker's sales in
the campaign's market summed over the model years it covers, only when every one of those years
is in the table; otherwise it stays ``unknown`` (the score then assumes the documented
``recall_unknown_ratio`` and ``--explain`` says so). The bundled table
(``recall_risk/data/regulators/us_sales.csv``) covers the largest US sellers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from recall_risk.errors import EventFileError

SALES_COLUMNS: tuple[str, ...] = ("market", "year", "units_sold", "source")


@dataclass(frozen=True)
class SalesTable:
    """Units sold by (key, market, year); a key is a ticker or an upper-case manufacturer name."""

    units: dict[tuple[str, str, int], int] = field(default_factory=dict)

    def cumulative(self, keys: Iterable[str], market: str, years: Iterable[int]) -> int | None:
        """Sales summed over ``years`` for the first key that has all of them, else ``None``."""
        wanted = sorted(set(years))
        if not wanted:
            return None
        for key in keys:
            found = [self.units.get((key.upper(), market.upper(), y)) for y in wanted]
            if all(v is not None for v in found):
                return sum(v for v in found if v is not None)
        return None


def parse_sales(text: Iterable[str], source: str) -> SalesTable:
    """Parse sales CSV lines.

    Raises:
        EventFileError: a missing column, a bad year or unit count, naming the row.
    """
    lines = [line for line in text if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in SALES_COLUMNS if c not in header]
    if missing or not ({"ticker", "manufacturer"} & set(header)):
        raise EventFileError(
            f"{source}: expected columns ticker or manufacturer, and {', '.join(SALES_COLUMNS)}; "
            f"got {', '.join(header) or 'no header'}"
        )
    units: dict[tuple[str, str, int], int] = {}
    for index, raw in enumerate(reader, start=1):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        try:
            year, sold = int(row["year"]), int(row["units_sold"])
        except ValueError:
            raise EventFileError(
                f"{source}: row {index}: expected a whole year and units_sold, got "
                f"{row['year']!r} and {row['units_sold']!r}"
            ) from None
        if sold <= 0 or not row["source"]:
            raise EventFileError(
                f"{source}: row {index}: units_sold must be positive and every row needs a source"
            )
        for key in (row.get("ticker", ""), row.get("manufacturer", "")):
            if key:
                units[(key.upper(), row["market"].upper(), year)] = sold
    return SalesTable(units)


def bundled_sales() -> SalesTable:
    """The bundled table of US sales."""
    text = (
        resources.files("recall_risk.data.regulators")
        .joinpath("us_sales.csv")
        .read_text(encoding="utf-8")
    )
    return parse_sales(text.splitlines(), "bundled us_sales.csv")


def load_sales(path: str | Path | None = None) -> SalesTable:
    """The user's sales table, or the bundled one.

    Raises:
        EventFileError: the file is unreadable or malformed.
    """
    if path is None:
        return bundled_sales()
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise EventFileError(f"{path}: cannot read sales table: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise EventFileError(f"{path}: not UTF-8 text; expected a CSV sales table") from None
    return parse_sales(text.splitlines(), str(path))
