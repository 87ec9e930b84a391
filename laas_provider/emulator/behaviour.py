"""What the emulator assumes LaaS does where its docs are silent, and switches to deviate.

By default the emulator behaves as docs/assumptions.md says we assumed: ``stop`` and
``response_format: json_object`` are honoured, ``max_tokens`` cuts the answer with
``finish_reason: length`` (``variants.py``), ``created`` is in milliseconds, ``stream`` and
``tools`` are ignored (one JSON answer, no ``tool_calls``), WebP, GIF and PDFs by URL are
refused, errors are JSON ``{"message": ...}``; and (``multimodal.py``) at most 3 images per
message, consecutive user messages accepted (Anthropic merges them), at most 20 pages per PDF
document, no image over 8000 px a side. ``laas-check --probe`` checks each of
these against the real service; a test switches a deviation on to see the probe catch it.

Deviations are chosen with ``--deviate a,b`` (or ``LAAS_EMULATOR_DEVIATE``) when the emulator
starts, or at run time with ``POST /_emulator/behaviour {"deviate": ["a", "b"]}``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from . import variants
from .state import State

ENV = "LAAS_EMULATOR_DEVIATE"
SAMPLING_KEYS = ("temperature", "top_p", "frequency_penalty", "presence_penalty")

DEVIATIONS = {
    "refuse_content_string": "400 for a message whose content is a string",
    "refuse_content_list": "400 for a message whose content is a list of parts",
    "ignore_max_tokens": "max_tokens does not cut the answer",
    "odd_finish_reason": "finish_reason is `complete` (a value the plugin does not know)",
    "ignore_response_format": "response_format json_object is ignored (plain text answer)",
    "ignore_stop": "stop is ignored",
    "refuse_sampling": "400 for temperature, top_p, frequency_penalty, presence_penalty",
    "stream_sse": "stream: true is answered with SSE chunks",
    "native_tools": "tools are answered with native tool_calls",
    "refuse_image_url": "400 for an image given by https URL",
    "refuse_pdf": "400 for a PDF document part",
    "accept_webp": "WebP images are accepted",
    "accept_gif": "GIF images are accepted",
    "accept_pdf_url": "PDFs given by https URL are accepted",
    "accept_four_images": "more than 3 images in one message are accepted",
    "count_images_per_request": "at most 3 images in the whole request, not per message",
    "refuse_consecutive_users": "400 for two user messages in a row (roles must alternate)",
    "accept_long_pdfs": "PDFs over 20 pages are accepted (up to 100)",
    "count_pages_per_request": "at most 20 PDF pages in the whole request, not per document",
    "refuse_over_1568_px": "400 for an image with a side over 1568 px (not 8000)",
    "error_text": "error answers are plain text, not JSON",
    "created_seconds": "created is in seconds",
    "no_model": "the answer has no model field",
    "usage_input_tokens": "usage names are input_tokens/output_tokens",
    "no_preset_info": "GET /api/preset/{hash} answers 404",
}


def parse(spec: str | Iterable[str] | None) -> frozenset[str]:
    """``"a,b"`` or ``["a", "b"]`` -> the deviations; an unknown name is a ValueError."""
    if spec is None:
        return frozenset()
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    names = frozenset(str(item).strip() for item in items if str(item).strip())
    unknown = sorted(names - DEVIATIONS.keys())
    if unknown:
        raise ValueError(
            f"unknown deviation(s) {', '.join(unknown)}; known: {', '.join(DEVIATIONS)}"
        )
    return names


# --- before the answer: what the emulator refuses (multimodal.py: what it also accepts) -----


def refusal(state: State, body: dict[str, Any]) -> str | None:
    """Why a deviating emulator refuses this body (400), or None."""
    on = state.deviations
    if not on:
        return None
    if "refuse_sampling" in on:
        for key in SAMPLING_KEYS:
            if key in body:
                return f"{key} is not allowed"
    previous = None
    for i, message in enumerate(body.get("messages") or []):
        role = message.get("role") if isinstance(message, dict) else None
        if role == previous == "user" and "refuse_consecutive_users" in on:
            return (f'messages[{i}]: roles must alternate between "user" and "assistant", '
                    'but found multiple "user" roles in a row')  # fmt: skip
        previous = role
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and "refuse_content_string" in on:
            return f"messages[{i}].content must be a list of parts"
        if not isinstance(content, list):
            continue
        if "refuse_content_list" in on:
            return f"messages[{i}].content must be a string"
        for j, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            url = (part.get("image_url") or {}).get("url", "") if kind == "image_url" else ""
            if "refuse_image_url" in on and url.startswith(("https://", "http://")):
                return f"messages[{i}].content[{j}]: image URLs are not supported"
            if "refuse_pdf" in on and kind == "document":
                return f"messages[{i}].content[{j}]: documents are not supported"
    return None


# --- the answer --------------------------------------------------------------------------


def _retokenise(answer: dict[str, Any]) -> None:
    usage = answer.get("usage")
    content = answer["choices"][0]["message"].get("content")
    if isinstance(usage, dict) and isinstance(content, str):
        usage["completion_tokens"] = max(1, -(-len(content) // variants.CHARS_PER_TOKEN))
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]


def _shape(state: State, answer: dict[str, Any], body: dict[str, Any]) -> None:
    on = state.deviations
    choice = answer["choices"][0]
    message = choice["message"]
    response_format = body.get("response_format")
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    text = message.get("content")
    wants_json = kind == "json_object" and "ignore_response_format" not in on
    if wants_json and isinstance(text, str) and not _is_json_object(text):
        message["content"] = json.dumps({"answer": text.split("\n", 1)[0]}, ensure_ascii=False)
        _retokenise(answer)
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    if stops and "ignore_stop" not in on and isinstance(message["content"], str):
        cuts = [message["content"].find(s) for s in stops if isinstance(s, str) and s]
        cuts = [c for c in cuts if c >= 0]
        if cuts:
            message["content"] = message["content"][: min(cuts)]
            choice["finish_reason"] = "stop"
            _retokenise(answer)
    # LaaS has been seen sending 13-digit (millisecond) `created`: that is what we assume.
    now = time.time()
    answer["created"] = int(now) if "created_seconds" in on else int(now * 1000)


def _is_json_object(text: Any) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


def _finish(state: State, answer: dict[str, Any], body: dict[str, Any]) -> None:
    on = state.deviations
    tools = body.get("tools")
    if "native_tools" in on and isinstance(tools, list) and tools:
        name = ((tools[0] or {}).get("function") or {}).get("name", "tool")
        choice = answer["choices"][0]
        choice["message"]["content"] = None
        choice["message"]["tool_calls"] = [{"id": "call_emu_1", "type": "function",
                                            "function": {"name": name, "arguments": "{}"}}]  # fmt: skip
        choice["finish_reason"] = "tool_calls"
    if "odd_finish_reason" in on:
        answer["choices"][0]["finish_reason"] = "complete"
    if "no_model" in on:
        answer.pop("model", None)
    usage = answer.get("usage")
    if "usage_input_tokens" in on and isinstance(usage, dict):
        answer["usage"] = {"input_tokens": usage["prompt_tokens"],
                           "output_tokens": usage["completion_tokens"]}  # fmt: skip


def respond(
    state: State, answer: dict[str, Any], body: dict[str, Any], params: dict[str, str]
) -> dict[str, Any] | Response:
    """The emulator's answer to a chat call: assumed behaviour, variants, deviations."""
    _shape(state, answer, body)
    if "ignore_max_tokens" in state.deviations:
        body = {k: v for k, v in body.items() if k != "max_tokens"}
    answer = variants.apply(answer, body, params)
    _finish(state, answer, body)
    return answer


