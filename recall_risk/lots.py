"""Board lots: how many shares one order unit of each ticker holds (``broker.lot_size``).

``lot_size`` in a config is 1 (any whole number of shares, the default), one number for every
ticker, a mapping ``{TICKER: N}`` (tickers not named trade in single shares), or ``board``: the
lots bundled in ``recall_risk/data/lots/board_lots.yaml``, each with its public source (per
ticker, else per exchange suffix). Both engines round whole-share orders down to whole lots;
fractional units (a benchmark index) have no lots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from recall_risk.errors import ConfigError

BOARD = "board"
MAX_LOT = 1_000_000
LotSpec = int | Mapping[str, int] | str


@cache
def board_lots() -> dict[str, dict[str, Any]]:
    """The bundled table: ``{"exchanges": {suffix: {lot, source}}, "tickers": {...}}``."""
    text = resources.files("recall_risk.data").joinpath("lots/board_lots.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return {"exchanges": dict(data["exchanges"]), "tickers": dict(data["tickers"])}


def _suffix(ticker: str) -> str:
    return ticker.rsplit(".", 1)[1].upper() if "." in ticker else ""


def board_lot(ticker: str) -> int | None:
    """The bundled board lot of ``ticker`` (its own, else its exchange's), or None."""
    table = board_lots()
    entry = table["tickers"].get(ticker) or table["exchanges"].get(_suffix(ticker))
    return int(entry["lot"]) if entry else None


def resolve_lots(spec: LotSpec, tickers: Iterable[str], *, where: str = "config") -> dict[str, int]:
    """Each ticker's lot under ``spec`` (see the module docstring).

    Raises:
        ConfigError: ``board`` for a ticker without a bundled lot, or a lot that is not a whole
            number in 1..1,000,000; the message names ``broker.lot_size``.
    """
    field = f"{where}: field 'broker.lot_size'"
    out: dict[str, int] = {}
    for ticker in tickers:
        if spec == BOARD:
            lot = board_lot(ticker)
            if lot is None:
                raise ConfigError(
                    f"{field}: no bundled board lot for {ticker!r} (bundled: "
                    f"{', '.join(sorted(board_lots()['tickers']))} and US tickers); give it "
                    f"as lot_size: {{{ticker}: N}} with N from the exchange's quote page"
                )
        elif isinstance(spec, Mapping):
            lot = spec.get(ticker, 1)
        else:
            lot = spec
        out[ticker] = check_lot(lot, field)
    return out


def check_lot(lot: Any, field: str) -> int:
    """``lot`` if it is a whole number in 1..1,000,000.

    Raises:
        ConfigError: anything else, naming ``field``.
    """
    if isinstance(lot, bool) or not isinstance(lot, int) or not 1 <= lot <= MAX_LOT:
        raise ConfigError(
            f"{field}: expected a whole number of shares from 1 to {MAX_LOT:,}, got {lot!r}"
        )
    return lot
