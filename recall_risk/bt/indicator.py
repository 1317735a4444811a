"""``RiskScore``: the risk score as a backtrader indicator over any data feed.

For users who build their own feeds: give it an event set and it computes, for each bar, the score
as of that bar's date from events announced on or before it. Values equal
:func:`recall_risk.scoring.score_bars` on the bars' dates in every runonce/preload mode (for daily
bars, :func:`~recall_risk.scoring.score_events`). On an intraday feed (its timeframe below days)
each bar gets the score as of the previous day's close: an event is dated, not timed, so one
announced on day D counts from D+1's first bar, never on a bar of D that may precede it.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from collections.abc import Sequence

import backtrader as bt
import numpy as np
import pandas as pd

from recall_risk.bt.feed import RISK_LINES
from recall_risk.errors import ConfigError
from recall_risk.scoring import score_events

_CHUNK_DAYS = 400  # calendar days scored at once when running bar by bar


class RiskScore(bt.Indicator):
    """Risk score and components of ``events`` on the bars of the data it is applied to.

    Params:
        events: an ``EventSet`` (or iterable of events); None means no events (score 0).
        score_params: ``ScoreParams`` or None for the defaults.
    """

    lines = RISK_LINES
    params = (("events", None), ("score_params", None))
    plotinfo = {"subplot": True, "plotymargin": 0.05}  # noqa: RUF012 (backtrader reads a dict)

    def __init__(self) -> None:
        self._events = tuple(self.p.events) if self.p.events is not None else ()
        self._cache: dict[_dt.date, tuple[float, ...]] = {}
        self._scored_to = 0  # runonce: bars before this index are written
        self._last_day: _dt.date | None = None  # next(): the previous bar's date ...
        self._last_len = 0  # ... and the data's length then
        self._intraday = getattr(self.data, "_timeframe", bt.TimeFrame.Days) < bt.TimeFrame.Days
        self._lag = _dt.timedelta(days=1 if self._intraday else 0)

    def _score(self, days: list[_dt.date] | pd.DatetimeIndex) -> pd.DataFrame:
        return score_events(self._events, pd.DatetimeIndex(days), self.p.score_params)

    def _score_bars(self, days: list[_dt.date] | pd.DatetimeIndex) -> pd.DataFrame:
        """As :func:`~recall_risk.scoring.score_bars`: each distinct day once, then per bar."""
        index = pd.DatetimeIndex(days) - self._lag
        unique, inverse = np.unique(index.to_numpy(), return_inverse=True)
        return self._score(pd.DatetimeIndex(unique)).iloc[inverse]

    def _lookup(self, day: _dt.date) -> tuple[float, ...]:
        values = self._cache.get(day)
        if values is None:
            days = list(pd.date_range(day, periods=_CHUNK_DAYS, freq="D").date)
            frame = self._score(days)
            rows = frame[list(RISK_LINES)].itertuples(index=False, name=None)
            self._cache = dict(zip(days, rows, strict=True))
            values = self._cache[day]
        return values

    def _refuse_several_bars_a_day(self, day: _dt.date) -> None:
        """Daily scoring on a feed with several bars a day would show an event announced on D to
        the bars of D before it: refuse, and say how to declare the feed intraday."""
        raise ConfigError(
            f"RiskScore: the data has several bars on {day.isoformat()} but its timeframe is "
            "days or longer; add it with timeframe=bt.TimeFrame.Minutes (an intraday feed gets "
            "the previous day's score: events are dated, not timed)"
        )

    def next(self) -> None:
        today, bars = self.data.datetime.date(0), len(self.data)
        # a new bar (not a replayed update of the same one) on the previous bar's date
        if not self._intraday and today == self._last_day and bars > self._last_len:
            self._refuse_several_bars_a_day(today)
        self._last_day, self._last_len = today, bars
        day = today - self._lag
        for line, value in zip(self.lines, self._lookup(day), strict=True):
            line[0] = value

    def oncestart(self, start: int, end: int) -> None:
        """Score every bar from ``start`` on now: backtrader calls ``once(end, buflen)`` next.

        One ``score_events`` call per backtest instead of two (its fixed cost is most of what
        the indicator adds to a run).
        """
        self.once(start, self.buflen())

    def once(self, start: int, end: int) -> None:
        """Score bars ``start:end`` (those not scored yet) in one call, written as whole slices.

        Daily stamps are turned into dates with numpy.
        """
        start = max(start, self._scored_to)
        if end <= start:
            return
        self._scored_to = end
        first = max(start - 1, 0)  # the bar before, to catch a repeat across calls
        days = pd.DatetimeIndex(_bar_days(self.data.datetime.array, first, end))
        if not self._intraday and days.has_duplicates:
            self._refuse_several_bars_a_day(days[days.duplicated()][0].date())
        frame = self._score_bars(days[start - first :])
        for name in RISK_LINES:
            dst = getattr(self.lines, name).array
            values = frame[name].to_numpy(dtype=np.float64)
            if isinstance(dst, array) and dst.typecode == "d":
                dst[start:end] = array("d", values.tobytes())
            else:  # pragma: no cover - backtrader's runonce buffers are always array('d')
                for offset, value in enumerate(values.tolist()):
                    dst[start + offset] = value


def _bar_days(stamps: Sequence[float], start: int, end: int) -> list[_dt.date] | pd.DatetimeIndex:
    """The dates of bars ``start:end`` (``bt.num2date(stamp).date()`` of each stamp).

    Whole-day stamps (daily bars) are ordinals, converted at once; any time of day goes through
    ``bt.num2date``, which rounds microseconds (a stamp just before midnight is the next day).
    """
    window = np.array(stamps[start:end], dtype=np.float64)
    if np.isfinite(window).all() and (window == np.floor(window)).all():
        days = (window.astype(np.int64) - _ORDINAL_1970).astype("datetime64[D]")
        return pd.DatetimeIndex(days)
    return [bt.num2date(stamp).date() for stamp in window.tolist()]


_ORDINAL_1970 = _dt.date(1970, 1, 1).toordinal()
