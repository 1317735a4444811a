"""Run sweep points in this process, in a process pool, or on Dask; always the same table.

Points are grouped by their score parameters (so a batch scores once per group) and cut into
batches of about ``n / (workers × 8)`` points: a task is never one tiny backtest, and there are
enough tasks to keep every worker busy to the end. The config and the data go to each worker once
(a process pool's initializer; a Dask ``scatter`` with ``broadcast=True``), then only batches of
points travel. Rows are put back in point order before the table is built, so the table does not
depend on the executor, the number of workers or the order in which batches finish.

Dask (``dask.distributed``) is an optional extra: without it, ``--scheduler local`` falls back to
a process pool and says so in :attr:`SweepRun.notes`.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from recall_risk.config import RunConfig
from recall_risk.errors import ConfigError, DataUnavailableError
from recall_risk.sweep.columns import BatchColumns, assemble
from recall_risk.sweep.data import SweepData
from recall_risk.sweep.evaluate import Engine, Evaluator
from recall_risk.sweep.spec import SCORE_PREFIX
from recall_risk.sweep.table import point_keys_of

Progress = Callable[[int, int], None]
"""``progress(points done, points total)``."""

CONNECT_TIMEOUT_S = 5
TASKS_PER_WORKER = 8


HANDSHAKE_GRACE_S = 5  # after the TCP connect, for the scheduler's reply to the client


class ClusterUnavailableError(DataUnavailableError):
    """A Dask scheduler address cannot be reached (exit code 1, like an unreachable source)."""


_PROTOCOLS = ("tcp", "tls", "ucx", "ws", "wss")  # dask's network comms (not inproc://)


def check_scheduler(scheduler: str) -> str:
    """``scheduler`` if it is ``serial``, ``processes``, ``local`` or a Dask scheduler address
    ``PROTOCOL://HOST:PORT`` (``tcp``, ``tls``, ``ucx``, ``ws`` or ``wss``; port 1..65535).

    Raises:
        ConfigError: anything else, ``tcp://`` without a host or port included.
    """
    if scheduler in ("serial", "processes", "local"):
        return scheduler
    expected = (
        "expected serial, processes, local or a Dask scheduler address like "
        f"tcp://HOST:8786, got {scheduler!r}"
    )
    parts = urlsplit(scheduler)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme not in _PROTOCOLS or not parts.hostname or not port:
        raise ConfigError(f"--scheduler: {expected}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"--scheduler: {expected}")
    return scheduler


@dataclass(frozen=True)
class SweepRun:
    """The table of a sweep and how it was computed.

    Attributes:
        table: one row per point, in point order (see :func:`evaluate_points`).
        executor: what ran it, e.g. ``"serial"``, ``"processes (2 workers)"``, ``"dask ..."``.
        notes: things the user should know (a fallback, for example).
    """

    table: pd.DataFrame
    executor: str
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    """What every batch shares (shipped once per worker)."""

    config: RunConfig
    data: SweepData
    engine: Engine
    start: date | None
    end: date | None
    strategy: str | None
    _cache: dict[str, Evaluator] = field(default_factory=dict, compare=False, repr=False)

    def evaluator(self) -> Evaluator:
        """One evaluator per job and process, so a worker scores each score setting and aligns
        the benchmark once for all its batches, not once per batch."""
        if "evaluator" not in self._cache:
            self._cache["evaluator"] = Evaluator(
                self.config,
                self.data,
                engine=self.engine,
                start=self.start,
                end=self.end,
                strategy=self.strategy,
            )
        return self._cache["evaluator"]


def _score_key(point: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in sorted(point.items()) if k.startswith(SCORE_PREFIX)})


def _score_keys(points: Sequence[Mapping[str, Any]]) -> list[str]:
    """:func:`_score_key` of each point, the JSON text made once per distinct score setting."""
    texts: dict[Any, str] = {}
    keys = []
    for point in points:
        items = tuple(
            sorted((k, type(v), v) for k, v in point.items() if k.startswith(SCORE_PREFIX))
        )
        try:
            text = texts.get(items)
        except TypeError:  # an unhashable value: no shortcut
            keys.append(_score_key(point))
            continue
        if text is None:
            text = texts[items] = _score_key(point)
        keys.append(text)
    return keys


def make_batches(points: Sequence[Mapping[str, Any]], workers: int) -> list[list[int]]:
    """Point indices in batches: grouped by score parameters, about ``n / (workers × 8)`` each."""
    n = len(points)
    if n == 0:
        return []
    size = max(1, math.ceil(n / (max(1, workers) * TASKS_PER_WORKER)))
    keys = _score_keys(points)
    order = sorted(range(n), key=keys.__getitem__)  # stable: point order within a setting
    return [order[i : i + size] for i in range(0, n, size)]


_BATCH_LOCK = threading.Lock()
"""One batch at a time per process. A ``dask worker`` runs several threads by default, all on
the one scattered job: its evaluator's caches and backtrader are not made for threads, and the
GIL would give them no speed anyway (processes are the unit of parallelism here)."""


def _evaluate_batch(job: _Job, points: list[dict[str, Any]]) -> BatchColumns:
    with _BATCH_LOCK:
        evaluator = job.evaluator()
        return evaluator.columns(points)


_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB  # a process pool worker's one shared input
    _WORKER_JOB = job


def _pool_batch(points: list[dict[str, Any]]) -> BatchColumns:
    if _WORKER_JOB is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("worker started without its job")
    return _evaluate_batch(_WORKER_JOB, points)


def run_points(
    config: RunConfig,
    data: SweepData,
    points: Sequence[Mapping[str, Any]],
    *,
    engine: Engine = "fast",
    scheduler: str | None = None,
    workers: int = 1,
    start: date | None = None,
    end: date | None = None,
    strategy: str | None = None,
    progress: Progress | None = None,
    force_scheduler: bool = False,
) -> SweepRun:
    """Evaluate ``points`` with the chosen executor.

    Args:
        scheduler: None or ``"serial"`` (this process), ``"processes"`` (a process pool of
            ``workers``), ``"local"`` (a Dask LocalCluster of ``workers`` processes) or a Dask
            scheduler address such as ``tcp://127.0.0.1:8786``.
        workers: processes for ``"processes"`` and ``"local"``.
        progress: called with (points done, points total) as batches finish.
        force_scheduler: use ``"processes"`` or ``"local"`` even for a sweep so small that
            starting and feeding workers costs more than it saves (by default such a sweep runs
            in this process and :attr:`SweepRun.notes` says so; see :func:`estimated_seconds`).
            A scheduler address always distributes: naming a running cluster is insisting.

    Raises:
        ConfigError: bad workers or scheduler; errors of :func:`evaluate_points`.
        ClusterUnavailableError: a scheduler address that cannot be reached within 5 s.
    """
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    job = _Job(config, data, engine, start, end, strategy)
    plain = [dict(p) for p in points]
    report = progress or (lambda _done, _total: None)
    notes: list[str] = []
    kind = scheduler or "serial"
    if kind != "serial":
        check_scheduler(kind)
        if kind not in ("processes", "local") and not _has_dask():
            raise ConfigError(f"--scheduler {kind} needs Dask: pip install 'recall-risk[dask]'")
        if not force_scheduler and kind in ("processes", "local"):
            seconds = estimated_seconds(job, plain)
            if seconds < MIN_DISTRIBUTED_S:
                notes.append(
                    f"{len(plain):,} points (about {seconds:.2g} s of work) ran in this process, "
                    f"not on {kind}: below {MIN_DISTRIBUTED_S:g} s, starting and feeding workers "
                    "costs more than it saves (--force-scheduler to distribute anyway)"
                )
                kind = "serial"
    if kind == "serial":
        batches, results = _run_serial(job, plain, report)
        executor = "serial"
    elif kind == "processes":
        batches, results = _run_pool(job, plain, workers, report)
        executor = f"processes ({workers} workers)"
    else:
        if not _has_dask():  # "local": an address without Dask was refused above
            notes.append(
                "dask.distributed is not installed (pip install 'recall-risk[dask]'): "
                f"ran on a local process pool of {workers} workers instead"
            )
            batches, results = _run_pool(job, plain, workers, report)
            executor = f"processes ({workers} workers)"
        else:
            batches, results, executor = _run_dask(job, plain, kind, workers, report)
    table = assemble(plain, point_keys_of(plain), batches, results)
    return SweepRun(table=table, executor=executor, notes=notes)


def _has_dask() -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


MIN_DISTRIBUTED_S = 2.0
"""Estimated in-process seconds below which a sweep runs in process unless forced: a Dask
LocalCluster takes about 1 s to start and each worker 1-3 s to import the project, score and
receive its data, about what 20,000 fast-engine points on 500 bars cost in process."""
FAST_S_PER_POINT = 5e-5
FAST_S_PER_BAR = 1e-7
BACKTRADER_S_PER_BAR = 7e-5


def estimated_seconds(job: _Job, points: Sequence[Mapping[str, Any]]) -> float:
    """A rough in-process time for ``points``, from measured rates (bench/sweep_speed.py): a
    fast-engine point about 50 µs plus 0.1 µs a bar (curves and metrics), a backtrader one
    about 70 µs a bar per ticker."""
    evaluator = job.evaluator()
    bars = sum(len(frame) for frame in job.data.prices.values())
    fast = sum(1 for point in points if evaluator.runs_fast(point))
    other = len(points) - fast
    return fast * (FAST_S_PER_POINT + FAST_S_PER_BAR * bars) + other * BACKTRADER_S_PER_BAR * bars


_Batches = tuple[list[list[int]], dict[int, BatchColumns]]


def _run_serial(job: _Job, points: list[dict[str, Any]], report: Progress) -> _Batches:
    batches = make_batches(points, 1)
    results: dict[int, BatchColumns] = {}
    done = 0
    report(0, len(points))
    for b, indices in enumerate(batches):
        results[b] = _evaluate_batch(job, [points[i] for i in indices])
        done += len(indices)
        report(done, len(points))
    return batches, results


def _run_pool(job: _Job, points: list[dict[str, Any]], workers: int, report: Progress) -> _Batches:
    batches = make_batches(points, workers)
    results: dict[int, BatchColumns] = {}
    done = 0
    report(0, len(points))
    # spawn, not fork: the parent may run threads (a progress display, Dask) that fork would copy
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(job,)
    ) as pool:
        futures = {
            pool.submit(_pool_batch, [points[i] for i in indices]): b
            for b, indices in enumerate(batches)
        }
        for future in as_completed(futures):
            b = futures[future]
            results[b] = future.result()
            done += len(batches[b])
            report(done, len(points))
    return batches, results


def _dask_client(scheduler: str, workers: int) -> tuple[Any, Any, str]:
    """A connected client (and the LocalCluster it owns, if any)."""
    from distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            # None would still bind the scheduler's HTTP server to 8787 and warn when it is taken
            # (another cluster, a parallel test); a free loopback port never collides
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        return Client(cluster), cluster, f"dask LocalCluster ({workers} workers)"
    client = _connect(Client, scheduler)
    n = len(client.scheduler_info().get("workers", {}))
    return client, None, f"dask {scheduler} ({n} workers)"


def _connect(client_class: Any, scheduler: str) -> Any:
    """``Client(scheduler)`` within a hard deadline.

    The client's ``timeout`` bounds the TCP connect only: a listener that accepts and never
    answers as a scheduler (a wrong port, another service) would hang it for good. The client is
    built in a daemon thread that is abandoned at the deadline.
    """
    deadline = CONNECT_TIMEOUT_S + HANDSHAKE_GRACE_S
    box: dict[str, Any] = {}
    lock, gave_up = threading.Lock(), threading.Event()

    def connect() -> None:
        try:
            client = client_class(scheduler, timeout=CONNECT_TIMEOUT_S)
        except BaseException as exc:  # reported below, whatever it is
            box["error"] = exc
            return
        with lock:
            if not gave_up.is_set():
                box["client"] = client
                return
        client.close()  # answered after the deadline: nobody will use it

    thread = threading.Thread(target=connect, name="recall-risk-dask-connect", daemon=True)
    thread.start()
    thread.join(deadline)
    with lock:
        gave_up.set()
    hint = "is `dask scheduler` running there? Or use --scheduler local"
    if "client" in box:
        return box["client"]
    if thread.is_alive():
        raise ClusterUnavailableError(
            f"no Dask scheduler answered at {scheduler} within {deadline} s "
            f"(something accepted the connection but did not reply); {hint}"
        )
    exc = box.get("error")
    raise ClusterUnavailableError(
        f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT_S} s "
        f"({type(exc).__name__}: {exc}); {hint}"
    )


def _run_dask(
    job: _Job, points: list[dict[str, Any]], scheduler: str, workers: int, report: Progress
) -> tuple[list[list[int]], dict[int, BatchColumns], str]:
    from distributed import as_completed as dask_completed

    client, cluster, executor = _dask_client(scheduler, workers)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        batches = make_batches(points, n_workers)
        shared = client.scatter(job, broadcast=True)
        futures = {
            client.submit(_evaluate_batch, shared, [points[i] for i in indices], pure=False): b
            for b, indices in enumerate(batches)
        }
        results: dict[int, BatchColumns] = {}
        done = 0
        report(0, len(points))
        for future in dask_completed(list(futures)):
            b = futures[future]
            results[b] = future.result()
            done += len(batches[b])
            report(done, len(points))
        return batches, results, executor
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
