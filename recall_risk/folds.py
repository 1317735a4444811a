"""Walk-forward fold layout: train and test windows in trading bars, and the events in each.

Folds lie back to back so that the last test window ends on the last bar; test windows are
contiguous and never overlap a train window. ``rolling`` train windows have a fixed length;
``anchored`` ones all start at the first fold's train start and grow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from recall_risk.errors import ConfigError
from recall_risk.events import EventSet

MIN_TRAIN_DAYS = 20
MIN_TEST_DAYS = 10


@dataclass(frozen=True)
class Fold:
    """One train window and the test window right after it (inclusive dates, bar counts)."""

    index: int
    train_start: pd.Timestamp
    train_end: pd.Timestamp
    test_start: pd.Timestamp
    test_end: pd.Timestamp
    train_bars: int
    test_bars: int


def make_folds(
    dates: pd.DatetimeIndex,
    *,
    folds: int,
    train_days: int | None = None,
    test_days: int | None = None,
    anchored: bool = False,
    where: str = "walkforward",
) -> list[Fold]:
    """Lay ``folds`` train/test windows over ``dates`` (trading bars, sorted).

    Defaults: ``test_days`` splits the bars into ``folds + 2`` equal parts (the first train window
    gets the two spare parts); ``train_days`` is every bar before the first test window.

    Raises:
        ConfigError: fewer than one fold, windows shorter than :data:`MIN_TRAIN_DAYS` /
            :data:`MIN_TEST_DAYS`, or fewer bars than ``train_days + folds × test_days``.
    """
    n = len(dates)
    if folds < 1:
        raise ConfigError(f"{where}: --folds must be at least 1, got {folds}")
    if test_days is None:
        test_days = (n - train_days) // folds if train_days is not None else n // (folds + 2)
    if train_days is None:
        train_days = n - folds * test_days
    if test_days < MIN_TEST_DAYS or train_days < MIN_TRAIN_DAYS:
        raise ConfigError(
            f"{where}: folds too short: {train_days} train and {test_days} test bars; expected at "
            f"least {MIN_TRAIN_DAYS} train and {MIN_TEST_DAYS} test bars (the data hold {n} bars: "
            "use fewer --folds or set --train-days/--test-days)"
        )
    if train_days + folds * test_days > n:
        raise ConfigError(
            f"{where}: {folds} folds of {test_days} test bars after {train_days} train bars need "
            f"{train_days + folds * test_days} bars, but the data hold {n} "
            f"({dates[0].date()} .. {dates[-1].date()}); use fewer --folds or shorter windows"
        )
    first_train = n - folds * test_days - train_days
    out = []
    for k in range(folds):
        test_start = n - (folds - k) * test_days
        train_start = first_train if anchored else test_start - train_days
        out.append(
            Fold(
                index=k + 1,
                train_start=dates[train_start],
                train_end=dates[test_start - 1],
                test_start=dates[test_start],
                test_end=dates[test_start + test_days - 1],
                train_bars=test_start - train_start,
                test_bars=test_days,
            )
        )
    return out


def count_events(event_sets: Iterable[EventSet], start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Events announced from ``start`` to ``end`` (inclusive), over every set."""
    first, last = start.date(), end.date()
    return sum(first <= e.announced <= last for s in event_sets for e in s.events)


def window_events(
    event_sets: Iterable[EventSet], bars: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp
) -> int:
    """Events whose first bar on or after ``announced`` (their day 0) lies in ``start..end``.

    An event announced on a weekend or holiday between two windows belongs to the later one,
    where the market first trades on it; plain calendar windows would count it in neither.
    """
    earlier = bars[bars < start]
    # the first window also holds the events announced before the first bar (day 0 = that bar)
    first = earlier[-1] + pd.Timedelta(days=1) if len(earlier) else pd.Timestamp.min
    return count_events(event_sets, first, end)
