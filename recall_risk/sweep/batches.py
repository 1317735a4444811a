"""Sweep points cut into batches: grouped by score parameters, sized for the workers."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from recall_risk.sweep.spec import SCORE_PREFIX

TASKS_PER_WORKER = 8
"""Batches per worker: a task is never one tiny backtest, and there are enough of them to keep
every worker busy to the end."""


def _score_key(point: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in sorted(point.items()) if k.startswith(SCORE_PREFIX)})


def _score_keys(points: Sequence[Mapping[str, Any]]) -> list[str]:
    """:func:`_score_key` of each point, the JSON text made once per distinct score setting."""
    texts: dict[Any, str] = {}
    keys = []
    for point in points:
        items = tuple(
            sorted((k, type(v), v) for k, v in point.items() if k.startswith(SCORE_PREFIX))
        )
        try:
            text = texts.get(items)
        except TypeError:  # an unhashable value: no shortcut
            keys.append(_score_key(point))
            continue
        if text is None:
            text = texts[items] = _score_key(point)
        keys.append(text)
    return keys


def make_batches(points: Sequence[Mapping[str, Any]], workers: int) -> list[list[int]]:
    """Point indices in batches: grouped by score parameters, about ``n / (workers × 8)`` each."""
    n = len(points)
    if n == 0:
        return []
    size = max(1, math.ceil(n / (max(1, workers) * TASKS_PER_WORKER)))
    keys = _score_keys(points)
    order = sorted(range(n), key=keys.__getitem__)  # stable: point order within a setting
    return [order[i : i + size] for i in range(0, n, size)]
