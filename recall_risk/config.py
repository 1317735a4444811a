"""Run configuration: YAML -> validated, frozen config objects.

A config names the data (tickers, benchmark, dates, source), the events, the score parameters,
the broker, the strategies to compare and the report options. Unknown keys are rejected with a
"did you mean"; every error names the file and the field path (``strategies[1].params.x``).
Relative paths resolve against the config file's folder. :func:`load_config` also checks what the
config refers to (:func:`~recall_risk.config_checks.check_references`: score parameters, strategy
classes loaded with importlib and their params, event sets), so a typo fails before any price is
read. The ``sweep`` section stays a free-form mapping: ``recall_risk.sweep`` validates it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from recall_risk.calendar import iso_date
from recall_risk.config_checks import check_references
from recall_risk.errors import ConfigError
from recall_risk.events import is_event_path
from recall_risk.lots import MAX_LOT
from recall_risk.validation import MAX_MONEY, StrictModel, format_validation_error, not_utf8
from recall_risk.yamlio import YamlSyntaxError, parse_yaml

__all__ = [
    "BrokerConfig",
    "DataConfig",
    "ReportConfig",
    "RunConfig",
    "StrategyConfig",
    "check_references",
    "config_from_mapping",
    "format_validation_error",
    "load_config",
]

MAX_NAME_LENGTH = 100
"""Longest run or strategy name: it becomes a folder name (most file systems stop at 255 bytes,
and the sweep and walk-forward folders add a suffix)."""
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_EVENTS_EXPECTED = (
    "expected a bundled event set name (such as xiaomi_su7), a path to a .yaml/.csv file, "
    "a list of them, or a mapping {TICKER: set}"
)


def _check_name(value: Any) -> Any:
    """Run and strategy names become folder and column names: keep them plain."""
    if isinstance(value, str) and len(value) > MAX_NAME_LENGTH:
        raise ValueError(
            f"expected a name of at most {MAX_NAME_LENGTH} characters (it is used in file and "
            f"column names), got {len(value):,} characters"
        )
    if isinstance(value, str) and not _NAME_RE.fullmatch(value):
        raise ValueError(
            "expected a name of letters, digits, '_', '.' or '-' that starts with a letter or "
            "digit (it is used in file and column names)"
        )
    return value


def _none_is_empty(value: Any) -> Any:
    """``params:`` or ``score:`` with nothing after it is YAML null: read it as ``{}``."""
    return {} if value is None else value


class DataConfig(StrictModel):
    """Which prices to use."""

    tickers: list[str] = Field(min_length=1)
    benchmark: str | None = None
    start: date
    end: date
    source: Literal["yfinance", "csv"] = "yfinance"
    prices_dir: Path | None = None
    adjusted: bool = Field(default=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _prices_dir_means_csv(cls, value: Any) -> Any:
        # ``prices_dir`` alone names where the prices are: that is a CSV source, not Yahoo with
        # the folder silently ignored.
        if isinstance(value, dict) and value.get("prices_dir") is not None:
            if "source" not in value:
                return {**value, "source": "csv"}
            if value["source"] == "yfinance":
                raise ValueError(
                    "prices_dir is given but source is 'yfinance', which would ignore it; "
                    "set source: csv (or drop prices_dir)"
                )
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        # Only a YAML date or an ISO string: pydantic's lax mode would read 0 as 1970-01-01.
        if isinstance(value, datetime):
            raise ValueError("expected a date YYYY-MM-DD without a time of day")
        parsed = value if isinstance(value, date) else None
        if isinstance(value, str):
            parsed = iso_date(value)
        if parsed is None:
            raise ValueError("expected a date YYYY-MM-DD")
        return parsed

    @field_validator("tickers")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if any(not t.strip() for t in value):
            raise ValueError("tickers must be non-empty strings")
        if len(set(value)) != len(value):
            raise ValueError("tickers must be unique")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DataConfig:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        if self.source == "csv" and self.prices_dir is None:
            raise ValueError("source 'csv' needs prices_dir (a folder of TICKER.csv files)")
        return self


class BrokerConfig(StrictModel):
    """Simulated broker. Strict types: ``cash: "1e5"`` is a mistake, not a number."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False)

    cash: float = Field(default=100_000.0, gt=0, le=MAX_MONEY)
    commission: float = Field(default=0.001, ge=0, lt=0.1)
    slippage: float = Field(default=0.0, ge=0, lt=0.1)
    lot_size: int | dict[str, int] | Literal["board"] = 1

    @field_validator("lot_size")
    @classmethod
    def _lots(cls, value: int | dict[str, int] | str) -> int | dict[str, int] | str:
        # whole lots of 1..1,000,000 shares; "board": the bundled lots (checked per ticker by
        # recall_risk.lots.resolve_lots, which knows the tickers)
        lots = value.values() if isinstance(value, dict) else [] if value == "board" else [value]
        if any(not 1 <= lot <= MAX_LOT for lot in lots):  # type: ignore[operator]
            raise ValueError(
                "expected a whole number of shares from 1 to 1,000,000, a mapping "
                "{TICKER: lot} or 'board' (the bundled board lots)"
            )
        return value


class StrategyConfig(StrictModel):
    """One strategy to run: a display name, the strategy and its parameters."""

    name: str = Field(min_length=1)
    strategy: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)

    _name = field_validator("name", mode="before")(_check_name)
    _params = field_validator("params", mode="before")(_none_is_empty)


