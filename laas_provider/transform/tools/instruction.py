"""The system message that states the JSON protocol, and the repair request (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._json import compact
from .validate import schema_errors

if TYPE_CHECKING:
    from .policy import Plan, Tool

# A tool result in the conversation becomes a user message starting with this.
TOOL_RESULT = "Tool result"
# The first words of the instruction when tools are offered (the emulator looks for them).
CALLS_START = "You can call tools."


# Keywords that tell the model nothing about what to send: dropped from the schema it is
# *shown* (validation keeps the full schema). `title` repeats the property's name; `$schema`,
# `$id`, `$comment` are bookkeeping; `additionalProperties: false` and `propertyNames` of
# type string are what every tool call does anyway.
_NOISE = frozenset(("$schema", "$id", "$comment", "title", "strict"))
# Keywords whose value is a schema, a list of schemas, or a map of name -> schema.
_ONE = frozenset(("items", "additionalProperties", "not", "if", "then", "else", "contains",
                  "unevaluatedProperties", "unevaluatedItems", "propertyNames"))  # fmt: skip
_LIST = frozenset(("anyOf", "oneOf", "allOf", "prefixItems"))
_MAP = frozenset(("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"))


def shown_schema(schema: Any) -> Any:
    """``schema`` as the model is shown it: the same constraints without the noise."""
    if not isinstance(schema, Mapping):
        return schema
    shown: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _NOISE or (key == "additionalProperties" and value in (False, {})):
            continue
        if key == "propertyNames" and value == {"type": "string"}:
            continue
        if key in _ONE:
            value = shown_schema(value)
        elif key in _LIST and isinstance(value, list):
            value = [shown_schema(v) for v in value]
        elif key in _MAP and isinstance(value, Mapping):
            value = {name: shown_schema(v) for name, v in value.items()}
        shown[key] = value
    return shown


def tool_line(tool: Tool) -> str:
    entry: dict[str, Any] = {"name": tool.name}
    if tool.description:
        entry["description"] = tool.description
    entry["parameters"] = shown_schema(tool.parameters)
    return compact(entry)


def _example_value(name: str, schema: Any) -> Any:
    if not isinstance(schema, Mapping):
        return f"<{name}>"
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    for key in ("enum", "examples"):
        if isinstance(schema.get(key), list) and schema[key]:
            return schema[key][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind in ("integer", "number"):
        low = schema.get("minimum")
        return low if isinstance(low, int | float) and not isinstance(low, bool) else 1
    return {"boolean": True, "array": [], "object": {}, "null": None}.get(kind, f"<{name}>")


def example_call(tool: Tool) -> str | None:
    """A concrete call of ``tool`` that is valid for its schema (its required parameters,
    placeholders for text), or None when a simple one cannot be made."""
    properties = tool.parameters.get("properties")
    properties = properties if isinstance(properties, Mapping) else {}
    required = tool.parameters.get("required")
    names = [n for n in required if isinstance(n, str)] if isinstance(required, list) else []
    if not names and properties:
        names = [next(iter(properties))]
    arguments = {n: _example_value(n, properties.get(n)) for n in names[:EXAMPLE_ARGUMENTS]}
    if len(names) > EXAMPLE_ARGUMENTS or schema_errors(tool.parameters, arguments):
        return None
    return compact({"tool_calls": [{"name": tool.name, "arguments": arguments}]})


EXAMPLE_ARGUMENTS = 6
GENERIC_CALL = '{"tool_calls":[{"name":"<tool name>","arguments":{<arguments>}}]}'


def instruction(plan: Plan) -> str | None:
    """The system message that states the protocol, or None when nothing is asked."""
    if not plan.active:
        return None
    if not plan.calls_allowed:
        assert plan.output is not None
        return "\n".join(
            [
                "JSON mode is on. Answer with JSON and nothing else: no prose, no code fences.",
                "",
                f"Your answer must be JSON that matches this JSON schema ({plan.output.name}):",
                compact(plan.output.schema),
            ]
        )
    first = plan.tools[plan.named] if plan.named else next(iter(plan.tools.values()))
    lines = [f"{CALLS_START} Tools (parameters as JSON schema):"]
    lines += [tool_line(tool) for tool in plan.tools.values()]
    lines += [
        "",
        "To call tools, answer with one JSON object and nothing else (no prose, no code "
        "fences), for example:",
        example_call(first) or GENERIC_CALL,
        ("List one entry per call to call several tools at once." if plan.parallel
         else "Call at most one tool per answer.")
        + " Arguments must match the tool's parameters.",
    ]  # fmt: skip
    if plan.named:
        lines.append(f'You must call the tool "{plan.named}" in this answer.')
    elif plan.choice == "required":
        lines.append("You must call at least one tool in this answer.")
    elif plan.output is None:
        lines.append("To answer without a tool, write your answer as plain text.")
    lines.append(
        "The system gives each call an id; its result comes back as a user message that "
        f'starts with "{TOOL_RESULT} (<tool name>, call <id>)".'
    )
    if plan.output is not None:
        lead = "To answer without a tool, answer with JSON"
        lines += ["", f"{lead} that matches this JSON schema ({plan.output.name}):"]
        lines.append(compact(plan.output.schema))
    return "\n".join(lines)


def repair_request(
    answer_text: str, problems: Sequence[str], plan: Plan | None = None
) -> list[dict[str, Any]]:
    """The two messages appended for the one repair call: the answer, then what was wrong."""
    listed = "\n".join(f"- {p}" for p in problems)
    if plan is not None and plan.calls_allowed:
        again = "Answer again, exactly as the system message asks."
    elif plan is not None and plan.output is not None:
        again = "Answer again, with JSON only, exactly as the system message asks."
    else:
        again = "Answer again, in plain text: no tool can be called now."
    return [
        {"role": "assistant", "content": [{"type": "text", "text": answer_text}]},
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": f"Your last answer does not follow the instructions:\n{listed}\n{again}",
                }
            ],
        },
    ]
