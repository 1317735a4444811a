"""Event sets shipped with the package, and resolving ``NAME|PATH`` arguments."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from recall_risk.errors import EventFileError
from recall_risk.events.eventset import EventSet
from recall_risk.events.loading import load_csv_event_sets, load_yaml_events
from recall_risk.validation import did_you_mean

_PACKAGE = "recall_risk.data.events"


def bundled_event_sets() -> list[str]:
    """Names of the event sets shipped with the package, sorted."""
    root = resources.files(_PACKAGE)
    return sorted(
        entry.name.rsplit(".", 1)[0]
        for entry in root.iterdir()
        if entry.name.endswith(".yaml") and not entry.name.startswith("_")
    )


def bundled_event_path(name: str) -> Path:
    """Path of a bundled event file."""
    names = bundled_event_sets()
    if name not in names:
        hint = did_you_mean(name, names)
        raise EventFileError(
            f"no bundled event set or file named {name!r}{hint}; "
            f"bundled sets: {', '.join(names)}; or give a path to a .yaml or .csv file"
        )
    return Path(str(resources.files(_PACKAGE).joinpath(f"{name}.yaml")))


def is_event_path(name_or_path: str | Path) -> bool:
    """Whether ``name_or_path`` names a file rather than a bundled set: a ``Path``, or text with a
    folder separator or a file suffix (``SU7.CSV``, ``events.txt``; bundled names have none)."""
    text = str(name_or_path)
    return (
        isinstance(name_or_path, Path) or "/" in text or os.sep in text or bool(Path(text).suffix)
    )


def is_csv_path(name_or_path: str | Path) -> bool:
    """A ``.csv`` file name, in any letter case; anything else is read as YAML."""
    return Path(name_or_path).suffix.lower() == ".csv"


def load_events(name_or_path: str | Path, *, ticker: str | None = None) -> EventSet:
    """Load a bundled event set by name, or an event file (YAML or CSV) by path.

    Args:
        name_or_path: A bundled set name such as ``"xiaomi_su7"``, or a file path.
        ticker: For a CSV holding several tickers, which one to return.

    Raises:
        EventFileError: unknown name, unreadable or malformed file.
    """
    path = Path(name_or_path)
    if not is_event_path(name_or_path):
        return load_yaml_events(
            bundled_event_path(str(name_or_path)), source=f"bundled:{name_or_path}"
        )
    if path.is_dir():
        raise EventFileError(f"{path}: is a folder; expected an event file (.yaml or .csv)")
    if not path.is_file():
        raise EventFileError(f"{path}: no such event file")
    if is_csv_path(path):
        sets = load_csv_event_sets(path)
        if ticker is not None:
            if ticker not in sets:
                raise EventFileError(
                    f"{path}: no events for ticker {ticker!r}; it has {', '.join(sorted(sets))}"
                )
            return sets[ticker]
        if len(sets) != 1:
            raise EventFileError(
                f"{path}: holds events for {len(sets)} tickers ({', '.join(sorted(sets))}); "
                "choose one (--ticker TICKER on the command line, ticker=... in Python, or "
                "load_csv_event_sets() for all)"
            )
        return next(iter(sets.values()))
    return load_yaml_events(path)
