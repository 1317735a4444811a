"""The :class:`EventSet`: one company's validated events, in a canonical order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from recall_risk.errors import EventFileError
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


def merge_event_sets(sets: Sequence[EventSet], *, where: str = "events") -> EventSet:
    """One set holding the events of ``sets``, all for the same ticker (a bundled set plus a
    user's own file, say). The company comes from the first set, the benchmark from the first
    that names one.

    Recalls keep the ``cumulative_sales`` each file gave or derived from its own deliveries.

    Raises:
        EventFileError: the sets are for different tickers or name different benchmarks, or two
            of them share an event id.
    """
    if not sets:
        raise ValueError("merge_event_sets needs at least one set")
    first = sets[0]
    if len(sets) == 1:
        return first
    seen: dict[str, str] = {}
    for event_set in sets:
        if event_set.ticker != first.ticker:
            raise EventFileError(
                f"{where}: cannot combine {first.source} (ticker {first.ticker}) with "
                f"{event_set.source} (ticker {event_set.ticker}); combine sets of one ticker"
            )
        for event in event_set.events:
            if event.id in seen:
                raise EventFileError(
                    f"{where}: event id {event.id!r} is in both {seen[event.id]} and "
                    f"{event_set.source}; ids must be unique across the sets of "
                    f"{first.ticker} (rename one or drop the duplicate)"
                )
            seen[event.id] = event_set.source
    named = [s for s in sets if s.benchmark]
    for other in named[1:]:
        if other.benchmark != named[0].benchmark:
            raise EventFileError(
                f"{where}: {named[0].source} gives benchmark {named[0].benchmark} but "
                f"{other.source} gives {other.benchmark}; give one (or none) in the sets of "
                f"{first.ticker}"
            )
    return EventSet(
        company=first.company,
        ticker=first.ticker,
        benchmark=named[0].benchmark if named else None,
        events=tuple(e for s in sets for e in s.events),
        source=" + ".join(s.source for s in sets),
        derived_cumulative_sales=frozenset().union(*(s.derived_cumulative_sales for s in sets)),
    )
