"""The request's tools, tool_choice, parallel_tool_calls and response_format as a Plan (pure).

``plan`` is the one place that decides tool policy: what is refused (a 400 naming the
field), what is dropped (``drop_params``), the instruction, and which ``response_format``
LaaS is sent. The body builder, the answer reader and the stream relay only read the Plan
(its data is ``policy.py``, which the modules below this one import).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ...errors import refuse
from .. import checks
from .limits import MAX_TOOLS, MAX_TOOLS_BYTES
from .policy import OutputSchema, Plan, Tool
from .validate import checked_schema

NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # OpenAI's rule for function names
EMPTY_PARAMETERS: Mapping[str, Any] = {"type": "object", "properties": {}}
# The request keys decided here; the parameter table (params.py) never forwards them.
TOOL_KEYS = frozenset({"tools", "tool_choice", "parallel_tool_calls"})
KEYS = TOOL_KEYS | {"response_format"}
# response_format types LaaS is sent as asked; json_schema is emulated (never sent).
FORWARDED_FORMATS = ("text", "json_object")


def parse_tools(raw: Any) -> dict[str, Tool]:
    if raw is None:
        return {}
    checks.a_list(raw, "tools", "tool objects")
    if len(raw) > MAX_TOOLS:
        raise refuse("tools", f"has {len(raw):,} tools; the limit is {MAX_TOOLS}")
    tools: dict[str, Tool] = {}
    total = 0  # compact JSON bytes of all names, descriptions and parameters
    for i, item in enumerate(raw):
        place = f"tools[{i}]"
        item = checks.an_object(item, place)
        if checks.a_string(item.get("type"), f"{place}.type") != "function":
            raise refuse(
                f"{place}.type",
                f"tool type {item.get('type')!r} is not supported; only function tools "
                "can be emulated on LaaS",
            )
        function = checks.function(item.get("function"), f"{place}.function")
        name = function["name"]
        if not NAME.match(name):
            raise refuse(f"{place}.function.name", "must be 1-64 letters, digits, _ or -")
        if name in tools:
            raise refuse(f"{place}.function.name", f"duplicate tool name {name!r}")
        description = function.get("description") or ""
        if not isinstance(description, str):
            raise refuse(f"{place}.function.description", "must be a string")
        parameters = function.get("parameters")
        total += len(name) + len(description.encode())
        if parameters is None:
            parameters = EMPTY_PARAMETERS
        else:
            checks.schema_object(parameters, f"{place}.function.parameters")
            total += checked_schema(parameters, f"{place}.function.parameters", object_only=True)
        if total > MAX_TOOLS_BYTES:
            raise refuse(
                "tools",
                f"are over {MAX_TOOLS_BYTES:,} bytes together (names, descriptions and "
                f"parameters as compact JSON) by tools[{i}]; the limit is {MAX_TOOLS_BYTES:,}",
            )
        tools[name] = Tool(name, description, parameters)
    return tools


def parse_tool_choice(raw: Any, tools: Mapping[str, Tool]) -> str:
    if raw is None or raw == "auto":
        return "auto"
    if raw in ("none", "required"):
        return raw
    if raw == "any":  # Anthropic's word for required, should it arrive untranslated
        return "required"
    if isinstance(raw, Mapping):
        function = raw.get("function")
        name = function.get("name") if isinstance(function, Mapping) else raw.get("name")
        if raw.get("type") in ("function", "tool") and isinstance(name, str):
            if name not in tools:
                raise refuse("tool_choice", f"names {name!r}, which is not among the tools")
            return name
        if raw.get("type") in ("auto", "none", "required", "any") and not name:
            return parse_tool_choice(raw["type"], tools)
    raise refuse(
        "tool_choice",
        'must be "auto", "none", "required" or {"type": "function", "function": {"name": ...}}',
    )


def parse_response_format(raw: Any) -> OutputSchema | None:
    """The json_schema response format, or None for any other (handled as a LaaS option)."""
    if not isinstance(raw, Mapping) or raw.get("type") != "json_schema":
        return None
    spec = raw.get("json_schema")
    if not isinstance(spec, Mapping):
        raise refuse("response_format.json_schema", "must be an object with name and schema")
    name = spec.get("name") or "answer"
    if not isinstance(name, str):
        raise refuse("response_format.json_schema.name", "must be a string")
    schema = spec.get("schema")
    if schema is None:
        schema = {}
    checked_schema(schema, "response_format.json_schema.schema", object_only=False)
    return OutputSchema(name, schema)


def forwarded_format(raw: Any, drop_params: bool) -> dict[str, Any] | None:
    """The response_format LaaS is sent: text or json_object as asked, nothing for
    json_schema (emulated); any other type refused, or dropped under ``drop_params``."""
    if raw is None:
        return None
    if not drop_params:  # the same wording as the request guard's
        checks.a_string(
            checks.an_object(raw, "response_format").get("type"), "response_format.type"
        )
    kind = raw.get("type") if isinstance(raw, Mapping) else None
    if kind in FORWARDED_FORMATS:
        return {"type": kind}
    if kind != "json_schema" and not drop_params:
        raise refuse(
            "response_format",
            f"type {kind!r} is not supported; use text, json_object or json_schema",
        )
    return None


def without_tools(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in TOOL_KEYS}


def plan(params: Mapping[str, Any], emulation: bool, drop_params: bool = False) -> Plan:
    """The request's tools, tool_choice, parallel_tool_calls and response_format as a Plan.

    Without ``emulation`` (the deployment's ``tool_emulation``), offered tools are refused,
    or dropped with the other tool keys under ``drop_params``, as for other parameters; a
    structured-output schema needs no switch because its answer is always validated.
    """
    if drop_params and not emulation:
        params = without_tools(params)
    tools = parse_tools(params.get("tools") or None)
    if tools and not emulation:
        raise refuse(
            "tools",
            "tool calling is emulated on LaaS and is off for this model; an administrator "
            "turns it on with `tool_emulation: true` in the deployment's litellm_params",
        )
    raw_choice = params.get("tool_choice")
    checks.tool_choice(raw_choice)
    if tools:
        choice = parse_tool_choice(raw_choice, tools)
    elif raw_choice in (None, "auto", "none") or (
        isinstance(raw_choice, Mapping) and raw_choice.get("type") in ("auto", "none")
    ):
        choice = "none"
    else:
        raise refuse("tool_choice", "needs `tools`: no tools were offered")
    parallel = params.get("parallel_tool_calls")
    if parallel is not None:
        checks.a_boolean(parallel, "parallel_tool_calls")
    return Plan(
        tools=tools,
        choice=choice,
        parallel=parallel is not False,
        output=parse_response_format(params.get("response_format")),
        response_format=forwarded_format(params.get("response_format"), drop_params),
    )
