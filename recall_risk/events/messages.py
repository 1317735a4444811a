"""What is wrong with an event file, as one message: problems -> lines naming the file, the event
(index and id) and the field, with what was expected and how to fix it. Pydantic's errors for an
event are turned into :class:`~recall_risk.events.checks.Problem` objects here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from recall_risk.events.checks import Problem

MAX_LISTED_PROBLEMS = 10


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where(problem: Problem) -> str:
    parts = []
    if problem.index is not None:
        parts.append(
            f"event #{problem.index}" + (f" ({problem.event_id!r})" if problem.event_id else "")
        )
    if problem.field:
        parts.append(f"field {problem.field!r}")
    return ", ".join(parts)


def format_problems(source: str, problems: Sequence[Problem]) -> str:
    """One message for all problems of a file, one line each."""
    lines = []
    for problem in problems[:MAX_LISTED_PROBLEMS]:
        where = _where(problem)
        lines.append(
            f"{source}: {where}: {problem.message}" if where else f"{source}: {problem.message}"
        )
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(f"{source}: ... and {len(problems) - MAX_LISTED_PROBLEMS} more problems")
    return "\n".join(lines)


def pydantic_problems(
    index: int, event_id: str | None, model: type, exc: ValidationError
) -> list[Problem]:
    allowed = sorted(name for name in model.model_fields if name != "type")
    by_field: dict[str | None, list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        loc = err.get("loc") or ()
        by_field.setdefault(str(loc[0]) if loc else None, []).append(dict(err))
    out = []
    for field, errs in by_field.items():
        kind = errs[0].get("type", "")
        if kind == "extra_forbidden":
            message = (
                f"unknown field{did_you_mean(field or '', allowed)}; "
                f"{model.__name__.lower()} events take: {', '.join(allowed)}"
            )
        elif kind == "missing":
            message = "is required but missing"
        else:
            message = _value_message(field, errs)
        out.append(Problem(index, event_id, field, message))
    return out


_FIELD_HINTS = {
    "change": "a relative change as a fraction: -0.55 means a 55% fall",
    "severity": "a hand-set floor between 0 and 1",
}


def _value_message(field: str | None, errs: Sequence[Mapping[str, Any]]) -> str:
    """What is wrong with one field's value, what was expected, and how to fix it."""
    value = errs[0].get("input")
    kinds = {str(err.get("type", "")) for err in errs}
    if any(kind.startswith("date") for kind in kinds):
        if isinstance(value, datetime):
            return (
                f"expected a calendar date YYYY-MM-DD, got a date and time {value.isoformat(' ')}; "
                "drop the time (dates are the exchange's local calendar days)"
            )
        return f"expected a real calendar date written YYYY-MM-DD; got {describe(value)}"
    # A union field fails once per alternative: say every alternative in one line.
    details: list[str] = []
    for err in errs:
        detail = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        detail = detail[0].lower() + detail[1:]
        if detail not in details:
            details.append(detail)
    message = " or ".join(details)
    if describe(value) not in message:
        message += f"; got {describe(value)}"
    return message + _value_hint(field, kinds, value, errs)


_NUMBER_KINDS = frozenset({"int_type", "float_type", "int_parsing", "float_parsing"})
_NUMBER_TEXT = re.compile(r"^[\s\d.,_+-]+$")


def _value_hint(
    field: str | None, kinds: set[str], value: Any, errs: Sequence[Mapping[str, Any]]
) -> str:
    """How to fix a bad value, when there is something more useful to say than pydantic's text."""
    if isinstance(value, str) and kinds & _NUMBER_KINDS:
        if _NUMBER_TEXT.match(value):
            return "; write a plain number, without quotes or thousands separators"
        choices = _literal_choices(errs)
        if choices:
            return did_you_mean(value, choices)
        return "; write a plain number"
    if "int_type" in kinds and isinstance(value, float):
        return "; write a whole number"
    if isinstance(value, str) and "bool_type" in kinds:
        return "; write true or false, without quotes"
    if isinstance(value, str) and "literal_error" in kinds:
        return did_you_mean(value.lower(), _literal_choices(errs))
    if field in _FIELD_HINTS:
        return f" ({_FIELD_HINTS[field]})"
    return ""


def _literal_choices(errs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The allowed words of a ``Literal`` field, from pydantic's ``literal_error`` context."""
    for err in errs:
        if err.get("type") == "literal_error":
            return re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
    return []


def not_utf8(name: str, exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start : exc.start + 1].hex()
    return (
        f"{name}: not UTF-8 text (byte 0x{byte} at offset {exc.start}); "
        "save the file with UTF-8 encoding"
    )
