"""Tool calling and structured outputs, emulated over LaaS's JSON mode (pure).

LaaS documents no function calling. As Wanted's own agent code does, we describe the tools
(or the JSON schema) in one system message that asks for JSON only, and read the calls back
out of the answer's text. Unlike that code, every call and every structured answer is
validated against the client's schemas; the handler makes at most one repair call when the
validation fails. The instruction text, the accepted answer shapes and their limits are in
docs/tools.md.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jsonschema
import orjson
from jsonschema.exceptions import SchemaError

from ..errors import refuse

NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # OpenAI's rule for function names
EMPTY_PARAMETERS: Mapping[str, Any] = {"type": "object", "properties": {}}
# A tool result in the conversation becomes a user message starting with this.
TOOL_RESULT = "Tool result"
MAX_ERRORS_SHOWN = 3


def _compact(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()  # compact, UTF-8 as is; ~10x json.dumps
    except TypeError:  # what orjson cannot encode (e.g. integers over 64 bits)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- validators ----------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _compiled(canonical: bytes) -> jsonschema.protocols.Validator:
    schema = json.loads(canonical)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


def validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """A checked validator, cached by the schema's canonical JSON (agents resend the same
    tools on every turn, so each schema is checked and compiled once, not per request)."""
    try:
        canonical = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        canonical = json.dumps(schema, sort_keys=True, separators=(",", ":")).encode()
    return _compiled(canonical)


def schema_errors(schema: Mapping[str, Any], value: Any) -> list[str]:
    problems = []
    for error in validator(schema).iter_errors(value):
        where = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{where}: {error.message}" if where else error.message)
        if len(problems) == MAX_ERRORS_SHOWN:
            break
    return problems


def _checked_schema(schema: Any, place: str, object_only: bool) -> Mapping[str, Any]:
    if not isinstance(schema, Mapping):
        raise refuse(place, "must be a JSON schema object")
    kind = schema.get("type")
    if object_only and kind is not None and kind != "object":
        raise refuse(place, f"must be a JSON schema of type object, got type {kind!r}")
    try:
        validator(schema)
    except SchemaError as exc:
        raise refuse(place, f"is not a valid JSON schema: {exc.message}") from None
    except (TypeError, ValueError) as exc:
        raise refuse(place, f"is not a valid JSON schema: {exc}") from None
    return schema


# --- the request: tools, tool_choice, response_format ---------------------------------------


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: Mapping[str, Any]

    def line(self) -> str:
        entry: dict[str, Any] = {"name": self.name}
        if self.description:
            entry["description"] = self.description
        entry["parameters"] = self.parameters
        return _compact(entry)


@dataclass(frozen=True)
class OutputSchema:
    name: str
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Plan:
    """What the answer must be: tool calls under ``choice``, and/or JSON matching ``output``."""

    tools: dict[str, Tool] = field(default_factory=dict)
    choice: str = "auto"  # auto | required | none | a tool's name (named)
    parallel: bool = True
    output: OutputSchema | None = None

    @property
    def calls_allowed(self) -> bool:
        return bool(self.tools) and self.choice != "none"

    @property
    def active(self) -> bool:
        return self.calls_allowed or self.output is not None

    @property
    def named(self) -> str | None:
        return self.choice if self.choice not in ("auto", "required", "none") else None

    def instruction(self) -> str | None:
        """The system message that states the protocol, or None when nothing is asked."""
        if not self.active:
            return None
        what = "one JSON object" if self.calls_allowed or self.output is None else "JSON"
        lines = [f"JSON mode is on. Answer with {what} and nothing else: no prose, no code fences."]
        if self.calls_allowed:
            lines += ["", "Tools you can call (name, description, parameters as JSON schema):"]
            lines += [tool.line() for tool in self.tools.values()]
            lines += [
                "",
                'To call tools, answer: {"tool_calls": [{"name": "<tool name>", '
                '"arguments": {<arguments that match the tool\'s parameters>}}]}',
                "Call at most one tool per answer."
                if not self.parallel
                else 'To call several tools at once, put one entry per call in "tool_calls".',
            ]
            if self.named:
                lines.append(f'You must call the tool "{self.named}" in this answer.')
            elif self.choice == "required":
                lines.append("You must call at least one tool in this answer.")
            elif self.output is None:
                lines.append('To answer without a tool, answer: {"content": "<your answer>"}')
            lines.append(
                f'Tool results come back as user messages that start with "{TOOL_RESULT}".'
            )
        if self.output is not None:
            lead = (
                "To answer without a tool, answer with JSON"
                if self.calls_allowed
                else "Your answer must be JSON"
            )
            lines += ["", f"{lead} that matches this JSON schema ({self.output.name}):"]
            lines.append(_compact(self.output.schema))
        return "\n".join(lines)


def parse_tools(raw: Any) -> dict[str, Tool]:
    if raw is None:
        return {}
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise refuse("tools", "must be a list of tools")
    tools: dict[str, Tool] = {}
    for i, item in enumerate(raw):
        place = f"tools[{i}]"
        if not isinstance(item, Mapping):
            raise refuse(place, "must be an object")
        if item.get("type") != "function":
            raise refuse(
                f"{place}.type",
                f"tool type {item.get('type')!r} is not supported; only function tools "
                "can be emulated on LaaS",
            )
        function = item.get("function")
        if not isinstance(function, Mapping):
            raise refuse(f"{place}.function", "must be an object with a name")
        name = function.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise refuse(f"{place}.function.name", "must be 1-64 letters, digits, _ or -")
        if name in tools:
            raise refuse(f"{place}.function.name", f"duplicate tool name {name!r}")
        description = function.get("description") or ""
        if not isinstance(description, str):
            raise refuse(f"{place}.function.description", "must be a string")
        parameters = function.get("parameters")
        parameters = (
            EMPTY_PARAMETERS
            if parameters is None
            else _checked_schema(parameters, f"{place}.function.parameters", object_only=True)
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
    return OutputSchema(name, _checked_schema(schema, "response_format.json_schema.schema", False))


def plan(params: Mapping[str, Any], emulation: bool) -> Plan:
    """The request's tools, tool_choice, parallel_tool_calls and response_format as a Plan.

    Without ``emulation`` (the deployment's ``tool_emulation``), offered tools are refused;
    a structured-output schema needs no switch because its answer is always validated.
    """
    tools = parse_tools(params.get("tools") or None)
    if tools and not emulation:
        raise refuse(
            "tools",
            "tool calling is emulated on LaaS and is off for this model; an administrator "
            "turns it on with `tool_emulation: true` in the deployment's litellm_params",
        )
    raw_choice = params.get("tool_choice")
    if tools:
        choice = parse_tool_choice(raw_choice, tools)
    elif raw_choice in (None, "auto", "none") or (
        isinstance(raw_choice, Mapping) and raw_choice.get("type") in ("auto", "none")
    ):
        choice = "none"
    else:
        raise refuse("tool_choice", "needs `tools`: no tools were offered")
    parallel = params.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        raise refuse("parallel_tool_calls", "must be true or false")
    return Plan(
        tools=tools,
        choice=choice,
        parallel=parallel is not False,
        output=parse_response_format(params.get("response_format")),
    )


# --- the conversation's tool history -------------------------------------------------------


def _arguments_value(raw: Any) -> Any:
    """Arguments as the model should see them: the decoded object when the string is JSON."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return {} if raw is None else raw


def calls_as_text(tool_calls: Any, content: str, place: str) -> str:
    """An assistant turn's tool calls, written in the protocol the model is asked to use."""
    if not isinstance(tool_calls, Sequence) or isinstance(tool_calls, str | bytes):
        raise refuse(place, "must be a list of tool calls")
    calls = []
    for i, call in enumerate(tool_calls):
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            raise refuse(f"{place}[{i}].function.name", "must be a string")
        entry: dict[str, Any] = {"name": function["name"]}
        if isinstance(call.get("id"), str):
            entry = {"id": call["id"], **entry}
        entry["arguments"] = _arguments_value(function.get("arguments"))
        calls.append(entry)
    answer: dict[str, Any] = {"tool_calls": calls}
    if content:
        answer = {"content": content, **answer}
    return _compact(answer)


def result_as_text(name: str | None, call_id: str | None, text: str) -> str:
    """A tool's result as the user message that carries it back to the model."""
    about = ", ".join(x for x in (name, f"call {call_id}" if call_id else None) if x)
    return f"{TOOL_RESULT} ({about}):\n{text}" if about else f"{TOOL_RESULT}:\n{text}"


# --- the answer ----------------------------------------------------------------------------


@dataclass
class Reading:
    """What an answer says: text, or tool calls (OpenAI shape), and what is wrong with it."""

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def finish_reason(self) -> str | None:
        return "tool_calls" if self.tool_calls else None


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()


def find_json(text: str, kinds: tuple[type, ...] = (dict,)) -> tuple[Any, str] | None:
    """The first JSON value of ``kinds`` in ``text`` and the exact text it was read from:
    the whole text, else inside ```json fences, else the first balanced one amid prose."""
    stripped = text.strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        pass
    else:
        return (value, stripped) if isinstance(value, kinds) else None
    for fenced in _FENCE.findall(text):
        found = find_json(fenced, kinds)
        if found is not None:
            return found
    opener = "".join(c for c, k in (("{", dict), ("[", list)) if k in kinds)
    for at, char in enumerate(text):
        if char in opener:
            try:
                value, end = _DECODER.raw_decode(text, at)
            except ValueError:
                continue
            if isinstance(value, kinds):
                return value, text[at:end]
    return None


def new_call_id() -> str:
    return "call_" + secrets.token_hex(12)


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


def normalise_call(raw: Any, index: int) -> tuple[dict[str, Any], str | None]:
    """One call in any accepted shape -> an OpenAI tool call, and a problem if unusable."""
    if not isinstance(raw, Mapping):
        return {}, f"tool call {index} is not an object"
    function = raw.get("function") if isinstance(raw.get("function"), Mapping) else {}
    name = _first(raw, "name", "tool_name") or function.get("name")
    arguments = _first(raw, "arguments", "parameters", "args")
    if arguments is None:
        arguments = function.get("arguments")
    if not isinstance(name, str) or not name:
        return {}, f"tool call {index} has no tool name"
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, str):
        arguments = _compact(arguments)
    call_id = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else new_call_id()
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    return call, None


