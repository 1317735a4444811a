"""Scoring: events + trading calendar + parameters -> a daily point-in-time risk score.

- :mod:`~recall_risk.scoring.params`: :class:`ScoreParams`, validated parameters.
- :mod:`~recall_risk.scoring.model`: each event's base magnitude in [0, 1].
- :mod:`~recall_risk.scoring.engine`: decay and combination into the daily score, vectorised.
- :mod:`~recall_risk.scoring.explain`: the per-event breakdown of one day's score.
"""

from recall_risk.scoring.engine import COLUMNS, decay_table, score_bars, score_events, score_many
from recall_risk.scoring.explain import CONTRIBUTION_COLUMNS, Explanation, explain
from recall_risk.scoring.model import (
    COMPONENTS,
    MAGNITUDE_COLUMNS,
    event_magnitudes,
    magnitude,
    recall_ratio,
)
from recall_risk.scoring.params import (
    ComponentWeights,
    HalfLives,
    ScoreParams,
    load_score_params,
)

__all__ = [
    "COLUMNS",
    "COMPONENTS",
    "CONTRIBUTION_COLUMNS",
    "MAGNITUDE_COLUMNS",
    "ComponentWeights",
    "Explanation",
    "HalfLives",
    "ScoreParams",
    "decay_table",
    "event_magnitudes",
    "explain",
    "load_score_params",
    "magnitude",
    "recall_ratio",
    "score_bars",
    "score_events",
    "score_many",
]
