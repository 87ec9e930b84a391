"""The ASGI rewrite in front of the proxy: LiteLLM's ``400 No connected db.`` (a wrong proxy
key on a proxy without a database) becomes a 401 that says the key is wrong."""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.testclient import TestClient

from laas_provider.proxy import wrong_key

# LiteLLM's bodies for a wrong key without a database: every route (1.108.7: /v1/messages
# too), and /v1/messages on 1.110.2.
OPENAI_REFUSAL = {"error": {"message": "No connected db.", "type": "no_db_connection",
                            "param": None, "code": "400"}}  # fmt: skip
ANTHROPIC_REFUSAL = {"type": "error", "error": {"type": "invalid_request_error",
                     "message": "No connected db.", "litellm_error_type": "no_db_connection"}}  # fmt: skip


def app_answering(status: int, body: object, chunks: int = 1) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def answer():
        if chunks == 1:
            return JSONResponse(body, status_code=status, headers={"x-litellm-call-id": "c1"})
        raw = json.dumps(body, separators=(",", ":")).encode()  # as JSONResponse
        step = len(raw) // chunks + 1

        async def parts():
            for i in range(0, len(raw), step):
                yield raw[i : i + step]

        return StreamingResponse(parts(), status_code=status, media_type="application/json")

    wrong_key.install(app)
    return app


@pytest.mark.parametrize("chunks", [1, 3])
def test_the_no_database_refusal_becomes_a_401_naming_the_key(chunks):
    response = TestClient(app_answering(400, OPENAI_REFUSAL, chunks)).post(
        "/v1/chat/completions", json={}, headers={"Authorization": "Bearer sk-wrong-1234"}
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["message"] == wrong_key.MESSAGE
    assert "the proxy key is not valid" in error["message"]
    assert "LITELLM_MASTER_KEY" in error["message"]
    assert (error["type"], error["param"], error["code"]) == ("auth_error", "api_key", "401")
    assert "sk-wrong" not in response.text
    assert int(response.headers["content-length"]) == len(response.content)


def test_the_anthropic_shape_stays_anthropic():
    response = TestClient(app_answering(400, ANTHROPIC_REFUSAL)).post("/v1/chat/completions")
    assert response.status_code == 401
    assert response.json() == {"type": "error", "error": {
        "type": "authentication_error", "message": wrong_key.MESSAGE,
        "litellm_error_type": "auth_error"}}  # fmt: skip
    assert response.headers["x-litellm-call-id"] == "c1"  # other headers kept


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": {"message": "LaaS: messages: must not be empty", "code": "400"}}),
        (400, {"error": {"message": "No connected db. (and more)"}}),
        (401, {"error": {"message": "Authentication Error, No api key passed in."}}),
        (503, {"error": {"message": "No connected db.", "type": "no_db_connection"}}),
        (200, {"error": {"message": "No connected db."}}),
        (400, ["No connected db."]),
        (400, "No connected db."),
    ],
)
def test_everything_else_passes_through_unchanged(status, body):
    plain = FastAPI()
    plain.post("/v1/chat/completions")(lambda: JSONResponse(body, status_code=status))
    expected = TestClient(plain).post("/v1/chat/completions")
    for chunks in (1, 3):
        response = TestClient(app_answering(status, body, chunks)).post("/v1/chat/completions")
        assert (response.status_code, response.content) == (status, expected.content)


def test_a_large_error_body_is_not_held_whole():
    big = {"error": {"message": "No connected db.", "detail": "x" * (3 * wrong_key.MAX_HELD)}}
    response = TestClient(app_answering(400, big, chunks=8)).post("/v1/chat/completions")
    assert response.status_code == 400 and response.json() == big


async def test_a_streamed_success_is_sent_as_it_comes():
    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"data: 1\n\n", "more_body": True})
        assert len(sent) == 2  # passed on before the next chunk exists
        await send({"type": "http.response.body", "body": b"data: 2\n\n"})

    async def send(message):
        sent.append(message)

    await wrong_key.WrongKeyAnswer(app)({"type": "http"}, None, send)
    assert [m.get("body") for m in sent] == [None, b"data: 1\n\n", b"data: 2\n\n"]


def test_install_only_once():
    app = FastAPI()
    assert wrong_key.install(app) is True
    assert wrong_key.install(app) is False


def test_loading_the_guard_inside_the_proxy_puts_the_rewrite_in_front_of_its_app():
    from litellm.proxy import proxy_server

    from laas_provider.proxy import guard

    guard.install_body_check()  # what importing guard did (idempotent)
    assert proxy_server.app.state.laas_wrong_key_answer is True
