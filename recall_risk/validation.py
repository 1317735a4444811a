"""Pydantic validation errors -> one plain message per problem, naming the source and field path.

``source: field 'a.b[0].c': what is wrong; what is expected`` for every error of a model, with a
"did you mean" for an unknown key and the keys the model takes.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError


def _got(value: Any) -> str:
    """`` (got VALUE)`` for a scalar or a short list; nothing for a whole section."""
    if isinstance(value, dict | BaseModel):
        return ""
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else repr(value)
    return f" (got {text if len(text) <= 60 else text[:57] + '...'})"


def _loc(loc: tuple[Any, ...]) -> str:
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
        return [k for k in current.model_fields if k != "source_path"]
    return []


def format_validation_error(source: str, exc: ValidationError, model: type[BaseModel]) -> str:
    """One line per problem: ``file: field 'a.b[0].c': what is wrong; what is expected``."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = tuple(err.get("loc") or ())
        # Union branches add their type names to the location; drop them.
        loc = tuple(
            p
            for p in loc
            if not (isinstance(p, str) and ("[" in p or p in {"str", "dict", "list"}))
        )
        field = _loc(loc)
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            allowed = _allowed_keys(model, loc)
            key = str(loc[-1]) if loc else ""
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            expected = f"; expected one of: {', '.join(allowed)}" if allowed else ""
            lines.append(f"{source}: unknown field {field!r}{hint}{expected}")
        elif kind == "missing":
            lines.append(f"{source}: field {field!r} is required but missing")
        else:
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            where = f"field {field!r}: " if field else ""
            lines.append(f"{source}: {where}{msg[0].lower()}{msg[1:]}{_got(err.get('input'))}")
    return "\n".join(dict.fromkeys(lines))
