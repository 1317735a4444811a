"""The event study itself: per event, abnormal returns (AR) and cumulative ARs (CAR) with t-tests.

For each event: day 0 from :func:`~recall_risk.study.returns.day_zero`; the market model fitted
on the estimation window (:class:`~recall_risk.study.options.StudyOptions`); AR on every day of
the event window with its prediction-error variance; the CAR of each reported window with its
t-statistic and two-sided p-value (see :mod:`recall_risk.study.market_model` for the variance).
An event whose estimation or event window is not fully covered by the prices is kept in the
result as *skipped*, with the reason, never dropped silently. Event windows that share a trading
day are flagged on both events (their ARs are then not independent).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from recall_risk.events import Event, EventSet
from recall_risk.study.market_model import MarketModel, fit_market_model, t_test
from recall_risk.study.options import StudyOptions, Window, window_label
from recall_risk.study.returns import day_zero

OK = "ok"
SKIPPED = "skipped"


@dataclass(frozen=True)
class CarStat:
    """The CAR over one window and its t-test."""

    window: Window
    car: float
    variance: float
    t: float
    p: float


@dataclass(frozen=True, eq=False)
class EventStudy:
    """One event's abnormal returns, or the reason it was skipped.

    Attributes:
        event_id, event_type, announced: The event.
        status: ``"ok"`` or ``"skipped"``; ``reason`` says why an event was skipped.
        day0: Day 0 (first common trading day on or after ``announced``), if within the data.
        model: The fitted market model (``None`` when skipped).
        estimation: First and last day of the estimation window.
        days: Event days of the window (``-1 .. 5``); ``dates`` the matching trading days.
        stock_returns, market_returns, ar, ar_variance: Per event day (empty when skipped).
        cars: CAR statistics by window.
        overlaps: Ids of other events whose event windows share a trading day with this one.
        in_estimation: Ids of other events whose day 0 falls inside this event's estimation
            window (their price reactions are part of the "normal" returns; reported, not
            removed, as is usual for a market model).
        residuals: The market model's residuals over the estimation window, indexed by date
            (for the rank test and the cross-correlation of pooled studies).
    """

    event_id: str
    event_type: str
    announced: date
    status: str
    reason: str | None = None
    day0: date | None = None
    model: MarketModel | None = None
    estimation: tuple[date, date] | None = None
    days: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    dates: tuple[date, ...] = ()
    stock_returns: np.ndarray = field(default_factory=lambda: np.zeros(0))
    market_returns: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ar: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ar_variance: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cars: dict[Window, CarStat] = field(default_factory=dict)
    overlaps: tuple[str, ...] = ()
    in_estimation: tuple[str, ...] = ()
    residuals: pd.Series | None = None

    @property
    def ok(self) -> bool:
        """Whether the event was studied (not skipped)."""
        return self.status == OK

    def ar_on(self, day: int) -> float:
        """AR on event day ``day`` (NaN when skipped or outside the window)."""
        hits = np.flatnonzero(self.days == day)
        return float(self.ar[hits[0]]) if len(hits) else float("nan")

    def ar_test(self, day: int) -> tuple[float, float]:
        """t-statistic and p-value of the AR on event day ``day``."""
        hits = np.flatnonzero(self.days == day)
        if not len(hits) or self.model is None:
            return float("nan"), float("nan")
        i = hits[0]
        return t_test(float(self.ar[i]), float(self.ar_variance[i]), self.model.dof)


@dataclass(frozen=True, eq=False)
class StudyResult:
    """An event study of one stock against one benchmark.

    Attributes:
        ticker: The stock studied (the event set's, or a peer's).
        benchmark: The market index of the market model.
        company: The company the events belong to.
        options: The options used.
        events: One :class:`EventStudy` per event, in the event set's order, skipped ones too.
        event_ticker: The ticker the events are about (differs from ``ticker`` for a peer).
    """

    ticker: str
    benchmark: str
    company: str
    options: StudyOptions
    events: tuple[EventStudy, ...]
    event_ticker: str

    @property
    def studied(self) -> tuple[EventStudy, ...]:
        """Events with results."""
        return tuple(e for e in self.events if e.ok)

    @property
    def skipped(self) -> tuple[EventStudy, ...]:
        """Events skipped, each with its reason."""
        return tuple(e for e in self.events if not e.ok)

    @property
    def is_peer(self) -> bool:
        """Whether this studies a rival stock around another company's events."""
        return self.ticker != self.event_ticker


