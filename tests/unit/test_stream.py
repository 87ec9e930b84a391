"""A finished answer as litellm stream chunks, and the in-process streaming paths."""

from __future__ import annotations

import httpx
import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError

from laas_provider.transform import to_model_response, to_stream_chunks
from laas_provider.transform.stream import CHUNK_CHARS


def answer(text: str, usage=True, finish="stop"):
    a = {"choices": [{"message": {"content": text}, "finish_reason": finish}]}
    if usage:
        a["usage"] = {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}
    return a


def test_chunks_rebuild_the_text_and_end_with_finish_and_usage():
    text = "x" * (CHUNK_CHARS * 2 + 5)
    chunks = list(to_stream_chunks(to_model_response(answer(text), "m")))
    assert "".join(c["text"] for c in chunks) == text
    assert len(chunks) == 4  # three text chunks, then the finishing one
    assert [c["is_finished"] for c in chunks] == [False, False, False, True]
    assert chunks[-1]["finish_reason"] == "stop"
    assert chunks[-1]["usage"] == {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}


def test_empty_answer_gives_only_the_finishing_chunk():
    (chunk,) = to_stream_chunks(to_model_response(answer(""), "m"))
    assert chunk["is_finished"] and chunk["text"] == ""


def test_estimated_usage_is_streamed_too():
    chunks = list(
        to_stream_chunks(to_model_response(answer("hello there", usage=False), "m", None, []))
    )
    assert chunks[-1]["usage"]["completion_tokens"] > 0


def test_length_finish_reason_is_kept():
    chunks = list(to_stream_chunks(to_model_response(answer("cut", finish="max_tokens"), "m")))
    assert chunks[-1]["finish_reason"] == "length"


BASE = "https://laas.test"
CHAT = f"{BASE}/api/preset/v2/chat/completions"
CALL = dict(model="laas/t", api_base=BASE, api_key="k", project_code="p", preset_hash="h", num_retries=0,
            messages=[{"role": "user", "content": "hi"}])  # fmt: skip


pytestmark = pytest.mark.usefixtures("laas_registered")


def test_sync_streaming_makes_one_call_and_streams_the_answer(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=answer("hello world")))
    chunks = list(litellm.completion(stream=True, **CALL))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "hello world"
    assert route.call_count == 1


async def test_async_streaming_makes_one_call_and_streams_the_answer(laas_api):
    route = laas_api.post(CHAT).mock(return_value=httpx.Response(200, json=answer("hello async")))
    stream = await litellm.acompletion(stream=True, **CALL)
    text = "".join([c.choices[0].delta.content or "" async for c in stream])
    assert text == "hello async"
    assert route.call_count == 1


async def test_async_streaming_failure_raises_before_any_chunk(laas_api):
    # In-process, litellm wraps it as a pre-first-chunk MidStreamFallbackError; the proxy
    # answers such an error with the original status (see the e2e tests).
    laas_api.post(CHAT).mock(return_value=httpx.Response(429, json={"message": "slow down"}))
    stream = await litellm.acompletion(stream=True, **CALL)
    with pytest.raises(MidStreamFallbackError) as caught:
        async for _ in stream:
            pytest.fail("no chunk may arrive before the error")
    assert caught.value.is_pre_first_chunk
    assert isinstance(caught.value.original_exception, litellm.RateLimitError)
