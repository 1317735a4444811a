"""Shared fixtures.

Real price data lives in ``../shared/data/prices`` beside the repository (never copied into it).
Tests that need it use the ``prices_dir`` fixture, which *fails* (never skips) when the folder is
missing, so CI cannot go green without the real-data tests. ``RECALL_RISK_SHARED`` overrides the
location of the shared folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on hypothesis' fixed (derandomized) examples: a green or red CI is
# then the code's doing, not the draw's. Local runs keep exploring new random examples (and save
# failures in .hypothesis/); a failure found there becomes a regression test.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]
TESTS_DATA = Path(__file__).resolve().parent / "data"


def shared_dir() -> Path:
    """The shared folder: ``$RECALL_RISK_SHARED`` or ``../shared`` beside the repository."""
    env = os.environ.get("RECALL_RISK_SHARED")
    return Path(env) if env else REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def prices_dir() -> Path:
    """Folder of real daily price CSVs; fails loudly when it is missing."""
    path = shared_dir() / "data" / "prices"
    if not (path / "1810.HK.csv").is_file():
        pytest.fail(
            f"real price data not found at {path}: clone the repository beside ../shared "
            "or set RECALL_RISK_SHARED",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def tests_data() -> Path:
    """Folder of small hand-made fixtures committed with the tests."""
    return TESTS_DATA
