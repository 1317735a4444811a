"""Atomic output folders: build a whole report in a temp folder, then swap it in.

A reader (or a crash) sees either the previous complete folder or the new complete one, never a
half-written mix. The temp folder lives next to the target so the final ``os.replace`` is a rename
on one filesystem. An existing target is only replaced when it is empty or carries the marker file
of the same kind of output (``metrics.json`` for a run report): ``--out ~`` must never delete a
user's home folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from recall_risk.errors import ConfigError


def _check_replaceable(target: Path, marker: str) -> None:
    try:
        exists = target.exists()
    except OSError as exc:  # a name too long for the file system, a loop of links, ...
        raise _unwritable(target, exc, "") from None
    if not exists:
        return
    if not target.is_dir():
        raise ConfigError(f"{target}: output path exists and is not a folder; choose another --out")
    entries = list(target.iterdir())
    if entries and not (target / marker).is_file():
        raise ConfigError(
            f"{target}: output folder exists, is not empty and holds no {marker} (so it is not a "
            "previous output of this command); choose another --out or empty it"
        )


def check_output_dir(target: str | Path, *, marker: str) -> None:
    """Refuse an unusable ``--out`` before the work starts, not after an hour of backtests.

    The same refusals :func:`atomic_dir` would make (a file, a foreign non-empty folder, a parent
    that is a file or not writable), without creating anything.

    Raises:
        ConfigError: naming the path and what to do.
    """
    target = Path(target)
    _check_replaceable(target, marker)
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise ConfigError(
            f"{target}: cannot create the output folder: {ancestor} is a file; "
            "choose a writable --out"
        )
    if ancestor.is_dir() and not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{target}: cannot create the output folder: {ancestor} is not writable; "
            "choose a writable --out"
        )


@contextmanager
def atomic_dir(target: str | Path, *, marker: str) -> Iterator[Path]:
    """Yield an empty temp folder; on success it replaces ``target`` in one rename.

    Args:
        target: the final folder (created with its parents as needed).
        marker: a file name that identifies a previous output of the same kind; an existing,
            non-empty ``target`` without it is refused with :class:`ConfigError`.

    On any exception inside the block the temp folder is removed and ``target`` is untouched.
    """
    target = Path(target)
    _check_replaceable(target, marker)
    tmp = _make_temp_dir(target)
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the report folder should not be
        yield tmp
        _swap(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _make_temp_dir(target: Path) -> Path:
    """Create the parents and the temp folder; a place we cannot write is a bad ``--out``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(target, exc, f" ({exc.filename})" if exc.filename else "") from exc
    try:
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError as exc:  # the temp folder's random name would only confuse
        raise _unwritable(target, exc, f" (in {target.parent})") from exc


def _unwritable(target: Path, exc: OSError, where: str) -> ConfigError:
    shown = str(target) if len(str(target)) <= 200 else str(target)[:197] + "..."
    where = where if len(where) <= 200 else where[:197] + "...)"
    return ConfigError(
        f"{shown}: cannot create the output folder: {exc.strerror or exc}{where}; "
        "choose a writable --out"
    )


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _swap(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target``; an existing ``target`` is renamed aside, then deleted."""
    if not target.exists():
        tmp.replace(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    target.replace(old / target.name)
    try:
        tmp.replace(target)
    except BaseException:
        (old / target.name).replace(target)  # put the previous report back
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
