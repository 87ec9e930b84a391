"""What LaaS cannot do is a 400 at once: every non-chat call on a LaaS model, through the
proxy as shipped (retries and fallbacks on), is refused naming the endpoint, with no call to
LaaS, no retry, no fallback and no cooldown. The legacy completions endpoint still answers."""

from __future__ import annotations

import httpx
import litellm
import openai
import pytest

import laas_provider
from laas_provider.emulator import preset_hash

from .gateway import shipped_config

MODEL = "claude-4-sonnet"  # the shipped model with two fallbacks behind it
ALLOWED_FAILS = shipped_config()["router_settings"]["allowed_fails"]

# (endpoint, request keyword arguments) as clients send them.
CALLS = {
    "/v1/embeddings": {"json": {"model": MODEL, "input": "hello"}},
    "/v1/images/generations": {"json": {"model": MODEL, "prompt": "a cat"}},
    "/v1/images/edits": {
        "files": {"image": ("cat.png", b"\x89PNG\r\n\x1a\n", "image/png")},
        "data": {"model": MODEL, "prompt": "a hat"},
    },
    "/v1/audio/transcriptions": {
        "files": {"file": ("hello.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")},
        "data": {"model": MODEL},
    },
    "/v1/audio/speech": {"json": {"model": MODEL, "input": "hello", "voice": "alloy"}},
    "/v1/rerank": {"json": {"model": MODEL, "query": "q", "documents": ["a", "b"]}},
    "/v1/moderations": {"json": {"model": MODEL, "input": "hello"}},
}


def call(proxy, endpoint: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    return httpx.post(f"{proxy.url}{endpoint}", headers=headers, timeout=60, **CALLS[endpoint])


@pytest.mark.parametrize("endpoint", CALLS)
def test_non_chat_call_is_refused_with_400_naming_the_endpoint(shipped_proxy, emulator, endpoint):
    response = call(shipped_proxy, endpoint)
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert f"LaaS: {endpoint}: LaaS presets are chat models" in message
    assert "/v1/chat/completions" in message  # says what to call instead
    # Refused before the router: no retry, no fallback (each would show in the message or
    # the headers), and nothing sent to LaaS - not even to {api_base}/v1/moderations.
    assert "Fallback" not in message and "Retried" not in message
    assert response.headers.get("x-litellm-attempted-fallbacks") in (None, "0")
    assert response.headers.get("x-litellm-attempted-retries") in (None, "0")
    assert emulator.received() == []
    assert "/v1/moderations" not in emulator.log()


def test_refusals_do_not_cool_the_model_down(shipped_proxy, emulator):
    # More refusals than allowed_fails: were they counted as failures of the deployment,
    # claude-4-sonnet would now be skipped for its fallback.
    for _ in range(ALLOWED_FAILS + 2):
        assert call(shipped_proxy, "/v1/embeddings").status_code == 400
    client = openai.OpenAI(
        base_url=f"{shipped_proxy.url}/v1", api_key=shipped_proxy.master_key, max_retries=0
    )
    raw = client.chat.completions.with_raw_response.create(
        model=MODEL, messages=[{"role": "user", "content": "still there?"}]
    )
    assert raw.headers["x-litellm-model-group"] == MODEL
    assert raw.parse().choices[0].message.content.startswith(f"[laas-emulator] preset={MODEL}")
    assert [body["hash"] for body in emulator.received()] == [preset_hash(MODEL)]


def test_openai_sdk_embeddings_get_the_400(shipped_proxy, emulator):
    client = openai.OpenAI(
        base_url=f"{shipped_proxy.url}/v1", api_key=shipped_proxy.master_key, max_retries=0
    )
    with pytest.raises(openai.BadRequestError, match="LaaS presets are chat models"):
        client.embeddings.create(model=MODEL, input="hello", encoding_format="float")
    assert emulator.received() == []


def test_legacy_completions_still_answer(shipped_proxy, emulator):
    client = openai.OpenAI(
        base_url=f"{shipped_proxy.url}/v1", api_key=shipped_proxy.master_key, max_retries=0
    )
    reply = client.completions.create(model=MODEL, prompt="Say hello", max_tokens=200)
    assert reply.object == "text_completion"
    assert "last user: Say hello" in reply.choices[0].text
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0
    (sent,) = emulator.received()
    assert sent["messages"][-1]["role"] == "user"


def test_legacy_completions_stream(shipped_proxy, emulator):
    client = openai.OpenAI(
        base_url=f"{shipped_proxy.url}/v1", api_key=shipped_proxy.master_key, max_retries=0
    )
    text = "".join(
        chunk.choices[0].text or ""  # LiteLLM sends null text on its finish chunk
        for chunk in client.completions.create(model=MODEL, prompt="Say hello", stream=True)
        if chunk.choices
    )
    assert "last user: Say hello" in text
    assert len(emulator.received()) == 1


# --- the handler itself (LiteLLM's SDK, or a proxy without the guard) -----------------------

HANDLER_CALLS = {
    "embedding": "/v1/embeddings",
    "image_generation": "/v1/images/generations",
    "image_edit": "/v1/images/edits",
}


@pytest.mark.parametrize("method", HANDLER_CALLS)
async def test_handler_refuses_non_chat_methods_with_400(method):
    handler = laas_provider.laas_provider
    for name in (method, f"a{method}"):
        with pytest.raises(litellm.BadRequestError) as caught:
            result = getattr(handler, name)(model="claude-4-sonnet", prompt="x", input=["x"])
            if hasattr(result, "__await__"):
                await result
        assert caught.value.status_code == 400
        assert f"{HANDLER_CALLS[method]}: LaaS presets are chat models" in str(caught.value)


def test_litellm_sdk_embedding_on_a_laas_model_is_a_400(monkeypatch):
    monkeypatch.setattr(
        litellm,
        "custom_provider_map",
        [{"provider": "laas", "custom_handler": laas_provider.laas_provider}],
    )
    litellm.utils.custom_llm_setup()
    with pytest.raises(litellm.BadRequestError, match="/v1/embeddings: LaaS presets are chat"):
        litellm.embedding(model="laas/claude-4-sonnet", input=["hello"])


def test_the_guard_runs_next_to_callbacks_from_the_config(proxy, emulator):
    # The session proxy's config lists its own `callbacks`; the plugin's guard (which it
    # installs itself) still answers first: without it, speech would be a 500.
    response = httpx.post(
        f"{proxy.url}/v1/audio/speech",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json={"model": "laas-chat", "input": "hello", "voice": "alloy"},
        timeout=60,
    )
    assert response.status_code == 400, response.text
    assert "/v1/audio/speech: LaaS presets are chat models" in response.text
    assert emulator.received() == []


def test_google_generate_content_is_refused_at_once(shipped_proxy, emulator):
    # LiteLLM has no bridge from Google's format to a custom provider (500 otherwise).
    response = httpx.post(
        f"{shipped_proxy.url}/v1beta/models/{MODEL}:generateContent",
        headers={"Authorization": f"Bearer {shipped_proxy.master_key}"},
        json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
        timeout=60,
    )
    assert response.status_code == 400, response.text
    assert "generateContent: LaaS presets are chat models" in response.text
    assert emulator.received() == []
