"""An OpenAI-compatible endpoint on the emulator, for benchmarks only.

``POST /v1/chat/completions`` turns the OpenAI body into a LaaS body for the ``echo``
preset and runs the LaaS endpoint's own handler on it, so it gives exactly the same answer
with the same work and latency; it streams with SSE when asked. So LiteLLM's built-in
``openai/`` provider and our plugin can be compared behind one proxy on identical work
(``bench/proxy_compare.py``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from .presets import DEFAULT_PRESET, preset_hash
from .state import State

STREAM_CHUNK_CHARS = 2048  # the same slicing the plugin uses for its chunks


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _stream(answer: dict[str, Any], include_usage: bool) -> AsyncIterator[str]:
    base = {
        "id": answer["id"],
        "object": "chat.completion.chunk",
        "created": answer["created"],
        "model": answer["model"],
    }
    text = answer["choices"][0]["message"]["content"]
    yield _sse(
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
        }
    )
    for at in range(0, len(text), STREAM_CHUNK_CHARS):
        delta = {"content": text[at : at + STREAM_CHUNK_CHARS]}
        yield _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
    yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if include_usage:
        yield _sse({**base, "choices": [], "usage": answer["usage"]})
    yield "data: [DONE]\n\n"


def _content(content: Any) -> Any:
    """OpenAI content as LaaS takes it: ``file`` parts (a PDF data URL) become ``document``
    parts, as the plugin sends them; everything else is passed on as is."""
    if not isinstance(content, list):
        return content or ""
    return [
        {"type": "document", "document_url": {"url": (part.get("file") or {}).get("file_data")}}
        if isinstance(part, dict) and part.get("type") == "file"
        else part
        for part in content
    ]


def register(app: FastAPI, state: State, handle_chat) -> None:
    echo = preset_hash(DEFAULT_PRESET)

    @app.post("/v1/chat/completions")
    async def openai_chat(request: Request) -> Response:
        body = json.loads(await request.body())
        messages = [
            {
                "role": "system" if m.get("role") == "developer" else m.get("role"),
                "content": _content(m.get("content")),
            }
            for m in body.get("messages", [])
        ]
        answer = await handle_chat(
            state, {"hash": echo, "params": {}, "messages": messages}, request
        )
        if isinstance(answer, Response):
            return answer
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return StreamingResponse(_stream(answer, include_usage), media_type="text/event-stream")
        return JSONResponse(answer)
