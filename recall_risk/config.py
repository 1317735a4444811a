"""Run configuration: YAML -> validated, frozen config objects.

A config names the data (tickers, benchmark, dates, source), the events, the score parameters,
the broker, the strategies to compare and the report options. Unknown keys are rejected with a
"did you mean"; every error names the file and the field path (``strategies[1].params.x``).
Relative paths resolve against the config file's folder. :func:`load_config` also checks what the
config refers to (:func:`check_references`: score parameters, strategy classes loaded with
importlib and their params, event sets), so a typo fails before any price is read. The ``sweep``
section stays a free-form mapping: ``recall_risk.sweep`` validates it.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from recall_risk.errors import ConfigError, EventFileError, RecallRiskError, ScoreParamsError
from recall_risk.events import is_csv_path, is_event_path
from recall_risk.lots import MAX_LOT
from recall_risk.scoring import ScoreParams
from recall_risk.yamlio import YamlSyntaxError, parse_yaml

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_EVENTS_EXPECTED = (
    "expected a bundled event set name (such as xiaomi_su7), a path to a .yaml/.csv file, "
    "a list of them, or a mapping {TICKER: set}"
)


def _check_name(value: Any) -> Any:
    """Run and strategy names become folder and column names: keep them plain."""
    if isinstance(value, str) and not _NAME_RE.fullmatch(value):
        raise ValueError(
            "expected a name of letters, digits, '_', '.' or '-' that starts with a letter or "
            "digit (it is used in file and column names)"
        )
    return value


def _none_is_empty(value: Any) -> Any:
    """``params:`` or ``score:`` with nothing after it is YAML null: read it as ``{}``."""
    return {} if value is None else value


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
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError("expected a date YYYY-MM-DD")

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


class BrokerConfig(_Strict):
    """Simulated broker. Strict types: ``cash: "1e5"`` is a mistake, not a number."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    cash: float = Field(default=100_000.0, gt=0)
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


class StrategyConfig(_Strict):
    """One strategy to run: a display name, the strategy and its parameters."""

    name: str = Field(min_length=1)
    strategy: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)

    _name = field_validator("name", mode="before")(_check_name)
    _params = field_validator("params", mode="before")(_none_is_empty)


