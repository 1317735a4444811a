"""Parameter sweeps: grid/random specs, evaluation on the fast engine or backtrader, executors.

- :mod:`~recall_risk.sweep.spec`: the ``sweep`` section of a config -> :class:`SweepSpec`;
- :mod:`~recall_risk.sweep.data`: :class:`SweepData`, prices and events loaded once;
- :mod:`~recall_risk.sweep.evaluate`: :func:`evaluate_points`, one backtest per point.
"""

from recall_risk.sweep.data import SweepData, prepare_sweep_data
from recall_risk.sweep.evaluate import (
    ENGINE_COLUMN,
    ERROR_COLUMN,
    Evaluator,
    evaluate_points,
    result_columns,
)
from recall_risk.sweep.spec import (
    MAX_POINTS,
    Constraint,
    SweepSpec,
    load_sweep_spec,
    score_params_for,
)

__all__ = [
    "ENGINE_COLUMN",
    "ERROR_COLUMN",
    "MAX_POINTS",
    "Constraint",
    "Evaluator",
    "SweepData",
    "SweepSpec",
    "evaluate_points",
    "load_sweep_spec",
    "prepare_sweep_data",
    "result_columns",
    "score_params_for",
]
