"""Reading an answer: native calls, a protocol JSON object, structured JSON or text (pure)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._json import compact
from .plan import Plan
from .validate import check_calls, choice_unmet, schema_errors


@dataclass
class Reading:
    """What an answer says: text, or tool calls (OpenAI shape), and what is wrong with it."""

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def finish_reason(self) -> str | None:
        return "tool_calls" if self.tool_calls else None


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


def find_json(text: str, kinds: tuple[type, ...] = (dict,)) -> tuple[Any, str] | None:
    """The first JSON value of ``kinds`` in ``text`` and the exact text it was read from:
    the whole text, else inside ```json fences, else the first balanced one amid prose."""
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        pass
    else:
        return (value, stripped) if isinstance(value, kinds) else None
    for fenced in _FENCE.findall(text):
        found = find_json(fenced, kinds)
        if found is not None:
            return found
    opener = "".join(c for c, k in (("{", dict), ("[", list)) if k in kinds)
    for at, char in enumerate(text):
        if char in opener:
            try:
                value, end = _DECODER.raw_decode(text, at)
            except ValueError:
                continue
            if isinstance(value, kinds):
                return value, text[at:end]
    return None


def new_call_id() -> str:
    return "call_" + secrets.token_hex(12)


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


def normalise_call(raw: Any, index: int) -> tuple[dict[str, Any], str | None]:
    """One call in any accepted shape -> an OpenAI tool call, and a problem if unusable."""
    if not isinstance(raw, Mapping):
        return {}, f"tool call {index} is not an object"
    function = raw.get("function") if isinstance(raw.get("function"), Mapping) else {}
    name = _first(raw, "name", "tool_name") or function.get("name")
    arguments = _first(raw, "arguments", "parameters", "args")
    if arguments is None:
        arguments = function.get("arguments")
    if not isinstance(name, str) or not name:
        return {}, f"tool call {index} has no tool name"
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, str):
        arguments = compact(arguments)
    call_id = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else new_call_id()
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    return call, None


def read_calls(found: Mapping[str, Any]) -> list[Any] | None:
    """The raw calls of a protocol answer, or None when it holds none."""
    many = found.get("tool_calls")
    if isinstance(many, list) and many:
        return many
    one = found.get("tool_call")
    if isinstance(one, Mapping):
        return [one]
    return None


def read_answer(text: str, native_calls: Any, plan: Plan) -> Reading:
    """Read an answer under ``plan``: native calls, then a protocol JSON object, then text."""
    raw_calls = native_calls if isinstance(native_calls, list) and native_calls else None
    found = None
    if raw_calls is None and plan.calls_allowed:
        located = find_json(text)
        if located is not None:
            found = located[0]
            raw_calls = read_calls(found)
    if raw_calls is not None and (plan.calls_allowed or not plan.active):
        said = found.get("content") if found is not None else text
        reading = Reading(content=said if isinstance(said, str) and said else None)
        for i, raw in enumerate(raw_calls):
            call, problem = normalise_call(raw, i)
            if problem:
                reading.problems.append(problem)
            else:
                reading.tool_calls.append(call)
        if plan.active:
            reading.problems += check_calls(reading.tool_calls, plan)
        return reading
    if plan.output is not None:
        return _structured(text, plan)
    if found is not None and isinstance(found.get("content"), str):
        reading = Reading(content=found["content"])
    else:
        reading = Reading(content=text)
    if plan.calls_allowed and plan.choice != "auto":
        reading.problems.append(choice_unmet(plan))
    return reading


def _structured(text: str, plan: Plan) -> Reading:
    assert plan.output is not None
    located = find_json(text, (dict, list, str, int, float, bool))
    if located is None:
        return Reading(content=text, problems=["the answer is not JSON"])
    value, exact = located
    problems = [f"schema {plan.output.name}: {p}" for p in schema_errors(plan.output.schema, value)]
    if plan.calls_allowed and plan.choice != "auto":
        problems.append(choice_unmet(plan))
    return Reading(content=exact, problems=problems)
