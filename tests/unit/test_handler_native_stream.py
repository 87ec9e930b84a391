"""The handler's native streaming path with LaaS mocked at the transport (respx): which URL
and body, statuses before the first event, a v2 that ignores `stream`, secrets kept out."""

from __future__ import annotations

import json

import httpx
import litellm
import pytest

from .test_handler_http import ANSWER, BASE, CHAT, SECRETS, assert_no_secret, call

ORCH = f"{BASE}/api/llm-orchestrator/chat/stream/{SECRETS['preset_hash']}/2"
pytestmark = pytest.mark.usefixtures("laas_registered")
RAISED = Exception  # litellm wraps some as MidStreamFallbackError; checked with raised()


def sse(*texts: str, usage: bool = False) -> httpx.Response:
    events = [{"choices": [{"index": 0, "delta": {"content": t}}]} for t in texts]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if usage:
        events.append({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


async def collect(**kwargs):
    stream = await litellm.acompletion(**call(stream=True, **kwargs))
    return [chunk async for chunk in stream]


def raised(caught: pytest.ExceptionInfo) -> Exception:
    """In-process, litellm wraps a stream's first error (MidStreamFallbackError); the proxy's
    router reads the first chunk and answers with the original's status (tests/e2e)."""
    return getattr(caught.value, "original_exception", None) or caught.value


def text_of(chunks) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


async def test_orchestrator_is_called_with_the_hash_in_its_path_not_the_body(laas_api):
    route = laas_api.post(ORCH).mock(return_value=sse("po", "ng"))
    chunks = await collect(native_stream="orchestrator", stream_options={"include_usage": True})
    assert text_of(chunks) == "pong"
    body = json.loads(route.calls.last.request.content)
    assert "hash" not in body and "stream" not in body
    assert route.calls.last.request.headers["project"] == SECRETS["project_code"]
    assert chunks[-1].usage.completion_tokens > 0  # estimated: the stream sent none


async def test_v2_sends_stream_true_and_relays_the_services_usage(laas_api):
    route = laas_api.post(CHAT).mock(return_value=sse("a", "b", usage=True))
    chunks = await collect(native_stream="v2", stream_options={"include_usage": True})
    assert text_of(chunks) == "ab"
    assert json.loads(route.calls.last.request.content)["stream"] is True
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (5, 2)


async def test_a_v2_that_ignores_stream_is_faked_from_its_json_answer(laas_api):
    laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=ANSWER))
    assert text_of(await collect(native_stream="v2")) == "pong"


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, litellm.RateLimitError), (503, litellm.ServiceUnavailableError),
     (401, litellm.AuthenticationError)],
)  # fmt: skip
async def test_a_status_before_the_first_event_is_raised_before_any_chunk(laas_api, status, error):
    laas_api.post(ORCH).mock(
        return_value=httpx.Response(status, json={"message": f"no {SECRETS['api_key']}"})
    )
    with pytest.raises(RAISED) as caught:
        await collect(native_stream="orchestrator")
    assert isinstance(raised(caught), error) and raised(caught).status_code == status
    assert_no_secret(str(caught.value))


async def test_a_stream_without_done_or_finish_is_an_error(laas_api):
    body = 'data: {"choices": [{"delta": {"content": "cut"}}]}\n\n'
    laas_api.post(ORCH).mock(
        return_value=httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
    )
    with pytest.raises(RAISED) as caught:
        await collect(native_stream="orchestrator")
    assert isinstance(raised(caught), litellm.BadGatewayError)
    assert "ended before the answer was complete" in str(raised(caught))
