"""A natively streamed LaaS answer -> litellm stream chunks (pure).

The handler hands each piece of text it reads from LaaS to ``EventReader`` (events.py:
httpx-sse's decoders, lines, then server-sent events), each event to ``read_event``, and the
deltas to ``Relay``, which says what to send the client now. Events that arrived in one
network read go out as one chunk: under load the proxy sends fewer, bigger chunks instead of
falling behind one per token. Text is relayed as it arrives, except under tool emulation,
where whatever may be a tool call is held back until the answer is complete, read with
``read_answer`` and validated (``Holdback``; docs/tools.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litellm.types.utils import GenericStreamingChunk, Usage

# The events' names stay importable here: live is the native stream's one surface.
from .events import DONE, Delta, EventReader, ServerSentEvent, read_event
from .response import AnswerError, Reply, created_seconds
from .stream import _chunk
from .tools import History, Plan, Reading, read_answer

# Where an emulated tool call may begin: JSON, a code fence, the tags and markers models use
# for calls (Hermes/Qwen, Mistral, Llama). From the first of these on, text is held back.
MARKERS = ("{", "```", "<tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "<function")
# These only mean a call at the start of the answer (a JSON list of calls, a bare name tag).
LEADING = ("[",)


class Holdback:
    """Splits streamed text into what may be sent now and what must wait for the whole answer.

    Under tool emulation with ``tool_choice: auto``, plain text streams; from the first
    ``MARKERS`` (or a leading ``[``) on, the rest is held. When the answer must be a call or
    JSON (``tool_choice`` required or named, a ``json_schema``), everything is held.
    Leading whitespace and a tail that may be the start of a marker wait for the next text.
    """

    def __init__(self, plan: Plan):
        self.all = plan.output is not None or plan.calls_required
        self.sent = ""
        self.pending = ""
        self.held: str | None = "" if self.all else None

    @property
    def holding(self) -> bool:
        return self.held is not None

    def feed(self, text: str) -> str:
        """The part of ``text`` (after what is pending) that may be sent now."""
        if self.held is not None:
            self.held += text
            return ""
        buffer = self.pending + text
        if not self.sent:
            body = buffer.lstrip()
            if not body:
                self.pending = buffer
                return ""
            if body.startswith(LEADING):
                self.pending, self.held = "", buffer
                return ""
        at = min((i for i in (buffer.find(m) for m in MARKERS) if i >= 0), default=-1)
        if at >= 0:
            self.pending, self.held = "", buffer[at:]
            return self._send(buffer[:at])
        keep = _marker_prefix(buffer)
        self.pending = buffer[len(buffer) - keep :] if keep else ""
        return self._send(buffer[: len(buffer) - keep])

    def rest(self) -> str:
        """At the end: the text still unsent (held back or pending)."""
        return (self.held or "") + self.pending

    def _send(self, text: str) -> str:
        self.sent += text
        return text


def _marker_prefix(text: str) -> int:
    """The length of the longest tail of ``text`` that a marker starts with."""
    for size in range(min(len(text), max(map(len, MARKERS)) - 1), 0, -1):
        tail = text[-size:]
        if any(m.startswith(tail) for m in MARKERS):
            return size
    return 0


class Relay:
    """One streamed answer: feed it Deltas, send the chunks it returns; ``reply()`` at the end."""

    def __init__(self, plan: Plan, history: History | None = None):
        self.plan = plan
        self.history = history
        # A tool history alone (an agent's closing turn) also holds back what may be a call:
        # it is unwrapped, or repaired to text, as on the non-streamed path.
        watched = plan.calls_allowed or plan.output or (history is not None and history.active)
        self.holdback = Holdback(plan) if watched else None
        self.parts: list[str] = []
        self.native: dict[int, dict[str, Any]] = {}
        self.finish: str | None = None
        self.usage: Usage | None = None
        self.id: str | None = None
        self.created: int | None = None
        self.done = False
        self.problem: AnswerError | None = None  # an unusable event ended the reading

    def feed(self, delta: Delta) -> list[GenericStreamingChunk]:
        if delta.done:
            self.done = True
            return []
        self.id = self.id or delta.id
        self.created = self.created or delta.created
        self.usage = delta.usage or self.usage
        self.finish = delta.finish_reason or self.finish
        for i, fragment in enumerate(delta.tool_calls):
            self._native_fragment(i, fragment)
        if not delta.text:
            return []
        self.parts.append(delta.text)
        text = self.holdback.feed(delta.text) if self.holdback else delta.text
        return [_chunk(text)] if text else []

    def feed_events(self, events: list[ServerSentEvent]) -> list[GenericStreamingChunk]:
        """One read's events -> at most one text chunk; an unusable event stops the reading
        and is kept in ``problem`` (the text before it is still returned)."""
        deltas = []
        for event in events:
            if self.done:
                break
            try:
                deltas.append(read_event(event.event, event.data))
            except AnswerError as exc:
                self.problem = exc
                break
        return self.feed_all(deltas)

    def feed_all(self, deltas: list[Delta]) -> list[GenericStreamingChunk]:
        """Several deltas (one network read's worth) -> at most one text chunk."""
        text = "".join(c["text"] for d in deltas if not self.done for c in self.feed(d))
        return [_chunk(text)] if text else []

    @property
    def ended(self) -> bool:
        """The service said the answer is complete ([DONE], or at least a finish reason)."""
        return self.done or self.finish is not None

    @property
    def sent_text(self) -> bool:
        return bool(self.holdback.sent) if self.holdback else bool(self.parts)

    def reply(self) -> Reply:
        """The whole answer, as the non-streamed path sees one."""
        calls = [self.native[i] for i in sorted(self.native)] or None
        return Reply(
            id=self.id,
            created=self.created or created_seconds(None),
            text="".join(self.parts),
            native_calls=calls,
            finish_reason=self.finish or "stop",
            usage=self.usage,
        )

    def reading(self) -> Reading:
        """What the held-back part says (tool calls, or text), read and validated."""
        held = self.holdback.rest() if self.holdback else ""
        if not self.holdback and not self.native:
            return Reading(content=None)
        return read_answer(held, self.reply().native_calls, self.plan, self.history)

    def closing(
        self, reading: Reading, usage: Usage, reason: str | None = None
    ) -> list[GenericStreamingChunk]:
        """The last chunks: held-back text or calls (from ``reading``), then finish and usage."""
        chunks = []
        if reading.content:
            chunks.append(_chunk(reading.content))
        for index, call in enumerate(reading.tool_calls):
            chunks.append(_chunk("", tool_use={**call, "index": index}))
        finish = reading.finish_reason or reason or self.finish or "stop"
        chunks.append(_chunk("", is_finished=True, finish_reason=finish, usage=_usage(usage)))
        return chunks

    def _native_fragment(self, position: int, fragment: Mapping[str, Any]) -> None:
        # OpenAI streams a call in pieces keyed by `index`: the id and name first, then the
        # arguments string in fragments; joined here, passed on whole at the end.
        index = fragment.get("index", position)
        index = index if isinstance(index, int) else position
        call = self.native.setdefault(
            index, {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
        )
        if isinstance(fragment.get("id"), str):
            call["id"] = fragment["id"]
        function = fragment.get("function")
        if isinstance(function, Mapping):
            if isinstance(function.get("name"), str):
                call["function"]["name"] += function["name"]
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                call["function"]["arguments"] += arguments
            elif arguments is not None:
                call["function"]["arguments"] = arguments


def _usage(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def stream_body(body: Mapping[str, Any], mode: str) -> dict[str, Any]:
    """The request body for a natively streamed call: v2 adds ``stream: true``; the
    orchestrator endpoint takes the preset hash in its path, so ``hash`` is left out."""
    if mode == "orchestrator":
        return {k: v for k, v in body.items() if k != "hash"}
    return {**body, "stream": True}


__all__ = ["DONE", "Delta", "EventReader", "Holdback", "Relay", "read_event", "stream_body"]
