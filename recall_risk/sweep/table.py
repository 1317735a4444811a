"""The sweep's results table: its columns and rows of :meth:`~recall_risk.sweep.Evaluator.rows`
-> a frame with stable dtypes (whatever executor produced the rows)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from recall_risk.metrics import METRIC_NAMES

ENGINE_COLUMN = "engine"
ERROR_COLUMN = "error"


def result_columns(point_keys: Sequence[str]) -> list[str]:
    """Columns of :func:`~recall_risk.sweep.evaluate_points`' table: the point keys, the
    engine, the metrics and the error."""
    return [*point_keys, ENGINE_COLUMN, *METRIC_NAMES, ERROR_COLUMN]


def rows_to_frame(rows: Iterable[Mapping[str, Any]], point_keys: Sequence[str]) -> pd.DataFrame:
    """The results table from rows of :meth:`~recall_risk.sweep.Evaluator.rows`, with stable
    dtypes."""
    columns = result_columns(point_keys)
    frame = pd.DataFrame([[row.get(c) for c in columns] for row in rows], columns=columns)
    for metric in METRIC_NAMES:
        if metric == "trades":
            frame[metric] = frame[metric].astype("Int64")
        else:
            frame[metric] = pd.to_numeric(frame[metric], errors="coerce").astype(np.float64)
    frame[ERROR_COLUMN] = frame[ERROR_COLUMN].fillna("").astype(object)
    return frame


def point_keys_of(points: Sequence[Mapping[str, Any]]) -> list[str]:
    """Keys of the points in first-seen order."""
    return list(dict.fromkeys(k for p in points for k in p))
