"""Atomic output folders: build a whole report in a temp folder, then swap it in.

A reader (or a crash) sees either the previous complete folder or the new complete one, never a
half-written mix. Everything lives next to the target ``X`` so every move is a rename on one
filesystem:

- ``.X.tmp-*``: a folder being built. A writer that dies leaves it partial.
- ``.X.new-*``: the same folder once complete (renamed so before the swap starts).
- ``.X.old-*/X``: the previous output, moved aside during the swap, deleted after it.
- ``.X.lock``: held with ``fcntl.flock`` by the one writer of ``X`` (and removed by it), so two
  commands writing one ``--out`` never interleave: the second stops at once with a clear error.

A writer killed at any step (even with SIGKILL) leaves only these names. The next command that
writes ``X`` (or checks it as ``--out``) takes the lock, so anything left is a dead writer's, and
:func:`recover_output` finishes or undoes the swap: a missing ``X`` gets the complete new folder
(or else the previous one) back, and every leftover is removed. What it did is logged (logger
``recall_risk``, level WARNING: printed on stderr by the CLI). An existing target is only
replaced when it is empty or carries the marker file of the same kind of output
(``metrics.json`` for a run report): ``--out ~`` must never delete a user's home folder.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from recall_risk.errors import ConfigError

LOG = logging.getLogger("recall_risk")

_TMP, _NEW, _OLD = ".tmp-", ".new-", ".old-"


def _shown(target: Path) -> str:
    text = str(target)
    return text if len(text) <= 200 else text[:197] + "..."


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
    that is a file or not writable, another command writing it now), without creating anything;
    what a killed writer left beside it is recovered first (:func:`recover_output`).

    Raises:
        ConfigError: naming the path and what to do.
    """
    target = Path(target)
    _check_replaceable(target, marker)
    if target.parent.is_dir() and os.access(target.parent, os.W_OK | os.X_OK):
        with output_lock(target):
            recover_output(target)
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

    The writer holds ``target``'s lock throughout, and first recovers what a killed writer left
    (:func:`recover_output`). On any exception inside the block the temp folder is removed and
    ``target`` is untouched.

    Raises:
        ConfigError: an unusable target, or another command writing it now.
    """
    target = Path(target)
    _check_replaceable(target, marker)
    _make_parent(target)
    with output_lock(target):
        recover_output(target)
        _check_replaceable(target, marker)
        tmp = _make_temp_dir(target)
        try:
            tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the report should not be
            yield tmp
            _swap(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def recover_output(target: str | Path) -> list[str]:
    """Finish or undo what writers of ``target`` killed mid-way left beside it.

    Call it only while holding ``target``'s lock (as :func:`atomic_dir` does): every leftover is
    then a dead writer's. A missing ``target`` gets back the newest complete new folder, or else
    the previous folder; partial temp folders and every other leftover are removed.

    Returns:
        One line per action, also logged as a warning (``recall_risk`` logger).
    """
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return []
    prefix = f".{target.name}"
    leftovers = sorted(
        (p for p in parent.iterdir() if p.name.startswith(prefix) and _kind(p.name, prefix)),
        key=lambda p: p.stat().st_mtime,
    )
    notes: list[str] = []
    if not target.exists():
        complete = [p for p in leftovers if _kind(p.name, prefix) == _NEW]
        previous = [p for p in leftovers if _kind(p.name, prefix) == _OLD]
        previous = [p / target.name for p in previous if (p / target.name).is_dir()]
        source = (complete or previous or [None])[-1]
        if source is not None:
            source.replace(target)
            what = "the complete new output" if complete else "the previous output"
            notes.append(f"{_shown(target)}: restored {what} a killed command had moved aside")
    for path in leftovers:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)
            kind = {_TMP: "an unfinished", _NEW: "a superseded", _OLD: "an old"}[
                _kind(path.name, prefix)
            ]
            notes.append(
                f"{_shown(target)}: removed {kind} output folder {path.name} a killed command left"
            )
    for note in notes:
        LOG.warning("note: %s", note)
    return notes


def _kind(name: str, prefix: str) -> str:
    rest = name[len(prefix) :]
    return next((k for k in (_TMP, _NEW, _OLD) if rest.startswith(k)), "")


def _lock_path(target: Path) -> Path:
    return target.parent / f".{target.name}.lock"


@contextmanager
def output_lock(target: Path) -> Iterator[None]:
    """Hold ``target``'s lock file ``.X.lock`` (``fcntl.flock``), removed on release.

    Raises:
        ConfigError: another process holds it (it is writing ``target`` now).
    """
    path = _lock_path(target)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _unwritable(target, exc, f" ({_shown(path)})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                f"{_shown(target)}: another recall-risk command is writing this folder now "
                f"(it holds {path.name}); wait for it to finish or choose another --out"
            ) from None
        held = os.fstat(fd)
        try:
            now = path.stat()
        except FileNotFoundError:
            now = None
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)  # the previous holder removed it as we opened it: take the new one
    try:
        yield
    finally:
        with suppress(OSError):
            path.unlink()
        os.close(fd)


def _make_parent(target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(target, exc, f" ({exc.filename})" if exc.filename else "") from exc


def _make_temp_dir(target: Path) -> Path:
    """Create the temp folder; a place we cannot write is a bad ``--out``."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP}", dir=target.parent))
    except OSError as exc:  # the temp folder's random name would only confuse
        raise _unwritable(target, exc, f" (in {target.parent})") from exc


def _unwritable(target: Path, exc: OSError, where: str) -> ConfigError:
    where = where if len(where) <= 200 else where[:197] + "...)"
    return ConfigError(
        f"{_shown(target)}: cannot create the output folder: {exc.strerror or exc}{where}; "
        "choose a writable --out"
    )


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _swap(tmp: Path, target: Path) -> None:
    """Move the complete ``tmp`` to ``target``; an existing ``target`` is renamed aside first,
    then deleted. Each step leaves names :func:`recover_output` understands."""
    new = tmp.with_name(tmp.name.replace(_TMP, _NEW, 1))
    tmp.replace(new)  # complete: from here a killed swap is finished, not undone
    if not target.exists():
        new.replace(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD}", dir=target.parent))
    target.replace(old / target.name)
    try:
        new.replace(target)
    except BaseException:
        (old / target.name).replace(target)  # put the previous report back
        shutil.rmtree(old, ignore_errors=True)
        shutil.rmtree(new, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
