"""Fill prices shown on the tick: the HKEX spread table for .HK shares, 0.01 elsewhere."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recall_risk.report.figures import _fill_trace
from recall_risk.ticks import tick_price_text, tick_size


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        (0.25, "0.001"),
        (0.2501, "0.005"),
        (10.0, "0.01"),
        (10.02, "0.02"),
        (19.38, "0.02"),
        (55.0, "0.05"),
        (150.0, "0.10"),
        (400.0, "0.20"),
        (600.0, "0.50"),
        (1500.0, "1.00"),
        (3000.0, "2.00"),
        (6000.0, "5.00"),
    ],
)
def test_hkex_spread_table(price, tick):
    assert tick_size("1810.HK", price) == Decimal(tick)


def test_other_markets_use_a_cent():
    assert tick_size("TSLA", 251.2345) == Decimal("0.01")
    assert tick_size("^HSI", 17000.0) == Decimal("0.01")


@pytest.mark.parametrize(
    ("ticker", "price", "text"),
    [
        ("1810.HK", 19.3897, "19.38"),  # 969.49 ticks of 0.02
        ("1810.HK", 55.03, "55.05"),
        ("1810.HK", 0.2234, "0.223"),
        ("TSLA", 251.2345, "251.23"),
        ("TSLA", float("nan"), "-"),
    ],
)
def test_price_text_is_on_the_tick(ticker, price, text):
    assert tick_price_text(ticker, price) == text


def test_report_hover_shows_the_tick_price_and_keeps_the_exact_y():
    fill = {"date": "2025-01-02", "price": 19.3897, "size": 200.0, "commission": 3.9}
    trace = _fill_trace("risk_exit", "buy", [fill], "#123456", True, "1810.HK")
    assert trace.y == (19.3897,)  # the marker sits at the exact fill price
    assert trace.customdata[0][2] == "19.38"
    assert "%{customdata[2]}" in trace.hovertemplate
