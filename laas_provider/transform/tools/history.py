"""The conversation's tool history as text in the protocol the model is asked to use (pure)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import checks
from ._json import compact
from .instruction import TOOL_RESULT


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
    calls = []
    for i, call in enumerate(checks.a_list(tool_calls, place, "tool call objects")):
        call = checks.an_object(call, f"{place}[{i}]")
        function = checks.function(call.get("function"), f"{place}[{i}].function")
        entry: dict[str, Any] = {"name": function["name"]}
        if isinstance(call.get("id"), str):
            entry = {"id": call["id"], **entry}
        raw = checks.arguments(function.get("arguments"), f"{place}[{i}].function.arguments")
        entry["arguments"] = _arguments_value(raw)
        calls.append(entry)
    answer: dict[str, Any] = {"tool_calls": calls}
    if content:
        answer = {"content": content, **answer}
    return compact(answer)


def result_as_text(name: str | None, call_id: str | None, text: str) -> str:
    """A tool's result as the user message that carries it back to the model."""
    about = ", ".join(x for x in (name, f"call {call_id}" if call_id else None) if x)
    return f"{TOOL_RESULT} ({about}):\n{text}" if about else f"{TOOL_RESULT}:\n{text}"


@dataclass(frozen=True)
class History:
    """The conversation's tool history: whether it has any, and the call ids it used."""

    active: bool = False
    ids: frozenset[str] = frozenset()


def tool_history(messages: Any) -> History:
    """The tool calls and results in ``messages`` (already checked by to_laas_messages)."""
    if not isinstance(messages, Sequence):
        return History()
    active = False
    ids: set[str] = set()
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        if message.get("role") in ("tool", "function"):
            active = True
            if isinstance(message.get("tool_call_id"), str):
                ids.add(message["tool_call_id"])
        calls = message.get("tool_calls") if message.get("role") == "assistant" else None
        if calls or (message.get("role") == "assistant" and message.get("function_call")):
            active = True
            for call in calls if isinstance(calls, Sequence) else ():
                if isinstance(call, Mapping) and isinstance(call.get("id"), str):
                    ids.add(call["id"])
    return History(active, frozenset(ids))
