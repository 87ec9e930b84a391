"""The system message that states the JSON protocol, and the repair request (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._json import compact

if TYPE_CHECKING:
    from .plan import Plan, Tool

# A tool result in the conversation becomes a user message starting with this.
TOOL_RESULT = "Tool result"


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


def instruction(plan: Plan) -> str | None:
    """The system message that states the protocol, or None when nothing is asked."""
    if not plan.active:
        return None
    what = "one JSON object" if plan.calls_allowed or plan.output is None else "JSON"
    lines = [f"JSON mode is on. Answer with {what} and nothing else: no prose, no code fences."]
    if plan.calls_allowed:
        lines += ["", "Tools you can call (name, description, parameters as JSON schema):"]
        lines += [tool_line(tool) for tool in plan.tools.values()]
        lines += [
            "",
            'To call tools, answer: {"tool_calls": [{"name": "<tool name>", '
            '"arguments": {<arguments that match the tool\'s parameters>}}]}',
            "Call at most one tool per answer."
            if not plan.parallel
            else 'To call several tools at once, put one entry per call in "tool_calls".',
        ]
        if plan.named:
            lines.append(f'You must call the tool "{plan.named}" in this answer.')
        elif plan.choice == "required":
            lines.append("You must call at least one tool in this answer.")
        elif plan.output is None:
            lines.append('To answer without a tool, answer: {"content": "<your answer>"}')
        lines.append(f'Tool results come back as user messages that start with "{TOOL_RESULT}".')
    if plan.output is not None:
        lead = (
            "To answer without a tool, answer with JSON"
            if plan.calls_allowed
            else "Your answer must be JSON"
        )
        lines += ["", f"{lead} that matches this JSON schema ({plan.output.name}):"]
        lines.append(compact(plan.output.schema))
    return "\n".join(lines)


def repair_request(answer_text: str, problems: Sequence[str]) -> list[dict[str, Any]]:
    """The two messages appended for the one repair call: the answer, then what was wrong."""
    listed = "\n".join(f"- {p}" for p in problems)
    return [
        {"role": "assistant", "content": [{"type": "text", "text": answer_text}]},
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "Your last answer does not follow the instructions:\n"
                    f"{listed}\nAnswer again, with JSON only, exactly as the system message asks.",
                }
            ],
        },
    ]
