"""The registry finds the reference strategies from a source checkout too.

Installed, ``strategies/`` is ``recall_risk.strategies``; imported from a checkout (``python -m
recall_risk.cli`` from the repository root puts the checkout first on ``sys.path``) that name
does not exist, and the registry loads the folder under it. A fresh-clone CI run caught this.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from recall_risk.bt.registry import registered_strategies

REPO = Path(__file__).resolve().parents[1]
NAMES = ["buy_and_hold", "risk_exit", "risk_rotation", "risk_scaled", "sma_cross", "sma_cross_risk"]


def test_registry_loads_strategies_folder_when_not_installed():
    """From the repository root the checkout's ``recall_risk`` comes first on ``sys.path`` (an
    installed copy, if any, is shadowed), so ``recall_risk.strategies`` does not exist there.

    Run in a fresh interpreter from the checkout: in this process ``recall_risk`` may be the
    installed package (CI installs the project non-editable), which has no folder beside it.
    """
    code = textwrap.dedent(
        """
        import json, sys
        from pathlib import Path
        import recall_risk
        from recall_risk.bt.registry import registered_strategies, resolve_strategy
        found = registered_strategies()
        module = sys.modules["recall_risk.strategies"]
        print(json.dumps({
            "package": str(Path(recall_risk.__file__).resolve()),
            "names": sorted(found),
            "module_file": str(Path(module.__file__).resolve()),
            "resolved": resolve_strategy("sma_cross_risk").__module__,
        }))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["package"] == str(REPO / "recall_risk" / "__init__.py")
    assert seen["names"] == NAMES
    assert seen["module_file"] == str(REPO / "strategies" / "__init__.py")
    assert seen["resolved"] == "recall_risk.strategies.sma_cross_risk"


def test_installed_strategies_used_when_present():
    import recall_risk.strategies

    assert registered_strategies() == dict(recall_risk.strategies.REGISTRY)
