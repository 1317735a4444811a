"""Event-study options: the event window, the estimation window and the CAR windows.

Event time counts trading days (days both the stock and the benchmark trade) from day 0, the
first such day on or after the event's ``announced`` date. The estimation window is the
``estimation_days`` days ``[-(gap_days + estimation_days), -(gap_days + 1)]``: exactly
``gap_days`` trading days lie between its end and day 0, so it cannot include pre-announcement
leakage or the event window (``gap_days`` must cover the days before day 0 in the window).
"""

from __future__ import annotations

from dataclasses import dataclass

from recall_risk.errors import ConfigError
from recall_risk.study.market_model import MIN_ESTIMATION_DAYS

Window = tuple[int, int]
"""An inclusive range of event days ``(first, last)``, e.g. ``(0, 1)`` for days 0 and +1."""

STANDARD_CAR_WINDOWS: tuple[Window, ...] = ((0, 0), (0, 1), (-1, 1))


def window_label(window: Window) -> str:
    """``[0,+1]``-style label of a window."""
    first, last = window
    return f"[{_signed(first)},{_signed(last)}]"


def _signed(day: int) -> str:
    return f"+{day}" if day > 0 else str(day)


def parse_window(text: str, *, what: str) -> Window:
    """Parse ``"-1,5"`` into ``(-1, 5)``.

    Raises:
        ConfigError: not two integers ``FIRST,LAST`` with ``FIRST <= LAST``.
    """
    parts = [part.strip() for part in str(text).split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        first, last = int(parts[0]), int(parts[1])
    except ValueError:
        raise ConfigError(
            f"{what}: expected two whole numbers of trading days FIRST,LAST such as -1,5; "
            f"got {text!r}"
        ) from None
    if first > last:
        raise ConfigError(f"{what}: first day {first} is after last day {last}; write FIRST,LAST")
    return first, last


@dataclass(frozen=True)
class StudyOptions:
    """How the study measures abnormal returns.

    Attributes:
        window: Event window, inclusive, in trading days around day 0.
        estimation_days: Length of the estimation window (trading days, all required).
        gap_days: Trading days left out between the estimation window and day 0.
        car_windows: Windows whose CAR is reported (each inside ``window``); ``None`` means the
            standard ``[0,0]``, ``[0,+1]``, ``[-1,+1]`` that fit inside ``window``. The full
            window is always added.
        primary_window: The CAR window of the summary table, cross-section and score tests.
    """

    window: Window = (-1, 5)
    estimation_days: int = 250
    gap_days: int = 30
    car_windows: tuple[Window, ...] | None = None
    primary_window: Window = (0, 1)

    def __post_init__(self) -> None:
        first, last = self.window
        if first > last:
            raise ConfigError(f"--window: first day {first} is after last day {last}")
        if self.estimation_days < MIN_ESTIMATION_DAYS:
            raise ConfigError(
                f"--estimation-days: {self.estimation_days} is too few; expected at least "
                f"{MIN_ESTIMATION_DAYS} trading days (250, about a year, is usual)"
            )
        if self.gap_days < max(0, -first):
            raise ConfigError(
                f"--gap-days: {self.gap_days} would let the estimation window overlap the event "
                f"window, which starts at day {first}; expected at least {max(0, -first)}"
            )
        for window in (*(self.car_windows or ()), self.primary_window):
            if not (first <= window[0] <= window[1] <= last):
                raise ConfigError(
                    f"CAR window {window_label(window)} is not inside the event window "
                    f"{window_label(self.window)}; widen --window or choose another CAR window"
                )

    @property
    def all_car_windows(self) -> tuple[Window, ...]:
        """The reported CAR windows: primary first, then the others, then the full window."""
        if self.car_windows is None:
            first, last = self.window
            chosen = tuple(w for w in STANDARD_CAR_WINDOWS if first <= w[0] and w[1] <= last)
        else:
            chosen = self.car_windows
        out: list[Window] = []
        for window in (self.primary_window, *chosen, self.window):
            if window not in out:
                out.append(window)
        return tuple(out)

    @property
    def estimation_span(self) -> Window:
        """The estimation window in event days, ``(-(gap + n), -(gap + 1))``."""
        return -(self.gap_days + self.estimation_days), -(self.gap_days + 1)