def read_calls(found: Mapping[str, Any]) -> list[Any] | None:
    """The raw calls of a protocol answer, or None when it holds none."""
    many = found.get("tool_calls")
    if isinstance(many, list) and many:
        return many
    one = found.get("tool_call")
    if isinstance(one, Mapping):
        return [one]
    return None


def read_answer(text: str, native_calls: Any, plan: Plan) -> Reading:
    """Read an answer under ``plan``: native calls, then a protocol JSON object, then text."""
    raw_calls = native_calls if isinstance(native_calls, list) and native_calls else None
    found = None
    if raw_calls is None and plan.calls_allowed:
        located = find_json(text)
        if located is not None:
            found = located[0]
            raw_calls = read_calls(found)
    if raw_calls is not None and (plan.calls_allowed or not plan.active):
        said = found.get("content") if found is not None else text
        reading = Reading(content=said if isinstance(said, str) and said else None)
        for i, raw in enumerate(raw_calls):
            call, problem = normalise_call(raw, i)
            if problem:
                reading.problems.append(problem)
            else:
                reading.tool_calls.append(call)
        if plan.active:
            reading.problems += check_calls(reading.tool_calls, plan)
        return reading
    if plan.output is not None:
        return _structured(text, plan)
    if found is not None and isinstance(found.get("content"), str):
        reading = Reading(content=found["content"])
    else:
        reading = Reading(content=text)
    if plan.calls_allowed and plan.choice != "auto":
        reading.problems.append(_choice_unmet(plan))
    return reading


