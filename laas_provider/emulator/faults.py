"""Misbehaviours the emulator can inject, for fault-injection tests.

Chosen either from a queue (``POST /_emulator/faults``, applied to the next calls in order)
or per request with the preset variable ``emulator_fault`` (``"status=503;delay=0.5"``,
``"kind=reset"``), which works under concurrency and through fallbacks' retries alike.

Kinds: ``status`` (default: that status with a LaaS-like JSON body, or ``body`` as given,
a string being sent as HTML), ``malformed`` (200 with broken JSON), ``no_choices`` (200
without ``choices``), ``huge`` (200 with an answer of ``size`` bytes), ``truncated`` (the
body is cut off mid-way), ``reset`` (the connection is dropped without an answer),
``hang`` (the connection is accepted and never answered), ``slow`` (the normal answer,
after ``delay`` seconds); on streamed answers also ``cut``, ``bad_event``, ``stall`` and
``error_event`` after ``after`` tokens (``streaming.py``). A queued fault with ``project`` set only hits calls carrying that
``project`` header (one LaaS deployment of several failing while the others answer).
With ``echo`` set, a ``status`` fault's message repeats the call's own credentials
(``denied: apiKey=… project=… hash=…``), as a careless upstream might: each deployment's
call echoes its own values, through retries and fallbacks alike (for leak tests).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

FAULT_PARAM = "emulator_fault"
HANG_SECONDS = 3600.0


@dataclass
class Fault:
    kind: str = "status"
    status: int = 500
    body: Any = None  # JSON value, or a str sent as-is (e.g. HTML)
    delay: float = 0.0
    count: int = 1
    size: int = 5 * 1024 * 1024
    headers: dict[str, str] = field(default_factory=dict)
    project: str | None = None  # queued faults only: hit only calls for this project code
    echo: bool = False  # the error message repeats the call's apiKey, project and hash
    after: int = 0  # mid-stream kinds (streaming.py): tokens sent before the fault

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """``"status=429;retry_after=2"`` -> Fault."""
        fault = cls()
        for item in filter(None, (p.strip() for p in spec.split(";"))):
            key, _, value = item.partition("=")
            if key in ("status", "count", "size", "after"):
                setattr(fault, key, int(value))
            elif key == "delay":
                fault.delay = float(value)
            elif key == "kind":
                fault.kind = value
            elif key == "retry_after":
                fault.headers["Retry-After"] = value
            elif key == "body":
                fault.body = value
            elif key == "echo":
                fault.echo = value.lower() in ("1", "true", "yes")
        return fault


def _drop_connection(request: Request) -> None:
    # uvicorn's request cycle holds the transport; aborting it closes the socket at once.
    cycle = getattr(request.receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None:
        transport.abort()


async def wait_for_caller(seconds: float, request: Request) -> bool:
    """Sleep, watching the caller; False if it went away (so tests can see cancellation)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        if await request.is_disconnected():
            return False
        await asyncio.sleep(min(0.05, left))
    return True


def echoed(request: Request, body: Any) -> str:
    """The credentials a call carried, as an upstream that echoes them would word it."""
    preset = body.get("hash") if isinstance(body, dict) else None
    return (
        f"denied: apiKey={request.headers.get('apikey')} "
        f"project={request.headers.get('project')} hash={preset}"
    )


async def respond(fault: Fault, request: Request, body: Any = None) -> Response | None:
    """The fault's answer, or None if the caller disconnected while we waited. ``body``: the
    call's JSON body (for ``echo``)."""
    delay = fault.delay + (HANG_SECONDS if fault.kind == "hang" else 0.0)
    if delay and not await wait_for_caller(delay, request):
        return None
    if fault.kind == "reset":
        _drop_connection(request)
        return Response(status_code=204)  # never reaches the client
    if fault.kind == "malformed":
        return Response('{"id": "x", "choices": [{"message": ', media_type="application/json")
    if fault.kind == "no_choices":
        return JSONResponse({"message": "thread too long", "id": "x"})
    if fault.kind == "truncated":
        body = json.dumps({"choices": [{"message": {"content": "x" * 4096}}]}).encode()
        headers = {"content-length": str(len(body))}
        return Response(body[: len(body) // 2], headers=headers, media_type="application/json")
    if fault.kind == "huge":
        text = "y" * fault.size
        return JSONResponse(
            {
                "id": "huge",
                "choices": [{"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": fault.size // 4, "total_tokens": 1 + fault.size // 4},
            }
        )  # fmt: skip
    if fault.echo:
        text = echoed(request, body)
        if isinstance(fault.body, str):  # an HTML page around the echo
            return Response(
                f"<html><pre>{text}</pre></html>", status_code=fault.status,
                headers=fault.headers, media_type="text/html",
            )  # fmt: skip
        return JSONResponse({"message": text}, status_code=fault.status, headers=fault.headers)
    if isinstance(fault.body, str):
        return Response(
            fault.body, status_code=fault.status, headers=fault.headers, media_type="text/html"
        )
    body = fault.body if fault.body is not None else {"message": f"emulated fault {fault.status}"}
    return JSONResponse(body, status_code=fault.status, headers=fault.headers)
