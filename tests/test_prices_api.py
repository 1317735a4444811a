"""The public surface of recall_risk.prices: exports, the PriceSource protocol, load_many."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import recall_risk.prices as prices
from recall_risk.errors import PriceDataError
from recall_risk.prices import CsvDirectorySource, PriceSource, YFinanceSource, load_many

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_all_is_sorted_and_importable():
    def isort_style(name: str) -> tuple[int, str]:  # ruff RUF022: CONSTANTS, Classes, functions
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert prices.__all__ == sorted(prices.__all__, key=isort_style)
    for name in prices.__all__:
        assert getattr(prices, name) is not None
    required = {
        "PRICE_COLUMNS", "CsvDirectorySource", "YFinanceSource", "PriceSource", "validate_prices",
        "PriceReport", "default_cache_dir", "load_many",
    }  # fmt: skip
    assert required <= set(prices.__all__)


def test_sources_satisfy_the_protocol(tmp_path: Path):
    assert isinstance(CsvDirectorySource(tmp_path), PriceSource)
    assert isinstance(YFinanceSource(cache_dir=tmp_path), PriceSource)


def test_import_has_no_side_effects(tmp_path: Path):
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("RECALL_RISK_CACHE", None)
    env.pop("XDG_CACHE_HOME", None)
    code = (
        "import sys, recall_risk.prices as p; p.YFinanceSource(); p.CsvDirectorySource('x'); "
        "assert 'yfinance' not in sys.modules, 'yfinance imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_load_many(prices_dir: Path):
    source = CsvDirectorySource(prices_dir)
    frames = load_many(source, ["TSLA", "^GSPC", "TSLA"], "2024-01-02", "2024-01-31")
    assert list(frames) == ["TSLA", "^GSPC"]
    assert all(len(f) == 21 for f in frames.values())
    pd.testing.assert_index_equal(frames["TSLA"].index, frames["^GSPC"].index)
    with pytest.raises(PriceDataError, match="no price file for NOPE"):
        load_many(source, ["TSLA", "NOPE"], None, None)
