"""Tests of the mean CAR that a referee expects beside the plain cross-sectional t.

Pure functions on arrays; :mod:`recall_risk.study.pooled` feeds them from the studied events.

- **BMP** (Boehmer, Musumeci and Poulsen 1991, J. Financial Economics 30(2), 253-272): each
  event's CAR is standardised by its own prediction-error standard deviation,
  ``SCAR_i = CAR_i / S(CAR_i)`` (MacKinlay 1997's full prediction-error variance, see
  :mod:`recall_risk.study.market_model`), and the standardised CARs are tested cross-sectionally,

      t_BMP = mean(SCAR) / (sd(SCAR) / sqrt(N)),    t with N - 1 degrees of freedom,

  which keeps the power of standardisation yet tolerates an event-induced rise in variance.
- **KP-adjusted BMP** (Kolari and Pynnönen 2010, Review of Financial Studies 23(11),
  3996-4025): when events share calendar days their abnormal returns are correlated and t_BMP
  over-rejects; with r̄ the average cross-correlation of the events' abnormal returns,

      t_KP = t_BMP * sqrt((1 - r̄) / (1 + (N - 1) r̄)).

  KP estimate r̄ as the average pairwise correlation of the estimation-window residuals, the
  case where every event falls on one date. With events spread in time, two events' CARs are
  correlated only through the days their windows share, so :func:`average_correlation` weights
  each pair's residual correlation by the share of CAR-window days the two have in common (0 for
  events that share none). With all events on one date this is exactly KP's r̄.
- **GRANK** (Kolari and Pynnönen 2011, J. Empirical Finance 18(5), 953-971), the generalised
  rank test, which extends Corrado's (1989) rank test to multi-day CARs: the estimation-window
  standardised residuals ``SAR_it = e_it / s_i`` and, as one extra "cumulative event day",
  the re-standardised ``SCAR*_i = SCAR_i / sd(SCAR)`` are ranked within each event's series
  (T_i values), ``U_it = rank / (T_i + 1) - 1/2``, averaged across events per event-time day
  (``Ū_t``, with ``N_t`` events), and

      Z = Ū_0 / S_Ū,   S_Ū = sqrt((1/T) Σ_t (N_t / N) Ū_t²)   (t over all T days incl. day 0),
      t_GRANK = Z sqrt((T - 2) / (T - 1 - Z²)),    t with T - 2 degrees of freedom.

  Ranks make it robust to fat tails; the time-series S_Ū makes it robust to cross-correlation
  when events cluster on the same dates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MIN_COMMON_DAYS = 30
"""Fewer shared estimation days than this give no residual correlation (taken as 0)."""


@dataclass(frozen=True)
class TestResult:
    """A test statistic, its two-sided p-value and its reference distribution.

    Attributes:
        name: Short name (``BMP``, ``KP-BMP``, ``GRANK``, ...).
        n: Events behind it.
        stat: The statistic (NaN when not computable).
        p: Two-sided p-value (NaN when not computable).
        df: Degrees of freedom of the t distribution used.
        note: What was assumed or why it is NaN.
    """

    __test__ = False  # a result, not a pytest test class

    name: str
    n: int
    stat: float
    p: float
    df: float
    note: str = ""


def _t_p(stat: float, df: float) -> float:
    if not (math.isfinite(stat) and df > 0):
        return math.nan
    return float(2.0 * stats.t.sf(abs(stat), df))


def bmp_test(scar: Sequence[float]) -> TestResult:
    """BMP's standardised cross-sectional test of the standardised CARs ``scar``."""
    values = np.asarray(scar, dtype=float)
    n = len(values)
    if n < 2:
        return TestResult("BMP", n, math.nan, math.nan, max(n - 1, 0), "needs 2 events")
    sd = float(values.std(ddof=1))
    if not sd > 0:
        return TestResult("BMP", n, math.nan, math.nan, n - 1, "standardised CARs all equal")
    stat = float(values.mean()) / (sd / math.sqrt(n))
    return TestResult("BMP", n, stat, _t_p(stat, n - 1), n - 1)


def kp_adjusted(bmp: TestResult, rbar: float) -> TestResult:
    """Kolari-Pynnönen (2010) adjustment of a BMP result for average correlation ``rbar``."""
    n = bmp.n
    note = f"r̄ = {rbar:.4f}"
    denominator = 1.0 + (n - 1) * rbar
    if not (math.isfinite(bmp.stat) and denominator > 0 and rbar < 1):
        return TestResult("KP-BMP", n, math.nan, math.nan, bmp.df, note)
    stat = bmp.stat * math.sqrt((1.0 - rbar) / denominator)
    return TestResult("KP-BMP", n, stat, _t_p(stat, bmp.df), bmp.df, note)


