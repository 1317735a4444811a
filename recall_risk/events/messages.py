"""What is wrong with an event file, as one message: problems -> lines naming the file, the event
(index and id) and the field, with what was expected and how to fix it. Pydantic's errors for an
event become :class:`~recall_risk.events.checks.Problem` objects through
:func:`recall_risk.validation.field_problems`, worded as for every other validated file.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ValidationError

from recall_risk.events.checks import Problem
from recall_risk.validation import field_problems

MAX_LISTED_PROBLEMS = 10

_FIELD_HINTS = {
    "change": "a relative change as a fraction: -0.55 means a 55% fall",
    "severity": "a hand-set floor between 0 and 1",
}


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
    index: int, event_id: str | None, model: type[BaseModel], exc: ValidationError
) -> list[Problem]:
    """Pydantic's errors for one event as problems of its fields (:func:`field_problems`)."""
    out = []
    for p in field_problems(exc, model, hints=_FIELD_HINTS, exclude=("type",)):
        message = "unknown field" + p.message if p.kind == "unknown" else p.message
        out.append(Problem(index, event_id, p.field or None, message))
    return out
