"""Across events: mean CAR, cross-sectional t-test, sign test, and a rank correlation test.

The cross-sectional t-test treats each studied event's CAR as one draw: ``t = mean / (sd /
sqrt(N))`` with ``N - 1`` degrees of freedom, so it needs no assumption about each event's own
variance (Brown and Warner 1985). The sign test counts negative against positive CARs (zeros
dropped) with an exact two-sided binomial test at 1/2. Overlapping event windows make the draws
dependent; results flag them rather than correct for them. The Spearman test's p-value comes
from a permutation test with a fixed seed, so it is deterministic and needs no large-sample
approximation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

PERMUTATIONS = 10_000
SEED = 20250401


@dataclass(frozen=True)
class CrossSection:
    """CARs of a group of events, tested together.

    Attributes:
        n: Number of events.
        mean_car: Mean CAR.
        sd: Sample standard deviation of the CARs (NaN for one event).
        t, p: Cross-sectional t-statistic and two-sided p-value (NaN below two events).
        negative, positive: CARs below and above zero.
        sign_p: Exact two-sided binomial p-value of negative vs positive (NaN with none).
    """

    n: int
    mean_car: float
    sd: float
    t: float
    p: float
    negative: int
    positive: int
    sign_p: float


def cross_section(cars: Sequence[float]) -> CrossSection:
    """Test whether the mean of ``cars`` differs from zero (t-test and sign test)."""
    values = np.asarray(cars, dtype=float)
    n = len(values)
    negative, positive = int((values < 0).sum()), int((values > 0).sum())
    sign_p = (
        float(stats.binomtest(negative, negative + positive, 0.5).pvalue)
        if negative + positive
        else math.nan
    )
    mean = float(values.mean()) if n else math.nan
    sd = float(values.std(ddof=1)) if n >= 2 else math.nan
    if n >= 2 and sd > 0:
        t = mean / (sd / math.sqrt(n))
        p = float(2.0 * stats.t.sf(abs(t), n - 1))
    else:
        t = p = math.nan
    return CrossSection(n, mean, sd, t, p, negative, positive, sign_p)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (as Spearman's rho needs)."""
    return stats.rankdata(values, method="average")


def spearman_permutation(
    x: Sequence[float],
    y: Sequence[float],
    *,
    permutations: int = PERMUTATIONS,
    seed: int = SEED,
    groups: Sequence[object] | None = None,
) -> tuple[float, float]:
    """Spearman's rank correlation of ``x`` and ``y`` and a two-sided permutation p-value.

    The p-value is ``(1 + #{|rho_perm| >= |rho|}) / (1 + permutations)`` over random
    permutations of ``y`` drawn from ``numpy.random.default_rng(seed)``: deterministic, and never
    zero. With ``groups`` (a company per pair, say), ``y`` is shuffled only *within* each group,
    so a correlation that merely reflects differences between groups is not mistaken for one
    within them. Fewer than three pairs, or a constant ``x`` or ``y``, give ``(nan, nan)``.
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) != len(b):
        raise ValueError(f"{len(a)} x values but {len(b)} y values")
    if groups is not None and len(groups) != len(a):
        raise ValueError(f"{len(a)} values but {len(groups)} groups")
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return math.nan, math.nan
    ra, rb = average_ranks(a), average_ranks(b)
    ra = (ra - ra.mean()) / np.linalg.norm(ra - ra.mean())
    rb = (rb - rb.mean()) / np.linalg.norm(rb - rb.mean())
    rho = float(ra @ rb)
    rng = np.random.default_rng(seed)
    if groups is None:
        shuffled = np.array([rng.permutation(rb) for _ in range(permutations)])
    else:
        shuffled = np.tile(rb, (permutations, 1))
        labels = np.asarray([str(g) for g in groups])
        for label in sorted(set(labels)):
            idx = np.flatnonzero(labels == label)
            shuffled[:, idx] = rng.permuted(shuffled[:, idx], axis=1)
    perm = shuffled @ ra
    extreme = int((np.abs(perm) >= abs(rho) - 1e-12).sum())
    return rho, (1 + extreme) / (1 + permutations)
