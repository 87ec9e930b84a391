"""A local LaaS that follows the LaaS API as docs/assumptions.md describes it: auth headers,
presets, params, error shapes. This module is the app and its endpoints (auth, the request
body, an answer whole or streamed); the work of one chat call is chat.py.

Answers are deterministic and say what arrived (roles, filled-in system prompt, params), so
end-to-end tests can assert on them. ``/_emulator/*`` endpoints let tests queue faults and
read what was received; they exist only here, never on the real service.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from . import behaviour, faults, openai_compat, streaming
from .chat import error, handle_chat
from .faults import Fault
from .presets import PRESETS, Preset, preset_hash
from .state import State


async def _whole(state: State, answer: dict, request: Request) -> Response:
    """A whole answer, sent when its last token would have been generated (--token-rate)."""
    wait = streaming.generation_seconds(answer, state.token_rate)
    if wait and not await faults.wait_for_caller(wait, request):
        state.disconnected += 1
        return Response(status_code=499)
    return JSONResponse(answer)


def create_app(
    project_code: str,
    api_key: str,
    presets: Iterable[Preset] = PRESETS,
    projects: Mapping[str, str] | None = None,
) -> FastAPI:
    """``projects``: more project codes (-> apiKey) accepted besides ``project_code``."""
    state = State(
        project_code, api_key, {p.hash: p for p in presets}, projects=dict(projects or {})
    )
    state.latency = float(os.environ.get("LAAS_EMULATOR_LATENCY_MS", "0")) / 1000
    state.token_rate = float(os.environ.get("LAAS_EMULATOR_TOKEN_RATE", "0"))
    app = FastAPI(title="LaaS emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.emulator = state
    openai_compat.register(app, state, handle_chat)
    behaviour.install(app, state)

    def authorised(request: Request) -> bool:
        return state.accepts(request.headers.get("project"), request.headers.get("apikey"))

    async def checked_body(request: Request) -> dict[str, Any] | Response:
        """The request's JSON object, or the error LaaS answers instead."""
        if not authorised(request):
            return error(401, "invalid project or apiKey")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "request body is not valid JSON")
        if not isinstance(body, dict):
            return error(400, "request body must be a JSON object")
        return body

    @app.post("/api/preset/v2/chat/completions")
    async def chat(request: Request) -> Response:
        body = await checked_body(request)
        if isinstance(body, Response):
            return body
        result = await handle_chat(state, body, request)
        if isinstance(result, Response):
            return result
        if behaviour.streams(state, body):
            return streaming.respond(state, result, True, request)
        return await _whole(state, result, request)

    @app.post("/api/llm-orchestrator/chat/stream/{preset_id}/2")
    async def orchestrator_stream(preset_id: str, request: Request) -> Response:
        # Ennoia's SSE endpoint (docs/assumptions.md): the hash in the path, the same
        # headers and body otherwise; assumed to send no usage (the plugin estimates it).
        body = await checked_body(request)
        if isinstance(body, Response):
            return body
        result = await handle_chat(state, {**body, "hash": preset_id}, request)
        if isinstance(result, Response):
            return result
        return streaming.respond(state, result, False, request)

    @app.get("/api/preset/{preset_id}")
    async def preset_info(preset_id: str, request: Request) -> Response:
        if not authorised(request):
            return error(401, "invalid project or apiKey")
        preset = state.presets.get(preset_id)
        if preset is None:
            return error(404, "preset not found")
        return JSONResponse(
            {
                "hash": preset.hash,
                "name": preset.name,
                "model": preset.model,
                "variables": preset.variables,
            }
        )

    @app.post("/_emulator/faults")
    async def queue_faults(request: Request) -> Response:
        raw = await request.json()
        for item in raw if isinstance(raw, list) else [raw]:
            state.faults.append(Fault(**item))
        return JSONResponse({"queued": len(state.faults)})

    @app.post("/_emulator/script")
    async def script(request: Request) -> Response:
        # {"preset": "agent", "answers": ["raw text", {"tool_calls": [...]}, ...]}: the
        # preset's next calls answer these, in order, instead of composing an answer.
        # "match": "text": only calls whose messages hold that text take these answers (a
        # multi-step agent conversation, while the agent's side calls are answered as usual).
        raw = await request.json()
        match = raw.get("match") or ""
        if not isinstance(match, str):
            return error(400, "match must be a string")
        queue = state.scripted.setdefault((preset_hash(raw["preset"]), match), deque())
        for item in raw["answers"]:
            queue.append({"content": item} if isinstance(item, str) else dict(item))
        return JSONResponse({"queued": len(queue)})

    @app.get("/_emulator/stats")
    async def stats() -> Response:
        return JSONResponse(
            {
                "requests": len(state.received),
                "connections": len(state.connections),
                "disconnected": state.disconnected,
                "faults_queued": sum(f.count for f in state.faults),
                "by_project": dict(state.by_project),
            }
        )

    @app.get("/_emulator/received")
    async def received() -> Response:
        return JSONResponse(list(state.received))

    @app.post("/_emulator/reset")
    async def reset() -> Response:
        state.faults.clear()
        state.scripted.clear()
        state.received.clear()
        state.connections.clear()
        state.disconnected = 0
        state.by_project.clear()
        return JSONResponse({"ok": True})

    @app.get("/_emulator/health")
    async def health() -> Response:
        return JSONResponse({"ok": True})

    return app
