"""Whose recall is it: manufacturer names as the regulator's files spell them -> listed ticker.

The bundled map (``recall_risk/data/regulators/manufacturers.csv``) holds several spellings per
group over the decades ("TESLA MOTORS, INC." and "TESLA, INC."; "GENERAL MOTORS CORP." and
"GENERAL MOTORS LLC"; "CHRYSLER (FCA US, LLC)" -> STLA ...). A user's ``--map FILE`` with the
same columns (``name,ticker,benchmark,company[,notes]``) extends it and wins on equal names.
Lines starting with ``#`` are comments. Names compare without letter case and repeated spaces.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from recall_risk.errors import EventFileError

MAP_COLUMNS: tuple[str, ...] = ("name", "ticker", "benchmark", "company")


@dataclass(frozen=True)
class Maker:
    """The listed company behind a manufacturer name."""

    ticker: str
    benchmark: str | None
    company: str


def normalize_name(name: str) -> str:
    """Upper case, single spaces, stripped: ``" Tesla,  Inc."`` -> ``"TESLA, INC."``."""
    return " ".join(name.upper().split())


def _rows(text: Iterable[str], source: str) -> list[dict[str, str]]:
    lines = [line for line in text if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in MAP_COLUMNS if c not in header]
    if missing:
        raise EventFileError(
            f"{source}: missing column(s) {', '.join(missing)}; a manufacturer map needs "
            f"{','.join(MAP_COLUMNS)} (and optional notes)"
        )
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def parse_map(text: Iterable[str], source: str) -> dict[str, Maker]:
    """Parse map CSV lines into ``{normalized name: Maker}``.

    Raises:
        EventFileError: a missing column, or a row without a name or ticker (naming its line).
    """
    out: dict[str, Maker] = {}
    for index, row in enumerate(_rows(text, source), start=1):
        if not row.get("name") or not row.get("ticker"):
            raise EventFileError(
                f"{source}: row {index}: expected a manufacturer name and a ticker, got "
                f"{row.get('name')!r} -> {row.get('ticker')!r}"
            )
        out[normalize_name(row["name"])] = Maker(
            ticker=row["ticker"],
            benchmark=row.get("benchmark") or None,
            company=row.get("company") or row["ticker"],
        )
    return out


def bundled_map() -> dict[str, Maker]:
    """The bundled manufacturer map."""
    text = (
        resources.files("recall_risk.data.regulators")
        .joinpath("manufacturers.csv")
        .read_text(encoding="utf-8")
    )
    return parse_map(text.splitlines(), "bundled manufacturers.csv")


def load_map(path: str | Path | None = None) -> dict[str, Maker]:
    """The bundled map, extended and overridden by the user's file when given.

    Raises:
        EventFileError: the user's file is unreadable or malformed.
    """
    makers = bundled_map()
    if path is None:
        return makers
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise EventFileError(
            f"{path}: cannot read manufacturer map: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise EventFileError(f"{path}: not UTF-8 text; expected a CSV manufacturer map") from None
    makers.update(parse_map(text.splitlines(), str(path)))
    return makers


def resolve(makers: Mapping[str, Maker], name: str) -> Maker | None:
    """The maker of a manufacturer name, or ``None`` when unmapped."""
    return makers.get(normalize_name(name))
