"""The proxy guard's decision, without a proxy: which call types on which model groups are
refused (a fake router stands in for the proxy's)."""

from __future__ import annotations

import sys

import litellm
import pytest
from litellm.proxy import proxy_server

import laas_provider
from laas_provider.proxy import non_chat


class FakeRouter:
    def __init__(self, groups: dict[str, list[str]]):
        self.groups = groups

    def get_model_list(self, model_name: str) -> list[dict]:
        return [{"litellm_params": {"model": m}} for m in self.groups.get(model_name, [])]


@pytest.fixture
def router(monkeypatch):
    monkeypatch.setattr(
        litellm,
        "custom_provider_map",
        [{"provider": "laas", "custom_handler": laas_provider.laas_provider}],
    )
    fake = FakeRouter(
        {
            "laas-model": ["laas/a", "laas/b"],
            "openai-model": ["openai/text-embedding-3-small"],
            "mixed": ["laas/a", "openai/gpt-4o"],
        }
    )
    monkeypatch.setattr(proxy_server, "llm_router", fake)
    return fake


async def hook(call_type: str, model: str) -> None:
    await non_chat.guard.async_pre_call_hook(None, None, {"model": model}, call_type)


@pytest.mark.parametrize(
    ("call_type", "endpoint"),
    [("aembedding", "/v1/embeddings"), ("aspeech", "/v1/audio/speech"),
     ("rerank", "/v1/rerank"), ("moderation", "/v1/moderations"),
     ("avideo_generation", "avideo_generation")],
)  # fmt: skip
async def test_non_chat_call_types_on_a_laas_model_are_refused(router, call_type, endpoint):
    with pytest.raises(litellm.BadRequestError) as caught:
        await hook(call_type, "laas-model")
    assert caught.value.status_code == 400
    assert f"LaaS: {endpoint}: LaaS presets are chat models" in str(caught.value)


@pytest.mark.parametrize(
    "call_type", ["acompletion", "atext_completion", "aresponses", "anthropic_messages"]
)
async def test_chat_call_types_pass(router, call_type):
    assert await hook(call_type, "laas-model") is None


@pytest.mark.parametrize("model", ["openai-model", "mixed", "unknown", ""])
async def test_other_models_pass(router, model):
    assert await hook("aembedding", model) is None


def test_install_adds_the_guard_once(monkeypatch):
    monkeypatch.setattr(litellm, "callbacks", [])
    non_chat.install()
    non_chat.install()
    assert litellm.callbacks == [non_chat.guard]


def test_install_does_nothing_outside_the_proxy(monkeypatch):
    monkeypatch.setattr(litellm, "callbacks", [])
    monkeypatch.delitem(sys.modules, "litellm.proxy.proxy_server")
    non_chat.install()
    assert litellm.callbacks == []


async def test_previous_response_id_without_a_database_is_refused(router, monkeypatch):
    monkeypatch.setattr(proxy_server, "prisma_client", None)
    data = {"model": "laas-model", "input": "hi", "previous_response_id": "resp_1"}
    with pytest.raises(litellm.BadRequestError, match="previous_response_id: needs LiteLLM"):
        await non_chat.guard.async_pre_call_hook(None, None, data, "aresponses")
    # Another provider's model keeps LiteLLM's own behaviour; so does a proxy with a database.
    other = {**data, "model": "openai-model"}
    assert await non_chat.guard.async_pre_call_hook(None, None, other, "aresponses") is None
    monkeypatch.setattr(proxy_server, "prisma_client", object())
    assert await non_chat.guard.async_pre_call_hook(None, None, data, "aresponses") is None
