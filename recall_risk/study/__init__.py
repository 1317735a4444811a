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
- :mod:`~recall_risk.study.robust`: BMP, Kolari-Pynnönen adjusted BMP, GRANK, date clusters.
- :mod:`~recall_risk.study.pooled`, :mod:`~recall_risk.study.pooled_stats`,
  :mod:`~recall_risk.study.pooled_score`, :mod:`~recall_risk.study.pooled_write`: the pooled
  study across companies, its tests and breakdowns, the score test, and its files.
- :mod:`~recall_risk.study.factor`: the daily score as a cross-sectional factor.
"""

from recall_risk.study.against import AgainstScore, against_score, against_score_for, score_jumps
from recall_risk.study.calibrate import (
    MIN_SENSIBLE_EVENTS,
    Calibration,
    FoldComparison,
    calibrate_weights,
    out_of_sample,
    params_yaml,
    write_params_yaml,
)
from recall_risk.study.core import CarStat, EventStudy, StudyResult, run_event_study
from recall_risk.study.data import study_event_set
from recall_risk.study.factor import FactorResult, factor_panel, factor_report
from recall_risk.study.market_model import MarketModel, fit_market_model
from recall_risk.study.options import StudyOptions, parse_window, window_label
from recall_risk.study.pooled import PooledStudy, study_pooled
from recall_risk.study.pooled_score import (
    ClusteredOls,
    PooledAgainst,
    clustered_ols,
    pooled_against,
)
from recall_risk.study.pooled_stats import PooledTests, breakdowns, pooled_tests, verdict
from recall_risk.study.pooled_write import PooledReport, write_pooled_outputs
from recall_risk.study.returns import aligned_returns, day_zero
from recall_risk.study.robust import (
    TestResult,
    average_correlation,
    bmp_test,
    grank_test,
    kp_adjusted,
)
from recall_risk.study.section import report_section, run_study_for_run, study_section_html
from recall_risk.study.stats import CrossSection, cross_section, spearman_permutation
from recall_risk.study.write import write_study_outputs

__all__ = [
    "MIN_SENSIBLE_EVENTS",
    "AgainstScore",
    "Calibration",
    "CarStat",
    "ClusteredOls",
    "CrossSection",
    "EventStudy",
    "FactorResult",
    "FoldComparison",
    "MarketModel",
    "PooledAgainst",
    "PooledReport",
    "PooledStudy",
    "PooledTests",
    "StudyOptions",
    "StudyResult",
    "TestResult",
    "against_score",
    "against_score_for",
    "aligned_returns",
    "average_correlation",
    "bmp_test",
    "breakdowns",
    "calibrate_weights",
    "clustered_ols",
    "cross_section",
    "day_zero",
    "factor_panel",
    "factor_report",
    "fit_market_model",
    "grank_test",
    "kp_adjusted",
    "out_of_sample",
    "params_yaml",
    "parse_window",
    "pooled_against",
    "pooled_tests",
    "report_section",
    "run_event_study",
    "run_study_for_run",
    "score_jumps",
    "spearman_permutation",
    "study_event_set",
    "study_pooled",
    "study_section_html",
    "verdict",
    "window_label",
    "write_params_yaml",
    "write_pooled_outputs",
    "write_study_outputs",
]
