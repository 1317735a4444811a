"""The :class:`EventSet`: one company's validated events, in a canonical order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from recall_risk.events.models import Event


def _sort_key(event: Event) -> tuple[date, str]:
    return (event.announced, event.id)


@dataclass(frozen=True)
class EventSet:
    """Validated events of one company, sorted by ``(announced, id)`` whatever the file's order.

    Attributes:
        company: Company name.
        ticker: Price ticker the events belong to (e.g. ``1810.HK``).
        benchmark: Benchmark ticker for comparisons (e.g. ``^HSI``), if any.
        events: The events, sorted by announcement date then id.
        source: Where the set came from (a file path or ``bundled:NAME``).
        derived_cumulative_sales: Ids of recalls whose ``cumulative_sales`` was derived from the
            set's deliveries events announced up to the recall's ``announced`` date.
    """

    company: str
    ticker: str
    benchmark: str | None
    events: tuple[Event, ...]
    source: str = field(default="<memory>", compare=False)
    derived_cumulative_sales: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", tuple(sorted(self.events, key=_sort_key)))

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def by_id(self, event_id: str) -> Event:
        """The event with id ``event_id`` (``KeyError`` if absent)."""
        for event in self.events:
            if event.id == event_id:
                return event
        raise KeyError(event_id)

    def known_on(self, day: date) -> EventSet:
        """The events the market could know at ``day``'s close (``announced <= day``)."""
        return self.replace_events(e for e in self.events if e.announced <= day)

    def replace_events(self, events: Iterable[Event]) -> EventSet:
        """A copy of this set holding ``events`` instead (no re-validation)."""
        kept = tuple(events)
        ids = {e.id for e in kept}
        return EventSet(
            company=self.company,
            ticker=self.ticker,
            benchmark=self.benchmark,
            events=kept,
            source=self.source,
            derived_cumulative_sales=self.derived_cumulative_sales & ids,
        )
