"""Rank a sweep's table: feasibility under the constraints, then the metric, ties by point order.

Kept apart from the writers so the walk-forward study (and tests) can rank without writing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from recall_risk.metrics import METRIC_NAMES
from recall_risk.sweep.spec import SweepSpec
from recall_risk.sweep.table import ERROR_COLUMN

FEASIBLE_COLUMN = "feasible"
RANK_COLUMN = "rank"


def rank_table(
    table: pd.DataFrame,
    spec: SweepSpec,
    *,
    metric: str | None = None,
    maximize: bool | None = None,
) -> pd.DataFrame:
    """A copy of ``table`` with ``feasible`` (no error, metric known, every constraint holds) and
    ``rank`` (1 = best feasible row; empty for infeasible rows), rows still in point order.

    ``metric`` and ``maximize`` rank by another metric than the sweep's (walk-forward
    ``--metric``); the sweep's constraints still apply.
    """
    name = spec.metric if metric is None else metric
    maximize = spec.maximize if maximize is None else maximize
    out = table.copy()
    ranked_by = pd.to_numeric(out[name], errors="coerce").astype(np.float64)
    feasible = (out[ERROR_COLUMN] == "") & ranked_by.notna()
    for constraint in spec.constraints:
        values = out[constraint.metric].astype(object).where(out[constraint.metric].notna(), None)
        feasible &= values.map(constraint.holds).astype(bool)
    out[FEASIBLE_COLUMN] = feasible.astype(bool)
    candidates = ranked_by[feasible]
    # a stable sort on the metric keeps point order among ties: deterministic whatever the executor
    order = candidates.sort_values(ascending=not maximize, kind="mergesort").index
    ranks = pd.Series(pd.NA, index=out.index, dtype="Int64")
    ranks.loc[order] = np.arange(1, len(order) + 1)
    out[RANK_COLUMN] = ranks
    return out


def top_rows(ranked: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` best feasible rows, best first."""
    best = ranked[ranked[RANK_COLUMN].notna()].sort_values(RANK_COLUMN, kind="mergesort")
    return best.head(n)


TIED_COLUMN = "tied"


def top_distinct(
    ranked: pd.DataFrame, n: int, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The ``n`` best feasible *distinct results*, best first: consecutive ranked rows whose
    ``columns`` (default: every metric of :data:`recall_risk.metrics.METRIC_NAMES` in the table)
    are all equal are one entry, the first of them (lowest rank) standing for the group, with the
    group's size in ``tied`` (1 when alone). Ten parameter points that trade the same bars are one
    finding, not ten."""
    best = top_rows(ranked, len(ranked))
    if columns is None:
        columns = [c for c in METRIC_NAMES if c in ranked.columns]
    keys = best[list(columns)].astype(object).where(best[list(columns)].notna(), None)
    rows = [tuple(r) for r in keys.itertuples(index=False, name=None)]
    starts, sizes = [], []
    for i, row in enumerate(rows):
        if i and row == rows[i - 1]:
            sizes[-1] += 1
        else:
            if len(starts) == n:
                break
            starts.append(i)
            sizes.append(1)
    out = best.iloc[starts].copy()
    out[TIED_COLUMN] = sizes
    return out


def tied_text(count: int) -> str:
    """``×10 tied`` for a group of ten equal results, empty for one."""
    return f"×{count} tied" if count > 1 else ""