class ReportConfig(_Strict):
    """What to write besides metrics and CSVs. Strict types: ``html: 'yes'`` is refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    html: bool = True
    png: bool = True
    risk_free: float = Field(default=0.0, ge=-0.1, le=0.5)
    thresholds: list[float] = Field(default_factory=lambda: [0.25, 0.5, 0.75])
    study: bool = False

    @field_validator("thresholds")
    @classmethod
    def _unit_interval(cls, value: list[float]) -> list[float]:
        if any(not 0.0 <= t <= 1.0 for t in value):
            raise ValueError("thresholds must lie in [0, 1]")
        return sorted(set(value))


class RunConfig(_Strict):
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


def _got(value: Any) -> str:
    """`` (got VALUE)`` for a scalar or a short list; nothing for a whole section."""
    if isinstance(value, dict | BaseModel):
        return ""
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else repr(value)
    return f" (got {text if len(text) <= 60 else text[:57] + '...'})"


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
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [
            a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
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
            p
            for p in loc
            if not (isinstance(p, str) and ("[" in p or p in {"str", "dict", "list"}))
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
            lines.append(f"{source}: {where}{msg[0].lower()}{msg[1:]}{_got(err.get('input'))}")
    return "\n".join(dict.fromkeys(lines))


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
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "save the file with UTF-8 encoding"
        ) from None
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


def _prefixed(error: RecallRiskError, source: str, field: str) -> str:
    """``source: field 'F': <message>`` keeping the original message (minus a ``source:``)."""
    message = str(error).removeprefix(f"{source}: ")
    return f"{source}: field {field!r}: {message}"


def _check_score(config: RunConfig, source: str) -> None:
    try:
        ScoreParams.from_mapping(config.score, source=source)
    except ScoreParamsError as exc:
        # ScoreParams names fields relative to the section: make them config paths.
        lines = [
            line.replace(f"{source}: field '", f"{source}: field 'score.", 1)
            if line.startswith(f"{source}: field '")
            else line.replace(f"{source}: ", f"{source}: field 'score': ", 1)
            for line in str(exc).splitlines()
        ]
        raise ScoreParamsError("\n".join(lines)) from None


def _check_strategies(config: RunConfig, source: str, base_dir: Path | None) -> None:
    from recall_risk.bt.registry import check_params, resolve_strategy

    for i, s in enumerate(config.strategies):
        cls = resolve_strategy(
            s.strategy, where=f"{source}: field 'strategies[{i}].strategy'", base_dir=base_dir
        )
        check_params(cls, s.params, where=f"{source}: strategies[{i}].params")


def _check_events(config: RunConfig, source: str) -> None:
    from recall_risk.events import EventSet, load_events, merge_event_sets

    refs: list[tuple[str, str, str | None]]  # (field, reference, ticker it is mapped to)
    if config.events is None:
        return
    if isinstance(config.events, str):
        refs = [("events", config.events, None)]
    elif isinstance(config.events, list):
        refs = [(f"events[{i}]", ref, None) for i, ref in enumerate(config.events)]
    else:
        refs = [(f"events.{t}", ref, t) for t, ref in config.events.items()]
    tickers = config.data.tickers
    by_ticker: dict[str, list[EventSet]] = {}
    for field, ref, ticker in refs:
        try:
            if ticker is None:
                _check_single_ticker_csv(ref, source, field, tickers)
            event_set = load_events(ref, ticker=ticker if is_csv_path(ref) else None)
        except EventFileError as exc:
            raise EventFileError(_prefixed(exc, source, field)) from None
        if ticker is None and event_set.ticker not in tickers:
            raise ConfigError(
                f"{source}: field {field!r}: set {ref!r} is for ticker {event_set.ticker}, which "
                f"is not in data.tickers ({', '.join(tickers)}); map it explicitly with "
                f"events: {{TICKER: {ref}}}"
            )
        by_ticker.setdefault(ticker or event_set.ticker, []).append(event_set)
    for sets in by_ticker.values():
        merge_event_sets(sets, where=f"{source}: field 'events'")  # duplicate ids across sets


def _check_single_ticker_csv(ref: str, source: str, field: str, tickers: list[str]) -> None:
    """A CSV of several companies named without a ticker: say how to map it in the config (the
    loader's own message speaks of ``--ticker`` and ``ticker=...``, which a config has not)."""
    from recall_risk.events import load_csv_event_sets

    if not is_csv_path(ref) or not Path(ref).is_file():
        return
    sets = load_csv_event_sets(Path(ref))
    if len(sets) > 1:
        ours = [t for t in sorted(sets) if t in tickers] or [tickers[0]]
        mapping = ", ".join(f"{t}: {ref}" for t in ours)
        raise ConfigError(
            f"{source}: field {field!r}: {ref} holds events for {len(sets)} tickers "
            f"({', '.join(sorted(sets))}); map the ones to use, e.g. events: {{{mapping}}}"
        )


def check_references(config: RunConfig, *, source: str | None = None) -> None:
    """Check what the config names outside itself: score parameters, strategy classes and their
    params, event sets. Catching these before any price is read keeps a typo from costing a
    download or leaving a half-written report.

    Raises:
        ScoreParamsError, ConfigError, EventFileError: naming the file and the field path.
    """
    where = source or str(config.source_path or "config")
    base_dir = config.source_path.parent if config.source_path else None
    _check_score(config, where)
    _check_strategies(config, where, base_dir)
    _check_events(config, where)


def load_config(path: str | Path, *, check: bool = True) -> RunConfig:
    """Read and validate a YAML run config.

    Args:
        path: The YAML file.
        check: Also resolve what the config refers to (:func:`check_references`).

    Raises:
        ConfigError: naming the file and the field, for any malformed input.
        ScoreParamsError, EventFileError: a bad ``score`` section or event set, likewise named.
    """
    path = Path(path)
    data = _parse_yaml(path)
    config = config_from_mapping(data, source=str(path), base_dir=path.resolve().parent)
    config = config.model_copy(update={"source_path": path.resolve()})
    if check:
        check_references(config, source=str(path))
    return config
