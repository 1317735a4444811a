"""Data feeds: prices (and the risk score) from a pandas frame, read from cached columns.

backtrader's stock ``PandasData`` spends most of a run in ``df.iloc[i, j]`` per value. These feeds
take each column as a float64 array once in ``start()``. When backtrader preloads (its default),
``preload()`` appends whole columns to the line buffers at once instead of going through
``load()`` bar by bar; without preload, ``_load()`` assigns one bar from cached Python lists. Both
give exactly the bars ``PandasData`` gives (``fromdate``/``todate`` included); whatever the bulk
path cannot reproduce exactly (filters such as resampling or replaying, an input timezone,
bounded buffers) falls back to backtrader's own bar-by-bar ``load()``.
"""

from __future__ import annotations

import datetime as _dt
from array import array
from collections.abc import Sequence

import backtrader as bt
import numpy as np
import pandas as pd

from recall_risk.errors import PriceDataError
from recall_risk.scoring import COLUMNS as _SCORE_COLUMNS

PRICE_LINES: tuple[str, ...] = ("open", "high", "low", "close", "volume")
RISK_LINES: tuple[str, ...] = _SCORE_COLUMNS  # score, then each component of the score


class FrameData(bt.feed.DataBase):
    """Daily bars from a frame indexed by date with columns ``open, high, low, close, volume``.

    Params:
        dataname: the ``pandas.DataFrame`` (index: tz-naive ``DatetimeIndex``).
        lot_size: shares in one board lot: :class:`~recall_risk.bt.RiskStrategy` rounds
            whole-share orders for this data down to whole lots (1: any whole number).
    """

    params = (("timeframe", bt.TimeFrame.Days), ("compression", 1), ("lot_size", 1))

    #: Extra lines this feed reads from same-named columns (subclasses extend it).
    extra_columns: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        frame = self.p.dataname
        label = (
            self.p.name or "data"
        )  # self._name is only set after __init__ (backtrader's postinit)
        if not isinstance(frame, pd.DataFrame):
            raise PriceDataError(
                f"{type(self).__name__} needs a pandas DataFrame, got {type(frame).__name__}"
            )
        missing = [c for c in (*PRICE_LINES, *self.extra_columns) if c not in frame.columns]
        if missing:
            raise PriceDataError(
                f"{label}: frame lacks column(s) {', '.join(missing)}; "
                f"expected {', '.join((*PRICE_LINES, *self.extra_columns))}"
            )
        if not isinstance(frame.index, pd.DatetimeIndex):
            raise PriceDataError(f"{label}: frame index must be a DatetimeIndex")

    def start(self) -> None:
        super().start()
        frame = self.p.dataname
        index = frame.index.tz_localize(None) if frame.index.tz is not None else frame.index
        names = ("datetime", *PRICE_LINES, *self.extra_columns, "openinterest")
        # one conversion of the frame's columns, then a contiguous row per line
        table = np.ascontiguousarray(frame[list(names[1:-1])].to_numpy(dtype=np.float64).T)
        values = [_date_numbers(index), *table, np.zeros(len(index), dtype=np.float64)]
        self._columns: list[tuple[bt.LineBuffer, np.ndarray]] = [
            (getattr(self.lines, name), column) for name, column in zip(names, values, strict=True)
        ]
        self._rows: list[tuple[bt.LineBuffer, list[float]]] | None = None  # built by _load
        self._pos = 0

    def preload(self) -> None:
        """Append all remaining bars to the line buffers at once (backtrader's path if it must).

        Equivalent to backtrader's ``while self.load(): pass``: bars before ``fromdate`` are
        skipped and the first bar after ``todate`` ends the data, as ``load()`` does.
        """
        if not self._can_fill_at_once():
            super().preload()
            return
        stamps = self._columns[0][1][self._pos :]
        past = np.flatnonzero(stamps > self.todate)
        stop = int(past[0]) if len(past) else len(stamps)
        keep = self._pos + np.flatnonzero(stamps[:stop] >= self.fromdate)
        padding = np.full(len(keep), np.nan).tobytes()
        for line, column in self._columns:
            # What load() does bar by bar: append a NaN slot, then write the bar at the line's
            # index (which sits before any slots cerebro's ``lookahead`` added).
            start = line.idx + 1
            line.array.frombytes(padding)
            line.array[start : start + len(keep)] = array("d", column[keep].tobytes())
        self._pos = len(self._columns[0][1])  # everything consumed, as after load() said False
        self._last()
        self.home()

    def _can_fill_at_once(self) -> bool:
        """Whether appending columns gives exactly what ``load()`` would.

        Not with filters (resampling, replaying, user filters), an input timezone (``load()``
        shifts every stamp), bars stashed by a filter, or buffers that are bounded or bound to
        other lines (``exactbars``, or a line assigned elsewhere).
        """
        if self._filters or self._ffilters or self._tzinput:
            return False
        if self._barstack or self._barstash:
            return False
        return all(
            line.mode == line.UnBounded and not line.bindings and line.array.typecode == "d"
            for line in self.lines
        )

    def _load(self) -> bool:
        rows = self._rows
        if rows is None:
            rows = self._rows = [(line, column.tolist()) for line, column in self._columns]
        pos = self._pos
        if pos >= len(rows[0][1]):
            return False
        for line, values in rows:
            line[0] = values[pos]
        self._pos = pos + 1
        return True


def _date_numbers(index: pd.DatetimeIndex) -> np.ndarray:
    """backtrader's ``date2num`` of every stamp of a tz-naive index, as float64.

    Daily bars (all at midnight) are the ordinal day, computed at once; any other time of day goes
    through ``bt.date2num`` itself, which sums the fractions with ``math.fsum``.
    """
    if len(index) and (index == index.normalize()).all() and not index.hasnans:
        days = index.to_numpy(dtype="datetime64[D]").astype(np.int64)
        return (days + _ORDINAL_1970).astype(np.float64)
    return np.array([bt.date2num(ts.to_pydatetime()) for ts in index], dtype=np.float64)


_ORDINAL_1970 = _dt.date(1970, 1, 1).toordinal()


class RiskData(FrameData):
    """Price bars plus the risk score and its components as extra lines.

    Lines ``score, recall, quality, orders, incident`` hold, on each bar, the value as of that bar's
    close: only events announced on or before the bar's date. Build one with
    :func:`recall_risk.bt.risk_feed`, which computes and aligns the score for you.
    """

    lines = RISK_LINES
    extra_columns = RISK_LINES


def bar_dates(data: bt.feed.DataBase, indices: Sequence[int] | None = None) -> list[_dt.date]:
    """Dates of a data feed's bars (all preloaded bars by default)."""
    array = data.datetime.array
    positions = range(len(array)) if indices is None else indices
    return [bt.num2date(array[i]).date() for i in positions]
