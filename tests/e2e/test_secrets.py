"""No API key, project code or preset hash in logs or error bodies, even at the proxy's most
verbose level with the plugin at DEBUG, and even when LaaS echoes them back."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from laas_provider.emulator import preset_hash
from laas_provider.emulator.presets import CONFIG_MODELS

from .gateway import shipped_config, shipped_env
from .harness import Emulator, Proxy, provider_map

API_KEY = "sk-laas-SECRET-KEY-4242-abcdef"
PROJECT = "SECRET_PROJECT_77"
HASH = preset_hash("echo")
SECRETS = {"api key": API_KEY, "project code": PROJECT, "preset hash": HASH}


@pytest.fixture(scope="module")
def secret_emulator(log_dir):
    with Emulator(log_dir, project_code=PROJECT, api_key=API_KEY) as emu:
        yield emu


def config() -> dict:
    return {
        "model_list": [
            {"model_name": "env", "litellm_params": {"model": "laas/env", "laas_timeout": 1}},
            # The same secrets written into litellm_params, as an administrator may do.
            {
                "model_name": "inline",
                "litellm_params": {
                    "model": "laas/inline",
                    "api_key": API_KEY,
                    "project_code": PROJECT,
                    "preset_hash": HASH,
                },
            },
        ],
        "litellm_settings": provider_map(),
        "router_settings": {"num_retries": 0, "disable_cooldowns": True},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }


def exercise(proxy: Proxy, emu: Emulator) -> list[str]:
    """Successes, streams and every kind of failure; returns every body the client saw."""
    emu.reset()
    bodies = []

    def call(model: str, **body) -> None:
        response = httpx.post(
            f"{proxy.url}/v1/chat/completions",
            headers={"Authorization": f"Bearer {proxy.master_key}"},
            json={"model": model, "messages": [{"role": "user", "content": "hi"}], **body},
            timeout=30,
        )
        bodies.append(response.text)

    echo = f"denied: apiKey={API_KEY} project={PROJECT} hash={HASH}"
    for model in ("env", "inline"):
        call(model)
        call(model, stream=True)
        emu.queue_fault(status=401, body={"message": echo})
        call(model)
        emu.queue_fault(status=500, body=f"<html><pre>{echo}</pre></html>")
        call(model)
        emu.queue_fault(status=429, body={"error": {"message": echo}}, headers={"Retry-After": "0"})
        call(model, stream=True)
        emu.queue_fault(kind="no_choices")
        call(model)
        call(model, tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}])
        call(model, preset_hash="0" * 64)
        call(model, messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}])
    emu.queue_fault(kind="hang")
    call("env")  # times out after laas_timeout
    assert httpx.get(f"{emu.url}/_emulator/stats").json()["faults_queued"] == 0
    return bodies


def start_proxy(emu: Emulator, log_dir, name: str, *extra_args: str) -> Proxy:
    env = dict(emu.laas_env("echo"), LAAS_LOG_LEVEL="DEBUG")
    proxy = Proxy(config(), env, log_dir, name=name, extra_args=extra_args)
    proxy.start()
    return proxy


@pytest.mark.parametrize("level", ["--detailed_debug", "default"])
def test_no_secret_in_logs_or_error_bodies(secret_emulator, log_dir, level):
    extra = (level,) if level.startswith("--") else ()
    proxy = start_proxy(secret_emulator, log_dir, f"proxy-secrets-{level.strip('-')}", *extra)
    try:
        bodies = exercise(proxy, secret_emulator)
    finally:
        proxy.stop()
    log = proxy.log()

    assert any('"error"' in b for b in bodies) and any('"choices"' in b for b in bodies), bodies[:3]
    if extra:  # the test can fail: it did see verbose output from LiteLLM and the plugin
        assert "LiteLLM Router:DEBUG" in log
        assert "laas_provider DEBUG LaaS call for" in log
    plugin_lines = [line for line in log.splitlines() if line.startswith("laas_provider")]
    for what, value in SECRETS.items():
        assert not [b for b in bodies if value in b], f"{what} in an error body"
        assert not [line for line in plugin_lines if value in line], f"{what} in a plugin log line"
        leaked = [line for line in log.splitlines() if value in line]
        assert not leaked, f"{what} in the proxy log: {leaked[:3]}"


# --- the shipped config.yaml, attacked: echoes across fallbacks, odd parts, odd bodies -------
# One proxy running config.yaml as shipped (three deployments, each its own preset hash, with
# retries and fallbacks), at --detailed_debug with the plugin at DEBUG. Every test ends by
# reading the whole proxy log for every configured secret.

MODELS = CONFIG_MODELS  # claude-3.5-sonnet, claude-3.7-sonnet, claude-4-sonnet
FIRST = "claude-4-sonnet"  # falls back to claude-3.7-sonnet, then claude-3.5-sonnet
LAST = "claude-3.5-sonnet"  # no fallback
USER = {"role": "user", "content": "hi"}
HOLOGRAM = [{"type": "text", "text": "look"}, {"type": "hologram", "data": "x"}]


@pytest.fixture(scope="module")
def shipped_debug(secret_emulator, log_dir):
    env = dict(shipped_env(secret_emulator), LAAS_LOG_LEVEL="DEBUG", PYTHONUNBUFFERED="1")
    proxy = Proxy(shipped_config(), env, log_dir, name="proxy-shipped-debug",
                  extra_args=("--detailed_debug",))  # fmt: skip
    with proxy:
        yield proxy


def configured_secrets(emu: Emulator) -> dict[str, str]:
    """Every secret config.yaml reads: the key, the project, each model's preset hash (and
    LAAS_PRESET_HASH, the fallback for a model without its own)."""
    return {"api key": emu.api_key, "project code": emu.project_code,
            **{f"preset hash of {m}": preset_hash(m) for m in MODELS},
            "LAAS_PRESET_HASH": preset_hash("echo")}  # fmt: skip


def assert_no_secret(proxy: Proxy, emu: Emulator, bodies: list[str]) -> None:
    log = proxy.log()
    assert "LiteLLM Router:DEBUG" in log and "laas_provider DEBUG" in log  # verbose indeed
    found = {
        what: (log.count(value), sum(b.count(value) for b in bodies))
        for what, value in configured_secrets(emu).items()
    }
    leaked = {what: counts for what, counts in found.items() if any(counts)}
    assert not leaked, f"(log lines, client bodies) holding each secret: {leaked}"


def send(proxy: Proxy, body: Any, path: str = "/v1/chat/completions",
         raw: bytes | None = None) -> tuple[httpx.Response, float]:  # fmt: skip
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    started = time.monotonic()
    if raw is not None:
        headers["Content-Type"] = "application/json"
        response = httpx.post(f"{proxy.url}{path}", headers=headers, content=raw, timeout=120)
    else:
        response = httpx.post(f"{proxy.url}{path}", headers=headers, json=body, timeout=120)
    return response, time.monotonic() - started


def attempts(written: str) -> int:
    """Calls the router made, in a stretch of the log: its INFO line per attempt."""
    return sum(
        1
        for line in written.splitlines()
        if "Router:INFO" in line and "router.py" in line and "litellm.acompletion(model=" in line
    )


def test_an_echo_of_never_called_deployments_secrets_is_masked(shipped_debug, secret_emulator):
    # The first call of the run, on the model without fallbacks: LaaS's error names every
    # deployment's preset — the other two have not been called yet.
    emu = secret_emulator
    emu.reset()
    hashes = " ".join(f"hash={preset_hash(m)}" for m in MODELS)
    echo = f"denied: apiKey={emu.api_key} project={emu.project_code} {hashes}"
    emu.queue_fault(status=503, body={"message": echo}, count=3)
    response, _ = send(shipped_debug, {"model": LAST, "messages": [USER]})

    assert response.status_code == 503, response.text
    assert "denied: apiKey=*** project=*** hash=*** hash=*** hash=***" in response.text
    received = emu.received()
    assert received and {r["hash"] for r in received} == {preset_hash(LAST)}
    assert_no_secret(shipped_debug, emu, [response.text])


def test_each_deployment_echoing_its_own_credentials_through_fallbacks_is_masked(
    shipped_debug, secret_emulator
):
    emu = secret_emulator
    emu.reset()
    # LaaS answers every attempt with the credentials that attempt carried: JSON, HTML, JSON.
    emu.queue_fault(status=503, echo=True, count=3)
    emu.queue_fault(status=500, echo=True, body="<html>", count=3)
    emu.queue_fault(status=429, echo=True, count=3, headers={"Retry-After": "0"})
    response, _ = send(shipped_debug, {"model": FIRST, "messages": [USER]})

    assert response.is_error, response.text
    assert "apiKey=***" in response.text
    # The test can fail: every deployment was called, and each echo carried its own preset.
    assert {r["hash"] for r in emu.received()} == {preset_hash(m) for m in MODELS}
    assert_no_secret(shipped_debug, emu, [response.text])


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": HOLOGRAM}]},
         "messages[0].content[1].type"),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": HOLOGRAM}],
                                  "stream": True}, "messages[0].content[1].type"),
        ("/v1/messages", {"max_tokens": 20, "messages": [
            {"role": "user", "content": [{"type": "text", "text": "look"},
                                         {"type": "hologram"}]}]}, "messages[0].content[1].type"),
        ("/v1/responses", {"input": [{"role": "user", "content": [
            {"type": "input_text", "text": "look"}, {"type": "hologram", "text": "x"}]}]},
         "input[0].content[1].type"),
    ],
    ids=["chat", "chat-stream", "anthropic-messages", "responses"],
)  # fmt: skip
def test_an_unknown_part_type_is_an_immediate_400_with_no_attempt(
    shipped_debug, secret_emulator, path, body, field
):
    # Before: LiteLLM's own message check refused it inside the router, as a 500 "Invalid
    # user message" tried 9 times (3 per model) over ~15 s; /v1/messages and /v1/responses
    # dropped the part and answered 200 without it.
    secret_emulator.reset()
    before = len(shipped_debug.log())
    response, seconds = send(shipped_debug, {"model": FIRST, **body}, path)

    assert response.status_code == 400, response.text
    assert f"LaaS: {field}: unsupported content part type 'hologram'" in response.text
    assert secret_emulator.received() == []
    assert attempts(shipped_debug.log()[before:]) == 0
    print(f"{path}: 400 after {seconds:.2f} s, 0 attempts")
    assert_no_secret(shipped_debug, secret_emulator, [response.text])


def test_the_router_attempt_count_would_see_retries(shipped_debug, secret_emulator):
    # The counter used above does count attempts: a failing call shows all of them.
    secret_emulator.reset()
    secret_emulator.queue_fault(status=503, count=3)
    before = len(shipped_debug.log())
    response, _ = send(shipped_debug, {"model": LAST, "messages": [USER]})
    assert response.status_code == 503
    assert attempts(shipped_debug.log()[before:]) == 3


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/messages", "/v1/responses",
                                  "/v1/completions"])  # fmt: skip
def test_a_body_that_is_not_a_json_object_is_a_400_without_a_traceback(
    shipped_debug, secret_emulator, path
):
    secret_emulator.reset()
    before = len(shipped_debug.log())
    bodies = []
    for raw, kind in ((b"[]", "a list"), (b'[{"model": "claude-4-sonnet"}]', "a list"),
                      (b'"hi"', "a string"), (b"null", "null"), (b"5", "a number"),
                      (b"true", "a boolean")):  # fmt: skip
        response, _ = send(shipped_debug, None, path, raw=raw)
        bodies.append(response.text)
        assert response.status_code == 400, (raw, response.text)
        error = response.json()["error"]
        assert error["param"] == "body" and error["message"].endswith(f"not {kind}"), error
    written = shipped_debug.log()[before:]
    assert "Traceback" not in written and "has no attribute" not in written, written[-2000:]
    assert secret_emulator.received() == []
    # Alive and serving after.
    assert send(shipped_debug, {"model": LAST, "messages": [USER]})[0].status_code == 200
    assert_no_secret(shipped_debug, secret_emulator, bodies)
