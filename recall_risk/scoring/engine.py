"""The daily, point-in-time risk score: events + trading calendar + parameters -> DataFrame.

For a trading day t (its value is "as of t's close") an event contributes only if
``announced <= t``; ``occurred`` is never used. Its decayed magnitude is

    m_i(t) = m_i x 2 ** (-(t - announced_i) / h_c)

with the age in calendar days and h_c the half-life of the event's component c (see
:mod:`recall_risk.scoring.model` for the base magnitudes m_i). Within a component,

    C_c(t) = 1 - prod_i (1 - m_i(t))        (more bad news never lowers it)

and overall, with the component weights w_c,

    score(t) = 1 - prod_c (1 - w_c x C_c(t)).

The columns ``recall, quality, orders, incident`` report C_c (unweighted); every value is in
[0, 1]. Implementation, chosen so that results are exact and reproducible:

- Decay factors come from a table ``D[age] = 2 ** (-age / h)`` for integer ages, made
  non-increasing with a running minimum, so one event's value never rises as it ages. Ages before
  the announcement map to 0, so a not-yet-announced event has factor exactly 1.0.
- Events are sorted canonically (announced, id, type, magnitude) and multiplied in that order,
  one vectorised row at a time; components are combined in the fixed order above. Since
  ``x * 1.0 == x``, adding an event announced after day d leaves every value on days <= d
  bit-for-bit unchanged, and the order of the input never matters.
- A day's value depends only on the events, the parameters and that day, not on the rest of the
  calendar: scoring one day or twenty years gives identical numbers for the days in common.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from recall_risk.calendar import DateLike, as_trading_calendar
from recall_risk.errors import ConfigError
from recall_risk.events import Event
from recall_risk.scoring.model import COMPONENTS, component_of, magnitude, sort_key
from recall_risk.scoring.params import ScoreParams

COLUMNS: tuple[str, ...] = ("score", *COMPONENTS)

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_BLOCK_CELLS = 1 << 21  # rows x days per block of events, keeps a block at most 16 MB


def day_number(day: date) -> int:
    """Days since 1970-01-01 of a date (the integer clock of the engine)."""
    return day.toordinal() - _EPOCH_ORDINAL


def decay_table(half_life_days: float, n_ages: int) -> np.ndarray:
    """``2 ** (-age / half_life_days)`` for ``age = 0 .. n_ages - 1``, non-increasing.

    A running minimum removes any rounding wiggle, so the factor never rises with age. Entry
    ``age`` is the same whatever ``n_ages`` is.
    """
    ages = np.arange(n_ages, dtype=np.float64)
    table = np.exp2(-ages / half_life_days)
    return np.minimum.accumulate(table, out=table)


@dataclass(frozen=True)
class PreparedEvents:
    """Per component, announcement day numbers and magnitudes in canonical order (m > 0 only)."""

    announced: tuple[np.ndarray, ...]
    magnitude: tuple[np.ndarray, ...]

    @property
    def oldest(self) -> int | None:
        """Earliest announcement day number, or ``None`` without scored events."""
        firsts = [int(a[0]) for a in self.announced if len(a)]
        return min(firsts) if firsts else None


def prepare_events(events: Iterable[Event], params: ScoreParams) -> PreparedEvents:
    """Magnitudes of the events, grouped by component and sorted canonically.

    Events with magnitude 0 (deliveries without a change) are dropped: their factor is exactly 1.
    """
    buckets: dict[str, list[tuple[tuple[object, ...], int, float]]] = {c: [] for c in COMPONENTS}
    for event in events:
        m = magnitude(event, params)
        if m > 0.0:
            key = sort_key(event, m)
            buckets[component_of(event)].append((key, day_number(event.announced), m))
    announced, magnitudes = [], []
    for component in COMPONENTS:
        rows = sorted(buckets[component], key=lambda row: row[0])
        announced.append(np.array([row[1] for row in rows], dtype=np.int64))
        magnitudes.append(np.array([row[2] for row in rows], dtype=np.float64))
    return PreparedEvents(tuple(announced), tuple(magnitudes))


class _DecayGrid:
    """Decay tables laid out so that one event's factors over the calendar are one table slice.

    The table of a component holds ``n_neg`` zeros (negative ages, i.e. not yet announced)
    followed by ``D[0], D[1], ...``; the row of an event announced on day a over the calendar-day
    span ``[t_first, t_last]`` starts at ``n_neg + t_first - a``.
    """

    def __init__(self, days: np.ndarray, oldest: int, params: ScoreParams) -> None:
        self.first = int(days[0])
        self.span = int(days[-1]) - self.first + 1
        self.n_neg = self.span - 1
        self.positions = days - self.first
        self.contiguous = len(days) == self.span
        n_ages = int(days[-1]) - min(oldest, int(days[-1])) + 1
        half_lives = params.half_life_days
        self.windows: dict[str, np.ndarray] = {}
        for component in COMPONENTS:
            table = np.zeros(self.n_neg + n_ages)
            table[self.n_neg :] = decay_table(getattr(half_lives, component), n_ages)
            self.windows[component] = sliding_window_view(table, self.span)

    def survival(self, component: str, announced: np.ndarray, mags: np.ndarray) -> np.ndarray:
        """``prod_i (1 - m_i(t))`` over the calendar's days, multiplied in the given order."""
        last = self.first + self.span - 1
        keep = announced <= last
        announced, mags = announced[keep], mags[keep]
        acc = np.ones(self.span)
        block = max(1, _BLOCK_CELLS // self.span)
        for start in range(0, len(announced), block):
            starts = self.n_neg + self.first - announced[start : start + block]
            rows = self.windows[component][starts]  # a copy, one row per event
            rows *= mags[start : start + block, None]
            np.subtract(1.0, rows, out=rows)
            for row in rows:
                acc *= row
        return acc if self.contiguous else acc[self.positions]


def _day_numbers(index: pd.DatetimeIndex) -> np.ndarray:
    return index.values.astype("datetime64[D]").astype(np.int64)


def _score_matrix(
    prepared: PreparedEvents, grid: _DecayGrid | None, params: ScoreParams, n: int
) -> np.ndarray:
    values = np.zeros((n, len(COLUMNS)))
    total = np.ones(n)
    for j, component in enumerate(COMPONENTS, start=1):
        announced = prepared.announced[j - 1]
        if grid is None or not len(announced):
            continue  # C_c = 0 exactly, and the overall factor 1 - w_c * 0 is exactly 1
        survival = grid.survival(component, announced, prepared.magnitude[j - 1])
        values[:, j] = 1.0 - survival
        total *= 1.0 - getattr(params.weights, component) * values[:, j]
    values[:, 0] = 1.0 - total
    return values


def _frame(values: np.ndarray, index: pd.DatetimeIndex, columns: pd.Index) -> pd.DataFrame:
    return pd.DataFrame(values, index=index, columns=columns, copy=False)


def _grid_for(days: np.ndarray, oldest: int | None, params: ScoreParams) -> _DecayGrid | None:
    if not len(days) or oldest is None or oldest > days[-1]:
        return None
    return _DecayGrid(days, oldest, params)


CalendarLike: TypeAlias = pd.DatetimeIndex | Sequence[DateLike]


def score_events(
    events: Iterable[Event], calendar: CalendarLike, params: ScoreParams | None = None
) -> pd.DataFrame:
    """Daily risk score and its components over a trading calendar.

    Args:
        events: An :class:`~recall_risk.events.EventSet` or any iterable of events (order does
            not matter; recalls need ``cumulative_sales``).
        calendar: Trading days, a ``DatetimeIndex`` or a sequence of dates, strictly increasing.
        params: Score parameters; the defaults when ``None``.

    Returns:
        Index: the calendar, tz-naive midnight timestamps named ``date``. Columns ``score, recall,
        quality, orders, incident`` (float64, in [0, 1]); the value on a day is as of its close.

    Raises:
        ConfigError: the calendar is not strictly increasing dates.
        EventFileError: a recall has no ``cumulative_sales``.
    """
    params = params or ScoreParams()
    index = as_trading_calendar(calendar)
    days = _day_numbers(index)
    prepared = prepare_events(events, params)
    grid = _grid_for(days, prepared.oldest, params)
    return _frame(_score_matrix(prepared, grid, params, len(days)), index, pd.Index(COLUMNS))


def score_many(
    event_sets: Mapping[str, Iterable[Event]],
    calendar: CalendarLike,
    params: ScoreParams | None = None,
) -> dict[str, pd.DataFrame]:
    """Score several event sets over one calendar.

    Equivalent to ``{key: score_events(events, calendar, params)}`` value for value, but builds
    the calendar and decay tables once.

    Args:
        event_sets: Event sets (or iterables of events) by key, for example by ticker.
        calendar: Trading days shared by all sets.
        params: Score parameters; the defaults when ``None``.

    Returns:
        A dict with the same keys, in the same order, of frames shaped like :func:`score_events`.
    """
    params = params or ScoreParams()
    index = as_trading_calendar(calendar)
    days = _day_numbers(index)
    prepared = {key: prepare_events(events, params) for key, events in event_sets.items()}
    oldest = [p.oldest for p in prepared.values() if p.oldest is not None]
    grid = _grid_for(days, min(oldest) if oldest else None, params)
    columns = pd.Index(COLUMNS)  # shared: building one Index per frame costs more than scoring
    return {
        key: _frame(_score_matrix(p, grid, params, len(days)), index, columns)
        for key, p in prepared.items()
    }


def score_bars(
    events: Iterable[Event],
    bar_days: CalendarLike,
    params: ScoreParams | None = None,
    *,
    intraday: bool | None = None,
) -> pd.DataFrame:
    """The score on each bar of a price series, several bars a day allowed.

    Args:
        events: As for :func:`score_events`.
        bar_days: The date of each bar, non-decreasing (repeated for intraday bars).
        params: Score parameters; the defaults when ``None``.
        intraday: Bars within the day. Events carry a date, not a time: one announced on day D
            may come after any bar of D, so intraday bars of D get the score as of the previous
            calendar day's close and D's events count from D+1's first bar. Daily bars get
            their own date's score, as of its close. ``None``: intraday when two bars share a
            date (pass ``True`` for intraday data with one bar a day).

    Returns:
        One row per bar, in bar order (index: the day whose score it is), columns as
        :func:`score_events`.

    Raises:
        ConfigError: the bar dates are not a non-decreasing sequence of dates.
    """
    index = pd.DatetimeIndex(bar_days)
    if index.tz is not None:
        index = index.tz_localize(None)
    days = index.normalize()
    if len(days) > 1 and not (days[1:] >= days[:-1]).all():
        raise ConfigError("bars: dates must be sorted (non-decreasing)")
    if intraday is None:
        intraday = bool(days.has_duplicates)
    if intraday:
        days = days - pd.Timedelta(days=1)
    unique, inverse = np.unique(days.to_numpy(), return_inverse=True)
    frame = score_events(events, pd.DatetimeIndex(unique), params)
    return frame.iloc[inverse]
