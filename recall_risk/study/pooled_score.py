"""Does the score flag the events that hurt shareholders, across companies?

Three views of the pooled events' score jumps (:func:`~recall_risk.study.against.score_jumps`)
against their primary-window CARs:

- Spearman's rank correlation with a permutation p-value that shuffles CARs only *within* each
  company (:func:`~recall_risk.study.stats.spearman_permutation` with ``groups``), so that one
  company's higher jumps and lower returns are not read as the score working;
- an OLS regression ``CAR = a + b * jump`` with standard errors clustered by company (the CR1
  sandwich, as statsmodels' ``cov_type="cluster"``: ``(X'X)^-1 (Σ_g X_g'e_g e_g'X_g) (X'X)^-1``
  times ``G/(G-1) * (N-1)/(N-K)``), its t compared with t(G - 1). With a handful of companies
  clustered errors are themselves noisy (Cameron and Miller 2015); the statement says so;
- the share of high-jump events (top tercile of the jump, ties kept together) whose CAR was
  negative.

A score that works gives a negative correlation and a negative slope.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from recall_risk.study.pooled_stats import jump_terciles
from recall_risk.study.stats import PERMUTATIONS, SEED, spearman_permutation


@dataclass(frozen=True)
class ClusteredOls:
    """``y = a + b x`` by OLS with company-clustered standard errors."""

    n: int
    clusters: int
    intercept: float
    slope: float
    se: float
    t: float
    p: float


def clustered_ols(x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> ClusteredOls:
    """OLS of ``y`` on ``[1, x]`` with CR1 cluster-robust standard errors by ``groups``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    labels = np.asarray([str(g) for g in groups])
    n, clusters = len(y), len(set(labels))
    design = np.column_stack([np.ones(n), x])
    if n < 3 or clusters < 2 or np.ptp(x) == 0:
        return ClusteredOls(n, clusters, math.nan, math.nan, math.nan, math.nan, math.nan)
    bread = np.linalg.inv(design.T @ design)
    coef = bread @ design.T @ y
    resid = y - design @ coef
    meat = np.zeros((2, 2))
    for label in sorted(set(labels)):
        score = design[labels == label].T @ resid[labels == label]
        meat += np.outer(score, score)
    k = design.shape[1]
    factor = clusters / (clusters - 1) * (n - 1) / (n - k)
    cov = factor * bread @ meat @ bread
    se = math.sqrt(cov[1, 1]) if cov[1, 1] > 0 else math.nan
    t = float(coef[1]) / se if se > 0 else math.nan
    p = float(2 * stats.t.sf(abs(t), clusters - 1)) if math.isfinite(t) else math.nan
    return ClusteredOls(n, clusters, float(coef[0]), float(coef[1]), se, t, p)


@dataclass(frozen=True)
class PooledAgainst:
    """The pooled tests of score jumps against CARs.

    Attributes:
        n, companies: Events and companies behind the figures.
        rho, p: Spearman's rho and its within-company permutation p-value.
        ols: The clustered regression of CAR on the jump.
        high, high_negative: High-jump events, and how many had a negative CAR.
        statement: The finding in plain words.
    """

    n: int
    companies: int
    rho: float
    p: float
    permutations: int
    seed: int
    ols: ClusteredOls
    high: int
    high_negative: int
    statement: str


def pooled_against(frame: pd.DataFrame, *, window: str = "") -> PooledAgainst:
    """Test the pooled events' score jumps against their CARs (see the module docstring)."""
    x = frame["score_jump"].to_numpy(dtype=float)
    y = frame["car"].to_numpy(dtype=float)
    groups = frame["company"].to_numpy()
    rho, p = spearman_permutation(x, y, groups=list(groups))
    ols = clustered_ols(x, y, groups)
    high = (jump_terciles(frame["score_jump"]) == "high").to_numpy() & (x > 0)
    result = PooledAgainst(
        n=len(frame),
        companies=len(set(groups)),
        rho=rho,
        p=p,
        permutations=PERMUTATIONS,
        seed=SEED,
        ols=ols,
        high=int(high.sum()),
        high_negative=int((high & (y < 0)).sum()),
        statement="",
    )
    return _with_statement(result, window)


def _with_statement(r: PooledAgainst, window: str) -> PooledAgainst:
    over = f" over {window}" if window else ""
    if math.isnan(r.rho):
        head = f"Not testable with {r.n} events (fewer than 3, or all jumps equal)."
    else:
        head = (
            f"Across {r.n} events of {r.companies} companies, Spearman's rho between the score "
            f"jump and the CAR{over} is {r.rho:+.3f} (permutation p = {r.p:.4f}, CARs shuffled "
            f"within company; {r.permutations} permutations, seed {r.seed}). The regression of "
            f"CAR on the jump has slope {r.ols.slope:+.4f} (company-clustered SE "
            f"{r.ols.se:.4f}, t {r.ols.t:+.2f}, p {r.ols.p:.4f} from t({r.ols.clusters - 1}); "
            f"with {r.ols.clusters} clusters this SE is itself imprecise)."
        )
    share = (
        f" {r.high_negative} of the {r.high} high-jump events had a negative CAR{over}."
        if r.high
        else " No event is in a high-jump tercile with a positive jump."
    )
    if not math.isnan(r.rho) and r.p < 0.05 and r.rho < 0:
        verdict = " Larger jumps went with larger falls, significant at the 5% level."
    elif not math.isnan(r.rho) and r.p < 0.05:
        verdict = " Larger jumps went with *higher* CARs at the 5% level: the wrong way."
    else:
        verdict = (
            " No evidence at the 5% level that the score's jumps rank the price reactions; "
            f"with {r.n} events the test has little power, so this does not show they do not."
        )
    return PooledAgainst(**{**r.__dict__, "statement": head + verdict + _ols_note(r) + share})


def _ols_note(r: PooledAgainst) -> str:
    """What the clustered regression adds, weighed by how few clusters stand behind it."""
    ols = r.ols
    if math.isnan(ols.p) or ols.p >= 0.05:
        return ""
    direction = "larger falls" if ols.slope < 0 else "*higher* CARs (the wrong way)"
    agrees = (ols.slope < 0) == (r.rho < 0) and r.p < 0.05
    return (
        f" The clustered regression alone puts larger jumps with {direction} at the 5% level, "
        f"but with {ols.clusters} companies its p-value is unreliable"
        + (" and the rank test agrees." if agrees else " and the rank test does not confirm it.")
    )