def run_event_study(
    events: EventSet | Iterable[Event],
    returns: pd.DataFrame,
    options: StudyOptions | None = None,
    *,
    ticker: str,
    benchmark: str,
    company: str = "",
    event_ticker: str | None = None,
) -> StudyResult:
    """Study every event against aligned daily returns.

    Args:
        events: The events (an :class:`~recall_risk.events.EventSet` or any iterable).
        returns: Simple daily returns with columns ``stock, market`` on common trading days, as
            from :func:`~recall_risk.study.returns.aligned_returns`.
        options: Windows; the defaults when ``None``.
        ticker: The stock whose returns these are.
        benchmark: The market index.
        company: Company name, for reports.
        event_ticker: The ticker the events concern (default ``ticker``).

    Returns:
        A :class:`StudyResult` holding every event, studied or skipped with its reason.
    """
    options = options or StudyOptions()
    event_list = list(events)
    index = pd.DatetimeIndex(returns.index)
    stock = returns["stock"].to_numpy(dtype=float)
    market = returns["market"].to_numpy(dtype=float)
    positions = [day_zero(index, e.announced) for e in event_list]
    overlaps = _overlaps(event_list, positions, options.window)
    studies = []
    for event, position, overlapping in zip(event_list, positions, overlaps, strict=True):
        studies.append(
            _study_one(
                event,
                position,
                index,
                stock,
                market,
                options,
                overlapping,
                ticker,
                (positions, event_list),
            )
        )
    return StudyResult(
        ticker=ticker,
        benchmark=benchmark,
        company=company,
        options=options,
        events=tuple(studies),
        event_ticker=event_ticker or ticker,
    )


def _overlaps(
    events: list[Event], positions: list[int | None], window: Window
) -> list[tuple[str, ...]]:
    width = window[1] - window[0]
    out = []
    for i, position in enumerate(positions):
        found = []
        if position is not None:
            for j, other in enumerate(events):
                other_pos = positions[j]
                if j != i and other_pos is not None and abs(other_pos - position) <= width:
                    found.append(other.id)
        out.append(tuple(sorted(found)))
    return out


def _inside(positions: list[int | None], events: list[Event], rows: range) -> tuple[str, ...]:
    return tuple(
        sorted(e.id for e, p in zip(events, positions, strict=True) if p is not None and p in rows)
    )


def _skip(event: Event, reason: str, day0: date | None = None) -> EventStudy:
    return EventStudy(
        event_id=event.id,
        event_type=event.type,
        announced=event.announced,
        status=SKIPPED,
        reason=reason,
        day0=day0,
    )


def _coverage_problem(
    position: int | None, index: pd.DatetimeIndex, options: StudyOptions, ticker: str
) -> str | None:
    """Why the prices cannot support this event's windows, or None."""
    if not len(index):
        return f"no returns for {ticker}"
    if position is None:
        return (
            f"day 0 would be after the last common trading day {index[-1].date()} of {ticker} "
            "and the benchmark"
        )
    est_first, est_last = options.estimation_span
    first, last = options.window
    if position + est_first < 0:
        available = max(0, position + est_last + 1)
        return (
            f"estimation window lacks data: it needs {options.estimation_days} daily returns "
            f"ending {options.gap_days} trading days before day 0 ({index[position].date()}), "
            f"but only {available} exist (returns start {index[0].date()}); use "
            "--estimation-days or --gap-days to shorten it, or extend the price data"
        )
    if position + last >= len(index):
        return (
            f"event window {window_label(options.window)} needs prices up to day {last:+d}, "
            f"but the data ends {index[-1].date()} (day {len(index) - 1 - position:+d}); "
            "extend the price data or shorten --window"
        )
    if position + first < 0:  # cannot happen when gap_days >= -first, kept for safety
        return f"event window starts before the first return {index[0].date()}"
    return None


def _study_one(
    event: Event,
    position: int | None,
    index: pd.DatetimeIndex,
    stock: np.ndarray,
    market: np.ndarray,
    options: StudyOptions,
    overlaps: tuple[str, ...],
    ticker: str,
    context: tuple[list[int | None], list[Event]],
) -> EventStudy:
    positions, events = context
    day0 = None if position is None else index[position].date()
    problem = _coverage_problem(position, index, options, ticker)
    if problem is not None or position is None:
        return _skip(event, problem or "no day 0", day0)
    est_first, est_last = options.estimation_span
    est = slice(position + est_first, position + est_last + 1)
    try:
        model = fit_market_model(stock[est], market[est])
    except ValueError as exc:
        return _skip(event, f"market model cannot be fitted: {exc}", day0)
    first, last = options.window
    days = np.arange(first, last + 1)
    rows = position + days
    market_window = market[rows]
    ar = stock[rows] - model.expected(market_window)
    cars = {}
    for window in options.all_car_windows:
        inside = (days >= window[0]) & (days <= window[1])
        car = float(ar[inside].sum())
        variance = model.car_variance(market_window[inside])
        t, p = t_test(car, variance, model.dof)
        cars[window] = CarStat(window=window, car=car, variance=variance, t=t, p=p)
    return EventStudy(
        event_id=event.id,
        event_type=event.type,
        announced=event.announced,
        status=OK,
        day0=day0,
        model=model,
        estimation=(index[est.start].date(), index[est.stop - 1].date()),
        days=days,
        dates=tuple(stamp.date() for stamp in index[rows]),
        stock_returns=stock[rows],
        market_returns=market_window,
        ar=ar,
        ar_variance=model.ar_variance(market_window),
        cars=cars,
        overlaps=overlaps,
        in_estimation=_inside(positions, events, range(est.start, est.stop)),
        residuals=pd.Series(stock[est] - model.expected(market[est]), index=index[est]),
    )
