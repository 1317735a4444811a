"""Why the score is what it is on one day: a per-event breakdown.

:func:`explain` lists every event announced on or before the day with its raw figure (for a
recall, the ratio units / cumulative_sales), base magnitude, age and decayed magnitude. Its
``score`` and ``components`` are taken from :func:`~recall_risk.scoring.engine.score_events` for
that day, so they equal the score frame's row exactly; within a component, multiplying
``1 - decayed`` over the rows in their listed order gives ``1 - component`` bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from recall_risk.calendar import DateLike, parse_date
from recall_risk.events import (
    Deliveries,
    Event,
    EventSet,
    Incident,
    Investigation,
    Orders,
    QualityRanking,
    Recall,
    Regulatory,
)
from recall_risk.scoring.engine import decay_table, score_events
from recall_risk.scoring.model import COMPONENTS, component_of, figure_of, magnitude, sort_key
from recall_risk.scoring.params import ScoreParams

CONTRIBUTION_COLUMNS: tuple[str, ...] = (
    "id",
    "type",
    "component",
    "announced",
    "age_days",
    "figure",
    "figure_value",
    "magnitude",
    "decayed",
    "cumulative_sales_derived",
    "source",
    "detail",
)


@dataclass(frozen=True, eq=False)
class Explanation:
    """The score on one day and the events behind it.

    Attributes:
        day: The day explained (the value is as of its close).
        score: Overall score, equal to ``score_events(...)`` on that day.
        components: Component values ``recall, quality, orders, incident`` (unweighted).
        contributions: One row per event announced on or before ``day``, in canonical order, with
            columns :data:`CONTRIBUTION_COLUMNS`. ``cumulative_sales_derived`` is True for recalls
            whose cumulative sales were derived from deliveries events; ``detail`` is a short
            human-readable summary of the event's figures.
    """

    day: date
    score: float
    components: dict[str, float]
    contributions: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ISO dates, plain floats, contributions as a list of records."""
        records = []
        for row in self.contributions.to_dict(orient="records"):
            row["announced"] = row["announced"].date().isoformat()
            records.append(row)
        return {
            "day": self.day.isoformat(),
            "score": self.score,
            "components": dict(self.components),
            "contributions": records,
        }


def _detail(event: Event) -> str:
    if isinstance(event, Recall):
        safety = "safety-critical" if event.safety_critical else "not safety-critical"
        sales = event.cumulative_sales
        if isinstance(sales, int):
            units = f"{event.units:,} of {sales:,} units"
        elif sales == "unknown":
            units = (
                f"{event.units:,} units; cumulative_sales: unknown (no denominator known, "
                "the assumed recall_unknown_ratio is used)"
            )
        else:
            units = f"{event.units:,} units of missing cumulative sales"
        return f"{units}; remedy {event.remedy}; {safety}"
    if isinstance(event, QualityRanking):
        text = f"placement {event.placement} of {event.field_size}"
        if event.penalty_points is not None and event.segment_average is not None:
            text += (
                f"; penalty {event.penalty_points:g} vs segment average {event.segment_average:g}"
            )
        return text
    if isinstance(event, Orders):
        return f"period {event.period}: orders {event.change:+.1%}"
    if isinstance(event, Deliveries):
        change = "" if event.change is None else f", {event.change:+.1%}"
        return f"period {event.period}: {event.units:,} units delivered{change}"
    if isinstance(event, Incident):
        severity = "" if event.severity is None else f"; severity {event.severity:g}"
        return f"{event.fatalities} fatalities, {event.injuries} injuries{severity}"
    if isinstance(event, Investigation):
        covered = f"; {event.vehicles:,} vehicles" if event.vehicles else "; vehicles not given"
        return f"investigation {event.action}{covered}" + (
            f"; {event.subject}" if event.subject else ""
        )
    if isinstance(event, Regulatory):
        text = f"{event.action.replace('_', ' ')} by {event.authority}"
        if event.amount is not None and event.annual_revenue is not None:
            text += f"; {event.amount:,.0f} of {event.annual_revenue:,.0f} annual revenue"
        if event.severity is not None:
            text += f"; severity {event.severity:g}"
        return text
    return ""


def _contributions(
    known: list[Event], day: date, params: ScoreParams, derived: frozenset[str]
) -> pd.DataFrame:
    rows = []
    for event in known:
        m = magnitude(event, params)
        rows.append((sort_key(event, m), event, m))
    rows.sort(key=lambda row: row[0])
    ages = [(day - event.announced).days for _, event, _ in rows]
    tables = {
        c: decay_table(getattr(params.half_life_days, c), max(ages, default=0) + 1)
        for c in COMPONENTS
    }
    records = []
    for (_, event, m), age in zip(rows, ages, strict=True):
        component = component_of(event)
        figure = figure_of(event, params)
        records.append(
            (
                event.id,
                event.type,
                component,
                pd.Timestamp(event.announced),
                age,
                figure.name,
                figure.value,
                m,
                m * float(tables[component][age]),
                isinstance(event, Recall) and event.id in derived,
                event.source,
                _detail(event),
            )
        )
    frame = pd.DataFrame(records, columns=list(CONTRIBUTION_COLUMNS))
    return frame.astype(
        {
            "announced": "datetime64[us]",
            "age_days": "int64",
            "figure_value": "float64",
            "magnitude": "float64",
            "decayed": "float64",
            "cumulative_sales_derived": "bool",
        }
    )


def explain(
    events: Iterable[Event], day: DateLike, params: ScoreParams | None = None
) -> Explanation:
    """Break the score on ``day`` down by event.

    Args:
        events: An :class:`~recall_risk.events.EventSet` or any iterable of events.
        day: The day to explain (any date, not only a trading day).
        params: Score parameters; the defaults when ``None``.

    Returns:
        An :class:`Explanation` whose score and components equal ``score_events`` on that day.

    Raises:
        ConfigError: ``day`` is not a date.
    """
    params = params or ScoreParams()
    when = parse_date(day, what="day")
    derived = events.derived_cumulative_sales if isinstance(events, EventSet) else frozenset()
    events = list(events)
    row = score_events(events, [when], params).iloc[0]
    known = [event for event in events if event.announced <= when]
    return Explanation(
        day=when,
        score=float(row["score"]),
        components={c: float(row[c]) for c in COMPONENTS},
        contributions=_contributions(known, when, params, derived),
    )
