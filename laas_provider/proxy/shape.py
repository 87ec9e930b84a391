"""Request shapes, checked before LiteLLM's own code reads them (pure; ``guard`` runs them).

``check_chat_request`` for ``/chat/completions``; smaller checks for the other front doors
(``/v1/messages``, ``/v1/responses``, ``/v1/completions``) at the end.

LiteLLM's request path indexes into ``messages`` before any provider runs: a message that
is not an object, ``content: 5`` or a content part without ``type`` crash inside it and reach
the client as a 500 or as a 400 carrying a Python traceback. This check only looks at JSON
types (object, string, list, number), and that every content part is of a type the plugin
can send: LiteLLM refuses an unknown part type (``{"type": "hologram"}``) only inside the
router, as a 500 tried again and again on each fallback, and its ``/v1/messages`` and
``/v1/responses`` bridges drop one silently. Whether a well-formed request is *allowed*
(tool messages, images in system messages, parameter values) stays the handler's decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..errors import refuse
from ..transform.tools.limits import MAX_SCHEMA_BYTES, MAX_TOOLS, MAX_TOOLS_BYTES

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_ROLE_LIST = ", ".join(sorted(ROLES))
_NUMBERS = ("temperature", "top_p", "frequency_penalty", "presence_penalty", "timeout")
_INTEGERS = ("max_tokens", "max_completion_tokens", "n", "seed", "top_logprobs")
_BOOLEANS = ("stream", "logprobs", "parallel_tool_calls")
_OBJECTS = ("stream_options", "response_format", "logit_bias", "extra_headers")
# Fields of the known part types that must be strings (or objects) when present.
_PART_STRINGS = {"text": "text", "refusal": "refusal"}
_PART_OBJECTS = {"file": "file"}
# Content part types the plugin sends to LaaS (docs/multimodal.md), per front door; any other
# type is refused here, before the router. Chat: text, images, PDFs (both spellings).
CHAT_PARTS = ("text", "image_url", "file", "document")
# /v1/messages blocks, as LiteLLM's Anthropic adapter translates them (others it drops).
ANTHROPIC_BLOCKS = {
    "user": ("text", "image", "document", "tool_result"),
    "assistant": ("text", "tool_use", "thinking", "redacted_thinking"),
    "system": ("text",),
    "tool_result": ("text", "image", "document"),
}
# /v1/responses content parts, as LiteLLM's Responses bridge translates them.
RESPONSES_PARTS = ("input_text", "output_text", "text", "input_image", "input_file", "refusal")


def check_chat_request(body: Mapping[str, Any]) -> None:
    """Refuse (``errors.refuse``) the first field of a chat request with the wrong JSON type."""
    if body.get("messages") is None:
        raise refuse("messages", "is required: a list of message objects")
    messages = body["messages"]
    if not isinstance(messages, list):
        raise refuse("messages", f"must be a list of message objects, not {_kind(messages)}")
    for i, message in enumerate(messages):
        _message(message, f"messages[{i}]")
    _parameters(body)


def _kind(value: Any) -> str:
    """The JSON name of a value's type, for messages a client can act on."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _string(value: Any, place: str) -> None:
    if not isinstance(value, str):
        raise refuse(place, f"must be a string, not {_kind(value)}")


