"""The handler's HTTP layer, with LaaS mocked at the transport (respx): statuses, faults, secrets."""

from __future__ import annotations

import json

import httpx
import litellm
import pytest

BASE = "https://laas.test"
CHAT = f"{BASE}/api/preset/v2/chat/completions"
SECRETS = {
    "api_key": "key-SECRET-123",
    "project_code": "PRJ_SECRET_9",
    "preset_hash": "c0ffee" * 10 + "abcd",
}
ANSWER = {
    "id": "a1", "created": 1_763_000_000_000, "model": "m",
    "choices": [{"message": {"role": "assistant", "content": [{"type": "text", "text": "pong"}]}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}  # fmt: skip


pytestmark = pytest.mark.usefixtures("laas_registered")


def call(**kwargs):
    kwargs.setdefault("messages", [{"role": "user", "content": "ping"}])
    return dict(model="laas/test", api_base=BASE, num_retries=0, **SECRETS, **kwargs)


def assert_no_secret(text: str) -> None:
    for value in SECRETS.values():
        assert value not in text


async def test_async_call_sends_laas_headers_and_body(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    reply = await litellm.acompletion(**call(extra_body={"params": {"q": 1}}))
    assert reply.choices[0].message.content == "pong"
    assert reply.created == 1_763_000_000
    request = route.calls.last.request
    assert request.headers["project"] == SECRETS["project_code"]
    assert request.headers["apiKey"] == SECRETS["api_key"]
    body = json.loads(request.content)
    assert body == {
        "hash": SECRETS["preset_hash"],
        "params": {"q": "1"},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "ping"}]}],
    }


def test_sync_call_uses_the_sync_client(laas_api):
    laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    reply = litellm.completion(**call())
    assert reply.choices[0].message.content == "pong"
    assert reply.usage.total_tokens == 4


async def test_connections_are_pooled_per_loop(laas_api):
    laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    from laas_provider import client

    first = client.async_client()
    await litellm.acompletion(**call())
    assert client.async_client() is first


@pytest.mark.parametrize(
    ("status", "exception", "client_status"),
    [
        (400, litellm.BadRequestError, 400),
        (401, litellm.AuthenticationError, 401),
        (403, litellm.PermissionDeniedError, 403),
        (404, litellm.NotFoundError, 404),
        (409, litellm.BadRequestError, 409),
        (413, litellm.BadRequestError, 413),
        (422, litellm.UnprocessableEntityError, 422),
        (429, litellm.RateLimitError, 429),
        (500, litellm.InternalServerError, 500),
        (502, litellm.BadGatewayError, 502),
        (503, litellm.ServiceUnavailableError, 503),
        (504, litellm.Timeout, 504),
    ],
)
async def test_upstream_status_maps_to_litellm_exception(
    laas_api, status, exception, client_status
):
    echo = f"bad request for {SECRETS['project_code']} with {SECRETS['api_key']}"
    laas_api.post(CHAT).mock(return_value=httpx.Response(status, json={"message": echo}))
    with pytest.raises(exception) as caught:
        await litellm.acompletion(**call())
    assert caught.value.status_code == client_status
    assert "bad request for" in str(caught.value)  # LaaS's own words are kept ...
    assert_no_secret(str(caught.value))  # ... without the secrets it echoed


async def test_html_error_body_is_summarised(laas_api):
    laas_api.post(CHAT).mock(
        return_value=httpx.Response(502, text="<html>\n<body>Bad   gateway</body></html>")
    )
    with pytest.raises(litellm.BadGatewayError, match="Bad gateway"):
        await litellm.acompletion(**call())


@pytest.mark.parametrize(
    ("fault", "exception"),
    [
        (httpx.ReadTimeout("slow"), litellm.Timeout),
        (httpx.ConnectTimeout("slow"), litellm.Timeout),
        (httpx.ConnectError("refused"), litellm.ServiceUnavailableError),
        (httpx.RemoteProtocolError("cut"), litellm.ServiceUnavailableError),
    ],
)
async def test_transport_failures_map_to_retryable_errors(laas_api, fault, exception):
    laas_api.post(CHAT).mock(side_effect=fault)
    with pytest.raises(exception) as caught:
        await litellm.acompletion(**call())
    assert_no_secret(str(caught.value))
    # What to fix: the host it could not reach, never the URL's path (the preset hash).
    assert "laas.test" in str(caught.value) and "/api/" not in str(caught.value)


