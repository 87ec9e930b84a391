"""Reading an answer: native calls, calls in any shape a model writes, structured JSON, or
text (pure). The accepted shapes, and what is refused, are in docs/tools.md.

Rules: a protocol object wins over JSON quoted in prose (only a whole answer of
``{"content": ...}`` is unwrapped); every call found is kept (two fences, two objects, one
per line); an answer that starts like the protocol and cannot be read is a problem (the
handler's repair call), never final text; ids are unique in the answer and never one the
conversation already used. Linear in the answer's size (see scan.py).
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ._json import compact
from .history import History
from .plan import Plan
from .scan import Decoder, Span, jsonish, spans
from .shapes import Found, RawCall, markup, recognise, strip_namespace, without_think
from .validate import check_calls, choice_unmet, schema_errors

CALL_FIELDS = ("tool_calls", "tool_call", "function_call", "functionCall")
ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_FENCE_OPEN = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?")
# An answer that starts with one of these is an attempt at the protocol.
_PROTOCOL_KEYS = re.compile(
    r"""[\[{]\s*[\[{]?\s*["']?(?:tool_calls?|content|name|function_call|functionCall|action|"""
    r"""recipient_name|tool_uses|type|id)\b"""
)


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


@dataclass
class Survey:
    """What the text of an answer holds, before the plan judges it."""

    calls: list[RawCall] = field(default_factory=list)
    content: str | None = None  # the prose around the calls, or a final answer's text
    final: bool = False  # the whole answer is a final answer object ({"content": ...})
    value: Any = None  # the first JSON value (for a structured answer) and its text
    exact: str | None = None
    problem: str | None = None  # the answer starts like the protocol and cannot be read


def _unfenced(text: str) -> str:
    """The inside of one code fence wrapping the whole text, else the text."""
    if text.startswith("```") and text.endswith("```") and len(text) > 6:
        opening = _FENCE_OPEN.match(text)
        inner = text[opening.end() if opening else 3 : -3]
        if "```" not in inner:
            return inner.strip()
    return text


def survey(text: str, tools: Mapping[str, Any]) -> Survey:
    """Calls, a final answer or the first JSON value in ``text``, in one linear pass."""
    body = without_think(text)
    decoder = Decoder(len(body))
    marked = markup(body)
    if marked is not None:
        return _survey_markup(marked, tools, decoder)
    whole = _unfenced(body.strip())
    result = Survey()
    try:  # the whole answer as strict JSON: the common case, at C speed whatever its size
        value = orjson.loads(whole)
    except orjson.JSONDecodeError:
        pass
    else:
        return _whole(result, value, whole, tools)
    found = spans(whole)
    if found and found[0].start == 0 and found[0].end == len(whole) and found[0].closed:
        decoded = decoder.decode(whole, found[0].depth)
        if decoded is not None:
            value, repaired = decoded
            return _whole(result, value, compact(value) if repaired else whole, tools)
    prose: list[str] = []
    pos = 0
    for span, inside in _top_spans(found):
        if not span.closed:
            if span.start == 0 or not whole[: span.start].strip():
                result.problem = "the answer was cut off before its JSON ended"
            break
        value, used = _decode_span(whole, span, inside, decoder)
        if value is None:
            continue
        if result.exact is None:
            result.value, result.exact = value, used
        said = recognise(value, tools)
        if said is not None and said.calls:
            result.calls += said.calls
            prose.append(whole[pos : span.start])
            pos = span.end
    if result.calls:
        prose.append(whole[pos:])
        result.content = _tidy("".join(prose))
    elif result.exact is None and result.problem is None and _PROTOCOL_KEYS.match(whole):
        result.problem = "the answer starts like the JSON protocol but is not valid JSON"
    return result


def _whole(result: Survey, value: Any, exact: str, tools: Mapping[str, Any]) -> Survey:
    """The whole answer is one JSON value: calls, a final answer, or other JSON."""
    result.value, result.exact = value, exact
    said = recognise(value, tools)
    if said is not None:
        result.calls, result.content, result.final = said.calls, said.content, said.final
    elif isinstance(value, dict) and any(k in value for k in CALL_FIELDS):
        result.problem = "the answer's " + "/".join(k for k in CALL_FIELDS if k in value)
        result.problem += " could not be read as tool calls"
    return result


def _top_spans(found: list[Span]) -> list[tuple[Span, list[Span]]]:
    """The top-level spans, each with the spans inside it (``found`` is in start order)."""
    out: list[tuple[Span, list[Span]]] = []
    for span in found:
        if span.level == 0:
            out.append((span, []))
        elif out:
            out[-1][1].append(span)
    return out


def _decode_span(
    text: str, span: Span, inside: list[Span], decoder: Decoder
) -> tuple[Any, str | None]:
    """A span's value and its text; a span that is not JSON is tried through the spans
    inside it (``[see {"a": 1}]``), each span at most once."""
    fragment = text[span.start : span.end]
    decoded = decoder.decode(fragment, span.depth)
    if decoded is not None:
        value, repaired = decoded
        return value, compact(value) if repaired else fragment
    at = 0
    while at < len(inside):
        child = inside[at]
        nested = []
        at += 1
        while at < len(inside) and inside[at].start < child.end:
            nested.append(inside[at])
            at += 1
        value, used = _decode_span(text, child, nested, decoder)
        if value is not None:
            return value, used
    return None, None


def _tidy(prose: str) -> str | None:
    """The prose left around calls: empty fences and blank lines dropped."""
    prose = re.sub(r"```[A-Za-z0-9_-]*\s*```", "", prose).strip()
    return prose or None


def _survey_markup(marked: Any, tools: Mapping[str, Any], decoder: Decoder) -> Survey:
    result = Survey(calls=list(marked.calls), content=_tidy(marked.outside))
    for fragment in marked.fragments:
        fragment = _unfenced(fragment.strip())
        said: Found | None = None
        with contextlib.suppress(orjson.JSONDecodeError):  # one good call per tag: common
            said = recognise(orjson.loads(fragment), tools)
        if said is not None and said.calls:
            result.calls += said.calls
            continue
        located = spans(fragment)
        for span, inside in _top_spans(located):
            if not span.closed:
                result.problem = "a tool call was cut off before its JSON ended"
                break
            value, _ = _decode_span(fragment, span, inside, decoder)
            said = recognise(value, tools) if value is not None else None
            if said is not None and said.calls:
                result.calls += said.calls
        if said is None and result.problem is None:
            result.problem = "a tool call in the answer's markup is not valid JSON"
    if not result.calls and result.problem is None:
        result.problem = "the answer's tool-call markup holds no call"
    return result


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
    if plan.calls_allowed and plan.choice != "auto":
        reading.problems.append(choice_unmet(plan))
    return reading


def _structured(text: str, found: Survey, plan: Plan) -> Reading:
    assert plan.output is not None
    if found.exact is None:
        return Reading(content=text, problems=[found.problem or "the answer is not JSON"])
    problems = [
        f"schema {plan.output.name}: {p}" for p in schema_errors(plan.output.schema, found.value)
    ]
    if plan.calls_allowed and plan.choice != "auto":
        problems.append(choice_unmet(plan))
    return Reading(content=found.exact, problems=problems)


def find_json(text: str, kinds: tuple[type, ...] = (dict,)) -> tuple[Any, str] | None:
    """The first JSON value of ``kinds`` in ``text`` and its text (whole, fenced, or amid
    prose), read leniently; linear in the text."""
    body = _unfenced(text.strip())
    decoder = Decoder(len(body))
    located = spans(body)
    if located and located[0].start == 0 and located[0].end == len(body):
        decoded = decoder.decode(body, located[0].depth) if located[0].closed else None
        if decoded is not None and isinstance(decoded[0], kinds):
            return decoded[0], compact(decoded[0]) if decoded[1] else body
    for span, inside in _top_spans(located):
        if not span.closed:
            break
        value, used = _decode_span(body, span, inside, decoder)
        if value is not None and isinstance(value, kinds) and used is not None:
            return value, used
    return None
