"""Checking schemas (schemas.py) and validating answers against them (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jsonschema
import referencing.exceptions

from ...errors import refuse
from . import budget
from .limits import MAX_ANSWER_DEPTH, VALIDATION_SECONDS, VALIDATION_STEPS
from .schemas import checked

if TYPE_CHECKING:
    from .policy import Plan

MAX_ERRORS_SHOWN = 3


def validator(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """A checked validator, cached by the schema's canonical JSON (agents resend the same
    tools on every turn, so each schema is checked and compiled once, not per request)."""
    return checked(schema, "schema").validator


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_ANSWER_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


def schema_errors(schema: Mapping[str, Any], value: Any) -> list[str]:
    """What is wrong with ``value`` under ``schema`` (at most MAX_ERRORS_SHOWN); never raises
    for a hostile value: too deep to check is a problem like any other, for the repair call."""
    if _too_deep(value):
        return [f"the value is nested deeper than {MAX_ANSWER_DEPTH} levels"]
    problems = []
    budget.start()
    try:
        for error in validator(schema).iter_errors(value):
            where = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{where}: {error.message}" if where else error.message)
            if len(problems) == MAX_ERRORS_SHOWN:
                break
    except budget.OverBudget:
        return [
            f"the value is too costly to check against the schema (over {VALIDATION_STEPS:,} "
            f"steps or {VALIDATION_SECONDS * 1000:.0f} ms); answer with a smaller value"
        ]
    except RecursionError:  # a recursive schema and a deep value; bounded above, kept as a net
        return ["the value is nested too deeply to be checked against the schema"]
    except referencing.exceptions.Unresolvable as exc:  # checked at request time; a net too
        return [f"the schema's reference {exc!s:.80} does not resolve"]
    return problems


def checked_schema(schema: Any, place: str, object_only: bool) -> int:
    """The size of ``schema`` (compact JSON bytes) if it is a JSON schema this proxy can safely
    check answers against; a 400 naming ``place`` and the limit otherwise (schemas.py)."""
    if not isinstance(schema, Mapping):
        raise refuse(place, "must be a JSON schema object")
    kind = schema.get("type")
    if object_only and kind is not None and kind != "object":
        raise refuse(place, f"must be a JSON schema of type object, got type {kind!r}")
    return checked(schema, place).size


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
        except (ValueError, RecursionError):
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
