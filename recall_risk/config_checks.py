"""What a run config names outside itself: score parameters, strategy classes and their params,
event sets. Checked before any price is read, so that a typo fails at once, naming the config file
and the field path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from recall_risk.errors import ConfigError, EventFileError, RecallRiskError
from recall_risk.events import is_csv_path
from recall_risk.scoring import ScoreParams

if TYPE_CHECKING:
    from recall_risk.config import RunConfig


def _prefixed(error: RecallRiskError, source: str, field: str) -> str:
    """``source: field 'F': <message>`` keeping the original message (minus a ``source:``)."""
    message = str(error).removeprefix(f"{source}: ")
    return f"{source}: field {field!r}: {message}"


def _check_score(config: RunConfig, source: str) -> None:
    ScoreParams.from_mapping(config.score, source=source, prefix="score.")


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
