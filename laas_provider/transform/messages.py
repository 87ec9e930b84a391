"""OpenAI chat messages -> LaaS ``messages`` (pure: dicts in, dicts out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import limits
from ..errors import refuse
from .content import to_laas_part

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
    content = _content(message.get("content"), f"{place}.content", role)
    return {"role": ROLES[role], "content": content}


def _content(content: Any, place: str, role: str) -> list[dict[str, Any]]:
    # LaaS takes a string or a list of parts; we always send parts (what LaaS's own examples do).
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if content is None:
        raise refuse(place, "is missing; every message needs content")
    if not isinstance(content, Sequence) or isinstance(content, bytes):
        raise refuse(place, "must be a string or a list of content parts")
    parts: list[dict[str, Any]] = []
    images = 0
    for i, part in enumerate(content):
        laas_part = _part(part, f"{place}[{i}]", role)
        if laas_part["type"] == "image_url":
            images += 1
            if images > limits.IMAGES_PER_MESSAGE:
                raise refuse(
                    f"{place}[{i}]",
                    f"message has {images} images; "
                    f"LaaS accepts at most {limits.IMAGES_PER_MESSAGE} images per message",
                )
        parts.append(laas_part)
    return parts


def _part(part: Any, place: str, role: str) -> dict[str, Any]:
    if not isinstance(part, Mapping):
        raise refuse(place, "must be a content part object with a `type`")
    if part.get("type") == "text":
        text = part.get("text")
        if not isinstance(text, str):
            raise refuse(f"{place}.text", "must be a string")
        return {"type": "text", "text": text}
    if role != "user" and part.get("type") in ("image_url", "file", "document"):
        raise refuse(place, "LaaS accepts images and documents in user messages only")
    return to_laas_part(part, place)
