"""Reference strategies, one per module, built only on recall-risk's public API.

Installed as ``recall_risk.strategies``. :data:`REGISTRY` maps the short names used in run configs
to the classes.
"""

from __future__ import annotations

from recall_risk.strategies.buy_and_hold import BuyAndHold
from recall_risk.strategies.risk_exit import RiskExit
from recall_risk.strategies.risk_rotation import RiskRotation
from recall_risk.strategies.risk_scaled import RiskScaled
from recall_risk.strategies.sma_cross import SmaCross
from recall_risk.strategies.sma_cross_risk import SmaCrossRisk

REGISTRY = {
    "buy_and_hold": BuyAndHold,
    "risk_exit": RiskExit,
    "risk_rotation": RiskRotation,
    "risk_scaled": RiskScaled,
    "sma_cross": SmaCross,
    "sma_cross_risk": SmaCrossRisk,
}

__all__ = [
    "REGISTRY",
    "BuyAndHold",
    "RiskExit",
    "RiskRotation",
    "RiskScaled",
    "SmaCross",
    "SmaCrossRisk",
]