def streams(state: State, body: dict[str, Any]) -> bool:
    """Whether a v2 call is answered with SSE (``stream: true`` under ``stream_sse``)."""
    return body.get("stream") is True and "stream_sse" in state.deviations


# --- errors and preset info: an ASGI wrapper that costs nothing when no deviation is on ------


class _Deviate:
    def __init__(self, app: Any, state: State):
        self.app = app
        self.state = state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        on = self.state.deviations
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not on or not path.startswith("/api/"):
            return await self.app(scope, receive, send)
        if (
            "no_preset_info" in on
            and scope.get("method") == "GET"
            and path.startswith("/api/preset/")
        ):
            response = JSONResponse({"message": "not found"}, status_code=404)
            return await self._error_text(response)(scope, receive, send)
        if "error_text" not in on:
            return await self.app(scope, receive, send)
        started: dict[str, Any] = {}

        async def send_text_errors(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
                if message["status"] < 400:
                    await send(message)
                return
            if started.get("status", 200) < 400:
                await send(message)
                return
            # Error bodies are small JSON documents sent in one piece by the emulator.
            try:
                text = json.loads(message.get("body", b"")).get("message", "error")
            except (ValueError, AttributeError):
                text = "error"
            body = f"Error: {text}".encode()
            headers = [(b"content-type", b"text/plain; charset=utf-8"),
                       (b"content-length", str(len(body)).encode())]  # fmt: skip
            await send({"type": "http.response.start", "status": started["status"],
                        "headers": headers})  # fmt: skip
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_text_errors)

    def _error_text(self, response: Response) -> Response:
        if "error_text" in self.state.deviations:
            return Response("Error: not found", status_code=response.status_code,
                            media_type="text/plain")  # fmt: skip
        return response


def install(app: FastAPI, state: State) -> None:
    """Deviations from the environment, the ASGI wrapper, and ``/_emulator/behaviour``."""
    state.deviations = parse(os.environ.get(ENV))
    app.add_middleware(_Deviate, state=state)

    @app.get("/_emulator/behaviour")
    async def behaviour() -> Response:
        return JSONResponse({"deviations": sorted(state.deviations), "known": DEVIATIONS})

    @app.post("/_emulator/behaviour")
    async def set_behaviour(request: Request) -> Response:
        raw = await request.json()
        try:
            state.deviations = parse(raw.get("deviate") if isinstance(raw, dict) else raw)
        except ValueError as exc:
            return JSONResponse({"message": str(exc)}, status_code=400)
        return JSONResponse({"deviations": sorted(state.deviations)})
