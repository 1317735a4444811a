"""recall-risk: point-in-time risk scores from corporate quality events, for backtrader.

Importing the package loads only the event model and the score (no backtrader, no network);
the backtrader integration lives in :mod:`recall_risk.bt`, price sources in
:mod:`recall_risk.prices`.
"""

from recall_risk.errors import (
    ConfigError,
    DataUnavailableError,
    EventFileError,
    PriceDataError,
    RecallRiskError,
    ScoreParamsError,
)
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
    bundled_event_sets,
    load_events,
)
from recall_risk.regulators import import_api, import_investigations, import_recalls
from recall_risk.scoring import Explanation, ScoreParams, explain, score_events, score_many
from recall_risk.signals import HysteresisGate, needs_rebalance, rotation_weights, scaled_weight

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataUnavailableError",
    "Deliveries",
    "Event",
    "EventFileError",
    "EventSet",
    "Explanation",
    "HysteresisGate",
    "Incident",
    "Investigation",
    "Orders",
    "PriceDataError",
    "QualityRanking",
    "Recall",
    "RecallRiskError",
    "Regulatory",
    "ScoreParams",
    "ScoreParamsError",
    "__version__",
    "bundled_event_sets",
    "explain",
    "import_api",
    "import_investigations",
    "import_recalls",
    "load_events",
    "needs_rebalance",
    "rotation_weights",
    "scaled_weight",
    "score_events",
    "score_many",
]
