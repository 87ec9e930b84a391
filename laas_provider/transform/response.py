"""LaaS answer -> OpenAI ``ModelResponse`` (pure).

LaaS passes its model's answer through "as is", so we are liberal: content as a string or
a list of parts, ``created`` in seconds or milliseconds, extra keys, missing usage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litellm import token_counter
from litellm.types.utils import Choices, Message, ModelResponse, Usage

from .tools.reader import Reading

# OpenAI's finish reasons, plus the names other backends use for the same thing.
FINISH_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "eos": "stop",
    "length": "length",
    "max_tokens": "length",
    "content_filter": "content_filter",
    "safety": "content_filter",
    "tool_calls": "tool_calls",
    "function_call": "function_call",
}


class AnswerError(ValueError):
    """The answer has no usable choice; the handler reports it as an upstream fault."""


def content_text(content: Any) -> str:
    """A message's content as text: a string, or the text of a list of parts joined."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, Mapping) and isinstance(part.get("text"), str):
                texts.append(part["text"])
        return "".join(texts)
    raise AnswerError(f"message content is a {type(content).__name__}")


def finish_reason(value: Any) -> str:
    if isinstance(value, str):
        return FINISH_REASONS.get(value.lower(), "stop")
    return "stop"


LATEST_CREATED = 32_503_680_000  # year 3000: anything later is not a timestamp


def created_seconds(value: Any) -> int:
    # LaaS has been seen sending 13-digit millisecond timestamps.
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        seconds = value / 1000 if value > 1e12 else value
        if 1 <= seconds < LATEST_CREATED:
            return int(seconds)
    return int(time.time())


def usage_of(answer: Mapping[str, Any]) -> Usage | None:
    raw = answer.get("usage")
    if not isinstance(raw, Mapping):
        return None
    prompt = raw.get("prompt_tokens", raw.get("input_tokens"))
    completion = raw.get("completion_tokens", raw.get("output_tokens"))
    if not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (prompt, completion)
    ):
        return None
    total = raw.get("total_tokens")
    if not isinstance(total, int) or isinstance(total, bool) or total < prompt + completion:
        total = prompt + completion
    return Usage(prompt_tokens=prompt, completion_tokens=completion, total_tokens=total)


def first_choice(answer: Any) -> Mapping[str, Any]:
    if not isinstance(answer, Mapping):
        raise AnswerError(f"expected a JSON object, got {type(answer).__name__}")
    choices = answer.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        keys = ", ".join(sorted(str(k) for k in answer)[:8]) or "none"
        raise AnswerError(f"no `choices` in the answer (keys: {keys})")
    return choices[0]


def estimate_usage(model: str, prompt_text: str, completion_text: str) -> Usage:
    """Count tokens locally (text only, no I/O) when LaaS sends no usage, so cost still works."""
    prompt = token_counter(model=model, text=prompt_text) if prompt_text else 0
    completion = (
        token_counter(model=model, text=completion_text, count_response_tokens=True)
        if completion_text
        else 0
    )
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def prompt_text(laas_messages: list[dict[str, Any]]) -> str:
    return "\n".join(
        part["text"] for m in laas_messages for part in m["content"] if part.get("type") == "text"
    )


@dataclass
class Reply:
    """One LaaS answer, normalised: what the model said and what it cost."""

    id: str | None
    created: int
    text: str
    native_calls: list[Any] | None  # OpenAI-shaped tool calls, if the preset sent any
    finish_reason: str
    usage: Usage | None


def read_reply(answer: Any) -> Reply:
    choice = first_choice(answer)
    message = choice.get("message")
    if not isinstance(message, Mapping):
        raise AnswerError("the first choice has no `message`")
    calls = message.get("tool_calls")
    return Reply(
        id=str(answer["id"]) if answer.get("id") else None,
        created=created_seconds(answer.get("created")),
        text=content_text(message.get("content")),
        native_calls=calls if isinstance(calls, list) and calls else None,
        finish_reason=finish_reason(choice.get("finish_reason")),
        usage=usage_of(answer),
    )


def usage_or_estimate(reply: Reply, model: str, laas_messages: list[dict[str, Any]]) -> Usage:
    return reply.usage or estimate_usage(model, prompt_text(laas_messages), reply.text)


def add_usage(first: Usage, second: Usage) -> Usage:
    """Both calls' usage, when a repair call was made."""
    prompt = first.prompt_tokens + second.prompt_tokens
    completion = first.completion_tokens + second.completion_tokens
    return Usage(
        prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
    )


def fill_response(
    reply: Reply,
    reading: Reading,
    model: str,
    model_response: ModelResponse | None = None,
    laas_messages: list[dict[str, Any]] | None = None,
    usage: Usage | None = None,
    estimated: bool = False,
) -> ModelResponse:
    """Fill ``model_response`` (litellm hands one in) from a LaaS reply.

    ``reading`` is what the tool/structured-output reader made of the reply under the
    request's Plan (content or tool calls); this module decides nothing about tools. Without
    usage in the answer (or ``usage`` given), usage is estimated from ``laas_messages`` and
    the answer's text, and the message says so: ``provider_specific_fields["usage_estimated"]``
    (also when ``estimated``: a given ``usage`` that was itself estimated in part).
    """
    usage = usage or reply.usage
    if usage is None:
        usage = estimate_usage(model, prompt_text(laas_messages or []), reply.text)
        estimated = True
    extra = {"usage_estimated": True} if estimated else None
    response = model_response if model_response is not None else ModelResponse()
    response.id = reply.id or response.id
    response.created = reply.created
    response.model = model
    response.choices = [
        Choices(
            index=0,
            finish_reason=reading.finish_reason or reply.finish_reason,
            message=Message(
                role="assistant",
                content=reading.content,
                tool_calls=reading.tool_calls or None,
                provider_specific_fields=extra,
            ),
        )
    ]
    response.usage = usage  # type: ignore[attr-defined]
    return response
