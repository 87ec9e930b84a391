"""Project codes and preset hashes that clients send themselves (an ``allow_client_preset``
deployment) stay out of the proxy's log, at its most verbose level, and out of error bodies;
the plugin remembers only a bounded number of them (tests/unit/test_redact.py sends 10,000)."""

from __future__ import annotations

import secrets

import httpx
import pytest

from laas_provider.emulator import preset_hash

from .harness import Emulator, Proxy, provider_map

API_KEY = "sk-laas-OPEN-KEY-5151-fedcba"
PROJECT = "OPEN_DEPLOYMENT_PROJECT_31"


@pytest.fixture(scope="module")
def open_proxy(log_dir):
    emu = Emulator(log_dir, project_code=PROJECT, api_key=API_KEY)
    config = {
        "model_list": [
            {
                "model_name": "open",
                "litellm_params": {
                    "model": "laas/open",
                    "api_base": emu.url,
                    "api_key": API_KEY,
                    "project_code": PROJECT,
                    "preset_hash": preset_hash("echo"),
                    "allow_client_preset": True,
                },
            }
        ],
        "litellm_settings": provider_map(),
        "router_settings": {"num_retries": 0, "disable_cooldowns": True},
        "general_settings": {"master_key": "os.environ/LITELLM_MASTER_KEY"},
    }
    with emu:
        env = {"LAAS_LOG_LEVEL": "DEBUG"}
        proxy = Proxy(config, env, log_dir, name="proxy-open", extra_args=("--detailed_debug",))
        with proxy:
            yield proxy, emu


def test_client_sent_values_never_reach_the_log_or_an_error_body(open_proxy):
    proxy, emu = open_proxy
    sent, bodies = [], []

    def call(**extra) -> httpx.Response:
        response = httpx.post(
            f"{proxy.url}/v1/chat/completions",
            headers={"Authorization": f"Bearer {proxy.master_key}"},
            json={"model": "open", "messages": [{"role": "user", "content": "hi"}], **extra},
            timeout=30,
        )
        bodies.append(response.text)
        return response

    statuses = []
    for i in range(6):
        project = f"CLIENT_PROJECT_{i}_{secrets.token_hex(6)}"
        fake_hash = secrets.token_hex(32)
        sent += [project, fake_hash]
        # Another team's project (LaaS: 401), plain and streamed; then an unknown preset,
        # which LaaS's 404 echoes. LiteLLM's debug output prints the parameters.
        statuses.append(call(project_code=project, stream=bool(i % 2)).status_code)
        emu.queue_fault(status=404, body={"message": f"no preset {fake_hash} in {PROJECT}"})
        statuses.append(call(extra_body={"preset_hash": fake_hash}).status_code)
    assert statuses == [401, 404] * 6, statuses
    assert call(preset_hash=preset_hash("qa")).status_code == 200  # the client's choice works

    log = proxy.log()
    assert "LiteLLM Router:DEBUG" in log  # the test can fail: verbose output was there
    assert any("project_code" in line for line in log.splitlines())
    for value in [*sent, API_KEY, PROJECT]:
        assert not [b for b in bodies if value in b], f"{value} in an error body"
        leaked = [line for line in log.splitlines() if value in line]
        assert not leaked, f"{value} in the proxy log: {leaked[:2]}"
