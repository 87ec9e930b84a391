"""A model that follows the plugin's JSON tool protocol, deterministically (and scripted answers).

Written apart from the plugin's parser: it reads the protocol from the system message's
text, as a real model would. Offered tools and no tool result yet: it calls a tool (the one
``tool_choice`` names, else the first) with arguments made valid for its schema. Once the
conversation holds a tool result, it answers in text that quotes the latest one (unless the
instruction demands a call and the last message is not a result): one tool call per
conversation, so an agent's turn ends. (Qwen Code's first tool is `agent`; each of its
background agents' task notifications, a user message after the result, used to start
another one: 721 requests in 180 s.) Asked for JSON matching a schema: it answers with a
value valid for that schema. So agent loops run with no account, and end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

# The plugin's instruction starts so: with tools offered, or for a JSON schema alone.
PROTOCOL_STARTS = ("You can call tools.", "JSON mode is on.")
TOOL_RESULT = "Tool result"
_MUST_CALL = re.compile(r'You must call the tool "([^"]+)"')
_MUST_CALL_ANY = "You must call at least one tool"
_SCHEMA_LEAD = re.compile(r"JSON schema \((.*)\):$")
QUOTE_CHARS = 200


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def protocol_of(messages: list[dict]) -> str | None:
    for message in messages:
        if message.get("role") == "system":
            text = _text(message.get("content"))
            if text.startswith(PROTOCOL_STARTS):
                return text
    return None


def reply(messages: list[dict]) -> str | None:
    """The protocol answer for ``messages``, or None when no protocol was asked for."""
    protocol = protocol_of(messages)
    if protocol is None:
        return None
    lines = protocol.splitlines()
    tools = [json.loads(line) for line in lines if line.startswith('{"name":')]
    schema = None
    for i, line in enumerate(lines[:-1]):
        if _SCHEMA_LEAD.search(line):
            schema = json.loads(lines[i + 1])
    result = _latest_result(messages)
    named = _MUST_CALL.search(protocol)
    demanded = bool(named) or _MUST_CALL_ANY in protocol
    if result is not None and (not tools or not demanded or result is messages[-1]):
        quoted = _text(result.get("content")).split("\n", 1)[-1][:QUOTE_CHARS]
        if schema is not None:
            return json.dumps(example(schema, schema, quoted), ensure_ascii=False)
        return json.dumps({"content": f"The tool answered: {quoted}"}, ensure_ascii=False)
    if tools:
        tool = next((t for t in tools if named and t["name"] == named.group(1)), tools[0])
        parameters = tool.get("parameters") or {}
        call = {"name": tool["name"], "arguments": example(parameters, parameters, "Seoul")}
        return json.dumps({"tool_calls": [call]}, ensure_ascii=False)
    if schema is not None:
        return json.dumps(example(schema, schema, "example"), ensure_ascii=False)
    return None


def _latest_result(messages: list[dict]) -> dict | None:
    """The latest user message that carries a tool result (the plugin's wording), or None."""
    for message in reversed(messages):
        if message.get("role") == "user" and _text(message.get("content")).startswith(TOOL_RESULT):
            return message
    return None


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for key in ref[2:].split("/"):
            target = target.get(key, {})
        return _resolve(target, root)
    return schema


def example(schema: Any, root: Mapping[str, Any], text: str) -> Any:
    """A value valid for ``schema`` (the common keywords), strings filled with ``text``."""
    if not isinstance(schema, Mapping):
        return text
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or [] if _resolve(o, root).get("type") != "null"]
        if options:
            if key == "allOf":
                merged: dict[str, Any] = {}
                for option in options:
                    merged.update(_resolve(option, root))
                return example(merged, root, text)
            return example(options[0], root, text)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        properties = schema.get("properties") or {}
        required = schema.get("required") or list(properties)
        return {name: example(properties.get(name, {}), root, text) for name in required}
    if kind == "array":
        count = max(1, int(schema.get("minItems", 1)))
        return [example(schema.get("items", {}), root, text) for _ in range(count)]
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = max(1, low + (1 if "exclusiveMinimum" in schema else 0))
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    value = text
    if len(value) < int(schema.get("minLength", 0)):
        value = value.ljust(int(schema["minLength"]), "x")
    if "maxLength" in schema:
        value = value[: int(schema["maxLength"])]
    return value
