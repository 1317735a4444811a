"""Parameter sweeps: grid/random specs, evaluation on the fast engine or backtrader, executors.

- :mod:`~recall_risk.sweep.spec`: the ``sweep`` section of a config -> :class:`SweepSpec`;
- :mod:`~recall_risk.sweep.data`: :class:`SweepData`, prices and events loaded once;
- :mod:`~recall_risk.sweep.evaluate`: :func:`evaluate_points`, one backtest per point;
- :mod:`~recall_risk.sweep.executors`: :func:`run_points` in this process, a process pool or on
  Dask, with the same table whatever runs it;
- :mod:`~recall_risk.sweep.ranking` and :mod:`~recall_risk.sweep.write`: ranking under the
  constraints and the output folder.
"""

from recall_risk.sweep.data import SweepData, prepare_sweep_data
from recall_risk.sweep.evaluate import Evaluator, evaluate_points
from recall_risk.sweep.executors import ClusterUnavailableError, SweepRun, run_points
from recall_risk.sweep.ranking import (
    FEASIBLE_COLUMN,
    RANK_COLUMN,
    TIED_COLUMN,
    rank_table,
    top_distinct,
    top_rows,
)
from recall_risk.sweep.spec import (
    MAX_POINTS,
    Constraint,
    SweepSpec,
    load_sweep_spec,
    score_params_for,
)
from recall_risk.sweep.table import ENGINE_COLUMN, ERROR_COLUMN, result_columns
from recall_risk.sweep.write import write_sweep

__all__ = [
    "ENGINE_COLUMN",
    "ERROR_COLUMN",
    "FEASIBLE_COLUMN",
    "MAX_POINTS",
    "RANK_COLUMN",
    "TIED_COLUMN",
    "ClusterUnavailableError",
    "Constraint",
    "Evaluator",
    "SweepData",
    "SweepRun",
    "SweepSpec",
    "evaluate_points",
    "load_sweep_spec",
    "prepare_sweep_data",
    "rank_table",
    "result_columns",
    "run_points",
    "score_params_for",
    "top_distinct",
    "top_rows",
    "write_sweep",
]
