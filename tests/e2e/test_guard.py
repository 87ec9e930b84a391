"""Malformed chat requests for LaaS models, through the real proxy running config.yaml as
shipped (which registers laas_provider.guard): every one a 4xx naming the field, no
traceback or file path in any body, no call to LaaS, and the proxy still serving after."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ..malformed import CORPUS, OTHER_DOORS, USER
from .gateway import chat, shipped_config, shipped_env
from .harness import Emulator, Proxy

MODEL = "claude-4-sonnet"
NATIVE = "native-openai"  # LiteLLM's own openai/ provider: the guard leaves it alone


@pytest.fixture(scope="module")
def shipped(emulator: Emulator, log_dir) -> Iterator[Proxy]:
    config = shipped_config()
    assert "laas_provider.guard.request_guard" in config["litellm_settings"]["callbacks"]
    config["model_list"].append(
        {
            "model_name": NATIVE,
            "litellm_params": {
                "model": "openai/emulator",
                "api_base": f"{emulator.url}/v1",
                "api_key": emulator.api_key,
            },
        }
    )
    with Proxy(config, shipped_env(emulator), log_dir, name="proxy-guard") as server:
        yield server


def post(proxy: Proxy, body: dict, path: str = "/v1/chat/completions") -> httpx.Response:
    return httpx.post(
        f"{proxy.url}{path}",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json=body,
        timeout=30,
    )


def test_the_malformed_corpus_gets_field_naming_4xx_without_internals(shipped, emulator):
    assert len(CORPUS) >= 30
    failures = []
    for name, body, field in CORPUS:
        for stream in (False, True):
            streamed = {"stream": True} if stream and "stream" not in body else {}
            response = post(shipped, {"model": MODEL, **body, **streamed})
            text = response.text
            error = response.json().get("error", {}) if response.is_error else {}
            if not (
                400 <= response.status_code < 500
                and error.get("param") == field
                and "Traceback" not in text
                and ".py" not in text
            ):
                failures.append((name, stream, response.status_code, text[:300]))
    assert not failures, failures
    assert emulator.received() == [], "a malformed request reached LaaS"
    # Alive, and well-formed requests (a tool-call turn's shape included) still served.
    assert chat(shipped, MODEL).status_code == 200
    assert len(emulator.received()) == 1


def test_the_guard_leaves_other_providers_to_litellm(shipped, emulator):
    # The three requests LiteLLM mishandles, sent to a native model: whatever LiteLLM
    # answers, it is not the guard's 400 (the guard only speaks for LaaS models).
    for body in (
        {"messages": [{"role": "user", "content": 5}]},
        {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
    ):
        response = post(shipped, {"model": NATIVE, **body})
        assert not response.text.startswith('{"error":{"message":"LaaS:'), response.text
    assert post(shipped, {"model": NATIVE, "messages": [USER]}).status_code == 200


def test_a_tool_turn_passes_the_guard_and_reaches_the_handler(shipped, emulator):
    # Shape-valid tool messages are the handler's to judge (tool emulation, when enabled):
    # the guard must not be the one refusing them.
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    body = {
        "model": MODEL,
        "messages": [
            USER,
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
        ],
    }
    response = post(shipped, body)
    error = response.json().get("error") or {}
    assert response.status_code == 200 or "messages[1]" not in str(error.get("param")), error
    assert "must be" not in str(error.get("message", "")), error


def test_the_other_front_doors_refuse_malformed_bodies_for_laas_models(shipped, emulator):
    failures = []
    for name, path, body, field in OTHER_DOORS:
        response = post(shipped, {"model": MODEL, **body}, path)
        text = response.text
        if not (
            400 <= response.status_code < 500
            and f"LaaS: {field}:" in text
            and "Traceback" not in text
            and ".py" not in text
        ):
            failures.append((name, response.status_code, text[:300]))
    assert not failures, failures
    assert emulator.received() == [], "a malformed request reached LaaS"
    # Well-formed requests through each door still reach LaaS.
    for path, body in (
        ("/v1/messages", {"max_tokens": 50, "messages": [USER]}),
        ("/v1/responses", {"input": [{"role": "user", "content": [
            {"type": "input_text", "text": "hi"}]}], "instructions": "Be brief."}),
        ("/v1/completions", {"prompt": "hi"}),
    ):  # fmt: skip
        response = post(shipped, {"model": MODEL, **body}, path)
        assert response.status_code == 200, (path, response.text[:300])
    assert len(emulator.received()) == 3
