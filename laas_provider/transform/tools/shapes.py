"""The JSON shapes models write tool calls in, recognised (pure).

``recognise``: ``{"tool_calls": [...]}`` (a list or one object),
``{"tool_call": {...}}``, a bare ``{"name", "arguments"}`` object or a list of them,
OpenAI's legacy ``function_call`` and ``multi_tool_use.parallel``, Gemini's
``functionCall`` (also inside ``parts``), Anthropic ``tool_use`` blocks, LangChain's
``action``/``action_input``. Calls in a markup (tags, XML) are found by markup.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# A call, as read: its tool name, its arguments (any shape yet), the id the model gave.
ARGUMENT_KEYS = ("arguments", "parameters", "args", "input", "tool_input", "action_input")
NAME_KEYS = ("name", "tool_name", "tool", "function", "recipient_name", "action")
CALL_KEYS = frozenset({"id", "type", "call_id", *ARGUMENT_KEYS, *NAME_KEYS})
FINAL_ACTIONS = ("final answer", "final_answer", "finish")
PARALLEL = "multi_tool_use.parallel"


@dataclass
class RawCall:
    name: Any
    arguments: Any = None
    id: Any = None
    strings: bool = False  # arguments are text values (from XML), to be read by the schema


@dataclass
class Found:
    """What a JSON value says in the protocol: calls, or a final text answer."""

    calls: list[RawCall] = field(default_factory=list)
    content: str | None = None
    final: bool = False  # the value is a final answer (``{"content": ...}``, Final Answer)


def _name_of(d: Mapping[str, Any]) -> Any:
    function = d.get("function")
    if isinstance(function, Mapping):
        return function.get("name")
    for key in NAME_KEYS:
        if isinstance(d.get(key), str):
            return d[key]
    return None


def _arguments_of(d: Mapping[str, Any]) -> Any:
    for key in ARGUMENT_KEYS:
        if d.get(key) is not None:
            return d[key]
    function = d.get("function")
    if isinstance(function, Mapping):
        return function.get("arguments", function.get("parameters"))
    return None


def _call(d: Mapping[str, Any]) -> list[RawCall]:
    """One call object (in any of the call shapes), expanded when it is a parallel call."""
    name = _name_of(d)
    arguments = _arguments_of(d)
    if name == PARALLEL and isinstance(arguments, Mapping):
        uses = arguments.get("tool_uses")
        if isinstance(uses, list):
            return [c for use in uses if isinstance(use, Mapping) for c in _call(use)]
    return [RawCall(name, arguments, d.get("id", d.get("call_id")))]


def _looks_like_call(d: Mapping[str, Any], tools: Mapping[str, Any]) -> bool:
    """A bare call object: only call keys, and a tool's name or explicit arguments (so a
    structured answer such as ``{"name": "Ana", "age": 31}`` is not taken for a call)."""
    if not set(d) <= CALL_KEYS or "action" in d:
        return False
    name = _name_of(d)
    if not isinstance(name, str) or not name:
        return False
    if d.get("type") not in (None, "function", "tool_use", "tool_call", "function_call"):
        return False
    return (
        strip_namespace(name, tools) in tools
        or name == PARALLEL
        or any(k in d for k in ARGUMENT_KEYS)
    )


def strip_namespace(name: str, tools: Mapping[str, Any]) -> str:
    """``functions.get_weather`` (OpenAI's namespace, as models sometimes write it)."""
    if name not in tools and name.startswith("functions."):
        return name[len("functions.") :]
    return name


def _calls_in(value: Any, tools: Mapping[str, Any]) -> list[RawCall] | None:
    """The calls of a ``tool_calls`` value: a list, one call, or ``{tool: arguments}``."""
    if isinstance(value, Mapping):
        if _name_of(value) is not None:
            return _call(value)
        if value and all(k in tools for k in value):
            return [RawCall(k, v) for k, v in value.items()]
        return None
    if isinstance(value, list):
        calls: list[RawCall] = []
        for item in value:
            if not isinstance(item, Mapping):
                return None
            calls += _call(item)
        return calls
    return None


def recognise(value: Any, tools: Mapping[str, Any]) -> Found | None:
    """What ``value`` says in the protocol, or None when it is not a protocol value."""
    if isinstance(value, list):
        return _recognise_list(value, tools)
    if not isinstance(value, Mapping):
        return None
    content = value.get("content") if isinstance(value.get("content"), str) else None
    for key in ("tool_calls", "tool_call", "function_call", "functionCall", "functionCalls"):
        if value.get(key):
            calls = _calls_in(value[key], tools)
            if calls is not None:
                return Found(calls, content)
    if isinstance(value.get("parts"), list):  # Gemini's content
        found = _recognise_list(value["parts"], tools)
        if found is not None:
            return found
    if value.get("recipient_name") == PARALLEL or isinstance(value.get("tool_uses"), list):
        return Found(_call({"name": PARALLEL, "arguments": value.get("parameters", value)}))
    if isinstance(value.get("action"), str) and "action_input" in value:
        if value["action"].strip().lower() in FINAL_ACTIONS:
            said = value["action_input"]
            return Found(content=said if isinstance(said, str) else None, final=True)
        return Found([RawCall(value["action"], value["action_input"])])
    if value.get("type") == "tool_use" or _looks_like_call(value, tools):
        return Found(_call(value))
    only_content = set(value) <= {"content", "role", "tool_calls"}
    if content is not None and only_content and value.get("role", "assistant") == "assistant":
        return Found(content=content, final=True)
    return None


def _recognise_list(items: list[Any], tools: Mapping[str, Any]) -> Found | None:
    """A list of calls (or of content blocks: Anthropic's, Gemini's parts)."""
    found = Found()
    texts = []
    for item in items:
        if not isinstance(item, Mapping):
            return None
        if set(item) <= {"type", "text"} and isinstance(item.get("text"), str):
            texts.append(item["text"])
            continue
        if isinstance(item.get("functionCall"), Mapping):
            item = item["functionCall"]
        one = recognise(item, tools)
        if one is None or not one.calls:
            return None
        found.calls += one.calls
    if not found.calls:
        return None
    found.content = "".join(texts) or None
    return found
