"""The scripts in ``examples/`` run as a user would run them, and use only the public API."""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from recall_risk import load_events, score_events

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = REPO_ROOT / "examples"
CUSTOM = EXAMPLES / "custom_strategy.py"


def run_example(
    script: Path, *args: str, shared: Path | None, cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RECALL_RISK_SHARED"}
    if shared is not None:
        env["RECALL_RISK_SHARED"] = str(shared)
    return subprocess.run(
        [sys.executable, "-W", "error", str(script), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def expected_facts(csv_path: Path) -> tuple[str, str]:
    """First day the score reaches 0.5 and the highest score, from the score itself."""
    dates = pd.DatetimeIndex(
        pd.read_csv(csv_path, usecols=["Date"])["Date"].loc[
            lambda d: d.between("2024-04-01", "2026-03-25")
        ]
    )
    score = score_events(load_events("xiaomi_su7"), dates)["score"]
    first = score.index[score.to_numpy() >= 0.5][0].date().isoformat()
    return first, f"{score.max():.3f}"


def check_output(result: subprocess.CompletedProcess[str], csv_path: Path) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "prices: 1810.HK.csv, 2024-04-01 to 2026-03-25"
    assert lines[1] == "events: Xiaomi, 14 events (bundled:xiaomi_su7)"
    first_cross, peak = expected_facts(csv_path)
    assert lines[2].startswith("[1] own feed + RiskScore: final value ")
    # the trend strategy is long going into the January 2025 recall: the gate takes it out
    assert f"    risk exit decided at the close of {first_cross}" in lines
    assert any(line.startswith("[2] RiskStrategy on risk_feed: final value ") for line in lines)
    assert lines[-1] == f"    highest score {peak}"
    values = [
        float(v.replace(",", "")) for v in re.findall(r"final value ([\d,]+\.\d\d)", result.stdout)
    ]
    assert len(values) == 2 and all(v > 0 for v in values)


def test_custom_strategy_runs_on_the_shared_prices(prices_dir):
    result = run_example(CUSTOM, shared=prices_dir.parent.parent)
    check_output(result, prices_dir / "1810.HK.csv")


def test_custom_strategy_takes_the_csv_path_as_argument(prices_dir, tmp_path):
    csv_path = tmp_path / "1810.HK.csv"
    shutil.copy(prices_dir / "1810.HK.csv", csv_path)  # a copy outside the repository
    result = run_example(CUSTOM, str(csv_path), shared=tmp_path / "nowhere", cwd=tmp_path)
    check_output(result, csv_path)


def test_custom_strategy_without_prices_exits_2_with_one_line(tmp_path):
    result = run_example(CUSTOM, shared=tmp_path / "nowhere")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: price file ")
    assert "RECALL_RISK_SHARED" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_examples_import_only_public_names(script):
    tree = ast.parse(script.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("recall_risk"):
            module = importlib.import_module(node.module)
            public = set(getattr(module, "__all__", ()))
            for alias in node.names:
                assert alias.name in public, f"{script.name}: {node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                assert not alias.name.startswith("recall_risk."), alias.name


@pytest.mark.parametrize("script", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_examples_have_a_usage_docstring(script):
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8")))
    assert doc and "Usage" in doc
