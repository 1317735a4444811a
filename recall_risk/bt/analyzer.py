"""``RiskAnalyzer``: how a strategy behaved while the risk score was high.

Reports, for each threshold, the share of bars with the score at or above it and the strategy's
average exposure on those bars, plus the strategy's maximum drawdown (from its starting cash, as
in the run's metrics) against buy-and-hold of the first data (bought at its first open, so the
first bar's move counts) and the drawdown avoided, both by
:func:`recall_risk.metrics.max_drawdown`.
"""

from __future__ import annotations

import backtrader as bt
import numpy as np

from recall_risk.metrics import max_drawdown


class RiskAnalyzer(bt.Analyzer):
    """Time above score thresholds, exposure while risk was high, drawdown avoided.

    Params:
        thresholds: score levels to report on.
        risk: the score line to read; defaults to the strategy's ``risk`` attribute, else the
            first data's ``score`` line.
    """

    params = (("thresholds", (0.25, 0.5, 0.75)), ("risk", None))

    def start(self) -> None:
        line = self.p.risk
        if line is None:
            line = getattr(self.strategy, "risk", None)
        if line is None:
            line = self.strategy.data0.lines.score
        self._risk = line
        self._scores: list[float] = []
        self._exposure: list[float] = []
        self._values: list[float] = []
        self._closes: list[float] = []
        self._first_open: float | None = None
        self._analysis: tuple[int, dict[str, object]] | None = None  # (bars, analysis)

    def next(self) -> None:
        value = self.strategy.broker.getvalue()
        invested = sum(
            abs(self.strategy.getposition(d).size) * d.close[0] for d in self.strategy.datas
        )
        self._scores.append(float(self._risk[0]))
        self._exposure.append(invested / value if value else 0.0)
        self._values.append(value)
        self._closes.append(float(self.strategy.data0.close[0]))
        if self._first_open is None:
            self._first_open = float(self.strategy.data0.open[0])

    def get_analysis(self) -> dict[str, object]:
        """The analysis of the bars so far (kept until the next bar: backtrader asks every
        analyzer for it when a run stops, for writers, before the caller does)."""
        if self._analysis is None or self._analysis[0] != len(self._scores):
            self._analysis = (len(self._scores), self._analyse())
        return self._analysis[1]

    def _analyse(self) -> dict[str, object]:
        scores = np.asarray(self._scores)
        exposure = np.asarray(self._exposure)
        strategy_dd = float(
            max_drawdown(np.asarray(self._values), self.strategy.broker.startingcash)
        )
        hold_dd = float(max_drawdown(np.asarray(self._closes), self._first_open))
        above = {}
        for threshold in self.p.thresholds:
            mask = scores >= threshold
            above[float(threshold)] = {
                "bars": int(mask.sum()),
                "fraction": float(mask.mean()) if scores.size else 0.0,
                "exposure": float(exposure[mask].mean()) if mask.any() else None,
            }
        return {
            "bars": int(scores.size),
            "exposure": float(exposure.mean()) if exposure.size else 0.0,
            "above": above,
            "max_drawdown": strategy_dd,
            "buy_and_hold_max_drawdown": hold_dd,
            "drawdown_avoided": hold_dd - strategy_dd,
        }
