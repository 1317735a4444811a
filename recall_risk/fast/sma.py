"""Simple moving averages equal bit for bit to backtrader's, in time linear in the bars.

backtrader's ``SMA`` (``bt.indicators.basicops.Average``) sets each bar to
``math.fsum(window) / period``: the window's exact sum rounded once to a float, then divided.
Recomputing ``fsum`` over every window costs O(bars × period). Here every finite close is an
integer multiple of a common power of two (a float is ``mantissa × 2**exponent``), so the
closes scaled by ``2**-lowest_exponent`` are integers whose running sums are exact; a window's
exact sum is a difference of two running sums, rounded once to nearest-even as ``fsum`` rounds
it, and ``ldexp`` scales it back exactly (a power of two; prices neither overflow nor underflow).

When the closes span less than a factor of 2**10 (almost any price history) the integers fit in
int64 and everything runs in numpy: each integer is split into a high and a low 32-bit limb whose
running sums cannot overflow; a window's sum ``high × 2**32 + low`` (carry moved so that
``0 <= low < 2**32``) is rounded once by the float addition of two exactly representable terms,
which IEEE arithmetic rounds correctly. Wider ranges use Python's unbounded integers, and a series
with a NaN, an infinity or an extreme magnitude falls back to ``fsum`` per window.
"""

from __future__ import annotations

import math
from itertools import accumulate

import numpy as np


def fsum_sma(close: np.ndarray, period: int) -> np.ndarray:
    """The reference: ``math.fsum`` of each window over ``period`` (NaN before the first)."""
    values = close.tolist()
    out = np.full(len(values), np.nan)
    for i in range(period - 1, len(values)):
        out[i] = math.fsum(values[i - period + 1 : i + 1]) / period
    return out


def exact_sma(close: np.ndarray, period: int) -> np.ndarray:
    """Simple moving average of ``close`` over ``period`` bars, bit-identical to backtrader's.

    Bars before the first full window are NaN.

    Raises:
        ValueError: a period below 1.
    """
    if period < 1:
        raise ValueError(f"period must be >= 1, got {period}")
    values = np.asarray(close, dtype=np.float64)
    n = len(values)
    out = np.full(n, np.nan)
    if n < period:
        return out
    magnitudes = np.abs(values[values != 0])
    if not np.isfinite(values).all() or (
        len(magnitudes) and (magnitudes.min() < 1e-290 or magnitudes.max() > 1e290)
    ):
        return fsum_sma(values, period)
    mantissas, exponents = np.frexp(values)
    # value = mantissa × 2**exponent with 0.5 <= |mantissa| < 1: a 53-bit integer × 2**(e - 53)
    ints = np.ldexp(mantissas, 53).astype(np.int64)
    shifts = exponents.astype(np.int64) - 53
    nonzero = ints != 0
    lowest = int(shifts[nonzero].min()) if nonzero.any() else 0
    shifts = np.where(nonzero, shifts - lowest, 0)
    if int(shifts.max()) <= _INT64_SHIFT:
        sums = _window_sums_int64(ints << shifts, period)
    else:
        sums = _window_sums_python(ints.tolist(), shifts.tolist(), period)
    out[period - 1 :] = np.ldexp(sums, lowest) / period
    return out


_INT64_SHIFT = 9
"""53-bit integers shifted by up to 9 bits stay below 2**62 (signed int64, with room)."""
_LIMB = 32


def _window_sums_int64(scaled: np.ndarray, period: int) -> np.ndarray:
    """Each window's exact sum of int64 ``scaled`` (< 2**62), correctly rounded to float."""
    high, low = scaled >> _LIMB, scaled & ((1 << _LIMB) - 1)
    high_run = np.concatenate(([0], np.cumsum(high)))
    low_run = np.concatenate(([0], np.cumsum(low)))
    high_sum = high_run[period:] - high_run[:-period]
    low_sum = low_run[period:] - low_run[:-period]
    high_sum += low_sum >> _LIMB
    low_sum &= (1 << _LIMB) - 1
    # both terms are exact floats (|high_sum| < 2**53): their sum is rounded once, correctly
    return np.ldexp(high_sum.astype(np.float64), _LIMB) + low_sum.astype(np.float64)


def _window_sums_python(ints: list[int], shifts: list[int], period: int) -> np.ndarray:
    """Each window's exact sum in Python integers, correctly rounded by ``float()``."""
    running = [0, *accumulate(m << s for m, s in zip(ints, shifts, strict=True))]
    return np.array([float(running[i] - running[i - period]) for i in range(period, len(running))])
