"""Stable text forms of results: JSON with sorted keys and clean floats, deterministic CSV.

Floats in JSON (and in metrics.csv) are rounded to 12 significant digits: enough for every
figure we report, and it hides last-bit noise between platforms so two runs of the same inputs
give byte-identical files. NaN and infinities become ``null``; numpy scalars become Python ones.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SIGNIFICANT_DIGITS = 12


def clean_float(value: float) -> float | None:
    """``value`` rounded to :data:`SIGNIFICANT_DIGITS`, or None when it is not finite."""
    value = float(value)
    if not math.isfinite(value):
        return None
    rounded = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return 0.0 if rounded == 0 else rounded  # no "-0.0"


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of ``value``: dicts, lists, str, int, clean floats, ISO dates, None."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return clean_float(float(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, pd.Series):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    return str(value)


def dumps_json(value: Any) -> str:
    """Canonical JSON text: sorted keys, indent 2, no NaN, trailing newline."""
    return json.dumps(jsonable(value), sort_keys=True, indent=2, allow_nan=False) + "\n"


def frame_to_csv(frame: pd.DataFrame, path: Path, *, index: bool = True) -> None:
    """Write ``frame`` as CSV with ISO dates, exact floats (shortest round-trip) and ``\\n``."""
    from recall_risk.csvcells import safe_frame  # text cells a spreadsheet would run: neutralised

    safe_frame(frame).to_csv(path, index=index, date_format="%Y-%m-%d", lineterminator="\n")