def _structured(text: str, plan: Plan) -> Reading:
    assert plan.output is not None
    located = find_json(text, (dict, list, str, int, float, bool))
    if located is None:
        return Reading(content=text, problems=["the answer is not JSON"])
    value, exact = located
    problems = [f"schema {plan.output.name}: {p}" for p in schema_errors(plan.output.schema, value)]
    if plan.calls_allowed and plan.choice != "auto":
        problems.append(_choice_unmet(plan))
    return Reading(content=exact, problems=problems)


def _choice_unmet(plan: Plan) -> str:
    if plan.named:
        return f'tool_choice requires a call of the tool "{plan.named}", and none was made'
    return "tool_choice is required: at least one tool call is needed, and none was made"


def check_calls(calls: list[dict[str, Any]], plan: Plan) -> list[str]:
    """Problems with ``calls`` under ``plan``: unknown tools, bad arguments, tool_choice."""
    problems = []
    for i, call in enumerate(calls):
        name = call["function"]["name"]
        tool = plan.tools.get(name)
        if tool is None:
            offered = ", ".join(plan.tools) or "none"
            problems.append(f"tool call {i}: unknown tool {name!r} (offered: {offered})")
            continue
        try:
            arguments = json.loads(call["function"]["arguments"])
        except ValueError:
            problems.append(f"tool call {i} ({name}): arguments are not valid JSON")
            continue
        problems += [
            f"tool call {i} ({name}): {p}" for p in schema_errors(tool.parameters, arguments)
        ]
    if plan.named and not any(c["function"]["name"] == plan.named for c in calls):
        problems.append(_choice_unmet(plan))
    if not plan.parallel and len(calls) > 1:
        problems.append(f"parallel_tool_calls is false: one call allowed, {len(calls)} made")
    return problems


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
