"""LaaS's server-sent events read (pure): text as it arrives -> complete events
(``EventReader``, httpx-sse's decoders) -> one ``Delta`` each (``read_event``). live.py
relays the deltas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

# The decoders httpx-sse's EventSource runs, used directly so that a network read's events
# come out together (EventSource yields them one at a time). Pinned <0.5 in pyproject.
from httpx_sse._decoders import SSEDecoder, SSELineDecoder
from httpx_sse._models import ServerSentEvent
from litellm.types.utils import Usage

from .response import AnswerError, content_text, created_seconds, finish_reason, usage_of

DONE = "[DONE]"


@dataclass
class Delta:
    """One event's worth: new text, native tool-call fragments, the finish, usage."""

    text: str = ""
    tool_calls: list[Mapping[str, Any]] = field(default_factory=list)
    finish_reason: str | None = None
    usage: Usage | None = None
    id: str | None = None
    created: int | None = None
    done: bool = False


class EventReader:
    """Text as it is read -> the complete server-sent events in it (the rest is kept)."""

    def __init__(self) -> None:
        self.lines = SSELineDecoder()
        self.events = SSEDecoder()

    def feed(self, text: str) -> list[ServerSentEvent]:
        return self._decode(self.lines.decode(text))

    def close(self) -> list[ServerSentEvent]:
        """At the end of the body: an event the service did not end with a blank line."""
        return self._decode([*self.lines.flush(), ""])

    def _decode(self, lines: list[str]) -> list[ServerSentEvent]:
        found = []
        for line in lines:
            event = self.events.decode(line.rstrip("\n"))
            if event is not None:
                found.append(event)
        return found


def read_event(event: str, data: str) -> Delta:
    """One server-sent event -> a Delta. Raises ``AnswerError`` for an event we cannot use
    (not JSON, an error event) — the stream is then broken and is ended with an error."""
    if data.strip() == DONE:
        return Delta(done=True)
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise AnswerError(f"a stream event is not JSON ({len(data)} bytes)") from None
    if event == "error" or (isinstance(payload, Mapping) and "error" in payload):
        raise AnswerError(f"the stream sent an error event: {_error_text(payload)}")
    if not isinstance(payload, Mapping):
        raise AnswerError(f"a stream event is a JSON {type(payload).__name__}, not an object")
    delta = Delta(
        usage=usage_of(payload),
        id=str(payload["id"]) if payload.get("id") else None,
        created=created_seconds(payload["created"]) if "created" in payload else None,
    )
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices:
        return delta  # e.g. the usage chunk (choices: [])
    choice = choices[0]
    if not isinstance(choice, Mapping):
        raise AnswerError("a stream event's first choice is not an object")
    # OpenAI-like chunks carry `delta`; some services repeat `message` instead.
    part = choice.get("delta", choice.get("message"))
    if isinstance(part, Mapping):
        delta.text = content_text(part.get("content"))
        calls = part.get("tool_calls")
        if isinstance(calls, list):
            delta.tool_calls = [c for c in calls if isinstance(c, Mapping)]
    if choice.get("finish_reason"):
        delta.finish_reason = finish_reason(choice["finish_reason"])
    return delta


def _error_text(payload: Any) -> str:
    error = payload.get("error") if isinstance(payload, Mapping) else payload
    if isinstance(error, Mapping):
        error = error.get("message") or error
    return " ".join(str(error).split())[:300]
