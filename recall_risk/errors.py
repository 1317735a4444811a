"""The project's error hierarchy.

Every error a user can cause (a malformed event file, config or price file) is a
:class:`RecallRiskError` that also subclasses the builtin it resembles, so callers can catch
either. The CLI maps user errors to exit code 2 and :class:`DataUnavailableError` to exit code 1.
"""

from __future__ import annotations


class RecallRiskError(Exception):
    """Base class of every error raised on purpose by recall-risk."""


class EventFileError(RecallRiskError, ValueError):
    """An event file (YAML or CSV) is malformed or inconsistent."""


class ScoreParamsError(RecallRiskError, ValueError):
    """Score parameters are invalid."""


class ConfigError(RecallRiskError, ValueError):
    """A run configuration is malformed."""


class PriceDataError(RecallRiskError, ValueError):
    """Price data is missing, malformed or does not cover the requested range."""


class DataUnavailableError(RecallRiskError, OSError):
    """A remote data source (for example Yahoo Finance via yfinance) cannot be reached."""