def _object(value: Any, place: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise refuse(place, f"must be an object, not {_kind(value)}")
    return value


def _message(message: Any, place: str) -> None:
    if not isinstance(message, Mapping):
        raise refuse(
            place, f"must be a message object with `role` and `content`, not {_kind(message)}"
        )
    role = message.get("role")
    if role is None:
        raise refuse(f"{place}.role", "is required")
    if not isinstance(role, str):
        raise refuse(f"{place}.role", f"must be a string, not {_kind(role)}")
    if role not in ROLES:
        raise refuse(f"{place}.role", f"unknown role {role[:40]!r}; expected one of {_ROLE_LIST}")
    if "name" in message and message["name"] is not None:
        _string(message["name"], f"{place}.name")
    calls = message.get("tool_calls")
    if role == "assistant" and calls is not None:
        _tool_calls(calls, f"{place}.tool_calls")
    if role == "assistant" and message.get("function_call") is not None:
        _function(message["function_call"], f"{place}.function_call")
    if role == "tool":
        _string(message.get("tool_call_id"), f"{place}.tool_call_id")
    content = message.get("content")
    if content is None:
        # OpenAI: an assistant message that calls tools may have no content; so may a
        # legacy `function` message.
        may_be_null = role == "function" or (
            role == "assistant" and (calls is not None or message.get("function_call") is not None)
        )
        if not may_be_null:
            raise refuse(f"{place}.content", "is required: a string or a list of content parts")
        return
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise refuse(
            f"{place}.content",
            f"must be a string or a list of content parts, not {_kind(content)}",
        )
    for j, part in enumerate(content):
        _part(part, f"{place}.content[{j}]")


def _part(part: Any, place: str) -> None:
    if not isinstance(part, Mapping):
        raise refuse(place, f"must be a content part object with a `type`, not {_kind(part)}")
    kind = part.get("type")
    if kind is None:
        raise refuse(f"{place}.type", 'is required (e.g. "text", "image_url", "file")')
    if not isinstance(kind, str):
        raise refuse(f"{place}.type", f"must be a string, not {_kind(kind)}")
    _known(kind, CHAT_PARTS, f"{place}.type")
    if kind in _PART_STRINGS:
        _string(part.get(_PART_STRINGS[kind]), f"{place}.{_PART_STRINGS[kind]}")
    elif kind == "image_url":
        image = part.get("image_url")
        if isinstance(image, Mapping):
            _string(image.get("url"), f"{place}.image_url.url")
        elif not isinstance(image, str):
            raise refuse(
                f"{place}.image_url",
                f"must be an object with a `url` string, not {_kind(image)}",
            )
    elif kind in _PART_OBJECTS:
        _object(part.get(_PART_OBJECTS[kind]), f"{place}.{_PART_OBJECTS[kind]}")


def _known(kind: str, known: tuple[str, ...], place: str) -> None:
    """Refuse a part type the plugin cannot send, naming it and the types it can."""
    if kind not in known:
        shown = kind if len(kind) <= 40 else kind[:40] + "…"
        raise refuse(place, f"unsupported content part type {shown!r}; LaaS takes {_listed(known)}")


def _listed(names: tuple[str, ...]) -> str:
    quoted = [f'"{n}"' for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _function(function: Any, place: str) -> None:
    function = _object(function, place)
    _string(function.get("name"), f"{place}.name")
    _string(function.get("arguments"), f"{place}.arguments")


def _tool_calls(calls: Any, place: str) -> None:
    if not isinstance(calls, list):
        raise refuse(place, f"must be a list of tool call objects, not {_kind(calls)}")
    for k, call in enumerate(calls):
        call = _object(call, f"{place}[{k}]")
        _string(call.get("id"), f"{place}[{k}].id")
        if call.get("type") is not None:
            _string(call["type"], f"{place}[{k}].type")
        _function(call.get("function"), f"{place}[{k}].function")


def _json_size(value: Any, place: str) -> int:
    try:
        return len(orjson.dumps(value))
    except orjson.JSONEncodeError:  # nested deeper than orjson's 255 levels
        raise refuse(place, "is nested too deeply") from None
    except TypeError:
        return 0  # integers over 64 bits: left to the handler's exact check


def bounded_tools(body: Mapping[str, Any], schema: Any = None, schema_place: str = "") -> None:
    """The tool limits' coarse form, checked before LiteLLM copies and logs the request (a
    2.5 MB schema cost 2.3 s of the proxy's event loop there); the handler checks them
    exactly (transform/tools/plan.py). Raw JSON, so twice the handler's byte limits."""
    tools = body.get("tools")
    if isinstance(tools, list):
        if len(tools) > MAX_TOOLS:
            raise refuse("tools", f"has {len(tools):,} tools; the limit is {MAX_TOOLS}")
        size = _json_size(tools, "tools")
        if size > 2 * MAX_TOOLS_BYTES:
            raise refuse(
                "tools", f"are {size:,} bytes of JSON; the limit is {MAX_TOOLS_BYTES:,} bytes"
            )
    if schema is not None:
        size = _json_size(schema, schema_place)
        if size > 2 * MAX_SCHEMA_BYTES:
            raise refuse(
                schema_place, f"is {size:,} bytes of JSON; the limit is {MAX_SCHEMA_BYTES:,} bytes"
            )


def _parameters(body: Mapping[str, Any]) -> None:
    """Top-level parameters LiteLLM reads (or copies) before the handler runs."""
    for name in _NUMBERS:
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise refuse(name, f"must be a number, not {_kind(value)}")
    for name in _INTEGERS:
        value = body.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise refuse(name, f"must be an integer, not {_kind(value)}")
    for name in _BOOLEANS:
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            raise refuse(name, f"must be true or false, not {_kind(value)}")
    for name in _OBJECTS:
        if body.get(name) is not None:
            _object(body[name], name)
    fmt = body.get("response_format")
    if fmt is not None:
        _string(fmt.get("type"), "response_format.type")
    spec = fmt.get("json_schema") if fmt is not None else None
    schema = spec.get("schema") if isinstance(spec, Mapping) else None
    bounded_tools(body, schema, "response_format.json_schema.schema")
    stop = body.get("stop")
    strings = isinstance(stop, list) and all(isinstance(s, str) for s in stop)
    if stop is not None and not isinstance(stop, str) and not strings:
        raise refuse("stop", f"must be a string or a list of strings, not {_kind(stop)}")
    if body.get("user") is not None:
        _string(body["user"], "user")
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise refuse("tools", f"must be a list of tool objects, not {_kind(tools)}")
        for i, tool in enumerate(tools):
            tool = _object(tool, f"tools[{i}]")
            _string(tool.get("type"), f"tools[{i}].type")
            if tool["type"] == "function":
                function = _object(tool.get("function"), f"tools[{i}].function")
                _string(function.get("name"), f"tools[{i}].function.name")
                if function.get("parameters") is not None:
                    _object(function["parameters"], f"tools[{i}].function.parameters")
    choice = body.get("tool_choice")
    if choice is not None and not isinstance(choice, str | Mapping):
        raise refuse("tool_choice", f"must be a string or an object, not {_kind(choice)}")


# --- the other front doors that reach the handler through LiteLLM's adapters ----------------


def check_anthropic_request(body: Mapping[str, Any]) -> None:
    """``/v1/messages`` (Anthropic format): messages, their content blocks, ``system``."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise refuse("messages", f"must be a list of message objects, not {_kind(messages)}")
    for i, message in enumerate(messages):
        place = f"messages[{i}]"
        message = _object(message, place)
        role = message.get("role")
        # "system" mid-conversation: Claude Code's `mid-conversation-system` beta; the plugin
        # carries it to LaaS as a marked user turn (transform/messages.py).
        if role not in ("user", "assistant", "system"):
            shown = repr(role[:40]) if isinstance(role, str) else _kind(role)
            raise refuse(f"{place}.role", f'must be "user", "assistant" or "system", not {shown}')
        _blocks(message.get("content"), f"{place}.content", ANTHROPIC_BLOCKS[role])
    if body.get("system") is not None:
        _blocks(body["system"], "system", ANTHROPIC_BLOCKS["system"])
    value = body.get("max_tokens")
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise refuse("max_tokens", f"must be an integer, not {_kind(value)}")
    bounded_tools(body)


def check_responses_request(body: Mapping[str, Any]) -> None:
    """``/v1/responses``: ``input`` a string or a list of items with content parts."""
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    schema = fmt.get("schema") if isinstance(fmt, Mapping) else None
    bounded_tools(body, schema, "text.format.schema")
    items = body.get("input")
    if items is None or isinstance(items, str):
        return
    if not isinstance(items, list):
        raise refuse("input", f"must be a string or a list of input items, not {_kind(items)}")
    for i, item in enumerate(items):
        item = _object(item, f"input[{i}]")
        if item.get("type") is not None:
            _string(item["type"], f"input[{i}].type")
        if "role" in item:
            _string(item["role"], f"input[{i}].role")
            _blocks(item.get("content"), f"input[{i}].content", RESPONSES_PARTS)
    if body.get("instructions") is not None:
        _string(body["instructions"], "instructions")


def check_text_completion_request(body: Mapping[str, Any]) -> None:
    """``/v1/completions``: ``prompt`` a string or a list of strings."""
    prompt = body.get("prompt")
    if isinstance(prompt, str):
        return
    if not isinstance(prompt, list) or not all(isinstance(p, str) for p in prompt):
        raise refuse("prompt", f"must be a string or a list of strings, not {_kind(prompt)}")


def _blocks(content: Any, place: str, known: tuple[str, ...]) -> None:
    """A string, or a list of objects each with a string ``type`` among ``known``."""
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise refuse(place, f"must be a string or a list of content blocks, not {_kind(content)}")
    for j, block in enumerate(content):
        block = _object(block, f"{place}[{j}]")
        kind = block.get("type")
        if not isinstance(kind, str):
            raise refuse(f"{place}[{j}].type", f"must be a string, not {_kind(kind)}")
        _known(kind, known, f"{place}[{j}].type")
        if kind in ("text", "input_text", "output_text"):
            _string(block.get("text"), f"{place}[{j}].text")
        elif kind == "tool_result" and block.get("content") is not None:
            _blocks(block["content"], f"{place}[{j}].content", ANTHROPIC_BLOCKS["tool_result"])
