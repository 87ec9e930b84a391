"""OpenAI chat messages -> LaaS ``messages`` (pure: dicts in, dicts out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import refuse

# OpenAI role -> LaaS role. `developer` is OpenAI's newer name for `system`.
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


def to_laas_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    if not isinstance(messages, Sequence) or isinstance(messages, str | bytes):
        raise refuse("messages", "must be a list of messages")
    return [_message(m, f"messages[{i}]") for i, m in enumerate(messages)]


def _message(message: Any, place: str) -> dict[str, Any]:
    if not isinstance(message, Mapping):
        raise refuse(place, "must be an object with `role` and `content`")
    role = message.get("role")
    if role == "tool" or role == "function":
        raise refuse(
            f"{place}.role", f"`{role}` messages are not supported: LaaS has no function calling"
        )
    if role not in ROLES:
        raise refuse(
            f"{place}.role", f"unknown role {role!r}; LaaS accepts system, user, assistant"
        )
    if message.get("tool_calls") or message.get("function_call"):
        raise refuse(
            f"{place}.tool_calls", "tool calls are not supported: LaaS has no function calling"
        )
    if role == "assistant" and message.get("audio"):
        raise refuse(f"{place}.audio", "audio is not supported by LaaS")
    return {"role": ROLES[role], "content": _content(message.get("content"), f"{place}.content")}


def _content(content: Any, place: str) -> list[dict[str, Any]]:
    # LaaS takes a string or a list of parts; we always send parts (what LaaS's own examples do).
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if content is None:
        raise refuse(place, "is missing; every message needs content")
    if not isinstance(content, Sequence) or isinstance(content, bytes):
        raise refuse(place, "must be a string or a list of content parts")
    return [_part(part, f"{place}[{i}]") for i, part in enumerate(content)]


def _part(part: Any, place: str) -> dict[str, Any]:
    if not isinstance(part, Mapping):
        raise refuse(place, "must be a content part object with a `type`")
    kind = part.get("type")
    if kind == "text":
        text = part.get("text")
        if not isinstance(text, str):
            raise refuse(f"{place}.text", "must be a string")
        return {"type": "text", "text": text}
    if kind in ("image_url", "file", "document", "input_audio"):
        raise refuse(place, f"`{kind}` parts are not supported yet by this LaaS provider")
    raise refuse(place, f"unknown content part type {kind!r}")
