"""Run configuration: YAML -> validated, frozen config objects.

A config names the data (tickers, benchmark, dates, source), the events, the score parameters,
the broker, the strategies to compare and the report options. Unknown keys are rejected with a
"did you mean"; every error names the file and the field. Relative paths resolve against the
config file's folder.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from recall_risk.errors import ConfigError

_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Strict):
    """Which prices to use."""

    tickers: list[str] = Field(min_length=1)
    benchmark: str | None = None
    start: date
    end: date
    source: Literal["yfinance", "csv"] = "yfinance"
    prices_dir: Path | None = None
    adjusted: bool = False

    @field_validator("start", "end", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
        return value

    @field_validator("tickers")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if any(not t.strip() for t in value):
            raise ValueError("tickers must be non-empty strings")
        if len(set(value)) != len(value):
            raise ValueError(f"tickers must be unique, got {value}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> DataConfig:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        if self.source == "csv" and self.prices_dir is None:
            raise ValueError("source 'csv' needs prices_dir (a folder of TICKER.csv files)")
        return self


class BrokerConfig(_Strict):
    """Simulated broker."""

    cash: float = Field(default=100_000.0, gt=0)
    commission: float = Field(default=0.001, ge=0, lt=0.1)
    slippage: float = Field(default=0.0, ge=0, lt=0.1)


class StrategyConfig(_Strict):
    """One strategy to run: a display name, the strategy and its parameters."""

    name: str = Field(pattern=_NAME_PATTERN)
    strategy: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class ReportConfig(_Strict):
    """What to write besides metrics and CSVs."""

    html: bool = True
    png: bool = True
    risk_free: float = Field(default=0.0, ge=-0.1, le=0.5)
    thresholds: list[float] = Field(default_factory=lambda: [0.25, 0.5, 0.75])
    study: bool = False

    @field_validator("thresholds")
    @classmethod
    def _unit_interval(cls, value: list[float]) -> list[float]:
        if any(not 0.0 <= t <= 1.0 for t in value):
            raise ValueError(f"thresholds must lie in [0, 1], got {value}")
        return sorted(set(value))


class RunConfig(_Strict):
    """A whole backtest run."""

    name: str = Field(pattern=_NAME_PATTERN)
    description: str | None = None
    data: DataConfig
    events: str | list[str] | dict[str, str] | None = None
    score: dict[str, Any] = Field(default_factory=dict)
    broker: BrokerConfig = Field(default_factory=BrokerConfig)
    strategies: list[StrategyConfig] = Field(min_length=1)
    report: ReportConfig = Field(default_factory=ReportConfig)
    sweep: dict[str, Any] | None = None
    source_path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> RunConfig:
        names = [s.name for s in self.strategies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"strategy names must be unique; repeated: {', '.join(dupes)}")
        return self


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at ``loc`` (the parent of an unknown key)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) else None
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not candidates:
            return []
        current = candidates[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [k for k in current.model_fields if k != "source_path"]
    return []


def format_validation_error(source: str, exc: ValidationError, model: type[BaseModel]) -> str:
    """One line per problem: ``file: field 'a.b[0].c': what is wrong; what is expected``."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc") or ())
        # Union branches add their type names to the location; drop them.
        loc = tuple(
            p for p in loc if not (isinstance(p, str) and ("[" in p or p in {"str", "dict", "list"}))
        )
        field = _loc(loc)
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            allowed = _allowed_keys(model, loc)
            key = str(loc[-1]) if loc else ""
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
            lines.append(f"{source}: unknown field {field!r}{hint}{expected}")
        elif kind == "missing":
            lines.append(f"{source}: field {field!r} is required but missing")
        else:
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            where = f"field {field!r}: " if field else ""
            lines.append(f"{source}: {where}{msg[0].lower()}{msg[1:]} (got {err.get('input')!r})")
    return "\n".join(dict.fromkeys(lines))


def _resolve(base: Path, value: Path | str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _looks_like_path(value: str) -> bool:
    return "/" in value or value.endswith((".yaml", ".yml", ".csv"))


def config_from_mapping(data: Any, *, source: str, base_dir: Path | None = None) -> RunConfig:
    """Validate a parsed YAML mapping; resolve relative paths against ``base_dir``."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping with name, data, strategies, ...; got {data!r}")
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
    if isinstance(config.events, str) and _looks_like_path(config.events):
        updates["events"] = str(_resolve(base, config.events))
    elif isinstance(config.events, list):
        updates["events"] = [str(_resolve(base, v)) if _looks_like_path(v) else v for v in config.events]
    elif isinstance(config.events, dict):
        updates["events"] = {
            t: str(_resolve(base, v)) if _looks_like_path(v) else v for t, v in config.events.items()
        }
        unknown = sorted(set(config.events) - set(config.data.tickers))
        if unknown:
            raise ConfigError(
                f"{source}: field 'events': tickers {', '.join(unknown)} are not in data.tickers "
                f"({', '.join(config.data.tickers)})"
            )
    return config.model_copy(update=updates)


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a YAML run config.

    Raises:
        ConfigError: naming the file and the field, for any malformed input.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}: invalid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    config = config_from_mapping(data, source=str(path), base_dir=path.resolve().parent)
    return config.model_copy(update={"source_path": path.resolve()})