def test_an_unreachable_host_is_named_without_path_or_user_info():
    from laas_provider import errors

    request = httpx.Request("POST", f"https://user:pw@laas.example:8443/api/preset/{'ab' * 32}")
    exc = httpx.ConnectError("refused", request=request)
    message = str(errors.from_transport(exc, "m", 30))
    assert "could not reach LaaS at laas.example:8443 (ConnectError)" in message
    assert "ab" * 32 not in message and "pw" not in message and "user" not in message


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"message": "thread too long"}),
        httpx.Response(200, text="not json"),
    ],
)
async def test_unusable_200_is_an_upstream_error(laas_api, response):
    laas_api.post(CHAT).mock(return_value=response)
    with pytest.raises(litellm.BadGatewayError, match="unusable answer"):
        await litellm.acompletion(**call())


async def test_bad_input_is_refused_before_any_upstream_call(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    with pytest.raises(litellm.BadRequestError, match=r"messages\[0\]\.role"):
        await litellm.acompletion(**call(messages=[{"role": "wizard", "content": "x"}]))
    assert not route.called


async def test_missing_settings_are_named_before_any_upstream_call(laas_api, monkeypatch):
    for name in ("LAAS_API_KEY", "LAAS_PROJECT_CODE", "LAAS_PRESET_HASH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("laas_provider.settings._dotenv", lambda: {})
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    with pytest.raises(litellm.AuthenticationError, match="preset_hash"):
        await litellm.acompletion(model="laas/test", api_base=BASE, api_key="k", project_code="p",
                                  messages=[{"role": "user", "content": "x"}], num_retries=0)  # fmt: skip
    assert not route.called


async def test_configured_timeout_reaches_httpx(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    await litellm.acompletion(**call(laas_timeout=7))
    assert route.calls.last.request.extensions["timeout"]["read"] == 7


def big_pdf_messages() -> tuple[list, str]:
    from laas_provider.body import STREAM_MIN
    from tests.media import data_url, pdf

    url = data_url("application/pdf", pdf(2, total=STREAM_MIN))  # a data URL over STREAM_MIN
    parts = [{"type": "text", "text": "read"}, {"type": "file", "file": {"file_data": url}}]
    return [{"role": "user", "content": parts}], url


def assert_big_body_sent(request: httpx.Request, url: str) -> None:
    assert "transfer-encoding" not in request.headers  # an exact Content-Length, as LaaS expects
    assert int(request.headers["content-length"]) == len(request.content)
    sent = json.loads(request.content)
    assert sent["messages"][0]["content"] == [
        {"type": "text", "text": "read"},
        {"type": "document", "document_url": {"url": url}},
    ]


async def test_async_call_streams_a_big_body_with_its_exact_length(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    messages, url = big_pdf_messages()
    reply = await litellm.acompletion(**call(messages=messages))
    assert reply.choices[0].message.content == "pong"
    assert_big_body_sent(route.calls.last.request, url)


def test_sync_call_streams_a_big_body_with_its_exact_length(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    messages, url = big_pdf_messages()
    reply = litellm.completion(**call(messages=messages))
    assert reply.choices[0].message.content == "pong"
    assert_big_body_sent(route.calls.last.request, url)


def answered_by(seen: list) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=ANSWER)

    return httpx.MockTransport(handle)


# No respx here: it would answer for the caller's transport too. The pool would try to reach
# laas.test, which does not resolve, so an answer proves the caller's client was used.


def test_a_callers_own_sync_httpx_client_is_used():
    seen: list = []
    with httpx.Client(transport=answered_by(seen)) as own:
        reply = litellm.completion(**call(client=own))
    assert reply.choices[0].message.content == "pong"
    assert [r.url for r in seen] == [httpx.URL(CHAT)]


async def test_a_callers_own_async_httpx_client_is_used():
    seen: list = []
    async with httpx.AsyncClient(transport=answered_by(seen)) as own:
        reply = await litellm.acompletion(**call(client=own))
    assert reply.choices[0].message.content == "pong"
    assert [r.url for r in seen] == [httpx.URL(CHAT)]


async def test_a_client_of_another_kind_is_ignored_for_the_pool(laas_api):
    pooled = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    reply = await litellm.acompletion(**call(client=object()))
    assert reply.choices[0].message.content == "pong"
    assert pooled.call_count == 1