def residual_correlation(a: pd.Series, b: pd.Series) -> float:
    """Pearson correlation of two residual series on their common dates (0 if too few)."""
    joined = pd.concat([a, b], axis=1, join="inner").dropna()
    if len(joined) < MIN_COMMON_DAYS:
        return 0.0
    x, y = joined.iloc[:, 0].to_numpy(), joined.iloc[:, 1].to_numpy()
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def average_correlation(
    residuals: Sequence[pd.Series], windows: Sequence[Sequence[object]]
) -> float:
    """r̄: the mean over event pairs of residual correlation times shared CAR-window days.

    Args:
        residuals: Per event, its estimation-window residuals indexed by calendar date.
        windows: Per event, the calendar dates of its CAR window (all of equal length L).

    Returns:
        ``(1 / (N (N-1))) Σ_{i≠j} ρ_ij · |W_i ∩ W_j| / L``; 0 for fewer than two events.
    """
    n = len(residuals)
    if n < 2:
        return 0.0
    sets = [set(w) for w in windows]
    length = max(len(s) for s in sets) or 1
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            shared = len(sets[i] & sets[j])
            if shared:
                total += 2.0 * residual_correlation(residuals[i], residuals[j]) * shared / length
    return total / (n * (n - 1))


def grank_test(estimation_sar: Sequence[np.ndarray], scar: Sequence[float]) -> TestResult:
    """Kolari and Pynnönen's (2011) generalised rank test (GRANK-T) of the CARs.

    Args:
        estimation_sar: Per event, its standardised estimation-window residuals in event-time
            order, all ending the same number of days before day 0 (shorter ones are aligned
            on their last day; missing days are left out of that event's ranking).
        scar: Per event, its standardised CAR (``CAR / S(CAR)``).
    """
    scar_arr = np.asarray(scar, dtype=float)
    n = len(scar_arr)
    if n < 2 or len(estimation_sar) != n:
        return TestResult("GRANK", n, math.nan, math.nan, 0, "needs 2 events")
    sd = float(scar_arr.std(ddof=1))
    if not sd > 0:
        return TestResult("GRANK", n, math.nan, math.nan, 0, "standardised CARs all equal")
    width = max(len(s) for s in estimation_sar)
    gsar = np.full((n, width + 1), np.nan)
    for i, series in enumerate(estimation_sar):
        values = np.asarray(series, dtype=float)
        gsar[i, width - len(values) : width] = values
    gsar[:, width] = scar_arr / sd
    valid = np.isfinite(gsar)
    ranks = pd.DataFrame(gsar).rank(axis=1, method="average").to_numpy()
    counts = valid.sum(axis=1, keepdims=True)
    u = np.where(valid, ranks / (counts + 1.0) - 0.5, np.nan)
    n_t = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        u_bar = np.where(n_t > 0, np.nansum(u, axis=0) / np.maximum(n_t, 1), np.nan)
    days = n_t > 0
    t_days = int(days.sum())
    s_u = math.sqrt(float(np.sum((n_t[days] / n) * u_bar[days] ** 2)) / t_days)
    z = float(u_bar[-1]) / s_u if s_u > 0 else math.nan
    df = t_days - 2
    if not math.isfinite(z) or t_days - 1 - z * z <= 0:
        return TestResult("GRANK", n, math.nan, math.nan, df, "not computable")
    stat = z * math.sqrt((t_days - 2) / (t_days - 1 - z * z))
    return TestResult("GRANK", n, stat, _t_p(stat, df), df, f"T = {t_days}")


def cross_sectional_t(cars: Sequence[float], name: str = "t") -> TestResult:
    """The plain cross-sectional t-test of ``cars`` as a :class:`TestResult`."""
    values = np.asarray(cars, dtype=float)
    n = len(values)
    if n < 2 or not values.std(ddof=1) > 0:
        return TestResult(name, n, math.nan, math.nan, max(n - 1, 0), "needs 2 distinct CARs")
    stat = float(values.mean()) / (float(values.std(ddof=1)) / math.sqrt(n))
    return TestResult(name, n, stat, _t_p(stat, n - 1), n - 1)


def date_clusters(windows: Sequence[Sequence[object]]) -> list[int]:
    """Cluster label per event: events whose windows share a date (directly or through a
    chain of others) get the same label; labels are numbered in first-seen order."""
    n = len(windows)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[object, int] = {}
    for i, window in enumerate(windows):
        for day in window:
            if day in owner:
                parent[find(i)] = find(owner[day])
            else:
                owner[day] = i
    labels: dict[int, int] = {}
    return [labels.setdefault(find(i), len(labels)) for i in range(n)]
