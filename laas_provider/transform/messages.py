"""OpenAI chat messages -> LaaS ``messages`` (pure: dicts in, dicts out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import limits
from ..errors import refuse
from . import checks
from .media.content import is_image, to_laas_part
from .media.work import DEFAULT, Options
from .tools import calls_as_text, result_as_text

# OpenAI role -> LaaS role. `developer` is OpenAI's newer name for `system`.
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}
# A system message after the conversation has started (Claude Code sends them, Codex sends
# `developer` ones): LaaS appends messages after its preset's system prompt, and a model
# behind it may not accept a system turn mid-way, so it goes in as a user turn at its place,
# marked as the application's words, not the user's.
MID_SYSTEM_LEAD = "[System message from the application, not from the user]\n"


def to_laas_messages(messages: Sequence[Any], media: Options = DEFAULT) -> list[dict[str, Any]]:
    """The LaaS messages. Parts a worker must adapt first stay as ``media.work.Pending``s."""
    checks.messages(messages)
    names: dict[str, str] = {}  # tool call id -> tool name, from earlier assistant turns
    out = []
    for i, m in enumerate(messages):
        out += _message(m, f"messages[{i}]", names, media)
    started = False
    for i, message in enumerate(out):
        if message["role"] != "system":
            started = True
        elif started:
            out[i] = as_user_instruction(message)
    return out


def as_user_instruction(message: dict[str, Any]) -> dict[str, Any]:
    """A mid-conversation system message as a user turn that says whose words it holds."""
    parts = message["content"]
    if parts and parts[0]["type"] == "text":
        parts = [{"type": "text", "text": MID_SYSTEM_LEAD + parts[0]["text"]}, *parts[1:]]
    else:
        parts = [{"type": "text", "text": MID_SYSTEM_LEAD.rstrip()}, *parts]
    return {"role": "user", "content": parts}


def _message(
    message: Any, place: str, names: dict[str, str], media: Options
) -> list[dict[str, Any]]:
    """One client message as LaaS messages: one, or several when its images are spread."""
    message = checks.message(message, place)
    role = checks.role(message, place)
    if role in ("tool", "function"):
        return [_tool_result(message, place, names)]
    if role == "assistant" and (message.get("tool_calls") or message.get("function_call")):
        return [_tool_calls(message, place, names)]
    if role == "assistant" and message.get("audio"):
        raise refuse(f"{place}.audio", "audio is not supported by LaaS")
    content = _content(message.get("content"), f"{place}.content", role, media)
    return [{"role": ROLES[role], "content": parts} for parts in content]


def _text_of(message: Mapping[str, Any], role: str, place: str) -> str:
    """The text of a tool turn's content (a string, or text parts); null, where the rule
    allows it (``checks.content_of``), is empty."""
    content = checks.content_of(message, role, place)
    if content is None:
        return ""
    (parts,) = _content(content, place, "assistant", DEFAULT)
    return "".join(p["text"] for p in parts)


def _tool_calls(message: Mapping[str, Any], place: str, names: dict[str, str]) -> dict[str, Any]:
    # LaaS has no tool calls: the turn goes back as the JSON the model is asked to write.
    calls = message.get("tool_calls")
    where = f"{place}.tool_calls"
    if not calls:  # the legacy single `function_call`
        where = f"{place}.function_call"
        function = checks.function(message.get("function_call"), where)
        checks.arguments(function.get("arguments"), f"{where}.arguments")
        calls = [{"function": function}]
    text = calls_as_text(calls, _text_of(message, "assistant", f"{place}.content"), where)
    for call in calls:
        if isinstance(call.get("id"), str):
            names[call["id"]] = call["function"]["name"]
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def _tool_result(message: Mapping[str, Any], place: str, names: dict[str, str]) -> dict[str, Any]:
    call_id = message.get("tool_call_id")
    if message.get("role") == "tool":
        checks.tool_call_id(message, place)
    name = message.get("name") if isinstance(message.get("name"), str) else names.get(call_id)
    role = checks.role(message, place)
    text = result_as_text(name, call_id, _text_of(message, role, f"{place}.content"))
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def _content(content: Any, place: str, role: str, media: Options) -> list[list[Any]]:
    """A message's parts as LaaS takes them: one list, or (``spread_images``) one list per
    user message when the images are more than LaaS takes in one."""
    # LaaS takes a string or a list of parts; we always send parts (what LaaS's own examples do).
    if isinstance(checks.content(content, place), str):
        return [[{"type": "text", "text": content}]]
    messages: list[list[Any]] = [[]]
    images = 0
    for i, part in enumerate(content):
        laas_part = _part(part, f"{place}[{i}]", role, media)
        if is_image(laas_part):
            images += 1
            if images > limits.IMAGES_PER_MESSAGE:
                if not media.spread_images:
                    raise refuse(
                        f"{place}[{i}]",
                        f"message has {images} images; "
                        f"LaaS accepts at most {limits.IMAGES_PER_MESSAGE} images per message",
                    )
                messages.append([])  # the next user message takes the next images
                images = 1
        messages[-1].append(laas_part)
    if len(messages) > 1:
        media.note(f"{place}: images spread over {len(messages)} user messages (spread_images)")
    return messages


def _part(part: Any, place: str, role: str, media: Options) -> Any:
    if checks.part(part, place).get("type") == "text":
        return {"type": "text", "text": checks.a_string(part.get("text"), f"{place}.text")}
    if role != "user" and part.get("type") in ("image_url", "file", "document"):
        raise refuse(place, "LaaS accepts images and documents in user messages only")
    return to_laas_part(part, place, media)
