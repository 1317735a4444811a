"""Every test of the pooled mean CAR, the breakdowns, and a verdict that follows them.

:func:`pooled_tests` runs, on the primary-window CARs of a :class:`~.pooled.PooledStudy`: the
cross-sectional t and sign test (:mod:`recall_risk.study.stats`), BMP, the Kolari-Pynnönen
adjusted BMP and GRANK (:mod:`recall_risk.study.robust`), and, when event windows share
calendar days, the t and BMP tests again with each date cluster counted as one observation (its
mean). :func:`breakdowns` repeats the plain and BMP tests per event type, company, score-jump
tercile and year, each with its N. :func:`verdict` says in plain words what the adjusted tests
allow, never more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recall_risk.study.pooled import PooledStudy
from recall_risk.study.robust import (
    TestResult,
    average_correlation,
    bmp_test,
    cross_sectional_t,
    grank_test,
    kp_adjusted,
)
from recall_risk.study.stats import CrossSection, cross_section

MIN_EVENTS_FOR_A_VERDICT = 10
ALPHA = 0.05


@dataclass(frozen=True)
class PooledTests:
    """The pooled tests of the mean CAR.

    Attributes:
        n: Studied events.
        caar: Mean CAR (the cumulative average abnormal return).
        cross: Cross-sectional t and sign test.
        tests: Every test, in the order: t, BMP, KP-BMP, GRANK, t and BMP with clusters as one.
        rbar: The average cross-correlation behind KP-BMP.
        clustered_events: Events sharing an event-window day with another event.
        clusters: Date clusters holding two or more events.
        units: Observations once every cluster counts as one.
        window: Label of the CAR window.
    """

    n: int
    caar: float
    cross: CrossSection
    tests: tuple[TestResult, ...]
    rbar: float
    clustered_events: int
    clusters: int
    units: int
    window: str

    def test(self, name: str) -> TestResult:
        """The test called ``name``."""
        return next(t for t in self.tests if t.name == name)


def pooled_tests(pooled: PooledStudy, window: str = "") -> PooledTests:
    """Run every test on the pooled primary-window CARs."""
    frame = pooled.frame
    cars = frame["car"].to_numpy(dtype=float)
    scar = frame["scar"].to_numpy(dtype=float)
    cross = cross_section(cars)
    plain = cross_sectional_t(cars, "t")
    bmp = bmp_test(scar)
    rbar = average_correlation(pooled.residuals, pooled.windows)
    grouped = frame.groupby("cluster", sort=True)[["car", "scar"]].mean()
    collapsed_t = cross_sectional_t(grouped["car"].to_numpy(), "t, clusters as one")
    collapsed_bmp = bmp_test(grouped["scar"].to_numpy())
    collapsed_bmp = TestResult(
        "BMP, clusters as one",
        collapsed_bmp.n,
        collapsed_bmp.stat,
        collapsed_bmp.p,
        collapsed_bmp.df,
        collapsed_bmp.note,
    )
    sizes = frame["cluster_size"].to_numpy() if len(frame) else np.zeros(0)
    return PooledTests(
        n=len(frame),
        caar=float(cars.mean()) if len(cars) else math.nan,
        cross=cross,
        tests=(
            plain,
            bmp,
            kp_adjusted(bmp, rbar),
            grank_test(list(pooled.sar), scar),
            collapsed_t,
            collapsed_bmp,
        ),
        rbar=rbar,
        clustered_events=int((sizes > 1).sum()),
        clusters=int(frame.loc[sizes > 1, "cluster"].nunique()) if len(frame) else 0,
        units=len(grouped),
        window=window,
    )


def jump_terciles(jumps: pd.Series) -> pd.Series:
    """``low``/``mid``/``high`` by the score jump's 1/3 and 2/3 quantiles (ties kept together:
    a group may hold more than a third of the events)."""
    values = jumps.to_numpy(dtype=float)
    if not len(values):
        return pd.Series([], dtype=object, index=jumps.index)
    q1, q2 = np.quantile(values, [1 / 3, 2 / 3])
    labels = np.where(values <= q1, "low", np.where(values > q2, "high", "mid"))
    return pd.Series(labels, index=jumps.index)


BREAKDOWN_COLUMNS = (
    "by",
    "group",
    "n",
    "mean_car",
    "t",
    "p",
    "bmp_t",
    "bmp_p",
    "negative",
    "positive",
    "sign_p",
)


def breakdowns(pooled: PooledStudy) -> pd.DataFrame:
    """Mean CAR with the t, BMP and sign tests per event type, company, jump tercile and year."""
    frame = pooled.frame.assign(jump_tercile=jump_terciles(pooled.frame["score_jump"]))
    rows = []
    for by, column in (
        ("type", "type"),
        ("company", "company"),
        ("score-jump tercile", "jump_tercile"),
        ("year", "year"),
    ):
        order = ["low", "mid", "high"] if column == "jump_tercile" else None
        groups = order or sorted(frame[column].unique(), key=str)
        for group in groups:
            part = frame[frame[column] == group]
            if part.empty:
                continue
            cs = cross_section(part["car"].to_numpy(dtype=float))
            bmp = bmp_test(part["scar"].to_numpy(dtype=float))
            rows.append(
                {
                    "by": by,
                    "group": str(group),
                    "n": cs.n,
                    "mean_car": cs.mean_car,
                    "t": cs.t,
                    "p": cs.p,
                    "bmp_t": bmp.stat,
                    "bmp_p": bmp.p,
                    "negative": cs.negative,
                    "positive": cs.positive,
                    "sign_p": cs.sign_p,
                }
            )
    return pd.DataFrame(rows, columns=list(BREAKDOWN_COLUMNS))


def detectable_effect(cars: np.ndarray) -> float:
    """About the smallest mean CAR a two-sided 5% t-test would flag half the time with these
    events: ``t_{0.975, N-1} * sd / sqrt(N)`` (NaN below two events)."""
    n = len(cars)
    if n < 2:
        return math.nan
    from scipy import stats

    return float(stats.t.ppf(0.975, n - 1) * np.std(cars, ddof=1) / math.sqrt(n))


def verdict(tests: PooledTests, cars: np.ndarray) -> str:
    """The finding in plain words, as strong as the adjusted tests allow and no stronger."""
    kp, grank = tests.test("KP-BMP"), tests.test("GRANK")
    head = (
        f"Across {tests.n} studied events the mean CAR{_over(tests)} is "
        f"{100 * tests.caar:+.2f}%; KP-adjusted BMP p = {_p(kp.p)}, GRANK p = {_p(grank.p)}."
    )
    if tests.n < MIN_EVENTS_FOR_A_VERDICT:
        return (
            f"{head} With fewer than {MIN_EVENTS_FOR_A_VERDICT} events no conclusion can be "
            "drawn either way."
        )
    significant = [t.name for t in (kp, grank) if t.p < ALPHA]
    if len(significant) == 2:
        direction = "fell" if tests.caar < 0 else "rose"
        return (
            f"{head} Both the cross-correlation-adjusted and the rank test reject a zero mean "
            f"at the 5% level: on average the stocks {direction} abnormally after these events. "
            "This is about the average event, not any single one."
        )
    if significant:
        return (
            f"{head} Only {significant[0]} rejects a zero mean at the 5% level: the evidence "
            "is mixed and not robust across tests."
        )
    mde = detectable_effect(cars)
    return (
        f"{head} Neither adjusted test rejects a zero mean at the 5% level: no evidence that "
        f"the average event moved the price. With this many events and this much noise, an "
        f"average effect smaller than about ±{100 * mde:.1f}% would be missed more often than "
        "not, so this is no evidence of no effect either."
    )


def _over(tests: PooledTests) -> str:
    return f" over {tests.window}" if tests.window else ""


def _p(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"
