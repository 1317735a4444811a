"""The pooled verdict follows the adjusted tests and never says more; jump terciles keep ties."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recall_risk.study.pooled_stats import PooledTests, jump_terciles, verdict
from recall_risk.study.robust import TestResult
from recall_risk.study.stats import cross_section


def _tests(n: int, caar: float, p_kp: float, p_grank: float) -> PooledTests:
    cars = np.full(n, caar)
    tests = (
        TestResult("KP-BMP", n, -3.0, p_kp, n - 1),
        TestResult("GRANK", n, -3.0, p_grank, 250),
    )
    return PooledTests(n, caar, cross_section(cars), tests, 0.0, 0, 0, n, "[0,+1]")


def test_verdict_strength_follows_the_adjusted_tests() -> None:
    cars = np.random.default_rng(1).normal(-0.01, 0.02, 30)
    both = verdict(_tests(30, -0.01, 0.001, 0.01), cars)
    assert "on average the stocks fell abnormally" in both
    one = verdict(_tests(30, -0.01, 0.001, 0.40), cars)
    assert "Only KP-BMP rejects" in one and "mixed" in one
    none = verdict(_tests(30, -0.01, 0.30, 0.40), cars)
    assert "no evidence that the average event moved the price" in none
    assert "no evidence of no effect either" in none
    few = verdict(_tests(6, -0.05, 0.001, 0.001), cars[:6])
    assert "no conclusion can be drawn" in few and "fell" not in few


def test_jump_terciles_keep_ties_together() -> None:
    jumps = pd.Series([0.0, 0.0, 0.0, 0.0, 0.1, 0.2, 0.5, 0.9, 0.9])
    labels = jump_terciles(jumps)
    assert set(labels[jumps == 0.0]) == {"low"}
    assert set(labels[jumps == 0.9]) == {"high"}
    assert list(labels) == ["low"] * 4 + ["mid", "mid", "high", "high", "high"]
