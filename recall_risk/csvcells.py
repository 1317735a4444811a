"""CSV cells a spreadsheet will not run: the one rule every CSV the project writes follows.

A spreadsheet opening a CSV treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in
some, a tab or carriage return) as a formula: an event's ``source`` of
``=HYPERLINK("http://...", "click")`` would become a live link. Following OWASP's "CSV injection"
advice, :func:`safe_cell` puts a single quote before such a *text* cell (``'=HYPERLINK(...)``),
which spreadsheets show as text. Numbers are never changed: a cell that reads as a number
(``-0.55``, ``-1e-05``, ``-inf``) is written as is, and numeric columns are not touched at all.

Reading our own event CSVs back, :func:`restore_cell` removes that one quote again, so
``events show --format csv`` and ``events import`` round-trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["TRIGGERS", "restore_cell", "safe_cell", "safe_frame", "safe_row"]

TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: Any) -> Any:
    """``value`` with a ``'`` put before it when it is text a spreadsheet would run; anything
    else (numbers, dates, None, text that reads as a number) unchanged."""
    if isinstance(value, str) and value.startswith(TRIGGERS) and not _is_number(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` of every cell of a row (for ``csv.writer``)."""
    return [safe_cell(value) for value in row]


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, text index values and column names pass
    :func:`safe_cell`; numeric and date columns are the same objects, values unchanged."""
    out = frame.copy(deep=False)
    for position, dtype in enumerate(out.dtypes):
        if _text(dtype):
            column = out.iloc[:, position]
            values = list(column)
            cells = [safe_cell(v) for v in values]
            if any(c is not v for c, v in zip(cells, values, strict=True)):
                # only a column with something to quote is rebuilt, keeping its dtype (an object
                # column of ints and floats must not become floats: 6125 stays 6125)
                out.isetitem(position, pd.Series(cells, index=column.index, dtype=dtype))
    if _text(out.index.dtype) and not isinstance(out.index, pd.MultiIndex):
        out.index = out.index.map(safe_cell)
    if _text(out.columns.dtype) and not isinstance(out.columns, pd.MultiIndex):
        out.columns = out.columns.map(safe_cell)
    return out


def _text(dtype: Any) -> bool:
    """Whether a column of ``dtype`` may hold text (object or string; never numbers or dates)."""
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def restore_cell(text: str) -> str:
    """Undo :func:`safe_cell` on a cell read back from one of our CSVs."""
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(TRIGGERS):
        return text[1:]
    return text
