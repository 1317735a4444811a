"""The events of a run as display rows: id, ticker, dates, type, key figure, source, notes.

The key figure is the number the score reads from the event (via
:func:`recall_risk.scoring.event_magnitudes`) with the magnitude it gives, so the report shows
what drove the score and not a paraphrase. Rows are plain text; escaping belongs to the renderer.

Each row also says where it falls against its ticker's bars (``scope``): an event announced before
the first bar still weighs on the score there (decayed), one announced after the last bar played
no part in the run; the charts mark only the events inside the bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

import pandas as pd

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
    scope: Literal["before", "in", "after"] = "in"


SCOPE_NOTES = {
    "before": "[before the first bar: in the score, decayed, from the start] ",
    "after": "[after the last bar: not part of this run] ",
    "in": "",
}


def figure_text(name: str, value: float) -> str:
    """``units 116,887``, ``recall_ratio 0.3832``: whole numbers with separators, else 4 digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{name} {int(value):,}"
    return f"{name} {value:.4g}"


def _scope(announced: date, bars: pd.Index | None) -> Literal["before", "in", "after"]:
    if bars is None or not len(bars):
        return "in"
    index = pd.DatetimeIndex(bars)
    day = pd.Timestamp(announced)
    if day > index[-1]:
        return "after"
    return "before" if day < index[0] else "in"


def event_rows(result: RunResult) -> list[EventRow]:
    """Every event of every ticker, sorted by announcement date, ticker and id."""
    params = ScoreParams.model_validate(result.meta["score_params"]) if result.meta else None
    rows = []
    for ticker, event_set in result.events.items():
        figures = event_magnitudes(event_set, params).set_index("id")
        bars = result.prices[ticker].index if ticker in result.prices else None
        for event in event_set:
            fig = figures.loc[event.id]
            scope = _scope(event.announced, bars)
            rows.append(
                EventRow(
                    ticker=ticker,
                    id=event.id,
                    type=event.type,
                    component=str(fig["component"]),
                    announced=event.announced.isoformat(),
                    occurred=event.occurred.isoformat() if event.occurred else "",
                    key_figure=figure_text(str(fig["figure"]), float(fig["figure_value"])),
                    magnitude=float(fig["magnitude"]),
                    source=event.source,
                    notes=SCOPE_NOTES[scope] + (event.notes or ""),
                    scope=scope,
                )
            )
    return sorted(rows, key=lambda r: (r.announced, r.ticker, r.id))
