"""The emulator's SSE answers: a finished answer sent token by token, at a set rate, with
faults mid-stream.

Both streaming endpoints use it: the preset v2 endpoint when ``stream: true`` meets the
``stream_sse`` deviation, and Ennoia's ``/api/llm-orchestrator/chat/stream/{hash}/2``.
One event per token (``CHARS_PER_TOKEN`` characters), OpenAI chunk shape
(``choices[0].delta.content``), then a finish chunk, optionally a usage chunk, and
``data: [DONE]``. ``--token-rate`` (tokens per second, 0: as fast as possible) paces the
tokens; non-streamed answers then wait as long as the whole answer would take to stream,
so the two paths can be compared (bench/bench_stream.py).

Mid-stream faults (``kind`` of a queued fault or of ``emulator_fault``; ``after`` tokens
first): ``cut`` drops the connection, ``bad_event`` sends an event that is not JSON then
ends, ``stall`` stops sending for ``delay`` seconds (default an hour) then goes on, and
``error_event`` sends ``data: {"error": {...}}`` then ends. A client that goes away is
counted in ``/_emulator/stats`` ``disconnected``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from .faults import HANG_SECONDS, Fault, _drop_connection
from .state import State
from .variants import CHARS_PER_TOKEN

STREAM_FAULTS = ("cut", "bad_event", "stall", "error_event")


def _sse(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}\n\n".encode()


def _text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def tokens(text: str) -> list[str]:
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


def generation_seconds(answer: dict[str, Any], rate: float) -> float:
    """How long the answer takes to stream at ``rate`` tokens/s (0: no time)."""
    if rate <= 0:
        return 0.0
    text = _text(answer["choices"][0]["message"].get("content"))
    return len(tokens(text)) / rate


async def _events(
    state: State, answer: dict[str, Any], usage: bool, fault: Fault | None, request: Request
) -> AsyncIterator[bytes]:
    base = {"id": answer["id"], "object": "chat.completion.chunk",
            "created": answer["created"], "model": answer.get("model", "")}  # fmt: skip
    choice = answer["choices"][0]
    message = choice["message"]
    pause = 1 / state.token_rate if state.token_rate > 0 else 0.0
    finished = False
    try:
        first = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        yield _sse({**base, "choices": [first]})
        for n, token in enumerate(tokens(_text(message.get("content")))):
            if fault is not None and n == fault.after:
                if fault.kind == "cut":
                    _drop_connection(request)
                    return
                if fault.kind == "bad_event":
                    yield b'data: {"choices": [{"delta": {"content": \n\n'
                    return
                if fault.kind == "error_event":
                    yield _sse({"error": {"message": "emulated failure mid-stream"}})
                    return
                if fault.kind == "stall":
                    await asyncio.sleep(fault.delay or HANG_SECONDS)
            if pause:
                await asyncio.sleep(pause)
            delta = {"index": 0, "delta": {"content": token}, "finish_reason": None}
            yield _sse({**base, "choices": [delta]})
        if message.get("tool_calls"):
            calls = [{**c, "index": i} for i, c in enumerate(message["tool_calls"])]
            delta = {"index": 0, "delta": {"tool_calls": calls}, "finish_reason": None}
            yield _sse({**base, "choices": [delta]})
        last = {"index": 0, "delta": {}, "finish_reason": choice.get("finish_reason") or "stop"}
        yield _sse({**base, "choices": [last]})
        if usage and answer.get("usage"):
            yield _sse({**base, "choices": [], "usage": answer["usage"]})
        yield b"data: [DONE]\n\n"
        finished = True
    finally:
        if not finished and (fault is None or fault.kind == "stall"):
            state.disconnected += 1  # the caller went away mid-stream


def respond(
    state: State, answer: dict[str, Any], usage: bool, request: Request
) -> StreamingResponse:
    """``answer`` as an SSE stream (a mid-stream fault, if one was chosen for this call)."""
    fault = getattr(request.state, "stream_fault", None)
    return StreamingResponse(
        _events(state, answer, usage, fault, request),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )
