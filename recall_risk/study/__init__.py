"""Event studies: market-model abnormal returns around each event, and score calibration.

- :mod:`~recall_risk.study.market_model`: OLS market model and prediction-error variances.
- :mod:`~recall_risk.study.returns`: aligned simple returns and day 0.
- :mod:`~recall_risk.study.options`: event, estimation and CAR windows.
- :mod:`~recall_risk.study.core`: per-event ARs, CARs and t-tests; skips with reasons.
- :mod:`~recall_risk.study.data`: loading prices from a source, peers.
- :mod:`~recall_risk.study.stats`: cross-sectional and sign tests, permutation Spearman.
- :mod:`~recall_risk.study.against`: score jumps against CARs.
- :mod:`~recall_risk.study.calibrate`: NNLS component weights with leave-one-out error.
- :mod:`~recall_risk.study.tables`, :mod:`~recall_risk.study.charts`,
  :mod:`~recall_risk.study.write`: tables, charts and files.
- :mod:`~recall_risk.study.section`: the run-report section.
"""

from recall_risk.study.against import AgainstScore, against_score, against_score_for, score_jumps
from recall_risk.study.calibrate import (
    MIN_SENSIBLE_EVENTS,
    Calibration,
    calibrate_weights,
    params_yaml,
    write_params_yaml,
)
from recall_risk.study.core import CarStat, EventStudy, StudyResult, run_event_study
from recall_risk.study.data import study_event_set
from recall_risk.study.market_model import MarketModel, fit_market_model
from recall_risk.study.options import StudyOptions, parse_window, window_label
from recall_risk.study.returns import aligned_returns, day_zero
from recall_risk.study.section import report_section, run_study_for_run, study_section_html
from recall_risk.study.stats import CrossSection, cross_section, spearman_permutation
from recall_risk.study.write import write_study_outputs

__all__ = [
    "MIN_SENSIBLE_EVENTS",
    "AgainstScore",
    "Calibration",
    "CarStat",
    "CrossSection",
    "EventStudy",
    "MarketModel",
    "StudyOptions",
    "StudyResult",
    "against_score",
    "against_score_for",
    "aligned_returns",
    "calibrate_weights",
    "cross_section",
    "day_zero",
    "fit_market_model",
    "params_yaml",
    "parse_window",
    "report_section",
    "run_event_study",
    "run_study_for_run",
    "score_jumps",
    "spearman_permutation",
    "study_event_set",
    "study_section_html",
    "window_label",
    "write_params_yaml",
    "write_study_outputs",
]
