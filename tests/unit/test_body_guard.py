"""The ASGI check in front of the proxy: a front door's JSON body must be an object."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from laas_provider.proxy import body_guard

NOT_OBJECTS = {
    b"[]": "a list",
    b' \n\t[{"model": "m"}]': "a list",
    b'"hi"': "a string",
    b"null": "null",
    b"5": "a number",
    b"-1.5": "a number",
    b"true": "a boolean",
    b"false": "a boolean",
}


class Recorder:
    """An ASGI app that records the body it was handed and answers 200."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope, receive, send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def call(app, body_chunks, path="/v1/chat/completions", method="POST", headers=()):
    """Run one request through ``app``; the body arrives in ``body_chunks``."""
    chunks = list(body_chunks)
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ] or [{"type": "http.request", "body": b"", "more_body": False}]
    sent: list[dict] = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": list(headers)}
    await app(scope, receive, send)
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return status, body


@pytest.mark.parametrize(
    ("body", "kind"), NOT_OBJECTS.items(), ids=[k.decode() for k in NOT_OBJECTS]
)
@pytest.mark.parametrize(
    "path", ["/v1/chat/completions", "/chat/completions", "/v1/messages", "/v1/responses",
             "/v1/completions", "/openai/deployments/m/chat/completions"],
)  # fmt: skip
async def test_a_body_that_is_not_an_object_is_a_400_before_the_proxy(body, kind, path):
    app = Recorder()
    status, answer = await call(body_guard.ObjectBodyCheck(app), [body], path)
    assert status == 400
    error = json.loads(answer)["error"]
    assert error["type"] == "invalid_request_error" and error["param"] == "body"
    assert error["message"].startswith("LaaS: body: must be a JSON object")
    assert error["message"].endswith(f"not {kind}")
    assert app.bodies == []  # the proxy never saw it


async def test_an_object_body_reaches_the_proxy_whole_even_split_after_whitespace():
    app = Recorder()
    chunks = [b"", b"  \n", b'{"model": "m", ', b'"messages": []}']
    status, _ = await call(body_guard.ObjectBodyCheck(app), chunks)
    assert status == 200
    assert app.bodies == [b"".join(chunks)]


async def test_a_big_body_is_judged_by_its_first_byte_and_handed_on_unchanged():
    app = Recorder()
    big = b'{"model": "m", "x": "' + b"a" * (8 * 1024 * 1024) + b'"}'
    chunks = [big[i : i + 65536] for i in range(0, len(big), 65536)]
    status, _ = await call(body_guard.ObjectBodyCheck(app), chunks)
    assert status == 200 and app.bodies == [big]


@pytest.mark.parametrize(
    ("path", "method", "headers", "body"),
    [
        ("/v1/embeddings", "POST", (), b"[]"),  # not a front door the guard covers
        ("/v1/chat/completions", "GET", (), b""),
        ("/v1/chat/completions", "POST", ((b"content-type", b"multipart/form-data; b=x"),), b"[]"),
        ("/v1/chat/completions", "POST", ((b"content-encoding", b"gzip"),), b"[]"),
        ("/v1/chat/completions", "POST", (), b"{bad json"),  # LiteLLM's own 400
        ("/v1/chat/completions", "POST", (), b""),  # empty: LiteLLM's / the guard's to judge
    ],
)
async def test_other_requests_pass_untouched(path, method, headers, body):
    app = Recorder()
    status, _ = await call(body_guard.ObjectBodyCheck(app), [body], path, method, headers)
    assert status == 200 and app.bodies == [body]


def test_install_before_and_after_the_app_started_and_only_once():
    async def ok(request_body: dict) -> dict:
        return {"ok": True}

    for started in (False, True):
        app = FastAPI()
        app.post("/v1/chat/completions")(ok)
        client = TestClient(app)
        if started:
            client.get("/")  # builds the middleware stack: add_middleware would now fail
            assert app.middleware_stack is not None
        assert body_guard.install(app) is True
        assert body_guard.install(app) is False
        refused = client.post("/v1/chat/completions", content=b"[1]")
        assert refused.status_code == 400, refused.text
        assert "not a list" in refused.json()["error"]["message"]
        assert client.post("/v1/chat/completions", json={"a": 1}).json() == {"ok": True}


def test_loading_the_guard_inside_the_proxy_puts_the_check_in_front_of_its_app():
    from litellm.proxy import proxy_server

    from laas_provider.proxy import guard

    guard.install_body_check()  # what importing guard did (idempotent)
    assert proxy_server.app.state.laas_object_body_check is True
