"""Reading an answer: native calls, calls in any shape a model writes, structured JSON, or
text (pure), judged under the request's plan; what the text holds is found by survey.py.
The accepted shapes, and what is refused, are in docs/tools.md.

Rules: a protocol object wins over JSON quoted in prose (only a whole answer of
``{"content": ...}`` is unwrapped); every call found is kept (two fences, two objects, one
per line); an answer that starts like the protocol and cannot be read is a problem (the
handler's repair call), never final text; ids are unique in the answer and never one the
conversation already used. Linear in the answer's size (see scan.py).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ._json import compact
from .history import History
from .policy import Plan
from .scan import Decoder, jsonish
from .shapes import RawCall, strip_namespace
from .survey import Survey, survey
from .validate import check_calls, choice_unmet, schema_errors

ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass
class Reading:
    """What an answer says: text, or tool calls (OpenAI shape), and what is wrong with it."""

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def finish_reason(self) -> str | None:
        return "tool_calls" if self.tool_calls else None


def new_call_id() -> str:
    return "call_" + secrets.token_hex(12)


# --- calls ---------------------------------------------------------------------------------


def _arguments(raw: RawCall, tool: Any) -> Any:
    """Arguments as JSON text: an object (or JSON text of one) as is; XML's text values read
    by the schema; a plain string for a tool with exactly one parameter."""
    arguments = raw.arguments
    properties = {}
    if tool is not None and isinstance(tool.parameters.get("properties"), Mapping):
        properties = tool.parameters["properties"]
    if raw.strings and isinstance(arguments, Mapping):
        return compact({k: _typed(v, properties.get(k)) for k, v in arguments.items()})
    if arguments is None:
        return "{}"
    if isinstance(arguments, str):
        decoded = (
            Decoder(len(arguments)).decode(arguments.strip(), 1)
            if jsonish(arguments.strip())
            else None
        )
        if decoded is not None and isinstance(decoded[0], dict):
            return compact(decoded[0])
        if len(properties) == 1 and not arguments.lstrip().startswith(("{", "[")):
            return compact({next(iter(properties)): arguments})
        return arguments
    return compact(arguments)


def _typed(text: Any, schema: Any) -> Any:
    """An XML parameter's text: a string where the schema says string, else its JSON value."""
    if not isinstance(text, str):
        return text
    kind = schema.get("type") if isinstance(schema, Mapping) else None
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        return text
    stripped = text.strip()
    try:
        return orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return text


def to_calls(
    raws: list[RawCall], plan: Plan, taken: frozenset[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """OpenAI tool calls, with ids unique in the answer and new to the conversation."""
    calls: list[dict[str, Any]] = []
    problems: list[str] = []
    used = set(taken)
    for i, raw in enumerate(raws):
        if not isinstance(raw.name, str) or not raw.name.strip():
            problems.append(f"tool call {i} has no tool name")
            continue
        name = strip_namespace(raw.name.strip(), plan.tools)
        call_id = raw.id if isinstance(raw.id, str) and ID.match(raw.id) else None
        if call_id is None or call_id in used:
            call_id = new_call_id()
        used.add(call_id)
        arguments = _arguments(raw, plan.tools.get(name))
        function = {"name": name, "arguments": arguments}
        calls.append({"id": call_id, "type": "function", "function": function})
    return calls, problems


def _native(native_calls: list[Any]) -> list[RawCall]:
    raws = []
    for call in native_calls:
        if not isinstance(call, Mapping):
            raws.append(RawCall(None))
            continue
        function = call.get("function") if isinstance(call.get("function"), Mapping) else {}
        name = function.get("name", call.get("name"))
        arguments = function.get("arguments", call.get("arguments"))
        raws.append(RawCall(name, arguments, call.get("id")))
    return raws


# --- the answer ----------------------------------------------------------------------------


def read_answer(
    text: str, native_calls: Any, plan: Plan, history: History | None = None
) -> Reading:
    """Read an answer under ``plan``: native calls, calls in the text, structured JSON, text.

    ``history``: the conversation's tool history. With one, an answer in the protocol is
    unwrapped even when this request offers no tools (an agent's closing turn), and a call
    made then is a problem (no tool may be called)."""
    taken = history.ids if history is not None else frozenset()
    unwrap = plan.calls_allowed or (history is not None and history.active)
    if isinstance(native_calls, list) and native_calls:
        calls, problems = to_calls(_native(native_calls), plan, taken)
        reading = Reading(content=text or None, tool_calls=calls, problems=problems)
        if plan.active:
            reading.problems += check_calls(reading.tool_calls, plan)
        return reading
    if not unwrap and plan.output is None:
        return Reading(content=text)
    found = survey(text, plan.tools)
    if found.calls and unwrap:
        if not plan.calls_allowed:
            why = "tool_choice is none" if plan.tools else "no tools are offered"
            return Reading(
                content=text,
                problems=[f"no tool may be called in this answer ({why}): answer in plain text"],
            )
        calls, problems = to_calls(found.calls, plan, taken)
        reading = Reading(content=found.content, tool_calls=calls, problems=problems)
        reading.problems += check_calls(reading.tool_calls, plan)
        return reading
    if plan.output is not None:
        return _structured(text, found, plan)
    if found.final and unwrap:
        reading = Reading(content=found.content if found.content is not None else "")
    else:
        reading = Reading(content=text)
        if found.problem and unwrap:
            reading.problems.append(found.problem)
    if plan.calls_required:
        reading.problems.append(choice_unmet(plan))
    return reading


def _structured(text: str, found: Survey, plan: Plan) -> Reading:
    assert plan.output is not None
    if found.exact is None:
        return Reading(content=text, problems=[found.problem or "the answer is not JSON"])
    problems = [
        f"schema {plan.output.name}: {p}" for p in schema_errors(plan.output.schema, found.value)
    ]
    if plan.calls_required:
        problems.append(choice_unmet(plan))
    return Reading(content=found.exact, problems=problems)
