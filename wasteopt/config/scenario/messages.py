"""Validation errors in the planner's words: one line naming each bad key path and the file and line it came from,
with a "did you mean" for a misspelt key."""
from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import ValidationError

MAX_PROBLEMS_SHOWN = 20  # problems listed in one message; the rest are counted
MAX_PROBLEM_CHARS = 300  # a key or value quoted in a problem is cut here


def key_path_text(path: tuple) -> str:
    """'a.b.0' for messages; odd characters in a key (quotes, newlines, controls) are escaped so the
    message stays one line and the path can be read back."""
    def show(part) -> str:
        text = str(part)
        if text.isprintable() and "'" not in text:
            return text
        return text.encode("unicode_escape").decode("ascii").replace("'", "\\'")
    return ".".join(show(part) for part in path)


def problems_text(error: ValidationError, model: type, lines: dict[tuple, str]) -> str:
    """The problems of ``error`` (raised validating ``model``), each as "key 'a.b' (file, line N): why"."""
    items = error.errors()
    problems = []
    for item in items[:MAX_PROBLEMS_SHOWN]:  # 80,000 unknown keys: say how many, list a few
        loc = tuple(item["loc"])
        key = key_path_text(loc) or "(top level)"
        where = nearest_line(lines, loc)
        message = item["msg"]
        if item["type"] == "value_error" and not loc:  # a rule across sections names its key: "a.b: why"
            named, _, why = str(item["ctx"]["error"]).partition(": ")
            if why and all(part.isidentifier() or part.isdigit() for part in named.split(".")):
                loc = tuple(int(part) if part.isdigit() else part for part in named.split("."))
                message = why
                key, where = named, nearest_line(lines, loc)
        if item["type"] == "extra_forbidden":
            message = "unknown key" + _suggestion(model, loc)
        elif item["type"] == "missing":
            message = "required key is missing"
        problem = f"key '{key}'{f' ({where})' if where else ''}: {message}"
        problems.append(problem if len(problem) <= MAX_PROBLEM_CHARS else f"{problem[:MAX_PROBLEM_CHARS - 1]}…")
    if len(items) > MAX_PROBLEMS_SHOWN:
        problems.append(f"… and {len(items) - MAX_PROBLEMS_SHOWN:,} more problem(s)")
    return "; ".join(problems)


def nearest_line(lines: dict[tuple, str], loc: tuple) -> str:
    """'file, line N' of the key path ``loc``, or of its nearest parent that has one ('' if none)."""
    for cut in range(len(loc), 0, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return ""


def _suggestion(model: Any, loc: tuple) -> str:
    for part in loc[:-1]:
        if isinstance(part, int):  # an item of a list: uncertainty.futures.1
            model = next(iter(typing.get_args(model)), None) if typing.get_origin(model) is list else None
            continue
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None:
            return ""
        model = _section_in(field.annotation)
    if not hasattr(model, "model_fields"):
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(model.model_fields)})"


def _section_in(annotation):
    """The section of ``X | None`` (or ``annotation`` itself)."""
    if isinstance(annotation, types.UnionType):
        return next((member for member in typing.get_args(annotation) if hasattr(member, "model_fields")), annotation)
    return annotation
