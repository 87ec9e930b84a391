"""The request guard hook: which models it checks, the 400 it raises, the error bodies it
cleans, and its registration in the shipped config.yaml."""

from __future__ import annotations

import asyncio
from pathlib import Path

import litellm
import pytest
import yaml
from fastapi import HTTPException
from litellm.proxy._types import ProxyException
from litellm.proxy.types_utils.utils import get_instance_fn

import laas_provider
from laas_provider.proxy import guard

ROOT = Path(__file__).resolve().parents[2]
TRACEBACK_MESSAGE = (
    "Invalid request format: litellm.APIConnectionError: 'str' object has no attribute 'get'\n"
    "Traceback (most recent call last):\n"
    '  File "/srv/app/.venv/lib/python3.11/site-packages/litellm/main.py", line 706, in x\n'
    "    init_response = await loop.run_in_executor(None, func)\n"
    "AttributeError: 'str' object has no attribute 'get'"
)


class Router:
    """The two router lookups the guard makes, over a fixed model list."""

    def __init__(self, model_list):
        self.model_list = model_list

    def get_model_list(self, model_name=None, team_id=None):
        return [m for m in self.model_list if m["model_name"] == model_name]


@pytest.fixture
def proxy_state(monkeypatch):
    from litellm.proxy import proxy_server

    monkeypatch.setattr(
        litellm,
        "custom_provider_map",
        [{"provider": "wanted", "custom_handler": laas_provider.laas_provider}],
    )
    router = Router(
        [
            {"model_name": "chat", "litellm_params": {"model": "wanted/chat"}},
            {"model_name": "other", "litellm_params": {"model": "openai/gpt-4o"}},
            {
                "model_name": "mixed",
                "litellm_params": {"model": "x", "custom_llm_provider": "wanted"},
            },
        ]
    )
    monkeypatch.setattr(proxy_server, "llm_router", router, raising=False)


def run_hook(data, call_type="acompletion"):
    return asyncio.run(
        guard.request_guard.async_pre_call_hook(
            user_api_key_dict=None, cache=None, data=data, call_type=call_type
        )
    )


def test_laas_models_are_told_by_the_provider_their_handler_is_registered_under(proxy_state):
    assert guard.serves_laas("chat") and guard.serves_laas("mixed")
    assert guard.serves_laas("wanted/direct")  # a provider-qualified name
    assert not guard.serves_laas("other") and not guard.serves_laas("laas/chat")
    assert not guard.serves_laas(None) and not guard.serves_laas(5)


def test_a_malformed_laas_request_is_a_400_naming_the_field(proxy_state):
    with pytest.raises(ProxyException) as refused:
        run_hook({"model": "chat", "messages": [{"role": "user", "content": 5}]})
    assert refused.value.code == "400" and refused.value.param == "messages[0].content"
    assert refused.value.type == "invalid_request_error"
    assert refused.value.message.startswith("LaaS: messages[0].content: must be a string")


def test_well_formed_requests_and_other_models_and_routes_pass(proxy_state):
    bad = {"messages": "hi"}
    assert run_hook({"model": "chat", "messages": [{"role": "user", "content": "hi"}]}) is None
    assert run_hook({"model": "other", **bad}) is None  # LiteLLM's own behaviour kept
    assert run_hook({"model": "chat", **bad}, call_type="aembedding") is None


def test_tracebacks_and_paths_are_taken_out_of_laas_error_bodies(proxy_state):
    error = litellm.BadRequestError(message=TRACEBACK_MESSAGE, model="chat", llm_provider="x")
    cleaned = asyncio.run(
        guard.request_guard.async_post_call_failure_hook(
            request_data={"model": "chat"}, original_exception=error, user_api_key_dict=None
        )
    )
    assert isinstance(cleaned, HTTPException) and cleaned.status_code == 400
    assert "Traceback" not in cleaned.detail and ".py" not in cleaned.detail
    assert "'str' object has no attribute 'get'" in cleaned.detail
    # Nothing to clean, or not a LaaS model: the proxy's own answer stands.
    plain = litellm.BadRequestError(message="LaaS: n: must be 1", model="chat", llm_provider="x")
    for data, exc in (({"model": "chat"}, plain), ({"model": "other"}, error)):
        hook = guard.request_guard.async_post_call_failure_hook(data, exc, None)
        assert asyncio.run(hook) is None


