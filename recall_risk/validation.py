"""Messages for bad input, in one place: "did you mean", values shown in messages, the strict
pydantic base model, and pydantic validation errors turned into plain problems.

Every validated file (run config, its ``sweep`` section, score parameters, event files) reports
pydantic's errors through :func:`field_problems`, so the same mistake reads the same everywhere:

- an unknown key: ``unknown field 'a.b' (did you mean 'c'?); expected one of: c, d``;
- a missing key: ``field 'a.b' is required but missing``;
- a bad value: ``field 'a.b': what is wrong; got VALUE`` plus, where it helps, how to fix it
  (write a plain number, true or false, a date YYYY-MM-DD...).

:func:`format_validation_error` renders them one line each, ``SOURCE: <problem>``; event files
place each problem under its event instead (:mod:`recall_risk.events.messages`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

MAX_COUNT = 10**12
"""Largest whole count an input may hold (units, sales, vehicles, people, bars): well inside the
integers a float64 holds exactly (2**53), so every engine computes with it exactly."""

MAX_MAGNITUDE = 1e9
"""Largest size of a measured figure (ranking points, a score scale, a half-life in days)."""

MAX_MONEY = 1e12
"""Largest amount of money an input may hold (starting cash, a fine, a revenue): with prices and
share counts it keeps cents exact in float64."""


class StrictModel(BaseModel):
    """Base of every validated input model: unknown keys are refused, instances are frozen.

    Subclasses add to this configuration (``model_config = ConfigDict(strict=True)``); pydantic
    merges it with this one.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def close_matches(word: str, choices: Sequence[str], n: int = 1) -> list[str]:
    """Up to ``n`` of ``choices`` that look like ``word`` (difflib, cutoff 0.6), closest first."""
    return difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or ``""`` when none is close."""
    close = close_matches(word, choices)
    return f" (did you mean {close[0]!r}?)" if close else ""


def describe(value: Any, limit: int = 60) -> str:
    """``repr(value)`` shortened to ``limit`` characters (datetimes as ``YYYY-MM-DD HH:MM:SS``)."""
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def control_character(text: str) -> str:
    """``""``, or a phrase naming the first control character (newline, tab, ...) in ``text``:
    names and ids are one line (they become table rows, CSV cells, file and column names)."""
    found = _CONTROL.search(text)
    if found is None:
        return ""
    return f"contains a control character {found.group()!r} at position {found.start()}"


def not_utf8(source: str, exc: UnicodeDecodeError) -> str:
    """``source: not UTF-8 text (byte 0x96 at offset 12); save the file with UTF-8 encoding``."""
    byte = exc.object[exc.start : exc.start + 1].hex()
    return (
        f"{source}: not UTF-8 text (byte 0x{byte} at offset {exc.start}); "
        "save the file with UTF-8 encoding"
    )


ProblemKind = Literal["unknown", "missing", "value"]


@dataclass(frozen=True)
class FieldProblem:
    """One problem of a validated mapping.

    Attributes:
        field: dotted path of the field (``strategies[1].params``); ``""`` for the whole mapping.
        kind: ``unknown`` key, ``missing`` key or bad ``value``.
        message: what is wrong and what is expected, without the field's name.
    """

    field: str
    kind: ProblemKind
    message: str

    @property
    def text(self) -> str:
        """The problem as one phrase naming its field."""
        if self.kind == "unknown":
            return f"unknown field {self.field!r}{self.message}"
        if self.kind == "missing":
            return f"field {self.field!r} {self.message}"
        return f"field {self.field!r}: {self.message}" if self.field else self.message


def format_validation_error(
    source: str, exc: ValidationError, model: type[BaseModel], *, prefix: str = ""
) -> str:
    """One line per problem: ``source: field 'a.b[0].c': what is wrong; what is expected``.

    Args:
        source: the file (or other origin) the data came from.
        exc: pydantic's error for ``model``.
        model: the model that was validated (to list the keys it takes).
        prefix: path of the validated mapping inside its file (``"sweep."``), put before every
            field's path.
    """
    lines = [f"{source}: {p.text}" for p in field_problems(exc, model, prefix=prefix)]
    return "\n".join(dict.fromkeys(lines))


def field_problems(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    prefix: str = "",
    hints: Mapping[str, str] | None = None,
    exclude: Sequence[str] = ("source_path",),
) -> list[FieldProblem]:
    """Pydantic's errors grouped by field, worded for a person (see the module docstring).

    Args:
        exc: pydantic's error for ``model``.
        model: the model that was validated.
        prefix: put before every field's path (``"score."``); a problem of the whole mapping is
            then named by the prefix without its dot.
        hints: per field path, what the value means, added to a bad value's message.
        exclude: fields never suggested for an unknown key.
    """
    by_field: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        by_field.setdefault(_clean_loc(tuple(err.get("loc") or ())), []).append(dict(err))
    out = []
    suggested: set[str] = set()  # keys a misspelt one is taken for ("strategys" -> "strategies")
    for loc, errs in by_field.items():
        field = (prefix + _path(loc)) if loc else prefix.rstrip(".")
        kind = errs[0].get("type", "")
        if kind == "extra_forbidden":
            allowed = [k for k in _allowed_keys(model, loc) if k not in exclude]
            expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
            key = str(loc[-1]) if loc else ""
            out.append(FieldProblem(field, "unknown", did_you_mean(key, allowed) + expected))
            close = close_matches(key, allowed)
            if close:
                suggested.add(field[: len(field) - len(key)] + close[0])
        elif kind == "missing":
            out.append(FieldProblem(field, "missing", "is required but missing"))
        else:
            hint = (hints or {}).get(_path(loc), "")
            out.append(FieldProblem(field, "value", _value_message(errs, hint)))
    # "'strategies' is required" says nothing that "unknown 'strategys' (did you mean
    # 'strategies'?)" has not: one line per mistake.
    return [p for p in out if not (p.kind == "missing" and p.field in suggested)]


_BRANCH_NAMES = frozenset({"str", "int", "float", "bool", "dict", "list", "none"})


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the names pydantic adds for union branches (``str``, ``list[...]``,
    ``constrained-int``), so that every alternative's error lands on the field itself."""
    return tuple(
        p for p in loc if not (isinstance(p, str) and ("[" in p or "-" in p or p in _BRANCH_NAMES))
    )


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at ``loc`` (the parent of an unknown key)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [
            a for a in (annotation, *args) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not candidates:
            return []
        current = candidates[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


_BOUND_KINDS = frozenset(
    {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "finite_number"}
)
_NUMBER_KINDS = frozenset({"int_type", "float_type", "int_parsing", "float_parsing"})
_NUMBER_TEXT = re.compile(r"^[\s\d.,_+-]+$")


def _value_message(errs: Sequence[Mapping[str, Any]], hint: str) -> str:
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
    # pydantic's bound messages name the bound, not the value ("greater than 0"): say both
    shown = describe(value) not in message or bool(kinds & _BOUND_KINDS)
    if not isinstance(value, Mapping | BaseModel) and shown:
        message += f"; got {describe(value)}"
    fix = _how_to_fix(kinds, value, errs)
    return message + (fix or (f" ({hint})" if hint else ""))


def _how_to_fix(kinds: set[str], value: Any, errs: Sequence[Mapping[str, Any]]) -> str:
    """How to fix a bad value, when there is something more useful to say than pydantic's text."""
    if isinstance(value, str) and kinds & _NUMBER_KINDS:
        if _NUMBER_TEXT.match(value):
            return "; write a plain number, without quotes or thousands separators"
        choices = _literal_choices(errs)
        return did_you_mean(value, choices) if choices else "; write a plain number"
    if "int_type" in kinds and isinstance(value, float):
        return "; write a whole number"
    if isinstance(value, str) and "bool_type" in kinds:
        return "; write true or false, without quotes"
    if isinstance(value, str) and "literal_error" in kinds:
        return did_you_mean(value.lower(), _literal_choices(errs))
    return ""


def _literal_choices(errs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The allowed words of a ``Literal`` field, from pydantic's ``literal_error`` context."""
    for err in errs:
        if err.get("type") == "literal_error":
            return re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
    return []
