"""Price ticks: the smallest price step of a ticker, for showing fill prices as the market quotes.

Fills carry slippage (a fraction of the price), so a simulated fill price is rarely on the tick;
reports show it rounded to the tick, while trades.csv and metrics.json keep the exact value the
engines used. Hong Kong (``.HK``) shares follow the HKEX spread table (Part A, the table for
equities: https://www.hkex.com.hk/Services/Trading/Securities/Overview/Trading-Mechanism, "Spread
Table"); every other ticker uses 0.01.
"""

from __future__ import annotations

import math
from decimal import Decimal

DEFAULT_TICK = Decimal("0.01")

HK_SPREAD_TABLE: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("0.25"), Decimal("0.001")),
    (Decimal("0.50"), Decimal("0.005")),
    (Decimal("10.00"), Decimal("0.01")),
    (Decimal("20.00"), Decimal("0.02")),
    (Decimal("100.00"), Decimal("0.05")),
    (Decimal("200.00"), Decimal("0.10")),
    (Decimal("500.00"), Decimal("0.20")),
    (Decimal("1000.00"), Decimal("0.50")),
    (Decimal("2000.00"), Decimal("1.00")),
    (Decimal("5000.00"), Decimal("2.00")),
    (Decimal("Infinity"), Decimal("5.00")),
)
"""HKEX spread table A: ``(up to and including this price, tick)``, from the lowest band."""


def tick_size(ticker: str, price: float) -> Decimal:
    """The price step of ``ticker`` at ``price`` (HKEX spread table for ``.HK``, else 0.01)."""
    if not ticker.upper().endswith(".HK"):
        return DEFAULT_TICK
    value = Decimal(repr(float(price)))
    return next(tick for upper, tick in HK_SPREAD_TABLE if value <= upper)


def tick_price_text(ticker: str, price: float) -> str:
    """``price`` rounded to the nearest tick, with the tick's decimals (``19.3897`` on 1810.HK,
    tick 0.02, gives ``"19.38"``); not-a-number as ``"-"``."""
    if not math.isfinite(price):
        return "-"
    tick = tick_size(ticker, price)
    steps = (Decimal(repr(float(price))) / tick).quantize(Decimal(1))  # half to even
    return str((steps * tick).quantize(tick))