class ReportConfig(StrictModel):
    """What to write besides metrics and CSVs. Strict types: ``html: 'yes'`` is refused."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False)

    html: bool = True
    png: bool = True
    risk_free: float = Field(default=0.0, ge=-0.1, le=0.5)
    thresholds: list[float] = Field(default_factory=lambda: [0.25, 0.5, 0.75])
    study: bool = False
    # fewer round trips (a trading strategy) or events in range than these: figures marked
    # with a dagger and never highlighted as best (recall_risk.evidence)
    min_trades: int = Field(default=5, ge=0)
    min_events: int = Field(default=3, ge=0)

    @field_validator("thresholds")
    @classmethod
    def _unit_interval(cls, value: list[float]) -> list[float]:
        if any(not 0.0 <= t <= 1.0 for t in value):
            raise ValueError("thresholds must lie in [0, 1]")
        return sorted(set(value))


class RunConfig(StrictModel):
    """A whole backtest run."""

    name: str = Field(min_length=1)
    description: str | None = None
    data: DataConfig
    events: str | list[str] | dict[str, str] | None = None
    score: dict[str, Any] = Field(default_factory=dict)
    broker: BrokerConfig = Field(default_factory=BrokerConfig)
    strategies: list[StrategyConfig] = Field(min_length=1)
    report: ReportConfig = Field(default_factory=ReportConfig)
    sweep: dict[str, Any] | None = None
    source_path: Path | None = Field(default=None, exclude=True)

    _name = field_validator("name", mode="before")(_check_name)
    _score = field_validator("score", mode="before")(_none_is_empty)

    @field_validator("events", mode="before")
    @classmethod
    def _events_shape(cls, value: Any) -> Any:
        # One message instead of pydantic's one-per-union-branch.
        if value is None or (isinstance(value, str) and value.strip()):
            return value
        if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
            return value
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(k, str) and isinstance(v, str) and v for k, v in value.items())
        ):
            return value
        raise ValueError(_EVENTS_EXPECTED)

    @field_validator("strategies")
    @classmethod
    def _unique_names(cls, value: list[StrategyConfig]) -> list[StrategyConfig]:
        names = [s.name for s in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(
                f"strategy names must be unique (they name columns and files); "
                f"repeated: {', '.join(dupes)}"
            )
        return value


def _resolve(base: Path, value: Path | str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def config_from_mapping(data: Any, *, source: str, base_dir: Path | None = None) -> RunConfig:
    """Validate a parsed YAML mapping; resolve relative paths against ``base_dir``."""
    if not isinstance(data, dict):
        raise ConfigError(
            f"{source}: expected a mapping with name, data, strategies, ...; got {data!r}"
        )
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, exc, RunConfig)) from None
    base = base_dir or Path.cwd()
    updates: dict[str, Any] = {}
    if config.data.prices_dir is not None:
        updates["data"] = config.data.model_copy(
            update={"prices_dir": _resolve(base, config.data.prices_dir)}
        )
    if isinstance(config.events, str) and is_event_path(config.events):
        updates["events"] = str(_resolve(base, config.events))
    elif isinstance(config.events, list):
        updates["events"] = [
            str(_resolve(base, v)) if is_event_path(v) else v for v in config.events
        ]
    elif isinstance(config.events, dict):
        updates["events"] = {
            t: str(_resolve(base, v)) if is_event_path(v) else v for t, v in config.events.items()
        }
        unknown = sorted(set(config.events) - set(config.data.tickers))
        if unknown:
            raise ConfigError(
                f"{source}: field 'events': tickers {', '.join(unknown)} are not in data.tickers "
                f"({', '.join(config.data.tickers)})"
            )
    return config.model_copy(update=updates)


def _parse_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; expected a YAML config file") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(not_utf8(str(path), exc)) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    try:
        data = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if data is None:
        raise ConfigError(
            f"{path}: the file is empty; expected a mapping with name, data, strategies, ..."
        )
    return data


def _with_cli_prices_dir(data: Any, prices_dir: str | Path | None) -> Any:
    """``source: csv`` without ``prices_dir`` takes the command line's folder."""
    section = data.get("data") if isinstance(data, dict) else None
    if prices_dir is None or not isinstance(section, dict):
        return data
    if section.get("source") == "csv" and section.get("prices_dir") is None:
        folder = str(Path(prices_dir).expanduser().resolve())
        return {**data, "data": {**section, "prices_dir": folder}}
    return data


def load_config(
    path: str | Path, *, check: bool = True, prices_dir: str | Path | None = None
) -> RunConfig:
    """Read and validate a YAML run config.

    Args:
        path: The YAML file.
        check: Also resolve what the config refers to (:func:`check_references`).
        prices_dir: The command line's ``--prices-dir``: it satisfies ``source: csv`` without a
            ``prices_dir`` of its own (the run reads that folder in any case).

    Raises:
        ConfigError: naming the file and the field, for any malformed input.
        ScoreParamsError, EventFileError: a bad ``score`` section or event set, likewise named.
    """
    path = Path(path)
    data = _parse_yaml(path)
    data = _with_cli_prices_dir(data, prices_dir)
    config = config_from_mapping(data, source=str(path), base_dir=path.resolve().parent)
    config = config.model_copy(update={"source_path": path.resolve()})
    if check:
        check_references(config, source=str(path))
    return config
