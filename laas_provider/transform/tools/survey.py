"""What the text of an answer holds, before the plan judges it (pure): the calls in it
(markup.py finds them in markup, shapes.py in JSON), a final answer, or its first JSON
value. A protocol object wins over JSON quoted in prose; every call found is kept. One
linear pass (see scan.py).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import pythonic
from ._json import compact
from .markup import markup, without_think
from .scan import Decoder, Span, spans
from .shapes import Found, RawCall, recognise

CALL_FIELDS = ("tool_calls", "tool_call", "function_call", "functionCall")
_FENCE_OPEN = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?")
# An answer that starts with one of these is an attempt at the protocol.
_PROTOCOL_KEYS = re.compile(
    r"""[\[{]\s*[\[{]?\s*["']?(?:tool_calls?|content|name|function_call|functionCall|action|"""
    r"""recipient_name|tool_uses|type|id)\b"""
)


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
    if pythonic.is_call_list(whole):  # vLLM's pythonic calls: [get_weather(city="Seoul")]
        result.calls, result.problem = pythonic.read(whole, decoder, listed=True)
        if result.calls or result.problem:
            return result
    found = spans(whole)
    if found and found[0].start == 0 and found[0].end == len(whole) and found[0].closed:
        decoded = decoder.decode(whole, found[0].depth)
        if decoded is not None:
            value, repaired = decoded
            return _whole(result, value, compact(value) if repaired else whole, tools)
    prose: list[str] = []
    pos = 0
    tail = Decoder(len(body))  # the end of a long answer: not left to what the rest spent
    for span, inside in _top_spans(found):
        if not span.closed:
            if span.start == 0 or not whole[: span.start].strip():
                result.problem = "the answer was cut off before its JSON ended"
            break
        value, used = _decode_span(whole, span, inside, tail if span.tail else decoder)
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
    for code in marked.code:  # Gemini's tool_code fences: all read, or a problem
        calls, result.problem = pythonic.read(code, decoder, listed=False)
        if result.problem:
            result.calls = []
            break
        result.calls += calls
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
