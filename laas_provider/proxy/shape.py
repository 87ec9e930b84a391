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
The JSON-type checks are the transform's own (``transform/checks.py``): the same malformed
field gets the same words through the proxy and without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from ..errors import refuse
from ..transform import checks
from ..transform.checks import a_string, an_object, part_type
from ..transform.checks import kind as _kind
from ..transform.tools.limits import MAX_SCHEMA_BYTES, MAX_TOOLS, MAX_TOOLS_BYTES

# Top-level parameters LiteLLM reads, by JSON type.
_TYPED = (
    (("temperature", "top_p", "frequency_penalty", "presence_penalty", "timeout"), checks.a_number),
    (("max_tokens", "max_completion_tokens", "seed", "top_logprobs"), checks.an_integer),
    (("n",), checks.choices),
    (("stream", "logprobs", "parallel_tool_calls"), checks.a_boolean),
    (("stream_options", "response_format", "logit_bias", "extra_headers"), an_object),
)
# Fields of the known part types that must be strings (or objects) when present.
_PART_STRINGS = {"text": "text", "refusal": "refusal"}
_PART_OBJECTS = {"file": "file"}
# Content part types the plugin sends to LaaS, per front door; any other type is refused
# here, before the router. Chat: text, images, PDFs (both spellings), as the transform's.
CHAT_PARTS = checks.CHAT_PARTS
# /v1/messages blocks, as LiteLLM's Anthropic adapter translates them (others it drops).
ANTHROPIC_BLOCKS = {
    "user": ("text", "image", "document", "tool_result"),
    "assistant": ("text", "tool_use", "thinking", "redacted_thinking"),
    "system": ("text",),
    "tool_result": ("text", "image", "document"),
}
# /v1/responses content parts, as LiteLLM's Responses bridge translates them.
RESPONSES_PARTS = ("input_text", "output_text", "text", "input_image", "input_file", "refusal")
# /v1/responses input items the bridge turns into chat messages (litellm 1.108.7); any other
# type (an `item_reference`, a `file_search_call`, a typo) it dropped without a word.
RESPONSES_ITEMS = (
    "message", "function_call", "function_call_output", "custom_tool_call",
    "custom_tool_call_output", "computer_call_output", "tool_result", "reasoning",
    "web_search_call",
)  # fmt: skip


def check_chat_request(body: Mapping[str, Any]) -> None:
    """Refuse (``errors.refuse``) the first field of a chat request with the wrong JSON type."""
    for i, message in enumerate(checks.messages(body.get("messages"))):
        _message(message, f"messages[{i}]")
    _parameters(body)


def _message(message: Any, place: str) -> None:
    message = checks.message(message, place)
    role = checks.role(message, place)
    if "name" in message and message["name"] is not None:
        a_string(message["name"], f"{place}.name")
    calls = message.get("tool_calls")
    if role == "assistant" and calls is not None:
        _tool_calls(calls, f"{place}.tool_calls")
    if role == "assistant" and message.get("function_call") is not None:
        _function(message["function_call"], f"{place}.function_call")
    if role == "tool":
        checks.tool_call_id(message, place)
    content = checks.content_of(message, role, f"{place}.content")
    if content is None or isinstance(content, str):
        return
    for j, part in enumerate(content):
        _part(part, f"{place}.content[{j}]")


def _part(part: Any, place: str) -> None:
    kind = checks.part(part, place, CHAT_PARTS).get("type")
    if kind in _PART_STRINGS:
        a_string(part.get(_PART_STRINGS[kind]), f"{place}.{_PART_STRINGS[kind]}")
    elif kind == "image_url":
        checks.image_url(part, place)
    elif kind in _PART_OBJECTS:
        an_object(part.get(_PART_OBJECTS[kind]), f"{place}.{_PART_OBJECTS[kind]}")


def _function(function: Any, place: str) -> None:
    function = checks.function(function, place)
    checks.arguments(function.get("arguments"), f"{place}.arguments")


def _tool_calls(calls: Any, place: str) -> None:
    for k, call in enumerate(checks.a_list(calls, place, "tool call objects")):
        call = an_object(call, f"{place}[{k}]")
        a_string(call.get("id"), f"{place}[{k}].id")
        if call.get("type") is not None:
            a_string(call["type"], f"{place}[{k}].type")
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
    for names, check in _TYPED:
        for name in names:
            if body.get(name) is not None:
                check(body[name], name)
    fmt = body.get("response_format")
    if fmt is not None:
        a_string(fmt.get("type"), "response_format.type")
    spec = fmt.get("json_schema") if fmt is not None else None
    schema = spec.get("schema") if isinstance(spec, Mapping) else None
    bounded_tools(body, schema, "response_format.json_schema.schema")
    if body.get("stop") is not None:
        checks.strings(body["stop"], "stop")
    if body.get("user") is not None:
        a_string(body["user"], "user")
    tools = body.get("tools")
    if tools is not None:
        for i, tool in enumerate(checks.a_list(tools, "tools", "tool objects")):
            tool = an_object(tool, f"tools[{i}]")
            if a_string(tool.get("type"), f"tools[{i}].type") == "function":
                function = checks.function(tool.get("function"), f"tools[{i}].function")
                if function.get("parameters") is not None:
                    checks.schema_object(function["parameters"], f"tools[{i}].function.parameters")
    checks.tool_choice(body.get("tool_choice"))


# --- the other front doors that reach the handler through LiteLLM's adapters ----------------


def check_anthropic_request(body: Mapping[str, Any]) -> None:
    """``/v1/messages`` (Anthropic format): messages, their content blocks, ``system``."""
    for i, message in enumerate(checks.a_list(body.get("messages"), "messages", "message objects")):
        place = f"messages[{i}]"
        message = an_object(message, place)
        role = message.get("role")
        # "system" mid-conversation: Claude Code's `mid-conversation-system` beta; the plugin
        # carries it to LaaS as a marked user turn (transform/messages.py).
        if role not in ("user", "assistant", "system"):
            shown = repr(role[:40]) if isinstance(role, str) else _kind(role)
            raise refuse(f"{place}.role", f'must be "user", "assistant" or "system", not {shown}')
        _blocks(message.get("content"), f"{place}.content", ANTHROPIC_BLOCKS[role])
    if body.get("system") is not None:
        _blocks(body["system"], "system", ANTHROPIC_BLOCKS["system"])
    if body.get("max_tokens") is not None:
        checks.an_integer(body["max_tokens"], "max_tokens")
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
        item = an_object(item, f"input[{i}]")
        if item.get("type") is not None:
            kind = a_string(item["type"], f"input[{i}].type")
            part_type(kind, RESPONSES_ITEMS, f"input[{i}].type", "input item")
        if "role" in item:
            a_string(item["role"], f"input[{i}].role")
            _blocks(item.get("content"), f"input[{i}].content", RESPONSES_PARTS)
    if body.get("instructions") is not None:
        a_string(body["instructions"], "instructions")


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
        block = an_object(block, f"{place}[{j}]")
        kind = a_string(block.get("type"), f"{place}[{j}].type")
        part_type(kind, known, f"{place}[{j}].type")
        if kind in ("text", "input_text", "output_text"):
            a_string(block.get("text"), f"{place}[{j}].text")
        elif kind == "tool_result" and block.get("content") is not None:
            _blocks(block["content"], f"{place}[{j}].content", ANTHROPIC_BLOCKS["tool_result"])
