"""The request guard's first check, in front of the proxy: a front door's body is a JSON object.

LiteLLM reads a request body as ``dict`` while authenticating it, before any callback runs: a
body that is valid JSON but not an object (``[...]``, ``"hi"``, ``null``, ``5``, ``true``)
raised an ``AttributeError`` there, which the client got as a 500 and the log as tracebacks.
No ``CustomLogger`` hook runs that early, so ``guard`` wraps the proxy's ASGI app with this
check when LiteLLM loads it (``install``).

It looks only at the first byte of the body that is not JSON whitespace — held, then handed
on unchanged with the rest — so a 30 MB body costs what a 30-byte one does. Only POSTs to the
front doors the guard covers are checked (paths ending in ``/chat/completions``,
``/completions``, ``/messages``, ``/responses``), for every model: no body that is not an
object names a model, and every front door takes an object. Invalid JSON is left to LiteLLM
(it already answers a 400).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ..errors import refuse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FRONT_DOORS = ("/completions", "/messages", "/responses", "/messages/count_tokens")
WHITESPACE = b" \t\r\n"
# The first byte of each JSON value that is not an object -> its name for the client.
NOT_OBJECT = {
    ord("["): "a list",
    ord('"'): "a string",
    ord("n"): "null",
    ord("t"): "a boolean",
    ord("f"): "a boolean",
    **{ord(c): "a number" for c in "-0123456789"},
}
PROBLEM = "must be a JSON object holding `model` and the request's fields"


def checked(scope: Scope) -> bool:
    """Whether a request's body is this check's to look at."""
    if scope.get("type") != "http" or scope.get("method") != "POST":
        return False
    if not str(scope.get("path", "")).rstrip("/").endswith(FRONT_DOORS):
        return False
    headers = dict(scope.get("headers") or ())
    encoding = headers.get(b"content-encoding", b"identity").strip().lower()
    kind = headers.get(b"content-type", b"").strip().lower()
    form = kind.startswith((b"multipart/", b"application/x-www-form-urlencoded"))
    return encoding in (b"", b"identity") and not form


def refusal_body(kind: str) -> bytes:
    """The 400's body, in the OpenAI error shape the guard's other refusals have."""
    exc = refuse("body", f"{PROBLEM}, not {kind}")
    error = {"message": f"LaaS: {exc}", "type": "invalid_request_error", "param": "body",
             "code": "400"}  # fmt: skip
    return json.dumps({"error": error}).encode()


class ObjectBodyCheck:
    """ASGI middleware: a 400 for a front-door body that is JSON but not an object."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not checked(scope):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []
        first = None
        while True:
            message = await receive()
            held.append(message)
            if message.get("type") != "http.request":
                break  # the client went away: the app sees that as usual
            body = bytes(message.get("body") or b"").lstrip(WHITESPACE)
            if body:
                first = body[0]
                break
            if not message.get("more_body"):
                break
        kind = NOT_OBJECT.get(first) if first is not None else None
        if kind is not None:
            await _answer_400(send, refusal_body(kind))
            return

        async def replay() -> Message:
            return held.pop(0) if held else await receive()

        await self.app(scope, replay, send)


async def _answer_400(send: Send, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def wrap(app: Any, middleware: type, flag: str) -> bool:
    """Put ``middleware`` in front of ``app`` (a Starlette/FastAPI app) once, marked by
    ``flag`` on its state. Before the app has started, as its outermost middleware; once
    started (LiteLLM loads callbacks in its start-up event), around its built middleware
    stack. False if it was already there."""
    if getattr(app.state, flag, False):
        return False
    if app.middleware_stack is None:
        app.add_middleware(middleware)
    else:
        app.middleware_stack = middleware(app.middleware_stack)
    setattr(app.state, flag, True)
    return True


def install(app: Any) -> bool:
    """Put the check in front of ``app`` once (``wrap``)."""
    return wrap(app, ObjectBodyCheck, "laas_object_body_check")
