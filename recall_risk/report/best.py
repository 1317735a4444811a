"""Which row holds the best value of each metric, for highlighting in tables.

Direction comes from :data:`recall_risk.metrics.HIGHER_IS_BETTER`; metrics without a direction
(exposure, trades, beta) are never highlighted. Ties are all highlighted; missing values never
win; a metric where only one row has a value is still highlighted (it is the best available).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from recall_risk.metrics import HIGHER_IS_BETTER


def best_rows(
    rows: Mapping[str, Mapping[str, object]], exclude: Collection[str] = ()
) -> dict[str, set[str]]:
    """For each metric with a direction, the labels of the rows holding its best value.

    Args:
        rows: metrics by row label (``{"run/strategy": {"sharpe": 1.2, ...}}``).
        exclude: labels never highlighted (figures on too little evidence,
            :mod:`recall_risk.evidence`).
    """
    best: dict[str, set[str]] = {}
    for metric, higher in HIGHER_IS_BETTER.items():
        if higher is None:
            continue
        values = {
            label: float(v)
            for label, m in rows.items()
            if label not in exclude
            and isinstance(v := m.get(metric), int | float)
            and not isinstance(v, bool)
        }
        if not values:
            continue
        target = max(values.values()) if higher else min(values.values())
        best[metric] = {label for label, v in values.items() if v == target}
    return best
