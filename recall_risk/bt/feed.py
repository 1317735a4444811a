"""Data feeds: prices (and the risk score) from a pandas frame, read from cached columns.

backtrader's stock ``PandasData`` spends most of a run in ``df.iloc[i, j]`` per value. These feeds
turn each column into a Python list once in ``start()`` and assign from the lists in ``_load()``:
the same bars, about twice as fast.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import backtrader as bt
import numpy as np
import pandas as pd

from recall_risk.errors import PriceDataError

PRICE_LINES: tuple[str, ...] = ("open", "high", "low", "close", "volume")
RISK_LINES: tuple[str, ...] = ("score", "recall", "quality", "orders", "incident")


class FrameData(bt.feed.DataBase):
    """Daily bars from a frame indexed by date with columns ``open, high, low, close, volume``.

    Params:
        dataname: the ``pandas.DataFrame`` (index: tz-naive ``DatetimeIndex``).
    """

    params = (("timeframe", bt.TimeFrame.Days), ("compression", 1))

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
        self._columns: list[tuple[object, list[float]]] = [
            (getattr(self.lines, name), frame[name].to_numpy(dtype=np.float64).tolist())
            for name in (*PRICE_LINES, *self.extra_columns)
        ]
        self._dates = [bt.date2num(ts.to_pydatetime()) for ts in index]
        self._oi = self.lines.openinterest
        self._pos = 0

    def _load(self) -> bool:
        pos = self._pos
        if pos >= len(self._dates):
            return False
        self.lines.datetime[0] = self._dates[pos]
        for line, values in self._columns:
            line[0] = values[pos]
        self._oi[0] = 0.0
        self._pos = pos + 1
        return True


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
