"""Checking schemas and validating answers against them (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import jsonschema
import orjson
from jsonschema.exceptions import SchemaError

from ...errors import refuse

if TYPE_CHECKING:
    from .plan import Plan

MAX_ERRORS_SHOWN = 3


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


def checked_schema(schema: Any, place: str, object_only: bool) -> Mapping[str, Any]:
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


def choice_unmet(plan: Plan) -> str:
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
        problems.append(choice_unmet(plan))
    if not plan.parallel and len(calls) > 1:
        problems.append(f"parallel_tool_calls is false: one call allowed, {len(calls)} made")
    return problems
