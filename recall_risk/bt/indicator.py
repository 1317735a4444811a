"""``RiskScore``: the risk score as a backtrader indicator over any data feed.

For users who build their own feeds: give it an event set and it computes, for each bar, the score
as of that bar's date from events announced on or before it. Values equal
:func:`recall_risk.scoring.score_events` on the bars' dates in every runonce/preload mode.
"""

from __future__ import annotations

import datetime as _dt

import backtrader as bt
import pandas as pd

from recall_risk.bt.feed import RISK_LINES
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

    def _score(self, days: list[_dt.date]) -> pd.DataFrame:
        return score_events(self._events, pd.DatetimeIndex(days), self.p.score_params)

    def _lookup(self, day: _dt.date) -> tuple[float, ...]:
        values = self._cache.get(day)
        if values is None:
            days = list(pd.date_range(day, periods=_CHUNK_DAYS, freq="D").date)
            frame = self._score(days)
            rows = frame[list(RISK_LINES)].itertuples(index=False, name=None)
            self._cache = dict(zip(days, rows, strict=True))
            values = self._cache[day]
        return values

    def next(self) -> None:
        for line, value in zip(self.lines, self._lookup(self.data.datetime.date(0)), strict=True):
            line[0] = value

    def once(self, start: int, end: int) -> None:
        stamps = self.data.datetime.array
        days = [bt.num2date(stamps[i]).date() for i in range(start, end)]
        if not days:
            return
        frame = self._score(days)
        for name in RISK_LINES:
            dst = getattr(self.lines, name).array
            for offset, value in enumerate(frame[name].to_numpy().tolist()):
                dst[start + offset] = value