def test_without_internals_keeps_the_message_and_drops_file_frames():
    assert guard.without_internals(TRACEBACK_MESSAGE) == (
        "Invalid request format: litellm.APIConnectionError: 'str' object has no attribute 'get'"
    )
    assert guard.without_internals('bad thing in File "/a/b/c.py", line 3 here') == (
        'bad thing in File "<internal>", line 3 here'
    )
    # One character class, no backtracking: a message quoting a big payload is fine (the
    # first pattern here, backtracking through the long word, took 7 s on 20,000 characters).
    huge = "x" * 1_000_000 + " /srv/a.py"
    assert guard.without_internals(huge) == "x" * 1_000_000 + " <internal>"


def test_the_shipped_config_registers_the_guard_as_the_proxy_loads_it():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    (path,) = [
        c for c in config["litellm_settings"]["callbacks"] if c.startswith("laas_provider.guard")
    ]
    # As the proxy does: a file next to config.yaml first (the source tree), then import.
    loaded = get_instance_fn(path, config_file_path=str(ROOT / "config.yaml"))
    assert type(loaded).__name__ == "RequestGuard"
    assert "async_pre_call_hook" in vars(type(loaded))  # what the proxy looks for
    assert type(loaded).enforces_request_content is True


def test_claude_code_request_passes_with_thinking_dropped_for_laas_models_only(proxy_state):
    # What Claude Code sends by default: a system turn mid-conversation, adaptive thinking.
    def body(model):
        return {
            "model": model,
            "max_tokens": 32000,
            "thinking": {"type": "adaptive"},
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "create hello.txt"}]},
                {"role": "system", "content": "Available agent types: ..."},
            ],
        }

    data = run_hook(body("chat"), call_type="anthropic_messages")
    assert "thinking" not in data and data["messages"] == body("chat")["messages"]
    assert run_hook(body("other"), call_type="anthropic_messages") is None  # LiteLLM's own way
    with pytest.raises(ProxyException, match=r"messages\[0\].role"):
        run_hook({"model": "chat", "messages": [{"role": "tool", "content": "x"}]},
                 call_type="anthropic_messages")  # fmt: skip


@pytest.mark.parametrize(
    ("call_type", "asked", "ignored"),
    [
        # pi 0.73.1 with "reasoning": true; LiteLLM refused it for a custom provider.
        ("acompletion", {"reasoning_effort": "medium", "seed": 7}, ["reasoning_effort", "seed"]),
        ("acompletion", {"verbosity": "low", "thinking": {"type": "enabled"}},
         ["verbosity", "thinking"]),
        ("acompletion", {"chat_template_kwargs": {"enable_thinking": False}},
         ["chat_template_kwargs"]),
        ("aresponses", {"reasoning": {"effort": "medium", "summary": "auto"}}, ["reasoning"]),
        ("anthropic_messages", {"thinking": {"type": "adaptive"}}, ["thinking"]),
    ],
)  # fmt: skip
def test_what_the_table_ignores_is_taken_out_with_one_info_line(
    proxy_state, caplog, call_type, asked, ignored
):
    caplog.set_level("INFO", logger="laas_provider")
    messages = [{"role": "user", "content": "hi"}]
    data = run_hook({"model": "chat", "messages": messages, "temperature": 0.5, **asked},
                    call_type=call_type)  # fmt: skip
    assert data == {"model": "chat", "messages": messages, "temperature": 0.5}
    (line,) = [r.getMessage() for r in caplog.records if r.name == "laas_provider"]
    assert line.startswith(f"LaaS model chat: {', '.join(ignored)} not sent to LaaS")
    # Another provider's model keeps LiteLLM's own behaviour.
    assert run_hook({"model": "other", "messages": messages, **asked}, call_type) is None


def test_what_the_table_refuses_is_left_to_the_handler(proxy_state):
    # The handler knows the deployment's drop_params; the guard does not.
    messages = [{"role": "user", "content": "hi"}]
    for asked in ({"logprobs": True}, {"chat_template_kwargs": {"documents": []}}):
        assert run_hook({"model": "chat", "messages": messages, **asked}) is None


def test_the_responses_apis_text_verbosity_is_taken_out_and_its_format_kept(proxy_state):
    # LiteLLM 1.110 maps text.verbosity to `verbosity` and refuses it for a custom provider.
    fmt = {"type": "json_object"}
    data = run_hook({"model": "chat", "input": "hi", "text": {"verbosity": "low", "format": fmt}},
                    call_type="aresponses")  # fmt: skip
    assert data == {"model": "chat", "input": "hi", "text": {"format": fmt}}
    data = run_hook({"model": "chat", "input": "hi", "text": {"verbosity": "low"}}, "aresponses")
    assert data == {"model": "chat", "input": "hi"}
