"""Pooled event study: several companies' events, each stock against its own benchmark.

:func:`study_pooled` studies every event set with :func:`~recall_risk.study.data.study_event_set`
(the benchmark from ``benchmarks[ticker]``, else the set's own). A set whose prices or benchmark
cannot be had does not stop the study: each of its events is kept as *skipped* with the reason,
as events without enough history already are. :func:`pooled_frame` then lays the studied events
side by side (company, year, CAR, standardised CAR, score jump, calendar cluster) and
:func:`pooled_tests` runs every test of :mod:`recall_risk.study.robust` on them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recall_risk.errors import ConfigError, DataUnavailableError, PriceDataError
from recall_risk.events import EventSet
from recall_risk.prices import PriceSource
from recall_risk.scoring import COMPONENTS, ScoreParams
from recall_risk.study.against import score_jumps
from recall_risk.study.core import SKIPPED, EventStudy, StudyResult
from recall_risk.study.data import study_event_set
from recall_risk.study.options import StudyOptions
from recall_risk.study.robust import date_clusters

POOLED_COLUMNS: tuple[str, ...] = (
    "company",
    "ticker",
    "benchmark",
    "id",
    "type",
    "announced",
    "day0",
    "year",
    "car",
    "scar",
    "p",
    "cluster",
    "cluster_size",
    "score_jump",
    *COMPONENTS,
)


@dataclass(frozen=True, eq=False)
class PooledStudy:
    """Studies of several event sets, and their studied events side by side.

    Attributes:
        results: One study per event set (its own stock and benchmark), skipped events too.
        event_sets: The event sets, in the same order.
        frame: One row per studied event, columns :data:`POOLED_COLUMNS`.
        residuals: Per row of ``frame``, the event's estimation-window residuals.
        sar: Per row of ``frame``, its standardised estimation-window residuals.
        windows: Per row of ``frame``, the calendar dates of its primary CAR window.
    """

    results: tuple[StudyResult, ...]
    event_sets: tuple[EventSet, ...]
    frame: pd.DataFrame
    residuals: tuple[pd.Series, ...]
    sar: tuple[np.ndarray, ...]
    windows: tuple[tuple[object, ...], ...]

    @property
    def options(self) -> StudyOptions:
        """The study options (the same for every set)."""
        return self.results[0].options

    @property
    def n_events(self) -> int:
        """Events in all sets, studied or skipped."""
        return sum(len(r.events) for r in self.results)


def _all_skipped(
    event_set: EventSet, benchmark: str, options: StudyOptions, reason: str
) -> StudyResult:
    events = tuple(
        EventStudy(
            event_id=e.id,
            event_type=e.type,
            announced=e.announced,
            status=SKIPPED,
            reason=reason,
        )
        for e in event_set
    )
    return StudyResult(
        ticker=event_set.ticker,
        benchmark=benchmark,
        company=event_set.company,
        options=options,
        events=events,
        event_ticker=event_set.ticker,
    )


def study_pooled(
    event_sets: Sequence[EventSet],
    source: PriceSource,
    options: StudyOptions | None = None,
    *,
    benchmarks: Mapping[str, str] | None = None,
    params: ScoreParams | None = None,
) -> PooledStudy:
    """Study every set against its own benchmark and pool the studied events.

    Args:
        event_sets: One set per company (tickers must differ).
        source: Where prices come from.
        options: Windows (defaults when ``None``).
        benchmarks: ``ticker -> benchmark`` overrides; others use the set's ``benchmark``.
        params: Score parameters for each event's score jump.

    Raises:
        ConfigError: no sets, or two sets for the same ticker.
    """
    options = options or StudyOptions()
    benchmarks = dict(benchmarks or {})
    if not event_sets:
        raise ConfigError("no event sets to study")
    tickers = [s.ticker for s in event_sets]
    repeated = sorted({t for t in tickers if tickers.count(t) > 1})
    if repeated:
        raise ConfigError(
            f"ticker(s) {', '.join(repeated)} appear in more than one event set; merge them into "
            "one file or study them separately"
        )
    unknown = sorted(set(benchmarks) - set(tickers))
    if unknown:
        raise ConfigError(
            f"--benchmark names ticker(s) {', '.join(unknown)} that no event set holds; "
            f"the sets are for {', '.join(tickers)}"
        )
    results = []
    for event_set in event_sets:
        benchmark = benchmarks.get(event_set.ticker) or event_set.benchmark
        if not benchmark:
            reason = (
                f"no benchmark for {event_set.ticker}: its event set names none; pass "
                f"--benchmark {event_set.ticker}=INDEX"
            )
            results.append(_all_skipped(event_set, "", options, reason))
            continue
        try:
            results += study_event_set(event_set, source, options, benchmark=benchmark)
        except (PriceDataError, DataUnavailableError, ConfigError) as exc:
            results.append(_all_skipped(event_set, benchmark, options, f"no prices: {exc}"))
    return _pool(tuple(results), tuple(event_sets), params or ScoreParams())


def _pool(
    results: tuple[StudyResult, ...], sets: tuple[EventSet, ...], params: ScoreParams
) -> PooledStudy:
    window = results[0].options.primary_window
    rows, residuals, sar, windows = [], [], [], []
    for result, event_set in zip(results, sets, strict=True):
        jumps = score_jumps(event_set, result, params).set_index("id") if result.studied else None
        for study in result.studied:
            stat = study.cars[window]
            inside = [
                d
                for d, k in zip(study.dates, study.days, strict=True)
                if window[0] <= k <= window[1]
            ]
            jump = jumps.loc[study.event_id] if jumps is not None else None
            rows.append(
                {
                    "company": result.company,
                    "ticker": result.ticker,
                    "benchmark": result.benchmark,
                    "id": study.event_id,
                    "type": study.event_type,
                    "announced": study.announced.isoformat(),
                    "day0": study.day0.isoformat() if study.day0 else "",
                    "year": study.announced.year,
                    "car": stat.car,
                    "scar": stat.t,
                    "p": stat.p,
                    "score_jump": float(jump["score_jump"]) if jump is not None else math.nan,
                    **{c: float(jump[c]) if jump is not None else math.nan for c in COMPONENTS},
                }
            )
            resid = study.residuals if study.residuals is not None else pd.Series(dtype=float)
            residuals.append(resid)
            sigma = study.model.sigma if study.model is not None else math.nan
            sar.append(resid.to_numpy(dtype=float) / sigma)
            windows.append(tuple(inside))
    columns = [c for c in POOLED_COLUMNS if c not in ("cluster", "cluster_size")]
    frame = pd.DataFrame(rows, columns=columns)
    labels = date_clusters(_full_windows(results))
    frame.insert(POOLED_COLUMNS.index("cluster"), "cluster", labels)
    sizes = frame.groupby("cluster")["id"].transform("size") if len(frame) else []
    frame.insert(POOLED_COLUMNS.index("cluster_size"), "cluster_size", sizes)
    return PooledStudy(results, sets, frame, tuple(residuals), tuple(sar), tuple(windows))


def _full_windows(results: Sequence[StudyResult]) -> list[tuple[object, ...]]:
    """Calendar dates of each studied event's whole event window (for the cluster flag)."""
    return [study.dates for result in results for study in result.studied]
