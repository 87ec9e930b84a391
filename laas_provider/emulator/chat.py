"""One LaaS chat call, emulated: faults first, then the preset, params and messages checked
as docs/assumptions.md describes LaaS, then a deterministic answer that says what arrived
(roles, filled-in system prompt, params) or a scripted one. Both chat endpoints and the
OpenAI-compatible one run ``handle_chat``.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import deque
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from . import agent, behaviour, faults, multimodal, streaming
from .faults import Fault
from .presets import Preset
from .state import State

ROLES = ("system", "user", "assistant")


def error(status: int, message: str) -> JSONResponse:
    # LaaS documents no error schema; its clients read `message` (see docs/assumptions.md).
    return JSONResponse({"message": message}, status_code=status)


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(
        p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"
    )


def _check_messages(messages: Any, seen: multimodal.Received) -> str | None:
    """The reason the messages are not acceptable, or None (counting images and PDFs)."""
    if not isinstance(messages, list):
        return "messages must be a list"
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return f"messages[{i}]: role must be one of {', '.join(ROLES)}"
        content = message.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list):
            return f"messages[{i}].content must be a string or a list of parts"
        images_before = seen.images
        for j, part in enumerate(content):
            where = f"messages[{i}].content[{j}]"
            if not isinstance(part, dict):
                return f"{where}: unsupported part"
            if part.get("type") == "text":
                if not isinstance(part.get("text"), str):
                    return f"{where}.text must be a string"
                continue
            problem = multimodal.check_part(part, where, seen, seen.images - images_before)
            if problem:
                return problem
    return None


def answer(
    state: State,
    preset: Preset,
    params: dict[str, str],
    messages: list[dict],
    seen: multimodal.Received | None = None,
) -> dict:
    system = preset.fill(params)
    roles = ["system", *(m["role"] for m in messages)]
    last_user = next(
        (_text_of(m["content"]) for m in reversed(messages) if m["role"] == "user"), ""
    )
    content = "\n".join(
        [
            f"[laas-emulator] preset={preset.name}",
            f"system: {system}",
            f"roles: {','.join(roles)}",
            f"params: {json.dumps(params, ensure_ascii=False, sort_keys=True)}",
            f"last user: {last_user}",
            (seen or multimodal.Received()).line(),
        ]
    )
    prompt_tokens = estimate_tokens(system) + sum(
        estimate_tokens(_text_of(m["content"])) for m in messages
    )
    message: dict[str, Any] = {"role": "assistant", "content": content}
    scripted = _script_for(state, preset.hash, messages)
    if scripted:
        message = {"role": "assistant", **scripted.popleft()}
    elif preset.agent:
        message["content"] = agent.reply(messages) or content
    completion_tokens = estimate_tokens(_text_of(message.get("content") or ""))
    return {
        "id": f"laas-emu-{next(state.ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": preset.model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _script_for(state: State, preset: str, messages: list[dict]) -> deque | None:
    """The scripted queue that answers this call: the first non-empty one of the preset whose
    match text occurs in the conversation (one queue per agent conversation), else the
    preset's unmatched one."""
    keyed = [(m, q) for (h, m), q in state.scripted.items() if h == preset and q and m]
    if keyed:
        text = "\n".join(_text_of(m["content"]) for m in messages)
        for match, queue in keyed:
            if match in text:
                return queue
    return state.scripted.get((preset, ""))


def _next_fault(state: State, body: dict[str, Any], project: str | None) -> Fault | None:
    params = body.get("params")
    spec = params.get(faults.FAULT_PARAM) if isinstance(params, dict) else None
    if isinstance(spec, str) and spec:
        return Fault.parse(spec)
    fault = next((f for f in state.faults if f.project in (None, project)), None)
    if fault is None:
        return None
    fault.count -= 1
    if fault.count <= 0:
        state.faults.remove(fault)
    return fault


async def handle_chat(state: State, body: dict[str, Any], request: Request) -> dict | Response:
    """One LaaS chat call: the answer dict, or an error/fault response. The OpenAI-compatible
    endpoint runs the very same function, so both endpoints do identical work."""
    state.received.append(body)
    project = request.headers.get("project")
    state.by_project[project or ""] += 1
    if request.client:
        state.connections.add((request.client.host, request.client.port))
    fault = _next_fault(state, body, project)
    if fault is not None and fault.kind in streaming.STREAM_FAULTS:
        request.state.stream_fault = fault  # acts once the answer streams
    elif fault is not None and fault.kind == "slow":
        if not await faults.wait_for_caller(fault.delay, request):
            state.disconnected += 1
            return Response(status_code=499)
    elif fault is not None:
        response = await faults.respond(fault, request, body)
        if response is None:
            state.disconnected += 1  # the caller went away before the answer
            return Response(status_code=499)
        return response
    preset_id = body.get("hash")
    if not isinstance(preset_id, str) or not preset_id:
        return error(400, "hash is required")
    preset = state.presets.get(preset_id)
    if preset is None:
        return error(404, "preset not found")
    params = body.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        return error(400, "params must be an object of strings")
    messages = body.get("messages") or []
    if state.latency:
        await asyncio.sleep(state.latency)
    seen = multimodal.Received(deviations=state.deviations)
    problem = behaviour.refusal(state, body) or _check_messages(messages, seen)
    if problem:
        return error(400, problem)
    # Assumed behaviour (stop, response_format, created...), variants, test deviations.
    return behaviour.respond(state, answer(state, preset, params, messages, seen), body, params)
