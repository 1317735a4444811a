"""Timing shared by the bench scripts (run as ``python bench/NAME.py``: this folder is first on
``sys.path``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def cpu_timed(fn: Callable[[], T], repeat: int) -> tuple[float, float, T]:
    """Best CPU time of this process and best wall time over ``repeat`` calls, and the last
    result. In-process engines run on one thread: on a shared machine CPU time is the fair clock
    (wall time is printed beside it)."""
    best_cpu, best_wall = float("inf"), float("inf")
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        result = fn()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall, result
