"""backtrader integration: the only package of recall-risk that imports backtrader.

- :class:`RiskData` — a fast feed carrying prices plus the score and its components as lines;
- :class:`RiskScore` — the same score as an indicator over any data feed;
- :class:`RiskAnalyzer` — time above thresholds, exposure while risk was high, drawdown avoided;
- :class:`RiskStrategy` — a base strategy with ``self.risk``, ``target_weight_for`` and
  ``set_target`` (sized at the next open with integer shares);
- :func:`risk_feed`, :func:`price_feed`, :func:`make_cerebro` — assembly helpers.
"""

from recall_risk.bt.analyzer import RiskAnalyzer, max_drawdown
from recall_risk.bt.build import make_cerebro, price_feed, risk_feed, risk_frame
from recall_risk.bt.feed import PRICE_LINES, RISK_LINES, FrameData, RiskData, bar_dates
from recall_risk.bt.indicator import RiskScore
from recall_risk.bt.strategy import RiskStrategy

__all__ = [
    "PRICE_LINES",
    "RISK_LINES",
    "FrameData",
    "RiskAnalyzer",
    "RiskData",
    "RiskScore",
    "RiskStrategy",
    "bar_dates",
    "make_cerebro",
    "max_drawdown",
    "price_feed",
    "risk_feed",
    "risk_frame",
]
