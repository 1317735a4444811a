"""The events of a run as display rows: id, ticker, dates, type, key figure, source, notes.

The key figure is the number the score reads from the event (via
:func:`recall_risk.scoring.event_magnitudes`) with the magnitude it gives, so the report shows
what drove the score and not a paraphrase. Rows are plain text; escaping belongs to the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from recall_risk.scoring import ScoreParams, event_magnitudes

if TYPE_CHECKING:
    from recall_risk.runner import RunResult


@dataclass(frozen=True)
class EventRow:
    """One event, ready to display."""

    ticker: str
    id: str
    type: str
    component: str
    announced: str
    occurred: str
    key_figure: str
    magnitude: float
    source: str
    notes: str


def event_rows(result: RunResult) -> list[EventRow]:
    """Every event of every ticker, sorted by announcement date, ticker and id."""
    params = ScoreParams.model_validate(result.meta["score_params"]) if result.meta else None
    rows = []
    for ticker, event_set in result.events.items():
        figures = event_magnitudes(event_set, params).set_index("id")
        for event in event_set:
            fig = figures.loc[event.id]
            rows.append(
                EventRow(
                    ticker=ticker,
                    id=event.id,
                    type=event.type,
                    component=str(fig["component"]),
                    announced=event.announced.isoformat(),
                    occurred=event.occurred.isoformat() if event.occurred else "",
                    key_figure=f"{fig['figure']} {float(fig['figure_value']):,.4g}",
                    magnitude=float(fig["magnitude"]),
                    source=event.source,
                    notes=event.notes or "",
                )
            )
    return sorted(rows, key=lambda r: (r.announced, r.ticker, r.id))
