"""The registry finds the reference strategies from a source checkout too.

Installed, ``strategies/`` is ``recall_risk.strategies``; imported from a checkout (``python -m
recall_risk.cli`` from the repository root puts the checkout first on ``sys.path``) that name
does not exist, and the registry loads the folder under it. A fresh-clone CI run caught this.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from recall_risk.bt.registry import registered_strategies, resolve_strategy

REPO = Path(__file__).resolve().parents[1]
NAMES = ["buy_and_hold", "risk_exit", "risk_rotation", "risk_scaled", "sma_cross", "sma_cross_risk"]


@pytest.fixture
def uninstalled_strategies():
    """``import recall_risk.strategies`` fails as in a checkout; sys.modules restored after."""
    saved = {k: v for k, v in sys.modules.items() if k.startswith("recall_risk.strategies")}
    for name in saved:
        del sys.modules[name]
    sys.modules["recall_risk.strategies"] = None  # type: ignore[assignment]  # import -> error
    try:
        yield
    finally:
        for name in [k for k in sys.modules if k.startswith("recall_risk.strategies")]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_registry_loads_strategies_folder_when_not_installed(uninstalled_strategies):
    found = registered_strategies()
    assert sorted(found) == NAMES
    module = sys.modules["recall_risk.strategies"]
    assert Path(module.__file__).resolve() == REPO / "strategies" / "__init__.py"
    assert resolve_strategy("sma_cross_risk").__module__ == "recall_risk.strategies.sma_cross_risk"


def test_installed_strategies_used_when_present():
    import recall_risk.strategies

    assert registered_strategies() == dict(recall_risk.strategies.REGISTRY)
