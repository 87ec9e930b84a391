"""No API key, project code or preset hash in logs or error bodies, even at the proxy's most
verbose level with the plugin at DEBUG, and even when LaaS echoes them back."""

from __future__ import annotations

import httpx
import pytest

from laas_provider.emulator import preset_hash

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
