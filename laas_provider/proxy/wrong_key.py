"""A wrong proxy key is a 401 that says the key is wrong, not LiteLLM's ``400 No connected db.``

A proxy without a database (``serve.sh``, config.yaml) accepts only its master key; LiteLLM
looks any other key up as a virtual key, finds no database, and answers ``400`` with the
message ``No connected db.`` (1.106.0 to 1.110.2). Its one hook for that step,
``general_settings.custom_auth``, replaces the whole key check, and no setting changes the
answer, so ``guard`` wraps the proxy's ASGI app with this check when LiteLLM loads it
(``install``), as it does ``body_guard``.

Only that exact answer is rewritten: status 400 and an error whose message is
``No connected db.``, in the shape LiteLLM sent it: OpenAI's, or Anthropic's (1.110.2 uses
it on ``/v1/messages``; 1.108.7 sends OpenAI's there too). Every other response passes
through as it comes; only a 400 or 401 with a body under ``MAX_HELD`` bytes is held (error
bodies are small), to be read. The key sent is never echoed.
"""

from __future__ import annotations

import json
from typing import Any

from .body_guard import ASGIApp, Message, Receive, Scope, Send, wrap

LITELLM_MESSAGE = "No connected db."
MESSAGE = (
    "Authentication Error: the proxy key is not valid. This proxy has no database of virtual "
    "keys, so it accepts only its master key (LITELLM_MASTER_KEY)."
)
HELD_STATUSES = (400, 401)
MAX_HELD = 16 * 1024


def answer(body: bytes) -> bytes | None:
    """The 401's body if ``body`` is LiteLLM's no-database key refusal, else None."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or error.get("message") != LITELLM_MESSAGE:
        return None
    if data.get("type") == "error":  # Anthropic's shape (/v1/messages)
        new = {"type": "error", "error": {"type": "authentication_error", "message": MESSAGE,
                                          "litellm_error_type": "auth_error"}}  # fmt: skip
    else:
        new = {"error": {"message": MESSAGE, "type": "auth_error", "param": "api_key",
                         "code": "401"}}  # fmt: skip
    return json.dumps(new, separators=(",", ":")).encode()


class WrongKeyAnswer:
    """ASGI middleware: LiteLLM's ``400 No connected db.`` -> a 401 naming the wrong key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None  # a held response start
        chunks: list[bytes] = []
        size = 0

        async def watch(message: Message) -> None:
            nonlocal start, size
            kind = message.get("type")
            if kind == "http.response.start" and message.get("status") in HELD_STATUSES:
                start = message
                return
            if start is None or kind != "http.response.body":
                await send(message)
                return
            chunks.append(bytes(message.get("body") or b""))
            size += len(chunks[-1])
            if message.get("more_body") and size <= MAX_HELD:
                return
            held, start = start, None
            body = b"".join(chunks)
            new = None if message.get("more_body") else answer(body)
            if new is None:  # not the refusal: sent as it came
                await send(held)
                await send({**message, "body": body})
                return
            headers = [(k, v) for k, v in held.get("headers") or ()
                       if k.lower() not in (b"content-length", b"content-type")]  # fmt: skip
            headers += [(b"content-type", b"application/json"),
                        (b"content-length", b"%d" % len(new))]  # fmt: skip
            await send({**held, "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": new})

        await self.app(scope, receive, watch)


def install(app: Any) -> bool:
    """Put the rewrite in front of ``app`` once (``body_guard.wrap``). False if it was
    already there."""
    return wrap(app, WrongKeyAnswer, "laas_wrong_key_answer")
