"""The event study's cross-event statistics against independent computations.

The cross-sectional t-test against ``scipy.stats.ttest_1samp`` (N - 1 degrees of freedom), the
sign test against an exact binomial sum written here, and the Spearman permutation p-value
against the exact p-value over every permutation (small N, so all N! orderings can be listed).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from recall_risk.study.stats import cross_section, spearman_permutation


def _exact_sign_p(negative: int, positive: int) -> float:
    """Two-sided exact binomial p at 1/2: twice the smaller tail, capped at 1."""
    n = negative + positive
    k = min(negative, positive)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2.0 * tail)


@pytest.mark.parametrize("seed", range(5))
def test_cross_section_matches_scipy_and_an_exact_sign_test(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cars = rng.normal(-0.01, 0.03, 5 + 3 * seed)
    cars[0] = 0.0  # a zero CAR counts for neither side of the sign test
    got = cross_section(cars.tolist())
    want = stats.ttest_1samp(cars, 0.0)
    assert got.n == len(cars)
    assert got.t == pytest.approx(float(want.statistic), rel=1e-12)
    assert got.p == pytest.approx(float(want.pvalue), rel=1e-9)
    assert got.sd == pytest.approx(float(np.std(cars, ddof=1)), rel=1e-12)
    assert (got.negative, got.positive) == (int((cars < 0).sum()), int((cars > 0).sum()))
    assert got.sign_p == pytest.approx(_exact_sign_p(got.negative, got.positive), rel=1e-12)


def _exact_spearman_p(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """rho and the exact two-sided p over all orderings of y."""
    rho = float(stats.spearmanr(x, y).statistic)
    extreme = total = 0
    for order in itertools.permutations(range(len(y))):
        r = float(stats.spearmanr(x, y[list(order)]).statistic)
        extreme += abs(r) >= abs(rho) - 1e-12
        total += 1
    return rho, extreme / total


@pytest.mark.parametrize("seed", range(4))
def test_spearman_permutation_p_is_close_to_the_exact_p(seed: int) -> None:
    """10,000 random shuffles estimate the exact p to within a few standard errors."""
    rng = np.random.default_rng(100 + seed)
    x = rng.normal(size=6)
    y = -0.7 * x + rng.normal(size=6)
    x[2] = x[4]  # ties get average ranks on both sides
    rho, p = spearman_permutation(x, y)
    exact_rho, exact_p = _exact_spearman_p(x, y)
    assert rho == pytest.approx(exact_rho, abs=1e-12)
    se = math.sqrt(exact_p * (1 - exact_p) / 10_000) + 1e-4
    assert abs(p - exact_p) < 5 * se, (p, exact_p)
